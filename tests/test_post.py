from datetime import datetime, timedelta, timezone

import pytest

from outageradar.records import Post, PostError, author_hash
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


# ---------------------------------------------------------------- issue 11: hostile values
from outageradar.records import EARLIEST, MAX_ID, check_time, clean_text, fit_id  # noqa: E402
from outageradar.ingest.timeparse import AmbiguousDate  # noqa: E402


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:30:00+01:00", 1e300, float("nan"),
                                   "1e400", "31/31/2020"])
def test_parse_time_out_of_range_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_time(value)


def test_numeric_dates_need_an_order_only_when_ambiguous():
    with pytest.raises(AmbiguousDate, match="--dayfirst or --monthfirst"):
        parse_time("03/04/2020")
    assert parse_time("13/04/2020 10:00") == datetime(2020, 4, 13, 10, tzinfo=timezone.utc)
    assert parse_time("04/13/2020 10:00:05") == datetime(2020, 4, 13, 10, 0, 5, tzinfo=timezone.utc)
    assert parse_time("05/05/2020") == datetime(2020, 5, 5, tzinfo=timezone.utc)  # the same either way
    assert parse_time("03/04/2020", dayfirst=True) == datetime(2020, 4, 3, tzinfo=timezone.utc)
    assert parse_time("03/04/2020 23:30 +02:00", dayfirst=False) == datetime(2020, 3, 4, 21, 30, tzinfo=timezone.utc)


def test_post_strings_are_cleaned_and_the_repairs_counted():
    p = Post("x", "1\x00", T, "Xbox\x00 down \ud800", user_location="A\udfffB", url="u" * 600)
    assert (p.source_id, p.text, p.user_location) == ("1", "Xbox down \ufffd", "A\ufffdB")
    assert p.extra["repaired"] == 4 and len(p.url) == 512
    assert clean_text("plain") == ("plain", 0)
    with pytest.raises(PostError, match="empty text"):
        Post("x", "1", T, "\x00 \x00")
    with pytest.raises(PostError, match="source longer than 32"):
        Post("s" * 33, "1", T, "down")


def test_long_ids_are_hashed_not_cut():
    a, b = "p" * 200 + "1", "p" * 200 + "2"
    assert fit_id(a) != fit_id(b) and len(fit_id(a)) == MAX_ID and fit_id(a) == fit_id(a)
    assert fit_id(a).startswith("p" * 63 + "~") and fit_id("short") == "short"
    assert Post("x", a, T, "down").source_id == fit_id(a)


def test_plausible_times():
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    check_time(EARLIEST, now)
    check_time(now + timedelta(hours=23), now)
    with pytest.raises(PostError, match="before 2006-01-01"):
        check_time(EARLIEST - timedelta(seconds=1), now)
    with pytest.raises(PostError, match="more than a day in the future"):
        check_time(now + timedelta(days=1, seconds=1), now)
