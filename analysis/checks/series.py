"""One series across statements: count_decreased, decreased_from_higher, close_dates_differ,
qualifier_changed, stale_figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import starts_at
from ..text import cap
from ..vocab import QUALIFIER_WORDS
from .prepare import _series_id
from .words import _no_start, _Rows, _value, _when, _who

# qualifier -> meaning class (qualifiers in one class do not differ in meaning)
QUALIFIER_MEANING = {
    "exact": "exact",
    "more_than": "lower bound",
    "at_least": "lower bound",
    "nearly": "upper bound",
    "up_to": "upper bound",
    "about": "approximate",
}
# for a count that can only grow: the order in which qualifiers of one value may follow each other
GROWTH_RANK = {"upper bound": 0, "approximate": 1, "exact": 1, "lower bound": 2}


def _count_decreased(p: pd.DataFrame, R: _Rows, source_kinds, cumulative_kinds) -> tuple[list[dict], set, list[dict]]:
    """count_decreased, the pairs it reports, and decreased_from_higher."""
    s = p[p["source_kind"].isin(source_kinds) & p["kind"].isin(cumulative_kinds)]
    if s.empty:
        return [], set(), []
    sid = _series_id(s)
    w0, w1, lo, hi, rid = (s[c].to_numpy() for c in ("w0", "w1", "lo", "hi", "_id"))
    base = min(w0.min(), w1.min())
    span = int(max(w0.max(), w1.max()) - base + 2)
    # sort by series, window end, then lo descending: the last of a tie has the lowest lo, the first the highest
    order = np.lexsort((s["claim_id"].to_numpy(), -lo, w1, sid))
    key_end = sid[order] * span + (w1[order] - base)
    key_q = sid * span + (w0 - base)
    j = np.searchsorted(key_end, key_q, side="left") - 1
    ok = j >= 0
    jj = np.clip(j, 0, None)
    prev = np.where(ok, order[jj], 0)
    ok &= sid[prev] == sid
    hit = np.flatnonzero(ok & (hi < lo[prev]))
    # the first figure of the same tie (same series and window end): the highest of those figures
    high = order[np.searchsorted(key_end, key_end[jj], side="left")]
    from_high = np.flatnonzero(ok & ~(hi < lo[prev]) & (hi < lo[high]))
    out, pairs = [], set()
    for a, b in zip(rid[prev[hit]].tolist(), rid[hit].tolist(), strict=True):
        ra, rb = R[a], R[b]
        severity = "high" if ra.qualifier == rb.qualifier == "exact" else "medium"
        text = f"{R.series_label(ra)} went down from {R.said(a)} to {R.said(b)}."
        if pd.isna(ra.period_start):
            severity = "low"
            text += _no_start(ra, rb)
        out.append(R.finding("count_decreased", severity, (a, b), text, ordered=True))
        pairs.add(frozenset((a, b)))
    higher = []
    for h, low, b in zip(rid[high[from_high]].tolist(), rid[prev[from_high]].tolist(), rid[from_high].tolist(),
                         strict=True):
        rh, rl, rb = R[h], R[low], R[b]
        exact = rh.qualifier == rl.qualifier == rb.qualifier == "exact"
        severity = "medium" if exact else "low"
        same = rh.source_id == rl.source_id
        other = "the same statement also gave" if same else f"{_who(rl)} gave"
        text = (f"{R.series_label(rh)} went down from {R.said(h)} to {R.said(b)}. On that day {other} "
                f"{_value(rl)}, and against that lower figure there is no decrease: the earlier figures disagree "
                f"with each other ({'two figures in one statement' if same else 'two statements on the same day'}, "
                "a finding of its own), and the fall is from the higher one.")
        if pd.isna(rh.period_start):
            severity = "low"
            text += _no_start(rh, rb)
        f = R.finding("decreased_from_higher", severity, (h, low, b), text, ordered=True)
        f["_rel"] = [(("conflicting_values", "close_dates_differ"), (rh.claim_id, rl.claim_id))]
        higher.append(f)
    return out, pairs, higher


def _close_dates_differ(p: pd.DataFrame, R: _Rows, source_kinds, same_days: int, skip: set, cumulative_kinds,
                        allow_growth: bool) -> list[dict]:
    s = p[p["source_kind"].isin(source_kinds)]
    if len(s) < 2:
        return []
    sid0 = _series_id(s)
    order = np.lexsort((s["claim_id"].to_numpy(), s["w1"].to_numpy(), s["w0"].to_numpy(), sid0))
    s = s.iloc[order]
    sid = sid0[order]
    n = len(s)
    w0, w1, lo, hi, rid = (s[c].to_numpy() for c in ("w0", "w1", "lo", "hi", "_id"))
    src = s["source_id"].to_numpy()
    grows = s["kind"].isin(cumulative_kinds).to_numpy() & allow_growth
    pos = np.arange(n)
    # candidate 1: the row just before, in the same series
    prev1 = np.where((pos > 0) & (np.roll(sid, 1) == sid), pos - 1, -1)
    # candidate 2: the earlier row whose window reaches furthest (running max of end, ties: latest row)
    code = pd.Series((w1 - w1.min()).astype(np.int64) * n + pos)
    cm = code.groupby(sid).cummax().groupby(sid).shift(1)
    prev2 = np.where(cm.notna(), cm.fillna(0).to_numpy(np.int64) % n, -1)
    pairs = set()
    for prev in (prev1, prev2):
        i = np.flatnonzero(prev >= 0)
        j = prev[i]
        gap = w0[i] - w1[j]
        rise = lo[i] > hi[j]
        bad = (gap <= same_days) & (rise | (lo[j] > hi[i])) & (src[i] != src[j])
        bad &= ~(grows[i] & (gap > 0) & rise)  # a count rising between separate dates may just have grown
        pairs.update(zip(rid[j[bad]].tolist(), rid[i[bad]].tolist(), strict=True))
    out = []
    for a, b in sorted(pairs):
        if frozenset((a, b)) in skip:
            continue
        ra, rb = R[a], R[b]
        gap = int(rb.w0 - ra.w1)
        if ra.w0 == ra.w1 == rb.w0 == rb.w1:
            apart, severity = "on the same day", "medium"
        elif gap <= 0:
            apart, severity = "their date windows overlap, so their order is unknown", "low"
        else:
            apart, severity = f"{gap} day{'s' if gap != 1 else ''} apart", "low"
        text = f"{R.series_label(ra)}: {R.said(a)} but {R.said(b)}, {apart}."
        out.append(R.finding("close_dates_differ", severity, (a, b), text, ordered=True))
    return out


def _qualifier_changed(p: pd.DataFrame, R: _Rows, source_kinds, cumulative_kinds) -> list[dict]:
    s = p[p["source_kind"].isin(source_kinds)].copy()
    if s.empty:
        return []
    s["_sid"] = _series_id(s)
    s["_meaning"] = s["qualifier"].astype(str).map(QUALIFIER_MEANING).fillna(s["qualifier"].astype(str))
    g = s.groupby(["_sid", "value"], sort=False)
    s = s[(g["_meaning"].transform("nunique") > 1).to_numpy()]
    # a cumulative count may grow: "nearly 300", then "300", then "more than 300" is no finding;
    # it is one only where a later statement's qualifier puts the figure lower than an earlier one's
    s = s.sort_values(["_sid", "value", "w0", "w1", "claim_id"])
    s["_rank"] = s["_meaning"].map(GROWTH_RANK).fillna(1).astype(float)
    by = [s["_sid"], s["value"]]
    earlier = s.groupby(by, sort=False)["_rank"].cummax().groupby(by, sort=False).shift(1)
    s["_back"] = s["_rank"] < earlier
    back = s.groupby(["_sid", "value"], sort=False)["_back"].transform("any")
    s = s[(~s["kind"].isin(cumulative_kinds) | back).to_numpy()]
    out = []
    rid = s["_id"].to_numpy()
    for idx in s.groupby(["_sid", "value"], sort=False).indices.values():
        ids = R.order(rid[idx])
        r = R[ids[0]]
        meanings = {QUALIFIER_MEANING.get(R[i].qualifier, R[i].qualifier) for i in ids}
        severity = "medium" if {"lower bound", "upper bound"} <= meanings else "low"
        by_q: dict[str, list[int]] = {}
        for i in ids:
            by_q.setdefault(R[i].qualifier, []).append(i)
        parts = []
        for q, qids in by_q.items():
            said = "; ".join(
                f"{_who(R[i])}, {_when(R[i])}" + (f", '{R[i].qualifier_as_stated}'"
                                                   if R[i].qualifier_as_stated
                                                   and R[i].qualifier_as_stated != q.replace("_", " ") else "")
                for i in qids)
            parts.append(f"{QUALIFIER_WORDS.get(q) or q} {_value(r, with_qualifier=False)} ({said})")
        text = (f"{R.series_label(r)} given as {_value(r, with_qualifier=False)} with qualifiers that differ in "
                f"meaning ({', '.join(sorted(meanings))}): " + "; ".join(parts) + ".")
        out.append(R.finding("qualifier_changed", severity, ids, text, ordered=True))
    return out


def _stale_figure(p: pd.DataFrame, R: _Rows, source_kinds, stale_metrics, stale_days: int, growth: float,
                  related) -> list[dict]:
    official = p[p["source_kind"].isin(source_kinds)]
    allrows = official[official["metric"].isin(stale_metrics)].copy()
    if allrows.empty:
        return []
    rel_metric, rel_group, rel_start = related
    rel = official[(official["metric"] == rel_metric) & (official["group"] == rel_group)]
    rel = rel[starts_at(rel, rel_start)]
    rel_by_area = {}
    for area, g in rel.groupby("area", sort=False):
        a, b = g.sort_values(["w0", "w1", "claim_id"]), g.sort_values(["w1", "w0", "claim_id"])
        rel_by_area[area] = ((a["w0"].to_numpy(), a["_id"].to_numpy()), (b["w1"].to_numpy(), b["_id"].to_numpy()))
    keys = ["metric", "group", "area", "collected_by"]  # a repeated share: the period start is not compared
    g = allrows.groupby([*keys, "value"], dropna=False, observed=True, sort=False)
    allrows["_first_end"] = g["w1"].transform("min")
    allrows["_last_start"] = g["w0"].transform("max")
    s = allrows[(allrows["_last_start"] - allrows["_first_end"] > stale_days).to_numpy()]
    if s.empty:
        return []
    others_by_key = allrows.groupby(keys, dropna=False, observed=True, sort=False).indices
    all_rid = allrows["_id"].to_numpy()
    rid = s["_id"].to_numpy()
    out = []
    for idx in s.groupby([*keys, "value"], dropna=False, observed=True, sort=False).indices.values():
        ids = R.order(rid[idx])
        first, last = R[ids[0]], R[ids[-1]]
        if first.area not in rel_by_area:
            continue
        (s0, id0), (e1, id1) = rel_by_area[first.area]
        k0 = np.searchsorted(s0, first.w0, side="left")  # first related figure from the first statement on
        k1 = np.searchsorted(e1, last.w1, side="right") - 1  # last related figure up to the last statement
        if k0 >= len(s0) or k1 < 0:
            continue
        r0, r1 = int(id0[k0]), int(id1[k1])
        if r0 == r1 or R[r1].w1 <= R[r0].w0 or R[r0].value <= 0:
            continue
        rise = R[r1].value / R[r0].value - 1
        if rise <= growth:
            continue
        years = (last.w0 - first.w1) / 365.25
        key = (first.metric, first.group, first.area, first.collected_by)
        others = [i for i in all_rid[others_by_key[key]].tolist()
                  if R[i].value != first.value and R[i].w0 >= first.w0 and R[i].w1 <= last.w1]
        text = (f"{cap(R.metric_label(first.metric, first.group))} given as "
                f"{_value(first, with_qualifier=False)} in {len(ids)} statements over {years:.1f} years, from "
                f"{_who(first)} ({_when(first)}) to {_who(last)} ({_when(last)}), while "
                f"{R.series_label(R[r0], capital=False)} rose by {rise:.0%}, from {R.said(r0)} to {R.said(r1)}.")
        if others:
            text += " Other values in between: " + "; ".join(R.said(i) for i in R.order(others)) + "."
        out.append(R.finding("stale_figure", "medium", ids, text, ordered=True))
    return out

