"""The pass lock (PostgreSQL advisory lock / fcntl lock file) and the scheduler loop."""

from __future__ import annotations

import subprocess
import sys
import threading

from outageradar.ingest.schedule import run_schedule
from outageradar.store.lock import PassLock, locked_pass

CHILD = """
import sys
from outageradar.store.db import make_engine
from outageradar.store.lock import locked_pass
r = locked_pass(make_engine(sys.argv[1]), lambda: "ran")
print(r or "skipped")
"""


def test_lock_prevents_two_concurrent_passes(store):
    url = store.engine.url.render_as_string(hide_password=False)
    holder = PassLock(store.engine)
    assert holder.acquire()
    try:
        assert locked_pass(store.engine, lambda: "ran") is None  # same process, other connection / file handle
        child = subprocess.run([sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120)
        assert child.stdout.strip() == "skipped", child.stderr
    finally:
        holder.release()
    assert locked_pass(store.engine, lambda: "ran") == "ran"
    child = subprocess.run([sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120)
    assert child.stdout.strip() == "ran", child.stderr


def test_pass_inside_a_pass_is_skipped(store):
    inner = []
    assert locked_pass(store.engine, lambda: inner.append(locked_pass(store.engine, lambda: "ran")) or "outer") == "outer"
    assert inner == [None]


class FakeScheduler:
    def __init__(self):
        self.jobs, self.shutdowns = [], 0

    def add_job(self, fn, trigger, **kw):
        self.jobs.append((fn, trigger, kw))

    def start(self):
        fn = self.jobs[0][0]
        for _ in range(3):  # three ticks; the job sets the stop event on the second one
            fn()

    def shutdown(self, wait=True):
        self.shutdowns += 1


def test_run_schedule_runs_passes_until_stopped():
    stop = threading.Event()
    runs = []

    def job():
        runs.append(1)
        if len(runs) == 2:
            stop.set()  # what SIGTERM does

    sched = FakeScheduler()
    run_schedule(300, job, stop=stop, scheduler=sched, install_signals=False)
    _, trigger, kw = sched.jobs[0]
    assert trigger == "interval" and kw["seconds"] == 300 and kw["max_instances"] == 1 and kw["coalesce"]
    assert len(runs) == 2 and sched.shutdowns >= 1
