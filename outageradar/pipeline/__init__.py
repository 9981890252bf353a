"""The pipeline: the one owner of "classify a batch, store it with its cursors, quarantine what failed".

It sits above the collectors (``ingest``), the tagger (``classify``) and the store (``store``), which know nothing of
each other, and wires them:

- :mod:`~outageradar.pipeline.core`: the step itself, one page in one transaction (:func:`store_page`);
- :mod:`~outageradar.pipeline.loader`: ``ingest file``, a stream of records in batches, classified in worker
  processes when asked (:func:`load`);
- :mod:`~outageradar.pipeline.collect`: collector passes and the Jetstream stream, through
  :class:`~outageradar.pipeline.collect.StoreSink`;
- :mod:`~outageradar.pipeline.reclassify`: ``classify stored``;
- :mod:`~outageradar.pipeline.classify_file`: ``classify file``, which reads files with the same reader as
  ``ingest file`` and writes a file instead of the store.

The command line calls these; notebooks and scripts can too (the CLI mirrors this API).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "store_page": "outageradar.pipeline.core",
    "DEFAULT_BATCH": "outageradar.pipeline.loader",
    "LoadSummary": "outageradar.pipeline.loader",
    "load": "outageradar.pipeline.loader",
    "default_workers": "outageradar.pipeline.classifying",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The package's names, imported on first use: ``classify file`` needs none of the store's (SQLAlchemy)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'outageradar.pipeline' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
