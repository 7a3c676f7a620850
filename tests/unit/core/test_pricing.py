"""pricing: the shipped table, model lookup, costs the way ccusage computes them, overrides."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tokenworth.core.errors import InputError
from tokenworth.core.model import UsageEvent
from tokenworth.core.pricing import (
    Price,
    PriceTable,
    cost_of,
    default_prices,
    model_candidates,
)
from tokenworth.resources import resource_path

TABLE = resource_path("prices", "prices.json")
REL = 1e-12  # float rounding only: every expected number below is worked out by hand


def _ev(model: str | None, **tokens: int) -> UsageEvent:
    return UsageEvent(
        tool="t",
        ts="2026-01-01T00:00:00.000Z",
        session_key="s",
        dedup_key="d",
        model=model,
        **tokens,
    )


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return default_prices()


def test_shipped_table_is_small_dated_and_has_the_prices_the_tests_use() -> None:
    raw = TABLE.read_bytes()
    assert len(raw) < 300 * 1024
    data = json.loads(raw)
    assert data["source"]["package"] == "litellm"
    assert data["source"]["version"] == "1.110.2"
    assert data["source"]["retrieved"] == "2026-11-28"
    models = data["models"]
    assert all(
        "input_cost_per_token" in r and "output_cost_per_token" in r for r in models.values()
    )
    opus = models["claude-opus-4-6"]
    assert (opus["input_cost_per_token"], opus["output_cost_per_token"]) == (5e-06, 2.5e-05)
    assert opus["cache_creation_input_token_cost"] == 6.25e-06
    assert opus["cache_creation_input_token_cost_above_1hr"] == 1e-05  # = 2 x input
    assert opus["cache_read_input_token_cost"] == 5e-07
    assert opus["fast_multiplier"] == 6.0
    # The dated id is priced like the base id, so the table keeps only the base.
    assert "claude-sonnet-4-5-20250929" not in models
    assert "claude-sonnet-4-5" in models
    assert "sample_spec" not in models


def test_claude_call_with_cache_writes_and_reads(prices: PriceTable) -> None:
    # A real spotter line: input 3, cache write 8037, cache read 17842, output 10.
    ev = _ev(
        "claude-opus-4-6",
        input_tokens=3,
        cache_creation_tokens=8037,
        cache_read_tokens=17842,
        output_tokens=10,
    )
    # 3 x 5e-6 + 8037 x 6.25e-6 + 17842 x 5e-7 + 10 x 2.5e-5
    # = 0.000015 + 0.05023125 + 0.008921 + 0.00025 = 0.05941725 (all writes as 5-minute)
    assert prices.cost_of(ev) == pytest.approx(0.05941725, rel=REL)
    # The same call with its writes in the 1-hour cache (the line's real split): 2 x input
    # = 1e-5 per token (ccusage's rule), 8037 x 1e-5 = 0.08037 instead of 0.05023125.
    one_hour = SimpleNamespace(
        model="claude-opus-4-6",
        input_tokens=3,
        cache_creation_tokens=8037,
        cache_creation_1h_tokens=8037,
        cache_read_tokens=17842,
        output_tokens=10,
    )
    assert prices.cost_of(one_hour) == pytest.approx(0.089556, rel=REL)
    # Fast mode multiplies everything by the model's multiplier (6 for Opus 4.6).
    assert prices.cost_of(ev, speed="fast") == pytest.approx(0.05941725 * 6, rel=REL)


def test_tiers_above_200k_apply_per_token_type_of_one_call(prices: PriceTable) -> None:
    # claude-sonnet-4-20250514: input 3e-6 (6e-6 above 200k), write 3.75e-6 (7.5e-6),
    # read 3e-7 (6e-7), output 1.5e-5 (2.25e-5).
    ev = _ev(
        "claude-sonnet-4-20250514",
        input_tokens=250_000,
        cache_creation_tokens=250_000,
        cache_read_tokens=300_000,
        output_tokens=1_000,
    )
    # input: 200,000 x 3e-6 + 50,000 x 6e-6      = 0.6 + 0.3    = 0.9
    # write: 200,000 x 3.75e-6 + 50,000 x 7.5e-6 = 0.75 + 0.375 = 1.125
    # read:  200,000 x 3e-7 + 100,000 x 6e-7     = 0.06 + 0.06  = 0.12
    # output: 1,000 x 1.5e-5 (below the tier)                    = 0.015
    assert prices.cost_of(ev) == pytest.approx(0.9 + 1.125 + 0.12 + 0.015, rel=REL)
    # 1-hour writes above the tier: 2 x the above-200k input rate (ccusage), 2 x 6e-6.
    one_hour = SimpleNamespace(
        model="claude-sonnet-4-20250514",
        input_tokens=0,
        cache_creation_tokens=250_000,
        cache_creation_1h_tokens=250_000,
        cache_read_tokens=0,
        output_tokens=0,
    )
    # 200,000 x 6e-6 + 50,000 x 1.2e-5 = 1.2 + 0.6
    assert prices.cost_of(one_hour) == pytest.approx(1.8, rel=REL)
    # Gemini 2.5 Pro: input 1.25e-6, 2.5e-6 above 200k.
    gem = _ev("gemini-2.5-pro", input_tokens=250_000)
    assert prices.cost_of(gem) == pytest.approx(200_000 * 1.25e-6 + 50_000 * 2.5e-6, rel=REL)
    # A model without tiers prices every token at the base rate.
    flat = _ev("claude-opus-4-6", input_tokens=300_000)
    assert prices.cost_of(flat) == pytest.approx(1.5, rel=REL)


def test_summed_calls_cost_the_sum_of_the_calls(prices: PriceTable) -> None:
    price = prices.lookup("claude-sonnet-4-20250514")
    assert price is not None
    a = (250_000, 10, 0, 300_000, 5)
    b = (1_000, 0, 0, 50_000, 7)
    one_by_one = price.cost(*a) + price.cost(*b)
    summed = tuple(x + y for x, y in zip(a, b, strict=True))
    # The excess beyond 200k per type, summed over the calls: 50,000 input, 100,000 read.
    together = price.cost(*summed, excess=(50_000, 0, 0, 100_000, 0))
    assert together == pytest.approx(one_by_one, rel=REL)
    # Without the excess the sums would wrongly be priced as one 251,000-token call.
    assert price.cost(*summed) != pytest.approx(one_by_one, rel=REL)


def test_codex_cached_input_at_the_cache_read_price(prices: PriceTable) -> None:
    # Codex input 10,000 of which 9,000 cached: the importer stores 1,000 uncached input and
    # 9,000 cache reads. gpt-5-codex: input 1.25e-6, cache read 1.25e-7, output 1e-5.
    ev = _ev("gpt-5-codex", input_tokens=1_000, cache_read_tokens=9_000, output_tokens=500)
    # 1,000 x 1.25e-6 + 9,000 x 1.25e-7 + 500 x 1e-5 = 0.00125 + 0.001125 + 0.005
    assert prices.cost_of(ev) == pytest.approx(0.007375, rel=REL)
    # No cache-read price in the table (gpt-4o-2024-05-13): cached input at the input price.
    old = _ev("gpt-4o-2024-05-13", input_tokens=1_000, cache_read_tokens=1_000, output_tokens=100)
    # 1,000 x 5e-6 + 1,000 x 5e-6 + 100 x 1.5e-5 = 0.005 + 0.005 + 0.0015
    assert prices.cost_of(old) == pytest.approx(0.0115, rel=REL)


def test_claude_without_cache_prices_falls_back_like_ccusage() -> None:
    # claude-3-5-haiku comes from Vertex without cache prices: write 1.25 x input, read 0.1 x.
    price = Price.from_row(
        {"input_cost_per_token": 1e-06, "output_cost_per_token": 5e-06, "provider": "anthropic"}
    )
    assert price.cache_write_5m == pytest.approx(1.25e-06, rel=REL)
    assert price.cache_write_1h == pytest.approx(2e-06, rel=REL)
    assert price.cache_read == pytest.approx(1e-07, rel=REL)
    assert price.input_above == 1e-06  # no tier: the base rate throughout


@pytest.mark.parametrize(
    ("logged", "priced_as"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),  # dated id -> base entry
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-20250514"),  # only the dated id exists
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),  # prefix, dotted version
        ("openrouter/anthropic/claude-sonnet-4.6", "claude-sonnet-4-6"),
        ("claude-sonnet-4.6", "claude-sonnet-4-6"),  # Copilot CLI spelling
        ("openai/gpt-5", "gpt-5"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),  # OpenAI dated snapshot
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # a snapshot priced differently stays
        ("gpt-5.3-codex", "gpt-5.3-codex"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1-20250805"),
        ("vertex_ai/claude-opus-4-5@20251101", "claude-opus-4-5"),
        ("  Claude-Opus-4-6 ", "claude-opus-4-6"),
    ],
)
def test_lookup_maps_dated_ids_and_prefixes(
    prices: PriceTable, logged: str, priced_as: str
) -> None:
    assert prices.resolve(logged) == priced_as


def test_candidates_go_from_specific_to_general() -> None:
    assert list(model_candidates("openrouter/anthropic/claude-sonnet-4.5-20250929")) == [
        "openrouter/anthropic/claude-sonnet-4.5-20250929",
        "claude-sonnet-4.5-20250929",
        "claude-sonnet-4.5",
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-5",
    ]


@pytest.mark.parametrize("model", ["aide-gpt-5", "composer-1", "sonnet", "", None])
def test_unknown_models_are_unpriced_never_zero(prices: PriceTable, model: str | None) -> None:
    ev = _ev(model, input_tokens=100, output_tokens=10)
    assert prices.lookup(model) is None
    assert prices.cost_of(ev) is None
    assert cost_of(ev) is None


def test_a_reported_cost_wins_over_the_estimate(prices: PriceTable) -> None:
    ev = _ev("claude-opus-4-6", input_tokens=1_000_000, cost_usd=0.25)
    assert prices.cost_of(ev) == 0.25
    assert prices.estimate(ev) == pytest.approx(5.0, rel=REL)  # 1,000,000 x 5e-6
    unknown = _ev("composer-1", input_tokens=10, cost_usd=0.003)  # Cursor reports its cost
    assert cost_of(unknown) == 0.003


def test_overrides_replace_or_add_prices_per_model(prices: PriceTable) -> None:
    table = prices.with_overrides(
        {
            # A model the table does not know: input and output are required.
            "aide-gpt-5": {"input_cost_per_token": 1e-06, "output_cost_per_token": 8e-06},
            # A partial override keeps the other prices of the entry it resolves to.
            "claude-sonnet-4-5": {"output_cost_per_token": 1e-05},
        }
    )
    ev = _ev("aide-gpt-5", input_tokens=1_000, cache_read_tokens=1_000, output_tokens=100)
    # 1,000 x 1e-6 + 1,000 x 1e-6 (no cache price: input price) + 100 x 8e-6 = 0.0028
    assert table.cost_of(ev) == pytest.approx(0.0028, rel=REL)
    dated = _ev("claude-sonnet-4-5-20250929", input_tokens=1_000, output_tokens=1_000)
    # 1,000 x 3e-6 (kept) + 1,000 x 1e-5 (overridden) = 0.013; the table alone gives 0.018.
    assert table.cost_of(dated) == pytest.approx(0.013, rel=REL)
    assert prices.cost_of(dated) == pytest.approx(0.018, rel=REL)
    assert table.version == "litellm 1.110.2 (retrieved 2026-11-28), 2 override(s)"
    assert prices.version == "litellm 1.110.2 (retrieved 2026-11-28)"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"my-model": {"input_cost_per_token": 1e-06}}, "needs input_cost_per_token"),
        ({"gpt-5": {"input_cost": 1e-06}}, "Unknown price 'input_cost'"),
        ({"gpt-5": {"input_cost_per_token": -1}}, "must be a number"),
        ({"gpt-5": {"input_cost_per_token": "cheap"}}, "must be a number"),
        ({"gpt-5": 3}, "must map price names"),
    ],
)
def test_bad_overrides_are_refused_with_a_sentence(
    prices: PriceTable, overrides: dict, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        prices.with_overrides(overrides)


def _load_update_script():
    path = resource_path("prices", "update_prices.py")
    spec = importlib.util.spec_from_file_location("update_prices", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_script_selects_and_compacts(tmp_path: Path) -> None:
    up = _load_update_script()
    src = {
        "sample_spec": {"input_cost_per_token": "per token", "mode": "chat"},
        "claude-x-1": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 5e-06,
            "supports_vision": True,
            "provider_specific_entry": {"fast": 2},
        },
        "claude-x-1-20260101": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 5e-06,
            "provider_specific_entry": {"fast": 2},
        },
        "gemini/gem-1": {
            "litellm_provider": "gemini",
            "mode": "chat",
            "input_cost_per_token": 2e-06,
            "output_cost_per_token": 4e-06,
        },
        "gem-1": {
            "litellm_provider": "vertex_ai-language-models",
            "mode": "chat",
            "input_cost_per_token": 9e-06,
            "output_cost_per_token": 9e-06,
        },
        "dall-e-9": {
            "litellm_provider": "openai",
            "mode": "image_generation",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 1e-06,
        },
        "anthropic.claude-old-20240101-v1:0": {
            "litellm_provider": "bedrock",
            "mode": "chat",
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
        },
        "us.anthropic.claude-old-20240101-v1:0": {
            "litellm_provider": "bedrock",
            "mode": "chat",
            "input_cost_per_token": 3.3e-06,
            "output_cost_per_token": 1.65e-05,
        },
    }
    models, counts = up.build(json.dumps(src).encode())
    assert models == {
        "claude-old-20240101": {
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "provider": "bedrock",
            "from": "anthropic.claude-old-20240101-v1:0",
        },
        "claude-x-1": {
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 5e-06,
            "fast_multiplier": 2.0,
            "provider": "anthropic",
        },
        "gem-1": {  # the Gemini API entry wins over Vertex's
            "input_cost_per_token": 2e-06,
            "output_cost_per_token": 4e-06,
            "provider": "gemini",
            "from": "gemini/gem-1",
        },
    }
    assert counts["dated_duplicates_dropped"] == 1
    out = tmp_path / "prices.json"
    source = tmp_path / "model_prices.json"
    source.write_text(json.dumps(src))
    assert (
        up.main([str(source), "--version", "9.9.9", "--date", "2026-01-02", "--out", str(out)]) == 0
    )
    table = PriceTable.load(out)
    assert table.version == "litellm 9.9.9 (retrieved 2026-01-02)"
    assert table.resolve("claude-x-1-20260101") == "claude-x-1"
