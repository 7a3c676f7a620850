"""Message boxes behind classmethods, so tests can replace them instead of clicking."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from tokenworth import APP_NAME


class Notice:
    """Every message box the app shows. Tests replace these classmethods."""

    @classmethod
    def error(cls, parent: QWidget | None, text: str) -> None:
        """A problem the person can act on, in one or two sentences."""
        QMessageBox.warning(parent, APP_NAME, text)

    @classmethod
    def info(cls, parent: QWidget | None, title: str, text: str) -> None:
        """Plain information (About, shortcuts)."""
        QMessageBox.information(parent, title, text)

    @classmethod
    def crash(cls, parent: QWidget | None, summary: str, details: str) -> None:
        """A bug: say what happened, that the journal is safe, and offer the details."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(f"{APP_NAME}: something went wrong")
        box.setText(summary)
        box.setInformativeText(
            "Your journal is safe: every change is saved as you make it. "
            "The details below help to report the problem."
        )
        box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.exec()
