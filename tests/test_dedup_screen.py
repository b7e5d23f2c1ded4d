"""The template check's screen: its tokens are those of the word-by-word check, and it never
clears a pair that the word-by-word check would find two conflicts in."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust.dedup import slot_screen
from newsclust.dedup.slot_screen import may_conflict, screen_pairs, screen_texts
from newsclust.dedup.slots import _TOKEN, MAX_SLOT_CONFLICTS, Read, _fold, slot_conflicts
from newsclust.shingle import _token_hashes

# Texts made of pieces that exercise the tokens' edges: joiners between, before and after
# words, curly quotes, dashes, names and figures, words longer than the hashed prefix.
PIECES = ["Ann", "Lee", "said", "the", "O'Brien", "1,500", "U.S.", "co-op", "a", "Kavo",
          "rose", "24", "pct", "’s", "“quoted”", "—", "–", "...", ",", "-", "'", ".", "\n",
          "Extraordinarilylongcompoundwordthatgoeson", "extraordinarilylongcompoundwordthatgoesoff",
          "Rusada", "Holdings", "bullet •", "©", "x_y", "CHICAGO", "(AP)"]


def texts_from(pieces: list[str], separators: list[str]) -> str:
    return "".join(p + s for p, s in zip(pieces, separators, strict=False))


piece_lists = st.lists(st.sampled_from(PIECES), min_size=0, max_size=40)
separator_lists = st.lists(st.sampled_from([" ", "", "  ", "\n"]), min_size=40, max_size=40)


def _hash(token: str) -> int:
    data = token.encode("ascii")
    array = np.frombuffer(data, dtype=np.uint8)
    return int(_token_hashes(array, np.array([0]), np.array([len(data)]))[0])


@given(piece_lists, separator_lists)
@settings(max_examples=300, deadline=None)
def test_the_screen_reads_the_tokens_the_word_by_word_check_reads(pieces, separators):
    text = texts_from(pieces, separators)
    screened = screen_texts([text])[0]
    assert screened is not None  # no letter outside ASCII among the pieces
    expected = [_hash(t) for t in _TOKEN.findall(_fold(text).replace("’", "'"))
                if t.isascii()]
    assert screened.tokens.tolist() == expected


def test_a_word_with_a_letter_outside_ascii_is_left_to_the_word_by_word_check():
    texts = ["said José Ruiz on", "said Jose Ruiz on", "a “quoted” word — and more"]
    screened = screen_texts(texts)
    assert screened[0] is None
    assert screened[1] is not None and screened[2] is not None


# Template pairs: sentences of common words with slots that hold names and figures, filled the
# same or differently on the two sides, with copy edits (typos, datelines, cut sentences).
NAMES = ["Kavolo Industries", "Rusada Holdings", "Mira Tisane", "Pive Gonaru", "24", "96",
         "1,500", "Ann Lee", "Bob Ray", "Acme Corp", "Kavolo Industires", "Mira Tisnae", "U.S."]
COMMON = ["said", "the", "rose", "on", "of", "shares", "by", "a", "in", "filed", "its", "and"]


def template_pair(rng: random.Random) -> tuple[str, str]:
    a_parts, b_parts = [], []
    for _ in range(rng.randint(1, 12)):
        words = " ".join(rng.choice(COMMON) for _ in range(rng.randint(1, 4)))
        name = rng.choice(NAMES)
        other = name if rng.random() < 0.6 else rng.choice(NAMES)
        a_parts.append(f"{words} {name}")
        b_parts.append(f"{words} {other}")
        if rng.random() < 0.1:
            b_parts.pop()  # a cut
        if rng.random() < 0.1:
            b_parts.insert(0, "CHICAGO (AP) —")  # a dateline
    return " ".join(a_parts) + ".", " ".join(b_parts) + "."


def test_the_screen_never_clears_a_pair_with_two_conflicts():
    rng = random.Random(3)
    pairs = [template_pair(rng) for _ in range(3000)]
    screened = screen_texts([t for pair in pairs for t in pair])
    cleared = conflicting = 0
    for i, (a, b) in enumerate(pairs):
        conflicts = slot_conflicts(Read(a), Read(b))
        flagged = may_conflict(screened[2 * i], screened[2 * i + 1], MAX_SLOT_CONFLICTS)
        conflicting += conflicts >= MAX_SLOT_CONFLICTS
        cleared += not flagged
        assert flagged or conflicts < MAX_SLOT_CONFLICTS, (a, b)
    # the test has teeth: both kinds of pair are common among the generated ones
    assert conflicting > 300 and cleared > 300


def test_a_copy_with_a_dateline_and_a_typo_in_a_name_is_cleared_unread():
    a = "Shares of Kavolo Industries rose 24 pct on Monday, said Mira Tisane of the board."
    b = ("CHICAGO (AP) — Shares of Kavolo Industires rose 24 pct on Monday, said Mira Tisane "
         "of the board.")
    sa, sb = screen_texts([a, b])
    assert not may_conflict(sa, sb, MAX_SLOT_CONFLICTS)
    c = "Shares of Rusada Holdings rose 96 pct on Monday, said Mira Tisane of the board."
    (sc,) = screen_texts([c])
    assert may_conflict(sa, sc, MAX_SLOT_CONFLICTS)


@pytest.mark.parametrize("batch", [1, 3, 2048])
def test_pairs_screen_alike_whatever_the_batch(monkeypatch, batch):
    rng = random.Random(5)
    texts = [t for _ in range(40) for t in template_pair(rng)]
    pairs = [(rng.randrange(len(texts)), rng.randrange(len(texts))) for _ in range(120)]
    expected = [may_conflict(*screen_texts([texts[a], texts[b]]), MAX_SLOT_CONFLICTS)
                for a, b in pairs]
    monkeypatch.setattr(slot_screen, "SCREEN_BATCH", batch)
    assert screen_pairs(pairs, texts.__getitem__, MAX_SLOT_CONFLICTS) == expected
