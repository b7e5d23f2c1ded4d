"""How many LSH bands of how many rows: enough bands to find a pair at the threshold.

MinHash signatures of ``num_perm`` values are cut into ``b`` bands of ``r`` rows; two documents
that agree on a whole band are candidates. A pair of Jaccard similarity ``s`` agrees on at least
one band with probability ``P(s) = 1 - (1 - s**r)**b``. We pick the largest ``r`` (fewest false
candidates) for which ``b = num_perm // r`` bands still give ``P(threshold) >= 0.99``. For the
defaults, threshold 0.5 and 128 permutations::

    r = 4, b = 32:  P(0.5) = 1 - (1 - 0.5**4)**32 = 0.873   too low
    r = 3, b = 42:  P(0.5) = 1 - (1 - 0.5**3)**42 = 0.9963  chosen (126 of 128 values used)
                    P(0.6) = 0.99996,  P(0.4) = 0.938,  P(0.3) = 0.683,
                    P(0.1) = 0.041,    P(0.05) = 0.0052  (false candidates, all verified)

(datasketch's own choice for threshold 0.8, 9 bands x 13 rows, has P(0.8) = 0.40.)
"""

from __future__ import annotations

#: LSH recall required at ``threshold`` when choosing bands and rows.
TARGET_RECALL = 0.99


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
