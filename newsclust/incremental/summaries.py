"""Stories to show: summaries of the stories an update changed (step 6), and stored stories
turned back into :class:`Story` objects for the renderers."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from ..models import Article, Story, SummarySentence
from ..parallel import map_chunks
from ..pipeline import SUMMARIZE_CHUNK, build_story, chronological, story_layout
from ..settings import Settings
from ..store import StoredArticle, StoredStory
from .model import ProgressCallback
from .plan import Plan


def summarize_changed(plan: Plan, settings: Settings, summarize: bool,
                      progress: ProgressCallback) -> None:
    """Fill ``plan.stories`` with the stories whose articles changed.

    Summaries run on ``settings.effective_jobs`` processes, as in batch (the same stories);
    ``summarize=False`` makes placeholder stories without a summary.
    """
    changed = plan.changed_stories()
    progress("summarize", 0, len(changed))
    tasks = []
    for sid in changed:
        ids = plan.clusters[sid]
        leaders = [plan.members[a] for a in ids if plan.canonical_of.get(a) is None]
        copies_of: dict[str, list[Article]] = defaultdict(list)
        for aid in ids:
            if plan.canonical_of.get(aid) is not None:
                copies_of[plan.canonical_of[aid]].append(plan.members[aid])
        tasks.append((leaders, dict(copies_of)))
    if summarize:
        built = map_chunks(partial(_build_stories, settings=settings), tasks,
                           jobs=settings.effective_jobs, chunk_size=SUMMARIZE_CHUNK)
        stories = [dataclasses.replace(story, id=sid)
                   for sid, story in zip(changed, built, strict=True)]
    else:
        stories = [_placeholder_story(sid, leaders, copies_of)
                   for sid, (leaders, copies_of) in zip(changed, tasks, strict=True)]
    plan.stories.update(zip(changed, stories, strict=True))
    progress("summarize", len(changed), len(changed))


def _build_stories(tasks: Sequence[tuple[list[Article], dict[str, list[Article]]]],
                   settings: Settings) -> list[Story]:
    """Summarised stories of (canonical articles, their copies) tasks (a worker's chunk)."""
    return [build_story(leaders, copies, settings) for leaders, copies in tasks]


def _placeholder_story(sid: str, canonical: Sequence[Article],
                       copies_of: dict[str, list[Article]]) -> Story:
    """A Story without summary (``summarize=False``): title from the first article."""
    first = min(canonical, key=chronological)
    layout = story_layout(canonical, copies_of)
    return Story(id=sid, title=first.title or first.id, article_ids=layout.article_ids,
                 duplicate_of=layout.duplicate_of, first_date=layout.first_date,
                 last_date=layout.last_date)


def story_from_stored(stored: StoredStory, members: Sequence[StoredArticle]) -> Story:
    """A Story from its stored row and articles, in ``build_story``'s display order."""
    canonical = [m.article for m in members if m.canonical is None]
    copies: dict[str, list[Article]] = defaultdict(list)
    for m in members:
        if m.canonical is not None:
            copies[m.canonical].append(m.article)
    layout = story_layout(canonical, copies)
    summary = tuple(SummarySentence(s["text"], tuple(s["sources"])) for s in stored.summary)
    return Story(id=stored.id, title=stored.title, article_ids=layout.article_ids,
                 duplicate_of=layout.duplicate_of, summary=summary, differences=stored.differences,
                 first_date=stored.first_date, last_date=stored.last_date)
