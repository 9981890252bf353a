"""Tagging cost of long posts: N ordinary posts against N posts of 5 MB each, through ``classify file``, per post.

    .venv/bin/python benchmarks/bench_long_posts.py [--n 3] [--mb 5] [--ordinary 2000]

Every tagger entry point reads only the first ``MAX_TAGGED_CHARS`` (10,000) characters of a post
(``outageradar/classify/tagger.py``), so a 5 MB post costs about what a 10,000-character one does; below the cap the
time grows linearly with the length (the service matcher's per-hit distance, context and URL checks used to scan every
other span of the post: 100 KB of "Apple iCloud outage" took 6.4 s, 1 MB of real posts 4.5 s in the matcher alone;
the region tagger's small-town hint compared every town with every other: 10,000 characters of "in Port Hood" took
0.3 s; the batch tokenizer looked for the end of a post from each hashtag and link in it).

Checks before it prints a time (exit 1 otherwise): every row of every file is classified (rows out == rows in), each
long post's output carries its whole text, and its labels equal those of its first 10,000 characters; the same for
posts of the same size made of hostile repetitions (``HOSTILE``: a state abbreviation, a small town in context,
two-letter words that spell states ...). It then prints the time per post, ordinary (``--ordinary`` real posts) vs
long, for ``classify file`` and for the tagger alone (``Tagger.classify_rows`` in this process), and times the
uncapped parts (service matcher, region tagger, relevance model) on 100 KB and 1 MB of one text, printing the ratio
(10 is linear).

Last measured (2 shared cores, other jobs running: figures vary 2-3x between runs, 2026-12-02): per post, ordinary
0.06-0.11 ms in ``classify file`` (0.05-0.08 ms tagging), 5 MB 383-402 ms (4-13 ms tagging, about x80 an ordinary
post as for its characters; the rest is reading and writing its 5 MB of JSON, about 75 ms per MB); hostile 5 MB posts
9-120 ms tagging each (most for the 3,333 "GA"s of the prefix); uncapped 100 KB -> 1 MB: matcher 0.01 -> 0.18-0.26 s,
regions 0.05 -> 0.29-0.42 s, relevance 0.01 -> 0.07 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outageradar.pipeline.classify_file import classify_file  # noqa: E402
from outageradar.classify.tagger import MAX_TAGGED_CHARS, Row, Tagger  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "labeled" / "outage_posts_dev.csv"
FALLBACK = ["@comcastcares my internet is out in Denver, CO since 3pm", "Is Xbox Live down? can't sign in",
            "power outage in Austin TX again", "Apple iCloud outage lol", "bt down #outage @verizon https://t.co/x"]


def ordinary_texts() -> list[str]:
    if DEV.is_file():
        with open(DEV, newline="", encoding="utf-8") as fh:
            return [r["text"] for r in csv.DictReader(fh)]
    return FALLBACK


def long_text(texts: list[str], chars: int, offset: int) -> str:
    block = " ".join(texts[offset:] + texts[:offset])
    return (block * (chars // len(block) + 1))[:chars]


def run_file(tagger: Tagger, rows: list[str], folder: Path, name: str) -> tuple[float, list[dict]]:
    src, out = folder / f"{name}.jsonl", folder / f"{name}.out.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i, t in enumerate(rows):
            fh.write(json.dumps({"id": i, "text": t}) + "\n")
    start = time.perf_counter()
    summary = classify_file(src, out, tagger=tagger)
    seconds = time.perf_counter() - start
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    if summary.rows != len(rows) or len(got) != len(rows) or summary.rejected:
        sys.exit(f"FAIL {name}: {summary.rows} of {len(rows)} rows classified ({summary.rejected} rejected)")
    return seconds, got


HOSTILE = {"state abbreviations": "GA ", "a small town in context": "in Port Hood ", "words spelling states":
           "IN OR ME OK HI ", "a city in context": "in Gulu ", "a month in context": "in March "}
"""Post shapes that make many place mentions in the tagged prefix (each the most expensive of its kind found)."""


def per_post(fn, items) -> float:
    start = time.perf_counter()
    fn(items)
    return (time.perf_counter() - start) / len(items)


def check_heads(tagger: Tagger, texts: list[str], got: list[dict], what: str) -> None:
    for text, row in zip(texts, got):
        want = tagger.classify(text[:MAX_TAGGED_CHARS])
        if row["text"] != text or (row["service"], row["city"], row["outage"]) != (want.service, want.city,
                                                                                    int(want.outage)):
            sys.exit(f"FAIL: a {what} post's output differs from the labels of its first 10,000 characters")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3, help="posts of each kind")
    ap.add_argument("--mb", type=float, default=5.0, help="size of each long post in MB (characters)")
    ap.add_argument("--ordinary", type=int, default=2000, help="ordinary posts timed for the per-post figures")
    args = ap.parse_args()
    tagger = Tagger()
    tagger.classify("warm up: xbox live is down in Atlanta GA")
    texts = ordinary_texts()
    size = int(args.mb * 1_000_000)
    ordinary = texts[: args.n]
    longs = [long_text(texts, size, 37 * i) for i in range(args.n)]
    many = (texts * (args.ordinary // len(texts) + 1))[: max(1, args.ordinary)]
    hostile = {name: (unit * (size // len(unit) + 1))[:size] for name, unit in HOSTILE.items()}
    # warm up on the heads too: they load the tables read on first need (ZIP codes, villages), once per process
    tagger.classify_rows([Row(t[:MAX_TAGGED_CHARS]) for t in longs + list(hostile.values())])
    with tempfile.TemporaryDirectory() as tmp:
        t_ord, _ = run_file(tagger, ordinary, Path(tmp), "ordinary")
        t_long, got = run_file(tagger, longs, Path(tmp), "long")
        check_heads(tagger, longs, got, "long")
        t_many, _ = run_file(tagger, many, Path(tmp), "many")
        _, got_h = run_file(tagger, list(hostile.values()), Path(tmp), "hostile")
        check_heads(tagger, list(hostile.values()), got_h, "hostile")
    # every check passed: now the figures
    print(f"check ok: {2 * args.n + len(many) + len(hostile):,} rows classified; each long and hostile post's output "
          f"holds its whole text and the labels of its first {MAX_TAGGED_CHARS:,} characters")
    print(f"classify file: {args.n} ordinary posts {t_ord:.3f} s; {args.n} posts of {args.mb:g} MB {t_long:.3f} s "
          f"(all {2 * args.n} rows classified, long labels = labels of the first {MAX_TAGGED_CHARS:,} characters)")

    def tag(items):
        tagger.classify_rows([Row(t) for t in items])

    tag_ord, tag_long = per_post(tag, many), per_post(tag, longs)
    print(f"per post: classify file ordinary {1e3 * t_many / len(many):.2f} ms, "
          f"{args.mb:g} MB {1e3 * t_long / args.n:.1f} ms; tagging alone ordinary {1e3 * tag_ord:.2f} ms, "
          f"{args.mb:g} MB {1e3 * tag_long:.1f} ms "
          f"(x{tag_long / max(tag_ord, 1e-9):.0f}; a {MAX_TAGGED_CHARS:,}-character post has "
          f"x{MAX_TAGGED_CHARS / (sum(map(len, many)) / len(many)):.0f} the characters of an ordinary one)")
    print(f"hostile {args.mb:g} MB posts, tagging per post: "
          + ", ".join(f"{name} {1e3 * per_post(tag, [text]):.1f} ms" for name, text in hostile.items()))

    def timed(fn) -> float:
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best

    parts = {
        "service matcher": lambda t: tagger.catalog.identify(t),
        "region tagger": lambda t: list(tagger.regions.tag_many([(t, None, None, None, None)])),
        "relevance": lambda t: tagger.relevance.score_and_problem_many([t]),
    }
    small, big = long_text(texts, 100_000, 0), long_text(texts, 1_000_000, 0)
    for name, fn in parts.items():
        a, b = timed(lambda: fn(small)), timed(lambda: fn(big))
        print(f"uncapped {name}: 100 KB {a:.3f} s, 1 MB {b:.3f} s (x{b / max(a, 1e-9):.1f} for 10x the text)")


if __name__ == "__main__":
    main()
