"""Fuzzing `ingest file` with hostile records, on SQLite and PostgreSQL.

Each example is a JSONL file mixing good posts (Hypothesis-made text, times, offsets and coordinates, with NUL and
lone surrogates thrown in), the fixed hostile kinds of issue 11 (times past year 1/9999, 100,000 brackets, broken
UTF-8, ambiguous dates ...) and Hypothesis-made junk (arbitrary bytes, arbitrary JSON objects). Properties:
``read == new + already stored + quarantined``; every good post is stored exactly once with its (normalised) text
and time; no hostile record is stored; a second run adds nothing and quarantines nothing new.

Small on purpose (a few seconds per backend): a fixed number of derandomized examples, so CI is stable.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from outageradar.cli import app
from outageradar.records import clean_text
from outageradar.store.models import PostRow

HOSTILE = [
    b'{"id": "h-1", "created_at": "9999-12-31T23:59:59-05:00", "text": "x down"}',
    b'{"id": "h-2", "created_at": "0001-01-01T00:30:00+01:00", "text": "x down"}',
    b'{"id": "h-3", "created_at": "9999-12-31T23:59:59Z", "text": "x down"}',
    b'{"id": "h-4", "created_at": "1999-05-01T00:00:00Z", "text": "x down"}',
    b'{"id": "h-5", "created_at": "03/04/2020 10:00", "text": "x down"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"id": "h-8", "created_at": "2026-03-01T12:00:00Z", "text": "\\u0000"}',
    b'{"id": "h-9", "created_at": "2026-03-01T12:00:00Z", "text": "x", "lat": 1e400, "lon": 0}',
    b'{"id": "h-10", "created_at": "2026-03-01T12:00:00Z", "text": "' + b"y" * 10_001 + b'"}',
    b'{"id": "h-11", "created_at": "2026-03-01T12:00:00Z", "text": "x \xff\xfe',
    b'\xef\xbb\xbf{"id": "h-12", "created_at": "2026-03-01T12:00:00Z", "text": "a BOM inside the file"}',
    b'{"id": "h-13", "created_at": "2026-03-01T12:00:00Z", "text": ["a", "list"]}',
    b'{"id": {"nested": 1}, "created_at": "2026-03-01T12:00:00Z", "text": "x"}',
    b'"just a string"',
]

NOW = datetime.now(timezone.utc)
texts = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "down"])),
                 min_size=1, max_size=6).map("".join)
times = st.datetimes(min_value=datetime(2006, 1, 2), max_value=(NOW - timedelta(days=2)).replace(tzinfo=None),
                     timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-11)),
                                                timezone(timedelta(hours=5, minutes=30))]))
coords = st.one_of(st.none(), st.tuples(st.floats(-90, 90), st.floats(-180, 180)))


@st.composite
def good_posts(draw):
    text = draw(texts)
    # what the file holds: JSON joins an escaped surrogate pair ("\ud800\udfff") into one character
    cleaned = clean_text(json.loads(json.dumps(text)))[0]
    if not cleaned.strip():  # NUL alone is no text: not a good post
        text, cleaned = text + "ok", cleaned + "ok"
    rec = {"text": text, "created_at": draw(times).isoformat()}
    if (c := draw(coords)) is not None:
        rec["lat"], rec["lon"] = c
    return rec, cleaned


junk_bytes = st.binary(max_size=60).map(lambda b: b"#" + b.replace(b"\n", b"").replace(b"\r", b""))
junk_json = st.dictionaries(st.sampled_from(["text", "created_at", "lat", "lon", "source", "author_id", "user", "x"]),
                            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                            max_size=6)

file_spec = st.tuples(st.lists(good_posts(), max_size=12), st.lists(st.sampled_from(HOSTILE), max_size=6),
                      st.lists(junk_bytes, max_size=4), st.lists(junk_json, max_size=4), st.randoms(use_true_random=False))

_example = itertools.count()
SUMMARY = re.compile(r"read ([\d,]+) records; ([\d,]+) new posts, ([\d,]+) already stored, ([\d,]+) quarantined "
                     r"\(([\d,]+) new\)")


def _ingest(path, url):
    r = CliRunner().invoke(app, ["ingest", "file", str(path), "--db", url])
    m = SUMMARY.search(r.output)
    assert m, (r.output, r.exception)
    read, new, dup, quarantined, q_new = (int(x.replace(",", "")) for x in m.groups())
    assert read == new + dup + quarantined, r.output  # exact accounting
    assert (r.exit_code != 0) == (read > 0 and new + dup == 0), (r.output, r.exception)
    return read, new, dup, quarantined, q_new


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(spec=file_spec)
def test_fuzzed_files_are_accounted_for_and_every_good_post_stored_once(store, tmp_path, spec):
    goods, hostile, junk, objects, rnd = spec
    n = next(_example)
    lines, expected = [], {}
    for i, (rec, cleaned) in enumerate(goods):
        sid = f"e{n}-g{i}"
        lines.append(json.dumps({"id": sid, **rec}).encode())  # ensure_ascii: surrogates as \ud800 escapes
        expected[sid] = (cleaned, datetime.fromisoformat(rec["created_at"]).astimezone(timezone.utc))
    lines += [h.replace(b'"h-', f'"e{n}-h-'.encode()) for h in hostile]
    lines += junk
    lines += [json.dumps({**o, "id": f"e{n}-r{i}"} if "x" in o else o).encode() for i, o in enumerate(objects)]
    rnd.shuffle(lines)
    path = tmp_path / f"fuzz-{n}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    url = store.engine.url.render_as_string(hide_password=False)

    read, new, dup, quarantined, q_new = _ingest(path, url)
    assert read == len(lines)
    assert quarantined >= len(hostile) + len(junk)
    with store.session() as s:
        rows = s.execute(select(PostRow.source_id, PostRow.text, PostRow.created_at)
                         .where(PostRow.source_id.like(f"e{n}-%"))).all()
    got = {sid: (text, ts) for sid, text, ts in rows}
    assert len(got) == len(rows)
    assert {k: v for k, v in got.items() if "-g" in k} == expected  # every good post, once, as written
    assert not any("-h-" in k for k in got)  # no hostile record stored

    again = _ingest(path, url)
    assert again[0] == read and again[1] == 0 and again[4] == 0  # nothing new, nothing newly quarantined
    assert again[3] == quarantined and again[2] == new + dup
