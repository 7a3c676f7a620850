"""Copilot CLI importer: shutdown metrics per model, resumed sessions, resumed reads, sniffing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import (
    day_totals,
    gen_copilot,
    journal_days,
    parse_file,
    parse_resumed,
    stored,
)
from tokenworth.core.importers import registry
from tokenworth.core.importers.copilot_cli import CopilotImporter, normalize_usage
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data"
EVENTS = DATA / "copilot_cli" / "vibecodingtracker_copilot_events.jsonl"
SID = "96ef38f0-9d09-45c3-8124-6448c36090ed"

# The sample's one shutdown: claude-sonnet-4.6, inputTokens 186,809 of which 151,738 were
# cache reads (inputTokens covers all input), outputTokens 2,848 (= the sum of the six
# assistant.message outputTokens), no cache writes, no reasoning reported.
SAMPLE_DAY = {
    "2026-04-23": {
        "input_tokens": 186_809 - 151_738,
        "cache_creation_tokens": 0,
        "cache_read_tokens": 151_738,
        "output_tokens": 2_848,
        "reasoning_tokens": 0,
        "total_tokens": 186_809 + 2_848,
        "events": 1,
    }
}


def _line(kind: str, data: dict, n: int, ts: str = "2026-05-01T10:00:00.000Z") -> str:
    return json.dumps({"type": kind, "data": data, "id": f"ev-{n}", "timestamp": ts}) + "\n"


def _shutdown(n: int, ts: str, **models: tuple[int, int, int, int]) -> str:
    metrics = {
        model: {
            "requests": {"count": 1, "cost": 1},
            "usage": {
                "inputTokens": i,
                "outputTokens": o,
                "cacheReadTokens": cr,
                "cacheWriteTokens": cw,
                "reasoningTokens": 0,
            },
        }
        for model, (i, o, cr, cw) in models.items()
    }
    return _line("session.shutdown", {"shutdownType": "routine", "modelMetrics": metrics}, n, ts)


def _start(n: int = 1, sid: str = "s-1", cwd: str = "/w/app", branch: str = "main") -> str:
    context = {"cwd": cwd, "gitRoot": cwd, "branch": branch}
    return _line("session.start", {"sessionId": sid, "context": context}, n)


# ------------------------------------------------------------------------ real sample file


def test_sample_shutdown_totals() -> None:
    events, ctx = parse_file(CopilotImporter(), EVENTS)
    assert ctx.issues == []
    assert day_totals(stored(events)) == SAMPLE_DAY
    [ev] = events
    assert ev.ts == "2026-04-23T17:18:20.178Z"
    assert (ev.tool, ev.model) == ("copilot-cli", "claude-sonnet-4.6")
    assert ev.session_key == f"copilot-cli:{SID}"
    assert (
        ev.dedup_key == f"copilot-cli:{SID}:96d76fb5-0516-44fe-a176-dc7880035edc:claude-sonnet-4.6"
    )
    assert (ev.cwd, ev.project) == ("/home/wei/repo/VibeCodingTracker", "VibeCodingTracker")
    assert ev.git_branch == "refactor/gemini-copilot-new-formats"
    assert ctx.state == {
        "session": SID,
        "cwd": "/home/wei/repo/VibeCodingTracker",
        "branch": "refactor/gemini-copilot-new-formats",
    }


def test_sample_output_equals_the_sum_of_its_messages() -> None:
    """The shutdown's outputTokens is the sum over the messages: the numbers are totals."""
    out = 0
    for line in EVENTS.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["type"] == "assistant.message":
            out += rec["data"]["outputTokens"]
    assert out == SAMPLE_DAY["2026-04-23"]["output_tokens"]


@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.6, 0.99, 1.0])
def test_resume_from_a_mid_file_offset_gives_whole_file_totals(fraction: float) -> None:
    imp = CopilotImporter()
    _, whole_ctx = parse_file(imp, EVENTS)
    resumed, ctx = parse_resumed(imp, EVENTS, int(EVENTS.stat().st_size * fraction))
    assert day_totals(stored(resumed)) == SAMPLE_DAY
    assert {e.git_branch for e in resumed} == {"refactor/gemini-copilot-new-formats"}
    assert (ctx.consumed, ctx.state) == (whole_ctx.consumed, whole_ctx.state)


def test_reimport_through_the_journal_is_idempotent(journal: Journal) -> None:
    first = journal.write_events(parse_file(CopilotImporter(), EVENTS)[0])
    assert (first.added, first.updated) == (1, 0)
    again = journal.write_events(parse_file(CopilotImporter(), EVENTS)[0])
    assert (again.added, again.updated) == (0, 0)
    assert journal_days(journal) == SAMPLE_DAY


def test_runner_picks_up_a_resumed_session(journal: Journal, tmp_path: Path) -> None:
    folder = tmp_path / "session-state" / SID
    folder.mkdir(parents=True)
    path = folder / "events.jsonl"
    shutil.copy(EVENTS, path)
    [r] = import_paths(journal, [tmp_path]).files
    assert (r.status, r.format, r.events_added) == ("imported", "copilot-cli", 1)
    with open(path, "a", encoding="utf-8") as fp:
        fp.write(_line("session.resume", {"context": {"cwd": "/x", "branch": "b2"}}, 900))
        fp.write(_shutdown(901, "2026-04-24T09:00:00.000Z", **{"gpt-5.4": (1000, 50, 600, 0)}))
    [r] = import_paths(journal, [tmp_path]).files
    assert (r.status, r.events_added, r.issues) == ("imported", 1, [])
    days = journal_days(journal)
    assert days["2026-04-23"] == SAMPLE_DAY["2026-04-23"]
    assert days["2026-04-24"]["total_tokens"] == 1050
    session = journal.session(f"copilot-cli:{SID}")
    assert session is not None and session.events == 2
    assert session.models == ["claude-sonnet-4.6", "gpt-5.4"]


# ------------------------------------------------------------------------------ the traps


def test_every_shutdown_counts_once_per_model(tmp_path: Path) -> None:
    path = tmp_path / "s-1" / "events.jsonl"
    path.parent.mkdir()
    path.write_text(
        _start()
        + _line("tool.execution_complete", {"result": "grep: session.shutdown"}, 2)
        + _shutdown(3, "2026-05-01T10:00:00Z", a=(100, 10, 40, 0), b=(50, 5, 0, 0))
        + _line("session.resume", {}, 4)
        + _shutdown(5, "2026-05-01T12:00:00Z", a=(30, 3, 20, 5), z=(0, 0, 0, 0))
        + _line("session.resume", {}, 6)
        + _line("session.shutdown", {"shutdownType": "routine"}, 7)  # opened to look only
        + _line("session.shutdown", {"modelMetrics": {}}, 8),
        encoding="utf-8",
    )
    events, ctx = parse_file(CopilotImporter(), path)
    assert ctx.issues == []
    got = [
        (e.dedup_key, e.input_tokens, e.cache_read_tokens, e.cache_creation_tokens, e.total_tokens)
        for e in events
    ]
    assert got == [
        ("copilot-cli:s-1:ev-3:a", 60, 40, 0, 110),
        ("copilot-cli:s-1:ev-3:b", 50, 0, 0, 55),
        ("copilot-cli:s-1:ev-5:a", 5, 20, 5, 33),
    ]
    assert {(e.cwd, e.project, e.git_branch) for e in events} == {("/w/app", "app", "main")}


def test_usage_normalization() -> None:
    assert normalize_usage(
        {
            "inputTokens": 1000,
            "outputTokens": 300,
            "cacheReadTokens": 600,
            "cacheWriteTokens": 100,
            "reasoningTokens": 120,
        }
    ) == {
        "input_tokens": 300,
        "cache_creation_tokens": 100,
        "cache_read_tokens": 600,
        "output_tokens": 300,  # reasoning is inside output
        "reasoning_tokens": 120,
    }
    # Inconsistent numbers never go negative.
    assert normalize_usage({"inputTokens": 10, "cacheReadTokens": 50})["input_tokens"] == 0
    assert normalize_usage({"inputTokens": "?", "outputTokens": None}) == {
        "input_tokens": 0,
        "cache_creation_tokens": 0,
        "cache_read_tokens": 0,
        "output_tokens": 0,
        "reasoning_tokens": 0,
    }


def test_session_id_falls_back_to_the_folder_name(tmp_path: Path) -> None:
    path = tmp_path / "abc-123" / "events.jsonl"
    path.parent.mkdir()
    path.write_text(_shutdown(1, "2026-05-01T10:00:00Z", m=(10, 1, 0, 0)), encoding="utf-8")
    [ev], _ = parse_file(CopilotImporter(), path)
    assert ev.session_key == "copilot-cli:abc-123"
    assert (ev.cwd, ev.project) == (None, None)


def test_bad_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "s-1" / "events.jsonl"
    path.parent.mkdir()
    path.write_text(
        _start()
        + '{"type":"session.shutdown","data":{"modelMetrics":{\n'
        + '["session.shutdown"]\n'
        + _line("session.shutdown", {"modelMetrics": [1]}, 4)
        + _line("session.shutdown", {"modelMetrics": {"m": {"usage": 5}}}, 5)
        + _shutdown(6, "yesterday", m=(10, 1, 0, 0))
        + _shutdown(7, "2026-05-01T10:00:00Z", m=(10, 1, 0, 0)),
        encoding="utf-8",
    )
    events, ctx = parse_file(CopilotImporter(), path)
    assert [(i.line, i.reason.split(" (")[0]) for i in ctx.issues] == [
        (2, "not valid JSON"),
        (3, "not a JSON object"),
        (4, "session.shutdown modelMetrics is not an object"),
        (5, "no usage for model 'm' in session.shutdown"),
        (6, "session.shutdown without a valid timestamp"),
    ]
    assert [e.dedup_key for e in events] == ["copilot-cli:s-1:ev-7:m"]


# --------------------------------------------------------------- generated logs with traps


def test_generated_logs_give_the_known_totals(journal: Journal, tmp_path: Path) -> None:
    expected = gen_copilot(tmp_path, sessions=2, turns=4)
    imp = CopilotImporter()
    files = sorted(tmp_path.rglob("events.jsonl"))
    assert len(files) == 2
    events = []
    for path in files:
        evs, ctx = parse_file(imp, path)
        assert ctx.issues == []
        events += evs
    assert len(events) == 6  # 2 sessions x (2 models + 1 model); zero and empty skipped
    assert day_totals(stored(events)) == expected
    report = import_paths(journal, [tmp_path])
    assert {(f.status, f.format) for f in report.files} == {("imported", "copilot-cli")}
    assert journal_days(journal) == expected


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_generated_logs_resume_anywhere(tmp_path: Path, fraction: float) -> None:
    gen_copilot(tmp_path, sessions=2, turns=4)
    imp = CopilotImporter()
    for path in sorted(tmp_path.rglob("events.jsonl")):
        whole, _ = parse_file(imp, path)
        resumed, _ = parse_resumed(imp, path, int(path.stat().st_size * fraction))
        assert day_totals(stored(resumed)) == day_totals(stored(whole))
        assert [e.session_key for e in resumed] == [e.session_key for e in whole]


# ------------------------------------------------------------------------ sniffing, roots


def _head(path: Path) -> bytes:
    with open(path, "rb") as fp:
        return fp.read(registry.HEAD_BYTES)


def test_sniff_picks_copilot_for_its_sample() -> None:
    assert CopilotImporter().sniff(EVENTS, _head(EVENTS)) == 0.95
    assert isinstance(registry.detect(EVENTS, _head(EVENTS)), CopilotImporter)


@pytest.mark.parametrize(
    "path",
    [
        *sorted((DATA / "codex" / "localpush" / "sessions").glob("*.jsonl"))[:1],
        DATA / "codex" / "vibecodingtracker_codex.jsonl",
        DATA / "gemini_cli" / "vibecodingtracker_gemini.jsonl",
        DATA / "gemini_cli" / "vibecodingtracker_gemini_legacy.json",
    ],
    ids=lambda p: p.name[:30],
)
def test_sniff_rejects_the_other_formats(path: Path) -> None:
    assert CopilotImporter().sniff(path, _head(path)) == 0.0


def test_sniff_on_a_file_without_its_start_and_on_look_alikes() -> None:
    imp = CopilotImporter()
    tail = _line("assistant.turn_start", {"turnId": "0"}, 1) + _line("user.message", {}, 2)
    assert imp.sniff(Path("events.jsonl"), tail.encode()) == 0.8
    claude = b'{"type":"assistant","message":{"usage":{}},"uuid":"u","timestamp":"t"}\n'
    assert imp.sniff(Path("x.jsonl"), claude) == 0.0
    assert imp.sniff(Path("x.jsonl"), b"not json at all\n") == 0.0


def test_default_roots_and_wanted_files(tmp_path: Path) -> None:
    imp = CopilotImporter()
    assert imp.default_roots({}, tmp_path) == [tmp_path / ".copilot" / "session-state"]
    assert imp.default_roots({"COPILOT_HOME": "/c"}, tmp_path) == [Path("/c/session-state")]
    assert imp.wants(tmp_path / "session-state" / "abc" / "events.jsonl")
    assert not imp.wants(tmp_path / "session-state" / "abc" / "other.jsonl")
