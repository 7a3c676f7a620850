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


def iter_lines(
    fp: BinaryIO, ctx: ParseContext, chunk: int = 1 << 20
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, raw_line)`` for each complete line from the current position.

    ``ctx.consumed`` advances past each yielded line, and ``ctx.line`` counts them. A last
    line without its newline is yielded only if it is already complete JSON: a session
    still being written leaves a partial line, which is left for the next import. A line
    longer than ``MAX_LINE`` is refused as an issue without being held in memory.
    """
    pos = ctx.offset
    lineno = ctx.line
    pending: list[bytes] = []  # pieces of a line longer than one chunk
    pending_len = 0
    oversized = False
    while True:
        if ctx.tick is not None:
            ctx.tick(pos - ctx.offset)
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


def load_json_line(raw: bytes, lineno: int, ctx: ParseContext) -> Any:
    """``json.loads`` one line; a bad line becomes an issue and None."""
    try:
        return json.loads(raw)
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
