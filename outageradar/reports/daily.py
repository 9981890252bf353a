"""The daily spike report: detect the day's incidents, then write Markdown/HTML (with PNG charts) and JSON.

Files go to ``OUT/outageradar-YYYY-MM-DD.{md,html,json}`` with charts in ``OUT/charts-YYYY-MM-DD/``. The JSON file
carries the same facts as the human-readable report, for machines. The detected incidents are stored (as ``detect
run`` does); a day with no stored posts says so ("no data"), rather than "no incidents".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from outageradar import __version__
from outageradar.reports.charts import incident_chart
from outageradar.reports.incidents import (
    DEFAULT_INCIDENT_PARAMS,
    Incident,
    IncidentParams,
    day_bounds,
    detect_day,
    save_detection,
)
from outageradar.reports.render import render_html, render_markdown, write_json
from outageradar.store.models import ClassificationRow, PostRow

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
    start, end = day_bounds(day)
    with store.session() as s:
        posts = s.scalar(select(func.count()).select_from(PostRow).where(PostRow.created_at >= start,
                                                                        PostRow.created_at < end)) or 0
        outages = s.scalar(select(func.count()).select_from(ClassificationRow).where(
            ClassificationRow.bucket >= start, ClassificationRow.bucket < end, ClassificationRow.outage.is_(True))) or 0
        sources = dict(s.execute(select(PostRow.source, func.count()).where(
            PostRow.created_at >= start, PostRow.created_at < end).group_by(PostRow.source)).all())
    return {"posts": posts, "outage_reports": outages, "sources": sources}


def build_report(store, day: date, incidents: list[Incident]) -> dict:
    summary = day_summary(store, day)
    items = []
    for inc in incidents:
        d = inc.to_dict()
        d["why"] = why(inc)
        d["baseline"] = inc.series
        items.append(d)
    return {
        "date": day.isoformat(),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": __version__,
        "simulated": bool(summary["sources"]) and set(summary["sources"]) == {"simulated"},
        "no_data": summary["posts"] == 0,
        "summary": summary,
        "incidents": items,
    }


def write_daily_report(store, day: date, out_dir: Path, formats=("md", "json"),
                       params: IncidentParams = DEFAULT_INCIDENT_PARAMS, save: bool = True) -> DailyReport:
    """Detect the day's incidents, store them (unless ``save`` is false) and write the report files."""
    result = detect_day(store, day, params)
    if save:
        save_detection(store, result, params)
    data = build_report(store, day, result.incidents)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"outageradar-{day.isoformat()}"
    report = DailyReport(day, result.incidents, data=data)
    if {"md", "html"} & set(formats):
        chart_dir = out_dir / f"charts-{day.isoformat()}"
        for i, (inc, item) in enumerate(zip(result.incidents, data["incidents"]), 1):
            safe = "".join(ch if ch.isalnum() else "-" for ch in inc.service.lower()).strip("-")
            path = incident_chart(inc, chart_dir / f"{i:02d}-{safe}.png")
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
