"""Runtime outage-relevance scoring: the probability that a post reports a service down/failing/degraded *now*.

Approach
--------
The model is a logistic regression trained by :mod:`outageradar.classify.training` over the sparse binary features
of :func:`outageradar.classify.text.features` (words, bigrams, negation/tense-aware outage lexicon cues). It ships as
plain JSON (``data/relevance_model.json``): feature -> weight, intercept, decision threshold, the text settings it was
trained with, and metadata naming its training data. Loading parses JSON only — nothing is unpickled — and scoring
is pure Python: featurise, sum the weights of the distinct features present, divide by ``sqrt(#distinct features)``
(the rows were L2-normalised in training), add the intercept and the guide-derived cue offsets (fixed prior log-odds
for "advice about outages", "outage that is over", "is X down?"; see ``training.CUE_OFFSETS``) and apply the
logistic function. No scikit-learn call
is made per post.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from outageradar.classify import text as textmod

MODEL_FORMAT = "outageradar-relevance/1"
MODEL_RESOURCE = "relevance_model.json"


class ModelError(ValueError):
    """A relevance model file is unreadable, of another format, or built with incompatible text settings."""


class RelevanceModel:
    """A loaded relevance model. Use :meth:`default` for the shipped one or :meth:`from_file`."""

    __slots__ = ("version", "threshold", "intercept", "metadata", "settings", "offsets", "_w")

    def __init__(self, weights: dict[str, float], intercept: float, threshold: float, version: str,
                 settings: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
                 offsets: dict[str, float] | None = None) -> None:
        self._w = weights
        self.offsets = dict(offsets or {})
        self.intercept = float(intercept)
        self.threshold = float(threshold)
        self.version = version
        self.settings = dict(settings or {})
        self.metadata = dict(metadata or {})

    # ---- loading ----------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, doc: dict[str, Any], origin: str = "<dict>") -> RelevanceModel:
        if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
            raise ModelError(f"{origin}: not an {MODEL_FORMAT} model")
        settings = doc.get("settings") or {}
        want = textmod.SETTINGS["feature_version"]
        if settings.get("feature_version") != want:
            raise ModelError(f"{origin}: trained with text features {settings.get('feature_version')!r}, this "
                             f"version of outageradar computes {want!r}; retrain the model")
        try:
            weights = {str(k): float(v) for k, v in doc["weights"].items()}
            offsets = {str(k): float(v) for k, v in (doc.get("offsets") or {}).items()}
            return cls(weights, float(doc["intercept"]), float(doc["threshold"]), str(doc["version"]), settings,
                       doc.get("metadata") or {}, offsets)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"{origin}: malformed model ({exc!r})") from None

    @classmethod
    def from_file(cls, path: Path | str) -> RelevanceModel:
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{path}: cannot read model ({exc})") from None
        return cls.from_dict(doc, str(path))

    @classmethod
    def default(cls) -> RelevanceModel:
        """The shipped model (loaded once, then cached)."""
        return _default_model()

    # ---- scoring ----------------------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return len(self._w)

    def margin(self, text: str) -> float:
        """The linear score (log-odds) of a post."""
        feats = set(textmod.features(text))
        if not feats:
            return self.intercept
        get = self._w.get
        s = 0.0
        for f in feats:
            s += get(f, 0.0)
        z = self.intercept + s / math.sqrt(len(feats))
        if self.offsets:
            oget = self.offsets.get
            for f in feats:
                if f[0] == "l":
                    z += oget(f, 0.0)
        return z

    def score(self, text: str) -> float:
        """Probability in [0, 1] that ``text`` reports an outage now."""
        z = self.margin(text)
        if z < -700:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def score_many(self, texts: Iterable[str]) -> list[float]:
        return [self.score(t) for t in texts]

    def is_outage(self, score: float) -> bool:
        """Whether a score from :meth:`score` is at or above the model's decision threshold."""
        return score >= self.threshold

    def explain(self, text: str, top: int = 8) -> list[tuple[str, float]]:
        """The features of ``text`` with the largest absolute weights (for debugging a decision)."""
        feats = set(textmod.features(text))
        pairs = [(f, self._w[f]) for f in feats if f in self._w]
        return sorted(pairs, key=lambda p: -abs(p[1]))[:top]

    def __repr__(self) -> str:
        return f"RelevanceModel(version={self.version!r}, threshold={self.threshold}, features={len(self._w)})"


@lru_cache(maxsize=1)
def _default_model() -> RelevanceModel:
    res = resources.files("outageradar.classify").joinpath("data", MODEL_RESOURCE)
    try:
        doc = json.loads(res.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"the shipped relevance model cannot be read ({exc}); rebuild it with "
                         "python -m outageradar.classify.training") from None
    return RelevanceModel.from_dict(doc, f"outageradar/classify/data/{MODEL_RESOURCE}")
