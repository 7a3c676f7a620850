"""The demo journal: deterministic, and shaped like a few months of real work."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from tokenworth.core.demo import build_demo
from tokenworth.core.store import SessionFilter, open_journal
from tokenworth.core.timeutil import UTC, parse_ts

END = dt.datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
TOOLS = {"claude-code", "codex", "gemini-cli", "copilot-cli", "cursor", "chatgpt", "manual"}


def _snapshot(folder: Path, **kwargs) -> list[dict]:
    with open_journal(folder) as j:
        build_demo(j, end=END, **kwargs)
        rows = [s.to_dict() for s in j.sessions()]
    for r in rows:
        r.pop("annotated_at")  # the moment of writing, not part of the demo
    return rows


def test_same_seed_same_journal(tmp_path: Path) -> None:
    a = _snapshot(tmp_path / "a", sessions=120)
    b = _snapshot(tmp_path / "b", sessions=120)
    c = _snapshot(tmp_path / "c", sessions=120, seed=8)
    assert a == b
    assert a != c
    assert len(a) == len(c) == 120


def test_demo_has_the_promised_shape(journal) -> None:
    assert build_demo(journal, end=END) == 300
    sessions = journal.sessions()
    assert len(sessions) == 300
    assert {s.tool for s in sessions} == TOOLS

    annotated = [s for s in sessions if s.annotation is not None]
    rated = [s for s in annotated if s.annotation.value is not None]
    assert 0.72 <= len(annotated) / len(sessions) <= 0.88
    assert len(rated) < len(annotated)  # some have a goal but no rating yet
    assert len(journal.session_ids(SessionFilter(unrated=True))) == len(sessions) - len(rated)
    assert {s.annotation.value for s in rated} == {1, 2, 3, 4, 5}
    assert all(s.annotation.goal for s in annotated)
    assert any(s.annotation.tags for s in annotated) and any(s.annotation.note for s in rated)
    assert {s.annotation.outcome for s in rated} == {
        "achieved",
        "partly",
        "not-achieved",
        "abandoned",
    }

    starts = [parse_ts(s.start) for s in sessions]
    assert max(starts) <= END and (END - min(starts)).days >= 140
    assert len({(t.year, t.month) for t in starts}) >= 5

    models = {m for s in sessions for m in s.models}
    assert {"claude-opus-4-6", "claude-sonnet-4-5", "gpt-5-codex", "gemini-2.5-pro"} <= models
    claude = [s for s in sessions if s.tool == "claude-code"]
    # Claude Code sessions are mostly cache reads, and large.
    assert statistics.median(s.cache_read_tokens / s.total_tokens for s in claude) > 0.8
    assert statistics.median(s.total_tokens for s in claude) > 300_000
    chats = [s for s in sessions if s.tool == "chatgpt"]
    # Chat exports carry no counts: the tokens are estimates, their cost an API-equivalent one.
    assert all(s.estimated and s.estimated_tokens == s.total_tokens for s in chats)
    assert all(s.cost_usd is not None and s.unpriced_events == 0 for s in claude)
    assert all(s.total_tokens < 200_000 for s in chats)
    assert all(s.project for s in claude)


def test_calls_cap_keeps_big_journals_small(journal) -> None:
    build_demo(journal, sessions=500, end=END, calls_cap=2)
    assert journal.count("sessions") == 500
    assert journal.count("events") <= 2 * 500
