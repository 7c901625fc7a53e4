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

_CACHE: dict[Path | None, tuple[tuple, Any]] = {}


def _signature(path: Path | None) -> tuple:
    folder = path or config.DATA_DIR
    sig = []
    for p in sorted(folder.iterdir()):
        if p.is_file():
            st = p.stat()
            sig.append((p.name, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(sig)


def load_cached(path: Path | None):
    """``load_claims(path)``, kept per kernel while no file in the folder changed (name, size,
    mtime, inode). Returns a copy, so a notebook that edits its frame does not edit the cache."""
    from .data import load_claims

    key = path.resolve() if path is not None else None
    sig = _signature(path)
    hit = _CACHE.get(key)
    if hit is None or hit[0] != sig:
        hit = (sig, load_claims(path))
        _CACHE[key] = hit
    return hit[1].copy()


def _who(row) -> str:
    speaker = row.speaker if isinstance(row.speaker, str) else ""
    aff = row.affiliation if isinstance(row.affiliation, str) else ""
    if aff.startswith(speaker):
        speaker = ""
    return ", ".join(x for x in (speaker, aff) if x) or str(row.publisher)


def choices(claims, needs: tuple[str, ...] | type = (), chosen: str = "",
            official_first: bool = False):
    """The statements that report each of ``needs`` (``'a|b'`` = either), latest first: id, when
    (the date window), who said it, and which of the needed metrics it reports.

    ``needs`` may also be a notebook's parameter model, whose statement field says what it needs.
    """
    import pandas as pd

    from .text import fmt_window

    if isinstance(needs, type):  # a notebook's parameter model: what its statement field needs
        from .params import Statement, _marker

        needs = next(_marker(f, Statement).needs_in(claims) for f in needs.model_fields.values()
                     if _marker(f, Statement))
    wanted = {m for n in needs for m in n.split("|")}
    rows = claims[claims.metric.astype(str).isin(wanted)] if wanted else claims
    per = rows.groupby("source_id", observed=True)
    have = per.metric.agg(lambda s: set(s.astype(str)))
    keep = [sid for sid, h in have.items() if all(set(n.split("|")) & h for n in needs)]
    first = per.first().loc[keep]
    table = pd.DataFrame({
        "source_id": keep,
        "when": [fmt_window(r.date_earliest, r.date_latest) for r in first.itertuples()],
        "who": [_who(r) for r in first.itertuples()],
        "metrics": [", ".join(sorted(have[s])) for s in keep],
        "_official": list(first.source_kind.astype(str) == "official_statement"),
        "_sort": list(first.date_earliest + (first.date_latest - first.date_earliest) / 2),
    })
    table = table.sort_values((["_official"] if official_first else []) + ["_sort", "source_id"],
                              ascending=([False] if official_first else []) + [False, True])
    table = table.drop(columns=["_sort", "_official"])
    if chosen:
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
