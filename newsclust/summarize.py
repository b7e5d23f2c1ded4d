"""Merged summary of one story, and the differences between its sources.

``summarize_story(articles, *, max_sentences=5) -> StorySummary`` takes the canonical articles of
one story (copies already removed, 1..N of them) and returns a frozen :class:`StorySummary`
``(title, summary, differences)``:

- ``title``: the source title with the highest word overlap with the other articles, site names
  stripped ("... | Jordan Times", "... - CNN"). Without any title: the most central sentence in
  headline form ("Lavrov said that X ..." -> "Lavrov: X ..."), at most about 12 words.
- ``summary``: up to ``max_sentences`` :class:`~newsclust.models.SummarySentence`, chosen by a
  score mixing support by the other sources, closeness to the story centroid (TF-IDF) and lead
  position, with redundancy removed (MMR; a counterpart of a chosen sentence is never taken).
  They read in source-date order, then position in the text; a sentence stands where the
  earliest source carrying it (or a counterpart) has it. ``sources`` = ids of every article
  with that sentence or a counterpart (TF-IDF cosine >= ``ALIGN_THRESHOLD``), in story order.
- ``differences``: JSON-ready, computed from the texts only, keys always in this order::

    {
      "only_in":   {article_id: [fact, ...]},
      "conflicts": [{"about": str, "values": {article_id: str}}],
      "wording":   [{"articles": [a, b], "texts": [ta, tb], "diff": [op, ...]}],
      "entities":  [{"name": str, "kind": str, "variants": [str, ...], "articles": [id, ...]}],
    }

  ``only_in`` maps an article to the facts no other source has; articles without such facts
  are left out, and a single-source story has ``{}``. A fact is one of::

    {"kind": "sentence", "text": "<a sentence with no counterpart in any other source>"}
    {"kind": "entity", "text": "Nagorno Karabakh", "type": "place"}   # person/place/org/other
    {"kind": "figure", "text": "$2.5 billion"}

  in that order (sentences in text order, entities and figures in first-mention order). Figures
  already shown in a conflict, and counts of generic nouns ("the two countries"), are left out.

  ``conflicts``: the same kind of fact with different values, each value as the source words it
  (``"at least 12 people"``, ``"magnitude 6.1"``, ``"Sochi"``, ``"Tuesday"``). ``about`` is:

  - "death toll", "injured", "missing", "magnitude": compared story-wide, each source taken at
    its first sentence giving that measure (leads report the event; later sentences bring
    background and aftershocks); a conflict when two sources share no value.
  - "place": where each source puts the event: places right after "visited", "talks in",
    "met in", "city of", "struck near"...; captions, datelines and adjectives ("the Russian
    city") excluded; a conflict when two sources name disjoint places.
  - "date" (weekday or calendar day) or a counted noun ("degrees", "journalists", "amount",
    "percentage"): compared only between aligned sentences, to stay precise.

  ``wording``: quotes of different sources that align (same words, edited or translated
  differently) and aligned sentences that are similar but not identical, each with a word diff:
  ops ``{"op": "equal"|"delete"|"insert"|"replace", "a": str, "b": str}`` (see
  :mod:`newsclust.wording`). ``articles[0]`` is the earlier source. At most ``MAX_WORDING``.

  ``entities``: names that several sources mention, or that one source spells two ways.
  Spellings are grouped by ``entities.name_key``/``same_name`` and, for people, by surname
  ("Lavrov" joins "Sergei Lavrov" when exactly one full name ends that way). ``name`` is the
  most frequent of the longest spellings of the group's kind; ``variants`` are sorted;
  ``articles`` are in story order. Words only ever used as adjectives ("Russian-mediated") or
  only ever capitalised as a sentence's first word ("Crews ...") are not listed.

Story order is date (undated last), then id, so the same articles in any order give the same
output. Big stories stay fast: sentences are capped per article (leads kept) and all-pairs work
is done with sparse/dense matrix products.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

from newsclust.entities import extract_entities, name_key, same_name
from newsclust.models import Article, SummarySentence
from newsclust.sentences import (
    STOPWORDS,
    Sentence,
    content_tokens,
    fold,
    iter_sentences,
    quotes,
    split_sentences,
    stem,
    word_tokens,
)
from newsclust.wording import quote_similarity, word_diff, word_ratio

__all__ = ["StorySummary", "summarize_story"]

logger = logging.getLogger(__name__)

#: Cosine (TF-IDF) above which two sentences of different sources count as counterparts.
ALIGN_THRESHOLD = 0.27
#: Within one article, sentences this similar repeat each other (the summary keeps one).
SAME_ARTICLE_REPEAT = 0.5
#: Aligned sentences shown in ``wording`` must also share this share of their words, in order;
#: below it a word diff is all "replace" and tells nothing.
WORDING_MIN_RATIO = 0.45
#: Quotes are aligned with each other above this similarity (see ``quote_similarity``).
QUOTE_THRESHOLD = 0.45
#: Caps that keep the all-pairs sentence similarity small for big stories (leads matter most).
MAX_SENTENCES_PER_ARTICLE = 80
MAX_SENTENCES_TOTAL = 3000
MAX_WORDING = 40
#: Full quote comparisons allowed per story (texts full of stray quote marks stay fast).
MAX_QUOTE_COMPARISONS = 10_000

_ENTITY_KINDS = ("person", "place", "org", "other")


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What :func:`summarize_story` returns (see the module docstring for each field)."""

    title: str
    summary: tuple[SummarySentence, ...]
    differences: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Preparing the articles


@dataclass(slots=True)
class _Doc:
    """One article, split and annotated. ``offset`` is its first row in the sentence matrix."""

    article: Article
    order: int
    sentences: list[Sentence]
    mentions: list[list]  # entities.Entity per sentence
    offset: int = 0


def _story_order(articles: Sequence[Article]) -> list[Article]:
    # Date first (undated last), then id: the output must not depend on the input order.
    return sorted(articles, key=lambda a: (a.date is None, a.date or dt.date.min, a.id))


def _prepare(articles: list[Article]) -> list[_Doc]:
    per_article = max(10, min(MAX_SENTENCES_PER_ARTICLE, MAX_SENTENCES_TOTAL // len(articles)))
    docs, offset = [], 0
    for order, article in enumerate(articles):
        sentences = split_sentences(article.text or "")
        if len(sentences) > per_article:
            logger.debug("article %s: using its first %d sentences", article.id, per_article)
            sentences = sentences[:per_article]
        mentions = [
            [e for e in extract_entities(s.text) if e.kind in _ENTITY_KINDS] for s in sentences
        ]
        docs.append(_Doc(article, order, sentences, mentions, offset))
        offset += len(sentences)
    return docs


# --------------------------------------------------------------------------------------------
# Entity groups: spelling variants of one name across the story


@dataclass(slots=True)
class _Group:
    texts: Counter = field(default_factory=Counter)  # spelling -> mentions
    kinds: Counter = field(default_factory=Counter)  # (spelling, kind) -> mentions
    articles: dict = field(default_factory=dict)  # article id -> order
    standalone: bool = False  # seen at least once as a name, not as a modifier ("Russian-led")
    #: seen at least once as a name (not only as a capitalised first word: "Rescue teams ...")
    named: bool = False
    #: Set by :meth:`settle` once every mention is counted.
    kind: str = ""
    name: str = ""

    def settle(self) -> None:
        self.kind = self._kind()
        self.name = self._name(self.kind)

    def _kind(self) -> str:
        # The extractor types a surname alone as "other" ("Lavrov"): a typed mention wins.
        counts = Counter()
        for (_, kind), n in self.kinds.items():
            counts[kind] += n
        typed = [k for k in counts if k != "other"] or ["other"]
        return min(typed, key=lambda k: (-counts[k], k))

    def _name(self, kind: str) -> str:
        # The most frequent spelling among the longest forms of the group's kind:
        # "Sergei Lavrov" rather than "Lavrov", "Russia" (place) rather than "Russian".
        pool = sorted({t for (t, k) in self.kinds if k == kind}) or sorted(self.texts)
        longest = max(len(t.split()) for t in pool)
        full = [t for t in pool if len(t.split()) == longest]
        # Ties go to the spelling seen first (texts keep first-mention order, docs are sorted).
        first_seen = {t: n for n, t in enumerate(self.texts)}
        return min(full, key=lambda t: (-self.texts[t], first_seen[t]))


class _UnionFind:
    def __init__(self, items: list[str]):
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic root: the smaller string.
            self.parent[max(ra, rb)] = min(ra, rb)


def _attach_short_forms(texts: list[str], kinds: dict[str, Counter], uf: _UnionFind) -> None:
    """Shorter forms join a longer name they end ("Lavrov" -> "Sergei Lavrov"), but only when
    exactly one longer group fits: "Trump" must not glue Donald and Ivanka together."""
    # Longer names indexed by the first letter of their last word, so each short form is
    # compared with a handful of names, not with all of them.
    by_last: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        # People only: for places and organisations the last word is often a different thing
        # ("Metropolitano de Lisboa" is not Lisbon, "Countering America's ... Act" not America).
        if len(text.split()) > 1 and "person" in kinds[text]:
            by_last[name_key(text.split()[-1])[:1]].append(text)
    for short in sorted(texts, key=lambda t: (len(t.split()), t)):
        words = short.split()
        roots = {
            uf.find(long)
            for long in by_last.get(name_key(words[-1])[:1], ())
            if len(long.split()) > len(words)
            and _compatible(kinds[short], kinds[long])
            and _tokens_match(words, long.split())
        }
        if len(roots) == 1:
            uf.union(short, roots.pop())


def _tokens_match(short: list[str], long: list[str]) -> bool:
    """``short`` equals the last words of ``long`` ("Tayyip Erdogan" in "Recep Tayyip Erdogan")."""
    tail = long[-len(short) :]
    return all(same_name(a, b) for a, b in zip(short, tail, strict=True))


def _group_entities(docs: list[_Doc]) -> tuple[list[_Group], dict[str, int]]:
    """Group entity spellings; returns the groups (sorted by name) and spelling -> group index."""
    kinds: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for mentions in doc.mentions:
            for entity in mentions:
                kinds[entity.text][entity.kind] += 1
    texts = sorted(kinds)
    uf = _UnionFind(texts)
    # Same key, or near spelling (compared within blocks, to avoid all pairs of names).
    blocks: dict[tuple, list[str]] = defaultdict(list)
    for text in texts:
        key = name_key(text)
        blocks[(len(text.split()), key[:1])].append(text)
    for block in blocks.values():
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                if name_key(a) == name_key(b) or same_name(a, b):
                    uf.union(a, b)
    _attach_short_forms(texts, kinds, uf)
    groups_by_root: dict[str, _Group] = defaultdict(_Group)
    for doc in docs:
        for s, mentions in zip(doc.sentences, doc.mentions, strict=True):
            for entity in mentions:
                group = groups_by_root[uf.find(entity.text)]
                group.texts[entity.text] += 1
                group.kinds[(entity.text, entity.kind)] += 1
                group.articles[doc.article.id] = doc.order
                group.standalone = group.standalone or not _used_as_modifier(entity, s.text)
                group.named = group.named or not _only_sentence_initial(entity, s.text)
    for group in groups_by_root.values():
        group.settle()
    groups = sorted(groups_by_root.values(), key=lambda g: (g.name, sorted(g.texts)))
    index = {text: i for i, g in enumerate(groups) for text in g.texts}
    return groups, index


def _only_sentence_initial(entity, sentence: str) -> bool:
    """A lone capitalised word that only ever starts the sentence may be any word ("Crews",
    "Flames", "Traffic"): we cannot tell it is a name. Known kinds and longer names are trusted."""
    if entity.kind != "other" or len(entity.text.split()) > 1:
        return False
    return all(
        not _WORD_CHAR.search(sentence, 0, start) for start in _occurrences(entity.text, sentence)
    )


def _used_as_modifier(entity, sentence: str) -> bool:
    """True when every use of a name qualifies a noun ("Russian-mediated truce", "AFP photo").

    Only single words are suspects: full names of people and places are names whatever follows
    them ("Recep Tayyip Erdogan seek to ...").
    """
    name = entity.text
    if _HYPHENATED.search(name):
        return True
    if entity.kind == "person" or len(name.split()) > 1:
        return False
    ends = [start + len(name) for start in _occurrences(name, sentence)]
    return bool(ends) and all(_qualifies_noun(sentence[end:]) for end in ends)


_WORD_CHAR = re.compile(r"\w")
_HYPHENATED = re.compile(r"-[a-z]")


def _occurrences(name: str, text: str) -> Iterator[int]:
    """Start of each non-overlapping occurrence of ``name`` in ``text``, left to right."""
    start = text.find(name)
    while start >= 0:
        yield start
        start = text.find(name, start + len(name))


def _compatible(kinds_a: Counter, kinds_b: Counter) -> bool:
    """Two spellings may name one thing unless they are clearly of different kinds."""
    a = {k for k in kinds_a if k != "other"}
    b = {k for k in kinds_b if k != "other"}
    return not a or not b or bool(a & b)


# --------------------------------------------------------------------------------------------
# Sentence similarity


@dataclass(slots=True)
class _Matrix:
    """Sentence vectors and similarities for the whole story.

    ``sim[i, j]`` is the cosine of sentences i and j; ``best[i, k]`` the best cosine of sentence
    i with any sentence of article k (0 for its own article); ``owner[i]`` the article index.
    """

    vectors: object  # scipy sparse, rows L2-normalised
    sim: np.ndarray
    best: np.ndarray
    owner: np.ndarray


def _sentence_tokens(doc: _Doc, s: Sentence, entity_index: dict[str, int]) -> list[str]:
    # A name counts once, as its entity group: "Sergey Lavrov" and "Sergei Lavrov" become the same
    # token, and a long name ("Recep Tayyip Erdogan") does not outweigh the rest of the sentence.
    mentions = [e for e in doc.mentions[s.index] if e.text in entity_index]
    name_words = {t for e in mentions for t in _name_tokens(e.text)}
    tokens = [t for t in content_tokens(s.text) if t not in name_words]
    return tokens + [f"@{entity_index[e.text]}" for e in mentions]


@lru_cache(maxsize=50_000)
def _name_tokens(name: str) -> tuple[str, ...]:
    # Cached: a story names the same few people and places in sentence after sentence.
    return tuple(content_tokens(name))


def _similarities(docs: list[_Doc], entity_index: dict[str, int]) -> _Matrix:
    rows = [_sentence_tokens(d, s, entity_index) for d in docs for s in d.sentences]
    owner = np.array([d.order for d in docs for _ in d.sentences], dtype=np.int64)
    if not any(rows):
        n = len(rows)
        return _Matrix(None, np.zeros((n, n), np.float32), np.zeros((n, len(docs))), owner)
    vectors = _tfidf(rows)
    sim = (vectors @ vectors.T).toarray().astype(np.float32)
    np.fill_diagonal(sim, 0.0)
    best = np.zeros((len(rows), len(docs)), dtype=np.float32)
    for doc in docs:
        if doc.sentences:
            block = sim[:, doc.offset : doc.offset + len(doc.sentences)]
            best[:, doc.order] = block.max(axis=1)
    best[np.arange(len(rows)), owner] = 0.0
    return _Matrix(vectors, sim, best, owner)


def _tfidf(rows: list[list[str]]) -> sparse.csr_matrix:
    """Rows of tokens as L2-normalised TF-IDF vectors (sublinear tf, smoothed idf).

    The weighting of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``, without its
    per-call validation, which cost more than the arithmetic for the small matrices of a story.
    """
    vocabulary = {token: n for n, token in enumerate(sorted({t for row in rows for t in row}))}
    n_rows, n_terms = len(rows), len(vocabulary)
    row_of_token = np.repeat(np.arange(n_rows, dtype=np.int64), [len(row) for row in rows])
    term_of_token = np.fromiter((vocabulary[t] for row in rows for t in row), dtype=np.int64)
    # One cell per (row, term), sorted by row then term: the CSR layout, with its counts.
    cells, counts = np.unique(row_of_token * n_terms + term_of_token, return_counts=True)
    row_of, term_of = np.divmod(cells, n_terms)
    document_frequency = np.bincount(term_of, minlength=n_terms)
    idf = np.log((n_rows + 1) / (document_frequency + 1.0)) + 1.0
    weights = (np.log(counts.astype(np.float64)) + 1.0) * idf[term_of]
    norms = np.sqrt(np.bincount(row_of, weights=weights * weights, minlength=n_rows))
    weights /= norms[row_of]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(row_of, minlength=n_rows))))
    return sparse.csr_matrix((weights, term_of, indptr), shape=(n_rows, n_terms))


# --------------------------------------------------------------------------------------------
# Summary


def _scores(docs: list[_Doc], matrix: _Matrix) -> np.ndarray:
    """Centrality of each sentence: support by other sources, closeness to the story, position."""
    n_rows = matrix.sim.shape[0]
    if n_rows == 0:
        return np.zeros(0)
    # Centroid of the articles (each normalised, so long articles do not outweigh short ones).
    centroid = np.zeros(matrix.vectors.shape[1]) if matrix.vectors is not None else None
    central = np.zeros(n_rows)
    if centroid is not None:
        for doc in docs:
            if doc.sentences:
                block = matrix.vectors[doc.offset : doc.offset + len(doc.sentences)]
                vec = np.asarray(block.sum(axis=0)).ravel()
                norm = np.linalg.norm(vec)
                if norm:
                    centroid += vec / norm
        norm = np.linalg.norm(centroid)
        if norm:
            central = matrix.vectors @ (centroid / norm)
    support = np.zeros(n_rows)
    if len(docs) > 1:
        support = matrix.best.sum(axis=1) / (len(docs) - 1)
    position = np.array([max(0.0, 1.0 - s.index / 8) for d in docs for s in d.sentences])
    score = 0.45 * support + 0.35 * central + 0.2 * position
    for doc in docs:
        for s in doc.sentences:
            if _poor_summary_sentence(s, len(word_tokens(s.text))):
                score[doc.offset + s.index] -= 1.0
    return score


def _poor_summary_sentence(sentence: Sentence, n_words: int) -> bool:
    # Captions and fragments are poor summary sentences; very long ones read badly.
    return sentence.caption or n_words < 6 or n_words > 60


def _select(docs: list[_Doc], matrix: _Matrix, score: np.ndarray, k: int) -> list[int]:
    """MMR: best score first, each next one penalised by its similarity to those chosen."""
    # Candidates in score order (ties by row), so the first maximum is the pick.
    rows = np.lexsort((np.arange(len(score)), -score))
    base = 0.75 * score[rows]
    redundancy = np.zeros(len(rows), dtype=np.float32)
    excluded = np.zeros(len(rows), dtype=bool)  # chosen, or says what a chosen sentence says
    chosen: list[int] = []
    while len(chosen) < k:
        value = np.where(excluded, -np.inf, base - 0.25 * redundancy)
        pick = int(np.argmax(value)) if len(value) else 0
        if not len(value) or value[pick] == -np.inf:
            break
        row = int(rows[pick])
        chosen.append(row)
        similarity = matrix.sim[rows, row]
        redundancy = np.maximum(redundancy, similarity)
        # A counterpart in another source, or a near repeat in the same one (sentences of one
        # article share its topic words without repeating each other).
        same_article = matrix.owner[rows] == matrix.owner[row]
        excluded |= np.where(
            same_article, similarity >= SAME_ARTICLE_REPEAT, similarity >= ALIGN_THRESHOLD
        )
        excluded[pick] = True
    return chosen


def _sources(docs: list[_Doc], matrix: _Matrix, row: int) -> tuple[str, ...]:
    own = int(matrix.owner[row])
    return tuple(
        d.article.id for d in docs if d.order == own or matrix.best[row, d.order] >= ALIGN_THRESHOLD
    )


def _locate(docs: list[_Doc], row: int) -> tuple[_Doc, Sentence]:
    # The last doc starting at or before the row holds it (an empty doc shares its offset with
    # the doc after it, which comes later in the list).
    doc = docs[bisect_right([d.offset for d in docs], row) - 1]
    return doc, doc.sentences[row - doc.offset]


def _summary(docs: list[_Doc], matrix: _Matrix, score: np.ndarray, k: int) -> list[int]:
    """Chosen rows in reading order: source date, then position in the text.

    A sentence stands where the earliest source that carries it (or a counterpart) puts it, so
    a later source's better wording of the lead still comes first. Docs are in date order, so
    the row number of that counterpart is the sort key.
    """

    def earliest(row: int) -> tuple[int, int]:
        for doc in docs:
            if doc.order == matrix.owner[row]:
                return (row, row)
            if doc.sentences and matrix.best[row, doc.order] >= ALIGN_THRESHOLD:
                block = matrix.sim[row, doc.offset : doc.offset + len(doc.sentences)]
                return (doc.offset + int(np.argmax(block)), row)
        return (row, row)

    return sorted(_select(docs, matrix, score, k), key=earliest)


# --------------------------------------------------------------------------------------------
# Title


_SITE_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")


def _strip_site(title: str) -> str:
    """Drop a site name before or after the headline ("... | Jordan Times", "CNN - ...")."""
    parts = [p.strip() for p in _SITE_SEPARATOR.split(" ".join(title.split())) if p.strip()]
    if len(parts) < 2:
        return " ".join(title.split())

    def is_site(part: str) -> bool:
        words = part.split()
        return len(words) <= 4 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)

    while len(parts) > 1 and is_site(parts[-1]) and len(" ".join(parts[:-1]).split()) >= 3:
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]) and len(" ".join(parts[1:]).split()) >= 3:
        parts.pop(0)
    return " - ".join(parts)


def _title(docs: list[_Doc], matrix: _Matrix, score: np.ndarray) -> str:
    titled = [(d, _strip_site(d.article.title)) for d in docs if (d.article.title or "").strip()]
    if titled:
        bags = {
            d.article.id: set(content_tokens(f"{d.article.title or ''} {d.article.text}"))
            for d in docs
        }

        def representativeness(item: tuple[_Doc, str]) -> float:
            doc, title = item
            words = set(content_tokens(title))
            others = [bags[d.article.id] for d in docs if d is not doc]
            if not words or not others:
                return 0.0
            return sum(len(words & bag) / len(words) for bag in others) / len(others)

        best = max(titled, key=lambda item: (representativeness(item), -item[0].order))
        return best[1]
    if len(score) == 0:
        return ""
    top = min(range(len(score)), key=lambda i: (-score[i], i))
    return _shorten(_locate(docs, top)[1].text)


#: "Russian Foreign Minister Sergey Lavrov said on Tuesday that ...": who, then what was said.
_ATTRIBUTION = re.compile(
    r"^(?P<who>(?:[\w’'.-]+\s+){0,7}?[A-Z][\w’'-]+)\s+"
    r"(?:said|says|announced|stated|told reporters)(?:\s+on\s+\w+)?(?:\s+that)?\s+(?P<what>.+)$"
)


def _shorten(sentence: str, limit: int = 12) -> str:
    """A headline-sized version of a sentence.

    The first clause, with a leading attribution turned into the headline form ("Lavrov said
    that X will ..." -> "Lavrov: X will ..."); cut to ``limit`` words if still too long.
    """
    text = sentence.strip().rstrip(".!?")
    if len(text.split()) <= limit + 2:
        return text
    clause = re.split(r",\s|;\s|\s[—–]\s", text)[0]
    said = _ATTRIBUTION.match(clause)
    if said and len(said.group("what").split()) >= 4:
        what = said.group("what")
        clause = f"{said.group('who').split()[-1]}: {what[:1].upper()}{what[1:]}"
    words = clause.split()
    if 6 <= len(words) <= limit + 2:
        return clause
    words = words if len(words) >= 6 else text.split()
    return " ".join(words[:limit]).rstrip(",;:") + "…"


# --------------------------------------------------------------------------------------------
# Figures


_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_FIGURE = re.compile(
    r"(?<![\w.\-/$€£¥])"  # not part of a model name (S-400), a version or a date (2020/12)
    r"(?P<qual>(?:at least|more than|less than|fewer than|over|about|around|nearly|almost|some|"
    r"up to|roughly|approximately)\s+)?"
    r"(?P<cur>US\$|[$€£¥])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + r"(?:"
    + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
    + r")\b"
    + r")(?![\w,]*\d)"
    r"(?P<scale>\s(?:thousand|million|mn|billion|bn|trillion)\b)?"
    r"(?P<pct>\s?%|\spercent\b|\sper cent\b)?",
    re.IGNORECASE,
)

#: The measures of an event that sources report and that must agree across the whole texts:
#: a trigger word after the number ("12 people were killed") or just before it ("killing 12").
#: Words in between are separated by spaces only: a comma ends the phrase.
_GAP = r"(?:[\w’'-]+ +){0,3}?"
_MEASURES_AFTER = {
    "death toll": re.compile(
        rf"^[ -]*{_GAP}(?:dead|killed|died|deaths?|lives|fatalities|bodies|perished)\b", re.I
    ),
    "injured": re.compile(rf"^[ -]*{_GAP}(?:injured|wounded|hurt|injuries)\b", re.I),
    "missing": re.compile(rf"^[ -]*{_GAP}missing\b", re.I),
}
_MEASURES_BEFORE = {
    "death toll": re.compile(rf"\b(?:death toll|toll|killing|killed) +{_GAP}$", re.I),
    "injured": re.compile(rf"\b(?:injuring|wounding|injured|wounded) +{_GAP}$", re.I),
}
_MAGNITUDE_BEFORE = re.compile(r"magnitude(?:\s+of)?[\s-]*$", re.I)
_MAGNITUDE_AFTER = re.compile(rf"^[\s-]*magnitude\b|^[ -]*{_GAP}richter\b", re.I)
_MONTH_WORD = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
)


@dataclass(frozen=True, slots=True)
class _Figure:
    text: str  # as shown: "$2.5 billion", "more than 6,000 lives", "magnitude 5.8"
    value: float
    about: str  # key: a measure ("death toll"...), "amount", "percent" or the noun's stem
    label: str  # what ``about`` is called in a conflict: "death toll", "degrees"
    measure: bool  # about is an event measure, comparable across whole texts
    sentence: int  # index of the sentence in its article


def _date_like(match: re.Match, before: str, after: str) -> bool:
    """Years ("in 2011"), days of a month ("3 March", "June 17") and clock times."""
    num = match.group("num")
    if match.group("cur") or match.group("scale") or not num.isdigit():
        return False
    if 1900 <= int(num) <= 2100 and not re.match(r"^\s*(?:people|dead|killed|troops)", after):
        return True
    if (
        _MONTH_WORD.match(after.lstrip())
        or re.search(r"\b[A-Z][a-z]{2,8}\.? $", before)
        and (_MONTH_WORD.search(before[-11:]))
    ):
        return True
    return bool(re.match(r"^[:/.]\d|^\s*(?:a\.m|p\.m|am\b|pm\b|GMT|UTC)", after))


def _figures(sentence: Sentence) -> list[_Figure]:
    text = sentence.text
    if not _may_hold_figures(text):
        return []
    found = []
    for match in _FIGURE.finditer(text):
        num = match.group("num").lower()
        before, after = text[: match.start()], text[match.end() :]
        if _date_like(match, before, after):
            continue  # dates and times are not counts
        value = float(_WORD_NUMBERS.get(num) or num.replace(",", ""))
        value *= _SCALES.get((match.group("scale") or "").strip().lower(), 1.0)
        figure = _classify(match.group(0).strip(), value, match, before, after, sentence.index)
        if figure:
            found.append(figure)
    return found


_DIGIT = re.compile(r"\d")
_NON_WORD = re.compile(r"\W+")


def _may_hold_figures(text: str) -> bool:
    """A cheap test that lets most sentences skip the (slow) figure pattern: a figure needs a
    digit or a number word. Text beyond ASCII goes to the pattern (case folding rules there)."""
    if not text.isascii() or _DIGIT.search(text):
        return True
    return not _WORD_NUMBERS.keys().isdisjoint(_NON_WORD.split(text.lower()))


def _nearest_measure_before(before: str) -> str | None:
    """The measure whose trigger word stands closest before the number ("injuring 48")."""
    hits = [(m.start(), about) for about, p in _MEASURES_BEFORE.items() if (m := p.search(before))]
    return max(hits)[1] if hits else None


def _classify(core, value, match, before, after, index) -> _Figure | None:
    def figure(text: str, about: str, label: str, measure: bool = False) -> _Figure:
        return _Figure(text.strip(), value, about, label, measure, index)

    if _MAGNITUDE_BEFORE.search(before) or _MAGNITUDE_AFTER.match(after):
        return figure(f"magnitude {match.group('num')}", "magnitude", "magnitude", True)
    if match.group("cur"):
        return figure(core, "amount", "amount")
    if match.group("pct"):
        return figure(core, "percent", "percentage")
    for about, pattern in _MEASURES_AFTER.items():
        hit = pattern.match(after)
        if hit:
            return figure(f"{core}{after[: hit.end()]}", about, about, True)
    shown, key, label = _noun_after(after)
    about = _nearest_measure_before(before)
    if about:
        return figure(f"{core} {shown}", about, about, True)
    if not key:
        return None  # a bare number with nothing counted: too vague to compare
    if key in _CURRENCY_WORDS:  # "2.5 billion dollars" is the same fact as "$2.5 billion"
        return figure(f"{core} {shown}", "amount", "amount")
    return figure(f"{core}{shown}" if shown.startswith("-") else f"{core} {shown}", key, label)


#: Nouns too generic to make a count a fact of its own ("the two countries", "both sides").
_GENERIC_NOUNS = frozenset(
    map(
        stem,
        (
            "country", "side", "nation", "time", "way", "thing", "part", "minister",
            "government", "capital", "leader", "party",
        ),
    )
)  # fmt: skip
_CURRENCY_WORDS = frozenset(
    map(stem, ("dollar", "euro", "pound", "usd", "eur", "yuan", "rouble", "ruble"))
)
#: First words of two-word units: "225 basis points", "3 percentage points", "40 square metres".
_UNIT_PREFIXES = frozenset({"basis", "percentage", "square", "cubic"})
_ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "able", "ible", "ful", "less", "ary")


def _noun_after(after: str) -> tuple[str, str, str]:
    """What a number counts: (words as shown, key, label).

    "two Russian journalists" -> ("Russian journalists", "journalist", "journalists");
    "six-week war" -> ("-week war", "week", "week"); "225 basis points" -> ("basis points", ...).
    """
    hyphen = re.match(r"^((?:-[A-Za-z]+)+)(?: +([a-z][\w’'-]*))?", after)
    if hyphen:  # "six-week war", "44-year-old guard": the unit is the hyphenated part
        unit = hyphen.group(1)
        noun = hyphen.group(2) or ""
        shown = f"{unit} {noun}" if noun and noun not in STOPWORDS else unit
        return shown, fold(unit[1:]), fold(unit[1:])
    words = re.match(r"^ +((?:[\w’'-]+ +){0,3}[\w’'-]+)", after)
    if not words:
        return "", "", ""
    tokens = words.group(1).split()
    for n, word in enumerate(tokens):
        low = fold(word).rstrip("'’")
        if word[:1].isupper() or low in {"more", "other", "of", "the", "a"}:
            continue  # "two Russian journalists": skip the adjective of nationality
        if low in STOPWORDS or not content_tokens(low):
            return "", "", ""
        following = tokens[n + 1] if n + 1 < len(tokens) else ""
        two_words = (
            following[:1].islower()
            and following not in STOPWORDS
            and (low in _UNIT_PREFIXES or "-" in low or low.endswith(_ADJECTIVE_ENDINGS))
        )
        if two_words:  # "direct-debit customers", "basis points"
            low = f"{low} {fold(following).rstrip(chr(39) + '’')}"
            n += 1
        shown = " ".join(tokens[: n + 1]).rstrip("'’")
        return shown, " ".join(stem(w) for w in low.split()), low
    return "", "", ""


# --------------------------------------------------------------------------------------------
# Dates and places


_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_CALENDAR = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTHS})\.?|(?P<m2>{_MONTHS})\.?\s+(?P<d2>\d{{1,2}}))\b"
)


def _dates(text: str) -> dict[str, set[str]]:
    """Explicit days in a sentence, by kind: weekday names and calendar days ("29 Dec")."""
    calendar = set()
    for m in _CALENDAR.finditer(text):
        month = (m.group("m1") or m.group("m2"))[:3].title()
        calendar.add(f"{int(m.group('d1') or m.group('d2'))} {month}")
    return {"weekday": set(_WEEKDAY.findall(text)), "calendar": calendar}


#: Words right before a place that make it the place of the event (not a background place).
_EVENT_PLACE_TRIGGER = re.compile(
    r"(?:\bvisit(?:ed|ing|s)?|\barriv(?:ed|es|ing)\s+(?:in|at)"
    r"|\b(?:met|meet|meets|meeting|meetings|talks|summit|conference|held|hosted|gathered|signed)"
    r"\s+(?:\w+\s+){0,2}?(?:in|at)"
    r"|\b(?:city|town|village|resort|capital|province|region)\s+of"
    r"|\b(?:struck|hit|rocked|shook)(?:\s+(?:near|off))?|\bepicent(?:er|re)\s+(?:\w+\s+){0,2}?"
    r"(?:in|near|off))\s+(?:the\s+)?$",
    re.IGNORECASE,
)


#: Lower-case words after a name that do not make it an adjective ("Moscow last week").
_NOT_QUALIFIED = STOPWORDS | {"last", "next", "early", "late", "earlier", "later", "today"}


_NEXT_LOWER_WORD = re.compile(r"[\s-]+([a-z][\w'’-]*)")


def _qualifies_noun(rest: str) -> bool:
    """True when ``rest`` (the text right after a name) starts with a noun the name qualifies:
    "Turkish government", "Russian-mediated truce", "AFP photo"."""
    match = _NEXT_LOWER_WORD.match(rest)
    # A past-tense verb after a name is its action, not its noun ("Lavrov stressed").
    return (
        bool(match) and match.group(1) not in _NOT_QUALIFIED and not match.group(1).endswith("ed")
    )


def _event_places(doc: _Doc, entity_index: dict[str, int], groups: list[_Group]) -> dict:
    """Places each source gives for the event: entity group index -> spelling as written."""
    places: dict[int, str] = {}
    for s in doc.sentences:
        if s.caption:
            continue  # captions place the photo, e.g. a meeting room, not the reported event
        for entity in doc.mentions[s.index]:
            group = entity_index.get(entity.text)
            if group is None or groups[group].kind not in ("place", "other"):
                continue
            for start in _occurrences(entity.text, s.text):
                if _qualifies_noun(s.text[start + len(entity.text) :]):
                    continue  # "the Russian city of Sochi": a name used as an adjective
                if _EVENT_PLACE_TRIGGER.search(s.text[:start][-60:]):
                    places.setdefault(group, entity.text)
                    break
    return places


# --------------------------------------------------------------------------------------------
# Differences


def _pairs(docs: list[_Doc], matrix: _Matrix) -> list[tuple[int, int]]:
    """Aligned sentence pairs (i earlier article, j later): j's best counterpart in i's article.

    Each sentence j is paired once, with the earliest article where it has a counterpart, so a
    story of many sources gives a list that grows with the sentences, not with their pairs.
    """
    pairs = []
    for j in range(matrix.sim.shape[0]):
        own = int(matrix.owner[j])
        for doc in docs[:own]:
            if not doc.sentences or matrix.best[j, doc.order] < ALIGN_THRESHOLD:
                continue
            block = matrix.sim[j, doc.offset : doc.offset + len(doc.sentences)]
            pairs.append((doc.offset + int(np.argmax(block)), j))
            break
    return sorted(pairs)


def _only_in(docs, matrix, groups, entity_index, figures, conflicts) -> dict[str, list[dict]]:
    if len(docs) < 2:
        return {}
    out: dict[str, list[dict]] = {}
    for doc in docs:
        facts: list[dict] = []
        for s in doc.sentences:
            row = doc.offset + s.index
            if matrix.best[row].max(initial=0.0) < ALIGN_THRESHOLD:
                facts.append({"kind": "sentence", "text": s.text})
        facts += _only_entities(doc, groups, entity_index)
        # A figure is the same fact elsewhere when its value counts the same thing.
        elsewhere = {(f.value, f.about) for d in docs if d is not doc for f in figures[d.order]}
        # A value already shown side by side in a conflict is not repeated as a lone fact.
        seen = {
            text
            for c in conflicts
            if doc.article.id in c["values"]
            for text in c["values"][doc.article.id].split("; ")
        }
        for figure in figures[doc.order]:
            if figure.about in _GENERIC_NOUNS:
                continue
            if (figure.value, figure.about) not in elsewhere and figure.text not in seen:
                seen.add(figure.text)
                facts.append({"kind": "figure", "text": figure.text})
        if facts:
            out[doc.article.id] = facts
    return out


def _only_entities(doc: _Doc, groups: list[_Group], entity_index: dict[str, int]) -> list[dict]:
    facts, seen = [], set()
    for mentions in doc.mentions:
        for entity in mentions:
            number = entity_index.get(entity.text)
            if number is None or number in seen:
                continue
            group = groups[number]
            if list(group.articles) != [doc.article.id] or not _is_name(group):
                continue  # mentioned elsewhere too, or not a name we can trust
            seen.add(number)
            facts.append({"kind": "entity", "text": group.name, "type": group.kind})
    return facts


def _measure_conflicts(docs: list[_Doc], figures: dict[int, list[_Figure]]) -> list[dict]:
    """Event measures (death toll, magnitude...) whose values no two sources share.

    Each source is taken at its first sentence giving the measure: leads report the event
    itself, while later sentences bring background ("In 2001 a magnitude 8.4 quake ...") and
    aftershocks. Within that sentence all values count, so an update ("rose from 12 to 14")
    agrees with both the old and the new figure; only disjoint values are a disagreement.
    """
    conflicts = []
    abouts = sorted({f.about for figs in figures.values() for f in figs if f.measure})
    for about in abouts:
        values: dict[str, tuple[set[float], list[str]]] = {}
        for doc in docs:
            mine = [f for f in figures[doc.order] if f.measure and f.about == about]
            if mine:
                mine = [f for f in mine if f.sentence == mine[0].sentence]
                texts = list(dict.fromkeys(f.text for f in mine))
                values[doc.article.id] = ({f.value for f in mine}, texts)
        sets = [v[0] for v in values.values()]
        if any(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :]):
            conflicts.append(
                {"about": about, "values": {k: "; ".join(v[1]) for k, v in values.items()}}
            )
    return conflicts


def _aligned_conflicts(docs, matrix, pairs, figures) -> list[dict]:
    """Figures with the same noun, and explicit days, that differ between aligned sentences.

    Sentences aligned to the same anchor sentence (of the earliest source) form one group, so
    three sources disagreeing on one figure give one conflict with three values.
    """
    groups: dict[tuple, dict] = {}
    for i, j in pairs:
        (doc_a, sa), (doc_b, sb) = _locate(docs, i), _locate(docs, j)
        ids = (doc_a.article.id, doc_b.article.id)
        fa = [f for f in figures[doc_a.order] if f.sentence == sa.index and not f.measure]
        fb = [f for f in figures[doc_b.order] if f.sentence == sb.index and not f.measure]
        for about in sorted({f.about for f in fa} & {f.about for f in fb}):
            va = {f.value: f.text for f in fa if f.about == about}
            vb = {f.value: f.text for f in fb if f.about == about}
            if va.keys().isdisjoint(vb.keys()):
                label = next(f.label for f in fa if f.about == about)
                entry = groups.setdefault((i, about), {"about": label, "values": {}})
                entry["values"][ids[0]] = "; ".join(va.values())
                entry["values"][ids[1]] = "; ".join(vb.values())
        da, db = _dates(sa.text), _dates(sb.text)
        for kind in ("calendar", "weekday"):
            if da[kind] and db[kind] and da[kind].isdisjoint(db[kind]):
                entry = groups.setdefault((i, f"date:{kind}"), {"about": "date", "values": {}})
                entry["values"][ids[0]] = ", ".join(sorted(da[kind]))
                entry["values"][ids[1]] = ", ".join(sorted(db[kind]))
    return [groups[key] for key in sorted(groups)]


def _place_conflict(docs, groups, entity_index) -> list[dict]:
    places = {d.article.id: _event_places(d, entity_index, groups) for d in docs}
    places = {k: v for k, v in places.items() if v}
    keys = [set(v) for v in places.values()]
    if not any(a.isdisjoint(b) for i, a in enumerate(keys) for b in keys[i + 1 :]):
        return []
    values = {k: ", ".join(v[g] for g in sorted(v)) for k, v in places.items()}
    return [{"about": "place", "values": values}]


def _conflicts(docs, matrix, pairs, figures, groups, entity_index) -> list[dict]:
    if len(docs) < 2:
        return []
    found = _measure_conflicts(docs, figures)
    found += _aligned_conflicts(docs, matrix, pairs, figures)
    found += _place_conflict(docs, groups, entity_index)
    unique = {}
    for conflict in found:
        key = (conflict["about"], tuple(sorted(conflict["values"].items())))
        unique.setdefault(key, conflict)
    return [unique[k] for k in sorted(unique)]


def _quote_pairs(docs: list[_Doc]) -> list[tuple[int, str, int, str]]:
    """Aligned quotes worded differently: (article a order, quote a, article b order, quote b).

    Each quote is paired with its best counterpart in the earliest source that has one. Only
    quotes sharing at least two word stems (one for very short quotes) are compared in full: the
    sparse product finds those pairs without trying every pair of quotes in a big story.
    """
    flat = [(d.order, q) for d in docs for q in quotes(d.article.text or "")]
    if len(flat) < 2:
        return []
    stems = [set(content_tokens(q)) for _, q in flat]
    # Quotes by stem, so each quote meets only the earlier quotes it shares words with.
    quotes_with: dict[str, list[int]] = defaultdict(list)
    for i, quote_stems in enumerate(stems):
        for token in quote_stems:
            quotes_with[token].append(i)
    pairs, budget = [], MAX_QUOTE_COMPARISONS
    for j, (b, qb) in enumerate(flat):
        if budget <= 0:
            logger.info("quotes: comparison budget spent; later quotes left unaligned")
            break
        shared = Counter(i for token in stems[j] for i in quotes_with[token] if flat[i][0] < b)
        candidates = sorted(
            i
            for i, n in shared.items()
            if n >= (1 if min(len(stems[i]), len(stems[j])) <= 2 else 2)
        )
        by_article: dict[int, list[int]] = defaultdict(list)
        for i in candidates:
            by_article[flat[i][0]].append(i)
        for a in sorted(by_article):
            budget -= len(by_article[a])
            similarity, _, qa = max(
                (quote_similarity(flat[i][1], qb, floor=QUOTE_THRESHOLD), -i, flat[i][1])
                for i in by_article[a]
            )
            if similarity >= QUOTE_THRESHOLD:
                if fold(" ".join(word_tokens(qa))) != fold(" ".join(word_tokens(qb))):
                    pairs.append((a, qa, b, qb))
                break  # paired with the earliest source that has it (even if identical)
    return pairs


def _wording(docs: list[_Doc], pairs: list[tuple[int, int]]) -> list[dict]:
    # Entries read in story order: by article pair, then where the later source has the text
    # (a quote sorts before the sentence it stands in).
    entries = []
    quote_pairs = _quote_pairs(docs)
    for a, qa, b, qb in quote_pairs:
        where = next((s.index for s in docs[b].sentences if qb in s.text), len(docs[b].sentences))
        entries.append(((a, b, where, 0), _wording_entry(docs[a], qa, docs[b], qb)))
    for i, j in pairs:
        (doc_a, sa), (doc_b, sb) = _locate(docs, i), _locate(docs, j)
        if fold(" ".join(word_tokens(sa.text))) == fold(" ".join(word_tokens(sb.text))):
            continue
        if word_ratio(sa.text, sb.text) < WORDING_MIN_RATIO:
            continue
        # The quote entry already shows what differs in a quoted sentence.
        if any(
            a == doc_a.order and b == doc_b.order and qa in sa.text and qb in sb.text
            for a, qa, b, qb in quote_pairs
        ):
            continue
        key = (doc_a.order, doc_b.order, sb.index, 1)
        entries.append((key, _wording_entry(doc_a, sa.text, doc_b, sb.text)))
    entries.sort(key=lambda e: (e[0], e[1]["texts"]))
    if len(entries) > MAX_WORDING:
        logger.debug("wording: keeping %d of %d aligned pairs", MAX_WORDING, len(entries))
    return [entry for _, entry in entries[:MAX_WORDING]]


def _wording_entry(doc_a: _Doc, text_a: str, doc_b: _Doc, text_b: str) -> dict:
    return {
        "articles": [doc_a.article.id, doc_b.article.id],
        "texts": [text_a, text_b],
        "diff": word_diff(text_a, text_b),
    }


def _is_name(group: _Group) -> bool:
    """Not only ever an adjective ("Russian-led") nor only a capitalised first word ("Crews")."""
    return group.standalone and group.named


def _entities(docs: list[_Doc], groups: list[_Group]) -> list[dict]:
    entries = []
    for group in groups:
        if not _is_name(group):
            continue
        # Within one source, only two spellings of the same kind of thing count as variants:
        # "Armenia" (place) beside "Armenian" (adjective) is not a spelling difference.
        typed = {t for (t, k) in group.kinds if k == group.kind}
        full_forms = {t for t in typed if not _is_short_form(t, group.texts)}
        if len(group.articles) < 2 and len(full_forms) < 2:
            continue
        entries.append(
            {
                "name": group.name,
                "kind": group.kind,
                "variants": sorted(group.texts),
                "articles": sorted(group.articles, key=lambda k: (group.articles[k], k)),
            }
        )
    return entries


def _is_short_form(text: str, texts) -> bool:
    """A short form ("Lavrov" beside "Sergei Lavrov") is not a different spelling."""
    words = text.split()
    return any(len(t.split()) > len(words) and t.split()[-len(words) :] == words for t in texts)


# --------------------------------------------------------------------------------------------
# Entry point


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
    docs = _prepare(_story_order(articles))
    groups, entity_index = _group_entities(docs)
    matrix = _similarities(docs, entity_index)
    score = _scores(docs, matrix)
    rows = _summary(docs, matrix, score, max_sentences)
    summary = tuple(
        SummarySentence(_locate(docs, r)[1].text, _sources(docs, matrix, r)) for r in rows
    )
    figures = {d.order: [f for s in d.sentences for f in _figures(s)] for d in docs}
    pairs = _pairs(docs, matrix) if len(docs) > 1 else []
    conflicts = _conflicts(docs, matrix, pairs, figures, groups, entity_index)
    differences = {
        "only_in": _only_in(docs, matrix, groups, entity_index, figures, conflicts),
        "conflicts": conflicts,
        "wording": _wording(docs, pairs),
        "entities": _entities(docs, groups),
    }
    return StorySummary(_title(docs, matrix, score), summary, differences)


def _single_source_summary(article: Article, max_sentences: int) -> StorySummary:
    """One source has nothing to compare with: no similarity matrix, no differences.

    News writing puts the essentials first, so the summary is the lead: the first sentences
    fit for a summary (no captions, fragments or run-ons, no repeats), read only as far as
    needed. An article with no such sentence is summarised by its first sentences as written.
    The headline is the title without the site name, or the first summary sentence shortened.
    """
    lead: list[Sentence] = []
    first: list[Sentence] = []
    lead_words: list[set[str]] = []
    for sentence in iter_sentences(article.text or ""):
        if len(first) < max_sentences:
            first.append(sentence)
        words = word_tokens(sentence.text)
        if _poor_summary_sentence(sentence, len(words)):
            continue
        topic = {w.lower() for w in words} - STOPWORDS
        if any(_binary_cosine(topic, chosen) >= SAME_ARTICLE_REPEAT for chosen in lead_words):
            continue  # repeats a lead sentence ("(WMC-TV) - Have you seen ...")
        lead.append(sentence)
        lead_words.append(topic)
        if len(lead) == max_sentences:
            break
    chosen = lead or first
    summary = tuple(SummarySentence(s.text, (article.id,)) for s in chosen)
    if (article.title or "").strip():
        title = _strip_site(article.title)
    else:
        title = _shorten(chosen[0].text) if chosen else ""
    differences = {"only_in": {}, "conflicts": [], "wording": [], "entities": []}
    return StorySummary(title, summary, differences)


def _binary_cosine(a: set[str], b: set[str]) -> float:
    return len(a & b) / (len(a) * len(b)) ** 0.5 if a and b else 0.0
