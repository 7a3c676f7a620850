"""Codex CLI rollout logs: one event per call, from deltas of the cumulative token count."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from tokenworth.core.importers.base import (
    Importer,
    ParseContext,
    iter_lines,
    load_json_line,
    project_from_cwd,
)
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import normalize_ts, parse_ts

TOOL = "codex"

# The order of a usage tuple everywhere in this module (Codex's own key names).
USAGE_KEYS = (
    "input_tokens",  # includes cached_input_tokens
    "cached_input_tokens",
    "output_tokens",  # includes reasoning_output_tokens
    "reasoning_output_tokens",
    "total_tokens",  # input_tokens + output_tokens
)
_ITEM_TYPES = frozenset(
    {"session_meta", "response_item", "turn_context", "event_msg", "compacted"}
    | {"inter_agent_communication", "world_state"}
)
_SESSION_UUID = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$", re.IGNORECASE
)

# Dedup rank: a copy of a call in a fork or subagent file loses to the original in the
# root session's file whichever file is imported first (the store keeps the larger rank).
RANK_ROOT = 1
RANK_COPY = 0
RANK_WITHDRAWN = 2  # replaces a snapshot counted too early, see _Parser.count
# Snapshots of a subagent's replay burst are written together; real calls are further apart.
BURST_GAP_S = 1.0


def _usage(obj: Any) -> list[int] | None:
    """The five counters of a TokenUsage object, or None when it is not one."""
    if not isinstance(obj, dict):
        return None
    out = []
    for key in USAGE_KEYS:
        value = obj.get(key, 0)
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        out.append(int(value))
    return out


def _model_of(payload: Mapping[str, Any]) -> str | None:
    """The model named in a turn_context (or token_count) payload, if any."""
    model = payload.get("model")
    if isinstance(model, str) and model:
        return model
    settings = (payload.get("collaboration_mode") or {}).get("settings") or {}
    model = settings.get("model") if isinstance(settings, dict) else None
    if isinstance(model, str) and model:
        return model
    info = payload.get("info")
    if isinstance(info, dict):
        model = info.get("model")
        if isinstance(model, str) and model:
            return model
    return None


def _is_spawned_subagent(meta: Mapping[str, Any]) -> bool:
    """True for a ``thread_spawn`` subagent session (its file may replay the parent's usage)."""
    source = meta.get("source")
    if isinstance(source, dict):
        sub = source.get("subagent") or source.get("subAgent")
        if isinstance(sub, dict) and ("thread_spawn" in sub or "threadSpawn" in sub):
            return True
    return False


def dedup_key(ts: str, model: str | None, delta: list[int]) -> str:
    """The content key ccusage dedups Codex calls on: (timestamp, model, usage delta).

    Forked and subagent files copy the parent's ``token_count`` lines with their
    timestamps, so a copied call gets the same key as the original and is stored once.

    Args:
        ts: The call's time stamp in stored form.
        model: The model, or None.
        delta: The call's five raw counters, in ``USAGE_KEYS`` order.

    Returns:
        ``codex:`` and a SHA-1 of the three.
    """
    text = json.dumps([ts, model, delta], separators=(",", ":"))
    return "codex:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class CodexImporter(Importer):
    """OpenAI Codex CLI ``rollout-*.jsonl`` session logs.

    Each ``token_count`` event carries the session's cumulative ``total_token_usage``;
    one call's usage is the difference from the previous total, and a re-emitted event
    with unchanged totals (every call in 0.104) adds nothing. Parser state kept in
    ``ctx.state`` between incremental reads:

    - ``session``, ``cwd``, ``branch``, ``rank``: from the file's first ``session_meta``.
    - ``model``: the latest ``turn_context`` model.
    - ``prev``: the last cumulative total (five counters, ``USAGE_KEYS`` order).
    - ``fork``: the file says it was forked from another session.
    - ``burst``: replay detection of a spawned subagent, see ``_Parser.count``.
    """

    name: ClassVar[str] = "codex"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = True
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl",)

    def default_roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """``${CODEX_HOME:-~/.codex}/sessions`` and ``archived_sessions``."""
        base = Path(env["CODEX_HOME"]).expanduser() if env.get("CODEX_HOME") else home / ".codex"
        return [base / "sessions", base / "archived_sessions"]

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the first line is a ``session_meta`` item; fairly sure for rollout items."""
        # The first line can be longer than the head (long base instructions): no json.loads.
        first = head.lstrip().split(b"\n", 1)[0]
        if (
            first.startswith(b"{")
            and b'"payload"' in first
            and re.search(rb'"type"\s*:\s*"session_meta"', first)
        ):
            return 0.95
        hits = 0
        for raw in head.split(b"\n")[:-1][:20]:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                return 0.0
            if not (
                isinstance(obj, dict)
                and obj.get("type") in _ITEM_TYPES
                and "payload" in obj
                and "timestamp" in obj
            ):
                return 0.0
            hits += 1
        return 0.8 if hits else 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield one event per advancing ``token_count`` from the stream's position on."""
        if ctx.offset == 0:
            ctx.state.clear()  # a read from byte 0 rebuilds the state from the file
        parser = _Parser(ctx)
        for lineno, raw in iter_lines(fp, ctx):
            # Cheap test first: most lines are response items that cannot carry usage.
            if not (
                b'"token_count"' in raw or b'"turn_context"' in raw or b'"session_meta"' in raw
            ):
                continue
            obj = load_json_line(raw, lineno, ctx)
            if obj is None:
                continue
            if not isinstance(obj, dict):
                ctx.issue(lineno, "not a JSON object")
                continue
            yield from parser.line(obj, lineno)
        yield from parser.finish()


class _Parser:
    """The state machine of one parse call; everything that must survive is in ctx.state."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.state.setdefault("prev", None)
        self.state.setdefault("model", None)

    # {"timestamp":"…","type":"session_meta","payload":{"id":"019c8a4c-…","cwd":"/…",
    #  "originator":"Codex Desktop","cli_version":"0.104.0-alpha.1","git":{"branch":"main",…}}}
    def _session_meta(self, payload: Mapping[str, Any]) -> None:
        st = self.state
        if st.get("session"):
            return  # a fork can embed its parent's session_meta later in the file
        sid = payload.get("id")
        st["session"] = sid if isinstance(sid, str) and sid else self._fallback_session()
        cwd = payload.get("cwd")
        st["cwd"] = cwd if isinstance(cwd, str) and cwd else st.get("cwd")
        git = payload.get("git")
        branch = git.get("branch") if isinstance(git, dict) else None
        st["branch"] = branch if isinstance(branch, str) and branch else None
        forked = bool(payload.get("forked_from_id"))
        spawned = _is_spawned_subagent(payload)
        st["fork"] = forked
        st["rank"] = RANK_COPY if (forked or spawned) else RANK_ROOT
        if spawned and st.get("prev") is None:
            st["burst"] = {"phase": "open"}

    def _fallback_session(self) -> str:
        match = _SESSION_UUID.search(self.ctx.path.name)
        return match.group(1) if match else self.ctx.path.stem

    def line(self, obj: Mapping[str, Any], lineno: int) -> Iterator[UsageEvent]:
        """Handle one parsed line; yield the events it completes."""
        kind = obj.get("type")
        payload = obj.get("payload")
        if not isinstance(payload, dict):
            return
        if kind == "session_meta":
            self._session_meta(payload)
            return
        if kind == "turn_context":
            # {"timestamp":"…","type":"turn_context","payload":{"turn_id":"…","cwd":"/…",
            #  "model":"gpt-5.3-codex","collaboration_mode":{"settings":{"model":…}},…}}
            model = _model_of(payload)
            if model:
                self.state["model"] = model
            if not self.state.get("cwd") and isinstance(payload.get("cwd"), str):
                self.state["cwd"] = payload["cwd"]
            return
        if kind != "event_msg" or payload.get("type") != "token_count":
            return
        # {"timestamp":"2026-02-23T11:40:47.627Z","type":"event_msg","payload":{"type":
        #  "token_count","info":{"total_token_usage":{"input_tokens":36446,
        #  "cached_input_tokens":6912,"output_tokens":597,"reasoning_output_tokens":240,
        #  "total_tokens":37043},"last_token_usage":{…},"model_context_window":258400},…}}
        info = payload.get("info")
        if info is None:
            return  # the first token_count of a session carries rate limits only
        if not isinstance(info, dict):
            self.ctx.issue(lineno, "token_count info is not an object")
            return
        total = _usage(info.get("total_token_usage"))
        last = _usage(info.get("last_token_usage"))
        if total is None and last is None:
            self.ctx.issue(lineno, "token_count without a usable token usage")
            return
        try:
            ts = normalize_ts(str(obj.get("timestamp")))
        except ValueError:
            ts = None
        yield from self.count(ts, total, last, _model_of(payload), lineno)

    def count(
        self,
        ts: str | None,
        total: list[int] | None,
        last: list[int] | None,
        model: str | None,
        lineno: int,
    ) -> Iterator[UsageEvent]:
        """Turn one cumulative snapshot into the call it adds, if any.

        A spawned subagent's file may start with a burst replaying the parent's usage
        re-stamped to its creation time (ccusage #950/#1218). As ccusage does, when the
        first two advancing snapshots are less than a second apart they are copies, and so
        is every following one less than a second after the previous copy. Real calls are
        seconds apart (at least 2.2 s in the localpush sample): each is a model round trip.
        The first snapshot is held back (``state["burst"]["held"]``) until the second one
        decides; if the bytes end first it is counted, and withdrawn again should the next
        read prove it a copy (``_withdrawn``).
        """
        st = self.state
        prev: list[int] | None = st.get("prev")
        if total is not None and total == prev:
            return  # re-emitted with unchanged totals
        if total is None:
            delta = last
        elif prev is None:
            delta = total
            # A fork that inherits its parent's counter without replaying it: its first
            # snapshot holds the parent's total, but last_token_usage is this call.
            if st.get("fork") and last is not None and last != total:
                delta = last
        else:
            delta = [a - b for a, b in zip(total, prev, strict=True)]
            if any(d < 0 for d in delta):  # the counter was reset
                delta = last if last is not None else total
        if total is not None:
            st["prev"] = total
        assert delta is not None
        model = model or st.get("model")
        burst = st.get("burst")
        if burst is not None and burst.get("phase") != "done" and ts is not None:
            at = parse_ts(ts).timestamp()
            near = "at" in burst and abs(at - burst["at"]) < BURST_GAP_S
            if near and burst["phase"] == "open":  # a second snapshot right away: a replay
                burst["phase"] = "skip"
                burst.pop("held", None)
                released = burst.pop("released", None)
                if released:
                    yield self._withdrawn(*released)
            if burst["phase"] == "skip":
                if near:
                    burst["at"] = at
                    return
                burst["phase"] = "done"
            elif "held" not in burst and "released" not in burst:
                burst.update(at=at, held=[ts, model, delta])
                return
            else:  # far from the first snapshot: both are real calls
                burst["phase"] = "done"
                burst.pop("released", None)
                yield from self._release_held()
        if ts is None:
            self.ctx.issue(lineno, "token_count without a valid timestamp")
            return
        event = self._event(ts, model, delta)
        if event is not None:
            yield event

    def _release_held(self) -> Iterator[UsageEvent]:
        burst = self.state.get("burst")
        if not burst or "held" not in burst:
            return
        ts, model, delta = burst.pop("held")
        event = self._event(ts, model, delta)
        if event is None:
            burst["phase"] = "done"
            return
        if burst["phase"] == "open":
            burst["released"] = [event.ts, event.model, event.dedup_key]
        yield event

    def _withdrawn(self, ts: str, model: str | None, key: str) -> UsageEvent:
        """A zero copy of a released snapshot that replaces it: it was part of a replay."""
        st = self.state
        cwd = st.get("cwd")
        return UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key=f"codex:{st.get('session') or self._fallback_session()}",
            dedup_key=key,
            dedup_rank=RANK_WITHDRAWN,
            model=model,
            project=project_from_cwd(cwd),
            cwd=cwd,
            git_branch=st.get("branch"),
        )

    def finish(self) -> Iterator[UsageEvent]:
        """End of the bytes available now: a lone held snapshot is, so far, a real call."""
        yield from self._release_held()

    def _event(self, ts: str, model: str | None, delta: list[int]) -> UsageEvent | None:
        inp, cached, out, reasoning, _total = delta
        if inp == 0 and cached == 0 and out == 0 and reasoning == 0:
            return None
        cached = max(0, min(cached, inp))
        st = self.state
        session = st.get("session") or self._fallback_session()
        cwd = st.get("cwd")
        return UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key=f"codex:{session}",
            dedup_key=dedup_key(ts, model, delta),
            dedup_rank=st.get("rank", RANK_ROOT),
            model=model,
            input_tokens=max(0, inp - cached),
            cache_read_tokens=cached,
            output_tokens=max(0, out),
            reasoning_tokens=max(0, reasoning),
            project=project_from_cwd(cwd),
            cwd=cwd,
            git_branch=st.get("branch"),
        )
