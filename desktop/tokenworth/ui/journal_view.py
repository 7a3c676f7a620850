"""The journal page: a filter bar above a lazy table of sessions, rated from the keyboard."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.model import Session
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import format_ts, local_zone
from tokenworth.ui.session_model import COLUMN_KEYS, SessionTableModel
from tokenworth.ui.theme import tool_icon

log = logging.getLogger(__name__)

TEXT_DEBOUNCE_MS = 250
PERIODS = (
    ("all", "All time"),
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("year", "This year"),
    ("custom", "Custom range…"),
)


@dataclass(slots=True)
class FilterState:
    """What the filter bar shows, in a form that survives a restart (QSettings)."""

    text: str = ""
    tool: str = ""  # "" = every tool
    period: str = "all"
    since: str = ""  # custom range, ISO dates (local), inclusive
    until: str = ""
    unrated: bool = False

    def to_filter(self, zone: dt.tzinfo, today: dt.date) -> SessionFilter:
        """The journal filter for this state, with day bounds in ``zone``."""

        def midnight(day: dt.date) -> str:
            return format_ts(dt.datetime.combine(day, dt.time(), tzinfo=zone))

        since = until = None
        if self.period.isdigit():
            since = midnight(today - dt.timedelta(days=int(self.period) - 1))
        elif self.period == "year":
            since = midnight(today.replace(month=1, day=1))
        elif self.period == "custom":
            if self.since:
                since = midnight(dt.date.fromisoformat(self.since))
            if self.until:
                until = midnight(dt.date.fromisoformat(self.until) + dt.timedelta(days=1))
        return SessionFilter(
            since=since,
            until=until,
            tools=(self.tool,) if self.tool else (),
            text=self.text.strip() or None,
            unrated=self.unrated,
        )

    def is_default(self) -> bool:
        """True when nothing narrows the list."""
        return not self.text.strip() and not self.tool and self.period == "all" and not self.unrated


class SessionTable(QTableView):
    """The table; digits rate the current session, Enter jumps to the next unrated one."""

    rate_requested = Signal(int)  # 1-5, or 0 to clear
    next_unrated_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Handle the rating keys; everything else as a table does."""
        key = event.key()
        plain = not (
            event.modifiers()
            & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        if plain and Qt.Key.Key_0 <= key <= Qt.Key.Key_5:
            self.rate_requested.emit(int(key) - int(Qt.Key.Key_0))
            event.accept()
            return
        if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next_unrated_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class JournalView(QWidget):
    """Filter bar + session table.

    Args:
        journal: The journal (GUI thread).
        zone: Time zone for dates and the period filter (default: the system's).
        load: Query the journal now; with False, nothing is read until ``start()``
            (so restored settings and the first query cost one query in all).
        parent: The parent widget.
    """

    current_session_changed = Signal(object)  # Session | None
    filter_changed = Signal(object)  # SessionFilter
    rate_requested = Signal(str, int)  # session_key, value (0 clears)
    message = Signal(str)  # a short status-bar line

    def __init__(
        self,
        journal: Journal,
        zone: dt.tzinfo | None = None,
        *,
        load: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.zone = zone or local_zone()
        self.model = SessionTableModel(journal, self.zone, self)
        self.model.hold()
        self._restoring = False

        self.search = QLineEdit(placeholderText="Search goals, notes, tags, projects, models")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filter the journal (Ctrl+F)")
        self.search.setMinimumWidth(220)
        self.tool_box = QComboBox()
        self.tool_box.setToolTip("Show one tool")
        self.tool_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.period_box = QComboBox()
        for key, label in PERIODS:
            self.period_box.addItem(label, key)
        self.since_edit = QDateEdit(calendarPopup=True, displayFormat="d MMM yyyy")
        self.until_edit = QDateEdit(calendarPopup=True, displayFormat="d MMM yyyy")
        self.range_dash = QLabel("–")
        today = QDate.currentDate()
        self.since_edit.setDate(today.addDays(-30))
        self.until_edit.setDate(today)
        self.unrated_box = QCheckBox("Unrated only")
        self.unrated_box.setToolTip("Show the sessions you have not rated yet (rate with 1–5)")

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(8)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.tool_box)
        bar.addWidget(self.period_box)
        bar.addWidget(self.since_edit)
        bar.addWidget(self.range_dash)
        bar.addWidget(self.until_edit)
        bar.addWidget(self.unrated_box)

        self.table = SessionTable()
        self.table.setModel(self.model)
        self._setup_table()

        self.no_match = QWidget()
        nm = QVBoxLayout(self.no_match)
        nm.addStretch(1)
        nm_label = QLabel("No sessions match these filters.")
        nm_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear_filters)
        nm.addWidget(nm_label)
        nm.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignHCenter)
        nm.addStretch(2)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.no_match)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self, singleShot=True, interval=TEXT_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self._text_committed)
        self.tool_box.activated.connect(self.apply_filters)
        self.period_box.activated.connect(self._period_chosen)
        self.since_edit.dateChanged.connect(self.apply_filters)
        self.until_edit.dateChanged.connect(self.apply_filters)
        self.unrated_box.toggled.connect(self.apply_filters)
        self.table.rate_requested.connect(self._rate_current)
        self.table.next_unrated_requested.connect(self.next_unrated)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._restore_current)
        self.model.rows_reloaded.connect(self._update_page)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)

        self._remembered: int | None = None
        self.reload_tools()
        self._show_custom_range(False)
        self.apply_filters()
        if load:
            self.start()

    def start(self) -> None:
        """Run the first query (see ``load``)."""
        if self.model.held:
            self.model.release()

    # ---- set-up --------------------------------------------------------------------------

    def _setup_table(self) -> None:
        t = self.table
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setAlternatingRowColors(True)
        t.setShowGrid(False)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        t.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.setSortingEnabled(True)
        # Fixed row heights: the view never asks 100,000 rows for their size.
        vh = t.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(t.fontMetrics().height() + 10)
        hh = t.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(True)
        hh.setSectionsMovable(True)
        hh.setSortIndicator(COLUMN_KEYS.index("date"), Qt.SortOrder.DescendingOrder)
        hh.setMinimumSectionSize(48)
        for i, width in enumerate(self.default_widths()):
            t.setColumnWidth(i, width)

    def default_widths(self) -> list[int]:
        """Column widths measured from the font: wide enough for typical content."""
        fm = self.table.fontMetrics()
        pad = 18

        def w(sample: str) -> int:
            return fm.horizontalAdvance(sample) + pad

        return [
            w("28 Sep 2026  23:59"),
            w("claude-code") + 18,  # the tool dot
            w("web-dashboard"),
            w("10 h 59"),
            w("≈ 99,999,999"),
            w("$999.99"),
            w("●●●●●"),
            160,  # the goal stretches into the rest
        ]

    def reload_tools(self) -> None:
        """Refill the tool list from the journal, keeping the choice."""
        chosen = self.tool_box.currentData() or ""
        self.tool_box.blockSignals(True)
        try:
            self.tool_box.clear()
            self.tool_box.addItem("All tools", "")
            for tool in self.journal.tools():
                self.tool_box.addItem(tool_icon(tool), tool, tool)
            index = self.tool_box.findData(chosen)
            self.tool_box.setCurrentIndex(max(index, 0))
        finally:
            self.tool_box.blockSignals(False)

    # ---- filters -------------------------------------------------------------------------

    def filter_state(self) -> FilterState:
        """What the filter bar shows now."""
        return FilterState(
            text=self.search.text(),
            tool=self.tool_box.currentData() or "",
            period=self.period_box.currentData() or "all",
            since=self.since_edit.date().toString(Qt.DateFormat.ISODate),
            until=self.until_edit.date().toString(Qt.DateFormat.ISODate),
            unrated=self.unrated_box.isChecked(),
        )

    def set_filter_state(self, state: FilterState) -> None:
        """Show ``state`` in the bar and apply it once."""
        self._restoring = True
        try:
            self.search.setText(state.text)
            index = self.tool_box.findData(state.tool)
            self.tool_box.setCurrentIndex(max(index, 0))
            index = self.period_box.findData(state.period)
            self.period_box.setCurrentIndex(max(index, 0))
            for edit, text in ((self.since_edit, state.since), (self.until_edit, state.until)):
                date = QDate.fromString(text, Qt.DateFormat.ISODate) if text else QDate()
                if date.isValid():
                    edit.setDate(date)
            self.unrated_box.setChecked(state.unrated)
            self._show_custom_range(self.period_box.currentData() == "custom")
        finally:
            self._restoring = False
        self._debounce.stop()
        self.apply_filters()

    def clear_filters(self) -> None:
        """Show every session."""
        self.set_filter_state(FilterState())

    def focus_search(self) -> None:
        """Put the cursor in the search field (Ctrl+F)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _text_committed(self) -> None:
        self._debounce.stop()
        self.apply_filters()
        self.table.setFocus()

    def _period_chosen(self) -> None:
        self._show_custom_range(self.period_box.currentData() == "custom")
        self.apply_filters()

    def _show_custom_range(self, show: bool) -> None:
        for w in (self.since_edit, self.range_dash, self.until_edit):
            w.setVisible(show)

    def apply_filters(self) -> None:
        """Query the journal with what the bar shows."""
        if self._restoring:
            return
        self._debounce.stop()
        today = dt.datetime.now(self.zone).date()
        flt = self.filter_state().to_filter(self.zone, today)
        self.model.set_filter(flt)
        self.filter_changed.emit(flt)

    def _update_page(self) -> None:
        if self.model.held:
            return
        empty = self.model.rowCount() == 0
        self.stack.setCurrentWidget(self.no_match if empty else self.table)

    def reload(self) -> None:
        """Query again with the same filter and sort (after new sessions or an import)."""
        self.reload_tools()
        self.model.reload()

    # ---- current session -----------------------------------------------------------------

    def current_session(self) -> Session | None:
        """The session of the current row."""
        index = self.table.currentIndex()
        return self.model.session_at(index.row()) if index.isValid() else None

    def select_session_id(self, session_id: int) -> bool:
        """Make ``session_id`` the current row and scroll to it; False when not shown."""
        row = self.model.row_of(session_id)
        if row < 0:
            return False
        self.select_row(row)
        return True

    def select_session_key(self, session_key: str) -> bool:
        """Make the session with this key current (one query for its id)."""
        ids = self.journal.session_ids(SessionFilter(session_keys=[session_key]))
        return bool(ids) and self.select_session_id(ids[0])

    def select_row(self, row: int) -> None:
        """Make ``row`` current and selected."""
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        session = self.model.session_at(current.row()) if current.isValid() else None
        self.current_session_changed.emit(session)

    def _remember_current(self) -> None:
        index = self.table.currentIndex()
        self._remembered = self.model.id_at(index.row()) if index.isValid() else None

    def _restore_current(self) -> None:
        remembered, self._remembered = self._remembered, None
        if remembered is not None and self.select_session_id(remembered):
            return
        if self.model.rowCount():
            self.select_row(0)
        else:
            self.current_session_changed.emit(None)

    def refresh_session(self, session_key: str) -> None:
        """Repaint one session after its annotation changed."""
        self.model.refresh_session(session_key)

    # ---- keyboard rating -----------------------------------------------------------------

    def _rate_current(self, value: int) -> None:
        session = self.current_session()
        if session is None:
            self.message.emit("Select a session first, then press 1–5 to rate it.")
            return
        self.rate_requested.emit(session.session_key, value)

    def next_unrated(self) -> bool:
        """Move to the next unrated session below the current row (wrapping); False if none."""
        n = self.model.rowCount()
        if not n:
            return False
        start = self.table.currentIndex().row()
        # Usually one is close by: look through the next pages (cheap, cached) first.
        for step in range(1, min(n, 3 * self.model.PAGE) + 1):
            row = (start + step) % n
            s = self.model.session_at(row)
            if s is not None and (s.annotation is None or s.annotation.value is None):
                self.select_row(row)
                return True
        if n <= 3 * self.model.PAGE:
            self.message.emit("Every session shown here is rated.")
            return False
        flt = self.model.session_filter
        unrated = set(self.journal.session_ids(replace(flt, unrated=True)))
        ids = self.model.session_ids()
        for step in range(1, n + 1):
            row = (start + step) % n
            if ids[row] in unrated:
                self.select_row(row)
                return True
        self.message.emit("Every session shown here is rated.")
        return False

    # ---- settings ------------------------------------------------------------------------

    def save_state(self, settings: QSettings, prefix: str = "journal") -> None:
        """Remember column layout and filters."""
        settings.setValue(f"{prefix}/header", self.table.horizontalHeader().saveState())
        state = self.filter_state()
        settings.setValue(f"{prefix}/filter/text", state.text)
        settings.setValue(f"{prefix}/filter/tool", state.tool)
        settings.setValue(f"{prefix}/filter/period", state.period)
        settings.setValue(f"{prefix}/filter/since", state.since)
        settings.setValue(f"{prefix}/filter/until", state.until)
        settings.setValue(f"{prefix}/filter/unrated", state.unrated)

    def restore_state(self, settings: QSettings, prefix: str = "journal") -> None:
        """Bring back column layout and filters saved by ``save_state``."""
        header = settings.value(f"{prefix}/header")
        if header is not None:
            try:
                self.table.horizontalHeader().restoreState(header)
            except TypeError:
                log.info("ignoring an unreadable saved header state")

        def text(name: str, default: str = "") -> str:
            value = settings.value(f"{prefix}/filter/{name}", default)
            return value if isinstance(value, str) else default

        unrated = settings.value(f"{prefix}/filter/unrated", False)
        self.set_filter_state(
            FilterState(
                text=text("text"),
                tool=text("tool"),
                period=text("period", "all"),
                since=text("since"),
                until=text("until"),
                unrated=unrated in (True, "true", "1", 1),
            )
        )
