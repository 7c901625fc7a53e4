"""Across series: parts against wholes of other statements (parts_across_statements), other
counters' running totals against the officials' (cross_kind_total), a period's figure against
the running totals (period_vs_running)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data import period_series, starts_at
from ..text import cap, fmt_day, fmt_number, fmt_window
from .nearest import _best_two, _keys, _span, _Timeline
from .prepare import STATEMENT_KEYS, _days, pick
from .words import _counted_by, _period, _Rows, _value, _when, _who

if TYPE_CHECKING:
    from ..context import Context


def _comparable_area(p: pd.DataFrame, ctx: Context) -> np.ndarray:
    """Non-official figures whose area the official counts are about (dataset.yaml officials.panels;
    any area when the descriptor names no panel)."""
    panels = set(ctx.officials.panels)
    if not panels:
        return np.ones(len(p), dtype=bool)
    areas = p["area"].astype(str)
    ok = {a: ctx.panel_of(a) in panels for a in areas.unique()}
    return areas.map(ok).to_numpy(dtype=bool)


# ---------------------------------------------------------------- parts and wholes across statements


def _parts_across(p: pd.DataFrame, R: _Rows, source_kinds, same_days: int, cumulative_kinds,
                  allow_growth: bool) -> list[dict]:
    """parts_across_statements: killed + injured (+ outcome unknown) of one statement against the
    casualties another statement gives within ``same_days``."""
    s = p[p["source_kind"].isin(source_kinds) & p["metric"].isin(("casualties", "killed", "injured",
                                                                    "unknown_outcome"))]
    if s.empty:
        return []
    s = s.copy()
    s["_pp"] = period_series(s, by=("group", "area", "collected_by")).to_numpy()
    cols = [*STATEMENT_KEYS, "group", "_pp"]
    split = pick(s, "killed", "k_", cols).merge(pick(s, "injured", "i_", cols), on=cols)
    if split.empty:
        return []
    split = split.merge(pick(s, "unknown_outcome", "u_", cols), on=cols, how="left")
    whole = s[s["metric"] == "casualties"]
    if whole.empty:
        return []
    out = []
    k_id, u_id = split["k__id"].to_numpy(), split["u__id"].to_numpy()
    for i, w in _wholes_against_parts(p, split, whole, same_days, allow_growth):
        parts = [int(k_id[i]), int(split["i__id"].iat[i])] + ([int(u_id[i])] if not np.isnan(u_id[i]) else [])
        out.append(_parts_across_finding(R, w, parts))
    return out


def _whole_windows(whole: pd.DataFrame, wh_key: np.ndarray) -> tuple:
    """The wholes by (series key, date window), the windows numbered in that order: per window the
    row (in ``whole``) with the highest lo and the best from a second source (`_best_two`), the same
    for the lowest hi; and each window's key, start and end."""
    wgrp = pd.DataFrame({"k": wh_key, "w0": whole["w0"].to_numpy(), "w1": whole["w1"].to_numpy()})
    gid = wgrp.groupby(["k", "w0", "w1"], sort=True).ngroup().to_numpy()
    n_groups = int(gid.max()) + 1
    wsrc, wrid = whole["source_id"].astype(str).to_numpy(), whole["_id"].to_numpy()
    los = _best_two(gid, whole["lo"].to_numpy(), wsrc, wrid, n_groups, largest=True)
    his = _best_two(gid, whole["hi"].to_numpy(), wsrc, wrid, n_groups, largest=False)
    first = np.zeros(n_groups, dtype=np.int64)
    first[gid[::-1]] = np.arange(len(gid))[::-1]
    return los, his, wh_key[first], wgrp["w0"].to_numpy()[first], wgrp["w1"].to_numpy()[first]


def _wholes_against_parts(p: pd.DataFrame, split: pd.DataFrame, whole: pd.DataFrame, same_days: int,
                          allow_growth: bool) -> dict[tuple[int, int], None]:
    """(row of ``split``, row id of a whole) for each whole of another statement, within ``same_days``
    of the split, that the parts cannot add up to: the window of wholes just before the split's, the
    same window and the one just after, per window the highest and the lowest whole."""
    sp_lo = (split["k_lo"] + split["i_lo"] + split["u_lo"].fillna(0)).to_numpy()
    sp_hi = (split["k_hi"] + split["i_hi"] + split["u_hi"].fillna(0)).to_numpy()
    k_id = split["k__id"].to_numpy()
    sp_w0, sp_w1 = p["w0"].to_numpy()[k_id], p["w1"].to_numpy()[k_id]
    sp_src = split["source_id"].astype(str).to_numpy()
    sp_key, wh_key = _keys([split, whole], ["group", "area", "collected_by", "_pp"])
    (lo1, lo2), (hi1, hi2), g_key, g_w0, g_w1 = _whole_windows(whole, wh_key)
    n_groups = len(g_key)
    wlo, whi = whole["lo"].to_numpy(), whole["hi"].to_numpy()
    wsrc, wrid = whole["source_id"].astype(str).to_numpy(), whole["_id"].to_numpy()
    base, span = _span(g_w0, g_w1, sp_w0, sp_w1)
    gkey = (g_key * span + (g_w0 - base)) * span + (g_w1 - base)  # sorted: the groups are numbered in this order
    qkey = (sp_key * span + (sp_w0 - base)) * span + (sp_w1 - base)
    left = np.searchsorted(gkey, qkey, side="left")
    right = np.searchsorted(gkey, qkey, side="right")
    pairs: dict[tuple[int, int], None] = {}
    for cand in (left - 1, left, right):  # the window before, the same window, the window after
        inside = (cand >= 0) & (cand < n_groups)
        g = np.clip(cand, 0, n_groups - 1)
        inside &= g_key[g] == sp_key
        after = g_w0[g] - sp_w1  # > 0: the whole is certainly later
        before = sp_w0 - g_w1[g]  # > 0: the whole is certainly earlier
        inside &= np.maximum(after, before) <= same_days
        for best, second, test in ((hi1, hi2, "low"), (lo1, lo2, "high")):
            b = best[g]
            b = np.where(wsrc[np.clip(b, 0, None)] == sp_src, second[g], b)
            ok = inside & (b >= 0)
            bb = np.clip(b, 0, None)
            if test == "low":  # the whole below the sum of the parts
                bad = whi[bb] < sp_lo
                if allow_growth:
                    bad &= ~(before > 0)  # an earlier whole may be lower: counts grow
            else:  # the whole above the sum of the parts
                bad = wlo[bb] > sp_hi
                if allow_growth:
                    bad &= ~(after > 0)
            for i in np.flatnonzero(ok & bad).tolist():
                pairs[(i, int(wrid[bb[i]]))] = None
    return pairs


def _parts_across_finding(R: _Rows, whole: int, parts: list[int]) -> dict:
    w, first = R[whole], R[parts[0]]
    total = sum(R[i].value for i in parts)
    terms = " + ".join(f"{R.metric_label(R[i].metric, R[i].group)} ({_value(R[i])})" for i in parts)
    gap = int(w.w0 - first.w1) if w.w0 > first.w1 else int(first.w0 - w.w1)
    if w.w0 == w.w1 == first.w0 == first.w1:
        when, severity = "on the same day", "medium"
    elif gap <= 0:
        when, severity = "their date windows overlap, so their order is unknown", "low"
    else:
        later = "later" if w.w0 > first.w1 else "earlier"
        when, severity = f"{gap} day{'s' if gap != 1 else ''} {later}", "low"
    more = w.lo > total
    text = (f"{_who(first)} ({_when(first)}), {_period(first).strip('()')}: {terms} = {fmt_number(total)}; "
            f"{_who(w)} ({_when(w)}) gives {R.metric_label(w.metric, w.group)} as {_value(w)}, {when}: "
            f"{'more' if more else 'less'} than the parts add up to"
            + (", though a running total cannot fall." if (w.w0 > first.w1 and not more)
               or (first.w0 > w.w1 and more) else "."))
    f = R.finding("parts_across_statements", severity, [whole, *parts], text, whole=whole, ordered=True)
    f["_rel"] = [(("parts_exceed_whole", "parts_dont_add_up"), (R[parts[0]].claim_id, R[parts[1]].claim_id))]
    return f


# ---------------------------------------------------------------- other counters' running totals


def _cross_kind_total(p: pd.DataFrame, R: _Rows, source_kinds, cumulative_kinds) -> list[dict]:
    """cross_kind_total: a relayed official or an independent running total "as of" a date against
    the officials' running totals before and after that date."""
    cum = p["kind"].isin(cumulative_kinds) & p["period_start"].notna()
    official = p[cum & p["source_kind"].isin(source_kinds)]
    other = p[cum & ~p["source_kind"].isin(source_kinds)
              & (p["relays_official"].astype(bool) | (p["counter_kind"] == "independent"))]
    if official.empty or other.empty:
        return []
    other = other[_comparable_area(other, R.ctx)]
    if other.empty:
        return []
    both = pd.concat([official, other])
    both["_pp"] = period_series(both, by=("metric", "group")).to_numpy()
    official, other = both.iloc[:len(official)], both.iloc[len(official):]
    ok_key, ot_key = _keys([official, other], ["metric", "group", "_pp"])
    ow0, ow1, olo, ohi = (official[c].to_numpy() for c in ("w0", "w1", "lo", "hi"))
    xw0, xw1, xlo, xhi = (other[c].to_numpy() for c in ("w0", "w1", "lo", "hi"))
    base, span = _span(ow0, ow1, xw0, xw1)
    t = _Timeline(ok_key, ow0, ow1, olo, ohi, official["_id"].to_numpy(), base, span)
    before = t.at_or_before(ot_key, xw0)
    after = t.at_or_after(ot_key, xw1)
    low = (before >= 0) & (xhi < olo[np.clip(before, 0, None)])
    high = (after >= 0) & (xlo > ohi[np.clip(after, 0, None)])
    orid, xrid = official["_id"].to_numpy(), other["_id"].to_numpy()
    out = []
    for i in np.flatnonzero(low | high).tolist():
        x = int(xrid[i])
        b = int(orid[before[i]]) if before[i] >= 0 else None
        a = int(orid[after[i]]) if after[i] >= 0 else None
        out.append(_cross_kind_finding(R, x, b, a, bool(low[i]), bool(high[i])))
    return out


def _cross_kind_finding(R: _Rows, x: int, b: int | None, a: int | None, low: bool, high: bool) -> dict:
    rx = R[x]
    side = _counted_by(rx)
    said = []
    if low:
        said.append(f"less than the officials' running total before it, {R.said(b)}")
    if high:
        said.append(f"more than the officials' running total after it, {R.said(a)}")
    text = f"{R.series_label(rx)}: {R.said(x)}, {side}, is " + " and ".join(said) + "."
    context = [f"before it: {R.said(b)}" if b is not None and not low else "",
               f"after it: {R.said(a)}" if a is not None and not high else ""]
    context = [c for c in context if c]
    if context:
        text += " The officials' other neighbouring figure, " + "; ".join(context) + "."
    ids = [i for i in (b, x, a) if i is not None]
    exact = all(R[i].qualifier == "exact" for i in ids)
    if rx.relays_official:
        severity = "high" if exact else "medium"
        text += " An official count relayed by others should agree with the officials' own."
    else:
        severity = "low"
        text += " An independent count may differ by method; the difference is to be explained."
    return R.finding("cross_kind_total", severity, ids, text, ordered=True)


# ---------------------------------------------------------------- a period's figure against the running totals


def _period_vs_running(p: pd.DataFrame, R: _Rows, source_kinds, cumulative_kinds, running_start,
                       cross_kind: bool) -> list[dict]:
    """period_vs_running: the figure for a closed period that starts after the running totals'
    start ("58 casualties in 2023") against how much the officials' running totals grew over it."""
    if running_start is None:
        return []
    start_day = int(np.datetime64(pd.Timestamp(running_start), "D").astype(np.int64))
    cum = p["kind"].isin(cumulative_kinds)
    is_official = p["source_kind"].isin(source_kinds)
    running = p[cum & is_official & starts_at(p, running_start)]
    period = p[cum & p["period_start"].notna()]
    if running.empty or period.empty:
        return []
    a0 = _days(period["period_start"])
    a1 = _days(period["period_start_latest"].fillna(period["period_start"]))
    e0, e1 = period["w0"].to_numpy(), period["w1"].to_numpy()
    keep = (a0 > start_day) & (e0 >= a1)
    mine = period["source_kind"].isin(source_kinds).to_numpy()
    if cross_kind:
        others = (period["relays_official"].astype(bool) | (period["counter_kind"] == "independent")).to_numpy()
        keep &= mine | (others & _comparable_area(period, R.ctx))
    else:
        keep &= mine
    period = period[keep]
    if period.empty:
        return []
    a0, a1, e0, e1, mine = a0[keep], a1[keep], e0[keep], e1[keep], mine[keep]
    ylo, yhi, yrid = (period[c].to_numpy() for c in ("lo", "hi", "_id"))
    rrid = running["_id"].to_numpy()
    results = {}
    for scope, cols in (("office", ["metric", "group", "affiliation"]), ("all", ["metric", "group"])):
        before, after, first, last, upper, lower = _running_bounds(running, period, cols, a0, a1, e0, e1)
        over = ylo > upper
        under = yhi < lower
        if scope == "office":
            over &= mine
            under &= mine
        results[scope] = (over, under, before, after, first, last, upper, lower)
    out = []
    done = set()
    for scope in ("office", "all"):
        over, under, before, after, first, last, upper, lower = results[scope]
        for i in np.flatnonzero(over | under).tolist():
            if i in done:
                continue
            done.add(i)
            if over[i]:
                ref = (int(rrid[before[i]]) if before[i] >= 0 else None, int(rrid[after[i]]))
            else:
                ref = (int(rrid[first[i]]), int(rrid[last[i]]))
            out.append(_period_finding(R, int(yrid[i]), ref, bool(over[i]), float(upper[i] if over[i] else lower[i]),
                                       scope, running_start))
    return out


def _running_bounds(running: pd.DataFrame, period: pd.DataFrame, cols: list[str], a0: np.ndarray,
                    a1: np.ndarray, e0: np.ndarray, e1: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per period figure (start window a0-a1, end window e0-e1), among the running totals of the same
    ``cols``: the totals just before and after the period and the first and last within it (rows of
    ``running``, -1: none), the most the totals grew over it and the least they grew within it."""
    rw0, rw1, rlo, rhi, rrid = (running[c].to_numpy() for c in ("w0", "w1", "lo", "hi", "_id"))
    base, span = _span(rw0, rw1, a0, a1, e0, e1)
    rk, yk = _keys([running, period], cols)
    t = _Timeline(rk, rw0, rw1, rlo, rhi, rrid, base, span)
    before = t.at_or_before(yk, a0, strict=True)  # counted to a day before the period starts
    after = t.at_or_after(yk, e1)  # counted to the period's end or later
    first = t.at_or_after(yk, a1 - 1)  # counted from the day before the period on ...
    last = t.at_or_before(yk, e0)  # ... to its end at the latest
    b, a, f, la = (np.clip(x, 0, None) for x in (before, after, first, last))
    upper = np.where(after >= 0, rhi[a] - np.where(before >= 0, np.maximum(rlo[b], 0), 0), np.inf)
    within = (first >= 0) & (last >= 0) & (first != last) & (rw1[f] <= rw0[la])
    lower = np.where(within, rlo[la] - rhi[f], -np.inf)
    return before, after, first, last, upper, lower


def _period_finding(R: _Rows, y: int, ref: tuple[int | None, int], over: bool, bound: float, scope: str,
                    running_start) -> dict:
    ry = R[y]
    r0, r1 = ref
    end = ry.period_end if pd.notna(ry.period_end) else ry.date_latest
    covered = fmt_window(ry.period_start, end)
    label = f" ('{ry.period_label}')" if ry.period_label else ""
    whose = ("the same office's running totals" if scope == "office"
             else f"{R.ctx.officials.label}' running totals")
    since = fmt_day(pd.Timestamp(running_start))
    metric = R.metric_label(ry.metric, ry.group)
    if over:
        start = f"{R.said(r0)}, the last before the period" if r0 is not None else \
            f"none given before the period, so from 0 on {since}"
        text = (f"{cap(metric)} over {covered}{label}: {R.said(y)}, {_counted_by(ry)}. That is more than "
                f"{whose} since {since} grew over the period: at most {fmt_number(bound)} "
                f"({_value(R[r1])} - {_value(R[r0]) if r0 is not None else '0'}), from {start}, to "
                f"{R.said(r1)}, the first at or after its end.")
    else:
        text = (f"{cap(metric)} over {covered}{label}: {R.said(y)}, {_counted_by(ry)}. That is less than "
                f"{whose} since {since} grew within the period: at least {fmt_number(bound)} "
                f"({_value(R[r1])} - {_value(R[r0])}), from {R.said(r0)} to {R.said(r1)}.")
    ids = [i for i in (r0, y, r1) if i is not None] if over else [r0, r1, y]
    exact = all(R[i].qualifier == "exact" for i in ids)
    if ry.source_kind == "official_statement" or not (ry.relays_official or ry.counter_kind == "independent"):
        severity = ("high" if scope == "office" else "medium") if exact else "low"
    else:
        severity = "medium" if ry.relays_official and exact else "low"
    return R.finding("period_vs_running", severity, ids, text, whole=y)


