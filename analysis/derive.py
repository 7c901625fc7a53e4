"""Values the project computes from reported ones, never stored, always flagged.

Each derived row has the columns of a claim plus ``derived=True``, the ``formula`` it came
from (with the numbers put in) and ``inputs`` (the claim ids it used). Reported rows come
back with ``derived=False`` and an empty formula, so a chart can draw both from one frame.
"""

from __future__ import annotations

import pandas as pd

from .vocab import QUALIFIER_WORDS

# share metric -> (label of the reported part, label of the derived rest)
SHARE_PARTS = {
    "map_accuracy_pct": ("accurate", "not accurate"),
    "explosions_outside_maps_pct": ("outside the mapped areas", "inside the mapped areas"),
    "explosions_outside_former_contact_line_pct": ("away from the former contact line", "on the former contact line"),
}


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _bounded(q: str, v: float) -> str:
    word = QUALIFIER_WORDS[q]
    return f"{word} {_num(v)}".strip()


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


def derive(claims: pd.DataFrame) -> pd.DataFrame:
    """Reported rows plus the values derived from them, per source and period.

    - complement of a share: rest = 100 - share (e.g. 75% = 100% - the reported 25%);
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
    out["part"] = ""
    for metric, (reported, _rest) in SHARE_PARTS.items():
        out.loc[out.metric == metric, "part"] = reported
    new: list[dict] = []
    keys = ["source_id", "period_start", "period_end"]
    for _, g in claims.groupby(keys, dropna=False, sort=False, observed=True):
        counts = g.groupby([g.metric.astype(str), g.group.astype(str)]).size()
        by = {(str(r.metric), str(r.group)): r for _, r in g.iterrows() if counts[(str(r.metric), str(r.group))] == 1}
        stated = set(counts.index)
        # every stated share has a rest, even when a statement gives the share twice
        for _, r in g[g.metric.astype(str).isin(list(SHARE_PARTS)) & (g.group.astype(str) == "none")].iterrows():
            rest = SHARE_PARTS[str(r.metric)][1]
            q = _difference_qualifier("exact", str(r.qualifier))  # 100% is exact
            new.append(_row(r, claim_id=f"{r.claim_id}~rest", value=100 - r.value, qualifier=q,
                            qualifier_as_stated="", part=rest,
                            formula=f"100% - {_bounded(str(r.qualifier), r.value)}% = {_bounded(q, 100 - r.value)}%",
                            inputs=(r.claim_id,)))
        whole, killed = by.get(("casualties", "all")), by.get(("killed", "all"))
        if whole is not None and killed is not None and ("injured", "all") not in stated:
            q = _difference_qualifier(str(whole.qualifier), str(killed.qualifier))
            v = whole.value - killed.value
            new.append(_row(whole, claim_id=f"{whole.claim_id}~injured", metric="injured", value=v, qualifier=q,
                            qualifier_as_stated="", part="",
                            formula=f"injured = killed or injured ({_bounded(str(whole.qualifier), whole.value)}) "
                                    f"- killed ({_bounded(str(killed.qualifier), killed.value)}) = {_bounded(q, v)}",
                            inputs=(whole.claim_id, killed.claim_id)))
        civ = by.get(("killed", "civilian"))
        if killed is not None and civ is not None and ("killed", "military") not in stated:
            q = _difference_qualifier(str(killed.qualifier), str(civ.qualifier))
            v = killed.value - civ.value
            new.append(_row(killed, claim_id=f"{killed.claim_id}~others", group="other", value=v, qualifier=q,
                            qualifier_as_stated="", part="",
                            formula=f"others killed = killed ({_bounded(str(killed.qualifier), killed.value)}) "
                                    f"- civilians killed ({_bounded(str(civ.qualifier), civ.value)}) = {_bounded(q, v)}",
                            inputs=(killed.claim_id, civ.claim_id)))
    if not new:
        return out.reset_index(drop=True)
    added = pd.DataFrame(new)
    for col in ("metric", "group", "qualifier"):
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            cats = list(out[col].cat.categories)
            extra = [v for v in added[col].unique() if v not in cats]
            dtype = pd.CategoricalDtype(cats + extra, ordered=out[col].cat.ordered)
            out[col] = out[col].astype(dtype)
            added[col] = added[col].astype(dtype)
    return pd.concat([out, added], ignore_index=True)
