"""Rendering the daily report as Markdown, HTML and JSON. Posts are untrusted text and are always escaped.

Both human-readable formats come from one view-model (:func:`outageradar.reports.view.report_view`) laid out by the
Jinja2 templates in ``templates/``: ``report.html.j2`` with HTML autoescaping (the page is self-contained: its charts
are inline SVG, it needs no other file, script or network, and reads at phone width), and ``report.md.j2`` where
every value is passed through :func:`md_escape` unless it is a link checked by
:func:`~outageradar.reports.view.safe_url` or one of our own chart paths (the ``trusted`` filter).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from outageradar.reports.view import report_view

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_escape(text: str) -> str:
    """Text safe to put in Markdown (and a table cell): no markup, no HTML, one line."""
    one_line = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", one_line.replace("&", "&amp;"))


class _Trusted(str):
    """A Markdown value that is emitted as is (a checked URL, our own chart path)."""


def _md_finalize(value: object) -> object:
    if isinstance(value, _Trusted) or not isinstance(value, str):
        return value
    return md_escape(value)


@lru_cache(maxsize=None)
def _env(kind: str) -> Environment:
    loader = FileSystemLoader(str(TEMPLATES))
    if kind == "html":
        return Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True),
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env = Environment(loader=loader, autoescape=False, finalize=_md_finalize, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    env.filters["trusted"] = _Trusted
    return env


def render_markdown(report: dict) -> str:
    text = _env("md").get_template("report.md.j2").render(r=report_view(report))
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render_html(report: dict) -> str:
    return _env("html").get_template("report.html.j2").render(r=report_view(report))


def write_json(report: dict, path: Path) -> Path:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
