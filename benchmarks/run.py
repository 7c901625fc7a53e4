"""Benchmarks: prints ratios measured in one run on this machine (not a test; no assertions).

    python benchmarks/run.py            (or: make bench)   about 3-4 minutes on 2 cores

1. full report vs a plain sequential loop of `papermill` command-line runs over the same runs
   (what a user would do without the runner)                                   target <= 0.35x
2. full report vs the floor: sum over runs of (kernel start + the notebook's cells,
   imports included) divided by the cores                                      target <= 1.3x
   (the runner's own work, nbconvert's exports and the findings, comes on top; starting
   kernels ahead of their runs hides part of their start, which the floor counts in full)
3. no-op regeneration vs full report                                          target <= 0.05x
4. `import analysis` + load + validate all data vs `import pandas` + `read_csv`
   of the same files (fresh interpreters, median of 5)                         target <= 1.5x
5. validation, the timeline chart and the consistency checks (cross_kind on), on synthetic
   claim sets of 1k, 10k, 100k rows:
   linear (100k <= 10x the 10k time)
6. the analyst's loop: each notebook's second Run All in a warm kernel (as in JupyterLab),
   against its first                       target <= 1 s (01, 02), <= 3 s (03, 04, 05)

Everything runs in temporary folders; the committed report under figures/ is not touched.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
CORES = os.cpu_count() or 1


def timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t


def line(label: str, ratio: float, target: str, ok: bool, detail: str) -> None:
    print(f"{label:<58} {ratio:6.2f}x  target {target:<8} {'met' if ok else 'MISSED'}   ({detail})", flush=True)


# ---------------------------------------------------------------- 4. import + load + validate


def bench_import() -> None:
    files = [str(ROOT / "data" / n) for n in ("metrics.csv", "sources.csv", "claims.csv")]
    ours = [PY, "-c", "import analysis; analysis.load_claims()"]
    plain = [PY, "-c", f"import pandas as pd; [pd.read_csv(f) for f in {files!r}]"]
    timed(ours), timed(plain)  # warm the file cache and bytecode
    a = statistics.median(timed(ours) for _ in range(5))
    b = statistics.median(timed(plain) for _ in range(5))
    line("4. import analysis + load + validate vs pandas read_csv", a / b, "<= 1.5", a / b <= 1.5,
         f"{a:.2f}s vs {b:.2f}s")
    # where the difference goes: the imports alone
    imp = [PY, "-X", "importtime", "-c", "import analysis.data"]  # the package itself imports on first use
    out = subprocess.run(imp, capture_output=True, text=True).stderr.splitlines()
    top = {}
    for row in out[1:]:
        parts = row.split("|")
        if len(parts) == 3 and parts[2].strip() in ("pandas", "pandera", "pandera.pandas", "analysis.data", "numpy"):
            top[parts[2].strip()] = int(parts[1]) / 1e6
    print("   cumulative import seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(top.items())), flush=True)


# ---------------------------------------------------------------- 5. scaling on synthetic sets


def synthetic(n: int, dest: Path) -> Path:
    """n claims made by repeating the real ones under new ids (sources repeated alongside)."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "metrics.csv", dest / "metrics.csv")
    # the descriptor too (reference date, labels); its default statement under the repeated ids
    descriptor = (ROOT / "data" / "dataset.yaml").read_text(encoding="utf-8")
    descriptor = re.sub(r"^default_statement: (\S+)", r"default_statement: \1-x0", descriptor, flags=re.M)
    (dest / "dataset.yaml").write_text(descriptor, encoding="utf-8")
    with open(ROOT / "data" / "sources.csv", encoding="utf-8") as f:
        sources = list(csv.DictReader(f))
    with open(ROOT / "data" / "claims.csv", encoding="utf-8") as f:
        claims = list(csv.DictReader(f))
    out_s, out_c, k = [], [], 0
    while len(out_c) < n:
        for r in sources:
            out_s.append(r | {"source_id": f"{r['source_id']}-x{k}"})
        for r in claims:
            sid = f"{r['source_id']}-x{k}"  # claim ids keep the form <source_id>-NN
            out_c.append(r | {"claim_id": sid + r["claim_id"][len(r["source_id"]):], "source_id": sid})
        k += 1
    for name, rows in (("sources.csv", out_s), ("claims.csv", out_c[:n])):
        with open(dest / name, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return dest


def bench_scaling(tmp: Path) -> None:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    import analysis
    from analysis import checks, timeline

    sizes = (1_000, 10_000, 100_000)
    val, chart, found = {}, {}, {}
    for n in sizes:
        d = synthetic(n, tmp / f"syn{n}")
        reps = 3 if n < 100_000 else 1
        t = time.perf_counter()
        for _ in range(reps):
            claims = analysis.load_claims(d)
        val[n] = (time.perf_counter() - t) / reps
        t = time.perf_counter()
        for _ in range(reps):
            s = timeline.official_series(claims)
            o = timeline.official_series(claims, ["casualties"], period_start=None)
            fig, _ = timeline.casualties_timeline(s, o, timeline.implied_rates(s), highlight="aa-2024-hajizada-x0")
            fig.savefig(io.BytesIO(), format="png", dpi=100)
            plt.close(fig)
        chart[n] = (time.perf_counter() - t) / reps
        t = time.perf_counter()
        for _ in range(reps):
            checks.find_inconsistencies(claims, cross_kind=True)
        found[n] = (time.perf_counter() - t) / reps
        print(f"   {n:>7,} claims: load + validate {val[n]:6.2f}s   timeline chart {chart[n]:6.2f}s   "
              f"consistency checks {found[n]:6.2f}s", flush=True)
    for label, t in (("validation", val), ("timeline chart", chart), ("consistency checks", found)):
        r = t[100_000] / t[10_000]
        line(f"5. {label}: 100k rows vs 10k rows", r, "<= 10", r <= 10, f"{t[10_000]:.2f}s -> {t[100_000]:.2f}s")


# ---------------------------------------------------------------- 1-3. the report


def bench_report(tmp: Path) -> None:
    import json

    import jupyter_client
    import nbformat
    import papermill as pm
    import yaml

    from analysis import config
    from analysis.report.kernels import Sockets

    runs = yaml.safe_load(config.RUNS_FILE.read_text())["runs"]
    figures = tmp / "figures"
    full = timed([PY, "-m", "analysis.report", "--figures", str(figures), "--force"], cwd=ROOT)
    noop = timed([PY, "-m", "analysis.report", "--figures", str(figures)], cwd=ROOT)

    # what a user would do without the runner: papermill's command line, one run after another
    seq_out = tmp / "seq"
    seq_out.mkdir()
    pm_cli = str(Path(PY).with_name("papermill"))
    seq = 0.0
    for run in runs:
        args = [pm_cli, run["notebook"], str(seq_out / f"{run['name']}.ipynb"), "-k", "python3",
                "-p", "output_dir", str(seq_out / run["name"])]
        for k, v in (run.get("parameters") or {}).items():
            args += ["-y", json.dumps({k: v})]
        seq += timed(args, cwd=config.NOTEBOOKS_DIR)

    # the floor: kernel start + the cells' own time (imports included), over the cores
    sockets = Sockets()  # kernels on Unix sockets, as the runner's: no TCP port, no "without encryption" warning
    starts = []
    for _ in range(3):
        t = time.perf_counter()
        km = jupyter_client.KernelManager(kernel_name="python3", config=sockets.config())
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        starts.append(time.perf_counter() - t)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    start = statistics.median(starts)
    cells = 0.0
    for run in runs:
        out = tmp / "floor" / f"{run['name']}.ipynb"
        out.parent.mkdir(exist_ok=True)
        pm.execute_notebook(str(config.NOTEBOOKS_DIR / run["notebook"]), str(out), kernel_name="python3",
                            parameters=(run.get("parameters") or {}) | {"output_dir": str(tmp / "floor" / run["name"])},
                            cwd=str(config.NOTEBOOKS_DIR), progress_bar=False, config=sockets.config())
        nb = nbformat.read(out, as_version=4)
        cells += sum(c.metadata.get("papermill", {}).get("duration") or 0 for c in nb.cells)
    sockets.close()
    floor = (len(runs) * start + cells) / CORES
    print(f"   {len(runs)} runs: full report {full:.1f}s, no-op {noop:.2f}s, papermill CLI loop {seq:.1f}s; "
          f"kernel start {start:.2f}s each, cells {cells:.1f}s in all, {CORES} cores -> floor {floor:.1f}s", flush=True)
    line("1. full report vs sequential papermill CLI loop", full / seq, "<= 0.35", full / seq <= 0.35, f"{full:.1f}s vs {seq:.1f}s")
    line("2. full report vs floor (kernel start + cells) / cores", full / floor, "<= 1.3", full / floor <= 1.3,
         f"{full:.1f}s vs {floor:.1f}s")
    line("3. no-op regeneration vs full report", noop / full, "<= 0.05", noop / full <= 0.05, f"{noop:.2f}s vs {full:.1f}s")
    # where the time above the floor goes: one-time costs in the runner's own process
    bare = statistics.median(timed([PY, "-c", "pass"]) for _ in range(3))
    pm_import = statistics.median(timed([PY, "-c", "import papermill"]) for _ in range(3)) - bare
    pm_runner = statistics.median(timed([PY, "-c", "import sys; sys.modules['rfc3987_syntax'] = None; "
                                              "import papermill"]) for _ in range(3)) - bare
    first_html = statistics.median(timed([PY, "-c", (
        "import nbformat, time; from analysis.report import export_html; t = time.perf_counter(); "
        "export_html(nbformat.writes(nbformat.v4.new_notebook()), 'x')")]) for _ in range(3)) - bare
    print(f"   one-time costs in the runner: interpreter {bare:.2f}s, import papermill {pm_runner:.2f}s "
          f"({pm_import:.2f}s in a plain interpreter: nbformat -> jsonschema -> rfc3987_syntax's grammars, "
          f"which the runner goes without), first nbconvert export incl. imports {first_html:.2f}s "
          "(overlapped with the kernels); not counted in the floor", flush=True)


# ---------------------------------------------------------------- 6. Run All again in a warm kernel

RERUN_TARGETS = {"01": 1.0, "02": 1.0, "03": 3.0, "04": 3.0, "05": 3.0}


def bench_rerun(tmp: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    from analysis.report.kernels import Sockets

    os.environ["ANALYSIS_OUTPUT_DIR"] = str(tmp / "rerun")  # the kernels inherit it
    sockets = Sockets()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": str(path.parent)}},
                                config=sockets.config())
        times = []
        with client.setup_kernel():
            for _ in range(3):
                t = time.perf_counter()
                for i, cell in enumerate(nb.cells):
                    client.execute_cell(cell, i)
                times.append(time.perf_counter() - t)
        again = min(times[1:])
        target = RERUN_TARGETS.get(path.name[:2], 3.0)
        line(f"6. second Run All, {path.stem[:36]}", again / target, f"<= {target:g}s", again <= target,
             f"{again:.2f}s, first {times[0]:.2f}s")
    sockets.close()


def main() -> None:
    t0 = time.perf_counter()
    print(f"Benchmarks on {CORES} cores, Python {sys.version.split()[0]}", flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "--skip-report" not in sys.argv:
            bench_report(tmp)
        bench_import()
        bench_scaling(tmp)
        bench_rerun(tmp)
    print(f"done in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
