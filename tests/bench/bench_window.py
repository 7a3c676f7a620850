"""Window benchmark: open, sort, filter and scroll at 100,000 sessions against an empty journal.

Run: ``.venv/bin/python tests/bench/bench_window.py [--sessions N]`` (offscreen by default).
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from tokenworth.core.demo import build_demo
from tokenworth.core.store import open_journal
from tokenworth.core.timeutil import UTC
from tokenworth.ui.main_window import MainWindow
from tokenworth.ui.session_model import COLUMN_KEYS

REPEATS = 3


class _FirstPaint(QObject):
    """Quits a loop at the first paint of a widget."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.at: float | None = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.at is None:
            self.at = time.perf_counter()
            QTimer.singleShot(0, self.loop.quit)
        return False


def open_window(journal, settings: QSettings, pool: QThreadPool) -> tuple[float, MainWindow]:
    """Seconds from constructing the window to the first paint of what it shows."""
    loop = QEventLoop()
    spy = _FirstPaint(loop)
    t0 = time.perf_counter()
    window = MainWindow(journal, settings, pool=pool, zone=UTC)
    target = (
        window.journal_view.table.viewport()
        if window.pages.currentWidget() is window.splitter
        else window.empty_state
    )
    target.installEventFilter(spy)
    window.resize(1280, 800)
    window.show()
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    target.removeEventFilter(spy)
    assert spy.at is not None, "the window never painted"
    return spy.at - t0, window


def settle(pool: QThreadPool) -> None:
    """Let background work (status-bar counts) finish, so it does not skew the next figure."""
    pool.waitForDone()
    QApplication.processEvents()


def timed(action: Callable[[], object], window: MainWindow) -> float:
    """Seconds for ``action`` plus the synchronous repaint of the table."""
    settle(window.pool)
    t0 = time.perf_counter()
    action()
    window.journal_view.table.viewport().repaint()
    return time.perf_counter() - t0


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=3, help="model calls per session (cap)")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pool = QThreadPool()
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        root = Path(tmp)
        settings = QSettings(str(root / "gui.ini"), QSettings.Format.IniFormat)
        big = open_journal(root / "big")
        t0 = time.perf_counter()
        build_demo(big, sessions=args.sessions, calls_cap=args.calls)
        build_s = time.perf_counter() - t0
        empty = open_journal(root / "empty")
        print(
            f"built {args.sessions:,} sessions ({big.count('events'):,} events) in {build_s:.1f} s"
        )
        print()

        figures: dict[str, list[float]] = {}
        count_runs: dict[str, list[float]] = {}
        for name, journal in (("empty journal", empty), (f"{args.sessions:,} sessions", big)):
            runs = []
            for _ in range(REPEATS):
                settle(pool)
                seconds, window = open_window(journal, settings, pool)
                runs.append(seconds)
                t0 = time.perf_counter()
                settle(pool)
                count_runs.setdefault(name, []).append(time.perf_counter() - t0)
                window.close()
                window.deleteLater()
                app.processEvents()
            figures[f"open window until it shows ({name})"] = runs

        for name, runs in count_runs.items():
            figures[f"  then status-bar counts on the worker ({name})"] = runs
        _, window = open_window(big, settings, pool)
        view = window.journal_view
        header = view.table.horizontalHeader()
        tokens = COLUMN_KEYS.index("tokens")
        date = COLUMN_KEYS.index("date")
        sort_runs, back_runs, text_runs, wide_runs, clear_runs, scroll_runs = [], [], [], [], [], []
        for _ in range(REPEATS):
            sort_runs.append(
                timed(lambda: header.setSortIndicator(tokens, Qt.SortOrder.DescendingOrder), window)
            )
            back_runs.append(
                timed(lambda: header.setSortIndicator(date, Qt.SortOrder.DescendingOrder), window)
            )

            def search(text: str) -> None:
                view.search.setText(text)
                view.apply_filters()  # what the debounce timer calls

            text_runs.append(timed(lambda: search("webhook"), window))
            wide_runs.append(timed(lambda: search("claude"), window))
            clear_runs.append(timed(lambda: search(""), window))
            scroll_runs.append(timed(view.table.scrollToBottom, window))
            view.table.scrollToTop()
        shown = view.model.rowCount()
        figures["sort by tokens (biggest first)"] = sort_runs
        figures["sort back by date"] = back_runs
        figures["filter by text 'webhook' (narrow)"] = text_runs
        figures["filter by text 'claude' (wide)"] = wide_runs
        figures["clear the text filter"] = clear_runs
        figures["scroll to the last row (lazy page fetch)"] = scroll_runs

        scatter_runs = []
        for _ in range(REPEATS):
            settle(pool)
            loop = QEventLoop()
            window.scatter.loaded.connect(loop.quit)
            window._scatter_dirty = True
            t0 = time.perf_counter()
            window.show_view("charts")
            loop.exec()
            scatter_runs.append(time.perf_counter() - t0)
            settle(pool)
            window.scatter.loaded.disconnect(loop.quit)
            window.show_view("journal")
        figures["chart: load (worker) and draw every point"] = scatter_runs
        window.close()
        pool.waitForDone()

        width = max(len(k) for k in figures)
        print(f"{'measure':<{width}}  median of {REPEATS}   (runs)")
        for key, runs in figures.items():
            each = ", ".join(f"{r * 1000:.0f}" for r in runs)
            print(f"{key:<{width}}  {median_ms(runs)}   ({each} ms)")
        print(
            f"\nrows in the table: {shown:,}; page size {view.model.PAGE}, "
            f"cache limit {view.model.CACHE_LIMIT}"
        )
        big.close()
        empty.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
