"""Garbage-collector thresholds for processes that hold batches of records.

CPython's defaults (700, 10, 10) collect the young generation every 700 new container
objects and run a full collection whenever the long-lived ones grew by a quarter. The
pipeline keeps every record of an open batch alive (tens of thousands of models, their
dicts and lists) and drops them all at each write, so full collections kept traversing
them: 13-19 µs of the ~55 µs a beacon cost in `bench pipeline`, about a third.
Collecting the young generation every 50,000 objects keeps cyclic garbage bounded (it is
still collected, just in larger, far rarer passes) and took that to about 3 µs, in
pauses of about 20 ms under full pipeline load. 200,000 paused about 130 ms and made no
difference to the full benchmark (0.43-0.47 of the ceiling in three runs each way).
"""

import gc

BATCH_FRIENDLY = (50_000, 20, 100)


def use_batch_friendly_thresholds() -> None:
    gc.set_threshold(*BATCH_FRIENDLY)
