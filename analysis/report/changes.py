"""What changed since the previous report: the findings file the runner keeps beside the manifest,
and the section ``index.html`` opens with.

``findings.json`` holds, for the run marked ``findings: true`` in the run list, a snapshot of its
data and of the consistency findings on it (`analysis.checks.find_inconsistencies` with the
run's check parameters): every statement (who, when), every figure (what, value), every finding
(kind, severity, claim ids, explanation). Beside the snapshot it keeps ``changes``: how this
snapshot differs from the one of the previous report, and which data files changed (from the
previous manifest), and ``compared_with``: the report it was compared with (the sha256 of that
report's findings file and the run's data checksums in its manifest). A rerun whose snapshot
equals the previous one keeps the previous ``changes`` as they are, so regenerating the same
report gives the same bytes; so the section is titled as the changes at the last change of the
data or the findings, naming the report they were compared with. A report whose data or
findings differ compares itself with the previous snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .core import Run, display_path, dumps, read_text
from .inputs import data_dir_of

FINDINGS = "findings.json"
FORMAT = 1
def check_options(parameters: dict[str, Any]) -> dict[str, Any]:
    """find_inconsistencies' options from a run's parameters, as the statements notebook passes
    them (`StatementsOverTime.check_options`; parameters the run does not set take its defaults)."""
    from ..notebook_params import StatementsOverTime

    fields = StatementsOverTime.model_fields
    return StatementsOverTime.model_construct(**{k: v for k, v in parameters.items() if k in fields}).check_options()


DATA_CELLS = ("metric", "value", "qualifier", "group", "area", "period_start", "period_start_latest", "period_end",
              "unit")


def snapshot(run: Run) -> dict[str, Any]:
    """The run's statements, figures and findings, in words (no numbers computed here)."""
    import pandas as pd

    from .. import checks, load_claims, load_context
    from ..checks.words import _value, _who
    from ..text import fmt_window

    data_dir = data_dir_of(run)
    claims = load_claims(data_dir)
    ctx = load_context(data_dir)
    found = checks.find_inconsistencies(claims, context=ctx, **check_options(run.parameters))
    statements, figures = {}, {}
    for r in claims.sort_values("claim_id").itertuples(index=False):
        if r.source_id not in statements:
            statements[r.source_id] = {
                "who": _who(r),
                "when": fmt_window(r.date_earliest, r.date_latest),
            }
        label = ctx.metric_label(str(r.metric))
        group = ctx.group_label(str(r.group))
        period = r.period_label or ""
        if pd.notna(r.period_start):
            period = f"{period}, from {fmt_window(r.period_start, r.period_start_latest)}".lstrip(", ")
        what = f"{label}, {group}" if group else label
        figures[r.claim_id] = {
            "source": r.source_id,
            "what": f"{what} ({period})" if period else what,
            "value": _value(r),
            # the cells as stored: a figure changed when these did, not when only its wording did
            "data": "|".join(str(getattr(r, c)) for c in DATA_CELLS),
        }
    return {
        "data_dir": display_path(data_dir),
        "statements": statements,
        "figures": figures,
        "findings": [
            {"kind": k, "severity": s, "claim_ids": list(ids), "explanation": e}
            for k, s, ids, e in zip(found.kind, found.severity, found.claim_ids, found.explanation, strict=True)
        ],
    }


def _key(f: dict[str, Any]) -> tuple:
    """A finding's identity: its kind and its claims in any order (a corrected date may reorder them)."""
    return f["kind"], tuple(sorted(f["claim_ids"]))


def compare(old: dict[str, Any], new: dict[str, Any], data_files: list[str]) -> dict[str, Any]:
    """How ``new`` differs from ``old`` (two snapshots): statements added and removed, figures
    changed, added to or removed from statements that stay, findings new, resolved and of another severity."""
    os_, ns = old.get("statements", {}), new["statements"]
    of, nf = old.get("figures", {}), new["figures"]
    added = sorted(set(ns) - set(os_))
    removed = sorted(set(os_) - set(ns))

    def figure(fid: str, fig: dict, statements: dict) -> dict:
        st = statements.get(fig["source"], {})
        return {"claim_id": fid, "source": fig["source"], "who": st.get("who", ""), "when": st.get("when", ""),
                "what": fig["what"], "value": fig["value"]}

    changed = []
    for fid in sorted(set(of) & set(nf)):
        a, b = of[fid], nf[fid]
        same = a["data"] == b["data"] if "data" in a and "data" in b else (a["what"], a["value"]) == (b["what"], b["value"])
        if not same:
            changed.append(figure(fid, b, ns) | {"before": a["value"], "what_before": a["what"]})
    old_keys = {_key(f): f for f in old.get("findings", [])}
    new_keys = {_key(f): f for f in new["findings"]}
    return {
        "data_files": data_files,
        "statements_added": [{"source": s, **ns[s], "figures": sum(f["source"] == s for f in nf.values())}
                             for s in added],
        "statements_removed": [{"source": s, **os_[s]} for s in removed],
        "figures_changed": changed,
        "figures_added": [figure(f, nf[f], ns) for f in sorted(set(nf) - set(of)) if nf[f]["source"] not in added],
        "figures_removed": [figure(f, of[f], os_) for f in sorted(set(of) - set(nf)) if of[f]["source"] not in removed],
        "findings_new": [f for k, f in new_keys.items() if k not in old_keys],
        "findings_resolved": [f for k, f in old_keys.items() if k not in new_keys],
        "findings_severity": [f | {"severity_before": old_keys[k]["severity"]} for k, f in new_keys.items()
                              if k in old_keys and old_keys[k]["severity"] != f["severity"]],
    }


def _data_before(previous_manifest: dict[str, Any], run: Run) -> dict[str, str]:
    """The run's data checksums as the previous manifest records them."""
    old = previous_manifest.get("runs", {}).get(run.name, {}) if isinstance(previous_manifest.get("runs"), dict) else {}
    return old.get("inputs", {}).get("data", {}) if isinstance(old, dict) else {}


def _data_files(previous_manifest: dict[str, Any], run: Run, inputs: dict[str, Any]) -> list[str]:
    """Data files of the run that differ from (or are not in) the previous manifest's record of it."""
    before = _data_before(previous_manifest, run)
    now = inputs.get("data", {})
    return sorted(f for f in set(before) | set(now) if before.get(f) != now.get(f))


def findings_text(run: Run, inputs: dict[str, Any], previous_text: str | None,
                  previous_manifest: dict[str, Any]) -> str:
    """The new findings.json, from the run's data and the previous report's findings file and manifest."""
    new = snapshot(run)
    previous = None
    if previous_text:
        try:
            previous = json.loads(previous_text)
        except ValueError:
            previous = None
    if not isinstance(previous, dict) or previous.get("format") != FORMAT:
        previous = None
    if previous is not None and previous.get("run") == run.name and previous.get("snapshot") == new:
        changes = previous.get("changes")  # the same report again: the same section, the same bytes
    elif previous is not None and isinstance(previous.get("snapshot"), dict):
        import hashlib

        changes = compare(previous["snapshot"], new, _data_files(previous_manifest, run, inputs))
        changes["compared_with"] = {"findings_sha256": hashlib.sha256(previous_text.encode("utf-8")).hexdigest(),
                                    "data": _data_before(previous_manifest, run)}
    else:
        changes = None  # nothing to compare with
    return dumps({"format": FORMAT, "run": run.name, "snapshot": new, "changes": changes})


def current(figures: Path, manifest: dict[str, Any], run: Run) -> str | None:
    """The findings file of the current report when it is intact (its sha256 is the manifest's) and
    made for ``run``: the manifest and the file itself name that run. The caller keeps it only for a
    carried run (inputs, parameters included, as recorded), so its check options are the run's."""
    import hashlib

    text = read_text(figures / FINDINGS)
    entry = manifest.get("files", {}).get(FINDINGS) if isinstance(manifest.get("files"), dict) else None
    if text is None or not isinstance(entry, dict) or entry.get("run") != run.name:
        return None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry.get("sha256"):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return text if isinstance(doc, dict) and doc.get("run") == run.name and doc.get("format") == FORMAT else None


# ------------------------------------------------------------------ the section of index.html


def section(text: str | None) -> dict[str, Any] | None:
    """What the template shows, from a findings file: None when the report keeps none."""
    if text is None:
        return None
    from ..vocab import FINDING_KINDS as KINDS
    from ..vocab import FINDING_LABELS as KIND_LABELS

    doc = json.loads(text)
    snap, changes = doc["snapshot"], doc["changes"]
    label = KIND_LABELS.get
    counts = {k: 0 for k in KINDS}
    for f in snap["findings"]:
        counts[f["kind"]] = counts.get(f["kind"], 0) + 1
    out: dict[str, Any] = {"run": doc["run"], "first": changes is None, "nothing": False, "lists": [],
                           "data_files": [], "total": len(snap["findings"])}
    before = dict.fromkeys(counts, 0)
    if changes is not None:
        for f in changes["findings_new"]:
            before[f["kind"]] = before.get(f["kind"], 0) - 1
        for f in changes["findings_resolved"]:
            before[f["kind"]] = before.get(f["kind"], 0) + 1
    out["counts"] = [(label(k, k), k, counts.get(k, 0), counts.get(k, 0) + before.get(k, 0)) for k in counts]
    if changes is None:
        return out
    out["data_files"] = changes["data_files"]
    baseline = changes.get("compared_with")  # absent in files written before it was recorded
    out["baseline"] = (f"the report whose findings.json had sha256 {baseline['findings_sha256'][:12]}"
                       if isinstance(baseline, dict) else "an earlier report")

    def finding(f: dict) -> str:
        return f"{label(f['kind'], f['kind'])} ({f['severity']}): {f['explanation']} Claims: {', '.join(f['claim_ids'])}."

    def fig(f: dict) -> str:
        return f"{f['claim_id']} ({f['who']}, {f['when']}): {f['what']}: {f['value']}"

    lists = [
        ("Statements added", [f"{s['source']} ({s['who']}, {s['when']}): {s['figures']} figure(s)"
                              for s in changes["statements_added"]]),
        ("Statements removed", [f"{s['source']} ({s['who']}, {s['when']})" for s in changes["statements_removed"]]),
        ("Figures changed", [f"{f['claim_id']} ({f['who']}, {f['when']}): {f['what']}: {f['before']} -> {f['value']}"
                             + (f" (was: {f['what_before']})" if f["what_before"] != f["what"] else "")
                             for f in changes["figures_changed"]]),
        ("Figures added to statements already in the data", [fig(f) for f in changes["figures_added"]]),
        ("Figures removed from statements still in the data", [fig(f) for f in changes["figures_removed"]]),
        ("Findings new", [finding(f) for f in changes["findings_new"]]),
        ("Findings resolved", [finding(f) for f in changes["findings_resolved"]]),
        ("Findings of another severity", [finding(f | {"severity": f"{f['severity_before']} -> {f['severity']}"})
                                          for f in changes.get("findings_severity", [])]),
    ]
    out["lists"] = [(title, items) for title, items in lists if items]
    out["nothing"] = not out["lists"]
    return out
