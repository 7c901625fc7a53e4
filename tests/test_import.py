"""The one-off import (scripts/import_sources.py): its rules, and that it reproduces data/.

The reproduction test reads the researched tables in ../shared/sources (beside the repo) and
skips, saying why, where they are absent; nothing else in the project reads them. The rule
tests run the import's functions on small made-up rows, and check the committed rows the
rules produced.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

import analysis
from analysis import checks, config, data

SHARED_SOURCES = config.ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="module")
def imp():
    spec = importlib.util.spec_from_file_location("import_sources", config.ROOT / "scripts" / "import_sources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def claims():
    return analysis.load_claims().set_index("claim_id", drop=False).rename_axis(None)


@pytest.fixture(scope="module")
def sources():
    return analysis.validate().sources.set_index("source_id")


def official_row(**kw) -> dict:
    row = dict(statement_date="2023-09-13", published_date="2023-09-13", publisher="Example Wire",
               url="https://example.org/a", speaker="Jeyhun Bayramov", speaker_role="Minister", metric="victims",
               value="306", unit="people", qualifier="exact", period_start="2020-11-10", period_end="2023-09-13",
               period_label="since the war", group="all", excerpt="(not imported)", statement_ref="S99",
               date_inferred="False")
    return row | kw


def independent_row(**kw) -> dict:
    row = dict(published_date="2022-08-03", publisher="Trend News Agency", url="https://example.org/i",
               collected_by="AzCBL", area="Azerbaijan", period_start="2022-01-01", period_end="2022-07-31",
               period_label="Jan-Jul 2022", metric="casualties", value="102", unit="people", qualifier="exact",
               group="all", excerpt="(not imported)", notes="")
    return row | kw


# ---------------------------------------------------------------- reproduction


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(),
                    reason=f"the researched tables are not beside the repo ({SHARED_SOURCES} is absent)")
def test_the_import_reproduces_data_byte_for_byte(imp):
    for name, rows in imp.build(SHARED_SOURCES).items():
        assert imp.render(rows) == (config.DATA_DIR / name).read_text(encoding="utf-8"), (
            f"data/{name} differs from what scripts/import_sources.py makes of {SHARED_SOURCES}")


# ---------------------------------------------------------------- "as many as"


def test_as_many_as_is_the_number_as_stated_not_a_cap(imp, claims):
    assert imp.qualifier("up to") == "up_to"  # a real cap stays one
    assert imp.qualifier("as many as") == "exact"
    _, out = imp.official([official_row(qualifier="as many as")])
    assert (out[0]["qualifier"], out[0]["qualifier_as_stated"]) == ("exact", "as many as")
    for cid in ("az-s22-2022-10-06-safarov-02", "az-s26-2022-10-anama-01", "az-s43-2023-09-13-bayramov-01"):
        assert (claims.loc[cid, "qualifier"], claims.loc[cid, "qualifier_as_stated"]) == ("exact", "as many as")
    assert "as many as" not in set(claims.qualifier_as_stated[claims.qualifier == "up_to"])


def test_an_unknown_qualifier_stops_the_import(imp):
    with pytest.raises(SystemExit, match="unmapped qualifier 'roughly'"):
        imp.qualifier("roughly")


# ---------------------------------------------------------------- inferred dates and the researchers' notes


def test_a_date_the_researchers_inferred_is_marked_inferred(imp, sources):
    plain, _ = imp.independent([independent_row(notes="2 of the 3 killed by cluster munitions")])
    assert plain[0]["date_inferred"] == "false"
    inferred, _ = imp.independent([independent_row(notes="publication year inferred from content")])
    assert inferred[0]["date_inferred"] == "true" and "inferred" in inferred[0]["date_note"]
    assert bool(sources.loc["ind-trend-news-agency-2022-08-03", "date_inferred"])
    assert not bool(sources.loc["ind-monitor-2017-10-27", "date_inferred"])


def test_the_researchers_notes_are_carried(imp, claims):
    _, out = imp.independent([independent_row(notes="32+70=102, so read as civilians")])
    assert "32+70=102, so read as civilians" in out[0]["note"]
    # the 'Australia' page that is really the Azerbaijan 2009 profile says so
    assert claims.loc["ind-monitor-2013-11-22-01", "note"].count("Australia") == 1
    independent_rows = claims[claims.source_kind != "official_statement"]
    carried = independent_rows.note.str.contains("researchers' note:", regex=False).sum()
    assert carried >= 159
    if SHARED_SOURCES.is_dir():  # every row of the researched tables with a note carries it
        noted = sum((pd.read_csv(SHARED_SOURCES / name, dtype=str, keep_default_na=False).notes.str.strip() != "").sum()
                    for name in imp.INDEPENDENT_TABLES)
        assert carried == noted


# ---------------------------------------------------------------- period starts


def test_a_start_given_as_a_month_or_a_year_is_a_window(imp):
    assert imp.start_window("2020-11-10") == ("2020-11-10", "")
    assert imp.start_window("2020-11") == ("2020-11-01", "2020-11-30")
    assert imp.start_window("2020") == ("2020-01-01", "2020-12-31")
    assert imp.start_window("") == ("", "")
    _, out = imp.official([official_row(period_start="2020-11", period_label="since November 2020")])
    assert (out[0]["period_start"], out[0]["period_start_latest"], out[0]["note"]) == ("2020-11-01", "2020-11-30", "")


def test_month_and_day_starts_are_one_series(claims):
    s = data.series(claims, "casualties")
    month = s[s.period_start_latest > s.period_start]
    assert len(month) and len(s[s.period_start_latest == s.period_start])
    assert "az-s55-2023-11-21-hajiyev-01" in set(month.claim_id)  # "since November 2020"
    assert {"aa-2024-hajizada-04", "az-n01-2026-03-13-mfa-03"} <= set(s.claim_id)  # "since 10 Nov 2020"
    # "since 27 Sep 2020" as a day would not be in it, nor a start after the war
    early = claims.assign(period_start_latest=claims.period_start)
    assert not data.starts_at(early.loc[["az-s44-2023-09-20-mfa-01"]], "2020-11-10").iloc[0]
    assert data.starts_at(claims.loc[["az-s44-2023-09-20-mfa-01"]], "2020-11-10").iloc[0]
    assert not data.starts_at(claims.loc[["az-s66-2024-01-26-aliyev-01"]], "2020-12-01").iloc[0]


def test_month_and_day_starts_are_compared_by_the_checks(claims):
    findings = checks.find_inconsistencies(claims.reset_index(drop=True), kinds=("count_decreased",))
    # Hajiyev's "more than 340 since November 2020" then ANAMA's 337 since 10 Nov 2020
    pair = ("az-s55-2023-11-21-hajiyev-01", "az-s56-2023-11-30-azizov-01")
    assert pair in set(findings.claim_ids)
    assert "since Nov 2020" in findings[findings.claim_ids == pair].explanation.iloc[0]


def test_starts_read_from_the_sources_words(claims):
    # S47 "since the Trilateral Declaration": the day it took effect, not the first of the month
    assert claims.loc["az-s47-2023-09-bayramov-01", "period_start"] == pd.Timestamp("2020-11-10")
    assert claims.loc["az-s47-2023-09-bayramov-01", "period_start_latest"] == pd.Timestamp("2020-11-10")
    # S44 counts from the war's start; S45 and S47 date the same counts from 10 Nov: a window, noted
    s44 = claims.loc["az-s44-2023-09-20-mfa-01"]
    assert (s44.period_start, s44.period_start_latest) == (pd.Timestamp("2020-09-27"), pd.Timestamp("2020-11-10"))
    assert "S45" in s44.note and "S47" in s44.note
    # S90 "to date" (70 killed, 314 injured) is the post-war count, not a total since 1991
    assert claims.loc["az-s90-2025-03-10-hasanov-01", "period_start"] == pd.Timestamp("2020-11-01")
    assert "az-s90-2025-03-10-hasanov-01" not in set(data.series(claims, "killed", period_start=None).claim_id)
    # "in the last 3 years" is not "a month given as the start"
    for cid in ("az-s67-2024-01-bayramov-01", "az-s68-2024-01-bayramov-01"):
        assert "as a month" not in claims.loc[cid, "note"] and "last 3 years" in claims.loc[cid, "note"]


# ---------------------------------------------------------------- who counted, who published


@pytest.mark.parametrize(("collected_by", "kind"), [
    ("ANAMA (as cited by Monitor)", "official"),
    ("ANAMA (as cited by AzCBL chairman)", "official"),
    ("ANAMA (as cited by US DoS)", "official"),
    ("ANAMA (as reported to Mine Action Review)", "official"),
    ("ANAMA official data (relayed by Azerbaijan Mine Victims Association, NGO)", "official"),
    ("AzCBL (citing official sources)", "official"),
    ("Azerbaijan MFA (government statement, reported by TASS)", "official"),
    ("Armenia National Security Service (statement of 25 Jan 2024)", "other_party"),
    ("Nagorno-Karabakh de facto authorities (Artak Beglaryan, adviser to the State Minister)", "other_party"),
    ("AzCBL", "independent"),
    ("AzCBL (as cited by Monitor)", "independent"),
    ("HALO Trust (per Monitor)", "independent"),
    ("Monitor (compiled from ANAMA/AzCBL data)", "mixed"),
])
def test_who_counted_is_classified_the_same_whoever_publishes_it(imp, collected_by, kind):
    assert imp.counter_kind(collected_by, "https://example.org/", "casualties") == kind


def test_an_unclassified_collector_stops_the_import(imp):
    with pytest.raises(SystemExit, match="unclassified collector 'Someone New'"):
        imp.counter_kind("Someone New", "https://example.org/", "casualties")


def test_relayed_official_counts_and_independent_counts_are_one_filter_each(claims):
    relayed = claims[claims.relays_official]
    assert set(relayed.counter_kind) == {"official"} and "official_statement" not in set(relayed.source_kind)
    by_collector = relayed.collected_by.str.split(" ").str[0]
    assert {"ANAMA", "Azerbaijan"} <= set(by_collector)  # ANAMA however cited; the MFA as news reported it
    assert "ind-monitor-2013-11-22-01" in relayed.index  # ANAMA via the Monitor
    # the Armenian side's statements on the maps are not relays of Azerbaijani figures
    armenia = claims[claims.collected_by.str.startswith("Armenia National Security Service")]
    assert len(armenia) and not armenia.relays_official.any() and set(armenia.counter_kind) == {"other_party"}
    independent = claims[claims.counter_kind == "independent"]
    assert not independent.relays_official.any() and "official_statement" not in set(independent.source_kind)
    assert not independent.collected_by.str.startswith("ANAMA").any()


# ---------------------------------------------------------------- several pages of one statement


def test_a_statement_on_several_pages_is_one_source_with_its_other_pages(claims, sources):
    src = sources.loc["az-n01-2026-03-13-mfa"]
    assert len(src.other_urls.split()) == 2 and src.url not in src.other_urls
    rows = claims[claims.source_id == "az-n01-2026-03-13-mfa"]
    assert sorted(zip(rows.metric.astype(str), rows.value, strict=True)) == [
        ("casualties", 419.0), ("injured", 347.0), ("killed", 72.0)]
    # a number read only on another page names that page
    n12 = claims[claims.source_id == "az-n12-2024-04-04-suleymanov"]
    only_there = n12[n12.page_url != ""]
    assert list(only_there.value) == [285.0]
    assert only_there.page_url.iloc[0] in sources.loc["az-n12-2024-04-04-suleymanov", "other_urls"].split()
