"""The web app without a browser (Starlette's TestClient): pages, the JSON API, escaping, read-only, security headers.

The database is a small demo: three simulated days (``outageradar.ingest.simulate``) with the injected multi-region
Xbox Live outage on the last, two hostile posts (a ``<script>`` text, a ``javascript:`` link) inside it, and an
official incident recorded 25 minutes after the injected start (so the lead time is known). It is built once per
session (:func:`demo_db`) and shared with ``test_serve_browser.py``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

HOSTILE = "<script>window.pwned=1</script> Xbox Live down? can't connect <img src=x onerror=alert(2)>"
UTC = timezone.utc


def demo_db(tmp_path_factory) -> dict:
    """Build (once per session) the demo database; returns its URL, the injected outage and the 'during' time."""
    folder = tmp_path_factory.getbasetemp() / "serve-demo"
    info_file = folder / "info.json"
    if info_file.exists():
        return json.loads(info_file.read_text())
    folder.mkdir(exist_ok=True)
    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts
    from outageradar.ingest.simulate import simulate, write_jsonl
    from outageradar.ingest.statuspage import OfficialIncident
    from outageradar.store import open_store
    from outageradar.pipeline import load
    from outageradar.store.official import save_official

    records, sim = simulate(date(2026, 11, 27), days=3, outage_day_index=2)
    inj = sim.injected[0]
    start = datetime.fromisoformat(inj.start)
    records += [
        {"source": "simulated", "text": HOSTILE, "created_at": (start + timedelta(minutes=44, seconds=50)).isoformat(),
         "author_id": "hostile-1", "source_id": "hostile-1", "user_location": "Houston, TX",
         "url": "javascript:alert(3)"},
        {"source": "simulated", "text": "Xbox Live is down again in Atlanta, online play not working",
         "created_at": (start + timedelta(minutes=44, seconds=40)).isoformat(), "author_id": "linked-1",
         "source_id": "linked-1", "user_location": "Atlanta, GA", "url": "https://example.org/posts/linked-1"},
    ]
    records.sort(key=lambda r: r["created_at"])
    posts = folder / "posts.jsonl"
    write_jsonl(records, posts)
    url = f"sqlite:///{folder / 'demo.db'}"
    store = open_store(url)
    load(store.factory, read_posts(posts, "test-salt"), Tagger(), quarantine_source="test")
    announced = start + timedelta(minutes=25)
    save_official(store, "support.xbox.com", [OfficialIncident(
        "support.xbox.com", "Xbox Live", "xbl-1", "Xbox Live multiplayer degraded", "major", "resolved",
        start + timedelta(minutes=5), announced, start + timedelta(hours=2), start + timedelta(hours=2),
        "https://support.xbox.com/xbox-live-status", ("Multiplayer",))])
    store.dispose()
    info = {"url": url, "service": inj.service, "start": inj.start, "end": inj.end,
            "regions": [f"{r['admin1']} {r['country']}" for r in inj.regions],
            "during": (start + timedelta(minutes=45)).isoformat(), "announced": announced.isoformat()}
    info_file.write_text(json.dumps(info))
    return info


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory)


@pytest.fixture(scope="module")
def client(demo):
    from starlette.testclient import TestClient

    from outageradar.serve.app import create_app
    from outageradar.store import open_store

    store = open_store(demo["url"], read_only=True)
    with TestClient(create_app(store)) as c:
        yield c
    store.dispose()


def _q(demo) -> str:
    return "?at=" + demo["during"].replace("+00:00", "Z")


def test_api_services_shows_the_outage(client, demo):
    r = client.get("/api/services" + _q(demo))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    rows = {s["service"]: s for s in d["services"]}
    xbox = rows[demo["service"]]
    assert xbox["status"] == "incident" and d["services"][0]["service"] == demo["service"]
    assert len(xbox["sparkline"]) == 6 * 12 and sum(xbox["sparkline"]) == xbox["reports"] > 50
    assert all(s["status"] in ("ok", "watch", "incident") for s in d["services"])
    assert sum(1 for s in d["services"] if s["status"] == "incident") == 1


def test_api_service_has_the_page_data(client, demo):
    d = client.get("/api/service/Xbox%20Live" + _q(demo)).json()
    assert d["service"] == "Xbox Live" and d["status"] == "incident"
    assert d["status_page"] == "https://support.xbox.com/xbox-live-status"
    chart = d["chart"]
    assert len(chart["buckets"]) == len(chart["counts"]) == len(chart["expected"]) == len(chart["upper"]) == 288
    assert max(chart["counts"]) > max(chart["upper"][:200])  # the outage rises above the band
    (inc,) = [i for i in d["incidents"] if i["confidence"] == "strong"]
    assert {r["region"] for r in inc["regions"]} >= set(demo["regions"])
    (link,) = inc["official"]
    expected_lead = (datetime.fromisoformat(demo["announced"]) - datetime.fromisoformat(inc["start"])).total_seconds() / 60
    assert link["lead_minutes"] == pytest.approx(expected_lead) and link["lead_minutes"] > 0
    assert link["title"] == "Xbox Live multiplayer degraded"
    assert {r["region"] for r in d["regions"][:3]} == set(demo["regions"])
    assert all(r["lon"] is not None for r in d["regions"])
    assert d["problems"] and abs(sum(p["share"] for p in d["problems"]) - 1) < 0.01
    assert d["official"][0]["title"] == "Xbox Live multiplayer degraded"
    assert d["posts"] and all(p["created_at"] <= d["at"] for p in d["posts"])


def test_as_of_before_the_outage_is_quiet(client, demo):
    before = (datetime.fromisoformat(demo["start"]) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    d = client.get(f"/api/service/Xbox%20Live?at={before}").json()
    assert d["status"] == "ok" and d["incidents"] == []
    assert max(d["chart"]["counts"][-12:]) < 10


def test_hostile_post_is_escaped_and_its_link_dropped(client, demo):
    r = client.get("/service/Xbox%20Live" + _q(demo))
    assert r.status_code == 200
    html = r.text
    assert "<script>" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://example.org/posts/linked-1"' in html
    api = client.get("/api/service/Xbox%20Live" + _q(demo)).json()
    hostile = [p for p in api["posts"] if p["text"] == HOSTILE]
    assert hostile and hostile[0]["url"] is None


def test_pages_render_the_outage_offline(client, demo):
    html = client.get("/" + _q(demo)).text
    assert 'data-service="Xbox Live" data-status="incident"' in html and "<svg class=\"spark\"" in html
    page = client.get("/service/Xbox%20Live" + _q(demo))
    html = page.text
    for region in demo["regions"]:
        assert region in html
    assert 'class="map"' in html and html.count("<path d=\"M") > 100 and 'class="region-dot"' in html
    inc = client.get("/api/service/Xbox%20Live" + _q(demo)).json()["incidents"][0]
    lead = round(inc["official"][0]["lead_minutes"])
    assert f"seen {lead} minutes before the status page" in html and lead > 0
    # nothing in the page points at another origin except links the user may follow
    srcs = re.findall(r'\b(?:src|href)="([^"]+)"', html)
    external = [u for u in srcs if not u.startswith("/")]
    assert all(u.startswith("https://") for u in external)
    assert not re.search(r"<(?:script|link|img|iframe)\b", html)
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_errors_are_clean(client):
    assert client.get("/api/service/No%20Such%20Service").status_code == 404
    assert "no service named" in client.get("/service/No%20Such%20Service").text
    r = client.get("/api/services?at=yesterday")
    assert r.status_code == 400 and "ISO 8601" in r.json()["error"]
    assert client.get("/api/services?hours=0").status_code == 400
    assert client.post("/api/services").status_code == 405
    assert client.get("/healthz").text == "ok"


def test_the_app_never_writes(demo, tmp_path):
    """The store is opened read-only: a request cannot change the database file."""
    from starlette.testclient import TestClient

    from outageradar.serve.app import create_app
    from outageradar.store import open_store
    from outageradar.store.db import sqlite_path

    path = sqlite_path(demo["url"])
    before = path.stat().st_mtime_ns, path.stat().st_size
    store = open_store(demo["url"], read_only=True)
    with TestClient(create_app(store)) as c:
        assert c.get("/service/Xbox%20Live" + _q(demo)).status_code == 200
    store.dispose()
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before


def test_serve_command_refuses_a_missing_database(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "outageradar", "serve", "--db", f"sqlite:///{tmp_path}/none.db"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no database" in r.stderr
    assert not Path(tmp_path / "none.db").exists()
