"""The runner: incremental reads, rewrites, Cancel, bad input, and all-or-nothing files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers.fake_importer import line
from tokenworth.core.importers import base, registry
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

FAKE = "tests.helpers.fake_importer"


@pytest.fixture(autouse=True)
def fake_format(monkeypatch: pytest.MonkeyPatch):
    """Only the fake format is registered, so these tests do not depend on real importers."""
    monkeypatch.setattr(registry, "_MODULES", {FAKE: "FakeImporter"})


def _write(path: Path, text: str, mode: str = "w") -> Path:
    with open(path, mode) as fp:
        fp.write(text)
    return path


def _tokens(journal: Journal) -> int:
    return journal.conn.execute("SELECT coalesce(sum(input_tokens), 0) FROM events").fetchone()[0]


def test_import_then_unchanged(journal: Journal, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.fake", "".join(line(i) for i in range(5)))
    [r] = import_paths(journal, [f]).files
    assert (r.status, r.format, r.events_added) == ("imported", "fake", 5)
    assert _tokens(journal) == 50
    [r] = import_paths(journal, [f]).files
    assert (r.status, r.bytes_read) == ("unchanged", 0)
    assert _tokens(journal) == 50


def test_appended_lines_are_read_alone_and_state_carries(journal: Journal, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.fake", "".join(line(i) for i in range(3)))
    import_paths(journal, [f])
    extra = line(3, n=7) + line(4, n=8)
    _write(f, extra, "a")
    [r] = import_paths(journal, [f]).files
    assert r.status == "imported" and r.events_added == 2
    assert r.bytes_read == len(extra.encode())
    assert _tokens(journal) == 30 + 15
    rec = journal.file_record(str(f))
    assert rec.state["running"] == 45  # restored, then advanced
    assert rec.state["_line"] == 5


def test_partial_last_line_waits_until_complete(journal: Journal, tmp_path: Path) -> None:
    full = line(1, n=4) + line(2, n=6)
    f = _write(tmp_path / "live.fake", full[: len(line(1)) + 20])  # second line cut short
    [r] = import_paths(journal, [f]).files
    assert r.events_added == 1 and not r.issues
    _write(f, full[len(line(1)) + 20 :], "a")
    [r] = import_paths(journal, [f]).files
    assert r.events_added == 1
    assert _tokens(journal) == 10
    assert journal.session("s1").events == 2


def test_rewritten_file_is_reread_without_double_counting(journal: Journal, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.fake", line(0, n=5) + line(1, n=5))
    import_paths(journal, [f])
    # Same length, earlier bytes changed: a rewrite, not an append.
    _write(f, line(0, n=6) + line(1, n=4) + line(2, n=1))
    [r] = import_paths(journal, [f]).files
    assert r.status == "imported"
    assert _tokens(journal) == 11
    # Shrunk: re-read whole; the events gone from the file leave the journal.
    _write(f, line(0, n=6))
    import_paths(journal, [f])
    assert _tokens(journal) == 6
    assert journal.count("events") == 1


def test_annotations_survive_reimport(journal: Journal, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.fake", line(0))
    import_paths(journal, [f])
    journal.annotate("s1", value=5, goal="Keep me")
    _write(f, line(0, n=99))  # rewritten
    import_paths(journal, [f])
    assert journal.annotation("s1").goal == "Keep me"


def test_cancel_rolls_back_the_current_file_only(journal: Journal, tmp_path: Path) -> None:
    a = _write(tmp_path / "a.fake", "".join(line(i, session="A") for i in range(10)))
    b = _write(tmp_path / "b.fake", "".join(line(i, session="B") for i in range(10)))
    c = _write(tmp_path / "c.fake", "".join(line(i, session="C") for i in range(10)))
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return journal.count("events") >= 10 and len(calls) > 2  # stop while reading b

    report = import_paths(journal, [a, b, c], cancel=cancel)
    statuses = {Path(r.path).name: r.status for r in report.files}
    assert statuses == {"a.fake": "imported", "b.fake": "cancelled", "c.fake": "cancelled"}
    assert journal.session("A").events == 10
    assert journal.session("B") is None and journal.session("C") is None
    assert journal.file_record(str(b)) is None  # the ledger did not move either
    # The next import picks up where it stopped.
    import_paths(journal, [a, b, c])
    assert journal.count("events") == 30


def test_bad_files_are_refused_with_reasons_and_others_import(
    journal: Journal, tmp_path: Path
) -> None:
    good = _write(tmp_path / "good.fake", line(0))
    binary = tmp_path / "photo.fake"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    empty = _write(tmp_path / "empty.fake", "")
    notjson = _write(tmp_path / "notes.fake", '{"fake": 1, oops\nplain words\n')
    mixed = _write(
        tmp_path / "mixed.fake", line(1, session="M") + "garbage\n" + line(2, session="M")
    )
    report = import_paths(journal, [good, binary, empty, notjson, mixed, tmp_path / "nope.fake"])
    by = {Path(r.path).name: r for r in report.files}
    assert by["good.fake"].status == "imported"
    assert by["photo.fake"].status == "refused" and "Binary data" in by["photo.fake"].message
    assert by["empty.fake"].status == "empty"
    assert by["notes.fake"].status == "refused"
    assert "line 1: not valid JSON" in by["notes.fake"].message
    assert by["nope.fake"].status == "refused" and "No such file" in by["nope.fake"].message
    assert by["mixed.fake"].status == "imported"
    assert [(i.line, i.reason.split(" (")[0]) for i in by["mixed.fake"].issues] == [
        (2, "not valid JSON")
    ]
    assert journal.session("M").events == 2
    assert journal.file_record(str(notjson)) is None


def test_a_parser_bug_costs_one_file(journal: Journal, tmp_path: Path) -> None:
    bad = _write(tmp_path / "a.fake", line(0, session="X") + line(1, session="X", boom=True))
    good = _write(tmp_path / "b.fake", line(0, session="Y"))
    report = import_paths(journal, [bad, good])
    assert [r.status for r in report.files] == ["refused", "imported"]
    assert "KeyError" in report.files[0].message
    assert journal.session("X") is None and journal.session("Y").events == 1


def test_forced_format_that_does_not_fit(journal: Journal, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.fake", '{"something": "else"}\n')
    [r] = import_paths(journal, [f], fmt="fake").files
    assert r.status == "refused" and "does not look like fake data" in r.message


def test_a_huge_single_line_is_refused_not_loaded(
    journal: Journal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_LINE", 1 << 16)
    f = tmp_path / "huge.fake"
    with open(f, "w") as fp:
        fp.write('{"fake": 1, "pad": "' + "x" * (1 << 20) + '"}\n')
        fp.write(line(1))
    [r] = import_paths(journal, [f]).files
    assert r.status == "imported" and r.events_added == 1
    assert r.issues[0].line == 1 and "longer than" in r.issues[0].reason


def test_folders_are_walked(journal: Journal, tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    _write(tmp_path / "d" / "one.fake", line(0, session="1"))
    _write(tmp_path / "d" / "e" / "two.fake", line(0, session="2"))
    _write(tmp_path / "d" / "README.txt", "not a log")
    report = import_paths(journal, [tmp_path / "d"], fmt="fake")
    assert sorted(Path(r.path).name for r in report.files) == ["one.fake", "two.fake"]


def test_sigkill_mid_import_leaves_whole_files(tmp_path: Path) -> None:
    """A process killed while importing leaves a sound journal, each file all in or all out."""
    logs = tmp_path / "logs"
    logs.mkdir()
    per_file = 400
    for k in range(60):
        _write(logs / f"f{k:02d}.fake", "".join(line(i, session=f"S{k}") for i in range(per_file)))
    data = tmp_path / "journal"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parents[4])!r})
        from tokenworth.core.importers import registry, runner
        from tokenworth.core.store import open_journal
        registry._MODULES.clear()
        registry.register({FAKE!r}, "FakeImporter")
        runner.COMMIT_EVERY_S = 0.0  # commit after every file
        j = open_journal({str(data)!r})
        def slow(done, total, path):
            time.sleep(0.02)
        print("started", flush=True)
        runner.import_paths(j, [{str(logs)!r}], progress=slow)
        print("finished", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once some files are committed
        try:
            with sqlite3.connect(data / "journal.sqlite3") as conn:
                if conn.execute("SELECT count(*) FROM files").fetchone()[0] >= 3:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with sqlite3.connect(data / "journal.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(conn.execute("SELECT session_key, count(*) FROM events GROUP BY 1"))
        files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    assert set(counts.values()) <= {per_file}, "a file was half imported"
    assert files == len(counts)
    assert 0 < len(counts) < 60, "the kill should land mid-import; adjust the timing"


def test_parallel_parsing_gives_the_same_journal(tmp_path: Path) -> None:
    from tokenworth.core.store import open_journal

    logs = tmp_path / "logs"
    logs.mkdir()
    for k in range(6):
        _write(logs / f"f{k}.fake", "".join(line(i, n=k + i, session=f"S{k}") for i in range(50)))
    _write(logs / "g.fake", line(0, session="G") + line(1, session="G", boom=True))
    _write(logs / "h.fake", line(0, session="H") + "junk\n")
    results = {}
    for parallel in (False, True):
        with open_journal(tmp_path / f"j{parallel}") as j:
            report = import_paths(j, [logs], parallel=parallel)
            results[parallel] = (
                [
                    (Path(r.path).name, r.status, r.events_added, len(r.issues))
                    for r in report.files
                ],
                j.conn.execute(
                    "SELECT session_key, events, input_tokens FROM sessions ORDER BY 1"
                ).fetchall(),
                {p: (r.consumed, r.state) for p, r in j.file_records().items()},
            )
    assert results[True] == results[False]
    statuses = {name: status for name, status, _, _ in results[True][0]}
    assert statuses["g.fake"] == "refused" and statuses["h.fake"] == "imported"


def test_unreadable_and_vanishing_files_are_refused_with_reasons(
    journal: Journal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokenworth.core.importers import runner

    locked = _write(tmp_path / "locked.fake", line(0, session="L"))
    gone = _write(tmp_path / "gone.fake", line(0, session="G"))
    good = _write(tmp_path / "good.fake", line(0, session="K"))
    candidates, _ = runner.expand_paths([locked, gone, good])
    gone.unlink()  # disappears between the folder walk and the read
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(runner, "open", fake_open, raising=False)
    results = {Path(r.path).name: r for r in runner.import_candidates(journal, candidates)}
    assert results["locked.fake"].status == "refused"
    assert results["locked.fake"].message == "Could not read the file: Permission denied."
    assert results["gone.fake"].status == "refused"
    assert "No such file" in results["gone.fake"].message
    assert results["good.fake"].status == "imported"
    assert journal.session("K").events == 1


def test_unknown_files_met_in_a_folder_are_skipped_named_ones_refused(
    journal: Journal, tmp_path: Path
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    _write(folder / "a.fake", line(0))
    notes = _write(folder / "notes.fake", "a README that happens to end in .fake\n")
    by = {Path(r.path).name: r.status for r in import_paths(journal, [folder]).files}
    assert by == {"a.fake": "imported", "notes.fake": "skipped"}
    [r] = import_paths(journal, [notes]).files
    assert r.status == "refused"
