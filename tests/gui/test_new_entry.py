"""Logging a session by hand, from the menu and from the empty state."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime

from tokenworth.core.timeutil import UTC
from tokenworth.ui.new_entry_dialog import NewEntry, NewEntryDialog

START = dt.datetime(2026, 2, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch):
    """Replace NewEntryDialog.ask: returns what the test sets, records the call."""
    calls: list[dict] = []
    reply: dict[str, NewEntry | None] = {"entry": None}

    def fake_ask(cls, parent, **kwargs):
        calls.append(kwargs)
        return reply["entry"]

    monkeypatch.setattr(NewEntryDialog, "ask", classmethod(fake_ask))
    return reply, calls


def test_new_entry_creates_a_manual_session(qtbot, window, demo_journal, answer) -> None:
    reply, calls = answer
    reply["entry"] = NewEntry(
        tool="chatgpt",
        start=START,
        minutes=25,
        tokens=12_000,
        model="gpt-5",
        goal="Plan the offsite agenda",
        value=4,
        tags=["planning"],
    )
    before = demo_journal.count("sessions")
    window.journal_view.set_filter_state(window.journal_view.filter_state().__class__(tool="codex"))
    window.new_entry_action.trigger()
    assert "codex" in calls[0]["tools"]
    assert demo_journal.count("sessions") == before + 1
    current = window.journal_view.current_session()
    assert current is not None and current.manual
    assert (current.tool, current.total_tokens, current.models) == ("chatgpt", 12_000, ["gpt-5"])
    assert current.start == "2026-02-20T09:30:00.000Z"
    assert round(current.duration_minutes) == 25
    a = demo_journal.annotation(current.session_key)
    assert (a.goal, a.value, a.tags) == ("Plan the offsite agenda", 4, ["planning"])
    # The filter hid it, so the filters were cleared to show it; the panel shows it.
    assert window.journal_view.filter_state().tool == ""
    assert window.panel.goal.text() == "Plan the offsite agenda"
    assert window.journal_view.tool_box.findData("chatgpt") > 0


def test_cancelled_dialog_adds_nothing(qtbot, window, demo_journal, answer) -> None:
    before = demo_journal.count("sessions")
    assert window.new_entry() is None
    assert demo_journal.count("sessions") == before


def test_a_refused_entry_is_told(qtbot, window, demo_journal, answer, notices) -> None:
    reply, _ = answer
    reply["entry"] = NewEntry(tool="not a tool!", start=START, minutes=5)
    assert window.new_entry() is None
    assert len(notices.errors) == 1 and "not a tool name" in notices.errors[0]


def test_dialog_reads_its_fields(qtbot) -> None:
    zone = dt.timezone(dt.timedelta(hours=2))
    dialog = NewEntryDialog(tools=["codex"], zone=zone)
    qtbot.addWidget(dialog)
    dialog.tool.setCurrentText("claude-ai")
    dialog.start.setDateTime(QDateTime(QDate(2026, 3, 2), QTime(14, 5)))
    dialog.minutes.setValue(45)
    qtbot.keyClicks(dialog.tokens, "40,000")
    qtbot.keyClicks(dialog.goal, "Draft the blog post")
    dialog.value.setCurrentIndex(dialog.value.findData(3))
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("partly"))
    qtbot.keyClicks(dialog.tags, "writing; blog")
    e = dialog.entry()
    assert e.start == dt.datetime(2026, 3, 2, 14, 5, tzinfo=zone)
    assert (e.tool, e.minutes, e.tokens, e.goal, e.value, e.outcome, e.tags) == (
        "claude-ai",
        45,
        40_000,
        "Draft the blog post",
        3,
        "partly",
        ["writing", "blog"],
    )
    assert e.annotation() is not None
    assert NewEntry(tool="x", start=START, minutes=1).annotation() is None


def test_empty_journal_shows_what_to_do(qtbot, make_window, journal, answer) -> None:
    opened = []
    w = make_window(journal, open_demo=lambda: opened.append(True))
    assert w.pages.currentWidget() is w.empty_state
    assert w.empty_state.isVisible() and not w.splitter.isVisible()
    labels = [
        w.empty_state.buttons.itemAt(i).widget().text()
        for i in range(w.empty_state.buttons.count())
        if w.empty_state.buttons.itemAt(i).widget()
    ]
    assert labels == ["Log a session…", "Open the demo"]
    qtbot.waitUntil(lambda: not w.counting)
    assert w.counts_label.text() == "No sessions yet"
    demo_button = w.empty_state.buttons.itemAt(2).widget()
    qtbot.mouseClick(demo_button, Qt.MouseButton.LeftButton)
    assert opened == [True]

    reply, _ = answer
    reply["entry"] = NewEntry(tool="manual", start=START, minutes=10, goal="First entry")
    log_button = w.empty_state.buttons.itemAt(1).widget()
    qtbot.mouseClick(log_button, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.splitter
    assert w.journal_view.model.rowCount() == 1
    qtbot.waitUntil(lambda: not w.counting)
    assert w.counts_label.text() == "1 session · 0 rated (0%) · 1 to rate"


def test_empty_state_takes_more_buttons(qtbot, make_window, journal) -> None:
    w = make_window(journal)
    w.empty_state.add_action("Import usage…", lambda: None, position=0)
    first = w.empty_state.buttons.itemAt(1).widget()
    assert first.text() == "Import usage…"


def test_a_new_entry_can_be_undone_and_redone(qtbot, window, demo_journal, answer) -> None:
    reply, _ = answer
    reply["entry"] = NewEntry(
        tool="chatgpt",
        start=START,
        minutes=10,
        tokens=500,
        model=None,
        goal="Undo me",
        value=2,
        tags=[],
    )
    before = demo_journal.count("sessions")
    key = window.new_entry()
    assert demo_journal.count("sessions") == before + 1
    window.undo_action.trigger()
    assert demo_journal.count("sessions") == before
    assert demo_journal.session(key) is None and demo_journal.annotation(key) is None
    window.redo_action.trigger()
    s = demo_journal.session(key)
    assert s is not None and s.total_tokens == 500 and s.annotation.goal == "Undo me"
    assert demo_journal.count("sessions") == before + 1


def test_about_names_version_journal_licence_and_prices(window, demo_journal, notices) -> None:
    from tokenworth import __version__

    window.about_action.trigger()
    [(title, text)] = notices.infos
    assert title == "About Tokenworth"
    assert __version__ in text and str(demo_journal.path) in text
    assert "Licence: MIT" in text and demo_journal.prices.version in text


def test_export_report_opens_the_dialog(window, demo_journal, monkeypatch, tmp_path) -> None:
    from tokenworth.ui.report_dialog import ReportDialog

    seen = []

    def fake_ask(cls, parent, journal, settings=None, *, zone=None):
        seen.append(journal)
        return tmp_path / "r.html"

    monkeypatch.setattr(ReportDialog, "ask", classmethod(fake_ask))
    texts = [a.text() for a in window.file_menu.actions()]
    assert "&Export report…" in texts
    window.export_action.trigger()
    assert seen == [demo_journal]
    assert "Report saved" in window.statusBar().currentMessage()
