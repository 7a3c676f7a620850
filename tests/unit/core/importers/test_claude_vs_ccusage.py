"""Claude Code importer against ccusage 20.0.24 ``claude daily`` (skipped without ccusage).

Install it with ``npm install --no-save ccusage@20.0.24`` in the repository (node_modules is
git-ignored). ccusage is the reference most people know, but it is not the truth here:

* FORMATS.md a, quirk 7: ccusage 20.0.24 reads the ``agent_progress`` lines of the parent
  file, whose embedded copy of a subagent message has no ``isSidechain`` field. Its daily
  dedup lets that "main-chain" copy win over the subagent file's own line (which is
  ``isSidechain: true``) whatever the sizes, so when the copy is an intermediate streaming
  line, ccusage reports too few output tokens (and may put the call on another day).
  We never count progress copies: we count the subagent's final line.
* It skips whole lines that have ``null`` in ``costUSD``, ``model``,
  ``cache_read_input_tokens`` (and a few more); we count them (nulls as 0, model unknown).
* Found here, not in FORMATS.md: when a line has no ``requestId`` (third-party endpoints),
  20.0.24 daily dedups by message id *and timestamp*, so every streamed line of such a
  response counts (its ``session`` report gets these right). We keep the largest line.

On trees without these, both must agree to the token. On trees with them, ccusage must give
exactly what the generator predicts for it (``ccusage_daily_model``), and we give the truth;
the tests assert the difference instead of hiding it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.bench.gen_claude import GeneratedTree, Totals, generate_tree
from tokenworth.core.importers.base import ParseContext
from tokenworth.core.importers.claude_code import ClaudeCodeImporter
from tokenworth.core.store import Journal

VERSION = "20.0.24"
REPO = Path(__file__).parents[4]
DATA = REPO / "tests" / "data" / "claude_code"


def _find_ccusage() -> str | None:
    local = REPO / "node_modules" / ".bin" / "ccusage"
    candidates = [str(local)] if local.exists() else []
    if shutil.which("ccusage"):
        candidates.append("ccusage")
    for exe in candidates:
        try:
            out = subprocess.run(
                [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if VERSION in out.stdout:
            return exe
    return None


CCUSAGE = _find_ccusage()
pytestmark = pytest.mark.skipif(CCUSAGE is None, reason=f"ccusage {VERSION} is not installed")

Days = dict[str, tuple[int, int, int, int]]


def ccusage_daily(config: Path, home: Path) -> Days:
    """``ccusage claude daily --json --offline --timezone UTC`` on one config folder."""
    assert CCUSAGE is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(config),
        "NO_COLOR": "1",
    }
    out = subprocess.run(
        [CCUSAGE, "claude", "daily", "--json", "--offline", "--timezone", "UTC"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    rows = json.loads(out.stdout)["daily"]
    return {
        r["date"]: (
            r["inputTokens"],
            r["cacheCreationTokens"],
            r["cacheReadTokens"],
            r["outputTokens"],
        )
        for r in rows
    }


def importer_daily(journal: Journal, files: list[Path]) -> Days:
    """Our per-day totals: every file parsed and written into the journal."""
    imp = ClaudeCodeImporter()
    for path in sorted(files):
        ctx = ParseContext(path=path)
        with open(path, "rb") as fp:
            journal.write_events(imp.parse(fp, ctx))
    rows = journal.conn.execute(
        "SELECT substr(ts, 1, 10), sum(input_tokens), sum(cache_creation_tokens), "
        "sum(cache_read_tokens), sum(output_tokens) FROM events GROUP BY 1 ORDER BY 1"
    )
    return {day: tuple(values) for day, *values in rows}


def tokens(rows: dict[str, Totals]) -> Days:
    return {d: t.tokens() for d, t in rows.items() if t.total_tokens}


def test_real_samples_agree(journal: Journal, tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    shutil.copytree(DATA / "spotter", config / "projects" / "-home-USER-projects-spotter")
    shutil.copy(DATA / "vibecodingtracker_claude_code.jsonl", config / "projects" / "v.jsonl")
    expected = {
        "2025-08-28": (158, 99_004, 1_093_509, 3_860),
        "2026-02-10": (3, 13_835, 11_515, 13),
        "2026-02-11": (198, 394_137, 14_972_534, 38_908),
    }
    assert ccusage_daily(config, tmp_path) == expected
    assert importer_daily(journal, list(config.rglob("*.jsonl"))) == expected


def test_generated_tree_without_the_quirks_agrees_to_the_token(
    journal: Journal, tmp_path: Path
) -> None:
    # Final-line progress copies only (quirk7=0) and no null fields: no known disagreement.
    tree = generate_tree(tmp_path / "cfg", seed=21, files=40, target_bytes=4_000_000, days=4)
    truth = tokens(tree.daily)
    assert len(truth) >= 4
    assert ccusage_daily(tree.root, tmp_path) == truth
    assert importer_daily(journal, tree.files) == truth


@pytest.mark.parametrize(
    ("quirk", "direction"),
    [
        ({"quirk7": 1.0}, "output lower"),
        ({"nulls": True}, "all lower"),
        ({"no_request_id": 0.5}, "all higher"),
        ({"quirk7": 0.6, "nulls": True, "no_request_id": 0.3}, "mixed"),
    ],
    ids=["progress-copies", "nulls", "no-request-id", "all"],
)
def test_generated_tree_with_a_quirk_differs_exactly_as_predicted(
    journal: Journal, tmp_path: Path, quirk: dict[str, Any], direction: str
) -> None:
    tree: GeneratedTree = generate_tree(
        tmp_path / "cfg", seed=22, files=40, target_bytes=4_000_000, days=4, **quirk
    )
    truth = tokens(tree.daily)
    actual = ccusage_daily(tree.root, tmp_path)
    assert actual == tokens(tree.ccusage_daily)  # our model of ccusage's dedup is exact...
    assert importer_daily(journal, tree.files) == truth  # ...and we follow the truth
    ours = [sum(v[i] for v in truth.values()) for i in range(4)]
    theirs = [sum(v[i] for v in actual.values()) for i in range(4)]
    if direction == "output lower":  # the copies carry the same input and cache counts
        assert theirs[:3] == ours[:3] and theirs[3] < ours[3]
    elif direction == "all lower":
        assert all(t < o for t, o in zip(theirs, ours, strict=True))
    elif direction == "all higher":
        assert all(t > o for t, o in zip(theirs, ours, strict=True))
    else:
        assert actual != truth
