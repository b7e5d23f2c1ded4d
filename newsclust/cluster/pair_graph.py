"""The sparse graph of candidate pairs, and the stories cut from it.

Which pairs are scored at all (each article's most similar others, :func:`_top_k_pairs`), the
cosines of those pairs (:func:`_row_dots`), and greedy average linkage over the scored pairs
(:func:`_average_linkage`). All sparse: never an n x n matrix.
"""

from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def _within_strong_components(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray,
                              threshold: float):
    """Only the edges inside connected components of the edges >= threshold.

    An average link can reach the threshold only if some edge between the two clusters does,
    so clusters never merge across these components and edges between them never matter.
    Dropping them leaves the result unchanged and the linkage far smaller.
    """
    strong = sims >= threshold
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    keep = component[rows] == component[cols]
    return rows[keep], cols[keep], sims[keep]


def _average_linkage(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray,
                     threshold: float) -> np.ndarray:
    """Greedy average linkage on a sparse similarity graph; returns a root index per item.

    The link between clusters A and B is sum(sim over edges between them) / (|A| |B|); pairs
    without an edge count as 0. Merges the best link while it is >= threshold. Deterministic:
    ties go to the pair with the smaller indices.
    """
    rows, cols, sims = _within_strong_components(n, rows, cols, sims, threshold)
    size = [1] * n
    links: list[dict[int, float]] = [dict() for _ in range(n)]
    for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist(), strict=True):
        links[i][j] = links[i].get(j, 0.0) + s
        links[j][i] = links[j].get(i, 0.0) + s
    version = [0] * n
    heap = [(-s, i, j, 0, 0) for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist(),
                                                strict=True) if s >= threshold]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if version[a] != va or version[b] != vb or parent[a] != a or parent[b] != b:
            continue  # stale: one side merged since this entry was pushed
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        parent[gone] = keep
        size[keep] += size[gone]
        version[keep] += 1
        del links[keep][gone]
        for c, s in links[gone].items():
            if c == keep:
                continue
            total = links[keep].get(c, 0.0) + s
            links[keep][c] = total
            links[c][keep] = total
            del links[c][gone]
        links[gone] = {}
        for c, total in links[keep].items():
            avg = total / (size[keep] * size[c])
            if avg >= threshold:
                lo, hi = (keep, c) if keep < c else (c, keep)
                heapq.heappush(heap, (-avg, lo, hi, version[lo], version[hi]))
    roots = np.array(parent)
    for i in range(n):  # path compression
        r = i
        while parent[r] != r:
            r = parent[r]
        roots[i] = r
    return roots


def _top_k_pairs(Z: sp.csr_matrix, k: int, chunk_cells: int = 1 << 24):
    """Each row's k most similar other rows under Z @ Z.T, as pairs (i < j), without repeats.

    Works a block of rows at a time so memory stays near ``chunk_cells`` products. Ties at the
    k-th place go to the smaller column, so the result is deterministic.
    """
    n = Z.shape[0]
    ZT = Z.T.tocsr()
    step = max(1, chunk_cells // max(n, 1))
    found_i, found_j = [], []
    for start in range(0, n, step):
        S = (Z[start : start + step] @ ZT).tocsr()
        for r in range(S.shape[0]):
            lo, hi = S.indptr[r], S.indptr[r + 1]
            cols, vals = S.indices[lo:hi], S.data[lo:hi]
            keep = (cols != start + r) & (vals > 0)
            cols, vals = cols[keep], vals[keep]
            if len(vals) > k:
                cols = cols[_top_k_positions(vals, cols, k)]
            found_i.append(np.full(len(cols), start + r, dtype=np.int64))
            found_j.append(cols.astype(np.int64))
    i = np.concatenate(found_i) if found_i else np.zeros(0, dtype=np.int64)
    j = np.concatenate(found_j) if found_j else np.zeros(0, dtype=np.int64)
    pairs = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    return pairs // n, pairs % n


def _top_k_positions(vals: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest values; among equal values the smaller columns win."""
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    above = np.flatnonzero(vals > kth)
    equal = np.flatnonzero(vals == kth)
    equal = equal[np.argsort(cols[equal], kind="stable")[: k - len(above)]]
    return np.concatenate([above, equal])


def _row_dots(A: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, chunk: int = 200_000):
    """A[rows[p]] . A[cols[p]] for every pair p, a chunk of pairs at a time."""
    out = np.zeros(len(rows), dtype=np.float64)
    for s in range(0, len(rows), chunk):
        r, c = rows[s : s + chunk], cols[s : s + chunk]
        out[s : s + chunk] = np.asarray(A[r].multiply(A[c]).sum(axis=1)).ravel()
    return out

