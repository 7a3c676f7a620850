"""Anthropic Console token and cost CSVs, and Admin API usage and cost report pages.

Four files, recognized by content:

- Token CSV (Console, Usage, Export): one row per day (or hour), model, API key, workspace::

      usage_date_utc,model_version,api_key,workspace,usage_type,context_window,
      usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,...

  The 2025-06 generation lacks ``context_window``, ``inference_geo`` and ``speed``; a
  tokens-only variant lacks the cache columns. Input is uncached input (Anthropic's
  convention); the 1-hour cache writes are kept apart for pricing.
- Cost CSV (Console, Cost, Export): one row per day, model display name and token type, in
  dollars; from 2026-03 a ``list_price_usd`` column follows ``cost_usd``. Rows can repeat
  with the same visible key (two ``input_cache_write_5m`` rows for one day in the real
  sample): they are summed, never deduplicated.
- ``GET /v1/organizations/usage_report/messages`` pages: ``data[].results[]`` with
  ``uncached_input_tokens``, ``cache_read_input_tokens``, ``cache_creation.{ephemeral_5m,
  ephemeral_1h}_input_tokens`` and ``output_tokens`` per bucket and group.
- ``GET /v1/organizations/cost_report`` pages: ``amount`` is a decimal string in cents
  (the API reference: "123.45" USD is $1.23), converted to dollars here.

Every row is an aggregate bucket. Its dedup key is the bucket's natural key (the day or
bucket start and every grouping column); its rank is the file's modification time, so a later
export of an overlapping period replaces those buckets instead of adding to them. CSV and API
keys differ (the CSV names workspaces and keys, the API gives their ids), so import one or
the other for a period. One session per UTC day and workspace: ``anthropic-api:DAY:WORKSPACE``
(the default workspace is ``Default`` in both).

Cost rows carry no tokens: a session holding both a token CSV's and a cost CSV's rows of a day
shows the reported cost of the cost rows beside the list-price estimate of the token rows.

A file is imported whole or not at all: the first bad row refuses it, naming the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from tokenworth.core.importers._tabular import (
    CSV_SUFFIXES,
    BadInput,
    CsvTable,
    all_or_nothing,
    bucket_key,
    day_of,
    header_of,
    header_score,
    import_rank,
    parse_time,
    strip_start,
)
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import UsageEvent

TOOL = "anthropic-api"
WHAT = "an Anthropic Console export or Admin API report"
ADVICE = (
    "Export it again from the Anthropic Console (Usage or Cost, Export), or save the JSON "
    "page of the Admin API's usage_report/messages or cost_report."
)
TOKEN_REQUIRED = ("usage_date_utc", "model_version", "usage_output_tokens")
COST_REQUIRED = ("usage_date_utc", "model", "token_type", "cost_usd")
PLACEHOLDERS = frozenset({"", "--", "-", "n/a", "null", "none"})
MAX_JSON = 512 << 20


def _clean(value: Any) -> str:
    """A grouping value as compared: Console placeholders (``--``) and null become ""."""
    text = "" if value is None else str(value).strip()
    return "" if text.lower() in PLACEHOLDERS else text


def _context_window(value: Any) -> str:
    """``≤ 200k`` (and an absent column, the 2025-06 generation) is the default window."""
    text = _clean(value).replace(" ", "").lower()
    return "" if text in ("≤200k", "<=200k", "0-200k") else text


def _speed(value: Any) -> str | None:
    text = _clean(value).lower()
    return "fast" if text == "fast" else None


def model_id(display: str) -> str | None:
    """The API-style id of a Console display name: ``Claude Sonnet 4.5`` -> ``claude-sonnet-4-5``.

    Such ids resolve to prices as aliases (``claude-3-5-sonnet``, ``claude-haiku-4-5``).
    """
    text = _clean(display)
    if not text:
        return None
    if text.lower().startswith("claude-"):
        return text
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or None


def _session(day: str, workspace: str) -> str:
    return f"{TOOL}:{day}:{workspace or 'Default'}"


class AnthropicConsoleImporter(Importer):
    """Anthropic Console token/cost CSVs and Admin API usage/cost report pages."""

    name: ClassVar[str] = "anthropic-console"
    tool: ClassVar[str] = TOOL
    incremental: ClassVar[bool] = False
    suffixes: ClassVar[tuple[str, ...]] = (*CSV_SUFFIXES, ".json", ".jsonl")

    def sniff(self, path: Path, head: bytes) -> float:
        """Sure for either CSV header, or a report page's result fields."""
        start = strip_start(head)
        if start[:1] in (b"{", b"["):
            if b'"starting_at"' in head and (
                b'"uncached_input_tokens"' in head
                or (b'"amount"' in head and (b'"cost_type"' in head or b'"token_type"' in head))
            ):
                return 0.9
            if b'"starting_at"' in head and b'"data"' in head and b'"has_more"' in head:
                return 0.6  # a report page with no results yet in its first bytes
            return 0.0
        names = set(header_of(head))
        if "usage_date_utc" not in names:
            return 0.0
        return max(header_score(head, TOKEN_REQUIRED), header_score(head, COST_REQUIRED))

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
            if table.has("model_version"):
                table.require(TOKEN_REQUIRED, ADVICE)
                yield from _token_rows(table, rank)
            else:
                table.require(COST_REQUIRED, ADVICE)
                yield from _cost_rows(table, rank)


def _token_rows(table: CsvTable, rank: int) -> Iterator[UsageEvent]:
    """One event per token-CSV bucket; rows with the same bucket key are summed."""
    buckets: dict[str, UsageEvent] = {}
    for row in table.rows():
        # 2026-03-30,claude-haiku-4-5-20251001,chat-key,Default,standard,≤ 200k,1200,
        # 300,0,5400,800,0,not_available,
        ts = parse_time(row.get("usage_date_utc"), row.line, "usage_date_utc")
        cw5 = table.count(row, "usage_input_tokens_cache_write_5m")
        if not table.has("usage_input_tokens_cache_write_5m"):
            cw5 = table.count(row, "usage_input_tokens_cache_write")
        cw1 = table.count(row, "usage_input_tokens_cache_write_1h")
        counts = (
            table.count(row, "usage_input_tokens_no_cache"),
            cw5 + cw1,
            table.count(row, "usage_input_tokens_cache_read"),
            table.count(row, "usage_output_tokens"),
            cw1,
        )
        if not any(counts):
            continue  # an empty bucket
        workspace = _clean(row.get("workspace"))
        speed = _speed(row.get("speed"))
        key = bucket_key(
            "anthropic-tokens",
            [
                ts,
                _clean(row.get("model_version")),
                _clean(row.get("api_key")),
                workspace,
                _clean(row.get("usage_type")),
                _context_window(row.get("context_window")),
                speed or "",
            ],
        )
        ev = buckets.get(key)
        if ev is None:
            buckets[key] = UsageEvent(
                tool=TOOL,
                ts=ts,
                session_key=_session(day_of(ts), workspace),
                dedup_key=key,
                model=_clean(row.get("model_version")) or None,
                input_tokens=counts[0],
                cache_creation_tokens=counts[1],
                cache_read_tokens=counts[2],
                output_tokens=counts[3],
                cache_creation_1h_tokens=counts[4],
                project=workspace or None,
                speed=speed,
                dedup_rank=rank,
            )
        else:  # the same bucket split by a column outside the key (inference_geo)
            ev.input_tokens += counts[0]
            ev.cache_creation_tokens += counts[1]
            ev.cache_read_tokens += counts[2]
            ev.output_tokens += counts[3]
            ev.cache_creation_1h_tokens += counts[4]
            ev.total_tokens = (ev.total_tokens or 0) + sum(counts[:4])
    yield from buckets.values()


def _cost_rows(table: CsvTable, rank: int) -> Iterator[UsageEvent]:
    """One cost-only event per visible key; repeated keys are summed (Decimal, exact)."""
    sums: dict[str, tuple[UsageEvent, Decimal]] = {}
    for row in table.rows():
        # 2026-02-12,Claude Sonnet 4.5,Default,chat-key,message,≤ 200k,input_cache_write_5m,
        # 0.75,token,not_available,
        ts = parse_time(row.get("usage_date_utc"), row.line, "usage_date_utc")
        cost = table.amount(row, "cost_usd")
        if cost is None:
            continue  # an empty bucket
        workspace = _clean(row.get("workspace"))
        key = bucket_key(
            "anthropic-cost",
            [
                ts,
                _clean(row.get("model")),
                workspace,
                _clean(row.get("api_key")),
                _clean(row.get("usage_type")),
                _context_window(row.get("context_window")),
                _clean(row.get("token_type")),
                _clean(row.get("cost_type")),
                _clean(row.get("inference_geo")),
                _clean(row.get("speed")).lower(),
            ],
        )
        amount = Decimal(repr(cost))
        if key in sums:
            ev, total = sums[key]
            sums[key] = (ev, total + amount)
        else:
            ev = UsageEvent(
                tool=TOOL,
                ts=ts,
                session_key=_session(day_of(ts), workspace),
                dedup_key=key,
                model=model_id(row.get("model")),
                project=workspace or None,
                speed=_speed(row.get("speed")),
                dedup_rank=rank,
            )
            sums[key] = (ev, amount)
    for ev, total in sums.values():
        ev.cost_usd = float(total)
        yield ev


# ------------------------------------------------------------------------------ API pages


def _load_pages(fp: BinaryIO) -> list[Any]:
    """The report pages of a saved JSON file: one page, a list of pages, or JSON lines."""
    data = fp.read(MAX_JSON + 1)
    if len(data) > MAX_JSON:
        raise BadInput(None, f"the JSON file is larger than {MAX_JSON >> 20} MB: {ADVICE}")
    try:
        obj = json.loads(data)
    except ValueError:
        pages = []
        for n, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                pages.append(json.loads(raw))
            except ValueError as err:
                raise BadInput(
                    n, f"this is not valid JSON ({getattr(err, 'msg', err)}): {ADVICE}"
                ) from err
        return pages
    return obj if isinstance(obj, list) else [obj]


def _api_error(page: Mapping[str, Any]) -> str | None:
    err = page.get("error")
    if page.get("type") == "error" or isinstance(err, dict):
        msg = err.get("message") if isinstance(err, dict) else None
        return f"this file holds an API error ({msg or 'no message'}), not a report: {ADVICE}"
    return None


def _api_events(pages: list[Any], rank: int) -> Iterator[UsageEvent]:
    """Events of usage_report/messages and cost_report pages."""
    usage: dict[str, UsageEvent] = {}
    costs: dict[str, tuple[UsageEvent, Decimal]] = {}
    seen: set[str] = set()
    for n, page in enumerate(pages, 1):
        if not isinstance(page, dict):
            raise BadInput(n, f"this JSON is not {WHAT}: {ADVICE}")
        canonical = json.dumps(page, sort_keys=True)
        if canonical in seen:
            continue  # the same page saved twice counts once
        seen.add(canonical)
        error = _api_error(page)
        if error:
            raise BadInput(n, error)
        data = page.get("data")
        if not isinstance(data, list):
            raise BadInput(n, f"this JSON is not {WHAT} (it has no data list): {ADVICE}")
        for bucket in data:
            if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
                raise BadInput(n, f"a bucket has no results list: this is not {WHAT}")
            start = str(bucket.get("starting_at") or "")
            ts = parse_time(start, n, "starting_at")
            for res in bucket["results"]:
                if not isinstance(res, dict):
                    raise BadInput(n, f"a result is not an object: this is not {WHAT}")
                if "amount" in res:
                    _api_cost(res, ts, bucket, n, rank, costs)
                elif "uncached_input_tokens" in res or "output_tokens" in res:
                    _api_usage(res, ts, bucket, n, rank, usage)
                else:
                    raise BadInput(n, f"a result has neither tokens nor an amount: {ADVICE}")
    yield from usage.values()
    for ev, total in costs.values():
        ev.cost_usd = float(total)
        yield ev


def _int(res: Mapping[str, Any], key: str, page: int) -> int:
    value = res.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BadInput(page, f"{key} is {value!r}, not a count of tokens: {ADVICE}")
    return int(value)


def _api_usage(
    res: Mapping[str, Any],
    ts: str,
    bucket: Mapping[str, Any],
    page: int,
    rank: int,
    out: dict[str, UsageEvent],
) -> None:
    # {"uncached_input_tokens": 1500, "cache_creation": {"ephemeral_5m_input_tokens": 100,
    #  "ephemeral_1h_input_tokens": 0}, "cache_read_input_tokens": 200, "output_tokens": 500, ...}
    creation = res.get("cache_creation")
    if isinstance(creation, dict):
        w5 = _int(creation, "ephemeral_5m_input_tokens", page)
        w1 = _int(creation, "ephemeral_1h_input_tokens", page)
    else:  # a flat variant seen in derived schemas
        w5 = _int(res, "cache_creation_5m_input_tokens", page) or _int(
            res, "cache_creation_input_tokens", page
        )
        w1 = _int(res, "cache_creation_1h_input_tokens", page)
    counts = (
        _int(res, "uncached_input_tokens", page),
        w5 + w1,
        _int(res, "cache_read_input_tokens", page),
        _int(res, "output_tokens", page),
    )
    if not any(counts):
        return
    workspace = _clean(res.get("workspace_id"))
    speed = _speed(res.get("speed"))
    group = [
        _clean(res.get(k))
        for k in (
            "api_key_id",
            "workspace_id",
            "model",
            "service_tier",
            "context_window",
            "inference_geo",
            "speed",
            "account_id",
            "service_account_id",
        )
    ]
    key = bucket_key("anthropic-usage-api", [ts, _clean(bucket.get("ending_at")), *group])
    ev = out.get(key)
    if ev is not None:  # split by a grouping this key does not have: sum
        ev.input_tokens += counts[0]
        ev.cache_creation_tokens += counts[1]
        ev.cache_read_tokens += counts[2]
        ev.output_tokens += counts[3]
        ev.cache_creation_1h_tokens += w1
        ev.total_tokens = (ev.total_tokens or 0) + sum(counts)
        return
    out[key] = UsageEvent(
        tool=TOOL,
        ts=ts,
        session_key=_session(day_of(ts), workspace),
        dedup_key=key,
        model=_clean(res.get("model")) or None,
        input_tokens=counts[0],
        cache_creation_tokens=counts[1],
        cache_read_tokens=counts[2],
        output_tokens=counts[3],
        cache_creation_1h_tokens=w1,
        project=workspace or None,
        speed=speed,
        dedup_rank=rank,
    )


def _api_cost(
    res: Mapping[str, Any],
    ts: str,
    bucket: Mapping[str, Any],
    page: int,
    rank: int,
    out: dict[str, tuple[UsageEvent, Decimal]],
) -> None:
    # {"currency": "USD", "amount": "123.78912", "workspace_id": null, "description":
    #  "Claude Sonnet 4 Usage - Input Tokens", "cost_type": "tokens", ...}
    currency = str(res.get("currency") or "USD").upper()
    if currency != "USD":
        raise BadInput(page, f"the amounts are in {currency}: Tokenworth keeps US dollars")
    try:
        cents = Decimal(str(res.get("amount")))
    except InvalidOperation as err:
        raise BadInput(page, f"the amount {res.get('amount')!r} is not a number") from err
    workspace = _clean(res.get("workspace_id"))
    group = [
        _clean(res.get(k))
        for k in (
            "workspace_id",
            "description",
            "cost_type",
            "model",
            "token_type",
            "service_tier",
            "context_window",
            "inference_geo",
            "speed",
        )
    ]
    key = bucket_key("anthropic-cost-api", [ts, _clean(bucket.get("ending_at")), *group])
    if key in out:
        ev, total = out[key]
        out[key] = (ev, total + cents / 100)
        return
    ev = UsageEvent(
        tool=TOOL,
        ts=ts,
        session_key=_session(day_of(ts), workspace),
        dedup_key=key,
        model=_clean(res.get("model")) or None,
        project=workspace or None,
        speed=_speed(res.get("speed")),
        dedup_rank=rank,
    )
    out[key] = (ev, cents / 100)
