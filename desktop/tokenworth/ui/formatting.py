"""How numbers, times and ratings read on screen (plain functions, easy to test)."""

from __future__ import annotations

import datetime as dt

from tokenworth.core.model import Session
from tokenworth.core.timeutil import parse_ts

VALUE_WORDS = {
    1: "No value, busywork",
    2: "A little value",
    3: "Useful",
    4: "Very useful",
    5: "Exceptional",
}
OUTCOME_LABELS = {
    "achieved": "Achieved",
    "partly": "Partly",
    "not-achieved": "Not achieved",
    "abandoned": "Abandoned",
}


def tokens(n: int | None, *, estimated: bool = False) -> str:
    """``1,234,567`` (with ``≈`` when the count is an estimate)."""
    if n is None:
        return ""
    text = f"{n:,}"
    return f"≈ {text}" if estimated else text


def compact_tokens(n: float) -> str:
    """``950``, ``12k``, ``3.4M``: for axis ticks and short summaries."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            value = n / size
            digits = 0 if value >= 10 or value == int(value) else 1
            return f"{value:.{digits}f}{suffix}"
    return f"{n:.0f}"


def cost(usd: float | None) -> str:
    """``$1.23``; an empty string when no cost is known (unpriced is not $0)."""
    if usd is None:
        return ""
    if 0 < usd < 0.01:
        return "< $0.01"
    return f"${usd:,.2f}"


def duration(minutes: float) -> str:
    """``<1 min``, ``42 min``, ``1 h 05``."""
    if minutes < 1:
        return "< 1 min"
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    return f"{total // 60} h {total % 60:02d}"


def value_dots(value: int | None) -> str:
    """``●●●○○`` for 3 of 5; an empty string when unrated."""
    if value is None:
        return ""
    return "●" * value + "○" * (5 - value)


def local_time(ts: str, zone: dt.tzinfo) -> dt.datetime:
    """A stored time stamp in ``zone``."""
    return parse_ts(ts).astimezone(zone)


def date_time(ts: str, zone: dt.tzinfo) -> str:
    """``14 Mar 2026  09:30`` in ``zone``."""
    return local_time(ts, zone).strftime("%d %b %Y  %H:%M")


def long_date_time(ts: str, zone: dt.tzinfo) -> str:
    """``Sat 14 Mar 2026, 09:30 (CET)``."""
    value = local_time(ts, zone)
    name = value.tzname() or ""
    return value.strftime("%a %d %b %Y, %H:%M") + (f" ({name})" if name else "")


def token_breakdown(s: Session) -> str:
    """A multi-line tooltip with every token type of a session."""
    lines = [
        f"Input (uncached): {s.input_tokens:,}",
        f"Cache writes: {s.cache_creation_tokens:,}",
        f"Cache reads: {s.cache_read_tokens:,}",
        f"Output: {s.output_tokens:,}",
    ]
    if s.reasoning_tokens:
        lines.append(f"  of which reasoning: {s.reasoning_tokens:,}")
    lines.append(f"Total: {s.total_tokens:,}")
    if s.estimated:
        lines.append("Estimated from text, not measured by the tool.")
    return "\n".join(lines)
