"""``tokenworth --self-test``: import a built-in sample into a throwaway journal, render, report."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tokenworth import __version__

SAMPLE = ("selftest", "claude-code-sample.jsonl")
# What the sample holds (resources/selftest/README.md): one Claude Code session, three
# responses, one of them streamed over two lines (the larger line counts).
SAMPLE_SESSION = "claude-code:5e1f7e57-0000-4000-8000-000000000001"
SAMPLE_TOTALS = {
    "events": 3,
    "sessions": 1,
    "input_tokens": 24,
    "cache_creation_tokens": 2300,
    "cache_read_tokens": 4000,
    "output_tokens": 848,
    "total_tokens": 7172,
}
SCREENSHOT_SIZE = (1280, 800)
# A rendered window has text, borders and icons: far more colours than a blank image.
MIN_COLOURS = 32
WORKER_TIMEOUT_S = 60


class StepFailed(Exception):
    """A check of the self-test did not hold; the message says which and why."""


class _Run:
    """The state the steps share, and the printing of one line per step."""

    def __init__(self, out: TextIO, folder: Path) -> None:
        self.out = out
        self.folder = folder
        self.data_dir = folder / "journal"
        self.results: list[bool] = []
        self.journal: Any = None
        self.app: Any = None

    def step(self, name: str, fn: Callable[[], str], needs: bool = True) -> bool:
        """Run one step and print ``ok: <name>: <detail>`` or ``FAILED: <name>: <why>``."""
        if not needs:
            return self._report(False, f"FAILED: {name}: not run, an earlier step failed")
        began = time.perf_counter()
        try:
            detail = fn()
        except Exception as err:  # every failure is one line; the other steps still run
            reason = str(err) or type(err).__name__
            if not isinstance(err, StepFailed):
                reason = f"{type(err).__name__}: {reason}"
            return self._report(False, f"FAILED: {name}: {reason}")
        ms = (time.perf_counter() - began) * 1000
        return self._report(True, f"ok: {name}: {detail} ({ms:.0f} ms)")

    def _report(self, passed: bool, line: str) -> bool:
        self.results.append(passed)
        print(line, file=self.out, flush=True)
        return passed


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def run_self_test(out: TextIO = sys.stdout) -> int:
    """Check that this installation works, without touching the person's journal.

    Opens a journal in a temporary folder, imports the built-in Claude Code sample, checks
    the totals and the price table, renders the main window offscreen, writes a small
    report, and passes a file to a second launch through the single-instance socket.
    Prints one line per step (``ok: ...`` or ``FAILED: ...``) and a summary line. Makes no
    network connection.

    Args:
        out: Where the lines go.

    Returns:
        0 when every step passed, else 1.
    """
    # Before Qt loads: the window is rendered offscreen, so no screen is needed.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(
        prefix="tokenworth-selftest-", ignore_cleanup_errors=True
    ) as tmp:
        run = _Run(out, Path(tmp))
        try:
            with _quiet_offscreen_notices():
                _steps(run)
        finally:
            if run.journal is not None:
                run.journal.close()
    passed = sum(run.results)
    total = len(run.results)
    verdict = "passed" if passed == total else "FAILED"
    print(
        f"self-test {verdict}: {passed} of {total} steps in {time.perf_counter() - began:.1f} s "
        f"(tokenworth {__version__}, Python {platform.python_version()}, "
        f"{_qt_version()}, {'bundle' if getattr(sys, 'frozen', False) else 'source'})",
        file=out,
        flush=True,
    )
    return 0 if passed == total else 1


@contextlib.contextmanager
def _quiet_offscreen_notices() -> Iterator[None]:
    """Drop the offscreen platform's "This plugin does not support ..." notices.

    They say that a window cannot be raised or resized by a window manager, which is true
    and expected offscreen; every other Qt message still reaches stderr.
    """
    from PySide6.QtCore import QCoreApplication, QEvent, qInstallMessageHandler

    def handler(mode: Any, context: Any, message: str) -> None:
        if not message.startswith("This plugin does not support"):
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        # Windows closed by the steps are deleted now, while their notices are dropped.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qInstallMessageHandler(previous)


def _qt_version() -> str:
    try:
        import PySide6

        return f"PySide6 {PySide6.__version__}"
    except ImportError:
        return "no PySide6"


def _steps(run: _Run) -> None:
    have_resources = run.step("resources", _resources)
    have_journal = run.step("journal", lambda: _open_journal(run))
    imported = run.step(
        "import", lambda: _import_sample(run), needs=have_resources and have_journal
    )
    run.step("stats and prices", lambda: _stats(run), needs=imported)
    run.step("worker processes", lambda: _worker_processes(run), needs=have_resources)
    if run.journal is not None:
        run.journal.close()  # the window and the report open their own connection
        run.journal = None
    run.step("window", lambda: _render_window(run), needs=imported)
    run.step("report", lambda: _write_report(run), needs=imported)
    run.step("icons", lambda: _icons(run), needs=have_resources)
    run.step("single instance", lambda: _single_instance(run), needs=have_resources)


def _resources() -> str:
    from tokenworth.resources import app_icon_files, resource_path, resources_root

    needed = [
        resource_path(*SAMPLE),
        resource_path("prices", "prices.json"),
        resource_path("icons", "tokenworth.svg"),
        *app_icon_files(),
    ]
    missing = [str(p) for p in needed if not p.is_file()]
    _check(not missing, f"missing {', '.join(missing)}")
    return f"{len(needed)} files in {resources_root()}"


def _open_journal(run: _Run) -> str:
    from tokenworth.core.store import open_journal

    run.journal = open_journal(run.data_dir)
    result = run.journal.check()
    _check(bool(result["ok"]), f"the new journal does not check out: {result}")
    return f"new journal, schema {result['schema_version']}, in a temporary folder"


def _import_sample(run: _Run) -> str:
    from tokenworth.core.importers.runner import import_paths
    from tokenworth.resources import resource_path

    report = import_paths(run.journal, [resource_path(*SAMPLE)], parallel=False)
    statuses = [(f.format, f.status, f.message) for f in report.files]
    _check(
        [(fmt, status) for fmt, status, _ in statuses] == [("claude-code", "imported")],
        f"expected one claude-code file imported, got {statuses}",
    )
    _check(
        report.events_added == SAMPLE_TOTALS["events"],
        f"expected {SAMPLE_TOTALS['events']} events, got {report.events_added}",
    )
    again = import_paths(run.journal, [resource_path(*SAMPLE)], parallel=False)
    _check(again.events_added == 0, f"re-import added {again.events_added} events")
    _check(run.journal.session_exists(SAMPLE_SESSION), f"no session {SAMPLE_SESSION}")
    return f"{report.events_added} events in 1 session; importing again added none"


def _stats(run: _Run) -> str:
    from tokenworth.core.analytics import stats

    data = stats(run.journal, "tool", dt.UTC)
    totals = data["totals"]
    wrong = {k: (totals.get(k), v) for k, v in SAMPLE_TOTALS.items() if totals.get(k) != v}
    _check(not wrong, f"totals differ (got, expected): {wrong}")
    cost = totals.get("cost_usd")
    _check(
        isinstance(cost, float) and cost > 0,
        f"the sample's model should be priced, got cost {cost!r}",
    )
    return f"{totals['total_tokens']:,} tokens, API-equivalent ${cost:.4f}"


def _worker_processes(run: _Run) -> str:
    # The window imports on a thread, and large imports parse in worker processes: with
    # threads running that means forkserver (POSIX) or spawn (Windows), which in a frozen
    # app re-run the executable. This checks that path on a thread, as the window does.
    from tokenworth.core.importers.runner import import_paths
    from tokenworth.core.store import open_journal
    from tokenworth.resources import resource_path

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            with open_journal(run.folder / "parallel") as journal:
                report = import_paths(journal, [resource_path(*SAMPLE)], parallel=True)
                outcome["events"] = report.events_added
                outcome["statuses"] = [f.status for f in report.files]
        except BaseException as err:  # reported by the step
            outcome["error"] = err

    thread = threading.Thread(target=work, name="selftest-import", daemon=True)
    thread.start()
    thread.join(WORKER_TIMEOUT_S)
    _check(not thread.is_alive(), f"no result after {WORKER_TIMEOUT_S} s")
    if "error" in outcome:
        raise outcome["error"]
    _check(
        outcome["statuses"] == ["imported"] and outcome["events"] == SAMPLE_TOTALS["events"],
        f"got {outcome}",
    )
    return f"the sample parsed in a worker process from a thread ({outcome['events']} events)"


def _qapp() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "tokenworth"])
    return app


def _render_window(run: _Run) -> str:
    from PySide6.QtGui import QImage

    from tokenworth import app as gui

    run.app = _qapp()
    png = run.folder / "window.png"
    with contextlib.redirect_stdout(sys.stderr):
        code = gui.run(data_dir=run.data_dir, screenshot=png)
    _check(code == 0, f"the window could not be rendered (exit code {code})")
    image = QImage(str(png))
    _check(not image.isNull(), "the rendered PNG cannot be read")
    size = (image.width(), image.height())
    _check(size[0] >= SCREENSHOT_SIZE[0] // 2, f"the window is only {size[0]}x{size[1]}")
    colours = _colour_count(image)
    _check(colours >= MIN_COLOURS, f"the window looks blank ({colours} colours)")
    platform_name = run.app.platformName()
    return f"main window rendered ({platform_name}), {size[0]}x{size[1]}, {colours} colours"


def _colour_count(image: Any) -> int:
    """Distinct colours on a coarse grid of the image (enough to tell blank from drawn)."""
    seen: set[int] = set()
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            seen.add(image.pixel(x, y))
    return len(seen)


def _write_report(run: _Run) -> str:
    # The report module (tokenworth.core.report) is not there yet: until it is, the step
    # writes what `tokenworth stats --json` prints, through the command line itself.
    from tokenworth import cli

    path = run.folder / "report.json"
    with path.open("w", encoding="utf-8") as fp, contextlib.redirect_stdout(fp):
        code = cli.main(
            ["--data-dir", str(run.data_dir), "stats", "--by", "day", "--tz", "UTC", "--json"]
        )
    _check(code == 0, f"`tokenworth stats --json` ended with {code}")
    data = json.loads(path.read_text(encoding="utf-8"))
    total = data["totals"]["total_tokens"]
    _check(total == SAMPLE_TOTALS["total_tokens"], f"the report says {total} tokens")
    days = [row["period"] for row in data["rows"]]
    _check(days == ["2026-03-14"], f"the report's days are {days}, expected 2026-03-14")
    return f"stats JSON written ({path.stat().st_size:,} bytes)"


def _icons(run: _Run) -> str:
    from PySide6.QtGui import QIcon, QImage

    from tokenworth.resources import ICON_SIZES, app_icon_files, resource_path

    run.app = run.app or _qapp()
    for size, path in zip(ICON_SIZES, app_icon_files(), strict=True):
        image = QImage(str(path))
        _check((image.width(), image.height()) == (size, size), f"{path.name} is not {size}px")
    # The SVG needs Qt's SVG icon engine plugin: a bundle that lost it fails here.
    pixmap = QIcon(str(resource_path("icons", "tokenworth.svg"))).pixmap(64, 64)
    _check(not pixmap.isNull(), "the SVG icon cannot be drawn (Qt's SVG plugin is missing?)")
    return f"{len(ICON_SIZES)} PNG sizes and the SVG load"


def _single_instance(run: _Run) -> str:
    from tokenworth.resources import resource_path
    from tokenworth.ui.single_instance import SingleInstance

    run.app = run.app or _qapp()
    first = SingleInstance(run.data_dir)
    second = SingleInstance(run.data_dir)
    received: list[list[str]] = []
    first.files_received.connect(received.append)
    try:
        _check(first.start(), "the first launch did not become the running instance")
        _check(first.is_primary, f"cannot listen on {first.server_name}")
        sample = str(resource_path(*SAMPLE))
        _check(second.start([sample]) is False, "a second launch did not reach the first")
        _check(received == [[sample]], f"the first launch received {received}")
    finally:
        second.close()
        first.close()
    return "a second launch handed its file to the first over a local socket"
