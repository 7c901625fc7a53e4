"""What a data file must hold: its columns (`Field`), the number, date, id and url grammars,
and the rules of a single cell, checked through pandera; and the typed frame of a file
whose cells passed (numbers as floats, dates as timestamps, booleans as bools).

`DataError` carries every problem found in the data files, each one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import vocab
from .echo import shown

# The number grammar: ASCII digits only (not Arabic-Indic or full-width ones), an optional sign,
# an optional decimal point; at most MAX_INT_DIGITS before the point and MAX_FRAC_DIGITS after,
# so every accepted number is held exactly enough in a float (never inf, never NaN).
MAX_INT_DIGITS, MAX_FRAC_DIGITS = 12, 6
NUMBER_RX = rf"[+-]?[0-9]{{1,{MAX_INT_DIGITS}}}(?:\.[0-9]{{1,{MAX_FRAC_DIGITS}}})?"
NUMBER_RULE = (f"allowed: ASCII digits 0-9 with an optional sign and '.', at most {MAX_INT_DIGITS} digits "
               f"before the '.' and {MAX_FRAC_DIGITS} after, e.g. 3400 or 12.5; no thousands separators, "
               "units or words")
DATE_RX = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ID_RX = r"[a-z0-9][a-z0-9_.-]*"
URL_RX = r"https?://\S+"
BOOLS = ("true", "false")
EARLIEST_DATE = "1900-01-01"  # no figure here is older; an earlier date is a typo


class DataError(ValueError):
    """Every problem found in the data files, one per line: ``file:row: column: problem``."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the data files:\n" + "\n".join(self.problems)
        )


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text | id | ref | number | date | bool | url | urls | vocab
    required: bool = True
    allowed: tuple[str, ...] | None = None
    unique: bool = False


METRICS_FIELDS = (
    Field("metric", "id", unique=True),
    Field("unit", "vocab", allowed=vocab.UNITS),
    Field("kind", "vocab", allowed=vocab.METRIC_KINDS),
    Field("description"),
)
SOURCES_FIELDS = (
    Field("source_id", "id", unique=True),
    Field("source_kind", "vocab", allowed=vocab.SOURCE_KINDS),
    Field("publisher"),
    Field("url", "url"),
    Field("other_urls", "urls", required=False),
    Field("speaker", required=False),
    Field("speaker_role", required=False),
    Field("affiliation"),
    Field("date_earliest", "date"),
    Field("date_latest", "date"),
    Field("date_inferred", "bool"),
    Field("date_note", required=False),
    Field("source_ref", required=False),
    Field("note", required=False),
)
CLAIMS_FIELDS = (
    Field("claim_id", "id", unique=True),
    Field("source_id", "ref"),
    Field("metric", "vocab"),  # allowed: the metrics in metrics.csv
    Field("value", "number"),
    Field("qualifier", "vocab", allowed=vocab.QUALIFIERS),
    Field("qualifier_as_stated", required=False),
    Field("group", "vocab", allowed=vocab.GROUPS),
    Field("area"),
    Field("collected_by", required=False),
    Field("counter_kind", "vocab", allowed=vocab.COUNTER_KINDS),
    Field("period_start", "date", required=False),
    Field("period_start_latest", "date", required=False),
    Field("period_end", "date", required=False),
    Field("period_label"),
    Field("page_url", "url", required=False),
    Field("note", required=False),
)
FILES = {"metrics.csv": METRICS_FIELDS, "sources.csv": SOURCES_FIELDS, "claims.csv": CLAIMS_FIELDS}


# ---------------------------------------------------------------- cell checks (pandera)


def _allowed(values) -> str:
    values = list(values)
    shown = ", ".join(values[:30])
    return shown + (f", ... ({len(values)} in all)" if len(values) > 30 else "")


def _predicates(f: Field, metrics: tuple[str, ...]) -> list[tuple[Callable[[pd.Series], pd.Series], str]]:
    """The cell rules of one column: (vectorised test on the non-empty cells, error text).

    The single definition of every cell rule: the fast pass (`_cells_ok`) and the pandera
    schema that reports the problems (`_column`) are both built from it.
    """
    def rx(pattern: str) -> Callable[[pd.Series], pd.Series]:
        return lambda s: s.str.fullmatch(pattern).astype(bool)

    def isin(values) -> Callable[[pd.Series], pd.Series]:
        return lambda s: s.isin(values)

    if f.kind in ("id", "ref"):
        return [(rx(ID_RX), "not a valid id (allowed: lower-case letters, digits, '-', '_', '.')")]
    if f.kind == "number":
        return [(rx(NUMBER_RX), f"not a plain number ({NUMBER_RULE})")]
    if f.kind == "date":
        return [(lambda s: s.str.fullmatch(DATE_RX).astype(bool)
                 & pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
                 "not a real date (allowed: YYYY-MM-DD)")]
    if f.kind == "bool":
        return [(isin(BOOLS), "not a boolean (allowed: true, false)")]
    if f.kind == "url":
        return [(rx(URL_RX), "not a url (allowed: http:// or https:// followed by no spaces)")]
    if f.kind == "urls":
        return [(rx(f"{URL_RX}(?: {URL_RX})*"), "not a list of urls (allowed: http:// or https:// urls "
                                                 "separated by single spaces)")]
    if f.kind == "vocab":
        allowed = f.allowed if f.allowed is not None else metrics
        return [(isin(allowed), f"unknown {f.name} (allowed: {_allowed(allowed)})")]
    return []


def _cells_ok(df: pd.DataFrame, fields: tuple[Field, ...], metrics: tuple[str, ...]) -> bool:
    """True when no cell breaks a rule: then there is nothing for pandera to report."""
    for f in fields:
        s = df[f.name]
        present = s.dropna()
        if f.required and len(present) != len(s):
            return False
        if f.unique and not present.is_unique:
            return False
        if not all(bool(test(present).all()) for test, _ in _predicates(f, metrics)):
            return False
    return True


def _column(f: Field, metrics: tuple[str, ...]):
    import pandera.pandas as pa

    checks = [pa.Check(test, error=error) for test, error in _predicates(f, metrics)]
    return pa.Column(None, checks, nullable=not f.required, unique=f.unique, coerce=False)


def cell_problems(path: Path, df: pd.DataFrame, fields: tuple[Field, ...], metrics: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Every broken cell rule as (line, column order, message), collected by pandera.

    pandera is imported only here, when a file has something to report: its import costs
    about as much as loading and checking all the data (see benchmarks/run.py).
    """
    if _cells_ok(df, fields, metrics):
        return []
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({f.name: _column(f, metrics) for f in fields}, strict=True, ordered=False)
    try:
        schema.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
    order = {f.name: i for i, f in enumerate(fields)}
    out = []
    for rec in fc.itertuples(index=False):
        line = int(rec.index) if pd.notna(rec.index) else 1
        col = rec.column
        if rec.check == "not_nullable":
            what = "empty, but required"
        elif rec.check == "field_uniqueness":
            others = [ln for ln in df.index[df[col] == rec.failure_case].tolist() if ln != line]
            what = f"duplicate value '{shown(rec.failure_case)}' (must be unique; also on row{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})"
        else:
            what = f"{rec.check}: got '{shown(rec.failure_case)}'"
        out.append((line, order.get(col, 99), f"{path}:{line}: {col}: {what}"))
    return out


# ---------------------------------------------------------------- typed frames


def typed_frame(df: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
    out = df.copy()
    for f in fields:
        s = df[f.name]
        if f.kind == "number":
            out[f.name] = parse_numbers(s)
        elif f.kind == "date":
            out[f.name] = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        elif f.kind == "bool":
            out[f.name] = s.eq("true").astype(bool)
        else:
            out[f.name] = s.fillna("").astype("str")
    return out


def parse_numbers(s: pd.Series) -> pd.Series:
    """Cells of the number grammar (NUMBER_RX) as floats; empty or not of the grammar: NaN
    (those cells are reported by the cell checks, and a DataError stops the load)."""
    ok = s.notna() & s.str.fullmatch(NUMBER_RX).fillna(False).astype(bool)
    out = pd.Series(float("nan"), index=s.index, dtype="float64")
    out[ok] = s[ok].astype("float64")
    return out
