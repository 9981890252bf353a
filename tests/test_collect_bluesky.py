"""Bluesky: searchPosts through atproto's Client (recorded #postView data served by an httpx MockTransport) and the
Jetstream stream collector (filter, batches, time_us cursor, truncated lines, reconnect)."""

from __future__ import annotations

import json

import httpx
from shared_data import require
from sqlalchemy import select

from fakes import KeywordTagger
from outageradar.ingest.bluesky import BlueskySearchCollector
from outageradar.ingest.jetstream import JetstreamCollector, JetstreamFilter, time_us_of, with_cursor
from outageradar.ingest.retry import Backoff
from outageradar.pipeline.collect import StoreSink, run_pass
from outageradar.store.models import PostRow, QuarantineRow
from outageradar.store.writer import get_cursor


def _views():
    thread = json.loads(require("payloads/atproto/thread_view_post_with_embed_media.json").read_text())["thread"]
    record = json.loads(require("payloads/atproto/post_record.json").read_text())
    main = thread["post"]  # its record text is "" -> quarantined
    other = {"uri": record["uri"], "cid": record["cid"], "author": main["author"], "record": record["value"],
             "indexedAt": record["value"]["createdAt"], "labels": []}
    return [other, main]


def _transport(responses, calls):
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(dict(request.url.params))
        status, body = responses.pop(0)
        return httpx.Response(status, json=body, headers={"retry-after": "3"} if status == 429 else {})
    return httpx.MockTransport(handler)


def test_search_posts_stored_and_resumed_by_time(store):
    views = _views()
    calls: list[dict] = []
    responses = [(429, {"error": "RateLimitExceeded"}), (200, {"posts": views, "cursor": "c1"}),
                 (200, {"posts": [], "cursor": "c2"})]
    sleeps: list[float] = []
    coll = BlueskySearchCollector(['"new text" OR test'], "salt", transport=_transport(responses, calls),
                                  backoff=Backoff(sleep=sleeps.append))
    result = run_pass(store.factory, KeywordTagger(), [coll])
    assert not result.all_failed, result.lines()
    assert result.new == 1 and result.sources[0].quarantined == 1
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 4
    with store.session() as s:
        row = s.scalar(select(PostRow))
        state = json.loads(get_cursor(s, "bluesky", coll.key('"new text" OR test')))
        reason = s.scalar(select(QuarantineRow.reason))
    assert row.text == "new text114" and row.source_id == views[0]["uri"]
    assert row.url == "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba/post/3k2yihcrp6f2c"
    assert "empty text" in reason
    assert state == {"since": views[0]["indexedAt"], "pending": None}  # the newer of the two indexedAt
    assert calls[1]["sort"] == "latest" and "since" not in calls[1] and calls[2]["cursor"] == "c1"

    calls.clear()
    responses[:] = [(200, {"posts": []})]
    again = run_pass(store.factory, KeywordTagger(), [coll])
    assert again.new == 0 and calls[0]["since"] == views[0]["indexedAt"]


def test_search_401_names_the_settings(store):
    coll = BlueskySearchCollector(["x"], "salt", transport=_transport([(401, {"error": "AuthMissing"})], []))
    result = run_pass(store.factory, KeywordTagger(), [coll])
    assert result.all_failed and "OUTAGERADAR_BLUESKY_APP_PASSWORD" in result.sources[0].message


def _line(i, text, t=None):
    return json.dumps({"did": f"did:plc:user{i}", "time_us": t or 1725000000000000 + i, "kind": "commit",
                       "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.post",
                                  "rkey": f"3k{i:08d}", "record": {"$type": "app.bsky.feed.post", "text": text,
                                                                  "createdAt": "2024-08-30T06:40:00.000Z",
                                                                  "langs": ["en"]}, "cid": "bafy"}})


def test_jetstream_filter():
    f = JetstreamFilter(["netflix", "#netflixdown", "@netflixhelps"])
    assert isinstance(f.check(_line(1, "Is Netflix down for anyone?")), dict)
    assert f.check(_line(2, "watching netflix tonight")) is None  # no outage cue
    assert f.check(_line(3, "my netflixing is down")) is None  # not a word boundary
    assert f.check(json.dumps({"did": "did:plc:netflix", "time_us": 1, "kind": "commit", "commit": {
        "operation": "create", "collection": "app.bsky.feed.post", "rkey": "a",
        "record": {"text": "it is down"}}})) is None  # the hit was in the DID, not the text
    assert f.check('{"did":"d","kind":"identity","identity":{"handle":"netflix.down"}}') is None
    assert isinstance(f.check(_line(4, "netflix is down")[:-30]), str)  # truncated: a reason to quarantine
    assert time_us_of(_line(5, "a")) == 1725000000000005
    assert with_cursor("wss://h/subscribe?wantedCollections=app.bsky.feed.post&cursor=1", 42) == \
        "wss://h/subscribe?wantedCollections=app.bsky.feed.post&cursor=42"


class FakeWS:
    def __init__(self, lines, then=ConnectionError("dropped"), on_end=None):
        self.lines, self.then, self.on_end = list(lines), then, on_end

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def recv(self, timeout=None):
        if self.lines:
            return self.lines.pop(0)
        if self.on_end:
            self.on_end()
        raise self.then


def test_jetstream_batches_cursor_quarantine_and_resume(store):
    lines = [_line(i, "netflix is down again" if i % 10 == 0 else "hello world") for i in range(1, 101)]
    lines.insert(50, _line(999, "netflix down")[:-40])  # a truncated line
    urls = []
    stop_after = {"n": 0}

    import threading
    stop = threading.Event()

    def connect(url):
        urls.append(url)
        stop_after["n"] += 1
        if stop_after["n"] == 1:
            return FakeWS(lines[:60])  # drops after 60 lines
        if stop_after["n"] == 2:
            return FakeWS(lines[60:], then=ConnectionError("end"), on_end=stop.set)
        raise AssertionError("no third connection")

    sleeps = []
    coll = JetstreamCollector(StoreSink(store.factory, KeywordTagger(), "bluesky"), JetstreamFilter(["netflix"]), "salt",
                              url="wss://jet.example/subscribe?wantedCollections=app.bsky.feed.post", batch_size=3,
                              flush_seconds=1e9, connect=connect, stop=stop,
                              backoff=Backoff(attempts=5, sleep=sleeps.append))
    stats = coll.run()
    assert "cursor" not in urls[0]
    saved_after_drop = 1725000000000000 + 59  # the last line of the first connection
    assert urls[1].endswith(f"cursor={saved_after_drop - 2_000_000}")
    assert len(sleeps) == 1
    with store.session() as s:
        ids = set(s.scalars(select(PostRow.source_id)))
        cursor = get_cursor(s, "bluesky", "jetstream")
        q = s.scalar(select(QuarantineRow.source))
    assert ids == {f"at://did:plc:user{i}/app.bsky.feed.post/3k{i:08d}" for i in range(10, 101, 10)}
    assert stats.new == 10 and stats.quarantined == 1 and q == "bluesky:jetstream"
    assert cursor == str(1725000000000000 + 100)
