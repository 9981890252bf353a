"""Retries with backoff for collector requests.

A collector wraps every page request in :meth:`Backoff.run` with a *classifier* that maps its client library's
exceptions to one of three outcomes:

- :class:`Retry` (429, 5xx, network errors, an unreadable body): wait and try the same page again, at most
  ``attempts`` times. The wait honours the platform's headers when it gave any (``Retry-After``, X's
  ``x-rate-limit-reset`` epoch seconds, Mastodon's ISO ``X-RateLimit-Reset``, Reddit's ``x-ratelimit-reset`` seconds),
  otherwise it is exponential with full jitter. After the last attempt :class:`PageFailed` is raised: the page is never
  skipped, the collector's cursor stays where it was, and the next pass asks for it again.
- :class:`CredentialsError` (missing, rejected or insufficient credentials, 401/403): stop this source at once with a
  one-line message naming the setting.
- anything else: re-raised unchanged.

``sleep`` is injectable so tests never sleep; waits are capped at ``cap`` seconds.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping, TypeVar

from outageradar.records import OutageradarError

T = TypeVar("T")


class CollectorError(OutageradarError, RuntimeError):
    """A source failed for this pass; the message is one line fit for the summary."""


class CredentialsError(CollectorError):
    """Credentials are missing or were rejected; names the setting to fix."""

    def __init__(self, source: str, setting: str, detail: str):
        self.source, self.setting, self.detail = source, setting, detail
        super().__init__(f"{source}: {detail} (set {setting})")


class PageFailed(CollectorError):
    """A page still failed after every attempt; its cursor was not moved."""


@dataclass
class Retry:
    """Classifier verdict: retry after ``wait`` seconds (``None``: use exponential backoff)."""

    reason: str
    wait: float | None = None


Classifier = Callable[[BaseException], "Retry | CredentialsError | None"]


@dataclass
class Backoff:
    attempts: int = 5
    base: float = 2.0
    cap: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    waits: list[float] = field(default_factory=list)  # every wait taken, for summaries and tests

    def delay(self, attempt: int, hint: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 0)."""
        if hint is not None:
            # The platform said when: wait that long plus a little jitter so many clients do not retry together.
            return min(self.cap, max(0.0, hint) + self.rng.uniform(0, 1.0))
        return self.rng.uniform(0, min(self.cap, self.base * (2**attempt)))

    def run(self, fn: Callable[[], T], classify: Classifier, what: str = "request") -> T:
        for attempt in range(self.attempts):
            try:
                return fn()
            except CredentialsError:
                raise
            except Exception as exc:  # noqa: BLE001 - the classifier decides
                verdict = classify(exc)
                if isinstance(verdict, CredentialsError):
                    raise verdict from exc
                if not isinstance(verdict, Retry):
                    raise
                if attempt + 1 >= self.attempts:
                    raise PageFailed(f"{what} failed after {self.attempts} attempts: {verdict.reason}") from exc
                wait = self.delay(attempt, verdict.wait)
                self.waits.append(wait)
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    lname = name.lower()
    for k, v in headers.items():
        if str(k).lower() == lname:
            if isinstance(v, (list, tuple)):
                v = v[0] if v else None
            return None if v is None else str(v).strip()
    return None


def wait_from_headers(headers: Mapping[str, Any] | None, now: float | None = None) -> float | None:
    """Seconds to wait according to rate-limit headers, or ``None`` when they say nothing usable.

    ``Retry-After`` (seconds or an HTTP date) wins; then ``x-rate-limit-reset``/``X-RateLimit-Reset``, read as epoch
    seconds when it is a large number (X), as seconds from now when small (Reddit), or as an ISO time (Mastodon).
    """
    now = time.time() if now is None else now
    ra = _header(headers, "Retry-After")
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(ra).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = _header(headers, "x-rate-limit-reset") or _header(headers, "x-ratelimit-reset")
    if reset:
        try:
            x = float(reset)
            return max(0.0, x - now) if x > 1e9 else max(0.0, x)
        except ValueError:
            try:
                dt = datetime.fromisoformat(reset.replace("Z", "+00:00"))
                if dt.tzinfo is None:
                    dt = dt.replace(tzinfo=timezone.utc)
                return max(0.0, dt.timestamp() - now)
            except ValueError:
                return None
    return None
