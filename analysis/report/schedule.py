"""The order and the concurrency of a report's executions: the runs whose notebooks hold the
most code first, ``--jobs`` kernels at a time in a thread pool (one thread more, so a run's
export overlaps the next run's kernel), nbconvert warmed up beside them, and one more job
(the findings) done in the runner's own thread once no run waits for a kernel."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core import Run, display_path

if TYPE_CHECKING:
    from .cli import Report


def execute_all(report: Report, to_run: list[Run], staging: Path,
                meanwhile: Callable[[], Any] | None = None) -> tuple[list, Future]:
    """Execute the runs in a thread pool, printing one line per run as it ends; their outcomes,
    and ``meanwhile()`` called in this thread while the runs execute (its result or error)."""
    found: Future = Future()
    if not to_run:
        _call_into(found, meanwhile)
        return [], found
    from .execute import Executor

    executor = Executor(report.figures, staging, report.cell_timeout, report.start_timeout, report.say, report.execute,
                        kernels=report.jobs, sockets=report.sockets, pool=report.pool)
    bar = None
    if report.use_bar:
        from tqdm import tqdm

        bar = tqdm(total=len(to_run), unit="run", desc="report", file=sys.stderr)
    # one thread more than kernels: a run's export overlaps the next run's kernel (Executor's ``kernels``)
    pool = ThreadPoolExecutor(max_workers=min(report.jobs + 1, len(to_run)), thread_name_prefix="report")
    outcomes = []
    try:
        futures = [pool.submit(executor, run) for run in heaviest_first(to_run)]
        # nbconvert's first export loads and compiles its templates (~0.7 s here): do it while
        # the kernels start and run, instead of after the first notebook finishes
        threading.Thread(target=executor.warm_up, name="report-warm-up", daemon=True).start()
        if len(to_run) <= report.jobs:
            _call_into(found, meanwhile)
        for fut in as_completed(futures):
            outcomes.append(fut.result())
            report.say(outcomes[-1].line)
            if bar is not None:
                bar.update(1)
            if not found.done() and len(to_run) - len(outcomes) <= report.jobs:
                _call_into(found, meanwhile)  # no run waits for a kernel: the last ones are running
    except KeyboardInterrupt:
        # Do not wait for running cells: leave now. The kernels exit with their parent
        # (ipykernel's parent poller); the next invocation removes the unfinished staging folder.
        pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(Exception):  # os._exit skips main's cleanup: the idle kernels, the sockets
            report.stop_kernels()
        report.err(f"interrupted: the previous report in {display_path(report.figures)} is unchanged")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    finally:
        pool.shutdown()
    if bar is not None:
        bar.close()
    return outcomes, found


def _call_into(future: Future, fn: Callable[[], Any] | None) -> None:
    """``future`` set to what ``fn()`` returns or raises (None when there is no ``fn``)."""
    try:
        future.set_result(fn() if fn is not None else None)
    except Exception as exc:  # noqa: BLE001 - handed to whoever reads the result
        future.set_exception(exc)


def heaviest_first(runs: list[Run]) -> list[Run]:
    """The runs whose notebooks hold the most code first, the others in run-list order.

    With a few kernels at a time, a long run started last finishes alone while the other
    cores idle; started first, the short runs fill in beside it. A notebook's code size is
    the estimate of its run's length (there is no earlier timing in a new report folder).
    """
    sizes: dict[Path, int] = {}
    for run in runs:
        if run.notebook not in sizes:
            try:
                cells = json.loads(run.notebook.read_text(encoding="utf-8")).get("cells", [])
                sizes[run.notebook] = sum(len("".join(c.get("source", ""))) for c in cells
                                          if c.get("cell_type") == "code")
            except (OSError, ValueError, AttributeError, TypeError):
                sizes[run.notebook] = 0
    return sorted(runs, key=lambda run: -sizes[run.notebook])


