"""JupyterLab set-up for this repository: notebooks saved without outputs.

``make lab`` starts JupyterLab with ``.jupyter/jupyter_server_config.py``, which installs
:func:`strip_on_save` as the contents manager's pre-save hook: a notebook saved directly in
``notebooks/`` (the committed ones) is written without outputs, execution counts or run
metadata, with nbstripout (the same tool and keys as the git filter the set-up installs, read
from ``[tool.nbstripout]`` in pyproject.toml). The kernel and the browser keep the outputs;
the charts are in ``notebooks/output/``. Set ``KEEP_OUTPUTS=1`` (``make lab KEEP_OUTPUTS=1``)
to save outputs, or save a copy under ``notebooks/output/``, which is not stripped.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import PurePosixPath

from . import config


def extra_keys() -> list[str]:
    """The metadata keys nbstripout strips beyond its defaults (pyproject.toml [tool.nbstripout])."""
    with open(config.ROOT / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f).get("tool", {}).get("nbstripout", {}).get("extra_keys", "")).split()


# what nbstripout's command line strips by default beyond outputs (its API does not add these); copied
# from nbstripout 0.9.1's main(): check it when the pin moves (test_lab compares the two paths' bytes)
NBSTRIPOUT_DEFAULT_KEYS = ["metadata.signature", "metadata.widgets", "cell.metadata.collapsed",
                           "cell.metadata.ExecuteTime", "cell.metadata.execution", "cell.metadata.heading_collapsed",
                           "cell.metadata.hidden", "cell.metadata.scrolled"]


def stripped(nb):
    """The notebook as it is committed: nbstripout with this repository's keys."""
    import nbformat
    from nbstripout import strip_output

    node = nbformat.from_dict(nb)
    return strip_output(node, keep_output=False, keep_count=False, keep_id=True,
                        extra_keys=NBSTRIPOUT_DEFAULT_KEYS + extra_keys())


def strip_on_save(model, path, contents_manager=None, **kwargs):
    """Jupyter ``pre_save_hook``: strip notebooks saved directly in ``notebooks/`` of the server's root."""
    if model.get("type") != "notebook" or os.environ.get("KEEP_OUTPUTS"):
        return
    if PurePosixPath(path.lstrip("/")).parent != PurePosixPath(config.NOTEBOOKS_DIR.name):
        return
    model["content"] = stripped(model["content"])


def install_git_filter(root=None) -> str:
    """Configure the ``nbstripout`` git filter that ``.gitattributes`` names for ``notebooks/*.ipynb``,
    with this venv's nbstripout and the keys above, so a commit never carries outputs or execution
    counts, whatever was saved. Returns what was done (one line)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(root or config.ROOT)
    if shutil.which("git") is None or not (root / ".git").exists():
        return "not a git checkout: no git filter installed"
    tool = Path(sys.executable).with_name("nbstripout")
    if tool.is_relative_to(root):
        # relative to the checkout's top (where git runs filters): the git config is shared by
        # every worktree of the repository, and each worktree has its own .venv
        tool = tool.relative_to(root)
    settings = {
        "filter.nbstripout.clean": f"'{tool}' --keep-id",
        "filter.nbstripout.smudge": "cat",
        "filter.nbstripout.required": "true",  # no nbstripout (a checkout without its venv): git refuses, never commits outputs
        "filter.nbstripout.extrakeys": " ".join(extra_keys()),
        "diff.ipynb.textconv": f"'{tool}' -t",
    }
    for key, value in settings.items():
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    return f"git filter nbstripout installed for notebooks/*.ipynb ({tool})"


if __name__ == "__main__":
    print(install_git_filter())
