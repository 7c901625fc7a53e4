"""Notebooks stay clean by construction: JupyterLab's save hook and the git filter strip outputs."""

from __future__ import annotations

import json
import shutil
import subprocess

import nbformat
import pytest

from analysis import config, lab

NB = config.NOTEBOOKS_DIR / "01-chart-casualty-counts.ipynb"


def dirty(nb):
    """The notebook as JupyterLab saves it after a run: outputs, counts, full language_info."""
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.metadata.language_info = {"name": "python", "version": "3.11.2", "mimetype": "text/x-python",
                                 "codemirror_mode": {"name": "ipython", "version": 3}}
    return nb


def test_save_hook_strips_committed_notebooks_to_their_committed_bytes():
    clean = nbformat.read(NB, as_version=4)
    model = {"type": "notebook", "content": dirty(clean)}
    lab.strip_on_save(model, f"notebooks/{NB.name}")
    assert nbformat.writes(model["content"]) + "\n" == NB.read_text()


@pytest.mark.parametrize("path", ["notebooks/output/mine/01.ipynb", "elsewhere/01.ipynb", f"{NB.name}"])
def test_save_hook_leaves_other_folders_alone(path):
    model = {"type": "notebook", "content": dirty(nbformat.read(NB, as_version=4))}
    lab.strip_on_save(model, path)
    assert any(c.get("outputs") for c in model["content"].cells)


def test_keep_outputs_turns_the_hook_off(monkeypatch):
    monkeypatch.setenv("KEEP_OUTPUTS", "1")
    model = {"type": "notebook", "content": dirty(nbformat.read(NB, as_version=4))}
    lab.strip_on_save(model, f"notebooks/{NB.name}")
    assert any(c.get("outputs") for c in model["content"].cells)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_filter_commits_no_outputs_whatever_was_saved(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "figures").mkdir()
    git = ["git", "-C", str(repo)]
    subprocess.run(git + ["init", "-q"], check=True)
    shutil.copy(config.ROOT / ".gitattributes", repo / ".gitattributes")
    assert "installed" in lab.install_git_filter(repo)
    nbformat.write(dirty(nbformat.read(NB, as_version=4)), repo / "notebooks" / NB.name)
    nbformat.write(dirty(nbformat.read(NB, as_version=4)), repo / "figures" / "run.ipynb")
    subprocess.run(git + ["add", "."], check=True)
    staged = subprocess.run(git + ["show", f":notebooks/{NB.name}"], capture_output=True, text=True, check=True).stdout
    assert staged == NB.read_text()  # the committed form, byte for byte
    report = subprocess.run(git + ["show", ":figures/run.ipynb"], capture_output=True, text=True, check=True).stdout
    cells = json.loads(report)["cells"]
    assert any(c["outputs"] for c in cells if c["cell_type"] == "code"), "executed report notebooks keep their outputs"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_filter_works_in_every_worktree_with_its_own_venv(tmp_path, monkeypatch):
    """The git config is shared by all worktrees of a repository: a filter naming one worktree's
    venv by its absolute path broke commits everywhere once that worktree was removed."""
    import sys
    from pathlib import Path

    real_tool = Path(sys.executable).with_name("nbstripout")

    def checkout_with_venv(root):
        (root / ".venv" / "bin").mkdir(parents=True)
        (root / ".venv" / "bin" / "nbstripout").symlink_to(real_tool)
        return root / ".venv" / "bin" / "python"

    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git = ["git", "-C", str(repo)]
    subprocess.run(git + ["init", "-q"], check=True)
    shutil.copy(config.ROOT / ".gitattributes", repo / ".gitattributes")
    (repo / ".gitignore").write_text(".venv/\n")
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "init"], check=True)
    monkeypatch.setattr(sys, "executable", str(checkout_with_venv(repo)))
    assert "installed" in lab.install_git_filter(repo)
    other = tmp_path / "other"
    subprocess.run(git + ["worktree", "add", "-q", str(other)], check=True)
    checkout_with_venv(other)
    shutil.rmtree(repo / ".venv")  # the first checkout's venv is gone
    (other / "notebooks").mkdir(exist_ok=True)
    nbformat.write(dirty(nbformat.read(NB, as_version=4)), other / "notebooks" / NB.name)
    subprocess.run(["git", "-C", str(other), "add", "notebooks"], check=True)
    staged = subprocess.run(["git", "-C", str(other), "show", f":notebooks/{NB.name}"], capture_output=True,
                            text=True, check=True).stdout
    assert staged == NB.read_text()
    # a checkout with no venv cannot strip: git refuses to stage, rather than commit the outputs
    shutil.rmtree(other / ".venv")
    nbformat.write(dirty(nbformat.read(NB, as_version=4)), other / "notebooks" / "02.ipynb")
    refused = subprocess.run(["git", "-C", str(other), "add", "notebooks"], capture_output=True, text=True)
    assert refused.returncode != 0 and "nbstripout" in refused.stderr
    listed = subprocess.run(["git", "-C", str(other), "ls-files", "--stage", "notebooks/02.ipynb"],
                            capture_output=True, text=True, check=True).stdout
    assert listed == ""
