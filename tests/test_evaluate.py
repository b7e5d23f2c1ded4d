"""B-cubed and pair-counting scores: hand-computed cases and brute-force cross-checks."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust.evaluate import Scores, bcubed, pair_counting, score


def approx(scores: Scores, p: float, r: float, f: float) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-12) for x, y in zip(scores, (p, r, f), strict=True))


def test_everything_in_one_cluster():
    gold, pred = ["a", "a", "b"], [1, 1, 1]
    # B-cubed: the two a's are right with 2 of 3, the b with 1 of 3; recall is perfect.
    assert approx(bcubed(gold, pred), 5 / 9, 1.0, 5 / 7)
    # Pairs: 3 predicted, 1 gold, 1 in common.
    assert approx(pair_counting(gold, pred), 1 / 3, 1.0, 0.5)


def test_every_item_alone():
    gold, pred = ["a", "a", "b"], [0, 1, 2]
    assert approx(bcubed(gold, pred), 1.0, 2 / 3, 0.8)
    # No predicted pairs: nothing claimed (precision 1 by convention), nothing found.
    assert approx(pair_counting(gold, pred), 1.0, 0.0, 0.0)


def test_perfect_and_label_names_do_not_matter():
    gold = ["x", "x", "y", "z", "z", "z"]
    pred = [7, 7, 3, 9, 9, 9]
    assert approx(bcubed(gold, pred), 1.0, 1.0, 1.0)
    assert approx(pair_counting(gold, pred), 1.0, 1.0, 1.0)


def test_a_split_cluster():
    gold = ["a", "a", "a", "a"]
    pred = [1, 1, 2, 2]
    assert approx(bcubed(gold, pred), 1.0, 0.5, 2 / 3)
    # Gold pairs 6, predicted 2, both predicted pairs right.
    assert approx(pair_counting(gold, pred), 1.0, 2 / 6, 0.5)


def test_empty_and_all_singletons():
    assert approx(bcubed([], []), 1.0, 1.0, 1.0)
    assert approx(pair_counting([], []), 1.0, 1.0, 1.0)
    assert approx(pair_counting(["a", "b"], [1, 2]), 1.0, 1.0, 1.0)


def test_length_mismatch():
    with pytest.raises(ValueError, match="same length"):
        bcubed(["a"], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        pair_counting(["a"], [])


def test_score_dict():
    result = score(["a", "a", "b"], [1, 1, 2])
    assert result["articles"] == 3
    assert result["gold_clusters"] == 2
    assert result["pred_clusters"] == 2
    assert result["bcubed"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert set(result["pairs"]) == {"precision", "recall", "f1"}


def _brute_pairs(gold, pred):
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(gold)), 2):
        same_gold, same_pred = gold[i] == gold[j], pred[i] == pred[j]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return tp, fp, fn


def _brute_bcubed(gold, pred):
    n = len(gold)
    p = sum(
        sum(pred[j] == pred[i] and gold[j] == gold[i] for j in range(n))
        / sum(pred[j] == pred[i] for j in range(n))
        for i in range(n)
    ) / n
    r = sum(
        sum(pred[j] == pred[i] and gold[j] == gold[i] for j in range(n))
        / sum(gold[j] == gold[i] for j in range(n))
        for i in range(n)
    ) / n
    return p, r


labels = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(labels)
def test_matches_brute_force(rows):
    gold = [g for g, _ in rows]
    pred = [p for _, p in rows]
    tp, fp, fn = _brute_pairs(gold, pred)
    pc = pair_counting(gold, pred)
    if tp + fp:
        assert math.isclose(pc.precision, tp / (tp + fp))
    if tp + fn:
        assert math.isclose(pc.recall, tp / (tp + fn))
    p, r = _brute_bcubed(gold, pred)
    b3 = bcubed(gold, pred)
    assert math.isclose(b3.precision, p) and math.isclose(b3.recall, r)
    assert 0.0 <= b3.f1 <= 1.0 and 0.0 <= pc.f1 <= 1.0
