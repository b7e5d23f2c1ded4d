"""Which stored stories are clustered again with the new articles (step 4 of an update).

Average linkage needs the whole neighbourhood of the new articles (assigning each new article
to its best story alone drifts from batch quality), so these stories are clustered again with
them; every other story stays as it is:

- every story with an article within ``window_days`` of one of theirs;
- every story of a stored article that shares the rarest names with one of them, however old
  (the ``terms`` index: a follow-up on a trial weeks later);
- every story whose copy group they change, and the stories of replaced articles.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from ..models import Article
from ..store import StoredArticle, StoryStore, index_terms
from .copies import CopyGroups

#: Stored articles (per new article) whose stories join the neighbourhood for shared names.
NEIGHBOURS = 5
#: A term in more than this share of the stored articles (or more than 5) finds nobody.
MAX_TERM_SHARE = 0.0005
#: Only the rarest terms of each new article are looked up (bounds the postings fetched).
QUERY_TERMS = 16
#: At least this many shared rare terms make a neighbour ...
MIN_SHARED_TERMS = 3
#: ... carrying at least this share of the new article's rare-term weight.
MIN_SHARED_WEIGHT = 0.25


def affected_stories(store: StoryStore, new: Sequence[Article],
                     replaced: Sequence[StoredArticle], copies: CopyGroups,
                     window_days: int, today: dt.date) -> set[str]:
    """Ids of the stored stories to cluster again with ``new`` (see the module doc)."""
    affected = {a.story for a in copies.old if a.article.id in copies.touched}
    affected |= {a.story for a in replaced}
    for start, end in windows([effective_date(a, today) for a in new], window_days):
        affected.update(store.stories_active(start, end))
    affected |= store.stories_of_rows(lexical_neighbours(store, new))
    return affected


def effective_date(article: Article, seen: dt.date) -> dt.date:
    """The article's date, or for an undated one the day it was stored."""
    return article.date or seen


def windows(days: Iterable[dt.date], width: int) -> list[tuple[dt.date, dt.date]]:
    """Merged intervals [day - width, day + width] around ``days``."""
    spans: list[tuple[dt.date, dt.date]] = []
    delta = dt.timedelta(days=width)
    for day in sorted(set(days)):
        start, end = day - delta, day + delta
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def lexical_neighbours(store: StoryStore, articles: Sequence[Article]) -> list[int]:
    """Stored rows sharing the rarest names with a new article, however old.

    The time window cannot see a follow-up weeks later (charges filed, a trial); those share
    the names of the people and places, which are rare terms in the whole database.
    """
    terms = {a.id: index_terms(a.title, a.text) for a in articles}
    counts = store.term_counts({t for ts in terms.values() for t in ts})
    total = max(store.counts()["articles"], 1)
    cap = max(5, MAX_TERM_SHARE * total)
    rare = {t: c for t, c in counts.items() if c <= cap}
    for aid, ts in terms.items():
        terms[aid] = sorted((t for t in ts if t in rare), key=lambda t: (rare[t], t))[:QUERY_TERMS]
    rare = {t: rare[t] for ts in terms.values() for t in ts}
    postings: dict[str, list[int]] = defaultdict(list)
    for term, row in store.term_postings(rare):
        postings[term].append(row)
    found: set[int] = set()
    for ts in terms.values():
        score: dict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for term in ts:
            weight = np.log(total / rare[term]) if term in rare else 0.0
            for row in postings.get(term, ()):
                score[row] += weight
                shared[row] += 1
        # A neighbour shares a good part of what is distinctive about the new article, not
        # just a few names that happen to recur (a city, a governor).
        own = sum(np.log(total / rare[t]) for t in ts)
        ranked = sorted((r for r in score if shared[r] >= MIN_SHARED_TERMS
                         and score[r] >= MIN_SHARED_WEIGHT * own),
                        key=lambda r: (-score[r], r))
        found.update(ranked[:NEIGHBOURS])
    return sorted(found)
