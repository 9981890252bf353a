"""The full tagger's own rule: a post about a one-country power utility that names no place is placed in the
utility's territory (real posts from the labelled dev file and the power-outage corpus)."""

from __future__ import annotations

import pytest

from outageradar.classify.tagger import SERVICE_AREA, Row, Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


@pytest.mark.parametrize(
    ("text", "service", "country", "admin1"),
    [
        ("@GeorgiaPower No, he said the one that was put in the day before was bad and put a new one in at 1 AM when "
         "my power was restored", "power (Georgia Power)", "US", "Georgia"),
        ("No sleep because of the 4 hour power outage on our area. Now gotta go to work. Thanks @meralco",
         "power (Meralco)", "PH", None),
        ("First day back at work and we've no power. Turns out there's a scheduled all day outage! Thanks Ausnet...",
         "power (AusNet)", "AU", "Victoria"),
    ],
)
def test_power_utility_places_a_post_that_names_no_place(tagger: Tagger, text: str, service: str, country: str,
                                                         admin1: str | None) -> None:
    c = tagger.classify(text)
    assert (c.service, c.country, c.admin1, c.city, c.region_evidence) == (service, country, admin1, None,
                                                                           SERVICE_AREA)


def test_a_place_in_the_post_beats_the_service_area(tagger: Tagger) -> None:
    c = tagger.classify("@GeorgiaPower power out in Charlotte NC since 6am")
    assert (c.country, c.admin1, c.region_evidence) == ("US", "North Carolina", "text")
    c = tagger.classify_rows([Row("@GeorgiaPower still no power", user_location="Toronto, Ontario")])[0]
    assert (c.country, c.admin1, c.region_evidence) == ("CA", "Ontario", "profile")


@pytest.mark.parametrize(
    "text",
    [
        "@VerizonSupport my phone has had no signal since this morning",  # a national carrier: no place
        "@XboxSupport is xbox live down? can't sign in",  # a global service
        "Power outage at my house, no lights anywhere",  # generic power grid
        "@nationalgridus where is my bill for this month?",  # a utility of two countries
    ],
)
def test_other_services_are_not_placed(tagger: Tagger, text: str) -> None:
    c = tagger.classify(text)
    assert c.country is None and c.region_evidence is None
