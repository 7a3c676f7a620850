"""Benchmark: importing a large Claude Code tree, side by side with ccusage and grep.

Run: ``.venv/bin/python tests/bench/bench_import.py [--tree DIR] [--bytes 1.2e9] [--files 3000]``

Every figure comes from one run on the same files: a cold import into an empty journal
(`tokenworth import`, a fresh process, as a person runs it), a rescan with nothing new, a
rescan after appending to 10 files, ``ccusage claude daily --json --offline`` (npm
``ccusage@20.0.24`` in ./node_modules), and the floor: ``grep -c '"usage"'`` over the
same bytes. Peak memory is the child's max RSS. The machine has 2 shared cores, so read
the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def timed(
    cmd: list[str], env: dict[str, str] | None = None, shell: bool = False
) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB, largest process of the run) of one command."""
    with tempfile.NamedTemporaryFile("r") as out:
        line = ["/usr/bin/time", "-f", "%e %M", "-o", out.name]
        full = line + (["sh", "-c", " ".join(cmd)] if shell else cmd)
        t = time.perf_counter()
        subprocess.run(
            full, env={**os.environ, **(env or {})}, check=True, stdout=subprocess.DEVNULL
        )
        wall = time.perf_counter() - t
        peak_kb = int(out.read().split()[-1])
    return wall, peak_kb // 1024


def best_of(n: int, fn) -> tuple[float, int]:
    runs = [fn() for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--tree", type=Path, default=Path(tempfile.gettempdir()) / "tw-bench-claude")
    p.add_argument("--bytes", type=float, default=1.2e9)
    p.add_argument("--files", type=int, default=3000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    tree: Path = args.tree
    if not (tree / "projects").is_dir():
        print(f"generating {args.bytes / 1e9:.1f} GB in {tree} ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests/bench/gen_claude.py"),
                str(tree),
                "--files",
                str(args.files),
                "--bytes",
                str(args.bytes),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = sorted(tree.rglob("*.jsonl"))
    size = sum(f.stat().st_size for f in files)
    ccusage = ROOT / "node_modules/.bin/ccusage"
    data = Path(tempfile.mkdtemp(prefix="tw-bench-journal-"))
    tw = [
        str(BIN / "tokenworth"),
        "--data-dir",
        str(data),
        "import",
        str(tree / "projects"),
        "--format",
        "claude-code",
    ]
    # Warm the page cache once so every contender reads from memory.
    subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)

    results: dict[str, tuple[float, int]] = {}
    listing = tree / "files.txt"
    listing.write_text("\0".join(map(str, files)))
    results["grep floor"] = best_of(
        args.repeat,
        lambda: timed(
            ["xargs", "-0", "cat", "<", str(listing), "|", "grep", "-c", "'\"usage\"'"], shell=True
        ),
    )
    if ccusage.exists():
        results["ccusage daily"] = best_of(
            args.repeat,
            lambda: timed(
                [str(ccusage), "claude", "daily", "--json", "--offline"],
                {"CLAUDE_CONFIG_DIR": str(tree)},
            ),
        )

    def cold() -> tuple[float, int]:
        shutil.rmtree(data, ignore_errors=True)
        return timed(tw)

    results["tokenworth cold import"] = best_of(args.repeat, cold)
    results["tokenworth rescan, nothing new"] = best_of(args.repeat, lambda: timed(tw))
    appended = files[:: max(1, len(files) // 10)][:10]
    saved = {f: f.stat().st_size for f in appended}
    try:
        for f in appended:
            last = f.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1]
            obj = json.loads(last)
            obj["uuid"] = obj.get("uuid", "") + "-bench"
            if isinstance(obj.get("message"), dict):
                obj["message"]["id"] = str(obj["message"].get("id")) + "-bench"
            with open(f, "ab") as fp:
                fp.write(json.dumps(obj).encode() + b"\n")
        results["tokenworth rescan, 10 files appended"] = timed(tw)
    finally:
        for f, n in saved.items():
            with open(f, "r+b") as fp:
                fp.truncate(n)
    shutil.rmtree(data, ignore_errors=True)

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{len(files)} files, {size / 1e6:,.0f} MB, commit {commit}, best of {args.repeat}")
    base = results.get("ccusage daily", (None, 0))[0]
    for name, (wall, peak) in results.items():
        ratio = f"{wall / base:5.2f}x ccusage" if base else ""
        print(f"  {name:<38} {wall:7.2f} s  {peak:5d} MB peak  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
