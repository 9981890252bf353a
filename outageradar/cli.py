"""The ``outageradar`` command line: it parses, calls the parts, prints. Errors are one line and exit non-zero.

:func:`main` runs the app with ``standalone_mode=False`` and prints every error itself, as plain text on one line
(``error: <message>``; nothing in a message is read as Rich markup, control characters are escaped): a usage error
(missing argument, bad option or value) exits 2, an :class:`~outageradar.records.OutageradarError` (bad input, file,
configuration or database) exits 1, and anything else exits 1 with the exception's class name (a bug; set
``OUTAGERADAR_DEBUG=1`` for the traceback). Arguments are checked before any database is opened, and the read
commands (``report daily``, ``report live``, ``db status``, ``detect run`` when it does not save) open the store
read-only.
"""

from __future__ import annotations

import functools
import gzip
import os
import sys
import zlib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from outageradar.records import OutageradarError, one_line

app = typer.Typer(
    help="outageradar: is it down, for whom, and where? Aggregates social-media outage reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema and status.", no_args_is_help=True)
ingest_app = typer.Typer(help="Bring posts into the store.", no_args_is_help=True)
classify_app = typer.Typer(help="Classify posts: outage or not, service, region, problem.", no_args_is_help=True)
detect_app = typer.Typer(help="Spike and outage detection.", no_args_is_help=True)
report_app = typer.Typer(help="Reports of detected outages.", no_args_is_help=True)
model_app = typer.Typer(help="Train and evaluate the outage relevance model.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ingest_app, name="ingest")
app.add_typer(classify_app, name="classify")
app.add_typer(detect_app, name="detect")
app.add_typer(report_app, name="report")
app.add_typer(model_app, name="model")
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

# markup=False: file names, URLs and posts are printed as they are ("[/red]" is text, not a Rich tag)
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)

DbOption = typer.Option(None, "--db", help="Database URL (default: $OUTAGERADAR_DATABASE_URL, the config file, "
                        "or sqlite:///outageradar.db).")


class CliError(OutageradarError):
    """An error whose message is printed as is."""


MAX_LIVE_HOURS = 24 * 366
"""The longest look-back of ``report live --hours`` (a leap year)."""


def _store(url: str | None, ensure_schema: bool = True, read_only: bool = False):
    from outageradar.store import open_store

    return open_store(url, ensure_schema=ensure_schema, read_only=read_only)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


# ---------------------------------------------------------------- db
@db_app.command("upgrade")
def db_upgrade(db: Optional[str] = DbOption) -> None:
    """Create or migrate the database schema to the newest version."""
    from outageradar.store import migrate
    from outageradar.store.db import make_engine
    from outageradar.config import load_settings, mask_url

    url = db or load_settings().database_url
    engine = make_engine(url)
    before, after = migrate.upgrade(engine)
    out.print(f"database {mask_url(url)}: schema {before or 'empty'} -> {after}")


@db_app.command("status")
def db_status(db: Optional[str] = DbOption) -> None:
    """Show the schema version and how many rows each table holds (read-only: changes nothing)."""
    from outageradar.store import migrate, queries
    from outageradar.config import mask_url

    from outageradar.config import load_settings

    url = db or load_settings().database_url
    store = _store(url, ensure_schema=False, read_only=True)
    cur, head = migrate.current_revision(store.engine), migrate.head_revision(store.engine)
    out.print(f"database {mask_url(url)}: schema {cur or 'empty'} (newest {head})")
    if cur and cur != head:
        out.print("the schema is not this version's: run `outageradar db upgrade`")
    elif cur:
        table = Table("table", "rows")
        for name, n in queries.table_counts(store).items():
            table.add_row(name, f"{n:,}")
        out.print(table)


# ---------------------------------------------------------------- ingest
@ingest_app.command("file")
def ingest_file(
    path: Path = typer.Argument(..., help="A JSONL or CSV file of posts (.gz accepted)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl or csv (default: from the file name)."),
    source: str = typer.Option("file", help="Source name for rows whose 'source' is not a known platform "
                               "(x, reddit, mastodon, bluesky, ...)."),
    dayfirst: bool = typer.Option(False, "--dayfirst", help="Read ambiguous numeric dates as day/month/year "
                                  "(03/04/2020 is 3 April). Without it or --monthfirst they are quarantined."),
    monthfirst: bool = typer.Option(False, "--monthfirst", help="Read ambiguous numeric dates as month/day/year "
                                    "(03/04/2020 is March 4)."),
    batch_size: int = typer.Option(2000, min=1, help="Posts per transaction."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Processes that classify while this one "
                                          "writes (default: the cores; 1 classifies here)."),
    db: Optional[str] = DbOption,
) -> None:
    """Ingest posts from a file: classify them, store them, update the rollups. Re-running adds nothing twice.

    Bad records are quarantined with their reason; the rest is stored. Exits 1 if every record was quarantined."""
    import re

    from outageradar.config import load_settings
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts, detect_format, open_binary
    from outageradar.pipeline import default_workers, load

    if dayfirst and monthfirst:
        raise CliError("--dayfirst and --monthfirst exclude each other: pass one")
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,32}", source):
        raise CliError(f"--source must be 1 to 32 letters, digits or _ . : -, got {source[:40]!r}")
    detect_format(path, fmt)
    open_binary(path).close()
    settings = load_settings()
    store = _store(db)
    total = _count_lines(path) if err.is_terminal else None  # only a visible progress bar needs the total
    order = True if dayfirst else False if monthfirst else None
    with _progress() as progress:
        task = progress.add_task(f"ingest {path.name}", total=total)
        summary = load(store.factory, read_posts(path, settings.salt(), fmt, source, dayfirst=order), Tagger(),
                       quarantine_source=f"file:{path.resolve()}", batch_size=batch_size,
                       on_batch=lambda s: progress.update(task, completed=s.read),
                       workers=workers or default_workers())
    repaired = (f"; {summary.repaired:,} with characters replaced (invalid UTF-8, NUL, lone surrogates)"
                if summary.repaired else "")
    out.print(
        f"{path}: read {summary.read:,} records; {summary.new:,} new posts, {summary.duplicates:,} already stored, "
        f"{summary.rejected:,} quarantined ({summary.quarantined_new:,} new){repaired} in {summary.seconds:.1f}s "
        f"({summary.rate:,.0f} records/s)", markup=False, highlight=False,
    )
    for reason, n in sorted(summary.reasons.items(), key=lambda kv: -kv[1])[:5]:
        out.print(f"  quarantined {n:,}: {reason}", markup=False, highlight=False)
    if summary.read and not summary.new and not summary.duplicates:
        raise CliError(f"nothing stored: all {summary.read:,} records of {path.name} were quarantined "
                       "(reasons above; kept in the quarantine table)")


def _count_lines(path: Path) -> int | None:
    if path.name.endswith(".gz"):
        return None
    n = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


# ---------------------------------------------------------------- ingest: collectors (X, Reddit, Mastodon, Bluesky)
@ingest_app.command("run")
def ingest_run(
    source: list[str] = typer.Option([], "--source", help="x, reddit, mastodon or bluesky; repeat for several (default: every enabled source)."),
    db: Optional[str] = DbOption,
) -> None:
    """One incremental pass over the configured sources; prints new posts per source and query."""
    from outageradar.pipeline.collect import ingest_pass, ingest_setup

    settings, cfg, services = ingest_setup(db)
    store = _store(db)
    result = ingest_pass(store, settings, cfg, services, source)
    for line in result.lines():
        out.print(line, highlight=False, markup=False)
    if result.all_failed:
        raise CliError("every source failed")


@ingest_app.command("schedule")
def ingest_schedule(
    every: Optional[str] = typer.Option(None, "--every", help="Interval such as 5m, 90s, 1h (default: [schedule] every, or 5m)."),
    source: list[str] = typer.Option([], "--source", help="Only these sources; repeat for several."),
    db: Optional[str] = DbOption,
) -> None:
    """Run ingest passes on a schedule (never two at once, even across processes); Ctrl-C/SIGTERM stops."""
    import threading

    from outageradar.ingest.schedule import run_schedule
    from outageradar.ingest.sources import parse_every
    from outageradar.pipeline.collect import ingest_pass, ingest_setup

    settings, cfg, services = ingest_setup(db)
    seconds = parse_every(every or cfg.every)
    store = _store(db)
    stop = threading.Event()

    def job() -> None:
        result = ingest_pass(store, settings, cfg, services, source, stop=stop)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        for line in result.lines(per_query=False):
            out.print(f"[{stamp}] {line}", highlight=False, markup=False)

    run_schedule(seconds, job, stop=stop, log=lambda m: err.print(m, highlight=False, markup=False))
    err.print("stopped")


@ingest_app.command("stream")
def ingest_stream(
    source: str = typer.Argument(..., help="Only 'bluesky' (the Jetstream firehose) streams."),
    url: Optional[str] = typer.Option(None, "--url", help="Jetstream websocket URL (default: [sources.bluesky] jetstream_url)."),
    db: Optional[str] = DbOption,
) -> None:
    """Stream the Bluesky Jetstream firehose, keep posts that mention catalog services, store them in batches."""
    import threading

    from outageradar.ingest.schedule import install_stop_signals
    from outageradar.pipeline.collect import ingest_setup, stream_bluesky

    if source != "bluesky":
        raise CliError(f"cannot stream {source!r}: only 'bluesky' streams")
    settings, cfg, services = ingest_setup(db)
    store = _store(db)
    stop = threading.Event()
    restore = install_stop_signals(stop)
    try:
        stats = stream_bluesky(store, settings, cfg, services, url=url, stop=stop,
                               log=lambda m: err.print(m, highlight=False, markup=False))
    finally:
        restore()
    out.print(f"bluesky stream: {stats.lines:,} events read, {stats.matched:,} matched, {stats.new:,} new posts, "
              f"{stats.quarantined:,} quarantined, {stats.reconnects:,} reconnects; cursor {stats.cursor}")


# ---------------------------------------------------------------- config
@config_app.command("show")
def config_show() -> None:
    """Print the effective configuration (file, defaults, environment) with every secret masked."""
    import json

    from outageradar.config import load_settings
    from outageradar.ingest.sources import effective_config, load_ingest_config

    settings = load_settings()
    out.print_json(json.dumps(effective_config(settings, load_ingest_config(settings)), default=str))


# ---------------------------------------------------------------- classify
@classify_app.command("file")
def classify_file(
    input: Path = typer.Argument(..., help="CSV or JSONL with a 'text' column (optional user_location, lat, lon, place; see pipeline/classify_file.py for accepted names)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the rows with the classification added."),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl or csv (default: from the file name)."),
    relevance: Optional[str] = typer.Option(
        None, "--relevance", help="linear (fast, the default) or two-stage (a fine-tuned transformer settles the "
        "posts the linear model is unsure of: more accurate, about 5x slower); default from OUTAGERADAR_RELEVANCE."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Processes that classify while this one "
                                          "reads and writes (default: the cores; 1 classifies here)."),
) -> None:
    """Classify every row of a file: adds outage, outage_score, service, country, admin1, city, problem.

    Posts are tagged on their first 10,000 characters. In CSV output a cell that a spreadsheet would run as a formula
    (starting with =, +, -, @, tab or carriage return; plain numbers such as -33.86 excepted) gets a leading ' ;
    JSONL output is written unchanged.
    """
    from outageradar.classify.tagger import Tagger
    from outageradar.pipeline import default_workers
    from outageradar.pipeline.classify_file import classify_file as run

    tagger = Tagger(relevance_mode=relevance)
    with _progress() as progress:
        task = progress.add_task(f"classify {input.name}", total=None)
        summary = run(input, output, fmt, tagger=tagger, on_batch=lambda n: progress.update(task, completed=n),
                      workers=workers or default_workers())
    out.print(f"{input}: {summary.rows:,} rows classified, {summary.outages:,} outage reports -> {output} "
              f"({summary.rate:,.0f} rows/s)")
    if summary.rejected:
        err.print(f"warning: {summary.rejected:,} lines could not be classified (not JSON objects with a text "
                  f"field); they are listed with the reason in {summary.rejected_path}")


@classify_app.command("stored")
def classify_stored(
    all_posts: bool = typer.Option(False, "--all", help="Re-classify every post, not only those of older models."),
    db: Optional[str] = DbOption,
) -> None:
    """Re-classify stored posts (those classified by another model version); each batch updates the rollups in
    the same transaction, so they agree with the classifications even if the run is stopped."""
    from outageradar.classify.tagger import Tagger
    from outageradar.pipeline.reclassify import reclassify

    store = _store(db)
    with _progress() as progress:
        task = progress.add_task("re-classify", total=None)
        n = reclassify(store, Tagger(), everything=all_posts, on_batch=lambda k: progress.update(task, completed=k))
    out.print(f"re-classified {n:,} posts; rollups updated")


# ---------------------------------------------------------------- detect
@detect_app.command("series")
def detect_series(
    input: Path = typer.Argument(..., help="CSV with columns timestamp,value (a count per fixed interval); a long file with key columns "
                                    "(timestamp,service,region,count) is scored per series."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the rows with anomaly_score and alert."),
) -> None:
    """Score a count series: adds anomaly_score (0..1) and alert (0/1) to every row, causally."""
    from outageradar.reports.series import detect_series_file

    summary = detect_series_file(input, output)
    out.print(f"{input}: {summary.rows:,} rows, {summary.alerts:,} alerts -> {output}")


@detect_app.command("run")
def detect_run(
    day: Optional[str] = typer.Option(None, "--date", help="UTC day to detect on, YYYY-MM-DD (default: the day of --at, or the newest day with data)."),
    at: Optional[str] = typer.Option(None, "--at", help="Detect as of this UTC time (ISO 8601): only posts created up to it count."),
    save: Optional[bool] = typer.Option(None, "--save/--no-save", help="Store the incidents (default: yes, except with --at, a replay)."),
    db: Optional[str] = DbOption,
) -> None:
    """Detect outage incidents for one day from the stored rollups and store them (updated, never duplicated)."""
    from outageradar.reports.incidents import detect_day, save_detection

    as_of = _parse_time(at, "--at") if at else None
    the_day = _parse_date(day) if day else (as_of.date() if as_of is not None else None)
    stored = save if save is not None else as_of is None
    store = _store(db, read_only=not stored)  # a replay or --no-save changes nothing
    the_day = the_day or _newest_day(store)
    result = detect_day(store, the_day, as_of=as_of)
    if result.posts == 0:
        out.print(f"no data for {the_day.isoformat()}" + (f" up to {as_of:%Y-%m-%d %H:%M:%S} UTC" if as_of else ""))
        return
    if stored:
        save_detection(store, result)
    if as_of is not None:
        out.print(f"incidents of {the_day.isoformat()} as of {as_of:%Y-%m-%d %H:%M:%S} UTC"
                  + ("" if stored else " (replay: not stored)"))
    _print_incidents(result.incidents)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)
"""The days ``--date`` and ``--at`` may name (detection looks weeks back and a day ahead of them)."""


def _parse_time(value: str, option: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise CliError(f"{option} must be an ISO 8601 time such as 2026-11-14T15:30:00Z, got {value!r}") from None
    if not FIRST_DAY <= t.date() <= LAST_DAY:
        raise CliError(f"{option} must be between {FIRST_DAY} and {LAST_DAY}, got {value!r}")
    return t


def _parse_date(value: str) -> date:
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--date must be YYYY-MM-DD, got {value!r}") from None
    if not FIRST_DAY <= d <= LAST_DAY:
        raise CliError(f"--date must be between {FIRST_DAY} and {LAST_DAY}, got {value!r}")
    return d


def _parse_day(value: str | None, store) -> date:
    return _parse_date(value) if value else _newest_day(store)


def _newest_day(store) -> date:
    from outageradar.store.queries import newest_post_time

    newest = newest_post_time(store)
    if newest is None:
        raise CliError("the store holds no posts yet: ingest some first (e.g. `outageradar ingest file PATH`)")
    return newest.date()


def _print_incidents(incidents) -> None:
    from outageradar.reports.terminal import print_incidents

    print_incidents(out, incidents)  # fits 80 columns (and a pipe): short dates, wrapped regions


# ---------------------------------------------------------------- report
@report_app.command("daily")
def report_daily(
    day: Optional[str] = typer.Option(None, "--date", help="UTC day, YYYY-MM-DD (default: the newest day with data)."),
    fmt: list[str] = typer.Option(["md", "json"], "--format", help="md, html or json; repeat for several."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder for the report files."),
    db: Optional[str] = DbOption,
) -> None:
    """Detect the day's incidents and write the daily spike report (Markdown/HTML with charts, JSON).

    Read-only: the store is not changed (`detect run` is the step that stores incidents), so it works on a read-only
    database."""
    from outageradar.reports.daily import write_daily_report

    bad = [f for f in fmt if f not in ("md", "html", "json")]
    if bad:
        raise CliError(f"unknown --format {bad[0]!r}: use md, html or json")
    the_day = _parse_date(day) if day else None
    store = _store(db, read_only=True)
    the_day = the_day or _newest_day(store)
    result = write_daily_report(store, the_day, out_dir, formats=fmt, save=False)
    if result.no_data:
        out.print(f"no data for {the_day.isoformat()}")
    else:
        _print_incidents(result.incidents)
    for path in result.files:
        out.print(f"wrote {path}")


@report_app.command("live")
def report_live(
    hours: float = typer.Option(6.0, min=0.25, max=MAX_LIVE_HOURS, help=f"How far back to look (0.25 to {MAX_LIVE_HOURS}: 366 days)."),
    at: Optional[str] = typer.Option(None, "--at", help="Look back from this UTC time (ISO 8601) instead of now; only posts created up to it count."),
    fmt: str = typer.Option("table", "--format", help="table, or json (one JSON document: service, confidence, start, end, status, reports, expected, regions)."),
    db: Optional[str] = DbOption,
) -> None:
    """Detect and print the incidents of the last hours, each ongoing or resolved. Stores nothing."""
    import json

    from outageradar.reports.live import live_report

    if fmt not in ("table", "json"):
        raise CliError(f"unknown --format {fmt!r}: use table or json")
    now = _parse_time(at, "--at") if at else datetime.now(timezone.utc)
    report = live_report(_store(db, read_only=True), now, hours)
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    out.print(f"incidents between {report.start:%Y-%m-%d %H:%M} and {now:%Y-%m-%d %H:%M} UTC")
    if report.no_data:
        out.print(report.no_data_message())
    else:
        _print_incidents(report.incidents)


# ---------------------------------------------------------------- demo
@app.command()
def demo(
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder for the report files."),
    db: str = typer.Option("sqlite:///outageradar-demo.db", "--db", help="Database for the demo (a fresh SQLite file by default)."),
    seed: int = typer.Option(7, help="Seed of the simulation."),
    keep: bool = typer.Option(False, help="Keep what the demo database already holds instead of starting afresh."),
) -> None:
    """Simulate a week of posts with an injected multi-region outage, ingest, classify, detect and report it.

    It writes only into a new database or its own demo database (replacing its content, or adding with --keep); any
    other database is refused."""
    from outageradar.config import mask_url
    from outageradar.demo import run_demo

    result = run_demo(db, out_dir, seed=seed, fresh=not keep, console=err)
    out.print(Text.assemble(("SIMULATED DATA", "bold"), f": {result.posts:,} posts over {result.days} days "
                            f"({result.ingest_rate:,.0f} posts/s ingested) into {mask_url(result.db)}"))
    _print_incidents(result.incidents)
    for path in result.files:
        out.print(f"wrote {path}")
    out.print(result.verdict)
    if not result.found:
        raise CliError("the demo did not find the injected outage")


# ---------------------------------------------------------------- model
@model_app.command("train")
def model_train(
    data: list[Path] = typer.Option(..., "--data", help="Labelled CSV (columns text, outage); repeat for several."),
    output: Path = typer.Option(Path("relevance_model.json"), "--output", "-o", help="Where to write the model (JSON)."),
    extra: bool = typer.Option(True, help="Also use the weak-supervision data the shipped model was built with, when present."),
) -> None:
    """Train the outage relevance model and write it as a JSON weights file (from a source checkout: the training
    code is not installed)."""
    root = str(Path(__file__).resolve().parents[1])  # a source checkout holds training/ beside outageradar/
    if root not in sys.path:
        sys.path.append(root)
    try:
        from training.linear import train
    except ModuleNotFoundError as exc:
        if exc.name not in ("training", "training.linear"):
            raise
        raise CliError("model train needs a source checkout of outageradar: the training/ area is not installed") \
            from None
    report = train(data, output, extra=extra)
    out.print(str(report))
    out.print(f"wrote {output}")


@model_app.command("evaluate")
def model_evaluate(
    data: list[Path] = typer.Option(..., "--data", help="Labelled CSV (columns text, outage); repeat for several."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
) -> None:
    """Print precision, recall, F1 and the confusion matrix of a model on labelled data (from a source checkout: the
    evaluation code is not installed)."""
    root = str(Path(__file__).resolve().parents[1])  # a source checkout holds training/ beside outageradar/
    if root not in sys.path:
        sys.path.append(root)
    try:
        from training.linear import evaluate
    except ModuleNotFoundError as exc:
        if exc.name not in ("training", "training.linear"):
            raise
        raise CliError("model evaluate needs a source checkout of outageradar: the training/ area is not installed") \
            from None
    out.print(str(evaluate(data, model)))


# ---------------------------------------------------------------- status pages and the web app (issue 14)
status_app = typer.Typer(help="Official status pages: Atlassian Statuspage, Google Cloud and AWS Health feeds.",
                         no_args_is_help=True)
app.add_typer(status_app, name="status")


@status_app.command("sync")
def status_sync(
    service: list[str] = typer.Option([], "--service", help="Only this catalog service; repeat for several (default: every service with a supported status page)."),
    db: Optional[str] = DbOption,
) -> None:
    """Fetch the official incidents of the catalog's status pages and store them (incremental: only new or updated
    incidents are written). Runs under the ingest lock: never beside an `ingest run` pass on the same database."""
    from outageradar.classify.catalog import ServiceCatalog
    from outageradar.ingest.retry import CollectorError
    from outageradar.ingest.statuspage import StatusCollector, feeds_from_catalog
    from outageradar.store.lock import SKIPPED, locked_pass
    from outageradar.store.official import SyncResult, sync_feeds

    try:
        feeds = feeds_from_catalog(ServiceCatalog.default().services.values(), only=service or None)
    except CollectorError as exc:
        raise CliError(str(exc)) from None
    if not feeds:
        raise CliError("no catalog service has a supported status page")
    store = _store(db)
    collector = StatusCollector()
    try:
        result = locked_pass(store.engine, lambda: sync_feeds(store, feeds, collector.fetch))
    finally:
        collector.close()
    result = result if result is not None else SyncResult(skipped=SKIPPED)
    for line in result.lines():
        out.print(line, highlight=False, markup=False)
    if result.all_failed:
        raise CliError("every provider failed")


@app.command()
def serve(
    db: Optional[str] = DbOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free one)."),
) -> None:
    """Serve a read-only web page on the store: services and their status, each service's 24 hours, incidents,
    map, problems, posts and official incidents; JSON under /api. Ctrl-C stops."""
    import ipaddress

    import uvicorn

    from outageradar.serve.app import create_app

    store = _store(db, read_only=True)  # never migrates or writes
    try:
        if not ipaddress.ip_address(host).is_loopback:
            err.print(f"warning: listening on {host}: the page is reachable from other machines", highlight=False)
    except ValueError:
        if host != "localhost":
            err.print(f"warning: listening on {host}: the page may be reachable from other machines", highlight=False)
    err.print(f"serving http://{host}:{port}/ (read-only); Ctrl-C stops", highlight=False)
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


def _plain(message: str) -> str:
    """``message`` on one line with control characters escaped (a file name can hold anything)."""
    text = " ".join(str(message).split())
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {_plain(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


def _input_file(kwargs: dict) -> str:
    paths = [v for v in kwargs.values() if isinstance(v, Path)]
    gz = [p for p in paths if p.name.lower().endswith(".gz")]
    return str((gz or paths)[0]) if paths else "an input file"


def _file_errors(callback):
    """Wrap a command so that a truncated or corrupt compressed input is one user error naming the file (Python
    raises EOFError, which click would turn into a bare "Aborted!", or zlib's class named "error")."""
    if getattr(callback, "_outageradar_guarded", False):
        return callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            reason = one_line(exc) or type(exc).__name__
            raise CliError(f"{_input_file(kwargs)} is truncated or corrupt gzip ({reason})") from None

    run._outageradar_guarded = True
    return run


def _guard(typer_app: typer.Typer) -> None:
    for info in typer_app.registered_commands:
        if info.callback is not None:
            info.callback = _file_errors(info.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _guard(group.typer_instance)


def _user_errors() -> tuple[type[BaseException], ...]:
    """The exception classes whose message is for the user: :class:`OutageradarError` (every part's user-facing
    errors derive from it)."""
    return (OutageradarError,)


def _click_exceptions():
    """The click exception classes the app raises: typer >= 0.2x ships its own copy of click."""
    try:
        from typer._click import exceptions
    except ImportError:  # an older typer on the real click
        from click import exceptions
    return exceptions


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line plain-text errors, non-zero exit, no traceback (OUTAGERADAR_DEBUG=1 for one).

    Usage errors exit 2, user errors 1, interruptions 130."""
    ce = _click_exceptions()
    _guard(app)
    try:
        code = app(args=argv, prog_name="outageradar", standalone_mode=False)
    except ce.NoArgsIsHelpError as exc:  # a group run without a command: its help (Rich has printed it already)
        text = exc.format_message()
        if text.strip():
            sys.stdout.write(text + "\n")
        sys.exit(exc.exit_code)
    except ce.UsageError as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        _fail(exc.format_message() + hint, exc.exit_code)
    except ce.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except _user_errors() as exc:
        if os.environ.get("OUTAGERADAR_DEBUG"):
            raise
        _fail(one_line(exc) or type(exc).__name__, 1)
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("OUTAGERADAR_DEBUG"):
            raise
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError) and exc.orig is not None:  # e.g. a read-only database asked to write
            _fail(f"database error: {one_line(exc.orig) or type(exc.orig).__name__}", 1)
        _fail(f"{type(exc).__name__}: {one_line(exc)}", 1)
    if code == 130:
        _fail("interrupted", 130)
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
