"""The parameters of each notebook, declared once.

Each class is the single declaration of one notebook's parameters: names, types, defaults,
allowed values, help. The notebook's ``parameters`` cell is written from it
(``python -m analysis.params``; a test checks they match), its validation cell calls
``Model.from_namespace(globals())``, and the report runner checks a run's parameters with the
same model before any kernel starts. Fields shared by every notebook are in
:class:`analysis.params.NotebookParams`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .params import DEFAULT_STATEMENT, IsoDate, NotebookParams, Statement, ValuesFrom

COUNT_METRICS = Literal["casualties", "killed", "injured"]
# a statement with casualty counts; empty = the dataset's default statement
WITH_COUNTS = Annotated[str, Statement(needs=("casualties|killed|injured",), empty=DEFAULT_STATEMENT)]


class CasualtyCounts(NotebookParams):
    notebook = "01-chart-casualty-counts"
    key_fields = ("source_id",)

    source_id: WITH_COUNTS = Field(
        "", description="statement to chart: a source_id with casualty counts (listed under the next cell); "
                        "empty means the dataset's default statement")


class MapAccuracy(NotebookParams):
    notebook = "02-chart-map-accuracy"
    key_fields = ("source_id",)

    source_id: Annotated[str, Statement(shares=True, empty=DEFAULT_STATEMENT)] = Field(
        "", description="statement to chart: a source_id with one of the dataset's shares (listed under the next "
                        "cell); empty means the dataset's default statement")


class StatementsOverTime(NotebookParams):
    notebook = "03-chart-statements-over-time"

    series: list[COUNT_METRICS] = Field(["casualties", "killed"], min_length=1,
                                        description="running totals to draw: any of casualties, killed, injured")
    period_start: Annotated[str, IsoDate()] = Field(
        "", description="the date the running totals count from, YYYY-MM-DD; empty means the dataset's reference "
                        "date (dataset.yaml)")
    speakers: Annotated[list[str], ValuesFrom("speaker")] = Field(
        [], description="speakers to include (as in sources.csv); empty means all")
    affiliations: Annotated[list[str], ValuesFrom("affiliation")] = Field(
        [], description="institutions to include (as in sources.csv); empty means all")
    start_date: Annotated[str, IsoDate()] = Field(
        "", description="earliest statement date to include, YYYY-MM-DD; empty means no limit")
    end_date: Annotated[str, IsoDate()] = Field(
        "", description="latest statement date to include, YYYY-MM-DD; empty means no limit")
    highlight: Annotated[str, Statement(empty="no highlight")] = Field(
        "", description="statement to circle on the chart: a source_id; empty means none")
    min_gap_days: int = Field(60, ge=1, le=3650, description="derive the implied rate only between statements "
                                                             "at least this many days apart, 1-3650")
    same_days: int = Field(7, ge=0, le=365, description="report statements this many days apart or closer that "
                                                        "give different counts, 0-365")
    stale_days: int = Field(365, ge=1, le=3650, description="report a share repeated unchanged for longer than "
                                                            "this many days, 1-3650")
    growth_pct: int = Field(25, ge=0, le=1000, description="... while the casualties since the reference date grew by "
                                                           "more than this percent, 0-1000")
    cross_kind: bool = Field(False, description="True to also set relayed official and independent running totals "
                                                "against the officials' (an independent count may differ by method)")

    def value_problems(self) -> list[str]:
        out = super().value_problems()
        if not out and self.start_date and self.end_date and self.start_date > self.end_date:
            out.append(f"start_date: {self.start_date} is after end_date {self.end_date} "
                       "(allowed: start_date on or before end_date)")
        return out

    def check_options(self) -> dict:
        """The options of `analysis.checks.find_inconsistencies` these parameters set, for the
        notebook's findings and the report's findings file alike (an empty period_start: the
        dataset's reference date)."""
        from .vocab import REFERENCE

        return {"same_days": self.same_days, "stale_days": self.stale_days, "growth": self.growth_pct / 100,
                "related": ("casualties", "all", self.period_start or REFERENCE), "cross_kind": self.cross_kind}


class IndependentCounts(NotebookParams):
    notebook = "04-compare-independent-counts"

    metric: COUNT_METRICS = Field("casualties", description="what to count: casualties (killed or injured), "
                                                            "killed, or injured")
    include_relayed: bool = Field(True, description="True to draw counts made by officials and relayed by others "
                                                    "(labelled as relayed); False for independent counts only")
    collectors: list[str] = Field([], description="who counted, as labelled in dataset.yaml or as in collected_by; "
                                                   "empty means the dataset's default collectors")
    areas: Annotated[list[str], ValuesFrom("area")] = Field([], description="areas to draw (as in claims.csv); "
                                                                            "empty means every area")
    period_start: Annotated[str, IsoDate()] = Field(
        "", description="the date the official running totals count from, YYYY-MM-DD; empty means the dataset's "
                        "reference date")
    start_year: int = Field(0, ge=0, le=2100, description="first calendar year of the yearly chart; 0 means the "
                                                          "first year with a figure")
    end_year: int = Field(0, ge=0, le=2100, description="last calendar year of the yearly chart, not before "
                                                        "start_year; 0 means the last year with a figure")

    def value_problems(self) -> list[str]:
        out = super().value_problems()
        for name in ("start_year", "end_year"):
            year = getattr(self, name)
            if 0 < year < 1900:
                out.append(f"{name}: {year} is out of range (allowed: 1900..2100, or 0 for the "
                           f"{'first' if name == 'start_year' else 'last'} year with a figure)")
        if self.start_year and self.end_year and self.start_year > self.end_year:
            out.append(f"start_year: {self.start_year} is after end_year {self.end_year} "
                       "(allowed: start_year on or before end_year)")
        return out

    def _data_problems(self, base_dir):
        problems, claims = super()._data_problems(base_dir)
        if claims is not None and self.collectors:
            from .context import resolve
            from .params import allowed_list, did_you_mean

            ctx = resolve(None, claims)
            allowed = [c.label for c in ctx.collectors]
            allowed += sorted(set(claims.collected_by.dropna().astype(str)) - {""} - set(allowed))
            problems += [f"collectors: unknown collector {c!r} ({did_you_mean(c, allowed)}allowed: "
                         f"{allowed_list(allowed)})" for c in self.collectors if c not in allowed]
        return problems, claims


class Explore(NotebookParams):
    notebook = "05-explore-statements"
    key_fields = ("source_id",)

    source_id: WITH_COUNTS = Field(
        "", description="statement to circle and chart on its own (the 'statement' control starts here); empty "
                        "means the dataset's default statement")
    metric: COUNT_METRICS = Field("casualties", description="running total to follow: casualties, killed or injured")
    period: Literal["both", "reference", "open"] = Field(
        "both", description="periods: reference (since the dataset's reference date), open (no start date), or both")
    speakers: Annotated[list[str], ValuesFrom("speaker")] = Field(
        [], description="speaker to start with (as in sources.csv; the first is used); empty means all")
    min_gap_days: int = Field(60, ge=1, le=3650, description="derive the implied rate only between statements "
                                                             "at least this many days apart, 1-3650")
