"""The day rollups (one row per series and UTC day, what the detection reads) agree with the 5-minute rollups and
with a rebuild, on SQLite and PostgreSQL: after ingest in batches, after re-classification, after the 0004 upgrade of
an existing store; and the detection's count arrays are the rollups' counts (as of a time: the posts' up to then)."""

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlalchemy import select

from outageradar.pipeline.reclassify import reclassify
from outageradar.records import Classification, Post
from outageradar.reports.incidents import DEFAULT_INCIDENT_PARAMS, load_day
from outageradar.store import migrate
from outageradar.store.db import make_engine
from outageradar.store.models import (
    DayRollupRow,
    RollupRow,
    ServiceDayRollupRow,
    decode_day_counts,
    encode_day_counts,
)
from outageradar.store.reclassify import rebuild_rollups
from outageradar.store.writer import store_posts

T0 = datetime(2026, 5, 18, 21, 0, tzinfo=timezone.utc)  # three days and a bit, across midnights
REGIONS = [("US", "Texas"), ("US", ""), ("GB", "England"), ("", "")]
SERVICES = ["Gmail", "Xbox Live", "Steam"]


def _events(seed: int, n: int = 1500) -> list[tuple[Post, Classification]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ts = T0 + timedelta(seconds=rng.randrange(3 * 86400))
        service = rng.choice(SERVICES + [None])
        country, admin1 = rng.choice(REGIONS)
        outage = rng.random() < 0.6
        label = Classification(outage, 0.9 if outage else 0.1, service, country or None, admin1 or None, None,
                               "login" if outage else None, "text", "t1")
        out.append((Post("t", f"{seed}-{i}", ts, f"{service} {'down' if outage else 'fine'} {i}"), label))
    return out


def _store(store, events, batch: int = 211) -> None:
    for lo in range(0, len(events), batch):
        part = events[lo:lo + batch]
        with store.session() as s, s.begin():
            store_posts(s, [p for p, _ in part], [c for _, c in part])


def _day_tables(store) -> tuple[dict, dict]:
    """Both day tables as {key: (n_outage, {slot: count})}."""
    out = []
    with store.session() as s:
        for model, width in ((DayRollupRow, 4), (ServiceDayRollupRow, 2)):
            cols = [c for c in model.__table__.primary_key.columns]
            rows = s.execute(select(*cols, model.n_outage, model.counts)).all()
            table = {}
            for row in rows:
                _, slots, counts = decode_day_counts([row.counts])
                table[tuple(row[:width])] = (row.n_outage, dict(zip(slots.tolist(), counts.tolist())))
            out.append(table)
    return out[0], out[1]


def _from_rollups(store) -> tuple[dict, dict]:
    """The day tables as they must be, computed here from the 5-minute rollups."""
    region: dict = defaultdict(dict)
    total: dict = defaultdict(lambda: defaultdict(int))
    with store.session() as s:
        for r in s.scalars(select(RollupRow)):
            if r.n_outage:
                slot = (r.bucket.hour * 60 + r.bucket.minute) // 5
                region[(r.bucket.date(), r.service, r.country, r.admin1)][slot] = r.n_outage
                total[(r.bucket.date(), r.service)][slot] += r.n_outage
    return ({k: (sum(v.values()), dict(v)) for k, v in region.items()},
            {k: (sum(v.values()), dict(v)) for k, v in total.items()})


def test_codec_round_trip():
    blob = encode_day_counts(np.array([287, 0, 5, 9]), np.array([70_000, 3, 0, 1]))
    assert len(blob) == 3 * 6  # the zero is not stored
    rows, slots, counts = decode_day_counts([blob, b"", blob])
    assert rows.tolist() == [0, 0, 0, 2, 2, 2]
    assert slots.tolist() == [0, 9, 287] * 2 and counts.tolist() == [3, 1, 70_000] * 2


def test_day_rollups_follow_ingest_and_equal_a_rebuild(store):
    events = _events(1)
    _store(store, events)
    _store(store, events[:400] + _events(2, 300), batch=97)  # re-ingested posts count once
    region, total = _day_tables(store)
    assert (region, total) == _from_rollups(store)
    assert {k[0] for k in total} == {date(2026, 5, d) for d in (18, 19, 20, 21)}
    assert any(k[2] == "" for k in region) and all(cells for _, cells in region.values())
    assert sum(n for n, _ in total.values()) == sum(
        1 for p, c in events + _events(2, 300) if c.service and c.outage)
    rebuild_rollups(store)
    assert _day_tables(store) == (region, total)


class _Retagger:
    """Gmail's reports become Steam's, Xbox Live's become non-outage posts (its day rows must go)."""

    version = "t2"

    def classify_rows(self, rows):
        out = []
        for r in rows:
            service, outage = r.text.split()[0], "down" in r.text
            service = {"Gmail": "Steam", "None": None}.get(service, service)
            if r.text.startswith("Xbox"):
                service, outage = "Xbox Live", False
            out.append(Classification(outage, 0.5, service, "US", "Texas" if outage else None, None, None, "text",
                                      self.version))
        return out


def test_day_rollups_follow_reclassification(store):
    _store(store, _events(3))
    assert reclassify(store, _Retagger(), batch_size=333) == 1500
    region, total = _day_tables(store)
    assert (region, total) == _from_rollups(store)
    assert not any(k[1] in ("Gmail", "Xbox Live") for k in total)  # emptied rows are deleted, not left at zero
    assert {k[2:] for k in region} == {("US", "Texas")}
    rebuild_rollups(store)
    assert _day_tables(store) == (region, total)


def test_upgrade_to_0004_fills_the_day_rollups(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0003")
    b = datetime(2026, 5, 19, 23, 55, tzinfo=timezone.utc)
    with engine.begin() as c:
        c.execute(RollupRow.__table__.insert(), [
            {"service": "A", "country": "US", "admin1": "", "bucket": b, "n_posts": 3, "n_outage": 2},
            {"service": "A", "country": "GB", "admin1": "x", "bucket": b, "n_posts": 1, "n_outage": 1},
            {"service": "A", "country": "GB", "admin1": "x", "bucket": b + timedelta(minutes=5), "n_posts": 4,
             "n_outage": 4},
            {"service": "B", "country": "US", "admin1": "", "bucket": b, "n_posts": 5, "n_outage": 0},
        ])
    migrate.upgrade(engine)
    from outageradar.store import Store
    from outageradar.store.db import session_factory

    region, total = _day_tables(Store(engine, session_factory(engine)))
    d19, d20 = date(2026, 5, 19), date(2026, 5, 20)
    assert region == {(d19, "A", "US", ""): (2, {287: 2}), (d19, "A", "GB", "x"): (1, {287: 1}),
                      (d20, "A", "GB", "x"): (4, {0: 4})}
    assert total == {(d19, "A"): (3, {287: 3}), (d20, "A"): (4, {0: 4})}
    engine.dispose()


def test_detection_counts_are_the_rollups_and_as_of_the_posts(store):
    events = _events(4, 3000)
    _store(store, events)
    day = date(2026, 5, 20)
    data = load_day(store, day)
    start = datetime(2026, 5, 20, tzinfo=timezone.utc) - timedelta(days=DEFAULT_INCIDENT_PARAMS.history_days)
    region_start = datetime(2026, 5, 20, tzinfo=timezone.utc) - timedelta(
        days=DEFAULT_INCIDENT_PARAMS.region_history_days)

    def expected(until=None):
        total, regional = defaultdict(lambda: np.zeros(len(data.buckets))), defaultdict(
            lambda: np.zeros(len(data.buckets) - data.r0))
        for p, c in events:
            if not (c.service and c.outage) or (until is not None and p.created_at > until):
                continue
            b = int((p.created_at - start).total_seconds() // 300)
            if 0 <= b < len(data.buckets):
                total[c.service][b] += 1
                if c.country and p.created_at >= region_start:
                    regional[(c.service, c.country, c.admin1 or "")][b - data.r0] += 1
        return total, regional

    total, regional = expected()
    assert data.names == sorted(total) and data.keys
    for i, name in enumerate(data.names):
        assert np.array_equal(data.T[i], total[name])
    for j, key in enumerate(data.keys):
        assert np.array_equal(data.R[j], regional[key])
        assert data.R[j, data.today - data.r0:].sum() >= DEFAULT_INCIDENT_PARAMS.spike.min_count
    spikable = {k for k, v in regional.items() if v[data.today - data.r0:].sum() >= 4}
    assert set(data.keys) == spikable

    as_of = datetime(2026, 5, 20, 13, 7, 31, tzinfo=timezone.utc)
    cut = load_day(store, day, as_of=as_of)
    total, regional = expected(as_of)
    assert cut.names == sorted(k for k, v in total.items() if v[data.today:].sum() > 0)
    for i, name in enumerate(cut.names):
        assert np.array_equal(cut.T[i], total[name])
    assert set(cut.keys) == {k for k, v in regional.items() if v[data.today - data.r0:].sum() >= 4}
    for j, key in enumerate(cut.keys):
        assert np.array_equal(cut.R[j], regional[key])
    assert cut.posts == sum(1 for p, _ in events if day_of(p) == day and p.created_at <= as_of)


def day_of(post: Post) -> date:
    return post.created_at.astimezone(timezone.utc).date()
