"""``python -m analysis.report``: the options, and the order of the steps (see the package docstring)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import config
from ..echo import shown
from . import changes as changes_mod
from . import inputs as inputs_mod
from .core import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_LOCKED,
    EXIT_NO_SPACE,
    EXIT_OK,
    EXIT_UNWRITABLE,
    FAILED_DIR,
    INDEX,
    MANIFEST,
    LockBusy,
    ReportError,
    Run,
    did_you_mean,
    display_path,
    read_text,
)
from .execute import is_no_space
from .inputs import (
    build_manifest,
    environment,
    fingerprint,
    intact,
    make_record,
    owned_entries,
    read_manifest,
    run_entries,
    run_inputs,
)
from .kernels import KernelPool, Sockets
from .pages import build_index, read_sidecars
from .runlist import load_runs
from .schedule import execute_all, heaviest_first
from .swap import copy_run, mid_swap, recover, report_lock, staging_dir, swap


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m analysis.report",
        description="Execute the notebooks listed in the run list with papermill and write the figure report "
                    "(charts, executed notebooks, HTML, index.html, manifest.json). Unchanged runs are skipped.",
    )
    p.add_argument("--runs", type=Path, default=config.RUNS_FILE, metavar="FILE",
                   help=f"run list (default: {display_path(config.RUNS_FILE)})")
    p.add_argument("--figures", type=Path, default=config.FIGURES_DIR, metavar="DIR",
                   help=f"report folder (default: {display_path(config.FIGURES_DIR)})")
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


@dataclasses.dataclass
class Plan:
    execute: list[Run]  # runs to execute
    carry: dict[str, tuple[dict[str, Any], str]]  # run name -> (its record in the manifest, why it is kept)
    missing: list[Run]  # not selected by --only and not in the current report


@dataclasses.dataclass
class Report:
    """One invocation: the runs, where the report goes, the options, and what has been checked."""

    runs: list[Run]
    figures: Path
    inputs: dict[str, dict[str, Any]]  # run name -> its inputs (fingerprinted)
    only: set[str] = dataclasses.field(default_factory=set)
    force: bool = False
    jobs: int = 2
    cell_timeout: int = 600
    start_timeout: int = 60
    execute: Callable[..., Any] | None = None  # replaces papermill.execute_notebook (tests)
    use_bar: bool = False
    t_start: float = dataclasses.field(default_factory=time.monotonic)
    validated: set[str] = dataclasses.field(default_factory=set)
    sockets: Sockets = dataclasses.field(default_factory=Sockets)  # where this invocation's kernels listen
    pool: KernelPool | None = None  # kernels started ahead of the runs (start_kernels)

    @staticmethod
    def err(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def say(self, line: str) -> None:
        if self.use_bar:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def validate(self, to_check: list[Run]) -> bool:
        """Parameters of the runs not checked yet; False (problems printed) when any is wrong."""
        todo = [r for r in to_check if r.name not in self.validated]
        if not todo:
            return True
        from .parameters import validate_parameters  # pydantic and the data: only when a run will execute

        try:
            validate_parameters(todo)
        except ReportError as exc:
            for line in exc.problems:
                self.err(line)
            self.err(f"parameters rejected ({len(exc.problems)} problem(s)); nothing was run or changed")
            return False
        self.validated.update(r.name for r in todo)
        return True

    def start_kernels(self, to_run: list[Run]) -> None:
        """Start the kernels of the runs that will (very likely) execute, in the order they will:
        they boot while the parameters are checked and the lock is taken. A kernel no run takes
        is shut down by `stop_kernels`; a test's ``execute`` starts none."""
        if self.execute is not None or not to_run:
            return
        from .execute import KERNEL_NAME

        self.pool = KernelPool([run.cwd for run in heaviest_first(to_run)], self.jobs, self.sockets, KERNEL_NAME)
        self.pool.start()

    def stop_kernels(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.sockets.close()

    def plan(self, manifest: dict[str, Any]) -> Plan:
        """Split the runs into those to execute, those carried over with their old record, and missing ones."""
        old = manifest.get("runs", {}) if isinstance(manifest.get("runs"), dict) else {}
        plan = Plan([], {}, [])
        for run in self.runs:
            record = old.get(run.name)
            kept = intact(self.figures, run, record)
            if self.only and run.name not in self.only:
                if kept:
                    plan.carry[run.name] = (record, "not selected")
                else:
                    plan.missing.append(run)
            elif not self.force and kept and record.get("inputs_sha256") == fingerprint(self.inputs[run.name]):
                plan.carry[run.name] = (record, "unchanged")
            else:
                plan.execute.append(run)
        return plan


def main(argv: list[str] | None = None, execute: Callable[..., Any] | None = None) -> int:
    """Entry point; ``execute`` replaces papermill.execute_notebook (tests)."""
    args = parse_args(argv)
    err = Report.err
    try:
        runs = load_runs(args.runs.resolve())
    except ReportError as exc:
        for line in exc.problems:
            err(line)
        err(f"run list rejected ({len(exc.problems)} problem(s)); nothing was run or changed")
        return EXIT_INVALID
    names = [r.name for r in runs]
    unknown = sorted(set(args.only or []) - set(names))
    for name in unknown:
        err(f"--only: no run named '{name}'{did_you_mean(name, names)}; runs: {', '.join(names)}")
    if unknown:
        return EXIT_INVALID
    problem = figures_problem(args.figures.absolute())
    if problem:
        err(problem)
        return EXIT_INVALID
    env, code, data_cache = environment(), inputs_mod.code_hashes(), {}
    report = Report(
        runs, args.figures.resolve(), {run.name: run_inputs(run, env, code, data_cache) for run in runs},
        set(args.only or []), args.force, args.jobs, args.cell_timeout, args.start_timeout, execute,
        use_bar=sys.stderr.isatty(),
    )
    # Validate before touching anything: the runs that look like they will execute (unlocked peek).
    peek = report.plan(read_manifest(report.figures)).execute
    try:
        report.start_kernels(peek)
        if not report.validate(peek):
            return EXIT_INVALID
        with report_lock(report.figures):
            return build(report)
    except FindingsRejected:
        shutil.rmtree(staging_dir(report.figures), ignore_errors=True)
        return EXIT_FAILED
    except LockBusy as exc:
        err(f"{exc}; wait for it to finish, then run again")
        return EXIT_LOCKED
    except OSError as exc:
        return os_error(report.figures, exc)
    finally:
        report.stop_kernels()


def figures_problem(figures: Path) -> str | None:
    """Why ``--figures`` cannot be a report folder (it, or a folder on its path, is a file), or None."""
    for path in (figures, *figures.parents):
        if path.exists():
            return None if path.is_dir() else f"--figures: {display_path(path)} is a file, not a folder " \
                                                f"(allowed: a folder, created when missing)"
    return None


def os_error(figures: Path, exc: OSError) -> int:
    """One line for an error of the filesystem, with its own exit status; nothing left in staging
    (unless a swap stopped half-way: staging then holds the reports, for the next run to finish)."""
    if not mid_swap(staging_dir(figures)):
        shutil.rmtree(staging_dir(figures), ignore_errors=True)
    for tmp in (figures / FAILED_DIR).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    where = shown(exc.filename if exc.filename else figures, 300)
    unchanged = f"the previous report in {display_path(figures)} is unchanged"
    if is_no_space(exc):
        # the report's own disk (named by its folder), or another one (the temporary folder) by the
        # file written to it (a copy's error names its source first, its destination second)
        written = getattr(exc, "filename2", None) or exc.filename
        elsewhere = written and not _same_device(Path(written), figures)
        Report.err(f"no space left on the device holding {display_path(Path(written) if elsewhere else figures)} "
                   f"({shown(written, 300) if elsewhere else display_path(figures)}); {unchanged}, "
                   "nothing of this run was left behind")
        return EXIT_NO_SPACE
    Report.err(f"cannot write the report: {where}: {exc.strerror or exc} "
               f"(the figures folder and the folder it is in must be writable); {unchanged}")
    return EXIT_UNWRITABLE


def _same_device(a: Path, b: Path) -> bool:
    """Whether two paths (or the nearest folders of them that exist) are on one filesystem."""
    def device(path: Path) -> int:
        for p in (path, *path.parents):
            with contextlib.suppress(OSError):
                return p.stat().st_dev
        return -1

    return device(a.absolute()) == device(b.absolute())


def build(report: Report) -> int:
    """Under the lock: recover, plan, execute what changed, write the pages and swap the new report in."""
    figures = report.figures
    note = recover(figures)
    if note:
        report.err(note)
    manifest = read_manifest(figures)
    plan = report.plan(manifest)
    if not report.validate(plan.execute):
        return EXIT_INVALID
    in_report, findings_run = survey(report, plan, manifest)
    records = {name: record for name, (record, _) in plan.carry.items()}
    findings = None
    if not plan.execute:
        # every run is carried with its files intact, so equal pages mean an identical report
        findings = findings_file(report, plan, manifest, findings_run)
        index_text, manifest_text = pages(figures, in_report, records, findings)
        if read_text(figures / INDEX) == index_text and read_text(figures / MANIFEST) == manifest_text \
                and (findings is None or read_text(figures / changes_mod.FINDINGS) == findings):
            report.say(f"report unchanged: {len(plan.carry)} run(s) skipped, nothing written")
            return EXIT_OK
    staging = staging_dir(figures)
    new = staging / "new"
    new.mkdir(parents=True)
    for run in in_report:
        if run.name in plan.carry:
            copy_run(figures, new, run)
    if findings is None and findings_run is not None:
        # computed in this thread while the kernels run (it needs no run's output); raises after them
        def meanwhile() -> str | None:
            return findings_file(report, plan, manifest, findings_run)
    else:
        meanwhile = None
    outcomes, found = execute_all(report, plan.execute, staging, meanwhile)
    failed = [o for o in outcomes if not o.ok]
    full = next((o.no_space for o in failed if o.no_space is not None), None)
    if full is not None:
        return os_error(figures, full)
    if failed:
        shutil.rmtree(staging, ignore_errors=True)
        report.err(f"report not updated: {len(failed)} of {len(plan.execute)} run(s) failed; "
                   f"the previous report in {display_path(figures)} is unchanged")
        return EXIT_FAILED
    for run in plan.execute:
        records[run.name] = make_record(new, run, report.inputs[run.name])
    if meanwhile is not None:
        findings = found.result()  # FindingsRejected (its error printed) when it could not be made
    write_pages(new, in_report, records, findings)
    swap(figures, staging, replace=[*owned_entries(manifest), *([changes_mod.FINDINGS] if findings else [])])
    report.say(f"report written to {display_path(figures)}: {len(plan.execute)} run(s) executed, "
               f"{len(plan.carry)} skipped, {time.monotonic() - report.t_start:.1f}s")
    return EXIT_OK


def survey(report: Report, plan: Plan, manifest: dict[str, Any]) -> tuple[list[Run], Run | None]:
    """Say what is skipped, what is left out and what in the folder is not the runner's; the runs
    in the new report, and the run giving findings.json."""
    figures = report.figures
    for run in report.runs:
        if run.name in plan.carry:
            report.say(f"skipped {run.name} ({plan.carry[run.name][1]})")
    for run in plan.missing:
        report.err(f"warning: {run.name} is not selected by --only and not in the current report; left out of it")
    in_report = [r for r in report.runs if r not in plan.missing]
    owned = set(owned_entries(manifest)) | {e for r in report.runs for e in run_entries(r)}
    findings_run = next((r for r in in_report if r.findings), None)
    if findings_run is not None:
        owned.add(changes_mod.FINDINGS)
    for entry in sorted(os.listdir(figures)):
        if not entry.startswith(".") and entry not in owned:
            report.err(f"note: {display_path(figures / entry)} is not part of the report; left as it is")
    return in_report, findings_run


def write_pages(new: Path, runs: list[Run], records: dict[str, dict[str, Any]], findings: str | None) -> None:
    """findings.json, index.html and manifest.json of the new report (in staging)."""
    index_text, manifest_text = pages(new, runs, records, findings)
    if findings is not None:
        (new / changes_mod.FINDINGS).write_text(findings, encoding="utf-8")
    (new / INDEX).write_text(index_text, encoding="utf-8")
    (new / MANIFEST).write_text(manifest_text, encoding="utf-8")


class FindingsRejected(Exception):
    """The findings file could not be made (the error is printed): the report is not updated."""


def findings_file(report: Report, plan: Plan, manifest: dict[str, Any], run: Run | None) -> str | None:
    """The text of findings.json (None: no run is marked ``findings: true``); raises FindingsRejected,
    the error printed, when it cannot be made. A carried run's intact file is kept as it is; otherwise the findings
    are computed on the run's data and compared with the previous report's (see `changes`)."""
    if run is None:
        return None
    if run.name in plan.carry:
        kept = changes_mod.current(report.figures, manifest, run)
        if kept is not None:
            return kept
    from ..data import DataError

    try:
        return changes_mod.findings_text(run, report.inputs[run.name],
                                         read_text(report.figures / changes_mod.FINDINGS), manifest)
    except DataError as exc:
        for line in exc.problems:
            report.err(line)
        report.err(f"report not updated: the findings of run '{run.name}' could not be computed (its data is "
                   f"rejected); the previous report in {display_path(report.figures)} is unchanged")
        raise FindingsRejected(run.name) from exc


def pages(report_dir: Path, runs: list[Run], records: dict[str, dict[str, Any]],
          findings: str | None = None) -> tuple[str, str]:
    """index.html and manifest.json of a report folder holding these runs (and findings.json's text)."""
    entries = [(run, records[run.name],
                read_sidecars(report_dir / run.name) if (report_dir / run.name).is_dir() else [])
               for run in runs]
    index_text = build_index(entries, changes_mod.section(findings))
    marked = next((r.name for r in runs if r.findings), None)
    extra = {changes_mod.FINDINGS: (findings, marked)} if findings is not None else None
    return index_text, build_manifest(report_dir, records, runs, index_text, extra)
