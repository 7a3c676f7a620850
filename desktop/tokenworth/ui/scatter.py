"""Tokens (log x) against value (jittered y): one scatter series per tool, hover and click."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import local_zone
from tokenworth.ui import formatting as fmt
from tokenworth.ui.theme import LIGHT, Theme, tool_color, tool_icon
from tokenworth.ui.worker import Task, submit

log = logging.getLogger(__name__)

JITTER = 0.22  # points spread +-JITTER around their value so piles stay visible
_CHUNK = 5000


@dataclass(slots=True)
class PointInfo:
    """What the hover tip says about one point."""

    tool: str
    start: str
    total_tokens: int
    value: int
    goal: str | None
    estimated: bool


@dataclass(slots=True)
class ScatterData:
    """Rated sessions with tokens, grouped per tool, plus counts of what is not plotted."""

    tokens: dict[str, list[int]] = field(default_factory=dict)  # tool -> total tokens
    values: dict[str, list[int]] = field(default_factory=dict)  # tool -> value 1-5
    ids: dict[str, list[int]] = field(default_factory=dict)  # tool -> session row ids
    info: dict[int, PointInfo] = field(default_factory=dict)
    unrated: int = 0
    no_tokens: int = 0

    @property
    def plotted(self) -> int:
        """Number of points."""
        return sum(len(v) for v in self.ids.values())


def jitter(session_id: int) -> float:
    """A stable offset in [-JITTER, JITTER] for a session (same place on every redraw)."""
    h = (session_id * 2654435761) & 0xFFFFFFFF
    return (h / 0xFFFFFFFF * 2 - 1) * JITTER


def _jitter_many(ids: np.ndarray) -> np.ndarray:
    """``jitter`` for an array of ids (the same numbers, vectorised)."""
    h = (ids.astype(np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return (h.astype(np.float64) / 0xFFFFFFFF * 2 - 1) * JITTER


def scatter_points(journal: Journal, flt: SessionFilter) -> ScatterData:
    """Read the plot's data for ``flt`` (runs on a worker, with that thread's journal)."""
    data = ScatterData()
    ids = journal.session_ids(flt, "start", False)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        sessions = journal.sessions_by_ids(chunk)
        for sid in chunk:
            s = sessions.get(sid)
            if s is None:
                continue
            value = s.annotation.value if s.annotation else None
            if value is None:
                data.unrated += 1
                continue
            if s.total_tokens <= 0:
                data.no_tokens += 1
                continue
            data.tokens.setdefault(s.tool, []).append(s.total_tokens)
            data.values.setdefault(s.tool, []).append(value)
            data.ids.setdefault(s.tool, []).append(sid)
            data.info[sid] = PointInfo(
                s.tool,
                s.start,
                s.total_tokens,
                value,
                s.annotation.goal if s.annotation else None,
                s.estimated,
            )
    return data


def load_in_thread(path: Path, flt: SessionFilter) -> ScatterData:
    """Open this thread's own connection to the journal and read the plot's data."""
    with Journal(path, readonly=True, verify=False) as journal:
        return scatter_points(journal, flt)


class TokenAxis(pg.AxisItem):
    """A bottom axis for log10(tokens): ticks at 1k, 10k, 100k, 1M... with 2x and 5x minors."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        """Decades as major ticks, 2 and 5 times a decade as minor ones."""
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        major = [float(v) for v in range(lo, hi + 1) if minVal <= v <= maxVal]
        minor = [
            v + math.log10(m)
            for v in range(lo, hi + 1)
            for m in (2, 5)
            if minVal <= v + math.log10(m) <= maxVal
        ]
        decades = maxVal - minVal
        return [(1.0, major), (None, minor if decades < 5 else [])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """``10k``, ``2M``: compact token counts."""
        return [fmt.compact_tokens(round(10**v, 6)) for v in values]


class ScatterView(QWidget):
    """The tokens-against-value chart with a legend that toggles tools.

    Args:
        journal: The GUI thread's journal (its path is reopened on the worker).
        pool: Thread pool for loading.
        theme: Colours (the chart follows light and dark).
        zone: Time zone for the hover tip.
        parent: The parent widget.
    """

    session_clicked = Signal(int)  # session row id
    loaded = Signal()  # new data is on screen
    load_failed = Signal(str)

    def __init__(
        self,
        journal: Journal,
        pool: QThreadPool,
        theme: Theme | None = None,
        zone: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.pool = pool
        self.theme = theme
        self.zone = zone or local_zone()
        self.data = ScatterData()
        self.items: dict[str, pg.ScatterPlotItem] = {}
        self.series: dict[str, dict[str, list[Any]]] = {}  # what went into setData
        self._task: Task | None = None
        self._filter: SessionFilter | None = None
        self._current: int | None = None

        self.plot = pg.PlotWidget(axisItems={"bottom": TokenAxis(orientation="bottom")})
        pi = self.plot.getPlotItem()
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.setMouseEnabled(x=True, y=False)
        pi.setLabel("bottom", "Tokens in the session (log scale)")
        pi.setLabel("left", "Value you gave it (1 = busywork, 5 = exceptional)")
        pi.getAxis("left").setTicks([[(v, str(v)) for v in range(1, 6)], []])
        pi.setYRange(0.5, 5.5, padding=0)
        pi.getViewBox().setLimits(yMin=0.3, yMax=5.7)
        self.marker = pg.ScatterPlotItem(size=16, brush=None, pxMode=True)
        self.marker.setZValue(10)
        pi.addItem(self.marker)

        self.legend = QHBoxLayout()
        self.legend.setSpacing(4)
        self.legend_buttons: dict[str, QToolButton] = {}
        self.caption = QLabel()
        self.caption.setEnabled(False)
        self.caption.setWordWrap(True)

        top = QHBoxLayout()
        top.addLayout(self.legend)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

        if theme is not None:
            theme.changed.connect(self.apply_theme)
        self.apply_theme()

    # ---- loading -------------------------------------------------------------------------

    def refresh(self, flt: SessionFilter) -> None:
        """Load the points for ``flt`` on the thread pool; ``loaded`` follows."""
        self._filter = flt
        if self._task is not None:
            self._task.cancel()
        self.caption.setText("Loading…")
        self._task = submit(
            self.pool,
            lambda path=self.journal.path, f=flt: load_in_thread(path, f),
            self._task_finished,
            self._task_failed,
            self,
        )

    def _task_finished(self, data: ScatterData) -> None:
        if self.sender() is not self._task:
            return  # an older load finishing late
        self._task = None
        self.set_data(data)

    def _task_failed(self, err: BaseException) -> None:
        if self.sender() is not self._task:
            return
        self._task = None
        message = f"The chart could not be loaded: {err}"
        self.caption.setText(message)
        self.load_failed.emit(message)

    def cancel(self) -> None:
        """Drop a load in progress (its result will not be drawn)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def loading(self) -> bool:
        """True while a load runs."""
        return self._task is not None

    # ---- drawing -------------------------------------------------------------------------

    def set_data(self, data: ScatterData) -> None:
        """Draw ``data``: one ScatterPlotItem per tool, session ids in ``data=``."""
        self.data = data
        pi = self.plot.getPlotItem()
        for item in self.items.values():
            pi.removeItem(item)
        self.items.clear()
        self.series.clear()
        while self.legend.count():
            w = self.legend.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.legend_buttons.clear()

        for tool in sorted(data.ids, key=lambda t: (-len(data.ids[t]), t)):
            ids = data.ids[tool]
            id_array = np.asarray(ids, dtype=np.int64)
            x_array = np.log10(np.asarray(data.tokens[tool], dtype=np.float64))
            y_array = np.asarray(data.values[tool], dtype=np.float64) + _jitter_many(id_array)
            color = tool_color(tool)
            fill = pg.mkColor(color)
            fill.setAlpha(175)
            item = pg.ScatterPlotItem(
                size=7,
                pen=pg.mkPen(None),
                brush=pg.mkBrush(fill),
                hoverable=True,
                hoverSize=11,
                hoverPen=pg.mkPen(self._foreground(), width=1.5),
                hoverBrush=pg.mkBrush(color),
                tip=self._tip,
                name=tool,
                antialias=True,
            )
            item.setData(x=x_array, y=y_array, data=id_array)
            item.sigClicked.connect(self._clicked)
            pi.addItem(item)
            self.items[tool] = item
            self.series[tool] = {"x": x_array.tolist(), "y": y_array.tolist(), "data": list(ids)}

            button = QToolButton()
            button.setCheckable(True)
            button.setChecked(True)
            button.setIcon(tool_icon(tool, 12))
            button.setText(f"{tool}  {len(ids):,}")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(f"Show or hide {tool}")
            button.toggled.connect(item.setVisible)
            button.setAutoRaise(True)
            self.legend.addWidget(button)
            self.legend_buttons[tool] = button

        if self.series:
            lo = min(min(s["x"]) for s in self.series.values())
            hi = max(max(s["x"]) for s in self.series.values())
            pad = max(0.15, (hi - lo) * 0.04)
            pi.setXRange(math.floor((lo - pad) * 2) / 2, math.ceil((hi + pad) * 2) / 2, padding=0)
        self._update_caption()
        self.set_current(self._current)
        self.loaded.emit()

    def _update_caption(self) -> None:
        d = self.data
        parts = [f"{d.plotted:,} rated session{'s' if d.plotted != 1 else ''} plotted"]
        if d.unrated:
            parts.append(f"{d.unrated:,} unrated not shown (rate them with 1–5 in the journal)")
        if d.no_tokens:
            parts.append(f"{d.no_tokens:,} without a token count")
        if d.plotted:
            parts.append("hover a point for the session, click to open it")
        elif not d.unrated:
            parts = ["No sessions match the journal's filters."]
        self.caption.setText(" · ".join(parts))

    def _tip(self, x: float, y: float, data: Any) -> str:
        info = self.data.info.get(int(data)) if data is not None else None
        if info is None:
            return ""
        goal = info.goal or "(no goal written)"
        return (
            f"{goal}\n{info.tool} · {fmt.date_time(info.start, self.zone)}\n"
            f"{fmt.tokens(info.total_tokens, estimated=info.estimated)} tokens · "
            f"value {info.value} ({fmt.VALUE_WORDS[info.value].lower()})"
        )

    def _clicked(self, _item: Any, points: Any, _event: Any) -> None:
        if len(points):
            self.session_clicked.emit(int(points[0].data()))

    def set_current(self, session_id: int | None) -> None:
        """Ring the point of the session selected in the journal."""
        self._current = session_id
        info = self.data.info.get(session_id) if session_id is not None else None
        if info is None:
            self.marker.setData([], [])
            return
        assert session_id is not None
        self.marker.setData(
            [math.log10(info.total_tokens)],
            [info.value + jitter(session_id)],
            pen=pg.mkPen(self._foreground(), width=2),
            brush=None,
        )

    # ---- colours -------------------------------------------------------------------------

    def _foreground(self) -> str:
        return self.theme.colors.plot_foreground if self.theme else "#3B4048"

    def apply_theme(self) -> None:
        """Follow the light or dark scheme."""
        colors = self.theme.colors if self.theme is not None else LIGHT
        self.plot.setBackground(colors.plot_background)
        pi = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = pi.getAxis(name)
            axis.setPen(pg.mkPen(colors.plot_foreground))
            axis.setTextPen(pg.mkPen(colors.plot_foreground))
        pi.showGrid(x=True, y=True, alpha=colors.grid_alpha)
        if self.data.plotted:  # hover pens and the marker take the new foreground
            self.set_data(self.data)
