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
from typing import Any, NamedTuple

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


def _whole_hours(hour_keys: Iterable[str], tz: dt.tzinfo, step: int = 3600) -> bool:
    """True when ``tz`` is a whole number of hours from UTC at each ``YYYY-MM-DDTHH`` key.

    Then grouping by UTC hour is enough to place every event in its local bucket;
    otherwise (e.g. Asia/Kolkata, +05:30) callers group by a finer slot. ``step`` (in
    seconds) asks the same for another slot, e.g. 900 for quarter hours.
    """
    for k in hour_keys:
        off = dt.datetime.fromisoformat(k + ":00+00:00").astimezone(tz).utcoffset()
        if off is not None and off.total_seconds() % step:
            return False
    return True


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
        hourly = _whole_hours((r["k"] for r in rows), tz)
        labels: dict[str, str] = {}
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
    # The costs stored per session (m004) are used when they were priced with the table
    # asked for: no pass over the events at all.
    stored = prices is None and journal.stored_costs_current()
    prices = prices or journal.prices
    conn = journal.conn
    conn.row_factory = None
    where, params = flt.where()
    selected = "sessions s LEFT JOIN annotations a ON a.session_key = s.session_key"
    cost: float | None = None
    unpriced = 0
    estimated = 0

    sessions = 0
    total_tokens = 0
    rated_tokens: list[int] = []
    rated_values: list[int] = []
    low_tokens = 0
    minutes: int | None = None
    outcomes = 0
    good_outcomes = 0
    for tokens, value, outcome, saved, s_cost, s_unpriced, s_estimated in conn.execute(
        "SELECT s.total_tokens, a.value, a.outcome, a.minutes_saved, s.api_cost_usd, "
        f"s.unpriced_events, s.estimated_tokens FROM {selected} WHERE {where}",
        params,
    ):
        sessions += 1
        total_tokens += tokens
        if stored:
            if s_cost is not None:
                cost = (cost or 0.0) + s_cost
            unpriced += s_unpriced
            estimated += s_estimated
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

    if not stored:
        cost, unpriced, estimated = _priced_events(journal, selected, where, params, prices)

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


def _priced_events(
    journal: Journal, selected: str, where: str, params: list[Any], prices: PriceTable
) -> tuple[float | None, int, int]:
    """(cost, unpriced events, estimated tokens) of the selected sessions, priced now."""
    conn = journal.conn
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
    return cost, unpriced, estimated


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


# ---- charts ------------------------------------------------------------------------------

TREND_PERIODS = ("week", "month")
BREAKDOWN_BY = ("tool", "model", "project", "tag")
_SELECTED = "sessions s LEFT JOIN annotations a ON a.session_key = s.session_key"


def _slot_minutes(conn: sqlite3.Connection, tz: dt.tzinfo) -> int:
    """60 when ``tz`` is whole hours from UTC over the journal's time span; else 15, or 1.

    The zone is checked once a day from the first call to the last (indexes make the
    bounds cheap), instead of at every hour the data has: offsets such as +05:30 hold for
    months, never for less than a day.
    """
    # One min() or max() per SELECT: only then does SQLite read it off the index.
    bounds = conn.execute(
        "SELECT (SELECT min(ts) FROM events), (SELECT max(ts) FROM events), "
        "(SELECT min(start) FROM sessions), (SELECT max(start) FROM sessions)"
    ).fetchone()
    known = [b for b in bounds if b is not None]
    if not known:
        return 60
    lo, hi = min(known), max(known)
    day = dt.datetime.fromisoformat(lo[:13] + ":00:00+00:00")
    last = dt.datetime.fromisoformat(hi[:13] + ":00:00+00:00")
    hours = []
    while day <= last + dt.timedelta(days=1):
        hours.append(day.strftime("%Y-%m-%dT%H"))
        day += dt.timedelta(days=1)
    if _whole_hours(hours, tz):
        return 60
    return 15 if _whole_hours(hours, tz, step=900) else 1


def _events_of(flt: SessionFilter) -> tuple[str, list[Any]]:
    """A WHERE clause over ``events e`` for every event of the sessions ``flt`` selects."""
    where, params = flt.where()
    if where == "1":
        return "", []
    return f"WHERE e.session_key IN (SELECT s.session_key FROM {_SELECTED} WHERE {where})", params


def _period_first_day(label: str, period: str) -> dt.date:
    """The first local day of a ``week`` (``YYYY-MM-DD``) or ``month`` (``YYYY-MM``) label."""
    if period == "week":
        return dt.date.fromisoformat(label)
    year, month = label.split("-")
    return dt.date(int(year), int(month), 1)


def _next_period(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day + dt.timedelta(days=7)
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _period_label(day: dt.date, period: str) -> str:
    return day.isoformat() if period == "week" else day.strftime("%Y-%m")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def trends(
    journal: Journal,
    period: str,
    tz: dt.tzinfo,
    flt: SessionFilter | None = None,
    *,
    week_start: int = 0,
) -> dict[str, Any]:
    """Tokens per tool, cost, mean value and low-value share per local week or month.

    Sessions are selected as the journal table selects them (``SessionFilter``). Their
    tokens and cost are placed by the time of each call, as ``stats`` places them, so a
    session that runs over midnight on a Sunday adds to two weeks; the value numbers
    are per session and placed by the session's start:

    - ``sessions``, ``rated_sessions``: sessions that started in the period;
    - ``mean_value``: mean value of the rated sessions that started in it;
    - ``low_value_share``: tokens of those rated 1 or 2 / tokens of those rated.

    ``cost_usd`` is the API-equivalent cost the journal stores per call (reported by the
    source, else priced from the journal's price table; None when no call of the period
    has one); ``unpriced_events`` counts calls with tokens and no cost. Buckets are in
    ``tz``, exact across DST changes (calls and starts are grouped per UTC hour, per
    quarter hour for zones such as +05:30 or +05:45). Periods without any call or session
    between the first and the last are included with zeros, so the rows are evenly spaced.

    Args:
        journal: The journal to read.
        period: "week" or "month".
        tz: The zone that decides where a day starts.
        flt: Which sessions count (the journal's filter).
        week_start: First day of the week, 0 = Monday ... 6 = Sunday.

    Returns:
        ``{"period", "tz", "week_start", "tools", "rows"}``: ``tools`` (those with
        tokens) by tokens, most first; each row has ``period`` (label: first day
        ``YYYY-MM-DD`` of a week, or ``YYYY-MM``), ``start`` (its first day, ISO),
        ``tokens`` ({tool: tokens}, every tool of ``tools``), ``total_tokens``,
        ``cost_usd``, ``unpriced_events``, ``sessions``, ``rated_sessions``,
        ``mean_value`` and ``low_value_share``.
    """
    if period not in TREND_PERIODS:
        raise InputError(f"Cannot show trends per {period!r}: use week or month.")
    flt = flt or SessionFilter()
    conn = journal.conn
    conn.row_factory = None
    scope, scope_params = _events_of(flt)
    where, params = flt.where()

    def slot(col: str, minutes: int) -> str:
        # The UTC hour and, for zones such as +05:30 or +05:45, which slot of it.
        part = "0" if minutes == 60 else f"substr({col}, 15, 2) / {minutes}"
        return f"substr({col}, 1, 13) AS k, {part} AS q"

    def calls(minutes: int) -> list[tuple[Any, ...]]:
        return conn.execute(
            f"SELECT {slot('e.ts', minutes)}, e.tool, sum(e.total_tokens), "
            "sum(e.api_cost_usd), sum(e.api_cost_usd IS NULL AND e.total_tokens > 0) "
            f"FROM events e {scope} GROUP BY k, q, e.tool",
            scope_params,
        ).fetchall()

    def starts(minutes: int) -> list[tuple[Any, ...]]:
        return conn.execute(
            f"SELECT {slot('s.start', minutes)}, count(*), count(a.value), "
            "sum(a.value), sum(CASE WHEN a.value IS NOT NULL THEN s.total_tokens ELSE 0 END), "
            "sum(CASE WHEN a.value <= 2 THEN s.total_tokens ELSE 0 END) "
            f"FROM {_SELECTED} WHERE {where} GROUP BY k, q",
            params,
        ).fetchall()

    minutes = _slot_minutes(conn, tz)
    call_rows, start_rows = calls(minutes), starts(minutes)
    labels: dict[tuple[str, int], str] = {}

    def label_of(k: str, q: int) -> str:
        label = labels.get((k, q))
        if label is None:
            utc = dt.datetime.fromisoformat(k + ":00:00+00:00")
            utc += dt.timedelta(minutes=q * minutes)
            label = labels[k, q] = _local_label(period, utc, tz, week_start)
        return label

    tokens: dict[str, dict[str, int]] = {}
    tool_totals: Counter[str] = Counter()
    cost: dict[str, float] = {}
    unpriced: Counter[str] = Counter()
    for k, q, tool, n, usd, missing in call_rows:
        label = label_of(k, q)
        per_tool = tokens.setdefault(label, {})
        per_tool[tool] = per_tool.get(tool, 0) + n
        tool_totals[tool] += n
        if usd is not None:
            cost[label] = cost.get(label, 0.0) + usd
        unpriced[label] += missing
    # per label: sessions, rated, sum of values, rated tokens, tokens rated 1-2
    value_sums: dict[str, list[int]] = {}
    for k, q, n, rated, value_sum, rated_tokens, low_tokens in start_rows:
        acc = value_sums.setdefault(label_of(k, q), [0, 0, 0, 0, 0])
        acc[0] += n
        acc[1] += rated
        acc[2] += value_sum or 0
        acc[3] += rated_tokens
        acc[4] += low_tokens

    tools = sorted((t for t in tool_totals if tool_totals[t]), key=lambda t: (-tool_totals[t], t))
    rows: list[dict[str, Any]] = []
    seen = set(tokens) | set(value_sums)
    if seen:
        day = min(_period_first_day(label, period) for label in seen)
        last = max(_period_first_day(label, period) for label in seen)
        while day <= last:
            label = _period_label(day, period)
            per_tool = tokens.get(label, {})
            n, rated, value_sum, rated_tokens, low_tokens = value_sums.get(label, [0] * 5)
            usd = cost.get(label)
            rows.append(
                {
                    "period": label,
                    "start": day.isoformat(),
                    "tokens": {t: per_tool.get(t, 0) for t in tools},
                    "total_tokens": sum(per_tool.values()),
                    "cost_usd": None if usd is None else round(usd, 6),
                    "unpriced_events": unpriced[label],
                    "sessions": n,
                    "rated_sessions": rated,
                    "mean_value": _ratio(value_sum, rated),
                    "low_value_share": _ratio(low_tokens, rated_tokens),
                }
            )
            day = _next_period(day, period)
    return {
        "period": period,
        "tz": getattr(tz, "key", None) or str(tz),
        "week_start": week_start,
        "tools": tools,
        "rows": rows,
    }


def breakdown(journal: Journal, by: str, flt: SessionFilter | None = None) -> dict[str, Any]:
    """Tokens, cost, sessions and mean value per tool, model, project or tag.

    Sessions are selected as the journal table selects them. Tool, project and tag are
    properties of a session (its ``tool``, its ``project`` or "(none)", each of its tags or
    "(untagged)"; a session with two tags is in both rows). A session can call several
    models, so ``model`` splits each session's calls by model (model-less calls under
    "(unknown)") and counts the session, and its value, in each of its models' rows.

    ``cost_usd`` is the stored API-equivalent cost (None when nothing in the row is
    priced); ``unpriced_events`` counts calls with tokens and no cost.

    Args:
        journal: The journal to read.
        by: One of BREAKDOWN_BY.
        flt: Which sessions count (the journal's filter).

    Returns:
        ``{"by", "rows"}``; rows by tokens, most first, each with ``key``,
        ``total_tokens``, ``cost_usd``, ``unpriced_events``, ``sessions``,
        ``rated_sessions`` and ``mean_value`` (over the rated sessions of the row).
    """
    if by not in BREAKDOWN_BY:
        raise InputError(f"Cannot break down by {by!r}: use {', '.join(BREAKDOWN_BY)}.")
    flt = flt or SessionFilter()
    conn = journal.conn
    conn.row_factory = None
    where, params = flt.where()
    # key -> [tokens, cost or None, unpriced calls, sessions, rated sessions, sum of values]
    acc: dict[str, list[Any]] = {}
    if by == "model":
        scope, scope_params = _events_of(flt)
        model = "coalesce(e.model, '(unknown)')"
        for k, n, usd, missing in conn.execute(
            f"SELECT {model} AS k, sum(e.total_tokens), sum(e.api_cost_usd), "
            "sum(e.api_cost_usd IS NULL AND e.total_tokens > 0) "
            f"FROM events e {scope} GROUP BY k",
            scope_params,
        ):
            acc[k] = [n, usd, missing, 0, 0, 0]
        for k, n, rated, value_sum in conn.execute(
            "SELECT d.k, count(*), count(a.value), sum(a.value) FROM "
            f"(SELECT DISTINCT {model} AS k, e.session_key AS session_key FROM events e {scope}) d "
            "LEFT JOIN annotations a ON a.session_key = d.session_key GROUP BY d.k",
            scope_params,
        ):
            acc[k][3:] = [n, rated, value_sum or 0]
    else:
        key, join = {
            "tool": ("s.tool", ""),
            "project": ("coalesce(s.project, '(none)')", ""),
            "tag": ("coalesce(t.value, '(untagged)')", "LEFT JOIN json_each(a.tags) t"),
        }[by]
        for k, n, usd, missing, sessions, rated, value_sum in conn.execute(
            f"SELECT {key} AS k, sum(s.total_tokens), sum(s.api_cost_usd), "
            "sum(s.unpriced_events), count(*), count(a.value), sum(a.value) "
            f"FROM {_SELECTED} {join} WHERE {where} GROUP BY k",
            params,
        ):
            acc[k] = [n, usd, missing, sessions, rated, value_sum or 0]
    rows = [
        {
            "key": k,
            "total_tokens": n,
            "cost_usd": None if usd is None else round(usd, 6),
            "unpriced_events": missing,
            "sessions": sessions,
            "rated_sessions": rated,
            "mean_value": _ratio(value_sum, rated),
        }
        for k, (n, usd, missing, sessions, rated, value_sum) in acc.items()
    ]
    rows.sort(key=lambda r: (-r["total_tokens"], r["key"]))
    return {"by": by, "rows": rows}


def breakdown_sessions(
    journal: Journal, by: str, key: str, flt: SessionFilter | None = None
) -> list[str]:
    """The keys of the sessions counted in one ``breakdown`` row, oldest first.

    Args:
        journal: The journal to read.
        by: One of BREAKDOWN_BY.
        key: The row's ``key`` (e.g. a tool, "(none)" or "(untagged)").
        flt: The filter the breakdown was made with.

    Returns:
        Session keys; as many as the row's ``sessions``.
    """
    if by not in BREAKDOWN_BY:
        raise InputError(f"Cannot break down by {by!r}: use {', '.join(BREAKDOWN_BY)}.")
    flt = flt or SessionFilter()
    where, params = flt.where()
    if by == "tool":
        cond = "s.tool = ?"
    elif by == "project":
        cond = "coalesce(s.project, '(none)') = ?"
    elif by == "model":
        cond = (
            "s.session_key IN (SELECT e.session_key FROM events e "
            "WHERE coalesce(e.model, '(unknown)') = ?)"
        )
    elif key == "(untagged)":
        cond = "NOT EXISTS (SELECT 1 FROM json_each(a.tags)) AND ? IS NOT NULL"
    else:
        cond = "EXISTS (SELECT 1 FROM json_each(a.tags) WHERE json_each.value = ?)"
    conn = journal.conn
    conn.row_factory = None
    cur = conn.execute(
        f"SELECT s.session_key FROM {_SELECTED} WHERE ({where}) AND {cond} ORDER BY s.start, s.id",
        [*params, key],
    )
    return [r[0] for r in cur]


class ScatterPoint(NamedTuple):
    """One rated session with tokens, as the tokens-against-value chart needs it."""

    id: int
    session_key: str
    tool: str
    total_tokens: int
    value: int
    start: str
    goal: str | None
    estimated: bool


@dataclass(slots=True)
class ScatterPoints:
    """The chart's points, oldest first, and counts of the selected sessions left out."""

    points: list[ScatterPoint] = field(default_factory=list)
    unrated: int = 0  # selected sessions without a value
    no_tokens: int = 0  # rated, but no token count


def scatter_points(journal: Journal, flt: SessionFilter | None = None) -> ScatterPoints:
    """The rated sessions with tokens that ``flt`` selects, read in one light query.

    Only the columns the chart shows are read (no Session objects, no annotation JSON),
    which is what makes the chart quick at 100,000 sessions.

    Args:
        journal: The journal to read.
        flt: Which sessions count (the journal's filter).

    Returns:
        The points, ordered by start, and the number of unrated or token-less sessions.
    """
    flt = flt or SessionFilter()
    conn = journal.conn
    conn.row_factory = None
    where, params = flt.where()
    cur = conn.execute(
        "SELECT s.id, s.session_key, s.tool, s.total_tokens, a.value, s.start, a.goal, "
        f"s.estimated FROM {_SELECTED} WHERE ({where}) AND a.value IS NOT NULL "
        "AND s.total_tokens > 0 ORDER BY s.start, s.id",
        params,
    )
    points = [ScatterPoint(i, k, t, n, v, s, g, bool(e)) for i, k, t, n, v, s, g, e in cur]
    # Counted apart, each by its quickest path: the token index finds the few rated
    # sessions without tokens; a bare count of the selection needs no annotation read.
    (no_tokens,) = conn.execute(
        f"SELECT count(*) FROM {_SELECTED} WHERE ({where}) AND a.value IS NOT NULL "
        "AND s.total_tokens <= 0",
        params,
    ).fetchone()
    (selected,) = conn.execute(f"SELECT count(*) FROM {_SELECTED} WHERE {where}", params).fetchone()
    return ScatterPoints(points, selected - len(points) - no_tokens, no_tokens)


def to_json(data: Any) -> str:
    """Stable, readable JSON for the command line."""
    return json.dumps(data, indent=2, ensure_ascii=False)
