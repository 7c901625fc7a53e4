"""Charts draw the numbers in the data, mark what is derived or bounded, and save reproducibly."""

from __future__ import annotations

import json
import re

import matplotlib
import pandas as pd
import pytest

import analysis
from analysis import charts

matplotlib.use("agg")
SEED = "aa-2024-hajizada"
CTX = analysis.load_context()  # the descriptor of the committed data/


def casualty_counts(rows, **kw):
    return charts.casualty_counts(rows, context=CTX, **kw)


def map_accuracy_split(rows, **kw):
    return charts.map_accuracy_split(rows, context=CTX, **kw)


@pytest.fixture(scope="module")
def claims():
    return analysis.load_claims()


def bars(fig):
    """{gid: (width, hatch)} for every drawn bar that carries a claim id."""
    out = {}
    for ax in fig.axes:
        for patch in ax.patches:
            if patch.get_gid():
                out[patch.get_gid()] = (patch.get_width(), patch.get_hatch())
    return out


def svg_text(fig) -> str:
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=charts.METADATA["svg"])
    return buf.getvalue()


# ---------------------------------------------------------------- negative cases first


def test_statement_without_casualties_raises_naming_its_metrics_instead_of_drawing_zero(claims):
    rows = analysis.statement(claims, "az-s91-2025-04-hajizada")  # shares and mines only
    with pytest.raises(charts.SelectionError, match=r"reports no casualty counts.*its metrics are .*map_accuracy_pct"):
        casualty_counts(rows)


def test_statement_without_shares_raises_naming_the_shares(claims):
    rows = analysis.statement(claims, "az-s88-2024-12-12-aliyev")
    with pytest.raises(charts.SelectionError, match=r"no share of a whole \(map_accuracy_pct, "):
        map_accuracy_split(rows)


def test_without_a_descriptor_no_share_is_known_and_no_rest_is_made_up(claims):
    """Which percent is a share of a whole is the descriptor's to say: without one, no 100% minus it."""
    rows = analysis.statement(claims, SEED).copy()
    rows.attrs.clear()  # rows not loaded from a folder (built in memory): no descriptor to read
    with pytest.raises(charts.SelectionError, match="the descriptor lists no shares"):
        charts.map_accuracy_split(rows)
    assert not any(cid.endswith("~rest") for cid in analysis.derive(rows).claim_id)
    assert sum(cid.endswith("~rest") for cid in analysis.derive(rows, context=CTX).claim_id) == 2


def test_unknown_format_raises_and_writes_nothing(claims, tmp_path):
    fig, meta = casualty_counts(analysis.statement(claims, SEED))
    with pytest.raises(charts.ChartError, match=r"gif.*allowed: png, svg, pdf"):
        charts.save_figure(fig, meta, tmp_path / "out", ["png", "gif"])
    assert not (tmp_path / "out").exists()


def test_unknown_theme_raises(claims):
    with pytest.raises(charts.ChartError, match="allowed: paper, notebook, talk, poster"):
        casualty_counts(analysis.statement(claims, SEED), theme="dark")


# ---------------------------------------------------------------- the seed statement


def test_casualty_bars_equal_the_data_and_derived_are_hatched(claims):
    rows = analysis.statement(claims, SEED)
    fig, meta = casualty_counts(rows)
    drawn = bars(fig)
    by_id = rows.set_index("claim_id")
    # every reported bar is as long as its number in claims.csv, solid
    for cid in ["aa-2024-hajizada-03", "aa-2024-hajizada-04", "aa-2024-hajizada-06"]:
        assert drawn[cid] == (by_id.loc[cid, "value"], None)
    # derived: injured = 342 - 65, others killed = 65 - 50, hatched
    assert drawn["aa-2024-hajizada-04~injured"] == (277.0, "///")
    assert drawn["aa-2024-hajizada-05~others"] == (15.0, "///")
    # civilians + others make exactly the reported killed
    assert drawn["aa-2024-hajizada-06"][0] + drawn["aa-2024-hajizada-05~others"][0] == by_id.loc["aa-2024-hajizada-05", "value"]
    derived = {v.label: v for v in meta.values if v.derived}
    assert set(derived) == {"Injured", "Killed: others (not civilian)"}
    assert derived["Injured"].claim_ids == ("aa-2024-hajizada-04", "aa-2024-hajizada-05")


def test_casualty_chart_shows_lower_bound_period_and_source(claims):
    fig, meta = casualty_counts(analysis.statement(claims, SEED))
    text = svg_text(fig)
    assert "more than 3,400" in text  # the qualifier is on the chart, not dropped
    assert "Since 10 Nov 2020" in text and "No start date given" in text  # periods unmistakable
    assert "277 (derived)" in text
    footer = " ".join(" ".join(t.get_text() for t in fig.texts).split())  # the footer is wrapped to the width
    assert "Aykhan Hajizada" in text and "Anadolu Agency" in text
    assert "21 Jan-12 Feb 2024 (date inferred)" in footer
    assert meta.source_line.startswith("Reported by Aykhan Hajizada, Ministry of Foreign Affairs of Azerbaijan")
    for cid in ("aa-2024-hajizada-03", "aa-2024-hajizada-04~injured"):
        assert f'id="{cid}"' in text  # numbers can be traced from the SVG to their claims
    assert "more than 3,400" in meta.alt_text and "derived" in meta.alt_text


def test_split_bars_equal_the_data_and_rest_is_derived(claims):
    rows = analysis.statement(claims, SEED)
    fig, meta = map_accuracy_split(rows)
    drawn = bars(fig)
    assert drawn["aa-2024-hajizada-01"] == (25.0, None)
    assert drawn["aa-2024-hajizada-01~rest"] == (75.0, "///")
    assert drawn["aa-2024-hajizada-02"] == (55.0, None)
    assert drawn["aa-2024-hajizada-02~rest"] == (45.0, "///")
    text = svg_text(fig)
    assert "nearly 55%" in text and "about 45% (derived)" in text and 'said: "only"' in text
    assert "Aykhan Hajizada" in text


def test_reported_injured_is_drawn_not_derived(claims):
    rows = analysis.statement(claims, "az-s88-2024-12-12-aliyev")  # states 382, 70 killed, 312 injured
    fig, meta = casualty_counts(rows)
    injured = [v for v in meta.values if v.label == "Injured"]
    assert len(injured) == 1 and not injured[0].derived and injured[0].value == 312
    assert not any(gid.endswith("~injured") for gid in bars(fig))


# ---------------------------------------------------------------- saving


def test_save_figure_bytes_identical_run_to_run(claims, tmp_path):
    rows = analysis.statement(claims, SEED)
    outputs = []
    for run in ("a", "b"):
        fig, meta = casualty_counts(rows)
        charts.save_figure(fig, meta, tmp_path / run)
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / run).iterdir())})
    assert list(outputs[0]) == ["casualty-counts.json", "casualty-counts.pdf", "casualty-counts.png", "casualty-counts.svg"]
    assert outputs[0] == outputs[1]
    svg = outputs[0]["casualty-counts.svg"].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"CreationDate" not in outputs[0]["casualty-counts.pdf"]


def test_sidecar_json_matches_the_chart(claims, tmp_path):
    fig, meta = map_accuracy_split(analysis.statement(claims, SEED))
    charts.save_figure(fig, meta, tmp_path, ["svg"])
    side = json.loads((tmp_path / "map-accuracy-split.json").read_text())
    assert side["files"] == ["map-accuracy-split.svg"]
    assert [v["value"] for v in side["values"]] == [25.0, 75.0, 55.0, 45.0]
    assert [v["derived"] for v in side["values"]] == [False, True, False, True]
    assert side["source_line"] == meta.source_line


# ---------------------------------------------------------------- text helpers


@pytest.mark.parametrize(
    ("early", "late", "inferred", "expected"),
    [
        ("2024-12-12", "2024-12-12", False, "12 Dec 2024"),
        ("2021-06-01", "2021-06-30", False, "Jun 2021"),
        ("2024-01-21", "2024-02-12", True, "21 Jan-12 Feb 2024 (date inferred)"),
        ("2021-12-01", "2022-01-05", False, "1 Dec 2021-5 Jan 2022"),
    ],
)
def test_fmt_window(early, late, inferred, expected):
    assert charts.fmt_window(pd.Timestamp(early), pd.Timestamp(late), inferred) == expected


@pytest.mark.parametrize(
    ("years", "expected"),
    [([2011], "2011"), ([2022, 2017, 2018, 2019, 2020, 2021, 2018], "2017-2022"),
     ([1999, 2000, 2001, 2002, 2024, 2025], "1999-2002, 2024-2025"), ([2019, 2021], "2019, 2021"), ([], "")],
)
def test_fmt_years_joins_runs_of_years(years, expected):
    from analysis.text import fmt_years

    assert fmt_years(years) == expected


@pytest.mark.parametrize(
    ("value", "qualifier", "unit", "expected"),
    [(3400, "more_than", "", "more than 3,400"), (55, "nearly", "percent", "nearly 55%"), (342, "exact", "", "342"),
     (12.5, "about", "", "about 12.5"), (40, "about", "ha", "about 40 ha"), (342, "exact", "people", "342")],
)
def test_fmt_value_keeps_qualifiers(value, qualifier, unit, expected):
    assert charts.fmt_value(value, qualifier, unit) == expected


def test_every_unit_is_a_count_or_has_a_suffix():
    from analysis import vocab
    from analysis.text import fmt_number

    assert set(vocab.COUNT_UNITS) | set(vocab.UNIT_SUFFIX) == set(vocab.UNITS)
    assert not set(vocab.COUNT_UNITS) & set(vocab.UNIT_SUFFIX)
    for unit in set(vocab.UNITS) - set(vocab.COUNT_UNITS):
        assert fmt_number(7, unit) != "7", f"a number of {unit} prints with no unit"


def test_statement_table_lists_every_claim_and_derived_value(claims):
    table = charts.statement_table(analysis.statement(claims, SEED), context=CTX)
    assert len(table) == 6 + 4
    derived = table[table.derived == "derived"]
    assert sorted(derived.value) == ["15", "277", "75%", "about 45%"]
    assert all(re.search(r"\d", f) for f in derived["how derived"])


def test_a_start_known_to_a_month_is_written_as_that_month_not_its_first_day(claims):
    """N02 counts from "November 2020" (a month): table and chart say 'since Nov 2020', not '1 Nov 2020'."""
    rows = analysis.statement(claims, "az-n02-2026-01-28-pgo")
    month = rows[rows.period_start_latest.notna() & (rows.period_start != rows.period_start_latest)]
    assert len(month), "the statement has a start known to a month"
    table = charts.statement_table(rows, context=CTX)
    periods = set(table.set_index("claim").loc[list(month.claim_id), "period"])
    assert periods == {"since Nov 2020, to the statement's date"}
    assert not any("1 Nov 2020" in p for p in table.period)
    fig, meta = casualty_counts(rows)
    assert {v.period for v in meta.values if set(v.claim_ids) & set(month.claim_id)} == periods
    assert "Since Nov 2020" in " ".join(ax.get_title(loc="left") for ax in fig.axes)


def test_fmt_period_writes_day_month_and_year_starts():
    from analysis.text import fmt_period

    day, end = pd.Timestamp("2020-11-10"), pd.Timestamp("2024-12-12")
    assert fmt_period(day, end) == "since 10 Nov 2020, to 12 Dec 2024"
    assert fmt_period(day, pd.NaT, day) == "since 10 Nov 2020, to the statement's date"
    assert fmt_period(pd.Timestamp("2020-11-01"), end, pd.Timestamp("2020-11-30")) == "since Nov 2020, to 12 Dec 2024"
    assert fmt_period(pd.Timestamp("2020-01-01"), end, pd.Timestamp("2020-12-31")) == "since 2020, to 12 Dec 2024"
    assert fmt_period(pd.NaT, end) == "no start date given, to 12 Dec 2024"
    from analysis.text import fmt_window  # the one place a whole year is recognised (source lines, findings too)

    assert fmt_window("2025-01-01", "2025-12-31", inferred=True) == "2025 (date inferred)"
    assert fmt_window("2025-01-01", "2026-12-31") == "1 Jan 2025-31 Dec 2026"


def test_a_metric_stated_twice_gets_two_bars_and_nothing_derived_from_it(claims):
    rows = analysis.statement(claims, "az-s25-2022-10-25-mfa")  # gives killed as both 48 and 45
    fig, meta = casualty_counts(rows)
    drawn = bars(fig)
    assert drawn["az-s25-2022-10-25-mfa-03"][0] == 48 and drawn["az-s25-2022-10-25-mfa-05"][0] == 45
    assert [v.label for v in meta.values if v.label.startswith("Killed (")] == [
        "Killed (1 of 2 figures stated)", "Killed (2 of 2 figures stated)"]
    assert not any(v.derived for v in meta.values), "no injured or others derived from an ambiguous killed"
    assert meta.source_line.startswith("Reported by Ministry of Foreign Affairs of Azerbaijan, via")


def test_a_share_stated_twice_gets_two_bars_each_with_its_rest(claims):
    rows = analysis.statement(claims, SEED)
    twice = rows[rows.metric == "map_accuracy_pct"].copy()
    twice["claim_id"] = "aa-2024-hajizada-91"
    twice["value"] = 30.0
    fig, meta = map_accuracy_split(pd.concat([rows, twice]))
    drawn = bars(fig)
    assert drawn["aa-2024-hajizada-01~rest"] == (75.0, "///")
    assert drawn["aa-2024-hajizada-91"] == (30.0, None) and drawn["aa-2024-hajizada-91~rest"] == (70.0, "///")
    assert len([v for v in meta.values if not v.derived]) == 3


def test_more_than_share_has_a_less_than_rest(claims):
    rows = analysis.statement(claims, "az-s91-2025-04-hajizada")  # "over 55%"
    fig, meta = map_accuracy_split(rows)
    rest = [v for v in meta.values if v.derived and "inside" in v.label]
    assert [(v.value, v.qualifier) for v in rest] == [(45.0, "less_than")]
    assert "less than 45% (derived)" in svg_text(fig)


@pytest.mark.parametrize("source_id", [SEED, "az-s88-2024-12-12-aliyev", "az-n01-2026-03-13-mfa"])
def test_the_legend_sits_under_the_subtitle_and_above_the_panels(claims, source_id):
    rows = analysis.statement(claims, source_id)
    charts_ = [casualty_counts(rows)] + ([map_accuracy_split(rows)] if source_id == SEED else [])
    for fig, meta in charts_:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (legend,) = fig.legends
        sub = next(t for t in fig.texts if t.get_text().replace("\n", " ") == meta.subtitle)
        leg_box, sub_box = legend.get_window_extent(renderer), sub.get_window_extent(renderer)
        assert leg_box.y1 <= sub_box.y0 + 1, f"{meta.name}: the legend covers the subtitle"
        assert all(leg_box.y0 >= ax.get_tightbbox(renderer).y1 - 1 for ax in fig.axes), \
            f"{meta.name}: the legend covers a panel"
