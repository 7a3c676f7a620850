"""Cursor usage-events CSV: exact totals of two real exports, idle-gap sessions, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.base import ParseContext
from tokenworth.core.importers.cursor_csv import CursorCsvImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "cursor_csv"
COMPOSER = DATA / "usage-events-2025-12-02-composer-1.csv"
AUTO = DATA / "usage-events-2025-12-02-auto.csv"

# Sums of the real files' columns (199 rows each), checked with csv.DictReader and Decimal.
COMPOSER_TOTALS = {
    "events": 199,
    "input_tokens": 7_139_104,
    "cache_creation_tokens": 0,
    "cache_read_tokens": 107_877_418,
    "output_tokens": 727_191,
    "total_tokens": 115_743_713,
    "cost_usd": 27.79,
    "sessions": 12,  # pauses over 30 minutes between consecutive requests, plus one
}
AUTO_TOTALS = {
    "events": 199,
    "input_tokens": 7_155,
    "cache_creation_tokens": 4_444_063,
    "cache_read_tokens": 83_544_576,
    "output_tokens": 699_697,
    "total_tokens": 88_695_491,
    "cost_usd": 30.666,
    "sessions": 21,
}
FIELDS = ("input_tokens", "cache_creation_tokens", "cache_read_tokens", "output_tokens")


def _totals(events: list) -> dict:
    out = {f: sum(getattr(e, f) for e in events) for f in (*FIELDS, "total_tokens")}
    out["events"] = len(events)
    out["cost_usd"] = round(sum(e.cost_usd for e in events), 6)
    out["sessions"] = len({e.session_key for e in events})
    return out


def _journal_totals(journal: Journal) -> dict:
    row = journal.conn.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), "
        "sum(output_tokens), sum(total_tokens), round(sum(cost_usd), 6), "
        "count(DISTINCT session_key) FROM events"
    ).fetchone()
    keys = ("events", *FIELDS, "total_tokens", "cost_usd", "sessions")
    return dict(zip(keys, row, strict=True))


@pytest.mark.parametrize(("path", "expected"), [(COMPOSER, COMPOSER_TOTALS), (AUTO, AUTO_TOTALS)])
def test_real_exports_give_the_column_sums(path: Path, expected: dict) -> None:
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert ctx.issues == []
    assert _totals(events) == expected
    assert all(e.tool == "cursor" and not e.estimated for e in events)


def test_fields_of_one_row() -> None:
    events, _ = parse_file(CursorCsvImporter(), COMPOSER)
    # "2025-11-14T06:33:38.190Z","Included","composer-1","No","0","15183","395934","1767",
    # "412884","0.12"
    ev = next(e for e in events if e.ts == "2025-11-14T06:33:38.190Z")
    assert (ev.model, ev.input_tokens, ev.cache_creation_tokens, ev.cache_read_tokens) == (
        "composer-1",
        15_183,
        0,
        395_934,
    )
    assert (ev.output_tokens, ev.total_tokens, ev.cost_usd) == (1_767, 412_884, 0.12)
    first = min(events, key=lambda e: e.ts)
    assert first.session_key == "cursor:2025-11-12T02:14:49.397Z"


def test_both_files_through_the_journal_and_again(journal: Journal) -> None:
    report = import_paths(journal, [COMPOSER, AUTO])
    assert [f.status for f in report.files] == ["imported", "imported"]
    assert [f.format for f in report.files] == ["cursor-csv", "cursor-csv"]
    both = {k: COMPOSER_TOTALS[k] + AUTO_TOTALS[k] for k in COMPOSER_TOTALS}
    both["cost_usd"] = 58.456
    assert _journal_totals(journal) == both
    again = import_paths(journal, [COMPOSER, AUTO])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert _journal_totals(journal) == both
    assert journal.count("sessions") == 33


def test_an_overlapping_later_export_adds_only_its_new_rows(
    journal: Journal, tmp_path: Path
) -> None:
    lines = COMPOSER.read_text(encoding="utf-8").splitlines(keepends=True)
    older = tmp_path / "older.csv"
    older.write_text("".join(lines[:1] + lines[100:]), encoding="utf-8")  # the 100 oldest rows
    import_paths(journal, [older])
    assert _journal_totals(journal)["events"] == 100
    [r] = import_paths(journal, [COMPOSER]).files
    assert (r.events_added, r.events_updated) == (99, 0)
    assert _journal_totals(journal) == COMPOSER_TOTALS


def test_identical_rows_count_twice(tmp_path: Path) -> None:
    lines = COMPOSER.read_text(encoding="utf-8").splitlines(keepends=True)
    doubled = tmp_path / "doubled.csv"
    doubled.write_text(lines[0] + lines[1] + lines[1], encoding="utf-8")
    events, ctx = parse_file(CursorCsvImporter(), doubled)
    assert ctx.issues == [] and len(events) == 2
    assert events[0].dedup_key != events[1].dedup_key


def _variant(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_bom_crlf_semicolons_floats_reordered_and_extra_columns(tmp_path: Path) -> None:
    """The same real rows, saved by a spreadsheet in a European locale: same totals."""
    import csv

    with open(COMPOSER, encoding="utf-8", newline="") as fp:
        rows = list(csv.DictReader(fp))
    cols = ["Cost", "Date", "Model", "User", "Kind", "Max Mode", "Input (w/ Cache Write)"]
    cols += ["Input (w/o Cache Write)", "Cache Read", "Output Tokens", "Total Tokens", "Extra"]
    out = ["sep=;", ";".join(cols)]
    for r in rows:
        r = dict(r, User="me@example.com", Extra="x")
        r["Cost"] = r["Cost"].replace(".", ",")
        r["Cache Read"] = r["Cache Read"] + ".0"  # counts written as floats
        out.append(";".join(f'"{r[c]}"' for c in cols))
    path = _variant(tmp_path, "handmade-excel.csv", "\ufeff" + "\r\n".join(out) + "\r\n")
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert ctx.issues == []
    totals = _totals(events)
    assert totals == COMPOSER_TOTALS
    assert all(":" in e.session_key.removeprefix("cursor:")[:12] for e in events)  # per user


def test_cp1252_file_from_excel_is_read(tmp_path: Path) -> None:
    text = COMPOSER.read_text(encoding="utf-8").replace('"Included"', '"Inclu\u00efd"', 1)
    path = _variant(tmp_path, "handmade-cp1252.csv", text, "cp1252")
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert ctx.issues == [] and len(events) == 199


def _refused(journal: Journal, path: Path, fmt: str | None = None) -> str:
    [r] = import_paths(journal, [path], fmt=fmt).files
    assert r.status == "refused"
    assert journal.count("events") == 0
    assert r.message is not None
    return r.message


def test_a_bad_number_refuses_the_whole_file_naming_the_line(
    journal: Journal, tmp_path: Path
) -> None:
    lines = COMPOSER.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[150] = lines[150].replace('"No","0"', '"No","zero"', 1)
    path = _variant(tmp_path, "handmade-bad-number.csv", "".join(lines))
    assert _refused(journal, path) == (
        "Nothing could be imported: line 151: the Input (w/ Cache Write) cell 'zero' is not "
        "a number: correct or remove the row."
    )


def test_a_fractional_count_is_refused(tmp_path: Path) -> None:
    lines = COMPOSER.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace('"2882"', '"2882.5"')
    path = _variant(tmp_path, "handmade-fraction.csv", "".join(lines))
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert events == []
    assert [(i.line, i.reason) for i in ctx.issues] == [
        (
            3,
            "the Output Tokens cell '2882.5' is not a whole, non-negative count of tokens: "
            "correct the row",
        )
    ]


def test_a_file_cut_short_is_refused(journal: Journal, tmp_path: Path) -> None:
    text = COMPOSER.read_text(encoding="utf-8")
    path = _variant(tmp_path, "handmade-cut.csv", text[: text.index("\n", 5000) + 40])
    message = _refused(journal, path)
    assert message == (
        "Nothing could be imported: line 51: this row has 3 of the 10 columns of the header; "
        "the file may be cut short: export it again."
    )


def test_a_missing_column_names_it(journal: Journal, tmp_path: Path) -> None:
    text = COMPOSER.read_text(encoding="utf-8").replace("Cache Read,", "Cache Hits,", 1)
    path = _variant(tmp_path, "handmade-renamed.csv", text)
    assert _refused(journal, path, fmt="cursor-csv") == (
        "This does not look like cursor-csv data; check the --format you chose."
    )
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert events == []
    assert ctx.issues[0].line == 1
    assert ctx.issues[0].reason.startswith(
        "this is not a Cursor usage export: the header lacks cache read (it has Date, Kind,"
    )


def test_csv_of_another_tool_is_not_taken_for_cursor(journal: Journal) -> None:
    other = Path(__file__).parents[3] / "data" / "anthropic_console"
    path = other / "claude_api_cost_2026_02_08_to_2026_02_15.csv"
    head = path.read_bytes()
    assert CursorCsvImporter().sniff(path, head) == 0.0
    assert _refused(journal, path, fmt="cursor-csv").startswith("This does not look like")


def test_header_only_export_imports_nothing(tmp_path: Path) -> None:
    path = _variant(tmp_path, "handmade-empty.csv", COMPOSER.read_text().splitlines()[0] + "\n")
    events, ctx = parse_file(CursorCsvImporter(), path)
    assert (events, ctx.issues) == ([], [])


def test_idle_gap_comes_from_the_context(tmp_path: Path) -> None:
    with open(COMPOSER, "rb") as fp:
        ctx = ParseContext(path=COMPOSER, state={"idle_gap_minutes": 60})
        events = list(CursorCsvImporter().parse(fp, ctx))
    assert len({e.session_key for e in events}) == 7  # pauses over an hour, plus one


def test_sniff_and_registry() -> None:
    for path in (COMPOSER, AUTO):
        head = path.read_bytes()[: registry.HEAD_BYTES]
        assert registry.detect(path, head).name == "cursor-csv"
    assert os.path.getsize(COMPOSER) == 20_017
