"""Tests for the parts of the merged summary (newsclust.summary.*) and their text helpers."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from newsclust import sentences
from newsclust.models import Article
from newsclust.sentences import Sentence, content_stems, content_tokens, fold, split_sentences
from newsclust.summary import figures as figures_module
from newsclust.summary import selection
from newsclust.summary.alignment import tfidf
from newsclust.summary.figures import figures
from newsclust.summary.name_groups import group_names, occurrences
from newsclust.summary.selection import lead_sentences
from newsclust.summary.story import locate, read_story
from newsclust.wording import folded_words, join_tokens, reaches_word_ratio, word_ratio


def art(id_: str, text: str, date: dt.date | None = None) -> Article:
    return Article(id=id_, text=text, path=f"{id_}.txt", date=date)


def sentence(text: str) -> Sentence:
    return Sentence(text=text, index=0, paragraph=0)


# --- story ------------------------------------------------------------------------------------


def test_story_order_is_date_then_id_and_rows_are_numbered_across_articles():
    docs = read_story(
        [
            art("b", "First of b. Second of b."),
            art("undated", "Only one."),
            art("a", "", dt.date(2024, 1, 2)),
            art("c", "First of c.", dt.date(2024, 1, 1)),
        ]
    )
    assert [d.id for d in docs] == ["c", "a", "b", "undated"]
    assert [(d.offset, d.end) for d in docs] == [(0, 1), (1, 1), (1, 3), (3, 4)]
    # An empty article shares its offset with the next one; rows still find their article.
    assert [(doc.id, s.text) for doc, s in (locate(docs, row) for row in range(4))] == [
        ("c", "First of c."),
        ("b", "First of b."),
        ("b", "Second of b."),
        ("undated", "Only one."),
    ]


def test_big_stories_keep_the_leads_of_each_article():
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    docs = read_story([art(f"n{i:03d}", text) for i in range(100)])
    assert all(len(d.sentences) == 30 for d in docs)  # 3000 sentences in all, leads first
    assert docs[0].sentences[-1].text == "Sentence number 29 is here."


# --- name groups -------------------------------------------------------------------------------


def test_spellings_and_surnames_join_one_group_but_ambiguous_surnames_do_not():
    docs = read_story(
        [
            art("a", "Sergey Lavrov met Donald Trump. Ivanka Trump was there."),
            art("b", "Sergei Lavrov spoke. Lavrov smiled. Trump left."),
        ]
    )
    groups, index = group_names(docs)
    assert index["Sergey Lavrov"] == index["Sergei Lavrov"] == index["Lavrov"]
    lavrov = groups[index["Lavrov"]]
    assert lavrov.name == "Sergey Lavrov" and lavrov.kind == "person"
    assert list(lavrov.articles) == ["a", "b"]
    assert index["Donald Trump"] != index["Ivanka Trump"]
    assert index["Trump"] not in (index["Donald Trump"], index["Ivanka Trump"])


@given(st.text(alphabet="ab ", max_size=30), st.sampled_from(["a", "ab", "aa", "b a"]))
def test_occurrences_are_the_non_overlapping_matches_of_the_name(text, name):
    assert list(occurrences(name, text)) == [m.start() for m in re.finditer(re.escape(name), text)]


# --- alignment ---------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["storm", "flood", "@1", "@2", "mayor", "town"]), max_size=8),
        min_size=1,
        max_size=12,
    ).filter(any)
)
def test_tfidf_weights_are_scikit_learns(rows):
    expected = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True).fit_transform(
        rows
    )
    assert np.allclose(tfidf(rows).toarray(), expected.toarray(), rtol=0, atol=1e-12)


# --- selection ---------------------------------------------------------------------------------


def test_lead_reads_no_further_than_it_needs(monkeypatch):
    read = []

    def counting(text):
        for s in split_sentences(text):
            read.append(s)
            yield s

    monkeypatch.setattr(selection, "iter_sentences", counting)
    text = "Fragment.\n\nThe first sentence of the article is long enough.\n\n" * 1000
    lead = lead_sentences(text, 1)
    assert [s.text for s in lead] == ["The first sentence of the article is long enough."]
    assert len(read) == 2


# --- figures -----------------------------------------------------------------------------------


def test_figures_say_what_they_count():
    found = figures(
        sentence(
            "A magnitude 6.1 quake on 29 Dec killed at least 12 people and cost $2.5 billion, "
            "3.5 percent of output, in 2011 terms; two Russian journalists saw 40 houses fall."
        )
    )
    assert [(f.text, f.about, f.measure) for f in found] == [
        ("magnitude 6.1", "magnitude", True),
        ("at least 12 people", "death toll", True),
        ("$2.5 billion", "amount", False),
        ("3.5 percent", "percent", False),
        ("two Russian journalists", "journalist", False),
        ("40 houses", "hous", False),
    ]
    assert [f.stands_alone for f in found] == [True, True, True, True, False, True]


def test_counts_of_generic_nouns_do_not_stand_alone():
    (countries,) = figures(sentence("The 2 countries agreed."))
    assert not countries.stands_alone


_FIGURE_PIECES = [
    "at least", "about", "approximately", "some", "up to", "US$", "$", "€", "2,500", "3.5",
    "12", "2020", "S-400", "2020/12", "two", "Twenty", "seventeen", "often", "ten", "ſix",
    "İki", "ıx", "percent", "%", "million", "people", "killed", "-", ",", "/", ".", "(",
]  # fmt: skip


_GAPS = ["", " ", "  ", "\t", "      "]


@given(st.lists(st.tuples(st.sampled_from(_FIGURE_PIECES), st.sampled_from(_GAPS))))
@example([("approximately", "      "), ("US$", " "), ("12", "")])
def test_figures_are_searched_only_near_numbers_yet_all_found(pieces):
    # The fast scan must find exactly what the pattern finds when tried at every character.
    text = "".join(piece + gap for piece, gap in pieces)
    fast = figures_module._figure_matches(text, figures_module._number_starts(text))
    slow = figures_module._FIGURE.finditer(text)
    assert [(m.span(), m.groupdict()) for m in fast] == [(m.span(), m.groupdict()) for m in slow]


# --- text helpers ------------------------------------------------------------------------------


@given(st.text(max_size=40))
def test_fold_of_ascii_is_the_unicode_fold(text):
    decomposed = unicodedata.normalize("NFKD", text)
    assert fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@given(st.text(alphabet="Ab çé.-' ", max_size=60))
def test_content_stems_are_the_set_of_content_tokens(text):
    assert content_stems(text) == set(content_tokens(text))


def test_split_sentences_is_the_whole_of_iter_sentences():
    text = "MOSCOW — One here. Two there.\n\nHeading\n\nThree (AFP photo)."
    assert [
        (s.text, s.index, s.paragraph, s.caption, s.dateline) for s in split_sentences(text)
    ] == [
        ("One here.", 0, 0, False, "Moscow"),
        ("Two there.", 1, 0, False, ""),
        ("Three (AFP photo).", 2, 2, True, ""),
    ]


@pytest.mark.parametrize(
    ("text", "captions"),
    [
        # A wire credit makes the sentence before it a caption, and itself.
        ("The mayor speaks at City Hall on Monday. (AP Photo/Jane Doe)\n\nThe council voted.",
         [True, True, False]),
        ("Smoke rises over Main Street. (Photo: Jane Doe/The Ledger)", [True, True]),
        ("In this Jan. 5, 2016, file photo, crews work at the scene.", [True]),
        ("FILE - In this undated photo provided by police, a man poses.", [True]),
        # Prose that only mentions a photo is not a caption.
        ("In this case, police said the photo was fake.", [False]),
        ("Police said he was arrested. (Courtesy of the sheriff's office)", [False, False]),
    ],
)
def test_photo_captions_and_credits(text, captions):
    assert [s.caption for s in split_sentences(text)] == captions


# The sentence-end and caption patterns are written so that the regex engine can skip to their
# candidates; they must find what their plain readings find.
_SPLIT_TEXT = st.lists(
    st.sampled_from(list("aB7 .!?。！？\"'”’)]“(\n") + ["(photo)", "Photo: ", "in this ", "file "]),
    max_size=25,
).map("".join)


@given(_SPLIT_TEXT)
@settings(max_examples=500, deadline=None)
def test_sentence_end_and_caption_patterns_match_their_plain_readings(text):
    boundary = re.compile(
        r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|[。！？]+[”’」』）)]*\s*(?=\S)"
    )
    assert [m.span() for m in sentences._BOUNDARY.finditer(text)] == [
        m.span() for m in boundary.finditer(text)
    ]
    caption = re.compile(
        f"{sentences._CAPTION_ANYWHERE.pattern}|^(?:{sentences._CAPTION_START.pattern})",
        re.IGNORECASE,
    )
    assert sentences._is_caption(text) == bool(caption.search(text))


def test_chinese_text_splits_at_full_width_stops():
    text = "新馆于周六正式开放。馆长王丽表示：“欢迎读者！”图书馆每天开放十二个小时？\n\n标题"
    assert [s.text for s in split_sentences(text)] == [
        "新馆于周六正式开放。",
        "馆长王丽表示：“欢迎读者！”",
        "图书馆每天开放十二个小时？",
    ]


@given(
    st.lists(st.sampled_from(["the", "storm", "hit", "town", "near", "a"]), max_size=12),
    st.lists(st.sampled_from(["the", "storm", "hit", "town", "near", "a"]), max_size=12),
    st.sampled_from([0.0, 0.45, 0.9]),
)
def test_word_ratio_is_exact_above_its_floor_and_below_it_otherwise(a, b, floor):
    a, b = " ".join(a), " ".join(b)
    exact = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
    exact = exact if a and b else 0.0
    got = word_ratio(a, b, floor=floor)
    assert got == exact if exact >= floor else got < floor


@given(st.text(alphabet="AbΣσςé ̈́’'-._,1ﷺ²İ \n", max_size=40) | st.text(max_size=20))
def test_folded_words_are_the_folded_word_tokens(text):
    # rewording compares sentences by their folded words, read from wording.folded_words.
    assert " ".join(folded_words(text)) == fold(" ".join(sentences.word_tokens(text)))


def _joined_one_by_one(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if out and not re.fullmatch(r"[,.;:!?)\]”’%]", token) and not out.endswith(("(", "“")):
            out += " "
        out += token
    return out


@given(st.lists(st.sampled_from(["", "a", "(", "“", ")", ",", "”", "%", "..", "b)", "(c"])))
def test_join_tokens_spaces_words_but_not_before_closing_marks(tokens):
    assert join_tokens(tokens) == _joined_one_by_one(tokens)


@given(
    st.lists(st.sampled_from(["The", "storm", "hit", "town", "near", "a", ","]), max_size=12),
    st.lists(st.sampled_from(["the", "storm", "hit", "town", "near", "a", "."]), max_size=12),
    st.sampled_from([0.0, 0.2, 0.45, 0.5, 2 / 3, 0.9, 1.0]),
)
def test_reaches_word_ratio_decides_as_the_ratio_does(a, b, floor):
    a, b = " ".join(a), " ".join(b)
    assert reaches_word_ratio(a, b, floor) == (word_ratio(a, b, floor=floor) >= floor)
