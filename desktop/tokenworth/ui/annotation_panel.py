"""The side panel: what a session was and what the person writes about it, saved as they type."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer
from PySide6.QtGui import QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.model import OUTCOMES, Annotation, Session
from tokenworth.core.timeutil import local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.commands import AnnotationEditor
from tokenworth.ui.theme import tool_color

NOTE_SAVE_MS = 1200
_NEEDED = ((None, "Not said"), (True, "Yes, I'd have done it anyway"), (False, "No, only with AI"))


def parse_tags(text: str) -> list[str]:
    """Tags typed as ``bugfix, tests`` (commas or semicolons)."""
    out: list[str] = []
    for part in re.split(r"[,;]", text):
        tag = part.strip()
        if tag and tag not in out:
            out.append(tag)
    return out


def parse_minutes(text: str) -> int | None:
    """``30``, ``-15`` or nothing."""
    text = text.strip()
    try:
        return int(text) if text not in ("", "-") else None
    except ValueError:
        return None


class AnnotationPanel(QWidget):
    """Shows one session and edits its annotation through the editor (one undo step each).

    Args:
        editor: The annotation editor (journal + undo stack).
        zone: Time zone for dates.
        parent: The parent widget.
    """

    def __init__(
        self, editor: AnnotationEditor, zone: dt.tzinfo | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self.zone = zone or local_zone()
        self.session: Session | None = None
        self._loading = False
        self._dirty: set[str] = set()  # fields typed into and not yet saved

        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        placeholder = QLabel(
            "Select a session to write about it.\n\n"
            "Press 1–5 in the table to rate,\nEnter for the next unrated one."
        )
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setWordWrap(True)
        placeholder.setEnabled(False)
        self.stack.addWidget(placeholder)

        page = QWidget()
        self.stack.addWidget(page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)

        # ---- what the session was ----
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)
        self.when = QLabel()
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setEnabled(False)  # drawn in the dim text colour
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.title, self.when, self.usage, self.detail):
            layout.addWidget(w)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)

        # ---- what the person writes ----
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)

        self.goal = QLineEdit(placeholderText="What did you want to get done?")
        form.addRow("&Goal", self.goal)

        value_row = QHBoxLayout()
        value_row.setSpacing(4)
        self.value_group = QButtonGroup(self)
        self.value_group.setExclusive(False)
        self.value_buttons: list[QToolButton] = []
        for v in range(1, 6):
            b = QToolButton()
            b.setText(str(v))
            b.setCheckable(True)
            b.setToolTip(f"{v}: {fmt.VALUE_WORDS[v]}")
            b.setFixedSize(30, 26)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.value_group.addButton(b, v)
            self.value_buttons.append(b)
            value_row.addWidget(b)
        # A set rating must be seen at a glance: the checked buttons take the highlight.
        for b in self.value_buttons:
            b.setStyleSheet(
                "QToolButton { padding: 2px; border: 1px solid palette(mid);"
                " border-radius: 4px; background: palette(base); }"
                "QToolButton:checked { background: palette(highlight);"
                " color: palette(highlighted-text); border-color: palette(highlight); }"
                "QToolButton:hover:!checked { background: palette(alternate-base); }"
            )
        self.value_words = QLabel()
        self.value_words.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        value_row.addSpacing(6)
        value_row.addWidget(self.value_words, 1)
        form.addRow("Value", value_row)

        self.outcome = QComboBox()
        self.outcome.addItem("Not said", None)
        for o in OUTCOMES:
            self.outcome.addItem(fmt.OUTCOME_LABELS[o], o)
        form.addRow("&Outcome", self.outcome)
        self.outcome_note = QLineEdit(placeholderText="What came of it, in a line")
        form.addRow("", self.outcome_note)

        self.minutes = QLineEdit(placeholderText="e.g. 30, or -15 if it cost time")
        self.minutes.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"-?\d{0,5}"), self.minutes)
        )
        self.minutes.setToolTip("Minutes saved compared with doing it without AI")
        form.addRow("&Minutes saved", self.minutes)

        self.needed = QComboBox()
        for value, label in _NEEDED:
            self.needed.addItem(label, value)
        self.needed.setToolTip("Would this work have been done anyway, without AI?")
        form.addRow("Needed", self.needed)

        self.tags = QLineEdit(placeholderText="bugfix, tests, learning")
        form.addRow("&Tags", self.tags)

        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Anything worth remembering")
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(70)
        self.note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        form.addRow("N&ote", self.note)
        layout.addLayout(form, 1)

        hint = QLabel("Saved as you go. Ctrl+Z undoes, Ctrl+Shift+Z redoes.")
        hint.setEnabled(False)
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self._note_timer = QTimer(self, singleShot=True, interval=NOTE_SAVE_MS)
        self._note_timer.timeout.connect(self._save_note)
        # Text is saved only when the person changed it (textEdited, not setText): a field
        # that merely lost focus must not write a stale copy over a newer annotation.
        self._text_edits = {
            "goal": self.goal,
            "outcome_note": self.outcome_note,
            "minutes_saved": self.minutes,
            "tags": self.tags,
        }
        for name, edit in self._text_edits.items():
            edit.textEdited.connect(lambda _t, n=name: self._dirty.add(n))
            edit.editingFinished.connect(lambda n=name: self._save_text(n))
        self.value_group.idClicked.connect(self._value_clicked)
        self.outcome.activated.connect(self._save_outcome)
        self.needed.activated.connect(self._save_needed)
        self.note.textChanged.connect(self._note_typed)
        self.note.installEventFilter(self)
        editor.annotation_changed.connect(self._annotation_changed)

    # ---- showing -------------------------------------------------------------------------

    def show_session(self, session: Session | None) -> None:
        """Show ``session`` (None: the placeholder), saving any edit in progress first."""
        self.commit_pending()
        self.session = session
        if session is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self._show_header(session)
        self._load(self.editor.current(session.session_key))

    def _show_header(self, s: Session) -> None:
        color = tool_color(s.tool).name()
        kind = " · logged by hand" if s.manual else ""
        self.title.setText(
            f'<span style="color:{color}">●</span> {html.escape(s.tool)}'
            f'<span style="font-weight:normal">{html.escape(kind)}</span>'
        )
        self.when.setText(
            f"{fmt.long_date_time(s.start, self.zone)} · {fmt.duration(s.duration_minutes)}"
        )
        usage = f"<b>{fmt.tokens(s.total_tokens, estimated=s.estimated)}</b> tokens"
        if s.cost_usd is not None:
            usage += f" · {html.escape(fmt.cost(s.cost_usd))}"  # "< $0.01" is not a tag
        usage += f" · {s.events:,} call{'s' if s.events != 1 else ''}"
        self.usage.setText(usage)
        parts = []
        if s.models:
            parts.append(", ".join(s.models))
        if s.project:
            parts.append(s.project + (f" ({s.git_branch})" if s.git_branch else ""))
        parts.append(
            f"input {fmt.compact_tokens(s.input_tokens)} · cache write "
            f"{fmt.compact_tokens(s.cache_creation_tokens)} · cache read "
            f"{fmt.compact_tokens(s.cache_read_tokens)} · output "
            f"{fmt.compact_tokens(s.output_tokens)}"
        )
        if s.estimated:
            parts.append("Token counts are estimates.")
        self.detail.setText("\n".join(parts))
        self.detail.setToolTip(s.session_key)

    def _load(self, a: Annotation | None, *, keep_typed: bool = False) -> None:
        """Put the stored annotation into the fields without saving anything.

        Args:
            a: The stored annotation (None: nothing written yet).
            keep_typed: Leave fields with unsaved typing alone (a reload of the same
                session after another field was saved, undone or redone).
        """
        if not keep_typed:
            self._dirty.clear()
            self._note_timer.stop()
        keep = self._dirty if keep_typed else set()
        self._loading = True
        try:
            a = a or Annotation(session_key="")
            texts = {
                "goal": a.goal or "",
                "outcome_note": a.outcome_note or "",
                "minutes_saved": "" if a.minutes_saved is None else str(a.minutes_saved),
                "tags": ", ".join(a.tags),
            }
            for name, text in texts.items():
                if name not in keep:
                    _set_text(self._text_edits[name], text)
            self._show_value(a.value)
            self.outcome.setCurrentIndex(max(self.outcome.findData(a.outcome), 0))
            self.needed.setCurrentIndex(
                next(i for i, (v, _) in enumerate(_NEEDED) if v is a.needed)
            )
            if "note" not in keep and self.note.toPlainText() != (a.note or ""):
                self.note.setPlainText(a.note or "")
        finally:
            self._loading = False

    def _show_value(self, value: int | None) -> None:
        for i, b in enumerate(self.value_buttons, start=1):
            b.setChecked(value is not None and i <= value)
        self.value_words.setText(fmt.VALUE_WORDS[value] if value else "Not rated")

    def _annotation_changed(self, session_key: str) -> None:
        if self.session is not None and session_key == self.session.session_key:
            self._load(self.editor.current(session_key), keep_typed=True)

    # ---- saving --------------------------------------------------------------------------

    def _change(self, text: str, **fields: Any) -> None:
        if self._loading or self.session is None:
            return
        self.editor.change(self.session.session_key, text, **fields)

    def _value_clicked(self, value: int) -> None:
        if self.session is None:
            return
        current = self.editor.current(self.session.session_key)
        old = current.value if current else None
        # Clicking the value that is set clears it.
        self._change(
            "Clear rating" if old == value else f"Rate {value}",
            value=None if old == value else value,
        )
        # Buttons toggle themselves on click; show what is stored.
        self._load(self.editor.current(self.session.session_key), keep_typed=True)

    def _save_outcome(self) -> None:
        self._change("Set outcome", outcome=self.outcome.currentData())

    def _save_needed(self) -> None:
        self._change("Set needed", needed=self.needed.currentData())

    _TEXT_LABELS: ClassVar[dict[str, str]] = {
        "goal": "Edit goal",
        "outcome_note": "Edit outcome note",
        "minutes_saved": "Edit minutes saved",
        "tags": "Edit tags",
        "note": "Edit note",
    }

    def _field_value(self, name: str) -> Any:
        if name == "minutes_saved":
            return parse_minutes(self.minutes.text())
        if name == "tags":
            return parse_tags(self.tags.text())
        if name == "note":
            return self.note.toPlainText().strip() or None
        return self._text_edits[name].text().strip() or None

    def _save_text(self, name: str) -> None:
        if name not in self._dirty:
            return
        self._dirty.discard(name)
        self._change(self._TEXT_LABELS[name], **{name: self._field_value(name)})

    def _note_typed(self) -> None:
        if not self._loading:
            self._dirty.add("note")
            self._note_timer.start()

    def _save_note(self) -> None:
        self._note_timer.stop()
        self._save_text("note")

    def commit_pending(self) -> None:
        """Save what was typed but not yet saved (before switching session or closing)."""
        self._note_timer.stop()
        if self.session is None or self._loading or not self._dirty:
            return
        fields = {name: self._field_value(name) for name in sorted(self._dirty)}
        self._dirty.clear()
        text = self._TEXT_LABELS[next(iter(fields))] if len(fields) == 1 else "Edit annotation"
        self._change(text, **fields)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Save the note when it loses focus."""
        if (
            watched is self.note
            and event.type() == QEvent.Type.FocusOut
            and self._note_timer.isActive()
        ):
            self._save_note()
        return super().eventFilter(watched, event)


def _set_text(edit: QLineEdit, text: str) -> None:
    if edit.text() != text:
        edit.setText(text)
        edit.setCursorPosition(0)
