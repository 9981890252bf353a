"""Effective configuration: environment variables over the TOML config file over defaults.

Config file: ``$OUTAGERADAR_CONFIG`` or ``./outageradar.toml`` or ``~/.config/outageradar/config.toml``.

Settings (environment variable / config key):
- ``OUTAGERADAR_DATABASE_URL`` / ``database_url``: SQLAlchemy URL; default ``sqlite:///outageradar.db`` in the working
  directory.
- ``OUTAGERADAR_AUTHOR_SALT`` / ``author_salt``: salt for author hashes. When unset, a random salt is created once in
  ``~/.config/outageradar/salt`` (mode 0600) so hashes stay stable across runs.
Secrets are never printed: :func:`masked` hides them.

The file is read strictly into typed settings (dataclasses, :func:`load_settings`): a key this version does not know,
at the top level (:data:`FILE_KEYS`), in ``[schedule]`` (:data:`SCHEDULE_KEYS`), in ``[ingest]`` or in a
``[sources.*]`` table (checked by :mod:`outageradar.ingest.sources`), or a value of the wrong type, is a
:class:`ConfigError` naming the key, so a typo is never silently ignored. Dataclasses and not pydantic-settings:
the settings are a handful of strings, one more dependency would buy nothing, and the messages stay one line.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outageradar.records import OutageradarError

DEFAULT_DATABASE_URL = "sqlite:///outageradar.db"
SECRET_MARKERS = ("token", "secret", "password", "salt", "key")

FILE_KEYS: dict[str, tuple[type, ...]] = {
    "database_url": (str,),
    "author_salt": (str,),
    "ingest": (dict,),
    "schedule": (dict,),
    "sources": (dict,),
}
"""The top-level keys of the config file and their TOML types (tables are dicts)."""
SCHEDULE_KEYS: dict[str, tuple[type, ...]] = {"every": (str, int, float)}
"""The keys of ``[schedule]``."""
_TYPE_NAMES = {str: "a string", int: "a number", float: "a number", dict: "a table", bool: "true or false"}


class ConfigError(OutageradarError, RuntimeError):
    """The configuration file or a setting is invalid."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "outageradar"


def config_path() -> Path | None:
    env = os.environ.get("OUTAGERADAR_CONFIG")
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"OUTAGERADAR_CONFIG points to {p}, which is not a file")
        return p
    for p in (Path("outageradar.toml"), config_dir() / "config.toml"):
        if p.is_file():
            return p
    return None


def load_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def check_table(table: dict[str, Any], schema: dict[str, tuple[type, ...]], where: str) -> dict[str, Any]:
    """``table`` itself, once every key is known to ``schema`` and every value has one of its types; else a one-line
    :class:`ConfigError` naming the key and ``where`` it is."""
    for key, value in table.items():
        kinds = schema.get(key)
        if kinds is None:
            raise ConfigError(f"unknown setting {key!r} {where}; known: {', '.join(schema)}")
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            wanted = " or ".join(dict.fromkeys(_TYPE_NAMES.get(k, k.__name__) for k in kinds))
            raise ConfigError(f"setting {key!r} {where} must be {wanted}, not {type(value).__name__}")
    return table


@dataclass(frozen=True)
class ScheduleSettings:
    """``[schedule]``: ``every`` is the interval of ``ingest schedule`` ("5m" when unset; ``--every`` wins)."""

    every: str | int | float | None = None


@dataclass
class Settings:
    """The effective settings: environment over config file over defaults. ``raw`` is the file's content (already
    checked at the top level and in ``[schedule]``) for the sections other modules read (``section()``)."""

    database_url: str = DEFAULT_DATABASE_URL
    author_salt: str | None = None
    file: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)

    def salt(self) -> str:
        """The author-hash salt, creating and saving a random one on first use when none is configured."""
        if self.author_salt:
            return self.author_salt
        path = config_dir() / "salt"
        if path.is_file():
            self.author_salt = path.read_text().strip()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            value = secrets.token_hex(16)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(value)
            self.author_salt = value
        return self.author_salt

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] in the config file must be a table")
        return value


def load_settings(database_url: str | None = None) -> Settings:
    """The settings: ``database_url`` (a ``--db`` option) over the environment over the config file over defaults.
    Raises :class:`ConfigError` for an unreadable file, an unknown key or a value of the wrong type."""
    path = config_path()
    raw = load_file(path)
    where = f"in the config file {path}"
    check_table(raw, FILE_KEYS, where)
    schedule = ScheduleSettings(**check_table(raw.get("schedule", {}), SCHEDULE_KEYS, f"in [schedule] of {path}"))
    url = database_url or os.environ.get("OUTAGERADAR_DATABASE_URL") or raw.get("database_url") or DEFAULT_DATABASE_URL
    salt = os.environ.get("OUTAGERADAR_AUTHOR_SALT") or raw.get("author_salt")
    return Settings(database_url=str(url), author_salt=salt, file=path, raw=raw, schedule=schedule)


def is_secret(key: str) -> bool:
    k = key.lower()
    return any(m in k for m in SECRET_MARKERS)


def mask_url(url: str) -> str:
    """Hide the password in a database URL."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL we can parse: show only the scheme
        return url.split(":", 1)[0] + ":***"


def masked(value: Any, key: str = "") -> Any:
    """A copy of a config value with every secret replaced by ``***``."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if key and is_secret(key) and value:
        return "***"
    if key.endswith("url") and isinstance(value, str):
        return mask_url(value)
    return value
