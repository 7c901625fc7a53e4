"""The report runner (analysis/report/), on small fixture notebooks in tests/fixtures/.

Negative cases first: a bad run list or bad parameters never touch the figures folder; a
failing, dying, hanging or killed run leaves the previous report byte for byte. Then the
positive ones: skip/--force, manifest checksums, HTML escaping, byte-identical reruns.

The slow tests share one report built once per module (`base`) and work on copies of it.
``inputs.CODE_DIR`` points at a frozen copy of analysis/ for the in-process tests, so an
edit to analysis/ made while the suite runs cannot turn a "skipped" into a re-execution.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import config, report
from analysis.report import inputs, pages
from analysis.report.parameters import check_run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCRIPT = "<script>alert(1)</script>"
FAILED_RE = re.compile(r"^FAILED (?P<run>\S+) (?P<where>cell \d+|at kernel start|after execution) "
                       r"(?P<ename>\w+): (?P<msg>.*) -> (?P<path>\S+)$", re.M)


# ----------------------------------------------------------------------------- helpers


def write_runs(folder: Path, runs: list[dict], name: str = "runs.yaml", **top) -> Path:
    import yaml

    doc = {"notebooks_dir": str(FIXTURES), **top, "runs": runs}
    path = folder / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (dot entries included) with its bytes."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def report_files(folder: Path) -> dict[str, bytes]:
    """The report proper: everything except the runner's dot entries (.lock, .failed)."""
    return {k: v for k, v in snapshot(folder).items() if not k.startswith(".")}


def run_main(args: list[str], capsys, execute=None) -> tuple[int, str, str]:
    rc = report.main([str(a) for a in args], execute=execute)
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module", autouse=True)
def frozen_code(tmp_path_factory):
    copy = tmp_path_factory.mktemp("code") / "analysis"
    shutil.copytree(config.ROOT / "analysis", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inputs, "CODE_DIR", copy)
        yield copy


@pytest.fixture
def old_report(tmp_path: Path) -> Path:
    """A stand-in for an existing report (for tests that must not get as far as running anything)."""
    fig = tmp_path / "figures"
    (fig / "old-run").mkdir(parents=True)
    (fig / "old-run" / "chart.png").write_bytes(b"\x89PNG old")
    (fig / "index.html").write_text("<p>old report</p>\n")
    (fig / "manifest.json").write_text("{}\n")
    return fig


def rejected(tmp_path, old_report, capsys, runs, **top) -> str:
    """Run with an invalid run list: exit 2, nothing under figures/ changed; return stderr."""
    before = snapshot(old_report)
    rc, out, err = run_main(["--runs", write_runs(tmp_path, runs, **top), "--figures", old_report], capsys)
    assert rc == report.EXIT_INVALID, (out, err)
    assert snapshot(old_report) == before
    assert "ok " not in out
    return err


# ------------------------------------------------------------------ run list rejected


def test_unknown_parameter_lists_valid_names_and_suggests(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "tiny", "notebook": "ok.ipynb", "parameters": {"sorce_line": "x"}}])
    assert "run 'tiny': parameters: sorce_line: unknown parameter" in err and "(parameters cell of ok.ipynb)" in err
    assert "did you mean 'source_line'?" in err
    assert "allowed: data_dir, formats, n, output_dir, source_line, title" in err


def test_unknown_parameter_without_close_match(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "tiny", "notebook": "ok.ipynb", "parameters": {"zzz": 1}}])
    assert "zzz: unknown parameter" in err and "did you mean" not in err


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("n", "three", "n: expected int, got str 'three'"),
    ("n", True, "n: expected int, got bool True"),
    ("title", 5, "title: expected str, got int 5"),
    ("formats", "png", "formats: expected list, got str 'png'"),
])
def test_wrong_type_names_expected_type(tmp_path, old_report, capsys, key, value, expected):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "tiny", "notebook": "ok.ipynb", "parameters": {key: value}}])
    assert expected in err and "(parameters cell of ok.ipynb)" in err


def test_every_problem_reported_at_once(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys, [
        {"name": "a", "notebook": "ok.ipynb", "parameters": {"n": "x", "titel": "y"}},
        {"name": "b", "notebook": "ok.ipynb", "parameters": {"dpi": 3}},
    ])
    assert "run 'a'" in err and "run 'b'" in err and "n: expected int" in err
    assert "did you mean 'title'" in err and "dpi: unknown parameter" in err


def test_notebook_without_parameters_cell(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys, [{"name": "np", "notebook": "no_parameters.ipynb"}])
    assert "no_parameters.ipynb has no cell tagged 'parameters'" in err


def test_output_dir_is_set_by_the_runner(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "tiny", "notebook": "ok.ipynb", "parameters": {"output_dir": "/tmp/x"}}])
    assert "output_dir is set by the runner" in err


def test_bad_yaml_syntax_names_the_line(tmp_path, old_report, capsys):
    before = snapshot(old_report)
    path = tmp_path / "runs.yaml"
    path.write_text("runs:\n  - name: a\n    notebook: [ok.ipynb\n")
    rc, _, err = run_main(["--runs", path, "--figures", old_report], capsys)
    assert rc == 2 and "runs.yaml:" in err and "not valid YAML" in err
    assert snapshot(old_report) == before


def test_key_given_twice_in_yaml(tmp_path, old_report, capsys):
    path = tmp_path / "runs.yaml"
    path.write_text(f"notebooks_dir: {FIXTURES}\nruns:\n  - name: a\n    notebook: ok.ipynb\n"
                    "    parameters: {n: 1}\n    parameters: {n: 2}\n")
    rc, _, err = run_main(["--runs", path, "--figures", old_report], capsys)
    assert rc == 2 and "'parameters' given twice (first on line 5)" in err and "runs.yaml:6" in err


def test_unknown_keys(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "a", "notebook": "ok.ipynb", "paramters": {"n": 1}}], defaults={"n": 1})
    assert "run 'a': unknown key 'paramters' (did you mean 'parameters'?)" in err
    assert "allowed: description, findings, name, notebook, parameters" in err
    assert "unknown top-level key 'defaults'" in err


def test_duplicate_run_name(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys, [
        {"name": "tiny", "notebook": "ok.ipynb"},
        {"name": "tiny", "notebook": "ok.ipynb", "parameters": {"n": 2}},
    ])
    assert re.search(r"runs\.yaml:\d+: run 'tiny': name: 'tiny' is used twice \(first at .*runs\.yaml:\d+\)", err)


@pytest.mark.parametrize("name", ["Tiny", "tiny_run", "-tiny", "tiny run", "../x", "index", 7])
def test_bad_run_name(tmp_path, old_report, capsys, name):
    err = rejected(tmp_path, old_report, capsys, [{"name": name, "notebook": "ok.ipynb"}])
    assert "name:" in err


def test_missing_notebook_and_missing_keys(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys, [
        {"name": "gone", "notebook": "99-not-there.ipynb"},
        {"notebook": "ok.ipynb"},
        {"name": "nonb"},
    ])
    assert "run 'gone': notebook: file not found:" in err and "99-not-there.ipynb" in err
    assert "runs[1]: name: missing" in err
    assert "run 'nonb': notebook: missing" in err


def test_runs_must_be_a_list(tmp_path, old_report, capsys):
    path = tmp_path / "runs.yaml"
    path.write_text("runs: {name: a}\n")
    rc, _, err = run_main(["--runs", path, "--figures", old_report], capsys)
    assert rc == 2 and "'runs' must be a non-empty list" in err


def test_only_unknown_run(tmp_path, old_report, capsys):
    before = snapshot(old_report)
    runs = write_runs(tmp_path, [{"name": "tiny", "notebook": "ok.ipynb"}])
    rc, _, err = run_main(["--runs", runs, "--figures", old_report, "--only", "tiyn"], capsys)
    assert rc == 2 and "no run named 'tiyn' (did you mean 'tiny'?)" in err
    assert snapshot(old_report) == before


def test_missing_runs_file(tmp_path, old_report, capsys):
    rc, _, err = run_main(["--runs", tmp_path / "nope.yaml", "--figures", old_report], capsys)
    assert rc == 2 and "cannot read the run list" in err


def test_run_list_that_is_not_utf8(tmp_path, old_report, capsys):
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"runs:\n  - name: a\xff\n")
    before = snapshot(old_report)
    rc, _, err = run_main(["--runs", bad, "--figures", old_report], capsys)
    assert rc == 2 and "bin.yaml:2: not UTF-8 text" in err
    assert snapshot(old_report) == before


def test_notebook_path_out_of_notebooks_dir(tmp_path, old_report, capsys):
    outside = tmp_path / "elsewhere.ipynb"
    shutil.copyfile(FIXTURES / "ok.ipynb", outside)
    ref = os.path.relpath(outside, FIXTURES)  # ../../.. up and out
    err = rejected(tmp_path, old_report, capsys, [{"name": "out", "notebook": ref}])
    assert f"run 'out': notebook: '{ref}' is outside notebooks_dir (allowed: a .ipynb file in" in err


def test_yaml_alias_bomb_is_rejected_fast_with_a_short_message(tmp_path, old_report, capsys):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nruns: *a8\n")  # 10**9 values once expanded
    before = snapshot(old_report)
    t0 = time.monotonic()
    rc, out, err = run_main(["--runs", path, "--figures", old_report], capsys)
    assert rc == report.EXIT_INVALID and time.monotonic() - t0 < 5
    assert "bomb.yaml: more than 100000 values once its aliases (*name) are expanded" in err
    assert len(out) + len(err) < 1000 and snapshot(old_report) == before


def test_control_characters_from_the_run_list_are_escaped(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys,
                   [{"name": "bad\x1b[2Jname\x07", "notebook": "ok.ipynb", "paramters\x1b]0;x\x07": 1}])
    assert "\x1b" not in err and "\x07" not in err
    assert "'bad\\x1b[2Jname\\x07' must be lowercase" in err and "unknown key 'paramters\\x1b]0;x\\x07'" in err


def test_failed_line_keeps_every_line_of_the_error(tmp_path, old_report, capsys):
    """A notebook stopped by a DataError: the FAILED line (one line) keeps each FILE:ROW: COLUMN: problem."""
    from papermill.exceptions import PapermillExecutionError

    problems = ["2 problem(s) in the data files:", "/d/claims.csv:3: value: not a plain number: got '\x1b3'",
                "/d/claims.csv:9: group: unknown group (allowed: all)"]

    def data_error(input_path, output_path, **kwargs):
        shutil.copyfile(input_path, output_path)
        raise PapermillExecutionError(2, 3, "load()", "DataError", "\n".join(problems), [])

    before = report_files(old_report)
    runs = write_runs(tmp_path, [{"name": "tiny", "notebook": "ok.ipynb", "parameters": {"data_dir": "/d"}}])
    rc, out, _ = run_main(["--runs", runs, "--figures", old_report], capsys, execute=data_error)
    assert rc == report.EXIT_FAILED and report_files(old_report) == before
    m = FAILED_RE.search(out)
    assert m and m["where"] == "cell 3" and m["ename"] == "DataError"
    assert m["msg"] == ("2 problem(s) in the data files: | /d/claims.csv:3: value: not a plain number: got '\\x1b3' | "
                        "/d/claims.csv:9: group: unknown group (allowed: all)")


def test_committed_run_list_is_valid():
    runs = report.load_runs(config.RUNS_FILE)
    interactive = {"05-explore-statements.ipynb"}  # the live explorer: its charts are those of 01 and 03
    assert {r.notebook.name for r in runs} == {p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb")} - interactive
    assert len({r.name for r in runs}) == len(runs)
    report.validate_parameters(runs)


@pytest.mark.parametrize(("value", "annotation", "ok"), [
    ("x", "str", True), (3, "int", True), (3, "float", True), (3.5, "int", False), (True, "int", False),
    (True, "bool", True), (["a"], "list", True), (["a"], "list[str]", True), ([1], "List[str]", False),
    (None, "Optional[int]", True), (None, "int | None", True), ("x", "int | None", False),
    ({"a": 1}, "dict", True), ("anything", "None", True), ("anything", "MyType", True),
])
def test_annotation_check_of_a_notebook_without_a_model(value, annotation, ok):
    declared = {"v": {"inferred_type_name": annotation}}
    assert (check_run(Path("no-model.ipynb"), declared, {"v": value}, Path(".")) == []) == ok


# ------------------------------------------------------------------ lock, swap, recovery


def test_second_invocation_exits_while_locked(tmp_path, old_report, capsys):
    runs = write_runs(tmp_path, [{"name": "tiny", "notebook": "ok.ipynb"}])
    before = report_files(old_report)
    with report.report_lock(old_report):
        rc, _, err = run_main(["--runs", runs, "--figures", old_report], capsys)
    assert rc == report.EXIT_LOCKED
    assert f"(pid {os.getpid()})" in err and ".lock" in err and "wait for it to finish" in err
    assert report_files(old_report) == before


def _half_built(fig: Path) -> dict[str, bytes]:
    """A staged new report beside old_report; returns what the new report holds."""
    new = report.staging_dir(fig) / "new"
    (new / "new-run").mkdir(parents=True)
    (new / "new-run" / "chart.png").write_bytes(b"\x89PNG new")
    (new / "new-run.ipynb").write_text("{}\n")
    (new / "index.html").write_text("<p>new report</p>\n")
    (new / "manifest.json").write_text('{"new": true}\n')
    return report_files(new)


def test_recover_discards_an_unfinished_build(old_report):
    before = report_files(old_report)
    _half_built(old_report)
    assert "removed an unfinished report build" in report.recover(old_report)
    assert report_files(old_report) == before
    assert not report.staging_dir(old_report).exists()


def test_swap_exchanges_the_folders_and_keeps_what_the_runner_did_not_write(old_report, monkeypatch):
    import importlib

    swap_mod = importlib.import_module("analysis.report.swap")
    exchanged = []
    real_exchange = swap_mod._exchange
    monkeypatch.setattr(swap_mod, "_exchange", lambda a, b: exchanged.append(real_exchange(a, b)) or exchanged[-1])
    (old_report / ".failed").mkdir()
    (old_report / ".failed" / "x.ipynb").write_text("{}\n")
    (old_report / "README.md").write_text("not written by the runner\n")
    with report.report_lock(old_report):
        lock_inode = (old_report / report.LOCK).stat().st_ino
        new = _half_built(old_report)
        report.swap(old_report, report.staging_dir(old_report), replace=["index.html", "manifest.json", "old-run"])
        assert (old_report / report.LOCK).stat().st_ino == lock_inode  # the same lock file: still held
    assert report_files(old_report) == {**new, "README.md": b"not written by the runner\n"}
    assert (old_report / ".failed" / "x.ipynb").is_file()
    assert not report.staging_dir(old_report).exists()
    assert exchanged == [True], "swapped by the one atomic exchange, not the two-rename fallback"


# A stand-in for papermill that needs no kernel: the notebook unchanged as "executed", one chart
# (bytes depend on the parameters) and its sidecar. Lets the runner's own steps run in milliseconds.
def fake_execute(input_path, output_path, parameters, **kwargs):
    out = Path(parameters["output_dir"])
    shutil.copyfile(input_path, output_path)
    (out / "c.png").write_bytes(b"\x89PNG" + json.dumps(parameters.get("n", 3)).encode() * 50)
    side = {k: f"chart {k}" for k in report.SIDECAR_KEYS}
    side["files"] = ["c.png"]
    (out / "c.json").write_text(json.dumps(side))


def run_fake(args: list) -> int:
    return report.main([str(a) for a in args], execute=fake_execute)


def fake_runs(folder: Path, n: int = 3) -> Path:
    return write_runs(folder, [{"name": "one", "notebook": "ok.ipynb", "parameters": {"n": n}},
                               {"name": "two", "notebook": "ok.ipynb", "parameters": {"n": n + 1}}])


def assert_manifest_holds(fig: Path) -> dict:
    """Every file manifest.json lists exists with its sha256 (index.html included)."""
    manifest = json.loads((fig / "manifest.json").read_text())
    assert manifest["files"], manifest
    for rel, entry in manifest["files"].items():
        assert (fig / rel).is_file(), rel
        assert hashlib.sha256((fig / rel).read_bytes()).hexdigest() == entry["sha256"], rel
    return manifest


WRITES = {"os.rename", "os.link", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "shutil.rmtree"}


def _run_forked(args: list[str], kill_at: int | None, log: Path) -> int | None:
    """main(args) in a forked child that SIGKILLs itself at its kill_at-th filesystem write
    (audit events); returns its exit status, or None when it was killed. The child logs the events."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        import signal

        events = []

        def hook(event, hook_args):
            if event == "ctypes.dlsym":
                if hook_args[1] not in ("renameat2", b"renameat2"):
                    return
                event = "exchange"  # looked up right before the call that switches the report
            elif event == "open":
                mode, flags = hook_args[1], hook_args[2] or 0
                if not ((mode and any(c in mode for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR)):
                    return
            elif event not in WRITES:
                return
            events.append(event)
            if kill_at is not None and len(events) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        try:
            import tempfile

            tempfile.tempdir = str(log.parent)  # what a killed child leaves stays in the test's folder
            sys.addaudithook(hook)
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                os.dup2(null.fileno(), 2)
            rc = report.main(args, execute=fake_execute)
            log.write_text("\n".join(events))
        finally:
            os._exit(locals().get("rc", 99))
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None


def test_kill_at_any_write_leaves_a_complete_report(tmp_path, capsys):
    """SIGKILL the runner at its writes (the exchange included): after each kill, with no further
    run, every file manifest.json lists is there with its hash: the old report or the new one."""
    base = tmp_path / "base" / "figures"
    assert run_fake(["--runs", fake_runs(tmp_path, 3), "--figures", base]) == 0
    old_manifest = (base / "manifest.json").read_bytes()
    runs = fake_runs(tmp_path / "base", 7)
    probe = tmp_path / "probe" / "figures"
    shutil.copytree(base, probe)
    log = tmp_path / "events.log"
    assert _run_forked(["--runs", str(runs), "--figures", str(probe)], None, log) == 0
    events = log.read_text().splitlines()
    exchange = events.index("exchange") + 1  # 1-based: killed there, the exchange has not happened; one later, it has
    points = sorted(set(range(1, len(events) + 1, max(1, len(events) // 25))) | set(range(exchange - 3, exchange + 4)))
    states = set()
    for k in points:
        fig = tmp_path / f"k{k}" / "figures"
        shutil.copytree(base, fig)
        assert _run_forked(["--runs", str(runs), "--figures", str(fig)], k, log) is None, k
        manifest = assert_manifest_holds(fig)
        state = "old" if (fig / "manifest.json").read_bytes() == old_manifest else "new"
        assert manifest["runs"]["one"]["parameters"]["n"] == {"old": 3, "new": 7}[state]
        states.add(state)
    assert states == {"old", "new"}  # kills landed on both sides of the exchange
    # the next run cleans up after the last kill and completes
    assert run_fake(["--runs", runs, "--figures", fig]) == 0
    assert not report.staging_dir(fig).exists()
    assert assert_manifest_holds(fig)["runs"]["one"]["parameters"]["n"] == 7


# ------------------------------------------------------------ the filesystem says no


def test_figures_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "figures"
    target.write_text("a file\n")
    rc, _, err = run_main(["--runs", fake_runs(tmp_path), "--figures", target], capsys, execute=fake_execute)
    assert rc == report.EXIT_INVALID
    assert err.strip().splitlines() == [f"--figures: {target} is a file, not a folder (allowed: a folder, created when missing)"]
    assert target.read_text() == "a file\n" and sorted(p.name for p in tmp_path.iterdir()) == ["figures", "runs.yaml"]


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MB tmpfs at tmp_path/mnt (root only); unmounted afterwards."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_read_only_figures_folder(small_tmpfs, tmp_path, capsys):
    fig = small_tmpfs / "figures"
    runs = fake_runs(tmp_path)
    assert run_fake(["--runs", runs, "--figures", fig]) == 0
    capsys.readouterr()
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    before = snapshot(small_tmpfs)
    rc, out, err = run_main(["--runs", runs, "--figures", fig], capsys, execute=fake_execute)
    assert rc == 0 and "report unchanged" in out and err == ""  # nothing to do: no need to write
    rc, out, err = run_main(["--runs", runs, "--figures", fig, "--force"], capsys, execute=fake_execute)
    assert rc == report.EXIT_UNWRITABLE
    assert err.strip().splitlines() == [
        f"cannot write the report: {report.staging_dir(fig)}: Read-only file system (the figures folder and the "
        f"folder it is in must be writable); the previous report in {fig} is unchanged"]
    assert snapshot(small_tmpfs) == before


def test_full_disk_is_one_line_not_a_retry_and_leaves_nothing(small_tmpfs, tmp_path, capsys):
    fig = small_tmpfs / "figures"
    runs = fake_runs(tmp_path)
    assert run_fake(["--runs", runs, "--figures", fig]) == 0
    capsys.readouterr()
    before = snapshot(small_tmpfs)
    calls = []

    def fills_the_disk(input_path, output_path, parameters, **kwargs):
        calls.append(input_path)
        shutil.copyfile(input_path, output_path)
        (Path(parameters["output_dir"]) / "big.png").write_bytes(b"x" * 2_000_000)

    rc, out, err = run_main(["--runs", runs, "--figures", fig, "--force", "--jobs", "1"], capsys, execute=fills_the_disk)
    assert rc == report.EXIT_NO_SPACE
    assert len(calls) == 2 and "retry" not in out  # each run tried once: a full disk is not a kernel start failure
    for run in ("one", "two"):  # the message may name the file the disk was full for (runs can overlap)
        line = next(ln for ln in out.splitlines() if ln.startswith(f"FAILED {run} "))
        assert line.startswith(f"FAILED {run} on a full disk OSError: [Errno 28] No space left on device")
        assert line.endswith("-> (no notebook was written)")
    assert err.strip().splitlines() == [
        f"no space left on the device holding {fig} ({fig}); the previous report in {fig} is unchanged, "
        "nothing of this run was left behind"]
    assert snapshot(small_tmpfs) == before  # no .staging, no .failed/*.tmp, the old report as it was


# ----------------------------------------------------------------------------- pages


def test_index_escapes_every_text():
    run = report.Run("r1", FIXTURES / "ok.ipynb", "ok.ipynb", {"source_id": SCRIPT}, description=SCRIPT)
    chart = {k: SCRIPT for k in report.SIDECAR_KEYS if k != "files"}
    chart["files"] = ['a"b.png']
    record = {"notebook": 'ok".ipynb', "parameters": {"source_id": SCRIPT}}
    page = report.build_index([(run, record, [chart])])
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f'alt="{pages.escape(SCRIPT)}"' in page
    assert 'src="r1/a%22b.png"' in page


def test_sidecar_checks(tmp_path):
    (tmp_path / "c.png").write_bytes(b"x")
    good = {k: "t" for k in report.SIDECAR_KEYS}
    good["files"] = ["c.png"]
    (tmp_path / "c.json").write_text(json.dumps(good))
    (tmp_path / "other.json").write_text('{"not": "a sidecar"}')
    assert [c["sidecar"] for c in report.read_sidecars(tmp_path)] == ["c.json"]
    for bad, why in [({**good, "files": ["../x.png"]}, "not a file in the run folder"),
                     ({**good, "files": ["gone.png"]}, "not a file in the run folder"),
                     ({k: v for k, v in good.items() if k != "alt_text"}, "missing key(s) alt_text")]:
        (tmp_path / "c.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=re.escape(why)):
            report.read_sidecars(tmp_path)


def test_runs_with_the_most_notebook_code_start_first(tmp_path):
    """A long run started last finishes alone on one core: the heaviest notebooks go first,
    equal ones keep the run-list order, an unreadable notebook counts as empty."""
    from analysis.report.cli import heaviest_first

    def notebook(name: str, code: list[str]) -> Path:
        cells = [{"cell_type": "markdown", "source": "x" * 10_000, "metadata": {}}]
        cells += [{"cell_type": "code", "source": src, "metadata": {}, "outputs": []} for src in code]
        path = tmp_path / name
        path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
        return path

    small, big = notebook("small.ipynb", ["a = 1"]), notebook("big.ipynb", ["b = 2\n" * 50, "c = 3"])
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    runs = [report.Run(name, nb, nb.name, {}) for name, nb in
            (("s1", small), ("x", broken), ("b1", big), ("s2", small), ("b2", big))]
    assert [r.name for r in heaviest_first(runs)] == ["b1", "b2", "s1", "s2", "x"]


def test_no_more_kernels_at_once_than_jobs(tmp_path, capsys):
    """The pool has a thread more than --jobs (a run's export overlaps the next kernel), but
    never more than --jobs runs execute at once."""
    import threading

    lock, running, most = threading.Lock(), [0], [0]

    def counting_execute(input_path, output_path, parameters, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        fake_execute(input_path, output_path, parameters, **kwargs)

    runs = write_runs(tmp_path, [{"name": f"r{i}", "notebook": "ok.ipynb", "parameters": {"n": i}} for i in range(5)])
    rc, out, err = run_main(["--runs", runs, "--figures", tmp_path / "fig", "--jobs", 2], capsys, counting_execute)
    assert rc == 0, err
    assert most[0] == 2
    assert out.count("ok r") == 5


def test_inputs_change_with_data_code_and_parameters(tmp_path, frozen_code):
    data = tmp_path / "data"
    data.mkdir()
    (data / "claims.csv").write_text("a\n1\n")
    run = report.Run("r", FIXTURES / "ok.ipynb", "ok.ipynb", {"data_dir": str(data)})
    env = report.environment()

    def fp(run):
        return report.fingerprint(report.run_inputs(run, env, inputs.code_hashes(), {}))

    first = fp(run)
    assert fp(run) == first
    (data / "claims.csv").write_text("a\n2\n")
    second = fp(run)
    assert second != first
    (data / "dataset.yaml").write_text("title: x\n")  # the descriptor is data too: chart words come from it
    assert fp(run) != second
    (data / "README.md").write_text("notes\n")
    second = fp(run)
    (data / "README.md").write_text("other notes\n")
    assert fp(run) == second
    assert fp(report.Run("r", FIXTURES / "ok.ipynb", "ok.ipynb", {"data_dir": str(data), "n": 2})) != second
    assert fp(report.Run("renamed", FIXTURES / "ok.ipynb", "ok.ipynb", {"data_dir": str(data)})) == second
    # the code: a module added to (then changed in) the frozen copy of analysis/ changes every run's inputs
    added = frozen_code / "checks" / "zz_added_by_test.py"
    try:
        added.write_text("X = 1\n")
        with_module = fp(run)
        assert with_module != second
        added.write_text("X = 2\n")
        assert fp(run) not in (second, with_module)
    finally:
        added.unlink()
    assert fp(run) == second
    pinned = re.search(r"^papermill==(\S+)$", (config.ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert report.run_inputs(run, env, {}, {})["environment"]["packages"]["papermill"] == pinned.group(1)


def test_start_failure_retried_once_then_reported(tmp_path, old_report, capsys):
    """A kernel that never starts: one retry, then FAILED 'at kernel start'; no kernel needed."""
    calls = []

    def never_starts(input_path, output_path, **kwargs):
        calls.append(input_path)
        shutil.copyfile(input_path, output_path)  # what papermill saved before starting the kernel
        raise RuntimeError("Kernel died before replying to kernel_info")

    before = report_files(old_report)
    runs = write_runs(tmp_path, [{"name": "tiny", "notebook": "ok.ipynb"}])
    rc, out, _ = run_main(["--runs", runs, "--figures", old_report], capsys, execute=never_starts)
    assert rc == report.EXIT_FAILED and len(calls) == 2
    assert "retry tiny (kernel did not start: RuntimeError" in out
    m = FAILED_RE.search(out)
    assert m and m["run"] == "tiny" and m["where"] == "at kernel start" and m["ename"] == "RuntimeError"
    assert report_files(old_report) == before


# ----------------------------------------------------------------------- executing (slow)


@pytest.fixture(scope="module")
def base(tmp_path_factory, frozen_code):
    """A report of two ok.ipynb runs (one with script tags in its texts), built once."""
    root = tmp_path_factory.mktemp("base")
    data = root / "data"
    data.mkdir()
    (data / "claims.csv").write_text("claim_id,value\nc1,3\n")
    runs = [
        {"name": "tiny", "notebook": "ok.ipynb", "parameters": {"data_dir": str(data)}},
        {"name": "tiny-script", "notebook": "ok.ipynb", "description": f"About {SCRIPT}",
         "parameters": {"data_dir": str(data), "title": SCRIPT, "source_line": f"Said by {SCRIPT}", "n": 2}},
    ]
    fig = root / "figures"
    t0 = time.monotonic()
    rc = report.main(["--runs", str(write_runs(root, runs)), "--figures", str(fig)])
    assert rc == 0
    return {"fig": fig, "runs": runs, "seconds": time.monotonic() - t0, "data": data}


@pytest.fixture
def fig(base, tmp_path) -> Path:
    copy = tmp_path / "figures"
    shutil.copytree(base["fig"], copy)
    return copy


@pytest.mark.slow
def test_failing_notebook_leaves_old_report_and_keeps_failed_notebook(base, fig, tmp_path, capsys):
    import papermill

    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return papermill.execute_notebook(*args, **kwargs)

    before = report_files(fig)
    runs = write_runs(tmp_path, [*base["runs"], {"name": "broken-run", "notebook": "broken.ipynb"}])
    rc, out, err = run_main(["--runs", runs, "--figures", fig], capsys, execute=counting)
    assert rc == report.EXIT_FAILED
    assert report_files(fig) == before
    assert len(calls) == 1 and "retry" not in out  # a failure inside a cell is not retried
    m = FAILED_RE.search(out)
    assert m, out
    assert (m["run"], m["where"], m["ename"], m["msg"]) == ("broken-run", "cell 4", "ValueError", "broken on purpose")
    kept = Path(m["path"]) if Path(m["path"]).is_absolute() else config.ROOT / m["path"]
    assert kept == fig / ".failed" / "broken-run.ipynb"
    nb = json.loads(kept.read_text())
    failing = [c for c in nb["cells"] if any(o["output_type"] == "error" for o in c.get("outputs", []))]
    assert len(failing) == 1 and failing[0]["execution_count"] == 4  # "cell 4" is In [4] of the kept notebook
    assert failing[0]["outputs"][0]["ename"] == "ValueError"
    assert "report not updated" in err
    assert not report.staging_dir(fig).exists()


@pytest.mark.slow
def test_dead_kernel_and_cell_timeout_fail_cleanly(base, fig, tmp_path, capsys):
    before = report_files(fig)
    runs = write_runs(tmp_path, [
        *base["runs"],
        {"name": "dies", "notebook": "dies.ipynb"},
        {"name": "hangs", "notebook": "slow.ipynb", "parameters": {"seconds": 60.0}},
    ])
    t0 = time.monotonic()
    rc, out, _ = run_main(["--runs", runs, "--figures", fig, "--cell-timeout", "2"], capsys)
    assert rc == report.EXIT_FAILED and time.monotonic() - t0 < 30
    failed = {m["run"]: m for m in FAILED_RE.finditer(out)}
    assert failed["dies"]["where"] == "cell 3" and failed["dies"]["ename"] == "DeadKernelError"
    assert failed["hangs"]["where"] == "cell 3" and failed["hangs"]["ename"] == "CellTimeoutError"
    assert "retry" not in out
    assert report_files(fig) == before
    assert (fig / ".failed" / "dies.ipynb").is_file() and (fig / ".failed" / "hangs.ipynb").is_file()


@pytest.mark.slow
def test_killed_run_leaves_old_report_and_next_run_completes(base, fig, tmp_path):
    import tempfile

    psutil = pytest.importorskip("psutil")
    before = report_files(fig)
    sockets_before = set(Path(tempfile.gettempdir()).glob("report-ipc-*"))
    sleepy = {"name": "sleepy", "notebook": "slow.ipynb", "parameters": {"seconds": 60.0}}
    runs = write_runs(tmp_path, [sleepy])
    cmd = [sys.executable, "-m", "analysis.report", "--runs", str(runs), "--figures", str(fig)]
    proc = subprocess.Popen(cmd, cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    raw = report.staging_dir(fig) / "run" / "sleepy.ipynb"
    deadline = time.monotonic() + 60
    children = []
    try:
        while 3 not in report.started_cells(raw):  # cell 3 is the one that sleeps
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the run never got to its sleeping cell"
            time.sleep(0.2)
        children = psutil.Process(proc.pid).children(recursive=True)  # the kernel
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:  # the orphaned kernel, by its pid
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        proc.stdout.close()
        for left in set(Path(tempfile.gettempdir()).glob("report-ipc-*")) - sockets_before:
            shutil.rmtree(left, ignore_errors=True)  # the killed runner's socket folder: nothing removes it
    assert report_files(fig) == before  # the old report, byte for byte
    assert report.staging_dir(fig).exists()  # what the killed run left, cleaned up below

    sleepy["parameters"]["seconds"] = 0.1
    write_runs(tmp_path, [sleepy])
    done = subprocess.run(cmd, cwd=config.ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "removed an unfinished report build" in done.stderr
    assert "over TCP" not in done.stderr  # kernels talk over Unix sockets (IPC), no port
    assert re.search(r"^ok sleepy \d+\.\ds$", done.stdout, re.M)
    assert sorted(report_files(fig)) == ["index.html", "manifest.json", "sleepy.html", "sleepy.ipynb"]
    assert not report.staging_dir(fig).exists()


@pytest.mark.slow
def test_unchanged_runs_are_skipped_and_force_reruns_byte_identically(base, fig, tmp_path, capsys):
    runs = write_runs(tmp_path, base["runs"])
    before = snapshot(fig)
    t0 = time.monotonic()
    rc, out, _ = run_main(["--runs", runs, "--figures", fig], capsys)
    noop = time.monotonic() - t0
    assert rc == 0
    assert "skipped tiny (unchanged)" in out and "skipped tiny-script (unchanged)" in out
    assert "report unchanged" in out
    assert snapshot(fig) == before  # not even rewritten
    assert noop < base["seconds"] / 5, (noop, base["seconds"])

    rc, out, _ = run_main(["--runs", runs, "--figures", fig, "--force"], capsys)
    assert rc == 0 and re.search(r"^ok tiny \d", out, re.M) and re.search(r"^ok tiny-script \d", out, re.M)
    first = report_files(fig)
    rc, out, _ = run_main(["--runs", runs, "--figures", fig, "--force"], capsys)
    assert rc == 0 and "ok tiny " in out
    assert report_files(fig) == first  # two consecutive --force runs: byte-identical


@pytest.mark.slow
def test_only_changed_run_executes_and_others_are_carried(base, fig, tmp_path, capsys):
    changed = json.loads(json.dumps(base["runs"]))
    changed[0]["parameters"]["n"] = 5
    changed[1]["description"] = "new words"
    (fig / "README.md").write_text("not written by the runner\n")
    before = report_files(fig)
    rc, out, err = run_main(["--runs", write_runs(tmp_path, changed), "--figures", fig], capsys)
    assert rc == 0 and "ok tiny " in out and "skipped tiny-script (unchanged)" in out
    assert "README.md is not part of the report; left as it is" in err
    after = report_files(fig)
    assert after["README.md"] == before["README.md"]
    carried = [k for k in before if k.startswith("tiny-script")]
    assert carried and all(after[k] == before[k] for k in carried)
    assert after["tiny/tiny.png"] != before["tiny/tiny.png"]
    assert b"new words" in after["index.html"]

    # --only: only the named run may execute; the others stay as they are (even if stale)
    changed[1]["parameters"]["n"] = 4
    rc, out, _ = run_main(["--runs", write_runs(tmp_path, changed), "--figures", fig, "--only", "tiny", "--force"],
                          capsys)
    assert rc == 0 and "ok tiny " in out and "skipped tiny-script (not selected)" in out
    manifest = json.loads((fig / "manifest.json").read_text())
    assert manifest["runs"]["tiny-script"]["parameters"]["n"] == 2  # still describes the files it has


@pytest.mark.slow
def test_manifest_checksums_match_the_files(base):
    fig = base["fig"]
    manifest = json.loads((fig / "manifest.json").read_text())
    files = manifest["files"]
    on_disk = sorted(k for k in report_files(fig) if k != "manifest.json")
    assert sorted(files) == on_disk
    for rel, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((fig / rel).read_bytes()).hexdigest(), rel
    assert files["tiny/tiny.png"]["run"] == "tiny" and files["tiny/tiny.png"]["notebook"] == "ok.ipynb"
    assert files["tiny-script.html"]["parameters"]["title"] == SCRIPT
    inputs = manifest["runs"]["tiny"]["inputs"]
    assert inputs["notebook_sha256"] == hashlib.sha256((FIXTURES / "ok.ipynb").read_bytes()).hexdigest()
    data_file = base["data"] / "claims.csv"
    assert inputs["data"][data_file.as_posix()] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert inputs["code"] and all(k.endswith(".py") for k in inputs["code"])
    env = inputs["environment"]
    assert env["python"].endswith(".".join(map(str, sys.version_info[:3])))
    assert env["packages"]["papermill"] == "2.7.0" and "nbconvert" in env["packages"]
    text = (fig / "manifest.json").read_text()
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert not re.search(r"20\d\d-\d\d-\d\dT", text)  # no timestamps


@pytest.mark.slow
def test_report_pages_escape_script_and_list_every_chart(base):
    fig = base["fig"]
    index = (fig / "index.html").read_text()
    assert "<script" not in index
    assert index.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5  # title, alt, caption, source, params, description
    assert '<img src="tiny/tiny.png" alt="Bar chart titled A tiny chart with 3 bars">' in index
    assert '<img src="tiny-script/tiny.png"' in index and "Said by &lt;script&gt;" in index
    for name in ("tiny", "tiny-script"):
        page = (fig / f"{name}.html").read_text()
        assert "<script>alert" not in page
        assert 'writing to' in page and "output_dir = " not in page  # outputs shown, code hidden


@pytest.mark.slow
def test_executed_notebook_is_normalised(base):
    fig = base["fig"]
    text = (fig / "tiny.ipynb").read_text()
    nb = json.loads(text)
    assert text.endswith("}\n")
    assert "start_time" not in text and "end_time" not in text and '"duration"' not in text
    assert "input_path" not in text and "output_path" not in text and '"execution"' not in text
    assert ".staging" not in text
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected[0]["id"] == "injected-parameters"
    # recorded as the default report folder, whatever --figures was: bytes do not depend on it
    rel = os.path.relpath(config.FIGURES_DIR / "tiny", FIXTURES)
    assert f'output_dir = "{rel}"' in "".join(injected[0]["source"])
    assert nb["metadata"]["papermill"]["parameters"]["output_dir"] == rel
    assert "<object object at 0x...>" in text and "kernel cwd: fixtures" in text


@pytest.mark.slow
def test_kernel_start_failure_is_retried(base, fig, tmp_path, capsys):
    import papermill

    calls = []

    def flaky(input_path, output_path, **kwargs):
        calls.append(input_path)
        if len(calls) == 1:
            shutil.copyfile(input_path, output_path)
            raise TimeoutError("Kernel didn't respond in 60 seconds")
        return papermill.execute_notebook(input_path, output_path, **kwargs)

    changed = json.loads(json.dumps(base["runs"]))
    changed[0]["parameters"]["n"] = 4
    rc, out, _ = run_main(["--runs", write_runs(tmp_path, changed), "--figures", fig], capsys, execute=flaky)
    assert rc == 0, out
    assert len(calls) == 2 and "retry tiny (kernel did not start: TimeoutError" in out and "ok tiny " in out


@pytest.mark.slow
def test_a_pooled_kernel_is_the_kernel_nbclient_would_start_for_the_run(tmp_path):
    """Started ahead, it runs in the run's folder with its history in memory (not the user's
    history database), and is gone once released."""
    from jupyter_client import BlockingKernelClient
    from jupyter_core.utils import run_sync

    from analysis.report.execute import KERNEL_NAME
    from analysis.report.kernels import KernelPool, Sockets

    sockets = Sockets()
    pool = KernelPool([FIXTURES, tmp_path], 2, sockets, KERNEL_NAME)
    pool.start()
    try:
        assert pool.take(Path("/elsewhere")) is None  # no kernel for a folder it was not asked for
        km = pool.take(tmp_path)
        kc = BlockingKernelClient()
        kc.load_connection_info(km.get_connection_info())
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        outputs: list[str] = []
        reply = kc.execute_interactive(
            "import os; from IPython import get_ipython; print(os.getcwd(), get_ipython().history_manager.hist_file)",
            timeout=60, output_hook=lambda msg: outputs.append(msg["content"].get("text", "")))
        kc.stop_channels()
        assert reply["content"]["status"] == "ok"
        assert "".join(outputs).split() == [str(tmp_path), ":memory:"]
        pool.release(km)
        assert not km.has_kernel and not run_sync(km.is_alive)()
    finally:
        pool.close()
        sockets.close()


def _pools(monkeypatch) -> list:
    """Every KernelPool the runner makes from now on, with the kernel managers it started."""
    from analysis.report import kernels

    made = []
    init, start = kernels.KernelPool.__init__, kernels.KernelPool._start_next

    def recording_init(self, *args, **kwargs):
        made.append(self)
        self.started = []
        init(self, *args, **kwargs)

    def recording_start(self):
        before = list(self._ready)
        start(self)
        self.started += [km for _, km in self._ready if all(km is not k for _, k in before)]

    monkeypatch.setattr(kernels.KernelPool, "__init__", recording_init)
    monkeypatch.setattr(kernels.KernelPool, "_start_next", recording_start)
    return made


@pytest.mark.slow
def test_kernels_started_ahead_are_shut_down_when_the_parameters_are_rejected(base, fig, tmp_path, capsys,
                                                                               monkeypatch):
    """The pool starts kernels before the parameters are checked; a rejected run list leaves none running."""
    pools = _pools(monkeypatch)
    bad = json.loads(json.dumps(base["runs"]))
    bad[0]["parameters"]["n"] = "three"
    before = report_files(fig)
    rc, _, err = run_main(["--runs", write_runs(tmp_path, bad), "--figures", fig, "--force"], capsys)
    assert rc == report.EXIT_INVALID and "parameters rejected" in err
    assert len(pools) == 1 and len(pools[0].started) == 2  # --jobs 2: two kernels were booting
    assert all(not km.has_kernel for km in pools[0].started)
    assert report_files(fig) == before


@pytest.mark.slow
def test_no_room_for_the_kernels_sockets_is_a_full_disk_not_a_traceback(base, fig, tmp_path, capsys, monkeypatch):
    """The pool starts kernels before anything else: a full /tmp (no folder for their sockets)
    must end as the runner's full-disk exit, the report untouched, not as a traceback."""
    import errno

    from analysis.report import kernels

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "report-ipc-x"))

    monkeypatch.setattr(kernels.tempfile, "mkdtemp", full)
    before = report_files(fig)
    rc, out, err = run_main(["--runs", write_runs(tmp_path, base["runs"]), "--figures", fig, "--force"], capsys)
    assert rc == report.EXIT_NO_SPACE, out + err
    assert "no space left" in err and "Traceback" not in err
    assert report_files(fig) == before


def test_a_full_disk_that_is_not_the_reports_is_named_by_its_file(small_tmpfs, tmp_path, capsys, monkeypatch):
    """The temporary folder (the kernels' sockets) full while the report's own disk is not: the
    message names the full one, not the figures folder."""
    import errno

    from analysis.report import kernels

    fig = small_tmpfs / "figures"
    runs = fake_runs(tmp_path)
    assert run_fake(["--runs", runs, "--figures", fig]) == 0
    capsys.readouterr()
    before = snapshot(small_tmpfs)
    elsewhere = tmp_path / "report-ipc-x"  # tmp_path: another filesystem than the tmpfs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(elsewhere))

    monkeypatch.setattr(kernels.tempfile, "mkdtemp", full)
    rc, _, err = run_main(["--runs", runs, "--figures", fig, "--force"], capsys, execute=fake_execute)
    assert rc == report.EXIT_NO_SPACE
    assert err.strip().splitlines() == [
        f"no space left on the device holding {elsewhere} ({elsewhere}); the previous report in {fig} is unchanged, "
        "nothing of this run was left behind"]
    assert snapshot(small_tmpfs) == before


@pytest.mark.slow
def test_a_pooled_kernel_that_died_before_its_run_is_replaced(base, fig, tmp_path, capsys, monkeypatch):
    """A kernel started ahead can die before its run connects: the run gets a fresh kernel (the
    retry of a kernel that did not start), and the report comes out the same."""
    import signal

    from analysis.report import kernels

    pools = _pools(monkeypatch)
    take = kernels.KernelPool.take

    def take_dead(self, cwd):
        km = take(self, cwd)
        if km is not None:
            os.kill(km.provisioner.process.pid, signal.SIGKILL)
            km.provisioner.process.wait()
        return km

    monkeypatch.setattr(kernels.KernelPool, "take", take_dead)
    rc, out, _ = run_main(["--runs", write_runs(tmp_path, base["runs"]), "--figures", fig, "--force"], capsys)
    assert rc == 0, out
    assert out.count("retry ") == 2 and "kernel did not start" in out
    assert all(not km.has_kernel for km in pools[0].started)
    for name in ("tiny.ipynb", "tiny.html", "tiny-script.ipynb"):
        assert (fig / name).read_bytes() == (base["fig"] / name).read_bytes()


def test_a_print_split_into_two_stream_messages_normalises_like_one():
    import nbformat

    def executed(chunks):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('30 findings')")])
        nb.cells[0].id = "only-cell"
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in chunks]
        return nbformat.writes(nb)

    whole = report.normalise_notebook(executed(["30 findings\n"]), [])
    split = report.normalise_notebook(executed(["30 findings", "\n"]), [])
    assert split == whole
    other = report.normalise_notebook(executed(["30 findings", "\n", "more\n"]), [])
    assert '"30 findings\\nmore\\n"' in other.replace('",\n      "', "")


# ----------------------------------------------------------------- what changed since the previous report


def test_findings_flag_on_one_run_only_and_a_boolean(tmp_path, old_report, capsys):
    err = rejected(tmp_path, old_report, capsys, [{"name": "a", "notebook": "ok.ipynb", "findings": True},
                                                  {"name": "b", "notebook": "ok.ipynb", "findings": True}])
    assert "findings: true is set on 2 runs (a, b)" in err
    err = rejected(tmp_path, old_report, capsys, [{"name": "a", "notebook": "ok.ipynb", "findings": "yes"}])
    assert "run 'a': findings: expected true or false, got 'yes'" in err


def findings_doc(snapshot: dict, changes) -> str:
    return json.dumps({"format": 1, "run": "r", "snapshot": snapshot, "changes": changes})


SNAP = {"data_dir": "data", "statements": {"s": {"who": "A", "when": "1 Jan 2024"}},
        "figures": {"s-01": {"source": "s", "what": "Killed", "value": "5"}},
        "findings": [{"kind": "count_decreased", "severity": "high", "claim_ids": ["s-01", "t-01"],
                      "explanation": "Killed went down."}]}


def test_what_changed_says_nothing_in_one_line_and_counts_every_kind():
    from analysis.checks import KINDS
    from analysis.report import changes

    reworded = json.loads(json.dumps(SNAP))
    reworded["findings"][0]["explanation"] = "Killed went down, in other words."  # the same finding
    diff = changes.compare(SNAP, reworded, [])
    section = changes.section(findings_doc(reworded, diff))
    assert section["nothing"] and not section["lists"]
    run = report.Run("r", FIXTURES / "ok.ipynb", "ok.ipynb", {}, findings=True)
    page = report.build_index([(run, {"notebook": "ok.ipynb"}, [])], section)
    said = [line for line in page.splitlines() if "Nothing changed" in line]
    assert said == ["<p>Nothing changed since the previous report: no statement, figure or finding was added, "
                    "changed or resolved.</p>"]
    assert [k for _, k, _, _ in section["counts"]] == list(KINDS)  # every kind listed, the new ones too
    assert section["counts"][0][2:] == (1, 1)
    first = changes.section(findings_doc(SNAP, None))
    assert first["first"] and "No previous report" in report.build_index([(run, {"notebook": "ok.ipynb"}, [])], first)
    # a figure changed and a finding resolved
    changed = json.loads(json.dumps(SNAP))
    changed["figures"]["s-01"]["value"] = "6"
    changed["findings"] = []
    section = changes.section(findings_doc(changed, changes.compare(SNAP, changed, ["data/claims.csv"])))
    assert section["lists"] == [("Figures changed", ["s-01 (A, 1 Jan 2024): Killed: 5 -> 6"]),
                                ("Findings resolved", ["count went down (high): Killed went down. Claims: s-01, t-01."])]
    assert section["counts"][0][2:] == (0, 1) and section["data_files"] == ["data/claims.csv"]


@pytest.mark.slow
def test_what_changed_names_a_changed_figure_and_the_findings_it_adds_and_resolves(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("metrics.csv", "sources.csv", "claims.csv", "dataset.yaml"):
        shutil.copyfile(config.DATA_DIR / name, data / name)
    runs = write_runs(tmp_path, [{"name": "tiny", "notebook": "ok.ipynb", "findings": True,
                                  "parameters": {"data_dir": str(data)}}])
    fig = tmp_path / "figures"
    rc, out, err = run_main(["--runs", runs, "--figures", fig], capsys)
    assert rc == 0, out + err
    index = (fig / "index.html").read_text()
    assert "No previous report with a findings file to compare with" in index
    manifest = json.loads((fig / "manifest.json").read_text())
    assert manifest["files"]["findings.json"]["run"] == "tiny"
    kept = json.loads((fig / "findings.json").read_text())
    assert kept["changes"] is None and len(kept["snapshot"]["findings"]) > 50
    assert ("count_decreased", ["az-s37-2023-07-13-mfa-01", "az-s38-2023-07-21-aliyev-01"]) in [
        (f["kind"], f["claim_ids"]) for f in kept["snapshot"]["findings"]]

    # one figure changed in the copy of the data: the MFA's 303 casualties of 13 Jul 2023 becomes 299
    claims = (data / "claims.csv").read_text()
    row = "az-s37-2023-07-13-mfa-01,az-s37-2023-07-13-mfa,casualties,303,"
    assert claims.count(row) == 1
    (data / "claims.csv").write_text(claims.replace(row, row.replace(",303,", ",299,")))
    rc, out, err = run_main(["--runs", runs, "--figures", fig], capsys)
    assert rc == 0 and "ok tiny " in out, out + err
    index = (fig / "index.html").read_text()
    changed = index[index.index('<section id="changes">'):index.index("</section>")]
    assert f"data files changed: {data.as_posix()}/claims.csv" in changed
    assert "<h3>Figures changed (1)</h3>" in changed
    assert ("az-s37-2023-07-13-mfa-01 (Ministry of Foreign Affairs, 13 Jul 2023): Killed or injured (since the end "
            "of the war in 2020, from 10 Nov 2020): 303 -&gt; 299") in changed
    assert "<h3>Findings new (1)</h3>" in changed and "<h3>Findings resolved (1)</h3>" in changed
    new = changed[changed.index("Findings new"):changed.index("Findings resolved")]
    assert "went down from 302 (Ilham Aliyev, President, May 2023) to 299" in new
    assert "Claims: az-s35-2023-05-aliyev-02, az-s37-2023-07-13-mfa-01." in new
    resolved = changed[changed.index("Findings resolved"):]
    assert "went down from 303 (Ministry of Foreign Affairs, 13 Jul 2023) to nearly 300" in resolved
    assert "Statements added" not in changed

    # the same report again (forced): byte for byte, its section as it was
    before = report_files(fig)
    rc, out, _ = run_main(["--runs", runs, "--figures", fig, "--force"], capsys)
    assert rc == 0 and report_files(fig) == before
    rc, out, _ = run_main(["--runs", runs, "--figures", fig], capsys)
    assert rc == 0 and "report unchanged" in out


def changed_copy_of_data(tmp_path: Path) -> Path:
    """A copy of data/ in which the MFA's 303 casualties of 13 Jul 2023 become 299."""
    data = tmp_path / "d2"
    data.mkdir()
    for name in ("metrics.csv", "sources.csv", "claims.csv", "dataset.yaml"):
        shutil.copyfile(config.DATA_DIR / name, data / name)
    claims = (data / "claims.csv").read_text()
    row = "az-s37-2023-07-13-mfa-01,az-s37-2023-07-13-mfa,casualties,303,"
    assert claims.count(row) == 1
    (data / "claims.csv").write_text(claims.replace(row, row.replace(",303,", ",299,")))
    return data


@pytest.mark.slow
def test_findings_flag_moved_to_an_unchanged_run_recomputes_the_findings(tmp_path, capsys):
    d2 = changed_copy_of_data(tmp_path)
    fig = tmp_path / "figures"

    def runs(marked: str) -> Path:
        return write_runs(tmp_path, [
            {"name": "a", "notebook": "ok.ipynb", "findings": marked == "a", "parameters": {"data_dir": str(config.DATA_DIR)}},
            {"name": "b", "notebook": "ok.ipynb", "findings": marked == "b", "parameters": {"data_dir": str(d2)}}])

    rc, out, err = run_main(["--runs", runs("a"), "--figures", fig], capsys)
    assert rc == 0, out + err
    assert json.loads((fig / "findings.json").read_text())["run"] == "a"
    rc, out, err = run_main(["--runs", runs("b"), "--figures", fig], capsys)
    assert rc == 0 and "skipped a" in out and "skipped b" in out, out + err
    doc = json.loads((fig / "findings.json").read_text())
    assert doc["run"] == "b" and doc["snapshot"]["data_dir"] == d2.as_posix()
    assert json.loads((fig / "manifest.json").read_text())["files"]["findings.json"]["run"] == "b"
    assert doc["snapshot"]["figures"]["az-s37-2023-07-13-mfa-01"]["value"] == "299"


class Killed(BaseException):
    """Stands for a kill -9: nothing after it runs, no handler sees it."""


@pytest.mark.parametrize("second", ["finishes", "meets_an_error"])
def test_fallback_swap_killed_between_its_renames_loses_no_report(tmp_path, monkeypatch, second):
    import importlib

    swap_mod = importlib.import_module("analysis.report.swap")
    fig, clean = tmp_path / "figures", tmp_path / "clean"
    assert run_fake(["--runs", fake_runs(tmp_path, 3), "--figures", fig]) == 0
    old = report_files(fig)
    runs = fake_runs(tmp_path, 7)
    assert run_fake(["--runs", runs, "--figures", clean]) == 0
    new = report_files(clean)
    assert new != old

    rename = os.rename
    calls = []

    def killed_at_second_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise Killed
        rename(src, dst)

    monkeypatch.setattr(swap_mod, "_exchange", lambda a, b: False)  # no renameat2: the fallback
    monkeypatch.setattr(os, "rename", killed_at_second_rename)
    with pytest.raises(Killed):
        run_fake(["--runs", runs, "--figures", fig])
    monkeypatch.setattr(os, "rename", rename)
    assert not fig.exists() and swap_mod.mid_swap(report.staging_dir(fig))
    if second == "meets_an_error":
        # the next invocation's lock recreates the figures folder, then an error of the filesystem:
        # os_error must leave staging (the only copies) for the run after it
        with report.report_lock(fig):
            os_error = importlib.import_module("analysis.report.cli").os_error
            assert os_error(fig, OSError(13, "Permission denied", str(fig))) == report.EXIT_UNWRITABLE
        assert swap_mod.mid_swap(report.staging_dir(fig))

    def cannot_execute(*args, **kwargs):
        raise AssertionError("the interrupted run's report is complete: nothing to execute again")

    # the next run finishes the swap: the report of the killed run, nothing executed again
    assert report.main([str(a) for a in ["--runs", runs, "--figures", fig]], execute=cannot_execute) == 0
    assert report_files(fig) == new
    assert not report.staging_dir(fig).exists()
    assert_manifest_holds(fig)


def test_what_changed_keeps_a_finding_whose_claims_are_reordered_and_names_a_new_severity():
    from analysis.report import changes

    moved = json.loads(json.dumps(SNAP))
    moved["findings"][0]["claim_ids"] = ["t-01", "s-01"]  # a corrected date puts t-01 first
    diff = changes.compare(SNAP, moved, [])
    assert diff["findings_new"] == diff["findings_resolved"] == diff["findings_severity"] == []
    moved["findings"][0]["severity"] = "medium"
    diff = changes.compare(SNAP, moved, [])
    assert diff["findings_new"] == diff["findings_resolved"] == []
    section = changes.section(findings_doc(moved, diff))
    assert section["lists"] == [("Findings of another severity",
                                 ["count went down (high -> medium): Killed went down. Claims: t-01, s-01."])]
    assert section["counts"][0][2:] == (1, 1)
    # a findings file written before severities were compared still reads
    del diff["findings_severity"]
    assert changes.section(findings_doc(moved, diff))["nothing"]


@pytest.mark.slow
def test_what_changed_names_the_report_it_was_compared_with_and_keeps_it_on_reruns(tmp_path, capsys):
    import hashlib

    d2 = changed_copy_of_data(tmp_path)
    fig = tmp_path / "figures"

    def runs(data: Path, n: int) -> Path:
        return write_runs(tmp_path, [{"name": "s", "notebook": "ok.ipynb", "findings": True,
                                      "parameters": {"data_dir": str(data), "n": n}}])

    assert run_main(["--runs", runs(config.DATA_DIR, 1), "--figures", fig], capsys)[0] == 0
    baseline = hashlib.sha256((fig / "findings.json").read_bytes()).hexdigest()
    data_before = json.loads((fig / "manifest.json").read_text())["runs"]["s"]["inputs"]["data"]
    assert run_main(["--runs", runs(d2, 1), "--figures", fig], capsys)[0] == 0
    doc = json.loads((fig / "findings.json").read_text())
    assert doc["changes"]["compared_with"] == {"findings_sha256": baseline, "data": data_before}
    index = (fig / "index.html").read_text()
    section = index[index.index('<section id="changes">'):index.index("</section>")]
    assert "<h2>Changes at the last change of the data or the findings</h2>" in section
    assert f"Compared with the report whose findings.json had sha256 {baseline[:12]} (data files changed:" in section
    # another parameter, the same data: the run executes again, the section stays as it was, baseline included
    assert run_main(["--runs", runs(d2, 2), "--figures", fig], capsys)[0] == 0
    assert json.loads((fig / "findings.json").read_text())["changes"] == doc["changes"]
    again = (fig / "index.html").read_text()
    assert again[again.index('<section id="changes">'):again.index("</section>")] == section


def test_findings_file_and_statements_notebook_take_the_same_check_options():
    import nbformat

    from analysis.notebook_params import StatementsOverTime
    from analysis.report import changes

    assert changes.check_options({}) == {"same_days": 7, "stale_days": 365, "growth": 0.25,
                                         "related": ("casualties", "all", "reference"), "cross_kind": False}
    given = {"growth_pct": 50, "period_start": "2021-01-01", "cross_kind": True, "same_days": 0, "data_dir": "x",
             "theme": "dark"}
    opts = changes.check_options(given)
    assert opts == {"same_days": 0, "stale_days": 365, "growth": 0.5,
                    "related": ("casualties", "all", "2021-01-01"), "cross_kind": True}
    nb = nbformat.read(config.ROOT / "notebooks" / f"{StatementsOverTime.notebook}.ipynb", as_version=4)
    calls = [c.source for c in nb.cells if "find_inconsistencies(" in c.source]
    assert len(calls) == 1 and "**p.params.check_options()" in calls[0]


def test_findings_on_rejected_data_leave_the_report_as_it_was(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("metrics.csv", "sources.csv", "claims.csv", "dataset.yaml"):
        shutil.copyfile(config.DATA_DIR / name, bad / name)
    row = "az-s37-2023-07-13-mfa-01,az-s37-2023-07-13-mfa,casualties,303,"
    (bad / "claims.csv").write_text((bad / "claims.csv").read_text().replace(row, row.replace(",303,", ",lots,")))
    fig = tmp_path / "figures"

    def runs(marked: bool, n: int) -> Path:
        return write_runs(tmp_path, [{"name": "b", "notebook": "ok.ipynb", "findings": marked,
                                      "parameters": {"data_dir": str(bad), "n": n}}])

    assert run_fake(["--runs", runs(False, 1), "--figures", fig]) == 0
    before = snapshot(fig)
    for marked, n in ((True, 1), (True, 2)):  # the run carried, then executed again
        rc, out, err = run_main(["--runs", runs(marked, n), "--figures", fig], capsys, execute=fake_execute)
        assert rc == report.EXIT_FAILED, out + err
        assert "claims.csv" in err and "the findings of run 'b' could not be computed" in err
        assert snapshot(fig) == before and not report.staging_dir(fig).exists()


def test_a_figure_whose_wording_alone_changed_is_not_a_changed_figure():
    from analysis.report import changes

    def snap(value_words, data):
        return {"statements": {"s": {"who": "w", "when": "1 Jan 2024"}}, "findings": [],
                "figures": {"s-01": {"source": "s", "what": "area", "value": value_words, "data": data}}}

    unit_added = changes.compare(snap("at least 700", "x|700.0|at_least"), snap("at least 700 ha", "x|700.0|at_least"), [])
    assert unit_added["figures_changed"] == []
    corrected = changes.compare(snap("at least 700", "x|700.0|at_least"), snap("at least 760", "x|760.0|at_least"), [])
    assert [(f["before"], f["value"]) for f in corrected["figures_changed"]] == [("at least 700", "at least 760")]
