"""Bounded cost of tagging: a documented cap on the characters tagged, and the matcher's per-hit work indexed.

Nothing here is timed (speed is measured in ``benchmarks/bench_long_posts.py``); the tests assert the behaviour that
makes the cost bounded: labels of a huge post are those of its first MAX_TAGGED_CHARS characters, the whole text is
still stored and passed through, and the indexed span queries that replaced the quadratic loops give exactly the
all-pairs answers.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outageradar.classify import catalog as catalog_mod
from outageradar.classify.tagger import MAX_TAGGED_CHARS, Row, Tagger

ROOT = Path(__file__).resolve().parents[1]
HEAD = "@comcastcares my internet is out in Denver, CO since 3pm. "
FILLER = "Apple iCloud outage lol, the power is back in London UK. https://t.co/x bt down #outage @verizon "


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def _huge(n: int = 5_000_000) -> str:
    body = HEAD + FILLER * (n // len(FILLER) + 1)
    return body[:n]


def test_the_cap_is_ten_thousand_characters_and_documented():
    import outageradar.classify.batch as batch
    import outageradar.classify.tagger as tagger_mod

    assert MAX_TAGGED_CHARS == 10_000
    assert "MAX_TAGGED_CHARS" in tagger_mod.__doc__ and "10,000 characters" in tagger_mod.__doc__
    assert "10,000 characters" in batch.__doc__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "first 10,000 characters" in readme


def test_a_5mb_post_is_labelled_as_its_first_10000_characters(tagger):
    big = _huge()
    assert len(big) == 5_000_000
    head = big[:MAX_TAGGED_CHARS]
    assert tagger.classify(big) == tagger.classify(head)
    # the tail changes nothing, whatever it says
    other = head + " Netflix is down in Lagos, Nigeria " * 1000
    assert tagger.classify(other) == tagger.classify(head)
    rows = [Row("xbox live is down again"), Row(big, user_location="Denver, CO" * 3000), Row("no power in Austin TX")]
    got = tagger.classify_rows(rows)
    assert got[0] == tagger.classify("xbox live is down again")
    assert got[1] == tagger.classify(head, user_location=("Denver, CO" * 3000)[:MAX_TAGGED_CHARS])
    assert got[2] == tagger.classify("no power in Austin TX")
    assert got[1].outage


def test_posts_and_short_rows_are_not_changed_by_the_cap(tagger):
    text = "Is Xbox Live down? can't sign in, Atlanta GA"
    assert tagger.classify_posts([Row(text)]) == tagger.classify_rows([Row(text)])


def _brute_touching(spans, lo, hi):
    return sorted(s for s in spans if s[1] >= lo and s[0] <= hi)


def test_indexed_spans_give_the_all_pairs_answers():
    rng = random.Random(11)
    for _ in range(300):
        spans = []
        for _ in range(rng.randint(0, 40)):
            a = rng.randint(0, 400)
            spans.append((a, a + rng.randint(0, 25), rng.randint(0, 7)))
        idx = catalog_mod._Spans(spans)
        pairs = [(a, b) for a, b, _ in spans]
        for _ in range(30):
            start = rng.randint(-30, 430)
            stop = start + rng.randint(0, 30)
            expected = catalog_mod._distance(start, stop, pairs) if pairs else 1 << 30
            assert idx.distance(start, stop) == expected, (spans, start, stop)
            lo, hi = start - rng.randint(0, 80), stop + rng.randint(0, 80)
            assert sorted(idx.touching(lo, hi)) == _brute_touching(spans, lo, hi)


def test_url_token_index_equals_the_per_hit_scan():
    rng = random.Random(5)
    words = ["comcast", "down", "https://t.co/abc", "www.att.com/x", "outagehttps://x.co/y", "@mlgwpic.twitter.com/q",
             "verizon.com/outage", "a/b", "\n", "att", "x.y/z", "http"]
    for _ in range(200):
        low = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        index = catalog_mod._UrlTokens(low)
        for _ in range(40):
            start = rng.randint(0, len(low))
            stop = min(len(low), start + rng.randint(0, 12))
            assert index(start, stop) == catalog_mod._in_url(low, start, stop), (low, start, stop)


def test_matcher_on_long_repetitive_posts_agrees_with_its_first_mentions(tagger):
    # many hits and cues: the indexed paths run, and the service is still the one the post names
    cat = tagger.catalog
    assert cat.identify("Apple iCloud outage " * 400) == "iCloud"
    assert cat.identify("the lights are out and wifi is down " * 300) == cat.identify("the lights are out and wifi is down ")
    assert cat.identify(("outagehttps://t.co/x comcast down ") * 300) == "Comcast Xfinity"


def test_classify_file_passes_the_whole_text_and_tags_the_head(tmp_path, tagger):
    from outageradar.classify.batch import classify_file

    big = _huge(1_000_000)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": big}) + "\n" + json.dumps({"text": "xbox live down"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = classify_file(src, out, tagger=tagger)
    assert summary.rows == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["text"] == big  # JSONL: written unchanged
    want = tagger.classify(big[:MAX_TAGGED_CHARS])
    assert (rows[0]["service"], rows[0]["city"], rows[0]["outage"]) == (want.service, want.city, int(want.outage))
    out_csv = tmp_path / "out.csv"
    classify_file(src, out_csv, tagger=tagger)
    csv.field_size_limit(10_000_000)
    with open(out_csv, newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    assert first["text"] == "'" + big  # CSV: whole, and neutralised (it starts with "@")


def test_classify_stored_tags_the_head_and_keeps_the_whole_text(store, tagger):
    """A stored post longer than the cap (ingest quarantines such posts, other writers may not) is re-classified on
    its first 10,000 characters, and its text stays whole, on both backends."""
    from datetime import datetime, timezone

    from outageradar.classify.result import Classification
    from outageradar.ingest.post import Post
    from outageradar.store.models import ClassificationRow, PostRow
    from outageradar.store.reclassify import reclassify
    from outageradar.store.writer import store_posts

    big = _huge(1_000_000)
    post = Post("test", "long-1", datetime(2026, 11, 20, 10, tzinfo=timezone.utc), "placeholder")
    with store.session() as s, s.begin():
        store_posts(s, [Post("test", "short-1", post.created_at, "xbox live down")],
                    [Classification(False, 0.1, None, model_version="old")])
        s.execute(PostRow.__table__.insert().values(source="test", source_id="long-1", created_at=post.created_at,
                                                    text=big, ingested_at=post.created_at))
    assert reclassify(store, tagger) == 2
    with store.session() as s:
        length = s.scalar(select(func.length(PostRow.text)).where(PostRow.source_id == "long-1"))
        got = s.execute(select(ClassificationRow.service, ClassificationRow.city, ClassificationRow.outage)
                        .join(PostRow, PostRow.id == ClassificationRow.post_id)
                        .where(PostRow.source_id == "long-1")).one()
    want = tagger.classify(big[:MAX_TAGGED_CHARS])
    assert length == len(big)
    assert tuple(got) == (want.service, want.city, want.outage)
