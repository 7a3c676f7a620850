"""Claude Code importer: exact totals on real transcripts, streaming dedup, subagents, resumes."""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tokenworth.core.importers import registry
from tokenworth.core.importers.base import ParseContext
from tokenworth.core.importers.claude_code import ClaudeCodeImporter, session_from_path
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.model import UsageEvent
from tokenworth.core.store import Journal, open_journal

DATA = Path(__file__).parents[3] / "data"
CLAUDE = DATA / "claude_code"
SID = "258c7280-ae70-4798-800f-63464d01a85d"
SPOTTER = CLAUDE / "spotter" / f"{SID}.jsonl"
SUBAGENTS = sorted((CLAUDE / "spotter" / SID / "subagents").glob("*.jsonl"))
SHORT = CLAUDE / "spotter" / "short.jsonl"
VIBE = CLAUDE / "vibecodingtracker_claude_code.jsonl"

# (input, cache_creation, cache_read, output, responses) per UTC day.
# The spotter main file alone: the largest line of each of its 152 responses. Keeping the
# first line seen instead would give output 10,458 (FORMATS.md a, quirk 1).
SPOTTER_MAIN = {"2026-02-11": (180, 349_474, 14_771_617, 38_899, 152)}
# With its two subagent files (3 sonnet responses + 1 compaction call), which carry the
# parent's sessionId; ccusage 20.0.24 `claude daily` gives the same numbers.
SPOTTER_ALL = {"2026-02-11": (198, 394_137, 14_972_534, 38_908, 156)}
VIBE_DAYS = {"2025-08-28": (158, 99_004, 1_093_509, 3_860, 31)}
VIBE_SESSIONS = {
    "claude-code:e9f146fa-3b20-48d0-9be4-d99ca901cae4": (104, 34_775, 461_245, 3_435, 18),
    "claude-code:b162b1ae-97bc-475f-9b5f-ffbf55ca5b3f": (54, 64_229, 632_264, 425, 13),
}
# Subagent message ids whose agent_progress copies are embedded in the main file.
PROGRESS_COPIED = {"msg_013qape6Zy3q8eZYgN4M39ym", "msg_01QkE2ptzZ6JmveaGTood3UR"}


def parse(path: Path, data: bytes | None = None) -> tuple[list[UsageEvent], ParseContext]:
    """Parse a whole file (or ``data`` as if it were that file) as a first import would."""
    ctx = ParseContext(path=path)
    fp = io.BytesIO(path.read_bytes() if data is None else data)
    return list(ClaudeCodeImporter().parse(fp, ctx)), ctx


def parse_resumed(path: Path, data: bytes, cut: int) -> tuple[list[UsageEvent], ParseContext]:
    """Parse ``data[:cut]``, then go on from ``ctx.consumed`` as the runner does later.

    The second read gets the saved offset, line count and (JSON round-tripped) state.
    """
    imp = ClaudeCodeImporter()
    first = ParseContext(path=path)
    events = list(imp.parse(io.BytesIO(data[:cut]), first))
    state = json.loads(json.dumps(first.state))
    second = ParseContext(
        path=path, offset=first.consumed, consumed=first.consumed, line=first.line, state=state
    )
    fp = io.BytesIO(data)
    fp.seek(first.consumed)
    events += imp.parse(fp, second)
    return events, second


def stored(events: list[UsageEvent]) -> list[UsageEvent]:
    """What the journal keeps: per dedup_key the first event with the highest rank."""
    best: dict[str, UsageEvent] = {}
    for ev in events:
        kept = best.get(ev.dedup_key)
        if kept is None or ev.dedup_rank > kept.dedup_rank:
            best[ev.dedup_key] = ev
    return list(best.values())


def days(events: list[UsageEvent]) -> dict[str, tuple[int, int, int, int, int]]:
    """(input, cache_creation, cache_read, output, events) per UTC day."""
    out: dict[str, list[int]] = {}
    for ev in events:
        row = out.setdefault(ev.ts[:10], [0, 0, 0, 0, 0])
        row[0] += ev.input_tokens
        row[1] += ev.cache_creation_tokens
        row[2] += ev.cache_read_tokens
        row[3] += ev.output_tokens
        row[4] += 1
    return {d: (r[0], r[1], r[2], r[3], r[4]) for d, r in sorted(out.items())}


def journal_days(journal: Journal) -> dict[str, tuple[int, int, int, int, int]]:
    """The same sums, read back from the journal's events table."""
    rows = journal.conn.execute(
        "SELECT substr(ts, 1, 10), sum(input_tokens), sum(cache_creation_tokens), "
        "sum(cache_read_tokens), sum(output_tokens), count(*) FROM events "
        "GROUP BY 1 ORDER BY 1"
    )
    return {day: tuple(values) for day, *values in rows}


def journal_totals(journal: Journal) -> tuple[int, int, int, int, int, int]:
    """Sums over all events, total_tokens included."""
    return journal.conn.execute(
        "SELECT sum(input_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), "
        "sum(output_tokens), sum(total_tokens), count(*) FROM events"
    ).fetchone()


# A real assistant line (spotter sample), content shortened, used as a template.
BASE: dict[str, Any] = {
    "parentUuid": "1a2252ee-fde8-4a8f-a103-4028c39c47ce",
    "isSidechain": False,
    "userType": "external",
    "cwd": "/home/USER/projects/spotter-worktrees/spotter-gqc",
    "sessionId": SID,
    "version": "2.1.39",
    "gitBranch": "spotter-gqc",
    "message": {
        "model": "claude-opus-4-6",
        "id": "msg_01EEiRWuVvwAmenNJXZcerPY",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "Let me look."}],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 3,
            "cache_creation_input_tokens": 8037,
            "cache_read_input_tokens": 17842,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 8037},
            "output_tokens": 10,
            "service_tier": "standard",
            "inference_geo": "not_available",
        },
    },
    "requestId": "req_011CY2vXjEarsCbh9bG1N7Yz",
    "type": "assistant",
    "uuid": "805e777b-8363-4702-b779-be58fe30fcf2",
    "timestamp": "2026-02-11T20:36:47.925Z",
}


def line(**changes: Any) -> dict[str, Any]:
    """A copy of BASE; ``message__x`` / ``usage__x`` keys change nested fields."""
    out = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key.startswith("usage__"):
            out["message"]["usage"][key[7:]] = value
        elif key.startswith("message__"):
            out["message"][key[9:]] = value
        else:
            out[key] = value
    return out


def write(path: Path, lines: list[Any]) -> Path:
    """Write JSONL (strings are written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path.write_text(text, encoding="utf-8")
    return path


# ---- real samples ----------------------------------------------------------------------


def test_spotter_main_file_keeps_the_largest_line_of_each_streamed_response() -> None:
    events, ctx = parse(SPOTTER)
    assert ctx.issues == []
    assert (ctx.consumed, ctx.line) == (2_759_678, 1863)
    assert len(events) == 152 == len({e.dedup_key for e in events})  # collapsed already
    assert days(events) == SPOTTER_MAIN
    assert sum(e.total_tokens or 0 for e in events) == 180 + 349_474 + 14_771_617 + 38_899
    # The trap is real in this file: the first line of each response says much less.
    first_seen: dict[str, int] = {}
    for raw in SPOTTER.read_bytes().splitlines():
        obj = json.loads(raw)
        if obj["type"] == "assistant":
            msg = obj["message"]
            first_seen.setdefault(msg["id"], msg["usage"]["output_tokens"])
    assert (len(first_seen), sum(first_seen.values())) == (152, 10_458)
    # Every cache write of this session went to the 1-hour cache (priced 2 x input).
    assert sum(e.cache_creation_1h_tokens for e in events) == 349_474
    assert {e.speed for e in events} == {None}


def test_spotter_event_fields() -> None:
    events, _ = parse(SPOTTER)
    by_key = {e.dedup_key: e for e in events}
    first = by_key["claude-code:msg_01EEiRWuVvwAmenNJXZcerPY"]
    assert first.tool == "claude-code"
    assert first.session_key == f"claude-code:{SID}"
    assert first.model == "claude-opus-4-6"
    assert first.cwd == "/home/USER/projects/spotter-worktrees/spotter-gqc"
    assert (first.project, first.git_branch) == ("spotter-gqc", "spotter-gqc")
    assert first.cost_usd is None  # 2.1.x does not write costUSD
    assert (first.input_tokens, first.cache_creation_tokens, first.cache_read_tokens) == (
        3,
        8037,
        17842,
    )
    assert {e.model for e in events} == {"claude-opus-4-6"}
    assert {e.session_key for e in events} == {f"claude-code:{SID}"}
    assert all(len(e.ts) == 24 and e.ts.endswith("Z") for e in events)


def test_progress_lines_embedding_subagent_messages_are_not_counted() -> None:
    raw = SPOTTER.read_bytes()
    for mid in PROGRESS_COPIED:  # the copies are there, with usage...
        assert raw.count(mid.encode()) == 1
    events, _ = parse(SPOTTER)
    keys = {e.dedup_key for e in events}
    assert not keys & {f"claude-code:{m}" for m in PROGRESS_COPIED}  # ...and ignored
    # A file holding only the progress lines yields nothing.
    progress = [x for x in raw.splitlines() if b'"agent_progress"' in x]
    assert len(progress) == 5
    assert parse(SPOTTER, b"\n".join(progress) + b"\n")[0] == []


def test_subagent_files_roll_up_into_the_parent_session(journal: Journal) -> None:
    for path in SUBAGENTS:
        events, ctx = parse(path)
        assert ctx.issues == []
        assert {e.session_key for e in events} == {f"claude-code:{SID}"}
    sub_keys = {e.dedup_key for p in SUBAGENTS for e in parse(p)[0]}
    assert sub_keys >= {f"claude-code:{m}" for m in PROGRESS_COPIED}
    for path in [SPOTTER, *SUBAGENTS]:
        journal.write_events(parse(path)[0])
    assert journal_days(journal) == SPOTTER_ALL
    session = journal.session(f"claude-code:{SID}")
    assert session is not None
    assert session.events == 156
    assert session.models == ["claude-opus-4-6", "claude-sonnet-4-5-20250929"]
    assert (session.input_tokens, session.output_tokens) == (198, 38_908)
    assert session.total_tokens == 198 + 394_137 + 14_972_534 + 38_908
    assert journal.count("sessions") == 1


def test_vibecodingtracker_sample_two_sessions_in_one_file(journal: Journal) -> None:
    events, ctx = parse(VIBE)
    assert ctx.issues == []
    assert days(events) == VIBE_DAYS
    journal.write_events(events)
    for key, (inp, cw, cr, out, n) in VIBE_SESSIONS.items():
        s = journal.session(key)
        assert s is not None
        assert (s.input_tokens, s.cache_creation_tokens, s.cache_read_tokens) == (inp, cw, cr)
        assert (s.output_tokens, s.events) == (out, n)
        assert (s.models, s.project, s.git_branch) == (
            ["claude-sonnet-4-20250514"],
            "claude-code",
            "main",
        )


def test_short_sample() -> None:
    [ev], ctx = parse(SHORT)
    assert (ctx.issues, ctx.line) == ([], 15)
    assert (ev.ts, ev.session_key) == (
        "2026-02-10T21:11:59.186Z",
        "claude-code:55604662-cf2a-4331-851a-ec234028f8ca",
    )
    assert (ev.input_tokens, ev.cache_creation_tokens, ev.cache_read_tokens) == (3, 13835, 11515)
    assert (ev.output_tokens, ev.total_tokens) == (13, 3 + 13835 + 11515 + 13)
    assert (ev.project, ev.git_branch) == ("spotter", "master")


def test_importing_the_same_files_twice_changes_nothing(journal: Journal) -> None:
    paths = [SPOTTER, *SUBAGENTS, VIBE]
    added = sum(journal.write_events(parse(p)[0]).added for p in paths)
    assert added == 156 + 31
    before = journal_totals(journal)
    again = [journal.write_events(parse(p)[0]) for p in paths]
    assert [(r.added, r.updated) for r in again] == [(0, 0)] * len(paths)
    assert journal_totals(journal) == before
    assert journal_days(journal) == {**VIBE_DAYS, **SPOTTER_ALL}


def test_subagents_before_the_parent_give_the_same_journal(journal: Journal) -> None:
    for path in [*reversed(SUBAGENTS), SPOTTER]:
        journal.write_events(parse(path)[0])
    assert journal_days(journal) == SPOTTER_ALL


# ---- resuming a file that grows ---------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0001, 0.13, 0.31, 0.5, 0.77, 0.95, 0.9999])
def test_a_file_cut_mid_line_then_completed_gives_the_finished_totals(fraction: float) -> None:
    data = SPOTTER.read_bytes()
    cut = int(len(data) * fraction)
    assert data[cut - 1 : cut] != b"\n"  # really inside a line
    events, ctx = parse_resumed(SPOTTER, data, cut)
    assert ctx.issues == []
    assert days(stored(events)) == SPOTTER_MAIN
    assert (ctx.consumed, ctx.line) == (len(data), 1863)


def test_resume_at_every_line_end_of_a_streamed_response(journal: Journal) -> None:
    """Cut after each line of the first responses: the journal ends with the final lines."""
    data = SPOTTER.read_bytes()
    ends = [i + 1 for i, b in enumerate(data[:200_000]) if b == 0x0A]
    for cut in ends[::7]:
        events, ctx = parse_resumed(SPOTTER, data, cut)
        assert days(stored(events)) == SPOTTER_MAIN
        assert ctx.line == 1863
    # Through the journal, as two imports: cut inside the 2nd line of a response whose
    # output grows, so the second import must replace the first one's partial count.
    lines = data.splitlines(keepends=True)
    seen: dict[str, int] = {}
    offset = 0
    cut = 0
    for raw in lines:
        obj = json.loads(raw)
        if obj["type"] == "assistant":
            msg = obj["message"]
            if msg["usage"]["output_tokens"] > seen.get(msg["id"], 1 << 30):
                cut = offset + 50
                break
            seen[msg["id"]] = msg["usage"]["output_tokens"]
        offset += len(raw)
    assert cut
    first = ParseContext(path=SPOTTER)
    journal.write_events(ClaudeCodeImporter().parse(io.BytesIO(data[:cut]), first))
    fp = io.BytesIO(data)
    fp.seek(first.consumed)
    second = ParseContext(
        path=SPOTTER, offset=first.consumed, consumed=first.consumed, line=first.line
    )
    result = journal.write_events(ClaudeCodeImporter().parse(fp, second))
    assert result.updated >= 1  # a response streamed across the cut was replaced
    assert journal_days(journal) == SPOTTER_MAIN


def test_runner_reads_a_growing_transcript(journal: Journal, tmp_path: Path) -> None:
    data = SPOTTER.read_bytes()
    live = tmp_path / "projects" / "-home-USER-spotter" / SPOTTER.name
    live.parent.mkdir(parents=True)
    cut = len(data) // 2 + 11
    live.write_bytes(data[:cut])
    [r] = import_paths(journal, [live]).files
    assert (r.status, r.format, r.issues) == ("imported", "claude-code", [])
    assert 0 < r.bytes_read < cut and data[r.bytes_read - 1] == 0x0A
    first = r.bytes_read
    with open(live, "ab") as fp:
        fp.write(data[cut:])
    [r] = import_paths(journal, [live]).files
    assert (r.status, r.bytes_read) == ("imported", len(data) - first)
    assert journal_days(journal) == SPOTTER_MAIN
    [r] = import_paths(journal, [live]).files
    assert r.status == "unchanged"


def test_runner_imports_a_projects_folder(journal: Journal, tmp_path: Path) -> None:
    projects = tmp_path / "claude" / "projects" / "-home-USER-projects-spotter"
    shutil.copytree(CLAUDE / "spotter", projects)
    report = import_paths(journal, [tmp_path / "claude"])
    assert sorted((f.status, f.format) for f in report.files) == [("imported", "claude-code")] * 4
    assert journal_days(journal) == {
        "2026-02-10": (3, 13835, 11515, 13, 1),
        **SPOTTER_ALL,
    }
    assert [f.status for f in import_paths(journal, [tmp_path / "claude"]).files] == [
        "unchanged"
    ] * 4


def test_scan_finds_claude_config_dir(journal: Journal, tmp_path: Path) -> None:
    from tokenworth.core.importers.runner import scan

    config = tmp_path / "cfg"
    (config / "projects" / "p").mkdir(parents=True)
    shutil.copy(SHORT, config / "projects" / "p" / SHORT.name)
    report, roots = scan(journal, env={"CLAUDE_CONFIG_DIR": str(config)}, home=tmp_path / "h")
    assert ("claude-code", config / "projects") in roots
    assert [(f.status, f.format) for f in report.files] == [("imported", "claude-code")]
    assert journal_days(journal) == {"2026-02-10": (3, 13835, 11515, 13, 1)}


# ---- hand-made lines for the rules -------------------------------------------------------


def test_bad_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    good = json.dumps(line())
    path = write(
        tmp_path / "s.jsonl",
        [
            {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},
            good[: good.index('"usage"') + 30],  # cut while being written, then resumed
            good,
            '{"type":"user","message":{"content":"no usage here, not even valid',  # skipped
            '{"type":"assistant","message":{"usage":{"input_tokens":1}}\x00\x00\x00',
            json.dumps(line(timestamp=None, message__id="msg_2")),
            json.dumps(line(timestamp="yesterday", message__id="msg_3")),
            "",
            json.dumps(line(message__id="msg_4", timestamp="2026-02-11T20:40:00.000Z")),
        ],
    )
    events, ctx = parse(path)
    assert [(i.line, i.reason.split(" (")[0]) for i in ctx.issues] == [
        (2, "not valid JSON"),
        (5, "binary data, not text"),
        (6, "an assistant line without a readable timestamp; skipped"),
        (7, "an assistant line without a readable timestamp; skipped"),
    ]
    assert [e.dedup_key for e in events] == [
        "claude-code:msg_01EEiRWuVvwAmenNJXZcerPY",
        "claude-code:msg_4",
    ]
    assert ctx.line == 9


def test_empty_null_and_synthetic_usage(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        [
            line(message__id="m_empty", message__usage={}),
            line(message__id="m_null", message__usage=None),
            line(message__id="m_none"),  # no usage key at all below
            line(
                message__id="m_synth",
                message__model="<synthetic>",
                usage__input_tokens=0,
                usage__cache_creation_input_tokens=0,
                usage__cache_read_input_tokens=0,
                usage__cache_creation=None,
                usage__output_tokens=0,
                isApiErrorMessage=True,
            ),
            line(message__id="m_synth2", message__model="<synthetic>", usage__output_tokens=7),
            line(
                message__id="m_nulls",
                message__model=None,
                usage__cache_read_input_tokens=None,
                usage__cache_creation={"ephemeral_5m_input_tokens": None},
                usage__cache_creation_input_tokens=None,
                cwd=None,
                gitBranch=None,
                costUSD=None,
                requestId=None,
                isSidechain=None,
                sessionId=None,
                version=None,
            ),
        ],
    )
    raw = path.read_text().splitlines()
    del_usage = json.loads(raw[2])
    del del_usage["message"]["usage"]
    raw[2] = json.dumps(del_usage)
    path.write_text("\n".join(raw) + "\n")
    events, ctx = parse(path)
    assert ctx.issues == []
    by_id = {e.dedup_key.split(":", 1)[1]: e for e in events}
    assert sorted(by_id) == ["m_nulls", "m_synth2"]
    synth = by_id["m_synth2"]
    assert (synth.model, synth.output_tokens, synth.cache_read_tokens) == (None, 7, 17842)
    nulls = by_id["m_nulls"]
    assert (nulls.model, nulls.cwd, nulls.project, nulls.git_branch, nulls.cost_usd) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert (nulls.input_tokens, nulls.cache_creation_tokens, nulls.cache_read_tokens) == (3, 0, 0)
    assert nulls.output_tokens == 10
    assert nulls.session_key == "claude-code:s"  # the file name stands in for sessionId


def test_cache_writes_prefer_the_lifetime_split(tmp_path: Path) -> None:
    split = {"ephemeral_5m_input_tokens": 30, "ephemeral_1h_input_tokens": 50}
    path = write(
        tmp_path / "s.jsonl",
        [
            line(
                message__id="a", usage__cache_creation_input_tokens=100, usage__cache_creation=split
            ),
            line(
                message__id="b", usage__cache_creation_input_tokens=100, usage__cache_creation=None
            ),
            line(message__id="c", usage__cache_creation_input_tokens=100, usage__cache_creation={}),
        ],
    )
    events, _ = parse(path)
    assert [(e.dedup_key, e.cache_creation_tokens) for e in events] == [
        ("claude-code:a", 80),
        ("claude-code:b", 100),
        ("claude-code:c", 100),  # an empty split says nothing; ccusage would count 0 here
    ]
    assert events[0].total_tokens == 3 + 80 + 17842 + 10


def test_streamed_lines_keep_the_largest_and_a_tie_keeps_the_first(tmp_path: Path) -> None:
    ts = [f"2026-02-11T23:59:5{i}.000Z" for i in range(7, 10)] + ["2026-02-12T00:00:01.000Z"]
    path = write(
        tmp_path / "s.jsonl",
        [
            line(usage__output_tokens=1, timestamp=ts[0]),
            line(usage__output_tokens=250, timestamp=ts[1]),  # the final count arrives...
            line(usage__output_tokens=250, timestamp=ts[2]),  # ...and repeats
            line(usage__output_tokens=250, timestamp=ts[3]),  # after midnight
        ],
    )
    [ev], _ = parse(path)
    assert (ev.output_tokens, ev.ts) == (250, ts[1])
    assert ev.dedup_rank == (1 << 50) | ((3 + 8037 + 17842 + 250) << 1)


def test_a_sidechain_replay_never_beats_the_main_line(tmp_path: Path) -> None:
    main = write(tmp_path / f"{SID}.jsonl", [line(usage__output_tokens=10)])
    replay = write(
        tmp_path / SID / "subagents" / "agent-a1b2c3d.jsonl",
        [
            line(
                isSidechain=True,
                agentId="a1b2c3d",
                requestId="req_other",
                usage__output_tokens=900,
                usage__cache_read_input_tokens=99_999,
            )
        ],
    )
    for n, order in enumerate(([main, replay], [replay, main])):
        with open_journal(tmp_path / f"journal-{n}") as journal:
            for path in order:
                journal.write_events(parse(path)[0])
            assert journal_days(journal) == {"2026-02-11": (3, 8037, 17842, 10, 1)}
    [side] = parse(replay)[0]
    assert side.dedup_rank < parse(main)[0][0].dedup_rank


def test_fast_mode_keeps_the_model_as_logged_and_wins_a_tie(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        [
            line(uuid="u1"),
            line(uuid="u2", usage__speed="fast", timestamp="2026-02-11T20:36:49.000Z"),
        ],
    )
    [ev], _ = parse(path)
    assert (ev.model, ev.ts) == ("claude-opus-4-6", "2026-02-11T20:36:49.000Z")


def test_lines_without_a_message_id(tmp_path: Path) -> None:
    a = line(message__id=None, uuid="u-1")
    b = line(message__id=None, uuid="u-2", usage__output_tokens=11)
    c = line(message__id="", uuid=None)
    c["message"].pop("id")
    del c["uuid"]
    path = write(tmp_path / "s.jsonl", [a, b, c, c])
    events, _ = parse(path)
    keys = [e.dedup_key for e in events]
    assert keys[:2] == [f"claude-code:{SID}:u-1", f"claude-code:{SID}:u-2"]
    assert len(keys) == 3 and keys[2].startswith("claude-code:line:")  # c twice is one line


def test_timestamps_are_normalized_to_utc_milliseconds(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        [
            line(message__id="a", timestamp="2026-02-11T20:36:47Z"),
            line(message__id="b", timestamp="2026-02-11T22:36:47.123456+02:00"),
            line(message__id="c", timestamp="2026-02-11T20:36:47.925Z"),
        ],
    )
    events, _ = parse(path)
    assert [e.ts for e in events] == [
        "2026-02-11T20:36:47.000Z",
        "2026-02-11T20:36:47.123Z",
        "2026-02-11T20:36:47.925Z",
    ]


def test_cost_usd_of_older_versions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        [
            line(message__id="a", costUSD=0.0123, version="1.0.30"),
            line(message__id="b", costUSD=2),
            line(message__id="c", costUSD="0.5"),
            line(message__id="d", costUSD=True),
        ],
    )
    assert [e.cost_usd for e in parse(path)[0]] == [0.0123, 2.0, None, None]


def test_only_top_level_assistant_lines_count(tmp_path: Path) -> None:
    user = {
        "type": "user",
        "sessionId": SID,
        "timestamp": "2026-02-11T20:36:47.925Z",
        "message": {"role": "user", "content": "what is usage?"},
        "toolUseResult": {"usage": {"input_tokens": 5, "output_tokens": 5}, "role": "assistant"},
    }
    nested = line(message__id="n", usage__output_tokens=4)
    nested["message"]["content"] = [
        {"type": "tool_use", "id": "t", "name": "x", "input": {"usage": {"input_tokens": 10**6}}}
    ]
    events, _ = parse(write(tmp_path / "s.jsonl", [user, nested]))
    assert [(e.dedup_key, e.input_tokens, e.output_tokens) for e in events] == [
        ("claude-code:n", 3, 4)
    ]


def test_session_from_path() -> None:
    assert session_from_path(Path(f"/p/-x/{SID}.jsonl")) == SID
    assert session_from_path(Path(f"/p/-x/{SID}/subagents/agent-a88.jsonl")) == SID


# ---- sniffing and folders ------------------------------------------------------------------


def _head(path: Path) -> bytes:
    return registry.read_head(path)


@pytest.mark.parametrize("path", [SPOTTER, *SUBAGENTS, SHORT, VIBE], ids=lambda p: p.name[:24])
def test_sniff_picks_claude_code_for_its_samples(path: Path) -> None:
    assert ClaudeCodeImporter().sniff(path, _head(path)) == 0.95
    assert isinstance(registry.detect(path, _head(path)), ClaudeCodeImporter)


@pytest.mark.parametrize(
    "path",
    [
        DATA / "codex" / "vibecodingtracker_codex.jsonl",
        DATA / "gemini_cli" / "vibecodingtracker_gemini.jsonl",
        DATA / "gemini_cli" / "vibecodingtracker_gemini_legacy.json",
        DATA / "copilot_cli" / "vibecodingtracker_copilot_events.jsonl",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_the_other_formats(path: Path) -> None:
    assert ClaudeCodeImporter().sniff(path, _head(path)) == 0.0


def test_sniff_by_content_not_name() -> None:
    imp = ClaudeCodeImporter()
    huge = json.dumps(line(message__content=[{"type": "text", "text": "x" * 100_000}]))
    head = huge.encode()[: registry.HEAD_BYTES]  # not even one whole line
    assert imp.sniff(Path("whatever.txt"), head) == 0.95
    snapshot = b'{"type":"file-history-snapshot","messageId":"m","snapshot":{}}\n'
    assert imp.sniff(Path("a.jsonl"), snapshot) == 0.85
    assert imp.sniff(Path("a.jsonl"), b'{"type":"summary","summary":"x","leafUuid":"u"}\n') == 0.8
    assert imp.sniff(Path(f"{SID}.jsonl"), b'{"type":"message","id":"x"}\n') == 0.0
    assert imp.sniff(Path(f"{SID}.jsonl"), b"\x00\x01binary") == 0.0
    assert imp.sniff(Path(f"{SID}.jsonl"), b"") == 0.0


def test_default_roots(tmp_path: Path) -> None:
    imp = ClaudeCodeImporter()
    home = tmp_path / "home"
    assert imp.default_roots({}, home) == [
        home / ".config" / "claude" / "projects",
        home / ".claude" / "projects",
    ]
    assert imp.default_roots({"XDG_CONFIG_HOME": "/x/cfg"}, home) == [
        Path("/x/cfg/claude/projects"),
        home / ".claude" / "projects",
    ]
    (tmp_path / "both" / "projects").mkdir(parents=True)
    env = {
        "CLAUDE_CONFIG_DIR": f" {tmp_path / 'a'} ,{tmp_path / 'b' / 'projects'},,~/c,"
        f"{tmp_path / 'both'},{home / '.claude'}",
        "XDG_CONFIG_HOME": "",
    }
    assert imp.default_roots(env, home) == [
        tmp_path / "a" / "projects",
        tmp_path / "b" / "projects",  # the projects folder itself
        home / "c" / "projects",
        tmp_path / "both" / "projects",
        home / ".claude" / "projects",
        home / ".config" / "claude" / "projects",
    ]
