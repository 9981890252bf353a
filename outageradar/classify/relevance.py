"""Runtime outage-relevance scoring: the probability that a post reports a service down/failing/degraded *now*.

Approach
--------
The model is a logistic regression trained by ``training/linear.py`` over the sparse binary features of
:func:`outageradar.classify.text.features` (words, negation/tense-aware outage lexicon cues). It ships as plain JSON
(``data/relevance_model.json``): feature -> weight, intercept, decision threshold, the text settings it was trained
with, and metadata naming its training data. Loading parses JSON only — nothing is unpickled. A post's log-odds is
the sum of the weights of the distinct features present, divided by ``sqrt(#distinct features)`` (the rows were
L2-normalised in training), plus the intercept and the guide-derived cue offsets (fixed prior log-odds for "advice
about outages", "outage that is over", "is X down?"; see ``CUE_OFFSETS`` in ``training/linear.py``); the logistic
function makes it a probability. No scikit-learn call is made.

Batches are scored as arrays (:meth:`RelevanceModel._margins`): :func:`outageradar.classify.text.analyse_batch`
gives each post's distinct tokens as (post, token id) pairs and its cues as a bit mask, the word weights of the
batch's vocabulary are looked up once, summed per post with one cumulative sum, and the cue features' count, weight
sum and offset sum come from a cache keyed by (cue mask, short post). A few short posts are analysed one by one
(:meth:`RelevanceModel._margin`, the same arithmetic). Word weights are held as integers of :data:`WEIGHT_UNIT`, so
a post's sum is exact in any order and a post scores the same, bit for bit, alone or in any batch.
:meth:`RelevanceModel.score_and_problem_many` also derives the problem type from the same analysis (its problem-cue
mask), so a post is tokenised once for both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice, repeat
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from outageradar.classify import text as textmod
from outageradar.records import OutageradarError
from outageradar.classify.problem import problem_from_cues

MODEL_FORMAT = "outageradar-relevance/1"
MODEL_RESOURCE = "relevance_model.json"


class ModelError(OutageradarError, ValueError):
    """A relevance model file is unreadable, of another format, or built with incompatible text settings."""


class RelevanceModel:
    """A loaded relevance model. Use :meth:`default` for the shipped one or :meth:`from_file`."""

    __slots__ = ("version", "threshold", "intercept", "metadata", "settings", "offsets", "_w", "_wq", "_cue_cache",
                 "_problems")

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
        self._wq = _word_weights(weights)
        #: (cue mask, short post) -> (number of cue features, sum of their weights, sum of their offsets)
        self._cue_cache: dict[tuple[int, bool], tuple[int, float, float]] = {}
        #: problem-cue mask -> problem type
        self._problems: dict[int, str] = {}

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
        """The log-odds of one analysed post (the arithmetic of :meth:`_margins`, for one post)."""
        toks, uni, cues = a
        key = (textmod.cue_mask(cues), len(toks) < 4)
        c = self._cue_cache.get(key)
        if c is None:
            c = self._cue_terms(key)
        s = sum(map(self._wq.get, uni, repeat(0)))
        return self.intercept + (s * WEIGHT_UNIT + c[1]) / math.sqrt(len(uni) + c[0]) + c[2]

    def _margins(self, tb: textmod.TokenBatch) -> np.ndarray:
        """The log-odds of each post of a batch: the weight sum of its distinct words (exact, in integer units),
        the cue features of its cue mask, and the same float operations, in the same order, as :meth:`_margin`, so
        one post gets the same score alone or in a batch."""
        n = tb.n
        wv = np.fromiter(map(self._wq.get, tb.vocab, repeat(0)), dtype=np.int64, count=len(tb.vocab))
        cs = np.zeros(len(tb.tok) + 1, dtype=np.int64)
        np.cumsum(wv[tb.tok], out=cs[1:])
        bounds = np.searchsorted(tb.post, np.arange(n + 1))
        s = cs[bounds[1:]] - cs[bounds[:-1]]
        distinct = np.diff(bounds)
        keys, inv = np.unique(tb.cues * 2 + (tb.ntoks < 4), return_inverse=True)
        cache = self._cue_cache
        terms = []
        for k in keys.tolist():
            key = (k >> 1, bool(k & 1))
            terms.append(cache.get(key) or self._cue_terms(key))
        c0, c1, c2 = (np.array(t)[inv] for t in zip(*terms)) if terms else (np.zeros(0),) * 3
        return self.intercept + (s * WEIGHT_UNIT + c1) / np.sqrt(distinct + c0) + c2

    def _cue_terms(self, key: tuple[int, bool]) -> tuple[int, float, float]:
        """The cue features' count, weight sum and offset sum (cached: they depend only on ``key``; the weights and
        offsets of a loaded model are not meant to change). The sums are exact (``math.fsum``), so they do not depend
        on the order of a set."""
        cf = textmod.cue_features(textmod.mask_names(key[0], textmod.LEXICON.names), 0 if key[1] else 4)
        get, oget = self._w.get, self.offsets.get
        c = (len(cf), math.fsum(get(f, 0.0) for f in cf), math.fsum(oget(f, 0.0) for f in cf))
        if len(self._cue_cache) > 100_000:
            self._cue_cache.clear()
        self._cue_cache[key] = c
        return c

    def _problem(self, mask: int) -> str:
        p = self._problems.get(mask)
        if p is None:
            p = self._problems[mask] = problem_from_cues(textmod.mask_names(mask, textmod.PROBLEM_LEXICON.names))
        return p

    def margin(self, text: str) -> float:
        """The linear score (log-odds) of a post."""
        return self._margin(textmod.analyse(text))

    def score(self, text: str) -> float:
        """Probability in [0, 1] that ``text`` reports an outage now."""
        return _prob(self._margin(textmod.analyse(text)))

    def _batches(self, texts: Iterable[str]) -> Iterator[tuple[list[float], textmod.TokenBatch | list]]:
        """(scores, their analysis) per chunk of :data:`CHUNK` posts: a chunk of a few short posts (:data:`SMALL`) is
        analysed post by post (a list of analyses: the arrays' fixed cost is not worth it), others as a
        :class:`~outageradar.classify.text.TokenBatch`. Both give the same scores, bit for bit."""
        it = iter(texts)
        while True:
            chunk = list(islice(it, CHUNK))
            if not chunk:
                return
            if len(chunk) < SMALL and sum(map(len, chunk)) < SMALL_CHARS:
                analyses = list(textmod.analyses(chunk))
                yield [_prob(self._margin(a)) for a in analyses], analyses
                continue
            tb = textmod.analyse_batch(chunk)
            yield list(map(_prob, self._margins(tb).tolist())), tb

    def score_many(self, texts: Iterable[str]) -> list[float]:
        """:meth:`score` of each text (the same values; the texts are analysed in batches, which is faster)."""
        out: list[float] = []
        for scores, _ in self._batches(texts):
            out += scores
        return out

    def score_and_problem(self, text: str) -> tuple[float, str | None]:
        """The score of :meth:`score` and, when the score is at or above the threshold, the problem type of
        :func:`~outageradar.classify.problem.problem_type` (else ``None``), from one tokenisation of the post."""
        return self.score_and_problem_many((text,))[0]

    def score_and_problem_many(self, texts: Iterable[str]) -> list[tuple[float, str | None]]:
        """``(score, problem type or None)`` per post, each post tokenised once: the problem type is derived (from
        the same tokens) only for posts whose score reaches :attr:`threshold`, as the tagger reports it only for
        outage posts."""
        thr = self.threshold
        out: list[tuple[float, str | None]] = []
        for scores, an in self._batches(texts):
            if isinstance(an, list):
                pcues = textmod.problem_cues
                out += [(p, problem_from_cues(pcues(a)) if p >= thr else None) for p, a in zip(scores, an)]
                continue
            problem = self._problem
            out += [(p, problem(m) if p >= thr else None) for p, m in zip(scores, an.pcues.tolist())]
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


WEIGHT_UNIT = 2.0 ** -40
"""Word weights are summed as integers in this unit (``round(w / WEIGHT_UNIT)``: off by at most 4.6e-13 each), so a
post's sum is exact and the same in any order, alone (:meth:`RelevanceModel._margin`) or in a batch
(:meth:`RelevanceModel._margins`)."""
CHUNK = 2000
"""Posts analysed together by :func:`outageradar.classify.text.analyse_batch` (it holds their tokens in memory)."""
SMALL = 32
"""Fewer posts than this, of fewer than :data:`SMALL_CHARS` characters together, are analysed one by one (the phrase
look-up of :meth:`~outageradar.classify.text.PhraseLexicon.find` visits every position of each anchor word: cheap on
a post, not on a long text)."""
SMALL_CHARS = 4000


def _word_weights(weights: dict[str, float]) -> dict[bytes, int]:
    """The word weights (``w:tok``) keyed by the token's bytes, in integer :data:`WEIGHT_UNIT` s."""
    return {f[2:].encode("ascii", "ignore"): round(w / WEIGHT_UNIT) for f, w in weights.items() if f.startswith("w:")}


def _prob(z: float) -> float:
    return 0.0 if z < -700 else 1.0 / (1.0 + math.exp(-z))


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
                        "; reinstall outageradar, or rebuild it from a source checkout with python -m training.relevance")
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
