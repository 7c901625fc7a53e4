"""One-off import of the researched figures into data/ (provenance, not run by the package).

Usage: python scripts/import_sources.py PATH/TO/sources PATH/TO/data

Reads the two researched tables (az_official_statements.csv, independent_sources.csv)
and writes data/sources.csv and data/claims.csv in the project's vocabulary. It keeps
numbers, urls, speakers, collectors and periods; it drops the excerpts (other people's
words) and derives nothing. The package never runs this file: the CSVs it wrote are
committed, and everything downstream reads only data/.
"""

from __future__ import annotations

import calendar
import csv
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
    "as many as": "up_to", "does not go over": "up_to",
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
NON_PEOPLE_UNITS = {"mines", "percent", "incidents", "km2", "m2", "maps", "mines and uxo items",
                    "mines and explosive munitions", "minefield maps/forms", "minefield documents"}

AFFILIATIONS = [
    (("ANAMA", "Ramil Azizov", "Samir Poladov", "Vugar Suleymanov"), "ANAMA, Azerbaijan's mine action agency"),
    (("Aykhan Hajizada", "Jeyhun Bayramov", "Ministry of Foreign Affairs", "Elshad Isgandarov",
      "Elin Suleymanov", "Yashar Aliyev"), "Ministry of Foreign Affairs of Azerbaijan"),
    (("Hikmet Hajiyev", "Ilham Aliyev"), "Office of the President of Azerbaijan"),
    (("Ilgar Safarov", "Kamran Aliyev", "Mahir Abbasov", "Prosecutor General's Office of Azerbaijan",
      "Prosecutor's Office of Azerbaijan"), "Prosecutor General's Office of Azerbaijan"),
    (("Sabina Aliyeva",), "Ombudsman of Azerbaijan"),
    (("Sharafat Hasanov",), "State Security Service of Azerbaijan"),
    (("not named (Trend compilation)", "unnamed official source"), "Azerbaijani officials (unnamed)"),
]

SPEAKER_SLUGS = {"ANAMA": "anama", "Ministry of Foreign Affairs": "mfa",
                 "Prosecutor General's Office of Azerbaijan": "pgo", "Prosecutor's Office of Azerbaijan": "pgo",
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


def period(start: str, end: str, date_latest_month: str | None) -> tuple[str, str, list[str]]:
    notes = []
    if len(start) == 7:
        notes.append(f"source gives the period start as a month ({start}); recorded as its first day")
        start = month_span(start)[0]
    if len(end) == 7:
        if end == date_latest_month:
            end = ""  # to the date of the statement
        else:
            notes.append(f"source gives the period end as a month ({end}); recorded as its last day")
            end = month_span(end)[1]
    return start, end, notes


def official(rows: list[dict]) -> tuple[list[dict], list[dict]]:
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
            if len(sd) == 10:
                early = late = sd
                date_note = ""
            else:
                early, late = month_span(sd)
                date_note = "month only: the window spans the month"
                if len(pub) == 10 and pub.startswith(sd) and pub < late:
                    late = pub
                    date_note = "month only: the window runs from the month's start to the page's publication"
            if inferred:
                date_note = (date_note + "; " if date_note else "") + "year or month inferred from context, not read on the page"
        sources.append(dict(source_id=sid, source_kind="official_statement", publisher=publisher,
                            url=r0["url"], speaker=r0["speaker"], speaker_role=role,
                            affiliation=affiliation(r0["speaker"]), date_earliest=early,
                            date_latest=late, date_inferred=str(inferred).lower(),
                            date_note=date_note, source_ref=ref, note=note))
        for i, r in enumerate(rs, 1):
            metric, group = OFFICIAL_METRICS.get(r["metric"], (r["metric"], None))
            group = group or GROUPS[r["group"]]
            start, end, notes = period(r["period_start"], r["period_end"], sd if len(sd) == 7 else None)
            if not start and r["period_label"] in PERIOD_START_FROM_LABEL:
                start, why = PERIOD_START_FROM_LABEL[r["period_label"]]
                notes.append(why)
            if end and end == late and early == late:
                end = ""
            claims.append(dict(claim_id=f"{sid}-{i:02d}", source_id=sid, metric=metric,
                               value=clean_value(r["value"]), qualifier=qualifier(r["qualifier"]),
                               qualifier_as_stated=r["qualifier"], group=group, area=OFFICIAL_AREA,
                               collected_by="", relays_official=str(False).lower(),
                               period_start=start, period_end=end, period_label=r["period_label"],
                               note="; ".join(notes)))
    return sources, claims


UNDATED = {  # url -> (earliest, latest, why); windows from the researchers' notes on these pages
    "https://blog.bakililar.az/MineVictimTotal.html": ("2009-01-01", "2009-12-31", "undated page; shows 2009 year-to-date figures, so dated to 2009"),
    "https://blog.bakililar.az/TheBasicFacts.html": ("2007-01-01", "2007-12-31", "undated page; its latest year cited is 2006, so dated to about 2007"),
    "https://www.az.undp.org/content/azerbaijan/en/home/projects/UNDP-AZE-Mine-Action.html": ("2009-01-01", "2009-12-31", "undated page, dated to about 2009 by the researchers"),
    "https://www.meydan.tv/en/article/caspian-defense-studies-institute-more-than-2000-injured-or-dead-in-karabakh-war/?/ref=redirect": ("2016-05-12", "2016-05-31", "undated article, about May 2016; its period ends 2016-05-12"),
    "https://aze.media/5479-2/": ("2021-04-01", "2026-11-28", "undated article published after March 2021; latest = the date this dataset was built"),
}
# A blank period start that the source's own words pin down: the Second Karabakh War began
# on 27 Sep 2020. Left blank, these would sit in the "since 1991" series they are not part of.
PERIOD_START_FROM_LABEL = {
    "as worded: 'since the beginning of the second Garabagh War'": (
        "2020-09-27", "the source counts from the start of the Second Karabakh War (27 Sep 2020); "
                      "the researched table left the start blank"),
}

# notes of our own on single pages, where the researchers flagged something a reader must know
PAGE_NOTES = {
    "https://en.trend.az/azerbaijan/society/3857417.html": (
        "casualties|killed", "same numbers as the Foreign Ministry's of January 2024 (342, 65); the researchers "
                            "judge it likely relays them, so it is marked as relaying an official figure"),
}
LIKELY_RELAYS = {("https://en.trend.az/azerbaijan/society/3857417.html", "casualties"),
                 ("https://en.trend.az/azerbaijan/society/3857417.html", "killed")}
RELAYS_OFFICIAL = re.compile(r"Azerbaijan MFA|National Security Service|relayed by|as stated by Azerbaijani MFA|citing official sources", re.I)


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
            date_note, inferred = "", False
        elif len(pub) == 4:
            early, late = f"{pub}-01-01", f"{pub}-12-31"
            date_note, inferred = "year only: the window spans the year", False
        else:
            early, late, date_note = UNDATED[url]
            inferred = True
        base = f"ind-{short}-{pub or early[:4]}"
        seen[base] = seen.get(base, 0) + 1
        sid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        sources.append(dict(source_id=sid, source_kind=kind, publisher=r0["publisher"], url=url,
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
            if q.startswith("range"):
                notes.append("one end of a range the source gives")
            if q == "partial year":
                notes.append("a count for part of the year (year to date), not the whole year")
            page_metrics, page_note = PAGE_NOTES.get(url, ("", ""))
            if r["metric"] in page_metrics.split("|"):
                notes.append(page_note)
            if r["unit"] not in ("people", "km2", "m2", "mines", "percent"):
                notes.append(f"unit as stated: {r['unit']}")
            end = r["period_end"]
            claims.append(dict(claim_id=f"{sid}-{i:02d}", source_id=sid, metric=metric,
                               value=clean_value(r["value"]), qualifier=qualifier(r["qualifier"]),
                               qualifier_as_stated=r["qualifier"], group=group, area=r["area"],
                               collected_by=r["collected_by"],
                               relays_official=str(bool(RELAYS_OFFICIAL.search(r["collected_by"] + " " + r["qualifier"]))
                                                   or (url, r["metric"]) in LIKELY_RELAYS).lower(),
                               period_start=r["period_start"], period_end=end,
                               period_label=r["period_label"], note="; ".join(notes)))
    return sources, claims


def main(src: Path, out: Path) -> None:
    def read(name):
        with open(src / name, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    s1, c1 = official(read("az_official_statements.csv"))
    # the seed article first: the project starts from it, and a printed frame shows it
    s1.sort(key=lambda r: r["source_id"] != SEED_ID)
    c1.sort(key=lambda r: r["source_id"] != SEED_ID)
    s2, c2 = independent(read("independent_sources.csv"))
    for name, rows in (("sources.csv", s1 + s2), ("claims.csv", c1 + c2)):
        with open(out / name, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
