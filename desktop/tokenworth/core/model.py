"""Plain data shared by the importers, the store, analytics and the user interfaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How stats can group: time buckets in the user's zone, or a column.
BUCKETS = ("day", "week", "month", "session", "tool", "model", "project", "tag")
OUTCOMES = ("achieved", "partly", "not-achieved", "abandoned")
TOKEN_FIELDS = (
    "input_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
)


@dataclass(slots=True)
class UsageEvent:
    """One billed model call (or one aggregate bucket), normalized.

    ``input_tokens`` is uncached input (Anthropic's convention); ``output_tokens``
    includes reasoning; ``total_tokens`` is input + cache writes + cache reads + output.
    ``dedup_rank`` decides which row wins when the same ``dedup_key`` arrives twice:
    the larger rank replaces the stored row, an equal or smaller one is ignored.
    """

    tool: str
    ts: str  # ISO-8601 UTC, "YYYY-MM-DDTHH:MM:SS.fffZ"
    session_key: str
    dedup_key: str
    model: str | None = None
    input_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int | None = None
    cost_usd: float | None = None
    estimated: bool = False
    project: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    dedup_rank: int = 0
    cache_creation_1h_tokens: int = 0  # the part of cache_creation_tokens kept for 1 hour
    speed: str | None = None  # "fast" when the call ran in fast mode (priced higher)

    def __post_init__(self) -> None:
        if self.total_tokens is None:
            self.total_tokens = (
                self.input_tokens
                + self.cache_creation_tokens
                + self.cache_read_tokens
                + self.output_tokens
            )
        if not self.model or self.model == "<synthetic>":
            self.model = None


@dataclass(slots=True)
class Annotation:
    """What a person wrote about one session. Never written by an import."""

    session_key: str
    goal: str | None = None
    outcome: str | None = None
    outcome_note: str | None = None
    value: int | None = None
    minutes_saved: int | None = None
    needed: bool | None = None
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    updated_at: str | None = None

    def is_empty(self) -> bool:
        """True when nothing has been written."""
        return (
            not self.goal
            and self.outcome is None
            and not self.outcome_note
            and self.value is None
            and self.minutes_saved is None
            and self.needed is None
            and not self.tags
            and not self.note
        )


@dataclass(slots=True)
class Session:
    """A unit of work: the events of one agent session, conversation, day bucket or manual entry."""

    session_key: str
    tool: str
    start: str
    end: str
    models: list[str] = field(default_factory=list)
    project: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    events: int = 0
    input_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None  # API-equivalent: reported, else list-price estimate
    estimated: bool = False
    manual: bool = False
    annotation: Annotation | None = None
    unpriced_events: int = 0  # calls of models without a price (cost_usd leaves them out)
    estimated_tokens: int = 0  # tokens that are estimates (manual entries, chat exports)

    @property
    def duration_minutes(self) -> float:
        """Minutes between the first and the last call (or the logged length)."""
        from tokenworth.core.timeutil import parse_ts

        return (parse_ts(self.end) - parse_ts(self.start)).total_seconds() / 60.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with the DESIGN.md field names."""
        a = self.annotation
        return {
            "session_key": self.session_key,
            "tool": self.tool,
            "start": self.start,
            "end": self.end,
            "models": list(self.models),
            "project": self.project,
            "cwd": self.cwd,
            "git_branch": self.git_branch,
            "events": self.events,
            "input_tokens": self.input_tokens,
            "cache_creation_tokens": self.cache_creation_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd,
            "unpriced_events": self.unpriced_events,
            "estimated": self.estimated,
            "estimated_tokens": self.estimated_tokens,
            "manual": self.manual,
            "goal": a.goal if a else None,
            "outcome": a.outcome if a else None,
            "outcome_note": a.outcome_note if a else None,
            "value": a.value if a else None,
            "minutes_saved": a.minutes_saved if a else None,
            "needed": a.needed if a else None,
            "tags": list(a.tags) if a else [],
            "note": a.note if a else None,
            "annotated_at": a.updated_at if a else None,
        }


@dataclass(slots=True)
class ParseIssue:
    """A line or record that an importer refused, with the reason in one sentence."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class FileResult:
    """What happened to one file during an import."""

    path: str
    format: str | None
    status: str  # "imported", "unchanged", "empty", "skipped", "refused", "cancelled"
    events_added: int = 0
    events_updated: int = 0
    bytes_read: int = 0
    issues: list[ParseIssue] = field(default_factory=list)
    message: str | None = None


@dataclass(slots=True)
class ImportReport:
    """The outcome of importing several files."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def refused(self) -> list[FileResult]:
        """Files that were not imported at all."""
        return [f for f in self.files if f.status == "refused"]

    @property
    def events_added(self) -> int:
        """New events over all files."""
        return sum(f.events_added for f in self.files)
