"""Official status pages: collectors replayed from recorded payloads (nothing reaches the network), incremental
storage on both backends, rate limits, one-line failures, the ``status sync`` command, and linking with lead times.

The payloads are the real feeds in ``../shared/data/status_incidents/``: GitHub's status history (a Statuspage: its
incidents are wrapped in the documented ``/api/v2/incidents.json`` shape, ``{"page": ..., "incidents": [...]}``, the
50 most recent as the API returns them), Google Cloud's ``incidents.json`` and the AWS Health Dashboard archive.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from outageradar.ingest.retry import Backoff
from outageradar.ingest.statuspage import (
    Feed,
    StatusCollector,
    aws_update_times,
    feed_for,
    feeds_from_catalog,
    parse_aws,
    parse_gcp,
    parse_statuspage,
)
from outageradar.reports.official import link_official, official_for
from outageradar.store.official import official_near, recent_official, save_official, sync_feeds
from tests.shared_data import require

GITHUB = Feed("www.githubstatus.com", "GitHub", "statuspage", "https://www.githubstatus.com/api/v2/incidents.json",
              "https://www.githubstatus.com/")
GCP = Feed("gcp", "Google Cloud", "gcp", "https://status.cloud.google.com/incidents.json",
           "https://status.cloud.google.com/")
AWS = Feed("aws", "AWS", "aws", "https://status.aws.amazon.com/data.json", "https://health.aws.amazon.com/health/status")
UTC = timezone.utc


def github_payload(n: int = 50) -> dict:
    path = require("data/status_incidents/github/incidents.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda r: r["created_at"], reverse=True)
    return {"page": {"id": "kctbh9vrtdwd", "name": "GitHub", "url": "https://www.githubstatus.com",
                     "time_zone": "Etc/UTC", "updated_at": rows[0]["updated_at"]}, "incidents": rows[:n]}


def gcp_payload() -> list:
    return json.loads(require("data/status_incidents/aws_gcp/gcp_incidents.json").read_text(encoding="utf-8"))


def aws_payload() -> dict:
    return json.loads(require("data/status_incidents/aws_gcp/aws_health_archive_data.json").read_text(encoding="utf-8"))


class Replay:
    """An httpx transport that answers from recorded payloads by URL; records every request; never networks."""

    def __init__(self, routes: dict):
        self.routes = routes  # url -> list of (status, headers, body) answered in turn (the last one repeats)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answers = self.routes.get(str(request.url))
        if answers is None:
            return httpx.Response(404, text="not found")
        status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
        if status == 200 and headers.get("ETag") and request.headers.get("If-None-Match") == headers["ETag"]:
            return httpx.Response(304, headers=headers)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, headers=headers, content=content)


def collector(replay: Replay, waits: list | None = None) -> StatusCollector:
    sleeps = waits if waits is not None else []
    return StatusCollector(httpx.Client(transport=httpx.MockTransport(replay)),
                           Backoff(attempts=3, sleep=sleeps.append))


# ---------------------------------------------------------------- parsers on the real feeds
def test_statuspage_parser_reads_githubs_history():
    payload = github_payload()
    incidents, rejected = parse_statuspage(payload, GITHUB)
    assert len(incidents) == 50 and rejected == []
    first = payload["incidents"][0]
    got = next(i for i in incidents if i.external_id == first["id"])
    assert got.title == first["name"] and got.impact == first["impact"] and got.service == "GitHub"
    assert got.started_at == datetime.fromisoformat(first["started_at"].replace("Z", "+00:00"))
    assert got.url.startswith("https://")
    assert all(i.started_at.tzinfo is not None and i.updated_at >= i.started_at - timedelta(days=1) for i in incidents)


def test_gcp_parser_reads_the_feed():
    incidents, rejected = parse_gcp(gcp_payload(), GCP)
    assert len(incidents) == 157 and rejected == []
    bq = next(i for i in incidents if i.external_id == "TaA75H7XA1DQyM2ReK2f")
    assert bq.started_at == datetime(2022, 7, 1, 13, 37, 44, tzinfo=UTC)
    assert bq.created_at == datetime(2022, 7, 1, 14, 5, 2, tzinfo=UTC)
    assert bq.resolved_at == datetime(2022, 7, 1, 19, 25, 45, tzinfo=UTC) and bq.status == "resolved"
    assert bq.components == ("Google BigQuery",) and bq.url.endswith("incidents/TaA75H7XA1DQyM2ReK2f")


def test_aws_parser_reads_the_archive_and_its_update_times():
    incidents, rejected = parse_aws(aws_payload(), AWS)
    assert len(incidents) == 86 and rejected == []
    assert len({i.external_id for i in incidents}) == 86
    ohio = next(i for i in incidents if i.external_id == "internetconnectivity-us-east-2-1624564393")
    assert ohio.started_at == datetime(2021, 6, 24, 19, 53, 13, tzinfo=UTC)  # 12:53 PM PDT
    assert ohio.status == "resolved" and ohio.impact == "informational"
    assert ohio.title.startswith("AWS Internet Connectivity (Ohio): Internet Connectivity")
    billing = next(i for i in incidents if i.external_id == "billingconsole-1655342154")
    # updates at 6:15, 6:39 and 6:53 PM PDT: resolved at the last one, 01:53 UTC the next day
    assert billing.resolved_at == datetime(2022, 6, 16, 1, 53, tzinfo=UTC)


def test_aws_update_times_roll_over_midnight():
    first = datetime(2022, 1, 1, 7, 50, tzinfo=UTC)  # 11:50 PM PST on Dec 31
    times = aws_update_times("<span>11:50 PM PST</span>x<span>12:20 AM PST</span>", first)
    assert times == [first, datetime(2022, 1, 1, 8, 20, tzinfo=UTC)]


def test_unreadable_records_are_counted_with_a_reason():
    payload = {"page": {"url": "https://x.example"}, "incidents": [
        {"id": "a1", "name": "Degraded API", "created_at": "2026-01-01T10:00:00Z", "updated_at": "2026-01-01T11:00:00Z"},
        {"id": "a2", "created_at": "2026-01-01T10:00:00Z"}, "junk"]}
    incidents, rejected = parse_statuspage(payload, GITHUB)
    assert [i.external_id for i in incidents] == ["a1"] and incidents[0].started_at.hour == 10
    assert len(rejected) == 2 and "a2" in rejected[0]


def test_feeds_come_from_the_catalog():
    from outageradar.classify.catalog import ServiceCatalog

    feeds = {f.service: f for f in feeds_from_catalog(ServiceCatalog.default().services.values())}
    assert feeds["GitHub"].url == "https://www.githubstatus.com/api/v2/incidents.json"
    assert feeds["GitHub"].kind == "statuspage" and feeds["Google Cloud"].kind == "gcp" and feeds["AWS"].kind == "aws"
    assert "Apple" not in feeds  # Apple's own dashboard has no Statuspage API
    assert feed_for("X", None) is None
    from outageradar.ingest.retry import CollectorError

    with pytest.raises(CollectorError, match="unknown service 'Nope'"):
        feeds_from_catalog(ServiceCatalog.default().services.values(), only=["Nope"])
    with pytest.raises(CollectorError, match="no status page"):
        feeds_from_catalog(ServiceCatalog.default().services.values(), only=["Apple"])


# ---------------------------------------------------------------- fetching: validators, rate limits, failures
def test_rate_limit_waits_as_retry_after_says():
    replay = Replay({GITHUB.url: [(429, {"Retry-After": "7"}, b""), (200, {}, github_payload(5))]})
    waits: list[float] = []
    got = collector(replay, waits).fetch(GITHUB)
    assert len(got.incidents) == 5 and len(replay.requests) == 2
    assert len(waits) == 1 and 7 <= waits[0] <= 8


def test_a_page_that_is_not_a_statuspage_is_one_line():
    from outageradar.ingest.retry import CollectorError

    replay = Replay({GITHUB.url: [(200, {"Content-Type": "text/html"}, b"<html>status</html>")]})
    with pytest.raises(CollectorError, match="did not answer JSON"):
        collector(replay).fetch(GITHUB)
    with pytest.raises(CollectorError, match=r"HTTP 404 .*Statuspage"):
        collector(Replay({})).fetch(GITHUB)


def test_server_errors_retry_then_fail_the_feed_only(store):
    replay = Replay({GITHUB.url: [(503, {}, b"")], GCP.url: [(200, {}, gcp_payload())]})
    waits: list[float] = []
    result = sync_feeds(store, [GITHUB, GCP], collector(replay, waits).fetch)
    gh, gcp = result.providers
    assert gh.failed and "503" in gh.line() and "\n" not in gh.line() and len(waits) == 2
    assert gcp.stored == 157 and not result.all_failed


# ---------------------------------------------------------------- storage: incremental upserts on both backends
def test_sync_is_incremental(store):
    payload = github_payload()
    replay = Replay({GITHUB.url: [(200, {}, payload)]})
    first = sync_feeds(store, [GITHUB], collector(replay).fetch).providers[0]
    assert (first.stored, first.updated, first.unchanged) == (50, 0, 0)
    again = sync_feeds(store, [GITHUB], collector(replay).fetch).providers[0]
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 50)
    changed = json.loads(json.dumps(payload))
    changed["incidents"][3]["updated_at"] = "2030-01-01T00:00:00.000Z"
    changed["incidents"][3]["name"] = "renamed by the provider"
    replay.routes[GITHUB.url] = [(200, {}, changed)]
    third = sync_feeds(store, [GITHUB], collector(replay).fetch).providers[0]
    assert (third.stored, third.updated, third.unchanged) == (0, 1, 49)
    inc = changed["incidents"][3]
    start = datetime.fromisoformat(inc["started_at"].replace("Z", "+00:00"))
    rows = official_near(store, "GitHub", start - timedelta(seconds=1), start + timedelta(seconds=1))
    assert [r["title"] for r in rows if r["external_id"] == inc["id"]] == ["renamed by the provider"]


def test_etag_makes_the_next_sync_a_304(store):
    replay = Replay({GCP.url: [(200, {"ETag": '"v1"'}, gcp_payload())]})
    assert sync_feeds(store, [GCP], collector(replay).fetch).providers[0].stored == 157
    second = sync_feeds(store, [GCP], collector(replay).fetch).providers[0]
    assert second.not_modified and "not modified" in second.line()
    assert replay.requests[-1].headers["If-None-Match"] == '"v1"'


# ---------------------------------------------------------------- linking and lead time
def _official(start, created=None, resolved=None, title="Incident"):
    return {"provider": "www.githubstatus.com", "title": title, "url": "https://stspg.io/x", "impact": "major",
            "status": "resolved", "started_at": start, "created_at": created, "resolved_at": resolved}


def test_link_official_lead_time_and_tolerance():
    ours = datetime(2026, 11, 30, 14, 15, tzinfo=UTC)
    end = ours + timedelta(minutes=70)
    later = _official(ours + timedelta(minutes=20), created=ours + timedelta(minutes=27))
    earlier = _official(ours - timedelta(minutes=30), resolved=ours + timedelta(hours=1), title="earlier")
    far = _official(ours + timedelta(hours=7), title="far")
    closed = _official(ours - timedelta(hours=5), resolved=ours - timedelta(hours=2), title="closed before")
    links = link_official(ours, end, [far, closed, earlier, later])
    assert [x.title for x in links] == ["Incident", "earlier"]
    assert links[0].lead_minutes == pytest.approx(27.0) and links[0].lead_basis == "created_at"
    assert links[0].lead_minutes_vs_start == pytest.approx(20.0)
    assert links[1].lead_minutes == pytest.approx(-30.0) and links[1].lead_basis == "started_at"


def test_official_for_reads_the_store_and_respects_as_of(store):
    from outageradar.ingest.statuspage import OfficialIncident

    ours = datetime(2026, 11, 30, 14, 15, tzinfo=UTC)
    rec = OfficialIncident("www.githubstatus.com", "GitHub", "abc", "Degraded Git Operations", "major", "resolved",
                           ours + timedelta(minutes=10), ours + timedelta(minutes=25), ours + timedelta(hours=2),
                           ours + timedelta(hours=2), "https://stspg.io/abc", ("Git Operations",))
    assert save_official(store, rec.provider, [rec]) == (1, 0, 0)
    links = official_for(store, "GitHub", ours, ours + timedelta(hours=1))
    assert len(links) == 1 and links[0]["lead_minutes"] == pytest.approx(25.0)
    assert links[0]["title"] == "Degraded Git Operations" and links[0]["started_at"].startswith("2026-11-30T14:25")
    assert official_for(store, "GitHub", ours, ours + timedelta(hours=1), until=ours + timedelta(minutes=20)) == []
    assert official_for(store, "Slack", ours, ours + timedelta(hours=1)) == []
    assert [r["external_id"] for r in recent_official(store, "GitHub", until=ours + timedelta(days=1))] == ["abc"]


# ---------------------------------------------------------------- the command
def run_cli(*args) -> int:
    from outageradar import cli

    try:
        cli.main(list(args))
    except SystemExit as exc:
        return 0 if exc.code is None else int(exc.code)
    return 0


def test_status_sync_command(tmp_path, monkeypatch, capsys):
    from outageradar.ingest import statuspage

    url = f"sqlite:///{tmp_path}/s.db"
    replay = Replay({GITHUB.url: [(200, {}, github_payload(20))], AWS.url: [(200, {}, aws_payload())]})
    monkeypatch.setattr(statuspage, "make_client", lambda transport=None: httpx.Client(
        transport=httpx.MockTransport(replay)))
    code = run_cli("status", "sync", "--service", "GitHub", "--service", "aws", "--db", url)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "www.githubstatus.com (GitHub): 20 stored, 0 updated, 0 unchanged" in out
    assert "aws (AWS): 86 stored" in out and "0 of 2 providers failed" in out
    # every request was answered by the replay: none can have left the process
    assert {str(r.url) for r in replay.requests} == {GITHUB.url, AWS.url}

    replay.routes.clear()  # now every provider answers 404
    code = run_cli("status", "sync", "--service", "GitHub", "--db", url)
    captured = capsys.readouterr()
    assert code == 1 and "every provider failed" in captured.err
    assert "FAILED - HTTP 404" in captured.out

    code = run_cli("status", "sync", "--service", "Nope", "--db", url)
    assert code == 1 and "unknown service 'Nope'" in capsys.readouterr().err


def test_status_sync_waits_for_no_one_under_the_ingest_lock(tmp_path, monkeypatch, capsys):
    from outageradar.ingest import statuspage
    from outageradar.store.lock import PassLock
    from outageradar.store import open_store

    url = f"sqlite:///{tmp_path}/s.db"
    store = open_store(url)
    replay = Replay({GITHUB.url: [(200, {}, github_payload(3))]})
    monkeypatch.setattr(statuspage, "make_client", lambda transport=None: httpx.Client(
        transport=httpx.MockTransport(replay)))
    lock = PassLock(store.engine)
    assert lock.acquire()
    try:
        code = run_cli("status", "sync", "--service", "GitHub", "--db", url)
    finally:
        lock.release()
        store.dispose()
    assert code == 0
    assert "skipped: another ingest pass is running" in capsys.readouterr().out and replay.requests == []
