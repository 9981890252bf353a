"""Mastodon collector: Mastodon.py's recorded cassettes replayed with vcrpy; crafted 429/401 responses."""

from __future__ import annotations

import json

import pytest
import requests
import vcr
import yaml
from requests.structures import CaseInsensitiveDict
from shared_data import require
from sqlalchemy import select

from fakes import KeywordTagger
from outageradar.ingest.mastodon import MastodonCollector, html_to_text
from outageradar.ingest.retry import Backoff
from outageradar.pipeline.collect import run_pass
from outageradar.store.models import PostRow
from outageradar.store.writer import get_cursor, set_cursor

TAG = "fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"


def _cassette(name):
    return vcr.use_cassette(str(require(f"payloads/mastodon_py/{name}")), match_on=["method", "host", "path"],
                            record_mode="none")


def _collector(tags, sleeps=None, **kw):
    return MastodonCollector(["http://localhost:3000"], tags, "salt",
                             backoff=Backoff(sleep=(sleeps.append if sleeps is not None else lambda s: None)), **kw)


def test_html_to_text():
    html = ('<p><a href="http://x/tags/hoot" class="mention hashtag" rel="tag">#<span>hoot</span></a> (hashtag toot)'
            '</p><p>line one<br />line &amp; two <a href="https://example.com/abc"><span class="invisible">https://'
            '</span><span class="">example.com/abc</span></a></p>')
    assert html_to_text(html) == "#hoot (hashtag toot)\n\nline one\nline & two example.com/abc"


def test_hashtag_timeline_recording(store):
    with _cassette("test_hashtag_tl.yaml"):
        result = run_pass(store.factory, KeywordTagger(), [_collector(["hoot"])])
    assert not result.all_failed, result.lines()
    with store.session() as s:
        rows = list(s.scalars(select(PostRow)))
        cursor = get_cursor(s, "mastodon", "localhost:3000:tag:hoot")
    assert len(rows) == 1
    r = rows[0]
    assert r.text == "#hoot (hashtag toot)" and r.lang == "ja"
    assert r.source_id == "http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701"
    assert r.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert cursor == "117020593741189701"


def _recorded_statuses():
    data = yaml.safe_load(require("payloads/mastodon_py/test_pagination_iterator.yaml").read_text())
    statuses = {}
    for i in data["interactions"]:
        if "/timelines/tag/" in i["request"]["uri"]:
            for st in json.loads(i["response"]["body"]["string"]):
                statuses[st["id"]] = st
    return statuses


class Killed(BaseException):
    pass


class TimelineServer(requests.Session):
    """The 30 recorded statuses of a tag served with Mastodon's min_id / limit semantics."""

    def __init__(self, statuses, fail_on=None):
        super().__init__()
        self.statuses = sorted(statuses.values(), key=lambda st: int(st["id"]))
        self.calls = []
        self.fail_on = fail_on

    def request(self, method, url, **kw):
        params = dict(kw.get("params") or {})
        if "/timelines/tag/" not in url:  # Mastodon.py's own instance/version probe
            return _resp(200, b'{"version": "4.5.0"}')
        self.calls.append(params)
        if self.fail_on is not None and len(self.calls) - 1 == self.fail_on:
            raise Killed()  # like a SIGKILL: nothing after this runs
        limit = int(params.get("limit", 20))
        if params.get("min_id"):
            page = [st for st in self.statuses if int(st["id"]) > int(params["min_id"])][:limit]
        else:
            page = self.statuses[-limit:]
        return _resp(200, json.dumps(page[::-1]).encode())


def test_forward_paging_with_min_id_and_resume_after_kill(store):
    statuses = _recorded_statuses()
    assert len(statuses) == 30
    key = f"localhost:3000:tag:{TAG}"
    # first pass of a timeline: its newest page only
    first = TimelineServer(statuses)
    run_pass(store.factory, KeywordTagger(), [_collector([TAG], limit=10, session=first)])
    newest10 = sorted(statuses, key=int)[-10:]
    with store.session() as s:
        ids = {u.rsplit("/", 1)[1] for u in s.scalars(select(PostRow.source_id))}
    assert ids == set(newest10)
    # rewind the cursor: forward paging from min_id, killed on the 2nd page, then a normal pass
    with store.factory() as s, s.begin():
        set_cursor(s, "mastodon", key, "1")
    killed = TimelineServer(statuses, fail_on=1)
    with pytest.raises(Killed):
        run_pass(store.factory, KeywordTagger(), [_collector([TAG], limit=10, session=killed)])
    with store.session() as s:
        assert get_cursor(s, "mastodon", key) == sorted(statuses, key=int)[9]  # page 1 stored with its cursor
    server = TimelineServer(statuses)
    result = run_pass(store.factory, KeywordTagger(), [_collector([TAG], limit=10, session=server)])
    assert not result.all_failed, result.lines()
    assert server.calls[0]["min_id"] == sorted(statuses, key=int)[9]
    with store.session() as s:
        ids = {u.rsplit("/", 1)[1] for u in s.scalars(select(PostRow.source_id))}
        cursor = get_cursor(s, "mastodon", key)
    assert ids == set(statuses) and cursor == max(statuses, key=int)
    assert result.new == 10  # the 10 middle statuses; the newest 10 were already stored
    # nothing newer: one empty page, zero new
    again = run_pass(store.factory, KeywordTagger(), [_collector([TAG], limit=10, session=TimelineServer(statuses))])
    assert again.new == 0 and not again.all_failed


def test_recorded_pagination_replayed_through_vcr(store):
    """The recorded newest page of the pagination cassette, through Mastodon.py and vcrpy."""
    with _cassette("test_pagination_iterator.yaml"):
        result = run_pass(store.factory, KeywordTagger(), [_collector([TAG], limit=10)])
    assert not result.all_failed and result.new == 10, result.lines()


def _resp(status, body, headers=None):
    r = requests.Response()
    r.status_code, r._content = status, body
    r.headers = CaseInsensitiveDict({"content-type": "application/json", **(headers or {})})
    r.reason = "x"
    r.url = "http://localhost:3000/api/v1/timelines/tag/outage"
    return r


class ScriptedSession(requests.Session):
    def __init__(self, responses):
        super().__init__()
        self.responses = list(responses)
        self.params = []

    def request(self, method, url, **kw):
        if "/timelines/tag/" not in url:  # Mastodon.py's own instance/version probe
            return _resp(200, b'{"version": "4.5.0"}')
        self.params.append(kw.get("params"))
        return self.responses.pop(0)


def test_rate_limit_reset_header_is_honoured_and_401_names_the_setting(store):
    hoot = yaml.safe_load(require("payloads/mastodon_py/test_hashtag_tl.yaml").read_text())
    body = next(i["response"]["body"]["string"] for i in hoot["interactions"]
                if "/timelines/tag/" in i["request"]["uri"]).encode()
    from datetime import datetime, timedelta, timezone

    reset = (datetime.now(timezone.utc) + timedelta(seconds=40)).isoformat().replace("+00:00", "Z")
    sleeps = []
    session = ScriptedSession([_resp(429, b'{"error": "Too many requests"}', {"X-RateLimit-Reset": reset}),
                               _resp(502, b"<html>bad gateway</html>"), _resp(200, body)])
    result = run_pass(store.factory, KeywordTagger(), [_collector(["outage"], sleeps, session=session)])
    assert not result.all_failed, result.lines()
    assert result.new == 1 and len(sleeps) == 2 and 35 <= sleeps[0] <= 42

    denied = ScriptedSession([_resp(401, b'{"error": "The access token is invalid"}')])
    bad = run_pass(store.factory, KeywordTagger(), [_collector(["outage"], session=denied, access_token="t0ken")])
    assert bad.all_failed and "OUTAGERADAR_MASTODON_ACCESS_TOKEN" in bad.sources[0].message
    assert "t0ken" not in bad.sources[0].message
