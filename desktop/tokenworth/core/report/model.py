"""The report as plain data: one model that every format renders, so the numbers agree."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tokenworth import __version__
from tokenworth.core import analytics
from tokenworth.core.analytics import summary
from tokenworth.core.model import OUTCOMES, Session
from tokenworth.core.pricing import PriceTable
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import format_ts, parse_ts

SCHEMA = "tokenworth-report/1"
TITLE = "Was it worth the tokens?"
TOP_SESSIONS = 8  # rows in "paid off most" and "heaviest low-value"
BREAKDOWN_ROWS = 12  # rows per breakdown before the rest becomes one "other" row
GOALS_LIMIT = 150  # goals listed in the report; the CSV and JSON have every session
WEEKLY_UP_TO_DAYS = 92  # periods up to about a quarter are shown per week, longer per month
HIGH_VALUE = 4  # "paid off most" considers sessions rated at least this
LOW_VALUE = 2  # "low value" is a rating at most this (DESIGN.md: sessions rated 1-2)
NO_PROJECT = "(none)"
NO_MODEL = "(unknown)"
NO_TAG = "(untagged)"
NO_OUTCOME = "none"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the person chose to put in, or leave out of, a report.

    Attributes:
        include_notes: Include the free notes and outcome notes in full (default: left out).
        hide_projects: Leave out project names entirely (default: their last folder only).
        hide_costs: Leave out every cost (API-equivalent dollars).
    """

    include_notes: bool = False
    hide_projects: bool = False
    hide_costs: bool = False


@dataclass(slots=True)
class Report:
    """Everything a report shows, as JSON-ready plain data.

    Attributes:
        title: The report's title.
        generated_at: When it was made, local ISO date-time to the minute.
        app_version: The Tokenworth version that made it.
        tz: The time zone of every date and bucket.
        period: ``since`` / ``until`` (inclusive local dates or None), ``label``, and the
            local dates of the first and last session found.
        filters: ``tools`` (list) and ``tag`` (or None).
        options: The ReportOptions as a dict.
        summary: The headline numbers, exactly ``analytics.summary`` (no ``cost_usd`` when
            costs are hidden).
        scatter: Tokens against value per rated session: ``points`` (tool, tokens, value,
            y = value with a stable jitter), ``by_value`` (the chart as a table: one row per
            rating 1-5, ``token_share`` of the rated sessions' tokens), ``tools``, and the
            ``unrated`` and ``no_tokens`` counts.
        trends: ``by`` (week or month), ``tools`` and ``rows`` per period (every period of
            the range, empty ones included).
        breakdowns: Rows by ``tool``, ``model``, ``project`` (absent when hidden), ``tag``.
        top_value: The sessions that paid off most (rated 4-5, fewest tokens per point).
        low_value: The heaviest sessions rated 1-2, most tokens first.
        outcomes: ``counts`` per outcome (and ``none``), ``goals`` (sessions with a goal or
            outcome, or a note when notes are included; oldest first, at most GOALS_LIMIT)
            and ``goals_total``.
        sessions: Every selected session, oldest first (for CSV and JSON).
        method: How the numbers were made: ``tz``, ``prices`` (table version, None when
            costs are hidden), ``unpriced_models`` and ``unpriced_events`` (absent when
            costs are hidden), ``estimated_tokens``, ``estimated_sessions`` and ``notes``.
    """

    title: str
    generated_at: str
    app_version: str
    tz: str
    period: dict[str, Any]
    filters: dict[str, Any]
    options: dict[str, bool]
    summary: dict[str, Any]
    scatter: dict[str, Any]
    trends: dict[str, Any]
    breakdowns: dict[str, list[dict[str, Any]]]
    top_value: list[dict[str, Any]]
    low_value: list[dict[str, Any]]
    outcomes: dict[str, Any]
    sessions: list[dict[str, Any]]
    method: dict[str, Any]
    schema: str = SCHEMA
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready mapping (``schema`` first)."""
        d = asdict(self)
        d.pop("extra")
        return {"schema": d.pop("schema"), **d}

    @property
    def hide_costs(self) -> bool:
        """True when the person chose to leave costs out."""
        return bool(self.options.get("hide_costs"))

    @property
    def hide_projects(self) -> bool:
        """True when the person chose to leave project names out."""
        return bool(self.options.get("hide_projects"))

    @property
    def include_notes(self) -> bool:
        """True when the person chose to include notes."""
        return bool(self.options.get("include_notes"))


def short_project(project: str | None) -> str | None:
    """A project's last folder: ``/home/me/code/app`` and ``C:\\code\\app`` become ``app``."""
    if not project:
        return None
    trimmed = project.rstrip("/\\")
    last = trimmed.replace("\\", "/").rsplit("/", 1)[-1]
    return last or trimmed or None


def _start_of(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time(0), tzinfo=tz)


def period_bounds(
    since: dt.date | dt.datetime | None,
    until: dt.date | dt.datetime | None,
    tz: dt.tzinfo,
) -> tuple[str | None, str | None]:
    """Stored-form UTC bounds (inclusive since, exclusive until) of a period.

    A date is a whole local day: ``since`` starts at its midnight in ``tz`` and ``until``
    includes its day. A date-time is an exact instant (naive ones are in ``tz``).
    """
    lo = format_ts(_start_of(since, tz)) if since is not None else None
    hi: str | None = None
    if until is not None:
        if isinstance(until, dt.datetime):
            hi = format_ts(_start_of(until, tz))
        else:
            hi = format_ts(_start_of(until + dt.timedelta(days=1), tz))
    return lo, hi


def _day(value: dt.date | dt.datetime | None, tz: dt.tzinfo, *, end: bool) -> dt.date | None:
    """The local calendar day a bound names (for an exclusive instant, the day before)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return value
    local = _start_of(value, tz).astimezone(tz)
    if end and local.time() == dt.time(0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def period_label(since: dt.date | None, until: dt.date | None) -> str:
    """``February 2026``, ``1 Feb 2026 – 14 Feb 2026``, ``Since 1 Feb 2026`` or ``All time``."""
    if since and until:
        next_day = until + dt.timedelta(days=1)
        if (
            since.day == 1
            and next_day.day == 1
            and (since.year, since.month)
            == (
                until.year,
                until.month,
            )
        ):
            return since.strftime("%B %Y")
        if since == until:
            return _long_date(since)
        return f"{_long_date(since)} – {_long_date(until)}"
    if since:
        return f"Since {_long_date(since)}"
    if until:
        return f"Until {_long_date(until)}"
    return "All time"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _zone_name(tz: dt.tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def _jitter(key: str) -> float:
    """A stable offset in [-0.28, 0.28] so equal values do not hide each other."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF - 0.5) * 0.56


def _value(s: Session) -> int | None:
    return s.annotation.value if s.annotation else None


class _Group:
    """Sums over whole sessions (the value table, and the "others" row of a breakdown)."""

    __slots__ = ("cost", "low_tokens", "rated_tokens", "tokens", "unpriced", "values")

    def __init__(self) -> None:
        self.tokens = 0
        self.cost: float | None = None
        self.unpriced = 0
        self.values: dict[str, int | None] = {}  # session key -> value (None when unrated)
        self.rated_tokens = 0
        self.low_tokens = 0

    def add(self, s: Session) -> None:
        self.tokens += s.total_tokens
        if s.cost_usd is not None:
            self.cost = (self.cost or 0.0) + s.cost_usd
        self.unpriced += s.unpriced_events
        value = _value(s)
        self.values[s.session_key] = value
        if value is not None:
            self.rated_tokens += s.total_tokens
            if value <= LOW_VALUE:
                self.low_tokens += s.total_tokens

    def row(self, name: str, total_tokens: int, hide_costs: bool) -> dict[str, Any]:
        rated = [v for v in self.values.values() if v is not None]
        out: dict[str, Any] = {
            "name": name,
            "sessions": len(self.values),
            "total_tokens": self.tokens,
            "token_share": self.tokens / total_tokens if total_tokens else None,
        }
        if not hide_costs:
            out["cost_usd"] = None if self.cost is None else round(self.cost, 6)
            out["unpriced_events"] = self.unpriced
        out["rated_sessions"] = len(rated)
        out["mean_value"] = sum(rated) / len(rated) if rated else None
        return out


def _add_cost(a: float | None, b: float | None) -> float | None:
    return a if b is None else (b if a is None else a + b)


def _breakdown(
    journal: Journal,
    dim: str,
    flt: SessionFilter,
    by_key: dict[str, Session],
    total_tokens: int,
    hide_costs: bool,
) -> list[dict[str, Any]]:
    """``analytics.breakdown`` rows for the report: projects by their last folder, most
    tokens first, and past BREAKDOWN_ROWS one "others" row (its sessions counted once)."""
    merged: dict[str, dict[str, Any]] = {}
    keys: dict[str, list[str]] = {}  # report name -> analytics keys (projects merge)
    for r in analytics.breakdown(journal, dim, flt)["rows"]:
        name = r["key"]
        if dim == "project" and name != NO_PROJECT:
            name = short_project(name) or NO_PROJECT
        keys.setdefault(name, []).append(r["key"])
        m = merged.get(name)
        if m is None:
            merged[name] = {**r, "value_sum": (r["mean_value"] or 0) * r["rated_sessions"]}
            continue
        # Two folders with the same last name: one row (a session has one project).
        m["total_tokens"] += r["total_tokens"]
        m["cost_usd"] = _add_cost(m["cost_usd"], r["cost_usd"])
        m["unpriced_events"] += r["unpriced_events"]
        m["sessions"] += r["sessions"]
        m["rated_sessions"] += r["rated_sessions"]
        m["value_sum"] += (r["mean_value"] or 0) * r["rated_sessions"]
    ordered = sorted(merged.items(), key=lambda kv: (-kv[1]["total_tokens"], kv[0]))

    def out(name: str, r: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "name": name,
            "sessions": r["sessions"],
            "total_tokens": r["total_tokens"],
            "token_share": r["total_tokens"] / total_tokens if total_tokens else None,
        }
        if not hide_costs:
            row["cost_usd"] = None if r["cost_usd"] is None else round(r["cost_usd"], 6)
            row["unpriced_events"] = r["unpriced_events"]
        row["rated_sessions"] = r["rated_sessions"]
        row["mean_value"] = r["value_sum"] / r["rated_sessions"] if r["rated_sessions"] else None
        return row

    rows = [out(name, r) for name, r in ordered[:BREAKDOWN_ROWS]]
    rest = ordered[BREAKDOWN_ROWS:]
    if rest:
        # A session can be in several rest rows (tags, models): count it once.
        members: set[str] = set()
        for name, _r in rest:
            for key in keys[name]:
                members.update(analytics.breakdown_sessions(journal, dim, key, flt))
        other = _Group()
        for key in members:
            if key in by_key:
                other.add(by_key[key])
        row = other.row(f"{len(rest)} others", total_tokens, hide_costs)
        row["total_tokens"] = sum(r["total_tokens"] for _n, r in rest)
        row["token_share"] = row["total_tokens"] / total_tokens if total_tokens else None
        if not hide_costs:
            cost: float | None = None
            for _n, r in rest:
                cost = _add_cost(cost, r["cost_usd"])
            row["cost_usd"] = None if cost is None else round(cost, 6)
            row["unpriced_events"] = sum(r["unpriced_events"] for _n, r in rest)
        row["other"] = True
        rows.append(row)
    return rows


def _bucket_start(day: dt.date, by: str, week_start: int) -> dt.date:
    if by == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=(day.weekday() - week_start) % 7)


def _next_bucket(day: dt.date, by: str) -> dt.date:
    if by == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=7)


def _bucket_label(start: dt.date, by: str) -> str:
    if by == "month":
        return start.strftime("%b %Y")
    return f"{start.day} {start.strftime('%b')}"


def _trends(
    journal: Journal,
    flt: SessionFilter,
    tz: dt.tzinfo,
    first: dt.date | None,
    last: dt.date | None,
    week_start: int,
    hide_costs: bool,
) -> dict[str, Any]:
    """``analytics.trends`` per week (periods up to about a quarter) or month, with every
    period of the report's range present (empty ones too) and readable labels."""
    if first is None or last is None:
        return {"by": "week", "week_start": week_start, "tools": [], "rows": []}
    by = "week" if (last - first).days < WEEKLY_UP_TO_DAYS else "month"
    data = analytics.trends(journal, by, tz, flt, week_start=week_start)
    tools = data["tools"]
    found = {r["start"]: r for r in data["rows"]}
    start = _bucket_start(first, by, week_start)
    end = _bucket_start(last, by, week_start)
    if found:  # a session's late calls can fall after the period's last day
        start = min(start, dt.date.fromisoformat(min(found)))
        end = max(end, dt.date.fromisoformat(max(found)))
    rows: list[dict[str, Any]] = []
    while start <= end:
        r = found.get(start.isoformat())
        row: dict[str, Any] = {
            "period": start.isoformat() if by == "week" else start.strftime("%Y-%m"),
            "label": _bucket_label(max(start, first), by),  # a partial first week: its 1st day
            "tokens_by_tool": {t: (r["tokens"].get(t, 0) if r else 0) for t in tools},
            "total_tokens": r["total_tokens"] if r else 0,
        }
        if not hide_costs:
            row["cost_usd"] = r["cost_usd"] if r else None
            row["unpriced_events"] = r["unpriced_events"] if r else 0
        row["sessions"] = r["sessions"] if r else 0
        row["rated_sessions"] = r["rated_sessions"] if r else 0
        row["mean_value"] = r["mean_value"] if r else None
        row["low_value_share"] = r["low_value_share"] if r else None
        rows.append(row)
        start = _next_bucket(start, by)
    return {"by": by, "week_start": week_start, "tools": tools, "rows": rows}


def _public_key(key: str, options: ReportOptions) -> str:
    """The session key, or a short stable hash of it when projects are hidden.

    Keys of some sources name a project or an API key (daily usage exports); a hash still
    tells sessions apart and matches between the CSV and JSON of one report.
    """
    if not options.hide_projects:
        return key
    return "s-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _session_row(
    s: Session, tz: dt.tzinfo, options: ReportOptions, *, full: bool = True
) -> dict[str, Any]:
    """One session as the report may show it: no paths, branches or (by default) notes."""
    a = s.annotation
    start = parse_ts(s.start).astimezone(tz)
    end = parse_ts(s.end).astimezone(tz)
    value = a.value if a else None
    row: dict[str, Any] = {
        "session_key": _public_key(s.session_key, options),
        "start": start.isoformat(timespec="minutes"),
        "date": start.strftime("%Y-%m-%d"),
        "tool": s.tool,
        "models": list(s.models),
    }
    if not options.hide_projects:
        row["project"] = short_project(s.project)
    if full:
        row["end"] = end.isoformat(timespec="minutes")
        row["duration_minutes"] = round(max(s.duration_minutes, 0.0), 1)
        row["events"] = s.events
        row["input_tokens"] = s.input_tokens
        row["cache_creation_tokens"] = s.cache_creation_tokens
        row["cache_read_tokens"] = s.cache_read_tokens
        row["output_tokens"] = s.output_tokens
        row["reasoning_tokens"] = s.reasoning_tokens
    row["total_tokens"] = s.total_tokens
    if not options.hide_costs:
        row["cost_usd"] = None if s.cost_usd is None else round(s.cost_usd, 6)
        row["unpriced_events"] = s.unpriced_events
    row["estimated"] = s.estimated
    if full:
        row["estimated_tokens"] = s.estimated_tokens
        row["manual"] = s.manual
    row["goal"] = a.goal if a else None
    row["outcome"] = a.outcome if a else None
    row["value"] = value
    row["tokens_per_value_point"] = s.total_tokens / value if value else None
    row["minutes_saved"] = a.minutes_saved if a else None
    row["needed"] = a.needed if a else None
    row["tags"] = list(a.tags) if a else []
    if options.include_notes:
        row["outcome_note"] = a.outcome_note if a else None
        row["note"] = a.note if a else None
    return row


def _method(
    tz_name: str,
    prices: PriceTable,
    options: ReportOptions,
    head: dict[str, Any],
    sessions: Sequence[Session],
    unpriced_models: list[str],
) -> dict[str, Any]:
    """The short method section: what is measured, estimated, priced and left out."""
    estimated_sessions = sum(1 for s in sessions if s.estimated_tokens)
    est = head["estimated_tokens"]
    total = head["total_tokens"]
    notes = [
        f"Dates and weeks are in the time zone {tz_name}. A session counts in the period "
        "when it starts in it, with all of its tokens.",
        "Tokens are input + cache writes + cache reads + output (reasoning included), as "
        "the tools logged them.",
    ]
    if est:
        notes.append(
            f"{est:,} tokens ({est / total:.0%}) in {estimated_sessions:,} sessions are "
            "estimates made from text (chat exports, sessions logged by hand), marked ≈; "
            "the rest are counts the tools reported."
        )
    else:
        notes.append("No token count in this report is an estimate.")
    if not options.hide_costs:
        notes.append(
            "Costs are API-equivalent: the cost a source reported, else what the same calls "
            "would cost at list API prices. They are not what a subscription charged. Price "
            f"table: {prices.version}."
        )
        if head["unpriced_events"]:
            names = ", ".join(
                "calls with no model named" if m == NO_MODEL else m for m in unpriced_models
            )
            notes.append(
                f"{head['unpriced_events']:,} calls have no known price ({names or 'unknown'}); "
                "they are left out of the costs, not counted as $0."
            )
    else:
        notes.append("Costs are left out of this report.")
    notes.append(
        "Value is the person's own rating of each session, 1 (no value, busywork) to 5 "
        "(exceptional). Low-value share: the share of the rated sessions' tokens spent in "
        "sessions rated 1-2. Tokens per value point: rated sessions' tokens / the sum of "
        "their ratings."
    )
    notes.append(
        "Paid off most: sessions rated 4-5 with the fewest tokens per value point. "
        "Heaviest low-value: sessions rated 1-2 with the most tokens."
    )
    notes.append(
        "Rank correlation of tokens with value (Spearman): near 0 means that sessions that "
        "used more tokens were not rated more valuable; it needs 3 rated sessions."
    )
    notes.append(
        "A session with several tags counts in each of its tags' rows, so tag shares can add "
        "up to more than 100%."
    )
    privacy = "No prompt or response text is in this report (the journal keeps none). "
    privacy += (
        "Project names are left out. "
        if options.hide_projects
        else "Projects are named by their last folder only. "
    )
    privacy += "Working folders and branch names are left out. "
    if options.hide_projects:
        privacy += "Session keys are replaced by a short hash. "
    privacy += "Notes are included in full." if options.include_notes else "Notes are left out."
    notes.append(privacy)
    out: dict[str, Any] = {
        "tz": tz_name,
        "prices": None if options.hide_costs else prices.version,
    }
    if not options.hide_costs:
        out["unpriced_models"] = unpriced_models
        out["unpriced_events"] = head["unpriced_events"]
    out["estimated_tokens"] = est
    out["estimated_sessions"] = estimated_sessions
    out["notes"] = notes
    return out


def build_report(
    journal: Journal,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    tools: Sequence[str] = (),
    tag: str | None = None,
    tz: dt.tzinfo,
    options: ReportOptions | None = None,
    prices: PriceTable | None = None,
    week_start: int = 0,
    now: Callable[[], dt.datetime] | None = None,
) -> Report:
    """Build the report of the sessions that start in a period and pass the filters.

    Args:
        journal: The journal to read.
        since: First day (a date, local in ``tz``) or first instant; None: from the start.
        until: Last day, included (a date) or the instant the period ends before; None:
            up to now.
        tools: Only these tools (empty: every tool).
        tag: Only sessions with this tag.
        tz: The zone of every date, week and month in the report.
        options: What to include or leave out (default: ReportOptions()).
        prices: The price table of the headline cost (default: the journal's, with the
            person's overrides; per-session costs are always the journal's).
        week_start: First day of a week, 0 = Monday ... 6 = Sunday.
        now: The clock (tests pass a fixed one).

    Returns:
        The Report; its ``summary`` is ``analytics.summary`` for the same sessions.
    """
    options = options or ReportOptions()
    prices = prices or journal.prices
    lo, hi = period_bounds(since, until, tz)
    flt = SessionFilter(since=lo, until=hi, tools=tuple(tools), tag=tag or None)
    sessions = journal.sessions(flt)
    head = summary(journal, flt, prices)
    by_key = {s.session_key: s for s in sessions}
    total = head["total_tokens"]
    hide_costs = options.hide_costs

    local_days = [parse_ts(s.start).astimezone(tz).date() for s in sessions]
    first_day = _day(since, tz, end=False) or (local_days[0] if local_days else None)
    last_day = _day(until, tz, end=True) or (local_days[-1] if local_days else None)
    clock = now or (lambda: dt.datetime.now(tz))
    tz_name = _zone_name(tz)

    # Chart 1: tokens (log scale) against value, rated sessions with tokens only.
    sp = analytics.scatter_points(journal, flt)
    points: list[dict[str, Any]] = [
        {
            "tool": p.tool,
            "tokens": p.total_tokens,
            "value": p.value,
            "y": p.value + _jitter(p.session_key),
        }
        for p in sp.points
    ]
    by_value = []
    rated_total = sum(s.total_tokens for s in sessions if _value(s) is not None)
    for rating in range(1, 6):
        group = _Group()
        for s in sessions:
            if _value(s) == rating:
                group.add(s)
        row = group.row(str(rating), rated_total, hide_costs)
        row["value"] = rating
        by_value.append(row)
    scatter: dict[str, Any] = {
        "points": points,
        "by_value": by_value,
        "tools": sorted({p["tool"] for p in points}),
        "unrated": sp.unrated,
        "no_tokens": sp.no_tokens,
    }

    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dim in analytics.BREAKDOWN_BY:
        if dim == "project" and options.hide_projects:
            continue
        breakdowns[dim] = _breakdown(journal, dim, flt, by_key, total, hide_costs)
    unpriced_models = sorted(
        r["key"] for r in analytics.breakdown(journal, "model", flt)["rows"] if r["unpriced_events"]
    )

    def line(s: Session) -> dict[str, Any]:
        return _session_row(s, tz, options, full=False)

    high = [s for s in sessions if (_value(s) or 0) >= HIGH_VALUE and s.total_tokens > 0]
    high.sort(key=lambda s: (s.total_tokens / (_value(s) or 1), s.start))
    low = [s for s in sessions if (v := _value(s)) is not None and v <= LOW_VALUE]
    low.sort(key=lambda s: (-s.total_tokens, s.start))

    counts = dict.fromkeys((*OUTCOMES, NO_OUTCOME), 0)
    for s in sessions:
        outcome = s.annotation.outcome if s.annotation else None
        counts[outcome if outcome in counts else NO_OUTCOME] += 1

    def listed(s: Session) -> bool:
        a = s.annotation
        if a is None:
            return False
        notes = options.include_notes and bool(a.note or a.outcome_note)
        return bool(a.goal or a.outcome or notes)

    with_goal = [s for s in sessions if listed(s)]

    summary_out = dict(head)
    if hide_costs:
        summary_out.pop("cost_usd")
        summary_out.pop("unpriced_events")

    return Report(
        title=TITLE,
        generated_at=clock().astimezone(tz).isoformat(timespec="minutes"),
        app_version=__version__,
        tz=tz_name,
        period={
            "since": first_day.isoformat() if since is not None and first_day else None,
            "until": last_day.isoformat() if until is not None and last_day else None,
            "label": period_label(_day(since, tz, end=False), _day(until, tz, end=True)),
            "first_session": local_days[0].isoformat() if local_days else None,
            "last_session": local_days[-1].isoformat() if local_days else None,
        },
        filters={"tools": sorted(tools), "tag": tag or None},
        options={
            "include_notes": options.include_notes,
            "hide_projects": options.hide_projects,
            "hide_costs": options.hide_costs,
        },
        summary=summary_out,
        scatter=scatter,
        trends=_trends(journal, flt, tz, first_day, last_day, week_start, hide_costs),
        breakdowns=breakdowns,
        top_value=[line(s) for s in high[:TOP_SESSIONS]],
        low_value=[line(s) for s in low[:TOP_SESSIONS]],
        outcomes={
            "counts": counts,
            "goals": [line(s) for s in with_goal[:GOALS_LIMIT]],
            "goals_total": len(with_goal),
        },
        sessions=[_session_row(s, tz, options) for s in sessions],
        method=_method(tz_name, prices, options, head, sessions, unpriced_models),
    )
