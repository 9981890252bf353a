"""Independent reporters: every link form dropped before the long-text key, near-duplicate texts counted once (exact
shingle Jaccard with prefix filtering), and sample posts that are distinct texts of distinct reporters."""

import itertools
import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from outageradar.reports.incidents import (
    NEAR_DUPLICATE_JACCARD,
    _shingles,
    distinct_reports,
    near_duplicate_pairs,
    pick_samples,
    region_label,
    regions_text,
    reporter_groups,
    text_key,
    text_words,
)

NOTICE = ("There is NO SCHOOL on Friday for a planned snow day or Monday for Memorial Day. Our elementary has school "
          "tomorrow to make up for an unplanned closure caused by an electrical outage. We'll see you back on Tuesday!")


@pytest.mark.parametrize("link", [
    "pic.twitter.com/ITaveSvzUO", "https://t.co/Ab12Cd", "t.co/Ab12Cd", "bit.ly/2AloVXL", "http://bit.ly/2AloVXL",
    "soc.att.com/10Lj2eT", "example.com", "www.example.org/a/b?c=1", "fb.me/1EqEFIu5p", "youtu.be/zDTKj8LAN5k",
    "https:/ broken",  # a link cut after "https:/"
])
def test_every_link_form_is_dropped(link):
    assert text_words(f"{NOTICE} {link}") == text_words(NOTICE) + (["broken"] if "broken" in link else [])


def test_links_glued_to_words_and_hashtags():
    assert text_words("no biggie #blocksandtowerspic.twitter.com/fGWjdO1mYv") == ["no", "biggie"]
    assert text_words("closed todaypic.twitter.com/xyz") == ["closed", "today"]
    # abbreviations and place names with dots are words, not domains
    assert text_words("power out in St. Louis, e.g. the U.S. Mr.Smith") == \
        ["power", "out", "in", "st", "louis", "e", "g", "the", "u", "s", "mr", "smith"]


def test_one_notice_cross_posted_by_many_accounts_is_one_reporter():
    """The 2019-05-23 case: 24 accounts post one announcement, each with its own pic.twitter.com link."""
    posts = [(f"account{k}", f"{NOTICE} pic.twitter.com/{k:010d}x") for k in range(24)]
    assert len({text for _, text in posts}) == 24
    assert distinct_reports(posts) == 1


def test_near_duplicates_count_once():
    base = "our whole street has had no power since the storm last night and the utility still gives no estimate"
    copies = [
        base,
        "Just in: " + base,  # a prefix
        base + " so annoying",  # a comment
        base.replace("whole street", "entire street"),  # a word changed
        "RT @news: " + base.upper() + " https://t.co/x",
    ]
    assert distinct_reports([(f"a{k}", t) for k, t in enumerate(copies)]) == 1
    # near-duplicates are joined transitively: A ~ B ~ C is one text even when A and C differ more
    a = "crews are continuing to work the outage in the north county and no restoration estimate is available yet"
    b = a + " says the utility spokesperson"
    c = b + " to local reporters this morning"
    assert distinct_reports([("x", a), ("y", b), ("z", c)]) == 1


def test_independent_posts_stay_separate():
    independent = [
        "no school today because of the power outage at our building, enjoy the day off everyone",
        "our school had a power outage this morning so all classes are cancelled for today",
        "power outage at work again, the servers are down and nobody knows when it comes back",
        "my power has been out since this morning and nobody at the utility answers the phone",
    ]
    assert distinct_reports([(None, t) for t in independent]) == 4
    # short texts are what independent people write, even when they are equal or nearly so
    assert distinct_reports([(None, "is xbox live down??")] * 6) == 6
    assert distinct_reports([(None, "xbox live down for anyone else?"), (None, "xbox live down for everyone else?")]) == 2


def test_existing_rules_are_kept():
    long_a = "my power has been out since this morning and nobody at the utility answers the phone"
    assert distinct_reports([]) == 0
    assert distinct_reports([(None, long_a), (None, "RT @x: " + long_a.upper() + " https://t.co/1")]) == 1
    assert distinct_reports([("a", "one"), ("a", "two"), ("b", long_a), ("c", long_a), ("d", "three")]) == 3
    assert reporter_groups([("a", "one"), ("b", "two"), ("a", "three")]) == [0, 1, 0]


def test_near_duplicate_pairs_match_brute_force():
    """Prefix filtering must find exactly the pairs above the threshold (texts from a small vocabulary, so that many
    pairs are near it)."""
    rng = random.Random(4)
    vocab = [f"w{i}" for i in range(14)]
    base = [[rng.choice(vocab) for _ in range(rng.randrange(8, 20))] for _ in range(12)]
    texts = []
    for b in base:  # variants of each base: words changed, dropped, added
        for _ in range(6):
            t = list(b)
            for _ in range(rng.randrange(0, 5)):
                op, i = rng.random(), rng.randrange(len(t))
                if op < 0.4:
                    t[i] = rng.choice(vocab)
                elif op < 0.7 and len(t) > 8:
                    del t[i]
                else:
                    t.insert(i, rng.choice(vocab))
            texts.append(t)
    sets = [_shingles(t) for t in texts]
    brute = {(i, j) for i, j in itertools.combinations(range(len(texts)), 2)
             if len(sets[i] & sets[j]) > NEAR_DUPLICATE_JACCARD * len(sets[i] | sets[j])}
    found = set(near_duplicate_pairs(texts))
    assert found == brute
    assert 20 < len(brute) < len(texts) * (len(texts) - 1) / 4  # the case is not trivial either way


def _row(k, text, author, score, region=("US", "Texas")):
    return SimpleNamespace(author_hash=author, text=text, outage_score=score, source="x", url=None, city=None,
                           created_at=datetime(2026, 5, 20, 14, tzinfo=timezone.utc) + timedelta(seconds=k),
                           country=region[0], admin1=region[1], problem="power")


def test_samples_are_distinct_texts_of_distinct_reporters():
    rows = [_row(k, f"{NOTICE} pic.twitter.com/{k}", f"bot{k}", 0.99) for k in range(20)]  # one text, 20 accounts
    rows += [_row(100 + k, "power out here", f"u{k}", 0.95) for k in range(5)]  # one short text, 5 people
    rows += [_row(200, "lights out all over town", "u0", 0.94)]  # a second post by u0
    rows += [_row(300 + k, t, f"v{k}", 0.9, ("GB", "England")) for k, t in
             enumerate(["no power in leeds", "power cut here too", "still no electricity"])]
    samples = pick_samples(rows, reporter_groups([(r.author_hash, r.text) for r in rows]), limit=5)
    keys = [text_key(s["text"]) for s in samples]
    assert len(samples) == 5 and len(set(keys)) == 5
    assert sum(NOTICE in s["text"] for s in samples) == 1
    assert sum(s["text"] == "power out here" for s in samples) == 1
    assert "lights out all over town" not in [s["text"] for s in samples]  # u0 already has a sample
    assert {s["region"] for s in samples} == {"Texas, US", "England, GB"}  # regions taken in turn
    assert [s["created_at"] for s in samples] == sorted(s["created_at"] for s in samples)


def test_regions_are_unambiguous():
    regions = [{"country": "US", "admin1": "Texas"}, {"country": "GB", "admin1": "England"},
               {"country": "GE", "admin1": ""}, {"country": "US", "admin1": "Georgia"}]
    assert region_label("US", "Texas") == "Texas US"
    assert regions_text(regions) == "Texas US; England GB; GE; Georgia US"
    assert regions_text(regions, limit=2) == "Texas US; England GB; …"
