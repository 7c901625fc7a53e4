"""The words of a parameter problem: pydantic's errors in this project's form.

``name: what is wrong (did you mean 'x'? allowed: ...)``, the same in a notebook's validation
cell and in the report runner's check of a run list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from .text import did_you_mean as text_did_you_mean


def did_you_mean(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """``"did you mean 'x'? "`` (to stand before ``allowed: ...``), or ``""``: `analysis.text.did_you_mean`."""
    hint = text_did_you_mean(word, choices, n=n, cutoff=cutoff, quote=True)
    return f"{hint} " if hint else ""


def unknown_parameter(name: str, allowed: Iterable[str]) -> str:
    """The one message for a name that is not a parameter (notebook cell, run list, papermill -p)."""
    allowed = list(allowed)
    return f"{name}: unknown parameter ({did_you_mean(name, allowed)}allowed: {', '.join(allowed)})"


def allowed_list(items, limit: int = 15) -> str:
    """'a, b, c' — at most ``limit`` items, then 'and N more'."""
    items = [str(i) for i in items]
    more = f", and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def type_name(annotation) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return type(get_args(annotation)[0]).__name__
    if origin is not None:
        return origin.__name__
    return getattr(annotation, "__name__", str(annotation))


def pydantic_problem(model: type[BaseModel], err: dict, values: dict | None = None) -> str:
    """One pydantic error in this project's words (``values``: what was checked, to show a whole list)."""
    loc, kind, value = err["loc"], err["type"], err.get("input")
    name = str(loc[0]) if loc else ""
    field = model.model_fields.get(name)
    if kind == "extra_forbidden":
        return unknown_parameter(name, model.cell_order())
    if kind == "literal_error":
        allowed = [str(a) for a in _choices(field) or ()]
        if len(loc) > 1:  # an item of a list
            return f"{name}: unknown value(s) {value!r} ({did_you_mean(value, allowed)}allowed: {', '.join(allowed)})"
        return f"{name}: unknown value {value!r} ({did_you_mean(value, allowed)}allowed: {', '.join(allowed)})"
    if kind in ("greater_than_equal", "less_than_equal"):
        lo, hi = _bounds(field)
        return f"{name}: {value} is out of range (allowed: {lo}..{hi})"
    if kind == "too_short":
        return f"{name}: empty (allowed: one or more of {', '.join(_choices(field) or ())})"
    if len(loc) > 1 and field is not None:  # an item of a list: show the list
        whole = (values or {}).get(name, value)
        return f"{name}: expected a list of strings, got {whole!r}"
    want = type_name(field.annotation) if field is not None else kind
    if kind.startswith("int") or kind.startswith("float"):
        lo, hi = _bounds(field)
        if isinstance(value, bool) and lo is not None:
            return f"{name}: expected a whole number, got {value!r} (allowed: {lo}..{hi})"
    return f"{name}: expected {want}, got {type(value).__name__} {value!r}"


def _bounds(field) -> tuple[Any, Any]:
    lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), None) if field else None
    hi = next((m.le for m in field.metadata if hasattr(m, "le")), None) if field else None
    return lo, hi


def _choices(field) -> tuple | None:
    ann = field.annotation
    if get_origin(ann) is list:
        ann = get_args(ann)[0]
    return get_args(ann) if get_origin(ann) is Literal else None
