"""Score a clustering run against the gold labels of a labelled JSONL file.

The metrics live in ``evaluate``; this module only lines up gold and predicted labels. Every
gold article is scored: an article that the run skipped (a paywall page, say) or did not list
counts as a story of its own, which is what a user sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import InputError
from .evaluate import score


def read_gold(path: Path, label_field: str = "label") -> dict[str, str]:
    """Article id → gold label, for the records of ``path`` that carry both."""
    gold: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "id" in record and label_field in record:
                    gold[str(record["id"])] = str(record[label_field])
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if not gold:
        raise InputError(f"{path} has no records with both 'id' and '{label_field}'.")
    return gold


def predicted_labels(report: Mapping[str, Any]) -> dict[str, str]:
    """Article id → story id, from a report in the JSON contract (``render.report_dict``)."""
    labels: dict[str, str] = {}
    for story in report.get("stories", []):
        for article in story.get("articles", []):
            labels[str(article["id"])] = str(story["id"])
    return labels


def read_prediction(path: Path) -> dict[str, str]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"Cannot read the cluster output {path}: {exc}") from None
    if not isinstance(report, dict) or "stories" not in report:
        raise InputError(f"{path} is not a newsclust JSON report (no 'stories').")
    return predicted_labels(report)


def score_against_gold(gold: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, Any]:
    """B-cubed and pair scores over every gold article; unplaced ones count as singletons."""
    ids = sorted(gold)
    gold_labels = [gold[i] for i in ids]
    pred_labels: list[str] = [predicted.get(i, f"alone:{i}") for i in ids]
    result = score(gold_labels, pred_labels)
    result["unplaced"] = sum(1 for i in ids if i not in predicted)
    return result


def format_scores(name: str, result: Mapping[str, Any]) -> Iterable[str]:
    b3, pairs = result["bcubed"], result["pairs"]
    yield f"{name}: {result['articles']} articles"
    yield (f"  B-cubed  P {b3['precision']:.4f}  R {b3['recall']:.4f}  F1 {b3['f1']:.4f}")
    yield (f"  pairs    P {pairs['precision']:.4f}  R {pairs['recall']:.4f}  F1 {pairs['f1']:.4f}")
    yield (
        f"  clusters gold {result['gold_clusters']}  predicted {result['pred_clusters']}"
        f"  (unplaced articles scored alone: {result['unplaced']})"
    )
