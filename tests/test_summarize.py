"""Tests for the merged summary and the differences between sources (newsclust.summarize)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust.models import Article
from newsclust.sentences import quotes, split_sentences
from newsclust.summarize import StorySummary, summarize_story
from newsclust.wording import word_diff

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"


def art(id_: str, text: str, title: str | None = None, date: dt.date | None = None) -> Article:
    return Article(id=id_, text=text, path=f"{id_}.txt", title=title, date=date)


# Hand-written reports of an invented earthquake: they agree on most things, not on the figures.
QUAKE_A = art(
    "a",
    "A strong earthquake of magnitude 5.8 struck near the town of Varnell on Monday, "
    "killing at least 12 people and injuring dozens, officials said.\n\n"
    "Rescue teams searched collapsed buildings in the old town through the night.\n\n"
    "The regional governor said that 40 houses were destroyed and schools would stay closed.\n\n"
    'Mayor Dana Kowalczyk said: "We are doing everything we can to reach the families trapped '
    'under the rubble."\n\n'
    "The region was hit by a smaller quake in 2011.",
    title="Deadly earthquake strikes Varnell | Daily Planet",
    date=dt.date(2024, 3, 4),
)
QUAKE_B = art(
    "b",
    "A 6.1-magnitude earthquake struck near the town of Varnell on Monday, killing 14 people, "
    "according to officials.\n\n"
    "Rescue teams searched collapsed buildings in the old town throughout the night.\n\n"
    "The regional governor said 40 houses were destroyed and that schools would remain closed.\n\n"
    'Mayor Dana Kowalczik said: "We are doing all we can to reach the families trapped under '
    'the ruins."\n\n'
    "Aid agencies sent tents and blankets from the capital.",
    title="Earthquake kills 14 in Varnell - World News",
    date=dt.date(2024, 3, 4),
)


def conflicts_about(result: StorySummary, about: str) -> list[dict]:
    return [c for c in result.differences["conflicts"] if c["about"] == about]


def test_death_toll_conflict_is_found():
    result = summarize_story([QUAKE_A, QUAKE_B])
    (toll,) = conflicts_about(result, "death toll")
    assert set(toll["values"]) == {"a", "b"}
    assert "12" in toll["values"]["a"] and "14" in toll["values"]["b"]


def test_magnitude_conflict_is_found():
    result = summarize_story([QUAKE_A, QUAKE_B])
    (magnitude,) = conflicts_about(result, "magnitude")
    assert "5.8" in magnitude["values"]["a"] and "6.1" in magnitude["values"]["b"]


def test_agreeing_figures_are_not_conflicts():
    result = summarize_story([QUAKE_A, QUAKE_B])
    # Both say 40 houses and both put the quake near Varnell: nothing to report there.
    assert not [c for c in result.differences["conflicts"] if "40" in json.dumps(c)]
    assert not conflicts_about(result, "place")


def test_updated_toll_is_not_a_conflict():
    early = art("x", "The storm killed 12 people on the coast, officials said on Friday.")
    later = art("y", "The death toll from the storm rose from 12 to 15 people, officials said.")
    result = summarize_story([early, later])
    assert not conflicts_about(result, "death toll")


def test_summary_sentences_are_supported_and_attributed():
    result = summarize_story([QUAKE_A, QUAKE_B], max_sentences=3)
    assert 1 <= len(result.summary) <= 3
    # The rescue sentence is in both reports, so the summary credits both.
    shared = [s for s in result.summary if "Rescue teams" in s.text]
    assert shared and shared[0].sources == ("a", "b")


def test_summary_has_three_to_max_sentences_when_text_allows():
    result = summarize_story([QUAKE_A, QUAKE_B])
    assert 3 <= len(result.summary) <= 5
    texts = [s.text for s in result.summary]
    assert len(texts) == len(set(texts))


def test_title_is_a_source_title_without_site_name():
    result = summarize_story([QUAKE_A, QUAKE_B])
    assert result.title in {"Deadly earthquake strikes Varnell", "Earthquake kills 14 in Varnell"}


def test_title_from_text_when_no_article_has_one():
    untitled = [art(a.id, a.text, date=a.date) for a in (QUAKE_A, QUAKE_B)]
    title = summarize_story(untitled).title
    assert title and len(title.split()) <= 14


def test_derived_title_turns_attribution_into_headline_form():
    text = (
        "Harbour Master Ines Barra said on Monday that the northern quay will stay closed to cargo "
        "ships until the storm damage has been repaired, officials added.\n\n"
        "Repairs to the quay are expected to take about six weeks."
    )
    title = summarize_story([art("h", text)]).title
    assert title.startswith("Barra: The northern quay will stay closed")
    assert len(title.split()) <= 14


def test_only_in_lists_what_one_source_alone_carries():
    only_in = summarize_story([QUAKE_A, QUAKE_B]).differences["only_in"]
    texts_a = [f["text"] for f in only_in["a"]]
    texts_b = [f["text"] for f in only_in["b"]]
    assert any("2011" in t for t in texts_a)
    assert any("tents and blankets" in t for t in texts_b)
    assert all(set(f) >= {"kind", "text"} for f in only_in["a"] + only_in["b"])
    assert all(f["kind"] in {"sentence", "entity", "figure"} for f in only_in["a"] + only_in["b"])
    # The shared rescue sentence is nobody's own fact.
    assert not any("Rescue teams" in t for t in texts_a + texts_b)


def test_quotes_worded_differently_are_diffed():
    wording = summarize_story([QUAKE_A, QUAKE_B]).differences["wording"]
    quote = [w for w in wording if w["texts"][0].startswith("We are doing")]
    assert quote, wording
    ops = quote[0]["diff"]
    assert {"op": "replace", "a": "rubble", "b": "ruins"} in ops
    assert quote[0]["articles"] == ["a", "b"]


def test_name_variants_are_one_entity():
    entities = summarize_story([QUAKE_A, QUAKE_B]).differences["entities"]
    mayor = [e for e in entities if any("Kowalcz" in v for v in e["variants"])]
    assert len(mayor) == 1
    assert set(mayor[0]["variants"]) >= {"Dana Kowalczyk", "Dana Kowalczik"}
    assert mayor[0]["articles"] == ["a", "b"]


def test_conflicting_values_are_not_repeated_as_lone_facts():
    only_in = summarize_story([QUAKE_A, QUAKE_B]).differences["only_in"]
    figures = [f["text"] for facts in only_in.values() for f in facts if f["kind"] == "figure"]
    assert not [f for f in figures if "12" in f or "14" in f or "5.8" in f or "6.1" in f]


def test_entity_name_ties_go_to_the_earliest_source_and_junk_is_dropped():
    entities = summarize_story([QUAKE_A, QUAKE_B]).differences["entities"]
    names = [e["name"] for e in entities]
    assert "Dana Kowalczyk" in names  # a's spelling: a is first (same date, smaller id)
    assert "Rescue" not in names  # "Rescue teams ..." starts a sentence; it is not a name


def test_counts_written_in_words_are_not_lone_figures_unless_they_measure_the_event():
    a = art(
        "wa",
        "Police briefly held two Russian journalists in the port, officials said on Monday.\n\n"
        "Two removable 545 Wh batteries power the new ferry, which cost $4 million.\n\n"
        "Two people were killed when the old ferry sank, the harbour master said.",
    )
    b = art("wb", "The ferry service resumed on Monday after a week of repairs, officials said.")
    facts = summarize_story([a, b]).differences["only_in"]["wa"]
    figures = [f["text"] for f in facts if f["kind"] == "figure"]
    assert "$4 million" in figures
    assert "Two people were killed" in figures
    assert not [f for f in figures if f.lower().startswith("two") and "killed" not in f]


TALKS_A = art(
    "ta",
    "The foreign ministers of Norland and Ostavia met in Geneva on Tuesday to discuss the "
    "ceasefire along their border, officials said.\n\n"
    "A photo released by the ministry shows the two ministers in Vienna last year (AFP photo)\n\n"
    "The ministers agreed to open two new border crossings before the end of the month.",
)
TALKS_B = art(
    "tb",
    "The foreign ministers of Norland and Ostavia held talks in Vienna on Wednesday to discuss "
    "the ceasefire along their border, officials said.\n\n"
    "The ministers agreed to open two new border crossings before the end of the month.\n\n"
    "Anna Lindqvist, the Norland minister, thanked her hosts.",
)


def test_place_and_date_conflicts_between_reports_of_one_meeting():
    result = summarize_story([TALKS_A, TALKS_B])
    (place,) = conflicts_about(result, "place")
    # The caption's "Vienna" places a photo, not the talks reported by "ta".
    assert place["values"] == {"ta": "Geneva", "tb": "Vienna"}
    (date,) = conflicts_about(result, "date")
    assert date["values"] == {"ta": "Tuesday", "tb": "Wednesday"}
    # The shared sentence is credited to both sources.
    crossing = [s for s in result.summary if "border crossings" in s.text]
    assert crossing and crossing[0].sources == ("ta", "tb")


def test_person_named_before_a_verb_is_still_an_entity():
    a = art("pa", "Anna Lindqvist visited the flooded villages on Sunday, the government said.")
    b = art("pb", "Anna Lindqvist toured flooded villages on Sunday and promised help.")
    entities = summarize_story([a, b]).differences["entities"]
    assert [e["name"] for e in entities if e["kind"] == "person"] == ["Anna Lindqvist"]


def test_single_source_story_has_no_differences():
    result = summarize_story([QUAKE_A])
    assert result.differences == {"only_in": {}, "conflicts": [], "wording": [], "entities": []}
    assert result.summary and all(s.sources == ("a",) for s in result.summary)
    assert result.title == "Deadly earthquake strikes Varnell"


def test_single_source_summary_is_its_lead_without_captions_fragments_or_repeats():
    quay = "The northern quay of Ostby harbour will stay closed to cargo ships until June."
    text = "\n\n".join(
        [
            "A handout photo shows the damaged quay (AFP photo)",
            quay,
            "Share this",
            f"(WMC-TV) - {quay}",
            "Ferries still run.",
            "Repairs are expected to take about six weeks, the harbour master said.",
            "Cargo will go to the southern quay in the meantime, officials said.",
            "A fourth sentence that the summary has no room for, as it turns out.",
        ]
    )
    result = summarize_story([art("q", text)], max_sentences=3)
    assert [s.text for s in result.summary] == [
        quay,
        "Repairs are expected to take about six weeks, the harbour master said.",
        "Cargo will go to the southern quay in the meantime, officials said.",
    ]
    assert result.title.startswith("The northern quay of Ostby harbour will stay closed")


def test_single_source_without_summary_worthy_sentences_keeps_its_first_ones():
    result = summarize_story([art("s", "Police are investigating.\n\nNo arrests yet.")])
    assert [s.text for s in result.summary] == ["Police are investigating.", "No arrests yet."]
    assert result.title == "Police are investigating"


def test_chinese_article_gets_a_title_and_summary():
    text = "杭州市图书馆新馆于周六正式向公众开放。新馆藏书超过三百万册，并设有儿童阅读区。"
    result = summarize_story([art("zh", text)])
    assert result.title == "杭州市图书馆新馆于周六正式向公众开放"
    assert [s.text for s in result.summary] == [
        "杭州市图书馆新馆于周六正式向公众开放。",
        "新馆藏书超过三百万册，并设有儿童阅读区。",
    ]


def test_output_is_deterministic_and_independent_of_input_order():
    first = summarize_story([QUAKE_A, QUAKE_B])
    again = summarize_story([QUAKE_B, QUAKE_A])
    assert first == again
    assert json.dumps(first.differences, sort_keys=False) == json.dumps(again.differences)


def test_differences_are_json_ready():
    differences = summarize_story([QUAKE_A, QUAKE_B]).differences
    assert list(differences) == ["only_in", "conflicts", "wording", "entities"]
    assert json.loads(json.dumps(differences)) == differences


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="at least one article"):
        summarize_story([])
    with pytest.raises(ValueError, match="'max_sentences'"):
        summarize_story([QUAKE_A], max_sentences=0)


def test_article_without_text_does_not_crash():
    result = summarize_story([art("e", ""), art("f", "   ", title="Only a title")])
    assert result.title == "Only a title"
    assert result.summary == ()


def test_big_story_is_fast_enough():
    import time

    articles = [
        art(
            f"n{i:02d}",
            " ".join(
                f"Sentence {j} of report {i} says the council met on budget item {j % 7} today."
                for j in range(40)
            ),
        )
        for i in range(50)
    ]
    start = time.perf_counter()
    summarize_story(articles)
    assert time.perf_counter() - start < 30


_WORDS = st.sampled_from(
    [
        "the",
        "mayor",
        "said",
        "storm",
        "flood",
        "Varnell",
        "Kowalczyk",
        "12",
        "people",
        "killed",
        "$3",
        "million",
        "on",
        "Monday",
        "in",
        "near",
        "town",
        "of",
        "“we",
        "will",
        "rebuild”",
        '"quickly"',
        ".",
        ",",
        "magnitude",
        "5.8",
        "visited",
        "Geneva",
    ]
)
_TEXTS = st.lists(_WORDS, min_size=0, max_size=60).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_any_texts_give_a_consistent_json_ready_result(texts, rng):
    articles = [art(f"r{i}", text + ".") for i, text in enumerate(texts)]
    result = summarize_story(articles)
    assert json.loads(json.dumps(result.differences)) == result.differences
    ids = [a.id for a in articles]
    for sentence in result.summary:
        assert sentence.sources and set(sentence.sources) <= set(ids)
        assert any(sentence.text in " ".join(a.text.split()) for a in articles)
    shuffled = articles[:]
    rng.shuffle(shuffled)
    assert summarize_story(shuffled) == result


# --- helpers ---------------------------------------------------------------------------------


def test_sentence_splitter_keeps_quotes_and_initials_together():
    text = (
        "Officials met George W. Bush in Dallas. “We came to talk. We left friends,” he said.\n\n"
        "Background\n\n"
        "PARIS — Talks resumed on Monday."
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Officials met George W. Bush in Dallas.",
        "“We came to talk. We left friends,” he said.",
        "Talks resumed on Monday.",
    ]
    assert sentences[2].dateline == "Paris"


def test_quotes_skip_scare_quotes():
    assert quotes('They "infringe" on "the sovereignty of our great country", he said.') == [
        "the sovereignty of our great country"
    ]


def test_word_diff_ops():
    assert word_diff("the illegitimate pressure", "the illegal pressure") == [
        {"op": "equal", "a": "the", "b": "the"},
        {"op": "replace", "a": "illegitimate", "b": "illegal"},
        {"op": "equal", "a": "pressure", "b": "pressure"},
    ]


# --- acceptance: the two seed reports of the Lavrov–Cavusoglu talks ---------------------------

_CHROME = re.compile(
    r"^(?:You are here|\d+ users have voted\.|Get top stories and blog posts .*|By \w+ - .*)$"
)


def _seed_articles() -> list[Article]:
    """The seed files as the clean stage would hand them over (minimal chrome strip, test only)."""
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds at {SEEDS}")
    articles = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if not _CHROME.match(ln.strip())]
        paragraphs = [ln.strip() for ln in lines if ln.strip()]
        title = None
        # A first line without final punctuation is the headline (the 000 seed has one).
        if paragraphs and not re.search(r"[.!?\"”]$", paragraphs[0]):
            title, paragraphs = paragraphs[0], paragraphs[1:]
        articles.append(art(path.stem, "\n\n".join(paragraphs), title=title))
    if len(articles) < 2:
        pytest.skip("fewer than two seed files")
    return articles


@pytest.fixture(scope="module")
def seeds() -> tuple[list[str], StorySummary]:
    articles = _seed_articles()
    return [a.id for a in articles], summarize_story(articles)


def _facts(result: StorySummary, article_id: str) -> str:
    return " ".join(f["text"] for f in result.differences["only_in"].get(article_id, []))


def test_seeds_summary_has_lavrov_on_cooperation_despite_sanctions(seeds):
    _, result = seeds
    assert 3 <= len(result.summary) <= 5
    assert any(
        "Lavrov" in s.text and "cooperation" in s.text and "sanctions" in s.text
        for s in result.summary
    ), result.summary
    assert result.title


def test_seeds_only_in_first(seeds):
    (first, _), result = seeds
    facts = _facts(result, first)
    assert "$2.5 billion" in facts
    assert "Nagorno Karabakh" in facts


def test_seeds_only_in_second(seeds):
    (_, second), result = seeds
    facts = _facts(result, second)
    assert "Libya" in facts
    assert "Greece" in facts and "Cyprus" in facts and "European Union" in facts


def test_seeds_putin_quote_is_aligned(seeds):
    (first, second), result = seeds
    entries = [
        w
        for w in result.differences["wording"]
        if "illegitimate" in w["texts"][0] and "illegal" in w["texts"][1]
    ]
    assert entries, result.differences["wording"]
    assert entries[0]["articles"] == [first, second]
    assert any(
        op["op"] == "replace" and "illegitimate" in op["a"] and "illegal" in op["b"]
        for op in entries[0]["diff"]
    )


def test_seeds_lavrov_and_cavusoglu_are_one_entity_each(seeds):
    ids, result = seeds
    entities = result.differences["entities"]
    lavrov = [e for e in entities if any("Lavrov" in v for v in e["variants"])]
    assert len(lavrov) == 1
    assert {"Sergei Lavrov", "Sergey Lavrov"} <= set(lavrov[0]["variants"])
    cavusoglu = [e for e in entities if any(re.search("(?i)(c|ç)avu", v) for v in e["variants"])]
    assert len(cavusoglu) == 1
    variants = " ".join(cavusoglu[0]["variants"])
    assert "Cavusoglu" in variants and "Çavuşolu" in variants
    assert lavrov[0]["articles"] == ids and cavusoglu[0]["articles"] == ids


def test_seeds_place_of_talks_per_source(seeds):
    (first, second), result = seeds
    (place,) = conflicts_about(result, "place")
    assert "Sochi" in place["values"][second]
    # The first seed names Sochi only in a photo caption; in its text Cavusoglu "visited Moscow".
    assert place["values"][first] == "Moscow"
