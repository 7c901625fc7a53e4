"""Regenerate the figure report: ``python -m analysis.report`` (``make report``).

    python -m analysis.report [--runs FILE] [--figures DIR] [--force] [--only NAME ...]
                              [--jobs N] [--cell-timeout S] [--start-timeout S]

What it does, in order:

1. Reads the run list (``report.yaml``, format documented at its top) and rejects unknown
   keys, duplicate or malformed run names and missing notebooks, naming the file, line, run
   and key. Then checks each run that will execute against its notebook's ``parameters``
   cell (``papermill.inspect_notebook``): unknown names are listed with the valid ones and a
   "did you mean", values are checked against the annotation (``n: int = 3``). Any problem:
   exit 2, nothing under the figures folder is touched.
2. Takes an exclusive lock (``flock`` on ``<figures>/.lock``). A second invocation does not
   wait: it exits 3 with a message naming the pid that holds the lock.
3. Finishes or discards what an interrupted earlier invocation left (see "Swap" below).
4. Skips every run whose inputs are unchanged since ``manifest.json`` (notebook bytes,
   parameters, data files, ``analysis/*.py``, ``requirements.txt``, Python and key package
   versions) and whose files still have the recorded sha256, unless ``--force``. Skipped runs
   are copied unchanged into the new report. If nothing has to run and the index and manifest
   would come out the same, nothing is written at all.
5. Executes the other runs with papermill's Python API in a thread pool (``--jobs``, default
   2: threads in one process beat one process per notebook, which re-imports papermill),
   each in a fresh ``python3`` kernel whose working directory is the notebook's folder, with
   ``output_dir`` injected as ``<figures>/.staging/new/<run>``. A kernel that fails to start
   (no cell has begun: a port race, a start timeout) is retried once; a failure inside a cell
   is not.
6. Normalises each executed notebook so reruns are byte-identical (papermill/nbclient timing
   and path metadata dropped, the injected cell gets the id ``injected-parameters``, the
   staging path is rewritten to the final one relative to the notebook's folder, the repo path
   in outputs to a relative one, ``at 0x7f..`` addresses in reprs to ``at 0x...``), exports it
   to HTML without code, and checks the chart sidecars (``<name>.json``).
7. Writes ``index.html`` and ``manifest.json`` and swaps the new report in, only if every run
   succeeded. A failed run prints ``FAILED <run> cell N <Error>: <message> -> <path>`` (N is
   ``In [N]`` in the kept notebook, counting the injected cell), its partial notebook is kept
   in ``<figures>/.failed/<run>.ipynb`` (and what it wrote in ``.failed/<run>/``), the old
   report stays as it was, exit 1.

Swap (kill-safe, no symlinks, plain folders): the whole new report is built in
``<figures>/.staging/new/`` (same filesystem, so renames are atomic). Committing writes
``.staging/SWAP`` atomically (a temp file, fsync, ``os.replace``) listing the new report's
top-level entries and the old report's (from its manifest); then each old entry is renamed
into ``.staging/old/``, each new one into place, ``SWAP`` removed, staging deleted. The next
invocation, under the lock, rolls forward when ``SWAP`` exists (the renames are idempotent) and
otherwise deletes the unfinished staging folder. So after a kill -9 at any point the report is
the complete old one, or (killed during the few renames after the commit point) becomes the
complete new one at the next start. Dot entries of the figures folder (``.lock``,
``.staging``, ``.failed``) and files the runner never wrote (a README) are not touched.

Exit status: 0 ok (or nothing to do), 1 a run failed, 2 invalid run list or parameters,
3 another invocation holds the lock.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import fcntl
import hashlib
import html
import json
import os
import platform
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import config
from .params import check_run

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_LOCKED = 0, 1, 2, 3

MANIFEST = "manifest.json"
INDEX = "index.html"
STAGING = ".staging"
FAILED_DIR = ".failed"
LOCK = ".lock"
SWAP_MARKER = "SWAP"
MANIFEST_FORMAT = 1

# What feeds a run's fingerprint besides the notebook, its parameters and its data.
CODE_DIR = config.ROOT / "analysis"
REQUIREMENTS = config.ROOT / "requirements.txt"
KEY_PACKAGES = (
    "ipykernel", "ipython", "jupyter_client", "matplotlib", "nbclient", "nbconvert", "nbformat",
    "numpy", "pandas", "pandera", "papermill", "pillow", "PyYAML", "seaborn", "tqdm",
)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_NAMES = {"index", "manifest"}
TOP_KEYS = ("notebooks_dir", "runs")
RUN_KEYS = ("description", "name", "notebook", "parameters")
INJECTED_ID = "injected-parameters"
SIDECAR_KEYS = ("name", "title", "subtitle", "source_line", "alt_text", "caption", "files")
ADDRESS_RE = re.compile(r" at 0x[0-9a-fA-F]{4,}")


class LockBusy(Exception):
    """Another invocation holds the report lock."""


class ReportError(Exception):
    """The run list or a run's parameters are wrong; ``problems`` holds one line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclasses.dataclass(frozen=True)
class Run:
    name: str
    notebook: Path  # absolute
    notebook_ref: str  # as written in the run list
    parameters: dict[str, Any]
    description: str = ""
    where: str = ""  # "report.yaml:12: run 'x'" for messages

    @property
    def cwd(self) -> Path:
        return self.notebook.parent


# ------------------------------------------------------------------------- the run list


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _yaml_loader():
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last)."""

        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} given twice (first on line {seen[key]})", key_node.start_mark
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return yaml, UniqueKeyLoader


def load_runs(path: Path) -> tuple[list[Run], Path]:
    """Parse and check the run list; return the runs and the notebooks folder, or raise ReportError."""
    yaml, loader = _yaml_loader()
    label = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError([f"{label}: cannot read the run list: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ReportError([f"{label}:{line}: not UTF-8 text (byte at offset {exc.start}; allowed: a UTF-8 YAML file)"]) from None
    try:
        doc = yaml.load(text, Loader=loader)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReportError([f"{where}: not valid YAML: {problem}"]) from None
    if not isinstance(doc, dict):
        raise ReportError([f"{label}: expected a mapping with a 'runs' list at the top, got {type(doc).__name__}"])

    problems: list[str] = []
    for key in doc:
        if key not in TOP_KEYS:
            problems.append(f"{label}: unknown top-level key '{key}'{_did_you_mean(str(key), TOP_KEYS)}; "
                            f"allowed: {', '.join(TOP_KEYS)}")
    notebooks_dir = config.NOTEBOOKS_DIR
    if "notebooks_dir" in doc:
        value = doc["notebooks_dir"]
        if not isinstance(value, str) or not value:
            problems.append(f"{label}: notebooks_dir: expected a folder path (str), got {value!r}")
        else:
            notebooks_dir = (path.parent / value).resolve()
            if not notebooks_dir.is_dir():
                problems.append(f"{label}: notebooks_dir: folder not found: {notebooks_dir}")
    items = doc.get("runs")
    if not isinstance(items, list) or not items:
        problems.append(f"{label}: 'runs' must be a non-empty list of runs, got {items!r}")
        raise ReportError(problems)

    lines = _run_lines(tree)
    runs: list[Run] = []
    first_seen: dict[str, str] = {}
    for i, item in enumerate(items):
        at = f"{label}:{lines[i]}" if i < len(lines) else label
        if not isinstance(item, dict):
            problems.append(f"{at}: runs[{i}]: expected a mapping with name, notebook, parameters; got {item!r}")
            continue
        name = item.get("name")
        who = f"run '{name}'" if isinstance(name, str) else f"runs[{i}]"
        where = f"{at}: {who}"
        for key in item:
            if key not in RUN_KEYS:
                problems.append(f"{where}: unknown key '{key}'{_did_you_mean(str(key), RUN_KEYS)}; "
                                f"allowed: {', '.join(RUN_KEYS)}")
        ok = True
        if name is None:
            problems.append(f"{where}: name: missing (a unique name of [a-z0-9-], the folder under figures/)")
            ok = False
        elif not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(f"{where}: name: {name!r} must be lowercase letters, digits and '-', "
                            f"starting with a letter or digit")
            ok = False
        elif name in RESERVED_NAMES:
            problems.append(f"{where}: name: '{name}' is reserved (the report's {name} file)")
            ok = False
        elif name in first_seen:
            problems.append(f"{where}: name: '{name}' is used twice (first at {first_seen[name]})")
            ok = False
        else:
            first_seen[name] = at
        ref = item.get("notebook")
        notebook = None
        if ref is None:
            problems.append(f"{where}: notebook: missing (a .ipynb file in {_display_path(notebooks_dir)})")
        elif not isinstance(ref, str) or not ref.endswith(".ipynb"):
            problems.append(f"{where}: notebook: expected a .ipynb file name, got {ref!r}")
        else:
            notebook = (notebooks_dir / ref).resolve()
            if not notebook.is_file():
                problems.append(f"{where}: notebook: file not found: {_display_path(notebook)}")
                notebook = None
        params = item.get("parameters", {})
        if params is None:
            params = {}
        if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            problems.append(f"{where}: parameters: expected a mapping of name: value, got {params!r}")
            params = None
        elif "output_dir" in params:
            problems.append(f"{where}: parameters: output_dir is set by the runner (figures/<name>/); remove it")
        description = item.get("description", "")
        if not isinstance(description, str):
            problems.append(f"{where}: description: expected text, got {description!r}")
            description = ""
        if ok and notebook is not None and params is not None:
            runs.append(Run(name, notebook, ref, dict(params), description, where))
    if problems:
        raise ReportError(problems)
    return runs, notebooks_dir


def _run_lines(tree) -> list[int]:
    """Line number of each item of the top-level ``runs`` list (for messages)."""
    try:
        for key, value in tree.value:
            if key.value == "runs":
                return [item.start_mark.line + 1 for item in value.value]
    except (AttributeError, TypeError):
        pass
    return []


# ---------------------------------------------------------------- parameters vs notebook


def validate_parameters(runs: list[Run]) -> None:
    """Check each run's parameters against its notebook's parameters cell; raise ReportError."""
    if not runs:
        return
    import papermill

    problems: list[str] = []
    cache: dict[Path, dict] = {}
    for run in runs:
        nb_name = run.notebook.name
        if run.notebook not in cache:
            try:
                cache[run.notebook] = _inspect(papermill, run.notebook)
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a validation error
                cache[run.notebook] = {"__error__": f"{type(exc).__name__}: {exc}"}
        declared = cache[run.notebook]
        if declared is not None and "__error__" in declared:
            problems.append(f"{run.where}: notebook: cannot read {nb_name}: {declared['__error__']}")
            continue
        if declared is None:
            problems.append(f"{run.where}: notebook: {nb_name} has no cell tagged 'parameters' "
                            f"(papermill would inject values above the first cell without checking them)")
            continue
        if "output_dir" not in declared:
            problems.append(f"{run.where}: notebook: {nb_name} has no output_dir parameter; the runner injects "
                            f"where to write the charts (add `output_dir: str = \"...\"` to its parameters cell)")
        for why in check_run(run.notebook, declared, run.parameters, run.cwd):
            problems.append(f"{run.where}: parameters: {why} (parameters cell of {nb_name})")
    if problems:
        raise ReportError(problems)


def _inspect(papermill, notebook: Path) -> dict | None:
    """The notebook's declared parameters, or None when no cell is tagged 'parameters'."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    tagged = any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in nb.get("cells", []))
    if not tagged:
        return None
    return papermill.inspect_notebook(str(notebook))


# --------------------------------------------------------------------------- fingerprints


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _display_path(path: Path) -> str:
    """Path relative to the repo root when inside it (stable across checkouts), else absolute."""
    path = Path(path)
    try:
        return path.resolve().relative_to(config.ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _hash_tree(folder: Path, pattern: str) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        _display_path(p): sha256_file(p)
        for p in sorted(folder.glob(pattern))
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)
    }


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

    Its ``*.csv`` files (in subfolders too) are the run's data inputs; other files (a README) are not.
    """
    value = run.parameters.get("data_dir")
    if isinstance(value, str) and value:
        return (run.cwd / value).resolve()
    return config.DATA_DIR


def run_inputs(run: Run, env: dict, code: dict[str, str], data_cache: dict[Path, dict]) -> dict[str, Any]:
    data_dir = data_dir_of(run)
    if data_dir not in data_cache:
        data_cache[data_dir] = _hash_tree(data_dir, "**/*.csv")
    return {
        "notebook": run.notebook_ref,
        "notebook_sha256": sha256_file(run.notebook),
        "parameters": run.parameters,
        "data_dir": _display_path(data_dir),
        "data": data_cache[data_dir],
        "code": code,
        "environment": env,
        "format": MANIFEST_FORMAT,
    }


def fingerprint(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(_dumps(inputs).encode("utf-8")).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------ execution


@dataclasses.dataclass
class Outcome:
    run: Run
    ok: bool
    seconds: float
    line: str  # the one line printed for this run
    attempts: int = 1


def _papermill_kwargs(cell_timeout: int, start_timeout: int) -> dict[str, Any]:
    import nbclient

    kwargs: dict[str, Any] = {
        "kernel_name": "python3",
        "progress_bar": False,
        "request_save_on_cell_execute": True,  # a killed or failed run leaves its notebook so far
        "start_timeout": start_timeout,
        "execution_timeout": cell_timeout,
        "record_timing": False,
    }
    if "shutdown_kernel" in nbclient.NotebookClient.class_trait_names():
        kwargs["shutdown_kernel"] = "immediate"  # avoids a 2.6-3 s shutdown stall on some runs
    return kwargs


def _started_cells(raw: Path) -> list[int]:
    """Indexes of cells papermill marked as started in the saved output notebook."""
    try:
        nb = json.loads(raw.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [i for i, c in enumerate(nb.get("cells", [])) if (c.get("metadata", {}).get("papermill") or {}).get("start_time")]


def _is_start_failure(exc: BaseException, raw: Path) -> bool:
    """A kernel that failed to start: papermill wrote the notebook but no cell began."""
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError | NoSuchKernel):
        return False
    return raw.is_file() and not _started_cells(raw)


class Executor:
    """Runs notebooks into a staging folder; thread-safe, one kernel per run."""

    def __init__(self, figures: Path, staging: Path, cell_timeout: int, start_timeout: int, log: Callable[[str], None],
                 execute: Callable[..., Any] | None = None):
        import papermill

        self.figures = figures
        self.staging = staging
        self.new = staging / "new"
        self.raw = staging / "run"
        self.raw.mkdir(parents=True, exist_ok=True)
        self.kwargs = _papermill_kwargs(cell_timeout, start_timeout)
        self.execute = execute or papermill.execute_notebook
        self.log = log
        self._export_lock = threading.Lock()

    def warm_up(self) -> None:
        """Export an empty notebook once, so the first real export finds nbconvert ready."""
        import nbformat

        with self._export_lock, contextlib.suppress(Exception):
            export_html(nbformat.writes(nbformat.v4.new_notebook()), "warm-up")

    def replacements(self, run: Run) -> list[tuple[str, str]]:
        """Staging path -> the report's path, repo root -> relative, both relative to the kernel's cwd.

        The staging path is recorded as the default report folder (``../figures`` seen from
        notebooks/) whatever ``--figures`` is, so a report regenerated elsewhere (as the tests
        do) has the same bytes as the committed one.
        """
        return [
            (str(self.new), os.path.relpath(config.FIGURES_DIR, run.cwd)),
            (str(config.ROOT), os.path.relpath(config.ROOT, run.cwd)),
        ]

    def __call__(self, run: Run) -> Outcome:
        t0 = time.monotonic()
        out_dir = self.new / run.name
        raw = self.raw / f"{run.name}.ipynb"
        parameters = dict(run.parameters, output_dir=str(out_dir))
        attempts = 0
        while True:
            attempts += 1
            shutil.rmtree(out_dir, ignore_errors=True)
            out_dir.mkdir(parents=True)
            raw.unlink(missing_ok=True)
            try:
                # cwd goes to the kernel through nbclient's resources, not papermill's cwd=, which
                # os.chdir()s the whole process: with two threads a kernel could start in the wrong folder.
                self.execute(
                    str(run.notebook), str(raw), parameters=parameters,
                    resources={"metadata": {"path": str(run.cwd)}}, **self.kwargs,
                )
                break
            except Exception as exc:  # noqa: BLE001 - every failure becomes one FAILED line
                if attempts == 1 and _is_start_failure(exc, raw):
                    self.log(f"retry {run.name} (kernel did not start: {type(exc).__name__}: {_first_line(exc)})")
                    continue
                return self._failed(run, exc, raw, out_dir, t0, attempts)
        try:
            nb_text = normalise_notebook(raw.read_text(encoding="utf-8"), self.replacements(run))
            read_sidecars(out_dir)  # fail the run now rather than write an index with broken entries
            (self.new / f"{run.name}.ipynb").write_text(nb_text, encoding="utf-8")
            with self._export_lock:
                (self.new / f"{run.name}.html").write_text(export_html(nb_text, run.name), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001
            return self._failed(run, exc, raw, out_dir, t0, attempts, after=True)
        stale = self.figures / FAILED_DIR
        (stale / f"{run.name}.ipynb").unlink(missing_ok=True)
        shutil.rmtree(stale / run.name, ignore_errors=True)
        dt = time.monotonic() - t0
        return Outcome(run, True, dt, f"ok {run.name} {dt:.1f}s", attempts)

    def _failed(self, run: Run, exc: BaseException, raw: Path, out_dir: Path, t0: float, attempts: int,
                after: bool = False) -> Outcome:
        failed = self.figures / FAILED_DIR
        failed.mkdir(parents=True, exist_ok=True)
        kept = failed / f"{run.name}.ipynb"
        where = _failure_cell(exc, raw) if not after else "after execution"
        if raw.is_file():
            text = raw.read_text(encoding="utf-8")
            with contextlib.suppress(Exception):
                text = normalise_notebook(text, [(str(self.new / run.name), str(failed / run.name))]
                                          + self.replacements(run)[1:])
            tmp = kept.with_name(f".{kept.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, kept)
        shutil.rmtree(failed / run.name, ignore_errors=True)
        if out_dir.is_dir() and any(out_dir.iterdir()):
            shutil.move(str(out_dir), str(failed / run.name))
        ename, message = _error_name_and_message(exc)
        shown = _display_path(kept) if kept.is_file() else "(no notebook was written)"
        line = f"FAILED {run.name} {where} {ename}: {message} -> {shown}"
        return Outcome(run, False, time.monotonic() - t0, line, attempts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""


def _error_name_and_message(exc: BaseException) -> tuple[str, str]:
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    message = str(evalue).strip().splitlines()[0][:300] if evalue else _first_line(exc)
    return ename, message


def _failure_cell(exc: BaseException, raw: Path) -> str:
    """'cell N' where N is In [N] of the kept notebook, or 'at kernel start'."""
    exec_count = getattr(exc, "exec_count", None)
    if isinstance(exec_count, int):
        return f"cell {exec_count}"
    started = _started_cells(raw)
    if not started:
        return "at kernel start"
    try:
        cells = json.loads(raw.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return f"cell #{started[-1] + 1}"
    last = cells[started[-1]]
    if isinstance(last.get("execution_count"), int):
        return f"cell {last['execution_count']}"
    ordinal = sum(1 for c in cells[: started[-1] + 1] if c.get("cell_type") == "code")
    return f"cell {ordinal}"


# ---------------------------------------------------------------------------- normalising

_PAPERMILL_VOLATILE = ("start_time", "end_time", "duration", "input_path", "output_path")


def _replace_all(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old:
            text = re.sub(re.escape(old) + r"(?![\w.-])", lambda _m, new=new: new, text)
    return ADDRESS_RE.sub(" at 0x...", text)


def _map_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, list):
        return [_map_strings(v, fn) for v in obj]
    if isinstance(obj, dict):
        return {k: _map_strings(v, fn) for k, v in obj.items()}
    return obj


def _coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) outputs: the kernel may deliver one print() as one
    message or as two ("text", then "\\n") from run to run, which would change the bytes."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream"
                and prev.get("name") == out.get("name")):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def normalise_notebook(text: str, replacements: list[tuple[str, str]]) -> str:
    """An executed notebook as stable text: no timing or path metadata, fixed ids, stable paths."""
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    fix = lambda s: _replace_all(s, replacements)  # noqa: E731
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for key in _PAPERMILL_VOLATILE:
            pm.pop(key, None)
        if "parameters" in pm:
            pm["parameters"] = _map_strings(pm["parameters"], fix)
    has_ids = (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)  # nbclient's timing (record_timing=False should avoid it)
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for key in _PAPERMILL_VOLATILE:
                cpm.pop(key, None)
        if "injected-parameters" in (cell.metadata.get("tags") or []):
            cell.source = fix(cell.source)
            if has_ids:
                cell.id = INJECTED_ID
        elif has_ids and not cell.get("id"):
            cell.id = f"cell-{i}"
        if cell.get("outputs"):
            cell.outputs = _coalesce_streams(cell.outputs)
        for out in cell.get("outputs", []):
            if "text" in out:
                out.text = fix(out.text)
            if "evalue" in out:
                out.evalue = fix(out.evalue)
            if "traceback" in out:
                out.traceback = [fix(t) for t in out.traceback]
            for mime, value in (out.get("data") or {}).items():
                if (mime.startswith("text/") or mime.endswith("json")) and mime != "image/svg+xml":
                    out.data[mime] = _map_strings(value, fix)
    out_text = nbformat.writes(nb)
    return out_text if out_text.endswith("\n") else out_text + "\n"


def export_html(nb_text: str, name: str) -> str:
    """The executed notebook as HTML without code or prompts (deterministic for the same notebook)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.reads(nb_text, as_version=4), resources={"metadata": {"name": name}})
    return body if body.endswith("\n") else body + "\n"


# ------------------------------------------------------------------------- the report pages


def read_sidecars(run_dir: Path) -> list[dict[str, Any]]:
    """The chart sidecars (``<name>.json`` with a ``files`` list) in a run folder, checked, sorted by file."""
    charts = []
    for path in sorted(run_dir.glob("*.json")):
        try:
            side = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"sidecar {path.name}: not valid JSON: {exc}") from None
        if not isinstance(side, dict) or "files" not in side:
            continue  # some other JSON the notebook wrote, not a chart sidecar
        missing = [k for k in SIDECAR_KEYS if k not in side]
        if missing:
            raise ValueError(f"sidecar {path.name}: missing key(s) {', '.join(missing)}")
        bad = [k for k in SIDECAR_KEYS if k != "files" and not isinstance(side[k], str)]
        if bad:
            raise ValueError(f"sidecar {path.name}: {', '.join(bad)} must be text")
        files = side["files"]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ValueError(f"sidecar {path.name}: files must be a list of file names")
        for f in files:
            if "/" in f or "\\" in f or f.startswith(".") or not (run_dir / f).is_file():
                raise ValueError(f"sidecar {path.name}: files: {f!r} is not a file in the run folder")
        charts.append(dict(side, sidecar=path.name))
    return charts


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
figure { margin: 1.5rem 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .95rem; } .subtitle { color: #555; } .source { color: #555; font-size: .85rem; }
.meta { font-size: .85rem; color: #444; } code { font-size: .85rem; }
""".strip()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _href(*parts: str) -> str:
    return _e("/".join(quote(p) for p in parts))


def build_index(entries: list[tuple[Run, dict[str, Any], list[dict[str, Any]]]]) -> str:
    """index.html: every run and every chart; every text from data, parameters or sidecars is escaped."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Figure report</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<h1>Figure report</h1>",
        "<p>Reported figures, attributed to who reported them; not verified facts. "
        'Generated by <code>python -m analysis.report</code>; checksums and inputs in '
        f'<a href="{MANIFEST}">{MANIFEST}</a>.</p>',
        "<ul>",
    ]
    out += [f'<li><a href="#{_e(run.name)}">{_e(run.name)}</a></li>' for run, _, _ in entries]
    out.append("</ul>")
    for run, record, charts in entries:
        out.append(f'<section id="{_e(run.name)}">')
        out.append(f"<h2>{_e(run.name)}</h2>")
        if run.description:
            out.append(f"<p>{_e(run.description)}</p>")
        params = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(record.get("parameters", {}).items()))
        out.append(f'<p class="meta">Notebook <code>{_e(record.get("notebook", ""))}</code>'
                   + (f" with <code>{_e(params)}</code>" if params else "")
                   + f' &middot; <a href="{_href(run.name + ".html")}">executed notebook (HTML)</a>'
                   + f' &middot; <a href="{_href(run.name + ".ipynb")}">.ipynb</a></p>')
        if not charts:
            out.append("<p>No charts.</p>")
        for chart in charts:
            files = chart["files"]
            image = next((f for f in files if f.endswith(".png")), None) or next((f for f in files if f.endswith(".svg")), None)
            out.append("<figure>")
            out.append(f'<h3>{_e(chart["title"])}</h3>')
            if chart["subtitle"]:
                out.append(f'<p class="subtitle">{_e(chart["subtitle"])}</p>')
            if image:
                out.append(f'<img src="{_href(run.name, image)}" alt="{_e(chart["alt_text"])}">')
            out.append("<figcaption>")
            if chart["caption"]:
                out.append(f"<p>{_e(chart['caption'])}</p>")
            out.append(f'<p class="source">{_e(chart["source_line"])}</p>')
            links = " ".join(f'<a href="{_href(run.name, f)}">{_e(f.rsplit(".", 1)[-1])}</a>' for f in files)
            out.append(f'<p class="meta">Files: {links}</p>')
            out.append("</figcaption>")
            out.append("</figure>")
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


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


def build_manifest(report: Path, records: dict[str, dict[str, Any]], runs: list[Run], index_text: str) -> str:
    """manifest.json: per file sha256, run, notebook, parameters; per run its inputs (no timestamps)."""
    files: dict[str, dict[str, Any]] = {
        INDEX: {"sha256": hashlib.sha256(index_text.encode("utf-8")).hexdigest(), "run": None}
    }
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
    return _dumps(manifest)


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


def read_manifest(figures: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((figures / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return {}
    return manifest


def _intact(figures: Path, run: Run, record: dict[str, Any] | None) -> bool:
    """The run's files in the current report are all there, nothing extra, each with its recorded sha256."""
    if not record or not isinstance(record.get("sha256"), dict):
        return False
    try:
        files = run_files(figures, run)
        return files == record.get("files") and all(sha256_file(figures / f) == record["sha256"][f] for f in files)
    except (OSError, KeyError):
        return False


# ------------------------------------------------------------------------ lock, swap, recover


@contextlib.contextmanager
def report_lock(figures: Path):
    """Exclusive flock on <figures>/.lock for the whole invocation; raises LockBusy naming the holder's pid."""
    figures.mkdir(parents=True, exist_ok=True)
    fd = os.open(figures / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise LockBusy(f"another report run (pid {holder}) holds {_display_path(figures / LOCK)}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock (also released by the OS when the process dies)


def recover(figures: Path) -> str | None:
    """Finish (SWAP marker present) or discard (absent) what an interrupted invocation left."""
    staging = figures / STAGING
    if (staging / SWAP_MARKER).is_file():
        _finish_swap(figures, staging)
        return "recovered: finished swapping in the report an interrupted run had completed"
    if staging.exists():
        shutil.rmtree(staging)
        return "recovered: removed an unfinished report build left by an interrupted run"
    return None


def owned_entries(manifest: dict[str, Any]) -> list[str]:
    """Top-level entries of the figures folder that the report described by ``manifest`` consists of."""
    owned = {INDEX, MANIFEST} if manifest else set()
    for rel in manifest.get("files", {}) if isinstance(manifest.get("files"), dict) else {}:
        owned.add(rel.split("/", 1)[0])
    for name in manifest.get("runs", {}) if isinstance(manifest.get("runs"), dict) else {}:
        owned.update((name, f"{name}.ipynb", f"{name}.html"))
    return sorted(e for e in owned if e and not e.startswith(".") and "/" not in e)


def swap(figures: Path, staging: Path, replace: Iterable[str] = ()) -> None:
    """Replace the report in <figures> by <staging>/new; see the module docstring.

    ``replace``: entries of the current report (from its manifest) that go away with it. Anything
    else in <figures> that the runner did not write (a README, say) is left where it is.
    """
    entries = sorted(os.listdir(staging / "new"))
    marker = staging / SWAP_MARKER
    tmp = staging / (SWAP_MARKER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(_dumps({"entries": entries, "replace": sorted(set(replace))}))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, marker)  # the commit point: from here on, recovery rolls forward
    _finish_swap(figures, staging)


def _finish_swap(figures: Path, staging: Path) -> None:
    """Idempotent: old entries -> .staging/old/, new entries -> figures/, then drop staging."""
    plan = json.loads((staging / SWAP_MARKER).read_text(encoding="utf-8"))
    entries, replace = plan["entries"], set(plan["replace"]) | set(plan["entries"])
    new, old = staging / "new", staging / "old"
    old.mkdir(exist_ok=True)
    for entry in sorted(os.listdir(figures)):
        if entry.startswith(".") or entry not in replace:
            continue
        if entry in entries and not (new / entry).exists():
            continue  # already swapped in before an interruption
        os.rename(figures / entry, old / entry)
    for entry in entries:
        if (new / entry).exists():
            os.rename(new / entry, figures / entry)
    (staging / SWAP_MARKER).unlink()
    shutil.rmtree(staging)


def _copy_run(src: Path, dst: Path, run: Run) -> None:
    for entry in run_entries(run):
        if (src / entry).is_dir():
            shutil.copytree(src / entry, dst / entry)
        elif (src / entry).is_file():
            shutil.copy2(src / entry, dst / entry)


# ---------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m analysis.report",
        description="Execute the notebooks listed in the run list with papermill and write the figure report "
                    "(charts, executed notebooks, HTML, index.html, manifest.json). Unchanged runs are skipped.",
    )
    p.add_argument("--runs", type=Path, default=config.RUNS_FILE, metavar="FILE",
                   help=f"run list (default: {_display_path(config.RUNS_FILE)})")
    p.add_argument("--figures", type=Path, default=config.FIGURES_DIR, metavar="DIR",
                   help=f"report folder (default: {_display_path(config.FIGURES_DIR)})")
    p.add_argument("--force", action="store_true", help="re-execute runs even when their inputs are unchanged")
    p.add_argument("--only", nargs="+", action="extend", metavar="NAME",
                   help="execute only these runs; the others are kept from the current report as they are")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks executed at the same time (default: 2)")
    p.add_argument("--cell-timeout", type=int, default=600, metavar="S",
                   help="seconds a single cell may run before the run fails (default: 600)")
    p.add_argument("--start-timeout", type=int, default=60, metavar="S",
                   help="seconds to wait for a kernel to start (default: 60)")
    args = p.parse_args(argv)
    for opt in ("jobs", "cell_timeout", "start_timeout"):
        if getattr(args, opt) < 1:
            p.error(f"--{opt.replace('_', '-')} must be at least 1")
    return args


def _plan(runs, figures, manifest, inputs, force, only):
    """Split runs into (to execute, to carry over with their old record, missing from the report)."""
    old = manifest.get("runs", {}) if isinstance(manifest.get("runs"), dict) else {}
    execute, carry, missing = [], {}, []
    for run in runs:
        record = old.get(run.name)
        intact = _intact(figures, run, record)
        if only and run.name not in only:
            if intact:
                carry[run.name] = (record, "not selected")
            else:
                missing.append(run)
        elif not force and intact and record.get("inputs_sha256") == fingerprint(inputs[run.name]):
            carry[run.name] = (record, "unchanged")
        else:
            execute.append(run)
    return execute, carry, missing


def main(argv: list[str] | None = None, execute: Callable[..., Any] | None = None) -> int:
    """Entry point; ``execute`` replaces papermill.execute_notebook (tests)."""
    args = parse_args(argv)
    figures = args.figures.resolve()
    t_start = time.monotonic()
    use_bar = sys.stderr.isatty()

    def err(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        runs, _ = load_runs(args.runs.resolve())
    except ReportError as exc:
        for line in exc.problems:
            err(line)
        err(f"run list rejected ({len(exc.problems)} problem(s)); nothing was run or changed")
        return EXIT_INVALID
    names = [r.name for r in runs]
    only = set(args.only or [])
    unknown = sorted(only - set(names))
    if unknown:
        for name in unknown:
            err(f"--only: no run named '{name}'{_did_you_mean(name, names)}; runs: {', '.join(names)}")
        return EXIT_INVALID

    env = environment()
    code = _hash_tree(CODE_DIR, "*.py")
    data_cache: dict[Path, dict] = {}
    inputs = {run.name: run_inputs(run, env, code, data_cache) for run in runs}

    # Validate before touching anything: the runs that look like they will execute (unlocked peek).
    validated: set[str] = set()

    def validate(to_check: list[Run]) -> bool:
        todo = [r for r in to_check if r.name not in validated]
        try:
            validate_parameters(todo)
        except ReportError as exc:
            for line in exc.problems:
                err(line)
            err(f"parameters rejected ({len(exc.problems)} problem(s)); nothing was run or changed")
            return False
        validated.update(r.name for r in todo)
        return True

    peek, _, _ = _plan(runs, figures, read_manifest(figures), inputs, args.force, only)
    if not validate(peek):
        return EXIT_INVALID

    try:
        with report_lock(figures):
            return _locked(args, runs, figures, inputs, only, validate, err, use_bar, t_start, execute)
    except LockBusy as exc:
        err(f"{exc}; wait for it to finish, then run again")
        return EXIT_LOCKED


def _locked(args, runs, figures, inputs, only, validate, err, use_bar, t_start, execute) -> int:
    note = recover(figures)
    if note:
        err(note)
    manifest = read_manifest(figures)
    to_run, carry, missing = _plan(runs, figures, manifest, inputs, args.force, only)
    if not validate(to_run):
        return EXIT_INVALID

    def say(line: str) -> None:
        if use_bar:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    for run in runs:
        if run.name in carry:
            say(f"skipped {run.name} ({carry[run.name][1]})")
    for run in missing:
        err(f"warning: {run.name} is not selected by --only and not in the current report; left out of it")
    in_report = [r for r in runs if r not in missing]
    owned = set(owned_entries(manifest)) | {e for r in runs for e in run_entries(r)}
    for entry in sorted(os.listdir(figures)):
        if not entry.startswith(".") and entry not in owned:
            err(f"note: {_display_path(figures / entry)} is not part of the report; left as it is")

    if not to_run:
        # every run is carried with its files intact, so equal pages mean an identical report
        index_text, manifest_text = _pages(figures, in_report, {n: c[0] for n, c in carry.items()})
        if _read(figures / INDEX) == index_text and _read(figures / MANIFEST) == manifest_text:
            say(f"report unchanged: {len(carry)} run(s) skipped, nothing written")
            return EXIT_OK

    staging = figures / STAGING
    new = staging / "new"
    new.mkdir(parents=True)
    for run in in_report:
        if run.name in carry:
            _copy_run(figures, new, run)

    outcomes: list[Outcome] = []
    if to_run:
        executor = Executor(figures, staging, args.cell_timeout, args.start_timeout, say, execute)
        bar = None
        if use_bar:
            from tqdm import tqdm

            bar = tqdm(total=len(to_run), unit="run", desc="report", file=sys.stderr)
        pool = ThreadPoolExecutor(max_workers=min(args.jobs, len(to_run)), thread_name_prefix="report")
        try:
            futures = [pool.submit(executor, run) for run in to_run]
            # nbconvert's first export loads and compiles its templates (~1.7 s here): do it while
            # the kernels start and run, instead of after the first notebook finishes
            threading.Thread(target=executor.warm_up, name="report-warm-up", daemon=True).start()
            for fut in as_completed(futures):
                outcome = fut.result()
                outcomes.append(outcome)
                say(outcome.line)
                if bar is not None:
                    bar.update(1)
        except KeyboardInterrupt:
            # Do not wait for running cells: leave now. The kernels exit with their parent
            # (ipykernel's parent poller); the next invocation removes the unfinished staging folder.
            pool.shutdown(wait=False, cancel_futures=True)
            shutil.rmtree(staging, ignore_errors=True)
            err(f"interrupted: the previous report in {_display_path(figures)} is unchanged")
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        pool.shutdown()
        if bar is not None:
            bar.close()
    failed = [o for o in outcomes if not o.ok]
    if failed:
        shutil.rmtree(staging, ignore_errors=True)
        err(f"report not updated: {len(failed)} of {len(to_run)} run(s) failed; "
            f"the previous report in {_display_path(figures)} is unchanged")
        return EXIT_FAILED

    records = {name: record for name, (record, _) in carry.items()}
    for run in to_run:
        records[run.name] = make_record(new, run, inputs[run.name])
    index_text, manifest_text = _pages(new, in_report, records)
    (new / INDEX).write_text(index_text, encoding="utf-8")
    (new / MANIFEST).write_text(manifest_text, encoding="utf-8")
    swap(figures, staging, replace=owned_entries(manifest))
    say(f"report written to {_display_path(figures)}: {len(to_run)} run(s) executed, {len(carry)} skipped, "
        f"{time.monotonic() - t_start:.1f}s")
    return EXIT_OK


def _pages(report: Path, runs: list[Run], records: dict[str, dict[str, Any]]) -> tuple[str, str]:
    entries = [(run, records[run.name], read_sidecars(report / run.name) if (report / run.name).is_dir() else [])
               for run in runs]
    index_text = build_index(entries)
    return index_text, build_manifest(report, records, runs, index_text)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
