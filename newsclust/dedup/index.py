"""The LSH index: which documents agree on a whole band of their MinHash signatures.

:class:`BandIndex` (the default) keeps one sorted numpy array per band of ``key << 32 | row``
(8 bytes per band per article). :class:`DatasketchIndex` keeps the same bands in datasketch's
``MinHashLSH`` on any of its storage layers (e.g. Redis, to share the index between machines).
The numpy index exists because ``MinHashLSH`` keeps a Python ``bytes`` object per band per
article and inserts one article at a time: it takes several KB per article and its insert and
query loops cost more than all of the fingerprinting (benchmarks/bench_dedup.py measures both).
"""

from __future__ import annotations

import numpy as np

from newsclust.shingle import fmix64

from .parallel import thread_map

#: A document is paired with at most this many following members of one LSH bucket, so that a
#: bucket of thousands of near-identical pages cannot produce millions of pairs. Transitivity
#: still joins such buckets; only a bucket larger than this can lose pairs.
BUCKET_WINDOW = 100


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """32-bit hash of each band of each signature, shape (n, bands)."""
    n = len(signatures)
    cut = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    acc = cut[:, :, 0].copy()
    for t in range(1, rows):
        acc *= np.uint64(0x100000001B3)
        acc += cut[:, :, t]
    return (fmix64(acc) >> np.uint64(32)).astype(np.uint32)


def _run_pairs(sorted_keys: np.ndarray, members: np.ndarray, window: int) -> np.ndarray:
    """All pairs of members that share a key (each member with up to ``window`` followers)."""
    n = len(sorted_keys)
    if n < 2:
        return np.empty((0, 2), np.int64)
    new_run = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    bounds = np.concatenate(([0], new_run, [n]))
    run_end = np.repeat(bounds[1:], np.diff(bounds))
    count = np.minimum(run_end - np.arange(n) - 1, window)
    if not count.any():
        return np.empty((0, 2), np.int64)
    first = np.repeat(np.arange(n), count)
    step = np.arange(len(first)) - np.repeat(np.cumsum(count) - count, count) + 1
    return np.stack([members[first], members[first + step]], axis=1)


class BandIndex:
    """LSH banding over sorted numpy arrays: one array per band of ``key << 32 | row`` (uint64)."""

    def __init__(self, bands: int, rows: int, jobs: int = 1) -> None:
        self.bands, self.rows, self.jobs = bands, rows, jobs
        self._tables = [np.empty(0, np.uint64) for _ in range(bands)]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self._tables)

    def _entries(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        keys = band_keys(signatures, self.bands, self.rows).astype(np.uint64) << np.uint64(32)
        return keys | rows.astype(np.uint64)[:, None]

    def add(self, signatures: np.ndarray, rows: np.ndarray) -> None:
        entries = self._entries(signatures, rows)

        def merged(band: int) -> np.ndarray:
            table = np.concatenate([self._tables[band], entries[:, band]])
            table.sort()
            return table

        self._tables = thread_map(merged, range(self.bands), self.jobs)

    def self_pairs(self, signatures=None, rows=None, window: int = BUCKET_WINDOW) -> np.ndarray:
        """Candidate pairs among all indexed rows, shape (m, 2), each pair once, sorted.

        (``signatures`` and ``rows`` are unused: the tables already hold the band keys.)
        """
        def pairs(t: np.ndarray) -> np.ndarray:
            return _run_pairs(t >> np.uint64(32), (t & np.uint64(0xFFFFFFFF)).astype(np.int64),
                              window)

        found = thread_map(pairs, self._tables, self.jobs)
        return unique_pairs(np.concatenate(found))

    def query(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Pairs (query row, indexed row) that share a band; queries need not be indexed."""
        found = []
        low_bits = np.uint64(0xFFFFFFFF)
        for band, column in enumerate(band_keys(signatures, self.bands, self.rows).T):
            table = self._tables[band]
            key = column.astype(np.uint64) << np.uint64(32)
            low = np.searchsorted(table, key)
            count = np.searchsorted(table, key | low_bits, side="right") - low
            which = np.repeat(np.arange(len(column)), count)
            at = np.repeat(low - (np.cumsum(count) - count), count) + np.arange(count.sum())
            hit = (table[at] & low_bits).astype(np.int64)
            found.append(np.stack([rows[which], hit], axis=1))
        return unique_pairs(np.concatenate(found)) if found else np.empty((0, 2), np.int64)


class DatasketchIndex:
    """The same banding in datasketch's ``MinHashLSH``, on any of its storage layers.

    Slower and bigger than :class:`BandIndex` in memory (see the module docstring), but the
    storage layer can be Redis or Cassandra, which is how an index is shared between machines.
    """

    def __init__(self, bands: int, rows: int, num_perm: int, seed: int, storage_config: dict):
        from datasketch import MinHashLSH

        self.bands, self.rows, self.seed = bands, rows, seed
        self.lsh = MinHashLSH(
            num_perm=num_perm, params=(bands, rows), storage_config=storage_config
        )

    @property
    def nbytes(self) -> int:  # not measurable for external storage; see the benchmark
        return 0

    def _minhash(self, signature: np.ndarray):
        from datasketch import MinHash

        return MinHash(seed=self.seed, hashvalues=signature, scheme="affine32")

    def add(self, signatures: np.ndarray, rows: np.ndarray) -> None:
        with self.lsh.insertion_session() as session:
            for row, signature in zip(rows.tolist(), signatures, strict=True):
                session.insert(row, self._minhash(signature), check_duplication=False)

    def self_pairs(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.query(signatures, rows)

    def query(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        found = [
            (row, other)
            for row, signature in zip(rows.tolist(), signatures, strict=True)
            for other in self.lsh.query(self._minhash(signature))
        ]
        return unique_pairs(np.array(found, dtype=np.int64).reshape(-1, 2))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pairs as (small, large), without self-pairs and repeats, sorted."""
    pairs = np.sort(pairs.astype(np.int64).reshape(-1, 2), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if len(pairs) == 0:
        return pairs
    width = np.int64(pairs[:, 1].max() + 1)
    codes = np.unique(pairs[:, 0] * width + pairs[:, 1])
    return np.stack([codes // width, codes % width], axis=1)
