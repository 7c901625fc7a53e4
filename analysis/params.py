"""Validate notebook parameters with argparse-grade messages.

The cell after a notebook's ``parameters`` cell calls :func:`validate` with the notebook's
namespace and a spec per parameter. It checks every parameter (type, allowed values, the
statement exists and has the metrics the notebook needs) and also catches names that the
notebook does not know (papermill injects a misspelled ``-p sourc_id x`` as a new variable
and only warns), then raises one `ParameterError` listing every problem and what is allowed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .data import DataError, load_claims

# names IPython puts in every user namespace; never parameters
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


class ParameterError(ValueError):
    """One or more notebook parameters are wrong; the message lists each and what is allowed."""


@dataclass
class Spec:
    """What one parameter may be.

    ``kind``: str, int, float, bool, list_of_str, statement, data_dir, output_dir, date.
    ``choices_from``: a claims column whose values are the allowed ones (checked once the
    data is loaded), e.g. ``"speaker"``.
    """

    kind: str
    choices: tuple | None = None
    choices_from: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    needs: tuple[str, ...] = ()  # for a statement: metrics it must report (any one of each tuple entry)
    optional: bool = False  # an empty value is allowed


@dataclass
class Params:
    values: dict[str, Any]
    claims: pd.DataFrame | None = None
    data_dir: Path | None = None
    output_dir: Path | None = None
    notes: list[str] = field(default_factory=list)

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def _type_problem(name: str, value: Any, spec: Spec) -> str | None:
    want = {"str": str, "statement": str, "data_dir": str, "output_dir": str, "date": str, "int": int,
            "float": (int, float), "bool": bool, "list_of_str": list}[spec.kind]
    if spec.kind in ("int", "float") and isinstance(value, bool):
        return f"{name}: expected a whole number, got {value!r} (allowed: {spec.minimum}..{spec.maximum})"
    if not isinstance(value, want):
        expected = "float" if spec.kind == "float" else want.__name__
        return f"{name}: expected {expected}, got {type(value).__name__} {value!r}"
    if spec.kind == "list_of_str" and not all(isinstance(v, str) for v in value):
        return f"{name}: expected a list of strings, got {value!r}"
    return None


_LITERALS = (str, int, float, bool, list, dict, tuple, type(None))


def unknown_names(namespace: dict, known: set[str]) -> list[str]:
    """Literal-valued names (what papermill injects) that the notebook does not know.

    Modules, functions, classes, DataFrames and figures the notebook itself creates are not
    literals, so re-running a validated notebook in JupyterLab does not trip this.
    """
    out = []
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON_NAMES or name in known:
            continue
        if isinstance(value, _LITERALS):
            out.append(name)
    return sorted(out)


def validate(namespace: dict, **specs: Spec) -> Params:
    """Check each parameter named in ``specs`` against ``namespace`` (the notebook's globals()).

    Returns the values, the claims loaded from ``data_dir`` (when a data_dir spec is given)
    and the resolved output folder. Raises ParameterError listing every problem.
    """
    problems: list[str] = []
    values = {}
    for name in specs:
        if name not in namespace:
            problems.append(f"{name}: missing (the parameters cell must define it)")
        else:
            values[name] = namespace[name]
    for name in unknown_names(namespace, set(specs)):
        close = difflib.get_close_matches(name, list(specs), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problems.append(f"{name}: unknown parameter ({hint}allowed: {', '.join(specs)})")

    result = Params(values=values)
    for name, spec in specs.items():
        if name not in values:
            continue
        value = values[name]
        if (msg := _type_problem(name, value, spec)) is not None:
            problems.append(msg)
            continue
        if spec.kind in ("int", "float") and not (spec.minimum <= value <= spec.maximum):
            problems.append(f"{name}: {value} is out of range (allowed: {spec.minimum}..{spec.maximum})")
        elif spec.kind == "list_of_str":
            if not value and not spec.optional:
                problems.append(f"{name}: empty (allowed: one or more of {', '.join(spec.choices)})")
            bad = [v for v in value if spec.choices and v not in spec.choices]
            if bad:
                problems.append(f"{name}: unknown value(s) {', '.join(map(repr, bad))} (allowed: {', '.join(spec.choices)})")
        elif spec.kind == "str" and spec.choices and value not in spec.choices and not (spec.optional and value == ""):
            close = difflib.get_close_matches(value, list(spec.choices), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(f"{name}: unknown value {value!r} ({hint}allowed: {', '.join(spec.choices)})")
        elif spec.kind == "date" and value and pd.to_datetime(value, format="%Y-%m-%d", errors="coerce") is pd.NaT:
            problems.append(f"{name}: {value!r} is not a date (allowed: YYYY-MM-DD, or empty for no limit)")
        elif spec.kind == "data_dir":
            path = Path(value) if value else None
            if path is not None and not path.is_dir():
                problems.append(f"{name}: {value!r} is not a folder (allowed: empty for the package's data/, "
                                "or a folder holding metrics.csv, sources.csv, claims.csv)")
            else:
                try:
                    result.claims = load_claims(path)
                    result.data_dir = path
                except DataError as e:
                    problems.append(f"{name}: the data does not validate:\n" + "\n".join(e.problems))
        elif spec.kind == "output_dir":
            if not value:
                problems.append(f"{name}: empty (allowed: a folder path; it is created if missing)")
            else:
                result.output_dir = Path(value)
    # statements and data-drawn choices last: they need the claims
    for name, spec in specs.items():
        if name not in values or result.claims is None:
            continue  # missing, or data problems already reported
        value = values[name]
        if spec.kind == "statement" and isinstance(value, str) and not (spec.optional and value == ""):
            problems += _statement_problems(name, value, spec, result.claims)
        elif spec.choices_from and isinstance(value, list):
            allowed = sorted(set(result.claims[spec.choices_from].dropna().astype(str)) - {""})
            for v in value:
                if v not in allowed:
                    close = difflib.get_close_matches(str(v), allowed, n=1)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    problems.append(f"{name}: unknown value {v!r} ({hint}allowed: {', '.join(allowed)})")
    if problems:
        # the first problem leads, so a one-line summary (the report's FAILED line) names it
        more = f" (and {len(problems) - 1} more below)" if len(problems) > 1 else ""
        raise ParameterError(problems[0].splitlines()[0] + more + "\n" + "\n".join(f"  {p}" for p in problems))
    return result


def _statement_problems(name: str, value: str, spec: Spec, claims: pd.DataFrame) -> list[str]:
    ids = sorted(claims.source_id.unique())
    if value not in ids:
        close = difflib.get_close_matches(value, ids, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        with_needs = _sources_with(claims, spec.needs)
        return [f"{name}: unknown statement {value!r} ({hint}allowed: a source_id from sources.csv; "
                f"{len(with_needs)} have the metrics this notebook charts, e.g. {', '.join(with_needs[:5])})"]
    have = set(claims.loc[claims.source_id == value, "metric"].astype(str))
    missing = [need for need in spec.needs if not (set(need.split("|")) & have)]
    if missing:
        with_needs = _sources_with(claims, spec.needs)
        return [f"{name}: statement {value!r} reports none of {', '.join(m.replace('|', ' or ') for m in missing)} "
                f"(it reports: {', '.join(sorted(have))}; allowed: a statement that has them, e.g. {', '.join(with_needs[:6])})"]
    return []


def _sources_with(claims: pd.DataFrame, needs: tuple[str, ...]) -> list[str]:
    per = claims.groupby("source_id", observed=True).metric.agg(lambda s: set(s.astype(str)))
    return sorted(sid for sid, have in per.items() if all(set(n.split("|")) & have for n in needs))


def statements_with(claims: pd.DataFrame, *needs: str) -> list[str]:
    """Source ids that report each of ``needs`` (``'a|b'`` = either a or b)."""
    return _sources_with(claims, needs)
