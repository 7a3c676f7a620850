"""The Export report dialog: preview, options, save, and never overwriting without asking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialog

from tokenworth.core.analytics import summary
from tokenworth.core.report.model import period_bounds
from tokenworth.core.store import SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.ui.report_dialog import ReportDialog

TODAY = dt.date(2026, 3, 1)
MARKER = "Zq7dialogmark"


@pytest.fixture
def dialog(qtbot, demo_journal, settings):
    d = ReportDialog(demo_journal, settings, zone=UTC, today=TODAY)
    qtbot.addWidget(d)
    d.show()
    yield d
    d.close()


def _pick_february(qtbot, d: ReportDialog) -> None:
    index = d.month.findData("2026-02-01")
    assert index >= 0
    if d.month.currentIndex() == index:
        d.refresh()
        return
    with qtbot.waitSignal(d.preview_updated, timeout=5_000):
        d.month.setCurrentIndex(index)


def _feb_summary(journal) -> dict:
    lo, hi = period_bounds(dt.date(2026, 2, 1), dt.date(2026, 2, 28), UTC)
    return summary(journal, SessionFilter(since=lo, until=hi), journal.prices)


def test_preview_shows_the_report_with_its_charts(qtbot, dialog, demo_journal) -> None:
    # The newest month with sessions is offered first.
    assert dialog.month.currentText().startswith(("March 2026", "February 2026"))
    _pick_february(qtbot, dialog)
    expected = _feb_summary(demo_journal)
    text = dialog.preview.toPlainText()
    assert "Was it worth the tokens?" in text and "February 2026" in text
    assert f"{expected['total_tokens']:,}" in text
    assert f"{expected['mean_value']:.2f} / 5" in text
    doc = dialog.preview.document()
    image = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl("chart:scatter"))
    assert image is not None and not image.isNull()
    assert f"{expected['sessions']:,} sessions in February 2026" in dialog.status.text()


def test_options_change_the_preview(qtbot, dialog, demo_journal) -> None:
    _pick_february(qtbot, dialog)
    lo, hi = period_bounds(dt.date(2026, 2, 1), dt.date(2026, 2, 28), UTC)
    key = demo_journal.sessions(SessionFilter(since=lo, until=hi))[0].session_key
    demo_journal.annotate(key, note=MARKER, goal="Check the note option")
    dialog.refresh()
    assert "$" in dialog.preview.toPlainText()
    assert MARKER not in dialog.preview.toPlainText()  # notes are left out by default
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.hide_costs.setChecked(True)
    assert "$" not in dialog.preview.toPlainText()
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.include_notes.setChecked(True)
    assert MARKER in dialog.preview.toPlainText()
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.tool.setCurrentIndex(dialog.tool.findData("manual"))
    assert dialog.report is not None
    assert {s["tool"] for s in dialog.report.sessions} == {"manual"}


def test_custom_range_and_all_time(qtbot, dialog, demo_journal) -> None:
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.period.setCurrentIndex(dialog.period.findData("all"))
    assert dialog.bounds() == (None, None)
    assert dialog.report.summary == summary(demo_journal, None, demo_journal.prices)
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.period.setCurrentIndex(dialog.period.findData("range"))
    from PySide6.QtCore import QDate

    dialog.since.setDate(QDate(2026, 2, 10))
    with qtbot.waitSignal(dialog.preview_updated, timeout=5_000):
        dialog.until.setDate(QDate(2026, 2, 16))
    assert dialog.bounds() == (dt.date(2026, 2, 10), dt.date(2026, 2, 16))
    assert dialog.report.period["label"] == "10 Feb 2026 – 16 Feb 2026"


def test_save_writes_the_chosen_file(qtbot, dialog, tmp_path: Path, monkeypatch, settings) -> None:
    _pick_february(qtbot, dialog)
    target = tmp_path / "my report"  # the name chosen is kept as it is, no suffix added
    asked = []

    def choose(cls, parent, suggested, fmt):
        asked.append((suggested.name, fmt))
        return target

    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(choose))
    with qtbot.waitSignal(dialog.report_saved, timeout=5_000) as saved:
        assert dialog.save() == target
    assert saved.args == [str(target)]
    assert asked == [("tokenworth-2026-02.html", "html")]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert settings.value("report/folder") == str(tmp_path)
    assert settings.value("report/format") == "html"


def test_pdf_with_page_size(qtbot, dialog, tmp_path: Path, monkeypatch) -> None:
    _pick_february(qtbot, dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    assert dialog.page_size.isEnabled()
    dialog.page_size.setCurrentIndex(dialog.page_size.findData("letter"))
    target = tmp_path / "feb.pdf"
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: target))
    assert dialog.save() == target
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and b"/MediaBox [0 0 612" in data


def test_overwrite_asks_first(qtbot, dialog, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "existing.md"
    target.write_text("keep me")
    dialog.format.setCurrentIndex(dialog.format.findData("md"))
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: target))
    questions = []
    answer = [False]

    def confirm(cls, parent, path):
        questions.append(path)
        return answer[0]

    monkeypatch.setattr(ReportDialog, "confirm_overwrite", classmethod(confirm))
    assert dialog.save() is None
    assert questions == [target]
    assert target.read_text() == "keep me"
    assert dialog.isVisible()  # still open: the person can pick another name
    answer[0] = True
    assert dialog.save() == target
    assert len(questions) == 2
    assert target.read_text().startswith("# Was it worth the tokens?")


def test_new_file_is_not_questioned_and_cancel_writes_nothing(
    qtbot, dialog, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(
        ReportDialog, "confirm_overwrite", classmethod(lambda cls, p, path: pytest.fail("asked"))
    )
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: None))
    out = tmp_path / "out"
    out.mkdir()
    assert dialog.save() is None
    assert list(out.iterdir()) == []
    target = out / "new.csv"
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: target))
    assert dialog.save() == target
    assert target.read_text().startswith("session_key,")


def test_a_folder_that_cannot_be_written_is_reported(
    qtbot, dialog, tmp_path: Path, monkeypatch, notices
) -> None:
    target = tmp_path / "missing-folder" / "r.html"
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: target))
    assert dialog.save() is None
    assert len(notices.errors) == 1 and "could not be saved" in notices.errors[0]
    assert "Choose another folder" in notices.errors[0]
    assert dialog.isVisible()


def test_choices_are_remembered(qtbot, demo_journal, settings, tmp_path: Path, monkeypatch) -> None:
    first = ReportDialog(demo_journal, settings, zone=UTC, today=TODAY)
    qtbot.addWidget(first)
    first.format.setCurrentIndex(first.format.findData("json"))
    first.hide_projects.setChecked(True)
    monkeypatch.setattr(
        ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: tmp_path / "r.json")
    )
    assert first.save() is not None
    again = ReportDialog(demo_journal, settings, zone=UTC, today=TODAY)
    qtbot.addWidget(again)
    assert again.format.currentData() == "json"
    assert again.hide_projects.isChecked() and not again.include_notes.isChecked()
    assert again.suggested_path().parent == tmp_path


def test_ask_returns_the_saved_path(qtbot, demo_journal, settings, tmp_path, monkeypatch) -> None:
    target = tmp_path / "asked.html"
    monkeypatch.setattr(ReportDialog, "choose_path", classmethod(lambda cls, p, s, f: target))
    monkeypatch.setattr(ReportDialog, "exec", lambda self: (self.save(), self.result())[1])
    assert ReportDialog.ask(None, demo_journal, settings, zone=UTC) == target
    assert target.exists()
    monkeypatch.setattr(ReportDialog, "exec", lambda self: self.reject() or 0)
    assert ReportDialog.ask(None, demo_journal, settings, zone=UTC) is None
