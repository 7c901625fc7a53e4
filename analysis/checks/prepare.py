"""Preparing the claims for the checks: the range a qualified value allows, date windows as day
numbers, series ids (see the package docstring for the definitions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import count_dates, period_series

SERIES_KEYS = ("metric", "group", "area", "collected_by", "_period")  # _period: see _prepare
STATEMENT_KEYS = ("source_id", "area", "collected_by", "period_start", "period_end")


def _implied_unit(v: np.ndarray) -> np.ndarray:
    """The precision a stated number implies: 150 -> 10, 57 -> 1, 1500000 -> 100000, 12.5 -> 0.1."""
    v = np.abs(np.asarray(v, dtype=float))
    unit = np.ones_like(v)
    is_int = np.isclose(v, np.round(v))
    for k in range(1, 16):
        step = 10.0**k
        unit[is_int & (v >= step) & np.isclose(np.mod(v, step), 0)] = step
    frac = ~is_int & np.isfinite(v)
    for k in range(6, 0, -1):  # coarsest decimal place that still represents v
        scaled = v * 10.0**k
        unit[frac & np.isclose(scaled, np.round(scaled))] = 10.0**-k
    return unit


def _bounds(value: pd.Series, qualifier: pd.Series, approx_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """The range [lo, hi] a value with its qualifier allows (see the package docstring)."""
    v = value.to_numpy(dtype=float)
    q = qualifier.astype(str).to_numpy()
    s = np.minimum(approx_tol * np.abs(v), _implied_unit(v))
    lower = np.isin(q, ["more_than", "at_least"])
    conds = [q == "exact", lower, q == "nearly", q == "about", q == "up_to"]
    lo = np.select(conds, [v, v, v - s, v - s, np.full_like(v, -np.inf)], default=np.nan)
    hi = np.select(conds, [v, np.full_like(v, np.inf), v, v + s, v], default=np.nan)
    return lo, hi


def _days(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _prepare(claims: pd.DataFrame, approx_tol: float) -> pd.DataFrame:
    p = claims
    if "derived" in p.columns:
        p = p[~p["derived"].astype(bool)]
    p = p.reset_index(drop=True).copy()
    for col in ("collected_by", "area", "speaker", "speaker_role", "affiliation", "publisher", "kind", "unit"):
        if col not in p.columns:
            p[col] = ""
    for col in ("collected_by", "area"):  # key columns: no missing values, so groupby keeps them
        p[col] = p[col].astype(object).where(p[col].notna(), "").astype(str)
    p["lo"], p["hi"] = _bounds(p["value"], p["qualifier"], approx_tol)
    when = count_dates(p)
    p["w0"] = _days(when.as_of_earliest)
    p["w1"] = _days(when.as_of_latest)
    p["_id"] = np.arange(len(p))
    # the period start of a series: start windows that meet ("since Nov 2020", "since 10 Nov 2020") are one
    p["_period"] = period_series(p, by=SERIES_KEYS[:-1]).to_numpy()
    p["counter_kind"] = p["counter_kind"].astype(str)
    return p


def _series_id(p: pd.DataFrame, keys=SERIES_KEYS) -> np.ndarray:
    return p.groupby(list(keys), dropna=False, observed=True, sort=True).ngroup().to_numpy()


def pick(p: pd.DataFrame, metric: str, prefix: str, keys=STATEMENT_KEYS, group: str | None = None) -> pd.DataFrame:
    """The prepared rows of ``metric`` (of ``group`` too, when given), ready to merge on ``keys``:
    those columns, then ``_id``, ``lo``, ``hi`` renamed with ``prefix``."""
    sel = p["metric"] == metric
    if group is not None:
        sel &= p["group"] == group
    return p.loc[sel, [*keys, "_id", "lo", "hi"]].rename(columns={c: f"{prefix}{c}" for c in ("_id", "lo", "hi")})
