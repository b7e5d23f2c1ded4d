"""Run a function over chunks of work on several processes, results in input order.

Output never depends on the number of processes: chunks are cut by a fixed size, not by the
number of workers, and results come back in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _start_method() -> str | None:
    # fork: workers start in milliseconds and inherit the imported modules (and module-level
    # state set just before the pool starts). Elsewhere, the platform default.
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else None


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(
    func: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, jobs: int, chunk_size: int
) -> list[R]:
    """``func`` over fixed-size chunks of ``items``, flattened, in order.

    With one job, or one chunk, everything runs in this process (no start-up cost).
    """
    parts = chunks(items, chunk_size)
    if jobs <= 1 or len(parts) <= 1:
        results = [func(part) for part in parts]
    else:
        with multiprocessing.get_context(_start_method()).Pool(min(jobs, len(parts))) as pool:
            results = pool.map(func, parts, chunksize=1)
    return [item for part in results for item in part]
