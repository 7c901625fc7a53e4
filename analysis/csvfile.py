"""Reading one data file: the file itself (a regular file, UTF-8, no NUL, bounded lines), then
its CSV text into a frame of strings indexed by the file's line numbers.

One reader, one grammar (RFC 4180 with spaces around a cell dropped), used for the header,
for every line pandas' fast parser is not trusted with, and for whole files the fast path
declines. Its limits hold the same for quoted and unquoted cells: a physical line of at
most MAX_LINE_CHARS characters, a cell of at most MAX_CELL_CHARS (after its spaces are dropped).
Every problem is appended as ``file:line: (what): problem (allowed: ...)``; nothing is raised.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pandas as pd

from .echo import shown

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


def read_csv(path: Path, names: list[str], problems: list[str]) -> pd.DataFrame | None:
    """Read one CSV with the columns ``names`` as strings (None for an empty cell), indexed by
    file line number. Append its problems to ``problems``; None if it is unusable."""
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
