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
from operator import attrgetter

from newsclust.entities import name_key, same_name
from newsclust.sentences import STOPWORDS
from newsclust.summary.story import Doc


@dataclass(slots=True)
class NameGroup:
    """The spellings of one name, with where and how the story uses them."""

    texts: dict = field(default_factory=dict)  # spelling -> mentions, by first mention
    kinds: dict = field(default_factory=dict)  # (spelling, kind) -> mentions
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
        if len(self.kinds) == 1:  # one spelling, read as one kind (most groups)
            (self.name, self.kind), *_ = self.kinds
            return
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
    # One pass over the mentions, keeping per spelling only what the groups need. (Nothing is
    # allocated per mention that lives on: a tuple per mention made the garbage collector
    # sweep the whole heap again and again, which cost more than the rest.)
    counts: dict[tuple[str, str], int] = {}  # (spelling, kind) -> mentions, by first mention
    sentences: dict[str, list[str]] = {}  # spelling -> the sentence of each of its mentions
    in_docs: dict[str, list[Doc]] = {}  # spelling -> the docs that mention it, in story order
    for doc in docs:
        for s, mentions in zip(doc.sentences, doc.mentions, strict=True):
            for entity in mentions:
                text = entity.text
                pair = (text, entity.kind)
                counts[pair] = counts.get(pair, 0) + 1
                found = sentences.get(text)
                if found is None:
                    sentences[text] = [s.text]
                    in_docs[text] = [doc]
                else:
                    found.append(s.text)
                    if in_docs[text][-1] is not doc:
                        in_docs[text].append(doc)
    texts = sorted(sentences)
    kinds: dict[str, set[str]] = defaultdict(set)
    for text, kind in counts:
        kinds[text].add(kind)
    words = {text: text.split() for text in texts}
    uf = _UnionFind(texts)
    _join_spellings(texts, words, uf)
    _attach_short_forms(texts, words, kinds, uf)
    root_of = {text: uf.find(text) for text in texts}
    groups_by_root: dict[str, NameGroup] = defaultdict(NameGroup)
    members: dict[str, list[str]] = defaultdict(list)
    for text, found in sentences.items():  # spellings in order of first mention
        groups_by_root[root_of[text]].texts[text] = len(found)
        members[root_of[text]].append(text)
    for (text, kind), n in counts.items():
        groups_by_root[root_of[text]].kinds[(text, kind)] = n
    for root, group in groups_by_root.items():
        spellings = members[root]
        if len(spellings) == 1:  # most groups (in_docs holds its docs in story order)
            group.articles = {doc.id: doc.order for doc in in_docs[spellings[0]]}
        else:
            mentioned = {doc.order: doc for text in spellings for doc in in_docs[text]}
            group.articles = {mentioned[order].id: order for order in sorted(mentioned)}
        group.standalone = any(
            _standalone(text, words[text], kinds[text], sentences[text]) for text in spellings
        )
        group.named = any(
            _named(text, words[text], kinds[text], sentences[text]) for text in spellings
        )
        group.settle()
    # A group's name is one of its spellings, and no two groups share a spelling: the names
    # alone give the order.
    groups = sorted(groups_by_root.values(), key=attrgetter("name"))
    index = {text: i for i, g in enumerate(groups) for text in g.texts}
    return groups, index


def _join_spellings(texts: list[str], words: dict[str, list[str]], uf: _UnionFind) -> None:
    """Spellings with the same key, or near spellings (``same_name``), join one group.

    Compared within blocks (same number of words, same first letter of the key) to avoid all
    pairs of names; within a block, spellings with equal keys join at once and only distinct
    keys that may be near spellings are compared.
    """
    blocks: dict[tuple, dict[str, str]] = defaultdict(dict)  # key -> its first spelling
    for text in texts:
        key = name_key(text)
        block = blocks[(len(words[text]), key[:1])]
        if key in block:
            uf.union(block[key], text)
        else:
            block[key] = text
    for block in blocks.values():
        if len(block) < 2:
            continue  # most blocks: nothing to compare
        # Near spellings have keys of as many words, each starting with the same letter and of
        # a length within one of the other's: only those pairs are worth comparing.
        shapes: dict[tuple[str, ...], list[tuple[list[int], str]]] = defaultdict(list)
        for key, text in block.items():
            tokens = key.split()
            shapes[tuple([t[0] for t in tokens])].append(([len(t) for t in tokens], text))
        for similar in shapes.values():
            if len(similar) > 1:
                _join_near_spellings(similar, uf)


def _join_near_spellings(similar: list[tuple[list[int], str]], uf: _UnionFind) -> None:
    """Join the near spellings among keys of one shape (``similar``: word lengths, spelling).

    Only keys whose first words differ in length by at most one are paired (each pair once):
    a block of names starting with the same letter may be long, its near spellings are few.
    """
    by_first: dict[int, list[tuple[list[int], str]]] = defaultdict(list)
    for entry in similar:
        by_first[entry[0][0] if entry[0] else 0].append(entry)
    for first, entries in by_first.items():
        longer = by_first.get(first + 1, [])
        for i, (lengths_a, a) in enumerate(entries):
            for lengths_b, b in entries[i + 1 :] + longer:
                close = all(abs(x - y) <= 1 for x, y in zip(lengths_a, lengths_b, strict=True))
                if close and same_name(a, b):
                    uf.union(a, b)


def _standalone(text: str, words: list[str], kinds: set[str], sentences: list[str]) -> bool:
    """Whether a spelling is used at least once as a name, not as a modifier: full names of
    people and places are names whatever follows them ("Recep Tayyip Erdogan seek to ..."),
    single words only where they do not qualify a noun (see :func:`_used_as_modifier`)."""
    if _HYPHENATED.search(text):
        return False
    if len(words) > 1 or "person" in kinds:
        return True
    return any(not _used_as_modifier(text, sentence) for sentence in sentences)


def _named(text: str, words: list[str], kinds: set[str], sentences: list[str]) -> bool:
    """Whether a spelling is used at least once other than as a sentence's first word (known
    kinds and longer names are trusted: see :func:`_only_sentence_initial`)."""
    if len(words) > 1 or kinds != {"other"}:
        return True
    return any(not _only_sentence_initial(text, sentence) for sentence in sentences)


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


def _attach_short_forms(
    texts: list[str], words: dict[str, list[str]], kinds: dict[str, set[str]], uf: _UnionFind
) -> None:
    """Shorter forms join a longer name they end ("Lavrov" -> "Sergei Lavrov"), but only when
    exactly one longer group fits: "Trump" must not glue Donald and Ivanka together."""
    # Longer names indexed by the first letter of their last word, so each short form is
    # compared with a handful of names, not with all of them.
    by_last: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        # People only: for places and organisations the last word is often a different thing
        # ("Metropolitano de Lisboa" is not Lisbon, "Countering America's ... Act" not America).
        if len(words[text]) > 1 and "person" in kinds[text]:
            by_last[name_key(words[text][-1])[:1]].append(text)
    if not by_last:
        return  # no full name of a person for a short form to join
    # The short forms that have longer names to compare with, shortest first (each union may
    # change the roots the next one sees).
    shorts = []
    for text in texts:
        longer = by_last.get(name_key(words[text][-1])[:1])
        if longer:
            shorts.append((len(words[text]), text, longer))
    shorts.sort()
    typed = {long: kinds[long] - {"other"} for longer in by_last.values() for long in longer}
    for n_words, short, longer in shorts:
        short_words, short_typed = words[short], kinds[short] - {"other"}
        roots = {
            uf.find(long)
            for long in longer
            if len(words[long]) > n_words
            and _compatible(short_typed, typed[long])
            and _tokens_match(short_words, words[long])
        }
        if len(roots) == 1:
            uf.union(short, roots.pop())


def _tokens_match(short: list[str], long: list[str]) -> bool:
    """``short`` equals the last words of ``long`` ("Tayyip Erdogan" in "Recep Tayyip Erdogan")."""
    tail = long[-len(short) :]
    return all(same_name(a, b) for a, b in zip(short, tail, strict=True))


def _compatible(typed_a: set[str], typed_b: set[str]) -> bool:
    """Two spellings may name one thing unless they are clearly of different kinds (the kinds
    they are read as, "other" left out)."""
    return not typed_a or not typed_b or not typed_a.isdisjoint(typed_b)


_WORD_CHAR = re.compile(r"\w")
_HYPHENATED = re.compile(r"-[a-z]")


def _only_sentence_initial(word: str, sentence: str) -> bool:
    """A lone capitalised word that only ever starts the sentence may be any word ("Crews",
    "Flames", "Traffic"): we cannot tell it is a name. (Known kinds and longer names are
    trusted: see :func:`_named`.)"""
    return all(not _WORD_CHAR.search(sentence, 0, start) for start in occurrences(word, sentence))


def _used_as_modifier(word: str, sentence: str) -> bool:
    """True when every use of a word in the sentence qualifies a noun ("Russian-mediated
    truce", "AFP photo").

    Only single words are suspects: full names of people and places are names whatever follows
    them ("Recep Tayyip Erdogan seek to ...", see :func:`_standalone`).
    """
    ends = [start + len(word) for start in occurrences(word, sentence)]
    return bool(ends) and all(qualifies_noun(sentence[end:]) for end in ends)


def _is_short_form(text: str, texts) -> bool:
    """A short form ("Lavrov" beside "Sergei Lavrov") is not a different spelling."""
    words = text.split()
    return any(len(t.split()) > len(words) and t.split()[-len(words) :] == words for t in texts)
