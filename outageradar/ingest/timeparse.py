"""Parse the timestamps that post exports carry into timezone-aware UTC datetimes.

Numeric day/month dates (``03/04/2020``, ``13/04/2020 10:00``) are read by their value, never by a silent guess:
when one of the first two numbers is above 12 the order is plain (``13/04/2020`` is 13 April, ``04/13/2020`` is
April 13); when both are 12 or less and differ the date is ambiguous and :class:`AmbiguousDate` is raised, unless the
caller says the order (``dayfirst=True``: ``ingest file --dayfirst``; ``dayfirst=False``: ``--monthfirst``).

Every failure, a time outside what Python can hold included (``9999-12-31T23:59:59-05:00``), is a ``ValueError``
with a short reason, so a reader can quarantine the record.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # Twitter v1.1: "Sat Nov 25 22:33:04 +0000 2017"
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
)

_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)


class AmbiguousDate(ValueError):
    """A numeric date that reads as two different days (``03/04/2020``): the caller must say day or month first."""


def parse_time(value: object, dayfirst: bool | None = None) -> datetime:
    """ISO 8601 (``Z`` allowed), Twitter's v1.1 format, ``D/M/YYYY`` or ``M/D/YYYY`` (with an optional time; see the
    module docstring for ``dayfirst``), or epoch seconds/milliseconds. Naive means UTC.

    Raises ``ValueError`` with a short reason when the value is not a time.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = _from_epoch(float(value))
    elif isinstance(value, str):
        s = value.strip()
        if not s:
            raise ValueError("missing created_at")
        dt = _from_string(s, dayfirst)
    elif value is None:
        raise ValueError("missing created_at")
    else:
        raise ValueError(f"created_at is not a time: {value!r}"[:200])
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # an offset that moves the time past year 1 or 9999
        raise ValueError(f"created_at out of range: {str(value)[:60]!r}") from None


def _from_epoch(x: float) -> datetime:
    if x != x:
        raise ValueError("created_at is not a time: nan")
    if abs(x) > 1e11:  # milliseconds
        x /= 1000.0
    try:
        return datetime.fromtimestamp(x, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"created_at out of range: {x!r}") from None


def _from_string(s: str, dayfirst: bool | None) -> datetime:
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        pass
    m = _NUMERIC_DATE.fullmatch(s)
    if m:
        return _numeric_date(s, m, dayfirst)
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    try:
        return _from_epoch(float(s))
    except (ValueError, OverflowError):
        raise ValueError(f"created_at is not a time: {s[:60]!r}") from None


def _numeric_date(s: str, m: re.Match, dayfirst: bool | None) -> datetime:
    a, b = int(m["a"]), int(m["b"])
    if a > 12 and b > 12:
        raise ValueError(f"created_at is not a time: {s[:60]!r}")
    if a > 12:
        day, month = a, b
    elif b > 12:
        month, day = a, b
    elif a == b or dayfirst is not None:
        day, month = (a, b) if dayfirst or dayfirst is None else (b, a)
    else:
        raise AmbiguousDate(f"created_at {s[:40]!r} is ambiguous (day {a} of month {b}, or month {a} day {b}): "
                            "pass --dayfirst or --monthfirst")
    tz = None
    if m["tz"]:
        if m["tz"] == "Z":
            tz = timezone.utc
        else:
            sign = -1 if m["tz"][0] == "-" else 1
            hh, mm = int(m["tz"][1:3]), int(m["tz"][-2:])
            if hh > 23 or mm > 59:
                raise ValueError(f"created_at is not a time: {s[:60]!r}")
            tz = timezone(sign * timedelta(hours=hh, minutes=mm))
    try:
        return datetime(int(m["y"]), month, day, int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0),
                        int((m["f"] or "0").ljust(6, "0")), tzinfo=tz)
    except ValueError:
        raise ValueError(f"created_at is not a time: {s[:60]!r}") from None
