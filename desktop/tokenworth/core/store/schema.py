"""The journal's schema, built only through named sqlite-utils migrations.

Each function is one change, applied once, in its own transaction. Never edit a
migration that has shipped: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "tokenworth"
# "TkWt" as a big-endian 32-bit integer, written to PRAGMA application_id.
APPLICATION_ID = 0x546B5774


def m001_initial(db: Database) -> None:
    """Events, sessions, annotations and the per-file import ledger."""
    db.execute(
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            format TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            inode INTEGER,
            consumed INTEGER NOT NULL,        -- bytes parsed so far (complete lines)
            head_hash TEXT,                   -- hash of the first bytes, to notice rewrites
            tail_hash TEXT,                   -- hash of the bytes just before `consumed`
            state TEXT,                       -- parser state as JSON (e.g. Codex cumulative total)
            imported_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            dedup_key TEXT NOT NULL UNIQUE,
            dedup_rank INTEGER NOT NULL DEFAULT 0,
            file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
            tool TEXT NOT NULL,
            ts TEXT NOT NULL,
            session_key TEXT NOT NULL,
            model TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            estimated INTEGER NOT NULL DEFAULT 0,
            project TEXT,
            cwd TEXT,
            git_branch TEXT
        )
        """
    )
    db.execute("CREATE INDEX events_session ON events(session_key)")
    db.execute("CREATE INDEX events_ts ON events(ts)")
    db.execute("CREATE INDEX events_file ON events(file_id)")
    db.execute(
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            session_key TEXT NOT NULL UNIQUE,
            tool TEXT NOT NULL,
            start TEXT NOT NULL,
            "end" TEXT NOT NULL,
            models TEXT,                      -- distinct models, comma separated
            project TEXT,
            cwd TEXT,
            git_branch TEXT,
            events INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            estimated INTEGER NOT NULL DEFAULT 0,
            manual_minutes INTEGER            -- set for sessions logged by hand
        )
        """
    )
    db.execute("CREATE INDEX sessions_start ON sessions(start)")
    db.execute("CREATE INDEX sessions_tokens ON sessions(total_tokens)")
    db.execute("CREATE INDEX sessions_tool ON sessions(tool)")
    # No foreign key to sessions on purpose: an annotation outlives its session
    # (shown as orphaned), and imports never write this table.
    db.execute(
        """
        CREATE TABLE annotations (
            session_key TEXT PRIMARY KEY,
            goal TEXT,
            outcome TEXT CHECK (outcome IN ('achieved', 'partly', 'not-achieved', 'abandoned')),
            outcome_note TEXT,
            value INTEGER CHECK (value BETWEEN 1 AND 5),
            minutes_saved INTEGER,
            needed INTEGER CHECK (needed IN (0, 1)),
            tags TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
            note TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX annotations_value ON annotations(value)")


def m002_settings(db: Database) -> None:
    """Journal-level settings that must travel with the file (e.g. idle gap)."""
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def m003_cache_tiers_and_speed(db: Database) -> None:
    """The 1-hour part of cache writes and fast mode, which Claude prices differently.

    A 1-hour cache write costs twice the input price, a 5-minute one 1.25 times; fast
    mode multiplies the whole call. Events written before this change keep 0 and NULL
    (priced as 5-minute writes at standard speed) until their file is imported again.
    """
    db.execute("ALTER TABLE events ADD COLUMN cache_creation_1h_tokens INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE events ADD COLUMN speed TEXT")
    # Files are re-read whole on the next scan so that old events get the new fields.
    db.execute("UPDATE files SET size = -1, consumed = 0, head_hash = NULL, tail_hash = NULL")


def m004_api_cost(db: Database) -> None:
    """The API-equivalent cost of each event and its session's sums, stored at import.

    ``api_cost_usd`` is the cost the source reported, else the list-price estimate from
    the price table in use (NULL: the model has no price). Sessions keep the sum, the
    number of unpriced calls and the estimated tokens, so the table sorts by cost and the
    headline numbers need no pass over every event. The journal re-prices all events
    when the price table or the person's overrides change (settings ``prices_version``).
    """
    db.execute("ALTER TABLE events ADD COLUMN api_cost_usd REAL")
    db.execute("ALTER TABLE sessions ADD COLUMN api_cost_usd REAL")
    db.execute("ALTER TABLE sessions ADD COLUMN unpriced_events INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sessions ADD COLUMN estimated_tokens INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX sessions_cost ON sessions(api_cost_usd)")
    db.execute("DELETE FROM settings WHERE key = 'prices_version'")  # re-price on open


# In order. sqlite-utils is imported only when a migration has to run (see migrations()).
MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    m001_initial,
    m002_settings,
    m003_cache_tiers_and_speed,
    m004_api_cost,
)
KNOWN_MIGRATIONS = tuple(f.__name__ for f in MIGRATIONS)
SCHEMA_VERSION = len(KNOWN_MIGRATIONS)


def migrations() -> Any:
    """The sqlite-utils ``Migrations`` set with every migration registered, in order."""
    from sqlite_utils.migrations import Migrations

    mig = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        mig()(fn)
    return mig
