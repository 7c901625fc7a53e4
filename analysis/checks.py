"""Find inconsistencies between reported figures: within one statement and across statements.

`find_inconsistencies(claims)` takes the frame of `analysis.load_claims()` and returns one row per
finding (see `COLUMNS`), sorted by kind (in the order of `KINDS`), then first date, then claim ids.
`findings_table(findings)` turns that into a frame ready to show in a notebook.

Kinds of finding:

``count_decreased``
    A cumulative count (metric kind ``cumulative_count`` in metrics.csv: people and incidents,
    which only accumulate over a fixed start; not e.g. mines on one batch of maps) of one *series* goes down
    from one statement to the next. Only statements whose date windows do not overlap are put in
    order; each figure is compared with the figure of the latest statement that is certainly
    earlier (when several end on that same day, with the lowest of them, so a tie never makes a
    finding on its own).
``decreased_from_higher``
    The same comparison, where the earlier day has several figures (one statement giving 48 and
    45 killed, or two statements on that day): a later figure below the highest of them but not
    below the lowest. Reported beside the conflict between the earlier figures (``conflicting_values``
    or ``close_dates_differ``), and ``related`` names that finding both ways: the conflict says the
    earlier figures disagree, this one that the count fell from the higher. Severity medium when
    all three are exact, else low (low also with no period start).
``close_dates_differ``
    Two statements of one series, their date windows at most ``same_days`` apart (or
    overlapping), give figures that cannot both hold. Each statement is compared with the one
    just before it and with the earlier one whose window reaches furthest (so O(n), not all
    pairs); a pair already reported as ``count_decreased`` is not repeated, and with
    ``allow_growth`` (default) a cumulative count rising between separate dates is not flagged.
    Severity medium when both are dated the same single day, else low.
``conflicting_values``
    One statement gives two incompatible figures for the same metric, group and period.
``parts_exceed_whole``
    Within one statement and period, parts add up to more than the whole can hold: killed +
    injured (+ outcome unknown) > casualties; a group (civilians, children, ...) > all;
    civilians + military > all.
``parts_dont_add_up``
    Within one statement and period, killed + injured (+ outcome unknown, where given) fall
    short of casualties by more than the qualifiers allow (all exact: any difference). Groups
    falling short of all are not flagged (deminers, unknown status may be left out).
``parts_across_statements``
    Killed + injured (+ outcome unknown) of one statement against the casualties (same group and
    start) another statement gives within ``same_days``: the whole is compared with the window of
    wholes just before, the same window, and just after the parts' (per window the highest and the
    lowest whole from another statement), so each statement meets O(1) others. With ``allow_growth``
    a whole dated certainly later may be larger, one certainly earlier smaller. Severity medium on
    the same single day, else low. A within-statement ``parts_*`` finding of the split's own
    statement stays and is ``related``.
``qualifier_changed``
    The same value of one series is given with qualifiers that differ in meaning across
    statements (e.g. "nearly 55%" and "more than 55%"). Qualifiers are compared by meaning:
    ``exact``; ``more_than``/``at_least`` (a lower bound); ``nearly``/``up_to`` (an upper
    bound); ``about``. "only" and "exact" both map to ``exact``, so give no finding. For a
    cumulative count, a change that growth explains ("nearly 300", later "more than 300") is no
    finding; only one where a later qualifier puts the figure lower than an earlier one is.
    Severity medium where a lower and an upper bound meet, else low.
``stale_figure``
    A figure of one of ``stale_metrics`` is repeated unchanged over more than ``stale_days``
    while the ``related`` series (default: official casualties since 10 Nov 2020) grew by more
    than ``growth`` (relative) over the same span.
``period_vs_running``
    A figure for a closed period that starts after the officials' running totals do ("39 injured
    in 2023") against how those totals (the series starting at ``related``'s period start, by
    default the reference date) grew: the period's count is at most the first total at or after
    its end minus the last total before it (0 when none is given: a total starts at 0), and at
    least the last total within it minus the first. Checked against the same office's totals
    (``affiliation``; severity high when all exact) and against the officials' at large (medium);
    with ``cross_kind`` also a relayed official figure (medium) or an independent one (low).
``cross_kind_total`` (only with ``cross_kind``)
    A running total that is not an official statement's, counted by officials and relayed by
    others (``relays_official``) or counted independently, stands "as of" a day: it must not be
    below the officials' latest total on or before that day, nor above their first one on or
    after it (same metric, group, meeting start windows; areas of ``officials.panels`` in the
    dataset descriptor). Severity high for a relayed count when all are exact (medium
    otherwise), low for an independent one, whose method may differ. Each explanation says which
    side is official, relayed or independent.

Every finding stands on its own: none is dropped because a related one exists (``related``
names findings that share the claims a finding is about; see each kind).

Definitions used throughout:

- A *series* is one metric, group, area, collector (``collected_by``; empty for officials) and
  period start (all open starts, NaT, form one series; starts whose windows meet, from
  ``period_start`` to ``period_start_latest``, such as "since November 2020" and "since 10
  November 2020", form one series). Cross-statement checks use only the
  ``source_kinds`` given (default: official statements); within-statement checks use all sources.
- A figure's *date window* is the statement's window (``date_earliest``-``date_latest``), except
  where the claim's period has an end date (``period_end``): then the figure stands as of that
  day (a 2023 statement giving "197 to 14 Dec 2021" is placed on 14 Dec 2021).
- A qualifier makes a value a range: exact -> [v, v]; more than / at least -> [v, inf) ("more
  than 150" then "150" is not a decrease); nearly -> [v - s, v]; about -> [v - s, v + s];
  up to -> (-inf, v]. The slack ``s`` is ``approx_tol`` x v, but no more than the precision the
  number itself implies (1 for "about 57", 10 for "about 150"). Two figures are incompatible when
  their ranges do not meet; a figure went down when its range lies wholly below the earlier one.

Everything is vectorised per check (sorts, searchsorted, groupby; each figure is set against a
bounded number of neighbours, never all pairs); only the findings themselves are formatted in Python.
"""

from __future__ import annotations

from collections import namedtuple
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .data import count_dates, period_series, starts_at
from .text import cap, fmt_day, fmt_number, fmt_value, fmt_window, lower_first, who
from .vocab import QUALIFIER_WORDS, REFERENCE

if TYPE_CHECKING:
    from .context import Context

KINDS = (
    "count_decreased",
    "decreased_from_higher",
    "close_dates_differ",
    "conflicting_values",
    "parts_exceed_whole",
    "parts_dont_add_up",
    "parts_across_statements",
    "qualifier_changed",
    "stale_figure",
    "period_vs_running",
    "cross_kind_total",
)
COLUMNS = (
    "kind",  # one of KINDS
    "severity",  # high | medium | low
    "metric",  # the metric the finding is about (for parts checks: the whole's metric)
    "group",  # the group (for parts checks: the whole's group)
    "period_start",  # the period start of the series (NaT: open start)
    "first_date",  # earliest date_earliest among the claims involved
    "last_date",  # latest date_latest among the claims involved
    "claim_ids",  # tuple of the claim ids involved: in date order of the figures (for parts: whole, then parts)
    "source_ids",  # tuple of their distinct source ids, in the same order
    "explanation",  # plain English, naming speakers, dates and numbers
    "related",  # tuple of (kind, claim_ids) of the findings this one is related to (see RELATED)
)
SERIES_KEYS = ("metric", "group", "area", "collected_by", "_period")  # _period: see _prepare
STATEMENT_KEYS = ("source_id", "area", "collected_by", "period_start", "period_end")

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
# group checks: each part group must not exceed the whole ("all"); civilian + military vs all
SUBGROUPS = ("civilian", "military", "child", "woman", "journalist", "deminer", "unspecified")
PARTITION = ("civilian", "military")
PEOPLE_METRICS = ("casualties", "killed", "injured")


# ---------------------------------------------------------------- preparation


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
    """The range [lo, hi] a value with its qualifier allows (see the module docstring)."""
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
    if "counter_kind" not in p.columns:
        p["counter_kind"] = np.where(p["source_kind"].astype(str) == "official_statement", "official", "unknown")
    p["counter_kind"] = p["counter_kind"].astype(str)
    if "relays_official" not in p.columns:
        p["relays_official"] = (p["counter_kind"] == "official") & (p["source_kind"].astype(str) != "official_statement")
    return p


def _series_id(p: pd.DataFrame, keys=SERIES_KEYS) -> np.ndarray:
    return p.groupby(list(keys), dropna=False, observed=True, sort=True).ngroup().to_numpy()


# ---------------------------------------------------------------- wording


# the shared wording (analysis.text), under the short names this module uses
_date = fmt_day
_window = fmt_window


def _who(r) -> str:
    return who(str(r.speaker or ""), str(r.speaker_role or ""), str(r.affiliation or ""),
               str(r.publisher or ""), str(r.collected_by or ""))


def _when(r) -> str:
    stated = _window(r.date_earliest, r.date_latest)
    if pd.notna(r.period_end):
        return f"as of {_date(r.period_end)}, stated {stated}"
    return stated


def _value(r, with_qualifier: bool = True) -> str:
    return fmt_value(r.value, str(r.qualifier) if with_qualifier else "exact", str(r.unit))


def _said(r) -> str:
    return f"{_value(r)} ({_who(r)}, {_when(r)})"


def _period(r) -> str:
    if pd.isna(r.period_start):
        return "(no period start given)"
    latest = r.period_start_latest if pd.notna(r.period_start_latest) else r.period_start
    return f"since {_window(r.period_start, latest)}"  # 'since Nov 2020' for a start given as a month


class _Rows:
    """The prepared claims as plain records (one namedtuple per row), so that formatting a
    finding costs microseconds, not a pandas lookup; texts are cached per row."""

    COLS = ("claim_id", "source_id", "metric", "group", "value", "qualifier", "qualifier_as_stated", "unit",
            "kind", "area", "collected_by", "period_start", "period_start_latest", "period_end", "speaker", "speaker_role",
            "affiliation", "publisher", "date_earliest", "date_latest", "w0", "w1", "lo", "hi", "period_label",
            "source_kind", "counter_kind", "relays_official")

    Claim = namedtuple("Claim", COLS)
    DATES = ("period_start", "period_start_latest", "period_end", "date_earliest", "date_latest")

    def __init__(self, p: pd.DataFrame, ctx: Context):
        self.ctx = ctx
        self.cols = {}
        for col in self.COLS:
            s = p[col] if col in p.columns else pd.Series("", index=p.index)
            if col == "period_start_latest" and col not in p.columns:
                s = p["period_start"]
            if col in self.DATES:
                self.cols[col] = s.to_numpy(dtype="datetime64[ns]")
            elif col in ("value", "lo", "hi", "w0", "w1"):
                self.cols[col] = s.to_numpy()
            elif col == "relays_official":
                self.cols[col] = s.fillna(False).astype(bool).to_numpy()
            else:
                self.cols[col] = s.astype(object).where(s.notna(), "").to_numpy()
        self._rows: dict[int, tuple] = {}
        self._said: dict[int, str] = {}

    def __getitem__(self, i: int):
        row = self._rows.get(i)
        if row is None:
            vals = []
            for col in self.COLS:
                v = self.cols[col][i]
                if col in self.DATES:
                    v = pd.Timestamp(v) if not np.isnat(v) else pd.NaT
                elif col in ("w0", "w1"):
                    v = int(v)
                elif col in ("value", "lo", "hi"):
                    v = float(v)
                elif col == "relays_official":
                    v = bool(v)
                else:
                    v = str(v)
                vals.append(v)
            row = self._rows[i] = self.Claim(*vals)
        return row

    def metric_label(self, metric: str, group: str) -> str:
        """'killed, civilians': a metric and group inside a sentence (labels from the context)."""
        label = lower_first(self.ctx.metric_label(str(metric)))
        g = self.ctx.group_label(str(group))
        return f"{label}, {g}" if g else label

    def series_label(self, r, capital: bool = True) -> str:
        label = f"{self.metric_label(r.metric, r.group)} {_period(r)}"
        if r.collected_by:  # not an official statement: say where (who counted is said with each figure)
            label += f" in {r.area}"
        return cap(label) if capital else label

    def said(self, i: int) -> str:
        if i not in self._said:
            self._said[i] = _said(self[i])
        return self._said[i]

    def order(self, ids) -> list[int]:
        """Row ids in date order of their figures (window start, end), then claim id."""
        return sorted({int(i) for i in ids}, key=lambda i: (self[i].w0, self[i].w1, self[i].claim_id))

    def finding(self, kind: str, severity: str, ids, explanation: str, whole: int | None = None,
                ordered: bool = False) -> dict:
        """One finding from the row ids involved; `whole` (a row id) names metric, group and period."""
        ids = [int(i) for i in ids] if ordered else self.order(ids)
        rows = [self[i] for i in ids]
        w = rows[0] if whole is None else self[whole]
        return {
            "kind": kind,
            "severity": severity,
            "metric": w.metric,
            "group": w.group,
            "period_start": w.period_start,
            "first_date": min(r.date_earliest for r in rows),
            "last_date": max(r.date_latest for r in rows),
            "claim_ids": tuple(r.claim_id for r in rows),
            "source_ids": tuple(dict.fromkeys(r.source_id for r in rows)),
            "explanation": explanation,
            "related": (),
        }


# ---------------------------------------------------------------- the checks


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


def _no_start(ra, rb) -> str:
    # with no start date, the two may count different periods ("since 1991" vs "to date")
    return (f" Neither gives a start date (their periods: '{ra.period_label}'; '{rb.period_label}'), "
            "so they may cover different periods.")


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


def _pick(p: pd.DataFrame, metric: str, group: str, prefix: str) -> pd.DataFrame:
    rows = p[(p["metric"] == metric) & (p["group"] == group)]
    cols = [*STATEMENT_KEYS, "_id", "lo", "hi"]
    return rows[cols].rename(columns={c: f"{prefix}{c}" for c in ("_id", "lo", "hi")})


def _parts(p: pd.DataFrame, R: _Rows) -> list[dict]:
    """parts_exceed_whole and parts_dont_add_up, within one statement and period."""
    keys = list(STATEMENT_KEYS)
    tests: list[tuple[pd.DataFrame, list[str]]] = []  # (merged frame, prefixes of the parts)
    for group in ("all", *SUBGROUPS):
        whole = _pick(p, "casualties", group, "w_")
        if whole.empty:
            continue
        m = whole.merge(_pick(p, "killed", group, "k_"), on=keys).merge(_pick(p, "injured", group, "i_"), on=keys)
        if not m.empty:
            tests.append((m.merge(_pick(p, "unknown_outcome", group, "u_"), on=keys, how="left"), ["k_", "i_", "u_"]))
    for metric in PEOPLE_METRICS:
        whole = _pick(p, metric, "all", "w_")
        if whole.empty:
            continue
        for group in SUBGROUPS:
            m = whole.merge(_pick(p, metric, group, "a_"), on=keys)
            if not m.empty:
                tests.append((m, ["a_"]))
        m = whole.merge(_pick(p, metric, PARTITION[0], "a_"), on=keys).merge(
            _pick(p, metric, PARTITION[1], "b_"), on=keys)
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


# ---------------------------------------------------------------- nearest figures (searchsorted, no pairs)


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


def _comparable_area(p: pd.DataFrame, ctx: Context) -> np.ndarray:
    """Non-official figures whose area the official counts are about (dataset.yaml officials.panels;
    any area when the descriptor names no panel)."""
    panels = set(ctx.officials.panels)
    if not panels:
        return np.ones(len(p), dtype=bool)
    areas = p["area"].astype(str)
    ok = {a: ctx.panel_of(a) in panels for a in areas.unique()}
    return areas.map(ok).to_numpy(dtype=bool)


def _counted_by(r) -> str:
    """Which side a figure is on: official, relayed official, independent."""
    if r.source_kind in ("official_statement",) or (r.counter_kind == "official" and not r.relays_official):
        return "an official statement"
    if r.relays_official:
        return f"an official count relayed by {r.publisher}" if r.publisher else "an official count relayed by others"
    if r.counter_kind == "independent":
        return "an independent count"
    return f"a count by {r.counter_kind.replace('_', ' ')}"


# ---------------------------------------------------------------- parts and wholes across statements


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
    keys = list(STATEMENT_KEYS)
    cols = [*keys, "group", "_pp"]

    def pick(metric: str, prefix: str) -> pd.DataFrame:
        rows = s[s["metric"] == metric]
        return rows[[*cols, "_id", "lo", "hi"]].rename(columns={c: f"{prefix}{c}" for c in ("_id", "lo", "hi")})

    split = pick("killed", "k_").merge(pick("injured", "i_"), on=cols)
    if split.empty:
        return []
    split = split.merge(pick("unknown_outcome", "u_"), on=cols, how="left")
    whole = s[s["metric"] == "casualties"]
    if whole.empty:
        return []
    sp_lo = (split["k_lo"] + split["i_lo"] + split["u_lo"].fillna(0)).to_numpy()
    sp_hi = (split["k_hi"] + split["i_hi"] + split["u_hi"].fillna(0)).to_numpy()
    k_id = split["k__id"].to_numpy()
    sp_w0, sp_w1 = p["w0"].to_numpy()[k_id], p["w1"].to_numpy()[k_id]
    sp_src = split["source_id"].astype(str).to_numpy()
    sp_key, wh_key = _keys([split, whole], ["group", "area", "collected_by", "_pp"])
    # the wholes by (series, date window): per window the highest lo and the lowest hi, each also from a second source
    wgrp = pd.DataFrame({"k": wh_key, "w0": whole["w0"].to_numpy(), "w1": whole["w1"].to_numpy()})
    gid = wgrp.groupby(["k", "w0", "w1"], sort=True).ngroup().to_numpy()
    n_groups = int(gid.max()) + 1
    wlo, whi = whole["lo"].to_numpy(), whole["hi"].to_numpy()
    wsrc, wrid = whole["source_id"].astype(str).to_numpy(), whole["_id"].to_numpy()
    lo1, lo2 = _best_two(gid, wlo, wsrc, wrid, n_groups, largest=True)
    hi1, hi2 = _best_two(gid, whi, wsrc, wrid, n_groups, largest=False)
    first = np.zeros(n_groups, dtype=np.int64)
    first[gid[::-1]] = np.arange(len(gid))[::-1]
    g_key, g_w0, g_w1 = wh_key[first], wgrp["w0"].to_numpy()[first], wgrp["w1"].to_numpy()[first]
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
    out = []
    u_id = split["u__id"].to_numpy()
    for i, w in pairs:
        parts = [int(k_id[i]), int(split["i__id"].iat[i])] + ([int(u_id[i])] if not np.isnan(u_id[i]) else [])
        out.append(_parts_across_finding(R, w, parts))
    return out


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
    rw0, rw1, rlo, rhi, rrid = (running[c].to_numpy() for c in ("w0", "w1", "lo", "hi", "_id"))
    base, span = _span(rw0, rw1, a0, a1, e0, e1)
    results = {}
    for scope, cols in (("office", ["metric", "group", "affiliation"]), ("all", ["metric", "group"])):
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


def _period_finding(R: _Rows, y: int, ref: tuple[int | None, int], over: bool, bound: float, scope: str,
                    running_start) -> dict:
    ry = R[y]
    r0, r1 = ref
    end = ry.period_end if pd.notna(ry.period_end) else ry.date_latest
    covered = _window(ry.period_start, end)
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


# ---------------------------------------------------------------- public API


def find_inconsistencies(
    claims: pd.DataFrame,
    *,
    same_days: int = 7,
    allow_growth: bool = True,
    stale_days: int = 365,
    growth: float = 0.25,
    approx_tol: float = 0.05,
    source_kinds: tuple[str, ...] = ("official_statement",),
    cumulative_kinds: tuple[str, ...] = ("cumulative_count",),
    stale_metrics: tuple[str, ...] | None = None,
    related: tuple[str, str, str | None] = ("casualties", "all", REFERENCE),
    kinds: tuple[str, ...] = KINDS,
    cross_kind: bool = False,
    context: Context | None = None,
) -> pd.DataFrame:
    """Inconsistencies among reported figures, one row per finding (columns: `COLUMNS`).

    claims: the frame of `analysis.load_claims()` (rows of `derive()` marked derived are ignored).
    same_days: for ``close_dates_differ``, statements whose date windows are at most this many
        days apart count as close (0: only the same day or overlapping windows).
    allow_growth: in ``close_dates_differ``, a cumulative count that rises between two separate
        (non-overlapping) date windows is not a finding: new casualties may explain it. False
        flags every difference.
    stale_days: a figure repeated over more than this many days (between the end of the first
        statement's window and the start of the last's) can be ``stale_figure``.
    growth: ... and is one if the related series grew by more than this share over that span
        (0.25 = 25%), from its first figure dated within the span to its last.
    approx_tol: relative slack of "about" and "nearly" (capped by the precision the number implies).
    source_kinds: sources used by the cross-statement checks (count_decreased, close_dates_differ,
        qualifier_changed, stale_figure); within-statement checks use every source.
    cumulative_kinds: metric kinds (metrics.csv ``kind``) that cannot go down over a fixed start.
    stale_metrics: metrics checked for ``stale_figure``; None for the descriptor's
        (dataset.yaml ``stale_metrics``).
    related: (metric, group, period_start or None for open) of the series a stale figure is set
        against; matched on the stale figure's area. A period_start of ``"reference"`` is the
        descriptor's reference date (a DataError naming the data's period starts when it has
        none and there are stale metrics to check).
    kinds: the kinds of finding to look for.
    cross_kind: also set counts that are not official statements against the officials' running
        totals: ``cross_kind_total``, and relayed or independent figures in ``period_vs_running``
        (off by default: an independent count may differ by method).
    context: the dataset descriptor (`analysis.load_context`): labels in the explanations, the
        defaults above. None: neutral words, no stale metrics.

    Sorted by kind (order of `KINDS`), first date, then claim ids.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {sorted(unknown)} (allowed: {', '.join(KINDS)})")
    from .context import resolve

    ctx = resolve(context, claims)
    if stale_metrics is None:
        stale_metrics = ctx.stale_metrics
    if related[2] == REFERENCE:
        needed = (stale_metrics and "stale_figure" in kinds) or ("period_vs_running" in kinds and _has_periods(claims))
        start = ctx.reference_start(claims) if needed else None
        related = (related[0], related[1], start)
    p = _prepare(claims, approx_tol)
    found: list[dict] = []
    if not p.empty:
        R = _Rows(p, ctx)
        dec, pairs, higher = _count_decreased(p, R, source_kinds, cumulative_kinds)
        if "count_decreased" in kinds:
            found += dec
        if "decreased_from_higher" in kinds:
            found += higher
        if "close_dates_differ" in kinds:
            found += _close_dates_differ(p, R, source_kinds, same_days, pairs, cumulative_kinds, allow_growth)
        if "conflicting_values" in kinds:
            found += _conflicting_values(p, R)
        if {"parts_exceed_whole", "parts_dont_add_up"} & set(kinds):
            found += [f for f in _parts(p, R) if f["kind"] in kinds]
        if "parts_across_statements" in kinds:
            found += _parts_across(p, R, source_kinds, same_days, cumulative_kinds, allow_growth)
        if "qualifier_changed" in kinds:
            found += _qualifier_changed(p, R, source_kinds, cumulative_kinds)
        if "stale_figure" in kinds:
            found += _stale_figure(p, R, source_kinds, stale_metrics, stale_days, growth, related)
        if "period_vs_running" in kinds:
            found += _period_vs_running(p, R, source_kinds, cumulative_kinds, related[2], cross_kind)
        if cross_kind and "cross_kind_total" in kinds:
            found += _cross_kind_total(p, R, source_kinds, cumulative_kinds)
    _relate(found)
    out = pd.DataFrame(found, columns=list(COLUMNS))
    for col in ("period_start", "first_date", "last_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    rank = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = (out.assign(_rank=rank).sort_values(["_rank", "first_date", "claim_ids"], kind="stable")
           .drop(columns="_rank").reset_index(drop=True))
    return out


KIND_LABELS = {
    "count_decreased": "count went down",
    "decreased_from_higher": "count went down from the higher of two figures",
    "close_dates_differ": "close dates, different figures",
    "conflicting_values": "two figures in one statement",
    "parts_exceed_whole": "parts exceed the whole",
    "parts_dont_add_up": "parts don't add up",
    "parts_across_statements": "parts and whole across statements",
    "qualifier_changed": "qualifier changed",
    "stale_figure": "stale figure",
    "period_vs_running": "period figure vs running totals",
    "cross_kind_total": "relayed or independent total vs officials'",
}


def _has_periods(claims: pd.DataFrame) -> bool:
    """Whether any claim counts over a closed period (a start and an end): period_vs_running has work."""
    return bool(len(claims)) and bool((claims["period_start"].notna() & claims["period_end"].notna()).any())


def _relate(found: list[dict]) -> None:
    """Fill ``related`` both ways: a finding that declares ``_rel`` (kinds, two claim ids) is related
    to every finding of those kinds that names both claims. Findings are indexed by their pairs of
    claim ids (only the kinds asked for, and only findings of up to 12 claims), so this is linear
    in the number of findings."""
    wanted = {k for f in found for kinds, _ in f.get("_rel", ()) for k in kinds}
    if not wanted:
        for f in found:
            f.pop("_rel", None)
        return
    by_pair: dict[tuple[str, str], list[int]] = {}
    for n, f in enumerate(found):
        ids = f["claim_ids"]
        if f["kind"] in wanted and len(ids) <= 12:
            for a, b in combinations(sorted(set(ids)), 2):
                by_pair.setdefault((a, b), []).append(n)
    links: dict[int, dict[int, None]] = {}
    for n, f in enumerate(found):
        for kinds, pair in f.pop("_rel", ()):
            for m in by_pair.get(tuple(sorted(pair)), ()):
                if found[m]["kind"] in kinds and m != n:
                    links.setdefault(n, {})[m] = None
                    links.setdefault(m, {})[n] = None
    for n, ms in links.items():
        found[n]["related"] = tuple((found[m]["kind"], found[m]["claim_ids"]) for m in ms)


def related_text(related) -> str:
    """'two figures in one statement (a, b)'; several joined by '; '."""
    return "; ".join(f"{KIND_LABELS.get(k, k)} ({', '.join(ids)})" for k, ids in related)


def findings_table(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings ready to show: readable kind, dates as text, claim ids joined, no tuples."""
    t = pd.DataFrame({
        "kind": findings["kind"].map(KIND_LABELS).fillna(findings["kind"]),
        "severity": findings["severity"],
        "metric": findings["metric"],
        "group": findings["group"],
        "dates": [_window(a, b) for a, b in zip(findings["first_date"], findings["last_date"], strict=True)],
        "claims": [", ".join(ids) for ids in findings["claim_ids"]],
        "explanation": findings["explanation"],
        "related": [related_text(r) for r in findings["related"]],
    })
    return t.reset_index(drop=True)
