"""Independent counts: yearly series by collector and area, beside the official running totals.

Negative cases first; then the drawn numbers against claims.csv (read back from the chart's
artists by gid and from meta.values), gaps drawn as gaps, the source line, and the notebook
under papermill (slow).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from analysis import config, independent, independent_charts, load_context
from analysis.context import Context
from analysis.independent import official_vs_independent, yearly_series

matplotlib.use("agg")
NOTEBOOK = config.NOTEBOOKS_DIR / "04-compare-independent-counts.ipynb"


@pytest.fixture(scope="module")
def csv_values() -> dict[str, float]:
    """claim_id -> value, straight from data/claims.csv (not through the loader)."""
    with open(config.DATA_DIR / "claims.csv", encoding="utf-8") as f:
        return {r["claim_id"]: float(r["value"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def yearly(real_claims):
    # with the official counts the Monitor relays (ANAMA's), as the report draws it
    return yearly_series(real_claims, include_relayed=True, start_year=1999, end_year=2025)


@pytest.fixture(scope="module")
def yearly_chart(yearly):
    return independent.independent_yearly_chart(yearly, start_year=1999, end_year=2025)


@pytest.fixture(scope="module")
def comparison(real_claims):
    return official_vs_independent(real_claims, end="2026-12-31")


@pytest.fixture(scope="module")
def comparison_chart(comparison):
    return independent.official_vs_independent_chart(comparison)


def points(fig) -> dict[str, tuple]:
    """{gid: (axes index, x data, y data, marker)} for every Line2D that carries a claim id."""
    out = {}
    for i, ax in enumerate(fig.axes):
        for line in ax.lines:
            gid = line.get_gid()
            if gid and not gid.startswith(("line:", "window:")):
                assert gid not in out, f"two marks carry claim id {gid}"
                out[gid] = (i, np.asarray(line.get_xdata()), np.asarray(line.get_ydata(), float), line.get_marker())
    return out


def series_lines(fig) -> dict[str, tuple]:
    return {line.get_gid(): (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
            for ax in fig.axes for line in ax.lines if (line.get_gid() or "").startswith("line:")}


def svg_text(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


# ---------------------------------------------------------------- negative cases first


@pytest.mark.parametrize("selection", [{"collectors": ("Nobody counted this",)}, {"areas": ("Atlantis",)},
                                       {"start_year": 2030, "end_year": 2031}])
def test_a_selection_matching_nothing_raises_naming_what_exists_instead_of_drawing(real_claims, selection):
    rows = yearly_series(real_claims, **selection)
    assert rows.empty
    with pytest.raises(independent.SelectionError) as info:
        independent.independent_yearly_chart(rows)
    msg = str(info.value)
    assert msg.startswith("No calendar-year figures") and "Nothing is drawn rather than an empty chart" in msg
    what = next(iter(selection.values()))
    assert str(what[0] if isinstance(what, tuple) else what) in msg, "the message names the selection"
    # and what the data has instead: the collectors, areas and years found
    found = msg.split("In the data: ")[1]
    assert found.startswith("collectors ANAMA, ") and "AzCBL, " in found and "HALO Trust, " in found
    assert "areas Armenia (Republic of), Azerbaijan, " in found and "years 1990-1991, " in found


def test_a_comparison_matching_nothing_raises_naming_what_exists(real_claims):
    rows = official_vs_independent(real_claims, start="1990-01-01", end="1990-12-31")
    assert rows.empty
    with pytest.raises(independent.SelectionError, match=r"No official or independent figures.*"
                       r"official period starts .*2020-09-27, 2020-11-01, 2020-11-10"):
        independent.official_vs_independent_chart(rows)


@pytest.mark.parametrize("call", [yearly_series, official_vs_independent])
def test_unknown_metric_is_rejected_naming_the_allowed_ones(real_claims, call):
    with pytest.raises(independent.SelectionError, match=r"'victims'.*allowed: casualties, killed, injured"):
        call(real_claims, metric="victims")


def test_two_collectors_for_the_same_year_stay_two_rows_never_summed(yearly, yearly_chart):
    y2008 = yearly[(yearly.year == 2008) & (yearly.panel == "Azerbaijan")]
    assert sorted(zip(y2008.series, y2008.value, strict=True)) == [("ANAMA", 11.0), ("AzCBL", 16.0), ("AzCBL", 23.0)]
    # one row per (collector, area, year) and reported number: nothing merged across collectors or areas
    assert not yearly.duplicated(["claim_id"]).any()
    assert set(yearly.groupby(["series", "area", "year"]).on_line.sum()) == {1}
    _, meta = yearly_chart
    drawn_2008 = sorted(v.value for v in meta.values if v.period == "2008" and "Nagorno" not in v.label)
    assert drawn_2008 == [11.0, 16.0, 23.0]
    assert all(len(v.claim_ids) == 1 for v in meta.values), "every drawn value is one reported number"


def test_two_areas_of_one_collector_are_two_lines(yearly, yearly_chart):
    azcbl = yearly[yearly.series == "AzCBL"]
    assert set(azcbl.area) == {"Azerbaijan", "Azerbaijan excluding Nagorno-Karabakh"}
    lines = series_lines(yearly_chart[0])
    assert {"line:AzCBL:Azerbaijan", "line:AzCBL:Azerbaijan excluding Nagorno-Karabakh"} <= set(lines)


def test_nagorno_karabakh_is_its_own_panel(yearly, yearly_chart):
    fig, _ = yearly_chart
    drawn = points(fig)
    halo = yearly[yearly.series == "HALO Trust"]
    azcbl = yearly[yearly.series == "AzCBL"]
    assert set(halo.area) == {"Nagorno-Karabakh"}
    assert {drawn[c][0] for c in halo.claim_id} == {1}
    assert {drawn[c][0] for c in azcbl.claim_id} == {0}
    assert "Nagorno-Karabakh" in fig.axes[1].get_title(loc="left") and fig.axes[0].get_title(loc="left") == "Azerbaijan"


def test_comparison_leaves_out_other_areas(real_claims):
    rows = official_vs_independent(real_claims, start="2010-01-01", end="2011-12-31")
    ctx = load_context()
    assert ctx.panel_of("Nagorno-Karabakh") != "Azerbaijan"  # the mapping below can tell the areas apart
    assert set(rows.area.map(ctx.panel_of)) == {"Azerbaijan"}  # no HALO (Nagorno-Karabakh), no Armenia
    assert "ind-monitor-2012-10-17-14" in set(rows.claim_id)  # AzCBL 2010


def test_a_count_over_several_years_is_not_drawn_as_one_year(real_claims):
    period = official_vs_independent(real_claims)
    period = period[period.panel == "period"]
    assert len(period), "the data has counts for one year or part of one"
    cid = period.claim_id.iloc[0]
    claims = real_claims.copy()
    i = claims.index[claims.claim_id == cid][0]
    claims.loc[i, "period_end"] = claims.loc[i, "period_start"] + pd.DateOffset(years=3)
    claims.loc[i, "period_end_effective"] = claims.loc[i, "period_end"]
    rows = official_vs_independent(claims)
    assert cid not in set(rows.claim_id)
    assert any(t.startswith(cid) for t in rows.attrs["available"]["counts over more than a year (not drawn)"])
    # exactly one year stays
    claims.loc[i, "period_end"] = claims.loc[i, "period_start"] + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    claims.loc[i, "period_end_effective"] = claims.loc[i, "period_end"]
    assert official_vs_independent(claims).set_index("claim_id").loc[cid, "panel"] == "period"


def test_relayed_rows_are_left_out_by_default_and_kept_when_asked(real_claims):
    relayed = "ind-report-az-2025-12-26-03"  # ANAMA's count since Nov 2020, published by a victims' NGO
    assert relayed not in set(official_vs_independent(real_claims).claim_id)
    kept = official_vs_independent(real_claims, include_relayed=True).set_index("claim_id")
    assert kept.loc[relayed, "role"] == "relayed" and kept.loc[relayed, "panel"] == "cumulative"
    fig, meta = independent.official_vs_independent_chart(kept.reset_index())
    assert relayed in points(fig)
    assert independent_charts.RELAYED.strip() in svg_text(fig)
    # the yearly selection applies the same rule: ANAMA's count as the Monitor cites it is an official count
    assert bool(real_claims.set_index("claim_id").loc["ind-monitor-2013-11-22-01", "relays_official"])  # ANAMA 2009
    assert "ind-monitor-2013-11-22-01" not in set(yearly_series(real_claims).claim_id)
    assert "ind-monitor-2013-11-22-01" in set(yearly_series(real_claims, include_relayed=True).claim_id)


def test_official_rows_never_enter_the_yearly_series(real_claims, yearly):
    kinds = real_claims.set_index("claim_id").loc[yearly.claim_id, "source_kind"]
    assert "official_statement" not in set(kinds.astype(str))


def test_only_whole_calendar_years(yearly):
    assert (yearly.period_start.dt.strftime("%m-%d") == "01-01").all()
    assert (yearly.period_end.dt.strftime("%m-%d") == "12-31").all()
    assert (yearly.period_start.dt.year == yearly.period_end.dt.year).all()
    assert "ind-today-az-azernews-2021-12-02-04" not in set(yearly.claim_id)  # Jan-Nov 2021: not a year


# ---------------------------------------------------------------- duplicate years: both kept, one on the line


def test_a_year_published_twice_keeps_both_and_the_line_uses_the_latest(yearly, yearly_chart):
    rows = yearly.set_index("claim_id")
    later, earlier = rows.loc["ind-monitor-2013-11-22-09"], rows.loc["ind-azcbl-2009-01"]  # AzCBL 2008: 23 vs 16
    assert later.on_line and not earlier.on_line
    assert "latest published" in later.note and "16" in later.note
    assert "the line uses 23" in earlier.note
    line_x, line_y = series_lines(yearly_chart[0])["line:AzCBL:Azerbaijan"]
    assert line_y[line_x == 2008] == [23.0]
    # same publication date: the collector's own publication is on the line, the copy is not
    assert rows.loc["ind-azcbl-2009-04"].on_line and not rows.loc["ind-igem-copy-of-monitor-2009-07"].on_line
    assert "own publication" in rows.loc["ind-azcbl-2009-04"].note


def test_a_superseded_figure_is_never_on_the_line(yearly):
    rows = yearly.set_index("claim_id")
    assert not rows.loc["ind-monitor-2017-07-13-09"].on_line  # HALO 2015: 7, revised to 5
    assert rows.loc["ind-monitor-2017-07-13-06"].on_line
    assert "superseded" in rows.loc["ind-monitor-2017-07-13-09"].note


# ---------------------------------------------------------------- the drawn numbers are the data


def test_yearly_points_equal_the_csv_values(yearly, yearly_chart, csv_values):
    fig, meta = yearly_chart
    drawn = points(fig)
    assert set(drawn) == set(yearly.claim_id)
    for r in yearly.itertuples():
        _, x, y, _ = drawn[r.claim_id]
        assert (x.tolist(), y.tolist()) == ([r.year], [csv_values[r.claim_id]])
    assert {v.claim_ids[0]: v.value for v in meta.values} == {c: csv_values[c] for c in yearly.claim_id}
    assert {v.claim_ids[0]: v.period for v in meta.values} == dict(zip(yearly.claim_id, yearly.year.astype(str),
                                                                       strict=True))


def test_comparison_points_equal_the_csv_values(comparison, comparison_chart, csv_values, real_claims):
    fig, meta = comparison_chart
    drawn = points(fig)
    assert set(drawn) == set(comparison.claim_id)
    # bottom panel: one row per count, its number written first in the row's label
    written = {t.get_gid()[len("label:"):]: t.get_text() for t in fig.axes[1].texts
               if (t.get_gid() or "").startswith("label:")}
    for r in comparison.itertuples():
        axis, _, y, _ = drawn[r.claim_id]
        assert axis == (0 if r.panel == "cumulative" else 1)
        if r.panel == "cumulative":
            assert y.tolist() in ([csv_values[r.claim_id]], [csv_values[r.claim_id]] * 2)
        else:
            number = f"{csv_values[r.claim_id]:,.0f}" if csv_values[r.claim_id].is_integer() else None
            assert number and written[r.claim_id].split("  ")[0].split()[-1] == number, written[r.claim_id]
    assert sorted(written) == sorted(comparison.claim_id[comparison.panel == "period"])
    assert {v.claim_ids[0]: v.value for v in meta.values} == {c: csv_values[c] for c in comparison.claim_id}
    official = analysis_official(real_claims)
    assert set(comparison[comparison.role == "official"].claim_id) == set(official.claim_id)
    assert "ind-menafn-azernews-2024-02-27-01" in drawn  # AzCBL 2023: 58, bottom panel


def test_period_counts_get_a_row_each_and_no_label_meets_another_or_leaves_the_figure(comparison, comparison_chart):
    """The bottom panel had labels stacked over one another where small counts bunched near zero."""
    fig, _ = comparison_chart
    bottom = fig.axes[1]
    period = comparison[comparison.panel == "period"]
    assert len(period) >= 5, "the data has several counts for one year or part of one"
    rows = {line.get_gid(): set(line.get_ydata()) for line in bottom.lines if line.get_gid() in set(period.claim_id)}
    assert sorted(y for ys in rows.values() for y in ys) == list(range(len(period)))  # one row each
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # the chart function closed its figure: draw it on a canvas of its own
    canvas.draw()
    renderer = canvas.get_renderer()
    page = fig.bbox
    boxes = [t.get_window_extent(renderer) for t in bottom.texts if (t.get_gid() or "").startswith("label:")]
    assert len(boxes) == len(period)
    for i, a in enumerate(boxes):
        assert page.x0 <= a.x0 and a.x1 <= page.x1, "a label runs off the figure"
        assert not any(a.overlaps(b) for b in boxes[i + 1:])
    relayed = period[period.role == "relayed"]
    for cid in relayed.claim_id:  # the bottom panel says so as the top one does
        assert independent_charts.RELAYED in next(t.get_text() for t in bottom.texts if t.get_gid() == f"label:{cid}")


@pytest.mark.parametrize(("end", "theme"), [("2021-06-30", "paper"), (None, "poster")])
def test_period_labels_stay_inside_the_panel_on_a_short_axis_or_a_large_theme(real_claims, end, theme):
    """Where a label fits on neither side of its bar it is wrapped, then kept inside the axes;
    it was cut off at the figure's edge (the number first, for a label placed on the left)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rows = official_vs_independent(real_claims, include_relayed=True, end=end)
    fig, _ = independent.official_vs_independent_chart(rows, theme=theme)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    bottom = fig.axes[1]
    box = bottom.get_window_extent(renderer)
    labels = [t for t in bottom.texts if (t.get_gid() or "").startswith("label:")]
    assert labels
    boxes = [t.get_window_extent(renderer) for t in labels]
    for t, b in zip(labels, boxes, strict=True):
        assert box.x0 - 0.5 <= b.x0 and b.x1 <= box.x1 + 0.5, t.get_text()
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def analysis_official(claims) -> pd.DataFrame:
    import analysis

    return analysis.series(claims, "casualties")


def test_official_points_sit_at_the_date_the_count_runs_to_with_the_window_drawn(comparison, comparison_chart):
    fig, _ = comparison_chart
    top = fig.axes[0]
    windows = {line.get_gid() for line in top.lines if (line.get_gid() or "").startswith("window:")}
    rows = comparison.set_index("claim_id")
    # a statement dated to a month: the window is drawn; one dated to a day: no window
    assert "window:az-s07-2021-06-aliyeva-01" in windows
    assert "window:az-s11-2021-06-23-aliyev-01" not in windows
    # a count the speaker dated earlier than the statement sits at that date
    assert rows.loc["az-s45-2023-09-20-unnamed-06", "x"] == pd.Timestamp("2021-12-14")
    assert rows.loc["az-s11-2021-06-23-aliyev-01", "x"] == pd.Timestamp("2021-06-23")


def test_qualifiers_are_marked(comparison_chart, comparison):
    drawn = points(comparison_chart[0])
    q = comparison.set_index("claim_id").qualifier.astype(str)
    markers = {str(q[c]): drawn[c][3] for c in q.index}
    assert markers["exact"] == "o" and markers["more_than"] == "^" and markers["about"] == "D"
    assert markers["up_to"] == "v"


def test_two_measures_are_two_panels_sharing_the_time_axis(comparison_chart):
    fig, meta = comparison_chart
    top, bottom = fig.axes[:2]
    assert top.get_shared_x_axes().joined(top, bottom)
    assert "since the ceasefire of 10 Nov 2020" in top.get_title(loc="left")
    assert "different measure" in bottom.get_title(loc="left")
    assert "different measure" in meta.subtitle


# ---------------------------------------------------------------- gaps are gaps


def test_no_line_bridges_a_year_without_a_figure(yearly_chart):
    lines = series_lines(yearly_chart[0])
    x, y = lines["line:AzCBL:Azerbaijan"]
    assert np.isfinite(y[x == 2013]).all() and np.isfinite(y[x == 2023]).all()
    assert np.isnan(y[(x > 2013) & (x < 2023)]).all(), "the line breaks between 2013 and 2023"
    for gid, (x, y) in lines.items():
        assert (np.diff(x) == 1).all(), f"{gid}: one x per year"
        assert np.isnan(y[(x >= 2017) & (x <= 2022)]).all(), f"{gid}: a segment spans 2016->2023"
        finite = np.flatnonzero(np.isfinite(y))
        # a segment is drawn only between neighbouring array entries, i.e. consecutive years
        for a, b in zip(finite[:-1], finite[1:], strict=True):
            if b == a + 1:
                assert x[b] - x[a] == 1


def test_the_gap_is_said_on_the_chart(yearly_chart):
    fig, meta = yearly_chart
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "no figure\nfound\n2017-2022" in texts
    assert "no figure for 1999-2002, 2014-2022, 2024-2025" in meta.alt_text


def test_each_line_is_labelled_with_its_collector_and_area_on_the_chart(yearly_chart):
    fig, _ = yearly_chart
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    for label in ("AzCBL\nAzerbaijan", "AzCBL\nAzerbaijan excl. Nagorno-Karabakh", "ANAMA (official count, relayed)\nAzerbaijan",
                  "Landmine Monitor headline\nAzerbaijan (Monitor profile)", "HALO Trust\nNagorno-Karabakh"):
        assert label in texts


def test_a_line_relaying_a_government_count_says_so(yearly, yearly_chart, real_claims):
    fig, meta = yearly_chart
    anama = yearly[yearly.series == "ANAMA"]
    assert len(anama) and anama.relays_official.all()
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "ANAMA (official count, relayed)\nAzerbaijan" in texts
    assert "(official count, relayed)" in svg_text(fig)
    anama_values = [v for v in meta.values if set(v.claim_ids) & set(anama.claim_id)]
    assert anama_values and all("official count, relayed" in v.label for v in anama_values)
    assert "ANAMA (Azerbaijan) (official count, relayed):" in meta.alt_text
    assert "official count, relayed" in meta.subtitle
    # a collector counting on its own is not marked
    azcbl = [v for v in meta.values if v.label.startswith("AzCBL")]
    assert azcbl and not any("relayed" in v.label for v in azcbl)
    # without the relayed rows nothing is marked
    _, plain = independent.independent_yearly_chart(yearly_series(real_claims, start_year=1999, end_year=2025))
    assert "relayed" not in plain.alt_text and "relayed" not in plain.subtitle


# ---------------------------------------------------------------- attribution


def test_source_line_names_the_collectors_and_publishers(yearly_chart, comparison_chart, comparison):
    _, meta = yearly_chart
    for who in ("AzCBL", "ANAMA (as cited by Monitor)", "HALO Trust (per Monitor)",
                "Landmine and Cluster Munition Monitor (ICBL-CMC)", "MENAFN / AzerNews, 27 Feb 2024"):
        assert who in meta.source_line
    assert meta.source_line.startswith("Reported by ")
    footer_a = yearly_chart[0].texts[-1].get_text().replace("\n", " ")  # the drawn footer, its line breaks joined
    assert "Counted by: ANAMA (as cited by Monitor); AzCBL;" in footer_a
    assert "Counted by:" in svg_text(yearly_chart[0])
    fig_b, meta_b = comparison_chart
    assert "Aykhan Hajizada" in meta_b.source_line and "AzCBL (annual research report)" in meta_b.source_line
    footer = fig_b.texts[-1].get_text().replace("\n", " ")
    n = comparison[comparison.role == "official"].source_id.nunique()
    assert n == 82  # with the 2026 update (58 before), to the statement of 13 Mar 2026
    assert f"Azerbaijani officials in {n} statements" in footer and "13 Mar 2026" in footer and "Counted by:" in footer


def test_tables_list_every_row(yearly, comparison):
    t = independent.series_table(yearly)
    assert len(t) == len(yearly) and list(t.claim) == list(yearly.claim_id)
    assert {"collector (series)", "area", "year", "value", "qualifier", "source", "note"} <= set(t.columns)
    c = independent.comparison_table(comparison)
    assert len(c) == len(comparison)


def test_collected_by_spellings_map_onto_a_few_labels(real_claims):
    ctx = load_context()
    assert ctx.series_label("AzCBL (as cited by Monitor)") == "AzCBL"
    assert ctx.series_label("ANAMA (as cited by Monitor)") == "ANAMA"
    assert Context().series_label("AzCBL (as cited by Monitor)") == "AzCBL (as cited by Monitor)", \
        "without a descriptor no spelling is folded into another"
    unmapped = "Monitor (2019 casualty map, as described)"
    assert ctx.series_label(unmapped) == unmapped  # never folded into a collector's series
    rows = yearly_series(real_claims, collectors=None)
    assert unmapped in set(rows.series) and unmapped not in set(yearly_series(real_claims).series)


# ---------------------------------------------------------------- the notebook (slow)


def run(out: Path, **parameters) -> nbformat.NotebookNode:
    out.mkdir(parents=True, exist_ok=True)
    parameters.setdefault("output_dir", str(out / "charts"))
    pm.execute_notebook(str(NOTEBOOK), str(out / "executed.ipynb"), parameters=parameters, kernel_name="python3", execution_timeout=300,
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False, log_output=False)
    return nbformat.read(out / "executed.ipynb", as_version=4)


@pytest.mark.slow
@pytest.mark.parametrize("parameters", [{}, {"metric": "killed", "include_relayed": True, "start_year": 2005,
                                             "end_year": 2025, "formats": ["svg"], "dpi": 100}],
                         ids=["defaults", "killed-relayed-from-2005"])
def test_notebook_runs_and_charts_the_data(tmp_path, parameters, csv_values):
    run(tmp_path, **parameters)
    charts_dir = tmp_path / "charts"
    formats = parameters.get("formats", ["png", "svg", "pdf"])
    for name in ("independent-yearly", "official-vs-independent"):
        assert sorted(p.name for p in charts_dir.glob(f"{name}.*")) == sorted(
            [f"{name}.json"] + [f"{name}.{f}" for f in formats])
        side = json.loads((charts_dir / f"{name}.json").read_text())
        assert side["values"] and "empty" not in side  # an empty selection raises instead
        for v in side["values"]:
            assert v["value"] == csv_values[v["claim_ids"][0]]
    side = json.loads((charts_dir / "independent-yearly.json").read_text())
    years = {int(v["period"]) for v in side["values"]}
    lo, hi = parameters.get("start_year", 1999), parameters.get("end_year", 2025)
    assert lo <= min(years) and max(years) <= hi
    b = json.loads((charts_dir / "official-vs-independent.json").read_text())
    ids = {v["claim_ids"][0] for v in b["values"]}
    assert ("ind-report-az-2025-12-26-04" in ids) == bool(parameters.get("include_relayed"))  # relayed 71 killed


BAD = [
    ({"metric": "victims"}, ["metric: unknown value 'victims'", "allowed: casualties, killed, injured"]),
    ({"start_year": 2020, "end_year": 2010}, ["start_year: 2020 is after end_year 2010",
                                              "allowed: start_year on or before end_year"]),
    ({"include_relayed": "yes"}, ["include_relayed: expected bool, got str 'yes'"]),
    ({"start_year": 1800}, ["start_year: 1800 is out of range (allowed: 1900..2100, or 0 for the first year"]),
    ({"end_year": 3000}, ["end_year: 3000 is out of range (allowed: 0..2100)"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("parameters", "expected"), BAD, ids=["metric", "years-reversed", "bool", "range", "range-type"])
def test_bad_parameter_fails_in_the_validation_cell(tmp_path, parameters, expected):
    with pytest.raises(pm.PapermillExecutionError) as info:
        run(tmp_path, **parameters)
    assert info.value.ename == "ParameterError"
    for text in expected:
        assert text in info.value.evalue
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    validation = [c for c in nb.cells if c.cell_type == "code"][2]  # parameters, injected, validation
    assert "from_namespace(globals())" in validation.source and validation.outputs[0]["ename"] == "ParameterError"
    assert not (tmp_path / "charts").exists(), "nothing saved when parameters are bad"


def test_the_officials_label_counts_statements_not_figures(real_claims):
    rows = official_vs_independent(real_claims, "injured", include_relayed=True)
    off = rows[(rows.panel == "cumulative") & (rows.role == "official")]
    assert len(off) > off.source_id.nunique()  # one statement here gives two injured figures
    _, meta = independent.official_vs_independent_chart(rows)
    assert f"{len(off)} figures in {off.source_id.nunique()} statements" in meta.alt_text
