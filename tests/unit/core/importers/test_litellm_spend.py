"""LiteLLM spend logs: JSON and CSV give the same calls, cache split from metadata, sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.litellm_spend import LiteLLMSpendImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "litellm"
AS_JSON = DATA / "litellm_spend_logs_handmade.json"
AS_CSV = DATA / "litellm_spend_logs_handmade.csv"

# 6 rows: a cache hit and a failed call (no tokens, no spend) are not model calls.
EXPECTED = {
    "events": 4,
    "input_tokens": (120 - 64) + (5_050 - 4_000 - 1_000) + 1_000 + 500,
    "cache_creation_tokens": 1_000,
    "cache_read_tokens": 64 + 4_000,
    "output_tokens": 25 + 120 + 300 + 100,
    "reasoning_tokens": 200,
    "total_tokens": 145 + 5_170 + 1_300 + 600,
    "cost_usd": 0.016035,
    "sessions": ["litellm:2026-04-01T09:00:00.000Z", "litellm:session:agent-run-7"],
}


def _sums(events: list) -> dict:
    out = {
        f: sum(getattr(e, f) for e in events)
        for f in (
            "input_tokens",
            "cache_creation_tokens",
            "cache_read_tokens",
            "output_tokens",
            "reasoning_tokens",
            "total_tokens",
        )
    }
    out["events"] = len(events)
    out["cost_usd"] = round(sum(e.cost_usd for e in events), 9)
    out["sessions"] = sorted({e.session_key for e in events})
    return out


@pytest.mark.parametrize("path", [AS_JSON, AS_CSV])
def test_json_and_csv_exports(path: Path) -> None:
    events, ctx = parse_file(LiteLLMSpendImporter(), path)
    assert ctx.issues == []
    assert _sums(events) == EXPECTED
    anthropic = next(e for e in events if e.dedup_key == "litellm:chatcmpl-a2")
    assert (anthropic.model, anthropic.project) == ("claude-sonnet-4-5-20250929", "research")


def test_a_spend_logs_page_and_reimport(journal: Journal, tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": json.loads(AS_JSON.read_text()), "total": 6}))
    events, ctx = parse_file(LiteLLMSpendImporter(), page)
    assert ctx.issues == [] and _sums(events) == EXPECTED
    import_paths(journal, [AS_JSON, AS_CSV, page])  # the same rows three times
    assert journal.count("events") == 4
    assert journal.count("sessions") == 2


def test_a_row_without_request_id_refuses_the_file(journal: Journal, tmp_path: Path) -> None:
    rows = json.loads(AS_JSON.read_text())
    rows[4]["request_id"] = ""
    path = tmp_path / "handmade-no-id.json"
    path.write_text(json.dumps(rows))
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused" and journal.count("events") == 0
    assert r.message == (
        "Nothing could be imported: line 5: this row has no request_id: export the spend logs "
        "again."
    )


def test_prompts_are_never_kept(journal: Journal) -> None:
    import_paths(journal, [AS_JSON])
    dump = "\n".join(journal.conn.iterdump())
    assert "secret" not in dump


@pytest.mark.parametrize("path", [AS_JSON, AS_CSV])
def test_registry_detects_both(path: Path) -> None:
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "litellm"
