"""Figure framing shared by every chart: style, colours, markers, the title/subtitle/footer frame,
the chart result (`ChartMeta`), reproducible saving and notebook display.

Chart modules (`analysis.charts`, `analysis.timeline`, `analysis.independent_charts`, `analysis.comparison_chart`) draw; this
module frames and saves. Nothing here knows a dataset.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "landmine-figures"  # fixed ids in SVG output
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG (readable, searchable)
matplotlib.rcParams["text.parse_math"] = False  # a "$" in a source's name is text, not TeX

import matplotlib.font_manager  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .vocab import FORMATS, THEMES  # noqa: E402 - one list for the parameters and the charts

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999", "black": "#000000",
}
# The colour of each count, the same in every chart: killed or injured, killed, injured.
METRIC_COLOURS = {"casualties": OKABE_ITO["blue"], "killed": OKABE_ITO["vermillion"], "injured": OKABE_ITO["orange"]}
# Marker shape carries the qualifier in every chart: filled circle = exact; triangle up = lower
# bound; triangle down = nearly / up to; diamond = about.
MARKERS = {"exact": "o", "more_than": "^", "at_least": "^", "nearly": "v", "up_to": "v", "about": "D"}
MARKER_MEANING = {"o": "exact", "^": "more than / at least (lower bound)", "v": "nearly / up to (upper bound)",
                  "D": "about"}
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


class ChartError(ValueError):
    """A chart was asked for something it cannot honestly draw (nothing selected, a bad format)."""


class SelectionError(ChartError):
    """A selection has nothing to draw, or asks for what the data cannot have; the message says
    what the data has instead."""


def nothing_to_draw(what: str, found: dict[str, Sequence[str]]) -> SelectionError:
    """The error for an empty selection: 'No X in this selection (...). Found: series a, b; ...'."""
    parts = [f"{name} {', '.join(map(str, values)) if len(values) else 'none'}" for name, values in found.items()]
    return SelectionError(f"{what}. Nothing is drawn rather than an empty chart. In the data: " + "; ".join(parts) + ".")


# ---------------------------------------------------------------- style and frame


def style(theme: str):
    """Seaborn's plotting context for ``theme`` and the white axes style, to use as context managers."""
    if theme not in THEMES:
        raise ChartError(f"unknown theme '{theme}' (allowed: {', '.join(THEMES)})")
    return sns.plotting_context(theme), sns.axes_style("white")


def scale() -> float:
    """Text size of the current seaborn context relative to 'paper' (1.0), at least 1."""
    return max(1.0, matplotlib.rcParams["font.size"] / 9.6)


def fill(text: str, size: str, width_in: float = 8.6, em: float = 0.58) -> str:
    """Wrap ``text`` to ``width_in`` inches at the current font size, assuming an average character
    ``em`` of the font size wide (fixed line breaks: the number of lines does not depend on the dpi
    the figure is saved at)."""
    points = matplotlib.font_manager.FontProperties(size=size).get_size_in_points()
    return textwrap.fill(text, width=max(30, int(width_in * 72 / (em * points))))


def frame(fig: plt.Figure, title: str, subtitle: str, footer: str):
    """Title (top left, bold), subtitle under it, footer (the source line) at the bottom.
    Returns the three Text artists."""
    t = fig.suptitle(title, x=0.02, y=0.985, ha="left", va="top", fontsize="x-large", fontweight="bold")
    s = fig.text(0.02, 0.915, subtitle, ha="left", va="top", fontsize="medium", color="#333333", wrap=True)
    f = fig.text(0.02, 0.015, footer, ha="left", va="bottom", fontsize="small", color="#444444", wrap=True)
    return t, s, f


def layout(fig: plt.Figure, title: str, subtitle: str, footer: str, handles: list, body_h: float) -> None:
    """Title, subtitle, a one-row legend under it, the panels, and the wrapped footer, sized to fit.

    The figure is 9 inches wide; its height is set here from the measured heights of the
    title, subtitle and footer plus ``body_h`` inches for the panels.
    """
    head, sub, foot = frame(fig, fill(title, "x-large", 8.8, 0.53), fill(subtitle, "medium"), fill(footer, "small"))
    renderer = fig.canvas.get_renderer()
    title_h = head.get_window_extent(renderer).height / fig.dpi
    sub_h = sub.get_window_extent(renderer).height / fig.dpi
    foot_h = foot.get_window_extent(renderer).height / fig.dpi
    ncol = len(handles) if scale() < 1.5 else 2
    rows = -(-len(handles) // ncol) if handles else 0
    title_block, leg_h = 0.12 + title_h + 0.1, 0.25 * scale() * rows + 0.05
    top = title_block + sub_h + 0.08 + leg_h
    height = top + body_h + foot_h + 0.3
    fig.set_figheight(height)
    head.set_y(1 - 0.12 / height)
    head.set_in_layout(False)  # placed by hand; tight_layout must not reserve room for it again
    sub.set_y(1 - title_block / height)
    if handles:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.012, 1 - (title_block + sub_h + 0.04) / height),
                   ncol=ncol, frameon=False, fontsize="x-small", handletextpad=0.3, columnspacing=1.4)
    fig.tight_layout(rect=(0, (foot_h + 0.22) / height, 1, 1 - top / height))


def empty_panel(ax, message: str) -> None:
    """A panel of a chart that has nothing in this selection: the message, and no value ticks
    (an empty axis would otherwise show 0 to 1 as if it were data)."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#666666")
    ax.set_yticks([])
    ax.set_ylabel("")


def bar(ax, y, left, width, colour, derived, gid, height=0.6):
    """One horizontal bar: solid when reported, white with a hatch in ``colour`` when derived."""
    if derived:
        return ax.barh(y, width, left=left, height=height, facecolor="white", edgecolor=colour,
                       hatch="///", linewidth=1.5, gid=gid)
    return ax.barh(y, width, left=left, height=height, color=colour, edgecolor=colour, gid=gid)


def point(ax, x, y, qualifier: str, colour: str, gid: str, on_line: bool = True, size: float = 6.5, zorder=4):
    """One reported number as one marker (its own artist, ``gid`` = claim id); shape = qualifier."""
    marker = MARKERS.get(str(qualifier), "o")
    if not on_line:  # a larger ring drawn behind: visible around the line's marker when the values agree
        size, zorder = size + 3.5, zorder - 0.5
    (artist,) = ax.plot([x], [y], linestyle="none", marker=marker, markersize=size,
                        markerfacecolor=colour if on_line else "white", markeredgecolor=colour,
                        markeredgewidth=1.0 if on_line else 1.5, gid=gid, zorder=zorder)
    return artist


def qualifier_handles(markers_used: set[str], hollow: bool = False) -> list:
    """Legend entries for the marker shapes used (`MARKERS`), and for a hollow marker: a second
    report of a value already drawn."""
    handles = [Line2D([], [], ls="none", marker=m, color="#555555", markersize=5.5, label=MARKER_MEANING[m])
               for m in ("o", "^", "v", "D") if m in markers_used]
    if hollow:
        handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="white", markeredgecolor="#555555",
                              markeredgewidth=1.4, markersize=5.5, label="another report of the same year (off the line)"))
    return handles


# ---------------------------------------------------------------- saving and showing


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
