"""Values the project computes from reported ones, never stored, always flagged.

Each derived row has the columns of a claim plus ``derived=True``, the ``formula`` it came
from (with the numbers put in) and ``inputs`` (the claim ids it used). Reported rows come
back with ``derived=False`` and an empty formula, so a chart can draw both from one frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .text import fmt_value

if TYPE_CHECKING:
    from .context import Context


# subtracting a bounded number flips its bound: 100 - (more than 55) is less than 45
FLIPPED = {"exact": "exact", "more_than": "less_than", "less_than": "more_than", "at_least": "up_to",
           "up_to": "at_least", "nearly": "about", "about": "about"}


def _difference_qualifier(q_whole: str, q_part: str) -> str:
    """Qualifier of whole - part. Exact only when both are exact; a bounded whole minus an
    exact part keeps the whole's bound; an exact whole minus a bounded part takes the part's
    bound flipped (342 - more than 65 = less than 277); anything else is approximate."""
    if q_part == "exact":
        return q_whole  # e.g. nearly 400 - 70 = nearly 330
    if q_whole == "exact":
        return FLIPPED[q_part]
    return "about"


def _row(base: pd.Series, **changes) -> dict:
    row = base.to_dict()
    row.update(changes)
    row["derived"] = True
    return row


def _derived_rows(g: pd.DataFrame, shares: dict) -> list[dict]:
    """The values derived from one source's claims for one period (see `derive`)."""
    new: list[dict] = []
    counts = g.groupby([g.metric.astype(str), g.group.astype(str)]).size()
    by = {(str(r.metric), str(r.group)): r for _, r in g.iterrows() if counts[(str(r.metric), str(r.group))] == 1}
    stated = set(counts.index)
    # every stated share has a rest, even when a statement gives the share twice
    for _, r in g[g.metric.astype(str).isin(list(shares)) & (g.group.astype(str) == "none")].iterrows():
        rest = shares[str(r.metric)].rest
        q = _difference_qualifier("exact", str(r.qualifier))  # 100% is exact
        new.append(_row(r, claim_id=f"{r.claim_id}~rest", value=100 - r.value, qualifier=q,
                        qualifier_as_stated="", part=rest,
                        formula=f"100% - {fmt_value(r.value, str(r.qualifier))}% = {fmt_value(100 - r.value, q)}%",
                        inputs=(r.claim_id,)))
    whole, killed = by.get(("casualties", "all")), by.get(("killed", "all"))
    if whole is not None and killed is not None and ("injured", "all") not in stated:
        new.append(_difference(whole, killed, "injured", "injured = killed or injured", "killed", metric="injured"))
    civ = by.get(("killed", "civilian"))
    if killed is not None and civ is not None and ("killed", "military") not in stated:
        new.append(_difference(killed, civ, "others", "others killed = killed", "civilians killed", group="other"))
    return new


def _difference(whole: pd.Series, part: pd.Series, suffix: str, whole_words: str, part_words: str, **changes) -> dict:
    """The row of ``whole - part`` (id ``<whole's claim id>~<suffix>``), its formula in words:
    '<whole_words> (342) - <part_words> (65) = 277'."""
    q = _difference_qualifier(str(whole.qualifier), str(part.qualifier))
    v = whole.value - part.value
    return _row(whole, claim_id=f"{whole.claim_id}~{suffix}", **changes, value=v, qualifier=q,
                qualifier_as_stated="", part="",
                formula=f"{whole_words} ({fmt_value(whole.value, str(whole.qualifier))}) "
                        f"- {part_words} ({fmt_value(part.value, str(part.qualifier))}) = {fmt_value(v, q)}",
                inputs=(whole.claim_id, part.claim_id))


def derive(claims: pd.DataFrame, context: Context | None = None) -> pd.DataFrame:
    """Reported rows plus the values derived from them, per source and period.

    - complement of a share: rest = 100 - share (e.g. 75% = 100% - the reported 25%), for
      the share metrics of ``context`` (dataset.yaml ``shares``, which names both parts; by
      default the descriptor of the folder the claims were loaded from; none without one);
    - injured = casualties - killed, where the source reports both but not injured;
    - killed, others (not civilian) = killed (all) - killed (civilian).
    A value is derived only where the source did not report it itself, and never from a
    metric the source states twice with different values (which one would be arbitrary; the
    consistency checks report such conflicts).
    """
    out = claims.copy()
    out["derived"] = False
    out["formula"] = ""
    out["inputs"] = [(cid,) for cid in out.claim_id]
    from .context import carry, resolve

    out["part"] = ""
    shares = resolve(context, claims).shares
    for metric, share in shares.items():
        out.loc[out.metric == metric, "part"] = share.part
    new: list[dict] = []
    for _, g in claims.groupby(["source_id", "period_start", "period_end"], dropna=False, sort=False, observed=True):
        new += _derived_rows(g, shares)
    if not new:
        return carry(claims, out.reset_index(drop=True))
    added = pd.DataFrame(new)
    for col in ("metric", "group", "qualifier"):
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            cats = list(out[col].cat.categories)
            extra = [v for v in added[col].unique() if v not in cats]
            dtype = pd.CategoricalDtype(cats + extra, ordered=out[col].cat.ordered)
            out[col] = out[col].astype(dtype)
            added[col] = added[col].astype(dtype)
    return carry(claims, pd.concat([out, added], ignore_index=True))  # concat drops attrs: keep the data folder
