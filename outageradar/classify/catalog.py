"""Service catalog and service matcher: which service is a post about, and which one is failing?

Catalog
-------
The packaged ``data/services.yaml`` lists the services people report outages for (schema and how to add a service in
``data/README.md``). Each :class:`Service` has a canonical ``name`` (the labelling convention of the project:
``"Comcast Xfinity"``, ``"power (Eversource)"``), ``aliases`` (names that always count), ``ambiguous`` (names that are
also ordinary words, such as ``orange`` or ``spectrum``, and need context), ``hashtags`` and ``handles``, an optional
``parent`` (``iMessage`` -> ``Apple``) with ``refiners`` (words that turn a parent mention into this sub-service), and a
``generic`` flag for the fallback services ``power grid``, ``water`` and ``internet`` whose aliases are trigger phrases
("power outage", "no internet") used only when no named service is mentioned.

Matching (one pass)
-------------------
Every alias, hashtag, handle and refiner is compiled into one Aho-Corasick automaton together with small
vocabularies: *failure cues* ("down", "not working", "outage", "no signal", "error" ...), *context words* per category
("internet", "network", "app", "servers" ...), *blockers* ("orange juice", "blue sky", "autism spectrum", and denied
triggers such as "not a power outage"), :data:`CONNECTION_WORDS` (a post blaming the connection) and the hint words of
the generic services (:data:`POWER_HINTS`, :data:`NET_HINTS`). The same automaton holds *derived* tags: an account
``@<name>_<anything>`` (``@BSNL_KTK``) counts as the service's handle and ``#<name><suffix>`` (:data:`HASHTAG_SUFFIXES`,
``#kplccustomercare``) or ``#<name>_<suffix>`` (:data:`HASHTAG_SEPARATED`, ``#fios_outage``) as its hashtag.
Keys are stored lower-cased, with punctuation turned into spaces and padded as ``" key "``. A post is lower-cased once
and mapped to a same-length copy in which every non-word character is a space (a byte-table translate; non-ASCII posts
add one regex pass), padded, and scanned once: the padding makes the automaton report whole words only, so "sky" never
matches inside "skype", "line" never inside "online", and "at&t" matches "AT&T" and "at & t". Positions map 1:1 back to
the original text. The character before a hit tells ``@handle`` and ``#hashtag`` apart (a handle key counts only after
``@``, a hashtag key only after ``#``; an alias typed as ``@name``/``#name`` counts as handle/hashtag). Hits inside URLs
(``pic.twitter.com/...``) are ignored; a URL glued to the word before it (``@MLGWpic.twitter.com/...``) starts a new
word. Where hits overlap, the longest wins ("verizon wireless" over "verizon").

Ambiguous aliases count only when (1) no blocker touches them, (2) a context word of the service's category is within
:data:`CONTEXT_WINDOW` characters, or the alias is capitalised and a failure cue is that near, and (3) they are not a
lower-case acronym of :data:`SHORT_ACRONYM` letters or fewer ("bt" = but). "Orange network down" counts, "Orange juice"
and "I ate an orange and then my bike broke down" do not.

Choosing the failing service
----------------------------
Each named service gets a score from its mentions: the base of its strongest kind of mention (a handle among the
accounts the post opens with 2.0; another handle, a hashtag, or an alias opening the post 1.5; other aliases 1.0),
plus a proximity term ``2 / (1 + d / 20)`` with ``d`` the distance in characters from its mention nearest a failure
cue, plus :data:`INFRASTRUCTURE_PRIOR` for ISPs, carriers, utilities and clouds (their failure explains the apps
failing on top of them). When a game and an ISP or carrier are named, the game's own servers are taken to fail unless
the post blames the connection (a :data:`CONNECTION_WORDS` word, or the failure cue nearer the ISP): "@VerizonSupport
was it you or Blizzard who broke the servers?" -> ``Blizzard Battle.net``. A sub-service absorbs its ancestors'
evidence, so "iMessage not working @AppleSupport" -> ``iMessage``. The best score wins (ties: earliest mention); if the
winner has sub-services whose refiners occur in the post, the one whose refiner is nearest a failure cue replaces it
("@AppleSupport I can't download songs" -> ``Apple Music``).
When a power-outage or a no-internet phrase is present only infrastructure can beat ``power grid`` / ``internet``
("Power outage so Netflix won't load" -> ``power grid``, "no internet so Hulu won't play" -> ``internet``). With no
named service, the first generic service triggered in catalog order is returned (``power grid``, then ``water``, then
``internet``). With no trigger phrase either, a post reporting an outage in a utility's words ("crews", "no ETR") is
``power grid`` and one whose internet/wifi/network word lies within :data:`HINT_WINDOW` of a hard failure cue ("my
wifi keeps dropping") is ``internet``; else ``None``.

Per post this is one lower-casing, one translate, one automaton pass and work linear in the (few) hits: a few
microseconds per tweet. A long post's many hits cost O(log n) each (the hit-to-cue distances and context windows are
bisections over sorted spans, :class:`_Spans`), so matching time grows linearly with the text.

Model version and cache
-----------------------
The catalog is part of the model version every classification is stored with
(:attr:`outageradar.classify.tagger.Tagger.version`, ``<relevance model version>+<12 hex digits>``). The digits hash
the bytes of :data:`CATALOG_FILE` (:func:`data_digest`), of every gazetteer data file
(:func:`outageradar.classify.gazetteer.data_digest`), the relevance model's version and
:data:`outageradar.classify.tagger.RULES_VERSION`. So after an edit to ``services.yaml`` the version changes and
``classify stored`` re-tags the stored posts; an edit to the matching rules in this module's code must bump
``RULES_VERSION`` (a change that tags every post the same need not). The compiled catalog is kept in the on-disk model
cache (:mod:`outageradar.classify.cache`) under the same digest and this module's source, so :meth:`ServiceCatalog.default`
parses the YAML and builds the automaton only after one of them changed (PyYAML is then imported; otherwise not).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import ahocorasick

from outageradar.records import OutageradarError

CATALOG_FILE = Path(__file__).resolve().parent / "data" / "services.yaml"
"""The packaged catalog (:meth:`ServiceCatalog.default`); its bytes are hashed into the model version."""

CATEGORIES: tuple[str, ...] = (
    "messaging",
    "social",
    "email_productivity",
    "cloud_cdn",
    "developer",
    "gaming",
    "streaming",
    "banking_payments",
    "crypto",
    "isp",
    "mobile_carrier",
    "power_utility",
    "ecommerce",
    "transport_app",
    "other",
)
SCHEMA_KEYS = frozenset(
    {"name", "company", "category", "countries", "aliases", "hashtags", "handles", "ambiguous", "status_page",
     "parent", "generic", "refiners", "area"}
)
REQUIRED_KEYS = ("name", "company", "category", "countries")
LIST_KEYS = ("countries", "aliases", "hashtags", "handles", "ambiguous", "refiners")
_HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_COUNTRY_RE = re.compile(r"^(?:[A-Z]{2}|GLOBAL)$")

#: how far (characters) a context word may be from an ambiguous alias
CONTEXT_WINDOW = 80
#: ambiguous aliases this short (bt, ee, o2, ups, hp, nab) count only when not written in lower case
SHORT_ACRONYM = 3
#: base score per mention kind (see module docstring)
KIND_WEIGHT = {"alias": 1.0, "hashtag": 1.5, "handle": 1.5}
ADDRESSED_WEIGHT = 2.0
#: categories whose failure explains failures of the apps people use over them ("Spectrum's internet is down,
#: disconnecting my Google doc" -> Spectrum)
INFRASTRUCTURE = frozenset({"isp", "mobile_carrier", "power_utility", "cloud_cdn"})
INFRASTRUCTURE_PRIOR = 0.75
PROXIMITY_WEIGHT = 2.0
PROXIMITY_SCALE = 20.0

#: phrases that say something is failing; the service nearest to one is taken as the failing one
FAILURE_CUES: tuple[str, ...] = (
    "down", "is down", "went down", "goes down", "going down", "outage", "outages", "out", "is out", "went out",
    "not working", "isn't working", "isnt working", "not work", "won't work", "wont work", "doesn't work",
    "doesnt work", "don't work", "didn't work", "stopped working", "never works", "not loading", "won't load",
    "wont load", "not load", "can't load", "cant load", "won't connect", "can't connect", "cant connect",
    "cannot connect", "unable", "can't", "cant", "cannot", "can not", "won't", "wont", "no signal", "no service",
    "no network", "no internet", "no connection", "no data", "no wifi", "no power", "without power", "error", "errors",
    "error code", "crash", "crashed", "crashes", "crashing", "offline", "slow", "so slow", "lag", "lagging", "laggy",
    "buffering", "disconnect", "disconnected", "disconnecting", "disconnects", "dropping", "drops", "dropped",
    "keeps dropping", "failing", "failed", "fails", "failure", "glitch", "glitchy", "problem", "problems", "issue",
    "issues", "broken", "broke", "trash", "useless", "terrible", "poor", "fix", "fixed", "restore", "restored",
    "hacked", "suspended", "servers", "server", "unstable", "timed out", "timeout", "not responding", "unreachable",
    "maintenance", "what's going on", "whats going on", "what's wrong", "whats wrong", "wrong with", "sucks",
    "not sending", "won't send", "not receiving", "can't log in", "can't login", "cant login", "can't sign in",
    "packet loss", "high ping", "latency",
)

#: context words per category that make an ambiguous alias credible
_TELECOM = (
    "internet", "network", "signal", "data", "wifi", "wi-fi", "broadband", "router", "modem", "sim", "sim card", "4g",
    "5g", "3g", "lte", "coverage", "bars", "calls", "call", "texts", "text", "cable", "tv", "phone", "landline",
    "connection", "speed", "speeds", "mbps", "fibre", "fiber", "bundle", "bundles", "airtime", "customer care",
    "service", "outage", "mobile", "cell", "provider", "providers", "isp", "hotspot", "mifi", "dns", "nbn",
    "packet loss", "ping", "latency", "upload", "download",
)
_APP = ("app", "website", "site", "account", "login", "log in", "sign in", "password", "server", "servers", "online",
        "update", "support", "outage", "service", "down", "not working", "error")
CATEGORY_CONTEXT: dict[str, tuple[str, ...]] = {
    "isp": _TELECOM,
    "mobile_carrier": _TELECOM,
    "power_utility": ("power", "outage", "outages", "electricity", "electric", "lights", "crews", "crew", "restore",
                      "restored", "without power", "no power", "transformer", "outage map", "storm", "meter"),
    "gaming": _APP + ("game", "games", "gaming", "console", "multiplayer", "matchmaking", "download", "store", "lobby",
                      "play", "playing", "launcher", "patch", "ps4", "ps5", "pc"),
    "banking_payments": _APP + ("card", "bank", "banking", "transfer", "payment", "payments", "transaction",
                                "transactions", "atm", "balance", "deposit", "declined", "online banking"),
    "crypto": _APP + ("exchange", "wallet", "withdrawal", "withdrawals", "deposit", "deposits", "trading", "btc",
                      "eth", "crypto", "coins", "hack"),
    "streaming": _APP + ("stream", "streaming", "episode", "show", "movie", "watch", "watching", "playing", "music",
                         "songs", "song", "playlist", "tv", "buffering"),
    "messaging": _APP + ("message", "messages", "send", "sending", "chat", "call", "calls", "meeting", "video"),
    "social": _APP + ("feed", "post", "posts", "timeline", "dm", "dms", "tweets"),
    "email_productivity": _APP + ("email", "emails", "mail", "inbox", "meeting", "calendar", "files", "docs"),
    "cloud_cdn": _APP + ("api", "region", "console", "deploy", "instances", "dns", "cdn", "hosting", "cloud"),
    "developer": _APP + ("api", "repo", "deploy", "build", "pipeline", "push", "pull", "packages", "ci"),
    "ecommerce": _APP + ("order", "orders", "checkout", "cart", "delivery", "basket", "payment"),
    "transport_app": _APP + ("booking", "flight", "flights", "train", "trains", "ride", "driver", "check in",
                             "check-in", "ticket", "tickets"),
    "other": _APP + ("phone", "iphone", "ipad", "mac", "device", "devices", "id", "icloud", "ios", "music", "email"),
}

#: phrases in which a common word is not a service ("orange juice", "blue sky", "autism spectrum")
BLOCKERS: tuple[str, ...] = (
    "juice", "orange juice", "fruit", "peel", "tree", "trees", "county", "color", "colour", "coloured", "colored",
    "is the new black", "agent orange", "orange man", "apple pie", "apple juice", "apple cider", "apples",
    "big apple", "apple tree", "bell pepper", "taco bell", "door bell", "doorbell", "bells", "blue sky",
    "sky blue", "clear sky", "night sky", "sky high", "autism spectrum", "the spectrum",
    "political spectrum", "on the spectrum", "spectrum disorder", "final frontier", "new frontier", "delta variant",
    "river delta", "delta force", "on target", "off target", "target audience", "target market", "car chase",
    "chase down", "wedding ring", "ring finger", "boxing ring", "onion ring", "onion rings", "diamond ring",
    "the ring", "steam room", "steam engine", "full steam", "let off steam", "blow off steam", "under steam",
    "zoom in", "zoom out", "zoomed", "outlook on", "outlook for", "weather outlook", "economic outlook",
    "duke of", "the duke", "sprint finish", "nest egg", "the nest", "bird", "birds", "edison bulb", "thomas edison",
    "gemini season", "a gemini", "im a gemini", "i'm a gemini", "blizzard warning", "snow", "winter",
    "teams working", "teams are working", "our teams", "have teams", "crews and teams", "nationwide outage",
    "nationwide outages", "a nationwide", "nationwide power", "nationwide blackout",
    # denied generic triggers
    "not a power outage", "isn't a power outage", "isnt a power outage", "wasn't a power outage", "not a power cut",
    "not the power", "not an internet outage", "isn't an internet outage", "not the internet",
)

#: words that put the blame on the connection itself: in a post naming a game and an ISP or carrier, the ISP is the
#: failing service only when one of them occurs or the failure cue is nearer the ISP ("@VerizonSupport was it you or
#: Blizzard who broke the servers?" -> the game; "my internet keeps dropping and Xbox Live disconnects" -> the ISP)
CONNECTION_WORDS: tuple[str, ...] = (
    "internet", "wifi", "wi-fi", "wi fi", "broadband", "network", "networks", "connection", "connectivity", "connected",
    "connecting", "connect", "disconnect", "disconnected", "disconnecting", "disconnects", "signal", "reception",
    "coverage", "bars", "router", "modem", "speed", "speeds", "mbps", "ping", "latency", "packet loss", "bandwidth",
    "data", "4g", "5g", "3g", "lte", "no service", "cell service", "phone service", "hotspot", "dns", "fiber", "fibre",
    "dsl", "cable", "tv", "channels", "landline", "phone line", "phone lines", "calls", "dropped calls", "texts",
)

#: With no named service and no trigger phrase of a generic service, a post that reports an outage in the words of
#: a power utility ("crews", "ETR", "restoration") is about the power grid, and one that says its internet, wifi or
#: network is failing (a failure cue within :data:`HINT_WINDOW` characters) is about the internet.
POWER_HINTS: tuple[str, ...] = (
    "crews", "crew", "line crews", "linemen", "lineman", "etr", "no etr", "restoration", "restored", "restore",
    "restoring", "transformer", "transformers", "substation", "feeder", "power lines", "power line", "downed lines",
    "poles", "utility pole", "generator", "generators", "fridge", "freezer", "candles", "flashlight", "street lights",
    "streetlights", "traffic lights", "storm", "wind", "a/c", "aircon", "electric", "electrical", "electricity",
    "utility", "utilities", "refrigerator", "spoiled food", "food spoiled", "spoiling food", "food wasted",
    "wasted food", "throwing away food", "throw away food", "throwing out food", "throw out food", "darkness",
    "in the dark",
)
NET_HINTS: tuple[str, ...] = (
    "internet", "wifi", "wi-fi", "wi fi", "broadband", "network", "modem", "router", "dns", "fiber", "fibre",
    "connection", "isp", "hotspot", "interwebs", "ethernet",
)
#: the words an outage is reported with, for :data:`POWER_HINTS`
OUTAGE_WORDS: tuple[str, ...] = ("outage", "outages", "power", "electricity", "supply")
#: the failure cues that say something is out (not merely "issues" or "can't"), for :data:`NET_HINTS`
HARD_FAILURE_CUES: tuple[str, ...] = (
    "down", "is down", "went down", "goes down", "going down", "outage", "outages", "out", "is out", "went out",
    "not working", "isn't working", "isnt working", "not work", "won't work", "wont work", "doesn't work",
    "doesnt work", "don't work", "didn't work", "stopped working", "never works", "not loading", "won't load",
    "wont load", "can't load", "cant load", "won't connect", "can't connect", "cant connect", "cannot connect",
    "offline", "slow", "so slow", "lag", "lagging", "laggy", "buffering", "disconnect", "disconnected", "disconnecting",
    "disconnects", "dropping", "drops", "dropped", "keeps dropping", "failing", "failed", "fails", "failure", "broken",
    "broke", "unstable", "timed out", "not responding", "unreachable", "packet loss", "trash", "useless", "sucks",
    "terrible",
)
HINT_WINDOW = 40

#: hashtags people build from a service's name: ``#<name><suffix>`` (``#comcastoutage``, ``#kplccustomercare``), and
#: ``#<name>_<suffix>`` for the suffixes of :data:`HASHTAG_SEPARATED` (``#fios_outage``)
HASHTAG_SUFFIXES: tuple[str, ...] = (
    "down", "isdown", "outage", "outages", "sucks", "fail", "care", "customercare", "help", "problems",
)
HASHTAG_SEPARATED: tuple[str, ...] = ("down", "outage")

_KIND_CODES = {"alias": 0, "ambiguous": 1, "hashtag": 2, "handle": 3, "generic": 4}
_CUE, _CTX, _BLOCK, _REFINER = 5, 6, 7, 8
# context masks carry one bit per category (CATEGORIES) and these flags above them
_CONN_BIT = 1 << 30
_POWER_HINT_BIT = 1 << 31
_NET_HINT_BIT = 1 << 32
_OUTAGE_BIT = 1 << 33
_HARD_CUE_BIT = 1 << 34
_HINT_BITS = _POWER_HINT_BIT | _NET_HINT_BIT
_LEAD_RE = re.compile(r"^(?:RT\s+|\.)?(?:@\w+:?\s*)+")


_Hit = tuple[int, int, int, int]


@lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it (5x faster on the catalog), else the pure-Python one
    (PyYAML is imported only when a catalog is parsed, not when it comes from the model cache)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(OutageradarError, ValueError):
    """The catalog file is malformed (schema, types, duplicates or dangling parents)."""


@dataclass(frozen=True)
class Service:
    """One catalog entry; see ``data/README.md`` for the meaning of each field."""

    name: str
    company: str
    category: str
    countries: tuple[str, ...]
    aliases: tuple[str, ...]
    hashtags: tuple[str, ...]
    handles: tuple[str, ...]
    ambiguous: tuple[str, ...]
    status_page: str | None
    parent: str | None = None
    generic: bool = False
    refiners: tuple[str, ...] = ()
    area: str | None = None

    @property
    def service_area(self) -> tuple[str, str | None] | None:
        """``(country, admin1 or None)`` where a report about this service must come from, for a power utility of
        one country (its grid is there); ``None`` for anything else."""
        if self.category != "power_utility" or self.generic or len(self.countries) != 1 or self.countries[0] == "GLOBAL":
            return None
        return self.countries[0], self.area


@dataclass(frozen=True)
class Mention:
    """A service named in a post: ``text[start:end]``; kind is 'alias', 'hashtag', 'handle' or 'generic'."""

    service: str
    start: int
    end: int
    kind: str


def _str_list(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _parse_service(entry: Any, index: int) -> Service:
    where = f"service #{index}"
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - SCHEMA_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    for key in REQUIRED_KEYS:
        if key not in entry:
            raise CatalogError(f"{where}: missing required key '{key}'")
    name, company, category = entry["name"], entry["company"], entry["category"]
    for key, value in (("name", name), ("company", company), ("category", category)):
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(f"{where}: '{key}' must be a non-empty string")
    where = f"service {name!r}"
    if category not in CATEGORIES:
        raise CatalogError(f"{where}: unknown category {category!r} (allowed: {', '.join(CATEGORIES)})")
    lists = {key: _str_list(entry, key, where) for key in LIST_KEYS}
    if not lists["countries"]:
        raise CatalogError(f"{where}: 'countries' must not be empty (use [GLOBAL])")
    for country in lists["countries"]:
        if not _COUNTRY_RE.match(country):
            raise CatalogError(f"{where}: country {country!r} is not an ISO alpha-2 code or GLOBAL")
    for tag in lists["hashtags"] + lists["handles"]:
        if not _HANDLE_RE.match(tag):
            raise CatalogError(f"{where}: hashtag/handle {tag!r} must be letters, digits or _ without #/@")
    status = entry.get("status_page")
    if status is not None and (not isinstance(status, str) or not status.startswith(("http://", "https://"))):
        raise CatalogError(f"{where}: 'status_page' must be an http(s) URL")
    parent = entry.get("parent")
    if parent is not None and (not isinstance(parent, str) or not parent.strip()):
        raise CatalogError(f"{where}: 'parent' must be a service name")
    generic = entry.get("generic", False)
    if not isinstance(generic, bool):
        raise CatalogError(f"{where}: 'generic' must be true or false")
    both = {a.lower() for a in lists["aliases"]} & {a.lower() for a in lists["ambiguous"]}
    if both:
        raise CatalogError(f"{where}: {sorted(both)} listed both as alias and as ambiguous")
    if lists["refiners"] and parent is None:
        raise CatalogError(f"{where}: 'refiners' need a 'parent' (they turn a parent mention into this service)")
    if generic and (lists["ambiguous"] or lists["handles"]):
        raise CatalogError(f"{where}: a generic service has trigger phrases in 'aliases' only")
    if not (lists["aliases"] or lists["ambiguous"] or lists["hashtags"] or lists["handles"]):
        raise CatalogError(f"{where}: needs at least one alias, hashtag or handle")
    area = entry.get("area")
    if area is not None:
        if not isinstance(area, str) or not area.strip():
            raise CatalogError(f"{where}: 'area' must be the name of a first-level division")
        if len(lists["countries"]) != 1 or lists["countries"][0] == "GLOBAL":
            raise CatalogError(f"{where}: 'area' needs exactly one country")
        area = area.strip()
    return Service(name=name.strip(), company=company.strip(), category=category, countries=lists["countries"],
                   aliases=lists["aliases"], hashtags=lists["hashtags"], handles=lists["handles"],
                   ambiguous=lists["ambiguous"], status_page=status, parent=parent, generic=generic,
                   refiners=lists["refiners"], area=area)


def _check_unique(services: list[Service]) -> None:
    names: dict[str, str] = {}
    for s in services:
        key = s.name.lower()
        if key in names:
            raise CatalogError(f"duplicate service name {s.name!r}")
        names[key] = s.name
    owners: dict[str, str] = {}  # unconditional alias / handle / hashtag -> service
    ambiguous: dict[str, str] = {}
    for s in services:
        for kind, values in (("alias", s.aliases), ("handle", s.handles), ("hashtag", s.hashtags)):
            for v in values:
                key = f"{kind}:{v.lower()}" if kind != "alias" else v.lower()
                if key in owners and owners[key] != s.name:
                    raise CatalogError(f"{kind} {v!r} is used by both {owners[key]!r} and {s.name!r}")
                owners[key] = s.name
        for v in s.ambiguous:
            ambiguous.setdefault(v.lower(), s.name)
    for alias, owner in ambiguous.items():
        if alias in owners:
            raise CatalogError(f"alias {alias!r} of {owners[alias]!r} is ambiguous for {owner!r}: list it as "
                               "ambiguous in both")
    for s in services:
        seen = {s.name}
        parent = s.parent
        while parent is not None:
            if parent.lower() not in names:
                raise CatalogError(f"service {s.name!r}: parent {parent!r} is not in the catalog")
            parent = names[parent.lower()]
            if parent in seen:
                raise CatalogError(f"service {s.name!r}: parent cycle through {parent!r}")
            seen.add(parent)
            parent = next(x.parent for x in services if x.name == parent)


_ASCII_TO_SPACE = bytes(b if (chr(b).isalnum() or b == 95 or b >= 128) else 32 for b in range(256))
# non-ASCII characters other than Latin, Greek and Cyrillic letters (punctuation such as ’ “ …, emoji, CJK/kana/hangul
# written without spaces) act as word boundaries
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f]")


def _normalise(low: str) -> str:
    """Same-length copy of a lower-cased text with every non-word character turned into a space.

    Keys are stored as " word " so the automaton reports whole words only. ASCII goes through a byte table (fast);
    only posts with non-ASCII characters pay for one regex pass over them.
    """
    out = low.encode("utf-8", "surrogatepass").translate(_ASCII_TO_SPACE).decode("utf-8", "surrogatepass")
    if not out.isascii():
        out = _NON_ASCII_NON_WORD.sub(" ", out)
    return out


_GLUED_URL = re.compile(r"(?<=[a-z0-9_])(?:https?(?=://)|pic(?=\.twitter\.com/))")


def _glued(padded: str, marker: str) -> bool:
    """Whether ``marker`` occurs in the normalised ``padded`` text right after a word character."""
    at = padded.find(marker)
    while at > 0:
        if padded[at - 1] != " ":
            return True
        at = padded.find(marker, at + len(marker))
    return False


def _in_url(low: str, start: int, stop: int) -> bool:
    """Whether ``low[start:stop]`` lies inside a URL (``http…``, ``www.…`` or ``host.tld/path``).

    A URL glued to the word before it ("@wcnchttps://twitter.com/…", "@MLGWpic.twitter.com/…") starts where its
    scheme or ``pic.twitter.com`` does; the word before it is not part of the URL.
    """
    begin = max(low.rfind(" ", 0, start), low.rfind("\n", 0, start)) + 1
    end = low.find(" ", stop)
    return _url_from(low[begin:] if end < 0 else low[begin:end], begin, start)


def _url_token(token: str, begin: int) -> bool | int:
    """What decides whether a span of the whitespace-delimited ``token`` (starting at ``begin``) is in a URL: a bool
    for the whole token, or the index where a URL glued to a word starts (spans from there on are in it)."""
    if token.startswith(("http", "www.")):
        return True
    if "/" not in token:
        return False
    for marker in ("http://", "https://", "pic.twitter.com/"):
        at = token.find(marker)
        if at > 0:
            return begin + at
    host, slash, _ = token.partition("/")
    if not slash or "." not in host:
        return False
    tld = host.rsplit(".", 1)[1]
    return tld.isalpha() and len(tld) >= 2


def _url_from(token: str, begin: int, start: int) -> bool:
    facts = _url_token(token, begin)
    return facts if isinstance(facts, bool) else facts <= start


class _UrlTokens:
    """:func:`_in_url` for many spans of one text: the token boundaries are found by bisection over the text's
    spaces and newlines (listed once) and each token is examined once, so a long post with thousands of hits costs
    time linear in its length rather than quadratic (every hit used to scan back to the previous newline)."""

    __slots__ = ("low", "spaces", "newlines", "facts")

    def __init__(self, low: str) -> None:
        self.low = low
        self.spaces = [m.start() for m in re.finditer(" ", low)]
        self.newlines = [m.start() for m in re.finditer("\n", low)]
        self.facts: dict[tuple[int, int], bool | int] = {}

    def __call__(self, start: int, stop: int) -> bool:
        sp, nl = self.spaces, self.newlines
        i, j = bisect_left(sp, start), bisect_left(nl, start)
        begin = max(sp[i - 1] if i else -1, nl[j - 1] if j else -1) + 1
        k = bisect_left(sp, stop, i)
        end = sp[k] if k < len(sp) else -1
        facts = self.facts.get((begin, end))
        if facts is None:
            token = self.low[begin:] if end < 0 else self.low[begin:end]
            facts = self.facts[(begin, end)] = _url_token(token, begin)
        return facts if isinstance(facts, bool) else facts <= start


def _lower(text: str) -> str:
    """Lower-case keeping every index aligned with ``text`` (a few characters change length when lower-cased)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class ServiceCatalog:
    """The services and a one-pass matcher over them (see the module docstring for the rules)."""

    def __init__(self, services: list[Service]) -> None:
        _check_unique(services)
        #: SHA-256 of the YAML the catalog was read from (:meth:`from_file`: of the file, as
        #: :func:`data_digest` computes it; :meth:`from_yaml`: of the text), ``None`` when built from objects
        self.digest: str | None = None
        self.services: dict[str, Service] = {s.name: s for s in services}
        self._by_lower = {s.name.lower(): s for s in services}
        self._names = [s.name for s in services]
        self._generic_rank = {i: rank for rank, i in enumerate(i for i, s in enumerate(services) if s.generic)}
        index = {s.name: i for i, s in enumerate(services)}
        self._ancestors: list[tuple[int, ...]] = []
        for s in services:
            chain, parent = [], s.parent
            while parent is not None:
                p = self._by_lower[parent.lower()]
                chain.append(index[p.name])
                parent = p.parent
            self._ancestors.append(tuple(chain))
        self._category_bit = {c: 1 << i for i, c in enumerate(CATEGORIES)}
        self._service_bit = [self._category_bit[s.category] for s in services]
        self._alias_lookup: dict[str, Service] = {}
        for s in services:
            for a in s.aliases + s.handles:
                self._alias_lookup.setdefault(a.lower(), s)
        self._infrastructure = [s.category in INFRASTRUCTURE for s in services]
        self._power_generic = {i for i, s in enumerate(services) if s.generic and s.category == "power_utility"}
        self._net_generic = next((i for i, s in enumerate(services) if s.generic and s.category == "isp"), None)
        self._power_fallback = next(iter(sorted(self._power_generic)), None)
        # ISPs and carriers, which a post about a game must blame to be the failing service (CONNECTION_WORDS)
        self._connection_infra = frozenset(i for i, s in enumerate(services) if s.category in ("isp", "mobile_carrier"))
        self._gaming = frozenset(i for i, s in enumerate(services) if s.category == "gaming")
        self._automaton = self._build(services)

    # ------------------------------------------------------------------ construction
    def _build(self, services: list[Service]) -> Any:
        table: dict[str, list[tuple[int, int]]] = {}

        def add(key: str, code: int, payload: int) -> None:
            key = _normalise(key.lower().strip().lstrip("#@"))
            if key.strip():
                table.setdefault(" " + key + " ", []).append((code, payload))

        for i, s in enumerate(services):
            for a in s.aliases:
                add(a, _KIND_CODES["generic" if s.generic else "alias"], i)
            for a in s.ambiguous:
                add(a, _KIND_CODES["ambiguous"], i)
            for h in s.hashtags:
                add(h, _KIND_CODES["hashtag"], i)
            for h in s.handles:
                add(h, _KIND_CODES["handle"], i)
            for r in s.refiners:
                add(r, _REFINER, i)
        self._add_derived_tags(services, table)
        for cue in FAILURE_CUES:
            add(cue, _CUE, 0)
        masks: dict[str, int] = {}
        for category, words in CATEGORY_CONTEXT.items():
            for w in words:
                masks[w] = masks.get(w, 0) | self._category_bit[category]
        for words, bit in ((CONNECTION_WORDS, _CONN_BIT), (POWER_HINTS, _POWER_HINT_BIT), (NET_HINTS, _NET_HINT_BIT),
                           (OUTAGE_WORDS, _OUTAGE_BIT), (HARD_FAILURE_CUES, _HARD_CUE_BIT)):
            for w in words:
                masks[w] = masks.get(w, 0) | bit
        for w, mask in masks.items():
            add(w, _CTX, mask)
        for b in BLOCKERS:
            add(b, _BLOCK, 0)
        automaton = ahocorasick.Automaton()
        for key, entries in table.items():
            cue = any(code == _CUE for code, _ in entries)
            mask = 0
            for code, payload in entries:
                if code == _CTX:
                    mask |= payload
            block = any(code == _BLOCK for code, _ in entries)
            named = tuple((code, payload) for code, payload in entries if code < _CUE)
            refines = tuple(payload for code, payload in entries if code == _REFINER)
            automaton.add_word(key, (len(key), cue, mask, block, named, refines))
        automaton.make_automaton()
        return automaton

    @staticmethod
    def _add_derived_tags(services: list[Service], table: dict[str, list[tuple[int, int]]]) -> None:
        """Handles and hashtags derived from a service's names, for the ways people write them.

        * ``@<name>_<anything>``: a regional or team account of the service (``@BSNL_KTK``, ``@Eskom_Gauteng``)
          counts as its handle;
        * ``#<name><suffix>`` with a :data:`HASHTAG_SUFFIXES` suffix (``#kplccustomercare``, ``#verizonisdown``) and
          ``#<name>_<suffix>`` with a :data:`HASHTAG_SEPARATED` one (``#fios_outage``) count as its hashtag.

        Only names of three or more characters (spaces removed) that belong to one service are used, and never over a
        key the catalog already has; a name that is also an ordinary word (ambiguous anywhere: ``sky``, ``cox``) gives
        no handles (``@sky_jfk`` is an airport fan, ``@cox_coke`` a person).
        """
        def norm(name: str) -> str:
            return _normalise(name.lower().strip().lstrip("#@")).replace(" ", "")

        owners: dict[str, set[int]] = {}
        for i, s in enumerate(services):
            if s.generic:
                continue
            for name in s.aliases + s.ambiguous + s.handles + s.hashtags:
                key = norm(name)
                if len(key) >= 3:
                    owners.setdefault(key, set()).add(i)
        common = {norm(a) for s in services for a in s.ambiguous}
        for key, idx in owners.items():
            if len(idx) != 1:
                continue
            i = next(iter(idx))
            derived = [] if key in common else [(" " + key + "_", _KIND_CODES["handle"])]
            derived += [(" " + key + suffix + " ", _KIND_CODES["hashtag"]) for suffix in HASHTAG_SUFFIXES]
            derived += [(" " + key + "_" + suffix + " ", _KIND_CODES["hashtag"]) for suffix in HASHTAG_SEPARATED]
            for k, code in derived:
                if k not in table:
                    table[k] = [(code, i)]

    @classmethod
    def from_file(cls, path: str | Path) -> "ServiceCatalog":
        """Load and validate a catalog YAML file; raises :class:`CatalogError` when it is malformed."""
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CatalogError(f"cannot read catalog {path}: {exc}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogError(f"{path}: not UTF-8 text ({exc})") from None
        catalog = cls.from_yaml(text, source=str(path))
        catalog.digest = _file_bytes_digest(Path(path).name, data)
        return catalog

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> "ServiceCatalog":
        """Build a catalog from YAML text of the packaged schema (``services:`` list)."""
        import yaml

        try:
            data = yaml.load(text, Loader=_yaml_loader())
        except yaml.YAMLError as exc:
            raise CatalogError(f"{source}: not valid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("services"), list):
            raise CatalogError(f"{source}: expected a mapping with a 'services' list")
        if not data["services"]:
            raise CatalogError(f"{source}: the 'services' list is empty")
        try:
            catalog = cls([_parse_service(e, i) for i, e in enumerate(data["services"])])
        except CatalogError as exc:
            raise CatalogError(f"{source}: {exc}") from None
        catalog.digest = _file_bytes_digest("<yaml>", text.encode("utf-8"))
        return catalog

    @classmethod
    def default(cls) -> "ServiceCatalog":
        """The packaged catalog (:data:`CATALOG_FILE`): once per process, from the on-disk model cache
        (:mod:`outageradar.classify.cache`) when it holds one for the current file, else parsed and compiled."""
        from outageradar.classify import cache

        return cache.catalog()

    # ------------------------------------------------------------------ lookup
    def get(self, name: str) -> Service | None:
        """A service by canonical name (any case), or by an unambiguous alias or handle."""
        key = name.strip().lower().lstrip("@")
        return self._by_lower.get(key) or self._alias_lookup.get(key)

    def __len__(self) -> int:
        return len(self.services)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_lower

    # ------------------------------------------------------------------ matching
    def _scan(self, text: str) -> tuple[list[_Hit], list[tuple[int, int]], list[tuple[int, int, int]],
                                        list[tuple[int, int, int]]]:
        """One automaton pass over ``text``.

        Returns the accepted service hits ``(start, end, service index, kind code)``, the failure-cue spans, the
        refiner hits ``(start, end, child index)`` and the context-word hits ``(start, end, mask)``.
        """
        low = _lower(text)
        padded = " " + _normalise(low) + " "
        url_possible = "/" in low
        if url_possible and (padded.count("http") != padded.count(" http")
                             or "pic.twitter.com/" in low and _glued(padded, "pic twitter")):
            padded = _unglue_urls(low, padded)  # rare: only then a regex pass
        raw: list[_Hit] = []
        cues: list[tuple[int, int]] = []
        ctx: list[tuple[int, int, int]] = []
        blocks: list[tuple[int, int]] = []
        refs: list[tuple[int, int, int]] = []
        in_url = _UrlTokens(low) if url_possible else None
        for last, (klen, cue, mask, block, named, refines) in self._automaton.iter(padded):
            # keys are " word ": the word is text[start:stop]
            stop = last - 1
            start = stop - klen + 2
            if cue:
                cues.append((start, stop))
            if mask:
                ctx.append((start, stop, mask))
            if block:
                blocks.append((start, stop))
            if refines:
                for index in refines:
                    refs.append((start, stop, index))
            if not named or (in_url is not None and in_url(start, stop)):
                continue
            prev = low[start - 1] if start else " "
            for code, index in named:
                if code == 2 or code == 3:  # hashtag / handle keys count only with their sign
                    if prev == ("#" if code == 2 else "@"):
                        raw.append((start - 1, stop, index, code))
                elif code != 4 and (prev == "@" or prev == "#"):  # an alias typed as a handle or hashtag
                    raw.append((start - 1, stop, index, 3 if prev == "@" else 2))
                else:
                    raw.append((start, stop, index, code))
        if len(raw) > 1:  # the longest match wins where hits overlap
            raw = _longest_hits(raw)
        if any(h[3] == 1 for h in raw):
            spans = (_Spans(ctx), _Spans(cues), _Spans(blocks))
            hits = [h for h in raw if h[3] != 1 or self._ambiguous_ok(text, h, *spans)]
        else:
            hits = raw
        if blocks and any(h[3] == 4 for h in hits):  # a denied trigger ("it's not a power outage") does not count
            denied = _Spans(blocks)
            hits = [h for h in hits if h[3] != 4 or not any(b0 <= h[0] and h[1] <= b1
                                                            for b0, b1 in denied.touching(h[0], h[1]))]
        return hits, cues, refs, ctx

    def _ambiguous_ok(self, text: str, hit: tuple[int, int, int, int], ctx: _Spans, cues: _Spans,
                      blocks: _Spans) -> bool:
        start, stop, index, _ = hit
        for _block in blocks.touching(start - 1, stop + 1):
            return False
        lower = text[start:stop].islower()
        if lower and stop - start <= SHORT_ACRONYM:
            return False  # "bt" (but), "ups", "hp" written in lower case are ordinary words
        bit = self._service_bit[index]
        lo, hi = start - CONTEXT_WINDOW, stop + CONTEXT_WINDOW
        for c0, c1, mask in ctx.touching(lo, hi):
            if mask & bit and not (c0 >= start and c1 <= stop):
                return True
        if not lower:  # a capitalised name may also rest on a failure cue alone
            for _cue in cues.touching(lo, hi):
                return True
        return False

    def mentions(self, text: str) -> list[Mention]:
        """All service mentions in ``text`` in order (generic trigger phrases included, kind 'generic')."""
        kinds = ("alias", "alias", "hashtag", "handle", "generic")
        hits = self._scan(text)[0]
        return [Mention(self._names[i], s, e, kinds[k]) for s, e, i, k in hits]

    def identify(self, text: str) -> str | None:
        """The service the post reports as failing (or is about), or ``None`` when none is named."""
        hits, cues, refs, ctx = self._scan(text)
        if not hits:
            if cues:
                for _, _, mask in ctx:
                    if mask & _HINT_BITS:
                        return self._hinted_generic(cues, ctx)
            return None
        if len(hits) == 1 or all(h[2] == hits[0][2] for h in hits):  # fast path: one service named
            index, kind = hits[0][2], hits[0][3]
            if kind == 4:
                return self._names[index]
            return self._names[self._refine(index, refs, _Spans(cues)) if refs else index]
        nearest = _Spans(cues)
        base, near, first, generic = self._evidence(text, hits, nearest if cues else None)
        best = self._weigh(base, near, ctx, generic)
        if not best:
            return None if generic is None else self._names[generic]
        if len(best) > 1:  # a sub-service absorbs its ancestors' evidence
            self._absorb_ancestors(best, first)
        winner = max(best, key=lambda i: (best[i], -first[i]))
        if refs:
            winner = self._refine(winner, refs, nearest)
        return self._names[winner]

    def _evidence(self, text: str, hits: list[_Hit], nearest: _Spans | None) -> tuple[
            dict[int, float], dict[int, int], dict[int, int], int | None]:
        """What the hits of a post naming several services say of each: the weight of its strongest kind of mention,
        the characters from its nearest mention to a failure cue (``nearest``: the cues, or ``None`` when there are
        none), where it is first named, and the best-ranked generic trigger phrase (or ``None``)."""
        first: dict[int, int] = {}
        generic: int | None = None
        lead = -1
        near: dict[int, int] = {}  # service -> characters from its nearest mention to a failure cue
        base: dict[int, float] = {}  # service -> weight of its strongest kind of mention
        for start, stop, index, kind in hits:
            if kind == 4:
                if generic is None or self._generic_rank[index] < self._generic_rank[generic]:
                    generic = index
                continue
            if kind == 3:
                if lead < 0:
                    m = _LEAD_RE.match(text) if text[:1] in "@.R" else None
                    lead = m.end() if m else 0
                weight = ADDRESSED_WEIGHT if start < lead else KIND_WEIGHT["handle"]
            elif kind == 2:
                weight = KIND_WEIGHT["hashtag"]
            else:
                if lead < 0:
                    m = _LEAD_RE.match(text) if text[:1] in "@.R" else None
                    lead = m.end() if m else 0
                # an alias opening the post (after any handles) is its subject or addressee: "Tizeti your network..."
                weight = KIND_WEIGHT["handle"] if start <= lead else KIND_WEIGHT["alias"]
            # a service named several times gets its strongest kind of mention and its mention nearest a cue
            if weight > base.get(index, -1.0):
                base[index] = weight
            if nearest is not None:
                d = nearest.distance(start, stop)
                if d < near.get(index, 1 << 30):
                    near[index] = d
            first.setdefault(index, start)
        return base, near, first, generic

    def _weigh(self, base: dict[int, float], near: dict[int, int], ctx: list[tuple[int, int, int]],
               generic: int | None) -> dict[int, float]:
        """Service -> score: its mention weight, plus proximity to a failure cue and the infrastructure prior; a game
        beats an ISP unless the connection is blamed, and a power cut or dead connection leaves infrastructure only."""
        best: dict[int, float] = {}
        for index, weight in base.items():
            if index in near:
                weight += PROXIMITY_WEIGHT / (1.0 + near[index] / PROXIMITY_SCALE)
            if self._infrastructure[index]:
                weight += INFRASTRUCTURE_PRIOR
            best[index] = weight
        if near and not self._gaming.isdisjoint(best) and not self._connection_infra.isdisjoint(best):
            # a game and an ISP or carrier: the game's own servers are failing unless the post blames the connection
            # (a connection word, or the failure cue nearer the ISP than the game)
            game = min(near.get(i, 1 << 30) for i in self._gaming.intersection(best))
            isp = min(near.get(i, 1 << 30) for i in self._connection_infra.intersection(best))
            if game < isp and not any(m & _CONN_BIT for _, _, m in ctx):
                best = {i: w for i, w in best.items() if i not in self._connection_infra}
        if best and generic is not None and (generic in self._power_generic or generic == self._net_generic):
            # a power cut or a dead connection explains an app failing at the user's end: only infrastructure competes
            best = {i: w for i, w in best.items() if self._infrastructure[i]}
        return best

    def _absorb_ancestors(self, best: dict[int, float], first: dict[int, int]) -> None:
        """In place: each named sub-service takes its named ancestors' score and first mention, and they drop out."""
        scores, absorbed = dict(best), set()
        for index in scores:
            for anc in self._ancestors[index]:
                if anc in scores:
                    best[index] = max(best[index], scores[anc]) + 0.01
                    first[index] = min(first[index], first[anc])
                    absorbed.add(anc)
        for anc in absorbed:
            del best[anc]

    def _hinted_generic(self, cues: list[tuple[int, int]], ctx: list[tuple[int, int, int]]) -> str | None:
        """``power grid`` or ``internet`` for a post that names no service and no trigger phrase but reports an outage
        in a utility's words (:data:`POWER_HINTS` and an outage word) or says its internet/wifi/network fails (a
        :data:`NET_HINTS` word within :data:`HINT_WINDOW` of a failure cue); the hint nearest a cue wins."""
        flags = 0
        for _, _, mask in ctx:
            flags |= mask
        power = bool(flags & _POWER_HINT_BIT and flags & _OUTAGE_BIT) and self._power_fallback is not None
        net = bool(flags & _NET_HINT_BIT) and self._net_generic is not None
        if not (power or net):
            return None
        # Only distances up to HINT_WINDOW decide (d_net must be within it and at most d_power), so each hint looks
        # at the cues in a window around it: time linear in the post's length, exactly the all-pairs result.
        d_net = d_power = 1 << 30
        all_cues = _Spans(cues) if power else None
        hard = _Spans([(c0, c1) for c0, c1, m in ctx if m & _HARD_CUE_BIT]) if net else None
        for start, stop, mask in ctx:
            if mask & _POWER_HINT_BIT and all_cues is not None:
                d = 1 << 30  # to the nearest failure cue other than the hint itself ("restored")
                for c0, c1 in all_cues.touching(start - HINT_WINDOW - 1, stop + HINT_WINDOW + 1):
                    if c0 >= start and c1 <= stop:
                        continue
                    gap = c0 - stop if c0 >= stop else (start - c1 if c1 <= start else 0)
                    if gap < d:
                        d = gap
                if d < d_power:
                    d_power = d
            if mask & _NET_HINT_BIT and hard is not None:
                # an internet word needs a hard cue ("wifi is out", not "issues with your wifi")
                for c0, c1 in hard.touching(start - HINT_WINDOW, stop + HINT_WINDOW):
                    if c0 >= start and c1 <= stop:
                        continue
                    gap = c0 - stop if c0 >= stop else (start - c1 if c1 <= start else 0)
                    if gap < d_net:
                        d_net = gap
        if net and d_net <= HINT_WINDOW and (not power or d_net <= d_power):
            return self._names[self._net_generic]
        # utility words and an outage word, however far apart
        return self._names[self._power_fallback] if power else None

    def _refine(self, index: int, refs: list[tuple[int, int, int]], cues: _Spans) -> int:
        """Replace a parent by the descendant whose refiner words the post uses (nearest a failure cue wins)."""
        best_child, best_d = index, -1
        for start, stop, child in refs:
            if index in self._ancestors[child]:
                d = cues.distance(start, stop) if cues else 0
                if best_d < 0 or d < best_d:
                    best_child, best_d = child, d
        return best_child


def _distance(start: int, stop: int, spans: list[tuple[int, int]]) -> int:
    """Characters between ``[start, stop)`` and the nearest span (0 when they touch or overlap)."""
    d = 1 << 30
    for s0, s1 in spans:
        gap = s0 - stop if s0 >= stop else (start - s1 if s1 <= start else 0)
        if gap < d:
            d = gap
    return d


class _Spans:
    """Spans ``(s0, s1, ...)`` of one post, indexed for the two questions the matcher asks of them per hit: the
    distance to the nearest span (:func:`_distance`, by bisection) and the spans touching a window (those with
    ``s1 >= lo`` and ``s0 <= hi``). Asked once per hit over every span, both were quadratic in a long post."""

    __slots__ = ("items", "ends", "starts", "reach", "longest")

    def __init__(self, spans: list) -> None:
        self.items = sorted(spans, key=lambda s: s[1])
        self.ends = [s[1] for s in self.items]
        by_start = sorted((s[0], s[1]) for s in spans)
        self.starts = [s0 for s0, _ in by_start]
        self.reach = list(accumulate((s1 for _, s1 in by_start), max))  # furthest end among spans starting so far
        self.longest = max((s[1] - s[0] for s in spans), default=0)

    def __len__(self) -> int:
        return len(self.items)

    def distance(self, start: int, stop: int) -> int:
        """``_distance(start, stop, spans)``."""
        d = 1 << 30
        k = bisect_left(self.starts, stop)  # spans [0, k) start before ``stop``
        if k < len(self.starts):
            d = self.starts[k] - stop
        if k:
            if self.reach[k - 1] > start:
                return 0  # one of them ends after ``start``: they overlap
            j = bisect_left(self.ends, start + 1)  # the others end at or before ``start``
            if j:
                d = min(d, start - self.ends[j - 1])
        return d

    def touching(self, lo: int, hi: int):
        """The spans with ``s1 >= lo`` and ``s0 <= hi``, in order of their ends."""
        items, ends = self.items, self.ends
        i, limit = bisect_left(ends, lo), hi + self.longest  # s0 <= hi implies s1 <= hi + the longest span
        while i < len(items) and ends[i] <= limit:
            if items[i][0] <= hi:
                yield items[i]
            i += 1


def _unglue_urls(low: str, padded: str) -> str:
    """``padded`` with each URL glued to the word before it ("@MLGWpic.twitter.com/…", "outagehttps://…") blanked
    from its first letters, which are a word boundary: the word before it still counts."""
    pieces, done = [], 0  # one join, not one copy of the text per URL
    for m in _GLUED_URL.finditer(low):
        pieces += (padded[done:m.start() + 1], " " * (m.end() - m.start()))
        done = m.end() + 1
    if pieces:
        padded = "".join(pieces) + padded[done:]
    return padded


def _longest_hits(raw: list[_Hit]) -> list[_Hit]:
    """The hits not inside a longer one, each service matched once per span (alias and handle), in text order."""
    raw.sort(key=_hit_order)
    kept: list[_Hit] = []
    seen: set[_Hit] = set()
    span = (-1, -1)  # the kept hit reaching furthest right
    for h in raw:
        if (h[1] <= span[1] and (h[0], h[1]) != span) or h in seen:
            continue  # inside a longer hit, or the same service matched twice (alias and handle)
        kept.append(h)
        seen.add(h)
        if h[1] > span[1]:
            span = (h[0], h[1])
    return kept


def _hit_order(hit: _Hit) -> tuple[int, int]:
    return hit[0], hit[0] - hit[1]


def data_digest() -> str:
    """SHA-256 (hex) of :data:`CATALOG_FILE` as :func:`outageradar.classify.cache.digest_files` computes it: the
    :attr:`ServiceCatalog.digest` the packaged catalog will have, without parsing it. It keys the cached catalog and
    is part of the tagger's model version."""
    from outageradar.classify.cache import digest_files

    return digest_files([CATALOG_FILE])


def _file_bytes_digest(name: str, data: bytes) -> str:
    """:func:`outageradar.classify.cache.digest_files` of one file called ``name`` holding ``data``."""
    import hashlib

    return hashlib.sha256(name.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()
