"""Mastodon collector through Mastodon.py: hashtag timelines and status search on configured instances.

For every instance and every hashtag (config ``hashtags`` plus ``<alias>down`` tags from the catalog, e.g.
``#outage``, ``#discorddown``) the public hashtag timeline is read; with an access token
(``OUTAGERADAR_MASTODON_ACCESS_TOKEN``) status search for the configured ``search`` terms is read too. Public
timelines need no token.

Resume: forward paging with ``min_id``. The cursor (key ``<host>:tag:<tag>`` / ``<host>:search:<term>``) is the newest
status id stored; each request asks for the page just newer than it, the page is stored and the cursor moved to its
newest id in one transaction, until an empty page (or ``max_pages``). On the first pass of a timeline only its newest
page is read (no backfill). Nothing is skipped when a pass is killed: the next one continues from the last stored page.

Mapping: ``source="mastodon"``, ``source_id`` = the status' ActivityPub ``uri`` (the same post seen through two instances
is stored once), text = ``content`` with HTML stripped (``<br>``/``</p>`` become line breaks, entities decoded, plus the
content warning), ``lang`` = ``language``, ``author_hash`` of ``<host>:<account id>``, url = ``url`` or ``uri``.

Rate limits: Mastodon.py runs with ``ratelimit_method="throw"``; on 429 we wait until ``X-RateLimit-Reset`` (the time
Mastodon.py parsed, or the header), 5xx/network errors back off with jitter; 401/403 names the token setting.
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, Sequence
from urllib.parse import urlparse

from mastodon import Mastodon
from mastodon import errors as merr

from outageradar.records import Post, PostError, Rejected, author_hash
from outageradar.ingest.retry import Backoff, CredentialsError, Retry
from outageradar.ingest.runner import Sink, int_newer
from outageradar.ingest.timeparse import parse_time

SOURCE = "mastodon"
TOKEN_SETTING = "OUTAGERADAR_MASTODON_ACCESS_TOKEN"
DEFAULT_INSTANCES = ("https://mastodon.social",)
DEFAULT_HASHTAGS = ("outage", "down", "servicedown", "internetoutage", "poweroutage")


class _Text(HTMLParser):
    BLOCK = {"p", "br", "div", "li", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        cls = dict(attrs).get("class") or ""
        if tag == "span" and "invisible" in cls.split():
            self.hidden += 1
        elif tag == "span" and self.hidden:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.BLOCK and tag != "br":
            self.parts.append("\n\n")
        if tag == "span" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    """Status HTML to plain text: paragraphs and line breaks kept, tags dropped, entities decoded.

    Mastodon's ``<span class="invisible">`` parts of shortened links are dropped, like its web UI does.
    """
    if not content:
        return ""
    if "<" not in content:
        return html.unescape(content).strip()
    p = _Text()
    p.feed(content)
    p.close()
    text = "".join(p.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out, blank = [], 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= 1:
            out.append(line)
    return "\n".join(out).strip()


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def post_from_status(status: Any, host: str, salt: str) -> Post:
    uri = _get(status, "uri") or ""
    sid = str(_get(status, "id") or "")
    if not uri and not sid:
        raise PostError("status has no uri or id")
    source_id = uri if uri and len(uri) <= 128 else ("h" + hashlib.sha256((uri or f"{host}:{sid}").encode()).hexdigest()[:40])
    text = html_to_text(_get(status, "content") or "")
    cw = (_get(status, "spoiler_text") or "").strip()
    if cw:
        text = f"{cw}\n\n{text}" if text else cw
    created = _get(status, "created_at")
    created = created if isinstance(created, datetime) and created.tzinfo else parse_time(created)
    account = _get(status, "account") or {}
    acc_id = _get(account, "id")
    lang = _get(status, "language")
    return Post(
        source=SOURCE,
        source_id=source_id,
        created_at=created,
        text=text,
        lang=str(lang)[:16] if lang else None,
        author_hash=author_hash(SOURCE, f"{host}:{acc_id}" if acc_id is not None else None, salt),
        url=(_get(status, "url") or uri or None) and str(_get(status, "url") or uri)[:512],
    )


def _raw(status: Any) -> str:
    try:
        return json.dumps(status, sort_keys=True, default=str)[:20000]
    except (TypeError, ValueError):
        return repr(status)[:20000]


class MastodonCollector:
    name = SOURCE

    def __init__(self, instances: Sequence[str], hashtags: Sequence[str], salt: str, *,
                 search_terms: Sequence[str] = (), access_token: str | None = None, limit: int = 40,
                 max_pages: int = 10, backoff: Backoff | None = None, session: Any = None):
        self.instances = [i.rstrip("/") if "://" in i else f"https://{i.strip('/')}" for i in instances if i.strip()]
        self.hashtags = list(dict.fromkeys(t.lstrip("#").lower() for t in hashtags if t.strip("# ")))
        self.search_terms = list(search_terms)
        self.salt = salt
        self.access_token = access_token
        self.limit = max(1, min(40, int(limit)))
        self.max_pages = max(1, int(max_pages))
        self.backoff = backoff or Backoff()
        self.session = session

    def api(self, base: str) -> Mastodon:
        return Mastodon(api_base_url=base, access_token=self.access_token or None, ratelimit_method="throw",
                        version_check_mode="none", session=self.session, request_timeout=30)

    def classifier(self, api: Mastodon):
        def classify(exc: BaseException):
            if isinstance(exc, merr.MastodonUnauthorizedError) or (
                    isinstance(exc, merr.MastodonAPIError) and len(exc.args) > 1 and exc.args[1] in (401, 403)):
                return CredentialsError(SOURCE, TOKEN_SETTING, f"the instance refused the request ({exc.args[1]})")
            if isinstance(exc, merr.MastodonRatelimitError):
                reset = getattr(api, "ratelimit_reset", None)
                wait = max(0.0, float(reset) - time.time()) if reset else None
                return Retry("HTTP 429 rate limited", wait)
            if isinstance(exc, (merr.MastodonServerError, merr.MastodonNetworkError)):
                return Retry(f"server or network error: {type(exc).__name__}")
            if isinstance(exc, merr.MastodonAPIError) and "parse" in str(exc).lower():
                return Retry("unreadable response body")
            return None
        return classify

    def collect(self, sink: Sink) -> None:
        for base in self.instances:
            host = urlparse(base).netloc or base
            api = self.api(base)
            for tag in self.hashtags:
                self._timeline(sink, api, host, f"{host}:tag:{tag}", f"{host} #{tag}",
                               lambda min_id, t=tag: api.timeline_hashtag(t, min_id=min_id, limit=self.limit))
            if self.access_token:
                for term in self.search_terms:
                    self._timeline(sink, api, host, f"{host}:search:{term.lower()}", f"{host} search {term}",
                                   lambda min_id, q=term: (api.search_v2(q, resolve=False, result_type="statuses",
                                                                        min_id=min_id, limit=self.limit)
                                                           .get("statuses") or []))

    def _timeline(self, sink: Sink, api: Mastodon, host: str, key: str, label: str, fetch) -> None:
        cursor = sink.cursor(key)
        classify = self.classifier(api)
        for _ in range(self.max_pages):
            sink.check_stop()
            page = self.backoff.run(lambda: list(fetch(cursor)), classify, what=f"mastodon {label}")
            posts, rejected, newest = [], [], cursor
            for st in page:
                sid = str(_get(st, "id") or "")
                if sid and (newest is None or int_newer(sid, newest)):
                    newest = sid
                try:
                    posts.append(post_from_status(st, host, self.salt))
                except (PostError, KeyError, TypeError, ValueError) as exc:
                    rejected.append(Rejected(_raw(st), f"mastodon status: {exc}"[:500]))
            moved = newest is not None and newest != cursor
            sink.page(label, posts, rejected, {key: newest} if moved else {})
            if not page or not moved or cursor is None:
                return  # empty page, or the first pass of this timeline (newest page only)
            cursor = newest
