"""Every notebook runs top to bottom on the database the demo builds and on a store of real posts, and is committed
without outputs. A checking cell appended to each notebook asserts what a reader must see (incidents on the timeline,
legends of at most the top N plus "other")."""

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from sqlalchemy import MetaData, create_engine, inspect, text

from shared_data import require

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REAL_POSTS = "data/power_outage_tweets/raw_tweets.csv"

CHECKS = {
    "explore.ipynb": """
assert len(incidents) > 0, "the incident timeline is empty"
assert by_service.shape[1] <= TOP_SERVICES + 1 and by_region.shape[1] <= TOP_REGIONS + 1
assert len(plt.get_fignums()) == 0  # every figure was shown
print("CHECKED", origin)
""",
    "official_vs_ours.ipynb": """
assert set(summary.index) >= {"matched (ours and official)", "only official (on days with posts)"}
print("CHECKED", dict(summary))
""",
}


def _execute(path: Path, url: str, monkeypatch, check: str | None = None):
    monkeypatch.setenv("OUTAGERADAR_DATABASE_URL", url)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend turns figures into PNG outputs
    nb = nbformat.read(path, as_version=4)
    if check:
        nb.cells.append(new_code_cell(check))
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors, errors
    assert any(o.output_type == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.fixture(scope="session")
def real_store_url(tmp_path_factory):
    """A SQLite store of the 2019 power-outage tweets (years of real posts, about 130 regions, nothing detected)."""
    csv = require(REAL_POSTS)
    folder = tmp_path_factory.mktemp("real")
    url = f"sqlite:///{folder}/real.db"
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "xdg"), "OUTAGERADAR_AUTHOR_SALT": "t"}
    proc = subprocess.run([sys.executable, "-m", "outageradar", "ingest", "file", str(csv), "--db", url],
                          capture_output=True, text=True, cwd=folder, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return url


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"explore.ipynb", "official_vs_ours.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_demo_database(path, demo_run, monkeypatch):
    _, url, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = _execute(path, url, monkeypatch, CHECKS.get(path.name))
    if path.name == "explore.ipynb":
        assert "CHECKED 1 stored incidents" in text  # the demo stores its injected outage


@pytest.mark.shared
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_a_store_of_real_posts(path, real_store_url, monkeypatch):
    monkeypatch.setenv("OUTAGERADAR_NOTEBOOK_DETECT_DAYS", "30")
    text = _execute(path, real_store_url, monkeypatch, CHECKS.get(path.name))
    if path.name == "explore.ipynb":
        assert "incidents detected on the 30 busiest" in text and "(none stored)" in text
        assert "the legend shows the top 10" in text


OFFICIAL_SCHEMA = """CREATE TABLE official_incidents (id INTEGER PRIMARY KEY, provider VARCHAR(32) NOT NULL,
    service VARCHAR(128), external_id VARCHAR(128) NOT NULL, title TEXT NOT NULL, impact VARCHAR(32),
    status VARCHAR(32), started_at DATETIME NOT NULL, resolved_at DATETIME, updated_at DATETIME, url TEXT,
    UNIQUE (provider, external_id))"""


def test_official_notebook_matches_and_measures_lead_time(demo_run, tmp_path, monkeypatch):
    """On a copy of the demo store with official incidents (the documented ``official_incidents`` columns): one
    published 20 minutes after our incident started, one on another day with posts, one of a service without posts
    that day."""
    folder, url, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    copy = tmp_path / "demo.db"
    shutil.copy(url.removeprefix("sqlite:///"), copy)
    engine = create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        ours = conn.execute(text("SELECT service, started_at FROM incidents WHERE confidence = 'strong'")).one()
        if not inspect(conn).has_table("official_incidents"):  # the store predates the table's migration
            conn.execute(text(OFFICIAL_SCHEMA))
        table = MetaData()
        table.reflect(conn, only=["official_incidents"])
        official = table.tables["official_incidents"]
        start = ours.started_at if isinstance(ours.started_at, datetime) else datetime.fromisoformat(ours.started_at)
        rows = [
            {"provider": "statuspage", "service": ours.service, "external_id": "a", "title": "Sign-in problems",
             "impact": "major", "status": "resolved", "started_at": start + timedelta(minutes=20),
             "resolved_at": start + timedelta(hours=2), "updated_at": start + timedelta(hours=2),
             "url": "https://status.example/a"},
            {"provider": "statuspage", "service": ours.service, "external_id": "b", "title": "Store slow",
             "impact": "minor", "status": "resolved", "started_at": start - timedelta(days=2),
             "resolved_at": start - timedelta(days=2) + timedelta(hours=1), "updated_at": start,
             "url": "https://status.example/b"},
            {"provider": "aws", "service": "Amazon Web Services", "external_id": "c", "title": "EC2 errors",
             "impact": "major", "status": "resolved", "started_at": start - timedelta(days=30), "resolved_at": None,
             "updated_at": start, "url": "https://health.aws.amazon.com/c"},
        ]
        for row in rows:  # the columns status sync fills besides the documented ones
            row.setdefault("components", [])
            row.setdefault("fetched_at", start)
        required = {c.name for c in official.columns if not c.nullable and c.default is None and
                    c.server_default is None and not c.primary_key}
        assert required <= set(rows[0]), f"official_incidents needs columns the test does not fill: {required - set(rows[0])}"
        conn.execute(official.insert(), rows)
    engine.dispose()
    path = next(p for p in NOTEBOOKS if p.name == "official_vs_ours.ipynb")
    check = CHECKS[path.name] + """
assert len(pairs) == 1 and abs(pairs["lead_minutes"].iloc[0] - 20) < 1e-6, pairs
assert summary["matched (ours and official)"] == 1 and summary["only official (on days with posts)"] == 1
assert list(only_official["title"]) == ["Store slow"]  # the AWS one is on a day without posts: not a miss
"""
    text_out = _execute(path, f"sqlite:///{copy}", monkeypatch, check)
    assert "3 official incidents stored" in text_out and "median lead time +20 min over 1 matched pairs" in text_out
