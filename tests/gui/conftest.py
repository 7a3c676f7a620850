"""Fixtures for the window tests: isolated QSettings, a demo journal, recorded message boxes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool

from tokenworth.core.demo import build_demo
from tokenworth.core.timeutil import UTC
from tokenworth.ui.notice import Notice

# The offscreen platform warns on every top-level window that has a layout; this says
# nothing about our code, and the strict config (qt_log_level_fail=WARNING) would fail
# every test that shows a window.
_OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen platform's size-hint warning in the window tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path_factory: pytest.TempPathFactory):
    """Every QSettings the code creates by scope lands in a temporary folder."""
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    yield folder


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A settings file of the test's own."""
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def pool():
    """A thread pool that is drained before the test ends (no thread outlives a test)."""
    p = QThreadPool()
    yield p
    assert p.waitForDone(10_000)


DEMO_END = dt.datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def demo_journal(journal):
    """The test journal filled with 150 demo sessions ending 2026-03-01."""
    build_demo(journal, sessions=150, end=DEMO_END)
    return journal


class Notices:
    """What the app tried to show in message boxes."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.crashes: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def notices(monkeypatch: pytest.MonkeyPatch) -> Notices:
    """Message boxes are recorded, never shown (a modal box would block the test)."""
    seen = Notices()
    monkeypatch.setattr(Notice, "error", classmethod(lambda cls, p, text: seen.errors.append(text)))
    monkeypatch.setattr(
        Notice, "crash", classmethod(lambda cls, p, s, d: seen.crashes.append((s, d)))
    )
    monkeypatch.setattr(
        Notice, "info", classmethod(lambda cls, p, t, text: seen.infos.append((t, text)))
    )
    return seen


@pytest.fixture
def make_window(qtbot, settings: QSettings, pool: QThreadPool):
    """Build a MainWindow on a journal; closed (and its settings saved) at the end."""
    from tokenworth.ui.main_window import MainWindow

    made = []

    def make(journal, **kwargs):
        w = MainWindow(journal, settings, pool=pool, zone=UTC, **kwargs)
        qtbot.addWidget(w)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()
    pool.waitForDone(10_000)


@pytest.fixture
def window(make_window, demo_journal):
    """The main window on the demo journal."""
    return make_window(demo_journal)
