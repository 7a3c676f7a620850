"""Any other CSV: map its columns to usage fields, preview the result, save it as a preset."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.errors import TokenworthError
from tokenworth.core.importers import presets
from tokenworth.core.store import Journal

_FIELD_LABELS = {
    "timestamp": "Time",
    "model": "Model",
    "input_tokens": "Input tokens",
    "output_tokens": "Output tokens",
    "cache_read_tokens": "Cache reads",
    "cache_creation_tokens": "Cache writes",
    "reasoning_tokens": "Reasoning tokens",
    "total_tokens": "Total tokens",
    "cost_usd": "Cost (USD)",
    "session": "Session / conversation",
    "project": "Project",
    "request_id": "Request id",
}
_NONE = "(not in this file)"
_PREVIEW_COLUMNS = ("ts", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cost_usd")


class CsvMappingDialog(QDialog):
    """Which column holds what, for a CSV no built-in format knows.

    Args:
        journal: Where the preset is saved (``csv_preset:<name>`` in its settings).
        path: The CSV to map; its header fills the choices and its rows the preview.
    """

    def __init__(self, journal: Journal, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.journal = journal
        self.path = Path(path)
        self.preset: presets.Preset | None = None
        self.setWindowTitle(f"Columns of {self.path.name}")
        self.header = presets.read_header(self.path)
        guess = presets.guess_columns(self.header)

        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.path.stem).strip("-").lower()
        self.name = QLineEdit(stem or "my-csv")
        self.name.setToolTip("Use it later with: tokenworth import FILE --format csv:NAME")
        self.tool = QLineEdit("csv")
        self.tool.setToolTip("The tool these rows come from, as the journal shows it")
        self.includes_cache = QCheckBox("Input counts cached tokens too (OpenAI's convention)")
        self.daily = QCheckBox("Rows are daily totals (a later file replaces the same days)")

        form = QFormLayout()
        form.addRow("Preset &name", self.name)
        form.addRow("&Tool", self.tool)
        self.boxes: dict[str, QComboBox] = {}
        for field in presets.FIELDS:
            box = QComboBox()
            box.addItem(_NONE, "")
            for column in self.header:
                box.addItem(column, column)
            if guess.get(field):
                box.setCurrentIndex(box.findData(guess[field]))
            box.currentIndexChanged.connect(self._update_preview)
            self.boxes[field] = box
            form.addRow(_FIELD_LABELS.get(field, field), box)
        form.addRow(self.includes_cache)
        form.addRow(self.daily)
        for w in (self.tool, self.name):
            w.textChanged.connect(self._update_preview)
        for c in (self.includes_cache, self.daily):
            c.toggled.connect(self._update_preview)

        self.preview = QTableWidget(0, len(_PREVIEW_COLUMNS))
        self.preview.setHorizontalHeaderLabels(
            ["Time (UTC)", "Model", "Input", "Output", "Cache reads", "Cost"]
        )
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview.verticalHeader().hide()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save and import")
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        left = QWidget()
        left.setLayout(form)
        right = QVBoxLayout()
        right.addWidget(QLabel("What the import would read (first rows):"))
        right.addWidget(self.preview, 1)
        right.addWidget(self.problem)
        row = QHBoxLayout()
        row.addWidget(left)
        row.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.resize(900, 520)
        self._update_preview()

    def current_preset(self) -> presets.Preset:
        """The preset as the form says now (not validated)."""
        columns = {f: str(b.currentData()) for f, b in self.boxes.items() if b.currentData()}
        return presets.Preset(
            name=self.name.text().strip(),
            columns=columns,
            tool=self.tool.text().strip() or "csv",
            input_includes_cache=self.includes_cache.isChecked(),
            daily=self.daily.isChecked(),
        )

    def _update_preview(self) -> None:
        self.preview.setRowCount(0)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        try:
            preset = self.current_preset().validate()
            events, issues = presets.preview(self.path, preset, 20)
        except (TokenworthError, OSError, ValueError) as err:
            self.problem.setText(str(err))
            save.setEnabled(False)
            return
        for ev in events:
            r = self.preview.rowCount()
            self.preview.insertRow(r)
            values = [
                ev.ts,
                ev.model or "",
                f"{ev.input_tokens:,}",
                f"{ev.output_tokens:,}",
                f"{ev.cache_read_tokens:,}",
                "" if ev.cost_usd is None else f"${ev.cost_usd:,.4f}",
            ]
            for c, text in enumerate(values):
                self.preview.setItem(r, c, QTableWidgetItem(text))
        if issues:
            self.problem.setText(f"This file would be refused: {issues[0]}")
        elif not events:
            self.problem.setText("No row gives a time and tokens with this mapping.")
        else:
            self.problem.setText("")
        save.setEnabled(bool(events) and not issues)

    def _save(self) -> None:
        try:
            self.preset = presets.save_preset(self.journal, self.current_preset())
        except TokenworthError as err:
            self.problem.setText(str(err))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, journal: Journal, path: Path) -> presets.Preset | None:
        """Show the dialog; the saved preset, or None. Tests replace this."""
        dialog = cls(journal, path, parent)
        try:
            dialog.exec()
            return dialog.preset
        finally:
            dialog.deleteLater()
