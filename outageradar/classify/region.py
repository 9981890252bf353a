"""Region tagger: where is the outage a post reports? Country (ISO 3166-1 alpha-2), first-level division and city.

Evidence is taken in order of reliability, and the :class:`Region` keeps which one was used:

1. ``coordinates`` — the post's point, reverse-geocoded offline by ``reverse_geocoder`` (its own table of towns over
   1,000 people; loaded lazily, once, single process). :meth:`RegionTagger.tag_many` batches all points of a batch
   into one k-d tree query, since each query has a large fixed cost.
2. ``place`` — the platform's place name ("Manhattan, NY", "Lagos, Nigeria", "Iowa, USA"), parsed as
   "name, state-or-country".
3. ``text`` — places named in the post. One Aho-Corasick pass over the normalised text (see
   :func:`gazetteer.normalise`) finds every whole-word gazetteer name; each mention is then judged on its own form and
   neighbours, because most words that can be places are not (Time, Best, Nice, Mobile, Reading, Of, "IN", "OR"):

   * a name next to its state or country ("Decatur GA", "Paris, TX", "Portland, Oregon") counts, and picks the
     matching one of same-named places; an unknown small town counts when reverse_geocoder's table confirms it lies
     in the state that follows it ("Salisbury Mass", "Brandywine, MD");
   * a name in place context counts: after in/at/near/from/across/around/to/between … (compass words and "metro",
     "downtown" may sit between: "in North Central Phoenix"), after "city of"/"part of" or a distance ("within 20km
     of central Sydney"), before area/state/branch … ("Hornsby area", "Lagos State"), or as a hashtag (#Lagos,
     #medford, #NewYork);
   * otherwise a capitalised name counts alone only if it is not an English word, a given name or a brand (those
     lists are in the data files), is not glued to other capitalised words ("Georgia Power", "Dallas Cowboys") and,
     for a city, has at least :data:`FREE_CITY_POPULATION` people. Lower-case names need context and a large place.
   * state abbreviations never count alone except in context ("in GA"); "OR", "IN", "ME", "OK", "HI" only after a
     town. Capital-only forms (US, UK, SF, airport codes) need capitals, and in all-capital posts context too.
   * a small town of the home countries (1,000-15,000 people, not in the automaton: :attr:`Gazetteer.small_towns`,
     whose names are no dictionary word, given name or brand) counts only in strong context: its capitalised name
     right after in/at/near/around/outside/across/throughout/within/inside ("No school today in Port Hood", "outage
     in Spearwood, WA"), or right before a school or area word ("Kilgore High School", "the Sidmouth area",
     "Timmonsville schools"). The whole capitalised run must be the name (or the rest of it a school/area word: "in
     Port Hood Elementary"; a run ends at a sentence end or a date: "in Napanee. No", "at Gosnell Tuesday"); a name
     followed by a street or venue word ("in Markfield Rd", "at Twin City mall") is not a town; "the" may not come
     between ("at the Four Seasons"); not in all-capital posts. It also confirms a town followed by its state ("Port
     Hood, NS").
   * a known (automaton) city right before a school word counts like such a town ("East Haven High School"), unless
     it is a given name or brand ("Lincoln High School", "Jackson Elementary" stay unplaced). After the North
     American words (high school, middle school, elementary, junior high, school district) only US and Canadian
     towns are candidates ("Acton Middle School" is Acton, Massachusetts).
   * a US county ("Monongalia County", "Orleans Parish") counts like a city of 100,000 people and places its state; a
     county name shared by several states ("Washington County") names only the US unless the post names the state.
   * a US ZIP code in explicit context ("zip 60431", "zip code is 30030", "ZIP: 98052") gives its state, from the
     3-digit prefix table ``data/places_us_zip3.tsv``.

   Among the accepted mentions the first one of the finest level wins (a town known only from a school or area word
   ranks after the other mentions of its level: "Fairview Elementary in Columbia" is Columbia); a name shared by
   several places resolves to the one consistent with the other mentions (a state or country named in the post),
   else the most populous. Same-named small towns resolve more strictly: if the post names a state or country only a
   town there counts; else, preferring the countries of the other places the post names ("North Beach High School in
   Ocean Shores"), a town :data:`~outageradar.classify.gazetteer.HOME_WEIGHT` times larger than the others, else the
   one country they all lie in, else nothing.
4. ``profile`` — the author's free-text location ("Boston, MA", "London", "🇬🇧 UK"), read like text where every
   mention is in place context, plus flag emoji.

The tagger does no I/O per post; building it (gazetteer and automaton) takes one to two seconds and is cached.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from outageradar.classify.gazetteer import (
    ADMIN1,
    CITY,
    COUNTRY,
    HOME_COUNTRIES,
    HOME_WEIGHT,
    Candidate,
    Entry,
    Gazetteer,
    normalise,
)

FREE_CITY_POPULATION = 100_000
"""A capitalised city name with no place context counts only for a city this large (smaller ones need context)."""

MAJOR_CITY_POPULATION = 1_000_000
"""Outside :data:`HOME_COUNTRIES`, a city must be this large to count without place context."""

LOWER_CASE_POPULATION = 200_000
"""An all-lower-case city name counts (in place context) only for a city this large."""

EVIDENCE = ("coordinates", "place", "text", "profile")

_CONTEXT = frozenset(
    "in at near from across around over to outside throughout into between via towards toward within inside thru through"
    " visiting visit leaving left arrived arriving reach reached landed based living lives live located".split()
)
_MODIFIERS = frozenset(
    "the north south east west central northern southern eastern western downtown metro greater uptown midtown rural"
    " suburban inner outer ne nw se sw northeast northwest southeast southwest mid all of whole city area parts".split()
)
_OF_HEADS = frozenset(
    "city town state part parts area province county suburbs outskirts streets residents heart centre center rest"
    " capital people north south east west region village".split()
)
_SUFFIXES = frozenset(
    "area areas state city county region province branch office airport station metro residents suburbs downtown"
    " neighborhood neighbourhood junction district location store outlet office customers users outage outages"
    " power internet office campus mall rd road street st ave avenue way axis environs town limited ltd plc".split()
)
_ORGS = frozenset(
    "airways airlines airline air bank banking power energy electric telecom telecoms mobile broadband water gas"
    " railways railway times post news today tribune herald game team fc united vs"
    " cowboys insurance hydro".split()
)
_TOWN_CUES = frozenset("in at near around outside across throughout within inside".split())
"""Words after which a capitalised name may be a small town (:attr:`Gazetteer.small_towns`): "in Port Hood"."""
_SCHOOL = (
    "high school", "middle school", "elementary", "primary school", "secondary school", "junior high",
    "school district", "public schools", "schools",
)
"""School words after which a capitalised name may be a town: "Kilgore High School", "Timmonsville schools"."""
_SCHOOL_NA = frozenset(("high school", "middle school", "elementary", "junior high", "school district"))
"""North American school words: the town before one is looked for in the US and Canada only ("Acton Middle School"
is Acton, Massachusetts, not London's Acton)."""
_TOWN_SUFFIXES = _SCHOOL + ("area", "residents", "township")
"""Words before which a capitalised name may be a small town: "the Sidmouth area", "Port Hood residents"."""
_LEADING = frozenset("the at in no for to from and our all".split())
"""Capitalised words that may open a run before a school/area word without being part of the name ("The Kilgore")."""
_TOWN_TAIL = frozenset(
    "area areas residents region district township city town village elementary high middle primary secondary junior"
    " public school schools".split()
)
"""Capitalised words that may follow a small town in one run ("Port Hood Elementary"); a town name never ends in one
("Central High School" is not the town Central High)."""
_NOT_TOWN_AFTER = frozenset(
    "road rd street st avenue ave drive dr lane ln place pl boulevard blvd way court ct crescent highway hwy park"
    " valley lake river mall estate hill heights beach airport station square plaza hotel resort bridge".split()
)
"""Lower-case words after which a capitalised name is a street, venue or feature, not a town ("Markfield Rd")."""
_DATE_WORDS = frozenset(
    "today tonight tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu"
    " thur thurs fri sat sun january february march april may june july august september october november december jan feb"
    " mar apr jun jul aug sep sept oct nov dec".split()
)
_ABBREVIATED = frozenset("st. mt. ft. pt. ste.".split())
_RUN = re.compile(r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}")
_ZIP = re.compile(
    r"\bzip(?:\s*codes?|s)?\b\W{0,3}(?:is\s+|of\s+)?(\d{5})(?:-\d{4})?\b|\b(\d{5})\s+zip\b", re.I
)
"""A US ZIP code in explicit context: "zip 60431", "zip code is 30030", "ZIP: 98052", "93108 zip"."""
_DISTANCE = re.compile(r"\d*(?:km|kms|kilomet(?:er|re)s?|mi|miles?|mins?|minutes?|yards?|yds|met(?:er|re)s?)")
"""A distance before "of" makes place context: "within 20km of central Sydney", "10 miles of Lagos"."""
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+|\b\S+\.(?:com|org|net|ly|co|io)/\S*")
_TOWN_BEFORE = re.compile(r"((?:[A-Z][\w'.-]*\s){0,2}[A-Z][\w'.-]*)[\s,]{1,3}$")
_WORD = re.compile(r"[\w@]+")
_GAP = re.compile(r"[\s,]{1,3}")
_FLAG = re.compile("([\U0001F1E6-\U0001F1FF])([\U0001F1E6-\U0001F1FF])")


@dataclass(frozen=True, slots=True)
class Region:
    """Where a post places its outage; any part may be unknown. ``evidence`` is which input gave it."""

    country: str | None
    admin1: str | None
    city: str | None
    evidence: str | None

    def label(self) -> str:
        """``"Decatur, Georgia, US"``: the known parts, finest first (a division named like its city is given once)."""
        parts = [self.city, self.admin1 if self.admin1 != self.city else None, self.country]
        return ", ".join(p for p in parts if p)

    @property
    def known(self) -> bool:
        return self.country is not None or self.admin1 is not None or self.city is not None


EMPTY = Region(None, None, None, None)
_NO_ENTRY = Entry()
_BEFORE, _AFTER = 1, 2  # kinds of small-town cue words: "in Port Hood", "Port Hood area"


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    entry: Entry
    surface: str


def _best(entry: Entry, countries: set[str], admin1s: set[tuple[str, str]]) -> Candidate:
    """The candidate consistent with the other mentions, else the most populous (a city over its own division)."""
    cands = entry.candidates
    for c in cands:
        if (c.country, c.admin1) in admin1s and c.level != ADMIN1:
            return c
    for c in cands:
        if c.country in countries:
            return c
    top = cands[0]
    if top.level == ADMIN1:
        for c in cands[1:]:
            if c.level == CITY and c.country == top.country and c.admin1 == top.admin1:
                return c
    return top


class RegionTagger:
    """Resolve posts to a :class:`Region` from coordinates, platform place, text and profile location (in that order)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer
        self._auto = ahocorasick.Automaton()
        cues = {w: _BEFORE for w in _TOWN_CUES} | {w: _AFTER for w in _TOWN_SUFFIXES}
        for key, entry in gazetteer.entries.items():
            if entry.candidates or entry.abbreviations:
                self._auto.add_word(f" {key} ", (len(key) + 2, entry, cues.pop(key, 0)))
        for key, cue in cues.items():
            self._auto.add_word(f" {key} ", (len(key) + 2, None, cue))
        self._auto.make_automaton()
        self._rg: Any = None
        self._rg_lock = threading.Lock()

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> "RegionTagger":
        """The tagger over the packaged gazetteer (built once per process)."""
        return cls(Gazetteer.load())

    # ------------------------------------------------------------------ public API
    def tag(
        self,
        text: str,
        user_location: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        place: str | None = None,
    ) -> Region:
        """The region from the best evidence available (coordinates, place, text, profile); empty if none."""
        if _valid_point(lat, lon):
            return self.from_coordinates(lat, lon)  # type: ignore[arg-type]
        return self._tag_without_point(text, user_location, place)

    def tag_many(
        self, rows: Iterable[tuple[str, str | None, float | None, float | None, str | None]]
    ) -> list[Region]:
        """:meth:`tag` for many ``(text, user_location, lat, lon, place)`` rows; all points are geocoded in one batch."""
        rows = list(rows)
        out: list[Region] = [EMPTY] * len(rows)
        points: list[tuple[float, float]] = []
        where: list[int] = []
        for i, (text, loc, lat, lon, place) in enumerate(rows):
            if _valid_point(lat, lon):
                points.append((float(lat), float(lon)))  # type: ignore[arg-type]
                where.append(i)
            else:
                out[i] = self._tag_without_point(text, loc, place)
        for i, region in zip(where, self.coordinates_many(points)):
            out[i] = region
        return out

    def from_coordinates(self, lat: float, lon: float) -> Region:
        """The nearest town of over 1,000 people to the point (empty Region for an invalid point)."""
        if not _valid_point(lat, lon):
            return EMPTY
        return self.coordinates_many([(lat, lon)])[0]

    def coordinates_many(self, points: list[tuple[float, float]]) -> list[Region]:
        """Reverse-geocode many (lat, lon) points with one k-d tree query."""
        if not points:
            return []
        rows = self._geocoder().query(points)
        return [
            Region(r.get("cc") or None, r.get("admin1") or None, r.get("name") or None, "coordinates") for r in rows
        ]

    def from_place(self, place: str) -> Region | None:
        """A platform place name: "Manhattan, NY", "Lagos, Nigeria", "Iowa, USA", "Berlin, Germany"."""
        parts = [p.strip() for p in place.split(",") if p.strip()]
        if not parts:
            return None
        if len(parts) == 1:
            r = self._scan(parts[0], profile=True)
            return Region(r.country, r.admin1, r.city, "place") if r else None
        head, tail = parts[0], parts[-1]
        gaz = self.gaz
        cc: str | None = None
        admin1: str | None = None
        if tail in gaz.abbreviations:
            cc, admin1 = gaz.abbreviations[tail]
        else:
            key = normalise(tail).strip()
            cc = gaz.country_by_key.get(key)
            if cc is None and key in gaz.admin1_by_key:
                cc, admin1 = gaz.admin1_by_key[key][0]
        if cc is None:
            r = self._scan(place, profile=True)
            return Region(r.country, r.admin1, r.city, "place") if r else None
        head_key = normalise(head).strip()
        entry = gaz.entries.get(head_key)
        if entry is not None:
            for c in entry.candidates:
                if c.level == CITY and c.country == cc and (admin1 is None or c.admin1 == admin1):
                    return Region(cc, c.admin1, c.city, "place")
        if admin1 is None:
            for acc, name in gaz.admin1_by_key.get(head_key, ()):
                if acc == cc:
                    return Region(cc, name, None, "place")
        town = gaz.lookup_town(head, cc, admin1)
        return Region(cc, admin1 or (town[2] if town else None), town[0] if town else head, "place")

    def from_text(self, text: str) -> Region | None:
        """The place a post's text names, or ``None``."""
        return self._scan(text, profile=False)

    def from_location(self, s: str) -> Region | None:
        """A free-text profile location ("Boston, MA", "London", "🇬🇧 UK", "somewhere over the rainbow" -> None)."""
        if not s or not s.strip():
            return None
        r = self._scan(s, profile=True)
        if r is not None:
            return Region(r.country, r.admin1, r.city, "profile")
        m = _FLAG.search(s)
        if m:
            cc = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in m.groups())
            cc = "GB" if cc == "UK" else cc
            if cc in self.gaz.country_names:
                return Region(cc, None, None, "profile")
        return None

    # ------------------------------------------------------------------ internals
    def _tag_without_point(self, text: str, user_location: str | None, place: str | None) -> Region:
        if place:
            r = self.from_place(place)
            if r is not None:
                return r
        if text:
            r = self.from_text(text)
            if r is not None:
                return r
        if user_location:
            r = self.from_location(user_location)
            if r is not None:
                return r
        return EMPTY

    def _geocoder(self) -> Any:
        if self._rg is None:
            with self._rg_lock:
                if self._rg is None:
                    import reverse_geocoder

                    self._rg = reverse_geocoder.RGeocoder(mode=1, verbose=False)
        return self._rg

    def _scan(self, text: str, profile: bool) -> Region | None:
        """Find, judge and resolve the place mentions in ``text`` (see module docstring)."""
        if "http" in text or "www." in text or ".com" in text:
            text = _URL.sub(lambda m: "@" * len(m.group()), text)
        norm = normalise(text)
        hits: list[_Hit] = []
        cues: list[tuple[int, int, int]] = []  # (cue kind, start, stop) of small-town cue words
        for end, (length, entry, cue) in self._auto.iter(f" {norm} "):
            start = end - length + 1  # index in text of the name's first character
            stop = end - 1
            if cue and (
                text[stop + 1 : stop + 2].isupper() if cue == _BEFORE else text[start - 2 : start - 1].isalpha()
            ):
                cues.append((cue, start, stop))  # "in" + a capitalised word, a word + "area"
            if entry is None:
                continue
            if hits and start >= hits[-1].start and stop <= hits[-1].end:
                continue  # nested in the previous, longer name ("York" in "New York")
            while hits and hits[-1].start >= start and hits[-1].end <= stop:
                hits.pop()  # the previous hit is nested in this one
            if entry.hashtag_only and (start == 0 or text[start - 1] != "#"):
                continue
            hits.append(_Hit(start, stop, entry, text[start:stop]))
        accepted: list[tuple[int, _Hit, Candidate | None]] = []  # (start, hit, forced candidate)
        if "zip" in norm:
            for m in _ZIP.finditer(text):
                g = 1 if m.group(1) else 2
                state = self.gaz.zip3.get(m.group(g)[:3])
                if state:
                    hit = _Hit(m.start(g), m.end(g), _NO_ENTRY, m.group(g))
                    accepted.append((hit.start, hit, Candidate(ADMIN1, "US", state, None, 0)))
        towns = self._small_towns(text, norm, cues) if cues else None
        if not hits and not towns and not accepted:
            return None

        paired: set[int] = set()
        for i, h in enumerate(hits):
            qual = self._qualifier(h)
            if qual is None:
                continue
            # A state/country right after a name or a town: "Decatur GA", "Lagos, Nigeria", "Salisbury Mass".
            prev = hits[i - 1] if i else None
            if prev is not None and i - 1 not in paired and _GAP.fullmatch(text, prev.end, h.start):
                cand = _consistent(prev.entry, qual)
                if cand is not None:
                    accepted.append((prev.start, prev, cand))
                    paired.update((i - 1, i))
                    continue
            town = self._town_before(text, h.start, qual)
            if town is not None:
                accepted.append((h.start, h, town))
                paired.add(i)
        if hits:
            low = text.lower()
            if len(low) != len(text):
                low = norm
            shouting = _shouting(text)
            for i, h in enumerate(hits):
                if i not in paired and self._accept(text, norm, low, h, shouting, profile):
                    accepted.append((h.start, h, None))
        if not accepted and not towns:
            return None

        countries: set[str] = set()
        admin1s: set[tuple[str, str]] = set()
        for _, h, forced in accepted:
            c = forced if forced is not None else (h.entry.candidates[0] if h.entry.candidates else None)
            if c is None or (forced is None and len(h.entry.candidates) > 1 and c.level == CITY):
                continue
            if c.level <= ADMIN1:
                countries.add(c.country)
            if c.level == ADMIN1 and c.admin1:
                admin1s.add((c.country, c.admin1))
        best: Candidate | None = None
        best_key = (9, 0)
        seen: set[str] = set()  # countries of the places resolved so far
        for start, h, forced in accepted:
            c = forced if forced is not None else self._resolve(h, countries, admin1s)
            if c is None:
                continue
            seen.add(c.country)
            key = (-c.level, start)
            if key < best_key:
                best, best_key = c, key
        best_key = (best_key[0], 0, best_key[1])
        for i, (start, weak, cands) in enumerate(towns or ()):
            # towns named together lie together: the countries of the other places hint at an ambiguous one's
            hint = seen.union(*({c.country for c in t[2]} for j, t in enumerate(towns or ()) if j != i))
            c = _town_choice(cands, countries, admin1s, hint)
            if c is not None and (-c.level, weak, start) < best_key:
                best, best_key = c, (-c.level, weak, start)
        if best is None:
            return None
        if best.level == COUNTRY:
            return Region(best.country, None, None, "text")
        return Region(best.country, best.admin1, best.city, "text")

    def _small_towns(
        self, text: str, norm: str, cues: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, list[Candidate]]]:
        """Small towns (not in the automaton) named in strong context, as (start, weak, towns): a capitalised name right
        after in/at/near ("no school in Port Hood"), or right before a school or area word ("Kilgore High School",
        "the Sidmouth area"; weaker, as schools are also named after people). The whole capitalised run must be the
        town, or the rest of it a school/area word ("in Port Hood Elementary"); a name followed by a street or venue
        word ("Markfield Rd", "Twin City mall") is not a town. Names the automaton knows are judged there instead."""
        if _shouting(text):
            return []
        out: list[tuple[int, int, list[Candidate]]] = []
        for kind, start, stop in cues:
            if kind == _BEFORE:
                i = stop + 1
                if text[stop : stop + 1] != " " or not text[i : i + 1].isupper():
                    continue
                m = _RUN.match(text, i)
                if m is None:
                    continue
                words = m.group().split(" ")
                ended = False  # the run stops at a sentence end or a date ("in Napanee. No", "Gosnell Tuesday")
                for j, w in enumerate(words):
                    if j and w.lower().rstrip(".") in _DATE_WORDS:
                        words, ended = words[:j], True
                        break
                    if w.endswith(".") and w.lower() not in _ABBREVIATED:
                        words, ended = words[: j + 1], True
                        break
                for k in range(len(words), 0, -1):
                    if k < len(words):
                        if words[k].lower() not in _TOWN_TAIL:
                            continue
                    elif not ended and _word_after(text, m.end()) in _NOT_TOWN_AFTER:
                        continue
                    name = " ".join(words[:k]).rstrip(".").removesuffix("'s").removesuffix("’s")
                    towns = self.gaz.small_town(normalise(name).strip())
                    if towns and words[k - 1].lower() not in _TOWN_TAIL:
                        out.append((i, 0, towns))
                        break
            else:
                j = text.rfind(" ", 0, start - 1)
                if start < 2 or text[start - 1] != " " or not text[j + 1 : j + 2].isupper():
                    continue
                m = _TOWN_BEFORE.search(text, max(0, start - 40), start)
                if m is None:
                    continue
                words = m.group(1).split()
                if words[-1].lower() in _TOWN_TAIL:
                    continue
                # the whole capitalised run is the name, or all but a leading "The"/"At" or a previous sentence
                skip = 0
                for j, w in enumerate(words[:-1]):
                    if (w.endswith(".") and w.lower() not in _ABBREVIATED) or (j == 0 and w.lower() in _LEADING):
                        skip = j + 1
                key = normalise(" ".join(words[skip:])).strip()
                towns = self.gaz.small_town(key)
                cue = norm[start:stop]
                if not towns and cue in _SCHOOL:
                    # a known city before a school word: "Kilgore High School" (judged like a small town)
                    e = self.gaz.entries.get(key)
                    if e is not None and not (e.risky or e.demonym or e.upper or e.hashtag_only):
                        towns = [c for c in e.candidates if c.level == CITY]
                if towns and cue in _SCHOOL_NA:
                    towns = [c for c in towns if c.country in ("US", "CA")]
                if towns:
                    out.append((m.start(1) + len(" ".join(words[:skip])) + (skip > 0), 1, towns))
        return out

    def _resolve(self, h: _Hit, countries: set[str], admin1s: set[tuple[str, str]]) -> Candidate | None:
        entry = h.entry
        if entry.candidates:
            return _best(entry, countries, admin1s)
        ab = entry.abbreviations.get(h.surface)
        return Candidate(ADMIN1, ab[0], ab[1], None, 0) if ab else None

    def _qualifier(self, h: _Hit) -> tuple[str, str | None] | None:
        """(country, admin1) if the hit can qualify a preceding town: a state abbreviation, division or country."""
        ab = h.entry.abbreviations.get(h.surface)
        if ab is not None:
            return ab
        if not h.surface[:1].isupper() or h.entry.demonym:
            return None
        for c in h.entry.candidates:
            if c.level == ADMIN1:
                return (c.country, c.admin1)
            if c.level == COUNTRY:
                return (c.country, None)
        return None

    def _town_before(self, text: str, start: int, qual: tuple[str, str | None]) -> Candidate | None:
        """A town of the given state/country written right before ``start`` ("Salisbury Mass", "Glen Dale, WV")."""
        m = _TOWN_BEFORE.search(text, max(0, start - 48), start)
        if m is None:
            return None
        words = m.group(1).split()
        for k in range(len(words)):
            name = " ".join(words[k:])
            key = normalise(name).strip()
            if key in _CONTEXT:
                continue
            town = self.gaz.lookup_town(name, qual[0], qual[1])
            if town is not None:
                return Candidate(CITY, town[1], town[2], town[0], 0)
            for c in self.gaz.small_town(key):  # towns newer than reverse_geocoder's table ("Port Hood, NS")
                if c.country == qual[0] and (qual[1] is None or c.admin1 == qual[1]):
                    return c
        return None

    def _accept(self, text: str, norm: str, low: str, h: _Hit, shouting: bool, profile: bool) -> bool:
        """Does this mention, on its own, name a place? (Pairs with a state/country are handled before.)"""
        e = h.entry
        s = h.surface
        if not e.candidates:  # a bare state abbreviation: only "in GA", never alone, never a word ("IN", "OR")
            if s in e.word_abbreviations or s not in e.abbreviations or not s.isupper() or shouting:
                return False
            return profile or _in_context(low, h.start)
        hashtag = h.start > 0 and text[h.start - 1] == "#"
        lower = not s[:1].isupper()
        if e.upper and (not s.isupper() or (shouting and not _in_context(low, h.start))):
            return False
        if not e.alias and not shouting and s.isupper() and len(s) <= 4:
            return False  # an acronym that happens to spell a place ("MAN", "OTA", "CAN")
        if _org_after(norm, h.end):
            return False  # "Kuwait Airways", "Georgia Power", "Australia Bank"
        if e.demonym:
            if lower or shouting:
                return False
            return s.endswith("s") or not _glued_after(text, h.end)
        if hashtag:
            return not e.risky
        context = profile or _in_context(low, h.start) or _suffix_after(norm, h.end)
        if e.context and not context:
            return False
        top = e.candidates[0]
        home = top.country in HOME_COUNTRIES
        big = top.level != CITY or top.population >= (FREE_CITY_POPULATION if home else MAJOR_CITY_POPULATION)
        if lower:
            if e.risky or not context:
                return False
            return top.level != CITY or top.population >= (LOWER_CASE_POPULATION if home else MAJOR_CITY_POPULATION)
        glued = (not shouting) and (_glued_after(text, h.end) or _glued_before(text, norm, h.start))
        if e.risky:
            if context:
                return not glued and len(s) > 2
            # a capitalised English word mid-sentence naming a major city or a country ("Shanghai police")
            return (
                e.common_word and not glued and not shouting and _mid_sentence(text, h.start)
                and (top.level != CITY or top.population >= MAJOR_CITY_POPULATION)
            )
        if context:
            return not glued or top.level != CITY or big
        if shouting:
            return False
        return big and not glued


def _word_after(text: str, end: int) -> str:
    """The lower-cased word right after ``end`` (after one space), or ""."""
    if text[end : end + 1] != " ":
        return ""
    j = end + 1
    while j < len(text) and text[j].isalpha():
        j += 1
    return text[end + 1 : j].lower()


def _town_choice(
    towns: list[Candidate], countries: set[str], admin1s: set[tuple[str, str]], hint: set[str]
) -> Candidate | None:
    """Which of same-named small towns is meant. If the post names a state or country, the town there (none if no
    town lies there). Else, among the towns in a country of the other places the post names (``hint``; all if none
    is), the one :data:`~outageradar.classify.gazetteer.HOME_WEIGHT` times larger than any other, else the country
    they all lie in; none if they lie in several countries."""
    if admin1s or countries:  # the post names a state or country: only a town there will do
        named = [c for c in towns if (c.country, c.admin1) in admin1s]
        if named:
            return named[0]
        states_named = {cc for cc, _ in admin1s}
        towns = [c for c in towns if c.country in countries and c.country not in states_named]
        if not towns:
            return None
    elif hint and len(towns) > 1:
        towns = [c for c in towns if c.country in hint] or towns
    top = towns[0]
    rest = [c for c in towns[1:] if (c.country, c.admin1) != (top.country, top.admin1)]
    if not rest or top.population >= HOME_WEIGHT * rest[0].population:
        return top
    if all(c.country == top.country for c in rest):
        return Candidate(COUNTRY, top.country, None, None, top.population)
    return None


def _consistent(entry: Entry, qual: tuple[str, str | None]) -> Candidate | None:
    """The candidate of ``entry`` lying in the qualifying state/country, if any."""
    cc, admin1 = qual
    for c in entry.candidates:
        if c.level == CITY and c.country == cc and (admin1 is None or c.admin1 == admin1):
            return c
    if admin1 is None:
        for c in entry.candidates:
            if c.level == ADMIN1 and c.country == cc:
                return c
    return None


_SENTENCE_END = re.compile(r".*[.!?;\n|]\s", re.S)


def _in_context(norm: str, start: int) -> bool:
    """Is the name at ``start`` preceded, in its sentence, by a place preposition (compass/metro words may sit
    between: "in North Central Phoenix")? ``norm`` keeps sentence punctuation (see :meth:`RegionTagger._scan`)."""
    seg = norm[max(0, start - 48) : start]
    m = _SENTENCE_END.match(seg)
    if m:
        seg = seg[m.end() :]
    words = _WORD.findall(seg)[-5:]
    for j in range(len(words) - 1, -1, -1):
        w = words[j]
        if w in _CONTEXT:
            return True
        if w == "of":
            return j > 0 and (words[j - 1] in _OF_HEADS or _DISTANCE.fullmatch(words[j - 1]) is not None)
        if w not in _MODIFIERS:
            return False
    return False


def _suffix_after(norm: str, end: int) -> bool:
    """Is the name followed by a place noun ("Hornsby area", "Lagos State", "Hoima Branch")?"""
    nxt = norm[end : end + 16].split(maxsplit=1)
    return bool(nxt) and nxt[0] in _SUFFIXES and norm[end : end + 1] == " "


def _org_after(norm: str, end: int) -> bool:
    """Is the name followed by a word that makes it part of an organisation's or team's name?"""
    nxt = norm[end : end + 14].split(maxsplit=1)
    return bool(nxt) and nxt[0] in _ORGS and norm[end : end + 1] == " "


def _mid_sentence(text: str, start: int) -> bool:
    """Is ``start`` inside a sentence (so a capital there is not just the sentence's first letter)?"""
    j = start - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    return j >= 0 and text[j] not in ".!?:;\n\"'“(-–|•"


def _glued_after(text: str, end: int) -> bool:
    """Is the name followed directly by another capitalised word ("Georgia Power", "Dallas Cowboys")?"""
    if end + 1 < len(text) and text[end] == " " and text[end + 1].isupper():
        j = end + 1
        while j < len(text) and (text[j].isalnum() or text[j] in "'&"):
            j += 1
        return text[end + 1 : j].lower() not in _SUFFIXES
    return False


def _glued_before(text: str, norm: str, start: int) -> bool:
    """Is the name preceded directly by a capitalised word that is not a compass/context word ("Fort Bliss")?"""
    if start < 2 or text[start - 1] != " ":
        return False
    j = start - 1
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "'&"):
        j -= 1
    word = text[j : start - 1]
    if not word or not word[0].isupper():
        return False
    lw = word.lower()
    if lw in _CONTEXT or lw in _MODIFIERS or lw in _OF_HEADS:
        return False
    return j > 0  # a capitalised word at the very start is just a sentence start


_LOWER_ASCII = bytes(range(ord("a"), ord("z") + 1))
_UPPER_ASCII = bytes(range(ord("A"), ord("Z") + 1))


def _shouting(text: str) -> bool:
    """Is the post written in capitals (so capitals say nothing about names)?"""
    b = text.encode("ascii", "ignore")
    n = len(b)
    lowers = n - len(b.translate(None, _LOWER_ASCII))
    uppers = n - len(b.translate(None, _UPPER_ASCII))
    return uppers > 12 and uppers > 1.5 * lowers


def _valid_point(lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None:
        return False
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    if math.isnan(la) or math.isnan(lo) or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return False
    return not (la == 0 and lo == 0)
