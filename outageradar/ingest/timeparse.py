"""Parse the timestamps that post exports carry into timezone-aware UTC datetimes."""

from __future__ import annotations

from datetime import datetime, timezone

_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # Twitter v1.1: "Sat Nov 25 22:33:04 +0000 2017"
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)


def parse_time(value: object) -> datetime:
    """ISO 8601 (``Z`` allowed), Twitter's v1.1 format, or epoch seconds/milliseconds. Naive means UTC.

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
        dt = _from_string(s)
    elif value is None:
        raise ValueError("missing created_at")
    else:
        raise ValueError(f"created_at is not a time: {value!r}"[:200])
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _from_epoch(x: float) -> datetime:
    if x > 1e11:  # milliseconds
        x /= 1000.0
    try:
        return datetime.fromtimestamp(x, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"created_at out of range: {x!r}") from None


def _from_string(s: str) -> datetime:
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    try:
        return _from_epoch(float(s))
    except ValueError:
        raise ValueError(f"created_at is not a time: {s[:60]!r}") from None
