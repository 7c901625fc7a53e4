"""analysis.checks: each kind of finding on small synthetic frames (clean variant first), then the real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import derive, load_context
from analysis.checks import COLUMNS, KINDS, find_inconsistencies, findings_table
from analysis.data import complete_claims

METRICS = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "metrics.csv")
OFFICIAL_AREA = "Azerbaijan (official statement; scope not stated)"
DATE_COLUMNS = ("period_start", "period_start_latest", "period_end", "date_earliest", "date_latest")
# the columns complete_claims derives (make_claims does not take them)
DERIVED = ("unit", "kind", "date_mid", "period_end_effective", "relays_official")


def make_claims(rows: list[dict]) -> pd.DataFrame:
    """A claims frame like `load_claims()`: every column, the same dtypes, defaults for what a test omits.

    Each row may give ``date`` (one day) or ``window`` (earliest, latest) for the statement's date
    window; ``source_id`` defaults to one source per row, ``claim_id`` to ``<source_id>-<n>``.
    """
    out = []
    for n, row in enumerate(rows, start=1):
        row = dict(row)
        earliest, latest = row.pop("window", (row.get("date"), row.get("date")))
        row.pop("date", None)
        source = row.get("source_id", f"s{n}")
        rec = {
            "claim_id": f"{source}-{n}",
            "source_id": source,
            "metric": "casualties",
            "value": 0.0,
            "qualifier": "exact",
            "qualifier_as_stated": "",
            "group": "all",
            "area": OFFICIAL_AREA,
            "collected_by": "",
            "counter_kind": "official",
            "period_start": "2020-11-10",
            "period_start_latest": None,
            "period_end": None,
            "period_label": "",
            "page_url": "",
            "note": "",
            "source_kind": "official_statement",
            "publisher": "Test News",
            "url": "https://example.org/",
            "other_urls": "",
            "speaker": f"Speaker {source}",
            "speaker_role": "Minister (press conference)",
            "affiliation": "Ministry of Tests",
            "date_earliest": earliest,
            "date_latest": latest,
            "date_inferred": False,
            "date_note": "",
            "source_ref": "",
            "note_source": "",
        }
        rec.update(row)
        if not rec["qualifier_as_stated"]:
            rec["qualifier_as_stated"] = rec["qualifier"].replace("_", " ")
        out.append(rec)
    df = pd.DataFrame(out)
    df["value"] = df["value"].astype("float64")
    for col in DATE_COLUMNS:
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d").astype("datetime64[us]")
    return complete_claims(df, METRICS)


CONTEXT = load_context(Path(__file__).resolve().parents[1] / "data")  # the rows mimic the committed data


def run(rows: list[dict], **kw) -> pd.DataFrame:
    kw.setdefault("context", CONTEXT)
    return find_inconsistencies(make_claims(rows), **kw)


def of_kind(findings: pd.DataFrame, kind: str) -> pd.DataFrame:
    return findings[findings.kind == kind].reset_index(drop=True)


def test_make_claims_mimics_load_claims(real_claims):
    fake = make_claims([{"value": 1, "date": "2024-01-01"}])
    assert list(fake.columns) == list(real_claims.columns)
    for col in real_claims.columns:
        assert fake[col].dtype == real_claims[col].dtype, col
    # real rows given as a test gives them (the columns of claims.csv and sources.csv) come out as load_claims'
    r = real_claims
    picks = [0, 1, int(r.relays_official.to_numpy().argmax()), int(r.period_end.notna().to_numpy().argmax()),
             int((r.period_start_latest != r.period_start).to_numpy().argmax()), len(r) - 1]
    sample = r.iloc[sorted(set(picks))].reset_index(drop=True)
    assert sample.relays_official.any() and sample.period_end.notna().any()
    given = [c for c in make_claims([{"date": "2024-01-01"}]).columns if c not in DERIVED]

    def raw(row) -> dict:
        out = {}
        for col in given:
            v = row[col]
            if col in DATE_COLUMNS or col in ("date_earliest", "date_latest"):
                v = None if pd.isna(v) else v.strftime("%Y-%m-%d")
            out[col] = str(v) if col in ("qualifier", "group", "source_kind", "metric") else v
        if out["period_start_latest"] == out["period_start"]:
            out["period_start_latest"] = None  # as claims.csv leaves it: filled with period_start
        out["window"] = (out.pop("date_earliest"), out.pop("date_latest"))
        return out

    rebuilt = make_claims([raw(row) for _, row in sample.iterrows()])
    pd.testing.assert_frame_equal(rebuilt, sample)
    # what complete_claims fills, which the checks' wording relies on
    assert not (r.period_start_latest.isna() & r.period_start.notna()).any()
    assert r.relays_official.equals(r.counter_kind.eq("official") & r.source_kind.ne("official_statement"))


# ---------------------------------------------------------------- count_decreased


def test_count_decreased_absent_for_increase_overlap_qualifiers_and_other_series():
    rows = [
        # an increase
        {"source_id": "a", "value": 340, "date": "2024-01-05"},
        {"source_id": "b", "value": 345, "date": "2024-02-05"},
        # overlapping windows: order unknown, so 342 then 339 is not a decrease
        {"source_id": "c", "value": 350, "window": ("2024-03-01", "2024-03-31")},
        {"source_id": "d", "value": 347, "date": "2024-03-20"},
    ]
    assert of_kind(run(rows), "count_decreased").empty
    qualified = [
        {"source_id": "a", "value": 150, "qualifier": "more_than", "date": "2021-08-14"},
        {"source_id": "b", "value": 150, "qualifier": "about", "date": "2021-09-24"},
        {"source_id": "c", "value": 150, "date": "2021-10-15"},  # "more than 150", then "150": loose, not a fall
    ]
    assert of_kind(run(qualified), "count_decreased").empty
    other_series = [
        {"source_id": "a", "value": 340, "date": "2024-01-05"},
        {"source_id": "b", "value": 300, "date": "2024-02-05", "period_start": "2020-11-01"},  # another start
        {"source_id": "c", "value": 290, "date": "2024-03-05", "group": "civilian"},  # another group
        {"source_id": "d", "value": 200, "date": "2024-04-05", "source_kind": "monitoring_report",
         "collected_by": "Monitor"},  # not an official statement
        {"source_id": "e", "value": 25, "date": "2024-01-01", "metric": "map_accuracy_pct", "group": "none"},
        {"source_id": "f", "value": 20, "date": "2024-05-01", "metric": "map_accuracy_pct", "group": "none"},
    ]
    assert of_kind(run(other_series), "count_decreased").empty


def test_a_start_given_as_a_month_is_one_series_with_a_day_in_it():
    month = {"period_start": "2020-11-01", "period_start_latest": "2020-11-30"}  # "since November 2020"
    rows = [
        {"source_id": "a", "value": 340, "date": "2024-01-05", **month},
        {"source_id": "b", "value": 300, "date": "2024-02-05"},  # since 10 Nov 2020
    ]
    found = of_kind(run(rows), "count_decreased")
    assert list(found.claim_ids) == [("a-1", "b-2")]
    assert found.explanation.iloc[0].startswith("Killed or injured since Nov 2020 went down from 340")
    # a window that does not reach the day stays its own series
    october = {"period_start": "2020-10-01", "period_start_latest": "2020-10-31"}
    assert of_kind(run([rows[0] | october, rows[1]]), "count_decreased").empty
    # windows that meet through a third form one series: Sep-Nov 10, then Nov, then 10 Nov
    chain = [{"source_id": "c", "value": 400, "date": "2023-12-01", "period_start": "2020-09-27",
              "period_start_latest": "2020-11-10"}, *rows]
    assert list(of_kind(run(chain), "count_decreased").claim_ids) == [("c-1", "a-2"), ("a-2", "b-3")]


def test_count_decreased_uses_the_date_a_period_ends():
    # a 2023 statement giving "197 to 14 Dec 2021" stands on 14 Dec 2021: no fall after 2023's 314
    rows = [
        {"source_id": "a", "value": 180, "date": "2021-12-08", "period_end": "2021-11-22"},
        {"source_id": "b", "value": 314, "date": "2023-09-15"},
        {"source_id": "c", "value": 197, "date": "2023-09-20", "period_end": "2021-12-14"},
        {"source_id": "d", "value": 320, "date": "2023-10-01"},
    ]
    assert of_kind(run(rows), "count_decreased").empty


def test_count_decreased_present():
    rows = [
        {"source_id": "hajizada", "speaker": "Aykhan Hajizada", "speaker_role": "Spokesperson, MFA (interview)",
         "value": 342, "window": ("2024-01-21", "2024-02-12")},
        {"source_id": "hajiyev", "speaker": "Hikmet Hajiyev", "speaker_role": "Assistant to the President",
         "value": 338, "date": "2024-02-20"},
        {"source_id": "later", "value": 350, "date": "2024-04-01"},
    ]
    found = of_kind(run(rows), "count_decreased")
    assert len(found) == 1
    f = found.iloc[0]
    assert f.claim_ids == ("hajizada-1", "hajiyev-2")
    assert f.source_ids == ("hajizada", "hajiyev")
    assert f.severity == "high"
    assert (f.metric, f.group, f.period_start) == ("casualties", "all", pd.Timestamp("2020-11-10"))
    assert f.explanation == (
        "Killed or injured since 10 Nov 2020 went down from 342 (Aykhan Hajizada, Spokesperson, MFA, 21 Jan-12 Feb 2024) "
        "to 338 (Hikmet Hajiyev, Assistant to the President, 20 Feb 2024).")


def test_count_decreased_with_qualifiers_and_open_start():
    rows = [
        {"source_id": "a", "value": 303, "date": "2023-07-13"},
        {"source_id": "b", "value": 300, "qualifier": "nearly", "date": "2023-07-21"},  # "almost 300" after 303
        {"source_id": "c", "metric": "killed", "value": 57, "qualifier": "about", "date": "2023-09-04"},
        {"source_id": "d", "metric": "killed", "value": 55, "date": "2023-09-12"},  # below "about 57" (56-58)
        {"source_id": "e", "group": "woman", "value": 38, "period_start": None, "date": "2022-10-25"},
        {"source_id": "f", "group": "woman", "value": 30, "period_start": None, "date": "2023-05-10"},
    ]
    found = of_kind(run(rows), "count_decreased")
    assert [f.claim_ids for f in found.itertuples()] == [("e-5", "f-6"), ("a-1", "b-2"), ("c-3", "d-4")]
    # with no start date the two may count different periods: reported, but as low severity, saying so
    assert list(found.severity) == ["low", "medium", "medium"]
    assert "from 303" in found.explanation[1] and "to nearly 300" in found.explanation[1]
    assert found.explanation[0].startswith("Killed or injured, women (no period start given) went down from 38")
    assert "may cover different periods" in found.explanation[0]


def test_count_decreased_approx_tol():
    # "about 150" spans 150 +- min(5% of 150, 10) = 142.5-157.5, so a later 145 is no fall; with 1% it is
    rows = [
        {"source_id": "a", "value": 150, "qualifier": "about", "date": "2021-07-24"},
        {"source_id": "b", "value": 145, "date": "2021-08-24"},
    ]
    assert run(rows).empty
    found = run(rows, approx_tol=0.01)
    assert found.kind.tolist() == ["count_decreased"] and found.claim_ids[0] == ("a-1", "b-2")
    assert "from about 150" in found.explanation[0] and "to 145" in found.explanation[0]


def test_count_decreased_same_day_tie_takes_the_lowest():
    rows = [
        {"source_id": "a", "value": 340, "date": "2024-01-05"},
        {"source_id": "b", "value": 345, "date": "2024-01-05"},  # same day, different figure
        {"source_id": "c", "value": 342, "date": "2024-01-10"},  # not below both: no decrease
    ]
    found = run(rows)
    assert of_kind(found, "count_decreased").empty
    # ... but the same-day pair, and 345 then 342 five days later, are close dates that differ
    assert of_kind(found, "close_dates_differ").claim_ids.tolist() == [("a-1", "b-2"), ("b-2", "c-3")]


def test_count_decreased_other_source_kinds_on_request():
    rows = [
        {"source_id": "m1", "value": 200, "date": "2020-01-01", "source_kind": "monitoring_report",
         "collected_by": "Monitor", "area": "Azerbaijan", "speaker": "", "publisher": "Landmine Monitor"},
        {"source_id": "m2", "value": 190, "date": "2021-01-01", "source_kind": "monitoring_report",
         "collected_by": "Monitor", "area": "Azerbaijan", "speaker": "", "publisher": "Landmine Monitor"},
    ]
    assert run(rows).empty
    found = run(rows, source_kinds=("monitoring_report",))
    assert found.kind.tolist() == ["count_decreased"]
    assert "Landmine Monitor, counted by Monitor" in found.explanation[0]
    assert "in Azerbaijan" in found.explanation[0]


# ---------------------------------------------------------------- close_dates_differ


def test_close_dates_differ_absent_for_equal_growing_or_distant_figures():
    rows = [
        {"source_id": "a", "value": 336, "date": "2023-11-03"},
        {"source_id": "b", "value": 336, "date": "2023-11-04"},  # the same figure
        {"source_id": "c", "value": 337, "date": "2023-11-05"},  # one more, a day later: may have grown
        {"source_id": "d", "metric": "map_accuracy_pct", "group": "none", "value": 25, "date": "2023-01-01"},
        {"source_id": "e", "metric": "map_accuracy_pct", "group": "none", "value": 30, "date": "2023-03-01"},
    ]
    assert of_kind(run(rows), "close_dates_differ").empty


def test_close_dates_differ_present_same_day():
    rows = [
        {"source_id": "pgo", "speaker": "Prosecutor General's Office", "affiliation": "Prosecutor General's Office",
         "metric": "killed", "value": 49, "date": "2023-03-16"},
        {"source_id": "aliyeva", "speaker": "Sabina Aliyeva", "speaker_role": "Ombudsman",
         "metric": "killed", "value": 48, "date": "2023-03-16"},
    ]
    found = of_kind(run(rows), "close_dates_differ")
    assert found.claim_ids.tolist() == [("aliyeva-2", "pgo-1")]
    assert found.severity[0] == "medium"
    assert found.explanation[0] == (
        "Killed since 10 Nov 2020: 48 (Sabina Aliyeva, Ombudsman, 16 Mar 2023) but 49 "
        "(Prosecutor General's Office, 16 Mar 2023), on the same day.")


def test_close_dates_differ_growth_counts_when_asked():
    rows = [
        {"source_id": "a", "value": 336, "date": "2023-11-04"},
        {"source_id": "b", "value": 337, "date": "2023-11-05"},
    ]
    assert run(rows).empty
    found = of_kind(run(rows, allow_growth=False), "close_dates_differ")
    assert found.claim_ids.tolist() == [("a-1", "b-2")]
    assert "336" in found.explanation[0] and "337" in found.explanation[0] and "1 day apart" in found.explanation[0]


def test_close_dates_differ_threshold():
    rows = [
        {"source_id": "a", "metric": "map_accuracy_pct", "group": "none", "value": 25, "date": "2024-01-20"},
        {"source_id": "b", "metric": "map_accuracy_pct", "group": "none", "value": 30, "date": "2024-01-25"},
    ]
    assert of_kind(run(rows, same_days=3), "close_dates_differ").empty
    found = of_kind(run(rows, same_days=10), "close_dates_differ")
    assert found.claim_ids.tolist() == [("a-1", "b-2")]
    assert "25%" in found.explanation[0] and "30%" in found.explanation[0] and "5 days apart" in found.explanation[0]


def test_close_dates_differ_does_not_repeat_a_decrease():
    rows = [
        {"source_id": "a", "value": 340, "date": "2024-01-05"},
        {"source_id": "b", "value": 338, "date": "2024-01-07"},
    ]
    assert run(rows).kind.tolist() == ["count_decreased"]


# ---------------------------------------------------------------- conflicting_values


def test_conflicting_values_absent_when_compatible_or_different_series():
    rows = [
        {"source_id": "s", "value": 302, "date": "2023-05-25"},
        {"source_id": "s", "value": 300, "qualifier": "more_than", "date": "2023-05-25"},  # compatible
        {"source_id": "s", "value": 45, "metric": "killed", "date": "2023-05-25"},
        {"source_id": "s", "value": 35, "metric": "killed", "group": "civilian", "date": "2023-05-25"},
        {"source_id": "s", "value": 44, "metric": "killed", "period_start": "2020-11-01", "date": "2023-05-25"},
    ]
    assert of_kind(run(rows), "conflicting_values").empty


def test_conflicting_values_present():
    rows = [
        {"source_id": "mfa", "speaker": "Ministry of Foreign Affairs", "affiliation": "Ministry of Foreign Affairs",
         "metric": "killed", "value": 48, "date": "2022-10-25"},
        {"source_id": "mfa", "speaker": "Ministry of Foreign Affairs", "affiliation": "Ministry of Foreign Affairs",
         "metric": "killed", "value": 45, "date": "2022-10-25"},
    ]
    found = run(rows)
    assert found.kind.tolist() == ["conflicting_values"]
    assert found.claim_ids[0] == ("mfa-1", "mfa-2")
    assert found.source_ids[0] == ("mfa",)
    assert found.explanation[0] == (
        "Ministry of Foreign Affairs (25 Oct 2022) gives 2 different figures for killed since 10 Nov 2020: 45 and 48.")


# ---------------------------------------------------------------- parts_exceed_whole / parts_dont_add_up


def statement(*parts: tuple[str, str, float, str], **common) -> list[dict]:
    """Rows of one statement: (metric, group, value, qualifier)."""
    base = {"source_id": "st", "date": "2024-01-26"} | common
    return [base | {"metric": m, "group": g, "value": v, "qualifier": q} for m, g, v, q in parts]


def test_parts_absent_when_they_add_up_or_qualifiers_explain():
    adds_up = statement(("casualties", "all", 342, "exact"), ("killed", "all", 65, "exact"),
                        ("injured", "all", 277, "exact"), ("killed", "civilian", 50, "exact"),
                        ("killed", "military", 15, "exact"))
    assert run(adds_up).empty
    qualified = statement(("casualties", "all", 350, "about"), ("killed", "all", 70, "more_than"),
                          ("injured", "all", 280, "exact"))  # at least 350 vs about 350 (340-360)
    assert run(qualified).empty
    loose = statement(("casualties", "all", 345, "exact"), ("killed", "all", 65, "exact"),
                      ("injured", "all", 280, "about"))  # 65 + (270..290) covers 345
    assert run(loose).empty
    with_unknown = statement(("casualties", "all", 345, "exact"), ("killed", "all", 65, "exact"),
                             ("injured", "all", 278, "exact"), ("unknown_outcome", "all", 2, "exact"))
    assert run(with_unknown).empty
    civilians_short = statement(("killed", "all", 65, "exact"), ("killed", "civilian", 40, "exact"),
                                ("killed", "military", 15, "exact"))  # the rest may be deminers, unknown
    assert run(civilians_short).empty
    other_period = statement(("casualties", "all", 342, "exact"), ("killed", "all", 65, "exact")) + [
        {"source_id": "st", "date": "2024-01-26", "metric": "injured", "value": 39, "period_start": "2023-01-01",
         "period_end": "2023-12-31"}]
    assert run(other_period).empty


def test_parts_exceed_whole_present():
    rows = statement(("casualties", "all", 342, "exact"), ("killed", "all", 70, "exact"),
                     ("injured", "all", 280, "exact"), ("killed", "civilian", 72, "exact"),
                     speaker="Kamran Aliyev", speaker_role="Prosecutor General (board meeting)")
    found = of_kind(run(rows), "parts_exceed_whole")
    assert found.claim_ids.tolist() == [("st-1", "st-2", "st-3"), ("st-2", "st-4")]
    assert found.explanation[0] == (
        "Kamran Aliyev, Prosecutor General (26 Jan 2024), since 10 Nov 2020: killed (70) + injured (280) = 350 "
        "exceed killed or injured (342).")
    assert found.explanation[1] == (
        "Kamran Aliyev, Prosecutor General (26 Jan 2024), since 10 Nov 2020: killed, civilians (72) exceeds killed (70).")
    assert (found.metric.tolist(), found.group.tolist()) == (["casualties", "killed"], ["all", "all"])
    assert set(found.severity) == {"high"}


def test_parts_dont_add_up_present():
    rows = statement(("casualties", "all", 345, "exact"), ("killed", "all", 65, "exact"),
                     ("killed", "civilian", 50, "exact"), ("injured", "all", 278, "exact"),
                     speaker="ANAMA", affiliation="ANAMA, Azerbaijan's mine action agency", date="2024-02-12")
    found = run(rows)
    assert found.kind.tolist() == ["parts_dont_add_up"]
    assert found.claim_ids[0] == ("st-1", "st-2", "st-4")
    assert found.explanation[0] == (
        "ANAMA (12 Feb 2024), since 10 Nov 2020: killed (65) + injured (278) = 343, but killed or injured is given as 345.")


# ---------------------------------------------------------------- qualifier_changed


def pct(source: str, value: float, qualifier: str, date: str, **kw) -> dict:
    return {"source_id": source, "metric": "explosions_outside_maps_pct", "group": "none", "value": value,
            "qualifier": qualifier, "date": date, "period_start": None} | kw


def test_qualifier_changed_absent_when_the_meaning_is_the_same_or_growth_explains():
    rows = [
        pct("a", 25, "exact", "2021-08-14", qualifier_as_stated="only"),
        pct("b", 25, "exact", "2021-09-24"),  # "only" and "exact" both mean exact
        pct("c", 55, "more_than", "2024-01-25"),
        pct("d", 55, "at_least", "2024-02-25"),  # both lower bounds
        pct("e", 56, "nearly", "2024-03-25"),  # another value
        # a count that grows: nearly 300, then 300, then more than 300
        {"source_id": "f", "value": 300, "qualifier": "nearly", "date": "2023-04-04"},
        {"source_id": "g", "value": 300, "date": "2023-06-01"},
        {"source_id": "h", "value": 300, "qualifier": "more_than", "date": "2023-09-20"},
    ]
    assert of_kind(run(rows), "qualifier_changed").empty


def test_qualifier_changed_present():
    rows = [
        pct("hajizada", 55, "nearly", "2024-01-21", speaker="Aykhan Hajizada", speaker_role="MFA spokesperson"),
        pct("mfa", 55, "more_than", "2024-01-25", speaker="Ministry of Foreign Affairs",
            affiliation="Ministry of Foreign Affairs of Azerbaijan"),
        pct("mfa2", 55, "more_than", "2025-04-01", qualifier_as_stated="over", speaker="Ministry of Foreign Affairs",
            affiliation="Ministry of Foreign Affairs of Azerbaijan"),
        # a count whose qualifier goes backwards: more than 300, later nearly 300
        {"source_id": "x", "value": 300, "qualifier": "more_than", "date": "2023-09-20"},
        {"source_id": "y", "value": 300, "qualifier": "nearly", "date": "2023-12-20"},
    ]
    found = of_kind(run(rows), "qualifier_changed")
    assert found.claim_ids.tolist() == [("x-4", "y-5"), ("hajizada-1", "mfa-2", "mfa2-3")]
    assert set(found.severity) == {"medium"}
    text = found.explanation[1]
    assert text.startswith("Share of explosions outside the mapped areas (no period start given) given as 55%")
    assert "nearly 55% (Aykhan Hajizada, MFA spokesperson, 21 Jan 2024)" in text
    assert "more than 55% (Ministry of Foreign Affairs, 25 Jan 2024; Ministry of Foreign Affairs, 1 Apr 2025, 'over')" in text


def test_qualifier_changed_exact_vs_about_is_low():
    rows = [pct("a", 55, "about", "2022-12-02"), pct("b", 55, "exact", "2024-01-25")]
    found = of_kind(run(rows), "qualifier_changed")
    assert found.claim_ids.tolist() == [("a-1", "b-2")]
    assert found.severity.tolist() == ["low"]


# ---------------------------------------------------------------- stale_figure


def accuracy(source: str, value: float, date: str) -> dict:
    return {"source_id": source, "metric": "map_accuracy_pct", "group": "none", "value": value, "date": date,
            "period_start": None, "speaker": f"Speaker {source.upper()}", "speaker_role": ""}


def casualties(source: str, value: float, date: str, qualifier: str = "exact") -> dict:
    return {"source_id": source, "value": value, "date": date, "qualifier": qualifier}


STALE = [
    accuracy("a", 25, "2021-08-14"),
    casualties("c1", 150, "2021-08-14", "more_than"),
    casualties("c2", 300, "2023-04-01"),
    accuracy("b", 25, "2024-01-25"),
    casualties("c3", 400, "2025-04-25", "nearly"),
    accuracy("c", 25, "2025-04-30"),
]


def test_stale_figure_absent_when_short_changed_or_the_related_series_flat():
    short = [accuracy("a", 25, "2024-01-01"), casualties("c1", 150, "2024-01-01"),
             casualties("c2", 400, "2024-06-01"), accuracy("b", 25, "2024-06-01")]
    assert of_kind(run(short), "stale_figure").empty
    changed = [accuracy("a", 25, "2021-08-14"), casualties("c1", 150, "2021-08-14"),
               casualties("c2", 400, "2025-04-25"), accuracy("b", 30, "2025-04-30")]
    assert of_kind(run(changed), "stale_figure").empty
    flat = [accuracy("a", 25, "2021-08-14"), casualties("c1", 150, "2021-08-14"),
            casualties("c2", 160, "2025-04-25"), accuracy("b", 25, "2025-04-30")]
    assert of_kind(run(flat), "stale_figure").empty


def test_stale_figure_present():
    found = of_kind(run(STALE), "stale_figure")
    assert found.claim_ids.tolist() == [("a-1", "b-4", "c-6")]
    assert found.explanation[0] == (
        "Map accuracy given as 25% in 3 statements over 3.7 years, from Speaker A (14 Aug 2021) to Speaker C "
        "(30 Apr 2025), while killed or injured since 10 Nov 2020 rose by 167%, from more than 150 (Speaker c1, "
        "Minister, 14 Aug 2021) to nearly 400 (Speaker c3, Minister, 25 Apr 2025).")


def test_stale_figure_thresholds():
    assert of_kind(run(STALE, stale_days=2000), "stale_figure").empty
    assert of_kind(run(STALE, growth=2.0), "stale_figure").empty
    assert len(of_kind(run(STALE, growth=1.5), "stale_figure")) == 1
    assert of_kind(run(STALE, stale_metrics=("explosions_outside_maps_pct",)), "stale_figure").empty


def test_stale_figure_names_other_values_in_between():
    rows = [*STALE, accuracy("d", 2, "2022-10-19")]
    found = of_kind(run(rows), "stale_figure")
    assert found.explanation[0].endswith("Other values in between: 2% (Speaker D, 19 Oct 2022).")


# ---------------------------------------------------------------- the frame


def test_empty_and_clean_inputs_give_the_documented_columns():
    empty = find_inconsistencies(make_claims([{"value": 1, "date": "2024-01-01"}]).iloc[:0])
    assert list(empty.columns) == list(COLUMNS) and empty.empty
    clean = run([{"value": 1, "date": "2024-01-01"}])
    assert list(clean.columns) == list(COLUMNS) and clean.empty
    with pytest.raises(ValueError, match="unknown kind"):
        run([{"value": 1, "date": "2024-01-01"}], kinds=("nonsense",))


def test_sorted_by_kind_then_date_and_kinds_filter():
    rows = [
        *statement(("killed", "all", 48, "exact"), ("killed", "all", 45, "exact"), date="2022-10-25"),
        {"source_id": "a", "value": 340, "date": "2024-01-05"},
        {"source_id": "b", "value": 338, "date": "2024-02-05"},
        {"source_id": "c", "value": 303, "date": "2023-07-13"},
        {"source_id": "d", "value": 300, "qualifier": "nearly", "date": "2023-07-21"},
    ]
    found = run(rows)
    assert found.kind.tolist() == ["count_decreased", "count_decreased", "conflicting_values"]
    assert found.first_date.tolist() == [pd.Timestamp("2023-07-13"), pd.Timestamp("2024-01-05"),
                                         pd.Timestamp("2022-10-25")]
    assert run(rows, kinds=("conflicting_values",)).kind.tolist() == ["conflicting_values"]


def test_findings_table():
    table = findings_table(run(STALE))
    assert list(table.columns) == ["kind", "severity", "metric", "group", "dates", "claims", "explanation", "related"]
    assert table.kind.tolist() == ["stale figure"]
    assert table.dates[0] == "14 Aug 2021-30 Apr 2025"
    assert table.claims[0] == "a-1, b-4, c-6"


# ---------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real_findings(real_claims):
    return find_inconsistencies(real_claims, context=CONTEXT)


def ids_of(findings: pd.DataFrame, kind: str) -> set[tuple[str, ...]]:
    return set(findings.loc[findings.kind == kind, "claim_ids"])


def test_real_data_shape(real_claims, real_findings):
    assert list(real_findings.columns) == list(COLUMNS)
    assert set(real_findings.kind) <= set(KINDS)
    assert set(real_findings.severity) <= {"high", "medium", "low"}
    known = set(real_claims.claim_id)
    assert all(cid in known for ids in real_findings.claim_ids for cid in ids)
    source_of = dict(zip(real_claims.claim_id, real_claims.source_id, strict=True))
    for ids, sources in zip(real_findings.claim_ids, real_findings.source_ids, strict=True):
        assert set(sources) == {source_of[c] for c in ids}
    key = real_findings.kind.map(KINDS.index)
    assert (key.diff().dropna() >= 0).all()
    assert real_findings.explanation.str.len().gt(40).all()
    # derived rows are ignored
    assert find_inconsistencies(derive(real_claims, context=CONTEXT), context=CONTEXT).equals(real_findings)


def test_real_data_specific_findings(real_findings):
    # 38 women (no period start; the latest earlier statement: the Ombudsman, 4 Apr 2023), Aliyev May 2023: 30
    assert ("az-n25-2023-04-04-aliyeva-06", "az-s35-2023-05-aliyev-08") in ids_of(real_findings, "count_decreased")
    # MFA 13 Jul 2023: 303 casualties since 10 Nov 2020; Aliyev 21 Jul 2023: "almost 300"
    assert ("az-s37-2023-07-13-mfa-01", "az-s38-2023-07-21-aliyev-01") in ids_of(real_findings, "count_decreased")
    # the MFA statement of 25 Oct 2022 gives 48 and 45 killed since 10 Nov 2020
    assert ("az-s25-2022-10-25-mfa-03", "az-s25-2022-10-25-mfa-05") in ids_of(real_findings, "conflicting_values")
    # ANAMA 12 Feb 2024: 65 killed + 278 injured = 343, but 345 casualties
    assert ("az-s72-2024-02-12-anama-01", "az-s72-2024-02-12-anama-02", "az-s72-2024-02-12-anama-04") in ids_of(
        real_findings, "parts_dont_add_up")
    # Hajiyev's two infographics, both to 6 Dec 2023: 340 and 341 casualties
    assert ("az-s59-2023-12-hajiyev-01", "az-s61-2023-12-27-hajiyev-01") in ids_of(real_findings, "close_dates_differ")
    row = real_findings[real_findings.claim_ids == ("az-s37-2023-07-13-mfa-01", "az-s38-2023-07-21-aliyev-01")]
    assert row.explanation.iloc[0] == (
        "Killed or injured since 10 Nov 2020 went down from 303 (Ministry of Foreign Affairs, 13 Jul 2023) "
        "to nearly 300 (Ilham Aliyev, President, 21 Jul 2023).")


def test_real_data_seed_statement(real_findings):
    """The seed article (aa-2024-hajizada): its 342 casualties is no decrease, but its 'nearly 55%' meets
    the MFA's 'more than 55%', and its 25% map accuracy is a stale figure."""
    seed = real_findings[real_findings.source_ids.map(lambda s: "aa-2024-hajizada" in s)]
    assert "count_decreased" not in set(seed.kind)
    qualifier = seed[seed.kind == "qualifier_changed"]
    fifty_five = qualifier[qualifier.claim_ids.map(lambda ids: "aa-2024-hajizada-02" in ids)]
    assert len(fifty_five) == 1
    assert {"az-s63-2024-01-25-mfa-04", "az-s65-2024-01-25-mfa-02"} <= set(fifty_five.claim_ids.iloc[0])
    assert fifty_five.severity.iloc[0] == "medium"
    assert "nearly 55%" in fifty_five.explanation.iloc[0] and "more than 55%" in fifty_five.explanation.iloc[0]
    stale = seed[seed.kind == "stale_figure"]
    accuracy = stale[stale.metric == "map_accuracy_pct"]
    assert len(accuracy) == 1
    assert accuracy.claim_ids.iloc[0][0] == "az-s15-2021-08-14-aliyev-02"
    assert "aa-2024-hajizada-01" in accuracy.claim_ids.iloc[0]
    assert "from more than 150" in accuracy.explanation.iloc[0] and "to nearly 400" in accuracy.explanation.iloc[0]


def test_real_data_findings_that_must_not_appear(real_findings):
    """Regressions of false alarms seen on the real data."""
    involved = {cid for ids in real_findings.claim_ids for cid in ids}
    # counted from the start of the war (27 Sep 2020), not since 1991: never compared with 3,300+
    assert not {"az-s44-2023-09-20-mfa-01", "az-s44-2023-09-20-mfa-02"} & involved
    # mines on two different batches of handed-over maps are not a running total
    assert "mines_in_handed_maps" not in set(real_findings.metric[real_findings.kind == "count_decreased"])
    # a 2023 statement quoting the count to Dec 2021 stands on Dec 2021: no fall from 314
    assert "az-s45-2023-09-20-unnamed-06" not in {ids[1] for ids in ids_of(real_findings, "count_decreased")}
    # a fall between two open-start figures is reported as uncertain, not high
    open_start = real_findings[(real_findings.kind == "count_decreased") & real_findings.period_start.isna()]
    assert len(open_start) and set(open_start.severity) == {"low"}


# ---------------------------------------------------------------- starts stated at different precisions


MONTH = {"period_start": "2020-11-01", "period_start_latest": "2020-11-30"}  # "since November 2020"


def test_a_month_start_and_a_day_start_are_compared_by_every_cross_statement_check():
    # close dates: "since November 2020" 186 (a month window) and "since 10 Nov 2020" 184 (a day in it)
    close = [{"source_id": "a", "value": 186, "window": ("2022-06-01", "2022-06-30")},
             {"source_id": "b", "value": 184, "date": "2022-06-06", **MONTH}]
    assert of_kind(run(close), "close_dates_differ").claim_ids.tolist() == [("a-1", "b-2")]
    # qualifier: "more than 120" since 10 Nov 2020, then "120" since November 2020
    qual = [{"source_id": "a", "value": 120, "qualifier": "more_than", "window": ("2021-06-01", "2021-06-30")},
            {"source_id": "b", "value": 120, "date": "2021-06-12", **MONTH}]
    assert of_kind(run(qual), "qualifier_changed").claim_ids.tolist() == [("a-1", "b-2")]
    # a year's start is a window too: "since 2020" holds 10 Nov 2020
    year = {"period_start": "2020-01-01", "period_start_latest": "2020-12-31"}
    fall = [{"source_id": "a", "value": 390, "date": "2025-02-21"}, {"source_id": "b", "value": 388, "date": "2025-04-04", **year}]
    assert of_kind(run(fall), "count_decreased").claim_ids.tolist() == [("a-1", "b-2")]
    # ... but a start window that does not hold the other's start is another series
    october = {"period_start": "2020-10-01", "period_start_latest": "2020-10-31"}
    assert run([fall[0], fall[1] | october]).empty


# ---------------------------------------------------------------- decreased_from_higher


def killed(source: str, value: float, date: str, **kw) -> dict:
    return {"source_id": source, "metric": "killed", "value": value, "date": date} | kw


def test_decreased_from_higher_absent_when_the_later_figure_is_not_below_the_higher():
    for later in (48, 49):  # equal to the higher of the two, or above it
        found = run([killed("mfa", 48, "2022-10-25"), killed("mfa", 45, "2022-10-25"), killed("b", later, "2022-12-02")])
        assert of_kind(found, "decreased_from_higher").empty
        assert found.kind.tolist() == ["conflicting_values"]
    # below both: a plain decrease from the lowest, not this kind
    found = run([killed("mfa", 48, "2022-10-25"), killed("mfa", 45, "2022-10-25"), killed("b", 44, "2022-12-02")])
    assert of_kind(found, "count_decreased").claim_ids.tolist() == [("mfa-2", "b-3")]
    assert of_kind(found, "decreased_from_higher").empty
    # one earlier figure only: nothing to be higher than
    assert run([killed("a", 48, "2022-10-25"), killed("b", 48, "2022-12-02")]).empty


def test_decreased_from_higher_present_with_the_conflict_it_relates_to():
    rows = [killed("mfa", 48, "2022-10-25", speaker="Ministry of Foreign Affairs", affiliation="Ministry of Foreign Affairs"),
            killed("mfa", 45, "2022-10-25", speaker="Ministry of Foreign Affairs", affiliation="Ministry of Foreign Affairs"),
            killed("bayramov", 47, "2022-12-02", speaker="Jeyhun Bayramov", speaker_role="Minister of Foreign Affairs")]
    found = run(rows)
    assert found.kind.tolist() == ["decreased_from_higher", "conflicting_values"]
    f = found.iloc[0]
    assert f.claim_ids == ("mfa-1", "mfa-2", "bayramov-3") and f.severity == "medium"
    assert f.explanation == (
        "Killed since 10 Nov 2020 went down from 48 (Ministry of Foreign Affairs, 25 Oct 2022) to 47 (Jeyhun Bayramov, "
        "Minister of Foreign Affairs, 2 Dec 2022). On that day the same statement also gave 45, and against that lower "
        "figure there is no decrease: the earlier figures disagree with each other (two figures in one statement, a "
        "finding of its own), and the fall is from the higher one.")
    # both findings stay, each names the other
    assert f.related == (("conflicting_values", ("mfa-1", "mfa-2")),)
    assert found.related[1] == (("decreased_from_higher", ("mfa-1", "mfa-2", "bayramov-3")),)
    assert run(rows, kinds=("decreased_from_higher",)).related[0] == ()  # the other kind not asked for
    # the two earlier figures from two statements on the same day: related to their close-dates finding
    two = [killed("a", 48, "2022-10-25"), killed("b", 45, "2022-10-25"), killed("c", 46, "2022-12-02", qualifier="about")]
    found = run(two, approx_tol=0.01)
    higher = of_kind(found, "decreased_from_higher")
    assert higher.claim_ids.tolist() == [("a-1", "b-2", "c-3")] and higher.severity.tolist() == ["low"]
    assert "Speaker b, Minister gave 45" in higher.explanation[0]
    assert higher.related[0] == (("close_dates_differ", ("a-1", "b-2")),)


# ---------------------------------------------------------------- parts_across_statements


def split(source: str, k: float, i: float, date: str, **kw) -> list[dict]:
    return [{"source_id": source, "metric": "killed", "value": k, "date": date} | kw,
            {"source_id": source, "metric": "injured", "value": i, "date": date} | kw]


def total(source: str, v: float, date: str, **kw) -> dict:
    return {"source_id": source, "value": v, "date": date} | kw


def test_parts_across_statements_absent_when_they_add_up_grow_or_are_far_apart():
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 283, "2023-03-16")]).empty
    # the whole later and higher, or earlier and lower: growth between statements
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 290, "2023-03-20")]).empty
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 280, "2023-03-10")]).empty
    # more than same_days apart
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 280, "2023-03-24")]).empty
    # another group, another start
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 290, "2023-03-16", group="civilian")]).empty
    assert run([*split("pgo", 49, 234, "2023-03-16"), total("om", 290, "2023-03-16", period_start=None)]).empty
    # within one statement it is parts_dont_add_up, not this kind
    assert run([*split("st", 49, 234, "2023-03-16"), total("st", 286, "2023-03-16")]).kind.tolist() == ["parts_dont_add_up"]


def test_parts_across_statements_present_at_the_edges():
    rows = [*split("pgo", 49, 234, "2023-03-16", speaker="Prosecutor General's Office", speaker_role=""),
            total("om", 286, "2023-03-16", speaker="Sabina Aliyeva", speaker_role="Commissioner for Human Rights")]
    found = run(rows)
    assert found.kind.tolist() == ["parts_across_statements"]
    f = found.iloc[0]
    assert f.claim_ids == ("om-3", "pgo-1", "pgo-2") and f.severity == "medium"
    assert f.explanation == (
        "Prosecutor General's Office (16 Mar 2023), since 10 Nov 2020: killed (49) + injured (234) = 283; Sabina Aliyeva, "
        "Commissioner for Human Rights (16 Mar 2023) gives killed or injured as 286, on the same day: more than the parts "
        "add up to.")
    # a whole exactly same_days later and lower: found; with allow_growth=False an earlier lower one too
    later = run([*split("pgo", 49, 234, "2023-03-16"), total("om", 280, "2023-03-23")])
    assert of_kind(later, "parts_across_statements").severity.tolist() == ["low"]
    assert "7 days later: less than the parts add up to, though a running total cannot fall" in later.explanation[0]
    earlier = [*split("pgo", 49, 234, "2023-03-16"), total("om", 280, "2023-03-10")]
    assert of_kind(run(earlier, allow_growth=False), "parts_across_statements").claim_ids.tolist() == [
        ("om-3", "pgo-1", "pgo-2")]
    assert of_kind(run(earlier, same_days=5, allow_growth=False), "parts_across_statements").empty


def test_parts_across_statements_keeps_the_within_statement_finding_and_relates_them():
    rows = [*split("anama", 65, 278, "2024-02-12"), total("anama", 345, "2024-02-12"), total("other", 345, "2024-02-12")]
    found = run(rows)
    assert found.kind.tolist() == ["parts_dont_add_up", "parts_across_statements"]
    assert found.claim_ids[1] == ("other-4", "anama-1", "anama-2")
    assert found.related[1] == (("parts_dont_add_up", ("anama-3", "anama-1", "anama-2")),)
    assert found.related[0] == (("parts_across_statements", ("other-4", "anama-1", "anama-2")),)


# ---------------------------------------------------------------- cross_kind_total


RELAYED = {"source_kind": "news_report", "publisher": "Report.az", "speaker": "", "counter_kind": "official",
           "collected_by": "ANAMA (relayed by an NGO)", "area": "Azerbaijan"}
INDEPENDENT = RELAYED | {"publisher": "AzCBL site", "counter_kind": "independent", "collected_by": "AzCBL"}


def officials_and(other: dict) -> list[dict]:
    return [total("o1", 300, "2025-01-10"), total("o2", 320, "2025-03-10"), other]


def test_cross_kind_total_off_by_default_and_absent_when_between():
    high = {"source_id": "x", "value": 330, "date": "2025-12-26", "period_end": "2025-02-01"} | RELAYED
    assert run(officials_and(high)).empty  # cross_kind off
    for v in (300, 310, 320):  # from the figure before to the figure after: consistent
        assert run(officials_and(high | {"value": v}), cross_kind=True).empty
    # another area than the officials' (dataset.yaml officials.panels), another party's count
    assert run(officials_and(high | {"area": "Nagorno-Karabakh"}), cross_kind=True).empty
    assert run(officials_and(high | {"counter_kind": "other_party"}), cross_kind=True).empty


def test_cross_kind_total_present_at_the_edges_says_which_side():
    x = {"source_id": "x", "value": 321, "date": "2025-12-26", "period_end": "2025-02-01"} | RELAYED
    found = run(officials_and(x), cross_kind=True)
    assert found.kind.tolist() == ["cross_kind_total"]
    f = found.iloc[0]
    assert f.claim_ids == ("o1-1", "x-3", "o2-2") and f.severity == "high"
    assert f.explanation == (
        "Killed or injured since 10 Nov 2020 in Azerbaijan: 321 (Report.az, counted by ANAMA (relayed by an NGO), as of "
        "1 Feb 2025, stated 26 Dec 2025), an official count relayed by Report.az, is more than the officials' running "
        "total after it, 320 (Speaker o2, Minister, 10 Mar 2025). The officials' other neighbouring figure, before "
        "it: 300 (Speaker o1, Minister, 10 Jan 2025). An official count relayed by others should agree with the officials' own.")
    low = run(officials_and(x | {"value": 299}), cross_kind=True)
    assert "is less than the officials' running total before it, 300" in low.explanation[0]
    ind = run(officials_and(x | INDEPENDENT | {"value": 321, "qualifier": "about"}), cross_kind=True, approx_tol=0.001)
    assert ind.severity.tolist() == ["low"] and "an independent count" in ind.explanation[0]
    # a start given as a month meets the officials' day
    month = run(officials_and(x | MONTH), cross_kind=True)
    assert month.claim_ids.tolist() == [("o1-1", "x-3", "o2-2")]


# ---------------------------------------------------------------- period_vs_running


YEAR_2023 = {"period_start": "2023-01-01", "period_end": "2023-12-31"}


def running_and(year_value: float, **kw) -> list[dict]:
    """Officials' running totals since 10 Nov 2020 around 2023, and a figure for 2023 given in Jan 2024."""
    plain = {"speaker_role": ""}
    return [total("a", 268, "2022-12-02", **plain), total("b", 282, "2023-01-20", **plain),
            total("c", 340, "2023-12-06", **plain), total("d", 342, "2024-01-21", **plain),
            {"source_id": "y", "value": year_value, "date": "2024-01-26", **YEAR_2023, **plain} | kw]


def test_period_vs_running_absent_within_the_bounds():
    # within 2023 the totals grew at least 340 - 282 = 58; from before to after it at most 342 - 268 = 74
    for v in (58, 66, 74):
        assert run(running_and(v)).empty
    assert run(running_and(70, qualifier="about")).empty
    # a relayed or independent year figure only with cross_kind
    assert run(running_and(90, **RELAYED)).empty
    # no running totals after the period: no upper bound
    assert run(running_and(90)[:3] + running_and(90)[4:]).empty


def test_period_vs_running_present_at_the_edges():
    over = run(running_and(75))
    assert over.kind.tolist() == ["period_vs_running"]
    f = over.iloc[0]
    assert f.claim_ids == ("a-1", "y-5", "d-4") and f.severity == "high"  # the same office (all 'Ministry of Tests')
    assert f.explanation == (
        "Killed or injured over 2023: 75 (Speaker y, as of 31 Dec 2023, stated 26 Jan 2024), an official "
        "statement. That is more than the same office's running totals since 10 Nov 2020 grew over the period: at most "
        "74 (342 - 268), from 268 (Speaker a, 2 Dec 2022), the last before the period, to 342 (Speaker d, 21 Jan 2024), "
        "the first at or after its end.")
    under = run(running_and(57, affiliation="Another Office"))
    f = under.iloc[0]
    assert f.claim_ids == ("b-2", "c-3", "y-5") and f.severity == "medium"
    assert "less than Azerbaijani officials' running totals since 10 Nov 2020 grew within the period: at least 58 " \
           "(340 - 282), from 282 (Speaker b, 20 Jan 2023) to 340 (Speaker c, 6 Dec 2023)" in f.explanation
    relayed = run(running_and(90, **RELAYED), cross_kind=True)
    assert relayed.severity.tolist() == ["medium"] and "an official count relayed by Report.az" in relayed.explanation[0]
    # no total before the period: the running total started at 0
    early = [total("d", 70, "2024-01-21"), {"source_id": "y", "value": 75, "date": "2024-01-26", **YEAR_2023}]
    assert "at most 70 (70 - 0), from none given before the period, so from 0 on 10 Nov 2020" in run(early).explanation[0]


# ---------------------------------------------------------------- the real data: the new kinds


@pytest.fixture(scope="module")
def real_cross(real_claims):
    return find_inconsistencies(real_claims, context=CONTEXT, cross_kind=True)


def test_real_data_new_kinds_must_appear(real_findings, real_cross):
    # MFA 25 Oct 2022: 48 and 45 killed; Bayramov 2 Dec 2022: 45, a fall from the 48
    higher = ("az-s25-2022-10-25-mfa-03", "az-s25-2022-10-25-mfa-05", "az-s27-2022-12-02-bayramov-03")
    assert higher in ids_of(real_findings, "decreased_from_higher")
    row = real_findings[real_findings.claim_ids == higher].iloc[0]
    assert row.related == (("conflicting_values", ("az-s25-2022-10-25-mfa-03", "az-s25-2022-10-25-mfa-05")),)
    # 16 Mar 2023: PGO 49 killed + 234 injured = 283, the Ombudsman 286 casualties the same day
    assert ("az-s30-2023-03-16-aliyeva-01", "az-s29-2023-03-16-pgo-01", "az-s29-2023-03-16-pgo-02") in ids_of(
        real_findings, "parts_across_statements")
    # ANAMA 12 Feb 2024 (65 + 278 = 343) against ANAMA's other statement of that day (345), beside the within finding
    across = ("az-s71-2024-02-12-anama-03", "az-s72-2024-02-12-anama-02", "az-s72-2024-02-12-anama-04")
    assert across in ids_of(real_findings, "parts_across_statements")
    assert ("az-s72-2024-02-12-anama-01", "az-s72-2024-02-12-anama-02", "az-s72-2024-02-12-anama-04") in ids_of(
        real_findings, "parts_dont_add_up")
    # 39 injured in 2023 (Prosecutor General, Jan 2024), while the injured grew 234 -> 275 within 2023
    assert ("az-s29-2023-03-16-pgo-02", "az-s59-2023-12-hajiyev-03", "az-s66-2024-01-26-aliyev-03") in ids_of(
        real_findings, "period_vs_running")
    # ANAMA's data relayed in Dec 2025: 415 casualties and 344 injured to 2 Jun 2025, above later official totals
    cross = ids_of(real_cross, "cross_kind_total")
    assert ("az-s90-2025-03-10-hasanov-02", "ind-report-az-2025-12-26-05", "az-n07-2025-10-09-musayev-01") in cross
    assert ("az-s93-2025-05-31-hajiyev-01", "ind-report-az-2025-12-26-03", "az-n09-2025-07-04-aliyev-02") in cross
    # the same start stated as a month and as a day is one series (found before this issue, kept)
    assert ("az-s55-2023-11-21-hajiyev-01", "az-s56-2023-11-30-azizov-01") in ids_of(real_findings, "count_decreased")
    assert ("az-n13-2022-06-suleymanov-01", "az-n21-2022-06-06-suleymanov-01") in ids_of(real_findings,
                                                                                         "close_dates_differ")
    assert ("az-s07-2021-06-aliyeva-01", "az-n24-2021-06-12-bayramov-02") in ids_of(real_findings, "qualifier_changed")


def test_real_data_new_kinds_must_not_appear(real_findings, real_cross):
    assert "cross_kind_total" not in set(real_findings.kind)  # opt-in
    cross_kind = {"period_vs_running", "cross_kind_total"}
    added = real_cross[~real_cross.kind.isin(set(KINDS) - cross_kind)]
    involved = {cid for ids in real_cross.claim_ids for cid in ids}
    # AzCBL's 342 and 65 to 5 Feb 2024 (a relay of the officials' January figures) sit between 342 and 345
    assert not {"ind-trend-news-agency-2024-02-05-01", "ind-trend-news-agency-2024-02-05-02"} & involved
    # the relayed 71 killed to 2 Jun 2025 sits between 70 (Mar 2025) and 71 (Oct 2025)
    assert "ind-report-az-2025-12-26-04" not in involved
    # calendar-year figures that fit the running totals: 58 casualties and 19 killed in 2023, 41/5/36 in 2024, 33 in 2025
    fits = {"az-s66-2024-01-26-aliyev-01", "az-s66-2024-01-26-aliyev-02", "az-n03-2025-01-27-aliyev-01",
            "az-n03-2025-01-27-aliyev-03", "az-n03-2025-01-27-aliyev-05", "az-n02-2026-01-28-pgo-01"}
    assert not fits & {cid for ids in added.claim_ids for cid in ids}
    # Hajiyev and Bayramov, 12-13 Sep 2023: 55 + 251 = 306, and 306
    assert not any({"az-s42-2023-09-12-hajiyev-01", "az-s43-2023-09-13-bayramov-01"} <= set(ids)
                   for ids in ids_of(real_cross, "parts_across_statements"))
    # the independent count of 2023's casualties (58, AzCBL) fits too; its 39 injured does not (low: another counter)
    period = real_cross[real_cross.kind == "period_vs_running"]
    assert not any("ind-menafn-azernews-2024-02-27-01" in ids for ids in period.claim_ids)
    indep = period[period.claim_ids.map(lambda ids: "ind-menafn-azernews-2024-02-27-03" in ids)]
    assert indep.severity.tolist() == ["low"] and "an independent count" in indep.explanation.iloc[0]
