"""Which names this run's parameter cells assigned, read from IPython's input history (``In``).

Used by a notebook's validation cell (`analysis.params.NotebookParams.from_namespace`): only a
name papermill injected or the parameters cell assigns can be an "unknown parameter", never a
variable the notebook itself created, so Run All works again and again in one kernel.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def assigned_names(history: list[str] | None, known: Iterable[str], header: str) -> list[str]:
    """Names assigned by the parameter cells run just before the current cell.

    ``history`` is IPython's ``In`` (its last entry is the cell running now). Going back from the
    cell before it: cells papermill injected (first line ``header``, ``# Parameters``) count, and so does the
    first cell of only ``name = literal`` assignments with a ``known`` parameter among them (the
    parameters cell); the walk stops there, or at any other cell. So a name is a candidate for
    "unknown parameter" only when papermill injected it or the parameters cell as last run assigns
    it: never a variable the notebook created, nor a typo in an earlier run of the parameters cell.
    """
    known = set(known)
    names: list[str] = []
    for source in reversed((history or [])[:-1]):
        got = _literal_assignments(source, known, header)
        if got is None:
            break
        names += got
        if not source.lstrip().startswith(header):
            break  # the parameters cell itself: what ran before it is not this run's
    return sorted(set(names))


def _literal_assignments(source: str, known: set[str], header: str) -> list[str] | None:
    """The names a cell of only ``name = literal`` (or ``name: type = literal``) lines assigns, when it
    is papermill's injected cell or assigns a known parameter; None for any other cell."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    names = []
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        if target is None or value is None:
            return None
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None  # not a literal (a call, or a failed cell such as {[1]: 2})
        names.append(target)
    if not names or not (source.lstrip().startswith(header) or known & set(names)):
        return None  # empty, or some other literal cell: not a parameters cell
    return names
