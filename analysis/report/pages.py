"""The report's pages: the chart sidecars each run wrote, checked, and ``index.html`` from a
Jinja2 template. Every text from data, parameters or sidecars is escaped (autoescape on)."""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .core import MANIFEST, Run

SIDECAR_KEYS = ("name", "title", "subtitle", "source_line", "alt_text", "caption", "files")
TEMPLATE = "index.html.j2"


def _check_sidecar(path: Path, side: dict, run_dir: Path) -> None:
    missing = [k for k in SIDECAR_KEYS if k not in side]
    if missing:
        raise ValueError(f"sidecar {path.name}: missing key(s) {', '.join(missing)}")
    bad = [k for k in SIDECAR_KEYS if k != "files" and not isinstance(side[k], str)]
    if bad:
        raise ValueError(f"sidecar {path.name}: {', '.join(bad)} must be text")
    files = side["files"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ValueError(f"sidecar {path.name}: files must be a list of file names")
    for f in files:
        if "/" in f or "\\" in f or f.startswith(".") or not (run_dir / f).is_file():
            raise ValueError(f"sidecar {path.name}: files: {f!r} is not a file in the run folder")


def read_sidecars(run_dir: Path) -> list[dict[str, Any]]:
    """The chart sidecars (``<name>.json`` with a ``files`` list) in a run folder, checked, sorted by file."""
    charts = []
    for path in sorted(run_dir.glob("*.json")):
        try:
            side = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"sidecar {path.name}: not valid JSON: {exc}") from None
        if not isinstance(side, dict) or "files" not in side:
            continue  # some other JSON the notebook wrote, not a chart sidecar
        _check_sidecar(path, side, run_dir)
        charts.append(dict(side, sidecar=path.name))
    return charts


def escape(value: Any) -> str:
    """How every value lands in the page (the standard library's escaping, quotes included)."""
    return html.escape(str(value), quote=True)


def _href(*parts: str) -> str:
    return "/".join(quote(p) for p in parts)


@functools.cache
def _template():
    import jinja2
    from markupsafe import Markup

    def finalize(value: Any) -> Any:
        # autoescape is on; escaping here with html.escape keeps the bytes of the pages the
        # runner wrote before it used a template (markupsafe writes ' as &#39;, not &#x27;)
        return value if isinstance(value, Markup) else Markup(escape(value))

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True, finalize=finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE)


def _chart_view(run: Run, chart: dict[str, Any]) -> dict[str, Any]:
    files = chart["files"]
    image = next((f for f in files if f.endswith(".png")), None) or next((f for f in files if f.endswith(".svg")), None)
    return dict(chart, image=_href(run.name, image) if image else None,
                links=[(_href(run.name, f), f.rsplit(".", 1)[-1]) for f in files])


def build_index(entries: list[tuple[Run, dict[str, Any], list[dict[str, Any]]]],
                changes: dict[str, Any] | None = None) -> str:
    """index.html: what changed since the previous report (`changes.section`), every run and every chart."""
    runs = []
    for run, record, charts in entries:
        params = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                           for k, v in sorted(record.get("parameters", {}).items()))
        runs.append({
            "name": run.name, "description": run.description, "notebook": record.get("notebook", ""),
            "params": params, "html": _href(run.name + ".html"), "ipynb": _href(run.name + ".ipynb"),
            "charts": [_chart_view(run, c) for c in charts],
        })
    return _template().render(runs=runs, manifest=MANIFEST, changes=changes)
