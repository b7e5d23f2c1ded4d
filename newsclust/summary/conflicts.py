"""Where sources disagree: the ``conflicts`` entry of the differences.

Each conflict is ``{"about": str, "values": {article_id: str}}``, every value as the source
words it (``"at least 12 people"``, ``"magnitude 6.1"``, ``"Sochi"``, ``"Tuesday"``):

- event measures ("death toll", "injured", "missing", "magnitude"), compared story-wide;
- figures with the same counted noun ("degrees", "journalists", "amount", "percentage") and
  explicit days ("date": a weekday or a calendar day), compared only between aligned sentences,
  to stay precise;
- "place": where each source puts the event, when two sources name disjoint places.
"""

from __future__ import annotations

import re

from newsclust.sentences import Memo
from newsclust.summary.figures import Figure
from newsclust.summary.name_groups import NameGroup, occurrences, qualifies_noun
from newsclust.summary.story import Doc, locator


def conflicts(
    docs: list[Doc],
    pairs: list[tuple[int, int]],
    figures: dict[int, list[Figure]],
    groups: list[NameGroup],
    name_index: dict[str, int],
) -> list[dict]:
    """Every conflict once, sorted by what it is about, then by its values."""
    found = _measure_conflicts(docs, figures)
    found += _aligned_conflicts(docs, pairs, figures)
    found += _place_conflict(docs, groups, name_index)
    unique = {}
    for conflict in found:
        key = (conflict["about"], tuple(sorted(conflict["values"].items())))
        unique.setdefault(key, conflict)
    return [unique[k] for k in sorted(unique)]


def _measure_conflicts(docs: list[Doc], figures: dict[int, list[Figure]]) -> list[dict]:
    """Event measures (death toll, magnitude...) whose values no two sources share.

    Each source is taken at its first sentence giving the measure: leads report the event
    itself, while later sentences bring background ("In 2001 a magnitude 8.4 quake ...") and
    aftershocks. Within that sentence all values count, so an update ("rose from 12 to 14")
    agrees with both the old and the new figure; only disjoint values are a disagreement.
    """
    found = []
    abouts = sorted({f.about for figs in figures.values() for f in figs if f.measure})
    for about in abouts:
        values: dict[str, tuple[set[float], list[str]]] = {}
        for doc in docs:
            mine = [f for f in figures[doc.order] if f.measure and f.about == about]
            if mine:
                mine = [f for f in mine if f.sentence == mine[0].sentence]
                texts = list(dict.fromkeys(f.text for f in mine))
                values[doc.id] = ({f.value for f in mine}, texts)
        sets = [v[0] for v in values.values()]
        if any(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :]):
            found.append(
                {"about": about, "values": {k: "; ".join(v[1]) for k, v in values.items()}}
            )
    return found


def _aligned_conflicts(
    docs: list[Doc], pairs: list[tuple[int, int]], figures: dict[int, list[Figure]]
) -> list[dict]:
    """Figures with the same noun, and explicit days, that differ between aligned sentences.

    Sentences aligned to the same anchor sentence (of the earliest source) form one group, so
    three sources disagreeing on one figure give one conflict with three values.
    """
    by_sentence: dict[tuple[int, int], list[Figure]] = {}
    for order, figs in figures.items():
        for f in figs:
            if not f.measure:
                by_sentence.setdefault((order, f.sentence), []).append(f)
    groups: dict[tuple, dict] = {}
    locate = locator(docs)
    for i, j in pairs:
        (doc_a, sa), (doc_b, sb) = locate(i), locate(j)
        ids = (doc_a.id, doc_b.id)
        fa = by_sentence.get((doc_a.order, sa.index), [])
        fb = by_sentence.get((doc_b.order, sb.index), [])
        shared = {f.about for f in fa} & {f.about for f in fb} if fa and fb else ()
        for about in sorted(shared):
            va = {f.value: f.text for f in fa if f.about == about}
            vb = {f.value: f.text for f in fb if f.about == about}
            if va.keys().isdisjoint(vb.keys()):
                label = next(f.label for f in fa if f.about == about)
                entry = groups.setdefault((i, about), {"about": label, "values": {}})
                entry["values"][ids[0]] = "; ".join(va.values())
                entry["values"][ids[1]] = "; ".join(vb.values())
        da, db = _dates[sa.text], _dates[sb.text]
        for kind in ("calendar", "weekday"):
            if da[kind] and db[kind] and da[kind].isdisjoint(db[kind]):
                entry = groups.setdefault((i, f"date:{kind}"), {"about": "date", "values": {}})
                entry["values"][ids[0]] = ", ".join(sorted(da[kind]))
                entry["values"][ids[1]] = ", ".join(sorted(db[kind]))
    return [groups[key] for key in sorted(groups)]


_DIGIT = re.compile(r"\d")
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_CALENDAR = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTHS})\.?|(?P<m2>{_MONTHS})\.?\s+(?P<d2>\d{{1,2}}))\b"
)


def _find_dates(text: str) -> dict[str, frozenset[str]]:
    """Explicit days in a sentence, by kind: weekday names and calendar days ("29 Dec")."""
    calendar = set()
    # (A calendar day has a digit and every weekday name ends in "day": most sentences have
    # neither, and each pattern would be tried at every character.)
    for m in _CALENDAR.finditer(text) if _DIGIT.search(text) else ():
        month = (m.group("m1") or m.group("m2"))[:3].title()
        calendar.add(f"{int(m.group('d1') or m.group('d2'))} {month}")
    weekdays = _WEEKDAY.findall(text) if "day" in text else ()
    if not calendar and not weekdays:
        return _NO_DATES  # most sentences: one shared answer keeps the memo small
    return {"weekday": frozenset(weekdays), "calendar": frozenset(calendar)}


_NO_DATES: dict[str, frozenset[str]] = {"weekday": frozenset(), "calendar": frozenset()}


# Memoised: aligned sentences come back in pair after pair.
_dates = Memo(_find_dates, 20_000)


def _place_conflict(docs: list[Doc], groups: list[NameGroup], name_index: dict[str, int]):
    places = {d.id: _event_places(d, groups, name_index) for d in docs}
    places = {k: v for k, v in places.items() if v}
    keys = [set(v) for v in places.values()]
    if not any(a.isdisjoint(b) for i, a in enumerate(keys) for b in keys[i + 1 :]):
        return []
    values = {k: ", ".join(v[g] for g in sorted(v)) for k, v in places.items()}
    return [{"about": "place", "values": values}]


#: Words right before a place that make it the place of the event (not a background place).
_EVENT_PLACE_TRIGGER = re.compile(
    r"(?:\bvisit(?:ed|ing|s)?|\barriv(?:ed|es|ing)\s+(?:in|at)"
    r"|\b(?:met|meet|meets|meeting|meetings|talks|summit|conference|held|hosted|gathered|signed)"
    r"\s+(?:\w+\s+){0,2}?(?:in|at)"
    r"|\b(?:city|town|village|resort|capital|province|region)\s+of"
    r"|\b(?:struck|hit|rocked|shook)(?:\s+(?:near|off))?|\bepicent(?:er|re)\s+(?:\w+\s+){0,2}?"
    r"(?:in|near|off))\s+(?:the\s+)?$",
    re.IGNORECASE,
)


#: Every match of _EVENT_PLACE_TRIGGER holds one of these (in lower case).
_TRIGGER_WORDS = (
    "visit", "arriv", "met", "meet", "talks", "summit", "conference", "held", "hosted",
    "gathered", "signed", "city", "town", "village", "resort", "capital", "province", "region",
    "struck", "hit", "rocked", "shook", "epicent",
)  # fmt: skip


def _may_have_trigger(sentence: str) -> bool:
    """False when no place of the sentence can follow an event trigger: an ASCII sentence
    without any trigger word. (Case-blind matching folds more than ``str.lower`` beyond ASCII:
    such text is always searched.)"""
    if not sentence.isascii():
        return True
    low = sentence.lower()
    return any(word in low for word in _TRIGGER_WORDS)


def _event_places(doc: Doc, groups: list[NameGroup], name_index: dict[str, int]) -> dict:
    """Places a source gives for the event: name group index -> spelling as written.

    A place right after "visited", "talks in", "met in", "city of", "struck near"...; captions,
    datelines and adjectives ("the Russian city") do not count.
    """
    places: dict[int, str] = {}
    for s in doc.sentences:
        if s.caption:
            continue  # captions place the photo, e.g. a meeting room, not the reported event
        may_have_trigger = None  # asked once per sentence, and only for a sentence with places
        for entity in doc.mentions[s.index]:
            group = name_index.get(entity.text)
            if group is None or groups[group].kind not in ("place", "other"):
                continue
            if may_have_trigger is None:
                may_have_trigger = _may_have_trigger(s.text)
            if not may_have_trigger:
                break
            for start in occurrences(entity.text, s.text):
                if qualifies_noun(s.text[start + len(entity.text) :]):
                    continue  # "the Russian city of Sochi": a name used as an adjective
                if _EVENT_PLACE_TRIGGER.search(s.text[:start][-60:]):
                    places.setdefault(group, entity.text)
                    break
    return places
