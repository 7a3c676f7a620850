"""The report's reading order, written once for every text format through a small Writer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokenworth.core.report import fmt, svg
from tokenworth.core.report.model import NO_TAG, Report

Column = tuple[str, bool]  # title, numeric (right-aligned)


class Writer:
    """What a format does with each block; the text it gets is plain and not yet escaped.

    Subclasses escape every string for their format. ``parts`` collects the output.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []

    def heading(self, level: int, text: str) -> None:
        """A heading (1 = the title)."""
        raise NotImplementedError

    def meta(self, strong: str, text: str) -> None:
        """The line under the title: period and filters (strong), then zone and date."""
        raise NotImplementedError

    def paragraph(self, text: str) -> None:
        """A paragraph of body text."""
        raise NotImplementedError

    def note(self, text: str) -> None:
        """A small, muted remark."""
        raise NotImplementedError

    def headline(self, items: Sequence[tuple[str, str, str, str]]) -> None:
        """The headline numbers as (key, label, number, detail)."""
        raise NotImplementedError

    def table(
        self,
        head: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        row_classes: Sequence[str] = (),
        text_cols: Sequence[int] = (),
    ) -> None:
        """A table of plain strings; ``text_cols`` are the columns of free text that wrap."""
        raise NotImplementedError

    def chart(self, chart: svg.Chart) -> None:
        """A chart (a format without images may leave it out: a table always follows)."""
        raise NotImplementedError

    def bullets(self, items: Sequence[str]) -> None:
        """A list of sentences."""
        raise NotImplementedError


def filters_text(report: Report) -> str:
    """``February 2026 · claude-code, codex · tag refactor``."""
    f = report.filters
    parts = [report.period["label"], ", ".join(f["tools"]) if f["tools"] else "all tools"]
    if f["tag"]:
        parts.append(f"tag {f['tag']}")
    return " · ".join(parts)


def meta_text(report: Report) -> str:
    """``Time zone Europe/Paris · made 2026-03-01 18:00 with Tokenworth 0.1.0``."""
    made = report.generated_at.replace("T", " ")[:16]
    return f"Time zone {report.tz} · made {made} with Tokenworth {report.app_version}"


def _session_table(w: Writer, report: Report, rows: Sequence[dict[str, Any]]) -> None:
    head: list[Column] = [("Date", False), ("Tool", False)]
    if not report.hide_projects:
        head.append(("Project", False))
    goal_col = len(head)
    head += [("Goal", False), ("Value", True), ("Tokens", True), ("Tokens / point", True)]
    if not report.hide_costs:
        head.append(("Cost", True))
    body = []
    for r in rows:
        cells = [r["date"], r["tool"]]
        if not report.hide_projects:
            cells.append(r.get("project") or "")
        cells += [
            r["goal"] or "",
            fmt.value(r["value"]),
            fmt.tokens(r["total_tokens"], estimated=r["estimated"]),
            fmt.tokens(r["tokens_per_value_point"], estimated=r["estimated"]),
        ]
        if not report.hide_costs:
            cells.append(fmt.cost(r.get("cost_usd")))
        body.append(cells)
    w.table(head, body, text_cols=(goal_col,))


def _cost_cell(r: dict[str, Any]) -> str:
    text = fmt.cost(r.get("cost_usd"))
    if r.get("unpriced_events"):
        text += f" (+{r['unpriced_events']:,} unpriced)"
    return text


def _breakdown_table(w: Writer, report: Report, title: str, rows: Sequence[dict[str, Any]]) -> None:
    head: list[Column] = [(title, False), ("Sessions", True), ("Tokens", True), ("Share", True)]
    if not report.hide_costs:
        head.append(("Cost", True))
    head.append(("Mean value", True))
    body = []
    for r in rows:
        cells = [
            r["name"],
            fmt.integer(r["sessions"]),
            fmt.tokens(r["total_tokens"]),
            fmt.percent(r["token_share"]),
        ]
        if not report.hide_costs:
            cells.append(_cost_cell(r))
        cells.append(fmt.mean_value(r["mean_value"]))
        body.append(cells)
    w.table(head, body, row_classes=["other" if r.get("other") else "" for r in rows])


def _value_table(w: Writer, report: Report) -> None:
    head: list[Column] = [("Value", False), ("Sessions", True), ("Tokens", True)]
    head.append(("Share of rated tokens", True))
    if not report.hide_costs:
        head.append(("Cost", True))
    body = []
    for r in report.scatter["by_value"]:
        cells = [
            f"{r['value']} · {fmt.VALUE_WORDS[r['value']]}",
            fmt.integer(r["sessions"]),
            fmt.tokens(r["total_tokens"]),
            fmt.percent(r["token_share"]),
        ]
        if not report.hide_costs:
            cells.append(_cost_cell(r))
        body.append(cells)
    w.table(
        head,
        body,
        row_classes=["low" if r["value"] <= 2 else "" for r in report.scatter["by_value"]],
    )


def _trend_table(w: Writer, report: Report) -> None:
    tr = report.trends
    head: list[Column] = [
        ("Week starting" if tr["by"] == "week" else "Month", False),
        ("Sessions", True),
        ("Tokens", True),
        ("Mean value", True),
        ("Rated 1-2", True),
    ]
    if not report.hide_costs:
        head.append(("Cost", True))
    body = []
    for r in tr["rows"]:
        cells = [
            r["label"],
            fmt.integer(r["sessions"]),
            fmt.tokens(r["total_tokens"]),
            fmt.mean_value(r["mean_value"]),
            fmt.percent(r["low_value_share"]),
        ]
        if not report.hide_costs:
            cells.append(_cost_cell(r))
        body.append(cells)
    w.table(head, body)


def _goals_table(w: Writer, report: Report) -> None:
    oc = report.outcomes
    head: list[Column] = [("Date", False), ("Tool", False), ("Goal", False)]
    head += [("Outcome", False), ("Value", True), ("Tokens", True)]
    notes = report.include_notes
    if notes:
        head += [("Outcome note", False), ("Note", False)]
    body = []
    for r in oc["goals"]:
        cells = [
            r["date"],
            r["tool"],
            r["goal"] or "",
            fmt.outcome(r["outcome"]),
            fmt.value(r["value"]),
            fmt.tokens(r["total_tokens"], estimated=r["estimated"]),
        ]
        if notes:
            cells += [r.get("outcome_note") or "", r.get("note") or ""]
        body.append(cells)
    w.table(head, body, text_cols=(2, 6, 7) if notes else (2,))
    if oc["goals_total"] > len(oc["goals"]):
        w.note(
            f"{len(oc['goals']):,} of {oc['goals_total']:,} goals shown; the CSV and JSON "
            "exports have every session."
        )


def write_report(w: Writer, report: Report, charts: Sequence[svg.Chart]) -> None:
    """Write every section of ``report`` in reading order.

    Args:
        w: The format's writer.
        report: The report model.
        charts: ``svg.charts(report)`` (a writer without images ignores them).
    """
    by_id = {c.id: c for c in charts}
    w.heading(1, report.title)
    w.meta(filters_text(report), meta_text(report))
    w.paragraph(fmt.verdict(report.summary))

    w.heading(2, "Headline numbers")
    w.headline(fmt.headline(report.summary, report.hide_costs))
    if not report.hide_costs:
        w.note(
            "Cost is API-equivalent: what the calls would cost at list API prices, not what a "
            "subscription charged."
        )

    w.heading(2, "Tokens against value")
    sc = report.scatter
    if "scatter" in by_id:
        w.chart(by_id["scatter"])
    remark = "Each dot is a rated session; ratings are spread a little so equal ones stay visible."
    left_out = []
    if sc["unrated"]:
        left_out.append(f"{sc['unrated']:,} unrated sessions are not shown")
    if sc["no_tokens"]:
        left_out.append(f"{sc['no_tokens']:,} rated sessions without tokens are not shown")
    if left_out:
        remark += " " + "; ".join(left_out).capitalize() + "."
    w.note(remark)
    _value_table(w, report)

    tr = report.trends
    if tr["rows"]:
        w.heading(2, "Trends")
        for cid in ("trend-tokens", "trend-value", "trend-low", "trend-cost"):
            if cid in by_id:
                w.heading(3, by_id[cid].title)
                w.chart(by_id[cid])
        w.heading(3, "Per week" if tr["by"] == "week" else "Per month")
        _trend_table(w, report)

    w.heading(2, "Sessions that paid off most")
    if report.top_value:
        w.note("Rated 4-5, fewest tokens per value point first.")
        _session_table(w, report, report.top_value)
    else:
        w.note("No session rated 4 or 5 in this period.")
    w.heading(2, "Heaviest low-value sessions")
    if report.low_value:
        w.note("Rated 1-2, most tokens first.")
        _session_table(w, report, report.low_value)
    else:
        w.note("No session rated 1 or 2 in this period.")

    w.heading(2, "Breakdowns")
    for dim, rows in report.breakdowns.items():
        if not rows:
            continue
        w.heading(3, svg.BREAKDOWN_TITLES[dim])
        if f"by-{dim}" in by_id:
            w.chart(by_id[f"by-{dim}"])
        _breakdown_table(w, report, dim.capitalize(), rows)
        if dim == "tag" and any(r["name"] != NO_TAG for r in rows):
            w.note("A session with several tags counts in each of them.")

    w.heading(2, "Goals and outcomes")
    counts = report.outcomes["counts"]
    total = sum(counts.values())
    w.table(
        [("Outcome", False), ("Sessions", True), ("Share", True)],
        [
            [
                fmt.OUTCOME_LABELS.get(k, k),
                fmt.integer(n),
                fmt.percent(n / total if total else None),
            ]
            for k, n in counts.items()
        ],
    )
    if report.outcomes["goals"]:
        w.heading(3, "Goals")
        _goals_table(w, report)

    w.heading(2, "Method")
    w.bullets(report.method["notes"])
