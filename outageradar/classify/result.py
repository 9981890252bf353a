"""The classification of one post: what every tagger together says about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)
class Classification:
    """``outage`` is the relevance model's decision at its threshold; ``outage_score`` its probability.

    ``service`` is the catalog's canonical name of the service the post is about (``None`` when none is named);
    ``country`` (ISO 3166-1 alpha-2), ``admin1`` and ``city`` locate the report, ``region_evidence`` says from what
    (``coordinates``, ``place``, ``text``, ``profile``, or ``service_area`` for a one-country power utility);
    ``problem`` is set for outage posts only.
    """

    outage: bool
    outage_score: float
    service: str | None = None
    country: str | None = None
    admin1: str | None = None
    city: str | None = None
    problem: str | None = None
    region_evidence: str | None = None
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
