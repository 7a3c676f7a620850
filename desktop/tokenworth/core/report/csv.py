"""The report's sessions as CSV: one row per session, cells safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from tokenworth.core.report.model import Report

# A cell a spreadsheet would read as a formula (or that hides one behind a tab or line
# break) starts with one of these; it gets a leading single quote (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

COLUMNS = (
    "session_key",
    "start",
    "end",
    "duration_minutes",
    "tool",
    "models",
    "project",
    "events",
    "input_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
    "estimated",
    "estimated_tokens",
    "manual",
    "cost_usd",
    "unpriced_events",
    "goal",
    "outcome",
    "value",
    "minutes_saved",
    "needed",
    "tags",
    "outcome_note",
    "note",
)


def neutralise(text: str) -> str:
    """``=cmd()`` becomes ``'=cmd()``: spreadsheets show it as text instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value  # numbers are data, never formulas (a negative one stays a number)
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return neutralise(str(value))


def columns(report: Report) -> list[str]:
    """The columns this report's options allow (no project, cost or note when left out)."""
    cols = list(COLUMNS)
    if report.hide_projects:
        cols.remove("project")
    if report.hide_costs:
        cols.remove("cost_usd")
        cols.remove("unpriced_events")
    if not report.include_notes:
        cols.remove("outcome_note")
        cols.remove("note")
    return cols


def render_csv(report: Report) -> str:
    """Every session of the report, one row each, with a header row (RFC 4180, CRLF)."""
    cols = columns(report)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(cols)
    for row in report.sessions:
        writer.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()
