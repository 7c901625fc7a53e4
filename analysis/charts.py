"""One function per chart kind, the source line built from the plotted rows, and save_figure().

Every chart function takes rows from `analysis.load_claims` (one statement, or a series)
and returns ``(fig, meta)``. ``meta`` is a `ChartMeta`: title, subtitle, source line, alt
text and the values drawn (each with its claim ids, qualifier and whether it is derived),
so that tests, the HTML report and the alt text all read the same numbers the bars show.
Each drawn bar carries its claim id as ``gid``, so the numbers can be read back from SVG.

Honesty rules applied everywhere: values the project derived are hatched, outlined and
labelled "derived"; lower bounds and approximations keep their word ("more than 3,400",
"nearly 55%"); the period of every number is on the chart; the source line says who
reported the numbers, where and when, and that they are claims.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from .context import Context, resolve
from .data import start_window
from .derivation import derive
from .framing import (
    CLAIMS_NOTE,
    DERIVED_NOTE,
    FORMATS,
    METADATA,
    METRIC_COLOURS,
    OKABE_ITO,
    THEMES,
    ChartError,
    ChartMeta,
    DrawnValue,
    SelectionError,
    bar,
    layout,
    save_figure,
    show,
    style,
)
from .text import attribution, cap, fmt_day, fmt_number, fmt_period, fmt_value, fmt_window
from .vocab import CASUALTY_METRICS, QUALIFIER_WORDS

# ---------------------------------------------------------------- text helpers


def source_line(rows: pd.DataFrame) -> str:
    """Who reported the plotted numbers, where and when, built from the rows themselves."""
    srcs = rows.drop_duplicates("source_id").sort_values(["date_earliest", "source_id"])
    parts = [attribution(s) for s in srcs.itertuples()]
    return "Reported by " + "; ".join(parts) + "." + _counted_by(rows)


def _counted_by(rows: pd.DataFrame) -> str:
    """' Counted by: A; B.' for the rows' collectors (who counted, when not the speaker), or ''."""
    collectors = sorted({c for c in rows.get("collected_by", pd.Series(dtype=str)) if c})
    return " Counted by: " + "; ".join(collectors) + "." if collectors else ""


def compact_source_line(rows: pd.DataFrame, limit: int = 700, context: Context | None = None) -> str:
    """`source_line`, or when that runs past ``limit`` characters a shorter one built from the
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
    return "Reported by: " + "; ".join(parts) + "." + _counted_by(rows)


def figure_label(metric: str, group: str, context: Context | None = None) -> str:
    """'Killed: civilians', 'Killed or injured': a metric and group as a bar or table label."""
    ctx = resolve(context)
    base, g = ctx.metric_label(metric), ctx.group_label(group)
    return f"{base}: {g}" if g else base


def statement_table(rows: pd.DataFrame, context: Context | None = None) -> pd.DataFrame:
    """The rows of one statement with the derived values, as a reader-facing table."""
    ctx = resolve(context, rows)
    d = derive(rows, context=ctx)
    return pd.DataFrame({
        "figure": [figure_label(str(m), str(g), ctx) for m, g in zip(d.metric, d.group, strict=True)],
        "value": [fmt_value(v, q, u) for v, q, u in zip(d.value, d.qualifier, d.unit, strict=True)],
        "as stated": d.qualifier_as_stated,
        "period": [fmt_period(s, e, sl) for s, e, sl in zip(d.period_start, d.period_end, start_window(d)[1], strict=True)],
        "period (source's words)": d.period_label,
        "derived": d.derived.map({True: "derived", False: ""}),
        "how derived": d.formula,
        "claim": d.claim_id,
    })


# ---------------------------------------------------------------- chart 1: casualty counts


def casualty_counts(rows: pd.DataFrame, name: str = "casualty-counts", theme: str = "paper", *,
                    context: Context | None = None) -> tuple[plt.Figure, ChartMeta]:
    """People killed or injured as one statement reports them, one panel per period.

    Per period: killed or injured; killed (split into civilians and the rest when the
    statement gives civilians); injured (derived as casualties - killed when not stated).
    Raises `SelectionError` (naming the statement's metrics) when it gives none of these.
    """
    ctx = resolve(context, rows)
    people = rows[(rows.unit == "people") & rows.metric.isin(list(CASUALTY_METRICS))]
    title = "People killed or injured by mines, as reported"
    if people.empty:
        raise _no_metrics(rows, "casualty counts (" + ", ".join(CASUALTY_METRICS) + ")")
    style_ctx, white = style(theme)  # an unknown theme fails before anything is drawn
    d = derive(people, context=ctx)
    d["period_key"] = list(zip(d.period_start, d.period_end, start_window(d)[1], strict=True))
    periods = sorted(d.period_key.unique(), key=lambda k: (pd.Timestamp.min if pd.isna(k[0]) else k[0]))
    # open-start (long) periods first, then in order of their start
    drawn: list[DrawnValue] = []
    with style_ctx, white:
        panels = []
        for key in periods:
            p = d[d.period_key == key]
            panels.append((key, p, _panel_bars(p, ctx)))
        heights = [max(len(bars), 1) + 1.2 for _, _, bars in panels]
        body_h = 0.55 * sum(heights) + 0.6
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, body_h), sharex=True,
                                 gridspec_kw={"height_ratios": heights}, squeeze=False)
        xmax_all = max(_draw_period(ax, key, p, bars, drawn)
                       for ax, (key, p, bars) in zip(axes[:, 0], panels, strict=True))
        # one scale for every panel, so a bar's length always means the same number of people
        axes[-1, 0].set_xlim(0, xmax_all * 1.6 if xmax_all else 1)
        axes[-1, 0].xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes[-1, 0].set_xlabel("people (same scale in every panel)")
        stmt = source_line(d[~d.derived])
        subtitle = ("People killed or injured by mines, as the statement gives them; each panel is one period, "
                    "all on one scale.")
        legend = [Patch(facecolor="#777777", label="reported by the source"),
                  Patch(facecolor="white", edgecolor="#777777", hatch="///", label="derived by this project")]
        if any(v.qualifier in ("more_than", "at_least") for v in drawn):
            stmt_extra = " ▶ marks a lower bound (\"more than\")."
        else:
            stmt_extra = ""
        footer = f"{stmt} {CLAIMS_NOTE} {DERIVED_NOTE}{stmt_extra}"
        layout(fig, title, subtitle, footer, legend, body_h=body_h)
    alt = _alt_text("Horizontal bar chart", title, drawn, stmt)
    caption = "; ".join(f"{v.label}: {fmt_value(v.value, v.qualifier)}{' (derived: ' + v.formula + ')' if v.derived else ''}"
                        for v in drawn)
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=caption, values=drawn)


def _draw_period(ax, key: tuple, p: pd.DataFrame, bars: list[dict], drawn: list[DrawnValue]) -> float:
    """One period's panel: each bar's segments (derived ones hatched) and its value written after
    it, a lower bound marked with ▶; returns the longest bar, for the common scale."""
    period_text = fmt_period(*key)
    ax.set_title(f"{cap(period_text)}  ({'; '.join(sorted(set(p.period_label)))})", loc="left", fontsize="medium")
    xmax = 0.0
    for i, b in enumerate(bars):
        left = 0.0
        for seg in b["segments"]:
            colour = METRIC_COLOURS.get(seg["colour"], seg["colour"] if seg["colour"].startswith("#") else OKABE_ITO["grey"])
            bar(ax, i, left, seg["value"], colour, seg["derived"], gid=seg["gid"])
            left += seg["value"]
            drawn.append(DrawnValue(label=seg["label"], value=float(seg["value"]), qualifier=seg["qualifier"],
                                    derived=seg["derived"], claim_ids=seg["claim_ids"], formula=seg["formula"],
                                    period=period_text))
        text = fmt_value(b["total"], b["qualifier"]) + (" (derived)" if b["derived"] else "")
        if len(b["segments"]) > 1:
            text += ": " + ", ".join(seg["inside"] + (" (derived)" if seg["derived"] else "") for seg in b["segments"])
        if b["qualifier"] in ("more_than", "at_least"):
            text = "▶ " + text  # noqa: RUF001 - the arrow marks a lower bound
        ax.text(left, i, "  " + text, va="center", ha="left", fontsize="medium", fontweight="bold")
        xmax = max(xmax, left)
    ax.set_yticks(range(len(bars)), [b["label"] for b in bars])
    ax.invert_yaxis()
    ax.grid(axis="x", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    sns.despine(ax=ax, left=False, bottom=False)
    return xmax


def _seg(row, label, colour, inside="") -> dict:
    return dict(value=float(row.value), derived=bool(row.derived), qualifier=str(row.qualifier),
                claim_ids=tuple(row.inputs) if row.derived else (row.claim_id,), gid=row.claim_id,
                formula=row.formula, label=label, colour=colour, inside=inside or fmt_value(row.value, row.qualifier))


def _no_metrics(rows: pd.DataFrame, what: str) -> SelectionError:
    have = ", ".join(sorted(rows.metric.astype(str).unique())) or "none"
    sids = ", ".join(sorted(rows.source_id.astype(str).unique())) or "no rows"
    return SelectionError(f"This statement ({sids}) reports no {what}: its metrics are {have}. "
                          "Nothing is drawn rather than an empty chart.")


def _panel_bars(p: pd.DataFrame, ctx: Context) -> list[dict]:
    """Bars for one period: casualties, killed (split by civilians), injured, then other groups.

    A metric the statement gives twice with different values gets one bar per value
    ("1 of 2 figures stated"): neither is dropped and nothing is derived from them.
    """
    groups: dict[tuple[str, str], list] = {}
    for _, r in p.iterrows():
        groups.setdefault((str(r.metric), str(r.group)), []).append(r)
    by = {k: v[0] for k, v in groups.items() if len(v) == 1}
    bars = []

    def single(r, label, colour):
        return dict(label=label, total=float(r.value), qualifier=str(r.qualifier), derived=bool(r.derived),
                    segments=[_seg(r, label, colour)])

    def add(key, label, colour):
        rs = groups[key]
        for i, r in enumerate(rs, 1):
            bars.append(single(r, label if len(rs) == 1 else f"{label} ({i} of {len(rs)} figures stated)", colour))

    def label(metric, group="all"):
        return figure_label(metric, group, ctx)

    done = set()
    if ("casualties", "all") in groups:
        add(("casualties", "all"), label("casualties"), "casualties")
        done.add(("casualties", "all"))
    k, civ, oth = by.get(("killed", "all")), by.get(("killed", "civilian")), by.get(("killed", "other"))
    if k is not None and civ is not None and oth is not None:
        bars.append(dict(label=label("killed"), total=float(k.value), qualifier=str(k.qualifier), derived=False,
                         segments=[_seg(civ, label("killed", "civilian"), "killed", f"civilians {fmt_value(civ.value, civ.qualifier)}"),
                                   _seg(oth, label("killed", "other"), "killed", f"others {fmt_value(oth.value, oth.qualifier)}")]))
        done |= {("killed", "all"), ("killed", "civilian"), ("killed", "other")}
    elif ("killed", "all") in groups:
        add(("killed", "all"), label("killed"), "killed")
        done.add(("killed", "all"))
    if ("injured", "all") in groups:
        add(("injured", "all"), label("injured"), "injured")
        done.add(("injured", "all"))
    for key in sorted(groups):
        if key in done:
            continue
        metric, group = key
        add(key, label(metric, group), OKABE_ITO["grey"] if group == "unspecified" else metric)
    return bars


def _alt_text(kind: str, title: str, drawn: Iterable[DrawnValue], source: str, unit: str = "") -> str:
    by_period: dict[str, list[str]] = {}
    for v in drawn:
        text = f"{v.label} {fmt_value(v.value, v.qualifier, unit)}"
        text += f" (derived: {v.formula})" if v.derived else " (reported)"
        by_period.setdefault(v.period, []).append(text)
    body = " ".join(f"{cap(p)}: {'; '.join(items)}." if p else f"{'; '.join(items)}." for p, items in by_period.items())
    return f"{kind}: {title}. {body} {source}"


# ---------------------------------------------------------------- chart 2: share of a whole


def map_accuracy_split(rows: pd.DataFrame, name: str = "map-accuracy-split", theme: str = "paper", *,
                       context: Context | None = None) -> tuple[plt.Figure, ChartMeta]:
    """Reported shares as 100% stacked bars: the reported part beside the derived rest.

    The shares are the descriptor's (``shares`` in dataset.yaml: question, part, rest), in its
    order; the title is its ``shares_title``. A 100% stacked bar puts both parts on one common
    baseline with the whole visible, and reads faster than a pie or waffle when two shares are
    compared one above the other. Raises `SelectionError` when the statement gives no share.
    """
    ctx = resolve(context, rows)
    order = list(ctx.shares)
    shares = rows[rows.metric.isin(order) & (rows.unit == "percent") & (rows.group == "none")]
    title = ctx.shares_title
    if shares.empty:
        raise _no_metrics(rows, "share of a whole (" + (", ".join(order) or "the descriptor lists no shares") + ")")
    style_ctx, white = style(theme)
    d = derive(shares, context=ctx)
    questions = {m: s.question for m, s in ctx.shares.items()}
    reported_colour, rest_colour = OKABE_ITO["blue"], OKABE_ITO["orange"]
    drawn: list[DrawnValue] = []
    # one bar per stated share (a statement may give one twice), in the descriptor's order
    reported = d[~d.derived].copy()
    reported["order"] = reported.metric.astype(str).map({m: i for i, m in enumerate(order)})
    reported = reported.sort_values(["order", "claim_id"])
    rests = {r.claim_id: r for _, r in d[d.derived].iterrows()}
    labels = []
    with style_ctx, white:
        body_h = 1.1 * len(reported) + 0.8
        fig, ax = plt.subplots(figsize=(9, body_h))
        for i, (_, rep) in enumerate(reported.iterrows()):
            question = questions.get(str(rep.metric), str(rep.metric))
            parts = ((rep, 0.0, reported_colour), (rests[f"{rep.claim_id}~rest"], float(rep.value), rest_colour))
            for row, left, colour in parts:
                _draw_share_part(ax, i, row, left, colour, f"{question}: {row.part}", str(rep.period_label), drawn)
            labels.append(f"{question}\n({rep.period_label})")
        ax.set_yticks(range(len(reported)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.axvline(50, color="#bbbbbb", lw=0.8, zorder=0)
        sns.despine(ax=ax, left=True)
        stmt = source_line(d[~d.derived])
        subtitle = "Each bar is 100%: the share the speaker stated, and the rest (100% minus it), which this project derived."
        legend = [Patch(facecolor=reported_colour, label="stated by the source"),
                  Patch(facecolor="white", edgecolor=rest_colour, hatch="///", label="rest, derived by this project")]
        layout(fig, title, subtitle, f"{stmt} {CLAIMS_NOTE} {DERIVED_NOTE}", legend, body_h=body_h)
    alt = _alt_text("100% stacked bar chart", title, drawn, stmt, unit="percent")
    caption = "; ".join(f"{v.label} {fmt_value(v.value, v.qualifier, 'percent')}" + (f" (derived: {v.formula})" if v.derived else "")
                        for v in drawn)
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=caption, values=drawn)


def _draw_share_part(ax, i: int, row, left: float, colour: str, label: str, period: str,
                     drawn: list[DrawnValue]) -> None:
    """One part of a 100% bar (hatched when derived), its name and value written on it, with the
    speaker's own word when it differs from the qualifier's ("only", "over")."""
    bar(ax, i, left, row.value, colour, bool(row.derived), gid=row.claim_id, height=0.55)
    text = f"{row.part}\n{fmt_value(row.value, row.qualifier, 'percent')}"
    said = str(row.qualifier_as_stated)
    shown = QUALIFIER_WORDS.get(str(row.qualifier), "")
    text += " (derived)" if row.derived else f" (said: \"{said}\")" if said not in ("", "exact", shown) else ""
    ax.text(left + row.value / 2, i, text, ha="center", va="center", fontsize="small",
            color="white" if not row.derived else "black",
            bbox=None if not row.derived else dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.9))
    drawn.append(DrawnValue(label=label, value=float(row.value), qualifier=str(row.qualifier), derived=bool(row.derived),
                            claim_ids=tuple(row.inputs) if row.derived else (row.claim_id,), formula=row.formula,
                            period=period))


__all__ = [
    "FORMATS", "METADATA", "THEMES", "ChartError", "ChartMeta", "DrawnValue", "SelectionError", "casualty_counts",
    "compact_source_line", "figure_label", "fmt_day", "fmt_number", "fmt_period", "fmt_value", "fmt_window", "map_accuracy_split",
    "save_figure", "show", "source_line", "statement_table",
]
