"""Gemini CLI importer: last write wins, $set never counted, legacy JSON, resumes, sniffing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import (
    day_totals,
    gen_gemini,
    journal_days,
    parse_file,
    parse_resumed,
    stored,
)
from tokenworth.core.importers import registry
from tokenworth.core.importers.gemini_cli import LEGACY_RANK, GeminiImporter, normalize_tokens
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data"
JSONL = DATA / "gemini_cli" / "vibecodingtracker_gemini.jsonl"
LEGACY = DATA / "gemini_cli" / "vibecodingtracker_gemini_legacy.json"
SID = "0ab84937-9fe7-4284-986a-33c832af0b6a"

# Six distinct gemini messages (five of them written twice). Gemini's own totals sum to
# 206,879; inputs 202,586 of which cached 48,951; output 2,152 plus thoughts 2,141.
JSONL_DAY = {
    "2026-04-23": {
        "input_tokens": 202_586 - 48_951,
        "cache_creation_tokens": 0,
        "cache_read_tokens": 48_951,
        "output_tokens": 2_152 + 2_141,
        "reasoning_tokens": 2_141,
        "total_tokens": 206_879,
        "events": 6,
    }
}
# 18 gemini messages of gemini-2.5-pro; Gemini's totals sum to 473,586.
LEGACY_DAY = {
    "2025-10-05": {
        "input_tokens": 466_642 - 326_620,
        "cache_creation_tokens": 0,
        "cache_read_tokens": 326_620,
        "output_tokens": 3_302 + 3_642,
        "reasoning_tokens": 3_642,
        "total_tokens": 473_586,
        "events": 18,
    }
}


def _write(path: Path, records: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _meta(sid: str = "s-1", **extra: object) -> dict:
    return {
        "sessionId": sid,
        "projectHash": "ab" * 32,
        "startTime": "2026-01-01T10:00:00Z",
        **extra,
    }


def _msg(mid: str, ts: str, tokens: object, model: str = "gemini-2.5-pro", **extra: object) -> dict:
    return {
        "id": mid,
        "timestamp": ts,
        "type": "gemini",
        "content": "",
        "tokens": tokens,
        "model": model,
        **extra,
    }


def _tok(inp: int, out: int, cached: int = 0, thoughts: int = 0, tool: int = 0) -> dict:
    total = inp + out + thoughts + tool
    return {
        "input": inp,
        "output": out,
        "cached": cached,
        "thoughts": thoughts,
        "tool": tool,
        "total": total,
    }


# ------------------------------------------------------------------------ real sample files


def test_jsonl_sample_last_write_of_each_message_counts() -> None:
    events, ctx = parse_file(GeminiImporter(), JSONL)
    assert ctx.issues == []
    assert len(events) == 11  # every write is yielded; the store keeps the last one
    kept = stored(events)
    assert day_totals(kept) == JSONL_DAY
    models = sorted(e.model for e in kept)
    assert models == ["gemini-3-flash-preview"] * 5 + ["gemini-3.1-pro-preview"]
    # Independent check: Gemini's own total of the last write of every id.
    last: dict[str, int] = {}
    for line in JSONL.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("type") == "gemini" and rec.get("tokens"):
            last[rec["id"]] = rec["tokens"]["total"]
    assert sum(last.values()) == JSONL_DAY["2026-04-23"]["total_tokens"]


def test_jsonl_event_fields() -> None:
    events, ctx = parse_file(GeminiImporter(), JSONL)
    first = events[0]
    assert first.ts == "2026-04-23T12:53:11.257Z"
    assert first.tool == "gemini-cli"
    assert first.session_key == f"gemini-cli:{SID}"
    assert first.dedup_key == f"gemini-cli:{SID}:52e62e67-5d6b-4a2c-b12d-11b87fe3e4a4"
    assert first.model == "gemini-3-flash-preview"
    assert (first.input_tokens, first.cache_read_tokens, first.output_tokens) == (13_906, 0, 491)
    assert (first.reasoning_tokens, first.total_tokens) == (306, 14_397)
    assert (first.project, first.cwd, first.git_branch) == ("9da8b3df", None, None)
    # The same id on line 8 outranks line 6: the later write replaces the earlier one.
    assert [e.dedup_rank for e in events if e.dedup_key == first.dedup_key] == [6, 8]
    assert ctx.state["session"] == SID and ctx.state["legacy"] is False


def test_legacy_sample_is_read_whole() -> None:
    events, ctx = parse_file(GeminiImporter(), LEGACY)
    assert ctx.issues == []
    assert day_totals(stored(events)) == LEGACY_DAY
    assert {e.dedup_rank for e in events} == {LEGACY_RANK}
    assert {e.session_key for e in events} == {"gemini-cli:eefc44a3-0832-4bc0-ac33-fa668f038213"}
    assert ctx.consumed == LEGACY.stat().st_size
    record = json.loads(LEGACY.read_text(encoding="utf-8"))
    tokens = [m["tokens"] for m in record["messages"] if m.get("tokens")]
    assert sum(t["total"] for t in tokens) == LEGACY_DAY["2025-10-05"]["total_tokens"]
    assert sum(t["input"] for t in tokens) == 466_642
    assert sum(t["output"] for t in tokens) == 3_302


@pytest.mark.parametrize("fraction", [0.02, 0.25, 0.5, 0.61, 0.8, 0.99, 1.0])
def test_resume_from_a_mid_file_offset_gives_whole_file_totals(fraction: float) -> None:
    imp = GeminiImporter()
    _, whole_ctx = parse_file(imp, JSONL)
    resumed, ctx = parse_resumed(imp, JSONL, int(JSONL.stat().st_size * fraction))
    assert day_totals(stored(resumed)) == JSONL_DAY
    assert ctx.consumed == whole_ctx.consumed and ctx.state == whole_ctx.state


@pytest.mark.parametrize("fraction", [0.3, 1.0])
def test_legacy_file_resumed_is_read_whole_again(fraction: float) -> None:
    imp = GeminiImporter()
    resumed, ctx = parse_resumed(imp, LEGACY, int(LEGACY.stat().st_size * fraction))
    assert day_totals(stored(resumed)) == LEGACY_DAY
    assert ctx.consumed == LEGACY.stat().st_size


def test_reimport_through_the_journal_is_idempotent(journal: Journal) -> None:
    imp = GeminiImporter()
    first = journal.write_events(parse_file(imp, JSONL)[0] + parse_file(imp, LEGACY)[0])
    assert (first.added, first.updated) == (24, 5)  # 5 rewrites replaced their first write
    again = journal.write_events(parse_file(imp, JSONL)[0] + parse_file(imp, LEGACY)[0])
    assert (again.added, again.updated) == (0, 0)
    assert journal_days(journal) == {**JSONL_DAY, **LEGACY_DAY}
    session = journal.session(f"gemini-cli:{SID}")
    assert session is not None and session.events == 6


def test_runner_imports_both_samples_and_skips_them_unchanged(
    journal: Journal, tmp_path: Path
) -> None:
    chats = tmp_path / ("ab" * 32) / "chats"
    chats.mkdir(parents=True)
    shutil.copy(JSONL, chats / "session-2026-04-23T12-52-0ab84937.jsonl")
    shutil.copy(LEGACY, chats / "session-2025-10-05T07-11-eefc44a3.json")
    report = import_paths(journal, [tmp_path])
    assert sorted((f.status, f.format) for f in report.files) == [("imported", "gemini-cli")] * 2
    assert journal_days(journal) == {**JSONL_DAY, **LEGACY_DAY}
    again = import_paths(journal, [tmp_path])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]


# ------------------------------------------------------------------------------ the traps


def test_a_message_rewritten_after_an_incremental_read_replaces_its_first_write(
    journal: Journal, tmp_path: Path
) -> None:
    path = tmp_path / "chats" / "session-2026-01-01T10-00-s1.jsonl"
    _write(path, [_meta(), _msg("m1", "2026-01-01T10:00:05Z", _tok(1000, 10))])
    [r] = import_paths(journal, [path]).files
    assert (r.status, r.events_added) == ("imported", 1)
    with open(path, "a", encoding="utf-8") as fp:
        fp.write(json.dumps({"$set": {"lastUpdated": "2026-01-01T10:00:06Z"}}) + "\n")
        fp.write(
            json.dumps(
                _msg(
                    "m1",
                    "2026-01-01T10:00:05Z",
                    _tok(1000, 10, thoughts=7),
                    toolCalls=[{"id": "c1"}],
                )
            )
            + "\n"
        )
    [r] = import_paths(journal, [path]).files
    assert (r.status, r.events_added, r.events_updated) == ("imported", 0, 1)
    row = journal.conn.execute(
        "SELECT output_tokens, reasoning_tokens, total_tokens, dedup_rank FROM events"
    ).fetchall()
    assert row == [(17, 7, 1017, 4)]  # line 4 outranks line 2


def test_set_history_copies_rewinds_and_null_tokens(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.jsonl",
        [
            _meta(),
            {"id": "u1", "timestamp": "2026-01-01T10:00:01Z", "type": "user", "content": "x"},
            _msg("m1", "2026-01-01T10:00:02Z", None),  # tokens attached later
            _msg("m1", "2026-01-01T10:00:02Z", _tok(100, 1)),
            _msg("m2", "2026-01-01T10:00:03Z", _tok(200, 2)),
            {
                "$set": {
                    "messages": [
                        _msg("m1", "2026-01-01T10:00:02Z", _tok(9999, 9)),
                        _msg("m9", "2026-01-01T10:00:02Z", _tok(5555, 5)),
                    ]
                }
            },
            {"$rewindTo": "m2"},
            _msg("m3", "2026-01-01T10:00:09Z", _tok(300, 3)),
            {"id": "i1", "timestamp": "2026-01-01T10:00:09Z", "type": "info", "tokens": _tok(7, 7)},
        ],
    )
    events, ctx = parse_file(GeminiImporter(), path)
    assert ctx.issues == []
    kept = stored(events)
    assert sorted((e.dedup_key.rsplit(":", 1)[1], e.total_tokens) for e in kept) == [
        ("m1", 101),
        ("m2", 202),  # rewound, but billed
        ("m3", 303),
    ]


def test_token_normalization() -> None:
    # Cached is inside input; thoughts are output; tool-use prompt tokens are input.
    assert normalize_tokens(_tok(100, 10, cached=40, thoughts=5, tool=7)) == {
        "input_tokens": 67,
        "cache_read_tokens": 40,
        "output_tokens": 15,
        "reasoning_tokens": 5,
    }
    # A record whose total proves cached was counted outside input (ccusage's guard).
    tok = {"input": 60, "output": 10, "cached": 40, "thoughts": 0, "tool": 0, "total": 110}
    assert normalize_tokens(tok)["input_tokens"] == 60
    # Only a total: the tokens are kept as output rather than dropped.
    assert normalize_tokens({"total": 50})["output_tokens"] == 50
    assert normalize_tokens({"input": "x", "output": None})["input_tokens"] == 0


def test_bad_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(_meta())
        + "\n"
        + json.dumps(_msg("ok", "2026-01-01T10:00:02Z", _tok(10, 1)))
        + "\n"
        + '{"id":"cut","type":"gemini","tokens":{"input":5\n'
        + '["tokens"]\n'
        + json.dumps(_msg("when", "not a time", _tok(10, 1)))
        + "\n",
        encoding="utf-8",
    )
    events, ctx = parse_file(GeminiImporter(), path)
    assert [(i.line, i.reason.split(" (")[0]) for i in ctx.issues] == [
        (3, "not valid JSON"),
        (4, "not a JSON object"),
        (5, "gemini message without a valid timestamp"),
    ]
    assert [e.total_tokens for e in events] == [11]


def test_broken_legacy_file_is_reported_and_retried(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "chats" / "session-2025-10-05T07-11-eefc44a3.json"
    path.parent.mkdir()
    data = LEGACY.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # caught mid-rewrite
    events, ctx = parse_file(GeminiImporter(), path)
    assert events == [] and ctx.consumed == 0
    [issue] = ctx.issues
    assert (issue.line, issue.reason.split(" (")[0]) == (186, "not valid JSON")
    [r] = import_paths(journal, [path]).files
    assert r.status == "refused"
    path.write_bytes(data)  # the rewrite finished
    [r] = import_paths(journal, [path]).files
    assert (r.status, r.events_added) == ("imported", 18)
    assert journal_days(journal) == LEGACY_DAY


def test_rewritten_legacy_file_is_replaced_not_added(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "chats" / "session-2025-10-05T07-11-eefc44a3.json"
    path.parent.mkdir()
    record = json.loads(LEGACY.read_text(encoding="utf-8"))
    short = dict(record, messages=record["messages"][:-4])
    path.write_text(json.dumps(short, indent=2), encoding="utf-8")
    import_paths(journal, [path])
    before = journal_days(journal)["2025-10-05"]["events"]
    record["messages"][1]["tokens"]["output"] += 1000  # an earlier message changed too
    record["messages"][1]["tokens"]["total"] += 1000
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    [r] = import_paths(journal, [path]).files
    assert r.status == "imported"
    day = journal_days(journal)["2025-10-05"]
    assert (before, day["events"]) == (14, 18)
    assert day["total_tokens"] == LEGACY_DAY["2025-10-05"]["total_tokens"] + 1000


# --------------------------------------------------------------- generated logs with traps


def test_generated_logs_give_the_known_totals(journal: Journal, tmp_path: Path) -> None:
    expected = gen_gemini(tmp_path, sessions=2, turns=9)
    imp = GeminiImporter()
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file() and imp.wants(p))
    assert len(files) == 5
    events = []
    for path in files:
        evs, ctx = parse_file(imp, path)
        assert ctx.issues == []
        events += evs
    assert day_totals(stored(events)) == expected
    report = import_paths(journal, [tmp_path])
    assert {(f.status, f.format) for f in report.files} == {("imported", "gemini-cli")}
    assert journal_days(journal) == expected


def test_generated_subagent_rolls_up_into_its_parent(tmp_path: Path) -> None:
    gen_gemini(tmp_path, sessions=1, turns=3)
    [sub] = tmp_path.rglob("6e00a000-*.jsonl")
    events, _ = parse_file(GeminiImporter(), sub)
    assert len(events) == 3
    parent = "6e000000-0000-7000-8000-000000000000"
    assert sub.parent.name == parent
    assert {e.session_key for e in events} == {f"gemini-cli:{parent}"}
    assert {e.dedup_key.split(":")[1] for e in events} == {"6e00a000-0000-7000-8000-000000000001"}
    assert {(e.cwd, e.project) for e in events} == {("/home/dev/tokenworth", "tokenworth")}


def test_generated_migrated_legacy_session_counts_once(journal: Journal, tmp_path: Path) -> None:
    gen_gemini(tmp_path, sessions=1, turns=3)
    [old] = tmp_path.rglob("*.json")
    new = Path(str(old) + "l")
    for order in ([old, new], [new, old]):
        for path in order:
            import_paths(journal, [path])
        day = journal_days(journal)["2025-10-05"]
        assert day["events"] == 5
        ranks = {
            r
            for (r,) in journal.conn.execute(
                "SELECT DISTINCT dedup_rank FROM events WHERE ts < '2026'"
            )
        }
        assert LEGACY_RANK not in ranks  # the JSONL copy wins


@pytest.mark.parametrize("fraction", [0.15, 0.4, 0.66, 0.9])
def test_generated_logs_resume_anywhere(tmp_path: Path, fraction: float) -> None:
    gen_gemini(tmp_path, sessions=2, turns=9)
    imp = GeminiImporter()
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        whole, _ = parse_file(imp, path)
        resumed, _ = parse_resumed(imp, path, int(path.stat().st_size * fraction))
        assert day_totals(stored(resumed)) == day_totals(stored(whole)), path.name


# ------------------------------------------------------------------------ sniffing, roots


def _head(path: Path) -> bytes:
    with open(path, "rb") as fp:
        return fp.read(registry.HEAD_BYTES)


@pytest.mark.parametrize("path", [JSONL, LEGACY], ids=lambda p: p.name)
def test_sniff_picks_gemini_for_its_samples(path: Path) -> None:
    assert GeminiImporter().sniff(path, _head(path)) >= 0.9
    assert isinstance(registry.detect(path, _head(path)), GeminiImporter)


@pytest.mark.parametrize(
    "path",
    [
        *sorted((DATA / "codex" / "localpush" / "sessions").glob("*.jsonl"))[:1],
        DATA / "codex" / "vibecodingtracker_codex.jsonl",
        DATA / "copilot_cli" / "vibecodingtracker_copilot_events.jsonl",
    ],
    ids=lambda p: p.name[:30],
)
def test_sniff_rejects_the_other_formats(path: Path) -> None:
    assert GeminiImporter().sniff(path, _head(path)) == 0.0


def test_sniff_rejects_look_alikes() -> None:
    imp = GeminiImporter()
    claude = b'{"type":"user","sessionId":"s","message":{"content":"hi"},"uuid":"u"}\n'
    assert imp.sniff(Path("a.jsonl"), claude) == 0.0
    logs_json = b'[\n  {\n    "sessionId": "s",\n    "messageId": 0,\n    "type": "user"\n  }\n]\n'
    assert imp.sniff(Path("logs.json"), logs_json) == 0.0
    other = b'{\n  "name": "x",\n  "messages": []\n}\n' + b" " * 5000
    assert imp.sniff(Path("x.json"), other) == 0.0


def test_default_roots_and_wanted_files(tmp_path: Path) -> None:
    imp = GeminiImporter()
    assert imp.default_roots({}, tmp_path) == [tmp_path / ".gemini" / "tmp"]
    assert imp.default_roots({"GEMINI_DATA_DIR": "/data/g"}, tmp_path) == [Path("/data/g")]
    base = tmp_path / ".gemini" / "tmp" / ("ab" * 32)
    assert imp.wants(base / "chats" / "session-2026-01-01T10-00-abcdef12.jsonl")
    assert imp.wants(base / "chats" / "session-2025-01-01T10-00-abcdef12.json")
    assert imp.wants(base / "chats" / "parent-id" / "sub-id.jsonl")
    assert not imp.wants(base / "logs.json")
    assert not imp.wants(base / "chats" / "notes.txt")
