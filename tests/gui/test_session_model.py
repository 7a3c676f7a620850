"""The lazy session table model: Qt's model contract, sorting, lazy pages, error rows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tokenworth.core.store import SessionFilter
from tokenworth.core.timeutil import UTC
from tokenworth.ui.session_model import COLUMN_KEYS, SessionRole, SessionTableModel

TOKENS = COLUMN_KEYS.index("tokens")


def test_model_passes_qt_model_tester(qtmodeltester, demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.set_filter(SessionFilter())
    assert model.rowCount() == 150
    qtmodeltester.check(model)


def test_model_holds_ids_and_fetches_one_page(demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.reload()
    assert model.session_ids() == demo_journal.session_ids(SessionFilter())
    assert model.fetches == 0  # nothing read before a cell is asked for
    model.data(model.index(0, 0))
    model.data(model.index(5, 3))
    assert model.fetches == 1
    assert len(model._cache) <= model.PAGE


def test_sort_by_tokens_requeries_in_journal_order(demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.sort(TOKENS, Qt.SortOrder.DescendingOrder)
    tokens = [model.session_at(r).total_tokens for r in range(model.rowCount())]
    assert tokens == sorted(tokens, reverse=True)
    assert model.session_ids() == demo_journal.session_ids(SessionFilter(), "total_tokens", True)
    model.sort(TOKENS, Qt.SortOrder.AscendingOrder)
    assert model.session_at(0).total_tokens == min(tokens)


def test_cells_read_like_an_app(demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.sort(TOKENS, Qt.SortOrder.DescendingOrder)
    s = model.data(model.index(0, 0), SessionRole)
    text = model.data(model.index(0, TOKENS))
    assert text == f"{s.total_tokens:,}" and "," in text
    align = model.data(model.index(0, TOKENS), Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight
    rated = next(
        r
        for r in range(model.rowCount())
        if model.session_at(r).annotation and model.session_at(r).annotation.value
    )
    value = model.session_at(rated).annotation.value
    dots = model.data(model.index(rated, COLUMN_KEYS.index("value")))
    assert dots == "●" * value + "○" * (5 - value)
    # First click on Tokens sorts biggest first.
    assert (
        model.headerData(TOKENS, Qt.Orientation.Horizontal, Qt.ItemDataRole.InitialSortOrderRole)
        == Qt.SortOrder.DescendingOrder
    )


def test_unreadable_rows_render_instead_of_raising(demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.reload()
    demo_journal.close()  # every read now fails
    goal = model.data(model.index(0, COLUMN_KEYS.index("goal")))
    assert goal.startswith("Could not be read")
    assert model.flags(model.index(0, 0)) == Qt.ItemFlag.NoItemFlags
    assert model.data(model.index(0, 0), SessionRole) is None


def test_refresh_session_drops_the_cached_copy(demo_journal) -> None:
    model = SessionTableModel(demo_journal, UTC)
    model.reload()
    s = model.session_at(0)
    demo_journal.annotate(s.session_key, value=2)
    assert model.session_at(0).annotation is s.annotation  # still the cached copy
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    model.refresh_session(s.session_key)
    assert changed == [(0, 0)]
    assert model.session_at(0).annotation.value == 2


def test_cost_cell_says_unpriced_never_blank_or_zero(journal) -> None:
    from tokenworth.core.model import UsageEvent

    journal.write_events(
        [
            UsageEvent(
                tool="codex",
                ts="2026-03-01T10:00:00.000Z",
                session_key="u",
                dedup_key="u1",
                model="aide-gpt-5",
                input_tokens=1000,
            ),
            UsageEvent(
                tool="codex",
                ts="2026-03-01T11:00:00.000Z",
                session_key="p",
                dedup_key="p1",
                model="gpt-5",
                input_tokens=1_000_000,
            ),
            UsageEvent(
                tool="codex",
                ts="2026-03-01T11:05:00.000Z",
                session_key="p",
                dedup_key="p2",
                model="aide-gpt-5",
                input_tokens=10,
            ),
        ]
    )
    model = SessionTableModel(journal, UTC)
    model.reload()
    cost = COLUMN_KEYS.index("cost")
    cells = {
        model.session_at(r).session_key: model.data(model.index(r, cost))
        for r in range(model.rowCount())
    }
    price = journal.prices.lookup("gpt-5").input
    assert cells["u"] == "unpriced"
    assert cells["p"] == f"${1_000_000 * price:,.2f}+"  # a lower bound: one call unpriced
    row = next(r for r in range(model.rowCount()) if model.session_at(r).session_key == "u")
    tip = model.data(model.index(row, cost), Qt.ItemDataRole.ToolTipRole)
    assert "aide-gpt-5" in tip and "not free" in tip
