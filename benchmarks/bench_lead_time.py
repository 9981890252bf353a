"""Lead time against the official status page: a day of posts for a service with an official incident, replayed.

    .venv/bin/python benchmarks/bench_lead_time.py [--incident ID] [--seed 7] [--shared ../shared]

The data. ``../shared/`` holds no real posts for a day on which a catalog service had an official incident: its
post corpora are customer-support tweets of 2017 (to @AppleSupport, @XboxSupport ... whose status pages are not in
any feed we have), ISP, power and telecom tweets, while the official incidents are GitHub's (2010-2023), AWS's and
Google Cloud's (2021-2022), about which the corpora hold no day of posts. So the posts are the demo simulator's
(``outageradar.ingest.simulate``: three days, a multi-region GitHub outage), shifted in time so that the simulated
outage begins at the real official incident's ``started_at`` — the assumption being that people start posting when
the problem starts. The official incident is real: GitHub's status history, replayed through ``status sync``'s
collector and store (the documented Statuspage ``incidents.json`` shape, served by an ``httpx.MockTransport``).

Then detection runs on the outage day (``build_report``, as ``report daily`` does), the benchmark checks that our
incident was linked to the official one, and prints the lead time: the official announcement (``created_at``) minus
our first anomalous bucket, and the same against the official ``started_at``. Positive = we saw it first.

Default incident: the most recent GitHub incident of impact major or critical that started between 02:00 and 20:00
UTC (so the simulated outage and its history stay within its day).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--incident", help="GitHub status incident id (default: the newest major/critical one)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args(argv)

    import httpx

    from outageradar.classify.tagger import Tagger
    from outageradar.ingest.filesource import read_posts
    from outageradar.ingest.simulate import simulate, write_jsonl
    from outageradar.ingest.statuspage import StatusCollector, feeds_from_catalog, make_client
    from outageradar.classify.catalog import ServiceCatalog
    from outageradar.reports.daily import build_report
    from outageradar.reports.incidents import detect_day
    from outageradar.store import open_store
    from outageradar.pipeline import load
    from outageradar.store.official import sync_feeds

    path = args.shared / "data" / "status_incidents" / "github" / "incidents.jsonl"
    if not path.exists():
        print(f"error: {path} is absent (../shared)", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda r: r["created_at"], reverse=True)
    if args.incident:
        chosen = next((r for r in rows if r["id"] == args.incident), None)
        if chosen is None:
            print(f"error: no GitHub incident {args.incident!r}", file=sys.stderr)
            return 1
    else:
        chosen = next(r for r in rows if r.get("impact") in ("major", "critical")
                      and 2 <= int((r.get("started_at") or r["created_at"])[11:13]) < 20)
    official_start = datetime.fromisoformat((chosen.get("started_at") or chosen["created_at"]).replace("Z", "+00:00"))
    around = [r for r in rows if abs((datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
                                      - official_start).days) <= 30][:50]
    payload = {"page": {"id": chosen.get("page_id"), "name": "GitHub", "url": "https://www.githubstatus.com"},
               "incidents": around if chosen in around else [chosen, *around[:49]]}

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/lead.db"
        store = open_store(url)
        feed = feeds_from_catalog(ServiceCatalog.default().services.values(), only=["GitHub"])[0]
        transport = httpx.MockTransport(lambda req: httpx.Response(200, json=payload)
                                        if str(req.url) == feed.url else httpx.Response(404))
        sync = sync_feeds(store, [feed], StatusCollector(make_client(transport)).fetch)
        print(sync.providers[0].line())

        records, sim = simulate(official_start.date() - timedelta(days=2), days=3, seed=args.seed,
                                outage_day_index=2, outage_service="GitHub")
        injected = sim.injected[0]
        shift = official_start - datetime.fromisoformat(injected.start)
        for r in records:
            r["created_at"] = (datetime.fromisoformat(r["created_at"]) + shift).isoformat()
        posts = Path(tmp) / "posts.jsonl"
        write_jsonl(records, posts)
        summary = load(store.factory, read_posts(posts, "bench-salt"), Tagger(), quarantine_source="bench")
        day = official_start.date()
        result = detect_day(store, day)
        report = build_report(store, result)
        store.dispose()
    seconds = time.perf_counter() - t0

    print(f"official: GitHub {chosen['id']} {chosen['name']!r} impact {chosen.get('impact')}, "
          f"started {chosen.get('started_at')}, created {chosen['created_at']}")
    print(f"posts: {summary.new:,} simulated posts (not real: see the docstring), outage injected at "
          f"{official_start:%Y-%m-%d %H:%M} UTC for {injected.end and (datetime.fromisoformat(injected.end) - datetime.fromisoformat(injected.start))}")
    ours = [i for i in report["incidents"] if i["service"] == "GitHub"]
    linked = [(i, o) for i in ours for o in i["official"] if o["title"] == chosen["name"]]
    if not linked:
        print(f"check FAILED: {len(ours)} GitHub incidents found, none linked to the official one")
        return 1
    inc, off = linked[0]
    print("check ok: our GitHub incident is linked to the official one")
    print(f"ours: {inc['confidence']} incident from {inc['started_at']} ({inc['total_reports']} reports, "
          f"regions {', '.join(r['admin1'] + ' ' + r['country'] for r in inc['regions'])})")
    lead = off["lead_minutes"]
    who = f"we were {lead:.1f} min ahead" if lead > 0 else f"the status page was {-lead:.1f} min ahead"
    print(f"lead time: {lead:+.1f} min against the announcement ({off['lead_basis']}: {who}); "
          f"{off['lead_minutes_vs_start']:+.1f} min against its started_at")
    print(f"(whole replay: sync, ingest, detection, report in {seconds:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
