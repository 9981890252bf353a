"""The ``outageradar`` command line: it parses, calls the parts, prints. Errors are one line and exit non-zero."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

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

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = typer.Option(None, "--db", help="Database URL (default: $OUTAGERADAR_DATABASE_URL, the config file, "
                        "or sqlite:///outageradar.db).")


class CliError(Exception):
    """An error whose message is printed as is."""


def _store(url: str | None, ensure_schema: bool = True):
    from outageradar.store import open_store

    return open_store(url, ensure_schema=ensure_schema)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
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
    """Show the schema version and how many rows each table holds."""
    from outageradar.store import migrate, queries
    from outageradar.config import mask_url

    store = _store(db, ensure_schema=False)
    cur, head = migrate.current_revision(store.engine), migrate.head_revision(store.engine)
    out.print(f"database {mask_url(store.engine.url.render_as_string())}: schema {cur or 'empty'} (newest {head})")
    if cur:
        table = Table("table", "rows")
        for name, n in queries.table_counts(store).items():
            table.add_row(name, f"{n:,}")
        out.print(table)


# ---------------------------------------------------------------- ingest
@ingest_app.command("file")
def ingest_file(
    path: Path = typer.Argument(..., help="A JSONL or CSV file of posts (.gz accepted)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl or csv (default: from the file name)."),
    source: str = typer.Option("file", help="Source name for rows without a 'source' column."),
    batch_size: int = typer.Option(2000, min=1, help="Posts per transaction."),
    db: Optional[str] = DbOption,
) -> None:
    """Ingest posts from a file: classify them, store them, update the rollups. Re-running adds nothing twice."""
    from outageradar.config import load_settings
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts, detect_format, open_text
    from outageradar.store.loader import load

    detect_format(path, fmt)
    open_text(path).close()
    settings = load_settings()
    store = _store(db)
    total = _count_lines(path) if err.is_terminal else None  # only a visible progress bar needs the total
    with _progress() as progress:
        task = progress.add_task(f"ingest {path.name}", total=total)
        summary = load(store.factory, read_posts(path, settings.salt(), fmt, source), Tagger(),
                       quarantine_source=f"file:{path.resolve()}", batch_size=batch_size,
                       on_batch=lambda s: progress.update(task, completed=s.read))
    out.print(
        f"{path}: read {summary.read:,} records; {summary.new:,} new posts, {summary.duplicates:,} already stored, "
        f"{summary.rejected:,} quarantined ({summary.quarantined_new:,} new) in {summary.seconds:.1f}s "
        f"({summary.rate:,.0f} records/s)"
    )
    for reason, n in sorted(summary.reasons.items(), key=lambda kv: -kv[1])[:5]:
        out.print(f"  quarantined {n:,}: {reason}")


def _count_lines(path: Path) -> int | None:
    if path.name.endswith(".gz"):
        return None
    n = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


# ---------------------------------------------------------------- ingest: collectors (X, Reddit, Mastodon, Bluesky)
def _ingest_setup(db: str | None):
    from outageradar.classify.catalog import ServiceCatalog
    from outageradar.config import load_settings
    from outageradar.ingest.sources import load_ingest_config

    settings = load_settings(db)
    return settings, load_ingest_config(settings), list(ServiceCatalog.default().services.values())


def _one_pass(store, settings, cfg, services, sources, stop=None):
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.runner import PassResult, run_pass
    from outageradar.ingest.schedule import SKIPPED, locked_pass
    from outageradar.ingest.sources import build_collectors

    collectors = build_collectors(cfg, services, settings.salt(), only=sources or None)
    result = locked_pass(store.engine, lambda: run_pass(store.factory, Tagger(), collectors, stop=stop))
    return result if result is not None else PassResult(skipped=SKIPPED)


@ingest_app.command("run")
def ingest_run(
    source: list[str] = typer.Option([], "--source", help="x, reddit, mastodon or bluesky; repeat for several (default: every enabled source)."),
    db: Optional[str] = DbOption,
) -> None:
    """One incremental pass over the configured sources; prints new posts per source and query."""
    settings, cfg, services = _ingest_setup(db)
    store = _store(db)
    result = _one_pass(store, settings, cfg, services, source)
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

    settings, cfg, services = _ingest_setup(db)
    seconds = parse_every(every or cfg.every)
    store = _store(db)
    stop = threading.Event()

    def job() -> None:
        result = _one_pass(store, settings, cfg, services, source, stop=stop)
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

    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.jetstream import JetstreamCollector, JetstreamFilter
    from outageradar.ingest.schedule import install_stop_signals
    from outageradar.ingest.sources import jetstream_terms

    if source != "bluesky":
        raise CliError(f"cannot stream {source!r}: only 'bluesky' streams")
    settings, cfg, services = _ingest_setup(db)
    sec = cfg.sources["bluesky"]
    store = _store(db)
    stop = threading.Event()
    filt = JetstreamFilter(jetstream_terms(cfg, services), require_cue=sec["stream_require_cue"])
    coll = JetstreamCollector(store.factory, Tagger(), filt, settings.salt(), url=url or sec["jetstream_url"],
                              batch_size=int(sec["stream_batch_size"]), flush_seconds=float(sec["stream_flush_seconds"]),
                              stop=stop, log=lambda m: err.print(m, highlight=False, markup=False))
    restore = install_stop_signals(stop)
    try:
        stats = coll.run()
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
    input: Path = typer.Argument(..., help="CSV or JSONL with a 'text' column (optional user_location, lat, lon, place; see classify/batch.py for accepted names)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the rows with the classification added."),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl or csv (default: from the file name)."),
    relevance: Optional[str] = typer.Option(
        None, "--relevance", help="linear (fast, the default) or two-stage (a fine-tuned transformer settles the "
        "posts the linear model is unsure of: more accurate, about 5x slower); default from OUTAGERADAR_RELEVANCE."),
) -> None:
    """Classify every row of a file: adds outage, outage_score, service, country, admin1, city, problem."""
    from outageradar.classify.batch import classify_file as run
    from outageradar.classify.tagger import Tagger

    tagger = Tagger(relevance_mode=relevance)
    with _progress() as progress:
        task = progress.add_task(f"classify {input.name}", total=None)
        summary = run(input, output, fmt, tagger=tagger, on_batch=lambda n: progress.update(task, completed=n))
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
    """Re-classify stored posts (those classified by another model version) and rebuild the rollups."""
    from outageradar.classify.tagger import Tagger
    from outageradar.store.reclassify import reclassify

    store = _store(db)
    with _progress() as progress:
        task = progress.add_task("re-classify", total=None)
        n = reclassify(store, Tagger(), everything=all_posts, on_batch=lambda k: progress.update(task, completed=k))
    out.print(f"re-classified {n:,} posts; rollups rebuilt")


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
    store = _store(db)
    the_day = _parse_day(day, store) if day or as_of is None else as_of.date()
    result = detect_day(store, the_day, as_of=as_of)
    if result.posts == 0:
        out.print(f"no data for {the_day.isoformat()}" + (f" up to {as_of:%Y-%m-%d %H:%M:%S} UTC" if as_of else ""))
        return
    stored = save if save is not None else as_of is None
    if stored:
        save_detection(store, result)
    if as_of is not None:
        out.print(f"incidents of {the_day.isoformat()} as of {as_of:%Y-%m-%d %H:%M:%S} UTC"
                  + ("" if stored else " (replay: not stored)"))
    _print_incidents(result.incidents)


def _parse_time(value: str, option: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"{option} must be an ISO 8601 time such as 2026-11-14T15:30:00Z, got {value!r}") from None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _parse_day(value: str | None, store) -> date:
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CliError(f"--date must be YYYY-MM-DD, got {value!r}") from None
    from outageradar.store.queries import newest_post_time

    newest = newest_post_time(store)
    if newest is None:
        raise CliError("the store holds no posts yet: ingest some first (e.g. `outageradar ingest file PATH`)")
    return newest.date()


def _print_incidents(incidents) -> None:
    from outageradar.reports.incidents import regions_text

    if not incidents:
        out.print("no incidents")
        return
    table = Table("service", "confidence", "status", "start (UTC)", "end (UTC)", "reports", "expected")
    table.add_column("regions", overflow="fold")  # wrapped, never cut: "Texas US; England GB"
    for inc in incidents:
        table.add_row(inc.service, inc.confidence, inc.status, f"{inc.started_at:%Y-%m-%d %H:%M}",
                      f"{inc.ended_at:%H:%M}", str(inc.total_reports), f"{inc.expected_reports:.1f}",
                      regions_text(inc.regions, 6))
    out.print(table)


# ---------------------------------------------------------------- report
@report_app.command("daily")
def report_daily(
    day: Optional[str] = typer.Option(None, "--date", help="UTC day, YYYY-MM-DD (default: the newest day with data)."),
    fmt: list[str] = typer.Option(["md", "json"], "--format", help="md, html or json; repeat for several."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="Folder for the report files."),
    db: Optional[str] = DbOption,
) -> None:
    """Detect and store the day's incidents and write the daily spike report (Markdown/HTML with charts, JSON)."""
    from outageradar.reports.daily import write_daily_report

    bad = [f for f in fmt if f not in ("md", "html", "json")]
    if bad:
        raise CliError(f"unknown --format {bad[0]!r}: use md, html or json")
    store = _store(db)
    the_day = _parse_day(day, store)
    result = write_daily_report(store, the_day, out_dir, formats=fmt)
    if result.no_data:
        out.print(f"no data for {the_day.isoformat()}")
    else:
        _print_incidents(result.incidents)
    for path in result.files:
        out.print(f"wrote {path}")


@report_app.command("live")
def report_live(
    hours: float = typer.Option(6.0, min=0.25, help="How far back to look."),
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
    report = live_report(_store(db), now, hours)
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
    """Simulate a week of posts with an injected multi-region outage, ingest, classify, detect and report it."""
    from outageradar.demo import run_demo

    result = run_demo(db, out_dir, seed=seed, fresh=not keep, console=err)
    out.print(f"[bold]SIMULATED DATA[/bold]: {result.posts:,} posts over {result.days} days "
              f"({result.ingest_rate:,.0f} posts/s ingested) into {result.db}")
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
    """Train the outage relevance model and write it as a JSON weights file."""
    from outageradar.classify.training import train

    report = train(data, output, extra=extra)
    out.print(str(report))
    out.print(f"wrote {output}")


@model_app.command("evaluate")
def model_evaluate(
    data: list[Path] = typer.Option(..., "--data", help="Labelled CSV (columns text, outage); repeat for several."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
) -> None:
    """Print precision, recall, F1 and the confusion matrix of a model on labelled data."""
    from outageradar.classify.training import evaluate

    out.print(str(evaluate(data, model)))


def main() -> None:
    """Console entry point: one-line errors, non-zero exit, no traceback (set OUTAGERADAR_DEBUG=1 for one)."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("OUTAGERADAR_DEBUG"):
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        known = exc.__class__.__name__ in {"CliError", "StoreError", "SourceFileError", "ConfigError",
                                           "SeriesError", "CatalogError", "LabelDataError",
                                           "BatchFileError", "TaggerError", "ModelError", "TransformerUnavailable"}
        err.print(f"[red]error:[/red] {msg}" if known else f"[red]error:[/red] {type(exc).__name__}: {msg}",
                  highlight=False, markup=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
