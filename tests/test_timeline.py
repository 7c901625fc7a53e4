"""The statements-over-time series, its derived rates, its chart and notebook 03."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd
import papermill as pm
import pytest

import analysis
from analysis import config, timeline
from analysis.framing import SelectionError

matplotlib.use("agg")
NB = config.NOTEBOOKS_DIR / "03-chart-statements-over-time.ipynb"


@pytest.fixture(scope="module")
def claims():
    return analysis.load_claims()


def points(fig) -> dict[str, tuple[float, float]]:
    """{claim_id: (x as date number, y)} for every plotted point linked to a claim."""
    out = {}
    for ax in fig.axes:
        for coll in ax.collections:
            urls = coll.get_urls()
            if urls and urls[0]:
                for url, (x, y) in zip(urls, coll.get_offsets(), strict=True):
                    out[url.lstrip("#")] = (float(x), float(y))
    return out


def synthetic(values, dates, qualifiers=None, metric="casualties"):
    n = len(values)
    d = pd.to_datetime(pd.Series(dates))
    return pd.DataFrame({
        "claim_id": [f"c{i}" for i in range(n)], "metric": [metric] * n, "value": [float(v) for v in values],
        "qualifier": qualifiers or ["exact"] * n, "as_of": d, "as_of_earliest": d, "as_of_latest": d,
    })


# ---------------------------------------------------------------- negative cases first


def test_empty_selection_raises_naming_the_series_and_periods_that_exist(claims):
    none = timeline.official_series(claims, speakers=["Nobody"])
    assert none.empty
    with pytest.raises(SelectionError) as info:
        timeline.casualties_timeline(none, none, timeline.implied_rates(none))
    msg = str(info.value)
    assert msg.startswith("No official statement in the selection reports these counts")
    assert "series (official, group all) casualties, casualties_outside_former_contact_line, injured, killed" in msg
    assert "period starts 10 Nov 2020 (" in msg and "no start date (" in msg


def test_a_dataset_without_a_reference_date_says_which_period_starts_it_has(claims):
    bare = claims.copy()
    bare.attrs.clear()  # no folder, so no dataset.yaml: no reference date
    with pytest.raises(analysis.DataError, match=r"no reference date for this dataset \(pass period_start=.*"
                       r"period starts in the data: 2020-11-10 \(\d+ claims\)"):
        timeline.official_series(bare)
    assert len(timeline.official_series(bare, period_start="2020-11-10")) == len(timeline.official_series(claims))


def test_an_empty_panel_shows_no_value_ticks(claims):
    since = timeline.official_series(claims, ["casualties"])
    none = since.iloc[0:0]
    fig, _ = timeline.casualties_timeline(since, none, timeline.implied_rates(since))
    open_panel = fig.axes[2]
    assert open_panel.get_yticks().size == 0, "no 0 0 0 1 1 1 ticks on a panel with nothing in it"
    assert any("No statement in the selection gives such a total" in t.get_text() for t in open_panel.texts)


def test_the_source_line_names_every_outlet_and_speaker_plotted(claims):
    since = timeline.official_series(claims)
    open_start = timeline.official_series(claims, ["casualties"], period_start=None)
    fig, meta = timeline.casualties_timeline(since, open_start, timeline.implied_rates(since))
    plotted = pd.concat([since, open_start])
    assert meta.source_line.startswith("Reported by ")
    for publisher in set(plotted.publisher):
        assert publisher in meta.source_line, f"{publisher} missing from the source line"
    footer = " ".join(fig.texts[-1].get_text().split())
    assert footer.startswith("Reported by") and f"in {plotted.source_id.nunique()} statements" in footer


def test_rate_bars_of_two_metrics_never_cover_each_other(claims):
    since = timeline.official_series(claims)
    rates = timeline.implied_rates(since)
    assert rates.metric.nunique() == 2
    fig, _ = timeline.casualties_timeline(since, since.iloc[0:0], rates)
    bars = [p for p in fig.axes[1].patches if (p.get_gid() or "").startswith("rate:")]
    assert len(bars) == len(rates)
    spans = sorted((b.get_x(), b.get_x() + b.get_width(), b.get_facecolor()[3], b.get_edgecolor()[:3]) for b in bars)
    assert len({s[3] for s in spans}) == 2, "each metric in its own colour"
    overlaps = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1] - 1e-6]
    for a, b in overlaps:  # where the spans of two metrics still overlap, neither bar is opaque
        assert a[2] == 0 and b[2] == 0, "a rate bar hides another"
    # the earlier drawing (opaque bars over the whole span) fails this: the bars are split
    assert all(b.get_width() < 0.6 * (r.end - r.start).days for b, (_, r) in zip(bars, rates.iterrows(), strict=True))


def test_rates_skip_statements_closer_than_the_gap():
    s = synthetic([100, 101, 160], ["2022-01-01", "2022-01-10", "2022-03-02"])
    rates = timeline.implied_rates(s, min_gap_days=30)
    assert list(rates.claim_ids) == [("c0", "c2")]  # c1 is 9 days after c0: no rate from noise
    assert rates.rate_per_month.iloc[0] == pytest.approx(60 / 60 * timeline.DAYS_PER_MONTH)
    assert bool(rates.derived.iloc[0]) and "per month" in rates.formula.iloc[0]


def test_a_decrease_gives_a_negative_rate_not_a_dropped_one():
    rates = timeline.implied_rates(synthetic([50, 40], ["2022-01-01", "2022-07-01"]))
    assert rates.rate_per_month.iloc[0] < 0


def test_rate_from_a_bounded_number_is_approximate():
    rates = timeline.implied_rates(synthetic([50, 80], ["2022-01-01", "2022-07-01"], ["exact", "more_than"]))
    assert bool(rates.approximate.iloc[0])


# ---------------------------------------------------------------- the real series


def test_series_is_official_group_all_since_the_war(claims):
    s = timeline.official_series(claims)
    assert set(s.source_kind) == {"official_statement"} and set(s.group) == {"all"}
    assert set(s.metric.astype(str)) == {"casualties", "killed"}
    # every start window holds 10 Nov 2020: the day itself, or a month ("since November 2020")
    war_end = pd.Timestamp("2020-11-10")
    assert ((s.period_start <= war_end) & (s.period_start_latest >= war_end)).all()
    assert {"2020-11-10", "2020-11-01"} <= set(s.period_start.dt.strftime("%Y-%m-%d"))
    seed = s[s.source_id == "aa-2024-hajizada"]
    assert dict(zip(seed.metric.astype(str), seed.value, strict=True)) == {"casualties": 342.0, "killed": 65.0}


def test_a_count_quoted_later_is_placed_at_its_period_end(claims):
    s = timeline.official_series(claims).set_index("claim_id")
    # a 2023 statement quoting the count to 14 Dec 2021
    assert s.loc["az-s45-2023-09-20-unnamed-06", "value"] == 197
    assert s.loc["az-s45-2023-09-20-unnamed-06", "as_of"] == pd.Timestamp("2021-12-14")
    # without a period end the count runs to the statement's date window
    assert s.loc["aa-2024-hajizada-04", "as_of"] == pd.Timestamp("2024-02-01")


def test_filters(claims):
    s = timeline.official_series(claims, speakers=["Hikmet Hajiyev"], start="2024-01-01")
    assert set(s.speaker) == {"Hikmet Hajiyev"} and (s.date_latest >= pd.Timestamp("2024-01-01")).all()
    a = timeline.official_series(claims, affiliations=["ANAMA, Azerbaijan's mine action agency"])
    assert set(a.affiliation) == {"ANAMA, Azerbaijan's mine action agency"}


def test_points_drawn_equal_the_data(claims):
    since = timeline.official_series(claims)
    open_start = timeline.official_series(claims, ["casualties"], period_start=None)
    fig, meta = timeline.casualties_timeline(since, open_start, timeline.implied_rates(since), highlight="aa-2024-hajizada")
    drawn = points(fig)
    expected = pd.concat([since, open_start]).set_index("claim_id")
    assert set(drawn) == set(expected.index)
    for cid, (x, y) in drawn.items():
        assert y == expected.loc[cid, "value"]
        assert x == float(matplotlib.dates.date2num(expected.loc[cid, "as_of"]))
    rates = [v for v in meta.values if v.derived]
    assert rates and all(v.formula for v in rates)
    plotted = pd.concat([since, open_start])
    assert f"{len(plotted)} stated numbers from {plotted.source_id.nunique()} statements" in meta.alt_text
    # the series is named by the day it was selected by, though its first row gives the start as a month
    assert since.period_start.iloc[0] == pd.Timestamp("2020-11-01")  # Bayramov, 12 Jun 2021: "since November 2020"
    assert "Killed or injured since 10 Nov 2020 went from 120" in meta.alt_text and "1 Nov 2020" not in meta.alt_text
    assert {v.period for v in meta.values if not v.derived and v.period.startswith("cumulative")} == {
        "cumulative since 10 Nov 2020"}


def test_rows_behind_findings_name_their_sources(claims):
    findings = pd.DataFrame({"kind": ["count_decreased"], "claim_ids": [("aa-2024-hajizada-04", "aa-2024-hajizada-05")]})
    rows = timeline.rows_behind(findings, claims)
    assert list(rows.claim_id) == ["aa-2024-hajizada-04", "aa-2024-hajizada-05"]
    assert set(rows.speaker) == {"Aykhan Hajizada"} and rows.url.str.startswith("http").all()


# ---------------------------------------------------------------- the notebook


def run(tmp_path, **parameters):
    tmp_path.mkdir(parents=True, exist_ok=True)
    parameters.setdefault("output_dir", str(tmp_path / "charts"))
    pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), parameters=parameters, kernel_name="python3", execution_timeout=300,
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False)


@pytest.mark.slow
@pytest.mark.parametrize(("parameters", "expected"), [
    ({"speakers": ["Hikmet Hajiev"]}, "did you mean 'Hikmet Hajiyev'"),
    ({"start_date": "2024-13-01"}, "start_date: '2024-13-01' is not a date"),
    ({"series": ["victims"]}, "series: unknown value(s) 'victims' (allowed: casualties, killed, injured)"),
    ({"highlight": "nope"}, "highlight: unknown statement 'nope'"),
])
def test_bad_parameters_fail_in_validation(tmp_path, parameters, expected):
    with pytest.raises(pm.PapermillExecutionError) as info:
        run(tmp_path, **parameters)
    assert info.value.ename == "ParameterError" and expected in info.value.evalue


@pytest.mark.slow
def test_notebook_runs_with_defaults_and_with_filters(tmp_path):
    run(tmp_path / "a", formats=["svg"])
    side = json.loads((tmp_path / "a" / "charts" / "casualties-timeline.json").read_text())
    assert side["files"] == ["casualties-timeline.svg"]
    svg = (tmp_path / "a" / "charts" / "casualties-timeline.svg").read_text()
    assert 'href="#aa-2024-hajizada-04"' in svg
    run(tmp_path / "b", formats=["png"], speakers=["Hikmet Hajiyev", "Jeyhun Bayramov"], start_date="2023-01-01",
        highlight="", series=["casualties"])
    side = json.loads((tmp_path / "b" / "charts" / "casualties-timeline.json").read_text())
    assert {v["label"].split(", ")[1] for v in side["values"] if not v["derived"]} <= {"Hikmet Hajiyev", "Jeyhun Bayramov"}


def test_the_highlight_ring_is_whole_where_the_statement_is_the_panels_highest_point(claims):
    """az-s88 gives the highest total with no start date (3,461): its ring sat on the axes' top edge, cut in half."""
    since = timeline.official_series(claims, ["casualties", "killed"])
    open_start = timeline.official_series(claims, ["casualties"], period_start=None)
    top = open_start.loc[open_start.value.idxmax()]
    fig, _ = timeline.casualties_timeline(since, open_start, timeline.implied_rates(since), highlight=top.source_id)
    rings = [c for ax in fig.axes for c in ax.collections if c.get_gid() == "highlight-ring"]
    assert rings and all(not ring.get_clip_on() for ring in rings)
    bottom = fig.axes[2]
    assert float(top.value) == max(y for c in bottom.collections if c.get_urls() and c.get_urls()[0]
                                   for _, y in c.get_offsets())
