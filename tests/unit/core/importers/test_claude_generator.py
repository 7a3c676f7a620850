"""Generated Claude Code trees: the importer finds exactly the totals the generator knows."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from tests.bench.gen_claude import GeneratedTree, Totals, generate_tree
from tokenworth.core.importers.base import ParseContext
from tokenworth.core.importers.claude_code import ClaudeCodeImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.model import UsageEvent
from tokenworth.core.store import Journal


def _days(rows: dict[str, Totals]) -> dict[str, tuple[int, int, int, int, int]]:
    return {d: (*t.tokens(), t.events) for d, t in rows.items()}


def _journal_days(journal: Journal) -> dict[str, tuple[int, int, int, int, int]]:
    rows = journal.conn.execute(
        "SELECT substr(ts, 1, 10), sum(input_tokens), sum(cache_creation_tokens), "
        "sum(cache_read_tokens), sum(output_tokens), count(*) FROM events "
        "GROUP BY 1 ORDER BY 1"
    )
    return {day: tuple(values) for day, *values in rows}


def _journal_sessions(journal: Journal) -> dict[str, tuple[int, int, int, int, int]]:
    rows = journal.conn.execute(
        "SELECT session_key, input_tokens, cache_creation_tokens, cache_read_tokens, "
        "output_tokens, events FROM sessions"
    )
    return {key: tuple(values) for key, *values in rows}


def _parse(path: Path) -> tuple[list[UsageEvent], ParseContext]:
    ctx = ParseContext(path=path)
    with open(path, "rb") as fp:
        return list(ClaudeCodeImporter().parse(fp, ctx)), ctx


def _digest(tree: GeneratedTree) -> str:
    h = hashlib.sha256()
    for path in sorted(tree.files):
        h.update(str(path.relative_to(tree.root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> GeneratedTree:
    """A small tree with every trap, a few malformed lines and nothing odd for ccusage."""
    root = tmp_path_factory.mktemp("claude") / "cfg"
    return generate_tree(root, seed=11, files=14, target_bytes=1_200_000, bad_lines=2)


def test_the_tree_has_the_traps_it_promises(tree: GeneratedTree) -> None:
    text = b"".join(p.read_bytes() for p in tree.files)
    assert text.count(b'"type":"agent_progress"') > 0
    assert any(p.parent.name == "subagents" and "acompact" in p.name for p in tree.files)
    assert any(p.parent.name == "subagents" and "acompact" not in p.name for p in tree.files)
    assert b'"model":"<synthetic>"' in text and b'"usage":{}' in text
    assert b'"speed":"fast"' in text and b'"costUSD":' in text
    assert b'"toolUseResult":{"status":"completed"' in text  # a "usage" inside a tool result
    assert len(tree.daily) >= 2  # the first session runs past midnight UTC
    # Streaming: summing every line, or keeping the first line seen, would both be wrong.
    first: dict[str, int] = {}
    largest: dict[str, int] = {}
    every = 0
    for raw in text.splitlines():
        if b'"type":"assistant"' not in raw[-200:]:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            continue  # the malformed lines
        if obj.get("isSidechain") or not obj["message"].get("id"):
            continue
        msg = obj["message"]
        out = msg["usage"].get("output_tokens", 0)
        every += out
        first.setdefault(msg["id"], out)
        largest[msg["id"]] = max(out, largest.get(msg["id"], 0))
    assert sum(first.values()) < sum(largest.values()) < every


def test_importer_finds_the_generators_totals(journal: Journal, tree: GeneratedTree) -> None:
    issues = []
    for path in sorted(tree.files):
        events, ctx = _parse(path)
        journal.write_events(events)
        issues += [(Path(i.path), i.line) for i in ctx.issues]
    assert issues == tree.bad_lines and len(issues) == 2
    assert _journal_days(journal) == _days(tree.daily)
    assert _journal_sessions(journal) == _days(tree.sessions)


def test_any_file_order_gives_the_same_journal(journal: Journal, tree: GeneratedTree) -> None:
    for path in sorted(tree.files, reverse=True):
        journal.write_events(_parse(path)[0])
    assert _journal_days(journal) == _days(tree.daily)
    assert _journal_sessions(journal) == _days(tree.sessions)


def test_runner_on_the_tree_and_again(journal: Journal, tree: GeneratedTree) -> None:
    report = import_paths(journal, [tree.root])
    assert {(f.status, f.format) for f in report.files} == {("imported", "claude-code")}
    assert len(report.files) == len(tree.files)
    assert sorted((Path(f.path), i.line) for f in report.files for i in f.issues) == sorted(
        tree.bad_lines
    )
    assert _journal_days(journal) == _days(tree.daily)
    again = import_paths(journal, [tree.root])
    assert {f.status for f in again.files} == {"unchanged"}
    assert _journal_days(journal) == _days(tree.daily)


@pytest.mark.parametrize("fraction", [0.1, 0.33, 0.5, 0.66, 0.9])
def test_every_file_resumed_mid_line_gives_the_same_totals(
    journal: Journal, tree: GeneratedTree, fraction: float
) -> None:
    imp = ClaudeCodeImporter()
    for path in tree.files:
        data = path.read_bytes()
        cut = int(len(data) * fraction)
        first = ParseContext(path=path)
        journal.write_events(imp.parse(io.BytesIO(data[:cut]), first))
        state = json.loads(json.dumps(first.state))
        second = ParseContext(
            path=path, offset=first.consumed, consumed=first.consumed, line=first.line, state=state
        )
        fp = io.BytesIO(data)
        fp.seek(first.consumed)
        journal.write_events(imp.parse(fp, second))
        assert second.consumed == len(data)
    assert _journal_days(journal) == _days(tree.daily)
    assert _journal_sessions(journal) == _days(tree.sessions)


def test_partial_last_line_waits_then_counts(journal: Journal, tmp_path: Path) -> None:
    tree = generate_tree(
        tmp_path / "cfg", seed=5, files=6, target_bytes=400_000, partial_last_line=True
    )
    assert tree.pending is not None
    report = import_paths(journal, [tree.root])
    assert all(f.issues == [] for f in report.files)
    assert _journal_days(journal) == _days(tree.daily)
    with open(tree.pending.path, "ab") as fp:
        fp.write(tree.pending.rest)
    report = import_paths(journal, [tree.root])
    assert [f.status for f in report.files if f.status != "unchanged"] == ["imported"]
    assert _journal_days(journal) == _days(tree.pending.daily_after)
    assert _journal_sessions(journal) == _days(tree.pending.sessions_after)
    assert _journal_days(journal) != _days(tree.daily)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = generate_tree(tmp_path / "a", seed=3, files=5, target_bytes=200_000)
    b = generate_tree(tmp_path / "b", seed=3, files=5, target_bytes=200_000)
    c = generate_tree(tmp_path / "c", seed=4, files=5, target_bytes=200_000)
    assert _digest(a) == _digest(b) != _digest(c)
    assert _days(a.daily) == _days(b.daily)
    assert a.bytes == sum(p.stat().st_size for p in a.files)


def test_ccusage_prediction_differs_only_where_ccusage_is_wrong(tmp_path: Path) -> None:
    """quirk7=0 and no nulls: the ccusage model agrees with the truth to the token."""
    plain = generate_tree(tmp_path / "p", seed=8, files=10, target_bytes=600_000)
    assert {d: t.tokens() for d, t in plain.ccusage_daily.items()} == {
        d: t.tokens() for d, t in plain.daily.items()
    }
    odd = generate_tree(
        tmp_path / "q", seed=8, files=10, target_bytes=600_000, quirk7=1.0, nulls=True
    )
    truth, ccu = odd.total, Totals()
    for t in odd.ccusage_daily.values():
        ccu.input_tokens += t.input_tokens
        ccu.cache_creation_tokens += t.cache_creation_tokens
        ccu.cache_read_tokens += t.cache_read_tokens
        ccu.output_tokens += t.output_tokens
    # Skipped null lines lower every kind; intermediate progress copies lower output more.
    assert ccu.input_tokens < truth.input_tokens
    assert ccu.output_tokens < truth.output_tokens
