"""What an update takes (:class:`UpdateOptions`) and gives (:class:`UpdateResult`).

Light on purpose (no numpy, no clusterer): the CLI imports it at start-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Article, Report, Skipped, Story

DEFAULT_WINDOW_DAYS = 3

#: progress(stage, done, total), for a progress bar.
ProgressCallback = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class UpdateOptions:
    """How an update runs (Settings hold what it computes).

    window_days: stories with an article this close in time to a new one are clustered again
        with it. retain_days: drop stories whose last article is older than this (None: keep).
    today: the date used for undated articles and retention (None: the local date).
    summarize: False skips merged summaries (for quality measurements and benchmarks).
    """

    window_days: int = DEFAULT_WINDOW_DAYS
    retain_days: int | None = None
    today: dt.date | None = None
    summarize: bool = True


@dataclass
class UpdateResult:
    """What one update changed. Stories are complete (all members), ready to render."""

    new_stories: list[Story] = field(default_factory=list)
    #: (story, ids of the articles it gained in this run)
    grown_stories: list[tuple[Story, list[str]]] = field(default_factory=list)
    #: (copy id, canonical id, story id) for every copy among this run's articles
    new_copies: list[tuple[str, str, str]] = field(default_factory=list)
    #: stored stories that no longer exist: merged into another, or expired
    removed_stories: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    articles: dict[str, Article] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Anything a cron user should hear about (new, grown or removed stories, copies,
        skipped inputs)."""
        return bool(self.new_stories or self.grown_stories or self.new_copies or self.skipped
                    or self.removed_stories)

    def report(self) -> Report:
        """The new and grown stories as a batch Report, for the batch renderers."""
        stories = tuple(self.new_stories) + tuple(s for s, _ in self.grown_stories)
        return Report(
            stories=tuple(sorted(stories, key=story_order)),
            articles=self.articles,
            skipped=tuple(self.skipped),
            stats=self.stats,
            timings=self.timings,
        )


def story_order(story: Story) -> tuple:
    """The batch report's order: biggest stories first, then the earliest, then the id."""
    return (-len(story.article_ids), story.first_date is None,
            story.first_date or dt.date.min, story.id)
