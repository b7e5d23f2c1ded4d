"""Kept analyses (``StoryClusterer.fit(analyses=...)``, what ``update`` stores per article):
the labels never depend on them, a stale one is recomputed, and the store keeps them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib

import pytest
from conftest import SAMPLES

from newsclust.cluster import Analysis, StoryClusterer
from newsclust.incremental.analyses import decode_analyses, encode_analyses
from newsclust.ingest import load_articles
from newsclust.models import Article
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
    stale = Analysis("stale", (), ())
    kept[victim] = stale
    fitted = StoryClusterer().fit(articles, analyses=kept)
    assert fitted.analysed_ == 1
    assert fitted.analyses_[victim] != stale
    assert fitted.analyses_[victim].mentions


def test_a_matching_key_is_trusted(articles):
    """The kept analysis really replaces the work: one with its mentions removed is used."""
    kept = dict(StoryClusterer().fit(articles, analyses={}).analyses_)
    victim = max(articles, key=lambda a: len(kept[a.id].mentions)).id
    kept[victim] = dataclasses.replace(kept[victim], mentions=())
    fitted = StoryClusterer().fit(articles, analyses=kept)
    assert fitted.analysed_ == 0
    assert fitted.analyses_[victim].mentions == ()


def test_kept_analyses_survive_the_database_encoding(articles):
    kept = StoryClusterer().fit(articles, analyses={}).analyses_
    rows = {aid: (key, data) for aid, key, data in encode_analyses(kept)}
    assert decode_analyses(rows) == kept
    # A blob of another layout is not an analysis: the article is analysed again.
    victim = articles[0].id
    rows[victim] = (rows[victim][0], zlib.compress(b'[[["w:x","x","X",0]],[]]'))
    decoded = decode_analyses(rows)
    assert victim not in decoded and len(decoded) == len(kept) - 1


def test_an_edited_article_is_analysed_again(articles):
    kept = StoryClusterer().fit(articles, analyses={}).analyses_
    edited = [dataclasses.replace(articles[0], text=articles[0].text + "\nMayor Quentin Ortega.")]
    fitted = StoryClusterer().fit(edited + articles[1:], analyses=kept)
    assert fitted.analysed_ == 1
    assert any(d == "Quentin Ortega" for _, _, d, _ in fitted.analyses_[edited[0].id].mentions)


NEWS = [
    ("Fire on Elm Road", "Firefighters from Quarry Lane put out a blaze at Elm Road."),
    ("Bridge closed", "The Tamsin Bridge stays shut while engineers inspect cracks."),
    ("Mayor Ortega resigns", "Mayor Quentin Ortega stepped down after the Velsen vote."),
    ("School opens", "Pupils at Brackwater Academy started lessons in new classrooms."),
]


def _page(i: int, day: dt.date, footer: str) -> Article:
    title, text = NEWS[i]
    return Article(id=f"p{i}", text=f"{text}\n{footer}", path=f"p{i}.txt",
                   title=f"{title} | Harbour Gazette", date=day)


def test_kept_analyses_follow_the_chrome_filter_of_the_fit():
    """An analysis made where the footer and the site name were content, used in a corpus
    where they are chrome (repeated over weeks): their names are left out, as in a fresh fit,
    and the same analysis still serves where they are content."""
    footer = "Copyright Harbour Gazette Media, all rights reserved."
    start = dt.date(2024, 1, 1)
    spread = [_page(i, start + dt.timedelta(days=10 * i), footer) for i in range(4)]
    alone = StoryClusterer().fit(spread[:1], analyses={})
    assert alone.analysed_ == 1
    kept = alone.analyses_
    assert any("Harbour" in display for _, _, display, _ in kept["p0"].mentions)

    fresh = StoryClusterer().fit(spread)
    reused = StoryClusterer().fit(spread, analyses=kept)
    assert reused.analysed_ == len(spread) - 1
    vocabulary = set(reused.entity_vectorizer_.vocabulary_)
    assert vocabulary == set(fresh.entity_vectorizer_.vocabulary_)
    assert not any("harbour" in term for term in vocabulary)
    assert reused.labels_ == fresh.labels_

    again = StoryClusterer().fit(spread[:1], analyses=reused.analyses_)
    assert again.analysed_ == 0
    assert set(again.entity_vectorizer_.vocabulary_) == set(alone.entity_vectorizer_.vocabulary_)


# --- the update's own steps, one module each -----------------------------------------------


def test_windows_merge_overlapping_days_into_spans():
    from newsclust.incremental.neighbourhood import windows

    d = dt.date(2025, 3, 10)
    days = [d + dt.timedelta(days=k) for k in (9, 0, 2, 0, 30)]
    assert windows(days, 3) == [
        (d - dt.timedelta(days=3), d + dt.timedelta(days=5)),  # days 0 and 2 overlap
        (d + dt.timedelta(days=6), d + dt.timedelta(days=12)),
        (d + dt.timedelta(days=27), d + dt.timedelta(days=33)),
    ]
    assert windows([], 3) == []


def _articles(*ids: str) -> dict[str, Article]:
    return {i: Article(id=i, text="x", path=i, date=dt.date(2025, 1, int(i[1:]))) for i in ids}


def test_a_grown_story_keeps_its_id_and_a_merge_keeps_the_bigger_ones():
    from newsclust.incremental.plan import _stable_ids
    from newsclust.pipeline import story_id

    members = _articles("a1", "a2", "a3", "a4", "a5", "a6")
    stored = {"a1": "s-old1", "a2": "s-old1", "a3": "s-old2"}
    clusters = [["a1", "a2", "a3", "a4"],  # s-old1 (2 articles) merged with s-old2 (1)
                ["a5", "a6"]]  # all new
    ids = _stable_ids(clusters, stored, members, taken={"s-old1", "s-old2"})
    assert ids[0] == "s-old1"
    assert ids[1] == story_id([members["a5"], members["a6"]])  # as batch names it


def test_a_fresh_id_never_takes_a_stored_one():
    from newsclust.incremental.plan import _stable_ids
    from newsclust.pipeline import story_id

    members = _articles("a1", "a2")
    taken = {story_id([members["a1"]])}  # a stored story already has the first choice
    [sid] = _stable_ids([["a1", "a2"]], {}, members, taken=set(taken))
    assert sid not in taken and sid == story_id([members["a2"]])
