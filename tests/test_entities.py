"""Name keys, spelling variants, entity extraction and dates (texts written for these tests)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust import entities
from newsclust.entities import (
    Entity,
    extract_dates,
    extract_entities,
    extract_names,
    name_key,
    same_name,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sergey", "Sergei"),
        ("Sergey Lavrov", "Sergei Lavrov"),
        ("Çavuşoğlu", "Cavusoglu"),
        ("Çavuşolu", "Cavusoglu"),
        ("Çavuşoğlu", "Çavuşolu"),
        ("Mevlüt", "Mevlut"),
        ("Mevlüt Çavuşoğlu", "Mevlut Cavusoglu"),
        ("Recep Tayyip Erdoğan", "Recep Tayyip Erdogan"),
        ("Mohammed", "Mohamed"),
        ("O’Brien", "O'Brien"),
        ("Eddie’s", "Eddie"),
        ("SOCHI", "Sochi"),
    ],
)
def test_variants_share_a_key(a, b):
    assert name_key(a) == name_key(b)
    assert same_name(a, b)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Mevlut", "Mevlud", True),  # one edit on a long word
        ("Kalashnikov", "Kalashnikow", True),
        ("Erdogan", "Erdoan", True),  # a dropped letter
        ("Jon", "John", False),  # short words must match exactly
        ("Smith", "Jones", False),
        ("Lavrov", "Sergei Lavrov", False),  # spelling only, not co-reference
        ("Mevlut", "Nevlut", False),  # fuzzy words must start alike
        ("", "Lavrov", False),
    ],
)
def test_same_name(a, b, same):
    assert same_name(a, b) is same
    assert same_name(b, a) is same


def test_name_key_is_plain_ascii_words():
    assert name_key("  Jean-Luc  Mélenchon ") == "jean luc melenchon"
    assert name_key("Łódź") == "lodz"


def test_entity_is_frozen_and_hashable():
    e = Entity("Eddie Holmes", "person", "edie holmes")
    assert {e, Entity("Eddie Holmes", "person", "edie holmes")} == {e}
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.kind = "place"  # type: ignore[misc]


TEXT = (
    "TOLEDO, Ohio — A 23-year-old man was shot Feb. 6 in the 1400 block of Dorr Street, "
    "police said.\n\n"
    "Marcus Webb, 23, died at St. Vincent Medical Center. Officer Dana Ruiz said Webb had "
    "argued with a neighbour. The Lucas County coroner's office confirmed the death.\n\n"
    "Russia's S-400 was not involved, obviously."
)


def _by_key(entities):
    return {e.key: e for e in entities}


def test_extract_entities_finds_people_places_numbers():
    found = _by_key(extract_entities(TEXT))
    assert found[name_key("Marcus Webb")].kind == "person"
    assert found[name_key("Dana Ruiz")].kind == "person"
    assert found[name_key("Dorr Street")].kind == "place"
    assert found[name_key("Lucas County")].kind == "place"
    assert found[name_key("Toledo")].kind == "place"
    assert found["age:23"].kind == "number"
    assert found["block:1400"].kind == "number"
    # A lone surname after the full name is the same person.
    assert found[name_key("Webb")].kind == "person"
    # The possessive ends the name: "Russia" and "S-400", not "Russia S-400".
    assert name_key("Russia") in found
    assert name_key("Russia S-400") not in found


def test_extract_entities_skips_sentence_starters_and_is_ordered():
    entities = extract_entities(TEXT)
    keys = [e.key for e in entities]
    assert "the" not in keys and "police" not in keys
    assert keys.index(name_key("Toledo")) < keys.index(name_key("Marcus Webb"))
    assert extract_entities("") == []


def test_spelled_out_ages_and_money():
    found = _by_key(extract_entities("A four-year-old girl was hurt. The deal cost $2.5 billion."))
    assert "age:4" in found
    assert "money:2.5 billion" in found


def test_extract_dates_resolves_against_the_article_date():
    ref = dt.date(2014, 5, 16)
    assert extract_dates("The shooting occurred Feb. 6 at a home.", ref) == [dt.date(2014, 2, 6)]
    # A January article looking back at December means last year.
    assert extract_dates("It happened on Dec. 30.", dt.date(2015, 1, 2)) == [dt.date(2014, 12, 30)]
    assert extract_dates("on 6 February 2013 and on 2013-03-01", ref) == [
        dt.date(2013, 2, 6),
        dt.date(2013, 3, 1),
    ]
    # The verb "may" is not the month.
    assert extract_dates("Police may 5 times", ref) == []
    # Without a reference only dates with a year can be placed.
    assert extract_dates("Feb. 6", None) == []
    assert extract_dates("Dec 29, 2020", None) == [dt.date(2020, 12, 29)]


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("1,234,567 people and 12345 more", ["num:1234567", "num:12345"]),
        ("in 1999 and 2020", []),  # years are dates, not counts
        ("model a1234, v2.3456, $5,000, 2020/12", ["money:5000"]),  # glued to a word or a dot
        ("the 1400 block of Main", ["block:1400", "num:1400"]),
        ("the 1400 Block of Main and 1400 blocks", ["block:1400", "num:1400", "num:1400"]),
        ("John Smith, 23, and a man aged 45", ["age:23", "age:45"]),
        ("A 44-YEAR-OLD man; AGE 7", ["age:44", "age:7"]),  # the age patterns ignore case
    ],
)
def test_number_entities_at_the_edges(text, keys):
    """The number patterns skip text cheaply; these are the cases the shortcuts must keep."""
    numbers = [e.key for e in extract_entities(text) if e.kind == "number"]
    assert numbers == keys


def test_dates_need_a_word_boundary_before_the_number():
    ref = dt.date(2014, 5, 16)
    assert extract_dates("a2014-02-06 x12014-02-06 _2014-02-06", ref) == []
    assert extract_dates("x3 March and 123 March", ref) == []
    assert extract_dates("(6 February 2014), 3rd of March", ref) == [
        dt.date(2014, 2, 6), dt.date(2014, 3, 3),
    ]


def test_dotted_initials_are_one_word():
    found = [(e.text, e.kind) for e in extract_entities(
        "The U.S. Geological Survey said it. He met U.N. officials in Washington, D.C. on Monday."
    )]
    assert ("U.S. Geological Survey", "other") in found  # not "S. Geological Survey"
    assert ("U.N.", "org") in found and ("D.C.", "place") in found
    assert [e.text for e in extract_entities("They flew back to the U.S.")] == ["U.S."]


def test_extract_names_is_extract_entities_without_numbers():
    text = ("John Smith, 23, was hit on Route 66 near the 1400 block of Main Street in Toledo, "
            "Ohio; the city paid $2.5 million and 1,200 people attended. I-95 was closed.")
    names = [e for e in extract_entities(text) if e.kind != "number"]
    assert extract_names(text) == names
    assert any(e.key == "route:66" for e in names)


# The name pattern starts with a character class so that the regex engine can skip to the
# candidates; it must find exactly what its plain reading (look-behind first) finds.
_NAME_PATTERN_TEXT = st.lists(
    st.sampled_from(list("AbJsthdnoU1 9.'’-\n,É") + ["of ", "St ", "5th ", "U.S."]), max_size=30
).map("".join)


@given(_NAME_PATTERN_TEXT)
@settings(max_examples=500, deadline=None)
def test_name_pattern_matches_its_plain_reading(text):
    up, word, ordinal, connect = entities._UP, entities._WORD, entities._ORDINAL, entities._CONNECT
    plain = re.compile(
        rf"(?<![\w'’\-])(?:{word}|{ordinal}(?=\s+[{up}]))"
        rf"(?:\s(?:{connect}\s)?(?:{word}|{ordinal}))*"
        rf"(?:\.(?=\s+[{up}a-z]))?",
    )
    found = [(m.start(), m.group(0)) for m in entities._SEQ.finditer(text)]
    assert found == [(m.start(), m.group(0)) for m in plain.finditer(text)]


# --------------------------------------------------------------------------- shortcuts
# The extractor caches the reading of each capitalised match and takes shortcuts around the
# text-wide work; these tests hold each shortcut to the plain reading it stands for.


def test_a_cached_reading_still_follows_its_text():
    """The same capitalised words read differently where the text makes one a common word,
    or where the words around tell another kind."""
    assert [e.text for e in extract_names("Mark Smith spoke.")] == ["Mark Smith"]
    # "mark" in lower case elsewhere: at a sentence start, "Mark" is the verb.
    assert [e.text for e in extract_names("Mark Smith spoke. They mark it.")] == ["Smith"]
    # Not at a sentence start, the first word stays.
    assert [e.text for e in extract_names("Then Mark Smith spoke. They mark it.")] == [
        "Mark Smith"]
    kinds = [e.kind for e in extract_names("Ruiz said Hart, 23, was hit. Officer Hart said.")]
    assert kinds == ["other", "person", "person"]
    assert [e.kind for e in extract_names("He saw Hart.")] == ["other"]


def test_long_title_case_runs_drop_words_the_text_writes_in_lower_case():
    text = "Reports From The Big Northern River Valley Today. A river ran."
    assert "River" not in " ".join(e.text for e in extract_names(text))
    assert "River" in " ".join(e.text for e in extract_names(text.replace("river", "stream")))


def test_a_match_reading_is_a_flat_tuple_of_strings():
    """Cached readings must not hold containers: a cache of nested tuples stays tracked by the
    garbage collector and made its full collections frequent."""
    for whole in ("John Smith", "Russia's S-400", "The", "U.S. Geological Survey"):
        assert all(type(part) is str for part in entities._read_match(whole))


_LOWER_TEXT = st.lists(
    st.sampled_from(["elect", "re", "el", "ect", "Elect", "'", "’", "-", " ", ".", "_", "9", "é",
                     "x", "electe"]),
    max_size=14,
).map("".join)


@given(_LOWER_TEXT, st.lists(st.sampled_from(["elect", "re-elect", "el", "ect", "x", "electe",
                                              "elect's", "é"]), max_size=4))
@settings(max_examples=400, deadline=None)
def test_lower_words_among_is_the_set_of_all_lower_case_words(text, asked):
    expected = frozenset(entities._LOWER_WORDS.findall(text)) & set(asked)
    assert entities._LowerWords(text).among(asked) == expected


@given(st.lists(st.sampled_from(list("aZ9 .,;:!?'\"“”‘’()-—–•|\n\t\u00a0")), max_size=12).map(
    "".join))
@settings(max_examples=400, deadline=None)
def test_sentence_start_pre_check_agrees_with_the_pattern(text):
    for start in range(len(text) + 1):
        plain = bool(entities._SENTENCE_START.search(text[max(0, start - 4) : start]))
        assert entities._is_sentence_start(text, start) is plain


_NAME_WORD = st.lists(
    st.sampled_from(list("aAyYgğİıſßŁœ’'`-.é\u0301Σσ9") + ["oglu", "'s", "ss"]), min_size=1,
    max_size=6,
).map("".join)


def _plain_name_key(name: str) -> str:
    """name_key as first written, without its shortcuts."""
    text = name.translate(entities._SPECIAL_LETTERS)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    if "'" in text:
        text = re.sub(r"'s\b", "", text).replace("'", "")
    tokens = [re.sub(r"([a-z])\1+", r"\1", t.replace("y", "i").replace("oglu", "olu"))
              for t in re.split(r"[^a-z0-9]+", text) if t]
    return " ".join(tokens)


@given(st.lists(_NAME_WORD, min_size=1, max_size=4))
@settings(max_examples=500, deadline=None)
def test_name_key_shortcuts_and_word_keys(words):
    """name_key's fast paths give the plain result, and a run's key is its words' keys
    joined (the extractor builds run keys that way)."""
    name = " ".join(words)
    assert name_key(name) == _plain_name_key(name)
    assert name_key(name) == " ".join(k for k in map(name_key, words) if k)


@given(st.lists(st.sampled_from(["year", "YEAR", "yr", "s", "S", "ſ", "-", " ", "old", "OLD",
                                 "aged", "Age", "AGE", " of", "7", "12", "\n", "x", "İ"]),
                max_size=10).map("".join))
@settings(max_examples=500, deadline=None)
def test_age_hints_find_every_match_of_the_age_patterns(text):
    folded = text.lower()
    for pattern, hint, back in ((entities._YEAR_OLD, entities._YEAR_OLD_HINT, 1),
                                (entities._AGE_WORD, entities._AGE_WORD_HINT, 0)):
        found = entities._hinted(pattern, hint, text, folded, back)
        assert [m.span() for m in found] == [m.span() for m in pattern.finditer(text)]


@given(st.lists(st.sampled_from(["1", "22", "333", "x", " ", "block", "Block", " of", "\n"]),
                max_size=10).map("".join))
@settings(max_examples=300, deadline=None)
def test_block_pattern_matches_its_plain_reading(text):
    plain = re.compile(r"(?<!\d)(\d{2,6})\s+[Bb]lock\s+of\b")
    assert [m.span() for m in entities._BLOCK.finditer(text)] == [
        m.span() for m in plain.finditer(text)]


@given(st.lists(st.sampled_from(["2014", "12", "1", "-", "x", " ", "_", "02", "06"]),
                max_size=10).map("".join))
@settings(max_examples=400, deadline=None)
def test_iso_date_pattern_matches_its_plain_reading(text):
    """The hyphen-led pattern finds each date the digit-led reading finds, year included."""
    plain = re.compile(r"(\d(?<!\w\d)\d{3})-(\d{2})-(\d{2})\b")
    found = [(m.start() - 4, text[m.start() - 4 : m.start()], *m.groups())
             for m in entities._ISO_DATE.finditer(text)]
    assert found == [(m.start(), *m.groups()) for m in plain.finditer(text)]
