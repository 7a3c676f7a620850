"""A legacy Gemini record rewritten in place (same size, middle bytes) is re-read whole."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

LEGACY = Path(__file__).parents[3] / "data" / "gemini_cli" / "vibecodingtracker_gemini_legacy.json"


def _output(journal: Journal) -> int:
    return journal.conn.execute("SELECT sum(output_tokens) FROM events").fetchone()[0]


def test_same_size_rewrite_in_the_middle_is_noticed(journal: Journal, tmp_path: Path) -> None:
    chats = tmp_path / "abc" / "chats"
    chats.mkdir(parents=True)
    f = chats / "session-2025-10-05T10-00-eefc44a3.json"
    shutil.copy(LEGACY, f)
    import_paths(journal, [f])
    before = _output(journal)
    text = f.read_text()
    assert text.count('"output": 177,') == 1  # a message in the middle of the record
    f.write_text(text.replace('"output": 177,', '"output": 277,'))
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    [r] = import_paths(journal, [f]).files
    assert r.status == "imported"
    assert _output(journal) == before + 100
