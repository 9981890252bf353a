"""The project's gold labels, joined with the post texts they label.

The labels live in ``training/gold/`` as ids and fields only (``pool_labels.csv``: id, source, outage, service,
region, problem, split); the texts stay in ``../shared/data/labeled/pool_unlabelled.csv`` and are joined here, so no
post text is copied into the project. ``training/gold/README.md`` says how the labels were made, the agreement of two
independent annotators, and how the test split was chosen.

Splits:

* ``test``: the first 1,000 labelled pool posts in file order (P00000-P00999; the pool is shuffled by its makers, so
  these are a random sample of its sources). Fixed before any rule, threshold or weight was tuned on the new labels,
  and never used for tuning: only for the figures reported.
* ``train``: every other labelled pool post.
* ``dev``: the 1,000 posts of ``outage_posts_dev.csv`` (labelled earlier by the same guide); training data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(__file__).resolve().parent / "gold"
POOL_LABELS = GOLD / "pool_labels.csv"
DOUBLE = GOLD / "double_annotation.csv"
DEFAULT_SHARED = ROOT.parent / "shared"
FIELDS = ("outage", "service", "region", "problem")
TEST_IDS = 1000
"""How many pool posts, from the start of the file, form the test split."""


class GoldDataError(RuntimeError):
    """The shared texts the labels refer to are missing or do not match."""


def labeled_dir(shared: Path | None = None) -> Path:
    return Path(shared or DEFAULT_SHARED) / "data" / "labeled"


def split_of(post_id: str) -> str:
    """``test`` for the first :data:`TEST_IDS` pool posts (ids P00000...), else ``train``."""
    return "test" if int(post_id.lstrip("P")) < TEST_IDS else "train"


def _read_labels(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["outage"] = df["outage"].astype(int)
    return df


def load_pool(split: str | None = None, shared: Path | None = None) -> pd.DataFrame:
    """Labelled pool posts (all, or one split) with ``text`` and ``created_at`` joined from the shared pool file."""
    src = labeled_dir(shared) / "pool_unlabelled.csv"
    if not src.is_file():
        raise GoldDataError(f"{src}: not found (the labels' texts live in ../shared)")
    texts = pd.read_csv(src, dtype=str, keep_default_na=False).set_index("id")
    lab = _read_labels(POOL_LABELS)
    missing = set(lab["id"]) - set(texts.index)
    if missing:
        raise GoldDataError(f"{src}: {len(missing)} labelled ids are not in the pool file, e.g. {sorted(missing)[:3]}")
    lab = lab.join(texts[["text", "created_at"]], on="id")
    if (lab["source"] != texts.loc[lab["id"], "source"].to_numpy()).any():
        raise GoldDataError(f"{src}: the sources of the labelled ids do not match the labels file")
    if split is not None:
        lab = lab[lab["split"] == split]
    return lab.reset_index(drop=True)


def load_dev(shared: Path | None = None) -> pd.DataFrame:
    """The labelled dev file, in the same columns (``split`` = ``dev``)."""
    path = labeled_dir(shared) / "outage_posts_dev.csv"
    if not path.is_file():
        raise GoldDataError(f"{path}: not found")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["outage"] = df["outage"].astype(int)
    df["id"] = "D" + df["id"]
    df["split"] = "dev"
    return df[["id", "source", "created_at", "text", *FIELDS, "split"]]


def load_training(shared: Path | None = None) -> pd.DataFrame:
    """Everything a model may be trained or tuned on: the dev file and the pool's train split (never the test)."""
    return pd.concat([load_dev(shared), load_pool("train", shared)], ignore_index=True)
