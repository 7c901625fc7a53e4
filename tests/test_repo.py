"""The repository keeps its promises: README paths and commands exist, the committed report is current."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config

ROOT = config.ROOT
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_path_the_readme_names_exists():
    candidates = set(re.findall(r"`([A-Za-z0-9_./-]+)`", README)) | set(re.findall(r"\]\(([^)#]+)", README))
    paths = [c for c in candidates
             if "/" in c or re.search(r"[A-Za-z0-9]\.(py|ipynb|csv|yaml|md|json|html|txt|toml)$", c)]
    assert len(paths) > 15
    missing = []
    for p in paths:
        p = p.rstrip("/")
        if p.startswith(("/", "my/", "out/", "../.venv/bin/", ".venv", "figures/.", "notebooks/output")) or "<" in p:
            continue  # the user's own paths, the venv's executables, and folders made at run time
        found = any((base / p).exists() for base in (ROOT, config.NOTEBOOKS_DIR, ROOT / "figures", ROOT / "analysis", ROOT / "data"))
        if not found:
            missing.append(p)
    assert missing == [], missing


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"make ([a-z]+)", README))
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = set(re.findall(r"make (\w+)", out))
    assert {"report", "test", "lab", "lint", "clean"} <= listed
    assert targets <= listed, targets - listed


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_requirements_pin_everything_exactly():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == "-e ."
    pins = lines[:-1]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+]+", ln) for ln in pins), [ln for ln in pins if "==" not in ln]
    names = {ln.split("==")[0].lower() for ln in pins}
    assert {"jupyterlab", "pandas", "matplotlib", "seaborn", "papermill", "ipykernel", "nbconvert", "pytest",
            "pandera", "pyyaml", "ruff"} <= names


def offline(cmd: list[str]) -> list[str] | None:
    """cmd wrapped to run in a network namespace with only loopback (kernels talk over it), or None."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *cmd]


@pytest.mark.slow
def test_committed_report_is_byte_identical_to_a_fresh_offline_regeneration(tmp_path):
    """Regenerates the whole report into a temporary folder, with no network where the machine
    allows it (root: a fresh network namespace with only loopback), and compares every byte.
    The folder starts with the committed findings.json, as figures/ does for `make report`: the
    runner's memory of the previous report, which its "what changed" section is computed from."""
    committed = ROOT / "figures"
    out = tmp_path / "figures"
    out.mkdir()
    shutil.copyfile(committed / "findings.json", out / "findings.json")
    cmd = [sys.executable, "-m", "analysis.report", "--figures", str(out), "--force"]
    isolated = offline(cmd)
    if isolated is not None:
        probe = subprocess.run(isolated[:5] + ["ip", "-o", "link", "show", "up"], capture_output=True, text=True)
        assert [ln.split(":")[1].strip() for ln in probe.stdout.splitlines()] == ["lo"], probe.stdout
    run = subprocess.run(isolated or cmd, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}

    fresh, old = files(out), files(committed)
    assert sorted(fresh) == sorted(old), "the committed report lists other files: run `make report` and commit"
    stale = [name for name in fresh if fresh[name] != old[name]]
    assert stale == [], f"stale or non-deterministic files (run `make report` and commit): {stale}"


def test_report_pages_show_whole_tables():
    """pandas cuts long cells and rows with '...' unless told not to: the report must not."""
    pages = sorted((ROOT / "figures").glob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "...</td>" not in text and "<th>...</th>" not in text, page.name
