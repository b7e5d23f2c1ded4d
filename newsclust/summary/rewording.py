"""Quotes and sentences that two sources word differently: the ``wording`` difference.

``[{"articles": [a, b], "texts": [ta, tb], "diff": [op, ...]}]`` with ``a`` the earlier source
and ``diff`` a word diff (see :mod:`newsclust.wording`). Quotes of different sources that align
(the same words edited or translated differently: "illegitimate pressure from Washington" /
"illegal pressures on Washington") and aligned sentences that are similar but not identical.
Entries read in story order, at most ``MAX_WORDING`` of them.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from newsclust.sentences import Memo, quotes
from newsclust.summary.story import Doc, locator
from newsclust.wording import (
    folded_words,
    quote_similarity,
    reaches_word_ratio,
    stem_set,
    word_diff,
)

logger = logging.getLogger(__name__)

#: Aligned sentences shown in ``wording`` must also share this share of their words, in order;
#: below it a word diff is all "replace" and tells nothing.
WORDING_MIN_RATIO = 0.45
#: Quotes are aligned with each other above this similarity (see ``quote_similarity``).
QUOTE_THRESHOLD = 0.45
MAX_WORDING = 40
#: Full quote comparisons allowed per story (texts full of stray quote marks stay fast).
MAX_QUOTE_COMPARISONS = 10_000


def wording(docs: list[Doc], pairs: list[tuple[int, int]]) -> list[dict]:
    """Entries for the differently worded quotes and aligned sentences (``pairs`` of rows)."""
    # Entries read in story order: by article pair, then where the later source has the text
    # (a quote sorts before the sentence it stands in). Candidates are judged in that order,
    # so a big story stops at MAX_WORDING without comparing (or diffing) the rest.
    quote_pairs = _quote_pairs(docs)
    candidates = []
    for a, qa, b, qb in quote_pairs:
        where = next((s.index for s in docs[b].sentences if qb in s.text), len(docs[b].sentences))
        candidates.append(((a, b, where, 0), qa, qb))
    locate = locator(docs)
    for i, j in pairs:
        (doc_a, sa), (doc_b, sb) = locate(i), locate(j)
        candidates.append(((doc_a.order, doc_b.order, sb.index, 1), sa.text, sb.text))
    candidates.sort()
    entries = []
    for (a, b, _, is_sentence), text_a, text_b in candidates:
        if is_sentence and not _reworded(a, text_a, b, text_b, quote_pairs):
            continue
        if len(entries) == MAX_WORDING:
            logger.debug("wording: keeping the first %d aligned pairs", MAX_WORDING)
            break
        entries.append(_entry(docs[a], text_a, docs[b], text_b))
    return entries


def _reworded(a: int, text_a: str, b: int, text_b: str, quote_pairs: list) -> bool:
    """Aligned sentences worth a word diff: neither equal nor all different, and not already
    shown by the entry of a quote they hold."""
    if _same_words(text_a, text_b):
        return False
    if not reaches_word_ratio(text_a, text_b, WORDING_MIN_RATIO):
        return False
    return not any(
        qa_order == a and qb_order == b and qa in text_a and qb in text_b
        for qa_order, qa, qb_order, qb in quote_pairs
    )


def _quote_pairs(docs: list[Doc]) -> list[tuple[int, str, int, str]]:
    """Aligned quotes worded differently: (article a order, quote a, article b order, quote b).

    Each quote is paired with its best counterpart in the earliest source that has one. Only
    quotes sharing at least two word stems (one for very short quotes) are compared in full: an
    index of quotes by stem finds those without trying every pair of quotes in a big story.
    """
    flat = [(d.order, q) for d in docs for q in quotes(d.article.text or "")]
    if len(flat) < 2:
        return []
    # (The stem sets quote_similarity reads too: wire copies of a story repeat its quotes.)
    stems = [stem_set(q) for _, q in flat]
    quotes_with: dict[str, list[int]] = defaultdict(list)
    for i, quote_stems in enumerate(stems):
        for token in quote_stems:
            quotes_with[token].append(i)
    pairs, budget = [], MAX_QUOTE_COMPARISONS
    for j, (b, qb) in enumerate(flat):
        if budget <= 0:
            logger.info("quotes: comparison budget spent; later quotes left unaligned")
            break
        # Stems shared with each quote of an earlier source.
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
                if not _same_words(qa, qb):
                    pairs.append((a, qa, b, qb))
                break  # paired with the earliest source that has it (even if identical)
    return pairs


def _same_words(a: str, b: str) -> bool:
    """Equal but for case, accents and punctuation: nothing worth a diff."""
    # (Most aligned sentences are the same wire text, word for word.)
    return a == b or _words_only[a] == _words_only[b]


def _fold_words(text: str) -> str:
    # fold(" ".join(word_tokens(text))), from the folded words the word ratio reads anyway
    # (folding word by word is folding the whole: a space ends any context case rules see).
    return " ".join(folded_words(text))


# Memoised: a sentence is compared with its counterpart in each other source.
_words_only = Memo(_fold_words, 20_000)


def _entry(doc_a: Doc, text_a: str, doc_b: Doc, text_b: str) -> dict:
    return {
        "articles": [doc_a.id, doc_b.id],
        "texts": [text_a, text_b],
        "diff": word_diff(text_a, text_b),
    }
