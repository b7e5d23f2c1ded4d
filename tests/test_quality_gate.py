"""Quality gate: clustering scores on the labelled evaluation data must not regress.

Floors sit just under what the default settings reach (see benchmarks/eval_clusters.py for the
full report). Skips cleanly when ../shared/eval is absent (a fresh clone).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from newsclust.cluster import StoryClusterer
from newsclust.evaluate import score
from newsclust.models import Article

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

pytestmark = pytest.mark.slow


def _load(name: str) -> tuple[list[Article], list[str]]:
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo in CI and dev)")
    articles, gold = [], []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        date = dt.date.fromisoformat(row["date"]) if row.get("date") else None
        articles.append(Article(id=row.get("id") or str(i), text=row.get("text") or "",
                                path=name, title=row.get("title"), date=date,
                                source=row.get("source"), url=row.get("url")))
        gold.append(str(row["label"]))
    return articles, gold


@pytest.fixture(scope="module")
def gva():
    articles, gold = _load("gva-dev.jsonl")
    return score(gold, StoryClusterer().fit(articles).labels_)


def test_gva_bcubed(gva):
    assert gva["bcubed"]["f1"] >= 0.933
    assert gva["bcubed"]["precision"] >= 0.970


def test_gva_pairs(gva):
    assert gva["pairs"]["f1"] >= 0.815


def test_wikiref_is_not_one_cluster():
    articles, gold = _load("wikiref220.jsonl")
    result = score(gold, StoryClusterer().fit(articles).labels_)
    # Topic-level gold, event-level clusters: many clusters, and each one pure.
    assert result["pred_clusters"] >= result["gold_clusters"]
    assert result["bcubed"]["precision"] >= 0.95


def test_seed_reports_form_one_story():
    paths = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(paths) < 2:
        pytest.skip(f"{SEEDS} is absent")
    seeds = [Article(id=p.stem, text=p.read_text(encoding="utf-8"), path=p.name) for p in paths]
    assert len(set(StoryClusterer().fit(seeds).labels_)) == 1


def test_gva_through_the_whole_pipeline():
    # What a user gets from `newsclust eval`: cleaning, junk pages skipped, copies collapsed,
    # then stories. Floors just under 0.9393 / 0.8276 (B-cubed / pair F1) reached at default
    # settings; the targets are 0.93 / 0.80.
    from newsclust.pipeline import run
    from newsclust.render import report_dict
    from newsclust.scoring import predicted_labels, read_gold, score_against_gold
    from newsclust.settings import Settings

    path = EVAL / "gva-dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo in CI and dev)")
    report = report_dict(run([path], Settings()))
    result = score_against_gold(read_gold(path), predicted_labels(report))
    assert result["bcubed"]["f1"] >= 0.935
    assert result["pairs"]["f1"] >= 0.82
    assert result["bcubed"]["precision"] >= 0.975
