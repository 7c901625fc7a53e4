"""The dataset descriptor (dataset.yaml): bad descriptors rejected with file, key and what is allowed;
what it says reaches the charts; a folder without one gets neutral words."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import analysis
from analysis import context
from analysis.context import Context, check_against, load_context, parse_context

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "data" / "dataset.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(analysis.DataError) as info:
        parse_context(text, "x/dataset.yaml")
    return info.value.problems


# ---------------------------------------------------------------- negative cases first


@pytest.mark.parametrize(("text", "expected"), [
    ("refrence:\n  start: 2020-11-10\n  name: a\n  event: b\n",
     "x/dataset.yaml: refrence: unknown key (did you mean reference?; allowed: title, place, reference,"),
    ("reference:\n  start: 2020-13-40\n  name: a\n  event: b\n", "x/dataset.yaml: reference.start: "),
    ("reference:\n  start: 2020-11-10\n  name: a\n", "x/dataset.yaml: reference.event: Field required"),
    ("reference:\n  start: 2020-11-10\n  name: a\n  event: b\n  labl: c\n",
     "x/dataset.yaml: reference.labl: unknown key (allowed: start, name, event)"),
    ("collectors:\n  - label: A\n    spellings: [a]\n    colour: pink\n",
     "x/dataset.yaml: collectors.0.colour: Input should be 'orange', 'sky', "),
    ("collectors:\n  - label: A\n    spellings: [a]\n  - label: B\n    spellings: [a]\n",
     "spelling 'a' is in two collectors (A, B; allowed: one)"),
    ("collectors:\n  - label: A\n    spellings: []\n", "x/dataset.yaml: collectors.0.spellings: "),
    ("officials:\n  label: Officials\n  panels: [Atlantis]\n",
     "officials.panels: unknown panel(s) Atlantis (allowed: none defined)"),
    ("panels:\n  - name: P\n    height: -1\n", "x/dataset.yaml: panels.0.height: Input should be greater than 0"),
    ("shares:\n  x_pct:\n    question: Q\n    part: p\n", "x/dataset.yaml: shares.x_pct.rest: Field required"),
    ("title: [unclosed\n", "x/dataset.yaml:2: (file): not valid YAML (expected ',' or ']'"),
    ("- a list\n", "x/dataset.yaml: (file): expected a mapping of keys (allowed: title, "),
])
def test_a_bad_descriptor_names_file_key_and_what_is_allowed(text, expected):
    found = problems(text)
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems("titel: x\nreference:\n  start: nope\n  name: a\n  event: b\ncollectors: 3\n")
    assert sorted(p.split(": ")[1] for p in found) == ["collectors", "reference.start", "titel"]


def test_descriptor_checked_against_the_csvs():
    ds = analysis.validate()
    bad = parse_context("default_statement: aa-2024-hajizad\nmetrics:\n  map_acuracy_pct: M\n"
                        "shares:\n  killed:\n    question: Q\n    part: p\n    rest: r\nstale_metrics: [nope]\n")
    found = check_against(bad, ds, "x/dataset.yaml")
    assert found == [
        "x/dataset.yaml: default_statement: unknown source 'aa-2024-hajizad' (did you mean aa-2024-hajizada?; "
        "allowed: a source_id of sources.csv)",
        "x/dataset.yaml: metrics.map_acuracy_pct: unknown metric (did you mean map_accuracy_pct?; "
        "allowed: a metric of metrics.csv)",
        "x/dataset.yaml: shares.killed: unit is 'people' (allowed: a metric with unit percent)",
        "x/dataset.yaml: stale_metrics.nope: unknown metric (allowed: a metric of metrics.csv)",
    ]
    assert check_against(load_context(), ds) == []


def test_validate_command_reports_descriptor_problems_and_exits_1(tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "dataset.yaml").write_text(GOOD.replace("default_statement: aa-2024-hajizada",
                                                      "default_statement: nobody-said-this"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analysis", "validate", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert f"{folder / 'dataset.yaml'}: default_statement: unknown source 'nobody-said-this'" in proc.stderr
    (folder / "dataset.yaml").write_text(GOOD, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analysis", "validate", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 0 and "dataset.yaml: Reported landmine figures of Azerbaijan" in proc.stdout


# ---------------------------------------------------------------- loading


def test_a_folder_without_a_descriptor_gets_neutral_words(tmp_path):
    assert load_context(tmp_path) == Context()
    neutral = Context()
    assert neutral.officials.label == "officials" and neutral.reference is None
    assert neutral.metric_label("casualties") == "Killed or injured"
    assert neutral.metric_label("mines_in_handed_maps") == "mines in handed maps"  # its id, in words
    assert neutral.series_label("Some NGO (as cited)") == "Some NGO (as cited)"  # nothing folded together


def test_load_context_rereads_a_changed_file(tmp_path):
    path = tmp_path / "dataset.yaml"
    path.write_text("title: First\n", encoding="utf-8")
    assert load_context(tmp_path).title == "First"
    assert load_context(tmp_path) is load_context(tmp_path), "cached while unchanged"
    path.write_text("title: Second one\n", encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert load_context(tmp_path).title == "Second one"


def test_the_committed_descriptor_says_what_the_charts_used_to_hard_wire():
    ctx = load_context()
    assert ctx.reference.label == "the ceasefire of 10 Nov 2020"
    assert ctx.officials.label == "Azerbaijani officials"
    assert ctx.default_collectors == ("AzCBL", "ANAMA", "Landmine Monitor headline", "HALO Trust")
    assert [p.name for p in ctx.panels] == ["Azerbaijan", "Nagorno-Karabakh", "Armenia"]
    assert ctx.panel_of("Azerbaijan excluding Nagorno-Karabakh") == "Azerbaijan"
    assert ctx.panel_of("Azerbaijani territories then controlled by Armenian forces") != "Azerbaijan"
    assert ctx.default_statement == "aa-2024-hajizada"


def test_claims_remember_their_folder_so_charts_read_its_descriptor(tmp_path):
    claims = analysis.load_claims()
    assert claims.attrs["data_dir"] == str(ROOT / "data")
    assert context.resolve(None, analysis.statement(claims, "aa-2024-hajizada")) is load_context()
    assert context.resolve(None, claims.iloc[0:0].copy()) is load_context(), "a filtered frame keeps it"
    built = claims.copy()
    built.attrs.clear()
    assert context.resolve(None, built) is context.NEUTRAL


def test_the_code_names_no_dataset_outside_comments_and_docstrings():
    """Country, war, dates and speakers are data (dataset.yaml, the CSVs), never a string in analysis/."""
    import ast

    words = ("2020-11-10", "azerbaij", "karabakh", "armenia", "10 nov 2020", "ceasefire", "hajizada", "azcbl", "anama")
    found = []
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                hits = [w for w in words if w in node.value.lower()]
                if hits:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {hits}")
    assert not found, found
