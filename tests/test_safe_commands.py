"""Commands that must not hurt: the demo never writes into a store it did not create, no directory is created from
a URL, bad arguments are refused before a database is opened, reads work on a read-only store, `classify stored`
keeps the rollups consistent at every commit, and every error is one line of plain text."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from outageradar.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


POSTS = [
    {"text": f"xbox live is down again {i}", "created_at": f"2026-11-{10 + i % 5:02d}T1{i % 10}:00:00Z", "id": f"p{i}"}
    for i in range(40)
]


def _posts_file(folder: Path) -> Path:
    f = folder / "posts.jsonl"
    f.write_text("".join(json.dumps(p) + "\n" for p in POSTS), encoding="utf-8")
    return f


def _count(url: str, table: str) -> int:
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with eng.connect() as c:
            return c.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    finally:
        eng.dispose()


# ---------------------------------------------------------------- demo
def test_demo_refuses_a_store_it_did_not_create(db_url, tmp_path, capsys):
    _filled(db_url, tmp_path, capsys)
    before = _count(db_url, "posts")
    for extra in ([], ["--keep"]):
        code, out, err = cli(capsys, "demo", "--db", db_url, "--out", str(tmp_path / "r"), *extra)
        assert code == 1
        line = one_line(err)
        assert line.startswith("error: refusing to write simulated posts") and f"{before:,} posts" in line
        assert "SIMULATED" not in out
    assert _count(db_url, "posts") == before
    assert not (tmp_path / "r").exists()


def test_demo_refuses_a_database_with_other_tables(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/other.db"
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)"))
        c.execute(text("INSERT INTO accounts (name) VALUES ('alice')"))
    eng.dispose()
    code, _, err = cli(capsys, "demo", "--db", url, "--out", str(tmp_path / "r"))
    assert code == 1 and "1 tables" in one_line(err)
    assert _count(url, "accounts") == 1


@pytest.mark.slow
def test_demo_reruns_on_its_own_database_replace_its_content(db_url, tmp_path, capsys):
    from outageradar.demo import DEMO_MARKER

    counts = []
    for _ in range(2):
        code, out, err = cli(capsys, "demo", "--db", db_url, "--out", str(tmp_path / "r"))
        assert code == 0, err
        counts.append(_count(db_url, "posts"))
        assert "FOUND the injected outage" in out
    assert counts[0] == counts[1] > 1000  # replaced, not added to
    eng = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with eng.connect() as c:
        sources = c.execute(text("SELECT DISTINCT source FROM posts")).scalars().all()
        marks = c.execute(text("SELECT count(*) FROM cursors WHERE source = :s AND key = :k"),
                          {"s": DEMO_MARKER[0], "k": DEMO_MARKER[1]}).scalar()
    eng.dispose()
    assert sources == ["simulated"] and marks == 1


# ---------------------------------------------------------------- URLs and arguments
def test_no_directory_is_created_from_a_database_url(tmp_path, capsys):
    missing = tmp_path / "nonexistent" / "dir"
    url = f"sqlite:///{missing}/x.db"
    posts = _posts_file(tmp_path)
    for args in (["db", "status"], ["db", "upgrade"], ["report", "daily"], ["report", "live"], ["detect", "run"],
                 ["classify", "stored"], ["ingest", "file", str(posts)], ["demo", "--out", str(tmp_path / "r")]):
        code, _, err = cli(capsys, *args, "--db", url)
        assert code == 1, args
        assert one_line(err) == f"error: directory {missing} does not exist", args
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("args, needle", [
    (["report", "daily", "--date", "22/11/2026"], "--date must be YYYY-MM-DD"),
    (["report", "daily", "--date", "9999-12-31"], "--date must be between"),
    (["report", "daily", "--format", "pdf"], "unknown --format"),
    (["detect", "run", "--date", "2026-13-01"], "--date must be YYYY-MM-DD"),
    (["detect", "run", "--at", "yesterday"], "--at must be an ISO 8601 time"),
    (["report", "live", "--at", "0001-01-01T00:00:00Z"], "--at must be between"),
    (["report", "live", "--hours", "1e9"], "Invalid value for '--hours'"),
    (["report", "live", "--format", "xml"], "unknown --format"),
])
def test_bad_arguments_are_refused_before_any_database_is_opened(tmp_path, monkeypatch, capsys, args, needle):
    monkeypatch.chdir(tmp_path)  # the default URL is sqlite:///outageradar.db in the working directory
    code, _, err = cli(capsys, *args)
    assert code in (1, 2)
    assert needle in one_line(err)
    assert list(tmp_path.iterdir()) == [tmp_path / "xdg"] or not (tmp_path / "outageradar.db").exists()
    assert not (tmp_path / "outageradar.db").exists()


def test_reads_on_a_missing_database_create_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for args in (["report", "daily"], ["report", "live"], ["db", "status"], ["detect", "run", "--no-save"]):
        code, _, err = cli(capsys, *args)
        assert code == 1 and "no database at" in one_line(err), args
    assert not any(p.name.startswith("outageradar.db") for p in tmp_path.iterdir())


# ---------------------------------------------------------------- read-only store
def _filled(db_url: str, tmp_path: Path, capsys) -> None:
    code, _, err = cli(capsys, "db", "upgrade", "--db", db_url)
    assert code == 0, err
    code, _, err = cli(capsys, "ingest", "file", str(_posts_file(tmp_path)), "--db", db_url)
    assert code == 0, err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reads_work_on_a_read_only_sqlite_store(tmp_path, capsys):
    db = tmp_path / "ro.db"
    url = f"sqlite:///{db}"
    _filled(url, tmp_path, capsys)
    eng = create_engine(url)
    with eng.connect() as c:  # fold the WAL into the file, so the digest covers every page
        c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    eng.dispose()
    os.chmod(db, 0o444)
    before = _digest(db)
    for u in (url, f"sqlite:///file:{db}?mode=ro&uri=true"):
        for args in (["report", "daily", "--date", "2026-11-12", "--out", str(tmp_path / "rep")],
                     ["report", "daily", "--out", str(tmp_path / "rep")],
                     ["report", "live", "--at", "2026-11-14T20:00:00Z", "--hours", "48"],
                     ["db", "status"], ["detect", "run", "--at", "2026-11-14T20:00:00Z"]):
            code, out, err = cli(capsys, *args, "--db", u)
            assert code == 0, (args, err)
    assert _digest(db) == before
    assert _count(url, "incidents") == 0  # report daily computed the incidents without saving them
    assert (tmp_path / "rep" / "outageradar-2026-11-12.json").exists()


def test_a_write_on_a_read_only_url_is_one_line(tmp_path, capsys):
    db = tmp_path / "ro.db"
    _filled(f"sqlite:///{db}", tmp_path, capsys)
    code, _, err = cli(capsys, "detect", "run", "--date", "2026-11-12", "--db", f"sqlite:///file:{db}?mode=ro&uri=true")
    assert code == 1 and "read" in one_line(err) and "database error" in one_line(err)


@pytest.mark.pg
def test_reads_work_for_a_select_only_postgresql_role(db_url, tmp_path, capsys):
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL role")
    _filled(db_url, tmp_path, capsys)
    from sqlalchemy.engine import make_url

    from tests.conftest import PG_URL

    schema = make_url(db_url).query["options"].split("=", 1)[1]
    role = "ro_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        c.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        c.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
    try:
        ro_url = make_url(db_url).set(username=role).render_as_string(hide_password=False)
        for args in (["report", "daily", "--date", "2026-11-12", "--out", str(tmp_path / "rep")],
                     ["report", "live", "--at", "2026-11-14T20:00:00Z", "--hours", "48"], ["db", "status"]):
            code, _, err = cli(capsys, *args, "--db", ro_url)
            assert code == 0, (args, err)
        assert _count(db_url, "incidents") == 0
    finally:
        with admin.begin() as c:
            c.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"'))
            c.execute(text(f'REVOKE USAGE ON SCHEMA "{schema}" FROM "{role}"'))
            c.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_an_old_schema_on_a_read_is_one_line_asking_for_db_upgrade(db_url, tmp_path, capsys):
    from outageradar.store import migrate
    from outageradar.store.db import make_engine

    eng = make_engine(db_url)
    migrate.upgrade(eng, "0001")
    for args in (["report", "daily", "--out", str(tmp_path / "rep")], ["report", "live"]):
        code, _, err = cli(capsys, *args, "--db", db_url)
        assert code == 1 and "run `outageradar db upgrade`" in one_line(err), err
    assert migrate.current_revision(eng) == "0001"  # not migrated by a read
    code, out, _ = cli(capsys, "db", "status", "--db", db_url)
    assert code == 0 and "schema 0001" in out
    eng.dispose()


# ---------------------------------------------------------------- classify stored
class _Stop(Exception):
    pass


class _ShiftedTagger:
    """The real tagger's labels moved: other services, regions and outage flags, as a new model version would."""

    version = "test-shifted-v2"

    def __init__(self):
        from outageradar.classify.tagger import Tagger

        self.inner = Tagger()

    def classify_rows(self, rows):
        import dataclasses

        out = []
        for i, lab in enumerate(self.inner.classify_rows(rows)):
            k = len(rows[i].text) % 3
            out.append(dataclasses.replace(lab, service=("Netflix", "Xbox Live", None)[k], country=("US", "GB", None)[k],
                                           admin1=("Texas", None, None)[k], outage=bool(k != 1),
                                           model_version=self.version))
        return out


def _rollups(store):
    from outageradar.store.models import RollupRow, ServiceRollupRow

    with store.session() as s:
        r = sorted((x.service, x.country, x.admin1, x.bucket.astimezone(timezone.utc), x.n_posts, x.n_outage)
                   for x in s.scalars(select(RollupRow)))
        t = sorted((x.service, x.bucket.astimezone(timezone.utc), x.n_posts, x.n_outage)
                   for x in s.scalars(select(ServiceRollupRow)))
    return r, t


def test_classify_stored_keeps_rollups_consistent_when_interrupted(store, tmp_path):
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts
    from outageradar.pipeline import load
    from outageradar.store.models import ClassificationRow
    from outageradar.pipeline.reclassify import reclassify
    from outageradar.store.reclassify import rebuild_rollups

    posts = tmp_path / "many.jsonl"
    with open(posts, "w", encoding="utf-8") as fh:
        for i in range(230):
            fh.write(json.dumps({"text": f"{'xbox live' if i % 2 else 'comcast'} down in Austin TX {'x' * (i % 7)}",
                                 "created_at": f"2026-11-1{i % 4}T{i % 24:02d}:{i % 12 * 5:02d}:00Z",
                                 "id": f"m{i}"}) + "\n")
    load(store.factory, read_posts(posts, "salt"), Tagger(), quarantine_source="test")
    tagger = _ShiftedTagger()
    calls = []

    def stop_after_two(done):
        calls.append(done)
        if len(calls) == 2:
            raise _Stop

    with pytest.raises(_Stop):
        reclassify(store, tagger, on_batch=stop_after_two, batch_size=50)
    with store.session() as s:
        shifted = s.scalar(select(func.count()).select_from(ClassificationRow)
                           .where(ClassificationRow.model_version == tagger.version))
    assert shifted == 100  # two batches committed, the rest on the old model
    incremental = _rollups(store)
    rebuild_rollups(store)
    assert incremental == _rollups(store)
    # the re-run finishes the job, still consistent
    assert reclassify(store, tagger, batch_size=50) == 130
    incremental = _rollups(store)
    rebuild_rollups(store)
    assert incremental == _rollups(store)
    assert sum(n for *_, n, _ in incremental[0]) == sum(1 for i in range(230) if (len(
        f"{'xbox live' if i % 2 else 'comcast'} down in Austin TX {'x' * (i % 7)}") % 3) != 2)


# ---------------------------------------------------------------- output hygiene
def test_usage_errors_are_one_line_with_exit_2(capsys, tmp_path):
    for args, needle in ((["ingest", "file"], "Missing argument"), (["detect", "run", "--fo"], "No such option"),
                         (["report", "live", "--hours", "many"], "'--hours'"), (["nosuch"], "No such command")):
        code, _, err = cli(capsys, *args)
        assert code == 2, args
        line = one_line(err)
        assert line.startswith("error: ") and needle in line and "╭" not in line


def test_markup_in_a_file_name_prints_literally(tmp_path, capsys):
    folder = tmp_path / "a["
    folder.mkdir()
    missing = folder / "red].jsonl"  # the path reads "a[/red].jsonl"
    code, _, err = cli(capsys, "ingest", "file", str(missing), "--db", f"sqlite:///{tmp_path}/x.db")
    assert code == 1 and one_line(err) == f"error: no such file: {missing}"
    good = folder / "red]ok.jsonl"
    good.write_text(json.dumps(POSTS[0]) + "\n", encoding="utf-8")
    code, out, err = cli(capsys, "classify", "file", str(good), "-o", str(folder / "red]out.jsonl"))
    assert code == 0, err
    assert str(good) in out and "[/red]" in out


def test_gzip_errors_name_the_file_on_one_line(tmp_path, capsys):
    whole = gzip.compress("".join(json.dumps(p) + "\n" for p in POSTS * 50).encode())
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(whole[:20] + bytes(range(256)) * 4)
    for f in (truncated, corrupt):
        code, _, err = cli(capsys, "ingest", "file", str(f), "--db", f"sqlite:///{tmp_path}/g.db")
        line = one_line(err)
        assert code == 1 and line.startswith("error: ") and f.name in line and "truncated or corrupt" in line
        assert "error: error:" not in line and "Aborted" not in err


def test_csv_output_neutralises_formulas_and_jsonl_is_unchanged(tmp_path, capsys):
    import csv

    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "lon", "note", "=col"])
        w.writerow(['=HYPERLINK("http://evil","x") comcast down', "-122.4", "+1+cmd", "@SUM(A1)"])
        w.writerow(["-2+3 xbox down", "-1.5e3", "\tx", "\rcr"])
        w.writerow(["plain text", "12", "fine", "ok"])
    code, _, err = cli(capsys, "classify", "file", str(src), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["text", "lon", "note", "'=col"]
    assert rows[1][:4] == ["'=HYPERLINK(\"http://evil\",\"x\") comcast down", "-122.4", "'+1+cmd", "'@SUM(A1)"]
    assert rows[2][:4] == ["'-2+3 xbox down", "-1.5e3", "'\tx", "'\rcr"]
    assert rows[3][:4] == ["plain text", "12", "fine", "ok"]
    code, _, err = cli(capsys, "classify", "file", str(src), "-o", str(tmp_path / "out.jsonl"))
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["text"].startswith("=HYPERLINK") and first["note"] == "+1+cmd"
    code, out, _ = cli(capsys, "classify", "file", "--help")
    assert "formula" in out and "JSONL" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "leading `'`" in readme


def test_user_errors_share_one_base():
    import ast

    from outageradar.pipeline.classify_file import BatchFileError
    from outageradar.classify.catalog import CatalogError
    from outageradar.classify.relevance import ModelError
    from outageradar.classify.tagger import TaggerError
    from training.linear import LabelDataError
    from outageradar.classify.transformer import TransformerUnavailable
    from outageradar.cli import CliError
    from outageradar.config import ConfigError
    from outageradar.demo import DemoError
    from outageradar.ingest.filesource import SourceFileError
    from outageradar.ingest.retry import CollectorError
    from outageradar.records import OutageradarError
    from outageradar.reports.series import SeriesError
    from outageradar.store.db import StoreError

    for kind in (BatchFileError, CatalogError, ModelError, TaggerError, LabelDataError, TransformerUnavailable,
                 CliError, ConfigError, DemoError, SeriesError, StoreError, SourceFileError, CollectorError):
        assert issubclass(kind, OutageradarError), kind
    assert issubclass(ConfigError, RuntimeError) and issubclass(BatchFileError, ValueError)  # old bases kept
    tree = ast.parse((ROOT / "outageradar" / "records.py").read_text())
    imported = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(not (getattr(n, "module", "") or "").startswith("outageradar") for n in imported)
    assert not [a.name for n in imported if isinstance(n, ast.Import) for a in n.names if a.name.startswith("outageradar")]


def test_an_unexpected_error_is_one_line_with_its_class(tmp_path):
    env = {**os.environ, "OUTAGERADAR_CONFIG": str(tmp_path / "bad.toml")}
    (tmp_path / "bad.toml").write_text("database_url = [\n")
    r = subprocess.run([sys.executable, "-m", "outageradar", "config", "show"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1 and one_line(r.stderr).startswith("error: config file")


def test_the_progress_bar_prints_markup_in_a_name_literally():
    import io

    from rich.console import Console

    import outageradar.cli as cli_mod

    buf = io.StringIO()
    saved = cli_mod.err
    cli_mod.err = Console(file=buf, force_terminal=True, markup=False, width=100)
    try:
        with cli_mod._progress() as progress:
            task = progress.add_task("ingest a[/red].jsonl", total=3)
            progress.update(task, completed=2)
    finally:
        cli_mod.err = saved
    assert "a[/red].jsonl" in buf.getvalue()
