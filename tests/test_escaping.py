"""Text from the data is inert wherever it lands: chart SVGs, the report's HTML pages.

Every text column of the seed statement's source row and claim rows is overwritten with
markup (a <script>, a tag, TeX dollars, an ampersand and quotes); the charts and the report
must show it as text, never run or render it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys

import matplotlib
import pytest

import analysis
from analysis import charts, config, timeline

matplotlib.use("agg")
PAYLOAD = '<script>alert(1)</script> <b>bold</b> $\\alpha$ & "q"'
SOURCE_TEXT = ["publisher", "speaker", "speaker_role", "affiliation", "date_note", "source_ref", "note"]
CLAIM_TEXT = ["qualifier_as_stated", "area", "collected_by", "period_label", "note"]
SEED = "aa-2024-hajizada"


def rewrite(path, key_column, key_prefix, columns, extra=None):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r[key_column].startswith(key_prefix):
            r.update({c: PAYLOAD for c in columns})
            r.update(extra or {})
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def marked_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("marked") / "data"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("*.md"))
    rewrite(data / "sources.csv", "source_id", SEED, SOURCE_TEXT,
            {"url": "https://example.org/?q=<script>alert(2)</script>"})
    rewrite(data / "claims.csv", "source_id", SEED, CLAIM_TEXT)
    return data


def svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=charts.METADATA["svg"])
    return buf.getvalue()


def test_markup_loads_verbatim(marked_data):
    rows = analysis.statement(analysis.load_claims(marked_data), SEED)
    assert set(rows.speaker) == {PAYLOAD} and set(rows.period_label) == {PAYLOAD}


def test_charts_draw_markup_as_text(marked_data):
    claims = analysis.load_claims(marked_data)
    rows = analysis.statement(claims, SEED)
    since = timeline.official_series(claims)
    figures = [charts.casualty_counts(rows)[0], charts.map_accuracy_split(rows)[0],
               timeline.casualties_timeline(since, since.iloc[0:0], timeline.implied_rates(since), highlight=SEED)[0]]
    for fig in figures:
        text = svg(fig)
        assert "<script>" not in text and "<b>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "$\\alpha$" in text  # TeX is not interpreted: the dollars stay


@pytest.mark.slow
def test_report_pages_escape_markup_from_data(marked_data, tmp_path):
    runs = tmp_path / "runs.yaml"
    runs.write_text(
        f"notebooks_dir: {config.NOTEBOOKS_DIR}\nruns:\n"
        f"  - name: counts\n    notebook: 01-chart-casualty-counts.ipynb\n"
        f"    parameters: {{source_id: {SEED}, data_dir: '{marked_data}', formats: [png]}}\n"
        f"  - name: shares\n    notebook: 02-chart-map-accuracy.ipynb\n"
        f"    parameters: {{source_id: {SEED}, data_dir: '{marked_data}', formats: [svg]}}\n",
        encoding="utf-8")
    out = tmp_path / "figures"
    done = subprocess.run([sys.executable, "-m", "analysis.report", "--runs", str(runs), "--figures", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    assert set(pages) == {"index.html", "counts.html", "shares.html"}
    for name, page in pages.items():
        assert "<script>alert" not in page, name
        assert "<b>bold</b>" not in page, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["counts.html"]  # the table and the alt text
    assert "<script>alert" not in (out / "shares" / "map-accuracy-split.svg").read_text(encoding="utf-8")
