"""The store's writer on the driver (issue 13): it stores exactly what SQLAlchemy's statements stored, on SQLite and
PostgreSQL, and keeps ``store_posts``' contract (new, duplicates, conflicts; a refused record raises a record error).

The reference is the writer as it was before issue 13, SQLAlchemy Core statements (``reference_store_posts``); the
rows are compared as the database holds them (SQLite ``quote()``, PostgreSQL ``::text``), so a timestamp stored as
other text, a REAL stored as an INTEGER or a bucket that would make a second rollup row all fail here.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from outageradar.records import Classification, Post
from outageradar.store import writer
from outageradar.store.models import Base, ClassificationRow, PostRow, RollupRow, ServiceRollupRow
from outageradar.store.page import is_record_error, write_page

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
COMPARED = (PostRow, ClassificationRow, RollupRow, ServiceRollupRow)


# ---------------------------------------------------------------- the reference: the writer before issue 13
def reference_store_posts(session, posts, labels, now=NOW) -> writer.WriteResult:
    """``store_posts`` as SQLAlchemy Core statements (the code this writer replaced), ``now`` as its clock."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    t = PostRow.__table__
    rows = [{"source": p.source, "source_id": p.source_id, "created_at": p.created_at, "text": p.text, "lang": p.lang,
             "author_hash": p.author_hash, "user_location": p.user_location, "lat": p.lat, "lon": p.lon,
             "place": p.place, "url": p.url, "ingested_at": now} for p in posts]
    inserted = session.execute(insert(t).on_conflict_do_nothing(index_elements=["source", "source_id"])
                               .returning(t.c.id, t.c.source, t.c.source_id), rows).all()
    index: dict = {}
    for i, p in enumerate(posts):
        index.setdefault((p.source, p.source_id), i)
    done = {(s, i) for _, s, i in inserted}
    stored = dict(((r.source, r.source_id), r.text) for r in session.execute(select(t.c.source, t.c.source_id, t.c.text)))
    conflicts = []
    for i, p in enumerate(posts):
        key = (p.source, p.source_id)
        if key in done and index[key] == i:
            continue
        other = posts[index[key]].text if key in done else stored[key]
        if not writer._same_text(p.text, other):
            conflicts.append((p, f"conflict: {p.source} id {p.source_id[:60]!r} is already stored with a different text"))
    counts: dict = defaultdict(lambda: [0, 0])
    crows = []
    for post_id, source, source_id in inserted:
        post, label = posts[index[(source, source_id)]], labels[index[(source, source_id)]]
        bucket = writer.bucket_of(post.created_at)
        crows.append({"post_id": post_id, "bucket": bucket, "outage": bool(label.outage),
                      "outage_score": float(label.outage_score), "service": label.service, "country": label.country,
                      "admin1": label.admin1, "city": label.city, "problem": label.problem,
                      "region_evidence": label.region_evidence, "model_version": label.model_version,
                      "classified_at": now})
        if label.service:
            c = counts[(label.service, label.country or "", label.admin1 or "", bucket)]
            c[0] += 1
            c[1] += int(label.outage)
    if crows:
        session.execute(ClassificationRow.__table__.insert(), crows)
    totals: dict = defaultdict(lambda: [0, 0])
    for (service, _c, _a, bucket), (n, k) in counts.items():
        totals[(service, bucket)][0] += n
        totals[(service, bucket)][1] += k
    for model, keys, items in ((RollupRow, ["service", "country", "admin1", "bucket"], counts),
                               (ServiceRollupRow, ["service", "bucket"], totals)):
        if not items:
            continue
        rt = model.__table__
        stmt = insert(rt)
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={
            "n_posts": rt.c.n_posts + stmt.excluded.n_posts, "n_outage": rt.c.n_outage + stmt.excluded.n_outage})
        session.execute(stmt, [{**dict(zip(keys, k)), "n_posts": v[0], "n_outage": v[1]}
                               for k, v in sorted(items.items())])
    return writer.WriteResult(len(inserted), len(posts) - len(inserted) - len(conflicts), conflicts)


def raw_rows(session, model) -> list[tuple]:
    """Every row of ``model``'s table as the database holds it: SQLite ``quote(col)`` (its type shows: 'text', 1,
    1.0, NULL), PostgreSQL ``col::text``; in primary-key order."""
    t = model.__table__
    pg = session.get_bind().dialect.name == "postgresql"
    cols = ", ".join(f"{c.name}::text" if pg else f"quote({c.name})" for c in t.columns)
    order = ", ".join(c.name for c in t.primary_key.columns)
    return [tuple(r) for r in session.execute(text(f"SELECT {cols} FROM {t.name} ORDER BY {order}"))]


def empty(store) -> None:
    """Delete every row (PostgreSQL: and restart the post ids), so a second writer starts where the first did."""
    with store.engine.begin() as c:
        for t in reversed(Base.metadata.sorted_tables):
            c.execute(t.delete())
        if store.engine.dialect.name == "postgresql":
            c.execute(text("SELECT setval(pg_get_serial_sequence('posts', 'id'), 1, false)"))


# ---------------------------------------------------------------- the data: every kind of value the store holds
HARD_TEXTS = ["tab\there", "new\nline", "cr\r\nlf", "back\\slash", "\\N", "\\.", "quote ' and \"", "comma, semi;",
              "emoji 🔥 outage", "ünïcödé ∂own", "x" * 9_990, "  spaces   around  ", "NULL", "{braces}", "a|b"]


def hard_batch(n: int, seed: int, prefix: str = "p") -> tuple[list[Post], list[Classification]]:
    rnd = random.Random(seed)
    posts, labels = [], []
    for i in range(n):
        offset = timezone(timedelta(hours=rnd.choice([0, -5, 9]), minutes=rnd.choice([0, 30])))
        created = (T0 + timedelta(seconds=rnd.randrange(0, 6 * 3600), microseconds=rnd.choice([0, 1, 999999])))
        has_point = rnd.random() < 0.3
        posts.append(Post(
            source=rnd.choice(["x", "reddit", "file"]), source_id=f"{prefix}{i}", created_at=created.astimezone(offset),
            text=rnd.choice(HARD_TEXTS) + f" {i}", lang=rnd.choice([None, "en", "de"]),
            author_hash=rnd.choice([None, "ab" * 32]), user_location=rnd.choice([None, "Decatur, GA", "tab\tplace"]),
            lat=rnd.uniform(-90, 90) if has_point else None, lon=rnd.uniform(-180, 180) if has_point else None,
            place=rnd.choice([None, "Manhattan, NY"]), url=rnd.choice([None, f"https://x.example/{i}"])))
        service = rnd.choice([None, "Xbox Live", "AT&T", "Comcast"])
        labels.append(Classification(
            outage=rnd.random() < 0.5, outage_score=rnd.choice([np.float64(rnd.random()), rnd.random(), 1, 0.0]),
            service=service, country=rnd.choice([None, "US", "GB"]) if service else None,
            admin1=rnd.choice([None, "GA", "Back\\slash"]) if service else None, city=rnd.choice([None, "Decatur"]),
            problem=rnd.choice([None, "login"]), region_evidence=rnd.choice([None, "text", "coordinates"]),
            model_version="v1"))
    return posts, labels


def batches_to_store():
    """A first batch (with a duplicate and a conflicting post inside it); a second one sharing buckets and rollup
    keys with it, repeating some of its posts (same text with other spacing: duplicates; other text: conflicts) and
    bringing new ones; a short third one."""
    p1, l1 = hard_batch(600, seed=1)
    p1 += [p1[3], Post(p1[5].source, p1[5].source_id, p1[5].created_at, "another text")]
    l1 += [l1[3], l1[5]]
    p2, l2 = hard_batch(300, seed=2, prefix="q")
    again = [Post(p.source, p.source_id, p.created_at, "  " + p.text.replace(" ", "   ") + " ") for p in p1[:40]]
    changed = [Post(p.source, p.source_id, p.created_at, p.text + " edited") for p in p1[40:50]]
    p3, l3 = hard_batch(6, seed=3, prefix="r")  # a short batch (PostgreSQL: INSERT ... VALUES, no COPY)
    return (p1, l1), (p2 + again + changed, l2 + l1[:40] + l1[40:50]), (p3 + p1[:2], l3 + l1[:2])


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(writer, "_utcnow", lambda: NOW)


# ---------------------------------------------------------------- 1. the stored rows are SQLAlchemy's
def test_stored_rows_equal_the_rows_sqlalchemys_statements_stored(store, fixed_clock):
    batches = batches_to_store()
    old, new = reference_store_posts, writer.store_posts
    ways = {"SQLAlchemy": (old, old, old), "driver": (new, new, new),
            "SQLAlchemy, then driver (a store written before)": (old, new, new)}
    dumps, results = {}, {}
    for name, writers in ways.items():
        empty(store)
        results[name] = []
        for write, (posts, labels) in zip(writers, batches):
            with store.session() as s, s.begin():
                r = write(s, posts, labels)
            results[name].append((r.new, r.duplicates, [(p.source_id, p.text, why) for p, why in r.conflicts]))
        with store.session() as s:
            dumps[name] = {m.__tablename__: raw_rows(s, m) for m in COMPARED}
    reference = dumps["SQLAlchemy"]
    assert len(reference["posts"]) == len(reference["classifications"]) == 906
    assert [(new, dup, len(conflicts)) for new, dup, conflicts in results["SQLAlchemy"]] == [
        (600, 1, 1), (300, 40, 10), (6, 2, 0)]
    for name in ways:
        assert results[name] == results["SQLAlchemy"], name
        for table, rows in dumps[name].items():
            assert rows == reference[table], f"{name}: {table} differs"


def test_a_post_s_text_is_stored_exactly(store):
    posts = [Post("x", str(i), T0, t) for i, t in enumerate(HARD_TEXTS)]
    with store.session() as s, s.begin():
        assert writer.store_posts(s, posts, [Classification(False, 0.1, model_version="v")] * len(posts)).new == len(posts)
    with store.session() as s:
        assert dict(s.execute(select(PostRow.source_id, PostRow.text)).all()) == {p.source_id: p.text for p in posts}


def test_the_fast_sqlite_time_text_is_sqlalchemys():
    """The one-call conversion of UTC timestamps on SQLite gives SQLAlchemy's text for any time and refuses a naive
    one as SQLAlchemy does; the writer uses it only after checking that on its own samples."""
    dialect = create_engine("sqlite://").dialect
    column = PostRow.__table__.c.created_at
    reference = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert writer._processor(column, dialect) is writer._sqlite_utc_text
    rnd = random.Random(7)
    for _ in range(5000):
        t = datetime(rnd.randint(1, 9998), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
                     rnd.randint(0, 59), rnd.randint(0, 59), rnd.choice([0, rnd.randint(0, 999999)]))
        tz = timezone(timedelta(minutes=rnd.randint(-14 * 60, 14 * 60)))
        for value in (t.replace(tzinfo=UTC), t.replace(tzinfo=tz)):
            assert writer._sqlite_utc_text(value) == reference(value)
    for f in (reference, writer._sqlite_utc_text):
        with pytest.raises(ValueError):
            f(datetime(2026, 1, 1))
    assert not writer._agree(reference, lambda v: None if v is None else v.isoformat(" "))  # a wrong one is refused


def test_the_writer_writes_every_column_of_the_models():
    assert set(writer.POST_COLUMNS) == {c.name for c in PostRow.__table__.columns} - {"id"}
    assert set(writer.CLASSIFICATION_COLUMNS) == {c.name for c in ClassificationRow.__table__.columns}


# ---------------------------------------------------------------- 2. batch sizes: every chunk maps to its posts
def test_chunks_cover_the_range_with_few_statement_sizes():
    sizes = set()
    for n in range(0, 1200):
        pieces = list(writer._chunks(n, 256))
        assert [s for s, _ in pieces] == [sum(m for _, m in pieces[:i]) for i in range(len(pieces))]
        assert sum(m for _, m in pieces) == n
        sizes |= {m for _, m in pieces}
    assert sizes == {256, 128, 64, 32, 16, 8, 4, 2, 1}


@pytest.mark.parametrize("n", [1, 2, 3, 255, 256, 257, 700])
def test_every_post_gets_its_own_classification_whatever_the_batch_size(store, n):
    stored = [Post("x", f"old{i}", T0, f"old {i}") for i in range(5)]
    with store.session() as s, s.begin():
        writer.store_posts(s, stored, [Classification(False, 0.1, city="old", model_version="v")] * 5)
    posts = [Post("x", f"id{i}", T0 + timedelta(minutes=i), f"text {i}") for i in range(n)]
    batch = posts + posts[: n // 3] + stored[:3]  # repeats inside the batch and posts stored before
    labels = [Classification(True, 0.9, service="S", country="US", city=p.source_id, model_version="v") for p in batch]
    with store.session() as s, s.begin():
        r = writer.store_posts(s, batch, labels)
    assert (r.new, r.duplicates, r.conflicts) == (n, n // 3 + 3, [])
    with store.session() as s:
        pairs = s.execute(select(PostRow.source_id, ClassificationRow.city)
                          .join(ClassificationRow, ClassificationRow.post_id == PostRow.id)).all()
        rolled = s.scalar(select(func.sum(RollupRow.n_posts)))
    assert sorted(pairs) == sorted([(f"old{i}", "old") for i in range(5)] + [(p.source_id, p.source_id) for p in posts])
    assert rolled == n


def test_several_batches_in_one_transaction_and_after_a_rolled_back_savepoint(store):
    """The PostgreSQL batch table is emptied for each call and survives a rolled-back savepoint; on both backends
    each call stores its own posts only."""
    _refuse_city(store, "poison")
    label = Classification(False, 0.1, service="S", model_version="v")
    with store.session() as s, s.begin():
        assert writer.store_posts(s, [Post("x", "a", T0, "a")], [label]).new == 1
        with pytest.raises(sa_exc.DBAPIError):
            with s.begin_nested():
                writer.store_posts(s, [Post("x", "b", T0, "b")], [Classification(False, 0.1, city="poison",
                                                                                   model_version="v")])
        assert writer.store_posts(s, [Post("x", "c", T0, "c"), Post("x", "a", T0, "a")], [label] * 2).new == 1
    with store.session() as s:
        assert sorted(s.scalars(select(PostRow.source_id))) == ["a", "c"]
        assert s.scalar(select(func.sum(RollupRow.n_posts))) == 2


# ---------------------------------------------------------------- 3. errors: a record's, or the database's
def _refuse_city(store, city: str) -> None:
    """Make the database refuse a classification of that city (a CHECK / a trigger)."""
    with store.engine.begin() as c:
        if store.engine.dialect.name == "postgresql":
            c.execute(text(f"ALTER TABLE classifications ADD CONSTRAINT no_city CHECK (city IS DISTINCT FROM '{city}')"))
        else:
            c.execute(text(f"CREATE TRIGGER no_city BEFORE INSERT ON classifications WHEN NEW.city = '{city}' "
                           "BEGIN SELECT RAISE(ABORT, 'no such city'); END"))


def test_a_classification_the_database_refuses_is_a_record_error_and_sinks_only_its_post(store):
    _refuse_city(store, "poison")
    posts = [Post("x", str(i), T0 + timedelta(minutes=i), f"post {i}") for i in range(10)]
    labels = [Classification(True, 0.9, service="S", city="poison" if i == 4 else None, model_version="v")
              for i in range(10)]
    with store.session() as s, s.begin():
        with pytest.raises(sa_exc.IntegrityError) as exc:
            with s.begin_nested():
                writer.store_posts(s, posts, labels)
    assert is_record_error(exc.value)
    assert type(exc.value.orig).__module__.split(".")[0] in ("sqlite3", "psycopg")  # the driver's error, wrapped
    res = write_page(store.factory, posts, labels, quarantine_source="t")
    assert (res.new, res.duplicates, len(res.refused)) == (9, 0, 1)
    assert res.refused[0].startswith("refused by the database: ")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassificationRow)) == 9
        assert s.scalar(select(func.sum(RollupRow.n_posts))) == 9
        assert s.scalar(select(func.sum(ServiceRollupRow.n_posts))) == 9


@pytest.mark.pg
def test_a_value_too_long_for_its_column_is_a_record_error(store):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    posts = [Post("x", "1", T0, "one"), Post("x", "2", T0, "two")]
    labels = [Classification(True, 0.9, service="S", country="USA", model_version="v"),
              Classification(True, 0.9, service="S", country="US", model_version="v")]
    with store.session() as s, s.begin():
        with pytest.raises(sa_exc.DataError) as exc:
            with s.begin_nested():
                writer.store_posts(s, posts, labels)
    assert is_record_error(exc.value)
    res = write_page(store.factory, posts, labels, quarantine_source="t")
    assert (res.new, len(res.refused)) == (1, 1) and "StringDataRightTruncation" in res.refused[0]


def test_a_missing_table_is_the_database_s_error_not_a_record_s(store):
    with store.engine.begin() as c:
        c.execute(text("ALTER TABLE service_rollups RENAME TO service_rollups_gone"))
    try:
        with pytest.raises(sa_exc.DBAPIError) as exc:
            with store.session() as s, s.begin():
                writer.store_posts(s, [Post("x", "1", T0, "one")],
                                   [Classification(True, 0.9, service="S", model_version="v")])
        assert not is_record_error(exc.value)
        assert isinstance(exc.value, (sa_exc.OperationalError, sa_exc.ProgrammingError))
    finally:
        with store.engine.begin() as c:
            c.execute(text("ALTER TABLE service_rollups_gone RENAME TO service_rollups"))


def test_a_label_the_driver_cannot_encode_sinks_only_its_post(store):
    """A lone surrogate cannot be sent to the database (the driver raises UnicodeEncodeError, in COPY too): a
    record error, so its post alone is quarantined, in a batch written with COPY and in a short one."""
    for n in (40, 3):
        posts = [Post("x", f"{n}-{i}", T0, f"post {i}") for i in range(n)]
        labels = [Classification(True, 0.9, service="S", city="\ud800" if i == 1 else None, model_version="v")
                  for i in range(n)]
        with pytest.raises(UnicodeEncodeError) as exc:
            with store.session() as s, s.begin():
                writer.store_posts(s, posts, labels)
        assert is_record_error(exc.value)
        res = write_page(store.factory, posts, labels, quarantine_source="t")
        assert (res.new, len(res.refused)) == (n - 1, 1) and "UnicodeEncodeError" in res.refused[0]


@pytest.mark.pg
def test_a_role_that_may_not_create_temporary_tables_writes_without_copy(store):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    posts, labels = hard_batch(100, seed=4)
    with store.session() as s, s.begin():
        s.connection().connection.info["outageradar_temp"] = False  # what has_database_privilege said
        assert writer.store_posts(s, posts, labels).new == 100
        assert s.scalar(text("SELECT to_regclass('pg_temp.outageradar_post_batch')")) is None
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassificationRow)) == 100
        s.connection().connection.info.pop("outageradar_temp")
