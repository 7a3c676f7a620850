"""API-equivalent cost of usage, computed from the shipped LiteLLM-derived price table."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tokenworth.core.errors import InputError
from tokenworth.resources import resource_path

PRICES_FILE = ("prices", "prices.json")  # below the resources folder
# ccusage's rule: each token type of one call is priced at the base rate up to this many
# tokens and at the model's "above 200k" rate beyond it (FORMATS.md, Pricing).
TIER_THRESHOLD = 200_000

# Fields a price row (table entry or override) may carry, per token in USD except the last.
FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
    "cache_read_input_token_cost",
    "input_cost_per_token_above_200k_tokens",
    "output_cost_per_token_above_200k_tokens",
    "cache_creation_input_token_cost_above_200k_tokens",
    "cache_read_input_token_cost_above_200k_tokens",
    "fast_multiplier",
)
_ANTHROPIC_PROVIDERS = ("anthropic", "bedrock", "bedrock_converse", "vertex_ai-anthropic_models")

_DATE_SUFFIX = re.compile(r"(?:-\d{8}|-\d{4}-\d{2}-\d{2})$")
_BEDROCK = re.compile(r"^(?:[a-z]{2,6}(?:-gov)?\.)?anthropic\.(.+?)(?:-v\d+(?::\d+)?)?$")
_DOT_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


class TokenCounts(Protocol):
    """What pricing reads from one event (UsageEvent qualifies; so does any lookalike).

    ``cache_creation_1h_tokens`` (the 1-hour part of the cache writes), ``speed`` and
    ``cost_usd`` are read with ``getattr`` when an object has them.
    """

    input_tokens: int
    cache_creation_tokens: int
    cache_read_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class Price:
    """Per-token USD prices of one model, with every fallback already applied.

    ``*_above`` is the rate for the tokens of one type beyond TIER_THRESHOLD in one call;
    it equals the base rate when the model has no tier.
    """

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    input_above: float
    output_above: float
    cache_write_5m_above: float
    cache_write_1h_above: float
    cache_read_above: float
    fast_multiplier: float = 1.0

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Price:
        """Build from a table row (LiteLLM field names).

        Fallbacks, as ccusage applies them: a missing 5-minute cache write costs 1.25 x input;
        a 1-hour cache write always costs 2 x input (2 x the above-200k input rate beyond the
        tier), which is what LiteLLM's ``cache_creation_input_token_cost_above_1hr`` says for
        every Anthropic model in the shipped table. A missing cache read costs the input price
        (Codex/OpenAI rule, FORMATS.md b), except for Claude models, where it is 0.1 x input.

        Args:
            row: ``input_cost_per_token`` and ``output_cost_per_token`` at least.
        """
        inp = float(row["input_cost_per_token"])
        out = float(row["output_cost_per_token"])
        anthropic = row.get("provider") in _ANTHROPIC_PROVIDERS
        write = _num(row, "cache_creation_input_token_cost", inp * 1.25)
        read = _num(row, "cache_read_input_token_cost", inp * 0.1 if anthropic else inp)
        inp_above = _num(row, "input_cost_per_token_above_200k_tokens", inp)
        return cls(
            input=inp,
            output=out,
            cache_write_5m=write,
            cache_write_1h=inp * 2.0,
            cache_read=read,
            input_above=inp_above,
            output_above=_num(row, "output_cost_per_token_above_200k_tokens", out),
            cache_write_5m_above=_num(
                row, "cache_creation_input_token_cost_above_200k_tokens", write
            ),
            cache_write_1h_above=inp_above * 2.0,
            cache_read_above=_num(row, "cache_read_input_token_cost_above_200k_tokens", read),
            fast_multiplier=_num(row, "fast_multiplier", 1.0),
        )

    def cost(
        self,
        input_tokens: int,
        cache_write_5m: int,
        cache_write_1h: int,
        cache_read: int,
        output_tokens: int,
        *,
        excess: tuple[int, int, int, int, int] | None = None,
        fast: bool = False,
    ) -> float:
        """USD for token counts of one call, or sums over many calls of this model.

        For one call the tier excess is derived from the counts. For sums, pass ``excess``:
        per type, the sum over the calls of ``max(tokens - TIER_THRESHOLD, 0)``; the result is
        then exactly the sum of the per-call costs (base x all + (above - base) x excess).

        Args:
            input_tokens: Uncached input.
            cache_write_5m: Tokens written to the 5-minute cache.
            cache_write_1h: Tokens written to the 1-hour cache.
            cache_read: Tokens read from the cache.
            output_tokens: Output, reasoning included.
            excess: Per type, tokens beyond the tier threshold (same order as the counts).
            fast: Fast mode: multiply by the model's fast multiplier.
        """
        if excess is None:
            t = TIER_THRESHOLD
            e_in, e_w5, e_w1, e_rd, e_out = (
                max(input_tokens - t, 0),
                max(cache_write_5m - t, 0),
                max(cache_write_1h - t, 0),
                max(cache_read - t, 0),
                max(output_tokens - t, 0),
            )
        else:
            e_in, e_w5, e_w1, e_rd, e_out = excess
        total = (
            self.input * input_tokens
            + (self.input_above - self.input) * e_in
            + self.cache_write_5m * cache_write_5m
            + (self.cache_write_5m_above - self.cache_write_5m) * e_w5
            + self.cache_write_1h * cache_write_1h
            + (self.cache_write_1h_above - self.cache_write_1h) * e_w1
            + self.cache_read * cache_read
            + (self.cache_read_above - self.cache_read) * e_rd
            + self.output * output_tokens
            + (self.output_above - self.output) * e_out
        )
        return total * self.fast_multiplier if fast else total


def _num(row: Mapping[str, Any], key: str, default: float) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else default


def _check_override(model: str, fields: Mapping[str, Any]) -> dict[str, float]:
    if not isinstance(fields, Mapping):
        raise InputError(f"The price override for {model!r} must map price names to numbers.")
    out: dict[str, float] = {}
    for key, value in fields.items():
        if key not in FIELDS:
            raise InputError(
                f"Unknown price {key!r} in the override for {model!r}: use one of "
                f"{', '.join(FIELDS)}."
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or not math.isfinite(value)
        ):
            raise InputError(
                f"The price {key} for {model!r} must be a number of dollars per token, "
                f"not {value!r}."
            )
        out[key] = float(value)
    return out


def model_candidates(model: str) -> Iterator[str]:
    """Names under which the table may list ``model``, most specific first.

    ``openrouter/anthropic/claude-sonnet-4.5`` -> ..., ``claude-sonnet-4.5``,
    ``claude-sonnet-4-5``; ``claude-sonnet-4-5-20250929`` -> ``claude-sonnet-4-5``;
    ``us.anthropic.claude-opus-4-1-20250805-v1:0`` -> ``claude-opus-4-1-20250805``, ...;
    ``vertex_ai/claude-opus-4-5@20251101`` -> ``claude-opus-4-5-20251101``, ...
    """
    seen: set[str] = set()
    name = model.strip().lower()
    steps = [name]
    if "/" in name:
        name = name.rsplit("/", 1)[1]  # routing prefixes: provider/, openrouter/vendor/
        steps.append(name)
    m = _BEDROCK.match(name)
    if m:
        name = m.group(1)
        steps.append(name)
    name = name.replace("@", "-")
    steps.append(name)
    steps.append(_DATE_SUFFIX.sub("", name))
    dashed = _DOT_VERSION.sub("-", name)
    steps.append(dashed)
    steps.append(_DATE_SUFFIX.sub("", dashed))
    for s in steps:
        if s and s not in seen:
            seen.add(s)
            yield s


class PriceTable:
    """The model price table, with any per-model overrides from the settings applied.

    Args:
        models: Rows by model name (LiteLLM field names, USD per token).
        source: Where the table came from (package, version, retrieval date).
        overrides: Per-model prices that replace or extend the table. A field an override
            leaves out comes from the model it would otherwise resolve to; an override for a
            model the table does not know needs input and output prices.

    Raises:
        InputError: an override names an unknown field, a negative or non-numeric price, or
            a new model without input and output prices.
    """

    def __init__(
        self,
        models: Mapping[str, Mapping[str, Any]],
        source: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.source: dict[str, Any] = dict(source or {})
        self._base = {k.lower(): dict(v) for k, v in models.items()}
        self._overrides = {k: _check_override(k, v) for k, v in (overrides or {}).items()}
        rows = dict(self._base)
        for name, fields in self._overrides.items():
            base_key = self._resolve(name, self._base)
            row = {**(self._base[base_key] if base_key else {}), **fields}
            if "input_cost_per_token" not in row or "output_cost_per_token" not in row:
                raise InputError(
                    f"The price override for {name!r} needs input_cost_per_token and "
                    "output_cost_per_token: the price table does not know this model."
                )
            row["overridden"] = True
            rows[name.strip().lower()] = row
        self._rows = rows
        self._prices = {k: Price.from_row(v) for k, v in rows.items()}
        self._cache: dict[str, str | None] = {}

    @classmethod
    def load(
        cls, path: Path | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None
    ) -> PriceTable:
        """Read a table file (default: the shipped one) and apply ``overrides``."""
        if path is None:
            path = resource_path(*PRICES_FILE)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["models"], data.get("source"), overrides)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]] | None) -> PriceTable:
        """The same table with other overrides (the settings changed)."""
        return PriceTable(self._base, self.source, overrides)

    @property
    def version(self) -> str:
        """One line naming the snapshot, e.g. ``litellm 1.110.2 (retrieved 2026-11-28)``."""
        src = self.source
        text = f"{src.get('package', 'prices')} {src.get('version', 'unknown')}"
        if src.get("retrieved"):
            text += f" (retrieved {src['retrieved']})"
        if self._overrides:
            text += f", {len(self._overrides)} override(s)"
        return text

    @staticmethod
    def _resolve(model: str, rows: Mapping[str, Any]) -> str | None:
        for name in model_candidates(model):
            if name in rows:
                return name
        return None

    def resolve(self, model: str | None) -> str | None:
        """The table name ``model`` is priced as, or None when it has no price."""
        if not model:
            return None
        try:
            return self._cache[model]
        except KeyError:
            key = self._cache[model] = self._resolve(model, self._rows)
            return key

    def lookup(self, model: str | None) -> Price | None:
        """The prices of ``model`` (dated ids, provider prefixes and aliases mapped), or None."""
        key = self.resolve(model)
        return None if key is None else self._prices[key]

    def estimate(
        self, usage: TokenCounts, model: str | None = None, speed: str | None = None
    ) -> float | None:
        """The list-price cost of ``usage`` ignoring any reported cost; None when unpriced.

        Args:
            usage: Token counts; ``cache_creation_1h_tokens`` (part of the cache writes) is
                priced as 1-hour writes when present, the rest as 5-minute writes.
            model: The model as logged (default: ``usage.model``).
            speed: ``"fast"`` applies the fast multiplier (default: ``usage.speed``).
        """
        if model is None:
            model = getattr(usage, "model", None)
        price = self.lookup(model)
        if price is None:
            return None
        if speed is None:
            speed = getattr(usage, "speed", None)
        writes = usage.cache_creation_tokens
        w1h = min(getattr(usage, "cache_creation_1h_tokens", 0) or 0, writes)
        return price.cost(
            usage.input_tokens,
            writes - w1h,
            w1h,
            usage.cache_read_tokens,
            usage.output_tokens,
            fast=speed == "fast",
        )

    def cost_of(
        self, usage: TokenCounts, model: str | None = None, speed: str | None = None
    ) -> float | None:
        """The cost the source reported (``usage.cost_usd``) or else the estimate.

        Returns:
            USD, API-equivalent; None when nothing was reported and the model has no price
            (unpriced, never 0).
        """
        reported = getattr(usage, "cost_usd", None)
        if reported is not None:
            return float(reported)
        return self.estimate(usage, model, speed)


@functools.lru_cache(maxsize=1)
def default_prices() -> PriceTable:
    """The shipped table without overrides (read once)."""
    return PriceTable.load()


def cost_of(
    usage: TokenCounts,
    model: str | None = None,
    speed: str | None = None,
    *,
    prices: PriceTable | None = None,
) -> float | None:
    """Reported cost, else the estimate from ``prices`` (default: the shipped table).

    Args:
        usage: An event-like object (see TokenCounts).
        model: The model as logged (default: ``usage.model``).
        speed: ``"fast"`` for fast mode (default: ``usage.speed`` when present).
        prices: The table to use, with the settings' overrides applied.

    Returns:
        USD, or None when the model is unpriced and no cost was reported.
    """
    return (prices or default_prices()).cost_of(usage, model, speed)
