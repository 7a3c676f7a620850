"""Which importers exist, and which one a file belongs to (by its content, not its name).

As in MusicBrainz Picard's format registry, every importer scores the first bytes of a
file; the best score wins, and a scorer that raises is skipped, not fatal.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from tokenworth.core.errors import InputError
from tokenworth.core.importers.base import Importer

HEAD_BYTES = 64 * 1024
MIN_SCORE = 0.5

# module name inside tokenworth.core.importers -> class name; loaded lazily so that an
# import of one format never pays for the others.
_MODULES: dict[str, str] = {}


def register(module: str, cls: str) -> None:
    """Add an importer class to the registry.

    Args:
        module: A module inside ``tokenworth.core.importers``, or a full dotted path.
        cls: The class name in that module.
    """
    _MODULES[module] = cls


def unregister(module: str) -> None:
    """Remove an importer (tests use this for their fakes)."""
    _MODULES.pop(module, None)


def all_importers() -> list[Importer]:
    """One instance of every registered importer."""
    out = []
    for module, cls in _MODULES.items():
        name = module if "." in module else f"tokenworth.core.importers.{module}"
        mod = importlib.import_module(name)
        out.append(getattr(mod, cls)())
    return out


def by_name(name: str) -> Importer:
    """The importer for a ``--format`` name.

    Raises:
        InputError: the name is unknown.
    """
    importers = all_importers()
    for imp in importers:
        if imp.name == name:
            return imp
    names = ", ".join(sorted(i.name for i in importers))
    raise InputError(f"Unknown format {name!r}: use one of {names}.")


def read_head(path: Path) -> bytes:
    """The first bytes of a file, for sniffing."""
    with open(path, "rb") as fp:
        return fp.read(HEAD_BYTES)


def detect(path: Path, head: bytes, importers: list[Importer] | None = None) -> Importer | None:
    """The importer that scores the file highest, or None when none is sure enough."""
    best: tuple[float, Importer | None] = (0.0, None)
    for imp in importers if importers is not None else all_importers():
        try:
            score = imp.sniff(path, head)
        except Exception:  # a sniffer's bug must not stop the import of other formats
            continue
        if score > best[0]:
            best = (score, imp)
    return best[1] if best[0] >= MIN_SCORE else None


# The built-in formats. Each module holds exactly one importer.
for _module, _cls in (
    ("claude_code", "ClaudeCodeImporter"),
    ("codex", "CodexImporter"),
    ("gemini_cli", "GeminiImporter"),
    ("copilot_cli", "CopilotImporter"),
    ("cursor_csv", "CursorCsvImporter"),
    ("anthropic_console", "AnthropicConsoleImporter"),
    ("openai_usage", "OpenAIUsageImporter"),
    ("chatgpt_export", "ChatGPTExportImporter"),
    ("claude_ai_export", "ClaudeAIExportImporter"),
    ("openrouter", "OpenRouterImporter"),
    ("copilot_billing", "CopilotBillingImporter"),
    ("litellm_spend", "LiteLLMSpendImporter"),
    ("generic_csv", "GenericCsvImporter"),
):
    register(_module, _cls)
