"""Kept analyses (``StoryClusterer.fit(analyses=...)``, what ``update`` stores per article):
the labels never depend on them, a stale one is recomputed, and the store keeps them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import SAMPLES

from newsclust.cluster import Analysis, StoryClusterer
from newsclust.models import Article
from newsclust.pipeline import load_articles
from newsclust.settings import Settings


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    found, _ = load_articles([SAMPLES], Settings(jobs=1))
    assert len(found) >= 10
    return found


def test_kept_analyses_give_the_labels_of_a_fresh_fit(articles):
    plain = StoryClusterer().fit(articles).labels_
    first = StoryClusterer().fit(articles, analyses={})
    assert first.labels_ == plain
    assert first.analysed_ == len(articles)
    assert set(first.analyses_) == {a.id for a in articles}

    again = StoryClusterer().fit(articles, analyses=first.analyses_)
    assert again.labels_ == plain
    assert again.analysed_ == 0  # nothing analysed twice
    assert again.analyses_ == first.analyses_


def test_an_analysis_with_another_key_is_recomputed_not_used(articles):
    kept = dict(StoryClusterer().fit(articles, analyses={}).analyses_)
    victim = articles[0].id
    empty = Analysis("stale", (), ())
    kept[victim] = empty
    fitted = StoryClusterer().fit(articles, analyses=kept)
    assert fitted.analysed_ == 1
    assert fitted.analyses_[victim] != empty
    assert fitted.analyses_[victim].mentions


def test_a_matching_key_is_trusted(articles):
    """The kept analysis really replaces the work: one with its mentions removed is used."""
    kept = dict(StoryClusterer().fit(articles, analyses={}).analyses_)
    victim = max(articles, key=lambda a: len(kept[a.id].mentions)).id
    kept[victim] = dataclasses.replace(kept[victim], mentions=())
    fitted = StoryClusterer().fit(articles, analyses=kept)
    assert fitted.analysed_ == 0
    assert fitted.analyses_[victim].mentions == ()


def _page(i: int, day: dt.date, footer: str) -> Article:
    text = (f"Officers said resident number {i} of Quarry Lane reported a fire at {i} Elm "
            f"Road on Monday.\n{footer}")
    return Article(id=f"p{i}", text=text, path=f"p{i}.txt", title=f"Fire on Elm Road {i}",
                   date=day)


def test_the_key_follows_the_chrome_filter():
    """The same article analysed in a corpus where its footer is chrome (repeated over weeks)
    and in one where it is not has two keys, so neither analysis stands in for the other."""
    footer = "Copyright Harbour Gazette Media, all rights reserved."
    start = dt.date(2024, 1, 1)
    spread = [_page(i, start + dt.timedelta(days=10 * i), footer) for i in range(4)]
    alone = [spread[0]]
    with_chrome = StoryClusterer().fit(spread, analyses={}).analyses_[spread[0].id]
    without = StoryClusterer().fit(alone, analyses={}).analyses_[spread[0].id]
    assert with_chrome.key != without.key
    assert any("Harbour" in d for _, _, d in without.mentions)
    assert not any("Harbour" in d for _, _, d in with_chrome.mentions)
