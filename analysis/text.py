"""How numbers, dates and periods are written, the same in charts, alt texts, tables and findings.

No plotting here: the consistency checks use it without importing matplotlib.
"""

from __future__ import annotations

import pandas as pd

from .vocab import QUALIFIER_WORDS


def fmt_number(v: float, unit: str = "") -> str:
    """'3,400', '12.5', '55%'."""
    s = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{s}%" if unit == "percent" else s


def fmt_value(v: float, qualifier: str, unit: str = "") -> str:
    """'more than 3,400', 'nearly 55%', '342'."""
    word = QUALIFIER_WORDS.get(str(qualifier), "")
    return f"{word} {fmt_number(v, unit)}".strip()


def fmt_day(ts: pd.Timestamp) -> str:
    """'10 Nov 2020'."""
    return f"{ts.day} {ts:%b %Y}"


def fmt_window(earliest, latest, inferred: bool = False) -> str:
    """'12 Dec 2024'; 'Feb 2021' for a whole month; '1-20 Feb 2021'; '21 Jan-12 Feb 2024';
    '1 Dec 2021-5 Jan 2022'; with ' (date inferred)' where the window was inferred."""
    a, b = pd.Timestamp(earliest), pd.Timestamp(latest)
    if a == b:
        text = fmt_day(a)
    elif a.day == 1 and b == a + pd.offsets.MonthEnd(0):
        text = f"{a:%b %Y}"
    elif (a.year, a.month) == (b.year, b.month):
        text = f"{a.day}-{fmt_day(b)}"
    elif a.year == b.year:
        text = f"{a.day} {a:%b}-{fmt_day(b)}"
    else:
        text = f"{fmt_day(a)}-{fmt_day(b)}"
    return text + (" (date inferred)" if inferred else "")


def fmt_period(start, end) -> str:
    """What a number covers: 'since 10 Nov 2020, to 12 Dec 2024' or 'no start date given, ...'."""
    to = f"to {fmt_day(end)}" if pd.notna(end) else "to the statement's date"
    if pd.isna(start):
        return f"no start date given, {to}"
    return f"since {fmt_day(start)}, {to}"
