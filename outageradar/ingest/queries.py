"""Search queries and an in-process term matcher built from the service catalog, as plain data.

Ingest must not import ``outageradar.classify``, so the CLI passes the catalog's services in: any sequence of
``(name, aliases, hashtags, handles)`` tuples, of objects with those attributes (``classify.catalog.Service``), or a
``{name: service}`` dict. Objects with ``generic=True`` (``power grid``, ``internet``) contribute their aliases as
complete phrases ("power outage", "no internet") instead of "<alias> down".

- :func:`outage_phrases` - "<alias> down", "<alias> not working", "<alias> outage", "#<alias>down", "@<handle>" ...
- :func:`x_queries` - OR-joined X search queries, each within the 512-character limit (split into several).
- :func:`or_queries` - the same packing for Reddit / Bluesky search (plain ``OR`` syntax, no X operators).
- :class:`TermMatcher` - one Aho-Corasick automaton over alias/hashtag/handle terms (and optionally outage cue words)
  with word-boundary checks, for filtering listings and the Jetstream firehose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import ahocorasick

X_QUERY_LIMIT = 512
X_SUFFIX = "-is:retweet"
PHRASE_TEMPLATES = ("{a} down", "{a} not working", "{a} outage", "{a} is down")
CUE_WORDS = (
    "down", "outage", "outages", "not working", "isn't working", "is not working", "stopped working", "not loading",
    "won't load", "can't connect", "cannot connect", "cant connect", "no service", "no signal", "offline", "broken",
    "error", "errors", "crashed", "crashing", "unavailable", "not responding", "went out", "is out", "no internet",
)


@dataclass(frozen=True)
class ServiceTerms:
    name: str
    aliases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    generic: bool = False


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v if x)


def service_terms(services: Any) -> list[ServiceTerms]:
    """Normalise the CLI's service data (tuples, objects, or a name->object dict) to :class:`ServiceTerms`."""
    if services is None:
        return []
    if isinstance(services, dict):
        services = list(services.values())
    out = []
    for s in services:
        if isinstance(s, ServiceTerms):
            out.append(s)
        elif isinstance(s, (tuple, list)):
            name, aliases, hashtags, handles = (list(s) + [(), (), ()])[:4]
            out.append(ServiceTerms(str(name), _tuple(aliases), _tuple(hashtags), _tuple(handles)))
        else:
            out.append(ServiceTerms(str(s.name), _tuple(getattr(s, "aliases", ())), _tuple(getattr(s, "hashtags", ())),
                                    _tuple(getattr(s, "handles", ())), bool(getattr(s, "generic", False))))
    return out


def select_services(services: Sequence[ServiceTerms], names: Iterable[str] | None) -> list[ServiceTerms]:
    """Only the services named in ``names`` (case-insensitive); all of them when ``names`` is empty."""
    wanted = {n.lower() for n in (names or ())}
    return [s for s in services if not wanted or s.name.lower() in wanted]


_TAG_RE = re.compile(r"[^0-9a-z_]")


def tag_of(alias: str) -> str:
    """The hashtag form of an alias: lower case, letters/digits/_ only ("Apple Music" -> "applemusic")."""
    return _TAG_RE.sub("", alias.lower())


def _quote(term: str) -> str:
    term = term.replace('"', "").strip()
    return f'"{term}"' if (" " in term or "-" in term or "." in term) else term


def service_clauses(s: ServiceTerms, x_syntax: bool = True) -> list[str]:
    """Search clauses for one service: quoted outage phrases, #<alias>down hashtags, catalog hashtags, @handles."""
    seen: dict[str, None] = {}
    names = list(dict.fromkeys(a.strip() for a in (s.aliases or (s.name,)) if a.strip()))
    for a in names:
        if s.generic:
            seen[_quote(a) if " " in a else f'"{a}"'] = None
            continue
        for tpl in PHRASE_TEMPLATES[:2]:
            seen[f'"{tpl.format(a=a.replace(chr(34), ""))}"'] = None
        t = tag_of(a)
        if t and x_syntax:
            seen[f"#{t}down"] = None
    for h in s.hashtags:
        h = tag_of(h.lstrip("#"))
        if h:
            seen[f"#{h}" if x_syntax else h] = None
    if x_syntax:
        for h in s.handles:
            h = h.lstrip("@").strip()
            if h:
                seen[f"@{h}"] = None
    return list(seen)


def _pack(clauses: Iterable[str], limit: int, wrap) -> list[str]:
    queries, current = [], []
    for c in clauses:
        trial = wrap(current + [c])
        if len(trial) <= limit:
            current.append(c)
            continue
        if current:
            queries.append(wrap(current))
        if len(wrap([c])) > limit:  # a single clause too long for any query: leave it out
            current = []
            continue
        current = [c]
    if current:
        queries.append(wrap(current))
    return queries


def x_queries(services: Any, extra_terms: Iterable[str] = (), limit: int = X_QUERY_LIMIT,
              suffix: str = X_SUFFIX) -> list[str]:
    """OR-joined X recent-search queries covering every service, each at most ``limit`` characters.

    ``extra_terms`` (from the config file) are added as quoted phrases. Each query is ``(a OR b OR ...) <suffix>``.
    """
    clauses = [c for s in service_terms(services) for c in service_clauses(s)]
    clauses += [_quote(t) if not t.startswith(("#", "@")) else t for t in extra_terms if t.strip()]
    clauses = list(dict.fromkeys(clauses))
    tail = f" {suffix}" if suffix else ""
    return _pack(clauses, limit, lambda cs: f"({' OR '.join(cs)}){tail}" if len(cs) > 1 else f"{cs[0]}{tail}")


def or_queries(services: Any, extra_terms: Iterable[str] = (), limit: int = 512) -> list[str]:
    """Plain ``a OR b`` queries (Reddit, Bluesky search) of quoted outage phrases and hashtag words."""
    clauses = [c for s in service_terms(services) for c in service_clauses(s, x_syntax=False)]
    clauses += [_quote(t) for t in extra_terms if t.strip()]
    clauses = list(dict.fromkeys(clauses))
    return _pack(clauses, limit, lambda cs: " OR ".join(cs))


def match_terms(services: Any, extra_terms: Iterable[str] = ()) -> list[str]:
    """Lower-cased terms for :class:`TermMatcher`: aliases, #hashtags, #<alias>down, @handles, extra terms."""
    terms: dict[str, None] = {}
    for s in service_terms(services):
        for a in s.aliases:
            a = a.strip().lower()
            if len(a) >= 3:
                terms[a] = None
                if not s.generic and tag_of(a):
                    terms[f"#{tag_of(a)}down"] = None
        for h in s.hashtags:
            terms["#" + tag_of(h.lstrip("#"))] = None
        for h in s.handles:
            terms["@" + h.lstrip("@").lower()] = None
    for t in extra_terms:
        if t.strip():
            terms[t.strip().lower()] = None
    return [t for t in terms if t.strip("#@")]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class TermMatcher:
    """Finds catalog terms in text with one Aho-Corasick pass and word-boundary checks.

    ``cues``: when given, :meth:`matches` also needs one cue word ("down", "not working", ...) in the text.
    Everything is lower-cased; call :meth:`find` with lower-cased text.
    """

    def __init__(self, terms: Iterable[str], cues: Iterable[str] = ()):
        self.automaton = ahocorasick.Automaton()
        self.n_terms = 0
        for t in terms:
            t = t.strip().lower()
            if t:
                self.automaton.add_word(t, (0, t))
                self.n_terms += 1
        self.need_cue = False
        for c in cues:
            c = c.strip().lower()
            if c:
                if c in self.automaton:
                    _, t = self.automaton.get(c)
                    self.automaton.add_word(c, (2, t))  # both a term and a cue
                else:
                    self.automaton.add_word(c, (1, c))
                self.need_cue = True
        if len(self.automaton) == 0:
            self.automaton.add_word("\x00never\x00", (0, "\x00never\x00"))
        self.automaton.make_automaton()

    def find(self, lower: str) -> tuple[set[str], bool]:
        """(terms found, whether a cue was found) in already lower-cased text."""
        found: set[str] = set()
        cue = False
        n = len(lower)
        for end, (kind, word) in self.automaton.iter(lower):
            start = end - len(word) + 1
            if start > 0 and _is_word(lower[start - 1]) and _is_word(word[0]):
                continue
            if end + 1 < n and _is_word(lower[end + 1]) and _is_word(word[-1]):
                continue
            if kind:
                cue = True
            if kind != 1:
                found.add(word)
        return found, cue

    def matches(self, text: str) -> bool:
        found, cue = self.find(text.lower())
        return bool(found) and (cue or not self.need_cue)
