"""Cursor dashboard usage-events CSV: one event per request, sessions split by idle gap.

The export (cursor.com/dashboard, Usage, Export) has one row per request, newest first::

    Date,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,...

Columns are mapped by name, so reordered columns and extra ones (a user or e-mail column in
team exports, a cost-in-requests column) are fine. ``Input (w/ Cache Write)`` is input written
to the prompt cache, ``Input (w/o Cache Write)`` plain input; ``Total Tokens`` is their sum with
cache reads and output on every real row, so the total is derived, not read. ``Cost`` is the
dollar value Cursor shows (also on ``Included`` rows) and is kept as the reported cost.

There is no request id: the dedup key is the whole row plus its occurrence number among
identical rows, so an overlapping later export adds only the new rows. There is no session
either: a pause longer than the idle gap (``idle_gap_minutes``, default 30) starts a new one.

A file is imported whole or not at all: the first bad row refuses it, naming the line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    CSV_SUFFIXES,
    CsvTable,
    all_or_nothing,
    header_score,
    idle_gap_seconds,
    parse_time,
    split_by_idle_gap,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "cursor"
WHAT = "a Cursor usage export"
DATE = "date"
MODEL = "model"
KIND = "kind"
MAX_MODE = "max mode"
CACHE_WRITE = "input (w/ cache write)"
INPUT = "input (w/o cache write)"
CACHE_READ = "cache read"
OUTPUT = "output tokens"
COST = "cost"
USER = ("user", "email", "user email")
REQUIRED = (DATE, MODEL, CACHE_WRITE, INPUT, CACHE_READ, OUTPUT)
ADVICE = "Export the usage events from cursor.com/dashboard (Usage, Export) and import that CSV."


class CursorCsvImporter(Importer):
    """Cursor's ``usage-events-YYYY-MM-DD.csv``."""

    name: ClassVar[str] = "cursor-csv"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = CSV_SUFFIXES

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the header has Cursor's token columns."""
        return header_score(head, REQUIRED, (KIND, "total tokens"))

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every row's event once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        events: list[UsageEvent] = []
        seen: dict[str, int] = {}
        users: dict[int, str] = {}
        with CsvTable(fp, WHAT) as table:
            table.require(REQUIRED, ADVICE)
            user_col = next((c for c in USER if table.has(c)), None)
            for row in table.rows():
                # "2025-11-14T06:33:38.190Z","Included","composer-1","No","0","15183",
                # "395934","1767","412884","0.12"
                ts = parse_time(row.get(DATE), row.line, "Date")
                model = row.get(MODEL) or None
                counts = [table.count(row, c) for c in (INPUT, CACHE_WRITE, CACHE_READ, OUTPUT)]
                cost = table.amount(row, COST) if table.has(COST) else None
                user = row.get(user_col) if user_col else ""
                ident = json.dumps(
                    [ts, row.get(KIND), model, row.get(MAX_MODE), counts, cost, user],
                    separators=(",", ":"),
                )
                digest = hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()
                n = seen[digest] = seen.get(digest, 0) + 1
                ev = UsageEvent(
                    tool=TOOL,
                    ts=ts,
                    session_key="",
                    dedup_key=f"cursor:{digest}:{n}",
                    model=model,
                    input_tokens=counts[0],
                    cache_creation_tokens=counts[1],
                    cache_read_tokens=counts[2],
                    output_tokens=counts[3],
                    cost_usd=cost,
                )
                if user:  # team exports: one person's requests never share a session
                    users[id(ev)] = hashlib.sha1(user.encode(), usedforsecurity=False).hexdigest()
                    users[id(ev)] = users[id(ev)][:10]
                events.append(ev)
        split_by_idle_gap(
            events, TOOL, idle_gap_seconds(ctx), (lambda e: users.get(id(e), "")) if users else None
        )
        yield from events
