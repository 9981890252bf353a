"""The configuration: typed settings, a strict file (unknown keys rejected by name), environment over file over
defaults, secrets masked."""

from __future__ import annotations

import subprocess
import sys
import os

import pytest

from outageradar.config import ConfigError, ScheduleSettings, Settings, load_settings, masked
from outageradar.ingest.sources import effective_config, load_ingest_config


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    path = tmp_path / "outageradar.toml"
    monkeypatch.setenv("OUTAGERADAR_CONFIG", str(path))
    monkeypatch.delenv("OUTAGERADAR_AUTHOR_SALT", raising=False)
    return path


@pytest.mark.parametrize("body, key, where", [
    ('databse_url = "sqlite:///x.db"\n', "databse_url", "in the config file"),
    ('author_salt = "s"\nschedul = {}\n', "schedul", "in the config file"),
    ('[schedule]\nevery = "5m"\nevry = "2m"\n', "evry", "in [schedule]"),
    ('[sources.x]\nmax_pagez = 3\n', "max_pagez", "in [sources.x]"),
    ('[sources.reddit]\nsubreddit = ["x"]\n', "subreddit", "in [sources.reddit]"),
    ('[ingest]\nextra_term = []\n', "extra_term", "in [ingest]"),
])
def test_unknown_keys_are_rejected_by_name(cfg, body, key, where):
    cfg.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_ingest_config(load_settings())
    message = str(info.value)
    assert f"'{key}'" in message and where in message and "\n" not in message


@pytest.mark.parametrize("body, key", [
    ("database_url = 5\n", "database_url"), ("author_salt = true\n", "author_salt"), ("schedule = 3\n", "schedule"),
    ("[schedule]\nevery = true\n", "every"), ('sources = "x"\n', "sources"),
])
def test_values_of_the_wrong_type_are_rejected(cfg, body, key):
    cfg.write_text(body)
    with pytest.raises(ConfigError, match=f"'{key}'"):
        load_settings()


def test_typed_settings_and_precedence(cfg, monkeypatch):
    cfg.write_text('database_url = "sqlite:///file.db"\nauthor_salt = "file-salt"\n[schedule]\nevery = "2m"\n')
    s = load_settings()
    assert isinstance(s, Settings) and s.schedule == ScheduleSettings(every="2m")
    assert (s.database_url, s.author_salt, s.file) == ("sqlite:///file.db", "file-salt", cfg)
    monkeypatch.setenv("OUTAGERADAR_DATABASE_URL", "sqlite:///env.db")
    monkeypatch.setenv("OUTAGERADAR_AUTHOR_SALT", "env-salt")
    s = load_settings()
    assert (s.database_url, s.author_salt) == ("sqlite:///env.db", "env-salt")  # environment over file
    assert load_settings("sqlite:///option.db").database_url == "sqlite:///option.db"  # --db over both
    assert load_ingest_config(s).every == "2m"
    cfg.write_text("")
    monkeypatch.delenv("OUTAGERADAR_DATABASE_URL")
    s = load_settings()
    assert s.database_url == "sqlite:///outageradar.db" and s.schedule.every is None  # defaults
    assert load_ingest_config(s).every == "5m"


def test_secrets_stay_masked(cfg, monkeypatch):
    cfg.write_text('database_url = "postgresql://u:hunter2@db/x"\nauthor_salt = "pepper"\n'
                   '[sources.x]\nbearer_token = "filetoken"\n')
    s = load_settings()
    shown = repr(effective_config(s, load_ingest_config(s)))
    for secret in ("hunter2", "pepper", "filetoken"):
        assert secret not in shown
    assert masked({"api_key": "k", "url": "postgresql://a:b@h/d"}) == {"api_key": "***", "url": "postgresql://a:***@h/d"}


def test_config_show_names_the_unknown_key_in_one_line(cfg):
    cfg.write_text('[schedule]\nevry = "5m"\n')
    r = subprocess.run([sys.executable, "-m", "outageradar", "config", "show"], capture_output=True, text=True,
                       env={**os.environ}, timeout=120)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 1 and len(lines) == 1 and "'evry'" in lines[0] and "[schedule]" in lines[0]
