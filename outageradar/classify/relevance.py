"""Runtime outage-relevance scoring: the probability that a post reports a service down/failing/degraded *now*.

Approach
--------
The model is a logistic regression trained by :mod:`outageradar.classify.training` over the sparse binary features
of :func:`outageradar.classify.text.features` (words, negation/tense-aware outage lexicon cues). It ships as
plain JSON (``data/relevance_model.json``): feature -> weight, intercept, decision threshold, the text settings it was
trained with, and metadata naming its training data. Loading parses JSON only — nothing is unpickled — and scoring
is pure Python: analyse the post once (:func:`outageradar.classify.text.analyse`: tokens, token set, lexicon cues),
sum the weights of the distinct features present, divide by ``sqrt(#distinct features)`` (the rows
were L2-normalised in training), add the intercept and the guide-derived cue offsets (fixed prior log-odds for "advice
about outages", "outage that is over", "is X down?"; see ``training.CUE_OFFSETS``) and apply the logistic function.
No scikit-learn call is made per post.

For speed the weights are re-keyed on load: word weights by the token bytes (no feature string is built per token;
the sum is a C-level ``map`` over the post's token set), and the cue features' count, weight sum and offset sum are
cached per distinct set of cues. :meth:`RelevanceModel.score_many` normalises posts in batches
(:func:`outageradar.classify.text.analyses`); :meth:`RelevanceModel.score_and_problem_many` also derives the problem
type from the same tokens, so a post is tokenised once for both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from itertools import repeat
from importlib import resources
from pathlib import Path
from typing import Any

from outageradar.classify import text as textmod
from outageradar.errors import OutageradarError
from outageradar.classify.problem import problem_from_cues

MODEL_FORMAT = "outageradar-relevance/1"
MODEL_RESOURCE = "relevance_model.json"


class ModelError(OutageradarError, ValueError):
    """A relevance model file is unreadable, of another format, or built with incompatible text settings."""


class RelevanceModel:
    """A loaded relevance model. Use :meth:`default` for the shipped one or :meth:`from_file`."""

    __slots__ = ("version", "threshold", "intercept", "metadata", "settings", "offsets", "_w", "_fast", "_cue_cache")

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
        self._fast = _rekey(weights)
        #: (cue names, short post) -> (number of cue features, sum of their weights, sum of their offsets)
        self._cue_cache: dict[tuple[frozenset[str], bool], tuple[int, float, float]] = {}

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

    def _margin(self, a: tuple[list[bytes], set[bytes], set[str]]) -> float:
        toks, uni, cues = a
        key = (frozenset(cues), len(toks) < 4)
        c = self._cue_cache.get(key)
        if c is None:
            c = self._cue_terms(key, cues, len(toks))
        s = sum(map(self._fast.get, uni, repeat(0.0)))
        return self.intercept + (s + c[1]) / math.sqrt(len(uni) + c[0]) + c[2]

    def _cue_terms(self, key: tuple[frozenset[str], bool], cues: set[str], ntoks: int) -> tuple[int, float, float]:
        """The cue features' count, weight sum and offset sum (cached: they depend only on ``key``; the weights and
        offsets of a loaded model are not meant to change)."""
        cf = textmod.cue_features(cues, ntoks)
        get, oget = self._fast.get, self.offsets.get
        c = (len(cf), sum(get(f, 0.0) for f in cf), sum(oget(f, 0.0) for f in cf))
        if len(self._cue_cache) > 100_000:
            self._cue_cache.clear()
        self._cue_cache[key] = c
        return c

    def margin(self, text: str) -> float:
        """The linear score (log-odds) of a post."""
        return self._margin(textmod.analyse(text))

    def score(self, text: str) -> float:
        """Probability in [0, 1] that ``text`` reports an outage now."""
        z = self._margin(textmod.analyse(text))
        if z < -700:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def score_many(self, texts: Iterable[str]) -> list[float]:
        """:meth:`score` of each text (the same values; the texts are normalised in batches, which is faster)."""
        margin, exp = self._margin, math.exp
        out: list[float] = []
        append = out.append
        for a in textmod.analyses(texts):
            z = margin(a)
            append(0.0 if z < -700 else 1.0 / (1.0 + exp(-z)))
        return out

    def score_and_problem(self, text: str) -> tuple[float, str | None]:
        """The score of :meth:`score` and, when the score is at or above the threshold, the problem type of
        :func:`~outageradar.classify.problem.problem_type` (else ``None``), from one tokenisation of the post."""
        return self.score_and_problem_many((text,))[0]

    def score_and_problem_many(self, texts: Iterable[str]) -> list[tuple[float, str | None]]:
        """``(score, problem type or None)`` per post, each post tokenised once: the problem type is derived (from
        the same tokens) only for posts whose score reaches :attr:`threshold`, as the tagger reports it only for
        outage posts."""
        margin, exp, pick, pcues = self._margin, math.exp, problem_from_cues, textmod.problem_cues
        thr = self.threshold
        out: list[tuple[float, str | None]] = []
        append = out.append
        for a in textmod.analyses(texts):
            z = margin(a)
            p = 0.0 if z < -700 else 1.0 / (1.0 + exp(-z))
            append((p, pick(pcues(a)) if p >= thr else None))
        return out

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


def _rekey(weights: dict[str, float]) -> dict[object, float]:
    """Feature-string weights re-keyed for :meth:`RelevanceModel._margin`: ``w:tok`` -> the token's bytes, other
    features (``lx:``, ``len:``) unchanged (a str never equals a bytes key)."""
    fast: dict[object, float] = {}
    for f, w in weights.items():
        if f.startswith("w:"):
            fast[f[2:].encode("ascii", "ignore")] = w
        else:
            fast[f] = w
    return fast


def _shipped_json(name: str, what: str, hint: str = "") -> dict[str, Any]:
    """The JSON document ``data/<name>`` of the package; :class:`ModelError` saying ``what cannot be read`` (and
    ``hint``) if not."""
    res = resources.files("outageradar.classify").joinpath("data", name)
    try:
        return json.loads(res.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{what} cannot be read ({exc}){hint}") from None


@lru_cache(maxsize=1)
def _default_model() -> RelevanceModel:
    doc = _shipped_json(MODEL_RESOURCE, "the shipped relevance model",
                        "; rebuild it with python -m outageradar.classify.training")
    return RelevanceModel.from_dict(doc, f"outageradar/classify/data/{MODEL_RESOURCE}")


# --------------------------------------------------------------------------------------------------------------------
# two-stage relevance: the linear model settles the clear cases, a fine-tuned transformer the uncertain band


TWO_STAGE_RESOURCE = "relevance_two_stage.json"


class TwoStage:
    """The linear :class:`RelevanceModel` for clear cases; a post whose linear score lies in ``[low, high)`` is
    scored by the second-stage transformer (:mod:`outageradar.classify.transformer`) instead.

    The transformer's probability ``q`` is decided at its own threshold ``q_threshold`` (chosen on held-out posts);
    it is reported on the linear model's scale, ``sigmoid(logit(q) - logit(q_threshold) + logit(threshold))``, so that
    one threshold (:attr:`threshold`, the linear one) and :meth:`is_outage` hold for every score. The band and
    ``q_threshold`` live in ``data/relevance_two_stage.json`` (written by ``training/relevance.py``, which records the
    measured trade-off of F1 against posts/s for several bands).
    """

    def __init__(self, linear: RelevanceModel, scorer: Any, low: float, high: float, q_threshold: float,
                 version: str | None = None) -> None:
        self.linear = linear
        self.scorer = scorer
        self.low, self.high, self.q_threshold = float(low), float(high), float(q_threshold)
        self.threshold = linear.threshold
        self._shift = _logit(self.threshold) - _logit(self.q_threshold)
        self.version = version or f"{linear.version}+minilm"
        self.metadata = linear.metadata

    @classmethod
    def from_dict(cls, doc: dict[str, Any], linear: RelevanceModel | None = None, scorer: Any = None) -> TwoStage:
        from outageradar.classify.transformer import TransformerScorer

        linear = linear or RelevanceModel.default()
        scorer = scorer or TransformerScorer.default()
        return cls(linear, scorer, doc["low"], doc["high"], doc["q_threshold"],
                   f"{linear.version}+{doc.get('transformer_version', 'minilm')}")

    @classmethod
    def default(cls) -> TwoStage:
        return _default_two_stage()

    def _combine(self, scores: list[float], texts: list[str]) -> tuple[list[float], list[int]]:
        band = [i for i, s in enumerate(scores) if self.low <= s < self.high]
        if band:
            z = self.scorer.logits([texts[i] for i in band])
            for i, zi in zip(band, z):
                scores[i] = _sigmoid(float(zi) + self._shift)
        return scores, band

    def score_many(self, texts: Iterable[str]) -> list[float]:
        texts = list(texts)
        return self._combine(self.linear.score_many(texts), texts)[0]

    def score(self, text: str) -> float:
        return self.score_many([text])[0]

    def score_and_problem_many(self, texts: Iterable[str]) -> list[tuple[float, str | None]]:
        from outageradar.classify.problem import problem_type

        texts = list(texts)
        pairs = self.linear.score_and_problem_many(texts)
        scores, band = self._combine([s for s, _ in pairs], texts)
        out = [(s, p) for s, (_, p) in zip(scores, pairs)]
        thr = self.threshold
        for i in band:
            s, p = out[i]
            if s >= thr and p is None:
                out[i] = (s, problem_type(texts[i]))
            elif s < thr:
                out[i] = (s, None)
        return out

    def score_and_problem(self, text: str) -> tuple[float, str | None]:
        return self.score_and_problem_many([text])[0]

    def is_outage(self, score: float) -> bool:
        return score >= self.threshold

    def __repr__(self) -> str:
        return f"TwoStage({self.linear!r}, band=[{self.low}, {self.high}), q_threshold={self.q_threshold})"


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, z))))


@lru_cache(maxsize=1)
def _default_two_stage() -> TwoStage:
    return TwoStage.from_dict(_shipped_json(TWO_STAGE_RESOURCE, "the shipped two-stage settings"))
