"""Fit, cross-validate and evaluate the linear outage relevance model (scikit-learn at training time only).

This is the training library behind the shipped linear model and behind ``outageradar model train`` /
``outageradar model evaluate`` (which import it from a source checkout; it is not part of the installed package).
``training/relevance.py`` builds the shipped model with it, on the gold labels; :func:`train` is the general recipe
for any labelled CSV files.

Approach
--------
* Posts become sparse binary feature sets with :func:`outageradar.classify.text.features` (word unigrams and
  negation/tense-aware outage lexicon cues; bigrams were dropped in text-7: same CV F1, a third of the scoring time).
  scikit-learn's ``CountVectorizer`` only indexes those strings, so the features a model is trained on are exactly the
  ones :class:`~outageradar.classify.relevance.RelevanceModel` computes in pure Python.
* Rows are L2-normalised (each post's features weigh ``1/sqrt(n)``) and an L2-regularised logistic regression is fit;
  its output is a probability, and the decision threshold is the one that maximises the out-of-fold F1 in
  cross-validation, stored in the model.
* *Extra (weak) supervision* from the other public data sets beside the labelled file (see :data:`EXTRA_SOURCES`) is
  added, down-weighted, to the **training folds only** -- never to test folds -- and any extra row whose text also
  occurs in the labelled data is dropped first, so cross-validation cannot leak. ``train(..., extra=False)``
  trains on the labelled data alone; the benchmark compares both. Tried and left out because 5x5-fold CV on the
  dev file did not improve (differences within one standard deviation, ~0.005 F1, or worse): the labelled
  power_outage_tweets (its "outage" label also covers chatter; -0.008), isp_tweets aspect labels (reliability/
  coverage/speed -> 1, price/customer service -> 0; -0.006), exchange_topics (uptime/withdrawal -> 1, fraud/law ->
  0; -0.006), company replies of customer_support as negatives (+0.003, sd 0.009), a service-catalog mention flag
  (-0.001), a support-handle cue (-0.005), cues for denied/hypothetical outages, first-hand wording and closures
  (+-0.002), unnormalised cue columns, class weights, C in 2..32 and extra weights 0.1..0.7 (flat around 0.74), and
  character 2-5-grams (0.724 alone, 0.746 with these features, far slower).
* *Distillation*: a fine-tuned transformer (all-MiniLM-L6-v2, ~0.78 F1 on the dev file, ~10 ms a post) labels
  ~12,000 unlabelled posts of the same corpora (``training/teacher_labels.tsv``, built by
  ``benchmarks/teacher_labels.py``; :mod:`training.teacher`). Each joins training twice, as outage with
  weight ``TEACHER_WEIGHT * p`` and as not with ``TEACHER_WEIGHT * (1 - p)`` (cross-entropy against the teacher's
  probability). In cross-validation each training fold gets the labels of the teacher trained without that fold's
  test posts, so no test label leaks; that fixes the split to the teachers' one (5 folds, one repeat).
* Cross-validation is stratified 5-fold repeated 5 times (fixed seed). Reported P/R/F1 are pooled over the
  out-of-fold predictions of each repeat and averaged over repeats. Choosing the threshold on the same out-of-fold
  scores makes the figures at that threshold slightly optimistic; the F1 at 0.5 is reported beside them.
* The written model is plain JSON (:func:`model_document`): feature -> weight for every feature whose weight
  survives pruning (``|w| >= prune``), the intercept, the threshold, the text settings, and metadata naming the data
  (paths, row counts), the date, the scikit-learn version and the CV figures. Loading never unpickles.

Rebuild the shipped model with ``python -m training.relevance`` (see ``training/README.md``); train one on other
labelled files with ``outageradar model train --data CSV ... --output PATH``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from outageradar.classify import text as textmod
from outageradar.classify.relevance import MODEL_FORMAT, MODEL_RESOURCE, RelevanceModel
from outageradar.records import OutageradarError
from training.teacher import DEFAULT_PATH as DEFAULT_TEACHER_PATH
from training.teacher import labelled_fingerprint, load_teacher_pool, text_key

MODEL_DATA = Path(__file__).resolve().parents[1] / "outageradar" / "classify" / "data"
"""The runtime package's data folder in this checkout, where the shipped models are written."""

Progress = Callable[[str], None]

#: default regularisation strength, extra-data weight and pruning level (chosen by cross-validation on the dev file,
#: see benchmarks/eval_relevance.py)
C_DEFAULT = 8.0
EXTRA_WEIGHT = 0.2
TEACHER_WEIGHT = 1.0
"""Weight of a teacher-labelled pool post. CV F1 on the dev file (teachers' folds) for weights 0 (no pool), 0.1, 0.3,
1, 2, 4: 0.743, 0.752, 0.754, 0.758, 0.759, 0.761 -- flat from 1, where a pool post weighs as much as a labelled
one."""
PRUNE = 0.02
MIN_DF = 2
CV_FOLDS = 5
CV_REPEATS = 5
SEED = 20261101
TEACHER_SPLIT_SEED = 1  # the folds the teachers of teacher_labels.tsv were trained on (random_state)
MODEL_VERSION_PREFIX = "relevance"


#: Guide-derived prior log-odds added (unnormalised) when a lexicon cue fires. GUIDE.md says advice about outages and
#: outages that are clearly over are *not* reports, and that asking whether a service is down *is* one; the 1,000 dev
#: posts hold too few such cases for the regression to learn it, so the definition enters as a fixed offset added
#: to the fitted model's log-odds at scoring time. CV scores with the same offsets and picks the threshold on them
#: (benchmarks/eval_relevance.py reports CV with and without).
CUE_OFFSETS: dict[str, float] = {
    "lx:outage+advice": -1.5,
    "lx:outage+past": -1.0,
    "lx:question_down": 1.0,
}


class LabelDataError(OutageradarError, ValueError):
    """A labelled file is missing, unreadable, or lacks usable ``text`` / ``outage`` columns."""


# --------------------------------------------------------------------------------------------------------------------
# labelled data


def load_labelled(paths: Sequence[Path]) -> pd.DataFrame:
    """Read and concatenate labelled CSV files with columns ``text`` and ``outage`` (0/1).

    Other columns are kept. Rows with empty text are dropped; any other bad value raises :class:`LabelDataError`
    naming the file and the problem.
    """
    if not paths:
        raise LabelDataError("no labelled data files given")
    frames = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise LabelDataError(f"{path}: no such file")
        try:
            df = pd.read_csv(path, dtype={"text": str}, keep_default_na=False, na_values={"outage": [""]})
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise LabelDataError(f"{path}: not a readable CSV file ({exc})") from None
        missing = [c for c in ("text", "outage") if c not in df.columns]
        if missing:
            raise LabelDataError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}")
        df = df[df["text"].astype(str).str.strip() != ""].copy()
        labels = pd.to_numeric(df["outage"], errors="coerce")
        bad = labels.isna() | ~labels.isin([0, 1])
        if bad.any():
            first = df.index[bad.to_numpy()][0]
            raise LabelDataError(
                f"{path}: column outage must be 0 or 1; {int(bad.sum())} bad value(s), e.g. {df.loc[first, 'outage']!r} "
                f"in data row {int(first) + 1}"
            )
        df["outage"] = labels.astype(int)
        df["file"] = str(path)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        raise LabelDataError("the labelled files hold no rows with text")
    if out["outage"].nunique() < 2:
        raise LabelDataError("the labelled data needs both classes (outage 0 and 1)")
    return out


# --------------------------------------------------------------------------------------------------------------------
# extra (weak) supervision from the public data sets beside the labelled file


@dataclass(frozen=True)
class ExtraSource:
    """One weakly labelled data set: its relative path, how rows map to labels, and why that is defensible."""

    name: str
    relpath: str
    rule: str
    loader: Callable[[Path], pd.DataFrame]


_TELECOM_OUTAGE_ASPECTS = {"Network", "Calls"}


def _sentitel(p: Path) -> pd.DataFrame:
    rows = []
    for r in json.loads(p.read_text(encoding="utf-8")):
        ops = r.get("opinions") or []
        neg_net = any(o["aspect"] in _TELECOM_OUTAGE_ASPECTS and o["sentiment"] == "Negative" for o in ops)
        other = all(o["aspect"] in {"CustomerService", "MobileMoney", "General"} or o["sentiment"] == "Positive"
                    for o in ops)
        if neg_net:
            rows.append((r["text"], 1))
        elif ops and other:
            rows.append((r["text"], 0))  # customer service, mobile money, praise: not outage reports
    return pd.DataFrame(rows, columns=["text", "outage"])


def _complaints_random(p: Path) -> pd.DataFrame:
    df = pd.read_csv(p, header=None, names=["id", "text", "complaint", "domain"])
    keep = df["domain"].isin(["random_tweet", "random_reply"]) | (df["complaint"] == 0)
    return pd.DataFrame({"text": df.loc[keep, "text"].astype(str), "outage": 0})


#: extra sources in the order they are tried; each maps its own labels to outage 0/1 as ``rule`` says
EXTRA_SOURCES: tuple[ExtraSource, ...] = (
    ExtraSource("telecom_aspects", "telecom_aspects/sentitel_train.json",
                "a Negative Network/Calls opinion -> 1; only CustomerService/MobileMoney/General or Positive "
                "opinions -> 0; rest (e.g. Data, whose complaints are mostly bundle prices) dropped",
                _sentitel),
    ExtraSource("complaints", "complaints/complaints-data.csv",
                "random tweets/replies and non-complaints -> 0; complaints dropped (mixed)", _complaints_random),
)


def find_extra_root(paths: Sequence[Path]) -> Path | None:
    """The data folder holding the extra sources: the nearest ancestor of a labelled file that has one of them."""
    for p in paths:
        for anc in Path(p).resolve().parents:
            if any((anc / s.relpath).exists() for s in EXTRA_SOURCES):
                return anc
    return None


def load_extra(root: Path, exclude_texts: Sequence[str] = (), sources: Sequence[str] | None = None,
               ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rows (``text``, ``outage``, ``source``) of the extra sources under ``root``, without texts in ``exclude_texts``.

    Returns the rows and one metadata record per source used (path, rule, row counts).
    """
    excl = {text_key(t) for t in exclude_texts}
    excl.discard("")
    frames, meta = [], []
    for src in EXTRA_SOURCES:
        if sources is not None and src.name not in sources:
            continue
        p = root / src.relpath
        if not p.exists():
            continue
        df = src.loader(p)
        df = df[df["text"].astype(str).str.strip() != ""]
        keys = df["text"].map(text_key)
        keep = ~keys.isin(excl) & (keys != "") & ~keys.duplicated()
        df = df[keep.to_numpy()].assign(source=src.name)
        frames.append(df)
        meta.append({"name": src.name, "path": src.relpath, "rule": src.rule, "rows": int(len(df)),
                     "positives": int(df["outage"].sum()), "dropped_duplicates": int((~keep).sum())})
    if not frames:
        return pd.DataFrame(columns=["text", "outage", "source"]), meta
    return pd.concat(frames, ignore_index=True), meta


# --------------------------------------------------------------------------------------------------------------------
# fitting


@dataclass
class Fitted:
    """A fitted linear model over feature strings."""

    weights: dict[str, float]
    intercept: float
    offsets: dict[str, float] = field(default_factory=dict)


def _identity(x: list[str]) -> list[str]:
    return x


def fit(feats: Sequence[list[str]], y: Sequence[int], sample_weight: Sequence[float] | None = None,
        C: float = C_DEFAULT, min_df: int = MIN_DF, offsets: dict[str, float] | None = None) -> Fitted:
    """Fit the L2-normalised binary logistic regression on precomputed feature lists."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    offsets = CUE_OFFSETS if offsets is None else offsets
    vec = CountVectorizer(analyzer=_identity, binary=True, min_df=min_df)
    X = normalize(vec.fit_transform(list(feats)).astype(np.float64))
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=0)
    clf.fit(X, np.asarray(y), sample_weight=None if sample_weight is None else np.asarray(sample_weight))
    names = vec.get_feature_names_out()
    coef = clf.coef_[0]
    return Fitted({str(n): float(w) for n, w in zip(names, coef)}, float(clf.intercept_[0]), dict(offsets))


def score_features(model: Fitted, feats: Sequence[list[str]]) -> np.ndarray:
    """Probabilities for precomputed feature lists (same arithmetic as the runtime model)."""
    w, b = model.weights, model.intercept
    out = np.empty(len(feats))
    for i, fs in enumerate(feats):
        uniq = set(fs)
        s = sum(w.get(f, 0.0) for f in uniq)
        z = b + s / math.sqrt(len(uniq)) if uniq else b
        if model.offsets:
            z += sum(model.offsets.get(f, 0.0) for f in uniq)
        out[i] = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    return out


def prune(model: Fitted, level: float = PRUNE) -> Fitted:
    """Drop weights smaller in magnitude than ``level`` (4 significant decimals kept for the rest)."""
    return Fitted({f: round(w, 4) for f, w in model.weights.items() if abs(w) >= level}, round(model.intercept, 4),
                  dict(model.offsets))


# --------------------------------------------------------------------------------------------------------------------
# metrics and reports


def confusion(y: Sequence[int], pred: Sequence[int]) -> dict[str, int]:
    ya, pa = np.asarray(y).astype(bool), np.asarray(pred).astype(bool)
    return {"tn": int((~ya & ~pa).sum()), "fp": int((~ya & pa).sum()), "fn": int((ya & ~pa).sum()),
            "tp": int((ya & pa).sum())}


def prf(cm: dict[str, int]) -> tuple[float, float, float, float]:
    """Precision, recall, F1 and accuracy from a confusion dict."""
    tp, fp, fn, tn = cm["tp"], cm["fp"], cm["fn"], cm["tn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    n = tp + fp + fn + tn
    return p, r, f, (tp + tn) / n if n else 0.0


@dataclass
class CVResult:
    """Cross-validated figures at the chosen threshold (means over repeats, with the standard deviation of F1)."""

    threshold: float
    precision: float
    recall: float
    f1: float
    f1_std: float
    f1_at_half: float
    folds: int
    repeats: int
    extra_rows: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if math.isnan(v) else round(v, 4)) if isinstance(v, float) else v
                for k, v in self.__dict__.items()}


def choose_threshold(y: np.ndarray, oof: np.ndarray) -> float:
    """Threshold in [0.2, 0.8] maximising mean F1 over the repeats' out-of-fold scores (ties -> nearest to 0.5)."""
    grid = np.round(np.arange(0.20, 0.801, 0.01), 2)
    best, best_f = 0.5, -1.0
    for t in sorted(grid, key=lambda t: abs(t - 0.5)):
        f = float(np.mean([prf(confusion(y, o >= t))[2] for o in oof]))
        if f > best_f + 1e-9:
            best, best_f = float(t), f
    return best


def soft_rows(feats: Sequence[list[str]], p: Sequence[float], weight: float
              ) -> tuple[list[list[str]], list[int], list[float]]:
    """Soft-labelled rows as weighted hard rows: each post once as outage (weight ``weight * p``) and once as not
    (``weight * (1 - p)``), which gives logistic regression the cross-entropy against ``p``."""
    feats = list(feats)
    p = [float(x) for x in p]
    return feats + feats, [1] * len(feats) + [0] * len(feats), [weight * x for x in p] + [weight * (1 - x) for x in p]


@dataclass
class TeacherRows:
    """Teacher-labelled pool posts as features: probabilities for the final model and for each CV fold."""

    feats: list[list[str]]
    p_final: np.ndarray
    p_folds: list[np.ndarray]
    weight: float = TEACHER_WEIGHT
    texts: list[str] = field(default_factory=list)


def load_teacher_rows(df: pd.DataFrame, root: Path, path: Path = DEFAULT_TEACHER_PATH,
                      weight: float = TEACHER_WEIGHT) -> tuple[TeacherRows | None, dict[str, Any]]:
    """The teacher-labelled pool for the labelled rows ``df`` (texts found under ``root``), without posts that are
    also labelled, and a metadata record (``used``, and ``reason`` when not)."""
    fingerprint = labelled_fingerprint(df["text"], df["outage"])
    pool, why = load_teacher_pool(root, fingerprint, path)
    if pool is None:
        return None, {"used": False, "reason": why}
    labelled = {text_key(t) for t in df["text"]}
    keep = [i for i, t in enumerate(pool.texts) if text_key(t) not in labelled]
    rows = TeacherRows([textmod.features(pool.texts[i]) for i in keep], pool.p_final[keep],
                       [p[keep] for p in pool.p_folds], weight, [pool.texts[i] for i in keep])
    return rows, {"used": True, "path": "training/" + Path(path).name, "rows": len(keep),
                  "missing": pool.missing, "weight": weight, "labelled_fingerprint": fingerprint,
                  "folds": pool.folds}


def cross_validate(feats: Sequence[list[str]], y: Sequence[int], extra_feats: Sequence[list[str]] = (),
                   extra_y: Sequence[int] = (), extra_weight: float = EXTRA_WEIGHT, C: float = C_DEFAULT,
                   folds: int = CV_FOLDS, repeats: int = CV_REPEATS, seed: int = SEED,
                   progress: Progress | None = None, offsets: dict[str, float] | None = None,
                   teacher: TeacherRows | None = None) -> CVResult:
    """Repeated stratified k-fold CV; extra rows (if any) join every training fold, never a test fold.

    With ``teacher`` the split is the teachers' own (:data:`TEACHER_SPLIT`, one repeat) and each training fold gets
    the pool labelled by the teacher that did not see that fold's test posts."""
    from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

    ya = np.asarray(y)
    n = len(ya)
    feats = list(feats)
    extra_feats, extra_y = list(extra_feats), list(extra_y)
    if teacher is not None:
        folds, repeats = len(teacher.p_folds), 1
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=TEACHER_SPLIT_SEED).split(np.zeros(n), ya)
    else:
        splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed).split(np.zeros(n), ya)
    oof = np.zeros((repeats, n))
    for k, (tr, te) in enumerate(splits):
        tr_feats = [feats[i] for i in tr] + extra_feats
        tr_y = list(ya[tr]) + extra_y
        w = [1.0] * len(tr) + [extra_weight] * len(extra_feats)
        if teacher is not None:
            tf, ty, tw = soft_rows(teacher.feats, teacher.p_folds[k], teacher.weight)
            tr_feats, tr_y, w = tr_feats + tf, tr_y + ty, w + tw
        m = fit(tr_feats, tr_y, w, C=C, offsets=offsets)
        oof[k // folds, te] = score_features(m, [feats[i] for i in te])
        if progress:
            progress(f"cv fold {k + 1}/{folds * repeats}")
    thr = choose_threshold(ya, oof)
    per = [prf(confusion(ya, o >= thr)) for o in oof]
    half = [prf(confusion(ya, o >= 0.5))[2] for o in oof]
    return CVResult(thr, float(np.mean([p[0] for p in per])), float(np.mean([p[1] for p in per])),
                    float(np.mean([p[2] for p in per])), float(np.std([p[2] for p in per])), float(np.mean(half)),
                    folds, repeats, len(extra_feats))


@dataclass
class TrainReport:
    """What :func:`train` did: data, CV figures, model size and where it was written."""

    output: Path
    version: str
    rows: int
    positives: int
    extra_rows: int
    features: int
    cv: CVResult
    extra_sources: list[dict[str, Any]] = field(default_factory=list)

    def to_table(self) -> str:
        c = self.cv
        lines = [
            f"model        {self.output}  ({self.version})",
            f"labelled     {self.rows} rows, {self.positives} outage",
            f"extra        {self.extra_rows} weakly labelled rows"
            + "".join(f"\n               {s['name']}: {s['rows']} ({s['positives']} outage)" for s in self.extra_sources),
            f"features     {self.features} (after pruning)",
            f"threshold    {c.threshold:.2f}",
            f"CV {c.repeats}x{c.folds}-fold  precision {c.precision:.3f}  recall {c.recall:.3f}  "
            f"F1 {c.f1:.3f} (sd {c.f1_std:.3f}; F1 at 0.5: {c.f1_at_half:.3f})",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_table()


@dataclass
class EvalReport:
    """Figures of a model on labelled data at the model's threshold."""

    model: str
    version: str
    threshold: float
    n: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    tn: int
    fp: int
    fn: int
    tp: int

    def to_table(self) -> str:
        return "\n".join([
            f"model      {self.model} ({self.version}), threshold {self.threshold:.2f}",
            f"posts      {self.n}",
            f"precision  {self.precision:.3f}",
            f"recall     {self.recall:.3f}",
            f"F1         {self.f1:.3f}",
            f"accuracy   {self.accuracy:.3f}",
            "confusion  predicted 0  predicted 1",
            f"  actual 0 {self.tn:>11}  {self.fp:>11}",
            f"  actual 1 {self.fn:>11}  {self.tp:>11}",
        ])

    def __str__(self) -> str:
        return self.to_table()


# --------------------------------------------------------------------------------------------------------------------
# public entry points


def _display_path(p: Path) -> str:
    """A path as recorded in metadata: relative to the shared-data folder's parent when possible."""
    parts = Path(p).resolve().parts
    if "shared" in parts:
        return "/".join(parts[parts.index("shared"):])
    return Path(p).name


def _version(today: dt.date, model: Fitted) -> str:
    """``relevance-YYYY.M.D-<6 hex of the weights>``: two models trained the same day differ in version, so ``classify
    stored`` re-classifies what an earlier one labelled."""
    digest = hashlib.sha1(json.dumps([model.intercept, sorted(model.weights.items()), sorted(model.offsets.items())],
                                     allow_nan=False).encode()).hexdigest()[:6]
    return f"{MODEL_VERSION_PREFIX}-{today.year}.{today.month}.{today.day}-{digest}"


def model_document(model: Fitted, threshold: float, metadata: dict[str, Any], today: dt.date | None = None
                   ) -> dict[str, Any]:
    """The JSON document of a fitted model, as :meth:`RelevanceModel.from_dict` reads it: format, version (from
    ``today`` and the weights), threshold, intercept, text settings, ``metadata`` (after the creation date and the
    scikit-learn version), offsets and weights."""
    today = today or dt.date.today()
    return {
        "format": MODEL_FORMAT,
        "version": _version(today, model),
        "threshold": threshold,
        "intercept": model.intercept,
        "settings": dict(textmod.SETTINGS, normalise="l2"),
        "metadata": {"created": today.isoformat(), "sklearn_version": sklearn_version(), **metadata},
        "offsets": model.offsets,
        "weights": dict(sorted(model.weights.items())),
    }


def write_model(doc: dict[str, Any], output: Path) -> Path:
    """Write a model document as compact JSON (creating the folder); returns the path."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False), encoding="utf-8")
    return output


def train(paths: Sequence[Path], output: Path, extra: bool = True, progress: Progress | None = None, *,
          C: float = C_DEFAULT, extra_weight: float = EXTRA_WEIGHT, prune_level: float = PRUNE,
          cv_repeats: int = CV_REPEATS, extra_root: Path | None = None,
          offsets: dict[str, float] | None = None, teacher_path: Path | None = DEFAULT_TEACHER_PATH,
          teacher_weight: float = TEACHER_WEIGHT) -> TrainReport:
    """Cross-validate, fit on all labelled (+ extra) rows, and write the JSON model to ``output``.

    ``extra`` adds the weak supervision of :data:`EXTRA_SOURCES`, found beside the labelled files (or under
    ``extra_root``); when none is found the model is trained on the labelled rows alone. With ``extra``, the
    teacher-labelled pool of ``teacher_path`` (:mod:`training.teacher`) is added too, as soft labels of
    weight ``teacher_weight``, when it belongs to these labelled rows and its corpora are under the same root; CV then
    uses the teachers' own folds (one repeat). ``cv_repeats=0`` skips CV (threshold 0.5, CV figures recorded as
    absent).
    """
    say = progress or (lambda _m: None)
    paths = [Path(p) for p in paths]
    df = load_labelled(paths)
    y = df["outage"].tolist()
    say(f"featurising {len(df)} labelled posts")
    feats = [textmod.features(t) for t in df["text"]]
    ex_df, ex_meta = pd.DataFrame(columns=["text", "outage"]), []
    root = extra_root or (find_extra_root(paths) if extra else None)
    teacher, teacher_meta = None, {"used": False}
    if extra and root is not None and teacher_path is not None:
        teacher, teacher_meta = load_teacher_rows(df, root, teacher_path, teacher_weight)
        say(f"teacher labels: {teacher_meta['rows']} pool posts" if teacher is not None
            else f"teacher labels not used: {teacher_meta['reason']}")
    if extra and root is not None:  # a pool post is not also a weakly labelled row
        ex_df, ex_meta = load_extra(root, df["text"].tolist() + (teacher.texts if teacher is not None else []))
        say(f"extra data: {len(ex_df)} rows from {root}")
    ex_feats = [textmod.features(t) for t in ex_df["text"]]
    ex_y = ex_df["outage"].astype(int).tolist()
    smaller = min(sum(y), len(y) - sum(y))
    if cv_repeats > 0 and smaller < CV_FOLDS:
        raise LabelDataError(f"cross-validation needs at least {CV_FOLDS} posts of each class; the labelled data has "
                             f"{sum(y)} outage and {len(y) - sum(y)} other")
    if cv_repeats > 0:
        cv = cross_validate(feats, y, ex_feats, ex_y, extra_weight=extra_weight, C=C, repeats=cv_repeats,
                            progress=say, offsets=offsets, teacher=teacher)
    else:
        cv = CVResult(0.5, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, len(ex_feats))
    say("fitting the final model")
    all_feats = feats + ex_feats
    all_y = y + ex_y
    all_w = [1.0] * len(feats) + [extra_weight] * len(ex_feats)
    if teacher is not None:
        tf, ty, tw = soft_rows(teacher.feats, teacher.p_final, teacher.weight)
        all_feats, all_y, all_w = all_feats + tf, all_y + ty, all_w + tw
    model = prune(fit(all_feats, all_y, all_w, C=C, offsets=offsets), prune_level)
    doc = model_document(model, cv.threshold, {
        "estimator": f"LogisticRegression(C={C}, solver=liblinear), L2-normalised binary features",
        "data": [{"path": _display_path(p), "rows": int((df["file"] == str(p)).sum()),
                  "positives": int(df.loc[df["file"] == str(p), "outage"].sum())} for p in paths],
        "extra_data": {"root": _display_path(root) if (extra and root is not None) else None,
                       "weight": extra_weight if ex_meta else 0.0, "sources": ex_meta},
        "teacher": teacher_meta,
        "cv": cv.as_dict(),
        "prune": prune_level,
        "features": len(model.weights),
    })
    output = write_model(doc, output)
    return TrainReport(output, doc["version"], len(df), int(sum(y)), len(ex_feats), len(model.weights), cv, ex_meta)


def sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def evaluate(paths: Sequence[Path], model_path: Path | None = None) -> EvalReport:
    """Score labelled posts with a model (the shipped one by default) at its threshold."""
    df = load_labelled([Path(p) for p in paths])
    model = RelevanceModel.default() if model_path is None else RelevanceModel.from_file(Path(model_path))
    pred = [model.is_outage(s) for s in model.score_many(df["text"].tolist())]
    cm = confusion(df["outage"].tolist(), pred)
    p, r, f, a = prf(cm)
    return EvalReport(str(model_path) if model_path else "shipped", model.version, model.threshold, len(df), p, r, f, a,
                      cm["tn"], cm["fp"], cm["fn"], cm["tp"])


def default_model_path() -> Path:
    """Where the shipped linear model lives in this source checkout (what ``python -m training.relevance`` writes)."""
    return MODEL_DATA / MODEL_RESOURCE
