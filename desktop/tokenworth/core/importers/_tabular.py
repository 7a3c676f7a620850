"""Shared readers of the export importers: CSV tables, numbers, times, zips, JSON arrays, sessions.

The usage exports (Cursor, OpenAI, Anthropic, OpenRouter, Copilot, LiteLLM, any CSV) are
whole files, written once by a dashboard. Their importers share one rule: a file is imported
whole or not at all. ``all_or_nothing`` runs an importer's row loop to the end before the
first event leaves it; the first bad row stops the loop with one ``BadInput`` naming the line,
what is wrong and what to do, and the runner then refuses the file (issues and no events).

The chat exports (ChatGPT, Claude.ai) are one JSON array, often one line of hundreds of MB:
``JsonArrayReader`` yields one element at a time with bounded memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from tokenworth.core.errors import InputError
from tokenworth.core.importers.base import ParseContext
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import format_ts

DEFAULT_IDLE_GAP_MINUTES = 30
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"


class BadInput(Exception):
    """One problem that stops the import of a whole file.

    Attributes:
        line: The line (1-based) or record number it was found at, if any.
        reason: What is wrong and what to do, as one or two short sentences.
    """

    def __init__(self, line: int | None, reason: str) -> None:
        reason = reason.rstrip(".")  # the runner ends the sentence
        super().__init__(reason)
        self.line = line
        self.reason = reason


def all_or_nothing(ctx: ParseContext, events: Iterable[UsageEvent]) -> Iterator[UsageEvent]:
    """Yield ``events`` only once all of them were made without a problem.

    The first ``BadInput`` becomes the file's one issue and nothing is yielded, so the
    runner refuses the file and the journal stays as it was.

    Args:
        ctx: The parse context; the issue is recorded there.
        events: The importer's event generator (it may raise ``BadInput``).
    """
    try:
        made = list(events)
    except BadInput as err:
        ctx.issue(err.line, err.reason)
        return
    if ctx.issues:
        return
    yield from made


def option(ctx: ParseContext, name: str, default: Any) -> Any:
    """An import option the runner passes in (``ctx.options``, else ``ctx.state``).

    The importer never sees the journal: settings such as ``idle_gap_minutes`` reach it
    through the parse context.
    """
    options = getattr(ctx, "options", None)
    if isinstance(options, Mapping) and name in options:
        return options[name]
    return ctx.state.get(name, default)


def idle_gap_seconds(ctx: ParseContext) -> float:
    """The idle gap that splits per-request rows into sessions, in seconds."""
    value = option(ctx, "idle_gap_minutes", DEFAULT_IDLE_GAP_MINUTES)
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        minutes = DEFAULT_IDLE_GAP_MINUTES
    return max(minutes, 1.0) * 60.0


def import_rank(ctx: ParseContext) -> int:
    """The dedup rank of aggregate buckets: the export file's modification time (ns).

    Aggregate rows (a day's tokens of one model) have no per-request id; their natural key
    is the bucket. A later export of an overlapping period has a newer file time, so its
    buckets replace the stored ones (the store keeps the larger rank); an older export
    imported afterwards does not overwrite newer numbers.
    """
    try:
        return os.stat(ctx.path).st_mtime_ns
    except OSError:
        return time.time_ns()


# ---------------------------------------------------------------------------- CSV tables


def normalize_name(name: str) -> str:
    """A column name as compared: lower case, single spaces, no BOM or surrounding quotes."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def _delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of , ; and tab outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def header_of(head: bytes) -> list[str]:
    """The normalized column names of a CSV file's first non-empty line (for sniffing)."""
    text = head[:16384].decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        if line.strip():
            names = next(csv.reader([line], delimiter=_delimiter(line)), [])
            return [normalize_name(n) for n in names]
    return []


def header_score(head: bytes, required: Iterable[str], extra: Iterable[str] = ()) -> float:
    """How sure a CSV importer is: 0.95 with every required column, +0.03 with the extras."""
    if head.startswith(ZIP_MAGIC) or b"\x00" in head[:4096]:
        return 0.0
    names = set(header_of(head))
    if not names or not all(r in names for r in required):
        return 0.0
    bonus = 0.03 if extra and all(e in names for e in extra) else 0.0
    return 0.95 + bonus


def _encoding(fp: BinaryIO) -> str:
    """``utf-8`` when the whole stream decodes as UTF-8, else ``cp1252`` (Excel's CSV)."""
    start = fp.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while True:
            chunk = fp.read(1 << 20)
            decoder.decode(chunk, final=not chunk)
            if not chunk:
                return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        fp.seek(start)


@dataclass
class Row:
    """One data row of a CSV file.

    Attributes:
        line: The line the row starts on (1-based, the header is line 1).
        values: Cell text by normalized column name (unknown columns included).
    """

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        """The stripped cell of a column, "" when the column or the cell is missing."""
        return self.values.get(name, "").strip()


class CsvTable:
    """A CSV file read row by row, its header mapped by name.

    Handles a BOM, CRLF or LF line ends, comma, semicolon or tab delimiters (decimal
    commas in semicolon files), quoted cells, blank lines, and files saved by Excel in
    cp1252. Unknown extra columns are kept in ``Row.values`` and ignored by importers.
    """

    def __init__(self, fp: BinaryIO, what: str) -> None:
        """Read the header.

        Args:
            fp: The binary stream, at the start of the file.
            what: The export's name in messages ("a Cursor usage export").

        Raises:
            BadInput: the file has no header line.
        """
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # prompts in LiteLLM cells
        self.what = what
        self.encoding = _encoding(fp)
        self._fp = fp
        self._text = io.TextIOWrapper(fp, encoding=self.encoding, newline="")
        first = ""
        self._line = 0
        for raw in self._text:
            self._line += 1
            if raw.strip():
                first = raw
                break
        forced = ""
        if first.lower().startswith("sep=") and len(first.strip()) == 5:
            forced = first.strip()[4]  # Excel's "sep=;" line names the delimiter
            first = ""
            for raw in self._text:
                self._line += 1
                if raw.strip():
                    first = raw
                    break
        if not first:
            self.close()
            raise BadInput(None, f"the file is empty: it is not {what}")
        self.delimiter = forced or _delimiter(first)
        self.decimal_comma = self.delimiter == ";"
        self.header = next(csv.reader([first], delimiter=self.delimiter), [])
        self.columns = [normalize_name(n) for n in self.header]
        self.header_line = self._line

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give the binary stream back to its owner (the runner hashes it afterwards)."""
        with contextlib.suppress(ValueError):
            self._text.detach()

    def require(self, names: Iterable[str], advice: str) -> None:
        """Refuse the file when a needed column is missing.

        Raises:
            BadInput: with the missing columns and ``advice``.
        """
        missing = [n for n in names if n not in self.columns]
        if missing:
            shown = ", ".join(self.header[:8]) + (", ..." if len(self.header) > 8 else "")
            raise BadInput(
                self.header_line,
                f"this is not {self.what}: the header lacks {', '.join(missing)} "
                f"(it has {shown}). {advice}",
            )

    def has(self, name: str) -> bool:
        """True when the header has this (normalized) column."""
        return name in self.columns

    def rows(self) -> Iterator[Row]:
        """Yield the data rows; blank lines are skipped.

        Raises:
            BadInput: a row has fewer cells than the header (a file cut short) or more
                non-empty cells than it.
        """
        width = len(self.columns)
        reader = csv.reader(self._line_source(), delimiter=self.delimiter)
        try:
            start = self._line
            for cells in reader:
                line = start + 1
                start = self._line
                if not cells or all(not c.strip() for c in cells):
                    continue
                if len(cells) < width:
                    raise BadInput(
                        line,
                        f"this row has {len(cells)} of the {width} columns of the header; "
                        "the file may be cut short: export it again",
                    )
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    raise BadInput(
                        line,
                        f"this row has {len(cells)} cells but the header has {width} "
                        "columns: check the delimiter or export the file again",
                    )
                yield Row(line, dict(zip(self.columns, cells, strict=False)))
        except csv.Error as err:
            raise BadInput(self._line, f"the CSV is damaged ({err}): export it again") from err
        finally:
            self.close()

    def _line_source(self) -> Iterator[str]:
        for raw in self._text:
            self._line += 1
            yield raw

    def number(self, row: Row, name: str, *, whole: bool = True) -> float:
        """A count or amount cell as a number (empty is 0).

        Raises:
            BadInput: the cell is not a number (or not a whole one for counts).
        """
        column = self.header[self.columns.index(name)] if name in self.columns else name
        return parse_number(
            row.get(name), row.line, column.strip(), decimal_comma=self.decimal_comma, whole=whole
        )

    def count(self, row: Row, name: str) -> int:
        """A token count cell: a whole, non-negative number ("10.0" and "1,234" allowed)."""
        return int(self.number(row, name, whole=True))

    def amount(self, row: Row, name: str) -> float | None:
        """A money cell in dollars, or None when empty ("$0.12", "0,12" in ; files)."""
        if not row.get(name):
            return None
        return self.number(row, name, whole=False)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(
    text: str, line: int | None, column: str, *, decimal_comma: bool = False, whole: bool = True
) -> float:
    """Parse a cell written by a dashboard or a spreadsheet.

    Accepts quoted numbers, counts written as floats (``10.0``), thousands separators
    (``1,234``), a leading ``$`` or trailing ``USD``, and decimal commas in semicolon files.

    Args:
        text: The cell (already unquoted).
        line: The row's line, for the message.
        column: The column's name as in the header, for the message.
        decimal_comma: The file writes ``0,12`` for 0.12.
        whole: Refuse fractions and negative values (token counts).

    Raises:
        BadInput: when the cell is not such a number.
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        return 0.0
    if s.startswith("$"):
        s = s[1:]
    if s.upper().endswith("USD"):
        s = s[:-3]
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        raise BadInput(
            line, f"the {column} cell {text.strip()!r} is not a number: correct or remove the row"
        )
    value = float(s)
    if whole and (value < 0 or value != int(value)):
        raise BadInput(
            line,
            f"the {column} cell {text.strip()!r} is not a whole, non-negative count "
            "of tokens: correct the row",
        )
    return value


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str, line: int | None, column: str, zone: dt.tzinfo | None = None) -> str:
    """A time cell in the stored form.

    Accepts ISO-8601 with or without a zone (``2025-12-02T01:46:34.592Z``,
    ``2026-02-06 18:54:30.040``, ``2026-02-12``) and Unix seconds or milliseconds. A time
    without a zone is in ``zone`` (default UTC: every dashboard export writes UTC).

    Raises:
        BadInput: when the cell is not a time.
    """
    s = text.strip()
    if not s:
        raise BadInput(line, f"the {column} cell is empty: every row needs its time")
    if re.fullmatch(r"\d{9,13}(\.\d+)?", s):
        seconds = float(s)
        if seconds > 1e11:
            seconds /= 1000.0
        return format_ts(dt.datetime.fromtimestamp(seconds, dt.UTC))
    try:
        value = dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError as err:
        raise BadInput(
            line,
            f"the {column} cell {s!r} is not a date and time "
            "(expected e.g. 2026-02-12 or 2026-02-12T10:30:00Z)",
        ) from err
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or dt.UTC)
    return format_ts(value)


# --------------------------------------------------------------------------------- sessions


def split_by_idle_gap(
    events: list[UsageEvent],
    prefix: str,
    gap_s: float,
    group: Callable[[UsageEvent], str] | None = None,
) -> None:
    """Give per-request events (no session id in the source) session keys, in place.

    Events of one group (e.g. one user), sorted by time, belong to one session until a
    pause longer than ``gap_s``. The key is ``prefix:[group:]<first call's time>``, so
    importing the same rows again gives the same keys.

    Args:
        events: The file's events (sorted here by group and time).
        prefix: The tool's key prefix, e.g. ``cursor``.
        gap_s: The idle gap in seconds.
        group: Splits events that never share a session (None: one group).
    """
    from tokenworth.core.timeutil import parse_ts

    keyed = sorted(events, key=lambda e: ((group(e) if group else ""), e.ts))
    last_group: str | None = None
    last_t = 0.0
    key = ""
    for ev in keyed:
        g = group(ev) if group else ""
        t = parse_ts(ev.ts).timestamp()
        if g != last_group or t - last_t > gap_s:
            key = f"{prefix}:{g}:{ev.ts}" if g else f"{prefix}:{ev.ts}"
        ev.session_key = key
        last_group, last_t = g, t


def day_of(ts: str) -> str:
    """The UTC day ``YYYY-MM-DD`` of a stored time stamp."""
    return ts[:10]


def bucket_key(prefix: str, parts: Sequence[Any]) -> str:
    """A dedup key from a bucket's natural key (JSON, so no separator can collide)."""
    return prefix + ":" + json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------- zips


def is_zip(head: bytes) -> bool:
    """True for the first bytes of a zip file."""
    return head.startswith(ZIP_MAGIC)


def first_member_head(head: bytes, size: int = 4096) -> bytes | None:
    """The first bytes of a zip's first member, from the file's head alone.

    Works on a truncated zip too (its directory at the end is missing), so a cut-short
    export is still recognized by content and can be refused with a clear message.
    """
    if not is_zip(head) or len(head) < 30:
        return None
    (method, csize, name_len, extra_len) = struct.unpack("<8xH8xI4xHH", head[:30])
    start = 30 + name_len + extra_len
    data = head[start : start + (csize or len(head))]
    if method == 0:
        return data[:size]
    if method == 8:
        try:
            return zlib.decompressobj(-15).decompress(data, size)
        except zlib.error:
            return None
    return None


def zip_member_heads(path: Path, size: int = 4096) -> Iterator[tuple[str, bytes]]:
    """Each member's name and first bytes, biggest members first; nothing when unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and i.file_size > 0]
            infos.sort(key=lambda i: -i.file_size)
            for info in infos[:64]:
                try:
                    with zf.open(info) as member:
                        yield info.filename, member.read(size)
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                    continue
    except (zipfile.BadZipFile, OSError):
        return


def zip_sniff(path: Path, head: bytes, looks_like: Callable[[bytes], bool]) -> float:
    """Score a zip by the content of its members (never by their names).

    Returns:
        0.9 when a member looks like the format; 0.6 when the zip cannot be read (cut
        short) but its first member does; 0.5 for any other unreadable zip (so that it is
        refused with a message about the zip, not as an unknown file); else 0.
    """
    if not is_zip(head):
        return 0.0
    readable = False
    for _name, member in zip_member_heads(path):
        readable = True
        if looks_like(member):
            return 0.9
    if readable:
        return 0.0
    try:
        with zipfile.ZipFile(path):
            return 0.0  # a readable zip with nothing of ours
    except (zipfile.BadZipFile, OSError):
        pass
    first = first_member_head(head)
    return 0.6 if first is not None and looks_like(first) else 0.5


TRUNCATED_ZIP = (
    "the zip file is damaged or cut short (its table of contents is missing): "
    "download the export again and import the new zip"
)


def open_zip_member(fp: BinaryIO, looks_like: Callable[[bytes], bool], what: str) -> IO[bytes]:
    """The member of a zip whose content looks like the export, opened for reading.

    Args:
        fp: The zip file, seekable; it stays open (ZipFile does not close it).
        looks_like: Tests a member's first 4 KiB.
        what: The export's name, for the message ("a ChatGPT export").

    Raises:
        BadInput: the zip is damaged, or holds no such member.
    """
    try:
        zf = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError) as err:
        raise BadInput(None, TRUNCATED_ZIP) from err
    infos = [i for i in zf.infolist() if not i.is_dir() and i.file_size > 0]
    infos.sort(key=lambda i: -i.file_size)
    for info in infos:
        try:
            with zf.open(info) as member:
                head = member.read(4096)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            continue
        if looks_like(head):
            return zf.open(info)
    raise BadInput(
        None,
        f"this zip holds no {what} (no file in it has the export's content): "
        "import the zip you downloaded from the service, unchanged",
    )


def strip_start(head: bytes) -> bytes:
    """The first bytes without a BOM and leading white space."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    return head.lstrip()


# ------------------------------------------------------------------------ JSON array stream

_WS = re.compile(r"[ \t\n\r]*")


class JsonArrayReader:
    """Yields the elements of a top-level JSON array one at a time, in bounded memory.

    ``json.JSONDecoder.raw_decode`` (the C scanner) decodes each element from a text
    buffer filled by chunks; an element cut by the buffer's end is retried once more text
    is read (the read size doubles, so a huge element costs a few retries, not one per
    chunk). Memory stays near one chunk plus the largest element. A top-level object
    (one conversation saved alone) is yielded as the only element.

    Attributes:
        count: Elements yielded so far.
        top: ``"["`` or ``"{"``, once the first value has been seen.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        what: str,
        item: str = "item",
        chunk: int = 4 << 20,
        max_item: int = 1 << 29,
        tick: Callable[[int], None] | None = None,
    ) -> None:
        """Prepare to read.

        Args:
            stream: Binary stream at the start of the JSON text.
            what: The export's name, for messages ("a ChatGPT export").
            item: What one element is, for messages ("conversation").
            chunk: Bytes read at a time.
            max_item: An element longer than this many characters is refused.
            tick: Called with the bytes read so far (progress; may raise Cancelled).
        """
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._chunk = chunk
        self._max_item = max_item
        self._tick = tick
        self.bytes_read = 0
        self.what = what
        self.item = item
        self.count = 0
        self.top = ""

    def _fill(self, at_least: int) -> bool:
        """Append at least ``at_least`` more bytes of text; False at the end of the stream."""
        if self._eof:
            return False
        parts = [self._buf[self._pos :]]
        got = 0
        while got < at_least:
            data = self._stream.read(max(self._chunk, at_least - got))
            if not data:
                self._eof = True
                break
            got += len(data)
            self.bytes_read += len(data)
            try:
                parts.append(self._decoder.decode(data))
            except UnicodeDecodeError as err:
                raise BadInput(None, f"the file is not UTF-8 text: it is not {self.what}") from err
        if self._eof:
            try:
                parts.append(self._decoder.decode(b"", final=True))
            except UnicodeDecodeError as err:
                raise BadInput(None, f"the file ends inside a character: {self._cut()}") from err
        self._buf = "".join(parts)
        self._pos = 0
        if self._tick is not None:
            self._tick(self.bytes_read)
        return got > 0

    def _cut(self) -> str:
        return (
            f"it is cut short after {self.count:,} {self.item}s. Export your data again "
            "(or take the file from the zip again) and import the complete file"
        )

    def _skip_ws(self) -> str:
        """The next non-blank character (read more as needed), or "" at the end."""
        while True:
            m = _WS.match(self._buf, self._pos)
            self._pos = m.end() if m else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill(self._chunk):
                return ""

    def _decode_one(self) -> Any:
        want = self._chunk
        while True:
            try:
                obj, end = self._json.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as err:
                incomplete = err.pos >= len(self._buf) - 16 or err.msg.startswith("Unterminated")
                if not incomplete or self._eof:
                    if self._eof and incomplete:
                        reason = f"the JSON text ends too early: {self._cut()}"
                        raise BadInput(None, reason) from err
                    raise BadInput(
                        None,
                        f"the JSON is damaged in {self.item} {self.count + 1:,} "
                        f"({err.msg}): export your data again",
                    ) from err
                if len(self._buf) - self._pos > self._max_item:
                    raise BadInput(
                        None,
                        f"{self.item} {self.count + 1:,} is larger than "
                        f"{self._max_item >> 20} MB or the JSON is damaged there: "
                        "export your data again",
                    ) from err
                want = max(want, len(self._buf) - self._pos)  # doubles the text held
                self._fill(want)
                continue
            self._pos = end
            return obj

    def __iter__(self) -> Iterator[Any]:
        """Yield each element; the checks on the array's shape raise ``BadInput``."""
        first = self._skip_ws()
        if first not in ("[", "{"):
            raise BadInput(
                1,
                f"this is not {self.what}: it is not a JSON array"
                + (" (the file is empty)" if not first else ""),
            )
        self.top = first
        if first == "{":
            obj = self._decode_one()
            self.count = 1
            yield obj
            self._expect_end()
            return
        self._pos += 1
        nxt = self._skip_ws()
        if nxt == "]":
            self._pos += 1
            self._expect_end()
            return
        while True:
            if not nxt:
                raise BadInput(None, f"the JSON text ends too early: {self._cut()}")
            obj = self._decode_one()
            self.count += 1
            yield obj
            # Drop what was decoded: the buffer holds at most a chunk beyond the element.
            if self._pos > self._chunk:
                self._buf = self._buf[self._pos :]
                self._pos = 0
            sep = self._skip_ws()
            if sep == "]":
                self._pos += 1
                self._expect_end()
                return
            if sep != ",":
                if not sep:
                    raise BadInput(None, f"the JSON text ends too early: {self._cut()}")
                raise BadInput(
                    None,
                    f"the JSON is damaged after {self.item} {self.count:,} "
                    f"(found {sep!r} where a comma belongs): export your data again",
                )
            self._pos += 1
            nxt = self._skip_ws()

    def _expect_end(self) -> None:
        rest = self._skip_ws()
        if rest:
            raise BadInput(
                None,
                f"there is more text after the end of the JSON ({rest!r}): it is not {self.what}",
            )


# ------------------------------------------------------------------------ token estimates

# Scripts written without spaces, where one character is about one token.
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+"
)
ESTIMATE_VERSION = 1  # the dedup rank of estimated events: a better estimate replaces older ones


def estimate_tokens(text: str) -> int:
    """An offline estimate of the tokens of ``text``, for chat exports that record none.

    No tokenizer vocabulary ships with the app (tiktoken downloads its vocabularies on first
    use, which an offline app cannot do, and there is no public Claude tokenizer). The
    estimate follows OpenAI's rule of thumb, about four characters per token of English,
    with two corrections: Chinese, Japanese and Korean characters count about one token
    each, and other non-ASCII characters (accents, Cyrillic, Greek, emoji) one token per two.
    Every number it gives is stored as ``estimated``.

    Args:
        text: The visible text of one message.

    Returns:
        The estimated token count (0 for an empty text).
    """
    if not text:
        return 0
    n = len(text)
    if text.isascii():
        return (n + 3) // 4
    ascii_chars = len(text.encode("ascii", "ignore"))
    cjk = n - len(_CJK.sub("", text))
    other = n - ascii_chars - cjk
    return (ascii_chars + 3) // 4 + cjk + (other + 1) // 2


# ------------------------------------------------------------------------- chat exports


def check_complete(fp: BinaryIO, what: str) -> None:
    """Refuse a JSON export whose end is missing before reading any of it.

    A download or copy that stopped early is the common damage; its last bytes are not the
    array's closing bracket. Checked first, so such a file is refused cleanly.

    Raises:
        BadInput: the file does not end like a JSON array or object.
    """
    fp.seek(0, 2)
    size = fp.tell()
    fp.seek(max(0, size - 256))
    tail = fp.read().rstrip()
    fp.seek(0)
    if tail and not tail.endswith((b"]", b"}")):
        raise BadInput(
            None,
            f"the file is cut short (it does not end with the closing bracket of {what}): "
            "export your data again, or take the file from the zip again, and import it",
        )


def read_conversations(
    stream: IO[bytes],
    fp: BinaryIO,
    ctx: ParseContext,
    convert: Callable[[Mapping[str, Any]], list[UsageEvent]],
    what: str,
    advice: str,
    key: str = "mapping",
) -> Iterator[UsageEvent]:
    """Stream a chat export's conversations and yield their events.

    Args:
        stream: The JSON text (the file, or its zip member).
        fp: The file itself, whose position is the progress.
        ctx: The parse context.
        convert: One conversation to its events.
        what: The export's name, for messages.
        advice: What to import instead, for the message about a JSON of another kind.
        key: A field every conversation of this export has.

    Raises:
        InputError: damage found after the first events were yielded (rolled back).
    """
    tick = ctx.tick

    def progress(_: int) -> None:
        if tick is not None:
            tick(fp.tell())

    reader = JsonArrayReader(stream, what=what, item="conversation", tick=progress)
    yielded = False
    try:
        for conv in reader:
            if reader.count == 1 and not (isinstance(conv, dict) and key in conv):
                raise BadInput(
                    1, f"this JSON is not {what}: its first item is not a conversation; {advice}"
                )
            if not isinstance(conv, dict):
                ctx.issue(reader.count, f"conversation {reader.count:,} is not an object; skipped")
                continue
            for ev in convert(conv):
                yielded = True
                yield ev
    except BadInput as err:
        if not yielded:
            ctx.issue(err.line, err.reason)
            return
        # Events of this file are already in its savepoint: raising rolls them back.
        raise InputError(err.reason) from err
    except (OSError, EOFError, zipfile.BadZipFile) as err:  # a damaged zip member
        raise InputError(f"the zip is damaged ({err}): download the export again") from err
