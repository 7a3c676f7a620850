"""The command-line companion: the same core as the window, no window (unless asked)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokenworth import __version__
from tokenworth.core.errors import InputError, JournalError, TokenworthError
from tokenworth.core.model import BUCKETS, OUTCOMES, Annotation, ImportReport

EXIT_OK, EXIT_SOME_REFUSED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and one sentence (it already does; keeps the prefix short)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"tokenworth: {message}\n")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    """The full command line, subcommand by subcommand."""
    p = _Parser(prog="tokenworth", description="A private journal of your AI usage.")
    p.add_argument("--version", action="version", version=f"tokenworth {__version__}")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (journal, import, window, report) and exit",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the journal (default: TOKENWORTH_DATA_DIR or the user data folder)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--demo", action="store_true", help="open a generated demo journal")
    g.add_argument("--screenshot", type=Path, help="save a PNG of the window and exit")
    g.add_argument("--view", choices=["journal", "charts"], default=None)
    g.add_argument("paths", nargs="*", type=Path, help="files or folders to import on opening")

    s = sub.add_parser("scan", help="find and import the default log folders")
    s.add_argument("--json", action="store_true")

    i = sub.add_parser("import", help="import files or folders")
    i.add_argument("paths", nargs="+", type=Path)
    i.add_argument("--format", dest="fmt", help="force one format instead of detecting it")
    i.add_argument("--json", action="store_true")

    ss = sub.add_parser("sessions", help="list sessions")
    ss.add_argument("--since", help="first day (or instant) to include")
    ss.add_argument("--until", help="last day to include")
    ss.add_argument("--tool", action="append", default=[])
    ss.add_argument("--unrated", action="store_true", help="only sessions without a value")
    ss.add_argument("--tz", help="time zone for dates (default: the system's)")
    ss.add_argument("--json", action="store_true")

    st = sub.add_parser("stats", help="token and cost sums per period or group")
    st.add_argument("--by", default="day", choices=BUCKETS)
    st.add_argument("--since")
    st.add_argument("--until")
    st.add_argument("--tool", action="append", default=[])
    st.add_argument("--tag")
    st.add_argument("--tz", help="time zone for day/week/month buckets (default: the system's)")
    st.add_argument("--json", action="store_true")

    sm = sub.add_parser("summary", help="the headline numbers: was it worth the tokens?")
    sm.add_argument("--since", help="first day (or instant) to include")
    sm.add_argument("--until", help="last day to include")
    sm.add_argument("--tool", action="append", default=[])
    sm.add_argument("--tag")
    sm.add_argument("--tz", help="time zone of --since/--until (default: the system's)")
    sm.add_argument("--json", action="store_true")

    a = sub.add_parser("annotate", help="write the goal, outcome and value of a session")
    a.add_argument("session_key")
    _annotation_args(a)
    a.add_argument("--clear-tags", action="store_true", help="remove the existing tags first")
    a.add_argument("--json", action="store_true")

    lg = sub.add_parser("log", help="log a session by hand")
    lg.add_argument("--tool", required=True)
    lg.add_argument("--start", required=True, help="when it started, e.g. 2026-03-14T09:30")
    lg.add_argument("--minutes", type=_int, help="how long it took")
    lg.add_argument("--tokens", type=_int, help="your estimate of the tokens used")
    lg.add_argument("--model")
    lg.add_argument("--project")
    _annotation_args(lg)
    lg.add_argument("--json", action="store_true")

    from tokenworth.report_cli import add_report_parser

    add_report_parser(sub)

    pr = sub.add_parser(
        "price",
        help="show or override a model's API price (USD per million tokens)",
        description="Show the price used for a model, or set your own (saved in the journal; "
        "every cost is recomputed). Without MODEL, list your overrides.",
    )
    pr.add_argument("model", nargs="?")
    for flag, what in (
        ("--input", "input"),
        ("--output", "output"),
        ("--cache-read", "cache reads"),
        ("--cache-write", "5-minute cache writes"),
    ):
        pr.add_argument(flag, type=float, metavar="USD", help=f"{what}, USD per million tokens")
    pr.add_argument("--clear", action="store_true", help="drop your override of MODEL")
    pr.add_argument("--json", action="store_true")

    c = sub.add_parser("check", help="check the journal's integrity and schema version")
    c.add_argument("--json", action="store_true")

    b = sub.add_parser("backup", help="copy the journal to a verified backup")
    b.add_argument("path", nargs="?", type=Path)
    b.add_argument("--json", action="store_true")
    return p


def _annotation_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--goal", help="what you wanted to get done (one line)")
    p.add_argument("--outcome", help=f"one of {', '.join(OUTCOMES)}")
    p.add_argument("--outcome-note")
    p.add_argument("--value", type=_int, help="1 (no value, busywork) to 5 (exceptional)")
    p.add_argument("--minutes-saved", type=_int, help="versus doing it without AI (may be < 0)")
    p.add_argument("--needed", dest="needed", action="store_true", default=None)
    p.add_argument("--not-needed", dest="needed", action="store_false")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    p.add_argument("--note")


def _open(args: argparse.Namespace, readonly: bool = False) -> Any:
    from tokenworth.core.store import open_journal

    return open_journal(args.data_dir, readonly=readonly)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _annotation_changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("goal", "outcome", "outcome_note", "value", "minutes_saved", "needed", "note"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.outcome is not None:
        changes["outcome"] = args.outcome.strip().lower().replace(" ", "-").replace("_", "-")
    return changes


def cmd_log(args: argparse.Namespace) -> int:
    from tokenworth.core.timeutil import parse_user_time

    start = parse_user_time(args.start)
    ann = Annotation(session_key="", tags=list(args.tag), **_annotation_changes(args))
    from tokenworth.core.store.journal import validate_annotation, validate_tool

    validate_tool(args.tool)
    validate_annotation(ann)
    with _open(args) as j:
        key = j.create_manual_session(
            tool=args.tool,
            start=start,
            minutes=args.minutes,
            tokens=args.tokens,
            model=args.model,
            project=args.project,
            annotation=ann,
        )
        if args.json:
            _print_json(j.session(key).to_dict())
        else:
            print(key)
    return EXIT_OK


def cmd_annotate(args: argparse.Namespace) -> int:
    changes = _annotation_changes(args)
    with _open(args) as j:
        if args.tag or args.clear_tags:
            current = j.annotation(args.session_key)
            tags = [] if args.clear_tags or current is None else list(current.tags)
            changes["tags"] = tags + [t for t in args.tag if t not in tags]
        if not changes:
            raise InputError("Nothing to change: give --goal, --value, --outcome, --tag, ...")
        _, after = j.annotate(args.session_key, **changes)
        if args.json:
            _print_json(j.session(args.session_key).to_dict())
        else:
            value = f"value {after.value}" if after.value else "no value yet"
            print(f"Saved {args.session_key}: {value}.")
    return EXIT_OK


def _bounds(args: argparse.Namespace, zone: dt.tzinfo) -> tuple[str | None, str | None]:
    from tokenworth.core.timeutil import day_bounds

    since = day_bounds(args.since, zone) if args.since else None
    until = day_bounds(args.until, zone, end=True) if args.until else None
    return since, until


def cmd_sessions(args: argparse.Namespace) -> int:
    from tokenworth.core.store import SessionFilter
    from tokenworth.core.timeutil import get_zone, parse_ts

    zone = get_zone(args.tz)
    since, until = _bounds(args, zone)
    flt = SessionFilter(since=since, until=until, tools=args.tool, unrated=args.unrated)
    with _open(args, readonly=_exists(args)) as j:
        sessions = j.sessions(flt)
    if args.json:
        _print_json([s.to_dict() for s in sessions])
        return EXIT_OK
    if not sessions:
        print(
            "No sessions. Import your logs with `tokenworth scan`, "
            "or log one with `tokenworth log`."
        )
        return EXIT_OK
    for s in sessions:
        a = s.annotation
        start = parse_ts(s.start).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        value = f"{a.value}/5" if a and a.value else "  - "
        goal = (a.goal if a and a.goal else "")[:50]
        est = "~" if s.estimated else " "
        print(f"{start}  {s.tool:<12} {est}{s.total_tokens:>12,}  {value}  {goal}  {s.session_key}")
    return EXIT_OK


def _exists(args: argparse.Namespace) -> bool:
    from tokenworth.core.store import JOURNAL_NAME, default_data_dir

    folder = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    return (folder / JOURNAL_NAME).exists()


def _open_for_reading(args: argparse.Namespace) -> Any:
    """The journal read-only, created first if there is none yet (an empty answer)."""
    if not _exists(args):
        _open(args).close()
    return _open(args, readonly=True)


def cmd_summary(args: argparse.Namespace) -> int:
    from tokenworth.core.analytics import summary
    from tokenworth.core.store import SessionFilter
    from tokenworth.core.timeutil import get_zone

    since, until = _bounds(args, get_zone(args.tz))
    flt = SessionFilter(since=since, until=until, tools=args.tool, tag=args.tag)
    with _open_for_reading(args) as j:
        prices = j.prices  # the shipped table with the saved overrides
        data = summary(j, flt)
    if args.json:
        _print_json(data)
        return EXIT_OK
    cost = data["cost_usd"]
    lines = [
        f"Sessions: {data['sessions']:,} ({data['rated_sessions']:,} rated"
        + (f", {data['rated_share']:.0%}" if data["rated_share"] is not None else "")
        + ")",
        f"Tokens: {data['total_tokens']:,}"
        + (
            f" (of which estimated {data['estimated_tokens']:,})"
            if data["estimated_tokens"]
            else ""
        ),
        "API-equivalent cost: "
        + (f"${cost:,.2f}" if cost is not None else "unknown")
        + (
            f" ({data['unpriced_events']:,} calls of unpriced models)"
            if data["unpriced_events"]
            else ""
        ),
    ]
    if data["mean_value"] is not None:
        lines.append(f"Mean value: {data['mean_value']:.2f} / 5")
    if data["low_value_share"] is not None:
        lines.append(f"Tokens spent in sessions rated 1-2: {data['low_value_share']:.0%}")
    if data["tokens_per_value_point"] is not None:
        lines.append(f"Tokens per value point: {data['tokens_per_value_point']:,.0f}")
    if data["outcome_rate"] is not None:
        lines.append(f"Goals achieved (fully or partly): {data['outcome_rate']:.0%}")
    if data["minutes_saved"]:
        lines.append(f"Minutes saved (your estimate): {data['minutes_saved']:,}")
    if data["spearman_tokens_value"] is not None:
        lines.append(f"Rank correlation of tokens with value: {data['spearman_tokens_value']:+.2f}")
    print("\n".join(lines))
    print(f"Prices: {prices.version}; costs are API-equivalent, not what you paid.")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from tokenworth.core.analytics import EventFilter, stats
    from tokenworth.core.timeutil import get_zone

    zone = get_zone(args.tz)
    since, until = _bounds(args, zone)
    flt = EventFilter(since=since, until=until, tools=tuple(args.tool), tag=args.tag)
    with _open_for_reading(args) as j:
        data = stats(j, args.by, zone, flt, prices=j.prices)
    if args.tz:
        data["tz"] = args.tz
    if args.json:
        _print_json(data)
        return EXIT_OK
    print(
        f"{args.by:<24} {'sessions':>9} {'input':>14} {'output':>12} {'cache write':>13} "
        f"{'cache read':>15} {'total':>15}"
    )
    for r in [*data["rows"], {"period": "total", **data["totals"]}]:
        print(
            f"{str(r['period'])[:24]:<24} {r['sessions']:>9,} {r['input_tokens']:>14,} "
            f"{r['output_tokens']:>12,} {r['cache_creation_tokens']:>13,} "
            f"{r['cache_read_tokens']:>15,} {r['total_tokens']:>15,}"
        )
    if data["totals"]["estimated_tokens"]:
        print(f"of which estimated: {data['totals']['estimated_tokens']:,} tokens")
    return EXIT_OK


def _report_import(report: ImportReport, as_json: bool, extra: dict[str, Any] | None = None) -> int:
    refused = report.refused
    if as_json:
        _print_json(
            {
                **(extra or {}),
                "files": [
                    {
                        "path": f.path,
                        "format": f.format,
                        "status": f.status,
                        "events_added": f.events_added,
                        "events_updated": f.events_updated,
                        "bytes_read": f.bytes_read,
                        "message": f.message,
                        "issues": [{"line": i.line, "reason": i.reason} for i in f.issues],
                    }
                    for f in report.files
                ],
                "events_added": report.events_added,
                "refused": len(refused),
            }
        )
    else:
        by_status: dict[str, int] = {}
        for f in report.files:
            by_status[f.status] = by_status.get(f.status, 0) + 1
            if f.status in ("refused", "cancelled") or f.issues:
                print(f"{f.path}: {f.message or f.status}", file=sys.stderr)
                for issue in f.issues[:20]:
                    print(f"  line {issue.line}: {issue.reason}", file=sys.stderr)
                if len(f.issues) > 20:
                    print(f"  ... and {len(f.issues) - 20} more", file=sys.stderr)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "no files"
        print(f"{len(report.files)} files: {summary}; {report.events_added:,} new events.")
    return EXIT_SOME_REFUSED if refused else EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from tokenworth.core.importers.runner import import_paths

    with _open(args) as j:
        report = import_paths(j, args.paths, fmt=args.fmt)
    return _report_import(report, args.json)


def cmd_scan(args: argparse.Namespace) -> int:
    from tokenworth.core.importers.runner import scan

    with _open(args) as j:
        report, roots = scan(j)
    per_tool: dict[str, dict[str, int]] = {}
    for f in report.files:
        t = per_tool.setdefault(f.format or "unknown", {"files": 0, "events_added": 0})
        t["files"] += 1
        t["events_added"] += f.events_added
    if not args.json:
        if not roots:
            print(
                "Found no AI tool logs in the usual folders "
                "(~/.claude, ~/.codex, ~/.gemini, ~/.copilot)."
            )
        for name, root in roots:
            t = per_tool.get(name, {"files": 0, "events_added": 0})
            print(f"{name}: {root} ({t['files']} files, {t['events_added']:,} new events)")
    return _report_import(
        report,
        args.json,
        {"folders": [{"format": n, "path": str(r)} for n, r in roots], "tools": per_tool},
    )


_PRICE_FIELDS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}


def cmd_price(args: argparse.Namespace) -> int:
    given = {
        field: getattr(args, flag) / 1e6
        for flag, field in _PRICE_FIELDS.items()
        if getattr(args, flag) is not None
    }
    with _open(args) as j:
        overrides = j.price_overrides()
        if args.model is None:
            if given or args.clear:
                raise InputError(
                    "Name the model whose price you set, e.g. `tokenworth price gpt-5`."
                )
            data: Any = {"overrides": overrides, "prices": j.prices.version}
        else:
            if args.clear:
                overrides.pop(args.model, None)
            if given:
                overrides[args.model] = {**overrides.get(args.model, {}), **given}
            if given or args.clear:
                j.set_price_overrides(overrides)
            price = j.prices.lookup(args.model)
            data = {
                "model": args.model,
                "priced": price is not None,
                "overridden": args.model in overrides,
                "usd_per_million_tokens": None
                if price is None
                else {
                    "input": round(price.input * 1e6, 6),
                    "output": round(price.output * 1e6, 6),
                    "cache_read": round(price.cache_read * 1e6, 6),
                    "cache_write_5m": round(price.cache_write_5m * 1e6, 6),
                    "cache_write_1h": round(price.cache_write_1h * 1e6, 6),
                },
                "prices": j.prices.version,
            }
    if args.json:
        _print_json(data)
    elif args.model is None:
        if not overrides:
            print(f"No overrides; prices from {data['prices']}.")
        for model, fields in sorted(overrides.items()):
            text = ", ".join(f"{k} ${v * 1e6:g}/M" for k, v in sorted(fields.items()))
            print(f"{model}: {text}")
    elif data["usd_per_million_tokens"] is None:
        print(
            f"{args.model} has no price: its calls are unpriced (not $0). Set one with --input "
            "and --output."
        )
    else:
        p = data["usd_per_million_tokens"]
        mark = " (your override)" if data["overridden"] else ""
        print(
            f"{args.model}{mark}, USD per million tokens: input {p['input']:g}, output "
            f"{p['output']:g}, cache read {p['cache_read']:g}, cache write {p['cache_write_5m']:g} "
            f"(1 hour: {p['cache_write_1h']:g}). Prices: {data['prices']}."
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if not _exists(args):
        raise JournalError("There is no journal yet in this folder; nothing to check.")
    with _open(args, readonly=True) as j:
        result = j.check()
    if args.json:
        _print_json(result)
    else:
        print(f"Journal: {result['path']}")
        print(f"Integrity: {result['integrity']}; foreign keys: {result['foreign_keys']}")
        print(
            f"Schema version: {result['schema_version']} (this app: {result['app_schema_version']})"
        )
        print(
            f"{result['sessions']:,} sessions, {result['events']:,} events, "
            f"{result['annotations']:,} annotations, {result['files']:,} files"
        )
    return EXIT_OK if result["ok"] else EXIT_USAGE


def cmd_backup(args: argparse.Namespace) -> int:
    if not _exists(args):
        raise JournalError("There is no journal yet in this folder; nothing to back up.")
    with _open(args, readonly=True) as j:
        dest = args.path
        if dest is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = j.path.with_name(f"journal-backup-{stamp}.sqlite3")
        elif dest.is_dir():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = dest / f"journal-backup-{stamp}.sqlite3"
        result = j.backup(dest)
    if args.json:
        _print_json(result)
    else:
        print(f"Backup written and verified: {result['path']}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from tokenworth.report_cli import cmd_report as run_report

    return run_report(args)


def cmd_gui(args: argparse.Namespace) -> int:
    from tokenworth import app

    return app.run(
        data_dir=args.data_dir,
        demo=getattr(args, "demo", False),
        screenshot=getattr(args, "screenshot", None),
        view=getattr(args, "view", None),
        paths=list(getattr(args, "paths", None) or []),
    )


COMMANDS = {
    "gui": cmd_gui,
    "scan": cmd_scan,
    "import": cmd_import,
    "sessions": cmd_sessions,
    "stats": cmd_stats,
    "summary": cmd_summary,
    "report": cmd_report,
    "price": cmd_price,
    "annotate": cmd_annotate,
    "log": cmd_log,
    "check": cmd_check,
    "backup": cmd_backup,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 done, 1 some files refused, 2 unusable)."""
    args = build_parser().parse_args(argv)
    if args.self_test:
        from tokenworth.selftest import run_self_test

        return run_self_test()
    command = args.command or "gui"
    if args.data_dir is None and os.environ.get("TOKENWORTH_DATA_DIR"):
        args.data_dir = Path(os.environ["TOKENWORTH_DATA_DIR"])
    try:
        return COMMANDS[command](args)
    except TokenworthError as err:
        print(f"tokenworth: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tokenworth: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tokenworth sessions | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
