"""Loading a stream of posts (``ingest file``): classify each batch and store it in one transaction.

:func:`load` cuts the stream into batches of ``batch_size`` records and runs the pipeline's step
(:mod:`outageradar.pipeline.core`) on each: a batch is committed whole or not at all, so a run killed half way leaves
only whole batches behind and the re-run skips them (unique (source, source_id)).

With ``workers`` > 1 the batches are classified in that many worker processes while this process reads the file and
writes the store, in input order (the store sees exactly the batches it would see with one process, so the
kill-and-rerun guarantees are the same). The workers are forked after the models are loaded, so they start at once and
share the models' memory; at most ``workers + 2`` batches are in flight, so memory stays flat whatever the file size.
A file of one batch is classified in this process.

This process writes the batches between reads. A writer thread beside the reader (the drivers release the GIL while
the database works) gained nothing measurable on 200,000 posts with 2 workers: on SQLite a median of 12.0 s with it
against 11.7 s without (5 runs each), on PostgreSQL 13.7-15.5 s against 12.9-14.0 s (3 each). It was removed: with
the workers classifying, the two cores are already busy.

Accounting: every record read is exactly one of new, already stored (same id, same text) or quarantined (rejected by
the reader, implausible, a conflict: same id with another text, or refused by the database), so
``read == new + duplicates + rejected`` in :class:`LoadSummary` always.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy.orm import Session, sessionmaker

from outageradar.pipeline.classifying import labelled
from outageradar.pipeline.core import plausible, split_labels
from outageradar.records import Classification, Post, Rejected
from outageradar.store.page import write_page

DEFAULT_BATCH = 2000


@dataclass
class LoadSummary:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0  # every record quarantined this run (by the reader or the store)
    quarantined_new: int = 0  # of them, rows the quarantine table did not hold yet
    repaired: int = 0  # records whose text had characters replaced (invalid UTF-8, NUL, lone surrogates)
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def count_reason(self, reason: str) -> None:
        key = reason.split(":")[0][:60]
        self.reasons[key] = self.reasons.get(key, 0) + 1


@dataclass
class _Batch:
    posts: list[Post]  # plausible posts, to classify
    refused: list[tuple[Post, str]]
    rejected: list[Rejected]


def _batches(items: Iterable[Post | Rejected], batch_size: int, summary: LoadSummary,
             now: datetime) -> Iterator[_Batch]:
    posts: list[Post] = []
    rejected: list[Rejected] = []
    for item in items:
        summary.read += 1
        if isinstance(item, Rejected):
            summary.rejected += 1
            summary.repaired += bool(item.repaired)
            summary.count_reason(item.reason)
            rejected.append(item)
        else:
            summary.repaired += bool(item.extra.get("repaired"))
            posts.append(item)
        if len(posts) + len(rejected) >= batch_size:
            refused: list[tuple[Post, str]] = []
            yield _Batch(plausible(posts, now, refused), refused, rejected)
            posts, rejected = [], []
    if posts or rejected:
        refused = []
        yield _Batch(plausible(posts, now, refused), refused, rejected)


def post_rows(posts: list[Post]) -> list[tuple]:
    """What the tagger reads of each post, as plain tuples (cheap to send to a worker)."""
    return [(p.text, p.user_location, p.lat, p.lon, p.place) for p in posts]


def load(
    factory: sessionmaker[Session],
    items: Iterable[Post | Rejected],
    tagger: Any,
    quarantine_source: str,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[LoadSummary], None] | None = None,
    workers: int = 1,
    now: datetime | None = None,
) -> LoadSummary:
    """Classify and store every Post in ``items``; quarantine every Rejected under ``quarantine_source``."""
    summary = LoadSummary()
    start = time.perf_counter()
    batches = _batches(items, batch_size, summary, now or datetime.now(timezone.utc))
    bind = factory.kw.get("bind")
    if workers > 1 and bind is not None:
        bind.dispose()  # forked workers must not inherit a pooled connection (a killed run would keep it open)

    def write(job: tuple[_Batch, list[Classification | str]]) -> None:
        batch, labels = job
        refused = batch.refused
        kept, good = split_labels(batch.posts, labels, refused)
        result = write_page(factory, kept, good, refused, batch.rejected, quarantine_source=quarantine_source)
        summary.new += result.new
        summary.duplicates += result.duplicates
        summary.quarantined_new += result.quarantined_new
        summary.rejected += len(result.refused)
        for reason in result.refused:
            summary.count_reason(reason)
        if on_batch:
            on_batch(summary)

    for job in labelled(batches, lambda b: post_rows(b.posts), tagger, workers):
        write(job)
    summary.seconds = time.perf_counter() - start
    return summary
