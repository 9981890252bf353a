"""A simulated week of posts for the demo — clearly labelled ``source="simulated"``.

Twelve services, posts from several countries and regions, a daily rhythm (quiet nights, busy evenings in each
region's local time), background chatter that is not about outages, a steady trickle of ordinary problem reports,
and injected outages:

- one **multi-region outage**: one service fails in several regions at once (the thing the detector must find);
- one **local blip**: a single provider has trouble in one region only (a weak signal at most).

Region is given the ways real platforms give it — coordinates, the profile location, or a place named in the text —
so the demo exercises the whole tagger. Everything is drawn from a seeded generator, so the same seed gives the same
file. The injected events are returned as :class:`Injected` so the demo can check what the detector found.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SERVICES = {
    # canonical name: (how people write it, what a failure looks like)
    "Xbox Live": (["Xbox Live", "xbox live", "Xbox"], "online play"),
    "PlayStation Network": (["PSN", "PlayStation Network", "psn"], "online play"),
    "WhatsApp": (["WhatsApp", "whatsapp"], "messages"),
    "Instagram": (["Instagram", "insta", "IG"], "feed"),
    "Gmail": (["Gmail", "gmail"], "email"),
    "Netflix": (["Netflix", "netflix"], "streaming"),
    "Spotify": (["Spotify", "spotify"], "music"),
    "Comcast Xfinity": (["Xfinity", "Comcast", "@comcastcares"], "internet"),
    "Verizon Wireless": (["Verizon", "@VerizonSupport"], "signal"),
    "MTN Nigeria": (["MTN", "@MTNNG"], "data"),
    "Slack": (["Slack", "slack"], "messages"),
    "GitHub": (["GitHub", "github"], "pushes"),
}

# (country, admin1, city, lat, lon, profile location, utc offset hours, weight, services used there)
REGIONS = [
    ("US", "Georgia", "Atlanta", 33.749, -84.388, "Atlanta, GA", -5, 1.0, "all-us"),
    ("US", "Texas", "Houston", 29.760, -95.370, "Houston, TX", -6, 1.2, "all-us"),
    ("US", "California", "Los Angeles", 34.052, -118.244, "Los Angeles, CA", -8, 1.5, "all-us"),
    ("US", "New York", "New York City", 40.713, -74.006, "NYC", -5, 1.5, "all-us"),
    ("US", "Illinois", "Chicago", 41.878, -87.630, "Chicago, IL", -6, 1.0, "all-us"),
    ("GB", "England", "London", 51.507, -0.128, "London, UK", 0, 1.3, "global"),
    ("GB", "Scotland", "Glasgow", 55.864, -4.252, "Glasgow, Scotland", 0, 0.5, "global"),
    ("CA", "Ontario", "Toronto", 43.653, -79.383, "Toronto, ON", -5, 0.8, "global"),
    ("NG", "Lagos", "Lagos", 6.524, 3.379, "Lagos, Nigeria", 1, 0.9, "ng"),
    ("AU", "New South Wales", "Sydney", -33.869, 151.209, "Sydney, Australia", 11, 0.7, "global"),
]
US_ONLY = {"Comcast Xfinity", "Verizon Wireless"}
NG_ONLY = {"MTN Nigeria"}

OUTAGE_TEMPLATES = [
    "Is {alias} down? {thing} not working for me {where}",
    "{alias} down again {where} smh",
    "anyone else having problems with {alias} {where}? can't connect at all",
    "{alias} not working {where} right now, {thing} won't load",
    "{alias} outage {where}? keeps giving me an error",
    "{alias} is down {where}. nothing loads. #{tag}down",
    "can't log in to {alias} {where}, says something went wrong",
    "{alias} been down for 20 minutes {where}, {thing} completely dead",
]
CHATTER_TEMPLATES = [
    "just renewed my {alias} subscription, worth it",
    "{alias} raised the price again, not happy about the bill",
    "love the new {alias} update honestly",
    "does anyone know how to change my {alias} username?",
    "thinking of switching away from {alias}, any recommendations",
    "{alias} customer service was actually helpful today, thanks!",
    "watching the game tonight, {alias} on in the background",
    "my {alias} order arrived late lol",
]
WHERE = ["in {city}", "here in {city}", "in {profile}", "", "", "{city} area"]


@dataclass
class Injected:
    kind: str  # multi_region | local
    service: str
    start: str
    end: str
    regions: list[dict] = field(default_factory=list)
    rate_per_region_per_5min: float = 0.0


@dataclass
class Simulation:
    posts: int
    start: str
    end: str
    outage_day: str
    injected: list[Injected]


def _diurnal(local_hour: float) -> float:
    """Activity by local hour: low at 4am, high in the evening (between 0.15 and 1.6)."""
    return 0.15 + 0.725 * (1 - math.cos(2 * math.pi * (local_hour - 4) / 24)) ** 1.3


def _services_for(tag: str) -> list[str]:
    names = [s for s in SERVICES if s not in US_ONLY | NG_ONLY]
    if tag == "all-us":
        names += sorted(US_ONLY)
    if tag == "ng":
        names += sorted(NG_ONLY)
    return names


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def simulate(
    start_day: date,
    days: int = 7,
    seed: int = 7,
    outage_day_index: int = 5,
    outage_service: str = "Xbox Live",
    outage_regions: tuple[str, ...] = ("Georgia", "Texas", "England"),
    local_service: str = "Comcast Xfinity",
    local_region: str = "Illinois",
) -> tuple[list[dict], Simulation]:
    """Generate the posts (as file records, one dict per post) and describe what was injected."""
    rng = random.Random(seed)
    t0 = datetime(start_day.year, start_day.month, start_day.day, tzinfo=timezone.utc)
    outage_start = t0 + timedelta(days=outage_day_index, hours=14, minutes=5)
    outage_end = outage_start + timedelta(minutes=85)
    local_start = t0 + timedelta(days=outage_day_index - 2, hours=22, minutes=10)
    local_end = local_start + timedelta(minutes=40)
    big = Injected("multi_region", outage_service, outage_start.isoformat(), outage_end.isoformat(),
                   [{"country": r[0], "admin1": r[1], "city": r[2]} for r in REGIONS if r[1] in outage_regions], 9.0)
    blip = Injected("local", local_service, local_start.isoformat(), local_end.isoformat(),
                    [{"country": r[0], "admin1": r[1], "city": r[2]} for r in REGIONS if r[1] == local_region], 1.2)
    records: list[dict] = []
    n_buckets = days * 288
    for b in range(n_buckets):
        ts = t0 + timedelta(minutes=5 * b)
        for region in REGIONS:
            country, admin1, city, lat, lon, profile, offset, weight, tag = region
            activity = _diurnal((ts.hour + ts.minute / 60 + offset) % 24) * weight
            for service in _services_for(tag):
                # ordinary trickle of problem reports and of chatter, following the daily rhythm
                n_out = _poisson(rng, 0.035 * activity)
                n_chat = _poisson(rng, 0.05 * activity)
                if service == big.service and admin1 in outage_regions and outage_start <= ts < outage_end:
                    n_out += _poisson(rng, big.rate_per_region_per_5min * _ramp(ts, outage_start, outage_end))
                if service == blip.service and admin1 == local_region and local_start <= ts < local_end:
                    n_out += _poisson(rng, blip.rate_per_region_per_5min)
                for _ in range(n_out):
                    records.append(_post(rng, ts, service, region, OUTAGE_TEMPLATES))
                for _ in range(n_chat):
                    records.append(_post(rng, ts, service, region, CHATTER_TEMPLATES))
    records.sort(key=lambda r: r["created_at"])
    for i, r in enumerate(records):
        r["source_id"] = f"sim-{seed}-{i:07d}"
    sim = Simulation(len(records), t0.isoformat(), (t0 + timedelta(days=days)).isoformat(),
                     (t0 + timedelta(days=outage_day_index)).date().isoformat(), [big, blip])
    return records, sim


def _ramp(ts: datetime, start: datetime, end: datetime) -> float:
    """Outage intensity: ramps up over 15 minutes, holds, decays over the last 30."""
    up = (ts - start).total_seconds() / 900
    down = (end - ts).total_seconds() / 1800
    return max(0.2, min(1.0, up + 0.2, down))


def _post(rng: random.Random, ts: datetime, service: str, region: tuple, templates: list[str]) -> dict:
    country, admin1, city, lat, lon, profile, *_ = region
    aliases, thing = SERVICES[service]
    if templates is CHATTER_TEMPLATES:  # chatter names the service, it is not addressed to its support handle
        aliases = [a for a in aliases if not a.startswith("@")]
    alias = rng.choice(aliases)
    how = rng.random()
    where = ""
    rec: dict = {"source": "simulated"}
    if how < 0.25:  # a geotagged post: coordinates near the city
        rec["lat"] = round(lat + rng.uniform(-0.08, 0.08), 4)
        rec["lon"] = round(lon + rng.uniform(-0.08, 0.08), 4)
    elif how < 0.6:  # the profile says where the author is
        rec["user_location"] = profile
    elif how < 0.85:  # the text says where
        where = rng.choice(WHERE).format(city=city, profile=profile)
    # else: no location at all
    tag = "".join(ch for ch in alias.lower() if ch.isalnum())
    text = rng.choice(templates).format(alias=alias, thing=thing, where=where, tag=tag)
    rec["text"] = " ".join(text.split())
    rec["created_at"] = (ts + timedelta(seconds=rng.randrange(300))).isoformat()
    rec["author_id"] = str(rng.randrange(10**9))
    rec["lang"] = "en"
    return rec


def write_jsonl(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
