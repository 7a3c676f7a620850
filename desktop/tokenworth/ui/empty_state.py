"""What a new journal shows: what Tokenworth is for and the first thing to do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """A centred welcome with one button per way to fill the journal.

    Buttons are added with ``add_action`` (the import UI adds "Import usage…" there).

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Your AI journal is empty")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Tokenworth keeps a short, private note for each AI session: what you set out "
            "to do, what came of it, and whether it was worth the tokens. "
            "Everything stays in one file on this computer."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A wrapped label in a centred layout needs a width, or Qt squeezes it to one word.
        text.setFixedWidth(540)
        text.setMinimumHeight(text.heightForWidth(540))
        self.next_step = QLabel("Start by logging a session by hand, or look around the demo.")
        self.next_step.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_step.setEnabled(False)

        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(10)
        self.buttons.addStretch(1)
        self.buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addSpacing(10)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(18)
        layout.addLayout(self.buttons)
        layout.addSpacing(8)
        layout.addWidget(self.next_step)
        layout.addStretch(3)

    def add_action(
        self,
        text: str,
        callback: Callable[[], object],
        *,
        tooltip: str = "",
        primary: bool = False,
        position: int | None = None,
    ) -> QPushButton:
        """Add a button (``position`` counts buttons from the left; default: last)."""
        button = QPushButton(text)
        button.setMinimumHeight(34)
        button.setMinimumWidth(150)
        button.setToolTip(tooltip)
        button.setDefault(primary)
        button.clicked.connect(lambda _checked=False: callback())
        count = self.buttons.count() - 2  # buttons between the two stretches
        index = count if position is None else max(0, min(position, count))
        self.buttons.insertWidget(1 + index, button)
        return button
