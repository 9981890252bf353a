"""``outageradar demo``: the main job end to end on the embedded default, with simulated posts.

1. simulate a week of posts (``ingest/simulate.py``) and write them to a JSONL file, clearly labelled simulated;
2. ingest that file through the same path as real posts (parse, classify, store, roll up) into SQLite;
3. detect incidents and write the daily report for the outage day (Markdown, HTML with charts, JSON);
4. check the injected multi-region outage was found as one strong incident in the right service and regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from outageradar.classify.tagger import Tagger
from outageradar.config import load_settings
from outageradar.ingest.filesource import read_posts
from outageradar.ingest.simulate import Injected, simulate, write_jsonl
from outageradar.reports.daily import write_daily_report
from outageradar.store import open_store
from outageradar.store.loader import load


@dataclass
class DemoResult:
    db: str
    posts: int
    days: int
    ingest_rate: float
    incidents: list
    files: list[Path] = field(default_factory=list)
    found: bool = False
    verdict: str = ""


def _fresh_sqlite(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        p = Path(u.database + suffix)
        if p.exists():
            p.unlink()


def check(incidents: list, injected: Injected) -> tuple[bool, str]:
    """Did the detector find ``injected`` as one strong incident in its service, covering its regions?"""
    start = datetime.fromisoformat(injected.start)
    end = datetime.fromisoformat(injected.end)
    want = {(r["country"], r["admin1"]) for r in injected.regions}
    matches = [i for i in incidents if i.service == injected.service and i.started_at < end and i.ended_at > start]
    if not matches:
        return False, f"MISSED: no incident for {injected.service} between {start:%H:%M} and {end:%H:%M} UTC"
    inc = max(matches, key=lambda i: i.total_reports)
    got = {(r["country"], r["admin1"]) for r in inc.regions}
    missing = want - got
    lag = (inc.started_at - start).total_seconds() / 60
    names = ", ".join(sorted(f"{a}, {c}" for c, a in want))
    if len(matches) > 1:
        return False, f"SPLIT: the injected {injected.service} outage came out as {len(matches)} incidents"
    if missing or inc.confidence != "strong":
        return False, (f"PARTIAL: {injected.service} found ({inc.confidence}) but regions "
                       f"{sorted(missing)} missing")
    return True, (f"FOUND the injected outage: {injected.service} in {names} — one strong incident starting "
                  f"{inc.started_at:%H:%M} UTC ({lag:+.0f} min from the injected start)")


def run_demo(db: str, out_dir: Path, seed: int = 7, fresh: bool = True, console=None,
             start_day: date | None = None) -> DemoResult:
    start_day = start_day or (datetime.now(timezone.utc).date() - timedelta(days=7))
    if fresh:
        _fresh_sqlite(db)
    out_dir.mkdir(parents=True, exist_ok=True)
    records, sim = simulate(start_day, seed=seed)
    posts_file = out_dir / f"demo-posts-simulated-seed{seed}.jsonl"
    write_jsonl(records, posts_file)
    store = open_store(db)
    settings = load_settings()
    if console is not None:
        console.print(f"simulated {len(records):,} posts -> {posts_file}; ingesting into {store.engine.url}")
    summary = load(store.factory, read_posts(posts_file, settings.salt()), Tagger(),
                   quarantine_source=f"file:{posts_file.resolve()}")
    outage_day = date.fromisoformat(sim.outage_day)
    report = write_daily_report(store, outage_day, out_dir, formats=("md", "html", "json"))
    found, verdict = check(report.incidents, sim.injected[0])
    store.dispose()
    return DemoResult(db=str(db), posts=summary.new or summary.read, days=(datetime.fromisoformat(sim.end) - datetime.fromisoformat(sim.start)).days, ingest_rate=summary.rate,
                      incidents=report.incidents, files=[posts_file, *report.files], found=found, verdict=verdict)
