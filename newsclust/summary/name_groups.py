"""Spellings of one name across a story ("Sergey Lavrov", "Sergei Lavrov", "Lavrov").

Spellings are grouped by ``entities.name_key``/``same_name`` and, for people, by surname
("Lavrov" joins "Sergei Lavrov" when exactly one full name ends that way). A group's ``name`` is
the most frequent of the longest spellings of its kind. Words only ever used as adjectives
("Russian-mediated") or only ever capitalised as a sentence's first word ("Crews ...") are not
trusted as names.

The groups serve three purposes: a name counts as one token in sentence similarity, only-in
entities and event places are read per group, and :func:`entity_entries` is the ``entities``
entry of the differences: names that several sources mention, or that one source spells two
ways.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from newsclust.entities import Entity, name_key, same_name
from newsclust.sentences import STOPWORDS
from newsclust.summary.story import Doc


@dataclass(slots=True)
class NameGroup:
    """The spellings of one name, with where and how the story uses them."""

    texts: Counter = field(default_factory=Counter)  # spelling -> mentions
    kinds: Counter = field(default_factory=Counter)  # (spelling, kind) -> mentions
    articles: dict = field(default_factory=dict)  # article id -> story order
    standalone: bool = False  # seen at least once as a name, not as a modifier ("Russian-led")
    #: seen at least once as a name (not only as a capitalised first word: "Rescue teams ...")
    named: bool = False
    #: Set by :meth:`settle` once every mention is counted.
    kind: str = ""
    name: str = ""

    @property
    def is_name(self) -> bool:
        """Not only ever an adjective ("Russian-led") nor only a capitalised first word."""
        return self.standalone and self.named

    def settle(self) -> None:
        self.kind = self._kind()
        self.name = self._name(self.kind)

    def _kind(self) -> str:
        # The extractor types a surname alone as "other" ("Lavrov"): a typed mention wins.
        counts = Counter()
        for (_, kind), n in self.kinds.items():
            counts[kind] += n
        typed = [k for k in counts if k != "other"] or ["other"]
        return min(typed, key=lambda k: (-counts[k], k))

    def _name(self, kind: str) -> str:
        # The most frequent spelling among the longest forms of the group's kind:
        # "Sergei Lavrov" rather than "Lavrov", "Russia" (place) rather than "Russian".
        pool = sorted({t for (t, k) in self.kinds if k == kind}) or sorted(self.texts)
        longest = max(len(t.split()) for t in pool)
        full = [t for t in pool if len(t.split()) == longest]
        # Ties go to the spelling seen first (texts keep first-mention order, docs are sorted).
        first_seen = {t: n for n, t in enumerate(self.texts)}
        return min(full, key=lambda t: (-self.texts[t], first_seen[t]))


def group_names(docs: list[Doc]) -> tuple[list[NameGroup], dict[str, int]]:
    """The story's name groups (sorted by name) and each spelling's group index."""
    kinds: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for mentions in doc.mentions:
            for entity in mentions:
                kinds[entity.text][entity.kind] += 1
    texts = sorted(kinds)
    uf = _UnionFind(texts)
    # Same key, or near spelling (compared within blocks, to avoid all pairs of names).
    blocks: dict[tuple, list[str]] = defaultdict(list)
    for text in texts:
        key = name_key(text)
        blocks[(len(text.split()), key[:1])].append(text)
    for block in blocks.values():
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                if name_key(a) == name_key(b) or same_name(a, b):
                    uf.union(a, b)
    _attach_short_forms(texts, kinds, uf)
    group_of = {text: uf.find(text) for text in texts}
    groups_by_root: dict[str, NameGroup] = defaultdict(NameGroup)
    for doc in docs:
        for s, mentions in zip(doc.sentences, doc.mentions, strict=True):
            for entity in mentions:
                group = groups_by_root[group_of[entity.text]]
                group.texts[entity.text] += 1
                group.kinds[(entity.text, entity.kind)] += 1
                group.articles[doc.article.id] = doc.order
                group.standalone = group.standalone or not _used_as_modifier(entity, s.text)
                group.named = group.named or not _only_sentence_initial(entity, s.text)
    for group in groups_by_root.values():
        group.settle()
    groups = sorted(groups_by_root.values(), key=lambda g: (g.name, sorted(g.texts)))
    index = {text: i for i, g in enumerate(groups) for text in g.texts}
    return groups, index


def entity_entries(groups: list[NameGroup]) -> list[dict]:
    """The ``entities`` difference: names several sources share, or one source spells two ways."""
    entries = []
    for group in groups:
        if not group.is_name:
            continue
        # Within one source, only two spellings of the same kind of thing count as variants:
        # "Armenia" (place) beside "Armenian" (adjective) is not a spelling difference.
        typed = {t for (t, k) in group.kinds if k == group.kind}
        full_forms = {t for t in typed if not _is_short_form(t, group.texts)}
        if len(group.articles) < 2 and len(full_forms) < 2:
            continue
        entries.append(
            {
                "name": group.name,
                "kind": group.kind,
                "variants": sorted(group.texts),
                "articles": sorted(group.articles, key=lambda k: (group.articles[k], k)),
            }
        )
    return entries


def occurrences(name: str, text: str) -> Iterator[int]:
    """Start of each non-overlapping occurrence of ``name`` in ``text``, left to right."""
    # A plain search, not a regex per name: those would churn re's cache of compiled patterns.
    start = text.find(name)
    while start >= 0:
        yield start
        start = text.find(name, start + len(name))


#: Lower-case words after a name that do not make it an adjective ("Moscow last week").
_NOT_QUALIFIED = STOPWORDS | {"last", "next", "early", "late", "earlier", "later", "today"}
_NEXT_LOWER_WORD = re.compile(r"[\s-]+([a-z][\w'’-]*)")


def qualifies_noun(rest: str) -> bool:
    """True when ``rest`` (the text right after a name) starts with a noun the name qualifies:
    "Turkish government", "Russian-mediated truce", "AFP photo"."""
    match = _NEXT_LOWER_WORD.match(rest)
    # A past-tense verb after a name is its action, not its noun ("Lavrov stressed").
    return (
        bool(match) and match.group(1) not in _NOT_QUALIFIED and not match.group(1).endswith("ed")
    )


class _UnionFind:
    def __init__(self, items: list[str]):
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic root: the smaller string.
            self.parent[max(ra, rb)] = min(ra, rb)


def _attach_short_forms(texts: list[str], kinds: dict[str, Counter], uf: _UnionFind) -> None:
    """Shorter forms join a longer name they end ("Lavrov" -> "Sergei Lavrov"), but only when
    exactly one longer group fits: "Trump" must not glue Donald and Ivanka together."""
    # Longer names indexed by the first letter of their last word, so each short form is
    # compared with a handful of names, not with all of them.
    by_last: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        # People only: for places and organisations the last word is often a different thing
        # ("Metropolitano de Lisboa" is not Lisbon, "Countering America's ... Act" not America).
        if len(text.split()) > 1 and "person" in kinds[text]:
            by_last[name_key(text.split()[-1])[:1]].append(text)
    for short in sorted(texts, key=lambda t: (len(t.split()), t)):
        words = short.split()
        roots = {
            uf.find(long)
            for long in by_last.get(name_key(words[-1])[:1], ())
            if len(long.split()) > len(words)
            and _compatible(kinds[short], kinds[long])
            and _tokens_match(words, long.split())
        }
        if len(roots) == 1:
            uf.union(short, roots.pop())


def _tokens_match(short: list[str], long: list[str]) -> bool:
    """``short`` equals the last words of ``long`` ("Tayyip Erdogan" in "Recep Tayyip Erdogan")."""
    tail = long[-len(short) :]
    return all(same_name(a, b) for a, b in zip(short, tail, strict=True))


def _compatible(kinds_a: Counter, kinds_b: Counter) -> bool:
    """Two spellings may name one thing unless they are clearly of different kinds."""
    a = {k for k in kinds_a if k != "other"}
    b = {k for k in kinds_b if k != "other"}
    return not a or not b or bool(a & b)


_WORD_CHAR = re.compile(r"\w")
_HYPHENATED = re.compile(r"-[a-z]")


def _only_sentence_initial(entity: Entity, sentence: str) -> bool:
    """A lone capitalised word that only ever starts the sentence may be any word ("Crews",
    "Flames", "Traffic"): we cannot tell it is a name. Known kinds and longer names are trusted."""
    if entity.kind != "other" or len(entity.text.split()) > 1:
        return False
    return all(
        not _WORD_CHAR.search(sentence, 0, start) for start in occurrences(entity.text, sentence)
    )


def _used_as_modifier(entity: Entity, sentence: str) -> bool:
    """True when every use of a name qualifies a noun ("Russian-mediated truce", "AFP photo").

    Only single words are suspects: full names of people and places are names whatever follows
    them ("Recep Tayyip Erdogan seek to ...").
    """
    name = entity.text
    if _HYPHENATED.search(name):
        return True
    if entity.kind == "person" or len(name.split()) > 1:
        return False
    ends = [start + len(name) for start in occurrences(name, sentence)]
    return bool(ends) and all(qualifies_noun(sentence[end:]) for end in ends)


def _is_short_form(text: str, texts) -> bool:
    """A short form ("Lavrov" beside "Sergei Lavrov") is not a different spelling."""
    words = text.split()
    return any(len(t.split()) > len(words) and t.split()[-len(words) :] == words for t in texts)
