"""The report as one self-contained HTML file, and as the rich text Qt shows and prints.

Every string from the journal goes through ``html.escape``; numbers are formatted by
``fmt`` and escaped too. The file loads nothing: styles are inline, charts are inline SVG,
and a Content-Security-Policy forbids scripts, frames, fonts and every external request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from tokenworth.core.report import svg
from tokenworth.core.report.layout import Column, Writer, filters_text, write_report
from tokenworth.core.report.model import Report

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

CSS = """
:root { --ink:#22262C; --muted:#5F6670; --line:#DDE1E6; --soft:#F4F6F8; --accent:#3D5A80;
  --low:#B03A2E; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #FFFFFF; color: var(--ink);
  font: 15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 22px 0 6px; }
p { margin: 6px 0; }
.meta { color: var(--muted); font-size: .9rem; }
.lead { font-size: 1.08rem; margin: 14px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px;
  margin: 14px 0; padding: 0; }
.card { background: var(--soft); border-radius: 8px; padding: 10px 12px; margin: 0; }
.card dt { color: var(--muted); font-size: .82rem; }
.card dd { margin: 2px 0 0; font-size: 1.2rem; font-weight: 600; overflow-wrap: anywhere; }
.card dd small { display: block; font-size: .8rem; font-weight: 400; color: var(--muted); }
figure { margin: 12px 0 18px; }
figcaption { font-weight: 600; margin: 0 0 4px; }
.chart { overflow-x: auto; }
.chart svg { display: block; width: 100%; max-width: 760px; height: auto; min-width: 460px; }
.note { color: var(--muted); font-size: .88rem; }
.tw { overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.text { min-width: 12em; overflow-wrap: anywhere; }
td.nw { white-space: nowrap; }
tr.other td { color: var(--muted); font-style: italic; }
.low { color: var(--low); }
.method li { margin: 4px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: .85rem; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 14px 12px 32px; }
  h1 { font-size: 1.4rem; }
  .cards { grid-template-columns: 1fr 1fr; gap: 8px; }
  .card dd { font-size: 1.05rem; }
}
@media print {
  @page { size: auto; margin: 14mm 12mm; }
  body { font-size: 10pt; color: #000000; }
  main { max-width: none; padding: 0; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  .card { border: 1px solid var(--line); background: none; }
  .chart, .tw { overflow: visible; }
  .chart svg { min-width: 0; max-width: 17cm; }
  h2, h3, figcaption { break-after: avoid; page-break-after: avoid; }
  figure, tr, .card { break-inside: avoid; page-break-inside: avoid; }
  th { background: #EEEEEE; }
}
"""


@dataclass(frozen=True, slots=True)
class Image:
    """A chart as an image resource Qt holds: its url and its size on the page."""

    src: str
    width: int
    height: int


def e(value: Any) -> str:
    """Escape anything for HTML text and attribute values (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


class BrowserWriter(Writer):
    """HTML for browsers: cards, figures with inline SVG, tables that scroll on a phone."""

    def heading(self, level: int, text: str) -> None:
        self.parts.append(f"<h{level}>{e(text)}</h{level}>")

    def meta(self, strong: str, text: str) -> None:
        self.parts.append(f'<p class="meta"><strong>{e(strong)}</strong><br>{e(text)}</p>')

    def paragraph(self, text: str) -> None:
        self.parts.append(f'<p class="lead">{e(text)}</p>')

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{e(text)}</p>')

    def headline(self, items: Sequence[tuple[str, str, str, str]]) -> None:
        cards = "".join(
            f'<div class="card" data-key="{e(k)}"><dt>{e(label)}</dt><dd>{e(text)}'
            + (f"<small>{e(detail)}</small>" if detail else "")
            + "</dd></div>"
            for k, label, text, detail in items
        )
        self.parts.append(f'<dl class="cards">{cards}</dl>')

    def table(
        self,
        head: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        row_classes: Sequence[str] = (),
        text_cols: Sequence[int] = (),
    ) -> None:
        out = ['<div class="tw"><table><thead><tr>']
        for title, num in head:
            klass = ' class="num"' if num else ""
            out.append(f'<th{klass} scope="col">{e(title)}</th>')
        out.append("</tr></thead><tbody>")
        for i, row in enumerate(rows):
            cls = row_classes[i] if row_classes else ""
            out.append(f'<tr class="{e(cls)}">' if cls else "<tr>")
            for j, ((_title, num), cell) in enumerate(zip(head, row, strict=True)):
                klass = (
                    ' class="num"'
                    if num
                    else (' class="text"' if j in text_cols else ' class="nw"')
                )
                out.append(f"<td{klass}>{e(cell)}</td>")
            out.append("</tr>")
        out.append("</tbody></table></div>")
        self.parts.append("".join(out))

    def chart(self, chart: svg.Chart) -> None:
        # chart.svg is generated markup whose every text was escaped by svg.py.
        self.parts.append(f'<figure class="chart" id="{e(chart.id)}">{chart.svg}</figure>')

    def bullets(self, items: Sequence[str]) -> None:
        self.parts.append(
            '<ul class="method">' + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"
        )


class RichTextWriter(BrowserWriter):
    """The HTML subset QTextDocument lays out: tables instead of CSS layout, charts as images."""

    def __init__(self, images: Mapping[str, Image]) -> None:
        super().__init__()
        self.images = images

    def meta(self, strong: str, text: str) -> None:
        self.parts.append(f'<p><b>{e(strong)}</b><br><font color="#5F6670">{e(text)}</font></p>')

    def paragraph(self, text: str) -> None:
        self.parts.append(f"<p>{e(text)}</p>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p><font color="#5F6670">{e(text)}</font></p>')

    def headline(self, items: Sequence[tuple[str, str, str, str]]) -> None:
        rows = []
        for i in range(0, len(items), 2):
            cells = "".join(
                f'<td width="25%"><font color="#5F6670">{e(label)}</font></td>'
                f'<td width="25%"><b>{e(text)}</b>'
                + (f'<br><font color="#5F6670">{e(detail)}</font>' if detail else "")
                + "</td>"
                for _k, label, text, detail in items[i : i + 2]
            )
            rows.append(f"<tr>{cells}</tr>")
        self.parts.append(
            f'<table width="100%" cellspacing="0" cellpadding="4" class="h">{"".join(rows)}</table>'
        )

    def table(
        self,
        head: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        row_classes: Sequence[str] = (),
        text_cols: Sequence[int] = (),
    ) -> None:
        # <thead>: Qt repeats the header row on every page the table spans.
        out = ['<table width="100%" cellspacing="0" cellpadding="3" class="t"><thead><tr>']
        for title, num in head:
            align = "right" if num else "left"
            out.append(f'<th align="{align}" bgcolor="#EEF0F3">{e(title)}</th>')
        out.append("</tr></thead>")
        for i, row in enumerate(rows):
            cls = row_classes[i] if row_classes else ""
            out.append("<tr>")
            for j, ((_title, num), cell) in enumerate(zip(head, row, strict=True)):
                align = ' align="right"' if num else ""
                if j not in text_cols:  # numbers, dates and names stay on one line
                    align += " nowrap"
                text = e(cell)
                if cls == "other":
                    text = f"<i>{text}</i>"
                elif cls == "low":
                    text = f'<font color="#B03A2E">{text}</font>'
                out.append(f"<td{align}>{text}</td>")
            out.append("</tr>")
        out.append("</table>")
        self.parts.append("".join(out))

    def chart(self, chart: svg.Chart) -> None:
        img = self.images.get(chart.id)
        if img is not None:
            self.parts.append(
                f'<p><img src="{e(img.src)}" width="{img.width}" height="{img.height}" '
                f'alt="{e(chart.alt)}"></p>'
            )

    def bullets(self, items: Sequence[str]) -> None:
        self.parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")


FOOTER = (
    "A private report made by Tokenworth from its author's own journal. It holds only what "
    "its author chose to include."
)


def render_html(report: Report, charts: Sequence[svg.Chart] | None = None) -> str:
    """The report as one self-contained HTML file (inline CSS and SVG, no script, strict CSP).

    Args:
        report: The report model.
        charts: Its charts (default: ``svg.charts(report)``).

    Returns:
        The whole document; it requests nothing from anywhere when opened.
    """
    charts = svg.charts(report) if charts is None else charts
    w = BrowserWriter()
    write_report(w, report, charts)
    title = f"{report.title} {filters_text(report)}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="generator" content="Tokenworth">\n'
        f"<title>{e(title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(w.parts)
        + f"\n<footer>{e(FOOTER)}</footer>\n</main>\n</body>\n</html>\n"
    )


QT_CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; color: #22262C; }
h1 { font-size: 17pt; margin-bottom: 2px; }
h2 { font-size: 12.5pt; margin-top: 16px; margin-bottom: 4px; color: #3D5A80; }
h3 { font-size: 10pt; margin-top: 10px; margin-bottom: 2px; }
table.t { border-collapse: collapse; margin-bottom: 6px; }
table.t th { border-bottom: 1px solid #9AA1AA; }
table.t td { border-bottom: 1px solid #DDE1E6; }
"""


def render_rich_text(
    report: Report,
    images: Mapping[str, Image],
    charts: Sequence[svg.Chart] | None = None,
    *,
    css: str = QT_CSS,
) -> str:
    """The report in the HTML subset Qt's QTextDocument lays out (the PDF and the preview).

    Args:
        report: The report model.
        images: Per chart id, the image resource Qt holds for it (Qt shows no inline SVG).
        charts: The report's charts (default: ``svg.charts(report)``).
        css: The style sheet (QTextDocument's CSS subset).
    """
    charts = svg.charts(report) if charts is None else charts
    w = RichTextWriter(images)
    write_report(w, report, charts)
    return (
        f"<html><head><style>{css}</style></head><body>"
        + "\n".join(w.parts)
        + f'<p><font color="#5F6670">{e(FOOTER)}</font></p></body></html>'
    )
