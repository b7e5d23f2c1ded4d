"""Stories: group articles that report the same real-world event.

The algorithm (all sparse; never an n x n matrix):

1. **Corpus hygiene.** A line (or a title segment such as "| KCBD NewsChannel 11") that occurs in
   ``boilerplate_min_docs`` or more documents spread over more than ``boilerplate_days`` days is
   page chrome (paywall, newsletter, copyright, site name), not news, and is ignored. Long lines
   are also compared by their lower-case words alone, which catches templates that differ only
   in a name ("Whenever Jane Doe posts new content ..."). The time spread keeps syndicated copy
   of one event, which is re-run within days, as content.
2. **Two views of each article.** *Text*: TF-IDF of title + body (sublinear tf, English stop
   words, terms in more than half of a corpus of 20+ documents dropped). *Entities*: the
   capitalised names, places and numbers of :mod:`newsclust.entities` (whole names and their
   words, ages, block numbers), sublinear tf x idf; a name word that the corpus mostly uses in
   lower case ("Teen", "Fatal") is a common word and is dropped. Rare shared names and places
   are what separate one shooting from another, so entities get the larger weight.
3. **Candidates.** For each article its ``n_neighbors`` most similar articles under the combined
   view, from a chunked sparse product restricted to terms in at most ``candidate_max_df`` of
   the documents (common words never make two articles candidates, and skipping them keeps the
   product cheap at 100k documents).
4. **Pair similarity.** ``(w_text * cos_text + w_entity * cos_entity) * time_factor``, with
   ``time_factor = floor + (1 - floor) * closeness``. ``closeness`` is the best
   ``w_x * w_y * exp(-max(0, |x - y| - grace) / tau)`` over the dates x, y of the two articles:
   the publication date (w = 1) and dates written in the text, so a trial report that says "the
   shooting on Feb. 6" is near Feb. 6. A text date counts fully in the first half of the text
   and ``text_date_weight`` in the second half, where news puts background ("the second big
   fire this week, after the Keileweg blaze on 3 March"). News of an event bunches in its first
   days; a report weeks later (arrest, trial) is the same story only with stronger shared
   content. Undated pairs get factor 1 (no evidence either way).
5. **Clustering.** Average linkage over the sparse candidate graph (pairs that are not
   candidates count as similarity 0), merging while the best average link is at least
   ``threshold``. Average linkage does not chain A-B-C the way single linkage does.
   Ties break on article order, and articles are processed in (date, id) order, so the same
   set of articles gives the same stories whatever the input order.

Articles whose text is empty or only chrome keep their title: they join a story when the title
alone is similar enough (it rarely is, so most stay alone, which is the safe failure).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import heapq
import inspect
import itertools
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

from newsclust.entities import extract_dates, extract_entities_at
from newsclust.models import Article
from newsclust.parallel import map_chunks

__all__ = ["Analysis", "Component", "Explanation", "StoryClusterer"]

logger = logging.getLogger(__name__)

_NO_DATE = 10**9  # a "day number" far from every real date: undated articles get no time help


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


# --------------------------------------------------------------------------- corpus hygiene


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def _norm_line(line: str) -> str:
    return " ".join(line.lower().split()).translate(_DIGITS_TO_ZERO)


_SKELETON_WORD = re.compile(r"(?<![\w'’])[a-z][a-z'’]*")
#: Lines with at least this many lower-case words are also compared by those words alone.
SKELETON_WORDS = 8


def _line_keys(line: str) -> list[str]:
    """How a line is recognised when repeated: its folded text and, for long lines, its
    skeleton of lower-case words, which catches templates that differ only in names and
    numbers ("Whenever Jane Doe posts new content, you'll get an email ...").
    """
    keys = [_norm_line(line)]
    words = _SKELETON_WORD.findall(line)
    if len(words) >= SKELETON_WORDS:
        keys.append("~" + " ".join(words))
    return keys


_TITLE_SPLIT = re.compile(r"\s+[|–—:-]\s+|\s+::\s+")


def _title_segments(title: str | None) -> list[str]:
    return [s for s in _TITLE_SPLIT.split(title or "") if s.strip()]


def _key_hash(key: str) -> int:
    """A 64-bit digest of a line key. Line keys travel between processes and are counted over
    the whole corpus as digests: a fraction of the memory and pickling of the strings.
    (``hash()`` would be faster but is salted per interpreter.) Two keys share a digest with a
    probability of about 1e-12 per pair of distinct lines."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _repeated_chrome(docs: Sequence[np.ndarray], days: np.ndarray, min_docs: int,
                     min_span: int) -> frozenset[int]:
    """Keys occurring in >= min_docs documents spread over more than min_span days.

    ``docs`` holds each document's distinct keys. Without dates, syndication cannot be told
    from chrome by time, so a key is chrome when it occurs in twice as many documents: the few
    copies of one report that survive deduplication stay content, a site's template
    (repeated on every page) does not.
    """
    if not docs:
        return frozenset()
    keys = np.concatenate(docs)
    owner = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    if not len(keys):
        return frozenset()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    n_docs = np.diff(np.r_[starts, len(keys)])
    day = days[owner].astype(np.float64)
    dated = day != _NO_DATE
    first = np.minimum.reduceat(np.where(dated, day, np.inf), starts)
    last = np.maximum.reduceat(np.where(dated, day, -np.inf), starts)
    spread = np.isfinite(first) & (last - first > min_span)
    chrome = (n_docs >= min_docs) & (spread | (n_docs >= 2 * min_docs))
    return frozenset(keys[starts[chrome]].tolist())


# --------------------------------------------------------------------------- entities

def _entity_terms(text: str) -> list[tuple[str, str, str]]:
    """(term, surface word, display text) for each entity mention of a text.

    A multi-word name gives its whole key and each word ("eddie holmes", "w:eddie", "w:holmes"),
    so a later "Holmes" still matches; numbers give their typed key ("age:13"). The surface is
    the lower-cased word behind a one-word term, for the common-word filter ("" = never drop).
    """
    return [(term, surface, display) for term, surface, display, _ in _entity_terms_at(text)]


def _entity_terms_at(text: str) -> list[tuple[str, str, str, int]]:
    """:func:`_entity_terms`, each with the offset of the entity it comes from."""
    out = []
    for at, ent in extract_entities_at(text):
        if ent.kind == "number" or ":" in ent.key:
            out.append((ent.key, "", ent.key.replace(":", " "), at))  # "age 23", "block 1400"
            continue
        words = ent.text.split()
        keys = ent.key.split()
        single = len(keys) == 1
        out.append((("w:" + ent.key) if single else ent.key,
                    ent.text.lower() if single else "", ent.text, at))
        if not single and len(keys) == len(words):
            out += [("w:" + key, word.lower(), word, at)
                    for word, key in zip(words, keys, strict=True)]
    return out


#: Entities are read from the first this many characters of a text. A news report is rarely
#: longer; longer "texts" are mostly page dumps (comments, link lists) that add noise and time.
ENTITY_CHARS = 20_000


# --------------------------------------------------------------------------- per-document work
# Module-level functions so that worker processes can run them (``jobs`` > 1).


def _unit_keys(unit: str) -> tuple[int, ...]:
    """The keys (as :func:`_key_hash`) by which a title segment or line could be chrome."""
    return tuple(_key_hash(k) for k in _line_keys(unit))


def _chrome_keys(doc: tuple[str | None, str]) -> np.ndarray:
    """Every key by which a unit of the document could be chrome, each once."""
    segments, lines = _units(*doc)
    return np.unique(np.fromiter((k for unit in segments + lines for k in _unit_keys(unit)),
                                 dtype=np.int64))


def _strip_chrome(title: str | None, text: str, chrome: frozenset[int]) -> str:
    """The units that are not chrome, joined: "title.\nbody"."""
    segments, lines = _units(title, text)
    if chrome:
        segments = [u for u in segments if chrome.isdisjoint(_unit_keys(u))]
        lines = [u for u in lines if chrome.isdisjoint(_unit_keys(u))]
    return _join_units(segments, lines)


def _units(title: str | None, text: str) -> tuple[list[str], list[str]]:
    """What the chrome filter keeps or drops whole: title segments, non-empty body lines."""
    return _title_segments(title), [line for line in text.splitlines() if line.strip()]


def _join_units(segments: list[str], lines: list[str]) -> str:
    """The text :func:`_strip_chrome` makes of the units it keeps."""
    head, body = " - ".join(segments), "\n".join(lines)
    return head + ".\n" + body if head else body


def _unit_starts(segments: list[str], lines: list[str]) -> list[int]:
    """Offset of each unit in ``_join_units(segments, lines)``."""
    starts, at = [], 0
    for segment in segments:
        starts.append(at)
        at += len(segment) + 3  # " - "
    at = at - 3 + 2 if segments else 0  # the head ends with ".\n"
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return starts


def _text_dates(text: str, date: dt.date | None, back_weight: float) -> list[tuple[int, float]]:
    """Dates written in the text (not after publication, not the publication date itself) as
    (day number, trust): 1 in the first half of the text, ``back_weight`` in the second half.
    The dates nearest the publication date (the likeliest event dates) come first.
    """
    limit = date + dt.timedelta(days=1) if date else dt.date.max
    half = len(text) // 2
    found: dict[dt.date, float] = {}
    for part, weight in ((text[half:], back_weight), (text[:half], 1.0)):
        for d in extract_dates(part, date):
            if d <= limit and d != date:
                found[d] = max(found.get(d, 0.0), weight)
    near = sorted(found, key=lambda d: (abs((date - d).days) if date else 0, d))
    return [(d.toordinal(), found[d]) for d in near[: MAX_DATES - 1]]


_worker_chrome: frozenset[int] = frozenset()


def _use_chrome(chrome: frozenset[int]) -> None:
    """Worker-process initializer: the corpus chrome, sent once per worker."""
    global _worker_chrome
    _worker_chrome = chrome


def _analyse(doc: tuple, chrome: frozenset[int] | None = None) -> tuple[str, list, list]:
    """Cleaned text, entity mentions and text dates of one (title, text, date, back_weight)."""
    title, text, date, back_weight = doc
    text = _strip_chrome(title, text, _worker_chrome if chrome is None else chrome)
    return text, _entity_terms(text[:ENTITY_CHARS]), _text_dates(text, date, back_weight)


@dataclass(frozen=True)
class Analysis:
    """The slow, per-article part of the features (entity extraction), for callers that keep
    it between fits (``newsclust update`` stores it), independent of the corpus chrome.

    The article is analysed whole (every title segment and body line); each mention records
    the unit (title segment, then non-empty line, in order) it comes from, so a fit drops the
    mentions of the units its chrome filter drops. ``unit_keys`` are the keys (as
    :func:`_key_hash`) by which each unit could be chrome, so a fit needs nothing else from
    the article to find its chrome. ``key`` identifies the title and text and the code that
    analysed them: a fit uses a supplied analysis only when its key matches.
    """

    key: str
    mentions: tuple[tuple[str, str, str, int], ...]  # (term, surface word, display, unit)
    unit_keys: tuple[tuple[int, ...], ...]


@functools.cache
def _analysis_code() -> bytes:
    """A digest of the code an analysis depends on: any edit there changes every key."""
    from newsclust import entities

    parts = [repr(ENTITY_CHARS)]
    try:
        parts += [inspect.getsource(f) for f in (
            entities, _entity_terms_at, _units, _join_units, _unit_starts, _analyse_units,
            _unit_keys, _line_keys, _norm_line, _key_hash, _title_segments)]
        parts += [_SKELETON_WORD.pattern, _TITLE_SPLIT.pattern, repr(SKELETON_WORDS)]
    except (OSError, TypeError):  # no sources (a frozen build): trust the version number
        from newsclust import __version__

        parts.append(__version__)
    return hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=16).digest()


def _analysis_key(title: str | None, text: str) -> str:
    digest = hashlib.blake2b(_analysis_code(), digest_size=16)
    digest.update(f"{len(title or '')}|{title or ''}|".encode("utf-8", "surrogatepass"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _analyse_units(doc: tuple[str | None, str]) -> Analysis:
    """The Analysis of one (title, text): mentions of the whole text, by unit."""
    title, text = doc
    segments, lines = _units(title, text)
    starts = _unit_starts(segments, lines)
    whole = _join_units(segments, lines)
    mentions = tuple((term, surface, display, bisect.bisect_right(starts, at) - 1)
                     for term, surface, display, at in _entity_terms_at(whole[:ENTITY_CHARS]))
    unit_keys = tuple(_unit_keys(u) for u in segments + lines)
    return Analysis(_analysis_key(title, text), mentions, unit_keys)


def _apply_chrome(article: Article, analysis: Analysis, keep: list[bool],
                  back_weight: float) -> tuple[str, list, list]:
    """(cleaned text, mentions, text dates) from a kept analysis, ``keep`` saying which units
    the chrome filter keeps.

    The mentions of dropped units are dropped. Not quite a fresh analysis of the cleaned
    text when units are dropped: the extractor saw them as context (its lower-case word list,
    surnames named in full elsewhere, the 20,000-character cut). Text dates are read again
    (cheap), since which half of the text a date sits in depends on what was dropped.
    """
    segments, lines = _units(article.title, article.text)
    if all(keep):
        text = _join_units(segments, lines)
        mentions = [m[:3] for m in analysis.mentions]
    else:
        k = len(segments)
        text = _join_units([u for u, ok in zip(segments, keep[:k], strict=True) if ok],
                           [u for u, ok in zip(lines, keep[k:], strict=True) if ok])
        mentions = [m[:3] for m in analysis.mentions if keep[m[3]]]
    return text, mentions, _text_dates(text, article.date, back_weight)


def _map(fn, items: list, jobs: int, chrome: frozenset[int] | None = None,
         keep: Callable = lambda result: result) -> list:
    """``[keep(fn(item)) ...]``, in ``jobs`` worker processes when that pays off (``keep``
    runs here, on each result as it arrives)."""
    if jobs > 1 and len(items) > 200:
        from concurrent.futures import ProcessPoolExecutor

        init = (_use_chrome, (chrome,)) if chrome is not None else (None, ())
        with ProcessPoolExecutor(jobs, initializer=init[0], initargs=init[1]) as pool:
            return [keep(result) for result in pool.map(fn, items, chunksize=64)]
    if chrome is not None:
        return [keep(fn(item, chrome)) for item in items]
    return [keep(fn(item)) for item in items]


class _SharedMentions:
    """One object per distinct entity mention, shared by every article that has it.

    Results from worker processes arrive as new objects for every mention of every article
    (71 per article on average, each a tuple of three strings); most are repeats ("w:police",
    a city's name), and 100,000 articles held that way took 1.9 GB. Sharing them as they
    arrive keeps the peak at a fraction of that.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def __call__(self, result: tuple) -> tuple:
        *head, mentions, dates = result
        seen = self._seen
        return (*head, [seen.setdefault(m, m) for m in mentions], dates)


# --------------------------------------------------------------------------- the two views


def _common_words(analysed: list, lower_df: dict[str, int]) -> frozenset[str]:
    """Capitalised words the corpus mostly writes in lower case: common words capitalised by
    position (sentence start, title case), not names ("Teen", "Fatal")."""
    cap_df: Counter[str] = Counter()
    for _, mentions, _ in analysed:
        cap_df.update({surface for _, surface, _ in mentions if surface})
    return frozenset(w for w, c in cap_df.items() if lower_df.get(w, 0) >= c)


def _fit_tfidf(vectorizer: TfidfVectorizer, docs: list) -> tuple[sp.csr_matrix, object]:
    """fit_transform, or an empty matrix (and no vectorizer) when no document has a term."""
    try:
        return vectorizer.fit_transform(docs).tocsr(), vectorizer
    except ValueError as exc:
        if "empty vocabulary" not in str(exc) and "no terms remain" not in str(exc):
            raise
        return sp.csr_matrix((len(docs), 0), dtype=np.float32), None


def _transform(vectorizer, docs: list) -> sp.csr_matrix:
    if vectorizer is None:
        return sp.csr_matrix((len(docs), 0), dtype=np.float32)
    return vectorizer.transform(docs).tocsr()


_TOKEN = r"(?u)\b[^\W\d_][^\W_]+\b"


def _word_counter(**params) -> CountVectorizer:
    return CountVectorizer(lowercase=False, token_pattern=_TOKEN, dtype=np.float32, **params)


#: Texts per word-counting task: the count is exact whatever the chunks, this only balances.
COUNT_CHUNK = 4096

_count_texts: Sequence[str] = ()


def _share_texts(texts: Sequence[str]) -> None:
    global _count_texts
    _count_texts = texts


def _count_chunk(spans: Sequence[tuple[int, int]]) -> list[tuple[np.ndarray, sp.csr_matrix]]:
    """Case-sensitive word counts of the shared texts in each span, on its own vocabulary."""
    out = []
    for start, end in spans:
        counter = _word_counter()
        try:
            counts = counter.fit_transform(_count_texts[start:end]).tocsr()
        except ValueError:  # no word in these texts
            out.append((np.array([], dtype=object), sp.csr_matrix((end - start, 0),
                                                                   dtype=np.float32)))
            continue
        out.append((counter.get_feature_names_out(), counts))
    return out


def _count_words(texts: Sequence[str], jobs: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """(vocabulary in sorted order, documents x words counts): what CountVectorizer's
    fit_transform gives, counted on ``jobs`` processes.

    Each chunk of texts is counted on its own vocabulary where the texts already are (workers
    forked after the texts exist read them from shared memory); only the counts come back and
    are put on the union vocabulary here. Counting was the largest part of clustering done in
    one process only.
    """
    spans = [(start, min(start + COUNT_CHUNK, len(texts)))
             for start in range(0, len(texts), COUNT_CHUNK)]
    try:
        parts = map_chunks(_count_chunk, spans, jobs=jobs, chunk_size=1,
                           initializer=_share_texts, initargs=(texts,))
    finally:
        _share_texts(())
    if not parts:
        return np.array([], dtype=object), sp.csr_matrix((0, 0), dtype=np.float32)
    words = np.unique(np.concatenate([vocabulary for vocabulary, _ in parts]))
    blocks = [
        sp.csr_matrix((counts.data, np.searchsorted(words, vocabulary)[counts.indices],
                       counts.indptr), shape=(counts.shape[0], len(words)))
        for vocabulary, counts in parts
    ]
    return words, sp.vstack(blocks, format="csr", dtype=np.float32)


class _TextView:
    """Lower-cased TF-IDF of the cleaned texts, counted case-sensitively once.

    The case-sensitive counts also give, for free, in how many documents each word is written
    in lower case: what tells a name ("Holmes") from a capitalised common word ("Teen").
    """

    def fit_transform(self, texts: list[str], max_df: float, jobs: int = 1) -> sp.csr_matrix:
        self.lower_df: dict[str, int] = {}
        words, counts = _count_words(texts, jobs)
        if not len(words):  # no document has a single word
            self.counter = None
            return self.transform(texts)
        # The fitted vocabulary, for transform (explain, and articles added later).
        self.counter = _word_counter(vocabulary={w: i for i, w in enumerate(words)})
        df = np.bincount(counts.indices, minlength=len(words))
        self.lower_df = {w: int(c) for w, c in zip(words, df, strict=True) if w.islower()}
        lower, column = np.unique([w.lower() for w in words], return_inverse=True)
        merge = sp.csr_matrix((np.ones(len(words), dtype=np.float32),
                               (np.arange(len(words)), column)), shape=(len(words), len(lower)))
        merged = counts @ merge
        merged_df = np.bincount(merged.indices, minlength=len(lower))
        keep = (merged_df <= max_df * len(texts)) & ~np.isin(lower, list(ENGLISH_STOP_WORDS))
        if not keep.any():  # only stop words
            self.counter = None
            return self.transform(texts)
        self.merge = merge[:, np.flatnonzero(keep)].tocsr()
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        return self.tfidf.fit_transform(merged[:, np.flatnonzero(keep)]).astype(np.float32).tocsr()

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        if self.counter is None:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        merged = self.counter.transform(texts).tocsr() @ self.merge
        return self.tfidf.transform(merged).astype(np.float32).tocsr()


# --------------------------------------------------------------------------- clustering


def _within_strong_components(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray,
                              threshold: float):
    """Only the edges inside connected components of the edges >= threshold.

    An average link can reach the threshold only if some edge between the two clusters does,
    so clusters never merge across these components and edges between them never matter.
    Dropping them leaves the result unchanged and the linkage far smaller.
    """
    strong = sims >= threshold
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    keep = component[rows] == component[cols]
    return rows[keep], cols[keep], sims[keep]


def _average_linkage(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray,
                     threshold: float) -> np.ndarray:
    """Greedy average linkage on a sparse similarity graph; returns a root index per item.

    The link between clusters A and B is sum(sim over edges between them) / (|A| |B|); pairs
    without an edge count as 0. Merges the best link while it is >= threshold. Deterministic:
    ties go to the pair with the smaller indices.
    """
    rows, cols, sims = _within_strong_components(n, rows, cols, sims, threshold)
    size = [1] * n
    links: list[dict[int, float]] = [dict() for _ in range(n)]
    for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist(), strict=True):
        links[i][j] = links[i].get(j, 0.0) + s
        links[j][i] = links[j].get(i, 0.0) + s
    version = [0] * n
    heap = [(-s, i, j, 0, 0) for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist(),
                                                strict=True) if s >= threshold]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if version[a] != va or version[b] != vb or parent[a] != a or parent[b] != b:
            continue  # stale: one side merged since this entry was pushed
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        parent[gone] = keep
        size[keep] += size[gone]
        version[keep] += 1
        del links[keep][gone]
        for c, s in links[gone].items():
            if c == keep:
                continue
            total = links[keep].get(c, 0.0) + s
            links[keep][c] = total
            links[c][keep] = total
            del links[c][gone]
        links[gone] = {}
        for c, total in links[keep].items():
            avg = total / (size[keep] * size[c])
            if avg >= threshold:
                lo, hi = (keep, c) if keep < c else (c, keep)
                heapq.heappush(heap, (-avg, lo, hi, version[lo], version[hi]))
    roots = np.array(parent)
    for i in range(n):  # path compression
        r = i
        while parent[r] != r:
            r = parent[r]
        roots[i] = r
    return roots


def _top_k_pairs(Z: sp.csr_matrix, k: int, chunk_cells: int = 1 << 24):
    """Each row's k most similar other rows under Z @ Z.T, as pairs (i < j), without repeats.

    Works a block of rows at a time so memory stays near ``chunk_cells`` products. Ties at the
    k-th place go to the smaller column, so the result is deterministic.
    """
    n = Z.shape[0]
    ZT = Z.T.tocsr()
    step = max(1, chunk_cells // max(n, 1))
    found_i, found_j = [], []
    for start in range(0, n, step):
        S = (Z[start : start + step] @ ZT).tocsr()
        for r in range(S.shape[0]):
            lo, hi = S.indptr[r], S.indptr[r + 1]
            cols, vals = S.indices[lo:hi], S.data[lo:hi]
            keep = (cols != start + r) & (vals > 0)
            cols, vals = cols[keep], vals[keep]
            if len(vals) > k:
                cols = cols[_top_k_positions(vals, cols, k)]
            found_i.append(np.full(len(cols), start + r, dtype=np.int64))
            found_j.append(cols.astype(np.int64))
    i = np.concatenate(found_i) if found_i else np.zeros(0, dtype=np.int64)
    j = np.concatenate(found_j) if found_j else np.zeros(0, dtype=np.int64)
    pairs = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    return pairs // n, pairs % n


def _top_k_positions(vals: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest values; among equal values the smaller columns win."""
    kth = np.partition(vals, len(vals) - k)[len(vals) - k]
    above = np.flatnonzero(vals > kth)
    equal = np.flatnonzero(vals == kth)
    equal = equal[np.argsort(cols[equal], kind="stable")[: k - len(above)]]
    return np.concatenate([above, equal])


def _row_dots(A: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, chunk: int = 200_000):
    """A[rows[p]] . A[cols[p]] for every pair p, a chunk of pairs at a time."""
    out = np.zeros(len(rows), dtype=np.float64)
    for s in range(0, len(rows), chunk):
        r, c = rows[s : s + chunk], cols[s : s + chunk]
        out[s : s + chunk] = np.asarray(A[r].multiply(A[c]).sum(axis=1)).ravel()
    return out


def _date_closeness(dates: np.ndarray, weights: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    decay) -> tuple[np.ndarray, np.ndarray]:
    """Best weighted decay(|x - y|) over the dates x of article i and y of article j.

    Returns (closeness, gap of the best pair); closeness is NaN when no pair of dates exists.
    """
    closeness = np.full(len(rows), np.nan)
    gaps = np.full(len(rows), np.nan)
    step = 100_000
    for s in range(0, len(rows), step):
        r, c = rows[s : s + step], cols[s : s + step]
        a, b = dates[r][:, :, None], dates[c][:, None, :]
        valid = (a != _NO_DATE) & (b != _NO_DATE)
        gap = np.abs(a - b).astype(np.float64)
        score = np.where(valid, weights[r][:, :, None] * weights[c][:, None, :] * decay(gap), -1.0)
        flat = score.reshape(len(r), -1)
        best = flat.argmax(axis=1)
        top = flat[np.arange(len(r)), best]
        found = top >= 0
        closeness[s : s + step] = np.where(found, top, np.nan)
        gaps[s : s + step] = np.where(found, gap.reshape(len(r), -1)[np.arange(len(r)), best],
                                      np.nan)
    return closeness, gaps


# --------------------------------------------------------------------------- the estimator


@dataclass
class _Features:
    text: sp.csr_matrix
    entities: sp.csr_matrix
    dates: np.ndarray  # (n, MAX_DATES) day numbers, _NO_DATE padded; column 0 publication
    date_weights: np.ndarray  # (n, MAX_DATES) trust in each date
    entity_terms: list[list[str]]
    displays: list[dict[str, str]]  # term -> how the document wrote it (for explain)


MAX_DATES = 6


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
    """Group articles that report the same event (see the module docstring for the algorithm).

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
        self.chrome_ = chrome = self._fit_chrome(articles, [
            np.unique(np.fromiter(itertools.chain.from_iterable(f.unit_keys), dtype=np.int64))
            for f in found])
        self.analyses_, out = {}, []
        for a, analysis in zip(articles, found, strict=True):
            self.analyses_[a.id] = analysis
            keep = [chrome.isdisjoint(keys) for keys in analysis.unit_keys]
            out.append(_apply_chrome(a, analysis, keep, self.text_date_weight))
        return out

    def _fit_chrome(self, articles: Sequence[Article],
                    keys: list[np.ndarray] | None = None) -> frozenset[int]:
        """Lines and title segments repeated across the corpus over time: template chrome.
        (``keys``: each article's chrome keys, when already known.)"""
        days = np.array([a.date.toordinal() if a.date else _NO_DATE for a in articles])
        if keys is None:
            keys = _map(_chrome_keys, [(a.title, a.text) for a in articles], self.jobs)
        chrome = _repeated_chrome(keys, days, self.boilerplate_min_docs, self.boilerplate_days)
        logger.debug("%d repeated chrome lines", len(chrome))
        return chrome

    def _featurize(self, articles: Sequence[Article], *, fitting: bool,
                   known: Mapping[str, Analysis] | None = None) -> _Features:
        # Big intermediates (every line's keys, the cleaned texts, every mention) are dropped
        # as soon as they are used: at 100,000 articles each is hundreds of MB.
        if known is not None:  # fitting with kept analyses
            analysed = self._analyse_with_kept(articles, known)
        else:
            if fitting:
                self.chrome_ = self._fit_chrome(articles)
            docs = [(a.title, a.text, a.date, self.text_date_weight) for a in articles]
            analysed = _map(_analyse, docs, self.jobs, self.chrome_, keep=_SharedMentions())
        texts = [text for text, _, _ in analysed]
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
        return _Features(text, entities, dates, weights, terms, displays)

    # ----------------------------------------------------------------- similarity

    def _decay(self, gaps: np.ndarray) -> np.ndarray:
        return np.exp(-np.maximum(0.0, gaps - self.time_grace) / self.time_tau)

    def _time_factor(self, closeness: np.ndarray) -> np.ndarray:
        factor = self.time_floor + (1 - self.time_floor) * closeness
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
        closeness, gaps = _date_closeness(f.dates, f.date_weights, rows, cols, self._decay)
        return text, entities, closeness, gaps

    def _combine(self, text, entities, closeness, gaps=None) -> np.ndarray:
        content = self.text_weight * text + self.entity_weight * entities
        return content * self._time_factor(closeness)

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
        text, entities, closeness, gaps = self._pair_components(f, zero, one)
        factor = float(self._time_factor(closeness)[0])
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
        similarity = float(self._combine(text, entities, closeness)[0])
        same = None
        if a.id in self.ids_ and b.id in self.ids_:
            same = bool(self._roots[self.ids_[a.id]] == self._roots[self.ids_[b.id]])
        return Explanation(components, similarity, self.threshold,
                           similarity >= self.threshold, same)


def _identity(terms: list[str]) -> list[str]:
    return terms


def _sort_key(article: Article, index: int):
    date = article.date.toordinal() if article.date else _NO_DATE
    return (date, article.id, article.title or "", article.text, index)
