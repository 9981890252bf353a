"""``outageradar demo``: the main job end to end on the embedded default, with simulated posts.

1. simulate a week of posts (``ingest/simulate.py``) and write them to a JSONL file, clearly labelled simulated;
2. ingest that file through the same path as real posts (parse, classify, store, roll up) into SQLite;
3. detect incidents and write the daily report for the outage day (Markdown, HTML with charts, JSON);
4. check the injected multi-region outage was found as one strong incident in the right service and regions.

The demo writes only into a database it creates: a new one (a SQLite file that does not exist yet, an empty
database or schema on PostgreSQL) or its own demo database, which it marks with a row in ``cursors``
(:data:`DEMO_MARKER`) before it writes anything else. Any other database with tables in it is refused with one line
(:class:`DemoError`), on every backend, so simulated posts never replace or mix with real ones. Re-running the demo on
its own database replaces its content (or, with ``keep``, adds to it: nothing is stored twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from outageradar.classify.tagger import Tagger
from outageradar.config import load_settings, mask_url
from outageradar.records import OutageradarError
from outageradar.ingest.filesource import read_posts
from outageradar.ingest.simulate import Injected, simulate, write_jsonl
from outageradar.reports.daily import write_daily_report
from outageradar.store import migrate, open_store
from outageradar.store.db import check_connection, make_engine, sqlite_path, transaction
from outageradar.pipeline import load
from outageradar.store.models import Base, CursorRow, PostRow
from outageradar.store.writer import set_cursor

DEMO_MARKER = ("outageradar-demo", "database")
"""(source, key) of the ``cursors`` row that marks a database as the demo's own."""


class DemoError(OutageradarError):
    """The demo will not write into this database."""


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
    path = sqlite_path(url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def _is_demo_database(conn, tables: list[str]) -> bool:
    if CursorRow.__tablename__ not in tables:
        return False
    source, key = DEMO_MARKER
    return conn.execute(select(CursorRow.value).where(CursorRow.source == source, CursorRow.key == key)).first() is not None


def prepare_database(url: str, fresh: bool = True) -> None:
    """Make sure the demo may write into ``url``: a database that does not exist yet or holds no tables is fine, and
    so is the demo's own (emptied first when ``fresh``); any other raises :class:`DemoError`. Nothing is created
    here (a SQLite file's directory must exist: ``make_engine`` checks)."""
    engine = make_engine(url)
    try:
        path = sqlite_path(url)
        if path is not None and (not path.exists() or path.stat().st_size == 0):
            return  # a new SQLite file: the demo creates it
        check_connection(engine)
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            if not tables:
                return
            if not _is_demo_database(conn, tables):
                posts = (conn.execute(select(func.count()).select_from(PostRow)).scalar()
                         if PostRow.__tablename__ in tables else None)
                what = f"{posts:,} posts" if posts is not None else f"{len(tables)} tables"
                raise DemoError(f"refusing to write simulated posts into {mask_url(url)}: it holds {what} and is not "
                                f"a demo database; the demo writes only into a new database or its own (pass another "
                                f"--db, e.g. the default sqlite:///outageradar-demo.db)")
        if not fresh:
            return
        if path is not None:
            engine.dispose()
            _fresh_sqlite(url)
            return
        ours = [t.name for t in Base.metadata.sorted_tables if t.name in tables]
        with engine.begin() as conn:  # PostgreSQL: empty the demo's own tables (the schema stays)
            conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in ours) + " RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


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
    names = "; ".join(sorted(f"{a} {c}" for c, a in want))  # as the incident table writes regions: "Texas US"
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
    prepare_database(db, fresh=fresh)  # refuses a database that is not new and not the demo's own
    engine = make_engine(db)
    try:
        migrate.upgrade(engine)  # a new or demo database: the demo may create its schema on any backend
    finally:
        engine.dispose()
    store = open_store(db)
    with transaction(store.factory) as s:  # the mark comes first: a demo killed after this can be re-run
        set_cursor(s, *DEMO_MARKER, f"simulated posts of outageradar demo (seed {seed})")
    out_dir.mkdir(parents=True, exist_ok=True)
    records, sim = simulate(start_day, seed=seed)
    posts_file = out_dir / f"demo-posts-simulated-seed{seed}.jsonl"
    write_jsonl(records, posts_file)
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
