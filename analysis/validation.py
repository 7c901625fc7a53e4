"""Every rule a data folder must pass, checked in one go: each file is read (`analysis.csvfile`),
its cells checked (`analysis.schema`), then the rules that span columns or files run on the
typed frames (date windows, periods, plausible dates, ranges that depend on the metric's
unit, unknown sources). Every problem is collected and raised together as one `DataError`,
in file order, then line, then column order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .csvfile import read_csv
from .schema import EARLIEST_DATE, FILES, DataError, Field, cell_problems, typed_frame

Found = tuple[str, int, int, str]  # (file, line, column order, message)


@dataclass(frozen=True)
class Dataset:
    """The three validated tables, typed."""

    metrics: pd.DataFrame
    sources: pd.DataFrame
    claims: pd.DataFrame


def check_folder(data_dir: Path) -> Dataset:
    """Read and check every data file of ``data_dir``; raise one DataError listing every problem."""
    if not data_dir.is_dir():
        raise DataError([f"{data_dir}:0: (directory): not a directory (allowed: a folder holding {', '.join(FILES)})"])
    problems: list[str] = []
    raw = {name: read_csv(data_dir / name, [f.name for f in fields], problems) for name, fields in FILES.items()}
    found = _cell_problems(data_dir, raw)
    checks = _CrossChecks(data_dir, raw, found)
    checks.run()
    if problems or found:
        ordered = [msg for _, _, _, msg in sorted(found, key=lambda t: (list(FILES).index(t[0]), t[1], t[2]))]
        raise DataError(problems + ordered)
    typed = checks.typed
    return Dataset(typed["metrics.csv"].reset_index(drop=True),
                   typed["sources.csv"].reset_index(drop=True),
                   typed["claims.csv"].reset_index(drop=True))


def _cell_problems(data_dir: Path, raw: dict[str, pd.DataFrame | None]) -> list[Found]:
    """The broken cell rules of every file that could be read."""
    found: list[Found] = []
    metric_names: tuple[str, ...] | None = None
    if raw["metrics.csv"] is not None:
        metric_names = tuple(raw["metrics.csv"]["metric"].dropna())
    for name, fields in FILES.items():
        if raw[name] is None:
            continue
        if metric_names is None:  # metrics.csv unusable: its vocabulary cannot be checked, only reported once
            fields = tuple(Field(f.name, "text", f.required) if f.name == "metric" else f for f in fields)
        found += [(name, *p) for p in cell_problems(data_dir / name, raw[name], fields, metric_names or ())]
    return found


def _lookup(table: pd.Series, keys: pd.Series) -> pd.Series:
    """table[key] for each key, keeping the table's dtype (NaT/NaN where absent, even when empty)."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=table.dtype)


class _CrossChecks:
    """The rules that span columns or files, on the typed frames of the files that could be read.

    A row whose cells are already reported is not flagged again (the check would only repeat
    them), and a check that looks a value up in another file uses that file's good rows only.
    """

    def __init__(self, data_dir: Path, raw: dict[str, pd.DataFrame | None], found: list[Found]):
        self.data_dir, self.raw, self.found = data_dir, raw, found
        self.bad_lines = {(n, ln) for n, ln, _, _ in found}
        self.typed = {n: typed_frame(raw[n], FILES[n]) for n in FILES if raw[n] is not None}
        self.earliest, self.today = pd.Timestamp(EARLIEST_DATE), pd.Timestamp.today().normalize()

    def good(self, name: str) -> pd.DataFrame:
        """Rows whose cells passed: cross checks must not build on a bad (or duplicated) value."""
        df = self.typed[name]
        return df[[(name, ln) not in self.bad_lines for ln in df.index]]

    def flag(self, name: str, mask: pd.Series, column: str, what) -> None:
        """Report ``what`` (a message, or a function of the row giving one) on every row of ``mask``."""
        col_order = [f.name for f in FILES[name]].index(column)
        df = self.typed[name]
        for line in df.index[mask.fillna(False).to_numpy(bool)]:
            if (name, line) in self.bad_lines:
                continue
            msg = what(df.loc[line]) if callable(what) else what
            self.found.append((name, int(line), col_order, f"{self.data_dir / name}:{line}: {column}: {msg}"))

    def plausible(self, name: str, columns: tuple[str, ...]) -> None:
        earliest, today = self.earliest, self.today
        for col in columns:
            d = self.typed[name][col]
            self.flag(name, (d < earliest) | (d > today), col,
                      lambda r, col=col: f"{r[col].date().isoformat()} is not a plausible date "
                                         f"(allowed: {EARLIEST_DATE} to today, {today:%Y-%m-%d})")

    def run(self) -> None:
        typed = self.typed
        if "metrics.csv" in typed:
            self.metrics(typed["metrics.csv"])
        if "sources.csv" in typed:
            self.sources(typed["sources.csv"])
        if "claims.csv" in typed:
            c = typed["claims.csv"]
            self.claim_periods(c)
            if "metrics.csv" in typed:
                self.claim_values(c, _lookup(self.good("metrics.csv").set_index("metric").unit, c.metric))
            if "sources.csv" in typed:
                s = self.good("sources.csv").set_index("source_id")
                known = c.source_id.isin(typed["sources.csv"].source_id)
                self.claim_dates_against_source(c, s, known)
                self.claim_fields_against_source(c, s, known)

    def metrics(self, m: pd.DataFrame) -> None:
        self.flag("metrics.csv", m.unit.eq("percent") != m.kind.eq("percent"), "kind",
                  lambda r: f"'{r.kind}' with unit '{r.unit}' (allowed: kind percent exactly for unit percent)")

    def sources(self, s: pd.DataFrame) -> None:
        self.plausible("sources.csv", ("date_earliest", "date_latest"))
        self.flag("sources.csv", s.date_latest < s.date_earliest, "date_latest",
                  lambda r: f"window ends ({r.date_latest:%Y-%m-%d}) before it starts ({r.date_earliest:%Y-%m-%d}) "
                            "(allowed: date_latest on or after date_earliest)")
        self.flag("sources.csv", s.source_kind.eq("official_statement") & s.speaker.eq(""), "speaker",
                  "empty, but required for an official_statement (name the person or office)")

    def claim_periods(self, c: pd.DataFrame) -> None:
        self.plausible("claims.csv", ("period_start", "period_start_latest", "period_end"))
        self.flag("claims.csv", c.period_end < c.period_start, "period_end",
                  lambda r: f"period ends ({r.period_end:%Y-%m-%d}) before it starts ({r.period_start:%Y-%m-%d}) "
                            "(allowed: period_end on or after period_start)")
        self.flag("claims.csv", c.period_start_latest.notna() & c.period_start.isna(), "period_start_latest",
                  "given without a period_start (allowed: empty, or the last day of a start window that begins "
                  "on period_start)")
        self.flag("claims.csv", c.period_start_latest < c.period_start, "period_start_latest",
                  lambda r: f"start window ends ({r.period_start_latest:%Y-%m-%d}) before it begins "
                            f"({r.period_start:%Y-%m-%d}) (allowed: on or after period_start)")

    def claim_values(self, c: pd.DataFrame, unit: pd.Series) -> None:
        """Ranges and groups that depend on the unit of the claim's metric (metrics.csv)."""
        counted = unit.notna() & unit.ne("percent")  # a number of things or an area: never below 0
        written = self.raw["claims.csv"]["value"]  # a value as written: 100.0001 is not "100"
        self.flag("claims.csv", counted & (c.value < 0), "value",
                  lambda r: f"negative count {written[r.name]} (allowed: 0 or more)")
        self.flag("claims.csv", unit.eq("percent") & ((c.value < 0) | (c.value > 100)), "value",
                  lambda r: f"percentage {written[r.name]} outside 0-100 (allowed: 0 to 100)")
        self.flag("claims.csv", unit.eq("percent") & c.qualifier.eq("more_than") & (c.value >= 100), "qualifier",
                  lambda r: f"more than {written[r.name]}% is impossible (allowed: exact, nearly, about or up_to at 100)")
        self.flag("claims.csv", unit.eq("people") & c.group.eq("none"), "group",
                  lambda r: f"'none' for a metric about people ({r.metric}) (allowed: all, civilian, military, "
                            "child, woman, journalist, deminer, unspecified)")
        self.flag("claims.csv", unit.notna() & ~unit.eq("people") & ~unit.eq("percent") & ~c.group.eq("none"), "group",
                  lambda r: f"'{r.group}' for a metric not about people ({r.metric}) (allowed: none)")

    def claim_dates_against_source(self, c: pd.DataFrame, s: pd.DataFrame, known: pd.Series) -> None:
        """A known source, and no period reaching past the date of its statement."""
        self.flag("claims.csv", ~known & c.source_id.ne(""), "source_id",
                  lambda r: f"unknown source '{r.source_id}' (allowed: a source_id of sources.csv)")
        latest = _lookup(s.date_latest, c.source_id)
        self.flag("claims.csv", c.period_end > latest, "period_end",
                  lambda r: f"period ends ({r.period_end:%Y-%m-%d}) after its statement "
                            f"(source {r.source_id} is dated no later than {s.date_latest[r.source_id]:%Y-%m-%d}; "
                            "allowed: on or before the source's date_latest)")
        self.flag("claims.csv", c.period_start > latest, "period_start",
                  lambda r: f"period starts ({r.period_start:%Y-%m-%d}) after its statement "
                            f"(allowed: on or before {s.date_latest[r.source_id]:%Y-%m-%d})")
        self.flag("claims.csv", c.period_start_latest > latest, "period_start_latest",
                  lambda r: f"start window ends ({r.period_start_latest:%Y-%m-%d}) after its statement "
                            f"(allowed: on or before {s.date_latest[r.source_id]:%Y-%m-%d})")

    def claim_fields_against_source(self, c: pd.DataFrame, s: pd.DataFrame, known: pd.Series) -> None:
        """The page, who counted, and the claim id, as the claim's source allows them."""
        kind = _lookup(s.source_kind, c.source_id)
        other_urls = _lookup(s.other_urls, c.source_id).fillna("")
        self.flag("claims.csv", c.page_url.ne("") & known & ~pd.Series(
                  [page in urls.split() for page, urls in zip(c.page_url, other_urls, strict=True)], index=c.index),
                  "page_url", lambda r: f"'{r.page_url}' is not one of the other pages of source {r.source_id} "
                                        "(allowed: empty for the source's url, or one of its other_urls)")
        self.flag("claims.csv", kind.notna() & kind.ne("official_statement") & c.collected_by.eq(""), "collected_by",
                  "empty, but required for a source that is not an official statement (say who counted)")
        self.flag("claims.csv", kind.eq("official_statement") & c.counter_kind.ne("official"), "counter_kind",
                  lambda r: f"'{r.counter_kind}' on an official statement (allowed: official; an official "
                            "statement's figures are the government's own count)")
        self.flag("claims.csv", known & ~pd.Series([cid.startswith(f"{sid}-") for cid, sid in zip(
                  c.claim_id, c.source_id, strict=True)], index=c.index), "claim_id",
                  lambda r: f"'{r.claim_id}' does not start with its source_id (allowed: {r.source_id}-NN)")
