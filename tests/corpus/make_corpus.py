"""Regenerates tests/corpus/data/ from tests/corpus/minimal/: one folder per bad input.

Run: python tests/corpus/make_corpus.py (rewrites every case folder; commit the result).
"""
import shutil
from pathlib import Path

root = Path(__file__).resolve().parent
mini = root / "minimal"
out = root / "data"
if out.exists():
    shutil.rmtree(out)
M, S, C = "metrics.csv", "sources.csv", "claims.csv"


def text(name):
    return (mini / name).read_text(encoding="utf-8")


def sub(name, old, new, count=1):
    """The minimal file with one replacement (which must apply)."""
    t = text(name)
    assert old in t, (name, old)
    return {name: t.replace(old, new, count)}


def append(name, row):
    return {name: text(name) + row + "\n"}


CL = text(C).splitlines()
cases = [
 ("missing-column", sub(C, ",area,", ",", 1) | {C: "\n".join([CL[0].replace(",area", "")] + [ln.replace(",Somewhere,", ",", 1).replace(",Region A,", ",", 1) for ln in CL[1:]]) + "\n"}, ["claims.csv:1: area: missing column (allowed: claim_id"]),
 ("unknown-column", {S: "\n".join(ln + (",extra" if i == 0 else ",x") for i, ln in enumerate(text(S).splitlines())) + "\n"}, ["sources.csv:1: extra: unknown column (allowed: source_id"]),
 ("duplicated-column", {M: "\n".join(ln + (",unit" if i == 0 else ",people") for i, ln in enumerate(text(M).splitlines())) + "\n"}, ["metrics.csv:1: unit: duplicated column"]),
 ("value-not-a-number", sub(C, ",342,", ",abc,"), ["claims.csv:2: value: not a plain number", "got 'abc'"]),
 ("value-thousands-separator", sub(C, ",342,", ',"3,420",'), ["claims.csv:2: value: not a plain number", "no thousands separators"]),
 ("value-with-unit", sub(C, ",342,", ",342 people,"), ["claims.csv:2: value: not a plain number"]),
 ("value-empty", sub(C, ",342,", ",,"), ["claims.csv:2: value: empty, but required"]),
 ("negative-count", sub(C, ",65,", ",-5,"), ["claims.csv:3: value: negative count -5 (allowed: 0 or more)"]),
 ("percent-over-100", sub(C, ",25,exact,only", ",125,exact,only"), ["claims.csv:4: value: percentage 125 outside 0-100"]),
 ("unknown-metric", sub(C, ",casualties,342", ",victims,342"), ["claims.csv:2: metric: unknown metric (allowed: casualties, killed"]),
 ("unknown-qualifier", sub(C, ",342,exact,", ",342,over,"), ["claims.csv:2: qualifier: unknown qualifier (allowed: exact, more_than"]),
 ("unknown-group", sub(C, ",65,exact,,all,", ",65,exact,,children,"), ["claims.csv:3: group: unknown group (allowed: all, civilian"]),
 ("duplicate-claim-id", sub(C, "test-official-02,", "test-official-01,"), ["claims.csv:3: claim_id: duplicate value 'test-official-01'", "also on row 2"]),
 ("duplicate-source-id", sub(S, "test-monitor,monitoring", "test-official,monitoring") | sub(C, "test-monitor-01,test-monitor,", "test-monitor-01,test-official,"), ["sources.csv:3: source_id: duplicate value 'test-official'"]),
 ("unknown-source", sub(C, "test-official-02,test-official,", "test-official-02,test-offical,"), ["claims.csv:3: source_id: unknown source 'test-offical'"]),
 ("window-ends-before-start", sub(S, "2024-01-21,2024-02-12", "2024-02-12,2024-01-21"), ["sources.csv:2: date_latest: window ends (2024-01-21) before it starts (2024-02-12)"]),
 ("period-ends-after-statement", sub(C, "2020-11-10,,,since the war,,\ntest-official-02", "2020-11-10,,2024-03-01,since the war,,\ntest-official-02"), ["claims.csv:2: period_end: period ends (2024-03-01) after its statement"]),
 ("period-ends-before-start", sub(C, "2022-01-01,,2022-12-31", "2022-12-31,,2022-01-01"), ["claims.csv:5: period_end: period ends (2022-01-01) before it starts (2022-12-31)"]),
 ("empty-area", sub(C, ",all,Somewhere,,official,2020-11-10,,,since the war,,\ntest-official-02", ",all,,,official,2020-11-10,,,since the war,,\ntest-official-02"), ["claims.csv:2: area: empty, but required"]),
 ("empty-url", sub(S, "https://example.org/report", ""), ["sources.csv:3: url: empty, but required"]),
 ("date-wrong-format", sub(S, "2024-01-21", "2024/01/21"), ["sources.csv:2: date_earliest: not a real date (allowed: YYYY-MM-DD): got '2024/01/21'"]),
 ("date-impossible", sub(S, "2024-02-12,true", "2024-02-30,true"), ["sources.csv:2: date_latest: not a real date"]),
 ("date-month-only", sub(C, "2022-01-01,,2022-12-31", "2022-01,,2022-12-31"), ["claims.csv:5: period_start: not a real date"]),
 ("boolean-yes", sub(S, ",true,window", ",yes,window"), ["sources.csv:2: date_inferred: not a boolean (allowed: true, false): got 'yes'"]),
 ("id-with-capitals", sub(S, "test-monitor,monitoring", "Test Monitor,monitoring") | sub(C, "test-monitor-01,test-monitor,", "test-monitor-01,Test Monitor,"), ["sources.csv:3: source_id: not a valid id", "claims.csv:5: source_id: not a valid id"]),
 ("url-without-scheme", sub(S, "https://example.org/report", "example.org/report"), ["sources.csv:3: url: not a url"]),
 ("unknown-unit", sub(M, "killed,people,", "killed,persons,"), ["metrics.csv:3: unit: unknown unit (allowed: people, percent"]),
 ("unknown-source-kind", sub(S, ",monitoring_report,", ",think_tank,"), ["sources.csv:3: source_kind: unknown source_kind (allowed: official_statement"]),
 ("group-none-on-people", sub(C, ",65,exact,,all,", ",65,exact,,none,"), ["claims.csv:3: group: 'none' for a metric about people (killed)"]),
 ("people-group-on-mines", append(C, "test-official-04,test-official,mines_estimated,1500000,about,,all,Somewhere,,official,,,,actual number,,"), ["claims.csv:6: group: 'all' for a metric not about people (mines_estimated) (allowed: none)"]),
 ("official-without-speaker", sub(S, ",Jane Doe,", ",,"), ["sources.csv:2: speaker: empty, but required for an official_statement"]),
 ("independent-without-collector", sub(C, ",Example Collector,", ",,"), ["claims.csv:5: collected_by: empty, but required for a source that is not an official statement"]),
 ("row-with-extra-field", sub(C, "since the war,,\ntest-official-02", "since the war,,,extra\ntest-official-02"), ["claims.csv:2: (row): malformed CSV row: 17 fields, the header has 16"]),
 ("unterminated-quote", sub(C, ",maps handed over,", ',"maps handed over,'), ["claims.csv:4: (file): malformed CSV"]),
 ("missing-file", {"DELETE": "claims.csv\n"}, ["claims.csv:0: (file): file is missing (expected a CSV with columns: claim_id"]),
 ("empty-file", {M: ""}, ["metrics.csv:1: (header): file is empty"]),
 ("header-only", {S: text(S).splitlines()[0] + "\n"}, ["sources.csv:2: (file): no data rows, only a header"]),
 ("latin-1-bytes", {"BYTES:" + S: text(S).replace("Jane Doe", "Jos\xe9 Doe").encode("latin-1")}, ["sources.csv:2: (file): not UTF-8 text (byte 0xe9"]),
 ("utf-16-file", {"BYTES:" + M: text(M).encode("utf-16")}, ["metrics.csv:1: (file): not UTF-8 text"]),
 ("nul-byte", {"BYTES:" + C: text(C).replace("Region A", "Region\x00A").encode()}, ["claims.csv:5: (file): contains a NUL byte"]),
 ("several-problems-at-once", sub(C, ",342,", ",abc,") | sub(S, ",true,window", ",maybe,window") | sub(M, "killed,people,", "killed,persons,"), ["metrics.csv:3: unit:", "sources.csv:2: date_inferred:", "claims.csv:2: value:"]),
 ("claim-id-of-another-source", sub(C, "test-monitor-01,test-monitor,", "test-official-09,test-monitor,"), ["claims.csv:5: claim_id: 'test-official-09' does not start with its source_id (allowed: test-monitor-NN)"]),
 ("official-counted-by-others", sub(C, "all,Somewhere,,official,2020-11-10,,,since the war,,\ntest-official-02", "all,Somewhere,,independent,2020-11-10,,,since the war,,\ntest-official-02"), ["claims.csv:2: counter_kind: 'independent' on an official statement (allowed: official"]),
 ("date-in-the-future", sub(S, "2023-11-14,2023-11-14", "2023-11-14,2099-11-14"), ["sources.csv:3: date_latest: 2099-11-14 is not a plausible date"]),
 ("date-before-1900", sub(C, "2022-01-01,,2022-12-31", "0001-01-01,,2022-12-31"), ["claims.csv:5: period_start: 0001-01-01 is not a plausible date"]),
 ("more-than-100-percent", sub(C, ",25,exact,only", ",100,more_than,over"), ["claims.csv:4: qualifier: more than 100% is impossible"]),
 ("percent-unit-with-count-kind", sub(M, "map_accuracy_pct,percent,percent,", "map_accuracy_pct,percent,count,"), ["metrics.csv:4: kind: 'count' with unit 'percent'"]),
 # reliability round 2: the number grammar, the reader's limits, escaping, file types
 ("value-arabic-indic-digits", sub(C, ",342,", ",\u0663\u0664\u0662,"), ["claims.csv:2: value: not a plain number (allowed: ASCII digits 0-9", "got '\u0663\u0664\u0662'"]),
 ("value-full-width-digits", sub(C, ",65,", ",\uff16\uff15,"), ["claims.csv:3: value: not a plain number (allowed: ASCII digits 0-9", "at most 12 digits before the '.' and 6 after"]),
 ("value-400-digits", sub(C, ",342,", "," + "9" * 400 + ","), ["claims.csv:2: value: not a plain number", "... (400 characters)'"]),
 ("value-too-many-decimals", sub(C, ",25,exact,only", ",25.0000001,exact,only"), ["claims.csv:4: value: not a plain number"]),
 ("percent-just-over-100", sub(C, ",25,exact,only", ",100.0001,exact,only"), ["claims.csv:4: value: percentage 100.0001 outside 0-100"]),
 ("cell-over-limit-unquoted", sub(C, ",maps handed over,,", ",maps handed over,," + "n" * 12000), ["claims.csv:4: note: cell of 12000 characters (allowed: at most 10000 characters per cell)"]),
 ("cell-over-limit-quoted", sub(C, ",maps handed over,,", ',maps handed over,,"' + "n" * 12000 + '"'), ["claims.csv:4: note: cell of 12000 characters (allowed: at most 10000 characters per cell)"]),
 ("cell-over-csv-field-limit-across-lines", sub(C, ",maps handed over,,", ',maps handed over,,"' + ("n" * 99 + "\n") * 1400 + '"'), ["claims.csv:4: note: cell of 139999 characters (allowed: at most 10000"]),
 ("line-over-limit", sub(C, ",maps handed over,,", ",maps handed over,," + "n" * 100001), ["claims.csv:4: (row): line of 100109 characters (allowed: at most 100000 characters per line)"]),
 ("text-after-closing-quote", sub(C, ",maps handed over,", ',"maps" handed over,'), ["claims.csv:4: (file): malformed CSV (text after a closing quote in cell 14"]),
 ("escape-and-bell-in-a-cell", sub(C, ",342,", ",342\x1b[2J\x07,"), ["claims.csv:2: value: not a plain number", "got '342\\x1b[2J\\x07'"]),
 ("escape-in-a-column-name", {S: "\n".join(ln + (",x\x1b]0;pwned\x07" if i == 0 else ",x") for i, ln in enumerate(text(S).splitlines())) + "\n"}, ["sources.csv:1: x\\x1b]0;pwned\\x07: unknown column"]),
 ("claims-is-a-link-out-of-the-folder", {"SPECIAL": "symlink claims.csv ../outside.csv\n"}, ["claims.csv:0: (file): a symbolic link to a file outside the data folder"]),
 ("claims-is-a-directory", {"SPECIAL": "dir claims.csv\n"}, ["claims.csv:0: (file): a directory, not a file"]),
 ("claims-is-a-fifo", {"SPECIAL": "fifo claims.csv\n"}, ["claims.csv:0: (file): a FIFO, not a regular file"]),
]
for i, (name, files, expect) in enumerate(cases, 1):
    d = out / f"{i:02d}-{name}"
    d.mkdir(parents=True)
    for fname, content in files.items():
        if fname.startswith("BYTES:"):
            (d / fname[6:]).write_bytes(content)
        elif fname in ("DELETE", "SPECIAL"):
            (d / fname).write_text(content)
        else:
            (d / fname).write_text(content, encoding="utf-8", newline="")
    (d / "expect.txt").write_text("\n".join(expect) + "\n", encoding="utf-8")
print(f"{len(cases)} cases written to {out}")
