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

Modules, one concern each: ``runlist`` (reading and checking the run list), ``parameters``
(a run's parameters against its notebook), ``inputs`` (fingerprints, files, manifest),
``execute`` (papermill with retry), ``normalise`` (stable notebook bytes, HTML export),
``pages`` (sidecars, index.html from ``index.html.j2``), ``swap`` (lock, swap, recovery),
``cli`` (options and the order of the steps). Kernels talk to the runner over Unix sockets
(IPC transport), not TCP ports.
"""

from .cli import Report, build, main, parse_args
from .core import (
                   EXIT_FAILED,
                   EXIT_INVALID,
                   EXIT_LOCKED,
                   EXIT_OK,
                   FAILED_DIR,
                   INDEX,
                   LOCK,
                   MANIFEST,
                   STAGING,
                   LockBusy,
                   ReportError,
                   Run,
)
from .execute import Executor, Outcome, started_cells
from .inputs import environment, fingerprint, run_inputs
from .normalise import export_html, normalise_notebook
from .pages import SIDECAR_KEYS, build_index, read_sidecars
from .parameters import type_problem, validate_parameters
from .runlist import load_runs
from .swap import recover, report_lock, swap

__all__ = [
    "EXIT_FAILED", "EXIT_INVALID", "EXIT_LOCKED", "EXIT_OK", "FAILED_DIR", "INDEX", "LOCK", "MANIFEST", "SIDECAR_KEYS",
    "STAGING", "Executor", "LockBusy", "Outcome", "Report", "ReportError", "Run", "build", "build_index",
    "environment", "export_html", "fingerprint", "load_runs", "main", "normalise_notebook", "parse_args",
    "read_sidecars", "recover", "report_lock", "run_inputs", "started_cells", "swap", "type_problem",
    "validate_parameters",
]
