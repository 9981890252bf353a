"""The daily report's renderers: one view-model, the same facts in Markdown and HTML, a self-contained responsive HTML
file with inline SVG charts, the 24-hour series against the baseline band, top regions and official incidents."""

import html as htmllib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest

from outageradar.reports.charts import LEFT, RIGHT, WIDTH, time_chart_svg
from outageradar.reports.daily import build_report, write_daily_report
from outageradar.reports.incidents import DetectionResult, detect_day
from outageradar.reports.render import render_html, render_markdown
from outageradar.reports.view import facts, lead_text, report_view, safe_url
from test_report_daily import EVIL, _fill

DAY = date(2026, 5, 20)


def _html_text(page: str) -> str:
    """What a reader of the page sees, plus link targets: styles and charts dropped, tags to spaces, entities
    decoded."""
    page = re.sub(r"<style>.*?</style>|<svg.*?</svg>|<title>.*?</title>", " ", page, flags=re.S)
    page = re.sub(r'<a href="([^"]*)"[^>]*>', lambda m: f"{m.group(1)} ", page)
    page = re.sub(r"</?(?:a|b|i|span|code|small)\b[^>]*>", "", page)  # inline: no word break
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _md_text(md: str) -> str:
    """What a reader of the Markdown sees: markup markers dropped, escapes undone."""
    md = re.sub(r"(?<!\\)\*\*", "", md)
    md = re.sub(r"\\(.)", r"\1", md).replace("&amp;", "&")
    return " ".join(md.split())


def _plain(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def report(store):
    _fill(store)
    result = detect_day(store, DAY)
    data = build_report(store, result)
    strong = next(i for i in data["incidents"] if i["confidence"] == "strong")
    strong["official"] = [
        {"provider": "statuspage", "title": "Gmail: elevated errors <b>signing in</b>",
         "url": "https://www.google.com/appsstatus/dashboard/incidents/abc", "started_at": "2026-05-20T09:31:00+00:00",
         "lead_minutes": 26.0},
        {"provider": "statuspage", "title": "Follow-up (evil link)", "url": "javascript:alert(1)",
         "started_at": "2026-05-20T08:55:00+00:00", "lead_minutes": -10},
    ]
    strong["samples"][0]["url"] = "https://x.com/someone/status/123"
    return data


def test_same_facts_in_markdown_and_html(report):
    view = report_view(report)
    md, page = _md_text(render_markdown(report)), _html_text(render_html(report))
    wanted = [_plain(f) for f in facts(view)]
    assert len(wanted) > 30
    assert [f for f in wanted if f not in md] == []
    assert [f for f in wanted if f not in page] == []
    strong = next(i for i in view.incidents if i.confidence == "strong")
    # the facts are the ones a reader needs
    assert {p.name for p in strong.problems} == {"login"} and strong.problems[0].percent == 100
    assert f"login {strong.problems[0].count} (100%)" in page  # the percentages are in the HTML too
    assert {t.label for t in strong.top_regions} == {"Georgia US", "Texas US", "England GB"}
    assert sum(t.percent for t in strong.top_regions) in (99, 100, 101)
    assert "seen 26 minutes before the status page" in md and "seen 26 minutes before the status page" in page
    assert "seen 10 minutes after the status page" in md and "seen 10 minutes after the status page" in page
    assert "https://x.com/someone/status/123" in md and "https://x.com/someone/status/123" in page
    assert len({s.text for s in strong.samples}) == len(strong.samples)  # distinct samples


def test_untrusted_text_and_links_are_inert(report):
    md, page = render_markdown(report), render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>signing in</b>" not in page
    assert 'href="javascript:' not in page and "](javascript:" not in md
    assert "<script>" not in md and "](http://evil" not in md and "![img]" not in md and "<b>" not in md
    assert EVIL in _html_text(page)  # shown, as text


def test_html_is_self_contained_and_responsive(store, tmp_path):
    _fill(store)
    first, second = tmp_path / "a", tmp_path / "b"
    report = write_daily_report(store, DAY, first, formats=("md", "html", "json"))
    (page_path,) = [p for p in report.files if p.suffix == ".html"]
    second.mkdir()
    copy = second / page_path.name
    shutil.copy(page_path, copy)  # the HTML alone, without the chart folder
    page = copy.read_text()
    n = len(report.incidents)
    assert n >= 1
    assert [m for m in re.findall(r'src="([^"]*)"', page) if not m.startswith("data:")] == []
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith(("https://", "http://", "#")) for h in hrefs), hrefs
    assert "<img" not in page and "<script" not in page.lower() and "<link" not in page and "url(" not in page
    assert "@import" not in page and "charts-" not in page
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) >= n  # every incident has its inline 24-hour chart
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed
        assert root.get("viewBox") and root.get("width") == "100%" and "{http://www.w3.org/2000/svg}path" in {
            e.tag for e in root.iter()}
    # phone width: the viewport is the device's, wide tables scroll or stack, charts scale
    assert '<meta name="viewport" content="width=device-width' in page
    assert "overflow-x:auto" in page and "@media (max-width:560px)" in page and "svg.chart{display:block;width:100%" in page
    assert page.count('<div class="scroll">') >= 2
    # the Markdown still links its chart files, which exist beside it
    data = json.loads((first / f"outageradar-{DAY}.json").read_text())
    for inc in data["incidents"]:
        chart = first / inc["chart"]
        assert chart.suffix == ".svg" and ET.fromstring(chart.read_text()).get("viewBox")


def test_day_series_is_the_detectors_baseline_with_a_band(report):
    strong = next(i for i in report["incidents"] if i["confidence"] == "strong")
    day = report["day_series"]["Gmail"]
    assert len(day["buckets"]) == len(day["counts"]) == len(day["expected"]) == len(day["upper"]) == 288
    assert day["buckets"][0] == "2026-05-20T00:00:00+00:00" and day["buckets"][-1] == "2026-05-20T23:55:00+00:00"
    assert sum(day["counts"]) == report["summary"]["outage_reports"]
    # the expected level is the detector's own (its series around the incident covers part of the day)
    around = strong["baseline"]
    index = {b: k for k, b in enumerate(day["buckets"])}
    shared = [(k, index[b]) for k, b in enumerate(around["buckets"]) if b in index]
    assert len(shared) > 36
    assert np.allclose([around["expected"][k] for k, _ in shared], [day["expected"][j] for _, j in shared], atol=1e-3)
    upper, expected = np.array(day["upper"]), np.array(day["expected"])
    assert (upper >= np.floor(expected)).all() and upper.max() >= 1
    start = index[strong["started_at"]]
    assert max(day["counts"][start:start + 6]) > upper[start:start + 6].max()  # the outage leaves the usual range
    quiet = np.r_[0:90, 150:288]
    assert (np.array(day["counts"])[quiet] <= upper[quiet]).mean() > 0.95  # ordinary buckets stay inside it


def test_top_regions_cover_the_incident_reports(report):
    strong = next(i for i in report["incidents"] if i["confidence"] == "strong")
    top = strong["top_regions"]
    assert top["total"] == strong["total_reports"]
    assert sum(r["reports"] for r in top["regions"]) + top["other_reports"] + top["unknown_reports"] == top["total"]
    assert [r["reports"] for r in top["regions"]] == sorted((r["reports"] for r in top["regions"]), reverse=True)


def test_chart_geometry():
    buckets = [f"2026-05-20T{h:02d}:{m:02d}:00+00:00" for h in range(24) for m in range(0, 60, 5)]
    counts = [0] * 288
    counts[120] = 40  # 10:00
    svg = time_chart_svg(buckets, counts, [1.0] * 288, [3] * 288, [("2026-05-20T12:00:00+00:00",
                                                                     "2026-05-20T18:00:00+00:00")], "A <b>&")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "A <b>&"  # escaped in the file, the same text once parsed
    rect = next(r for r in root.iter(f"{ns}rect") if r.get("height") and float(r.get("height")) > 50)
    plot = WIDTH - LEFT - RIGHT
    assert float(rect.get("x")) == pytest.approx(LEFT + plot / 2, abs=0.1)  # 12:00 is half way
    assert float(rect.get("width")) == pytest.approx(plot / 4, abs=0.2)  # six hours of 24
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert {"00:00", "03:00", "12:00", "21:00"} <= set(labels) and "40" in labels
    assert time_chart_svg([], [], [], title="x").count("no data") == 1


def test_lead_text_and_safe_url():
    assert lead_text(12.4) == "seen 12 minutes before the status page"
    assert lead_text(-1) == "seen 1 minute after the status page"
    assert lead_text(0) == "seen at the same time as the status page"
    assert safe_url("javascript:alert(1)") is None and safe_url("/etc/passwd") is None and safe_url(None) is None
    assert safe_url("https://a.example/x y(1)") == "https://a.example/x%20y%281%29"


def test_no_data_and_quiet_day_render_the_same_message(store):
    data = build_report(store, DetectionResult(DAY, [], 0))
    md, page = _md_text(render_markdown(data)), _html_text(render_html(data))
    for fact in facts(report_view(data)):
        assert _plain(fact) in md and _plain(fact) in page
    assert "no data" in md and "no data" in page
