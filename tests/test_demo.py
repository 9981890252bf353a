"""The demo is the main job end to end: it must find the injected outage and write the report files."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_finds_the_injected_outage(demo_run):
    folder, _, r = demo_run
    assert r.returncode == 0, r.stderr[-2000:]
    assert "FOUND the injected outage" in r.stdout
    reports = folder / "reports"
    (md,) = reports.glob("outageradar-*.md")
    (js,) = reports.glob("outageradar-*.json")
    (html,) = reports.glob("outageradar-*.html")
    data = json.loads(js.read_text())
    assert data["simulated"] is True
    strong = [i for i in data["incidents"] if i["confidence"] == "strong"]
    assert len(strong) == 1 and strong[0]["service"] == "Xbox Live"
    assert {r["label"] for r in strong[0]["regions"]} == {"Georgia US", "Texas US", "England GB"}
    assert strong[0]["chart"] and (reports / strong[0]["chart"]).stat().st_size > 5000
    text = md.read_text()
    assert "Simulated data" in text and "Xbox Live" in text and "England, GB" in text
    assert "<script" not in html.read_text().lower()


def test_demo_rerun_keeps_posts_once(tmp_path):
    args = [sys.executable, "-m", "outageradar", "demo", "--keep", "--out", str(tmp_path / "r"),
            "--db", f"sqlite:///{tmp_path}/demo.db"]
    first = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    second = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    from sqlalchemy import create_engine, func, select

    from outageradar.store.models import IncidentRow, PostRow

    eng = create_engine(f"sqlite:///{tmp_path}/demo.db")
    with eng.connect() as c:
        n = c.execute(select(func.count()).select_from(PostRow)).scalar()
        incidents = c.execute(select(func.count()).select_from(IncidentRow).where(IncidentRow.service == "Xbox Live")).scalar()
    assert n == int(first.stdout.split("SIMULATED DATA: ")[1].split(" posts")[0].replace(",", ""))
    assert incidents == 1
