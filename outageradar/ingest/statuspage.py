"""Official status pages as a source: Atlassian Statuspage, the Google Cloud and the AWS Health feeds.

A collector here fetches one feed and turns it into :class:`OfficialIncident` records; it knows nothing of storage
(``status sync`` saves them through :mod:`outageradar.store.official`).

Feeds (:func:`feeds_from_catalog`): every catalog service with a ``status_page`` gets one.

- **Atlassian Statuspage** (most of them: ``www.githubstatus.com``, ``www.redditstatus.com``, ``discordstatus.com``
  ...): ``GET <status page>/api/v2/incidents.json``, the documented public API. Its response is
  ``{"page": {"id", "name", "url", ...}, "incidents": [{"id", "name", "status", "impact", "created_at",
  "updated_at", "started_at", "resolved_at", "monitoring_at", "shortlink", "components": [{"name", ...}],
  "incident_updates": [...]}, ...]}`` (the 50 most recent incidents).
- **Google Cloud** (``status.cloud.google.com``): ``GET https://status.cloud.google.com/incidents.json``, a list of
  ``{"id", "begin", "created", "end", "modified", "external_desc", "severity", "service_name",
  "affected_products": [{"title"}], "most_recent_update": {"status"}, "uri"}``.
- **AWS Health Dashboard** (``health.aws.amazon.com``): the dashboard's JSON feed ``{"archive": [...], "current":
  [...]}`` of events ``{"service_name", "summary", "date" (epoch seconds of the first post), "status" (1 informational,
  2 degradation, 3 disruption), "description" (HTML, one ``<span>`` time per update), "service"}``; the events have no
  id, so ``service`` + ``date`` is one; the last update's time is taken as the resolution of a resolved event.
- The catalog pages that are known **not** to be any of these (:data:`NOT_SUPPORTED`: vendors' own dashboards such as
  Apple's, Microsoft's, Slack's) get no feed; any other page that turns out not to answer the Statuspage API is one
  failed line ("... is not an Atlassian Statuspage ...").

Incremental and polite. Each request sends the previous response's validators (``If-None-Match`` /
``If-Modified-Since``): a ``304`` is "not modified" and nothing is parsed. The store then upserts: an incident already
stored is only rewritten when its ``updated_at`` changed. Every request goes through :class:`~outageradar.ingest.retry.
Backoff`: a 429 or 5xx waits as ``Retry-After`` says (or exponentially) and tries again, a network error too; other
HTTP errors and unreadable bodies fail the feed in one line. Records that cannot be read (no id, no title, no time)
are counted as rejected with the reason, never dropped silently.

The HTTP client is :mod:`httpx`; tests give it an ``httpx.MockTransport`` that replays recorded payloads, so nothing
reaches the network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import unescape
from typing import Any, Iterable, Sequence
from urllib.parse import urlparse

import httpx

from outageradar import __version__
from outageradar.ingest.retry import Backoff, CollectorError, Retry, wait_from_headers

GCP_FEED = "https://status.cloud.google.com/incidents.json"
AWS_FEED = "https://status.aws.amazon.com/data.json"
AWS_PAGE = "https://health.aws.amazon.com/health/status"
USER_AGENT = f"outageradar/{__version__} (+status sync)"
TIMEOUT = 20.0

NOT_SUPPORTED = frozenset({
    "www.apple.com", "status.cloud.microsoft", "www.google.com", "metastatus.com", "azure.status.microsoft",
    "support.xbox.com", "status.slack.com", "status.salesforce.com", "status.adobe.com", "status.heroku.com",
})
"""Hosts of catalog status pages that are vendors' own dashboards with no Statuspage API: no feed is made for them."""

AWS_IMPACT = {"0": "none", "1": "informational", "2": "degradation", "3": "disruption"}


@dataclass(frozen=True)
class OfficialIncident:
    provider: str
    service: str
    external_id: str
    title: str
    impact: str | None
    status: str | None
    started_at: datetime
    created_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    url: str | None
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """One status feed: ``kind`` is statuspage, gcp or aws; ``provider`` names it in the store (the page's host)."""

    provider: str
    service: str
    kind: str
    url: str
    page: str


@dataclass
class Fetched:
    incidents: list[OfficialIncident] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one reason per record that could not be read
    not_modified: bool = False
    cursor: dict = field(default_factory=dict)  # the response's HTTP validators, for the next request


class HttpError(Exception):
    """A non-success HTTP response (kept apart from httpx's so the classifier sees the headers)."""

    def __init__(self, status: int, url: str, headers: dict):
        self.status, self.url, self.headers = status, url, headers
        super().__init__(f"HTTP {status} from {url}")


# ---------------------------------------------------------------- feeds
def feed_for(service: str, status_page: str | None) -> Feed | None:
    """The feed of a catalog service's status page, or ``None`` (no page, or a page with no supported API)."""
    if not status_page:
        return None
    u = urlparse(status_page)
    host = (u.hostname or "").lower()
    if not host:
        return None
    if host == "status.cloud.google.com":
        return Feed("gcp", service, "gcp", GCP_FEED, status_page)
    if host in ("health.aws.amazon.com", "status.aws.amazon.com"):
        return Feed("aws", service, "aws", AWS_FEED, status_page)
    if host in NOT_SUPPORTED:
        return None
    base = f"{u.scheme}://{u.netloc}{u.path.rstrip('/')}"
    return Feed(host, service, "statuspage", f"{base}/api/v2/incidents.json", status_page)


def feeds_from_catalog(services: Iterable[Any], only: Sequence[str] | None = None) -> list[Feed]:
    """The feeds of the catalog's services (``only``: these names, any case); unknown names raise
    :class:`CollectorError` naming them."""
    services = list(services)
    if only:
        by_name = {s.name.lower(): s for s in services}
        unknown = [n for n in only if n.lower() not in by_name]
        if unknown:
            raise CollectorError(f"unknown service {unknown[0]!r}: not in the catalog")
        services = [by_name[n.lower()] for n in only]
    feeds, seen = [], set()
    for s in services:
        f = feed_for(s.name, s.status_page)
        if f is None:
            if only:
                raise CollectorError(f"{s.name} has no status page with a supported API"
                                     + (f" ({s.status_page})" if s.status_page else ""))
            continue
        if f.provider not in seen:
            seen.add(f.provider)
            feeds.append(f)
    return feeds


# ---------------------------------------------------------------- time and text helpers
def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _text(value: Any, limit: int = 500) -> str:
    s = " ".join(unescape(str(value or "")).split())
    return s[:limit]


# ---------------------------------------------------------------- parsers (pure)
def parse_statuspage(payload: Any, feed: Feed) -> tuple[list[OfficialIncident], list[str]]:
    """Records of a Statuspage ``/api/v2/incidents.json`` response, and the reasons of those it could not read."""
    if not isinstance(payload, dict) or not isinstance(payload.get("incidents"), list):
        raise CollectorError(f"{feed.url} is not an Atlassian Statuspage incidents response (no 'incidents' list)")
    page = payload.get("page") if isinstance(payload.get("page"), dict) else {}
    page_url = str(page.get("url") or feed.page).rstrip("/")
    out, rejected = [], []
    for i, inc in enumerate(payload["incidents"]):
        if not isinstance(inc, dict):
            rejected.append(f"incident {i}: not an object")
            continue
        ext, title = inc.get("id"), _text(inc.get("name"))
        started = _time(inc.get("started_at")) or _time(inc.get("created_at"))
        if not ext or not title or started is None:
            rejected.append(f"incident {ext or i}: missing id, name or start time")
            continue
        created = _time(inc.get("created_at"))
        updated = _time(inc.get("updated_at")) or created or started
        comps = tuple(_text(c.get("name"), 128) for c in inc.get("components") or [] if isinstance(c, dict)
                      and c.get("name"))
        out.append(OfficialIncident(
            provider=feed.provider, service=feed.service, external_id=str(ext)[:128], title=title,
            impact=(str(inc["impact"])[:32] if inc.get("impact") else None),
            status=(str(inc["status"])[:32] if inc.get("status") else None), started_at=started,
            created_at=created, resolved_at=_time(inc.get("resolved_at")), updated_at=updated,
            url=str(inc.get("shortlink") or f"{page_url}/incidents/{ext}")[:512], components=comps))
    return out, rejected


def parse_gcp(payload: Any, feed: Feed) -> tuple[list[OfficialIncident], list[str]]:
    """Records of the Google Cloud status ``incidents.json`` list."""
    if not isinstance(payload, list):
        raise CollectorError(f"{feed.url} is not a Google Cloud incidents list")
    out, rejected = [], []
    for i, inc in enumerate(payload):
        if not isinstance(inc, dict):
            rejected.append(f"incident {i}: not an object")
            continue
        ext, title = inc.get("id"), _text(inc.get("external_desc"))
        started = _time(inc.get("begin")) or _time(inc.get("created"))
        if not ext or not title or started is None:
            rejected.append(f"incident {ext or i}: missing id, description or begin time")
            continue
        end = _time(inc.get("end"))
        latest = inc.get("most_recent_update") if isinstance(inc.get("most_recent_update"), dict) else {}
        status = "resolved" if end is not None else (str(latest.get("status") or "ongoing").lower()[:32])
        created = _time(inc.get("created"))
        products = tuple(_text(p.get("title"), 128) for p in inc.get("affected_products") or []
                         if isinstance(p, dict) and p.get("title"))
        uri = str(inc.get("uri") or f"incidents/{ext}")
        out.append(OfficialIncident(
            provider=feed.provider, service=feed.service, external_id=str(ext)[:128], title=title,
            impact=(str(inc["severity"])[:32] if inc.get("severity") else None), status=status, started_at=started,
            created_at=created, resolved_at=end, updated_at=_time(inc.get("modified")) or created or started,
            url=f"https://status.cloud.google.com/{uri.lstrip('/')}"[:512],
            components=products or ((_text(inc.get("service_name"), 128),) if inc.get("service_name") else ())))
    return out, rejected


_AWS_STAMP = re.compile(r"<span[^>]*>\s*(\d{1,2}):(\d{2})\s*(AM|PM)\s*(PDT|PST|UTC|GMT)\s*</span>", re.I)
_AWS_OFFSET = {"PDT": -7, "PST": -8, "UTC": 0, "GMT": 0}


def aws_update_times(description: str, first: datetime) -> list[datetime]:
    """The times of an AWS event's updates (``<span>12:53 PM PDT</span>`` ...), as aware UTC datetimes: each clock
    time is placed on the local day of the event's first post, rolling to the next day when it goes backwards."""
    times: list[datetime] = []
    for hh, mm, ampm, zone in _AWS_STAMP.findall(description or ""):
        offset = timedelta(hours=_AWS_OFFSET[zone.upper()])
        hour = int(hh) % 12 + (12 if ampm.upper() == "PM" else 0)
        local_day = (first + offset).date()
        t = datetime(local_day.year, local_day.month, local_day.day, hour, int(mm), tzinfo=timezone.utc) - offset
        base = times[-1] if times else first - timedelta(minutes=1)
        while t < base - timedelta(minutes=1):
            t += timedelta(days=1)
        times.append(t)
    return times


def parse_aws(payload: Any, feed: Feed) -> tuple[list[OfficialIncident], list[str]]:
    """Records of the AWS Health Dashboard feed ``{"archive": [...], "current": [...]}``."""
    if not isinstance(payload, dict) or not any(isinstance(payload.get(k), list) for k in ("archive", "current")):
        raise CollectorError(f"{feed.url} is not an AWS Health Dashboard feed (no 'archive'/'current' lists)")
    out, rejected = [], []
    for part in ("archive", "current"):
        for i, ev in enumerate(payload.get(part) or []):
            if not isinstance(ev, dict):
                rejected.append(f"{part} event {i}: not an object")
                continue
            first = _time(ev.get("date"))
            summary, svc = _text(ev.get("summary")), str(ev.get("service") or "").strip()
            if first is None or not summary or not svc:
                rejected.append(f"{part} event {i}: missing service, summary or date")
                continue
            resolved_flag = part == "archive" or summary.upper().startswith("[RESOLVED]")
            times = aws_update_times(str(ev.get("description") or ""), first)
            last = max(times) if times else first
            title = re.sub(r"^\[RESOLVED\]\s*", "", summary, flags=re.I)
            name = _text(ev.get("service_name"), 200)
            out.append(OfficialIncident(
                provider=feed.provider, service=feed.service, external_id=f"{svc}-{int(first.timestamp())}"[:128],
                title=f"{name}: {title}" if name else title, impact=AWS_IMPACT.get(str(ev.get("status")), None),
                status="resolved" if resolved_flag else "ongoing", started_at=first, created_at=first,
                resolved_at=last if resolved_flag else None, updated_at=last, url=AWS_PAGE,
                components=(name,) if name else ()))
    return out, rejected


PARSERS = {"statuspage": parse_statuspage, "gcp": parse_gcp, "aws": parse_aws}


# ---------------------------------------------------------------- fetching
def classify_error(exc: BaseException) -> Retry | None:
    """Backoff classifier: 429 and 5xx wait (``Retry-After`` honoured) and retry; so do network errors."""
    if isinstance(exc, HttpError):
        if exc.status == 429 or exc.status >= 500:
            return Retry(f"HTTP {exc.status}", wait_from_headers(exc.headers))
        return None
    if isinstance(exc, httpx.TransportError):
        return Retry(f"network error: {type(exc).__name__}")
    return None


def _decode(content: bytes, url: str) -> Any:
    for enc in ("utf-8-sig", "utf-16"):  # AWS's feeds have been served as UTF-16 with a BOM
        try:
            return json.loads(content.decode(enc))
        except (UnicodeDecodeError, ValueError):
            continue
    raise CollectorError(f"{url} did not answer JSON (is it an API address?)")


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The HTTP client of ``status sync`` (``transport``: e.g. an ``httpx.MockTransport`` replaying payloads)."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, transport=transport,
                        headers={"User-Agent": USER_AGENT, "Accept": "application/json"})


class StatusCollector:
    """Fetches feeds with one ``httpx.Client`` (give one with a ``MockTransport`` to replay) and a :class:`Backoff`."""

    def __init__(self, client: httpx.Client | None = None, backoff: Backoff | None = None):
        self.client = client or make_client()
        self.backoff = backoff or Backoff(attempts=4, cap=300.0)

    def close(self) -> None:
        self.client.close()

    def _get(self, url: str, headers: dict) -> httpx.Response:
        resp = self.client.get(url, headers=headers)
        if resp.status_code == 304 or resp.is_success:
            return resp
        raise HttpError(resp.status_code, url, dict(resp.headers))

    def fetch(self, feed: Feed, cursor: dict | None = None) -> Fetched:
        headers = {}
        cursor = cursor or {}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = str(cursor["last_modified"])
        try:
            resp = self.backoff.run(lambda: self._get(feed.url, headers), classify_error, what=f"GET {feed.url}")
        except HttpError as exc:
            hint = " (is it an Atlassian Statuspage?)" if feed.kind == "statuspage" and exc.status == 404 else ""
            raise CollectorError(f"{exc}{hint}") from None
        except httpx.HTTPError as exc:  # e.g. an invalid URL, too many redirects
            raise CollectorError(f"GET {feed.url}: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 304:
            return Fetched(not_modified=True, cursor=cursor)
        payload = _decode(resp.content, feed.url)
        if feed.kind == "statuspage" and not isinstance(payload, dict):
            raise CollectorError(f"{feed.url} is not an Atlassian Statuspage incidents response")
        incidents, rejected = PARSERS[feed.kind](payload, feed)
        new_cursor = {k: v for k, v in (("etag", resp.headers.get("ETag")),
                                        ("last_modified", resp.headers.get("Last-Modified"))) if v}
        return Fetched(incidents, rejected, False, new_cursor)
