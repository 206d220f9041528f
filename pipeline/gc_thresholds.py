"""Garbage-collector thresholds for the long-running roles.

CPython's defaults (700, 10, 10) collect the young generation every 700 new container
objects and run a full collection whenever the long-lived ones grew by a quarter. The
pipeline keeps every record of an open batch alive (tens of thousands of models, their
dicts and lists) and drops them all at each write, so collections kept traversing
them: 13-19 µs of the ~55 µs a beacon cost in `bench pipeline`, about a third.

- Processes that answer requests (`rum collector`, `rum run`) collect the young
  generation every 50,000 objects: about 3 µs a beacon in the pipeline, in pauses of
  about 20 ms. The collector makes about one object of cyclic garbage per beacon (a
  full collection after 20,000 in-process beacons found 21,580), so a much larger
  threshold would trade these for rare pauses of a few hundred milliseconds: a cost to
  the latency of the requests that meet them.
- The pipeline alone (`rum pipeline`) collects it every 1,000,000 objects: more than
  its batches keep alive (two batches of 50,000 rows at about nine objects each), so
  a batch's records are freed by reference counting when it is written, before any
  collection has to traverse them, and cyclic garbage is still collected. Against
  50,000, in three interleaved runs each of the pipeline on 200,000 beacons: 38.8-39.6k
  → 44.4-45.5k beacons/s (300,000: 41.8-43.9k).
"""

import gc

FOR_REQUESTS = (50_000, 20, 100)
FOR_BATCHES = (1_000_000, 10, 100)


def use_thresholds_for(role: str) -> None:
    """Set the thresholds for `role`: "pipeline", or a role that answers requests."""
    gc.set_threshold(*(FOR_BATCHES if role == "pipeline" else FOR_REQUESTS))
