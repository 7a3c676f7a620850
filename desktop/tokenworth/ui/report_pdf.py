"""The report as PDF (QTextDocument + QPdfWriter) and the chart images the preview shows too."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from tokenworth.core.report import Report, write_atomic
from tokenworth.core.report import svg as report_svg
from tokenworth.core.report.html import Image, render_rich_text
from tokenworth.core.report.layout import filters_text

PAGE_SIZES = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
MARGIN_MM = 16.0
FOOTER_PT = 7.5
CHART_WIDTH = 600  # on the page, in CSS pixels (1/96 inch): 159 mm, inside A4 and Letter
IMAGE_SCALE = 2.0  # chart pixels per CSS pixel: about 190 dpi on paper
_app: QGuiApplication | None = None


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new QGuiApplication (offscreen when no display).

    The command line renders PDFs without a window: without a display it picks Qt's
    offscreen platform, which needs no X server or Wayland compositor.
    """
    global _app
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(["tokenworth"])
    return _app


def chart_image(chart: report_svg.Chart, scale: float = IMAGE_SCALE) -> QImage:
    """One chart's SVG drawn into an opaque image ``scale`` times its nominal size.

    Args:
        chart: The chart (its SVG is what the HTML file embeds).
        scale: Image pixels per SVG unit.
    """
    renderer = QSvgRenderer(QByteArray(report_svg.standalone(chart.svg).encode("utf-8")))
    image = QImage(
        round(chart.width * scale), round(chart.height * scale), QImage.Format.Format_RGB32
    )
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
    finally:
        painter.end()
    return image


def chart_images(
    charts: Sequence[report_svg.Chart], scale: float = IMAGE_SCALE
) -> dict[str, QImage]:
    """Every chart as an image, by chart id."""
    return {c.id: chart_image(c, scale) for c in charts}


def report_document(
    report: Report,
    *,
    chart_width: int = CHART_WIDTH,
    images: dict[str, QImage] | None = None,
    charts: Sequence[report_svg.Chart] | None = None,
    pixel_ratio: float | None = None,
) -> QTextDocument:
    """The report as a QTextDocument with its charts as image resources.

    Args:
        report: The report model.
        chart_width: Width of a chart on the page or screen, in CSS pixels.
        images: Chart images already made (default: drawn from the charts now).
        charts: The report's charts (default: ``svg.charts(report)``).
        pixel_ratio: Draw the charts at exactly ``chart_width`` x this many pixels (a
            screen's device pixel ratio: sharp, no resampling); default: IMAGE_SCALE
            pixels per SVG unit, for paper.

    Returns:
        A document ready to print or to show in a QTextBrowser.
    """
    ensure_gui_app()
    charts = report_svg.charts(report) if charts is None else charts
    if images is None:
        scale = IMAGE_SCALE
        if pixel_ratio is not None:
            scale = chart_width / report_svg.WIDTH * pixel_ratio
        images = chart_images(charts, scale)
    doc = QTextDocument()
    refs: dict[str, Image] = {}
    for chart in charts:
        image = images.get(chart.id)
        if image is None:
            continue
        url = f"chart:{chart.id}"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
        height = round(chart.height * chart_width / chart.width)
        refs[chart.id] = Image(url, chart_width, height)
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    doc.setHtml(render_rich_text(report, refs, charts))
    # setHtml keeps resources added before it (they are looked up when laid out).
    return doc


def keep_headings_with_next(doc: QTextDocument, page_height: float) -> int:
    """Move each heading that ends a page to the next one, with what it introduces.

    QTextDocument keeps a line or a table row whole but knows nothing of headings; a
    heading whose next block starts on another page gets a page break before it.

    Returns:
        How many headings moved.
    """
    layout = doc.documentLayout()
    doc.pageCount()  # the layout is lazy: lay it all out before reading positions
    moved = 0
    block = doc.begin()
    while block.isValid():
        nxt = block.next()
        if block.blockFormat().headingLevel() > 0 and nxt.isValid():
            top = layout.blockBoundingRect(block).top()
            page = int(top // page_height)
            # A heading stays with its next two blocks (a caption, then the chart or the
            # table it introduces) when they fit on one page.
            bottom = layout.blockBoundingRect(nxt).bottom()
            after = nxt.next()
            if after.isValid() and after.blockFormat().headingLevel() == 0:
                far = layout.blockBoundingRect(after).bottom()
                if far - top < page_height * 0.9:
                    bottom = max(bottom, far)
            next_page = int(bottom // page_height)
            if next_page > page:
                fmt = QTextBlockFormat(block.blockFormat())
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                cursor = QTextCursor(block)
                cursor.setBlockFormat(fmt)
                moved += 1
                doc.pageCount()  # lays the document out again before the next heading
        block = nxt
    return moved


def pdf_bytes(report: Report, page_size: str = "a4") -> tuple[bytes, int]:
    """The report as a PDF: A4 or Letter, numbered pages, the charts as images.

    Args:
        report: The report model.
        page_size: ``a4`` or ``letter``.

    Returns:
        The PDF file's bytes and its number of pages.

    Raises:
        ValueError: an unknown page size.
    """
    if page_size not in PAGE_SIZES:
        raise ValueError(f"Unknown page size {page_size!r}: use a4 or letter.")
    ensure_gui_app()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(PAGE_SIZES[page_size]))
    writer.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    writer.setResolution(300)
    writer.setTitle(f"{report.title} {filters_text(report)}")
    writer.setCreator("Tokenworth")

    doc = report_document(report)
    doc.documentLayout().setPaintDevice(writer)
    doc.setDocumentMargin(0)
    paint = writer.pageLayout().paintRectPixels(writer.resolution())
    footer_h = FOOTER_PT / 72 * writer.resolution() * 3  # a line of text and some air
    body = QSizeF(paint.width(), paint.height() - footer_h)
    doc.setPageSize(body)
    keep_headings_with_next(doc, body.height())
    pages = max(doc.pageCount(), 1)
    footer_font = QFont("DejaVu Sans")
    footer_font.setPointSizeF(FOOTER_PT)
    left_text = f"Tokenworth · {filters_text(report)} · private"

    painter = QPainter(writer)
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * body.height())
            doc.drawContents(painter, QRectF(0, page * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#5F6670"))
            line = QRectF(0, paint.height() - footer_h / 2, body.width(), footer_h / 2)
            painter.drawLine(line.topLeft(), line.topRight())
            align = Qt.AlignmentFlag.AlignVCenter
            painter.drawText(line, align | Qt.AlignmentFlag.AlignLeft, left_text)
            painter.drawText(
                line, align | Qt.AlignmentFlag.AlignRight, f"Page {page + 1} of {pages}"
            )
    finally:
        painter.end()
    buffer.close()
    return bytes(buffer.data().data()), pages


def write_pdf(report: Report, path: str | os.PathLike[str], page_size: str = "a4") -> int:
    """Write the report as a PDF file (whole or not at all); returns its number of pages."""
    data, pages = pdf_bytes(report, page_size)
    write_atomic(Path(path), data)
    return pages
