import json

import pytest

from outageradar.ingest.filesource import SourceFileError, read_posts
from outageradar.records import Rejected
from outageradar.records import Post


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_posts_and_quarantined_rows(tmp_path):
    f = _write(tmp_path / "p.jsonl", [
        json.dumps({"source": "x", "source_id": "1", "created_at": "2026-03-01T12:00:00Z", "text": "Xbox down",
                    "author_id": "999", "username": "someone", "lat": 33.7, "lon": -84.4, "unknown": 1}),
        "{not json",
        json.dumps({"created_at": "2026-03-01T12:00:00Z", "text": ""}),
        json.dumps({"text": "no time"}),
        json.dumps([1, 2]),
        json.dumps({"created_at": "2026-03-01T12:01:00Z", "text": "Gmail not working", "lat": "abc", "lon": 1}),
        "",
        json.dumps({"created_at": 1772366460, "text": "Slack down?"}),
    ])
    items = list(read_posts(f, salt="s"))
    posts = [i for i in items if isinstance(i, Post)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [p.text for p in posts] == ["Xbox down", "Slack down?"]
    first = posts[0]
    assert first.author_hash and "999" not in first.author_hash and first.lat == 33.7
    assert not hasattr(first, "username")
    reasons = [r.reason for r in rejected]
    assert len(rejected) == 5
    assert any("invalid JSON" in r for r in reasons)
    assert any("empty text" in r for r in reasons)
    assert any("missing created_at" in r for r in reasons)
    assert any("must be an object" in r for r in reasons)
    assert any("lat is not a number" in r for r in reasons)
    assert [r.line for r in rejected] == [2, 3, 4, 5, 6]


def test_csv_with_derived_ids_is_stable(tmp_path):
    f = _write(tmp_path / "p.csv", [
        "created_at,text,user_location,extra",
        "2026-03-01T12:00:00Z,\"Comcast down in Decatur, GA\",\"Decatur, GA\",x",
        "2026-03-01T12:00:00Z,short row",
    ])
    a = list(read_posts(f, salt="s"))
    b = list(read_posts(f, salt="s"))
    assert isinstance(a[0], Post) and a[0].source == "file" and a[0].user_location == "Decatur, GA"
    assert a[0].source_id == b[0].source_id
    assert isinstance(a[1], Rejected) and "expected 4 fields" in a[1].reason


def test_file_errors(tmp_path):
    with pytest.raises(SourceFileError, match="no such file"):
        list(read_posts(tmp_path / "missing.jsonl", salt="s"))
    with pytest.raises(SourceFileError, match="cannot tell the format"):
        list(read_posts(_write(tmp_path / "p.txt", ["x"]), salt="s"))
    with pytest.raises(SourceFileError, match="no 'text' column"):
        list(read_posts(_write(tmp_path / "p.csv", ["a,b", "1,2"]), salt="s"))


def test_common_export_column_names_and_delimiters(tmp_path):
    # a spreadsheet export: semicolons, capitalised names, "Tweet"/"Date"/"Location"/"Latitude"/"Lng"
    f = _write(tmp_path / "p.csv", [
        "\ufeffTweet ID;Date;Tweet;Location;Latitude;Lng",
        "1;2026-03-01 12:00;Comcast down in Decatur, GA;Decatur, GA;33.77;-84.3",
    ])
    (p,) = list(read_posts(f, salt="s"))
    assert isinstance(p, Post)
    assert (p.source_id, p.text, p.user_location, p.lat, p.lon) == ("1", "Comcast down in Decatur, GA", "Decatur, GA",
                                                                   33.77, -84.3)
    assert p.created_at.isoformat() == "2026-03-01T12:00:00+00:00"
    # JSON lines from different tools: full_text / id_str / created_utc (Reddit epoch) / body
    g = _write(tmp_path / "p.jsonl", [
        json.dumps({"id_str": "9", "full_text": "Xbox live down", "created_at": "Sat Nov 25 22:33:04 +0000 2017"}),
        json.dumps({"id": "t3_x", "body": "reddit is down for me", "created_utc": 1772366460}),
        json.dumps({"id": "t3_y", "title": "no text here", "created_utc": 1772366460}),
    ])
    items = list(read_posts(g, salt="s"))
    assert [i.text for i in items[:2]] == ["Xbox live down", "reddit is down for me"]
    assert [i.source_id for i in items[:2]] == ["9", "t3_x"]
    assert isinstance(items[2], Rejected) and "no text field" in items[2].reason


def test_source_column_naming_the_client_app_is_not_a_platform(tmp_path):
    f = _write(tmp_path / "p.csv", [
        "Time,Text,Source,id",
        "2019-05-13 09:30:03,spectranet is down again,Twitter for iPhone,1",
        '2019-05-13 09:31:03,spectranet is down again,"<a href=""http://x.com"">web</a>",2',
        "2019-05-13 09:32:03,spectranet is down again,twcs,3",
        "2019-05-13 09:33:03,spectranet is down again,Reddit,4",
        "2019-05-13 09:34:03,spectranet is down again,x,5",
    ])
    # a positive rule: only a known platform name is a platform; a data set's name ("twcs") is not one either
    assert [p.source for p in read_posts(f, salt="s", default_source="lagos")] == ["lagos", "lagos", "lagos",
                                                                                   "reddit", "x"]


def test_no_client_app_of_the_shared_isp_data_becomes_a_platform(tmp_path):
    from shared_data import require
    import csv

    apps = set()
    for name in ("isp_tweets/raw__merged.csv", "isp_tweets/analogous-data__analogous_tweets_nov_27.csv"):
        with open(require(f"data/{name}"), newline="", encoding="utf-8") as fh:
            apps |= {r["Source"] for r in csv.DictReader(fh) if r.get("Source")}
    assert len(apps) >= 38 and {"TweetDeck", "IFTTT", "Twitter Web App", "Hootsuite Inc."} <= apps
    f = tmp_path / "p.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Time", "Text", "Source"])
        w.writerows([f"2021-11-27 10:{i // 60:02d}:{i % 60:02d}", f"xfinity down {i}", app] for i, app in enumerate(sorted(apps)))
    assert {p.source for p in read_posts(f, salt="s", default_source="us_isp")} == {"us_isp"}


def test_username_columns_are_the_author_hashed(tmp_path):
    """A file without author ids (the power-outage corpus: ",username,text,date") still says who posted: the handle
    is hashed like an author id, case and "@" aside, and never kept."""
    f = _write(tmp_path / "p.csv", [
        ",username,text,date",
        "0,Juniper_Jaguars,school closed,2019-05-23 23:30:37",
        "1,@juniper_jaguars,school closed again,2019-05-23 23:31:37",
        "2,MesquiteTrails,school closed,2019-05-23 23:30:37",
        "3,,no author here,2019-05-23 23:32:37",
        "4,[deleted],gone,2019-05-23 23:33:37",
    ])
    posts = list(read_posts(f, salt="s"))
    assert all(isinstance(p, Post) for p in posts)
    a, b, c, d, e = (p.author_hash for p in posts)
    assert a and a == b and c and c != a and d is None and e is None
    assert "juniper" not in a.lower() and list(read_posts(f, salt="other"))[0].author_hash != a  # salted
    assert not any(hasattr(p, "username") for p in posts)
    # the derived id ignores the handle: a file ingested before handles were read is not ingested again
    g = _write(tmp_path / "q.csv", ["text,date"] + [f"{p.text},{p.created_at:%Y-%m-%d %H:%M:%S}" for p in posts])
    assert [p.source_id for p in read_posts(g, salt="s")] == [p.source_id for p in posts]


@pytest.mark.parametrize("column", ["username", "user", "screen_name", "author", "Screen Name", "USER"])
def test_every_author_column_name(tmp_path, column):
    f = _write(tmp_path / "p.csv", [f"text,created_at,{column}", "power out,2026-03-01T12:00:00Z,someone",
                                    "power out too,2026-03-01T12:01:00Z,SomeOne"])
    a, b = read_posts(f, salt="s")
    assert a.author_hash and a.author_hash == b.author_hash


def test_author_objects_and_precedence(tmp_path):
    f = _write(tmp_path / "p.jsonl", [
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:00Z", "source": "x",
                    "user": {"id_str": "12", "screen_name": "Someone"}}),  # X v1.1: the id, not the handle
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:01Z", "source": "x", "author_id": "12"}),
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:02Z", "source": "x", "author_id": "12",
                    "username": "someone_else"}),  # the id wins over a handle
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:03Z", "source": "bluesky",
                    "author": {"did": "did:plc:abc", "handle": "a.bsky.social"}}),
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:04Z", "source": "bluesky",
                    "author": {"handle": "A.bsky.social"}}),
        json.dumps({"text": "x down", "created_at": "2026-03-01T12:00:05Z", "source": "bluesky", "author": "a.bsky.social"}),
    ])
    h = [p.author_hash for p in read_posts(f, salt="s")]
    assert h[0] == h[1] == h[2]
    assert h[3] and h[3] != h[4] and h[4] == h[5]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_reading_holds_no_more_than_a_record_whatever_the_file_length(tmp_path, fmt):
    """Memory stays flat: the reader keeps no line it has handed on (it once kept every JSONL line read)."""
    import tracemalloc

    path = tmp_path / f"big.{fmt}"
    text = "my internet is down again in Leeds " * 8  # ~280 characters a post, 40,000 posts: ~12 MB
    with open(path, "w", encoding="utf-8") as fh:
        if fmt == "csv":
            fh.write("id,created_at,text\n")
        for i in range(40_000):
            if fmt == "csv":
                fh.write(f"{i},2026-01-05T10:00:00Z,{text}{i}\n")
            else:
                fh.write(json.dumps({"id": i, "created_at": "2026-01-05T10:00:00Z", "text": f"{text}{i}"}) + "\n")
    assert path.stat().st_size > 11_000_000
    tracemalloc.start()
    try:
        n = sum(1 for p in read_posts(path, "salt") if isinstance(p, Post))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 40_000
    assert peak < 2_000_000, f"reading a {path.stat().st_size:,}-byte file peaked at {peak:,} bytes"
