"""Codex rollout importer: exact totals on real logs, re-emits, forks, resumed reads, sniffing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.bench.gen_agents import (
    day_totals,
    gen_codex,
    journal_days,
    parse_file,
    parse_resumed,
    stored,
)
from tokenworth.core.importers import registry
from tokenworth.core.importers.codex import RANK_COPY, RANK_ROOT, CodexImporter
from tokenworth.core.importers.runner import import_paths
from tokenworth.core.store import Journal

DATA = Path(__file__).parents[3] / "data"
CODEX = DATA / "codex"
LOCALPUSH = sorted((CODEX / "localpush" / "sessions").glob("*.jsonl"))
OLD = CODEX / "vibecodingtracker_codex.jsonl"
BIGGEST = max(LOCALPUSH, key=lambda p: p.stat().st_size)

# UTC day 2026-02-23 of the six localpush rollouts: manifest.json gives input 34,082,306
# (cached included), cached 32,389,760, output 156,921, total 34,239,227; codex-stats.json
# adds reasoning 64,401. Tokenworth's input_tokens is the uncached part.
FEB_23 = {
    "input_tokens": 34_082_306 - 32_389_760,
    "cache_creation_tokens": 0,
    "cache_read_tokens": 32_389_760,
    "output_tokens": 156_921,
    "reasoning_tokens": 64_401,
    "total_tokens": 34_239_227,
    "events": 360,
}
# One session runs on past midnight UTC; expected/codex-sessions.json sums to these with
# 2026-02-23 (its all-days summary: input 49,839,753, total 50,062,931).
FEB_24 = {
    "input_tokens": 15_757_447 - 14_299_392,
    "cache_creation_tokens": 0,
    "cache_read_tokens": 14_299_392,
    "output_tokens": 66_257,
    "reasoning_tokens": 17_733,
    "total_tokens": 15_823_704,
    "events": 125,
}


def _all(paths: list[Path]) -> list:
    imp = CodexImporter()
    events = []
    for path in paths:
        evs, ctx = parse_file(imp, path)
        assert ctx.issues == []
        events += evs
    return events


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def _meta(sid: str = "s-1", **payload: object) -> dict:
    body = {"id": sid, "cwd": "/w/proj", "git": {"branch": "dev"}, **payload}
    return {"timestamp": "2026-01-01T10:00:00.000Z", "type": "session_meta", "payload": body}


def _turn(ts: str, model: str) -> dict:
    return {"timestamp": ts, "type": "turn_context", "payload": {"model": model}}


def _count(ts: str, total: list[int] | None, last: list[int] | None = None) -> dict:
    keys = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")
    info = None
    if total is not None:
        info = {"total_token_usage": dict(zip(keys, total, strict=True))}
        info["total_token_usage"]["total_tokens"] = total[0] + total[2]
        if last is not None:
            info["last_token_usage"] = dict(zip(keys, last, strict=True))
            info["last_token_usage"]["total_tokens"] = last[0] + last[2]
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info}}


# ------------------------------------------------------------------------ real sample files


def test_localpush_day_totals_match_the_fixture_authors_numbers() -> None:
    manifest = json.loads((CODEX / "localpush" / "manifest.json").read_text())
    stats = json.loads((CODEX / "localpush" / "expected" / "codex-stats.json").read_text())
    days = day_totals(stored(_all(LOCALPUSH)))
    assert days == {"2026-02-23": FEB_23, "2026-02-24": FEB_24}
    want = manifest["verification"]["token_totals"]
    got = days["2026-02-23"]
    assert got["input_tokens"] + got["cache_read_tokens"] == want["input"]
    assert got["cache_read_tokens"] == want["cache_read"]
    assert got["output_tokens"] == want["output"]
    assert got["total_tokens"] == want["total"]
    assert got["reasoning_tokens"] == stats["metrics"][0]["tags"]["reasoning_output"]


def test_localpush_session_totals_match_expected_sessions() -> None:
    expected = json.loads((CODEX / "localpush" / "expected" / "codex-sessions.json").read_text())
    sums: dict[str, dict[str, int]] = {}
    for ev in stored(_all(LOCALPUSH)):
        row = sums.setdefault(ev.session_key, dict.fromkeys(("i", "c", "o", "r"), 0))
        row["i"] += ev.input_tokens + ev.cache_read_tokens
        row["c"] += ev.cache_read_tokens
        row["o"] += ev.output_tokens
        row["r"] += ev.reasoning_tokens
    assert len(sums) == 6
    for session in expected["sessions"]:
        tok = session["tokens"]
        want = {
            "i": tok["input"],
            "c": tok["cache_read"],
            "o": tok["output"],
            "r": tok["reasoning_output"],
        }
        assert sums[f"codex:{session['id']}"] == want


def test_re_emitted_counts_add_nothing_and_info_null_is_skipped() -> None:
    events = _all(LOCALPUSH)
    # 966 token_count lines: 6 with info null, 960 with info of which 480 re-emit the totals.
    assert len(events) == 485
    assert len({e.dedup_key for e in events}) == 485
    assert sum(e.total_tokens for e in events) == 50_062_931


def test_fields_come_from_json_utc_timestamps_meta_and_turn_context() -> None:
    first = LOCALPUSH[0]
    assert "T12-40-23" in first.name  # the name is local time, the log says 11:40:23Z
    ev = parse_file(CodexImporter(), first)[0][0]
    assert ev.ts == "2026-02-23T11:40:42.097Z"
    assert ev.tool == "codex"
    assert ev.session_key == "codex:019c8a4c-ed82-79a1-aa28-7738fc5ab61a"
    assert ev.model == "gpt-5.3-codex"
    assert (ev.cwd, ev.project, ev.git_branch) == (
        "/redacted/path/fa3f7eaace",
        "fa3f7eaace",
        "main",
    )
    assert (ev.input_tokens, ev.cache_read_tokens, ev.cache_creation_tokens) == (13_747, 3_456, 0)
    assert (ev.output_tokens, ev.reasoning_tokens, ev.total_tokens) == (358, 193, 17_561)
    assert ev.dedup_rank == RANK_ROOT
    assert ev.dedup_key.startswith("codex:") and len(ev.dedup_key) == 46


def test_codex_0_39_sample() -> None:
    events, ctx = parse_file(CodexImporter(), OLD)
    assert ctx.issues == []
    assert day_totals(events) == {
        "2025-09-19": {
            "input_tokens": 270_530 - 136_832,
            "cache_creation_tokens": 0,
            "cache_read_tokens": 136_832,
            "output_tokens": 12_551,
            "reasoning_tokens": 9_536,
            "total_tokens": 283_081,
            "events": 19,
        }
    }
    assert {e.model for e in events} == {"aide-gpt-5"}
    assert {e.session_key for e in events} == {"codex:01996135-afde-7911-97f0-d863511eca56"}
    assert {(e.project, e.git_branch) for e in events} == {("claude-code", "main")}
    assert ctx.state["prev"] == [270_530, 136_832, 12_551, 9_536, 283_081]


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.37, 0.5, 0.73, 0.9, 0.999, 1.0])
def test_resume_from_a_mid_file_offset_gives_whole_file_totals(fraction: float) -> None:
    imp = CodexImporter()
    whole, whole_ctx = parse_file(imp, BIGGEST)
    cut = int(BIGGEST.stat().st_size * fraction)
    resumed, ctx = parse_resumed(imp, BIGGEST, cut)
    assert day_totals(stored(resumed)) == day_totals(stored(whole))
    assert [e.dedup_key for e in resumed] == [e.dedup_key for e in whole]
    assert (ctx.consumed, ctx.line) == (whole_ctx.consumed, whole_ctx.line)
    assert ctx.state == whole_ctx.state


def test_reimport_through_the_journal_is_idempotent(journal: Journal) -> None:
    events = _all(LOCALPUSH)
    first = journal.write_events(events)
    assert (first.added, first.updated) == (485, 0)
    again = journal.write_events(_all(LOCALPUSH))
    assert (again.added, again.updated) == (0, 0)
    assert journal_days(journal) == {"2026-02-23": FEB_23, "2026-02-24": FEB_24}
    session = journal.session("codex:019c8a59-e9dd-71f0-9ae3-4079fe9726a9")
    assert session is not None and session.events == 286
    assert session.models == ["gpt-5.3-codex"]


def test_runner_reads_a_growing_rollout_and_only_the_new_bytes(
    journal: Journal, tmp_path: Path
) -> None:
    data = BIGGEST.read_bytes()
    live = tmp_path / BIGGEST.name
    cut = len(data) // 3 + 17  # mid-line: the partial line waits for the next import
    live.write_bytes(data[:cut])
    [r] = import_paths(journal, [live]).files
    assert (r.status, r.format) == ("imported", "codex")
    first = r.bytes_read
    assert 0 < first < cut and data[first - 1 : first] == b"\n"
    with open(live, "ab") as fp:
        fp.write(data[cut:])
    [r] = import_paths(journal, [live]).files
    assert (r.status, r.bytes_read, r.issues) == ("imported", len(data) - first, [])
    whole = day_totals(stored(parse_file(CodexImporter(), BIGGEST)[0]))
    assert journal_days(journal) == whole
    [r] = import_paths(journal, [live]).files
    assert r.status == "unchanged"


def test_bad_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    good = _count("2026-01-01T10:00:05.000Z", [100, 0, 10, 0], [100, 0, 10, 0])
    path = tmp_path / "rollout-bad.jsonl"
    path.write_text(
        json.dumps(_meta())
        + "\n"
        + json.dumps(_turn("2026-01-01T10:00:01.000Z", "gpt-5"))
        + "\n"
        + '{"timestamp":"2026-01-01T10:00:02Z","type":"event_msg","payload":{"type":"token_count"\n'
        + '["token_count"]\n'
        + '{"timestamp":"x","type":"event_msg","payload":{"type":"token_count","info":"?"}}\n'
        + json.dumps(_count("nonsense", [50, 0, 5, 0], [50, 0, 5, 0]))
        + "\n"
        + json.dumps(good)
        + "\n",
        encoding="utf-8",
    )
    events, ctx = parse_file(CodexImporter(), path)
    assert [(i.line, i.reason.split(" (")[0]) for i in ctx.issues] == [
        (3, "not valid JSON"),
        (4, "not a JSON object"),
        (5, "token_count info is not an object"),
        (6, "token_count without a valid timestamp"),
    ]
    # The snapshot without a timestamp still moved the total: the good line adds 50 + 5.
    assert [(e.input_tokens, e.output_tokens, e.model) for e in events] == [(50, 5, "gpt-5")]


def test_counter_reset_falls_back_to_last_token_usage(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.jsonl",
        [
            _meta(),
            _count("2026-01-01T10:00:01.000Z", None),
            _count("2026-01-01T10:00:05.000Z", [1000, 200, 50, 10], [1000, 200, 50, 10]),
            _count("2026-01-01T10:00:09.000Z", [1500, 300, 80, 10], [500, 100, 30, 0]),
            _count("2026-01-01T10:00:20.000Z", [400, 100, 20, 5], [400, 100, 20, 5]),  # reset
            _count("2026-01-01T10:00:30.000Z", [700, 100, 30, 5], [300, 0, 10, 0]),
        ],
    )
    events, _ = parse_file(CodexImporter(), path)
    assert [(e.input_tokens + e.cache_read_tokens, e.output_tokens) for e in events] == [
        (1000, 50),
        (500, 30),
        (400, 20),
        (300, 10),
    ]


def test_model_is_the_latest_turn_context_and_a_missing_one_stays_unknown(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.jsonl",
        [
            _meta(),
            _count("2026-01-01T10:00:05.000Z", [10, 0, 1, 0], [10, 0, 1, 0]),
            _turn("2026-01-01T10:00:06.000Z", "gpt-5.2-codex"),
            _count("2026-01-01T10:00:09.000Z", [30, 0, 2, 0], [20, 0, 1, 0]),
            _turn("2026-01-01T10:00:10.000Z", "gpt-5.3-codex"),
            _count("2026-01-01T10:00:19.000Z", [60, 0, 3, 0], [30, 0, 1, 0]),
        ],
    )
    events, _ = parse_file(CodexImporter(), path)
    assert [e.model for e in events] == [None, "gpt-5.2-codex", "gpt-5.3-codex"]


def test_fork_inheriting_the_parents_counter_counts_only_its_own_call(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "f.jsonl",
        [
            _meta("child", forked_from_id="parent"),
            _count("2026-01-01T10:00:05.000Z", [9000, 100, 900, 0], [300, 100, 20, 0]),
            _count("2026-01-01T10:00:15.000Z", [9500, 100, 950, 0], [500, 0, 50, 0]),
        ],
    )
    events, _ = parse_file(CodexImporter(), path)
    assert [(e.input_tokens + e.cache_read_tokens, e.output_tokens) for e in events] == [
        (300, 20),
        (500, 50),
    ]
    assert {e.dedup_rank for e in events} == {RANK_COPY}


def test_later_session_meta_of_an_embedded_parent_does_not_take_over(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "e.jsonl",
        [
            _meta("child", forked_from_id="parent"),
            _meta("parent", cwd="/elsewhere"),
            _count("2026-01-01T10:00:05.000Z", [10, 0, 1, 0], [10, 0, 1, 0]),
        ],
    )
    [ev], _ = parse_file(CodexImporter(), path)
    assert (ev.session_key, ev.cwd, ev.git_branch) == ("codex:child", "/w/proj", "dev")


def test_session_falls_back_to_the_file_names_uuid(tmp_path: Path) -> None:
    name = "rollout-2026-01-01T11-00-00-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl"
    path = _write(tmp_path / name, [_count("2026-01-01T10:00:05.000Z", [10, 0, 1, 0])])
    [ev], _ = parse_file(CodexImporter(), path)
    assert ev.session_key == "codex:019c8a4c-ed82-79a1-aa28-7738fc5ab61a"


# --------------------------------------------------------------- generated logs with traps


def test_generated_logs_give_the_known_totals(tmp_path: Path) -> None:
    expected = gen_codex(tmp_path, sessions=3, calls=12)
    files = sorted(tmp_path.rglob("*.jsonl"))
    assert len(files) == 6
    raw = _all(files)
    assert day_totals(stored(raw)) == expected
    assert set(expected) == {"2026-03-01", "2026-03-02"}
    # The traps are real: without the dedup the fork's replay would be counted twice.
    assert sum(e.total_tokens for e in raw) > sum(r["total_tokens"] for r in expected.values())


@pytest.mark.parametrize("reverse", [False, True])
def test_fork_and_subagent_copies_stay_with_the_parent_in_any_import_order(
    journal: Journal, tmp_path: Path, reverse: bool
) -> None:
    expected = gen_codex(tmp_path / "codex", sessions=3, calls=12)
    files = sorted((tmp_path / "codex").rglob("*.jsonl"), reverse=reverse)
    for path in files:
        [r] = import_paths(journal, [path]).files
        assert (r.status, r.format, r.issues) == ("imported", "codex", [])
    assert journal_days(journal) == expected
    # Counted from the event rows: the sessions table of the fork is not refreshed when the
    # parent's import moves the replayed rows away (a journal.write_events issue).
    per_session = dict(
        journal.conn.execute(
            "SELECT session_key, count(*) FROM events WHERE total_tokens > 0 GROUP BY 1"
        ).fetchall()
    )
    assert per_session["codex:019c0000-0000-7000-8000-000000000000"] == 12
    assert per_session["codex:019cf000-0000-7000-8000-000000000001"] == 3  # own calls only
    assert per_session["codex:019ca000-0000-7000-8000-000000000001"] == 3


def test_subagent_replay_burst_is_skipped_at_every_resume_point(tmp_path: Path) -> None:
    gen_codex(tmp_path, sessions=1, calls=9)
    [sub] = tmp_path.rglob("*019ca000-0000-7000-8000-000000000001.jsonl")
    imp = CodexImporter()
    whole, _ = parse_file(imp, sub)
    assert [e.total_tokens > 0 for e in whole] == [True] * 3  # only its own three calls
    want = day_totals(stored(whole))
    data = sub.read_bytes()
    cuts = [i + 1 for i, b in enumerate(data) if b == 0x0A] + [len(data) // 2]
    for cut in cuts:
        resumed, _ = parse_resumed(imp, sub, cut)
        assert day_totals(stored(resumed)) == want, cut


def test_subagent_without_a_replay_counts_its_first_call(tmp_path: Path) -> None:
    gen_codex(tmp_path, sessions=1, calls=6)
    [sub] = tmp_path.rglob("*019ca000-0000-7000-8000-000000000002.jsonl")
    events, _ = parse_file(CodexImporter(), sub)
    assert len(events) == 3 and all(e.total_tokens for e in events)
    assert {e.model for e in events} == {"gpt-5.3-codex-mini"}


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.95])
def test_generated_logs_resume_anywhere(tmp_path: Path, fraction: float) -> None:
    gen_codex(tmp_path, sessions=2, calls=10)
    imp = CodexImporter()
    for path in sorted(tmp_path.rglob("*.jsonl")):
        whole, _ = parse_file(imp, path)
        resumed, _ = parse_resumed(imp, path, int(path.stat().st_size * fraction))
        assert day_totals(stored(resumed)) == day_totals(stored(whole)), path.name


# ------------------------------------------------------------------------ sniffing, roots


def _head(path: Path) -> bytes:
    with open(path, "rb") as fp:
        return fp.read(registry.HEAD_BYTES)


@pytest.mark.parametrize("path", [*LOCALPUSH, OLD], ids=lambda p: p.name[:30])
def test_sniff_picks_codex_for_its_samples(path: Path) -> None:
    assert CodexImporter().sniff(path, _head(path)) >= 0.9
    assert isinstance(registry.detect(path, _head(path)), CodexImporter)


@pytest.mark.parametrize(
    "path",
    [
        DATA / "gemini_cli" / "vibecodingtracker_gemini.jsonl",
        DATA / "gemini_cli" / "vibecodingtracker_gemini_legacy.json",
        DATA / "copilot_cli" / "vibecodingtracker_copilot_events.jsonl",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_the_other_formats(path: Path) -> None:
    assert CodexImporter().sniff(path, _head(path)) == 0.0


def test_sniff_rejects_claude_code_lines_and_garbage() -> None:
    claude = (
        b'{"type":"assistant","sessionId":"s","timestamp":"2026-02-11T20:36:53.585Z",'
        b'"message":{"id":"msg_1","usage":{"input_tokens":3}},"uuid":"u"}\n'
    )
    imp = CodexImporter()
    assert imp.sniff(Path("x.jsonl"), claude) == 0.0
    assert imp.sniff(Path("x.jsonl"), b"\x00\x01binary") == 0.0
    assert imp.sniff(Path("x.jsonl"), b"") == 0.0


def test_sniff_accepts_a_first_line_longer_than_the_head() -> None:
    head = b'{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"x":"'
    head += b"a" * registry.HEAD_BYTES
    assert CodexImporter().sniff(Path("r.jsonl"), head[: registry.HEAD_BYTES]) == 0.95


def test_default_roots(tmp_path: Path) -> None:
    imp = CodexImporter()
    assert imp.default_roots({}, tmp_path) == [
        tmp_path / ".codex" / "sessions",
        tmp_path / ".codex" / "archived_sessions",
    ]
    assert imp.default_roots({"CODEX_HOME": "/opt/cx"}, tmp_path) == [
        Path("/opt/cx/sessions"),
        Path("/opt/cx/archived_sessions"),
    ]


def test_scan_finds_sessions_under_codex_home(journal: Journal, tmp_path: Path) -> None:
    from tokenworth.core.importers.runner import scan

    home = tmp_path / "home"
    target = home / ".codex" / "archived_sessions" / "2025" / "09" / "19"
    target.mkdir(parents=True)
    shutil.copy(OLD, target / OLD.name)
    report, roots = scan(journal, env={}, home=home)
    assert ("codex", home / ".codex" / "archived_sessions") in roots
    assert [f.status for f in report.files] == ["imported"]
    assert journal_days(journal)["2025-09-19"]["total_tokens"] == 283_081
