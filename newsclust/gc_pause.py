"""Pausing Python's cyclic garbage collector over a batch of work.

A run holds the whole corpus in memory (100,000 articles are tens of millions of objects) and
makes millions of small, short-lived tuples, lists and dicts. Each of those allocations counts
towards the next collection, and a full collection walks every object the process holds: at
100,000 articles the main process spent about 20 s in them, and forked workers walk, and so
copy, the pages they share with it. None of the pipeline's objects sit in reference cycles,
so reference counting frees them as before; the collector has nothing to find.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (in this process and in processes forked inside);
    the collector's previous state comes back on the way out, so pauses nest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
