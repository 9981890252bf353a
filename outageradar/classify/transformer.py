"""The second-stage relevance model: a fine-tuned all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime.

``data/relevance_minilm.onnx`` maps a post's tokens to one logit (outage now, or not); its tokenizer is
``data/relevance_minilm_tokenizer.json`` (the base model's WordPiece tokenizer, read by the ``tokenizers`` package).
It is built by ``training/transformer.py`` (recipe, data and quantisation there) and used by
:class:`~outageradar.classify.relevance.TwoStage` only for the posts the linear model is unsure of. Nothing is
downloaded at run time; onnxruntime and tokenizers are imported on first use, so commands that never score a post
do not pay for them.

Posts are cut at :data:`MAX_TOKENS` WordPiece tokens (the length it was trained at), so the cost of a post is
bounded whatever its length. Each post is scored on its own, so its score never depends on the other posts of a
file.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from outageradar.records import OutageradarError

MAX_TOKENS = 64
MODEL_RESOURCE = "relevance_minilm.onnx"
TOKENIZER_RESOURCE = "relevance_minilm_tokenizer.json"


class TransformerUnavailable(OutageradarError, RuntimeError):
    """The second-stage model or its runtime is not installed."""


def _data_path(name: str) -> Path:
    return Path(str(resources.files("outageradar.classify").joinpath("data", name)))


class TransformerScorer:
    """Outage probabilities from the ONNX model at ``model_path`` (the shipped one by default)."""

    def __init__(self, model_path: Path | str | None = None, tokenizer_path: Path | str | None = None,
                 threads: int = 1, max_tokens: int = MAX_TOKENS) -> None:
        self.model_path = Path(model_path) if model_path else _data_path(MODEL_RESOURCE)
        tok = Path(tokenizer_path) if tokenizer_path else self.model_path.with_name(TOKENIZER_RESOURCE)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are dependencies
            raise TransformerUnavailable(f"the second-stage relevance model needs {exc.name}") from None
        if not self.model_path.is_file() or not tok.is_file():
            raise TransformerUnavailable(f"second-stage model files missing: {self.model_path}, {tok}")
        self.tokenizer = Tokenizer.from_file(str(tok))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])

    @classmethod
    def default(cls) -> TransformerScorer:
        return _default_scorer()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """One logit per text. Each post is its own inference call: the int8 model quantises activations per call
        (dynamic quantisation), so in a batch a post's score would depend on its neighbours (by up to 0.7 logit);
        alone it is reproducible, at 5.1 instead of 4.2 ms a post."""
        out = np.zeros(len(texts), dtype=np.float64)
        encs = self.tokenizer.encode_batch([t if isinstance(t, str) else "" for t in texts]) if texts else []
        for i, e in enumerate(encs):
            ids = np.asarray([e.ids], dtype=np.int64)
            (logit,) = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            out[i] = float(np.asarray(logit).reshape(-1)[0])
        return out

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities in [0, 1]."""
        z = self.logits(texts)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))


@lru_cache(maxsize=1)
def _default_scorer() -> TransformerScorer:
    return TransformerScorer()
