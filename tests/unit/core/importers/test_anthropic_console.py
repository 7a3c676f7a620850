"""Anthropic Console CSVs and Admin API pages: exact totals, summed repeats, replaced buckets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.anthropic_console import AnthropicConsoleImporter, model_id
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "anthropic_console"
REAL_COST = DATA / "claude_api_cost_2026_02_08_to_2026_02_15.csv"
TOKENS_2026 = DATA / "claude_api_tokens_handmade_2026.csv"
TOKENS_2025 = DATA / "claude_api_tokens_handmade_2025_06.csv"
COST_2026_03 = DATA / "claude_api_cost_handmade_2026_03_list_price.csv"
USAGE_API = DATA / "usage_report_messages_handmade.json"
COST_API = DATA / "cost_report_handmade.json"
TOKENS = ("input_tokens", "cache_creation_tokens", "cache_read_tokens", "output_tokens")


def _sums(events: list) -> dict:
    out = {f: sum(getattr(e, f) for e in events) for f in (*TOKENS, "cache_creation_1h_tokens")}
    out["total_tokens"] = sum(e.total_tokens for e in events)
    out["events"] = len(events)
    out["cost_usd"] = round(sum(e.cost_usd or 0 for e in events), 9)
    return out


def _journal(journal: Journal) -> dict:
    row = journal.conn.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), "
        "sum(output_tokens), sum(total_tokens), round(coalesce(sum(cost_usd), 0), 9) FROM events"
    ).fetchone()
    return dict(zip(("events", *TOKENS, "total_tokens", "cost_usd"), row, strict=True))


def test_real_cost_export_sums_repeated_keys() -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), REAL_COST)
    assert ctx.issues == []
    # 24 rows; the two input_cache_write_5m rows of Sonnet on 2026-02-12 (0.75 + 1.16) are one.
    assert len(events) == 23
    assert round(sum(e.cost_usd for e in events), 9) == 19.97
    assert all(e.total_tokens == 0 and e.tool == "anthropic-api" for e in events)
    by_day: dict[str, float] = {}
    for e in events:
        by_day[e.session_key] = round(by_day.get(e.session_key, 0) + e.cost_usd, 9)
    assert by_day == {
        "anthropic-api:2026-02-12:Default": 6.55,
        "anthropic-api:2026-02-14:Default": 12.48,
        "anthropic-api:2026-02-15:Default": 0.94,
    }
    writes = [
        e for e in events if e.ts.startswith("2026-02-12") and "cache_write_5m" in e.dedup_key
    ]
    assert sorted(round(e.cost_usd, 9) for e in writes) == [0.02, 1.91]
    assert {e.model for e in events} == {None, "claude-haiku-4-5", "claude-sonnet-4-5"}


def test_real_cost_export_through_the_journal_twice(journal: Journal) -> None:
    [r] = import_paths(journal, [REAL_COST]).files
    assert (r.status, r.format, r.events_added) == ("imported", "anthropic-console", 23)
    assert _journal(journal)["cost_usd"] == 19.97
    assert journal.count("sessions") == 3
    shutil.copy(REAL_COST, journal.path.parent / "copy.csv")  # the same export, downloaded again
    import_paths(journal, [journal.path.parent / "copy.csv"])
    assert _journal(journal)["cost_usd"] == 19.97
    assert journal.count("events") == 23


def test_token_csv_2026_generation() -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), TOKENS_2026)
    assert ctx.issues == []
    # 7 rows: an empty bucket is dropped, two rows differing only in inference_geo are one.
    assert _sums(events) == {
        "input_tokens": 3_910,
        "cache_creation_tokens": 1_800,
        "cache_creation_1h_tokens": 500,
        "cache_read_tokens": 296_400,
        "output_tokens": 5_050,
        "total_tokens": 307_160,
        "events": 5,
        "cost_usd": 0,
    }
    assert sorted({e.session_key for e in events}) == [
        "anthropic-api:2026-03-30:Default",
        "anthropic-api:2026-03-31:Default",
        "anthropic-api:2026-03-31:Research",
    ]
    research = next(e for e in events if e.project == "Research")
    assert (research.input_tokens, research.output_tokens, research.total_tokens) == (
        600,
        750,
        1350,
    )
    fast = next(e for e in events if e.model == "claude-opus-4-6")
    assert fast.speed == "fast"
    long_ctx = [e for e in events if '">200k"' in e.dedup_key]
    assert [e.cache_read_tokens for e in long_ctx] == [250_000]


def test_token_csv_2025_06_generation_shares_keys_with_the_2026_one(tmp_path: Path) -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), TOKENS_2025)
    assert ctx.issues == []
    assert _sums(events) == {
        "input_tokens": 5_300,
        "cache_creation_tokens": 2_000,
        "cache_creation_1h_tokens": 0,
        "cache_read_tokens": 38_000,
        "output_tokens": 2_190,
        "total_tokens": 47_490,
        "events": 3,
        "cost_usd": 0,
    }
    new = tmp_path / "handmade-new-generation.csv"
    header = TOKENS_2026.read_text(encoding="utf-8").splitlines()[0]
    new.write_text(
        header + "\n2025-06-10,claude-sonnet-4-20250514,dev-key,Default,standard,≤ 200k,"
        "4000,2000,0,30000,1500,0,not_available,\n",
        encoding="utf-8",
    )
    [again], _ = parse_file(AnthropicConsoleImporter(), new)
    assert again.dedup_key == events[0].dedup_key


def _reexport(tmp_path: Path) -> Path:
    """A later export of 2026-03-31..04-01: the 31st is complete now, the 1st is new."""
    header = TOKENS_2026.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "claude_api_tokens_handmade_reexport.csv"
    path.write_text(
        header + "\n2026-03-31,claude-sonnet-4-5-20250929,chat-key,Research,standard,≤ 200k,"
        "900,0,0,0,1000,0,us,\n"
        "2026-03-31,claude-opus-4-6,chat-key,Default,standard,≤ 200k,100,0,0,1000,400,0,"
        "not_available,fast\n"
        "2026-04-01,claude-haiku-4-5-20251001,chat-key,Default,standard,≤ 200k,10,0,0,0,20,0,"
        "not_available,\n",
        encoding="utf-8",
    )
    return path


# After both files: 2026-03-30 from the first export, 03-31 and 04-01 from the re-export.
AFTER_BOTH = {
    "events": 6,
    "input_tokens": 1200 + 2000 + 10 + 900 + 100 + 10,
    "cache_creation_tokens": 1_800,
    "cache_read_tokens": 5400 + 40000 + 250000 + 1000,
    "output_tokens": 800 + 3000 + 100 + 1000 + 400 + 20,
    "total_tokens": 4_220 + 1_800 + 296_400 + 5_320,
    "cost_usd": 0,
}


@pytest.mark.parametrize("reexport_first", [False, True])
def test_an_overlapping_reexport_replaces_buckets_in_any_order(
    journal: Journal, tmp_path: Path, reexport_first: bool
) -> None:
    first = tmp_path / "claude_api_tokens_handmade_2026.csv"
    shutil.copy(TOKENS_2026, first)
    later = _reexport(tmp_path)
    os.utime(first, ns=(1_700_000_000_000_000_000,) * 2)
    os.utime(later, ns=(1_800_000_000_000_000_000,) * 2)
    order = [later, first] if reexport_first else [first, later]
    for path in order:
        [r] = import_paths(journal, [path]).files
        assert r.status == "imported"
    assert _journal(journal) == AFTER_BOTH
    research = journal.session("anthropic-api:2026-03-31:Research")
    assert (research.input_tokens, research.output_tokens) == (900, 1000)
    # Imported once more, nothing changes.
    import_paths(journal, order)
    assert _journal(journal) == AFTER_BOTH


def test_cost_csv_with_list_price_column() -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), COST_2026_03)
    assert ctx.issues == []
    assert len(events) == 4
    assert round(sum(e.cost_usd for e in events), 9) == 3.77


def test_usage_report_page() -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), USAGE_API)
    assert ctx.issues == []
    assert _sums(events) == {
        "input_tokens": 1_800,
        "cache_creation_tokens": 1_500,
        "cache_creation_1h_tokens": 1_000,
        "cache_read_tokens": 20_000,
        "output_tokens": 920,
        "total_tokens": 24_220,
        "events": 2,
        "cost_usd": 0,
    }
    assert sorted(e.session_key for e in events) == [
        "anthropic-api:2026-03-30:Default",
        "anthropic-api:2026-03-30:wrkspc_01Research",
    ]


def test_cost_report_amounts_are_cents(tmp_path: Path) -> None:
    events, ctx = parse_file(AnthropicConsoleImporter(), COST_API)
    assert ctx.issues == []
    assert round(sum(e.cost_usd for e in events), 9) == 3.7428912
    # The same page saved twice in one list counts once.
    text = COST_API.read_text()
    twice = tmp_path / "handmade-two-pages.json"
    twice.write_text(f"[{text}, {text}]")
    events2, _ = parse_file(AnthropicConsoleImporter(), twice)
    assert round(sum(e.cost_usd for e in events2), 9) == 3.7428912


def test_pages_as_json_lines(tmp_path: Path) -> None:
    import json

    page = json.loads(USAGE_API.read_text())
    path = tmp_path / "handmade-pages.jsonl"
    path.write_text(json.dumps(page) + "\n" + json.dumps({**page, "data": []}) + "\n")
    events, ctx = parse_file(AnthropicConsoleImporter(), path)
    assert ctx.issues == [] and len(events) == 2


def _refused(journal: Journal, path: Path, fmt: str | None = None) -> str:
    [r] = import_paths(journal, [path], fmt=fmt).files
    assert r.status == "refused", r
    assert journal.count("events") == 0
    assert r.message is not None
    return r.message


def test_api_error_saved_instead_of_a_page(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-error.json"
    path.write_text(
        '{"type": "error", "error": {"type": "authentication_error", '
        '"message": "invalid x-api-key"}, "data": null, "starting_at": "x", "has_more": false}'
    )
    assert _refused(journal, path, fmt="anthropic-console") == (
        "Nothing could be imported: line 1: this file holds an API error (invalid x-api-key), "
        "not a report: Export it again from the Anthropic Console (Usage or Cost, Export), or "
        "save the JSON page of the Admin API's usage_report/messages or cost_report."
    )


def test_json_that_is_not_a_report(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-other.json"
    path.write_text('{"object": "list", "data": [{"id": "x"}]}')
    assert AnthropicConsoleImporter().sniff(path, path.read_bytes()) == 0.0
    events, ctx = parse_file(AnthropicConsoleImporter(), path)
    assert events == []
    assert [(i.line, i.reason) for i in ctx.issues] == [
        (
            1,
            "a bucket has no results list: this is not an Anthropic Console export or "
            "Admin API report",
        )
    ]


def test_a_bad_cost_cell_refuses_the_file(journal: Journal, tmp_path: Path) -> None:
    text = REAL_COST.read_text(encoding="utf-8").replace(",2.63,", ",2.6.3,")
    path = tmp_path / "handmade-bad-cost.csv"
    path.write_text(text, encoding="utf-8")
    assert _refused(journal, path) == (
        "Nothing could be imported: line 8: the cost_usd cell '2.6.3' is not a number: "
        "correct or remove the row."
    )


def test_semicolons_bom_crlf_and_decimal_commas(tmp_path: Path) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(REAL_COST.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(rows[0])
    for r in rows[1:]:
        r[7] = r[7].replace(".", ",")
        writer.writerow(r)
    path = tmp_path / "handmade-excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    events, ctx = parse_file(AnthropicConsoleImporter(), path)
    assert ctx.issues == []
    assert round(sum(e.cost_usd for e in events), 9) == 19.97 and len(events) == 23


def test_model_display_names() -> None:
    assert model_id("Claude Sonnet 4.5") == "claude-sonnet-4-5"
    assert model_id("Claude 3.5 Sonnet") == "claude-3-5-sonnet"
    assert model_id("--") is None
    assert model_id("claude-opus-4-6") == "claude-opus-4-6"


@pytest.mark.parametrize(
    "path", [REAL_COST, TOKENS_2026, TOKENS_2025, COST_2026_03, USAGE_API, COST_API]
)
def test_registry_detects_every_file(path: Path) -> None:
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "anthropic-console"
