"""Clustering scores against gold labels: B-cubed and pair counting.

Both are computed from the contingency table (gold label x predicted label), so they cost
O(n) time and memory, never O(n^2) pairs.

- **B-cubed** (Bagga & Baldwin 1998; Amigo et al. 2009): for each item, precision is the share
  of its predicted cluster that shares its gold label, recall the share of its gold cluster
  that shares its predicted cluster; both averaged over items.
- **Pair counting**: over all unordered item pairs, a true positive is a pair together in both
  gold and prediction (the "standard" F1 of news-stream clustering papers).

Everything here is pure: no printing, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import NamedTuple

__all__ = ["Scores", "bcubed", "pair_counting", "score"]


class Scores(NamedTuple):
    precision: float
    recall: float
    f1: float


def _f1(precision: float, recall: float) -> float:
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _check(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> None:
    if len(gold) != len(pred):
        raise ValueError(
            f"gold and pred must have the same length. Got {len(gold)} and {len(pred)} instead."
        )


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def bcubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> Scores:
    """B-cubed precision, recall and F1 (all 1.0 for empty input).

    An item in a cell of c items, predicted cluster of size p and gold cluster of size g has
    precision c/p and recall c/g; the cell contributes c times that, hence c^2/p and c^2/g.
    """
    _check(gold, pred)
    n = len(gold)
    if n == 0:
        return Scores(1.0, 1.0, 1.0)
    cells = Counter(zip(gold, pred, strict=True))
    gold_sizes = Counter(gold)
    pred_sizes = Counter(pred)
    precision = sum(c * c / pred_sizes[p] for (_, p), c in cells.items()) / n
    recall = sum(c * c / gold_sizes[g] for (g, _), c in cells.items()) / n
    return Scores(precision, recall, _f1(precision, recall))


def pair_counting(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> Scores:
    """Pair-counting precision, recall and F1 over unordered item pairs.

    With no predicted pairs precision is 1.0 by convention (nothing claimed, nothing wrong);
    with no gold pairs recall is 1.0. F1 is 0.0 when either side has no pairs and the other does.
    """
    _check(gold, pred)
    together_both = sum(_pairs(c) for c in Counter(zip(gold, pred, strict=True)).values())
    together_gold = sum(_pairs(c) for c in Counter(gold).values())
    together_pred = sum(_pairs(c) for c in Counter(pred).values())
    precision = together_both / together_pred if together_pred else 1.0
    recall = together_both / together_gold if together_gold else 1.0
    if together_pred == 0 and together_gold == 0:
        return Scores(1.0, 1.0, 1.0)
    if together_both == 0:
        return Scores(precision, recall, 0.0)
    return Scores(precision, recall, _f1(precision, recall))


def score(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict:
    """Both scores plus cluster counts, as a JSON-ready dict."""
    b3 = bcubed(gold, pred)
    pc = pair_counting(gold, pred)
    return {
        "articles": len(gold),
        "gold_clusters": len(set(gold)),
        "pred_clusters": len(set(pred)),
        "bcubed": b3._asdict(),
        "pairs": pc._asdict(),
    }
