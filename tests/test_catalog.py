"""Tests for the service catalog and matcher (outageradar.classify.catalog)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from outageradar.classify.catalog import CATEGORIES, CatalogError, Mention, Service, ServiceCatalog
from shared_data import require


@pytest.fixture(scope="module")
def cat() -> ServiceCatalog:
    return ServiceCatalog.default()


# ---------------------------------------------------------------- schema of the packaged catalog


def test_catalog_size_and_categories(cat: ServiceCatalog) -> None:
    assert len(cat.services) >= 150
    used = {s.category for s in cat.services.values()}
    assert used == set(CATEGORIES)
    assert all(isinstance(s, Service) and s.countries for s in cat.services.values())


def test_default_is_cached(cat: ServiceCatalog) -> None:
    assert ServiceCatalog.default() is cat


def test_no_alias_shared_unless_ambiguous(cat: ServiceCatalog) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for s in cat.services.values():
        for a in s.aliases:
            owners[a.lower()].add(s.name)
    shared = {a: names for a, names in owners.items() if len(names) > 1}
    assert not shared
    ambiguous = {a.lower() for s in cat.services.values() for a in s.ambiguous}
    assert not ambiguous & set(owners)


def test_handles_and_hashtags_unique(cat: ServiceCatalog) -> None:
    for field in ("handles", "hashtags"):
        seen: dict[str, str] = {}
        for s in cat.services.values():
            for h in getattr(s, field):
                assert h.lower() not in seen or seen[h.lower()] == s.name, (field, h)
                seen[h.lower()] = s.name
                assert not h.startswith(("@", "#"))


def test_guide_names_present(cat: ServiceCatalog) -> None:
    for name in ("iMessage", "iCloud", "App Store", "Xbox Live", "PlayStation Network", "Spotify", "Comcast Xfinity",
                 "Spectrum", "Verizon Wireless", "AT&T", "T-Mobile", "Airtel Uganda", "MTN Uganda", "Spectranet",
                 "Binance", "Amazon", "Uber", "power grid", "power (Eversource)", "internet"):
        assert name in cat, name
    assert cat.get("Eversource") is cat.services["power (Eversource)"]
    assert cat.get("@comcastcares").name == "Comcast Xfinity"
    assert cat.get("imessage").name == "iMessage"
    assert cat.get("no such service") is None


def test_sub_services_have_parents(cat: ServiceCatalog) -> None:
    for child in ("iMessage", "iCloud", "FaceTime", "App Store", "Apple Music", "Apple Pay"):
        assert cat.services[child].parent == "Apple"
    for child in ("Outlook", "Microsoft Teams", "Azure", "Xbox Live"):
        assert cat.services[child].parent == "Microsoft"
    for child in ("Gmail", "YouTube", "Google Cloud"):
        assert cat.services[child].parent == "Google"


# ---------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Skype keeps dropping my calls", "Skype"),  # no Sky inside Skype
        ("I have been online all day and the internet is fine", None),  # no LINE inside online
        ("pay attention to the download speed", None),  # no AT&T in attention, no cue inside download
        ("Spectranet has been useless all week", "Spectranet"),  # not Spectrum
        ("AT&T outage in Dallas", "AT&T"),
        ("T-Mobile has no signal in my area", "T-Mobile"),
        ("Sainsbury’s website is down", "Sainsbury's"),
    ],
)
def test_word_boundaries(cat: ServiceCatalog, text: str, expected: str | None) -> None:
    assert cat.identify(text) == expected


def test_handles_and_hashtags(cat: ServiceCatalog) -> None:
    text = "#xboxdown again? @XboxSupport"
    ms = cat.mentions(text)
    assert [(m.service, m.kind) for m in ms] == [("Xbox Live", "hashtag"), ("Xbox Live", "handle")]
    for m in ms:
        assert text[m.start:m.end].lower() in ("#xboxdown", "@xboxsupport")
    assert cat.identify("@comcastcares my modem cannot connect") == "Comcast Xfinity"
    # an alias typed as a handle counts as a handle; a handle-only word without @ does not count
    assert [m.kind for m in cat.mentions("@Suddenlink internet out")] == ["handle"]
    assert cat.identify("I need support with my account") is None
    assert cat.identify("@Support my account is locked") == "Twitter"


def test_mentions_positions_survive_unicode(cat: ServiceCatalog) -> None:
    text = "İstanbul: Netflix is down 😡 and so is Spotify"
    ms = cat.mentions(text)
    assert [m.service for m in ms] == ["Netflix", "Spotify"]
    assert all(isinstance(m, Mention) for m in ms)
    assert [text[m.start:m.end] for m in ms] == ["Netflix", "Spotify"]


def test_urls_are_not_mentions(cat: ServiceCatalog) -> None:
    assert cat.identify("Outage again pic.twitter.com/nxXbbTFUdk") is None
    assert cat.identify("see https://www.youtube.com/watch?v=abc") is None
    assert cat.identify("No school 9/9....Power outage") == "power grid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Orange juice is the best breakfast", None),
        ("I ate an orange and then my bike broke down", None),
        ("Orange network down again in Lyon, no signal", "Orange"),
        ("my orange 4g data is not working", "Orange"),
        ("Time to sleep, it is three o'clock", None),
        ("Three days without a reply, what time is it", None),
        ("Target practice at the range", None),
        ("Target app keeps crashing at checkout", "Target"),
        ("Apple pie is tasty", None),
        ("Apple servers are down, can't sign in to my Apple ID", "Apple"),
        ("letting off steam after work", None),
        ("Steam is down, servers not responding", "Steam"),
        ("Going to chase my dreams", None),
        ("Chase app is down, cannot log in", "Chase"),
        ("The sky is so blue today", None),
        ("Sky broadband down again", "Sky"),
        ("she is on the autism spectrum", None),
        ("internet sooooo slow i hate you stupid spectrum", "Spectrum"),
        ("Delta variant cases are rising", None),
    ],
)
def test_ambiguous_aliases(cat: ServiceCatalog, text: str, expected: str | None) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Spotify works fine but Netflix is down", "Netflix"),
        ("Switched from Verizon last year, now T-Mobile has no signal at all", "T-Mobile"),
        ("@tizeti @netflix what's your download speed? your network is trash", "Tizeti"),
        # the ISP whose internet is down explains the app failing on top of it
        ("Spectrum's internet goes down, disconnecting my Google doc", "Spectrum"),
        # a power cut explains an app failing at home
        ("Power outage so Netflix won't load", "power grid"),
        ("@TMobileHelp why is your data down every time there is a power outage?", "T-Mobile"),
    ],
)
def test_failing_service_wins(cat: ServiceCatalog, text: str, expected: str) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iMessage not working @AppleSupport", "iMessage"),
        ("@AppleSupport help me with iMessage please", "iMessage"),
        ("@AppleSupport iCloud backup keeps failing", "iCloud"),
        ("@MicrosoftHelps Xbox Live is down", "Xbox Live"),
        ("@Google Gmail is not loading", "Gmail"),
        # refiners: a parent mention plus a child's word means the child
        ("@AppleSupport I can't download songs, it keeps spinning", "Apple Music"),
        ("Airtel network is down in Kampala", "Airtel Uganda"),
        ("@VerizonSupport my LTE speeds are terrible", "Verizon Wireless"),
        ("@AppleSupport the app keeps crashing", "Apple"),
    ],
)
def test_sub_service_beats_parent(cat: ServiceCatalog, text: str, expected: str) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No school today because of a power outage", "power grid"),
        ("Still no power on Main St after the storm", "power grid"),
        ("@Eversource power outage again on our street", "power (Eversource)"),
        ("PG&E says the outage will last 2 days", "power (PG&E)"),
        ("no internet since this morning, anyone else?", "internet"),
        ("water main break on our road, no water", "water"),
        ("Having a great day", None),
        ("", None),
    ],
)
def test_generic_fallbacks(cat: ServiceCatalog, text: str, expected: str | None) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a post that names its utility or ISP gets that operator, not the generic fallback
        ("@OGandE power outage on our street again, no power since 6", "power (OG&E)"),
        ("No #LESCO, an unscheduled power outage for 8 straight hours is not ok", "power (LESCO)"),
        ("checked the mlgw outage map and our block still has no power", "power (MLGW)"),
        ("@SnoPUD outage map shows no progress, still without power", "power (Snohomish PUD)"),
        ("@TekSavvyCSR had a power outage last night and now no internet at all", "TekSavvy"),
        ("@Zuku_WeCare second day of the outage and you still disconnect me", "Zuku"),
        ("@FOXTEL_Help still no Foxtel since the outage yesterday morning", "Foxtel"),
        ("@Talk2Windstream power outage for 2 days and the phone line does not work", "Windstream"),
        ("How long KE? Power outage since 11 AM in our block", "power (K-Electric)"),
        ("@ThreeCare data speeds terrible since the outage", "Three Ireland"),
    ],
)
def test_named_operator_beats_generic(cat: ServiceCatalog, text: str, expected: str) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # regional operating companies and brands with their own accounts
        ("@AEPOhio planned power outage and no notice to customers", "power (AEP Ohio)"),
        ("AEP says the outage in Columbus, Ohio will last till noon", "power (AEP Ohio)"),
        ("@AEPTexas outage again", "power (AEP)"),
        ("@EntergyArk power out since Saturday", "power (Entergy Arkansas)"),
        ("@KCPLConnect what is up with the power outage in Grandview?", "power (KCP&L)"),
        ("@PSEGLI reported an outage an hour ago, no crews yet", "power (PSEG Long Island)"),
        ("@TWC_Help is there an outage in Akron? internet out since 5pm", "Time Warner Cable"),
        ("Spectrum internet down again in Austin", "Spectrum"),
        ("@Uverse internet outage in our neighbourhood for 3 days", "AT&T U-verse"),
        ("AT&T outage, no bars and no internet", "AT&T"),
        ("@VerizonSupport the power outage knocked out everything, no phone, internet or TV", "Verizon Fios"),
        ("@VerizonSupport same problem on both boxes, guide will not load", "Verizon Fios"),
        ("@Verizon my data has not worked for a week", "Verizon Wireless"),
        ("@VerizonSupport my home internet keeps going down", "Verizon"),
        ("@SmileComsNG your network has been down all day", "Smile"),
        ("@SmileComsUG no internet in Kampala", "Smile Uganda"),
        ("@Airtel_Presence no network in Delhi since morning", "Airtel India"),
        ("@virginmediaIE broadband down in Waterford", "Virgin Media Ireland"),
        ("@AppleSupport my iPhone 7 keeps restarting", "Apple"),
        ("@AppleSupport since I updated my iPhone the keyboard lags", "iOS"),
    ],
)
def test_parent_and_sub_services(cat: ServiceCatalog, text: str, expected: str) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # trigger phrases of the generic services, as general phrases
        ("We lost power again, third time this week", "power grid"),
        ("without electricity since 8pm and nobody answers the phone", "power grid"),
        ("Power failures every evening in our town, how long?", "power grid"),
        ("the power company turned off the power in my neighborhood at 5 am", "power grid"),
        ("No pwr since last night on our road", "power grid"),
        ("NO SCHOOL today due to #power #outage", "power grid"),
        ("my internet doesn't work again, third time this week", "internet"),
        ("Complete network outage at work, phone lines down too", "internet"),
        ("another day with no broadband, fantastic", "internet"),
        ("I have been without internet for two days", "internet"),
        # a denied trigger does not count
        ("No, it's not a power outage, just the internet doesn't work", "internet"),
    ],
)
def test_generic_trigger_phrases(cat: ServiceCatalog, text: str, expected: str | None) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # no trigger phrase, but an outage in a utility's words, or the internet/wifi said to be failing
        ("Crews continue to work on the outage. No ETR yet.", "power grid"),
        ("Update: outage in the south end, extra crews are on site", "power grid"),
        ("the outage has lasted 16 hours, time to start throwing away food", "power grid"),
        ("my wifi keeps dropping every ten minutes", "internet"),
        ("DNS servers are down again at the office", "internet"),
        # a support reply about "issues" is not a report that something is out; nothing else names a service
        ("Sorry you are having issues with your internet, please DM us", None),
        ("There was an outage somewhere, no idea what", None),
        ("Crew members were lovely on my flight today", None),
    ],
)
def test_generic_hints(cat: ServiceCatalog, text: str, expected: str | None) -> None:
    assert cat.identify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a dead connection explains an app failing at the user's end, as a power cut does
        ("no internet since noon so Netflix won't load", "internet"),
        ("lost home internet and now I can't stream Hulu", "internet"),
        ("Comcast outage, no internet, so no Netflix tonight", "Comcast Xfinity"),
        # a game and an ISP: the game's servers fail unless the post blames the connection
        ("@VerizonSupport was it you or Blizzard who broke the servers?", "Blizzard Battle.net"),
        ("@comcastcares my internet keeps dropping and Xbox Live disconnects", "Comcast Xfinity"),
        ("Spectranet has been useless all night, cannot even play PlayStation Plus", "Spectranet"),
    ],
)
def test_app_game_or_connection(cat: ServiceCatalog, text: str, expected: str) -> None:
    assert cat.identify(text) == expected


def test_derived_handles_and_hashtags(cat: ServiceCatalog) -> None:
    # a regional account "@<name>_<region>" is the service's handle; "#<name><suffix>" its hashtag
    assert cat.identify("@Eskom_Gauteng no power in Soweto since 6") == "power (Eskom)"
    assert [m.kind for m in cat.mentions("@BSNL_KTK line dead for a week")] == ["handle"]
    # not from a name that is also an ordinary word: @sky_fan is a person, not Sky
    assert cat.identify("@sky_fan my flight is delayed, the gate screens are down") is None
    assert cat.identify("#kplccustomercare no power for three days now") == "power (Kenya Power)"
    assert cat.identify("15 hours to fix the Internet service. #fios_outage") == "Verizon Fios"
    assert cat.identify("#suddenlinkdown again tonight") == "Suddenlink"
    # without the sign, or with an unknown suffix, nothing is derived
    assert cat.identify("suddenlinkdown") is None
    assert cat.identify("#netflixandchill tonight") is None


def test_glued_urls_and_blockers(cat: ServiceCatalog) -> None:
    # a URL glued to the word before it does not hide that word
    assert cat.identify("No power at the school today @MLGWpic.twitter.com/AIcnp68GiU") == "power (MLGW)"
    assert cat.identify("NO SCHOOL due to #power #outage @wcnchttps://twitter.com/CharMeck/status/1") == "power grid"
    # "teams" and "nationwide" as ordinary words
    assert cat.identify("Sorry you are without internet service, we have teams working to restore it") == "internet"
    assert cat.identify("No internet service at work, IT says it is a nationwide outage") == "internet"


def test_renamed_services_follow_the_labels(cat: ServiceCatalog) -> None:
    for name in ("power (DTE)", "power (Con Edison)", "power (CenterPoint Energy)", "power (PSE)", "Office 365",
                 "Amazon Kindle", "O2", "Telkom", "Smile"):
        assert name in cat, name
    assert cat.get("dte energy").name == "power (DTE)"
    assert cat.get("@PSETalk").name == "power (PSE)"
    assert cat.services["power (AEP Ohio)"].parent == "power (AEP)"
    assert cat.services["Time Warner Cable"].parent == "Spectrum"
    assert cat.services["AT&T U-verse"].parent == "AT&T"


# ---------------------------------------------------------------- malformed catalog files

GOOD = """services:
- {name: Alpha, company: A, category: messaging, countries: [US], aliases: [alpha app], handles: [AlphaHelp]}
- {name: Beta, company: B, category: isp, countries: [GLOBAL], aliases: [beta net], ambiguous: [beta]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_from_file_good(tmp_path: Path) -> None:
    cat = ServiceCatalog.from_file(_write(tmp_path, GOOD))
    assert set(cat.services) == {"Alpha", "Beta"}
    assert cat.identify("alpha app is down") == "Alpha"
    assert cat.identify("beta net has no signal") == "Beta"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services: [", "not valid YAML"),
        ("- just a list", "'services' list"),
        ("services: []", "empty"),
        ("services:\n- {company: A, category: isp, countries: [US], aliases: [a]}", "missing required key 'name'"),
        ("services:\n- {name: A, company: A, category: telco, countries: [US], aliases: [a]}", "unknown category"),
        ("services:\n- {name: A, company: A, category: isp, countries: [USA], aliases: [a]}", "ISO alpha-2"),
        ("services:\n- {name: A, company: A, category: isp, countries: [US], aliases: a}", "list of non-empty strings"),
        ("services:\n- {name: A, company: A, category: isp, countries: [US], aliases: [a], colour: red}", "unknown keys"),
        ("services:\n- {name: A, company: A, category: isp, countries: [US], handles: ['@a']}", "without #/@"),
        ("services:\n- {name: A, company: A, category: isp, countries: [US]}", "at least one alias"),
        (GOOD + "- {name: alpha, company: C, category: isp, countries: [US], aliases: [c]}", "duplicate service name"),
        (GOOD + "- {name: C, company: C, category: isp, countries: [US], aliases: [alpha app]}", "used by both"),
        (GOOD + "- {name: C, company: C, category: isp, countries: [US], aliases: [beta]}", "ambiguous"),
        (GOOD + "- {name: C, company: C, category: isp, countries: [US], aliases: [c], parent: Zeta}", "not in the catalog"),
        (GOOD + "- {name: C, company: C, category: isp, countries: [US], aliases: [c], refiners: [x]}", "need a 'parent'"),
        (GOOD + "- {name: C, company: C, category: isp, countries: [US], aliases: [c], status_page: ftp://x}", "URL"),
        (GOOD + "- {name: C, company: C, category: power_utility, countries: [US, CA], area: Ohio, aliases: [c]}",
         "'area' needs exactly one country"),
        (GOOD + "- {name: C, company: C, category: power_utility, countries: [US], area: [Ohio], aliases: [c]}",
         "'area' must be"),
    ],
)
def test_malformed_catalog(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        ServiceCatalog.from_file(_write(tmp_path, text))


def test_catalog_error_is_value_error(tmp_path: Path) -> None:
    assert issubclass(CatalogError, ValueError)
    with pytest.raises(ValueError):
        ServiceCatalog.from_file(tmp_path / "missing.yaml")


# ---------------------------------------------------------------- accuracy on real labelled posts


def _norm(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def test_accuracy_on_labelled_outage_posts(cat: ServiceCatalog) -> None:
    path = require("data/labeled/outage_posts_dev.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["outage"] == "1"]
    assert len(rows) > 200
    correct = 0
    for r in rows:
        gold = {_norm(p) for p in r["service"].split(";")} - {""} or {""}
        correct += _norm(cat.identify(r["text"])) in gold
    accuracy = correct / len(rows)
    assert accuracy >= 0.85, f"service accuracy {accuracy:.3f} on {len(rows)} outage posts"


def test_service_areas_are_one_country_power_utilities_with_real_divisions() -> None:
    from outageradar.classify.region import RegionTagger

    cat = ServiceCatalog.default()
    areas = {name: s.service_area for name, s in cat.services.items() if s.service_area is not None}
    assert areas["power (Georgia Power)"] == ("US", "Georgia")
    assert areas["power (Kenya Power)"] == ("KE", None)
    assert areas["power (AusNet)"] == ("AU", "Victoria")
    # multi-country utilities, generic power, telecoms and apps are not placed by the service
    assert "power (National Grid)" not in areas and "power grid" not in areas
    assert cat.get("Verizon").service_area is None and cat.get("Xbox Live").service_area is None
    # every area is a first-level division the gazetteer knows, in that country
    known = {(cc, a1) for v in RegionTagger.default().gaz.admin1_by_key.values() for cc, a1 in v}
    for name, (cc, a1) in areas.items():
        assert a1 is None or (cc, a1) in known, name
