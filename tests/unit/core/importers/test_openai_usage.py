"""OpenAI usage/cost CSVs and API pages: exact totals, empty buckets, replaced buckets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers.openai_usage import OpenAIUsageImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "openai_usage"
USAGE = DATA / "completions_usage_handmade_2025-09-30_to_2025-10-02.csv"
REEXPORT = DATA / "completions_usage_handmade_reexport_2025-10-02_to_2025-10-03.csv"
COSTS = DATA / "costs_handmade_2025-09-30_to_2025-10-02.csv"
USAGE_PAGE = DATA / "usage_completions_page_handmade.json"
COSTS_PAGE = DATA / "costs_page_handmade.json"


def _sums(events: list) -> dict:
    return {
        "events": len(events),
        "input_tokens": sum(e.input_tokens for e in events),
        "cache_read_tokens": sum(e.cache_read_tokens for e in events),
        "output_tokens": sum(e.output_tokens for e in events),
        "total_tokens": sum(e.total_tokens for e in events),
        "cost_usd": round(sum(e.cost_usd or 0 for e in events), 12),
    }


def _journal(journal: Journal) -> dict:
    row = journal.conn.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), "
        "sum(total_tokens), round(coalesce(sum(cost_usd), 0), 12) FROM events"
    ).fetchone()
    keys = ("events", "input_tokens", "cache_read_tokens", "output_tokens", "total_tokens")
    return dict(zip((*keys, "cost_usd"), row, strict=True))


USAGE_TOTALS = {
    "events": 4,
    "input_tokens": 106_200 - 21_024,  # input_tokens includes the cached part
    "cache_read_tokens": 21_024,
    "output_tokens": 8_300,
    "total_tokens": 114_500,
    "cost_usd": 0,
}


def test_completions_csv_floats_and_an_empty_bucket() -> None:
    events, ctx = parse_file(OpenAIUsageImporter(), USAGE)
    assert ctx.issues == []
    assert _sums(events) == USAGE_TOTALS
    assert sorted({e.session_key for e in events}) == [
        "openai-api:2025-09-30:proj_abc",
        "openai-api:2025-10-02:proj_abc",
        "openai-api:2025-10-02:proj_def",
    ]
    # 1759190400,...,proj_abc,10.0,,,gpt-5-mini-2025-08-07,FALSE,default,59200.0,2000.0,1024.0
    first = next(e for e in events if e.model == "gpt-5-mini-2025-08-07")
    assert (first.ts, first.input_tokens, first.cache_read_tokens, first.output_tokens) == (
        "2025-09-30T00:00:00.000Z",
        58_176,
        1_024,
        2_000,
    )
    assert first.project == "proj_abc" and first.dedup_rank == os.stat(USAGE).st_mtime_ns


def test_costs_csv() -> None:
    events, ctx = parse_file(OpenAIUsageImporter(), COSTS)
    assert ctx.issues == []
    assert _sums(events)["cost_usd"] == 0.047504
    assert sorted(str(e.model) for e in events) == [
        "None",
        "gpt-5-mini-2025-08-07",
        "gpt-5-mini-2025-08-07",
    ]


def test_api_pages() -> None:
    events, ctx = parse_file(OpenAIUsageImporter(), USAGE_PAGE)
    assert ctx.issues == []
    assert _sums(events) == {
        "events": 2,
        "input_tokens": 58_176 + 4_000,
        "cache_read_tokens": 1_024,
        "output_tokens": 2_100,
        "total_tokens": 65_300,
        "cost_usd": 0,
    }
    costs, ctx = parse_file(OpenAIUsageImporter(), COSTS_PAGE)
    assert ctx.issues == [] and _sums(costs)["cost_usd"] == 0.017504


def test_csv_and_api_page_of_the_same_bucket_count_once(journal: Journal) -> None:
    import_paths(journal, [USAGE, USAGE_PAGE, COSTS, COSTS_PAGE])
    assert _journal(journal) == {
        "events": 4 + 1 + 3,  # the page's 2025-09-30 bucket is the CSV's; its costs too
        "input_tokens": 85_176 + 4_000,
        "cache_read_tokens": 21_024,
        "output_tokens": 8_400,
        "total_tokens": 118_600,
        "cost_usd": 0.047504,
    }


@pytest.mark.parametrize("reexport_first", [False, True])
def test_overlapping_reexport_replaces_buckets(
    journal: Journal, tmp_path: Path, reexport_first: bool
) -> None:
    old, new = tmp_path / USAGE.name, tmp_path / REEXPORT.name
    shutil.copy(USAGE, old)
    shutil.copy(REEXPORT, new)
    os.utime(old, ns=(1_760_000_000_000_000_000,) * 2)
    os.utime(new, ns=(1_760_100_000_000_000_000,) * 2)
    for path in [new, old] if reexport_first else [old, new]:
        [r] = import_paths(journal, [path]).files
        assert r.status == "imported"
    # 09-30 from the first export; 10-02 and 10-03 from the re-export (never added).
    assert _journal(journal) == {
        "events": 5,
        "input_tokens": 58_176 + 12_000 + 11_000 + 5_000 + 7_000,
        "cache_read_tokens": 1_024 + 20_000,
        "output_tokens": 2_000 + 800 + 1_600 + 4_000 + 300,
        "total_tokens": 61_200 + 12_800 + 32_600 + 9_000 + 7_300,
        "cost_usd": 0,
    }
    s = journal.session("openai-api:2025-10-02:proj_abc")
    assert (s.input_tokens, s.cache_read_tokens, s.output_tokens) == (11_000, 20_000, 1_600)


def test_an_older_file_rewritten_in_place_replaces_its_buckets(
    journal: Journal, tmp_path: Path
) -> None:
    path = tmp_path / "usage.csv"
    shutil.copy(USAGE, path)
    import_paths(journal, [path])
    path.write_text(REEXPORT.read_text())  # the same name, downloaded again
    [r] = import_paths(journal, [path]).files
    assert r.status == "imported"
    assert _journal(journal)["events"] == 3
    assert _journal(journal)["output_tokens"] == 1_600 + 4_000 + 300


def _refused(journal: Journal, path: Path) -> str:
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused", r
    assert journal.count("events") == 0
    assert r.message is not None
    return r.message


def test_bad_count_refuses_the_file(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-bad.csv"
    path.write_text(USAGE.read_text().replace(",30000.0,", ",30k,"))
    assert _refused(journal, path) == (
        "Nothing could be imported: line 5: the input_tokens cell '30k' is not a number: "
        "correct or remove the row."
    )


def test_other_currency_is_refused(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-eur.csv"
    path.write_text(COSTS.read_text().replace(",usd,", ",eur,"))
    assert _refused(journal, path) == (
        "Nothing could be imported: line 2: the amounts are in EUR: Tokenworth keeps US dollars."
    )


def test_embeddings_page_is_refused_with_a_reason(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "handmade-embeddings.json"
    path.write_text(
        USAGE_PAGE.read_text().replace(
            "organization.usage.completions.result", "organization.usage.embeddings.result"
        )
    )
    [r] = import_paths(journal, [path], fmt="openai-usage").files
    assert r.message == (
        "Nothing could be imported: line 1: the page holds organization.usage.embeddings.result "
        "results: Tokenworth imports the completions usage and the costs pages."
    )


def test_unknown_columns_and_reordering_are_fine(tmp_path: Path) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(USAGE.read_text())))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for i, r in enumerate(rows):
        w.writerow([r[j] for j in order] + (["new_column"] if i == 0 else ["x"]))
    path = tmp_path / "handmade-reordered.csv"
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    events, ctx = parse_file(OpenAIUsageImporter(), path)
    assert ctx.issues == [] and _sums(events) == USAGE_TOTALS


@pytest.mark.parametrize("path", [USAGE, REEXPORT, COSTS, USAGE_PAGE, COSTS_PAGE])
def test_registry_detects_every_file(path: Path) -> None:
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "openai-usage"
