"""A generated, realistic demo journal: a few months of AI sessions with honest notes."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.store import Journal
from tokenworth.core.timeutil import UTC, format_ts

DEMO_DAYS = 150
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Tool:
    name: str
    weight: float
    models: tuple[tuple[str | None, float], ...]
    calls: tuple[int, int]  # typical range of model calls per session
    context: tuple[int, int]  # prompt size at the first and (at most) the last call
    output: tuple[int, int]  # output tokens per call
    cached: bool  # the tool reads most of its prompt from a cache
    coding: bool  # works inside a project folder
    estimated: bool = False


_TOOLS = (
    _Tool(
        "claude-code",
        0.32,
        (("claude-sonnet-4-5", 0.55), ("claude-opus-4-6", 0.35), ("claude-haiku-4-5", 0.10)),
        (6, 90),
        (14_000, 160_000),
        (80, 3_500),
        cached=True,
        coding=True,
    ),
    _Tool(
        "codex",
        0.17,
        (("gpt-5-codex", 0.8), ("gpt-5", 0.2)),
        (4, 60),
        (9_000, 140_000),
        (150, 5_000),
        cached=True,
        coding=True,
    ),
    _Tool(
        "gemini-cli",
        0.11,
        (("gemini-2.5-pro", 0.7), ("gemini-2.5-flash", 0.3)),
        (3, 40),
        (8_000, 220_000),
        (100, 3_000),
        cached=True,
        coding=True,
    ),
    _Tool(
        "copilot-cli",
        0.08,
        (("claude-sonnet-4-5", 0.6), ("gpt-5", 0.4)),
        (2, 20),
        (4_000, 60_000),
        (60, 1_800),
        cached=True,
        coding=True,
    ),
    _Tool(
        "cursor",
        0.14,
        (("claude-sonnet-4-5", 0.5), ("gpt-5", 0.3), ("gpt-5-mini", 0.2)),
        (2, 30),
        (6_000, 90_000),
        (60, 2_500),
        cached=True,
        coding=True,
    ),
    _Tool(
        "chatgpt",
        0.14,
        (("gpt-5", 0.75), ("gpt-5-mini", 0.25)),
        (2, 24),
        (300, 18_000),
        (150, 1_400),
        cached=False,
        coding=False,
        estimated=True,
    ),
    _Tool(
        "manual",
        0.04,
        ((None, 1.0),),  # a hand-logged session names no model
        (1, 1),
        (0, 0),
        (0, 0),
        cached=False,
        coding=False,
        estimated=True,
    ),
)

# (project, cwd, kind) — kind picks the goal pool.
_PROJECTS = (
    ("payments-api", "~/code/payments-api", "backend"),
    ("web-dashboard", "~/code/web-dashboard", "frontend"),
    ("tokenworth", "~/code/tokenworth", "desktop"),
    ("infra", "~/code/infra", "infra"),
    ("eval-harness", "~/research/eval-harness", "ml"),
)
_PROJECT_WEIGHTS = (0.28, 0.24, 0.20, 0.12, 0.16)

# (goal, tags) per kind. Goals read like a person's one-line intention.
_GOALS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "backend": (
        ("Fix the flaky webhook retry test", ("bugfix", "tests")),
        ("Add idempotency keys to the refund endpoint", ("feature",)),
        ("Upgrade the Stripe SDK and fix what broke", ("maintenance",)),
        ("Find why p99 latency doubled after Tuesday's deploy", ("debugging", "perf")),
        ("Write the migration that splits the ledger table", ("feature", "database")),
        ("Review the partial-captures PR before merging", ("review",)),
        ("Replace the hand-rolled retry loop with tenacity", ("refactor",)),
        ("Explain the deadlock in the payout worker", ("debugging",)),
        ("Add OpenAPI examples for the invoices endpoints", ("docs",)),
        ("Backfill currency codes for old invoices", ("database", "ops")),
    ),
    "frontend": (
        ("Make the usage chart load in under a second", ("perf",)),
        ("Port the settings page to the new form library", ("refactor",)),
        ("Fix dark-mode contrast on the billing table", ("bugfix", "a11y")),
        ("Add CSV export to the reports page", ("feature",)),
        ("Write Playwright tests for sign-up", ("tests",)),
        ("Track down the hydration warning on /team", ("debugging",)),
        ("Build the empty state for new workspaces", ("feature", "design")),
        ("Remove the last class components", ("refactor",)),
    ),
    "desktop": (
        ("Parse Codex token_count deltas without double counting", ("feature", "importers")),
        ("Design the undo stack for annotations", ("design",)),
        ("Split Cursor exports into sessions by idle gap", ("feature", "importers")),
        ("Debug the WAL file left behind on close", ("debugging", "database")),
        ("Write the PyInstaller spec and smoke test", ("packaging",)),
        ("Make the journal table fast at 100k rows", ("perf",)),
        ("Write the migration tests for schema v2", ("tests", "database")),
    ),
    "infra": (
        ("Move the staging database to the new VPC", ("ops",)),
        ("Explain why terraform plan wants to recreate the bucket", ("debugging", "ops")),
        ("Write a runbook for rotating deploy keys", ("docs", "ops")),
        ("Cut CI time on the monorepo", ("perf", "ci")),
        ("Set up alerts for disk usage on the workers", ("ops",)),
    ),
    "ml": (
        ("Add a held-out split to the eval runner", ("feature",)),
        ("Plot calibration curves for the new checkpoint", ("analysis",)),
        ("Figure out why the tokenizer drops emoji", ("debugging",)),
        ("Vectorise the scoring loop", ("perf", "refactor")),
        ("Reproduce the baseline numbers from the paper", ("research",)),
    ),
    "chat": (
        ("Draft the Q3 planning doc", ("writing",)),
        ("Summarise the METR study for the team", ("research", "writing")),
        ("Rewrite the onboarding email", ("writing",)),
        ("Learn how SQLite WAL mode works", ("learning",)),
        ("Understand a Rust lifetime error", ("learning",)),
        ("Brainstorm names for the CLI", ("naming",)),
        ("Prepare interview questions for the staff role", ("hiring", "writing")),
        ("Check my reasoning on the pricing change", ("thinking",)),
        ("Translate the release notes to German", ("writing",)),
        ("Outline the conference talk", ("writing",)),
    ),
    # Work done for the counter, not for the result: the thing this journal makes visible.
    "busywork": (
        ("Generate docstrings for every module (quota week)", ("busywork",)),
        ("Let the agent 'improve' the README", ("busywork", "docs")),
        ("Rename variables across the repo for consistency", ("busywork", "refactor")),
        ("Ask the agent to re-review code that was already merged", ("busywork", "review")),
        ("Have the agent write tests for getters", ("busywork", "tests")),
    ),
}

_OUTCOME_NOTES = {
    "achieved": (
        None,
        None,
        "Exactly what I needed.",
        "Worked first time after one correction.",
        "Needed a careful read of the diff, but it was right.",
    ),
    "partly": (
        "Got the skeleton; finished the edge cases by hand.",
        "Good enough for a first draft.",
        "Half the tests pass; the rest need a real fix.",
        "Useful direction, wrong details.",
    ),
    "not-achieved": (
        "It kept rewriting the same mock; I did it by hand.",
        "Confident answer, wrong API version.",
        "Went in circles on the config format.",
        "Ran out of context twice; the task needs splitting.",
    ),
    "abandoned": (
        "Stopped: faster to write it myself.",
        "Turned out the question was the wrong one.",
        "Priorities changed halfway.",
    ),
}

_NOTES = (
    "Would have taken me an afternoon alone.",
    "Mostly spent reading and checking its work.",
    "Honestly only did this because of the usage target.",
    "The plan it proposed was better than mine.",
    "Good rubber duck, mediocre coder today.",
    "Cheap model would have been enough.",
    "Should have started with a smaller prompt.",
    "Saved a lot of searching through docs.",
)

_BRANCHES = ("main", "main", "main", "fix/{slug}", "feat/{slug}", "chore/{slug}")
_VALUE_WEIGHTS = (0.09, 0.17, 0.31, 0.28, 0.15)


def _pick(rng: random.Random, items: Sequence[T], weights: Sequence[float] | None = None) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


def _lognormal_int(rng: random.Random, low: int, high: int) -> int:
    """A count between low and high, most often near the lower third (log-uniform-ish)."""
    if high <= low:
        return low
    x = rng.betavariate(1.6, 3.0)
    return round(math.exp(math.log(low) + x * (math.log(high) - math.log(low))))


@dataclass(slots=True)
class _Plan:
    key: str
    tool: _Tool
    start: dt.datetime
    minutes: float
    model: str | None
    project: tuple[str, str, str] | None
    branch: str | None
    calls: int
    busywork: bool


def _plan_sessions(
    rng: random.Random, sessions: int, end: dt.datetime, calls_cap: int | None
) -> list[_Plan]:
    plans: list[_Plan] = []
    first = end - dt.timedelta(days=DEMO_DAYS)
    weights = tuple(t.weight for t in _TOOLS)
    for _ in range(sessions):
        tool = _pick(rng, _TOOLS, weights)
        # Working days and working hours dominate, with some evenings and weekends.
        while True:
            day = first + dt.timedelta(days=rng.randrange(DEMO_DAYS))
            if day.weekday() < 5 or rng.random() < 0.25:
                break
        hour = rng.choice((8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16, 17, 20, 21))
        start = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        start = start.replace(microsecond=rng.randrange(1000) * 1000)
        models = tuple(m for m, _ in tool.models)
        model = _pick(rng, models, tuple(w for _, w in tool.models))
        project = None
        branch = None
        if tool.coding or rng.random() < 0.15:
            project = _pick(rng, _PROJECTS, _PROJECT_WEIGHTS)
        busywork = tool.coding and rng.random() < 0.08
        calls = _lognormal_int(rng, *tool.calls)
        if calls_cap is not None:
            calls = min(calls, calls_cap)
        minutes = max(2.0, calls * rng.uniform(0.6, 2.2))
        if tool.name == "manual":
            minutes = float(rng.choice((15, 20, 30, 45, 60, 90)))
        finish = start + dt.timedelta(minutes=minutes)
        if finish > end:
            start -= finish - end + dt.timedelta(hours=1)
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if tool.coding and project is not None:
            slug = project[0].split("-")[0] + "-" + format(rng.getrandbits(16), "x")
            branch = _pick(rng, _BRANCHES).format(slug=slug)
        prefix = {"manual": "manual:demo-", "chatgpt": "chatgpt:"}.get(tool.name, "")
        plans.append(
            _Plan(
                key=prefix + key,
                tool=tool,
                start=start,
                minutes=minutes,
                model=model,
                project=project,
                branch=branch,
                calls=calls,
                busywork=busywork,
            )
        )
    plans.sort(key=lambda p: (p.start, p.key))
    return plans


def _events(rng: random.Random, plan: _Plan) -> Iterator[UsageEvent]:
    tool = plan.tool
    project, cwd = (plan.project[0], plan.project[1]) if plan.project else (None, None)
    if tool.name == "manual":
        # A hand-logged session: a rough token estimate, a start and an end.
        estimate = rng.choice((5_000, 10_000, 20_000, 40_000, 80_000))
        for i, (offset, tokens) in enumerate(((0.0, estimate), (plan.minutes, 0))):
            yield UsageEvent(
                tool=tool.name,
                ts=format_ts(plan.start + dt.timedelta(minutes=offset)),
                session_key=plan.key,
                dedup_key=f"{plan.key}:{i}",
                total_tokens=tokens,
                estimated=True,
                project=project,
            )
        return
    lo, hi = tool.context
    ceiling = rng.randint(max(lo * 2, lo + 1), hi)
    context = lo
    step = (ceiling - lo) / max(plan.calls, 1)
    seconds = plan.minutes * 60.0
    for i in range(plan.calls):
        ts = plan.start + dt.timedelta(seconds=seconds * i / max(plan.calls - 1, 1))
        out = _lognormal_int(rng, *tool.output)
        if tool.cached:
            fresh = rng.randint(40, 2_500)
            cache_write = rng.randint(400, 12_000) if (i == 0 or rng.random() < 0.2) else 0
            cache_read = max(0, int(context - fresh - cache_write))
            if tool.name in ("codex", "gemini-cli", "cursor", "copilot-cli"):
                cache_write = 0  # these report cached input only
        else:
            fresh, cache_write, cache_read = int(context), 0, 0
        reasoning = int(out * rng.uniform(0.3, 0.7)) if tool.name in ("codex",) else 0
        model = plan.model
        yield UsageEvent(
            tool=tool.name,
            ts=format_ts(ts),
            session_key=plan.key,
            dedup_key=f"{plan.key}:{i}",
            model=model,
            input_tokens=fresh,
            cache_creation_tokens=cache_write,
            cache_read_tokens=cache_read,
            output_tokens=out,
            reasoning_tokens=reasoning,
            estimated=tool.estimated,
            project=project,
            cwd=cwd,
            git_branch=plan.branch,
        )
        context = min(ceiling, int(context + step * rng.uniform(0.5, 1.5)) + out)


def _annotation(rng: random.Random, plan: _Plan) -> Annotation | None:
    roll = rng.random()
    if roll < 0.2:
        return None  # never written about: shows up as unrated
    if plan.busywork:
        kind = "busywork"
    elif plan.project is not None:
        kind = plan.project[2]
    else:
        kind = "chat"
    goal, tags = _pick(rng, _GOALS[kind])
    value = rng.choice((1, 1, 2)) if plan.busywork else _pick(rng, (1, 2, 3, 4, 5), _VALUE_WEIGHTS)
    outcome = {
        5: ("achieved",) * 9 + ("partly",),
        4: ("achieved",) * 7 + ("partly",) * 3,
        3: ("achieved",) * 4 + ("partly",) * 5 + ("not-achieved",),
        2: ("partly",) * 4 + ("not-achieved",) * 4 + ("abandoned",) * 2,
        1: ("not-achieved",) * 5 + ("abandoned",) * 4 + ("partly",),
    }[value]
    out = rng.choice(outcome)
    saved_by_value = {1: (-45, 0), 2: (-20, 15), 3: (0, 45), 4: (20, 120), 5: (60, 300)}
    lo, hi = saved_by_value[value]
    minutes_saved = int(round(rng.randint(lo, hi) / 5.0) * 5)
    a = Annotation(
        session_key=plan.key,
        goal=goal,
        outcome=out,
        outcome_note=rng.choice(_OUTCOME_NOTES[out]),
        value=value,
        minutes_saved=minutes_saved if rng.random() < 0.8 else None,
        needed=(not plan.busywork) if rng.random() < 0.85 else None,
        tags=list(tags),
        note=rng.choice(_NOTES) if rng.random() < 0.3 else None,
    )
    if roll < 0.27:
        # Started writing, not rated yet: a goal only.
        a.outcome = a.outcome_note = a.value = a.minutes_saved = a.needed = a.note = None
    return a


def build_demo(
    journal: Journal,
    *,
    seed: int = 7,
    sessions: int = 300,
    end: dt.datetime | None = None,
    calls_cap: int | None = None,
) -> int:
    """Fill ``journal`` with a generated, realistic history of AI sessions.

    The same ``seed``, ``sessions`` and ``end`` always produce the same journal. Writes
    go through ``write_events`` (every event in one call) and ``set_annotation`` only,
    inside one transaction.

    Args:
        journal: An open, writable journal (normally empty).
        seed: Seed of the random generator.
        sessions: How many sessions to generate.
        end: The last moment of the history (default: the current hour, UTC).
        calls_cap: At most this many model calls per session; a small cap keeps a
            100,000-session benchmark journal quick to build.

    Returns:
        The number of sessions written.
    """
    if end is None:
        end = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    elif end.tzinfo is None:
        raise ValueError("end must be an aware datetime")
    rng = random.Random(seed)
    plans = _plan_sessions(rng, sessions, end.astimezone(UTC), calls_cap)
    # Separate streams keep the annotations stable when the event details change.
    event_rng = random.Random(seed * 7919 + 1)
    note_rng = random.Random(seed * 104_729 + 2)

    def all_events() -> Iterator[UsageEvent]:
        for plan in plans:
            yield from _events(event_rng, plan)

    with journal.transaction():
        journal.write_events(all_events())
        for plan in plans:
            annotation = _annotation(note_rng, plan)
            if annotation is not None:
                journal.set_annotation(annotation)
    return len(plans)
