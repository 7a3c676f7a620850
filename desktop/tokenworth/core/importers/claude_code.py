"""Claude Code session logs (``~/.claude/projects/<project>/<session>.jsonl``)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from tokenworth.core.importers.base import (
    Importer,
    ParseContext,
    iter_lines_with,
    load_json_line,
    project_from_cwd,
)
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import normalize_ts

TOOL = "claude-code"
KEY_PREFIX = "claude-code:"

# dedup_rank layout: a line from the main conversation (isSidechain false or absent) beats
# a sidechain replay of the same message whatever the sizes (FORMATS.md a, quirk 3); then
# the larger input+cache+output wins (streaming, quirk 1); on a tie the line that has
# usage.speed wins, as in ccusage. Token totals stay far below 2**49.
_MAIN_BIT = 1 << 50
_SPEED_BIT = 1

# "assistant" is rarer than "usage" outside billed lines (Task results carry a "usage").
_NEEDLES = (b'"assistant"',)

# Line types that only Claude Code writes (with the JSON spacing Node's JSON.stringify uses,
# or with a space after the colon for files that were re-serialized).
_TYPE_RE = re.compile(
    rb'"type"\s*:\s*"(assistant|user|system|progress|summary|file-history-snapshot|'
    rb'queue-operation)"'
)


def _tokens(value: Any) -> int:
    """A token count from JSON: null, a negative, a bool or a string count as 0."""
    if type(value) is int:
        return value if value > 0 else 0
    if type(value) is float and value > 0:
        return int(value)
    return 0


def _cost(value: Any) -> float | None:
    """``costUSD`` as a float, or None when absent, null or not a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _text(value: Any) -> str | None:
    """A non-empty string field, or None (nulls and other types are tolerated)."""
    return value if type(value) is str and value else None


def _timestamp(value: Any) -> str | None:
    """The stored form of a line's timestamp, or None when it is missing or unreadable."""
    if type(value) is not str:
        return None
    # Claude Code already writes the stored form ("2026-02-11T20:36:47.925Z"): pass it on.
    if (
        len(value) == 24
        and value[23] == "Z"
        and value[19] == "."
        and value[10] == "T"
        and value[4] == "-"
        and value[13] == ":"
    ):
        return value
    try:
        return normalize_ts(value)
    except ValueError:
        return None


def session_from_path(path: Path) -> str:
    """The session id a file name implies: the stem, or the parent session of a subagent file.

    Lines carry ``sessionId`` themselves; this is only the fallback for lines without one.
    """
    if path.parent.name == "subagents" and path.parent.parent.name:
        return path.parent.parent.name
    return path.stem


class ClaudeCodeImporter(Importer):
    """Reads the JSONL transcripts Claude Code appends to while a session runs.

    Only top-level ``type == "assistant"`` lines with ``message.usage`` are billed calls.
    One API response spans several lines (one per content block) sharing ``message.id``,
    the ``dedup_key``. A read yields the best line of each response it saw, and the journal
    keeps the highest ``dedup_rank`` over all reads and files: the final, largest output,
    so a response cut by an import in mid-stream is completed by the next one, and a
    sidechain replay of it never wins. ``progress`` lines that embed copies of subagent
    messages are ignored: the subagent's own file under ``<session>/subagents/`` is read
    instead, and its lines carry the parent's ``sessionId`` so they roll up into the parent
    session.
    """

    name = "claude-code"
    tool = TOOL
    incremental = True
    suffixes = (".jsonl",)

    def sniff(self, path: Path, head: bytes) -> float:
        """Score the first bytes: Claude Code's line types and thread fields, not the name."""
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{"):
            return 0.0
        has_session = b'"sessionId"' in text
        # Every conversation line starts with these thread fields, before its (possibly
        # huge) message: enough even when the head holds only part of one line.
        if has_session and b'"parentUuid"' in text and b'"isSidechain"' in text:
            return 0.95
        types = {m.group(1) for m in _TYPE_RE.finditer(text)}
        if types & {b"file-history-snapshot", b"queue-operation"}:
            return 0.85
        if b'"leafUuid"' in text and b"summary" in types:
            return 0.8  # older versions start some files with summary lines only
        if has_session and b'"uuid"' in text and types & {b"assistant", b"user", b"progress"}:
            return 0.7
        return 0.0

    def default_roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """``CLAUDE_CONFIG_DIR`` entries, then ``~/.config/claude`` and ``~/.claude`` projects.

        ``CLAUDE_CONFIG_DIR`` may list several comma-separated folders; each is a config
        folder holding ``projects/`` or the ``projects/`` folder itself. Unlike ccusage we
        also keep the default folders when it is set: older logs may still live there, and
        the dedup keys make reading a file twice harmless.
        """
        roots: list[Path] = []
        for raw in (env.get("CLAUDE_CONFIG_DIR") or "").split(","):
            entry = raw.strip()
            if not entry:
                continue
            if entry == "~" or entry.startswith(("~/", "~\\")):
                folder = home / entry[2:] if len(entry) > 1 else home
            else:
                folder = Path(entry)
            if not (folder / "projects").is_dir() and folder.name == "projects":
                roots.append(folder)
            else:
                roots.append(folder / "projects")
        xdg = env.get("XDG_CONFIG_HOME")
        config = Path(xdg) if xdg else home / ".config"
        roots.append(config / "claude" / "projects")
        roots.append(home / ".claude" / "projects")
        out: list[Path] = []
        seen: set[str] = set()
        for root in roots:
            key = os.path.normpath(root)
            if key not in seen:
                seen.add(key)
                out.append(root)
        return out

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield one event per billed response seen in the new lines (its best line so far).

        Lines of one response are collapsed here already (the best line per ``message.id``
        wins, as in the journal), so a file yields each response once per read.
        """
        fallback_session = session_from_path(Path(ctx.path))
        best: dict[str, tuple[int, UsageEvent]] = {}
        take = self._take
        # Fast path: most bytes are tool results, hook/bash progress and snapshots. Only
        # a line that names both "assistant" and "usage" can be a billed call: the chunk
        # search skips the rest without making Python objects of them, and lines are
        # JSON-parsed only when they have both.
        for lineno, raw in iter_lines_with(fp, ctx, _NEEDLES):
            if b'"usage"' not in raw:
                continue
            obj = load_json_line(raw, lineno, ctx)
            if obj is not None:
                take(obj, raw, lineno, ctx, fallback_session, best)
        for _rank, event in best.values():
            yield event

    # A real line (spotter sample 258c7280…, content shortened):
    # {"parentUuid":"1a2252ee-…","isSidechain":false,"userType":"external",
    #  "cwd":"/home/USER/projects/spotter-worktrees/spotter-gqc","sessionId":"258c7280-…",
    #  "version":"2.1.39","gitBranch":"spotter-gqc","message":{"model":"claude-opus-4-6",
    #  "id":"msg_01EEiRWuVvwAmenNJXZcerPY","type":"message","role":"assistant","content":[…],
    #  "stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,
    #  "cache_creation_input_tokens":8037,"cache_read_input_tokens":17842,
    #  "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":8037},
    #  "output_tokens":10,"service_tier":"standard","inference_geo":"not_available"}},
    #  "requestId":"req_011CY2vXjEarsCbh9bG1N7Yz","type":"assistant","uuid":"805e777b-…",
    #  "timestamp":"2026-02-11T20:36:47.925Z"}
    def _take(
        self,
        obj: Any,
        raw: bytes,
        lineno: int,
        ctx: ParseContext,
        fallback_session: str,
        best: dict[str, tuple[int, UsageEvent]],
    ) -> None:
        """Keep one parsed line in ``best`` unless a better line of its response is there."""
        # progress lines (data.message.message.usage copies of subagent calls) stop here.
        if type(obj) is not dict or obj.get("type") != "assistant":
            return
        message = obj.get("message")
        if type(message) is not dict:
            return
        usage = message.get("usage")
        if type(usage) is not dict or not usage:
            return  # "usage": null or {} (seen in real files): nothing billed
        # Counts are ints in every real file; _tokens() tolerates nulls and odd types.
        input_tokens = usage.get("input_tokens")
        if type(input_tokens) is not int or input_tokens < 0:
            input_tokens = _tokens(input_tokens)
        output_tokens = usage.get("output_tokens")
        if type(output_tokens) is not int or output_tokens < 0:
            output_tokens = _tokens(output_tokens)
        cache_read = usage.get("cache_read_input_tokens")
        if type(cache_read) is not int or cache_read < 0:
            cache_read = _tokens(cache_read)
        # Newer versions split cache writes by lifetime; ccusage prefers the split.
        split = usage.get("cache_creation")
        cache_1h = 0
        if type(split) is dict and (
            "ephemeral_5m_input_tokens" in split or "ephemeral_1h_input_tokens" in split
        ):
            cache_1h = _tokens(split.get("ephemeral_1h_input_tokens"))
            cache_creation = _tokens(split.get("ephemeral_5m_input_tokens")) + cache_1h
        else:
            cache_creation = _tokens(usage.get("cache_creation_input_tokens"))
        total = input_tokens + cache_creation + cache_read + output_tokens
        if total == 0:
            return  # locally generated error messages (model "<synthetic>") bill nothing
        ts = _timestamp(obj.get("timestamp"))
        if ts is None:
            ctx.issue(lineno, "an assistant line without a readable timestamp; skipped")
            return
        session = _text(obj.get("sessionId")) or fallback_session
        message_id = _text(message.get("id"))
        if message_id is not None:
            dedup_key = KEY_PREFIX + message_id
        else:
            line_id = _text(obj.get("uuid"))
            if line_id is not None:
                dedup_key = f"{KEY_PREFIX}{session}:{line_id}"
            else:
                digest = hashlib.blake2b(raw.strip(), digest_size=16).hexdigest()
                dedup_key = f"{KEY_PREFIX}line:{digest}"
        rank = total << 1
        if obj.get("isSidechain") is not True:
            rank |= _MAIN_BIT
        # usage.speed ("standard" or "fast") marks fast mode, which ccusage prices with a
        # multiplier and reports as "<model>-fast". We record the model exactly as logged
        # and the speed beside it. A line that has it wins a tie, as in ccusage.
        speed = usage.get("speed")
        if speed:
            rank |= _SPEED_BIT
        kept = best.get(dedup_key)
        if kept is not None and kept[0] >= rank:
            return  # an earlier line of this response was as large (streaming, quirk 1)
        cwd = _text(obj.get("cwd"))
        best[dedup_key] = (
            rank,
            UsageEvent(
                tool=TOOL,
                ts=ts,
                session_key=KEY_PREFIX + session,
                dedup_key=dedup_key,
                model=_text(message.get("model")),
                input_tokens=input_tokens,
                cache_creation_tokens=cache_creation,
                cache_read_tokens=cache_read,
                output_tokens=output_tokens,
                total_tokens=total,
                cost_usd=_cost(obj.get("costUSD")),  # only older versions (1.0.x) wrote it
                project=project_from_cwd(cwd),
                cwd=cwd,
                git_branch=_text(obj.get("gitBranch")),
                dedup_rank=rank,
                cache_creation_1h_tokens=cache_1h,
                speed="fast" if speed == "fast" else None,
            ),
        )
