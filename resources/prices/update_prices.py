"""Regenerate resources/prices/prices.json from LiteLLM's model price table (no network)."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "prices.json"
WHEEL_MEMBER = "litellm/model_prices_and_context_window_backup.json"

# Per-token USD fields kept from LiteLLM, under LiteLLM's own names.
FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_creation_input_token_cost",  # 5-minute cache write
    "cache_creation_input_token_cost_above_1hr",  # 1-hour cache write (informational)
    "cache_read_input_token_cost",
    "input_cost_per_token_above_200k_tokens",
    "output_cost_per_token_above_200k_tokens",
    "cache_creation_input_token_cost_above_200k_tokens",
    "cache_read_input_token_cost_above_200k_tokens",
)
PRICE_FIELDS = (*FIELDS, "fast_multiplier")

# First-party providers whose entries are the list prices people pay, in order of preference
# when two of them name the same model (e.g. "gemini/gemini-2.5-pro" and Vertex's
# "gemini-2.5-pro": Gemini CLI bills through the Gemini API).
PROVIDERS = (
    "anthropic",
    "openai",
    "gemini",
    "vertex_ai-language-models",
    "text-completion-openai",
    "xai",
    "deepseek",
    "mistral",
)
CHAT_MODES = {"chat", "responses", "completion"}

# Claude ids that LiteLLM only lists under a cloud reseller (older models were dropped from
# the "anthropic" provider). The global, non-regional Bedrock and Vertex entries carry the
# list price; regional ones (us., eu., ...) add about 10%, so they are never used.
CLAUDE_RESELLERS = ("bedrock_converse", "bedrock", "vertex_ai-anthropic_models")
_BEDROCK_ID = re.compile(r"^anthropic\.(claude-[a-z0-9.-]+?)(?:-v\d+(?::\d+)?)?$")
_VERTEX_ID = re.compile(r"^vertex_ai/(claude-[a-z0-9.-]+?)(?:@(\d{8}))?$")

# Fast-mode multipliers LiteLLM does not carry yet (provider_specific_entry.fast wins when
# present). Source: ccusage rust/crates/ccusage/src/fast-multiplier-overrides.json
# @1727a60f7df50eb2013ce52495e6020bed59d748 ("exact" and "normalized_prefix" entries).
FAST_MULTIPLIERS = {
    "gpt-5.5": 2.5,
    "gpt-5.4": 2.0,
    "gpt-5.3-codex": 2.0,
    "claude-opus-4-6": 6.0,
    "claude-opus-4-7": 6.0,
}

_DATE_SUFFIX = re.compile(r"(?:-\d{8}|-\d{4}-\d{2}-\d{2})$")


def read_source(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The raw JSON and what is known about where it came from.

    Args:
        path: The ``litellm`` wheel, or ``model_prices_and_context_window*.json`` itself.

    Returns:
        (JSON bytes, source facts: file name, sha256 and, for a wheel, the package version).
    """
    facts: dict[str, Any] = {"file": path.name}
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            raw = zf.read(WHEEL_MEMBER)
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            for line in zf.read(meta).decode("utf-8", "replace").splitlines():
                if line.startswith("Version:"):
                    facts["version"] = line.split(":", 1)[1].strip()
                    break
        facts["member"] = WHEEL_MEMBER
        facts["wheel_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    else:
        raw = path.read_bytes()
    facts["json_sha256"] = hashlib.sha256(raw).hexdigest()
    return raw, facts


def _prices_of(entry: dict[str, Any]) -> dict[str, float] | None:
    """The kept per-token prices of one LiteLLM entry, or None when it has no token price."""
    if not isinstance(entry.get("input_cost_per_token"), int | float):
        return None
    if not isinstance(entry.get("output_cost_per_token"), int | float):
        return None
    out = {f: float(entry[f]) for f in FIELDS if isinstance(entry.get(f), int | float)}
    fast = (entry.get("provider_specific_entry") or {}).get("fast")
    if isinstance(fast, int | float) and fast > 0:
        out["fast_multiplier"] = float(fast)
    return out


def _base_name(key: str, provider: str) -> str:
    """``gemini/gemini-2.5-pro`` -> ``gemini-2.5-pro``: first-party keys without their prefix."""
    head, sep, tail = key.partition("/")
    if sep and head in (provider, provider.split("-")[0], "gemini", "xai", "deepseek", "mistral"):
        return tail
    return key


def build(raw: bytes) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Select, rename and compact the chat models of LiteLLM's table.

    Args:
        raw: LiteLLM's JSON.

    Returns:
        (models by name, counts for the report).
    """
    data = json.loads(raw)
    rank = {p: i for i, p in enumerate(PROVIDERS)}
    chosen: dict[str, tuple[int, dict[str, Any]]] = {}
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        provider = entry.get("litellm_provider")
        if provider not in rank or entry.get("mode") not in CHAT_MODES:
            continue
        prices = _prices_of(entry)
        if prices is None:
            continue
        name = _base_name(key, provider)
        if "/" in name:
            continue  # a provider's route to someone else's model (e.g. openai/… proxies)
        row: dict[str, Any] = {**prices, "provider": provider}
        if name != key:
            row["from"] = key
        if name not in chosen or rank[provider] < chosen[name][0]:
            chosen[name] = (rank[provider], row)
    models = {name: row for name, (_r, row) in chosen.items()}

    # Claude models only a reseller still lists, at the global (list) price.
    fallbacks = 0
    for key, entry in sorted(data.items()):
        if not isinstance(entry, dict) or entry.get("litellm_provider") not in CLAUDE_RESELLERS:
            continue
        m = _BEDROCK_ID.match(key) or _VERTEX_ID.match(key)
        if m is None:
            continue
        name = m.group(1) + (f"-{m.group(2)}" if m.lastindex == 2 and m.group(2) else "")
        name = name.replace(".", "-") if re.search(r"\d\.\d", name) else name
        if name in models or name.endswith("-default"):
            continue
        prices = _prices_of(entry)
        if prices is None:
            continue
        models[name] = {**prices, "provider": entry["litellm_provider"], "from": key}
        fallbacks += 1

    # A dated id priced exactly like its base id adds nothing: lookups strip the date.
    dropped = 0
    for name in sorted(models):
        base = _DATE_SUFFIX.sub("", name)
        if base != name and base in models:
            same = all(models[name].get(f) == models[base].get(f) for f in PRICE_FIELDS)
            if same:
                del models[name]
                dropped += 1
    # After the dedup above, so a dated id inherits its base id's multiplier by lookup.
    fast_added = 0
    for name, mult in FAST_MULTIPLIERS.items():
        if name in models and "fast_multiplier" not in models[name]:
            models[name]["fast_multiplier"] = mult
            fast_added += 1

    counts = {
        "models": len(models),
        "claude_from_resellers": fallbacks,
        "fast_multipliers_added": fast_added,
        "dated_duplicates_dropped": dropped,
    }
    return dict(sorted(models.items())), counts


def render(models: dict[str, dict[str, Any]], source: dict[str, Any]) -> str:
    """The table as JSON with one model per line (small diffs when prices change)."""
    head = {
        "format": 1,
        "source": source,
        "units": "USD per token",
        "notes": [
            "Derived from LiteLLM's model_prices_and_context_window.json by "
            "resources/prices/update_prices.py; only chat models of first-party providers.",
            "Field names are LiteLLM's; fast_multiplier is provider_specific_entry.fast, or "
            "ccusage's fast-multiplier-overrides.json where LiteLLM has none.",
            "Dated ids priced like their base id are dropped; lookups strip the date.",
            "Costs computed from this table are API-equivalent list prices.",
        ],
    }
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append('  "models": {')
    items = list(models.items())
    for i, (name, row) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(row, sort_keys=True)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``update_prices.py WHEEL_OR_JSON [--version V] [--date D] [--out F]``."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("source", type=Path, help="litellm-*.whl or the price JSON")
    ap.add_argument("--version", help="litellm version (read from the wheel when given one)")
    ap.add_argument("--date", help="date the source was retrieved (default: today, UTC)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    raw, facts = read_source(args.source)
    source = {
        "package": "litellm",
        "version": args.version or facts.pop("version", None) or "unknown",
        "retrieved": args.date or dt.datetime.now(dt.UTC).date().isoformat(),
        **facts,
    }
    models, counts = build(raw)
    text = render(models, source)
    args.out.write_text(text, encoding="utf-8")
    print(
        f"{args.out}: {counts['models']} models ({counts['claude_from_resellers']} Claude ids "
        f"from resellers, {counts['dated_duplicates_dropped']} dated duplicates dropped), "
        f"{len(text.encode()) / 1024:.0f} KiB, litellm {source['version']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
