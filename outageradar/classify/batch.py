"""``classify file``: classify every row of a CSV or JSONL file and write it back with the verdict added.

Input needs a ``text`` column; ``user_location``, ``lat``, ``lon``, ``place`` are used when present and every other
column is passed through unchanged. Column names are read as ``ingest file`` reads them
(:mod:`outageradar.ingest.columns`): case-insensitively, with common exports' names accepted when the canonical one is
absent (``full_text``/``tweet``/``content``/``body``/``message`` for the text, ``location`` for the profile location,
``latitude``/``longitude``/``lng``, ``place_name``), and a CSV whose header has no text column with commas is tried
with tab, semicolon and pipe delimiters (spreadsheet exports).

Output columns added: ``outage`` (0/1), ``outage_score``, ``service``, ``country``, ``admin1``, ``city``,
``problem``; an input column of the same name is replaced. The output format follows the output file's name (.csv or
.jsonl). Rows are streamed in chunks, so files larger than memory work.

CSV output is safe to open in a spreadsheet: a cell that would run as a formula (its value starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (:func:`neutralise_cell`), header included; plain
numbers such as ``-33.86`` are left as they are (a number is no formula). JSONL output is written unchanged. Texts are
tagged on their first 10,000 characters (:data:`outageradar.classify.tagger.MAX_TAGGED_CHARS`) and passed through
whole.

A JSONL line that is not a JSON object, or has no text field, is not classified: it goes, with its line number and
the reason, to ``<output>.rejected.jsonl`` beside the output, and the summary counts it. A missing input, an unknown
format or a CSV without a text column is an error (:class:`BatchFileError`).
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from outageradar.classify.tagger import Row, Tagger
from outageradar.errors import OutageradarError
from outageradar.ingest.columns import Resolver, accepted, canonical, csv_delimiter

ADDED = ("outage", "outage_score", "service", "country", "admin1", "city", "problem")
CHUNK = 5000


class BatchFileError(OutageradarError, ValueError):
    """The input or output file cannot be used."""


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


def _fmt(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "jsonl"):
            raise BatchFileError(f"unknown format {fmt!r}: use csv or jsonl")
        return fmt
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise BatchFileError(f"cannot tell the format of {path.name}: name it .csv or .jsonl, or pass --format")


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


def _csv_reader(fh: Any, path: Path) -> csv.DictReader:
    """A DictReader whose header has a text column, with the delimiter that gives one (see ``ingest.columns``)."""
    preferred = "\t" if path.name.lower().endswith(".tsv") else ","
    first = fh.readline()
    delimiter = csv_delimiter(first, preferred)
    fh.seek(0)
    if delimiter is None:
        header = next(csv.reader([first], delimiter=preferred), [])
        fh.close()
        raise BatchFileError(f"{path.name} has no 'text' column (columns: {', '.join(header)[:200]}; "
                             f"accepted: {accepted('text')})")
    reader = csv.DictReader(fh, delimiter=delimiter)
    reader.fieldnames = [h.lstrip("\ufeff") for h in (reader.fieldnames or [])]
    return reader


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's CSV-injection list)."""
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula (``=HYPERLINK(...)``,
    ``+1+cmd``, ``@SUM(...)``); plain numbers and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


Rejected = tuple[int, str, str]  # (line number, reason, raw line)


def _read(path: Path, fmt: str, rejected: list[Rejected]
          ) -> tuple[list[str], Iterator[tuple[dict[str, Any], dict[str, Any]]]]:
    """The header (CSV) and the records, each with its post fields under canonical names (``ingest.columns``)."""
    if not path.is_file():
        raise BatchFileError(f"no such file: {path}")
    columns = Resolver()
    fh = open(path, encoding="utf-8", errors="replace", newline="")
    if fmt == "csv":
        reader = _csv_reader(fh, path)

        def rows() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
            cols = columns(dict.fromkeys(reader.fieldnames or []))
            with fh:
                for rec in reader:
                    yield rec, canonical(rec, cols)

        return list(reader.fieldnames or []), rows()

    def jrows() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        with fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    rejected.append((n, f"invalid JSON ({exc.msg})", line.rstrip("\r\n")))
                    continue
                if not isinstance(rec, dict):
                    rejected.append((n, "not a JSON object", line.rstrip("\r\n")))
                    continue
                fields = canonical(rec, columns(rec))
                if "text" not in fields:
                    rejected.append((n, "no text field", line.rstrip("\r\n")))
                    continue
                yield rec, fields

    return [], jrows()


def rejected_path_for(output_path: Path) -> Path:
    """Where the rejected lines of a run writing ``output_path`` go: ``<output>.rejected.jsonl``."""
    return output_path.with_name(output_path.name + ".rejected.jsonl")


def classify_file(input_path: Path, output_path: Path, fmt: str | None = None, tagger: Tagger | None = None,
                  on_batch: Callable[[int], None] | None = None) -> BatchSummary:
    in_fmt = _fmt(input_path, fmt)
    out_fmt = _fmt(output_path, None) if output_path.suffix else in_fmt
    rejected: list[Rejected] = []
    header, rows = _read(input_path, in_fmt, rejected)
    tagger = tagger or Tagger()
    _ = tagger.catalog, tagger.relevance, tagger.regions  # load the models first: the rate is of classifying
    start = time.perf_counter()
    n = outages = 0
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with open(output_path, "w", encoding="utf-8", newline="") as fh:
        writer = None
        chunk: list[tuple[dict[str, Any], dict[str, Any]]] = []

        def flush() -> None:
            nonlocal writer, n, outages
            labels = tagger.classify_rows([
                Row("" if f.get("text") is None else str(f["text"]), _str(f.get("user_location")),
                    *_coords(f.get("lat"), f.get("lon")), _str(f.get("place")))
                for _, f in chunk
            ])
            for (rec, _), lab in zip(chunk, labels):
                rec = dict(rec)
                rec.update(outage=int(lab.outage), outage_score=lab.outage_score, service=lab.service,
                           country=lab.country, admin1=lab.admin1, city=lab.city, problem=lab.problem)
                outages += int(lab.outage)
                if out_fmt == "jsonl":
                    fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
                else:
                    if writer is None:
                        cols = header or [k for k in rec if k not in ADDED]
                        fields = cols + [c for c in ADDED if c not in cols]
                        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
                        writer.writerow({f: neutralise_cell(f) for f in fields})  # the header, neutralised too
                    writer.writerow({k: ("" if v is None else neutralise_cell(v)) for k, v in rec.items()})
            n += len(chunk)
            chunk.clear()
            if on_batch:
                on_batch(n)

        for item in rows:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
        if writer is None and out_fmt == "csv":
            csv.writer(fh).writerow([neutralise_cell(c) for c in (header or ["text"]) + [c for c in ADDED if c not in header]])
    bad_path = rejected_path_for(output_path)
    if rejected:
        with open(bad_path, "w", encoding="utf-8") as bad:
            for line_no, reason, raw in rejected:
                bad.write(json.dumps({"line": line_no, "reason": reason, "raw": raw}, ensure_ascii=False) + "\n")
    elif bad_path.exists():
        bad_path.unlink()  # left by an earlier run of the same output
    return BatchSummary(n, outages, time.perf_counter() - start, len(rejected), bad_path if rejected else None)
