"""A story's articles as the summarizer reads them.

Articles in story order (date, undated last, then id: the output must not depend on the input
order), each split into sentences with the names every sentence mentions. Sentences are also
numbered story-wide, in that order: a sentence's *row*, its index in the similarity matrix.
"""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice

from newsclust.entities import Entity, extract_names
from newsclust.models import Article
from newsclust.sentences import Memo, Sentence, iter_sentences, word_stems, word_tokens

logger = logging.getLogger(__name__)

#: Caps that keep the all-pairs sentence similarity small for big stories (leads matter most).
MAX_SENTENCES_PER_ARTICLE = 80
MAX_SENTENCES_TOTAL = 3000

_NAME_KINDS = ("person", "place", "org", "other")


@dataclass(slots=True)
class Doc:
    """One article of the story, split and annotated.

    ``order`` is its place in story order; rows ``offset`` to ``end`` are its sentences. For
    ``sentences[i]``: ``mentions[i]`` are the names (not the numbers) in it, ``stems[i]`` the
    stems of its topical words, ``n_words[i]`` its number of words.
    """

    article: Article
    order: int
    sentences: list[Sentence]
    mentions: list[tuple[Entity, ...]]
    stems: list[tuple[str, ...]]
    n_words: list[int]
    offset: int

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def end(self) -> int:
        return self.offset + len(self.sentences)


def _story_order(articles: Sequence[Article]) -> list[Article]:
    # Date first (undated last), then id: the output must not depend on the input order.
    return sorted(articles, key=lambda a: (a.date is None, a.date or dt.date.min, a.id))


def read_story(articles: Sequence[Article]) -> list[Doc]:
    """The articles in story order, split into sentences (a big story keeps only the leads)."""
    ordered = _story_order(articles)
    per_article = max(10, min(MAX_SENTENCES_PER_ARTICLE, MAX_SENTENCES_TOTAL // len(ordered)))
    docs, offset = [], 0
    for order, article in enumerate(ordered):
        sentences = list(islice(iter_sentences(article.text or ""), per_article + 1))
        if len(sentences) > per_article:
            logger.debug("article %s: using its first %d sentences", article.id, per_article)
            sentences = sentences[:per_article]
        read = [_read_sentence[s.text] for s in sentences]
        docs.append(
            Doc(
                article,
                order,
                sentences,
                mentions=[r[0] for r in read],
                stems=[r[1] for r in read],
                n_words=[r[2] for r in read],
                offset=offset,
            )
        )
        offset += len(sentences)
    return docs


def _read(sentence: str) -> tuple[tuple[Entity, ...], tuple[str, ...], int]:
    """The names in a sentence, the stems of its topical words and its number of words."""
    words = word_tokens(sentence)
    names = tuple(e for e in extract_names(sentence) if e.kind in _NAME_KINDS)
    return names, tuple(word_stems(words)), len(words)


# Memoised: outlets reuse wire sentences word for word, so a story often carries the same
# sentence in several of its reports (a fifth of them in a generated day corpus).
_read_sentence = Memo(_read, 20_000)


def locate(docs: list[Doc], row: int) -> tuple[Doc, Sentence]:
    """The article and sentence of a row."""
    return locator(docs)(row)


def locator(docs: list[Doc]) -> Callable[[int], tuple[Doc, Sentence]]:
    """:func:`locate` for many rows of the same docs (their offsets read once)."""
    offsets = [d.offset for d in docs]

    def at(row: int) -> tuple[Doc, Sentence]:
        # The last doc starting at or before the row holds it (an empty doc shares its offset
        # with the doc after it, which comes later in the list).
        doc = docs[bisect_right(offsets, row) - 1]
        return doc, doc.sentences[row - doc.offset]

    return at
