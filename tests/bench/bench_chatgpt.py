"""Benchmark: import a generated ChatGPT conversations.json of 500 MB (one line).

Run: ``.venv/bin/python tests/bench/bench_chatgpt.py [--mb 500] [--keep DIR]``

The file is written in a streaming way (never held in memory), then imported into a
throwaway journal in a child process whose peak resident memory (``ru_maxrss``) is reported
with the wall time. The generated text is ASCII, so the expected estimate of every message is
``ceil(chars / 4)`` and the totals are checked exactly against the journal's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]
WORDS = [
    "the",
    "model",
    "reads",
    "a",
    "file",
    "and",
    "writes",
    "a",
    "short",
    "answer",
    "about",
    "tokens",
    "value",
    "time",
    "cost",
    "code",
    "test",
    "python",
    "journal",
    "session",
    "export",
    "import",
    "stream",
    "memory",
    "bounded",
    "array",
    "conversation",
    "branch",
]


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


def conversation(rng: random.Random, index: int) -> tuple[dict[str, Any], dict[str, int]]:
    """One conversation shaped like a real export, with a regenerated (inactive) branch.

    Returns:
        The conversation and its expected calls, input, output and reasoning estimates.
    """
    conv_id = str(uuid.UUID(int=rng.getrandbits(128)))
    t0 = 1_700_000_000 + index * 3600.0
    root = "client-created-root"
    mapping: dict[str, Any] = {root: {"id": root, "message": None, "parent": None, "children": []}}
    parent = root
    history = out_total = in_total = calls = reasoning_total = 0
    t = t0

    def add(role: str, text: str, slug: str | None, parent_id: str, **content: Any) -> str:
        nonlocal t
        node = str(uuid.UUID(int=rng.getrandbits(128)))
        t += 7.5
        meta: dict[str, Any] = {"request_id": "req", "timestamp_": "absolute"}
        if slug:
            meta["model_slug"] = slug
            meta["default_model_slug"] = slug
        body = content or {"content_type": "text", "parts": [text]}
        mapping[node] = {
            "id": node,
            "message": {
                "id": node,
                "author": {"role": role, "name": None, "metadata": {}},
                "create_time": t,
                "update_time": None,
                "content": body,
                "status": "finished_successfully",
                "end_turn": role == "assistant",
                "weight": 1.0,
                "metadata": meta,
                "recipient": "all",
                "channel": None,
            },
            "parent": parent_id,
            "children": [],
        }
        mapping[parent_id]["children"].append(node)
        return node

    for turn in range(rng.randint(3, 12)):
        question = _text(rng, rng.randint(10, 120))
        parent = add("user", question, None, parent)
        history += _tokens(question)
        if turn == 1:  # a regeneration: an answer that is no longer on the active branch
            add("assistant", _text(rng, 200), "gpt-4o", parent)
        thoughts = ""
        if turn % 4 == 3:
            thoughts = _text(rng, rng.randint(50, 150))
            parent = add(
                "assistant",
                "",
                "o3",
                parent,
                content_type="thoughts",
                thoughts=[{"summary": "Thinking", "content": thoughts}],
            )
        answer = _text(rng, rng.randint(80, 900))
        parent = add("assistant", answer, "o3" if thoughts else "gpt-4o", parent)
        calls += 1
        in_total += history
        reasoning = _tokens(thoughts) + _tokens("Thinking") if thoughts else 0
        out_total += _tokens(answer) + reasoning
        reasoning_total += reasoning
        history += _tokens(answer)
    conv = {
        "title": f"Conversation {index}",
        "create_time": t0,
        "update_time": t,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": parent,
        "plugin_ids": None,
        "conversation_id": conv_id,
        "default_model_slug": "auto",
        "is_archived": False,
        "id": conv_id,
    }
    expected = {
        "calls": calls,
        "input": in_total,
        "output": out_total,
        "reasoning": reasoning_total,
    }
    return conv, expected


def write_export(fp: TextIO, target_bytes: int, seed: int = 7) -> dict[str, int]:
    """Write a one-line ``conversations.json`` of about ``target_bytes``; returns the totals."""
    rng = random.Random(seed)
    totals = {"conversations": 0, "calls": 0, "input": 0, "output": 0, "reasoning": 0}
    written = 1
    fp.write("[")
    while written < target_bytes:
        conv, expected = conversation(rng, totals["conversations"])
        text = json.dumps(conv, separators=(", ", ": "))
        if totals["conversations"]:
            fp.write(", ")
            written += 2
        fp.write(text)
        written += len(text)
        totals["conversations"] += 1
        for k in ("calls", "input", "output", "reasoning"):
            totals[k] += expected[k]
    fp.write("]")
    return totals


def _child(path: str, data_dir: str) -> None:
    """Import ``path`` into a new journal; print JSON with time, peak memory and totals."""
    sys.path.insert(0, str(ROOT / "desktop"))
    from tokenworth.core.importers.runner import import_paths
    from tokenworth.core.store import open_journal

    journal = open_journal(Path(data_dir))
    start = time.perf_counter()
    report = import_paths(journal, [path], parallel=False)
    seconds = time.perf_counter() - start
    row = journal.conn.execute(
        "SELECT count(*), count(DISTINCT session_key), sum(input_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), min(estimated) FROM events"
    ).fetchone()
    journal.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "status": [f.status for f in report.files],
                "message": [f.message for f in report.files],
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_kb / 1024, 1),
                "events": row[0],
                "sessions": row[1],
                "input": row[2],
                "output": row[3],
                "reasoning": row[4],
                "all_estimated": bool(row[5]),
            }
        )
    )


def main() -> int:
    """Generate, import in a child process, check the totals, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "conversations.json"
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as fp:
            totals = write_export(fp, args.mb << 20)
        gen_s = time.perf_counter() - t0
        size = os.path.getsize(path)
        print(
            f"generated {size / 2**20:.0f} MB, {totals['conversations']:,} conversations, "
            f"{totals['calls']:,} calls, one line, in {gen_s:.1f} s"
        )
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path), str(Path(tmp) / "journal")],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        ok = (
            result["status"] == ["imported"]
            and result["events"] == totals["calls"]
            and result["sessions"] == totals["conversations"]
            and result["input"] == totals["input"]
            and result["output"] == totals["output"]
            and result["reasoning"] == totals["reasoning"]
            and result["all_estimated"]
        )
        print(
            f"imported in {result['seconds']} s ({size / 2**20 / result['seconds']:.0f} MB/s), "
            f"peak memory {result['peak_mb']} MB (goal < 300 MB); "
            f"{result['events']:,} events, {result['sessions']:,} sessions; "
            f"totals {'match' if ok else 'DIFFER: ' + json.dumps(result)}"
        )
        return 0 if ok and result["peak_mb"] < 300 else 1


if __name__ == "__main__":
    raise SystemExit(main())
