"""Time stamps: stored as ISO-8601 UTC strings that sort as text, shown in the user's zone."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tokenworth.core.errors import InputError

UTC = dt.UTC


def format_ts(value: dt.datetime) -> str:
    """Return the canonical stored form ``YYYY-MM-DDTHH:MM:SS.fffZ`` of an aware datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_ts(text: str) -> dt.datetime:
    """Parse a stored or ISO-8601 time stamp into an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def normalize_ts(text: str) -> str:
    """Return ``text`` (any ISO-8601 with a zone) in the canonical stored form."""
    return format_ts(parse_ts(text))


def from_epoch(seconds: float) -> str:
    """Canonical form of a Unix time stamp in seconds."""
    return format_ts(dt.datetime.fromtimestamp(seconds, UTC))


def get_zone(name: str | None) -> dt.tzinfo:
    """The named IANA zone, or the system's local zone when ``name`` is None or empty."""
    if not name:
        return local_zone()
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InputError(f"Unknown time zone {name!r}: use a name such as Europe/Paris.") from err


def local_zone() -> dt.tzinfo:
    """The system's zone with its DST rules (``TZ``, then /etc/localtime, then a fixed offset)."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            return ZoneInfo(env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "/zoneinfo/" in target:  # a symlink into the zone database names the zone
            return ZoneInfo(target.split("/zoneinfo/", 1)[1])
        with open("/etc/localtime", "rb") as fp:
            return ZoneInfo.from_file(fp, key="localtime")
    except (OSError, ValueError, ZoneInfoNotFoundError):
        pass
    local = dt.datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def parse_user_time(text: str, zone: dt.tzinfo | None = None) -> dt.datetime:
    """Parse a date or date-time typed by a person; naive values are in ``zone`` (local).

    Raises:
        InputError: when the text is not a date.
    """
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"Cannot read the date {text!r}: write it as 2026-03-14 or 2026-03-14T09:30."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or get_zone(None))
    return value


def day_bounds(text: str, zone: dt.tzinfo | None, end: bool = False) -> str:
    """Stored-form bound for a --since/--until value; a bare date --until includes that day."""
    value = parse_user_time(text, zone)
    if end and len(text.strip()) == 10:
        value = value + dt.timedelta(days=1)
    return format_ts(value)


def now_ts() -> str:
    """The current instant in stored form."""
    return format_ts(dt.datetime.now(UTC))
