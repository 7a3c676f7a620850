"""Run a function on a thread pool and deliver its result or error on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class Task(QObject):
    """A submitted call; ``finished`` or ``failed`` arrives on the thread that created it.

    The signals live on this QObject (created on the GUI thread), so Qt queues them
    across threads, as superqt's workers do.
    """

    finished = Signal(object)  # the function's result
    failed = Signal(object)  # the exception it raised

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        """Drop the result when it comes (the function itself runs to its end)."""
        self.cancelled = True


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        task = self._task
        try:
            result = task._fn()
        except BaseException as err:  # delivered to the GUI thread, never lost in Qt
            log.debug("task failed", exc_info=True)
            self._deliver(task.failed, err)
            return
        self._deliver(task.finished, result)

    def _deliver(self, signal: Any, value: object) -> None:
        if self._task.cancelled:
            return
        try:
            signal.emit(value)
        except RuntimeError:
            # The task's owner (a closed window) was deleted meanwhile: nobody is waiting.
            log.debug("result dropped: its receiver is gone")


def submit(
    pool: QThreadPool,
    fn: Callable[[], Any],
    on_finished: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    parent: QObject | None = None,
) -> Task:
    """Start ``fn()`` on ``pool``; its result or error goes to the callbacks.

    Args:
        pool: The thread pool to run on.
        fn: The work; it must open its own journal (connections are per thread).
        on_finished: Called on this thread with the result.
        on_failed: Called on this thread with the exception.
        parent: Owner of the returned task.

    Returns:
        The task, to cancel it.
    """
    task = Task(fn, parent)
    # Connected before the work starts: a signal emitted with no receiver is lost.
    task.finished.connect(on_finished)
    task.failed.connect(on_failed)
    runnable = _Runnable(task)
    runnable.setAutoDelete(True)
    pool.start(runnable)
    return task
