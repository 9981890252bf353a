"""Incident tables for the terminal (``detect run``, ``report daily``, ``report live``, ``demo``).

The table fits the console's width — 80 columns, and 80 when the output is piped (Rich's width when stdout is not a
terminal, unless ``COLUMNS`` says otherwise) — without cutting a header or a value: dates are short ("11-14 15:30",
the year is in the line above the table), start and end share one cell that wraps between date and time, reports and
the expected count share a column ("147 / 1.9"), and the regions wrap ("Texas US;" / "England GB"). The fixed
columns never wrap or shrink (no "confiden…"); only the service and the regions give up width.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from outageradar.reports.incidents import regions_text

REGIONS_SHOWN = 6


def short_time(t: datetime) -> str:
    """"11-14 15:30" (UTC; no year)."""
    return f"{t:%m-%d %H:%M}"


def span_text(start: datetime, end: datetime) -> str:
    """"11-14 15:30–16:15", or "11-14 23:40–11-15 00:20" when it ends another day."""
    tail = f"{end:%H:%M}" if end.date() == start.date() else short_time(end)
    return f"{short_time(start)}–{tail}"


NARROW = 120
"""Below this many columns the date/time, the counts and the service wrap onto two lines, leaving the width to the
regions."""


def incident_table(incidents: Sequence, width: int | None = None) -> Table:
    """A Rich table of :class:`~outageradar.reports.incidents.Incident` objects: service, confidence, status,
    start–end (UTC), reports / expected, regions; laid out for a console ``width`` columns wide (default: wide)."""
    narrow = width is not None and width < NARROW
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), show_edge=False)
    table.add_column("service", overflow="fold", min_width=7, max_width=12 if narrow else None)
    table.add_column("confidence", no_wrap=True, min_width=10)
    table.add_column("status", no_wrap=True, min_width=8)
    table.add_column("start–end UTC", overflow="fold", min_width=11, max_width=11 if narrow else None)
    table.add_column("reports / expected", justify="right", overflow="fold", min_width=8,
                     max_width=9 if narrow else None)
    table.add_column("regions", overflow="fold", min_width=12)  # wrapped, never cut
    for inc in incidents:
        table.add_row(Text(inc.service), inc.confidence, inc.status, span_text(inc.started_at, inc.ended_at),
                      f"{inc.total_reports} / {inc.expected_reports:.1f}",
                      Text(regions_text(inc.regions, REGIONS_SHOWN) or "—"))  # Text: no markup in data
    return table


def print_incidents(console, incidents: Sequence) -> None:
    """Print the incident table on ``console``, or "no incidents"."""
    if not incidents:
        console.print("no incidents")
        return
    console.print(incident_table(incidents, console.width))
