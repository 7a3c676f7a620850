"""The journal file: migrations, refusals, permissions, the write path and annotations."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tokenworth.core.errors import InputError, JournalError
from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.store import JOURNAL_NAME, Journal, SessionFilter, open_journal, schema

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _event(key: str, session: str = "s1", total: int = 100, rank: int = 0, ts: str | None = None):
    return UsageEvent(
        tool="claude-code",
        ts=ts or "2026-03-01T10:00:00.000Z",
        session_key=session,
        dedup_key=key,
        model="claude-sonnet-4-5",
        input_tokens=total,
        output_tokens=10,
        dedup_rank=rank,
    )


def test_new_journal_is_built_by_the_migrations(journal: Journal) -> None:
    conn = journal.conn
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert journal.schema_version == len(schema.KNOWN_MIGRATIONS) == schema.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"events", "sessions", "annotations", "files", "settings"} <= tables


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_folder_and_file_are_private(data_dir: Path) -> None:
    open_journal(data_dir).close()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / JOURNAL_NAME).stat().st_mode) == 0o600


def test_each_migration_applies_on_the_shape_before_it(tmp_path: Path) -> None:
    """m002 on a file that has only m001, the way an older app version left it."""
    path = tmp_path / JOURNAL_NAME
    from sqlite_utils import Database

    db = Database(path)
    schema.migrations().apply(db, stop_before="m002_settings")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute(
        "INSERT INTO annotations (session_key, value, tags, updated_at) VALUES ('k', 4, '[]', 'x')"
    )
    db.conn.commit()
    db.close()
    j = Journal(path)
    assert j.schema_version == len(schema.KNOWN_MIGRATIONS)
    assert j.annotation("k").value == 4  # data survived
    j.set_setting("idle_gap_minutes", "30")
    assert j.get_setting("idle_gap_minutes") == "30"
    backups = list(tmp_path.glob("journal.before-migration-*.sqlite3"))
    assert len(backups) == 1, "a verified backup is taken before migrating"
    with sqlite3.connect(backups[0]) as b:
        assert b.execute("SELECT count(*) FROM annotations").fetchone()[0] == 1
        assert b.execute("SELECT name FROM sqlite_master WHERE name='settings'").fetchone() is None
    j.close()


def test_newer_journal_is_refused_and_left_untouched(data_dir: Path) -> None:
    j = open_journal(data_dir)
    j.conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('tokenworth', 'm999_from_the_future', 'x')"
    )
    j.conn.commit()
    j.close()
    path = data_dir / JOURNAL_NAME
    before = path.read_bytes()
    with pytest.raises(JournalError, match="newer version of Tokenworth"):
        open_journal(data_dir)
    assert path.read_bytes() == before
    ro = open_journal(data_dir, readonly=True)  # still readable
    assert ro.newer
    ro.close()


def test_a_foreign_sqlite_file_is_refused(data_dir: Path) -> None:
    data_dir.mkdir()
    with sqlite3.connect(data_dir / JOURNAL_NAME) as c:
        c.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(JournalError, match="not a Tokenworth journal"):
        open_journal(data_dir)


def test_a_damaged_file_is_refused(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / JOURNAL_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(JournalError, match="not a readable Tokenworth journal"):
        open_journal(data_dir)


def test_streamed_response_keeps_the_largest_rank(journal: Journal) -> None:
    r1 = journal.write_events([_event("m1", total=10, rank=10), _event("m2", total=5, rank=5)])
    assert (r1.added, r1.updated) == (2, 0)
    r2 = journal.write_events([_event("m1", total=40, rank=40), _event("m2", total=1, rank=1)])
    assert (r2.added, r2.updated) == (0, 1)
    s = journal.session("s1")
    assert s.input_tokens == 45
    assert s.total_tokens == 45 + 20
    assert s.events == 2
    assert s.models == ["claude-sonnet-4-5"]


def test_a_failed_write_leaves_the_journal_as_it_was(journal: Journal) -> None:
    journal.write_events([_event("m1")])

    def broken():
        yield _event("m2")
        raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError):
        journal.write_events(broken())
    assert journal.count("events") == 1
    assert journal.session("s1").events == 1


def test_imports_never_write_annotations(journal: Journal) -> None:
    journal.write_events([_event("m1")])
    journal.annotate("s1", value=5, goal="Ship it")
    journal.write_events([_event("m1", total=500, rank=500), _event("m3")])
    assert journal.annotation("s1").value == 5
    assert journal.annotation("s1").goal == "Ship it"


def test_annotation_outlives_its_session_as_orphan(journal: Journal) -> None:
    key = journal.create_manual_session(tool="chatgpt", start=START, minutes=10)
    journal.annotate(key, value=3)
    journal.delete_manual_session(key)
    assert [a.session_key for a in journal.orphaned_annotations()] == [key]


def test_annotate_validates_and_returns_before_after(journal: Journal) -> None:
    key = journal.create_manual_session(tool="chatgpt", start=START, minutes=10)
    before, after = journal.annotate(key, value=2, tags=["a", " a ", "b"])
    assert before is None and after.value == 2 and after.tags == ["a", "b"]
    with pytest.raises(InputError, match="from 1 to 5"):
        journal.annotate(key, value=7)
    with pytest.raises(InputError, match="Unknown outcome"):
        journal.annotate(key, outcome="sort of")
    assert journal.annotation(key).value == 2
    # Clearing everything removes the row; undo restores it exactly.
    old = journal.set_annotation(Annotation(session_key=key))
    assert journal.annotation(key) is None
    journal.set_annotation(old)
    assert journal.annotation(key).tags == ["a", "b"]


def test_manual_session_has_its_length_and_estimate(journal: Journal) -> None:
    key = journal.create_manual_session(
        tool="ChatGPT", start=START, minutes=45, tokens=12_000, annotation=Annotation("", value=4)
    )
    s = journal.session(key)
    assert (s.tool, s.start, s.end) == (
        "chatgpt",
        "2026-03-01T09:00:00.000Z",
        "2026-03-01T09:45:00.000Z",
    )
    assert s.total_tokens == 12_000 and s.estimated and s.manual
    assert s.annotation.value == 4
    assert s.duration_minutes == 45


def test_filters_and_sorting(journal: Journal) -> None:
    journal.write_events(
        [
            _event("a", session="s1", total=100, ts="2026-03-01T10:00:00.000Z"),
            _event("b", session="s2", total=900, ts="2026-03-05T10:00:00.000Z"),
            _event("c", session="s3", total=50, ts="2026-03-09T10:00:00.000Z"),
        ]
    )
    journal.annotate("s2", goal="Refactor the 100% parser", value=1)
    ids = journal.session_ids(SessionFilter(), sort="total_tokens", descending=True)
    rows = journal.sessions_by_ids(ids)
    assert [rows[i].session_key for i in ids] == ["s2", "s1", "s3"]
    assert [s.session_key for s in journal.sessions(SessionFilter(unrated=True))] == ["s1", "s3"]
    assert [s.session_key for s in journal.sessions(SessionFilter(text="100%"))] == ["s2"]
    assert journal.sessions(SessionFilter(text="1_0")) == []  # LIKE wildcards are escaped
    flt = SessionFilter(since="2026-03-02T00:00:00.000Z", until="2026-03-09T00:00:00.000Z")
    assert [s.session_key for s in journal.sessions(flt)] == ["s2"]


def test_backup_is_verified_and_refuses_to_overwrite(journal: Journal, tmp_path: Path) -> None:
    journal.write_events([_event("m1")])
    journal.annotate("s1", value=4)
    out = journal.backup(tmp_path / "b.sqlite3")
    assert out["verified"] and out["events"] == 1 and out["annotations"] == 1
    with pytest.raises(JournalError, match="already exists"):
        journal.backup(tmp_path / "b.sqlite3")


def test_check_reports_integrity(journal: Journal) -> None:
    result = journal.check()
    assert result["ok"] and result["integrity"] == "ok"
    assert result["migrations"] == list(schema.KNOWN_MIGRATIONS)


def test_an_event_moving_to_another_session_refreshes_both(journal: Journal) -> None:
    """A fork's copy imported first, then the parent's line with a higher rank wins the key."""
    journal.write_events([_event("shared", session="fork", rank=1), _event("own", session="fork")])
    assert journal.session("fork").events == 2
    journal.write_events([_event("shared", session="parent", rank=5)])
    assert journal.session("parent").events == 1
    assert journal.session("fork").events == 1
    assert journal.session("fork").input_tokens == 100


def test_m003_adds_cache_tiers_and_rereads_files(tmp_path: Path) -> None:
    """A journal from before m003 keeps its events and re-reads its files on the next scan."""
    path = tmp_path / JOURNAL_NAME
    from sqlite_utils import Database

    db = Database(path)
    schema.migrations().apply(db, stop_before="m003_cache_tiers_and_speed")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute(
        "INSERT INTO files (path, format, size, mtime_ns, consumed, imported_at) "
        "VALUES ('/logs/a.jsonl', 'claude-code', 100, 1, 100, 'x')"
    )
    db.execute(
        "INSERT INTO events (dedup_key, tool, ts, session_key, cache_creation_tokens, "
        "total_tokens) VALUES ('k', 'claude-code', '2026-01-01T00:00:00.000Z', 's', 50, 50)"
    )
    db.conn.commit()
    db.close()
    j = Journal(path)
    row = j.conn.execute(
        "SELECT cache_creation_tokens, cache_creation_1h_tokens, speed FROM events"
    ).fetchone()
    assert row == (50, 0, None)
    rec = j.file_record("/logs/a.jsonl")
    assert (rec.size, rec.consumed, rec.head_hash) == (-1, 0, None)
    j.write_events(
        [
            UsageEvent(
                tool="claude-code",
                ts="2026-01-01T00:00:00.000Z",
                session_key="s",
                dedup_key="k2",
                cache_creation_tokens=90,
                cache_creation_1h_tokens=60,
                speed="fast",
                dedup_rank=1,
            )
        ]
    )
    assert j.conn.execute(
        "SELECT cache_creation_1h_tokens, speed FROM events WHERE dedup_key = 'k2'"
    ).fetchone() == (60, "fast")
    j.close()


def test_a_file_changed_after_a_clean_close_is_checked_again(data_dir: Path) -> None:
    j = open_journal(data_dir)
    j.write_events([_event(f"m{i}", session=f"s{i}") for i in range(2000)])
    j.close()
    path = data_dir / JOURNAL_NAME
    assert (data_dir / "journal.sqlite3.verified").exists()
    open_journal(data_dir).close()  # unchanged: opens (the check may be skipped)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 5 : page * 6] = b"\xff" * page  # damage a page in the middle
    path.write_bytes(bytes(data))
    with pytest.raises(JournalError, match=r"damaged|not a readable"):
        open_journal(data_dir)


def test_api_cost_is_stored_per_event_and_summed_per_session(journal: Journal) -> None:
    from tokenworth.core.analytics import summary

    p = journal.prices.lookup("claude-sonnet-4-5")
    journal.write_events(
        [
            UsageEvent(
                tool="claude-code",
                ts="2026-03-01T10:00:00.000Z",
                session_key="s",
                dedup_key="a",
                model="claude-sonnet-4-5",
                input_tokens=1000,
                cache_creation_tokens=2000,
                cache_creation_1h_tokens=500,
                cache_read_tokens=10_000,
                output_tokens=300,
            ),
            UsageEvent(
                tool="claude-code",
                ts="2026-03-01T10:01:00.000Z",
                session_key="s",
                dedup_key="b",
                model="mystery-model-9",
                input_tokens=50,
            ),
            UsageEvent(
                tool="cursor",
                ts="2026-03-01T10:02:00.000Z",
                session_key="s",
                dedup_key="c",
                model="mystery-model-9",
                input_tokens=5,
                cost_usd=0.25,
            ),
        ]
    )
    # 1,500 5-minute writes, 500 1-hour writes (2 x input), reads, output; list prices.
    expected = (
        1000 * p.input
        + 1500 * p.cache_write_5m
        + 500 * p.cache_write_1h  # 2 x input
        + 10_000 * p.cache_read
        + 300 * p.output
    )
    costs = dict(journal.conn.execute("SELECT dedup_key, api_cost_usd FROM events"))
    assert costs["a"] == pytest.approx(expected, rel=1e-9)
    assert costs["b"] is None  # unpriced, never 0
    assert costs["c"] == 0.25  # reported cost wins
    s = journal.session("s")
    assert s.cost_usd == pytest.approx(expected + 0.25)
    assert s.unpriced_events == 1
    assert summary(journal)["cost_usd"] == pytest.approx(round(expected + 0.25, 6))
    assert summary(journal)["unpriced_events"] == 1


def test_price_overrides_reprice_everything(journal: Journal) -> None:
    journal.write_events([_event("m1")])  # claude-sonnet-4-5, 100 input + 10 output
    before = journal.session("s1").cost_usd
    journal.set_price_overrides(
        {"claude-sonnet-4-5": {"input_cost_per_token": 1e-3, "output_cost_per_token": 2e-3}}
    )
    assert journal.session("s1").cost_usd == pytest.approx(100 * 1e-3 + 10 * 2e-3)
    assert before != journal.session("s1").cost_usd
    ids = journal.session_ids(SessionFilter(), sort="cost_usd")
    assert len(ids) == 1


def test_journal_from_before_m004_is_priced_on_open(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    from sqlite_utils import Database

    db = Database(path)
    schema.migrations().apply(db, stop_before="m004_api_cost")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute(
        "INSERT INTO events (dedup_key, tool, ts, session_key, model, input_tokens, "
        "total_tokens) VALUES ('k', 'codex', '2026-01-01T00:00:00.000Z', 's', 'gpt-5', "
        "1000000, 1000000)"
    )
    db.execute(
        'INSERT INTO sessions (session_key, tool, start, "end", events, input_tokens, '
        "total_tokens) VALUES ('s', 'codex', '2026-01-01T00:00:00.000Z', "
        "'2026-01-01T00:00:00.000Z', 1, 1000000, 1000000)"
    )
    db.conn.commit()
    db.close()
    j = Journal(path)
    price = j.prices.lookup("gpt-5")
    assert j.session("s").cost_usd == pytest.approx(1_000_000 * price.input)
    assert j.get_setting("prices_version").startswith(j.prices.version)
    j.close()


def test_count_sessions_with_a_filter(journal: Journal) -> None:
    journal.write_events([_event("a", session="s1"), _event("b", session="s2")])
    journal.annotate("s1", value=3)
    assert journal.count_sessions() == 2
    assert journal.count_sessions(SessionFilter(unrated=True)) == 1
