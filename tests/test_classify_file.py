"""`classify file`: every input row comes back, with the classification columns added, in CSV and JSONL."""

import csv
import json
import subprocess
import sys

import pytest

from outageradar.classify.batch import ADDED, BatchFileError, classify_file
from shared_data import require


def test_csv_roundtrip_on_real_posts(tmp_path):
    src = require("data/labeled/outage_posts_dev.csv")
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:300]
    inp = tmp_path / "in.csv"
    with open(inp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "text", "source"])
        w.writeheader()
        w.writerows({"id": r["id"], "text": r["text"], "source": r["source"]} for r in rows)
    out = tmp_path / "out.csv"
    summary = classify_file(inp, out)
    with open(out, newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert summary.rows == len(got) == 300
    assert list(got[0].keys()) == ["id", "text", "source", *ADDED]
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    assert {g["outage"] for g in got} == {"0", "1"}
    assert all(0.0 <= float(g["outage_score"]) <= 1.0 for g in got)
    assert all(g["problem"] == "" for g in got if g["outage"] == "0")
    labelled = {r["id"]: r for r in rows}
    agree = sum(g["outage"] == labelled[g["id"]]["outage"] for g in got)
    assert agree / len(got) > 0.8


def test_jsonl_keeps_every_field_and_uses_location(tmp_path):
    inp = tmp_path / "in.jsonl"
    recs = [
        {"text": "no internet in Decatur GA @comcastcares", "keep": [1, 2]},
        {"text": "Is Xbox Live down?? can't sign in", "user_location": "Manchester, UK"},
        {"text": "Netflix won't load anything", "lat": 40.71, "lon": -74.0},
        {"text": "love my new phone", "lat": "bad", "lon": 999},
    ]
    inp.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    out = tmp_path / "out.jsonl"
    classify_file(inp, out)
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["text"] for g in got] == [r["text"] for r in recs]
    assert got[0]["keep"] == [1, 2]
    assert (got[0]["service"], got[0]["country"], got[0]["admin1"], got[0]["outage"]) == ("Comcast Xfinity", "US", "Georgia", 1)
    assert got[1]["service"] == "Xbox Live" and got[1]["country"] == "GB"
    assert got[2]["country"] == "US" and got[2]["admin1"] == "New York"
    assert got[3]["lat"] == "bad" and got[3]["outage"] == 0


def test_errors(tmp_path):
    with pytest.raises(BatchFileError, match="no such file"):
        classify_file(tmp_path / "none.csv", tmp_path / "o.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(BatchFileError, match="no 'text' column"):
        classify_file(bad, tmp_path / "o.csv")
    r = subprocess.run([sys.executable, "-m", "outageradar", "classify", "file", str(bad), "--output",
                        str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert r.returncode == 1 and "no 'text' column" in r.stderr and "Traceback" not in r.stderr


def test_empty_csv_gets_a_header(tmp_path):
    inp = tmp_path / "in.csv"
    inp.write_text("text,id\n")
    classify_file(inp, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text().splitlines()[0] == "text,id," + ",".join(ADDED)
