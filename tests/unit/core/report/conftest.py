"""A report journal: demo sessions plus a few with hostile text in every user field."""

from __future__ import annotations

import datetime as dt

import pytest

from tokenworth.core.demo import build_demo
from tokenworth.core.model import Annotation, UsageEvent
from tokenworth.core.store import Journal
from tokenworth.core.timeutil import UTC

DEMO_END = dt.datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
FEB = {"since": dt.date(2026, 2, 1), "until": dt.date(2026, 2, 28)}

# Strings a goal, tag, note or project name may hold; none may act as markup anywhere.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "</style><b>bold</b>",
    "</svg><svg onload=alert(1)>",
    "[click](javascript:alert(1)) | a | b",
    "Grüße ✓ 日本語 \u202egnp.exe",
    '=HYPERLINK("http://evil.example","x")',
    "&lt;already escaped&gt; & <!-- comment -->",
]
NOTE_MARKER = "ZZ-PRIVATE-NOTE-MARKER-7731"
OUTCOME_MARKER = "ZZ-PRIVATE-OUTCOME-MARKER-4410"
PROJECT_PATH = "/home/alice/clients/acme-secret/webshop"


def _event(key: str, ts: str, n: int, **kw) -> UsageEvent:
    return UsageEvent(
        tool=kw.pop("tool", "claude-code"),
        ts=ts,
        session_key=key,
        dedup_key=f"{key}:{n}",
        model=kw.pop("model", "claude-sonnet-4-5"),
        input_tokens=1_000 * n,
        output_tokens=500,
        cache_read_tokens=20_000,
        **kw,
    )


def add_hostile_sessions(journal: Journal) -> list[str]:
    """One session per hostile string (in February 2026), rated 1-5 in turn; their keys."""
    keys = []
    events = []
    for i, text in enumerate(HOSTILE):
        key = f"claude-code:hostile-{i}"
        keys.append(key)
        ts = f"2026-02-{10 + i:02d}T10:00:00.000Z"
        project = text if i % 2 else PROJECT_PATH
        events += [
            _event(key, ts, 1, project=project, cwd=PROJECT_PATH, git_branch="feat/" + text),
            _event(key, ts.replace("T10", "T11"), 2, project=project, cwd=PROJECT_PATH),
        ]
    with journal.transaction():
        journal.write_events(events)
        for i, (key, text) in enumerate(zip(keys, HOSTILE, strict=True)):
            journal.set_annotation(
                Annotation(
                    session_key=key,
                    goal=text,
                    outcome="partly",
                    outcome_note=f"{OUTCOME_MARKER} {text}",
                    value=i % 5 + 1,
                    minutes_saved=-30 if i == 0 else 15,
                    tags=[text, "hostile"],
                    note=f"{NOTE_MARKER} {text}",
                )
            )
    return keys


@pytest.fixture
def report_journal(journal: Journal) -> Journal:
    """60 demo sessions up to 1 March 2026, plus the hostile ones."""
    build_demo(journal, sessions=60, end=DEMO_END)
    add_hostile_sessions(journal)
    return journal
