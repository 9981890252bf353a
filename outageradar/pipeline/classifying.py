"""Classifying batches for the pipeline: in this process or in worker processes, one bad record never sinking its
batch. Imports no store code, so ``classify file`` (which writes no database) starts without SQLAlchemy."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from outageradar.classify.tagger import Row
from outageradar.records import Classification, one_line

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def warm(tagger: Any) -> None:
    """Load the tagger's models now (catalog, relevance model, region tagger) rather than on the first batch: a rate
    measured after this is of classifying, and worker processes forked after it share the loaded models."""
    for part in ("catalog", "relevance", "regions"):
        getattr(tagger, part, None)


def classify_rows_isolated(tagger: Any, rows: Sequence[Any]) -> list[Classification | str]:
    """The tagger's label for each row (anything with text, user_location, lat, lon, place); when the batch fails,
    row by row, and a row the tagger fails on gets the error's text instead of a label."""
    if not rows:
        return []
    try:
        return list(tagger.classify_posts(rows))
    except Exception:  # noqa: BLE001 - find the record(s) it failed on
        pass
    out: list[Classification | str] = []
    for r in rows:
        try:
            (label,) = tagger.classify_posts([r])
        except Exception as exc:  # noqa: BLE001 - one record must not sink the batch
            out.append(f"classification failed: {type(exc).__name__}: {one_line(exc)}"[:300])
            continue
        out.append(label)
    return out


# ------------------------------------------------------------------ worker processes
_worker_tagger: Any = None


def _die_with(parent: int) -> None:
    """Make this worker die when its parent does (Linux ``PR_SET_PDEATHSIG``): a killed ``ingest file`` must not leave
    workers behind, blocked on a queue their siblings keep open."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(tagger: Any, parent: int) -> None:
    global _worker_tagger
    _die_with(parent)
    _worker_tagger = tagger


def _classify_in_worker(rows: list[tuple]) -> list[Classification | str]:
    return classify_rows_isolated(_worker_tagger, [Row(*r) for r in rows])


def _work_in_worker(work: Callable[[Any, Any], Any], item: Any) -> Any:
    return work(_worker_tagger, item)


def _pool(tagger: Any, workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(tagger, os.getpid()))


def _in_order(items: Iterable[T], submit: Callable[[ProcessPoolExecutor, T], Future], here: Callable[[T], R],
              tagger: Any, workers: int) -> Iterator[tuple[T, R]]:
    """Each item with its result, in input order: ``here(item)`` in this process, or the result of the future
    ``submit(pool, item)`` gives when there are two items or more and ``workers`` > 1, with at most ``workers + 2``
    items in flight.

    The workers are forked after the models are loaded, so they start at once and share the models' memory; they
    are all started before the first result is given back (``workers + 2`` are submitted first), so none inherits a
    database connection the caller opens while writing, and each dies with this process. A caller holding pooled
    database connections disposes of them first (:func:`outageradar.pipeline.loader.load` does)."""
    it = iter(items)
    first = next(it, None)
    if first is None:
        return
    second = next(it, None)
    if second is None or workers <= 1:
        for b in itertools.chain([first], [second] if second is not None else [], it):
            yield b, here(b)
        return
    warm(tagger)  # once, before forking: the workers share the loaded models
    pending: deque[tuple[T, Future]] = deque()
    with _pool(tagger, workers) as pool:
        for b in itertools.chain([first, second], it):
            while len(pending) >= workers + 2:
                done, fut = pending.popleft()
                yield done, fut.result()
            pending.append((b, submit(pool, b)))
        while pending:
            done, fut = pending.popleft()
            yield done, fut.result()


def labelled(batches: Iterable[T], rows_of: Callable[[T], list[tuple]], tagger: Any, workers: int
             ) -> Iterator[tuple[T, list[Classification | str]]]:
    """Each batch with the labels of its rows (``rows_of(batch)``: (text, user_location, lat, lon, place) tuples), in
    input order; a label is the error's text for a row the tagger failed on. Classified in this process, or in
    ``workers`` processes (see :func:`_in_order`); only the rows travel to a worker."""
    return _in_order(batches, lambda pool, b: pool.submit(_classify_in_worker, rows_of(b)),
                     lambda b: classify_rows_isolated(tagger, [Row(*r) for r in rows_of(b)]), tagger, workers)


def processed(items: Iterable[T], work: Callable[[Any, T], R], tagger: Any, workers: int) -> Iterator[R]:
    """``work(tagger, item)`` for each item, in input order, in this process or in ``workers`` processes (see
    :func:`_in_order`). ``work`` must be picklable (a module-level function): with workers, the item and the result
    travel between processes, so an item that is cheap to send (raw lines) and a result that is cheap to return
    (text) keep this process free for what only it can do."""
    for _, result in _in_order(items, lambda pool, item: pool.submit(_work_in_worker, work, item),
                               lambda item: work(tagger, item), tagger, workers):
        yield result
