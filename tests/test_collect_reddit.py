"""Reddit collector: praw's own recorded cassettes (JSON) replayed with vcrpy through praw."""

from __future__ import annotations

import json

import praw
import pytest
import vcr
from shared_data import require
from sqlalchemy import select

from fakes import KeywordTagger
from outageradar.ingest.queries import TermMatcher
from outageradar.ingest.reddit import RedditCollector
from outageradar.ingest.retry import Backoff
from outageradar.pipeline.collect import run_pass
from outageradar.store.models import PostRow
from outageradar.store.writer import get_cursor


def _cassette(name):
    path = require(f"payloads/praw/{name}")
    return vcr.use_cassette(str(path), serializer="json", match_on=["method", "host", "path"], record_mode="none",
                            allow_playback_repeats=True)


def _reddit():
    return praw.Reddit(client_id="id", client_secret="secret", user_agent="outageradar-tests",
                       check_for_updates=False)


def _collector(**kw):
    kw.setdefault("backoff", Backoff(sleep=lambda s: None))
    return RedditCollector(kw.pop("subreddits"), kw.pop("queries", []), "salt", client_id="id", client_secret="secret",
                           user_agent="ua", reddit=_reddit(), **kw)


def _recorded(name, index=-1):
    data = json.loads(require(f"payloads/praw/{name}").read_text())
    return json.loads(data["interactions"][index]["response"]["body"]["string"])


def test_new_listing_stored_and_second_pass_adds_nothing(store):
    listing = _recorded("TestSubredditListings.test_new.json")
    children = [c["data"] for c in listing["data"]["children"]]
    with _cassette("TestSubredditListings.test_new.json"):
        result = run_pass(store.factory, KeywordTagger(), [_collector(subreddits=["askreddit"], listings=["new"])])
    assert not result.all_failed, result.lines()
    with store.session() as s:
        rows = {r.source_id: r for r in s.scalars(select(PostRow).where(PostRow.source == "reddit"))}
        cursor = get_cursor(s, "reddit", "new:askreddit")
    assert set(rows) == {c["name"] for c in children}
    first = children[0]
    row = rows[first["name"]]
    assert row.text.startswith(first["title"])
    assert row.url == "https://www.reddit.com" + first["permalink"]
    assert row.created_at.timestamp() == pytest.approx(first["created_utc"])
    assert float(cursor) == max(c["created_utc"] for c in children)

    with _cassette("TestSubredditListings.test_new.json"):
        again = run_pass(store.factory, KeywordTagger(), [_collector(subreddits=["askreddit"], listings=["new"])])
    assert again.new == 0 and not again.all_failed


def test_comment_listing_filtered_by_catalog_terms(store):
    listing = _recorded("TestSubredditListings.test_comments.json")
    bodies = [c["data"] for c in listing["data"]["children"]]
    # pick a word that occurs in some comments and use it as the only catalog term
    matcher = TermMatcher(["reddit"])
    expected = {b["name"] for b in bodies if matcher.matches(b["body"])}
    assert 0 < len(expected) < len(bodies)
    with _cassette("TestSubredditListings.test_comments.json"):
        result = run_pass(store.factory, KeywordTagger(),
                          [_collector(subreddits=["askreddit"], listings=["comments"], matcher=matcher)])
    assert not result.all_failed, result.lines()
    with store.session() as s:
        ids = set(s.scalars(select(PostRow.source_id)))
    assert ids == expected and all(i.startswith("t1_") for i in ids)


def test_search_of_subreddits(store):
    listing = _recorded("TestSubreddit.test_search.json")
    names = {c["data"]["name"] for c in listing["data"]["children"]}
    with _cassette("TestSubreddit.test_search.json"):
        result = run_pass(store.factory, KeywordTagger(),
                          [_collector(subreddits=["all"], queries=['"praw oauth" OR search'], listings=[])])
    assert not result.all_failed, result.lines()
    assert result.new == len(names)
    label = next(iter(result.sources[0].queries))
    assert label.startswith("search1 r/all")


def test_missing_credentials_name_the_settings(store):
    coll = RedditCollector(["sysadmin"], [], "salt", client_id=None, client_secret="s", user_agent=None)
    result = run_pass(store.factory, KeywordTagger(), [coll])
    msg = result.sources[0].message
    assert result.all_failed and "OUTAGERADAR_REDDIT_CLIENT_ID" in msg and "OUTAGERADAR_REDDIT_USER_AGENT" in msg
    assert "OUTAGERADAR_REDDIT_CLIENT_SECRET" not in msg
