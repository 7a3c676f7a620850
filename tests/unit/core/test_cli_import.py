"""End-to-end: `tokenworth scan` and `tokenworth import` on the real sample files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tokenworth.cli import main

DATA = Path(__file__).parents[2] / "data"
SPOTTER = "258c7280-ae70-4798-800f-63464d01a85d"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder laid out the way the four coding agents write their logs."""
    home = tmp_path / "home"
    project = home / ".claude" / "projects" / "-home-user-spotter"
    project.mkdir(parents=True)
    shutil.copy(DATA / "claude_code" / "spotter" / f"{SPOTTER}.jsonl", project)
    shutil.copytree(DATA / "claude_code" / "spotter" / SPOTTER, project / SPOTTER)
    codex = home / ".codex" / "sessions" / "2026" / "02" / "23"
    codex.mkdir(parents=True)
    for f in (DATA / "codex" / "localpush" / "sessions").iterdir():
        shutil.copy(f, codex)
    chats = home / ".gemini" / "tmp" / "abc123" / "chats"
    chats.mkdir(parents=True)
    shutil.copy(DATA / "gemini_cli" / "vibecodingtracker_gemini.jsonl", chats / "session-1.jsonl")
    copilot = home / ".copilot" / "session-state" / "s1"
    copilot.mkdir(parents=True)
    shutil.copy(
        DATA / "copilot_cli" / "vibecodingtracker_copilot_events.jsonl", copilot / "events.jsonl"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_finds_every_tool_and_rescans_in_a_blink(capsys, home: Path) -> None:
    code, out, _ = run(capsys, "scan", "--json")
    data = json.loads(out)
    assert code == 0 and data["refused"] == 0
    assert {f["format"] for f in data["folders"]} == {
        "claude-code",
        "codex",
        "gemini-cli",
        "copilot-cli",
    }
    assert set(data["tools"]) == {"claude-code", "codex", "gemini-cli", "copilot-cli"}
    assert data["tools"]["codex"]["files"] == 6
    assert data["tools"]["claude-code"]["files"] == 3  # the session and its two subagents
    # The localpush manifest's UTC-day totals for 2026-02-23 (delta over cumulative totals).
    code, out, _ = run(capsys, "stats", "--by", "day", "--tz", "UTC", "--tool", "codex", "--json")
    day = {r["period"]: r for r in json.loads(out)["rows"]}["2026-02-23"]
    assert day["input_tokens"] + day["cache_read_tokens"] == 34_082_306
    assert day["cache_read_tokens"] == 32_389_760
    assert day["output_tokens"] == 156_921
    assert day["total_tokens"] == 34_239_227
    # The spotter session: largest output per streamed response, subagents rolled in.
    code, out, _ = run(capsys, "sessions", "--tool", "claude-code", "--json")
    [session] = json.loads(out)
    assert session["session_key"] == f"claude-code:{SPOTTER}"
    # Nothing new: every file is unchanged and nothing is read again.
    code, out, _ = run(capsys, "scan", "--json")
    again = json.loads(out)
    assert {f["status"] for f in again["files"]} == {"unchanged"}
    assert sum(f["bytes_read"] for f in again["files"]) == 0


def test_import_reports_refused_files_and_exits_1(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello, not json\n")
    good = DATA / "codex" / "vibecodingtracker_codex.jsonl"
    code, out, err = run(capsys, "import", str(good), str(bad))
    assert code == 1
    assert f"{bad}: Not a usage file Tokenworth recognizes" in err
    assert "1 imported" in out and "1 refused" in out
    code, out, err = run(capsys, "import", str(bad), "--format", "codex", "--json")
    [f] = json.loads(out)["files"]
    assert code == 1 and f["status"] == "refused"
    assert "does not look like codex data" in f["message"]


def test_unknown_format_is_bad_usage(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "import", str(tmp_path), "--format", "wordperfect")
    assert code == 2 and "Unknown format 'wordperfect'" in err


def test_csv_preset_from_the_command_line(capsys, tmp_path: Path) -> None:
    """`--format csv:NAME` uses a saved column mapping; the rescan knows it; a deleted preset
    turns a changed file into a refusal with a sentence, not a crash."""
    from tokenworth.core.importers.presets import Preset, delete_preset, save_preset
    from tokenworth.core.store import open_journal

    data = tmp_path / "j"
    with open_journal(data) as j:
        save_preset(
            j,
            Preset(
                name="mistral",
                columns={
                    "timestamp": "when",
                    "model": "model",
                    "input_tokens": "in",
                    "output_tokens": "out",
                },
                tool="mistral",
            ),
        )
    f = tmp_path / "mistral-usage.csv"
    f.write_text("when,model,in,out\n2026-03-01T10:00:00Z,mistral-large,1000,200\n")
    code, out, err = run(
        capsys, "--data-dir", str(data), "import", str(f), "--format", "csv:mistral", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["files"][0]["status"] == "imported"
    code, out, _ = run(capsys, "--data-dir", str(data), "stats", "--by", "tool", "--json")
    [row] = json.loads(out)["rows"]
    assert (row["period"], row["input_tokens"], row["output_tokens"]) == ("mistral", 1000, 200)
    code, _, err = run(capsys, "--data-dir", str(data), "import", str(f), "--format", "csv:nope")
    assert code == 2 and "There is no CSV preset 'nope'" in err
    with open_journal(data) as j:
        delete_preset(j, "mistral")
    f.write_text("when,model,in,out\n2026-03-01T10:00:00Z,mistral-large,1000,900\n")
    code, out, err = run(capsys, "--data-dir", str(data), "import", str(f), "--json")
    [res] = json.loads(out)["files"]
    assert code == 1 and res["status"] == "refused" and "preset" in res["message"]
