"""Start-up: the demo screenshot, a journal that cannot be opened, the crash dialog, themes."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication

from tokenworth import app
from tokenworth.core.errors import JournalError
from tokenworth.ui.crash import CrashHandler
from tokenworth.ui.theme import DARK, LIGHT, Theme


def _check_png(path: Path) -> QImage:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 800)
    # Not one flat colour: something was drawn.
    colours = {image.pixel(x, y) for x in range(0, 1280, 40) for y in range(0, 800, 40)}
    assert len(colours) > 5
    return image


def test_demo_screenshot_is_written(qapp, tmp_path: Path) -> None:
    shot = tmp_path / "demo.png"
    assert app.run(demo=True, screenshot=shot) == 0
    _check_png(shot)
    assert QApplication.topLevelWidgets() == [] or all(
        not w.isVisible() for w in QApplication.topLevelWidgets()
    )


def test_charts_screenshot_waits_for_the_chart(qapp, tmp_path: Path) -> None:
    shot = tmp_path / "charts.png"
    assert app.run(demo=True, screenshot=shot, view="charts") == 0
    _check_png(shot)


def test_dark_screenshot_uses_the_dark_palette(qapp, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TOKENWORTH_THEME", "dark")
    shot = tmp_path / "dark.png"
    try:
        assert app.run(demo=True, screenshot=shot) == 0
        assert qapp.palette().color(QPalette.ColorRole.Window).name() == DARK.window.lower()
    finally:
        Theme(qapp, "light")
    image = _check_png(shot)
    assert image.pixelColor(640, 790).lightness() < 80  # the status bar is dark


def test_a_journal_that_cannot_be_opened_is_one_sentence(qapp, tmp_path: Path, notices) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "journal.sqlite3").write_bytes(b"this is not sqlite at all" * 100)
    assert app.run(data_dir=folder) == 2
    assert len(notices.errors) == 1
    assert "not a readable Tokenworth journal" in notices.errors[0]
    assert "Traceback" not in notices.errors[0]


def test_main_parses_its_options(monkeypatch, tmp_path: Path) -> None:
    seen = {}
    monkeypatch.setattr(app, "run", lambda **kw: seen.update(kw) or 0)
    assert app.main(["--demo", "--screenshot", str(tmp_path / "x.png"), "--view", "charts"]) == 0
    assert seen == {
        "data_dir": None,
        "demo": True,
        "screenshot": tmp_path / "x.png",
        "view": "charts",
        "paths": [],
    }


class _Emitter(QObject):
    fired = Signal()


def test_exceptions_in_slots_reach_the_crash_dialog(qapp, notices, capsys) -> None:
    handler = CrashHandler().install()
    try:
        emitter = _Emitter()

        def broken() -> None:
            raise ValueError("the table lost its ids")

        def refused() -> None:
            raise JournalError("The disk is full: free some space, then retry.")

        emitter.fired.connect(broken)
        emitter.fired.emit()
        emitter.fired.disconnect(broken)
        emitter.fired.connect(refused)
        emitter.fired.emit()
    finally:
        handler.uninstall()
    assert sys.excepthook is not handler.handle
    assert len(notices.crashes) == 1
    summary, details = notices.crashes[0]
    assert "ValueError: the table lost its ids" in summary
    assert "Traceback" in details and "broken" in details
    assert notices.errors == ["The disk is full: free some space, then retry."]
    assert "the table lost its ids" in capsys.readouterr().err


def test_theme_follows_mode(qapp) -> None:
    theme = Theme(qapp, "dark")
    try:
        assert theme.dark and theme.mode == "dark"
        assert qapp.palette().color(QPalette.ColorRole.Base).name() == DARK.base.lower()
        theme.set_mode("light")
        assert not theme.dark
        assert qapp.palette().color(QPalette.ColorRole.Base).name() == LIGHT.base.lower()
    finally:
        theme.set_mode("light")


def test_theme_follows_the_system_unless_forced(qapp, monkeypatch) -> None:
    system_dark = {"value": False}
    monkeypatch.setattr(
        Theme,
        "_system_scheme_is_dark",
        lambda self: system_dark["value"],
    )
    follows = Theme(qapp, "system")
    forced = Theme(qapp, "light")
    try:
        assert not follows.dark
        system_dark["value"] = True
        seen = []
        follows.changed.connect(lambda: seen.append(follows.dark))
        forced.changed.connect(lambda: seen.append("forced"))
        follows._system_changed(None)
        forced._system_changed(None)
        assert seen == [True]  # the forced theme ignored the system
        assert qapp.palette().color(QPalette.ColorRole.Window).name() == DARK.window.lower()
    finally:
        forced.set_mode("light")


def test_paths_given_at_start_are_imported(qtbot, monkeypatch, tmp_path: Path) -> None:
    """`tokenworth gui FILE` (the .desktop file's %F): the window opens and imports FILE."""
    import shutil

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tokenworth.core.store import open_journal
    from tokenworth.ui.import_controller import ImportController

    log = tmp_path / "s.jsonl"
    shutil.copy(
        Path(__file__).parents[1]
        / "data/claude_code/spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl",
        log,
    )
    done = []
    real_succeeded = ImportController._succeeded

    def succeeded(self, report):
        real_succeeded(self, report)
        done.append(report)
        QTimer.singleShot(0, QApplication.closeAllWindows)

    monkeypatch.setattr(ImportController, "_succeeded", succeeded)
    data = tmp_path / "journal"
    assert app.run(data_dir=data, paths=[log]) == 0
    assert [f.status for f in done[0].files] == ["imported"]
    with open_journal(data) as j:
        assert j.session("claude-code:258c7280-ae70-4798-800f-63464d01a85d").output_tokens == 38_899
