"""Shingles and MinHash signatures of many texts, in batches, on several threads.

Threads, not processes: nearly all of the time goes to numpy calls over whole batches (the 128
MinHash permutations, token and shingle hashing), which release the GIL, so two threads keep
two cores busy without copying any text or shingle between processes. Worker processes (fork,
a task per batch) were slower than one process at 10k documents: pickling the shingles back to
the parent and the idle parent cost more than the second core gave.

A batch's shingles and signature rows depend only on its own texts, so the result is the same
whatever the batches and the number of threads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from newsclust.shingle import ShingleBatch, minhash_signatures, permutations, shingle_batch

from .parallel import thread_map

#: Texts are fingerprinted in batches of about this many characters: big enough that numpy's
#: per-call cost is small (a batch is ~500 documents of 500 words), small enough that the
#: temporaries stay in cache and that threads share the work evenly (the last batch is short).
BATCH_BYTES = 1 << 18


def batches(texts: Sequence[str], budget: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of about ``budget`` characters each."""
    budget = budget or BATCH_BYTES
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text) + 1
        if size >= budget:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def fingerprint(
    texts: Sequence[str], *, shingle_size: int, num_perm: int, seed: int, jobs: int = 1
) -> tuple[ShingleBatch, np.ndarray]:
    """Shingle sets and MinHash signatures of ``texts`` (rows in the order of ``texts``)."""
    a, b = permutations(num_perm, seed)

    def one(span: tuple[int, int]) -> tuple[ShingleBatch, np.ndarray]:
        batch = shingle_batch(texts[span[0] : span[1]], shingle_size)
        return batch, minhash_signatures(batch.shingles, batch.offsets, a, b)

    results = thread_map(one, batches(texts), jobs)
    signatures = (
        np.concatenate([sig for _, sig in results])
        if results
        else np.empty((0, num_perm), np.uint32)
    )
    return concat([batch for batch, _ in results]), signatures


def concat(parts: list[ShingleBatch]) -> ShingleBatch:
    """One batch of the documents of ``parts``, in order."""
    if not parts:
        empty = np.empty(0, np.int64)
        return ShingleBatch(np.empty(0, np.uint32), np.zeros(1, np.int64), empty,
                            np.empty(0, np.uint64))
    shifts = np.cumsum([0] + [len(b.shingles) for b in parts[:-1]])
    offsets = [parts[0].offsets[:1]]
    offsets += [b.offsets[1:] + shift for b, shift in zip(parts, shifts, strict=True)]
    return ShingleBatch(
        np.concatenate([b.shingles for b in parts]),
        np.concatenate(offsets),
        np.concatenate([b.token_counts for b in parts]),
        np.concatenate([b.exact for b in parts]),
    )


def select(batch: ShingleBatch, docs: np.ndarray) -> ShingleBatch:
    """The documents ``docs`` (sorted) of ``batch``; a byte mask, not an index per shingle,
    because at 100k documents an int64 index of every shingle is most of the peak memory."""
    keep = np.zeros(len(batch), dtype=bool)
    keep[docs] = True
    sizes = np.diff(batch.offsets)[docs]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    values = batch.shingles[np.repeat(keep, np.diff(batch.offsets))]
    return ShingleBatch(values, offsets, batch.token_counts[docs], batch.exact[docs])
