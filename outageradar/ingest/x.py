"""X (Twitter) collector: API v2 recent search through tweepy's ``Client``.

Queries come from :func:`outageradar.ingest.queries.x_queries` (catalog outage phrases, ``#<alias>down`` hashtags,
support ``@handles``; each within 512 characters). Every query asks for ``expansions=author_id,geo.place_id``,
``user.fields=location``, ``tweet.fields=created_at,lang,geo,author_id`` and
``place.fields=full_name,country_code,geo``, pages with ``next_token`` and resumes with ``since_id`` through the
in-progress cursor of :func:`outageradar.ingest.runner.paginate_newest_first` (cursor key ``q:<sha1 of query>``).

Mapping: ``source="x"``, ``source_id`` = tweet id, ``author_hash("x", author_id, salt)``, ``user_location`` = the
author's profile location, ``place`` = the place's ``full_name``, ``lat/lon`` = the tweet's own point
(``geo.coordinates``, GeoJSON order lon, lat) or else the centre of the place's bounding box,
``url=https://x.com/i/status/<id>``. A tweet without ``created_at`` (not requested) gets its time from the Snowflake id.

Credentials: ``OUTAGERADAR_X_BEARER_TOKEN`` (or ``bearer_token`` in ``[sources.x]``). 401/403 stops the source with a
one-line message naming that setting. 429 waits until ``x-rate-limit-reset``; 5xx, network errors and unreadable
bodies are retried with jittered backoff (see :mod:`outageradar.ingest.retry`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Sequence

import requests
import tweepy

from outageradar.records import Post, PostError, Rejected, author_hash
from outageradar.ingest.retry import Backoff, CredentialsError, Retry, wait_from_headers
from outageradar.ingest.runner import Page, Sink, int_newer, paginate_newest_first
from outageradar.ingest.timeparse import parse_time

SOURCE = "x"
TOKEN_SETTING = "OUTAGERADAR_X_BEARER_TOKEN"
TWEET_FIELDS = ["created_at", "lang", "geo", "author_id"]
EXPANSIONS = ["author_id", "geo.place_id"]
USER_FIELDS = ["location"]
PLACE_FIELDS = ["full_name", "country_code", "geo", "place_type", "name"]
TWITTER_EPOCH_MS = 1288834974657


def snowflake_time(tweet_id: str | int) -> datetime:
    """When a tweet with this (Snowflake) id was created."""
    ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def bbox_centre(place: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of the centre of a v2 place's ``geo.bbox`` ([west, south, east, north])."""
    bbox = (place.get("geo") or {}).get("bbox")
    if not (isinstance(bbox, (list, tuple)) and len(bbox) == 4):
        return None
    w, s, e, n = (float(v) for v in bbox)
    return (s + n) / 2, (w + e) / 2


def tweet_point(tweet: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of a tweet's exact point, when it has one."""
    coords = (tweet.get("geo") or {}).get("coordinates")
    if isinstance(coords, dict) and coords.get("type") == "Point":
        c = coords.get("coordinates")
        if isinstance(c, (list, tuple)) and len(c) == 2:
            return float(c[1]), float(c[0])
    return None


def posts_from_response(body: dict[str, Any], salt: str) -> tuple[list[Post], list[Rejected]]:
    """Posts (and (raw, reason) rejects) from one raw API v2 search response."""
    includes = body.get("includes") or {}
    users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
    places = {p.get("id"): p for p in includes.get("places") or [] if isinstance(p, dict)}
    posts, rejected = [], []
    for t in body.get("data") or []:
        try:
            posts.append(post_from_tweet(t, users, places, salt))
        except (PostError, KeyError, TypeError, ValueError) as exc:
            rejected.append(Rejected(json.dumps(t, sort_keys=True, default=str)[:20000], f"x tweet: {exc}"[:500]))
    return posts, rejected


def post_from_tweet(t: dict[str, Any], users: dict, places: dict, salt: str) -> Post:
    if not isinstance(t, dict):
        raise PostError("tweet is not an object")
    tid = str(t["id"])
    if not tid.isdigit():
        raise PostError(f"tweet id is not numeric: {tid[:40]!r}")
    created = parse_time(t["created_at"]) if t.get("created_at") else snowflake_time(tid)
    author = t.get("author_id")
    user = users.get(author) or {}
    place = places.get((t.get("geo") or {}).get("place_id")) or {}
    point = tweet_point(t) or bbox_centre(place)
    loc = user.get("location")
    extra = {"country_code": place["country_code"]} if place.get("country_code") else {}
    return Post(
        source=SOURCE,
        source_id=tid,
        created_at=created,
        text=t["text"],
        lang=(t.get("lang") or None) and str(t["lang"])[:16],
        author_hash=author_hash(SOURCE, author, salt),
        user_location=loc.strip()[:256] or None if isinstance(loc, str) else None,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        place=(place.get("full_name") or place.get("name") or None) and str(place.get("full_name") or place["name"])[:256],
        url=f"https://x.com/i/status/{tid}",
        extra=extra,
    )


def classify_error(exc: BaseException):
    """Retry/credentials verdict for tweepy and requests exceptions (see retry.Backoff)."""
    if isinstance(exc, (tweepy.Unauthorized, tweepy.Forbidden)):
        code = exc.response.status_code if getattr(exc, "response", None) is not None else "?"
        what = "rejected the bearer token" if code == 401 else "refused access (plan or app permissions)"
        return CredentialsError(SOURCE, TOKEN_SETTING, f"the X API {what} (HTTP {code})")
    if isinstance(exc, tweepy.TooManyRequests):
        headers = exc.response.headers if getattr(exc, "response", None) is not None else {}
        return Retry("HTTP 429 rate limited", wait_from_headers(headers))
    if isinstance(exc, tweepy.TwitterServerError):
        headers = exc.response.headers if getattr(exc, "response", None) is not None else {}
        return Retry(f"HTTP {exc.response.status_code} server error", wait_from_headers(headers))
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return Retry(f"network error: {type(exc).__name__}")
    if isinstance(exc, ValueError):  # requests' JSONDecodeError: a truncated or non-JSON body
        return Retry("unreadable response body")
    return None


def _bad_token(exc: BaseException) -> bool:
    if isinstance(exc, tweepy.BadRequest):
        msg = str(exc).lower()
        return "token" in msg or "pagination" in msg
    return False


class XCollector:
    name = SOURCE

    def __init__(self, queries: Sequence[str], bearer_token: str | None, salt: str, *, max_results: int = 100,
                 max_pages: int = 10, backoff: Backoff | None = None, session: Any = None):
        self.queries = list(queries)
        self.bearer_token = bearer_token
        self.salt = salt
        self.max_results = max(10, min(100, int(max_results)))
        self.max_pages = max(1, int(max_pages))
        self.backoff = backoff or Backoff()
        self.session = session

    @staticmethod
    def key(query: str) -> str:
        return "q:" + hashlib.sha1(query.encode()).hexdigest()[:16]

    def client(self) -> tweepy.Client:
        c = tweepy.Client(bearer_token=self.bearer_token, return_type=dict, wait_on_rate_limit=False)
        if self.session is not None:
            c.session = self.session
        return c

    def collect(self, sink: Sink) -> None:
        if not self.bearer_token:
            raise CredentialsError(SOURCE, TOKEN_SETTING, "no bearer token configured")
        if not self.queries:
            return
        client = self.client()
        for i, query in enumerate(self.queries, 1):
            label = f"q{i} {query[:60]}{'…' if len(query) > 60 else ''}"
            self._query(client, sink, query, label)

    def _query(self, client: tweepy.Client, sink: Sink, query: str, label: str) -> None:
        def fetch(since: str | None, token: str | None) -> Page:
            params: dict[str, Any] = dict(
                max_results=self.max_results, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS, place_fields=PLACE_FIELDS,
            )
            if since:
                params["since_id"] = since
            if token:
                params["next_token"] = token
            try:
                body = self.backoff.run(lambda: client.search_recent_tweets(query, **params), classify_error,
                                        what=f"x search {label}")
            except tweepy.BadRequest as exc:
                if not (since and "since_id" in str(exc)):
                    raise
                # since_id older than the 7-day search window: search the whole window (a gap is unavoidable)
                params.pop("since_id")
                body = self.backoff.run(lambda: client.search_recent_tweets(query, **params), classify_error,
                                        what=f"x search {label}")
            if not isinstance(body, dict):
                raise ValueError("X search response is not a JSON object")
            posts, rejected = posts_from_response(body, self.salt)
            meta = body.get("meta") or {}
            newest = meta.get("newest_id") or max((p.source_id for p in posts), key=int, default=None)
            return Page(posts, rejected, newest, meta.get("next_token"))

        paginate_newest_first(sink, self.key(query), label, fetch, int_newer, self.max_pages, _bad_token)
