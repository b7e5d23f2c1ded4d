"""The benchmark corpus generator (benchmarks/corpus.py) at tiny size: deterministic, and its
gold file names exactly the articles newsclust reads from the folder it writes."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from newsclust.load import load

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import corpus  # noqa: E402

GVA = corpus.DEFAULT_SOURCES[0]
pytestmark = pytest.mark.skipif(not GVA.is_file(), reason="needs ../shared/eval (real texts)")


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One source file keeps the seed build to a second or two; the cache is shared by the tests.
    return tmp_path_factory.mktemp("seeds")


def _generate(out: Path, seeds_dir: Path, n: int, **kwargs) -> Path:
    return corpus.generate(n, out=out, sources=[GVA], cache=seeds_dir, **kwargs)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    return _generate(tmp_path_factory.mktemp("a"), seeds_dir, 300, seed=7)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_gives_identical_files(small: Path, tmp_path: Path, seeds_dir: Path) -> None:
    again = _generate(tmp_path, seeds_dir, 300, seed=7)
    assert corpus.file_digest(again) == corpus.file_digest(small)
    other = _generate(tmp_path, seeds_dir, 300, seed=8)
    assert corpus.file_digest(other) != corpus.file_digest(small)


def test_gold_names_every_article_newsclust_reads(small: Path) -> None:
    gold = {r["id"]: r for r in _jsonl(small / "gold.jsonl")}
    read = list(load([small / "articles"], max_file_bytes=10_000_000))
    assert len(read) == len(gold) == 300
    assert {a.id for a in read} == set(gold)
    assert all(a.text.strip() for a in read)
    # Most files have a header block; some give their title only as the first line (clean's job).
    assert sum(1 for a in read if a.title) > 0.8 * len(read)
    # Copies point at an article of the same story.
    label_of = {r["article"]: r["label"] for r in gold.values()}
    copies = [r for r in gold.values() if r["copy_of"]]
    assert copies
    assert all(label_of[r["copy_of"]] == r["label"] for r in copies)


def test_jsonl_form_matches_the_folder(small: Path) -> None:
    records = _jsonl(small / "corpus.jsonl")
    gold = _jsonl(small / "gold.jsonl")
    assert len(records) == len(gold)
    assert Counter(r["label"] for r in records) == Counter(g["label"] for g in gold)
    for record in records:
        assert {"id", "title", "text", "date", "source", "url", "label", "copy_of"} <= set(record)


def test_realistic_make_up(small: Path) -> None:
    manifest = json.loads((small / "manifest.json").read_text())
    records = _jsonl(small / "corpus.jsonl")
    words = sum(len(r["text"].split()) for r in records) / len(records)
    assert 300 <= words <= 520  # "day" corpus: ~400 words an article
    sizes = Counter(r["label"] for r in records)
    assert max(sizes.values()) > 2 and list(sizes.values()).count(1) > len(sizes) / 3
    assert 0 < manifest["copies"] < 0.3 * len(records)
    dates = {r["date"] for r in records if r["date"]}
    assert len(dates) > 14  # spread over weeks


def test_short_kind_and_prefix_property(tmp_path: Path, seeds_dir: Path) -> None:
    a = _generate(tmp_path / "a", seeds_dir, 200, kind="short", forms=["jsonl"])
    b = _generate(tmp_path / "b", seeds_dir, 260, kind="short", forms=["jsonl"])
    assert not (a / "articles").exists()
    small = {r["id"]: r for r in _jsonl(a / "corpus.jsonl")}
    big = {r["id"]: r for r in _jsonl(b / "corpus.jsonl")}
    words = sum(len(r["text"].split()) for r in small.values()) / len(small)
    assert 55 <= words <= 110  # "short": ~80 words
    # The smaller corpus is the start of the bigger one (same articles, same text).
    assert all(big[i]["text"] == r["text"] for i, r in small.items())
