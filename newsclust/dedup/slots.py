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

#: Distinct conflicts at which a verified pair stops being a copy. One is left to chance (a
#: name an outlet corrected, a figure a re-run updated); two make a pattern.
MAX_SLOT_CONFLICTS = 2

# Words, keeping inner apostrophes, dots, commas and hyphens ("O'Brien", "U.S", "1,500").
_TOKEN = re.compile(r"\w+(?:['’.,\-]\w+)*")

# A run of names and figures in the string of token kinds that read() makes.
_RUN = re.compile("C+")

#: A text as read for the check: all its words (folded), and slot context -> runs there.
Read = tuple[frozenset[str], dict[tuple[str, str], set[tuple[str, ...]]]]


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


def read(text: str) -> Read:
    """The words of ``text`` and its slots."""
    tokens = _TOKEN.findall(text)
    folded = _TOKEN.findall(_fold(text))
    if len(folded) != len(tokens):  # a letter whose lower case is no word character ("İ")
        folded = [_fold(t) for t in tokens]
    # One letter per token, C for a name or figure: the regex engine then finds the runs.
    kinds = "".join(["C" if (t[0].isupper() or t[0].isdigit()) else "w" for t in tokens])
    slots: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for match in _RUN.finditer(kinds):
        start, end = match.span()
        context = (folded[start - 1] if start else "^",
                   folded[end] if end < len(folded) else "$")
        slots.setdefault(context, set()).add(tuple(folded[start:end]))
    return frozenset(folded), slots


class SlotReader:
    """Texts read once however many pairs they are in (keyed by the caller's row)."""

    def __init__(self) -> None:
        self._read: dict[int, Read] = {}

    def read(self, row: int, text: str) -> Read:
        found = self._read.get(row)
        if found is None:
            found = self._read[row] = read(text)
        return found


def _missing(run: tuple[str, ...], words: frozenset[str], other_run: tuple[str, ...]):
    """The words of ``run`` absent from a text of ``words`` (spelling variants of a word of
    the run it faces count as present)."""
    return frozenset(
        w for w in run
        if w not in words and not any(_spelling_variants(w, v) for v in other_run)
    )


def slot_conflicts(a: Read, b: Read, stop_at: int = MAX_SLOT_CONFLICTS) -> int:
    """Distinct conflicts between two read texts (counting stops at ``stop_at``)."""
    words_a, slots_a = a
    words_b, slots_b = b
    if len(slots_a) > len(slots_b):
        words_a, slots_a, words_b, slots_b = words_b, slots_b, words_a, slots_a
    conflicts: set[tuple[frozenset[str], frozenset[str]]] = set()
    for context, runs_a in slots_a.items():
        runs_b = slots_b.get(context)
        if runs_b is None or runs_a & runs_b:
            continue
        for x in runs_a:
            for y in runs_b:
                only_x = _missing(x, words_b, y)
                only_y = _missing(y, words_a, x) if only_x else None
                if only_x and only_y:
                    conflicts.add((only_x, only_y))
                    if len(conflicts) >= stop_at:
                        return len(conflicts)
    return len(conflicts)
