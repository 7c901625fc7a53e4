"""The bad-input corpus: every case under tests/corpus/ is rejected with a message naming where.

Data cases (tests/corpus/data/NN-name/) each hold the file(s) that differ from
tests/corpus/minimal/ (a small valid dataset), an optional DELETE listing files to remove,
an optional SPECIAL making a file something other than a file (``symlink NAME TARGET``,
``dir NAME``, ``fifo NAME``), and expect.txt: fragments that must each appear in the error
("FILE:ROW: COLUMN: what"). Each is validated through the command line (`python -m
analysis validate DIR`): non-zero exit, every expected line printed, no control character
and nothing from outside the data folder echoed, and the data folder byte-identical afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import analysis
from analysis.__main__ import main

CORPUS = Path(__file__).parent / "corpus"
OUTSIDE = "OUTSIDE-THE-DATA-FOLDER"
DATA_CASES = sorted(p for p in (CORPUS / "data").iterdir() if p.is_dir())


def build(case: Path, dest: Path) -> Path:
    shutil.copytree(CORPUS / "minimal", dest)
    for f in case.iterdir():
        if f.name == "expect.txt":
            continue
        if f.name == "DELETE":
            for name in f.read_text().split():
                (dest / name).unlink()
        elif f.name == "SPECIAL":
            for kind, name, *target in (ln.split() for ln in f.read_text().splitlines()):
                (dest / name).unlink()
                if kind == "symlink":
                    (dest / target[0]).resolve().write_text(f"{OUTSIDE},secret\n")
                    os.symlink(target[0], dest / name)
                elif kind == "dir":
                    (dest / name).mkdir()
                else:
                    os.mkfifo(dest / name)
        else:
            shutil.copyfile(f, dest / f.name)
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_is_large_and_every_case_is_distinct():
    assert len(DATA_CASES) >= 60
    contents = {tuple(sorted((f.name, f.read_bytes()) for f in c.iterdir() if f.name != "expect.txt")) for c in DATA_CASES}
    assert len(contents) == len(DATA_CASES), "two cases hold the same bad input"


def test_the_minimal_dataset_is_valid():
    ds = analysis.validate(CORPUS / "minimal")
    assert len(ds.claims) == 4


@pytest.mark.parametrize("case", DATA_CASES, ids=lambda p: p.name)
def test_bad_data_is_rejected_with_where_and_what(case, tmp_path, capsys):
    data = build(case, tmp_path / "data")
    before = snapshot(tmp_path)
    assert main(["validate", str(data)]) == 1
    err = capsys.readouterr().err
    for fragment in case.joinpath("expect.txt").read_text(encoding="utf-8").splitlines():
        assert fragment in err, f"{case.name}: expected {fragment!r} in:\n{err}"
    assert not any(ch in err for ch in "\x1b\x07\x00"), "a control character from the data was echoed"
    assert OUTSIDE not in err, "the content of a file outside the data folder was echoed"
    assert len(err) < 5000, "messages must stay short whatever the input"
    # every problem line names a file of the data folder, a row and a column (or (file)/(row)/(header))
    for line in err.splitlines()[1:]:
        assert line.startswith(str(data) + "/") and line.count(":") >= 3, line
    assert snapshot(tmp_path) == before, "validation must write nothing"


def test_command_line_exit_status(tmp_path):
    data = build(CORPUS / "data" / "08-negative-count", tmp_path / "data")
    bad = subprocess.run([sys.executable, "-m", "analysis", "validate", str(data)], capture_output=True, text=True)
    assert bad.returncode == 1 and "claims.csv:3: value: negative count" in bad.stderr and bad.stdout == ""
    good = subprocess.run([sys.executable, "-m", "analysis", "validate", str(CORPUS / "minimal")], capture_output=True, text=True)
    assert good.returncode == 0 and good.stdout.startswith("ok: 4 metrics, 2 sources, 4 claims")
