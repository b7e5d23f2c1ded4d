"""NearDuplicateFinder: exact and near copies among articles, as groups with one canonical.

The method is described in the package docstring (``newsclust.dedup``).
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from newsclust.gc_pause import garbage_collection_paused
from newsclust.models import Article, DupGroup
from newsclust.shingle import ShingleBatch, fmix64, shingle_batch

from .banding import choose_bands
from .fingerprinting import batches, concat, fingerprint, select
from .index import BandIndex, DatasketchIndex
from .slot_screen import screen_pairs
from .slots import MAX_SLOT_CONFLICTS, SlotReader, slot_conflicts
from .verification import ShingleSets, pair_overlaps, prefilter, verify

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
DEFAULT_CONTAINMENT = 0.6
DEFAULT_SHINGLE_SIZE = 4


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


@dataclass
class DedupResult:
    """Duplicate groups (only articles that have a copy) and, for every copy, its canonical."""

    groups: list[DupGroup]
    duplicate_of: dict[str, str]  # copy id -> canonical id


class _Components:
    """Union-find over rows: which articles the pairs so far connect."""

    def __init__(self, edges: _Edges) -> None:
        self._parent: dict[int, int] = {}
        for a, b in zip(edges.left.tolist(), edges.right.tolist(), strict=True):
            self.join(a, b)

    def _root(self, row: int) -> int:
        parent = self._parent
        while parent.get(row, row) != row:
            parent[row] = parent.get(parent[row], parent[row])  # path halving
            row = parent[row]
        return row

    def connected(self, a: int, b: int) -> bool:
        return self._root(a) == self._root(b)

    def join(self, a: int, b: int) -> bool:
        """Connect a and b; False when they already were."""
        ra, rb = self._root(a), self._root(b)
        if ra == rb:
            return False
        self._parent[ra] = rb
        return True


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


# --- the estimator ----------------------------------------------------------------------------


def _canonical_key(article: Article, words: int) -> tuple:
    """Sort key of the canonical choice: most words, earliest date (None last), smallest id."""
    date = article.date
    return (-words, date is None, date.toordinal() if date else 0, article.id)


class NearDuplicateFinder:
    """Find exact and near-duplicate articles (the method: ``newsclust.dedup``'s docstring).

    Parameters
    ----------
    threshold : Jaccard similarity of shingle sets at which two texts are copies; the LSH bands
        are chosen to find such pairs with probability >= 0.99.
    containment : share of the smaller text's shingles found in the other at which two texts
        are copies (a cut copy), when the smaller has >= MIN_CONTAINMENT_SHINGLES shingles
        (``verification``).
    num_perm : MinHash permutations. shingle_size : words per shingle. seed : MinHash seed.
    jobs : threads for tokenising, MinHash, the LSH tables and verification (-1: one per CPU);
        the result does not depend on it.
    storage_config : None for the in-memory numpy index; a datasketch storage config (e.g.
        ``{"type": "redis", ...}``) to keep the index in datasketch's ``MinHashLSH`` instead.
    template_check : reject verified pairs that put other names or figures in the same places
        (template stories, ``slots``); False joins on shingles alone.

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
        template_check: bool = True,
    ) -> None:
        self.threshold = threshold
        self.containment = containment
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        self.jobs = jobs
        self.storage_config = storage_config
        self.template_check = template_check

    # -- parameters --

    def get_params(self) -> dict:
        names = ("threshold", "containment", "num_perm", "shingle_size", "seed", "jobs",
                 "storage_config", "template_check")
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
        if not isinstance(self.template_check, bool):
            raise ValueError(
                "The 'template_check' parameter of NearDuplicateFinder must be of type bool. "
                f"Got {self.template_check!r} instead."
            )
        self.bands_, self.rows_ = choose_bands(self.threshold, self.num_perm)

    def _n_jobs(self) -> int:
        return (os.cpu_count() or 1) if self.jobs == -1 else self.jobs

    # -- fitting --

    def fit(self, articles: Sequence[Article], *,
            checked_groups: Mapping[str, str] | None = None) -> NearDuplicateFinder:
        """Find the duplicate groups among ``articles``; sets ``result_``.

        ``checked_groups`` (article id -> group key) names articles already grouped by an
        earlier run with the same settings (cron updates regroup stored copy groups): pairs
        within one such group were checked then, so the template check skips them.
        """
        self._validate_params()
        self._checked_groups = checked_groups or {}
        self.ids_: list[str] = []
        self._articles: list[Article] = []
        self.fingerprints_ = np.empty((0, self.num_perm), dtype=np.uint32)
        self._words = np.empty(0, dtype=np.int32)
        self._exact_keys = np.empty(0, dtype=np.uint64)  # word-sequence hash of representatives
        self._exact_rows = np.empty(0, dtype=np.int64)
        self._edges = _Edges.empty()
        if self.storage_config is None:
            self.index_: BandIndex | DatasketchIndex = BandIndex(self.bands_, self.rows_,
                                                                  self._n_jobs())
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
        near_edges, n_candidates = self._verify(pairs, batch, rows,
                                                self._edges + exact_edges)
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

    def _verify(self, pairs: np.ndarray, batch: ShingleBatch, rows: np.ndarray,
                joined: _Edges) -> tuple[_Edges, int]:
        """Verified edges among LSH candidate ``pairs`` (rows); old rows are re-shingled."""
        if len(pairs) == 0:
            return _Edges.empty(), 0
        # Shingles with repeats, an upper bound on the set size, from the word count.
        bound = np.maximum(self._words.astype(np.int64) - self.shingle_size + 1,
                           (self._words > 0).astype(np.int64))
        small_bound = np.minimum(bound[pairs[:, 0]], bound[pairs[:, 1]])
        plausible = pairs[prefilter(pairs, self.fingerprints_, small_bound, self.threshold)]
        if len(plausible) == 0:
            return _Edges.empty(), len(pairs)
        sets = self._shingle_sets(np.unique(plausible), batch, rows)
        inter, size_a, size_b = overlaps = pair_overlaps(plausible, sets)
        accept, _, similarity = verify(plausible, sets, self.threshold, self.containment,
                                       overlaps=overlaps)
        if self.template_check and accept.any():
            # Each conflict puts a word in one text that the other lacks, so at least one
            # shingle the other lacks: a pair where either text has fewer than
            # MAX_SLOT_CONFLICTS such shingles (a cut copy, a copy with a short credit) has
            # too few conflicts (bar a word the shingles fold together, "1,500" and "1500"),
            # and is not read.
            unique = (np.minimum(size_a, size_b) - inter)[accept]
            accept[accept] = self._same_names_and_figures(
                plausible[accept], similarity[accept], joined, unique >= MAX_SLOT_CONFLICTS)
        kept = plausible[accept]
        return _Edges(kept[:, 0], kept[:, 1], similarity[accept]), len(pairs)

    def _same_names_and_figures(self, pairs: np.ndarray, similarity: np.ndarray,
                                joined: _Edges, may_conflict: np.ndarray) -> np.ndarray:
        """For each verified pair, whether it stays a copy: fewer than MAX_SLOT_CONFLICTS slot
        conflicts.

        Groups are the connected parts of the kept pairs, so a pair whose two articles are
        already connected (by ``joined`` edges or by kept pairs) cannot change them and is kept
        unread; taking the most similar pairs first, a group of k copies is read along k - 1
        of its k (k - 1) / 2 pairs. Only a group's reported smallest similarity can differ.
        Pairs not ``may_conflict`` are kept unread too, and so are pairs in a group an earlier
        run checked (``checked_groups``).

        The pairs to read are first screened in batches (:mod:`.slot_screen`), which clears
        nearly all of them; only the rest are read word by word (:mod:`.slots`). Which pairs
        get read depends on which were kept before them; the screen takes those it would read
        if all were kept (nearly all are), and a pair outside them is read.
        """
        # (a pipeline run pauses the collector already; a finder used alone needs it too: the
        # check makes hundreds of thousands of small objects, each counting towards the next
        # walk of every object in memory)
        with garbage_collection_paused():
            return self._check_slots(pairs, similarity, joined, may_conflict)

    def _check_slots(self, pairs: np.ndarray, similarity: np.ndarray, joined: _Edges,
                     may_conflict: np.ndarray) -> np.ndarray:
        texts = self._articles
        group = self._checked_groups.get
        order = np.lexsort((pairs[:, 1], pairs[:, 0], -similarity)).tolist()
        pair_list = pairs.tolist()

        def needs_reading(i: int) -> bool:
            a, b = pair_list[i]
            known = group(texts[a].id)
            return bool(may_conflict[i]) and (known is None or known != group(texts[b].id))

        connected = _Components(joined)
        planned = []
        for i in order:
            a, b = pair_list[i]
            if connected.join(a, b) and needs_reading(i):
                planned.append(i)
        screened = dict(zip(planned, screen_pairs(
            [pair_list[i] for i in planned], lambda row: texts[row].text, MAX_SLOT_CONFLICTS),
            strict=True))

        reader = SlotReader()
        connected = _Components(joined)
        keep = np.ones(len(pairs), dtype=bool)
        for i in order:
            a, b = pair_list[i]
            if connected.connected(a, b) or not needs_reading(i):
                connected.join(a, b)
                continue
            if screened.get(i, True) is not False:
                keep[i] = (slot_conflicts(reader.read(a, texts[a].text),
                                          reader.read(b, texts[b].text)) < MAX_SLOT_CONFLICTS)
            if keep[i]:
                connected.join(a, b)
        return keep

    def _shingle_sets(self, needed: np.ndarray, batch: ShingleBatch,
                      rows: np.ndarray) -> ShingleSets:
        """Shingle sets of the ``needed`` rows: new ones from ``batch``, old ones re-shingled."""
        base = rows[0] if len(rows) else len(self.ids_)
        old, new = needed[needed < base], needed[needed >= base]
        texts = [self._articles[i].text for i in old]
        redone = [shingle_batch(texts[s:e], self.shingle_size) for s, e in batches(texts)]
        selected = concat([*redone, select(batch, new - base)])
        values, offsets = selected.shingles, selected.offsets
        return ShingleSets(values, offsets, np.concatenate([old, new]), len(self.ids_),
                           self._n_jobs())

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
