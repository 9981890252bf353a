"""The full tagger: service, outage relevance, region and problem for each post, in one call.

It composes the parts of ``outageradar.classify``: the service catalog (``catalog``), the relevance model
(``relevance``), the region tagger (``region``) and the problem tagger (``problem``). Stored posts and the
``classify file`` command both go through :meth:`Tagger.classify_rows`, so they agree.

Region evidence comes from the region tagger (coordinates, platform place, text, profile; see ``region``) and, last,
from the service: a post about a power utility that serves one country (``@GeorgiaPower``, ``@KenyaPower_Care``,
"Ausnet") and names no place is placed in that utility's country and, where the catalog gives one, its state or
province (``area``), with evidence ``service_area``. A power grid is local, so whoever is without power from it is
there; a telecom, bank or app is not placed this way (people write to national or global handles from anywhere, and
on the labelled posts that rule was wrong 333 times for 17 right). On the 1,000 labelled dev posts the power rule
added 10 right regions and 1 wrong (``benchmarks/eval_region.py --tagger``).

Bounded cost: every entry point (:meth:`Tagger.classify`, :meth:`Tagger.classify_rows`, :meth:`Tagger.classify_posts`,
and so ``classify file``, ``ingest file``, the collectors and ``classify stored``) tags only the first
:data:`MAX_TAGGED_CHARS` characters of a post's text, profile location and place; the whole text is still stored. A
post's labels are those of its first 10,000 characters. Below the cap, tagging time grows linearly with the length
(``benchmarks/bench_long_posts.py``).

Model version and start-up: :attr:`Tagger.version` (stored with every classification) hashes the relevance model's
version, the catalog, the gazetteer data and :data:`RULES_VERSION`, so ``classify stored`` re-tags after an edit to any
of them (``data/README.md``). The parts are loaded lazily, on first use, from the on-disk model cache
(:mod:`outageradar.classify.cache`: the region tagger, the catalog and the linear relevance model), which makes a
classifying command start in a fraction of a second once the cache holds the current data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

from outageradar.records import Classification
from outageradar.records import OutageradarError

MAX_TAGGED_CHARS = 10_000
"""Characters of a post's text (and of its profile location and place) that the tagger reads; the rest is ignored
for the labels and kept in the store. Real posts are far shorter (X: 280, a Reddit self-post: 40,000 at most), so the
cap only bounds the cost of hostile or broken input."""

RULES_VERSION = "2"
"""Version of the tagging rules written in code, hashed into :attr:`Tagger.version`. Bump it in the same change
whenever a rule of ``catalog.py``, ``region.py``, ``gazetteer.py``, ``problem.py``, ``text.py`` or this module changes
what a post is tagged (a new failure cue, a context rule, a region judgement, the service-area rule, the tagged-text
cap), so that ``classify stored`` re-tags the stored posts; a change that tags every post the same (a speed-up, a
refactor) leaves it alone. Data edits (catalog, gazetteer files, model weights) need no bump: their bytes are hashed."""

SERVICE_AREA = "service_area"
"""``region_evidence`` of a region taken from the service's territory."""


@dataclass(slots=True, frozen=True)
class Row:
    """What the tagger reads from a post."""

    text: str
    user_location: str | None = None
    lat: float | None = None
    lon: float | None = None
    place: str | None = None


RELEVANCE_MODES = ("two-stage", "linear")
DEFAULT_RELEVANCE = "linear"
"""Relevance mode when neither ``Tagger(relevance_mode=...)`` nor ``OUTAGERADAR_RELEVANCE`` says: ``linear`` (the
linear model alone) or ``two-stage`` (the linear model, and the fine-tuned transformer for the posts it is unsure of).
On the test split of ``training/gold`` two-stage scores F1 0.803 against 0.767 but runs at about 4,300 posts/s
against more than 20,000 (the trade-off per band is in ``data/relevance_two_stage.json``); the default keeps the
fast path, and ``OUTAGERADAR_RELEVANCE=two-stage`` (or ``classify file --relevance two-stage``) buys the accuracy."""


class TaggerError(OutageradarError, ValueError):
    """An unknown relevance mode."""


def resolve_relevance_mode(mode: str | None = None) -> str:
    """The relevance mode: ``mode``, else ``$OUTAGERADAR_RELEVANCE``, else :data:`DEFAULT_RELEVANCE`."""
    m = (mode or os.environ.get("OUTAGERADAR_RELEVANCE") or DEFAULT_RELEVANCE).strip().lower()
    if m not in RELEVANCE_MODES:
        raise TaggerError(f"unknown relevance mode {m!r}: use one of {', '.join(RELEVANCE_MODES)}")
    return m


class Tagger:
    def __init__(self, catalog=None, relevance=None, regions=None, relevance_mode: str | None = None) -> None:
        self._catalog = catalog
        self._relevance = relevance
        self._regions = regions
        self.relevance_mode = resolve_relevance_mode(relevance_mode) if relevance is None else "custom"

    @cached_property
    def catalog(self):
        from outageradar.classify.catalog import ServiceCatalog

        return self._catalog or ServiceCatalog.default()

    @cached_property
    def relevance(self):
        from outageradar.classify import cache

        if self._relevance is not None:
            return self._relevance
        if self.relevance_mode == "two-stage":
            from outageradar.classify.relevance import TwoStage

            return TwoStage.default()
        return cache.relevance_model()

    @cached_property
    def regions(self):
        from outageradar.classify import cache

        return self._regions or cache.region_tagger()

    @cached_property
    def version(self) -> str:
        """The model version stored with every classification: ``<relevance version>+<12 hex digits>``.

        The digits hash the relevance model (its version, which names its weights, and the bytes of the shipped
        model's files: ``data/relevance_model.json``, and in two-stage mode the transformer's files), the service
        catalog (:func:`catalog.data_digest`: the bytes of ``data/services.yaml``, or :attr:`ServiceCatalog.digest`
        of a catalog given to the tagger), every data file the gazetteer is built from (:func:`gazetteer.data_digest`)
        and :data:`RULES_VERSION`. So ``classify stored``, which re-tags the posts whose stored version differs,
        re-tags after an edit to any of them. A relevance model given to the tagger counts by its ``version`` alone.
        The files are hashed, not parsed: this costs a few milliseconds and builds nothing but the relevance model
        (whose version it reads)."""
        from outageradar.classify import catalog, gazetteer
        from outageradar.classify.cache import digest_files, digest_text

        if self._catalog is not None:
            cat = self._catalog.digest or digest_text(repr(list(self._catalog.services.values())))
        else:
            cat = catalog.data_digest()
        relevance = str(self.relevance.version)
        weights = digest_files(_relevance_files(self.relevance_mode), memo=True) if self._relevance is None else ""
        digits = digest_text("tagger", RULES_VERSION, relevance, weights, cat, gazetteer.data_digest())[:12]
        return f"{relevance}+{digits}"

    def classify(self, text: str, user_location: str | None = None, lat: float | None = None,
                 lon: float | None = None, place: str | None = None) -> Classification:
        return self.classify_rows([Row(text, user_location, lat, lon, place)])[0]

    def classify_rows(self, rows: Sequence[Row]) -> list[Classification]:
        rows = [_capped(r) for r in rows]  # the one place the cap is applied: every entry point comes here
        texts = [r.text for r in rows]
        # one tokenisation gives the outage score and, for outage posts, the problem type
        verdicts = self.relevance.score_and_problem_many(texts)
        regions = self.regions.tag_many((r.text, r.user_location, r.lat, r.lon, r.place) for r in rows)
        identify = self.catalog.identify
        areas = self._service_areas
        is_outage = self.relevance.is_outage
        version = self.version
        out = []
        for text, (score, problem), region in zip(texts, verdicts, regions):
            outage = bool(is_outage(score))
            service = identify(text)
            country, admin1, city, evidence = region.country, region.admin1, region.city, region.evidence
            if country is None and service in areas:
                (country, admin1), evidence = areas[service], SERVICE_AREA
            out.append(
                Classification(
                    outage=outage,
                    outage_score=round(float(score), 4),
                    service=service,
                    country=country,
                    admin1=admin1,
                    city=city,
                    problem=(problem or "other") if outage else None,
                    region_evidence=evidence,
                    model_version=version,
                )
            )
        return out

    @cached_property
    def _service_areas(self) -> dict[str, tuple[str, str | None]]:
        """Service name -> (country, admin1 or None) for the services whose reports are placed by the service."""
        return {name: s.service_area for name, s in self.catalog.services.items() if s.service_area is not None}

    def classify_posts(self, posts: Iterable) -> list[Classification]:
        """Classify :class:`~outageradar.records.Post` objects (anything with the Row attributes)."""
        return self.classify_rows([Row(p.text, p.user_location, p.lat, p.lon, p.place) for p in posts])


def _relevance_files(mode: str) -> list:
    """The shipped files of the relevance model of ``mode``."""
    from outageradar.classify.cache import relevance_file

    linear = relevance_file()
    if mode != "two-stage":
        return [linear]
    from outageradar.classify import relevance, transformer

    return [linear, linear.with_name(relevance.TWO_STAGE_RESOURCE), linear.with_name(transformer.MODEL_RESOURCE),
            linear.with_name(transformer.TOKENIZER_RESOURCE)]


def _cap(value: str | None) -> str | None:
    return value[:MAX_TAGGED_CHARS] if value is not None and len(value) > MAX_TAGGED_CHARS else value


def _capped(row: Row) -> Row:
    """``row`` with its text, profile location and place cut to :data:`MAX_TAGGED_CHARS` characters."""
    if (len(row.text) <= MAX_TAGGED_CHARS and (row.user_location is None or len(row.user_location) <= MAX_TAGGED_CHARS)
            and (row.place is None or len(row.place) <= MAX_TAGGED_CHARS)):
        return row
    return Row(row.text[:MAX_TAGGED_CHARS], _cap(row.user_location), row.lat, row.lon, _cap(row.place))
