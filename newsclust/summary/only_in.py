"""Facts only one source carries: the ``only_in`` entry of the differences.

``{article_id: [fact, ...]}``, articles without such facts left out. A fact is, in this order::

    {"kind": "sentence", "text": "<a sentence with no counterpart in any other source>"}
    {"kind": "entity", "text": "Nagorno Karabakh", "type": "place"}   # person/place/org/other
    {"kind": "figure", "text": "$2.5 billion"}

sentences in text order, entities and figures in first-mention order. Figures already shown in
a conflict are left out, and so are counts that are prose rather than data ("the two
countries", "two Russian journalists": see ``Figure.stands_alone``).
"""

from __future__ import annotations

from collections import Counter

from newsclust.summary.alignment import ALIGN_THRESHOLD, SentenceMatrix
from newsclust.summary.figures import Figure
from newsclust.summary.name_groups import NameGroup
from newsclust.summary.story import Doc


def only_in(
    docs: list[Doc],
    matrix: SentenceMatrix,
    groups: list[NameGroup],
    name_index: dict[str, int],
    figures: dict[int, list[Figure]],
    conflicts: list[dict],
) -> dict[str, list[dict]]:
    # A figure is the same fact elsewhere when another source has its value counting the same
    # thing: count the sources holding each (value, what it counts).
    holders = Counter(key for d in docs for key in {(f.value, f.about) for f in figures[d.order]})
    out: dict[str, list[dict]] = {}
    best = matrix.best.max(axis=1, initial=0.0)  # each sentence's best counterpart anywhere
    for doc in docs:
        facts: list[dict] = []
        for s in doc.sentences:
            if best[doc.offset + s.index] < ALIGN_THRESHOLD:
                facts.append({"kind": "sentence", "text": s.text})
        facts += _only_entities(doc, groups, name_index)
        # A value already shown side by side in a conflict is not repeated as a lone fact.
        seen = {
            text
            for c in conflicts
            if doc.id in c["values"]
            for text in c["values"][doc.id].split("; ")
        }
        for figure in figures[doc.order]:
            if not figure.stands_alone:
                continue
            if holders[(figure.value, figure.about)] == 1 and figure.text not in seen:
                seen.add(figure.text)
                facts.append({"kind": "figure", "text": figure.text})
        if facts:
            out[doc.id] = facts
    return out


def _only_entities(doc: Doc, groups: list[NameGroup], name_index: dict[str, int]) -> list[dict]:
    facts, seen = [], set()
    for mentions in doc.mentions:
        for entity in mentions:
            number = name_index.get(entity.text)
            if number is None or number in seen:
                continue
            group = groups[number]
            if list(group.articles) != [doc.id] or not group.is_name:
                continue  # mentioned elsewhere too, or not a name we can trust
            seen.add(number)
            facts.append({"kind": "entity", "text": group.name, "type": group.kind})
    return facts
