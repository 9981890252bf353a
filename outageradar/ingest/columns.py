"""Which column of a user's file holds which post field: the names common exports use, matched case-insensitively.

Files of posts come from many tools (twarc and tweepy exports, Reddit and Mastodon dumps, spreadsheets), which name
the same thing differently: ``full_text`` or ``tweet`` for the text, ``location`` for the profile location,
``latitude``/``lng`` for the point, ``username``/``screen_name``/``user``/``author`` for who posted. :data:`FIELDS` lists, for each field, the accepted names, canonical first;
:func:`resolve` maps the names of one header (or one JSON object's keys) to fields. ``ingest file`` and ``classify
file`` both read files through it, so they accept the same columns. :func:`csv_delimiter` picks a CSV file's
delimiter from its header line (spreadsheets write ``;``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

_SEP = re.compile(r"[\s-]+")

#: field -> accepted column names, canonical first; the first name present wins
FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "full_text", "tweet", "tweet_text", "content", "body", "message", "post"),
    "created_at": ("created_at", "timestamp", "created", "created_utc", "date", "datetime", "time", "published_at"),
    "source_id": ("source_id", "id", "id_str", "tweet_id", "post_id", "status_id"),
    "source": ("source",),
    "author_hash": ("author_hash",),
    "author_id": ("author_id", "user_id"),
    # the author's handle when a file has no author id: read only to be hashed (never stored), like author_id
    "author": ("username", "screen_name", "user", "author", "user_screen_name", "user.screen_name", "handle"),
    "user_location": ("user_location", "location", "user.location", "author_location", "profile_location"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "place": ("place", "place_name", "place_full_name", "place.full_name"),
    "lang": ("lang", "language"),
    "url": ("url", "permalink", "link"),
}


def resolve(keys: Iterable[Any]) -> dict[str, Any]:
    """Field -> the key among ``keys`` that holds it; absent fields are left out. Case is ignored and inner blanks or
    hyphens read as ``_`` ("Tweet ID" is ``tweet_id``)."""
    by_lower: dict[str, Any] = {}
    for k in keys:
        by_lower.setdefault(_SEP.sub("_", str(k).strip().lstrip("\ufeff").lower()), k)
    out: dict[str, Any] = {}
    for field, names in FIELDS.items():
        for name in names:
            if name in by_lower:
                out[field] = by_lower[name]
                break
    return out


class Resolver:
    """:func:`resolve` for a stream of records: records with the same keys (every CSV row, most JSON lines; a JSON
    file often alternates a few key sets) share one mapping, computed once per key set (at most
    :attr:`MAX_KEY_SETS` are remembered)."""

    MAX_KEY_SETS = 256

    def __init__(self) -> None:
        self._cols: dict[tuple[Any, ...], dict[str, Any]] = {}

    def __call__(self, rec: dict[str, Any]) -> dict[str, Any]:
        keys = tuple(rec)
        cols = self._cols.get(keys)
        if cols is None:
            if len(self._cols) >= self.MAX_KEY_SETS:
                self._cols.clear()
            cols = self._cols[keys] = resolve(keys)
        return cols


def canonical(rec: dict[str, Any], cols: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record's post fields under their canonical names (``cols`` from :func:`resolve`, computed if not given)."""
    cols = resolve(rec) if cols is None else cols
    return {field: rec[key] for field, key in cols.items() if key in rec}


def csv_delimiter(header_line: str, preferred: str = ",") -> str | None:
    """The delimiter (``preferred``, then ``,``, tab, ``;``, ``|``) with which ``header_line`` has a text column, or
    None if none has."""
    for delimiter in dict.fromkeys((preferred, ",", "\t", ";", "|")):
        fields = next(csv.reader([header_line], delimiter=delimiter), [])
        if "text" in resolve(fields):
            return delimiter
    return None


def accepted(field: str) -> str:
    """The accepted names of ``field``, for error messages."""
    return ", ".join(FIELDS[field])
