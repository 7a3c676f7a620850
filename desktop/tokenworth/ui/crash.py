"""sys.excepthook for the window: a bug becomes a dialog that says what happened."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QWidget

from tokenworth.core.errors import TokenworthError
from tokenworth.ui.notice import Notice

log = logging.getLogger(__name__)

_Hook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class CrashHandler:
    """Shows uncaught exceptions from Qt slots and virtual methods in a dialog.

    A ``TokenworthError`` is the environment's fault (one sentence, a warning); anything
    else is a bug (summary, reassurance, traceback in the details). Every exception is
    also written to stderr.

    Args:
        parent: Returns the widget to put the dialog over (or None).
        quiet: Print only, never open a dialog (screenshots, scripted runs).
    """

    def __init__(
        self, parent: Callable[[], QWidget | None] = lambda: None, *, quiet: bool = False
    ) -> None:
        self._parent = parent
        self._quiet = quiet
        self._previous: _Hook | None = None
        self._busy = False
        self.seen: list[BaseException] = []

    def install(self) -> CrashHandler:
        """Become ``sys.excepthook`` (keeping the old one for ``uninstall``)."""
        self._previous = sys.excepthook
        sys.excepthook = self.handle
        return self

    def uninstall(self) -> None:
        """Put the previous hook back."""
        if self._previous is not None and sys.excepthook == self.handle:
            sys.excepthook = self._previous
        self._previous = None

    def handle(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        """The hook itself."""
        if issubclass(kind, KeyboardInterrupt):
            if self._previous is not None:
                self._previous(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(details)
        self.seen.append(error)
        if self._quiet or self._busy:
            return
        self._busy = True  # an error inside the dialog must not open another one
        try:
            parent = self._parent()
            if isinstance(error, TokenworthError):
                Notice.error(parent, str(error))
            else:
                summary = (
                    f"Tokenworth hit a bug and could not finish what you asked: "
                    f"{kind.__name__}: {error}"
                )
                Notice.crash(parent, summary, details)
        except Exception:
            log.exception("the crash dialog failed")
        finally:
            self._busy = False
