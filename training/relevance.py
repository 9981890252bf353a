"""Build the shipped relevance models from the gold labels: the linear first stage and the two-stage band.

Linear model (``outageradar/classify/data/relevance_model.json``)
----------------------------------------------------------------
Trained on the dev file and the pool's train split (``training.gold.load_training``; never the test split), plus the
weak extra sources of :data:`training.linear.EXTRA_SOURCES` (down-weighted) and, where chosen, the
teacher-labelled posts of ``training/teacher_labels.tsv`` (the transformer that labelled them learned from the dev file
only, so it has seen no pool label). Settings are chosen by **5-fold cross-validation over the pool's train split**
(``CV_SEED``): the dev rows, extras and teacher rows join every training fold, each fold's pool posts are scored
out of fold. The same out-of-fold scores choose the decision threshold. Candidates are the product of
:data:`GRID`; the chosen one and every candidate's CV F1 are recorded in the model's metadata. The fit is
deterministic (liblinear, fixed ``random_state``), and ``tests/test_relevance.py`` checks that this script
reproduces the shipped model's decisions on the dev posts within a tolerance, not to the last bit (BLAS and
scikit-learn versions differ between machines).

Run: ``python -m training.relevance [--output PATH] [--quick]`` (``--quick``: the shipped settings, no grid search).
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from outageradar.classify import text as textmod
from training import gold
from training import linear as tr
from training.teacher import labelled_fingerprint, load_teacher_pool

CV_SEED = 7
GRID: dict[str, tuple[Any, ...]] = {"C": (4.0, 8.0, 16.0), "extra_weight": (0.0, 0.2), "teacher_weight": (0.0, 0.5)}
CHOSEN: dict[str, Any] = {"C": 16.0, "extra_weight": 0.0, "teacher_weight": 0.5}
"""The settings of the shipped model (the grid's best; see the model's ``metadata.grid``)."""


@dataclass
class Data:
    df: pd.DataFrame
    feats: list[list[str]]
    ex_feats: list[list[str]]
    ex_y: list[int]
    t_feats: list[list[str]]
    t_p: np.ndarray
    ex_meta: list[dict[str, Any]]
    teacher_meta: dict[str, Any]


def load_data(shared: Path | None = None) -> Data:
    df = gold.load_training(shared)
    root = gold.labeled_dir(shared).parent
    # texts that may not reach training through the side doors: every gold post (train and test)
    everything = pd.concat([df["text"], gold.load_pool("test", shared)["text"]]).tolist()
    dev = gold.load_dev(shared)
    pool, why = load_teacher_pool(root, labelled_fingerprint(dev["text"], dev["outage"]))
    excl = {tr.text_key(t) for t in everything}
    if pool is not None:
        keep = [i for i, t in enumerate(pool.texts) if tr.text_key(t) not in excl]
        t_texts, t_p = [pool.texts[i] for i in keep], pool.p_final[keep]
        teacher_meta = {"rows": len(keep), "dropped_gold_texts": len(pool.texts) - len(keep)}
    else:
        t_texts, t_p, teacher_meta = [], np.zeros(0), {"rows": 0, "reason": why}
    ex_df, ex_meta = tr.load_extra(root, everything + t_texts)
    return Data(df, [textmod.features(t) for t in df["text"]], [textmod.features(t) for t in ex_df["text"]],
                ex_df["outage"].astype(int).tolist(), [textmod.features(t) for t in t_texts], np.asarray(t_p),
                ex_meta, teacher_meta)


def _training_rows(d: Data, idx: np.ndarray, extra_weight: float, teacher_weight: float
                   ) -> tuple[list[list[str]], list[int], list[float]]:
    y = d.df["outage"].to_numpy()
    feats = [d.feats[i] for i in idx]
    ys = [int(y[i]) for i in idx]
    w = [1.0] * len(idx)
    if extra_weight > 0:
        feats, ys, w = feats + d.ex_feats, ys + d.ex_y, w + [extra_weight] * len(d.ex_feats)
    if teacher_weight > 0 and len(d.t_feats):
        tf, ty, tw = tr.soft_rows(d.t_feats, d.t_p, teacher_weight)
        feats, ys, w = feats + tf, ys + ty, w + tw
    return feats, ys, w


def cv_oof(d: Data, C: float, extra_weight: float, teacher_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold scores of the pool train-split posts (dev rows always train); returns (their row indices, scores)."""
    from sklearn.model_selection import StratifiedKFold

    y = d.df["outage"].to_numpy()
    pool_idx = np.flatnonzero(d.df["split"].to_numpy() == "train")
    dev_idx = np.flatnonzero(d.df["split"].to_numpy() == "dev")
    oof = np.zeros(len(pool_idx))
    for tr_i, te_i in StratifiedKFold(5, shuffle=True, random_state=CV_SEED).split(pool_idx, y[pool_idx]):
        rows = np.concatenate([dev_idx, pool_idx[tr_i]])
        m = tr.fit(*_training_rows(d, rows, extra_weight, teacher_weight), C=C)
        oof[te_i] = tr.score_features(m, [d.feats[i] for i in pool_idx[te_i]])
    return pool_idx, oof


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The threshold :func:`training.linear.choose_threshold` picks for these scores, and its F1."""
    t = tr.choose_threshold(y, [p])
    return t, tr.prf(tr.confusion(y, p >= t))[2]


def build(output: Path, quick: bool = False, shared: Path | None = None, say=print) -> dict[str, Any]:
    d = load_data(shared)
    y = d.df["outage"].to_numpy()
    say(f"{len(d.df)} gold posts ({int(y.sum())} outage), {len(d.ex_feats)} extra, {len(d.t_feats)} teacher rows")
    grid_rows = []
    candidates = [CHOSEN] if quick else [dict(zip(GRID, v)) for v in itertools.product(*GRID.values())]
    best: tuple[float, dict[str, Any], float] = (-1.0, CHOSEN, 0.5)
    for cand in candidates:
        idx, oof = cv_oof(d, **cand)
        thr, f1 = best_threshold(y[idx], oof)
        p, r, _, _ = tr.prf(tr.confusion(y[idx], oof >= thr))
        grid_rows.append({**cand, "threshold": thr, "cv_f1": round(f1, 4), "cv_precision": round(p, 4),
                          "cv_recall": round(r, 4)})
        say(f"  {cand}  threshold {thr:.2f}  CV F1 {f1:.3f} (P {p:.3f} R {r:.3f})")
        if f1 > best[0] + 1e-9:
            best = (f1, cand, thr)
    f1, cand, thr = best
    model = tr.prune(tr.fit(*_training_rows(d, np.arange(len(d.df)), cand["extra_weight"], cand["teacher_weight"]),
                            C=cand["C"]))
    doc = tr.model_document(model, thr, {
        "estimator": f"LogisticRegression(C={cand['C']}, solver=liblinear, random_state=0), L2-normalised binary "
                     "features",
        "data": [{"path": "training/gold/pool_labels.csv (train split) + shared/data/labeled/outage_posts_dev.csv",
                  "rows": int(len(d.df)), "positives": int(y.sum())}],
        "extra_data": {"weight": cand["extra_weight"], "sources": d.ex_meta},
        "teacher": {**d.teacher_meta, "weight": cand["teacher_weight"]},
        "settings_chosen": cand,
        "cv": {"protocol": "5-fold over the pool train split, dev rows always in training", "f1": round(f1, 4),
               "threshold": thr},
        "grid": grid_rows,
        "features": len(model.weights),
    })
    tr.write_model(doc, output)
    say(f"wrote {output} ({doc['version']}, {len(model.weights)} weights, threshold {thr:.2f}, CV F1 {f1:.3f})")
    return doc


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", type=Path, default=tr.default_model_path())
    ap.add_argument("--quick", action="store_true", help="train with the shipped settings, no grid search")
    ap.add_argument("--two-stage", action="store_true",
                    help="instead: choose the two-stage band on the validation posts (needs the shipped linear and "
                         "transformer models) and write relevance_two_stage.json")
    args = ap.parse_args(argv)
    if args.two_stage:
        build_two_stage(tr.default_model_path().with_name("relevance_two_stage.json"))
    else:
        build(args.output, args.quick)



# --------------------------------------------------------------------------------------------------------------------
# two-stage band (outageradar/classify/data/relevance_two_stage.json)

LOWS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
HIGHS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def two_stage_f1(y: np.ndarray, p_lin: np.ndarray, q: np.ndarray, thr: float, low: float, high: float,
                 q_thr: float) -> float:
    band = (p_lin >= low) & (p_lin < high)
    pred = np.where(band, q >= q_thr, p_lin >= thr)
    return tr.prf(tr.confusion(y, pred))[2]


def band_table(y: np.ndarray, p_lin: np.ndarray, q: np.ndarray, thr: float) -> list[dict[str, float]]:
    """For each band: the best transformer threshold on these posts, the F1, and the share of posts in the band."""
    rows = []
    for low in LOWS:
        for high in HIGHS:
            if high <= thr or low >= thr:
                continue
            best = max((two_stage_f1(y, p_lin, q, thr, low, high, t), -abs(t - 0.5), t)
                       for t in np.round(np.arange(0.2, 0.81, 0.02), 2))
            band = (p_lin >= low) & (p_lin < high)
            rows.append({"low": low, "high": high, "q_threshold": float(best[2]), "f1": round(best[0], 4),
                         "share_in_band": round(float(band.mean()), 4)})
    return rows


def write_two_stage(doc: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def speed_corpus(shared: Path | None = None, limit: int = 20000) -> list[str]:
    """Real post texts for the speed estimate: the corpus ``benchmarks/bench_tagger.py`` times (dev file and
    customer-support tweets)."""
    root = gold.labeled_dir(shared).parent
    texts = pd.read_csv(root / "labeled" / "outage_posts_dev.csv")["text"].fillna("").astype(str).tolist()
    texts += pd.read_csv(root / "customer_support" / "twcs_head_monalisapatra26.csv")["text"].fillna("").astype(str).tolist()
    return texts[:limit]


def build_two_stage(output: Path, shared: Path | None = None, say=print) -> dict[str, Any]:
    """Choose the band and the transformer threshold on the validation posts and measure the speed trade-off."""
    import time

    from outageradar.classify.relevance import RelevanceModel, TwoStage
    from outageradar.classify.tagger import Row, Tagger
    from outageradar.classify.transformer import TransformerScorer

    d = load_data(shared)
    y_all = d.df["outage"].to_numpy()
    idx, oof = cv_oof(d, CHOSEN["C"], CHOSEN["extra_weight"], CHOSEN["teacher_weight"])
    linear = RelevanceModel.default()
    thr = linear.threshold
    val = pd.read_csv(gold.GOLD / "minilm_validation.csv", dtype={"id": str})
    pos = {pid: k for k, pid in enumerate(d.df["id"].iloc[idx])}
    sel = np.array([pos[i] for i in val["id"]])
    y, p_lin, q = y_all[idx][sel], oof[sel], val["p_onnx"].to_numpy()
    rows = band_table(y, p_lin, q, thr)
    lin_f1 = tr.prf(tr.confusion(y, p_lin >= thr))[2]
    say(f"validation: {len(y)} posts; linear alone F1 {lin_f1:.3f}")
    # speed: the share of real posts in each band, and the cost of one transformer-scored post
    texts = speed_corpus(shared)
    shipped = np.asarray(linear.score_many(texts))
    scorer = TransformerScorer.default()
    sample = texts[:2000]
    t0 = time.perf_counter()
    scorer.logits(sample)
    per_post = (time.perf_counter() - t0) / len(sample)
    tagger = Tagger(relevance_mode="linear")
    rows_in = [Row(t) for t in texts]
    tagger.classify_rows(rows_in[:1000])
    t0 = time.perf_counter()
    tagger.classify_rows(rows_in)
    lin_cost = (time.perf_counter() - t0) / len(texts)
    for r in rows:
        share = float(((shipped >= r["low"]) & (shipped < r["high"])).mean())
        r["share_real_posts"] = round(share, 4)
        r["posts_per_s"] = round(1.0 / (lin_cost + share * per_post))
    best = max(r["f1"] for r in rows)
    near = [r for r in rows if r["f1"] >= best - 0.005]
    chosen = min(near, key=lambda r: r["share_real_posts"])
    for r in sorted(rows, key=lambda r: -r["f1"])[:12]:
        say(f"  band [{r['low']:.2f}, {r['high']:.2f})  q>={r['q_threshold']:.2f}  F1 {r['f1']:.3f}  "
            f"in band: validation {r['share_in_band']:.3f}, real posts {r['share_real_posts']:.3f}  "
            f"~{r['posts_per_s']} posts/s")
    meta = json.loads((Path(str(scorer.model_path)).with_suffix(".json")).read_text(encoding="utf-8"))
    doc = {"format": "outageradar-two-stage/1", "low": chosen["low"], "high": chosen["high"],
           "q_threshold": chosen["q_threshold"], "transformer_version": "minilm-" + meta["sha256"][:6],
           "chosen_by": "validation F1 within 0.005 of the best band, then the fewest real posts in the band",
           "validation": {"posts": int(len(y)), "linear_f1": round(lin_f1, 4), "ids": "training.transformer.is_validation"},
           "linear_tagger_us_per_post": round(lin_cost * 1e6, 1), "transformer_ms_per_post": round(per_post * 1e3, 3),
           "bands": rows}
    write_two_stage(doc, output)
    TwoStage.from_dict(doc)  # loads
    say(f"chosen band [{chosen['low']}, {chosen['high']}), q_threshold {chosen['q_threshold']}: wrote {output}")
    return doc


if __name__ == "__main__":
    main()
