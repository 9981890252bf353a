from datetime import datetime, timedelta, timezone

import pytest

from outageradar.ingest.post import Post, PostError, author_hash
from outageradar.ingest.timeparse import parse_time

T = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_post_normalises_to_utc():
    p = Post("x", "1", datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))), "down")
    assert p.created_at == T and p.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"text": "  "}, "empty text"),
        ({"source_id": ""}, "missing source_id"),
        ({"created_at": datetime(2026, 3, 1)}, "timezone-aware"),
        ({"lat": 10.0}, "together"),
        ({"lat": 95.0, "lon": 1.0}, "out of range"),
        ({"lat": float("nan"), "lon": 1.0}, "not a number"),
    ],
)
def test_post_rejects_bad_fields(kwargs, reason):
    base = {"source": "x", "source_id": "1", "created_at": T, "text": "Xbox down"}
    base.update(kwargs)
    with pytest.raises(PostError, match=reason):
        Post(**base)


def test_author_hash_is_salted_and_hides_the_id():
    a = author_hash("x", "12345", "salt1")
    assert a == author_hash("x", 12345, "salt1")
    assert a != author_hash("x", "12345", "salt2")
    assert a != author_hash("reddit", "12345", "salt1")
    assert "12345" not in a and len(a) == 64
    assert author_hash("x", None, "s") is None


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01T12:00:00Z",
        "2026-03-01T13:00:00+01:00",
        "2026-03-01 12:00:00",
        "Sun Mar 01 12:00:00 +0000 2026",
        1772366400,
        "1772366400000",
    ],
)
def test_parse_time_formats(value):
    assert parse_time(value) == T


@pytest.mark.parametrize("value", ["", None, "yesterday", [1]])
def test_parse_time_rejects(value):
    with pytest.raises(ValueError):
        parse_time(value)
