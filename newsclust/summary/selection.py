"""The sentences of the merged summary, and the order they are read in.

Several sources: each sentence is scored by support (its best counterpart in each other source),
closeness to the story centroid (TF-IDF) and lead position; captions, fragments and run-ons are
pushed down. Sentences are then taken by MMR (score, less similarity to those already taken),
never taking a counterpart or a same-article near repeat of a chosen one. They read in source
date order, then position in the text; a sentence stands where the earliest source carrying it
(or a counterpart) has it.

One source: nothing to weigh it against, and news writing puts the essentials first, so the
summary is the lead (:func:`lead_sentences`).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from newsclust.sentences import STOPWORDS, Sentence, iter_sentences, word_tokens
from newsclust.summary.alignment import ALIGN_THRESHOLD, SentenceMatrix, earliest_counterpart
from newsclust.summary.story import Doc

#: Within one article, sentences this similar repeat each other (the summary keeps one).
SAME_ARTICLE_REPEAT = 0.5
#: Shorter sentences are fragments, longer ones read badly: both are poor summary sentences.
MIN_SUMMARY_WORDS = 6
MAX_SUMMARY_WORDS = 60


def scores(docs: list[Doc], matrix: SentenceMatrix) -> np.ndarray:
    """How fit each sentence (row) is for the summary: support, centrality, position."""
    n_rows = matrix.sim.shape[0]
    if n_rows == 0:
        return np.zeros(0)
    central = np.zeros(n_rows)
    if matrix.vectors is not None:
        # Centroid of the articles (each normalised, so long articles do not outweigh short ones).
        rows_of_doc = sparse.csr_matrix(
            (np.ones(n_rows), (matrix.owner, np.arange(n_rows))), shape=(len(docs), n_rows)
        )
        doc_sums = (rows_of_doc @ matrix.vectors).toarray()
        centroid = np.zeros(matrix.vectors.shape[1])
        for vec in doc_sums:
            norm = np.linalg.norm(vec)
            if norm:
                centroid += vec / norm
        norm = np.linalg.norm(centroid)
        if norm:
            central = matrix.vectors @ (centroid / norm)
    support = matrix.best.sum(axis=1) / (len(docs) - 1)
    index = np.array([s.index for d in docs for s in d.sentences], dtype=np.float64)
    position = np.maximum(0.0, 1.0 - index / 8)
    score = 0.45 * support + 0.35 * central + 0.2 * position
    # (The test of poor_summary_sentence, on all rows at once.)
    n_words = np.array([n for d in docs for n in d.n_words])
    caption = np.array([s.caption for d in docs for s in d.sentences], dtype=bool)
    score[caption | (n_words < MIN_SUMMARY_WORDS) | (n_words > MAX_SUMMARY_WORDS)] -= 1.0
    return score


def summary_rows(docs: list[Doc], matrix: SentenceMatrix, score: np.ndarray, k: int) -> list[int]:
    """Up to ``k`` chosen rows, in reading order.

    Docs are in date order, so the row of a sentence's earliest counterpart is where it stands:
    a later source's better wording of the lead still comes first.
    """
    chosen = _select(matrix, score, k)
    return sorted(chosen, key=lambda row: (earliest_counterpart(docs, matrix, row), row))


def lead_sentences(text: str, k: int) -> list[Sentence]:
    """The first ``k`` sentences of a text fit for a summary, read only as far as needed.

    Captions, fragments and run-ons are skipped, and so are repeats of a sentence already taken
    ("(WMC-TV) - Have you seen ..." after "Have you seen ..."). A text with no such sentence
    gives its first sentences as written.
    """
    lead: list[Sentence] = []
    first: list[Sentence] = []
    lead_words: list[set[str]] = []
    for sentence in iter_sentences(text):
        if len(first) < k:
            first.append(sentence)
        words = word_tokens(sentence.text)
        if poor_summary_sentence(sentence, len(words)):
            continue
        topic = {w.lower() for w in words} - STOPWORDS
        if any(_binary_cosine(topic, chosen) >= SAME_ARTICLE_REPEAT for chosen in lead_words):
            continue
        lead.append(sentence)
        lead_words.append(topic)
        if len(lead) == k:
            break
    return lead or first


def poor_summary_sentence(sentence: Sentence, n_words: int) -> bool:
    # Captions and fragments are poor summary sentences; very long ones read badly.
    return sentence.caption or n_words < MIN_SUMMARY_WORDS or n_words > MAX_SUMMARY_WORDS


def _select(matrix: SentenceMatrix, score: np.ndarray, k: int) -> list[int]:
    """MMR: best score first, each next one penalised by its similarity to those chosen."""
    # Candidates in score order (ties by row), so the first maximum is the pick.
    rows = np.lexsort((np.arange(len(score)), -score))
    base = 0.75 * score[rows]
    redundancy = np.zeros(len(rows), dtype=np.float32)
    excluded = np.zeros(len(rows), dtype=bool)  # chosen, or says what a chosen sentence says
    chosen: list[int] = []
    while len(chosen) < k and len(rows):
        value = np.where(excluded, -np.inf, base - 0.25 * redundancy)
        pick = int(np.argmax(value))
        if value[pick] == -np.inf:
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


def _binary_cosine(a: set[str], b: set[str]) -> float:
    return len(a & b) / (len(a) * len(b)) ** 0.5 if a and b else 0.0
