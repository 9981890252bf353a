"""Locate ``../shared/`` (real public data beside the project root) for tests.

A test that needs it calls :func:`require`. When the data is absent (a fresh clone) the test is skipped with the reason,
unless ``OUTAGERADAR_REQUIRE_SHARED`` is set (``.ci/run`` sets it), in which case it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OUTAGERADAR_SHARED_DIR", ROOT.parent / "shared"))


def require(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        msg = f"shared data {path} is absent (expected ../shared beside the project root)"
        if os.environ.get("OUTAGERADAR_REQUIRE_SHARED"):
            pytest.fail(msg + " and OUTAGERADAR_REQUIRE_SHARED is set")
        pytest.skip(msg)
    return path
