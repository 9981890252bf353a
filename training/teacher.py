"""Teacher labels for training the relevance model: a fine-tuned transformer's probabilities for unlabelled posts.

``training/teacher_labels.tsv`` (built by ``benchmarks/teacher_labels.py``, which documents the teacher) holds, for
about 12,000 unlabelled real posts of the corpora beside the labelled file, the outage probability given by a
fine-tuned all-MiniLM-L6-v2: once from a teacher trained on all labelled posts (``p_final``) and once per
cross-validation fold from a teacher trained without that fold (``p_fold0`` .. ``p_fold4``). The posts themselves are
not stored here: each row names its corpus and a key (sha1 of :func:`text_key`), and :func:`load_teacher_pool` finds
the texts again in ``../shared/data``.

The labels belong to the labelled file the teachers learned from; its fingerprint is in the TSV header, and the pool
is used only when the labelled data being trained on has the same fingerprint (otherwise training goes on without it,
and says so). Training data only: nothing here ships in the package or is read at run time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: corpus -> posts drawn for the pool (in this order; see benchmarks/teacher_labels.py)
POOL_CORPORA: dict[str, int] = {
    "twcs": 3000, "power": 3000, "lagos_isp": 1500, "us_isp": 2000, "sentitel": 1500, "crypto": 1000,
    "complaints": 1500,
}
_EXCHANGE_TOPICS = ("fraud", "hacker-attack", "law-enforcement", "uptime-problem", "withdrawal-issue")
DEFAULT_PATH = Path(__file__).resolve().parent / "teacher_labels.tsv"


def corpus_texts(data_root: Path, name: str) -> list[str]:
    """The post texts of one pool corpus under ``data_root`` (``../shared/data``), in file order."""
    if name == "twcs":
        df = pd.read_csv(data_root / "customer_support" / "twcs_head_monalisapatra26.csv")
        col = df.loc[df["inbound"] == True, "text"]  # noqa: E712 - customers' tweets, not the companies' replies
    elif name == "power":
        col = pd.read_csv(data_root / "power_outage_tweets" / "raw_tweets.csv")["text"]
    elif name == "lagos_isp":
        col = pd.read_csv(data_root / "isp_tweets" / "raw__merged.csv")["Text"]
    elif name == "us_isp":
        col = pd.read_csv(data_root / "isp_tweets" / "analogous-data__analogous_tweets_nov_27.csv")["Text"]
    elif name == "sentitel":
        col = [r["text"] for r in json.loads((data_root / "telecom_aspects" / "sentitel_train.json").read_text())]
    elif name == "crypto":
        col = []
        for topic in _EXCHANGE_TOPICS:
            col += (data_root / "exchange_topics" / f"{topic}.txt").read_text(encoding="utf-8", errors="ignore") \
                .splitlines()
    elif name == "complaints":
        col = pd.read_csv(data_root / "complaints" / "complaints-data.csv", header=None)[1]
    else:
        raise ValueError(f"unknown pool corpus {name!r}")
    return [t for t in col if isinstance(t, str)]


_KEY_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|\S+\.(?:com|co|ly)/\S*")


def text_key(text: str) -> str:
    """Duplicate-detection key: lower-case letters and digits only, links dropped, first 100 characters (also what
    keeps labelled, weakly labelled and pool posts apart in :mod:`training.linear`)."""
    t = _KEY_URL.sub("", str(text).lower())
    return "".join(ch for ch in t if ch.isalnum())[:100]


def key_of(text: str) -> str:
    """A post's key in the TSV: 16 hex digits of the sha1 of its duplicate-detection key."""
    return hashlib.sha1(text_key(text).encode("utf-8")).hexdigest()[:16]


def labelled_fingerprint(texts: Iterable[str], labels: Iterable[int]) -> str:
    """A fingerprint of labelled data (texts and labels, in order): the teachers' labels belong to it."""
    h = hashlib.sha1()
    for t, y in zip(texts, labels):
        h.update(f"{int(y)}\x00{t}\x01".encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass
class TeacherPool:
    """Unlabelled posts with the teachers' probabilities."""

    texts: list[str]
    p_final: np.ndarray
    p_folds: list[np.ndarray]  # per cross-validation fold
    folds: str  # how the labelled rows were split (recorded in the TSV)
    missing: int  # rows of the TSV whose post was not found


def read_header(path: Path = DEFAULT_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    if not first.startswith("# "):
        raise ValueError(f"{path}: no header line")
    return json.loads(first[2:])


def load_teacher_pool(data_root: Path, fingerprint: str, path: Path = DEFAULT_PATH) -> tuple[TeacherPool | None, str]:
    """The teacher pool for labelled data of ``fingerprint``, with the texts found under ``data_root``; ``(None,
    reason)`` when the TSV is absent, belongs to other labelled data, or its corpora are not there."""
    if not path.exists():
        return None, f"no teacher labels at {path}"
    header = read_header(path)
    if header.get("labelled", {}).get("fingerprint") != fingerprint:
        return None, "the teacher labels belong to other labelled data"
    with open(path, encoding="utf-8") as fh:
        next(fh)
        rows = list(csv.DictReader(fh, delimiter="\t"))
    texts_by_key: dict[str, dict[str, str]] = {}
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        try:
            texts = corpus_texts(data_root, corpus)
        except (OSError, ValueError, KeyError) as exc:
            return None, f"pool corpus {corpus} unavailable under {data_root} ({exc})"
        texts_by_key[corpus] = {}
        for t in texts:
            texts_by_key[corpus].setdefault(key_of(t), t)
    keep, texts = [], []
    for i, r in enumerate(rows):
        t = texts_by_key[r["corpus"]].get(r["key"])
        if t is not None:
            keep.append(i)
            texts.append(t)
    folds = sorted(c for c in rows[0] if c.startswith("p_fold")) if rows else []
    pick = lambda col: np.array([float(rows[i][col]) for i in keep])  # noqa: E731
    return TeacherPool(texts, pick("p_final"), [pick(c) for c in folds], header.get("folds", ""),
                       len(rows) - len(keep)), "ok"
