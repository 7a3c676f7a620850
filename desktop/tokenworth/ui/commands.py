"""Annotation edits as undo commands: every change is saved at once and can be undone."""

from __future__ import annotations

import copy
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from tokenworth.core.errors import TokenworthError
from tokenworth.core.model import Annotation
from tokenworth.core.store import Journal

log = logging.getLogger(__name__)


def same_annotation(a: Annotation | None, b: Annotation | None) -> bool:
    """True when two annotations say the same thing (ignoring when they were written)."""
    empty_a = a is None or a.is_empty()
    empty_b = b is None or b.is_empty()
    if empty_a or empty_b:
        return empty_a and empty_b
    assert a is not None and b is not None
    fields = ("goal", "outcome", "outcome_note", "value", "minutes_saved", "needed", "note")
    same_fields = all(_norm(getattr(a, f)) == _norm(getattr(b, f)) for f in fields)
    return same_fields and list(a.tags) == list(b.tags)


def _norm(value: object) -> object:
    # An empty string and None both mean "not written"; 0 and False are real answers.
    return None if value == "" else value


def clone(a: Annotation | None, session_key: str) -> Annotation:
    """A copy of ``a`` that can be changed freely (an empty one when ``a`` is None)."""
    if a is None:
        return Annotation(session_key=session_key)
    out = copy.copy(a)
    out.tags = list(a.tags)
    return out


class AnnotationEditor(QObject):
    """The one way the window changes annotations: write now, push an undo command.

    Args:
        journal: The journal (GUI thread).
        undo_stack: Where each edit goes as one command.
        parent: The owning QObject.
    """

    annotation_changed = Signal(str)  # session_key, after an edit, undo or redo
    failed = Signal(str)  # one sentence for the person

    def __init__(self, journal: Journal, undo_stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.journal = journal
        self.undo_stack = undo_stack

    def current(self, session_key: str) -> Annotation | None:
        """The stored annotation of a session."""
        try:
            return self.journal.annotation(session_key)
        except TokenworthError as err:
            self.failed.emit(str(err))
            return None

    def change(self, session_key: str, text: str, **fields: object) -> bool:
        """Change some fields of a session's annotation as one undoable edit.

        Args:
            session_key: The session.
            text: What the edit is called in the Edit menu ("Rate 4", "Edit goal").
            **fields: Annotation fields and their new values.

        Returns:
            True when something was saved.
        """
        before = self.current(session_key)
        after = clone(before, session_key)
        for name, value in fields.items():
            setattr(after, name, value)
        return self.replace(before, after, text)

    def rate(self, session_key: str, value: int | None) -> bool:
        """Set (or with None clear) the value of a session."""
        text = f"Rate {value}" if value is not None else "Clear rating"
        return self.change(session_key, text, value=value)

    def replace(self, before: Annotation | None, after: Annotation, text: str) -> bool:
        """Store ``after`` in place of ``before`` and push the undo command."""
        if same_annotation(before, after):
            return False
        if not self._write(after):
            return False
        self.undo_stack.push(_AnnotationCommand(self, before, after, text))
        return True

    def _write(self, annotation: Annotation) -> bool:
        try:
            # set_annotation stamps updated_at on what it is given: give it a copy.
            self.journal.set_annotation(clone(annotation, annotation.session_key))
        except TokenworthError as err:
            self.failed.emit(str(err))
            # Views reload from the journal, which still holds the old annotation.
            self.annotation_changed.emit(annotation.session_key)
            return False
        self.annotation_changed.emit(annotation.session_key)
        return True


class _AnnotationCommand(QUndoCommand):
    """One edit: ``undo`` writes the old annotation back, ``redo`` the new one."""

    def __init__(
        self, editor: AnnotationEditor, before: Annotation | None, after: Annotation, text: str
    ) -> None:
        super().__init__(text)
        self._editor = editor
        self._key = after.session_key
        self._before = clone(before, self._key)
        self._after = clone(after, self._key)
        self._pushed = False

    def redo(self) -> None:
        """Write the new annotation (skipped on push: the editor has already written it)."""
        if not self._pushed:
            self._pushed = True
            return
        self._editor._write(self._after)

    def undo(self) -> None:
        """Write the old annotation back (an empty one removes the row)."""
        self._editor._write(self._before)


class NewEntryCommand(QUndoCommand):
    """A session logged by hand: ``undo`` removes it (and its note), ``redo`` logs it again.

    Args:
        window: Anything with ``journal``, ``journal_changed()`` and ``_error(text)``.
        key: The key the entry was created with; redo reuses it.
        fields: The create_manual_session arguments.
        annotation: What was written with it.
    """

    def __init__(
        self, window: Any, key: str, fields: dict[str, Any], annotation: Annotation
    ) -> None:
        super().__init__(f"new {fields['tool']} entry")
        self._window = window
        self._key = key
        self._fields = fields
        self._annotation = clone(annotation, key)
        self._pushed = False

    def redo(self) -> None:
        """Log the entry again (skipped on push: it was just created)."""
        if not self._pushed:
            self._pushed = True
            return
        try:
            self._window.journal.create_manual_session(
                **self._fields, annotation=clone(self._annotation, self._key), session_key=self._key
            )
        except TokenworthError as err:
            self._window._error(str(err))
        self._window.journal_changed()

    def undo(self) -> None:
        """Remove the entry and what was written about it."""
        journal = self._window.journal
        try:
            with journal.transaction():
                journal.delete_manual_session(self._key)
                journal.set_annotation(Annotation(session_key=self._key))
        except TokenworthError as err:
            self._window._error(str(err))
        self._window.journal_changed()
