"""One-off import of the researched figures into data/ (provenance, not run by the package).

Usage: python scripts/import_sources.py PATH/TO/sources PATH/TO/data

Reads the researched tables (az_official_statements.csv, independent_sources.csv and their
2026 updates) and writes data/sources.csv and data/claims.csv in the project's vocabulary.
It keeps numbers, urls, speakers, collectors, periods and the researchers' notes (written
for this project); it drops the excerpts (other people's words) and derives nothing. The
package never runs this file: the CSVs it wrote are committed, and everything downstream
reads only data/. tests/test_import.py re-runs it and compares, byte for byte.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import sys
from collections import OrderedDict
from pathlib import Path

SEED_ID = "aa-2024-hajizada"
SEED_REF = "S69"
SEED_WINDOW = ("2024-01-21", "2024-02-12")
SEED_DATE_NOTE = (
    "Article undated. Window inferred: the 342 total was first stated on 2024-01-21 and "
    "had risen to 344-345 by 2024-02-12; the article calls September 2023 'last September'."
)
OFFICIAL_AREA = "Azerbaijan (official statement; scope not stated)"

QUALIFIERS = {
    # official statements
    "exact": "exact", "only": "exact", "more than": "more_than", "over": "more_than",
    "exceeds": "more_than", "nearly": "nearly", "almost": "nearly", "close to": "nearly",
    "closer to": "nearly", "approaching": "nearly", "about": "about", "around": "about",
    "some": "about", "approximately": "about", "estimated": "about", "up to": "up_to",
    "does not go over": "up_to",
    # "as many as 44 have died" stresses a count, it does not cap it (another report of the
    # same briefing says "44 people died"): the number as stated, the words kept
    "as many as": "exact",
    # independent sources
    "exact (as known to azcbl)": "exact", "exact (survey-identified)": "exact",
    "exact (reported)": "exact", "exact (registered)": "exact",
    "exact (suspected hazardous area)": "exact", "exact ('is said to')": "exact",
    "partial year": "exact", "as stated by azerbaijani mfa": "exact",
    "as stated by azerbaijani mfa ('about 92,000' in mfa text)": "about",
    "announced (not yet transferred at statement date)": "exact",
    "superseded (revised to 5)": "exact",
    "at least": "at_least", "at least (named dead only)": "at_least",
    "range lower bound": "at_least", "range upper bound": "up_to",
    "at most (monitor map band 1-9)": "up_to",
    "approximately (some)": "about", "approximately (roughly)": "about",
    "approximately ('one million or even slightly more')": "about",
    "more than (believed)": "more_than",
    "only (lower bound of stated range 20-25)": "at_least",
    "only (upper bound of stated range 20-25)": "up_to",
}

# (source metric) -> (metric, forced group or None)
OFFICIAL_METRICS = {
    "victims": ("casualties", None), "killed": ("killed", None), "injured": ("injured", None),
    "civilians_killed": ("killed", "civilian"), "civilian_victims": ("casualties", "civilian"),
    "children_victims": ("casualties", "child"), "women_victims": ("casualties", "woman"),
    "journalists_killed": ("killed", "journalist"),
    "civilian_victims_pct": ("casualties_share_pct", "civilian"),
    "victims_outside_former_contact_line": ("casualties_outside_former_contact_line", None),
}
INDEPENDENT_METRICS = {
    "civilian_casualties": ("casualties", "civilian"), "military_casualties": ("casualties", "military"),
    "child_casualties": ("casualties", "child"), "deminer_casualties": ("casualties", "deminer"),
}
GROUPS = {"all": "all", "civilian": "civilian", "military": "military", "children": "child",
          "child": "child", "women": "woman", "journalists": "journalist", "deminer": "deminer",
          "unspecified": "unspecified", "none": "none"}
NON_PEOPLE_UNITS = {"mines", "percent", "incidents", "km2", "m2", "ha", "maps", "mines and uxo items",
                    "mines and explosive munitions", "minefield maps/forms", "minefield documents"}

AFFILIATIONS = [
    (("ANAMA", "Ramil Azizov", "Samir Poladov", "Vugar Suleymanov"), "ANAMA, Azerbaijan's mine action agency"),
    (("Aykhan Hajizada", "Jeyhun Bayramov", "Ministry of Foreign Affairs", "Elshad Isgandarov",
      "Elin Suleymanov", "Yashar Aliyev", "Tofig Musayev"), "Ministry of Foreign Affairs of Azerbaijan"),
    (("Hikmet Hajiyev", "Ilham Aliyev"), "Office of the President of Azerbaijan"),
    (("Ilgar Safarov", "Kamran Aliyev", "Mahir Abbasov", "Prosecutor General's Office of Azerbaijan",
      "Prosecutor's Office of Azerbaijan", "Prosecutor General's Office"), "Prosecutor General's Office of Azerbaijan"),
    (("Sabina Aliyeva",), "Ombudsman of Azerbaijan"),
    (("Sharafat Hasanov",), "State Security Service of Azerbaijan"),
    (("not named (Trend compilation)", "unnamed official source"), "Azerbaijani officials (unnamed)"),
]

SPEAKER_SLUGS = {"ANAMA": "anama", "Ministry of Foreign Affairs": "mfa",
                 "Prosecutor General's Office of Azerbaijan": "pgo", "Prosecutor's Office of Azerbaijan": "pgo",
                 "Prosecutor General's Office": "pgo",
                 "not named (Trend compilation)": "unnamed", "unnamed official source": "unnamed"}

# independent publishers -> (short slug, source_kind, affiliation)
PUBLISHERS = [
    ("Landmine and Cluster Munition Monitor", "monitor", "monitoring_report", "Landmine and Cluster Munition Monitor"),
    ("Azerbaijan Campaign to Ban Landmines", "azcbl", "ngo_report", "Azerbaijan Campaign to Ban Landmines"),
    ("iGEM 2009", "igem-copy-of-monitor", "monitoring_report", "Landmine Monitor (secondary copy)"),
    ("Mine Action Review", "mine-action-review", "monitoring_report", "Mine Action Review"),
    ("UNDP", "undp", "un_report", "UNDP Azerbaijan"),
    ("US Department of State", "us-dos", "government_report", "US Department of State"),
    ("Emil Sanamyan", "sanamyan-blog", "blog", "Emil Sanamyan (blog)"),
    ("aze.media", "aze-media", "news_report", "aze.media"),
    ("Yeni Gündəm", "yenigundem", "news_report", "Yeni Gündəm"),
    ("Armenian Studies, USC Dornsife", "usc-armenian-studies", "blog", "Armenian Studies Program, USC Dornsife"),
]


def month_span(ym: str) -> tuple[str, str]:
    y, m = (int(x) for x in ym.split("-"))
    return f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"


def clean_value(v: str) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def affiliation(speaker: str) -> str:
    for names, aff in AFFILIATIONS:
        if speaker in names:
            return aff
    raise SystemExit(f"no affiliation for speaker {speaker!r}")


def publisher_info(publisher: str) -> tuple[str, str, str]:
    for prefix, short, kind, aff in PUBLISHERS:
        if publisher.startswith(prefix):
            return short, kind, aff
    return slug(publisher.split("(")[0])[:24].strip("-"), "news_report", publisher.split(" (")[0]


def qualifier(word: str) -> str:
    try:
        return QUALIFIERS[word.strip().lower()]
    except KeyError:
        raise SystemExit(f"unmapped qualifier {word!r}") from None


def start_window(start: str) -> tuple[str, str]:
    """(period_start, period_start_latest) of a start given as a day, a month or a year.

    A day is itself (``period_start_latest`` empty); a month or a year is the window of its
    first to its last day, so "since November 2020" meets "since 10 November 2020".
    """
    if len(start) == 7:
        return month_span(start)
    if len(start) == 4:
        return f"{start}-01-01", f"{start}-12-31"
    return start, ""


def period_end(end: str, statement_date: str) -> tuple[str, list[str]]:
    """A month or year end: empty ("to the statement") in the statement's own month or year,
    else its last day, noted."""
    if len(end) == 7:
        if end == statement_date[:7] and len(statement_date) <= 7:
            return "", []
        return month_span(end)[1], [f"source gives the period end as a month ({end}); recorded as its last day"]
    if len(end) == 4:
        if end == statement_date:
            return "", []
        return f"{end}-12-31", [f"source gives the period end as a year ({end}); recorded as its last day"]
    return end, []


LAST_3_YEARS = ("2020-11-01", "2020-11-30",
                "the source says 'in the last 3 years'; November 2020 (the end of the war) is the researchers' "
                "reading of it")
# Period starts that the source's words (or the counts themselves) pin down better than the
# researched table's start column: (statement ref, period label) -> (start, start_latest, note).
PERIOD_STARTS = {
    ("S44", "as worded: 'since the beginning of the second Garabagh War'"): (
        "2020-09-27", "2020-11-10",
        "the source counts from the start of the Second Karabakh War (27 Sep 2020), but the same counts "
        "(314 killed or injured, 61 killed) are dated from 10 Nov 2020 by S45 and S47 in the same days; "
        "the start is recorded as the window 27 Sep to 10 Nov 2020"),
    ("S47", "since Trilateral Declaration of Nov 2020"): (
        "2020-11-10", "",
        "the Trilateral Declaration ending the war took effect on 10 Nov 2020; the researched table gives only the month"),
    ("S90", "'hazırkı dövrədək' (to date)"): (
        "2020-11-01", "2020-11-30",
        "the source gives no start ('to date'); 70 killed and 314 injured are the post-war counts (the Prosecutor "
        "General gave 70 killed since November 2020 on 27 Jan 2025), far below the totals since 1991, so the "
        "start is inferred as November 2020"),
    ("S67", "last 3 years"): LAST_3_YEARS,
    ("S68", "last 3 years"): LAST_3_YEARS,
}


def statement_window(sd: str, pub: str) -> tuple[str, str, str]:
    """(date_earliest, date_latest, date_note) of a statement date given as a day, month or year."""
    if len(sd) == 10:
        return sd, sd, ""
    if len(sd) == 4:
        return f"{sd}-01-01", f"{sd}-12-31", "year only: the window spans the year"
    early, late = month_span(sd)
    if len(pub) == 10 and pub.startswith(sd) and pub < late:
        return early, pub, "month only: the window runs from the month's start to the page's publication"
    return early, late, "month only: the window spans the month"


def official(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """One source per statement (researched ref): its first page is the source's url, the
    other pages of the same statement are kept in ``other_urls``; one claim per distinct
    number, naming its page in ``page_url`` only when the number is not on the first page."""
    by_ref: OrderedDict[str, list[dict]] = OrderedDict()
    for r in rows:
        by_ref.setdefault(r["statement_ref"], []).append(r)
    sources, claims = [], []
    for ref, rs in by_ref.items():
        r0 = rs[0]
        inferred = any(r["date_inferred"] == "True" for r in rs)
        sd, pub = r0["statement_date"], r0["published_date"]
        note = ""
        if ref == SEED_REF:
            sid = SEED_ID
            early, late = SEED_WINDOW
            inferred, date_note = True, SEED_DATE_NOTE
            publisher = "Anadolu Agency (copy on muslimnetwork.tv)"
            role = "Spokesperson, Ministry of Foreign Affairs"
            note = "The seed article of this project."
        else:
            who = SPEAKER_SLUGS.get(r0["speaker"]) or slug(r0["speaker"]).split("-")[-1]
            sid = f"az-{ref.lower()}-{sd}-{who}"
            publisher, role = r0["publisher"], r0["speaker_role"]
            early, late, date_note = statement_window(sd, pub)
            if inferred:
                date_note = (date_note + "; " if date_note else "") + "year or month inferred from context, not read on the page"
        pages = list(dict.fromkeys(r["url"] for r in rs))
        if len(pages) > 1:
            note = (note + " " if note else "") + f"The statement is on {len(pages)} pages; the others are in other_urls."
        sources.append(dict(source_id=sid, source_kind="official_statement", publisher=publisher,
                            url=pages[0], other_urls=" ".join(pages[1:]), speaker=r0["speaker"], speaker_role=role,
                            affiliation=affiliation(r0["speaker"]), date_earliest=early,
                            date_latest=late, date_inferred=str(inferred).lower(),
                            date_note=date_note, source_ref=ref, note=note))
        seen: dict[tuple, dict] = {}
        for r in rs:
            metric, group = OFFICIAL_METRICS.get(r["metric"], (r["metric"], None))
            group = group or GROUPS[r["group"]]
            start, start_latest = start_window(r["period_start"])
            end, notes = period_end(r["period_end"], sd)
            if (ref, r["period_label"]) in PERIOD_STARTS:
                start, start_latest, why = PERIOD_STARTS[(ref, r["period_label"])]
                notes.append(why)
            if end and end == late and early == late:
                end = ""
            key = (metric, group, start, start_latest, end, clean_value(r["value"]))
            if key in seen:  # the same number on another page of the statement
                first = seen[key]
                if r["qualifier"] != first["qualifier_as_stated"]:
                    extra = f"another page of the statement words it '{r['qualifier']}'"
                    first["note"] = "; ".join(x for x in (first["note"], extra) if x)
                continue
            claim = dict(claim_id=f"{sid}-{len(seen) + 1:02d}", source_id=sid, metric=metric,
                         value=clean_value(r["value"]), qualifier=qualifier(r["qualifier"]),
                         qualifier_as_stated=r["qualifier"], group=group, area=OFFICIAL_AREA,
                         collected_by="", counter_kind="official",
                         period_start=start, period_start_latest=start_latest, period_end=end,
                         period_label=r["period_label"], page_url="" if r["url"] == pages[0] else r["url"],
                         note="; ".join(notes))
            seen[key] = claim
            claims.append(claim)
    return sources, claims


UNDATED = {  # url -> (earliest, latest, why); windows from the researchers' notes on these pages
    "https://blog.bakililar.az/MineVictimTotal.html": ("2009-01-01", "2009-12-31", "undated page; shows 2009 year-to-date figures, so dated to 2009"),
    "https://blog.bakililar.az/TheBasicFacts.html": ("2007-01-01", "2007-12-31", "undated page; its latest year cited is 2006, so dated to about 2007"),
    "https://www.az.undp.org/content/azerbaijan/en/home/projects/UNDP-AZE-Mine-Action.html": ("2009-01-01", "2009-12-31", "undated page, dated to about 2009 by the researchers"),
    "https://www.meydan.tv/en/article/caspian-defense-studies-institute-more-than-2000-injured-or-dead-in-karabakh-war/?/ref=redirect": ("2016-05-12", "2016-05-31", "undated article, about May 2016; its period ends 2016-05-12"),
    "https://aze.media/5479-2/": ("2021-04-01", "2026-11-28", "undated article published after March 2021; latest = the date this dataset was built"),
    "https://yenigundem.az/azerbaycanda-36-nefer-mina-ve-partlamamis-herbi-sursatlardan-zerer-cekib-resmi/": (
        "2021-04-01", "2026-11-28", "undated page; it counts to the end of March 2021, so published after it; latest = the date this dataset was built"),
    "https://metbuat.az/news/1436900/olkede-iki-usaq-uc-herbci-minalardan-ve-partlamamis-herbi-su.html": (
        "2022-05-01", "2022-05-31", "undated page; it counts to the end of April 2022 and a copy of the same report is dated 4 May 2022, so dated to May 2022"),
    "https://armenian.usc.edu/deadly-halo-trust-incident-context-and-background/": (
        "2018-03-29", "2026-11-28", "undated page about the incident of 29 Mar 2018; latest = the date this dataset was built"),
}
# the researchers' notes that say a page's date was not read on it
DATE_INFERRED_NOTE = re.compile(r"\bundated\b|\binferred\b|\bc\.\s?(?:\d|may)|published after", re.I)

# notes of our own on single pages, where the researchers flagged something a reader must know
LIKELY_RELAY = "https://en.trend.az/azerbaijan/society/3857417.html"  # its figures: counted by officials
PAGE_NOTES = {
    LIKELY_RELAY: (
        "casualties|killed", "same numbers as the Foreign Ministry's of January 2024 (342, 65); the researchers "
                            "judge it likely relays them, so it is marked as counted by officials"),
}
# (url, metric) of the figures the researchers judge relayed official counts: the metrics PAGE_NOTES names
LIKELY_RELAYS = {(LIKELY_RELAY, metric) for metric in PAGE_NOTES[LIKELY_RELAY][0].split("|")}
# Who counted, by kind, from `collected_by` (first match wins; an unmatched spelling stops the
# import, so every new collector is classified on purpose). `official`: the government whose
# statements the data holds (its ministries, its mine action agency ANAMA), whoever publishes
# the figure; `other_party`: another party to the conflict; `mixed`: a total compiled from
# official and independent counts; `unknown`: the source does not say who counted.
COUNTER_KINDS = [
    (re.compile(r"^ANAMA|likely ANAMA|citing official sources|^Azerbaijan MFA"), "official"),
    (re.compile(r"National Security Service|de facto authorities|CHDE|Armenian Center for Humanitarian Demining"),
     "other_party"),
    (re.compile(r"compiled from ANAMA/AzCBL|SAC/IEPF/ANAMA|^Landmine Impact Survey 2002-2003"), "mixed"),
    (re.compile(r"^not named in excerpt \(footnoted|^unclear|citing unnamed research|citing 'estimates'|"
                r"^Armenia Landmine Impact Survey"), "unknown"),
    (re.compile(r"^AzCBL|^Monitor|HALO Trust|^Caspian Defense Studies Institute|^Emil Sanamyan"), "independent"),
]


def counter_kind(collected_by: str, url: str, metric: str) -> str:
    if (url, metric) in LIKELY_RELAYS:
        return "official"
    for rx, kind in COUNTER_KINDS:
        if rx.search(collected_by):
            return kind
    raise SystemExit(f"unclassified collector {collected_by!r}: add it to COUNTER_KINDS")


def independent(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    by_src: OrderedDict[tuple[str, str], list[dict]] = OrderedDict()
    for r in rows:
        by_src.setdefault((r["url"], r["published_date"]), []).append(r)
    sources, claims, seen = [], [], {}
    for (url, pub), rs in by_src.items():
        r0 = rs[0]
        short, kind, aff = publisher_info(r0["publisher"])
        if len(pub) == 10:
            early = late = pub
            date_note = ""
        elif len(pub) == 4:
            early, late = f"{pub}-01-01", f"{pub}-12-31"
            date_note = "year only: the window spans the year"
        else:
            early, late, date_note = UNDATED[url]
        inferred = not pub or any(DATE_INFERRED_NOTE.search(r["notes"]) for r in rs)
        if inferred and pub:
            date_note = (date_note + "; " if date_note else "") + "the researchers note the date was inferred from the page's content"
        base = f"ind-{short}-{pub or early[:4]}"
        seen[base] = seen.get(base, 0) + 1
        sid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        sources.append(dict(source_id=sid, source_kind=kind, publisher=r0["publisher"], url=url, other_urls="",
                            speaker="", speaker_role="", affiliation=aff, date_earliest=early,
                            date_latest=late, date_inferred=str(inferred).lower(),
                            date_note=date_note, source_ref="", note=""))
        for i, r in enumerate(rs, 1):
            metric, group = INDEPENDENT_METRICS.get(r["metric"], (r["metric"], None))
            group = group or GROUPS[r["group"]]
            if r["unit"].lower() in NON_PEOPLE_UNITS:
                group = "none"
            notes = []
            q = r["qualifier"].lower()
            if q.startswith("superseded"):
                notes.append("superseded: the same source later revised this figure")
            if q.startswith("announced"):
                notes.append("announced, not yet handed over on the statement's date")
            if q.startswith("range") or "bound of stated range" in q:
                notes.append("one end of a range the source gives")
            if q == "partial year":
                notes.append("a count for part of the year (year to date), not the whole year")
            page_metrics, page_note = PAGE_NOTES.get(url, ("", ""))
            if r["metric"] in page_metrics.split("|"):
                notes.append(page_note)
            if r["unit"] not in ("people", "km2", "m2", "ha", "mines", "percent"):
                notes.append(f"unit as stated: {r['unit']}")
            if r["notes"]:
                notes.append(f"researchers' note: {r['notes']}")
            start, start_latest = start_window(r["period_start"])
            claims.append(dict(claim_id=f"{sid}-{i:02d}", source_id=sid, metric=metric,
                               value=clean_value(r["value"]), qualifier=qualifier(r["qualifier"]),
                               qualifier_as_stated=r["qualifier"], group=group, area=r["area"],
                               collected_by=r["collected_by"],
                               counter_kind=counter_kind(r["collected_by"], url, r["metric"]),
                               period_start=start, period_start_latest=start_latest, period_end=r["period_end"],
                               period_label=r["period_label"], page_url="", note="; ".join(notes)))
    return sources, claims


OFFICIAL_TABLES = ("az_official_statements.csv", "az_official_statements_2026_update.csv")
INDEPENDENT_TABLES = ("independent_sources.csv", "independent_sources_2026_update.csv")


def build(src: Path) -> dict[str, list[dict]]:
    """The rows of sources.csv and claims.csv, from the researched tables in `src`."""
    def read(name):
        with open(src / name, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    s1, c1 = official([r for name in OFFICIAL_TABLES for r in read(name)])
    # the seed article first: the project starts from it, and a printed frame shows it
    s1.sort(key=lambda r: r["source_id"] != SEED_ID)
    c1.sort(key=lambda r: r["source_id"] != SEED_ID)
    s2, c2 = independent([r for name in INDEPENDENT_TABLES for r in read(name)])
    return {"sources.csv": s1 + s2, "claims.csv": c1 + c2}


def render(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main(src: Path, out: Path) -> None:
    for name, rows in build(src).items():
        (out / name).write_text(render(rows), encoding="utf-8", newline="")
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
