"""A run's parameters, checked before any kernel starts, the same way the notebook checks them.

A notebook with a model in `analysis.notebook_params` gets the model's full check (types,
ranges, allowed values, and the data: the statement exists and has what the notebook charts),
with the messages its validation cell would give; another notebook gets the annotations of its
``parameters`` cell checked (``papermill.inspect_notebook``). See `analysis.params.check_run`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..echo import shown
from ..params import check_run
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
