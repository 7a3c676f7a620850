"""The tokens-vs-value scatter: what goes into setData matches the journal; click selects."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tokenworth.core.store import SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.ui.scatter import JITTER, ScatterView, jitter, scatter_points
from tokenworth.ui.session_model import COLUMN_KEYS
from tokenworth.ui.theme import tool_color


def _expected(journal, flt: SessionFilter):
    """tool -> {id: (tokens, value)} for rated sessions with tokens, straight from the journal."""
    ids = journal.session_ids(flt)
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for sid, s in journal.sessions_by_ids(ids).items():
        if s.annotation and s.annotation.value and s.total_tokens > 0:
            out.setdefault(s.tool, {})[sid] = (s.total_tokens, s.annotation.value)
    return out


def _check_series(view: ScatterView, expected) -> None:
    assert set(view.series) == set(expected)
    for tool, points in expected.items():
        series = view.series[tool]
        assert sorted(series["data"]) == sorted(points)
        for x, y, sid in zip(series["x"], series["y"], series["data"], strict=True):
            tokens, value = points[sid]
            assert x == pytest.approx(math.log10(tokens))
            assert abs(y - value) <= JITTER and y == pytest.approx(value + jitter(sid))
        # ... and that is what the plot item holds.
        item = view.items[tool]
        xs, ys = item.getData()
        assert list(xs) == pytest.approx(series["x"]) and list(ys) == pytest.approx(series["y"])
        assert [int(d) for d in item.data["data"]] == series["data"]
        assert item.opts["name"] == tool
        assert item.opts["brush"].color().rgb() == tool_color(tool).rgb()


def test_scatter_data_matches_the_journal(qtbot, demo_journal, pool) -> None:
    view = ScatterView(demo_journal, pool, zone=UTC)
    qtbot.addWidget(view)
    view.set_data(scatter_points(demo_journal, SessionFilter()))
    expected = _expected(demo_journal, SessionFilter())
    _check_series(view, expected)
    assert len(expected) >= 5
    unrated = len(demo_journal.session_ids(SessionFilter(unrated=True)))
    assert view.data.unrated == unrated
    assert f"{view.data.plotted:,} rated sessions plotted" in view.caption.text()
    assert set(view.legend_buttons) == set(expected)
    view.legend_buttons["codex"].setChecked(False)
    assert not view.items["codex"].isVisible()


def test_scatter_loads_on_a_worker_and_follows_the_filter(qtbot, window, demo_journal) -> None:
    window.journal_view.unrated_box.setChecked(False)
    index = window.journal_view.tool_box.findData("claude-code")
    window.journal_view.tool_box.setCurrentIndex(index)
    window.journal_view.tool_box.activated.emit(index)
    with qtbot.waitSignal(window.scatter.loaded, timeout=10_000):
        window.show_view("charts")
    _check_series(window.scatter, _expected(demo_journal, SessionFilter(tools=["claude-code"])))
    assert list(window.scatter.series) == ["claude-code"]


def test_rating_refreshes_the_visible_scatter(qtbot, window, demo_journal) -> None:
    with qtbot.waitSignal(window.scatter.loaded, timeout=10_000):
        window.show_view("charts")
    before = window.scatter.data.plotted
    ids = demo_journal.session_ids(SessionFilter(unrated=True))
    s = next(s for s in demo_journal.sessions_by_ids(ids).values() if s.total_tokens > 0)
    with qtbot.waitSignal(window.scatter.loaded, timeout=10_000):
        window.editor.rate(s.session_key, 5)
    assert window.scatter.data.plotted == before + 1


def test_clicking_a_point_selects_the_session(qtbot, window, demo_journal) -> None:
    with qtbot.waitSignal(window.scatter.loaded, timeout=10_000):
        window.show_view("charts")
    item = window.scatter.items["codex"]
    point = item.points()[0]
    sid = int(point.data())
    item.sigClicked.emit(item, [point], None)
    view = window.journal_view
    assert view.model.id_at(view.table.currentIndex().row()) == sid
    assert window.panel.session.session_key == demo_journal.sessions_by_ids([sid])[sid].session_key
    # The selected session is ringed in the chart.
    mx, my = window.scatter.marker.getData()
    assert (mx[0], my[0]) == (pytest.approx(point.pos().x()), pytest.approx(point.pos().y()))


def test_hover_tip_names_the_session(qtbot, demo_journal, pool) -> None:
    view = ScatterView(demo_journal, pool, zone=UTC)
    qtbot.addWidget(view)
    view.set_data(scatter_points(demo_journal, SessionFilter()))
    sid = view.series["claude-code"]["data"][0]
    s = demo_journal.sessions_by_ids([sid])[sid]
    tip = view.items["claude-code"].opts["tip"](x=0, y=0, data=sid)
    assert s.annotation.goal in tip
    assert f"{s.total_tokens:,} tokens" in tip and "claude-code" in tip
    assert f"value {s.annotation.value}" in tip


def test_tool_colours_match_between_table_and_chart(qtbot, window) -> None:
    with qtbot.waitSignal(window.scatter.loaded, timeout=10_000):
        window.show_view("charts")
    model = window.journal_view.model
    col = COLUMN_KEYS.index("tool")
    for row in range(20):
        tool = model.session_at(row).tool
        icon = model.data(model.index(row, col), Qt.ItemDataRole.DecorationRole)
        image = icon.pixmap(10, 10).toImage()
        dot = QColor(image.pixelColor(image.width() // 2, image.height() // 2))
        if tool in window.scatter.items:
            brush = window.scatter.items[tool].opts["brush"].color()
            assert dot.rgb() == brush.rgb() == tool_color(tool).rgb()
