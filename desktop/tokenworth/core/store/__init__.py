"""The SQLite journal: schema, the one write path, and queries."""

from pathlib import Path

from tokenworth.core.store.journal import (
    JOURNAL_NAME,
    FileRecord,
    Journal,
    SessionFilter,
    WriteResult,
    default_data_dir,
)

__all__ = [
    "JOURNAL_NAME",
    "FileRecord",
    "Journal",
    "SessionFilter",
    "WriteResult",
    "default_data_dir",
    "open_journal",
]


def open_journal(data_dir: Path | str | None = None, *, readonly: bool = False) -> Journal:
    """Open (creating if needed) the journal in ``data_dir`` or the default folder."""
    folder = Path(data_dir).expanduser() if data_dir else default_data_dir()
    return Journal(folder / JOURNAL_NAME, readonly=readonly)
