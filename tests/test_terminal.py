"""Terminal incident tables fit 80 columns, in a terminal and in a pipe: no cut header, short dates, wrapped regions."""

import io
import re
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from rich.console import Console

from outageradar.reports.incidents import Incident, regions_text
from outageradar.reports.terminal import REGIONS_SHOWN, incident_table, print_incidents, span_text
from test_cli import _outage_db

HEADERS = ["service", "confidence", "status", "start–end", "UTC", "reports", "expected", "regions"]


def _t(day, h, m):
    return datetime(2026, 11, day, h, m, tzinfo=timezone.utc)


def _region(country, admin1):
    return {"country": country, "admin1": admin1}


INCIDENTS = [
    Incident("Xbox Live", _t(14, 15, 30), _t(14, 15, 45), _t(14, 16, 15), "strong", 30.0, 40, 1234, 12.34,
             [_region("US", "Texas"), _region("GB", "England"), _region("US", "Georgia"),
              _region("US", "North Carolina"), _region("DE", "Nordrhein-Westfalen"), _region("US", "California"),
              _region("FR", "Île-de-France")], status="ongoing"),
    Incident("Amazon Web Services", _t(14, 23, 40), _t(14, 23, 50), _t(15, 0, 20), "moderate", 9.0, 12, 57, 3.4,
             [_region("US", "Virginia"), _region("US", "Ohio")]),
    Incident("[bold]PlayStation Network[/bold]", _t(14, 1, 0), _t(14, 1, 5), _t(14, 1, 30), "weak", 3.0, 5, 9, 0.4, []),
]


def _render(width):
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    print_incidents(console, INCIDENTS)
    return console.export_text()


def _column(text, header, next_header=None):
    """The cells of one column, read by position under its header (on the last header line), joined."""
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if "regions" in ln)

    def at(name):  # the start–end header is on one line when the console is wide, on two when it is narrow
        line = lines[head]
        first = {"UTC": "start–end", "expected": "reports"}.get(name)
        return line.index(first) if first and first in line else line.index(name)

    start = at(header)
    end = at(next_header) if next_header else None
    return " ".join(ln[start:end].strip() for ln in lines[head + 2:])


@pytest.mark.parametrize("width", [80, 100, 160])
def test_table_fits_without_cutting(width):
    text = _render(width)
    assert max(len(ln) for ln in text.splitlines()) <= width
    words = " ".join(text.split())
    for h in HEADERS:
        assert h in words, h
    assert "confiden…" not in text and "2026-" not in text
    # nothing is cut: every region shown, every character, in order ("…" only marks regions beyond the sixth)
    regions = _column(text, "regions").replace(" ", "")
    expected = "".join(regions_text(i.regions, REGIONS_SHOWN).replace(" ", "") or "—" for i in INCIDENTS)
    assert regions == expected
    assert "Île-de-France" not in text and text.count("…") == 1
    assert _column(text, "service", "confidence").replace(" ", "") == "XboxLiveAmazonWebServices[bold]PlayStationNetwork[/bold]"
    assert _column(text, "status", "UTC").replace(" ", "") == "ongoingresolvedresolved"
    dates = _column(text, "UTC", "expected")  # the counts are right-aligned: they start after the header's start
    assert dates.replace(" ", "") == "11-1415:30–16:1511-1423:40–11-1500:2011-1401:00–01:30"
    middle = _column(text, "UTC", "regions").split()  # dates and counts, row after row
    assert "".join(w for w in middle if ":" not in w and not w.startswith("11-")) == "1234/12.357/3.49/0.4"


def test_wide_console_keeps_rows_on_one_line():
    text = _render(200)
    assert "11-14 15:30–16:15" in text and "Texas US; England GB; Georgia US" in text


def test_span_text():
    assert span_text(_t(14, 15, 30), _t(14, 16, 15)) == "11-14 15:30–16:15"
    assert span_text(_t(14, 23, 40), _t(15, 0, 20)) == "11-14 23:40–11-15 00:20"


def test_no_incidents():
    console = Console(width=80, record=True, file=io.StringIO())
    print_incidents(console, [])
    assert console.export_text().strip() == "no incidents"
    assert incident_table([]).row_count == 0


def test_cli_tables_fit_80_columns_in_a_pipe(tmp_path):
    url, store = _outage_db(tmp_path)
    store.dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}

    def run(*args):
        r = subprocess.run([sys.executable, "-m", "outageradar", *args, "--db", url], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=300)
        assert r.returncode == 0, r.stderr
        table = [ln for ln in r.stdout.splitlines() if not ln.startswith(("wrote ", "incidents "))]
        assert table and max(len(ln) for ln in table) <= 80, r.stdout
        words = " ".join(r.stdout.split())
        assert all(h in words for h in HEADERS) and "confiden…" not in r.stdout and "2026-05-20 14" not in words
        assert "05-20" in r.stdout and re.search(r"\b14:\d\d–1[45]:\d\d\b", r.stdout) and "Xbox Live" in r.stdout
        regions = "".join(_column("\n".join(table), "regions").split())
        assert all(label in regions for label in ("GeorgiaUS;", "TexasUS", "EnglandGB")), regions
        return r.stdout

    run("detect", "run", "--date", "2026-05-20")
    run("report", "daily", "--date", "2026-05-20", "--format", "json", "--out", str(tmp_path / "rep"))
    run("report", "live", "--at", "2026-05-20T17:00:00Z", "--hours", "4")
