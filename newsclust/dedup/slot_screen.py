"""A fast screen for the template check: most copies cannot have two slot conflicts.

Reading a text for :mod:`.slots` (its slots, the words of its runs) costs a Python loop over its
runs and two regular expressions over the whole text, about a quarter of a millisecond, and the
check reads a text for nearly every pair of copies. This module reads many texts at once with
numpy, as :mod:`newsclust.shingle` does, hashing each token to 64 bits, and bounds the number of
conflicts a pair can have from those hashes:

- a slot is a context (the hashes of the word before and after a run) and a run (a hash of its
  words); a pair's runs that the other text has at the same context are not conflicts, and a
  context where the two texts share a run is skipped whole, as :func:`.slots.slot_conflicts`
  does;
- a run with no word the other text lacks cannot take part in a conflict;
- every remaining (run of one text, run of the other) at one context may be a conflict.

That count is never below the distinct conflicts :func:`.slots.slot_conflicts` finds (spelling
variants only lower it, and words longer than the hashed prefix count as missing), so a pair
whose count is under ``MAX_SLOT_CONFLICTS`` is cleared unread and only the rest are read word by
word. Tokens match those of :mod:`.slots` exactly: ASCII word characters, joined across one
apostrophe, dot, comma or hyphen between two of them. A text that is not ASCII once curly quotes
and dashes are mapped (about 1 in 100 news texts) is not screened: its pairs are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsclust.shingle import _TOKEN_BYTES, _token_hashes, fmix64

from .slots import _spelling_variants

_U64 = np.uint64


def _byte_table(chars: bytes) -> bytes:
    table = bytearray(256)
    for c in chars:
        table[c] = 1
    return bytes(table)


_LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORD_BYTES = _byte_table(_LETTERS + b"0123456789_")
_JOINER_BYTES = _byte_table(b"'.,-")
# What starts a name or figure: an upper-case letter or a digit (as slots._KIND, for ASCII).
_NAME_START = np.frombuffer(_byte_table(_LETTERS[26:] + b"0123456789"), dtype=np.uint8) > 0
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_BEFORE_KEY, _AFTER_KEY, _RUN_KEY = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), \
    _U64(0x165667B19E3779F9)
# The word "before" a run at the start of a text and "after" one at its end (as "^" and "$").
_TEXT_START, _TEXT_END = _U64(0x27D4EB2F165667C5), _U64(0x85EBCA77C2B2AE63)


@dataclass(slots=True)
class ScreenedText:
    """A text's tokens and slots as 64-bit hashes.

    Each run is (context, key, first, end): a hash of the words before and after it, a hash of
    the context and the run's words (a run with a word too long to hash whole gets a key of its
    own, so that it never counts as shared), and its words as ``name_words[first:end]``.
    ``word(i)`` is the text of ``name_words[i]``, folded as :mod:`.slots` folds it.
    """

    tokens: np.ndarray  # uint64 hashes of all tokens, in text order
    long_tokens: frozenset[int]  # hashes of tokens longer than the hashed prefix
    name_words: list[int]
    runs: list[tuple[int, int, int, int]]
    key_set: frozenset[int]
    _folded: bytes  # the folded text of the whole batch, and where each name word is in it
    _word_starts: list[int]
    _word_ends: list[int]
    _token_set: frozenset[int] | None = None

    @property
    def token_set(self) -> frozenset[int]:
        # Built when first needed: a pair whose runs all match needs no word look-up.
        if self._token_set is None:
            self._token_set = frozenset(self.tokens.tolist())
        return self._token_set

    def word(self, i: int) -> str:
        return self._folded[self._word_starts[i]:self._word_ends[i]].decode("ascii")


def _separator(match: re.Match) -> str:
    char = match.group()
    if char == "’":
        return "'"  # a joiner in slots._TOKEN, as the apostrophe
    return char if char.isalnum() else " "  # a word character (\w), or a separator


#: The usual non-ASCII characters of news text, as the tokens of slots._TOKEN see them: the
#: right single quote joins words like the apostrophe, the others separate them. str.replace
#: is many times faster than a regular expression with a callback.
_USUAL = (("’", "'"), ("“", " "), ("”", " "), ("—", " "), ("–", " "), ("‘", " "), ("\u00a0", " "))


def _ascii(text: str) -> str:
    """The text with the non-ASCII characters that separate tokens (curly quotes, dashes,
    bullets, symbols) as spaces: the same tokens, and ASCII unless a word has a non-ASCII
    letter (é, ñ)."""
    if text.isascii():
        return text
    for char, replacement in _USUAL:
        if char in text:
            text = text.replace(char, replacement)
    return text if text.isascii() else _NON_ASCII.sub(_separator, text)


def screen_texts(texts: Sequence[str]) -> list[ScreenedText | None]:
    """Each text read for the screen, or None for a text the screen cannot read (a word with a
    letter that is not ASCII)."""
    mapped = [_ascii(t) for t in texts]
    ascii_rows = [i for i, t in enumerate(mapped) if t.isascii()]
    out: list[ScreenedText | None] = [None] * len(texts)
    if not ascii_rows:
        return out
    encoded = [mapped[i].encode("ascii") for i in ascii_rows]
    # A separator before, between and after the texts: no token spans two, and every token
    # both opens and closes within the bytes.
    raw = b"\n" + b"\n".join(encoded) + b"\n"
    original = np.frombuffer(raw, dtype=np.uint8)
    is_word = np.frombuffer(raw.translate(_WORD_BYTES), dtype=bool).copy()
    joiner = np.frombuffer(raw.translate(_JOINER_BYTES), dtype=bool)
    # One joiner between two word characters is part of the token ("O'Brien", "1,500", "U.S").
    is_word[1:-1] |= joiner[1:-1] & is_word[:-2] & is_word[2:]
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    folded = raw.lower()
    hashes = _token_hashes(np.frombuffer(folded, dtype=np.uint8), starts, ends)
    names = _NAME_START[original[starts]]
    too_long = (ends - starts) > _TOKEN_BYTES

    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    text_starts = np.concatenate(([1], 1 + np.cumsum(lengths)[:-1]))
    first_token = np.searchsorted(starts, text_starts)
    bounds = np.append(first_token, len(starts))
    token_text = np.repeat(np.arange(len(encoded)), np.diff(bounds))

    # Runs: maximal sequences of name tokens within one text.
    same_text_before = np.zeros(len(starts), dtype=bool)
    same_text_before[1:] = token_text[1:] == token_text[:-1]
    named_before = np.zeros(len(starts), dtype=bool)
    named_before[1:] = names[:-1]
    opens = names & ~(named_before & same_text_before)
    run_first = np.flatnonzero(opens)
    named = np.flatnonzero(names)
    run_of = np.cumsum(opens)[named] - 1  # the run of each name token
    run_end = np.zeros(len(run_first), dtype=np.int64)
    if len(named):
        # A run ends after its last name token: the next run's first token is not adjacent.
        last = np.flatnonzero(np.append(run_of[1:] != run_of[:-1], True))
        run_end = named[last] + 1
    run_text = token_text[run_first] if len(run_first) else np.zeros(0, dtype=np.int64)
    before = np.where(
        (run_first > 0) & (token_text[np.maximum(run_first - 1, 0)] == run_text),
        hashes[np.maximum(run_first - 1, 0)], _TEXT_START)
    at_end = np.minimum(run_end, len(hashes) - 1)
    after = np.where((run_end < len(hashes)) & (token_text[at_end] == run_text),
                     hashes[at_end], _TEXT_END)
    context = fmix64((before * _BEFORE_KEY) ^ after)
    # A run's hash: position-salted word hashes summed (word order matters).
    position = (named - run_first[run_of]).astype(_U64)
    salted = fmix64(hashes[named] ^ (position * _RUN_KEY))
    if len(named):
        by_run = np.flatnonzero(np.append(True, run_of[1:] != run_of[:-1]))
        run_hash = np.add.reduceat(salted, by_run)
        run_long = np.logical_or.reduceat(too_long[named], by_run)
    else:
        run_hash, run_long = np.zeros(0, dtype=_U64), np.zeros(0, dtype=bool)
    # A run with a word too long to hash whole takes its own number as part of its key.
    key = fmix64(context ^ (run_hash * _AFTER_KEY)
                 ^ np.where(run_long, np.arange(1, len(run_long) + 1, dtype=_U64), _U64(0)))

    run_bounds = np.searchsorted(run_text, np.arange(len(encoded) + 1)).tolist()
    name_bounds = np.searchsorted(token_text[named], np.arange(len(encoded) + 1))
    # Each run's words as offsets within its text's name words.
    firsts = (np.searchsorted(named, run_first) - name_bounds[run_text]).tolist()
    run_ends = (np.searchsorted(named, run_end) - name_bounds[run_text]).tolist()
    name_bounds = name_bounds.tolist()
    runs = list(zip(context.tolist(), key.tolist(), firsts, run_ends, strict=True))
    keys = key.tolist()
    named_hashes = hashes[named].tolist()
    word_starts, word_ends = starts[named].tolist(), ends[named].tolist()
    has_long = np.bincount(token_text[too_long], minlength=len(encoded)) > 0
    for text, row in enumerate(ascii_rows):
        r0, r1 = run_bounds[text], run_bounds[text + 1]
        t0, t1 = bounds[text], bounds[text + 1]
        n0, n1 = name_bounds[text], name_bounds[text + 1]
        out[row] = ScreenedText(
            tokens=hashes[t0:t1],
            long_tokens=(frozenset(hashes[t0:t1][too_long[t0:t1]].tolist()) if has_long[text]
                         else frozenset()),
            name_words=named_hashes[n0:n1], runs=runs[r0:r1], key_set=frozenset(keys[r0:r1]),
            _folded=folded, _word_starts=word_starts[n0:n1], _word_ends=word_ends[n0:n1],
        )
    return out


def _unshared_runs(a: ScreenedText, b: ScreenedText,
                   skipped: set[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """The distinct runs of ``a`` that ``b`` lacks at their place, by context, bar the contexts
    where the two share a run: {context: {key: (first, end)}}."""
    out: dict[int, dict[int, tuple[int, int]]] = {}
    other = b.key_set
    for context, key, first, end in a.runs:
        if key not in other and context not in skipped:
            out.setdefault(context, {})[key] = (first, end)
    return out


def _missing_words(a: ScreenedText, run: tuple[int, int], b: ScreenedText,
                   facing: set[int]) -> list[int]:
    """The words of a run of ``a`` that ``b`` lacks anywhere (``facing``: words ``b`` has, those
    of its runs at the same place, looked at first); a word too long to hash whole may hide
    another, so it counts as missing."""
    return [i for i in range(*run)
            if a.name_words[i] in a.long_tokens
            or (a.name_words[i] not in facing and a.name_words[i] not in b.token_set)]


def _replaces(a: ScreenedText, missing: list[int], b: ScreenedText,
              facing_run: tuple[int, int]) -> bool:
    """Whether a missing word of ``a`` is no spelling variant of a word of the run of ``b`` it
    faces (as slots._missing: a typo is not a replacement)."""
    return any(a.name_words[i] in a.long_tokens
               or not any(_spelling_variants(a.word(i), b.word(j)) for j in range(*facing_run))
               for i in missing)


def may_conflict(a: ScreenedText, b: ScreenedText, at_least: int) -> bool:
    """Whether the pair can have ``at_least`` distinct slot conflicts (False: it cannot).

    It counts the pairs of runs (one of each text, at one context) where each run has a word
    the other text lacks and that is no spelling variant of a word of the other run: each
    distinct conflict of :func:`.slots.slot_conflicts` is one of them.
    """
    shared = a.key_set & b.key_set
    skipped = {context for context, key, _, _ in a.runs if key in shared}
    runs_a, runs_b = _unshared_runs(a, b, skipped), _unshared_runs(b, a, skipped)
    pairs = 0
    # Where both have a run the other lacks (none for most copies: a cut paragraph or an added
    # credit line is a run without a counterpart at its place).
    for context in runs_a.keys() & runs_b.keys():
        at_a, at_b = runs_a[context].values(), runs_b[context].values()
        facing_a = {a.name_words[i] for run in at_a for i in range(*run)}
        facing_b = {b.name_words[i] for run in at_b for i in range(*run)}
        missing_a = [(run, m) for run in at_a if (m := _missing_words(a, run, b, facing_b))]
        if not missing_a:
            continue
        missing_b = [(run, m) for run in at_b if (m := _missing_words(b, run, a, facing_a))]
        for x, only_x in missing_a:
            for y, only_y in missing_b:
                if _replaces(a, only_x, b, y) and _replaces(b, only_y, a, x):
                    pairs += 1
                    if pairs >= at_least:
                        return True
    return False


#: Texts screened at once: enough for numpy to pay off, few enough to bound the memory (the
#: hashes of a batch take about 10 KB per text).
SCREEN_BATCH = 2048


def screen_pairs(pairs: Sequence[tuple[int, int]], text_of: Callable[[int], str],
                 at_least: int) -> list[bool | None]:
    """For each pair of rows, whether it may have ``at_least`` slot conflicts: False (it cannot),
    True (read it word by word), or None (a text the screen cannot read: read it too).

    Pairs are screened in their order, in batches of about ``SCREEN_BATCH`` texts; a text whose
    pairs fall into two batches is screened twice, which costs less than keeping every text.
    """
    out: list[bool | None] = []
    start = 0
    while start < len(pairs):
        rows: dict[int, int] = {}
        end = start
        while end < len(pairs) and len(rows) < SCREEN_BATCH:
            for row in pairs[end]:
                rows.setdefault(row, len(rows))
            end += 1
        screened = screen_texts([text_of(row) for row in rows])
        for a, b in pairs[start:end]:
            sa, sb = screened[rows[a]], screened[rows[b]]
            out.append(None if sa is None or sb is None else may_conflict(sa, sb, at_least))
        start = end
    return out
