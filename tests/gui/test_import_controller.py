"""Importing from the window: the menu, dropping files, Cancel, and the results dock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tokenworth.ui.import_controller import ImportController

DATA = Path(__file__).parents[1] / "data"
SPOTTER = DATA / "claude_code" / "spotter" / "258c7280-ae70-4798-800f-63464d01a85d.jsonl"


@pytest.fixture
def win(make_window, journal):
    w = make_window(journal)
    w.imports = ImportController(w, file_dialog=lambda parent, folder: [])
    yield w
    w.imports.wait()


def _enter_event(mime: QMimeData) -> QDragEnterEvent:
    """A drag-enter event; PySide6 6.12 takes a QPointF (QPoint deprecated), 6.11 a QPoint."""
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    try:
        return QDragEnterEvent(QPointF(10, 10), *args)
    except TypeError:
        return QDragEnterEvent(QPoint(10, 10), *args)


def _drop(widget, paths: list[Path]) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = _enter_event(mime)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_menu_has_the_import_actions(win) -> None:
    texts = [a.text() for a in win.file_menu.actions()]
    assert texts.index("&Import files…") < texts.index("&Close window")
    assert "&Scan my machine" in texts and "Import a &folder…" in texts


def test_dropping_a_log_imports_it_and_the_table_shows_it(qtbot, win, tmp_path: Path) -> None:
    assert win.pages.currentWidget() is win.empty_state
    log = tmp_path / "s.jsonl"
    shutil.copy(SPOTTER, log)
    with qtbot.waitSignal(win.imports.finished, timeout=20_000) as blocker:
        accepted = _drop(win, [log])
    assert accepted == (True, True)
    report = blocker.args[0]
    assert [f.status for f in report.files] == ["imported"]
    assert win.pages.currentWidget() is win.splitter  # no longer empty
    s = win.journal.session("claude-code:258c7280-ae70-4798-800f-63464d01a85d")
    assert s.output_tokens == 38_899
    assert win.journal_view.model.rowCount() == 1
    assert not win.imports.progress.isVisible()
    assert win.imports.import_files_action.isEnabled()


def test_refused_files_open_the_results_dock(qtbot, win, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text("just words\n")
    with qtbot.waitSignal(win.imports.finished, timeout=20_000) as blocker:
        win.imports.import_paths([bad])
    assert blocker.args[0].files[0].status == "refused"
    assert win.imports.dock.isVisible()
    item = win.imports.results.tree.topLevelItem(0)
    assert item.text(1) == "Refused" and "recognizes" in item.text(3)
    assert "1 refused" in win.statusBar().currentMessage()


def test_cancel_leaves_the_journal_as_it_was(qtbot, win, tmp_path: Path) -> None:
    log = tmp_path / "s.jsonl"
    shutil.copy(SPOTTER, log)
    with qtbot.waitSignal(win.imports.finished, timeout=20_000) as blocker:
        assert win.imports.import_paths([log])
        assert not win.imports.import_paths([log])  # one at a time
        assert win.imports.progress.isVisible()
        win.imports.cancel_action.trigger()
    statuses = [f.status for f in blocker.args[0].files]
    if statuses == ["cancelled"]:  # the usual case: Cancel came before the file was read
        assert win.journal.count("events") == 0
    else:  # the file was already in: then it is whole
        assert win.journal.count("events") == 154
    assert win.imports.dock.isVisible() or statuses == ["imported"]


def test_a_dropped_non_file_is_ignored(win) -> None:
    mime = QMimeData()
    mime.setText("hello")
    enter = _enter_event(mime)
    QApplication.sendEvent(win, enter)
    assert not win.imports.running
