"""X collector: real recorded API v2 responses replayed through tweepy's Client (twarc_csv pages served by a fake
session; the tweepy vcrpy cassette), plus crafted 429/5xx/401/malformed responses."""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import pytest
import requests
from requests.structures import CaseInsensitiveDict
from shared_data import require
from sqlalchemy import func, select

from fakes import KeywordTagger
from outageradar.ingest.retry import Backoff
from outageradar.pipeline.collect import run_pass
from outageradar.ingest.x import XCollector, bbox_centre, snowflake_time
from outageradar.store.models import PostRow, QuarantineRow
from outageradar.store.writer import get_cursor

QUERY = '("netflix down" OR #netflixdown OR @NetflixHelps) -is:retweet'


def _pages() -> list[dict]:
    """Three real search responses (kpop, brexit: recent search; reliance: full-archive with 6 places)."""
    pages = []
    for name, n in (("kpop.jsonl", 0), ("brexit.jsonl", 0), ("withheld.jsonl", 4)):
        line = require(f"payloads/twarc_csv/{name}").read_text().splitlines()[n]
        body = json.loads(line)
        body.pop("__twarc", None)
        pages.append(body)
    return pages


def _response(status: int, body: bytes, headers: dict | None = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.headers = CaseInsensitiveDict({"content-type": "application/json", **(headers or {})})
    r.reason = {200: "OK", 401: "Unauthorized", 429: "Too Many Requests"}.get(status, "Error")
    r.url = "https://api.twitter.com/2/tweets/search/recent"
    return r


class FakeXSession:
    """Serves recorded pages as X would: chained by next_token, filtered by since_id. ``script`` maps the n-th
    request (0-based) to a crafted response or an exception, for failures."""

    def __init__(self, pages, script=None):
        self.pages = pages
        self.by_token = {None: 0}
        for i, p in enumerate(pages):
            tok = (p.get("meta") or {}).get("next_token")
            if tok:
                self.by_token[tok] = i + 1
        self.script = dict(script or {})
        self.calls: list[dict] = []

    def request(self, method, url, params=None, json=None, headers=None, auth=None):
        n = len(self.calls)
        self.calls.append(dict(params or {}))
        assert urlparse(url).path == "/2/tweets/search/recent"
        if n in self.script:
            item = self.script[n]
            if isinstance(item, Exception):
                raise item
            return item
        i = self.by_token[(params or {}).get("next_token")]
        if i >= len(self.pages):
            return _response(200, b'{"meta": {"result_count": 0}}')
        body = dict(self.pages[i])
        since = (params or {}).get("since_id")
        if since:
            body["data"] = [t for t in body.get("data", []) if int(t["id"]) > int(since)]
        return _response(200, __import__("json").dumps(body).encode())


def _collector(session, **kw):
    sleeps = kw.pop("sleeps", [])
    return XCollector([QUERY], "test-token", "salt", session=session, max_pages=kw.pop("max_pages", 10),
                      backoff=Backoff(attempts=kw.pop("attempts", 5), sleep=sleeps.append), **kw)


def _ids(store):
    with store.session() as s:
        return set(s.scalars(select(PostRow.source_id).where(PostRow.source == "x")))


def _all_ids(pages):
    return {t["id"] for p in pages for t in p["data"]}


def test_pass_over_recordings_stores_posts_with_place_location_geo(store):
    pages = _pages()
    session = FakeXSession(pages)
    result = run_pass(store.factory, KeywordTagger(), [_collector(session)])
    assert not result.all_failed, result.lines()
    assert _ids(store) == _all_ids(pages)
    assert result.new == len(_all_ids(pages))
    # request: expansions and fields for geo/place/location
    first = session.calls[0]
    assert first["query"] == QUERY
    assert set(first["expansions"].split(",")) == {"author_id", "geo.place_id"}
    assert "location" in first["user.fields"] and "geo" in first["tweet.fields"] and "created_at" in first["tweet.fields"]
    assert {"full_name", "country_code", "geo"} <= set(first["place.fields"].split(","))
    assert session.calls[1]["next_token"] == pages[0]["meta"]["next_token"]

    with store.session() as s:
        rows = {r.source_id: r for r in s.scalars(select(PostRow).where(PostRow.source == "x"))}
    # kpop: a tweet in Soledad, Colombia (place bbox only) -> place name and bbox centre
    soledad = [r for r in rows.values() if r.place == "Soledad, Colombia"]
    assert len(soledad) == 1
    lat, lon = bbox_centre(pages[0]["includes"]["places"][0])
    assert soledad[0].lat == pytest.approx(lat) and soledad[0].lon == pytest.approx(lon)
    assert 10.85 < soledad[0].lat < 10.93 and -74.84 < soledad[0].lon < -74.73
    # every place-tagged tweet of the full-archive page got its place
    places = {p["id"]: p for p in pages[2]["includes"]["places"]}
    for t in pages[2]["data"]:
        pid = (t.get("geo") or {}).get("place_id")
        if pid in places:
            assert rows[t["id"]].place == places[pid]["full_name"]
            assert rows[t["id"]].lat is not None
    # user profile locations come from includes.users
    users = {u["id"]: u for u in pages[1]["includes"]["users"]}
    with_loc = [t for t in pages[1]["data"] if users.get(t["author_id"], {}).get("location")]
    assert with_loc
    for t in with_loc:
        assert rows[t["id"]].user_location == users[t["author_id"]]["location"].strip()
    t0 = pages[1]["data"][0]
    row = rows[t0["id"]]
    assert row.url == f"https://x.com/i/status/{t0['id']}" and row.lang == t0["lang"]
    assert row.author_hash and row.author_hash != t0["author_id"]


def test_point_coordinates_win_over_place_box(store):
    line = require("payloads/twarc_csv/withheld.jsonl").read_text().splitlines()[3]
    body = json.loads(line)
    body.pop("__twarc")
    body["meta"].pop("next_token")
    run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession([body]))])
    point = next(t for t in body["data"] if "coordinates" in (t.get("geo") or {}))
    with store.session() as s:
        row = s.scalar(select(PostRow).where(PostRow.source_id == point["id"]))
    lon, lat = point["geo"]["coordinates"]["coordinates"]
    assert (row.lat, row.lon) == (pytest.approx(lat), pytest.approx(lon))
    assert row.place == "Philadelphia, PA"


def test_second_pass_gives_zero_new_and_uses_since_id(store):
    pages = _pages()
    run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession(pages))])
    session = FakeXSession(pages)
    again = run_pass(store.factory, KeywordTagger(), [_collector(session)])
    assert again.new == 0 and not again.all_failed
    newest = max((p["meta"]["newest_id"] for p in pages), key=int)
    assert session.calls[0]["since_id"] == newest
    with store.session() as s:
        state = json.loads(get_cursor(s, "x", XCollector.key(QUERY)))
    assert state == {"since": newest, "pending": None}


def test_killed_between_pages_then_normal_pass_has_the_same_posts(store):
    pages = _pages()
    # the pass dies while fetching page 2 (after page 1 was stored)
    broken = FakeXSession(pages, script={1: RuntimeError("killed")})
    first = run_pass(store.factory, KeywordTagger(), [_collector(broken)])
    assert first.all_failed
    assert _ids(store) == {t["id"] for t in pages[0]["data"]}
    with store.session() as s:
        state = json.loads(get_cursor(s, "x", XCollector.key(QUERY)))
    assert state["since"] is None and state["pending"]["token"] == pages[0]["meta"]["next_token"]

    session = FakeXSession(pages)
    second = run_pass(store.factory, KeywordTagger(), [_collector(session)])
    assert session.calls[0]["next_token"] == pages[0]["meta"]["next_token"]  # resumed, not restarted
    assert _ids(store) == _all_ids(pages)
    assert second.new == len(_all_ids(pages)) - len(pages[0]["data"])
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(PostRow)) == len(_all_ids(pages))
        state = json.loads(get_cursor(s, "x", XCollector.key(QUERY)))
    assert state["pending"] is None and state["since"] == max((p["meta"]["newest_id"] for p in pages), key=int)


def test_max_pages_leaves_pending_and_next_pass_continues(store):
    pages = _pages()
    run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession(pages), max_pages=2)])
    assert len(_ids(store)) == len({t["id"] for p in pages[:2] for t in p["data"]})
    run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession(pages), max_pages=2)])
    assert _ids(store) == _all_ids(pages)


def test_429_and_5xx_wait_and_retry_nothing_lost(store):
    pages = _pages()
    reset = int(time.time()) + 30
    script = {
        0: _response(429, b'{"title": "Too Many Requests"}', {"x-rate-limit-reset": str(reset)}),
        1: _response(503, b'{"title": "Service Unavailable"}'),
        2: _response(200, b'{"data": [{"id": "1'),  # truncated JSON
        4: _response(500, b"oops", {"retry-after": "7"}),
    }
    sleeps: list[float] = []
    session = FakeXSession(pages, script)
    result = run_pass(store.factory, KeywordTagger(), [_collector(session, sleeps=sleeps)])
    assert not result.all_failed, result.lines()
    assert _ids(store) == _all_ids(pages)
    assert len(sleeps) == 4
    assert 27 <= sleeps[0] <= 32  # until x-rate-limit-reset, plus jitter
    assert 7 <= sleeps[3] <= 8  # Retry-After
    # the retried requests asked for the same page
    assert session.calls[3].get("next_token") is None and session.calls[5]["next_token"] == pages[0]["meta"]["next_token"]


def test_page_failing_every_attempt_keeps_cursor(store):
    pages = _pages()
    sleeps: list[float] = []
    script = {i: _response(503, b"{}") for i in range(1, 4)}
    result = run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession(pages, script), attempts=3, sleeps=sleeps)])
    assert result.all_failed and "failed after 3 attempts" in result.sources[0].message
    assert len(sleeps) == 2
    with store.session() as s:
        state = json.loads(get_cursor(s, "x", XCollector.key(QUERY)))
    # page 1 stored, its cursor says "continue at page 2"; the failed page 2 did not move it
    assert state["pending"]["token"] == pages[0]["meta"]["next_token"]
    assert _ids(store) == {t["id"] for t in pages[0]["data"]}


def test_malformed_tweets_are_quarantined(store):
    page = {"data": [{"id": "1440717170493689866", "text": "netflix down in US", "created_at": "2021-09-22T16:38:00Z"},
                     {"id": "1440717170493689867", "created_at": "2021-09-22T16:38:00Z"},
                     {"id": "abc", "text": "x"}], "meta": {"result_count": 3, "newest_id": "1440717170493689867"}}
    result = run_pass(store.factory, KeywordTagger(), [_collector(FakeXSession([page]))])
    assert result.new == 1 and result.sources[0].quarantined == 2
    with store.session() as s:
        reasons = list(s.scalars(select(QuarantineRow.reason)))
    assert len(reasons) == 2 and all(r.startswith("x tweet:") for r in reasons)


def test_401_names_the_setting_and_other_sources_still_run(store):
    class Other:
        name = "other"
        ran = False

        def collect(self, sink):
            Other.ran = True

    bad = FakeXSession([], {0: _response(401, b'{"title": "Unauthorized"}')})
    result = run_pass(store.factory, KeywordTagger(), [_collector(bad), Other()])
    assert Other.ran and not result.all_failed
    line = result.lines()[0]
    assert line.startswith("x: FAILED") and "OUTAGERADAR_X_BEARER_TOKEN" in line and "test-token" not in line
    missing = run_pass(store.factory, KeywordTagger(), [XCollector([QUERY], None, "salt")])
    assert missing.all_failed and "OUTAGERADAR_X_BEARER_TOKEN" in missing.sources[0].message


def test_tweepy_cassette_replayed_with_vcrpy(store):
    import vcr

    cassette = require("payloads/tweepy/test_client_search_recent_tweets.yaml")
    coll = XCollector([QUERY], "test-token", "salt", max_pages=1, backoff=Backoff(sleep=lambda s: None))
    with vcr.use_cassette(str(cassette), match_on=["method", "host", "path"], decode_compressed_response=True,
                          record_mode="none"):
        result = run_pass(store.factory, KeywordTagger(), [coll])
    assert result.new == 10, result.lines()
    with store.session() as s:
        row = s.scalar(select(PostRow).where(PostRow.source_id == "1578516068309794817"))
    # no created_at was requested in that recording: the Snowflake id gives the time (text holds the send time)
    assert row.text.startswith("2022-10-07 22:42:12")
    assert abs(snowflake_time(row.source_id).timestamp() - 1665182532.6) < 2
