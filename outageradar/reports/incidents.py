"""Outage incidents: spikes grouped over time and across regions, with a confidence level.

For one UTC day the detector reads each service's **total** series (``service_day_rollups``: all regions,
including posts with no known region; one row per service and day) over the day and ``history_days`` before it, and
the **region** series (``day_rollups``: service x country x admin1) that could spike that day — those with at least
``min_count`` reports on the day — over the day and ``region_history_days`` before it. Every series goes through the
same causal spike test (:mod:`outageradar.reports.spike`), in batches. A region series borrows strength from its
service: its prior expectation is the service's expected total times the region's recent share of it (smoothed), so
a region with little history does not alarm on its first posts, and a region that is normally silent stands out
when it is not.

A service's anomalous buckets (in any of its series; the spike test's ``extent``: anomalous at some time scale, with
the bucket's last hour itself raised, so the day-scale window's memory of a burst does not stretch an incident)
that lie within ``merge_gap`` of each other form one **episode**.
Each episode becomes an incident with start (first anomalous bucket), end (last anomalous bucket + one bucket), peak,
the regions that spiked with their report counts and expectations, the problem types and a few sample posts.

Confidence, from how widely the service is failing:
- **strong**: three or more regions spike together, or regions in two or more countries — "an outage across locations";
- **moderate**: two regions, or the service's total spikes with at least ``moderate_total`` reports and most of the
  excess is not in one region (a diffuse rise, e.g. from posts that name no place);
- **weak**: one region (however many reports: a local problem), or a small rise of the total alone.

Independent reports. A spike made of the same post over and over is not an outage: an advertising bot ("Power
outage? No problem. With ArcticLock walls ...", 100 copies in ten minutes), one user posting again and again, a
retweet storm of one news post, a school's closure notice cross-posted by 24 accounts. Before an episode becomes an
incident its reports are counted as **reporters** (:func:`distinct_reports`): posts by the same author count once,
and so do **copies of one long text** — texts of :data:`DUPLICATE_TEXT_TOKENS` words or more (:func:`text_words`:
once every link form — ``https://…``, ``pic.twitter.com/…``, ``t.co/…``, ``bit.ly/…``, bare domains — mentions,
hashtags, "RT" and numbers are dropped) that are equal, or near-duplicates: their sets of
:data:`SHINGLE_WORDS`-word shingles overlap with Jaccard above :data:`NEAR_DUPLICATE_JACCARD` (a copy with a prefix,
a comment or a few words changed). Short texts such as "is xbox live down?" are what independent people write, and
stay separate. A spiking region whose reports are fewer than ``min_count`` reporters is copies too, and is not
counted as a region of the incident. The episode is kept only if the reporters alone are at least ``min_count`` (so
is any episode: the tail of a burst that leaves one report in its last bucket is not an incident) and still
improbable under the expected count (Poisson tail below ``reporters_pvalue``); a diffuse rise is moderate only with
``moderate_total`` reporters. Sample posts are from distinct reporters and have distinct texts.

As of a time. With ``as_of`` the detection uses only posts created up to that time, exactly as if the store held
nothing later: the buckets before ``as_of``'s come from the rollups, that bucket from the posts themselves, and the
reporters, problems and samples of an incident are cut at ``as_of`` too (``report live --at``, ``detect run --at``).

Reading and computing are apart: :func:`load_day` reads the day's count arrays through the store's queries, and
:func:`score_day`, :func:`find_episodes` and :func:`build_incident` (given an episode's post rows) are pure
computation, tested without a database. Detection only reads: :func:`detect_day` returns the incidents and
:func:`save_detection` (what ``detect run`` does next) stores them through :mod:`outageradar.store.incidents` in
``incidents``, matched to earlier detections of the same service that
overlap in time (within ``merge_gap``), which are updated rather than duplicated when new data arrives; stored
incidents of the day that the new detection no longer finds are removed.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator, Sequence

import numpy as np
from scipy.stats import poisson

from outageradar.reports.spike import SpikeParams, score_counts
from outageradar.store import incidents as incident_store
from outageradar.store import queries
from outageradar.store.writer import BUCKET_SECONDS, bucket_of

DETECTOR_VERSION = "incidents-3"
DUPLICATE_TEXT_TOKENS = 8
"""Posts whose normalised texts are at least this long and equal (or near-duplicates) are copies of one post, whoever
posted them."""
SHINGLE_WORDS = 3
"""Near-duplicates compare the sets of consecutive word triples (shingles) of two normalised texts."""
NEAR_DUPLICATE_JACCARD = 0.5
"""Two long texts are copies when their shingle sets' Jaccard similarity is above this. Measured on the power-outage
corpus (same-day pairs of different accounts and different normalised texts): every pair above 0.5 was a copy, a quote
or a re-post with a prefix or a few words changed; at 0.5 and below, independently written formulaic posts appear
("no school today because of a power outage")."""
_LINK = re.compile(r"(?:https?:/+|www\.|pic\.twitter\.com/)\S*")  # also glued to a word: "#towerspic.twitter.com/x"
_BARE_DOMAIN = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:[a-z]{2,}/\S*"  # a domain with a path: t.co/x, bit.ly/x, soc.att.com/x
    r"|(?:com|net|org|edu|gov|info|biz|io|co|ly|me|be|gl|it|tv|us|uk|ca|au|de|fr|ng|in|news|app|link)\b)")
_NOISE = re.compile(r"[@#]\w+|\brt\b|\d+|[^\w\s]")
BUCKET = timedelta(seconds=BUCKET_SECONDS)


@dataclass(frozen=True)
class IncidentParams:
    history_days: int = 14  # history of each service's total series
    region_history_days: int = 2  # history of a region series (its prior comes from the service's total)
    merge_gap: timedelta = timedelta(minutes=30)
    moderate_total: int = 20  # reporters a diffuse rise needs to be moderate
    share_pseudo: float = 1.0  # pseudo-reports spread over a service's regions when estimating a region's share
    spike: SpikeParams = field(default_factory=lambda: SpikeParams(alert_pvalue=1e-5, min_count=4.0))
    chunk: int = 8192  # series per score_counts call (which bounds its own working set; this bounds its outputs)
    reporters_pvalue: float = 1e-3  # distinct reporters must still be this improbable under the expected count
    samples: int = 5  # sample posts per incident


DEFAULT_INCIDENT_PARAMS = IncidentParams()


@dataclass
class Incident:
    service: str
    started_at: datetime
    peak_at: datetime
    ended_at: datetime
    confidence: str
    score: float
    peak_count: int
    total_reports: int
    expected_reports: float
    regions: list[dict]
    problems: dict[str, int] = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)
    status: str = "resolved"
    series: dict | None = None  # buckets, counts, expected of the total (for charts; not stored)
    id: int | None = None
    reporters: int = 0  # independent reporters among total_reports (not stored)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "service": self.service, "confidence": self.confidence, "status": self.status,
            "started_at": self.started_at.isoformat(), "peak_at": self.peak_at.isoformat(),
            "ended_at": self.ended_at.isoformat(), "score": round(self.score, 2), "peak_count": self.peak_count,
            "total_reports": self.total_reports, "reporters": self.reporters,
            "expected_reports": round(self.expected_reports, 2),
            "regions": self.regions, "problems": self.problems, "samples": self.samples,
        }


@dataclass
class DetectionResult:
    day: date
    incidents: list[Incident]
    series_scored: int
    posts: int = 0  # posts stored for the day (created up to ``as_of``): 0 means no data, not "no incidents"
    as_of: datetime | None = None
    # the day's buckets of each incident service's total series: (counts, expected, variance) from the detection
    day_totals: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def region_label(country: str, admin1: str) -> str:
    """"Texas US", "England GB", "US": the admin1 name, then the country code, so a list joined with "; " is
    unambiguous ("Georgia US; Georgia GE")."""
    return f"{admin1} {country}" if admin1 else country


def regions_text(regions: Sequence[dict], limit: int | None = None) -> str:
    """The regions of an incident for people: "Texas US; England GB" (at most ``limit``, then "…")."""
    labels = [region_label(r.get("country") or "", r.get("admin1") or "") for r in regions]
    if limit is not None and len(labels) > limit:
        labels = labels[:limit] + ["…"]
    return "; ".join(labels)


@dataclass
class DayCounts:
    """What the detection of one day reads from the store: the bucket grid, each active service's total series
    ``T`` (``names``), and the region series ``R`` that could spike (``keys``: service, country, admin1; from bucket
    ``r0`` of the grid on; ``owner``: the row of ``T`` each belongs to)."""

    day: date
    buckets: np.ndarray  # datetime64[ns], the history window and the day
    today: int  # index of the day's first bucket
    names: list[str]
    T: np.ndarray  # (services, buckets)
    keys: list[tuple[str, str, str]]
    R: np.ndarray  # (region series, buckets from r0)
    r0: int
    posts: int = 0  # posts stored for the day (created up to ``as_of``)
    as_of: datetime | None = None

    @property
    def owner(self) -> np.ndarray:
        row_of = {name: i for i, name in enumerate(self.names)}
        return np.array([row_of[k[0]] for k in self.keys], dtype=np.int64)


@dataclass
class DayScores:
    total: "_Scores"
    region: "_Scores | None"


@dataclass
class Episode:
    """Anomalous buckets ``s..e`` (grid indices, inclusive) of one service (row ``i`` of the day's totals, region
    series ``rows``)."""

    service: str
    i: int
    rows: np.ndarray
    s: int
    e: int

    def bounds(self, buckets: np.ndarray) -> tuple[datetime, datetime]:
        return _ts(buckets[self.s]), _ts(buckets[self.e]) + BUCKET


def detect_day(store, day: date, params: IncidentParams = DEFAULT_INCIDENT_PARAMS, now: datetime | None = None,
               as_of: datetime | None = None) -> DetectionResult:
    """Detect the incidents of ``day`` (UTC); returns them strongest first and stores nothing (see
    :func:`save_detection`). With ``as_of`` only posts created up to that time count, and ``now`` defaults to it
    (an incident is ongoing when its last anomalous bucket is within ``merge_gap`` of ``now``).

    The reading (:func:`load_day`, then each episode's posts) is separate from the computation
    (:func:`score_day`, :func:`find_episodes`, :func:`build_incident`: arrays and rows in, incidents out), which is
    tested without a database.
    """
    if as_of is not None:
        as_of = as_of.astimezone(timezone.utc)
    now = now or as_of or datetime.now(timezone.utc)
    data = load_day(store, day, params, as_of)
    if not data.names:
        return DetectionResult(day, [], 0, data.posts, as_of)
    scores = score_day(data, params)
    incidents: list[Incident] = []
    for ep in find_episodes(data, scores, params):
        started, ended = ep.bounds(data.buckets)
        posts = queries.episode_posts(store, ep.service, started, ended, until=as_of)
        inc = build_incident(ep, posts, data, scores, params)
        if inc is not None:
            incidents.append(inc)
    for inc in incidents:
        inc.status = "ongoing" if now - inc.ended_at < params.merge_gap else "resolved"
    order = {"strong": 0, "moderate": 1, "weak": 2}
    incidents.sort(key=lambda x: (order[x.confidence], -x.total_reports, x.started_at))
    row_of = {name: i for i, name in enumerate(data.names)}
    t = data.today
    day_totals = {inc.service: (data.T[i, t:], scores.total.expected[i, t:], scores.total.variance[i, t:])
                  for inc in incidents for i in [row_of[inc.service]]}
    return DetectionResult(day, incidents, len(data.names) + len(data.keys), data.posts, as_of, day_totals)


def load_day(store, day: date, params: IncidentParams = DEFAULT_INCIDENT_PARAMS,
             as_of: datetime | None = None) -> DayCounts:
    """The counts the detection of ``day`` needs, read through the store's queries.

    Cost: the day rollups (one row per series and UTC day, :class:`~outageradar.store.models.DayRollupRow`) of every
    service over the history window (``history_days`` + 1 rows per service), and of the region series that can spike
    (those with ``min_count`` reports on the day: one range of the day's rows) over their last
    ``region_history_days``; a count of the day's posts. As of a time, the buckets from the one holding ``as_of`` on
    are dropped, and that bucket is read back from its posts created up to ``as_of``.
    """
    day_start, day_end = day_bounds(day)
    hist_start = day_start - timedelta(days=params.history_days)
    region_start = day_start - timedelta(days=params.region_history_days)
    posts = queries.count_posts(store, day_start, day_end, until=as_of)
    n = int((day_end - hist_start) / BUCKET)
    buckets = np.datetime64(hist_start.replace(tzinfo=None), "ns") + np.arange(n) * np.timedelta64(BUCKET_SECONDS, "s")
    today = int((day_start - hist_start) / BUCKET)
    r0 = int((region_start - hist_start) / BUCKET)
    cut, partial = n, []  # grid index of the first bucket not known whole (as of a time), its posts up to as_of
    if as_of is not None and bucket_of(as_of) < day_end:
        cut = max(0, int((bucket_of(as_of) - hist_start) / BUCKET))
        if bucket_of(as_of) >= hist_start:
            partial = queries.partial_bucket_counts(store, bucket_of(as_of), as_of)

    names, T = queries.service_day_counts(store, hist_start.date(), day)
    T[:, cut:] = 0
    if partial:
        every = sorted(set(names) | {p[0] for p in partial})
        if len(every) > len(names):
            grown = np.zeros((len(every), n))
            grown[[every.index(name) for name in names]] = T
            names, T = every, grown
        row_of = {name: i for i, name in enumerate(names)}
        for service, _country, _admin1, _epoch, k in partial:
            T[row_of[service], cut] += k
    active = np.flatnonzero(T[:, today:].sum(axis=1) > 0)
    names, T = [names[i] for i in active], T[active]
    if not names:
        return DayCounts(day, buckets, today, [], T, [], np.zeros((0, n - r0)), r0, posts, as_of)

    keys, R = queries.region_day_counts(store, day, params.region_history_days, params.spike.min_count)
    R[:, max(0, cut - r0):] = 0
    if partial and cut >= r0:
        key_of = {key: i for i, key in enumerate(keys)}
        for service, country, admin1, _epoch, k in partial:
            if (service, country, admin1) in key_of:
                R[key_of[(service, country, admin1)], cut - r0] += k
    active_names = set(names)
    keep = (R[:, today - r0:].sum(axis=1) >= params.spike.min_count) & np.fromiter(
        (key[0] in active_names for key in keys), bool, len(keys))
    return DayCounts(day, buckets, today, names, T, [k for k, ok in zip(keys, keep) if ok], R[keep], r0, posts, as_of)


def score_day(data: DayCounts, params: IncidentParams = DEFAULT_INCIDENT_PARAMS) -> DayScores:
    """The spike test of every total and region series of the day. A region series borrows strength from its
    service: its prior expectation is the service's expected total times the region's recent share of it."""
    total_res = _score(data.buckets, data.T, None, params)
    region_res = None
    if data.keys:
        owner = data.owner
        per_service = np.bincount(owner, minlength=len(data.names))
        r0, today = data.r0, data.today
        hist = data.R[:, : today - r0].sum(axis=1)
        total_hist = data.T[owner, r0:today].sum(axis=1)
        shares = (hist + params.share_pseudo / per_service[owner]) / (total_hist + params.share_pseudo)
        prior = total_res.expected[owner, r0:] * shares[:, None]
        region_res = _score(data.buckets[r0:], data.R, prior, params)
    return DayScores(total_res, region_res)


def find_episodes(data: DayCounts, scores: DayScores, params: IncidentParams = DEFAULT_INCIDENT_PARAMS
                  ) -> list[Episode]:
    """Each service's anomalous buckets of the day (in any of its series) within ``merge_gap`` of each other, as
    episodes. The hour-scale test stays raised for a while after a burst: an episode ends at its last bucket whose
    total is beyond ordinary noise (more than two standard deviations above the expected count)."""
    owner = data.owner if data.keys else np.array([], dtype=np.int64)
    out = []
    for i, service in enumerate(data.names):
        rows = np.flatnonzero(owner == i) if data.keys else np.array([], dtype=np.int64)
        anomalous = scores.total.anomalous[i].copy()
        for j in rows:
            anomalous[data.r0:] |= scores.region.anomalous[j]
        idx = np.flatnonzero(anomalous[data.today:]) + data.today
        if idx.size == 0:
            continue
        total, expected = data.T[i], scores.total.expected[i]
        for s, e in _episodes(idx, int(params.merge_gap / BUCKET)):
            while e > s and total[e] <= expected[e] + 2 * math.sqrt(expected[e]):
                e -= 1
            out.append(Episode(service, i, rows, s, e))
    return out


def build_incident(ep: Episode, posts: Sequence, data: DayCounts, scores: DayScores,
                   params: IncidentParams = DEFAULT_INCIDENT_PARAMS) -> Incident | None:
    """The incident an episode makes, given its posts (rows with author_hash, text, created_at, source, url,
    outage_score, country, admin1, city, problem: :func:`~outageradar.store.queries.episode_posts`), or ``None`` when
    its reports are too few independent reporters (copies of a few posts, one user, a bot)."""
    i, s, e, r0 = ep.i, ep.s, ep.e, data.r0
    buckets, total, n = data.buckets, data.T[i], len(data.buckets)
    total_res, region_res = scores.total, scores.region
    sl, rsl = slice(s, e + 1), slice(s - r0, e + 1 - r0)
    started, ended = ep.bounds(buckets)
    groups = reporter_groups([(p.author_hash, p.text) for p in posts])
    reporters = len(set(groups))
    reports = int(total[sl].sum())
    expected = float(total_res.expected[i, sl].sum())
    if reporters < params.spike.min_count or (
            reporters < reports and poisson.sf(reporters - 1, max(expected, 1e-3)) >= params.reporters_pvalue):
        return None  # too few reports, or copies of a few posts (a bot, one user, one retweeted post)
    spiking = []
    for j in ep.rows:
        if region_res.anomalous[j, rsl].any():
            _, country, admin1 = data.keys[j]
            in_region = {g for p, g in zip(posts, groups) if (p.country or "", p.admin1 or "") == (country, admin1)}
            if len(in_region) < params.spike.min_count:
                continue  # the region's spike is copies of a few posts
            spiking.append({
                "country": country, "admin1": admin1, "label": region_label(country, admin1),
                "reports": int(data.R[j, rsl].sum()), "reporters": len(in_region),
                "expected": round(float(region_res.expected[j, rsl].sum()), 2),
                "min_pvalue": float(region_res.pvalue[j, rsl].min()),
            })
    spiking.sort(key=lambda r: (-r["reports"], r["label"]))
    countries = {r["country"] for r in spiking}
    regional_excess = sum(r["reports"] - r["expected"] for r in spiking)
    diffuse = bool(total_res.anomalous[i, sl].any()) and reporters >= params.moderate_total and \
        regional_excess < 0.5 * (reports - expected)
    if len(spiking) >= 3 or len(countries) >= 2:
        confidence = "strong"
    elif len(spiking) == 2 or diffuse:
        confidence = "moderate"
    else:
        confidence = "weak"
    pmin = min([float(total_res.pvalue[i, sl].min())] + [r["min_pvalue"] for r in spiking])
    for r in spiking:
        r["min_pvalue"] = float(f"{r['min_pvalue']:.3g}")
    peak = s + int(np.argmax(total[sl]))
    lo, hi = max(0, s - 36), min(n, e + 37)
    problems = Counter(p.problem or "other" for p in posts)
    return Incident(
        service=ep.service, started_at=started, peak_at=_ts(buckets[peak]), ended_at=ended, confidence=confidence,
        score=-math.log10(max(pmin, 1e-300)), peak_count=int(total[peak]), total_reports=reports,
        expected_reports=expected, regions=spiking, reporters=reporters,
        problems=dict(sorted(problems.items(), key=lambda kv: (-kv[1], kv[0]))),
        samples=pick_samples(posts, groups, params.samples),
        series={"buckets": [_ts(b).isoformat() for b in buckets[lo:hi]], "counts": total[lo:hi].astype(int).tolist(),
                "expected": np.round(total_res.expected[i, lo:hi], 3).tolist()},
    )


def save_detection(store, result: DetectionResult, params: IncidentParams = DEFAULT_INCIDENT_PARAMS) -> None:
    """Store the incidents of a detection (:func:`save_incidents`), replacing that day's earlier detection. A day
    with no posts stores nothing and removes nothing. As of a time, only stored incidents of the day that started
    before that time's bucket may be removed (later ones are not knowable then)."""
    if result.posts == 0:
        return
    day_start, day_end = day_bounds(result.day)
    if result.as_of is not None:
        day_end = max(day_start, min(day_end, bucket_of(result.as_of)))
    save_incidents(store, result.incidents, params.merge_gap, (day_start, day_end))


@dataclass
class _Scores:
    expected: np.ndarray
    pvalue: np.ndarray
    anomalous: np.ndarray
    variance: np.ndarray


def _score(buckets, counts, prior, params: IncidentParams) -> _Scores:
    fields = ("expected", "pvalue", "extent", "variance")  # the _Scores fields, in order
    out: list[np.ndarray] = []
    for lo in range(0, len(counts), params.chunk):
        p = None if prior is None else prior[lo:lo + params.chunk]
        res = score_counts(buckets, counts[lo:lo + params.chunk], prior_expected=p, params=params.spike)
        if len(counts) <= params.chunk:  # one batch: its arrays as they are
            return _Scores(*(getattr(res, f) for f in fields))
        if not out:
            out = [np.empty(counts.shape, dtype=getattr(res, f).dtype) for f in fields]
        for arr, f in zip(out, fields):
            arr[lo:lo + params.chunk] = getattr(res, f)
        del res  # before the next batch is scored
    return _Scores(*out)


def _episodes(idx: np.ndarray, gap: int) -> list[tuple[int, int]]:
    episodes, start = [], idx[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > gap:
            episodes.append((start, a))
            start = b
    episodes.append((start, idx[-1]))
    return episodes


# ---------------------------------------------------------------- independent reporters
def text_words(text: str) -> list[str]:
    """The words of a post that say something: lower case, without links of any form (``https://…``, ``www.…``,
    ``pic.twitter.com/…`` even glued to a word, ``t.co/…``, ``bit.ly/…``, bare domains such as ``example.com``),
    mentions, hashtags, "RT", numbers and punctuation."""
    t = _LINK.sub(" ", text.lower())
    t = _BARE_DOMAIN.sub(" ", t)
    return _NOISE.sub(" ", t).split()


def text_key(text: str) -> str:
    """Two posts with the same key say the same thing (links, mentions, numbers, case and punctuation aside)."""
    return " ".join(text_words(text)) or " ".join(text.lower().split())


def _shingles(words: Sequence[str], k: int = SHINGLE_WORDS) -> frozenset:
    return frozenset(tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1)))


def near_duplicate_pairs(texts: Sequence[Sequence[str]], threshold: float = NEAR_DUPLICATE_JACCARD
                         ) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of word lists whose shingle sets have Jaccard similarity above ``threshold``.

    Exact, with prefix filtering (the all-pairs similarity-join standard): shingles are ordered rarest first, and two
    sets with Jaccard >= t share one of the first ``|s| - ceil(t |s|) + 1`` shingles of each, so only pairs sharing
    a rare shingle are compared. Texts of one template with different words share only common shingles and are
    never compared."""
    sets = [_shingles(w) for w in texts]
    freq = Counter(g for s in sets for g in s)
    index: dict[tuple, list[int]] = defaultdict(list)
    for j, s in enumerate(sets):
        ordered = sorted(s, key=lambda g: (freq[g], g))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        seen: set[int] = set()
        for g in prefix:
            for i in index[g]:
                if i not in seen:
                    seen.add(i)
                    inter = len(s & sets[i])
                    if inter > threshold * (len(s) + len(sets[i]) - inter):
                        yield i, j
            index[g].append(j)


def reporter_groups(posts: Sequence[tuple[str | None, str]]) -> list[int]:
    """For each ``(author_hash, text)`` post, the independent reporter it belongs to (0, 1, …). Posts are joined when
    they share an author, or have long texts (:data:`DUPLICATE_TEXT_TOKENS` words or more, :func:`text_words`) that
    are equal or near-duplicates (union-find), so a bot posting one text from many accounts and one account posting
    many texts are both one reporter."""
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: object, b: object) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[a] = b

    long_texts: dict[str, list[str]] = {}
    for k, (author, text) in enumerate(posts):
        node = ("post", k)
        find(node)
        if author:
            union(node, ("author", author))
        words = text_words(text)
        if len(words) >= DUPLICATE_TEXT_TOKENS:
            key = " ".join(words)
            long_texts.setdefault(key, words)
            union(node, ("text", key))
    keys = list(long_texts)
    for i, j in near_duplicate_pairs([long_texts[k] for k in keys]):
        union(("text", keys[i]), ("text", keys[j]))
    label: dict[object, int] = {}
    return [label.setdefault(find(("post", k)), len(label)) for k in range(len(posts))]


def distinct_reports(posts: Sequence[tuple[str | None, str]]) -> int:
    """How many independent reports ``(author_hash, text)`` posts make (see :func:`reporter_groups`)."""
    return len(set(reporter_groups(posts)))


def pick_samples(posts: Sequence, groups: Sequence[int], limit: int = 5) -> list[dict]:
    """Sample posts of an incident (rows of :func:`~outageradar.store.queries.episode_posts`): the most confident,
    taking each region in turn so the samples show the spread of the incident; never two posts of one reporter
    (:func:`reporter_groups`: the same author, copies of one text) nor two with the same text."""
    order = sorted(range(len(posts)), key=lambda k: (-posts[k].outage_score, posts[k].created_at))
    queues: dict[tuple, list[int]] = {}
    for k in order:
        queues.setdefault((posts[k].country or "", posts[k].admin1 or ""), []).append(k)
    pending = [q[::-1] for q in queues.values()]  # popped from the end
    chosen: list[int] = []
    used_groups: set[int] = set()
    used_texts: set[str] = set()
    while pending and len(chosen) < limit:
        for q in list(pending):
            if len(chosen) >= limit:
                break
            while q:
                k = q.pop()
                key = text_key(posts[k].text)
                if groups[k] not in used_groups and key not in used_texts:
                    used_groups.add(groups[k])
                    used_texts.add(key)
                    chosen.append(k)
                    break
            if not q:
                pending.remove(q)
    out = []
    for k in sorted(chosen, key=lambda k: posts[k].created_at):
        p = posts[k]
        out.append({
            "source": p.source, "created_at": p.created_at.isoformat(), "text": p.text, "url": p.url,
            "outage_score": round(p.outage_score, 3),
            "region": ", ".join(x for x in (p.city, p.admin1, p.country) if x),
        })
    return out


def _ts(x: np.datetime64) -> datetime:
    return datetime.fromtimestamp(int(x.astype("datetime64[s]").astype(np.int64)), tz=timezone.utc)


def incident_values(inc: Incident) -> dict:
    """The stored columns of an incident (:data:`outageradar.store.incidents.INCIDENT_COLUMNS`)."""
    return dict(
        service=inc.service, started_at=inc.started_at, peak_at=inc.peak_at, ended_at=inc.ended_at,
        status=inc.status, confidence=inc.confidence, score=inc.score, peak_count=inc.peak_count,
        total_reports=inc.total_reports, expected_reports=inc.expected_reports, regions=inc.regions,
        problems=inc.problems, samples=inc.samples, detector_version=DETECTOR_VERSION,
    )


def save_incidents(store, incidents: list[Incident], gap: timedelta,
                   day: tuple[datetime, datetime] | None = None) -> None:
    """Store ``incidents`` (:func:`outageradar.store.incidents.save_incidents`: new ones inserted, a stored one of
    the same service overlapping in time within ``gap`` updated) and set their ids."""
    ids = incident_store.save_incidents(store, [incident_values(inc) for inc in incidents], gap, day)
    for inc, id_ in zip(incidents, ids):
        inc.id = id_
