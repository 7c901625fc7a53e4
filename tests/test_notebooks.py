"""The notebooks: committed clean, parameters documented, and they run under papermill.

Execution tests are marked slow (a kernel start each, a few seconds).
"""

from __future__ import annotations

import ast
import csv
import json
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from analysis import config, notebook_params
from analysis.params import NotebookParams

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
CHARTS = {  # notebook -> (chart name, a non-default statement that has its metrics)
    "01-chart-casualty-counts.ipynb": ("casualty-counts", "az-s88-2024-12-12-aliyev"),
    "02-chart-map-accuracy.ipynb": ("map-accuracy-split", "az-s91-2025-04-hajizada"),
}
# every numbered notebook is in the report and in one of the test files that executes it
EXECUTED_ELSEWHERE = {"03-chart-statements-over-time.ipynb": "test_timeline.py",
                      "04-compare-independent-counts.ipynb": "test_independent.py",
                      "05-explore-statements.ipynb": "test_rerun.py"}
# the live explorer draws the same charts as 01 and 03; its widget outputs carry random model ids
NOT_IN_REPORT = {"05-explore-statements.ipynb"}


def parameters_cell(nb):
    code = [c for c in nb.cells if c.cell_type == "code"]
    return code[0]


def code_strings(test_file: str) -> set[str]:
    """The string literals of a test file's code: not its docstrings, where a notebook's name
    proves nothing about whether the file executes it."""
    import ast

    tree = ast.parse((config.ROOT / "tests" / test_file).read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}


def test_every_notebook_is_executed_by_a_test_and_the_report():
    runs = (config.ROOT / "report.yaml").read_text()
    for path in NOTEBOOKS:
        assert path.name in CHARTS or path.name in EXECUTED_ELSEWHERE, path.name
        if path.name in EXECUTED_ELSEWHERE:
            assert any(path.stem in text for text in code_strings(EXECUTED_ELSEWHERE[path.name])), path.name
        if path.name not in NOT_IN_REPORT:
            assert f"notebook: {path.name}" in runs, f"{path.name} is not in report.yaml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs committed"
            assert "injected-parameters" not in cell.metadata.get("tags", [])
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exactly_one_parameters_cell_first_and_fully_documented(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is parameters_cell(nb)
    assigned = [n.target.id for n in ast.parse(tagged[0].source).body if isinstance(n, ast.AnnAssign)]
    assert len(assigned) == len(tagged[0].source.strip().splitlines()), "every line an annotated literal"
    # papermill silently drops lines it cannot parse (e.g. a second '=' in the help comment)
    inspected = pm.inspect_notebook(str(path))
    assert list(inspected) == assigned
    assert all(p["help"] for p in inspected.values()), "every parameter has a help comment"
    assert {"data_dir", "output_dir", "formats", "dpi", "theme"} <= set(assigned)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_is_written_from_the_notebooks_model(path):
    """The model in analysis.notebook_params is the one declaration; the cell must match it
    (`python -m analysis.params` rewrites the cells after a model changes)."""
    model = NotebookParams.registry[path.stem]
    nb = nbformat.read(path, as_version=4)
    assert parameters_cell(nb).source == model.parameters_cell()
    validation = [c for c in nb.cells if c.cell_type == "code"][1]
    assert f"{model.__name__}.from_namespace(globals())" in validation.source
    inspected = pm.inspect_notebook(str(path))
    for name, field in model.model_fields.items():  # papermill reads back the model's defaults
        assert ast.literal_eval(inspected[name]["default"]) == field.get_default(call_default_factory=True)


def test_a_model_change_is_caught_until_the_cells_are_rewritten(monkeypatch, tmp_path):
    from pydantic import Field

    class Changed(notebook_params.CasualtyCounts):
        dpi: int = Field(300, ge=50, le=600, description="resolution of the PNG, 50-600")

    shutil.copytree(config.NOTEBOOKS_DIR, tmp_path / "notebooks", ignore=shutil.ignore_patterns("output"))
    monkeypatch.setattr(config, "NOTEBOOKS_DIR", tmp_path / "notebooks")
    monkeypatch.setitem(NotebookParams.registry, "01-chart-casualty-counts", Changed)
    copy = tmp_path / "notebooks" / "01-chart-casualty-counts.ipynb"
    assert parameters_cell(nbformat.read(copy, as_version=4)).source != Changed.parameters_cell()  # the check fails
    from analysis.params import write_parameters_cells

    assert write_parameters_cells() == [copy]  # only the notebook whose model changed is rewritten
    assert parameters_cell(nbformat.read(copy, as_version=4)).source == Changed.parameters_cell()
    assert pm.inspect_notebook(str(copy))["dpi"]["default"] == "300"


def run(path: Path, out: Path, **parameters) -> nbformat.NotebookNode:
    out.mkdir(parents=True, exist_ok=True)
    parameters.setdefault("output_dir", str(out / "charts"))
    pm.execute_notebook(str(path), str(out / "executed.ipynb"), parameters=parameters, kernel_name="python3", execution_timeout=300,
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False, log_output=False)
    return nbformat.read(out / "executed.ipynb", as_version=4)


def sidecar(out: Path, name: str) -> dict:
    return json.loads((out / "charts" / f"{name}.json").read_text())


def claim_values(data_dir: Path, source_id: str) -> dict[str, float]:
    with open(data_dir / "claims.csv", encoding="utf-8") as f:
        return {r["claim_id"]: float(r["value"]) for r in csv.DictReader(f) if r["source_id"] == source_id}


# ---------------------------------------------------------------- bad parameters fail in the validation cell


BAD = [
    ({"source_id": "aa-2024-hajizad"}, ["unknown statement 'aa-2024-hajizad'", "did you mean 'aa-2024-hajizada'"]),
    ({"source_id": "az-s91-2025-04-hajizada"}, ["reports none of casualties or killed or injured", "allowed: a source_id of one of the"]),
    ({"formats": ["png", "gif"]}, ["formats: unknown value(s) 'gif'", "allowed: png, svg, pdf"]),
    ({"sourc_id": "aa-2024-hajizada"}, ["sourc_id: unknown parameter", "did you mean 'source_id'"]),
    ({"dpi": "high"}, ["dpi: expected int, got str 'high'"]),
    ({"dpi": 5000}, ["dpi: 5000 is out of range (allowed: 50..600)"]),
    ({"theme": "dark"}, ["theme: unknown value 'dark'", "allowed: paper, notebook, talk, poster"]),
    ({"data_dir": "/nonexistent/folder"}, ["data_dir: '/nonexistent/folder' is not a folder"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("parameters", "expected"), BAD, ids=[next(iter(p)) + "-" + str(i) for i, (p, _) in enumerate(BAD)])
def test_bad_parameter_fails_in_validation_cell(tmp_path, parameters, expected):
    path = config.NOTEBOOKS_DIR / "01-chart-casualty-counts.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        run(path, tmp_path, **parameters)
    err = info.value
    assert err.ename == "ParameterError"
    for text in expected:
        assert text in err.evalue
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    validation_cell = [c for c in nb.cells if c.cell_type == "code"][2]  # parameters, injected, validation
    assert "from_namespace(globals())" in validation_cell.source and validation_cell.outputs[0]["ename"] == "ParameterError"
    assert not (tmp_path / "charts").exists(), "nothing saved when parameters are bad"


# ---------------------------------------------------------------- good runs


@pytest.mark.slow
@pytest.mark.parametrize("name", CHARTS)
def test_defaults_chart_the_seed_and_rerun_is_byte_identical(tmp_path, name):
    chart, _ = CHARTS[name]
    path = config.NOTEBOOKS_DIR / name
    run(path, tmp_path / "a")  # source_id empty: dataset.yaml's default_statement, the seed
    run(path, tmp_path / "b")
    a = {p.name: p.read_bytes() for p in sorted((tmp_path / "a" / "charts").iterdir())}
    b = {p.name: p.read_bytes() for p in sorted((tmp_path / "b" / "charts").iterdir())}
    assert sorted(a) == sorted(f"{chart}.{ext}" for ext in ("json", "pdf", "png", "svg"))
    assert a == b
    side = sidecar(tmp_path / "a", chart)
    data = claim_values(config.DATA_DIR, "aa-2024-hajizada")
    for v in side["values"]:
        if not v["derived"]:
            assert v["value"] == data[v["claim_ids"][0]]
    assert any(v["derived"] for v in side["values"])
    assert "Aykhan Hajizada" in side["source_line"]
    assert "Aykhan Hajizada" in (tmp_path / "a" / "charts" / f"{chart}.svg").read_text()


SECOND_OTHER = {"01-chart-casualty-counts.ipynb": "az-s34-2023-05-25-suleymanov",
                "02-chart-map-accuracy.ipynb": "az-s27-2022-12-02-bayramov"}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "other"), [(n, CHARTS[n][1]) for n in CHARTS] + list(SECOND_OTHER.items()))
def test_another_statement_and_one_format(tmp_path, name, other):
    chart = CHARTS[name][0]
    run(config.NOTEBOOKS_DIR / name, tmp_path, source_id=other, formats=["svg"], dpi=72, theme="talk")
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [f"{chart}.json", f"{chart}.svg"]
    side = sidecar(tmp_path, chart)
    data = claim_values(config.DATA_DIR, other)
    reported = [v for v in side["values"] if not v["derived"]]
    assert reported and all(v["value"] == data[v["claim_ids"][0]] for v in reported)


@pytest.mark.slow
def test_user_data_directory(tmp_path):
    """A user's own CSVs: a new statement added to a copy of data/ is charted from there."""
    data = tmp_path / "mydata"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("*.md"))
    with open(data / "sources.csv", "a", encoding="utf-8", newline="") as f:
        f.write("user-2026-test,official_statement,Example Wire,https://example.org/a,,Jane Doe,Spokesperson,"
                "Example Ministry,2026-01-05,2026-01-05,false,,,test row\n")
    with open(data / "claims.csv", "a", encoding="utf-8", newline="") as f:
        f.write("user-2026-test-01,user-2026-test,casualties,120,more_than,over,all,Somewhere,,official,"
                "2020-11-10,,,since the war,,\n")
        f.write("user-2026-test-02,user-2026-test,killed,20,exact,,all,Somewhere,,official,2020-11-10,,,"
                "since the war,,\n")
    run(config.NOTEBOOKS_DIR / "01-chart-casualty-counts.ipynb", tmp_path, source_id="user-2026-test",
        data_dir=str(data), formats=["svg"])
    side = sidecar(tmp_path, "casualty-counts")
    values = {v["label"]: (v["value"], v["qualifier"], v["derived"]) for v in side["values"]}
    assert values["Killed or injured"] == (120.0, "more_than", False)
    assert values["Killed"] == (20.0, "exact", False)
    assert values["Injured"] == (100.0, "more_than", True)  # more than 120 minus 20 is more than 100
    assert side["source_line"].startswith("Reported by Jane Doe, Example Ministry, via Example Wire, 5 Jan 2026")
