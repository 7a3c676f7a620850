"""OpenRouter activity CSVs: the daily aggregate and the per-generation export.

Two files (openrouter.ai/activity, Export), recognized by their headers:

- Daily aggregate, one row per day and model::

      Date,Slug,Usage,BYOK Usage,Requests,Prompt Tokens,Completion Tokens,Reasoning Tokens

  ``Usage`` is what OpenRouter charged in dollars (credits) and ``BYOK Usage`` what the
  provider charged on the person's own key; the reported cost is their sum. A bucket is keyed
  by its day and slug and ranked by the file's modification time, so a later export of an
  overlapping period replaces those days. One session per UTC day: ``openrouter:DAY``.
- Per generation: ``generation_id, created_at, cost_total, ..., tokens_prompt,
  tokens_completion, tokens_reasoning, tokens_cached, model_permaslug, provider_name, ...``.
  Keyed by ``generation_id``. ``created_at`` has no zone and is read as UTC.
  Sessions are split by idle gap (``idle_gap_minutes``, default 30): ``openrouter:<first>``.

Tokens follow OpenAI's convention as OpenRouter normalizes them: prompt tokens include the
cached ones (kept as cache reads, the rest as input) and completion tokens include reasoning.
Import one of the two exports for a period: they describe the same calls.

A file is imported whole or not at all: the first bad row refuses it, naming the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    CSV_SUFFIXES,
    CsvTable,
    Row,
    all_or_nothing,
    bucket_key,
    day_of,
    header_score,
    idle_gap_seconds,
    import_rank,
    parse_time,
    split_by_idle_gap,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "openrouter"
WHAT = "an OpenRouter activity export"
ADVICE = "Export the activity again from openrouter.ai/activity (Export, CSV) and import that file."
DAILY_REQUIRED = ("date", "slug", "usage", "prompt tokens", "completion tokens")
GEN_REQUIRED = ("generation_id", "created_at", "tokens_prompt", "tokens_completion")


def _cost(table: CsvTable, row: Row, *names: str) -> float | None:
    """The sum of the money columns present (exact decimals), None when all are empty."""
    total: Decimal | None = None
    for name in names:
        if table.has(name):
            value = table.amount(row, name)
            if value is not None:
                total = (total or Decimal(0)) + Decimal(repr(value))
    return None if total is None else float(total)


def _split_cached(prompt: int, cached: int) -> tuple[int, int]:
    cached = min(cached, prompt)
    return prompt - cached, cached


class OpenRouterImporter(Importer):
    """OpenRouter's daily activity CSV and per-generation CSV."""

    name: ClassVar[str] = "openrouter"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = CSV_SUFFIXES

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the header has either export's columns."""
        return max(
            header_score(head, DAILY_REQUIRED, ("requests", "reasoning tokens")),
            header_score(head, GEN_REQUIRED, ("model_permaslug", "cost_total")),
        )

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every row's event once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        with CsvTable(fp, WHAT) as table:
            if table.has("generation_id"):
                table.require(GEN_REQUIRED, ADVICE)
                events = list(_generations(table))
                split_by_idle_gap(events, TOOL, idle_gap_seconds(ctx))
                yield from events
            else:
                table.require(DAILY_REQUIRED, ADVICE)
                yield from _daily(table, import_rank(ctx))


def _daily(table: CsvTable, rank: int) -> Iterator[UsageEvent]:
    for row in table.rows():
        # "2026-05-12 00:00:00","anthropic/claude-sonnet-4.5","0.4213","0","12","81234",
        # "2210","0"
        ts = parse_time(row.get("date"), row.line, "Date")
        prompt = table.count(row, "prompt tokens")
        cached = table.count(row, "cached tokens") if table.has("cached tokens") else 0
        inp, cached = _split_cached(prompt, cached)
        output = table.count(row, "completion tokens")
        reasoning = table.count(row, "reasoning tokens") if table.has("reasoning tokens") else 0
        cost = _cost(table, row, "usage", "byok usage")
        if not (prompt or output or cost):
            continue  # an empty bucket
        slug = row.get("slug")
        yield UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key=f"{TOOL}:{day_of(ts)}",
            dedup_key=bucket_key("openrouter-day", [ts, slug]),
            model=slug or None,
            input_tokens=inp,
            cache_read_tokens=cached,
            output_tokens=output,
            reasoning_tokens=min(reasoning, output),
            cost_usd=cost,
            dedup_rank=rank,
        )


def _generations(table: CsvTable) -> Iterator[UsageEvent]:
    for row in table.rows():
        # gen-1770403870-abc,2026-02-06 18:54:30.040,0.00123,0,0,0,0,1523,212,0,1024,
        # anthropic/claude-4.5-sonnet-20250929,Anthropic,stop,2310,640
        ts = parse_time(row.get("created_at"), row.line, "created_at")
        gen_id = row.get("generation_id")
        prompt = table.count(row, "tokens_prompt")
        cached = table.count(row, "tokens_cached") if table.has("tokens_cached") else 0
        inp, cached = _split_cached(prompt, cached)
        output = table.count(row, "tokens_completion")
        reasoning = table.count(row, "tokens_reasoning") if table.has("tokens_reasoning") else 0
        model = row.get("model_permaslug") or row.get("model") or None
        yield UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key="",
            dedup_key=f"openrouter:{gen_id}"
            if gen_id
            else bucket_key("openrouter-gen", [ts, model]),
            model=model,
            input_tokens=inp,
            cache_read_tokens=cached,
            output_tokens=output,
            reasoning_tokens=min(reasoning, output),
            cost_usd=_cost(table, row, "cost_total", "byok_usage_inference"),
        )
