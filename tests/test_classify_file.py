"""`classify file`: every input row comes back, with the classification columns added, in CSV and JSONL."""

import csv
import json
import subprocess
import sys

import pytest

from outageradar.pipeline.classify_file import ADDED, BatchFileError, classify_file
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


def test_column_names_are_matched_loosely(tmp_path):
    # case, common export names and a spreadsheet's semicolon delimiter
    inp = tmp_path / "in.csv"
    inp.write_text('\ufeffID;Tweet;Location\n1;"no internet in Decatur GA @comcastcares";\n'
                   '2;"Is Xbox Live down?? can\'t sign in";Manchester, UK\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    summary = classify_file(inp, out)
    with open(out, newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert summary.rows == 2 and list(got[0])[:3] == ["ID", "Tweet", "Location"]
    assert (got[0]["service"], got[0]["admin1"], got[0]["outage"]) == ("Comcast Xfinity", "Georgia", "1")
    assert (got[1]["service"], got[1]["country"]) == ("Xbox Live", "GB")  # from the Location column
    jl = tmp_path / "in.jsonl"
    jl.write_text(json.dumps({"Full_Text": "comcast outage in Chicago", "Latitude": 51.5, "LNG": -0.12}) + "\n")
    classify_file(jl, tmp_path / "out.jsonl")
    rec = json.loads((tmp_path / "out.jsonl").read_text())
    assert (rec["Full_Text"], rec["service"], rec["country"]) == ("comcast outage in Chicago", "Comcast Xfinity", "GB")


def test_bad_jsonl_lines_are_set_aside_not_fatal(tmp_path):
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"text": "netflix is down"}\nnot json\n[1, 2]\n{"id": 7}\n\n{"text": "love it"}\n')
    out = tmp_path / "out.jsonl"
    summary = classify_file(inp, out)
    assert [json.loads(line)["text"] for line in out.read_text().splitlines()] == ["netflix is down", "love it"]
    assert summary.rows == 2 and summary.rejected == 3
    bad = [json.loads(line) for line in summary.rejected_path.read_text().splitlines()]
    assert [(b["line"], b["raw"]) for b in bad] == [(2, "not json"), (3, "[1, 2]"), (4, '{"id": 7}')]
    assert [b["reason"] for b in bad][1:] == ["a JSON line must be an object", "no text field"]  # as ingest file says
    r = subprocess.run([sys.executable, "-m", "outageradar", "classify", "file", str(inp), "--output", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "3 lines could not be classified" in r.stderr
    # a clean re-run removes the stale list
    inp.write_text('{"text": "netflix is down"}\n')
    assert classify_file(inp, out).rejected == 0 and not summary.rejected_path.exists()
