"""The journal table's model: row ids only, sessions fetched lazily in pages (as in Anki)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from tokenworth.core.errors import TokenworthError
from tokenworth.core.model import Session
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.theme import tool_icon

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, header, the journal's sort key and alignment."""

    key: str
    title: str
    sort: str
    align: Qt.AlignmentFlag
    first_order: Qt.SortOrder  # what a first click on the header should do


COLUMNS = (
    Column("date", "Date", "start", _LEFT, Qt.SortOrder.DescendingOrder),
    Column("tool", "Tool", "tool", _LEFT, Qt.SortOrder.AscendingOrder),
    Column("project", "Project", "project", _LEFT, Qt.SortOrder.AscendingOrder),
    Column("duration", "Duration", "duration", _RIGHT, Qt.SortOrder.DescendingOrder),
    Column("tokens", "Tokens", "total_tokens", _RIGHT, Qt.SortOrder.DescendingOrder),
    Column("cost", "Cost", "cost_usd", _RIGHT, Qt.SortOrder.DescendingOrder),
    Column("value", "Value", "value", _CENTER, Qt.SortOrder.DescendingOrder),
    Column("goal", "Goal", "goal", _LEFT, Qt.SortOrder.AscendingOrder),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)

SessionRole = Qt.ItemDataRole.UserRole + 1  # the Session (or None while unreadable)
IdRole = Qt.ItemDataRole.UserRole + 2  # the session's row id in the journal


class _Unreadable:
    """Marks a row whose fetch failed, rendered as a disabled row instead of raising."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class SessionTableModel(QAbstractTableModel):
    """Sessions of the journal that match a filter, in the journal's sort order.

    Holds only the ordered row ids; ``Session`` objects are fetched a page at a time
    and kept in a small LRU cache, so 100,000 sessions cost a list of ints.

    Args:
        journal: The journal, opened on this (the GUI) thread.
        zone: Time zone for dates (default: the system's).
        parent: The owning QObject.
    """

    PAGE = 200
    CACHE_LIMIT = 3000

    query_failed = Signal(str)
    rows_reloaded = Signal()

    def __init__(self, journal: Journal, zone: dt.tzinfo | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._journal = journal
        self._zone = zone or local_zone()
        self._filter = SessionFilter()
        self._sort = "start"
        self._descending = True
        self._ids: list[int] = []
        self._rows: dict[int, int] | None = None  # id -> row, built on demand
        self._cache: OrderedDict[int, Session | _Unreadable] = OrderedDict()
        self._held = 0
        self._pending = False
        self.fetches = 0  # pages read from the journal (for tests and the benchmark)
        self.queries = 0  # id queries run (for tests and the benchmark)

    # ---- the query -----------------------------------------------------------------------

    @property
    def session_filter(self) -> SessionFilter:
        """The filter in use."""
        return self._filter

    @property
    def sort_key(self) -> tuple[str, bool]:
        """(journal sort key, descending)."""
        return self._sort, self._descending

    def set_filter(self, flt: SessionFilter) -> None:
        """Show the sessions matching ``flt``."""
        self._filter = flt
        self.reload()

    def hold(self) -> None:
        """Record filter and sort changes without querying, until ``release``.

        Setting up a view (sort indicator, restored filters) changes both several times;
        held, they cost one query instead of one each.
        """
        self._held += 1

    def release(self) -> None:
        """End a ``hold``; query once if anything changed meanwhile."""
        self._held = max(0, self._held - 1)
        if not self._held and self._pending:
            self.reload()

    @property
    def held(self) -> bool:
        """True between ``hold`` and ``release``."""
        return self._held > 0

    def reload(self) -> None:
        """Query the ids again (after a filter or sort change, or new sessions)."""
        if self._held:
            self._pending = True
            return
        self._pending = False
        self.queries += 1
        try:
            ids = self._journal.session_ids(self._filter, self._sort, self._descending)
        except (TokenworthError, sqlite3.Error) as err:
            log.warning("session query failed: %s", err)
            ids = []
            self.query_failed.emit(f"The journal could not be read: {err}")
        self.beginResetModel()
        try:
            self._ids = ids
            self._rows = None
            self._cache.clear()
        finally:
            self.endResetModel()
        self.rows_reloaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query the ids in the order of ``column`` (Qt override)."""
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = COLUMNS[column].sort
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # ---- rows ----------------------------------------------------------------------------

    def session_ids(self) -> list[int]:
        """The row ids in display order (a copy)."""
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        """The row id shown in ``row``."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, session_id: int) -> int:
        """The row that shows ``session_id``, or -1."""
        if self._rows is None:
            self._rows = {sid: i for i, sid in enumerate(self._ids)}
        return self._rows.get(session_id, -1)

    def session_at(self, row: int) -> Session | None:
        """The session in ``row`` (fetched if needed), or None."""
        item = self._item(row)
        return item if isinstance(item, Session) else None

    def _item(self, row: int) -> Session | _Unreadable | None:
        sid = self.id_at(row)
        if sid is None:
            return None
        item = self._cache.get(sid)
        if item is not None:
            self._cache.move_to_end(sid)
            return item
        self._fetch_page(row)
        return self._cache.get(sid)

    def _fetch_page(self, row: int) -> None:
        start = (row // self.PAGE) * self.PAGE
        wanted = [sid for sid in self._ids[start : start + self.PAGE] if sid not in self._cache]
        self.fetches += 1
        try:
            found: dict[int, Session | _Unreadable] = dict(self._journal.sessions_by_ids(wanted))
        except (TokenworthError, sqlite3.Error) as err:
            log.warning("fetching sessions failed: %s", err)
            found = {}
            reason = f"Could not be read: {err}"
            for sid in wanted:
                found[sid] = _Unreadable(reason)
        for sid in wanted:
            # A session deleted since the ids were read shows as gone, not as an error.
            self._cache[sid] = found.get(sid) or _Unreadable("This session is no longer there.")
        while len(self._cache) > self.CACHE_LIMIT:
            self._cache.popitem(last=False)

    def refresh_session(self, session_key: str) -> None:
        """Forget the cached copy of one session and repaint its row."""
        for sid, item in list(self._cache.items()):
            if isinstance(item, Session) and item.session_key == session_key:
                del self._cache[sid]
                row = self.row_of(sid)
                if row >= 0:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    # ---- Qt overrides (never raise into Qt) ------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Rows under ``parent`` (a flat table)."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Columns under ``parent``."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            # A first click sorts the useful way round (most tokens, newest first).
            return column.first_order
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Rows are selectable, not editable (the panel edits)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        try:
            if isinstance(self._item(index.row()), _Unreadable):
                return Qt.ItemFlag.NoItemFlags
        except Exception:  # pragma: no cover - guarded like data()
            log.exception("flags() failed")
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, alignment, colours and tooltips."""
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        try:
            return self._data(index.row(), COLUMNS[index.column()], role)
        except Exception:
            # An exception raised here would vanish into Qt; show the row as broken instead.
            log.exception("data() failed for row %s", index.row())
            return "⚠ error" if role == Qt.ItemDataRole.DisplayRole else None

    def _data(self, row: int, column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == IdRole:
            return self.id_at(row)
        if role not in _ROLES:
            return None
        item = self._item(row)
        if item is None:
            return None
        if isinstance(item, _Unreadable):
            if role == Qt.ItemDataRole.DisplayRole:
                return item.reason if column.key == "goal" else ""
            return None
        if role == SessionRole:
            return item
        handler = _CELLS[column.key]
        return handler(self, item, role)

    # ---- cells ---------------------------------------------------------------------------

    def _dim(self) -> QColor:
        return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)

    def _cell_date(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.date_time(s.start, self._zone)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = fmt.long_date_time(s.start, self._zone)
            return text + ("\nLogged by hand" if s.manual else "")
        return None

    def _cell_tool(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return s.tool
        if role == Qt.ItemDataRole.DecorationRole:
            return tool_icon(s.tool)
        if role == Qt.ItemDataRole.ToolTipRole:
            return s.tool + (f"\n{', '.join(s.models)}" if s.models else "")
        return None

    def _cell_project(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return s.project or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(x for x in (s.project, s.cwd, s.git_branch) if x) or None
        return None

    def _cell_duration(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.duration(s.duration_minutes)
        return None

    def _cell_tokens(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.tokens(s.total_tokens, estimated=s.estimated)
        if role == Qt.ItemDataRole.ToolTipRole:
            return fmt.token_breakdown(s)
        if role == Qt.ItemDataRole.ForegroundRole and s.estimated:
            return self._dim()
        return None

    def _cell_cost(self, s: Session, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if s.cost_usd is None and s.unpriced_events:
                return "unpriced"
            text = fmt.cost(s.cost_usd)
            return text + "+" if text and s.unpriced_events else text
        if role == Qt.ItemDataRole.ToolTipRole:
            if s.unpriced_events:
                models = ", ".join(s.models) or "an unknown model"
                return (
                    f"{s.unpriced_events} call(s) of {models} have no price "
                    "(unpriced, not free); set one in the price overrides."
                )
            if s.cost_usd is None:
                return "Nothing to price in this session."
            return "API-equivalent cost: what these tokens would cost at list prices"
        if role == Qt.ItemDataRole.ForegroundRole and s.unpriced_events:
            return self._dim()
        return None

    def _cell_value(self, s: Session, role: int) -> Any:
        value = s.annotation.value if s.annotation else None
        if role == Qt.ItemDataRole.DisplayRole:
            return fmt.value_dots(value) if value else "–"
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return "Not rated yet: press 1–5 to rate"
            return f"{value} of 5: {fmt.VALUE_WORDS[value]}"
        if role == Qt.ItemDataRole.ForegroundRole and value is None:
            return self._dim()
        return None

    def _cell_goal(self, s: Session, role: int) -> Any:
        a = s.annotation
        if role == Qt.ItemDataRole.DisplayRole:
            return (a.goal if a and a.goal else "") or ""
        if role == Qt.ItemDataRole.ToolTipRole and a is not None:
            parts = [a.goal or "(no goal written)"]
            if a.outcome:
                outcome = fmt.OUTCOME_LABELS.get(a.outcome, a.outcome)
                parts.append(f"{outcome}" + (f": {a.outcome_note}" if a.outcome_note else ""))
            if a.tags:
                parts.append("Tags: " + ", ".join(a.tags))
            if a.note:
                parts.append(a.note)
            return "\n".join(parts)
        return None


_ROLES = {
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ForegroundRole,
    SessionRole,
}
_CELLS: dict[str, Callable[[SessionTableModel, Session, int], Any]] = {
    "date": SessionTableModel._cell_date,
    "tool": SessionTableModel._cell_tool,
    "project": SessionTableModel._cell_project,
    "duration": SessionTableModel._cell_duration,
    "tokens": SessionTableModel._cell_tokens,
    "cost": SessionTableModel._cell_cost,
    "value": SessionTableModel._cell_value,
    "goal": SessionTableModel._cell_goal,
}
