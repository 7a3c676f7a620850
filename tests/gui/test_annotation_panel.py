"""Editing through the panel saves at once; every edit is one undo step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tokenworth.core.errors import JournalError
from tokenworth.core.model import Annotation
from tokenworth.core.store import SessionFilter


def _type(qtbot, edit, text: str) -> None:
    """Replace the text as a person would, then press Enter (editingFinished)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _select_unrated_without_annotation(window, journal) -> str:
    ids = journal.session_ids(SessionFilter(unrated=True))
    sessions = journal.sessions_by_ids(ids)
    sid = next(i for i in ids if sessions[i].annotation is None)
    assert window.journal_view.select_session_id(sid)
    return sessions[sid].session_key


def test_rating_through_the_panel_is_stored(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    panel = window.panel
    assert panel.session.session_key == key
    qtbot.mouseClick(panel.value_buttons[3], Qt.MouseButton.LeftButton)  # "4"
    assert demo_journal.annotation(key).value == 4
    assert [b.isChecked() for b in panel.value_buttons] == [True] * 4 + [False]
    assert panel.value_words.text() == "Very useful"
    # Clicking the value that is set clears it.
    qtbot.mouseClick(panel.value_buttons[3], Qt.MouseButton.LeftButton)
    assert demo_journal.annotation(key) is None


def test_fields_save_on_editing_finished(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    panel = window.panel
    _type(qtbot, panel.goal, "Write the panel tests")
    _type(qtbot, panel.tags, "tests, gui, tests")
    _type(qtbot, panel.minutes, "-15")
    panel.outcome.setCurrentIndex(panel.outcome.findData("partly"))
    panel.outcome.activated.emit(panel.outcome.currentIndex())
    panel.needed.setCurrentIndex(2)
    panel.needed.activated.emit(2)
    panel.note.setPlainText("Slow but right.")
    panel.commit_pending()
    a = demo_journal.annotation(key)
    assert (a.goal, a.tags, a.minutes_saved, a.outcome, a.needed, a.note) == (
        "Write the panel tests",
        ["tests", "gui"],
        -15,
        "partly",
        False,
        "Slow but right.",
    )
    # The table shows the new goal without a reload.
    view = window.journal_view
    row = view.table.currentIndex().row()
    assert view.model.data(view.model.index(row, 7)) == "Write the panel tests"


def test_undo_restores_previous_annotation_and_redo_reapplies(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    before = Annotation(session_key=key, goal="Original goal", tags=["a", "b"], value=2)
    demo_journal.set_annotation(before)
    window.panel.show_session(window.journal_view.current_session())
    stack = window.undo_stack
    start = stack.count()

    _type(qtbot, window.panel.goal, "Changed goal")
    qtbot.mouseClick(window.panel.value_buttons[4], Qt.MouseButton.LeftButton)
    assert stack.count() == start + 2  # two edits, two undo steps
    assert stack.undoText() == "Rate 5"
    after = demo_journal.annotation(key)
    assert (after.goal, after.value, after.tags) == ("Changed goal", 5, ["a", "b"])

    window.undo_action.trigger()
    assert demo_journal.annotation(key).value == 2
    window.undo_action.trigger()
    restored = demo_journal.annotation(key)
    assert (restored.goal, restored.value, restored.tags) == ("Original goal", 2, ["a", "b"])
    assert window.panel.goal.text() == "Original goal"  # the panel follows undo

    window.redo_action.trigger()
    window.redo_action.trigger()
    again = demo_journal.annotation(key)
    assert (again.goal, again.value) == ("Changed goal", 5)
    assert window.panel.value_words.text() == "Exceptional"


def test_undo_of_a_first_rating_removes_the_annotation(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    window.journal_view.table.setFocus()
    qtbot.keyClick(window.journal_view.table, Qt.Key.Key_4)
    assert demo_journal.annotation(key).value == 4
    window.undo_stack.undo()
    assert demo_journal.annotation(key) is None
    window.undo_stack.redo()
    assert demo_journal.annotation(key).value == 4


def test_keyboard_shortcuts_undo_redo_and_find(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    window.activateWindow()
    qtbot.waitActive(window)
    table = window.journal_view.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_3)
    assert demo_journal.annotation(key).value == 3
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert demo_journal.annotation(key) is None
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(table, Qt.Key.Key_Z, ctrl_shift)
    assert demo_journal.annotation(key).value == 3
    qtbot.keyClick(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.journal_view.search
    assert QKeySequence("Ctrl+Z") in window.undo_action.shortcuts()
    assert QKeySequence("Ctrl+Shift+Z") in window.redo_action.shortcuts()


def test_same_value_makes_no_undo_step(qtbot, window, demo_journal) -> None:
    _select_unrated_without_annotation(window, demo_journal)
    window.journal_view.table.setFocus()
    qtbot.keyClick(window.journal_view.table, Qt.Key.Key_2)
    count = window.undo_stack.count()
    qtbot.keyClick(window.journal_view.table, Qt.Key.Key_2)
    assert window.undo_stack.count() == count


def test_a_failed_write_is_told_and_not_undoable(
    qtbot, window, demo_journal, notices, monkeypatch
) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)

    def refuse(annotation):
        raise JournalError("The disk is full: free some space, then retry.")

    monkeypatch.setattr(demo_journal, "set_annotation", refuse)
    count = window.undo_stack.count()
    window.journal_view.table.setFocus()
    qtbot.keyClick(window.journal_view.table, Qt.Key.Key_5)
    assert notices.errors == ["The disk is full: free some space, then retry."]
    assert window.undo_stack.count() == count
    monkeypatch.undo()
    assert demo_journal.annotation(key) is None
    assert window.panel.value_words.text() == "Not rated"


def test_a_field_that_only_lost_focus_writes_nothing(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    panel = window.panel
    panel.goal.setFocus()
    # Meanwhile something else (the command line) writes a goal.
    demo_journal.annotate(key, goal="Written elsewhere")
    panel.goal.editingFinished.emit()  # focus leaves the untouched field
    panel.commit_pending()
    assert demo_journal.annotation(key).goal == "Written elsewhere"
    assert window.undo_stack.count() == 0


def test_the_note_saves_after_a_pause_and_on_switching(qtbot, window, demo_journal) -> None:
    key = _select_unrated_without_annotation(window, demo_journal)
    panel = window.panel
    panel.note.setFocus()
    qtbot.keyClicks(panel.note, "Half a thought")
    assert demo_journal.annotation(key) is None
    qtbot.waitUntil(lambda: demo_journal.annotation(key) is not None, timeout=5000)
    assert demo_journal.annotation(key).note == "Half a thought"
    qtbot.keyClicks(panel.note, ", finished")
    window.journal_view.select_row(0 if window.journal_view.table.currentIndex().row() else 1)
    assert demo_journal.annotation(key).note == "Half a thought, finished"


def test_a_cost_under_a_cent_reads_as_text(qtbot, make_window, journal) -> None:
    """The panel's usage line is rich text: "< $0.01" must not swallow what follows."""
    from tokenworth.core.model import UsageEvent

    journal.write_events(
        [
            UsageEvent(
                tool="gemini-cli",
                ts="2026-03-01T10:00:00.000Z",
                session_key="g",
                dedup_key="g1",
                model="gemini-2.5-flash",
                input_tokens=100,
                output_tokens=10,
            )
        ]
    )
    w = make_window(journal)
    w.journal_view.select_session_key("g")
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(w.panel.usage.text())
    assert doc.toPlainText() == "110 tokens · < $0.01 · 1 call"
