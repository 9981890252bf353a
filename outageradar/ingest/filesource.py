"""The file source: posts from a JSONL or CSV file, so everything works with no network.

Columns/keys are the :class:`~outageradar.ingest.post.Post` fields; unknown ones are ignored. Names match
case-insensitively, and common exports' names are accepted (:data:`outageradar.ingest.columns.FIELDS`: ``full_text``
or ``tweet`` for ``text``, ``id`` for ``source_id``, ``timestamp`` or ``date`` for ``created_at``, ``location`` for
``user_location``, ``latitude``/``longitude``/``lng`` ...). A CSV header without a text column when split on commas
is tried with tab, ``;`` and ``|``. Conveniences:
- ``source`` defaults to ``file`` (also when the column holds X's client app name, "Twitter for iPhone"); when no id is present the id is a hash of the row's time, text and author id, so
  re-ingesting the same file is still a no-op.
- ``author_id`` (the platform's raw author id) is hashed with the configured salt into ``author_hash`` and dropped.
  A file without an author id often has the handle (``username``, ``screen_name``, ``user``, ``author``): it is
  hashed the same way (case and a leading ``@`` ignored) so posts by one account count as one reporter, and is
  never stored. A ``user``/``author`` object (X v1.1 JSON, Bluesky) gives its id (``id_str``, ``id``, ``did``) or
  else its handle; Reddit's ``[deleted]`` is no author.
- ``lat``/``lon`` must be numbers; empty cells are missing values.
A row that cannot become a post is yielded as a :class:`Rejected` with its raw text and the reason, for quarantine.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from outageradar.ingest.columns import Resolver, accepted, canonical, csv_delimiter
from outageradar.ingest.post import Post, PostError, author_hash
from outageradar.ingest.timeparse import parse_time

FORMATS = ("jsonl", "csv")
_SOURCE = re.compile(r"[A-Za-z0-9_.:-]{1,32}")
"""A ``source`` value that names where posts come from ("x", "reddit", "twcs"); X's own ``source`` field names the
client app ("Twitter for iPhone", an HTML link) and is not one, so such rows get the default source."""


class SourceFileError(ValueError):
    """The file as a whole cannot be read (missing, unknown format, no text column)."""


@dataclass(slots=True, frozen=True)
class Rejected:
    raw: str
    reason: str
    line: int


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise SourceFileError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise SourceFileError(f"cannot tell the format of {path.name}: name it .jsonl or .csv, or pass --format")


def open_text(path: Path) -> IO[str]:
    if not path.exists():
        raise SourceFileError(f"no such file: {path}")
    if path.is_dir():
        raise SourceFileError(f"{path} is a directory, not a file")
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _number(value: Any, name: str) -> float | None:
    value = _clean(value)
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PostError(f"{name} is not a number: {str(value)[:40]!r}") from None
    if x != x:  # NaN from a spreadsheet export means missing
        return None
    return x


def post_from_record(rec: dict[str, Any], salt: str, default_source: str = "file",
                     cols: dict[str, Any] | None = None) -> Post:
    """Build a Post from one record of a file (a JSON object or a CSV row; ``cols`` maps fields to its keys, see
    :func:`~outageradar.ingest.columns.resolve`). Raises PostError/ValueError."""
    rec = canonical(rec, cols)
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PostError("empty text" if "text" in rec else f"no text field (accepted: {accepted('text')})")
    created = parse_time(_clean(rec.get("created_at")))
    source = _clean(rec.get("source"))
    source = str(source) if source is not None and _SOURCE.fullmatch(str(source)) else default_source
    author = _clean(rec.get("author_hash"))
    if author is None and _clean(rec.get("author_id")) is not None:
        author = author_hash(source, str(_clean(rec["author_id"])), salt)
    sid = _clean(rec.get("source_id"))
    if sid is None:
        # An author known only by handle stays out of the derived id: ids are what they were before handles were
        # read, so a file ingested by an earlier version is still not ingested twice.
        digest = hashlib.sha256(f"{created.isoformat()}\x00{text}\x00{author or ''}".encode()).hexdigest()
        sid = "h" + digest[:39]
    if author is None:
        author = _author_from_handle(rec.get("author"), source, salt)
    lat = _number(rec.get("lat"), "lat")
    lon = _number(rec.get("lon"), "lon")
    return Post(
        source=source[:32],
        source_id=str(sid)[:128],
        created_at=created,
        text=text,
        lang=_str(rec.get("lang"), 16),
        author_hash=author,
        user_location=_str(rec.get("user_location"), 256),
        lat=lat,
        lon=lon,
        place=_str(rec.get("place"), 256),
        url=_str(rec.get("url"), 512),
    )


_NO_AUTHOR = {"[deleted]", "[removed]", "deleted", "anonymous", "none", "null", "nan"}


def _author_from_handle(value: Any, source: str, salt: str) -> str | None:
    """The salted hash of an author given as a handle ("@Juniper_Jaguars", any case) or as a user object."""
    if isinstance(value, dict):
        for key in ("id_str", "id", "did"):
            if _clean(value.get(key)) is not None:
                return author_hash(source, str(_clean(value[key])), salt)
        value = next((value[k] for k in ("screen_name", "username", "handle") if _clean(value.get(k)) is not None), None)
    value = _clean(value)
    if value is None or isinstance(value, (list, dict, bool)):
        return None
    handle = str(value).strip().lstrip("@").lower()
    if not handle or handle in _NO_AUTHOR:
        return None
    return author_hash(source, "@" + handle, salt)


def _str(value: Any, limit: int) -> str | None:
    value = _clean(value)
    return None if value is None else str(value)[:limit]


def read_records(path: Path, fmt: str | None = None) -> Iterator[tuple[int, str, dict[str, Any] | None, str | None]]:
    """Yield (line number, raw text, record or None, parse error or None) for every row of the file."""
    fmt = detect_format(path, fmt)
    fh = open_text(path)
    with fh:
        if fmt == "jsonl":
            for n, line in enumerate(fh, 1):
                raw = line.rstrip("\r\n")
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield n, raw, None, f"invalid JSON: {exc.msg} at column {exc.colno}"
                    continue
                if not isinstance(rec, dict):
                    yield n, raw, None, "a JSON line must be an object"
                    continue
                yield n, raw, rec, None
        else:
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            preferred = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
            first = fh.readline()
            if not first.strip():
                return
            delimiter = csv_delimiter(first, preferred)
            if delimiter is None:
                header = next(csv.reader([first], delimiter=preferred), [])
                raise SourceFileError(f"{path.name} has no 'text' column (columns: {', '.join(header)[:200]}; "
                                      f"accepted: {accepted('text')})")
            reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter)
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
            for row in reader:
                n = reader.line_num
                raw = _raw_csv(row, delimiter)
                if len(row) != len(header):
                    yield n, raw, None, f"expected {len(header)} fields, found {len(row)}"
                    continue
                yield n, raw, dict(zip(header, row)), None


def _raw_csv(row: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerow(row)
    return buf.getvalue().rstrip("\r\n")


def read_posts(path: Path, salt: str, fmt: str | None = None, default_source: str = "file") -> Iterator[Post | Rejected]:
    """Every row of the file as a Post, or as a Rejected record saying why not."""
    columns = Resolver()
    for n, raw, rec, error in read_records(path, fmt):
        if rec is None:
            yield Rejected(raw, error or "unreadable", n)
            continue
        try:
            yield post_from_record(rec, salt, default_source, columns(rec))
        except (PostError, ValueError, TypeError) as exc:
            yield Rejected(raw, str(exc) or type(exc).__name__, n)
