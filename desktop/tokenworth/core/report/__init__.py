"""Report content (HTML, CSV, JSON, Markdown) built from analytics; PDF lives in ui/report_pdf."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tokenworth.core.report.model import Report, ReportOptions, build_report, short_project

# Format name -> file suffix. "pdf" is rendered by tokenworth.ui.report_pdf (it needs QtGui).
FORMATS = {"html": ".html", "pdf": ".pdf", "csv": ".csv", "json": ".json", "md": ".md"}
TEXT_FORMATS = ("html", "csv", "json", "md")

__all__ = [
    "FORMATS",
    "TEXT_FORMATS",
    "Report",
    "ReportOptions",
    "build_report",
    "format_for_path",
    "render_text",
    "short_project",
    "write_atomic",
]


def render_text(report: Report, fmt: str) -> str:
    """The report in a text format: ``html``, ``csv``, ``json`` or ``md``.

    Raises:
        ValueError: for ``pdf`` or an unknown format.
    """
    if fmt == "html":
        from tokenworth.core.report.html import render_html

        return render_html(report)
    if fmt == "csv":
        from tokenworth.core.report.csv import render_csv

        return render_csv(report)
    if fmt == "json":
        from tokenworth.core.report.json_ import render_json

        return render_json(report)
    if fmt == "md":
        from tokenworth.core.report.markdown import render_markdown

        return render_markdown(report)
    raise ValueError(f"{fmt!r} is not a text format: use one of {', '.join(TEXT_FORMATS)}")


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The format a file name asks for by its suffix (``.htm`` and ``.markdown`` too), or None."""
    suffix = Path(path).suffix.lower()
    aliases = {".htm": "html", ".markdown": "md"}
    if suffix in aliases:
        return aliases[suffix]
    for name, ext in FORMATS.items():
        if suffix == ext:
            return name
    return None


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then a rename.

    The file gets mode 0600 on POSIX (a private report), like the journal.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(raw)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
