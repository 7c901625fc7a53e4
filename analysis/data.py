"""Load and validate the data files into typed DataFrames.

Every problem in every file is collected and raised together as one `DataError`, each
line in the form ``file:row: column: what is wrong (allowed: ...)``, where ``row`` is the
line number in the CSV file (the header is line 1). Cell-level checks (required fields,
formats, vocabularies, unique ids) run through pandera; checks that span columns or files
(date windows, periods, unknown sources, ranges that depend on the metric's unit) run here.

Input rules (documented in data/README.md): UTF-8 only (a BOM is accepted and dropped),
LF or CRLF line ends, spaces around a cell are dropped, blank lines are skipped; numbers
are plain (``3400``, ``12.5``: no thousands separators, units or words); dates are
``YYYY-MM-DD``; a header-only file, a duplicated or unknown column, a row with the wrong
number of fields, or any other encoding is rejected.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config, vocab

NUMBER_RX = r"-?\d+(?:\.\d+)?"
DATE_RX = r"\d{4}-\d{2}-\d{2}"
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
    kind: str = "text"  # text | id | ref | number | date | bool | url | vocab
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
    Field("relays_official", "bool"),
    Field("period_start", "date", required=False),
    Field("period_end", "date", required=False),
    Field("period_label"),
    Field("note", required=False),
)
FILES = {"metrics.csv": METRICS_FIELDS, "sources.csv": SOURCES_FIELDS, "claims.csv": CLAIMS_FIELDS}


# ---------------------------------------------------------------- reading


def _read_csv(path: Path, fields: tuple[Field, ...], problems: list[str]) -> pd.DataFrame | None:
    """Read one CSV as strings, indexed by file line number. Append problems; None if unusable."""
    names = [f.name for f in fields]
    expected = ", ".join(names)
    if not path.is_file():
        problems.append(f"{path}:0: (file): file is missing (expected a CSV with columns: {expected})")
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(
            f"{path}:{line}: (file): not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}; "
            "allowed: UTF-8, with or without BOM)"
        )
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.append(f"{path}:{line}: (file): contains a NUL byte (allowed: plain UTF-8 text)")
        return None
    fast = _read_fast(text, names)
    if fast is not None:
        return fast
    # The careful path, for anything the fast path is not sure of: it names every problem.
    # skipinitialspace: a space before a quoted cell (`a, "b, c"`) must not turn its quotes into data
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)
    rows, lines = [], []
    start = 1  # the line a record starts on (a quoted cell may span lines; errors point at the record's start)
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            problems.append(f"{path}:1: (header): file is empty (expected header: {expected})")
            return None
        header_line = reader.line_num
        header = [h.strip() for h in header]
        start = reader.line_num + 1
        for row in reader:
            if len(row) > 1 or (row and row[0].strip()):  # else a blank line
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as e:
        problems.append(f"{path}:{start}: (file): malformed CSV ({e}; allowed: RFC 4180 quoting)")
        return None
    bad = False
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        problems.append(f"{path}:{header_line}: {', '.join(dupes)}: duplicated column (each column once; allowed: {expected})")
        bad = True
    missing = [n for n in names if n not in header]
    if missing:
        problems.append(f"{path}:{header_line}: {', '.join(missing)}: missing column (allowed: {expected})")
        bad = True
    unknown = [h for h in header if h not in names]
    if unknown:
        problems.append(f"{path}:{header_line}: {', '.join(unknown)}: unknown column (allowed: {expected})")
        bad = True
    if not rows:
        problems.append(f"{path}:2: (file): no data rows, only a header (a data file needs at least one row)")
        bad = True
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(header) and not (dupes or missing or unknown):  # a bad header explains every row
            problems.append(
                f"{path}:{line}: (row): malformed CSV row: {len(row)} fields, the header has {len(header)} "
                "(check quotes and commas)"
            )
            bad = True
    if bad:
        return None
    columns = dict(zip(header, zip(*rows, strict=True), strict=True))
    index = pd.Index(lines, name="line")
    # object columns (None for empty): the string extension dtype re-checks missing values on
    # every check, which cost more than the checks themselves at 100k rows
    return pd.DataFrame({n: pd.Series([v.strip() or None for v in columns[n]], index=index, dtype=object) for n in names})


_TRAILING_SPACE = re.compile(r"[ \t]+(?:,|\r?\n|$)")


def _read_fast(text: str, names: list[str]) -> pd.DataFrame | None:
    """pandas' C parser for well-formed files; None (use the careful path) at the first doubt.

    It must give exactly what the careful path gives: the header must be exactly the known
    columns, every non-blank line one record (no line breaks inside quotes), no short rows,
    and every line with a quote is re-read by the csv module (strict) and must agree.
    """
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines, 1) if line.strip()]
    if len(nonblank) < 2:
        return None
    header = [h.strip() for h in next(csv.reader([lines[nonblank[0] - 1]], skipinitialspace=True))]
    if len(header) != len(names) or set(header) != set(names):
        return None
    commas = len(names) - 1
    if any(lines[i - 1].count(",") != commas for i in nonblank if '"' not in lines[i - 1]):
        return None  # a short or long unquoted row: pandas would pad or shift it silently
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), dtype=object, na_filter=False, skipinitialspace=True,
                             skip_blank_lines=True, index_col=False, engine="c")
    except (ValueError, csv.Error, pd.errors.ParserWarning):  # pandas' ParserError is a ValueError
        return None
    if len(df) != len(nonblank) - 1 or [str(c).strip() for c in df.columns] != header or df.isna().any(axis=None):
        return None
    df.columns = header
    if _TRAILING_SPACE.search(text):
        df = df.apply(lambda s: s.str.strip())
    for pos, line_no in enumerate(nonblank[1:]):
        line = lines[line_no - 1]
        if '"' in line:
            try:
                row = [c.strip() for c in next(csv.reader([line], strict=True, skipinitialspace=True))]
            except csv.Error:
                return None
            if row != df.iloc[pos].tolist():
                return None
    df.index = pd.Index(nonblank[1:], name="line")
    df = df[names]
    return df.where(df != "", None)


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
        return [(rx(NUMBER_RX), "not a plain number (allowed: digits with an optional '.', e.g. 3400 "
                                "or 12.5; no thousands separators, units or words)")]
    if f.kind == "date":
        return [(lambda s: s.str.fullmatch(DATE_RX).astype(bool)
                 & pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
                 "not a real date (allowed: YYYY-MM-DD)")]
    if f.kind == "bool":
        return [(isin(BOOLS), "not a boolean (allowed: true, false)")]
    if f.kind == "url":
        return [(rx(URL_RX), "not a url (allowed: http:// or https:// followed by no spaces)")]
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


def _cell_problems(path: Path, df: pd.DataFrame, fields: tuple[Field, ...], metrics: tuple[str, ...]) -> list[tuple[int, int, str]]:
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
            what = f"duplicate value '{rec.failure_case}' (must be unique; also on row{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})"
        else:
            what = f"{rec.check}: got '{rec.failure_case}'"
        out.append((line, order.get(col, 99), f"{path}:{line}: {col}: {what}"))
    return out


# ---------------------------------------------------------------- typed frames and cross checks


def _typed(df: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
    out = df.copy()
    for f in fields:
        s = df[f.name]
        if f.kind == "number":
            out[f.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif f.kind == "date":
            out[f.name] = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        elif f.kind == "bool":
            out[f.name] = s.eq("true").astype(bool)
        else:
            out[f.name] = s.fillna("").astype("str")
    return out


def _lookup(table: pd.Series, keys: pd.Series) -> pd.Series:
    """table[key] for each key, keeping the table's dtype (NaT/NaN where absent, even when empty)."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=table.dtype)


@dataclass(frozen=True)
class Dataset:
    """The three validated tables, typed."""

    metrics: pd.DataFrame
    sources: pd.DataFrame
    claims: pd.DataFrame


def validate(data_dir: str | Path | None = None) -> Dataset:
    """Read and check every data file; raise one DataError listing every problem."""
    # Parsing makes millions of short-lived strings; with the cyclic collector running, its
    # full passes over them made 100k rows take 13x the time of 10k. Nothing here makes cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _validate(data_dir)
    finally:
        if enabled:
            gc.enable()


def _validate(data_dir: str | Path | None) -> Dataset:
    data_dir = Path(data_dir) if data_dir is not None else config.DATA_DIR
    if not data_dir.is_dir():
        raise DataError([f"{data_dir}:0: (directory): not a directory (allowed: a folder holding {', '.join(FILES)})"])
    problems: list[str] = []
    raw = {name: _read_csv(data_dir / name, fields, problems) for name, fields in FILES.items()}
    found: list[tuple[str, int, int, str]] = []  # (file, line, column order, message)
    metric_names: tuple[str, ...] | None = None
    if raw["metrics.csv"] is not None:
        metric_names = tuple(raw["metrics.csv"]["metric"].dropna())
    for name, fields in FILES.items():
        if raw[name] is None:
            continue
        if metric_names is None:  # metrics.csv unusable: its vocabulary cannot be checked, only reported once
            fields = tuple(Field(f.name, "text", f.required) if f.name == "metric" else f for f in fields)
        found += [(name, *p) for p in _cell_problems(data_dir / name, raw[name], fields, metric_names or ())]
    bad_lines = {(n, ln) for n, ln, _, _ in found}
    typed = {n: _typed(raw[n], FILES[n]) for n in FILES if raw[n] is not None}

    def good(name: str) -> pd.DataFrame:
        """Rows whose cells passed: cross checks must not build on a bad (or duplicated) value."""
        df = typed[name]
        return df[[(name, ln) not in bad_lines for ln in df.index]]

    def flag(name: str, mask: pd.Series, column: str, what) -> None:
        col_order = [f.name for f in FILES[name]].index(column)
        df = typed[name]
        for line in df.index[mask.fillna(False).to_numpy(bool)]:
            if (name, line) in bad_lines:
                continue  # its cells are already reported; cross checks would only repeat them
            msg = what(df.loc[line]) if callable(what) else what
            found.append((name, int(line), col_order, f"{data_dir / name}:{line}: {column}: {msg}"))

    earliest, today = pd.Timestamp(EARLIEST_DATE), pd.Timestamp.today().normalize()

    def plausible(name: str, columns: tuple[str, ...]) -> None:
        for col in columns:
            d = typed[name][col]
            flag(name, (d < earliest) | (d > today), col,
                 lambda r, col=col: f"{r[col].date().isoformat()} is not a plausible date "
                                    f"(allowed: {EARLIEST_DATE} to today, {today:%Y-%m-%d})")

    if "metrics.csv" in typed:
        m = typed["metrics.csv"]
        flag("metrics.csv", m.unit.eq("percent") != m.kind.eq("percent"), "kind",
             lambda r: f"'{r.kind}' with unit '{r.unit}' (allowed: kind percent exactly for unit percent)")
    if "sources.csv" in typed:
        s = typed["sources.csv"]
        plausible("sources.csv", ("date_earliest", "date_latest"))
        flag("sources.csv", s.date_latest < s.date_earliest, "date_latest",
             lambda r: f"window ends ({r.date_latest:%Y-%m-%d}) before it starts ({r.date_earliest:%Y-%m-%d}) "
                       "(allowed: date_latest on or after date_earliest)")
        flag("sources.csv", s.source_kind.eq("official_statement") & s.speaker.eq(""), "speaker",
             "empty, but required for an official_statement (name the person or office)")
    if "claims.csv" in typed:
        c = typed["claims.csv"]
        plausible("claims.csv", ("period_start", "period_end"))
        flag("claims.csv", c.period_end < c.period_start, "period_end",
             lambda r: f"period ends ({r.period_end:%Y-%m-%d}) before it starts ({r.period_start:%Y-%m-%d}) "
                       "(allowed: period_end on or after period_start)")
        if "metrics.csv" in typed:
            m = good("metrics.csv").set_index("metric")
            unit = _lookup(m.unit, c.metric)
            people_like = unit.isin(["people", "maps", "mines", "incidents", "km2", "m2"])
            flag("claims.csv", people_like & (c.value < 0), "value",
                 lambda r: f"negative count {r.value:g} (allowed: 0 or more)")
            flag("claims.csv", unit.eq("percent") & ((c.value < 0) | (c.value > 100)), "value",
                 lambda r: f"percentage {r.value:g} outside 0-100 (allowed: 0 to 100)")
            flag("claims.csv", unit.eq("percent") & c.qualifier.eq("more_than") & (c.value >= 100), "qualifier",
                 lambda r: f"more than {r.value:g}% is impossible (allowed: exact, nearly, about or up_to at 100)")
            flag("claims.csv", unit.eq("people") & c.group.eq("none"), "group",
                 lambda r: f"'none' for a metric about people ({r.metric}) (allowed: all, civilian, military, "
                           "child, woman, journalist, deminer, unspecified)")
            flag("claims.csv", unit.notna() & ~unit.eq("people") & ~unit.eq("percent") & ~c.group.eq("none"), "group",
                 lambda r: f"'{r.group}' for a metric not about people ({r.metric}) (allowed: none)")
        if "sources.csv" in typed:
            s = good("sources.csv").set_index("source_id")
            known = c.source_id.isin(typed["sources.csv"].source_id)
            flag("claims.csv", ~known & c.source_id.ne(""), "source_id",
                 lambda r: f"unknown source '{r.source_id}' (allowed: a source_id of sources.csv)")
            latest = _lookup(s.date_latest, c.source_id)
            kind = _lookup(s.source_kind, c.source_id)
            flag("claims.csv", c.period_end > latest, "period_end",
                 lambda r: f"period ends ({r.period_end:%Y-%m-%d}) after its statement "
                           f"(source {r.source_id} is dated no later than {s.date_latest[r.source_id]:%Y-%m-%d}; "
                           "allowed: on or before the source's date_latest)")
            flag("claims.csv", c.period_start > latest, "period_start",
                 lambda r: f"period starts ({r.period_start:%Y-%m-%d}) after its statement "
                           f"(allowed: on or before {s.date_latest[r.source_id]:%Y-%m-%d})")
            flag("claims.csv", kind.notna() & kind.ne("official_statement") & c.collected_by.eq(""), "collected_by",
                 "empty, but required for a source that is not an official statement (say who counted)")
            flag("claims.csv", kind.eq("official_statement") & c.relays_official, "relays_official",
                 "true on an official statement (allowed: false; the flag marks other sources that relay "
                 "an official figure)")
            flag("claims.csv", known & ~pd.Series([cid.startswith(f"{sid}-") for cid, sid in zip(
                 c.claim_id, c.source_id, strict=True)], index=c.index), "claim_id",
                 lambda r: f"'{r.claim_id}' does not start with its source_id (allowed: {r.source_id}-NN)")

    if problems or found:
        ordered = [msg for _, _, _, msg in sorted(found, key=lambda t: (list(FILES).index(t[0]), t[1], t[2]))]
        raise DataError(problems + ordered)
    return Dataset(typed["metrics.csv"].reset_index(drop=True),
                   typed["sources.csv"].reset_index(drop=True),
                   typed["claims.csv"].reset_index(drop=True))


# ---------------------------------------------------------------- the public loaders

CLAIM_CATEGORIES = {
    "qualifier": pd.CategoricalDtype(vocab.QUALIFIERS, ordered=True),
    "group": pd.CategoricalDtype(vocab.GROUPS),
    "source_kind": pd.CategoricalDtype(vocab.SOURCE_KINDS),
    "unit": pd.CategoricalDtype(vocab.UNITS),
}


def load_claims(data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per reported number, with its source and metric joined, typed.

    Adds (in memory only) ``date_mid`` (the midpoint of the source's date window, for plotting)
    and ``period_end_effective`` (``period_end``, or the source's ``date_latest`` where the
    period runs "to date").
    """
    ds = validate(data_dir)
    claims = ds.claims.merge(ds.sources, on="source_id", how="left", suffixes=("", "_source"), validate="m:1")
    claims = claims.merge(ds.metrics[["metric", "unit", "kind"]], on="metric", how="left", validate="m:1")
    claims["date_mid"] = claims.date_earliest + (claims.date_latest - claims.date_earliest) / 2
    claims["date_mid"] = claims["date_mid"].dt.normalize()
    claims["period_end_effective"] = claims.period_end.fillna(claims.date_latest)
    claims["metric"] = claims["metric"].astype(pd.CategoricalDtype(ds.metrics.metric.tolist()))
    for col, dtype in CLAIM_CATEGORIES.items():
        claims[col] = claims[col].astype(dtype)
    return order_columns(claims)


def order_columns(claims: pd.DataFrame) -> pd.DataFrame:
    """The column order of load_claims: what a printed frame shows first (left) and last
    (right) is the number, its qualifier and metric, and who said it."""
    first = ["value", "qualifier", "metric", "group", "period_start"]
    last = ["date_latest", "speaker"]
    middle = [c for c in claims.columns if c not in first + last]
    return claims[first + middle + last]


def count_dates(claims: pd.DataFrame) -> pd.DataFrame:
    """When each count stands: ``as_of``, ``as_of_earliest``, ``as_of_latest``.

    The period's end when the source gives one (a 2023 statement can quote a count to
    Dec 2021), else the statement's date window (its midpoint, first and last day). Used
    wherever counts are put in time order: the timeline, the independent comparison, the checks.
    """
    given = claims.period_end.notna()
    return pd.DataFrame({
        "as_of": claims.period_end.where(given, claims.date_mid),
        "as_of_earliest": claims.period_end.where(given, claims.date_earliest),
        "as_of_latest": claims.period_end.where(given, claims.date_latest),
    }, index=claims.index)


def statement(claims: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """The claims of one source (statement). Raises KeyError naming close matches."""
    rows = claims[claims.source_id == source_id]
    if rows.empty:
        import difflib

        ids = sorted(claims.source_id.unique())
        close = difflib.get_close_matches(source_id, ids, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown source_id '{source_id}' ({len(ids)} sources in the data{hint})")
    return rows


def series(
    claims: pd.DataFrame,
    metric: str,
    group: str = "all",
    period_start: str | None = vocab.WAR_END,
    source_kinds: tuple[str, ...] = ("official_statement",),
) -> pd.DataFrame:
    """One metric across statements, in date order: e.g. casualties since 10 Nov 2020.

    ``period_start=None`` selects the claims with an open start ("in the last 30 years").
    """
    sel = claims[(claims.metric == metric) & (claims.group == group) & claims.source_kind.isin(source_kinds)]
    if period_start is None:
        sel = sel[sel.period_start.isna()]
    else:
        sel = sel[sel.period_start == pd.Timestamp(period_start)]
    return sel.sort_values(["date_mid", "claim_id"]).reset_index(drop=True)
