"""trends(), breakdown() and scatter_points() on a small journal worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from tokenworth.core.analytics import (
    EventFilter,
    ScatterPoint,
    breakdown,
    breakdown_sessions,
    scatter_points,
    stats,
    trends,
)
from tokenworth.core.errors import InputError
from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC, get_zone

NEW_YORK = get_zone("America/New_York")  # EST -5, EDT -4 from 2026-03-08 07:00 UTC
KOLKATA = get_zone("Asia/Kolkata")  # +05:30 all year


def _ev(key: str, ts: str, session: str, tool: str, model: str | None, **kw) -> UsageEvent:
    return UsageEvent(tool=tool, ts=ts, session_key=session, dedup_key=key, model=model, **kw)


@pytest.fixture
def filled(journal: Journal) -> Journal:
    """Five sessions; every cost is reported by the source, so the sums are plain additions.

    2026-03-02 is a Monday, 2026-03-08 a Sunday.

    A claude-code, project alpha, value 5, tag refactor; 1,500 tokens, $0.15:
        a1 Mon 03-02 10:00Z 1,000 tokens $0.10; a2 Mon 03-09 02:00Z 500 tokens $0.05
        (in New York that is Sunday 03-08 22:00, still the week of 03-02)
    B codex, project alpha, value 2, tags refactor + bugfix; 3,000 tokens, $0.50:
        b1 Wed 03-04 12:00Z gpt-5-codex 2,000 $0.20; b2 12:30Z gpt-5 1,000 $0.30
    C codex, project beta, value 1; 4,000 estimated tokens of an unpriced model, no cost:
        c1 Tue 03-10 08:00Z
    D claude-code, no project, unrated, tag bugfix; 3,000 tokens, $0.03:
        d1 Sun 03-08 18:45Z (in Kolkata, +05:30, that is Monday 03-09 00:15)
    E manual, logged by hand Thu 03-12 15:00Z, no tokens, value 4.
    """
    opus = "claude-opus-4-6"
    journal.write_events(
        [
            _ev("a1", "2026-03-02T10:00:00.000Z", "A", "claude-code", opus, input_tokens=1_000,
                cost_usd=0.10, project="alpha"),
            _ev("a2", "2026-03-09T02:00:00.000Z", "A", "claude-code", opus, input_tokens=500,
                cost_usd=0.05, project="alpha"),
            _ev("b1", "2026-03-04T12:00:00.000Z", "B", "codex", "gpt-5-codex",
                input_tokens=2_000, cost_usd=0.20, project="alpha"),
            _ev("b2", "2026-03-04T12:30:00.000Z", "B", "codex", "gpt-5", input_tokens=1_000,
                cost_usd=0.30, project="alpha"),
            _ev("c1", "2026-03-10T08:00:00.000Z", "C", "codex", "mystery-model",
                input_tokens=4_000, estimated=True, project="beta"),
            _ev("d1", "2026-03-08T18:45:00.000Z", "D", "claude-code", opus, input_tokens=3_000,
                cost_usd=0.03),
        ]
    )  # fmt: skip
    journal.create_manual_session(
        tool="manual", start=dt.datetime(2026, 3, 12, 15, 0, tzinfo=UTC), minutes=30
    )
    (e_key,) = [s.session_key for s in journal.sessions(SessionFilter(tools=["manual"]))]
    for key, fields in (
        ("A", {"value": 5, "tags": ["refactor"], "goal": "Refactor the parser"}),
        ("B", {"value": 2, "tags": ["refactor", "bugfix"]}),
        ("C", {"value": 1}),
        ("D", {"tags": ["bugfix"]}),
        (e_key, {"value": 4}),
    ):
        journal.set_annotation(Annotation(session_key=key, **fields))
    return journal


def _by_period(result: dict) -> dict[str, dict]:
    return {r["period"]: r for r in result["rows"]}


def test_weekly_trends_in_utc(filled: Journal) -> None:
    t = trends(filled, "week", UTC)
    assert (t["period"], t["tz"], t["week_start"]) == ("week", "UTC", 0)
    assert t["tools"] == ["codex", "claude-code"]  # 7,000 and 4,500 tokens; manual has none
    rows = _by_period(t)
    assert list(rows) == ["2026-03-02", "2026-03-09"]
    first, second = rows["2026-03-02"], rows["2026-03-09"]
    # Calls placed by their own time: a1 1,000 + d1 3,000 (Sunday) | b1 2,000 + b2 1,000
    assert first["tokens"] == {"codex": 3_000, "claude-code": 4_000}
    assert first["total_tokens"] == 7_000
    assert first["cost_usd"] == pytest.approx(0.10 + 0.20 + 0.30 + 0.03)
    assert first["unpriced_events"] == 0
    # Sessions placed by their start: A (5), B (2), D (unrated) started this week.
    assert (first["sessions"], first["rated_sessions"]) == (3, 2)
    assert first["mean_value"] == 3.5  # (5 + 2) / 2
    # Rated 1-2: B's 3,000 of the rated A 1,500 (all of A, a2 included) + B 3,000.
    assert first["low_value_share"] == 3_000 / 4_500
    # a2 500 (Monday 02:00Z) | c1 4,000; E's manual entry has no tokens.
    assert second["tokens"] == {"codex": 4_000, "claude-code": 500}
    assert second["total_tokens"] == 4_500
    assert second["cost_usd"] == pytest.approx(0.05)
    assert second["unpriced_events"] == 1  # c1: tokens, no price, no reported cost
    assert (second["sessions"], second["rated_sessions"]) == (2, 2)  # C (1) and E (4)
    assert second["mean_value"] == 2.5
    assert second["low_value_share"] == 1.0  # C 4,000 of C 4,000 + E 0


def test_weeks_follow_the_first_day_and_the_zone(filled: Journal) -> None:
    sunday = _by_period(trends(filled, "week", UTC, week_start=6))
    assert list(sunday) == ["2026-03-01", "2026-03-08"]
    # Sunday 03-08 starts a week: d1 and D move to the second one.
    assert sunday["2026-03-01"]["tokens"] == {"codex": 3_000, "claude-code": 1_000}
    assert sunday["2026-03-08"]["tokens"] == {"codex": 4_000, "claude-code": 3_500}
    assert sunday["2026-03-08"]["sessions"] == 3  # D, C, E
    assert sunday["2026-03-08"]["cost_usd"] == pytest.approx(0.03 + 0.05)

    # New York: a2 (03-09 02:00Z) is Sunday 22:00 EDT, still in the week of 03-02.
    ny = _by_period(trends(filled, "week", NEW_YORK))
    assert ny["2026-03-02"]["tokens"] == {"codex": 3_000, "claude-code": 4_500}
    assert ny["2026-03-02"]["cost_usd"] == pytest.approx(0.68)
    # What is left in the second week has no cost at all: None, not $0.
    assert ny["2026-03-09"]["tokens"] == {"codex": 4_000, "claude-code": 0}
    assert ny["2026-03-09"]["cost_usd"] is None
    assert ny["2026-03-09"]["unpriced_events"] == 1

    # Kolkata (+05:30): d1 at 18:45Z is Monday 00:15 local. Grouping by UTC hour would
    # have put it at 18:00Z = Sunday 23:30, in the week before.
    kolkata = _by_period(trends(filled, "week", KOLKATA))
    assert kolkata["2026-03-02"]["tokens"] == {"codex": 3_000, "claude-code": 1_000}
    assert kolkata["2026-03-09"]["tokens"] == {"codex": 4_000, "claude-code": 3_500}
    assert kolkata["2026-03-09"]["sessions"] == 3  # D started on Monday there
    assert kolkata["2026-03-09"]["mean_value"] == 2.5  # C 1 and E 4; D unrated


def test_monthly_trends_fill_the_gaps(filled: Journal) -> None:
    filled.write_events(
        [_ev("f1", "2026-05-05T09:00:00.000Z", "F", "codex", "gpt-5", input_tokens=800,
             cost_usd=0.08)]
    )  # fmt: skip
    filled.set_annotation(Annotation(session_key="F", value=3))
    rows = trends(filled, "month", UTC)["rows"]
    assert [r["period"] for r in rows] == ["2026-03", "2026-04", "2026-05"]
    assert [r["start"] for r in rows] == ["2026-03-01", "2026-04-01", "2026-05-01"]
    march, april, may = rows
    assert march["tokens"] == {"codex": 7_000, "claude-code": 4_500}
    assert march["cost_usd"] == pytest.approx(0.68)  # 0.15 + 0.50 + 0.03
    assert (march["sessions"], march["rated_sessions"]) == (5, 4)
    assert march["mean_value"] == 3.0  # (5 + 2 + 1 + 4) / 4
    # rated 1-2: B 3,000 + C 4,000 of rated A 1,500 + B 3,000 + C 4,000 + E 0
    assert march["low_value_share"] == 7_000 / 8_500
    assert april == {
        "period": "2026-04",
        "start": "2026-04-01",
        "tokens": {"codex": 0, "claude-code": 0},
        "total_tokens": 0,
        "cost_usd": None,
        "unpriced_events": 0,
        "sessions": 0,
        "rated_sessions": 0,
        "mean_value": None,
        "low_value_share": None,
    }
    assert may["tokens"] == {"codex": 800, "claude-code": 0}
    assert (may["mean_value"], may["low_value_share"]) == (3.0, 0.0)


def test_trends_select_sessions_like_the_journal_table(filled: Journal) -> None:
    codex = _by_period(trends(filled, "week", UTC, SessionFilter(tools=["codex"])))
    assert codex["2026-03-02"]["tokens"] == {"codex": 3_000}
    assert codex["2026-03-02"]["cost_usd"] == pytest.approx(0.50)
    assert codex["2026-03-02"]["mean_value"] == 2.0  # B
    assert codex["2026-03-09"]["mean_value"] == 1.0  # C
    # A session is selected by its start; then all its calls count where they fall:
    # A started in range, its a2 (03-09) lands in the second week with no session started.
    early = SessionFilter(since="2026-03-02T00:00:00.000Z", until="2026-03-05T00:00:00.000Z")
    rows = _by_period(trends(filled, "week", UTC, early))
    assert rows["2026-03-09"]["tokens"] == {"codex": 0, "claude-code": 500}
    assert (rows["2026-03-09"]["sessions"], rows["2026-03-09"]["mean_value"]) == (0, None)
    assert trends(filled, "week", UTC, SessionFilter(tools=["cursor"]))["rows"] == []
    with pytest.raises(InputError):
        trends(filled, "day", UTC)


def test_trend_tokens_and_cost_equal_stats_per_week(filled: Journal) -> None:
    t = _by_period(trends(filled, "week", NEW_YORK, week_start=6))
    for tool in ("codex", "claude-code", "manual"):
        per_tool = stats(filled, "week", NEW_YORK, EventFilter(tools=(tool,)), week_start=6)
        expected = {r["period"]: r["total_tokens"] for r in per_tool["rows"] if r["total_tokens"]}
        got = {p: r["tokens"][tool] for p, r in t.items() if r["tokens"].get(tool)}
        assert got == expected
    every = stats(filled, "week", NEW_YORK, week_start=6)
    for r in every["rows"]:
        assert t[r["period"]]["total_tokens"] == r["total_tokens"]
        assert t[r["period"]]["cost_usd"] == pytest.approx(r["cost_usd"])
        assert t[r["period"]]["unpriced_events"] == r["unpriced_events"]


def _rows(result: dict) -> list[tuple]:
    return [
        (
            r["key"],
            r["total_tokens"],
            None if r["cost_usd"] is None else round(r["cost_usd"], 6),
            r["unpriced_events"],
            r["sessions"],
            r["rated_sessions"],
            r["mean_value"],
        )
        for r in result["rows"]
    ]


def test_breakdown_by_tool_model_project_and_tag(filled: Journal) -> None:
    # key, tokens, cost, unpriced calls, sessions, rated, mean value; most tokens first
    assert _rows(breakdown(filled, "tool")) == [
        ("codex", 7_000, 0.5, 1, 2, 2, 1.5),  # B 3,000 $0.50 + C 4,000 unpriced; (2 + 1) / 2
        ("claude-code", 4_500, 0.18, 0, 2, 1, 5.0),  # A 1,500 $0.15 + D 3,000 $0.03
        ("manual", 0, None, 0, 1, 1, 4.0),  # E: no tokens, no cost (not $0)
    ]
    # B called two models: it counts in both rows, each with its own calls' tokens.
    assert _rows(breakdown(filled, "model")) == [
        ("claude-opus-4-6", 4_500, 0.18, 0, 2, 1, 5.0),  # A and D
        ("mystery-model", 4_000, None, 1, 1, 1, 1.0),  # C
        ("gpt-5-codex", 2_000, 0.2, 0, 1, 1, 2.0),  # b1
        ("gpt-5", 1_000, 0.3, 0, 1, 1, 2.0),  # b2
        ("(unknown)", 0, None, 0, 1, 1, 4.0),  # E, logged by hand without a model
    ]
    assert _rows(breakdown(filled, "project")) == [
        ("alpha", 4_500, 0.65, 0, 2, 2, 3.5),  # A + B
        ("beta", 4_000, None, 1, 1, 1, 1.0),  # C
        ("(none)", 3_000, 0.03, 0, 2, 1, 4.0),  # D (unrated) + E (4)
    ]
    # A session with two tags is in both rows.
    assert _rows(breakdown(filled, "tag")) == [
        ("bugfix", 6_000, 0.53, 0, 2, 1, 2.0),  # B + D; only B is rated
        ("refactor", 4_500, 0.65, 0, 2, 2, 3.5),  # A + B
        ("(untagged)", 4_000, None, 1, 2, 2, 2.5),  # C + E
    ]
    with pytest.raises(InputError):
        breakdown(filled, "week")


def test_breakdown_follows_the_filter(filled: Journal) -> None:
    bugfix = SessionFilter(tag="bugfix")
    # B and D, 3,000 tokens each: equal tokens sort by name.
    assert _rows(breakdown(filled, "tool", bugfix)) == [
        ("claude-code", 3_000, 0.03, 0, 1, 0, None),
        ("codex", 3_000, 0.5, 0, 1, 1, 2.0),
    ]
    assert _rows(breakdown(filled, "model", bugfix)) == [
        ("claude-opus-4-6", 3_000, 0.03, 0, 1, 0, None),
        ("gpt-5-codex", 2_000, 0.2, 0, 1, 1, 2.0),
        ("gpt-5", 1_000, 0.3, 0, 1, 1, 2.0),
    ]
    assert breakdown(filled, "tag", SessionFilter(tools=["cursor"]))["rows"] == []


@pytest.mark.parametrize("by", ["tool", "model", "project", "tag"])
def test_breakdown_rows_equal_stats(filled: Journal, by: str) -> None:
    expected = {r["period"]: r for r in stats(filled, by, UTC)["rows"]}
    got = {r["key"]: r for r in breakdown(filled, by)["rows"]}
    assert set(got) == set(expected)
    for key, row in got.items():
        e = expected[key]
        assert (row["total_tokens"], row["sessions"]) == (e["total_tokens"], e["sessions"])
        assert row["mean_value"] == e["mean_value"]
        assert row["unpriced_events"] == e["unpriced_events"]
        assert row["cost_usd"] == (None if e["cost_usd"] is None else pytest.approx(e["cost_usd"]))


def test_breakdown_sessions_are_the_sessions_of_a_row(filled: Journal) -> None:
    (e_key,) = [s.session_key for s in filled.sessions(SessionFilter(tools=["manual"]))]
    assert breakdown_sessions(filled, "tool", "codex") == ["B", "C"]
    assert breakdown_sessions(filled, "model", "claude-opus-4-6") == ["A", "D"]
    assert breakdown_sessions(filled, "model", "(unknown)") == [e_key]
    assert breakdown_sessions(filled, "project", "(none)") == ["D", e_key]
    assert breakdown_sessions(filled, "tag", "bugfix") == ["B", "D"]
    assert breakdown_sessions(filled, "tag", "(untagged)") == ["C", e_key]
    # The filter narrows a row as it narrowed the breakdown.
    assert breakdown_sessions(filled, "tag", "refactor", SessionFilter(tools=["codex"])) == ["B"]
    for by in ("tool", "model", "project", "tag"):
        for row in breakdown(filled, by)["rows"]:
            assert len(breakdown_sessions(filled, by, row["key"])) == row["sessions"]


def test_scatter_points_are_the_rated_sessions_with_tokens(filled: Journal) -> None:
    pts = scatter_points(filled)
    ids = {s.session_key: sid for sid, s in filled.sessions_by_ids(
        filled.session_ids(SessionFilter())).items()}  # fmt: skip
    assert pts.points == [
        ScatterPoint(ids["A"], "A", "claude-code", 1_500, 5, "2026-03-02T10:00:00.000Z",
                     "Refactor the parser", False),
        ScatterPoint(ids["B"], "B", "codex", 3_000, 2, "2026-03-04T12:00:00.000Z", None, False),
        ScatterPoint(ids["C"], "C", "codex", 4_000, 1, "2026-03-10T08:00:00.000Z", None, True),
    ]  # fmt: skip
    assert (pts.unrated, pts.no_tokens) == (1, 1)  # D; E (rated, logged without tokens)
    codex = scatter_points(filled, SessionFilter(tools=["codex"], text="beta"))
    assert [p.session_key for p in codex.points] == ["C"]
    unrated = scatter_points(filled, SessionFilter(unrated=True))
    assert (unrated.points, unrated.unrated, unrated.no_tokens) == ([], 1, 0)
    empty = scatter_points(filled, SessionFilter(tools=["cursor"]))
    assert (empty.points, empty.unrated, empty.no_tokens) == ([], 0, 0)
