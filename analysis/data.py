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

import gc
import io
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, vocab
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


# ---------------------------------------------------------------- reading
#
# One reader, one grammar (RFC 4180 with spaces around a cell dropped), used for the header,
# for every line pandas' fast parser is not trusted with, and for whole files the fast path
# declines. Its limits hold the same for quoted and unquoted cells: a physical line of at
# most MAX_LINE_CHARS characters, a cell of at most MAX_CELL_CHARS (after its spaces are dropped).

MAX_CELL_CHARS = 10_000
MAX_LINE_CHARS = 100_000

# a quoted cell: optional spaces, "...", "" for a quote inside, optional spaces
_QUOTED = re.compile(r'[ \t]*"([^"]*(?:""[^"]*)*)"[ \t]*')
# an unquoted cell: anything up to a comma or line end, but not an opening quote
_PLAIN = re.compile(r'(?![ \t]*")[^,\r\n]*')


class _CsvSyntax(Exception):
    def __init__(self, line: int, what: str):
        self.line, self.what = line, what
        super().__init__(what)


def _records(text: str, pos: int = 0, line: int = 1):
    """Yield (line the record starts on, its cells) for every record of ``text``; _CsvSyntax if malformed."""
    n = len(text)
    while pos < n:
        start, row = line, []
        while True:
            m = _QUOTED.match(text, pos)
            if m:
                row.append(m.group(1).replace('""', '"'))
                line += m.group(0).count("\n")
            else:
                m = _PLAIN.match(text, pos)
                if m is None:
                    raise _CsvSyntax(start, "a quote that is never closed")
                row.append(m.group(0))
            pos = m.end()
            sep = text[pos:pos + 1]
            if sep == ",":
                pos += 1
                continue
            if sep == "":
                break
            if sep in "\r\n":
                pos += 2 if text.startswith("\r\n", pos) else 1
                line += 1
                break
            raise _CsvSyntax(start, f"text after a closing quote in cell {len(row)}")
        yield start, row


def _file_problem(path: Path) -> str | None:
    """Why ``path`` is not a data file to read (missing, a directory, a FIFO, a link out of its folder), or None."""
    import os
    import stat

    if os.path.islink(path):
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(Path(os.path.realpath(path.parent))):
            return "a symbolic link to a file outside the data folder (allowed: a regular file in the folder)"
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a symbolic link to nothing" if os.path.islink(path) else "missing"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if stat.S_ISDIR(mode):
        return "a directory, not a file (allowed: a CSV file)"
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"{kind}, not a regular file (allowed: a CSV file)"
    return None


def _read_text(path: Path, expected: str, problems: list[str]) -> str | None:
    """The file's text, or None with its problem appended (wrong file type, encoding, NUL, long line)."""
    why = _file_problem(path)
    if why == "missing":
        problems.append(f"{path}:0: (file): file is missing (expected a CSV with columns: {expected})")
        return None
    if why:
        problems.append(f"{path}:0: (file): {why}")
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
    for line, content in enumerate(text.split("\n"), 1):
        if len(content) > MAX_LINE_CHARS:
            problems.append(f"{path}:{line}: (row): line of {len(content)} characters "
                            f"(allowed: at most {MAX_LINE_CHARS} characters per line)")
            return None
    return text


def _read_csv(path: Path, fields: tuple[Field, ...], problems: list[str]) -> pd.DataFrame | None:
    """Read one CSV as strings, indexed by file line number. Append problems; None if unusable."""
    names = [f.name for f in fields]
    expected = ", ".join(names)
    text = _read_text(path, expected, problems)
    if text is None:
        return None
    df = _read_fast(text, names)
    if df is None:  # the careful path, for anything the fast path is not sure of: it names every problem
        df = _read_careful(path, text, names, problems)
    if df is None:
        return None
    return df if _cells_fit(path, df, problems) else None


def _cells_fit(path: Path, df: pd.DataFrame, problems: list[str]) -> bool:
    ok = True
    for name in df.columns:
        lengths = df[name].str.len()
        for line, n in lengths[lengths > MAX_CELL_CHARS].items():
            problems.append(f"{path}:{line}: {name}: cell of {int(n)} characters "
                            f"(allowed: at most {MAX_CELL_CHARS} characters per cell)")
            ok = False
    return ok


def _read_careful(path: Path, text: str, names: list[str], problems: list[str]) -> pd.DataFrame | None:
    expected = ", ".join(names)
    try:
        records = [(line, row) for line, row in _records(text) if len(row) > 1 or row[0].strip()]
    except _CsvSyntax as e:
        problems.append(f"{path}:{e.line}: (file): malformed CSV ({e.what}; allowed: RFC 4180 quoting, "
                        "spaces around a cell)")
        return None
    if not records:
        problems.append(f"{path}:1: (header): file is empty (expected header: {expected})")
        return None
    (header_line, header), rows = records[0], records[1:]
    header = [h.strip() for h in header]
    if not _header_ok(path, header_line, header, names, bool(rows), problems):
        return None
    bad = False
    for line, row in rows:
        if len(row) != len(header):
            problems.append(
                f"{path}:{line}: (row): malformed CSV row: {len(row)} fields, the header has {len(header)} "
                "(check quotes and commas)"
            )
            bad = True
    if bad:
        return None
    columns = dict(zip(header, zip(*(row for _, row in rows), strict=True), strict=True))
    index = pd.Index([line for line, _ in rows], name="line")
    # object columns (None for empty): the string extension dtype re-checks missing values on
    # every check, which cost more than the checks themselves at 100k rows
    return pd.DataFrame({n: pd.Series([v.strip() or None for v in columns[n]], index=index, dtype=object) for n in names})


def _header_ok(path: Path, line: int, header: list[str], names: list[str], has_rows: bool, problems: list[str]) -> bool:
    expected = ", ".join(names)
    found = []
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        found.append(f"{', '.join(map(shown, dupes))}: duplicated column (each column once; allowed: {expected})")
    missing = [n for n in names if n not in header]
    if missing:
        found.append(f"{', '.join(missing)}: missing column (allowed: {expected})")
    unknown = [h for h in header if h not in names]
    if unknown:
        found.append(f"{', '.join(map(shown, unknown[:10]))}: unknown column (allowed: {expected})")
    problems.extend(f"{path}:{line}: {what}" for what in found)
    if not has_rows:
        problems.append(f"{path}:2: (file): no data rows, only a header (a data file needs at least one row)")
    return not found and has_rows


_TRAILING_SPACE = re.compile(r"[ \t]+(?:,|\r?\n|$)")


def _read_fast(text: str, names: list[str]) -> pd.DataFrame | None:
    """pandas' C parser for well-formed files; None (use the careful path) at the first doubt.

    It must give exactly what the careful path gives: the header must be exactly the known
    columns, every non-blank line one record (no line breaks inside quotes), no short rows,
    and every line with a quote is re-read by the reader above and must agree.
    """
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines, 1) if line.strip()]
    if len(nonblank) < 2:
        return None
    try:
        header = [h.strip() for h in next(_records(lines[nonblank[0] - 1]))[1]]
    except _CsvSyntax:
        return None
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
    except (ValueError, pd.errors.ParserWarning):  # pandas' ParserError is a ValueError
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
                row = [c.strip() for c in next(_records(line.rstrip("\r")))[1]]
            except _CsvSyntax:
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
            what = f"duplicate value '{shown(rec.failure_case)}' (must be unique; also on row{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})"
        else:
            what = f"{rec.check}: got '{shown(rec.failure_case)}'"
        out.append((line, order.get(col, 99), f"{path}:{line}: {col}: {what}"))
    return out


# ---------------------------------------------------------------- typed frames and cross checks


def _typed(df: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
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
        plausible("claims.csv", ("period_start", "period_start_latest", "period_end"))
        flag("claims.csv", c.period_end < c.period_start, "period_end",
             lambda r: f"period ends ({r.period_end:%Y-%m-%d}) before it starts ({r.period_start:%Y-%m-%d}) "
                       "(allowed: period_end on or after period_start)")
        flag("claims.csv", c.period_start_latest.notna() & c.period_start.isna(), "period_start_latest",
             "given without a period_start (allowed: empty, or the last day of a start window that begins "
             "on period_start)")
        flag("claims.csv", c.period_start_latest < c.period_start, "period_start_latest",
             lambda r: f"start window ends ({r.period_start_latest:%Y-%m-%d}) before it begins "
                       f"({r.period_start:%Y-%m-%d}) (allowed: on or after period_start)")
        if "metrics.csv" in typed:
            m = good("metrics.csv").set_index("metric")
            unit = _lookup(m.unit, c.metric)
            people_like = unit.isin(["people", "maps", "mines", "incidents", "km2", "m2", "ha"])
            written = raw["claims.csv"]["value"]  # a value as written: 100.0001 is not "100"
            flag("claims.csv", people_like & (c.value < 0), "value",
                 lambda r: f"negative count {written[r.name]} (allowed: 0 or more)")
            flag("claims.csv", unit.eq("percent") & ((c.value < 0) | (c.value > 100)), "value",
                 lambda r: f"percentage {written[r.name]} outside 0-100 (allowed: 0 to 100)")
            flag("claims.csv", unit.eq("percent") & c.qualifier.eq("more_than") & (c.value >= 100), "qualifier",
                 lambda r: f"more than {written[r.name]}% is impossible (allowed: exact, nearly, about or up_to at 100)")
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
            flag("claims.csv", c.period_start_latest > latest, "period_start_latest",
                 lambda r: f"start window ends ({r.period_start_latest:%Y-%m-%d}) after its statement "
                           f"(allowed: on or before {s.date_latest[r.source_id]:%Y-%m-%d})")
            other_urls = _lookup(s.other_urls, c.source_id).fillna("")
            flag("claims.csv", c.page_url.ne("") & known & ~pd.Series(
                 [page in urls.split() for page, urls in zip(c.page_url, other_urls, strict=True)], index=c.index),
                 "page_url", lambda r: f"'{r.page_url}' is not one of the other pages of source {r.source_id} "
                                       "(allowed: empty for the source's url, or one of its other_urls)")
            flag("claims.csv", kind.notna() & kind.ne("official_statement") & c.collected_by.eq(""), "collected_by",
                 "empty, but required for a source that is not an official statement (say who counted)")
            flag("claims.csv", kind.eq("official_statement") & c.counter_kind.ne("official"), "counter_kind",
                 lambda r: f"'{r.counter_kind}' on an official statement (allowed: official; an official "
                           "statement's figures are the government's own count)")
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

    Adds (in memory only) ``date_mid`` (the midpoint of the source's date window, for plotting),
    ``period_end_effective`` (``period_end``, or the source's ``date_latest`` where the
    period runs "to date") and ``relays_official`` (counted by officials, published by
    someone else: ``counter_kind`` official on a source that is not an official statement);
    fills ``period_start_latest`` with ``period_start`` where the start is a known day;
    ``attrs["data_dir"]`` names the folder, whose dataset.yaml the charts read when no context
    is passed (`analysis.context.resolve`).
    """
    ds = validate(data_dir)
    claims = ds.claims.merge(ds.sources, on="source_id", how="left", suffixes=("", "_source"), validate="m:1")
    claims = claims.merge(ds.metrics[["metric", "unit", "kind"]], on="metric", how="left", validate="m:1")
    claims["date_mid"] = claims.date_earliest + (claims.date_latest - claims.date_earliest) / 2
    claims["date_mid"] = claims["date_mid"].dt.normalize()
    claims["period_end_effective"] = claims.period_end.fillna(claims.date_latest)
    claims["period_start_latest"] = claims.period_start_latest.fillna(claims.period_start)
    claims["relays_official"] = claims.counter_kind.eq("official") & claims.source_kind.ne("official_statement")
    claims["metric"] = claims["metric"].astype(pd.CategoricalDtype(ds.metrics.metric.tolist()))
    for col, dtype in CLAIM_CATEGORIES.items():
        claims[col] = claims[col].astype(dtype)
    claims = order_columns(claims)
    # where the rows came from, so charts find the folder's dataset.yaml (analysis.context.resolve)
    claims.attrs["data_dir"] = str(Path(data_dir) if data_dir not in (None, "") else config.DATA_DIR)
    return claims


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


def start_window(claims: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(first, last) day each claim's period may start: ``period_start`` and
    ``period_start_latest`` (the same day where that column is absent or empty)."""
    latest = claims["period_start_latest"] if "period_start_latest" in claims.columns else claims.period_start
    return claims.period_start, latest.fillna(claims.period_start)


def starts_at(claims: pd.DataFrame, date: str | pd.Timestamp | None) -> pd.Series:
    """Which claims count from ``date``: their start window contains it, so "since November
    2020" and "since 10 November 2020" both start at 2020-11-10. ``None``: an open start."""
    if date is None:
        return claims.period_start.isna()
    first, last = start_window(claims)
    day = pd.Timestamp(date)
    return (first <= day) & (last >= day)


def period_series(claims: pd.DataFrame, by: Sequence[str] = ()) -> pd.Series:
    """One id per period start, for grouping claims into series: within each ``by`` group,
    start windows that meet (directly or through others) share an id; open starts share one."""
    first, last = start_window(claims)
    if claims.empty:
        return pd.Series(np.zeros(0, dtype=np.int64), index=claims.index)
    keys = [claims[k].astype(object).where(claims[k].notna(), "").astype(str) for k in by]
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)} | {"first": first, "last": last})
    group = frame.groupby([f"k{i}" for i in range(len(keys))], sort=False).ngroup() if keys else \
        pd.Series(0, index=frame.index)
    frame = frame.assign(_g=group.to_numpy()).sort_values(["_g", "first", "last"], na_position="first")
    reach = frame.groupby("_g", sort=False)["last"].transform(lambda s: s.cummax().shift(1))
    new = frame["_g"].ne(frame["_g"].shift(1)) | frame["first"].isna() & frame["first"].shift(1).notna() \
        | (frame["first"].notna() & ~(frame["first"] <= reach))
    return new.cumsum().reindex(claims.index)


def statement(claims: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """The claims of one source (statement). Raises KeyError naming close matches."""
    rows = claims[claims.source_id == source_id]
    if rows.empty:
        from .text import did_you_mean

        ids = sorted(claims.source_id.unique())
        hint = did_you_mean(source_id, ids, n=5, cutoff=0.8)
        raise KeyError(f"unknown source_id '{source_id}' ({len(ids)} sources in the data{'; ' + hint if hint else ''})")
    return rows


def series(
    claims: pd.DataFrame,
    metric: str,
    group: str = "all",
    period_start: str | None = vocab.REFERENCE,
    source_kinds: tuple[str, ...] = ("official_statement",),
    *,
    context=None,
) -> pd.DataFrame:
    """One metric across statements, in date order: e.g. casualties since the reference date.

    A claim counts from ``period_start`` when its start window contains it (`starts_at`), so a
    start given as a month joins the series of a day in that month.
    ``period_start``: an ISO date; ``"reference"`` (the default) for the reference date of
    ``context`` (`analysis.load_context`: dataset.yaml ``reference.start``; a DataError naming
    the data's period starts when it has none); None for the claims with an open start
    ("in the last 30 years").
    """
    sel = claims[(claims.metric == metric) & (claims.group == group) & claims.source_kind.isin(source_kinds)]
    if period_start == vocab.REFERENCE:
        from .context import resolve

        period_start = resolve(context, claims).reference_start(sel)
    sel = sel[starts_at(sel, period_start)]
    return sel.sort_values(["date_mid", "claim_id"]).reset_index(drop=True)
