"""Bluesky search collector through atproto: ``app.bsky.feed.searchPosts`` resumed by time.

For every OR-query of :func:`outageradar.ingest.queries.or_queries` the collector asks for ``sort=latest`` posts
``since`` the committed time, paging newest first with the response ``cursor``, through the in-progress cursor of
:func:`outageradar.ingest.runner.paginate_newest_first` (key ``q:<sha1>``; the time marker is the newest
``indexedAt``, which the AppView sets, unlike the client-set ``createdAt``).

Credentials: searchPosts may need a session on some AppViews. With ``OUTAGERADAR_BLUESKY_HANDLE`` and
``OUTAGERADAR_BLUESKY_APP_PASSWORD`` the collector logs in (``service``, default https://bsky.social) and searches
through it; without them it asks the public AppView (``public_url``, default https://public.api.bsky.app). A 401/403
stops the source with one line naming those settings.

Mapping (shared with the Jetstream collector): ``source="bluesky"``, ``source_id`` = the ``at://`` URI,
``author_hash("bluesky", did, salt)``, text = record text, ``lang`` = first of ``langs``, created = record
``createdAt`` (else ``indexedAt``), url = ``https://bsky.app/profile/<did>/post/<rkey>``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

from atproto import Client
from atproto_client import exceptions as aexc
from atproto_client.request import Request

from outageradar.records import Post, PostError, Rejected, author_hash
from outageradar.ingest.retry import Backoff, CredentialsError, Retry, wait_from_headers
from outageradar.ingest.runner import Page, Sink, paginate_newest_first
from outageradar.ingest.timeparse import parse_time

SOURCE = "bluesky"
SETTINGS = "OUTAGERADAR_BLUESKY_HANDLE and OUTAGERADAR_BLUESKY_APP_PASSWORD"
PUBLIC_URL = "https://public.api.bsky.app"
SERVICE_URL = "https://bsky.social"


def post_url(uri: str) -> str | None:
    """https://bsky.app link of an ``at://did/app.bsky.feed.post/rkey`` URI."""
    if not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"


def make_post(uri: str, did: str | None, record: dict[str, Any], salt: str, indexed_at: str | None = None) -> Post:
    """A Post from an ``app.bsky.feed.post`` record (a dict) and its URI and author DID."""
    if not uri:
        raise PostError("post has no uri")
    text = record.get("text")
    if not isinstance(text, str):
        raise PostError("record has no text")
    created = record.get("createdAt") or indexed_at
    langs = record.get("langs") or []
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    return Post(
        source=SOURCE,
        source_id=uri if len(uri) <= 128 else "h" + hashlib.sha256(uri.encode()).hexdigest()[:40],
        created_at=parse_time(created),
        text=text,
        lang=lang[:16] if lang else None,
        author_hash=author_hash(SOURCE, did, salt),
        url=post_url(uri),
    )


def _model_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump(by_alias=True, exclude_none=True)
    return {}


def post_from_view(view: Any, salt: str) -> Post:
    """A Post from a ``#postView`` (atproto model or dict)."""
    v = _model_dict(view)
    author = v.get("author") or {}
    record = _model_dict(v.get("record"))
    return make_post(v.get("uri") or "", author.get("did"), record, salt, v.get("indexedAt") or v.get("indexed_at"))


def classify_error(exc: BaseException):
    if isinstance(exc, aexc.UnauthorizedError):
        code = getattr(getattr(exc, "response", None), "status_code", "?")
        return CredentialsError(SOURCE, SETTINGS, f"Bluesky refused the request (HTTP {code}); search may need a login")
    if isinstance(exc, aexc.RateLimitExceededError):
        return Retry("HTTP 429 rate limited", wait_from_headers(getattr(exc.response, "headers", None)))
    if isinstance(exc, aexc.BadRequestError):
        return None
    if isinstance(exc, aexc.NetworkError):
        return Retry(f"network error: {type(exc).__name__}")
    if isinstance(exc, aexc.RequestException):
        code = getattr(getattr(exc, "response", None), "status_code", 0) or 0
        if code >= 500:
            return Retry(f"HTTP {code} server error", wait_from_headers(getattr(exc.response, "headers", None)))
        return None
    if isinstance(exc, (ValueError, aexc.ModelError)):
        return Retry("unreadable response body")
    return None


def _time_newer(a: str, b: str) -> bool:
    try:
        return parse_time(a) > parse_time(b)
    except ValueError:
        return a > b


class BlueskySearchCollector:
    name = SOURCE

    def __init__(self, queries: Sequence[str], salt: str, *, handle: str | None = None,
                 app_password: str | None = None, public_url: str = PUBLIC_URL, service_url: str = SERVICE_URL,
                 limit: int = 100, max_pages: int = 10, backoff: Backoff | None = None, transport: Any = None):
        self.queries = list(queries)
        self.salt = salt
        self.handle, self.app_password = handle, app_password
        self.public_url, self.service_url = public_url.rstrip("/"), service_url.rstrip("/")
        self.limit = max(1, min(100, int(limit)))
        self.max_pages = max(1, int(max_pages))
        self.backoff = backoff or Backoff()
        self.transport = transport

    def client(self) -> Client:
        req = Request(transport=self.transport) if self.transport is not None else Request(timeout=30)
        if self.handle and self.app_password:
            c = Client(base_url=f"{self.service_url}/xrpc", request=req)
            self.backoff.run(lambda: c.login(self.handle, self.app_password), classify_error, what="bluesky login")
            return c
        if bool(self.handle) != bool(self.app_password):
            raise CredentialsError(SOURCE, SETTINGS, "only one of handle and app password is set")
        return Client(base_url=f"{self.public_url}/xrpc", request=req)

    @staticmethod
    def key(query: str) -> str:
        return "q:" + hashlib.sha1(query.encode()).hexdigest()[:16]

    def collect(self, sink: Sink) -> None:
        if not self.queries:
            return
        client = self.client()
        for i, q in enumerate(self.queries, 1):
            label = f"q{i} {q[:60]}{'…' if len(q) > 60 else ''}"

            def fetch(since: str | None, token: str | None, q=q, label=label) -> Page:
                params: dict[str, Any] = {"q": q, "sort": "latest", "limit": self.limit}
                if since:
                    params["since"] = since
                if token:
                    params["cursor"] = token
                resp = self.backoff.run(lambda: client.app.bsky.feed.search_posts(params), classify_error,
                                        what=f"bluesky search {label}")
                posts, rejected, newest = [], [], None
                for view in resp.posts or []:
                    v = _model_dict(view)
                    idx = v.get("indexedAt")
                    if idx and (newest is None or _time_newer(idx, newest)):
                        newest = idx
                    try:
                        posts.append(post_from_view(v, self.salt))
                    except (PostError, KeyError, TypeError, ValueError) as exc:
                        rejected.append(Rejected(json.dumps(v, sort_keys=True, default=str)[:20000],
                                                  f"bluesky post: {exc}"[:500]))
                # An empty page ends the pagination even if the AppView still returns a cursor.
                return Page(posts, rejected, newest, resp.cursor if resp.posts else None)

            paginate_newest_first(sink, self.key(q), label, fetch, _time_newer, self.max_pages,
                                  lambda exc: isinstance(exc, aexc.BadRequestError))
