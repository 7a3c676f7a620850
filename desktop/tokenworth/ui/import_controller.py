"""Importing from the window: menu actions, drag and drop, progress with Cancel, results dock."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from tokenworth.core.errors import TokenworthError
from tokenworth.core.model import ImportReport
from tokenworth.ui.import_job import ImportJob
from tokenworth.ui.import_results import ImportResultsPanel, summary_sentence

if TYPE_CHECKING:
    from tokenworth.ui.main_window import MainWindow


class ImportProgress(QWidget):
    """The status bar's progress: what is being read, how far, and Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; the file being read is left out entirely (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)

    def show_progress(self, done: int, total: int, path: str) -> None:
        """Update the bar; ``path`` is the file being read."""
        self.bar.setValue(int(1000 * done / total) if total else 0)
        self.bar.setFormat(f"{done / 1e6:,.0f} of {total / 1e6:,.0f} MB")
        name = Path(path).name if path else ""
        self.label.setText(f"Importing {name}" if name else "Importing…")


class ImportController(QObject):
    """Owns the import actions of one main window and the import running for it.

    Args:
        window: The main window; its journal's folder is where imports write.
        file_dialog: Replaced in tests: ``(parent, folder: bool) -> list[Path]``.
    """

    finished = Signal(object)  # ImportReport, after the window has re-read the journal
    failed = Signal(str)

    def __init__(self, window: MainWindow, file_dialog=None, csv_dialog=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(window)
        self._ask_csv = csv_dialog or _ask_csv
        self.window = window
        self.data_dir = window.journal.path.parent
        self.job: ImportJob | None = None
        self._report: ImportReport | None = None
        self._ask_paths = file_dialog or _ask_paths

        self.import_files_action = QAction("&Import files…", window)
        self.import_files_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_files_action.setStatusTip(
            "Import usage logs or exports (you can also drop them here)"
        )
        self.import_files_action.triggered.connect(lambda: self._choose(folder=False))
        self.import_folder_action = QAction("Import a &folder…", window)
        self.import_folder_action.triggered.connect(lambda: self._choose(folder=True))
        self.import_csv_action = QAction("Import a CSV with a column &mapping…", window)
        self.import_csv_action.setStatusTip(
            "For a CSV no built-in format knows: say which column holds what, once"
        )
        self.import_csv_action.triggered.connect(lambda: self.import_csv_with_mapping())
        self.scan_action = QAction("&Scan my machine", window)
        self.scan_action.setShortcut(QKeySequence("Ctrl+R"))
        self.scan_action.setStatusTip(
            "Import the logs of Claude Code, Codex, Gemini CLI and Copilot CLI from their folders"
        )
        self.scan_action.triggered.connect(self.scan)
        self.cancel_action = QAction("Cancel import", window)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self.cancel)
        window.addAction(self.cancel_action)

        menu = window.file_menu
        for action in self._start_actions():
            menu.insertAction(window.import_anchor, action)

        self.progress = ImportProgress()
        self.progress.cancel_button.clicked.connect(self.cancel)
        self.progress.hide()
        window.statusBar().addPermanentWidget(self.progress)

        self.results = ImportResultsPanel()
        self.dock = QDockWidget("Import results", window)
        self.dock.setObjectName("import_results_dock")
        self.dock.setWidget(self.results)
        window.add_dock(self.dock)
        self.dock.hide()
        self.results_action = self.dock.toggleViewAction()
        self.results_action.setText("Import &results")
        window.view_menu.addAction(self.results_action)

        window.empty_state.add_action(
            "Scan my machine", self.scan, tooltip="Find the logs your AI tools keep (Ctrl+R)"
        )
        window.empty_state.add_action("Import files…", lambda: self._choose(folder=False))
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    # ---- starting and stopping ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while an import runs."""
        return self.job is not None

    def import_paths(self, paths: Sequence[Path]) -> bool:
        """Import files and folders in the background; False if one is already running."""
        if not paths:
            return False
        return self._start(ImportJob(self.data_dir, list(paths)))

    def _start_actions(self) -> tuple[QAction, ...]:
        return (
            self.import_files_action,
            self.import_folder_action,
            self.import_csv_action,
            self.scan_action,
        )

    def import_csv_with_mapping(self, path: Path | None = None) -> bool:
        """Ask for a CSV, map its columns (saved as a preset), then import it with them."""
        from tokenworth.ui.csv_mapping_dialog import CsvMappingDialog

        if path is None:
            chosen = self._ask_csv(self.window)
            if chosen is None:
                return False
            path = chosen
        try:
            preset = CsvMappingDialog.ask(self.window, self.window.journal, path)
        except (TokenworthError, OSError) as err:
            self.window._error(f"{path.name}: {err}")
            return False
        if preset is None:
            return False
        return self._start(ImportJob(self.data_dir, [path], fmt=f"csv:{preset.name}"))

    def scan(self) -> bool:
        """Import the default log folders in the background."""
        return self._start(ImportJob(self.data_dir, scan=True))

    def cancel(self) -> None:
        """Stop the running import; the file being read is rolled back."""
        if self.job is not None:
            self.job.cancel()
            self.progress.label.setText("Cancelling…")
            self.progress.cancel_button.setEnabled(False)

    def wait(self, ms: int = 10_000) -> None:
        """Cancel and wait for the worker (when the window closes)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(ms)

    def _start(self, job: ImportJob) -> bool:
        if self.job is not None:
            self.window.statusBar().showMessage(
                "An import is already running; wait for it or press Cancel.", 5000
            )
            return False
        self.job = job
        job.progressed.connect(self.progress.show_progress)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.finished.connect(self._job_done)
        for action in self._start_actions():
            action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        self.progress.show_progress(0, 0, "")
        self.progress.cancel_button.setEnabled(True)
        self.progress.show()
        job.start()
        return True

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        self.progress.hide()
        self.cancel_action.setEnabled(False)
        for action in self._start_actions():
            action.setEnabled(True)
        report, self._report = self._report, None
        if report is not None:
            self.finished.emit(report)

    def _succeeded(self, report: ImportReport) -> None:
        self.window.journal_changed()
        self.results.show_report(report)
        text = summary_sentence(report)
        problems = any(f.status in ("refused", "cancelled") or f.issues for f in report.files)
        if problems or not report.files:
            self.dock.show()
            self.dock.raise_()
        self.window.statusBar().showMessage(text, 15_000)
        self._report = report

    def _failed(self, message: str) -> None:
        self.window._error(message)  # the window's one way of saying what went wrong
        self.failed.emit(message)

    def _choose(self, folder: bool) -> None:
        paths = self._ask_paths(self.window, folder)
        if paths:
            self.import_paths(paths)

    # ---- drag and drop -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Accept files and folders dropped anywhere on the window."""
        try:
            if isinstance(event, QDragEnterEvent) and _local_paths(event.mimeData().urls()):
                event.acceptProposedAction()
                return True
            if isinstance(event, QDropEvent):
                paths = _local_paths(event.mimeData().urls())
                if paths:
                    event.acceptProposedAction()
                    self.import_paths(paths)
                    return True
        except Exception:  # never let an exception escape into Qt's event loop
            return False
        return False


def _local_paths(urls: Sequence[QUrl]) -> list[Path]:
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and u.toLocalFile()]


def _ask_csv(parent: QWidget) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Import a CSV with a column mapping", "", "CSV files (*.csv *.tsv *.txt)"
    )
    return Path(chosen) if chosen else None


def _ask_paths(parent: QWidget, folder: bool) -> list[Path]:
    if folder:
        chosen = QFileDialog.getExistingDirectory(parent, "Import a folder of usage logs")
        return [Path(chosen)] if chosen else []
    files, _ = QFileDialog.getOpenFileNames(
        parent,
        "Import usage logs or exports",
        "",
        "Usage files (*.jsonl *.json *.csv *.zip);;All files (*)",
    )
    return [Path(f) for f in files]
