"""``classify file``: classify every row of a CSV or JSONL file and write it back with the verdict added.

Input needs a ``text`` column; ``user_location``, ``lat``, ``lon``, ``place`` are used when present and every other
column is passed through unchanged. Output columns added: ``outage`` (0/1), ``outage_score``, ``service``,
``country``, ``admin1``, ``city``, ``problem``. The output format follows the output file's name (.csv or .jsonl).
Rows are streamed in chunks, so files larger than memory work.
"""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from outageradar.classify.tagger import Row, Tagger

ADDED = ("outage", "outage_score", "service", "country", "admin1", "city", "problem")
CHUNK = 5000


class BatchFileError(ValueError):
    """The input or output file cannot be used."""


@dataclass
class BatchSummary:
    rows: int
    outages: int
    seconds: float

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


def _coords(rec: dict[str, Any]) -> tuple[float | None, float | None]:
    """The row's coordinates, or (None, None) when either is missing or out of range (ignored, not fatal)."""
    lat, lon = _float(rec.get("lat")), _float(rec.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _read(path: Path, fmt: str) -> tuple[list[str], Iterator[dict[str, Any]]]:
    if not path.is_file():
        raise BatchFileError(f"no such file: {path}")
    fh = open(path, encoding="utf-8", errors="replace", newline="")
    if fmt == "csv":
        reader = csv.DictReader(fh, delimiter="\t" if path.name.lower().endswith(".tsv") else ",")
        header = [h.lstrip("\ufeff") for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        if "text" not in header:
            fh.close()
            raise BatchFileError(f"{path.name} has no 'text' column (columns: {', '.join(header)[:200]})")

        def rows() -> Iterator[dict[str, Any]]:
            with fh:
                yield from reader

        return header, rows()

    def jrows() -> Iterator[dict[str, Any]]:
        with fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BatchFileError(f"{path.name} line {n}: invalid JSON ({exc.msg})") from None
                if not isinstance(rec, dict):
                    raise BatchFileError(f"{path.name} line {n}: not a JSON object")
                if "text" not in rec:
                    raise BatchFileError(f"{path.name} line {n}: no 'text' field")
                yield rec

    return [], jrows()


def classify_file(input_path: Path, output_path: Path, fmt: str | None = None, tagger: Tagger | None = None,
                  on_batch: Callable[[int], None] | None = None) -> BatchSummary:
    in_fmt = _fmt(input_path, fmt)
    out_fmt = _fmt(output_path, None) if output_path.suffix else in_fmt
    header, rows = _read(input_path, in_fmt)
    tagger = tagger or Tagger()
    _ = tagger.catalog, tagger.relevance, tagger.regions  # load the models first: the rate is of classifying
    start = time.perf_counter()
    n = outages = 0
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with open(output_path, "w", encoding="utf-8", newline="") as fh:
        writer = None
        chunk: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal writer, n, outages
            labels = tagger.classify_rows([
                Row(str(r.get("text") or ""), _str(r.get("user_location")), *_coords(r), _str(r.get("place")))
                for r in chunk
            ])
            for rec, lab in zip(chunk, labels):
                rec = dict(rec)
                rec.update(outage=int(lab.outage), outage_score=lab.outage_score, service=lab.service,
                           country=lab.country, admin1=lab.admin1, city=lab.city, problem=lab.problem)
                outages += int(lab.outage)
                if out_fmt == "jsonl":
                    fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
                else:
                    if writer is None:
                        cols = header or [k for k in rec if k not in ADDED]
                        writer = csv.DictWriter(fh, fieldnames=cols + [c for c in ADDED if c not in cols],
                                                extrasaction="ignore")
                        writer.writeheader()
                    writer.writerow({k: ("" if v is None else v) for k, v in rec.items()})
            n += len(chunk)
            chunk.clear()
            if on_batch:
                on_batch(n)

        for rec in rows:
            chunk.append(rec)
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
        if writer is None and out_fmt == "csv":
            csv.writer(fh).writerow((header or ["text"]) + [c for c in ADDED if c not in header])
    return BatchSummary(n, outages, time.perf_counter() - start)
