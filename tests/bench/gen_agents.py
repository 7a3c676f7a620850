"""Deterministic Codex, Gemini CLI and Copilot CLI logs with known totals, traps included.

Each ``gen_*`` function writes a folder laid out like the tool's own and returns the
totals a correct importer must find, per UTC day, in Tokenworth's normalized terms
(``input_tokens`` uncached, ``output_tokens`` with reasoning). The traps reproduced:

- Codex: ``info: null`` first events, every advancing ``token_count`` re-emitted with
  unchanged totals, a counter reset, a fork replaying its parent's history with the
  original timestamps (and the parent's ``session_meta``), a spawned subagent replaying
  the parent re-stamped into one second, a spawned subagent without a replay, local-time
  file names, a session crossing UTC midnight, and filler lines that mention token_count.
- Gemini: messages written again (tokens attached late, tool calls added, tokens changed),
  ``$set`` holding a full copy of the history, ``$rewindTo``, ``$set`` of the session id
  on resume, a subagent file under its parent's folder, a legacy ``.json`` record and its
  migrated ``.jsonl`` copy.
- Copilot: several ``session.shutdown`` events in one file (metrics restart at every
  resume), a shutdown without metrics, a model with zero usage, tool output that mentions
  ``session.shutdown``.

Run ``python tests/bench/gen_agents.py`` to time the three importers on large logs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

UTC = dt.UTC
FIELDS = (
    "input_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
)
Totals = dict[str, dict[str, int]]  # UTC day -> FIELDS + "events"


def _ts(t: dt.datetime) -> str:
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _dump(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _uuid(prefix: int, n: int) -> str:
    return f"{prefix:08x}-0000-7000-8000-{n:012x}"


class _Expect:
    """Accumulates the known totals, per UTC day."""

    def __init__(self) -> None:
        self.days: Totals = {}

    def add(
        self,
        ts: str,
        *,
        input_tokens: int = 0,
        cache_creation_tokens: int = 0,
        cache_read_tokens: int = 0,
        output_tokens: int = 0,
        reasoning_tokens: int = 0,
    ) -> None:
        row = self.days.setdefault(ts[:10], dict.fromkeys((*FIELDS, "events"), 0))
        row["input_tokens"] += input_tokens
        row["cache_creation_tokens"] += cache_creation_tokens
        row["cache_read_tokens"] += cache_read_tokens
        row["output_tokens"] += output_tokens
        row["reasoning_tokens"] += reasoning_tokens
        row["total_tokens"] += (
            input_tokens + cache_creation_tokens + cache_read_tokens + output_tokens
        )
        row["events"] += 1


def stored(events: Iterable[Any]) -> list[Any]:
    """What the journal keeps: per dedup_key the first event of the largest rank."""
    best: dict[str, Any] = {}
    for ev in events:
        kept = best.get(ev.dedup_key)
        if kept is None or ev.dedup_rank > kept.dedup_rank:
            best[ev.dedup_key] = ev
    return list(best.values())


def day_totals(events: Iterable[Any]) -> Totals:
    """Per UTC day sums of already-deduplicated events, shaped like the gen_* results.

    A zero event (a withdrawn copy) is not a billed call and is not counted.
    """
    out: Totals = {}
    for ev in events:
        if not ev.total_tokens:
            continue
        row = out.setdefault(ev.ts[:10], dict.fromkeys((*FIELDS, "events"), 0))
        for name in FIELDS:
            row[name] += getattr(ev, name)
        row["events"] += 1
    return out


def parse_file(importer: Any, path: Path) -> tuple[list[Any], Any]:
    """Parse a whole file as a first import would; returns the events and the context."""
    from tokenworth.core.importers.base import ParseContext

    ctx = ParseContext(path=path)
    with open(path, "rb") as fp:
        return list(importer.parse(fp, ctx)), ctx


def parse_resumed(importer: Any, path: Path, cut: int) -> tuple[list[Any], Any]:
    """Parse the first ``cut`` bytes, then the rest as the runner resumes a grown file.

    The second read starts at ``ctx.consumed`` with ``ctx.line`` and the state after a
    JSON round trip, exactly what the journal's ledger gives back.
    """
    from tokenworth.core.importers.base import ParseContext

    data = path.read_bytes()
    first = ParseContext(path=path)
    events = list(importer.parse(io.BytesIO(data[:cut]), first))
    state = json.loads(json.dumps(first.state))
    second = ParseContext(
        path=path, offset=first.consumed, consumed=first.consumed, line=first.line, state=state
    )
    fp = io.BytesIO(data)
    fp.seek(first.consumed)
    events += importer.parse(fp, second)
    return events, second


def journal_days(journal: Any) -> Totals:
    """Per UTC day sums of the journal's events, shaped like the gen_* results."""
    out: Totals = {}
    rows = journal.conn.execute(
        "SELECT substr(ts, 1, 10), sum(input_tokens), sum(cache_creation_tokens), "
        "sum(cache_read_tokens), sum(output_tokens), sum(reasoning_tokens), sum(total_tokens), "
        "sum(total_tokens > 0) FROM events GROUP BY 1"
    )
    for day, *values in rows:
        out[day] = dict(zip((*FIELDS, "events"), values, strict=True))
    return out


def _write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fp:
        for line in lines:
            fp.write(line + "\n")
    return path


# ---------------------------------------------------------------------------------- Codex

_CODEX_KEYS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def _codex_usage(values: list[int]) -> dict[str, int]:
    return dict(zip(_CODEX_KEYS, values, strict=True))


def _codex_meta(t: dt.datetime, sid: str, cwd: str, **extra: Any) -> str:
    payload = {
        "id": sid,
        "timestamp": _ts(t),
        "cwd": cwd,
        "originator": "Codex Desktop",
        "cli_version": "0.104.0-alpha.1",
        "source": extra.pop("source", "vscode"),
        "model_provider": "openai",
        "git": {"commit_hash": "0" * 40, "branch": extra.pop("branch", "main")},
        **extra,
    }
    return _dump({"timestamp": _ts(t), "type": "session_meta", "payload": payload})


def _codex_turn(t: dt.datetime, model: str, cwd: str) -> str:
    payload = {
        "turn_id": f"turn-{int(t.timestamp() * 1000)}",
        "cwd": cwd,
        "model": model,
        "collaboration_mode": {"mode": "default", "settings": {"model": model}},
        "effort": "high",
    }
    return _dump({"timestamp": _ts(t), "type": "turn_context", "payload": payload})


def _codex_count(t: dt.datetime, total: list[int] | None, last: list[int] | None) -> str:
    info = None
    if total is not None and last is not None:
        info = {
            "total_token_usage": _codex_usage(total),
            "last_token_usage": _codex_usage(last),
            "model_context_window": 258400,
        }
    payload = {"type": "token_count", "info": info, "rate_limits": {"limit_id": "codex"}}
    return _dump({"timestamp": _ts(t), "type": "event_msg", "payload": payload})


def _codex_filler(t: dt.datetime, rng: random.Random) -> str:
    text = "Count the token_count events please. " * rng.randint(1, 40)
    payload = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return _dump({"timestamp": _ts(t), "type": "response_item", "payload": payload})


def _codex_call(rng: random.Random) -> list[int]:
    inp = rng.randint(4_000, 90_000)
    cached = rng.randint(0, inp) // 128 * 128
    out = rng.randint(5, 4_000)
    reasoning = rng.randint(0, out)
    return [inp, cached, out, reasoning, inp + out]


def _add_codex(exp: _Expect, ts: str, last: list[int]) -> None:
    inp, cached, out, reasoning, _ = last
    exp.add(
        ts,
        input_tokens=inp - cached,
        cache_read_tokens=cached,
        output_tokens=out,
        reasoning_tokens=reasoning,
    )


def gen_codex(
    folder: Path, *, sessions: int = 3, calls: int = 12, seed: int = 1, filler: int = 2
) -> Totals:
    """Write ``sessions`` root rollouts plus a fork and two spawned subagents.

    Returns:
        The per-UTC-day totals of the distinct calls.
    """
    rng = random.Random(seed)
    exp = _Expect()
    day = folder / "sessions" / "2026" / "03" / "01"
    start = dt.datetime(2026, 3, 1, 23, 10, tzinfo=UTC)  # session 0 crosses UTC midnight
    local = dt.timezone(dt.timedelta(hours=1))  # file names are local time
    history: dict[int, list[tuple[dt.datetime, str, list[int], list[int]]]] = {}
    for s in range(sessions):
        sid = _uuid(0x019C0000, s)
        cwd = f"/home/dev/project-{s % 2}"
        model = "gpt-5.3-codex" if s % 2 == 0 else "gpt-5.2-codex"
        t = start + dt.timedelta(minutes=37 * s)
        name = f"rollout-{t.astimezone(local):%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"
        lines = [_codex_meta(t, sid, cwd), _codex_count(t + dt.timedelta(seconds=1), None, None)]
        total = [0] * 5
        prev_last: list[int] | None = None
        calls_log = history[s] = []
        for c in range(calls):
            t += dt.timedelta(seconds=rng.randint(4, 300), milliseconds=rng.randint(0, 999))
            lines.append(_codex_turn(t, model, cwd))
            lines.extend(_codex_filler(t, rng) for _ in range(filler))
            if s == 0 and c == calls // 2 and prev_last is not None:
                # The counter restarts: this call is smaller than the total in every field.
                last = [v // 2 for v in prev_last]
                last[4] = last[0] + last[2]
                total = list(last)
            else:
                last = _codex_call(rng)
                total = [a + b for a, b in zip(total, last, strict=True)]
            lines.append(_codex_count(t, total, last))
            _add_codex(exp, _ts(t), last)
            calls_log.append((t, model, list(total), list(last)))
            again = t + dt.timedelta(milliseconds=rng.randint(300, 1500))
            lines.append(_codex_turn(again, model, cwd))
            lines.append(_codex_count(again, total, last))  # re-emitted, unchanged
            prev_last = last
        _write_lines(day / name, lines)

    parent = history[0]
    k = max(2, calls // 3)  # replayed prefix, before the reset

    def own_calls(lines: list[str], t: dt.datetime, total: list[int], model: str) -> None:
        for _ in range(3):
            t += dt.timedelta(seconds=rng.randint(5, 60), milliseconds=rng.randint(0, 999))
            lines.append(_codex_turn(t, model, "/home/dev/project-0"))
            last = _codex_call(rng)
            total = [a + b for a, b in zip(total, last, strict=True)]
            lines.append(_codex_count(t, total, last))
            _add_codex(exp, _ts(t), last)

    # A fork: its own session_meta, the parent's session_meta and history with the
    # original timestamps, then its own calls on a continuing counter.
    fork_id = _uuid(0x019CF000, 1)
    t_fork = parent[k - 1][0] + dt.timedelta(minutes=2)
    lines = [
        _codex_meta(t_fork, fork_id, "/home/dev/project-0", forked_from_id=_uuid(0x019C0000, 0))
    ]
    lines.append(_codex_meta(start, _uuid(0x019C0000, 0), "/home/dev/project-0"))
    for t, model, total, last in parent[:k]:
        lines.append(_codex_turn(t, model, "/home/dev/project-0"))
        lines.append(_codex_count(t, total, last))
        lines.append(_codex_count(t + dt.timedelta(milliseconds=700), total, last))
    own_calls(lines, t_fork, list(parent[k - 1][2]), "gpt-5.3-codex")
    name = f"rollout-{t_fork.astimezone(local):%Y-%m-%dT%H-%M-%S}-{fork_id}.jsonl"
    _write_lines(day / name, lines)

    # A spawned subagent whose file replays the parent's usage re-stamped into one second.
    sub_id = _uuid(0x019CA000, 1)
    t_sub = parent[k - 1][0] + dt.timedelta(minutes=3)
    spawn = {"subagent": {"thread_spawn": {"parent_thread_id": _uuid(0x019C0000, 0), "depth": 1}}}
    lines = [_codex_meta(t_sub, sub_id, "/home/dev/project-0", source=spawn)]
    lines.append(_codex_count(t_sub, None, None))
    for i, (_t, model, total, last) in enumerate(parent[:k]):
        burst = t_sub + dt.timedelta(milliseconds=100 + 800 * i // k)  # within a second
        lines.append(_codex_turn(burst, model, "/home/dev/project-0"))
        lines.append(_codex_count(burst, total, last))
    own_calls(lines, t_sub + dt.timedelta(seconds=2), list(parent[k - 1][2]), "gpt-5.3-codex")
    name = f"rollout-{t_sub.astimezone(local):%Y-%m-%dT%H-%M-%S}-{sub_id}.jsonl"
    _write_lines(day / name, lines)

    # A spawned subagent without a replay: its first calls must all count.
    sub2 = _uuid(0x019CA000, 2)
    t_sub2 = t_sub + dt.timedelta(minutes=1)
    lines = [_codex_meta(t_sub2, sub2, "/home/dev/project-0", source=spawn)]
    own_calls(lines, t_sub2, [0] * 5, "gpt-5.3-codex-mini")
    name = f"rollout-{t_sub2.astimezone(local):%Y-%m-%dT%H-%M-%S}-{sub2}.jsonl"
    _write_lines(day / name, lines)
    return exp.days


# ---------------------------------------------------------------------------------- Gemini

_PROJECT_HASH = "9da8b3df" + "0" * 56


def _gemini_tokens(rng: random.Random) -> dict[str, int]:
    inp = rng.randint(2_000, 60_000)
    cached = rng.randint(0, inp) if rng.random() < 0.6 else 0
    out = rng.randint(5, 3_000)
    thoughts = rng.randint(0, 900)
    tool = rng.randint(0, 400) if rng.random() < 0.3 else 0
    return {
        "input": inp,
        "output": out,
        "cached": cached,
        "thoughts": thoughts,
        "tool": tool,
        "total": inp + out + thoughts + tool,
    }


def _add_gemini(exp: _Expect, ts: str, tok: dict[str, int]) -> None:
    exp.add(
        ts,
        input_tokens=tok["input"] - tok["cached"] + tok["tool"],
        cache_read_tokens=tok["cached"],
        output_tokens=tok["output"] + tok["thoughts"],
        reasoning_tokens=tok["thoughts"],
    )


def _gemini_message(mid: str, t: dt.datetime, tokens: Any, model: str, **extra: Any) -> dict:
    msg = {"id": mid, "timestamp": _ts(t), "type": "gemini", "content": "Done.", "thoughts": []}
    msg.update(tokens=tokens, model=model, **extra)
    return msg


def gen_gemini(folder: Path, *, sessions: int = 2, turns: int = 9, seed: int = 2) -> Totals:
    """Write JSONL recordings (one with a subagent), a legacy record and its migration.

    Returns:
        The per-UTC-day totals of the distinct gemini messages (last write of each).
    """
    rng = random.Random(seed)
    exp = _Expect()
    chats = folder / _PROJECT_HASH / "chats"
    start = dt.datetime(2026, 4, 23, 23, 40, tzinfo=UTC)
    for s in range(sessions):
        sid = _uuid(0x6E000000 + s, s)
        t = begun = start + dt.timedelta(hours=5 * s)
        meta = {
            "sessionId": sid,
            "projectHash": _PROJECT_HASH,
            "startTime": _ts(t),
            "lastUpdated": _ts(t),
            "kind": "main",
        }
        lines = [_dump(meta)]
        history: list[dict] = []
        final: dict[str, tuple[str, dict[str, int]]] = {}
        model = "gemini-3-flash-preview" if s == 0 else "gemini-3.1-pro-preview"
        for n in range(turns):
            t += dt.timedelta(seconds=rng.randint(20, 400), milliseconds=rng.randint(0, 999))
            user = {"id": f"u-{s}-{n}", "timestamp": _ts(t), "type": "user", "content": "go"}
            lines += [_dump(user), _dump({"$set": {"lastUpdated": _ts(t)}})]
            t += dt.timedelta(seconds=rng.randint(2, 30))
            mid = f"g-{s}-{n}"
            tok = _gemini_tokens(rng)
            variant = n % 3
            if variant == 0:  # tokens attached late: first written with tokens null
                lines.append(_dump(_gemini_message(mid, t, None, model)))
                msg = _gemini_message(mid, t, tok, model)
            elif variant == 1:  # tool calls added later, same tokens
                lines.append(_dump(_gemini_message(mid, t, tok, model)))
                msg = _gemini_message(mid, t, tok, model, toolCalls=[{"id": "c", "name": "ls"}])
            else:  # rewritten with different tokens: the last write wins
                lines.append(_dump(_gemini_message(mid, t, _gemini_tokens(rng), model)))
                msg = _gemini_message(mid, t, tok, model)
            lines.append(_dump(msg))
            lines.append(_dump({"$set": {"lastUpdated": _ts(t)}}))
            history.append(msg)
            final[mid] = (_ts(t), tok)
            if n == turns // 2:
                # updateMessagesFromHistory: a full copy of the history, never counted.
                lines.append(_dump({"$set": {"messages": history, "lastUpdated": _ts(t)}}))
                lines.append(_dump({"$set": {"sessionId": sid}}))  # written on resume
            if n == turns - 2:
                lines.append(_dump({"$rewindTo": f"g-{s}-{n - 1}"}))  # billed all the same
        for ts, tok in final.values():
            _add_gemini(exp, ts, tok)
        _write_lines(chats / f"session-{begun:%Y-%m-%dT%H-%M}-{sid[:8]}.jsonl", lines)

    # A subagent of session 0, in chats/<parentSessionId>/<sessionId>.jsonl.
    sub = _uuid(0x6E00A000, 1)
    t = start + dt.timedelta(minutes=5)
    meta = {
        "sessionId": sub,
        "projectHash": _PROJECT_HASH,
        "startTime": _ts(t),
        "lastUpdated": _ts(t),
        "kind": "subagent",
        "directories": ["/home/dev/tokenworth"],
    }
    lines = [_dump(meta)]
    for n in range(3):
        t += dt.timedelta(seconds=rng.randint(3, 30))
        tok = _gemini_tokens(rng)
        lines.append(_dump(_gemini_message(f"sg-{n}", t, tok, "gemini-3-flash-preview")))
        _add_gemini(exp, _ts(t), tok)
    _write_lines(chats / _uuid(0x6E000000, 0) / f"{sub}.jsonl", lines)

    # A legacy whole-file record, and the .jsonl Gemini writes when it is resumed.
    legacy = _uuid(0x6E00B000, 1)
    t = dt.datetime(2025, 10, 5, 7, 11, tzinfo=UTC)
    messages: list[dict] = []
    for n in range(5):
        t += dt.timedelta(seconds=rng.randint(5, 90))
        messages.append({"id": f"lu-{n}", "timestamp": _ts(t), "type": "user", "content": "?"})
        tok = _gemini_tokens(rng)
        messages.append(_gemini_message(f"lg-{n}", t, tok, "gemini-2.5-pro"))
        _add_gemini(exp, _ts(t), tok)
    messages.append(_gemini_message("lg-none", t, None, "gemini-2.5-pro"))
    record = {
        "sessionId": legacy,
        "projectHash": _PROJECT_HASH,
        "startTime": messages[0]["timestamp"],
        "lastUpdated": _ts(t),
        "messages": messages,
    }
    old = chats / f"session-2025-10-05T07-11-{legacy[:8]}.json"
    old.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    head = {k: v for k, v in record.items() if k != "messages"}
    _write_lines(Path(str(old) + "l"), [_dump(head)] + [_dump(m) for m in messages])
    return exp.days


# --------------------------------------------------------------------------------- Copilot


def _copilot_event(kind: str, t: dt.datetime, data: dict, n: list[int]) -> str:
    n[0] += 1
    return _dump(
        {
            "type": kind,
            "data": data,
            "id": _uuid(0xC0000000, n[0]),
            "timestamp": _ts(t),
            "parentId": _uuid(0xC0000000, n[0] - 1),
        }
    )


def gen_copilot(folder: Path, *, sessions: int = 2, turns: int = 4, seed: int = 3) -> Totals:
    """Write ``session-state/<id>/events.jsonl`` files with several shutdowns each.

    Returns:
        The per-UTC-day totals of every (shutdown, model) with usage.
    """
    rng = random.Random(seed)
    exp = _Expect()
    counter = [0]
    for s in range(sessions):
        sid = _uuid(0xC5000000, s)
        t = dt.datetime(2026, 4, 23, 17, 8, tzinfo=UTC) + dt.timedelta(hours=4 * s)
        ev = counter
        context = {"cwd": f"/home/dev/app-{s}", "gitRoot": f"/home/dev/app-{s}", "branch": "main"}
        lines = [
            _copilot_event(
                "session.start",
                t,
                {
                    "sessionId": sid,
                    "copilotVersion": "1.0.34",
                    "startTime": _ts(t),
                    "context": context,
                },
                ev,
            ),
            _copilot_event("session.model_change", t, {"newModel": "claude-sonnet-4.6"}, ev),
        ]
        for segment in range(2 + (s == 1)):
            if segment:
                t += dt.timedelta(hours=1)
                lines.append(_copilot_event("session.resume", t, {"context": context}, ev))
            models = ["claude-sonnet-4.6", "gpt-5.4"] if segment == 0 else ["claude-sonnet-4.6"]
            for _ in range(turns):
                t += dt.timedelta(seconds=rng.randint(5, 90))
                lines.append(_copilot_event("user.message", t, {"content": "fix it"}, ev))
                out = "grep found: session.shutdown in logs\n" * rng.randint(1, 50)
                lines.append(
                    _copilot_event("tool.execution_complete", t, {"result": {"content": out}}, ev)
                )
                lines.append(
                    _copilot_event(
                        "assistant.message", t, {"outputTokens": rng.randint(9, 900)}, ev
                    )
                )
            t += dt.timedelta(seconds=30)
            metrics: dict[str, Any] = {}
            if segment < 2:
                for model in models:
                    cr = rng.randint(0, 200_000)
                    cw = rng.randint(0, 5_000) if model.startswith("claude") else 0
                    inp = cr + cw + rng.randint(100, 40_000)
                    out = rng.randint(100, 9_000)
                    reasoning = rng.randint(0, out) if model.startswith("gpt") else 0
                    usage = {
                        "inputTokens": inp,
                        "outputTokens": out,
                        "cacheReadTokens": cr,
                        "cacheWriteTokens": cw,
                        "reasoningTokens": reasoning,
                    }
                    metrics[model] = {"requests": {"count": 3, "cost": 1}, "usage": usage}
                    exp.add(
                        _ts(t),
                        input_tokens=inp - cr - cw,
                        cache_creation_tokens=cw,
                        cache_read_tokens=cr,
                        output_tokens=out,
                        reasoning_tokens=reasoning,
                    )
                zero = dict.fromkeys(
                    ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"), 0
                )
                metrics["gpt-5-mini"] = {"requests": {"count": 0, "cost": 0}, "usage": zero}
            # The third segment (session 1) was only opened: its shutdown has no metrics.
            data = {"shutdownType": "routine", "modelMetrics": metrics} if metrics else {}
            lines.append(_copilot_event("session.shutdown", t, data, ev))
        _write_lines(folder / "session-state" / sid / "events.jsonl", lines)
    return exp.days


# ------------------------------------------------------------------------------ benchmark


def _parse_all(importer: Any, files: list[Path]) -> Iterator[Any]:
    from tokenworth.core.importers.base import ParseContext

    for path in files:
        ctx = ParseContext(path=path)
        with open(path, "rb") as fp:
            yield from importer.parse(fp, ctx)


def main(argv: list[str] | None = None) -> int:
    """Generate large logs and print each importer's throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="sessions per format")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "desktop"))
    from tokenworth.core.importers.codex import CodexImporter
    from tokenworth.core.importers.copilot_cli import CopilotImporter
    from tokenworth.core.importers.gemini_cli import GeminiImporter

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jobs = [
            (
                "codex",
                CodexImporter(),
                lambda d: gen_codex(d, sessions=args.scale, calls=400, filler=6),
            ),
            (
                "gemini-cli",
                GeminiImporter(),
                lambda d: gen_gemini(d, sessions=args.scale, turns=300),
            ),
            (
                "copilot-cli",
                CopilotImporter(),
                lambda d: gen_copilot(d, sessions=args.scale, turns=300),
            ),
        ]
        for name, importer, gen in jobs:
            folder = root / name
            expected = gen(folder)
            files = sorted(p for p in folder.rglob("*") if p.is_file() and importer.wants(p))
            size = sum(p.stat().st_size for p in files)
            began = time.perf_counter()
            got = day_totals(stored(_parse_all(importer, files)))
            took = time.perf_counter() - began
            status = "ok" if got == expected else "MISMATCH"
            out = io.StringIO()
            out.write(f"{name:12} {len(files):4} files {size / 1e6:8.1f} MB ")
            out.write(f"{took:6.2f} s {size / 1e6 / took:7.1f} MB/s  {status}")
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
