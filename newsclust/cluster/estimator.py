"""The estimator: :class:`StoryClusterer` fits stories to a corpus and explains a pair.

``fit`` runs the steps of the package docstring in order: features (repeated chrome, per-article
analysis, the two views), candidate pairs, pair similarities, average linkage.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from newsclust.models import Article

from .analysis import (
    Analysis,
    _analyse,
    _analyse_units,
    _analysis_key,
    _apply_chrome,
    _map,
    _SharedMentions,
)
from .days import _NO_DATE, MAX_DATES, _date_closeness
from .pair_graph import _average_linkage, _row_dots, _top_k_pairs
from .repeated_lines import (
    UnitKeys,
    _chrome_units,
    _document_keys,
    _has_body,
    _repeated_chrome,
)
from .views import _common_words, _fit_tfidf, _identity, _TextView, _transform

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Component:
    """One term of the pair similarity: ``contribution = value * weight`` (or a factor)."""

    name: str
    value: float
    weight: float
    contribution: float
    detail: str = ""


@dataclass(frozen=True)
class Explanation:
    """Why two articles are (not) linked: every component, the total and the threshold."""

    components: tuple[Component, ...]
    similarity: float
    threshold: float
    linked: bool
    same_story: bool | None  # None when either article was not in the fitted corpus



@dataclass
class _Features:
    text: sp.csr_matrix
    entities: sp.csr_matrix
    dates: np.ndarray  # (n, MAX_DATES) day numbers, _NO_DATE padded; column 0 publication
    date_weights: np.ndarray  # (n, MAX_DATES) trust in each date
    entity_terms: list[list[str]]
    displays: list[dict[str, str]]  # term -> how the document wrote it (for explain)
    headline_only: np.ndarray  # (n,) bool: no body line left, only the title (a headline)


def _check_range(name: str, value, low, high, *, integer: bool = False, open_low: bool = False):
    kind = int if integer else (int, float)
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = (value > low if open_low else value >= low) and (high is None or value <= high)
    if not ok:
        left = "(" if open_low else "["
        right = f"{high}]" if high is not None else "inf)"
        what = "an int" if integer else "a float"
        raise ValueError(
            f"The '{name}' parameter of StoryClusterer must be {what} in {left}{low}, {right}. "
            f"Got {value!r} instead."
        )


class StoryClusterer:
    """Group articles that report the same event (the algorithm: :mod:`newsclust.cluster`).

    Parameters (keyword-only; validated in :meth:`fit`):

    threshold: join clusters whose average pair similarity is at least this (the evaluation
        scores barely move between 0.12 and 0.15; 0.14 keeps same-city, same-kind events a
        week apart apart with some margin).
    text_weight, entity_weight: weights of the text and entity cosines (the time factor then
        scales their sum). Entities weigh more: shared rare names and places identify an event,
        shared words mostly identify a topic.
    time_grace, time_tau, time_floor: the time factor is 1 for date gaps up to ``time_grace``
        days, then decays as exp(-(gap - grace) / tau) towards ``time_floor``: coverage of an
        event fades within days, and a report weeks later needs about three times the content.
        A pair where one side has only a title (no body line) gets no floor: a headline cannot
        show that much more content (its cosines saturate on one shared place name).
    text_date_weight: trust in a date written in the second half of a text.
    n_neighbors: candidate pairs per article.
    candidate_max_df: terms in more than this share of the documents (kept within 20..500
        documents) do not make candidates.
    boilerplate_min_docs, boilerplate_days: a line in that many documents spread over more
        than that many days is page chrome.
    jobs: worker processes for the per-document work (1 = all in this process).

    Fitted attributes: ``labels_`` (list[int], input order, numbered by first appearance),
    ``n_stories_``, ``pairs_`` (number of candidate pairs scored), ``timings_`` (seconds by
    stage).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.14,
        text_weight: float = 0.4,
        entity_weight: float = 0.6,
        time_grace: float = 1.0,
        time_tau: float = 4.0,
        time_floor: float = 0.3,
        text_date_weight: float = 0.25,
        n_neighbors: int = 20,
        candidate_max_df: float = 0.01,
        boilerplate_min_docs: int = 3,
        boilerplate_days: int = 7,
        jobs: int = 1,
    ):
        self.threshold = threshold
        self.text_weight = text_weight
        self.entity_weight = entity_weight
        self.time_grace = time_grace
        self.time_tau = time_tau
        self.time_floor = time_floor
        self.text_date_weight = text_date_weight
        self.n_neighbors = n_neighbors
        self.candidate_max_df = candidate_max_df
        self.boilerplate_min_docs = boilerplate_min_docs
        self.boilerplate_days = boilerplate_days
        self.jobs = jobs

    def __repr__(self) -> str:
        defaults = StoryClusterer()
        changed = [f"{k}={v!r}" for k, v in vars(self).items()
                   if not k.endswith("_") and not k.startswith("_") and getattr(defaults, k) != v]
        return f"StoryClusterer({', '.join(changed)})"

    # ----------------------------------------------------------------- parameters

    def _validate(self) -> None:
        _check_range("threshold", self.threshold, 0, 1)
        _check_range("text_weight", self.text_weight, 0, None)
        _check_range("entity_weight", self.entity_weight, 0, None)
        if self.text_weight + self.entity_weight <= 0:
            raise ValueError(
                "The 'text_weight' and 'entity_weight' parameters of StoryClusterer must not "
                f"both be 0. Got {self.text_weight!r} and {self.entity_weight!r} instead."
            )
        _check_range("time_grace", self.time_grace, 0, None)
        _check_range("time_tau", self.time_tau, 0, None, open_low=True)
        _check_range("time_floor", self.time_floor, 0, 1)
        _check_range("text_date_weight", self.text_date_weight, 0, 1)
        _check_range("n_neighbors", self.n_neighbors, 1, None, integer=True)
        _check_range("candidate_max_df", self.candidate_max_df, 0, 1, open_low=True)
        _check_range("boilerplate_min_docs", self.boilerplate_min_docs, 2, None, integer=True)
        _check_range("boilerplate_days", self.boilerplate_days, 0, None, integer=True)
        _check_range("jobs", self.jobs, 1, None, integer=True)

    # ----------------------------------------------------------------- features

    def _analyse_with_kept(self, articles: Sequence[Article],
                           known: Mapping[str, Analysis]) -> list[tuple[str, list, list]]:
        """(cleaned text, entity mentions, text dates) of each article for a fit, analysing
        only articles without a matching kept analysis (whole, then filtered by the chrome
        lines of this fit). Sets ``chrome_``, ``analyses_`` (every article's) and
        ``analysed_`` (how many were made here)."""
        found = [known.get(a.id) for a in articles]
        todo = [i for i, (a, f) in enumerate(zip(articles, found, strict=True))
                if f is None or f.key != _analysis_key(a.title, a.text)]
        fresh = _map(_analyse_units, [(articles[i].title, articles[i].text) for i in todo],
                     self.jobs)
        for i, analysis in zip(todo, fresh, strict=True):
            found[i] = analysis
        self.analysed_ = len(todo)
        keys = [UnitKeys.of_units(f.unit_keys) for f in found]
        self.chrome_ = self._fit_chrome(articles, keys)
        dropped = _chrome_units(keys, self.chrome_)
        del keys
        self.analyses_, out = {}, []
        for a, analysis, drop in zip(articles, found, dropped, strict=True):
            self.analyses_[a.id] = analysis
            out.append(_apply_chrome(a, analysis, drop, self.text_date_weight))
        return out

    def _fit_chrome(self, articles: Sequence[Article], keys: Sequence[UnitKeys]) -> frozenset[int]:
        """Lines and title segments repeated across the corpus over time: template chrome."""
        days = np.array([a.date.toordinal() if a.date else _NO_DATE for a in articles])
        chrome = _repeated_chrome([k.keys for k in keys], days, self.boilerplate_min_docs,
                                  self.boilerplate_days)
        logger.debug("%d repeated chrome lines", len(chrome))
        return chrome

    def _featurize(self, articles: Sequence[Article], *, fitting: bool,
                   known: Mapping[str, Analysis] | None = None) -> _Features:
        # Big intermediates (every line's keys, the cleaned texts, every mention) are dropped
        # as soon as they are used: at 100,000 articles each is hundreds of MB.
        if known is not None:  # fitting with kept analyses
            analysed = self._analyse_with_kept(articles, known)
        else:
            # Each unit's keys are made once: counted over the corpus to find the chrome, then
            # matched against it here, so the workers get the units to drop, not the chrome.
            keys = _map(_document_keys, [(a.title, a.text) for a in articles], self.jobs)
            if fitting:
                self.chrome_ = self._fit_chrome(articles, keys)
            dropped = _chrome_units(keys, self.chrome_)
            del keys
            docs = [(a.title, a.text, a.date, self.text_date_weight, drop)
                    for a, drop in zip(articles, dropped, strict=True)]
            analysed = _map(_analyse, docs, self.jobs, keep=_SharedMentions())
        texts = [text for text, _, _ in analysed]
        headline_only = np.array([not _has_body(text) for text in texts], dtype=bool)
        if fitting:
            # "More than half the corpus" is evidence of a stop word only in a corpus of some
            # size; in a handful of documents a shared word is shared content.
            self.text_view_ = _TextView()
            text = self.text_view_.fit_transform(texts, 0.5 if len(texts) >= 20 else 1.0,
                                                 self.jobs)
            self.common_words_ = _common_words(analysed, self.text_view_.lower_df)
        else:
            text = self.text_view_.transform(texts)
        del texts
        common = self.common_words_
        kept = [[(t, d) for t, s, d in mentions if not s or s not in common]
                for _, mentions, _ in analysed]
        found_dates = [found for _, _, found in analysed]
        del analysed
        terms = [[t for t, _ in doc] for doc in kept]
        # How each document wrote each term: only ``explain`` shows it, for two articles.
        displays = [dict(reversed(doc)) for doc in kept] if not fitting else []
        del kept
        if fitting:
            entities, self.entity_vectorizer_ = _fit_tfidf(TfidfVectorizer(
                analyzer=_identity, sublinear_tf=True, dtype=np.float32,
            ), terms)
        else:
            entities = _transform(self.entity_vectorizer_, terms)
        dates = np.full((len(articles), MAX_DATES), _NO_DATE, dtype=np.int64)
        weights = np.zeros((len(articles), MAX_DATES))
        for i, (a, found) in enumerate(zip(articles, found_dates, strict=True)):
            if a.date is not None:
                dates[i, 0], weights[i, 0] = a.date.toordinal(), 1.0
            for k, (day, weight) in enumerate(found, start=1):
                dates[i, k], weights[i, k] = day, weight
        return _Features(text, entities, dates, weights, terms, displays, headline_only)

    # ----------------------------------------------------------------- similarity

    def _decay(self, gaps: np.ndarray) -> np.ndarray:
        return np.exp(-np.maximum(0.0, gaps - self.time_grace) / self.time_tau)

    def _time_factor(self, closeness: np.ndarray, headline: np.ndarray) -> np.ndarray:
        # The floor lets a report weeks later join when it shares much more content. A pair
        # with a headline-only side cannot show that: the cosines of a few title words reach
        # 1 on one shared place name, whatever the event. Without a body, nearness in time is
        # required: no floor.
        floor = np.where(headline, 0.0, self.time_floor)
        factor = floor + (1 - floor) * closeness
        # Unknown dates are no evidence either way.
        return np.where(np.isnan(closeness), 1.0, factor)

    def _candidate_df_cap(self, n: int) -> float:
        """Terms in more documents than this do not make candidates.

        ``candidate_max_df`` of the corpus, but at least 20 documents (a small corpus still needs
        its shared words) and at most 500: a word in 500 articles does not single out one story,
        and the cap keeps the cost of the candidate search linear in the corpus size.
        """
        return min(max(20.0, self.candidate_max_df * n), 500.0)

    def _candidates(self, f: _Features) -> tuple[np.ndarray, np.ndarray]:
        n = f.text.shape[0]
        parts = []
        for matrix, weight in ((f.text, self.text_weight), (f.entities, self.entity_weight)):
            df = np.bincount(matrix.indices, minlength=matrix.shape[1])
            rare = df <= self._candidate_df_cap(n)
            parts.append(matrix[:, np.flatnonzero(rare)] * math.sqrt(weight))
        Z = sp.hstack(parts, format="csr")
        return _top_k_pairs(Z, self.n_neighbors)

    def _pair_components(self, f: _Features, rows: np.ndarray, cols: np.ndarray):
        text = _row_dots(f.text, rows, cols)
        entities = _row_dots(f.entities, rows, cols)
        closeness, _ = _date_closeness(f.dates, f.date_weights, rows, cols, self._decay)
        headline = f.headline_only[rows] | f.headline_only[cols]
        return text, entities, closeness, headline

    def _combine(self, text, entities, closeness, headline) -> np.ndarray:
        content = self.text_weight * text + self.entity_weight * entities
        return content * self._time_factor(closeness, headline)

    # ----------------------------------------------------------------- fit

    def fit(self, articles: Sequence[Article], y=None, *,
            analyses: Mapping[str, Analysis] | None = None) -> StoryClusterer:
        """Cluster ``articles`` into stories; sets ``labels_`` (input order).

        ``analyses``: article id -> :class:`Analysis` kept from earlier fits. Those whose key
        still matches are used instead of analysing the article again (the labels are the
        same either way); ``analyses_`` then holds every article's analysis and
        ``analysed_`` how many were computed in this fit.
        """
        self._validate()
        n = len(articles)
        # Work in (date, id) order so the result does not depend on the input order.
        order = sorted(range(n), key=lambda i: _sort_key(articles[i], i))
        ordered = [articles[i] for i in order]
        self.ids_ = {a.id: k for k, a in enumerate(ordered)}
        if n == 0:
            self.labels_, self.n_stories_, self.pairs_ = [], 0, 0
            if analyses is not None:
                self.analyses_, self.analysed_ = {}, 0
            return self
        clock = time.perf_counter()
        self.timings_ = {}

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            self.timings_[stage] = now - clock
            clock = now

        f = self._featurize(ordered, fitting=True, known=analyses)
        lap("features")
        rows, cols = self._candidates(f)
        lap("candidates")
        sims = self._combine(*self._pair_components(f, rows, cols))
        lap("similarities")
        roots = _average_linkage(n, rows, cols, sims, self.threshold)
        lap("linkage")
        labels_sorted = roots
        self._roots = roots
        # Number stories by first appearance in the caller's order.
        by_input = np.empty(n, dtype=np.int64)
        by_input[np.array(order)] = labels_sorted
        numbering: dict[int, int] = {}
        self.labels_ = [numbering.setdefault(int(r), len(numbering)) for r in by_input]
        self.n_stories_ = len(numbering)
        self.pairs_ = len(rows)
        logger.info("%d articles, %d candidate pairs, %d stories (%s)", n, len(rows),
                    self.n_stories_, ", ".join(f"{k} {v:.1f}s" for k, v in self.timings_.items()))
        return self

    def fit_predict(self, articles: Sequence[Article], y=None) -> list[int]:
        return self.fit(articles).labels_

    # ----------------------------------------------------------------- explain

    def _time_detail(self, f: _Features) -> str:
        """Which dates decided the time factor, in words."""
        a, b = f.dates[0], f.dates[1]
        wa, wb = f.date_weights[0], f.date_weights[1]
        best = None
        for i in np.flatnonzero(a != _NO_DATE):
            for j in np.flatnonzero(b != _NO_DATE):
                gap = abs(int(a[i] - b[j]))
                score = wa[i] * wb[j] * float(self._decay(np.array([gap]))[0])
                if best is None or score > best[0]:
                    best = (score, gap, wa[i] * wb[j], i == 0 and j == 0)
        if best is None:
            return "no dates to compare: no evidence either way (factor 1)"
        _, gap, weight, both_published = best
        parts = []
        if a[0] != _NO_DATE and b[0] != _NO_DATE:
            parts.append(f"published {abs(int(a[0] - b[0]))} days apart")
        if not both_published:
            parts.append(f"dates in the texts {gap} days apart (trusted {weight:.2f})")
        if f.headline_only.any():
            parts.append("no floor: only a title to go by")
        return "; ".join(parts) + "; multiplies the sum"

    def _shared_entities(self, f: _Features) -> list[str]:
        """Entities both documents mention, as the first wrote them, most telling first.

        A word of a shared full name ("Holmes" of "Eddie Holmes") is not listed again.
        """
        shared = set(f.entity_terms[0]) & set(f.entity_terms[1])
        vocab = self.entity_vectorizer_.vocabulary_ if self.entity_vectorizer_ else {}
        row = f.entities[0].toarray().ravel() if f.entities.shape[1] else np.zeros(0)
        weight = {t: row[vocab[t]] if t in vocab else 0.0 for t in shared}
        names = {t for t in shared if not t.startswith("w:")}
        in_names = {w for t in names for w in t.split()}
        shown = names | {t for t in shared if t.startswith("w:") and t[2:] not in in_names}
        ordered = sorted(shown, key=lambda t: (-weight[t], t))
        return list(dict.fromkeys(f.displays[0][t] for t in ordered))

    def explain(self, a: Article, b: Article) -> Explanation:
        """Every similarity component for the pair (a, b), with the threshold.

        Uses the corpus statistics of the last :meth:`fit` (IDF, chrome lines, common words),
        so fit first; the articles need not be in the fitted corpus.
        """
        if not hasattr(self, "ids_"):
            raise RuntimeError("This StoryClusterer is not fitted yet. Call 'fit' first.")
        f = self._featurize([a, b], fitting=False)
        zero, one = np.array([0]), np.array([1])
        text, entities, closeness, headline = self._pair_components(f, zero, one)
        factor = float(self._time_factor(closeness, headline)[0])
        shared = self._shared_entities(f)
        time_detail = self._time_detail(f)
        components = (
            Component("text", float(text[0]), self.text_weight,
                      float(text[0]) * self.text_weight, "tf-idf cosine of title + body"),
            Component("entities", float(entities[0]), self.entity_weight,
                      float(entities[0]) * self.entity_weight,
                      "shared: " + "; ".join(shared[:20]) if shared else "none shared"),
            Component("time", factor, 1.0, factor, time_detail),
        )
        similarity = float(self._combine(text, entities, closeness, headline)[0])
        same = None
        if a.id in self.ids_ and b.id in self.ids_:
            same = bool(self._roots[self.ids_[a.id]] == self._roots[self.ids_[b.id]])
        return Explanation(components, similarity, self.threshold,
                           similarity >= self.threshold, same)


def _sort_key(article: Article, index: int):
    date = article.date.toordinal() if article.date else _NO_DATE
    return (date, article.id, article.title or "", article.text, index)
