"""Agreement of the two independent annotators on ``training/gold/double_annotation.csv``.

Prints, over the doubly annotated posts: raw agreement, Cohen's kappa and F1 (one annotator as reference) on
``outage``; on posts both marked outage, agreement on ``service`` and ``problem``; agreement on the region's country
over the posts where either named a place; and how many posts the adjudication changed.

Run: ``python -m training.agreement``
"""

from __future__ import annotations

import pandas as pd

from training import gold


def _norm(s: str) -> str:
    return " ".join(str(s).lower().split())


def _country(region: str) -> str:
    return _norm(region.split(";")[0].split(",")[-1]) if region.strip() else ""


def agreement(df: pd.DataFrame) -> dict[str, float]:
    a, b = df["a_outage"].astype(int), df["b_outage"].astype(int)
    n = len(df)
    po = float((a == b).mean())
    pa, pb = a.mean(), b.mean()
    pe = pa * pb + (1 - pa) * (1 - pb)
    both = df[(a == 1) & (b == 1)]
    placed = df[(df["a_region"].str.strip() != "") | (df["b_region"].str.strip() != "")]
    return {
        "posts": n,
        "outage_a": int(a.sum()), "outage_b": int(b.sum()),
        "outage_agreement": po,
        "outage_kappa": float((po - pe) / (1 - pe)),
        "outage_f1": float(2 * ((a == 1) & (b == 1)).sum() / (a.sum() + b.sum())),
        "service_agreement_both_outage": float((both["a_service"].map(_norm) == both["b_service"].map(_norm)).mean()),
        "problem_agreement_both_outage": float((both["a_problem"] == both["b_problem"]).mean()),
        "posts_with_a_place": len(placed),
        "region_country_agreement": float((placed["a_region"].map(_country) == placed["b_region"].map(_country)).mean()),
        "adjudicated": int((df["adjudication_note"].str.strip() != "").sum()),
    }


def main() -> None:
    df = pd.read_csv(gold.DOUBLE, dtype=str, keep_default_na=False)
    for k, v in agreement(df).items():
        print(f"{k:32} {v:.3f}" if isinstance(v, float) else f"{k:32} {v}")


if __name__ == "__main__":
    main()
