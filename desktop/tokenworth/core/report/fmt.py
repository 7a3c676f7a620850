"""How numbers read in a report (plain text; each renderer escapes it for its format)."""

from __future__ import annotations

import hashlib
from typing import Any

# The same colours as ui/theme.py's TOOL_COLORS (the core cannot import Qt code), so a
# tool has one colour in the window and in the report.
TOOL_COLORS = {
    "claude-code": "#E07A5F",
    "claude-ai": "#C2643F",
    "anthropic-api": "#B5563A",
    "codex": "#2A9D8F",
    "openai-api": "#1F7A6F",
    "gemini-cli": "#4C8BF5",
    "copilot-cli": "#9B6BDF",
    "cursor": "#E9B949",
    "chatgpt": "#D6609A",
    "openrouter": "#6C8EBF",
    "manual": "#8D99AE",
}
_SPARE_COLORS = ("#A3785B", "#5DA9A6", "#C06C84", "#7A9E45", "#B58DB6", "#D08C60")
SERIES_COLORS = ("#3D5A80", "#E07A5F", "#2A9D8F", "#9B6BDF", "#E9B949", "#8D99AE")

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
    "none": "Not recorded",
}
DASH = "–"  # shown for a number that is not known (never 0)


def tool_color(tool: str) -> str:
    """The ``#RRGGBB`` colour of a tool, stable for tools this version does not know."""
    known = TOOL_COLORS.get(tool)
    if known:
        return known
    digest = hashlib.sha1(tool.encode("utf-8")).digest()
    return _SPARE_COLORS[digest[0] % len(_SPARE_COLORS)]


def integer(n: int | None) -> str:
    """``1,234,567``; a dash when unknown."""
    return DASH if n is None else f"{n:,}"


def tokens(n: float | None, *, estimated: bool = False) -> str:
    """``1,234,567`` tokens, ``≈ 1,234`` when the count is an estimate."""
    if n is None:
        return DASH
    text = f"{round(n):,}"
    return f"≈ {text}" if estimated else text


def compact(n: float | None) -> str:
    """``950``, ``12k``, ``3.4M``, ``1.2B``: for axis ticks and tight cells."""
    if n is None:
        return DASH
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            value = n / size
            digits = 0 if abs(value) >= 10 or value == int(value) else 1
            return f"{value:.{digits}f}{suffix}"
    return f"{n:.0f}"


def cost(usd: float | None) -> str:
    """``$1.23``, ``< $0.01``; a dash when no cost is known (unpriced is not $0)."""
    if usd is None:
        return DASH
    if 0 < usd < 0.005:
        return "< $0.01"
    return f"${usd:,.2f}"


def percent(share: float | None) -> str:
    """``34%``; a dash when the share has no denominator."""
    return DASH if share is None else f"{share:.0%}"


def mean_value(value: float | None) -> str:
    """``3.03 / 5``; a dash when nothing is rated."""
    return DASH if value is None else f"{value:.2f} / 5"


def value(value: int | None) -> str:
    """``4/5``; empty when unrated."""
    return "" if value is None else f"{value}/5"


def signed(x: float | None, digits: int = 2) -> str:
    """``+0.03``, ``-0.41``; a dash when unknown."""
    return DASH if x is None else f"{x:+.{digits}f}"


def outcome(name: str | None) -> str:
    """The outcome's label (``Not achieved``), empty when none was recorded."""
    if not name:
        return ""
    return OUTCOME_LABELS.get(name, name)


def headline(summary: dict[str, Any], hide_costs: bool) -> list[tuple[str, str, str, str]]:
    """The headline numbers as (key, label, number, detail), in reading order.

    Args:
        summary: ``Report.summary`` (analytics.summary's keys).
        hide_costs: Leave out the cost line.

    Returns:
        One tuple per number; ``detail`` is a short qualifier or an empty string.
    """
    s = summary
    est = s.get("estimated_tokens") or 0
    rows = [
        ("sessions", "Sessions", integer(s["sessions"]), ""),
        (
            "rated_sessions",
            "Rated",
            integer(s["rated_sessions"]),
            f"{percent(s['rated_share'])} of sessions" if s["rated_share"] is not None else "",
        ),
        (
            "total_tokens",
            "Tokens",
            tokens(s["total_tokens"]),
            f"of which ≈ {est:,} estimated" if est else "",
        ),
    ]
    if not hide_costs:
        unpriced = s.get("unpriced_events") or 0
        rows.append(
            (
                "cost_usd",
                "API-equivalent cost",
                cost(s["cost_usd"]),
                f"+ {unpriced:,} calls of unpriced models" if unpriced else "",
            )
        )
    saved = s["minutes_saved"]
    rows += [
        ("mean_value", "Mean value", mean_value(s["mean_value"]), ""),
        ("low_value_share", "Tokens in sessions rated 1-2", percent(s["low_value_share"]), ""),
        (
            "tokens_per_value_point",
            "Tokens per value point",
            tokens(s["tokens_per_value_point"]),
            "",
        ),
        ("outcome_rate", "Goals achieved (fully or partly)", percent(s["outcome_rate"]), ""),
        (
            "minutes_saved",
            "Minutes saved (own estimate)",
            integer(saved),
            f"{saved / 60:,.1f} hours" if saved is not None and abs(saved) >= 120 else "",
        ),
        (
            "spearman_tokens_value",
            "Rank correlation, tokens vs value",
            signed(s["spearman_tokens_value"]),
            "",
        ),
    ]
    return rows


def verdict(summary: dict[str, Any]) -> str:
    """One plain sentence that answers the report's question from the numbers."""
    s = summary
    if not s["sessions"]:
        return "No sessions in this period."
    if not s["rated_sessions"]:
        return "No session in this period is rated yet, so value cannot be weighed."
    low = s["low_value_share"]
    mean = s["mean_value"]
    parts = [f"Rated sessions averaged {mean:.1f} out of 5"]
    if low is not None:
        parts.append(f"{low:.0%} of their tokens went to sessions rated 1-2")
    rho = s["spearman_tokens_value"]
    if rho is not None:
        if abs(rho) < 0.2:
            parts.append("spending more tokens did not go with more value")
        elif rho > 0:
            parts.append("sessions that used more tokens tended to be rated higher")
        else:
            parts.append("sessions that used more tokens tended to be rated lower")
    return "; ".join(parts) + "."
