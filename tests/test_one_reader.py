"""``ingest file`` and ``classify file`` read files with the one reader (``ingest.filesource.read_records``): the same
formats, compression, delimiters, column names and the same rejected-record shape."""

from __future__ import annotations

import gzip
import json

import pytest

from fakes import KeywordTagger
from outageradar.ingest.filesource import SourceFileError, read_posts
from outageradar.pipeline.classify_file import classify_file
from outageradar.records import Post, Rejected

ROWS = [
    ("1", "2026-03-01T10:00:00Z", "netflix is down for me"),
    ("2", "2026-03-01T10:01:00Z", "comcast outage again"),
    ("3", "2026-03-01T10:02:00Z", "lovely weather"),
]


def _csv(delimiter: str, names=("id", "created_at", "text")) -> str:
    lines = [delimiter.join(names)] + [delimiter.join(r) for r in ROWS]
    return "\n".join(lines) + "\n"


def _jsonl(names=("id", "created_at", "text")) -> str:
    return "".join(json.dumps(dict(zip(names, r))) + "\n" for r in ROWS)


VARIANTS = {
    "plain.csv": _csv(","),
    "semicolon.csv": _csv(";"),
    "tabs.tsv": _csv("\t"),
    "export_names.csv": _csv(",", ("Tweet ID", "Timestamp", "Full_Text")),
    "bom.csv": "\ufeff" + _csv(","),
    "plain.jsonl": _jsonl(),
    "export_names.jsonl": _jsonl(("id_str", "date", "tweet")),
}


def _write(path, content: str):
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            fh.write(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("name", sorted(VARIANTS) + [n + ".gz" for n in sorted(VARIANTS)])
def test_both_commands_read_the_same_files(tmp_path, name):
    path = _write(tmp_path / name, VARIANTS[name.removesuffix(".gz")])
    posts = list(read_posts(path, "salt"))
    assert [p.text for p in posts if isinstance(p, Post)] == [r[2] for r in ROWS]
    out = tmp_path / "out.jsonl"
    summary = classify_file(path, out, tagger=KeywordTagger())
    assert summary.rows == len(ROWS) and summary.rejected == 0
    texts = [next(v for k, v in json.loads(line).items() if k.lower() in ("text", "full_text", "tweet"))
             for line in out.read_text().splitlines()]
    assert texts == [r[2] for r in ROWS]


def test_both_commands_reject_the_same_lines_with_the_same_reasons(tmp_path):
    path = _write(tmp_path / "bad.jsonl", '{"id": "1", "created_at": "2026-03-01T10:00:00Z", "text": "x down"}\n'
                  'not json\n[1, 2]\n')
    ingest_rejects = [r for r in read_posts(path, "salt") if isinstance(r, Rejected)]
    classify_file(path, tmp_path / "out.jsonl", tagger=KeywordTagger())
    classify_rejects = [json.loads(line) for line in (tmp_path / "out.jsonl.rejected.jsonl").read_text().splitlines()]
    assert [(r.line, r.reason) for r in ingest_rejects] == [(c["line"], c["reason"]) for c in classify_rejects]


@pytest.mark.parametrize("content, message", [(None, "no such file"), ("id,when\n1,2\n", "no 'text' column")])
def test_both_commands_refuse_the_same_files(tmp_path, content, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SourceFileError, match=message):
        list(read_posts(path, "salt"))
    with pytest.raises(SourceFileError, match=message):
        classify_file(path, tmp_path / "out.csv", tagger=KeywordTagger())
