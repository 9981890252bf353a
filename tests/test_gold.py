"""The gold labels: complete, well-formed, the test split fixed by rule, the double annotation consistent."""

from __future__ import annotations

import pandas as pd
import pytest
from shared_data import SHARED, require

from training import agreement, gold

PROBLEMS = {"connectivity", "login", "messaging", "app_crash", "performance", "payments", "power", "tv_video", "other"}


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(gold.POOL_LABELS, dtype=str, keep_default_na=False)


def test_labels_are_complete_and_well_formed(labels):
    assert len(labels) >= 5000 and labels["id"].is_unique
    assert set(labels["outage"]) == {"0", "1"}
    out = labels[labels["outage"] == "1"]
    assert set(out["problem"]) <= PROBLEMS and (labels.loc[labels["outage"] == "0", "problem"] == "").all()
    assert "text" not in labels.columns  # texts are joined from ../shared, never copied


def test_test_split_is_the_first_thousand_ids(labels):
    assert (labels["split"] == labels["id"].map(gold.split_of)).all()
    test = labels[labels["split"] == "test"]
    assert len(test) == 1000 and test["id"].min() == "P00000" and test["id"].max() == "P00999"


def test_labels_join_the_shared_pool_in_order():
    require("data/labeled/pool_unlabelled.csv")
    test = gold.load_pool("test", SHARED)
    train = gold.load_training(SHARED)
    assert len(test) == 1000 and test["text"].str.len().gt(0).all()
    assert not set(test["id"]) & set(train["id"])
    assert set(train["split"]) == {"dev", "train"} and len(train) >= 5000


def test_double_annotation_matches_the_final_labels(labels):
    dbl = pd.read_csv(gold.DOUBLE, dtype=str, keep_default_na=False)
    assert len(dbl) >= 500 and set(dbl["id"]) <= set(labels.loc[labels["split"] == "test", "id"])
    final = labels.set_index("id").loc[dbl["id"]]
    for f in gold.FIELDS:
        assert (dbl[f"final_{f}"].to_numpy() == final[f].to_numpy()).all(), f
    # a post both annotators agreed on keeps their label; a disputed one was adjudicated
    agreed = dbl[(dbl["a_outage"] == dbl["b_outage"]) & (dbl["adjudication_note"] == "")]
    assert (agreed["final_outage"] == agreed["a_outage"]).all()
    disputed = dbl[dbl["a_outage"] != dbl["b_outage"]]
    assert (disputed["adjudication_note"] != "").all()


def test_agreement_figures():
    dbl = pd.read_csv(gold.DOUBLE, dtype=str, keep_default_na=False)
    a = agreement.agreement(dbl)
    assert a["posts"] == len(dbl)
    assert -1.0 <= a["outage_kappa"] <= 1.0 and 0.0 <= a["outage_f1"] <= 1.0
    # kappa is below raw agreement whenever the classes are unbalanced
    assert a["outage_kappa"] < a["outage_agreement"]
