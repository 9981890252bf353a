"""Jetstream filter throughput: parse + filter of recorded-shape commit-event lines on one core (not a test).

Builds N Jetstream ``app.bsky.feed.post`` create events with realistic texts (about 2% mention a catalog service with
an outage cue, a few mention a service without a cue, the rest are everyday posts), then times
``JetstreamFilter.check`` over all of them with the full catalog's terms (one Aho-Corasick automaton).

Check, before the rate is printed (exit 1 with "check FAILED: ..." otherwise): in every repeat the filter passes
exactly the generated outage posts (each returned as its event, with its text) and none of the mentions without an
outage cue or the everyday posts.

    .venv/bin/python benchmarks/bench_jetstream.py [--lines 200000] [--repeat 3]

Last measured figures: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from outageradar.classify.catalog import ServiceCatalog
from outageradar.ingest.jetstream import JetstreamFilter
from outageradar.ingest.queries import CUE_WORDS, match_terms

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


def make_lines(n: int, seed: int = 1, outage_rows: list[int] | None = None) -> list[str]:
    """``n`` event lines; the indices of the outage posts (those the filter must pass) go to ``outage_rows``."""
    rng = random.Random(seed)
    names = [s.aliases[0] for s in ServiceCatalog.default().services.values() if s.aliases and not s.generic]
    # a mention "without a cue" must not carry one in the service's own name ("911 outage")
    quiet = [n for n in names if not any(c.lower() in n.lower() for c in CUE_WORDS)]
    lines = []
    t0 = 1_725_000_000_000_000
    for i in range(n):
        r = rng.random()
        if r < 0.02:
            text = rng.choice(OUTAGE).format(s=rng.choice(names))
            if outage_rows is not None:
                outage_rows.append(i)
        elif r < 0.05:
            text = rng.choice(MENTION).format(s=rng.choice(quiet))
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000, help="event lines (default 200,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the best is reported (default 3)")
    args = ap.parse_args(argv)
    if args.lines < 1 or args.repeat < 1:
        ap.error("--lines and --repeat must be positive")
    terms = match_terms(ServiceCatalog.default().services)
    want: list[int] = []
    lines = make_lines(args.lines, outage_rows=want)
    best = float("inf")
    for _ in range(args.repeat):
        f = JetstreamFilter(terms)
        passed = []
        start = time.perf_counter()
        check = f.check
        for line in lines:
            passed.append(check(line))
        best = min(best, time.perf_counter() - start)
        got = [i for i, r in enumerate(passed) if r is not None]
        if got != want or f.matched != len(want):
            extra, lost = sorted(set(got) - set(want)), sorted(set(want) - set(got))
            raise SystemExit(f"check FAILED: the filter passed {len(got):,} lines, {len(want):,} outage posts were "
                             f"generated ({len(lost):,} missed, {len(extra):,} extra"
                             + (f", e.g. line {(lost or extra)[0]}" if lost or extra else "") + ")")
        for i in got:
            evt = passed[i]
            if not isinstance(evt, dict) or evt["commit"]["record"]["text"] != json.loads(lines[i])["commit"]["record"]["text"]:
                raise SystemExit(f"check FAILED: line {i} was passed as {str(evt)[:80]!r}, not its event")
    print(f"check ok: every repeat passed exactly the {len(want):,} outage posts of {len(lines):,} lines")
    print(f"{len(terms):,} catalog terms; {len(lines):,} lines, {sum(map(len, lines)) / len(lines):.0f} bytes/line avg")
    print(f"candidates {f.candidates:,}, matched {f.matched:,}")
    print(f"parse+filter: {len(lines) / best:,.0f} lines/s on one core (best of {args.repeat})")


if __name__ == "__main__":
    main(sys.argv[1:])
