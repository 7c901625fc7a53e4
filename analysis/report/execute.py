"""Execute one run with papermill into the staging folder: one fresh kernel per run, a kernel
that fails to start retried once, the result normalised and exported to HTML, a failure kept
in ``<figures>/.failed/`` and summed up in one ``FAILED`` line."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import config
from ..echo import shown
from .core import FAILED_DIR, Run, display_path
from .kernels import KernelPool, Sockets
from .normalise import export_html, normalise_notebook
from .pages import read_sidecars

MESSAGE_LIMIT = 2000  # characters of an error message in a FAILED line
KERNEL_NAME = "python3"  # every run's kernel (the venv's own interpreter), pooled or started by papermill


@dataclasses.dataclass
class Outcome:
    ok: bool
    line: str  # the one line printed for this run
    no_space: OSError | None = None  # failed because a disk is full (this error): not the run's fault, nothing kept


def papermill_kwargs(cell_timeout: int, start_timeout: int) -> dict[str, Any]:
    import nbclient

    kwargs: dict[str, Any] = {
        "kernel_name": KERNEL_NAME,
        "progress_bar": False,
        "request_save_on_cell_execute": True,  # a killed or failed run leaves its notebook so far
        "start_timeout": start_timeout,
        "execution_timeout": cell_timeout,
        "record_timing": False,
    }
    if "shutdown_kernel" in nbclient.NotebookClient.class_trait_names():
        kwargs["shutdown_kernel"] = "immediate"  # avoids a 2.6-3 s shutdown stall on some runs
    return kwargs


def started_cells(raw: Path) -> list[int]:
    """Indexes of cells papermill marked as started in the saved output notebook."""
    try:
        nb = json.loads(raw.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [i for i, c in enumerate(nb.get("cells", [])) if (c.get("metadata", {}).get("papermill") or {}).get("start_time")]


NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_NO_SPACE_TEXTS = tuple(os.strerror(e) for e in NO_SPACE_ERRNOS)


def no_space_error(exc: BaseException | None) -> OSError | None:
    """The full disk (or quota) behind ``exc``, in this process or in the kernel (an error in a
    cell), at any depth: the OSError, with the file it was for when known; None when it is not one."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
            return exc
        if any(t in f"{getattr(exc, 'evalue', '')} {exc}" for t in _NO_SPACE_TEXTS):
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # said by the kernel: no file known here
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def is_no_space(exc: BaseException | None) -> bool:
    return no_space_error(exc) is not None


def _is_start_failure(exc: BaseException, raw: Path) -> bool:
    """A kernel that failed to start: papermill wrote the notebook but no cell began (a full disk is not)."""
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError | NoSuchKernel) or is_no_space(exc):
        return False
    return raw.is_file() and not started_cells(raw)


class Executor:
    """Runs notebooks into a staging folder; thread-safe, one kernel per run."""

    def __init__(self, figures: Path, staging: Path, cell_timeout: int, start_timeout: int,
                 log: Callable[[str], None], execute: Callable[..., Any] | None, kernels: int,
                 sockets: Sockets, pool: KernelPool | None = None):
        """``kernels``: how many kernels may run at once. A run holds a kernel slot only while it
        executes, so with more threads than slots the next kernel starts while the last run's
        notebook is still being normalised and exported. ``sockets``: where the kernels listen;
        ``pool``: kernels started ahead of the runs (first attempts take theirs from it)."""
        import papermill

        self.figures = figures
        self.new = staging / "new"
        self.raw = staging / "run"
        self.raw.mkdir(parents=True, exist_ok=True)
        self.kwargs = papermill_kwargs(cell_timeout, start_timeout)
        self.execute = execute or papermill.execute_notebook
        self.log = log
        self.sockets = sockets
        self._kernel_slots = threading.BoundedSemaphore(kernels)
        self.pool = pool

    def warm_up(self) -> None:
        """Export an empty notebook once, so the first real export finds nbconvert ready."""
        import nbformat

        with contextlib.suppress(Exception):
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

    def _execute_once(self, run: Run, raw: Path, out_dir: Path, pooled: bool) -> None:
        """One execution; ``pooled``: on a kernel the pool started ahead, when it has one."""
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        raw.unlink(missing_ok=True)
        km = self.pool.take(run.cwd) if pooled and self.pool is not None else None
        extra = {"km": km} if km is not None else {}
        try:
            # cwd goes to the kernel through nbclient's resources, not papermill's cwd=, which
            # os.chdir()s the whole process: with two threads a kernel could start in the wrong folder.
            self.execute(
                str(run.notebook), str(raw), parameters=dict(run.parameters, output_dir=str(out_dir)),
                resources={"metadata": {"path": str(run.cwd)}},
                config=self.sockets.config(), **self.kwargs, **extra,
            )
        finally:
            if km is not None:
                self.pool.release(km)

    def __call__(self, run: Run) -> Outcome:
        out_dir = self.new / run.name
        raw = self.raw / f"{run.name}.ipynb"
        failed: Exception | None = None
        with self._kernel_slots:  # released before the notebook is normalised and exported
            t0 = time.monotonic()
            for attempt in (1, 2):
                try:
                    self._execute_once(run, raw, out_dir, pooled=attempt == 1)
                    failed = None
                    break
                except Exception as exc:  # noqa: BLE001 - every failure becomes one FAILED line
                    failed = exc
                    if attempt == 1 and _is_start_failure(exc, raw):
                        self.log(f"retry {run.name} (kernel did not start: {type(exc).__name__}: {_first_line(exc)})")
                        continue
                    break
        if failed is not None:
            return self._failed(run, failed, raw, out_dir)
        try:
            nb_text = normalise_notebook(raw.read_text(encoding="utf-8"), self.replacements(run))
            read_sidecars(out_dir)  # fail the run now rather than write an index with broken entries
            (self.new / f"{run.name}.ipynb").write_text(nb_text, encoding="utf-8")
            (self.new / f"{run.name}.html").write_text(export_html(nb_text, run.name), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001
            return self._failed(run, exc, raw, out_dir, after=True)
        stale = self.figures / FAILED_DIR
        (stale / f"{run.name}.ipynb").unlink(missing_ok=True)
        shutil.rmtree(stale / run.name, ignore_errors=True)
        dt = time.monotonic() - t0
        return Outcome(True, f"ok {run.name} {dt:.1f}s")

    def _failed(self, run: Run, exc: BaseException, raw: Path, out_dir: Path, after: bool = False) -> Outcome:
        where = _failure_cell(exc, raw) if not after else "after execution"
        ename, message = _error_name_and_message(exc)
        no_space = no_space_error(exc)
        if no_space is not None and where == "at kernel start":
            where = "on a full disk"
        kept = self.figures / FAILED_DIR / f"{run.name}.ipynb"
        if no_space is None:
            try:
                self._keep(run, raw, out_dir, kept)
            except OSError as keep_exc:  # the disk filled up while keeping it: keep nothing
                no_space = no_space_error(keep_exc)
                kept.with_name(f".{kept.name}.tmp").unlink(missing_ok=True)
        if no_space is not None:
            shutil.rmtree(out_dir, ignore_errors=True)
        shown = display_path(kept) if kept.is_file() else "(no notebook was written)"
        return Outcome(False, f"FAILED {run.name} {where} {ename}: {message} -> {shown}", no_space)

    def _keep(self, run: Run, raw: Path, out_dir: Path, kept: Path) -> None:
        """The failed run's notebook so far to <figures>/.failed/<run>.ipynb, what it wrote to .failed/<run>/."""
        failed = kept.parent
        failed.mkdir(parents=True, exist_ok=True)
        if raw.is_file():
            text = raw.read_text(encoding="utf-8")
            with contextlib.suppress(Exception):
                text = normalise_notebook(text, [(str(self.new / run.name), str(failed / run.name))]
                                          + self.replacements(run)[1:])
            tmp = kept.with_name(f".{kept.name}.tmp")
            try:
                tmp.write_text(text, encoding="utf-8")
            except OSError:
                tmp.unlink(missing_ok=True)
                raise
            os.replace(tmp, kept)
        shutil.rmtree(failed / run.name, ignore_errors=True)
        if out_dir.is_dir() and any(out_dir.iterdir()):
            shutil.move(str(out_dir), str(failed / run.name))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return shown(text.splitlines()[0], 300) if text else ""


def _error_name_and_message(exc: BaseException) -> tuple[str, str]:
    """The error's name and its message on one line: every line of it (a DataError lists one
    problem a line, FILE:ROW: COLUMN: ...), joined with ' | ', escaped and bounded."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    text = str(evalue) if evalue else str(exc)
    message = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return shown(ename, 100), shown(message, MESSAGE_LIMIT)


def _failure_cell(exc: BaseException, raw: Path) -> str:
    """'cell N' where N is In [N] of the kept notebook, or 'at kernel start'."""
    exec_count = getattr(exc, "exec_count", None)
    if isinstance(exec_count, int):
        return f"cell {exec_count}"
    started = started_cells(raw)
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
