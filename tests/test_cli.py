"""The command line: help everywhere, one-line errors and non-zero exits on bad input."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from outageradar.cli import app

COMMANDS = [
    [], ["db"], ["db", "upgrade"], ["db", "status"], ["ingest"], ["ingest", "file"], ["classify"],
    ["classify", "file"], ["classify", "stored"], ["detect"], ["detect", "series"], ["detect", "run"], ["report"],
    ["report", "daily"], ["report", "live"], ["demo"], ["model"], ["model", "train"], ["model", "evaluate"],
]


def run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "outageradar", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=300)


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_command_has_help(cmd):
    r = CliRunner().invoke(app, [*cmd, "--help"])
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output


def test_top_level_lists_the_commands():
    out = run("--help").stdout
    for name in ("db", "ingest", "classify", "report", "demo", "detect"):
        assert name in out


def _one_line_error(r, needle):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr + r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr


def test_missing_file_is_one_line(tmp_path):
    r = run("ingest", "file", str(tmp_path / "nope.jsonl"), env={"OUTAGERADAR_DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    _one_line_error(r, "no such file")


def test_unreachable_database_is_one_line(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"text": "x down", "created_at": "2026-01-01T00:00:00Z"}\n')
    r = run("ingest", "file", str(f), env={"OUTAGERADAR_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    _one_line_error(r, "cannot reach database")
    r = run("db", "upgrade", "--db", "notaurl")
    _one_line_error(r, "not a database URL")


def test_bad_report_date_and_format(tmp_path):
    env = {"OUTAGERADAR_DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}
    _one_line_error(run("report", "daily", "--date", "22/11/2026", env=env), "--date must be YYYY-MM-DD")
    _one_line_error(run("report", "daily", "--format", "pdf", env=env), "unknown --format")
    _one_line_error(run("report", "daily", env=env), "nothing is stored yet")  # a read creates no database
    assert not (tmp_path / "a.db").exists()
    assert run("db", "upgrade", env=env).returncode == 0
    _one_line_error(run("report", "daily", env=env), "holds no posts yet")


def test_db_upgrade_and_status(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    r = run("db", "upgrade", "--db", url)
    from outageradar.store import migrate
    from outageradar.store.db import make_engine

    assert r.returncode == 0 and f"empty -> {migrate.head_revision(make_engine(url))}" in r.stdout
    r = run("db", "status", "--db", url)
    assert r.returncode == 0 and "posts" in r.stdout


# ---------------------------------------------------------------- detect run, report live, report daily on data
def _outage_db(tmp_path):
    """A SQLite store with 11 quiet days of Xbox Live reports and a three-region outage on 2026-05-20 14:00-15:00."""
    import random
    from datetime import datetime, timedelta, timezone

    from outageradar.records import Classification
    from outageradar.records import Post
    from outageradar.store import migrate, open_store
    from outageradar.store.db import make_engine
    from outageradar.store.writer import store_posts

    url = f"sqlite:///{tmp_path}/o.db"
    migrate.upgrade(make_engine(url))
    store = open_store(url)
    rng = random.Random(2)
    regions = [("US", "Georgia"), ("US", "Texas"), ("GB", "England")]
    posts, labels = [], []
    start = datetime(2026, 5, 10, tzinfo=timezone.utc)
    for b in range(11 * 288):
        for country, admin1 in regions:
            if rng.random() < 0.05:
                posts.append(Post("t", f"b{len(posts)}", start + timedelta(minutes=5 * b), "xbox down"))
                labels.append(Classification(True, 0.9, "Xbox Live", country, admin1, None, "connectivity", "text", "t"))
    outage = datetime(2026, 5, 20, 14, 0, tzinfo=timezone.utc)
    for m in range(0, 60, 5):
        for country, admin1 in regions[: 2 if m < 20 else 3]:
            for k in range(7):
                n = len(posts)
                posts.append(Post("t", f"o{n}", outage + timedelta(minutes=m, seconds=30 * k),
                                  f"xbox down {str(n).translate(str.maketrans('0123456789', 'abcdefghij'))}"))
                labels.append(Classification(True, 0.99, "Xbox Live", country, admin1, None, "connectivity", "text", "t"))
    with store.session() as s, s.begin():
        store_posts(s, posts, labels)
    return url, store


def _stored_incidents(store):
    from sqlalchemy import select

    from outageradar.store.models import IncidentRow

    with store.session() as s:
        return [(r.service, r.started_at, r.ended_at, r.total_reports) for r in s.scalars(select(IncidentRow))]


def test_report_live_json_as_of_and_read_only(tmp_path):
    import json

    url, store = _outage_db(tmp_path)
    env = {"COLUMNS": "200"}
    r = run("report", "live", "--at", "2026-05-20T14:12:00Z", "--hours", "3", "--format", "json", "--db", url, env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # one JSON document, nothing else on stdout
    (inc,) = doc["incidents"]
    assert {"service", "confidence", "start", "end", "status", "reports", "expected", "regions"} <= set(inc)
    assert inc["service"] == "Xbox Live" and inc["status"] == "ongoing"
    assert inc["end"] <= "2026-05-20T14:15:00+00:00" and {x["region"] for x in inc["regions"]} == {"Georgia US", "Texas US"}
    assert doc["no_data"] is False and doc["to"].startswith("2026-05-20T14:12")
    assert _stored_incidents(store) == []  # live detection writes nothing
    # later: England joined, the outage is over
    r = run("report", "live", "--at", "2026-05-20T17:00:00", "--hours", "4", "--format", "json", "--db", url, env=env)
    (inc,) = json.loads(r.stdout)["incidents"]
    assert inc["status"] == "resolved" and inc["confidence"] == "strong" and "England GB" in inc["regions_text"]
    r = run("report", "live", "--at", "2026-05-20T17:00:00", "--hours", "4", "--db", url, env=env)
    assert r.returncode == 0 and "resolved" in r.stdout and "GB" in r.stdout and "US;" in r.stdout
    # detect run stores; a live replay of an earlier time then leaves the stored incident as it is
    r = run("detect", "run", "--date", "2026-05-20", "--db", url, env=env)
    assert r.returncode == 0 and "Xbox Live" in r.stdout, r.stderr
    stored = _stored_incidents(store)
    assert len(stored) == 1
    run("report", "live", "--at", "2026-05-20T14:12:00Z", "--hours", "3", "--db", url, env=env)
    assert _stored_incidents(store) == stored
    # detect run as of a time is a replay: printed, not stored (unless --save)
    r = run("detect", "run", "--at", "2026-05-20T14:12:00Z", "--db", url, env=env)
    assert r.returncode == 0 and "replay: not stored" in r.stdout and "ongoing" in r.stdout
    assert _stored_incidents(store) == stored
    store.dispose()


def test_days_without_posts_say_no_data(tmp_path):
    url, store = _outage_db(tmp_path)
    store.dispose()
    r = run("detect", "run", "--date", "2026-06-01", "--db", url)
    assert r.returncode == 0 and r.stdout.strip() == "no data for 2026-06-01"
    r = run("report", "daily", "--date", "2026-06-01", "--format", "md", "--out", str(tmp_path / "rep"), "--db", url)
    assert r.returncode == 0 and "no data for 2026-06-01" in r.stdout and "no incidents" not in r.stdout
    assert "no data" in (tmp_path / "rep" / "outageradar-2026-06-01.md").read_text()
    r = run("report", "live", "--at", "2026-06-01T12:00:00Z", "--db", url)
    assert r.returncode == 0 and "no data for 2026-06-01" in r.stdout and "no incidents" not in r.stdout
    r = run("report", "live", "--at", "2026-06-01T12:00:00Z", "--format", "json", "--db", url)
    assert '"no_data": true' in r.stdout
    # a quiet day with posts is "no incidents"
    r = run("detect", "run", "--date", "2026-05-15", "--db", url)
    assert r.returncode == 0 and r.stdout.strip() == "no incidents"


def test_bad_live_and_detect_options(tmp_path):
    env = {"OUTAGERADAR_DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}
    _one_line_error(run("report", "live", "--at", "yesterday", env=env), "--at must be an ISO 8601 time")
    _one_line_error(run("report", "live", "--format", "xml", env=env), "unknown --format")
    _one_line_error(run("detect", "run", "--at", "14:00 tomorrow", env=env), "--at must be an ISO 8601 time")
