"""Hostile records through the file reader and the store, on SQLite and PostgreSQL (issue 11, the record path).

Each test is one promise: one bad record never sinks its batch; text is normalised and the repair noted; only
plausible times are stored; the summary accounts for every record; quarantine keeps no raw author ids; ambiguous
day/month dates are a choice, not a guess; a client app is never a platform.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from fakes import KeywordTagger
from outageradar.cli import CliError, app
from outageradar.ingest.filesource import read_posts
from outageradar.records import Rejected
from outageradar.records import Post, author_hash
from outageradar.pipeline import load, store_page
from outageradar.store.models import ClassificationRow, PostRow, QuarantineRow, RollupRow
from outageradar.store.queries import newest_post_time
from outageradar.store.writer import get_cursor, store_posts

SALT = "test-salt"  # conftest sets OUTAGERADAR_AUTHOR_SALT to it
T = "2026-03-01T12:00:00Z"


def good(i: int, text: str | None = None, **kw) -> str:
    return json.dumps({"id": f"g{i}", "created_at": T, "text": text or f"Xbox down in us {i}", **kw})


def write(path, lines, bom: bool = False):
    body = b"\n".join(ln if isinstance(ln, bytes) else ln.encode("utf-8", "surrogatepass") for ln in lines) + b"\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    return path


def ingest(store, path, **kw):
    s = load(store.factory, read_posts(path, SALT, **kw), KeywordTagger(), f"file:{path}", batch_size=500)
    assert s.read == s.new + s.duplicates + s.rejected, s  # the accounting invariant, always
    return s


def stored(store) -> dict[str, str]:
    with store.session() as s:
        return dict(s.execute(select(PostRow.source_id, PostRow.text)).all())


def quarantined(store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [tuple(r) for r in s.execute(select(QuarantineRow.raw, QuarantineRow.reason)
                                            .order_by(QuarantineRow.id)).all()]


def rollup_sum(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.coalesce(func.sum(RollupRow.n_posts), 0)))


# ---------------------------------------------------------------- 1. fault isolation
HOSTILE = {
    "offset past 9999": json.dumps({"id": "h1", "created_at": "9999-12-31T23:59:59-05:00", "text": "x down"}),
    "offset before year 1": json.dumps({"id": "h2", "created_at": "0001-01-01T00:30:00+01:00", "text": "x down"}),
    "100,000 brackets": "[" * 100_000 + "]" * 100_000,
    "100,000 nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "a 5,000-digit number": '{"id": "h5", "created_at": "%s", "text": "x down", "lat": %s, "lon": 1}' % (T, "9" * 5000),
    "lat 1e400": '{"id": "h6", "created_at": "%s", "text": "x down", "lat": 1e400, "lon": 1}' % T,
    "text is a number": json.dumps({"id": "h7", "created_at": T, "text": 12}),
    "id is an object": json.dumps({"id": {"a": 1}, "created_at": T, "text": "x down"}),
    "only NUL": json.dumps({"id": "h9", "created_at": T, "text": "\x00\x00"}),
    "user is a list": json.dumps({"id": "h10", "created_at": "nope", "text": "x down", "user": [1, [2, {"id": 3}]]}),
}


def test_one_bad_record_never_sinks_its_batch(store, tmp_path):
    lines = [good(0)] + list(HOSTILE.values()) + [good(1), good(2, "down \ud800 surrogate"),
                                                  good(3, "down \x00 nul"), good(4)]
    s = ingest(store, write(tmp_path / "p.jsonl", lines))
    assert (s.read, s.new, s.rejected) == (len(lines), 5, len(HOSTILE))
    assert sorted(stored(store)) == ["g0", "g1", "g2", "g3", "g4"]
    reasons = [r for _, r in quarantined(store)]
    assert len(reasons) == len(HOSTILE)
    assert sum("out of range" in r for r in reasons) == 3  # two offsets, 1e400
    assert sum("nested too deeply" in r for r in reasons) == 2
    assert sum("invalid JSON: Exceeds the limit (4300 digits)" in r for r in reasons) == 1
    assert rollup_sum(store) == 5


def _poison(store):
    """Make the database itself refuse any post whose text contains 'poison' (a CHECK / a trigger)."""
    with store.engine.begin() as c:
        if store.engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE posts ADD CONSTRAINT no_poison CHECK (text NOT LIKE '%poison%')"))
        else:
            c.execute(text("CREATE TRIGGER no_poison BEFORE INSERT ON posts WHEN NEW.text LIKE '%poison%' "
                           "BEGIN SELECT RAISE(ABORT, 'no poison'); END"))


def test_a_post_the_database_refuses_is_quarantined_and_the_rest_of_the_batch_stored(store):
    _poison(store)
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    posts = [Post("x", str(i), t0 + timedelta(minutes=i), f"Xbox {'poison ' if i in (3, 7) else ''}down in us")
             for i in range(10)]
    res = store_page(store.factory, posts, KeywordTagger(), cursors={("x", "q"): "10"}, quarantine_source="x:q")
    assert (res.new, res.duplicates, len(res.refused)) == (8, 0, 2)
    assert all(r.startswith("refused by the database: ") for r in res.refused)
    assert sorted(stored(store), key=int) == [str(i) for i in range(10) if i not in (3, 7)]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassificationRow)) == 8
        assert get_cursor(s, "x", "q") == "10"  # the cursor moved with the posts, in the same transaction
    assert rollup_sum(store) == 8
    assert len(quarantined(store)) == 2
    # the same page again: the stored posts are duplicates, the refused ones are refused again, nothing new kept
    again = store_page(store.factory, posts, KeywordTagger(), quarantine_source="x:q")
    assert (again.new, again.duplicates, len(again.refused), again.quarantined_new) == (0, 8, 2, 0)


def test_a_database_failure_that_is_not_about_a_record_still_fails_the_batch_whole(store):
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    posts = [Post("x", str(i), t0, f"Xbox down {i}") for i in range(3)]
    with store.engine.begin() as c:
        c.execute(text("ALTER TABLE rollups RENAME TO rollups_gone"))
    with pytest.raises(Exception):
        store_page(store.factory, posts, KeywordTagger(), cursors={("x", "q"): "3"},
                   rejected=[("raw", "bad", 1)], quarantine_source="x:q")
    with store.engine.begin() as c:
        c.execute(text("ALTER TABLE rollups_gone RENAME TO rollups"))
    assert stored(store) == {} and quarantined(store) == []
    with store.session() as s:
        assert get_cursor(s, "x", "q") is None


def test_a_post_the_tagger_fails_on_is_quarantined():
    class Fragile(KeywordTagger):
        def one(self, text):
            if "boom" in text:
                raise RecursionError("too deep")
            return super().one(text)

    from outageradar.pipeline.core import classify_rows_isolated, split_labels

    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    posts = [Post("x", str(i), t0, t) for i, t in enumerate(["a down", "boom down", "c down"])]
    refused = []
    kept, labels = split_labels(posts, classify_rows_isolated(Fragile(), posts), refused)
    assert [p.source_id for p in kept] == ["0", "2"] and len(labels) == 2
    assert len(refused) == 1 and "classification failed: RecursionError" in refused[0][1]


# ---------------------------------------------------------------- 2. text normalised, repairs noted
def test_text_is_normalised_before_storage_and_the_repair_counted(store, tmp_path):
    f = write(tmp_path / "p.jsonl", [
        good(0),
        good(1, "Xbox down \x00now"),
        good(2, "Xbox down \ud800 now"),
        b'{"id": "g3", "created_at": "2026-03-01T12:00:00Z", "text": "Xbox down \xff\xfe now"}',
    ], bom=True)  # a BOM before line 1 is not a bad record
    s = ingest(store, f)
    assert (s.new, s.rejected, s.repaired) == (4, 0, 3)
    got = stored(store)
    assert got["g0"] == "Xbox down in us 0"
    assert got["g1"] == "Xbox down now"
    assert got["g2"] == "Xbox down \ufffd now"
    assert got["g3"] == "Xbox down \ufffd\ufffd now"


def test_csv_with_a_bom_and_invalid_utf8_and_nul(store, tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(b"\xef\xbb\xbfid,created_at,text\r\n1,2026-03-01T12:00:00Z,Xbox down\r\n"
                  b"2,2026-03-01T12:01:00Z,Xbox \xe9 down\r\n3,2026-03-01T12:02:00Z,Xbox \x00down\r\n")
    s = ingest(store, f)
    assert (s.read, s.new, s.rejected, s.repaired) == (3, 3, 0, 2)
    assert stored(store) == {"1": "Xbox down", "2": "Xbox \ufffd down", "3": "Xbox down"}


def test_quarantined_raw_text_is_stored_whatever_it_holds(store, tmp_path):
    f = write(tmp_path / "p.jsonl", [good(0), '{"bad\x00": "\ud800', b'{"text": "\xff\x00'])
    s = ingest(store, f)
    assert (s.new, s.rejected) == (1, 2)
    raws = [r for r, _ in quarantined(store)]
    assert len(raws) == 2 and not any("\x00" in r for r in raws) and "\ufffd" in raws[0] + raws[1]


# ---------------------------------------------------------------- 3. plausible time only
def test_only_plausible_times_are_stored(store, tmp_path):
    now = datetime.now(timezone.utc)
    times = {
        "early": "2005-12-31T23:59:59Z", "epoch0": 0, "far": "9999-12-31T23:59:59Z",
        "future": (now + timedelta(days=2)).isoformat(),
        "first": "2006-01-01T00:00:00Z", "soon": (now + timedelta(hours=12)).isoformat(),
    }
    f = write(tmp_path / "p.jsonl", [json.dumps({"id": k, "created_at": v, "text": "x down"}) for k, v in times.items()])
    s = ingest(store, f)
    assert (s.new, s.rejected) == (2, 4)
    assert sorted(stored(store)) == ["first", "soon"]
    reasons = " ".join(r for _, r in quarantined(store))
    assert reasons.count("before 2006-01-01") == 2 and reasons.count("more than a day in the future") == 2
    # collectors' posts go through the same check in store_page
    res = store_page(store.factory, [Post("x", "c1", datetime(2001, 1, 1, tzinfo=timezone.utc), "x down")],
                     KeywordTagger(), quarantine_source="x:q")
    assert res.new == 0 and "before 2006-01-01" in res.refused[0]


def test_a_stored_post_at_year_9999_does_not_break_the_reports(store, tmp_path):
    t = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    posts = [Post("x", "1", t, "Xbox down in us"), Post("x", "2", datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
                                                   "Xbox down in us"),
             Post("x", "3", datetime(1, 1, 1, tzinfo=timezone.utc), "Xbox down in us")]
    with store.session() as s, s.begin():  # as an older version would have stored them
        store_posts(s, posts, KeywordTagger().classify_posts(posts))
    assert newest_post_time(store) == t
    url = store.engine.url.render_as_string(hide_password=False)
    for args in (["report", "daily", "--out", str(tmp_path / "r"), "--format", "json"], ["detect", "run", "--no-save"]):
        r = CliRunner().invoke(app, [*args, "--db", url])
        assert r.exit_code == 0, (args, r.output, r.exception)
    assert (tmp_path / "r" / "outageradar-2026-03-01.json").exists()


# ---------------------------------------------------------------- 4. exact accounting
def test_identical_bad_lines_each_count_and_a_rerun_adds_none(store, tmp_path):
    f = write(tmp_path / "p.jsonl", [good(0), "{oops", "{oops", good(1), "{oops"])
    s1, s2 = ingest(store, f), ingest(store, f)
    assert (s1.new, s1.rejected, s1.quarantined_new) == (2, 3, 3)
    assert (s2.new, s2.duplicates, s2.rejected, s2.quarantined_new) == (0, 2, 3, 0)
    assert [r.split(":")[0] for _, r in quarantined(store)] == ["line 2", "line 3", "line 5"]


def test_long_ids_are_hashed_never_cut(store, tmp_path):
    prefix = "https://example.org/a/very/long/permalink/" + "x" * 160
    f = write(tmp_path / "p.jsonl", [json.dumps({"id": f"{prefix}{i}", "created_at": T, "text": "x down"})
                                     for i in range(20)])
    s = ingest(store, f)
    assert s.new == 20
    ids = list(stored(store))
    assert len(set(ids)) == 20 and all(len(i) <= 128 and i.startswith(prefix[:63] + "~") for i in ids)
    assert ingest(store, f).duplicates == 20  # the same long id maps to the same stored id


def test_same_id_with_a_different_text_is_a_conflict(store, tmp_path):
    ingest(store, write(tmp_path / "a.jsonl", [good(0), good(1)]))
    f = write(tmp_path / "b.jsonl", [good(0), good(1, "Gmail down now"), good(2), good(2, "Slack down now"),
                                     good(0, "  Xbox   down in us 0 ")])  # whitespace aside: the same text
    s = ingest(store, f)
    assert (s.new, s.duplicates, s.rejected) == (1, 2, 2)
    reasons = [r for _, r in quarantined(store)]
    assert reasons == ["line 2: conflict: file id 'g1' is already stored with a different text",
                       "line 4: conflict: file id 'g2' is already stored with a different text"]
    assert stored(store)["g1"] == "Xbox down in us 1"


def test_a_file_with_nothing_stored_exits_non_zero(store, tmp_path):
    f = write(tmp_path / "p.jsonl", ["{oops", "[1]", json.dumps({"id": "x", "created_at": "1990-01-01", "text": "t"})])
    url = store.engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(app, ["ingest", "file", str(f), "--db", url])
    assert r.exit_code == 1 and isinstance(r.exception, CliError)
    assert "nothing stored: all 3 records of p.jsonl were quarantined" in str(r.exception)
    assert "read 3 records; 0 new posts, 0 already stored, 3 quarantined (3 new)" in r.output
    assert len(quarantined(store)) == 3
    if store.engine.dialect.name == "sqlite":  # the real entry point: one line on stderr
        p = subprocess.run([sys.executable, "-m", "outageradar", "ingest", "file", str(f), "--db", url],
                           capture_output=True, text=True, env={**os.environ}, timeout=300)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert p.returncode == 1 and len(lines) == 1 and "nothing stored" in lines[0], p.stderr
    ok = write(tmp_path / "ok.jsonl", [good(0)])
    r = CliRunner().invoke(app, ["ingest", "file", str(ok), "--db", url])
    assert r.exit_code == 0 and "read 1 records; 1 new posts" in r.output


# ---------------------------------------------------------------- 5. no raw author ids in quarantine
def test_quarantine_keeps_no_raw_author_ids(store, tmp_path):
    secrets = ["424242", "SecretHandle", "777999", "HiddenName", "u-31337", "handle_q"]
    j = write(tmp_path / "p.jsonl", [
        good(0),
        json.dumps({"id": "b1", "created_at": "never", "text": "x", "author_id": "424242", "username": "SecretHandle"}),
        json.dumps({"id": "b2", "created_at": "never", "text": "x", "user": {"id_str": "777999",
                                                                         "screen_name": "HiddenName"}}),
        json.dumps({"id": "b3", "created_at": "never", "text": "x", "data": [{"user_id": "u-31337"}]}),
        '{"id": "b4", "author_id": "424242", "screen_name": "handle_q", "text": "broken',
        '{"user": {"id_str": "777999", "name": "x"}, "text": "broken',
    ])
    c = tmp_path / "p.csv"
    c.write_text("id,created_at,text,user_id,username\n1,never,x,424242,SecretHandle\n2,never,x,424242\n",
                 encoding="utf-8")
    s = ingest(store, j)
    s2 = ingest(store, c)
    assert (s.rejected, s2.rejected) == (5, 2)
    raws = [r for r, _ in quarantined(store)]
    assert len(raws) == 7
    for raw in raws:
        for secret in secrets:
            assert secret.lower() not in raw.lower(), raw
    # a parsed record keeps the field, with the salted hash the post would have had
    assert author_hash("file", "424242", SALT) in raws[0]
    assert json.loads(raws[0])["text"] == "x"


# ---------------------------------------------------------------- 6. ambiguous day/month dates
def test_ambiguous_dates_are_quarantined_unless_the_order_is_given(store, tmp_path):
    f = write(tmp_path / "p.jsonl", [
        json.dumps({"id": "amb", "created_at": "03/04/2020 10:00", "text": "x down"}),
        json.dumps({"id": "dm", "created_at": "13/04/2020 10:00", "text": "x down"}),
        json.dumps({"id": "md", "created_at": "04/13/2020", "text": "x down"}),
        json.dumps({"id": "same", "created_at": "05/05/2020", "text": "x down"}),
    ])
    items = list(read_posts(f, SALT))
    assert isinstance(items[0], Rejected) and "ambiguous" in items[0].reason and "--dayfirst" in items[0].reason
    assert [p.created_at.date().isoformat() for p in items[1:]] == ["2020-04-13", "2020-04-13", "2020-05-05"]
    (first, *_) = read_posts(f, SALT, dayfirst=True)
    assert first.created_at == datetime(2020, 4, 3, 10, tzinfo=timezone.utc)
    (first, *_) = read_posts(f, SALT, dayfirst=False)
    assert first.created_at == datetime(2020, 3, 4, 10, tzinfo=timezone.utc)

    url = store.engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(app, ["ingest", "file", str(f), "--db", url])
    assert r.exit_code == 0 and "3 new posts" in r.output and "1 quarantined" in r.output
    r = CliRunner().invoke(app, ["ingest", "file", str(f), "--db", url, "--dayfirst"])
    assert r.exit_code == 0 and "1 new posts" in r.output, r.output
    with store.session() as s:
        assert s.scalar(select(PostRow.created_at).where(PostRow.source_id == "amb")) == datetime(
            2020, 4, 3, 10, tzinfo=timezone.utc)
    r = CliRunner().invoke(app, ["ingest", "file", str(f), "--db", url, "--dayfirst", "--monthfirst"])
    assert r.exit_code != 0 and "exclude each other" in str(r.exception)


# ---------------------------------------------------------------- 7. a client app is never a platform
def test_client_app_names_never_become_the_platform(store, tmp_path):
    f = tmp_path / "p.csv"
    rows = ["Time,Text,Source,id"] + [f"2021-11-27 10:00:0{i},xfinity down {i},{app},{i}" for i, app in enumerate(
        ["TweetDeck", "IFTTT", "Twitter Web App", "Hootsuite Inc.", "Buffer", "Sprout Social", "Instagram", "Reddit"])]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = ingest(store, f, default_source="us_isp")
    assert s.new == 8
    with store.session() as sess:
        sources = sorted(sess.execute(select(PostRow.source, func.count()).group_by(PostRow.source)).all())
    assert sources == [("reddit", 1), ("us_isp", 7)]
    with store.session() as sess:
        raw_texts = " ".join(sess.scalars(select(PostRow.text)))
    assert "TweetDeck" not in raw_texts


def test_summary_line_of_ingest_file_adds_up(store, tmp_path):
    f = write(tmp_path / "p.jsonl", [good(0), good(1), "{oops", good(2, "Xbox \x00 down")])
    url = store.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(app, ["ingest", "file", str(f), "--db", url]).output
    m = re.search(r"read (\d+) records; (\d+) new posts, (\d+) already stored, (\d+) quarantined", out)
    assert m and [int(x) for x in m.groups()] == [4, 3, 0, 1]
    assert "1 with characters replaced" in out
