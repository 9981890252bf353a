"""``classify stored``: re-tag the stored posts whose classification is of another model version.

Posts are read in id order in batches; each batch is tagged and, in the same transaction, its classifications are
replaced and the rollup delta applied (:func:`outageradar.store.reclassify.replace_classifications`), so at every
commit the rollups agree with the classifications, and a killed run continues where it stopped. The tagger's
``version`` covers the relevance weights, the catalog, the gazetteer and the rules, so any change to them re-tags.
"""

from __future__ import annotations

from typing import Any, Callable

from outageradar.classify.tagger import Row
from outageradar.store.reclassify import replace_classifications, stale_posts

BATCH = 5000


def reclassify(store, tagger: Any, everything: bool = False, on_batch: Callable[[int], None] | None = None,
               batch_size: int = BATCH) -> int:
    """Re-classify the posts whose classification is missing or of another model version (every post when
    ``everything``); returns how many. ``on_batch(done)`` is called after each committed batch."""
    version = tagger.version
    done = 0
    last_id = 0
    while True:
        with store.session() as s, s.begin():
            rows = stale_posts(s, version, last_id, batch_size, everything)
            if not rows:
                break
            labels = tagger.classify_rows([Row(r.text, r.user_location, r.lat, r.lon, r.place) for r in rows])
            replace_classifications(s, rows, labels)
            last_id = rows[-1].id
        done += len(rows)
        if on_batch:
            on_batch(done)
    return done
