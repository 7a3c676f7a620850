"""OpenRouter activity CSVs: daily buckets replaced on re-export, generations split by idle gap."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.openrouter import OpenRouterImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "openrouter"
DAILY = DATA / "openrouter_activity_daily_handmade.csv"
REEXPORT = DATA / "openrouter_activity_daily_handmade_reexport.csv"
GENERATIONS = DATA / "openrouter_generations_handmade.csv"


def _sums(events: list) -> dict:
    return {
        "events": len(events),
        "input_tokens": sum(e.input_tokens for e in events),
        "cache_read_tokens": sum(e.cache_read_tokens for e in events),
        "output_tokens": sum(e.output_tokens for e in events),
        "reasoning_tokens": sum(e.reasoning_tokens for e in events),
        "cost_usd": round(sum(e.cost_usd or 0 for e in events), 9),
        "sessions": len({e.session_key for e in events}),
    }


def _journal(journal: Journal) -> dict:
    row = journal.conn.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), round(sum(cost_usd), 9), count(DISTINCT session_key) FROM events"
    ).fetchone()
    keys = ("events", "input_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")
    return dict(zip((*keys, "cost_usd", "sessions"), row, strict=True))


def test_daily_export() -> None:
    events, ctx = parse_file(OpenRouterImporter(), DAILY)
    assert ctx.issues == []
    assert _sums(events) == {
        "events": 3,  # the empty bucket of 2026-05-13 is dropped
        "input_tokens": 81_234 + 20_000 + 9_000,
        "cache_read_tokens": 0,
        "output_tokens": 2_210 + 3_000 + 700,
        "reasoning_tokens": 1_200,
        "cost_usd": 0.4489,  # Usage plus BYOK Usage
        "sessions": 2,
    }


@pytest.mark.parametrize("reexport_first", [False, True])
def test_overlapping_daily_reexport_replaces_days(
    journal: Journal, tmp_path: Path, reexport_first: bool
) -> None:
    old, new = tmp_path / DAILY.name, tmp_path / REEXPORT.name
    shutil.copy(DAILY, old)
    shutil.copy(REEXPORT, new)
    os.utime(old, ns=(1_780_000_000_000_000_000,) * 2)
    os.utime(new, ns=(1_780_500_000_000_000_000,) * 2)
    for path in [new, old] if reexport_first else [old, new]:
        import_paths(journal, [path])
    assert _journal(journal) == {
        "events": 4,
        "input_tokens": 81_234 + 20_000 + 18_000 + 5_000,
        "cache_read_tokens": 0,
        "output_tokens": 2_210 + 3_000 + 1_400 + 1_000,
        "reasoning_tokens": 1_200 + 600,
        "cost_usd": 0.4665,
        "sessions": 3,
    }


def test_generations_split_by_idle_gap(journal: Journal) -> None:
    events, ctx = parse_file(OpenRouterImporter(), GENERATIONS)
    assert ctx.issues == []
    expected = {
        "events": 3,
        "input_tokens": (1_523 - 1_024) + (4_100 - 3_072) + 800,  # prompt includes cached
        "cache_read_tokens": 4_096,
        "output_tokens": 842,
        "reasoning_tokens": 168,
        "cost_usd": 0.00674,
        "sessions": 2,  # 18:54 and 18:56 together; 20:33 after a 97-minute pause
    }
    assert _sums(events) == expected
    assert sorted({e.session_key for e in events}) == [
        "openrouter:2026-02-06T18:54:30.040Z",
        "openrouter:2026-02-06T20:33:20.000Z",
    ]
    import_paths(journal, [GENERATIONS, GENERATIONS])
    assert _journal(journal) == expected


def test_bad_row_refuses_the_file(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-bad.csv"
    path.write_text(GENERATIONS.read_text().replace("2026-02-06 20:33:20.000", "yesterday"))
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused" and journal.count("events") == 0
    assert r.message == (
        "Nothing could be imported: line 4: the created_at cell 'yesterday' is not a date and "
        "time (expected e.g. 2026-02-12 or 2026-02-12T10:30:00Z)."
    )


@pytest.mark.parametrize("path", [DAILY, REEXPORT, GENERATIONS])
def test_registry_detects_every_file(path: Path) -> None:
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "openrouter"
