"""The one-way flow, checked on the package's own imports: each layer imports only what lies below it.

records (bottom) <- config <- ingest, classify, store (side by side, blind to each other) <- reports <- pipeline <-
serve, demo <- cli. A wrong arrow (the store calling the tagger, a collector writing to the store, a report running
its own SQL module) fails here with the offending import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "outageradar"

#: area -> the areas it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "records": set(),
    "config": {"records"},
    "ingest": {"records", "config", "root"},
    "classify": {"records", "config", "root"},
    "store": {"records", "config", "root"},
    "reports": {"records", "config", "root", "classify", "store"},
    "pipeline": {"records", "config", "root", "ingest", "classify", "store"},
    "serve": {"records", "config", "root", "classify", "store", "reports"},
    "demo": {"records", "config", "root", "ingest", "classify", "store", "reports", "pipeline"},
    "cli": {"records", "config", "root", "ingest", "classify", "store", "reports", "pipeline", "serve", "demo"},
    "__main__": {"cli"},
    "root": set(),
}


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "root"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every project import in ``path``, at any depth (lazy imports count)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        out += [(node.lineno, t) for t in targets if t == "outageradar" or t.startswith("outageradar.")]
    return out


def wrong_arrows() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:  # Alembic's scripts import the models on purpose
            continue
        src = area(module_name(path))
        for line, target in imports(path):
            dst = area(target)
            if dst != src and dst not in ALLOWED.get(src, set()):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {src} imports {target}")
    return bad


def test_every_area_is_known():
    areas = {area(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert areas <= set(ALLOWED), f"new area(s) {sorted(areas - set(ALLOWED))}: place them in ALLOWED"


def test_imports_flow_one_way():
    assert wrong_arrows() == []


def test_records_import_nothing_of_the_project():
    assert imports(PACKAGE / "records.py") == []


def test_the_check_catches_a_wrong_arrow(tmp_path, monkeypatch):
    """The walker sees a lazy import inside a function, relative or absolute."""
    pkg = tmp_path / "outageradar"
    (pkg / "store").mkdir(parents=True)
    (pkg / "store" / "__init__.py").write_text("")
    (pkg / "store" / "bad.py").write_text("def f():\n    from ..classify import tagger\n    import outageradar.ingest.x\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    assert [w.split(": ", 1)[1] for w in wrong_arrows()] == [
        "store imports outageradar.classify", "store imports outageradar.ingest.x"]
