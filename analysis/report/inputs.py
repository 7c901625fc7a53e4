"""What a run depends on (its fingerprint), what it produced (its files with their sha256),
and ``manifest.json``, which records both so an unchanged run can be skipped."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from .. import config
from .core import INDEX, MANIFEST, MANIFEST_FORMAT, Run, display_path, dumps

# What feeds a run's fingerprint besides the notebook, its parameters and its data.
CODE_DIR = config.ROOT / "analysis"
REQUIREMENTS = config.ROOT / "requirements.txt"
KEY_PACKAGES = (
    "ipykernel", "ipython", "jupyter_client", "matplotlib", "nbclient", "nbconvert", "nbformat",
    "numpy", "pandas", "pandera", "papermill", "pillow", "PyYAML", "seaborn", "tqdm",
)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def hash_tree(folder: Path, pattern: str) -> dict[str, str]:
    """sha256 of each file matching ``pattern`` under ``folder`` (dot folders and caches left out)."""
    if not folder.is_dir():
        return {}
    return {
        display_path(p): sha256_file(p)
        for p in sorted(folder.glob(pattern))
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)
    }


def code_hashes(code_dir: Path | None = None) -> dict[str, str]:
    """The package's Python files (the runner's own modules included)."""
    return hash_tree(code_dir or CODE_DIR, "**/*.py")


def environment() -> dict[str, Any]:
    """Python, key package versions and requirements.txt: part of every run's inputs."""
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": versions,
        "requirements.txt": sha256_file(REQUIREMENTS) if REQUIREMENTS.is_file() else None,
    }


def data_dir_of(run: Run) -> Path:
    """The data folder a run reads: its ``data_dir`` parameter (relative to the notebook's folder) or data/.

    Its ``*.csv`` files (in subfolders too) and its descriptor ``dataset.yaml`` are the run's data
    inputs; other files (a README) are not.
    """
    value = run.parameters.get("data_dir")
    if isinstance(value, str) and value:
        return (run.cwd / value).resolve()
    return config.DATA_DIR


def run_inputs(run: Run, env: dict, code: dict[str, str], data_cache: dict[Path, dict]) -> dict[str, Any]:
    data_dir = data_dir_of(run)
    if data_dir not in data_cache:
        data_cache[data_dir] = hash_tree(data_dir, "**/*.csv") | hash_tree(data_dir, "dataset.yaml")
    return {
        "notebook": run.notebook_ref,
        "notebook_sha256": sha256_file(run.notebook),
        "parameters": run.parameters,
        "data_dir": display_path(data_dir),
        "data": data_cache[data_dir],
        "code": code,
        "environment": env,
        "format": MANIFEST_FORMAT,
    }


def fingerprint(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(dumps(inputs).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ a run's files


def run_entries(run: Run) -> list[str]:
    """Top-level entries of the report that belong to a run."""
    return [run.name, f"{run.name}.ipynb", f"{run.name}.html"]


def run_files(report: Path, run: Run) -> list[str]:
    """Every file of a run, relative to the report folder, sorted."""
    files = [f"{run.name}.ipynb", f"{run.name}.html"]
    folder = report / run.name
    if folder.is_dir():
        files += [p.relative_to(report).as_posix() for p in folder.rglob("*") if p.is_file()]
    return sorted(files)


def make_record(report: Path, run: Run, inputs: dict[str, Any]) -> dict[str, Any]:
    files = run_files(report, run)
    return {
        "notebook": inputs["notebook"],
        "parameters": inputs["parameters"],
        "inputs": inputs,
        "inputs_sha256": fingerprint(inputs),
        "files": files,
        "sha256": {rel: sha256_file(report / rel) for rel in files},
    }


def intact(figures: Path, run: Run, record: dict[str, Any] | None) -> bool:
    """The run's files in the current report are all there, nothing extra, each with its recorded sha256."""
    if not record or not isinstance(record.get("sha256"), dict):
        return False
    try:
        files = run_files(figures, run)
        return files == record.get("files") and all(sha256_file(figures / f) == record["sha256"][f] for f in files)
    except (OSError, KeyError):
        return False


# ------------------------------------------------------------------ the manifest


def build_manifest(report: Path, records: dict[str, dict[str, Any]], runs: list[Run], index_text: str,
                   extra: dict[str, tuple[str, str | None]] | None = None) -> str:
    """manifest.json: per file sha256, run, notebook, parameters; per run its inputs (no timestamps).
    ``extra``: other files the runner writes (name -> (text, the run it comes from))."""
    files: dict[str, dict[str, Any]] = {
        INDEX: {"sha256": hashlib.sha256(index_text.encode("utf-8")).hexdigest(), "run": None}
    }
    for name, (text, run_name) in (extra or {}).items():
        files[name] = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "run": run_name}
    for run in runs:
        record = records[run.name]
        for rel in record["files"]:
            files[rel] = {
                "sha256": record["sha256"][rel],
                "run": run.name,
                "notebook": record["notebook"],
                "parameters": record["parameters"],
            }
    manifest = {
        "format": MANIFEST_FORMAT,
        "generator": "python -m analysis.report",
        "runs": {run.name: records[run.name] for run in runs},
        "files": files,
    }
    return dumps(manifest)


def read_manifest(figures: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((figures / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return {}
    return manifest


def owned_entries(manifest: dict[str, Any]) -> list[str]:
    """Top-level entries of the figures folder that the report described by ``manifest`` consists of."""
    owned = {INDEX, MANIFEST} if manifest else set()
    for rel in manifest.get("files", {}) if isinstance(manifest.get("files"), dict) else {}:
        owned.add(rel.split("/", 1)[0])
    for name in manifest.get("runs", {}) if isinstance(manifest.get("runs"), dict) else {}:
        owned.update((name, f"{name}.ipynb", f"{name}.html"))
    return sorted(e for e in owned if e and not e.startswith(".") and "/" not in e)
