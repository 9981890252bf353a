"""Store behaviour on SQLite and PostgreSQL (the ``store`` fixture runs each test on both)."""

from datetime import datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from fakes import KeywordTagger
from outageradar.records import Rejected
from outageradar.records import Post
from outageradar.store import migrate
from outageradar.store.db import make_engine
from outageradar.pipeline import load
from outageradar.store.models import Base, ClassificationRow, PostRow, QuarantineRow, RollupRow
from outageradar.store.queries import rollups_frame, table_counts
from outageradar.pipeline.reclassify import reclassify
from outageradar.store.reclassify import rebuild_rollups
from outageradar.store.writer import bucket_of, get_cursor, set_cursor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def posts(n, start=0, source="x"):
    return [
        Post(source, str(i), T0 + timedelta(minutes=i), f"{'Xbox' if i % 2 else 'Gmail'} {'down' if i % 3 else 'ok'} in us")
        for i in range(start, start + n)
    ]


def rollup_totals(store):
    with store.session() as s:
        return dict(s.execute(select(RollupRow.service, func.sum(RollupRow.n_posts))
                              .group_by(RollupRow.service)).all())


def test_upgrade_creates_schema_matching_models(db_url):
    engine = make_engine(db_url)
    before, after = migrate.upgrade(engine)
    assert before is None and after == migrate.head_revision(engine)
    assert migrate.upgrade(engine) == (after, after)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_reingest_adds_nothing_and_rollups_agree(store):
    tagger = KeywordTagger()
    first = load(store.factory, posts(50), tagger, "t", batch_size=7)
    again = load(store.factory, posts(60), tagger, "t", batch_size=7)
    assert (first.new, first.duplicates) == (50, 0)
    assert (again.new, again.duplicates) == (10, 50)
    counts = table_counts(store)
    assert counts["posts"] == counts["classifications"] == 60
    assert rollup_totals(store) == {"Xbox": 30, "Gmail": 30}
    frame = rollups_frame(store)
    assert frame["n_outage"].sum() == sum(1 for i in range(60) if i % 3)


def test_duplicates_inside_one_batch(store):
    batch = posts(5) + posts(5)
    summary = load(store.factory, batch, KeywordTagger(), "t")
    assert summary.new == 5 and summary.duplicates == 5
    assert sum(rollup_totals(store).values()) == 5


def test_timestamps_round_trip_as_utc(store):
    load(store.factory, posts(1), KeywordTagger(), "t")
    with store.session() as s:
        row = s.scalars(select(PostRow)).one()
        c = s.scalars(select(ClassificationRow)).one()
    assert row.created_at == T0 and row.created_at.tzinfo is not None
    assert c.bucket == bucket_of(T0)


def test_quarantine_keeps_each_bad_record_once(store):
    bad = [Rejected("{oops", "invalid JSON", 1), Rejected("{oops", "invalid JSON", 1), Rejected("x", "empty", 2)]
    s1 = load(store.factory, bad, KeywordTagger(), "file:/a")
    s2 = load(store.factory, bad, KeywordTagger(), "file:/a")
    assert (s1.rejected, s1.quarantined_new, s2.quarantined_new) == (3, 2, 0)
    with store.session() as s:
        reasons = sorted(s.scalars(select(QuarantineRow.reason)).all())
    assert reasons == ["line 1: invalid JSON", "line 2: empty"]


def test_cursor_moves_only_with_its_transaction(store):
    with store.session() as s, s.begin():
        set_cursor(s, "x", "q1", "100")
    try:
        with store.session() as s, s.begin():
            set_cursor(s, "x", "q1", "200")
            raise RuntimeError("page failed")
    except RuntimeError:
        pass
    with store.session() as s:
        assert get_cursor(s, "x", "q1") == "100"
        assert get_cursor(s, "x", "other") is None
    with store.session() as s, s.begin():
        set_cursor(s, "x", "q1", "300")
    with store.session() as s:
        assert get_cursor(s, "x", "q1") == "300"


def test_reclassify_rebuilds_the_same_rollups(store):
    load(store.factory, posts(40), KeywordTagger(), "t")
    incremental = rollups_frame(store).sort_values(["service", "bucket"]).reset_index(drop=True)
    rebuild_rollups(store)
    rebuilt = rollups_frame(store).sort_values(["service", "bucket"]).reset_index(drop=True)
    assert incremental.equals(rebuilt)

    class Renamed(KeywordTagger):
        version = "keyword-test-2"

        def one(self, text):
            c = super().one(text)
            return type(c)(**{**c.to_dict(), "service": "Svc-" + c.service})

    assert reclassify(store, Renamed()) == 40
    assert reclassify(store, Renamed()) == 0  # nothing left of an older model
    assert rollup_totals(store) == {"Svc-Xbox": 20, "Svc-Gmail": 20}


def test_service_rollups_are_the_region_rollups_summed(store):
    load(store.factory, posts(60), KeywordTagger(), "t", batch_size=11)
    from outageradar.store.models import ServiceRollupRow

    def totals(s):
        kept = dict(((r.service, r.bucket), (r.n_posts, r.n_outage)) for r in s.scalars(select(ServiceRollupRow)))
        summed = {(svc, b): (n, k) for svc, b, n, k in s.execute(
            select(RollupRow.service, RollupRow.bucket, func.sum(RollupRow.n_posts), func.sum(RollupRow.n_outage))
            .group_by(RollupRow.service, RollupRow.bucket)).all()}
        return kept, summed

    with store.session() as s:
        kept, summed = totals(s)
    assert kept == summed and len(kept) > 1
    rebuild_rollups(store)
    with store.session() as s:
        assert totals(s)[0] == kept


def test_upgrade_from_0001_backfills_service_rollups(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(RollupRow.__table__.insert(), [
            {"service": "A", "country": "US", "admin1": "", "bucket": T0, "n_posts": 3, "n_outage": 2},
            {"service": "A", "country": "GB", "admin1": "", "bucket": T0, "n_posts": 1, "n_outage": 1},
        ])
    migrate.upgrade(engine)
    from outageradar.store.models import ServiceRollupRow

    with engine.connect() as c:
        assert c.execute(select(ServiceRollupRow.n_posts, ServiceRollupRow.n_outage)).all() == [(4, 3)]
