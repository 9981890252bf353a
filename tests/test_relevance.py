"""Relevance model: loading without pickle, scores on real posts, negation/tense, training and evaluation (the
training code lives in ``training/``, outside the runtime package)."""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from shared_data import require

from outageradar.classify import text as textmod
from outageradar.classify.relevance import ModelError, RelevanceModel
from training import linear

DEV = "data/labeled/outage_posts_dev.csv"


def test_shipped_model_is_plain_json_and_loads_without_pickle(monkeypatch):
    path = linear.default_model_path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "outageradar-relevance/1"
    assert doc["version"].startswith("relevance-")
    assert path.stat().st_size < 5_000_000

    def boom(*_a, **_k):
        raise AssertionError("unpickling is not allowed")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    m = RelevanceModel.from_file(path)
    assert 0.0 < m.threshold < 1.0 and m.n_features > 1000
    assert RelevanceModel.default() is RelevanceModel.default()


def test_shipped_model_metadata_names_its_data():
    meta = RelevanceModel.default().metadata
    assert "pool_labels.csv" in meta["data"][0]["path"] and "outage_posts_dev.csv" in meta["data"][0]["path"]
    assert meta["data"][0]["rows"] >= 5000
    assert meta["sklearn_version"] and meta["created"]
    assert 0.5 < meta["cv"]["f1"] < 1.0
    assert meta["grid"] and meta["settings_chosen"]
    names = {s["name"] for s in meta["extra_data"]["sources"]}
    assert names <= {s.name for s in linear.EXTRA_SOURCES}


def test_clear_real_posts_score_on_the_right_side():
    df = pd.read_csv(require(DEV))
    m = RelevanceModel.default()
    pos = df[(df.outage == 1) & df.text.str.contains(r"no (?:power|internet|service)|not working|is down", case=False)]
    neg = df[(df.outage == 0) & df.text.str.contains(r"deliver|refund|flight|order", case=False)]
    assert len(pos) >= 10 and len(neg) >= 10
    pos_hits = sum(m.is_outage(s) for s in m.score_many(pos.text))
    neg_hits = sum(m.is_outage(s) for s in m.score_many(neg.text))
    assert pos_hits / len(pos) >= 0.9
    assert neg_hits / len(neg) <= 0.1


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ("my wifi is not working again", "my wifi is working again"),
        ("is Xbox Live down right now?", "Xbox Live was down last week"),
        ("no internet in Decatur GA since this morning @comcastcares", "thanks @comcastcares for the quick fix!"),
        ("I can't connect to the PlayStation Network", "I can connect to the PlayStation Network fine"),
        ("power outage on my street, no electricity since 8pm", "tips to prepare an emergency kit before a power outage"),
    ],
)
def test_negation_and_tense(higher, lower):
    m = RelevanceModel.default()
    assert m.score(higher) > m.score(lower)


def test_features_normalise_informal_spellings():
    a = set(textmod.features("iMessage not workin"))
    b = set(textmod.features("iMessage isn't working"))
    c = set(textmod.features("iMessage isn\u2019t working"))
    assert "w:working" in a and "lx:not_working" in a and "lx:not_working" in b and b == c
    assert "w:down" in set(textmod.features("#xboxdown again"))
    assert "lx:cant_action" in set(textmod.features("I cannot even connect"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WiFi DOWN again!! https://t.co/AbC123 @ComcastCares", "wifi down again ! ! _url_ @comcastcares"),
        ("no 4G since 10pm, is it just me?", "no 0g since 00pm is it just me ?"),
        ("can\u2019t log in \U0001f621 &amp; u know it", "cant log in you know it"),
        ("#XboxDown right now", "#xboxdown rightnow xboxdown down"),
        ("", ""),
    ],
)
def test_tokenisation(text, expected):
    assert textmod.normalise(text) == expected


def test_mentions_add_the_at_pseudo_token():
    assert "w:_at_" in textmod.features("@AskPlayStation PSN down?")
    assert "w:_at_" not in textmod.features("PSN down?")


def _reference_lexicon(groups):
    """Every phrase variant (``*`` = at most one token, ``None`` = any token) by its first token."""
    by_first = {}
    for name, phrases in groups.items():
        for ph in phrases:
            parts = [p.encode() for p in ph.split()]
            variants = [parts]
            if b"*" in parts:
                i = parts.index(b"*")
                variants = [parts[:i] + parts[i + 1:], parts[:i] + [None] + parts[i + 1:]]
            for v in variants:
                by_first.setdefault(v[0], []).append((name, v))
    return by_first


def _reference_find(by_first, toks):
    """Brute force: try every phrase starting at every position."""
    found = set()
    for s, t in enumerate(toks):
        for name, v in by_first.get(t, ()):
            if s + len(v) <= len(toks) and all(q is None or toks[s + j] == q for j, q in enumerate(v)):
                found.add(name)
    return found


def test_phrase_lexicons_match_brute_force_on_real_posts():
    df = pd.read_csv(require(DEV))
    rel, prob = _reference_lexicon(textmod._LEX_GROUPS), _reference_lexicon(textmod._PROBLEM_GROUPS)
    for text in df.text:
        a = textmod.analyse(text)
        assert textmod.LEXICON.find(a.toks, a.uni) == _reference_find(rel, a.toks), text
        assert textmod.problem_cues(a) == _reference_find(prob, a.toks), text


def test_fast_scoring_equals_feature_string_arithmetic():
    df = pd.read_csv(require(DEV))
    m = RelevanceModel.default()
    fitted = linear.Fitted(m._w, m.intercept, m.offsets)
    texts = df.text.tolist()
    expected = linear.score_features(fitted, [textmod.features(t) for t in texts])
    got = m.score_many(texts)
    assert max(abs(a - b) for a, b in zip(expected, got)) < 1e-9
    assert [m.score(t) for t in texts[:50]] == got[:50]


def test_score_and_problem_many_agrees_with_the_separate_calls():
    from outageradar.classify.problem import problem_type

    df = pd.read_csv(require(DEV))
    m = RelevanceModel.default()
    texts = df.text.tolist()
    pairs = m.score_and_problem_many(texts)
    assert [s for s, _ in pairs] == m.score_many(texts)
    for t, (s, p) in zip(texts, pairs):
        assert p == (problem_type(t) if m.is_outage(s) else None)
    assert sum(p is not None for _, p in pairs) >= 200
    assert m.score_and_problem("no power since 8pm on my street")[1] == "power"


def test_shipped_model_is_what_train_produces(tmp_path):
    """training/relevance.py rebuilds the shipped model. Floats are not compared exactly (BLAS and scikit-learn
    versions differ between machines): the rebuilt model must score the dev posts within 0.05 of the shipped one and
    take the same decision on at least 99% of them."""
    from training import relevance as build

    require(DEV)
    out = tmp_path / "m.json"
    build.build(out, quick=True, say=lambda _m: None)
    fresh, shipped = RelevanceModel.from_file(out), RelevanceModel.default()
    assert fresh.threshold == pytest.approx(shipped.threshold, abs=0.03)
    texts = pd.read_csv(require(DEV)).text.tolist()
    a, b = fresh.score_many(texts), shipped.score_many(texts)
    assert max(abs(x - y) for x, y in zip(a, b)) < 0.05
    same = sum(fresh.is_outage(x) == shipped.is_outage(y) for x, y in zip(a, b))
    assert same >= 0.99 * len(texts)


def test_shipped_model_on_dev_file_reaches_floor():
    rep = linear.evaluate([require(DEV)])
    assert rep.n == 1000 and rep.tp + rep.fn == 246
    # a sanity check, not a quality figure (the dev file is part of the training data, beside ~12,000 teacher-labelled
    # posts that keep the model from fitting it closely; out-of-sample figures are the CV ones)
    assert rep.f1 >= 0.80
    assert "F1" in rep.to_table()


def test_cross_validated_f1_floor():
    df = linear.load_labelled([require(DEV)])
    feats = [textmod.features(t) for t in df.text]
    cv = linear.cross_validate(feats, df.outage.tolist(), repeats=1)
    assert cv.f1 >= 0.68
    assert 0.2 <= cv.threshold <= 0.8


def test_train_on_real_subset_writes_loadable_model(tmp_path):
    df = pd.read_csv(require(DEV))
    sub = pd.concat([df[df.outage == 1].head(80), df[df.outage == 0].head(220)])
    rest = df.drop(sub.index)
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    sub.to_csv(train_csv, index=False)
    rest.to_csv(test_csv, index=False)
    out = tmp_path / "m.json"
    rep = linear.train([train_csv], out, extra=False, cv_repeats=1)
    assert rep.rows == 300 and rep.positives == 80 and rep.extra_rows == 0
    assert "threshold" in str(rep)
    m = RelevanceModel.from_file(out)
    assert m.metadata["data"][0]["rows"] == 300
    ev = linear.evaluate([test_csv], out)
    assert ev.n == len(rest)
    assert ev.tn + ev.fp + ev.fn + ev.tp == ev.n
    assert 0.4 <= ev.f1 <= 1.0 and ev.accuracy > 0.75


def test_load_labelled_errors(tmp_path):
    with pytest.raises(linear.LabelDataError, match="no such file"):
        linear.load_labelled([tmp_path / "missing.csv"])
    p = tmp_path / "a.csv"
    p.write_text("text,label\nhello,1\n")
    with pytest.raises(linear.LabelDataError, match="missing column"):
        linear.load_labelled([p])
    p.write_text("text,outage\nhello,2\nbye,0\n")
    with pytest.raises(linear.LabelDataError, match="0 or 1"):
        linear.load_labelled([p])
    p.write_text("text,outage\nhello,1\nbye,1\n")
    with pytest.raises(linear.LabelDataError, match="both classes"):
        linear.load_labelled([p])
    with pytest.raises(linear.LabelDataError):
        linear.load_labelled([])
    p.write_text("text,outage\n" + "".join(f"post {i},{int(i < 4)}\n" for i in range(30)))
    with pytest.raises(linear.LabelDataError, match="at least 5 posts of each class; .* 4 outage and 26 other"):
        linear.train([p], tmp_path / "m.json", extra=False)
    assert not (tmp_path / "m.json").exists()


def test_from_file_rejects_other_formats(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"format": "other"}')
    with pytest.raises(ModelError):
        RelevanceModel.from_file(p)
    p.write_text("not json")
    with pytest.raises(ModelError):
        RelevanceModel.from_file(p)


def test_soft_rows_weigh_each_post_by_the_teacher_probability():
    feats, y, w = linear.soft_rows([["w:a"], ["w:b"]], [0.9, 0.25], 0.5)
    assert feats == [["w:a"], ["w:b"], ["w:a"], ["w:b"]] and y == [1, 1, 0, 0]
    assert w == pytest.approx([0.45, 0.125, 0.05, 0.375])


def test_shipped_model_learned_from_the_teacher_pool():
    from training.teacher import DEFAULT_PATH, labelled_fingerprint, load_teacher_pool, read_header

    meta = RelevanceModel.default().metadata["teacher"]
    # the teacher learned from the dev file only; every pool post that is now gold-labelled was dropped from it
    assert meta["rows"] > 5_000 and meta["dropped_gold_texts"] > 0 and meta["weight"] > 0
    df = linear.load_labelled([require(DEV)])
    fingerprint = labelled_fingerprint(df["text"], df["outage"])
    assert read_header(DEFAULT_PATH)["labelled"]["fingerprint"] == fingerprint
    pool, why = load_teacher_pool(require(DEV).parents[1], fingerprint)
    assert why == "ok" and pool.missing == 0 and len(pool.texts) == len(pool.p_final) > 10_000
    assert len(pool.p_folds) == linear.CV_FOLDS and all(0 <= p.min() and p.max() <= 1 for p in pool.p_folds)
    # no pool post is a labelled post
    labelled = {linear.text_key(t) for t in df["text"]}
    assert not labelled & {linear.text_key(t) for t in pool.texts}
    # labels of other labelled data are refused
    assert load_teacher_pool(require(DEV).parents[1], "0" * 16) == (None, "the teacher labels belong to other labelled data")


ROOT = Path(__file__).resolve().parents[1]


def test_model_commands_find_the_training_area_of_the_checkout_from_any_directory(tmp_path):
    """``model evaluate`` imports ``training.linear`` from the checkout the package is run from, also when the
    working directory is elsewhere (the console script does not put the checkout on ``sys.path``)."""
    dev = require(DEV)
    r = subprocess.run([sys.executable, "-m", "outageradar", "model", "evaluate", "--data", str(dev)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "posts      1000" in r.stdout and "F1" in r.stdout


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_model_commands_without_the_training_area_fail_in_one_line(command, tmp_path, monkeypatch, capsys):
    """An installed package has no ``training/``: one line naming the reason, exit 1."""
    from outageradar import cli

    monkeypatch.setitem(sys.modules, "training", None)  # what an installed wheel without training/ looks like
    monkeypatch.setitem(sys.modules, "training.linear", None)
    csv = tmp_path / "l.csv"
    csv.write_text("text,outage\nno power,1\nhello,0\n")
    with pytest.raises(SystemExit) as exc:
        cli.main(["model", command, "--data", str(csv), *(["-o", str(tmp_path / "m.json")] * (command == "train"))])
    assert exc.value.code == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert err == [f"error: model {command} needs a source checkout of outageradar: the training/ area is not "
                   "installed"]
    assert not (tmp_path / "m.json").exists()


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module imported, enclosing top-level function or None) of every import in a file."""
    found = []
    for top in ast.parse(path.read_text(encoding="utf-8")).body:
        owner = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                found += [(a.name, owner) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((node.module, owner))
    return found


def test_the_runtime_package_holds_no_training_code():
    """No module of ``outageradar/`` imports scikit-learn or the training area, except the two CLI commands that run
    the training code of a source checkout; the wheel is built from ``outageradar*`` only, and the training-only
    teacher labels are not in the package data."""
    offenders = []
    for path in sorted((ROOT / "outageradar").rglob("*.py")):
        for module, owner in _imports(path):
            top = module.split(".")[0]
            if top == "sklearn" or (top == "training" and not (path.name == "cli.py" and owner in {
                    "model_train", "model_evaluate"})):
                offenders.append(f"{path.relative_to(ROOT)}: {module} in {owner}")
    assert offenders == []
    assert not list((ROOT / "outageradar").rglob("training.py")) and not list((ROOT / "outageradar").rglob("teacher*"))
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setup["packages"]["find"]["include"] == ["outageradar*"]
