"""Cluster the neighbourhood again and decide the stories' ids (steps 4 and 5 of an update).

The neighbourhood (:mod:`.neighbourhood`) is clustered with the batch algorithm. What the
clusterer extracts from each article (``cluster.Analysis``: entity mentions by line) is kept in
the database, so only new articles are analysed; each fit still drops the lines its own
neighbourhood shows to be chrome. A new cluster inherits the id of the stored story it holds
most articles of; other clusters get a fresh id from their first article
(``pipeline.story_id``). Nothing is written here: the outcome is a :class:`Plan`.

Why the stories differ a little from one batch run (``benchmarks/update_gap.py``; gva-dev in
10 date-ordered batches at d7ca05b: B-cubed F1 0.9324 against 0.9393, pair F1 0.801 against
0.828). Each fit computes its corpus statistics (the idf of words and of entity terms, which
lines are chrome, which capitalised words are common) over its neighbourhood, a few hundred
articles here, where batch has the whole corpus; handing each fit the batch fit's statistics
halves the gap (0.0036, pair 0.009), those of everything stored so far, which the database
could keep, nearly so (0.0044, pair 0.013; mostly the two idfs). The clusterer takes no
outside statistics yet. The rest comes from the neighbourhood itself: stories outside it stay
as they are (a 10-day window: 0.0055; with the batch statistics 0.0029). Cleaning is not a
cause: updates that clean with the whole corpus's repeated lines, as batch does, score the
same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cluster import Analysis
from ..models import Article, Story
from ..pipeline import chronological, make_clusterer
from ..settings import Settings
from ..store import StoredArticle, StoryStore
from .analyses import decode_analyses
from .copies import CopyGroups
from .model import ProgressCallback

logger = logging.getLogger(__name__)


@dataclass
class Plan:
    """The outcome of re-clustering the neighbourhood, before anything is written."""

    clusters: dict[str, list[str]]  # story id → article ids
    members: dict[str, Article]
    canonical_of: dict[str, str | None]
    seen: dict[str, dt.date]
    old_story: dict[str, str]  # stored article id → its stored story
    old_rows: dict[str, StoredArticle]
    old_ids: set[str]  # the stored stories re-clustered
    new_ids: set[str]  # this run's article ids
    copies: CopyGroups
    prior_story: dict[str, str]  # re-read article id → the story it was in before
    analyses: dict[str, Analysis]  # to keep: new analyses and stored ones made again
    analysed: int  # articles analysed in this run (the others had a kept analysis)
    stories: dict[str, Story] = field(default_factory=dict)  # filled by summarising

    def __post_init__(self) -> None:
        self._story_of = {a: sid for sid, ids in self.clusters.items() for a in ids}

    def story_of(self, aid: str) -> str:
        return self._story_of[aid]

    def removed_stories(self) -> list[str]:
        """Stored stories re-clustered that no longer exist (merged into another)."""
        return sorted(self.old_ids - set(self.clusters))

    def changed_stories(self) -> list[str]:
        """Stories whose articles, copies or texts changed (they need a new summary)."""
        changed = []
        before: dict[str, set[str]] = defaultdict(set)
        for aid, sid in self.old_story.items():
            before[sid].add(aid)
        for sid, ids in sorted(self.clusters.items()):
            same = set(ids) == before.get(sid, set()) and all(
                self.canonical_of.get(a) == self.old_rows[a].canonical for a in ids
            )
            if not same:
                changed.append(sid)
        return changed

    def relinks(self) -> list[tuple[str, str | None, str]]:
        """(id, canonical, story) of stored articles whose copy link or story changed."""
        out = []
        for aid, row in sorted(self.old_rows.items()):
            canonical, story = self.canonical_of.get(aid), self._story_of[aid]
            if canonical != row.canonical or story != row.story:
                out.append((aid, canonical, story))
        return out


def plan_update(store: StoryStore, settings: Settings, new: list[Article],
                replaced: list[StoredArticle], copies: CopyGroups, affected: set[str],
                today: dt.date, progress: ProgressCallback) -> Plan:
    """Cluster ``new`` with the ``affected`` stored stories; give each cluster its id."""
    gone = {a.article.id for a in replaced}
    stored = [a for a in store.articles_of_stories(affected) if a.article.id not in gone]
    canonical_of = {a.article.id: a.canonical for a in stored}
    # Regrouped articles outside the neighbourhood kept their group (else it would hold
    # them): their links stay as stored.
    inside = set(canonical_of) | {a.id for a in new}
    canonical_of.update((k, v) for k, v in copies.canonical.items() if k in inside)
    seen = {a.article.id: a.seen for a in stored}
    seen.update((a.id, today) for a in new)
    members = {a.article.id: a.article for a in stored}
    members.update((a.id, a) for a in new)
    progress("cluster", 0, len(members))
    leaders = [members[i] for i in sorted(members) if canonical_of.get(i) is None]
    clusters, analyses, analysed = _cluster(store, settings, leaders)
    story_of_leader = {aid: k for k, group in enumerate(clusters) for aid in group}
    for aid, canonical in canonical_of.items():
        if canonical is not None:
            clusters[story_of_leader[canonical]].append(aid)
    old_story = {a.article.id: a.story for a in stored}
    # A re-read article (its file changed) votes for the story it was in, so that a story
    # keeps its id when one of its files is edited.
    prior_story = {a.article.id: a.story for a in replaced}
    old_ids = sorted(affected)
    taken = set(old_ids) | _existing_ids(store, clusters)
    ids = _stable_ids(clusters, {**prior_story, **old_story}, members, taken)
    logger.info("cluster: %d articles in %d stories re-clustered with %d new articles "
                "into %d stories", len(stored), len(affected), len(new), len(clusters))
    return Plan(
        clusters=dict(zip(ids, clusters, strict=True)), members=members,
        canonical_of=canonical_of, seen=seen, old_story=old_story,
        old_rows={a.article.id: a for a in stored}, old_ids=set(old_ids),
        new_ids={a.id for a in new}, copies=copies, prior_story=prior_story,
        analyses=analyses, analysed=analysed,
    )


def _cluster(store: StoryStore, settings: Settings, leaders: list[Article]
             ) -> tuple[list[list[str]], dict[str, Analysis], int]:
    """Story clusters of the canonical articles (ids, in input order), as batch's
    ``group_stories`` makes them, analysing only the articles without a kept analysis.
    Also returns the analyses to keep and how many articles were analysed."""
    if not leaders:
        return [], {}, 0
    kept = decode_analyses(store.analyses(a.id for a in leaders))
    clusterer = make_clusterer(settings).fit(leaders, analyses=kept)
    # Only what changed is written back: new articles and stored ones analysed again.
    analyses = {aid: an for aid, an in clusterer.analyses_.items()
                if aid not in kept or kept[aid].key != an.key}
    logger.info("cluster: %d of %d articles analysed (%d kept analyses used)",
                clusterer.analysed_, len(leaders), len(leaders) - clusterer.analysed_)
    groups: dict[int, list[str]] = defaultdict(list)
    for article, label in zip(leaders, clusterer.labels_, strict=True):
        groups[label].append(article.id)
    return list(groups.values()), analyses, clusterer.analysed_


def _existing_ids(store: StoryStore, clusters: list[list[str]]) -> set[str]:
    """Stored story ids a fresh id might collide with (the ids fresh ids are made of)."""
    possible = {_hashed_id(aid) for cluster in clusters for aid in cluster}
    return {s.id for s in store.get_stories(possible)}


def _hashed_id(text: str) -> str:
    """``pipeline.story_id``'s form: "s-" and 10 hex digits of the SHA-1."""
    return "s-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _fresh_id(members: Sequence[Article], taken: set[str]) -> str:
    """``pipeline.story_id`` (hash of the first article), or of the next one when taken."""
    for article in sorted(members, key=chronological):
        sid = _hashed_id(article.id)
        if sid not in taken:
            return sid
    first = min(members, key=chronological).id
    number = 2
    while True:
        sid = _hashed_id(f"{first}#{number}")
        if sid not in taken:
            return sid
        number += 1


def _stable_ids(clusters: list[list[str]], story_of: dict[str, str],
                members: dict[str, Article], taken: set[str]) -> list[str]:
    """An id per cluster: the stored story it holds most articles of, each id used once.

    Greedy over (most shared articles, stored id): a story that only grew keeps its id; when
    stories merge, the merged one keeps the id of the one it holds most of.
    """
    votes = []
    for index, cluster in enumerate(clusters):
        counts = Counter(story_of[a] for a in cluster if a in story_of)
        votes += [(-count, sid, index) for sid, count in counts.items()]
    votes.sort()
    ids: list[str | None] = [None] * len(clusters)
    used: set[str] = set()
    for _, sid, index in votes:
        if ids[index] is None and sid not in used:
            ids[index] = sid
            used.add(sid)
    taken = taken | used
    for index, cluster in enumerate(clusters):
        if ids[index] is None:
            ids[index] = _fresh_id([members[a] for a in cluster], taken)
            taken.add(ids[index])
    return [sid for sid in ids if sid is not None]
