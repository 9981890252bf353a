"""Start-up time of the command line: ``outageradar --help`` and ``classify file`` on a one-post file, with a cold and
a warm model cache (``outageradar/classify/cache.py``).

    .venv/bin/python benchmarks/bench_startup.py [--repeats 5] [--cold-repeats 3]
    .venv/bin/python benchmarks/bench_startup.py --repeats 1 --break output    # must fail
    .venv/bin/python benchmarks/bench_startup.py --repeats 1 --break cache     # must fail

Every figure is the wall time of a fresh process (``subprocess.run``), the median of the repeats (min and max beside
it), and the median CPU time (user + system) of that process, which a busy machine disturbs less. A cold run gets a
new, empty ``OUTAGERADAR_CACHE_DIR``; the warm runs share one directory that an untimed first run filled. The commands
are the ones of the issue's "before" figure (``classify file one_post.csv --output out.csv``), so the numbers compare
with it.

``--bytecode cached`` (the default) times the commands as an installed package runs them: the children write and
read their compiled modules (``.pyc``) under a private ``PYTHONPYCACHEPREFIX`` in the benchmark's temporary folder
(the untimed first run fills it), and ``PYTHONDONTWRITEBYTECODE`` is unset for them. ``--bytecode none`` sets
``PYTHONDONTWRITEBYTECODE=1``, so every start compiles every module of the project from source, as a development
environment with that variable set does.

Checks before it prints a time (exit 1 with ``check FAILED: ...`` otherwise): every command exits 0; ``--help`` lists
the ``classify`` command and ``classify file --help`` its ``--output`` option; after every ``classify file`` run the
output file holds exactly the one post with ``outage`` 1, service ``internet`` and problem ``connectivity``; a cold run
leaves the catalog, relevance and region files in its cache directory; and no warm run rewrote a cache file (so a warm
figure is of loading the cache, not of building the models). ``--break output`` empties the output file after each
run and ``--break cache`` corrupts the cache files before each warm run (debug: both must fail the check).

Before the cache (2026-12-02, 2 shared cores, other jobs running): ``classify file`` on one post 4.2-5.9 s;
``--help`` 0.25 s.

2026-12-04, side by side in the same minutes: with typer 0.29.2, which imports pydantic and builds a pydantic
``TypeAdapter`` for every parameter at each start, warm ``classify file`` median 0.506 s (min 0.362), ``classify file
--help`` 0.347 s; with typer 0.28.0 (``pyproject.toml`` now asks for ``<0.29``) 0.297 s (min 0.281) and 0.178 s.
Cold cache (models built and written): 1.79 s either way.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST = "my wifi is down"
EXPECTED = {"text": POST, "outage": "1", "service": "internet", "problem": "connectivity"}
PARTS = ("catalog", "relevance", "regions")


class CheckFailed(Exception):
    pass


def command() -> list[str]:
    """The installed ``outageradar`` script next to this Python, else ``python -m outageradar``."""
    script = Path(sys.executable).with_name("outageradar")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "outageradar"]


BYTECODE = "cached"


def child_env(cache: Path, cwd: Path) -> dict[str, str]:
    env = {**os.environ, "OUTAGERADAR_CACHE_DIR": str(cache), "XDG_CONFIG_HOME": str(cwd / "xdg"), "COLUMNS": "120"}
    env.pop("PYTHONPYCACHEPREFIX", None)
    if BYTECODE == "none":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cwd / "pycache")
    return env


def run(args: list[str], cache: Path, cwd: Path) -> tuple[tuple[float, float], subprocess.CompletedProcess]:
    """((wall seconds, CPU seconds of the child), the finished process); a non-zero exit fails the check."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command() + args, capture_output=True, text=True, cwd=cwd, env=child_env(cache, cwd),
                          timeout=600)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise CheckFailed(f"`outageradar {' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return (seconds, cpu), proc


def check_output(path: Path) -> None:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise CheckFailed(f"no output file {path}: {exc}") from None
    if len(rows) != 1:
        raise CheckFailed(f"{path} holds {len(rows)} rows, not the one post")
    got = {k: rows[0].get(k) for k in EXPECTED}
    if got != EXPECTED:
        raise CheckFailed(f"{path}: expected {EXPECTED}, got {got}")


def cache_files(cache: Path) -> dict[str, tuple[int, int]]:
    """part -> (size, mtime_ns) of its cache file; a part missing fails the check."""
    out = {}
    for part in PARTS:
        files = sorted(cache.glob(f"{part}-*.pickle"))
        if len(files) != 1:
            raise CheckFailed(f"{cache}: expected one {part} cache file after a run, found {len(files)}")
        st = files[0].stat()
        out[part] = (st.st_size, st.st_mtime_ns)
    return out


def classify(work: Path, cache: Path, breaking: str | None) -> tuple[float, float]:
    out = work / "out.csv"
    out.unlink(missing_ok=True)
    seconds, _ = run(["classify", "file", str(work / "one_post.csv"), "--output", str(out)], cache, work)
    if breaking == "output":
        out.write_text("text,outage,outage_score,service,country,admin1,city,problem\n", encoding="utf-8")
    check_output(out)
    return seconds


def measure(repeats: int, cold_repeats: int, breaking: str | None) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {"--help": [], "classify file --help": [], "classify file, cold cache": [],
                                     "classify file, warm cache": []}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        (work / "one_post.csv").write_text(f"text\n{POST}\n", encoding="utf-8")
        warm = work / "warm"
        classify(work, warm, breaking)  # untimed: fills the warm runs' model cache (and the bytecode cache)
        before = cache_files(warm)
        for i in range(cold_repeats):
            cache = work / f"cold-{i}"
            times["classify file, cold cache"].append(classify(work, cache, breaking))
            cache_files(cache)
        for _ in range(repeats):
            if breaking == "cache":
                for p in warm.glob("*.pickle"):
                    data = bytearray(p.read_bytes())
                    data[len(data) // 2] ^= 0xFF
                    p.write_bytes(bytes(data))
                    os.utime(p, ns=(before[p.name.split("-")[0]][1],) * 2)
            times["classify file, warm cache"].append(classify(work, warm, breaking))
            after = cache_files(warm)
            if after != before:
                raise CheckFailed(f"a warm run rewrote the cache ({sorted(k for k in after if after[k] != before[k])}):"
                                  " the warm figure would time a build")
            seconds, proc = run(["--help"], warm, work)
            if "classify" not in proc.stdout:
                raise CheckFailed("`outageradar --help` does not list the classify command")
            times["--help"].append(seconds)
            seconds, proc = run(["classify", "file", "--help"], warm, work)
            if "--output" not in proc.stdout:
                raise CheckFailed("`outageradar classify file --help` does not show --output")
            times["classify file --help"].append(seconds)
        shutil.rmtree(work / "warm", ignore_errors=True)
    return times


def main(argv: list[str] | None = None) -> None:
    global BYTECODE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="warm runs of each command (default 5)")
    ap.add_argument("--cold-repeats", type=int, default=3, help="cold-cache runs of classify file (default 3)")
    ap.add_argument("--bytecode", choices=("cached", "none"), default="cached",
                    help="cached: .pyc files as an installed package has them (default); none: every module compiled "
                    "at every start (PYTHONDONTWRITEBYTECODE=1)")
    ap.add_argument("--break", dest="breaking", choices=("output", "cache"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    BYTECODE = args.bytecode
    if args.repeats < 1 or args.cold_repeats < 1:
        raise SystemExit("check FAILED: --repeats and --cold-repeats must be at least 1")
    try:
        times = measure(args.repeats, args.cold_repeats, args.breaking)
    except CheckFailed as exc:
        raise SystemExit(f"check FAILED: {exc}") from None
    print(f"check ok: every run exited 0; each classify file output is the one post, outage=1, service=internet, "
          f"problem=connectivity; cold runs wrote {', '.join(PARTS)}; no warm run rebuilt the cache")
    print(f"command: {' '.join(command())}; bytecode: {BYTECODE}")
    for name, values in times.items():
        wall = [w for w, _ in values]
        cpu = statistics.median(c for _, c in values)
        print(f"{name:28s} median {statistics.median(wall):6.3f} s wall (min {min(wall):.3f}, max {max(wall):.3f}; "
              f"n={len(values)}), {cpu:.3f} s CPU")


if __name__ == "__main__":
    main()
