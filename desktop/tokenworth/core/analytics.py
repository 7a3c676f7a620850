"""Numbers for tables, charts and reports, as plain data computed from the journal."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from tokenworth.core.errors import InputError
from tokenworth.core.store import Journal

BUCKETS = ("day", "week", "month", "session", "tool", "model", "project", "tag")
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


@dataclass(slots=True)
class _Acc:
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_SUMS, 0))
    estimated_tokens: int = 0
    cost: float | None = None
    events: int = 0
    sessions: set[str] = field(default_factory=set)

    def add(self, row: dict[str, Any]) -> None:
        for k in _SUMS:
            self.sums[k] += row[k]
        self.estimated_tokens += row["estimated_tokens"]
        if row["cost_usd"] is not None:
            self.cost = (self.cost or 0.0) + row["cost_usd"]
        self.events += row["events"]
        self.sessions.add(row["session_key"])

    def out(self, label: str | None) -> dict[str, Any]:
        d: dict[str, Any] = {} if label is None else {"period": label}
        d.update(self.sums)
        d["estimated_tokens"] = self.estimated_tokens
        d["cost_usd"] = None if self.cost is None else round(self.cost, 6)
        d["events"] = self.events
        d["sessions"] = len(self.sessions)
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
) -> dict[str, Any]:
    """Token, cost, event and session sums per bucket.

    Time buckets are in ``tz`` and correct across DST changes: events are grouped per UTC
    hour in SQL (per minute when the zone has a non-whole-hour offset), and each group is
    placed in its local day, week or month.

    Args:
        journal: The journal to read.
        by: One of BUCKETS.
        tz: The zone that decides where a day starts.
        flt: Which events count.
        week_start: First day of the week, 0 = Monday ... 6 = Sunday.

    Returns:
        ``{"by", "tz", "rows": [...], "totals": {...}}``, rows sorted by period.
    """
    if by not in BUCKETS:
        raise InputError(f"Cannot group by {by!r}: use one of {', '.join(BUCKETS)}.")
    flt = flt or EventFilter()
    where, params = flt.where()
    sums = ", ".join(f"sum(e.{k}) AS {k}" for k in _SUMS)
    common = (
        f"{sums}, sum(CASE WHEN e.estimated THEN e.total_tokens ELSE 0 END) AS estimated_tokens, "
        "sum(e.cost_usd) AS cost_usd, count(*) AS events, e.session_key AS session_key"
    )
    conn = journal.conn
    conn.row_factory = None

    def run(key_sql: str, extra_from: str = "", extra_group: str = "") -> list[dict[str, Any]]:
        sql = (
            f"SELECT {key_sql} AS k, {common} FROM events e {extra_from} WHERE {where} "
            f"GROUP BY k, e.session_key {extra_group}"
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
            groups.setdefault(label, _Acc()).add(r)
    elif by == "tag":
        rows = run(
            "coalesce(t.value, '(untagged)')",
            "LEFT JOIN annotations a ON a.session_key = e.session_key "
            "LEFT JOIN json_each(a.tags) t",
        )
        for r in rows:
            groups.setdefault(r["k"], _Acc()).add(r)
    else:
        col = {
            "session": "e.session_key",
            "tool": "e.tool",
            "model": "coalesce(e.model, '(unknown)')",
            "project": "coalesce(e.project, '(none)')",
        }[by]
        for r in run(col):
            groups.setdefault(r["k"], _Acc()).add(r)

    total = _Acc()
    for r in run("1"):
        total.add(r)
    return {
        "by": by,
        "tz": getattr(tz, "key", None) or str(tz),
        "rows": [groups[k].out(k) for k in sorted(groups)],
        "totals": total.out(None),
    }


def to_json(data: Any) -> str:
    """Stable, readable JSON for the command line."""
    return json.dumps(data, indent=2, ensure_ascii=False)
