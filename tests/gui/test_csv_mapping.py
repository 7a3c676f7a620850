"""Any other CSV: the column-mapping dialog, its preview, the saved preset and the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tokenworth.core.importers.presets import load_presets
from tokenworth.ui.csv_mapping_dialog import CsvMappingDialog
from tokenworth.ui.import_controller import ImportController

CSV = "when,model,prompt tokens,completion tokens,usd\n" + "".join(
    f"2026-03-0{d}T10:00:00Z,mistral-large,{1000 * d},{100 * d},0.0{d}\n" for d in (1, 2, 3)
)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    f = tmp_path / "Mistral Usage.csv"
    f.write_text(CSV)
    return f


def _pick(dialog: CsvMappingDialog, field: str, column: str) -> None:
    box = dialog.boxes[field]
    box.setCurrentIndex(box.findData(column))


def test_mapping_previews_and_saves_a_preset(qtbot, journal, csv_file: Path) -> None:
    d = CsvMappingDialog(journal, csv_file)
    qtbot.addWidget(d)
    assert d.name.text() == "mistral-usage"
    save = d.buttons.button(QDialogButtonBox.StandardButton.Save)
    for field, column in (
        ("timestamp", "when"),
        ("model", "model"),
        ("input_tokens", "prompt tokens"),
        ("output_tokens", "completion tokens"),
        ("cost_usd", "usd"),
    ):
        _pick(d, field, column)
    assert d.preview.rowCount() == 3 and save.isEnabled()
    assert d.preview.item(1, 2).text() == "2,000" and d.preview.item(1, 3).text() == "200"
    d.tool.setText("mistral")
    save.click()
    preset = d.preset
    assert preset is not None and preset.tool == "mistral"
    assert load_presets(journal)["mistral-usage"].columns["input_tokens"] == "prompt tokens"


def test_a_mapping_without_time_cannot_be_saved(qtbot, journal, csv_file: Path) -> None:
    d = CsvMappingDialog(journal, csv_file)
    qtbot.addWidget(d)
    _pick(d, "timestamp", "")
    assert not d.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    assert d.problem.text()


def test_menu_action_maps_then_imports(qtbot, make_window, journal, csv_file, monkeypatch) -> None:
    w = make_window(journal)
    w.imports = ImportController(w, csv_dialog=lambda parent: csv_file)

    def fake_ask(cls, parent, j, path):
        d = cls(j, path, parent)
        for field, column in (
            ("timestamp", "when"),
            ("input_tokens", "prompt tokens"),
            ("output_tokens", "completion tokens"),
            ("model", "model"),
        ):
            _pick(d, field, column)
        d.tool.setText("mistral")
        d._save()
        return d.preset

    monkeypatch.setattr(CsvMappingDialog, "ask", classmethod(fake_ask))
    with qtbot.waitSignal(w.imports.finished, timeout=20_000) as blocker:
        assert w.imports.import_csv_action.isEnabled()
        w.imports.import_csv_action.trigger()
    assert [f.status for f in blocker.args[0].files] == ["imported"]
    assert journal.tools() == ["mistral"]
    total = journal.conn.execute("SELECT sum(input_tokens), sum(output_tokens) FROM events")
    assert total.fetchone() == (6000, 600)
    w.imports.wait()
