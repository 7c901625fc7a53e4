"""Kernels started ahead of the runs that use them.

A kernel takes about half a second to boot (the interpreter, ipykernel, the sockets), during
which its run can do nothing. The pool starts the next runs' kernels while the runner is still
busy (importing, checking, executing the runs before them), so a run usually finds its kernel
ready: `take` hands over a started kernel manager, which papermill passes on to nbclient
(``km=``); nbclient then connects to it instead of starting one. Each kernel serves one run
and is shut down after it (`release`): no state is carried from one run to the next.

A kernel is started by nbclient itself, as for the run (its kernel manager class, the kernel
name, the run's folder as cwd, its command line, the runner's IPC transport), so a run's
notebook is the same whichever started its kernel. When the pool has
nothing for a run (another folder, a start that failed), papermill starts the kernel itself,
as it does without a pool, and any error surfaces there with its usual message.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import Any


class Sockets:
    """Where the runner's kernels listen: Unix sockets ``<folder>/kN-*`` (IPC transport: no TCP
    port, so no "running over TCP without encryption" warning), in a short temporary folder
    (a socket path holds about 100 bytes) made on first use and removed by `close`."""

    def __init__(self) -> None:
        self._folder: str | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def config(self):
        """Kernel manager settings for one more kernel; papermill passes ``config`` through
        nbclient to the kernel manager it creates, the pool gives it to its own."""
        from traitlets.config import Config

        with self._lock:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="report-ipc-")
            base = os.path.join(self._folder, f"k{next(self._ids)}")
        return Config({"KernelManager": {"transport": "ipc", "ip": base}})

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _manager_class():
    """nbclient's own kernel manager class, with the clients it hands out recorded, to close them
    after the run (nbclient leaves the client of a kernel it does not own open)."""
    import nbformat
    from nbclient import NotebookClient

    base = NotebookClient(nbformat.v4.new_notebook()).kernel_manager_class

    class PooledKernelManager(base):  # type: ignore[misc, valid-type]
        def client(self, **kwargs: Any):
            kc = super().client(**kwargs)
            self.__dict__.setdefault("_pool_clients", []).append(kc)
            return kc

    return PooledKernelManager


class KernelPool:
    """Kernels for a known sequence of runs, ``ahead`` of them booting at any time."""

    def __init__(self, cwds: list[Path], ahead: int, sockets: Sockets, kernel_name: str):
        """``cwds``: the folder of each run, in the order the runs will ask; nothing starts before
        `start` (so whoever holds the pool can always `close` it)."""
        self._pending = deque(Path(c) for c in cwds)  # runs whose kernels are not started yet
        self._ready: list[tuple[Path, Any]] = []  # (cwd, started kernel manager) not yet taken
        self._ahead = ahead
        self._sockets = sockets
        self._kernel_name = kernel_name
        self._lock = threading.Lock()
        self._closed = False
        self._class = _manager_class()

    def start(self) -> None:
        """Start the first ``ahead`` kernels."""
        for _ in range(min(self._ahead, len(self._pending))):
            self._start_next()

    def _start_next(self) -> None:
        with self._lock:
            if self._closed or not self._pending:
                return
            cwd = self._pending.popleft()
        import nbformat
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        km = None
        try:
            # started by nbclient itself, as for a run of a notebook in ``cwd``: its kernel name,
            # working folder and command line; only the manager is kept
            client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=self._kernel_name,
                                    kernel_manager_class=self._class, config=self._sockets.config(),
                                    resources={"metadata": {"path": str(cwd)}})
            km = client.create_kernel_manager()
            run_sync(client.async_start_new_kernel)()
        except Exception:  # noqa: BLE001 - the run starts its own kernel and reports the error
            if km is not None:
                self.release(km)  # a kernel that failed half-way (launched, not connected) is not left behind
            return
        with self._lock:
            if not self._closed:
                self._ready.append((cwd, km))
                return
        self.release(km)

    def take(self, cwd: Path) -> Any | None:
        """A started kernel manager for a run in ``cwd`` (None: none is waiting; papermill starts
        one); the next run's kernel starts now. Give it back to `release` after the run."""
        cwd = Path(cwd)
        with self._lock:
            found = next((i for i, (c, _) in enumerate(self._ready) if c == cwd), None)
            km = self._ready.pop(found)[1] if found is not None else None
            if found is None:
                with contextlib.suppress(ValueError):
                    self._pending.remove(cwd)  # this run's kernel will not be needed any more
        self._start_next()
        return km

    @staticmethod
    def release(km: Any) -> None:
        """Close the clients connected to ``km`` and shut its kernel down now."""
        from jupyter_core.utils import run_sync

        for kc in km.__dict__.get("_pool_clients", []):
            with contextlib.suppress(Exception):
                kc.stop_channels()
        with contextlib.suppress(Exception):
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)

    def close(self) -> None:
        """Shut down the kernels no run has taken."""
        with self._lock:
            self._closed = True
            unused, self._ready = self._ready, []
            self._pending.clear()
        for _, km in unused:
            self.release(km)
