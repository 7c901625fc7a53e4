"""The lock that keeps two invocations from writing one report, and the switch from the old
report to the new one in a single atomic step.

The new report is built whole in ``<parent>/.<figures>.staging/new/`` (beside the figures
folder, on the same filesystem): the runs executed now, the runs carried over (hard links to
the files in place), and everything else the figures folder holds (its ``.lock``, ``.failed``,
a README: hard links, so the lock stays the same file). Then one ``renameat2(RENAME_EXCHANGE)``
swaps the two folders: before it the figures folder is the complete old report, after it the
complete new one, and at no instant anything in between. The old report, now in staging, is
deleted; whatever a killed invocation left in staging is deleted by the next one.

Where the kernel or filesystem has no rename-exchange, two renames do the same, except for an
instant in which the figures folder does not exist; killed in that instant, the next
invocation finishes them (`recover`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .core import LOCK, LockBusy, Run, display_path
from .inputs import run_entries

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def staging_dir(figures: Path) -> Path:
    """Where a report is built: beside the figures folder, so the two can be exchanged."""
    return figures.parent / f".{figures.name}.staging"


@contextlib.contextmanager
def report_lock(figures: Path):
    """Exclusive flock on <figures>/.lock for the whole invocation; raises LockBusy naming the holder's pid.

    On a read-only figures folder the lock is taken through a read-only descriptor when the
    file exists, and skipped when it does not (no invocation can write there then).
    """
    figures.mkdir(parents=True, exist_ok=True)
    writable = True
    try:
        fd = os.open(figures / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        writable = False
        try:
            fd = os.open(figures / LOCK, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise LockBusy(f"another report run (pid {holder[:20]}) holds {display_path(figures / LOCK)}") from None
        if writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock (also released by the OS when the process dies)


def mid_swap(staging: Path) -> bool:
    """Whether a fallback swap stopped between its two renames: the old report is in staging and
    the new one not yet in place, so staging holds the only copies of both."""
    return (staging / "old").is_dir() and (staging / "new").is_dir()


def recover(figures: Path) -> str | None:
    """Remove what an interrupted invocation left in staging (finishing a fallback swap first).

    Between the two renames of the fallback the figures folder does not exist, and the lock of
    the next invocation creates it again holding only that lock: the completed new report is
    then moved in over it, with the lock file (so the lock stays held).
    """
    staging = staging_dir(figures)
    if not staging.exists():
        return None
    note = "recovered: removed an unfinished report build left by an interrupted run"
    if mid_swap(staging):
        new = staging / "new"
        others = sorted(set(os.listdir(figures)) - {LOCK})  # figures exists: the lock made it again
        if others:
            raise OSError(errno.ENOTEMPTY, f"an interrupted run left its reports in {display_path(staging)}, "
                          f"and the figures folder holds {', '.join(others)}: move them away", str(figures))
        if (figures / LOCK).exists():
            os.replace(figures / LOCK, new / LOCK)
        os.rename(new, figures)  # over the empty folder the lock left, if any
        note = "recovered: finished swapping in the report an interrupted run had completed"
    shutil.rmtree(staging)
    return note


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def link_tree(src: Path, dst: Path) -> None:
    """``dst`` as a copy of the file or folder ``src`` made of hard links (copies where a link fails)."""
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
    elif src.is_symlink():
        os.symlink(os.readlink(src), dst)
    else:
        _link_or_copy(str(src), str(dst))


def copy_run(src: Path, dst: Path, run: Run) -> None:
    """A carried-over run's files, from the current report into the new one."""
    for entry in run_entries(run):
        if (src / entry).exists():
            link_tree(src / entry, dst / entry)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap(figures: Path, staging: Path, replace: Iterable[str] = ()) -> None:
    """Make <staging>/new the figures folder; see the module docstring.

    ``replace``: entries of the current report (from its manifest) that go away with it. Every
    other entry of <figures> (dot entries, a README the runner did not write) is carried over.
    """
    new = staging / "new"
    gone = set(replace)
    for entry in sorted(os.listdir(figures)):
        if entry not in gone and not os.path.lexists(new / entry):
            link_tree(figures / entry, new / entry)
    if not _exchange(new, figures):
        os.rename(figures, staging / "old")
        os.rename(new, figures)
    shutil.rmtree(staging)
