"""The Starlette app of ``outageradar serve``: read-only pages and JSON over the store.

Routes (all GET; ``?at=ISO-8601`` on each shows the store as of then, ``?hours=`` on ``/`` the look-back):

- ``/``: the services with outage reports in the last hours, with status and sparkline;
- ``/service/{name}``: the service page (24-hour chart against the band, incidents, map, problems, posts, status
  page, official incidents);
- ``/api/services`` and ``/api/service/{name}``: the same data as JSON (:mod:`outageradar.serve.data`);
- ``/healthz``: ``ok``.

Safety: the store is opened read-only by the caller (``open_store(read_only=True)``); Jinja2 autoescapes every
template, so a post's text is shown as text; links to posts and status pages are kept only when they are http(s);
every response carries a Content-Security-Policy that allows no script and no request to another origin
(``default-src 'none'``, inline styles and ``data:`` images only), so the page cannot load anything from elsewhere.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from outageradar.serve import data, svg

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
MAX_HOURS = 24 * 7


class BadRequest(ValueError):
    pass


def _parse_at(request: Request) -> datetime | None:
    raw = request.query_params.get("at")
    if not raw:
        return None
    try:
        t = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise BadRequest(f"at must be an ISO 8601 time such as 2026-11-14T15:30:00Z, got {raw!r}") from None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _parse_hours(request: Request) -> float:
    raw = request.query_params.get("hours")
    if not raw:
        return 6.0
    try:
        h = float(raw)
    except ValueError:
        raise BadRequest(f"hours must be a number, got {raw!r}") from None
    if not math.isfinite(h) or not 0.25 <= h <= MAX_HOURS:
        raise BadRequest(f"hours must be between 0.25 and {MAX_HOURS}")
    return h


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _templates() -> Jinja2Templates:
    """The pages' templates: autoescaped (every value is escaped), strict about undefined names, with the filters
    (``urlpart``, ``hm``, ``day_hm``) and SVG helpers (``sparkline``, ``day_chart``, ``world_map``) they use."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
                             autoescape=True, undefined=jinja2.StrictUndefined)  # every value escaped
    env.filters["urlpart"] = lambda s: quote(str(s), safe="")
    env.filters["hm"] = lambda s: (s or "")[11:16]
    env.filters["day_hm"] = lambda s: (s or "")[:16].replace("T", " ")
    env.globals.update(sparkline=svg.sparkline, day_chart=svg.day_chart, world_map=svg.world_map)
    return Jinja2Templates(env=env)


def _page(templates: Jinja2Templates, request: Request, name: str, context: dict, status: int = 200) -> Response:
    """The template ``name`` rendered with ``context``; links inside keep the request's ``?at=``."""
    at_q = request.query_params.get("at")
    suffix = f"?at={quote(at_q, safe='')}" if at_q else ""
    return _headers(templates.TemplateResponse(request, name, {**context, "at_suffix": suffix}, status_code=status))


def create_app(store) -> Starlette:
    """The app over an open (read-only) store."""
    templates = _templates()

    def page(request: Request, name: str, context: dict, status: int = 200) -> Response:
        return _page(templates, request, name, context, status)

    def error(request: Request, status: int, message: str, api: bool) -> Response:
        if api:
            return _headers(JSONResponse({"error": message}, status_code=status))
        return page(request, "error.html", {"status": status, "message": message}, status)

    def index(request: Request) -> Response:
        try:
            d = data.overview(store, _parse_at(request), _parse_hours(request))
        except BadRequest as exc:
            return error(request, 400, str(exc), False)
        return page(request, "index.html", {"d": d})

    def api_services(request: Request) -> Response:
        try:
            return _headers(JSONResponse(data.overview(store, _parse_at(request), _parse_hours(request))))
        except BadRequest as exc:
            return error(request, 400, str(exc), True)

    def _service(request: Request, api: bool) -> Response:
        name = request.path_params["name"]
        try:
            at = _parse_at(request)
        except BadRequest as exc:
            return error(request, 400, str(exc), api)
        if not data.known_service(store, name):
            return error(request, 404, f"no service named {name!r} in the catalog or the store", api)
        d = data.service_page(store, name, at)
        if api:
            return _headers(JSONResponse(d))
        return page(request, "service.html", {"d": d})

    def service(request: Request) -> Response:
        return _service(request, False)

    def api_service(request: Request) -> Response:
        return _service(request, True)

    def healthz(request: Request) -> Response:
        return _headers(PlainTextResponse("ok"))

    async def not_found(request: Request, exc) -> Response:
        api = request.url.path.startswith("/api/")
        return error(request, getattr(exc, "status_code", 404), getattr(exc, "detail", "not found"), api)

    routes = [
        Route("/", index), Route("/service/{name:path}", service), Route("/api/services", api_services),
        Route("/api/service/{name:path}", api_service), Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
