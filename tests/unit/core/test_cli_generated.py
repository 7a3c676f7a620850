"""End-to-end on generated Claude Code logs: `import` then `stats --json` equal the truth."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.bench.gen_claude import generate_tree
from tokenworth.cli import main

CCUSAGE = Path(__file__).parents[3] / "node_modules" / ".bin" / "ccusage"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("claude") / "cfg"
    # Streamed responses, progress copies (their final line only, quirk7=0), sidechain
    # replays, subagent files, malformed lines and a session still being written.
    return generate_tree(
        root, seed=5, files=30, target_bytes=3_000_000, days=4, bad_lines=3, partial_last_line=True
    )


def _stats(capsys) -> dict[str, tuple[int, int, int, int]]:
    assert main(["stats", "--by", "day", "--tz", "UTC", "--tool", "claude-code", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    return {
        r["period"]: (
            r["input_tokens"],
            r["cache_creation_tokens"],
            r["cache_read_tokens"],
            r["output_tokens"],
        )
        for r in rows
    }


def test_stats_equal_the_generated_truth(capsys, tree) -> None:
    code = main(["import", str(tree.projects), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["refused"] == 0
    issues = [(Path(f["path"]), i["line"]) for f in out["files"] for i in f["issues"]]
    assert sorted(issues) == sorted(tree.bad_lines)  # each malformed line named, with its line
    truth = {d: t.tokens() for d, t in tree.daily.items() if t.total_tokens}
    assert _stats(capsys) == truth


@pytest.mark.skipif(not CCUSAGE.exists(), reason="ccusage 20.0.24 is not installed (npm)")
def test_stats_equal_ccusage_daily(capsys, tree, tmp_path: Path) -> None:
    """Same files, same numbers as `ccusage claude daily --json --offline --timezone UTC`.

    The tree has no quirk-7 progress copies and no null fields, where ccusage 20.0.24 is
    known to differ (FORMATS.md a, quirk 7; tests/unit/core/importers/test_claude_vs_ccusage.py
    asserts those differences exactly).
    """
    config = tmp_path / "cfg"
    shutil.copytree(tree.root, config)
    main(["import", str(config / "projects")])
    capsys.readouterr()
    ours = _stats(capsys)
    out = subprocess.run(
        [str(CCUSAGE), "claude", "daily", "--json", "--offline", "--timezone", "UTC"],
        env={**os.environ, "CLAUDE_CONFIG_DIR": str(config), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = {
        r["date"]: (
            r["inputTokens"],
            r["cacheCreationTokens"],
            r["cacheReadTokens"],
            r["outputTokens"],
        )
        for r in json.loads(out.stdout)["daily"]
    }
    assert ours == theirs
