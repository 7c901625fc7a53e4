"""Every chart, table and check runs on two datasets: the committed data/ and a FICTIONAL one
(tests/datasets/ruritania: its own reference date, officials, collectors, areas and shares).

Charts on both draw exactly the numbers in their CSVs; nothing drawn for the second one names
the first one's country, war, reference date or speakers (they come from dataset.yaml and the
rows, never from the code).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import matplotlib
import pandas as pd
import papermill as pm
import pytest

import analysis
from analysis import charts, checks, config, independent, timeline
from analysis.data import start_window

matplotlib.use("agg")
ROOT = Path(__file__).resolve().parents[1]
DATASETS = {"committed": ROOT / "data", "fictional": ROOT / "tests" / "datasets" / "ruritania"}
SECOND = DATASETS["fictional"]


def _speakers(folder: Path) -> set[str]:
    """Who spoke in a dataset, less the generic offices any country has ("Ministry of Foreign Affairs")."""
    with open(folder / "sources.csv", encoding="utf-8") as f:
        names = {r["speaker"] for r in csv.DictReader(f) if r["speaker"]}
    return {n for n in names if n != "Ministry of Foreign Affairs" and not n.startswith(("not named", "unnamed"))}


# what the committed dataset is about: none of it may reach a chart of another dataset
FIRST_WORDS = ["Azerbaij", "Armenia", "Karabakh", "10 Nov 2020", "2020-11-10", "ceasefire", "AzCBL", "ANAMA",
               "HALO", "minefield"] + sorted(_speakers(DATASETS["committed"]))


def csv_values(folder: Path) -> dict[str, float]:
    with open(folder / "claims.csv", encoding="utf-8") as f:
        return {r["claim_id"]: float(r["value"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="module", params=list(DATASETS))
def dataset(request):
    folder = DATASETS[request.param]
    return folder, analysis.load_claims(folder), analysis.load_context(folder)


def all_charts(claims, ctx):
    """Every chart the notebooks draw, with the descriptor's defaults: [(fig, meta)]."""
    stmt = analysis.statement(claims, ctx.default_statement)
    since = timeline.official_series(claims, ["casualties", "killed"])
    open_start = timeline.official_series(claims, ["casualties"], period_start=None)
    return [
        charts.casualty_counts(stmt),
        charts.map_accuracy_split(stmt),
        timeline.casualties_timeline(since, open_start, timeline.implied_rates(since), highlight=ctx.default_statement),
        independent.independent_yearly_chart(independent.yearly_series(claims)),
        independent.official_vs_independent_chart(independent.official_vs_independent(claims)),
    ]


def svg_text(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=charts.METADATA["svg"])
    return buf.getvalue()


def chart_words(fig, meta) -> str:
    """Every word a reader can see or hear: the SVG's text and the meta (title, subtitle, source
    line, alt text, caption, labels and periods of the values)."""
    svg = re.sub(r"<[^>]+>", " ", svg_text(fig))
    return svg + "\n" + json.dumps(meta.__dict__, default=lambda o: o.__dict__, ensure_ascii=False)


# ---------------------------------------------------------------- negative cases first


def test_the_second_dataset_names_nothing_of_the_first():
    claims, ctx = analysis.load_claims(SECOND), analysis.load_context(SECOND)
    texts = [chart_words(fig, meta) for fig, meta in all_charts(claims, ctx)]
    stmt = analysis.statement(claims, ctx.default_statement)
    comparison = independent.official_vs_independent(claims)
    findings = checks.find_inconsistencies(claims)
    tables = [charts.statement_table(stmt), independent.series_table(independent.yearly_series(claims)),
              independent.comparison_table(comparison), checks.findings_table(findings),
              timeline.rows_behind(findings, claims)]
    texts += [t.to_csv() for t in tables]
    for text in texts:
        leaked = [w for w in FIRST_WORDS if w.lower() in text.lower()]
        assert not leaked, f"names the first dataset: {leaked}"
    # and it does name its own
    joined = "\n".join(texts)
    assert "Ruritanian officials" in joined and "peace accord of 23 Jun 2016" in joined and "23 Jun 2016" in joined


def test_the_test_guards_itself_the_first_dataset_would_fail_it():
    claims, ctx = analysis.load_claims(DATASETS["committed"]), analysis.load_context(DATASETS["committed"])
    fig, meta = all_charts(claims, ctx)[4]
    text = chart_words(fig, meta)
    assert "Azerbaijani officials" in text and "10 Nov 2020" in text and "ceasefire" in text


def test_the_second_dataset_with_the_first_descriptor_would_be_caught():
    """Passing the wrong descriptor is visible: the words follow the context, not the code."""
    claims = analysis.load_claims(SECOND)
    since = timeline.official_series(claims, period_start="2016-06-23")
    _, meta = timeline.casualties_timeline(since, since.iloc[0:0], timeline.implied_rates(since),
                                           context=analysis.load_context())
    assert "Azerbaijani officials" in meta.title


# ---------------------------------------------------------------- both datasets


def test_every_chart_draws_the_numbers_of_its_csv(dataset):
    folder, claims, ctx = dataset
    values = csv_values(folder)
    for _fig, meta in all_charts(claims, ctx):
        reported = [v for v in meta.values if not v.derived]
        assert reported, f"{meta.name}: nothing drawn"
        for v in reported:
            assert v.value == values[v.claim_ids[0]], (meta.name, v.claim_ids)
        for v in meta.values:
            if v.derived:
                assert v.formula and all(cid.split("~")[0] in values for cid in v.claim_ids), (meta.name, v)
        assert meta.title and meta.subtitle and meta.source_line.startswith("Reported") and meta.alt_text
        assert meta.title in meta.alt_text


def drawn_numbers(fig) -> dict[str, set[float]]:
    """What the figure itself draws, read off its artists: {gid: numbers}. A point or line at its
    height, a bar by its length, a row of the period panel by the number its label writes, a
    scatter point (the timeline's: linked to its claim by url) at its height."""
    out: dict[str, set[float]] = {}
    for ax in fig.axes:
        for coll in ax.collections:
            urls = coll.get_urls()
            if urls and urls[0]:
                for url, (_, y) in zip(urls, coll.get_offsets(), strict=True):
                    out.setdefault(url.lstrip("#"), set()).add(float(y))
        written = {t.get_gid()[len("label:"):]: t.get_text() for t in ax.texts
                   if (t.get_gid() or "").startswith("label:")}
        for line in ax.lines:
            gid = line.get_gid()
            if gid and not gid.startswith(("line:", "window:")) and gid not in written:
                out.setdefault(gid, set()).update(float(y) for y in line.get_ydata())
        for patch in ax.patches:  # horizontal bars by length; the timeline's rate bars by height
            gid = patch.get_gid()
            if gid:
                out.setdefault(gid, set()).add(float(patch.get_height() if gid.startswith("rate:") else patch.get_width()))
        for cid, text in written.items():
            out.setdefault(cid, set()).add(float(re.search(r"\d[\d,]*(?:\.\d+)?", text).group().replace(",", "")))
    return out


def test_every_mark_draws_the_number_of_its_csv_row(dataset):
    """Read back from the drawn artists, not from the chart's own record of what it drew."""
    folder, claims, ctx = dataset
    values = csv_values(folder)
    for fig, meta in all_charts(claims, ctx):
        drawn = drawn_numbers(fig)
        marks = {gid: numbers for gid, numbers in drawn.items() if gid in values}
        assert marks, f"{meta.name}: no mark carries a claim id"
        wrong = {gid: (numbers, values[gid]) for gid, numbers in marks.items() if numbers != {values[gid]}}
        assert not wrong, f"{meta.name}: {wrong}"
        reported = {v.claim_ids[0] for v in meta.values if not v.derived}
        assert reported <= set(marks), f"{meta.name}: in the record but not drawn: {reported - set(marks)}"
        derived_marks = {n for gid, numbers in drawn.items() if "~" in gid or gid.startswith("rate:")
                         for n in numbers}  # <claim>~<what>, rate:<claim>><claim>
        assert derived_marks == {v.value for v in meta.values if v.derived}, meta.name


def test_the_official_series_starts_at_each_datasets_reference_date(dataset):
    _, claims, ctx = dataset
    s = timeline.official_series(claims)
    first, last = start_window(s)  # a start given as a month or year is a window that contains it
    ref = pd.Timestamp(ctx.reference.start)
    assert len(s) and ((first <= ref) & (last >= ref)).all()
    assert (first == ref).any()


def test_checks_find_the_stale_share_of_each_dataset(dataset):
    _, claims, ctx = dataset
    found = checks.find_inconsistencies(claims)
    stale = found[found.kind == "stale_figure"]
    assert len(stale) and set(stale.metric) <= set(ctx.stale_metrics)
    assert all(ctx.since() in text for text in stale.explanation)


def test_empty_selections_raise_naming_the_datasets_own_collectors_and_periods(dataset):
    _, claims, ctx = dataset
    nothing = independent.yearly_series(claims, collectors=["Nobody"])
    with pytest.raises(independent.SelectionError) as info:
        independent.independent_yearly_chart(nothing)
    assert all(c in str(info.value) for c in ctx.default_collectors)
    none = timeline.official_series(claims, speakers=["Nobody"])
    with pytest.raises(charts.SelectionError, match=f"period starts {ctx.reference.day}"):
        timeline.casualties_timeline(none, none, timeline.implied_rates(none))


# ---------------------------------------------------------------- the notebooks on the second dataset


NOTEBOOKS = sorted(p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_chart_the_second_dataset_without_naming_the_first(tmp_path, name):
    out = tmp_path / "charts"
    pm.execute_notebook(str(config.NOTEBOOKS_DIR / name), str(tmp_path / "out.ipynb"),
                        parameters={"data_dir": str(SECOND), "output_dir": str(out), "formats": ["svg"]},
                        kernel_name="python3", execution_timeout=300, cwd=str(config.NOTEBOOKS_DIR), progress_bar=False, log_output=False)
    values = csv_values(SECOND)
    sides = sorted(out.glob("*.json"))
    assert sides
    for side_path in sides:
        side = json.loads(side_path.read_text(encoding="utf-8"))
        reported = [v for v in side["values"] if not v["derived"]]
        assert reported and all(v["value"] == values[v["claim_ids"][0]] for v in reported)
        text = side_path.read_text(encoding="utf-8") + side_path.with_suffix(".svg").read_text(encoding="utf-8")
        leaked = [w for w in FIRST_WORDS if w.lower() in text.lower()]
        assert not leaked, f"{side_path.name} names the first dataset: {leaked}"
    # the page a report would publish: the notebook's text and every output, run on defaults from dataset.yaml
    nb = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    page = json.dumps([c["source"] for c in nb["cells"]] + [c.get("outputs", []) for c in nb["cells"]])
    leaked = [w for w in FIRST_WORDS if w.lower() in page.lower()]
    assert not leaked, f"{name} run on the second dataset names the first: {leaked}"


def test_derived_rows_keep_their_dataset_so_the_checks_read_its_descriptor(dataset):
    """derive() built its result with pd.concat, which drops the data folder: the checks then ran
    without the dataset's descriptor (no reference date) and refused the rows."""
    folder, claims, ctx = dataset
    derived = analysis.derive(claims)
    assert derived.attrs.get("data_dir") == claims.attrs["data_dir"]
    found = checks.find_inconsistencies(derived)  # no context= given: read from the rows' folder
    assert len(found) and set(found.kind) <= set(checks.KINDS)
