"""The main window: journal and chart tabs, the annotation panel, menus and status bar.

Hooks for features added later (the import UI):

* ``file_menu`` with ``import_anchor``: insert "Import usage…" actions before it
  (``file_menu.insertAction(window.import_anchor, action)``).
* ``add_dock(dock)``: a results or progress dock; its state is saved with the window.
* ``empty_state.add_action("Import usage…", callback, position=0)``.
* ``journal_changed()``: call it after anything else wrote to the journal.
* Drag and drop: override ``dragEnterEvent``/``dropEvent`` and ``setAcceptDrops(True)``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLocale, QSettings, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tokenworth import APP_NAME
from tokenworth.core.errors import TokenworthError
from tokenworth.core.model import Session
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.annotation_panel import AnnotationPanel
from tokenworth.ui.charts_view import ChartSelection, ChartsView, SelectionBanner
from tokenworth.ui.commands import AnnotationEditor, NewEntryCommand
from tokenworth.ui.empty_state import EmptyState
from tokenworth.ui.journal_view import JournalView
from tokenworth.ui.new_entry_dialog import NewEntryDialog
from tokenworth.ui.notice import Notice
from tokenworth.ui.theme import Theme
from tokenworth.ui.worker import Task, submit

log = logging.getLogger(__name__)

VIEWS = ("journal", "charts")
SHORTCUTS = (
    ("Ctrl+N", "Log a new session by hand"),
    ("Ctrl+F", "Search the journal"),
    ("1 – 5", "Rate the selected session (in the table)"),
    ("0", "Clear its rating"),
    ("Enter", "Next unrated session (in the table)"),
    ("Ctrl+Z", "Undo the last edit"),
    ("Ctrl+Shift+Z", "Redo"),
    ("Ctrl+1 / Ctrl+2", "Journal / Charts"),
    ("Shift+drag", "Select points in the tokens-vs-value chart (shown in the journal)"),
)


def locale_week_start(locale: QLocale | None = None) -> int:
    """The locale's first day of the week, 0 = Monday ... 6 = Sunday (as analytics counts)."""
    day = (locale or QLocale()).firstDayOfWeek()  # Qt: Monday = 1 ... Sunday = 7
    return (day.value - 1) % 7


def count_sessions(path: Path) -> tuple[int, int]:
    """(sessions, unrated sessions) of the journal at ``path``, on this thread's connection."""
    with Journal(path, readonly=True, verify=False) as journal:
        total = journal.count("sessions")
        unrated = journal.count_sessions(SessionFilter(unrated=True))
    return total, unrated


class MainWindow(QMainWindow):
    """One journal in a window.

    Args:
        journal: The open journal (this thread's connection).
        settings: Where window layout and filters are remembered.
        theme: Colours; the View menu switches it. None: the app's palette as it is.
        pool: Thread pool for background reads (default: the global one).
        zone: Time zone for dates (default: the system's).
        demo: This is a throwaway demo journal (said in the title and status bar).
        open_demo: Called by "Open the demo" (None hides that button).
        parent: The parent widget.
    """

    counts_updated = Signal()  # the status bar's numbers are current

    def __init__(
        self,
        journal: Journal,
        settings: QSettings,
        *,
        theme: Theme | None = None,
        pool: QThreadPool | None = None,
        zone: dt.tzinfo | None = None,
        demo: bool = False,
        open_demo: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.settings = settings
        self.theme = theme
        self.pool = pool or QThreadPool.globalInstance()
        self.zone = zone or local_zone()
        self.demo = demo
        self._scatter_dirty = True

        self.setWindowTitle(f"{APP_NAME} — demo journal" if demo else APP_NAME)
        self.setObjectName("main_window")
        self.undo_stack = QUndoStack(self)
        self.editor = AnnotationEditor(journal, self.undo_stack, self)

        self.journal_view = JournalView(journal, self.zone, load=False)
        self._bar = self.journal_view.model.session_filter  # the filter bar's, see bar_filter
        # A selection made in a chart narrows the table; the banner says so and undoes it.
        self.selection_banner = SelectionBanner()
        self.journal_page = QWidget()
        journal_layout = QVBoxLayout(self.journal_page)
        journal_layout.setContentsMargins(0, 0, 0, 0)
        journal_layout.setSpacing(0)
        journal_layout.addWidget(self.selection_banner)
        journal_layout.addWidget(self.journal_view, 1)
        self.charts = ChartsView(
            journal, self.pool, theme, self.zone, week_start=locale_week_start()
        )
        self.scatter = self.charts.scatter  # the tokens-vs-value chart inside Charts
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.journal_page, "Journal")
        self.tabs.addTab(self.charts, "Charts")

        self.panel = AnnotationPanel(self.editor, self.zone)
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setWidget(self.panel)
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setMinimumWidth(320)
        self.panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.panel_scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([900, 360])

        self.empty_state = EmptyState()
        self.empty_state.add_action(
            "Log a session…", self.new_entry, tooltip="Ctrl+N", primary=True
        )
        if open_demo is not None:
            self.empty_state.add_action(
                "Open the demo",
                open_demo,
                tooltip="A separate window with a few months of made-up sessions",
            )

        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.empty_state)
        self.setCentralWidget(self.pages)

        self.counts_label = QLabel()
        self.where_label = QLabel("Demo journal (not saved)" if demo else str(journal.path))
        self.where_label.setEnabled(False)
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.where_label)

        self._build_actions()
        self._build_menus()
        self._connect()
        self.resize(1280, 800)
        self._counts_task: Task | None = None
        self._counts: tuple[int, int] | None = None  # (sessions, unrated), filter-independent
        self.restore_settings()
        self.journal_view.start()  # the one query of the opening: ids of what is shown
        self._show_page()
        self.update_counts()

    # ---- building ------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.new_entry_action = QAction("&New entry…", self)
        self.new_entry_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_entry_action.setStatusTip("Log a session by hand")
        self.new_entry_action.triggered.connect(self.new_entry)

        self.export_action = QAction("&Export report…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("A private report: HTML, PDF, CSV, JSON or Markdown")
        self.export_action.triggered.connect(self.export_report)

        self.close_action = QAction("&Close window", self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self._quit)

        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])

        self.find_action = QAction("&Find…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        self.next_unrated_action = QAction("Next &unrated session", self)
        self.next_unrated_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.next_unrated_action.setStatusTip("Enter in the table does the same")
        self.next_unrated_action.triggered.connect(self._next_unrated)
        self.clear_filters_action = QAction("Show &all sessions", self)
        self.clear_filters_action.triggered.connect(self.journal_view.clear_filters)

        self.view_journal_action = QAction("&Journal", self)
        self.view_journal_action.setShortcut(QKeySequence("Ctrl+1"))
        self.view_journal_action.triggered.connect(lambda: self.show_view("journal"))
        self.view_charts_action = QAction("&Charts", self)
        self.view_charts_action.setShortcut(QKeySequence("Ctrl+2"))
        self.view_charts_action.triggered.connect(lambda: self.show_view("charts"))

        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            action = QAction(label, self, checkable=True)
            action.setData(mode)
            action.triggered.connect(lambda _c=False, m=mode: self.set_theme_mode(m))
            self.theme_group.addAction(action)
            self.theme_actions[mode] = action
        mode = self.theme.mode if self.theme else "system"
        self.theme_actions[mode].setChecked(True)

        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addAction(self.new_entry_action)
        # Import actions go before this separator (see the module docstring).
        self.import_anchor = self.file_menu.addSeparator()
        self.file_menu.addAction(self.export_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.close_action)
        self.file_menu.addAction(self.quit_action)

        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_action)
        self.edit_menu.addAction(self.next_unrated_action)
        self.edit_menu.addAction(self.clear_filters_action)

        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.view_journal_action)
        self.view_menu.addAction(self.view_charts_action)
        self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu("&Appearance")
        theme_menu.addActions(list(self.theme_actions.values()))

        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addAction(self.about_action)

    def _connect(self) -> None:
        jv = self.journal_view
        jv.current_session_changed.connect(self._current_session_changed)
        jv.filter_changed.connect(self._filter_changed)
        jv.rate_requested.connect(self._rate)
        jv.message.connect(self._message)
        jv.model.query_failed.connect(self._error)
        self.editor.annotation_changed.connect(self._annotation_changed)
        self.editor.failed.connect(self._error)
        self.charts.session_clicked.connect(self._scatter_clicked)
        self.charts.load_failed.connect(self._message)
        self.charts.message.connect(self._message)
        self.charts.sessions_selected.connect(self.show_chart_selection)
        self.selection_banner.cleared.connect(self.clear_chart_selection)
        self.selection_banner.back_requested.connect(lambda: self.show_view("charts"))
        self.tabs.currentChanged.connect(self._tab_changed)

    def add_dock(
        self, dock: QDockWidget, area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea
    ) -> None:
        """Add a dock (e.g. import progress or results); give it an objectName to keep its place."""
        self.addDockWidget(area, dock)

    # ---- journal ---------------------------------------------------------------------------

    def journal_changed(self) -> None:
        """Read the journal again: new or removed sessions (after an entry or an import)."""
        self.journal_view.reload()
        self._show_page()
        self._scatter_dirty = True
        self._refresh_scatter_if_visible()
        self.update_counts()

    def _show_page(self) -> None:
        total = self._safe(lambda: self.journal.count("sessions"), 0)
        self.pages.setCurrentWidget(self.empty_state if total == 0 else self.splitter)

    def update_counts(self) -> None:
        """Recount sessions and ratings for the status bar (on the thread pool)."""
        if self._counts_task is not None:
            self._counts_task.cancel()
        self._counts_task = submit(
            self.pool,
            lambda path=self.journal.path: count_sessions(path),
            self._counts_ready,
            self._counts_failed,
            self,
        )

    @property
    def counting(self) -> bool:
        """True while the status bar's numbers are being recounted."""
        return self._counts_task is not None

    def _counts_ready(self, counts: tuple[int, int]) -> None:
        if self.sender() is not self._counts_task:
            return  # an older count finishing late
        self._counts_task = None
        self._counts = counts
        self._show_counts()
        self.counts_updated.emit()

    def _show_counts(self) -> None:
        if self._counts is None:
            return
        total, unrated = self._counts
        shown = self.journal_view.model.rowCount()
        rated = total - unrated
        if total == 0:
            self.counts_label.setText("No sessions yet")
        else:
            noun = "session" if total == 1 else "sessions"
            head = (
                f"{total:,} {noun}" if shown == total else f"Showing {shown:,} of {total:,} {noun}"
            )
            self.counts_label.setText(
                f"{head} · {rated:,} rated ({rated / total:.0%}) · {unrated:,} to rate"
            )

    def _counts_failed(self, err: BaseException) -> None:
        if self.sender() is not self._counts_task:
            return
        self._counts_task = None
        log.warning("counting sessions failed: %s", err)
        self.counts_label.setText("")
        self.counts_updated.emit()

    def _safe(self, fn: Callable[[], int], default: int) -> int:
        try:
            return fn()
        except TokenworthError as err:
            self._error(str(err))
            return default

    # ---- actions ---------------------------------------------------------------------------

    def new_entry(self) -> str | None:
        """Ask for a session logged by hand and add it; returns its key."""
        tools = self._safe_list(self.journal.tools)
        entry = NewEntryDialog.ask(self, tools=tools, zone=self.zone)
        if entry is None:
            return None
        fields = {
            "tool": entry.tool,
            "start": entry.start,
            "minutes": entry.minutes,
            "tokens": entry.tokens,
            "model": entry.model,
            "project": entry.project,
        }
        try:
            key = self.journal.create_manual_session(**fields, annotation=entry.annotation())
        except TokenworthError as err:
            self._error(str(err))
            return None
        self.undo_stack.push(NewEntryCommand(self, key, fields, entry.annotation()))
        self.journal_changed()
        self.show_view("journal")
        if not self.journal_view.select_session_key(key):
            # Hidden by the filters: show everything so the new entry can be seen.
            self.journal_view.clear_filters()
            self.journal_view.select_session_key(key)
        self._message(f"Added a {entry.minutes}-minute {entry.tool} session.")
        return key

    def export_report(self) -> Path | None:
        """Open the report dialog; returns where the report was saved, or None."""
        from tokenworth.ui.report_dialog import ReportDialog

        path = ReportDialog.ask(self, self.journal, self.settings, zone=self.zone)
        if path is not None:
            self._message(f"Report saved: {path}")
        return path

    def _safe_list(self, fn: Callable[[], list[str]]) -> list[str]:
        try:
            return fn()
        except TokenworthError as err:
            self._error(str(err))
            return []

    def focus_search(self) -> None:
        """Show the journal and put the cursor in its search field."""
        self.show_view("journal")
        self.journal_view.focus_search()

    def _next_unrated(self) -> None:
        self.show_view("journal")
        if self.journal_view.next_unrated():
            self.journal_view.table.setFocus()

    def show_view(self, view: str) -> None:
        """Show "journal" or "charts"."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.tabs.setCurrentIndex(VIEWS.index(view))

    def set_theme_mode(self, mode: str) -> None:
        """Light, dark or follow the system; remembered."""
        if self.theme is not None:
            self.theme.set_mode(mode)
        self.settings.setValue("theme", mode)
        self.theme_actions[mode].setChecked(True)

    def show_shortcuts(self) -> None:
        """A table of the keyboard shortcuts."""
        rows = "".join(
            f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS
        )
        Notice.info(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    def show_about(self) -> None:
        """What Tokenworth is, in two sentences."""
        from html import escape

        from tokenworth import __version__

        try:
            prices = escape(self.journal.prices.version)
        except Exception:  # a broken price file must not hide the About box
            prices = "not available"
        Notice.info(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME} {__version__}</b><p>A private journal for your AI usage: "
            "was it worth the tokens? Everything stays on this computer; the app makes no "
            "network connection.</p>"
            f"<p>Journal: {escape(str(self.journal.path))}<br>"
            f"Prices (API-equivalent): {prices}<br>Licence: MIT</p>",
        )

    def _quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.close()
        QApplication.closeAllWindows()

    # ---- reactions -------------------------------------------------------------------------

    def _current_session_changed(self, session: Session | None) -> None:
        self.panel.show_session(session)
        index = self.journal_view.table.currentIndex()
        sid = self.journal_view.model.id_at(index.row()) if index.isValid() else None
        self.scatter.set_current(sid)

    def _filter_changed(self, flt: SessionFilter) -> None:
        # The filter bar changed: the table shows the bar's filter again, without a
        # selection made on the charts of the old filter.
        self._bar = flt
        self._hide_chart_selection()
        self._scatter_dirty = True
        self._refresh_scatter_if_visible()
        self._show_counts()  # totals do not depend on the filter; "showing" does

    def _tab_changed(self, _index: int) -> None:
        self._refresh_scatter_if_visible()

    def _refresh_scatter_if_visible(self) -> None:
        # The chart reads every matching session: only when someone looks at it.
        if self._scatter_dirty and self.tabs.currentWidget() is self.charts:
            self._scatter_dirty = False
            self.charts.refresh(self.bar_filter())

    def bar_filter(self) -> SessionFilter:
        """The filter bar's filter: what the charts show (the table may show a selection)."""
        return self._bar

    def show_chart_selection(self, selection: ChartSelection) -> None:
        """Narrow the journal table to the sessions picked in a chart, and show it."""
        self.journal_view.model.set_filter(selection.filter)
        self.selection_banner.show_selection(selection.description)
        self.show_view("journal")
        self._show_counts()

    def clear_chart_selection(self) -> None:
        """Show what the filter bar selects again."""
        self._hide_chart_selection()
        self.journal_view.model.set_filter(self.bar_filter())
        self._show_counts()

    def _hide_chart_selection(self) -> None:
        self.selection_banner.hide()
        self.scatter.clear_selection()

    def _rate(self, session_key: str, value: int) -> None:
        if self.editor.rate(session_key, value or None):
            if value:
                self._message(
                    f"Rated {value}: {fmt.VALUE_WORDS[value]}. Enter moves to the next unrated."
                )
            else:
                self._message("Rating cleared.")

    def _annotation_changed(self, session_key: str) -> None:
        self.journal_view.refresh_session(session_key)
        self._scatter_dirty = True
        self._refresh_scatter_if_visible()
        self.update_counts()

    def _scatter_clicked(self, session_id: int) -> None:
        if not self.journal_view.select_session_id(session_id):
            self._message("That session is not in the journal list any more.")

    def _message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _error(self, text: str) -> None:
        log.warning("%s", text)
        Notice.error(self, text)

    # ---- settings --------------------------------------------------------------------------

    def restore_settings(self) -> None:
        """Bring back geometry, docks, splitter, tab, columns and filters."""
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)
        splitter = s.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        tab = s.value("window/view", "journal")
        if tab in VIEWS:
            self.show_view(str(tab))
        if not self.demo:
            self.journal_view.restore_state(s)

    def save_settings(self) -> None:
        """Remember geometry, docks, splitter, tab, columns and filters."""
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/view", VIEWS[self.tabs.currentIndex()])
        if not self.demo:
            self.journal_view.save_state(s)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save what is typed, remember the layout, then close."""
        try:
            self.panel.commit_pending()
            self.save_settings()
        except Exception:
            log.exception("saving on close failed")
        if self._counts_task is not None:
            self._counts_task.cancel()
        self.charts.cancel()
        super().closeEvent(event)
