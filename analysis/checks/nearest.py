"""Nearest figures without pairs: reference figures sorted by key and date, found by searchsorted."""

from __future__ import annotations

import numpy as np
import pandas as pd


class _Timeline:
    """Reference figures grouped by an integer key and sorted by date, to find for each query the
    nearest figure at or before a day (by window end) or at or after a day (by window start),
    with ties broken towards the figure that makes a finding least likely. O(n log n)."""

    def __init__(self, key: np.ndarray, w0: np.ndarray, w1: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 rid: np.ndarray, base: int, span: int):
        self.key, self.w0, self.w1, self.lo, self.hi, self.rid = key, w0, w1, lo, hi, rid
        self.base, self.span = base, span
        # by window end, ties: highest lo first, so the last of a tie has the lowest lo
        self.by_end = np.lexsort((rid, -lo, w1, key))
        self.end_keys = key[self.by_end] * span + (w1[self.by_end] - base)
        # by window start, ties: highest hi first
        self.by_start = np.lexsort((rid, -hi, w0, key))
        self.start_keys = key[self.by_start] * span + (w0[self.by_start] - base)

    def at_or_before(self, qkey: np.ndarray, day: np.ndarray, strict: bool = False) -> np.ndarray:
        """Index of the figure of the same key whose window ends latest on or before ``day``
        (before it when ``strict``), lowest lo of a tie; -1 where there is none."""
        q = qkey * self.span + (day - self.base)
        j = np.searchsorted(self.end_keys, q, side="left" if strict else "right") - 1
        idx = self.by_end[np.clip(j, 0, None)] if len(self.by_end) else np.zeros(len(q), dtype=np.int64)
        return np.where((j >= 0) & (self.key[idx] == qkey), idx, -1)

    def at_or_after(self, qkey: np.ndarray, day: np.ndarray, strict: bool = False) -> np.ndarray:
        """Index of the figure of the same key whose window starts earliest on or after ``day``
        (after it when ``strict``), highest hi of a tie; -1 where there is none."""
        q = qkey * self.span + (day - self.base)
        j = np.searchsorted(self.start_keys, q, side="right" if strict else "left")
        n = len(self.by_start)
        idx = self.by_start[np.clip(j, 0, max(n - 1, 0))] if n else np.zeros(len(q), dtype=np.int64)
        return np.where((j < n) & (self.key[idx] == qkey), idx, -1)


def _span(*days: np.ndarray) -> tuple[int, int]:
    vals = [d for d in days if len(d)]
    lo = min(int(d.min()) for d in vals)
    hi = max(int(d.max()) for d in vals)
    return lo - 2, hi - lo + 5


def _keys(frames: list[pd.DataFrame], cols: list[str]) -> list[np.ndarray]:
    """One integer key per distinct value of ``cols`` across several frames (the same value, the same key)."""
    both = pd.concat([f[cols] for f in frames], ignore_index=True)
    key = both.groupby(cols, dropna=False, observed=True, sort=False).ngroup().to_numpy()
    out, at = [], 0
    for f in frames:
        out.append(key[at:at + len(f)])
        at += len(f)
    return out



def _best_two(gid: np.ndarray, val: np.ndarray, src: np.ndarray, rid: np.ndarray, n_groups: int,
              largest: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the row with the largest (or smallest) value, and the best row from another source
    than that one's (-1 where there is none)."""
    order = np.lexsort((rid, -val if largest else val, gid))
    g = gid[order]
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    best = np.full(n_groups, -1, dtype=np.int64)
    best[g[first]] = order[first]
    other = src[order] != src[best[g]]
    second = np.full(n_groups, -1, dtype=np.int64)
    cand = np.flatnonzero(other)
    if len(cand):
        gc = g[cand]
        firsts = cand[np.r_[True, gc[1:] != gc[:-1]]]
        second[g[firsts]] = order[firsts]
    return best, second


