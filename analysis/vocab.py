"""Controlled vocabularies that are not data files (metrics live in data/metrics.csv)."""

from __future__ import annotations

# How the source bounds its number, mapped from the source's own word.
QUALIFIERS = ("exact", "more_than", "at_least", "nearly", "about", "up_to")
# Words put before a number on charts and in captions ("exact" shows nothing).
QUALIFIER_WORDS = {
    "exact": "",
    "more_than": "more than",
    "at_least": "at least",
    "nearly": "nearly",
    "about": "about",
    "up_to": "up to",
    "less_than": "less than",  # only on derived values (100% minus "more than 55%")
}
# Who the number is about. "none" is for numbers that are not about people
# (maps, mines, areas, incidents); "unspecified" where the source does not say.
GROUPS = ("all", "civilian", "military", "child", "woman", "journalist", "deminer", "unspecified", "none")
SOURCE_KINDS = (
    "official_statement",
    "monitoring_report",
    "ngo_report",
    "un_report",
    "government_report",
    "news_report",
    "blog",
)
METRIC_KINDS = ("count", "cumulative_count", "percent", "estimate")
UNITS = ("people", "percent", "mines", "maps", "incidents", "km2", "m2", "ha")
# Units of things counted one by one: a number of them needs no unit word ("342", not "342 people").
COUNT_UNITS = ("people", "mines", "maps", "incidents")
# What follows a number of every other unit ("55%", "12 km2", "40 ha").
UNIT_SUFFIX = {"percent": "%", "km2": " km2", "m2": " m2", "ha": " ha"}
# Who counted a figure, by kind (claims.csv `counter_kind`; see data/README.md): the government
# whose official statements the data holds, a body independent of the parties, another party to
# the conflict, a total compiled from official and independent counts, or not said.
COUNTER_KINDS = ("official", "independent", "other_party", "mixed", "unknown")
# The metrics of people killed or injured that the casualty charts draw and compare (metrics.csv names).
CASUALTY_METRICS = ("casualties", "killed", "injured")
# A period_start argument that means "the dataset's reference date" (dataset.yaml reference.start).
REFERENCE = "reference"
# Chart file formats and seaborn text-size themes (notebook parameters and save_figure).
FORMATS = ("png", "svg", "pdf")
THEMES = ("paper", "notebook", "talk", "poster")

# The kinds of consistency findings (`analysis.checks`), in the order tables list them, and the
# words that name them in tables, findings.json's page section and messages.
FINDING_LABELS = {
    "count_decreased": "count went down",
    "decreased_from_higher": "count went down from the higher of two figures",
    "close_dates_differ": "close dates, different figures",
    "conflicting_values": "two figures in one statement",
    "parts_exceed_whole": "parts exceed the whole",
    "parts_dont_add_up": "parts don't add up",
    "parts_across_statements": "parts and whole across statements",
    "qualifier_changed": "qualifier changed",
    "stale_figure": "stale figure",
    "period_vs_running": "period figure vs running totals",
    "cross_kind_total": "relayed or independent total vs officials'",
}
FINDING_KINDS = tuple(FINDING_LABELS)
