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
from ..params import NotebookParams, did_you_mean
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


_SAFE_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict, "tuple": tuple}


def model_for(notebook: Path, declared: dict[str, dict]) -> type[NotebookParams] | type[BaseModel]:
    """The notebook's declared model, or (for a notebook without one) a model built from the
    annotations of its parameters cell, as ``papermill.inspect_notebook`` reports them."""
    if notebook.stem in NotebookParams.registry:
        return NotebookParams.registry[notebook.stem]
    from pydantic import create_model

    fields = {}
    for name, info in declared.items():
        ann = _annotation(info.get("inferred_type_name") or "")
        fields[name] = (ann, None)
    name = "Params_" + re.sub(r"\W", "_", notebook.stem)
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def _annotation(text: str):
    from typing import Any as AnyT
    from typing import Optional, Union  # noqa: F401 - names for eval below

    text = text.strip().strip("'\"").replace("typing.", "")
    if text in ("", "None", "Any", "object"):
        return AnyT
    names = {**_SAFE_TYPES, "List": list, "Dict": dict, "Tuple": tuple, "Optional": Optional, "Union": Union,
             "Any": AnyT, "None": None}
    try:
        return eval(text, {"__builtins__": {}}, names)  # noqa: S307 - names restricted to plain types
    except Exception:  # noqa: BLE001 - an annotation we cannot read is not checked
        return AnyT


def check_run(notebook: Path, declared: dict[str, dict], values: dict[str, Any], base_dir: Path) -> list[str]:
    """Problems with a report run's parameters, before any kernel starts (empty list: fine).

    ``declared``: the parameters cell as papermill reads it. A notebook with a model gets the
    model's full check (types, ranges, choices, and the data: the statement exists and has
    what the notebook charts); another notebook gets its annotations checked.
    """
    model = model_for(notebook, declared)
    if isinstance(model, type) and issubclass(model, NotebookParams):
        return model.problems(values, base_dir)[0]
    strict = ConfigDict(extra="forbid", strict=True)
    try:
        type(model.__name__, (model,), {"model_config": strict}).model_validate(values)
    except ValidationError as e:
        out = []
        for err in e.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            if err["type"] == "extra_forbidden":
                out.append(f"{name}: unknown parameter ({did_you_mean(name, declared)}allowed: "
                           f"{', '.join(sorted(declared))})")
            else:
                ann = declared.get(name, {}).get("inferred_type_name") or ""
                v = err.get("input")
                out.append(f"{name}: expected {ann}, got {type(v).__name__} {v!r}")
        return sorted(set(out), key=out.index)
    return []
