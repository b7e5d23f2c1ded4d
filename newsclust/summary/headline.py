"""The story's title.

The source title with the highest word overlap with the other articles, site names stripped
("... | Jordan Times", "... - CNN"); without any title, the best summary sentence (the lead, for
one source) in headline form ("Lavrov said that X ..." -> "Lavrov: X ..."), at most about 12
words.
"""

from __future__ import annotations

import re

import numpy as np

from newsclust.models import Article
from newsclust.sentences import Sentence, content_stems
from newsclust.summary.story import Doc, locate


def story_title(docs: list[Doc], score: np.ndarray) -> str:
    titled = [(d, strip_site(d.article.title)) for d in docs if (d.article.title or "").strip()]
    if len(titled) > 1:
        # Each article's words: its title's and its sentences' (already stemmed when the story
        # was read; re-reading the whole text here cost a twentieth of the summary time).
        bags = {d.id: content_stems(d.article.title or "").union(*d.stems) for d in docs}

        def representativeness(item: tuple[Doc, str]) -> float:
            doc, title = item
            words = content_stems(title)
            if not words:
                return 0.0
            others = [bags[d.id] for d in docs if d is not doc]
            return sum(len(words & bag) / len(words) for bag in others) / len(others)

        return max(titled, key=lambda item: (representativeness(item), -item[0].order))[1]
    if titled:
        return titled[0][1]
    if len(score) == 0:
        return ""
    top = min(range(len(score)), key=lambda i: (-score[i], i))
    return shorten(locate(docs, top)[1].text)


def single_source_title(article: Article, lead: list[Sentence]) -> str:
    if (article.title or "").strip():
        return strip_site(article.title)
    return shorten(lead[0].text) if lead else ""


_SITE_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")


def strip_site(title: str) -> str:
    """Drop a site name before or after the headline ("... | Jordan Times", "CNN - ...")."""
    parts = [p.strip() for p in _SITE_SEPARATOR.split(" ".join(title.split())) if p.strip()]
    if len(parts) < 2:
        return " ".join(title.split())

    def is_site(part: str) -> bool:
        words = part.split()
        return len(words) <= 4 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)

    while len(parts) > 1 and is_site(parts[-1]) and len(" ".join(parts[:-1]).split()) >= 3:
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]) and len(" ".join(parts[1:]).split()) >= 3:
        parts.pop(0)
    return " - ".join(parts)


#: "Russian Foreign Minister Sergey Lavrov said on Tuesday that ...": who, then what was said.
_ATTRIBUTION = re.compile(
    r"^(?P<who>(?:[\w’'.-]+\s+){0,7}?[A-Z][\w’'-]+)\s+"
    r"(?:said|says|announced|stated|told reporters)(?:\s+on\s+\w+)?(?:\s+that)?\s+(?P<what>.+)$"
)
_CLAUSE_END = re.compile(r",\s|;\s|\s[—–]\s")


def shorten(sentence: str, limit: int = 12) -> str:
    """A headline-sized version of a sentence.

    The first clause, with a leading attribution turned into the headline form ("Lavrov said
    that X will ..." -> "Lavrov: X will ..."); cut to ``limit`` words if still too long.
    """
    text = sentence.strip().rstrip(".!?。！？")
    if len(text.split()) <= limit + 2:
        return text
    clause = _CLAUSE_END.split(text)[0]
    said = _ATTRIBUTION.match(clause)
    if said and len(said.group("what").split()) >= 4:
        what = said.group("what")
        clause = f"{said.group('who').split()[-1]}: {what[:1].upper()}{what[1:]}"
    words = clause.split()
    if 6 <= len(words) <= limit + 2:
        return clause
    words = words if len(words) >= 6 else text.split()
    return " ".join(words[:limit]).rstrip(",;:") + "…"
