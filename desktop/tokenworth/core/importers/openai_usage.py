"""OpenAI platform usage: dashboard CSV exports and Usage API / Costs API JSON pages.

Four files, recognized by content:

- Completions usage CSV (platform.openai.com/usage, Export)::

      start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,
      api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens,...

  Counts are written as floats (``59200.0``), ``batch`` as ``FALSE``, and a bucket with no
  usage still has a row whose columns after the times are empty (skipped).
- Costs CSV: ``start_time,end_time,...,amount_value,amount_currency,line_item,project_id,...``
  with ``amount_value`` a long decimal string in dollars.
- ``GET /v1/organization/usage/completions`` pages: ``data[].results[]`` objects
  ``organization.usage.completions.result`` with the same fields as the CSV.
- ``GET /v1/organization/costs`` pages: ``organization.costs.result`` with
  ``amount.value`` in dollars.

``input_tokens`` includes the cached tokens: Tokenworth's input is the uncached part and the
cached part is a cache read. Reasoning is inside ``output_tokens`` (there is no column for it).

Every row is an aggregate bucket. Its dedup key is the bucket's start and end and every
grouping column (project, user, API key, model, batch, service tier), the same for the CSV and
the API, so the CSV and a saved page of the same buckets count once; its rank is the file's
modification time, so a later export of an overlapping period replaces those buckets. Buckets
of another width (1h against 1d) or grouped differently have other keys: import one kind per
period. One session per UTC day and project: ``openai-api:DAY:PROJECT`` (``all`` when the
export is not grouped by project).

Cost rows carry no tokens; a day with both files shows the reported cost of the cost rows
beside the list-price estimate of the token rows.

A file is imported whole or not at all: the first bad row refuses it, naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    CSV_SUFFIXES,
    BadInput,
    CsvTable,
    Row,
    all_or_nothing,
    bucket_key,
    day_of,
    header_score,
    import_rank,
    parse_number,
    parse_time,
    strip_start,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "openai-api"
WHAT = "an OpenAI usage or cost export"
ADVICE = (
    "Export it again from platform.openai.com/usage (Export), or save a JSON page of the "
    "Usage API (organization/usage/completions) or the Costs API (organization/costs)"
)
USAGE_REQUIRED = ("start_time", "model", "input_tokens", "output_tokens")
USAGE_EXTRA = ("num_model_requests", "input_cached_tokens")
COST_REQUIRED = ("start_time", "amount_value", "line_item")
USAGE_RESULT = "organization.usage.completions.result"
COST_RESULT = "organization.costs.result"
GROUPS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
MAX_JSON = 512 << 20


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _batch(value: Any) -> str:
    """``FALSE``, ``false`` and False are one value; empty and null another."""
    text = _text(value).lower()
    return text if text in ("true", "false") else ""


def _model_of_line_item(item: str) -> str | None:
    """``gpt-4o-mini-2024-07-18, input`` -> ``gpt-4o-mini-2024-07-18``; None for tool fees."""
    head, sep, _ = item.partition(",")
    head = head.strip()
    return head if sep and head and " " not in head else None


def _session(ts: str, project: str) -> str:
    return f"{TOOL}:{day_of(ts)}:{project or 'all'}"


def _usage_event(
    ts: str,
    end: str,
    groups: Mapping[str, str],
    counts: tuple[int, int, int],
    rank: int,
) -> UsageEvent:
    total_in, cached, output = counts
    cached = min(cached, total_in)
    return UsageEvent(
        tool=TOOL,
        ts=ts,
        session_key=_session(ts, groups["project_id"]),
        dedup_key=bucket_key("openai-usage", [ts, end, *(groups[g] for g in GROUPS)]),
        model=groups["model"] or None,
        input_tokens=total_in - cached,
        cache_read_tokens=cached,
        output_tokens=output,
        project=groups["project_id"] or None,
        dedup_rank=rank,
    )


class OpenAIUsageImporter(Importer):
    """OpenAI's usage and costs exports, as CSV or as saved API pages."""

    name: ClassVar[str] = "openai-usage"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = (*CSV_SUFFIXES, ".json", ".jsonl")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for either CSV header or an API page's result objects."""
        if strip_start(head)[:1] in (b"{", b"["):
            if USAGE_RESULT.encode() in head or COST_RESULT.encode() in head:
                return 0.95
            if b'"bucket"' in head and b'"page"' in head:
                return 0.6  # a page whose buckets are all empty
            return 0.0
        return max(
            header_score(head, USAGE_REQUIRED, USAGE_EXTRA), header_score(head, COST_REQUIRED)
        )

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        """Yield every bucket once the whole file has been read without a problem."""
        yield from all_or_nothing(ctx, self._events(fp, ctx))

    def _events(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        head = fp.read(4096)
        fp.seek(0)
        rank = import_rank(ctx)
        if strip_start(head)[:1] in (b"{", b"["):
            yield from _api_events(_load_pages(fp), rank)
            return
        with CsvTable(fp, WHAT) as table:
            if table.has("amount_value"):
                table.require(COST_REQUIRED, ADVICE)
                yield from _cost_rows(table, rank)
            else:
                table.require(USAGE_REQUIRED, ADVICE)
                yield from _usage_rows(table, rank)


def _times(table: CsvTable, row: Row) -> tuple[str, str]:
    """The bucket's start and end: Unix seconds, else the ISO columns."""
    start = row.get("start_time") or row.get("start_time_iso")
    end = row.get("end_time") or row.get("end_time_iso")
    ts = parse_time(start, row.line, "start_time")
    return ts, parse_time(end, row.line, "end_time") if end else ""


def _usage_rows(table: CsvTable, rank: int) -> Iterator[UsageEvent]:
    for row in table.rows():
        # 1759190400,1759276800,2025-09-30T00:00:00+00:00,2025-10-01T00:00:00+00:00,proj_x,
        # 10.0,,,gpt-5-mini-2025-08-07,FALSE,default,59200.0,2000.0,1024.0,...
        if not any(row.get(c) for c in ("model", "input_tokens", "output_tokens")):
            continue  # an empty bucket: every column after the times is empty
        ts, end = _times(table, row)
        groups = {g: _batch(row.get(g)) if g == "batch" else row.get(g) for g in GROUPS}
        total_in = table.count(row, "input_tokens")
        if table.has("input_cached_tokens"):
            cached = table.count(row, "input_cached_tokens")
        elif table.has("input_uncached_tokens"):
            cached = total_in - table.count(row, "input_uncached_tokens")
        else:
            cached = 0
        counts = (total_in, cached, table.count(row, "output_tokens"))
        if any(counts):
            yield _usage_event(ts, end, groups, counts, rank)


def _cost_event(ts: str, end: str, project: str, item: str, org: str, rank: int) -> UsageEvent:
    return UsageEvent(
        tool=TOOL,
        ts=ts,
        session_key=_session(ts, project),
        dedup_key=bucket_key("openai-cost", [ts, end, project, item, org]),
        model=_model_of_line_item(item),
        project=project or None,
        dedup_rank=rank,
    )


def _cost_rows(table: CsvTable, rank: int) -> Iterator[UsageEvent]:
    sums: dict[str, tuple[UsageEvent, Decimal]] = {}
    for row in table.rows():
        # 1759190400,1759276800,2025-09-30T00:00:00+00:00,2025-10-01T00:00:00+00:00,
        # 0.8958740000000000,usd,"gpt-5-mini-2025-08-07, input",proj_x,org_y,Personal
        if not row.get("amount_value"):
            continue  # an empty bucket
        currency = row.get("amount_currency").lower() or "usd"
        if currency != "usd":
            raise BadInput(
                row.line, f"the amounts are in {currency.upper()}: Tokenworth keeps US dollars"
            )
        ts, end = _times(table, row)
        value = table.number(row, "amount_value", whole=False)
        ev = _cost_event(
            ts, end, row.get("project_id"), row.get("line_item"), row.get("organization_id"), rank
        )
        amount = Decimal(repr(value))
        prev = sums.get(ev.dedup_key)
        sums[ev.dedup_key] = (prev[0], prev[1] + amount) if prev else (ev, amount)
    for ev, total in sums.values():
        ev.cost_usd = float(total)
        yield ev


# ------------------------------------------------------------------------------ API pages


def _load_pages(fp: BinaryIO) -> list[Any]:
    """The pages of a saved JSON file: one page, a list of pages, or JSON lines."""
    data = fp.read(MAX_JSON + 1)
    if len(data) > MAX_JSON:
        raise BadInput(None, f"the JSON file is larger than {MAX_JSON >> 20} MB: {ADVICE}")
    try:
        obj = json.loads(data)
    except ValueError:
        pages = []
        for n, raw in enumerate(data.splitlines(), 1):
            if raw.strip():
                try:
                    pages.append(json.loads(raw))
                except ValueError as err:
                    msg = getattr(err, "msg", "not UTF-8 text")
                    raise BadInput(n, f"this is not valid JSON ({msg}): {ADVICE}") from err
        return pages
    return obj if isinstance(obj, list) else [obj]


def _count(res: Mapping[str, Any], key: str, page: int) -> int:
    value = res.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(page, f"{key} is {value!r}, not a count of tokens")
    return int(parse_number(str(value), page, key))


def _api_events(pages: list[Any], rank: int) -> Iterator[UsageEvent]:
    usage: dict[str, UsageEvent] = {}
    costs: dict[str, tuple[UsageEvent, Decimal]] = {}
    for n, page in enumerate(pages, 1):
        if not isinstance(page, dict):
            raise BadInput(n, f"this JSON is not {WHAT}: {ADVICE}")
        if isinstance(page.get("error"), dict):
            msg = page["error"].get("message") or "no message"
            raise BadInput(n, f"this file holds an API error ({msg}), not a page: {ADVICE}")
        data = page.get("data")
        if not isinstance(data, list):
            raise BadInput(n, f"this JSON is not {WHAT} (it has no data list): {ADVICE}")
        for bucket in data:
            if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
                raise BadInput(n, f"a bucket has no results list: this is not {WHAT}")
            ts = parse_time(_text(bucket.get("start_time")), n, "start_time")
            end_raw = _text(bucket.get("end_time"))
            end = parse_time(end_raw, n, "end_time") if end_raw else ""
            for res in bucket["results"]:
                kind = res.get("object") if isinstance(res, dict) else None
                if kind == USAGE_RESULT:
                    # {"object": "organization.usage.completions.result", "input_tokens": 22000,
                    #  "output_tokens": 1000, "input_cached_tokens": 4000, "model": ..., ...}
                    groups = {
                        g: _batch(res.get(g)) if g == "batch" else _text(res.get(g)) for g in GROUPS
                    }
                    counts = (
                        _count(res, "input_tokens", n),
                        _count(res, "input_cached_tokens", n),
                        _count(res, "output_tokens", n),
                    )
                    if any(counts):
                        ev = _usage_event(ts, end, groups, counts, rank)
                        usage[ev.dedup_key] = ev  # a page saved twice counts once
                elif kind == COST_RESULT:
                    # {"object": "organization.costs.result", "amount": {"value": 0.06,
                    #  "currency": "usd"}, "line_item": null, "project_id": null}
                    amount = res.get("amount") if isinstance(res.get("amount"), dict) else {}
                    currency = _text(amount.get("currency") or "usd").lower()
                    if currency != "usd":
                        raise BadInput(
                            n, f"the amounts are in {currency.upper()}: Tokenworth keeps US dollars"
                        )
                    try:
                        value = Decimal(_text(amount.get("value")) or "0")
                    except InvalidOperation as err:
                        raise BadInput(
                            n, f"the amount {amount.get('value')!r} is not a number"
                        ) from err
                    ev = _cost_event(
                        ts,
                        end,
                        _text(res.get("project_id")),
                        _text(res.get("line_item")),
                        _text(res.get("organization_id")),
                        rank,
                    )
                    costs[ev.dedup_key] = (ev, value)
                else:
                    raise BadInput(
                        n,
                        f"the page holds {kind or 'unknown'} results: Tokenworth imports the "
                        "completions usage and the costs pages",
                    )
    yield from usage.values()
    for ev, total in costs.values():
        ev.cost_usd = float(total)
        yield ev
