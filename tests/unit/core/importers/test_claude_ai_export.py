"""Claude.ai export: estimates worked out by hand, active branch, zip by content, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.bench.gen_agents import parse_file
from tokenworth.core.importers import registry
from tokenworth.core.importers._tabular import TRUNCATED_ZIP
from tokenworth.core.importers.claude_ai_export import ClaudeAIExportImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data" / "claude_ai_export"
EXPORT = DATA / "conversations_handmade.json"


def _calls(events: list) -> list[tuple[str, int, int, int]]:
    return [(e.dedup_key, e.input_tokens, e.output_tokens, e.reasoning_tokens) for e in events]


def test_estimates_by_hand() -> None:
    events, ctx = parse_file(ClaudeAIExportImporter(), EXPORT)
    assert ctx.issues == []
    # conv-a: the question (400 chars, 100 tokens) and its attachment (800, 200) are a2's input;
    # a2 thinks 200 chars (50) and answers 600 (150). The regenerated a1 is off the branch.
    # a3's input adds a2's answer and the 40-char question (10): 460. It calls a tool (input
    # JSON of 101 chars, 26) and answers 200 chars (50); the tool result only joins history.
    # conv-b (text only, no links): 100/300/20/80 chars -> 25, 75, 5, 20 tokens.
    assert _calls(events) == [
        ("claude-ai:conv-a:a2", 300, 200, 50),
        ("claude-ai:conv-a:a3", 460, 76, 0),
        ("claude-ai:conv-b:b2", 25, 75, 0),
        ("claude-ai:conv-b:b4", 105, 20, 0),
    ]
    assert all(e.estimated and e.model is None and e.tool == "claude-ai" for e in events)
    assert [e.ts for e in events][2] == "2024-09-02T23:22:38.815Z"


def test_zip_found_by_content_and_journal(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "data-2025-10-06-00-55-16-batch-0000.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", json.dumps([{"uuid": "acct-1", "full_name": "Me"}]))
        zf.writestr("projects.json", json.dumps([{"uuid": "p1", "name": "x", "docs": []}]))
        zf.writestr("export/renamed.json", EXPORT.read_text())
    head = path.read_bytes()[: registry.HEAD_BYTES]
    assert registry.detect(path, head).name == "claude-ai"
    [r] = import_paths(journal, [path]).files
    assert (r.status, r.events_added) == ("imported", 4)
    sessions = journal.sessions()
    assert sorted(s.session_key for s in sessions) == ["claude-ai:conv-a", "claude-ai:conv-b"]
    assert all(s.estimated and s.estimated_tokens == s.total_tokens for s in sessions)
    assert sum(s.total_tokens for s in sessions) == 890 + 371


def test_truncated_zip_and_json(journal: Journal, tmp_path: Path) -> None:
    full = tmp_path / "full.zip"
    with zipfile.ZipFile(full, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", EXPORT.read_text() * 1)
        zf.writestr("users.json", "[]" + " " * 4000)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[:-200])
    [r] = import_paths(journal, [cut], fmt="claude-ai").files
    assert r.message == f"Nothing could be imported: {TRUNCATED_ZIP}."
    short = tmp_path / "conversations.json"
    short.write_text(EXPORT.read_text()[:500])
    [r] = import_paths(journal, [short]).files
    assert r.status == "refused" and journal.count("events") == 0
    assert r.message == (
        "Nothing could be imported: the file is cut short (it does not end with the closing "
        "bracket of a Claude.ai export): export your data again, or take the file from the zip "
        "again, and import it."
    )


def test_chatgpt_export_is_not_taken_for_claude(tmp_path: Path) -> None:
    chatgpt = (
        Path(__file__).parents[3] / "data" / "chatgpt_export" / "node-js-network-libraries.json"
    )
    assert ClaudeAIExportImporter().sniff(chatgpt, chatgpt.read_bytes()) == 0.0
    events, ctx = parse_file(ClaudeAIExportImporter(), chatgpt)
    assert events == []
    assert ctx.issues[0].reason.startswith(
        "this JSON is not a Claude.ai export: its first item is not a conversation; import "
        "conversations.json from the Claude.ai export"
    )
