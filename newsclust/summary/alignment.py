"""Which sentences of different sources say the same thing.

Each sentence becomes a TF-IDF vector of its word stems, a name counting once as its name group
(so "Sergey Lavrov" and "Sergei Lavrov" match); two sentences of different sources are
counterparts when their cosine is at least ``ALIGN_THRESHOLD``. All pairs are one sparse matrix
product, so a big story costs matrix work, not Python loops over pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, filterfalse

import numpy as np
from scipy import sparse

from newsclust.sentences import Sentence, content_tokens
from newsclust.summary.story import Doc

#: Cosine (TF-IDF) above which two sentences of different sources count as counterparts.
ALIGN_THRESHOLD = 0.27


@dataclass(slots=True)
class SentenceMatrix:
    """Sentence vectors and similarities for the whole story, one row per sentence.

    ``sim[i, j]`` is the cosine of sentences i and j (0 on the diagonal); ``best[i, k]`` the best
    cosine of sentence i with any sentence of article k (0 for its own article); ``owner[i]``
    the story order of the article of sentence i. ``vectors`` is None when no sentence has a
    word that counts.
    """

    vectors: sparse.csr_matrix | None  # rows L2-normalised
    sim: np.ndarray
    best: np.ndarray
    owner: np.ndarray


def sentence_matrix(docs: list[Doc], name_index: dict[str, int]) -> SentenceMatrix:
    # A story often carries the same sentence in several reports: its tokens are read once.
    tokens_of: dict[str, list[str]] = {}
    rows = []
    for d in docs:
        for s in d.sentences:
            tokens = tokens_of.get(s.text)
            if tokens is None:
                tokens = tokens_of[s.text] = _sentence_tokens(d, s, name_index)
            rows.append(tokens)
    owner = np.array([d.order for d in docs for _ in d.sentences], dtype=np.int64)
    n = len(rows)
    if not any(rows):
        zeros = np.zeros((n, n), np.float32)
        return SentenceMatrix(None, zeros, np.zeros((n, len(docs)), np.float32), owner)
    vectors = tfidf(rows)
    sim = (vectors @ vectors.T).toarray().astype(np.float32)
    np.fill_diagonal(sim, 0.0)
    best = np.zeros((n, len(docs)), dtype=np.float32)
    for doc in docs:
        if doc.sentences:
            best[:, doc.order] = sim[:, doc.offset : doc.end].max(axis=1)
    best[np.arange(n), owner] = 0.0
    return SentenceMatrix(vectors, sim, best, owner)


def tfidf(rows: list[list[str]]) -> sparse.csr_matrix:
    """Rows of tokens as L2-normalised TF-IDF vectors (sublinear tf, smoothed idf).

    The weighting of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``, without its
    per-call validation, which cost more than the arithmetic for the small matrices of a story.
    """
    vocabulary = {token: n for n, token in enumerate(sorted(set().union(*rows)))}
    n_rows, n_terms = len(rows), len(vocabulary)
    lengths = [len(row) for row in rows]
    row_of_token = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    term_of_token = np.fromiter(
        map(vocabulary.__getitem__, chain.from_iterable(rows)), dtype=np.int64, count=sum(lengths)
    )
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


def aligned_pairs(docs: list[Doc], matrix: SentenceMatrix) -> list[tuple[int, int]]:
    """Aligned sentence rows (i of an earlier article, j): j's best counterpart in i's article.

    Each sentence j is paired once, with the earliest article where it has a counterpart, so a
    story of many sources gives a list that grows with the sentences, not with their pairs.
    """
    pairs = []
    for j in range(matrix.sim.shape[0]):
        own = int(matrix.owner[j])
        for doc in docs[:own]:
            if not doc.sentences or matrix.best[j, doc.order] < ALIGN_THRESHOLD:
                continue
            pairs.append((doc.offset + int(np.argmax(matrix.sim[j, doc.offset : doc.end])), j))
            break
    return sorted(pairs)


def sources(docs: list[Doc], matrix: SentenceMatrix, row: int) -> tuple[str, ...]:
    """Ids of the articles that carry the sentence of ``row`` or a counterpart, in story order."""
    own = int(matrix.owner[row])
    return tuple(
        d.id for d in docs if d.order == own or matrix.best[row, d.order] >= ALIGN_THRESHOLD
    )


def earliest_counterpart(docs: list[Doc], matrix: SentenceMatrix, row: int) -> int:
    """The row of the first sentence in story order that says what ``row`` says (maybe itself)."""
    for doc in docs:
        if doc.order == matrix.owner[row]:
            return row
        if doc.sentences and matrix.best[row, doc.order] >= ALIGN_THRESHOLD:
            return doc.offset + int(np.argmax(matrix.sim[row, doc.offset : doc.end]))
    return row


def _sentence_tokens(doc: Doc, s: Sentence, name_index: dict[str, int]) -> list[str]:
    # A name counts once, as its name group: "Sergey Lavrov" and "Sergei Lavrov" become the same
    # token, and a long name ("Recep Tayyip Erdogan") does not outweigh the rest of the sentence.
    stems = doc.stems[s.index]
    mentions = [e for e in doc.mentions[s.index] if e.text in name_index]
    if not mentions:
        return list(stems)
    name_words = set().union(*[_name_tokens(e.text) for e in mentions])
    tokens = list(filterfalse(name_words.__contains__, stems))
    return tokens + [f"@{name_index[e.text]}" for e in mentions]


@lru_cache(maxsize=50_000)
def _name_tokens(name: str) -> tuple[str, ...]:
    # Cached: a story names the same few people and places in sentence after sentence.
    return tuple(content_tokens(name))
