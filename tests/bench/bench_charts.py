"""Charts benchmark: the scatter at 100,000 sessions against 1,000, first paint and pan frames.

Run: ``.venv/bin/python tests/bench/bench_charts.py [--sessions 100000] [--small 1000]``
(offscreen by default). Not collected by pytest. The demo journals are built once per size
under the temp folder (``tokenworth-bench/charts-*``); ``--rebuild`` builds them again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from tokenworth.app import keep_singletons_alive
from tokenworth.core.demo import build_demo
from tokenworth.core.store import Journal, SessionFilter, open_journal
from tokenworth.core.timeutil import UTC
from tokenworth.ui import charts_view, scatter
from tokenworth.ui.main_window import MainWindow

REPEATS = 3
PAN_FRAMES = 40


class _PaintAfter(QObject):
    """Notes the first paint of a widget once ``armed`` (the data is in the plot)."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.armed = False
        self.at: float | None = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.armed and self.at is None and event.type() == QEvent.Type.Paint:
            self.at = time.perf_counter()
            QTimer.singleShot(0, self.loop.quit)
        return False


def journal_of(sessions: int, calls: int, rebuild: bool) -> Path:
    """A demo journal with ``sessions`` sessions, built once and kept."""
    folder = Path(tempfile.gettempdir()) / "tokenworth-bench" / f"charts-{sessions}x{calls}"
    path = folder / "journal.sqlite3"
    if rebuild and folder.exists():
        for f in folder.iterdir():
            f.unlink()
    if not path.exists():
        t0 = time.perf_counter()
        j = open_journal(folder)
        build_demo(j, sessions=sessions, calls_cap=calls)
        j.close()
        print(f"built {sessions:,} sessions in {time.perf_counter() - t0:.1f} s ({path})")
    return folder


def first_paint(window: MainWindow) -> dict[str, float]:
    """Open Charts and time: scatter data read, drawn, first paint; everything loaded."""
    window.show_view("journal")  # the window may have opened on Charts (saved settings)
    window.pool.waitForDone()
    QApplication.processEvents()
    loop = QEventLoop()
    spy = _PaintAfter(loop)
    viewport = window.scatter.plot.viewport()
    viewport.installEventFilter(spy)
    marks: dict[str, float] = {}

    def drawn() -> None:
        marks["drawn"] = time.perf_counter()
        spy.armed = True

    window.scatter.loaded.connect(drawn)
    window._scatter_dirty = True
    t0 = time.perf_counter()
    window.show_view("charts")
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    window.scatter.loaded.disconnect(drawn)
    viewport.removeEventFilter(spy)
    assert spy.at is not None, "the scatter never painted"
    done = QEventLoop()
    window.charts.loaded.connect(done.quit)
    if window.charts.loading:
        done.exec()
    window.charts.loaded.disconnect(done.quit)
    return {
        "first paint of the scatter": spy.at - t0,
        "  of which data read and drawn": marks["drawn"] - t0,
        "every chart and the headline loaded": time.perf_counter() - t0,
    }


def pan_frames(window: MainWindow) -> list[float]:
    """Seconds per synchronous repaint after moving the scatter's view sideways."""
    vb = window.scatter.plot.getPlotItem().getViewBox()
    viewport = window.scatter.plot.viewport()
    frames = []
    step = (vb.viewRange()[0][1] - vb.viewRange()[0][0]) / 200
    for i in range(PAN_FRAMES):
        vb.translateBy(x=step if i % 20 < 10 else -step)
        t0 = time.perf_counter()
        viewport.repaint()
        frames.append(time.perf_counter() - t0)
    return frames


def worker_reads(path: Path) -> dict[str, float]:
    """The scatter's read on a worker: the light query against building Session objects."""
    out = {}
    for name, fn in (
        ("light query (scatter_points)", charts_view.load_scatter),
        ("Session objects (old ScatterView)", scatter.load_in_thread),
    ):
        runs = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            fn(path, SessionFilter())
            runs.append(time.perf_counter() - t0)
        out[f"scatter read, {name}"] = statistics.median(runs)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--calls", type=int, default=3, help="model calls per session (cap)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    keep_singletons_alive()
    pool = QThreadPool()
    pool.setMaxThreadCount(2)  # as the app
    results: dict[str, dict[str, float]] = {}
    plotted: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        settings = QSettings(str(Path(tmp) / "gui.ini"), QSettings.Format.IniFormat)
        for n in (args.small, args.sessions):
            folder = journal_of(n, args.calls, args.rebuild)
            name = f"{n:,} sessions"
            journal = Journal(folder / "journal.sqlite3")
            window = MainWindow(journal, settings, pool=pool, zone=UTC)
            window.resize(1280, 800)
            window.show()
            pool.waitForDone()
            app.processEvents()
            runs: dict[str, list[float]] = {}
            for _ in range(REPEATS):
                for key, value in first_paint(window).items():
                    runs.setdefault(key, []).append(value)
            app.processEvents()
            frames = pan_frames(window)
            figures = {key: statistics.median(v) for key, v in runs.items()}
            figures["pan frame, median"] = statistics.median(frames)
            figures["pan frame, slowest"] = max(frames)
            figures.update(worker_reads(journal.path))
            results[name] = figures
            plotted[name] = window.scatter.data.plotted
            window.close()
            pool.waitForDone()
            journal.close()

    names = list(results)
    keys = list(results[names[0]])
    width = max(len(k) for k in keys)
    print(f"\nmedian of {REPEATS} runs (pan: {PAN_FRAMES} frames), window 1280 x 800, offscreen")
    print(f"{'':<{width}}  " + "  ".join(f"{n:>18}" for n in names))
    for key in keys:
        print(f"{key:<{width}}  " + "  ".join(f"{ms(results[n][key]):>18}" for n in names))
    print("points plotted: " + ", ".join(f"{n}: {plotted[n]:,}" for n in names))
    goal = results[names[-1]]["pan frame, median"] < 0.033
    print(f"goal: pan frame under 33 ms at {names[-1]}: {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
