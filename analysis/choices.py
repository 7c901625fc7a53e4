"""What a notebook can chart: the statements that have what it needs, and the data behind them.

`choices` is the table each notebook shows under its validation cell (and that a bad statement
parameter's message quotes); `default_statement` is what an empty statement parameter means;
`load_cached` keeps the loaded claims per kernel while the files are unchanged, so a second
Run All does only the notebook's own work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import config

_CACHE: dict[Path | None, tuple[str, Any]] = {}


def load_cached(path: Path | None):
    """``load_claims(path)``, kept per kernel while the files of the folder are unchanged (their
    names and sha256, the same fingerprint the report runner uses: an edit that keeps size and
    mtime is still seen). Returns a copy, so a notebook that edits its frame does not edit the cache."""
    from .data import load_claims
    from .report.inputs import hash_tree

    folder = (path or config.DATA_DIR).resolve()
    key = repr(sorted(hash_tree(folder, "*").items()))
    hit = _CACHE.get(folder)
    if hit is None or hit[0] != key:
        hit = (key, load_claims(folder if path is not None else None))
        _CACHE[folder] = hit
    return hit[1].copy()


def choices(claims, needs: tuple[str, ...] = (), chosen: str = "", official_first: bool = False):
    """The statements that report each of ``needs`` (``'a|b'`` = either; a notebook's model says
    what it needs: ``Model.statement_field()[1].needs_in(claims)``), latest first: id, when (the
    date window), who said it, which of the needed metrics it reports, and ``chosen`` (◀ on
    ``chosen``)."""
    import pandas as pd

    from .text import fmt_window, speaker_and_office
    wanted = {m for n in needs for m in n.split("|")}
    rows = claims[claims.metric.astype(str).isin(wanted)] if wanted else claims
    per = rows.groupby("source_id", observed=True)
    have = per.metric.agg(lambda s: set(s.astype(str)))
    keep = [sid for sid, h in have.items() if all(set(n.split("|")) & h for n in needs)]
    first = per.first().loc[keep]
    table = pd.DataFrame({
        "source_id": keep,
        "when": [fmt_window(r.date_earliest, r.date_latest) for r in first.itertuples()],
        "who": [speaker_and_office(r.speaker if isinstance(r.speaker, str) else "",
                                   r.affiliation if isinstance(r.affiliation, str) else "") or str(r.publisher)
                for r in first.itertuples()],
        "metrics": [", ".join(sorted(have[s])) for s in keep],
        "_official": list(first.source_kind.astype(str) == "official_statement"),
        "_sort": list(first.date_earliest + (first.date_latest - first.date_earliest) / 2),
    })
    table = table.sort_values((["_official"] if official_first else []) + ["_sort", "source_id"],
                              ascending=([False] if official_first else []) + [False, True])
    table = table.drop(columns=["_sort", "_official"])
    table.insert(0, "chosen", (table.source_id == chosen).map({True: "◀", False: ""}))
    return table.reset_index(drop=True)


DEFAULT_STATEMENT = "the dataset's default statement"


def default_statement(claims, needs: tuple[str, ...], declared: str | None = None) -> str:
    """The statement a notebook charts when none is given: the dataset's ``default_statement``
    (dataset.yaml) when it has what the notebook needs, else the latest official one that has."""
    table = choices(claims, needs, official_first=True)
    if declared and declared in set(table.source_id):
        return declared
    if table.empty:
        from .params import ParameterError

        raise ParameterError([f"no statement in the data reports {' and '.join(n.replace('|', ' or ') for n in needs)}"
                              " (allowed: a data folder with at least one such statement)"])
    return str(table.source_id.iloc[0])
