"""The pipeline's one step: classify a batch, store it with its cursors, quarantine what failed.

Every way posts enter the store goes through :func:`store_page` (one page, one transaction) or through
:func:`outageradar.pipeline.loader.load` (a stream of pages, classified in worker processes when asked):
``ingest file``, the collector passes (:class:`~outageradar.pipeline.collect.StoreSink`), the Jetstream stream and,
for re-tagging, ``classify stored`` (:mod:`outageradar.pipeline.reclassify`).

The step, per page:

1. a post whose time cannot be a post's (before 2006-01-01, or more than a day in the future:
   :func:`~outageradar.records.check_time`) is refused;
2. the rest is classified in one call of the tagger; if that call fails, post by post, and a post the tagger fails on
   is refused with the error;
3. :func:`outageradar.store.page.write_page` writes the posts, the refused posts and the collector's rejected records
   (quarantine) and the cursors in ONE transaction (a record the database refuses is quarantined there too).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from outageradar.records import Classification, Post, PostError, Rejected, check_time
from outageradar.pipeline.classifying import classify_rows_isolated
from outageradar.store.page import PageResult, write_page


def plausible(posts: Iterable[Post], now: datetime, refused: list[tuple[Post, str]]) -> list[Post]:
    """The posts whose time can be a post's; the others appended to ``refused`` with the reason."""
    kept = []
    for p in posts:
        try:
            check_time(p.created_at, now)
        except PostError as exc:
            refused.append((p, str(exc)))
            continue
        kept.append(p)
    return kept


def split_labels(posts: Sequence[Post], labels: Sequence[Classification | str],
                 refused: list[tuple[Post, str]]) -> tuple[list[Post], list[Classification]]:
    """The posts that got a label, with their labels; the others appended to ``refused``."""
    kept, good = [], []
    for p, lab in zip(posts, labels):
        if isinstance(lab, str):
            refused.append((p, lab))
        else:
            kept.append(p)
            good.append(lab)
    return kept, good


def store_page(
    factory: sessionmaker[Session],
    posts: Sequence[Post],
    tagger: Any,
    cursors: dict[tuple[str, str], str] | None = None,
    rejected: Iterable[Rejected] = (),
    quarantine_source: str = "",
    now: datetime | None = None,
) -> PageResult:
    """Classify one page of posts and store it with its ``cursors`` and its ``rejected`` records in one transaction
    (see the module docstring). ``PageResult.refused`` has the reasons of the posts quarantined on the way."""
    refused: list[tuple[Post, str]] = []
    ok = plausible(posts, now or datetime.now(timezone.utc), refused)
    kept, labels = split_labels(ok, classify_rows_isolated(tagger, ok), refused)
    return write_page(factory, kept, labels, refused, rejected, cursors, quarantine_source)
