"""Out-of-sample figures of the product's judgement on a labelled split, through ``classify file`` itself.

Writes the split's posts (id, source, created_at, text) to a CSV, runs :func:`outageradar.pipeline.classify_file.classify_file`
on it -- exactly what ``outageradar classify file IN --output OUT`` does -- and compares the output columns with the
gold labels:

* relevance: precision, recall and F1 of ``outage`` (overall and per source);
* service: on outage posts whose label names a service, the share where ``service`` equals it (case and spaces
  ignored; a label "A; B" accepts either);
* region, at country level as the hidden evaluation scores it: *precision* = of the posts given a country, the share
  whose labelled region is in that country (a post labelled with no place counts as wrong); *recall* = of the posts
  whose label names a place with a country, the share given that country. Labels without a country part
  ("Portland") are left out of both. admin1/city precision is reported where the label has those parts.

Run: ``python -m training.evaluate [--split test] [--errors relevance|service|region] [--shared ../shared]``
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from training import gold

LABEL_COUNTRY = {"UK": "GB", "US": "US", "USA": "US", "England": "GB", "Scotland": "GB", "Wales": "GB",
                 "Northern Ireland": "GB"}


def _norm(s: object) -> str:
    return " ".join(str(s or "").lower().split())


def service_ok(pred: object, label: str) -> bool:
    return _norm(pred) in ({_norm(p) for p in label.split(";") if _norm(p)} or {""})


def parse_region(label: str) -> tuple[str | None, str | None, str | None]:
    """(country code, admin1, city) of a "City, State, Country" label (first of several ";"-separated places)."""
    from outageradar.classify.gazetteer import Gazetteer, normalise

    gaz = Gazetteer.load()
    parts = [p.strip() for p in label.split(";")[0].split(",") if p.strip()]
    if not parts:
        return None, None, None
    last = parts[-1]
    cc = LABEL_COUNTRY.get(last) or gaz.country_by_key.get(normalise(last).strip())
    if cc is None:
        return None, None, parts[0]
    if len(parts) >= 3:
        return cc, parts[-2], parts[0]
    if len(parts) == 2:
        return cc, None, parts[0]
    return cc, None, None


@dataclass
class Figures:
    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    svc_n: int = 0
    svc_ok: int = 0
    reg_out: int = 0
    reg_out_ok: int = 0
    reg_lab: int = 0
    reg_lab_ok: int = 0
    a1_n: int = 0
    a1_ok: int = 0
    city_n: int = 0
    city_ok: int = 0
    errors: dict[str, list[str]] = field(default_factory=lambda: {"relevance": [], "service": [], "region": []})

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        def frac(a: int, b: int) -> str:
            return f"{a / b:.3f} ({b:>4})" if b else "    -       "
        return (f"{name:<11} {self.n:>5}  {self.precision:.3f} {self.recall:.3f} {self.f1:.3f} ({self.tp + self.fn:>4})  "
                f"{frac(self.svc_ok, self.svc_n)}  {frac(self.reg_out_ok, self.reg_out)}  {frac(self.reg_lab_ok, self.reg_lab)}")


HEADER = ("source          n  P     R     F1   (pos)   service      region P     region R")


def score(df: pd.DataFrame, out: pd.DataFrame) -> dict[str, Figures]:
    """Figures overall (key ``all``) and per source, from gold rows ``df`` and ``classify file`` rows ``out``."""
    from outageradar.classify.gazetteer import normalise

    figs: dict[str, Figures] = {"all": Figures()}
    for g, o in zip(df.itertuples(index=False), out.itertuples(index=False)):
        for f in (figs["all"], figs.setdefault(g.source, Figures())):
            f.n += 1
            pred = int(o.outage) == 1
            f.tp += pred and g.outage == 1
            f.fp += pred and g.outage == 0
            f.fn += (not pred) and g.outage == 1
            if f is figs["all"] and pred != (g.outage == 1):
                f.errors["relevance"].append(f"{'FP' if pred else 'FN'} {o.outage_score:.2f} [{g.source}] {g.text[:160]!r}")
            if g.outage == 1 and g.service.strip():
                f.svc_n += 1
                ok = service_ok(o.service if isinstance(o.service, str) else "", g.service)
                f.svc_ok += ok
                if not ok and f is figs["all"]:
                    f.errors["service"].append(f"want={g.service!r} got={o.service!r} | {g.text[:150]!r}")
            want_cc, want_a1, want_city = parse_region(g.region) if g.region.strip() else (None, None, None)
            if g.region.strip() and want_cc is None:
                continue
            got_cc = o.country if isinstance(o.country, str) and o.country else None
            if want_cc:
                f.reg_lab += 1
                f.reg_lab_ok += got_cc == want_cc
            if got_cc:
                f.reg_out += 1
                f.reg_out_ok += got_cc == want_cc
                if got_cc == want_cc:
                    if want_a1:
                        f.a1_n += 1
                        f.a1_ok += normalise(str(o.admin1 or "")) == normalise(want_a1)
                    if want_city:
                        f.city_n += 1
                        f.city_ok += normalise(str(o.city or "")) == normalise(want_city)
            if f is figs["all"] and got_cc != want_cc:
                got = ", ".join(str(x) for x in (o.city, o.admin1, got_cc) if isinstance(x, str) and x)
                f.errors["region"].append(f"want={g.region!r} got={got!r} | {g.text[:150]!r}")
    return figs


def classify_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Run ``classify file`` on the posts of ``df`` and return its output rows (same order)."""
    from outageradar.pipeline.classify_file import classify_file

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        df[["id", "source", "created_at", "text"]].to_csv(src, index=False)
        classify_file(src, dst)
        out = pd.read_csv(dst, dtype={"id": str}, keep_default_na=False)
    if list(out["id"]) != list(df["id"]):
        raise RuntimeError("classify file changed the rows' order or number")
    return out


def report(figs: dict[str, Figures]) -> str:
    lines = [HEADER]
    lines += [figs["all"].row("all")] + [figs[k].row(k) for k in sorted(figs) if k != "all"]
    a = figs["all"]
    lines.append(f"admin1 precision {a.a1_ok / a.a1_n if a.a1_n else 0:.3f} (n={a.a1_n}), "
                 f"city precision {a.city_ok / a.city_n if a.city_n else 0:.3f} (n={a.city_n})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test", choices=["test", "train", "dev"])
    ap.add_argument("--errors", choices=["relevance", "service", "region"], action="append", default=[])
    ap.add_argument("--shared", type=Path, default=None)
    args = ap.parse_args(argv)
    df = gold.load_dev(args.shared) if args.split == "dev" else gold.load_pool(args.split, args.shared)
    figs = score(df, classify_frame(df))
    print(f"split {args.split}: {len(df)} posts, {int(df.outage.sum())} outage")
    print(report(figs))
    for kind in args.errors:
        print(f"\n-- {kind} errors --")
        print("\n".join(figs["all"].errors[kind]))


if __name__ == "__main__":
    main()
