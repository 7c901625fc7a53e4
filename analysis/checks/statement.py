"""Within one statement: conflicting_values, parts_exceed_whole, parts_dont_add_up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..text import fmt_number
from ..vocab import CASUALTY_METRICS, GROUPS
from .prepare import STATEMENT_KEYS, pick
from .words import _period, _Rows, _value, _when, _who

# group checks: each part group must not exceed the whole ("all"); civilian + military vs all
SUBGROUPS = tuple(g for g in GROUPS if g not in ("all", "none"))  # every group of people but the whole
PARTITION = ("civilian", "military")


def _conflicting_values(p: pd.DataFrame, R: _Rows) -> list[dict]:
    keys = [*STATEMENT_KEYS, "metric", "group"]
    n = p.groupby(keys, dropna=False, observed=True, sort=False)["lo"].transform("size")
    cand = p[(n > 1).to_numpy()]
    if cand.empty:
        return []
    g = cand.groupby(keys, dropna=False, observed=True, sort=False)
    cand = cand[(g["lo"].transform("max") > g["hi"].transform("min")).to_numpy()]
    out = []
    rid = cand["_id"].to_numpy()
    for idx in cand.groupby(keys, dropna=False, observed=True, sort=False).indices.values():
        ids = sorted(rid[idx].tolist(), key=lambda i: (R[i].value, R[i].claim_id))
        r = R[ids[0]]
        values = " and ".join(_value(R[i]) for i in ids)
        text = (f"{_who(r)} ({_when(r)}) gives {len(ids)} different figures for "
                f"{R.series_label(r, capital=False)}: {values}.")
        out.append(R.finding("conflicting_values", "high", ids, text))
    return out


def _parts(p: pd.DataFrame, R: _Rows) -> list[dict]:
    """parts_exceed_whole and parts_dont_add_up, within one statement and period."""
    keys = list(STATEMENT_KEYS)
    tests: list[tuple[pd.DataFrame, list[str]]] = []  # (merged frame, prefixes of the parts)
    for group in ("all", *SUBGROUPS):
        whole = pick(p, "casualties", "w_", group=group)
        if whole.empty:
            continue
        m = whole.merge(pick(p, "killed", "k_", group=group), on=keys).merge(pick(p, "injured", "i_", group=group), on=keys)
        if not m.empty:
            tests.append((m.merge(pick(p, "unknown_outcome", "u_", group=group), on=keys, how="left"), ["k_", "i_", "u_"]))
    for metric in CASUALTY_METRICS:
        whole = pick(p, metric, "w_", group="all")
        if whole.empty:
            continue
        for group in SUBGROUPS:
            m = whole.merge(pick(p, metric, "a_", group=group), on=keys)
            if not m.empty:
                tests.append((m, ["a_"]))
        m = whole.merge(pick(p, metric, "a_", group=PARTITION[0]), on=keys).merge(
            pick(p, metric, "b_", group=PARTITION[1]), on=keys)
        if not m.empty:
            tests.append((m, ["a_", "b_"]))
    out = []
    for m, prefixes in tests:
        lo = sum(m[f"{pre}lo"].fillna(0) for pre in prefixes)
        hi = sum(m[f"{pre}hi"].fillna(0) for pre in prefixes)
        exceed = (lo > m["w_hi"]).to_numpy()
        short = (hi < m["w_lo"]).to_numpy() & ~exceed
        if prefixes[0] == "a_":
            short[:] = False  # groups may leave people out (deminers, unknown status): only killed + injured
        ids = m[[f"{pre}_id" for pre in ("w_", *prefixes)]].to_numpy(dtype=float)
        for k in np.flatnonzero(exceed | short):
            row = [int(x) for x in ids[k] if not np.isnan(x)]
            out.append(_parts_finding(R, row[0], row[1:], bool(exceed[k])))
    return out


def _parts_finding(R: _Rows, whole: int, parts: list[int], exceed: bool) -> dict:
    def name(r):
        return R.metric_label(r.metric, r.group)

    w = R[whole]
    terms = " + ".join(f"{name(R[i])} ({_value(R[i])})" for i in parts)
    if len(parts) > 1:
        terms += f" = {fmt_number(sum(R[i].value for i in parts))}"
    intro = f"{_who(w)} ({_when(w)}), {_period(w).strip('()')}: "
    ids = [whole, *parts]
    if exceed:
        verb = "exceed" if len(parts) > 1 else "exceeds"
        text = f"{intro}{terms} {verb} {name(w)} ({_value(w)})."
        return R.finding("parts_exceed_whole", "high", ids, text, whole=whole, ordered=True)
    text = f"{intro}{terms}, but {name(w)} is given as {_value(w)}."
    return R.finding("parts_dont_add_up", "medium", ids, text, whole=whole, ordered=True)


