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

The modules: `prepare` (bounds, date windows as days, series ids), `words` (how a finding is worded;
`_Rows`, the claims as records), `statement` (within one statement), `series` (one series across
statements), `nearest` (nearest figures by searchsorted), `across` (one series against another:
parts and wholes, other counters, a period against running totals), `findings` (the frame, related
findings, the table).

Everything is vectorised per check (sorts, searchsorted, groupby; each figure is set against a
bounded number of neighbours, never all pairs); only the findings themselves are formatted in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..vocab import REFERENCE
from .across import _cross_kind_total, _parts_across, _period_vs_running
from .findings import COLUMNS, KIND_LABELS, KINDS, _frame, findings_table, related_text
from .prepare import _prepare
from .series import _close_dates_differ, _count_decreased, _qualifier_changed, _stale_figure
from .statement import _conflicting_values, _parts
from .words import _Rows

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["COLUMNS", "KINDS", "KIND_LABELS", "find_inconsistencies", "findings_table", "related_text"]


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
    from ..context import resolve

    ctx = resolve(context, claims)
    stale_metrics = ctx.stale_metrics if stale_metrics is None else stale_metrics
    o = _Options(tuple(kinds), same_days, allow_growth, stale_days, growth, source_kinds, cumulative_kinds,
                 stale_metrics, _related(claims, ctx, related, stale_metrics, kinds), cross_kind)
    p = _prepare(claims, approx_tol)
    return _frame(_run(p, _Rows(p, ctx), o) if not p.empty else [])


@dataclass(frozen=True)
class _Options:
    """The options of `find_inconsistencies`, ``related``'s reference date resolved."""

    kinds: tuple[str, ...]
    same_days: int
    allow_growth: bool
    stale_days: int
    growth: float
    source_kinds: tuple[str, ...]
    cumulative_kinds: tuple[str, ...]
    stale_metrics: tuple[str, ...]
    related: tuple[str, str, object]
    cross_kind: bool


def _related(claims: pd.DataFrame, ctx: Context, related, stale_metrics, kinds) -> tuple:
    """``related`` with a period start of ``"reference"`` made the descriptor's reference date, looked
    up only when a check needs it (a DataError when the data has none); None when none does."""
    if related[2] != REFERENCE:
        return related
    needed = (stale_metrics and "stale_figure" in kinds) or ("period_vs_running" in kinds and _has_periods(claims))
    start = ctx.reference_start(claims) if needed else None
    return (related[0], related[1], start)


def _has_periods(claims: pd.DataFrame) -> bool:
    """Whether any claim counts over a closed period (a start and an end): period_vs_running has work."""
    return bool(len(claims)) and bool((claims["period_start"].notna() & claims["period_end"].notna()).any())


def _run(p: pd.DataFrame, R: _Rows, o: _Options) -> list[dict]:
    """The findings of every kind asked for, check by check in the order of `KINDS` (count_decreased
    runs always: close_dates_differ does not repeat the pairs it reports)."""
    dec, pairs, higher = _count_decreased(p, R, o.source_kinds, o.cumulative_kinds)
    steps = (
        (("count_decreased",), lambda: dec),
        (("decreased_from_higher",), lambda: higher),
        (("close_dates_differ",), lambda: _close_dates_differ(p, R, o.source_kinds, o.same_days, pairs,
                                                              o.cumulative_kinds, o.allow_growth)),
        (("conflicting_values",), lambda: _conflicting_values(p, R)),
        (("parts_exceed_whole", "parts_dont_add_up"), lambda: _parts(p, R)),
        (("parts_across_statements",), lambda: _parts_across(p, R, o.source_kinds, o.same_days,
                                                             o.cumulative_kinds, o.allow_growth)),
        (("qualifier_changed",), lambda: _qualifier_changed(p, R, o.source_kinds, o.cumulative_kinds)),
        (("stale_figure",), lambda: _stale_figure(p, R, o.source_kinds, o.stale_metrics, o.stale_days,
                                                  o.growth, o.related)),
        (("period_vs_running",), lambda: _period_vs_running(p, R, o.source_kinds, o.cumulative_kinds,
                                                            o.related[2], o.cross_kind)),
        (("cross_kind_total",), lambda: _cross_kind_total(p, R, o.source_kinds, o.cumulative_kinds)
         if o.cross_kind else []),
    )
    found: list[dict] = []
    for names, check in steps:
        if set(names) & set(o.kinds):
            found += [f for f in check() if f["kind"] in o.kinds]
    return found
