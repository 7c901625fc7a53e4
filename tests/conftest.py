"""Shared fixtures: a private copy of the committed data files, the real claims loaded once, closing figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import analysis

REAL_DATA = Path(__file__).resolve().parents[1] / "data"
DATA_FILES = ("metrics.csv", "sources.csv", "claims.csv")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/data holding copies of the three CSVs; the cwd is tmp_path, so a stray write lands in it."""
    copy = tmp_path / "data"
    copy.mkdir()
    for name in DATA_FILES:
        shutil.copyfile(REAL_DATA / name, copy / name)
    monkeypatch.chdir(tmp_path)
    return copy


@pytest.fixture(scope="session")
def real_claims():
    """load_claims() of the committed data. Shared: do not modify it in a test."""
    return analysis.load_claims(REAL_DATA)


@pytest.fixture(autouse=True)
def _close_figures():
    """Charts made in a test are closed after it (pyplot keeps every open figure alive)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:  # never import plotting just to close nothing
        sys.modules["matplotlib.pyplot"].close("all")
