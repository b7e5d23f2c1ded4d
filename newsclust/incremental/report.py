"""What an update tells its user: the new and grown stories, new copies, removed stories and
the run's figures, gathered into its :class:`UpdateResult`."""

from __future__ import annotations

from ..models import Article
from ..store import StoredArticle, StoryStore
from .files import Scan
from .model import UpdateResult, story_order
from .plan import Plan
from .write import Expired


def record_changes(result: UpdateResult, plan: Plan) -> None:
    """The plan's new and grown stories, new copy relations and removed stories."""
    for sid in sorted(plan.stories):
        story = plan.stories[sid]
        added = sorted(a for a in plan.clusters[sid]
                       if plan.prior_story.get(a) != sid and plan.old_story.get(a) != sid)
        if sid not in plan.old_ids:
            result.new_stories.append(story)
        elif added:
            result.grown_stories.append((story, added))
    for aid, canonical in sorted(plan.canonical_of.items()):
        # New copy relations: a new article that copies another, or a stored canonical
        # article that a fuller new one displaced (re-pointed old copies are not news).
        was_canonical = aid in plan.old_rows and plan.old_rows[aid].canonical is None
        if canonical is not None and (aid in plan.new_ids or was_canonical):
            result.new_copies.append((aid, canonical, plan.story_of(aid)))
    result.removed_stories = plan.removed_stories()
    result.articles = {a: plan.members[a] for s in plan.stories for a in plan.clusters[s]}
    result.new_stories.sort(key=story_order)
    result.grown_stories.sort(key=lambda g: story_order(g[0]))


def record_expired(result: UpdateResult, expired: Expired) -> None:
    """Stories that retention dropped are removed, not news (even if this run made them)."""
    result.stats["expired_stories"] = len(expired.stories)
    result.stats["expired_articles"] = expired.articles
    gone = set(expired.stories)
    result.new_stories = [s for s in result.new_stories if s.id not in gone]
    result.grown_stories = [g for g in result.grown_stories if g[0].id not in gone]
    result.new_copies = [c for c in result.new_copies if c[2] not in gone]
    result.removed_stories += sorted(gone)


def record_stats(result: UpdateResult, store: StoryStore, scanned: Scan, new: list[Article],
                 replaced: list[StoredArticle], plan: Plan | None) -> None:
    counts = store.counts()
    result.stats = {
        "files_seen": scanned.seen,
        "files_read": len(scanned.to_read),
        "files_unchanged": scanned.unchanged,
        "articles_added": len(new),
        "articles_replaced": len(replaced),
        "new_stories": len(result.new_stories),
        "grown_stories": len(result.grown_stories),
        "new_copies": len(result.new_copies),
        "removed_stories": len(result.removed_stories),
        "stories_reclustered": len(plan.old_ids) if plan is not None else 0,
        "articles_reclustered": len(plan.members) if plan is not None else 0,
        "articles_analysed": plan.analysed if plan is not None else 0,
        "skipped": len(result.skipped),
        **{k: v for k, v in result.stats.items() if k.startswith("expired")},
        # the totals render.headline expects, over the whole database
        "articles": counts["articles"],
        "stories": counts["stories"],
        "duplicates": len(result.new_copies),
    }
