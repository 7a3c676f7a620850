"""Column-mapping presets for CSV files of any other tool: saved in the journal, used by name.

A preset says which column of a CSV holds the time, the model, each kind of tokens, the cost,
the session and the project. It is saved as JSON in the journal's ``settings`` table under
``csv_preset:<name>`` and used with ``--format csv:<name>`` or from the window's mapping
dialog. The importer never sees the journal: whoever runs the import loads the presets
(``load_presets``) and asks ``importer_for`` for the importer of a format name.

The dialog's calls, in order: ``read_header(path)`` for the column names and
``guess_columns(header)`` to pre-fill the mapping; ``preview(path, preset)`` for the first
events and the first problem as the person edits it; ``save_preset(journal, preset)``;
then the import with ``importer_for("csv:" + preset.name, load_presets(journal))``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenworth.core.errors import InputError
from tokenworth.core.importers._tabular import normalize_name
from tokenworth.core.importers.base import Importer, ParseContext
from tokenworth.core.model import ParseIssue, UsageEvent

if TYPE_CHECKING:
    from tokenworth.core.store import Journal

SETTING_PREFIX = "csv_preset:"
FORMAT_PREFIX = "csv:"
# The fields a column can be mapped to, in the order a dialog shows them.
FIELDS = (
    "timestamp",
    "model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost_usd",
    "session",
    "project",
    "request_id",
)
TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "total_tokens",
)
# Column names (normalized) that usually hold each field, best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "timestamp",
        "date",
        "time",
        "created_at",
        "created",
        "datetime",
        "start_time",
        "starttime",
        "start",
        "usage_date_utc",
    ),
    "model": ("model", "model_name", "model_id", "model_version", "model_permaslug", "slug"),
    "input_tokens": (
        "input_tokens",
        "input tokens",
        "prompt_tokens",
        "prompt tokens",
        "tokens_prompt",
        "input",
        "tokens in",
    ),
    "output_tokens": (
        "output_tokens",
        "output tokens",
        "completion_tokens",
        "completion tokens",
        "tokens_completion",
        "output",
        "tokens out",
    ),
    "cache_read_tokens": (
        "cache_read_tokens",
        "cache_read_input_tokens",
        "cache read",
        "cache_read",
        "cached_tokens",
        "cached tokens",
        "input_cached_tokens",
        "tokens_cached",
        "cached",
    ),
    "cache_creation_tokens": (
        "cache_creation_tokens",
        "cache_creation_input_tokens",
        "cache write",
        "cache_write",
        "cache_write_tokens",
    ),
    "reasoning_tokens": ("reasoning_tokens", "reasoning tokens", "tokens_reasoning"),
    "total_tokens": ("total_tokens", "total tokens", "tokens", "total"),
    "cost_usd": ("cost_usd", "cost", "cost (usd)", "spend", "amount", "usd", "price", "cost_total"),
    "session": ("session", "session_id", "conversation_id", "conversation", "thread_id"),
    "project": ("project", "project_id", "workspace", "repository", "repo"),
    "request_id": ("request_id", "generation_id", "call_id", "id"),
}


@dataclass(frozen=True)
class Preset:
    """A named column mapping for CSV files of one tool.

    Attributes:
        name: The name used in ``--format csv:<name>`` (letters, digits, ``-``, ``_``, ``.``).
        columns: Field (one of ``FIELDS``) to the column's name as the file's header writes it.
        tool: The ``tool`` of the events (e.g. ``mistral``); default ``csv``.
        input_includes_cache: The input column counts cached tokens too (OpenAI's
            convention); the cache columns are then subtracted from it.
        time_zone: The zone of times written without one (default UTC).
        daily: Rows are aggregates (one per day and model): a later file replaces the rows
            of the same day, model, session and project instead of adding to them, and a
            session is a day (and project).
    """

    name: str
    columns: Mapping[str, str] = field(default_factory=dict)
    tool: str = "csv"
    input_includes_cache: bool = False
    time_zone: str = "UTC"
    daily: bool = False

    def validate(self) -> Preset:
        """The preset with clean names, or an error a person can act on.

        Raises:
            InputError: a bad name, tool, zone or field, or no time or token column.
        """
        from tokenworth.core.store.journal import validate_tool
        from tokenworth.core.timeutil import get_zone

        name = self.name.strip()
        if not name or len(name) > 40 or not all(c.isalnum() or c in "-_." for c in name):
            raise InputError(
                f"{self.name!r} is not a preset name: use letters, digits, - or _ (e.g. mistral)."
            )
        unknown = [f for f in self.columns if f not in FIELDS]
        if unknown:
            raise InputError(f"Unknown field {unknown[0]!r}: map columns to {', '.join(FIELDS)}.")
        columns = {f: c.strip() for f, c in self.columns.items() if c and c.strip()}
        if "timestamp" not in columns:
            raise InputError("Choose the column that holds the time of each row.")
        if not any(f in columns for f in (*TOKEN_FIELDS, "cost_usd")):
            raise InputError("Choose at least one column of tokens (or the cost).")
        get_zone(self.time_zone)  # raises InputError for an unknown zone
        return replace(self, name=name, columns=columns, tool=validate_tool(self.tool))

    def to_json(self) -> str:
        """The stored form (the name is in the setting's key)."""
        return json.dumps(
            {
                "columns": dict(self.columns),
                "tool": self.tool,
                "input_includes_cache": self.input_includes_cache,
                "time_zone": self.time_zone,
                "daily": self.daily,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, name: str, text: str) -> Preset:
        """A preset read back from the journal.

        Raises:
            InputError: the stored value is not a preset.
        """
        try:
            data: Any = json.loads(text)
        except ValueError as err:
            raise InputError(f"The CSV preset {name!r} is damaged: save it again.") from err
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InputError(f"The CSV preset {name!r} is damaged: save it again.")
        return cls(
            name=name,
            columns={str(k): str(v) for k, v in data["columns"].items()},
            tool=str(data.get("tool") or "csv"),
            input_includes_cache=bool(data.get("input_includes_cache", False)),
            time_zone=str(data.get("time_zone") or "UTC"),
            daily=bool(data.get("daily", False)),
        )


# ------------------------------------------------------------------------ journal storage


def save_preset(journal: Journal, preset: Preset) -> Preset:
    """Validate and store a preset (replacing one of the same name).

    Returns:
        The preset as stored.

    Raises:
        InputError: the preset is not usable.
    """
    clean = preset.validate()
    journal.set_setting(SETTING_PREFIX + clean.name, clean.to_json())
    return clean


def load_presets(journal: Journal) -> dict[str, Preset]:
    """Every saved preset by name (a damaged one is left out)."""
    rows = journal.conn.execute(
        "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ? ORDER BY key",
        [len(SETTING_PREFIX), SETTING_PREFIX],
    )
    out: dict[str, Preset] = {}
    for key, value in rows:
        name = key[len(SETTING_PREFIX) :]
        try:
            out[name] = Preset.from_json(name, value)
        except InputError:
            continue
    return out


def delete_preset(journal: Journal, name: str) -> bool:
    """Remove a saved preset; True when there was one."""
    key = SETTING_PREFIX + name
    if journal.get_setting(key) is None:
        return False
    with journal.transaction():
        journal.conn.execute("DELETE FROM settings WHERE key = ?", [key])
    return True


# ------------------------------------------------------------------------ dialog helpers


def read_header(path: Path | str) -> list[str]:
    """The column names of a CSV file as its header writes them (for the mapping dialog).

    Raises:
        InputError: the file cannot be read or has no header.
    """
    from tokenworth.core.importers._tabular import BadInput, CsvTable

    try:
        with open(path, "rb") as fp, CsvTable(fp, "a CSV file") as table:
            return [h.replace("\ufeff", "").strip() for h in table.header]
    except BadInput as err:
        raise InputError(f"{path}: {err.reason}.") from err
    except OSError as err:
        raise InputError(f"Could not read {path}: {err.strerror or err}.") from err


def guess_columns(header: Sequence[str]) -> dict[str, str]:
    """A first mapping from the column names alone (each column used once)."""
    by_norm = {normalize_name(h): h.replace("\ufeff", "").strip() for h in header}
    used: set[str] = set()
    out: dict[str, str] = {}
    for fld in FIELDS:
        for candidate in SYNONYMS[fld]:
            original = by_norm.get(candidate)
            if original is not None and original not in used:
                out[fld] = original
                used.add(original)
                break
    return out


def preview(
    path: Path | str, preset: Preset, limit: int = 20
) -> tuple[list[UsageEvent], list[ParseIssue]]:
    """The first events the preset makes of a file, and the problems (as the import would).

    Returns:
        Up to ``limit`` events, and the issues (the first one refuses the file).
    """
    from tokenworth.core.importers.generic_csv import GenericCsvImporter

    importer = GenericCsvImporter.with_preset(preset)
    ctx = ParseContext(path=Path(path))
    with open(path, "rb") as fp:
        events = list(importer.parse(fp, ctx))
    return events[:limit], ctx.issues


def importer_for(fmt: str, presets: Mapping[str, Preset]) -> Importer:
    """The importer for a ``--format`` name, ``csv:<preset>`` included.

    Raises:
        InputError: the name is unknown, or names no saved preset.
    """
    from tokenworth.core.importers import registry
    from tokenworth.core.importers.generic_csv import GenericCsvImporter

    if fmt.startswith(FORMAT_PREFIX):
        name = fmt[len(FORMAT_PREFIX) :]
        preset = presets.get(name)
        if preset is None:
            known = ", ".join(sorted(presets)) or "none saved yet"
            raise InputError(f"There is no CSV preset {name!r} (presets: {known}).")
        return GenericCsvImporter.with_preset(preset)
    if fmt == "csv":
        return GenericCsvImporter.guessing()
    return registry.by_name(fmt)
