"""The officials' running totals beside other counts: `official_vs_independent_chart`, drawn from
`analysis.independent.official_vs_independent` (shared parts: `analysis.independent_charts`).

It returns ``(fig, ChartMeta)`` like `analysis.charts.casualty_counts`; every drawn point or bar
carries its claim id as ``gid``.
"""

from __future__ import annotations

import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from .charts import compact_source_line, source_line
from .context import Context, resolve
from .framing import (
    CLAIMS_NOTE,
    MARKERS,
    ChartMeta,
    DrawnValue,
    empty_panel,
    fill,
    layout,
    point,
    qualifier_handles,
    scale,
    style,
)
from .independent import _metric_text, _reference
from .independent_charts import OFFICIAL_COLOUR, RELAYED, _colours, _metric_of, _nothing_found, _Tally
from .placement import place_labels
from .text import fmt_day, fmt_value, fmt_window


def official_vs_independent_chart(
    rows: pd.DataFrame,
    name: str = "official-vs-independent",
    theme: str = "paper",
    *,
    context: Context | None = None,
) -> tuple[plt.Figure, ChartMeta]:
    """Official cumulative counts since the reference date (top) above counts for one period (bottom).

    The reference date is the selection's ``period_start`` (`official_vs_independent`), named
    as the descriptor names it ("the ceasefire of ..."). Two measures, two panels sharing the
    time axis: a running total since the reference date and
    a count for one year or part of a year cannot share a y axis. Top: each official statement
    is a point (at the midpoint of the statement's date window, or at the date the speaker
    said the count runs to), with the date window drawn as a horizontal bar when it is wider
    than a day; other sources' counts over the same period are drawn in their collector's
    colour and labelled. Bottom: one row per count, a bar across the period it covers with its
    number, collector, period and area written beside it (``gid`` ``label:<claim id>``): counts
    over periods of different lengths get no shared value scale. ``gid`` = claim id on every
    point and bar (date windows: ``window:<claim id>``).
    """
    ctx = resolve(context, rows)
    sel = rows.attrs.get("selection") or {}
    metric = _metric_of(rows)
    ref = _reference(rows, ctx)
    title = f"{ctx.metric_label(metric)}: official running totals since {ref['event']}, and other counts"
    if rows.empty:
        raise _nothing_found(rows, f"No official or independent figures ({_metric_text(metric, ctx)}) found for "
                                   "this selection")
    since = f"since {ref['day']}"
    colours = _colours(dict.fromkeys(rows.series), ctx)
    tally = _Tally()
    style_ctx, white = style(theme)
    with style_ctx, white:
        # the bottom panel: a row per count
        heights = [3.3 * scale(), max(1.2, 0.45 * int((rows.panel == "period").sum()) + 0.4) * scale()]
        fig, (ax_c, ax_p) = plt.subplots(2, 1, figsize=(9, 8), sharex=True, gridspec_kw={"height_ratios": heights})
        ax_c.set_title(fill(f"Running total: {_metric_text(metric, ctx)} since {ref['label']}", "medium", 7.6),
                       loc="left", fontsize="medium", fontweight="bold")
        ax_p.set_title(fill(f"A different measure: {_metric_text(metric, ctx)} within one year or part of a year, "
                            "one row per count", "medium", 7.6), loc="left", fontsize="medium", fontweight="bold")
        labels_c = _running_totals_panel(ax_c, rows[rows.panel == "cumulative"], colours, since, ctx, tally)
        notes_p = _period_panel(ax_p, rows[rows.panel == "period"], colours, ctx, tally)
        _time_axis(ax_c, ax_p, rows, ref)
        handles = qualifier_handles(tally.markers)
        handles.append(Line2D([], [], color="#333333", alpha=0.35, lw=2.4, label="date window of a statement"))
        relayed_note = ("Figures that relay a government count are included, labelled "
                        f"\"{RELAYED.strip(' ()')}\"."
                        if sel.get("include_relayed") else "Figures that relay a government count are left out.")
        subtitle = (f"Top: {_metric_text(metric, ctx)} {since} as stated by {ctx.officials.label} (one point per "
                    "statement) and as reported by others. Bottom: counts for a single year or part of one, a "
                    f"different measure: each across the period it covers, its number beside it. {relayed_note}")
        stmt = source_line(rows)
        footer = f"{compact_source_line(rows, context=ctx)} {CLAIMS_NOTE}"
        layout(fig, title, subtitle, footer, handles, body_h=sum(heights) + 1.4 * scale())
        place_labels(ax_c, labels_c)
        _fit_beside(ax_p, notes_p)
    alt = f"Two-panel chart: {title}. " + " ".join(tally.alt_parts) + " " + stmt
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=" ".join(tally.alt_parts), values=tally.drawn)


def _running_totals_panel(ax, cum: pd.DataFrame, colours: dict[str, str], since: str, ctx: Context,
                          tally: _Tally) -> list[dict]:
    """Top panel: each official statement a point with its date window, then other sources'
    running totals over the same period, labelled; returns the labels for `place_labels`."""
    labels: list[dict] = []
    for r in cum.sort_values(["role", "x"], key=lambda s: s != "official" if s.name == "role" else s).itertuples():
        colour = colours[r.series]
        official = r.role == "official"
        if r.x_end > r.x_start:
            ax.plot([r.x_start, r.x_end], [r.value, r.value], color=colour, lw=2.4, alpha=0.35,
                    solid_capstyle="butt", gid=f"window:{r.claim_id}", zorder=2)
        point(ax, r.x, r.value, r.qualifier, colour, r.claim_id, size=5 if official else 8,
               zorder=4 if official else 5)
        tally.markers.add(MARKERS.get(str(r.qualifier), "o"))
        if official:
            when = fmt_window(r.date_earliest, r.date_latest, bool(r.date_inferred))
            if pd.notna(r.period_end):
                when += f" (count to {fmt_day(r.period_end)})"
        else:
            when = f"to {fmt_day(r.period_end_effective)}"
            labels.append(dict(anchors=[(r.x, float(r.value))], colour=colour,
                               text=f"{_series_label(r)}\n{fmt_value(r.value, r.qualifier)} to "
                                    f"{fmt_day(r.period_end_effective)}\n{ctx.area_label(r.area)}"))
            tally.alt_parts.append(f"{r.series} ({r.collected_by}, {r.area}): {fmt_value(r.value, r.qualifier)} "
                                   f"{since} to {fmt_day(r.period_end_effective)}.")
        tally.drawn.append(DrawnValue(label=f"{r.series} ({r.role})", value=float(r.value),
                                      qualifier=str(r.qualifier), derived=False, claim_ids=(r.claim_id,),
                                      period=f"{since}, {when}"))
    off = cum[cum.role == "official"].sort_values("x")
    if len(off):
        first, last = off.iloc[0], off.iloc[-1]
        n = off.source_id.nunique()  # a statement may give two figures: count statements, say so
        counted = f"{n} statements" if n == len(off) else f"{len(off)} figures in {n} statements"
        labels.insert(0, dict(anchors=[(first.x, float(first.value)), (last.x, float(last.value))],
                              colour=OFFICIAL_COLOUR, text=f"{ctx.officials.label}\n{counted}"))
        tally.alt_parts.insert(0, f"{ctx.officials.label}: {counted} between {fmt_day(off.x.min())} and "
                                  f"{fmt_day(off.x.max())}, from {fmt_value(first.value, first.qualifier)} "
                                  f"to {fmt_value(last.value, last.qualifier)}.")
    ax.set_ylabel(f"people {since}")
    if cum.empty:
        empty_panel(ax, f"No running totals {since} in this selection.")
    else:
        ax.set_ylim(0, float(cum.value.max()) * 1.3)
    return labels


def _period_panel(ax, per: pd.DataFrame, colours: dict[str, str], ctx: Context, tally: _Tally) -> list:
    """Bottom panel: one row per count for one year or part of one, earliest first: a bar across
    the period it covers, its number written beside it with who counted, the period and the area.
    Counts over periods of different lengths are not set against one another on a shared value
    scale (a month's 9 beside a year's 97), and no two labels can meet, however many counts.
    Returns the labels, for `_fit_beside` once the layout is final."""
    n = len(per)
    size = "small" if scale() < 1.5 else "x-small"
    notes = []
    for i, r in enumerate(per.sort_values(["x_start", "x_end", "claim_id"]).itertuples()):
        colour = colours[r.series]
        marker = MARKERS.get(str(r.qualifier), "o")
        ax.plot([r.x_start, r.x_end], [i, i], color=colour, lw=3.2, solid_capstyle="butt",
                marker=marker, markevery=[1], markersize=6, gid=r.claim_id, zorder=4)
        tally.markers.add(marker)
        period = fmt_window(r.period_start, r.period_end_effective)
        value = fmt_value(r.value, r.qualifier)
        text = f"{value}  {_series_label(r)}\n{period}, {ctx.area_label(r.area)}"
        note = ax.annotate(text, xy=(r.x_end, i), xytext=(7, 0), textcoords="offset points", ha="left",
                           va="center", color=colour, fontsize=size, fontweight="bold", gid=f"label:{r.claim_id}",
                           annotation_clip=False, linespacing=1.05)
        note.set_in_layout(False)  # placed by `_fit_beside`, inside the axes
        notes.append((note, r.x_start, r.x_end))
        tally.drawn.append(DrawnValue(label=f"{r.series} ({r.role})", value=float(r.value),
                                      qualifier=str(r.qualifier), derived=False, claim_ids=(r.claim_id,),
                                      period=period))
        tally.alt_parts.append(f"{r.series} ({r.collected_by}, {r.area}): {value} in {period}.")
    ax.set_yticks([])
    ax.set_ylabel("one row per count")
    if n == 0:
        empty_panel(ax, "No yearly or part-year counts from other sources in this selection.")
    else:
        ax.set_ylim(n - 0.4, -0.6)  # earliest at the top
    return notes


def _fit_beside(ax, notes: list) -> None:
    """Each row's label after its bar, or before it where it would run past the right edge. Where
    it fits on neither side (a short time axis, a large theme), its period and area go on lines of
    their own and the sides are tried again; failing that, it sits just inside the axes on the
    side with more room, over its own bar, on a white backing. Measured on the final layout."""
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    per_point = ax.figure.dpi / 72

    def put(note, x, dx, ha):
        note.xy, note.xyann = (x, note.xy[1]), (dx, 0)
        note.set_horizontalalignment(ha)
        return note.get_window_extent(renderer)

    for note, start, end in notes:
        text = note.get_text()
        head, _, rest = text.partition("\n")
        for candidate in (text, f"{head}\n" + rest.replace(", ", ",\n", 1)):
            note.set_text(candidate)
            after = put(note, end, 7, "left")
            if after.x1 <= box.x1:
                break
            before = put(note, start, -7, "right")
            if before.x0 >= box.x0:
                break
        else:
            anchor = ax.transData.transform((matplotlib.dates.date2num(end), 0))[0]
            if after.x1 - box.x1 <= box.x0 - before.x0:  # less missing after the bar: pull it back inside
                width = after.x1 - after.x0
                left = max(box.x0, box.x1 - width)
            else:
                left = box.x0
            put(note, end, (left - anchor) / per_point, "left")
            note.set_bbox(dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5))


def _series_label(r) -> str:
    """A count's label on the chart: its series, marked as the yearly chart marks it when it relays
    a government figure."""
    return f"{r.series}{RELAYED}" if r.role == "relayed" else str(r.series)


def _time_axis(ax_c, ax_p, rows: pd.DataFrame, ref: dict) -> None:
    """Both panels: grid, thousands, the reference date as a dashed line (named on the top
    panel); the shared time axis from before the reference date to the last count."""
    for ax in (ax_c, ax_p):
        ax.grid(axis="y", color="#dddddd", lw=0.8)
        ax.set_axisbelow(True)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.axvline(ref["start"], color="#999999", lw=0.8, ls="--", zorder=1)
        sns.despine(ax=ax)
    lo = min(rows.x_start.min(), ref["start"]) - pd.Timedelta(days=75)
    hi = rows.x_end.max() + pd.Timedelta(days=45)
    ax_p.set_xlim(lo, hi)
    ax_p.xaxis.set_major_locator(matplotlib.dates.YearLocator())
    ax_p.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    ax_p.xaxis.set_minor_locator(matplotlib.dates.MonthLocator(bymonth=(4, 7, 10)))
    ax_c.annotate(ref["mark"], xy=(ref["start"], 0), xytext=(4, 4),
                  textcoords="offset points", ha="left", va="bottom", fontsize="x-small", color="#666666")


__all__ = ["official_vs_independent_chart"]
