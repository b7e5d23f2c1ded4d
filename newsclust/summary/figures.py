"""Figures in a sentence: a number with what it counts, as the source words it.

``"$2.5 billion"`` (amount), ``"3.5 percent"``, ``"more than 6,000 people were killed"`` (death
toll), ``"magnitude 6.1"``, ``"40 houses"`` (a counted noun, keyed by its stem). Dates, years
and clock times are not figures, nor are bare numbers with nothing counted. Event measures
(death toll, injured, missing, magnitude) are comparable across whole texts; other figures
only between aligned sentences (see :mod:`newsclust.summary.conflicts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from newsclust.sentences import STOPWORDS, Memo, Sentence, content_tokens, fold, stem
from newsclust.summary.story import Doc


def story_figures(docs: list[Doc]) -> dict[int, list[Figure]]:
    """Each article's figures (by story order), in text order."""
    # (:func:`figures` of each sentence, without a list for each of the many without any.)
    by_doc = {}
    for d in docs:
        found: list[Figure] = []
        for s in d.sentences:
            in_text = _figures_of_text[s.text]
            if in_text:
                found += [f.at(s.index) for f in in_text] if s.index else in_text
        by_doc[d.order] = found
    return by_doc


_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_FIGURE = re.compile(
    r"(?<![\w.\-/$€£¥])"  # not part of a model name (S-400), a version or a date (2020/12)
    r"(?P<qual>(?:at least|more than|less than|fewer than|over|about|around|nearly|almost|some|"
    r"up to|roughly|approximately)\s+)?"
    r"(?P<cur>US\$|[$€£¥])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + r"(?:"
    + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
    + r")\b"
    + r")(?![\w,]*\d)"
    r"(?P<scale>\s(?:thousand|million|mn|billion|bn|trillion)\b)?"
    r"(?P<pct>\s?%|\spercent\b|\sper cent\b)?",
    re.IGNORECASE,
)

#: The measures of an event that sources report and that must agree across the whole texts:
#: a trigger word after the number ("12 people were killed") or just before it ("killing 12").
#: Words in between are separated by spaces only: a comma ends the phrase.
_GAP = r"(?:[\w’'-]+ +){0,3}?"
_MEASURES_AFTER = {
    "death toll": re.compile(
        rf"^[ -]*{_GAP}(?:dead|killed|died|deaths?|lives|fatalities|bodies|perished)\b", re.I
    ),
    "injured": re.compile(rf"^[ -]*{_GAP}(?:injured|wounded|hurt|injuries)\b", re.I),
    "missing": re.compile(rf"^[ -]*{_GAP}missing\b", re.I),
}
_MEASURES_BEFORE = {
    "death toll": re.compile(rf"\b(?:death toll|toll|killing|killed) +{_GAP}$", re.I),
    "injured": re.compile(rf"\b(?:injuring|wounding|injured|wounded) +{_GAP}$", re.I),
}
_MAGNITUDE_BEFORE = re.compile(r"magnitude(?:\s+of)?[\s-]*$", re.I)
_MAGNITUDE_AFTER = re.compile(rf"^[\s-]*magnitude\b|^[ -]*{_GAP}richter\b", re.I)
_MONTH_WORD = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
)


@dataclass(frozen=True, slots=True)
class Figure:
    text: str  # as shown: "$2.5 billion", "more than 6,000 lives", "magnitude 5.8"
    value: float
    about: str  # key: a measure ("death toll"...), "amount", "percent" or the noun's stem
    label: str  # what ``about`` is called in a conflict: "death toll", "degrees"
    measure: bool  # about is an event measure, comparable across whole texts
    sentence: int  # index of the sentence in its article
    in_words: bool  # the number is a word ("two", "Six"), with no scale ("two million")

    def at(self, sentence: int) -> Figure:
        """The same figure in the sentence of that index (``dataclasses.replace`` is slower)."""
        return Figure(
            self.text, self.value, self.about, self.label, self.measure, sentence, self.in_words
        )

    @property
    def stands_alone(self) -> bool:
        """Whether the figure is a fact of its own when only one source has it.

        Counts of generic nouns ("the two countries") are not. Nor are counts written in words,
        unless they measure the event, an amount or a percentage: news style spells out small
        numbers, so "two Russian journalists" or "Two removable batteries" read as prose, not
        as data a reader would check against another source.
        """
        if self.about in _GENERIC_NOUNS:
            return False
        return not self.in_words or self.measure or self.about in ("amount", "percent")


_COUNTED_AFTER_YEAR = re.compile(r"\s*(?:people|dead|killed|troops)")
_CAPITALISED_WORD_END = re.compile(r"\b[A-Z][a-z]{2,8}\.? $")
_CLOCK_OR_DATE_AFTER = re.compile(r"[:/.]\d|\s*(?:a\.m|p\.m|am\b|pm\b|GMT|UTC)")


def _date_like(match: re.Match, before: str, after: str) -> bool:
    """Years ("in 2011"), days of a month ("3 March", "June 17") and clock times."""
    num = match.group("num")
    if match.group("cur") or match.group("scale") or not num.isdigit():
        return False
    if 1900 <= int(num) <= 2100 and not _COUNTED_AFTER_YEAR.match(after):
        return True
    if (
        _MONTH_WORD.match(after.lstrip())
        # (the pattern spans at most 12 characters: no need to search the rest of the text)
        or _CAPITALISED_WORD_END.search(before, max(0, len(before) - 12))
        and (_MONTH_WORD.search(before[-11:]))
    ):
        return True
    return bool(_CLOCK_OR_DATE_AFTER.match(after))


def figures(sentence: Sentence) -> list[Figure]:
    """The figures of a sentence, in order (dates, times and bare numbers left out)."""
    found = _figures_of_text[sentence.text]
    if not sentence.index:
        return list(found)
    return [f.at(sentence.index) for f in found]


def _text_figures(text: str) -> tuple[Figure, ...]:
    """The figures of a sentence's text, as those of the first sentence of an article."""
    numbers = _number_starts(text)
    if not numbers:
        return ()  # most sentences
    found = []
    triggers = _triggers(text)
    for match in _figure_matches(text, numbers):
        num = match.group("num").lower()
        before, after = text[: match.start()], text[match.end() :]
        if _date_like(match, before, after):
            continue  # dates and times are not counts
        value = float(_WORD_NUMBERS.get(num) or num.replace(",", ""))
        value *= _SCALES.get((match.group("scale") or "").strip().lower(), 1.0)
        in_words = num.isalpha() and not match.group("scale")
        figure = _classify(match.group(0).strip(), value, in_words, match, before, after, triggers)
        if figure:
            found.append(figure)
    return tuple(found)


# Memoised: outlets reuse wire sentences word for word (see summary.story).
_figures_of_text = Memo(_text_figures, 20_000)


def _word_trie(words: list[str]) -> str:
    """An alternation of ``words`` as a trie ("t(?:wo|en|...)"): the regex engine then tries
    one branch per letter instead of every word, longest words first as in _FIGURE."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[:1], []).append(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        longer = [rest for rest in rests if rest]
        if not longer:
            branches.append(first)
            continue
        optional = "?" if len(longer) < len(rests) else ""
        branches.append(f"{first}(?:{_word_trie(longer)}){optional}")
    return "|".join(branches)


#: Where the number of a figure may start: a run of digits or a number word, found in
#: lower-cased text (far faster than case-blind matching). Over-matching is harmless: every
#: start is checked by _FIGURE itself.
_NUMBER_START = re.compile(rf"\d+|{_word_trie(list(_WORD_NUMBERS))}")
_ANY_CASE_NUMBER_START = re.compile(_NUMBER_START.pattern, re.IGNORECASE)
#: Letters that case-blind matching reads as a letter of a number word ("ſix") while
#: ``str.lower`` keeps them apart, or lower-cases to two characters ("İ").
_CASE_ODDITIES = frozenset("İıſ")
#: The longest qualifier _FIGURE reads before a number ("approximately").
_LONGEST_QUALIFIER = 13


def _number_starts(text: str) -> list[int]:
    """Every place where a number of _FIGURE may start, in order (and maybe some more)."""
    low = text.lower()
    if len(low) == len(text) and (text.isascii() or _CASE_ODDITIES.isdisjoint(text)):
        return [m.start() for m in _NUMBER_START.finditer(low)]
    return [m.start() for m in _ANY_CASE_NUMBER_START.finditer(text)]


def _figure_matches(text: str, numbers: list[int]) -> Iterator[re.Match]:
    """The matches of ``_FIGURE.finditer(text)``, given the :func:`_number_starts` of text.

    _FIGURE can start a match anywhere (a qualifier, a currency sign, a number), so finditer
    tries it at every character, which cost more than all the rest of figure reading. A match
    holds a number, though: each is searched for from a little before the next number on.
    """
    end = 0  # where the previous match ended
    for number in numbers:
        if number < end:
            continue  # inside the previous match ("2,500")
        match = _FIGURE.search(text, max(end, _earliest_start(text, number)))
        if match is None:
            return
        yield match
        end = match.end()


def _earliest_start(text: str, number: int) -> int:
    """The first character a match of _FIGURE whose number starts at ``number`` may start at.

    Before the number stand at most a space, a currency ("US$"), then a run of spaces after a
    qualifier. No qualifier, currency or space holds a digit or a number word, so that match
    cannot start before an earlier number either.
    """
    start = max(0, number - 4)  # an optional space and a currency of up to three characters
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return max(0, start - _LONGEST_QUALIFIER)


#: Words one of which every match of a pattern read around a number holds (in lower case).
_TRIGGER_WORDS = {
    _MAGNITUDE_BEFORE: ("magnitude",),
    _MEASURES_BEFORE["death toll"]: ("toll", "kill"),
    _MEASURES_BEFORE["injured"]: ("injur", "wound"),
    _MAGNITUDE_AFTER: ("magnitude", "richter"),
    _MEASURES_AFTER["death toll"]: (
        "dead", "kill", "died", "death", "lives", "fatalit", "bodies", "perish",
    ),
    _MEASURES_AFTER["injured"]: ("injur", "wound", "hurt"),
    _MEASURES_AFTER["missing"]: ("missing",),
}  # fmt: skip


def _triggers(text: str) -> frozenset[re.Pattern]:
    """The patterns of _TRIGGER_WORDS that may match in ``text``: each is tried at every
    number (those before it searched over all the text before), so a sentence without its
    words skips it. Text beyond ASCII keeps all of them (case-blind matching folds more than
    ``str.lower`` there)."""
    if not text.isascii():
        return frozenset(_TRIGGER_WORDS)
    low = text.lower()
    return frozenset(p for p, words in _TRIGGER_WORDS.items() if any(w in low for w in words))


def _nearest_measure_before(before: str, triggers: frozenset[re.Pattern]) -> str | None:
    """The measure whose trigger word stands closest before the number ("injuring 48")."""
    hits = [
        (m.start(), about)
        for about, p in _MEASURES_BEFORE.items()
        if p in triggers and (m := p.search(before))
    ]
    return max(hits)[1] if hits else None


def _classify(core, value, in_words, match, before, after, triggers) -> Figure | None:
    def figure(text: str, about: str, label: str, measure: bool = False) -> Figure:
        return Figure(text.strip(), value, about, label, measure, 0, in_words)

    magnitude_before = _MAGNITUDE_BEFORE in triggers and _MAGNITUDE_BEFORE.search(before)
    if magnitude_before or _MAGNITUDE_AFTER in triggers and _MAGNITUDE_AFTER.match(after):
        return figure(f"magnitude {match.group('num')}", "magnitude", "magnitude", True)
    if match.group("cur"):
        return figure(core, "amount", "amount")
    if match.group("pct"):
        return figure(core, "percent", "percentage")
    for about, pattern in _MEASURES_AFTER.items():
        hit = pattern in triggers and pattern.match(after)
        if hit:
            return figure(f"{core}{after[: hit.end()]}", about, about, True)
    shown, key, label = _noun_after(after)
    about = _nearest_measure_before(before, triggers)
    if about:
        return figure(f"{core} {shown}", about, about, True)
    if not key:
        return None  # a bare number with nothing counted: too vague to compare
    if key in _CURRENCY_WORDS:  # "2.5 billion dollars" is the same fact as "$2.5 billion"
        return figure(f"{core} {shown}", "amount", "amount")
    return figure(f"{core}{shown}" if shown.startswith("-") else f"{core} {shown}", key, label)


#: Nouns too generic to make a count a fact of its own ("the two countries", "both sides").
_GENERIC_NOUNS = frozenset(
    map(
        stem,
        (
            "country", "side", "nation", "time", "way", "thing", "part", "minister",
            "government", "capital", "leader", "party",
        ),
    )
)  # fmt: skip
_CURRENCY_WORDS = frozenset(
    map(stem, ("dollar", "euro", "pound", "usd", "eur", "yuan", "rouble", "ruble"))
)
#: First words of two-word units: "225 basis points", "3 percentage points", "40 square metres".
_UNIT_PREFIXES = frozenset({"basis", "percentage", "square", "cubic"})
_ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "able", "ible", "ful", "less", "ary")


_HYPHENATED_UNIT = re.compile(r"((?:-[A-Za-z]+)+)(?: +([a-z][\w’'-]*))?")
_NEXT_WORDS = re.compile(r" +((?:[\w’'-]+ +){0,3}[\w’'-]+)")


def _noun_after(after: str) -> tuple[str, str, str]:
    """What a number counts: (words as shown, key, label).

    "two Russian journalists" -> ("Russian journalists", "journalist", "journalists");
    "six-week war" -> ("-week war", "week", "week"); "225 basis points" -> ("basis points", ...).
    """
    hyphen = _HYPHENATED_UNIT.match(after)
    if hyphen:  # "six-week war", "44-year-old guard": the unit is the hyphenated part
        unit = hyphen.group(1)
        noun = hyphen.group(2) or ""
        shown = f"{unit} {noun}" if noun and noun not in STOPWORDS else unit
        return shown, fold(unit[1:]), fold(unit[1:])
    words = _NEXT_WORDS.match(after)
    if not words:
        return "", "", ""
    return _counted_noun[words.group(1)]


def _noun_of_words(words: str) -> tuple[str, str, str]:
    """:func:`_noun_after` of the (up to four) words after a number."""
    tokens = words.split()
    for n, word in enumerate(tokens):
        low = fold(word).rstrip("'’")
        if word[:1].isupper() or low in {"more", "other", "of", "the", "a"}:
            continue  # "two Russian journalists": skip the adjective of nationality
        if low in STOPWORDS or not content_tokens(low):
            return "", "", ""
        following = tokens[n + 1] if n + 1 < len(tokens) else ""
        two_words = (
            following[:1].islower()
            and following not in STOPWORDS
            and (low in _UNIT_PREFIXES or "-" in low or low.endswith(_ADJECTIVE_ENDINGS))
        )
        if two_words:  # "direct-debit customers", "basis points"
            low = f"{low} {fold(following).rstrip(chr(39) + '’')}"
            n += 1
        shown = " ".join(tokens[: n + 1]).rstrip("'’")
        return shown, " ".join(stem(w) for w in low.split()), low
    return "", "", ""


# Memoised: a story counts the same things again and again ("mln dlrs", "people were killed").
_counted_noun = Memo(_noun_of_words, 20_000)
