"""summary() and the cost/value columns of stats() on a small journal worked out by hand."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tokenworth.core.analytics import (
    SUMMARY_KEYS,
    EventFilter,
    average_ranks,
    spearman,
    stats,
    summary,
)
from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.pricing import default_prices
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC

REL = 1e-12


def _ev(key: str, ts: str, session: str, tool: str, model: str | None, **kw) -> UsageEvent:
    return UsageEvent(tool=tool, ts=ts, session_key=session, dedup_key=key, model=model, **kw)


def _rate(j: Journal, key: str, **fields) -> None:
    j.set_annotation(Annotation(session_key=key, **fields))


@pytest.fixture
def filled(journal: Journal) -> Journal:
    """Six sessions; the comments give each one's tokens and API-equivalent cost.

    Prices (shipped table, litellm 1.110.2), USD per token:
    claude-opus-4-6 input 5e-6, output 2.5e-5; gpt-5-codex input 1.25e-6, cache read 1.25e-7,
    output 1e-5; gpt-5 input 1.25e-6, output 1e-5; "mystery-model" and composer-1 have none.
    """
    journal.write_events(
        [
            # A: 1,200 tokens; 1,000 x 5e-6 + 200 x 2.5e-5 = 0.005 + 0.005 = 0.01
            _ev(
                "a1",
                "2026-03-01T10:00:00.000Z",
                "A",
                "claude-code",
                "claude-opus-4-6",
                input_tokens=1_000,
                output_tokens=200,
            ),
            # B: 11,000 + 1,000 = 12,000 tokens over two days.
            # 03-02: 2,000 x 1.25e-6 + 8,000 x 1.25e-7 + 1,000 x 1e-5 = 0.0025 + 0.001 + 0.01
            #        = 0.0135; 03-04: 1,000 x 1.25e-6 = 0.00125; B = 0.01475
            _ev(
                "b1",
                "2026-03-02T09:00:00.000Z",
                "B",
                "codex",
                "gpt-5-codex",
                input_tokens=2_000,
                cache_read_tokens=8_000,
                output_tokens=1_000,
            ),
            _ev("b2", "2026-03-04T09:00:00.000Z", "B", "codex", "gpt-5-codex", input_tokens=1_000),
            # C: 5,000 tokens, cost reported by the source: 0.12 (composer-1 has no price)
            _ev(
                "c1",
                "2026-03-03T12:00:00.000Z",
                "C",
                "cursor",
                "composer-1",
                input_tokens=5_000,
                cost_usd=0.12,
            ),
            # D: 3,000 + 2,000 = 5,000 tokens of an unpriced model: 2 unpriced events
            _ev(
                "d1",
                "2026-03-04T10:00:00.000Z",
                "D",
                "gemini-cli",
                "mystery-model",
                input_tokens=3_000,
            ),
            _ev(
                "d2",
                "2026-03-04T10:05:00.000Z",
                "D",
                "gemini-cli",
                "mystery-model",
                input_tokens=2_000,
            ),
            # E: 1,000 estimated tokens; 600 x 1.25e-6 + 400 x 1e-5 = 0.00075 + 0.004 = 0.00475
            _ev(
                "e1",
                "2026-03-05T08:00:00.000Z",
                "E",
                "chatgpt",
                "gpt-5",
                input_tokens=600,
                output_tokens=400,
                estimated=True,
            ),
        ]
    )
    # F: logged by hand, no model, no tokens: neither priced nor unpriced.
    journal.create_manual_session(
        tool="manual", start=dt.datetime(2026, 3, 6, 15, 0, tzinfo=UTC), minutes=20
    )
    _rate(journal, "A", value=5, outcome="achieved", minutes_saved=30, tags=["refactor"])
    _rate(journal, "B", value=2, outcome="partly", minutes_saved=-10)
    _rate(journal, "C", value=1, outcome="not-achieved")
    _rate(journal, "D", value=2, outcome="abandoned")
    _rate(journal, "E", tags=["refactor"])  # tagged, not rated
    return journal


def test_headline_numbers_of_the_whole_journal(filled: Journal) -> None:
    s = summary(filled)
    assert tuple(s) == SUMMARY_KEYS
    assert s["sessions"] == 6  # A B C D E F
    assert s["rated_sessions"] == 4  # A B C D
    assert s["rated_share"] == 4 / 6
    assert s["total_tokens"] == 24_200  # 1,200 + 12,000 + 5,000 + 5,000 + 1,000 + 0
    # 0.01 (A) + 0.01475 (B) + 0.12 (C, reported) + 0.00475 (E); D is unpriced, not $0.
    assert s["cost_usd"] == pytest.approx(0.1495, rel=REL)
    assert s["unpriced_events"] == 2  # D's two events; F has no tokens to price
    assert s["estimated_tokens"] == 1_000  # E
    assert s["mean_value"] == 2.5  # (5 + 2 + 1 + 2) / 4
    # rated 1-2: B 12,000 + C 5,000 + D 5,000 = 22,000 of 23,200 rated tokens
    assert s["low_value_share"] == 22_000 / 23_200
    assert s["tokens_per_value_point"] == 2_320.0  # 23,200 / (5 + 2 + 1 + 2)
    assert s["minutes_saved"] == 20  # 30 - 10; C and D have none
    assert s["outcome_rate"] == 0.5  # achieved A + partly B of 4 sessions with an outcome
    # Ranks with ties (average ranks):
    #   tokens A 1,200 -> 1, C 5,000 and D 5,000 -> 2.5, B 12,000 -> 4
    #   values C 1 -> 1, B 2 and D 2 -> 2.5, A 5 -> 4
    # Deviations from the mean rank 2.5: tokens (A -1.5, B 1.5, C 0, D 0),
    # values (A 1.5, B 0, C -1.5, D 0); sum of products -2.25, sums of squares 4.5 and 4.5:
    # r = -2.25 / sqrt(4.5 x 4.5) = -0.5
    assert s["spearman_tokens_value"] == pytest.approx(-0.5, rel=REL)


def test_filters_select_sessions_as_the_journal_table_does(filled: Journal) -> None:
    tools = summary(filled, SessionFilter(tools=("claude-code", "codex", "cursor")))
    assert (tools["sessions"], tools["rated_sessions"], tools["total_tokens"]) == (3, 3, 18_200)
    assert tools["cost_usd"] == pytest.approx(0.01 + 0.01475 + 0.12, rel=REL)
    assert tools["unpriced_events"] == 0
    assert tools["mean_value"] == 8 / 3  # (5 + 2 + 1) / 3
    assert tools["low_value_share"] == 17_000 / 18_200  # (B 12,000 + C 5,000) / 18,200
    assert tools["tokens_per_value_point"] == 18_200 / 8
    assert tools["outcome_rate"] == 2 / 3
    # tokens ranks A 1, C 2, B 3; value ranks C 1, B 2, A 3; deviations from 2:
    # (-1, 1, 0) and (1, 0, -1) -> -1 / sqrt(2 x 2) = -0.5
    assert tools["spearman_tokens_value"] == pytest.approx(-0.5, rel=REL)

    # A session is in a range when it starts in it; all its tokens count: B's second event
    # (2026-03-04) is past `until` and still counted.
    days = summary(
        filled, SessionFilter(since="2026-03-02T00:00:00.000Z", until="2026-03-04T00:00:00.000Z")
    )
    assert (days["sessions"], days["total_tokens"]) == (2, 17_000)  # B 12,000 + C 5,000
    assert days["cost_usd"] == pytest.approx(0.01475 + 0.12, rel=REL)
    assert days["spearman_tokens_value"] is None  # 2 rated sessions: under 3

    tag = summary(filled, SessionFilter(tag="refactor"))  # A and E
    assert (tag["sessions"], tag["rated_sessions"], tag["rated_share"]) == (2, 1, 0.5)
    assert tag["total_tokens"] == 2_200
    assert tag["cost_usd"] == pytest.approx(0.01 + 0.00475, rel=REL)
    assert tag["estimated_tokens"] == 1_000
    assert (tag["minutes_saved"], tag["outcome_rate"]) == (30, 1.0)


def test_nothing_selected_gives_nulls_not_zero_cost(filled: Journal) -> None:
    s = summary(filled, SessionFilter(tools=("copilot-cli",)))
    assert s == {
        "sessions": 0,
        "rated_sessions": 0,
        "rated_share": None,
        "total_tokens": 0,
        "cost_usd": None,
        "unpriced_events": 0,
        "estimated_tokens": 0,
        "mean_value": None,
        "low_value_share": None,
        "tokens_per_value_point": None,
        "minutes_saved": None,
        "outcome_rate": None,
        "spearman_tokens_value": None,
    }
    only_unpriced = summary(filled, SessionFilter(tools=("gemini-cli",)))
    assert only_unpriced["cost_usd"] is None
    assert only_unpriced["unpriced_events"] == 2


def test_overrides_price_an_unknown_model(filled: Journal) -> None:
    prices = default_prices().with_overrides(
        {"mystery-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}
    )
    s = summary(filled, prices=prices)
    # D: 5,000 x 1e-6 = 0.005 more, and nothing left unpriced.
    assert s["cost_usd"] == pytest.approx(0.1495 + 0.005, rel=REL)
    assert s["unpriced_events"] == 0


def test_tiers_are_per_call_even_when_calls_are_summed(journal: Journal) -> None:
    # claude-sonnet-4-20250514: cache read 3e-7, 6e-7 beyond 200k tokens in one call.
    journal.write_events(
        [
            _ev(
                "t1",
                "2026-03-01T10:00:00.000Z",
                "T",
                "claude-code",
                "claude-sonnet-4-20250514",
                cache_read_tokens=300_000,
            ),
            _ev(
                "t2",
                "2026-03-01T10:01:00.000Z",
                "T",
                "claude-code",
                "claude-sonnet-4-20250514",
                cache_read_tokens=100_000,
            ),
        ]
    )
    # call 1: 200,000 x 3e-7 + 100,000 x 6e-7 = 0.06 + 0.06 = 0.12; call 2: 0.03.
    # (Pricing the 400,000-token sum as one call would give 0.06 + 0.12 = 0.18.)
    assert summary(journal)["cost_usd"] == pytest.approx(0.15, rel=REL)
    assert stats(journal, "day", UTC)["rows"][0]["cost_usd"] == pytest.approx(0.15, rel=REL)


def test_one_hour_writes_and_fast_mode(journal: Journal) -> None:
    # The migration proposed with this change: events.cache_creation_1h_tokens (part of
    # cache_creation_tokens) and events.speed. Simulated here on the current schema.
    journal.write_events(
        [
            _ev(
                "h1",
                "2026-03-01T10:00:00.000Z",
                "H",
                "claude-code",
                "claude-opus-4-6",
                input_tokens=3,
                cache_creation_tokens=8_037,
                cache_read_tokens=17_842,
                output_tokens=10,
            ),
        ]
    )
    # All writes priced as 5-minute writes when none is marked 1-hour:
    # 3 x 5e-6 + 8,037 x 6.25e-6 + 17,842 x 5e-7 + 10 x 2.5e-5 = 0.05941725
    # (costs are rounded to the micro-dollar)
    assert summary(journal)["cost_usd"] == round(0.05941725, 6)
    conn = journal.conn
    conn.execute("UPDATE events SET cache_creation_1h_tokens = 8037")
    journal.reprice()  # the stored costs follow a change made below the write path
    # 1-hour writes at 2 x input = 1e-5: 0.000015 + 0.08037 + 0.008921 + 0.00025 = 0.089556
    assert summary(journal)["cost_usd"] == 0.089556
    conn.execute("UPDATE events SET speed = 'fast'")
    journal.reprice()
    assert summary(journal)["cost_usd"] == round(0.089556 * 6, 6)  # Opus 4.6 fast: x6
    assert stats(journal, "model", UTC)["totals"]["cost_usd"] == round(0.089556 * 6, 6)


def test_stats_rows_gain_cost_unpriced_events_and_mean_value(filled: Journal) -> None:
    data = stats(filled, "day", UTC)
    rows = {r["period"]: r for r in data["rows"]}
    got = {p: (r["cost_usd"], r["unpriced_events"], r["mean_value"]) for p, r in rows.items()}
    assert got == {
        "2026-03-01": (0.01, 0, 5.0),  # A
        "2026-03-02": (0.0135, 0, 2.0),  # B's first event
        "2026-03-03": (0.12, 0, 1.0),  # C, reported
        # B's second event (1,000 x 1.25e-6) and D's two unpriced events; mean of B 2, D 2
        "2026-03-04": (0.00125, 2, 2.0),
        "2026-03-05": (0.00475, 0, None),  # E, unrated
        "2026-03-06": (None, 0, None),  # F: nothing to price, unrated
    }
    # The existing columns are still there.
    assert rows["2026-03-04"]["input_tokens"] == 6_000  # 1,000 + 3,000 + 2,000
    assert rows["2026-03-04"]["sessions"] == 2
    totals = data["totals"]
    assert totals["cost_usd"] == 0.1495
    assert totals["unpriced_events"] == 2
    assert totals["mean_value"] == 2.5
    by_tool = {r["period"]: r for r in stats(filled, "tool", UTC)["rows"]}
    assert by_tool["gemini-cli"]["cost_usd"] is None
    assert by_tool["gemini-cli"]["unpriced_events"] == 2
    assert by_tool["codex"]["cost_usd"] == 0.01475
    only = stats(filled, "day", UTC, EventFilter(tools=("codex",)))
    assert only["totals"]["mean_value"] == 2.0


def test_average_ranks_share_tied_positions() -> None:
    # sorted: 10 (pos 1), 20 20 20 (pos 2-4 -> 3), 30 (pos 5)
    assert average_ranks([20, 10, 20, 30, 20]) == [3.0, 1.0, 3.0, 5.0, 3.0]


def test_spearman_edge_cases() -> None:
    assert spearman([1, 2], [1, 2]) is None  # under 3 pairs
    assert spearman([1, 2, 3], [4, 4, 4]) is None  # constant values: undefined
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0, rel=REL)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0, rel=REL)
    # x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4); deviations from 2.5:
    # (-1.5, 0, 0, 1.5) and (-1.5, -0.5, 0.5, 1.5): sum of products 4.5,
    # sums of squares 4.5 and 5 -> 4.5 / sqrt(22.5) = 0.9486832980505138
    assert spearman([1, 5, 5, 9], [1, 2, 3, 4]) == pytest.approx(4.5 / 22.5**0.5, rel=REL)
    with pytest.raises(ValueError):
        spearman([1, 2, 3], [1, 2])


def test_spearman_equals_pearson_of_average_ranks_computed_the_long_way() -> None:
    rng = random.Random(3)
    xs = [rng.choice((100, 2_000, 2_000, 35_000, 35_000, 35_000, 900_000)) for _ in range(200)]
    ys = [rng.randint(1, 5) for _ in range(200)]

    def ranks(v: list[int]) -> list[float]:  # O(n^2): each value's mean position among ties
        s = sorted(v)
        return [(s.index(x) + 1 + len(s) - s[::-1].index(x)) / 2 for x in v]

    rx, ry = ranks(xs), ranks(ys)
    assert average_ranks(xs) == rx
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)
    assert spearman(xs, ys) == pytest.approx(cov / var**0.5, rel=1e-12)
