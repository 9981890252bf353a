"""The domain records at the bottom of outageradar: what every layer passes to the next.

This module imports nothing of the project, so every module can import it, and the layers above meet only here:

- :class:`Post`: the one normalised post that every collector yields (``ingest``), the tagger reads (``classify``)
  and the store writes (``store``);
- :class:`Classification`: what the tagger says about one post;
- :class:`Rejected`: the one shape of a record that could not become a post (a file row, a platform item, a stream
  line), quarantined with its reason;
- :class:`OutageradarError`: the base of every user-facing error. It says what is wrong with the user's input, files,
  configuration or database in one line; the command line prints its message as plain text (``error: <message>``)
  and exits 1, with no traceback. Any other exception reaching the command line is a bug and is printed with its
  class name. Each part of the package subclasses it (``ConfigError``, ``StoreError``, ``BatchFileError`` ...),
  usually together with the built-in class it used to derive from, so ``except ValueError`` around them keeps working.

Post fields
-----------
source         short name of the platform or feed: ``x``, ``reddit``, ``mastodon``, ``bluesky``, ``file``, ``simulated``.
source_id      the platform's own id for the post (unique within ``source``); re-ingesting the same
               (source, source_id) is a no-op.
created_at     when the post was published, timezone-aware UTC.
text           the post's text, as published.
lang           BCP-47 language tag when the platform gives one (``en``), else ``None``.
author_hash    salted SHA-256 (hex) of the platform's *numeric/opaque* author id or, for a file that only has
               the handle, of the handle (lower case, ``@``-prefixed) — neither is ever stored. Lets us count
               distinct reporters without storing who they are. See :func:`author_hash`.
user_location  the free-text location on the author's profile ("Decatur, GA"), if any.
lat, lon       WGS84 coordinates when the platform gives a point, or the centre of the platform's place box.
place          the platform's place name when it attaches one ("Manhattan, NY"), else ``None``.
url            a link to the post on its platform, if known.

Every Post is safe to store, identically on SQLite and PostgreSQL: its strings are normalised (NUL characters
removed, lone UTF-16 surrogates replaced by U+FFFD; ``extra["repaired"]`` counts the changes), a ``source_id``
longer than :data:`MAX_ID` characters is replaced by a readable prefix and its SHA-256 (:func:`fit_id`: never cut,
so distinct long ids stay distinct), and the optional strings are cut to their column widths. Whether a time is
plausible for a post (:func:`check_time`: from 2006-01-01 to a day after now) is checked where posts enter the store.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import Any


# ------------------------------------------------------------------ errors
class OutageradarError(Exception):
    """An error whose one-line message is meant for the user."""


def one_line(message: object) -> str:
    """The first non-empty line of ``message`` (stripped), or ``""``."""
    for line in str(message).splitlines():
        if line.strip():
            return line.strip()
    return ""


# ------------------------------------------------------------------ posts
POST_FIELDS = (
    "source",
    "source_id",
    "created_at",
    "text",
    "lang",
    "author_hash",
    "user_location",
    "lat",
    "lon",
    "place",
    "url",
)

MAX_TEXT = 10_000
MAX_SOURCE = 32
"""``posts.source`` is VARCHAR(32): a longer source is not a platform name."""
MAX_ID = 128
"""``posts.source_id`` is VARCHAR(128); longer ids are hashed by :func:`fit_id`."""
#: column widths of the optional strings (``posts`` table); longer values are cut
LIMITS = {"lang": 16, "user_location": 256, "place": 256, "url": 512}
EARLIEST = datetime(2006, 1, 1, tzinfo=timezone.utc)
"""No social-media post we read is older (X launched in 2006); an earlier time is a broken record."""
FUTURE_SLACK = timedelta(days=1)
"""A post may be stamped up to a day ahead of the clock (skewed clocks, time zones); later is a broken record."""

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> tuple[str, int]:
    """``value`` with NUL characters removed and lone surrogates replaced by U+FFFD, and how many were changed.

    Neither can be stored: PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8 (JSON's
    ``"\\ud800"`` decodes to one)."""
    if not _BAD_CHARS.search(value):
        return value, 0
    n = 0

    def fix(m: re.Match) -> str:
        nonlocal n
        n += 1
        return "" if m.group() == "\x00" else "\ufffd"

    return _BAD_CHARS.sub(fix, value), n


def fit_id(source_id: str, limit: int = MAX_ID) -> str:
    """``source_id`` itself when it fits ``limit`` characters, else a readable prefix, ``~`` and the SHA-256 (hex)
    of the whole id: never cut, so two long ids that share a prefix stay two posts, and the same id always maps to
    the same value."""
    if len(source_id) <= limit:
        return source_id
    digest = hashlib.sha256(source_id.encode("utf-8", "surrogatepass")).hexdigest()
    return source_id[: limit - len(digest) - 1] + "~" + digest


def check_time(created_at: datetime, now: datetime | None = None) -> None:
    """Raise :class:`PostError` when ``created_at`` cannot be a post's time: before :data:`EARLIEST` or more than
    :data:`FUTURE_SLACK` after ``now`` (default: the clock)."""
    now = now or datetime.now(timezone.utc)
    if created_at < EARLIEST:
        raise PostError(f"created_at {created_at.isoformat()} is before {EARLIEST:%Y-%m-%d} (no post is older)")
    if created_at > now + FUTURE_SLACK:
        raise PostError(f"created_at {created_at.isoformat()} is more than a day in the future")


class PostError(ValueError):
    """A record that cannot become a :class:`Post`; the message says why (it is stored in quarantine)."""


@dataclass(slots=True, frozen=True)
class Post:
    source: str
    source_id: str
    created_at: datetime
    text: str
    lang: str | None = None
    author_hash: str | None = None
    user_location: str | None = None
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        source, source_id, text = self.source, self.source_id, self.text
        # The common case in one test: every string field a str (or None) with nothing to repair or cut.
        if (type(source) is str and type(source_id) is str and type(text) is str
                and type(self.created_at) is datetime and self.created_at.tzinfo is timezone.utc
                and self.lat is None and self.lon is None and 0 < len(source) <= MAX_SOURCE
                and 0 < len(source_id) <= MAX_ID and len(text) <= MAX_TEXT):
            optional = (self.lang, self.author_hash, self.user_location, self.place, self.url)
            if all(v is None or type(v) is str for v in optional):
                lang, author, loc, place, url = optional
                if ((lang is None or len(lang) <= LIMITS["lang"]) and (author is None or len(author) <= 64)
                        and (loc is None or len(loc) <= LIMITS["user_location"])
                        and (place is None or len(place) <= LIMITS["place"])
                        and (url is None or len(url) <= LIMITS["url"])
                        and not _BAD_CHARS.search(
                            f"{source}\x01{source_id}\x01{text}\x01{lang}\x01{author}\x01{loc}\x01{place}\x01{url}")
                        and text.strip()):
                    return
        self._check()

    def _check(self) -> None:
        """The full normalisation and validation (see the module docstring); ``__post_init__`` skips it for a post
        that needs nothing of it."""
        repaired = 0
        for name in ("source", "source_id", "text", "lang", "author_hash", "user_location", "place", "url"):
            v = getattr(self, name)
            if isinstance(v, str):
                v, n = clean_text(v)
                if n:
                    repaired += n
                    object.__setattr__(self, name, v)
        if repaired:
            self.extra["repaired"] = self.extra.get("repaired", 0) + repaired
        if not self.source or not isinstance(self.source, str):
            raise PostError("missing source")
        if len(self.source) > MAX_SOURCE:
            raise PostError(f"source longer than {MAX_SOURCE} characters")
        if not self.source_id or not isinstance(self.source_id, str):
            raise PostError("missing source_id")
        if len(self.source_id) > MAX_ID:
            object.__setattr__(self, "source_id", fit_id(self.source_id))
        if self.author_hash is not None and (not isinstance(self.author_hash, str) or len(self.author_hash) > 64):
            raise PostError("author_hash must be a hex digest")
        for name, limit in LIMITS.items():
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise PostError(f"{name} is not a string")
            if v is not None and len(v) > limit:
                object.__setattr__(self, name, v[:limit])
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise PostError("created_at must be a timezone-aware datetime")
        if self.created_at.utcoffset() != timezone.utc.utcoffset(None):
            try:
                object.__setattr__(self, "created_at", self.created_at.astimezone(timezone.utc))
            except OverflowError:  # 9999-12-31T23:59:59-05:00 is after datetime.max in UTC
                raise PostError("created_at out of range") from None
        if not isinstance(self.text, str) or not self.text.strip():
            raise PostError("empty text")
        if len(self.text) > MAX_TEXT:
            raise PostError(f"text longer than {MAX_TEXT} characters")
        for name in ("lat", "lon"):
            v = getattr(self, name)
            if v is None:
                continue
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise PostError(f"{name} is not a number")
            try:
                v = float(v)
            except OverflowError:
                raise PostError(f"{name} out of range") from None
            if math.isnan(v):
                raise PostError(f"{name} is not a number")
            object.__setattr__(self, name, v)
        if (self.lat is None) != (self.lon is None):
            raise PostError("lat and lon must be given together")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise PostError(f"coordinates out of range: {self.lat}, {self.lon}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra", None)
        d["created_at"] = self.created_at.isoformat()
        return d


def author_hash(platform: str, author_id: str | int | None, salt: str) -> str | None:
    """Salted SHA-256 of ``platform:author_id``. ``None`` when the platform gave no author id."""
    if author_id is None or author_id == "":
        return None
    return hashlib.sha256(f"{salt}\x00{platform}\x00{author_id}".encode()).hexdigest()


@dataclass(slots=True, frozen=True)
class Rejected:
    """A record that could not become a post (or, for ``classify file``, a row with no text): its raw text as
    quarantine keeps it (author fields replaced by salted hashes), why, and where (``line``: the line number in a
    file). ``repaired`` counts characters replaced in the raw text (invalid UTF-8)."""

    raw: str
    reason: str
    line: int | None = None
    repaired: int = 0


# ------------------------------------------------------------------ classifications
@dataclass(slots=True)
class Classification:
    """``outage`` is the relevance model's decision at its threshold; ``outage_score`` its probability.

    ``service`` is the catalog's canonical name of the service the post is about (``None`` when none is named);
    ``country`` (ISO 3166-1 alpha-2), ``admin1`` and ``city`` locate the report, ``region_evidence`` says from what
    (``coordinates``, ``place``, ``text``, ``profile``, or ``service_area`` for a one-country power utility);
    ``problem`` is set for outage posts only.
    """

    outage: bool
    outage_score: float
    service: str | None = None
    country: str | None = None
    admin1: str | None = None
    city: str | None = None
    problem: str | None = None
    region_evidence: str | None = None
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __reduce__(self) -> tuple[type, tuple]:
        """Pickled as the class and its field values: worker processes send labels back by the thousand, and the
        default pickling of a slotted dataclass (its state as a dict of slots) costs several times as much."""
        return Classification, _classification_values(self)


_classification_values = attrgetter(*(f.name for f in fields(Classification)))
