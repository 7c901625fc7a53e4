"""The words: how numbers, values, dates, periods and speakers are written, the same in charts,
alt texts, tables and findings, and the "did you mean" of every error message.

No plotting here: the consistency checks use it without importing matplotlib. pandas is
imported by the two functions that need it, so `did_you_mean` costs the report runner's
messages nothing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from .vocab import QUALIFIER_WORDS, UNIT_SUFFIX

if TYPE_CHECKING:
    import pandas as pd


def fmt_number(v: float, unit: str = "") -> str:
    """'3,400', '12.5', '55%', '12 km2', '40 ha' (`vocab.UNIT_SUFFIX`; the `vocab.COUNT_UNITS` need no unit word)."""
    s = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    return s + UNIT_SUFFIX.get(str(unit), "")


def fmt_value(v: float, qualifier: str, unit: str = "") -> str:
    """'more than 3,400', 'nearly 55%', '342'."""
    word = QUALIFIER_WORDS.get(str(qualifier), "")
    return f"{word} {fmt_number(v, unit)}".strip()


def fmt_day(ts: pd.Timestamp) -> str:
    """'10 Nov 2020'."""
    return f"{ts.day} {ts:%b %Y}"


def fmt_window(earliest, latest, inferred: bool = False) -> str:
    """'12 Dec 2024'; 'Feb 2021' for a whole month; '2025' for a whole year; '1-20 Feb 2021';
    '21 Jan-12 Feb 2024'; '1 Dec 2021-5 Jan 2022'; with ' (date inferred)' where the window was
    inferred."""
    import pandas as pd

    a, b = pd.Timestamp(earliest), pd.Timestamp(latest)
    if a == b:
        text = fmt_day(a)
    elif (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
        text = str(a.year)
    elif a.day == 1 and b == a + pd.offsets.MonthEnd(0):
        text = f"{a:%b %Y}"
    elif (a.year, a.month) == (b.year, b.month):
        text = f"{a.day}-{fmt_day(b)}"
    elif a.year == b.year:
        text = f"{a.day} {a:%b}-{fmt_day(b)}"
    else:
        text = f"{fmt_day(a)}-{fmt_day(b)}"
    return text + (" (date inferred)" if inferred else "")


def fmt_period(start, end, start_latest=None) -> str:
    """What a number covers: 'since 10 Nov 2020, to 12 Dec 2024' or 'no start date given, ...'.
    A start known only to a month or a year (``start_latest``, the last day it can be) is
    written as that: 'since Nov 2020', 'since 2020', not as its first day."""
    import pandas as pd

    to = f"to {fmt_day(end)}" if pd.notna(end) else "to the statement's date"
    if pd.isna(start):
        return f"no start date given, {to}"
    latest = start_latest if start_latest is not None and pd.notna(start_latest) else start
    return f"since {fmt_window(start, latest)}, {to}"


def year_runs(years: Iterable[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive years, in order: [(1999, 2002), (2024, 2024)]."""
    out: list[tuple[int, int]] = []
    for y in sorted(set(int(y) for y in years)):
        if out and y == out[-1][1] + 1:
            out[-1] = (out[-1][0], y)
        else:
            out.append((y, y))
    return out


def fmt_years(years: Iterable[int]) -> str:
    """'2017-2022' or '2011' or '1999-2002, 2024' from a set of years."""
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in year_runs(years))


def cap(text: str) -> str:
    """First letter upper-case, the rest as it is ('since 10 Nov 2020' -> 'Since 10 Nov 2020')."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """First letter lower-case unless the first word is an acronym ('Killed or injured' -> 'killed or injured')."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() and len(first) > 1 else text[:1].lower() + text[1:]


# ---------------------------------------------------------------- who said it


_TRAILING_PARENS = re.compile(r"\s*\([^)]*\)\s*$")


@lru_cache(maxsize=4096)
def who(speaker: str, speaker_role: str = "", affiliation: str = "", publisher: str = "", collected_by: str = "") -> str:
    """Who gave a figure, for a sentence: 'Hikmet Hajiyev, Assistant to the President'; an office
    alone ('ANAMA'); for a report with no speaker, its publisher and who counted."""
    speaker = speaker.strip()
    if not speaker:
        name = publisher.strip() or "unnamed source"
        return f"{name}, counted by {collected_by}" if collected_by else name
    role = _TRAILING_PARENS.sub("", speaker_role).strip()
    aff = affiliation.split(",")[0].strip().lower()
    is_office = bool(aff) and (speaker.lower() in aff or aff in speaker.lower())
    if role and not is_office and role.lower() not in speaker.lower():
        return f"{speaker}, {role}"
    return speaker


def speaker_and_office(speaker: str, affiliation: str) -> str:
    """'Aykhan Hajizada, Ministry of Foreign Affairs of ...'; an institution speaking for itself once."""
    if affiliation and speaker in affiliation:
        return affiliation
    if affiliation and affiliation not in speaker:
        return f"{speaker}, {affiliation}"
    return speaker


def attribution(r) -> str:
    """One source as a source line names it: 'speaker, office, via outlet, when' for an official
    statement, 'publisher, when' for a report (``r`` has the columns of `analysis.load_claims`)."""
    when = fmt_window(r.date_earliest, r.date_latest, bool(r.date_inferred))
    if r.source_kind == "official_statement":
        return f"{speaker_and_office(r.speaker, r.affiliation)}, via {r.publisher}, {when}"
    return f"{r.publisher}, {when}"


# ---------------------------------------------------------------- did you mean


def did_you_mean(value: str, choices, n: int = 3, cutoff: float = 0.6, quote: bool = False) -> str:
    """'did you mean a, b?' for the choices close to ``value``, or '' (never an unrelated one:
    ``cutoff`` is difflib's similarity ratio a suggestion must reach); ``quote`` writes ids and
    names as 'a' (parameter and run-list messages)."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=n, cutoff=cutoff)
    shown = [repr(c) if quote else c for c in close]
    return f"did you mean {', '.join(shown)}?" if close else ""
