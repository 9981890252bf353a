"""The full tagger: service, outage relevance, region and problem for each post, in one call.

It composes the parts of ``outageradar.classify``: the service catalog (``catalog``), the relevance model
(``relevance``), the region tagger (``region``) and the problem tagger (``problem``). Stored posts and the
``classify file`` command both go through :meth:`Tagger.classify_rows`, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

from outageradar.classify.result import Classification


@dataclass(slots=True, frozen=True)
class Row:
    """What the tagger reads from a post."""

    text: str
    user_location: str | None = None
    lat: float | None = None
    lon: float | None = None
    place: str | None = None


class Tagger:
    def __init__(self, catalog=None, relevance=None, regions=None) -> None:
        self._catalog = catalog
        self._relevance = relevance
        self._regions = regions

    @cached_property
    def catalog(self):
        from outageradar.classify.catalog import ServiceCatalog

        return self._catalog or ServiceCatalog.default()

    @cached_property
    def relevance(self):
        from outageradar.classify.relevance import RelevanceModel

        return self._relevance or RelevanceModel.default()

    @cached_property
    def regions(self):
        from outageradar.classify.region import RegionTagger

        return self._regions or RegionTagger.default()

    @property
    def version(self) -> str:
        return self.relevance.version

    def classify(self, text: str, user_location: str | None = None, lat: float | None = None,
                 lon: float | None = None, place: str | None = None) -> Classification:
        return self.classify_rows([Row(text, user_location, lat, lon, place)])[0]

    def classify_rows(self, rows: Sequence[Row]) -> list[Classification]:
        texts = [r.text for r in rows]
        # one tokenisation gives the outage score and, for outage posts, the problem type
        verdicts = self.relevance.score_and_problem_many(texts)
        regions = self.regions.tag_many((r.text, r.user_location, r.lat, r.lon, r.place) for r in rows)
        identify = self.catalog.identify
        is_outage = self.relevance.is_outage
        version = self.version
        out = []
        for text, (score, problem), region in zip(texts, verdicts, regions):
            outage = bool(is_outage(score))
            out.append(
                Classification(
                    outage=outage,
                    outage_score=round(float(score), 4),
                    service=identify(text),
                    country=region.country,
                    admin1=region.admin1,
                    city=region.city,
                    problem=(problem or "other") if outage else None,
                    region_evidence=region.evidence,
                    model_version=version,
                )
            )
        return out

    def classify_posts(self, posts: Iterable) -> list[Classification]:
        """Classify :class:`~outageradar.ingest.post.Post` objects (anything with the Row attributes)."""
        return self.classify_rows([Row(p.text, p.user_location, p.lat, p.lon, p.place) for p in posts])
