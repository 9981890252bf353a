"""One pass over several sources: summaries, failures isolated, stop between pages; queries and config."""

from __future__ import annotations

import threading

import pytest

from fakes import KeywordTagger
from outageradar.config import ConfigError, load_settings
from outageradar.records import Post, Rejected
from outageradar.ingest.queries import TermMatcher, match_terms, or_queries, x_queries
from outageradar.pipeline.collect import run_pass
from outageradar.ingest.sources import build_collectors, effective_config, load_ingest_config, parse_every

SERVICES = [("Netflix", ["netflix"], ["netflixdown"], ["NetflixHelps"]),
            ("Comcast Xfinity", ["xfinity", "comcast"], [], ["comcastcares", "XfinitySupport"])]


def _post(i, text="netflix down in US"):
    from datetime import datetime, timezone
    return Post(source="fake", source_id=str(i), created_at=datetime(2026, 3, 2, tzinfo=timezone.utc), text=text)


class Pages:
    name = "fake"

    def __init__(self, n, stop=None):
        self.n, self.stop = n, stop

    def collect(self, sink):
        for i in range(self.n):
            sink.page("q1", [_post(i)], [Rejected("{bad", "invalid JSON")] if i == 0 else [], {"k": str(i)})
            if i == 1 and self.stop:
                self.stop.set()


class Broken:
    name = "broken"

    def collect(self, sink):
        raise ZeroDivisionError("boom")


def test_summary_and_isolation(store):
    result = run_pass(store.factory, KeywordTagger(), [Broken(), Pages(3)])
    lines = result.lines()
    assert lines[0] == "broken: FAILED - ZeroDivisionError: boom"
    assert lines[1].startswith("fake: 3 new posts, 1 quarantined, 3 pages")
    assert lines[2] == "  q1: 3 new, 0 already stored, 1 quarantined"
    assert lines[-1] == "total: 3 new posts; 1 of 2 sources failed"
    assert not result.all_failed
    assert run_pass(store.factory, KeywordTagger(), [Broken()]).all_failed


def test_stop_between_pages(store):
    stop = threading.Event()
    result = run_pass(store.factory, KeywordTagger(), [Pages(5, stop), Pages(5)], stop=stop)
    # the page being stored when the stop came is committed, then the pass ends
    assert result.sources[0].status == "stopped" and result.new == 3 and len(result.sources) == 1


def test_x_queries_fit_the_limit_and_split():
    qs = x_queries(SERVICES, extra_terms=["is it down"])
    assert len(qs) == 1
    q = qs[0]
    for clause in ('"netflix down"', '"netflix not working"', "#netflixdown", "@NetflixHelps", '"xfinity down"',
                   "@comcastcares", '"is it down"'):
        assert clause in q
    assert q.endswith(") -is:retweet")
    many = [(f"service{i}", [f"service number {i}"], [], [f"handle{i}"]) for i in range(60)]
    qs = x_queries(many)
    assert len(qs) > 1 and all(len(x) <= 512 for x in qs)
    joined = " ".join(qs)
    assert all(f"@handle{i}" in joined for i in range(60))
    assert all(len(x) <= 100 for x in x_queries(many, limit=100))
    assert " OR " in or_queries(SERVICES)[0] and "#" not in or_queries(SERVICES)[0]


def test_catalog_objects_and_generic_services():
    class Svc:
        def __init__(self, name, aliases, generic=False):
            self.name, self.aliases, self.hashtags, self.handles, self.generic = name, aliases, (), (), generic
    qs = x_queries({"power grid": Svc("power grid", ("power outage",), True), "Steam": Svc("Steam", ("steam",))})
    assert '"power outage"' in qs[0] and '"power outage down"' not in qs[0] and '"steam down"' in qs[0]


def test_term_matcher():
    m = TermMatcher(match_terms(SERVICES), cues=["down", "not working"])
    assert m.matches("Xfinity is DOWN in Denver")
    assert not m.matches("xfinity bill arrived")
    assert not m.matches("comcastic down")  # word boundary
    assert m.matches("@comcastcares my internet is not working")
    assert TermMatcher(["netflix"]).matches("Netflix!")


def test_config_file_and_masking(tmp_path, monkeypatch):
    cfg = tmp_path / "outageradar.toml"
    cfg.write_text('database_url = "postgresql+psycopg://u:hunter2@db/outages"\n[schedule]\nevery = "2m"\n'
                   '[ingest]\nextra_terms = ["is it down"]\n'
                   '[sources.x]\nenabled = false\n[sources.reddit]\nsubreddits = ["sysadmin"]\nclient_secret = "filesecret"\n'
                   '[sources.mastodon]\ninstances = ["https://fosstodon.org"]\nhashtags = ["outage"]\n')
    monkeypatch.setenv("OUTAGERADAR_CONFIG", str(cfg))
    monkeypatch.setenv("OUTAGERADAR_X_BEARER_TOKEN", "envtoken")
    settings = load_settings()
    ic = load_ingest_config(settings)
    assert ic.enabled() == ["reddit", "mastodon", "bluesky"] and parse_every(ic.every) == 120
    assert ic.secrets["reddit"]["client_secret"] == "filesecret" and ic.secrets["x"]["bearer_token"] == "envtoken"
    shown = repr(effective_config(settings, ic))
    for secret in ("hunter2", "filesecret", "envtoken", "test-salt"):
        assert secret not in shown
    assert "fosstodon.org" in shown and "'OUTAGERADAR_X_BEARER_TOKEN': 'environment'" in shown
    names = [c.name for c in build_collectors(ic, SERVICES, "salt")]
    assert names == ["reddit", "mastodon", "bluesky"]
    assert [c.name for c in build_collectors(ic, SERVICES, "salt", only=["x"])] == ["x"]
    with pytest.raises(ConfigError):
        build_collectors(ic, SERVICES, "salt", only=["myspace"])
    cfg.write_text('[sources.x]\nmax_pages = "many"\n')
    with pytest.raises(ConfigError, match="max_pages"):
        load_ingest_config(load_settings())
    for bad in ("5x", "", "1s"):
        with pytest.raises(ConfigError):
            parse_every(bad)
    assert parse_every("1h30m") == 5400 and parse_every("90s") == 90
