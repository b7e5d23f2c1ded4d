"""The two views of an article, as sparse TF-IDF matrices: its words and its entities.

*Text*: lower-cased TF-IDF of the cleaned title and body (sublinear tf, English stop words,
terms in more than half of a corpus of 20+ documents dropped), its words counted on ``jobs``
processes (:func:`_count_words`). *Entities*: sublinear tf x idf of the entity terms, without
the capitalised words that the corpus mostly writes in lower case (:func:`_common_words`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

from newsclust.parallel import map_chunks


def _common_words(analysed: list, lower_df: dict[str, int]) -> frozenset[str]:
    """Capitalised words the corpus mostly writes in lower case: common words capitalised by
    position (sentence start, title case), not names ("Teen", "Fatal")."""
    cap_df: Counter[str] = Counter()
    for _, mentions, _ in analysed:
        cap_df.update({surface for _, surface, _ in mentions if surface})
    return frozenset(w for w, c in cap_df.items() if lower_df.get(w, 0) >= c)


def _fit_tfidf(vectorizer: TfidfVectorizer, docs: list) -> tuple[sp.csr_matrix, object]:
    """fit_transform, or an empty matrix (and no vectorizer) when no document has a term."""
    try:
        return vectorizer.fit_transform(docs).tocsr(), vectorizer
    except ValueError as exc:
        if "empty vocabulary" not in str(exc) and "no terms remain" not in str(exc):
            raise
        return sp.csr_matrix((len(docs), 0), dtype=np.float32), None


def _transform(vectorizer, docs: list) -> sp.csr_matrix:
    if vectorizer is None:
        return sp.csr_matrix((len(docs), 0), dtype=np.float32)
    return vectorizer.transform(docs).tocsr()


_TOKEN = r"(?u)\b[^\W\d_][^\W_]+\b"


def _word_counter(**params) -> CountVectorizer:
    return CountVectorizer(lowercase=False, token_pattern=_TOKEN, dtype=np.float32, **params)


#: Texts per word-counting task: the count is exact whatever the chunks, this only balances.
COUNT_CHUNK = 4096

_count_texts: Sequence[str] = ()


def _share_texts(texts: Sequence[str]) -> None:
    global _count_texts
    _count_texts = texts


def _count_chunk(spans: Sequence[tuple[int, int]]) -> list[tuple[np.ndarray, sp.csr_matrix]]:
    """Case-sensitive word counts of the shared texts in each span, on its own vocabulary."""
    out = []
    for start, end in spans:
        counter = _word_counter()
        try:
            counts = counter.fit_transform(_count_texts[start:end]).tocsr()
        except ValueError:  # no word in these texts
            out.append((np.array([], dtype=object), sp.csr_matrix((end - start, 0),
                                                                   dtype=np.float32)))
            continue
        out.append((counter.get_feature_names_out(), counts))
    return out


def _count_words(texts: Sequence[str], jobs: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """(vocabulary in sorted order, documents x words counts): what CountVectorizer's
    fit_transform gives, counted on ``jobs`` processes.

    Each chunk of texts is counted on its own vocabulary where the texts already are (workers
    forked after the texts exist read them from shared memory); only the counts come back and
    are put on the union vocabulary here. Counting was the largest part of clustering done in
    one process only.
    """
    spans = [(start, min(start + COUNT_CHUNK, len(texts)))
             for start in range(0, len(texts), COUNT_CHUNK)]
    try:
        parts = map_chunks(_count_chunk, spans, jobs=jobs, chunk_size=1,
                           initializer=_share_texts, initargs=(texts,))
    finally:
        _share_texts(())
    if not parts:
        return np.array([], dtype=object), sp.csr_matrix((0, 0), dtype=np.float32)
    words = np.unique(np.concatenate([vocabulary for vocabulary, _ in parts]))
    blocks = [
        sp.csr_matrix((counts.data, np.searchsorted(words, vocabulary)[counts.indices],
                       counts.indptr), shape=(counts.shape[0], len(words)))
        for vocabulary, counts in parts
    ]
    return words, sp.vstack(blocks, format="csr", dtype=np.float32)


class _TextView:
    """Lower-cased TF-IDF of the cleaned texts, counted case-sensitively once.

    The case-sensitive counts also give, for free, in how many documents each word is written
    in lower case: what tells a name ("Holmes") from a capitalised common word ("Teen").
    """

    def fit_transform(self, texts: list[str], max_df: float, jobs: int = 1) -> sp.csr_matrix:
        self.lower_df: dict[str, int] = {}
        words, counts = _count_words(texts, jobs)
        if not len(words):  # no document has a single word
            self.counter = None
            return self.transform(texts)
        # The fitted vocabulary, for transform (explain, and articles added later).
        self.counter = _word_counter(vocabulary={w: i for i, w in enumerate(words)})
        df = np.bincount(counts.indices, minlength=len(words))
        self.lower_df = {w: int(c) for w, c in zip(words, df, strict=True) if w.islower()}
        lower, column = np.unique([w.lower() for w in words], return_inverse=True)
        merge = sp.csr_matrix((np.ones(len(words), dtype=np.float32),
                               (np.arange(len(words)), column)), shape=(len(words), len(lower)))
        merged = counts @ merge
        merged_df = np.bincount(merged.indices, minlength=len(lower))
        keep = (merged_df <= max_df * len(texts)) & ~np.isin(lower, list(ENGLISH_STOP_WORDS))
        if not keep.any():  # only stop words
            self.counter = None
            return self.transform(texts)
        self.merge = merge[:, np.flatnonzero(keep)].tocsr()
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        return self.tfidf.fit_transform(merged[:, np.flatnonzero(keep)]).astype(np.float32).tocsr()

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        if self.counter is None:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        merged = self.counter.transform(texts).tocsr() @ self.merge
        return self.tfidf.transform(merged).astype(np.float32).tocsr()



def _identity(terms: list[str]) -> list[str]:
    return terms
