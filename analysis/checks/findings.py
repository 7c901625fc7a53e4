"""The findings frame: kinds, columns, related findings, order; the table a notebook shows."""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from ..text import fmt_window
from ..vocab import FINDING_KINDS as KINDS
from ..vocab import FINDING_LABELS as KIND_LABELS

COLUMNS = (
    "kind",  # one of KINDS
    "severity",  # high | medium | low
    "metric",  # the metric the finding is about (for parts checks: the whole's metric)
    "group",  # the group (for parts checks: the whole's group)
    "period_start",  # the period start of the series (NaT: open start)
    "first_date",  # earliest date_earliest among the claims involved
    "last_date",  # latest date_latest among the claims involved
    "claim_ids",  # tuple of the claim ids involved: in date order of the figures (for parts: whole, then parts)
    "source_ids",  # tuple of their distinct source ids, in the same order
    "explanation",  # plain English, naming speakers, dates and numbers
    "related",  # tuple of (kind, claim_ids) of the findings this one is related to (see RELATED)
)


def _relate(found: list[dict]) -> None:
    """Fill ``related`` both ways: a finding that declares ``_rel`` (kinds, two claim ids) is related
    to every finding of those kinds that names both claims. Findings are indexed by their pairs of
    claim ids (only the kinds asked for, and only findings of up to 12 claims), so this is linear
    in the number of findings."""
    wanted = {k for f in found for kinds, _ in f.get("_rel", ()) for k in kinds}
    if not wanted:
        for f in found:
            f.pop("_rel", None)
        return
    by_pair: dict[tuple[str, str], list[int]] = {}
    for n, f in enumerate(found):
        ids = f["claim_ids"]
        if f["kind"] in wanted and len(ids) <= 12:
            for a, b in combinations(sorted(set(ids)), 2):
                by_pair.setdefault((a, b), []).append(n)
    links: dict[int, dict[int, None]] = {}
    for n, f in enumerate(found):
        for kinds, pair in f.pop("_rel", ()):
            for m in by_pair.get(tuple(sorted(pair)), ()):
                if found[m]["kind"] in kinds and m != n:
                    links.setdefault(n, {})[m] = None
                    links.setdefault(m, {})[n] = None
    for n, ms in links.items():
        found[n]["related"] = tuple((found[m]["kind"], found[m]["claim_ids"]) for m in ms)


def _frame(found: list[dict]) -> pd.DataFrame:
    """The findings as a frame (columns `COLUMNS`), ``related`` filled in, sorted by kind (order of
    `KINDS`), first date, then claim ids."""
    _relate(found)
    out = pd.DataFrame(found, columns=list(COLUMNS))
    for col in ("period_start", "first_date", "last_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    rank = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = (out.assign(_rank=rank).sort_values(["_rank", "first_date", "claim_ids"], kind="stable")
           .drop(columns="_rank").reset_index(drop=True))
    return out


def related_text(related) -> str:
    """'two figures in one statement (a, b)'; several joined by '; '."""
    return "; ".join(f"{KIND_LABELS.get(k, k)} ({', '.join(ids)})" for k, ids in related)


def findings_table(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings ready to show: readable kind, dates as text, claim ids joined, no tuples."""
    t = pd.DataFrame({
        "kind": findings["kind"].map(KIND_LABELS).fillna(findings["kind"]),
        "severity": findings["severity"],
        "metric": findings["metric"],
        "group": findings["group"],
        "dates": [fmt_window(a, b) for a, b in zip(findings["first_date"], findings["last_date"], strict=True)],
        "claims": [", ".join(ids) for ids in findings["claim_ids"]],
        "explanation": findings["explanation"],
        "related": [related_text(r) for r in findings["related"]],
    })
    return t.reset_index(drop=True)
