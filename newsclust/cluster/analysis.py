"""Per-article analysis: the entity mentions and text dates of each article.

Two ways in. A batch fit analyses each article's text after the corpus chrome is dropped
(:func:`_analyse`). ``newsclust update`` keeps an :class:`Analysis` of each article between
fits, made of the whole article and so independent of the corpus chrome; a fit then drops the
mentions of the units its chrome filter drops (:func:`_apply_chrome`). An :class:`Analysis`
carries a key made of the article and a digest of the code that made it
(:func:`_analysis_code`), so an edit of that code makes kept analyses stale.

The per-article functions are module-level so that worker processes can run them
(``jobs`` > 1, :func:`_map`).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from newsclust.entities import extract_entities_at
from newsclust.models import Article

from .days import _text_dates
from .repeated_lines import (
    _SKELETON_WORD,
    _TITLE_SPLIT,
    SKELETON_WORDS,
    _join_units,
    _key_hash,
    _line_keys,
    _norm_line,
    _strip_chrome,
    _title_segments,
    _unit_keys,
    _unit_starts,
    _units,
)

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


# --------------------------------------------------------------------------- a batch fit


def _analyse(doc: tuple) -> tuple[str, list, list]:
    """Cleaned text, entity mentions and text dates of one (title, text, date, back_weight,
    positions of the units that are chrome)."""
    title, text, date, back_weight, dropped = doc
    text = _strip_chrome(title, text, dropped)
    return text, _entity_terms(text[:ENTITY_CHARS]), _text_dates(text, date, back_weight)


# --------------------------------------------------------------------------- kept analyses


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
    # Each function's own source, wherever it lives (the unit helpers are in repeated_lines):
    # moving one between modules keeps the keys, editing one changes them. A helper that one
    # of these starts to call must join the list.
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


def _apply_chrome(article: Article, analysis: Analysis, dropped: tuple[int, ...],
                  back_weight: float) -> tuple[str, list, list]:
    """(cleaned text, mentions, text dates) from a kept analysis, ``dropped`` the positions of
    the units the chrome filter drops.

    The mentions of dropped units are dropped. Not quite a fresh analysis of the cleaned
    text when units are dropped: the extractor saw them as context (its lower-case word list,
    surnames named in full elsewhere, the 20,000-character cut). Text dates are read again
    (cheap), since which half of the text a date sits in depends on what was dropped.
    """
    text = _strip_chrome(article.title, article.text, dropped)
    if dropped:
        drop = set(dropped)
        mentions = [m[:3] for m in analysis.mentions if m[3] not in drop]
    else:
        mentions = [m[:3] for m in analysis.mentions]
    return text, mentions, _text_dates(text, article.date, back_weight)


# --------------------------------------------------------------------------- worker processes


def _map(fn, items: list, jobs: int, keep: Callable = lambda result: result) -> list:
    """``[keep(fn(item)) ...]``, in ``jobs`` worker processes when that pays off (``keep``
    runs here, on each result as it arrives)."""
    if jobs > 1 and len(items) > 200:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            return [keep(result) for result in pool.map(fn, items, chunksize=64)]
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

