"""LiteLLM proxy spend logs (rows of ``LiteLLM_SpendLogs``) as a JSON or CSV export.

One row per request through the proxy: ``request_id`` (the key), ``startTime``, ``model``,
``prompt_tokens``, ``completion_tokens``, ``spend`` (dollars), ``session_id``, ``metadata``::

    {"request_id": "chatcmpl-...", "call_type": "acompletion", "spend": 0.000735,
     "prompt_tokens": 120, "completion_tokens": 25, "startTime": "2026-04-01T09:00:00Z", ...}

Accepted files: a JSON array of rows (streamed, so the prompts and responses some rows carry
never sit in memory all at once), a ``/spend/logs`` page ``{"data": [...]}``, or a CSV
export with the same column names. Prompt and response columns are never read.

LiteLLM reports usage in OpenAI's convention: ``prompt_tokens`` includes cache reads and cache
writes (its Anthropic adapter adds both). The split comes from ``metadata.usage_object`` when
it is there (``prompt_tokens_details.cached_tokens`` or ``cache_read_input_tokens``,
``cache_creation_input_tokens``, ``completion_tokens_details.reasoning_tokens``); without it
all prompt tokens count as input. Rows served from LiteLLM's cache (``cache_hit``) and rows
with neither tokens nor spend (failed calls) are not model calls and are skipped.

Sessions: the row's ``session_id`` when set (``litellm:session:<id>``); otherwise a pause
longer than the idle gap (``idle_gap_minutes``, default 30) starts a new one.

A file is imported whole or not at all: the first bad row refuses it, naming the row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    CSV_SUFFIXES,
    BadInput,
    CsvTable,
    JsonArrayReader,
    all_or_nothing,
    header_score,
    idle_gap_seconds,
    parse_number,
    parse_time,
    split_by_idle_gap,
    strip_start,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "litellm"
WHAT = "a LiteLLM spend log export"
ADVICE = (
    "Export the LiteLLM_SpendLogs rows (the proxy's /spend/logs, or the table as CSV or JSON) "
    "and import that file."
)
REQUIRED = ("request_id", "starttime", "prompt_tokens", "completion_tokens")


def _num(value: Any, row: int, key: str, *, whole: bool = True) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise BadInput(row, f"{key} is {value!r}, not a number")
    if isinstance(value, int | float):
        value = repr(value)
    return parse_number(str(value), row, key, whole=whole)


def _metadata(value: Any) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _usage_split(meta: Mapping[str, Any]) -> tuple[int, int, int]:
    """Cache reads, cache writes and reasoning from ``metadata.usage_object``."""
    usage = meta.get("usage_object")
    if not isinstance(usage, dict):
        return 0, 0, 0

    def count(obj: Any, key: str) -> int:
        v = obj.get(key) if isinstance(obj, dict) else None
        return int(v) if isinstance(v, int | float) and not isinstance(v, bool) and v > 0 else 0

    read = count(usage.get("prompt_tokens_details"), "cached_tokens") or count(
        usage, "cache_read_input_tokens"
    )
    write = count(usage, "cache_creation_input_tokens")
    reasoning = count(usage.get("completion_tokens_details"), "reasoning_tokens")
    return read, write, reasoning


def row_event(row: Mapping[str, Any], n: int) -> UsageEvent | None:
    """The event of one spend-log row (keys as in the table), or None when it is no call.

    Args:
        row: The row, with LiteLLM's column names (any case).
        n: Its line (CSV) or position (JSON), for messages.

    Raises:
        BadInput: a needed value is missing or not a number.
    """
    get = {str(k).lower(): v for k, v in row.items()}.get
    request_id = str(get("request_id") or "").strip()
    if not request_id:
        raise BadInput(n, "this row has no request_id: export the spend logs again")
    if str(get("cache_hit") or "").strip().lower() == "true":
        return None
    ts = parse_time(str(get("starttime") or ""), n, "startTime")
    prompt = int(_num(get("prompt_tokens"), n, "prompt_tokens"))
    output = int(_num(get("completion_tokens"), n, "completion_tokens"))
    spend = _num(get("spend"), n, "spend", whole=False)
    if not (prompt or output or spend):
        return None
    meta = _metadata(get("metadata"))
    read, write, reasoning = _usage_split(meta)
    read = min(read, prompt)
    write = min(write, prompt - read)
    session = str(get("session_id") or "").strip()
    team = meta.get("user_api_key_team_alias") or get("team_id")
    return UsageEvent(
        tool=TOOL,
        ts=ts,
        session_key=f"{TOOL}:session:{session}" if session else "",
        dedup_key=f"{TOOL}:{request_id}",
        model=str(get("model") or get("model_group") or "").strip() or None,
        input_tokens=prompt - read - write,
        cache_creation_tokens=write,
        cache_read_tokens=read,
        output_tokens=output,
        reasoning_tokens=min(reasoning, output),
        cost_usd=spend if get("spend") not in (None, "") else None,
        project=str(team).strip() or None if team else None,
    )


class LiteLLMSpendImporter(Importer):
    """Rows of LiteLLM's ``LiteLLM_SpendLogs`` table, as JSON or CSV."""

    name: ClassVar[str] = "litellm"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = (*CSV_SUFFIXES, ".json")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the rows have LiteLLM's spend-log columns."""
        if strip_start(head)[:1] in (b"[", b"{"):
            if b'"request_id"' in head and b'"spend"' in head and b'"startTime"' in head:
                return 0.9
            return 0.0
        return header_score(head, REQUIRED, ("spend",))

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every call once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        head = fp.read(4096)
        fp.seek(0)
        events: list[UsageEvent] = []
        if strip_start(head)[:1] in (b"[", b"{"):
            reader = JsonArrayReader(fp, what=WHAT, item="row")
            for item in reader:
                rows = item.get("data") if reader.top == "{" and isinstance(item, dict) else None
                for n, row in enumerate(rows if isinstance(rows, list) else [item], 1):
                    where = n if reader.top == "{" else reader.count
                    if not isinstance(row, dict):
                        raise BadInput(where, f"row {where} is not an object: {ADVICE}")
                    ev = row_event(row, where)
                    if ev is not None:
                        events.append(ev)
        else:
            with CsvTable(fp, WHAT) as table:
                table.require(REQUIRED, ADVICE)
                for csv_row in table.rows():
                    # chatcmpl-7f2,acompletion,88dc...,0.000735,145,120,25,2026-04-01 09:00:00,...
                    ev = row_event(csv_row.values, csv_row.line)
                    if ev is not None:
                        events.append(ev)
        loose = [e for e in events if not e.session_key]
        split_by_idle_gap(loose, TOOL, idle_gap_seconds(ctx))
        yield from events
