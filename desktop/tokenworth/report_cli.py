"""``tokenworth report``: write the private report (HTML, PDF, CSV, JSON or Markdown) to a file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenworth.core.errors import InputError

if TYPE_CHECKING:
    from tokenworth.core.store import Journal

EXIT_OK, EXIT_USAGE = 0, 2


def _month(text: str) -> tuple[dt.date, dt.date]:
    """``2026-02`` -> (1 Feb 2026, 28 Feb 2026)."""
    try:
        first = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: write it as 2026-02") from None
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def add_report_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to the subparsers of ``tokenworth``'s parser.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The subcommand's parser (its ``func`` default is ``cmd_report``).
    """
    from tokenworth.core.report import FORMATS

    r = sub.add_parser(
        "report",
        help="write the private report: was it worth the tokens?",
        description=(
            "Write a report of the sessions that start in a period: headline numbers, "
            "charts, the sessions that paid off and the heavy low-value ones, goals and "
            "outcomes. No prompt or response text; notes only with --include-notes."
        ),
    )
    r.add_argument(
        "--format",
        choices=list(FORMATS),
        default=None,
        help="html, pdf, csv, json or md (default: from the file name of --out)",
    )
    r.add_argument("--out", type=Path, required=True, help="the file to write")
    r.add_argument("--since", help="first day (2026-02-01) or moment, in --tz")
    r.add_argument("--until", help="last day, included (2026-02-28), or moment, in --tz")
    r.add_argument("--month", type=_month, default=None, help="one calendar month, e.g. 2026-02")
    r.add_argument("--tool", action="append", default=[], help="only this tool (repeatable)")
    r.add_argument("--tag", default=None, help="only sessions with this tag")
    r.add_argument(
        "--include-notes", action="store_true", help="include notes and outcome notes in full"
    )
    r.add_argument("--hide-projects", action="store_true", help="leave project names out")
    r.add_argument("--hide-costs", action="store_true", help="leave every cost out")
    r.add_argument("--force", action="store_true", help="replace --out if it exists")
    r.add_argument(
        "--tz", default=None, help="time zone, e.g. Europe/Paris (default: the system's)"
    )
    r.add_argument(
        "--page-size", choices=["a4", "letter"], default="a4", help="PDF page size (default a4)"
    )
    r.add_argument("--json", action="store_true", help="print what was written as JSON")
    r.set_defaults(func=cmd_report)
    return r


def _bound(text: str | None, zone: dt.tzinfo) -> dt.date | dt.datetime | None:
    """A date stays a whole day; a date-time is a moment (naive ones in ``zone``)."""
    from tokenworth.core.timeutil import parse_user_time

    if not text:
        return None
    if len(text.strip()) == 10:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    return parse_user_time(text, zone)


def _open_journal(args: argparse.Namespace) -> Journal:
    """The journal, read-only; an error sentence when there is none yet."""
    from tokenworth.core.store import JOURNAL_NAME, default_data_dir, open_journal

    data_dir = getattr(args, "data_dir", None)
    folder = Path(data_dir).expanduser() if data_dir else default_data_dir()
    if not (folder / JOURNAL_NAME).exists():
        raise InputError(
            f"There is no journal in {folder} yet: import your logs with `tokenworth scan` first."
        )
    return open_journal(folder, readonly=True)


def cmd_report(args: argparse.Namespace) -> int:
    """Build the report and write it to ``--out``; 2 with one sentence on bad usage."""
    from tokenworth.core.report import (
        TEXT_FORMATS,
        ReportOptions,
        build_report,
        format_for_path,
        render_text,
        write_atomic,
    )
    from tokenworth.core.timeutil import get_zone

    out: Path = args.out.expanduser()
    fmt = args.format or format_for_path(out)
    if fmt is None:
        raise InputError(
            f"Cannot tell the format from {out.name!r}: add --format html, pdf, csv, json or md."
        )
    if out.is_dir():
        raise InputError(f"{out} is a folder: give --out a file name.")
    if out.exists() and not args.force:
        print(f"tokenworth: {out} exists; add --force to replace it.", file=sys.stderr)
        return EXIT_USAGE
    if not out.parent.is_dir():
        raise InputError(f"The folder {out.parent} does not exist.")
    zone = get_zone(args.tz)
    since = _bound(args.since, zone)
    until = _bound(args.until, zone)
    if args.month is not None:
        if since is not None or until is not None:
            raise InputError("Use --month or --since/--until, not both.")
        since, until = args.month
    options = ReportOptions(
        include_notes=args.include_notes,
        hide_projects=args.hide_projects,
        hide_costs=args.hide_costs,
    )
    with _open_journal(args) as journal:
        report = build_report(
            journal,
            since=since,
            until=until,
            tools=tuple(args.tool),
            tag=args.tag,
            tz=zone,
            options=options,
            prices=journal.prices,  # the shipped table with the person's overrides
        )
    pages = None
    if fmt in TEXT_FORMATS:
        write_atomic(out, render_text(report, fmt))
    else:
        from tokenworth.ui.report_pdf import write_pdf

        pages = write_pdf(report, out, args.page_size)
    s = report.summary
    if args.json:
        from tokenworth.core.analytics import to_json

        print(
            to_json(
                {
                    "path": str(out),
                    "format": fmt,
                    "pages": pages,
                    "period": report.period,
                    "summary": s,
                }
            )
        )
    else:
        what = f"{pages} pages, " if pages else ""
        print(
            f"Report written: {out} ({fmt}, {what}{s['sessions']:,} sessions, "
            f"{report.period['label']})."
        )
    return EXIT_OK
