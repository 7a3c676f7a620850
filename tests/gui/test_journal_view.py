"""The journal page: filters narrow the rows, sorting from the header, keyboard rating."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, Qt

from tokenworth.core.store import SessionFilter
from tokenworth.core.timeutil import UTC, parse_ts
from tokenworth.ui.journal_view import TEXT_DEBOUNCE_MS, FilterState, JournalView
from tokenworth.ui.session_model import COLUMN_KEYS


def _sessions(view: JournalView):
    return [view.model.session_at(r) for r in range(view.model.rowCount())]


def test_text_filter_is_debounced_and_narrows_rows(qtbot, window, demo_journal) -> None:
    view = window.journal_view
    total = view.model.rowCount()
    qtbot.keyClicks(view.search, "webhook")
    assert view.model.rowCount() == total  # not yet: typing is debounced
    qtbot.waitUntil(lambda: view.model.rowCount() < total, timeout=TEXT_DEBOUNCE_MS * 8)
    expected = demo_journal.session_ids(SessionFilter(text="webhook"))
    assert view.model.session_ids() == expected and expected
    for s in _sessions(view):
        a = s.annotation
        words = [s.tool, s.project or "", ",".join(s.models)]
        if a is not None:
            words += [a.goal or "", a.note or "", a.outcome_note or "", *a.tags]
        haystack = " ".join(words).lower()
        assert "webhook" in haystack


def test_tool_filter_narrows_rows(qtbot, window) -> None:
    view = window.journal_view
    index = view.tool_box.findData("codex")
    assert index > 0
    view.tool_box.setCurrentIndex(index)
    view.tool_box.activated.emit(index)
    rows = _sessions(view)
    assert rows and {s.tool for s in rows} == {"codex"}
    qtbot.waitUntil(lambda: not window.counting)
    assert window.counts_label.text().startswith(f"Showing {len(rows)} of 150 sessions")


def test_unrated_filter_and_counts(qtbot, window, demo_journal) -> None:
    view = window.journal_view
    view.unrated_box.setChecked(True)
    rows = _sessions(view)
    assert rows
    assert all(s.annotation is None or s.annotation.value is None for s in rows)
    assert len(rows) == len(demo_journal.session_ids(SessionFilter(unrated=True)))
    qtbot.waitUntil(lambda: not window.counting)
    assert window.counts_label.text().endswith(f" · {len(rows):,} to rate")


def test_period_filter_uses_local_days(qtbot, window) -> None:
    view = window.journal_view
    state = FilterState(period="custom", since="2026-02-01", until="2026-02-14")
    view.set_filter_state(state)
    rows = _sessions(view)
    assert rows
    for s in rows:
        assert dt.datetime(2026, 2, 1, tzinfo=UTC) <= parse_ts(s.start)
        assert parse_ts(s.start) < dt.datetime(2026, 2, 15, tzinfo=UTC)
    assert view.since_edit.isVisibleTo(view)


def test_no_match_page_and_clear_filters(qtbot, window) -> None:
    view = window.journal_view
    view.set_filter_state(FilterState(text="no session says this"))
    assert view.stack.currentWidget() is view.no_match
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.stack.currentWidget() is view.table
    assert view.model.rowCount() == 150


def test_header_click_sorts_by_tokens_biggest_first(qtbot, window) -> None:
    view = window.journal_view
    header = view.table.horizontalHeader()
    col = COLUMN_KEYS.index("tokens")
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    tokens = [s.total_tokens for s in _sessions(view)]
    assert tokens == sorted(tokens, reverse=True)
    assert header.sortIndicatorSection() == col


def test_pressing_3_in_the_table_rates_the_current_session(qtbot, window, demo_journal) -> None:
    view = window.journal_view
    view.unrated_box.setChecked(True)
    view.select_row(0)
    key = view.current_session().session_key
    assert demo_journal.annotation(key) is None or demo_journal.annotation(key).value is None
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_3)
    assert demo_journal.annotation(key).value == 3
    value_col = COLUMN_KEYS.index("value")
    assert view.model.data(view.model.index(0, value_col)) == "●●●○○"
    assert window.panel.value_words.text() == "Useful"
    qtbot.keyClick(view.table, Qt.Key.Key_0)
    annotation = demo_journal.annotation(key)
    assert annotation is None or annotation.value is None


def test_enter_moves_to_the_next_unrated_session(qtbot, window, demo_journal) -> None:
    view = window.journal_view
    unrated = set(demo_journal.session_ids(SessionFilter(unrated=True)))
    view.select_row(0)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    row = view.table.currentIndex().row()
    assert view.model.id_at(row) in unrated
    assert all(view.model.id_at(r) not in unrated for r in range(1, row))


def test_filters_survive_a_restart(qtbot, make_window, demo_journal, settings) -> None:
    w = make_window(demo_journal)
    w.journal_view.set_filter_state(FilterState(text="README", tool="claude-code", unrated=False))
    w.close()
    w2 = make_window(demo_journal)
    state = w2.journal_view.filter_state()
    assert (state.text, state.tool) == ("README", "claude-code")
    assert {s.tool for s in _sessions(w2.journal_view)} <= {"claude-code"}


def test_opening_the_window_runs_one_query(qtbot, make_window, demo_journal, settings) -> None:
    settings.setValue("journal/filter/tool", "codex")
    w = make_window(demo_journal)
    assert w.journal_view.model.queries == 1
    assert {s.tool for s in _sessions(w.journal_view)} == {"codex"}
