"""Loading posts into the store: classify each batch and write it in one transaction.

A batch is committed whole or not at all, so a run killed half way leaves only whole batches behind, and the
unique (source, source_id) constraint makes the re-run skip them: the store ends with exactly the input's posts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy.orm import Session, sessionmaker

from outageradar.ingest.filesource import Rejected
from outageradar.ingest.post import Post
from outageradar.store.writer import quarantine, store_posts

DEFAULT_BATCH = 2000


@dataclass
class LoadSummary:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    quarantined_new: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


def load(
    factory: sessionmaker[Session],
    items: Iterable[Post | Rejected],
    tagger,
    quarantine_source: str,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[LoadSummary], None] | None = None,
) -> LoadSummary:
    """Classify and store every Post in ``items``; quarantine every Rejected under ``quarantine_source``."""
    summary = LoadSummary()
    start = time.perf_counter()
    posts: list[Post] = []
    rejected: list[Rejected] = []

    def flush() -> None:
        result = store_page(factory, posts, tagger, rejected=[(r.raw, f"line {r.line}: {r.reason}") for r in rejected],
                            quarantine_source=quarantine_source)
        summary.new += result.new
        summary.duplicates += result.duplicates
        summary.quarantined_new += result.quarantined_new
        posts.clear()
        rejected.clear()
        if on_batch:
            on_batch(summary)

    for item in items:
        summary.read += 1
        if isinstance(item, Rejected):
            summary.rejected += 1
            key = item.reason.split(":")[0][:60]
            summary.reasons[key] = summary.reasons.get(key, 0) + 1
            rejected.append(item)
        else:
            posts.append(item)
        if len(posts) + len(rejected) >= batch_size:
            flush()
    if posts or rejected:
        flush()
    summary.seconds = time.perf_counter() - start
    return summary


@dataclass
class PageResult:
    new: int
    duplicates: int
    quarantined_new: int


def store_page(
    factory: sessionmaker[Session],
    posts: list[Post],
    tagger,
    cursors: dict[tuple[str, str], str] | None = None,
    rejected: Iterable[tuple[str, str]] = (),
    quarantine_source: str = "",
) -> PageResult:
    """Store one collector page and move its cursors in the same transaction.

    ``cursors`` maps (source, key) to the new cursor value; ``rejected`` holds (raw, reason) records to quarantine
    under ``quarantine_source``. Either everything is committed or nothing: a page that fails leaves the cursors
    where they were, so the next pass fetches it again, and the unique key drops what was already stored.
    """
    from outageradar.store.writer import set_cursor

    labels = tagger.classify_posts(posts) if posts else []
    with factory() as session, session.begin():
        result = store_posts(session, posts, labels)
        q = quarantine(session, quarantine_source or "collector", rejected)
        for (source, key), value in (cursors or {}).items():
            set_cursor(session, source, key, value)
    return PageResult(result.new, result.duplicates, q)
