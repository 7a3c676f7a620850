"""Start the window: QApplication, theme, journal (or the demo), crash handler, screenshot."""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tokenworth import APP_NAME

log = logging.getLogger(__name__)

VIEWS = ("journal", "charts")
SCREENSHOT_SIZE = (1280, 800)
SCREENSHOT_TIMEOUT_MS = 20_000


_GUARD = 1 << 40


def keep_singletons_alive() -> bool:
    """Protect ``None``, ``True`` and ``False`` from PySide6 6.12's lost references on 3.11.

    PySide6 6.12.0 (abi3 wheel) hands these out without taking a reference (every void
    method returns ``None`` so, and some calls into Python overrides do it with ``True``):
    on Python 3.12+ they are immortal and nothing happens; on 3.11 their counts fall with
    every call until the interpreter aborts with "none_dealloc: deallocating None" (a
    pyqtgraph plot pans for about 300 frames). When a probe shows the leak, their counts
    are raised far beyond reach, which is what 3.12 does for every immortal object.
    PySide6 6.11 is not affected.

    Returns:
        True when the bindings leak and the three objects are protected.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if sys.getrefcount(None) > _GUARD // 2:
        return True  # done before
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    if sys.getrefcount(None) >= before:
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _GUARD  # ob_refcnt comes first
    log.info("PySide6 loses references to None, True and False on this Python: protected")
    return True


def default_settings():  # -> QSettings (Qt is imported lazily, see run)
    """The window's settings file (an INI file in the user's config folder)."""
    from PySide6.QtCore import QSettings

    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, "tokenworth-gui"
    )


class _DemoJournals:
    """Demo journals in temporary folders, removed when the app ends."""

    def __init__(self) -> None:
        self._folders: list[tempfile.TemporaryDirectory[str]] = []
        self.journals: list[object] = []

    def open(self):  # -> Journal
        from tokenworth.core.demo import build_demo
        from tokenworth.core.store import open_journal

        folder = tempfile.TemporaryDirectory(prefix="tokenworth-demo-")
        self._folders.append(folder)
        journal = open_journal(Path(folder.name))
        self.journals.append(journal)
        build_demo(journal)
        return journal

    def close(self) -> None:
        for journal in self.journals:
            try:
                journal.close()  # type: ignore[attr-defined]
            except Exception:
                log.exception("closing a demo journal failed")
        self.journals.clear()
        for folder in self._folders:
            folder.cleanup()
        self._folders.clear()


def run(
    *,
    data_dir: Path | None = None,
    demo: bool = False,
    screenshot: Path | None = None,
    view: str | None = None,
    paths: Sequence[Path] = (),
) -> int:
    """Open the window on the journal in ``data_dir`` (or a generated demo journal).

    Args:
        data_dir: The journal's folder (default: TOKENWORTH_DATA_DIR or the user data dir).
        demo: Open a generated demo journal in a temporary folder instead.
        screenshot: Render the window to this PNG once it has loaded, then return.
        view: "journal" or "charts": the tab to show first.
        paths: Files or folders to import once the window is open. When the app already
            runs on this journal, they are handed to it and this launch ends.

    Returns:
        The exit code: 0, or 2 when the journal cannot be opened or the PNG not written.
    """
    if view is not None and view not in VIEWS:
        print(f"tokenworth: unknown view {view!r}; use journal or charts.", file=sys.stderr)
        return 2
    if screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        # Before Qt loads: a screenshot needs no screen, and no window flashes up.
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"

    keep_singletons_alive()
    import pyqtgraph as pg
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from tokenworth.core.errors import JournalError
    from tokenworth.core.store import open_journal
    from tokenworth.ui.crash import CrashHandler
    from tokenworth.ui.import_controller import ImportController
    from tokenworth.ui.main_window import MainWindow
    from tokenworth.ui.notice import Notice
    from tokenworth.ui.theme import THEME_ENV, Theme

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setStyle("Fusion")  # draws from our palettes the same way everywhere
    pg.setConfigOptions(antialias=True)
    _set_identity(app)

    guard = None
    if not demo and screenshot is None:
        from tokenworth.core.store import default_data_dir
        from tokenworth.ui.single_instance import SingleInstance

        guard = SingleInstance(Path(data_dir) if data_dir else default_data_dir())
        if not guard.start([str(p) for p in paths]):
            return 0  # the running window took the files and came forward

    settings_folder = None
    if screenshot is not None:
        # A screenshot neither reads nor changes the person's layout and filters.
        from PySide6.QtCore import QSettings

        settings_folder = tempfile.TemporaryDirectory(prefix="tokenworth-shot-")
        settings = QSettings(
            str(Path(settings_folder.name) / "gui.ini"), QSettings.Format.IniFormat
        )
    else:
        settings = default_settings()
    theme_mode = os.environ.get(THEME_ENV) or str(settings.value("theme", "system"))
    theme = Theme(app, theme_mode)
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    quiet = screenshot is not None
    crash = CrashHandler(lambda: app.activeWindow(), quiet=quiet).install()
    previous_handler = _quiet_offscreen_noise()
    demos = _DemoJournals()
    windows: list[MainWindow] = []
    journal = None

    def tell(text: str) -> None:
        if quiet:
            print(f"tokenworth: {text}", file=sys.stderr)
        else:
            Notice.error(None, text)

    def open_demo() -> None:
        try:
            demo_journal = demos.open()
        except JournalError as err:
            tell(str(err))
            return
        w = MainWindow(demo_journal, settings, theme=theme, pool=pool, demo=True)
        w.imports = ImportController(w)
        windows.append(w)
        w.show()

    try:
        try:
            journal = demos.open() if demo else open_journal(data_dir)
        except JournalError as err:
            tell(str(err))
            return 2
        window = MainWindow(
            journal, settings, theme=theme, pool=pool, demo=demo, open_demo=open_demo
        )
        window.imports = ImportController(window)
        windows.append(window)
        if view is not None:
            window.show_view(view)
        if screenshot is not None:
            return _screenshot(window, Path(screenshot))
        window.show()
        if guard is not None:
            guard.set_window(window)
            guard.files_received.connect(
                lambda received: window.imports.import_paths([Path(p) for p in received])
            )
        if paths:
            window.imports.import_paths(list(paths))
        return app.exec()
    finally:
        for w in windows:
            imports = getattr(w, "imports", None)
            if imports is not None:
                imports.wait()  # Cancel: the file being read stays out, the rest is in
        if guard is not None:
            guard.close()
        crash.uninstall()
        _restore_message_handler(previous_handler)
        pool.waitForDone()
        for w in windows:
            w.close()
            w.deleteLater()
        if journal is not None and not demo:
            journal.close()
        demos.close()
        if settings_folder is not None:
            settings.sync()
            settings_folder.cleanup()


def _set_identity(app) -> None:  # app: QApplication
    """The icon and desktop-file name, so the task bar and menu entry match the window."""
    from PySide6.QtGui import QIcon

    from tokenworth.resources import APP_ID, app_icon_files

    app.setDesktopFileName(APP_ID)
    icon = QIcon()
    for f in app_icon_files():
        icon.addFile(str(f))
    app.setWindowIcon(icon)
    if sys.platform == "win32":  # group with the Start-menu shortcut in the task bar
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)


_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def _quiet_offscreen_noise():  # -> the previous Qt message handler
    """Drop the offscreen platform's warning about size hints; pass on every other message."""
    from PySide6.QtCore import qInstallMessageHandler

    previous = None

    def handler(kind, context, message: str) -> None:
        if message == _OFFSCREEN_NOISE:
            return
        if callable(previous):
            previous(kind, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    return previous


def _restore_message_handler(previous) -> None:
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(previous)


def _screenshot(window, path: Path) -> int:  # window: MainWindow
    """Show ``window``, wait until its current view has loaded, save a PNG of it."""
    from PySide6.QtCore import QEventLoop, QPoint, QTimer
    from PySide6.QtGui import QImage, QPainter

    window.resize(*SCREENSHOT_SIZE)
    window.show()
    loop = QEventLoop()
    result: dict[str, int] = {"code": 2}

    def render() -> None:
        if result.get("done"):
            return
        result["done"] = 1
        ratio = window.devicePixelRatioF()
        size = window.size() * ratio
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(window.palette().window().color())
        painter = QPainter(image)
        try:
            window.render(painter, QPoint())
        finally:
            painter.end()
        path.parent.mkdir(parents=True, exist_ok=True)
        if image.save(str(path), "PNG"):
            result["code"] = 0
        else:
            print(f"tokenworth: could not write the screenshot {path}.", file=sys.stderr)
        loop.quit()

    def busy() -> bool:
        charts = window.tabs.currentWidget() is window.charts
        return window.counting or (charts and window.charts.loading)

    def wait_until_loaded() -> None:
        if result.get("done"):
            return
        if busy():
            QTimer.singleShot(20, wait_until_loaded)
        else:
            # A few more turns of the event loop: the plot paints once, so its ticks exist.
            QTimer.singleShot(200, render)

    QTimer.singleShot(0, wait_until_loaded)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, render)
    loop.exec()
    return result["code"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tokenworth-gui``."""
    parser = argparse.ArgumentParser(
        prog="tokenworth-gui", description="Open the Tokenworth window."
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="folder of the journal")
    parser.add_argument("--demo", action="store_true", help="open a generated demo journal")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the window and exit")
    parser.add_argument("--view", choices=VIEWS, default=None, help="the tab to show first")
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to import")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return run(
        data_dir=args.data_dir,
        demo=args.demo,
        screenshot=args.screenshot,
        view=args.view,
        paths=args.paths,
    )


if __name__ == "__main__":
    sys.exit(main())
