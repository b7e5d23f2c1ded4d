"""Write an update's outcome (step 7): everything in one transaction, the file records last,
so a run killed before its commit is redone in full by the next run; then retention."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from ..store import StoredArticle, StoredStory, StoryStore
from .analyses import encode_analyses
from .crash import checkpoint
from .intake import Intake
from .lsh import LshTables
from .neighbourhood import effective_date
from .plan import Plan

logger = logging.getLogger(__name__)


@dataclass
class Expired:
    """What retention dropped."""

    stories: list[str]
    articles: int


def write_update(store: StoryStore, plan: Plan | None, intake: Intake, meta: dict[str, str],
                 lsh: LshTables, today: dt.date, retain_days: int | None) -> Expired | None:
    """Store the plan (new and re-linked articles, stories, kept analyses), the file records
    and the LSH index; drop stories older than ``retain_days`` (None: keep all)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if plan is None and not intake.records and retain_days is None:
        return None  # nothing new: leave the database file untouched (idempotent reruns)
    deleted_rows: set[int] = set()  # row keys of the articles this run deletes
    expired = None
    with store.transaction():
        for key, value in meta.items():
            store.set_meta(key, value)
        if plan is not None:
            store.delete_articles(a.article.id for a in intake.replaced)
            store.delete_stories(plan.removed_stories())
            store.put_stories(_stored_story(plan, sid, now) for sid in plan.stories)
            checkpoint("writing")
            inserted = store.put_articles(_new_rows(plan, intake, today))
            deleted_rows.update(a.row for a in intake.replaced if a.row is not None)
            store.relink_articles(plan.relinks())
            store.put_analyses(encode_analyses(plan.analyses))
        # File records last: until they are in, the next run reads these files again.
        store.put_files(intake.records)
        if retain_days is not None:
            expired = _expire(store, today - dt.timedelta(days=retain_days), deleted_rows)
        if plan is not None and lsh.tables is not None:
            # The writes above emptied the stored index; store it again, updated.
            lsh.update(inserted, deleted_rows)
            lsh.save(store)
        store.set_meta("last_update", now)
        checkpoint("written")
    return expired


def _stored_story(plan: Plan, sid: str, now: str) -> StoredStory:
    story = plan.stories[sid]
    days = [effective_date(plan.members[a], plan.seen[a]) for a in plan.clusters[sid]]
    return StoredStory(
        id=sid, title=story.title, first_date=story.first_date, last_date=story.last_date,
        active_from=min(days), active_to=max(days),
        summary=[{"text": s.text, "sources": list(s.sources)} for s in story.summary],
        differences=story.differences, created=now, updated=now,  # created kept on update
    )


def _new_rows(plan: Plan, intake: Intake, today: dt.date) -> list[StoredArticle]:
    rows = []
    for aid in sorted(plan.new_ids):
        article = plan.members[aid]
        rows.append(StoredArticle(
            article=article, file=intake.file_of[aid], words=plan.copies.words[aid],
            signature=plan.copies.signatures[aid], canonical=plan.canonical_of.get(aid),
            story=plan.story_of(aid), seen=today,
        ))
    return rows


def _expire(store: StoryStore, cutoff: dt.date, deleted_rows: set[int]) -> Expired | None:
    """Delete the stories with no article since ``cutoff``, with their articles."""
    expired = store.stories_inactive_since(cutoff)
    if not expired:
        return None
    members = store.articles_of_stories(expired)
    deleted_rows.update(a.row for a in members if a.row is not None)
    store.delete_articles(a.article.id for a in members)
    store.delete_stories(expired)
    logger.info("retention: dropped %d stories (%d articles) with no article since %s",
                len(expired), len(members), cutoff)
    return Expired(expired, len(members))
