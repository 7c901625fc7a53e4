"""Loading, validating and deriving the reported figures.

Each bad-input test edits one thing in a private copy of data/ (the `data_dir` fixture), then
checks that the load fails with a DataError whose problem line names the file, the line number
and the column, and that the failed load wrote nothing.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.api.types import is_bool_dtype, is_datetime64_dtype
from pandas.testing import assert_frame_equal

import analysis
from analysis import DataError
from analysis.schema import SOURCES_FIELDS

SEED = "aa-2024-hajizada"

# ---------------------------------------------------------------- helpers


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> list[int]:
    """Write rows with the csv module (LF line ends); return the line each row starts on (header = 1)."""
    chunks, starts, line = [], [], 1
    for row in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        starts.append(line)
        line += buf.getvalue().count("\n")
        chunks.append(buf.getvalue())
    path.write_text("".join(chunks), encoding="utf-8", newline="")
    return starts


def set_cell(path: Path, key: str, column: str, value: str) -> int:
    """Set `column` of the row whose first cell (its id) is `key`; return that row's line number."""
    rows = read_rows(path)
    col = rows[0].index(column)
    hits = [i for i, row in enumerate(rows) if i and row[0] == key]
    assert len(hits) == 1, f"{key!r} is not exactly once in {path.name}"
    rows[hits[0]][col] = value
    return write_rows(path, rows)[hits[0]]


def edit_line(path: Path, key: str, edit) -> int:
    """Replace the raw bytes of the (one-line) row whose id is `key` with edit(bytes); return its line."""
    lines = path.read_bytes().split(b"\n")
    hits = [i for i, raw in enumerate(lines) if raw.startswith(key.encode() + b",")]
    assert len(hits) == 1, f"{key!r} is not exactly once in {path.name}"
    lines[hits[0]] = edit(lines[hits[0]])
    path.write_bytes(b"\n".join(lines))
    return hits[0] + 1


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


def load_fails(data_dir: Path, load=analysis.load_claims) -> list[str]:
    """Load, expect a DataError, check that nothing under tmp_path (data copy and cwd) changed; the problems."""
    before = snapshot(data_dir.parent)
    with pytest.raises(DataError) as exc:
        load(data_dir)
    assert snapshot(data_dir.parent) == before, "a failed load changed or created files"
    problems = exc.value.problems
    assert problems, "a DataError with no problems"
    assert str(exc.value).endswith("\n".join(problems)), "the error's message leaves problems out"
    return problems


def assert_one(problems: list[str], path: Path, line: int, column: str, *fragments: str) -> None:
    assert len(problems) == 1, "\n".join(problems)
    assert problems[0].startswith(f"{path}:{line}: {column}: "), problems[0]
    for fragment in fragments:
        assert fragment in problems[0], problems[0]


# ---------------------------------------------------------------- bad input: headers


def _drop_column(name):
    def edit(rows):
        i = rows[0].index(name)
        return [r[:i] + r[i + 1:] for r in rows]
    return edit


def _add_column(name):
    return lambda rows: [rows[0] + [name]] + [r + ["x"] for r in rows[1:]]


@pytest.mark.parametrize(
    ("file", "edit", "column", "what"),
    [
        pytest.param("claims.csv", _drop_column("area"), "area", "missing column", id="missing"),
        pytest.param("sources.csv", _add_column("comment"), "comment", "unknown column", id="unknown"),
        pytest.param("claims.csv", _add_column("note"), "note", "duplicated column", id="duplicated"),
    ],
)
def test_bad_header_is_reported_on_line_1(data_dir, file, edit, column, what):
    path = data_dir / file
    write_rows(path, edit(read_rows(path)))
    problems = load_fails(data_dir)
    assert_one(problems, path, 1, column, what, "allowed: ")


# ---------------------------------------------------------------- bad input: one cell

BAD_CELLS = [
    # wrong types
    pytest.param("claims.csv", f"{SEED}-05", "value", "abc", ["not a plain number", "got 'abc'"], id="value-word"),
    pytest.param("claims.csv", f"{SEED}-04", "value", "3,400", ["no thousands separators", "got '3,400'"],
                 id="value-thousands-separator"),
    pytest.param("claims.csv", f"{SEED}-05", "period_start", "2024-13-45", ["not a real date", "got '2024-13-45'"],
                 id="date-impossible"),
    pytest.param("claims.csv", f"{SEED}-05", "period_start", "2024/01/02", ["allowed: YYYY-MM-DD", "got '2024/01/02'"],
                 id="date-slashes"),
    pytest.param("sources.csv", SEED, "date_earliest", "2024-02-30", ["not a real date"], id="source-date-feb-30"),
    pytest.param("claims.csv", f"{SEED}-05", "counter_kind", "yes", ["unknown counter_kind", "got 'yes'",
                                                                      "allowed: official, independent"],
                 id="unknown-counter-kind"),
    pytest.param("sources.csv", SEED, "date_inferred", "yes", ["allowed: true, false", "got 'yes'"], id="bool-sources"),
    pytest.param("claims.csv", f"{SEED}-05", "claim_id", "AA-05", ["not a valid id"], id="id-upper-case"),
    pytest.param("sources.csv", SEED, "url", "muslimnetwork.tv/?p=37587", ["not a url"], id="url-no-scheme"),
    # ranges
    pytest.param("claims.csv", f"{SEED}-05", "value", "-5", ["negative count -5", "allowed: 0 or more"],
                 id="negative-count"),
    pytest.param("claims.csv", f"{SEED}-01", "value", "125", ["percentage 125 outside 0-100", "allowed: 0 to 100"],
                 id="percentage-over-100"),
    # vocabularies
    pytest.param("claims.csv", f"{SEED}-05", "metric", "killd", ["unknown metric", "got 'killd'", "killed,"],
                 id="unknown-metric"),
    pytest.param("claims.csv", f"{SEED}-05", "qualifier", "roughly", ["unknown qualifier", "allowed: exact, more_than"],
                 id="unknown-qualifier"),
    pytest.param("claims.csv", f"{SEED}-05", "group", "adults", ["unknown group", "allowed: all, civilian"],
                 id="unknown-group"),
    pytest.param("claims.csv", f"{SEED}-05", "group", "none", ["'none' for a metric about people (killed)"],
                 id="group-none-on-people"),
    pytest.param("claims.csv", "az-s91-2025-04-hajizada-03", "group", "all",
                 ["'all' for a metric not about people (mines_in_handed_maps)", "allowed: none"],
                 id="group-all-on-mines"),
    # a bad cell in metrics.csv or sources.csv is one problem, not one per claim that uses the row
    pytest.param("metrics.csv", "killed", "unit", "persons", ["unknown unit", "got 'persons'"], id="unknown-unit"),
    pytest.param("sources.csv", SEED, "source_kind", "statement", ["unknown source_kind", "got 'statement'"],
                 id="unknown-source-kind"),
    # references and windows
    pytest.param("claims.csv", f"{SEED}-05", "source_id", "aa-2024-hajizad",
                 ["unknown source 'aa-2024-hajizad'", "allowed: a source_id of sources.csv"], id="unknown-source"),
    pytest.param("claims.csv", f"{SEED}-05", "source_id", "AA-2024", ["not a valid id"],
                 id="invalid-source-id-not-also-unknown"),
    pytest.param("sources.csv", SEED, "date_latest", "2024-01-01",
                 ["window ends (2024-01-01) before it starts (2024-01-21)"], id="source-window-reversed"),
    pytest.param("claims.csv", f"{SEED}-05", "period_end", "2024-03-01",
                 ["period ends (2024-03-01) after its statement", "2024-02-12"], id="period-after-statement"),
    pytest.param("claims.csv", f"{SEED}-05", "period_end", "2020-11-09",
                 ["period ends (2020-11-09) before it starts (2020-11-10)"], id="period-reversed"),
    # required fields
    pytest.param("claims.csv", f"{SEED}-05", "area", "", ["empty, but required"], id="empty-area"),
    pytest.param("claims.csv", f"{SEED}-05", "area", "   ", ["empty, but required"], id="blank-area"),
    pytest.param("claims.csv", f"{SEED}-05", "value", "", ["empty, but required"], id="empty-value"),
    pytest.param("sources.csv", SEED, "url", "", ["empty, but required"], id="empty-url"),
    pytest.param("sources.csv", SEED, "speaker", "", ["required for an official_statement"],
                 id="official-without-speaker"),
    pytest.param("claims.csv", "ind-monitor-2017-10-27-01", "collected_by", "", ["not an official statement"],
                 id="monitor-claim-without-collected-by"),
    # who counted: an official statement is the government's own count
    pytest.param("claims.csv", f"{SEED}-05", "counter_kind", "independent",
                 ["'independent' on an official statement", "allowed: official"], id="official-counted-by-others"),
    # period start windows
    pytest.param("claims.csv", f"{SEED}-05", "period_start_latest", "2020-11-01",
                 ["start window ends (2020-11-01) before it begins (2020-11-10)"], id="start-window-reversed"),
    pytest.param("claims.csv", f"{SEED}-05", "period_start_latest", "2024-03-01",
                 ["start window ends (2024-03-01) after its statement", "2024-02-12"], id="start-window-after-statement"),
    pytest.param("claims.csv", f"{SEED}-01", "period_start_latest", "2020-11-30",
                 ["given without a period_start"], id="start-window-without-start"),
    pytest.param("claims.csv", f"{SEED}-05", "period_start_latest", "Nov 2020", ["not a real date"],
                 id="start-window-not-a-date"),
    # pages of one statement
    pytest.param("claims.csv", f"{SEED}-05", "page_url", "https://example.org/other",
                 ["'https://example.org/other' is not one of the other pages of source aa-2024-hajizada",
                  "one of its other_urls"], id="page-not-of-the-statement"),
    pytest.param("sources.csv", SEED, "other_urls", "https://a.example/1,https://b.example/2 x",
                 ["not a list of urls"], id="other-urls-not-urls"),
]


@pytest.mark.parametrize(("file", "key", "column", "value", "fragments"), BAD_CELLS)
def test_bad_cell_is_one_problem_naming_file_row_and_column(data_dir, file, key, column, value, fragments):
    path = data_dir / file
    line = set_cell(path, key, column, value)
    assert_one(load_fails(data_dir), path, line, column, *fragments)


def test_duplicate_claim_id_names_both_rows(data_dir):
    path = data_dir / "claims.csv"
    first = set_cell(path, f"{SEED}-04", "note", "")  # only to learn its line
    second = set_cell(path, f"{SEED}-05", "claim_id", f"{SEED}-04")
    assert load_fails(data_dir) == [
        f"{path}:{first}: claim_id: duplicate value '{SEED}-04' (must be unique; also on row {second})",
        f"{path}:{second}: claim_id: duplicate value '{SEED}-04' (must be unique; also on row {first})",
    ]


def test_duplicate_source_id_names_both_rows(data_dir):
    path = data_dir / "sources.csv"
    rows = read_rows(path)
    (i,) = [i for i, row in enumerate(rows) if row[0] == SEED]
    starts = write_rows(path, rows + [rows[i]])
    first, second = starts[i], starts[-1]
    problems = load_fails(data_dir)
    assert [p.split(" (")[0] for p in problems] == [
        f"{path}:{first}: source_id: duplicate value '{SEED}'",
        f"{path}:{second}: source_id: duplicate value '{SEED}'",
    ]
    assert f"also on row {second})" in problems[0] and f"also on row {first})" in problems[1]


def test_line_numbers_count_physical_lines_of_a_multi_line_cell(data_dir):
    path = data_dir / "claims.csv"
    set_cell(path, f"{SEED}-04", "note", "first line\nsecond line")
    spanning = set_cell(path, f"{SEED}-04", "value", "abc")
    after = set_cell(path, f"{SEED}-05", "value", "abc")
    assert after == spanning + 2
    problems = load_fails(data_dir)
    assert [p.split(": not")[0] for p in problems] == [f"{path}:{spanning}: value", f"{path}:{after}: value"]


# ---------------------------------------------------------------- bad input: malformed files


def test_row_with_an_extra_field(data_dir):
    path = data_dir / "claims.csv"
    line = edit_line(path, f"{SEED}-05", lambda raw: raw + b",extra")
    assert_one(load_fails(data_dir), path, line, "(row)", "17 fields, the header has 16")


@pytest.mark.parametrize("key", [f"{SEED}-03", "ind-aze-media-2021-01"], ids=["mid-file", "last-row"])
def test_unterminated_quote_is_reported_where_the_quote_opens(data_dir, key):
    path = data_dir / "claims.csv"
    line = edit_line(path, key, lambda raw: raw.replace(b",", b',"', 1))
    assert_one(load_fails(data_dir), path, line, "(file)", "malformed CSV")


def test_missing_file_names_its_path_and_is_not_created(data_dir):
    path = data_dir / "claims.csv"
    path.unlink()
    problems = load_fails(data_dir)
    assert_one(problems, path, 0, "(file)", "file is missing", "claim_id, source_id, metric")
    assert not path.exists()


def test_data_dir_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError) as exc:
        analysis.load_claims(missing)
    assert exc.value.problems[0].startswith(f"{missing}:0: (directory): not a directory")
    assert not missing.exists()


def test_empty_file(data_dir):
    path = data_dir / "sources.csv"
    path.write_bytes(b"")
    assert_one(load_fails(data_dir), path, 1, "(header)", "file is empty", "source_id, source_kind")


def test_header_only_file(data_dir):
    path = data_dir / "metrics.csv"
    path.write_bytes(path.read_bytes().split(b"\n")[0] + b"\n")
    assert_one(load_fails(data_dir), path, 2, "(file)", "no data rows")


def test_latin_1_byte_is_rejected_on_its_line(data_dir):
    path = data_dir / "sources.csv"
    line = edit_line(path, SEED, lambda raw: raw + "caf\u00e9".encode("latin-1"))
    assert_one(load_fails(data_dir), path, line, "(file)", "not UTF-8", "0xe9")


def test_nul_byte_is_rejected_on_its_line(data_dir):
    path = data_dir / "claims.csv"
    line = edit_line(path, f"{SEED}-05", lambda raw: raw.replace(b"Second", b"Sec\x00ond"))
    assert_one(load_fails(data_dir), path, line, "(file)", "NUL byte")


# ---------------------------------------------------------------- several problems, one error


@pytest.mark.parametrize("load", [analysis.validate, analysis.load_claims], ids=["validate", "load_claims"])
def test_every_problem_is_reported_in_one_error_sorted_by_file_row_column(data_dir, load):
    claims, sources, metrics = (data_dir / n for n in ("claims.csv", "sources.csv", "metrics.csv"))
    late = set_cell(claims, "az-s02-2021-02-pgo-01", "value", "abc")
    set_cell(claims, "az-s02-2021-02-pgo-01", "metric", "killd")  # same row, earlier column
    early = set_cell(claims, f"{SEED}-05", "area", "")  # the seed's rows come first in the file
    assert early < late
    src = set_cell(sources, SEED, "source_kind", "statement")
    met = set_cell(metrics, "killed", "unit", "persons")
    problems = load_fails(data_dir, load)
    assert [p.split(": ")[0] + ": " + p.split(": ")[1] for p in problems] == [
        f"{metrics}:{met}: unit",
        f"{sources}:{src}: source_kind",
        f"{claims}:{early}: area",
        f"{claims}:{late}: metric",
        f"{claims}:{late}: value",
    ]


# ---------------------------------------------------------------- accepted and normalised input


def _pad_cells(raw: bytes) -> bytes:
    """Spaces around every cell, quoted ones included (data/README.md: spaces around a cell are dropped)."""
    out = []
    for row in csv.reader(io.StringIO(raw.decode("utf-8"), newline="")):
        cells = []
        for cell in row:
            if any(ch in cell for ch in ',"\n'):
                cells.append(' "' + cell.replace('"', '""') + '"  ')
            else:
                cells.append(f"  {cell} ")
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode("utf-8")


NORMALISED = {
    "bom": lambda raw: b"\xef\xbb\xbf" + raw,
    "crlf": lambda raw: raw.replace(b"\n", b"\r\n"),
    "spaces-around-cells": _pad_cells,
    "blank-lines": lambda raw: raw.replace(b"\n", b"\n\n   \n") + b"\n\n",
    "all-at-once": lambda raw: b"\xef\xbb\xbf" + _pad_cells(raw).replace(b"\n", b"\r\n\r\n"),
}


@pytest.mark.parametrize("variant", NORMALISED)
def test_accepted_variant_loads_the_same_claims(data_dir, real_claims, variant):
    for path in sorted(data_dir.glob("*.csv")):
        original = path.read_bytes()
        path.write_bytes(NORMALISED[variant](original))
        assert path.read_bytes() != original
    assert_frame_equal(analysis.load_claims(data_dir), real_claims)


def test_quoted_cell_after_a_space_keeps_no_quotes(data_dir, real_claims):
    path = data_dir / "sources.csv"
    edit_line(path, SEED, lambda raw: raw.replace(b",Aykhan Hajizada,", b', "Aykhan Hajizada",'))
    loaded = analysis.load_claims(data_dir)
    assert set(loaded.loc[loaded.source_id == SEED, "speaker"]) == {"Aykhan Hajizada"}
    assert_frame_equal(loaded, real_claims)


# ---------------------------------------------------------------- the committed data

ROWS_PER_SOURCE_KIND = {  # with the 2026 update: 102 official numbers (16 of them repeats on a second page
    # of one statement, kept once), 19 independent ones
    "official_statement": 367,
    "monitoring_report": 225,
    "news_report": 63,
    "ngo_report": 30,
    "government_report": 3,
    "blog": 3,
    "un_report": 1,
}


def test_load_claims_from_another_cwd_has_typed_columns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    claims = analysis.load_claims()
    assert claims["value"].dtype == "float64"
    for col in ("period_start", "period_end", "date_earliest", "date_latest"):
        assert is_datetime64_dtype(claims[col]), col
    for col in ("qualifier", "group", "metric", "source_kind"):
        assert isinstance(claims[col].dtype, pd.CategoricalDtype), col
    assert is_bool_dtype(claims["date_inferred"]) and is_bool_dtype(claims["relays_official"])
    assert claims[["qualifier", "group", "metric"]].notna().all().all()
    assert list(tmp_path.iterdir()) == []


def test_seed_statement_comes_back_exactly(real_claims):
    rows = real_claims[real_claims.source_id == SEED].sort_values("claim_id")
    war_end = pd.Timestamp("2020-11-10")
    got = [
        (r.metric, r.group, r.value, r.qualifier, None if pd.isna(r.period_start) else r.period_start,
         None if pd.isna(r.period_end) else r.period_end)
        for r in rows.itertuples()
    ]
    assert got == [
        ("map_accuracy_pct", "none", 25.0, "exact", None, None),
        ("explosions_outside_maps_pct", "none", 55.0, "nearly", None, None),
        ("casualties", "all", 3400.0, "more_than", None, None),
        ("casualties", "all", 342.0, "exact", war_end, None),
        ("killed", "all", 65.0, "exact", war_end, None),
        ("killed", "civilian", 50.0, "exact", war_end, None),
    ]
    assert rows.qualifier_as_stated.iloc[0] == "only"
    assert set(rows.speaker) == {"Aykhan Hajizada"}
    assert rows.affiliation.str.contains("Ministry of Foreign Affairs").all()
    assert rows.publisher.str.contains("Anadolu").all()
    assert set(rows.date_earliest) == {pd.Timestamp("2024-01-21")}
    assert set(rows.date_latest) == {pd.Timestamp("2024-02-12")}
    assert rows.date_inferred.all()


def test_rows_per_source_kind_guard_against_silent_drops(real_claims):
    counts = real_claims.source_kind.value_counts()
    assert {k: int(v) for k, v in counts.items() if v} == ROWS_PER_SOURCE_KIND
    assert len(real_claims) == sum(ROWS_PER_SOURCE_KIND.values())


def test_every_claim_has_a_web_url(real_claims):
    assert real_claims.url.str.match(r"https?://").all()


def test_import_prints_nothing_and_leaves_matplotlib_out(tmp_path):
    code = "import sys, analysis; sys.exit(3 if 'matplotlib' in sys.modules else 0)"
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), "3 = matplotlib was imported"


# ---------------------------------------------------------------- derived values


def test_statement_with_a_typo_suggests_the_id(real_claims):
    with pytest.raises(KeyError, match="did you mean aa-2024-hajizada"):
        analysis.statement(real_claims, "aa-2024-hajizad")


def test_statement_that_reports_injured_gets_no_derived_injured(real_claims):
    rows = analysis.statement(real_claims, "az-s34-2023-05-25-suleymanov")
    same_period = rows[(rows.group == "all") & (rows.period_start == pd.Timestamp("2020-11-10"))]
    assert {"casualties", "killed", "injured"} <= set(same_period.metric.astype(str))  # the case is really there
    out = analysis.derive(rows)
    assert not out.derived.any()
    assert len(out) == len(rows)


def _synthetic(q_whole: str, q_killed: str) -> pd.DataFrame:
    start = pd.Timestamp("2020-11-10")
    return pd.DataFrame({
        "claim_id": ["x-01", "x-02"],
        "source_id": ["x", "x"],
        "metric": ["casualties", "killed"],
        "group": ["all", "all"],
        "value": [100.0, 40.0],
        "qualifier": [q_whole, q_killed],
        "qualifier_as_stated": ["", ""],
        "period_start": [start, start],
        "period_end": [pd.NaT, pd.NaT],
    })


@pytest.mark.parametrize(
    ("q_whole", "q_killed", "expected"),
    [
        ("more_than", "exact", "more_than"),
        ("at_least", "exact", "at_least"),
        ("exact", "more_than", "less_than"),   # 342 - more than 65 = less than 277
        ("exact", "at_least", "up_to"),
        ("exact", "up_to", "at_least"),
        ("nearly", "exact", "nearly"),
        ("about", "exact", "about"),
        ("exact", "exact", "exact"),
        ("more_than", "more_than", "about"),  # two bounds: nothing certain either way
    ],
)
def test_qualifier_of_a_derived_difference(q_whole, q_killed, expected):
    out = analysis.derive(_synthetic(q_whole, q_killed))
    (injured,) = out[out.derived].itertuples()
    assert (injured.metric, injured.value, injured.qualifier) == ("injured", 60.0, expected)
    assert injured.inputs == ("x-01", "x-02")


def test_seed_statement_derived_values(real_claims):
    out = analysis.derive(analysis.statement(real_claims, SEED), context=analysis.load_context())
    reported, derived = out[~out.derived], out[out.derived]
    assert len(reported) == 6 and (reported.formula == "").all()
    got = {
        (r.metric, r.group): (r.value, r.qualifier, None if pd.isna(r.period_start) else r.period_start)
        for r in derived.itertuples()
    }
    war_end = pd.Timestamp("2020-11-10")
    assert got == {
        ("map_accuracy_pct", "none"): (75.0, "exact", None),
        ("explosions_outside_maps_pct", "none"): (45.0, "about", None),
        ("injured", "all"): (277.0, "exact", war_end),
        ("killed", "other"): (15.0, "exact", war_end),
    }
    by = derived.set_index("metric")
    assert "25" in by.loc["map_accuracy_pct", "formula"]
    assert "nearly 55" in by.loc["explosions_outside_maps_pct", "formula"]
    assert by.loc["injured", "inputs"] == (f"{SEED}-04", f"{SEED}-05")
    assert by.loc["injured", "formula"].endswith("= 277")


def test_blank_lines_before_the_header_are_skipped(data_dir):
    path = data_dir / "metrics.csv"
    path.write_bytes(b"\n\n" + path.read_bytes())
    analysis.validate(data_dir)


def test_a_header_missing_a_name_is_one_problem_not_one_per_row(data_dir):
    path = data_dir / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace("date_note,", "")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(analysis.DataError) as info:
        analysis.validate(data_dir)
    assert info.value.problems == [f"{path}:1: date_note: missing column (allowed: {', '.join(f.name for f in SOURCES_FIELDS)})"]


def test_fast_reader_is_used_on_the_real_data_and_agrees_with_the_careful_one(monkeypatch):
    from analysis import config, csvfile, schema

    for name, fields in schema.FILES.items():
        text = (config.DATA_DIR / name).read_text(encoding="utf-8")
        assert csvfile._read_fast(text, [f.name for f in fields]) is not None, f"{name} fell back to the slow path"
    fast = analysis.load_claims()
    monkeypatch.setattr(csvfile, "_read_fast", lambda text, names: None)
    careful = analysis.load_claims()
    assert_frame_equal(fast, careful)


@pytest.mark.parametrize("text", [
    "a,b\n1\n4,5\n",            # short row: pandas would pad it with ''
    "a,b\n1,2,3\n4,5\n",        # long first row: pandas would make an index of it
    'a,b\n"1\n2",3\n',          # a line break inside quotes: line numbers would shift
    'a,b\n"1"x,2\n',            # text after a closing quote: strict csv rejects it
])
def test_fast_reader_declines_what_it_cannot_be_sure_of(text):
    from analysis import csvfile

    assert csvfile._read_fast(text, ["a", "b"]) is None


def test_valid_data_loads_without_importing_pandera_and_bad_data_is_reported_by_it(data_dir):
    set_cell(data_dir / "claims.csv", "aa-2024-hajizada-01", "value", "abc")
    code = (
        "import sys, analysis\n"
        "analysis.load_claims()\n"
        "assert 'pandera' not in sys.modules, 'pandera imported for valid data'\n"
        f"try:\n    analysis.load_claims({str(data_dir)!r})\nexcept analysis.DataError as e:\n"
        "    assert 'value: not a plain number' in str(e)\n"
        "assert 'pandera' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("qualifier", "expected"), [
    ("exact", "exact"), ("more_than", "less_than"), ("at_least", "up_to"), ("up_to", "at_least"), ("nearly", "about"),
    ("about", "about"),
])
def test_the_rest_of_a_bounded_share_takes_the_flipped_bound(real_claims, qualifier, expected):
    rows = analysis.statement(real_claims, SEED)
    rows = rows[rows.metric == "explosions_outside_maps_pct"].copy()
    rows["qualifier"] = rows["qualifier"].cat.set_categories(list(rows.qualifier.cat.categories)).astype(str)
    rows.loc[:, "qualifier"] = qualifier
    rest = analysis.derive(rows, context=analysis.load_context()).query("derived")
    assert list(rest.value) == [45.0] and [str(q) for q in rest.qualifier] == [expected]
