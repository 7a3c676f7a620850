"""A minimal append-only format for testing the runner without any real importer.

Each line: {"fake": 1, "ts": "...Z", "s": "session", "id": "unique", "n": tokens}
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tokenworth.core.importers.base import Importer, ParseContext, iter_lines, load_json_line
from tokenworth.core.model import UsageEvent


class FakeImporter(Importer):
    """Counts one event per line; remembers the running total in its state."""

    name = "fake"
    tool = "fake"
    suffixes = (".fake",)

    def sniff(self, path: Path, head: bytes) -> float:
        return 1.0 if head.startswith(b'{"fake"') else 0.0

    def parse(self, fp: BinaryIO, ctx: ParseContext) -> Iterator[UsageEvent]:
        for lineno, raw in iter_lines(fp, ctx):
            obj = load_json_line(raw, lineno, ctx)
            if obj is None:
                continue
            if not isinstance(obj, dict) or "n" not in obj:
                ctx.issue(lineno, "no token count")
                continue
            if obj.get("boom"):
                raise KeyError("boom")
            ctx.state["running"] = ctx.state.get("running", 0) + obj["n"]
            yield UsageEvent(
                tool="fake",
                ts=obj["ts"],
                session_key=obj["s"],
                dedup_key=f"fake:{obj['id']}",
                input_tokens=obj["n"],
            )


def line(i: int, n: int = 10, session: str = "s1", **extra: object) -> str:
    """One line of the fake format, with a newline."""
    import json

    obj = {
        "fake": 1,
        "ts": f"2026-03-01T10:{i // 60:02d}:{i % 60:02d}.000Z",
        "s": session,
        "id": f"{session}-{i}",
        "n": n,
        **extra,
    }
    return json.dumps(obj) + "\n"
