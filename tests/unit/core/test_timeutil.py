"""Time stamps and user-typed dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tokenworth.core.errors import InputError
from tokenworth.core.timeutil import day_bounds, format_ts, normalize_ts, parse_user_time


def test_stored_form_is_utc_with_milliseconds() -> None:
    assert normalize_ts("2026-02-23T12:40:23.298+01:00") == "2026-02-23T11:40:23.298Z"
    assert normalize_ts("2026-02-11T20:36:53.585Z") == "2026-02-11T20:36:53.585Z"
    assert format_ts(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == "2026-01-01T00:00:00.000Z"


def test_until_a_bare_date_includes_that_day() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert day_bounds("2026-03-29", paris) == "2026-03-28T23:00:00.000Z"
    # DST starts in Paris on 2026-03-29: the next day starts at 22:00 UTC.
    assert day_bounds("2026-03-29", paris, end=True) == "2026-03-29T22:00:00.000Z"


def test_bad_date_is_one_sentence() -> None:
    with pytest.raises(InputError, match="Cannot read the date 'next tuesday'"):
        parse_user_time("next tuesday")
