"""Why two articles were or were not joined: every similarity component, its weight, the threshold.

The articles are looked up within a corpus (so corpus statistics such as IDF and chrome lines
are the ones a real run would use), by id or by path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cluster import Explanation
from .errors import InputError
from .ingest import load_articles
from .models import Article
from .pipeline import find_copy_groups, make_clusterer
from .settings import Settings


@dataclass(frozen=True)
class PairReport:
    a: Article
    b: Article
    #: Set when one article is a near-duplicate copy of the other (or both copy a third).
    copy_similarity: float | None
    explanation: Explanation


def find_article(articles: Sequence[Article], key: str) -> Article:
    """The article whose id is ``key``, else whose path is (or ends with) ``key``."""
    for article in articles:
        if article.id == key:
            return article
    wanted = Path(key)
    matches = [
        a
        for a in articles
        if Path(a.path) == wanted
        or Path(a.path).resolve() == wanted.resolve()
        or a.path.endswith("/" + key)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(f"{key!r} matches {len(matches)} articles; give an article id instead.")
    raise InputError(f"No article with id or path {key!r} in the corpus.")


def explain_pair(corpus: Iterable[Path], first: str, second: str, settings: Settings) -> PairReport:
    articles, _ = load_articles(corpus, settings)
    a, b = find_article(articles, first), find_article(articles, second)
    groups = find_copy_groups(articles, settings)
    copy_similarity = next(
        (g.similarity for g in groups if a.id in g.members and b.id in g.members), None
    )
    # Cluster as a real run would (copies collapsed), but keep both articles in the corpus.
    copies = {m for g in groups for m in g.members if m != g.canonical}
    canonical = [x for x in articles if x.id not in copies or x.id in (a.id, b.id)]
    clusterer = make_clusterer(settings).fit(canonical)
    return PairReport(a, b, copy_similarity, clusterer.explain(a, b))
