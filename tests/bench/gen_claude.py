"""Generate realistic Claude Code log trees together with their exact expected totals.

The tree looks like ``<root>/projects/<encoded cwd>/<sessionId>.jsonl`` plus
``<sessionId>/subagents/agent-*.jsonl``, with the traps of FORMATS.md section a: responses
streamed over several lines with growing ``output_tokens``, ``agent_progress`` lines that
embed copies of subagent messages, subagent files carrying the parent's ``sessionId``,
side-question (/btw) sidechain replays of parent messages under a new ``requestId``,
``<synthetic>`` error lines, ``usage: {}``, compaction runs, the old (1.0.x) schema with
``costUSD`` and without the cache split, fast mode (``usage.speed``), a ``"usage"`` object
nested inside a tool call, and optionally nulls, malformed lines and a partial last line.

The truth is computed from what was generated, not by parsing: every billed response
counts once with its final (largest) line, on the UTC day of the first line that reached
that size; progress copies and sidechain replays never count. ``ccusage_daily`` predicts
what ccusage 20.0.24 ``claude daily --timezone UTC`` prints for the same tree (its dedup
keeps ``agent_progress`` copies, FORMATS.md quirk 7, and it skips lines with nulls in
some fields), so tests can assert the known difference exactly.

Usage (benchmark): ``python tests/bench/gen_claude.py OUT --files 3000 --bytes 1.2e9``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"
UTC = dt.UTC

MAIN_MODELS = ("claude-opus-4-6", "claude-opus-4-6", "claude-sonnet-4-5-20250929")
AGENT_MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")
OLD_MODELS = ("claude-sonnet-4-20250514", "claude-opus-4-1-20250805")
NEW_VERSIONS = ("2.1.38", "2.1.39", "2.1.42")
OLD_VERSIONS = ("1.0.30", "1.0.51", "1.0.95")
TOOLS = ("Bash", "Read", "Edit", "Grep", "Glob", "Write", "TodoWrite")
_WORDS = (
    "the function returns a list of sessions when the journal is empty and we need to check "
    "import parse token cache write read output model usage report value goal outcome "
    "assistant user progress streaming response message request line file folder project "
    "déjà vu naïve café résumé → ✓ 日本語 テスト 🙂 λ Ω ≤ ≥ — … "
    "def class self return None True False import from with open async await yield lambda"
)
WORDS = tuple(_WORDS.split())


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one line (cache writes split by lifetime, as the logs split them)."""

    input: int
    cache_5m: int
    cache_1h: int
    cache_read: int
    output: int

    @property
    def cache_creation(self) -> int:
        """All cache writes."""
        return self.cache_5m + self.cache_1h

    @property
    def total(self) -> int:
        """input + cache writes + cache reads + output."""
        return self.input + self.cache_creation + self.cache_read + self.output


@dataclass(slots=True)
class Totals:
    """Summed token counts and the number of billed responses."""

    input_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    events: int = 0

    def add(self, u: Usage, events: int = 1) -> None:
        """Add one response."""
        self.input_tokens += u.input
        self.cache_creation_tokens += u.cache_creation
        self.cache_read_tokens += u.cache_read
        self.output_tokens += u.output
        self.events += events

    def tokens(self) -> tuple[int, int, int, int]:
        """(input, cache_creation, cache_read, output)."""
        return (
            self.input_tokens,
            self.cache_creation_tokens,
            self.cache_read_tokens,
            self.output_tokens,
        )

    @property
    def total_tokens(self) -> int:
        """All four token kinds."""
        return sum(self.tokens())

    def copy(self) -> Totals:
        """An independent copy."""
        return Totals(*self.tokens(), self.events)


@dataclass(slots=True)
class _Record:
    """One line that holds a usage object, as ccusage sees it (for the ccusage prediction)."""

    path: str
    message_id: str | None
    request_id: str | None
    sidechain: bool | None
    usage: Usage
    ts: str
    skipped_by_ccusage: bool = False


@dataclass(slots=True)
class Pending:
    """The partial last line of a file still being written, and what completing it adds."""

    path: Path
    rest: bytes
    daily_after: dict[str, Totals]
    sessions_after: dict[str, Totals]


@dataclass(slots=True)
class GeneratedTree:
    """A generated tree and what a correct importer must find in it.

    Attributes:
        root: The Claude config folder (what ``CLAUDE_CONFIG_DIR`` points at).
        projects: ``root / "projects"``.
        files: Every JSONL file written.
        bytes: Their total size.
        daily: The truth per UTC day.
        sessions: The truth per session_key (``claude-code:<sessionId>``).
        ccusage_daily: What ccusage 20.0.24 ``claude daily`` reports (events stay 0).
        bad_lines: (file, line number) of each malformed line.
        pending: The partial last line, when asked for.
    """

    root: Path
    projects: Path
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    daily: dict[str, Totals] = field(default_factory=dict)
    sessions: dict[str, Totals] = field(default_factory=dict)
    ccusage_daily: dict[str, Totals] = field(default_factory=dict)
    bad_lines: list[tuple[Path, int]] = field(default_factory=list)
    pending: Pending | None = None

    @property
    def total(self) -> Totals:
        """The truth over all days."""
        out = Totals()
        for t in self.daily.values():
            out.input_tokens += t.input_tokens
            out.cache_creation_tokens += t.cache_creation_tokens
            out.cache_read_tokens += t.cache_read_tokens
            out.output_tokens += t.output_tokens
            out.events += t.events
        return out


def _ts(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{ms % 1000:03d}Z"
    )


def _q(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


class _File:
    """Lines of one JSONL file, kept in memory until the session is done."""

    __slots__ = ("lines", "path", "size")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []
        self.size = 0

    def add(self, line: str) -> int:
        self.lines.append(line)
        self.size += len(line) + 1  # close enough for budgets (text is mostly ASCII)
        return len(self.lines)


class _Gen:
    """The random decisions; one instance per tree."""

    def __init__(
        self,
        tree: GeneratedTree,
        seed: int,
        start: dt.date,
        days: int,
        quirk7: float,
        nulls: bool,
        no_request_id: float,
    ) -> None:
        self.tree = tree
        self.rng = random.Random(seed)
        midnight = dt.datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.start_ms = int(midnight.timestamp()) * 1000
        self.days = days
        self.quirk7 = quirk7
        self.nulls = nulls
        self.no_request_id = no_request_id
        self.records: list[_Record] = []
        rng = self.rng
        pool = []
        for _ in range(400):
            kind = rng.random()
            if kind < 0.55:
                text = " ".join(rng.choices(WORDS, k=rng.randint(6, 40))) + ".\n"
            elif kind < 0.85:
                ind = "    " * rng.randint(0, 3)
                name = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz_", k=rng.randint(3, 12)))
                text = (
                    f'{ind}{name} = parse("{rng.choice(WORDS)}", path=r"C:\\tmp\\{name}")'
                    f"\t# {rng.choice(WORDS)}\n"
                )
            else:
                text = json.dumps({rng.choice(WORDS): rng.randint(0, 10**6)}) + "\n"
            pool.append(json.dumps(text, ensure_ascii=False)[1:-1])
        self.pool = pool
        self.pool_avg = sum(len(p) for p in pool) / len(pool)

    # ---- small random helpers -----------------------------------------------------------

    def text(self, n: int) -> str:
        """JSON-escaped text of about ``n`` characters (always valid inside quotes)."""
        k = max(1, int(n / self.pool_avg) + 1)
        return "".join(self.rng.choices(self.pool, k=k))

    def size(self, median: float, sigma: float, cap: int) -> int:
        return min(cap, max(16, int(self.rng.lognormvariate(math.log(median), sigma))))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ident(self, prefix: str, n: int) -> str:
        return prefix + "".join(self.rng.choices(B62, k=n))

    def hexid(self, n: int) -> str:
        return "".join(self.rng.choices(HEX, k=n))

    def record(self, rec: _Record) -> None:
        self.records.append(rec)


@dataclass(slots=True)
class _Ctx:
    """Who is writing: the main conversation or a subagent."""

    file: _File
    head: str  # the JSON text from "{" up to and including the comma after slug/agentId
    sidechain: bool
    parent: str | None = None  # uuid of the previous line (parentUuid threading)


class _Session:
    """One session: its main file and its subagent files."""

    def __init__(self, gen: _Gen, projects: Path, budget: int, t0: int, force: bool) -> None:
        self.g = gen
        rng = gen.rng
        self.force = force
        self.sid = gen.uuid()
        self.key = "claude-code:" + self.sid
        user = rng.choice(("marco", "wei", "ana", "USER"))
        name = rng.choice(("spotter", "tokenworth", "api-server", "dotfiles", "ml-notes"))
        self.cwd = f"/home/{user}/projects/{name}"
        if rng.random() < 0.3:
            self.cwd += f"-worktrees/{name}-{gen.hexid(3)}"
        self.dir = projects / self.cwd.replace("/", "-")
        self.old = (not force) and rng.random() < 0.15  # 1.0.x schema: costUSD, no split
        self.version = rng.choice(OLD_VERSIONS if self.old else NEW_VERSIONS)
        self.branch: str | None = rng.choice(("main", "master", f"feature/{gen.hexid(4)}"))
        self.slug = "-".join(rng.choices(("modular", "petting", "thompson", "quiet", "river"), k=3))
        self.model = rng.choice(OLD_MODELS if self.old else MAIN_MODELS)
        self.cache_1h = rng.random() < 0.7
        self.no_request_id = (not force) and rng.random() < gen.no_request_id
        self.fast = (not self.old) and (force or rng.random() < 0.1)
        self.budget = budget
        self.t = t0
        self.context = rng.randint(12_000, 25_000)  # tokens in the prompt cache
        self.pending_new = rng.randint(2_000, 15_000)  # tokens to write to the cache next
        self.files: list[_File] = []
        self.responses: list[tuple[str, str | None, Usage, str]] = []  # for /btw replays
        self.main = self._new_file(self.dir / f"{self.sid}.jsonl")
        self.mctx = _Ctx(self.main, self._head(False, None), False)

    # ---- files and line heads -------------------------------------------------------------

    def _new_file(self, path: Path) -> _File:
        f = _File(path)
        self.files.append(f)
        return f

    def _head(self, sidechain: bool, agent: str | None) -> str:
        # Parent uuid is spliced in per line; everything else is constant per writer.
        branch = "null" if self.branch is None else _q(self.branch)
        parts = [
            f'"isSidechain":{"true" if sidechain else "false"},"userType":"external",',
            f'"cwd":{_q(self.cwd)},"sessionId":"{self.sid}","version":"{self.version}",',
            f'"gitBranch":{branch},',
        ]
        if agent:
            parts.append(f'"agentId":"{agent}",')
        parts.append(f'"slug":"{self.slug}",')
        return "".join(parts)

    def _open(self, c: _Ctx) -> tuple[str, str]:
        """Start of a threaded line and its new uuid."""
        u = self.g.uuid()
        parent = "null" if c.parent is None else f'"{c.parent}"'
        c.parent = u
        return '{"parentUuid":' + parent + "," + c.head, u

    def tick(self, lo: float, hi: float) -> int:
        self.t += int(self.g.rng.uniform(lo, hi) * 1000)
        return self.t

    # ---- line kinds ---------------------------------------------------------------------

    def user_prompt(self, c: _Ctx) -> str:
        start, u = self._open(c)
        ts = _ts(self.tick(5, 600))
        c.file.add(
            start + '"type":"user","message":{"role":"user","content":"'
            f'{self.g.text(self.g.size(300, 1.0, 6000))}"}},"uuid":"{u}","timestamp":"{ts}",'
            '"thinkingMetadata":{"maxThinkingTokens":31999},"todos":[],'
            '"permissionMode":"bypassPermissions"}'
        )
        return u

    def snapshot(self, c: _Ctx) -> None:
        mid = self.g.uuid()
        files = ",".join(
            f'"src/{self.g.hexid(6)}.py":{{"backupFileName":"{self.g.hexid(16)}@v2",'
            f'"version":2,"backupTime":"{_ts(self.t)}"}}'
            for _ in range(self.g.rng.randint(0, 6))
        )
        c.file.add(
            f'{{"type":"file-history-snapshot","messageId":"{mid}","snapshot":{{"messageId":'
            f'"{mid}","trackedFileBackups":{{{files}}},"timestamp":"{_ts(self.t)}"}},'
            '"isSnapshotUpdate":false}'
        )

    def hook_progress(self, c: _Ctx, tool_id: str, event: str = "PostToolUse") -> None:
        start, u = self._open(c)
        c.file.add(
            start + f'"type":"progress","data":{{"type":"hook_progress","hookEvent":"{event}",'
            f'"hookName":"{event}:Bash","command":"${{CLAUDE_PLUGIN_ROOT}}/scripts/capture.sh"}},'
            f'"parentToolUseID":"{tool_id}","toolUseID":"{tool_id}",'
            f'"timestamp":"{_ts(self.tick(0.01, 0.3))}","uuid":"{u}"}}'
        )

    def bash_progress(self, c: _Ctx, tool_id: str) -> None:
        start, u = self._open(c)
        out = self.g.text(self.g.size(300, 1.0, 8000))
        c.file.add(
            start + f'"type":"progress","data":{{"type":"bash_progress","output":"{out}",'
            f'"fullOutput":"{out}","elapsedTimeSeconds":{self.g.rng.randint(1, 90)},'
            f'"totalLines":{self.g.rng.randint(1, 400)}}},"toolUseID":"bash-progress-0",'
            f'"parentToolUseID":"{tool_id}","uuid":"{u}","timestamp":"{_ts(self.tick(1, 5))}"}}'
        )

    def tool_result(self, c: _Ctx, tool_id: str, source: str) -> None:
        start, u = self._open(c)
        body = self.g.text(self.g.size(1500, 1.3, 150_000))
        c.file.add(
            start + '"type":"user","message":{"role":"user","content":[{"tool_use_id":'
            f'"{tool_id}","type":"tool_result","content":"{body}","is_error":false}}]}},'
            f'"uuid":"{u}","timestamp":"{_ts(self.tick(0.2, 20))}","toolUseResult":'
            f'{{"stdout":"{body}","stderr":"","interrupted":false,"isImage":false}},'
            f'"sourceToolAssistantUUID":"{source}"}}'
        )
        self.pending_new += len(body) // 4

    def _block(self, kind: str, tool_id: str, tool: str) -> str:
        g = self.g
        if kind == "thinking":
            return (
                f'{{"type":"thinking","thinking":"{g.text(g.size(350, 1.0, 8000))}",'
                f'"signature":"{g.ident("Eu", g.rng.randint(100, 600))}"}}'
            )
        if kind == "text":
            return f'{{"type":"text","text":"{g.text(g.size(110, 1.2, 6000))}"}}'
        if tool == "Task":
            inp = (
                f'{{"description":"{g.text(40)}","prompt":"{g.text(g.size(600, 0.8, 5000))}",'
                '"subagent_type":"general-purpose"}'
            )
        elif tool == "mcp__metrics__report":
            # A "usage" object nested inside a tool call: only message.usage is billed.
            inp = (
                '{"usage":{"input_tokens":999999,"output_tokens":888888,'
                '"cache_read_input_tokens":777777},"type":"assistant"}'
            )
        elif tool in ("Edit", "Write"):
            inp = (
                f'{{"file_path":"{self.cwd}/src/{g.hexid(6)}.py","old_string":'
                f'"{g.text(g.size(150, 1.2, 12_000))}","new_string":'
                f'"{g.text(g.size(200, 1.3, 20_000))}"}}'
            )
        else:
            inp = f'{{"command":"{g.text(g.size(90, 0.7, 2000))}","description":"{g.text(30)}"}}'
        return f'{{"type":"tool_use","id":"{tool_id}","name":"{tool}","input":{inp}}}'

    def _usage_json(self, u: Usage, fast: bool, null_field: str | None) -> str:
        cr = "null" if null_field == "cache_read_input_tokens" else str(u.cache_read)
        if self.old:
            return (
                f'{{"input_tokens":{u.input},"cache_creation_input_tokens":{u.cache_creation},'
                f'"cache_read_input_tokens":{cr},"output_tokens":{u.output},'
                '"service_tier":"standard"}'
            )
        speed = ',"speed":"fast"' if fast else ""
        return (
            f'{{"input_tokens":{u.input},"cache_creation_input_tokens":{u.cache_creation},'
            f'"cache_read_input_tokens":{cr},"cache_creation":{{"ephemeral_5m_input_tokens":'
            f'{u.cache_5m},"ephemeral_1h_input_tokens":{u.cache_1h}}},"output_tokens":'
            f'{u.output},"service_tier":"standard","inference_geo":"not_available"{speed}}}'
        )

    def _assistant_line(
        self,
        c: _Ctx,
        model: str | None,
        mid: str | None,
        rid: str | None,
        block: str,
        u: Usage,
        ts: str,
        fast: bool = False,
        null_field: str | None = None,
    ) -> tuple[str, str, str]:
        """The full line, its uuid and its inner message JSON (for progress copies)."""
        start, uid = self._open(c)
        model_json = "null" if null_field == "model" else _q(model)
        id_part = "" if mid is None else f'"id":"{mid}",'
        message = (
            f'{{"model":{model_json},{id_part}"type":"message","role":"assistant",'
            f'"content":[{block}],"stop_reason":null,"stop_sequence":null,'
            f'"usage":{self._usage_json(u, fast, null_field)}}}'
        )
        tail = ""
        if rid is not None:
            tail += f',"requestId":"{rid}"'
        if null_field == "costUSD":
            tail += ',"costUSD":null'
        elif self.old:
            tail += f',"costUSD":{round(u.total * 3e-6, 6)}'
        line = (
            start + f'"message":{message}{tail},"type":"assistant","uuid":"{uid}",'
            f'"timestamp":"{ts}"}}'
        )
        return line, uid, message

    def response(
        self,
        c: _Ctx,
        model: str,
        kinds: list[tuple[str, str]],
        *,
        progress: _Ctx | None = None,
        agent: str | None = None,
        odd: str | None = None,
    ) -> tuple[str, list[str]]:
        """One billed API call streamed over one line per content block.

        Args:
            c: Where the lines go.
            model: The model.
            kinds: (block kind, tool name) per line.
            progress: When set, also write an agent_progress copy of one line there.
            agent: The subagent id, for progress copies.
            odd: None, or "no-id", "null-costUSD", "null-model", "null-cache-read".

        Returns:
            The message id and the uuids of the lines.
        """
        g = self.g
        rng = g.rng
        cache_miss = rng.random() < 0.03
        read = 0 if cache_miss else self.context
        write = self.pending_new + (self.context if cache_miss else 0)
        w5 = write if not self.cache_1h else (write // 3 if rng.random() < 0.1 else 0)
        final = g.size(180, 1.3, 32_000)
        inp = rng.randint(1, 12)
        n = len(kinds)
        if n == 1 or rng.random() < 0.45:
            outs = [final] * n
        else:
            outs = [*sorted(rng.randint(1, max(1, final // 3)) for _ in range(n - 1)), final]
            if rng.random() < 0.15 and n >= 3:
                outs[-2] = final  # the final count already on the line before the last
        mid = None if odd == "no-id" else g.ident("msg_01", 22)
        rid = None if self.no_request_id else g.ident("req_011C", 20)
        fast = self.fast and rng.random() < 0.3
        ids: list[str] = []
        lines_ts: list[tuple[int, Usage]] = []
        copy_at = None
        if progress is not None:
            copy_at = 0 if (n > 1 and rng.random() < self.g.quirk7) else n - 1
        skip = odd in ("null-costUSD", "null-model", "null-cache-read")
        null_field = {
            "null-costUSD": "costUSD",
            "null-model": "model",
            "null-cache-read": "cache_read_input_tokens",
        }.get(odd or "")
        for i, (kind, tool) in enumerate(kinds):
            tool_id = g.ident("toolu_01", 22)
            ts_ms = self.tick(0.2, 4)
            u = Usage(inp, w5, write - w5, read, outs[i])
            counted = (
                u
                if null_field != "cache_read_input_tokens"
                else Usage(inp, w5, write - w5, 0, outs[i])
            )
            ts = _ts(ts_ms)
            line, uid, message = self._assistant_line(
                c, model, mid, rid, self._block(kind, tool_id, tool), u, ts, fast, null_field
            )
            c.file.add(line)
            ids.append(uid)
            lines_ts.append((ts_ms, counted))
            g.record(_Record(str(c.file.path), mid, rid, c.sidechain, counted, ts, skip))
            if copy_at == i and progress is not None:
                self._progress_copy(progress, message, rid, uid, ts, agent or "")
                g.record(_Record(str(progress.file.path), mid, rid, None, counted, ts))
            if kind == "tool_use" and tool not in ("Task", "mcp__metrics__report"):
                # Hooks and streamed bash output: many small lines, most of a real file.
                for _ in range(rng.choice((0, 1, 1, 2, 3))):
                    self.hook_progress(c, tool_id, "PreToolUse")
                if tool == "Bash":
                    for _ in range(rng.choice((0, 0, 1, 2, 4, 8))):
                        self.bash_progress(c, tool_id)
                for _ in range(rng.choice((1, 1, 2, 3, 4))):
                    self.hook_progress(c, tool_id)
        # The truth: the first line that reached the final size, once per response.
        best_ms, best = lines_ts[0]
        for ts_ms, u in lines_ts:
            if u.total > best.total:
                best_ms, best = ts_ms, u
        if mid is None:
            for ts_ms, u in lines_ts:  # lines without an id are separate calls
                self._count(ts_ms, u)
        else:
            self._count(best_ms, best)
            if not c.sidechain:  # what a /btw side question may replay
                self.responses.append((mid, rid, best, _ts(best_ms)))
        self.context += write if not cache_miss else 0
        if cache_miss:
            self.context = write
        self.pending_new = final + rng.randint(50, 800)
        return mid or "", ids

    def _count(self, ts_ms: int, u: Usage) -> None:
        if u.total == 0:
            return
        day = _ts(ts_ms)[:10]
        tree = self.g.tree
        tree.daily.setdefault(day, Totals()).add(u)
        tree.sessions.setdefault(self.key, Totals()).add(u)

    def _progress_copy(
        self, p: _Ctx, message: str, rid: str | None, uid: str, ts: str, agent: str
    ) -> None:
        start, u = self._open(p)
        req = "" if rid is None else f',"requestId":"{rid}"'
        # The embedded message has no isSidechain field (ccusage reads it as main-chain).
        inner = message[:-1] + ',"context_management":null}'
        p.file.add(
            start + '"type":"progress","data":{"message":{"type":"assistant",'
            f'"timestamp":"{ts}","message":{inner}{req},"uuid":"{uid}"}},'
            f'"normalizedMessages":[],"type":"agent_progress","prompt":"{self.g.text(200)}",'
            f'"agentId":"{agent}"}},"toolUseID":"agent_{self.g.ident("msg_01", 22)}",'
            f'"parentToolUseID":"toolu_01{self.g.ident("", 22)}","uuid":"{u}",'
            f'"timestamp":"{_ts(self.t + 1)}"}}'
        )

    def _progress_user_copy(self, p: _Ctx, uid: str, agent: str) -> None:
        start, u = self._open(p)
        p.file.add(
            start + '"type":"progress","data":{"message":{"type":"user","message":{"role":'
            f'"user","content":[{{"type":"text","text":"{self.g.text(300)}"}}]}},"uuid":"{uid}",'
            f'"timestamp":"{_ts(self.t)}"}},"normalizedMessages":[],"type":"agent_progress",'
            f'"prompt":"{self.g.text(200)}","agentId":"{agent}"}},"toolUseID":'
            f'"agent_{self.g.ident("msg_01", 22)}","parentToolUseID":"toolu_01'
            f'{self.g.ident("", 22)}","uuid":"{u}","timestamp":"{_ts(self.t + 1)}"}}'
        )

    def synthetic(self, c: _Ctx) -> None:
        """A locally generated API error: model <synthetic>, zero usage, no requestId."""
        start, u = self._open(c)
        c.file.add(
            start + f'"message":{{"id":"{self.g.uuid()}","container":null,"model":"<synthetic>",'
            '"role":"assistant","stop_reason":"stop_sequence","stop_sequence":"","type":"message",'
            '"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,'
            '"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0,'
            '"web_fetch_requests":0},"service_tier":null,"cache_creation":'
            '{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0}},"content":[{"type":'
            '"text","text":"API Error: 529 {\\"type\\":\\"error\\",\\"error\\":{\\"type\\":'
            '\\"overloaded_error\\"}}"}]},"type":"assistant",'
            f'"uuid":"{u}","timestamp":"{_ts(self.tick(1, 30))}","isApiErrorMessage":true}}'
        )

    def empty_usage(self, c: _Ctx) -> None:
        """An assistant line with ``usage: {}`` (seen in a ccusage fixture): nothing billed."""
        start, u = self._open(c)
        c.file.add(
            start + f'"message":{{"id":"{self.g.ident("msg_01", 22)}","model":"{self.model}",'
            '"role":"assistant","type":"message","content":[{"type":"text","text":'
            '"No response requested."}],"usage":{}},"type":"assistant",'
            f'"uuid":"{u}","timestamp":"{_ts(self.tick(1, 5))}"}}'
        )

    # ---- bigger pieces ------------------------------------------------------------------

    def task(self, projects: Path) -> None:
        """A Task tool call: a subagent file, progress copies in the parent, a result."""
        g = self.g
        rng = g.rng
        _, ids = self.response(self.mctx, self.model, [("text", ""), ("tool_use", "Task")])
        agent = "a" + g.hexid(6)
        sub = self._new_file(self.dir / self.sid / "subagents" / f"agent-{agent}.jsonl")
        sctx = _Ctx(sub, self._head(True, agent), True)
        model = rng.choice(AGENT_MODELS)
        saved = (self.context, self.pending_new)
        self.context, self.pending_new = 0, rng.randint(8_000, 14_000)
        uid = self.user_prompt(sctx)
        self._progress_user_copy(self.mctx, uid, agent)
        steps = rng.randint(2, 5)
        for i in range(steps):
            last = i == steps - 1
            kinds = [("text", "")] if last else [("thinking", ""), ("tool_use", "Bash")]
            if not last and rng.random() < 0.5:
                kinds.insert(1, ("text", ""))
            # Progress copies exist for all messages but the last, as in the spotter sample.
            _, sids = self.response(
                sctx, model, kinds, progress=None if last else self.mctx, agent=agent
            )
            if not last:
                tid = g.ident("toolu_01", 22)
                self.tool_result(sctx, tid, sids[-1])
                self._progress_user_copy(self.mctx, sctx.parent or "", agent)
        self.context, self.pending_new = saved
        # The parent's tool result carries the subagent's usage totals: a trap, not a call.
        start, u = self._open(self.mctx)
        self.mctx.file.add(
            start + '"type":"user","message":{"role":"user","content":[{"tool_use_id":'
            f'"toolu_01{g.ident("", 22)}","type":"tool_result","content":[{{"type":"text",'
            f'"text":"{g.text(g.size(1500, 1.0, 20_000))}"}}]}}]}},"uuid":"{u}",'
            f'"timestamp":"{_ts(self.tick(0.5, 3))}","toolUseResult":{{"status":"completed",'
            f'"prompt":"{g.text(200)}","agentId":"{agent}","totalDurationMs":'
            f'{rng.randint(5000, 900_000)},"totalTokens":{rng.randint(10_000, 90_000)},'
            '"totalToolUseCount":3,"usage":{"input_tokens":12,"cache_creation_input_tokens":'
            '4200,"cache_read_input_tokens":30100,"output_tokens":512,"service_tier":'
            '"standard"}},"sourceToolAssistantUUID":"' + ids[-1] + '"}'
        )
        self.pending_new += rng.randint(500, 3000)

    def compact(self, projects: Path) -> None:
        """An auto-compaction: an acompact subagent call, then a compact_boundary line."""
        g = self.g
        agent = "acompact-" + g.hexid(6)
        sub = self._new_file(self.dir / self.sid / "subagents" / f"agent-{agent}.jsonl")
        sctx = _Ctx(sub, self._head(True, agent), True)
        self.user_prompt(sctx)
        self.user_prompt(sctx)
        self.pending_new = g.rng.randint(1000, 4000)
        self.response(sctx, self.model, [("text", "")])
        c = self.mctx
        logical = "null" if c.parent is None else f'"{c.parent}"'
        u = g.uuid()
        c.parent = u
        c.file.add(
            f'{{"parentUuid":null,"logicalParentUuid":{logical},{c.head}'
            '"type":"system","subtype":"compact_boundary","content":"Conversation compacted",'
            f'"isMeta":false,"timestamp":"{_ts(self.tick(1, 3))}","uuid":"{u}","level":"info",'
            f'"compactMetadata":{{"trigger":"auto","preTokens":{self.context}}}}}'
        )
        self.context = g.rng.randint(15_000, 30_000)

    def side_question(self, projects: Path) -> None:
        """A /btw side question: replays parent responses under new requestIds, then answers."""
        g = self.g
        if not self.responses:
            return
        agent = "a" + g.hexid(6)
        sub = self._new_file(self.dir / self.sid / "subagents" / f"agent-{agent}.jsonl")
        sctx = _Ctx(sub, self._head(True, agent), True)
        self.user_prompt(sctx)
        for mid, _rid, u, ts in g.rng.sample(self.responses, min(3, len(self.responses))):
            if g.rng.random() < 0.5:  # bigger than the parent's: the parent must still win
                u = Usage(u.input, u.cache_5m, u.cache_1h, u.cache_read + 5000, u.output + 700)
            rid = g.ident("req_011C", 20)
            block = '{"type":"text","text":"(replayed)"}'
            line, _, _ = self._assistant_line(sctx, self.model, mid, rid, block, u, ts)
            sctx.file.add(line)
            g.record(_Record(str(sub.path), mid, rid, True, u, ts))
        self.response(sctx, self.model, [("text", "")])

    def turn(self, projects: Path, first: bool) -> None:
        g = self.g
        rng = g.rng
        if rng.random() < 0.3 or first:
            self.snapshot(self.mctx)
        self.user_prompt(self.mctx)
        if rng.random() < 0.5:
            self.hook_progress(self.mctx, g.ident("toolu_01", 22), "UserPromptSubmit")
        calls = rng.randint(1, 8)
        for i in range(calls):
            last = i == calls - 1
            kinds: list[tuple[str, str]] = []
            if rng.random() < 0.1:
                kinds.append(("thinking", ""))
            if rng.random() < 0.3 or last:
                kinds.append(("text", ""))
            if not last:
                for _ in range(rng.choice((1, 1, 1, 2))):
                    kinds.append(("tool_use", rng.choice(TOOLS)))
            odd = None
            if g.nulls and rng.random() < 0.04:
                odd = rng.choice(("null-costUSD", "null-model", "null-cache-read"))
            elif rng.random() < 0.01:
                odd = "no-id"
            if odd is not None:
                kinds = kinds[:1]
            elif rng.random() < 0.01:
                kinds.append(("tool_use", "mcp__metrics__report"))
            _, ids = self.response(self.mctx, self.model, kinds, odd=odd)
            for kind, _tool in kinds:
                if kind == "tool_use":
                    self.tool_result(self.mctx, g.ident("toolu_01", 22), ids[-1])
        if rng.random() < 0.02:
            self.synthetic(self.mctx)
        if rng.random() < 0.01:
            self.empty_usage(self.mctx)
        if rng.random() < 0.05:
            c = self.mctx
            c.file.add(
                f'{{"type":"queue-operation","operation":"enqueue","timestamp":"{_ts(self.t)}",'
                f'"sessionId":"{self.sid}","content":"{g.text(300)}"}}'
            )
        self.tick(10, 1800)

    def run(self, projects: Path) -> None:
        g = self.g
        rng = g.rng
        first = True
        if self.force:
            # Every trap at least once, so even a tiny tree exercises them all.
            self.turn(projects, True)
            self.task(projects)
            self.synthetic(self.mctx)
            self.empty_usage(self.mctx)
            self.response(
                self.mctx, self.model, [("text", ""), ("tool_use", "mcp__metrics__report")]
            )
            if g.nulls:
                for odd in ("null-costUSD", "null-model", "null-cache-read"):
                    self.response(self.mctx, self.model, [("text", "")], odd=odd)
            self.response(self.mctx, self.model, [("text", "")], odd="no-id")
            self.side_question(projects)
            self.compact(projects)
            first = False
        while first or self.main.size < self.budget:
            self.turn(projects, first)
            first = False
            r = rng.random()
            if r < 0.04:
                self.task(projects)
            elif r < 0.045:
                self.side_question(projects)
            if self.context > 160_000:
                self.compact(projects)

    def append_partial(self) -> int:
        """End the main file with half of a new response's line; return the bytes appended.

        The lines were written already; the rest of the line goes to ``tree.pending``.
        """
        g = self.g
        tree = g.tree
        u = Usage(4, 0, 3210, self.context, 987)
        ts = _ts(self.tick(2, 20))
        block = f'{{"type":"text","text":"{g.text(800)}"}}'
        mid = g.ident("msg_01", 22)
        rid = g.ident("req_011C", 20)
        line, _, _ = self._assistant_line(self.mctx, "claude-opus-4-6", mid, rid, block, u, ts)
        data = line.encode()
        cut = len(data) // 2
        with open(self.main.path, "ab") as fp:
            fp.write(data[:cut])
        daily = {d: t.copy() for d, t in tree.daily.items()}
        sessions = {k: t.copy() for k, t in tree.sessions.items()}
        daily.setdefault(ts[:10], Totals()).add(u)
        sessions.setdefault(self.key, Totals()).add(u)
        rest = data[cut:] + b"\n"
        tree.pending = Pending(self.main.path, rest, dict(sorted(daily.items())), sessions)
        return cut


def _ccusage_request_key(r: _Record) -> str:
    return r.request_id if r.request_id is not None else "\0ts:" + r.ts


def _ccusage_replaces(new: _Record, old: _Record) -> bool:
    if (new.sidechain is True) != (old.sidechain is True):
        return old.sidechain is True
    if new.usage.total != old.usage.total:
        return new.usage.total > old.usage.total
    return False  # same tokens and model: same cost; speed is constant within a response


def ccusage_daily_model(records: list[_Record]) -> dict[str, Totals]:
    """What ccusage 20.0.24 ``claude daily`` keeps (its ``push_deduped_daily_entry``).

    Files are read in path order; an entry matches an earlier one by (message.id,
    requestId) as registered when that earlier one was first kept, or by message.id alone
    when either side is a sidechain; the non-sidechain entry, then the larger total, wins.
    ``agent_progress`` copies arrive with no isSidechain field, so they win over the
    subagent's own lines (FORMATS.md quirk 7).

    Found by comparing with the real binary (not in FORMATS.md): when ``requestId`` is
    missing, 20.0.24 daily treats lines with the same message id but different timestamps
    as different calls, so every streamed line of such a response counts; its ``session``
    report does not.
    """
    kept: list[_Record] = []
    exact: dict[tuple[str, str | None], list[int]] = {}
    by_id: dict[str, list[int]] = {}
    for r in sorted(records, key=lambda r: r.path):  # stable: line order within a file
        if r.skipped_by_ccusage:
            continue
        if r.message_id is None:
            kept.append(r)
            continue
        index = None
        req = _ccusage_request_key(r)
        for i in exact.get((r.message_id, req), []):
            if kept[i].message_id == r.message_id and _ccusage_request_key(kept[i]) == req:
                index = i
                break
        if index is None:
            for i in by_id.get(r.message_id, []):
                if kept[i].message_id == r.message_id and (
                    r.sidechain is True or kept[i].sidechain is True
                ):
                    index = i
                    break
        if index is not None:
            if _ccusage_replaces(r, kept[index]):
                kept[index] = r
            continue
        kept.append(r)
        i = len(kept) - 1
        exact.setdefault((r.message_id, req), []).append(i)
        by_id.setdefault(r.message_id, []).append(i)
    out: dict[str, Totals] = {}
    for r in kept:
        out.setdefault(r.ts[:10], Totals()).add(r.usage, events=0)
    return {d: t for d, t in sorted(out.items()) if t.total_tokens}


def generate_tree(
    root: Path,
    *,
    seed: int = 0,
    files: int = 12,
    target_bytes: int = 1_500_000,
    start: str = "2026-02-10",
    days: int = 3,
    quirk7: float = 0.0,
    nulls: bool = False,
    no_request_id: float = 0.0,
    bad_lines: int = 0,
    partial_last_line: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedTree:
    """Write a Claude Code tree under ``root`` and return it with its exact totals.

    Args:
        root: The config folder to create (``root/projects/...``).
        seed: Same seed, same bytes.
        files: About how many JSONL files (main sessions plus subagent files).
        target_bytes: About how many bytes in all.
        start: First UTC day of activity (the first session starts just before midnight).
        days: Days over which sessions start.
        quirk7: Share of subagent progress copies that embed an intermediate line instead
            of the final one (where ccusage 20.0.24 daily comes out low).
        nulls: Add responses with ``costUSD``/``model``/``cache_read_input_tokens`` null,
            which we count and ccusage skips.
        no_request_id: Share of sessions whose lines have no ``requestId`` (third-party
            endpoints), which ccusage 20.0.24 daily dedups by message id and timestamp.
        bad_lines: How many truncated (malformed) assistant lines to insert.
        partial_last_line: End the last main file in the middle of a new response's line.
        progress: Called with (bytes written, target bytes).

    Returns:
        The tree, its truth per day and session, and the ccusage prediction.
    """
    projects = root / "projects"
    tree = GeneratedTree(root=root, projects=projects)
    day0 = dt.date.fromisoformat(start)
    gen = _Gen(tree, seed, day0, days, quirk7, nulls, no_request_id)
    rng = gen.rng
    written = 0
    n_files = 0
    sessions = 0
    last: _Session | None = None
    main_bytes = 0
    while n_files < files or written < target_bytes * 0.98:
        # Spread the bytes still to write over the sessions still to come (a session
        # writes its main file plus subagent files), with a long tail of big sessions;
        # once there are enough files, one last session makes up the missing bytes.
        files_per_session = n_files / sessions if sessions else 1.5
        main_share = main_bytes / written if written else 0.9
        sessions_left = max(1.0, (files - n_files) / files_per_session)
        avg = max(10_000, int((target_bytes - written) * main_share / sessions_left))
        spread = min(8.0, rng.lognormvariate(-0.32, 0.8)) if n_files < files else 1.0
        budget = int(avg * spread)
        if sessions == 0:
            t0 = gen.start_ms + 86_400_000 - rng.randint(120, 600) * 1000  # crosses midnight
        else:
            t0 = gen.start_ms + rng.randint(0, days * 86_400_000 - 1)
        s = _Session(gen, projects, budget, t0, force=sessions == 0)
        s.run(projects)
        sessions += 1
        last = s
        if bad_lines and sessions == 1:
            _insert_bad_lines(gen, s.main, bad_lines)
        for f in s.files:
            f.path.parent.mkdir(parents=True, exist_ok=True)
            data = ("\n".join(f.lines) + "\n").encode()
            f.path.write_bytes(data)
            written += len(data)
            if f is s.main:
                main_bytes += len(data)
            tree.files.append(f.path)
            n_files += 1
        if progress:
            progress(written, target_bytes)
    if partial_last_line and last is not None:
        written += last.append_partial()
    tree.bytes = written
    tree.daily = dict(sorted(tree.daily.items()))
    tree.ccusage_daily = ccusage_daily_model(gen.records)
    return tree


def _insert_bad_lines(gen: _Gen, f: _File, count: int) -> None:
    """Insert truncated copies of assistant lines just before them (a crash mid-write)."""
    candidates = [
        i
        for i, line in enumerate(f.lines)
        if '"type":"assistant"' in line[-200:] and '"usage":{"input_tokens"' in line
    ]
    chosen = sorted(gen.rng.sample(candidates, min(count, len(candidates))), reverse=True)
    for i in chosen:
        line = f.lines[i]
        cut = line.index('"usage":{"input_tokens"') + 20
        f.lines.insert(i, line[:cut])
    # Line numbers are known only now that every insert is done.
    # The k-th insert (in file order) moved down by the k inserts above it.
    gen.tree.bad_lines.extend((f.path, i + k + 1) for k, i in enumerate(sorted(chosen)))


def main(argv: list[str] | None = None) -> int:
    """Command line: write a tree and print its truth as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="config folder to create (holds projects/)")
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--bytes", type=float, default=1.2e9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--start", default="2026-01-05")
    ap.add_argument("--quirk7", type=float, default=0.0, help="share of partial progress copies")
    ap.add_argument("--nulls", action="store_true", help="add lines that ccusage skips")
    ap.add_argument("--no-request-id", type=float, default=0.0, help="share of such sessions")
    ap.add_argument("--json", type=Path, help="write the truth here")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    shown = [0]

    def show(done: int, total: int) -> None:
        if done - shown[0] >= total // 100:
            shown[0] = done
            print(f"\r{done / 1e6:8.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr)

    tree = generate_tree(
        args.out,
        seed=args.seed,
        files=args.files,
        target_bytes=int(args.bytes),
        start=args.start,
        days=args.days,
        quirk7=args.quirk7,
        nulls=args.nulls,
        no_request_id=args.no_request_id,
        progress=show,
    )
    print(
        f"\n{len(tree.files)} files, {tree.bytes / 1e6:.1f} MB in {time.perf_counter() - t0:.1f}s",
        file=sys.stderr,
    )
    truth = {
        "files": len(tree.files),
        "bytes": tree.bytes,
        "daily": {d: [*t.tokens(), t.events] for d, t in tree.daily.items()},
        "ccusage_daily": {d: list(t.tokens()) for d, t in tree.ccusage_daily.items()},
    }
    text = json.dumps(truth, indent=1)
    if args.json:
        args.json.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
