"""Casualty counts from outside the government's press statements, beside the official ones.

Two selections and two charts:

- `yearly_series`: the calendar-year counts (period 1 Jan - 31 Dec of one year) that
  monitoring reports, NGOs and news reports attribute to a collector (a mine action centre,
  a campaign, the Landmine Monitor, ...), one row per reported number, never added together.
- `official_vs_independent`: the officials' cumulative counts since the dataset's reference
  date (dataset.yaml ``reference``) beside whatever other counts exist from that year on (a
  few yearly or part-year counts, and a few cumulative ones).
- `independent_yearly_chart`, `official_vs_independent_chart`: ``(fig, ChartMeta)`` like
  `analysis.charts.casualty_counts`; every drawn point or bar carries its claim id as ``gid``.
  They live in `analysis.independent_charts` and `analysis.comparison_chart` (imported on first use from here, so the
  selections load no plotting code); `series_table` and `comparison_table` are the
  reader-facing tables of the two selections.

**Series labels.** ``collected_by`` says who counted in the source's own terms, with many
spellings for one collector ("XCBL", "XCBL (as cited by Monitor)", ...). The descriptor's
``collectors`` (dataset.yaml; `analysis.context.Collector`) map the spellings that name the
same collector counting the same way onto one label, in the order panels and legends use. A
spelling that no collector lists (an estimate, a survey, a figure of unclear origin, a news
site's reading of a map) keeps its own ``collected_by`` as its label: it is never folded into
a collector's series, and it is left out unless asked for by name in ``collectors``. Every
row keeps its original ``collected_by`` and ``area``; a series is a (label, area) pair, so
one collector's figures for two differently stated areas are two lines.

**Two figures for one series and year** (a later report revising a year, a copy of an
earlier report): every row is kept and drawn. The line goes through one of them, chosen in
this order: a row the data marks as superseded never; then the latest published (the
source's ``date_latest``, then ``date_earliest``); on a tie, the collector's own publication
over a report citing it; then the claim id. The others are drawn as hollow markers off the
line. The ``note`` column of every such row says which figure the line uses and why. Nothing
is averaged or summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .charts import compact_source_line
from .context import Context, carry, resolve
from .data import count_dates, reference_or, series, starts_at
from .framing import SelectionError
from .text import attribution, fmt_day, fmt_value, fmt_window, fmt_years, lower_first
from .vocab import CASUALTY_METRICS, REFERENCE

if TYPE_CHECKING:  # at run time these come from __getattr__ below, on first use
    from .comparison_chart import official_vs_independent_chart
    from .independent_charts import independent_yearly_chart

DEFAULT = "default"  # collectors=DEFAULT: the descriptor's default collectors (all, when it declares none)
PANELS_OF_OFFICIALS = "officials"  # panels=...: the panels the descriptor's official counts are about
CHARTS = ("independent_yearly_chart", "official_vs_independent_chart")


def __getattr__(name: str):
    """The charts (`analysis.independent_charts`, `analysis.comparison_chart`, which draw with this
    module's helpers) on first use."""
    if name in CHARTS:
        from importlib import import_module

        module = "comparison_chart" if name == "official_vs_independent_chart" else "independent_charts"
        return getattr(import_module(f".{module}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *CHARTS])


# ---------------------------------------------------------------- labels


def _metric_text(metric: str, ctx: Context) -> str:
    return lower_first(ctx.metric_label(metric))


def _check_metric(metric: str) -> None:
    if metric not in CASUALTY_METRICS:
        raise SelectionError(f"unknown metric {metric!r} (allowed: {', '.join(CASUALTY_METRICS)})")


def _available(claims: pd.DataFrame, ctx: Context, metric: str) -> dict[str, list[str]]:
    """What sources that are not official statements have for ``metric``: for an empty selection's message."""
    other = claims[(claims.source_kind != "official_statement") & (claims.metric == metric)]
    years = other.period_start.dropna().dt.year
    return {
        "collectors": sorted({ctx.series_label(c) for c in other.collected_by if c}),
        "areas": sorted(set(other.area)),
        "years": [fmt_years(years)] if len(years) else [],
    }


def _superseded(row) -> bool:
    text = f"{row.collected_by} {row.note} {row.qualifier_as_stated}".lower()
    return "superseded" in text


def _selection_text(rows: pd.DataFrame) -> str:
    """The filter a selection applied (``attrs["selection"]``), in words, for an empty chart's error."""
    sel = rows.attrs.get("selection") or {}
    parts = []
    if sel.get("collectors") is not None:
        parts.append("collectors " + ", ".join(sel["collectors"]))
    if sel.get("areas") is not None:
        parts.append("areas " + ", ".join(sel["areas"]))
    if sel.get("start_year") is not None or sel.get("end_year") is not None:
        parts.append(f"years {sel.get('start_year') or '...'}-{sel.get('end_year') or '...'}")
    if sel.get("start") or sel.get("end"):
        parts.append(f"dates {sel.get('start')} to {sel.get('end')}")
    if sel and not sel.get("include_relayed"):
        parts.append("rows relaying a government figure left out")
    return "; ".join(parts)


# ---------------------------------------------------------------- selections


def _one_calendar_year(sel: pd.DataFrame) -> pd.Series:
    """Rows whose period is exactly one calendar year: 1 Jan to 31 Dec of the same year."""
    ps, pe = sel.period_start, sel.period_end
    return (ps.notna() & pe.notna() & (ps.dt.month == 1) & (ps.dt.day == 1) & (pe.dt.month == 12)
            & (pe.dt.day == 31) & (ps.dt.year == pe.dt.year))


def yearly_series(
    claims: pd.DataFrame,
    metric: str = "casualties",
    areas: Sequence[str] | None = None,
    collectors: Sequence[str] | str | None = DEFAULT,
    include_relayed: bool = False,
    group: str = "all",
    start_year: int | None = None,
    end_year: int | None = None,
    *,
    context: Context | None = None,
) -> pd.DataFrame:
    """Calendar-year counts from sources that are not official statements, one row per number.

    ``claims`` is `analysis.load_claims()`. A row qualifies when its period is exactly one
    calendar year (``period_start`` 1 Jan and ``period_end`` 31 Dec of the same year).
    ``collectors``: collector labels (dataset.yaml ``collectors``) or exact ``collected_by``
    spellings; `DEFAULT` for the descriptor's default collectors; None for every collector.
    ``areas``: exact ``area`` values; None for every area.
    ``include_relayed``: keep rows that relay a government figure (``relays_official``).

    Returns the claim rows (every column of `load_claims`, so `source_line` works on them)
    plus ``series`` (the label), ``panel`` (`Context.panel_of`), ``year``, ``on_line`` (False for
    a second figure of the same series, area and year: see the module doc) and ``note``.
    Rows of two collectors or two areas are never merged: one row per (collector, area, year)
    and reported number. ``attrs["selection"]`` describes the filter and ``attrs["available"]``
    what the data has, for the error of an empty chart.
    """
    _check_metric(metric)
    ctx = resolve(context, claims)
    if isinstance(collectors, str) and collectors == DEFAULT:
        collectors = ctx.default_collectors or None
    sel = claims[(claims.source_kind != "official_statement") & (claims.metric == metric) & (claims.group == group)]
    sel = sel[_one_calendar_year(sel)]
    if not include_relayed:
        sel = sel[~sel.relays_official.astype(bool)]
    sel = sel.assign(series=sel.collected_by.map(ctx.series_label), panel=sel.area.map(ctx.panel_of),
                     year=sel.period_start.dt.year.astype(int))
    if collectors is not None:
        sel = sel[sel.series.isin(list(collectors)) | sel.collected_by.isin(list(collectors))]
    if areas is not None:
        sel = sel[sel.area.isin(list(areas))]
    if start_year is not None:
        sel = sel[sel.year >= start_year]
    if end_year is not None:
        sel = sel[sel.year <= end_year]
    out = _in_panel_order(_resolve_duplicates(sel), ctx)
    out.attrs["selection"] = {
        "metric": metric, "group": group, "include_relayed": include_relayed,
        "collectors": list(collectors) if collectors is not None else None,
        "areas": list(areas) if areas is not None else None, "start_year": start_year, "end_year": end_year,
    }
    out.attrs["available"] = _available(claims, ctx, metric)
    return carry(claims, out)


def _in_panel_order(out: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Panels and collectors in the descriptor's order, then area and year; the line's figure first."""
    out = out.assign(_p=out.panel.map(ctx.panel_rank), _s=out.series.map(ctx.collector_rank))
    out = out.sort_values(["_p", "panel", "_s", "series", "area", "year", "on_line", "claim_id"],
                          ascending=[True, True, True, True, True, True, False, True])
    return out.drop(columns=["_p", "_s"]).reset_index(drop=True)


def _resolve_duplicates(sel: pd.DataFrame) -> pd.DataFrame:
    """Mark one row per (series, area, year) ``on_line``; say why in ``note`` (module doc)."""
    sel = sel.copy()
    sel["on_line"] = True
    sel["note"] = ""
    for (label, _area, year), g in sel.groupby(["series", "area", "year"], sort=True):
        if len(g) < 2:
            continue
        ranked = sorted(
            g.itertuples(),
            key=lambda r: (not _superseded(r), r.date_latest, r.date_earliest, r.collected_by == label, r.claim_id),
        )
        chosen = ranked[-1]
        runner_up = ranked[-2]
        if _superseded(runner_up):
            why = "the other figure is marked superseded in the data"
        elif (runner_up.date_latest, runner_up.date_earliest) != (chosen.date_latest, chosen.date_earliest):
            why = "the latest published"
        elif chosen.collected_by == label and runner_up.collected_by != label:
            why = f"published at the same time as the other; the line uses {label}'s own publication"
        else:
            why = "published at the same time; chosen by claim id"

        def cite(r) -> str:
            return f"{fmt_value(r.value, r.qualifier)} ({r.publisher}, {fmt_window(r.date_earliest, r.date_latest)})"

        others = [r for r in ranked if r.Index != chosen.Index]
        sel.loc[chosen.Index, "note"] = (
            f"{len(g)} figures for {year}: the line uses this one ({why}); also reported: "
            + "; ".join(cite(r) for r in others))
        for r in others:
            sel.loc[r.Index, "on_line"] = False
            reason = "superseded (the data marks it so)" if _superseded(r) else "not on the line"
            sel.loc[r.Index, "note"] = f"{reason}; the line uses {cite(chosen)} for {year}"
    return sel



def official_vs_independent(
    claims: pd.DataFrame,
    metric: str = "casualties",
    include_relayed: bool = False,
    start: str | None = None,
    end: str | None = None,
    group: str = "all",
    areas: Sequence[str] | None = None,
    panels: Sequence[str] | str | None = PANELS_OF_OFFICIALS,
    *,
    period_start: str = REFERENCE,
    context: Context | None = None,
) -> pd.DataFrame:
    """Official cumulative counts since ``period_start`` beside other counts for ``start``-``end``.

    ``period_start``: the start of the running totals, an ISO date; ``"reference"`` (the
    default) for the descriptor's reference date. ``start``/``end``: ISO dates limiting where
    the points go on the time axis; ``start`` defaults to 1 January of the reference year,
    ``end`` to no limit. The other counts are those whose area is drawn in one of ``panels``
    (see `Context.panel_of`; by default the panels the descriptor says the official counts are about,
    ``officials.panels``, e.g. not a neighbouring country's; None or an empty list for every
    area) or, when given, exactly one of ``areas``.

    Rows (every column of `load_claims`) plus:

    - ``panel``: ``cumulative`` (counts since ``period_start``: the officials' statements from
      `analysis.series`, and any other source's count over the same period) or ``period``
      (a count for one year or part of a year, from a source that is not an official
      statement: a different measure, drawn in its own panel). A count over a longer period
      that does not start at ``period_start`` is left out and listed in ``attrs["available"]``;
    - ``role``: ``official``; ``relayed`` (counted by officials, published by someone else:
      ``relays_official``; left out unless ``include_relayed``); else who counted
      (``counter_kind``: ``independent``, ``other_party``, ``mixed``, ``unknown``);
    - ``series``: the officials' label (dataset.yaml ``officials.label``) or the collector's
      label (`Context.series_label`);
    - ``x``: where the point goes on the time axis: for an official count, the midpoint of
      the statement's date window, or the date the speaker said the count runs to when that
      is given; for other counts, the end of the period counted;
    - ``x_start``, ``x_end``: the span drawn: the statement's date window (official), or the
      period counted (others).
    """
    _check_metric(metric)
    ctx = resolve(context, claims)
    ref = pd.Timestamp(reference_or(period_start, claims, ctx))
    lo = pd.Timestamp(start) if start else pd.Timestamp(year=ref.year, month=1, day=1)
    hi = pd.Timestamp(end) if end else pd.Timestamp.max
    if isinstance(panels, str) and panels == PANELS_OF_OFFICIALS:
        panels = ctx.officials.panels or None
    other = _other_counts(claims, metric, group, ref, lo, ctx)
    if not include_relayed:
        other = other[other.role != "relayed"]
    if areas is not None:
        other = other[other.area.isin(list(areas))]
    elif panels:
        other = other[other.area.map(ctx.panel_of).isin(list(panels))]
    longer = other.panel == "longer"  # neither since the reference date nor one year or less: not drawn
    out = pd.concat([_official_counts(claims, metric, group, ref, ctx), other[~longer]], ignore_index=True)
    out = out[(out.x >= lo) & (out.x <= hi)]
    out["note"] = out["note"].fillna("")
    out = out.sort_values(["panel", "role", "x", "claim_id"]).reset_index(drop=True)
    out.attrs["selection"] = {"metric": metric, "group": group, "include_relayed": include_relayed,
                              "start": start, "end": end, "areas": list(areas) if areas is not None else None,
                              "period_start": ref.strftime("%Y-%m-%d")}
    out.attrs["available"] = _available_beside(claims, ctx, metric, other[longer])
    return carry(claims, out)


def _available_beside(claims: pd.DataFrame, ctx: Context, metric: str, longer: pd.DataFrame) -> dict[str, list[str]]:
    """What `official_vs_independent` could draw with other arguments (its ``attrs["available"]``):
    the officials' period starts, `_available`, and the counts over more than a year it leaves out."""
    official_starts = claims.loc[claims.source_kind == "official_statement", "period_start"].dropna()
    available = {"official period starts": sorted({f"{d:%Y-%m-%d}" for d in official_starts})[:8],
                 **_available(claims, ctx, metric)}
    if len(longer):
        available["counts over more than a year (not drawn)"] = [
            f"{r.claim_id}: {r.collected_by}, {fmt_window(r.period_start, r.period_end_effective)}"
            for r in longer.itertuples()]
    return available


def _official_counts(claims: pd.DataFrame, metric: str, group: str, ref: pd.Timestamp, ctx: Context) -> pd.DataFrame:
    """The officials' running totals since ``ref`` (`analysis.series`), placed where their counts stand."""
    off = series(claims, metric, group=group, period_start=ref.strftime("%Y-%m-%d"))
    when = count_dates(off)
    return off.assign(panel="cumulative", role="official", series=ctx.officials.label,
                      x=when.as_of, x_start=when.as_of_earliest, x_end=when.as_of_latest)


def _other_counts(claims: pd.DataFrame, metric: str, group: str, ref: pd.Timestamp, lo: pd.Timestamp,
                  ctx: Context) -> pd.DataFrame:
    """Counts from sources that are not official statements: those since ``ref`` (panel
    ``cumulative``) and those for a period of at most one year starting from ``lo`` on (panel
    ``period``); a longer period starting from ``lo`` is panel ``longer`` (left out by the caller)."""
    other = claims[(claims.source_kind != "official_statement") & (claims.metric == metric) & (claims.group == group)
                   & claims.period_start.notna()]
    cumulative = starts_at(other, ref)
    keep = cumulative | (other.period_start >= lo)
    other, cumulative = other[keep], cumulative[keep]
    role = np.where(other.relays_official.astype(bool), "relayed", other.counter_kind.astype(str))
    within_a_year = other.period_end_effective < other.period_start + pd.DateOffset(years=1)
    other = other.assign(panel=np.select([cumulative, within_a_year], ["cumulative", "period"], "longer"), role=role,
                         series=other.collected_by.map(ctx.series_label),
                         x=other.period_end_effective, x_start=other.period_start, x_end=other.period_end_effective)
    other["x_start"] = other.x_start.where(other.panel == "period", other.x)
    return other


# ---------------------------------------------------------------- tables


def series_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of `yearly_series` as a reader-facing table, one line per reported number."""
    return pd.DataFrame({
        "collector (series)": rows.series,
        "collected by (as the source says)": rows.collected_by,
        "area": rows.area,
        "year": rows.year,
        "value": [fmt_value(v, q) for v, q in zip(rows.value, rows.qualifier, strict=True)],
        "qualifier": rows.qualifier.astype(str),
        "on the line": rows.on_line.map({True: "yes", False: "no (see note)"}),
        "source": [attribution(r) for r in rows.itertuples()],
        "note": rows.note,
        "claim": rows.claim_id,
    })



def _reference(rows: pd.DataFrame, ctx: Context) -> dict:
    """The start of the running totals of a comparison (its selection's ``period_start``, else the
    descriptor's reference date) and how to name it: 'the ceasefire of 10 Nov 2020' when it is
    the descriptor's reference date, else the day."""
    given = (rows.attrs.get("selection") or {}).get("period_start")
    start = pd.Timestamp(given) if given else pd.Timestamp(ctx.reference_start(rows))
    day = fmt_day(start)
    r = ctx.reference
    if r is not None and pd.Timestamp(r.start) == start:
        return dict(start=start, day=day, label=r.label, event=r.event, mark=f"{r.name},\n{day}")
    return dict(start=start, day=day, label=day, event=day, mark=day)


def comparison_table(rows: pd.DataFrame, context: Context | None = None) -> pd.DataFrame:
    """The rows of `official_vs_independent` as a reader-facing table, in date order per panel."""
    since = f"since {_reference(rows, resolve(context, rows))['day']}" if len(rows) else ""
    return pd.DataFrame({
        "panel": rows.panel.map({"cumulative": since, "period": "one year or part of one"}),
        "who": [s if r == "official" else f"{s} ({c})" for s, r, c in zip(rows.series, rows.role, rows.collected_by,
                                                                           strict=True)],
        "role": rows.role,
        "value": [fmt_value(v, q) for v, q in zip(rows.value, rows.qualifier, strict=True)],
        "counted to": [fmt_day(d) for d in rows.period_end_effective],
        "period (source's words)": rows.period_label,
        "area": rows.area,
        "source": [attribution(r) for r in rows.itertuples()],
        "claim": rows.claim_id,
    })




__all__ = [
    "DEFAULT", "PANELS_OF_OFFICIALS", "SelectionError", "comparison_table",
    "compact_source_line", "independent_yearly_chart", "official_vs_independent", "official_vs_independent_chart",
    "series_table", "yearly_series",
]
