"""Source configuration: the ``[ingest]``, ``[schedule]`` and ``[sources.*]`` tables of the config file, secrets
from the environment, and building the collectors. See ``outageradar/ingest/README.md`` for the file format.

Secrets are read from the environment first, then from the source's table (``bearer_token``, ``client_secret`` ...);
they are never printed: :func:`effective_config` reports only whether each one is set and where from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from outageradar.config import ConfigError, Settings, masked

SOURCE_NAMES = ("x", "reddit", "mastodon", "bluesky")
DEFAULT_EVERY = "5m"

# (environment variable, key in the source's table) per credential
SECRETS: dict[str, tuple[tuple[str, str], ...]] = {
    "x": (("OUTAGERADAR_X_BEARER_TOKEN", "bearer_token"),),
    "reddit": (("OUTAGERADAR_REDDIT_CLIENT_ID", "client_id"), ("OUTAGERADAR_REDDIT_CLIENT_SECRET", "client_secret"),
               ("OUTAGERADAR_REDDIT_USER_AGENT", "user_agent")),
    "mastodon": (("OUTAGERADAR_MASTODON_ACCESS_TOKEN", "access_token"),),
    "bluesky": (("OUTAGERADAR_BLUESKY_HANDLE", "handle"), ("OUTAGERADAR_BLUESKY_APP_PASSWORD", "app_password")),
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "x": {"enabled": True, "services": [], "extra_terms": [], "max_queries": 0, "max_pages": 5, "max_results": 100},
    "reddit": {"enabled": True, "subreddits": None, "services": [], "extra_terms": [], "listings": ["new", "comments"],
               "filter_listings": True, "limit": 100, "time_filter": "week", "search": True},
    "mastodon": {"enabled": True, "instances": None, "hashtags": None, "catalog_hashtags": True, "search": [],
                 "limit": 40, "max_pages": 10},
    "bluesky": {"enabled": True, "search": True, "services": [], "extra_terms": [], "limit": 100, "max_pages": 5,
                "public_url": "https://public.api.bsky.app", "service_url": "https://bsky.social",
                "jetstream_url": "wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post",
                "stream_batch_size": 100, "stream_flush_seconds": 5.0, "stream_require_cue": True},
}
INGEST_DEFAULTS = {"extra_terms": [], "services": []}

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$", re.I)


def parse_every(value: str | int | float) -> float:
    """Seconds in "5m", "90s", "1h", "1h30m" or a plain number of seconds; at least 10 s."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        s = str(value).strip()
        if re.fullmatch(r"\d+(\.\d+)?", s):
            seconds = float(s)
        else:
            m = _DURATION.match(s)
            if not s or not m or not any(m.groups()):
                raise ConfigError(f"cannot read the interval {value!r}: use e.g. 5m, 90s, 1h or 1h30m")
            h, mi, se = (int(g) if g else 0 for g in m.groups())
            seconds = h * 3600 + mi * 60 + se
    if seconds < 10:
        raise ConfigError(f"the interval {value!r} is shorter than 10 seconds")
    return seconds


@dataclass
class IngestConfig:
    sources: dict[str, dict[str, Any]]
    secrets: dict[str, dict[str, str | None]]
    secret_origin: dict[str, str]
    extra_terms: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    every: str = DEFAULT_EVERY

    def enabled(self) -> list[str]:
        return [n for n in SOURCE_NAMES if self.sources[n]["enabled"]]


def _check_type(where: str, key: str, value: Any, default: Any) -> Any:
    if default is None or isinstance(default, list):
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{where} {key} must be a list of strings")
    elif isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} {key} must be true or false")
    elif isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} {key} must be a number")
    elif isinstance(default, str) and not isinstance(value, str):
        raise ConfigError(f"{where} {key} must be a string")
    return value


def load_ingest_config(settings: Settings, env: Mapping[str, str] | None = None) -> IngestConfig:
    """Validate the file's tables, fill defaults, and read secrets (environment over file)."""
    env = os.environ if env is None else env
    raw_sources = settings.section("sources")
    unknown = set(raw_sources) - set(SOURCE_NAMES)
    if unknown:
        raise ConfigError(f"unknown source [sources.{sorted(unknown)[0]}]: known are {', '.join(SOURCE_NAMES)}")
    sources: dict[str, dict[str, Any]] = {}
    secrets: dict[str, dict[str, str | None]] = {}
    origin: dict[str, str] = {}
    for name in SOURCE_NAMES:
        table = raw_sources.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"[sources.{name}] must be a table")
        secret_keys = {k for _, k in SECRETS[name]}
        cfg = dict(DEFAULTS[name])
        for key, value in table.items():
            if key in secret_keys:
                continue
            if key not in DEFAULTS[name]:
                raise ConfigError(f"unknown setting {key!r} in [sources.{name}]; known: "
                                  f"{', '.join(sorted(set(DEFAULTS[name]) | secret_keys))}")
            cfg[key] = _check_type(f"[sources.{name}]", key, value, DEFAULTS[name][key])
        sources[name] = cfg
        secrets[name] = {}
        for env_name, key in SECRETS[name]:
            value = env.get(env_name) or None
            where = "environment" if value else None
            if value is None and table.get(key):
                value, where = str(table[key]), "config file"
            secrets[name][key] = value
            origin[env_name] = where or "not set"
    ingest = settings.section("ingest")
    for key in ingest:
        if key not in INGEST_DEFAULTS:
            raise ConfigError(f"unknown setting {key!r} in [ingest]; known: {', '.join(INGEST_DEFAULTS)}")
        _check_type("[ingest]", key, ingest[key], INGEST_DEFAULTS[key])
    schedule = settings.section("schedule")
    every = schedule.get("every", DEFAULT_EVERY)
    parse_every(every)
    return IngestConfig(sources, secrets, origin, list(ingest.get("extra_terms", [])),
                        list(ingest.get("services", [])), str(every))


def effective_config(settings: Settings, cfg: IngestConfig) -> dict[str, Any]:
    """Everything in effect, for ``outageradar config show``; secret values never appear."""
    general = {k: v for k, v in settings.raw.items() if k not in ("sources", "ingest", "schedule")}
    general["database_url"] = settings.database_url
    general["author_salt"] = "set" if settings.author_salt else "not set (a random one is created on first use)"
    out = {
        "config_file": str(settings.file) if settings.file else "none (defaults and environment only)",
        **masked(general),
        "ingest": {"extra_terms": cfg.extra_terms, "services": cfg.services or "all catalog services"},
        "schedule": {"every": cfg.every},
        "sources": {},
        "credentials": dict(cfg.secret_origin),
    }
    for name in SOURCE_NAMES:
        sec = dict(cfg.sources[name])
        if name == "reddit" and sec["subreddits"] is None:
            from outageradar.ingest.reddit import DEFAULT_SUBREDDITS
            sec["subreddits"] = list(DEFAULT_SUBREDDITS)
        if name == "mastodon":
            from outageradar.ingest.mastodon import DEFAULT_HASHTAGS, DEFAULT_INSTANCES
            if sec["instances"] is None:
                sec["instances"] = list(DEFAULT_INSTANCES)
            if sec["hashtags"] is None:
                sec["hashtags"] = list(DEFAULT_HASHTAGS)
        out["sources"][name] = masked(sec)
    return out


def _services(all_services: Any, cfg: IngestConfig, section: Mapping[str, Any]):
    from outageradar.ingest.queries import select_services, service_terms

    terms = service_terms(all_services)
    return select_services(select_services(terms, cfg.services), section.get("services"))


def build_collectors(cfg: IngestConfig, services: Any, salt: str, only: Sequence[str] | None = None,
                     backoff_factory=None) -> list[Any]:
    """The collectors of the enabled sources (or of ``only``), with queries built from ``services``.

    A source named in ``only`` runs even if disabled in the file. Unknown names raise ConfigError.
    """
    from outageradar.ingest import queries as Q

    names = list(only) if only else cfg.enabled()
    for n in names:
        if n not in SOURCE_NAMES:
            raise ConfigError(f"unknown source {n!r}: use one of {', '.join(SOURCE_NAMES)}")
    bo = backoff_factory or (lambda: None)
    out: list[Any] = []
    for name in names:
        sec, sct = cfg.sources[name], cfg.secrets[name]
        svcs = _services(services, cfg, sec)
        extra = cfg.extra_terms + list(sec.get("extra_terms") or [])
        if name == "x":
            from outageradar.ingest.x import XCollector

            qs = Q.x_queries(svcs, extra)
            if sec["max_queries"]:
                qs = qs[: int(sec["max_queries"])]
            out.append(XCollector(qs, sct["bearer_token"], salt, max_results=sec["max_results"],
                                  max_pages=sec["max_pages"], backoff=bo()))
        elif name == "reddit":
            from outageradar.ingest.reddit import DEFAULT_SUBREDDITS, RedditCollector

            subs = sec["subreddits"] if sec["subreddits"] is not None else list(DEFAULT_SUBREDDITS)
            qs = Q.or_queries(svcs, extra) if sec["search"] else []
            matcher = Q.TermMatcher(Q.match_terms(svcs, extra), Q.CUE_WORDS) if sec["filter_listings"] else None
            out.append(RedditCollector(subs, qs, salt, client_id=sct["client_id"], client_secret=sct["client_secret"],
                                       user_agent=sct["user_agent"], matcher=matcher, listings=sec["listings"],
                                       limit=sec["limit"], time_filter=sec["time_filter"], backoff=bo()))
        elif name == "mastodon":
            from outageradar.ingest.mastodon import DEFAULT_HASHTAGS, DEFAULT_INSTANCES, MastodonCollector

            tags = list(sec["hashtags"] if sec["hashtags"] is not None else DEFAULT_HASHTAGS)
            if sec["catalog_hashtags"]:
                tags += [h for s in svcs for h in s.hashtags]
            out.append(MastodonCollector(sec["instances"] if sec["instances"] is not None else DEFAULT_INSTANCES,
                                         tags, salt, search_terms=sec["search"], access_token=sct["access_token"],
                                         limit=sec["limit"], max_pages=sec["max_pages"], backoff=bo()))
        elif name == "bluesky":
            from outageradar.ingest.bluesky import BlueskySearchCollector

            if not sec["search"]:
                continue
            out.append(BlueskySearchCollector(Q.or_queries(svcs, extra, limit=300), salt, handle=sct["handle"],
                                              app_password=sct["app_password"], public_url=sec["public_url"],
                                              service_url=sec["service_url"], limit=sec["limit"],
                                              max_pages=sec["max_pages"], backoff=bo()))
    return out


def jetstream_terms(cfg: IngestConfig, services: Any) -> list[str]:
    from outageradar.ingest.queries import match_terms

    sec = cfg.sources["bluesky"]
    return match_terms(_services(services, cfg, sec), cfg.extra_terms + list(sec.get("extra_terms") or []))
