"""Bluesky streaming collector on the public Jetstream firehose (no credentials).

``outageradar ingest stream bluesky`` connects to Jetstream (default
``wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post``, configurable as
``[sources.bluesky] jetstream_url``), keeps the new posts whose text mentions a catalog term, and hands them in
batches to its :class:`~outageradar.ingest.runner.Sink` (the pipeline's, which classifies and stores them).

Filtering (:class:`JetstreamFilter`) is cheap on the ~99% of lines that do not match: a substring test for the
collection and ``"create"``, then one Aho-Corasick pass (:class:`~outageradar.ingest.queries.TermMatcher`) over the
lower-cased raw line, and only then ``json.loads`` and a second check on the post's own text. With ``require_cue``
(default) a line needs a catalog term AND an outage cue word ("down", "not working", "outage" ...).

Resume: every batch is stored together with the Jetstream ``time_us`` of the last line read (cursor
``("bluesky", "jetstream")``), also when the batch holds no posts (every ``flush_seconds``), so the cursor never runs
ahead of stored posts. On (re)start the collector connects with ``cursor=<saved time_us - rewind>``; Jetstream replays
from there and the store drops the posts it already has. Dropped connections are retried with jittered backoff.
A matching line that is not valid JSON (e.g. truncated) is quarantined.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from outageradar.ingest.bluesky import SOURCE, make_post  # noqa: F401 - SOURCE: the sink this stream writes to
from outageradar.records import Post, PostError, Rejected
from outageradar.ingest.queries import CUE_WORDS, TermMatcher
from outageradar.ingest.retry import Backoff
from outageradar.ingest.runner import Sink

DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post"
CURSOR_KEY = "jetstream"
COLLECTION = '"app.bsky.feed.post"'
REWIND_US = 2_000_000


def time_us_of(line: str) -> int | None:
    """The ``time_us`` of a raw Jetstream line without parsing the JSON."""
    i = line.find('"time_us":')
    if i < 0:
        return None
    j = i + 10
    n = len(line)
    while j < n and line[j] == " ":
        j += 1
    k = j
    while k < n and line[k].isdigit():
        k += 1
    return int(line[j:k]) if k > j else None


class JetstreamFilter:
    """Decides which Jetstream lines are posts about a catalog service. Counts what it saw."""

    def __init__(self, terms: Iterable[str], require_cue: bool = True, cues: Iterable[str] = CUE_WORDS):
        self.matcher = TermMatcher(terms, cues if require_cue else ())
        self.lines = self.candidates = self.matched = self.bad = 0

    def check(self, line: str) -> dict[str, Any] | str | None:
        """The event dict of a matching new post; a reason string for a matching line that is unreadable; else None."""
        self.lines += 1
        if COLLECTION not in line or '"create"' not in line:
            return None
        if not self.matcher.matches(line):
            return None
        self.candidates += 1
        try:
            evt = json.loads(line)
        except ValueError as exc:
            self.bad += 1
            return f"invalid JSON: {exc}"[:200]
        commit = evt.get("commit") if isinstance(evt, dict) else None
        if (not isinstance(commit, dict) or evt.get("kind") != "commit" or commit.get("operation") != "create"
                or commit.get("collection") != "app.bsky.feed.post"):
            return None
        record = commit.get("record")
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str) or not self.matcher.matches(text):
            return None  # the hit was in another field (handle, embed, ...)
        self.matched += 1
        return evt


def post_from_event(evt: dict[str, Any], salt: str) -> Post:
    did = evt.get("did")
    commit = evt["commit"]
    rkey = commit.get("rkey")
    if not did or not rkey:
        raise PostError("event without did or rkey")
    return make_post(f"at://{did}/app.bsky.feed.post/{rkey}", did, commit.get("record") or {}, salt)


def with_cursor(url: str, cursor: int | None) -> str:
    parts = urlparse(url)
    q = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    if cursor is not None:
        q.append(("cursor", str(cursor)))
    return urlunparse(parts._replace(query=urlencode(q)))


@dataclass
class StreamStats:
    lines: int = 0
    matched: int = 0
    new: int = 0
    quarantined: int = 0
    batches: int = 0
    reconnects: int = 0
    cursor: int | None = None


def _default_connect(url: str):
    from websockets.sync.client import connect

    return connect(url, open_timeout=30, close_timeout=5, max_size=2**22)


class JetstreamCollector:
    """Reads Jetstream lines, filters them, hands batches with the ``time_us`` cursor to ``sink``."""

    def __init__(self, sink: Sink, filt: JetstreamFilter, salt: str, *, url: str = DEFAULT_URL,
                 batch_size: int = 100, flush_seconds: float = 5.0, rewind_us: int = REWIND_US,
                 connect: Callable[[str], Any] | None = None, backoff: Backoff | None = None,
                 stop: threading.Event | None = None, log: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.sink, self.filter, self.salt = sink, filt, salt
        self.url, self.batch_size, self.flush_seconds, self.rewind_us = url, max(1, batch_size), flush_seconds, rewind_us
        self.connect = connect or _default_connect
        self.stop = stop or threading.Event()
        self.backoff = backoff or Backoff(attempts=10**9, base=1.0, cap=60.0, sleep=self.stop.wait)
        self.log = log or (lambda msg: None)
        self.clock = clock
        self.stats = StreamStats()
        self._posts: list[Post] = []
        self._rejected: list[Rejected] = []
        self._last_line: str | None = None
        self._last_flush = clock()

    def saved_cursor(self) -> int | None:
        v = self.sink.cursor(CURSOR_KEY)
        return int(v) if v and v.isdigit() else None

    def feed_line(self, line: str | bytes) -> None:
        if isinstance(line, bytes):
            line = line.decode("utf-8", "replace")
        self.stats.lines += 1
        self._last_line = line
        got = self.filter.check(line)
        if isinstance(got, dict):
            try:
                self._posts.append(post_from_event(got, self.salt))
                self.stats.matched += 1
            except (PostError, KeyError, TypeError, ValueError) as exc:
                self._rejected.append(Rejected(line[:20000], f"jetstream event: {exc}"[:500]))
        elif isinstance(got, str):
            self._rejected.append(Rejected(line[:20000], got))
        if len(self._posts) + len(self._rejected) >= self.batch_size or \
                self.clock() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Store the pending posts and the cursor of the last line read, in one transaction."""
        self._last_flush = self.clock()
        cursor = None
        if self._last_line is not None:
            cursor = time_us_of(self._last_line)
        if cursor is None and not self._posts and not self._rejected:
            return
        if cursor is None:  # the last line had no time (truncated): keep the previous cursor
            cursor = self.stats.cursor
        res = self.sink.page(CURSOR_KEY, self._posts, self._rejected,
                             {CURSOR_KEY: str(cursor)} if cursor is not None else {})
        self.stats.new += res.new
        self.stats.quarantined += res.quarantined
        self.stats.batches += 1
        self.stats.cursor = cursor
        self._posts, self._rejected, self._last_line = [], [], None

    def run(self) -> StreamStats:
        """Stream until :attr:`stop` is set; reconnects (resuming from the saved cursor) when the connection drops."""
        attempt = 0
        while not self.stop.is_set():
            saved = self.saved_cursor()
            url = with_cursor(self.url, saved - self.rewind_us if saved else None)
            try:
                with self.connect(url) as ws:
                    self.log(f"connected to {urlparse(url).netloc}" + (f" from cursor {saved}" if saved else ""))
                    attempt = 0
                    while not self.stop.is_set():
                        try:
                            msg = ws.recv(timeout=1.0)
                        except TimeoutError:
                            if self.clock() - self._last_flush >= self.flush_seconds:
                                self.flush()
                            continue
                        self.feed_line(msg)
            except Exception as exc:  # noqa: BLE001 - any connection failure: store what we have, then reconnect
                self.flush()
                if self.stop.is_set():
                    break
                self.stats.reconnects += 1
                wait = self.backoff.delay(min(attempt, 6), None)
                attempt += 1
                self.log(f"jetstream connection lost ({type(exc).__name__}: {str(exc)[:120]}); "
                         f"reconnecting in {wait:.1f}s")
                self.backoff.sleep(wait)
                if attempt >= self.backoff.attempts:
                    break
        self.flush()
        return self.stats
