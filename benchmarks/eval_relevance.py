"""Evaluate the relevance model and the problem tagger on the real labelled dev posts, and measure throughput.

Prints:
1. repeated stratified CV (5x5-fold) precision/recall/F1 of the training recipe without extra data, with the extra
   weak supervision (added to training folds only), and without the guide-derived cue offsets; then, on the teachers'
   5-fold split, the shipped recipe with the teacher-labelled pool (``training/teacher.py``) and without it;
2. the shipped model's figures on the dev file (optimistic: the dev file is its training data);
3. the problem tagger's accuracy and confusion on the dev file's outage posts (in-sample for the rules);
4. throughput over 200k real posts (the 1,000 dev posts repeated) in pure Python, one process: the relevance score
   (``score_many``), the problem type of every post (``problem_type``), and both from one tokenisation with the
   problem type derived for the posts scored as outages, as the tagger reports it (``score_and_problem_many``).
   Each is timed ``--rounds`` times and the fastest round is reported (on a shared machine the slower rounds measure
   the other processes); the mean of the rounds is printed beside it.

Run from the project root:  .venv/bin/python benchmarks/eval_relevance.py [--repeats N] [--posts N] [--rounds N]
(``--repeats 0`` skips the cross-validation).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the training/ area of the checkout

from outageradar.classify import text as textmod  # noqa: E402
from outageradar.classify.problem import PROBLEM_TYPES, problem_type  # noqa: E402
from outageradar.classify.relevance import RelevanceModel  # noqa: E402
from training import linear as training  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEV = SHARED / "labeled" / "outage_posts_dev.csv"


def cv_figures(repeats: int) -> None:
    df = training.load_labelled([DEV])
    y = df["outage"].tolist()
    feats = [textmod.features(t) for t in df["text"]]
    ex, _ = training.load_extra(SHARED, df["text"].tolist())
    ex_feats = [textmod.features(t) for t in ex["text"]]
    ex_y = ex["outage"].astype(int).tolist()
    print(f"== cross-validation on {DEV.name} ({len(df)} posts, {sum(y)} outage), {repeats}x5-fold")
    runs = [("labelled only", [], [], None), ("labelled + extra", ex_feats, ex_y, None),
            ("labelled + extra, no cue offsets", ex_feats, ex_y, {})]
    for name, ef, ey, off in runs:
        r = training.cross_validate(feats, y, ef, ey, repeats=repeats, offsets=off)
        print(f"{name:34s} thr {r.threshold:.2f}  P {r.precision:.3f}  R {r.recall:.3f}  F1 {r.f1:.3f} "
              f"(sd {r.f1_std:.3f})  F1@0.5 {r.f1_at_half:.3f}  extra rows {r.extra_rows}")
    # the shipped recipe: + the teacher-labelled pool, on the teachers' folds (one split); the same split without it
    teacher, meta = training.load_teacher_rows(df, SHARED)
    if teacher is None:
        print(f"teacher pool unavailable: {meta['reason']}")
        return
    ex, _ = training.load_extra(SHARED, df["text"].tolist() + teacher.texts)  # as train() does with the pool
    ex_feats = [textmod.features(t) for t in ex["text"]]
    ex_y = ex["outage"].astype(int).tolist()
    # the teachers' split without the pool (an empty pool), for a like-for-like comparison
    empty = training.TeacherRows([], teacher.p_final[:0], [p[:0] for p in teacher.p_folds], 0.0)
    for name, t in (("labelled + extra, teachers' split", empty), ("labelled + extra + teacher pool", teacher)):
        r = training.cross_validate(feats, y, ex_feats, ex_y, teacher=t)
        print(f"{name:34s} thr {r.threshold:.2f}  P {r.precision:.3f}  R {r.recall:.3f}  F1 {r.f1:.3f} "
              f"F1@0.5 {r.f1_at_half:.3f}  pool rows {len(t.feats)}")


def shipped() -> None:
    m = RelevanceModel.default()
    print(f"\n== shipped model {m.version}: {m.n_features} features, threshold {m.threshold}")
    print(f"metadata CV: {m.metadata.get('cv')}")
    print(training.evaluate([DEV]))


def problems() -> None:
    d = pd.read_csv(DEV)
    d = d[d["outage"] == 1].copy()
    d["pred"] = d["text"].map(problem_type)
    acc = float((d["pred"] == d["problem"]).mean())
    print(f"\n== problem type on {len(d)} outage posts: accuracy {acc:.3f}")
    tab = pd.crosstab(d["problem"], d["pred"]).reindex(index=[p for p in PROBLEM_TYPES if p in set(d["problem"])],
                                                          columns=list(PROBLEM_TYPES), fill_value=0)
    tab.columns = [c[:7] for c in tab.columns]
    with pd.option_context("display.width", 200):
        print("rows: labelled, columns: predicted")
        print(tab.to_string())


def throughput(n: int, rounds: int) -> None:
    df = pd.read_csv(DEV)
    texts = list(itertools.islice(itertools.cycle(df["text"].astype(str).tolist()), n))
    m = RelevanceModel.default()
    chars = sum(map(len, texts)) / len(texts)
    jobs = {
        "relevance score (score_many)": lambda: m.score_many(texts),
        "problem type of every post": lambda: [problem_type(t) for t in texts],
        "both (score_and_problem_many)": lambda: m.score_and_problem_many(texts),
    }
    print(f"\n== throughput over {n} real posts (dev posts repeated, mean {chars:.0f} characters), "
          f"best and mean of {rounds} rounds")
    for name, job in jobs.items():
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            job()
            times.append(time.perf_counter() - t0)
        best, mean = min(times) / n * 1e6, sum(times) / len(times) / n * 1e6
        print(f"{name:32s} {best:6.2f} us/post ({1e6 / best:,.0f} posts/s)   mean {mean:6.2f} us/post")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not DEV.exists():
        raise SystemExit(f"{DEV} is absent (expected ../shared beside the project root)")
    if args.repeats > 0:
        cv_figures(args.repeats)
    shipped()
    problems()
    throughput(args.posts, args.rounds)


if __name__ == "__main__":
    main()
