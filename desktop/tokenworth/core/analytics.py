"""Numbers for tables, charts and reports, as plain data computed from the journal."""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokenworth.core.errors import InputError
from tokenworth.core.model import BUCKETS
from tokenworth.core.pricing import TIER_THRESHOLD, PriceTable, default_prices
from tokenworth.core.store import Journal, SessionFilter

# The token counts a price applies to (reasoning is part of output).
_PRICED = ("input_tokens", "cache_creation_tokens", "cache_read_tokens", "output_tokens")
_SUMS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "total_tokens",
)


@dataclass(slots=True)
class EventFilter:
    """Which events count. Bounds are stored-form UTC strings (inclusive since, exclusive until)."""

    since: str | None = None
    until: str | None = None
    tools: tuple[str, ...] = ()
    tag: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition over ``events e`` and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.since:
            parts.append("e.ts >= ?")
            params.append(self.since)
        if self.until:
            parts.append("e.ts < ?")
            params.append(self.until)
        if self.tools:
            parts.append(f"e.tool IN ({', '.join('?' for _ in self.tools)})")
            params.extend(self.tools)
        if self.tag:
            parts.append(
                "e.session_key IN (SELECT a.session_key FROM annotations a, json_each(a.tags) t "
                "WHERE t.value = ?)"
            )
            params.append(self.tag)
        return (" AND ".join(parts) or "1"), params


def _cost_sql(conn: sqlite3.Connection) -> tuple[str, str]:
    """Select-list and GROUP BY fragments that let events be priced per group.

    Events are grouped by model, speed and whether the source reported a cost; per group
    the token sums and, per token type, the sum of the tokens beyond the tier threshold
    (tiers apply per call) are enough to price every call exactly (Price.cost ``excess``).
    The 1-hour part of the cache writes and the speed are read from the events columns
    ``cache_creation_1h_tokens`` and ``speed`` when a migration has added them; without
    them every cache write is priced as a 5-minute write and nothing as fast mode.
    """
    cols = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
    w1h = "e.cache_creation_1h_tokens" if "cache_creation_1h_tokens" in cols else "0"
    speed = "e.speed" if "speed" in cols else "NULL"
    t = TIER_THRESHOLD

    def over(expr: str) -> str:
        return f"sum(CASE WHEN {expr} > {t} THEN {expr} - {t} ELSE 0 END)"

    select = (
        f"e.model AS model, {speed} AS speed, e.cost_usd IS NULL AS unreported, "
        f"sum({w1h}) AS cache_1h_tokens, sum(e.total_tokens > 0) AS billed_events, "
        f"{over('e.input_tokens')} AS x_in, "
        f"{over(f'(e.cache_creation_tokens - {w1h})')} AS x_w5, "
        f"{over(w1h)} AS x_w1, "
        f"{over('e.cache_read_tokens')} AS x_rd, "
        f"{over('e.output_tokens')} AS x_out"
    )
    return select, "model, speed, unreported"


def _price_group(row: dict[str, Any], prices: PriceTable) -> tuple[float | None, int]:
    """(cost or None, unpriced events) of one group of events from a ``_cost_sql`` query."""
    if not row["unreported"]:
        return row["cost_usd"], 0
    price = prices.lookup(row["model"])
    if price is None:
        return None, row["billed_events"]
    w1h = min(row["cache_1h_tokens"], row["cache_creation_tokens"])
    cost = price.cost(
        row["input_tokens"],
        row["cache_creation_tokens"] - w1h,
        w1h,
        row["cache_read_tokens"],
        row["output_tokens"],
        excess=(row["x_in"], row["x_w5"], row["x_w1"], row["x_rd"], row["x_out"]),
        fast=row["speed"] == "fast",
    )
    return cost, 0


@dataclass(slots=True)
class _Acc:
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_SUMS, 0))
    estimated_tokens: int = 0
    cost: float | None = None
    unpriced_events: int = 0
    events: int = 0
    sessions: set[str] = field(default_factory=set)

    def add(self, row: dict[str, Any], prices: PriceTable) -> None:
        for k in _SUMS:
            self.sums[k] += row[k]
        self.estimated_tokens += row["estimated_tokens"]
        cost, unpriced = _price_group(row, prices)
        if cost is not None:
            self.cost = (self.cost or 0.0) + cost
        self.unpriced_events += unpriced
        self.events += row["events"]
        self.sessions.add(row["session_key"])

    def merge(self, other: _Acc) -> None:
        for k in _SUMS:
            self.sums[k] += other.sums[k]
        self.estimated_tokens += other.estimated_tokens
        if other.cost is not None:
            self.cost = (self.cost or 0.0) + other.cost
        self.unpriced_events += other.unpriced_events
        self.events += other.events
        self.sessions |= other.sessions

    def out(self, label: str | None, values: dict[str, int]) -> dict[str, Any]:
        d: dict[str, Any] = {} if label is None else {"period": label}
        d.update(self.sums)
        d["estimated_tokens"] = self.estimated_tokens
        d["cost_usd"] = None if self.cost is None else round(self.cost, 6)
        d["unpriced_events"] = self.unpriced_events
        d["events"] = self.events
        d["sessions"] = len(self.sessions)
        rated = [values[k] for k in self.sessions if k in values]
        d["mean_value"] = sum(rated) / len(rated) if rated else None
        return d


def _local_label(by: str, utc: dt.datetime, tz: dt.tzinfo, week_start: int) -> str:
    local = utc.astimezone(tz)
    if by == "day":
        return local.strftime("%Y-%m-%d")
    if by == "month":
        return local.strftime("%Y-%m")
    day = local.date()
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    return start.isoformat()


def stats(
    journal: Journal,
    by: str,
    tz: dt.tzinfo,
    flt: EventFilter | None = None,
    *,
    week_start: int = 0,
    prices: PriceTable | None = None,
) -> dict[str, Any]:
    """Token, cost, event and session sums per bucket, with the mean value of its sessions.

    Time buckets are in ``tz`` and correct across DST changes: events are grouped per UTC
    hour in SQL (per minute when the zone has a non-whole-hour offset), and each group is
    placed in its local day, week or month.

    ``cost_usd`` is API-equivalent: the cost the source reported where it did, else the
    list-price estimate; None when no event of the bucket has either. ``unpriced_events``
    counts events with tokens, no reported cost and no price. ``mean_value`` is the mean
    value of the rated sessions that have events in the bucket (None when there are none).

    Args:
        journal: The journal to read.
        by: One of BUCKETS.
        tz: The zone that decides where a day starts.
        flt: Which events count.
        week_start: First day of the week, 0 = Monday ... 6 = Sunday.
        prices: The price table with the settings' overrides (default: the shipped table).

    Returns:
        ``{"by", "tz", "rows": [...], "totals": {...}}``, rows sorted by period.
    """
    if by not in BUCKETS:
        raise InputError(f"Cannot group by {by!r}: use one of {', '.join(BUCKETS)}.")
    flt = flt or EventFilter()
    prices = prices or default_prices()
    where, params = flt.where()
    sums = ", ".join(f"sum(e.{k}) AS {k}" for k in _SUMS)
    conn = journal.conn
    conn.row_factory = None
    cost_select, cost_group = _cost_sql(conn)
    common = (
        f"{sums}, sum(CASE WHEN e.estimated THEN e.total_tokens ELSE 0 END) AS estimated_tokens, "
        f"sum(e.cost_usd) AS cost_usd, count(*) AS events, e.session_key AS session_key, "
        f"{cost_select}"
    )
    values = _session_values(conn)

    def run(key_sql: str, extra_from: str = "", extra_group: str = "") -> list[dict[str, Any]]:
        sql = (
            f"SELECT {key_sql} AS k, {common} FROM events e {extra_from} WHERE {where} "
            f"GROUP BY k, e.session_key, {cost_group} {extra_group}"
        )
        cur = conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    groups: dict[str, _Acc] = {}
    if by in ("day", "week", "month"):
        rows = run("substr(e.ts, 1, 13)")
        hourly = True
        labels: dict[str, str] = {}
        for r in rows:
            utc = dt.datetime.fromisoformat(r["k"] + ":00+00:00")
            off = utc.astimezone(tz).utcoffset()
            if off is not None and off.total_seconds() % 3600:
                hourly = False
                break
        if not hourly:
            rows = run("substr(e.ts, 1, 16)")
        for r in rows:
            k = r["k"]
            label = labels.get(k)
            if label is None:
                utc = dt.datetime.fromisoformat(k + (":00:00+00:00" if hourly else ":00+00:00"))
                label = labels[k] = _local_label(by, utc, tz, week_start)
            groups.setdefault(label, _Acc()).add(r, prices)
    elif by == "tag":
        rows = run(
            "coalesce(t.value, '(untagged)')",
            "LEFT JOIN annotations a ON a.session_key = e.session_key "
            "LEFT JOIN json_each(a.tags) t",
        )
        for r in rows:
            groups.setdefault(r["k"], _Acc()).add(r, prices)
    else:
        col = {
            "session": "e.session_key",
            "tool": "e.tool",
            "model": "coalesce(e.model, '(unknown)')",
            "project": "coalesce(e.project, '(none)')",
        }[by]
        for r in run(col):
            groups.setdefault(r["k"], _Acc()).add(r, prices)

    total = _Acc()
    if by == "tag":  # a session with several tags is in several rows: count it once
        for r in run("1"):
            total.add(r, prices)
    else:  # every event is in exactly one row
        for k in sorted(groups):
            total.merge(groups[k])
    return {
        "by": by,
        "tz": getattr(tz, "key", None) or str(tz),
        "rows": [groups[k].out(k, values) for k in sorted(groups)],
        "totals": total.out(None, values),
    }


def _session_values(conn: sqlite3.Connection) -> dict[str, int]:
    """Each rated session's value, by session key."""
    return dict(conn.execute("SELECT session_key, value FROM annotations WHERE value IS NOT NULL"))


SUMMARY_KEYS = (
    "sessions",
    "rated_sessions",
    "rated_share",
    "total_tokens",
    "cost_usd",
    "unpriced_events",
    "estimated_tokens",
    "mean_value",
    "low_value_share",
    "tokens_per_value_point",
    "minutes_saved",
    "outcome_rate",
    "spearman_tokens_value",
)


def summary(
    journal: Journal,
    flt: SessionFilter | None = None,
    prices: PriceTable | None = None,
) -> dict[str, Any]:
    """The headline numbers of the sessions a filter selects (issue 5, part 2).

    Sessions are selected as the journal table selects them (``SessionFilter``: a session
    is in a date range when it starts in it), and all of a selected session's tokens count,
    so the numbers match the rows the journal shows for the same filter.

    Args:
        journal: The journal to read.
        flt: Which sessions count (since/until on the session start, tools, tag, ...).
        prices: The price table with the settings' overrides (default: the shipped table).

    Returns:
        A dict with exactly SUMMARY_KEYS:
        ``sessions``; ``rated_sessions`` (with a value); ``rated_share`` (rated / sessions);
        ``total_tokens``; ``cost_usd`` (API-equivalent: reported where the source reports
        it, else the list-price estimate; None when nothing is priced); ``unpriced_events``
        (events with tokens, no reported cost and no price); ``estimated_tokens`` (tokens
        estimated from text, e.g. chat exports); ``mean_value`` (over rated sessions);
        ``low_value_share`` (tokens of sessions rated 1-2 / tokens of rated sessions);
        ``tokens_per_value_point`` (tokens of rated sessions / sum of their values);
        ``minutes_saved`` (sum; None when no session has it); ``outcome_rate`` (achieved or
        partly / sessions with an outcome); ``spearman_tokens_value`` (rank correlation of
        session tokens with value over rated sessions, average ranks for ties; None under
        3 rated sessions or when tokens or values are all equal). Ratios with a zero
        denominator are None.
    """
    flt = flt or SessionFilter()
    prices = prices or default_prices()
    conn = journal.conn
    conn.row_factory = None
    where, params = flt.where()
    selected = "sessions s LEFT JOIN annotations a ON a.session_key = s.session_key"

    sessions = 0
    total_tokens = 0
    rated_tokens: list[int] = []
    rated_values: list[int] = []
    low_tokens = 0
    minutes: int | None = None
    outcomes = 0
    good_outcomes = 0
    for tokens, value, outcome, saved in conn.execute(
        f"SELECT s.total_tokens, a.value, a.outcome, a.minutes_saved FROM {selected} WHERE {where}",
        params,
    ):
        sessions += 1
        total_tokens += tokens
        if value is not None:
            rated_tokens.append(tokens)
            rated_values.append(value)
            if value <= 2:
                low_tokens += tokens
        if saved is not None:
            minutes = (minutes or 0) + saved
        if outcome is not None:
            outcomes += 1
            if outcome in ("achieved", "partly"):
                good_outcomes += 1

    cost_select, cost_group = _cost_sql(conn)
    scope = (
        ""
        if where == "1"
        else f"WHERE e.session_key IN (SELECT s.session_key FROM {selected} WHERE {where})"
    )
    cur = conn.execute(
        f"SELECT {cost_select}, sum(e.cost_usd) AS cost_usd, "
        + ", ".join(f"sum(e.{k}) AS {k}" for k in _PRICED)
        + ", sum(CASE WHEN e.estimated THEN e.total_tokens ELSE 0 END) AS estimated_tokens "
        f"FROM events e {scope} GROUP BY {cost_group}",
        params if scope else [],
    )
    names = [d[0] for d in cur.description]
    cost: float | None = None
    unpriced = 0
    estimated = 0
    for r in cur:
        row = dict(zip(names, r, strict=True))
        estimated += row["estimated_tokens"]
        group_cost, group_unpriced = _price_group(row, prices)
        if group_cost is not None:
            cost = (cost or 0.0) + group_cost
        unpriced += group_unpriced

    rated = len(rated_values)
    value_sum = sum(rated_values)
    rated_token_sum = sum(rated_tokens)
    return {
        "sessions": sessions,
        "rated_sessions": rated,
        "rated_share": rated / sessions if sessions else None,
        "total_tokens": total_tokens,
        "cost_usd": None if cost is None else round(cost, 6),
        "unpriced_events": unpriced,
        "estimated_tokens": estimated,
        "mean_value": value_sum / rated if rated else None,
        "low_value_share": low_tokens / rated_token_sum if rated_token_sum else None,
        "tokens_per_value_point": rated_token_sum / value_sum if value_sum else None,
        "minutes_saved": minutes,
        "outcome_rate": good_outcomes / outcomes if outcomes else None,
        "spearman_tokens_value": spearman(rated_tokens, rated_values),
    }


def _rank_of(values: Iterable[Any]) -> tuple[dict[Any, float], int]:
    """Average rank (1-based) of each distinct value, and the tie term sum(t^3 - t)."""
    counts = Counter(values)
    rank_of: dict[Any, float] = {}
    ties = 0
    below = 0
    for v in sorted(counts):
        t = counts[v]
        rank_of[v] = below + (t + 1) / 2  # the mean of ranks below+1 .. below+t
        below += t
        ties += t * t * t - t
    return rank_of, ties


def average_ranks(values: Sequence[Any]) -> list[float]:
    """1-based ranks of ``values``; tied values share the mean of the ranks they span."""
    rank_of, _ties = _rank_of(values)
    return [rank_of[v] for v in values]


def spearman(xs: Sequence[Any], ys: Sequence[Any]) -> float | None:
    """Spearman's rank correlation: Pearson's r of the average ranks (ties shared).

    With the mean rank m = (n + 1) / 2, sum((rx - m)(ry - m)) = sum(rx ry) - n m^2, and
    sum((r - m)^2) = (n^3 - n - sum over tie groups of (t^3 - t)) / 12; ranks are multiples
    of 1/2, so the sums are exact in floating point for any journal size here.

    Returns:
        A number in [-1, 1]; None with fewer than 3 pairs or when one side is constant.
    """
    n = len(xs)
    if n != len(ys):
        raise ValueError("xs and ys differ in length")
    if n < 3:
        return None
    rx, tx = _rank_of(xs)
    ry, ty = _rank_of(ys)
    sxx = (n * n * n - n - tx) / 12
    syy = (n * n * n - n - ty) / 12
    if sxx == 0 or syy == 0:
        return None
    sxy = sum(map(operator.mul, map(rx.__getitem__, xs), map(ry.__getitem__, ys)))
    sxy -= n * ((n + 1) / 2) ** 2
    return sxy / math.sqrt(sxx * syy)


def to_json(data: Any) -> str:
    """Stable, readable JSON for the command line."""
    return json.dumps(data, indent=2, ensure_ascii=False)
