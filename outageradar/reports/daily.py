"""The daily spike report: detect the day's incidents, then write Markdown, HTML and JSON.

Files go to ``OUT/outageradar-YYYY-MM-DD.{md,html,json}``. The HTML file is self-contained (its charts are inline
SVG: it can be copied or mailed alone); the Markdown file links SVG copies of the same charts in
``OUT/charts-YYYY-MM-DD/``. Both are rendered from one view-model (:mod:`outageradar.reports.view`). The report dict
holds, once per incident service, its 24 hours against the baseline band (``day_series``: the counts, expected level
and upper band of every 5-minute bucket of the day, :func:`day_series`), and each incident its top regions
(``top_regions``, :func:`top_regions`) and the catalog's status page. The JSON file carries the same facts as the
human-readable report, for machines. ``write_daily_report`` stores the
detected incidents only with ``save=True`` (the demo); ``report daily`` passes ``save=False`` and opens the store
read-only (``detect run`` is the step that stores incidents). A day with no stored posts says so ("no data"), rather
than "no incidents".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
from scipy.stats import nbinom

from outageradar import __version__
from outageradar.classify.catalog import ServiceCatalog
from outageradar.reports.charts import day_chart_svg
from outageradar.reports.incidents import (
    BUCKET,
    DEFAULT_INCIDENT_PARAMS,
    DetectionResult,
    Incident,
    IncidentParams,
    day_bounds,
    detect_day,
    region_label,
    save_detection,
)
from outageradar.reports.official import official_for_incident
from outageradar.reports.render import render_html, render_markdown, write_json
from outageradar.store import queries

BAND_QUANTILE = 0.99
"""The upper edge of the baseline band: this quantile of the negative binomial with the baseline's expected count and
variance (what a 5-minute bucket reaches about once in 100 on an ordinary day)."""
TOP_REGIONS = 10

FORMATS = ("md", "html", "json")


@dataclass
class DailyReport:
    day: date
    incidents: list[Incident]
    files: list[Path] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def no_data(self) -> bool:
        return not self.data.get("summary", {}).get("posts")


def why(inc: Incident) -> str:
    n = len(inc.regions)
    countries = len({r["country"] for r in inc.regions})
    if inc.confidence == "strong":
        return f"Reports spiked in {n} regions across {countries} {'country' if countries == 1 else 'countries'} at once."
    if inc.confidence == "moderate":
        if n == 2:
            return "Reports spiked in two regions at once."
        return "The service's total reports rose far above normal, without a clear regional pattern."
    if n == 1:
        return "Reports spiked in one region only: a local problem, or early signs."
    return "A small rise of the service's total reports."


def day_summary(store, day: date) -> dict:
    """The day's posts, outage reports and posts per source (:func:`outageradar.store.queries.day_summary`)."""
    return queries.day_summary(store, *day_bounds(day))


def day_series(result: DetectionResult) -> dict[str, dict]:
    """Each incident service's 24 hours of the detected day against its baseline: ``{service: {"buckets", "counts",
    "expected", "upper"}}``, one value per 5-minute bucket. The counts, expected level and variance are the
    detection's own (:attr:`DetectionResult.day_totals`: the same causal baseline over the same history); ``upper``
    is the :data:`BAND_QUANTILE` quantile of the negative binomial with that variance."""
    if not result.day_totals:
        return {}
    day_start, _ = day_bounds(result.day)
    names = sorted(result.day_totals)
    counts, expected, variance = (np.vstack([result.day_totals[name][k] for name in names]) for k in range(3))
    mu = np.maximum(expected, 1e-9)
    var = np.maximum(variance, mu * (1 + 1e-9))
    alpha = (var - mu) / mu**2  # NB: Var = mu + alpha mu^2
    upper = nbinom.ppf(BAND_QUANTILE, 1 / alpha, 1 / (1 + alpha * mu))
    buckets = [(day_start + BUCKET * b).isoformat() for b in range(counts.shape[1])]
    return {name: {"buckets": buckets, "counts": counts[i].astype(int).tolist(),
                   "expected": np.round(expected[i], 3).tolist(),
                   "upper": np.nan_to_num(upper[i], nan=0.0).astype(int).tolist()}
            for i, name in enumerate(names)}


def top_regions(store, service: str, start: datetime, end: datetime, limit: int = TOP_REGIONS) -> dict:
    """Where the outage reports of ``service`` in [start, end) came from, most first: ``{"regions": [{"label",
    "country", "admin1", "reports", "share"}], "other_regions", "other_reports", "unknown_reports", "total"}`` (at
    most ``limit`` regions; the rest summed as "other"; reports with no known place counted apart)."""
    rows = queries.region_outage_counts(store, service, start, end)
    known = sorted([x for x in rows if x[0]], key=lambda x: (-x[2], region_label(x[0], x[1])))
    total = sum(k for _, _, k in rows)
    top = [{"label": region_label(c, a), "country": c, "admin1": a, "reports": k,
            "share": round(k / total, 4) if total else 0.0} for c, a, k in known[:limit]]
    return {"regions": top, "other_regions": max(0, len(known) - limit),
            "other_reports": sum(k for _, _, k in known[limit:]),
            "unknown_reports": sum(k for c, _, k in rows if not c), "total": total}


def _status_page(service: str) -> str | None:
    entry = ServiceCatalog.default().get(service)
    return entry.status_page if entry is not None and entry.name == service else None


def build_report(store, result: DetectionResult) -> dict:
    """The report dict of a day's detection (:func:`~outageradar.reports.incidents.detect_day`)."""
    day, incidents = result.day, result.incidents
    summary = day_summary(store, day)
    series = day_series(result)
    items = []
    for inc in incidents:
        d = inc.to_dict()
        d["why"] = why(inc)
        d["baseline"] = inc.series
        d["top_regions"] = top_regions(store, inc.service, inc.started_at, inc.ended_at)
        d["status_page"] = _status_page(inc.service)
        d["official"] = official_for_incident(store, inc)  # linked status-page incidents, lead times
        items.append(d)
    return {
        "date": day.isoformat(),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": __version__,
        "simulated": bool(summary["sources"]) and set(summary["sources"]) == {"simulated"},
        "no_data": summary["posts"] == 0,
        "summary": summary,
        "incidents": items,
        "day_series": series,
    }


def write_daily_report(store, day: date, out_dir: Path, formats=("md", "json"),
                       params: IncidentParams = DEFAULT_INCIDENT_PARAMS, save: bool = True) -> DailyReport:
    """Detect the day's incidents, store them (unless ``save`` is false) and write the report files."""
    result = detect_day(store, day, params)
    if save:
        save_detection(store, result, params)
    data = build_report(store, result)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"outageradar-{day.isoformat()}"
    report = DailyReport(day, result.incidents, data=data)
    if "md" in formats and data["incidents"]:  # the Markdown links SVG files; the HTML inlines the same charts
        chart_dir = out_dir / f"charts-{day.isoformat()}"
        chart_dir.mkdir(exist_ok=True)
        for i, item in enumerate(data["incidents"], 1):
            safe = "".join(ch if ch.isalnum() else "-" for ch in item["service"].lower()).strip("-")
            path = chart_dir / f"{i:02d}-{safe}-24h.svg"
            path.write_text(day_chart_svg(item, data["day_series"].get(item["service"])), encoding="utf-8")
            item["chart"] = f"{chart_dir.name}/{path.name}"
    if "md" in formats:
        p = out_dir / f"{stem}.md"
        p.write_text(render_markdown(data), encoding="utf-8")
        report.files.append(p)
    if "html" in formats:
        p = out_dir / f"{stem}.html"
        p.write_text(render_html(data), encoding="utf-8")
        report.files.append(p)
    if "json" in formats:
        report.files.append(write_json(data, out_dir / f"{stem}.json"))
    return report
