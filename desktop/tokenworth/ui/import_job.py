"""Imports in a worker thread, with progress, Cancel, and the report delivered on the GUI thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from tokenworth.core.errors import TokenworthError
from tokenworth.core.model import ImportReport

log = logging.getLogger(__name__)


class ImportJob(QThread):
    """Runs ``import_paths`` (or ``scan``) on its own journal connection.

    Signals are emitted from the worker thread and delivered queued to receivers on the
    GUI thread. The window never waits on the job: it listens.

    Args:
        data_dir: The journal's folder (the job opens its own connection there).
        paths: Files and folders to import; empty with ``scan=True``.
        fmt: Force one format.
        scan: Import the default log folders instead of ``paths``.
    """

    progressed = Signal(int, int, str)  # bytes done, bytes total, current file
    succeeded = Signal(object)  # ImportReport
    failed = Signal(str)  # one sentence

    def __init__(
        self,
        data_dir: Path,
        paths: Sequence[Path] = (),
        *,
        fmt: str | None = None,
        scan: bool = False,
        parent: object = None,
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.data_dir = Path(data_dir)
        self.paths = [Path(p) for p in paths]
        self.fmt = fmt
        self.scan = scan
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self.report: ImportReport | None = None

    def cancel(self) -> None:
        """Ask the job to stop; the file being read is rolled back."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once Cancel was asked for."""
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if now - self._last_emit >= 0.05 or done >= total:
            self._last_emit = now
            self.progressed.emit(done, total, path)

    def run(self) -> None:
        """Import on the worker thread (QThread override)."""
        from tokenworth.core.importers.runner import import_paths, scan
        from tokenworth.core.store import open_journal

        try:
            with open_journal(self.data_dir) as journal:
                if self.scan:
                    report, _roots = scan(
                        journal, progress=self._progress, cancel=self._cancel.is_set
                    )
                else:
                    report = import_paths(
                        journal,
                        self.paths,
                        fmt=self.fmt,
                        progress=self._progress,
                        cancel=self._cancel.is_set,
                    )
        except TokenworthError as err:
            self.failed.emit(str(err))
            return
        except Exception as err:  # a bug: say so in a sentence, keep the traceback in the log
            log.exception("import failed")
            self.failed.emit(f"The import stopped because of an internal error ({err}).")
            return
        self.report = report
        self.succeeded.emit(report)
