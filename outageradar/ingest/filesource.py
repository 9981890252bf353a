"""The file source: posts from a JSONL or CSV file, so everything works with no network.

Columns/keys are the :class:`~outageradar.records.Post` fields; unknown ones are ignored. Names match
case-insensitively, and common exports' names are accepted (:data:`outageradar.ingest.columns.FIELDS`: ``full_text``
or ``tweet`` for ``text``, ``id`` for ``source_id``, ``timestamp`` or ``date`` for ``created_at``, ``location`` for
``user_location``, ``latitude``/``longitude``/``lng`` ...). A CSV header without a text column when split on commas
is tried with tab, ``;`` and ``|``. Conveniences:
- ``source`` is taken from the record only when it names a known platform (:data:`PLATFORMS`: x, twitter, reddit,
  mastodon, bluesky, facebook ...); anything else ("TweetDeck", "Twitter for iPhone", "IFTTT", an HTML link: X's
  ``source`` field names the client app) gives the default source, and the value is kept nowhere. When no id is
  present the id is a hash of the row's time, text and author id, so re-ingesting the same file is still a no-op.
- ``author_id`` (the platform's raw author id) is hashed with the configured salt into ``author_hash`` and dropped.
  A file without an author id often has the handle (``username``, ``screen_name``, ``user``, ``author``): it is
  hashed the same way (case and a leading ``@`` ignored) so posts by one account count as one reporter, and is
  never stored. A ``user``/``author`` object (X v1.1 JSON, Bluesky) gives its id (``id_str``, ``id``, ``did``) or
  else its handle; Reddit's ``[deleted]`` is no author.
- ``lat``/``lon`` must be numbers; empty cells are missing values.

One record never sinks the file. A row that cannot become a post, for any reason (invalid JSON, JSON nested too
deeply, a time out of range or implausible, an ambiguous ``03/04/2020`` without ``dayfirst``), is yielded as a
:class:`Rejected` with its line number, the reason and its raw text for quarantine, with every author field
(``author_id``, ``user_id``, ``username``, ``screen_name``, ``user``, ``author`` ...) replaced by its salted hash
(best effort for a line that is not valid JSON: the known keys' values). Bytes that are not UTF-8 are replaced by
U+FFFD and counted (``Post.extra["repaired"]``, ``Rejected.repaired``), a UTF-8 byte-order mark at the start of the
file is skipped, and a post's line number is kept in ``Post.extra["line"]``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import itertools
import json
import re
import sys
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO, Iterator

from outageradar.ingest.columns import FIELDS, Resolver, accepted, canonical, csv_delimiter, resolve
from outageradar.records import OutageradarError, Post, PostError, Rejected, author_hash, check_time, clean_text
from outageradar.ingest.timeparse import parse_time

FORMATS = ("jsonl", "csv")
PLATFORMS = frozenset({
    "x", "twitter", "reddit", "mastodon", "bluesky", "facebook", "threads", "youtube", "tiktok", "telegram",
    "discord", "tumblr", "weibo", "vk", "lemmy", "file", "simulated",
})
"""The ``source`` values read as a platform (any case; stored lower case). Instagram and LinkedIn are left out on
purpose: in X exports they are client apps ("posted via Instagram"), not where the post is."""

#: keys (normalised like column names) that hold who posted; their values never reach the quarantine table
AUTHOR_KEYS = frozenset(FIELDS["author_id"] + FIELDS["author"] + (
    "users", "author_did", "did", "in_reply_to_user_id", "in_reply_to_user_id_str", "in_reply_to_screen_name"))
_KEY_SEP = re.compile(r"[\s-]+")


class SourceFileError(OutageradarError, ValueError):
    """The file as a whole cannot be read (missing, unknown format, no text column, corrupt gzip)."""


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


def _check_path(path: Path) -> None:
    if not path.exists():
        raise SourceFileError(f"no such file: {path}")
    if path.is_dir():
        raise SourceFileError(f"{path} is a directory, not a file")


def open_text(path: Path) -> IO[str]:
    """The file as text (gzip undone), undecodable bytes replaced. The readers use :func:`open_binary` instead, which
    counts the replacements."""
    _check_path(path)
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def open_binary(path: Path) -> BinaryIO:
    _check_path(path)
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


class _Lines:
    """The lines of a binary file as text, like ``open(..., newline="")``: line ends kept, ``\r`` alone also ends a
    line, a leading UTF-8 BOM skipped. A line that is not valid UTF-8 is decoded with U+FFFD replacements, and
    ``repaired`` counts them; with ``keep`` set, ``taken`` holds the text read since :meth:`mark` (the CSV reader's
    raw text of a row it cannot split; off otherwise, so memory stays flat whatever the file's length)."""

    def __init__(self, fh: BinaryIO, name: str) -> None:
        self._fh, self._name = fh, name
        self.repaired = 0
        self.keep = False
        self.taken: list[str] = []

    def mark(self) -> None:
        self.taken = []

    def __iter__(self) -> Iterator[str]:
        first = True
        try:
            for b in self._fh:
                if first:
                    first = False
                    if b.startswith(codecs.BOM_UTF8):
                        b = b[len(codecs.BOM_UTF8):]
                try:
                    line = b.decode("utf-8")
                except UnicodeDecodeError:
                    line = b.decode("utf-8", "replace")
                    self.repaired += line.count("\ufffd") - b.count(b"\xef\xbf\xbd")  # U+FFFD already there
                parts = _LONE_CR.split(line) if "\r" in line[:-1] else (line,)
                for part in parts:
                    if part:
                        if self.keep:
                            self.taken.append(part)
                        yield part
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise SourceFileError(f"{self._name} is truncated or corrupt ({type(exc).__name__}: {exc}); "
                                  "the records before the damage were read") from None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _number(value: Any, name: str) -> float | None:
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise PostError(f"{name} is not a number: {str(value)[:40]!r}")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise PostError(f"{name} is not a number: {str(value)[:40]!r}") from None
    if x != x:  # NaN from a spreadsheet export means missing
        return None
    return x


def platform_of(value: Any, default_source: str) -> str:
    """The post's platform: ``value`` (lower case) when it is one of :data:`PLATFORMS`, else ``default_source``."""
    if isinstance(value, str) and value.strip().lower() in PLATFORMS:
        return value.strip().lower()
    return default_source


def post_from_record(rec: dict[str, Any], salt: str, default_source: str = "file",
                     cols: dict[str, Any] | None = None, dayfirst: bool | None = None,
                     now: datetime | None = None, line: int | None = None, repaired: int = 0) -> Post:
    """Build a Post from one record of a file (a JSON object or a CSV row; ``cols`` maps fields to its keys, see
    :func:`~outageradar.ingest.columns.resolve`). ``dayfirst``: how to read ``03/04/2020`` (None: it is rejected as
    ambiguous). A time outside 2006-01-01 .. ``now`` + 1 day is rejected. Raises PostError/ValueError."""
    rec = canonical(rec, cols)
    get = rec.get  # absent fields (most of them) are None and skip their parsing
    text = get("text")
    if text is not None and not isinstance(text, str):
        raise PostError(f"text is not a string but {type(text).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise PostError("empty text" if "text" in rec else f"no text field (accepted: {accepted('text')})")
    fixed = 0  # Post repairs the text itself (and counts it); the derived id below needs it repaired first
    created = parse_time(_clean(get("created_at")), dayfirst=dayfirst)
    check_time(created, now)
    value = get("source")
    source = default_source if value is None else platform_of(_clean(value), default_source)
    author = _author_of(get("author_hash"), get("author_id"), source, salt)
    value = get("source_id")
    sid = None if value is None else _clean(value)
    if sid is None:
        # An author known only by handle stays out of the derived id: ids are what they were before handles were
        # read, so a file ingested by an earlier version is still not ingested twice.
        text, fixed = clean_text(text)
        digest = hashlib.sha256(f"{created.isoformat()}\x00{text}\x00{author or ''}".encode()).hexdigest()
        sid = "h" + digest[:39]
    elif isinstance(sid, (dict, list, bool)):
        raise PostError("source_id is not a string or number")
    if author is None and get("author") is not None:
        author = _author_from_handle(rec["author"], source, salt)
    lat, lon = get("lat"), get("lon")
    if lat is not None:
        lat = _number(lat, "lat")
    if lon is not None:
        lon = _number(lon, "lon")
    extra: dict[str, Any] = {}
    if line is not None:
        extra["line"] = line
    if repaired + fixed:
        extra["repaired"] = repaired + fixed
    lang, location, place, url = get("lang"), get("user_location"), get("place"), get("url")
    return Post(
        source=source,
        source_id=str(sid),  # Post hashes an id longer than its column (never cuts it)
        created_at=created,
        text=text,
        lang=None if lang is None else _str(lang),
        author_hash=author,
        user_location=None if location is None else _str(location),
        lat=lat,
        lon=lon,
        place=None if place is None else _str(place),
        url=None if url is None else _str(url),
        extra=extra,
    )


_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def _author_of(given_hash: Any, author_id: Any, source: str, salt: str) -> str | None:
    """The author's salted hash from a record's ``author_hash`` (checked) or, failing that, its ``author_id``."""
    author = None if given_hash is None else _clean(given_hash)
    if author is not None and not (isinstance(author, str) and _HEX64.fullmatch(author)):
        raise PostError("author_hash is not a SHA-256 hex digest")
    author_id = None if author_id is None else _clean(author_id)
    if author is None and author_id is not None:
        if isinstance(author_id, (dict, list)):
            raise PostError("author_id is not a string or number")
        author = author_hash(source, str(author_id), salt)
    return author


_NO_AUTHOR = {"[deleted]", "[removed]", "deleted", "anonymous", "none", "null", "nan"}


def _author_from_handle(value: Any, source: str, salt: str) -> str | None:
    """The salted hash of an author given as a handle ("@Juniper_Jaguars", any case) or as a user object."""
    if isinstance(value, dict):
        for key in ("id_str", "id", "did"):
            if _clean(value.get(key)) is not None and not isinstance(value[key], (dict, list)):
                return author_hash(source, str(_clean(value[key])), salt)
        value = next((value[k] for k in ("screen_name", "username", "handle") if _clean(value.get(k)) is not None), None)
    value = _clean(value)
    if value is None or isinstance(value, (list, dict, bool)):
        return None
    handle = str(value).strip().lstrip("@").lower()
    if not handle or handle in _NO_AUTHOR:
        return None
    return author_hash(source, "@" + handle, salt)


def _str(value: Any) -> str | None:
    """An optional string field (Post cuts it to its column's width)."""
    value = _clean(value)
    if isinstance(value, (dict, list)):
        return None
    return None if value is None else str(value)


# ------------------------------------------------------------------ author ids out of quarantined raw records
def _is_author_key(key: Any) -> bool:
    return isinstance(key, str) and _KEY_SEP.sub("_", key.strip().lstrip("\ufeff").lower()) in AUTHOR_KEYS


def _hashed(value: Any, source: str, salt: str) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, dict):
        return _author_from_handle(value, source, salt) or "[author removed]"
    if isinstance(value, list):
        return [_hashed(v, source, salt) for v in value]
    return author_hash(source, str(value), salt)


def scrub_record(rec: Any, source: str, salt: str) -> Any:
    """``rec`` (a parsed JSON value, changed in place) with the value of every author key, at any depth, replaced by
    its salted hash. Iterative, so any depth the JSON parser accepted is fine."""
    stack = [rec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if _is_author_key(k):
                    node[k] = _hashed(v, source, salt)
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return rec


_JSON_STR = r'"(?:[^"\\]|\\.)*"'
_AUTHOR_OBJECT = re.compile(r'("(?:user|author|users)"\s*:\s*)(\{[^{}]*\}|\[[^\[\]]*\])', re.I)
_AUTHOR_VALUE = re.compile(r'("(?:' + "|".join(re.escape(k) for k in sorted(AUTHOR_KEYS, key=len, reverse=True))
                           + r')"\s*:\s*)(' + _JSON_STR + r'|-?\d+(?:\.\d+)?)', re.I)


def scrub_text(raw: str, source: str, salt: str) -> str:
    """Best effort for a line that is not valid JSON: the values of author keys (and whole ``user``/``author``
    objects) replaced by a salted hash of their text."""
    raw = _AUTHOR_OBJECT.sub(lambda m: m.group(1) + json.dumps(author_hash(source, m.group(2), salt)), raw)
    return _AUTHOR_VALUE.sub(lambda m: m.group(1) + json.dumps(author_hash(source, m.group(2).strip('"'), salt)), raw)


def _raw_json(rec: Any, raw: str, source: str, salt: str) -> str:
    try:
        return json.dumps(scrub_record(rec, source, salt), ensure_ascii=False)
    except (RecursionError, ValueError, TypeError):
        return scrub_text(raw, source, salt)


def _author_columns(header: list[str]) -> set[int]:
    cols = resolve(header)
    names = {cols[f] for f in ("author_id", "author") if f in cols}
    return {i for i, h in enumerate(header) if h in names or _is_author_key(h)}


def _raw_csv(row: list[str], delimiter: str, author_cols: set[int] = frozenset(), source: str = "",
             salt: str = "") -> str:
    if author_cols:
        row = [author_hash(source, c, salt) if i in author_cols and c.strip() else c for i, c in enumerate(row)]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerow(row)
    return buf.getvalue().rstrip("\r\n")


# ------------------------------------------------------------------ reading
def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file (``.gz`` or not), split with the delimiter that gives a text column; raises
    :class:`SourceFileError` when the file is missing or no delimiter gives one. An empty file has no columns."""
    with open_binary(path) as fh:
        first = next(iter(_Lines(fh, path.name)), "")
    if not first.strip():
        return []
    preferred = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
    delimiter = csv_delimiter(first, preferred)
    if delimiter is None:
        header = next(csv.reader([first], delimiter=preferred), [])
        raise SourceFileError(f"{path.name} has no 'text' column (columns: {', '.join(header)[:200]}; "
                              f"accepted: {accepted('text')})")
    return [h.strip().lstrip("\ufeff") for h in next(csv.reader([first], delimiter=delimiter))]


Record = tuple[int, str, "dict[str, Any] | None", "str | None", int]
"""(line number, raw text, record or None, parse error or None, characters repaired): one row of a file."""

UNPARSED = "not parsed yet"
"""The error slot of a JSONL line read with ``parse=False``: :func:`parsed` parses it."""


def read_records(path: Path, fmt: str | None = None, salt: str = "", default_source: str = "file",
                 parse: bool = True) -> Iterator[Record]:
    """Yield (line number, raw text, record or None, parse error or None, characters repaired) for every row of the
    file. The raw text of a row that failed has its author fields replaced by salted hashes (see
    :func:`scrub_record`); the caller scrubs the raw text of a record it rejects itself with :func:`scrub_raw`.

    ``parse=False`` leaves JSONL lines unparsed (error :data:`UNPARSED`), so the parsing can be done elsewhere (in a
    worker process) by :func:`parsed`; CSV rows are always split here (a quoted field may span lines)."""
    fmt = detect_format(path, fmt)
    with open_binary(path) as fh:
        lines = _Lines(fh, path.name)
        if fmt == "jsonl":
            for record in _jsonl_lines(lines):
                yield parsed(record, salt, default_source) if parse else record
        else:
            preferred = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
            yield from _csv_records(lines, path.name, preferred, salt, default_source)


def parsed(record: Record, salt: str = "", default_source: str = "file") -> Record:
    """A record read with ``parse=False``, parsed as :func:`read_records` would have (``salt`` and
    ``default_source`` as given to it); any other record unchanged."""
    n, raw, _, error, repaired = record
    return _json_record(n, raw, repaired, salt, default_source) if error == UNPARSED else record


def _jsonl_lines(lines: _Lines) -> Iterator[Record]:
    n = counted = 0
    for line in lines:
        n += 1
        repaired, counted = lines.repaired - counted, lines.repaired
        raw = line.rstrip("\r\n")
        if raw.strip():
            yield n, raw, None, UNPARSED, repaired


def _json_record(n: int, raw: str, repaired: int, salt: str, source: str) -> Record:
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        return n, scrub_text(raw, source, salt), None, f"invalid JSON: {exc.msg} at column {exc.colno}", repaired
    except RecursionError:
        return n, scrub_text(raw, source, salt), None, "invalid JSON: nested too deeply", repaired
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        return n, scrub_text(raw, source, salt), None, f"invalid JSON: {exc}"[:200], repaired
    if not isinstance(rec, dict):
        return n, _raw_json(rec, raw, source, salt), None, "a JSON line must be an object", repaired
    return n, raw, rec, None, repaired


def _csv_records(lines: _Lines, name: str, preferred: str, salt: str, source: str) -> Iterator[Record]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    lines.keep = True
    it = iter(lines)
    first = next(it, "")
    if not first.strip():
        return
    delimiter = csv_delimiter(first, preferred)
    if delimiter is None:
        header = next(csv.reader([first], delimiter=preferred), [])
        raise SourceFileError(f"{name} has no 'text' column (columns: {', '.join(header)[:200]}; "
                              f"accepted: {accepted('text')})")
    reader = csv.reader(itertools.chain([first], it), delimiter=delimiter)
    header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    authors = _author_columns(header)
    while True:
        lines.mark()
        before = lines.repaired
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raw = "".join(lines.taken).rstrip("\r\n")
            yield reader.line_num, scrub_text(raw, source, salt), None, f"unreadable CSV row: {exc}", \
                lines.repaired - before
            continue
        if not row:  # a blank line is no record (as in JSONL)
            continue
        n = reader.line_num
        raw = _raw_csv(row, delimiter, authors, source, salt)
        if len(row) != len(header):
            yield n, raw, None, f"expected {len(header)} fields, found {len(row)}", lines.repaired - before
            continue
        yield n, raw, dict(zip(header, row)), None, lines.repaired - before


def scrub_raw(raw: str, rec: dict[str, Any] | None, fmt: str, source: str, salt: str) -> str:
    """The raw text of a record as quarantine keeps it: author fields replaced by salted hashes."""
    if fmt == "jsonl" and rec is not None:
        return _raw_json(rec, raw, source, salt)
    return raw  # CSV rows come from read_records already scrubbed


def read_posts(path: Path, salt: str, fmt: str | None = None, default_source: str = "file",
               dayfirst: bool | None = None, now: datetime | None = None) -> Iterator[Post | Rejected]:
    """Every row of the file as a Post, or as a Rejected record saying why not (never an exception for one row).
    ``dayfirst``: see :func:`~outageradar.ingest.timeparse.parse_time`; ``now``: the clock for the future-time check."""
    fmt = detect_format(path, fmt)
    now = now or datetime.now(timezone.utc)
    columns = Resolver()
    for n, raw, rec, error, repaired in read_records(path, fmt, salt, default_source):
        if rec is None:
            yield Rejected(raw, error or "unreadable", n, repaired)
            continue
        try:
            yield post_from_record(rec, salt, default_source, columns(rec), dayfirst=dayfirst, now=now, line=n,
                                   repaired=repaired)
        except (PostError, ValueError) as exc:
            yield Rejected(scrub_raw(raw, rec, fmt, default_source, salt), str(exc) or type(exc).__name__, n, repaired)
        except Exception as exc:  # noqa: BLE001 - one record must never sink the file
            yield Rejected(scrub_raw(raw, rec, fmt, default_source, salt), f"{type(exc).__name__}: {exc}"[:300], n,
                           repaired)
