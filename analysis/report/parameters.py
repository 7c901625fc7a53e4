"""A run's parameters, checked before any kernel starts, the same way the notebook checks them.

A notebook with a model in `analysis.notebook_params` gets the model's full check (types,
ranges, allowed values, and the data: the statement exists and has what the notebook charts),
with the messages its validation cell would give; another notebook gets the annotations of its
``parameters`` cell checked (``papermill.inspect_notebook``): `check_run`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..echo import shown
from ..param_messages import unknown_parameter
from ..params import NotebookParams
from .core import ReportError, Run


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
        if "output_dir" not in declared:
            problems.append(f"{run.where}: notebook: {nb_name} has no output_dir parameter; the runner injects "
                            f"where to write the charts (add `output_dir: str = \"...\"` to its parameters cell)")
        for why in check_run(run.notebook, declared, run.parameters, run.cwd):
            lines = why.splitlines()
            problems.append(f"{run.where}: parameters: {shown(lines[0], 2000)} (parameters cell of {nb_name})")
            problems += [f"  {shown(line, 2000)}" for line in lines[1:51]]
    if problems:
        raise ReportError(problems)


def _inspect(papermill, notebook: Path) -> dict | None:
    """The notebook's declared parameters, or None when no cell is tagged 'parameters'."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    tagged = any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in nb.get("cells", []))
    if not tagged:
        return None
    return papermill.inspect_notebook(str(notebook))


_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict, "tuple": tuple,
          "set": set}


def model_for(notebook: Path, declared: dict[str, dict]) -> type[NotebookParams] | type[BaseModel]:
    """The notebook's declared model, or (for a notebook without one) a strict model built from
    the annotations of its parameters cell, as ``papermill.inspect_notebook`` reports them."""
    if notebook.stem in NotebookParams.registry:
        return NotebookParams.registry[notebook.stem]
    from pydantic import create_model

    fields = {name: (_annotation(info.get("inferred_type_name") or ""), None) for name, info in declared.items()}
    name = "Params_" + re.sub(r"\W", "_", notebook.stem)
    return create_model(name, __config__=ConfigDict(extra="forbid", strict=True), **fields)


def _annotation(text: str):
    """A plain type for an annotation's text: ``int``, ``list[str]``, ``Optional[int]``, ``int | None``;
    anything else (a type of the notebook's own, a complex union) is not checked (Any)."""
    from typing import Any as AnyT
    from typing import Optional

    text = text.strip().strip("'\"").replace("typing.", "")
    optional = re.fullmatch(r"Optional\[(.+)\]", text) or re.fullmatch(r"(.+?)\s*\|\s*None", text)
    if optional:
        inner = _annotation(optional.group(1))
        return AnyT if inner is AnyT else Optional[inner]  # noqa: UP045 - built from a runtime value
    m = re.fullmatch(r"(\w+)(?:\[(\w+)\])?", text)
    base = _TYPES.get(m.group(1).lower()) if m else None
    if base is None:
        return AnyT
    item = _TYPES.get(m.group(2).lower()) if m.group(2) else None
    return base[item] if item is not None and base in (list, set) else base


def check_run(notebook: Path, declared: dict[str, dict], values: dict[str, Any], base_dir: Path) -> list[str]:
    """Problems with a report run's parameters, before any kernel starts (empty list: fine).

    ``declared``: the parameters cell as papermill reads it. A notebook with a model gets the
    model's full check (types, ranges, choices, and the data: the statement exists and has
    what the notebook charts); another notebook gets its annotations checked.
    """
    model = model_for(notebook, declared)
    if isinstance(model, type) and issubclass(model, NotebookParams):
        return model.problems(values, base_dir)[0]
    try:
        model.model_validate(values)
    except ValidationError as e:
        out = []
        for err in e.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            if err["type"] == "extra_forbidden":
                out.append(unknown_parameter(name, sorted(declared)))
            else:
                ann = declared.get(name, {}).get("inferred_type_name") or ""
                v = values.get(name, err.get("input"))
                out.append(f"{name}: expected {ann}, got {type(v).__name__} {v!r}")
        return sorted(set(out), key=out.index)
    return []
