"""Direct labels on a chart, each placed where it covers no marker, line, text or other label.

`place_labels(ax, labels)` takes the labels of one axes, each a dict: ``anchors`` (data
points the label may sit beside, tried in order), ``colour``, ``text`` and optionally
``around`` (the offsets to try: `AROUND`, `NEAR` for a value beside its own marker), ``fontsize`` and ``fontweight``. Positions are
measured on the drawn figure, so call it once the layout is final.
"""

from __future__ import annotations

import numpy as np


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


def place_labels(ax, labels: list[dict]) -> None:
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
