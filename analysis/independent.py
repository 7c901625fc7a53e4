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

from collections.abc import Iterable, Sequence

import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .charts import source_line
from .context import Context, carry, resolve
from .data import count_dates, starts_at
from .data import series as official_series
from .framing import (
    CLAIMS_NOTE,
    MARKER_MEANING,
    MARKERS,
    OKABE_ITO,
    ChartMeta,
    DrawnValue,
    SelectionError,
    empty_panel,
    fill,
    layout,
    nothing_to_draw,
    scale,
    style,
)
from .text import attribution, fmt_day, fmt_value, fmt_window, lower_first
from .vocab import REFERENCE

METRICS = ("casualties", "killed", "injured")
DEFAULT = "default"  # collectors=DEFAULT: the descriptor's default collectors (all, when it declares none)
PANELS_OF_OFFICIALS = "officials"  # panels=...: the panels the descriptor's official counts are about

OFFICIAL_COLOUR = "#333333"
OTHER_COLOURS = (OKABE_ITO["purple"], OKABE_ITO["sky"], OKABE_ITO["grey"], OKABE_ITO["yellow"])
LINESTYLES = ("-", "--", ":", "-.")
# Marker shape carries the qualifier, as on the timeline chart (analysis.framing.MARKERS).
QUALIFIER_MARKERS = MARKERS
QUALIFIER_LEGEND = MARKER_MEANING
GAP_FILL = "#eeeeee"


# ---------------------------------------------------------------- labels


def series_label(collected_by: str, context: Context | None = None) -> str:
    """The collector a ``collected_by`` spelling belongs to (dataset.yaml ``collectors``; itself
    when no collector lists it)."""
    return resolve(context).series_label(collected_by)


def panel_of(area: str, context: Context | None = None) -> str:
    """The panel an area is drawn in (dataset.yaml ``panels``), or the area itself.

    Panels only group areas for drawing; each distinct area is still its own line.
    """
    return resolve(context).panel_of(area)


def _metric_text(metric: str, ctx: Context) -> str:
    return lower_first(ctx.metric_label(metric))


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise SelectionError(f"unknown metric {metric!r} (allowed: {', '.join(METRICS)})")


def _available(claims: pd.DataFrame, ctx: Context, metric: str) -> dict[str, list[str]]:
    """What sources that are not official statements have for ``metric``: for an empty selection's message."""
    other = claims[(claims.source_kind != "official_statement") & (claims.metric == metric)]
    years = other.period_start.dropna().dt.year
    return {
        "collectors": sorted({ctx.series_label(c) for c in other.collected_by if c}),
        "areas": sorted(set(other.area)),
        "years": [_years(years)] if len(years) else [],
    }


def _superseded(row) -> bool:
    text = f"{row.collected_by} {row.note} {row.qualifier_as_stated}".lower()
    return "superseded" in text


def _years(years: Iterable[int]) -> str:
    """'2017-2022' or '2011' or '1999-2002, 2024-2025' from a set of years."""
    years = sorted(set(int(y) for y in years))
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)


def _runs(years: Iterable[int]) -> list[tuple[int, int]]:
    years = sorted(set(int(y) for y in years))
    out: list[tuple[int, int]] = []
    for y in years:
        if out and y == out[-1][1] + 1:
            out[-1] = (out[-1][0], y)
        else:
            out.append((y, y))
    return out


# ---------------------------------------------------------------- selections


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
    plus ``series`` (the label), ``panel`` (see `panel_of`), ``year``, ``on_line`` (False for
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
    ps, pe = sel.period_start, sel.period_end
    one_year = (ps.notna() & pe.notna() & (ps.dt.month == 1) & (ps.dt.day == 1) & (pe.dt.month == 12)
                & (pe.dt.day == 31) & (ps.dt.year == pe.dt.year))
    sel = sel[one_year]
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
    out = _resolve_duplicates(sel)
    out = out.assign(_p=out.panel.map(ctx.panel_rank), _s=out.series.map(ctx.collector_rank))
    out = out.sort_values(["_p", "panel", "_s", "series", "area", "year", "on_line", "claim_id"],
                          ascending=[True, True, True, True, True, True, False, True])
    out = out.drop(columns=["_p", "_s"]).reset_index(drop=True)
    out.attrs["selection"] = {
        "metric": metric, "group": group, "include_relayed": include_relayed,
        "collectors": list(collectors) if collectors is not None else None,
        "areas": list(areas) if areas is not None else None, "start_year": start_year, "end_year": end_year,
    }
    out.attrs["available"] = _available(claims, ctx, metric)
    return carry(claims, out)


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
    (see `panel_of`; by default the panels the descriptor says the official counts are about,
    ``officials.panels``, e.g. not a neighbouring country's; None or an empty list for every
    area) or, when given, exactly one of ``areas``.

    Rows (every column of `load_claims`) plus:

    - ``panel``: ``cumulative`` (counts since ``period_start``: the officials' statements from
      `analysis.series`, and any other source's count over the same period) or ``period``
      (a count for one year or part of a year, from a source that is not an official
      statement: a different measure, drawn in its own panel);
    - ``role``: ``official``; ``relayed`` (counted by officials, published by someone else:
      ``relays_official``; left out unless ``include_relayed``); else who counted
      (``counter_kind``: ``independent``, ``other_party``, ``mixed``, ``unknown``);
    - ``series``: the officials' label (dataset.yaml ``officials.label``) or the collector's
      label (`series_label`);
    - ``x``: where the point goes on the time axis: for an official count, the midpoint of
      the statement's date window, or the date the speaker said the count runs to when that
      is given; for other counts, the end of the period counted;
    - ``x_start``, ``x_end``: the span drawn: the statement's date window (official), or the
      period counted (others).
    """
    _check_metric(metric)
    ctx = resolve(context, claims)
    if period_start == REFERENCE:
        period_start = ctx.reference_start(claims)
    ref = pd.Timestamp(period_start)
    lo = pd.Timestamp(start) if start else pd.Timestamp(year=ref.year, month=1, day=1)
    hi = pd.Timestamp(end) if end else pd.Timestamp.max
    if isinstance(panels, str) and panels == PANELS_OF_OFFICIALS:
        panels = ctx.officials.panels or None
    off = official_series(claims, metric, group=group, period_start=ref.strftime("%Y-%m-%d"))
    when = count_dates(off)
    off = off.assign(panel="cumulative", role="official", series=ctx.officials.label,
                     x=when.as_of, x_start=when.as_of_earliest, x_end=when.as_of_latest)
    other = claims[(claims.source_kind != "official_statement") & (claims.metric == metric) & (claims.group == group)
                   & claims.period_start.notna()]
    cumulative = starts_at(other, ref)
    other = other[cumulative | (other.period_start >= lo)]
    role = np.where(other.relays_official.astype(bool), "relayed",
                    other.counter_kind.astype(str) if "counter_kind" in other.columns else "independent")
    other = other.assign(panel=np.where(starts_at(other, ref), "cumulative", "period"), role=role,
                         series=other.collected_by.map(ctx.series_label),
                         x=other.period_end_effective, x_start=other.period_start, x_end=other.period_end_effective)
    other["x_start"] = other.x_start.where(other.panel == "period", other.x)
    if not include_relayed:
        other = other[other.role != "relayed"]
    if areas is not None:
        other = other[other.area.isin(list(areas))]
    elif panels:
        other = other[other.area.map(ctx.panel_of).isin(list(panels))]
    out = pd.concat([off, other], ignore_index=True)
    out = out[(out.x >= lo) & (out.x <= hi)]
    out["note"] = out["note"].fillna("")
    out = out.sort_values(["panel", "role", "x", "claim_id"]).reset_index(drop=True)
    out.attrs["selection"] = {"metric": metric, "group": group, "include_relayed": include_relayed,
                              "start": start, "end": end, "areas": list(areas) if areas is not None else None,
                              "period_start": ref.strftime("%Y-%m-%d")}
    out.attrs["available"] = {"official period starts": sorted({f"{d:%Y-%m-%d}" for d in claims.loc[
        claims.source_kind == "official_statement", "period_start"].dropna()})[:8], **_available(claims, ctx, metric)}
    return carry(claims, out)


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


def _point(ax, x, y, qualifier: str, colour: str, gid: str, on_line: bool = True, size: float = 6.5, zorder=4):
    """One reported number as one marker (its own artist, ``gid`` = claim id); shape = qualifier."""
    marker = QUALIFIER_MARKERS.get(str(qualifier), "o")
    if not on_line:  # a larger ring drawn behind: visible around the line's marker when the values agree
        size, zorder = size + 3.5, zorder - 0.5
    (artist,) = ax.plot([x], [y], linestyle="none", marker=marker, markersize=size,
                        markerfacecolor=colour if on_line else "white", markeredgecolor=colour,
                        markeredgewidth=1.0 if on_line else 1.5, gid=gid, zorder=zorder)
    return artist


def _qualifier_handles(markers_used: set[str], hollow: bool = False) -> list:
    handles = [Line2D([], [], ls="none", marker=m, color="#555555", markersize=5.5, label=QUALIFIER_LEGEND[m])
               for m in ("o", "^", "v", "D") if m in markers_used]
    if hollow:
        handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="white", markeredgecolor="#555555",
                              markeredgewidth=1.4, markersize=5.5, label="another report of the same year (off the line)"))
    return handles


def _selection_text(rows: pd.DataFrame) -> str:
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


def compact_source_line(rows: pd.DataFrame, limit: int = 700, context: Context | None = None) -> str:
    """`charts.source_line`, or when that runs past ``limit`` characters a shorter one built from the
    same rows: official statements counted by office (each is listed in the chart's JSON and the
    notebook table), other sources grouped by publisher with the date of each report."""
    full = source_line(rows)
    if len(full) <= limit:
        return full
    parts = []
    srcs = rows.drop_duplicates("source_id").sort_values(["date_earliest", "source_id"])
    off = srcs[srcs.source_kind == "official_statement"]
    if len(off):
        by = off.affiliation.value_counts()
        offices = ", ".join(f"{a} {n}" for a, n in sorted(by.items(), key=lambda t: (-t[1], t[0])))
        parts.append(f"{resolve(context, rows).officials.label} in {len(off)} statements, {fmt_day(off.date_earliest.min())} to "
                     f"{fmt_day(off.date_latest.max())} ({offices}), each via the outlet named in the chart's data")
    rest = srcs[srcs.source_kind != "official_statement"]
    for publisher in dict.fromkeys(rest.publisher):
        g = rest[rest.publisher == publisher]
        whens = [fmt_window(a, b, bool(i)) for a, b, i in zip(g.date_earliest, g.date_latest, g.date_inferred, strict=True)]
        parts.append(f"{publisher}, {whens[0]}" if len(whens) == 1 else
                     f"{publisher} ({len(whens)} reports: {', '.join(whens)})")
    collectors = sorted({c for c in rows.get("collected_by", pd.Series(dtype=str)) if c})
    text = "Reported by: " + "; ".join(parts) + "."
    if collectors:
        text += " Counted by: " + "; ".join(collectors) + "."
    return text


def _obstacles(ax, renderer) -> tuple[np.ndarray, list]:
    """Display-space points (x, y, radius) of every marker and line in ``ax``, and text boxes."""
    pts = []
    for line in ax.lines:
        xy = ax.transData.transform(np.asarray(line.get_xydata(), float))  # unit-converted (dates too)
        finite = np.isfinite(xy).all(axis=1)
        if line.get_marker() not in (None, "None", "", " "):
            r = line.get_markersize() / 2 * _px_per_point(ax) + 1
            pts += [(x, y, r) for x, y in xy[finite]]
        if line.get_linestyle() not in ("None", "", " "):
            r = line.get_linewidth() / 2 * _px_per_point(ax) + 1
            for a, b, ok in zip(xy[:-1], xy[1:], finite[:-1] & finite[1:], strict=True):
                if ok:
                    n = max(2, int(np.hypot(*(b - a)) / 4))
                    pts += [(x, y, r) for x, y in np.linspace(a, b, n)]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    return (np.array(pts) if pts else np.zeros((0, 3))), boxes


def _px_per_point(ax) -> float:
    """Display pixels per point."""
    return ax.figure.dpi / 72


def _hits(bb, pts: np.ndarray, boxes: list) -> int:
    """How badly a label box collides: markers and line points under it, other texts weigh more."""
    n = 0
    if len(pts):
        n += int(((pts[:, 0] + pts[:, 2] > bb.x0) & (pts[:, 0] - pts[:, 2] < bb.x1)
                  & (pts[:, 1] + pts[:, 2] > bb.y0) & (pts[:, 1] - pts[:, 2] < bb.y1)).sum())
    return n + 50 * sum(bb.overlaps(b) for b in boxes)


# (dx, dy) offsets in points and alignment, tried in order around an anchor point
NEAR = (((0, 6), "center", "bottom"), ((0, -7), "center", "top"), ((7, 0), "left", "center"),
        ((-7, 0), "right", "center"), ((6, 6), "left", "bottom"), ((-6, 6), "right", "bottom"),
        ((6, -6), "left", "top"), ((-6, -6), "right", "top"))
BAR_AROUND = (((0, 6), "left", "bottom"), ((24, 6), "left", "bottom"), ((48, 6), "left", "bottom"),
              ((0, 6), "right", "bottom"), ((-24, 6), "right", "bottom"), ((0, -8), "left", "top"),
              ((24, -8), "left", "top"), ((0, -8), "right", "top"), ((-6, 0), "right", "center"),
              ((6, 0), "left", "center"), ((0, 26), "left", "bottom"), ((0, 26), "right", "bottom"),
              ((0, -26), "left", "top"), ((0, -26), "right", "top"), ((0, 46), "left", "bottom"),
              ((0, 46), "right", "bottom"), ((0, -46), "left", "top"), ((0, -46), "right", "top"))
AROUND = (
    ((8, 0), "left", "center"), ((-8, 0), "right", "center"), ((0, 9), "center", "bottom"),
    ((0, -9), "center", "top"), ((8, 9), "left", "bottom"), ((8, -9), "left", "top"),
    ((-8, 9), "right", "bottom"), ((-8, -9), "right", "top"), ((8, 24), "left", "bottom"),
    ((8, -24), "left", "top"), ((-8, 24), "right", "bottom"), ((-8, -24), "right", "top"),
    ((0, 30), "center", "bottom"), ((0, -30), "center", "top"), ((16, 40), "left", "bottom"),
    ((-16, 40), "right", "bottom"), ((16, -40), "left", "top"), ((-16, -40), "right", "top"),
    ((16, 58), "left", "bottom"), ((-16, 58), "right", "bottom"), ((24, 76), "left", "bottom"),
    ((-24, 76), "right", "bottom"), ((40, 0), "left", "center"), ((-40, 0), "right", "center"),
)


def _place_labels(ax, labels: list[dict]) -> None:
    """Direct labels: each goes at the first spot around one of its anchors where it overlaps no
    marker, line, text or other label and stays inside the axes; a label set apart from its
    anchor gets a thin leader line. Call when the layout is final (positions are measured)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    inner = ax.get_window_extent(renderer)
    pts, boxes = _obstacles(ax, renderer)
    base = dict(fontsize="small", fontweight="bold", zorder=6, textcoords="offset points", annotation_clip=False,
                linespacing=1.05)
    for item in labels:
        kw = {**base, "color": item["colour"], "fontsize": item.get("fontsize", "small"),
              "fontweight": item.get("fontweight", "bold")}
        best = None  # (penalty, order, spot): the first free spot, else the least bad one
        order = 0
        for anchor in item["anchors"]:
            for (dx, dy), ha, va in item.get("around", AROUND):
                t = ax.annotate(item["text"], xy=anchor, xytext=(dx, dy), ha=ha, va=va, **kw)
                bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
                t.remove()
                outside = (max(0, inner.x0 - bb.x0) + max(0, bb.x1 - inner.x1) + max(0, inner.y0 - bb.y0)
                           + max(0, bb.y1 - inner.y1))
                penalty = outside * 10 + _hits(bb, pts, boxes)
                if best is None or (penalty, order) < best[:2]:
                    best = (penalty, order, (anchor, (dx, dy), ha, va))
                order += 1
                if penalty == 0:
                    break
            if best[0] == 0:
                break
        anchor, (dx, dy), ha, va = best[2]
        far = abs(dy) > 12 or abs(dx) > 12
        arrow = dict(arrowstyle="-", color=item["colour"], lw=0.6, shrinkA=1, shrinkB=4) if far else None
        t = ax.annotate(item["text"], xy=anchor, xytext=(dx, dy), ha=ha, va=va, arrowprops=arrow, **kw)
        boxes.append(t.get_window_extent(renderer).expanded(1.04, 1.1))


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
    metric = str(rows.metric.iloc[0]) if len(rows) else str(sel.get("metric", "casualties"))
    what = ctx.metric_label(metric)
    title = f"{what} by mines per year, by who counted them"
    if rows.empty:
        text = _selection_text(rows)
        raise nothing_to_draw(f"No calendar-year figures ({_metric_text(metric, ctx)}) found for this selection"
                              + (f" ({text})" if text else ""), rows.attrs.get("available") or {})
    y0 = int(start_year if start_year is not None else sel.get("start_year") or rows.year.min())
    y1 = int(end_year if end_year is not None else sel.get("end_year") or rows.year.max())
    years = np.arange(y0, y1 + 1)
    panels = list(dict.fromkeys(rows.panel))
    colours = _colours(dict.fromkeys(rows.series), ctx)
    drawn: list[DrawnValue] = []
    alt_parts: list[str] = []
    markers_used: set[str] = set()
    hollow_used = False
    pending: list = []
    style_ctx, white = style(theme)
    with style_ctx, white:
        heights = [ctx.panel(p).height * scale() for p in panels]
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 8), sharex=True,
                                 gridspec_kw={"height_ratios": heights}, squeeze=False)
        for ax, panel in zip(axes[:, 0], panels, strict=True):
            p = rows[rows.panel == panel]
            ax.set_title(fill(ctx.panel(panel).title or panel, "medium", 7.6), loc="left", fontsize="medium",
                         fontweight="bold")
            empty_years = sorted(set(years) - set(p.year))
            for a, b in _runs(empty_years):
                ax.axvspan(a - 0.5, b + 0.5, color=GAP_FILL, zorder=0, lw=0)
            lines = list(dict.fromkeys(zip(p.series, p.area, strict=True)))
            seen: dict[str, int] = {}
            labels: list[dict] = []
            values: list[dict] = []
            for label, area in lines:
                k = seen.get(label, 0)
                seen[label] = k + 1
                colour = colours[label] if k == 0 else AREA_VARIANT_COLOURS.get(colours[label], colours[label])
                s = p[(p.series == label) & (p.area == area)]
                on = s[s.on_line].set_index("year")
                yv = on.value.reindex(years)  # NaN where a year has no figure: the line breaks there
                ax.plot(years, yv.to_numpy(float), color=colour, lw=1.8, ls=LINESTYLES[k % len(LINESTYLES)],
                        gid=f"line:{label}:{area}", zorder=3)
                for r in s.itertuples():
                    _point(ax, r.year, r.value, r.qualifier, colour, r.claim_id, on_line=bool(r.on_line))
                    markers_used.add(QUALIFIER_MARKERS.get(str(r.qualifier), "o"))
                    hollow_used |= not r.on_line
                    alone = r.on_line and (r.year - 1 not in on.index) and (r.year + 1 not in on.index)
                    if alone or not r.on_line or str(r.qualifier) != "exact":
                        values.append(dict(anchors=[(r.year, float(r.value))], colour=colour, fontsize="x-small",
                                           fontweight="normal", text=fmt_value(r.value, r.qualifier), around=NEAR))
                    drawn.append(DrawnValue(label=f"{label}, {area}", value=float(r.value), qualifier=str(r.qualifier),
                                            derived=False, claim_ids=(r.claim_id,), period=str(r.year),
                                            formula="" if r.on_line else "off the line: " + r.note))
                runs = _runs(on.index)
                a, b = max(runs, key=lambda t: (t[1] - t[0], t[1]))
                last = int(on.index.max())
                text = f"{label}\n{ctx.area_label(area)}"
                if last != b:  # a point after a gap (e.g. a recent year) gets its own label too
                    labels.append(dict(anchors=[(last, float(on.value[last]))], colour=colour, text=text))
                labels.append(dict(anchors=[(b, float(on.value[b])), (a, float(on.value[a]))], colour=colour,
                                   text=text))
                missing = sorted(set(years) - set(on.index))
                alt_parts.append(
                    f"{label} ({area}): " + ", ".join(
                        f"{y} {fmt_value(v, q)}" + ("" if o else " (second report, off the line)")
                        for y, v, q, o in zip(s.year, s.value, s.qualifier, s.on_line, strict=True))
                    + (f"; no figure for {_years(missing)}" if missing else "") + ".")
            ax.set_ylim(0, float(p.value.max()) * 1.45 + 1)
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True))
            ax.set_ylabel("people in the year")
            ax.grid(axis="y", color="#dddddd", lw=0.8)
            ax.set_axisbelow(True)
            sns.despine(ax=ax)
            ax.set_xlim(y0 - 0.6, y1 + 0.6)
            for a, b in _runs(empty_years):
                top = ax.get_ylim()[1] * 0.97
                if b - a >= 2:
                    ax.text((a + b) / 2, top, f"no figure\nfound\n{a}-{b}", ha="center", va="top",
                            fontsize="x-small", color="#666666", zorder=1, linespacing=1.1)
                else:
                    ax.text((a + b) / 2, top, f"no figure found {_years(range(a, b + 1))}", ha="center", va="top", rotation=90,
                            fontsize="x-small", color="#666666", zorder=1)
            pending.append((ax, values + labels))
        last_ax = axes[-1, 0]
        last_ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(2 if scale() < 1.5 else 5))
        last_ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(1))
        last_ax.tick_params(axis="x", which="minor", length=2)
        last_ax.set_xlabel("calendar year counted")
        handles = _qualifier_handles(markers_used, hollow_used)
        handles.append(Patch(facecolor=GAP_FILL, edgecolor="none", label="no figure found for that year"))
        stmt = source_line(rows)
        collectors = ", ".join(dict.fromkeys(rows.series))
        subtitle = (f"{what} in each calendar year, {y0}-{y1}, as published by each collector ({collectors}). "
                    "One line per collector and area, never added together; no line is drawn across a year "
                    "without a figure.")
        footer = f"{compact_source_line(rows, context=ctx)} {CLAIMS_NOTE}"
        layout(fig, title, subtitle, footer, handles, body_h=sum(heights) + (0.45 * len(panels) + 0.5) * scale())
        for ax, labels in pending:
            _place_labels(ax, labels)
    alt = f"Line chart: {title}. " + " ".join(alt_parts) + " " + stmt
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=" ".join(alt_parts), values=drawn)


# ---------------------------------------------------------------- chart b: official vs independent


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
    colour and labelled. Bottom: each count is a bar across the period it covers, at the height
    of its value, labelled with collector, period and area. ``gid`` = claim id on every point
    and bar (date windows: ``window:<claim id>``).
    """
    ctx = resolve(context, rows)
    sel = rows.attrs.get("selection") or {}
    metric = str(rows.metric.iloc[0]) if len(rows) else str(sel.get("metric", "casualties"))
    what = ctx.metric_label(metric)
    ref = _reference(rows, ctx)
    title = f"{what}: official running totals since {ref['event']}, and other counts"
    if rows.empty:
        text = _selection_text(rows)
        raise nothing_to_draw(f"No official or independent figures ({_metric_text(metric, ctx)}) found for this "
                              "selection" + (f" ({text})" if text else ""), rows.attrs.get("available") or {})
    since = f"since {ref['day']}"
    cum, per = rows[rows.panel == "cumulative"], rows[rows.panel == "period"]
    colours = _colours(dict.fromkeys(rows.series), ctx)
    drawn: list[DrawnValue] = []
    alt_parts: list[str] = []
    markers_used: set[str] = set()
    style_ctx, white = style(theme)
    with style_ctx, white:
        heights = [3.3 * scale(), 2.3 * scale()]
        fig, (ax_c, ax_p) = plt.subplots(2, 1, figsize=(9, 8), sharex=True, gridspec_kw={"height_ratios": heights})
        ax_c.set_title(fill(f"Running total: {_metric_text(metric, ctx)} since {ref['label']}", "medium", 7.6),
                       loc="left", fontsize="medium", fontweight="bold")
        ax_p.set_title(fill(f"A different measure: {_metric_text(metric, ctx)} within one year or part of a year "
                             "(own scale)", "medium", 7.6), loc="left", fontsize="medium", fontweight="bold")
        labels_c: list[dict] = []
        labels_p: list[dict] = []
        # top panel: official statements, then other sources' running totals over the same period
        for r in cum.sort_values(["role", "x"], key=lambda s: s != "official" if s.name == "role" else s).itertuples():
            colour = colours[r.series]
            official = r.role == "official"
            if r.x_end > r.x_start:
                ax_c.plot([r.x_start, r.x_end], [r.value, r.value], color=colour, lw=2.4, alpha=0.35,
                          solid_capstyle="butt", gid=f"window:{r.claim_id}", zorder=2)
            _point(ax_c, r.x, r.value, r.qualifier, colour, r.claim_id, size=5 if official else 8,
                   zorder=4 if official else 5)
            markers_used.add(QUALIFIER_MARKERS.get(str(r.qualifier), "o"))
            if official:
                when = fmt_window(r.date_earliest, r.date_latest, bool(r.date_inferred))
                if pd.notna(r.period_end):
                    when += f" (count to {fmt_day(r.period_end)})"
            else:
                when = f"to {fmt_day(r.period_end_effective)}"
                relayed = " (relays a government figure)" if r.role == "relayed" else ""
                labels_c.append(dict(anchors=[(r.x, float(r.value))], colour=colour,
                                     text=f"{r.series}{relayed}\n{fmt_value(r.value, r.qualifier)} to "
                                          f"{fmt_day(r.period_end_effective)}\n{ctx.area_label(r.area)}"))
                alt_parts.append(f"{r.series} ({r.collected_by}, {r.area}): {fmt_value(r.value, r.qualifier)} "
                                 f"{since} to {fmt_day(r.period_end_effective)}.")
            drawn.append(DrawnValue(label=f"{r.series} ({r.role})", value=float(r.value), qualifier=str(r.qualifier),
                                    derived=False, claim_ids=(r.claim_id,), period=f"{since}, {when}"))
        off = cum[cum.role == "official"].sort_values("x")
        if len(off):
            first, last = off.iloc[0], off.iloc[-1]
            labels_c.insert(0, dict(anchors=[(first.x, float(first.value)), (last.x, float(last.value))],
                                    colour=OFFICIAL_COLOUR,
                                    text=f"{ctx.officials.label}\n{len(off)} statements"))
            alt_parts.insert(0, f"{ctx.officials.label}: {len(off)} statements between {fmt_day(off.x.min())} and "
                                f"{fmt_day(off.x.max())}, from {fmt_value(first.value, first.qualifier)} "
                                f"to {fmt_value(last.value, last.qualifier)}.")
        ax_c.set_ylabel(f"people {since}")
        if cum.empty:
            empty_panel(ax_c, f"No running totals {since} in this selection.")
        else:
            ax_c.set_ylim(0, float(cum.value.max()) * 1.3)
        # bottom panel: counts for one period, as bars across the period
        for r in per.sort_values(["x_start", "x_end"]).itertuples():
            colour = colours[r.series]
            marker = QUALIFIER_MARKERS.get(str(r.qualifier), "o")
            ax_p.plot([r.x_start, r.x_end], [r.value, r.value], color=colour, lw=3.2, solid_capstyle="butt",
                      marker=marker, markevery=[1], markersize=6, gid=r.claim_id, zorder=4)
            markers_used.add(marker)
            whole_year = (r.period_start.month, r.period_start.day) == (1, 1) and \
                r.period_end_effective == r.period_start + pd.offsets.YearEnd(0)
            period = str(r.period_start.year) if whole_year else \
                fmt_window(r.period_start, r.period_end_effective)
            labels_p.append(dict(anchors=[(r.x_start, float(r.value)), (r.x_end, float(r.value))], colour=colour,
                                 text=f"{r.series}: {fmt_value(r.value, r.qualifier)} in {period}\n{ctx.area_label(r.area)}",
                                 around=BAR_AROUND, fontsize="small" if scale() < 1.5 else "x-small"))
            drawn.append(DrawnValue(label=f"{r.series} ({r.role})", value=float(r.value), qualifier=str(r.qualifier),
                                    derived=False, claim_ids=(r.claim_id,), period=period))
            alt_parts.append(f"{r.series} ({r.collected_by}, {r.area}): {fmt_value(r.value, r.qualifier)} in {period}.")
        ax_p.set_ylabel("people in the period")
        if per.empty:
            empty_panel(ax_p, "No yearly or part-year counts from other sources in this selection.")
        else:
            ax_p.set_ylim(0, float(per.value.max()) * 1.45 * scale() ** 0.5)
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
        handles = _qualifier_handles(markers_used)
        handles.append(Line2D([], [], color="#333333", alpha=0.35, lw=2.4, label="date window of a statement"))
        relayed_note = ("Figures that relay a government count are included and labelled so."
                        if sel.get("include_relayed") else "Figures that relay a government count are left out.")
        subtitle = (f"Top: {_metric_text(metric, ctx)} {since} as stated by {ctx.officials.label} (one point per "
                    "statement) and as reported by others. Bottom: counts for a single year or part of one, a "
                    f"different measure on its own scale. {relayed_note}")
        stmt = source_line(rows)
        footer = f"{compact_source_line(rows, context=ctx)} {CLAIMS_NOTE}"
        layout(fig, title, subtitle, footer, handles, body_h=sum(heights) + 1.4 * scale())
        _place_labels(ax_c, labels_c)
        _place_labels(ax_p, labels_p)
    alt = f"Two-panel chart: {title}. " + " ".join(alt_parts) + " " + stmt
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=" ".join(alt_parts), values=drawn)


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
    "DEFAULT", "METRICS", "PANELS_OF_OFFICIALS", "SelectionError", "comparison_table",
    "compact_source_line", "independent_yearly_chart", "official_vs_independent", "official_vs_independent_chart",
    "panel_of", "series_label", "series_table", "yearly_series",
]
