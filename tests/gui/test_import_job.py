"""The import worker and the results panel, with the fake format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.fake_importer import line
from tokenworth.core.importers import registry
from tokenworth.core.store import open_journal
from tokenworth.ui.import_job import ImportJob
from tokenworth.ui.import_results import ImportResultsPanel, summary_sentence

FAKE = "tests.helpers.fake_importer"


@pytest.fixture(autouse=True)
def fake_format(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(registry, "_MODULES", {FAKE: "FakeImporter"})


def test_job_imports_off_the_gui_thread_and_reports(qtbot, tmp_path: Path, data_dir: Path) -> None:
    good = tmp_path / "a.fake"
    good.write_text("".join(line(i) for i in range(20)))
    bad = tmp_path / "b.fake"
    bad.write_text(line(0, session="B") + "not json\n")
    open_journal(data_dir).close()
    job = ImportJob(data_dir, [good, bad])
    progress: list[tuple[int, int]] = []
    job.progressed.connect(lambda d, t, p: progress.append((d, t)))
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as blocker:
        job.start()
    job.wait()
    report = blocker.args[0]
    assert [f.status for f in report.files] == ["imported", "imported"]
    assert report.events_added == 21
    assert progress[-1][0] == progress[-1][1] == good.stat().st_size + bad.stat().st_size
    with open_journal(data_dir) as j:
        assert j.session("s1").events == 20

    panel = ImportResultsPanel()
    qtbot.addWidget(panel)
    panel.show_report(report)
    assert panel.summary.text() == summary_sentence(report)
    assert panel.summary.text() == "2 files: 2 imported; 21 new events; 1 line refused."
    first = panel.tree.topLevelItem(0)  # the file with problems comes first
    assert first.text(0) == str(bad)
    assert first.child(0).text(0) == "line 2" and "not valid JSON" in first.child(0).text(3)
    assert "line 2: not valid JSON" in panel.details_text()


def test_cancel_leaves_the_file_out(qtbot, tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "big.fake"
    f.write_text("".join(line(i, session="S") for i in range(2000)))
    open_journal(data_dir).close()
    job = ImportJob(data_dir, [f])
    job.cancel()  # pressed before the first chunk: nothing may land
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as blocker:
        job.start()
    job.wait()
    assert [r.status for r in blocker.args[0].files] == ["cancelled"]
    with open_journal(data_dir) as j:
        assert j.session("S") is None


def test_an_unusable_journal_fails_with_a_sentence(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "journal.sqlite3").write_bytes(b"garbage" * 1000)
    job = ImportJob(folder, [tmp_path])
    with qtbot.waitSignal(job.failed, timeout=10_000) as blocker:
        job.start()
    job.wait()
    assert "not a readable Tokenworth journal" in blocker.args[0]
