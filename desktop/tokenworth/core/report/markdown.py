"""The report as Markdown: the summary and tables, for pasting into notes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tokenworth.core.report import svg
from tokenworth.core.report.layout import Column, Writer, write_report
from tokenworth.core.report.model import Report

# Characters that start or end Markdown syntax anywhere in a line (emphasis, code, links,
# images, raw HTML, entities, table cells, headings, strikethrough); each gets a backslash.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
# A list marker ("- ", "= ", "1. ", "2) ") at the start would turn a line into a list.
_LIST_START = re.compile(r"^(\s*)(?:[-=](?=\s|$)|\d+(?=[.)](?:\s|$)))")


def md_escape(text: str) -> str:
    """``text`` shown as itself in CommonMark and GFM: no link, no HTML, no table break.

    Line breaks become spaces (a table row is one line); every Markdown-special ASCII
    character is backslash-escaped, and so is a list marker at the start.
    """
    flat = " ".join(str(text).splitlines())
    flat = _SPECIAL.sub(r"\\\1", flat)
    m = _LIST_START.match(flat)
    if m is None:
        return flat
    lead = m.group(1)
    if flat[m.end() - 1].isdigit():  # "1. x": escape the dot after the number
        return flat[: m.end()] + "\\" + flat[m.end() :]
    return lead + "\\" + flat[len(lead) :]


class MarkdownWriter(Writer):
    """GitHub-flavoured Markdown: headings, pipe tables and lists; charts left out."""

    def heading(self, level: int, text: str) -> None:
        self.parts.append(f"{'#' * level} {md_escape(text)}\n")

    def meta(self, strong: str, text: str) -> None:
        self.parts.append(f"**{md_escape(strong)}**  \n{md_escape(text)}\n")

    def paragraph(self, text: str) -> None:
        self.parts.append(md_escape(text) + "\n")

    def note(self, text: str) -> None:
        self.parts.append(f"*{md_escape(text)}*\n")

    def headline(self, items: Sequence[tuple[str, str, str, str]]) -> None:
        rows = [[label, f"{text} ({extra})" if extra else text] for _k, label, text, extra in items]
        self.table([("Measure", False), ("Value", True)], rows)

    def table(
        self,
        head: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        row_classes: Sequence[str] = (),
        text_cols: Sequence[int] = (),
    ) -> None:
        lines = [
            "| " + " | ".join(md_escape(t) for t, _num in head) + " |",
            "|" + "|".join("---:" if num else "---" for _t, num in head) + "|",
        ]
        for row in rows:
            lines.append("| " + " | ".join(md_escape(c) for c in row) + " |")
        self.parts.append("\n".join(lines) + "\n")

    def chart(self, chart: svg.Chart) -> None:
        pass  # the table after each chart holds the same numbers

    def bullets(self, items: Sequence[str]) -> None:
        self.parts.append("\n".join(f"- {md_escape(i)}" for i in items) + "\n")


def render_markdown(report: Report) -> str:
    """The report's summary and tables as Markdown (every journal string escaped)."""
    w = MarkdownWriter()
    write_report(w, report, [])
    return "\n".join(w.parts)
