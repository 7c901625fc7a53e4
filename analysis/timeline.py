"""Official statements over time: the cumulative series, the implied rate, the long-run totals.

`official_series` selects what the timeline notebook draws; `implied_rates` derives the
monthly rate between statements (flagged derived, with its formula); `casualties_timeline`
draws the three panels. Every point is one statement's claim, drawn at the midpoint of the
statement's date window with the window as a horizontal span, its qualifier as the marker.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from .charts import compact_source_line, source_line
from .context import Context, carry, resolve
from .data import count_dates, reference_or, starts_at
from .framing import (
    CLAIMS_NOTE,
    DERIVED_NOTE,
    MARKERS,
    METRIC_COLOURS,
    OKABE_ITO,
    ChartMeta,
    DrawnValue,
    empty_panel,
    fill,
    layout,
    nothing_to_draw,
    qualifier_handles,
    style,
)
from .text import cap, fmt_day, fmt_value, fmt_window, lower_first
from .vocab import REFERENCE

DAYS_PER_MONTH = 365.25 / 12


def official_series(
    claims: pd.DataFrame,
    metrics: Sequence[str] = ("casualties", "killed"),
    *,
    period_start: str | None = REFERENCE,
    speakers: Sequence[str] = (),
    affiliations: Sequence[str] = (),
    start: str = "",
    end: str = "",
    context: Context | None = None,
) -> pd.DataFrame:
    """Official statements' claims of ``metrics`` (group all) for one period start, in date order.

    Adds ``as_of`` (what date the count runs to: the period's end when given, else the
    midpoint of the statement's date window) and ``as_of_earliest``/``as_of_latest``.

    ``period_start``: an ISO date; ``"reference"`` (the default) for the reference date of
    ``context`` (dataset.yaml ``reference.start``; a DataError naming the period starts in the
    data when it has none); None for open-start totals ("in the last 30 years").
    ``speakers``/``affiliations`` (empty = all) and ``start``/``end`` (ISO dates on the
    statement's date window; empty = no limit) filter the statements.
    ``attrs["available"]`` names what the unfiltered data has, for the error of an empty chart.
    """
    official = claims[(claims.source_kind == "official_statement") & (claims.group == "all")]
    period_start = reference_or(period_start, official, context)
    sel = official[official.metric.isin(list(metrics))]
    sel = sel[starts_at(sel, period_start)]  # a start given as a month joins the day's series
    if speakers:
        sel = sel[sel.speaker.isin(list(speakers))]
    if affiliations:
        sel = sel[sel.affiliation.isin(list(affiliations))]
    if start:
        sel = sel[sel.date_latest >= pd.Timestamp(start)]
    if end:
        sel = sel[sel.date_earliest <= pd.Timestamp(end)]
    sel = pd.concat([sel, count_dates(sel)], axis=1)
    out = sel.sort_values(["metric", "as_of", "claim_id"]).reset_index(drop=True)
    out.attrs["available"] = _available(official)
    # the start the series was selected by (its rows may give it as a window: "since November 2020")
    out.attrs["period_start"] = pd.Timestamp(period_start) if period_start is not None else None
    return carry(claims, out)


def _available(official: pd.DataFrame) -> dict[str, list[str]]:
    """What official statements the data has, for an empty selection's message."""
    starts = official.period_start.dropna().value_counts()
    return {
        "series (official, group all)": sorted(official.metric.astype(str).unique()),
        "period starts": [f"{fmt_day(d)} ({n} claims)" for d, n in starts.head(6).items()]
                         + ([f"no start date ({int(official.period_start.isna().sum())} claims)"]
                            if official.period_start.isna().any() else []),
        "speakers": [f"{len(official.speaker.unique())} speakers"] if len(official) else [],
    }


def implied_rates(series: pd.DataFrame, min_gap_days: int = 60) -> pd.DataFrame:
    """Derived: average people per month between statements at least ``min_gap_days`` apart.

    Walks each metric's series in date order from its first statement; the next anchor is
    the first statement whose window starts ``min_gap_days`` or more after the anchor's
    window ends (statements days apart would turn rounding into spikes). Each row names both
    claims and the formula. Negative rates are kept: they mean a count went down.
    """
    rows = []
    for metric, g in series.groupby("metric", observed=True, sort=True):
        g = g.sort_values(["as_of", "claim_id"])
        as_of, early, late = g.as_of.to_numpy(), g.as_of_earliest.to_numpy(), g.as_of_latest.to_numpy()
        value, qual, cid = g.value.to_numpy(), g.qualifier.astype(str).to_numpy(), g.claim_id.to_numpy()
        gap = np.timedelta64(min_gap_days, "D")
        a = 0
        for i in range(1, len(g)):
            if early[i] - late[a] < gap:
                continue
            days = int((as_of[i] - as_of[a]) / np.timedelta64(1, "D"))
            rate = (value[i] - value[a]) / days * DAYS_PER_MONTH
            rows.append(dict(
                metric=str(metric), start=pd.Timestamp(as_of[a]), end=pd.Timestamp(as_of[i]), rate_per_month=rate,
                claim_ids=(cid[a], cid[i]), derived=True, approximate=not (qual[a] == "exact" and qual[i] == "exact"),
                formula=(f"({fmt_value(value[i], qual[i])} - {fmt_value(value[a], qual[a])}) / "
                         f"{days} days x {DAYS_PER_MONTH:.2f} = {rate:.1f} per month"),
            ))
            a = i
    return pd.DataFrame(rows, columns=["metric", "start", "end", "rate_per_month", "claim_ids", "derived",
                                       "approximate", "formula"])


def series_name(metric, ctx: Context) -> str:
    """'killed or injured': a metric's label inside a sentence."""
    return lower_first(ctx.metric_label(str(metric)))


def _draw_points(ax, s: pd.DataFrame, colour: str, highlight: str, drawn: list, panel: str, ctx: Context) -> None:
    """One scatter per qualifier (vectorised: 100k points stay cheap). Each point links to its
    claim: in SVG output it is wrapped in ``<a href="#CLAIM_ID">``, readable back from the file."""
    spans = s[s.as_of_latest > s.as_of_earliest]
    if not spans.empty:
        ax.hlines(spans.value, spans.as_of_earliest, spans.as_of_latest, color=colour, lw=2.5, alpha=0.45, zorder=2)
    for qualifier, g in s.groupby(s.qualifier.astype(str), sort=True):
        points = ax.scatter(g.as_of, g.value, marker=MARKERS[qualifier], s=36, color=colour, edgecolors="white",
                            linewidths=0.6, zorder=3, gid=f"points-{g.metric.iloc[0]}-{qualifier}")
        points.set_urls([f"#{cid}" for cid in g.claim_id])
    hi = s[s.source_id == highlight] if highlight else s.iloc[0:0]
    if not hi.empty:
        # not clipped: the ring is wider than the point, and the highest point sits on the axes' edge
        ax.scatter(hi.as_of, hi.value, marker="o", s=220, facecolors="none", edgecolors="black", linewidths=1.4,
                   zorder=4, clip_on=False, gid="highlight-ring")
    label = series_name(s.metric.iloc[0], ctx) if len(s) else ""
    drawn.extend(DrawnValue(label=f"{label}, {speaker}", value=float(v), qualifier=str(q), derived=False,
                            claim_ids=(cid,), period=panel)
                 for v, q, cid, speaker in zip(s.value, s.qualifier, s.claim_id, s.speaker, strict=True))


def casualties_timeline(
    since_war: pd.DataFrame,
    open_start: pd.DataFrame,
    rates: pd.DataFrame,
    *,
    highlight: str = "",
    name: str = "casualties-timeline",
    theme: str = "paper",
    context: Context | None = None,
) -> tuple[plt.Figure, ChartMeta]:
    """Three panels: counts since the reference date per statement (``since_war``, from
    `official_series`); the implied monthly rate (derived); the open-start totals ("in the
    last 30 years"). The reference date is read from ``since_war``'s period start (else the
    context's); the officials are named as the context names them. Raises `SelectionError`
    naming the series and period starts the data has when both selections are empty."""
    ctx = resolve(context, since_war, open_start)
    title = f"Mine casualties as stated by {ctx.officials.label}, statement by statement"
    if since_war.empty and open_start.empty:
        available = since_war.attrs.get("available") or open_start.attrs.get("available") or {}
        raise nothing_to_draw("No official statement in the selection reports these counts", available)
    drawn: list[DrawnValue] = []
    style_ctx, white = style(theme)
    start = since_war.attrs.get("period_start")  # the day selected by, not a row's (month) window
    if start is None and len(since_war):
        start = since_war.period_start.max()  # a start given as a month is the earliest day of its window
    since = ctx.since(pd.Timestamp(start) if start is not None else None)
    with style_ctx, white:
        body_h = 8.4
        fig, axes = plt.subplots(3, 1, figsize=(9, body_h), sharex=True, gridspec_kw={"height_ratios": [3, 1.4, 1.6]})
        _counts_panel(axes[0], since_war, since, highlight, drawn, ctx)
        _rates_panel(axes[1], rates, drawn, ctx)
        _totals_panel(axes[2], open_start, highlight, drawn, ctx)
        for ax in axes:
            ax.grid(axis="y", color="#e5e5e5", lw=0.8)
            sns.despine(ax=ax)
        plotted = pd.concat([df for df in (since_war, open_start) if len(df)])
        n_statements = plotted.source_id.nunique()
        stmt = source_line(plotted)
        footer = (f"{compact_source_line(plotted, context=ctx)} Each point names its statement in the data (claim "
                  f"ids in the SVG and the table below). {CLAIMS_NOTE} {DERIVED_NOTE}")
        subtitle = ("Each point is one statement's number, placed at the date the count runs to (the end of the "
                    "period it covers, or the statement's date window); markers show the speaker's qualifier.")
        layout(fig, title, subtitle, footer, _handles(plotted, highlight),
               body_h=body_h)
    values = [v for v in drawn if not v.derived]
    alt = (f"Time series chart: {title}. {len(values)} stated numbers from {n_statements} statements. "
           + _alt_summary(since_war, since, ctx) + " " + _alt_summary(open_start, "with no start date", ctx)
           + f" {len(rates)} implied monthly rates are derived between statements at least two months apart. {stmt}")
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=f"{len(values)} stated numbers, {len(rates)} derived rates.", values=drawn)


def _counts_panel(ax, since_war: pd.DataFrame, since: str, highlight: str, drawn: list, ctx: Context) -> None:
    """Top panel: each metric's counts since the reference date, one point per statement, the
    highlighted statement ringed and named."""
    panel = f"cumulative {since}"
    for metric, s in since_war.groupby("metric", observed=True, sort=True):
        colour = METRIC_COLOURS.get(str(metric), OKABE_ITO["grey"])
        ax.plot(s.as_of, s.value, color=colour, lw=0.8, alpha=0.5, zorder=1)
        _draw_points(ax, s, colour, highlight, drawn, panel, ctx)
        last = s.iloc[-1]
        ax.annotate(series_name(metric, ctx), (last.as_of, last.value),
                    xytext=(6, 0), textcoords="offset points", color=colour, va="center", fontweight="bold")
    ax.set_title(f"Running totals {since}, as stated in each statement", loc="left", fontsize="medium")
    ax.set_ylabel("people")
    if since_war.empty:
        empty_panel(ax, f"No statement in the selection gives a count {since}.")
    else:
        ax.set_ylim(bottom=0)
    hi = since_war[since_war.source_id == highlight] if highlight else since_war.iloc[0:0]
    if not hi.empty:
        r = hi.sort_values("value").iloc[-1]
        ax.annotate(f"highlighted: {r.speaker}, {fmt_window(r.date_earliest, r.date_latest, bool(r.date_inferred))}",
                    (r.as_of, r.value), xytext=(-10, 28), textcoords="offset points", ha="right",
                    fontsize="small", arrowprops=dict(arrowstyle="-", color="black", lw=0.8))


def _rates_panel(ax, rates: pd.DataFrame, drawn: list, ctx: Context) -> None:
    """Middle panel: the implied rate (derived) as hatched steps between the statements it joins.
    Each metric takes its own share of the span's width (side by side); the spans of two metrics
    need not match, so where they still overlap the bars are see-through: none hides another."""
    metrics = sorted(set(rates.metric.astype(str))) if len(rates) else []
    for _, r in rates.iterrows():
        colour = METRIC_COLOURS.get(r.metric, OKABE_ITO["grey"])
        width = (r.end - r.start) / len(metrics)
        left = r.start + width * metrics.index(str(r.metric))
        ax.bar(left, r.rate_per_month, width=width, align="edge", facecolor="none", edgecolor=colour,
               hatch="///", lw=1.0, gid="rate:" + ">".join(r.claim_ids))
        if r.rate_per_month < 0:  # a count that went down: say so, it is a finding, not a rate
            ax.annotate("went down", (left + width / 2, r.rate_per_month), xytext=(0, -3),
                        textcoords="offset points", ha="center", va="top", fontsize="x-small", color=colour)
        drawn.append(DrawnValue(label=f"{series_name(r.metric, ctx)} per month", value=float(r.rate_per_month),
                                qualifier="about" if r.approximate else "exact", derived=True,
                                claim_ids=tuple(r.claim_ids), formula=r.formula, period="implied rate"))
    if not rates.empty:
        ax.axhline(0, color="black", lw=0.8)
        ax.margins(y=0.25)  # room for the "went down" labels under negative bars
    split = ("; each span split side by side: " + ", then ".join(series_name(m, ctx) for m in metrics)
             if len(metrics) > 1 else "")
    ax.set_title(fill(f"Implied people per month between statements (derived by this project, hatched{split})",
                      "medium", 8.0), loc="left", fontsize="medium")
    ax.set_ylabel("per month")
    if rates.empty:
        empty_panel(ax, "Not enough statements far enough apart to derive a rate.")


def _totals_panel(ax, open_start: pd.DataFrame, highlight: str, drawn: list, ctx: Context) -> None:
    """Bottom panel: the totals with no start date ("in the last 30 years"), and the year axis."""
    panel = "totals with no start date"
    metrics = sorted(set(open_start.metric.astype(str))) or ["casualties"]  # what the panel draws
    ax.set_title(f"People {', '.join(series_name(m, ctx) for m in metrics)}, {panel}", loc="left", fontsize="medium")
    ax.set_ylabel("people")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if not open_start.empty:
        for metric, s in open_start.groupby("metric", observed=True, sort=True):
            _draw_points(ax, s, METRIC_COLOURS.get(str(metric), OKABE_ITO["grey"]), highlight, drawn, panel, ctx)
    else:
        empty_panel(ax, "No statement in the selection gives such a total.")
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _handles(plotted: pd.DataFrame, highlight: str) -> list:
    """The legend: the marker shapes drawn, the date window when one is drawn, the highlight ring."""
    handles = qualifier_handles({MARKERS[str(q)] for q in plotted.qualifier})
    if (plotted.as_of_latest > plotted.as_of_earliest).any():
        handles.append(Line2D([], [], color="#555555", lw=2.5, alpha=0.45,
                              label="date window (statement undated within it)"))
    if highlight and (plotted.source_id == highlight).any():
        handles.append(Line2D([], [], marker="o", ms=11, mfc="none", mec="black", ls="none",
                              label="highlighted statement"))
    return handles


def _alt_summary(s: pd.DataFrame, what: str, ctx: Context) -> str:
    parts = []
    for metric, g in s.groupby("metric", observed=True, sort=True):
        first, last = g.iloc[0], g.iloc[-1]
        parts.append(f"{cap(series_name(metric, ctx))} {what} went from "
                     f"{fmt_value(first.value, first.qualifier)} ({first.speaker}, "
                     f"{fmt_window(first.date_earliest, first.date_latest)}) to {fmt_value(last.value, last.qualifier)} "
                     f"({last.speaker}, {fmt_window(last.date_earliest, last.date_latest)}).")
    return " ".join(parts)



def rows_behind(findings: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Every claim a finding names, with its source: the rows to check a finding against."""
    if findings.empty:
        return pd.DataFrame(columns=["finding", "kind", "claim_id", "value", "qualifier", "speaker", "date", "url"])
    pairs = [(i, kind, cid) for i, (kind, ids) in enumerate(zip(findings.kind, findings.claim_ids, strict=True), 1)
             for cid in ids]
    out = pd.DataFrame(pairs, columns=["finding", "kind", "claim_id"]).merge(
        claims[["claim_id", "metric", "group", "value", "qualifier", "period_label", "speaker", "publisher",
                "date_earliest", "date_latest", "date_inferred", "url"]], on="claim_id", how="left", validate="m:1")
    out["date"] = [fmt_window(a, b, bool(i)) for a, b, i in zip(out.date_earliest, out.date_latest, out.date_inferred, strict=True)]
    return out.drop(columns=["date_earliest", "date_latest", "date_inferred"])
