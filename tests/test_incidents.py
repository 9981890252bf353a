"""Incidents from rollups: one strong incident for a multi-region outage, weak or none for a local blip,
stored once and updated as data arrives. Posts are written with known classifications (no model involved)."""

import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from outageradar.records import Classification
from outageradar.records import Post
from outageradar.reports.incidents import detect_day, save_detection
from outageradar.store.models import IncidentRow
from outageradar.store.writer import store_posts

DAY = date(2026, 5, 20)
START = datetime(2026, 5, 10, tzinfo=timezone.utc)
REGIONS = [("US", "Georgia"), ("US", "Texas"), ("GB", "England"), ("US", "Ohio"), ("CA", "Ontario"), ("NG", "Lagos")]


def _background(rng, days=11):
    """A quiet trickle of reports for two services in every region, with a daily rhythm."""
    out = []
    for b in range(days * 288):
        ts = START + timedelta(minutes=5 * b)
        rate = 0.04 * (1.5 + __import__("math").sin(2 * 3.14159 * (ts.hour - 9) / 24))
        for service in ("Xbox Live", "Comcast Xfinity"):
            for country, admin1 in REGIONS:
                if rng.random() < rate:
                    out.append((ts + timedelta(seconds=rng.randrange(300)), service, country, admin1))
    return out


def _burst(rng, service, regions, start, minutes, per_bucket):
    out = []
    for m in range(0, minutes, 5):
        for country, admin1 in regions:
            for _ in range(per_bucket):
                out.append((start + timedelta(minutes=m, seconds=rng.randrange(300)), service, country, admin1))
    return out


def _write(store, events, offset=0):
    posts, labels = [], []
    for i, (ts, service, country, admin1) in enumerate(events):
        posts.append(Post("test", f"p{offset + i}", ts, f"{service} down"))
        labels.append(Classification(True, 0.95, service, country, admin1, None, "connectivity", "text", "t"))
    with store.session() as s, s.begin():
        store_posts(s, posts, labels)


def test_multi_region_outage_is_one_strong_incident_and_local_blip_is_weak(store):
    rng = random.Random(5)
    outage_start = datetime(2026, 5, 20, 14, 5, tzinfo=timezone.utc)
    events = _background(rng)
    events += _burst(rng, "Xbox Live", REGIONS[:3], outage_start, 60, 6)
    events += _burst(rng, "Comcast Xfinity", [("US", "Ohio")], datetime(2026, 5, 20, 3, 0, tzinfo=timezone.utc), 20, 6)
    _write(store, events)
    result = detect_day(store, DAY)
    xbox = [i for i in result.incidents if i.service == "Xbox Live"]
    assert len(xbox) == 1
    inc = xbox[0]
    assert inc.confidence == "strong"
    assert {(r["country"], r["admin1"]) for r in inc.regions} == set(REGIONS[:3])
    assert abs((inc.started_at - outage_start).total_seconds()) <= 600
    assert inc.ended_at <= outage_start + timedelta(minutes=90)
    assert inc.total_reports > 3 * inc.expected_reports
    assert inc.problems == {"connectivity": inc.problems["connectivity"]} and inc.samples
    comcast = [i for i in result.incidents if i.service == "Comcast Xfinity"]
    assert all(i.confidence == "weak" for i in comcast)
    assert all({(r["country"], r["admin1"]) for r in i.regions} <= {("US", "Ohio")} for i in comcast)


def test_quiet_day_has_no_incidents(store):
    _write(store, _background(random.Random(9)))
    assert detect_day(store, DAY).incidents == []


def test_incidents_are_updated_not_duplicated(store):
    rng = random.Random(6)
    outage_start = datetime(2026, 5, 20, 10, 0, tzinfo=timezone.utc)
    _write(store, _background(rng) + _burst(rng, "Xbox Live", REGIONS[:3], outage_start, 30, 6))
    first = detect_day(store, DAY, now=outage_start + timedelta(minutes=35))
    assert [i.service for i in first.incidents] == ["Xbox Live"]
    assert first.incidents[0].status == "ongoing"
    with store.session() as s:  # detection only reads; saving is its own step
        assert s.scalar(select(func.count()).select_from(IncidentRow)) == 0
    save_detection(store, first)
    # more data arrives: the outage goes on for another half hour
    _write(store, _burst(rng, "Xbox Live", REGIONS[:3], outage_start + timedelta(minutes=30), 30, 6), offset=10**6)
    second = detect_day(store, DAY, now=outage_start + timedelta(hours=3))
    save_detection(store, second)
    with store.session() as s:
        rows = s.scalars(select(IncidentRow)).all()
    assert len(rows) == 1
    assert rows[0].id == first.incidents[0].id == second.incidents[0].id
    assert rows[0].ended_at > first.incidents[0].ended_at and rows[0].status == "resolved"
    assert rows[0].total_reports > first.incidents[0].total_reports
    save_detection(store, detect_day(store, DAY))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentRow)) == 1


def _write_texts(store, events, offset):
    """(ts, service, country, admin1, author, text) events."""
    posts, labels = [], []
    for i, (ts, service, country, admin1, author, text) in enumerate(events):
        posts.append(Post("test", f"q{offset + i}", ts, text, author_hash=author))
        labels.append(Classification(True, 0.95, service, country, admin1, None, "power", "text", "t"))
    with store.session() as s, s.begin():
        store_posts(s, posts, labels)


AD = "Power outage? No problem. With thick ArcticLock walls, this freezer keeps food frozen for 2 days! http://fb.me/{}"


def test_copies_of_one_post_are_not_an_outage(store):
    """An advertising bot (the same long text 100 times, real case from the power-outage corpus), one account posting
    again and again, and one text from many accounts are one report each; short reports by many people are not."""
    rng = random.Random(8)
    _write(store, _background(rng))
    t = datetime(2026, 5, 20, 19, 0, tzinfo=timezone.utc)
    burst = [(t + timedelta(seconds=6 * k), "Xbox Live", "US", "Georgia", None, AD.format(k)) for k in range(100)]
    burst += [(t + timedelta(hours=2, seconds=6 * k), "Xbox Live", "US", "Texas", "same-user", f"xbox down {k} again")
              for k in range(100)]
    burst += [(t + timedelta(hours=4, seconds=6 * k), "Xbox Live", "GB", "England", f"acct{k}", AD.format(k))
              for k in range(100)]
    _write_texts(store, burst, 0)
    assert [i for i in detect_day(store, DAY).incidents if i.service == "Xbox Live"] == []
    # many people writing the same short words is how a real outage looks
    real = [(t - timedelta(hours=3, seconds=-6 * k), "Xbox Live", "US", "Ohio", f"u{k}", "is xbox live down??")
            for k in range(100)]
    _write_texts(store, real, 10**6)
    (inc,) = [i for i in detect_day(store, DAY).incidents if i.service == "Xbox Live"]
    assert inc.started_at.hour == 16 and inc.ended_at.hour == 16 and inc.total_reports >= 100


def test_distinct_reports_joins_shared_authors_and_long_texts():
    from outageradar.reports.incidents import distinct_reports

    long_a = "my power has been out since this morning and nobody at the utility answers the phone"
    assert distinct_reports([]) == 0
    assert distinct_reports([(None, "xbox down")] * 5) == 5  # short texts by unknown authors: independent
    assert distinct_reports([(None, long_a), (None, "RT @x: " + long_a.upper() + " https://t.co/1")]) == 1
    assert distinct_reports([("a", "one"), ("a", "two"), ("b", long_a), ("c", long_a), ("d", "three")]) == 3


NOTICE = ("There is NO SCHOOL on Friday for a planned snow day. Our elementary has school tomorrow to make up for an "
          "unplanned closure caused by an electrical outage. We'll see you back on Tuesday! pic.twitter.com/{}")


def test_one_notice_cross_posted_by_many_accounts_is_not_an_outage(store):
    """The 2019-05-23 case: one announcement posted by 24 accounts within a minute, each with its own picture link
    (pic.twitter.com, which the long-text key used to keep), is one reporter: no incident."""
    rng = random.Random(12)
    _write(store, _background(rng))
    t = datetime(2026, 5, 20, 23, 30, 6, tzinfo=timezone.utc)
    links = ["".join(rng.choice("abcdefghijkLMNOPQRSTUVwxyz0123456789") for _ in range(10)) for _ in range(24)]
    posts = [(t + timedelta(seconds=k), "Xbox Live", "", "", f"school{k}", NOTICE.format(links[k])) for k in range(24)]
    _write_texts(store, posts, 0)
    assert [i for i in detect_day(store, DAY).incidents if i.service == "Xbox Live"] == []


def _outage_with_copies(store, rng, t):
    """A real outage in two US regions (short, varied posts by many people) and, at the same time, 30 accounts in
    England posting copies of one long text with different links: the copies are not a third region."""
    _write(store, _background(rng))
    letters = str.maketrans("0123456789", "abcdefghij")
    real = [(t + timedelta(seconds=20 * k), "Xbox Live", "US", region, f"u{region}{k}",
             f"xbox {word} down {str(k).translate(letters)}")
            for region, word in (("Georgia", "live"), ("Texas", "network")) for k in range(60)]
    copies = [(t + timedelta(seconds=30 * k), "Xbox Live", "GB", "England", f"bot{k}",
               f"BREAKING: Xbox Live is down for millions of players worldwide, Microsoft confirms https://t.co/{k}x")
              for k in range(30)]
    _write_texts(store, real + copies, 0)


def test_regions_of_copies_do_not_count_and_samples_are_distinct(store):
    t = datetime(2026, 5, 20, 15, 0, tzinfo=timezone.utc)
    _outage_with_copies(store, random.Random(13), t)
    (inc,) = [i for i in detect_day(store, DAY).incidents if i.service == "Xbox Live"]
    assert {(r["country"], r["admin1"]) for r in inc.regions} == {("US", "Georgia"), ("US", "Texas")}
    assert inc.confidence == "moderate"  # two regions; England's 30 copies would have made it "strong"
    assert all(r["reporters"] >= 4 for r in inc.regions)
    assert inc.total_reports >= 150 and inc.reporters < inc.total_reports - 25
    texts = [s["text"] for s in inc.samples]
    assert len(texts) == 5
    assert len({" ".join(x.split()[:8]) for x in texts}) == 5  # never two copies of the BREAKING text


def _facts(result):
    return [{**i.to_dict(), "id": None, "series": i.series} for i in result.incidents]


def test_as_of_uses_only_posts_created_up_to_then(store):
    """Detection as of T on the full data equals detection on the data cut at T (with now = T)."""
    rng = random.Random(14)
    t = datetime(2026, 5, 20, 14, 32, 10, tzinfo=timezone.utc)  # inside a 5-minute bucket
    events = _background(rng)
    events += _burst(rng, "Xbox Live", REGIONS[:2], datetime(2026, 5, 20, 14, 0, tzinfo=timezone.utc), 60, 6)
    events += _burst(rng, "Xbox Live", [REGIONS[2]], datetime(2026, 5, 20, 14, 35, tzinfo=timezone.utc), 40, 8)
    events += [(t + timedelta(seconds=s), "Xbox Live", "US", "Ohio") for s in (-20, -5, 0, 5, 20, 60)]
    events += _burst(rng, "Comcast Xfinity", [("US", "Ohio")], datetime(2026, 5, 20, 18, 0, tzinfo=timezone.utc), 30, 8)
    cut = [e for e in events if e[0] <= t]
    assert any(e[0] > t and e[0] < t + timedelta(seconds=110) for e in events)  # T's bucket has posts after T too
    _write(store, cut)
    on_cut = detect_day(store, DAY, now=t)
    _write(store, [e for e in events if e[0] > t], offset=10**6)
    as_of = detect_day(store, DAY, as_of=t)
    full = detect_day(store, DAY, now=t)
    assert _facts(as_of) == _facts(on_cut)
    assert as_of.posts == on_cut.posts < full.posts
    (inc,) = as_of.incidents
    assert inc.service == "Xbox Live" and inc.status == "ongoing" and inc.ended_at <= t + timedelta(minutes=5)
    assert {r["admin1"] for r in inc.regions} == {"Georgia", "Texas"}
    assert all(datetime.fromisoformat(s["created_at"]) <= t for s in inc.samples)
    # the full data knows more: England joined after T, the outage went on, and Comcast's evening blip came
    later = {i.service: i for i in full.incidents}
    assert "England" in {r["admin1"] for r in later["Xbox Live"].regions}
    assert later["Xbox Live"].total_reports > inc.total_reports and "Comcast Xfinity" in later
    # as of a time before the day, or on a later day, nothing of that day is known / everything is
    assert detect_day(store, DAY, as_of=datetime(2026, 5, 19, 12, tzinfo=timezone.utc)).posts == 0
    assert _facts(detect_day(store, DAY, as_of=datetime(2026, 5, 22, tzinfo=timezone.utc), now=t)) == _facts(full)


def test_saving_as_of_a_time_keeps_later_incidents(store):
    rng = random.Random(15)
    _write(store, _background(rng) + _burst(rng, "Xbox Live", REGIONS[:3], datetime(2026, 5, 20, 3, 0, tzinfo=timezone.utc), 30, 6)
           + _burst(rng, "Comcast Xfinity", REGIONS[:3], datetime(2026, 5, 20, 15, 0, tzinfo=timezone.utc), 30, 6))
    save_detection(store, detect_day(store, DAY))
    with store.session() as s:
        assert sorted(s.scalars(select(IncidentRow.service))) == ["Comcast Xfinity", "Xbox Live"]
    replay = detect_day(store, DAY, as_of=datetime(2026, 5, 20, 10, tzinfo=timezone.utc))
    assert [i.service for i in replay.incidents] == ["Xbox Live"]
    save_detection(store, replay)  # the afternoon incident is not knowable at 10:00, and is not removed
    with store.session() as s:
        assert sorted(s.scalars(select(IncidentRow.service))) == ["Comcast Xfinity", "Xbox Live"]
    save_detection(store, detect_day(store, date(2026, 5, 25)))  # a day with no data removes nothing
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentRow)) == 2
