"""What every importer provides, and the line reader they share.

An importer turns the bytes of one file into normalized ``UsageEvent`` objects. It never
touches the journal: the runner (``runner.py``) decides what to read (only the new bytes
of a file that grew), and writes what the importer yields in one savepoint per file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from tokenworth.core.model import ParseIssue, UsageEvent


class Cancelled(Exception):
    """The person pressed Cancel; the current file is rolled back."""


@dataclass
class ParseContext:
    """Where a parse starts and what it learns on the way.

    Attributes:
        path: The file being read.
        offset: Byte offset the stream was positioned at when parsing started.
        consumed: Byte offset just past the last complete record parsed; the runner
            saves it so the next import reads from there.
        line: Number of complete lines before ``offset`` (so issues name real lines).
        state: Parser state that must survive to the next incremental read (JSON-able).
        issues: Refused lines, each with its line number and a reason.
    """

    path: Path
    offset: int = 0
    consumed: int = 0
    line: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    tick: Callable[[int], None] | None = None  # progress in bytes; raises Cancelled
    # Settings of this import (e.g. idle_gap_minutes); never saved in the ledger.
    options: dict[str, Any] = field(default_factory=dict)

    def issue(self, line: int | None, reason: str) -> None:
        """Record one refused line or record."""
        self.issues.append(ParseIssue(str(self.path), line, reason))


class Importer:
    """Base class of the importers. Subclasses set the class attributes and two methods.

    Attributes:
        name: The format's name, as given to ``--format``.
        tool: The ``tool`` value of the events it yields.
        incremental: True when the file only ever grows by appended lines (JSONL logs),
            so a rescan may read only the new bytes. False means a changed file is
            re-read whole and its earlier events replaced.
        suffixes: File name endings this format uses (for folder walks).
    """

    name: ClassVar[str] = ""
    tool: ClassVar[str] = ""
    incremental: ClassVar[bool] = True
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl",)

    def is_incremental(self, state: Mapping[str, Any]) -> bool:
        """Whether the file whose parser state is ``state`` only ever grows by appends.

        Defaults to the class's ``incremental``; a format with both append-only and
        rewritten files (Gemini's JSONL and legacy JSON) decides per file from its state.
        """
        return self.incremental

    def sniff(self, path: Path, head: bytes) -> float:
        """How sure (0 to 1) this importer is that a file with these first bytes is its format."""
        raise NotImplementedError

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield the events found from the stream's current position to its end."""
        raise NotImplementedError

    def default_roots(self, env: Mapping[str, str], home: Path) -> list[Path]:
        """Folders that ``tokenworth scan`` searches for this format (existing or not)."""
        return []

    def wants(self, path: Path) -> bool:
        """True when a file met in a folder walk may be this format (cheap name test)."""
        return path.name.endswith(self.suffixes)


MAX_LINE = 64 * 1024 * 1024


def _resume_position(fp: BinaryIO, ctx: ParseContext) -> int:
    """Where to start reading, skipping the newline of a line consumed before it was ended.

    A last line that was complete JSON but had no newline yet is consumed; when its
    newline arrives later it must not count as one more (empty) line.
    """
    offset = ctx.offset
    if offset > 0:
        fp.seek(offset - 1)
        before, after = fp.read(1), fp.read(1)
        if before != b"\n" and after == b"\n":
            offset += 1
        fp.seek(offset)
    ctx.consumed = offset
    return offset


def iter_lines(
    fp: BinaryIO, ctx: ParseContext, chunk: int = 1 << 20
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, raw_line)`` for each complete line from the current position.

    ``ctx.consumed`` advances past each yielded line, and ``ctx.line`` counts them. A last
    line without its newline is yielded only if it is already complete JSON: a session
    still being written leaves a partial line, which is left for the next import. A line
    longer than ``MAX_LINE`` is refused as an issue without being held in memory.
    """
    pos = start = _resume_position(fp, ctx)
    lineno = ctx.line
    pending: list[bytes] = []  # pieces of a line longer than one chunk
    pending_len = 0
    oversized = False
    while True:
        if ctx.tick is not None:
            ctx.tick(pos - start)
        data = fp.read(chunk)
        if not data:
            break
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            piece = data[start:nl]
            lineno += 1
            pos += pending_len + nl + 1 - start
            start = nl + 1
            ctx.consumed = pos
            ctx.line = lineno
            if oversized:
                ctx.issue(lineno, f"the line is longer than {MAX_LINE >> 20} MB; skipped")
                raw = b""
            elif pending:
                pending.append(piece)
                raw = b"".join(pending)
            else:
                raw = piece
            pending, pending_len, oversized = [], 0, False
            if raw.strip():
                yield lineno, raw
        rest = data[start:]
        if rest:
            pending_len += len(rest)
            if oversized or pending_len > MAX_LINE:
                oversized, pending = True, []
            else:
                pending.append(rest)
    if pending and not oversized:
        raw = b"".join(pending)
        if not raw.strip():
            return
        try:
            json.loads(raw)
        except ValueError:
            return  # partial line of a file still being written
        lineno += 1
        ctx.consumed = pos + pending_len
        ctx.line = lineno
        yield lineno, raw


def iter_lines_with(
    fp: BinaryIO, ctx: ParseContext, needles: tuple[bytes, ...], chunk: int = 1 << 22
) -> Iterator[tuple[int, bytes]]:
    """Like ``iter_lines``, but yield only the lines that contain one of ``needles``.

    The search runs over whole chunks in C (``re``), so the lines a format never needs
    (tool output, snapshots, progress) are never turned into Python objects one by one.
    Line numbers and ``ctx.consumed`` stay exact: newlines are counted with
    ``bytes.count``. A partial last line is left for the next import, as in
    ``iter_lines``; a line longer than ``MAX_LINE`` is refused as an issue.
    """
    import re

    if len(needles) == 1:
        needle = needles[0]

        def find(buf: bytes, pos: int, endpos: int) -> int:
            return buf.find(needle, pos, endpos)
    else:
        search = re.compile(b"|".join(re.escape(n) for n in needles)).search

        def find(buf: bytes, pos: int, endpos: int) -> int:
            m = search(buf, pos, endpos)
            return -1 if m is None else m.start()

    lineno = ctx.line
    carry = b""
    read_end = start = _resume_position(fp, ctx)  # offset just past the bytes read so far
    skipping = False  # inside an oversized line, looking for its end
    while True:
        if ctx.tick is not None:
            ctx.tick(read_end - start)
        data = fp.read(chunk)
        if not data:
            break
        read_end += len(data)
        if skipping:
            nl = data.find(b"\n")
            if nl < 0:
                continue
            lineno += 1
            ctx.issue(lineno, f"the line is longer than {MAX_LINE >> 20} MB; skipped")
            data = data[nl + 1 :]
            skipping = False
            ctx.consumed, ctx.line = read_end - len(data), lineno
        buf = carry + data if carry else data
        base_off = read_end - len(buf)
        end = buf.rfind(b"\n") + 1  # [0, end) holds complete lines only
        counted = 0
        if end:
            i = find(buf, 0, end)
            while i >= 0:
                ls = buf.rfind(b"\n", 0, i) + 1
                le = buf.find(b"\n", i)
                lineno += buf.count(b"\n", counted, ls) + 1
                counted = le + 1
                ctx.consumed, ctx.line = base_off + counted, lineno
                yield lineno, buf[ls:le]
                i = find(buf, counted, end)
            lineno += buf.count(b"\n", counted, end)
            ctx.consumed, ctx.line = base_off + end, lineno
        carry = buf[end:]
        if len(carry) > MAX_LINE:
            carry, skipping = b"", True
    if carry.strip() and not skipping:
        try:
            json.loads(carry)
        except ValueError:
            return  # partial line of a file still being written
        lineno += 1
        ctx.consumed, ctx.line = read_end, lineno
        if find(carry, 0, len(carry)) >= 0:
            yield lineno, carry


_fast_loads: Callable[[bytes], Any]
try:  # orjson parses the usage lines about twice as fast as the standard library
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency; stay correct without it
    _fast_loads = json.loads


def load_json_line(raw: bytes, lineno: int, ctx: ParseContext) -> Any:
    """Decode one JSON line; a bad line becomes an issue and None."""
    try:
        return _fast_loads(raw)
    except ValueError as err:  # JSONDecodeError, or UnicodeDecodeError on binary data
        detail = getattr(err, "msg", None) or "not UTF-8 text"
        reason = "binary data, not text" if b"\x00" in raw else f"not valid JSON ({detail})"
        ctx.issue(lineno, reason)
        return None


def project_from_cwd(cwd: str | None) -> str | None:
    """The project name shown for a working folder: its last component."""
    if not cwd:
        return None
    name = os.path.basename(cwd.rstrip("/\\"))
    return name or cwd
