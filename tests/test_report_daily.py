"""The daily report: files in every format, the same facts in JSON, and untrusted post text escaped."""

import json
import random
from datetime import date, datetime, timedelta, timezone

from outageradar.records import Classification
from outageradar.records import Post
from outageradar.reports.daily import write_daily_report
from outageradar.reports.render import md_escape
from outageradar.store.writer import store_posts

EVIL = "<script>alert('x')</script> **bold** [link](http://evil.example) | pipe ![img](x.png)"


def _word(n: int) -> str:
    """A word of letters for a number: distinct reports need distinct texts (copies count once)."""
    return str(n).translate(str.maketrans("0123456789", "abcdefghij"))


def _report_text(n: int) -> str:
    """Independent reports: short texts (one long text with a word changed is a copy, see tests/test_reporters.py);
    every 20th is the untrusted EVIL text, with the highest score so that it is among the samples."""
    return f"{EVIL} {_word(n)}" if n % 20 == 0 else f"gmail {_word(n)} down"


def _fill(store):
    rng = random.Random(3)
    start = datetime(2026, 5, 10, tzinfo=timezone.utc)
    posts, labels = [], []
    regions = [("US", "Georgia"), ("US", "Texas"), ("GB", "England")]
    for b in range(11 * 288):
        ts = start + timedelta(minutes=5 * b)
        for country, admin1 in regions:
            if rng.random() < 0.05:
                posts.append(Post("t", f"b{len(posts)}", ts, "Gmail down"))
                labels.append(Classification(True, 0.9, "Gmail", country, admin1, None, "login", "text", "t"))
    outage = datetime(2026, 5, 20, 9, 0, tzinfo=timezone.utc)
    for m in range(0, 45, 5):
        for country, admin1 in regions:
            for k in range(6):
                n = len(posts)
                posts.append(Post("t", f"o{n}", outage + timedelta(minutes=m, seconds=k), _report_text(n),
                                  author_hash=f"user{n}"))
                labels.append(Classification(True, 0.999 if n % 20 == 0 else 0.99, "Gmail", country, admin1, None,
                                             "login", "text", "t"))
    with store.session() as s, s.begin():
        store_posts(s, posts, labels)


def test_report_in_every_format_escapes_posts(store, tmp_path):
    _fill(store)
    report = write_daily_report(store, date(2026, 5, 20), tmp_path, formats=("md", "html", "json"))
    names = sorted(p.name for p in report.files)
    assert names == ["outageradar-2026-05-20.html", "outageradar-2026-05-20.json", "outageradar-2026-05-20.md"]
    data = json.loads((tmp_path / "outageradar-2026-05-20.json").read_text())
    (inc,) = [i for i in data["incidents"] if i["confidence"] == "strong"]
    assert inc["service"] == "Gmail"
    assert inc["problems"] == {"login": inc["problems"]["login"]}
    assert any(EVIL in s["text"] for s in inc["samples"])  # JSON keeps the raw text for machines
    chart = tmp_path / inc["chart"]  # the Markdown's chart file (the HTML inlines it: tests/test_render.py)
    assert chart.suffix == ".svg" and chart.read_text().startswith("<svg") and chart.stat().st_size > 5000
    html = (tmp_path / "outageradar-2026-05-20.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = (tmp_path / "outageradar-2026-05-20.md").read_text()
    assert "<script>" not in md and "](http://evil" not in md and "![img]" not in md
    assert "Gmail" in md and "Georgia US" in md and "strong evidence" in md


def test_md_escape_is_one_line_and_inert():
    out = md_escape("a\nb <b>c</b> *d* `e` | f")
    assert "\n" not in out and "<b>" not in out and "\\*d\\*" in out and "\\|" in out


def test_quiet_day_report(store, tmp_path):
    with store.session() as s, s.begin():
        store_posts(s, [Post("t", "1", datetime(2026, 5, 20, 1, tzinfo=timezone.utc), "hello")],
                    [Classification(False, 0.1, None, model_version="t")])
    report = write_daily_report(store, date(2026, 5, 20), tmp_path, formats=("md",))
    assert report.incidents == []
    assert "No incidents were detected" in (tmp_path / "outageradar-2026-05-20.md").read_text()
