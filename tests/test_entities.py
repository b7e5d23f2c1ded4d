"""Name keys, spelling variants, entity extraction and dates (texts written for these tests)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

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
