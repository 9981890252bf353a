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
    _one_line_error(run("report", "daily", env=env), "holds no posts yet")


def test_db_upgrade_and_status(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    r = run("db", "upgrade", "--db", url)
    assert r.returncode == 0 and "empty -> 0002" in r.stdout
    r = run("db", "status", "--db", url)
    assert r.returncode == 0 and "posts" in r.stdout
