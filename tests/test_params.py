"""The parameter mechanism without a kernel: which names count as injected, where charts go, the data cache."""

from __future__ import annotations

import shutil

import pytest

from analysis import choices, config
from analysis.notebook_params import CasualtyCounts, StatementsOverTime
from analysis.param_history import assigned_names
from analysis.params import PAPERMILL_HEADER, output_folder

KNOWN = CasualtyCounts.model_fields
CELL = 'source_id: str = ""  # help\ndpi: int = 150'


@pytest.mark.parametrize(("history", "names"), [
    (["", CELL, "p = f()"], ["dpi", "source_id"]),  # Run All in JupyterLab
    (["", CELL, '# Parameters\nsourc_id = "x"\n', "p = f()"], ["dpi", "sourc_id", "source_id"]),  # papermill -p typo
    (["", CELL + '\nsourceid = "x"', "p = f()"], ["dpi", "source_id", "sourceid"]),  # a typo in the cell itself
    (["", CELL + '\nsourceid = "x"', CELL, "p = f()"], ["dpi", "source_id"]),  # the typo was fixed and rerun
    (["", CELL, "fig, meta = chart(rows)", "saved = [1, 2]", "p = f()"], []),  # the notebook's own variables
    (["", CELL, "saved = ['a.png']", "p = f()"], []),  # a literal list the notebook made is not a parameter
    (["", "x = {[1]: 2}", "p = f()"], []),  # a cell that failed is no parameters cell, and no crash
    (["", "a, b = 1, 2", "p = f()"], []),
    (None, []), ([], []), (["p = f()"], []),
])
def test_only_injected_or_parameters_cell_names_are_candidates(history, names):
    assert assigned_names(history, KNOWN, PAPERMILL_HEADER) == names


def test_output_folders_differ_whenever_the_parameters_differ():
    def folder(model, **values):
        params = model(**values)
        return output_folder(params, params.model_dump())

    seed = folder(CasualtyCounts, source_id="aa-2024-hajizada")
    assert seed == config.OUTPUT_DIR / "01-chart-casualty-counts" / "aa-2024-hajizada"
    assert folder(CasualtyCounts, source_id="aa-2024-hajizada", formats=["svg"]) == seed  # formats: same charts
    assert folder(CasualtyCounts, source_id="aa-2024-hajizada", dpi=300).name == "aa-2024-hajizada_dpi=300"
    pairs = [(["a+b"], ["a", "b"]), (["Hikmet Hajiyev"], ["Hikmet-Hajiyev"])]
    for one, other in pairs:
        assert folder(StatementsOverTime, speakers=one) != folder(StatementsOverTime, speakers=other)
    assert folder(StatementsOverTime, data_dir="../x/data") != folder(StatementsOverTime, data_dir="../x-data")
    assert folder(StatementsOverTime).name == "defaults"


def test_the_data_cache_sees_an_edit_that_keeps_size_and_mtime(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(config.DATA_DIR, data, ignore=shutil.ignore_patterns("*.md"))
    first = choices.load_cached(data)
    path = data / "claims.csv"
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert ",342,exact," in text
    path.write_text(text.replace(",342,exact,", ",343,exact,", 1), encoding="utf-8")
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    again = choices.load_cached(data)
    assert 343.0 in set(again.value) - set(first.value)
    again.loc[:, "value"] = 0  # a notebook editing its frame does not edit the cache
    assert choices.load_cached(data).value.max() > 0


def test_a_bad_statement_hint_lists_the_notebooks_own_data():
    from analysis.params import ParameterError

    second = str(config.ROOT / "tests" / "datasets" / "ruritania")
    values = {name: f.get_default(call_default_factory=True) for name, f in CasualtyCounts.model_fields.items()}
    for bad in (5, "ru-2019-05-spoke"):  # a type error (no data loaded yet) and an unknown id
        with pytest.raises(ParameterError) as info:
            CasualtyCounts.from_namespace(values | {"data_dir": second, "source_id": bad})
        assert "ru-2019-05-spokes" in info.value.hint and "az-" not in info.value.hint
