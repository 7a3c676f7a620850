"""HTML, CSV, JSON and Markdown: escaped, injection-safe, self-contained, private by default."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tokenworth.core.analytics import summary
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.report import (
    FORMATS,
    TEXT_FORMATS,
    ReportOptions,
    build_report,
    format_for_path,
    render_text,
    write_atomic,
)
from tokenworth.core.report.csv import neutralise
from tokenworth.core.report.html import CSP, Image, render_rich_text
from tokenworth.core.report.markdown import md_escape
from tokenworth.core.report.model import period_bounds
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC

from .conftest import FEB, HOSTILE, NOTE_MARKER, OUTCOME_MARKER

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Every element the browser file may contain: document, text, tables and the SVG charts.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "footer", "h1", "h2", "h3",
    "p", "strong", "br", "dl", "div", "dt", "dd", "small", "figure", "table", "thead",
    "tbody", "tr", "th", "td", "ul", "li", "svg", "rect", "line", "text", "circle",
    "polyline",
}  # fmt: skip


def _report(journal: Journal, **kw):
    return build_report(journal, tz=PARIS, now=lambda: NOW, **{**FEB, **kw})


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


def test_html_escapes_every_hostile_string(report_journal: Journal) -> None:
    for options in (ReportOptions(), ReportOptions(include_notes=True)):
        page = render_text(_report(report_journal, options=options), "html")
        parsed = _parse(page)
        tags = {t for t, _a in parsed.tags}
        assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
        assert [t for t, _a in parsed.tags].count("style") == 1
        assert len(parsed.styles) == 1 and "</" not in parsed.styles[0]
        for tag, attrs in parsed.tags:
            for name, value in attrs.items():
                assert not name.startswith("on"), (tag, name)
                assert name not in ("src", "href", "xlink:href", "action", "srcset"), (tag, name)
                assert "javascript:" not in (value or "").lower(), (tag, name, value)
        for text in HOSTILE:
            assert escape(text, quote=True) in page, text  # shown as text
        assert "<script" not in page.lower()
        assert "<img" not in page.lower()


def test_html_is_self_contained_with_a_strict_csp(report_journal: Journal) -> None:
    page = render_text(_report(report_journal), "html")
    for _tag, attrs in _parse(page).tags:  # no attribute points anywhere
        assert not any("http" in (v or "") or "//" in (v or "") for v in attrs.values())
    # Outside the person's own escaped text (one hostile goal holds a URL) there is none.
    shown = page.replace(escape(HOSTILE[7], quote=True), "")
    assert "http://" not in shown and "https://" not in shown
    assert "url(" not in page and "@import" not in page
    csp = [a for t, a in _parse(page).tags if t == "meta" and a.get("http-equiv")]
    assert csp[0]["http-equiv"] == "Content-Security-Policy"
    assert csp[0]["content"] == CSP
    assert CSP.startswith("default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    assert 'name="viewport"' in page  # readable on a phone
    assert "@media print" in page and "@media (max-width" in page
    assert page.count("<svg ") >= 5  # scatter, trends, breakdowns


def test_charts_have_labelled_axes_and_a_legend(report_journal: Journal) -> None:
    page = render_text(_report(report_journal), "html")
    for label in (
        "Tokens per session (log scale)",
        "Value (own rating)",
        "Week starting",
        "Mean value",
        "US dollars",
    ):
        assert f">{label}</text>" in page, label
    report = _report(report_journal)
    start = page.index('id="scatter"')
    scatter = page[start : page.index("</figure>", start)]
    assert len(report.scatter["tools"]) >= 3
    for tool in report.scatter["tools"]:
        assert f">{tool}</text>" in scatter  # the legend names every tool
    ticks = re.findall(r">(1|10|100)([kMB])</text>", scatter)  # log axis: powers of ten
    assert len(ticks) >= 2


def test_qt_rich_text_escapes_too_and_uses_only_the_given_images(report_journal: Journal) -> None:
    report = _report(report_journal, options=ReportOptions(include_notes=True))
    images = {"scatter": Image("chart:scatter", 600, 300)}
    markup = render_rich_text(report, images)
    parsed = _parse(markup)
    assert [a["src"] for t, a in parsed.tags if t == "img"] == ["chart:scatter"]
    assert not {t for t, _a in parsed.tags} & {"script", "svg", "iframe", "object", "a"}
    for _tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs)
    for text in HOSTILE:
        assert escape(text, quote=True) in markup


def test_markdown_escapes_user_strings(report_journal: Journal) -> None:
    md = render_text(_report(report_journal, options=ReportOptions(include_notes=True)), "md")
    assert not re.search(r"(?<!\\)<", md)  # no raw HTML can start
    assert not re.search(r"(?<!\\)\]\(", md)  # no link can form
    # Each table keeps its shape: every row has as many unescaped pipes as its header.
    for block in md.split("\n\n"):
        rows = [ln for ln in block.splitlines() if ln.startswith("|")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", ln)) for ln in rows}
            assert len(widths) == 1, block
    for text in HOSTILE:
        assert md_escape(text) in md
    assert md_escape("a | b") == "a \\| b"
    assert md_escape("<script>") == "\\<script\\>"
    assert md_escape("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert\\(1\\)\\)"
    assert md_escape("# title\nnext") == "\\# title next"
    assert md_escape("- item") == "\\- item"
    assert md_escape("1. item") == "1\\. item"
    assert md_escape("2.88 / 5") == "2.88 / 5"
    assert md_escape("-30") == "-30"
    assert md_escape("*a* _b_ `c` ~d~ &amp;") == "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\&amp;"


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")', "＝1+1"],
)
def test_csv_neutralises_formula_cells(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("plain " + text) == "plain " + text


def test_csv_rows_are_sessions_and_cells_are_safe(report_journal: Journal) -> None:
    report = _report(report_journal, options=ReportOptions(include_notes=True))
    rows = list(csv.DictReader(io.StringIO(render_text(report, "csv"), newline="")))
    assert len(rows) == report.summary["sessions"]
    first = rows[0].keys()
    for col in ("input_tokens", "cache_read_tokens", "total_tokens", "cost_usd", "estimated"):
        assert col in first
    for col in ("goal", "outcome", "value", "tags", "note", "outcome_note"):
        assert col in first
    for row in rows:
        for col, cell in row.items():
            if col in ("minutes_saved", "value") or col.endswith(("_tokens", "_usd", "events")):
                continue  # numbers (a negative number is data, not a formula)
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (col, cell)
    hostile = next(r for r in rows if r["goal"].startswith("'="))
    assert hostile["goal"] == "'" + HOSTILE[7]
    assert any(r["minutes_saved"] == "-30" for r in rows)
    assert sum(int(r["total_tokens"]) for r in rows) == report.summary["total_tokens"]
    assert {r["estimated"] for r in rows} <= {"yes", "no"}


def test_every_format_leaves_notes_out_by_default(report_journal: Journal) -> None:
    for fmt in TEXT_FORMATS:
        text = render_text(_report(report_journal), fmt)
        assert NOTE_MARKER not in text, fmt
        assert OUTCOME_MARKER not in text, fmt
        assert "/home/alice" not in text and "acme-secret" not in text, fmt
        with_notes = render_text(
            _report(report_journal, options=ReportOptions(include_notes=True)), fmt
        )
        assert NOTE_MARKER in with_notes and OUTCOME_MARKER in with_notes, fmt


def test_a_marker_in_an_imported_prompt_never_reaches_a_report(
    journal: Journal, sample_dir: Path, tmp_path: Path
) -> None:
    marker = "ZZ-PROMPT-MARKER-90210"
    src = sample_dir / "claude_code" / "vibecodingtracker_claude_code.jsonl"
    lines = src.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        obj = json.loads(line)
        msg = obj.get("message")
        if isinstance(msg, dict):
            content = msg.get("content")
            if isinstance(content, str):
                msg["content"] = f"{marker} {content}"
            elif isinstance(content, list):
                for part in content:
                    for key in ("text", "thinking"):
                        if isinstance(part, dict) and key in part:
                            part[key] = f"{marker} {part[key]}"
        out.append(json.dumps(obj, ensure_ascii=False))
    folder = tmp_path / "projects" / "-home-wei-repo-claude-code"
    folder.mkdir(parents=True)
    (folder / "e9f146fa-3b20-48d0-9be4-d99ca901cae4.jsonl").write_text("\n".join(out) + "\n")
    result = import_paths(journal, [folder])
    assert result.events_added > 0
    assert marker in (folder / "e9f146fa-3b20-48d0-9be4-d99ca901cae4.jsonl").read_text()
    report = build_report(journal, tz=UTC)
    assert report.summary["sessions"] >= 1
    for fmt in TEXT_FORMATS:
        for options in (ReportOptions(), ReportOptions(include_notes=True)):
            assert marker not in render_text(report, fmt)
            assert marker not in render_text(build_report(journal, tz=UTC, options=options), fmt)


def _feb_summary(journal: Journal) -> dict:
    lo, hi = period_bounds(FEB["since"], FEB["until"], PARIS)
    return summary(journal, SessionFilter(since=lo, until=hi), journal.prices)


def test_json_html_and_markdown_numbers_equal_summary(report_journal: Journal) -> None:
    expected = _feb_summary(report_journal)
    report = _report(report_journal)
    assert json.loads(render_text(report, "json"))["summary"] == expected

    page = render_text(report, "html")
    cards = dict(re.findall(r'data-key="([a-z_]+)"><dt>[^<]*</dt><dd>([^<]*)', page))
    assert cards["sessions"] == f"{expected['sessions']:,}"
    assert cards["rated_sessions"] == f"{expected['rated_sessions']:,}"
    assert cards["total_tokens"] == f"{expected['total_tokens']:,}"
    assert cards["cost_usd"] == f"${expected['cost_usd']:,.2f}"
    assert cards["mean_value"] == f"{expected['mean_value']:.2f} / 5"
    assert cards["low_value_share"] == f"{expected['low_value_share']:.0%}"
    assert cards["tokens_per_value_point"] == f"{round(expected['tokens_per_value_point']):,}"
    assert cards["outcome_rate"] == f"{expected['outcome_rate']:.0%}"
    assert cards["minutes_saved"] == f"{expected['minutes_saved']:,}"
    assert cards["spearman_tokens_value"] == f"{expected['spearman_tokens_value']:+.2f}"

    md = render_text(report, "md")
    assert f"| Sessions | {expected['sessions']:,} |" in md
    assert f"| Tokens | {expected['total_tokens']:,}" in md
    assert f"| API-equivalent cost | ${expected['cost_usd']:,.2f}" in md
    assert f"| Mean value | {expected['mean_value']:.2f} / 5 |" in md


def test_hide_costs_in_every_format(report_journal: Journal) -> None:
    report = _report(report_journal, options=ReportOptions(hide_costs=True))
    for fmt in TEXT_FORMATS:
        text = render_text(report, fmt)
        assert "$" not in text, fmt
        assert "API-equivalent cost" not in text and "API\\-equivalent cost" not in text, fmt
    header = render_text(report, "csv").splitlines()[0]
    assert "cost" not in header and "unpriced" not in header
    shown = render_text(_report(report_journal), "csv").splitlines()[0]
    assert "cost_usd" in shown


def test_hide_projects_in_every_format(report_journal: Journal) -> None:
    report = _report(report_journal, options=ReportOptions(hide_projects=True))
    for fmt in TEXT_FORMATS:
        text = render_text(report, fmt)
        assert "webshop" not in text, fmt
        assert "Tokens by project" not in text, fmt


def test_formats_by_suffix_and_atomic_write(tmp_path: Path) -> None:
    assert set(FORMATS) == {"html", "pdf", "csv", "json", "md"}
    assert format_for_path("r.HTML") == "html" and format_for_path("r.markdown") == "md"
    assert format_for_path("r.txt") is None
    target = tmp_path / "r.md"
    write_atomic(target, "hello")
    assert target.read_text() == "hello"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]
    if os.name == "posix":  # a private file
        assert target.stat().st_mode & 0o077 == 0
