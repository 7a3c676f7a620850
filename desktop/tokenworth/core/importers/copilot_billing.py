"""GitHub Copilot billing usage report CSV (all three header generations), mapped by column name.

github.com/settings/billing, Usage, "Get usage report". The header changed twice:

- before 2025-10: ``"Timestamp","User","Model","Requests Used","Exceeds Monthly Quota",
  "Total Monthly Quota"`` (premium requests only: no tokens, no money);
- 2025-10 onward: ``date,username,product,sku,model,quantity,unit_type,
  applied_cost_per_quantity,gross_amount,discount_amount,net_amount,exceeds_quota,...``;
- 2026 "AI credits": adds ``repository, aic_quantity, aic_gross_amount, input, output,
  cache_read, cache_write`` and the column order varies.

Columns are found by name, never by position. The reported cost is ``gross_amount`` (the
usage at list price, before the included allowance is discounted; ``aic_gross_amount`` when
only that is filled): the journal's costs are API-equivalent. Token columns, where present,
are taken as separate counts (input without the cache, Anthropic's convention).

Every row is a daily aggregate. The same day, model and user can appear on several rows
(different ``sku``): they are separate buckets, and rows repeating one bucket's whole key are
summed. The dedup key is the bucket's natural key and the rank the file's modification time,
so a later report of an overlapping period replaces those buckets. One session per UTC day
and repository or organization: ``copilot:DAY[:PROJECT]``.

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
    import_rank,
    parse_time,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "copilot"
WHAT = "a GitHub Copilot usage report"
ADVICE = (
    "Download the usage report again from github.com/settings/billing (Usage, Get usage "
    "report) and import that CSV."
)
OLD_REQUIRED = ("timestamp", "user", "model", "requests used")
NEW_REQUIRED = ("date", "product", "sku", "model", "quantity")
NEW_KEY = (
    "username",
    "product",
    "sku",
    "model",
    "unit_type",
    "organization",
    "cost_center_name",
    "repository",
)
TOKENS = ("input", "cache_write", "cache_read", "output")


class CopilotBillingImporter(Importer):
    """GitHub's Copilot usage report, whichever header generation."""

    name: ClassVar[str] = "copilot-billing"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = CSV_SUFFIXES

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure when the header is one of the three generations."""
        return max(
            header_score(head, OLD_REQUIRED, ("exceeds monthly quota",)),
            header_score(head, NEW_REQUIRED, ("gross_amount", "unit_type")),
        )

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every bucket once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        rank = import_rank(ctx)
        buckets: dict[str, tuple[UsageEvent, Decimal | None]] = {}
        with CsvTable(fp, WHAT) as table:
            old = table.has("requests used") and not table.has("sku")
            table.require(OLD_REQUIRED if old else NEW_REQUIRED, ADVICE)
            for row in table.rows():
                if old:
                    # "2025-06-03T00:00:00Z","octocat","Claude Sonnet 4","3","False","300"
                    ts = parse_time(row.get("timestamp"), row.line, "Timestamp")
                    parts = [ts, row.get("user"), row.get("model")]
                    project = ""
                    counts = [0, 0, 0, 0]
                    cost = None
                else:
                    # 2025-10-01,octocat,copilot,copilot_premium_request,Claude Sonnet 4.5,
                    # 12,requests,0.04,0.48,0.48,0,False,300,,
                    ts = parse_time(row.get("date"), row.line, "date")
                    parts = [ts, *(row.get(c) for c in NEW_KEY)]
                    project = row.get("repository") or row.get("organization")
                    counts = [table.count(row, c) if table.has(c) else 0 for c in TOKENS]
                    cost = _gross(table, row)
                key = bucket_key("copilot-billing", parts)
                self._add(buckets, key, ts, project, row.get("model"), counts, cost, rank)
        for ev, total in buckets.values():
            ev.cost_usd = None if total is None else float(total)
            yield ev

    @staticmethod
    def _add(
        buckets: dict[str, tuple[UsageEvent, Decimal | None]],
        key: str,
        ts: str,
        project: str,
        model: str,
        counts: list[int],
        cost: Decimal | None,
        rank: int,
    ) -> None:
        if key in buckets:  # a repeated bucket: sum it
            ev, total = buckets[key]
            ev.input_tokens += counts[0]
            ev.cache_creation_tokens += counts[1]
            ev.cache_read_tokens += counts[2]
            ev.output_tokens += counts[3]
            ev.total_tokens = (ev.total_tokens or 0) + sum(counts)
            if cost is not None:
                total = (total or Decimal(0)) + cost
            buckets[key] = (ev, total)
            return
        session = f"{TOOL}:{day_of(ts)}" + (f":{project}" if project else "")
        ev = UsageEvent(
            tool=TOOL,
            ts=ts,
            session_key=session,
            dedup_key=key,
            model=model or None,
            input_tokens=counts[0],
            cache_creation_tokens=counts[1],
            cache_read_tokens=counts[2],
            output_tokens=counts[3],
            project=project or None,
            dedup_rank=rank,
        )
        buckets[key] = (ev, cost)


def _gross(table: CsvTable, row: Row) -> Decimal | None:
    for name in ("gross_amount", "aic_gross_amount"):
        if table.has(name):
            value = table.amount(row, name)
            if value is not None:
                return Decimal(repr(value))
    return None
