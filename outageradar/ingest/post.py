"""The one normalised post type that every collector yields.

Fields
------
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
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

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
        if not self.source or not isinstance(self.source, str):
            raise PostError("missing source")
        if not self.source_id or not isinstance(self.source_id, str):
            raise PostError("missing source_id")
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise PostError("created_at must be a timezone-aware datetime")
        if self.created_at.utcoffset() != timezone.utc.utcoffset(None):
            object.__setattr__(self, "created_at", self.created_at.astimezone(timezone.utc))
        if not isinstance(self.text, str) or not self.text.strip():
            raise PostError("empty text")
        if len(self.text) > MAX_TEXT:
            raise PostError(f"text longer than {MAX_TEXT} characters")
        for name in ("lat", "lon"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, float)) or math.isnan(v)):
                raise PostError(f"{name} is not a number")
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
