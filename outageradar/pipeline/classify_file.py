"""``classify file``: classify every row of a CSV or JSONL file and write it back with the verdict added.

The file is read by the one file reader, :func:`outageradar.ingest.filesource.read_records`, so ``classify file``
accepts exactly the files ``ingest file`` accepts: JSONL or CSV, ``.gz`` or not, a UTF-8 byte-order mark, invalid
UTF-8 (replaced), a CSV delimiter other than the comma, and the column names of common exports
(:mod:`outageradar.ingest.columns`: ``full_text``/``tweet``/``content``/``body``/``message`` for the text,
``location`` for the profile location, ``latitude``/``longitude``/``lng``, ``place_name``), matched
case-insensitively. Input needs a text column; ``user_location``, ``lat``, ``lon``, ``place`` are used when present
and every other column is passed through unchanged. Unlike ``ingest file``, a row needs no id and no time.

Output columns added: ``outage`` (0/1), ``outage_score``, ``service``, ``country``, ``admin1``, ``city``,
``problem``; an input column of the same name is replaced. The output format follows the output file's name (.csv or
.jsonl). Rows are streamed in chunks of :data:`CHUNK`, so files larger than memory work. With ``workers`` > 1 a
chunk's lines go to a worker process as read (a JSONL line unparsed), and the worker parses, classifies and serialises
them (:func:`_classify_chunk`), so only text crosses between processes and this process only reads and writes; the
output is written in input order, byte for byte what one process writes.

CSV output is safe to open in a spreadsheet: a cell that would run as a formula (its value starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (:func:`neutralise_cell`), header included; plain
numbers such as ``-33.86`` are left as they are (a number is no formula). JSONL output is written unchanged. Texts are
tagged on their first 10,000 characters (:data:`outageradar.classify.tagger.MAX_TAGGED_CHARS`) and passed through
whole.

A row the reader rejects (a JSONL line that is not a JSON object, a CSV row with the wrong number of fields) or that
has no text is not classified: it goes, as a :class:`~outageradar.records.Rejected` record (line number, reason, raw
line), to ``<output>.rejected.jsonl`` beside the output, and the summary counts it. A missing input, an unknown
format or a CSV without a text column is an error (:class:`~outageradar.ingest.filesource.SourceFileError`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from outageradar.classify.tagger import Row, Tagger
from outageradar.ingest.columns import Resolver, canonical
from outageradar.ingest.filesource import Record, SourceFileError, csv_header, detect_format, parsed, read_records
from outageradar.pipeline.classifying import classify_rows_isolated, processed, warm
from outageradar.records import Rejected

ADDED = ("outage", "outage_score", "service", "country", "admin1", "city", "problem")
CHUNK = 5000

BatchFileError = SourceFileError
"""The input or output file cannot be used (the one file error of both file commands)."""


@dataclass
class BatchSummary:
    rows: int
    outages: int
    seconds: float
    rejected: int = 0
    rejected_path: Path | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def _out_fmt(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise BatchFileError(f"cannot tell the output format of {path.name}: name it .csv or .jsonl")


def _float(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _coords(lat_v: Any, lon_v: Any) -> tuple[float | None, float | None]:
    """The row's coordinates, or (None, None) when either is missing or out of range (ignored, not fatal)."""
    lat, lon = _float(lat_v), _float(lon_v)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's CSV-injection list)."""
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula (``=HYPERLINK(...)``,
    ``+1+cmd``, ``@SUM(...)``); plain numbers and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


Item = tuple[int, dict[str, Any], dict[str, Any]]  # (line, the record as read, its post fields)


def _items(records: Iterable[Record], rejected: list[Rejected]) -> Iterator[Item]:
    """Each readable record (read with ``parse=False``: parsed here) with its line and its post fields under
    canonical names; the others appended to ``rejected``."""
    columns = Resolver()
    for n, raw, rec, error, repaired in map(parsed, records):
        if rec is None:
            rejected.append(Rejected(raw, error or "unreadable", n, repaired))
            continue
        fields = canonical(rec, columns(rec))
        if "text" not in fields:
            rejected.append(Rejected(raw, "no text field", n, repaired))
            continue
        yield n, rec, fields


def rejected_path_for(output_path: Path) -> Path:
    """Where the rejected lines of a run writing ``output_path`` go: ``<output>.rejected.jsonl``."""
    return output_path.with_name(output_path.name + ".rejected.jsonl")


def output_columns(header: list[str], first: dict[str, Any] | None = None) -> list[str]:
    """The CSV output's columns: the input's (its header, or the first record's keys) and the added ones."""
    cols = header or ([k for k in first if k not in ADDED] if first is not None else ["text"])
    return cols + [c for c in ADDED if c not in cols]


def csv_rows(records: Iterable[dict[str, Any]], columns: list[str]) -> str:
    """The records as CSV lines under ``columns`` (no header): cells neutralised, missing ones empty."""
    buf = io.StringIO()
    out = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    for rec in records:
        out.writerow({k: ("" if v is None else neutralise_cell(v)) for k, v in rec.items()})
    return buf.getvalue()


_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode
"""``json.dumps(rec, ensure_ascii=False, default=str)`` with one encoder, not a new one per record."""


def jsonl_rows(records: Iterable[dict[str, Any]]) -> str:
    return "".join([_ENCODE(rec) + "\n" for rec in records])


class _Writer:
    """Writes the chunks to the output: as the text the worker made of them (JSONL, or CSV whose columns were known
    before the first record), or, for CSV whose columns the first record gives (JSONL input), as records, serialised
    here under the columns of the first one (the header, neutralised like every cell)."""

    def __init__(self, fh: Any, fmt: str, columns: list[str] | None):
        self.fh, self.fmt, self.columns = fh, fmt, columns
        if fmt == "csv" and columns is not None:
            self._header()

    def _header(self) -> None:
        csv.writer(self.fh).writerow([neutralise_cell(c) for c in self.columns])  # the header, neutralised too

    def write(self, chunk: str | list[dict[str, Any]]) -> None:
        if isinstance(chunk, list):  # CSV records (see _classify_chunk)
            if not chunk:
                return
            if self.columns is None:
                self.columns = output_columns([], chunk[0])
                self._header()
            chunk = csv_rows(chunk, self.columns)
        self.fh.write(chunk)

    def close(self) -> None:
        if self.columns is None and self.fmt == "csv":  # no rows: the header alone
            self.columns = output_columns([])
            self._header()


@dataclass(frozen=True)
class _Plan:
    """How a worker turns a chunk of raw records into output: the output format, and the CSV columns when they
    are known before the first record (CSV input)."""

    out_fmt: str
    columns: list[str] | None


@dataclass
class _Done:
    out: str | list[dict[str, Any]]
    rows: int
    outages: int
    rejected: list[Rejected]


def _classify_chunk(tagger: Any, job: tuple[list[Record], _Plan]) -> _Done:
    """One chunk, read to written: parse, classify, serialise (run in a worker process with ``workers`` > 1, so only
    raw lines go there and only text comes back)."""
    records, plan = job
    rejected: list[Rejected] = []
    items = list(_items(records, rejected))
    recs = list(_classified(items, classify_rows_isolated(tagger, [Row(*r) for r in _rows(items)]), rejected))
    outages = sum(r["outage"] for r in recs)
    if plan.out_fmt == "jsonl":
        out: str | list[dict[str, Any]] = jsonl_rows(recs)
    elif plan.columns is not None:
        out = csv_rows(recs, plan.columns)
    else:
        out = recs
    return _Done(out, len(recs), outages, rejected)


def _rows(chunk: list[Item]) -> list[tuple]:
    """What the tagger reads of each record: (text, user_location, lat, lon, place)."""
    return [("" if f["text"] is None else str(f["text"]), _str(f.get("user_location")),
             *_coords(f.get("lat"), f.get("lon")), _str(f.get("place"))) for _, _, f in chunk]


def _classified(chunk: list[Item], labels: list, rejected: list[Rejected]) -> Iterator[dict[str, Any]]:
    """The chunk's records with the classification added; a record the tagger failed on goes to ``rejected``."""
    for (line, rec, _), lab in zip(chunk, labels):
        if isinstance(lab, str):
            rejected.append(Rejected(_ENCODE(rec), lab, line))
            continue
        rec = dict(rec)
        rec.update(outage=int(lab.outage), outage_score=lab.outage_score, service=lab.service, country=lab.country,
                   admin1=lab.admin1, city=lab.city, problem=lab.problem)
        yield rec


def _write_rejected(path: Path, rejected: list[Rejected]) -> None:
    if rejected:
        with open(path, "w", encoding="utf-8") as bad:
            for r in rejected:
                bad.write(json.dumps({"line": r.line, "reason": r.reason, "raw": r.raw}, ensure_ascii=False) + "\n")
    elif path.exists():
        path.unlink()  # left by an earlier run of the same output


def _chunks(rows: Iterable[Record]) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def classify_file(input_path: Path, output_path: Path, fmt: str | None = None, tagger: Tagger | None = None,
                  on_batch: Callable[[int], None] | None = None, workers: int = 1) -> BatchSummary:
    """Classify every row of ``input_path`` into ``output_path`` (see the module docstring); with ``workers`` > 1
    the chunks are classified in that many processes while this one reads and writes, in input order."""
    in_fmt = detect_format(input_path, fmt)
    out_fmt = _out_fmt(output_path) if output_path.suffix else in_fmt
    header = csv_header(input_path) if in_fmt == "csv" else []  # also checks the file is there, with a text column
    plan = _Plan(out_fmt, output_columns(header) if out_fmt == "csv" and header else None)
    rejected: list[Rejected] = []
    tagger = tagger or Tagger()
    warm(tagger)
    start = time.perf_counter()
    n = outages = 0
    output_path.parent.mkdir(parents=True, exist_ok=True)
    jobs = ((chunk, plan) for chunk in _chunks(read_records(input_path, in_fmt, parse=False)))
    with open(output_path, "w", encoding="utf-8", newline="") as fh:
        writer = _Writer(fh, out_fmt, plan.columns)
        for done in processed(jobs, _classify_chunk, tagger, workers):
            writer.write(done.out)
            rejected.extend(done.rejected)
            n += done.rows
            outages += done.outages
            if on_batch:
                on_batch(n)
        writer.close()
    bad_path = rejected_path_for(output_path)
    _write_rejected(bad_path, rejected)
    return BatchSummary(n, outages, time.perf_counter() - start, len(rejected), bad_path if rejected else None)
