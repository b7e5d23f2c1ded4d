"""Merged summary of one story, and the differences between its sources.

``summarize_story(articles, *, max_sentences=5) -> StorySummary`` takes the canonical articles of
one story (copies already removed, 1..N of them) and returns a frozen :class:`StorySummary`
``(title, summary, differences)``:

- ``title``: the source title with the highest word overlap with the other articles, site names
  stripped ("... | Jordan Times", "... - CNN"). Without any title: the best summary sentence in
  headline form ("Lavrov said that X ..." -> "Lavrov: X ..."), at most about 12 words.
- ``summary``: up to ``max_sentences`` :class:`~newsclust.models.SummarySentence`, chosen by a
  score mixing support by the other sources, closeness to the story centroid (TF-IDF) and lead
  position, with redundancy removed (MMR; a counterpart of a chosen sentence is never taken).
  They read in source-date order, then position in the text; a sentence stands where the
  earliest source carrying it (or a counterpart) has it. ``sources`` = ids of every article
  with that sentence or a counterpart (see :mod:`.summary.alignment`), in story order.
- ``differences``: JSON-ready, computed from the texts only, keys always in this order::

    {
      "only_in":   {article_id: [fact, ...]},
      "conflicts": [{"about": str, "values": {article_id: str}}],
      "wording":   [{"articles": [a, b], "texts": [ta, tb], "diff": [op, ...]}],
      "entities":  [{"name": str, "kind": str, "variants": [str, ...], "articles": [id, ...]}],
    }

  ``only_in`` maps an article to the facts no other source has (:mod:`.summary.only_in`):
  ``{"kind": "sentence" | "entity" | "figure", "text": ...}``, entities with a ``"type"``.
  ``conflicts``: the same kind of fact with different values, each value as the source words it
  ("death toll", "magnitude", "place", "date", a counted noun; :mod:`.summary.conflicts`).
  ``wording``: aligned quotes and sentences worded differently, with a word diff
  (:mod:`.summary.rewording`). ``entities``: names that several sources mention, or that one
  source spells two ways (:mod:`.summary.name_groups`).

A single source has nothing to compare with: its summary is its lead (the first sentences fit
for a summary, read only as far as needed), its title its own or its first summary sentence in
headline form, and every difference is empty.

Story order is date (undated last), then id, so the same articles in any order give the same
output. Big stories stay fast: sentences are capped per article (leads kept) and all-pairs work
is done with sparse/dense matrix products. The parts live in :mod:`newsclust.summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsclust.models import Article, SummarySentence
from newsclust.summary.alignment import aligned_pairs, sentence_matrix, sources
from newsclust.summary.conflicts import conflicts
from newsclust.summary.figures import story_figures
from newsclust.summary.headline import single_source_title, story_title
from newsclust.summary.name_groups import entity_entries, group_names
from newsclust.summary.only_in import only_in
from newsclust.summary.rewording import wording
from newsclust.summary.selection import lead_sentences, scores, summary_rows
from newsclust.summary.story import locate, read_story

__all__ = ["StorySummary", "summarize_story"]


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What :func:`summarize_story` returns (see the module docstring for each field)."""

    title: str
    summary: tuple[SummarySentence, ...]
    differences: dict = field(default_factory=dict)


def summarize_story(articles: Sequence[Article], *, max_sentences: int = 5) -> StorySummary:
    """Summarise one story's canonical articles and list where the sources differ."""
    if not articles:
        raise ValueError("summarize_story needs at least one article. Got none.")
    if max_sentences < 1:
        raise ValueError(
            f"The 'max_sentences' parameter of summarize_story must be >= 1. "
            f"Got {max_sentences} instead."
        )
    if len(articles) == 1:
        return _single_source_summary(articles[0], max_sentences)
    docs = read_story(articles)
    groups, name_index = group_names(docs)
    matrix = sentence_matrix(docs, name_index)
    score = scores(docs, matrix)
    summary = tuple(
        SummarySentence(locate(docs, row)[1].text, sources(docs, matrix, row))
        for row in summary_rows(docs, matrix, score, max_sentences)
    )
    figures = story_figures(docs)
    pairs = aligned_pairs(docs, matrix)
    found = conflicts(docs, pairs, figures, groups, name_index)
    differences = {
        "only_in": only_in(docs, matrix, groups, name_index, figures, found),
        "conflicts": found,
        "wording": wording(docs, pairs),
        "entities": entity_entries(groups),
    }
    return StorySummary(story_title(docs, score), summary, differences)


def _single_source_summary(article: Article, max_sentences: int) -> StorySummary:
    # No similarity matrix, no entity extraction: a story of one article must cost little more
    # than reading its lead, as most stories of a day have one article.
    lead = lead_sentences(article.text or "", max_sentences)
    summary = tuple(SummarySentence(s.text, (article.id,)) for s in lead)
    differences = {"only_in": {}, "conflicts": [], "wording": [], "entities": []}
    return StorySummary(single_source_title(article, lead), summary, differences)
