"""Bounded cost of tagging: a documented cap on the characters tagged, and the matcher's per-hit work indexed.

Nothing here is timed (speed is measured in ``benchmarks/bench_long_posts.py``); the tests assert the behaviour that
makes the cost bounded: labels of a huge post are those of its first MAX_TAGGED_CHARS characters, the tagger's parts
are handed that prefix only, the whole text is still stored and passed through, and the indexed lookups that replaced
quadratic loops (the matcher's span queries, the batch tokenizer's post ends, the region tagger's small-town hint)
give exactly the answers of the loops they replaced.
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
    import outageradar.pipeline.classify_file as batch
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
    from outageradar.pipeline.classify_file import classify_file

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

    from outageradar.records import Classification
    from outageradar.records import Post
    from outageradar.store.models import ClassificationRow, PostRow
    from outageradar.pipeline.reclassify import reclassify
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


def test_the_tagger_hands_its_parts_only_the_capped_prefix(monkeypatch, tagger):
    """Whatever the length of a post (text, profile location, place), the relevance model, the region tagger and the
    service matcher each receive at most MAX_TAGGED_CHARS characters of it."""
    from outageradar.classify.catalog import ServiceCatalog
    from outageradar.classify.region import RegionTagger
    from outageradar.classify.relevance import RelevanceModel

    _ = tagger.catalog, tagger.relevance, tagger.regions
    seen: list[int] = []

    def spy(cls, name, lengths):
        real = getattr(cls, name)

        def wrapper(self, arg, *a, **k):
            arg = list(arg) if not isinstance(arg, str) else arg
            seen.extend(lengths(arg))
            return real(self, arg, *a, **k)

        monkeypatch.setattr(cls, name, wrapper)

    spy(RelevanceModel, "score_and_problem_many", lambda texts: [len(t) for t in texts])
    spy(RegionTagger, "tag_many", lambda rows: [len(x) for r in rows for x in (r[0], r[1], r[4]) if x is not None])
    spy(ServiceCatalog, "identify", lambda text: [len(text)])
    big = _huge(2_000_000)
    got = tagger.classify_rows([Row(big, user_location=big, place=big), Row("xbox live down in Atlanta GA")])
    assert len(seen) == 2 + 4 + 2 and max(seen) == MAX_TAGGED_CHARS  # 2 texts, 4 region strings, 2 matcher calls
    head = big[:MAX_TAGGED_CHARS]
    assert got[0] == tagger.classify(head, user_location=head, place=head)


def test_batch_analysis_of_long_posts_equals_the_per_post_analysis():
    """The batch tokenizer (which long posts always take) finds each post's end once per batch, not once per hashtag
    or link: its tokens, token sets, cues and scores are those of the post alone, bit for bit, among short posts
    and around a "www." that is no link (no "/" in its post)."""
    from outageradar.classify import text as textmod
    from outageradar.classify.relevance import RelevanceModel

    body = ("#xboxdown is it down? https://t.co/x www.att.com/outage no power &amp; wifi keeps droppin "
            "@comcastcares cannot connect rn #nopower 4g ") * 300
    texts = [body[:MAX_TAGGED_CHARS], "Power outage at school no class. Bew bew bewwwwww.", "",
             "cant log in www.example", "a\x00b #down", body[:5000] + " right now?"] * 8
    tb = textmod.analyse_batch(texts)
    distinct = tb.distinct()
    for i, t in enumerate(texts):
        a = textmod.analyse(t)
        uni = {tb.vocab[k] for p, k in zip(tb.post.tolist(), tb.tok.tolist()) if p == i}
        assert (tb.ntoks[i], distinct[i], uni) == (len(a.toks), len(a.uni), a.uni), t[:60]
        assert textmod.mask_names(int(tb.cues[i]), textmod.LEXICON.names) == a.cues
        assert textmod.mask_names(int(tb.pcues[i]), textmod.PROBLEM_LEXICON.names) == textmod.problem_cues(a)
    m = RelevanceModel.default()
    assert m.score_many(texts) == [m.score(t) for t in texts]
    assert "bewwwwww" in textmod.tokens(texts[1]) and m.score_many(texts)[1] == m.score(texts[1])


def test_the_small_town_hint_is_the_union_of_the_other_towns_countries(tagger):
    """The countries of the other towns a post names (the hint for an ambiguous town) are tallied once per post, not
    gathered for each town from every other: the same sets as the all-pairs union, and a post naming a town hundreds
    of times is placed as one naming it a few times."""
    from outageradar.classify import region as region_mod

    rng = random.Random(13)
    for _ in range(500):
        own = [set(rng.sample("US CA GB AU NZ IE".split(), rng.randint(0, 3))) for _ in range(rng.randint(0, 12))]
        brute = [set().union(*(o for j, o in enumerate(own) if j != i)) for i in range(len(own))]
        assert region_mod._other_countries(own) == brute, own
    regions = tagger.regions
    for one in ("no school today in Port Hood", "North Beach High School in Ocean Shores",
                "outage in Spearwood, WA and in Port Hood"):
        few = regions.from_text((one + ". ") * 3)
        assert few is not None and few.known
        assert regions.from_text((one + ". ") * 400) == few
