"""The pipeline's worker processes: ``load(workers=N)`` stores exactly what one process stores, in input order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from fakes import KeywordTagger
from outageradar.pipeline import load
from outageradar.records import Post, Rejected
from outageradar.store.models import ClassificationRow, PostRow, QuarantineRow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class Fragile(KeywordTagger):
    """Fails on any text with "boom": the pipeline must quarantine that post alone, also in a worker."""

    def one(self, text):
        if "boom" in text:
            raise RecursionError("too deep")
        return super().one(text)


def items(n):
    out = []
    for i in range(n):
        if i % 97 == 5:
            out.append(Rejected(f"raw {i}", "unreadable", i + 1))
        else:
            text = f"{'Xbox' if i % 2 else 'Gmail'} {'down' if i % 3 else 'ok'} {'boom' if i % 211 == 7 else ''}"
            out.append(Post("x", str(i), T0 + timedelta(seconds=i), text))
    return out


def snapshot(store):
    with store.session() as s:
        posts = s.execute(select(PostRow.id, PostRow.source_id).order_by(PostRow.id)).all()
        labels = s.execute(select(ClassificationRow.post_id, ClassificationRow.service, ClassificationRow.outage)
                           .order_by(ClassificationRow.post_id)).all()
        quarantine = s.execute(select(QuarantineRow.reason).order_by(QuarantineRow.reason)).scalars().all()
    return [tuple(r) for r in posts], [tuple(r) for r in labels], quarantine


def test_workers_store_what_one_process_stores(store, tmp_path):
    from outageradar.store import open_store
    from outageradar.store.db import make_engine
    from outageradar.store import migrate

    data = items(1000)
    one = load(store.factory, data, Fragile(), "file:t", batch_size=64, workers=1)
    other_url = f"sqlite:///{tmp_path / 'workers.db'}"
    migrate.upgrade(make_engine(other_url))
    other = open_store(other_url)
    try:
        many = load(other.factory, data, Fragile(), "file:t", batch_size=64, workers=2)
        assert (many.read, many.new, many.duplicates, many.rejected) == (one.read, one.new, one.duplicates, one.rejected)
        assert many.read == many.new + many.duplicates + many.rejected == 1000
        assert snapshot(other) == snapshot(store)  # same ids in input order, same labels, same quarantine
        _, _, quarantined = snapshot(other)
        assert sum("classification failed: RecursionError" in q for q in quarantined) == 5
    finally:
        other.dispose()


def test_a_rerun_with_workers_adds_nothing(store):
    data = items(300)
    first = load(store.factory, data, KeywordTagger(), "file:t", batch_size=50, workers=2)
    again = load(store.factory, data, KeywordTagger(), "file:t", batch_size=50, workers=2)
    assert first.new == 296 and again.new == 0 and again.duplicates == 296  # 4 of the 300 are Rejected


def test_classify_file_with_workers_writes_what_one_process_writes(tmp_path):
    import json

    from outageradar.pipeline import classify_file as cf

    inp = tmp_path / "in.jsonl"
    lines = [json.dumps({"text": f"{'Xbox' if i % 2 else 'Gmail'} {'down' if i % 3 else 'ok'}"
                                 f"{' boom' if i % 1000 == 7 else ''}", "n": i}) for i in range(12_000)]
    inp.write_text("\n".join(lines) + "\nnot json\n")
    one = cf.classify_file(inp, tmp_path / "one.jsonl", tagger=Fragile(), workers=1)
    many = cf.classify_file(inp, tmp_path / "many.jsonl", tagger=Fragile(), workers=2)
    assert (many.rows, many.outages, many.rejected) == (one.rows, one.outages, one.rejected) == (11_988, one.outages, 13)
    assert (tmp_path / "many.jsonl").read_text() == (tmp_path / "one.jsonl").read_text()  # same rows, same order
    bad = [json.loads(x) for x in (tmp_path / "many.jsonl.rejected.jsonl").read_text().splitlines()]
    assert sum("classification failed" in b["reason"] for b in bad) == 12
