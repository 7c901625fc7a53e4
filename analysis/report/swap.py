"""The lock that keeps two invocations from writing one report, and the swap of the new
report for the old one (kill-safe; see the package docstring)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .core import LOCK, STAGING, SWAP_MARKER, LockBusy, Run, display_path, dumps
from .inputs import run_entries


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
            raise LockBusy(f"another report run (pid {holder}) holds {display_path(figures / LOCK)}") from None
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


def swap(figures: Path, staging: Path, replace: Iterable[str] = ()) -> None:
    """Replace the report in <figures> by <staging>/new; see the module docstring.

    ``replace``: entries of the current report (from its manifest) that go away with it. Anything
    else in <figures> that the runner did not write (a README, say) is left where it is.
    """
    entries = sorted(os.listdir(staging / "new"))
    marker = staging / SWAP_MARKER
    tmp = staging / (SWAP_MARKER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(dumps({"entries": entries, "replace": sorted(set(replace))}))
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


def copy_run(src: Path, dst: Path, run: Run) -> None:
    for entry in run_entries(run):
        if (src / entry).is_dir():
            shutil.copytree(src / entry, dst / entry)
        elif (src / entry).is_file():
            shutil.copy2(src / entry, dst / entry)
