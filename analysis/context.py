"""The dataset descriptor: what is true of a dataset, not of the code (``dataset.yaml`` beside the CSVs).

A data folder holds ``metrics.csv``, ``sources.csv``, ``claims.csv`` and, optionally,
``dataset.yaml``: the title and place, the reference date that "since the war"-style counts
start from, how to name the officials on a chart, the collectors and areas of the independent
view and their panel order, the default statement to chart, and the human labels of metrics
and groups. Every chart word that depends on the dataset comes from here (or from the rows);
`analysis/` itself names no country, war, date or speaker. data/README.md documents the keys.

`load_context(data_dir)` reads and checks the descriptor (cached on the file's path, size
and modification time) and returns a frozen `Context`; a folder without one gets the neutral
`Context()`, whose words name nothing ("officials"), and which has no reference date.
A problem is raised as `analysis.DataError`, one line each: ``file: key: what is wrong (allowed: ...)``.
`check_against(context, dataset)` adds the checks that need the CSVs (the default statement
exists, labelled metrics exist, ...); ``python -m analysis validate`` runs both.

pydantic is imported only here, and this module only when a descriptor is needed, so
``import analysis`` and `analysis.load_claims` stay light.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import config
from .data import DataError
from .text import did_you_mean, fmt_day

FILE_NAME = "dataset.yaml"
# A colour is named from the Okabe-Ito palette (analysis.framing.OKABE_ITO), which stays colour-blind safe.
ColourName = Literal["orange", "sky", "green", "yellow", "blue", "vermillion", "purple", "grey", "black"]

# Labels of the metric ids the code itself knows (casualty charts, derived values, consistency
# checks) and of the group vocabulary (analysis.vocab.GROUPS, plus the derived "other"). A
# descriptor may relabel any of them; other metrics are labelled in the descriptor.
CORE_METRIC_LABELS = {
    "casualties": "Killed or injured",
    "killed": "Killed",
    "injured": "Injured",
    "unknown_outcome": "Casualties with outcome unknown",
}
CORE_GROUP_LABELS = {
    "all": "", "civilian": "civilians", "military": "military", "child": "children", "woman": "women",
    "journalist": "journalists", "deminer": "deminers", "unspecified": "group not stated",
    "other": "others (not civilian)", "none": "",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Model):
    """The date most running totals start from, and how a chart names it."""

    start: _dt.date  # the first day counted, e.g. 2020-11-10
    name: str = Field(min_length=1)  # what happened that day, e.g. 'ceasefire'
    event: str = Field(min_length=1)  # what the counts are 'since' in a title, e.g. 'the 2020 war'

    @property
    def day(self) -> str:
        """'10 Nov 2020'."""
        return fmt_day(self.start)

    @property
    def label(self) -> str:
        """'the ceasefire of 10 Nov 2020'."""
        return f"the {self.name} of {self.day}"


class Officials(_Model):
    """Who counts as official (sources of kind official_statement) and how a chart names them."""

    label: str = Field("officials", min_length=1)  # e.g. 'Azerbaijani officials'
    panels: tuple[str, ...] = ()  # panels whose areas the official counts are about


class Collector(_Model):
    """One collector of the independent view: the collected_by spellings that are the same count."""

    label: str = Field(min_length=1)
    spellings: tuple[str, ...] = Field(min_length=1)
    colour: ColourName | None = None
    default: bool = True  # drawn unless the caller names the collectors
    description: str = ""  # what this collector counts, for a reader (notebook 04 lists it)


class Panel(_Model):
    """One panel of the independent view: the areas drawn in it (a panel only groups lines)."""

    name: str = Field(min_length=1)
    title: str | None = None
    areas: tuple[str, ...] = ()  # exact area values (case-insensitive)
    area_prefixes: tuple[str, ...] = ()  # areas that start with one of these (case-insensitive)
    height: float = Field(1.9, gt=0, le=10)  # inches of the panel at the 'paper' text size


class Share(_Model):
    """A percent metric that is a share of a whole: the rest (100% minus it) is derived."""

    question: str = Field(min_length=1)  # what the bar is about, e.g. 'Recent mine explosions'
    part: str = Field(min_length=1)  # the stated part, e.g. 'outside the mapped areas'
    rest: str = Field(min_length=1)  # the derived rest, e.g. 'inside the mapped areas'


class Context(_Model):
    """Everything a chart needs to know about its dataset. ``Context()`` names nothing."""

    title: str = "Reported landmine figures"
    place: str = ""
    reference: Reference | None = None
    officials: Officials = Officials()
    default_statement: str | None = None
    collectors: tuple[Collector, ...] = ()
    panels: tuple[Panel, ...] = ()
    area_labels: dict[str, str] = {}
    metrics: dict[str, str] = {}
    groups: dict[str, str] = {}
    shares_title: str = "Shares as the speaker stated them"
    shares: dict[str, Share] = {}
    stale_metrics: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Context:
        labels = [c.label for c in self.collectors]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"collector label(s) {', '.join(dupes)} given twice (each collector once)")
        seen: dict[str, str] = {}
        for c in self.collectors:
            for s in c.spellings:
                if s in seen and seen[s] != c.label:
                    raise ValueError(f"spelling {s!r} is in two collectors ({seen[s]}, {c.label}; allowed: one)")
                seen[s] = c.label
        names = [p.name for p in self.panels]
        dupes = sorted({x for x in names if names.count(x) > 1})
        if dupes:
            raise ValueError(f"panel name(s) {', '.join(dupes)} given twice (each panel once)")
        unknown = [p for p in self.officials.panels if p not in names]
        if unknown:
            raise ValueError(f"officials.panels: unknown panel(s) {', '.join(unknown)} (allowed: {', '.join(names) or 'none defined'})")
        return self

    # ------------------------------------------------------------ labels

    def metric_label(self, metric: str) -> str:
        """'Killed or injured', 'Map accuracy'; an unlabelled id reads as words ('mines estimated')."""
        metric = str(metric)
        if metric in self.metrics:
            return self.metrics[metric]
        if metric in CORE_METRIC_LABELS:
            return CORE_METRIC_LABELS[metric]
        return metric.removesuffix("_pct").replace("_", " ")

    def group_label(self, group: str) -> str:
        """'civilians'; '' for all (and for numbers not about people)."""
        group = str(group)
        return self.groups.get(group, CORE_GROUP_LABELS.get(group, group))

    # ------------------------------------------------------------ the independent view

    @property
    def default_collectors(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.collectors if c.default)

    def series_label(self, collected_by: str) -> str:
        """The collector a ``collected_by`` spelling belongs to (itself when no collector lists it)."""
        return _spellings(self.collectors).get(collected_by, collected_by)

    def collector_colour(self, label: str) -> str | None:
        for c in self.collectors:
            if c.label == label:
                return c.colour
        return None

    def collector_rank(self, label: str) -> int:
        """Position in the descriptor (drawing and table order); unknown collectors after all."""
        order = [c.label for c in self.collectors]
        return order.index(label) if label in order else len(order)

    def panel_of(self, area: str) -> str:
        """The panel an area is drawn in (the first panel that claims it), or the area itself."""
        a = area.strip().lower()
        for p in self.panels:
            if a in (x.lower() for x in p.areas) or a.startswith(tuple(x.lower() for x in p.area_prefixes)):
                return p.name
        return area

    def panel_rank(self, panel: str) -> int:
        names = [p.name for p in self.panels]
        return names.index(panel) if panel in names else len(names)

    def panel(self, name: str) -> Panel:
        """The panel called ``name`` (an undeclared one: titled by its name, default height)."""
        for p in self.panels:
            if p.name == name:
                return p
        return Panel(name=name)

    def area_label(self, area: str) -> str:
        """How an area is written on a chart (the data keeps the source's words)."""
        return self.area_labels.get(area, area)

    # ------------------------------------------------------------ the reference period

    def reference_start(self, claims=None) -> _dt.date:
        """The reference date, or a DataError naming the period starts the data has."""
        if self.reference is not None:
            return self.reference.start
        found = ""
        if claims is not None and "period_start" in claims:
            counts = claims.period_start.dropna().value_counts().head(5)
            found = "; period starts in the data: " + ", ".join(
                f"{d:%Y-%m-%d} ({n} claims)" for d, n in counts.items()) if len(counts) else ""
        raise DataError([f"{FILE_NAME}: reference: no reference date for this dataset (pass period_start=, or "
                         f"add 'reference: {{start: YYYY-MM-DD, name: ..., event: ...}}' to {FILE_NAME}{found})"])

    def since(self, start=None) -> str:
        """'since 10 Nov 2020' for the reference date (or for ``start``)."""
        day = fmt_day(start) if start is not None else (self.reference.day if self.reference else "the reference date")
        return f"since {day}"


@lru_cache(maxsize=64)
def _spellings(collectors: tuple[Collector, ...]) -> dict[str, str]:
    return {s: c.label for c in collectors for s in c.spellings}


def _problem(path: Path, err: dict) -> str:
    loc = ".".join(str(x) for x in err["loc"]) or "(file)"
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        model = _model_at(err["loc"][:-1])
        allowed = list(model.model_fields) if model is not None else []
        hint = did_you_mean(key, allowed)
        return f"{path}: {loc}: unknown key ({hint + '; ' if hint else ''}allowed: {', '.join(allowed)})"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{path}: {loc}: {msg}"


_NESTED = {"reference": Reference, "officials": Officials, "collectors": Collector, "panels": Panel, "shares": Share}


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model a location points into (for the allowed keys of an unknown one)."""
    return Context if not loc else _NESTED.get(str(loc[0]))


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, with dates left as text for pydantic to check (YAML's own resolver
    raises a bare ValueError on 2020-13-40, with no key named)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_context(text: str, path: str | Path = FILE_NAME) -> Context:
    """A `Context` from the descriptor's text; DataError listing every problem."""
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader (see _Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise DataError([f"{path}{where}: (file): not valid YAML ({getattr(e, 'problem', e)})"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DataError([f"{path}: (file): expected a mapping of keys (allowed: {', '.join(Context.model_fields)})"])
    try:
        return Context.model_validate(raw)
    except ValidationError as e:
        raise DataError([_problem(Path(path), err) for err in e.errors()]) from None


@lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int) -> Context:
    return parse_context(Path(path).read_text(encoding="utf-8"), path)


def load_context(data_dir: str | Path | None = None) -> Context:
    """The descriptor of a data folder (default: the package's data/); `Context()` when it has none."""
    folder = Path(data_dir) if data_dir not in (None, "") else config.DATA_DIR
    path = folder / FILE_NAME
    if not path.is_file():
        return Context()
    st = path.stat()
    return _load(str(path), st.st_mtime_ns, st.st_size)


def check_against(context: Context, dataset, path: str | Path = FILE_NAME) -> list[str]:
    """Problems between the descriptor and the CSVs (a `analysis.Dataset`), one line each."""
    problems = []
    metrics = list(dataset.metrics.metric)
    sources = list(dataset.sources.source_id)
    if context.default_statement is not None and context.default_statement not in sources:
        hint = did_you_mean(context.default_statement, sources, cutoff=0.8)
        problems.append(f"{path}: default_statement: unknown source '{context.default_statement}' "
                        f"({hint + '; ' if hint else ''}allowed: a source_id of sources.csv)")
    units = dict(zip(dataset.metrics.metric, dataset.metrics.unit, strict=True))
    for key, names in (("metrics", context.metrics), ("shares", context.shares), ("stale_metrics", context.stale_metrics)):
        for m in names:
            if m not in units:
                hint = did_you_mean(m, metrics)
                problems.append(f"{path}: {key}.{m}: unknown metric ({hint + '; ' if hint else ''}allowed: a metric of metrics.csv)")
            elif key == "shares" and units[m] != "percent":
                problems.append(f"{path}: shares.{m}: unit is '{units[m]}' (allowed: a metric with unit percent)")
    return problems


NEUTRAL = Context()


def resolve(context: Context | None, *frames) -> Context:
    """``context`` when given; else the descriptor of the folder the first of ``frames`` was
    loaded from (`analysis.load_claims` records it in ``attrs["data_dir"]``, and the selections
    pass it on); else the neutral `Context()` (words that name no dataset)."""
    if context is not None:
        return context
    for frame in frames:
        folder = getattr(frame, "attrs", {}).get("data_dir")
        if folder:
            return load_context(folder)
    return NEUTRAL


def carry(source, target):
    """Give ``target`` the data folder ``source`` was loaded from (see `resolve`); returns ``target``."""
    folder = getattr(source, "attrs", {}).get("data_dir")
    if folder:
        target.attrs["data_dir"] = folder
    return target
