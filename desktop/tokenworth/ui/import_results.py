"""The import results panel: each file's outcome and every refused line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.model import FileResult, ImportReport

_STATUS_TEXT = {
    "imported": "Imported",
    "unchanged": "Unchanged",
    "empty": "Empty",
    "skipped": "Skipped",
    "refused": "Refused",
    "cancelled": "Cancelled",
}


def summary_sentence(report: ImportReport) -> str:
    """One sentence about an import, for the panel and the status bar."""
    counts: dict[str, int] = {}
    for f in report.files:
        counts[f.status] = counts.get(f.status, 0) + 1
    if not report.files:
        return "No usage files were found."
    parts = [f"{n} {_STATUS_TEXT.get(s, s).lower()}" for s, n in sorted(counts.items())]
    issues = sum(len(f.issues) for f in report.files)
    text = f"{len(report.files)} files: {', '.join(parts)}; {report.events_added:,} new events"
    if issues:
        text += f"; {issues:,} {'line' if issues == 1 else 'lines'} refused"
    return text + "."


class ImportResultsPanel(QWidget):
    """A tree of files (status, new events, message) with their refused lines as children."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No import yet.")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["File", "Outcome", "New events", "Details"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        self.report: ImportReport | None = None

    def show_report(self, report: ImportReport) -> None:
        """Replace the panel's content with ``report``; problems first."""
        self.report = report
        self.tree.clear()
        order = {
            "refused": 0,
            "cancelled": 1,
            "imported": 2,
            "empty": 3,
            "skipped": 4,
            "unchanged": 5,
        }
        files = sorted(report.files, key=lambda f: (order.get(f.status, 9), -len(f.issues), f.path))
        for f in files:
            self.tree.addTopLevelItem(self._file_item(f))
        self.tree.resizeColumnToContents(1)
        self.tree.resizeColumnToContents(2)
        self.tree.setColumnWidth(0, min(420, max(200, self.tree.sizeHintForColumn(0))))
        self.summary.setText(summary_sentence(report))

    def _file_item(self, f: FileResult) -> QTreeWidgetItem:
        details = f.message or ""
        if f.issues and not details:
            n = len(f.issues)
            details = f"{n} {'line' if n == 1 else 'lines'} refused"
        item = QTreeWidgetItem(
            [f.path, _STATUS_TEXT.get(f.status, f.status), f"{f.events_added:,}", details]
        )
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setToolTip(0, f.path)
        item.setToolTip(3, details)
        item.setData(0, Qt.ItemDataRole.UserRole, f.status)
        for issue in f.issues[:500]:
            child = QTreeWidgetItem(
                [f"line {issue.line}" if issue.line else "", "", "", issue.reason]
            )
            child.setToolTip(3, issue.reason)
            item.addChild(child)
        if len(f.issues) > 500:
            item.addChild(QTreeWidgetItem(["", "", "", f"... and {len(f.issues) - 500} more"]))
        return item

    def details_text(self) -> str:
        """The whole report as plain text (file, line, reason), for copying."""
        if self.report is None:
            return ""
        lines = [summary_sentence(self.report)]
        for f in self.report.files:
            lines.append(
                f"{f.path}: {_STATUS_TEXT.get(f.status, f.status)}"
                + (f" ({f.message})" if f.message else "")
            )
            lines.extend(f"  line {i.line}: {i.reason}" for i in f.issues)
        return "\n".join(lines)

    def copy_to_clipboard(self) -> None:
        """Put the details on the clipboard."""
        QGuiApplication.clipboard().setText(self.details_text())
