"""Jetstream filter throughput: parse + filter of recorded-shape commit-event lines on one core (not a test).

Builds N Jetstream ``app.bsky.feed.post`` create events with realistic texts (about 2% mention a catalog service with
an outage cue, a few mention a service without a cue, the rest are everyday posts), then times
``JetstreamFilter.check`` over all of them with the full catalog's terms (one Aho-Corasick automaton).

    .venv/bin/python benchmarks/bench_jetstream.py [--lines 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import time

from outageradar.classify.catalog import ServiceCatalog
from outageradar.ingest.jetstream import JetstreamFilter
from outageradar.ingest.queries import match_terms

EVERYDAY = [
    "Just finished my morning run, feeling great about today's progress!",
    "Does anyone have recommendations for a good sci-fi book? Looking for something like Hyperion.",
    "The sunset over the harbour tonight was unreal 🌅",
    "hot take: pineapple on pizza is fine and we should all move on",
    "New blog post up about migrating our CI pipeline to self-hosted runners, link in bio",
    "my cat has decided 3am is the perfect time for zoomies again",
    "Reading the new climate report and honestly it's a lot to take in.",
    "Coffee number three. It is only 10am. Send help.",
    "Our team shipped the release today after two weeks of bug bashing, proud of everyone",
    "Anyone else watching the game tonight? That last quarter was wild",
    "Working from the library today, the quiet is amazing",
    "Tried a new ramen place downtown and it was worth the wait",
]
MENTION = ["just renewed my {s} subscription", "{s} has a new feature and I kind of like it",
           "thinking about switching away from {s}"]
OUTAGE = ["is {s} down for anyone else? nothing is loading", "{s} not working again, third time this week",
          "{s} outage right now?? can't connect at all", "wow {s} is down in Chicago"]


def make_lines(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names = [s.aliases[0] for s in ServiceCatalog.default().services.values() if s.aliases and not s.generic]
    lines = []
    t0 = 1_725_000_000_000_000
    for i in range(n):
        r = rng.random()
        if r < 0.02:
            text = rng.choice(OUTAGE).format(s=rng.choice(names))
        elif r < 0.05:
            text = rng.choice(MENTION).format(s=rng.choice(names))
        else:
            text = " ".join(rng.sample(EVERYDAY, rng.choice((1, 1, 2))))
        evt = {"did": f"did:plc:{rng.getrandbits(120):030x}"[:32], "time_us": t0 + i * 37, "kind": "commit",
               "commit": {"rev": f"3l{rng.getrandbits(60):013x}", "operation": "create",
                          "collection": "app.bsky.feed.post", "rkey": f"3l{rng.getrandbits(60):011x}",
                          "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-08-30T06:40:00.000Z",
                                     "langs": ["en"], "text": text},
                          "cid": f"bafyrei{rng.getrandbits(200):050x}"}}
        lines.append(json.dumps(evt, ensure_ascii=False, separators=(",", ":")))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    terms = match_terms(ServiceCatalog.default().services)
    lines = make_lines(args.lines)
    best = float("inf")
    for _ in range(args.repeat):
        f = JetstreamFilter(terms)
        start = time.perf_counter()
        check = f.check
        for line in lines:
            check(line)
        best = min(best, time.perf_counter() - start)
    print(f"{len(terms):,} catalog terms; {len(lines):,} lines, {sum(map(len, lines)) / len(lines):.0f} bytes/line avg")
    print(f"candidates {f.candidates:,}, matched {f.matched:,}")
    print(f"parse+filter: {len(lines) / best:,.0f} lines/s on one core (best of {args.repeat})")


if __name__ == "__main__":
    main()
