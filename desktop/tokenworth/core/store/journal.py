"""The journal: one SQLite file, one connection per thread, and the only code that writes it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenworth.core.errors import InputError, JournalError
from tokenworth.core.model import OUTCOMES, Annotation, Session, UsageEvent
from tokenworth.core.store import schema
from tokenworth.core.timeutil import format_ts, now_ts

if TYPE_CHECKING:
    from tokenworth.core.pricing import PriceTable

JOURNAL_NAME = "journal.sqlite3"

_EVENT_COLUMNS = (
    "dedup_key",
    "dedup_rank",
    "file_id",
    "tool",
    "ts",
    "session_key",
    "model",
    "input_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost_usd",
    "estimated",
    "project",
    "cwd",
    "git_branch",
    "cache_creation_1h_tokens",
    "speed",
    "api_cost_usd",
)
_UPSERT_EVENT = (
    f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _EVENT_COLUMNS)}) "
    "ON CONFLICT(dedup_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _EVENT_COLUMNS if c != "dedup_key")
    + " WHERE excluded.dedup_rank > events.dedup_rank"
)

# Recomputes the derived columns of the sessions whose keys are in temp table _touched.
# CROSS JOIN fixes the loop order: the few touched keys outside, the events index inside
# (the planner otherwise scans every event once per file imported).
_REFRESH_SESSIONS = """
INSERT INTO sessions (session_key, tool, start, "end", models, project, cwd, git_branch, events,
    input_tokens, cache_creation_tokens, cache_read_tokens, output_tokens, reasoning_tokens,
    total_tokens, cost_usd, estimated, api_cost_usd, unpriced_events, estimated_tokens)
SELECT e.session_key, min(e.tool), min(e.ts), max(e.ts),
    (SELECT group_concat(m, ',') FROM (SELECT DISTINCT model AS m FROM events
        WHERE session_key = e.session_key AND model IS NOT NULL ORDER BY model)),
    max(e.project), max(e.cwd), max(e.git_branch), count(*),
    sum(e.input_tokens), sum(e.cache_creation_tokens), sum(e.cache_read_tokens),
    sum(e.output_tokens), sum(e.reasoning_tokens), sum(e.total_tokens),
    sum(e.cost_usd), max(e.estimated), sum(e.api_cost_usd),
    sum(e.api_cost_usd IS NULL AND e.total_tokens > 0),
    sum(CASE WHEN e.estimated THEN e.total_tokens ELSE 0 END)
FROM _touched t CROSS JOIN events e ON e.session_key = t.session_key
GROUP BY e.session_key
ON CONFLICT(session_key) DO UPDATE SET
    tool = excluded.tool, start = excluded.start,
    "end" = CASE WHEN sessions.manual_minutes IS NULL THEN excluded."end"
        ELSE max(excluded."end", strftime('%Y-%m-%dT%H:%M:%fZ', excluded.start,
            '+' || sessions.manual_minutes || ' minutes')) END,
    models = excluded.models, project = excluded.project, cwd = excluded.cwd,
    git_branch = excluded.git_branch, events = excluded.events,
    input_tokens = excluded.input_tokens, cache_creation_tokens = excluded.cache_creation_tokens,
    cache_read_tokens = excluded.cache_read_tokens, output_tokens = excluded.output_tokens,
    reasoning_tokens = excluded.reasoning_tokens, total_tokens = excluded.total_tokens,
    cost_usd = excluded.cost_usd, estimated = excluded.estimated,
    api_cost_usd = excluded.api_cost_usd, unpriced_events = excluded.unpriced_events,
    estimated_tokens = excluded.estimated_tokens
"""

_NOT_NULL_SORTS = frozenset({"start", "tool", "duration", "total_tokens"})

PackedEvent = tuple[Any, ...]


class _PackedUsage:
    """Token counts of a packed event, read the way pricing reads a UsageEvent."""

    __slots__ = (
        "cache_creation_1h_tokens",
        "cache_creation_tokens",
        "cache_read_tokens",
        "input_tokens",
        "output_tokens",
    )

    def __init__(self, row: PackedEvent) -> None:
        self.input_tokens = int(row[6])
        self.cache_creation_tokens = int(row[7])
        self.cache_read_tokens = int(row[8])
        self.output_tokens = int(row[9])
        self.cache_creation_1h_tokens = int(row[17] or 0)


def pack_event(ev: UsageEvent) -> PackedEvent:
    """An event as a plain tuple in the events table's column order, without ``file_id``.

    Tuples pickle five times faster than the dataclass, which matters when worker
    processes send back tens of thousands of events.
    """
    return (
        ev.dedup_key,
        ev.dedup_rank,
        ev.tool,
        ev.ts,
        ev.session_key,
        ev.model,
        ev.input_tokens,
        ev.cache_creation_tokens,
        ev.cache_read_tokens,
        ev.output_tokens,
        ev.reasoning_tokens,
        ev.total_tokens,
        ev.cost_usd,
        int(ev.estimated),
        ev.project,
        ev.cwd,
        ev.git_branch,
        ev.cache_creation_1h_tokens,
        ev.speed,
    )


SESSION_SORT_COLUMNS = {
    "start": "s.start",
    "tool": "s.tool",
    "project": "s.project",
    "duration": '(julianday(s."end") - julianday(s.start))',
    "total_tokens": "s.total_tokens",
    "cost_usd": "s.api_cost_usd",
    "value": "a.value",
    "goal": "a.goal",
}


def default_data_dir() -> Path:
    """The journal's folder: ``TOKENWORTH_DATA_DIR`` or platformdirs' user data dir."""
    env = os.environ.get("TOKENWORTH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Tokenworth", appauthor=False))


@dataclass(slots=True)
class SessionFilter:
    """Which sessions a view or command wants. Bounds are stored-form UTC strings."""

    since: str | None = None  # start >= since
    until: str | None = None  # start < until
    tools: Sequence[str] = ()
    text: str | None = None
    unrated: bool = False
    tag: str | None = None
    session_keys: Sequence[str] | None = None

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition over ``sessions s LEFT JOIN annotations a`` and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.since:
            parts.append("s.start >= ?")
            params.append(self.since)
        if self.until:
            parts.append("s.start < ?")
            params.append(self.until)
        if self.tools:
            parts.append(f"s.tool IN ({', '.join('?' for _ in self.tools)})")
            params.extend(self.tools)
        if self.unrated:
            parts.append("a.value IS NULL")
        if self.tag:
            parts.append("EXISTS (SELECT 1 FROM json_each(a.tags) WHERE json_each.value = ?)")
            params.append(self.tag)
        if self.session_keys is not None:
            parts.append("s.session_key IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(self.session_keys)))
        if self.text:
            escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = "%" + escaped + "%"
            cols = [
                "s.tool",
                "s.project",
                "s.models",
                "a.goal",
                "a.note",
                "a.outcome_note",
                "a.tags",
            ]
            parts.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in cols) + ")")
            params.extend([like] * len(cols))
        return (" AND ".join(parts) or "1"), params


@dataclass(slots=True)
class FileRecord:
    """What the journal remembers about one imported file."""

    path: str
    format: str
    size: int
    mtime_ns: int
    inode: int | None
    consumed: int
    head_hash: str | None
    tail_hash: str | None
    state: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(slots=True)
class WriteResult:
    """Counts of one write into the journal."""

    added: int = 0
    updated: int = 0
    sessions: set[str] = field(default_factory=set)


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, 0o700)


def _touch_private(path: Path) -> None:
    """Create ``path`` readable by its owner only, before SQLite opens it."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Journal:
    """One open journal file. Not thread-safe: open one per thread.

    Args:
        path: The SQLite file.
        readonly: Open without writing anything (a newer journal can still be read).
        prices: The price table (default: the shipped one with the saved overrides).
        verify: Run ``quick_check`` unless the file is as it was at its last clean close.
            A second, read-only connection of a process that verified the file already
            (a window's background reads) passes False.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        readonly: bool = False,
        prices: PriceTable | None = None,
        verify: bool = True,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.newer = False
        existed = self.path.exists() and self.path.stat().st_size > 0
        if readonly and not existed:
            raise JournalError(f"There is no journal at {self.path}.")
        # Taken before SQLite opens the file (opening creates the -wal file).
        verified = not verify or (existed and self._stamp() == self._read_verified_stamp())
        if not readonly:
            _prepare_folder(self.path.parent)
            _touch_private(self.path)
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            else:
                conn = sqlite3.connect(str(self.path))
            conn.isolation_level = None  # explicit BEGIN/COMMIT only (see _atomic)
            conn.execute("PRAGMA busy_timeout = 10000")
            self.conn = conn
            self._db: Any = None
            self._sessions_stale = False
            self._prices: PriceTable | None = prices
            self._check_and_migrate(existed, verified)
            if not readonly and not self.newer:
                stored = self.get_setting("prices_version")
                if stored != self._prices_fingerprint():
                    # A new price table, other overrides, or a journal from before m004.
                    self.reprice()
        except sqlite3.DatabaseError as err:
            raise JournalError(self._explain(err)) from err

    def _explain(self, err: sqlite3.DatabaseError) -> str:
        text = str(err)
        if "not a database" in text or "malformed" in text:
            return (
                f"{self.path} is not a readable Tokenworth journal ({text}). "
                "Restore a backup or choose another data folder."
            )
        if "locked" in text or "busy" in text:
            return f"The journal {self.path} is locked by another program; close it and retry."
        if "readonly" in text or "read-only" in text:
            return f"The journal {self.path} cannot be written: check its permissions."
        if "disk" in text and "full" in text:
            return "The disk is full: free some space, then retry. The journal was not changed."
        return f"The journal {self.path} could not be used: {text}."

    # ---- opening -------------------------------------------------------------------------

    @property
    def db(self) -> Any:
        """A sqlite-utils Database on this connection, made on first use (migrations).

        Importing sqlite-utils costs more than the rest of an import run's start-up (it
        loads numpy when present), so the everyday paths use the plain connection.
        """
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def _applied_migrations(self) -> list[str]:
        try:
            rows = self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                [schema.MIGRATION_SET],
            ).fetchall()
        except sqlite3.OperationalError:  # no such table: a new file
            return []
        return [r[0] for r in rows]

    def _check_and_migrate(self, existed: bool, verified: bool) -> None:
        conn = self.conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        has_tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if app_id not in (0, schema.APPLICATION_ID) or (app_id == 0 and has_tables):
            raise JournalError(
                f"{self.path} is an SQLite file but not a Tokenworth journal; "
                "choose another data folder."
            )
        if existed and not verified:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise JournalError(
                    f"The journal {self.path} is damaged ({result}). "
                    "Restore a backup; the file was left as it is."
                )
        applied = self._applied_migrations()
        unknown = [name for name in applied if name not in schema.KNOWN_MIGRATIONS]
        if unknown:
            self.newer = True
            if not self.readonly:
                self.conn.close()
                raise JournalError(
                    f"The journal {self.path} was written by a newer version of Tokenworth "
                    f"(it has changes this version does not know: {', '.join(unknown)}). "
                    "Update Tokenworth to use it; the file was not changed."
                )
            return
        self.newer = False
        if self.readonly:
            return
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 64 MiB of page cache (default 2 MiB): inserting into the dedup_key index in
        # random order otherwise pages in and out; measured 2x faster on 74k events.
        conn.execute("PRAGMA cache_size = -65536")
        # Savepoints inside a transaction keep a statement journal, and temp tables live
        # in the temp store: in memory that is about 0.6 s less system time per 3,000
        # imported files than the default temporary files.
        conn.execute("PRAGMA temp_store = MEMORY")
        if applied != list(schema.KNOWN_MIGRATIONS):
            if existed and applied:
                self.backup(self._migration_backup_path())
            schema.migrations().apply(self.db)
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        self._prepare_temp()
        if os.name == "posix":
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(self.path) + suffix)
                if p.exists():
                    os.chmod(p, 0o600)

    def _prepare_temp(self) -> None:
        # Session keys written in the open transaction, recomputed before it commits.
        # A temp table follows savepoints: a rolled-back file takes its keys with it.
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _touched (session_key TEXT PRIMARY KEY)")
        # A replaced row may move to another session (a fork's copy losing to the parent's
        # line): the session it leaves must be recomputed too. A trigger sees exactly those
        # rows; looking every written key up beforehand cost a third of the write time.
        self.conn.execute(
            "CREATE TEMP TRIGGER IF NOT EXISTS _event_moved "
            "AFTER UPDATE OF session_key ON main.events "
            "WHEN old.session_key <> new.session_key "
            # Not INSERT OR IGNORE: inside a trigger the outer upsert's conflict rule wins.
            "BEGIN INSERT INTO _touched SELECT old.session_key WHERE NOT EXISTS "
            "(SELECT 1 FROM _touched WHERE session_key = old.session_key); END"
        )

    def _migration_backup_path(self) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return self.path.with_name(f"{self.path.stem}.before-migration-{stamp}.sqlite3")

    @property
    def schema_version(self) -> int:
        """Number of migrations applied to this file."""
        return len(self._applied_migrations())

    def close(self) -> None:
        """Close the connection (checkpointing the WAL) and remember the file as verified.

        ``quick_check`` reads the whole file, which costs more than a rescan with nothing
        new. After a clean close the file's size and mtime are written beside it; the next
        open skips the check only while they still match, so a crash, another program's
        write or a copied-in file is always checked.
        """
        self.conn.close()
        if not self.newer:
            with contextlib.suppress(OSError):  # a read-only folder: check next time again
                marker = self._verified_marker()
                tmp = marker.with_name(marker.name + ".tmp")
                _touch_private(tmp)
                tmp.write_text(json.dumps(self._stamp()))
                os.replace(tmp, marker)

    def _verified_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".verified")

    def _stamp(self) -> list[int]:
        out: list[int] = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(str(self.path) + suffix)
            except OSError:
                out += [-1, -1]
            else:
                out += [st.st_size, st.st_mtime_ns]
        return out

    def _read_verified_stamp(self) -> list[int] | None:
        try:
            value = json.loads(self._verified_marker().read_text())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, list) else None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- maintenance ---------------------------------------------------------------------

    def check(self) -> dict[str, Any]:
        """Full integrity check plus schema facts, as plain data."""
        conn = self.conn
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        return {
            "path": str(self.path),
            "integrity": "ok" if integrity == ["ok"] else "; ".join(integrity),
            "foreign_keys": "ok" if not fk else f"{len(fk)} broken references",
            "schema_version": self.schema_version,
            "app_schema_version": schema.SCHEMA_VERSION,
            "migrations": self._applied_migrations(),
            "sessions": self.count("sessions"),
            "events": self.count("events"),
            "annotations": self.count("annotations"),
            "files": self.count("files"),
            "ok": integrity == ["ok"] and not fk,
        }

    def count_sessions(self, flt: SessionFilter | None = None) -> int:
        """How many sessions match ``flt`` (one COUNT, no ids)."""
        where, params = (flt or SessionFilter()).where()
        sql = (
            "SELECT count(*) FROM sessions s LEFT JOIN annotations a "
            f"ON a.session_key = s.session_key WHERE {where}"
        )
        return int(self.conn.execute(sql, params).fetchone()[0])

    def count(self, table: str) -> int:
        """Rows in one of the journal's tables."""
        assert table in {"sessions", "events", "annotations", "files"}
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def backup(self, dest: Path | str) -> dict[str, Any]:
        """Copy the journal online into ``dest`` and verify the copy.

        Raises:
            JournalError: when the copy cannot be written or does not verify.
        """
        dest = Path(dest)
        if dest.exists():
            raise JournalError(f"{dest} already exists; choose another name for the backup.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        _touch_private(dest)
        try:
            target = sqlite3.connect(str(dest))
            try:
                self.conn.backup(target)
                check = target.execute("PRAGMA integrity_check").fetchone()[0]
                counts = {
                    t: target.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("sessions", "events", "annotations")
                    if target.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [t]).fetchone()
                }
            finally:
                target.close()
        except sqlite3.Error as err:
            with contextlib.suppress(OSError):
                dest.unlink()
            raise JournalError(f"The backup to {dest} failed: {err}.") from err
        mine = {t: self.count(t) for t in counts}
        if check != "ok" or counts != mine:
            raise JournalError(f"The backup at {dest} did not verify ({check}); keep the original.")
        return {"path": str(dest), "verified": True, **counts}

    # ---- the write path ------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (or a savepoint when nested): all of it is written, or none."""
        if self.readonly:
            raise JournalError("This journal is open read-only.")
        outermost = not self.conn.in_transaction
        try:
            with _atomic(self.conn):
                yield
                if outermost and self._sessions_stale:
                    # Sessions are recomputed once per commit, not once per file: a big
                    # session spread over many subagent files is summed once.
                    self._refresh_touched_sessions()
        except sqlite3.DatabaseError as err:
            raise JournalError(self._explain(err)) from err
        finally:
            if outermost:
                self._sessions_stale = False

    def write_events(
        self,
        events: Iterable[UsageEvent | PackedEvent],
        *,
        file: FileRecord | None = None,
        replace_file: bool = False,
    ) -> WriteResult:
        """Upsert events, and the file's ledger row, then refresh the touched sessions.

        Everything happens in one savepoint: if anything fails (or the iterator raises,
        e.g. on Cancel), the journal is left exactly as it was.

        Args:
            events: Normalized events (or ``pack_event`` tuples, cheaper to send between
                processes); a known dedup_key is replaced only by a higher rank.
            file: The ledger row to save for the file these events came from.
            replace_file: Drop this file's earlier events first (the file was rewritten).

        Returns:
            How many events were added and updated, and the touched session keys.
        """
        result = WriteResult()
        conn = self.conn
        with self.transaction():
            file_id = None
            if file is not None:
                file_id = self._save_file(file)
            self._sessions_stale = True
            if replace_file and file_id is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO _touched SELECT DISTINCT session_key FROM events "
                    "WHERE file_id = ?",
                    [file_id],
                )
                conn.execute("DELETE FROM events WHERE file_id = ?", [file_id])
            max_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            changed = 0
            batch: list[tuple[Any, ...]] = []
            keys = result.sessions
            price = self._price_row
            for ev in events:
                row = ev if type(ev) is tuple else pack_event(ev)  # type: ignore[arg-type]
                keys.add(row[4])  # session_key
                batch.append((row[0], row[1], file_id, *row[2:], price(row)))
                if len(batch) >= 2000:
                    changed += self._upsert(batch)
                    batch.clear()
            if batch:
                changed += self._upsert(batch)
            result.added = conn.execute(
                "SELECT count(*) FROM events WHERE id > ?", [max_id]
            ).fetchone()[0]
            result.updated = changed - result.added
            conn.executemany("INSERT OR IGNORE INTO _touched VALUES (?)", [(k,) for k in keys])
            if file is not None:
                # Saved again now that the events are in: the parser has moved `consumed`
                # and its state forward while the iterator ran.
                self._save_file(file)
        return result

    # ---- prices ----------------------------------------------------------------------------

    @property
    def prices(self) -> PriceTable:
        """The price table in use: the shipped one with the person's per-model overrides."""
        if self._prices is None:
            from tokenworth.core.pricing import default_prices

            self._prices = default_prices().with_overrides(self.price_overrides())
        return self._prices

    def price_overrides(self) -> dict[str, Any]:
        """The person's per-model prices (``{model: {litellm_field: usd_per_token}}``)."""
        try:
            value = json.loads(self.get_setting("price_overrides") or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_price_overrides(self, overrides: dict[str, Any]) -> None:
        """Save per-model prices and re-price every event with them.

        Raises:
            InputError: an override names an unknown field or a negative price.
        """
        from tokenworth.core.pricing import default_prices

        table = default_prices().with_overrides(overrides)  # validates
        with self.transaction():
            self.set_setting("price_overrides", json.dumps(overrides, sort_keys=True))
            self._prices = table
            self.reprice()

    def stored_costs_current(self) -> bool:
        """True when the stored costs were computed with the price table now in use."""
        try:
            return self.get_setting("prices_version") == self._prices_fingerprint()
        except sqlite3.Error:
            return False

    def _prices_fingerprint(self) -> str:
        return self.prices.version + "|" + json.dumps(self.price_overrides(), sort_keys=True)

    def _price_row(self, row: PackedEvent) -> float | None:
        """API-equivalent cost of one packed event: reported, else estimated, else None."""
        if row[12] is not None:
            return float(row[12])
        if not row[5] or not row[11]:
            return None  # no model or no tokens: nothing to price
        usage = _PackedUsage(row)
        if not (
            usage.input_tokens
            or usage.output_tokens
            or usage.cache_read_tokens
            or usage.cache_creation_tokens
        ):
            # A total without its split (an estimate typed by hand): priced as input.
            usage.input_tokens = int(row[11])
        return self.prices.estimate(usage, row[5], row[18])

    def reprice(self) -> int:
        """Recompute every event's API-equivalent cost and every session's sums.

        Returns:
            The number of events priced.
        """
        conn = self.conn
        with self.transaction():
            rows = conn.execute(
                "SELECT id, model, input_tokens, cache_creation_tokens, cache_read_tokens, "
                "output_tokens, total_tokens, cost_usd, cache_creation_1h_tokens, speed "
                "FROM events"
            ).fetchall()
            updates = []
            for r in rows:
                packed = (
                    None,
                    None,
                    None,
                    None,
                    None,
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    0,
                    r[6],
                    r[7],
                    0,
                    None,
                    None,
                    None,
                    r[8],
                    r[9],
                )
                updates.append((self._price_row(packed), r[0]))
            conn.executemany("UPDATE events SET api_cost_usd = ? WHERE id = ?", updates)
            conn.execute("INSERT OR IGNORE INTO _touched SELECT session_key FROM sessions")
            self._sessions_stale = True
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('prices_version', ?)",
                [self._prices_fingerprint()],
            )
        return len(updates)

    def _upsert(self, batch: list[tuple[Any, ...]]) -> int:
        """Upsert one batch of event rows; returns how many rows were inserted or replaced."""
        conn = self.conn
        before = conn.total_changes
        conn.executemany(_UPSERT_EVENT, batch)
        return conn.total_changes - before

    def _refresh_touched_sessions(self) -> None:
        conn = self.conn
        conn.execute(_REFRESH_SESSIONS)
        # Sessions whose events all went away (a rewritten file); manual ones stay.
        conn.execute(
            "DELETE FROM sessions WHERE session_key IN (SELECT session_key FROM _touched) "
            "AND manual_minutes IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.session_key = sessions.session_key)"
        )
        conn.execute("DELETE FROM _touched")

    def _save_file(self, f: FileRecord) -> int:
        row = {
            "path": f.path,
            "format": f.format,
            "size": f.size,
            "mtime_ns": f.mtime_ns,
            "inode": f.inode,
            "consumed": f.consumed,
            "head_hash": f.head_hash,
            "tail_hash": f.tail_hash,
            "state": json.dumps(f.state, sort_keys=True),
            "imported_at": now_ts(),
        }
        cols = list(row)
        self.conn.execute(
            f"INSERT INTO files ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
            "ON CONFLICT(path) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "path"),
            list(row.values()),
        )
        file_id = self.conn.execute("SELECT id FROM files WHERE path = ?", [f.path]).fetchone()
        f.id = int(file_id[0])
        return f.id

    def file_record(self, path: str) -> FileRecord | None:
        """The ledger row of a file imported before, or None."""
        row = self.conn.execute(
            "SELECT id, path, format, size, mtime_ns, inode, consumed, head_hash, tail_hash, "
            "state FROM files WHERE path = ?",
            [path],
        ).fetchone()
        if row is None:
            return None
        return FileRecord(
            id=row[0],
            path=row[1],
            format=row[2],
            size=row[3],
            mtime_ns=row[4],
            inode=row[5],
            consumed=row[6],
            head_hash=row[7],
            tail_hash=row[8],
            state=json.loads(row[9] or "{}"),
        )

    def file_records(self) -> dict[str, FileRecord]:
        """Every ledger row, by path (one query, for a fast rescan)."""
        out = {}
        for row in self.conn.execute(
            "SELECT id, path, format, size, mtime_ns, inode, consumed, head_hash, tail_hash, "
            "state FROM files"
        ):
            out[row[1]] = FileRecord(
                id=row[0],
                path=row[1],
                format=row[2],
                size=row[3],
                mtime_ns=row[4],
                inode=row[5],
                consumed=row[6],
                head_hash=row[7],
                tail_hash=row[8],
                state=json.loads(row[9] or "{}"),
            )
        return out

    def create_manual_session(
        self,
        *,
        tool: str,
        start: dt.datetime,
        minutes: int | None = None,
        tokens: int | None = None,
        model: str | None = None,
        project: str | None = None,
        annotation: Annotation | None = None,
        session_key: str | None = None,
    ) -> str:
        """Log a session that no export records; returns its session_key.

        Args:
            session_key: Reuse a key (redo of an undone entry); new ``manual:`` key if None.
        """
        tool = validate_tool(tool)
        if session_key is not None and (
            not session_key.startswith("manual:") or self.session_exists(session_key)
        ):
            raise InputError(f"{session_key!r} cannot be used for a new entry.")
        if minutes is not None and minutes < 0:
            raise InputError("--minutes cannot be negative.")
        if tokens is not None and tokens < 0:
            raise InputError("--tokens cannot be negative.")
        key = session_key or f"manual:{uuid.uuid4()}"
        ts = format_ts(start)
        event = UsageEvent(
            tool=tool,
            ts=ts,
            session_key=key,
            dedup_key=key,
            model=model,
            total_tokens=tokens or 0,
            estimated=tokens is not None,
            project=project,
        )
        if annotation is not None:
            annotation.session_key = key
            validate_annotation(annotation)
        with self.transaction():
            self.conn.execute(
                'INSERT INTO sessions (session_key, tool, start, "end", manual_minutes) '
                "VALUES (?, ?, ?, ?, ?)",
                [key, tool, ts, ts, minutes or 0],
            )
            self.write_events([event])
            if annotation is not None and not annotation.is_empty():
                self.set_annotation(annotation)
        return key

    def delete_manual_session(self, session_key: str) -> None:
        """Remove a session logged by hand (its annotation stays, orphaned, for undo)."""
        with self.transaction():
            n = self.conn.execute(
                "DELETE FROM sessions WHERE session_key = ? AND manual_minutes IS NOT NULL",
                [session_key],
            ).rowcount
            if not n:
                raise InputError(f"{session_key} is not a session logged by hand.")
            self.conn.execute("DELETE FROM events WHERE session_key = ?", [session_key])

    def set_annotation(self, annotation: Annotation) -> Annotation | None:
        """Store ``annotation`` as it is (an empty one deletes the row); returns the old one."""
        validate_annotation(annotation)
        key = annotation.session_key
        with self.transaction():
            previous = self.annotation(key)
            if annotation.is_empty():
                self.conn.execute("DELETE FROM annotations WHERE session_key = ?", [key])
            else:
                annotation.updated_at = now_ts()
                self.conn.execute(
                    "INSERT OR REPLACE INTO annotations (session_key, goal, outcome, "
                    "outcome_note, value, minutes_saved, needed, tags, note, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        key,
                        annotation.goal or None,
                        annotation.outcome,
                        annotation.outcome_note or None,
                        annotation.value,
                        annotation.minutes_saved,
                        None if annotation.needed is None else int(annotation.needed),
                        json.dumps(annotation.tags),
                        annotation.note or None,
                        annotation.updated_at,
                    ],
                )
        return previous

    def annotate(self, session_key: str, **changes: Any) -> tuple[Annotation | None, Annotation]:
        """Change some fields of a session's annotation; returns (before, after).

        Raises:
            InputError: unknown session, or a value out of range.
        """
        if not self.session_exists(session_key):
            raise InputError(
                f"There is no session {session_key!r}; `tokenworth sessions` lists the keys."
            )
        before = self.annotation(session_key)
        after = Annotation(session_key=session_key)
        if before is not None:
            after = Annotation(**{k: getattr(before, k) for k in Annotation.__slots__})
            after.tags = list(before.tags)
        for name, value in changes.items():
            if name not in Annotation.__slots__ or name in ("session_key", "updated_at"):
                raise InputError(f"Unknown annotation field {name!r}.")
            setattr(after, name, value)
        validate_annotation(after)
        self.set_annotation(after)
        return before, after

    # ---- reading -------------------------------------------------------------------------

    def annotation(self, session_key: str) -> Annotation | None:
        """The stored annotation of a session, or None."""
        row = self.conn.execute(
            "SELECT session_key, goal, outcome, outcome_note, value, minutes_saved, needed, "
            "tags, note, updated_at FROM annotations WHERE session_key = ?",
            [session_key],
        ).fetchone()
        return _annotation_from_row(row) if row else None

    def session_exists(self, session_key: str) -> bool:
        """True when the journal has this session."""
        return (
            self.conn.execute(
                "SELECT 1 FROM sessions WHERE session_key = ?", [session_key]
            ).fetchone()
            is not None
        )

    def session_ids(
        self, flt: SessionFilter, sort: str = "start", descending: bool = True
    ) -> list[int]:
        """Row ids of the matching sessions in display order (cheap: ids only)."""
        where, params = flt.where()
        order = SESSION_SORT_COLUMNS.get(sort, "s.start")
        direction = "DESC" if descending else "ASC"
        # Empty values go last; a column that is never empty needs no such term, and then
        # SQLite walks its index instead of sorting (220 ms -> 50 ms at 100,000 sessions).
        nulls_last = "" if sort in _NOT_NULL_SORTS else f"{order} IS NULL, "
        sql = (
            "SELECT s.id FROM sessions s LEFT JOIN annotations a ON a.session_key = s.session_key "
            f"WHERE {where} ORDER BY {nulls_last}{order} {direction}, s.id {direction}"
        )
        return [r[0] for r in self.conn.execute(sql, params)]

    def sessions_by_ids(self, ids: Sequence[int]) -> dict[int, Session]:
        """The sessions with these row ids, with their annotations."""
        if not ids:
            return {}
        sql = _SESSION_SELECT + " WHERE s.id IN (SELECT value FROM json_each(?))"
        return {
            row[0]: _session_from_row(row)
            for row in self.conn.execute(sql, [json.dumps(list(ids))])
        }

    def sessions(
        self, flt: SessionFilter | None = None, *, ascending: bool = True
    ) -> list[Session]:
        """All matching sessions, oldest first by default."""
        where, params = (flt or SessionFilter()).where()
        sql = _SESSION_SELECT + f" WHERE {where} ORDER BY s.start {'ASC' if ascending else 'DESC'}"
        return [_session_from_row(r) for r in self.conn.execute(sql, params)]

    def session(self, session_key: str) -> Session | None:
        """One session with its annotation."""
        row = self.conn.execute(
            _SESSION_SELECT + " WHERE s.session_key = ?", [session_key]
        ).fetchone()
        return _session_from_row(row) if row else None

    def tools(self) -> list[str]:
        """Every tool that has a session, sorted."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT tool FROM sessions ORDER BY tool")]

    def orphaned_annotations(self) -> list[Annotation]:
        """Annotations whose session is no longer in the journal (kept, never deleted)."""
        rows = self.conn.execute(
            "SELECT session_key, goal, outcome, outcome_note, value, minutes_saved, needed, "
            "tags, note, updated_at FROM annotations a WHERE NOT EXISTS "
            "(SELECT 1 FROM sessions s WHERE s.session_key = a.session_key)"
        )
        return [_annotation_from_row(r) for r in rows]

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A journal-level setting."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a journal-level setting."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value]
            )


@contextlib.contextmanager
def _atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN ... COMMIT, or a savepoint when a transaction is already open."""
    if conn.in_transaction:
        name = f"sp_{uuid.uuid4().hex}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


_SESSION_SELECT = (
    'SELECT s.id, s.session_key, s.tool, s.start, s."end", s.models, s.project, s.cwd, '
    "s.git_branch, s.events, s.input_tokens, s.cache_creation_tokens, s.cache_read_tokens, "
    "s.output_tokens, s.reasoning_tokens, s.total_tokens, s.api_cost_usd, s.estimated, "
    "s.manual_minutes, a.session_key, a.goal, a.outcome, a.outcome_note, a.value, "
    "a.minutes_saved, a.needed, a.tags, a.note, a.updated_at, s.unpriced_events, "
    "s.estimated_tokens "
    "FROM sessions s LEFT JOIN annotations a ON a.session_key = s.session_key"
)


def _annotation_from_row(row: Sequence[Any]) -> Annotation:
    return Annotation(
        session_key=row[0],
        goal=row[1],
        outcome=row[2],
        outcome_note=row[3],
        value=row[4],
        minutes_saved=row[5],
        needed=None if row[6] is None else bool(row[6]),
        tags=json.loads(row[7] or "[]"),
        note=row[8],
        updated_at=row[9],
    )


def _session_from_row(row: Sequence[Any]) -> Session:
    return Session(
        session_key=row[1],
        tool=row[2],
        start=row[3],
        end=row[4],
        models=row[5].split(",") if row[5] else [],
        project=row[6],
        cwd=row[7],
        git_branch=row[8],
        events=row[9],
        input_tokens=row[10],
        cache_creation_tokens=row[11],
        cache_read_tokens=row[12],
        output_tokens=row[13],
        reasoning_tokens=row[14],
        total_tokens=row[15],
        cost_usd=row[16],
        estimated=bool(row[17]),
        manual=row[18] is not None,
        annotation=_annotation_from_row(row[19:]) if row[19] is not None else None,
        unpriced_events=row[29],
        estimated_tokens=row[30],
    )


def validate_tool(tool: str) -> str:
    """A tool name as stored: lower case letters, digits and dashes."""
    name = tool.strip().lower()
    if not name or not all(c.isalnum() or c in "-_." for c in name) or len(name) > 40:
        raise InputError(
            f"{tool!r} is not a tool name: use a short name such as claude-code or chatgpt."
        )
    return name


def validate_annotation(a: Annotation) -> None:
    """Raise InputError with one sentence when a field is out of range."""
    if a.value is not None and (not isinstance(a.value, int) or not 1 <= a.value <= 5):
        raise InputError(f"The value must be a whole number from 1 to 5, not {a.value!r}.")
    if a.outcome is not None and a.outcome not in OUTCOMES:
        raise InputError(f"Unknown outcome {a.outcome!r}: use one of {', '.join(OUTCOMES)}.")
    if a.minutes_saved is not None and not isinstance(a.minutes_saved, int):
        raise InputError("Minutes saved must be a whole number (negative if it cost time).")
    if a.goal and "\n" in a.goal:
        a.goal = " ".join(a.goal.split())
    clean: list[str] = []
    for tag in a.tags:
        t = tag.strip()
        if t and t not in clean:
            clean.append(t)
    a.tags = clean
