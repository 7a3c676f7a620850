"""The "Export report" dialog: pick a period, filters and options, preview, then save."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tokenworth import APP_NAME
from tokenworth.core import analytics
from tokenworth.core.report import FORMATS, Report, ReportOptions, build_report, render_text
from tokenworth.core.report import write_atomic as _write_atomic
from tokenworth.core.store import Journal
from tokenworth.core.timeutil import local_zone
from tokenworth.ui.notice import Notice

FORMAT_LABELS = {
    "html": "HTML page (charts, opens in any browser)",
    "pdf": "PDF document",
    "csv": "CSV table (one row per session)",
    "json": "JSON (the whole report as data)",
    "md": "Markdown (summary and tables)",
}
FILE_FILTERS = {
    "html": "HTML page (*.html)",
    "pdf": "PDF document (*.pdf)",
    "csv": "CSV table (*.csv)",
    "json": "JSON (*.json)",
    "md": "Markdown (*.md)",
}
PERIOD_MONTH, PERIOD_RANGE, PERIOD_ALL = "month", "range", "all"
PREVIEW_DELAY_MS = 150  # typing in a field rebuilds the preview once it pauses
PREVIEW_CHART_WIDTH = 560
ANY = ""  # the item data of "All tools" / "Any tag"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class ReportDialog(QDialog):
    """Build a report of the journal, show it, and save it in the chosen format.

    Args:
        journal: The journal to report on (read on the GUI thread; one month is quick).
        settings: Where the last choices (format, options, folder) are remembered.
        zone: The time zone of dates and weeks (default: the system's).
        today: The current day (tests pass a fixed one).
        parent: The parent widget.
    """

    preview_updated = Signal()
    report_saved = Signal(str)  # the path written

    def __init__(
        self,
        journal: Journal,
        settings: QSettings | None = None,
        *,
        zone: dt.tzinfo | None = None,
        today: dt.date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.settings = settings
        self.zone = zone or local_zone()
        self.today = today or dt.datetime.now(self.zone).date()
        self.report: Report | None = None
        self.saved_path: Path | None = None
        self.setWindowTitle(f"Export report – {APP_NAME}")
        self.resize(1100, 760)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)

        # ---- period -----------------------------------------------------------------
        self.period = QComboBox()
        self.period.addItem("A month", PERIOD_MONTH)
        self.period.addItem("Dates from … to …", PERIOD_RANGE)
        self.period.addItem("All time", PERIOD_ALL)
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        self.since = QDateEdit()
        self.until = QDateEdit()
        for edit, name in ((self.since, "From"), (self.until, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        self._fill_months()

        # ---- filters ----------------------------------------------------------------
        self.tool = QComboBox()
        self.tool.setAccessibleName("Tool")
        self.tool.addItem("All tools", ANY)
        for name in journal.tools():
            self.tool.addItem(name, name)
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        self.tag.addItem("Any tag", ANY)
        tags = [r["key"] for r in analytics.breakdown(journal, "tag")["rows"]]
        for name in sorted(t for t in tags if t != "(untagged)"):
            self.tag.addItem(name, name)

        # ---- options and format -----------------------------------------------------
        self.include_notes = QCheckBox("Include my notes in full")
        self.hide_projects = QCheckBox("Hide project names")
        self.hide_costs = QCheckBox("Hide costs")
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for name in FORMATS:
            self.format.addItem(FORMAT_LABELS[name], name)
        self.page_size = QComboBox()
        self.page_size.setAccessibleName("Page size")
        self.page_size.addItem("A4", "a4")
        self.page_size.addItem("Letter", "letter")
        self._restore()

        form = QFormLayout()
        form.addRow("Period", self.period)
        form.addRow("Month", self.month)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        self._dates = QWidget()
        self._dates.setLayout(dates)
        dates.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dates", self._dates)
        form.addRow("Tool", self.tool)
        form.addRow("Tag", self.tag)
        choices = QGroupBox("What goes in")
        box = QVBoxLayout(choices)
        for cb in (self.include_notes, self.hide_projects, self.hide_costs):
            box.addWidget(cb)
        privacy = QLabel(
            "Reports never hold prompt or response text. Projects show their last folder "
            "only; notes are left out unless you include them."
        )
        privacy.setWordWrap(True)
        privacy.setStyleSheet("color: palette(placeholder-text);")
        box.addWidget(privacy)
        out = QFormLayout()
        out.addRow("Format", self.format)
        out.addRow("Page size", self.page_size)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(choices)
        left.addLayout(out)
        left.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        left.addWidget(self.status)

        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setOpenExternalLinks(False)
        self.preview.setAccessibleName("Report preview")
        self.preview.setMinimumWidth(PREVIEW_CHART_WIDTH + 60)

        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save…")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        side = QWidget()
        side.setLayout(left)
        side.setMaximumWidth(380)
        columns.addWidget(side)
        columns.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)

        for combo in (self.period, self.month, self.tool, self.tag):
            combo.currentIndexChanged.connect(self._changed)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._changed)
        for cb in (self.include_notes, self.hide_projects, self.hide_costs):
            cb.toggled.connect(self._changed)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self._period_changed()
        self.refresh()

    # ---- choices ------------------------------------------------------------------------

    def _fill_months(self) -> None:
        """Every month from the first session to this one, newest first, with its count."""
        counts: dict[str, int] = {}
        for r in analytics.trends(self.journal, "month", self.zone)["rows"]:
            counts[r["period"]] = r["sessions"]
        first = min((dt.date.fromisoformat(k + "-01") for k in counts), default=None)
        current = self.today.replace(day=1)
        month = first or current
        months = []
        while month <= current:
            months.append(month)
            month = _month_end(month) + dt.timedelta(days=1)
        pick = None  # the newest month with sessions (this one may have none yet)
        for i, m in enumerate(reversed(months)):
            n = counts.get(m.strftime("%Y-%m"), 0)
            label = m.strftime("%B %Y") + (f"  ({n:,} sessions)" if n else "  (no sessions)")
            self.month.addItem(label, m.isoformat())
            if n and pick is None:
                pick = i
        self.month.setCurrentIndex(pick or 0)
        start = dt.date.fromisoformat(self.month.currentData())
        self.since.setDate(_qdate(start))
        self.until.setDate(_qdate(_month_end(start)))

    def _restore(self) -> None:
        s = self.settings
        if s is None:
            return
        fmt = s.value("report/format", "html")
        index = self.format.findData(fmt)
        if index >= 0:
            self.format.setCurrentIndex(index)
        index = self.page_size.findData(s.value("report/page_size", "a4"))
        if index >= 0:
            self.page_size.setCurrentIndex(index)
        for key, cb in (
            ("include_notes", self.include_notes),
            ("hide_projects", self.hide_projects),
            ("hide_costs", self.hide_costs),
        ):
            cb.setChecked(_flag(s.value(f"report/{key}", False)))

    def _remember(self, path: Path) -> None:
        s = self.settings
        if s is None:
            return
        s.setValue("report/format", self.format.currentData())
        s.setValue("report/page_size", self.page_size.currentData())
        s.setValue("report/include_notes", self.include_notes.isChecked())
        s.setValue("report/hide_projects", self.hide_projects.isChecked())
        s.setValue("report/hide_costs", self.hide_costs.isChecked())
        s.setValue("report/folder", str(path.parent))

    def _period_changed(self) -> None:
        kind = self.period.currentData()
        self.month.setEnabled(kind == PERIOD_MONTH)
        self._dates.setEnabled(kind == PERIOD_RANGE)

    def _format_changed(self) -> None:
        self.page_size.setEnabled(self.format.currentData() == "pdf")

    def _changed(self) -> None:
        self._period_changed()
        self._timer.start()

    def bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day the dialog asks for (None: open-ended)."""
        kind = self.period.currentData()
        if kind == PERIOD_MONTH:
            first = dt.date.fromisoformat(self.month.currentData())
            return first, _month_end(first)
        if kind == PERIOD_RANGE:
            a, b = _pydate(self.since.date()), _pydate(self.until.date())
            return (a, b) if a <= b else (b, a)
        return None, None

    def options(self) -> ReportOptions:
        """The privacy options as ticked."""
        return ReportOptions(
            include_notes=self.include_notes.isChecked(),
            hide_projects=self.hide_projects.isChecked(),
            hide_costs=self.hide_costs.isChecked(),
        )

    def build(self) -> Report:
        """The report of the current choices."""
        since, until = self.bounds()
        tool = self.tool.currentData()
        tag = self.tag.currentData()
        from tokenworth.ui.main_window import locale_week_start

        return build_report(
            self.journal,
            since=since,
            until=until,
            tools=(tool,) if tool else (),
            tag=tag or None,
            tz=self.zone,
            options=self.options(),
            prices=self.journal.prices,
            week_start=locale_week_start(),  # the same weeks as the window's charts
        )

    # ---- preview ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the report and show it (charts as the images the PDF has)."""
        from tokenworth.ui.report_pdf import report_document

        self._timer.stop()
        self.report = self.build()
        doc = report_document(
            self.report,
            chart_width=PREVIEW_CHART_WIDTH,
            pixel_ratio=self.preview.devicePixelRatioF(),
        )
        doc.setParent(self.preview)  # a child: the next setDocument deletes it
        self.preview.setDocument(doc)
        s = self.report.summary
        sessions = s["sessions"]
        text = f"{sessions:,} sessions in {self.report.period['label']}."
        if not sessions:
            text = f"No sessions in {self.report.period['label']}: pick another period."
        elif self.format.currentData() in ("csv", "json"):
            text += " The file holds every session; the preview shows the summary."
        self.status.setText(text)
        self.save_button.setEnabled(True)
        self.preview_updated.emit()

    # ---- saving -------------------------------------------------------------------------

    def suggested_path(self) -> Path:
        """``tokenworth-2026-02.pdf`` in the folder used last (else the home folder)."""
        folder = Path.home()
        if self.settings is not None:
            saved = self.settings.value("report/folder", "")
            if saved and Path(str(saved)).is_dir():
                folder = Path(str(saved))
        since, until = self.bounds()
        if self.period.currentData() == PERIOD_MONTH and since:
            stem = f"tokenworth-{since:%Y-%m}"
        elif since or until:
            stem = f"tokenworth-{since or 'start'}-to-{until or self.today}"
        else:
            stem = f"tokenworth-all-to-{self.today}"
        return folder / (stem + FORMATS[self.format.currentData()])

    @classmethod
    def choose_path(cls, parent: QWidget | None, suggested: Path, fmt: str) -> Path | None:
        """Ask where to save; None when cancelled. Tests replace this.

        The file dialog does not ask about an existing file itself (DontConfirmOverwrite):
        ``save`` asks, so the question is asked once and in our words.
        """
        path, _filter = QFileDialog.getSaveFileName(
            parent,
            "Save report",
            str(suggested),
            FILE_FILTERS[fmt] + ";;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        return Path(path) if path else None

    @classmethod
    def confirm_overwrite(cls, parent: QWidget | None, path: Path) -> bool:
        """Ask before replacing an existing file. Tests replace this."""
        answer = QMessageBox.question(
            parent,
            APP_NAME,
            f"{path.name} already exists in {path.parent}. Replace it with this report?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> Path | None:
        """Ask for a file, confirm replacing one, and write the report there.

        Returns:
            The path written, or None when the person cancelled or writing failed.
        """
        if self._timer.isActive() or self.report is None:
            self.refresh()
        assert self.report is not None
        fmt = self.format.currentData()
        path = self.choose_path(self, self.suggested_path(), fmt)
        if path is None:
            return None
        if path.exists() and not self.confirm_overwrite(self, path):
            return None
        try:
            self._write(self.report, fmt, path)
        except OSError as err:
            reason = err.strerror or str(err)
            Notice.error(
                self,
                f"The report could not be saved to {path}: {reason}. Choose another folder "
                "or file name.",
            )
            return None
        self._remember(path)
        self.saved_path = path
        self.report_saved.emit(str(path))
        self.accept()
        return path

    def _write(self, report: Report, fmt: str, path: Path) -> None:
        if fmt == "pdf":
            from tokenworth.ui.report_pdf import write_pdf

            write_pdf(report, path, self.page_size.currentData())
        else:
            _write_atomic(path, render_text(report, fmt))

    def done(self, result: int) -> None:
        """Close the dialog (Qt override): no preview rebuild after it has closed."""
        self._timer.stop()
        super().done(result)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        journal: Journal,
        settings: QSettings | None = None,
        *,
        zone: dt.tzinfo | None = None,
    ) -> Path | None:
        """Show the dialog; the path of the saved report, or None. Tests replace this."""
        dialog = cls(journal, settings, zone=zone, parent=parent)
        try:
            dialog.exec()
            return dialog.saved_path
        finally:
            dialog.deleteLater()


def _flag(value: Any) -> bool:
    """A QSettings boolean (INI files give back the strings "true" / "false")."""
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)
