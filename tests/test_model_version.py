"""The tagger's model version covers the relevance model, the catalog, the gazetteer data and the rules' version, so
``classify stored`` re-tags after an edit to any of them (issue 12, item 5); the files are hashed, not parsed."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from outageradar.classify import cache, catalog, gazetteer
from outageradar.classify import tagger as tagger_mod
from outageradar.classify.tagger import Tagger


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTAGERADAR_CACHE_DIR", str(tmp_path / "model-cache"))


@pytest.fixture
def catalog_copy(tmp_path, monkeypatch) -> Path:
    """The loader pointed at a copy of the packaged catalog (same file name, same bytes)."""
    path = tmp_path / "catalog" / "services.yaml"
    path.parent.mkdir()
    shutil.copyfile(catalog.CATALOG_FILE, path)
    monkeypatch.setattr(catalog, "CATALOG_FILE", path)
    return path


@pytest.fixture
def places_copy(tmp_path, monkeypatch) -> Path:
    """The gazetteer pointed at a copy of its data folder."""
    folder = tmp_path / "places"
    folder.mkdir()
    for p in gazetteer.data_files():
        shutil.copyfile(p, folder / p.name)
    monkeypatch.setattr(gazetteer, "DATA", folder)
    return folder


def version() -> str:
    return Tagger().version


def test_the_version_is_the_relevance_version_and_twelve_hex_digits():
    t = Tagger()
    assert re.fullmatch(re.escape(t.relevance.version) + r"\+[0-9a-f]{12}", t.version)
    assert len(t.version) <= 64  # classifications.model_version is a VARCHAR(64)
    assert t.classify("my wifi is down").model_version == t.version


def test_the_same_data_gives_the_same_version(catalog_copy, places_copy):
    packaged = version()
    assert version() == packaged
    # a copy of the data, byte for byte, is the same data
    assert catalog.data_digest() == cache.digest_files([catalog_copy])
    assert version() == packaged


def test_an_edit_to_the_catalog_changes_the_version(catalog_copy):
    before = version()
    original = catalog_copy.read_bytes()
    catalog_copy.write_bytes(original.replace(b"aliases: [xfinity", b"aliases: [xfinity, xfinity tv", 1))
    assert catalog_copy.read_bytes() != original
    edited = version()
    assert edited != before and edited.split("+")[0] == before.split("+")[0]
    catalog_copy.write_bytes(original)
    assert version() == before


def test_an_edit_to_the_gazetteer_data_changes_the_version(places_copy):
    before = version()
    aliases = places_copy / "places_aliases.yaml"
    original = aliases.read_bytes()
    assert b"\naliases:\n" in original
    aliases.write_bytes(original.replace(b"\naliases:\n", b"\naliases:\n  Gotham: New York, US | city\n", 1))
    assert version() != before
    aliases.write_bytes(original)
    assert version() == before
    # every file the gazetteer reads counts, the lazily read ones too
    for name in ("places_villages.tsv", "places_us_zips.tsv"):
        path = places_copy / name
        keep = path.read_bytes()
        path.write_bytes(keep + b"# an added comment line\n")
        assert version() != before, name
        path.write_bytes(keep)
    assert version() == before


def test_the_installed_place_tables_count_too(monkeypatch, tmp_path):
    before = version()
    real = gazetteer.package_data_files()
    assert [p.name for p in real] == ["cities15000.json", "countries.json", "us_counties.json", "rg_cities1000.csv"]
    assert all(p.is_file() for p in real)
    fake = tmp_path / "countries.json"
    fake.write_bytes(real[1].read_bytes() + b"\n")  # another install's table: other bytes
    monkeypatch.setattr(gazetteer, "package_data_files", lambda: [real[0], fake, *real[2:]])
    assert version() != before


def test_bumping_the_rules_version_changes_the_version(monkeypatch):
    before = version()
    monkeypatch.setattr(tagger_mod, "RULES_VERSION", tagger_mod.RULES_VERSION + "-next")
    assert version() != before


def test_an_edit_to_the_shipped_model_file_changes_the_version(tmp_path, monkeypatch):
    before = version()
    copy = tmp_path / "relevance_model.json"
    text = cache.relevance_file().read_text(encoding="utf-8")
    assert '"threshold":0.34,' in text
    copy.write_text(text.replace('"threshold":0.34,', '"threshold":0.35,', 1), encoding="utf-8")
    monkeypatch.setattr(cache, "relevance_file", lambda: copy)
    assert version() != before  # a hand-edited threshold keeps the version string but not the bytes


def test_another_relevance_model_changes_the_version():
    base = Tagger()

    class Renamed:
        def __init__(self, model):
            self._m = model
            self.version = "relevance-test-model"

        def __getattr__(self, name):
            return getattr(self._m, name)

    other = Tagger(relevance=Renamed(base.relevance))
    assert other.version.startswith("relevance-test-model+")
    assert other.version.split("+")[1] != base.version.split("+")[1]


def test_a_catalog_given_to_the_tagger_is_versioned_by_its_content():
    text = catalog.CATALOG_FILE.read_text(encoding="utf-8")
    small = catalog.ServiceCatalog.from_yaml(
        "services:\n  - {name: Example Fiber, company: Example, category: isp, countries: [US], aliases: [example fiber]}\n")
    assert Tagger(catalog=small).version != version()
    from_file = catalog.ServiceCatalog.from_file(catalog.CATALOG_FILE)
    assert from_file.digest == catalog.data_digest()  # the packaged catalog, however it was loaded
    assert Tagger(catalog=from_file).version == version()
    assert catalog.ServiceCatalog.from_yaml(text).digest != small.digest


def test_the_version_is_computed_without_building_the_catalog_or_the_gazetteer(monkeypatch):
    Tagger().relevance  # the relevance model is the one part the version reads (cached per process)

    def no_build(*_a, **_k):
        raise AssertionError("the version must hash the files, not build the models")

    monkeypatch.setattr(gazetteer, "build", no_build)
    monkeypatch.setattr(catalog.ServiceCatalog, "from_yaml", classmethod(no_build))
    monkeypatch.setattr(cache, "region_tagger", no_build)
    monkeypatch.setattr(cache, "catalog", no_build)
    t = Tagger()
    assert t.version
    assert "catalog" not in t.__dict__ and "regions" not in t.__dict__


def test_classify_stored_retags_after_a_catalog_edit(store, catalog_copy):
    """The whole path: posts stored with one version are re-tagged by ``classify stored`` once the catalog file
    changes, and not again while it stays the same."""
    from outageradar.pipeline.reclassify import reclassify
    from outageradar.records import Post
    from outageradar.store.writer import store_posts

    tagger = Tagger()
    tagger.catalog, tagger.regions  # the packaged parts, loaded before the edit (tagging itself is not under test)
    texts = ["xfinity is down again", "@comcastcares no internet in Denver", "power outage in Austin TX"]
    posts = [Post("test", f"p{i}", datetime(2026, 11, 20, 10, i, tzinfo=timezone.utc), t) for i, t in enumerate(texts)]
    with store.session() as s, s.begin():
        store_posts(s, posts, tagger.classify_rows([_row(p) for p in posts]))
    assert reclassify(store, Tagger()) == 0  # same data: nothing to do

    original = catalog_copy.read_bytes()
    catalog_copy.write_bytes(original.replace(b"aliases: [xfinity", b"aliases: [xfinity, xfinity tv", 1))
    assert reclassify(store, Tagger()) == 3
    assert reclassify(store, Tagger()) == 0
    catalog_copy.write_bytes(original)
    assert reclassify(store, Tagger()) == 3  # back to the first data: re-tagged again


def _row(post):
    from outageradar.classify.tagger import Row

    return Row(post.text, post.user_location, post.lat, post.lon, post.place)
