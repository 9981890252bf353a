"""Reddit collector through praw: subreddit search for catalog phrases, and new-post / new-comment listings.

Tasks per pass (each one "page" stored with its cursor in one transaction):

- ``search``: for each OR-query of :func:`outageradar.ingest.queries.or_queries`, search the configured subreddits
  together (``r/a+b+c``) sorted by new within ``time_filter`` (default ``week``). Cursor key ``search:<sha1>``.
- ``new`` and ``comments`` of each subreddit (``listings``), newest first; kept only when the text mentions a catalog
  term (:class:`~outageradar.ingest.queries.TermMatcher`; ``filter_listings=false`` keeps everything).
  Cursor keys ``new:<sub>`` / ``comments:<sub>``.

Resume: each cursor is the newest ``created_utc`` seen (over all items fetched, matched or not). A listing is read
newest first and stops at the first item older than the cursor; items at exactly the cursor second are read again
and dropped by the store's unique key. Everything a task fetched is stored at once, so a failure mid-listing stores
nothing and leaves the cursor where it was. Limit: a listing gives at most ``limit`` items (Reddit caps listings at
1000); more new items than that between two passes are not all seen - run passes often enough.

Mapping: ``source="reddit"``, ``source_id`` = fullname (``t3_…`` posts, ``t1_…`` comments), text = title + body
(posts) or body (comments), ``author_hash`` of ``author_fullname`` (the opaque ``t2_`` id; never the username),
url = ``https://www.reddit.com<permalink>``. Item attributes are read from praw's loaded data, never lazily fetched.

Credentials (environment): ``OUTAGERADAR_REDDIT_CLIENT_ID``, ``OUTAGERADAR_REDDIT_CLIENT_SECRET``,
``OUTAGERADAR_REDDIT_USER_AGENT``. prawcore waits on Reddit's rate-limit headers itself; 429/5xx that still reach us
are retried with backoff. A missing/forbidden subreddit is reported and the other tasks still run.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Sequence

import praw
import prawcore

from outageradar.records import MAX_TEXT, Post, PostError, Rejected, author_hash
from outageradar.ingest.queries import TermMatcher
from outageradar.ingest.retry import Backoff, CollectorError, CredentialsError, Retry, wait_from_headers
from outageradar.ingest.runner import Sink

SOURCE = "reddit"
SETTINGS = "OUTAGERADAR_REDDIT_CLIENT_ID, OUTAGERADAR_REDDIT_CLIENT_SECRET and OUTAGERADAR_REDDIT_USER_AGENT"
DEFAULT_SUBREDDITS = ("sysadmin", "techsupport", "xboxone", "applehelp", "verizon", "Comcast_Xfinity", "Spectrum",
                      "ATT", "tmobile", "discordapp", "PS5", "Steam", "github", "aws", "AZURE", "outages")


def classify_error(exc: BaseException):
    if isinstance(exc, prawcore.OAuthException):
        return CredentialsError(SOURCE, SETTINGS, f"Reddit rejected the app credentials ({exc.error})")
    if isinstance(exc, (prawcore.InvalidToken, prawcore.InsufficientScope)):
        return CredentialsError(SOURCE, SETTINGS, "Reddit rejected the access token")
    if isinstance(exc, prawcore.ResponseException):
        code = exc.response.status_code
        if code == 401:
            return CredentialsError(SOURCE, SETTINGS, "Reddit answered 401 Unauthorized")
        if code == 429:
            return Retry("HTTP 429 rate limited", wait_from_headers(exc.response.headers))
        if code >= 500:
            return Retry(f"HTTP {code} server error", wait_from_headers(exc.response.headers))
        return None
    if isinstance(exc, prawcore.RequestException):
        return Retry(f"network error: {type(exc.original_exception).__name__}")
    if isinstance(exc, ValueError):  # unreadable JSON body
        return Retry("unreadable response body")
    return None


def post_from_item(item: Any, salt: str) -> Post:
    """A Post from a praw Submission or Comment (reading only data praw already has)."""
    d = vars(item)
    fullname = d.get("name") or (f"{'t1' if 'body' in d else 't3'}_{d['id']}")
    if "body" in d:
        text = d.get("body") or ""
    else:
        title, body = d.get("title") or "", d.get("selftext") or ""
        text = f"{title}\n\n{body}".strip() if body else title
    created = d.get("created_utc")
    if not isinstance(created, (int, float)):
        raise PostError("missing created_utc")
    permalink = d.get("permalink")
    return Post(
        source=SOURCE,
        source_id=str(fullname)[:128],
        created_at=datetime.fromtimestamp(float(created), tz=timezone.utc),
        text=text[:MAX_TEXT],  # long self posts are cut, not rejected: the report is at the start
        lang=None,
        author_hash=author_hash(SOURCE, d.get("author_fullname"), salt),
        url=f"https://www.reddit.com{permalink}"[:512] if permalink else None,
    )


def _raw(item: Any) -> str:
    d = {k: v for k, v in vars(item).items() if not k.startswith("_") and isinstance(v, (str, int, float, bool, type(None)))}
    return json.dumps(d, sort_keys=True)[:20000]


class RedditCollector:
    name = SOURCE

    def __init__(self, subreddits: Sequence[str], queries: Sequence[str], salt: str, *, client_id: str | None,
                 client_secret: str | None, user_agent: str | None, matcher: TermMatcher | None = None,
                 listings: Sequence[str] = ("new", "comments"), limit: int = 100, time_filter: str = "week",
                 backoff: Backoff | None = None, reddit: Any = None):
        self.subreddits = [s.strip().removeprefix("r/") for s in subreddits if s.strip()]
        self.queries = list(queries)
        self.salt = salt
        self.client_id, self.client_secret, self.user_agent = client_id, client_secret, user_agent
        self.matcher = matcher
        self.listings = [x for x in listings if x in ("new", "comments")]
        self.limit = max(1, int(limit))
        self.time_filter = time_filter
        self.backoff = backoff or Backoff()
        self._reddit = reddit

    def reddit(self) -> praw.Reddit:
        if self._reddit is None:
            missing = [n for n, v in (("OUTAGERADAR_REDDIT_CLIENT_ID", self.client_id),
                                      ("OUTAGERADAR_REDDIT_CLIENT_SECRET", self.client_secret),
                                      ("OUTAGERADAR_REDDIT_USER_AGENT", self.user_agent)) if not v]
            if missing:
                raise CredentialsError(SOURCE, " and ".join(missing), "credentials missing")
            self._reddit = praw.Reddit(client_id=self.client_id, client_secret=self.client_secret,
                                       user_agent=self.user_agent, check_for_updates=False, read_only=True)
        return self._reddit

    def collect(self, sink: Sink) -> None:
        reddit = self.reddit()
        if not self.subreddits:
            return
        problems: list[str] = []
        joined = "+".join(self.subreddits)
        for i, q in enumerate(self.queries, 1):
            key = "search:" + hashlib.sha1(f"{joined}\x00{q}".encode()).hexdigest()[:16]
            self._task(sink, problems, key, f"search{i} r/{joined[:40]} {q[:40]}", False,
                       lambda: reddit.subreddit(joined).search(q, sort="new", time_filter=self.time_filter,
                                                               limit=self.limit))
        for sub in self.subreddits:
            for kind in self.listings:
                def listing(s=sub, k=kind):
                    return getattr(reddit.subreddit(s), k)(limit=self.limit)

                self._task(sink, problems, f"{kind}:{sub.lower()}", f"r/{sub} {kind}", True, listing)
        if problems:
            sink.result.message = "; ".join(problems)[:500]
            if len(problems) == len(self.queries) + len(self.subreddits) * len(self.listings):
                raise CollectorError(sink.result.message)

    def _task(self, sink: Sink, problems: list[str], key: str, label: str, filtered: bool,
              listing: Callable[[], Iterable[Any]]) -> None:
        sink.check_stop()
        raw_cursor = sink.cursor(key)
        since = float(raw_cursor) if raw_cursor else None

        def fetch() -> list[Any]:
            items = []
            for item in listing():
                created = vars(item).get("created_utc")
                if since is not None and isinstance(created, (int, float)) and created < since:
                    break  # newest first: everything after this was seen in an earlier pass
                items.append(item)
            return items

        try:
            items = self.backoff.run(fetch, classify_error, what=f"reddit {label}")
        except (prawcore.NotFound, prawcore.Forbidden, prawcore.Redirect, prawcore.BadRequest) as exc:
            problems.append(f"{label}: {type(exc).__name__}")
            return
        posts, rejected, newest = [], [], since
        for item in items:
            created = vars(item).get("created_utc")
            if isinstance(created, (int, float)) and (newest is None or created > newest):
                newest = float(created)
            try:
                post = post_from_item(item, self.salt)
            except (PostError, KeyError, TypeError, ValueError) as exc:
                rejected.append(Rejected(_raw(item), f"reddit item: {exc}"[:500]))
                continue
            if filtered and self.matcher is not None and not self.matcher.matches(post.text):
                continue
            posts.append(post)
        cursors = {key: repr(newest)} if newest is not None and newest != since else {}
        sink.page(label, posts, rejected, cursors)
