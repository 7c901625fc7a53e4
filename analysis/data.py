"""Load and validate the data files into typed DataFrames.

Every problem in every file is collected and raised together as one `DataError`, each
line in the form ``file:row: column: what is wrong (allowed: ...)``, where ``row`` is the
line number in the CSV file (the header is line 1). Reading a file is `analysis.csvfile`;
the columns and the rules of a cell (required fields, formats, vocabularies, unique ids,
checked through pandera) are `analysis.schema`; the checks that span columns or files (date
windows, periods, unknown sources, ranges that depend on the metric's unit) are
`analysis.validation`. This module is the public face: `validate`, `load_claims`, and the
selections every chart builds on (`series`, `statement`, `starts_at`, `count_dates`).

Input rules (documented in data/README.md): UTF-8 only (a BOM is accepted and dropped),
LF or CRLF line ends, spaces around a cell are dropped, blank lines are skipped; numbers
are plain (``3400``, ``12.5``: no thousands separators, units or words); dates are
``YYYY-MM-DD``; a header-only file, a duplicated or unknown column, a row with the wrong
number of fields, or any other encoding is rejected.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, vocab
from .schema import DataError
from .validation import Dataset, check_folder


def validate(data_dir: str | Path | None = None) -> Dataset:
    """Read and check every data file; raise one DataError listing every problem."""
    # Parsing makes millions of short-lived strings; with the cyclic collector running, its
    # full passes over them made 100k rows take 13x the time of 10k. Nothing here makes cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return check_folder(Path(data_dir) if data_dir is not None else config.DATA_DIR)
    finally:
        if enabled:
            gc.enable()


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
    claims = complete_claims(claims, ds.metrics)
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


def complete_claims(claims: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The columns `load_claims` derives, on claims joined with their sources (dates typed):
    the metric's unit and kind, ``date_mid``, ``period_end_effective``, ``period_start_latest``
    filled, ``relays_official``, the categories, in load_claims' column order."""
    claims = claims.merge(metrics[["metric", "unit", "kind"]], on="metric", how="left", validate="m:1")
    claims["date_mid"] = claims.date_earliest + (claims.date_latest - claims.date_earliest) / 2
    claims["date_mid"] = claims["date_mid"].dt.normalize()
    claims["period_end_effective"] = claims.period_end.fillna(claims.date_latest)
    claims["period_start_latest"] = claims.period_start_latest.fillna(claims.period_start)
    claims["relays_official"] = claims.counter_kind.eq("official") & claims.source_kind.ne("official_statement")
    claims["metric"] = claims["metric"].astype(pd.CategoricalDtype(metrics.metric.tolist()))
    for col, dtype in CLAIM_CATEGORIES.items():
        claims[col] = claims[col].astype(dtype)
    return order_columns(claims)


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


def reference_or(period_start, claims: pd.DataFrame, context=None):
    """``period_start`` itself, or for ``"reference"`` (`vocab.REFERENCE`) the reference date of
    ``context`` (else of the dataset.yaml beside ``claims``); a DataError naming the period
    starts of ``claims`` when the dataset has none (`analysis.context.Context.reference_start`)."""
    if period_start != vocab.REFERENCE:
        return period_start
    from .context import resolve

    return resolve(context, claims).reference_start(claims)


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
    sel = sel[starts_at(sel, reference_or(period_start, sel, context))]
    return sel.sort_values(["date_mid", "claim_id"]).reset_index(drop=True)


__all__ = [
    "CLAIM_CATEGORIES", "DataError", "Dataset", "count_dates", "load_claims", "order_columns", "period_series",
    "reference_or", "series", "start_window", "starts_at", "statement", "validate",
]
