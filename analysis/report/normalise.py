"""An executed notebook as stable text (reruns byte-identical), and its HTML without code."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

# nbconvert is imported on first use, from the runner's threads (the warm-up and each run's
# normalising): one thread at a time, since two threads importing the package at once can fail
# with KeyError: 'nbconvert' inside importlib
_IMPORT = threading.Lock()


def nbconvert_parts():
    """(HTMLExporter, CoalesceStreamsPreprocessor), imported once under a lock."""
    with _IMPORT:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import CoalesceStreamsPreprocessor
    return HTMLExporter, CoalesceStreamsPreprocessor


INJECTED_ID = "injected-parameters"
ADDRESS_RE = re.compile(r" at 0x[0-9a-fA-F]{4,}")
_PAPERMILL_VOLATILE = ("start_time", "end_time", "duration", "input_path", "output_path")


def _replace_all(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old:
            text = re.sub(re.escape(old) + r"(?![\w.-])", lambda _m, new=new: new, text)
    return ADDRESS_RE.sub(" at 0x...", text)


def _map_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, list):
        return [_map_strings(v, fn) for v in obj]
    if isinstance(obj, dict):
        return {k: _map_strings(v, fn) for k, v in obj.items()}
    return obj


def _drop_volatile(meta: dict | None) -> None:
    if meta is not None:
        for key in _PAPERMILL_VOLATILE:
            meta.pop(key, None)


def _fix_outputs(outputs: list, fix: Callable[[str], str]) -> None:
    for out in outputs:
        if "text" in out:
            out.text = fix(out.text)
        if "evalue" in out:
            out.evalue = fix(out.evalue)
        if "traceback" in out:
            out.traceback = [fix(t) for t in out.traceback]
        for mime, value in (out.get("data") or {}).items():
            if (mime.startswith("text/") or mime.endswith("json")) and mime != "image/svg+xml":
                out.data[mime] = _map_strings(value, fix)


def normalise_notebook(text: str, replacements: list[tuple[str, str]]) -> str:
    """No timing or path metadata, fixed ids, stable paths, and one stream output where the
    kernel sent a print() as one message or as two from run to run (nbconvert's
    CoalesceStreamsPreprocessor joins them)."""
    import nbformat

    _, CoalesceStreamsPreprocessor = nbconvert_parts()
    nb = nbformat.reads(text, as_version=4)
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    fix = lambda s: _replace_all(s, replacements)  # noqa: E731
    pm = nb.metadata.get("papermill")
    _drop_volatile(pm)
    if pm is not None and "parameters" in pm:
        pm["parameters"] = _map_strings(pm["parameters"], fix)
    has_ids = (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)  # nbclient's timing (record_timing=False should avoid it)
        _drop_volatile(cell.metadata.get("papermill"))
        if "injected-parameters" in (cell.metadata.get("tags") or []):
            cell.source = fix(cell.source)
            if has_ids:
                cell.id = INJECTED_ID
        elif has_ids and not cell.get("id"):
            cell.id = f"cell-{i}"
        _fix_outputs(cell.get("outputs", []), fix)
    out_text = nbformat.writes(nb)
    return out_text if out_text.endswith("\n") else out_text + "\n"


def export_html(nb_text: str, name: str) -> str:
    """The executed notebook as HTML without code or prompts (deterministic for the same notebook).

    One exporter serves every call, one call at a time: a new exporter compiles its templates
    again (about half the cost of an export), and an exporter is not made for two threads."""
    import nbformat

    nb = nbformat.reads(nb_text, as_version=4)
    with _EXPORT:
        body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body if body.endswith("\n") else body + "\n"


_EXPORT = threading.Lock()


@functools.cache
def _exporter():
    HTMLExporter, _ = nbconvert_parts()
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
