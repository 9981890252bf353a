"""Two-stage relevance: the band logic (with a stand-in second stage) and the shipped ONNX model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shared_data import require

from outageradar.classify.relevance import RelevanceModel, TwoStage
from outageradar.classify.tagger import Tagger, TaggerError, resolve_relevance_mode

DEV = "data/labeled/outage_posts_dev.csv"


class FixedScorer:
    """A second stage that says 'outage' (logit +5) for texts containing 'flag', else 'not' (-5), and counts calls."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def logits(self, texts):
        self.seen += list(texts)
        return np.array([5.0 if "flag" in t else -5.0 for t in texts])


def test_only_posts_in_the_band_reach_the_second_stage():
    lin = RelevanceModel.default()
    texts = ["no power since 8pm on my street, whole block is dark", "thanks for the quick delivery", "hmm flag"]
    s = lin.score_many(texts)
    # a band that holds exactly the third post
    lo, hi = s[2] - 1e-6, s[2] + 1e-6
    fake = FixedScorer()
    two = TwoStage(lin, fake, lo, hi, q_threshold=0.5)
    out = two.score_many(texts)
    assert fake.seen == ["hmm flag"]
    assert out[:2] == s[:2]
    assert two.is_outage(out[2])  # the second stage said outage: reported on the linear scale, above its threshold


def test_second_stage_decision_is_reported_on_the_linear_scale():
    lin = RelevanceModel.default()
    fake = FixedScorer()
    two = TwoStage(lin, fake, 0.0, 1.01, q_threshold=0.5)  # everything goes to the second stage
    texts = ["flag one", "another"]
    scores = two.score_many(texts)
    assert two.is_outage(scores[0]) and not two.is_outage(scores[1])
    pairs = two.score_and_problem_many(texts)
    assert pairs[0][1] is not None and pairs[1][1] is None  # a problem type exactly for outage posts
    assert [p for p, _ in pairs] == scores


def test_relevance_mode_from_argument_or_environment(monkeypatch):
    monkeypatch.delenv("OUTAGERADAR_RELEVANCE", raising=False)
    assert resolve_relevance_mode() == "linear"
    monkeypatch.setenv("OUTAGERADAR_RELEVANCE", "linear")
    assert resolve_relevance_mode() == "linear" and Tagger().relevance_mode == "linear"
    assert isinstance(Tagger().relevance, RelevanceModel)
    assert resolve_relevance_mode("two-stage") == "two-stage"
    with pytest.raises(TaggerError, match="unknown relevance mode"):
        resolve_relevance_mode("bert")


def test_shipped_two_stage_loads_and_versions_both_models():
    two = TwoStage.default()
    assert 0.0 <= two.low < two.threshold < two.high
    assert two.version.startswith(RelevanceModel.default().version + "+minilm-")


def test_shipped_transformer_scores_real_posts_and_is_batch_invariant():
    from outageradar.classify.transformer import MAX_TOKENS, TransformerScorer

    df = pd.read_csv(require(DEV))
    sc = TransformerScorer.default()
    texts = df.text.tolist()[:300]
    p = sc.predict(texts)
    y = df.outage.to_numpy()[:300]
    # clear signal on real posts (these posts were in its training data: a sanity floor, not a quality figure)
    assert p[y == 1].mean() > 0.6 and p[y == 0].mean() < 0.3
    alone = np.array([sc.logits([t])[0] for t in texts[:20]])
    assert np.abs(alone - sc.logits(texts[:20])).max() < 1e-3
    # long input is cut at MAX_TOKENS tokens: a 1 MB post costs one short post's tokens
    assert len(sc.tokenizer.encode("word " * 200_000).ids) == MAX_TOKENS
    assert sc.logits([]).shape == (0,)
