"""The "New entry" dialog: log by hand a session that no tool recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QDate, QDateTime, QRegularExpression, QTime
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.model import OUTCOMES, Annotation
from tokenworth.core.timeutil import local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.annotation_panel import parse_tags

COMMON_TOOLS = (
    "chatgpt",
    "claude-ai",
    "claude-code",
    "codex",
    "copilot-cli",
    "cursor",
    "gemini-cli",
    "manual",
)


@dataclass(slots=True)
class NewEntry:
    """What the person typed: the arguments of ``Journal.create_manual_session``."""

    tool: str
    start: dt.datetime
    minutes: int
    tokens: int | None = None
    model: str | None = None
    project: str | None = None
    goal: str | None = None
    outcome: str | None = None
    value: int | None = None
    tags: list[str] = field(default_factory=list)

    def annotation(self) -> Annotation | None:
        """The annotation to store with the session, if anything was written."""
        a = Annotation(
            session_key="", goal=self.goal, outcome=self.outcome, value=self.value, tags=self.tags
        )
        return None if a.is_empty() else a


class NewEntryDialog(QDialog):
    """Asks for tool, start, minutes, tokens, model, project, goal, outcome and value.

    Args:
        tools: Tools already in the journal (offered first).
        projects: Projects already in the journal.
        zone: Time zone of the start field.
        parent: The parent widget.
    """

    def __init__(
        self,
        tools: Sequence[str] = (),
        projects: Sequence[str] = (),
        zone: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New entry")
        self.zone = zone or local_zone()
        self.setMinimumWidth(420)

        intro = QLabel("Log a session that no tool recorded, such as a chat on your phone.")
        intro.setWordWrap(True)

        self.tool = QComboBox(editable=True)
        for t in dict.fromkeys([*tools, *COMMON_TOOLS]):
            self.tool.addItem(t)
        self.tool.setCurrentText("manual")
        self.minutes = QSpinBox(minimum=0, maximum=24 * 60, singleStep=5, suffix=" min")
        self.minutes.setValue(30)
        self.start = QDateTimeEdit(calendarPopup=True, displayFormat="d MMM yyyy  HH:mm")
        now = dt.datetime.now(self.zone).replace(second=0, microsecond=0)
        self.start.setDateTime(_to_qdatetime(now - dt.timedelta(minutes=30)))
        self.tokens = QLineEdit(placeholderText="unknown")
        self.tokens.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[\d,_ ]{0,15}"), self.tokens)
        )
        self.model = QLineEdit(placeholderText="optional, e.g. gpt-5")
        self.project = QComboBox(editable=True)
        self.project.addItem("")
        self.project.addItems(list(projects))
        self.goal = QLineEdit(placeholderText="What did you want to get done?")
        self.outcome = QComboBox()
        self.outcome.addItem("Not said", None)
        for o in OUTCOMES:
            self.outcome.addItem(fmt.OUTCOME_LABELS[o], o)
        self.value = QComboBox()
        self.value.addItem("Not rated", None)
        for v in range(1, 6):
            self.value.addItem(f"{v}  {fmt.VALUE_WORDS[v]}", v)
        self.tags = QLineEdit(placeholderText="writing, research")

        form = QFormLayout()
        form.addRow("&Tool", self.tool)
        form.addRow("&Start", self.start)
        form.addRow("&Length", self.minutes)
        form.addRow("To&kens", self.tokens)
        form.addRow("&Model", self.model)
        form.addRow("&Project", self.project)
        form.addRow("&Goal", self.goal)
        form.addRow("&Outcome", self.outcome)
        form.addRow("&Value", self.value)
        form.addRow("T&ags", self.tags)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add entry")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.goal.setFocus()

    def entry(self) -> NewEntry:
        """What the fields say now."""
        digits = "".join(c for c in self.tokens.text() if c.isdigit())
        qd, qt = self.start.date(), self.start.time()
        start = dt.datetime(
            qd.year(), qd.month(), qd.day(), qt.hour(), qt.minute(), tzinfo=self.zone
        )
        return NewEntry(
            tool=self.tool.currentText().strip() or "manual",
            start=start,
            minutes=self.minutes.value(),
            tokens=int(digits) if digits else None,
            model=self.model.text().strip() or None,
            project=self.project.currentText().strip() or None,
            goal=self.goal.text().strip() or None,
            outcome=self.outcome.currentData(),
            value=self.value.currentData(),
            tags=parse_tags(self.tags.text()),
        )

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        *,
        tools: Sequence[str] = (),
        projects: Sequence[str] = (),
        zone: dt.tzinfo | None = None,
    ) -> NewEntry | None:
        """Show the dialog; the entry, or None when cancelled. Tests replace this."""
        dialog = cls(tools, projects, zone, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.entry()
        finally:
            dialog.deleteLater()


def _to_qdatetime(value: dt.datetime) -> QDateTime:
    # The field shows wall-clock time in our zone; entry() reads it back in the same zone.
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))
