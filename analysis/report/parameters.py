"""A run's parameters against its notebook's ``parameters`` cell (``papermill.inspect_notebook``).

Unknown names are listed with the valid ones and a "did you mean"; values are checked against
the annotation (``n: int = 3``). Kept in one module: the checks may be replaced by models
declared per notebook without touching the rest of the runner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..echo import shown
from .core import ReportError, Run, did_you_mean

_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,),
    "tuple": (list, tuple), "dict": (dict,), "set": (list, set),
}


def type_problem(value: Any, annotation: str) -> str | None:
    """Why ``value`` (from YAML) does not fit ``annotation`` (text from the parameters cell), or None.

    Understands str, int, float, bool, list/tuple/dict (also ``list[str]``, ``List[str]``),
    ``Optional[X]`` and ``X | None``; anything else (or no annotation) is not checked.
    """
    ann = annotation.strip().strip("'\"").replace("typing.", "")
    if ann in ("", "None", "Any", "object"):
        return None
    m = re.fullmatch(r"Optional\[(.+)\]", ann)
    parts = [m.group(1)] if m else [p.strip() for p in _split_union(ann)]
    if m or "None" in parts:
        if value is None:
            return None
        parts = [p for p in parts if p != "None"]
    problems = [_one_type_problem(value, p) for p in parts]
    if any(p is None for p in problems):
        return None
    return f"expected {annotation.strip()}, got {type(value).__name__} {shown(repr(value), 200)}"


def _split_union(ann: str) -> list[str]:
    m = re.fullmatch(r"Union\[(.+)\]", ann)
    body = m.group(1) if m else ann
    sep = "," if m else "|"
    parts, depth, cur = [], 0, ""
    for ch in body:
        depth += ch == "["
        depth -= ch == "]"
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def _one_type_problem(value: Any, ann: str) -> str | None:
    m = re.fullmatch(r"(\w+)(?:\[(.*)\])?", ann)
    if not m:
        return None  # not something we understand: let the notebook's own validation decide
    base, inner = m.group(1).lower(), m.group(2)
    if base not in _SIMPLE_TYPES:
        return None
    if isinstance(value, bool) and base in ("int", "float"):
        return "bool"
    if not isinstance(value, _SIMPLE_TYPES[base]):
        return type(value).__name__
    if inner and base in ("list", "set") and isinstance(value, list):
        bad = [v for v in value if _one_type_problem(v, inner.strip()) is not None]
        if bad:
            return f"list with {bad[0]!r}"
    return None


def validate_parameters(runs: list[Run]) -> None:
    """Check each run's parameters against its notebook's parameters cell; raise ReportError."""
    if not runs:
        return
    import papermill

    problems: list[str] = []
    cache: dict[Path, dict] = {}
    for run in runs:
        nb_name = run.notebook.name
        if run.notebook not in cache:
            try:
                cache[run.notebook] = _inspect(papermill, run.notebook)
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a validation error
                cache[run.notebook] = {"__error__": f"{type(exc).__name__}: {exc}"}
        declared = cache[run.notebook]
        if declared is not None and "__error__" in declared:
            problems.append(f"{run.where}: notebook: cannot read {nb_name}: {declared['__error__']}")
            continue
        if declared is None:
            problems.append(f"{run.where}: notebook: {nb_name} has no cell tagged 'parameters' "
                            f"(papermill would inject values above the first cell without checking them)")
            continue
        valid = ", ".join(sorted(declared)) or "(none)"
        if "output_dir" not in declared:
            problems.append(f"{run.where}: notebook: {nb_name} has no output_dir parameter; the runner injects "
                            f"where to write the charts (add `output_dir: str = \"...\"` to its parameters cell)")
        for key, value in run.parameters.items():
            if key not in declared:
                problems.append(f"{run.where}: parameters: '{shown(key)}' is not a parameter of {nb_name}"
                                f"{did_you_mean(key, declared)}; valid parameters: {valid}")
                continue
            annotation = declared[key].get("inferred_type_name") or ""
            why = type_problem(value, annotation)
            if why:
                problems.append(f"{run.where}: parameters: {key}: {why} (annotation in {nb_name})")
    if problems:
        raise ReportError(problems)


def _inspect(papermill, notebook: Path) -> dict | None:
    """The notebook's declared parameters, or None when no cell is tagged 'parameters'."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    tagged = any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in nb.get("cells", []))
    if not tagged:
        return None
    return papermill.inspect_notebook(str(notebook))
