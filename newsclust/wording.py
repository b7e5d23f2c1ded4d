"""Word-level differences between two wordings of the same sentence or quote.

``word_diff`` runs :class:`difflib.SequenceMatcher` over word tokens (punctuation kept as its own
token) and returns JSON-ready ops::

    {"op": "equal" | "delete" | "insert" | "replace", "a": "<words of a>", "b": "<words of b>"}

``a`` is empty for an insert and ``b`` for a delete. Tokens are compared case- and
accent-insensitively (a capital at the start of a quote is not a difference), but the ops show the
words as written.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from functools import lru_cache

from newsclust.sentences import content_tokens, fold

__all__ = [
    "diff_tokens",
    "folded_words",
    "join_tokens",
    "quote_similarity",
    "reaches_word_ratio",
    "stem_set",
    "word_diff",
    "word_ratio",
]

_TOKEN = re.compile(r"\w+(?:['’\-.]\w+)*|[^\w\s]", re.UNICODE)
#: Tokens written without a space before them, and characters written without one after them.
_CLOSING = frozenset(",.;:!?)]”’%")
_OPENING = frozenset("(“")


def diff_tokens(text: str) -> list[str]:
    """Words and punctuation marks of ``text``, in order."""
    return _TOKEN.findall(text)


def join_tokens(tokens: list[str]) -> str:
    """Join tokens with spaces, without a space before closing punctuation."""
    out = []
    last = ""  # the last character written
    for token in tokens:
        if last and token not in _CLOSING and last not in _OPENING:
            out.append(" ")
            last = " "
        if token:
            out.append(token)
            last = token[-1]
    return "".join(out)


@lru_cache(maxsize=100_000)
def _folded(token: str) -> str:
    return fold(token)


def _matcher(a: list[str], b: list[str]) -> difflib.SequenceMatcher:
    # autojunk off: with short sequences its popularity heuristic only hides real matches.
    return difflib.SequenceMatcher(
        None, [_folded(t) for t in a], [_folded(t) for t in b], autojunk=False
    )


def word_diff(a: str, b: str) -> list[dict[str, str]]:
    """Word-level ops turning ``a`` into ``b`` (see module docstring)."""
    ta, tb = diff_tokens(a), diff_tokens(b)
    ops = []
    for tag, i1, i2, j1, j2 in _matcher(ta, tb).get_opcodes():
        ops.append({"op": tag, "a": join_tokens(ta[i1:i2]), "b": join_tokens(tb[j1:j2])})
    return ops


@lru_cache(maxsize=20_000)
def folded_words(text: str) -> tuple[str, ...]:
    """Folded words of ``text``, punctuation dropped: the words of ``sentences.word_tokens``
    (a word token of :func:`diff_tokens` starts with a letter, digit or underscore, a mark
    does not), each folded."""
    return tuple(_folded(t) for t in diff_tokens(text) if t[0].isalnum() or t[0] == "_")


@lru_cache(maxsize=20_000)
def stem_set(text: str) -> frozenset[str]:
    """The word stems of ``text`` (``sentences.content_tokens``), as a set."""
    return frozenset(content_tokens(text))


def word_ratio(a: str, b: str, *, floor: float = 0.0) -> float:
    """Share of words in common, in order (difflib ratio over word tokens, punctuation ignored).

    Values below ``floor`` are not needed exactly: when a cheap upper bound of the ratio is
    already below it, that bound is returned instead of running the (slow) sequence matcher.
    """
    wa, wb = folded_words(a), folded_words(b)
    if not wa or not wb:
        return 0.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    for bound in (matcher.real_quick_ratio, matcher.quick_ratio):
        upper = bound()
        if upper < floor:
            return upper
    return matcher.ratio()


def reaches_word_ratio(a: str, b: str, floor: float) -> bool:
    """Whether ``word_ratio(a, b) >= floor``, decided as cheaply as possible.

    The bounds of ``word_ratio`` come first, without building a sequence matcher; then the
    longest run of words in common, the first block the matcher finds, which often clears the
    floor alone: the other blocks are searched for only when it does not.
    """
    wa, wb = folded_words(a), folded_words(b)
    if not wa or not wb:
        return floor <= 0.0
    length = len(wa) + len(wb)
    # (Ratios as difflib computes them, 2.0 * matches / length, so the comparisons are exact.)
    if 2.0 * min(len(wa), len(wb)) / length < floor:  # real_quick_ratio
        return False
    if 2.0 * sum((Counter(wa) & Counter(wb)).values()) / length < floor:  # quick_ratio
        return False
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if 2.0 * matcher.find_longest_match(0, len(wa), 0, len(wb)).size / length >= floor:
        return True
    return matcher.ratio() >= floor


def quote_similarity(a: str, b: str, *, floor: float = 0.0) -> float:
    """How likely two quotes are the same words, translated or edited differently.

    Two translations of one quote keep the order of the words but swap synonyms
    ("illegitimate pressure from" / "illegal pressures on"), so we take the better of the in-order
    word ratio and the overlap of word stems. Values below ``floor`` are not needed exactly: the
    (slow) sequence matcher is skipped when its cheap upper bound cannot beat the stem overlap or
    the floor.
    """
    sa, sb = stem_set(a), stem_set(b)
    shared = len(sa & sb)
    if not shared:
        return 0.0
    jaccard = shared / len(sa | sb)
    wa, wb = folded_words(a), folded_words(b)
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() <= max(jaccard, floor) or matcher.quick_ratio() <= max(
        jaccard, floor
    ):
        return jaccard
    return max(matcher.ratio(), jaccard)
