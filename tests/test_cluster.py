"""StoryClusterer: stories on small hand-written corpora, determinism, parameters, explain."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
import scipy.sparse as sp

from newsclust.cluster import Explanation, StoryClusterer
from newsclust.cluster.pair_graph import _average_linkage, _top_k_pairs
from newsclust.models import Article

D = dt.date


def art(id_, text, title=None, date=None, source=None):
    return Article(id=id_, text=text, path=f"{id_}.txt", title=title, date=date, source=source)


TOLEDO_A = art(
    "toledo-blade",
    "TOLEDO, Ohio — Marcus Webb, 23, was shot and killed Sunday night in the 1400 block of "
    "Dorr Street, Toledo police said. Officers found Webb on the porch of a house near "
    "Junction Avenue. Police said a gray sedan was seen leaving the scene. No arrests have "
    "been made. Webb's aunt, Loretta Webb, said he had just started a job at a warehouse.",
    title="Man, 23, killed in Dorr Street shooting",
    date=D(2016, 3, 14),
    source="blade",
)
TOLEDO_B = art(
    "toledo-13abc",
    "A 23-year-old man died after a shooting on Dorr Street in central Toledo on Sunday. "
    "Police identified him as Marcus Webb. Investigators are looking for a gray sedan. "
    "Loretta Webb described her nephew as a quiet man who loved basketball. Anyone with "
    "information is asked to call Toledo Crime Stoppers.",
    title="Toledo police identify Dorr Street shooting victim",
    date=D(2016, 3, 15),
    source="13abc",
)
TULSA = art(
    "tulsa-world",
    "TULSA, Okla. — A 41-year-old woman was wounded Saturday in a shooting at an apartment "
    "complex on East Pine Street, Tulsa police said. Officers arrested Dwayne Porter, 38, "
    "after a short standoff. The woman, Angela Morris, was taken to St. Francis Hospital and "
    "is expected to survive. Police said Porter and Morris had argued earlier in the day.",
    title="Woman wounded in east Tulsa apartment shooting; man arrested",
    date=D(2016, 3, 13),
    source="tulsaworld",
)
EMPTY = art("paywall", "", title="Subscribe to continue reading", date=D(2016, 3, 14))

CORPUS = [TOLEDO_A, TULSA, TOLEDO_B, EMPTY]


def partition(labels):
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, set()).add(i)
    return sorted(sorted(g) for g in groups.values())


def test_same_event_together_other_event_apart():
    labels = StoryClusterer().fit(CORPUS).labels_
    assert labels[0] == labels[2]  # both Toledo reports
    assert labels[1] != labels[0]  # Tulsa is another event
    assert labels[3] not in (labels[0], labels[1])  # the empty page stays alone


def test_labels_numbered_by_first_appearance_and_aligned():
    clusterer = StoryClusterer().fit(CORPUS)
    assert clusterer.labels_ == [0, 1, 0, 2]
    assert clusterer.n_stories_ == 3
    assert len(clusterer.labels_) == len(CORPUS)


def test_deterministic_and_input_order_independent():
    first = StoryClusterer().fit(CORPUS).labels_
    assert StoryClusterer().fit(CORPUS).labels_ == first
    rng = random.Random(7)
    for _ in range(5):
        order = list(range(len(CORPUS)))
        rng.shuffle(order)
        labels = StoryClusterer().fit([CORPUS[i] for i in order]).labels_
        back = [None] * len(CORPUS)
        for pos, i in enumerate(order):
            back[i] = labels[pos]
        assert partition(back) == partition(first)


def test_a_week_later_the_same_kind_of_event_is_a_new_story():
    later = art(
        "toledo-later",
        TOLEDO_B.text.replace("Marcus Webb", "Terrell Hayes").replace("Loretta", "Janice"),
        title="Another man shot on Dorr Street",
        date=D(2016, 4, 20),
    )
    # Even with most words shared, five weeks apart and other names means another story.
    explanation = StoryClusterer().fit([TOLEDO_B, later, TULSA]).explain(TOLEDO_B, later)
    time = next(c for c in explanation.components if c.name == "time")
    assert time.value < 0.35


def headline(id_, title, date):
    """A title-only item: a page whose text the cleaner emptied, or an RSS headline."""
    return art(id_, "", title=title, date=date)


def test_a_headline_joins_its_story():
    webb = headline("rss", "Police name Marcus Webb, 23, killed in Dorr Street shooting",
                    D(2016, 3, 15))
    labels = StoryClusterer().fit([*CORPUS, webb]).labels_
    assert labels[4] == labels[0] == labels[2]
    assert labels[4] != labels[1]


def test_headlines_of_one_event_a_day_apart_join():
    first = headline("h1", "Toddler dies after shooting in Killeen home", D(2016, 3, 14))
    second = headline("h2", "Killeen woman accused of shooting toddler", D(2016, 3, 15))
    labels = StoryClusterer().fit([*CORPUS, first, second]).labels_
    assert labels[4] == labels[5]


def test_headlines_sharing_a_city_weeks_apart_stay_apart():
    # Different shootings in one city: the headlines share the city and "shooting", which
    # for a few title words is a high cosine. A body could show more shared content weeks
    # later; a headline cannot, so time must be close.
    early = headline("h1", "Shooting in central Toledo sends four men to hospital",
                     D(2016, 3, 1))
    late = headline("h2", "Woman wounded in Toledo shooting", D(2016, 4, 12))
    clusterer = StoryClusterer().fit([*CORPUS, early, late])
    assert clusterer.labels_[4] != clusterer.labels_[5]
    explanation = clusterer.explain(early, late)
    text, entities, time = explanation.components
    # The content alone would pass the threshold under the floor that articles with a body get.
    content = text.contribution + entities.contribution
    assert content * clusterer.time_floor >= clusterer.threshold
    assert not explanation.linked
    assert "only a title" in time.detail


def test_a_headline_weeks_after_a_story_from_its_street_stays_apart():
    late = headline("h", "Toledo police: man shot on Dorr Street", D(2016, 4, 25))
    clusterer = StoryClusterer().fit([*CORPUS, late])
    assert clusterer.labels_[4] not in (clusterer.labels_[0], clusterer.labels_[2])
    text, entities, _ = clusterer.explain(TOLEDO_B, late).components
    assert (text.contribution + entities.contribution) * clusterer.time_floor >= \
        clusterer.threshold


def test_has_body_tells_a_kept_line_from_a_title_alone():
    from newsclust.cluster.repeated_lines import _has_body, _strip_chrome

    title, text = "Woman wounded in Toledo shooting | WTOL", "Subscribe now\nShe is 41."
    assert _has_body(_strip_chrome(title, text, ()))
    assert _has_body(_strip_chrome(None, text, ()))
    assert not _has_body(_strip_chrome(title, "", ()))
    assert not _has_body(_strip_chrome(title, text, (2, 3)))  # every line is chrome
    assert not _has_body(_strip_chrome(None, "", ()))


def test_empty_and_tiny_inputs():
    assert StoryClusterer().fit([]).labels_ == []
    assert StoryClusterer().fit([TOLEDO_A]).labels_ == [0]
    blank = [art("a", ""), art("b", "   "), art("c", "", title="")]
    assert sorted(StoryClusterer().fit(blank).labels_) == [0, 1, 2]
    # Only stop words, only numbers: no vocabulary at all, still one label each.
    for texts in (["the and of", "of the", "and"], ["123 456", "789", "42"]):
        articles = [art(str(i), t) for i, t in enumerate(texts)]
        clusterer = StoryClusterer().fit(articles)
        assert len(clusterer.labels_) == 3
        assert clusterer.explain(articles[0], articles[1]).similarity >= 0


def test_undated_copies_join():
    a = art("x", TOLEDO_A.text, title=TOLEDO_A.title)
    b = art("y", TOLEDO_A.text + "\n\nShare this article", title=None)
    assert len(set(StoryClusterer().fit([a, b, TULSA]).labels_[:2])) == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"threshold": 1.5}, "The 'threshold' parameter of StoryClusterer must be a float in "
                             r"\[0, 1\]. Got 1.5 instead."),
        ({"threshold": "high"}, "'threshold' parameter"),
        ({"n_neighbors": 0}, "'n_neighbors' parameter .* int"),
        ({"n_neighbors": 2.5}, "'n_neighbors'"),
        ({"time_tau": 0}, "'time_tau'"),
        ({"time_floor": -0.1}, "'time_floor'"),
        ({"text_weight": 0, "entity_weight": 0}, "must not both be 0"),
        ({"jobs": 0}, "'jobs'"),
        ({"boilerplate_min_docs": 1}, "'boilerplate_min_docs'"),
    ],
)
def test_parameter_validation(params, message):
    clusterer = StoryClusterer(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=message):
        clusterer.fit(CORPUS)


def test_params_are_keyword_only_and_repr_shows_changes():
    with pytest.raises(TypeError):
        StoryClusterer(0.2)  # type: ignore[misc]
    assert repr(StoryClusterer()) == "StoryClusterer()"
    assert repr(StoryClusterer(threshold=0.2)) == "StoryClusterer(threshold=0.2)"


def test_explain_lists_every_component_and_the_threshold():
    clusterer = StoryClusterer().fit(CORPUS)
    explanation = clusterer.explain(TOLEDO_A, TOLEDO_B)
    assert isinstance(explanation, Explanation)
    names = [c.name for c in explanation.components]
    assert names == ["text", "entities", "time"]
    assert explanation.threshold == clusterer.threshold
    assert explanation.linked and explanation.same_story
    entities = explanation.components[1]
    assert "Marcus Webb" in entities.detail and "Dorr Street" in entities.detail
    text, ents, time = explanation.components
    expected = (text.contribution + ents.contribution) * time.value
    assert explanation.similarity == pytest.approx(expected)

    apart = clusterer.explain(TOLEDO_A, TULSA)
    assert not apart.linked and apart.same_story is False
    # An article from outside the fitted corpus can still be explained.
    assert clusterer.explain(TOLEDO_A, art("new", "Nothing here.")).same_story is None


def test_explain_before_fit():
    with pytest.raises(RuntimeError, match="not fitted"):
        StoryClusterer().explain(TOLEDO_A, TOLEDO_B)


def test_average_linkage_does_not_chain():
    # A-B and B-C are close, A-C has no edge: the average link of {A, B} to C is 0.45.
    rows, cols, sims = np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.9])
    roots = _average_linkage(3, rows, cols, sims, threshold=0.5)
    assert roots[0] == roots[1] != roots[2]
    roots = _average_linkage(3, rows, cols, sims, threshold=0.4)
    assert len(set(roots.tolist())) == 1


def test_average_linkage_ties_are_deterministic():
    rows, cols, sims = np.array([0, 2]), np.array([1, 3]), np.array([0.5, 0.5])
    assert _average_linkage(4, rows, cols, sims, 0.5).tolist() == \
        _average_linkage(4, rows, cols, sims, 0.5).tolist()


def test_top_k_pairs_matches_brute_force():
    rng = np.random.default_rng(3)
    Z = sp.random(40, 30, density=0.2, random_state=rng, format="csr")
    k = 3
    rows, cols = _top_k_pairs(Z, k, chunk_cells=200)  # several chunks
    dense = (Z @ Z.T).toarray()
    np.fill_diagonal(dense, 0)
    expected = set()
    for i in range(40):
        order = sorted((j for j in range(40) if dense[i, j] > 0), key=lambda j: (-dense[i, j], j))
        expected |= {(min(i, j), max(i, j)) for j in order[:k]}
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == expected


PAYWALL = (
    "Just one more step. We have sent you a verification email; if it does not arrive within "
    "a few minutes, check your Spam or Junk folder."
)


def test_page_chrome_repeated_over_months_does_not_join_articles():
    towns = ["Dayton", "Akron", "Canton", "Lorain"]
    articles = [
        art(f"p{i}", f"{PAYWALL}\n\nA man was hurt in {town}.", title=f"{town} man hurt",
            date=D(2016, 1 + 2 * i, 5))
        for i, town in enumerate(towns)
    ]
    clusterer = StoryClusterer().fit(articles)
    assert sorted(clusterer.labels_) == [0, 1, 2, 3]
    entities = clusterer.explain(articles[0], articles[1]).components[1]
    assert "Spam" not in entities.detail


def test_undated_copies_are_not_mistaken_for_chrome():
    # Three copies of one undated report: too few to be a site template.
    copies = [art(f"c{i}", TOLEDO_A.text) for i in range(3)]
    assert StoryClusterer().fit([*copies, TULSA]).labels_ == [0, 0, 0, 1]


def test_worker_processes_give_the_same_stories():
    rng = random.Random(5)
    towns = ["Dayton", "Akron", "Canton", "Lorain", "Toledo", "Parma", "Elyria", "Kent"]
    names = ["Webb", "Ruiz", "Porter", "Morris", "Hayes", "Nolan", "Price", "Reyes", "Grant"]
    articles = []
    for i in range(240):  # enough for the worker pool to be used
        town, name = rng.choice(towns), rng.choice(names)
        articles.append(art(
            f"a{i}", f"{name} was hurt in {town} on Main Street. Police in {town} said {name} "
            f"is {rng.randint(18, 70)}.", title=f"{town} shooting", date=D(2016, 1, 1 + i % 28),
        ))
    assert StoryClusterer(jobs=2).fit(articles).labels_ == StoryClusterer().fit(articles).labels_


@pytest.mark.parametrize("jobs", [1, 2])
def test_word_counts_in_chunks_equal_one_count_vectorizer(monkeypatch, jobs):
    from newsclust.cluster import views

    monkeypatch.setattr(views, "COUNT_CHUNK", 3)
    texts = ["Holmes met the mayor", "", "12 34", "holmes and HOLMES", "Über straße",
             "the mayor, again", "zebra", "", "Ärger über Holmes"]
    reference = views._word_counter().fit(texts)
    words, counts = views._count_words(texts, jobs)
    assert list(words) == list(reference.get_feature_names_out())
    assert (counts != reference.transform(texts)).nnz == 0
    assert counts.dtype == np.float32


def test_repeated_chrome_needs_enough_documents_spread_over_time():
    from newsclust.cluster.days import _NO_DATE
    from newsclust.cluster.repeated_lines import _repeated_chrome

    spread, same_day, everywhere, rare = 11, 22, 33, 44
    docs = [np.array(keys, dtype=np.int64) for keys in (
        [spread, same_day, everywhere, rare], [spread, same_day, everywhere],
        [spread, same_day, everywhere], [everywhere], [everywhere], [everywhere], [])]
    days = np.array([100, 100, 150, _NO_DATE, _NO_DATE, _NO_DATE, 120])
    days_same = days.copy()
    days_same[:3] = 100
    # Three documents over 50 days: chrome; the same line on one day: syndication, not chrome,
    # unless it is on twice as many documents.
    assert _repeated_chrome(docs, days, 3, 30) == {spread, same_day, everywhere}
    assert _repeated_chrome(docs, days_same, 3, 30) == {everywhere}
    assert _repeated_chrome(docs, days, 7, 30) == frozenset()
    assert _repeated_chrome([], days[:0], 3, 30) == frozenset()


def test_repeated_chrome_counts_a_key_once_per_document():
    from newsclust.cluster.repeated_lines import _repeated_chrome

    # One document repeating a line three times is one document, not three.
    docs = [np.array([5, 5, 5], dtype=np.int64), np.array([5, 6], dtype=np.int64)]
    days = np.array([100, 200])
    assert _repeated_chrome(docs, days, 3, 30) == frozenset()
    assert _repeated_chrome(docs, days, 2, 30) == {5}


def test_chrome_units_are_the_units_with_a_chrome_key():
    from newsclust.cluster.repeated_lines import (
        _chrome_units,
        _document_keys,
        _strip_chrome,
        _unit_keys,
        _units,
    )

    template = "Whenever Jane Doe posts new content, you will get an email delivered to you."
    docs = [
        ("Fire on Main Street | The Daily Bugle", f"Crews came at 9.\n\n{template}\nNo one hurt."),
        ("The Daily Bugle", "Nothing but the masthead."),
        (None, template.replace("Jane Doe", "John Roe") + "\nA second line."),
        (None, ""),
        ("Council votes", "The council voted 5-2.\nThe Daily Bugle"),
    ]
    keys = [_document_keys(doc) for doc in docs]
    chrome = frozenset(_unit_keys("The Daily Bugle")) | {_unit_keys(template)[1]}
    dropped = _chrome_units(keys, chrome)
    for doc, drop in zip(docs, dropped, strict=True):
        segments, lines = _units(*doc)
        assert drop == tuple(i for i, unit in enumerate(segments + lines)
                             if not chrome.isdisjoint(_unit_keys(unit)))
    # The masthead as a title segment and as a line, the template with either name.
    assert dropped == [(1, 3), (0,), (0,), (), (2,)]
    kept = "Fire on Main Street.\nCrews came at 9.\nNo one hurt."
    assert _strip_chrome(*docs[0], dropped[0]) == kept
    assert _chrome_units(keys, frozenset()) == [()] * len(docs)
