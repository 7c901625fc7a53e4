"""Regenerate the figure report: ``python -m analysis.report`` (``make report``).

    python -m analysis.report [--runs FILE] [--figures DIR] [--force] [--only NAME ...]
                              [--jobs N] [--cell-timeout S] [--start-timeout S]

What it does, in order:

1. Reads the run list (``report.yaml``, format documented at its top) and rejects unknown
   keys, duplicate or malformed run names, missing notebooks and notebooks outside
   ``notebooks_dir``, naming the file, line, run and key (values shown escaped and cut short;
   a run list over 1 MB or 100,000 values once its YAML aliases are expanded is refused). Then checks each run that will execute against its notebook's ``parameters``
   cell (``papermill.inspect_notebook``): unknown names are listed with the valid ones and a
   "did you mean", values are checked against the annotation (``n: int = 3``). Any problem:
   exit 2, nothing under the figures folder is touched.
2. Takes an exclusive lock (``flock`` on ``<figures>/.lock``). A second invocation does not
   wait: it exits 3 with a message naming the pid that holds the lock.
3. Deletes what an interrupted earlier invocation left in staging (see "Swap" below).
4. Skips every run whose inputs are unchanged since ``manifest.json`` (notebook bytes,
   parameters, data files, ``analysis/**/*.py``, ``requirements.txt``, Python and key package
   versions) and whose files still have the recorded sha256, unless ``--force``. Skipped runs
   are copied unchanged into the new report. If nothing has to run and the index and manifest
   would come out the same, nothing is written at all.
5. Executes the other runs with papermill's Python API in a thread pool (``--jobs``, default
   2: threads in one process beat one process per notebook, which re-imports papermill),
   the runs whose notebooks hold the most code first (a long run started last would finish
   alone while the other cores idle), each in a fresh ``python3`` kernel whose working
   directory is the notebook's folder, with ``output_dir`` injected as ``<staging>/new/<run>``.
   A run holds one of the ``--jobs`` kernel slots only while it executes, so the next run
   starts while its notebook is normalised and exported. Kernels are started ahead of their
   runs (``kernels``): the first ``--jobs`` while the parameters are checked (shut down again
   if they are rejected), then one more each time a run takes its kernel; each kernel serves
   one run and is shut down after it. A kernel that fails to start
   (no cell has begun: a start timeout; not a full disk) is retried once; a failure inside a
   cell is not.
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

Swap (one atomic step): the whole new report is built in ``<parent>/.<figures>.staging/new/``
beside the figures folder (same filesystem): new runs, carried runs and everything else the
folder holds as hard links (its ``.lock`` stays the same file). One ``renameat2`` with
``RENAME_EXCHANGE`` then swaps the two folders, so after a kill -9 at any point the figures
folder is the complete old report or the complete new one; the next invocation deletes what
is left in staging. Dot entries of the figures folder (``.lock``, ``.failed``) and files the
runner never wrote (a README) are carried over untouched. See ``swap`` for the fallback where
rename-exchange is missing.

Exit status: 0 ok (or nothing to do), 1 a run failed, 2 invalid run list, parameters or options
(``--figures`` a file), 3 another invocation holds the lock, 4 the report cannot be written
(read-only or not permitted), 5 no space left on the device. An error of the filesystem is one
line; the staging folder and half-written files are removed, the old report is unchanged.

Modules, one concern each: ``runlist`` (reading and checking the run list), ``parameters``
(a run's parameters against its notebook), ``inputs`` (fingerprints, files, manifest),
``execute`` (papermill with retry), ``kernels`` (kernels started ahead, their sockets),
``schedule`` (the order runs execute in, the thread pool), ``normalise`` (stable notebook bytes, HTML export),
``pages`` (sidecars, index.html from ``index.html.j2``), ``swap`` (lock, swap, recovery),
``cli`` (options and the order of the steps). Kernels talk to the runner over Unix sockets
(IPC transport), not TCP ports.
"""

from .cli import Report, build, main, parse_args
from .core import (
                   EXIT_FAILED,
                   EXIT_INVALID,
                   EXIT_LOCKED,
                   EXIT_NO_SPACE,
                   EXIT_OK,
                   EXIT_UNWRITABLE,
                   FAILED_DIR,
                   INDEX,
                   LOCK,
                   MANIFEST,
                   LockBusy,
                   ReportError,
                   Run,
)
from .execute import Executor, Outcome, started_cells
from .inputs import environment, fingerprint, run_inputs
from .normalise import export_html, normalise_notebook
from .pages import SIDECAR_KEYS, build_index, read_sidecars
from .runlist import load_runs
from .swap import recover, report_lock, staging_dir, swap

__all__ = [
    "EXIT_FAILED", "EXIT_INVALID", "EXIT_LOCKED", "EXIT_NO_SPACE", "EXIT_OK", "EXIT_UNWRITABLE", "FAILED_DIR", "INDEX",
    "LOCK", "MANIFEST", "SIDECAR_KEYS", "Executor", "LockBusy", "Outcome", "Report", "ReportError", "Run", "build",
    "build_index", "environment", "export_html", "fingerprint", "load_runs", "main", "normalise_notebook",
    "parse_args", "read_sidecars", "recover", "report_lock", "run_inputs", "staging_dir", "started_cells", "swap",
    "validate_parameters",
]


def __getattr__(name: str):
    """`validate_parameters` is imported on first use: it needs pydantic and the notebooks'
    models, which a report with nothing to execute never does."""
    if name == "validate_parameters":
        from .parameters import validate_parameters

        return validate_parameters
    raise AttributeError(f"module 'analysis.report' has no attribute {name!r}")
