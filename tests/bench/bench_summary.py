"""Benchmark: summary() and stats() over a 100,000-session journal built through write_events."""

# Usage: .venv/bin/python tests/bench/bench_summary.py [--sessions 100000] [--events 10]
#        [--db PATH] [--runs 7]
# The journal is built once per (sessions, events) and kept under the temp folder; delete it
# (or pass --rebuild) after changing the generator. Goal (issue 5): summary under 200 ms.
#
# Besides the functions as they are, it measures what summary() would cost if each session
# carried its API-equivalent cost (the proposed migration: sessions.api_cost_usd,
# sessions.unpriced_events, sessions.estimated_tokens, maintained by write_events), and what
# filling those columns costs (a full re-price, needed when the price table or an override
# changes).

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tokenworth.core.analytics import _cost_sql, _price_group, stats, summary
from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.pricing import PriceTable, default_prices
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC, format_ts

# tool, weight, models (None = no model), reports a cost, estimated tokens
TOOLS: tuple[tuple[str, float, tuple[str | None, ...], bool, bool], ...] = (
    (
        "claude-code",
        0.40,
        ("claude-opus-4-6", "claude-sonnet-4-5-20250929", "claude-haiku-4-5"),
        False,
        False,
    ),
    ("codex", 0.20, ("gpt-5-codex", "gpt-5.3-codex"), False, False),
    ("gemini-cli", 0.12, ("gemini-2.5-pro", "gemini-3-flash-preview"), False, False),
    ("cursor", 0.10, ("composer-1", "auto"), True, False),
    ("copilot-cli", 0.08, ("claude-sonnet-4.6", "gpt-5-mini", "openai.codex.5_3"), False, False),
    ("chatgpt", 0.10, ("gpt-5", "gpt-5-mini"), False, True),
)
TAGS = ("refactor", "bugfix", "docs", "tests", "research", "busywork")
OUTCOMES = ("achieved", "partly", "not-achieved", "abandoned")


def build(path: Path, sessions: int, events: int, seed: int = 5) -> None:
    """Write ``sessions`` sessions of ``events`` calls each, and annotate 60% of them."""
    rng = random.Random(seed)
    j = Journal(path)
    end = dt.datetime(2026, 11, 1, tzinfo=UTC)
    span = 730 * 86_400  # two years
    weights = [t[1] for t in TOOLS]
    plans = []
    for s in range(sessions):
        tool, _w, models, reports, estimated = rng.choices(TOOLS, weights)[0]
        start = end - dt.timedelta(seconds=rng.randrange(span))
        plans.append((f"bench:{s}", tool, rng.choice(models), reports, estimated, start))

    def gen(lo: int, hi: int) -> Iterator[UsageEvent]:
        for key, tool, model, reports, estimated, start in plans[lo:hi]:
            context = rng.randint(5_000, 40_000)
            for k in range(events):
                context = min(context + rng.randint(500, 30_000), 400_000)  # a few pass 200k
                cached = tool in ("claude-code", "codex", "gemini-cli", "copilot-cli")
                read = int(context * 0.9) if cached else 0
                write = rng.randint(0, 8_000) if tool == "claude-code" else 0
                inp = context - read
                out = rng.randint(50, 4_000)
                yield UsageEvent(
                    tool=tool,
                    ts=format_ts(start + dt.timedelta(seconds=40 * k)),
                    session_key=key,
                    dedup_key=f"{key}:{k}",
                    model=model,
                    input_tokens=inp,
                    cache_creation_tokens=write,
                    cache_read_tokens=read,
                    output_tokens=out,
                    reasoning_tokens=out // 3 if tool == "codex" else 0,
                    cost_usd=round((inp + out) * 2e-6, 6) if reports else None,
                    estimated=estimated,
                    project=f"project-{len(key) % 7}",
                )

    t = time.perf_counter()
    step = 5_000
    for lo in range(0, sessions, step):
        j.write_events(gen(lo, min(lo + step, sessions)))
    written = time.perf_counter() - t
    t = time.perf_counter()
    with j.transaction():
        for key, *_rest in plans:
            if rng.random() < 0.6:
                j.set_annotation(
                    Annotation(
                        session_key=key,
                        value=rng.randint(1, 5),
                        outcome=rng.choice(OUTCOMES) if rng.random() < 0.8 else None,
                        minutes_saved=rng.randint(-30, 120) if rng.random() < 0.5 else None,
                        tags=rng.sample(TAGS, rng.randint(0, 2)),
                    )
                )
    annotated = time.perf_counter() - t
    n = j.count("events")
    j.close()
    print(
        f"built {path}: {sessions:,} sessions, {n:,} events in {written:.1f} s "
        f"({n / written:,.0f} events/s), annotations in {annotated:.1f} s, "
        f"{path.stat().st_size / 2**20:,.0f} MiB"
    )


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time in ms of ``runs`` calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def add_rollup(j: Journal, prices: PriceTable) -> float:
    """Prototype of the proposed migration: per-session cost columns, filled by a re-price.

    Returns:
        Seconds taken to price every session (what a price-table or override change costs).
    """
    conn = j.conn
    cols = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    if "api_cost_usd" not in cols:
        for ddl in (
            "ALTER TABLE sessions ADD COLUMN api_cost_usd REAL",
            "ALTER TABLE sessions ADD COLUMN unpriced_events INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE sessions ADD COLUMN estimated_tokens INTEGER NOT NULL DEFAULT 0",
        ):
            conn.execute(ddl)
    t = time.perf_counter()
    select, group = _cost_sql(conn)
    cur = conn.execute(
        f"SELECT e.session_key AS session_key, {select}, sum(e.cost_usd) AS cost_usd, "
        "sum(e.input_tokens) AS input_tokens, sum(e.cache_creation_tokens) AS "
        "cache_creation_tokens, sum(e.cache_read_tokens) AS cache_read_tokens, "
        "sum(e.output_tokens) AS output_tokens, "
        "sum(CASE WHEN e.estimated THEN e.total_tokens ELSE 0 END) AS estimated_tokens "
        f"FROM events e GROUP BY e.session_key, {group}"
    )
    names = [d[0] for d in cur.description]
    per: dict[str, list[Any]] = {}
    for r in cur:
        row = dict(zip(names, r, strict=True))
        cost, unpriced = _price_group(row, prices)
        acc = per.setdefault(row["session_key"], [None, 0, 0])
        if cost is not None:
            acc[0] = (acc[0] or 0.0) + cost
        acc[1] += unpriced
        acc[2] += row["estimated_tokens"]
    with j.transaction():
        conn.executemany(
            "UPDATE sessions SET api_cost_usd = ?, unpriced_events = ?, estimated_tokens = ? "
            "WHERE session_key = ?",
            [(c, u, e, k) for k, (c, u, e) in per.items()],
        )
    return time.perf_counter() - t


def summary_from_rollup(j: Journal, flt: SessionFilter | None = None) -> dict[str, Any]:
    """summary() as it would read with the proposed columns: one pass over sessions."""
    flt = flt or SessionFilter()
    where, params = flt.where()
    from tokenworth.core.analytics import spearman

    n = tokens = unpriced = estimated = low = 0
    cost: float | None = None
    rated_t: list[int] = []
    rated_v: list[int] = []
    minutes: int | None = None
    outcomes = good = 0
    for t, c, u, e, value, outcome, saved in j.conn.execute(
        "SELECT s.total_tokens, s.api_cost_usd, s.unpriced_events, s.estimated_tokens, "
        "a.value, a.outcome, a.minutes_saved FROM sessions s "
        f"LEFT JOIN annotations a ON a.session_key = s.session_key WHERE {where}",
        params,
    ):
        n += 1
        tokens += t
        unpriced += u
        estimated += e
        if c is not None:
            cost = (cost or 0.0) + c
        if value is not None:
            rated_t.append(t)
            rated_v.append(value)
            if value <= 2:
                low += t
        if saved is not None:
            minutes = (minutes or 0) + saved
        if outcome is not None:
            outcomes += 1
            good += outcome in ("achieved", "partly")
    return {
        "sessions": n,
        "total_tokens": tokens,
        "cost_usd": None if cost is None else round(cost, 6),
        "unpriced_events": unpriced,
        "estimated_tokens": estimated,
        "low": low,
        "minutes_saved": minutes,
        "outcome_rate": good / outcomes if outcomes else None,
        "spearman_tokens_value": spearman(rated_t, rated_v),
    }


def main(argv: list[str] | None = None) -> int:
    """Build (once) and measure."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=10, help="model calls per session")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args(argv)
    db = args.db or (
        Path(tempfile.gettempdir())
        / "tokenworth-bench"
        / f"summary-{args.sessions}x{args.events}.sqlite3"
    )
    if args.rebuild and db.exists():
        db.unlink()
    if not db.exists():
        build(db, args.sessions, args.events)
    j = Journal(db)
    prices = default_prices()
    n_events = j.count("events")
    print(f"journal: {j.count('sessions'):,} sessions, {n_events:,} events ({db})")
    last90 = SessionFilter(since="2026-08-03T00:00:00.000Z", tools=("claude-code", "codex"))
    results: list[tuple[str, float]] = []
    for name, fn in (
        ("summary, whole journal (stored costs)", lambda: summary(j, None)),
        ("summary, whole journal (priced now)", lambda: summary(j, None, prices)),
        ("summary, 90 days x 2 tools", lambda: summary(j, last90)),
        ("summary, tag busywork", lambda: summary(j, SessionFilter(tag="busywork"))),
        ("stats by day", lambda: stats(j, "day", UTC, prices=prices)),
        ("stats by month", lambda: stats(j, "month", UTC, prices=prices)),
        ("stats by model", lambda: stats(j, "model", UTC, prices=prices)),
    ):
        ms, res = timed(fn, args.runs)
        results.append((name, ms))
        if name == "summary, whole journal":
            whole = res
    for name, ms in results:
        print(f"  {name:<32} {ms:8.1f} ms")
    print(f"  summary: {whole}")

    # The proposed migration, on a copy: per-session cost columns.
    copy = db.with_name(db.stem + "-rollup.sqlite3")
    if copy.exists():
        copy.unlink()
    j.backup(copy)
    j.close()
    jr = Journal(copy)
    seconds = add_rollup(jr, prices)
    print(
        f"proposed sessions.api_cost_usd: re-pricing all {n_events:,} events took {seconds:.2f} s"
    )
    ms_all, rolled = timed(lambda: summary_from_rollup(jr), args.runs)
    ms_90, _ = timed(lambda: summary_from_rollup(jr, last90), args.runs)
    print(f"  summary from sessions only, whole journal {ms_all:8.1f} ms")
    print(f"  summary from sessions only, 90 days x 2   {ms_90:8.1f} ms")
    assert rolled["cost_usd"] == whole["cost_usd"], (rolled["cost_usd"], whole["cost_usd"])
    assert rolled["unpriced_events"] == whole["unpriced_events"]
    assert rolled["spearman_tokens_value"] == whole["spearman_tokens_value"]
    t = time.perf_counter()
    probe = UsageEvent(
        tool="x",
        ts="2026-01-01T00:00:00.000Z",
        session_key="s",
        dedup_key="d",
        model="claude-opus-4-6",
        input_tokens=10,
        cache_creation_tokens=2_000,
        cache_read_tokens=150_000,
        output_tokens=800,
    )
    for _ in range(100_000):
        prices.cost_of(probe)
    per_event_us = (time.perf_counter() - t) * 10
    print(f"  cost_of() per event at import time: {per_event_us:.2f} us")
    jr.close()
    copy.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
