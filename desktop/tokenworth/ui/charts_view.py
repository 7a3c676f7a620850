"""The Charts tab: headline numbers over tokens-vs-value, trends and breakdown, with tables."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QCursor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QGraphicsRectItem,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from tokenworth.core.analytics import (
    ScatterPoint,
    breakdown,
    breakdown_sessions,
    scatter_points,
    summary,
    trends,
)
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import format_ts, local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.scatter import JITTER, PointInfo, ScatterData, ScatterView
from tokenworth.ui.theme import DARK, LIGHT, Colors, Theme, tool_color, tool_icon
from tokenworth.ui.worker import Task, submit

log = logging.getLogger(__name__)

PERIOD_CHOICES = (("week", "Per week"), ("month", "Per month"))
BREAKDOWN_CHOICES = (
    ("tool", "By tool"),
    ("model", "By model"),
    ("project", "By project"),
    ("tag", "By tag"),
)
PAGES = ("scatter", "trends", "breakdown")
BREAKDOWN_BARS = 12  # rows drawn as bars; the table beside lists them all
DAY = 86_400
EPOCH = dt.date(1970, 1, 1)


# ---- colours that are not a tool's ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartColors:
    """The colours of the measures (tools have their own, from theme.py)."""

    tokens: str  # bars of a breakdown that is not by tool
    cost: str
    value: str
    low: str  # low-value share
    sessions: str
    selection: str


LIGHT_CHART = ChartColors("#4C6FBF", "#2E8B57", LIGHT.value, "#C0392B", "#7C8794", "#2F6FEB")
DARK_CHART = ChartColors("#7F9FE6", "#5BBF8A", DARK.value, "#E5645A", "#9AA3AE", "#6C9BFF")


def _colors(theme: Theme | None) -> tuple[Colors, ChartColors]:
    dark = theme is not None and theme.dark
    return (DARK, DARK_CHART) if dark else (LIGHT, LIGHT_CHART)


# ---- what the workers read --------------------------------------------------------------


class PointInfos(Mapping[int, PointInfo]):
    """The hover tips' PointInfo, made when a point is asked for (not 100,000 up front).

    Args:
        points: The points, as scatter_points() read them.
        index: Session id -> position in ``points``.
    """

    def __init__(self, points: Sequence[ScatterPoint], index: dict[int, int]) -> None:
        self._points = points
        self._index = index

    def __getitem__(self, session_id: int) -> PointInfo:
        p = self._points[self._index[session_id]]
        return PointInfo(p.tool, p.start, p.total_tokens, p.value, p.goal, p.estimated)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


@dataclass(slots=True)
class ChartScatterData(ScatterData):
    """ScatterData with each point's session key and the table's rows."""

    points: list[ScatterPoint] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)  # session id -> position in points
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # as SCATTER_COLUMNS
    row_ids: list[int] = field(default_factory=list)

    def key_of(self, session_id: int) -> str | None:
        """The session key of a plotted session."""
        i = self.index.get(session_id)
        return None if i is None else self.points[i].session_key


def load_scatter(path: Path, flt: SessionFilter) -> ChartScatterData:
    """The scatter's points from the light query, on this thread's own connection."""
    with Journal(path, readonly=True, verify=False) as journal:
        pts = scatter_points(journal, flt)
    points = pts.points
    data = ChartScatterData(unrated=pts.unrated, no_tokens=pts.no_tokens, points=points)
    data.index = {p.id: i for i, p in enumerate(points)}
    data.info = PointInfos(points, data.index)  # type: ignore[assignment]
    for p in points:
        data.tokens.setdefault(p.tool, []).append(p.total_tokens)
        data.values.setdefault(p.tool, []).append(p.value)
        data.ids.setdefault(p.tool, []).append(p.id)
    data.rows = [(p.total_tokens, p.value, p.tool, p.start, p.goal or "") for p in points]
    data.row_ids = [p.id for p in points]
    return data


def load_summary(path: Path, flt: SessionFilter) -> dict[str, Any]:
    """The headline numbers (costs as stored: priced with the journal's table)."""
    with Journal(path, readonly=True, verify=False) as journal:
        return summary(journal, flt)


def load_trends(
    path: Path, flt: SessionFilter, period: str, zone: dt.tzinfo, week_start: int
) -> dict[str, Any]:
    """Rows per week or month."""
    with Journal(path, readonly=True, verify=False) as journal:
        return trends(journal, period, zone, flt, week_start=week_start)


def load_breakdown(path: Path, flt: SessionFilter, by: str) -> dict[str, Any]:
    """Rows per tool, model, project or tag."""
    with Journal(path, readonly=True, verify=False) as journal:
        return breakdown(journal, by, flt)


def load_breakdown_sessions(path: Path, flt: SessionFilter, by: str, key: str) -> list[str]:
    """The session keys behind one breakdown row."""
    with Journal(path, readonly=True, verify=False) as journal:
        return breakdown_sessions(journal, by, key, flt)


@dataclass(frozen=True, slots=True)
class ChartSelection:
    """What a chart asks the journal to show: a narrower filter and a sentence saying why."""

    filter: SessionFilter
    description: str
    count: int | None = None  # sessions, when known


# ---- formatting -------------------------------------------------------------------------


def _usd(value: float | None) -> str:
    return "–" if value is None else fmt.cost(value)


def _minutes(value: int | None) -> str:
    if value is None:
        return "–"
    sign = "−" if value < 0 else "+"
    if abs(value) >= 600:  # "+128 h": minutes do not matter any more
        return f"{sign}{round(abs(value) / 60):,} h"
    return sign + fmt.duration(abs(value))


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _mean(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _period_title(label: str, period: str) -> str:
    if period == "week":
        return "Week of " + dt.date.fromisoformat(label).strftime("%d %b %Y").lstrip("0")
    return dt.date.fromisoformat(label + "-01").strftime("%b %Y")


def _safe_csv_text(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---- tables -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a chart's table.

    ``kind`` decides how a cell reads: "text", "int", "usd", "mean", "share", "when"
    (a stored time stamp shown in the view's zone) or "period".
    """

    title: str
    kind: str = "text"
    tip: str = ""


_NUMERIC = ("int", "usd", "mean", "share")
SORT_ROLE = int(Qt.ItemDataRole.UserRole)


class RowsModel(QAbstractTableModel):
    """Plain rows of values (not strings) for a chart's table; sorts in Python, copies as CSV.

    Args:
        columns: The columns.
        zone: Zone for "when" cells.
        parent: The owning QObject.
    """

    def __init__(
        self, columns: Sequence[Column], zone: dt.tzinfo, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.zone = zone
        self.period = "week"
        self.rows: list[tuple[Any, ...]] = []
        self.ids: list[Any] = []  # what each row stands for (session id, period, key)

    def set_rows(
        self,
        rows: list[tuple[Any, ...]],
        ids: Sequence[Any] | None = None,
        columns: Sequence[Column] | None = None,
    ) -> None:
        """Show ``rows`` (one value per column); ``ids`` travel with them when sorted."""
        self.beginResetModel()
        try:
            if columns is not None:
                self.columns = list(columns)
            self.rows = rows
            self.ids = list(ids) if ids is not None else list(range(len(rows)))
        finally:
            self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Rows (none under a parent: a flat table)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Columns."""
        return 0 if parent.isValid() else len(self.columns)

    def text(self, row: int, col: int) -> str:
        """The cell as it reads on screen."""
        value = self.rows[row][col]
        kind = self.columns[col].kind
        if kind == "int":
            return "–" if value is None else f"{value:,}"
        if kind == "usd":
            return _usd(value)
        if kind == "mean":
            return _mean(value)
        if kind == "share":
            return _share(value)
        if kind == "when":
            return fmt.date_time(value, self.zone)
        if kind == "period":
            return _period_title(value, self.period)
        return "" if value is None else str(value)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Text, raw value (UserRole), alignment."""
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, col)
        if role == SORT_ROLE:
            return self.rows[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[col].kind in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and self.columns[col].title == "Tool":
            return tool_icon(str(self.rows[row][col]))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their explanations."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by the raw values (no value last either way)."""
        if not 0 <= column < len(self.columns):
            return
        desc = order == Qt.SortOrder.DescendingOrder
        numeric = self.columns[column].kind in _NUMERIC

        def key(i: int) -> tuple[bool, Any]:
            v = self.rows[i][column]
            if v is None:
                return (not desc, 0 if numeric else "")
            return (desc, v if numeric else str(v).casefold())

        self.layoutAboutToBeChanged.emit()
        try:
            order_ = sorted(range(len(self.rows)), key=key, reverse=desc)
            self.rows = [self.rows[i] for i in order_]
            self.ids = [self.ids[i] for i in order_]
        finally:
            self.layoutChanged.emit()

    def csv_text(self) -> str:
        """Header and rows as CSV: numbers plain, no value empty, text safe for spreadsheets."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.title for c in self.columns])
        for row in self.rows:
            cells: list[Any] = []
            for c, v in zip(self.columns, row, strict=True):
                if v is None:
                    cells.append("")
                elif c.kind in _NUMERIC:
                    cells.append(round(v, 6) if isinstance(v, float) else v)
                else:
                    cells.append(_safe_csv_text(str(v)))
            writer.writerow(cells)
        return out.getvalue()


_SAMPLES = {
    "int": "99,999,999",
    "usd": "$99,999.99",
    "mean": "Mean value",
    "share": "100%",
    "when": "28 Sep 2026  23:59",
    "period": "Week of 28 Sep 2026",
}


def fit_columns(view: QTableView, model: RowsModel) -> None:
    """Column widths from the font and the kind of values (never by reading every row)."""
    fm = view.fontMetrics()
    for i, column in enumerate(model.columns):
        sample = _SAMPLES.get(column.kind, "claude-code")
        pad = 40 if column.title == "Tool" else 18  # room for the tool's dot
        width = max(fm.horizontalAdvance(sample), fm.horizontalAdvance(column.title)) + pad
        view.setColumnWidth(i, width)


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicatorShown(False)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # 100,000 rows: no size asked
    vh.setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


# ---- headline strip -----------------------------------------------------------------------

HEADLINES = (
    ("sessions", "Sessions"),
    ("total_tokens", "Tokens"),
    ("cost_usd", "Cost"),
    ("mean_value", "Mean value"),
    ("low_value_share", "Low value"),
    ("tokens_per_value_point", "Efficiency"),
    ("minutes_saved", "Time saved"),
    ("outcome_rate", "Outcomes"),
    ("spearman_tokens_value", "Correlation"),
)
_CARD_WIDTH = 94  # nine fit side by side beside the annotation panel at 1280 pixels


class HeadlineStrip(QWidget):
    """The summary numbers as a row of small cards that wraps when the window is narrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        self.cards: list[QFrame] = []
        self.summary: dict[str, Any] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(6)
        self._columns = 0
        # The parent gives the width; the cards wrap onto more rows instead of widening it.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for key, title in HEADLINES:
            card = QFrame()
            card.setObjectName("headline_card")
            card.setFrameShape(QFrame.Shape.StyledPanel)
            card.setMinimumWidth(_CARD_WIDTH - 10)
            box = QVBoxLayout(card)
            box.setContentsMargins(7, 4, 6, 5)
            box.setSpacing(0)
            head = QLabel(title)
            head.setEnabled(False)
            value = QLabel("–")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setWeight(QFont.Weight.DemiBold)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel("")
            caption.setEnabled(False)
            caption.setWordWrap(True)
            small = caption.font()
            small.setPointSizeF(small.pointSizeF() * 0.9)
            caption.setFont(small)
            head.setFont(small)
            box.addWidget(head)
            box.addWidget(value)
            box.addWidget(caption)
            self.values[key] = value
            self.captions[key] = caption
            self.cards.append(card)
        self._relayout(len(self.cards))

    def _relayout(self, columns: int) -> None:
        columns = max(1, min(columns, len(self.cards)))
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self._grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self._grid.addWidget(card, i // columns, i % columns)
        for c in range(len(self.cards)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        """Wrap the cards onto more rows when they no longer fit side by side."""
        super().resizeEvent(event)
        self._relayout(max(1, (self.width() + 6) // _CARD_WIDTH))

    def set_loading(self) -> None:
        """Dim the numbers while new ones are read."""
        for label in self.values.values():
            label.setEnabled(False)

    def set_summary(self, s: dict[str, Any]) -> None:
        """Show ``summary()``'s numbers."""
        self.summary = s
        n = s["sessions"]
        rated = s["rated_sessions"]
        texts: dict[str, tuple[str, str, str]] = {}  # key -> value, caption, tooltip
        texts["sessions"] = (
            f"{n:,}",
            f"{s['rated_share']:.0%} rated" if n else "none selected",
            f"{rated:,} of {n:,} sessions have a value.",
        )
        estimated = s["estimated_tokens"]
        texts["total_tokens"] = (
            fmt.compact_tokens(s["total_tokens"]),
            f"≈ {fmt.compact_tokens(estimated)} estimated" if estimated else "all measured",
            f"{s['total_tokens']:,} tokens"
            + (
                f", of which {estimated:,} estimated from text (chat exports do not count them)."
                if estimated
                else "."
            ),
        )
        unpriced = s["unpriced_events"]
        texts["cost_usd"] = (
            _usd(s["cost_usd"]),
            "API-equivalent" + (f", {unpriced:,} calls unpriced" if unpriced else ""),
            "What these calls would cost at API list prices, or what the source reported. "
            "Many people pay a subscription instead."
            + (
                f" {unpriced:,} calls have no known price and are not counted (not $0)."
                if unpriced
                else ""
            ),
        )
        mean = s["mean_value"]
        texts["mean_value"] = (
            "–" if mean is None else f"{mean:.1f} / 5",
            "of rated sessions" if rated else "rate sessions 1–5",
            "The mean of the values you gave (1 = busywork, 5 = exceptional).",
        )
        texts["low_value_share"] = (
            _share(s["low_value_share"]),
            "of rated tokens on 1–2s",
            "Tokens of the sessions you rated 1 or 2, out of the tokens of all rated sessions.",
        )
        tpv = s["tokens_per_value_point"]
        texts["tokens_per_value_point"] = (
            "–" if tpv is None else fmt.compact_tokens(tpv),
            "tokens per value point",
            "Tokens of the rated sessions divided by the sum of their values: lower is better.",
        )
        texts["minutes_saved"] = (
            _minutes(s["minutes_saved"]),
            "your estimate" if s["minutes_saved"] is not None else "not noted yet",
            "The sum of the minutes you noted as saved (negative when AI cost time).",
        )
        texts["outcome_rate"] = (
            _share(s["outcome_rate"]),
            "achieved or partly",
            "Sessions whose goal was achieved or partly achieved, of those with an outcome.",
        )
        rho = s["spearman_tokens_value"]
        texts["spearman_tokens_value"] = (
            "–" if rho is None else f"{rho:+.2f}".replace("-", "−"),
            "of tokens with value" if rho is not None else "needs 3 rated sessions",
            "Spearman's rank correlation of a session's tokens with its value: +1 means more "
            "tokens always came with more value, 0 no relation, −1 the opposite.",
        )
        for key, title in HEADLINES:
            value, caption, tip = texts[key]
            self.values[key].setText(value)
            self.values[key].setEnabled(True)
            self.captions[key].setText(caption)
            card = self.values[key].parentWidget()
            card.setToolTip(tip)
            card.setAccessibleName(f"{title}: {value}, {caption}")


# ---- scatter with a rubber band -----------------------------------------------------------


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto more lines when narrow (Qt's flow layout example).

    Args:
        parent: The widget to lay out.
        spacing: Pixels between items, across and down.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        """Keep the item (Qt calls this from addWidget)."""
        self._items.append(item)

    def count(self) -> int:
        """Number of items."""
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        """The item at ``index``, or None."""
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        """Remove and return the item at ``index``."""
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        """Neither way."""
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        """The height depends on how many lines the width allows."""
        return True

    def heightForWidth(self, width: int) -> int:
        """Height of the items wrapped into ``width``."""
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        """Place the items in ``rect``."""
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """All items on one line."""
        width = sum(i.sizeHint().width() for i in self._items) + self._gap * len(self._items)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """The widest item."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x > rect.x() and x + hint.width() > rect.right() + 1:
                x, y, line = rect.x(), y + line + self._gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line = max(line, hint.height())
        return y + line - rect.y()


class RubberBand(pg.GraphicsObject):
    """A transparent layer over a ViewBox that turns a drag into a rectangle selection.

    It takes a left-button drag only when ``wants(modifiers)`` says so (Shift, or the
    "Select" tool); any other drag goes on to the ViewBox, which pans.

    Args:
        view_box: The ViewBox to cover.
        wants: Whether a drag with these keyboard modifiers selects.
        selected: Called with the rectangle in data coordinates.
    """

    def __init__(
        self,
        view_box: pg.ViewBox,
        wants: Callable[[Qt.KeyboardModifier], bool],
        selected: Callable[[QRectF], None],
    ) -> None:
        super().__init__(view_box)
        self._vb = view_box
        self._wants = wants
        self._selected = selected
        self.band: QRectF | None = None  # in the ViewBox's pixels, while dragging
        self.pen = QPen(QColor("#2F6FEB"), 1)
        self.pen.setCosmetic(True)
        self.brush = QColor(47, 111, 235, 40)
        self.setZValue(1_000_000)
        view_box.sigResized.connect(self._view_resized)

    def _view_resized(self, _view_box: object) -> None:
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:
        """The whole ViewBox."""
        return self._vb.boundingRect()

    def paint(self, painter: QPainter, *_args: Any) -> None:
        """The band while dragging; nothing otherwise."""
        if self.band is not None:
            painter.setPen(self.pen)
            painter.setBrush(self.brush)
            painter.drawRect(self.band)

    def mouseDragEvent(self, ev: Any) -> None:
        """Draw the band; on release, hand its data rectangle over."""
        if ev.button() != Qt.MouseButton.LeftButton or not self._wants(ev.modifiers()):
            ev.ignore()
            return
        ev.accept()
        start = QPointF(ev.buttonDownPos(Qt.MouseButton.LeftButton))
        self.band = QRectF(start, QPointF(ev.pos())).normalized()
        if ev.isFinish():
            a = self._vb.mapToView(self.band.topLeft())
            b = self._vb.mapToView(self.band.bottomRight())
            self.band = None
            self._selected(QRectF(a, b).normalized())
        self.update()


class ChartScatter(ScatterView):
    """The tokens-vs-value scatter with a rubber-band selection, fed by the light query.

    Shift+drag, or a drag while ``select_mode`` is on, selects the sessions in a
    rectangle; ``area_selected`` carries their ids. The rectangle stays drawn until
    ``clear_selection``.
    """

    area_selected = Signal(object, object)  # session ids (list), data rectangle (QRectF)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.select_mode = False
        super().__init__(*args, **kwargs)
        pi = self.plot.getPlotItem()
        self.band = RubberBand(pi.getViewBox(), self._wants_band, self.select_rect)
        self.selection_item = QGraphicsRectItem()
        self.selection_item.setZValue(-5)  # under the points, over the grid
        self.selection_item.hide()
        pi.addItem(self.selection_item, ignoreBounds=True)
        self.selected_rect: QRectF | None = None
        self.selected_ids: list[int] = []
        self.plot.setToolTip("")
        self._paint_selection()
        # ScatterView's legend is one row of buttons, as wide as all tools together; in a
        # flow layout it wraps, so the table beside the chart keeps its room.
        top = self.layout().itemAt(0).layout()
        top.removeItem(self.legend)
        holder = QWidget()
        self.legend = FlowLayout(holder)
        top.insertWidget(0, holder, 1)
        top.setStretch(1, 0)

    def _wants_band(self, modifiers: Qt.KeyboardModifier) -> bool:
        return self.select_mode or bool(modifiers & Qt.KeyboardModifier.ShiftModifier)

    def refresh(self, flt: SessionFilter) -> None:
        """Load the points for ``flt`` with the light query; ``loaded`` follows."""
        self._filter = flt
        if self._task is not None:
            self._task.cancel()
        self.caption.setText("Loading…")
        self._task = submit(
            self.pool,
            lambda path=self.journal.path, f=flt: load_scatter(path, f),
            self._task_finished,
            self._task_failed,
            self,
        )

    def points_in(self, rect: QRectF) -> list[int]:
        """Ids of the shown points (tools hidden in the legend are left out) in ``rect``."""
        found: list[int] = []
        for item in self.items.values():
            if not item.isVisible():
                continue
            d = item.data
            inside = (
                (d["x"] >= rect.left())
                & (d["x"] <= rect.right())
                & (d["y"] >= rect.top())
                & (d["y"] <= rect.bottom())
            )
            found.extend(int(i) for i in d["data"][inside])
        return found

    def select_rect(self, rect: QRectF) -> None:
        """Select the points in ``rect`` (data coordinates) and announce them."""
        ids = self.points_in(rect)
        if not ids:
            self.clear_selection()
            self.caption.setText("No points in that area. Drag around some points to select them.")
            return
        self.selected_rect = QRectF(rect)
        self.selected_ids = ids
        self.selection_item.setRect(rect)
        self.selection_item.show()
        self.area_selected.emit(ids, QRectF(rect))

    def clear_selection(self) -> None:
        """Forget the selected area."""
        self.selected_rect = None
        self.selected_ids = []
        self.selection_item.hide()

    def set_data(self, data: ScatterData) -> None:
        """Draw new points; a selection made on the old ones is dropped."""
        if hasattr(self, "selection_item"):
            self.clear_selection()
        super().set_data(data)

    def apply_theme(self) -> None:
        """Follow light or dark, the selection too."""
        super().apply_theme()
        if hasattr(self, "selection_item"):
            self._paint_selection()

    def _paint_selection(self) -> None:
        chart = _colors(self.theme)[1]
        color = QColor(chart.selection)
        pen = QPen(color, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.selection_item.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(28)
        self.selection_item.setBrush(fill)
        self.band.pen = QPen(pen)
        self.band.pen.setStyle(Qt.PenStyle.SolidLine)
        self.band.brush = QColor(fill)


def describe_area(rect: QRectF, count: int) -> str:
    """``37 sessions from Charts: 10k–200k tokens, value 1–2``."""
    lo = fmt.compact_tokens(10 ** max(rect.left(), 0.0))
    hi = fmt.compact_tokens(10 ** max(rect.right(), 0.0))
    # Points sit within JITTER of their value: those are the values the area can hold.
    v_lo = min(5, max(1, math.ceil(rect.top() - JITTER)))
    v_hi = max(1, min(5, math.floor(rect.bottom() + JITTER)))
    values = f"value {v_lo}" if v_lo == v_hi else f"values {v_lo}–{v_hi}"
    noun = "session" if count == 1 else "sessions"
    return f"{count:,} {noun} selected in Charts: {lo}–{hi} tokens, {values}"


# ---- axes ---------------------------------------------------------------------------------


class CompactAxis(pg.AxisItem):
    """Ticks as ``950``, ``12k``, ``3.4M`` (or with a prefix/suffix, e.g. ``$`` or ``%``)."""

    def __init__(self, *args: Any, prefix: str = "", suffix: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prefix = prefix
        self.suffix = suffix
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Compact numbers."""
        out = []
        for v in values:
            if self.prefix == "$":
                text = f"{v:,.2f}" if spacing < 1 else fmt.compact_tokens(v)
            else:
                text = fmt.compact_tokens(v) if abs(v) >= 1000 else f"{v:g}"
            out.append(f"{self.prefix}{text}{self.suffix}")
        return out


def _style_plot(pi: pg.PlotItem, colors: Colors, title: str) -> None:
    for name in ("left", "bottom", "right", "top"):
        axis = pi.getAxis(name)
        axis.setPen(pg.mkPen(colors.plot_foreground))
        axis.setTextPen(pg.mkPen(colors.plot_foreground))
    pi.showGrid(x=False, y=True, alpha=colors.grid_alpha)
    pi.setTitle(title, color=colors.plot_foreground, justify="left", size="9pt")
    pi.titleLabel.setMaximumHeight(20)
    pi.layout.setRowFixedHeight(0, 20)


class PaintWatch(QObject):
    """Notes the first paint of a widget: images are taken after it (axis labels exist)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """Watch for Paint."""
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def render_image(widget: QWidget, background: QColor) -> QImage:
    """The widget as it is on screen, at the screen's pixel ratio."""
    ratio = widget.devicePixelRatioF()
    image = QImage(widget.size() * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(background)
    painter = QPainter(image)
    try:
        widget.render(painter, QPoint())
    finally:
        painter.end()
    return image


def _legend_label(tool: str) -> QLabel:
    label = QLabel()
    icon = tool_icon(tool, 12)
    label.setPixmap(icon.pixmap(12, 12))
    return label


class Legend(QWidget):
    """Tool dots and names in a row (Qt text, so it reads the same in light and dark)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.tools: list[str] = []

    def set_entries(self, entries: Sequence[tuple[QWidget | None, str]]) -> None:
        """Replace the entries: (marker widget or None, text)."""
        while self._layout.count():
            item = self._layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.deleteLater()
        for marker, text in entries:
            if marker is not None:
                self._layout.addWidget(marker)
            label = QLabel(text)
            self._layout.addWidget(label)
            self._layout.addSpacing(10)
        self._layout.addStretch(1)

    def set_tools(self, tools: Sequence[str]) -> None:
        """One entry per tool."""
        self.tools = list(tools)
        self.set_entries([(_legend_label(t), t) for t in tools])


# ---- trends -------------------------------------------------------------------------------


def _period_x(start: str, period: str) -> tuple[float, float]:
    """(left edge, width) in seconds of a period whose first day is ``start``.

    The date axis shows wall-clock dates (``utcOffset=0``): a day is placed at its own
    midnight counted as if it were UTC, which keeps weeks 7 days wide across DST.
    """
    day = dt.date.fromisoformat(start)
    if period == "week":
        end = day + dt.timedelta(days=7)
    else:
        end = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    left = (day - EPOCH).days * DAY
    return float(left), float((end - day).days * DAY)


def _plot_under(plots: Sequence[pg.PlotItem], scene_pos: QPointF) -> pg.PlotItem | None:
    """The plot whose view box holds ``scene_pos``, if any."""
    for pi in plots:
        if pi.getViewBox().sceneBoundingRect().contains(scene_pos):
            return pi
    return None


def _clicked_index(
    plots: Sequence[pg.PlotItem], ev: Any, index_at: Callable[[QPointF], int | None]
) -> int | None:
    """The row a left click on one of ``plots`` points at (``index_at`` reads data coords)."""
    if ev.button() != Qt.MouseButton.LeftButton:
        return None
    pi = _plot_under(plots, ev.scenePos())
    return None if pi is None else index_at(pi.getViewBox().mapSceneToView(ev.scenePos()))


class TrendsChart(QWidget):
    """Four plots over one date axis: tokens stacked by tool, mean value, low-value share, cost.

    Args:
        theme: Colours (follows light and dark).
        parent: The parent widget.
    """

    period_clicked = Signal(int)  # row index of the period

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.result: dict[str, Any] = {"rows": [], "tools": [], "period": "week"}
        self.x: np.ndarray = np.zeros(0)  # bar centres
        self.widths: np.ndarray = np.zeros(0)
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.legend = Legend()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setSpacing(2)
        self.graphics.setMinimumHeight(320)
        self.paint_watch = PaintWatch(self.graphics.viewport())
        self.caption = QLabel()
        self.caption.setEnabled(False)
        self.caption.setWordWrap(True)
        g = self.graphics
        self.tokens_plot = g.addPlot(
            row=0,
            col=0,
            axisItems={
                "bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0),
                "left": CompactAxis(orientation="left"),
            },
        )
        self.value_plot = g.addPlot(
            row=1, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)}
        )
        self.low_plot = g.addPlot(
            row=2,
            col=0,
            axisItems={
                "bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0),
                "left": CompactAxis(orientation="left", suffix="%"),
            },
        )
        self.cost_plot = g.addPlot(
            row=3,
            col=0,
            axisItems={
                "bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0),
                "left": CompactAxis(orientation="left", prefix="$"),
            },
        )
        self.plots = [self.tokens_plot, self.value_plot, self.low_plot, self.cost_plot]
        layout = g.ci.layout
        for row, stretch in enumerate((3, 2, 2, 2)):
            layout.setRowStretchFactor(row, stretch)
        for pi in self.plots:
            pi.setMenuEnabled(False)
            pi.hideButtons()
            pi.setMouseEnabled(x=True, y=False)
            pi.getAxis("left").setWidth(64)
            if pi is not self.tokens_plot:
                pi.setXLink(self.tokens_plot)
            if pi is not self.cost_plot:
                pi.getAxis("bottom").setStyle(showValues=False)
        # Ranges a little beyond the ticks: a tick label on the very edge is not drawn.
        self.value_plot.setYRange(0.6, 5.4, padding=0)
        self.value_plot.getAxis("left").setTicks([[(v, str(v)) for v in range(1, 6)], []])
        for pi in (self.value_plot, self.low_plot):
            pi.getAxis("left").setStyle(hideOverlappingLabels=False)
        self.low_plot.setYRange(-10, 118, padding=0)
        self.low_plot.getAxis("left").setTicks(
            [[(v, f"{v}%") for v in (0, 50, 100)], [(25, ""), (75, "")]]
        )
        self.value_curve = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=5)
        self.low_curve = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=5)
        self.cost_bars = pg.BarGraphItem(x=[], height=[], width=1)
        self.value_plot.addItem(self.value_curve)
        self.low_plot.addItem(self.low_curve)
        self.cost_plot.addItem(self.cost_bars)
        g.scene().sigMouseClicked.connect(self._clicked)
        g.scene().sigMouseMoved.connect(self._hovered)

        layout_ = QVBoxLayout(self)
        layout_.setContentsMargins(0, 0, 0, 0)
        layout_.setSpacing(4)
        layout_.addWidget(self.legend)
        layout_.addWidget(self.graphics, 1)
        layout_.addWidget(self.caption)
        if theme is not None:
            theme.changed.connect(self.apply_theme)
        self.apply_theme()

    def set_data(self, result: dict[str, Any]) -> None:
        """Draw ``trends()``'s rows: stacked bars per tool, two lines, cost bars."""
        self.result = result
        rows = result["rows"]
        period = result["period"]
        tools = result["tools"]
        edges = [_period_x(r["start"], period) for r in rows]
        left = np.array([e[0] for e in edges], dtype=np.float64)
        width = np.array([e[1] for e in edges], dtype=np.float64)
        self.x = left + width / 2
        self.widths = width * 0.8
        for item in self.bars.values():
            self.tokens_plot.removeItem(item)
        self.bars.clear()
        base = np.zeros(len(rows), dtype=np.float64)
        colors = _colors(self.theme)[0]
        for tool in tools:
            heights = np.array([r["tokens"][tool] for r in rows], dtype=np.float64)
            item = pg.BarGraphItem(
                x=self.x,
                y0=base.copy(),
                height=heights,
                width=self.widths,
                brush=pg.mkBrush(tool_color(tool)),
                pen=pg.mkPen(colors.plot_background, width=0.6),
                name=tool,
            )
            self.tokens_plot.addItem(item)
            self.bars[tool] = item
            base = base + heights

        def series(key: str, scale: float = 1.0) -> np.ndarray:
            return np.array(
                [np.nan if r[key] is None else r[key] * scale for r in rows], dtype=np.float64
            )

        self.value_curve.setData(self.x, series("mean_value"))
        self.low_curve.setData(self.x, series("low_value_share", 100.0))
        cost = series("cost_usd")
        self.cost_bars.setOpts(x=self.x, height=np.nan_to_num(cost), width=self.widths)
        self.legend.set_tools(tools)
        first_day = dt.date(2024, 1, 1) + dt.timedelta(days=result.get("week_start", 0))
        self.cost_plot.setLabel(
            "bottom",
            f"Weeks, from {first_day.strftime('%A')}" if period == "week" else "Months",
        )
        if rows:
            lo, hi = float(left[0]), float(left[-1] + width[-1])
            pad = (hi - lo) * 0.02 + DAY
            self.tokens_plot.setLimits(xMin=lo - 40 * DAY, xMax=hi + 40 * DAY)
            self.tokens_plot.setXRange(lo - pad, hi + pad, padding=0)
            top = float(base.max()) if len(base) else 0.0
            self.tokens_plot.setYRange(0, max(top, 1.0) * 1.05, padding=0)
            top_cost = float(np.nanmax(cost)) if np.isfinite(cost).any() else 0.0
            self.cost_plot.setYRange(0, max(top_cost, 0.01) * 1.08, padding=0)
        self._update_caption()
        self._apply_item_colors()

    def _update_caption(self) -> None:
        rows = self.result["rows"]
        if not rows:
            self.caption.setText("No sessions match the journal's filters.")
            return
        unpriced = sum(r["unpriced_events"] for r in rows)
        parts = [
            "Tokens and cost by the time of each call; mean value and low-value share by "
            "the week or month a session started",
            "cost is API-equivalent",
        ]
        if unpriced:
            parts.append(f"{unpriced:,} calls without a known price are not in the cost")
        parts.append("click a bar for its sessions")
        self.caption.setText(" · ".join(parts) + ".")

    def index_at(self, x: float) -> int | None:
        """The row whose bar spans ``x`` (or is nearest within its period)."""
        if not len(self.x):
            return None
        i = int(np.argmin(np.abs(self.x - x)))
        return i if abs(self.x[i] - x) <= self.widths[i] / 0.8 / 2 else None

    def _clicked(self, ev: Any) -> None:
        i = _clicked_index(self.plots, ev, lambda p: self.index_at(p.x()))
        if i is not None:
            self.period_clicked.emit(i)

    def tip(self, i: int) -> str:
        """What a period's bars and points say, in words."""
        r = self.result["rows"][i]
        lines = [_period_title(r["period"], self.result["period"])]
        lines.append(f"{r['total_tokens']:,} tokens · {_usd(r['cost_usd'])} API-equivalent")
        for tool in self.result["tools"]:
            if r["tokens"][tool]:
                lines.append(f"  {tool}: {r['tokens'][tool]:,}")
        lines.append(
            f"{r['sessions']:,} sessions started, {r['rated_sessions']:,} rated · "
            f"mean value {_mean(r['mean_value'])} · low-value {_share(r['low_value_share'])}"
        )
        return "\n".join(lines)

    def _hovered(self, scene_pos: QPointF) -> None:
        pi = _plot_under(self.plots, scene_pos)
        i = None if pi is None else self.index_at(pi.getViewBox().mapSceneToView(scene_pos).x())
        if i is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.tip(i), self.graphics)

    def apply_theme(self) -> None:
        """Follow light or dark."""
        colors, _chart = _colors(self.theme)
        self.graphics.setBackground(colors.plot_background)
        titles = (
            "Tokens per tool",
            "Mean value of the sessions started (1–5)",
            "Low-value share: tokens of sessions rated 1–2",
            "Cost, API-equivalent (USD)",
        )
        for pi, title in zip(self.plots, titles, strict=True):
            _style_plot(pi, colors, title)
        self._apply_item_colors()

    def _apply_item_colors(self) -> None:
        colors, chart = _colors(self.theme)
        for item in self.bars.values():
            item.setOpts(pen=pg.mkPen(colors.plot_background, width=0.6))
        self.value_curve.setPen(pg.mkPen(chart.value, width=2))
        self.value_curve.setSymbolBrush(pg.mkBrush(chart.value))
        self.value_curve.setSymbolPen(pg.mkPen(None))
        self.low_curve.setPen(pg.mkPen(chart.low, width=2))
        self.low_curve.setSymbolBrush(pg.mkBrush(chart.low))
        self.low_curve.setSymbolPen(pg.mkPen(None))
        self.cost_bars.setOpts(brush=pg.mkBrush(chart.cost), pen=pg.mkPen(None))


# ---- breakdown ----------------------------------------------------------------------------

_MEASURES = (
    ("total_tokens", "Tokens"),
    ("cost_usd", "Cost (API-equiv.)"),
    ("mean_value", "Mean value"),
    ("sessions", "Sessions"),
)


class CategoryAxis(pg.AxisItem):
    """A left axis that names the rows (0, 1, 2, ... from the top), elided to fit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names: list[str] = []

    def set_names(self, names: Sequence[str], width: int) -> None:
        """Name the rows; ``width`` is the pixel width of the longest label."""
        self.names = list(names)
        self.setTicks([[(i, n) for i, n in enumerate(names)], []])
        self.setWidth(width + 22)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """The row names."""
        return [self.names[int(v)] if 0 <= int(v) < len(self.names) else "" for v in values]


class BreakdownChart(QWidget):
    """Horizontal bars per tool, model, project or tag: tokens, cost, mean value, sessions.

    Args:
        theme: Colours (follows light and dark).
        parent: The parent widget.
    """

    row_clicked = Signal(int)  # index into the result's rows

    def __init__(self, theme: Theme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.result: dict[str, Any] = {"by": "tool", "rows": []}
        self.shown: list[dict[str, Any]] = []  # the rows drawn (the first BREAKDOWN_BARS)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setHorizontalSpacing(4)
        self.graphics.setMinimumHeight(240)
        self.paint_watch = PaintWatch(self.graphics.viewport())
        self.caption = QLabel()
        self.caption.setEnabled(False)
        self.caption.setWordWrap(True)
        self.names = CategoryAxis(orientation="left")
        self.plots: list[pg.PlotItem] = []
        self.bars: dict[str, pg.BarGraphItem] = {}
        for col, (key, _title) in enumerate(_MEASURES):
            axes: dict[str, pg.AxisItem] = {
                "bottom": CompactAxis(orientation="bottom", prefix="$" if key == "cost_usd" else "")
            }
            if col == 0:
                axes["left"] = self.names
            pi = self.graphics.addPlot(row=0, col=col, axisItems=axes)
            pi.setMenuEnabled(False)
            pi.hideButtons()
            pi.setMouseEnabled(x=False, y=False)
            pi.invertY(True)
            if col:
                pi.hideAxis("left")
                pi.setYLink(self.plots[0])
            bar = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7)
            pi.addItem(bar)
            self.plots.append(pi)
            self.bars[key] = bar
        self.plots[2].setXRange(0, 5.35, padding=0)
        self.plots[2].getAxis("bottom").setTicks([[(v, str(v)) for v in range(0, 6)], []])
        self.graphics.ci.layout.setColumnStretchFactor(0, 2)
        for col in range(1, len(_MEASURES)):
            self.graphics.ci.layout.setColumnStretchFactor(col, 1)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.graphics.scene().sigMouseMoved.connect(self._hovered)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.caption)
        if theme is not None:
            theme.changed.connect(self.apply_theme)
        self.apply_theme()

    def set_data(self, result: dict[str, Any]) -> None:
        """Draw the first BREAKDOWN_BARS rows of ``breakdown()`` (the most tokens)."""
        self.result = result
        self.shown = result["rows"][:BREAKDOWN_BARS]
        n = len(self.shown)
        y = np.arange(n, dtype=np.float64)
        names = [str(r["key"]) for r in self.shown]
        fm = self.graphics.fontMetrics()
        width = min(max([fm.horizontalAdvance(t) for t in names] + [40]), 170)
        self.names.set_names(
            [fm.elidedText(t, Qt.TextElideMode.ElideMiddle, width + 2) for t in names], width
        )
        for key, _title in _MEASURES:
            values = np.array(
                [0.0 if r[key] is None else float(r[key]) for r in self.shown], dtype=np.float64
            )
            self.bars[key].setOpts(x0=np.zeros(n), y=y, width=values, height=0.7)
        for pi, (key, _title) in zip(self.plots, _MEASURES, strict=True):
            if key != "mean_value":
                top = max((float(r[key] or 0) for r in self.shown), default=0.0)
                pi.setXRange(0, max(top, 1e-9 if key == "cost_usd" else 1.0) * 1.08, padding=0)
        self.plots[0].setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        self._apply_item_colors()
        total = len(result["rows"])
        noun = {"tool": "tools", "model": "models", "project": "projects", "tag": "tags"}[
            result["by"]
        ]
        if not total:
            self.caption.setText("No sessions match the journal's filters.")
            return
        head = (
            f"The {n} {noun} with the most tokens of {total}; the table lists all"
            if total > n
            else f"{total} {noun}"
        )
        extra = (
            "a session with several models counts in each"
            if result["by"] == "model"
            else "a session with several tags counts in each"
            if result["by"] == "tag"
            else "cost is API-equivalent"
        )
        self.caption.setText(f"{head} · {extra} · click a bar for its sessions.")

    def index_at(self, y: float) -> int | None:
        """The drawn row at ``y`` (data coordinates)."""
        i = round(y)
        return i if 0 <= i < len(self.shown) and abs(y - i) <= 0.45 else None

    def _clicked(self, ev: Any) -> None:
        i = _clicked_index(self.plots, ev, lambda p: self.index_at(p.y()))
        if i is not None:
            self.row_clicked.emit(i)

    def tip(self, i: int) -> str:
        """A row in words."""
        r = self.shown[i]
        return (
            f"{r['key']}\n{r['total_tokens']:,} tokens · {_usd(r['cost_usd'])} API-equivalent"
            + (f" ({r['unpriced_events']:,} calls unpriced)" if r["unpriced_events"] else "")
            + f"\n{r['sessions']:,} sessions, {r['rated_sessions']:,} rated · "
            f"mean value {_mean(r['mean_value'])}"
        )

    def _hovered(self, scene_pos: QPointF) -> None:
        pi = _plot_under(self.plots, scene_pos)
        i = None if pi is None else self.index_at(pi.getViewBox().mapSceneToView(scene_pos).y())
        if i is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.tip(i), self.graphics)

    def apply_theme(self) -> None:
        """Follow light or dark."""
        colors, _chart = _colors(self.theme)
        self.graphics.setBackground(colors.plot_background)
        for pi, (_key, title) in zip(self.plots, _MEASURES, strict=True):
            _style_plot(pi, colors, title)
            pi.showGrid(x=True, y=False, alpha=colors.grid_alpha)
        self._apply_item_colors()

    def _apply_item_colors(self) -> None:
        chart = _colors(self.theme)[1]
        by_tool = self.result.get("by") == "tool"
        single = {
            "total_tokens": chart.tokens,
            "cost_usd": chart.cost,
            "mean_value": chart.value,
            "sessions": chart.sessions,
        }
        for key, bar in self.bars.items():
            if by_tool and self.shown:
                brushes = [pg.mkBrush(tool_color(str(r["key"]))) for r in self.shown]
                bar.setOpts(brushes=brushes, brush=None, pen=pg.mkPen(None))
            else:
                bar.setOpts(brush=pg.mkBrush(single[key]), brushes=None, pen=pg.mkPen(None))


# ---- pages --------------------------------------------------------------------------------


class ImagePath:
    """Where to save a chart image; tests replace ``ask``."""

    @classmethod
    def ask(cls, parent: QWidget, suggested: str) -> Path | None:
        """Ask for a PNG file name."""
        name, _filter = QFileDialog.getSaveFileName(
            parent, "Save chart image", suggested, "PNG image (*.png)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".png" else path.with_suffix(".png")


class ChartPage(QWidget):
    """A chart with its table beside it, and Copy as CSV / Save image above.

    Args:
        name: Short name for the image file ("trends").
        chart: The chart widget (rendered by Save image).
        watch: Notes the chart's first paint.
        model: The table's rows.
        controls: Widgets for the left of the toolbar (switches).
        parent: The parent widget.
    """

    message = Signal(str)

    def __init__(
        self,
        name: str,
        chart: QWidget,
        watch: PaintWatch,
        model: RowsModel,
        controls: Sequence[QWidget] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.chart = chart
        self.watch = watch
        self.model = model
        self.fitted = False  # column widths set once (the person may change them)
        self.background = QColor(LIGHT.plot_background)
        self.table = _table(model)
        self.table.setAccessibleName(f"{name.capitalize()} data")
        self.copy_button = QPushButton("Copy as CSV")
        self.copy_button.setToolTip("Copy the table beside the chart, for a spreadsheet")
        self.copy_button.clicked.connect(self.copy_csv)
        self.save_button = QPushButton("Save image…")
        self.save_button.setToolTip("Save the chart as a PNG image")
        self.save_button.clicked.connect(self._save_clicked)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(6)
        for w in controls:
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.save_button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(chart)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(True)
        self.splitter.setSizes([620, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    def copy_csv(self) -> str:
        """Put the table on the clipboard as CSV; returns the text."""
        text = self.model.csv_text()
        QApplication.clipboard().setText(text)
        rows = self.model.rowCount()
        self.message.emit(f"Copied {rows:,} row{'s' if rows != 1 else ''} as CSV.")
        return text

    def image(self) -> QImage:
        """The chart as an image, painted at least once first (else axes lack labels)."""
        if not self.watch.painted and self.chart.isVisible():
            self.chart.repaint()
        return render_image(self.chart, self.background)

    def save_image(self, path: Path) -> bool:
        """Write the chart to ``path`` as PNG; False (and a message) when it cannot."""
        ok = self.image().save(str(path), "PNG")
        self.message.emit(
            f"Saved the chart to {path}."
            if ok
            else f"Could not write {path}: choose another place."
        )
        return ok

    def _save_clicked(self) -> None:
        path = ImagePath.ask(self, f"tokenworth-{self.name}.png")
        if path is not None:
            self.save_image(path)


SCATTER_COLUMNS = (
    Column("Tokens", "int", "Tokens in the session (the chart's x)"),
    Column("Value", "int", "1 = busywork … 5 = exceptional (the chart's y)"),
    Column("Tool"),
    Column("Started", "when"),
    Column("Goal"),
)
BREAKDOWN_COLUMNS = (
    Column("Tool"),
    Column("Tokens", "int"),
    Column("Cost (USD)", "usd", "API-equivalent; – when nothing in the row has a price"),
    Column("Unpriced calls", "int", "Calls with tokens and no known price"),
    Column("Sessions", "int"),
    Column("Rated", "int"),
    Column("Mean value", "mean"),
)


def trend_columns(tools: Sequence[str]) -> list[Column]:
    """The trends table's columns: one per tool after the total."""
    return [
        Column("Period", "period"),
        Column("Tokens", "int", "Tokens of the calls made in the period"),
        *(Column(t, "int", f"Tokens of {t} calls") for t in tools),
        Column("Cost (USD)", "usd", "API-equivalent; – when no call of the period has a price"),
        Column("Unpriced calls", "int"),
        Column("Sessions", "int", "Sessions that started in the period"),
        Column("Rated", "int"),
        Column("Mean value", "mean", "Of the rated sessions that started in the period"),
        Column("Low-value share", "share", "Tokens of sessions rated 1–2 / tokens rated"),
    ]


# ---- the view -----------------------------------------------------------------------------


class ChartsView(QWidget):
    """Headline numbers above three charts that share the journal's filter.

    Args:
        journal: The GUI thread's journal (workers reopen its path).
        pool: Thread pool for every read.
        theme: Colours.
        zone: Time zone for periods and dates.
        week_start: First day of the week, 0 = Monday ... 6 = Sunday (from the locale).
        parent: The parent widget.
    """

    session_clicked = Signal(int)  # a session id: select it in the journal
    sessions_selected = Signal(object)  # ChartSelection: filter the journal to these
    loaded = Signal()  # everything asked for is on screen
    load_failed = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        journal: Journal,
        pool: QThreadPool,
        theme: Theme | None = None,
        zone: dt.tzinfo | None = None,
        *,
        week_start: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        # Many pyqtgraph items: on PySide6 6.12 with Python 3.11 their void calls would wear
        # None down to an abort within minutes (see keep_singletons_alive; done once).
        from tokenworth.app import keep_singletons_alive

        keep_singletons_alive()
        super().__init__(parent)
        self.journal = journal
        self.pool = pool
        self.theme = theme
        self.zone = zone or local_zone()
        self.week_start = week_start
        self.filter = SessionFilter()
        self._tasks: dict[str, Task] = {}
        self._deferred: list[Callable[[], None]] = []  # reads started after the first chart

        self.headline = HeadlineStrip()
        self.scatter = ChartScatter(journal, pool, theme, self.zone)
        self.scatter_model = RowsModel(SCATTER_COLUMNS, self.zone, self)

        self.select_button = QToolButton()
        self.select_button.setText("Select area")
        self.select_button.setCheckable(True)
        self.select_button.setToolTip(
            "Drag a rectangle around points to show those sessions in the journal "
            "(Shift+drag does it without this button)"
        )
        self.select_button.toggled.connect(self._select_mode)
        self.period_box = QComboBox()
        for key, label in PERIOD_CHOICES:
            self.period_box.addItem(label, key)
        self.period_box.setToolTip("Group by week (from the locale's first day) or by month")
        self.by_box = QComboBox()
        for key, label in BREAKDOWN_CHOICES:
            self.by_box.addItem(label, key)
        self.by_box.setToolTip("What the bars are split by")
        self.period_box.activated.connect(self._period_changed)
        self.by_box.activated.connect(self._by_changed)

        scatter_watch = PaintWatch(self.scatter.plot.viewport())
        self.scatter_page = ChartPage(
            "tokens-vs-value", self.scatter, scatter_watch, self.scatter_model, [self.select_button]
        )
        self.scatter_page.message.connect(self.message)
        # Trends and breakdown are built on the first refresh (eight plots: a tenth of a
        # second the window would otherwise spend opening, Charts or not).
        self._holders = [QWidget(), QWidget()]
        for holder in self._holders:
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
        self.pages = QTabWidget()
        self.pages.addTab(self.scatter_page, "Tokens vs value")
        self.pages.addTab(self._holders[0], "Trends")
        self.pages.addTab(self._holders[1], "Breakdown")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addWidget(self.headline)
        layout.addWidget(self.pages, 1)

        self.scatter.session_clicked.connect(self.session_clicked)
        self.scatter.loaded.connect(self._scatter_loaded)
        self.scatter.load_failed.connect(self.load_failed)
        self.scatter.load_failed.connect(lambda _text: self._part_done("scatter"))
        self.scatter.area_selected.connect(self._area_selected)
        self.scatter_page.table.activated.connect(self._scatter_row_activated)
        self._built = False
        if theme is not None:
            theme.changed.connect(self.apply_theme)
        self.apply_theme()

    def build(self) -> None:
        """Make the trends and breakdown pages (once; refresh does it)."""
        if self._built:
            return
        self._built = True
        self.trends = TrendsChart(self.theme)
        self.breakdown = BreakdownChart(self.theme)
        self.trends_model = RowsModel(trend_columns([]), self.zone, self)
        self.breakdown_model = RowsModel(BREAKDOWN_COLUMNS, self.zone, self)
        self.trends_page = ChartPage(
            "trends", self.trends, self.trends.paint_watch, self.trends_model, [self.period_box]
        )
        self.breakdown_page = ChartPage(
            "breakdown",
            self.breakdown,
            self.breakdown.paint_watch,
            self.breakdown_model,
            [self.by_box],
        )
        for holder, page in zip(
            self._holders, (self.trends_page, self.breakdown_page), strict=True
        ):
            holder.layout().addWidget(page)
            page.message.connect(self.message)
        self.trends.period_clicked.connect(self.select_period)
        self.trends_page.table.activated.connect(
            lambda index: self.select_period(self.trends_model.ids[index.row()])
        )
        self.breakdown.row_clicked.connect(self.select_breakdown_row)
        self.breakdown_page.table.activated.connect(
            lambda index: self.select_breakdown_row(self.breakdown_model.ids[index.row()])
        )
        self.apply_theme()

    @property
    def chart_pages(self) -> tuple[ChartPage, ChartPage, ChartPage]:
        """The three pages, in tab order (built if they were not yet)."""
        self.build()
        return (self.scatter_page, self.trends_page, self.breakdown_page)

    @property
    def period(self) -> str:
        """ "week" or "month"."""
        return str(self.period_box.currentData())

    @property
    def by(self) -> str:
        """What the breakdown is split by."""
        return str(self.by_box.currentData())

    # ---- loading ---------------------------------------------------------------------------

    def refresh(self, flt: SessionFilter) -> None:
        """Read everything for ``flt`` on the thread pool; ``loaded`` follows.

        The chart in view is read first and alone (the reads are mostly Python: two at a
        time only share the interpreter); the headline and the other charts once it is
        drawn.
        """
        self.build()
        self.cancel()  # results for an older filter are dropped, not drawn
        self.filter = flt
        self.headline.set_loading()
        path = self.journal.path
        loaders = {
            "summary": lambda: self._submit(
                "summary", lambda: load_summary(path, flt), self.headline.set_summary
            ),
            "scatter": lambda: self.scatter.refresh(self.filter),
            "trends": self._load_trends,
            "breakdown": self._load_breakdown,
        }
        first = PAGES[max(0, self.pages.currentIndex())]
        self._deferred = [fn for part, fn in loaders.items() if part != first]
        loaders[first]()

    def _load_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        for load in deferred:
            load()

    def _load_trends(self) -> None:
        path, flt, period, zone, ws = (
            self.journal.path,
            self.filter,
            self.period,
            self.zone,
            self.week_start,
        )
        self.trends.caption.setText("Loading…")
        self._submit("trends", lambda: load_trends(path, flt, period, zone, ws), self._show_trends)

    def _load_breakdown(self) -> None:
        path, flt, by = self.journal.path, self.filter, self.by
        self.breakdown.caption.setText("Loading…")
        self._submit("breakdown", lambda: load_breakdown(path, flt, by), self._show_breakdown)

    def _submit(self, part: str, fn: Callable[[], Any], show: Callable[[Any], None]) -> None:
        old = self._tasks.pop(part, None)
        if old is not None:
            old.cancel()
        task: Task | None = None

        def finished(result: Any) -> None:
            if self._tasks.get(part) is not task:
                return  # an older read finishing late
            del self._tasks[part]
            show(result)
            self._part_done(part)

        def failed(err: BaseException) -> None:
            if self._tasks.get(part) is not task:
                return
            del self._tasks[part]
            text = f"The {part} could not be read: {err}"
            log.warning("%s", text)
            self.load_failed.emit(text)
            self._part_done(part)

        task = submit(self.pool, fn, finished, failed, self)
        self._tasks[part] = task

    def _part_done(self, part: str) -> None:
        if part != "summary" and self._deferred:
            self._load_deferred()
        if not self.loading:
            self.loaded.emit()

    @property
    def loading(self) -> bool:
        """True while any part is being read (or waits its turn)."""
        return bool(self._tasks) or self.scatter.loading or bool(self._deferred)

    def cancel(self) -> None:
        """Drop every read in progress."""
        self._deferred = []
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        self.scatter.cancel()

    def _period_changed(self) -> None:
        self._load_trends()

    def _by_changed(self) -> None:
        self._load_breakdown()

    # ---- showing ---------------------------------------------------------------------------

    def _scatter_loaded(self) -> None:
        data = self.scatter.data
        rows = data.rows if isinstance(data, ChartScatterData) else []
        ids = data.row_ids if isinstance(data, ChartScatterData) else []
        self.scatter_model.set_rows(rows, ids)
        if not self.scatter_page.fitted:
            fit_columns(self.scatter_page.table, self.scatter_model)
            self.scatter_page.fitted = True
        self._part_done("scatter")

    def _show_trends(self, result: dict[str, Any]) -> None:
        self.trends.set_data(result)
        tools = result["tools"]
        rows = [
            (
                r["period"],
                r["total_tokens"],
                *(r["tokens"][t] for t in tools),
                r["cost_usd"],
                r["unpriced_events"],
                r["sessions"],
                r["rated_sessions"],
                r["mean_value"],
                r["low_value_share"],
            )
            for r in result["rows"]
        ]
        self.trends_model.period = result["period"]
        self.trends_model.set_rows(rows, list(range(len(rows))), trend_columns(tools))
        fit_columns(self.trends_page.table, self.trends_model)

    def _show_breakdown(self, result: dict[str, Any]) -> None:
        self.breakdown.set_data(result)
        columns = list(BREAKDOWN_COLUMNS)
        columns[0] = Column(dict(BREAKDOWN_CHOICES)[result["by"]].removeprefix("By ").title())
        rows = [
            (
                r["key"],
                r["total_tokens"],
                r["cost_usd"],
                r["unpriced_events"],
                r["sessions"],
                r["rated_sessions"],
                r["mean_value"],
            )
            for r in result["rows"]
        ]
        self.breakdown_model.set_rows(rows, list(range(len(rows))), columns)
        fit_columns(self.breakdown_page.table, self.breakdown_model)

    def apply_theme(self) -> None:
        """Follow light or dark (each chart listens too; this sets the image backgrounds)."""
        colors, _chart = _colors(self.theme)
        pages = self.chart_pages if self._built else (self.scatter_page,)
        for page in pages:
            page.background = QColor(colors.plot_background)
        self.headline.setStyleSheet(
            f"QFrame#headline_card {{ background: {colors.base}; "
            f"border: 1px solid {colors.border}; border-radius: 4px; }}"
        )

    # ---- from a chart to the sessions ------------------------------------------------------

    def _select_mode(self, on: bool) -> None:
        self.scatter.select_mode = on
        cursor = Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor
        self.scatter.plot.viewport().setCursor(cursor)

    def _area_selected(self, ids: list[int], rect: QRectF) -> None:
        data = self.scatter.data
        found = [data.key_of(i) for i in ids] if isinstance(data, ChartScatterData) else []
        keys = [k for k in found if k is not None]
        self.sessions_selected.emit(
            ChartSelection(
                replace(self.filter, session_keys=keys), describe_area(rect, len(keys)), len(keys)
            )
        )

    def _scatter_row_activated(self, index: QModelIndex) -> None:
        self.session_clicked.emit(int(self.scatter_model.ids[index.row()]))

    def select_period(self, i: int) -> None:
        """Show the sessions that started in the i-th period of the trends."""
        rows = self.trends.result["rows"]
        if not 0 <= i < len(rows):
            return
        period = self.trends.result["period"]
        first = dt.date.fromisoformat(rows[i]["start"])
        _left, width = _period_x(rows[i]["start"], period)
        end = first + dt.timedelta(seconds=width)

        def midnight(day: dt.date) -> str:
            return format_ts(dt.datetime.combine(day, dt.time(), tzinfo=self.zone))

        since, until = midnight(first), midnight(end)
        flt = self.filter
        narrowed = replace(
            flt,
            since=max(since, flt.since) if flt.since else since,
            until=min(until, flt.until) if flt.until else until,
        )
        when = (
            "the week of " + first.strftime("%d %b %Y").lstrip("0")
            if period == "week"
            else first.strftime("%B %Y")
        )
        n = rows[i]["sessions"]
        self.sessions_selected.emit(
            ChartSelection(
                narrowed,
                f"{n:,} session{'s' if n != 1 else ''} that started in {when} (from Trends)",
                n,
            )
        )

    def select_breakdown_row(self, i: int) -> None:
        """Show the sessions of the i-th breakdown row (read on the pool)."""
        rows = self.breakdown.result["rows"]
        if not 0 <= i < len(rows):
            return
        by, key, flt = self.breakdown.result["by"], str(rows[i]["key"]), self.filter
        path = self.journal.path

        def show(keys: list[str]) -> None:
            self.sessions_selected.emit(
                ChartSelection(
                    replace(flt, session_keys=keys),
                    f"{len(keys):,} session{'s' if len(keys) != 1 else ''} of {by} {key} "
                    "(from Breakdown)",
                    len(keys),
                )
            )

        self._submit("sessions", lambda: load_breakdown_sessions(path, flt, by, key), show)


class SelectionBanner(QFrame):
    """Above the journal: says it shows sessions picked in a chart, with a way back.

    Args:
        parent: The parent widget.
    """

    cleared = Signal()
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selection_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.back_button = QPushButton("Back to Charts")
        self.back_button.clicked.connect(self.back_requested)
        self.clear_button = QPushButton("Show all sessions")
        self.clear_button.setToolTip("Drop the chart selection; the filters above stay")
        self.clear_button.clicked.connect(self.cleared)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.back_button)
        layout.addWidget(self.clear_button)
        self.hide()

    def show_selection(self, text: str) -> None:
        """Say what the journal shows and offer the way out."""
        self.label.setText(f"<b>Filtered to the chart selection.</b> {html.escape(text)}.")
        self.setAccessibleName(f"Filtered to the chart selection: {text}")
        self.show()
