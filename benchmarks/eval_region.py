"""Evaluate the region tagger on the labelled dev posts and time it.

Prints, for ``RegionTagger.from_text`` on ``../shared/data/labeled/outage_posts_dev.csv``:

* precision: of the posts where the tagger outputs a region, the share whose country matches the labelled country
  (posts labelled with no place count as errors; labels without a country part are left out); and at finer levels,
  the share whose admin1 / city matches where the label gives that part;
* precision on labelled-place posts: the same country precision counting only posts whose label names a place;
* recall: of the posts with a labelled country, the share where the tagger outputs that country;
* every error;
* the same figures for the full tagger (``Tagger.classify_rows`` on the text alone), which places a post about a
  one-country power utility that names no place in the utility's country and area (see ``classify/tagger.py``);
* ``--service-area``: what service-area fallback variants give (only the power-utility one is shipped): for posts where
  the text names no place, the catalog country of the service the post names, under several narrowing rules (every
  single-country service, regional infrastructure, power utilities, outage posts only, a place named inside the
  service's handle or name as written: "@KenyaPower_Care", "@GeorgiaPower", "@OnePlus_IN"); added outputs, how many
  are right, how many fall on posts labelled with no place, and the precision/recall the tagger would then have;
* throughput of ``from_text`` over about 200k real posts (the dev file and the customer-support and complaint corpora);
* the coordinates / place / profile paths on ``payloads/twarc_csv/geo_tweets.jsonl`` and ``data/isp_tweets/``.

Run: ``.venv/bin/python benchmarks/eval_region.py [--errors] [--no-speed] [--service-area] [--shared ../shared]``
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
from outageradar.classify.region import Region, RegionTagger  # noqa: E402

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


def full_tagger_regions(texts: list[str]) -> list[Region | None]:
    """The regions the full tagger gives (text only): the region tagger's, then a power utility's service area."""
    from outageradar.classify.tagger import Row, Tagger

    out: list[Region | None] = []
    for c in Tagger().classify_rows([Row(t) for t in texts]):
        out.append(Region(c.country, c.admin1, c.city, c.region_evidence) if c.country else None)
    return out


def evaluate(tagger: RegionTagger, path: Path, show_errors: bool, full: bool = False) -> dict[str, float]:
    gaz = tagger.gaz
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    found = (full_tagger_regions([r["text"] for r in rows]) if full
             else [tagger.from_text(r["text"]) for r in rows])
    n_out = 0
    country_ok = 0
    placed_out = placed_ok = 0
    labelled = recall_ok = 0
    a1_n = a1_ok = city_n = city_ok = 0
    errors: list[str] = []
    for row, got in zip(rows, found):
        label = (row.get("region") or "").strip()
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
        placed_out += bool(label)
        placed_ok += bool(label) and got.country == want_cc
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
        "precision_placed": placed_ok / placed_out if placed_out else 0.0,
        "recall_country": recall_ok / labelled if labelled else 0.0,
        "precision_admin1": a1_ok / a1_n if a1_n else 0.0,
        "precision_city": city_ok / city_n if city_n else 0.0,
    }
    if show_errors:
        print("\n".join(errors))
    print(
        f"dev posts={len(rows)} labelled-with-country={labelled} outputs={n_out}\n"
        f"  precision country={res['precision_country']:.3f} (strict; on labelled-place posts "
        f"{res['precision_placed']:.3f}, n={placed_out})  admin1={res['precision_admin1']:.3f} (n={a1_n})"
        f"  city={res['precision_city']:.3f} (n={city_n})\n  recall country={res['recall_country']:.3f}"
    )
    return res


_CAMEL = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|_|$|\d)|[A-Z]?[a-z]+|[A-Z]{2,}|\d+")


def _place_in_name(gaz: Gazetteer, name: str) -> str | None:
    """The country named inside a handle or service name: "KenyaPower_Care" -> KE, "GeorgiaPower" -> US (Georgia,
    the state, as the catalog service is in the US), "OnePlus_IN" -> IN, "ThreeUKSupport" -> GB."""
    words = _CAMEL.findall(name)
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            key = normalise(" ".join(words[i : i + n])).strip()
            if key in gaz.country_by_key and len(key) > 2:
                return gaz.country_by_key[key]
            if key in gaz.admin1_by_key:
                return gaz.admin1_by_key[key][0][0]
    for w in words:
        if w.isupper() and len(w) == 2 and w != words[0]:
            cc = "GB" if w == "UK" else w
            if cc in gaz.country_names:
                return cc
    return None


def service_area(tagger: RegionTagger, path: Path) -> None:
    """Measure fallbacks from the service a post names to its catalog country; see the module docstring (only the
    power-utility one is shipped, in the full tagger)."""
    from outageradar.classify.catalog import ServiceCatalog

    cat = ServiceCatalog.default()
    gaz = tagger.gaz
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    base_ok = base_out = labelled = 0
    infra = {"power_utility", "isp", "mobile_carrier"}
    variants = {
        "any single-country service": lambda s, r, m: True,
        "regional infrastructure (power/isp/carrier)": lambda s, r, m: s.category in infra,
        "power utilities": lambda s, r, m: s.category == "power_utility",
        "infrastructure, outage=1 posts only": lambda s, r, m: s.category in infra and r["outage"] == "1",
        "power utilities, outage=1 posts only": lambda s, r, m: s.category == "power_utility" and r["outage"] == "1",
    }
    # per rule: outputs added, right ones, ones on posts labelled with no place
    stats = {k: [0, 0, 0] for k in list(variants) + ["place inside the handle/name as written"]}
    for row in rows:
        label = (row.get("region") or "").strip()
        want = parse_label(gaz, label)[0] if label else None
        if label and want is None:
            continue
        labelled += want is not None
        got = tagger.from_text(row["text"])
        if got is not None:
            base_out += 1
            base_ok += got.country == want
            continue
        name = cat.identify(row["text"])
        svc = cat.get(name) if name else None
        if svc is not None and len(svc.countries) == 1 and svc.countries[0] != "GLOBAL":
            for k, rule in variants.items():
                if rule(svc, row, None):
                    st = stats[k]
                    st[0] += 1
                    st[1] += svc.countries[0] == want
                    st[2] += not label
        for m in cat.mentions(row["text"]):
            if m.kind in ("handle", "alias", "hashtag"):
                cc = _place_in_name(gaz, row["text"][m.start : m.end])
                if cc:
                    st = stats["place inside the handle/name as written"]
                    st[0] += 1
                    st[1] += cc == want
                    st[2] += not label
                    break
    print(f"\nservice-area fallback variants (region tagger alone: outputs={base_out}, right={base_ok}, "
          f"labelled={labelled}):")
    for k, (added, right, noplace) in stats.items():
        out, ok = base_out + added, base_ok + right
        print(f"  {k:45} +{added:3} outputs, {right:3} right, {noplace:3} on no-place posts -> "
              f"precision {ok / out:.3f} recall {ok / labelled:.3f}")


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
    ap.add_argument("--service-area", action="store_true", help="measure service-area fallback variants")
    args = ap.parse_args()
    t0 = time.perf_counter()
    tagger = RegionTagger.default()
    print(f"tagger built in {time.perf_counter() - t0:.2f}s ({len(tagger.gaz.entries):,} names)")
    dev = args.shared / "data" / "labeled" / "outage_posts_dev.csv"
    print("== region tagger (from_text)")
    evaluate(tagger, dev, args.errors)
    print("== full tagger (text only): region tagger, then a one-country power utility's service area")
    evaluate(tagger, dev, args.errors, full=True)
    if args.service_area:
        service_area(tagger, args.shared / "data" / "labeled" / "outage_posts_dev.csv")
    if not args.no_speed:
        throughput(tagger, corpus_texts(args.shared))
    if args.paths:
        other_paths(tagger, args.shared)


if __name__ == "__main__":
    main()
