"""Gemini CLI chat recordings: the JSONL log (last write of a message wins) and legacy JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypedDict

from tokenworth.core.importers.base import (
    Importer,
    ParseContext,
    iter_lines,
    load_json_line,
    project_from_cwd,
)
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import normalize_ts

TOOL = "gemini-cli"
_HASH = re.compile(r"[0-9a-f]{64}")
# Legacy copies rank below every JSONL line (ranks there are line numbers, from 1), so a
# session migrated from .json to .jsonl keeps the JSONL rows.
LEGACY_RANK = 0


class TokenCounts(TypedDict):
    """The token fields of a UsageEvent that one Gemini message sets."""

    input_tokens: int
    cache_read_tokens: int
    output_tokens: int
    reasoning_tokens: int


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def normalize_tokens(tokens: Mapping[str, Any]) -> TokenCounts:
    """Gemini's ``TokensSummary`` in Tokenworth's terms.

    ``cached`` is part of ``input`` (promptTokenCount) and becomes cache_read; ``thoughts``
    are billed as output and also kept as reasoning; ``tool`` (toolUsePromptTokenCount)
    is prompt text the model read for tool use, so it is uncached input. The result's
    total equals Gemini's own ``total`` (input + output + thoughts + tool). As ccusage
    does, ``cached`` is taken as separate from ``input`` only when ``total`` proves it.

    Args:
        tokens: A message's ``tokens`` object.

    Returns:
        The UsageEvent token fields (its total is derived from them).
    """
    inp = _int(tokens.get("input"))
    out = _int(tokens.get("output"))
    cached = _int(tokens.get("cached"))
    thoughts = _int(tokens.get("thoughts"))
    tool = _int(tokens.get("tool"))
    total = tokens.get("total")
    inclusive = inp + out + thoughts + tool
    if cached and total == inclusive + cached and total != inclusive:
        uncached = inp  # this record counted cached outside input
    else:
        cached = min(cached, inp)
        uncached = inp - cached
    output = out + thoughts
    if not (uncached or cached or output or tool) and _int(total):
        output = _int(total)  # only a total: keep the tokens rather than drop them
    return TokenCounts(
        input_tokens=uncached + tool,
        cache_read_tokens=cached,
        output_tokens=output,
        reasoning_tokens=thoughts,
    )


class GeminiImporter(Importer):
    """Gemini CLI recordings under ``~/.gemini/tmp/<projectHash>/chats/``.

    ``session-*.jsonl`` is append-only: a metadata line, then message records; a message
    is written again in full whenever it changes, so its dedup key is the session and
    message id and its rank is the line number (the last write wins, across incremental
    reads too). ``{"$set": …}`` records are metadata (they can hold a full copy of the
    history, never counted) and ``{"$rewindTo": …}`` only hides messages whose tokens were
    billed anyway. A legacy ``session-*.json`` holds one whole ``ConversationRecord`` and
    is read whole.

    State kept in ``ctx.state``: ``session`` (from the first metadata line),
    ``project_hash``, ``directory`` (first workspace directory), ``kind``, and ``legacy``.
    """

    name: ClassVar[str] = "gemini-cli"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = True
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".json")

    def default_roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """``${GEMINI_DATA_DIR:-~/.gemini/tmp}``; recordings are in ``*/chats/``."""
        if env.get("GEMINI_DATA_DIR"):
            return [Path(env["GEMINI_DATA_DIR"]).expanduser()]
        return [home / ".gemini" / "tmp"]

    def wants(self, path: Path) -> bool:
        """A ``.json``/``.jsonl`` file inside a ``chats`` folder (other tmp files are not)."""
        return path.name.endswith(self.suffixes) and "chats" in path.parts[:-1]

    def is_incremental(self, state: Mapping[str, Any]) -> bool:
        """JSONL recordings grow by appends; a legacy JSON record is rewritten in place."""
        return not state.get("legacy")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for a metadata first line or a whole ConversationRecord."""
        body = head.lstrip()
        if not body.startswith(b"{"):
            return 0.0
        first, sep, _ = body.partition(b"\n")
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            if "sessionId" in obj and "projectHash" in obj:
                return 0.95
            return 0.0
        if not sep and len(head) < 4096:
            return 0.0  # one short invalid line
        # A pretty-printed legacy record: the keys come first, messages after them.
        keys = re.findall(rb'^\s{0,4}"(\w+)"\s*:', body[:4096], re.MULTILINE)
        if b"sessionId" in keys and b"projectHash" in keys and b"messages" in keys:
            return 0.9
        return 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield one event per gemini message with tokens (every write of it)."""
        if ctx.offset == 0:
            ctx.state.clear()  # a read from byte 0 rebuilds the state from the file
            start = fp.tell()
            head = fp.read(1 << 16)
            fp.seek(start)
            ctx.state["legacy"] = _looks_legacy(head)
        if ctx.state.get("legacy"):
            yield from self._parse_legacy(fp, ctx)
        else:
            yield from self._parse_jsonl(fp, ctx)

    def _parse_jsonl(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        st = ctx.state
        for lineno, raw in iter_lines(fp, ctx):
            if raw.lstrip().startswith(b'{"$'):
                # {"$set":{"lastUpdated":"2026-04-23T12:53:02.597Z"}} or {"$rewindTo":"<id>"};
                # a $set can carry the whole history, whose tokens are copies: never counted.
                if b'"directories"' in raw:
                    obj = load_json_line(raw, lineno, ctx)
                    update = obj.get("$set") if isinstance(obj, dict) else None
                    if isinstance(update, dict):
                        _take_directories(st, update.get("directories"))
                continue
            # Only the metadata line and gemini messages with tokens matter; user, info and
            # tool-result lines (most of the bytes) are not decoded.
            if b'"tokens"' not in raw and b'"sessionId"' not in raw:
                continue
            obj = load_json_line(raw, lineno, ctx)
            if obj is None:
                continue
            if not isinstance(obj, dict):
                ctx.issue(lineno, "not a JSON object")
                continue
            if "id" not in obj:
                # {"sessionId":"0ab84937-…","projectHash":"9da8b3df…","startTime":"…",
                #  "lastUpdated":"…","kind":"main"}
                if "sessionId" in obj and "projectHash" in obj:
                    _take_metadata(st, obj)
                continue
            # {"id":"52e62e67-…","timestamp":"2026-04-23T12:53:11.257Z","type":"gemini",
            #  "content":"…","thoughts":[…],"tokens":{"input":13906,"output":185,"cached":0,
            #  "thoughts":306,"tool":0,"total":14397},"model":"gemini-3-flash-preview"}
            event = self._event(obj, ctx, rank=lineno, lineno=lineno)
            if event is not None:
                yield event

    def _parse_legacy(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        # A legacy file is rewritten in place, so it is always read whole, from byte 0.
        fp.seek(0)
        data = fp.read()
        # {"sessionId":"eefc44a3-…","projectHash":"ab14fe39…","startTime":"…",
        #  "lastUpdated":"…","messages":[{"id":"…","type":"gemini","tokens":{…},…},…]}
        try:
            record = json.loads(data)
        except ValueError as err:
            # Often a file caught mid-rewrite: nothing is consumed, the next import retries.
            if isinstance(err, json.JSONDecodeError):
                ctx.issue(err.lineno, f"not valid JSON ({err.msg})")
            else:
                ctx.issue(None, "not valid UTF-8 JSON")
            return
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
            ctx.issue(None, "not a Gemini conversation record (no messages list)")
            return
        ctx.state.pop("session", None)
        _take_metadata(ctx.state, record)
        ctx.consumed = len(data)
        ctx.line = data.count(b"\n")
        for message in record["messages"]:
            if isinstance(message, dict) and "id" in message:
                event = self._event(message, ctx, rank=LEGACY_RANK, lineno=None)
                if event is not None:
                    yield event

    def _event(
        self, msg: Mapping[str, Any], ctx: ParseContext, *, rank: int, lineno: int | None
    ) -> UsageEvent | None:
        tokens = msg.get("tokens")
        if not isinstance(tokens, dict):
            return None  # tokens: null until recordMessageTokens attaches them
        if msg.get("type", "gemini") != "gemini":
            return None
        st = ctx.state
        raw_ts = msg.get("timestamp") or st.get("updated")
        try:
            ts = normalize_ts(str(raw_ts))
        except ValueError:
            ctx.issue(lineno, "gemini message without a valid timestamp")
            return None
        counts = normalize_tokens(tokens)
        if not any(counts.values()):
            return None
        session = st.get("session") or _session_from_name(ctx.path)
        model = msg.get("model")
        directory = st.get("directory")
        return UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key=f"{TOOL}:{_owner_session(ctx.path, st, session)}",
            dedup_key=f"{TOOL}:{session}:{msg['id']}",
            dedup_rank=rank,
            model=model if isinstance(model, str) else None,
            project=_project(ctx.path, st),
            cwd=directory,
            **counts,
        )


def _looks_legacy(head: bytes) -> bool:
    """True for a whole-record JSON file, False for a JSONL recording."""
    body = head.lstrip()
    first = body.split(b"\n", 1)[0]
    try:
        obj = json.loads(first)
    except ValueError:
        return body.startswith(b"{")  # a pretty-printed record spans many lines
    return isinstance(obj, dict) and isinstance(obj.get("messages"), list)


def _take_metadata(st: dict[str, Any], obj: Mapping[str, Any]) -> None:
    if not st.get("session") and isinstance(obj.get("sessionId"), str):
        st["session"] = obj["sessionId"]
    if isinstance(obj.get("projectHash"), str):
        st["project_hash"] = obj["projectHash"]
    if isinstance(obj.get("kind"), str):
        st["kind"] = obj["kind"]
    updated = obj.get("lastUpdated") or obj.get("startTime")
    if isinstance(updated, str):
        st["updated"] = updated
    _take_directories(st, obj.get("directories"))


def _take_directories(st: dict[str, Any], dirs: Any) -> None:
    if isinstance(dirs, list) and dirs and isinstance(dirs[0], str) and dirs[0]:
        st["directory"] = dirs[0]


def _session_from_name(path: Path) -> str:
    """``session-2026-04-23T12-52-0ab84937.jsonl`` -> its stem (only when metadata is missing)."""
    return path.stem


def _owner_session(path: Path, st: Mapping[str, Any], session: str) -> str:
    """The session the events roll up into: a subagent's parent (its folder's name)."""
    if st.get("kind") == "subagent" and path.parent.name not in ("chats", ""):
        return path.parent.name
    return session


def _project(path: Path, st: Mapping[str, Any]) -> str | None:
    """The workspace folder's name, else the project folder's slug, else the short hash."""
    directory = st.get("directory")
    if directory:
        return project_from_cwd(directory)
    parts = path.parts
    if "chats" in parts[:-1]:
        index = len(parts) - 1 - parts[::-1].index("chats")
        if index > 0 and not _HASH.fullmatch(parts[index - 1]):
            return parts[index - 1]
    project_hash = st.get("project_hash")
    return project_hash[:8] if isinstance(project_hash, str) and project_hash else None
