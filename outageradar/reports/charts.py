"""Charts for reports: an incident's report counts against the learned baseline, the incident shaded (PNG)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def incident_chart(incident, path: Path) -> Path:
    series = incident.series or {}
    x = [datetime.fromisoformat(b) for b in series.get("buckets", [])]
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    try:
        if x:
            ax.step(x, series["counts"], where="post", color="#c0392b", linewidth=1.4, label="outage reports / 5 min")
            ax.plot(x, series["expected"], color="#2c3e50", linewidth=1.2, linestyle="--", label="expected (baseline)")
        ax.axvspan(incident.started_at, incident.ended_at, color="#f39c12", alpha=0.25, label="incident")
        ax.set_title(f"{incident.service}: {incident.confidence} evidence", fontsize=10)
        ax.set_ylabel("reports")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=incident.started_at.tzinfo))
        ax.set_xlabel("UTC")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
