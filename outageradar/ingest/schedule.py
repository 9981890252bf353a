"""Scheduled ingestion: passes every N seconds, clean stop on SIGTERM/Ctrl-C.

Each pass runs under the store's ingestion lock (:func:`outageradar.store.lock.locked_pass`, taken by the pipeline),
so two passes never run at once, even across processes. :func:`run_schedule` runs passes every N seconds with
APScheduler's ``BlockingScheduler`` (one instance at a time, missed runs coalesced, first run immediately); SIGTERM/SIGINT set a stop event, the running pass finishes the page it
is storing and stops, and the scheduler shuts down.
"""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable


def install_stop_signals(stop: threading.Event, on_stop: Callable[[], None] | None = None) -> Callable[[], None]:
    """SIGTERM/SIGINT set ``stop`` (and call ``on_stop``); returns a function restoring the old handlers."""
    old = {}

    def handler(signum, frame):  # noqa: ARG001
        stop.set()
        if on_stop:
            on_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        old[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, h in old.items():
            signal.signal(sig, h)

    return restore


def run_schedule(every_seconds: float, job: Callable[[], Any], stop: threading.Event | None = None,
                 scheduler: Any = None, log: Callable[[str], None] | None = None,
                 install_signals: bool = True) -> None:
    """Run ``job`` now and every ``every_seconds`` until SIGTERM/Ctrl-C (or ``stop`` is set).

    ``job`` should use :func:`outageradar.store.lock.locked_pass` itself so that a pass started by another process is skipped.
    """
    from datetime import datetime, timezone

    from apscheduler.schedulers.blocking import BlockingScheduler

    stop = stop or threading.Event()
    sched = scheduler or BlockingScheduler(timezone=timezone.utc)
    log = log or (lambda msg: None)

    def shutdown() -> None:
        # Called from the signal handler (main thread) or the stop watcher: let the running pass finish.
        try:
            sched.shutdown(wait=False)
        except Exception:  # noqa: BLE001 - already stopped
            pass

    def guarded() -> None:
        if stop.is_set():
            shutdown()
            return
        job()
        if stop.is_set():
            shutdown()

    sched.add_job(guarded, "interval", seconds=every_seconds, max_instances=1, coalesce=True,
                  next_run_time=datetime.now(timezone.utc), id="ingest-pass", misfire_grace_time=None)
    restore = install_stop_signals(stop, shutdown) if install_signals else (lambda: None)
    log(f"ingest scheduled every {every_seconds:g}s; Ctrl-C or SIGTERM stops")
    try:
        sched.start()
    finally:
        restore()
        stop.set()
