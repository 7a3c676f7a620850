"""The PDF report: written, every page renders, its numbers are analytics.summary's."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from tokenworth.core.analytics import summary
from tokenworth.core.report import ReportOptions, build_report
from tokenworth.core.report import svg as report_svg
from tokenworth.core.report.fmt import tool_color
from tokenworth.core.report.model import period_bounds
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.report_cli import add_report_parser
from tokenworth.ui.report_pdf import chart_image, pdf_bytes, report_document, write_pdf


@pytest.fixture(autouse=True)
def _app(qapp):
    """pytest-qt's QApplication, made before report_pdf would make a QGuiApplication."""
    return qapp


FEB = {"since": dt.date(2026, 2, 1), "until": dt.date(2026, 2, 28)}
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _tool(name: str) -> str | None:
    return shutil.which(name)


def _feb_report(journal: Journal, **kw):
    return build_report(journal, tz=UTC, now=lambda: NOW, **FEB, **kw)


def _pdftotext(path: Path) -> str:
    if not _tool("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_is_written_and_every_page_renders(demo_journal, tmp_path: Path) -> None:
    report = _feb_report(demo_journal)
    out = tmp_path / "report.pdf"
    pages = write_pdf(report, out, "a4")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pages >= 3  # headline, charts, tables, method
    if not _tool("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == pages
    assert all(p.stat().st_size > 1_000 for p in rendered)


def test_pdf_text_holds_the_headline_numbers_of_summary(demo_journal, tmp_path: Path) -> None:
    report = _feb_report(demo_journal)
    out = tmp_path / "report.pdf"
    pages = write_pdf(report, out, "a4")
    text = _pdftotext(out)
    lo, hi = period_bounds(FEB["since"], FEB["until"], UTC)
    expected = summary(demo_journal, SessionFilter(since=lo, until=hi), demo_journal.prices)
    assert expected["sessions"] > 10
    words = " ".join(text.split())  # columns and line breaks as single spaces
    assert f"Sessions {expected['sessions']:,}" in words
    assert f"Tokens {expected['total_tokens']:,}" in words
    assert f"${expected['cost_usd']:,.2f}" in words
    assert f"Mean value {expected['mean_value']:.2f} / 5" in words
    assert f"{expected['low_value_share']:.0%}" in words
    assert f"{round(expected['tokens_per_value_point']):,}" in words
    assert f"{expected['spearman_tokens_value']:+.2f}" in words
    assert "February 2026" in words
    for n in range(1, pages + 1):
        assert f"Page {n} of {pages}" in words
    assert demo_journal.prices.version.split(" (")[0] in words  # the method names the table


def test_page_sizes(demo_journal, tmp_path: Path) -> None:
    report = _feb_report(demo_journal)
    a4, _ = pdf_bytes(report, "a4")
    letter, _ = pdf_bytes(report, "letter")
    # MediaBox in points: A4 is 595 x 842, Letter 612 x 792.
    assert re.search(rb"/MediaBox \[0 0 595(\.\d+)? 84[12](\.\d+)?\]", a4)
    assert re.search(rb"/MediaBox \[0 0 612(\.0+)? 792(\.0+)?\]", letter)
    with pytest.raises(ValueError, match="a4 or letter"):
        pdf_bytes(report, "a3")


def test_hidden_costs_and_notes_stay_out_of_the_pdf(demo_journal, tmp_path: Path) -> None:
    lo, hi = period_bounds(FEB["since"], FEB["until"], UTC)
    key = demo_journal.sessions(SessionFilter(since=lo, until=hi, unrated=True))[0].session_key
    demo_journal.annotate(key, note="Zq7mark")  # a note and nothing else
    out = tmp_path / "r.pdf"
    write_pdf(_feb_report(demo_journal, options=ReportOptions(hide_costs=True)), out)
    text = _pdftotext(out)
    assert "$" not in text and "Zq7mark" not in text
    write_pdf(_feb_report(demo_journal, options=ReportOptions(include_notes=True)), out)
    assert "Zq7mark" in _pdftotext(out)


def test_charts_are_drawn_not_blank(demo_journal) -> None:
    report = _feb_report(demo_journal)
    chart = report_svg.scatter(report)
    image = chart_image(chart, scale=1.0)
    assert (image.width(), image.height()) == (chart.width, chart.height)
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
               for y in range(0, image.height(), 2)}  # fmt: skip
    tool = report.scatter["points"][0]["tool"]
    want = QColor(tool_color(tool))
    # Antialiased dots: some pixel is close to the tool's colour.
    assert any(
        abs(QColor(c).red() - want.red()) < 40
        and abs(QColor(c).green() - want.green()) < 40
        and abs(QColor(c).blue() - want.blue()) < 40
        for c in colours
    )
    assert len(colours) > 20  # axes, text, band and dots, not an empty canvas


def test_document_holds_every_chart_as_an_image(demo_journal) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    report = _feb_report(demo_journal)
    doc = report_document(report)
    charts = report_svg.charts(report)
    assert len(charts) >= 8
    for chart in charts:
        res = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{chart.id}"))
        assert res is not None and not res.isNull(), chart.id
    assert f'src="chart:{charts[0].id}"' in doc.toHtml()


def _cli(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tokenworth")
    p.add_argument("--data-dir", type=Path)
    sub = p.add_subparsers(dest="command")
    add_report_parser(sub)
    return p.parse_args(list(argv))


def test_cli_writes_a_pdf_and_refuses_to_overwrite(
    demo_journal, data_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "feb.pdf"
    args = _cli("--data-dir", str(data_dir), "report", "--month", "2026-02", "--out", str(out))
    assert args.func(args) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert "pages" in capsys.readouterr().out
    before = out.stat().st_mtime_ns
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("exists; add --force to replace it.\n")
    assert out.stat().st_mtime_ns == before
    forced = _cli(
        "--data-dir", str(data_dir), "report", "--out", str(out), "--force",
        "--page-size", "letter",
    )  # fmt: skip
    assert forced.func(forced) == 0
    assert re.search(rb"/MediaBox \[0 0 612(\.0+)? 792(\.0+)?\]", out.read_bytes())


def test_cli_pdf_in_a_fresh_process_without_a_display(
    demo_journal, data_dir: Path, tmp_path: Path
) -> None:
    import os
    import sys

    out = tmp_path / "fresh.pdf"
    code = (
        "import sys, argparse\n"
        "from pathlib import Path\n"
        "from tokenworth.report_cli import add_report_parser\n"
        "p = argparse.ArgumentParser(); p.add_argument('--data-dir', type=Path)\n"
        "add_report_parser(p.add_subparsers(dest='command'))\n"
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # report_pdf picks offscreen itself
    done = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(data_dir), "report", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert "Report written" in done.stdout
