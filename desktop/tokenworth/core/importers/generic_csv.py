"""Any other tool's usage CSV, read through a column-mapping preset (``--format csv:NAME``).

The preset (``presets.Preset``) names the columns of the time, model, token counts, cost,
session, project and request id. Without a preset (``--format csv``) the columns are guessed
from their names (``presets.guess_columns``) and the file is refused when the time or every
token column cannot be found. This format is never chosen by sniffing: a CSV nobody else
claims needs the person to say what its columns mean.

Rows are requests unless the preset says ``daily``:

- requests: the key is the request id column, else the whole row plus its occurrence number
  among identical rows (an overlapping later file adds only new rows); sessions come from the
  session column, else a pause longer than the idle gap (``idle_gap_minutes``) splits them.
- daily aggregates: the key is (time, model, session, project), rows repeating it are summed,
  and the rank is the file's modification time, so a later file replaces those rows; one
  session per UTC day and project.

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
    BadInput,
    CsvTable,
    all_or_nothing,
    bucket_key,
    day_of,
    header_of,
    idle_gap_seconds,
    import_rank,
    normalize_name,
    parse_time,
    split_by_idle_gap,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.importers.presets import TOKEN_FIELDS, Preset, guess_columns
from tokenworth.core.model import UsageEvent
from tokenworth.core.timeutil import get_zone

WHAT = "a usage CSV"
NO_MAPPING = (
    "Tokenworth cannot tell which columns hold the time and the tokens: map the columns "
    "(in the window, Import with a column mapping; on the command line, save a preset and "
    "use --format csv:PRESET)"
)


class GenericCsvImporter(Importer):
    """A CSV of any tool, read with a column mapping."""

    name: ClassVar[str] = "csv"
    tool: ClassVar[str] = "csv"
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = CSV_SUFFIXES
    preset: ClassVar[Preset | None] = None
    guess: ClassVar[bool] = False

    @classmethod
    def with_preset(cls, preset: Preset) -> GenericCsvImporter:
        """An importer named ``csv:<preset name>`` that reads with this mapping.

        Raises:
            InputError: the preset is not usable.
        """
        clean = preset.validate()
        sub = type(
            f"GenericCsvImporter_{clean.name}",
            (cls,),
            {"name": f"csv:{clean.name}", "tool": clean.tool, "preset": clean},
        )
        importer = sub()
        assert isinstance(importer, GenericCsvImporter)
        return importer

    @classmethod
    def guessing(cls) -> GenericCsvImporter:
        """The importer of ``--format csv``: columns guessed from their names."""
        sub = type("GenericCsvImporter_guess", (cls,), {"guess": True})
        importer = sub()
        assert isinstance(importer, GenericCsvImporter)
        return importer

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the header has the mapped (or guessed) columns; 0 for the registry's own.

        The registry's instance has no mapping and never claims a file by itself: a CSV
        nobody else recognizes needs the person to say what its columns mean. The instances
        made for ``--format csv:NAME`` and ``--format csv`` check the header, so the runner
        accepts the forced format only for a file that has those columns.
        """
        names = set(header_of(head))
        if self.preset is not None:
            wanted = {normalize_name(c) for c in self.preset.columns.values()}
            return 0.95 if names and wanted <= names else 0.0
        if self.guess:
            cols = guess_columns(list(names))
            usable = "timestamp" in cols and any(f in cols for f in TOKEN_FIELDS)
            return 0.9 if usable else 0.0
        return 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every row's event once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        with CsvTable(fp, WHAT) as table:
            preset = self.preset or Preset(name="guess", columns=guess_columns(table.header))
            cols = {f: normalize_name(c) for f, c in preset.columns.items()}
            if self.preset is None and (
                "timestamp" not in cols or not any(f in cols for f in TOKEN_FIELDS)
            ):
                raise BadInput(table.header_line, NO_MAPPING)
            missing = [preset.columns[f] for f, c in cols.items() if not table.has(c)]
            if missing:
                raise BadInput(
                    table.header_line,
                    f"the file has no column {missing[0]!r}, which the preset "
                    f"{preset.name!r} maps: choose the mapping again for this file",
                )
            zone = get_zone(preset.time_zone)
            tool = self.tool
            events: list[UsageEvent] = []
            seen: dict[str, int] = {}
            daily: dict[str, UsageEvent] = {}
            rank = import_rank(ctx)
            for row in table.rows():
                ts = parse_time(
                    row.get(cols["timestamp"]), row.line, preset.columns["timestamp"], zone
                )
                inp, out, read, write, reasoning, total = (
                    table.count(row, cols[f]) if f in cols else 0
                    for f in (
                        "input_tokens",
                        "output_tokens",
                        "cache_read_tokens",
                        "cache_creation_tokens",
                        "reasoning_tokens",
                        "total_tokens",
                    )
                )
                if preset.input_includes_cache:
                    read = min(read, inp)
                    write = min(write, inp - read)
                    inp -= read + write
                if total and not (inp or out or read or write):
                    inp = total  # only a total: count it as input, the cheapest reading
                cost = table.amount(row, cols["cost_usd"]) if "cost_usd" in cols else None
                if not (inp or out or read or write or cost):
                    continue  # an empty row
                model = row.get(cols["model"]) if "model" in cols else ""
                session = row.get(cols["session"]) if "session" in cols else ""
                project = row.get(cols["project"]) if "project" in cols else ""
                ev = UsageEvent(
                    tool=tool,
                    ts=ts,
                    session_key=f"{tool}:{session}" if session else "",
                    dedup_key="",
                    model=model or None,
                    input_tokens=inp,
                    cache_creation_tokens=write,
                    cache_read_tokens=read,
                    output_tokens=out,
                    reasoning_tokens=min(reasoning, out),
                    cost_usd=cost,
                    project=project or None,
                )
                if preset.daily:
                    key = bucket_key(f"csv-{tool}", [ts, model, session, project])
                    if key in daily:
                        _add(daily[key], ev)
                        continue
                    ev.dedup_key, ev.dedup_rank = key, rank
                    if not session:
                        ev.session_key = f"{tool}:{day_of(ts)}" + (f":{project}" if project else "")
                    daily[key] = ev
                else:
                    rid = row.get(cols["request_id"]) if "request_id" in cols else ""
                    if rid:
                        ev.dedup_key = f"{tool}:{rid}"
                    else:
                        ident = json.dumps([ts, model, inp, write, read, out, cost, session])
                        digest = hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()
                        n = seen[digest] = seen.get(digest, 0) + 1
                        ev.dedup_key = f"{tool}:{digest}:{n}"
                events.append(ev)
        events.extend(daily.values())
        loose = [e for e in events if not e.session_key]
        split_by_idle_gap(loose, tool, idle_gap_seconds(ctx))
        yield from events


def _add(into: UsageEvent, ev: UsageEvent) -> None:
    """Sum a repeated daily row into the first one."""
    into.input_tokens += ev.input_tokens
    into.cache_creation_tokens += ev.cache_creation_tokens
    into.cache_read_tokens += ev.cache_read_tokens
    into.output_tokens += ev.output_tokens
    into.reasoning_tokens += ev.reasoning_tokens
    into.total_tokens = (into.total_tokens or 0) + (ev.total_tokens or 0)
    if ev.cost_usd is not None:
        into.cost_usd = round((into.cost_usd or 0.0) + ev.cost_usd, 12)
