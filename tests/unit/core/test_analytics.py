"""stats(): sums per bucket in the user's zone, across DST changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tokenworth.core.analytics import EventFilter, stats
from tokenworth.core.errors import InputError
from tokenworth.core.model import UsageEvent
from tokenworth.core.store import Journal
from tokenworth.core.timeutil import UTC


def _ev(key: str, ts: str, session: str, tokens: int, tool: str = "codex", **kw) -> UsageEvent:
    return UsageEvent(
        tool=tool, ts=ts, session_key=session, dedup_key=key, input_tokens=tokens, **kw
    )


@pytest.fixture
def filled(journal: Journal) -> Journal:
    journal.write_events(
        [
            # 2026-03-28 23:30 UTC is already 2026-03-29 00:30 in Paris (CET, +1).
            _ev("a", "2026-03-28T23:30:00.000Z", "s1", 100),
            # 2026-03-29 22:30 UTC is 2026-03-30 00:30 in Paris (CEST, +2 after the change).
            _ev("b", "2026-03-29T22:30:00.000Z", "s1", 20),
            _ev("c", "2026-03-29T12:00:00.000Z", "s2", 3, tool="claude-code", cost_usd=0.5),
            _ev("d", "2026-03-29T12:05:00.000Z", "s3", 7, tool="chatgpt", estimated=True),
        ]
    )
    return journal


def test_days_in_utc(filled: Journal) -> None:
    data = stats(filled, "day", UTC)
    assert [(r["period"], r["input_tokens"], r["sessions"]) for r in data["rows"]] == [
        ("2026-03-28", 100, 1),
        ("2026-03-29", 30, 3),
    ]
    assert data["totals"]["total_tokens"] == 130
    assert data["totals"]["sessions"] == 3
    assert data["totals"]["events"] == 4
    assert data["totals"]["estimated_tokens"] == 7
    assert data["totals"]["cost_usd"] == 0.5


def test_days_in_paris_across_the_dst_change(filled: Journal) -> None:
    data = stats(filled, "day", ZoneInfo("Europe/Paris"))
    assert [(r["period"], r["input_tokens"]) for r in data["rows"]] == [
        ("2026-03-29", 110),
        ("2026-03-30", 20),
    ]


def test_half_hour_zone_uses_minutes(journal: Journal) -> None:
    # India is UTC+5:30: 18:20 UTC is 23:50 local, 18:40 UTC is 00:10 the next day.
    journal.write_events(
        [_ev("x", "2026-01-01T18:20:00.000Z", "s", 1), _ev("y", "2026-01-01T18:40:00.000Z", "s", 2)]
    )
    data = stats(journal, "day", ZoneInfo("Asia/Kolkata"))
    assert [(r["period"], r["input_tokens"]) for r in data["rows"]] == [
        ("2026-01-01", 1),
        ("2026-01-02", 2),
    ]


def test_groups_and_filters(filled: Journal) -> None:
    by_tool = stats(filled, "tool", UTC)
    assert {r["period"]: r["input_tokens"] for r in by_tool["rows"]} == {
        "chatgpt": 7,
        "claude-code": 3,
        "codex": 120,
    }
    only = stats(filled, "day", UTC, EventFilter(tools=("codex",)))
    assert only["totals"]["input_tokens"] == 120
    filled.annotate("s2", tags=["refactor"])
    by_tag = stats(filled, "tag", UTC)
    assert {r["period"]: r["total_tokens"] for r in by_tag["rows"]} == {
        "(untagged)": 127,
        "refactor": 3,
    }
    week = stats(filled, "week", UTC)
    assert [r["period"] for r in week["rows"]] == ["2026-03-23"]  # Monday of that week
    with pytest.raises(InputError):
        stats(filled, "fortnight", UTC)
