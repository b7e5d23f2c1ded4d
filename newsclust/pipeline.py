"""The batch pipeline: paths → load → clean → dedup → cluster → summarize → Report.

``run`` never prints; it reports progress through an optional callback so the CLI can show a
progress bar on a terminal and stay silent in cron.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .cluster import StoryClusterer
from .dedup import NearDuplicateFinder
from .errors import NothingReadableError
from .gc_pause import garbage_collection_paused
from .ingest import ProgressCallback, load_articles, no_progress
from .models import Article, DupGroup, Report, Story
from .parallel import map_chunks
from .settings import Settings
from .summarize import summarize_story

logger = logging.getLogger(__name__)

STAGES = ("load", "clean", "dedup", "cluster", "summarize")


@dataclass
class _Timer:
    seconds: dict[str, float] = field(default_factory=dict)

    def time(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(time.perf_counter() - started, 4)


#: Stories per summarizing task: big enough to amortise pickling, small enough to balance.
SUMMARIZE_CHUNK = 128


def find_copy_groups(articles: Sequence[Article], settings: Settings) -> list[DupGroup]:
    """Near-duplicate groups among the articles that have body text (title-only items have
    nothing to compare)."""
    with_text = [a for a in articles if a.text]
    if not with_text:
        return []
    finder = NearDuplicateFinder(
        threshold=settings.dedup_threshold, seed=settings.seed, jobs=settings.effective_jobs
    )
    return list(finder.fit(with_text).result_.groups)


def find_copies(articles: Sequence[Article], settings: Settings) -> dict[str, str]:
    """Copy id → canonical id."""
    return {
        member: group.canonical
        for group in find_copy_groups(articles, settings)
        for member in group.members
        if member != group.canonical
    }


def make_clusterer(settings: Settings) -> StoryClusterer:
    return StoryClusterer(threshold=settings.cluster_threshold, jobs=settings.effective_jobs)


def group_stories(articles: Sequence[Article], settings: Settings) -> list[list[Article]]:
    """Cluster canonical articles into stories (each a list, in input order)."""
    if not articles:
        return []
    labels = make_clusterer(settings).fit(articles).labels_
    groups: dict[int, list[Article]] = defaultdict(list)
    for article, label in zip(articles, labels, strict=True):
        groups[label].append(article)
    return list(groups.values())


def chronological(article: Article) -> tuple:
    """Sort key: undated articles after dated ones; ids break ties so the order is total."""
    return (article.date is None, article.date or dt.date.min, article.id)


@dataclass(frozen=True)
class StoryLayout:
    """How a story lists its articles: each canonical article (earliest first) followed by its
    copies, which copy belongs to which, and the dates the story spans."""

    article_ids: tuple[str, ...]
    duplicate_of: dict[str, str]
    first_date: dt.date | None
    last_date: dt.date | None


def story_layout(
    canonical: Sequence[Article], copies_of: Mapping[str, Sequence[Article]]
) -> StoryLayout:
    ordered: list[str] = []
    duplicate_of: dict[str, str] = {}
    dates: list[dt.date] = []
    for article in sorted(canonical, key=chronological):
        ordered.append(article.id)
        dates += [article.date] if article.date else []
        for copy in sorted(copies_of.get(article.id, ()), key=chronological):
            ordered.append(copy.id)
            duplicate_of[copy.id] = article.id
            dates += [copy.date] if copy.date else []
    return StoryLayout(tuple(ordered), duplicate_of, min(dates, default=None),
                       max(dates, default=None))


def story_id(members: Sequence[Article]) -> str:
    """A stable id: a hash of the story's first article, so a growing story keeps its id."""
    first = min(members, key=chronological)
    return "s-" + hashlib.sha1(first.id.encode("utf-8")).hexdigest()[:10]


def build_story(
    members: Sequence[Article], copies_of: Mapping[str, Sequence[Article]], settings: Settings
) -> Story:
    canonical = sorted(members, key=chronological)
    summary = summarize_story(canonical, max_sentences=settings.summary_sentences)
    layout = story_layout(canonical, copies_of)
    return Story(
        id=story_id(canonical),
        title=summary.title,
        article_ids=layout.article_ids,
        duplicate_of=layout.duplicate_of,
        summary=summary.summary,
        differences=summary.differences,
        first_date=layout.first_date,
        last_date=layout.last_date,
    )


#: The articles that summarize tasks name, set in each worker by ``_share_articles``: workers
#: forked after loading read them from memory they share with this process, so only ids are
#: sent (pickling every article to the workers cost the main process seconds per 100,000).
_articles: Mapping[str, Article] = {}


def _share_articles(articles: Mapping[str, Article]) -> None:
    global _articles
    _articles = articles


#: A story to build: its canonical article ids, and each one's copies.
_StoryTask = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]


def _build_chunk(tasks: Sequence[_StoryTask], settings: Settings) -> list[Story]:
    get = _articles.__getitem__
    return [
        build_story([get(i) for i in members],
                    {i: [get(c) for c in copies] for i, copies in copies_of.items()}, settings)
        for members, copies_of in tasks
    ]


def _story_order(story: Story) -> tuple:
    # Biggest stories first; then the earliest; then the id, so the order is total.
    return (-len(story.article_ids), story.first_date is None, story.first_date or 0, story.id)


def run(
    paths: Iterable[Path], settings: Settings, *, progress: ProgressCallback | None = None
) -> Report:
    """Run the whole batch pipeline over the inputs under ``paths``."""
    with garbage_collection_paused():
        return _run(paths, settings, progress or no_progress)


def _run(paths: Iterable[Path], settings: Settings, progress: ProgressCallback) -> Report:
    timer = _Timer()
    started = time.perf_counter()

    t = time.perf_counter()
    articles, skipped = load_articles(paths, settings, progress)
    timer.time("load_and_clean", t)
    if not articles:
        raise NothingReadableError(
            f"No input could be read as an article ({len(skipped)} skipped)."
        )

    t = time.perf_counter()
    progress("dedup", 0, len(articles))
    duplicate_of = find_copies(articles, settings)
    progress("dedup", len(articles), len(articles))
    timer.time("dedup", t)

    by_id = {a.id: a for a in articles}
    copies_of: dict[str, list[Article]] = defaultdict(list)
    for copy_id, canonical_id in duplicate_of.items():
        copies_of[canonical_id].append(by_id[copy_id])
    canonical = [a for a in articles if a.id not in duplicate_of]

    t = time.perf_counter()
    progress("cluster", 0, len(canonical))
    groups = group_stories(canonical, settings)
    progress("cluster", len(canonical), len(canonical))
    timer.time("cluster", t)

    t = time.perf_counter()
    progress("summarize", 0, len(groups))
    tasks: list[_StoryTask] = [
        (tuple(a.id for a in members),
         {a.id: tuple(c.id for c in copies_of[a.id]) for a in members if a.id in copies_of})
        for members in groups
    ]
    try:
        stories = map_chunks(
            partial(_build_chunk, settings=settings),
            tasks,
            jobs=settings.effective_jobs,
            chunk_size=SUMMARIZE_CHUNK,
            initializer=_share_articles,
            initargs=(by_id,),
        )
    finally:
        _share_articles({})
    progress("summarize", len(groups), len(groups))
    timer.time("summarize", t)
    stories.sort(key=_story_order)

    elapsed = time.perf_counter() - started
    stats = {
        "inputs": len(articles) + len(skipped),
        "articles": len(articles),
        "skipped": len(skipped),
        "duplicates": len(duplicate_of),
        "stories": len(stories),
    }
    timer.seconds["total"] = round(elapsed, 4)
    return Report(
        stories=tuple(stories),
        articles=by_id,
        skipped=tuple(skipped),
        stats=stats,
        timings=timer.seconds,
    )
