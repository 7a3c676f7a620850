"""The Charts tab: what reaches the plot items equals analytics, selections filter the journal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QLocale, QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tokenworth.app import keep_singletons_alive
from tokenworth.core.analytics import EventFilter, breakdown_sessions, stats, summary, trends
from tokenworth.core.model import Annotation
from tokenworth.core.store import SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.ui import charts_view
from tokenworth.ui.charts_view import (
    BREAKDOWN_BARS,
    DARK_CHART,
    LIGHT_CHART,
    ChartsView,
    describe_area,
)
from tokenworth.ui.main_window import locale_week_start
from tokenworth.ui.scatter import jitter
from tokenworth.ui.theme import DARK, LIGHT, Theme, tool_color

# PySide6 6.12 on Python 3.11 loses references to None and True with every void call; a
# window test session makes enough calls to abort the interpreter (see the function).
keep_singletons_alive()

LOAD_MS = 15_000
SHOTS = os.environ.get("TOKENWORTH_CHART_SHOTS")  # a folder: keep the renders to look at


@pytest.fixture
def charts(qtbot, demo_journal, pool) -> ChartsView:
    """A Charts view on the demo journal, loaded with no filter, shown at a window's size."""
    view = ChartsView(demo_journal, pool, zone=UTC, week_start=0)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.refresh(SessionFilter())
    return view


def _wait_loaded(qtbot, view: ChartsView) -> None:
    qtbot.waitUntil(lambda: not view.loading, timeout=LOAD_MS)


def _choose(qtbot, view: ChartsView, box, key: str) -> None:
    box.setCurrentIndex(box.findData(key))
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        box.activated.emit(box.currentIndex())


def _week_x(label: str) -> float:
    """Centre of a week's bar: its first day counted as UTC midnight, plus 3.5 days."""
    day = dt.date.fromisoformat(label)
    return ((day - dt.date(1970, 1, 1)).days + 3.5) * 86_400


# ---- headline strip ---------------------------------------------------------------------


def test_headline_strip_shows_the_summary(qtbot, charts, demo_journal) -> None:
    s = summary(demo_journal)
    h = charts.headline
    assert h.summary == s
    assert h.values["sessions"].text() == f"{s['sessions']:,}"
    assert h.captions["sessions"].text() == f"{s['rated_share']:.0%} rated"
    assert s["estimated_tokens"] > 0  # the demo has chat exports
    assert h.captions["total_tokens"].text().startswith("≈ ") and "estimated" in (
        h.captions["total_tokens"].text()
    )
    assert h.values["cost_usd"].text() == f"${s['cost_usd']:,.2f}"
    assert h.captions["cost_usd"].text().startswith("API-equivalent")
    assert f"{s['unpriced_events']:,} calls unpriced" in h.captions["cost_usd"].text()
    assert h.values["mean_value"].text() == f"{s['mean_value']:.1f} / 5"
    assert h.values["low_value_share"].text() == f"{s['low_value_share']:.0%}"
    assert h.values["outcome_rate"].text() == f"{s['outcome_rate']:.0%}"
    rho = f"{s['spearman_tokens_value']:+.2f}".replace("-", "−")
    assert h.values["spearman_tokens_value"].text() == rho
    # Narrower filter, nothing estimated: the caption says so instead.
    flt = SessionFilter(tools=("claude-code",))
    with qtbot.waitSignal(charts.loaded, timeout=LOAD_MS):
        charts.refresh(flt)
    cc = summary(demo_journal, flt)
    assert cc["estimated_tokens"] == 0
    assert h.values["sessions"].text() == f"{cc['sessions']:,}"
    assert "estimated" not in h.captions["total_tokens"].text()


def test_nothing_selected_draws_empty_charts(qtbot, charts) -> None:
    with qtbot.waitSignal(charts.loaded, timeout=LOAD_MS):
        charts.refresh(SessionFilter(tools=("no-such-tool",)))
    assert charts.headline.values["sessions"].text() == "0"
    assert charts.headline.values["cost_usd"].text() == "–"  # no cost, not $0
    assert charts.scatter.items == {} and charts.scatter_model.rowCount() == 0
    assert charts.trends.bars == {} and len(charts.trends.cost_bars.opts["height"]) == 0
    assert "No sessions match" in charts.trends.caption.text()
    assert len(charts.breakdown.bars["total_tokens"].opts["width"]) == 0
    assert "No sessions match" in charts.breakdown.caption.text()
    for page in charts.chart_pages:
        assert page.model.rowCount() == 0


def test_a_newer_filter_wins(qtbot, charts, demo_journal) -> None:
    charts.refresh(SessionFilter(tools=("codex",)))
    with qtbot.waitSignal(charts.loaded, timeout=LOAD_MS):
        charts.refresh(SessionFilter(tools=("cursor",)))
    _wait_loaded(qtbot, charts)
    assert list(charts.scatter.items) == ["cursor"]
    assert charts.trends.result["tools"] == ["cursor"]
    assert [r["key"] for r in charts.breakdown.result["rows"]] == ["cursor"]
    cursor = summary(demo_journal, SessionFilter(tools=("cursor",)))
    assert charts.headline.summary == cursor


def test_every_read_runs_on_the_pool(qtbot, demo_journal, pool, monkeypatch) -> None:
    threads: dict[str, int] = {}
    for name in ("summary", "trends", "breakdown", "scatter_points"):
        real = getattr(charts_view, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            threads[_name] = threading.get_ident()
            return _real(*args, **kwargs)

        monkeypatch.setattr(charts_view, name, spy)
    view = ChartsView(demo_journal, pool, zone=UTC)
    qtbot.addWidget(view)
    view.refresh(SessionFilter())
    assert view.loading
    _wait_loaded(qtbot, view)
    assert set(threads) == {"summary", "trends", "breakdown", "scatter_points"}
    assert threading.get_ident() not in threads.values()


# ---- scatter ------------------------------------------------------------------------------


def _expected_points(journal, flt: SessionFilter) -> dict[str, dict[int, tuple[int, int]]]:
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for sid, s in journal.sessions_by_ids(journal.session_ids(flt)).items():
        if s.annotation and s.annotation.value and s.total_tokens > 0:
            out.setdefault(s.tool, {})[sid] = (s.total_tokens, s.annotation.value)
    return out


def test_scatter_points_per_tool_equal_the_journal(charts, demo_journal) -> None:
    expected = _expected_points(demo_journal, SessionFilter())
    assert set(charts.scatter.items) == set(expected) and len(expected) >= 5
    for tool, points in expected.items():
        item = charts.scatter.items[tool]
        xs, ys = item.getData()
        ids = [int(i) for i in item.data["data"]]
        assert sorted(ids) == sorted(points)
        for x, y, sid in zip(xs, ys, ids, strict=True):
            tokens, value = points[sid]
            assert x == pytest.approx(math.log10(tokens))
            assert y == pytest.approx(value + jitter(sid))
        assert item.opts["brush"].color().rgb() == tool_color(tool).rgb()  # one brush per tool
        assert item.opts["hoverable"] and item.opts["tip"] is not None
    # The table beside it: one row per point, tokens and value as plotted.
    model = charts.scatter_model
    assert model.rowCount() == sum(len(p) for p in expected.values())
    for row, sid in enumerate(model.ids[:40]):
        tool = model.rows[row][2]
        assert (model.rows[row][0], model.rows[row][1]) == expected[tool][sid]


# ---- trends -------------------------------------------------------------------------------


def test_trend_bars_per_tool_per_week_equal_stats(charts, demo_journal) -> None:
    result = charts.trends.result
    assert result["period"] == "week" and len(result["rows"]) >= 8
    labels = [r["period"] for r in result["rows"]]
    below = np.zeros(len(labels))
    assert list(charts.trends.bars) == result["tools"]  # stacked most tokens first
    for tool, item in charts.trends.bars.items():
        per_week = {
            r["period"]: r["total_tokens"]
            for r in stats(demo_journal, "week", UTC, EventFilter(tools=(tool,)))["rows"]
        }
        heights = np.asarray(item.opts["height"], dtype=float)
        assert list(heights) == [per_week.get(label, 0) for label in labels]
        assert list(item.opts["x"]) == pytest.approx([_week_x(label) for label in labels])
        assert list(item.opts["y0"]) == pytest.approx(list(below))  # on top of the tools before
        assert item.opts["brush"].color().rgb() == tool_color(tool).rgb()
        below += heights
    every = {r["period"]: r for r in stats(demo_journal, "week", UTC)["rows"]}
    cost = charts.trends.cost_bars.opts["height"]
    for label, height in zip(labels, cost, strict=True):
        assert height == pytest.approx(every[label]["cost_usd"] if label in every else 0.0)
    # Mean value and low-value share come from trends(), None drawn as a gap.
    rows = trends(demo_journal, "week", UTC)["rows"]
    _x, mean = charts.trends.value_curve.getData()
    _x, low = charts.trends.low_curve.getData()
    for r, m, lv in zip(rows, mean, low, strict=True):
        assert math.isnan(m) if r["mean_value"] is None else m == pytest.approx(r["mean_value"])
        share = r["low_value_share"]
        assert math.isnan(lv) if share is None else lv == pytest.approx(100 * share)
    # The plots share the date axis.
    tokens_vb = charts.trends.tokens_plot.getViewBox()
    for pi in charts.trends.plots[1:]:
        assert pi.getViewBox().linkedView(0) is tokens_vb


def test_trends_per_month_and_from_the_locale_week(qtbot, demo_journal, pool) -> None:
    view = ChartsView(demo_journal, pool, zone=UTC, week_start=6)  # weeks from Sunday
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.refresh(SessionFilter())
    labels = [r["period"] for r in view.trends.result["rows"]]
    assert all(dt.date.fromisoformat(label).weekday() == 6 for label in labels)
    _choose(qtbot, view, view.period_box, "month")
    months = view.trends.result["rows"]
    assert [r["period"] for r in months] == [
        r["period"] for r in stats(demo_journal, "month", UTC)["rows"]
    ]
    for tool, item in view.trends.bars.items():
        per_month = {
            r["period"]: r["total_tokens"]
            for r in stats(demo_journal, "month", UTC, EventFilter(tools=(tool,)))["rows"]
        }
        assert list(item.opts["height"]) == [per_month.get(r["period"], 0) for r in months]
    assert view.trends_model.text(0, 0) == dt.date.fromisoformat(
        months[0]["period"] + "-01"
    ).strftime("%b %Y")


def test_week_start_comes_from_the_locale() -> None:
    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    germany = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert locale_week_start(us) == 6  # Sunday
    assert locale_week_start(germany) == 0  # Monday


# ---- breakdown ----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["tool", "model", "project", "tag"])
def test_breakdown_bars_equal_stats(qtbot, charts, demo_journal, by: str) -> None:
    if by != "tool":
        _choose(qtbot, charts, charts.by_box, by)
    expected = sorted(
        stats(demo_journal, by, UTC)["rows"], key=lambda r: (-r["total_tokens"], r["period"])
    )
    drawn = expected[:BREAKDOWN_BARS]
    bars = charts.breakdown.bars
    assert [str(n) for n in charts.breakdown.names.names] == [
        charts.breakdown.graphics.fontMetrics().elidedText(
            r["period"], Qt.TextElideMode.ElideMiddle, 10_000
        )
        for r in drawn
    ] or len(drawn[0]["period"]) > 20
    assert list(bars["total_tokens"].opts["width"]) == [r["total_tokens"] for r in drawn]
    assert list(bars["sessions"].opts["width"]) == [r["sessions"] for r in drawn]
    assert list(bars["cost_usd"].opts["width"]) == pytest.approx(
        [r["cost_usd"] or 0.0 for r in drawn]
    )
    assert list(bars["mean_value"].opts["width"]) == pytest.approx(
        [r["mean_value"] or 0.0 for r in drawn]
    )
    assert list(bars["total_tokens"].opts["y"]) == list(range(len(drawn)))
    # The table lists every row, with the numbers stats() gives.
    model = charts.breakdown_model
    assert model.columns[0].title == by.title()
    assert [(r[0], r[1], r[4]) for r in model.rows] == [
        (r["period"], r["total_tokens"], r["sessions"]) for r in expected
    ]
    if by == "tool":
        brushes = bars["total_tokens"].opts["brushes"]
        assert [b.color().rgb() for b in brushes] == [tool_color(r["period"]).rgb() for r in drawn]


# ---- from a chart to the journal ----------------------------------------------------------


class FakeDrag:
    """The parts of pyqtgraph's MouseDragEvent the rubber band reads."""

    def __init__(self, start: QPointF, end: QPointF, modifiers, finish: bool = True) -> None:
        self._start, self._end, self._mods, self._finish = start, end, modifiers, finish
        self.accepted: bool | None = None

    def button(self):
        return Qt.MouseButton.LeftButton

    def modifiers(self):
        return self._mods

    def buttonDownPos(self, _button=None):
        return self._start

    def pos(self):
        return self._end

    def isFinish(self) -> bool:
        return self._finish

    def accept(self) -> None:
        self.accepted = True

    def ignore(self) -> None:
        self.accepted = False


def _drag(scatter, rect: QRectF, modifiers) -> FakeDrag:
    """Drag from the rectangle's top-left to its bottom-right corner (data coordinates)."""
    vb = scatter.plot.getPlotItem().getViewBox()
    band = scatter.band

    def to_band(x: float, y: float) -> QPointF:
        return band.mapFromScene(vb.mapViewToScene(QPointF(x, y)))

    ev = FakeDrag(to_band(rect.left(), rect.bottom()), to_band(rect.right(), rect.top()), modifiers)
    band.mouseDragEvent(ev)
    return ev


def _shown_ids(window) -> set[int]:
    return set(window.journal_view.model.session_ids())


def test_rubber_band_filters_the_journal(qtbot, window, demo_journal) -> None:
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.show_view("charts")
    qtbot.waitUntil(lambda: window.charts.scatter_page.watch.painted, timeout=LOAD_MS)
    everything = _shown_ids(window)
    # Sessions of 100k-1M tokens rated 1 or 2, worked out from the journal itself.
    lo, hi = 5.0, 6.0
    rect = QRectF(QPointF(lo, 0.5), QPointF(hi, 2.5))
    expected = set()
    for sid, (tokens, value) in {
        k: v for pts in _expected_points(demo_journal, SessionFilter()).values()
        for k, v in pts.items()
    }.items():  # fmt: skip
        if lo <= math.log10(tokens) <= hi and 0.5 <= value + jitter(sid) <= 2.5:
            expected.add(sid)
    assert 5 <= len(expected) < len(everything)

    # A plain drag pans (the ViewBox gets it); Shift+drag selects.
    assert _drag(window.scatter, rect, Qt.KeyboardModifier.NoModifier).accepted is False
    assert _shown_ids(window) == everything
    with qtbot.waitSignal(window.charts.sessions_selected, timeout=LOAD_MS) as blocker:
        assert _drag(window.scatter, rect, Qt.KeyboardModifier.ShiftModifier).accepted
    selection = blocker.args[0]
    assert selection.count == len(expected)
    assert window.tabs.currentWidget() is window.journal_page
    assert _shown_ids(window) == expected
    banner = window.selection_banner
    assert banner.isVisible()
    assert f"{len(expected)} sessions selected in Charts" in banner.label.text()
    assert "100k–1M tokens, values 1–2" in banner.label.text()
    assert f"Showing {len(expected):,} of" in window.counts_label.text()
    assert window.scatter.selection_item.isVisible()  # the area stays marked on the chart

    banner.back_button.click()
    assert window.tabs.currentWidget() is window.charts
    banner.clear_button.click()
    assert not banner.isVisible() and not window.scatter.selection_item.isVisible()
    assert _shown_ids(window) == everything

    # With "Select area" on, a plain drag selects; a filter-bar change drops the selection.
    window.charts.select_button.setChecked(True)
    with qtbot.waitSignal(window.charts.sessions_selected, timeout=LOAD_MS):
        _drag(window.scatter, rect, Qt.KeyboardModifier.NoModifier)
    assert _shown_ids(window) == expected
    window.journal_view.unrated_box.setChecked(True)
    assert not banner.isVisible()
    assert _shown_ids(window) == set(demo_journal.session_ids(SessionFilter(unrated=True)))


def test_an_empty_area_selects_nothing(qtbot, window) -> None:
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.show_view("charts")
    with qtbot.assertNotEmitted(window.charts.sessions_selected):
        window.scatter.select_rect(QRectF(QPointF(9.0, 0.5), QPointF(9.5, 5.5)))  # 1B+ tokens
    assert "No points in that area" in window.scatter.caption.text()
    assert window.tabs.currentWidget() is window.charts


def test_hidden_tools_are_not_selected(charts) -> None:
    everything = QRectF(QPointF(-1, 0), QPointF(12, 6))
    assert len(charts.scatter.points_in(everything)) == charts.scatter.data.plotted
    charts.scatter.legend_buttons["claude-code"].setChecked(False)
    hidden = set(charts.scatter.series["claude-code"]["data"])
    assert not hidden & set(charts.scatter.points_in(everything))


def test_describe_area() -> None:
    assert describe_area(QRectF(QPointF(4, 2.6), QPointF(5, 3.4)), 1) == (
        "1 session selected in Charts: 10k–100k tokens, value 3"
    )
    # 2.5 is past every value-2 point (2 + 0.22) and short of every value-3 one.
    assert describe_area(QRectF(QPointF(5, 0.5), QPointF(6, 2.5)), 7).endswith("values 1–2")


def test_a_trend_period_and_a_breakdown_bar_show_their_sessions(qtbot, window, demo_journal):
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.show_view("charts")
    rows = window.charts.trends.result["rows"]
    i = max(range(len(rows)), key=lambda k: rows[k]["sessions"])
    x = window.charts.trends.x[i]
    assert window.charts.trends.index_at(x + 86_400) == i  # a click inside the bar
    with qtbot.waitSignal(window.charts.sessions_selected, timeout=LOAD_MS):
        window.charts.trends.period_clicked.emit(i)
    assert window.journal_view.model.rowCount() == rows[i]["sessions"]
    assert "(from Trends)" in window.selection_banner.label.text()
    # The table is narrowed to the period; the charts keep the filter bar's filter.
    assert window.journal_view.model.session_filter.since is not None
    assert window.bar_filter() == SessionFilter() == window.charts.filter
    window.selection_banner.clear_button.click()

    drawn = window.charts.breakdown.shown
    assert window.charts.breakdown.index_at(1.2) == 1
    with qtbot.waitSignal(window.charts.sessions_selected, timeout=LOAD_MS):
        window.charts.breakdown.row_clicked.emit(1)
    keys = breakdown_sessions(demo_journal, "tool", drawn[1]["key"], window.bar_filter())
    assert len(keys) == drawn[1]["sessions"] == window.journal_view.model.rowCount()
    shown = demo_journal.sessions_by_ids(window.journal_view.model.session_ids())
    assert {s.session_key for s in shown.values()} == set(keys)


def test_a_table_row_selects_its_session(qtbot, window, demo_journal) -> None:
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.show_view("charts")
    model = window.charts.scatter_model
    sid = model.ids[3]
    window.charts.scatter_page.table.activated.emit(model.index(3, 0))
    view = window.journal_view
    assert view.model.id_at(view.table.currentIndex().row()) == sid


# ---- copy, image, colours -----------------------------------------------------------------


def test_copy_as_csv(qtbot, charts, demo_journal) -> None:
    text = charts.trends_page.copy_csv()
    assert QApplication.clipboard().text() == text
    table = list(csv.reader(io.StringIO(text)))
    tools = charts.trends.result["tools"]
    assert table[0][:2] == ["Period", "Tokens"] and table[0][2 : 2 + len(tools)] == tools
    first = charts.trends.result["rows"][0]
    assert table[1][:2] == [first["period"], str(first["total_tokens"])]
    assert len(table) == len(charts.trends.result["rows"]) + 1

    # A goal that a spreadsheet would run as a formula is copied as text.
    sid = charts.scatter_model.ids[0]
    key = demo_journal.sessions_by_ids([sid])[sid].session_key
    demo_journal.annotate(key, goal='=HYPERLINK("http://x")')
    with qtbot.waitSignal(charts.loaded, timeout=LOAD_MS):
        charts.refresh(SessionFilter())
    rows = list(csv.reader(io.StringIO(charts.scatter_page.copy_csv())))
    assert rows[0] == ["Tokens", "Value", "Tool", "Started", "Goal"]
    goals = {r[4] for r in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in goals and '=HYPERLINK("http://x")' not in goals


def test_sorting_a_table_keeps_rows_whole(charts) -> None:
    model = charts.breakdown_model
    pairs = {r[0]: r[1] for r in model.rows}
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [r[1] for r in model.rows] == sorted(pairs.values())
    assert {r[0]: r[1] for r in model.rows} == pairs
    assert [model.rows[i][0] for i in range(len(model.rows))] == [
        charts.breakdown.result["rows"][k]["key"] for k in model.ids
    ]


def test_colours_follow_light_and_dark(qtbot, qapp, demo_journal, pool) -> None:
    theme = Theme(qapp, "light")
    view = ChartsView(demo_journal, pool, theme, zone=UTC)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
        view.refresh(SessionFilter())
    try:
        assert (
            view.trends.graphics.backgroundBrush().color().name() == LIGHT.plot_background.lower()
        )
        assert view.trends.cost_bars.opts["brush"].color().name() == LIGHT_CHART.cost.lower()
        theme.set_mode("dark")
        assert view.trends.graphics.backgroundBrush().color().name() == DARK.plot_background.lower()
        assert view.breakdown.graphics.backgroundBrush().color().name() == (
            DARK.plot_background.lower()
        )
        assert view.trends.cost_bars.opts["brush"].color().name() == DARK_CHART.cost.lower()
        assert view.trends.value_curve.opts["pen"].color().name() == DARK_CHART.value.lower()
        axis = view.trends.tokens_plot.getAxis("left")
        assert axis.textPen().color().name() == DARK.plot_foreground.lower()
        assert view.trends_page.background.name() == DARK.plot_background.lower()
    finally:
        theme.set_mode("light")


def _has_drawing(image: QImage) -> bool:
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), max(1, image.width() // 40))
        for y in range(0, image.height(), max(1, image.height() // 40))
    }
    return len(colours) > 5


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_each_chart_renders_offscreen(qtbot, qapp, demo_journal, pool, tmp_path, mode) -> None:
    """One render per chart and scheme; set TOKENWORTH_CHART_SHOTS to keep them and look."""
    theme = Theme(qapp, mode)
    view = ChartsView(demo_journal, pool, theme, zone=UTC)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    try:
        with qtbot.waitSignal(view.loaded, timeout=LOAD_MS):
            view.refresh(SessionFilter())
        folder = Path(SHOTS) if SHOTS else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(view.chart_pages):
            view.pages.setCurrentIndex(i)
            qtbot.waitUntil(lambda page=page: page.watch.painted, timeout=LOAD_MS)
            path = folder / f"chart-{page.name}-{mode}.png"
            assert page.save_image(path)
            image = QImage(str(path))
            assert image.width() >= page.chart.width() > 300
            assert _has_drawing(image)
            corner = image.pixelColor(image.width() - 3, image.height() // 2)
            assert (corner.lightness() < 90) == (mode == "dark")
    finally:
        theme.set_mode("light")


def test_save_image_asks_for_a_name(qtbot, charts, tmp_path, monkeypatch) -> None:
    target = tmp_path / "trends"
    monkeypatch.setattr(charts_view.ImagePath, "ask", classmethod(lambda cls, p, s: target))
    charts.pages.setCurrentIndex(1)
    qtbot.waitUntil(lambda: charts.trends_page.watch.painted, timeout=LOAD_MS)
    with qtbot.waitSignal(charts.message) as blocker:
        charts.trends_page.save_button.click()
    assert "Saved the chart" in blocker.args[0]
    assert QImage(str(target)).width() > 300


def test_rated_session_refreshes_the_headline(qtbot, window, demo_journal) -> None:
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.show_view("charts")
    before = window.charts.headline.summary["rated_sessions"]
    unrated = demo_journal.sessions_by_ids(demo_journal.session_ids(SessionFilter(unrated=True)))
    s = next(iter(unrated.values()))
    with qtbot.waitSignal(window.charts.loaded, timeout=LOAD_MS):
        window.editor.rate(s.session_key, 4)
    assert window.charts.headline.summary["rated_sessions"] == before + 1
    demo_journal.set_annotation(Annotation(session_key=s.session_key))


def test_none_outlives_the_bindings_leak() -> None:
    import sys

    from PySide6.QtCore import QObject

    protected = keep_singletons_alive()
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(10_000):  # enough to abort an unprotected 3.11 after a few windows
        probe.setObjectName("x")
    if protected:  # PySide6 6.12 on CPython 3.11: the count still falls, from far away
        assert sys.getrefcount(None) > 1 << 39
    else:
        assert sys.getrefcount(None) >= before
