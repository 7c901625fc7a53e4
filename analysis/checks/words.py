"""How the checks word a finding: who said a figure, when, as what; and `_Rows`, the prepared claims
as plain records that build each finding."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..text import cap, fmt_day, fmt_value, fmt_window, lower_first, who

if TYPE_CHECKING:
    from ..context import Context

def _who(r) -> str:
    return who(str(r.speaker or ""), str(r.speaker_role or ""), str(r.affiliation or ""),
               str(r.publisher or ""), str(r.collected_by or ""))


def _when(r) -> str:
    stated = fmt_window(r.date_earliest, r.date_latest)
    if pd.notna(r.period_end):
        return f"as of {fmt_day(r.period_end)}, stated {stated}"
    return stated


def _value(r, with_qualifier: bool = True) -> str:
    return fmt_value(r.value, str(r.qualifier) if with_qualifier else "exact", str(r.unit))


def _said(r) -> str:
    return f"{_value(r)} ({_who(r)}, {_when(r)})"


def _period(r) -> str:
    if pd.isna(r.period_start):
        return "(no period start given)"
    return f"since {fmt_window(r.period_start, r.period_start_latest)}"  # 'since Nov 2020' for a start given as a month


class _Rows:
    """The prepared claims as plain records (one namedtuple per row), so that formatting a
    finding costs microseconds, not a pandas lookup; texts are cached per row."""

    COLS = ("claim_id", "source_id", "metric", "group", "value", "qualifier", "qualifier_as_stated", "unit",
            "kind", "area", "collected_by", "period_start", "period_start_latest", "period_end", "speaker", "speaker_role",
            "affiliation", "publisher", "date_earliest", "date_latest", "w0", "w1", "lo", "hi", "period_label",
            "source_kind", "counter_kind", "relays_official")

    Claim = namedtuple("Claim", COLS)
    DATES = ("period_start", "period_start_latest", "period_end", "date_earliest", "date_latest")

    def __init__(self, p: pd.DataFrame, ctx: Context):
        self.ctx = ctx
        self.cols = {}
        for col in self.COLS:
            s = p[col] if col in p.columns else pd.Series("", index=p.index)
            if col in self.DATES:
                self.cols[col] = s.to_numpy(dtype="datetime64[ns]")
            elif col in ("value", "lo", "hi", "w0", "w1"):
                self.cols[col] = s.to_numpy()
            elif col == "relays_official":
                self.cols[col] = s.fillna(False).astype(bool).to_numpy()
            else:
                self.cols[col] = s.astype(object).where(s.notna(), "").to_numpy()
        self._rows: dict[int, tuple] = {}
        self._said: dict[int, str] = {}

    def __getitem__(self, i: int):
        row = self._rows.get(i)
        if row is None:
            vals = []
            for col in self.COLS:
                v = self.cols[col][i]
                if col in self.DATES:
                    v = pd.Timestamp(v) if not np.isnat(v) else pd.NaT
                elif col in ("w0", "w1"):
                    v = int(v)
                elif col in ("value", "lo", "hi"):
                    v = float(v)
                elif col == "relays_official":
                    v = bool(v)
                else:
                    v = str(v)
                vals.append(v)
            row = self._rows[i] = self.Claim(*vals)
        return row

    def metric_label(self, metric: str, group: str) -> str:
        """'killed, civilians': a metric and group inside a sentence (labels from the context)."""
        label = lower_first(self.ctx.metric_label(str(metric)))
        g = self.ctx.group_label(str(group))
        return f"{label}, {g}" if g else label

    def series_label(self, r, capital: bool = True) -> str:
        label = f"{self.metric_label(r.metric, r.group)} {_period(r)}"
        if r.collected_by:  # not an official statement: say where (who counted is said with each figure)
            label += f" in {r.area}"
        return cap(label) if capital else label

    def said(self, i: int) -> str:
        if i not in self._said:
            self._said[i] = _said(self[i])
        return self._said[i]

    def order(self, ids) -> list[int]:
        """Row ids in date order of their figures (window start, end), then claim id."""
        return sorted({int(i) for i in ids}, key=lambda i: (self[i].w0, self[i].w1, self[i].claim_id))

    def finding(self, kind: str, severity: str, ids, explanation: str, whole: int | None = None,
                ordered: bool = False) -> dict:
        """One finding from the row ids involved; `whole` (a row id) names metric, group and period."""
        ids = [int(i) for i in ids] if ordered else self.order(ids)
        rows = [self[i] for i in ids]
        w = rows[0] if whole is None else self[whole]
        return {
            "kind": kind,
            "severity": severity,
            "metric": w.metric,
            "group": w.group,
            "period_start": w.period_start,
            "first_date": min(r.date_earliest for r in rows),
            "last_date": max(r.date_latest for r in rows),
            "claim_ids": tuple(r.claim_id for r in rows),
            "source_ids": tuple(dict.fromkeys(r.source_id for r in rows)),
            "explanation": explanation,
            "related": (),
        }



def _no_start(ra, rb) -> str:
    # with no start date, the two may count different periods ("since 1991" vs "to date")
    return (f" Neither gives a start date (their periods: '{ra.period_label}'; '{rb.period_label}'), "
            "so they may cover different periods.")


def _counted_by(r) -> str:
    """Which side a figure is on: official, relayed official, independent."""
    if r.source_kind in ("official_statement",) or (r.counter_kind == "official" and not r.relays_official):
        return "an official statement"
    if r.relays_official:
        return f"an official count relayed by {r.publisher}" if r.publisher else "an official count relayed by others"
    if r.counter_kind == "independent":
        return "an independent count"
    return f"a count by {r.counter_kind.replace('_', ' ')}"

