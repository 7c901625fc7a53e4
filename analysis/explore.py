"""The live explorer of notebook 05: ipywidgets controls that redraw a chart and the rows behind it.

Controls: the running total to follow (metric), which periods (since the dataset's reference
date, totals with no start date, or both), whose statements (speaker), and the statement to
circle and chart on its own. Every change redraws the timeline of the officials' statements
and lists the rows drawn, with speaker, date and url. Nothing is saved while exploring;
:meth:`Explorer.save` writes the charts of the notebook's parameters (into the folder named
from them) with the same ``save_figure`` as every other notebook.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from . import charts, timeline
from .data import statement
from .framing import SelectionError

PERIODS = {"both": "since the reference date, and totals with no start date",
           "reference": "since the reference date", "open": "totals with no start date"}
ALL = "(all speakers)"
NONE = "(none)"
ROW_COLUMNS = ["claim_id", "value", "qualifier", "metric", "period_label", "speaker", "affiliation", "date_earliest",
               "date_latest", "url"]


class Explorer:
    """The state and the drawing; the widgets (built on first use) only set the state."""

    def __init__(self, p):
        self.p = p
        self.metric = p.metric
        self.period = p.period
        self.speaker = p.speakers[0] if p.speakers else ""
        self.highlight = p.source_id
        self.fig = None
        self.meta = None
        self.rows = pd.DataFrame()
        self._updating = False  # True while the statement choices are replaced

    # ------------------------------------------------------------ the selection and the chart

    def series(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(since the reference date, no start date) rows of the current selection."""
        p = self.p
        speakers = [self.speaker] if self.speaker else []
        since = timeline.official_series(p.claims, [self.metric], speakers=speakers, context=p.context)
        open_start = timeline.official_series(p.claims, [self.metric], period_start=None, speakers=speakers,
                                              context=p.context)
        if self.period == "open":
            since = since.iloc[0:0]
        elif self.period == "reference":
            open_start = open_start.iloc[0:0]
        return since, open_start

    def draw(self):
        """Draw the timeline of the selection; keeps ``fig``, ``meta`` and ``rows`` (the rows drawn)."""
        since, open_start = self.series()
        rates = timeline.implied_rates(since, min_gap_days=self.p.min_gap_days)
        if self.fig is not None:
            plt.close(self.fig)
        self.fig, self.meta = timeline.casualties_timeline(since, open_start, rates, highlight=self.highlight,
                                                           theme=self.p.theme, context=self.p.context)
        drawn = pd.concat([since, open_start])
        self.rows = drawn[[c for c in ROW_COLUMNS if c in drawn.columns]].reset_index(drop=True)
        return self.fig, self.meta

    def save(self) -> list:
        """Save the charts of the notebook's parameters, whatever the controls show now (the output
        folder is named from the parameters): the timeline of their selection and the casualty
        counts of ``source_id``; show both."""
        from IPython.display import display

        p = self.p
        params = Explorer(p)  # the parameters' selection, not the controls'
        params.draw()
        saved = charts.save_figure(params.fig, params.meta, p.output_dir, p.formats, p.dpi)
        display(charts.show(params.fig, params.meta, p.output_dir))
        fig, meta = charts.casualty_counts(statement(p.claims, p.source_id), theme=p.theme, context=p.context)
        saved += charts.save_figure(fig, meta, p.output_dir, p.formats, p.dpi)
        display(charts.show(fig, meta, p.output_dir))
        return saved

    # ------------------------------------------------------------ the widgets

    def statements(self) -> list[str]:
        """The statements in the current selection, latest first (the choices of 'statement')."""
        since, open_start = self.series()
        rows = pd.concat([since, open_start]).sort_values(["date_latest", "source_id"], ascending=[False, True])
        return list(dict.fromkeys(rows.source_id.astype(str)))

    def widget(self):
        """The controls, the chart and the rows behind it, redrawn on every change."""
        import ipywidgets as w

        official = self.p.claims[self.p.claims.source_kind == "official_statement"]
        speakers = sorted(set(official.speaker.dropna().astype(str)) - {""})
        metrics = [m for m in ("casualties", "killed", "injured") if m in set(official.metric.astype(str))]
        self.controls = {
            "metric": w.Dropdown(options=[(self.p.context.metric_label(m), m) for m in metrics], value=self.metric,
                                 description="running total"),
            "period": w.Dropdown(options=[(label, key) for key, label in PERIODS.items()], value=self.period,
                                 description="period"),
            "speaker": w.Dropdown(options=[ALL, *speakers], value=self.speaker or ALL, description="speaker"),
            "statement": w.Dropdown(options=self._statement_options(), value=self.highlight or NONE,
                                    description="statement"),
        }
        for c in self.controls.values():
            c.style.description_width = "8em"
            c.layout.width = "36em"
            c.observe(self._changed, names="value")
        # the chart as an image widget and the rows as HTML: plain widget values, no Output widget
        # capturing display messages (an Output widget can block notebook execution under nbclient)
        self.chart_view = w.Image(format="png", layout=w.Layout(max_width="900px"))
        self.note_view, self.rows_view = w.HTML(), w.HTML()
        self._redraw()
        return w.VBox([*self.controls.values(), self.chart_view, self.note_view, self.rows_view])

    def _statement_options(self) -> list[str]:
        options = [NONE, *self.statements()]
        if self.highlight and self.highlight not in options:
            options.append(self.highlight)
        return options

    def _changed(self, change) -> None:
        if self._updating:
            return
        c = self.controls
        self.metric, self.period = c["metric"].value, c["period"].value
        self.speaker = "" if c["speaker"].value == ALL else c["speaker"].value
        self.highlight = "" if c["statement"].value == NONE else c["statement"].value
        if change["owner"] is not c["statement"]:  # the statements to choose from follow the selection
            options = [NONE, *self.statements()]
            self.highlight = self.highlight if self.highlight in options else ""
            self._updating = True
            try:
                c["statement"].options = options
                c["statement"].value = self.highlight or NONE
            finally:
                self._updating = False
        self._redraw()

    def _redraw(self) -> None:
        import html
        import io

        try:
            fig, meta = self.draw()
        except SelectionError as e:  # nothing to draw: say what the data has, show no stale chart or rows
            self.rows, self.meta = self.rows.iloc[0:0], None
            self.chart_view.value = b""
            self.note_view.value = f"<p>{html.escape(str(e))}</p>"
            self.rows_view.value = ""
            return
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        self.chart_view.value = buf.getvalue()
        self.note_view.value = f"<p>{html.escape(meta.source_line)}</p>"
        self.rows_view.value = self.rows.to_html(index=False)  # escapes the cells
