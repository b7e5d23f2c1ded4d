"""Near-duplicate detection: which articles are copies of one another.

Outlets re-run wire copy with a new headline, a dateline, credit and copyright lines, a cut last
paragraph, merged paragraphs, a few typos. This module finds those copies and joins nothing else.

How
---
1. **Tokenise once** (``newsclust.shingle``): the body (``article.text``; never the title, which
   re-runs change) is folded (NFKC, case, typographic quotes and dashes, punctuation and
   whitespace), split into words and cut into ``shingle_size``-word shingles, vectorised over
   batches of documents; ``jobs`` processes share the batches.
2. **Exact copies**: documents with the same word sequence (a 128-bit hash of it) are joined with
   similarity 1.0, and only one representative of each such set goes on to the LSH index.
3. **Near copies**: MinHash signatures (datasketch ``affine32``, ``num_perm`` permutations) are
   cut into ``b`` bands of ``r`` rows; documents that agree on a whole band are candidates. A pair
   of Jaccard similarity ``s`` agrees on at least one band with probability
   ``P(s) = 1 - (1 - s**r)**b``. We pick the largest ``r`` (fewest false candidates) for which
   ``b = num_perm // r`` bands still give ``P(threshold) >= 0.99``. For the defaults,
   threshold 0.5 and 128 permutations::

       r = 4, b = 32:  P(0.5) = 1 - (1 - 0.5**4)**32 = 0.873   too low
       r = 3, b = 42:  P(0.5) = 1 - (1 - 0.5**3)**42 = 0.9963  chosen (126 of 128 values used)
                       P(0.6) = 0.99996,  P(0.4) = 0.938,  P(0.3) = 0.683,
                       P(0.1) = 0.041,    P(0.05) = 0.0052  (false candidates, all verified)

   (datasketch's own choice for threshold 0.8, 9 bands x 13 rows, has P(0.8) = 0.40.)
4. **Verification**: every candidate is checked with the real shingle sets A and B:
   Jaccard ``|A & B| / |A | B|`` and containment ``|A & B| / min(|A|, |B|)``. A pair is joined
   when Jaccard >= ``threshold`` (most of both texts is shared), or when containment >=
   ``containment`` and the smaller text has at least ``MIN_CONTAINMENT_SHINGLES`` shingles and
   Jaccard >= ``MIN_CONTAINMENT_JACCARD`` (most of a substantial smaller text is inside the
   other: a cut copy with chrome added). Texts under ``MIN_NEAR_SHINGLES`` shingles join only as
   exact copies. So two short briefs that share one boilerplate paragraph are not joined (the
   shared part is neither most of both nor most of a substantial text), nor is a caption block
   with the long page it came from. Before the exact check, pairs whose MinHash estimate is more
   than 5 standard deviations below what joining would need are dropped (a true pair is lost
   that way with probability < 1e-6). The defaults (4-word shingles, 0.5, 0.6, 50, 0.4, 10) were
   chosen on syndication-style copies of gva-dev texts (benchmarks/bench_dedup.py).
5. **Groups** are connected components of the verified pairs (transitive). Each has one canonical
   article: the most words, then the earliest date (None last), then the smallest id. The
   group's ``similarity`` is the smallest verified similarity among its joined pairs, where a
   pair's similarity is the larger of its Jaccard and (for texts big enough) its containment.

The result does not depend on input order or on ``jobs``: work is done in id order and batches
are cut the same way whatever the number of processes.

Index
-----
By default the LSH index is :class:`BandIndex`, sorted numpy arrays of 32-bit band keys (8 bytes
per band per article). ``storage_config`` switches to datasketch's ``MinHashLSH`` with the same
bands and rows and that storage layer (e.g. Redis, to share the index between machines). The
numpy index exists because ``MinHashLSH`` keeps a Python ``bytes`` object per band per article
and inserts one article at a time: it takes several KB per article and its insert and query
loops cost more than all of the fingerprinting (benchmarks/bench_dedup.py measures both).
After fitting we keep the signatures (``fingerprints_``, 4 bytes per permutation), the band index
and a few numbers per article, not the shingle sets: verification of later articles
(``partial_fit``) re-shingles the few old articles that are candidates, from their text.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import numbers
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from newsclust.models import Article, DupGroup
from newsclust.shingle import (
    ShingleBatch,
    fmix64,
    minhash_signatures,
    permutations,
    shingle_batch,
)

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
DEFAULT_CONTAINMENT = 0.6
DEFAULT_SHINGLE_SIZE = 4
#: LSH recall required at ``threshold`` when choosing bands and rows.
TARGET_RECALL = 0.99
#: The smaller text must have this many shingles (about as many words) for containment to
#: count: below it, a text wholly inside another is boilerplate more often than a copy.
MIN_CONTAINMENT_SHINGLES = 50
#: ... and the pair's Jaccard must be at least this: containment rescues cut copies just below
#: the Jaccard threshold, not a text that is a small part of a long one (a caption block inside
#: a gallery page, one paragraph quoted in another story). The LSH finds pairs at 0.4 with
#: probability 0.94, so this floor also keeps containment joins from depending on LSH luck.
MIN_CONTAINMENT_JACCARD = 0.4
#: Texts with fewer shingles than this only join as exact copies: in "1 of 3 free articles
#: read" vs "3 of 3 free articles read" one word is the whole difference.
MIN_NEAR_SHINGLES = 10
#: Candidates whose MinHash estimate is this many standard deviations below the similarity
#: needed to join are dropped before the exact check.
PREFILTER_SIGMAS = 5.0
#: A document is paired with at most this many following members of one LSH bucket, so that a
#: bucket of thousands of near-identical pages cannot produce millions of pairs. Transitivity
#: still joins such buckets; only a bucket larger than this can lose pairs.
BUCKET_WINDOW = 100
#: Texts are fingerprinted in batches of about this many bytes (keeps numpy temporaries in cache
#: and below glibc's mmap threshold churn; fixed, so results do not depend on ``jobs``).
BATCH_BYTES = 1 << 20
#: Candidate pairs are verified this many at a time (bounds the memory of the sparse products).
VERIFY_BATCH = 4096


# --- parameters -------------------------------------------------------------------------------


def lsh_recall(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair of Jaccard ``similarity`` shares at least one of ``bands`` bands."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, recall: float = TARGET_RECALL) -> tuple[int, int]:
    """``(bands, rows)``: the most rows per band whose ``num_perm // rows`` bands still find a
    pair at ``threshold`` with probability >= ``recall``."""
    for rows in range(num_perm // 2, 0, -1):
        bands = num_perm // rows
        if bands >= 2 and lsh_recall(threshold, bands, rows) >= recall:
            return bands, rows
    raise ValueError(
        f"No LSH banding of {num_perm} permutations reaches recall {recall} at threshold "
        f"{threshold}; use more permutations or a higher threshold."
    )


def _check_number(name: str, value, kind: type, low, high, *, low_open: bool = False) -> None:
    allowed = numbers.Integral if kind is int else numbers.Real  # numpy scalars too
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise ValueError(
            f"The {name!r} parameter of NearDuplicateFinder must be of type {kind.__name__}. "
            f"Got {value!r} instead."
        )
    too_low = value <= low if low_open else value < low
    if too_low or (high is not None and value > high) or (kind is float and math.isnan(value)):
        left = "(" if low_open else "["
        right = f"{high}]" if high is not None else "inf)"
        raise ValueError(
            f"The {name!r} parameter of NearDuplicateFinder must be in {left}{low}, {right}. "
            f"Got {value!r} instead."
        )


# --- results ----------------------------------------------------------------------------------


@dataclass
class DedupResult:
    """Duplicate groups (only articles that have a copy) and, for every copy, its canonical."""

    groups: list[DupGroup]
    duplicate_of: dict[str, str]  # copy id -> canonical id


@dataclass(frozen=True, slots=True)
class _Edges:
    """Verified pairs (indices into the finder's rows) and their similarity."""

    left: np.ndarray
    right: np.ndarray
    similarity: np.ndarray

    @staticmethod
    def empty() -> _Edges:
        return _Edges(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))

    def __add__(self, other: _Edges) -> _Edges:
        return _Edges(
            np.concatenate([self.left, other.left]),
            np.concatenate([self.right, other.right]),
            np.concatenate([self.similarity, other.similarity]),
        )


# --- fingerprinting (tokenise once, in batches, optionally in several processes) --------------


def _batches(texts: Sequence[str], budget: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of about ``budget`` characters each; independent of ``jobs``."""
    budget = budget or BATCH_BYTES
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text) + 1
        if size >= budget:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def _fingerprint_batch(args: tuple[list[str], int, int, int]) -> tuple[ShingleBatch, np.ndarray]:
    texts, shingle_size, num_perm, seed = args
    batch = shingle_batch(texts, shingle_size)
    a, b = permutations(num_perm, seed)
    return batch, minhash_signatures(batch.shingles, batch.offsets, a, b)


#: The texts being fingerprinted, for forked workers: they inherit it with the parent's memory,
#: so a task is a (start, stop) range instead of pickled text (pickling texts to the workers
#: cost the parent a third of a worker's time).
_FORKED_TEXTS: Sequence[str] = ()


def _fingerprint_range(args: tuple[int, int, int, int, int]) -> tuple[ShingleBatch, np.ndarray]:
    start, stop, shingle_size, num_perm, seed = args
    return _fingerprint_batch((list(_FORKED_TEXTS[start:stop]), shingle_size, num_perm, seed))


def _concat(batches: list[ShingleBatch]) -> ShingleBatch:
    if not batches:
        empty = np.empty(0, np.int64)
        return ShingleBatch(np.empty(0, np.uint32), np.zeros(1, np.int64), empty,
                            np.empty(0, np.uint64))
    shifts = np.cumsum([0] + [len(b.shingles) for b in batches[:-1]])
    offsets = [batches[0].offsets[:1]]
    offsets += [b.offsets[1:] + shift for b, shift in zip(batches, shifts, strict=True)]
    return ShingleBatch(
        np.concatenate([b.shingles for b in batches]),
        np.concatenate(offsets),
        np.concatenate([b.token_counts for b in batches]),
        np.concatenate([b.exact for b in batches]),
    )


def _select(batch: ShingleBatch, docs: np.ndarray) -> ShingleBatch:
    """The documents ``docs`` (sorted) of ``batch``; a byte mask, not an index per shingle,
    because at 100k documents an int64 index of every shingle is most of the peak memory."""
    keep = np.zeros(len(batch), dtype=bool)
    keep[docs] = True
    sizes = np.diff(batch.offsets)[docs]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    values = batch.shingles[np.repeat(keep, np.diff(batch.offsets))]
    return ShingleBatch(values, offsets, batch.token_counts[docs], batch.exact[docs])


def fingerprint(
    texts: Sequence[str], *, shingle_size: int, num_perm: int, seed: int, jobs: int = 1
) -> tuple[ShingleBatch, np.ndarray]:
    """Shingle sets and MinHash signatures of ``texts`` (rows in the order of ``texts``)."""
    global _FORKED_TEXTS
    ranges = list(_batches(texts))
    if multiprocessing.current_process().daemon:
        jobs = 1  # a pool worker may not start processes of its own
    if jobs > 1 and len(ranges) > 1:
        if "fork" in multiprocessing.get_all_start_methods():
            # fork: workers start in milliseconds and inherit the modules and the texts.
            _FORKED_TEXTS = texts
            try:
                with multiprocessing.get_context("fork").Pool(min(jobs, len(ranges))) as pool:
                    tasks = [(s, e, shingle_size, num_perm, seed) for s, e in ranges]
                    results = pool.map(_fingerprint_range, tasks, chunksize=1)
            finally:
                _FORKED_TEXTS = ()
        else:
            tasks = [(list(texts[s:e]), shingle_size, num_perm, seed) for s, e in ranges]
            with multiprocessing.Pool(min(jobs, len(ranges))) as pool:
                results = pool.map(_fingerprint_batch, tasks, chunksize=1)
    else:
        results = [_fingerprint_batch((list(texts[s:e]), shingle_size, num_perm, seed))
                   for s, e in ranges]
    signatures = (
        np.concatenate([sig for _, sig in results])
        if results
        else np.empty((0, num_perm), np.uint32)
    )
    return _concat([batch for batch, _ in results]), signatures


# --- LSH index --------------------------------------------------------------------------------


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

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._tables = [np.empty(0, np.uint64) for _ in range(bands)]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self._tables)

    def _entries(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        keys = band_keys(signatures, self.bands, self.rows).astype(np.uint64) << np.uint64(32)
        return keys | rows.astype(np.uint64)[:, None]

    def add(self, signatures: np.ndarray, rows: np.ndarray) -> None:
        entries = self._entries(signatures, rows)
        for band in range(self.bands):
            table = np.concatenate([self._tables[band], entries[:, band]])
            table.sort()
            self._tables[band] = table

    def self_pairs(self, signatures=None, rows=None, window: int = BUCKET_WINDOW) -> np.ndarray:
        """Candidate pairs among all indexed rows, shape (m, 2), each pair once, sorted.

        (``signatures`` and ``rows`` are unused: the tables already hold the band keys.)
        """
        found = [
            _run_pairs(t >> np.uint64(32), (t & np.uint64(0xFFFFFFFF)).astype(np.int64), window)
            for t in self._tables
        ]
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


# --- verification -----------------------------------------------------------------------------


class _ShingleSets:
    """Exact shingle sets of some rows, as a sparse 0/1 matrix so that the overlaps of many
    pairs are counted by one sparse elementwise product (a merge in C) per batch of pairs.

    Columns are the top 30 bits of the 32-bit shingle hashes (scipy keeps 32-bit indices only
    below 2**31 columns). Two different shingles of one pair of documents share 30 bits with
    probability about |A| |B| / 2**30 (2e-4 for two 500-word texts): negligible.
    """

    def __init__(self, values: np.ndarray, offsets: np.ndarray, rows: np.ndarray,
                 n_rows: int) -> None:
        """``values``/``offsets``: the shingles of ``rows`` in any order, repeats included."""
        columns = (values >> np.uint32(2)).astype(np.int32)
        self.matrix = sparse.csr_matrix(
            (np.ones(len(columns), np.int8), columns, offsets), shape=(len(rows), 1 << 30)
        )
        self.matrix.sum_duplicates()  # sorts each row in C: a set per row
        self.matrix.data[:] = 1
        self.sizes = np.diff(self.matrix.indptr)
        self.position = np.full(n_rows, -1, dtype=np.int64)
        self.position[rows] = np.arange(len(rows))

    def overlaps(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """``|A & B|`` for each pair of rows."""
        out = np.empty(len(left), dtype=np.int64)
        for s in range(0, len(left), VERIFY_BATCH):
            a = self.matrix[self.position[left[s : s + VERIFY_BATCH]]]
            b = self.matrix[self.position[right[s : s + VERIFY_BATCH]]]
            out[s : s + VERIFY_BATCH] = np.diff(a.multiply(b).tocsr().indptr)
        return out

    def size_of(self, rows: np.ndarray) -> np.ndarray:
        return self.sizes[self.position[rows]]


def _required_jaccard(small_bound: np.ndarray, threshold: float) -> np.ndarray:
    """The lowest Jaccard similarity at which a pair could be joined, given an upper bound on
    the size of its smaller set (the shingle count with repeats, known before sets are built).

    Containment joins need Jaccard >= MIN_CONTAINMENT_JACCARD and a smaller set of at least
    MIN_CONTAINMENT_SHINGLES; any join needs MIN_NEAR_SHINGLES. An upper bound on the size only
    makes these tests more permissive, never less.
    """
    need = np.where(small_bound >= MIN_CONTAINMENT_SHINGLES,
                    min(threshold, MIN_CONTAINMENT_JACCARD), threshold)
    return np.where(small_bound >= MIN_NEAR_SHINGLES, need, np.inf)  # too small: never joined


def _prefilter(pairs: np.ndarray, signatures: np.ndarray, small_bound: np.ndarray,
               threshold: float) -> np.ndarray:
    """Mask of pairs whose MinHash estimate leaves a real chance of being joined.

    The estimate is the share of equal signature values, a binomial with standard deviation
    sqrt(s (1 - s) / num_perm); we drop a pair when it is more than PREFILTER_SIGMAS deviations
    below the similarity it would need.
    """
    need = _required_jaccard(small_bound, threshold)
    bounded = np.minimum(need, 1.0)
    margin = PREFILTER_SIGMAS * np.sqrt(bounded * (1 - bounded) / signatures.shape[1])
    keep = np.empty(len(pairs), dtype=bool)
    step = 65536
    for s in range(0, len(pairs), step):
        a, b = pairs[s : s + step, 0], pairs[s : s + step, 1]
        estimate = (signatures[a] == signatures[b]).mean(axis=1)
        keep[s : s + step] = estimate >= need[s : s + step] - margin[s : s + step]
    return keep


def verify(pairs: np.ndarray, sets: _ShingleSets, threshold: float,
           containment: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact Jaccard and containment of ``pairs``; returns (accepted mask, jaccard, similarity)."""
    left, right = pairs[:, 0], pairs[:, 1]
    inter = sets.overlaps(left, right)
    size_a, size_b = sets.size_of(left), sets.size_of(right)
    small = np.minimum(size_a, size_b)
    jaccard = inter / np.maximum(size_a + size_b - inter, 1)
    contained = inter / np.maximum(small, 1)
    eligible = small >= MIN_CONTAINMENT_SHINGLES
    by_containment = eligible & (contained >= containment) & (jaccard >= MIN_CONTAINMENT_JACCARD)
    accept = (small >= MIN_NEAR_SHINGLES) & ((jaccard >= threshold) | by_containment)
    similarity = np.where(eligible, np.maximum(jaccard, contained), jaccard)
    return accept, jaccard, similarity


# --- the estimator ----------------------------------------------------------------------------


def _canonical_key(article: Article, words: int) -> tuple:
    """Sort key of the canonical choice: most words, earliest date (None last), smallest id."""
    date = article.date
    return (-words, date is None, date.toordinal() if date else 0, article.id)


class NearDuplicateFinder:
    """Find exact and near-duplicate articles (see the module docstring for the method).

    Parameters
    ----------
    threshold : Jaccard similarity of shingle sets at which two texts are copies; the LSH bands
        are chosen to find such pairs with probability >= 0.99.
    containment : share of the smaller text's shingles found in the other at which two texts
        are copies (a cut copy), when the smaller has >= MIN_CONTAINMENT_SHINGLES shingles.
    num_perm : MinHash permutations. shingle_size : words per shingle. seed : MinHash seed.
    jobs : processes for tokenising and MinHash (-1: all CPUs); the result does not depend on it.
    storage_config : None for the in-memory numpy index; a datasketch storage config (e.g.
        ``{"type": "redis", ...}``) to keep the index in datasketch's ``MinHashLSH`` instead.

    Attributes after ``fit``: ``result_`` (DedupResult), ``ids_`` (article ids, row order),
    ``fingerprints_`` (uint32 MinHash signatures, one row per id in ``ids_``; an empty text has
    an all-0xFFFFFFFF row), ``bands_``, ``rows_``, ``index_`` (the LSH index).

    Incremental use (cron): ``partial_fit(new_articles)`` compares new articles with each other
    and with everything fitted before and updates ``result_``. A fitted finder keeps about 0.9 KB
    per article (``index_nbytes_``) plus references to the articles, whose texts it re-reads
    only for old articles that are candidates of new ones. ``fingerprints_`` are
    datasketch-compatible (``MinHash(seed=seed, hashvalues=row, scheme="affine32")``) and can
    be persisted.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        containment: float = DEFAULT_CONTAINMENT,
        num_perm: int = 128,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        seed: int = 1,
        jobs: int = 1,
        storage_config: dict | None = None,
    ) -> None:
        self.threshold = threshold
        self.containment = containment
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        self.jobs = jobs
        self.storage_config = storage_config

    # -- parameters --

    def get_params(self) -> dict:
        names = ("threshold", "containment", "num_perm", "shingle_size", "seed", "jobs",
                 "storage_config")
        return {name: getattr(self, name) for name in names}

    def _validate_params(self) -> None:
        _check_number("threshold", self.threshold, float, 0, 1, low_open=True)
        _check_number("containment", self.containment, float, 0, 1, low_open=True)
        _check_number("num_perm", self.num_perm, int, 2, None)
        _check_number("shingle_size", self.shingle_size, int, 1, None)
        _check_number("seed", self.seed, int, 0, 2**32 - 1)
        if self.jobs != -1:
            _check_number("jobs", self.jobs, int, 1, None)
        if self.storage_config is not None and not isinstance(self.storage_config, dict):
            raise ValueError(
                "The 'storage_config' parameter of NearDuplicateFinder must be a dict or None. "
                f"Got {self.storage_config!r} instead."
            )
        self.bands_, self.rows_ = choose_bands(self.threshold, self.num_perm)

    def _n_jobs(self) -> int:
        return (os.cpu_count() or 1) if self.jobs == -1 else self.jobs

    # -- fitting --

    def fit(self, articles: Sequence[Article]) -> NearDuplicateFinder:
        """Find the duplicate groups among ``articles``; sets ``result_``."""
        self._validate_params()
        self.ids_: list[str] = []
        self._articles: list[Article] = []
        self.fingerprints_ = np.empty((0, self.num_perm), dtype=np.uint32)
        self._words = np.empty(0, dtype=np.int32)
        self._exact_keys = np.empty(0, dtype=np.uint64)  # word-sequence hash of representatives
        self._exact_rows = np.empty(0, dtype=np.int64)
        self._edges = _Edges.empty()
        if self.storage_config is None:
            self.index_: BandIndex | DatasketchIndex = BandIndex(self.bands_, self.rows_)
        else:
            self.index_ = DatasketchIndex(self.bands_, self.rows_, self.num_perm, self.seed,
                                          self.storage_config)
        self._add(articles, first=True)
        return self

    def partial_fit(self, articles: Sequence[Article]) -> NearDuplicateFinder:
        """Add ``articles`` to a fitted finder (or fit, on first use) and update ``result_``.

        New articles are compared with each other and with every article seen before, so the
        groups are those ``fit`` would find on all articles together.
        """
        if not hasattr(self, "result_"):
            return self.fit(articles)
        self._add(articles, first=False)
        return self

    def _add(self, articles: Sequence[Article], *, first: bool) -> None:
        started = time.perf_counter()
        articles = sorted(articles, key=lambda a: a.id)  # id order: input order cannot matter
        self._check_new_ids(articles)
        base = len(self.ids_)
        rows = np.arange(base, base + len(articles))
        batch, signatures = fingerprint(
            [a.text for a in articles], shingle_size=self.shingle_size,
            num_perm=self.num_perm, seed=self.seed, jobs=self._n_jobs(),
        )
        fingerprinted = time.perf_counter()
        self._articles.extend(articles)
        self.ids_.extend(a.id for a in articles)
        self.fingerprints_ = np.concatenate([self.fingerprints_, signatures])
        self._words = np.concatenate([self._words, batch.token_counts.astype(np.int32)])

        exact_edges, representative = self._exact_copies(batch, rows)
        indexed = rows[representative]
        self.index_.add(signatures[representative], indexed)
        if first:
            pairs = self.index_.self_pairs(signatures[representative], indexed)
        else:
            pairs = self.index_.query(signatures[representative], indexed)
        near_edges, n_candidates = self._verify(pairs, batch, rows)
        self._edges = self._edges + exact_edges + near_edges
        self.result_ = self._result()
        logger.info(
            "dedup: %d articles (%d exact copies) fingerprinted in %.2fs; %d LSH candidates, "
            "%d verified copies; %d groups in %.2fs total",
            len(articles), len(exact_edges.left), fingerprinted - started, n_candidates,
            len(near_edges.left), len(self.result_.groups), time.perf_counter() - started,
        )

    def _check_new_ids(self, articles: Sequence[Article]) -> None:
        seen = set(self.ids_)
        for article in articles:  # sorted by id, so a repeat within the call is adjacent
            if article.id in seen:
                raise ValueError(f"Article ids must be unique; {article.id!r} appears twice.")
            seen.add(article.id)

    def _exact_copies(self, batch: ShingleBatch, rows: np.ndarray) -> tuple[_Edges, np.ndarray]:
        """Edges from each exact copy to its set's representative (the first row with that word
        sequence, which is the smallest id within one call), and the mask of new rows that
        represent their set (these alone go into the LSH index). Empty texts join nothing."""
        keys = batch.exact ^ fmix64(batch.token_counts.astype(np.uint64))
        nonempty = batch.token_counts > 0
        known = np.zeros(len(rows), dtype=bool)
        target = np.full(len(rows), -1, dtype=np.int64)
        if len(self._exact_keys):
            at = np.searchsorted(self._exact_keys, keys).clip(max=len(self._exact_keys) - 1)
            known = nonempty & (self._exact_keys[at] == keys)
            target[known] = self._exact_rows[at[known]]
        fresh = np.flatnonzero(nonempty & ~known)
        _, first, inverse = np.unique(keys[fresh], return_index=True, return_inverse=True)
        target[fresh] = rows[fresh[first]][inverse]
        representative = nonempty & (target == rows)
        copies = np.flatnonzero(nonempty & (target != rows))
        order = np.argsort(np.concatenate([self._exact_keys, keys[representative]]))
        self._exact_keys = np.concatenate([self._exact_keys, keys[representative]])[order]
        self._exact_rows = np.concatenate([self._exact_rows, rows[representative]])[order]
        edges = _Edges(target[copies], rows[copies], np.ones(len(copies)))
        return edges, representative

    def _verify(self, pairs: np.ndarray, batch: ShingleBatch,
                rows: np.ndarray) -> tuple[_Edges, int]:
        """Verified edges among LSH candidate ``pairs`` (rows); old rows are re-shingled."""
        if len(pairs) == 0:
            return _Edges.empty(), 0
        # Shingles with repeats, an upper bound on the set size, from the word count.
        bound = np.maximum(self._words.astype(np.int64) - self.shingle_size + 1,
                           (self._words > 0).astype(np.int64))
        small_bound = np.minimum(bound[pairs[:, 0]], bound[pairs[:, 1]])
        plausible = pairs[_prefilter(pairs, self.fingerprints_, small_bound, self.threshold)]
        if len(plausible) == 0:
            return _Edges.empty(), len(pairs)
        sets = self._shingle_sets(np.unique(plausible), batch, rows)
        accept, _, similarity = verify(plausible, sets, self.threshold, self.containment)
        kept = plausible[accept]
        return _Edges(kept[:, 0], kept[:, 1], similarity[accept]), len(pairs)

    def _shingle_sets(self, needed: np.ndarray, batch: ShingleBatch,
                      rows: np.ndarray) -> _ShingleSets:
        """Shingle sets of the ``needed`` rows: new ones from ``batch``, old ones re-shingled."""
        base = rows[0] if len(rows) else len(self.ids_)
        old, new = needed[needed < base], needed[needed >= base]
        texts = [self._articles[i].text for i in old]
        redone = [shingle_batch(texts[s:e], self.shingle_size) for s, e in _batches(texts)]
        selected = _concat([*redone, _select(batch, new - base)])
        values, offsets = selected.shingles, selected.offsets
        return _ShingleSets(values, offsets, np.concatenate([old, new]), len(self.ids_))


    # -- results --

    def _result(self) -> DedupResult:
        edges, n = self._edges, len(self.ids_)
        if len(edges.left) == 0:
            return DedupResult(groups=[], duplicate_of={})
        graph = sparse.coo_matrix((np.ones(len(edges.left)), (edges.left, edges.right)),
                                  shape=(n, n))
        n_components, labels = csgraph.connected_components(graph, directed=False)
        lowest = np.ones(n_components)
        np.minimum.at(lowest, labels[edges.left], edges.similarity)
        grouped = np.flatnonzero(np.bincount(labels, minlength=n_components)[labels] > 1)
        grouped = grouped[np.argsort(labels[grouped], kind="stable")]
        bounds = np.flatnonzero(np.diff(labels[grouped])) + 1
        groups = []
        duplicate_of: dict[str, str] = {}
        for members in np.split(grouped, bounds):
            canonical = min(members, key=lambda i: _canonical_key(self._articles[i],
                                                                  self._words[i]))
            ids = tuple(sorted(self.ids_[i] for i in members))
            canonical_id = self.ids_[canonical]
            similarity = round(float(lowest[labels[canonical]]), 6)
            groups.append(DupGroup(canonical=canonical_id, members=ids, similarity=similarity))
            duplicate_of.update((i, canonical_id) for i in ids if i != canonical_id)
        groups.sort(key=lambda g: g.canonical)
        return DedupResult(groups=groups, duplicate_of=dict(sorted(duplicate_of.items())))

    @property
    def index_nbytes_(self) -> int:
        """Bytes kept per fitted finder beyond the articles (signatures, index, counts, edges)."""
        arrays = (self.fingerprints_, self._words, self._exact_keys, self._exact_rows,
                  self._edges.left, self._edges.right, self._edges.similarity)
        lists = 2 * 8 * len(self.ids_)  # the ids_ and article lists (pointers)
        return sum(a.nbytes for a in arrays) + self.index_.nbytes + lists


def find_duplicates(articles: Sequence[Article], **params) -> DedupResult:
    """Duplicate groups of ``articles``; ``params`` are those of :class:`NearDuplicateFinder`."""
    return NearDuplicateFinder(**params).fit(articles).result_
