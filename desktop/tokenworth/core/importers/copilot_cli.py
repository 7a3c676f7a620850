"""GitHub Copilot CLI session events: per-model totals written at each session shutdown."""

from __future__ import annotations

import json
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

TOOL = "copilot-cli"


class TokenCounts(TypedDict):
    """The token fields of a UsageEvent that one model's shutdown metrics set."""

    input_tokens: int
    cache_creation_tokens: int
    cache_read_tokens: int
    output_tokens: int
    reasoning_tokens: int


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def normalize_usage(usage: Mapping[str, Any]) -> TokenCounts:
    """One model's ``modelMetrics.<model>.usage`` in Tokenworth's terms.

    ``inputTokens`` covers all input, cached included, and ``outputTokens`` all output,
    reasoning included (github/copilot-sdk#1160; the real sample agrees: its six requests
    of at most 35k context cannot hold 187k uncached plus 152k cached). Cache writes are
    assumed to be inside ``inputTokens`` too, like cache reads.

    Args:
        usage: The ``usage`` object of one model in ``modelMetrics``.

    Returns:
        The UsageEvent token fields (its total is derived from them).
    """
    inp = _int(usage.get("inputTokens"))
    cache_read = _int(usage.get("cacheReadTokens"))
    cache_write = _int(usage.get("cacheWriteTokens"))
    cache_read = min(cache_read, inp)
    cache_write = min(cache_write, inp - cache_read)
    return TokenCounts(
        input_tokens=inp - cache_read - cache_write,
        cache_creation_tokens=cache_write,
        cache_read_tokens=cache_read,
        output_tokens=_int(usage.get("outputTokens")),
        reasoning_tokens=_int(usage.get("reasoningTokens")),
    )


class CopilotImporter(Importer):
    """``~/.copilot/session-state/<sessionId>/events.jsonl`` of the Copilot CLI.

    Token counts exist only in ``session.shutdown`` (``data.modelMetrics``), one block per
    model. A resumed session appends to the same file and writes another shutdown whose
    metrics cover only the new segment (they restart at every resume), so every shutdown
    counts: one event per shutdown and model, keyed by session, shutdown id and model.
    ``session.start`` gives the session id, folder and branch (kept in ``ctx.state`` as
    ``session``, ``cwd``, ``branch``).
    """

    name: ClassVar[str] = "copilot-cli"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = True
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl",)

    def default_roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """``${COPILOT_HOME:-~/.copilot}/session-state``."""
        base = Path(env["COPILOT_HOME"]).expanduser() if env.get("COPILOT_HOME") else None
        return [(base or home / ".copilot") / "session-state"]

    def wants(self, path: Path) -> bool:
        """Only ``events.jsonl`` files."""
        return path.name == "events.jsonl"

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for a ``session.start`` first line; fairly sure for dotted event types."""
        lines = head.lstrip().split(b"\n")
        complete = lines[:-1] if len(lines) > 1 else lines
        seen = 0
        for raw in complete[:20]:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                break  # a long line cut by the head, or not JSON
            if not (
                isinstance(obj, dict)
                and isinstance(obj.get("type"), str)
                and "." in obj["type"]
                and isinstance(obj.get("data"), dict)
                and "id" in obj
                and "timestamp" in obj
            ):
                return 0.0
            if seen == 0 and obj["type"] == "session.start":
                return 0.95
            seen += 1
        return 0.8 if seen else 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield one event per model of each ``session.shutdown`` from the stream's position."""
        if ctx.offset == 0:
            ctx.state.clear()  # a read from byte 0 rebuilds the state from the file
        st = ctx.state
        for lineno, raw in iter_lines(fp, ctx):
            # Tool output lines can be large: decode only the session lifecycle events.
            if not (
                b'"session.start"' in raw
                or b'"session.shutdown"' in raw
                or b'"session.resume"' in raw
            ):
                continue
            obj = load_json_line(raw, lineno, ctx)
            if obj is None:
                continue
            if not isinstance(obj, dict):
                ctx.issue(lineno, "not a JSON object")
                continue
            kind = obj.get("type")
            data = obj.get("data")
            if not isinstance(data, dict):
                continue
            if kind in ("session.start", "session.resume"):
                # {"type":"session.start","data":{"sessionId":"96ef38f0-…","copilotVersion":
                #  "1.0.34","startTime":"…","context":{"cwd":"/home/…","gitRoot":"/home/…",
                #  "branch":"refactor/…",…}},"id":"283a7691-…","timestamp":"…","parentId":null}
                sid = data.get("sessionId")
                if isinstance(sid, str) and sid and not st.get("session"):
                    st["session"] = sid
                context = data.get("context")
                if isinstance(context, dict):
                    if isinstance(context.get("cwd"), str) and context["cwd"]:
                        st["cwd"] = context["cwd"]
                    if isinstance(context.get("branch"), str) and context["branch"]:
                        st["branch"] = context["branch"]
            elif kind == "session.shutdown":
                yield from self._shutdown(obj, data, lineno, ctx)

    def _shutdown(
        self, obj: Mapping[str, Any], data: Mapping[str, Any], lineno: int, ctx: ParseContext
    ) -> Iterator[UsageEvent]:
        # {"type":"session.shutdown","data":{"shutdownType":"routine","totalPremiumRequests":2,
        #  "modelMetrics":{"claude-sonnet-4.6":{"requests":{"count":6,"cost":2},"usage":{
        #  "inputTokens":186809,"outputTokens":2848,"cacheReadTokens":151738,
        #  "cacheWriteTokens":0,"reasoningTokens":0}}},…},"id":"96d76fb5-…","timestamp":"…"}
        metrics = data.get("modelMetrics")
        if metrics is None:
            return  # a shutdown without metrics (e.g. a session opened only to be read)
        if not isinstance(metrics, dict):
            ctx.issue(lineno, "session.shutdown modelMetrics is not an object")
            return
        try:
            ts = normalize_ts(str(obj.get("timestamp")))
        except ValueError:
            ctx.issue(lineno, "session.shutdown without a valid timestamp")
            return
        st = ctx.state
        # The folder is named after the session: the fallback when session.start is missing.
        session = st.get("session") or ctx.path.parent.name or ctx.path.stem
        shutdown_id = obj.get("id") or f"line{lineno}"
        cwd = st.get("cwd")
        for model, metric in metrics.items():
            usage = metric.get("usage") if isinstance(metric, dict) else None
            if not isinstance(usage, dict):
                ctx.issue(lineno, f"no usage for model {model!r} in session.shutdown")
                continue
            counts = normalize_usage(usage)
            if not any(counts.values()):
                continue
            yield UsageEvent(
                tool=TOOL,
                ts=ts,
                session_key=f"{TOOL}:{session}",
                dedup_key=f"{TOOL}:{session}:{shutdown_id}:{model}",
                model=model,
                project=project_from_cwd(cwd),
                cwd=cwd,
                git_branch=st.get("branch"),
                **counts,
            )
