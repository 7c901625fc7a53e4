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

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "landmine-figures"  # fixed ids in SVG output
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG (readable, searchable)
matplotlib.rcParams["text.parse_math"] = False  # a "$" in a source's name is text, not TeX

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .derive import SHARE_PARTS, derive  # noqa: E402
from .text import fmt_day, fmt_number, fmt_period, fmt_value, fmt_window  # noqa: E402
from .vocab import QUALIFIER_WORDS  # noqa: E402

FORMATS = ("png", "svg", "pdf")
THEMES = ("paper", "notebook", "talk", "poster")
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999", "black": "#000000",
}
METRIC_LABELS = {
    "casualties": "Killed or injured",
    "killed": "Killed",
    "injured": "Injured",
}
GROUP_LABELS = {
    "all": "", "civilian": "civilians", "military": "military", "child": "children", "woman": "women",
    "journalist": "journalists", "deminer": "deminers", "unspecified": "group not stated", "other": "others (not civilian)",
}
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
}
DERIVED_NOTE = "Hatched = derived by this project from the reported numbers, not stated by the source."
CLAIMS_NOTE = "Figures are claims by the source, not verified counts."


@dataclass
class DrawnValue:
    label: str
    value: float
    qualifier: str
    derived: bool
    claim_ids: tuple[str, ...]
    formula: str = ""
    period: str = ""


@dataclass
class ChartMeta:
    name: str
    title: str
    subtitle: str
    source_line: str
    alt_text: str = ""
    caption: str = ""
    values: list[DrawnValue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    empty: bool = False  # True when the chart only says what is missing


class ChartError(ValueError):
    """A chart was asked for something it cannot honestly draw."""


# ---------------------------------------------------------------- text helpers


def source_line(rows: pd.DataFrame) -> str:
    """Who reported the plotted numbers, where and when, built from the rows themselves."""
    parts = []
    for _, s in rows.drop_duplicates("source_id").sort_values(["date_earliest", "source_id"]).iterrows():
        when = fmt_window(s.date_earliest, s.date_latest, bool(s.date_inferred))
        if s.source_kind == "official_statement":
            who = s.speaker
            if s.affiliation and s.speaker in s.affiliation:
                who = s.affiliation  # an institution speaking for itself
            elif s.affiliation and s.affiliation not in who:
                who += f", {s.affiliation}"
            parts.append(f"{who}, via {s.publisher}, {when}")
        else:
            parts.append(f"{s.publisher}, {when}")
    collectors = sorted({c for c in rows.get("collected_by", pd.Series(dtype=str)) if c})
    text = "Reported by " + "; ".join(parts) + "."
    if collectors:
        text += " Counted by: " + "; ".join(collectors) + "."
    return text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(metric: str, group: str) -> str:
    base = METRIC_LABELS.get(metric, metric.replace("_", " "))
    g = GROUP_LABELS.get(group, group)
    return f"{base}: {g}" if g else base


def statement_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of one statement with the derived values, as a reader-facing table."""
    d = derive(rows)
    return pd.DataFrame({
        "figure": [_label(str(m), str(g)) for m, g in zip(d.metric, d.group, strict=True)],
        "value": [fmt_value(v, q, u) for v, q, u in zip(d.value, d.qualifier, d.unit, strict=True)],
        "as stated": d.qualifier_as_stated,
        "period": [fmt_period(s, e) for s, e in zip(d.period_start, d.period_end, strict=True)],
        "period (source's words)": d.period_label,
        "derived": d.derived.map({True: "derived", False: ""}),
        "how derived": d.formula,
        "claim": d.claim_id,
    })


# ---------------------------------------------------------------- saving


def save_figure(
    fig: plt.Figure,
    meta: ChartMeta,
    output_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    dpi: int = 150,
) -> list[Path]:
    """Write the figure in each format plus ``<name>.json`` (the meta), with reproducible bytes.

    Metadata that would change run to run is stripped (PNG Software; SVG Date and Creator;
    PDF CreationDate, Producer, Creator) and the SVG hash salt is fixed, so with pinned
    versions the same inputs give the same bytes. Files are written to a temporary name and
    renamed, so a crash never leaves a half-written chart.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ChartError(f"unknown format(s) {', '.join(bad)} (allowed: {', '.join(FORMATS)})")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    meta.files = [f"{meta.name}.{fmt}" for fmt in formats]
    for fmt in formats:
        path = out / f"{meta.name}.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=METADATA[fmt])
        tmp.replace(path)
        written.append(path)
    side = out / f"{meta.name}.json"
    tmp = side.with_name(f".{side.name}.tmp")
    tmp.write_text(json.dumps(asdict(meta), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(side)
    written.append(side)
    return written


def show(fig: plt.Figure, meta: ChartMeta, output_dir: str | Path):
    """For a notebook: close the figure and display the PNG (else the SVG) that save_figure wrote.

    The notebook then shows the very file the report publishes, and the figure is not rendered
    a second time by the inline backend. With neither format saved, the figure is left open
    for the inline backend to draw.
    """
    from IPython.display import SVG, Image

    folder = Path(output_dir)
    if f"{meta.name}.png" in meta.files:
        plt.close(fig)
        return Image(filename=str(folder / f"{meta.name}.png"), width=900)
    if f"{meta.name}.svg" in meta.files:
        plt.close(fig)
        return SVG(filename=str(folder / f"{meta.name}.svg"))
    return None


# ---------------------------------------------------------------- drawing helpers


def _style(theme: str):
    if theme not in THEMES:
        raise ChartError(f"unknown theme '{theme}' (allowed: {', '.join(THEMES)})")
    return sns.plotting_context(theme), sns.axes_style("white")


def _frame(fig: plt.Figure, title: str, subtitle: str, footer: str) -> None:
    fig.suptitle(title, x=0.02, y=0.985, ha="left", va="top", fontsize="x-large", fontweight="bold")
    fig.text(0.02, 0.915, subtitle, ha="left", va="top", fontsize="medium", color="#333333", wrap=True)
    fig.text(0.02, 0.015, footer, ha="left", va="bottom", fontsize="small", color="#444444", wrap=True)


def _empty(name: str, title: str, message: str, rows: pd.DataFrame, theme: str) -> tuple[plt.Figure, ChartMeta]:
    """A chart that says what is missing instead of drawing zero."""
    ctx, style = _style(theme)
    with ctx, style:
        fig = plt.figure(figsize=(8, 3))
        fig.text(0.5, 0.5, message, ha="center", va="center", fontsize="large", wrap=True)
        line = source_line(rows) if len(rows) else "No rows to attribute."
        _frame(fig, title, "Nothing to draw", line)
    meta = ChartMeta(name=name, title=title, subtitle="Nothing to draw", source_line=line,
                     alt_text=f"{title}: {message}", caption=message, empty=True)
    return fig, meta


def _bar(ax, y, left, width, colour, derived, gid, height=0.6):
    if derived:
        patch = ax.barh(y, width, left=left, height=height, facecolor="white", edgecolor=colour,
                        hatch="///", linewidth=1.5, gid=gid)
    else:
        patch = ax.barh(y, width, left=left, height=height, color=colour, edgecolor=colour, gid=gid)
    return patch


# ---------------------------------------------------------------- chart 1: casualty counts


def casualty_counts(rows: pd.DataFrame, name: str = "casualty-counts", theme: str = "paper") -> tuple[plt.Figure, ChartMeta]:
    """People killed or injured as one statement reports them, one panel per period.

    Per period: killed or injured; killed (split into civilians and the rest when the
    statement gives civilians); injured (derived as casualties - killed when not stated).
    """
    people = rows[(rows.unit == "people") & rows.metric.isin(["casualties", "killed", "injured"])]
    title = "People killed or injured by mines, as reported"
    if people.empty:
        have = ", ".join(sorted(rows.metric.astype(str).unique())) or "none"
        return _empty(name, title, f"This statement reports no casualty counts (its metrics: {have}).", rows, theme)
    d = derive(people)
    d["period_key"] = list(zip(d.period_start, d.period_end, strict=True))
    periods = sorted(d.period_key.unique(), key=lambda k: (pd.Timestamp.min if pd.isna(k[0]) else k[0]))
    # open-start (long) periods first, then from the war's end
    colours = {"casualties": OKABE_ITO["blue"], "killed": OKABE_ITO["vermillion"], "injured": OKABE_ITO["orange"]}
    drawn: list[DrawnValue] = []
    ctx, style = _style(theme)
    with ctx, style:
        heights = []
        panels = []
        xmax_all = 0.0
        for key in periods:
            p = d[d.period_key == key]
            bars = _panel_bars(p)
            panels.append((key, p, bars))
            heights.append(max(len(bars), 1) + 1.2)
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.2 + 0.55 * sum(heights) + 1.3), sharex=True,
                                 gridspec_kw={"height_ratios": heights}, squeeze=False)
        for ax, (key, p, bars) in zip(axes[:, 0], panels, strict=True):
            period_text = fmt_period(*key)
            labels = sorted(set(p.period_label))
            ax.set_title(f"{_cap(period_text)}  ({'; '.join(labels)})", loc="left", fontsize="medium")
            xmax = 0.0
            for i, bar in enumerate(bars):
                left = 0.0
                for seg in bar["segments"]:
                    colour = colours.get(seg["colour"], seg["colour"] if seg["colour"].startswith("#") else OKABE_ITO["grey"])
                    _bar(ax, i, left, seg["value"], colour, seg["derived"], gid=seg["gid"])
                    left += seg["value"]
                    drawn.append(DrawnValue(label=seg["label"], value=float(seg["value"]), qualifier=seg["qualifier"],
                                            derived=seg["derived"], claim_ids=seg["claim_ids"], formula=seg["formula"],
                                            period=period_text))
                total_q = bar["qualifier"]
                text = fmt_value(bar["total"], total_q) + (" (derived)" if bar["derived"] else "")
                if len(bar["segments"]) > 1:
                    text += ": " + ", ".join(seg["inside"] + (" (derived)" if seg["derived"] else "") for seg in bar["segments"])
                if total_q in ("more_than", "at_least"):
                    text = "▶ " + text  # noqa: RUF001 - the arrow marks a lower bound
                ax.text(left, i, "  " + text, va="center", ha="left", fontsize="medium", fontweight="bold")
                xmax = max(xmax, left)
            ax.set_yticks(range(len(bars)), [b["label"] for b in bars])
            ax.invert_yaxis()
            xmax_all = max(xmax_all, xmax)
            ax.grid(axis="x", color="#dddddd", lw=0.8)
            ax.set_axisbelow(True)
            sns.despine(ax=ax, left=False, bottom=False)
        # one scale for every panel, so a bar's length always means the same number of people
        axes[-1, 0].set_xlim(0, xmax_all * 1.6 if xmax_all else 1)
        axes[-1, 0].xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes[-1, 0].set_xlabel("people (same scale in every panel)")
        stmt = source_line(d[~d.derived])
        subtitle = ("People killed or injured by mines, as the statement gives them; each panel is one period, "
                    "all on one scale.")
        legend = [Patch(facecolor="#777777", label="reported by the source"),
                  Patch(facecolor="white", edgecolor="#777777", hatch="///", label="derived by this project")]
        fig.legend(handles=legend, loc="upper right", bbox_to_anchor=(0.98, 0.985), frameon=False, fontsize="small")
        if any(v.qualifier in ("more_than", "at_least") for v in drawn):
            stmt_extra = " ▶ marks a lower bound (\"more than\")."
        else:
            stmt_extra = ""
        footer = f"{stmt} {CLAIMS_NOTE} {DERIVED_NOTE}{stmt_extra}"
        fig.tight_layout(rect=(0, 0.12, 1, 0.86))
        _frame(fig, title, subtitle, footer)
    alt = _alt_text("Horizontal bar chart", title, drawn, stmt)
    caption = "; ".join(f"{v.label}: {fmt_value(v.value, v.qualifier)}{' (derived: ' + v.formula + ')' if v.derived else ''}"
                        for v in drawn)
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=caption, values=drawn)


def _seg(row, label, colour, inside="") -> dict:
    return dict(value=float(row.value), derived=bool(row.derived), qualifier=str(row.qualifier),
                claim_ids=tuple(row.inputs) if row.derived else (row.claim_id,), gid=row.claim_id,
                formula=row.formula, label=label, colour=colour, inside=inside or fmt_value(row.value, row.qualifier))


def _panel_bars(p: pd.DataFrame) -> list[dict]:
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

    done = set()
    if ("casualties", "all") in groups:
        add(("casualties", "all"), "Killed or injured", "casualties")
        done.add(("casualties", "all"))
    k, civ, oth = by.get(("killed", "all")), by.get(("killed", "civilian")), by.get(("killed", "other"))
    if k is not None and civ is not None and oth is not None:
        bars.append(dict(label="Killed", total=float(k.value), qualifier=str(k.qualifier), derived=False,
                         segments=[_seg(civ, "Killed: civilians", "killed", f"civilians {fmt_value(civ.value, civ.qualifier)}"),
                                   _seg(oth, "Killed: others (not civilian)", "killed", f"others {fmt_value(oth.value, oth.qualifier)}")]))
        done |= {("killed", "all"), ("killed", "civilian"), ("killed", "other")}
    elif ("killed", "all") in groups:
        add(("killed", "all"), "Killed", "killed")
        done.add(("killed", "all"))
    if ("injured", "all") in groups:
        add(("injured", "all"), "Injured", "injured")
        done.add(("injured", "all"))
    for key in sorted(groups):
        if key in done:
            continue
        metric, group = key
        add(key, _label(metric, group), OKABE_ITO["grey"] if group == "unspecified" else metric)
    return bars


def _alt_text(kind: str, title: str, drawn: Iterable[DrawnValue], source: str, unit: str = "") -> str:
    by_period: dict[str, list[str]] = {}
    for v in drawn:
        text = f"{v.label} {fmt_value(v.value, v.qualifier, unit)}"
        text += f" (derived: {v.formula})" if v.derived else " (reported)"
        by_period.setdefault(v.period, []).append(text)
    body = " ".join(f"{_cap(p)}: {'; '.join(items)}." if p else f"{'; '.join(items)}." for p, items in by_period.items())
    return f"{kind}: {title}. {body} {source}"


# ---------------------------------------------------------------- chart 2: share of a whole


def map_accuracy_split(rows: pd.DataFrame, name: str = "map-accuracy-split", theme: str = "paper") -> tuple[plt.Figure, ChartMeta]:
    """Reported shares as 100% stacked bars: the reported part beside the derived rest.

    A 100% stacked bar puts both parts on one common baseline with the whole visible, and
    reads faster than a pie or waffle when two shares are compared one above the other.
    """
    shares = rows[rows.metric.isin(list(SHARE_PARTS)) & (rows.unit == "percent") & (rows.group == "none")]
    title = "What the speaker said about the minefield maps"
    if shares.empty:
        have = ", ".join(sorted(rows.metric.astype(str).unique())) or "none"
        return _empty(name, title, f"This statement reports no map-accuracy or explosions-outside-maps share (its metrics: {have}).", rows, theme)
    d = derive(shares)
    questions = {
        "map_accuracy_pct": "Information on the handed-over maps",
        "explosions_outside_maps_pct": "Recent mine explosions",
        "explosions_outside_former_contact_line_pct": "Explosions since the war",
    }
    reported_colour, rest_colour = OKABE_ITO["blue"], OKABE_ITO["orange"]
    drawn: list[DrawnValue] = []
    # one bar per stated share (a statement may give one twice), in the order of SHARE_PARTS
    reported = d[~d.derived].copy()
    reported["order"] = reported.metric.astype(str).map({m: i for i, m in enumerate(SHARE_PARTS)})
    reported = reported.sort_values(["order", "claim_id"])
    rests = {r.claim_id: r for _, r in d[d.derived].iterrows()}
    labels = []
    ctx, style = _style(theme)
    with ctx, style:
        fig, ax = plt.subplots(figsize=(9, 1.4 + 1.1 * len(reported) + 1.4))
        for i, (_, rep) in enumerate(reported.iterrows()):
            metric = str(rep.metric)
            rest = rests[f"{rep.claim_id}~rest"]
            for row, left, colour in ((rep, 0.0, reported_colour), (rest, float(rep.value), rest_colour)):
                _bar(ax, i, left, row.value, colour, bool(row.derived), gid=row.claim_id, height=0.55)
                text = f"{row.part}\n{fmt_value(row.value, row.qualifier, 'percent')}"
                said = str(row.qualifier_as_stated)
                shown = QUALIFIER_WORDS.get(str(row.qualifier), "")
                text += " (derived)" if row.derived else f" (said: \"{said}\")" if said not in ("", "exact", shown) else ""
                ax.text(left + row.value / 2, i, text, ha="center", va="center", fontsize="small",
                        color="white" if not row.derived else "black",
                        bbox=None if not row.derived else dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.9))
                drawn.append(DrawnValue(label=f"{questions.get(metric, metric)}: {row.part}", value=float(row.value),
                                        qualifier=str(row.qualifier), derived=bool(row.derived),
                                        claim_ids=tuple(row.inputs) if row.derived else (row.claim_id,),
                                        formula=row.formula, period=str(rep.period_label)))
            labels.append(f"{questions.get(metric, metric)}\n({rep.period_label})")
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
        ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False, fontsize="small")
        fig.tight_layout(rect=(0, 0.14, 1, 0.84))
        _frame(fig, title, subtitle, f"{stmt} {CLAIMS_NOTE} {DERIVED_NOTE}")
    alt = _alt_text("100% stacked bar chart", title, drawn, stmt, unit="percent")
    caption = "; ".join(f"{v.label} {fmt_value(v.value, v.qualifier, 'percent')}" + (f" (derived: {v.formula})" if v.derived else "")
                        for v in drawn)
    return fig, ChartMeta(name=name, title=title, subtitle=subtitle, source_line=stmt, alt_text=alt,
                          caption=caption, values=drawn)


__all__ = [
    "FORMATS", "THEMES", "ChartError", "ChartMeta", "DrawnValue", "casualty_counts", "fmt_day", "fmt_number",
    "fmt_period", "fmt_value", "fmt_window", "map_accuracy_split", "save_figure", "show", "source_line",
    "statement_table",
]
