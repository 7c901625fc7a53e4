"""The analyst's loop: Run All, edit a parameter, Run All again, in one kernel (as JupyterLab does).

Each notebook runs twice in one live kernel with a parameter changed between the runs; the
second run must succeed, chart the new selection, and save it in a folder of its own (the
first run's charts stay). A bad value on a rerun gives the one short ParameterError message,
not the previous run's variables mistaken for parameters. The explorer
(05-explore-statements.ipynb) is also driven through its widgets here.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from analysis import config
from analysis.data import load_claims

pytestmark = pytest.mark.slow

CLAIMS = load_claims()
METRIC = dict(zip(CLAIMS.claim_id, CLAIMS.metric.astype(str), strict=True))


def set_parameter(nb, name: str, literal: str) -> None:
    cell = nb.cells[1]
    cell.source, n = re.subn(rf"^{name}: (\w+) = .*?(  #.*)?$", rf"{name}: \1 = {literal}\2", cell.source, flags=re.M)
    assert n == 1, f"{name} not in the parameters cell"


def run_all(client, nb) -> None:
    for i, cell in enumerate(nb.cells):
        client.execute_cell(cell, i)


def drawn(folder, chart: str) -> list[str]:
    side = json.loads((folder / f"{chart}.json").read_text())
    return [cid for v in side["values"] if not v["derived"] for cid in v["claim_ids"]]


CASES = {  # notebook -> (chart, parameter, new literal, output folder of the second run, check of the claims drawn)
    "01-chart-casualty-counts": ("casualty-counts", "source_id", '"az-s88-2024-12-12-aliyev"',
                                 "az-s88-2024-12-12-aliyev", lambda ids: {i.rsplit("-", 1)[0] for i in ids}
                                 == {"az-s88-2024-12-12-aliyev"}),
    "02-chart-map-accuracy": ("map-accuracy-split", "source_id", '"az-s27-2022-12-02-bayramov"',
                              "az-s27-2022-12-02-bayramov", lambda ids: {i.rsplit("-", 1)[0] for i in ids}
                              == {"az-s27-2022-12-02-bayramov"}),
    "03-chart-statements-over-time": ("casualties-timeline", "series", '["injured"]', "series=injured",
                                      lambda ids: {METRIC[i] for i in ids} <= {"injured", "casualties"}
                                      and "injured" in {METRIC[i] for i in ids}),
    "04-compare-independent-counts": ("independent-yearly", "metric", '"killed"', "metric=killed",
                                      lambda ids: {METRIC[i] for i in ids} == {"killed"}),
    "05-explore-statements": ("casualties-timeline", "metric", '"killed"', "aa-2024-hajizada_metric=killed",
                              lambda ids: {METRIC[i] for i in ids} == {"killed"}),
}


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYSIS_OUTPUT_DIR", str(tmp_path))  # the kernel inherits it: default output folders go here

    def start(stem):
        nb = nbformat.read(config.NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=300,
                                resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}})
        return nb, client
    return start


@pytest.mark.parametrize("stem", CASES)
def test_run_all_twice_in_one_kernel_with_a_parameter_changed(tmp_path, kernel, stem):
    chart, name, literal, folder, check = CASES[stem]
    nb, client = kernel(stem)
    with client.setup_kernel():
        run_all(client, nb)
        first = sorted((tmp_path / stem).iterdir())
        assert len(first) == 1, first  # the defaults' folder
        before = {p.name: p.read_bytes() for p in first[0].iterdir()}
        run_all(client, nb)  # Run All again, nothing edited: must not trip over its own variables
        set_parameter(nb, name, literal)
        run_all(client, nb)
    second = tmp_path / stem / folder
    assert second.is_dir(), sorted(p.name for p in (tmp_path / stem).iterdir())
    assert check(drawn(second, chart))
    assert {p.name: p.read_bytes() for p in first[0].iterdir()} == before, "the first run's charts were overwritten"
    if name == "source_id":  # the choices table marks the statement charted
        table = next(o for o in nb.cells[4].outputs if o.output_type == "execute_result")
        assert literal.strip('"') in table["data"]["text/plain"] and "◀" in table["data"]["text/plain"]


@pytest.mark.parametrize(("stem", "name", "literal", "message"), [
    ("01-chart-casualty-counts", "source_id", '"aa-2024-hajizad"',
     "source_id: unknown statement 'aa-2024-hajizad' (did you mean 'aa-2024-hajizada'?"),
    ("04-compare-independent-counts", "metric", '"victims"', "metric: unknown value 'victims'"),
])
def test_a_bad_value_on_rerun_is_one_short_message(kernel, stem, name, literal, message):
    nb, client = kernel(stem)
    with client.setup_kernel():
        run_all(client, nb)
        set_parameter(nb, name, literal)
        with pytest.raises(CellExecutionError):
            run_all(client, nb)
    error = next(o for o in nb.cells[2].outputs if o.output_type == "error")
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))
    assert error["ename"] == "ParameterError"
    assert shown.startswith("ParameterError: 1 problem with the parameters")
    assert shown.count(message) == 1, shown  # once, not once in a frame and again at the bottom
    assert "Traceback" not in shown and "params.py" not in shown and "File " not in shown
    assert "unknown parameter" not in shown, "a variable of the first run was taken for a parameter"
    assert len(shown.splitlines()) <= 20


def test_a_misspelled_name_in_the_parameters_cell_is_named(kernel):
    nb, client = kernel("01-chart-casualty-counts")
    nb.cells[1].source += '\nsourceid = "az-s88-2024-12-12-aliyev"'
    with client.setup_kernel():
        with pytest.raises(CellExecutionError):
            run_all(client, nb)
    error = next(o for o in nb.cells[2].outputs if o.output_type == "error")
    assert "sourceid: unknown parameter (did you mean 'source_id'?" in error["evalue"]


def test_the_explorer_redraws_the_chart_and_the_rows_when_a_control_changes(kernel, tmp_path):
    nb, client = kernel("05-explore-statements")
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\n"
        "c = explorer.controls\n"
        "first = [cid for v in explorer.meta.values if not v.derived for cid in v.claim_ids]\n"
        "c['metric'].value = 'injured'\n"
        "drawn = [cid for v in explorer.meta.values if not v.derived for cid in v.claim_ids]\n"
        "after_metric = (sorted(explorer.rows.claim_id), drawn, first)\n"
        "c['speaker'].value = 'Hikmet Hajiyev'\n"
        "after_speaker = (sorted(set(explorer.rows.speaker)), list(c['statement'].options), c['statement'].value)\n"
        "c['period'].value = 'open'\n"
        "after_period = sorted(explorer.rows.claim_id)\n"
        "c['period'].value = 'both'\n"
        "saved = [p.name for p in explorer.save()]  # the statement dropdown reads (none) now\n"
        "side = json.loads((p.output_dir / 'casualties-timeline.json').read_text())\n"
        "kept = sorted({cid for v in side['values'] for cid in v['claim_ids']})\n"
        "print(json.dumps([after_metric, after_speaker, after_period, saved, kept]))"))
    with client.setup_kernel():
        run_all(client, nb)
    out = json.loads(next(o for o in nb.cells[-1].outputs if o.output_type == "stream")["text"])
    (rows, drawn, first), (speakers, options, chosen), open_rows, saved, kept = out
    official = CLAIMS[(CLAIMS.source_kind == "official_statement") & (CLAIMS.group == "all")]
    injured = official[official.metric == "injured"]
    assert rows == sorted(drawn) and set(drawn) <= set(injured.claim_id) and len(drawn) > 10  # redrawn: injured only
    assert set(first).isdisjoint(drawn), "the chart before the change drew casualties and killed"
    assert speakers == ["Hikmet Hajiyev"] and options[0] == "(none)" and chosen == "(none)"  # the seed is not his
    his = official[(official.speaker == "Hikmet Hajiyev") & official.metric.eq("injured")]
    assert set(options[1:]) == set(his.source_id)
    assert open_rows == sorted(his.loc[his.period_start.isna(), "claim_id"])  # only totals with no start date
    assert saved == ["casualties-timeline.png", "casualties-timeline.svg", "casualties-timeline.pdf",
                     "casualties-timeline.json", "casualty-counts.png", "casualty-counts.svg", "casualty-counts.pdf",
                     "casualty-counts.json"]
    # saved into the folder named from the parameters: their selection (every speaker's killed or
    # injured), not what the controls showed then (Hajiyev's injured)
    assert set(first) <= set(kept) and set(kept).isdisjoint(drawn)
