"""Deduplicate the new articles against everything stored (step 3 of an update).

The new signatures query the stored LSH index (:class:`LshTables`); the stored candidates that
may be copies, their whole copy groups and the new articles are then grouped by
:class:`newsclust.dedup.NearDuplicateFinder` exactly as in a batch run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models import Article
from ..settings import Settings
from ..store import StoredArticle, StoryStore
from .lsh import NUM_PERM, LshTables, signature_matrix

logger = logging.getLogger(__name__)


@dataclass
class CopyGroups:
    """The copy groups after this run's articles joined them."""

    signatures: dict[str, bytes]  # new article id → signature
    words: dict[str, int]  # new article id → word count
    canonical: dict[str, str | None]  # for every article regrouped: its canonical (None: itself)
    old: list[StoredArticle]  # stored articles whose groups were regrouped
    touched: set[str]  # ids of those whose copy group changed (their stories are affected)


def make_finder(settings: Settings):
    """The batch run's near-duplicate finder, with the stored signatures' parameters."""
    from ..dedup import NearDuplicateFinder

    return NearDuplicateFinder(threshold=settings.dedup_threshold, seed=settings.seed,
                               num_perm=NUM_PERM, jobs=settings.effective_jobs)


def find_copies(store: StoryStore, articles: Sequence[Article],
                replaced: Sequence[StoredArticle], settings: Settings,
                lsh: LshTables) -> CopyGroups:
    """Group ``articles`` with the stored copies they join (``replaced``: stored articles of
    changed files, whose groups lose them)."""
    from ..dedup import fingerprint

    finder = make_finder(settings)
    batch, signatures = fingerprint(
        [a.text for a in articles], shingle_size=finder.shingle_size, num_perm=NUM_PERM,
        seed=settings.seed, jobs=finder.jobs,
    )
    signatures = np.ascontiguousarray(signatures, dtype=np.uint32)
    words = batch.token_counts
    result = CopyGroups(
        signatures={a.id: signatures[i].tobytes() for i, a in enumerate(articles)},
        words={a.id: int(words[i]) for i, a in enumerate(articles)},
        canonical={}, old=[], touched=set(),
    )
    with_text = [i for i, a in enumerate(articles) if a.text]
    hits = store.articles_by_rows(
        _candidates(store, signatures[with_text], words[with_text], finder, lsh))
    # Whole copy groups: the candidates' own, and those that lose a member to a changed file.
    leaders = {a.canonical or a.article.id for a in hits}
    leaders |= {a.canonical or a.article.id for a in replaced}
    gone = {a.article.id for a in replaced}
    result.old = [a for a in store.copy_groups(leaders) if a.article.id not in gone]
    pool = [a.article for a in result.old if a.article.text]
    pool += [articles[i] for i in with_text]
    # Pairs within one stored group were checked when it formed (the same finder, the same
    # settings): the finder need not read them again for template conflicts.
    checked = {a.article.id: a.canonical or a.article.id for a in result.old}
    found = (finder.fit(pool, checked_groups=checked).result_.duplicate_of
             if len(pool) > 1 else {})
    for article in [a.article for a in result.old] + list(articles):
        result.canonical[article.id] = found.get(article.id)
    # Stored articles whose copy group changed (a new member, another canonical, a member
    # gone), with every member of the groups before and after: they all move together.
    changed_leaders = {found.get(a.id, a.id) for a in articles}
    changed_leaders |= {a.canonical or a.article.id for a in replaced}
    for a in result.old:
        before, after = a.canonical or a.article.id, result.canonical[a.article.id]
        if a.canonical != after:
            changed_leaders |= {before, after or a.article.id}
    result.touched = {
        a.article.id for a in result.old
        if (a.canonical or a.article.id) in changed_leaders
        or (result.canonical[a.article.id] or a.article.id) in changed_leaders
    }
    logger.info("dedup: %d new articles, %d stored candidates, %d stored articles regrouped, "
                "%d changed group", len(articles), len(hits), len(result.old),
                len(result.touched))
    return result


def _candidates(store: StoryStore, signatures: np.ndarray, words: np.ndarray, finder,
                lsh: LshTables) -> list[int]:
    """Stored rows that may be copies of one of the new articles (``signatures``, ``words``):
    they share an LSH band with it and their MinHash estimate leaves a chance of a match."""
    if not len(signatures):
        return []
    lsh.load(store)
    query, rows = lsh.matches(signatures)
    stored = store.signatures_of(np.unique(rows).tolist()) if len(rows) else {}
    known = np.array([r in stored for r in rows.tolist()], dtype=bool)
    query, rows = query[known], rows[known]
    if not len(rows):
        return []
    old = signature_matrix([stored[r][1] for r in rows.tolist()])
    old_words = np.array([stored[r][0] for r in rows.tolist()])
    keep = _plausible(old, signatures[query], old_words, words[query], finder)
    return sorted(set(rows[keep].tolist()))


def _plausible(a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray,
               finder) -> np.ndarray:
    """Mask of pairs whose MinHash estimate is within 5 sigma of what joining needs.

    A looser form of the finder's own prefilter (word counts stand in for shingle counts and
    containment needs no minimum size), so no pair the finder would join is dropped here; it
    only saves loading and re-shingling stored texts that cannot match.
    """
    estimate = (a == b).mean(axis=1)
    small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
    c = finder.containment
    via_containment = c * small / np.maximum(small + large - c * small, 1)
    need = np.minimum(finder.threshold, via_containment)
    margin = 5.0 * np.sqrt(need * (1 - need) / a.shape[1])
    return estimate >= need - margin
