"""Inline SVG for the web app: sparklines, the 24-hour chart against the band, and the offline map of regions.

Every function returns :class:`markupsafe.Markup` built from numbers and escaped text only (region names and titles go
through :func:`markupsafe.escape`), so the templates can embed it as is. Nothing refers to anything outside the page.
"""

from __future__ import annotations

import math
from datetime import datetime

from markupsafe import Markup, escape

from outageradar.serve.data import world

STATUS_COLOURS = {"incident": "#c0392b", "watch": "#d68910", "ok": "#1e8449"}


def _pts(xs, ys) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))


def sparkline(values: list[int], status: str = "ok", width: int = 120, height: int = 28) -> Markup:
    if not values:
        return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                      f'role="img" aria-label="no reports"></svg>')
    top = max(max(values), 1)
    n = max(len(values) - 1, 1)
    xs = [i * width / n for i in range(len(values))]
    ys = [height - 2 - (v / top) * (height - 4) for v in values]
    colour = STATUS_COLOURS.get(status, "#555")
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="reports per 5 minutes, peak {top}">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{_pts(xs, ys)}"/></svg>')


def _time(s: str) -> datetime:
    return datetime.fromisoformat(s)


def day_chart(chart: dict, incidents: list[dict], width: int = 760, height: int = 240) -> Markup:
    """Reports per 5 minutes (bars) against the expected level (line) and the band (shaded), incidents marked."""
    counts, expected, upper = chart["counts"], chart["expected"], chart["upper"]
    n = len(counts)
    if n == 0:
        return Markup("")
    left, right, top_pad, bottom = 40, 10, 10, 28
    pw, ph = width - left - right, height - top_pad - bottom
    vmax = max(max(counts), max(upper), max(expected), 1)
    step = 10 ** math.floor(math.log10(vmax)) if vmax >= 10 else 1
    vmax = math.ceil(vmax / step) * step
    x = lambda i: left + i * pw / n  # noqa: E731
    y = lambda v: top_pad + ph - (v / vmax) * ph  # noqa: E731
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="outage reports per 5 minutes over 24 hours against the expected band">']
    t0 = _time(chart["buckets"][0])
    for inc in incidents:  # incident spans
        s = (_time(inc["start"]) - t0).total_seconds() / 300
        e = (_time(inc["end"]) - t0).total_seconds() / 300
        s, e = max(0.0, s), min(float(n), e)
        if e > s:
            parts.append(f'<rect class="incident-span" x="{x(s):.1f}" y="{top_pad}" width="{(e - s) * pw / n:.1f}" '
                         f'height="{ph}" fill="#f5b7b1" opacity="0.45"><title>{escape(inc["confidence"])} incident '
                         f'{escape(inc["start"][11:16])}–{escape(inc["end"][11:16])} UTC</title></rect>')
    band = [(x(i), y(u)) for i, u in enumerate(upper)] + [(x(n), y(upper[-1])), (x(n), y(0)), (x(0), y(0))]
    parts.append(f'<polygon class="band" fill="#d6eaf8" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in band)}"/>')
    bw = max(pw / n - 0.4, 0.6)
    for i, c in enumerate(counts):
        if c > 0:
            over = c > upper[i]
            parts.append(f'<rect x="{x(i):.1f}" y="{y(c):.1f}" width="{bw:.2f}" height="{y(0) - y(c):.1f}" '
                         f'fill="{"#c0392b" if over else "#5d6d7e"}"/>')
    parts.append(f'<polyline class="expected" fill="none" stroke="#1f618d" stroke-width="1.5" '
                 f'points="{_pts([x(i + 0.5) for i in range(n)], [y(v) for v in expected])}"/>')
    parts.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + pw}" y2="{y(0):.1f}" stroke="#999"/>')
    for v in (0, vmax // 2, vmax):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v}</text>')
    for i in range(0, n, 36):  # every 3 hours
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" font-size="11" text-anchor="middle">'
                     f'{escape(chart["buckets"][i][11:16])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def world_map(regions: list[dict], width: int = 760) -> Markup:
    """Country outlines with a dot per region of reports, its area proportional to the reports."""
    w = world()
    vx, vy, vw, vh = w["viewbox"]
    height = round(width * vh / vw)
    top = max([r["reports"] for r in regions if r.get("lon") is not None] or [1])
    parts = [f'<svg class="map" viewBox="{vx} {vy} {vw} {vh}" width="100%" role="img" '
             f'aria-label="map of the regions reporting problems" preserveAspectRatio="xMidYMid meet" '
             f'data-height="{height}">',
             '<rect x="0" y="0" width="360" height="180" fill="#eaf2f8"/>']
    hot = {r["country"] for r in regions}
    for iso2, c in w["countries"].items():
        fill = "#fdebd0" if iso2 in hot else "#fbfcfc"
        parts.append(f'<path d="{c["d"]}" fill="{fill}" stroke="#aab7b8" stroke-width="0.2">'
                     f'<title>{escape(c["name"])}</title></path>')
    for r in sorted(regions, key=lambda r: -r["reports"]):
        if r.get("lon") is None:
            continue
        rad = 0.8 + 5.0 * math.sqrt(r["reports"] / top)
        parts.append(f'<circle class="region-dot" cx="{r["lon"] + 180:.2f}" cy="{90 - r["lat"]:.2f}" r="{rad:.2f}" '
                     f'fill="#c0392b" fill-opacity="0.55" stroke="#922b21" stroke-width="0.2">'
                     f'<title>{escape(r["region"])}: {r["reports"]} reports</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
