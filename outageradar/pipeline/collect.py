"""Collector passes and the Jetstream stream, wired to the store through the pipeline.

Collectors (``outageradar.ingest``) know nothing of storage: they hand pages to a
:class:`~outageradar.ingest.runner.Sink`. :class:`StoreSink` is the sink that classifies each page and stores it with
its cursors in one transaction (:func:`outageradar.pipeline.core.store_page`). This module also owns the wiring the
command line used to do itself: configuration -> collectors -> the store's ingestion lock -> one pass
(:func:`ingest_pass`), and the Bluesky stream (:func:`stream_bluesky`).

Adding a source: a collector module in ``outageradar/ingest/`` (it yields pages to its sink), its configuration and
builder in ``outageradar/ingest/sources.py`` (``SOURCE_NAMES``, ``SECRETS``, ``build_collectors``); nothing here or
in the store changes.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from outageradar.ingest.runner import Collector, PageStored, PassResult, Sink, SourceResult
from outageradar.ingest.runner import run_pass as run_collectors
from outageradar.pipeline.core import store_page
from outageradar.records import Post, Rejected
from outageradar.store.lock import SKIPPED, locked_pass
from outageradar.store.writer import get_cursor


class StoreSink(Sink):
    """A collector's sink that classifies each page with ``tagger`` and stores it (posts, quarantine, cursors) in one
    transaction; the quarantine rows are filed under ``<source>:<query label>``."""

    def __init__(self, factory: sessionmaker[Session], tagger: Any, source: str, result: SourceResult | None = None,
                 stop: threading.Event | None = None):
        super().__init__(source, result, stop)
        self.factory, self.tagger = factory, tagger

    def cursor(self, key: str) -> str | None:
        with self.factory() as session:
            return get_cursor(session, self.source, key)

    def store(self, label: str, posts: Sequence[Post], rejected: Sequence[Rejected],
              cursors: dict[str, str]) -> PageStored:
        res = store_page(self.factory, list(posts), self.tagger,
                         cursors={(self.source, k): v for k, v in cursors.items()},
                         rejected=rejected, quarantine_source=f"{self.source}:{label}"[:512])
        return PageStored(res.new, res.duplicates, len(rejected) + len(res.refused))


def run_pass(factory: sessionmaker[Session], tagger: Any, collectors: Sequence[Collector],
             log: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> PassResult:
    """Run every collector once into the store; one failing source never stops the others."""
    return run_collectors(collectors, lambda name, sr, ev: StoreSink(factory, tagger, name, sr, ev), log=log, stop=stop)


def ingest_setup(db: str | None = None):
    """The settings, the ingest configuration and the catalog's services, for a pass or the stream."""
    from outageradar.classify.catalog import ServiceCatalog
    from outageradar.config import load_settings
    from outageradar.ingest.sources import load_ingest_config

    settings = load_settings(db)
    return settings, load_ingest_config(settings), list(ServiceCatalog.default().services.values())


def ingest_pass(store, settings, cfg, services, sources: Sequence[str] = (), tagger: Any = None,
                stop: threading.Event | None = None, log: Callable[[str], None] | None = None) -> PassResult:
    """One incremental pass over the configured sources (or ``sources``), under the store's ingestion lock; a
    :class:`PassResult` with ``skipped`` set when another pass holds it."""
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.sources import build_collectors

    collectors = build_collectors(cfg, services, settings.salt(), only=list(sources) or None)
    tagger = tagger or Tagger()
    result = locked_pass(store.engine, lambda: run_pass(store.factory, tagger, collectors, log=log, stop=stop))
    return result if result is not None else PassResult(skipped=SKIPPED)


def stream_bluesky(store, settings, cfg, services, url: str | None = None, tagger: Any = None,
                   stop: threading.Event | None = None, log: Callable[[str], None] | None = None, connect=None):
    """Stream the Bluesky Jetstream firehose into the store until ``stop`` is set; returns the stream's stats."""
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.bluesky import SOURCE
    from outageradar.ingest.jetstream import JetstreamCollector, JetstreamFilter
    from outageradar.ingest.sources import jetstream_terms

    sec = cfg.sources["bluesky"]
    filt = JetstreamFilter(jetstream_terms(cfg, services), require_cue=sec["stream_require_cue"])
    sink = StoreSink(store.factory, tagger or Tagger(), SOURCE)
    coll = JetstreamCollector(sink, filt, settings.salt(), url=url or sec["jetstream_url"],
                              batch_size=int(sec["stream_batch_size"]), flush_seconds=float(sec["stream_flush_seconds"]),
                              stop=stop, log=log, connect=connect)
    return coll.run()
