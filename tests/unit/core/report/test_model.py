"""The report model: its numbers are analytics.summary's, its series add up, it leaks nothing."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tokenworth.core.analytics import summary
from tokenworth.core.model import Annotation
from tokenworth.core.report import ReportOptions, build_report, short_project
from tokenworth.core.report.model import period_bounds, period_label
from tokenworth.core.store import Journal, SessionFilter
from tokenworth.core.timeutil import UTC

from .conftest import FEB, NOTE_MARKER, OUTCOME_MARKER, PROJECT_PATH

PARIS = ZoneInfo("Europe/Paris")
FIXED_NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _report(journal: Journal, **kw):
    kw.setdefault("tz", PARIS)
    return build_report(journal, now=lambda: FIXED_NOW, **kw)


def test_summary_is_analytics_summary_for_the_same_sessions(report_journal: Journal) -> None:
    r = _report(report_journal, **FEB)
    lo, hi = period_bounds(FEB["since"], FEB["until"], PARIS)
    assert lo == "2026-01-31T23:00:00.000Z" and hi == "2026-02-28T23:00:00.000Z"
    expected = summary(report_journal, SessionFilter(since=lo, until=hi), report_journal.prices)
    assert r.summary == expected
    assert expected["sessions"] == len(r.sessions) > 9  # the demo's February + the hostile 9


def test_filters_select_as_the_journal_does(report_journal: Journal) -> None:
    r = _report(report_journal, tools=["codex"], tag=None)
    expected = summary(report_journal, SessionFilter(tools=("codex",)), report_journal.prices)
    assert r.summary == expected
    assert {s["tool"] for s in r.sessions} == {"codex"}
    tagged = _report(report_journal, tag="hostile")
    assert tagged.summary["sessions"] == 9
    assert tagged.filters == {"tools": [], "tag": "hostile"}


def test_series_add_up_to_the_headline_numbers(report_journal: Journal) -> None:
    r = _report(report_journal, **FEB)
    total = r.summary["total_tokens"]
    assert sum(row["total_tokens"] for row in r.trends["rows"]) == total
    assert sum(sum(row["tokens_by_tool"].values()) for row in r.trends["rows"]) == total
    for dim in ("tool", "model", "project"):
        assert sum(row["total_tokens"] for row in r.breakdowns[dim]) == total, dim
    tool_cost = sum(row["cost_usd"] or 0 for row in r.breakdowns["tool"])
    assert tool_cost == pytest.approx(r.summary["cost_usd"], abs=1e-6)
    model_cost = sum(row["cost_usd"] or 0 for row in r.breakdowns["model"])
    assert model_cost == pytest.approx(r.summary["cost_usd"], abs=1e-6)
    assert sum(row["sessions"] for row in r.scatter["by_value"]) == r.summary["rated_sessions"]
    assert len(r.scatter["points"]) + r.scatter["unrated"] + r.scatter["no_tokens"] == len(
        r.sessions
    )
    assert sum(r.outcomes["counts"].values()) == r.summary["sessions"]


def test_weeks_cover_the_month_and_a_partial_first_week_is_labelled_by_its_first_day(
    report_journal: Journal,
) -> None:
    r = _report(report_journal, **FEB)
    assert r.trends["by"] == "week"
    periods = [row["period"] for row in r.trends["rows"]]
    # 1 Feb 2026 is a Sunday: its week started on Monday 26 January.
    assert periods == ["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]
    assert r.trends["rows"][0]["label"] == "1 Feb"
    assert r.period["label"] == "February 2026"
    longer = _report(report_journal)
    assert longer.trends["by"] == "month"
    assert longer.trends["rows"][0]["period"] == longer.period["first_session"][:7]
    assert longer.trends["rows"][-1]["period"] == longer.period["last_session"][:7]


def test_period_labels() -> None:
    d = dt.date
    assert period_label(d(2026, 2, 1), d(2026, 2, 28)) == "February 2026"
    assert period_label(d(2026, 2, 3), d(2026, 2, 9)) == "3 Feb 2026 – 9 Feb 2026"
    assert period_label(d(2026, 2, 3), None) == "Since 3 Feb 2026"
    assert period_label(None, None) == "All time"


def test_paid_off_most_and_heaviest_low_value(report_journal: Journal) -> None:
    r = _report(report_journal, **FEB)
    top = r.top_value
    assert top and all(s["value"] >= 4 for s in top)
    per_point = [s["tokens_per_value_point"] for s in top]
    assert per_point == sorted(per_point)
    low = r.low_value
    assert low and all(s["value"] <= 2 for s in low)
    assert [s["total_tokens"] for s in low] == sorted(
        (s["total_tokens"] for s in low), reverse=True
    )
    rated_low = [s for s in r.sessions if s["value"] is not None and s["value"] <= 2]
    assert max(s["total_tokens"] for s in rated_low) == low[0]["total_tokens"]


def test_project_paths_are_shortened_and_paths_and_branches_left_out(
    report_journal: Journal,
) -> None:
    r = _report(report_journal, **FEB)
    text = json.dumps(r.to_dict(), ensure_ascii=False)
    assert "webshop" in {s.get("project") for s in r.sessions}
    assert "/home/alice" not in text and "acme-secret" not in text
    assert "feat/" not in text  # branch names
    assert short_project(PROJECT_PATH) == "webshop"
    assert short_project("C:\\code\\app\\") == "app"
    assert short_project(None) is None


def test_hide_projects_removes_every_project_name(report_journal: Journal) -> None:
    projects = {s.project for s in report_journal.sessions()} - {None}
    assert "payments-api" in projects
    r = _report(report_journal, options=ReportOptions(hide_projects=True), **FEB)
    text = json.dumps(r.to_dict(), ensure_ascii=False)
    assert "webshop" not in text
    assert "project" not in r.breakdowns
    assert all("project" not in s for s in r.sessions)
    for dim in ("tool", "model"):  # tags are the person's own words, projects are not
        assert not projects & {row["name"] for row in r.breakdowns[dim]}
    assert all(s["session_key"].startswith("s-") for s in r.sessions)


def test_hide_costs_removes_every_cost(report_journal: Journal) -> None:
    r = _report(report_journal, options=ReportOptions(hide_costs=True), **FEB)
    d = r.to_dict()
    assert d["options"].pop("hide_costs") is True

    def keys(x):
        if isinstance(x, dict):
            for k, v in x.items():
                yield k
                yield from keys(v)
        elif isinstance(x, list):
            for v in x:
                yield from keys(v)

    assert not [k for k in keys(d) if "cost" in k or "unpriced" in k]
    assert "$" not in json.dumps(d)
    assert r.method["prices"] is None
    shown = _report(report_journal, **FEB).to_dict()
    assert [k for k in keys(shown) if "cost" in k]  # the same check finds them when shown


def test_notes_are_left_out_unless_asked_for(report_journal: Journal) -> None:
    default = json.dumps(_report(report_journal, **FEB).to_dict())
    assert NOTE_MARKER not in default and OUTCOME_MARKER not in default
    included = _report(report_journal, options=ReportOptions(include_notes=True), **FEB)
    text = json.dumps(included.to_dict())
    assert NOTE_MARKER in text and OUTCOME_MARKER in text


def test_method_names_prices_zone_estimates_and_unpriced_models(journal: Journal) -> None:
    from .conftest import _event

    journal.write_events(
        [
            _event("codex:a", "2026-02-02T10:00:00.000Z", 1, tool="codex", model="mystery-9"),
            _event("codex:b", "2026-02-03T10:00:00.000Z", 1, tool="codex", model="gpt-5"),
        ]
    )
    journal.set_annotation(Annotation(session_key="codex:a", value=2))
    r = _report(journal, **FEB)
    notes = " ".join(r.method["notes"])
    assert r.method["prices"] == journal.prices.version
    assert journal.prices.version in notes
    assert "Europe/Paris" in notes
    assert r.method["unpriced_models"] == ["mystery-9"]
    assert "mystery-9" in notes and "not counted as $0" in notes
    assert r.summary["unpriced_events"] == 1
    assert "No token count in this report is an estimate." in notes


def test_empty_period_gives_an_empty_but_complete_report(journal: Journal) -> None:
    r = _report(journal, **FEB)
    assert r.summary["sessions"] == 0
    assert r.summary["cost_usd"] is None  # nothing priced is unknown, not $0
    assert r.scatter["points"] == [] and r.top_value == [] and r.low_value == []
    assert len(r.trends["rows"]) == 5  # the weeks are still there, empty
    assert all(row["sessions"] == 0 for row in r.trends["rows"])


def test_json_ready(report_journal: Journal) -> None:
    d = _report(report_journal, **FEB).to_dict()
    assert next(iter(d)) == "schema"
    json.dumps(d, allow_nan=False)


def test_series_are_the_numbers_the_window_charts_show(report_journal: Journal) -> None:
    from tokenworth.core import analytics

    r = _report(report_journal, **FEB)
    lo, hi = period_bounds(FEB["since"], FEB["until"], PARIS)
    flt = SessionFilter(since=lo, until=hi)
    window = analytics.trends(report_journal, "week", PARIS, flt)
    by_period = {row["period"]: row for row in r.trends["rows"]}
    assert window["rows"]
    for w in window["rows"]:
        row = by_period[w["period"]]
        assert row["tokens_by_tool"] == w["tokens"]
        assert row["cost_usd"] == w["cost_usd"]
        assert (row["mean_value"], row["low_value_share"]) == (
            w["mean_value"],
            w["low_value_share"],
        )
    for dim in ("tool", "model", "tag"):
        rows = analytics.breakdown(report_journal, dim, flt)["rows"]
        mine = {row["name"]: row for row in r.breakdowns[dim]}
        for w in rows[:12]:
            assert mine[w["key"]]["total_tokens"] == w["total_tokens"], (dim, w["key"])
            assert mine[w["key"]]["sessions"] == w["sessions"]
            assert mine[w["key"]]["mean_value"] == pytest.approx(w["mean_value"])


def test_same_last_folder_is_one_project_row_and_others_count_sessions_once(
    journal: Journal,
) -> None:
    from .conftest import _event

    events = []
    for i in range(16):
        project = "/home/a/work/app" if i % 2 else "/srv/b/app"
        n = 50 if i < 12 else 1  # t0..t11 are big, so their tags fill the first 12 rows
        ts = f"2026-02-{i + 2:02d}T10:00:00.000Z"
        events.append(_event(f"codex:t{i}", ts, n, project=project))
    journal.write_events(events)
    tags_of = {i: [f"tag-{i:02d}"] for i in range(14)}
    tags_of[14] = ["tag-12", "tag-13"]  # one session in two of the small rows
    tags_of[15] = []
    for i, tags in tags_of.items():
        journal.set_annotation(Annotation(session_key=f"codex:t{i}", value=3, tags=tags))
    r = _report(journal, **FEB)
    assert [row["name"] for row in r.breakdowns["project"]] == ["app"]
    assert r.breakdowns["project"][0]["sessions"] == 16
    tags = r.breakdowns["tag"]
    assert [t["name"] for t in tags[:12]] == [f"tag-{i:02d}" for i in range(12)]
    other = tags[12]
    assert other["other"] is True and other["name"] == "3 others"  # tag-12, tag-13, untagged
    assert other["sessions"] == 4  # t12, t13, t14 (in two of them) and t15: counted once
    assert other["total_tokens"] == sum(
        e.total_tokens for e in events if e.session_key in ("codex:t12", "codex:t13", "codex:t15")
    ) + 2 * next(e.total_tokens for e in events if e.session_key == "codex:t14")
