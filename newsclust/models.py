"""The values that flow between pipeline stages.

Every stage takes and returns these frozen dataclasses, so stages can be replaced one at a
time without touching the plumbing. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    """One news article.

    ``load`` fills what the input says (``text`` is the raw body); ``clean`` returns a copy with
    the body cleaned and the metadata it could read from the text (title, byline, agency, date).
    """

    id: str
    text: str
    path: str
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    byline: str | None = None
    agency: str | None = None
    #: Extra input fields we keep but do not interpret (e.g. a gold ``label`` for evaluation).
    extra: tuple[tuple[str, str], ...] = ()

    def get_extra(self, name: str) -> str | None:
        for key, value in self.extra:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that produced no article, and why (one line a user can act on)."""

    path: str
    reason: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class DupGroup:
    """Near-duplicate articles: one canonical article and its copies.

    ``members`` includes the canonical id and is sorted; ``similarity`` is the smallest verified
    pairwise similarity that joined the group (1.0 for exact copies).
    """

    canonical: str
    members: tuple[str, ...]
    similarity: float


@dataclass(frozen=True, slots=True)
class SummarySentence:
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """A group of articles reporting one event.

    ``article_ids`` lists canonical articles and their copies, in display order (earliest first);
    ``duplicate_of`` maps each copy to its canonical article.
    """

    id: str
    title: str
    article_ids: tuple[str, ...]
    duplicate_of: dict[str, str] = field(default_factory=dict)
    summary: tuple[SummarySentence, ...] = ()
    #: JSON-ready differences between sources (see summarize.py for the shape).
    differences: dict = field(default_factory=dict)
    first_date: dt.date | None = None
    last_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """The result of a run: every input is in exactly one story or in ``skipped``."""

    stories: tuple[Story, ...]
    articles: dict[str, Article]
    skipped: tuple[Skipped, ...]
    stats: dict = field(default_factory=dict)
    #: Seconds per stage. Kept apart from ``stats`` because output must be byte-identical
    #: across runs, and timings never are.
    timings: dict = field(default_factory=dict)

    @property
    def article_count(self) -> int:
        return len(self.articles)
