"""The yearly chart of the independent comparison (the selections are `analysis.independent`),
and what it shares with the other one (`analysis.comparison_chart`).

- `independent_yearly_chart`: the calendar-year counts of `analysis.independent.yearly_series`,
  one panel per area group and one line per (collector, area), broken at every year without
  a figure.
- `analysis.comparison_chart.official_vs_independent_chart`: the officials' running totals since
  the reference date (top) above counts for one year or part of one (bottom).

Both return ``(fig, ChartMeta)`` like `analysis.charts.casualty_counts`; every drawn point or
bar carries its claim id as ``gid``, and every line or bar is labelled directly on the chart
(`analysis.placement`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from .charts import compact_source_line, source_line
from .context import Context, resolve
from .framing import (
    CLAIMS_NOTE,
    MARKERS,
    OKABE_ITO,
    ChartMeta,
    DrawnValue,
    SelectionError,
    fill,
    layout,
    nothing_to_draw,
    point,
    qualifier_handles,
    scale,
    style,
)
from .independent import _metric_text, _selection_text
from .placement import NEAR, place_labels
from .text import fmt_value, fmt_years, year_runs

OFFICIAL_COLOUR = "#333333"
OTHER_COLOURS = (OKABE_ITO["purple"], OKABE_ITO["sky"], OKABE_ITO["grey"], OKABE_ITO["yellow"])
LINESTYLES = ("-", "--", ":", "-.")
GAP_FILL = "#eeeeee"
RELAYED = " (official count, relayed)"  # a line whose rows relay a government count (relays_official)


@dataclass
class _Tally:
    """What a chart has drawn so far, across its panels: the values, the alt text's parts, and
    what the legend must explain (the marker shapes used, any hollow marker)."""

    drawn: list[DrawnValue] = field(default_factory=list)
    alt_parts: list[str] = field(default_factory=list)
    markers: set[str] = field(default_factory=set)
    hollow: bool = False


def _metric_of(rows: pd.DataFrame) -> str:
    sel = rows.attrs.get("selection") or {}
    return str(rows.metric.iloc[0]) if len(rows) else str(sel.get("metric", "casualties"))


def _nothing_found(rows: pd.DataFrame, what: str) -> SelectionError:
    """The error of an empty selection: what is missing, the filter, and what the data has."""
    text = _selection_text(rows)
    return nothing_to_draw(what + (f" ({text})" if text else ""), rows.attrs.get("available") or {})


# ---------------------------------------------------------------- drawing helpers

# A second area of the same collector: a lighter shade of the collector's colour, dashed.
AREA_VARIANT_COLOURS = {OKABE_ITO["blue"]: OKABE_ITO["sky"], OKABE_ITO["vermillion"]: OKABE_ITO["orange"],
                        OKABE_ITO["orange"]: OKABE_ITO["yellow"], OKABE_ITO["green"]: OKABE_ITO["sky"]}


def _colours(labels: Iterable[str], ctx: Context) -> dict[str, str]:
    out, spare = {}, list(OTHER_COLOURS)
    for label in labels:
        named = ctx.collector_colour(label)
        if label == ctx.officials.label:
            out[label] = OFFICIAL_COLOUR
        elif named is not None:
            out[label] = OKABE_ITO[named]
        else:
            out[label] = spare.pop(0) if spare else OKABE_ITO["black"]
    return out


# ---------------------------------------------------------------- chart a: yearly counts by collector


def independent_yearly_chart(
    rows: pd.DataFrame,
    name: str = "independent-yearly",
    theme: str = "paper",
    start_year: int | None = None,
    end_year: int | None = None,
    *,
    context: Context | None = None,
) -> tuple[plt.Figure, ChartMeta]:
    """Yearly counts by collector from `yearly_series`: one panel per area group, one line per series.

    Panels follow the descriptor (dataset.yaml ``panels``: e.g. a country's series share one
    panel, a separately counted region gets its own, with its own scale: a different area is
    never one line or one axis with another). A line is one (collector, area) pair and is broken wherever a year
    has no figure (NaN is plotted, so no segment bridges a gap); years with no figure from any
    series of a panel are shaded and labelled. Each line is labelled on the chart with its
    collector and area. Marker shape shows the qualifier; a hollow marker is a second figure
    for a year already on the line (see ``note``). Each marker's ``gid`` is its claim id; each
    line's is ``line:<series>:<area>``.
    """
    ctx = resolve(context, rows)
    sel = rows.attrs.get("selection") or {}
    metric = _metric_of(rows)
    what = ctx.metric_label(metric)
    title = f"{what} by mines per year, by who counted them"
    if rows.empty:
        raise _nothing_found(rows, f"No calendar-year figures ({_metric_text(metric, ctx)}) found for this selection")
    y0 = int(start_year if start_year is not None else sel.get("start_year") or rows.year.min())
    y1 = int(end_year if end_year is not None else sel.get("end_year") or rows.year.max())
    years = np.arange(y0, y1 + 1)
    panels = list(dict.fromkeys(rows.panel))
    colours = _colours(dict.fromkeys(rows.series), ctx)
    tally = _Tally()
    style_ctx, white = style(theme)
    with style_ctx, white:
        heights = [ctx.panel(p).height * scale() for p in panels]
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 8), sharex=True,
                                 gridspec_kw={"height_ratios": heights}, squeeze=False)
        pending = [(ax, _yearly_panel(ax, rows[rows.panel == panel], ctx.panel(panel).title or panel, years,
                                      colours, ctx, tally))
                   for ax, panel in zip(axes[:, 0], panels, strict=True)]
        _calendar_axis(axes[-1, 0])
        handles = qualifier_handles(tally.markers, tally.hollow)
        handles.append(Patch(facecolor=GAP_FILL, edgecolor="none", label="no figure found for that year"))
        stmt = source_line(rows)
        collectors = ", ".join(dict.fromkeys(rows.series))
        subtitle = (f"{what} in each calendar year, {y0}-{y1}, as published by each collector ({collectors}). "
                    "One line per collector and area, never added together; no line is drawn across a year "
                    "without a figure.")
        if rows.relays_official.astype(bool).any():
            subtitle += (" Lines marked \"official count, relayed\" are a government's own count as published "
                         "by the collector, not an independent count.")
        footer = f"{compact_source_line(rows, context=ctx)} {CLAIMS_NOTE}"
        layout(fig, title, subtitle, footer, handles, body_h=sum(heights) + (0.45 * len(panels) + 0.5) * scale())
        for ax, labels in pending:
            place_labels(ax, labels)
    alt = f"Line chart: {title}. " + " ".join(tally.alt_parts) + " " + stmt
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=" ".join(tally.alt_parts), values=tally.drawn)


def _yearly_panel(ax, p: pd.DataFrame, title: str, years: np.ndarray, colours: dict[str, str], ctx: Context,
                  tally: _Tally) -> list[dict]:
    """One panel: its lines (a second area of a collector in a lighter shade, dashed), the years
    without any figure shaded and named; returns its labels (values first) for `place_labels`."""
    ax.set_title(fill(title, "medium", 7.6), loc="left", fontsize="medium", fontweight="bold")
    empty_years = sorted(set(years) - set(p.year))
    for a, b in year_runs(empty_years):
        ax.axvspan(a - 0.5, b + 0.5, color=GAP_FILL, zorder=0, lw=0)
    seen: dict[str, int] = {}
    labels: list[dict] = []
    values: list[dict] = []
    for label, area in dict.fromkeys(zip(p.series, p.area, strict=True)):
        k = seen.get(label, 0)
        seen[label] = k + 1
        colour = colours[label] if k == 0 else AREA_VARIANT_COLOURS.get(colours[label], colours[label])
        line_values, line_labels = _yearly_line(ax, p[(p.series == label) & (p.area == area)], label, area, k,
                                                colour, years, ctx, tally)
        values += line_values
        labels += line_labels
    ax.set_ylim(0, float(p.value.max()) * 1.45 + 1)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True))
    ax.set_ylabel("people in the year")
    ax.grid(axis="y", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    sns.despine(ax=ax)
    ax.set_xlim(int(years[0]) - 0.6, int(years[-1]) + 0.6)
    for a, b in year_runs(empty_years):
        top = ax.get_ylim()[1] * 0.97
        if b - a >= 2:
            ax.text((a + b) / 2, top, f"no figure\nfound\n{a}-{b}", ha="center", va="top",
                    fontsize="x-small", color="#666666", zorder=1, linespacing=1.1)
        else:
            ax.text((a + b) / 2, top, f"no figure found {fmt_years(range(a, b + 1))}", ha="center", va="top", rotation=90,
                    fontsize="x-small", color="#666666", zorder=1)
    return values + labels


def _yearly_line(ax, s: pd.DataFrame, label: str, area: str, k: int, colour: str, years: np.ndarray, ctx: Context,
                 tally: _Tally) -> tuple[list[dict], list[dict]]:
    """One (collector, area) line and its markers; returns the value labels (a lone point, a
    second report, a qualified value) and the line's own label (at its longest run of years,
    and at its last point when a gap comes before it)."""
    on = s[s.on_line].set_index("year")
    # a government count relayed by this collector: said on the line's label, its values and the alt text
    relayed = RELAYED if bool(s.relays_official.astype(bool).any()) else ""
    yv = on.value.reindex(years)  # NaN where a year has no figure: the line breaks there
    ax.plot(years, yv.to_numpy(float), color=colour, lw=1.8, ls=LINESTYLES[k % len(LINESTYLES)],
            gid=f"line:{label}:{area}", zorder=3)
    values: list[dict] = []
    for r in s.itertuples():
        point(ax, r.year, r.value, r.qualifier, colour, r.claim_id, on_line=bool(r.on_line))
        tally.markers.add(MARKERS.get(str(r.qualifier), "o"))
        tally.hollow |= not r.on_line
        alone = r.on_line and (r.year - 1 not in on.index) and (r.year + 1 not in on.index)
        if alone or not r.on_line or str(r.qualifier) != "exact":
            values.append(dict(anchors=[(r.year, float(r.value))], colour=colour, fontsize="x-small",
                               fontweight="normal", text=fmt_value(r.value, r.qualifier), around=NEAR))
        tally.drawn.append(DrawnValue(label=f"{label}, {area}{relayed}", value=float(r.value), qualifier=str(r.qualifier),
                                      derived=False, claim_ids=(r.claim_id,), period=str(r.year),
                                      formula="" if r.on_line else "off the line: " + r.note))
    a, b = max(year_runs(on.index), key=lambda t: (t[1] - t[0], t[1]))
    last = int(on.index.max())
    text = f"{label}{relayed}\n{ctx.area_label(area)}"
    labels: list[dict] = []
    if last != b:  # a point after a gap (e.g. a recent year) gets its own label too
        labels.append(dict(anchors=[(last, float(on.value[last]))], colour=colour, text=text))
    labels.append(dict(anchors=[(b, float(on.value[b])), (a, float(on.value[a]))], colour=colour, text=text))
    missing = sorted(set(years) - set(on.index))
    tally.alt_parts.append(
        f"{label} ({area}){relayed}: " + ", ".join(
            f"{y} {fmt_value(v, q)}" + ("" if o else " (second report, off the line)")
            for y, v, q, o in zip(s.year, s.value, s.qualifier, s.on_line, strict=True))
        + (f"; no figure for {fmt_years(missing)}" if missing else "") + ".")
    return values, labels


def _calendar_axis(ax) -> None:
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(2 if scale() < 1.5 else 5))
    ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(1))
    ax.tick_params(axis="x", which="minor", length=2)
    ax.set_xlabel("calendar year counted")


# ---------------------------------------------------------------- chart b: official vs independent


__all__ = ["independent_yearly_chart"]
