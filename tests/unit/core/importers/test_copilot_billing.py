"""GitHub Copilot usage report: three header generations by name, summed repeats, replacement."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.copilot_billing import CopilotBillingImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "copilot_billing"
GEN_2025_06 = DATA / "copilot_usage_report_handmade_2025_06.csv"
GEN_2025_10 = DATA / "copilot_usage_report_handmade_2025_10.csv"
GEN_2026 = DATA / "copilot_usage_report_handmade_2026_ai_credits.csv"


def _sums(events: list) -> dict:
    costs = [e.cost_usd for e in events if e.cost_usd is not None]
    return {
        "events": len(events),
        "input_tokens": sum(e.input_tokens for e in events),
        "cache_creation_tokens": sum(e.cache_creation_tokens for e in events),
        "cache_read_tokens": sum(e.cache_read_tokens for e in events),
        "output_tokens": sum(e.output_tokens for e in events),
        "total_tokens": sum(e.total_tokens for e in events),
        "cost_usd": round(sum(costs), 9) if costs else None,
        "sessions": sorted({e.session_key for e in events}),
    }


def test_oldest_generation_has_requests_only() -> None:
    events, ctx = parse_file(CopilotBillingImporter(), GEN_2025_06)
    assert ctx.issues == []
    assert _sums(events) == {
        "events": 3,
        "input_tokens": 0,
        "cache_creation_tokens": 0,
        "cache_read_tokens": 0,
        "output_tokens": 0,
        "total_tokens": 0,
        "cost_usd": None,
        "sessions": ["copilot:2025-06-03", "copilot:2025-06-04"],
    }
    assert {e.model for e in events} == {"Claude Sonnet 4", "GPT-4.1"}


def test_2025_10_generation_sums_a_repeated_bucket() -> None:
    events, ctx = parse_file(CopilotBillingImporter(), GEN_2025_10)
    assert ctx.issues == []
    summed = _sums(events)
    assert summed["events"] == 3  # the two GPT-5 rows of 2025-10-01 are one bucket
    assert summed["cost_usd"] == 1.92  # gross amounts: 0.48 + 0.16 + 0.08 + 1.20
    assert summed["sessions"] == ["copilot:2025-10-01", "copilot:2025-10-02:acme"]
    gpt5 = next(e for e in events if e.model == "GPT-5")
    assert round(gpt5.cost_usd, 9) == 0.24


def test_2026_generation_reordered_columns_with_tokens() -> None:
    events, ctx = parse_file(CopilotBillingImporter(), GEN_2026)
    assert ctx.issues == []
    assert _sums(events) == {
        "events": 3,
        "input_tokens": 18_000,
        "cache_creation_tokens": 5_000,
        "cache_read_tokens": 80_000,
        "output_tokens": 3_900,
        "total_tokens": 106_900,
        "cost_usd": 3.02,  # aic_gross_amount where gross_amount is empty
        "sessions": ["copilot:2026-03-02", "copilot:2026-03-02:octocat/tokenworth"],
    }


def test_later_report_replaces_overlapping_buckets(journal: Journal, tmp_path: Path) -> None:
    old = tmp_path / GEN_2025_10.name
    shutil.copy(GEN_2025_10, old)
    new = tmp_path / "later.csv"
    lines = GEN_2025_10.read_text().splitlines()
    new.write_text(
        "\n".join([lines[0], lines[4].replace(",30,", ",40,").replace(",1.20,", ",1.60,")]) + "\n"
    )
    os.utime(old, ns=(1_760_000_000_000_000_000,) * 2)
    os.utime(new, ns=(1_760_900_000_000_000_000,) * 2)
    import_paths(journal, [new, old])
    row = journal.conn.execute("SELECT count(*), round(sum(cost_usd), 9) FROM events").fetchone()
    assert row == (3, 2.32)  # 0.48 + 0.24 from the first report, 1.60 from the later one


def test_a_bad_amount_refuses_the_file(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-bad.csv"
    path.write_text(GEN_2025_10.read_text().replace(",0.16,", ",sixteen cents,"))
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused" and journal.count("events") == 0
    assert r.message == (
        "Nothing could be imported: line 3: the gross_amount cell 'sixteen cents' is not a "
        "number: correct or remove the row."
    )


@pytest.mark.parametrize("path", [GEN_2025_06, GEN_2025_10, GEN_2026])
def test_registry_detects_every_generation(path: Path) -> None:
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "copilot-billing"
