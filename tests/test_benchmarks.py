"""Every benchmark runs at a tiny size and passes its own check, and breaking its data on purpose makes it fail.

The benchmarks check what they measure before printing any time (issue 15); these tests make a broken benchmark fail
CI. Nothing here is timed: the tests assert exit codes and the benchmarks' "check ok" / "check FAILED" lines.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import PG_URL
from shared_data import require

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", BENCH / f"bench_{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fails(main, argv, capsys) -> str:
    """Run a benchmark's main expecting its check to fail; the one-line message."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code not in (0, None)
    out = capsys.readouterr().out
    assert "check ok" not in out  # nothing measured is printed before a failed check
    return str(exc.value.code)


# ------------------------------------------------------------------------------------------------ report
REPORT_TINY = ["--posts", "20000", "--runs", "1", "--quiet"]


def test_report_benchmark_finds_every_injected_outage(tmp_path, capsys):
    bench = load("report")
    bench.main(REPORT_TINY + ["--db", str(tmp_path / "r.db")])
    out = capsys.readouterr().out
    assert "check ok:" in out and "5/5 injected outages found on their days" in out
    assert out.count("found as Service") == 5
    assert (tmp_path / "r.db.truth.json").exists()


@pytest.mark.parametrize("table", ["service_day_rollups", "day_rollups"])
def test_report_benchmark_fails_when_a_derived_table_is_skipped(tmp_path, capsys, table):
    bench = load("report")
    msg = fails(bench.main, REPORT_TINY + ["--db", str(tmp_path / "r.db"), "--skip-table", table], capsys)
    assert msg.startswith("check FAILED: injected outage of Service") and "not found" in msg
    assert not (tmp_path / "r.db.truth.json").exists()  # a broken store is never reused as a cache


@pytest.mark.parametrize("table", ["service_rollups", "rollups"])
def test_report_benchmark_fails_when_a_table_detection_does_not_read_is_skipped(tmp_path, capsys, table):
    bench = load("report")
    msg = fails(bench.main, REPORT_TINY + ["--db", str(tmp_path / "r.db"), "--skip-table", table], capsys)
    assert msg.startswith(f"check FAILED: {table} count 0 posts")


def test_report_benchmark_fails_when_the_rollup_builder_forgets_a_table(tmp_path, capsys, monkeypatch):
    """The bug of issue 15: rollups written, the service totals detection reads (service_day_rollups) left empty."""
    from outageradar.store import reclassify

    real = reclassify.rebuild_rollups

    def forgetful(store):
        real(store)
        with store.engine.begin() as c:
            c.execute(text("DELETE FROM service_day_rollups"))

    monkeypatch.setattr(reclassify, "rebuild_rollups", forgetful)
    bench = load("report")
    msg = fails(bench.main, REPORT_TINY + ["--db", str(tmp_path / "r.db")], capsys)
    assert "not found (report: no incident)" in msg


def test_report_benchmark_rejects_too_few_days(tmp_path, capsys):
    bench = load("report")
    with pytest.raises(SystemExit) as exc:
        bench.main(["--posts", "100", "--days", "10", "--outages", "5", "--db", str(tmp_path / "r.db")])
    assert "too short" in str(exc.value.code)


@pytest.mark.pg
def test_report_benchmark_on_postgresql_uses_and_drops_its_own_schema(capsys, pg_reason):
    if pg_reason is not None:
        msg = f"PostgreSQL at {PG_URL} is unreachable: {pg_reason}"
        if os.environ.get("OUTAGERADAR_REQUIRE_PG"):
            pytest.fail(msg + " (OUTAGERADAR_REQUIRE_PG is set)")
        pytest.skip(msg)
    admin = create_engine(PG_URL)
    schemas = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'bench\\_%'"
    with admin.connect() as c:
        before = set(c.execute(text(schemas)).scalars())
    try:
        bench = load("report")
        bench.main(["--posts", "10000", "--days", "14", "--outages", "2", "--runs", "1", "--quiet", "--db", PG_URL])
        out = capsys.readouterr().out
        assert "check ok:" in out and "2/2 injected outages found" in out and "postgresql: PostgreSQL schema" in out
        with admin.connect() as c:
            assert set(c.execute(text(schemas)).scalars()) <= before
    finally:
        admin.dispose()


# ------------------------------------------------------------------------------------------------ ingest
def run_script(name: str, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH / f"bench_{name}.py"), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_ingest_benchmark_stores_every_post():
    r = run_script("ingest", "--posts", "150", "--pg", "")
    assert r.returncode == 0, r.stderr
    assert "check ok (SQLite): 150 posts stored and classified; rollups and service_rollups agree" in r.stdout


@pytest.mark.parametrize("table", ["posts", "rollups", "service_rollups"])
def test_ingest_check_fails_when_a_table_loses_a_row(tmp_path, table):
    """The benchmark's check, on a store filled by the ingest path in-process (`ingest file`'s load()), passes,
    then fails once ``--break TABLE`` has removed a row (the subprocess run of --break is the same two calls)."""
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts
    from outageradar.store import migrate, open_store
    from outageradar.store.db import make_engine
    from outageradar.pipeline import load as load_posts

    bench = load("ingest")
    path = tmp_path / "posts.jsonl"
    n = bench.make_file(150, path)
    url = f"sqlite:///{tmp_path / 'i.db'}"
    migrate.upgrade(make_engine(url))
    store = open_store(url)
    load_posts(store.factory, read_posts(path, "salt"), Tagger(), quarantine_source="test")
    store.dispose()
    assert bench.check(url, n).startswith("150 posts stored and classified")
    bench.break_table(url, table)
    with pytest.raises(SystemExit) as exc:
        bench.check(url, n)
    msg = str(exc.value.code)
    assert msg.startswith("check FAILED: ")
    assert ("150 posts generated, 149 stored" in msg) if table == "posts" else msg.startswith(f"check FAILED: {table} differ")


# ------------------------------------------------------------------------------------------------ tagger
def test_tagger_benchmark_equals_classify_file(capsys):
    require("data/labeled/outage_posts_dev.csv")
    load("tagger").main(["--posts", "1500", "--sample", "150"])
    out = capsys.readouterr().out
    assert "check ok: 150 sample rows equal to `classify file`" in out
    assert "full tagger" in out


def test_tagger_benchmark_fails_when_it_times_another_tagger(capsys, monkeypatch):
    require("data/labeled/outage_posts_dev.csv")
    bench = load("tagger")

    class NoRegions(bench.Tagger):  # a tagger that skips a part would look faster
        def classify_rows(self, rows):
            return [dataclasses.replace(lab, country=None, admin1=None, city=None)
                    for lab in super().classify_rows(rows)]

    monkeypatch.setattr(bench, "Tagger", NoRegions)
    # the sample must hold a row with a region: the labelled dev file has many
    msg = fails(bench.main, ["--posts", "1500", "--sample", "300"], capsys)
    assert msg.startswith("check FAILED: row") and "differs from classify file" in msg


# ------------------------------------------------------------------------------------------------ NAB
def test_nab_benchmark_scores_every_window(capsys):
    nab = require("data/nab")
    load("nab").main(["--nab", str(nab), "--files", "1", "--series", "40"])
    out = capsys.readouterr().out
    for folder in ("realTweets", "realKnownCause", "realAWSCloudwatch"):
        assert f"check ok: {folder}: 1 files, every labelled window scored" in out
    assert "check ok: score_counts alerted on" in out


def test_nab_benchmark_fails_when_windows_miss_the_data(capsys, monkeypatch):
    nab = require("data/nab")
    bench = load("nab")
    real = bench.load_windows

    def shifted(path):  # windows that match no row of their file would silently drop out of the score
        return {k: [(a + timedelta(days=36500), b + timedelta(days=36500)) for a, b in w]
                for k, w in real(path).items()}

    monkeypatch.setattr(bench, "load_windows", shifted)
    msg = fails(bench.main, ["--nab", str(nab), "--folders", "realTweets", "--files", "1", "--series", "0"], capsys)
    assert "labelled windows were scored" in msg


# ------------------------------------------------------------------------------------------------ Jetstream
def test_jetstream_benchmark_passes_exactly_the_outage_posts(capsys):
    load("jetstream").main(["--lines", "3000", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "check ok: every repeat passed exactly the" in out and "lines/s" in out


def test_jetstream_benchmark_fails_when_the_filter_passes_mentions(capsys, monkeypatch):
    bench = load("jetstream")
    real = bench.JetstreamFilter
    monkeypatch.setattr(bench, "JetstreamFilter", lambda terms: real(terms, require_cue=False))
    msg = fails(bench.main, ["--lines", "3000", "--repeat", "1"], capsys)
    assert msg.startswith("check FAILED: the filter passed") and "extra" in msg


# ------------------------------------------------------------------------------------------------ long posts, lead time
def test_long_posts_benchmark_classifies_every_row():
    proc = run_script("long_posts", "--n", "2", "--mb", "0.2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all 4 rows classified, long labels = labels of the first 10,000 characters" in proc.stdout


def test_lead_time_benchmark_links_the_official_incident():
    require("data/status_incidents")
    proc = run_script("lead_time")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check ok" in proc.stdout and "lead time:" in proc.stdout
