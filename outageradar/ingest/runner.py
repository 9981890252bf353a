"""One incremental pass over the configured sources.

Every collector has a ``name`` and a ``collect(sink)`` method. It fetches pages and hands each one to
:meth:`Sink.page` together with the cursors that page moves. A collector knows nothing of storage: the sink it is given
is the pipeline's (:class:`outageradar.pipeline.collect.StoreSink`), which classifies the posts and stores them,
quarantines the malformed records and writes the cursors in ONE transaction. So a pass killed at any point leaves
only whole pages behind, and the cursor never runs ahead of the posts it covers. This module holds what every
collector shares (the :class:`Sink` interface and its per-query counts, newest-first pagination, :func:`run_pass`)
and imports nothing of the store or the classifier.

Newest-first pagination (X recent search with ``since_id``, Bluesky ``searchPosts`` with ``since``) is handled by
:func:`paginate_newest_first` with an *in-progress cursor*: the cursor value is JSON
``{"since": <committed lower bound>, "pending": {"token": <next page token>, "target": <newest seen>} | null}``.
Each stored page commits ``pending`` (the token of the NEXT page and the newest id seen so far) with its posts while
``since`` stays put; only the last page of the pagination moves ``since`` to ``target`` and clears ``pending``. A
killed pass therefore resumes at the page after the last stored one; if the platform no longer accepts the token, the
collector drops ``pending`` and starts again from the old ``since`` (the duplicates are dropped by the store's unique
key), so nothing is ever skipped. Forward-paging sources (Mastodon ``min_id``, Reddit listings by created time) move
their cursor with every page.

A failing source (credentials, exhausted retries, an unexpected error) is reported in one line and the other sources
still run; :class:`PassResult` says whether every source failed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

from outageradar.ingest.retry import CollectorError, CredentialsError
from outageradar.records import Post, Rejected


class Stopped(Exception):
    """The pass was asked to stop (SIGTERM/Ctrl-C); raised between pages, after the last page was committed."""


class Collector(Protocol):
    name: str

    def collect(self, sink: "Sink") -> None: ...


@dataclass
class QueryStats:
    pages: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0


@dataclass
class SourceResult:
    source: str
    status: str = "ok"  # ok | error | credentials | stopped
    message: str = ""
    queries: dict[str, QueryStats] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def new(self) -> int:
        return sum(q.new for q in self.queries.values())

    @property
    def quarantined(self) -> int:
        return sum(q.quarantined for q in self.queries.values())

    @property
    def failed(self) -> bool:
        return self.status in ("error", "credentials")


@dataclass
class PassResult:
    sources: list[SourceResult] = field(default_factory=list)
    skipped: str | None = None  # set when the pass did not run (lock held)

    @property
    def all_failed(self) -> bool:
        return bool(self.sources) and all(s.failed for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    def lines(self, per_query: bool = True) -> list[str]:
        """The human summary: one line per source, then one per query with new posts."""
        if self.skipped:
            return [self.skipped]
        out = []
        for s in self.sources:
            if s.failed:
                out.append(f"{s.source}: FAILED - {s.message}")
            else:
                extra = f" ({s.message})" if s.message else ""
                out.append(f"{s.source}: {s.new:,} new posts, {s.quarantined:,} quarantined, "
                           f"{sum(q.pages for q in s.queries.values()):,} pages in {s.seconds:.1f}s{extra}")
            if per_query:
                for label, q in s.queries.items():
                    if q.new or q.quarantined:
                        out.append(f"  {label}: {q.new:,} new, {q.duplicates:,} already stored, "
                                   f"{q.quarantined:,} quarantined")
        out.append(f"total: {self.new:,} new posts; "
                   f"{sum(1 for s in self.sources if s.failed)} of {len(self.sources)} sources failed")
        return out


@dataclass
class PageStored:
    """What storing one page did: posts new to the store, already stored, and quarantined (the page's rejected
    records and the posts the pipeline refused)."""

    new: int = 0
    duplicates: int = 0
    quarantined: int = 0


class Sink:
    """What a collector writes to: stores pages with their cursors, reads cursors, counts per query.

    The storing is done by a subclass (:meth:`store` and :meth:`cursor`): the pipeline's ``StoreSink`` in production,
    an in-memory one in tests."""

    def __init__(self, source: str, result: SourceResult | None = None, stop: threading.Event | None = None):
        self.source = source
        self.result = result if result is not None else SourceResult(source)
        self.stop = stop

    # -- the storage a subclass provides
    def cursor(self, key: str) -> str | None:
        """The stored cursor ``key`` of this source, or None."""
        raise NotImplementedError

    def store(self, label: str, posts: Sequence[Post], rejected: Sequence[Rejected],
              cursors: dict[str, str]) -> PageStored:
        """Store one page and move ``cursors`` in one transaction."""
        raise NotImplementedError

    # -- what collectors call
    def json_cursor(self, key: str) -> dict[str, Any]:
        raw = self.cursor(key)
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def page(self, label: str, posts: Sequence[Post], rejected: Iterable[Rejected] = (),
             cursors: dict[str, str] | None = None) -> PageStored:
        """Store one page and move ``cursors`` ({key: value} of this source) in the same transaction."""
        res = self.store(label, list(posts), list(rejected), dict(cursors or {}))
        q = self.result.queries.setdefault(label, QueryStats())
        q.pages += 1
        q.new += res.new
        q.duplicates += res.duplicates
        q.quarantined += res.quarantined
        if self.stop is not None and self.stop.is_set():
            raise Stopped()
        return res

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped()


@dataclass
class Page:
    """One fetched page of a newest-first listing: its posts/rejects, the newest marker in it, the next token."""

    posts: list[Post]
    rejected: list[Rejected]
    newest: str | None
    next_token: str | None


def paginate_newest_first(
    sink: Sink,
    key: str,
    label: str,
    fetch: Callable[[str | None, str | None], Page],
    newer: Callable[[str, str], bool],
    max_pages: int,
    on_bad_token: Callable[[BaseException], bool] = lambda exc: False,
) -> None:
    """Run one newest-first pagination with the in-progress cursor described in the module docstring.

    ``fetch(since, token)`` returns a :class:`Page`; ``newer(a, b)`` says whether marker ``a`` is newer than ``b``;
    ``on_bad_token(exc)`` says whether ``exc`` means the stored page token is no longer accepted. At most
    ``max_pages`` pages are fetched per pass; an unfinished pagination continues from ``pending`` on the next pass.
    """
    state = sink.json_cursor(key)
    since = state.get("since")
    pending = state.get("pending") or None
    token = pending.get("token") if pending else None
    target = pending.get("target") if pending else None
    for _ in range(max_pages):
        sink.check_stop()
        try:
            page = fetch(since, token)
        except Exception as exc:
            if token and on_bad_token(exc):
                token, target, pending = None, None, None  # restart from the committed since; the store drops dups
                page = fetch(since, None)
            else:
                raise
        if page.newest and (target is None or newer(page.newest, target)):
            target = page.newest
        if page.next_token:
            new_state = {"since": since, "pending": {"token": page.next_token, "target": target}}
        else:
            new_state = {"since": target or since, "pending": None}
        sink.page(label, page.posts, page.rejected, {key: json.dumps(new_state, sort_keys=True)})
        if not page.next_token:
            return
        token = page.next_token


def int_newer(a: str, b: str) -> bool:
    """Numeric ids as strings (X, Mastodon): is ``a`` newer than ``b``?"""
    try:
        return int(a) > int(b)
    except ValueError:
        return (len(a), a) > (len(b), b)


def run_pass(collectors: Sequence[Collector], open_sink: Callable[[str, SourceResult, threading.Event | None], Sink],
             log: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> PassResult:
    """Run every collector once, each writing to ``open_sink(name, result, stop)``; one failing source never stops
    the others."""
    result = PassResult()
    for c in collectors:
        sr = SourceResult(c.name)
        start = time.perf_counter()
        try:
            if stop is not None and stop.is_set():
                raise Stopped()
            c.collect(open_sink(c.name, sr, stop))
        except Stopped:
            sr.status, sr.message = "stopped", "stopped before finishing"
        except CredentialsError as exc:
            sr.status, sr.message = "credentials", str(exc)
        except CollectorError as exc:
            sr.status, sr.message = "error", str(exc)
        except Exception as exc:  # noqa: BLE001 - one source's bug must not stop the pass
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            sr.status, sr.message = "error", f"{type(exc).__name__}: {first}"[:300]
        sr.seconds = time.perf_counter() - start
        result.sources.append(sr)
        if log:
            log(_one_line(sr))
        if sr.status == "stopped":
            break
    return result


def _one_line(sr: SourceResult) -> str:
    if sr.failed:
        return f"{sr.source}: FAILED - {sr.message}"
    return f"{sr.source}: {sr.new:,} new posts, {sr.quarantined:,} quarantined" + (f" ({sr.message})" if sr.message else "")
