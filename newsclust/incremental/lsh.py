"""The stored near-duplicate (LSH) index: read it, query it with new signatures, keep it exact
through a run's writes, store it again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store import StoredArticle, StoryStore

#: MinHash permutations the stored signatures are made with (a mismatch would compare apples
#: and pears, so the store refuses it). NearDuplicateFinder's default.
NUM_PERM = 128


def signature_matrix(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored signatures (``NUM_PERM`` uint32 each) as one matrix, a row per blob."""
    if not blobs:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return np.frombuffer(b"".join(blobs), dtype=np.uint32).reshape(len(blobs), NUM_PERM)


class LshTables:
    """The near-duplicate (LSH) index of one run: the stored band tables, or, when none are
    stored (a new or migrated database, or one whose articles changed outside an update),
    tables rebuilt from every stored signature. The run keeps them exact through its inserts
    and deletions and stores them with its other writes. One sorted uint64 array per band of
    ``band key << 32 | row key``, as :class:`newsclust.dedup.BandIndex` keeps them."""

    def __init__(self, threshold: float):
        from ..dedup import choose_bands

        self.bands, self.band_rows = choose_bands(threshold, NUM_PERM)
        self.shape = f"{NUM_PERM}/{self.bands}x{self.band_rows}"
        self.tables: list[np.ndarray] | None = None
        self.rebuilt = False

    def entries(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        from ..dedup import band_keys

        keys = band_keys(signatures, self.bands, self.band_rows).astype(np.uint64)
        return (keys << np.uint64(32)) | rows.astype(np.uint64)[:, None]

    def load(self, store: StoryStore) -> list[np.ndarray]:
        if self.tables is None:
            blobs = store.lsh_tables()
            if len(blobs) == self.bands and store.get_meta("lsh_shape") == self.shape:
                self.tables = [np.frombuffer(b, dtype="<u8").astype(np.uint64) for b in blobs]
            else:
                rows, _, sigs = store.signatures()
                found = self.entries(signature_matrix(sigs), np.asarray(rows, dtype=np.int64))
                self.tables = [np.sort(found[:, b]) for b in range(self.bands)]
                self.rebuilt = True
        return self.tables

    def matches(self, signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, stored row) of every pair sharing a band, each pair once."""
        low = np.uint64(0xFFFFFFFF)
        queries, rows = [], []
        for band, keys in enumerate(self.entries(signatures, np.zeros(len(signatures))).T):
            table = self.tables[band]
            start = np.searchsorted(table, keys)
            count = np.searchsorted(table, keys | low, side="right") - start
            queries.append(np.repeat(np.arange(len(keys)), count))
            at = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(count.sum())
            rows.append((table[at] & low).astype(np.int64))
        if not queries:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        pairs = np.unique(np.stack([np.concatenate(queries), np.concatenate(rows)]), axis=1)
        return pairs[0], pairs[1]

    def update(self, inserted: Sequence[StoredArticle], deleted: set[int]) -> None:
        """Follow the run's writes: ``inserted`` (with their row keys) and ``deleted`` rows."""
        low = np.uint64(0xFFFFFFFF)
        gone = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
        added = [a for a in inserted if a.words > 0]
        new = self.entries(signature_matrix([a.signature for a in added]),
                           np.array([a.row for a in added], dtype=np.int64))
        self.tables = [
            np.sort(np.concatenate([
                t[~np.isin((t & low).astype(np.int64), gone)] if len(gone) else t, new[:, b]]))
            for b, t in enumerate(self.tables or [])
        ]

    def save(self, store: StoryStore) -> None:
        store.set_meta("lsh_shape", self.shape)
        store.put_lsh_tables([t.astype("<u8").tobytes() for t in self.tables or []])
