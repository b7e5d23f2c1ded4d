"""Template stories: texts that share their wording but not their names and figures.

Automated and formula news (earnings, filings, ratings, court lists, weather) fills the same
sentences with other companies, people and amounts: "Acme Corp said it filed ... a 24 mln dlr
issue" and "Bolt Inc said it filed ... a 96 mln dlr issue" share most of their shingles and are
two different stories. A copy changes words too (a typo, two words swapped, a dateline or a
credit glued onto a line), but it does not put other names or figures in the same places.

A *slot* is a run of names and figures (words that start with a capital letter or a digit:
"Finance Minister Jane Roe", "24") with the word before and the word after it. Two texts
*conflict* at a slot when both have it with different runs, and each run has a word that the
other text lacks anywhere (not even as a spelling variant: one edit, or two letters swapped):
a replacement, not a typo, a reordering or an addition. Pairs with ``MAX_SLOT_CONFLICTS`` or
more distinct conflicts are not copies.
"""

from __future__ import annotations

import re
from collections import OrderedDict

#: Distinct conflicts at which a verified pair stops being a copy. One is left to chance (a
#: name an outlet corrected, a figure a re-run updated); two make a pattern.
MAX_SLOT_CONFLICTS = 2

# Words, keeping inner apostrophes, dots, commas and hyphens ("O'Brien", "U.S", "1,500").
_TOKEN = re.compile(r"\w+(?:['’.,\-]\w+)*")

# The first character of each token (the same tokens as _TOKEN).
_FIRST_LETTER = re.compile(r"(\w)\w*(?:['’.,\-]\w+)*")
# Upper-case letters (Latin, Greek, Cyrillic) and digits to "C", the rest unchanged: a token
# is a name or figure when its first character turns into "C" (a lower-case "c" stays "c").
_KIND = {c: "C" for c in range(0x30, 0x530) if chr(c).isupper() or chr(c).isdigit()}
# A run of names and figures in the string of token kinds that Read makes.
_RUN = re.compile("C+")


def _fold(word: str) -> str:
    return word.lower().replace("’", "'")


def _spelling_variants(a: str, b: str) -> bool:
    """One insertion, deletion or substitution apart, or two neighbouring letters swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return (a[i + 1:] == b[i + 1:]
                or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1]))
    if len(a) > len(b):
        a, b = b, a
    return a[i:] == b[i + 1:]


class Read:
    """A text as the check reads it: its slots, the words of its runs, and (only when a
    conflict must be confirmed) all its words."""

    __slots__ = ("_text", "_words", "run_words", "slots")

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: frozenset[str] | None = None
        # One letter per token, C for a name or figure, so that the regex engine finds the
        # runs; every step here runs in C, not in a Python loop over the tokens.
        kinds = "".join(_FIRST_LETTER.findall(text)).translate(_KIND)
        folded = _TOKEN.findall(_fold(text))
        if len(folded) != len(kinds):  # a letter whose lower case is no word character ("İ")
            folded = [_fold(t) for t in _TOKEN.findall(text)]
        self.slots: dict[tuple[str, str], set[tuple[str, ...]]] = {}
        run_words: set[str] = set()
        for match in _RUN.finditer(kinds):
            start, end = match.span()
            context = (folded[start - 1] if start else "^",
                       folded[end] if end < len(folded) else "$")
            run = tuple(folded[start:end])
            self.slots.setdefault(context, set()).add(run)
            run_words.update(run)
        self.run_words = frozenset(run_words)

    @property
    def words(self) -> frozenset[str]:
        # Read on demand: most pairs need only the words of the runs, and a word set per text
        # would cost tens of KB for every article of every copy group.
        if self._words is None:
            self._words = frozenset(_TOKEN.findall(_fold(self._text)))
        return self._words


class SlotReader:
    """Texts read once for the pairs they are in (keyed by the caller's row), the most recent
    ``size`` kept: pairs come roughly in row order, and the memory stays bounded."""

    def __init__(self, size: int = 4096) -> None:
        self._read: OrderedDict[int, Read] = OrderedDict()
        self._size = size

    def read(self, row: int, text: str) -> Read:
        found = self._read.get(row)
        if found is None:
            found = self._read[row] = Read(text)
            if len(self._read) > self._size:
                self._read.popitem(last=False)
        else:
            self._read.move_to_end(row)
        return found


def _missing(run: tuple[str, ...], words: frozenset[str], other_run: tuple[str, ...]):
    """The words of ``run`` not in ``words`` (spelling variants of a word of the run it faces
    count as present)."""
    return frozenset(
        w for w in run
        if w not in words and not any(_spelling_variants(w, v) for v in other_run)
    )


def slot_conflicts(a: Read, b: Read, stop_at: int = MAX_SLOT_CONFLICTS) -> int:
    """Distinct conflicts between two read texts (counting stops at ``stop_at``)."""
    if len(a.slots) > len(b.slots):
        a, b = b, a
    conflicts: set[tuple[frozenset[str], frozenset[str]]] = set()
    for context, runs_a in a.slots.items():
        runs_b = b.slots.get(context)
        if runs_b is None or runs_a & runs_b:
            continue
        for x in runs_a:
            for y in runs_b:
                # Against the other's run words first (cheap); a word missing there may still
                # be in its text in lower case, which only a conflict on both sides must check.
                if not (_missing(x, b.run_words, y) and _missing(y, a.run_words, x)):
                    continue
                only_x, only_y = _missing(x, b.words, y), _missing(y, a.words, x)
                if only_x and only_y:
                    conflicts.add((only_x, only_y))
                    if len(conflicts) >= stop_at:
                        return len(conflicts)
    return len(conflicts)
