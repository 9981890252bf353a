"""Tests of the region tagger: each kind of evidence, their order, false friends, abbreviations, nicknames,
ambiguous names, Region.label() and a precision/recall floor on the labelled dev posts."""

from __future__ import annotations

import csv
import json

import pytest

from outageradar.classify.region import Region, RegionTagger
from shared_data import require


@pytest.fixture(scope="module")
def tagger() -> RegionTagger:
    return RegionTagger.default()


def where(tagger: RegionTagger, text: str) -> tuple[str | None, str | None, str | None] | None:
    r = tagger.from_text(text)
    return None if r is None else (r.country, r.admin1, r.city)


# ---------------------------------------------------------------- text
@pytest.mark.parametrize(
    "text, expected",
    [
        ("no internet in Decatur GA @comcastcares", ("US", "Georgia", "Decatur")),
        ("no internet in Decatur, IL since noon", ("US", "Illinois", "Decatur")),
        ("power out across Brooklyn tonight", ("US", "New York", "Brooklyn")),
        ("MTN down in Kampala again", ("UG", "Central Region", "Kampala")),
        ("Spectranet has been terrible all week. Lagos deserves better", ("NG", "Lagos", "Lagos")),
        ("is there a network outage in Portland, Oregon? no service", ("US", "Oregon", "Portland")),
        ("Was told there is an internet outage at Paris, TX office again", ("US", "Texas", "Paris")),
        ("If there's internet outages in Salisbury Mass that'd be great", ("US", "Massachusetts", "Salisbury")),
        ("Comcast is out everywhere in Chicago", ("US", "Illinois", "Chicago")),
        ("No power in Sheffield since this morning", ("GB", "England", "Sheffield")),
        ("the whole city of Arlington has no power", ("US", "Texas", "Arlington")),
    ],
)
def test_text_places(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Time to switch providers, my Best Buy order is late",
        "Nice try @Delta, my bag is still missing",
        "Mobile data not working at all today",
        "Reading the outage page again, no update",
        "This is the Sale of the century",
        "Hope you fix it soon. Home internet down",
        "Phone keeps dropping calls",
        "Down again? Price went up and the service got worse",
        "my internet is down and I am going to cry",
        "I live in hope that Xbox Live comes back",
        "The whole thing IN MY OPINION is OK",
        "Please fix it OR refund me, ME and my family are HI and OK",
        "Georgia Power crews are out, thanks",
        "call us back please, let us know",
        "my flight from MAN was fine, the OTA update broke my phone",
        "Her name is Ann and she was great",
    ],
)
def test_false_friends(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


def test_state_abbreviations_need_a_town_or_context(tagger: RegionTagger) -> None:
    assert where(tagger, "no service in GA since the storm") == ("US", "Georgia", None)
    assert where(tagger, "Findlay, OH. Cashier asked the manager") == ("US", "Ohio", "Findlay")
    assert where(tagger, "Portland, OR has no power") == ("US", "Oregon", "Portland")
    assert tagger.from_text("GA tickets are sold out") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Anyone with Optimum in NYC? outage again", ("US", "New York", "New York")),
        ("Comcast down all over the Bay Area", ("US", "California", "San Francisco")),
        ("Verizon is out in Philly", ("US", "Pennsylvania", "Philadelphia")),
        ("no power in DC right now", ("US", "District of Columbia", "Washington")),
        ("Cox outage in Vegas again", ("US", "Nevada", "Las Vegas")),
        ("Sky broadband down across the UK", ("GB", None, None)),
        ("is Netflix down in the US?", ("US", None, None)),
        ("Virgin Media out in Britain", ("GB", None, None)),
        ("Sitting at LAX with no wifi", ("US", "California", "Los Angeles")),
        ("tizeti network down in Lekki since morning", ("NG", "Lagos", "Lekki")),
        ("power outage in #yqr this morning", ("CA", "Saskatchewan", "Regina")),
    ],
)
def test_nicknames_and_aliases(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


def test_hashtags(tagger: RegionTagger) -> None:
    assert where(tagger, "no power, fix it fast. #medford")[0] == "US"
    assert where(tagger, "outage again #Lagos") == ("NG", "Lagos", "Lagos")
    assert where(tagger, "cable out #NewYork") == ("US", "New York", "New York")


def test_ambiguous_cities(tagger: RegionTagger) -> None:
    # most populous by default, the state/country named next to it otherwise
    assert where(tagger, "power outage in Preston") == ("GB", "England", "Preston")
    assert where(tagger, "outage in Paris, France") == ("FR", "Ile-de-France", "Paris")
    assert where(tagger, "outage in Victoria, British Columbia")[0:3] == ("CA", "British Columbia", "Victoria")
    # a US city beats a same-sized one elsewhere ("Santa Rosa" California, not the Philippines)
    assert where(tagger, "Comcast retail job in Santa Rosa")[0] == "US"


def test_demonyms_and_context_sentences(tagger: RegionTagger) -> None:
    assert where(tagger, "doesn't seem to care about Indian customers") == ("IN", None, None)
    assert tagger.from_text("We flew American and British Airways") is None
    # context does not leak across a sentence end ("comes around. Can't wait")
    assert tagger.from_text("What goes around comes around. Can't wait") is None


def test_all_caps_posts(tagger: RegionTagger) -> None:
    assert where(tagger, "HILL SIDE SCHOOL AREA, MARLBOROUGH, MA THERE IS A POWER OUTAGE") == (
        "US", "Massachusetts", "Marlborough")
    assert tagger.from_text("CALL US NOW OR WE WILL LEAVE, THIS IS NOT OK") is None


def test_mentions_and_urls_are_not_places(tagger: RegionTagger) -> None:
    assert tagger.from_text("@GeorgiaPower @LondonFire please help") is None
    assert tagger.from_text("see https://example.com/lagos/london/status") is None


# ---------------------------------------------------------------- place, profile, coordinates
def test_place_names(tagger: RegionTagger) -> None:
    assert tagger.from_place("Manhattan, NY") == Region("US", "New York", "Manhattan", "place")
    assert tagger.from_place("Lagos, Nigeria") == Region("NG", "Lagos", "Lagos", "place")
    assert tagger.from_place("Iowa, USA") == Region("US", "Iowa", None, "place")
    assert tagger.from_place("St Louis Park, MN") == Region("US", "Minnesota", "Saint Louis Park", "place")
    assert tagger.from_place("Berlin, Germany").country == "DE"


@pytest.mark.parametrize(
    "loc, expected",
    [
        ("Boston, MA", ("US", "Massachusetts", "Boston")),
        ("London", ("GB", "England", "London")),
        ("🇬🇧 UK", ("GB", None, None)),
        ("🇳🇬", ("NG", None, None)),
        ("Lagos, Nigeria", ("NG", "Lagos", "Lagos")),
        ("NYC", ("US", "New York", "New York")),
    ],
)
def test_profile_locations(tagger: RegionTagger, loc: str, expected: tuple) -> None:
    r = tagger.from_location(loc)
    assert r is not None and (r.country, r.admin1, r.city) == expected and r.evidence == "profile"


@pytest.mark.parametrize("loc", ["somewhere over the rainbow", "Home", "everywhere", "in your heart", ""])
def test_profile_nonsense(tagger: RegionTagger, loc: str) -> None:
    assert tagger.from_location(loc) is None


def test_coordinates(tagger: RegionTagger) -> None:
    r = tagger.from_coordinates(40.7484, -73.9857)  # Midtown Manhattan
    assert r.country == "US" and r.admin1 == "New York" and r.evidence == "coordinates"
    r = tagger.from_coordinates(6.4531, 3.3958)  # Lagos Island
    assert r.country == "NG" and r.admin1 == "Lagos"
    assert tagger.from_coordinates(float("nan"), 3.0).evidence is None
    assert tagger.from_coordinates(95.0, 3.0).evidence is None


def test_order_of_evidence(tagger: RegionTagger) -> None:
    text = "no internet in Decatur GA"
    assert tagger.tag(text, "London", 6.4531, 3.3958, "Manhattan, NY").evidence == "coordinates"
    assert tagger.tag(text, "London", None, None, "Manhattan, NY") == Region("US", "New York", "Manhattan", "place")
    assert tagger.tag(text, "London").city == "Decatur"
    assert tagger.tag("my internet is down", "London").evidence == "profile"
    assert tagger.tag("my internet is down", "somewhere over the rainbow") == Region(None, None, None, None)


def test_tag_many_matches_tag(tagger: RegionTagger) -> None:
    rows = [
        ("no internet in Decatur GA", None, None, None, None),
        ("down again", None, 51.5072, -0.1276, None),
        ("down again", "Boston, MA", None, None, None),
        ("down again", None, None, None, "Iowa, USA"),
        ("down again", None, 40.7484, -73.9857, None),
    ]
    assert tagger.tag_many(rows) == [tagger.tag(*row) for row in rows]
    assert tagger.tag_many([]) == []


def test_label() -> None:
    assert Region("US", "Georgia", "Decatur", "text").label() == "Decatur, Georgia, US"
    assert Region("NG", "Lagos", "Lagos", "text").label() == "Lagos, NG"
    assert Region("GB", None, None, "profile").label() == "GB"
    assert Region(None, None, None, None).label() == ""


# ---------------------------------------------------------------- real data
def _label_country(tagger: RegionTagger, label: str) -> str | None:
    last = label.split(";")[0].split(",")[-1].strip()
    return {"UK": "GB", "US": "US"}.get(last) or tagger.gaz.country_by_key.get(last.lower())


def test_precision_recall_on_labelled_dev_posts(tagger: RegionTagger) -> None:
    path = require("data/labeled/outage_posts_dev.csv")
    outputs = right = labelled = found = right_on_labelled = out_on_labelled = 0
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            label = (row["region"] or "").strip()
            want = _label_country(tagger, label) if label else None
            if label and want is None:
                continue  # label without a country part
            got = tagger.from_text(row["text"])
            if got is not None:
                outputs += 1
                right += got.country == want
            if want is not None:
                labelled += 1
                found += got is not None and got.country == want
                if got is not None:
                    out_on_labelled += 1
                    right_on_labelled += got.country == want
    # measured: strict precision 0.91 (was 0.86 before routes, travel endpoints, airport codes out of place context,
    # names addressed or glued in compounds were left out; many remaining "errors" are real places the labels leave
    # out, e.g. "I'm in the US"), precision on posts with a labelled place 0.99, recall 0.66. Recall fell from 0.71 on
    # purpose: about ten dev labels predate the guide's rule that flight routes, origins, destinations and airport
    # codes are not where the problem is ("BOM-LHR", "flight back to SF", "trip to CDG"); the pool labels follow it.
    # Most misses name no place: support handles, landmarks, schools named after people.
    assert outputs > 85
    assert right / outputs >= 0.89
    assert right_on_labelled / out_on_labelled >= 0.97
    assert found / labelled >= 0.63


def test_geo_payload_paths(tagger: RegionTagger) -> None:
    path = require("payloads/twarc_csv/geo_tweets.jsonl")
    rows = []
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        places = {p["id"]: p for p in o.get("includes", {}).get("places", [])}
        for t in o.get("data", []):
            g = t.get("geo") or {}
            place = places.get(g.get("place_id"), {}).get("full_name")
            if place:
                rows.append((t.get("text", ""), None, None, None, place))
    assert rows
    regions = tagger.tag_many(rows)
    assert all(r.evidence == "place" for r in regions)
    assert Region("DE", "Berlin", "Berlin", "place") in regions or any(r.country == "DE" for r in regions)


# ---------------------------------------------------------------- where the problem is, not every place named
# (labelling guide, item 3: routes, origins, destinations and airport codes are not the place unless the problem
# happens there; made-up examples)
@pytest.mark.parametrize(
    "text",
    [
        # both ends of a route
        "Flight from Denver to Boston was fine but the wifi was down",
        "DCA to SFO tomorrow, no wifi on board",
        "Just got back from LA-NYC and lost my bag",
        # a destination or origin in a post about travel
        "Heading to London tonight on the 9pm flight",
        # an airport code anywhere but right after at/in/near
        "Have you made it to LAX yet?",
        # the person addressed, not a place
        "Thanks Brandon, the outage is fixed now",
        "Of course, Preston. We are on it.",
        "Sorry about that! ^DC",
        # a brand someone has, part of a compound, a street, a time zone, a currency
        "my Orange signal is gone again",
        "T-Mobile is down everywhere",
        "a Lagos-based ISP went down",
        "power cut near Bristol Road since noon",
        "no power on Hillside Avenue",
        "we open at 9am Arizona time",
        "I paid in US dollars",
        # a direction, not New Zealand's West Coast region
        "Not everyone lives on the West Coast.",
    ],
)
def test_places_that_are_not_where_the_problem_is(tagger: RegionTagger, text: str) -> None:
    assert tagger.from_text(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("no power in London tonight", ("GB", "England", "London")),
        ("Stuck at LAX and the wifi is down", ("US", "California", "Los Angeles")),
        ("is your Leeds branch open today?", ("GB", "England", "Leeds")),
        # "today" after a name is no newspaper unless capitalised ("USA Today")
        ("power outage in Madison today", ("US", "Wisconsin", "Madison")),
        # a state abbreviation in context, though a town is spelled so too (Wa, Ghana)
        ("911 outage in Western WA.", ("US", "Washington", None)),
        # a civic word after a city does not glue it into another name
        ("New Orleans Mayor says the internet is back", ("US", "Louisiana", "New Orleans")),
        # a town paired with its state wins over a bigger namesake named by the same word
        ("Newport, NC should be restored soon", ("US", "North Carolina", "Newport")),
        ("the power outage hit all of Ocala", ("US", "Florida", "Ocala")),
    ],
)
def test_places_in_context(tagger: RegionTagger, text: str, expected: tuple) -> None:
    assert where(tagger, text) == expected


# ---------------------------------------------------------------- the service's country as a hint
def test_service_country_resolves_ambiguous_names(tagger: RegionTagger) -> None:
    assert tagger.service_country("@Ask_Spectrum no internet") == "US"
    assert tagger.service_country("no internet at all") is None
    # Birmingham, Alabama for a US-only ISP (not the larger Birmingham, England)
    assert where(tagger, "@Ask_Spectrum no internet in Birmingham again") == ("US", "Alabama", "Birmingham")
    # the only Douglasdale known is in Alberta: not it, for Johannesburg's water utility
    assert tagger.from_text("@JHBWater water is off in Douglasdale again") is None
    # a lower-case town counts only in the service's country
    assert where(tagger, "AirtelUg no network in gulu today") == ("UG", "Northern Region", "Gulu")
    assert tagger.from_text("no network in gulu today") is None
    assert where(tagger, "AirtelUg no network in kyotera since morning")[0] == "UG"


def test_service_hint_can_be_disabled() -> None:
    from outageradar.classify.gazetteer import Gazetteer

    plain = RegionTagger(Gazetteer.load(), services=False)
    assert plain.service_country("@Ask_Spectrum no internet") is None
    assert plain.from_text("AirtelUg no network in gulu today") is None
