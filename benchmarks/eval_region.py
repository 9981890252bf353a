"""Evaluate the region tagger on the labelled dev posts and time it.

Prints, for ``RegionTagger.from_text`` on ``../shared/data/labeled/outage_posts_dev.csv``:

* precision: of the posts where the tagger outputs a region, the share whose country matches the labelled country
  (posts labelled with no place count as errors; labels without a country part are left out); and at finer levels,
  the share whose admin1 / city matches where the label gives that part;
* recall: of the posts with a labelled country, the share where the tagger outputs that country;
* every error;
* throughput of ``from_text`` over about 200k real posts (the dev file and the customer-support and complaint corpora);
* the coordinates / place / profile paths on ``payloads/twarc_csv/geo_tweets.jsonl`` and ``data/isp_tweets/``.

Run: ``.venv/bin/python benchmarks/eval_region.py [--errors] [--shared ../shared]``
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outageradar.classify.gazetteer import Gazetteer, normalise  # noqa: E402
from outageradar.classify.region import RegionTagger  # noqa: E402

LABEL_COUNTRY = {"UK": "GB", "US": "US", "USA": "US"}


def label_country(gaz: Gazetteer, name: str) -> str | None:
    if name in LABEL_COUNTRY:
        return LABEL_COUNTRY[name]
    return gaz.country_by_key.get(normalise(name).strip())


def parse_label(gaz: Gazetteer, label: str) -> tuple[str | None, str | None, str | None]:
    """(country, admin1, city) of a "City, State, Country" label; two parts give (country, None, first part)."""
    first = label.split(";")[0]
    parts = [p.strip() for p in first.split(",") if p.strip()]
    cc = label_country(gaz, parts[-1]) if parts else None
    if cc is None:
        return None, None, parts[0] if parts else None
    if len(parts) >= 3:
        return cc, parts[-2], parts[0]
    if len(parts) == 2:
        return cc, None, parts[0]
    return cc, None, None


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise(a).strip() == normalise(b).strip()


def evaluate(tagger: RegionTagger, path: Path, show_errors: bool) -> dict[str, float]:
    gaz = tagger.gaz
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    n_out = 0
    country_ok = 0
    labelled = recall_ok = 0
    a1_n = a1_ok = city_n = city_ok = 0
    errors: list[str] = []
    for row in rows:
        label = (row.get("region") or "").strip()
        got = tagger.from_text(row["text"])
        want_cc, want_a1, want_city = parse_label(gaz, label) if label else (None, None, None)
        if label and want_cc:
            labelled += 1
            if got is not None and got.country == want_cc:
                recall_ok += 1
        if got is None:
            if label and want_cc:
                errors.append(f"MISS  want={label!r:40} | {row['text'][:150]!r}")
            continue
        if label and want_cc is None:
            continue  # label without a country ("Portland"): not scored
        n_out += 1
        if got.country == want_cc:
            country_ok += 1
        else:
            errors.append(f"WRONG got={got.label()!r:28} want={label!r:28} | {row['text'][:150]!r}")
            continue
        if want_a1 is not None:
            a1_n += 1
            a1_ok += same(got.admin1, want_a1) or same(got.city, want_a1)
        if want_city is not None:
            city_n += 1
            city_ok += same(got.city, want_city) or same(got.admin1, want_city)
    res = {
        "outputs": n_out,
        "labelled": labelled,
        "precision_country": country_ok / n_out if n_out else 0.0,
        "recall_country": recall_ok / labelled if labelled else 0.0,
        "precision_admin1": a1_ok / a1_n if a1_n else 0.0,
        "precision_city": city_ok / city_n if city_n else 0.0,
    }
    if show_errors:
        print("\n".join(errors))
    print(
        f"dev posts={len(rows)} labelled-with-country={labelled} outputs={n_out}\n"
        f"  precision country={res['precision_country']:.3f}  admin1={res['precision_admin1']:.3f} (n={a1_n})"
        f"  city={res['precision_city']:.3f} (n={city_n})\n  recall country={res['recall_country']:.3f}"
    )
    return res


def corpus_texts(shared: Path, limit: int = 200_000) -> list[str]:
    texts: list[str] = []
    for p in sorted((shared / "data" / "customer_support").glob("*.csv")):
        with open(p, encoding="utf-8", errors="ignore") as fh:
            for row in csv.DictReader(fh):
                texts.append(row.get("text") or "")
    with open(shared / "data" / "complaints" / "complaints-data.csv", encoding="utf-8", errors="ignore") as fh:
        for row in csv.reader(fh):
            if len(row) > 1:
                texts.append(row[1])
    texts = [t for t in texts if t]
    while texts and len(texts) < limit:
        texts = texts + texts[: limit - len(texts)]
    return texts[:limit]


def throughput(tagger: RegionTagger, texts: list[str]) -> None:
    t0 = time.perf_counter()
    found = sum(1 for t in texts if tagger.from_text(t) is not None)
    dt = time.perf_counter() - t0
    print(f"throughput: {len(texts)} posts in {dt:.2f}s = {len(texts) / dt:,.0f} posts/s "
          f"({dt / len(texts) * 1e6:.1f} us/post); {found / len(texts):.1%} got a region")
    t0 = time.perf_counter()
    regions = tagger.tag_many((t, None, None, None, None) for t in texts[:50_000])
    dt = time.perf_counter() - t0
    print(f"tag_many (text only): {len(regions)} posts in {dt:.2f}s = {len(regions) / dt:,.0f} posts/s")


def other_paths(tagger: RegionTagger, shared: Path) -> None:
    rows: list[tuple[str, str | None, float | None, float | None, str | None]] = []
    geo = shared / "payloads" / "twarc_csv" / "geo_tweets.jsonl"
    for line in open(geo, encoding="utf-8"):
        o = json.loads(line)
        places = {p["id"]: p for p in o.get("includes", {}).get("places", [])}
        users = {u["id"]: u for u in o.get("includes", {}).get("users", [])}
        for t in o.get("data", []):
            g = t.get("geo") or {}
            pt = (g.get("coordinates") or {}).get("coordinates")
            lon, lat = (pt[0], pt[1]) if pt else (None, None)
            place = places.get(g.get("place_id"), {}).get("full_name")
            loc = users.get(t.get("author_id"), {}).get("location")
            rows.append((t.get("text", ""), loc, lat, lon, place))
    print(f"\ngeo_tweets.jsonl: {len(rows)} tweets")
    for row, region in zip(rows, tagger.tag_many(rows)):
        print(f"  place={row[4]!r} loc={row[1]!r} point={row[2:4]} -> {region.label()!r} ({region.evidence})")
        for name, r in (("place", tagger.from_place(row[4]) if row[4] else None),
                        ("profile", tagger.from_location(row[1]) if row[1] else None)):
            print(f"      {name}: {r.label() if r else None!r}")
    isp_rows = []
    point = re.compile(r"\[(-?[\d.]+), (-?[\d.]+)\]")
    full = re.compile(r"full_name='([^']*)'")
    for name in ("raw__merged.csv", "analogous-data__analogous_tweets_nov_27.csv"):
        with open(shared / "data" / "isp_tweets" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                m = point.search(row.get("Coordinates") or "")
                p = full.search(row.get("Place") or "")
                if m or p:
                    lat = float(m.group(2)) if m else None
                    lon = float(m.group(1)) if m else None
                    isp_rows.append((row["Text"], None, lat, lon, p.group(1) if p else None))
    regions = tagger.tag_many(isp_rows)
    by_ev: dict[str | None, int] = {}
    for r in regions:
        by_ev[r.evidence] = by_ev.get(r.evidence, 0) + 1
    print(f"\nisp_tweets rows with place/coordinates: {len(isp_rows)}; evidence used: {by_ev}")
    seen = set()
    for row, r in zip(isp_rows, regions):
        k = (row[2] is not None, row[4])
        if k in seen:
            continue
        seen.add(k)
        print(f"  place={row[4]!r} point={row[2:4]} -> {r.label()!r} ({r.evidence})")
        if len(seen) > 25:
            break


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--errors", action="store_true", help="list every error")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--paths", action="store_true", help="also show coordinates/place/profile on geo payloads")
    args = ap.parse_args()
    t0 = time.perf_counter()
    tagger = RegionTagger.default()
    print(f"tagger built in {time.perf_counter() - t0:.2f}s ({len(tagger.gaz.entries):,} names)")
    evaluate(tagger, args.shared / "data" / "labeled" / "outage_posts_dev.csv", args.errors)
    if not args.no_speed:
        throughput(tagger, corpus_texts(args.shared))
    if args.paths:
        other_paths(tagger, args.shared)


if __name__ == "__main__":
    main()
