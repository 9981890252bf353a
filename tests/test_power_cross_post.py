"""Real data: on 2019-05-23 one school-closure notice was cross-posted by 24 accounts within a minute (power-outage
tweets in ../shared). It is one report, not a power-grid outage.

The file is read as ``ingest file`` reads it (its ``username`` column is the author); every post is labelled an outage
report of "power grid" with no region, so the test does not depend on the classifier (which calls the notice an
outage report too: ``ingest file`` + ``report daily --date 2019-05-23`` used to report a *moderate* incident).
"""

from datetime import date, datetime, timezone

import pytest

from outageradar.records import Classification
from outageradar.ingest.filesource import read_posts
from outageradar.records import Post
from outageradar.reports.incidents import detect_day, text_key
from outageradar.store.writer import store_posts
from shared_data import require

pytestmark = pytest.mark.shared


def test_cross_posted_notice_is_no_incident(store):
    path = require("data/power_outage_tweets/raw_tweets.csv")
    posts = [p for p in read_posts(path, salt="t") if isinstance(p, Post)]
    assert len(posts) > 11_000
    label = Classification(True, 0.9, "power grid", None, None, None, "power", "text", "t")
    with store.session() as s, s.begin():
        for i in range(0, len(posts), 2000):
            store_posts(s, posts[i:i + 2000], [label] * len(posts[i:i + 2000]))
    # the case is there: 24 accounts, one notice, 24 different raw texts (each with its own pic.twitter.com link)
    lo, hi = datetime(2019, 5, 23, 23, 30, tzinfo=timezone.utc), datetime(2019, 5, 23, 23, 35, tzinfo=timezone.utc)
    notice = [p for p in posts if lo <= p.created_at < hi and "NO SCHOOL on Friday, May 24th" in p.text]
    assert len(notice) == 24 and len({p.author_hash for p in notice}) == 24 and None not in {p.author_hash for p in notice}
    assert len({p.text for p in notice}) == 24 and len({text_key(p.text) for p in notice}) == 1

    result = detect_day(store, date(2019, 5, 23))
    assert result.posts > 24
    assert all(i.confidence == "weak" for i in result.incidents), [(i.confidence, i.total_reports) for i in result.incidents]
    for inc in result.incidents:
        assert len({text_key(s["text"]) for s in inc.samples}) == len(inc.samples)
