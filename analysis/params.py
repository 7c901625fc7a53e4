"""Notebook parameters: declared once per notebook, checked the same way in the kernel and by the runner.

Each notebook has one pydantic model (`analysis.notebook_params`), a subclass of
:class:`NotebookParams`. The model is the declaration: the notebook's ``parameters`` cell is
written from it (``python -m analysis.params`` rewrites the cells, a test checks they match),
the cell after it calls ``Model.from_namespace(globals())``, and the report runner calls
:func:`analysis.report.parameters.check_run` on a run's parameters before any kernel starts. Both give the same messages
(``name: what is wrong (did you mean ...? allowed: ...)``).

Rerunning in one kernel: only names that papermill injected (its ``# Parameters`` cell) or that
the parameters cell itself assigns are candidates for "unknown parameter"; variables the notebook
creates later (lists of saved files, frames) are never mistaken for parameters, so Run All works
any number of times, after edits and after reopening a notebook with a live kernel.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import config
from .choices import DEFAULT_STATEMENT, choices, default_statement, load_cached
from .param_history import assigned_names
from .param_messages import allowed_list, did_you_mean, pydantic_problem, type_name, unknown_parameter
from .vocab import FORMATS, THEMES

PAPERMILL_HEADER = "# Parameters"  # the first line of the cell papermill injects
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ParameterError(ValueError):
    """One or more notebook parameters are wrong.

    ``str(error)`` (what papermill and the report's FAILED line show) leads with the first
    problem and lists all of them. In Jupyter the error renders as that short message alone,
    once, without a traceback through this module (IPython's ``_render_traceback_``).
    """

    def __init__(self, problems: list[str], hint: str = ""):
        self.problems = list(problems)
        self.hint = hint
        more = f" (and {len(problems) - 1} more below)" if len(problems) > 1 else ""
        super().__init__(problems[0].splitlines()[0] + more + "\n" + "\n".join(f"  {p}" for p in problems))

    def _render_traceback_(self) -> list[str]:
        red, bold, reset = "\x1b[31m", "\x1b[1m", "\x1b[0m"
        n = len(self.problems)
        lines = [f"{red}{bold}ParameterError{reset}: {n} problem{'s' if n > 1 else ''} with the parameters "
                 "(fix the parameters cell and run again)"]
        lines += [f"  {line}" for p in self.problems for line in p.splitlines()]
        if self.hint:
            lines += [""] + self.hint.splitlines()
        return lines


# ------------------------------------------------------------------ markers a field can carry


@dataclass(frozen=True)
class Statement:
    """The value names a statement (a ``source_id``) that reports each of ``needs``.

    ``'a|b'`` in needs means either metric. ``empty`` says what an empty value means (for
    the help comment); None means an empty value is not allowed.
    """

    needs: tuple[str, ...] = ()
    empty: str | None = None
    shares: bool = False  # needs one of the dataset's shares (dataset.yaml `shares`) instead of ``needs``

    def needs_in(self, claims) -> tuple[str, ...]:
        if not self.shares:
            return self.needs
        from .context import resolve

        return ("|".join(resolve(None, claims).shares) or "(no shares declared in dataset.yaml)",)


@dataclass(frozen=True)
class ValuesFrom:
    """Each item of a list is a value of this claims column (e.g. ``speaker``)."""

    column: str


@dataclass(frozen=True)
class IsoDate:
    """A YYYY-MM-DD date, or empty for no limit."""


def _is_date(text: str) -> bool:
    import datetime as dt

    try:
        return bool(_DATE.fullmatch(text)) and dt.date.fromisoformat(text) is not None
    except ValueError:
        return False


def _marker(field, kind):
    return next((m for m in field.metadata if isinstance(m, kind)), None)


# ------------------------------------------------------------------ the base model


class NotebookParams(BaseModel):
    """Parameters every notebook has. Subclasses add their own fields and name their notebook.

    Field order in the parameters cell: the subclass's own fields first, then these.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)
    notebook: ClassVar[str] = ""
    key_fields: ClassVar[tuple[str, ...]] = ()  # shown first, without name=, in the output folder name
    registry: ClassVar[dict[str, type[NotebookParams]]] = {}

    data_dir: str = Field("", description="folder holding metrics.csv, sources.csv, claims.csv; empty means the "
                                          "data/ folder of this package")
    output_dir: str = Field("", description="folder the charts are saved to, created if missing; empty means "
                                            "output/<notebook>/<parameters>/ under notebooks/")
    formats: list[Literal[FORMATS]] = Field(["png", "svg", "pdf"], min_length=1,
                                                        description="file formats to save: any of png, svg, pdf")
    dpi: int = Field(150, ge=50, le=600, description="resolution of the PNG, 50-600")
    theme: Literal[THEMES] = Field(
        "paper", description="seaborn context for text size: paper, notebook, talk or poster")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "notebook" in cls.__dict__ and cls.notebook:  # declared here, not inherited
            NotebookParams.registry[cls.notebook] = cls

    # ---------------------------------------------------------- declaration -> parameters cell

    @classmethod
    def cell_order(cls) -> list[str]:
        own = [n for n in cls.model_fields if n not in NotebookParams.model_fields]
        return own + list(NotebookParams.model_fields)

    @classmethod
    def parameters_cell(cls) -> str:
        """The source of the notebook's ``parameters`` cell: ``name: type = default  # help`` lines,
        the defaults written as papermill writes the values it injects."""
        from papermill.translators import PythonTranslator

        lines = []
        for name in cls.cell_order():
            f = cls.model_fields[name]
            default = f.get_default(call_default_factory=True)
            lines.append(f"{name}: {type_name(f.annotation)} = {PythonTranslator.translate(default)}  # {f.description}")
        return "\n".join(lines)

    # ---------------------------------------------------------- checking

    @classmethod
    def problems(cls, values: dict[str, Any], base_dir: Path | None = None) -> tuple[list[str], Any]:
        """Every problem with ``values`` (types, ranges, choices, then the data), and the data loaded.

        ``base_dir`` is what a relative ``data_dir`` is relative to (the kernel's working folder).
        """
        try:
            model = cls.model_validate(values)
        except ValidationError as e:
            return [pydantic_problem(cls, err, values) for err in e.errors(include_url=False)], None
        problems = model.value_problems()
        if problems:
            return problems, None
        return model._data_problems(base_dir)

    def value_problems(self) -> list[str]:
        """Checks of values that types cannot express (dates; subclasses add cross-field rules)."""
        out = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if _marker(field, IsoDate) and value and not _is_date(value):
                out.append(f"{name}: {value!r} is not a date (allowed: YYYY-MM-DD, or empty for no limit)")
        return out

    def _data_problems(self, base_dir: Path | None) -> tuple[list[str], Any]:
        from .data import DataError

        path = None
        if self.data_dir:
            path = Path(self.data_dir)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            if not path.is_dir():
                return [f"data_dir: {self.data_dir!r} is not a folder (allowed: empty for the package's data/, "
                        "or a folder holding metrics.csv, sources.csv, claims.csv)"], None
        try:
            claims = load_cached(path)
        except DataError as e:
            return ["data_dir: the data does not validate:\n" + "\n".join(e.problems)], None
        problems = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if (st := _marker(field, Statement)) and (value or st.empty is None):
                problems += _statement_problems(name, value, st.needs_in(claims), st.empty, claims)
            elif (vf := _marker(field, ValuesFrom)) and value:
                allowed = sorted(set(claims[vf.column].dropna().astype(str)) - {""})
                problems += [f"{name}: unknown value {v!r} ({did_you_mean(v, allowed)}allowed: {allowed_list(allowed)})"
                             for v in value if v not in allowed]
        return problems, claims

    @classmethod
    def from_namespace(cls, namespace: dict) -> Resolved:
        """For the notebook's validation cell: ``p = Model.from_namespace(globals())``.

        Raises ParameterError listing every problem; otherwise returns the values, the claims
        (loaded once per kernel while the files are unchanged) and the output folder.
        """
        import pandas as pd

        pd.set_option("display.max_colwidth", None)  # tables show whole explanations, formulas and urls
        pd.set_option("display.max_rows", 500)  # and every row
        values = {name: namespace[name] for name in cls.model_fields if name in namespace}
        problems = [f"{name}: missing (the parameters cell must define it)"
                    for name in cls.model_fields if name not in namespace]
        problems += [unknown_parameter(name, cls.cell_order())
                     for name in assigned_names(namespace.get("In"), cls.model_fields, PAPERMILL_HEADER) if name not in cls.model_fields]
        found, claims = cls.problems(values)
        problems += found
        if problems:
            raise ParameterError(problems, hint=cls._hint(problems, claims, values.get("data_dir")))
        return Resolved(cls.model_validate(values), claims)

    @classmethod
    def statement_field(cls) -> tuple[str, Statement] | None:
        """The field naming the statement the notebook charts (or circles), with what it needs."""
        return next(((n, st) for n, f in cls.model_fields.items() if (st := _marker(f, Statement))), None)

    @classmethod
    def _hint(cls, problems: list[str], claims, data_dir: Any = "") -> str:
        """For a bad statement: the latest statements that would do, from the notebook's own data."""
        field = cls.statement_field()
        if field is None or not any(p.startswith(f"{field[0]}:") for p in problems):
            return ""
        name, st = field
        if claims is None:
            try:
                claims = load_cached(Path(data_dir) if isinstance(data_dir, str) and data_dir else None)
            except Exception:  # noqa: BLE001 - a hint must never hide the real problem
                return ""
        table = choices(claims, st.needs_in(claims))
        head = table.head(12).to_string(index=False, max_colwidth=40)
        return (f"{len(table)} statements have what {name} needs; the latest {min(12, len(table))}:\n"
                f"{head}\nAll of them: p.choices() after a good run, or analysis.choices.choices(claims, needs).")


class Resolved:
    """A notebook's checked parameters with what they resolve to: each parameter as an attribute
    (``p.source_id``: an empty statement resolved to the dataset's default), ``p.claims``,
    ``p.context`` (the dataset's descriptor), ``p.output_dir`` (a Path), ``p.data_dir`` (a Path,
    or None for the package's data/)."""

    def __init__(self, params: NotebookParams, claims):
        from .context import resolve

        values = params.model_dump()
        self.__dict__.update(values)  # the parameters first: the attributes below are not parameters
        self.params, self.claims, self.values = params, claims, values
        self.context = resolve(None, claims)  # the descriptor of the folder the claims came from
        self.data_dir = Path(params.data_dir) if params.data_dir else None
        field = type(params).statement_field()
        if field is not None and field[1].empty == DEFAULT_STATEMENT and not values[field[0]]:
            values[field[0]] = default_statement(claims, field[1].needs_in(claims), self.context.default_statement)
            setattr(self, field[0], values[field[0]])
        self.output_dir = Path(params.output_dir) if params.output_dir else output_folder(params, values)

    def about(self):
        """A line for the notebook: which dataset, and its reference date."""
        from IPython.display import Markdown

        ctx = self.context
        folder = str(self.data_dir) if self.data_dir else "data/"
        ref = f"; running totals count from {ctx.reference.label}" if ctx.reference else ""
        return Markdown(f"**Data:** {ctx.title} (`{folder}`){ref}.")

    def choices(self, limit: int | None = None):
        """The statements this notebook can chart (those with what its statement field needs),
        latest first, the chosen one marked; ``limit`` keeps the latest few and the chosen one."""
        field = type(self.params).statement_field()
        if field is None:
            raise ParameterError([f"{type(self.params).__name__} has no statement parameter to choose "
                                  "(allowed: p.choices() in notebooks 01, 02, 03 and 05)"])
        name, st = field
        table = choices(self.claims, st.needs_in(self.claims), chosen=self.values[name])
        if limit is not None:
            table = table[(table.index < limit) | (table.chosen != "")]
        return table


def output_folder(params: NotebookParams, values: dict[str, Any]) -> Path:
    """``notebooks/output/<notebook>/<parameters>/``: one folder per set of parameters, so exploring
    never overwrites an earlier run's charts. Named by the key fields and whatever differs from the
    defaults (output_dir and formats excepted); a name that is long, or that had to change a value
    to be a folder name ("Hikmet Hajiyev", "../data"), ends in a hash of the values as given."""
    cls = type(params)
    parts, given = [], []
    for name in cls.cell_order():
        value = values[name]
        if name in ("output_dir", "formats") or (name not in cls.key_fields and value == cls.model_fields[name].default):
            continue
        items = value if isinstance(value, list) else [value]
        text = "+".join(map(str, items))
        parts.append(text if name in cls.key_fields else f"{name}={text}")
        given.append((name, value))
    slug = re.sub(r"[^A-Za-z0-9._=+-]+", "-", "_".join(parts)).strip("-_.") or "defaults"
    faithful = all(re.fullmatch(r"[A-Za-z0-9.=-]+", str(item)) for _, v in given
                   for item in (v if isinstance(v, list) else [v]))
    if len(slug) > 80 or not faithful:
        slug = slug[:70].rstrip("-_.") + "-" + hashlib.sha256(repr(given).encode()).hexdigest()[:8]
    return config.OUTPUT_DIR / (cls.notebook or "notebook") / slug


def _statement_problems(name: str, value: str, needs: tuple[str, ...], empty: str | None, claims) -> list[str]:
    ids = sorted(claims.source_id.unique())
    n = len(choices(claims, needs))
    allowed = f"allowed: a source_id of one of the {n} statements that have what this notebook charts"
    if empty is not None:
        allowed += f", or empty for {empty}"
    if value not in ids:
        return [f"{name}: unknown statement {value!r} ({did_you_mean(value, ids, n=3, cutoff=0.75)}{allowed})"]
    have = set(claims.loc[claims.source_id == value, "metric"].astype(str))
    missing = [need for need in needs if not (set(need.split("|")) & have)]
    if missing:
        return [f"{name}: statement {value!r} reports none of {', '.join(m.replace('|', ' or ') for m in missing)} "
                f"(it reports: {', '.join(sorted(have))}; {allowed})"]
    return []



def write_parameters_cells() -> list[Path]:
    """Rewrite the ``parameters`` cell of each notebook that has a model; returns the files changed."""
    import nbformat

    from . import notebook_params  # noqa: F401 - registers the models

    changed = []
    for stem, model in sorted(NotebookParams.registry.items()):
        path = config.NOTEBOOKS_DIR / f"{stem}.ipynb"
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        if cell.source != model.parameters_cell():
            cell.source = model.parameters_cell()
            nbformat.write(nb, path)
            changed.append(path)
    return changed


if __name__ == "__main__":
    from analysis.params import write_parameters_cells as write  # the registry lives in the imported module

    for path in write():
        print(f"rewrote the parameters cell of {path.name}")
