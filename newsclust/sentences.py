"""Sentence splitting and word tokens for the summarizer.

News text is paragraphs of prose; we split each paragraph into sentences, keeping quoted speech
that spans a full stop ("... dialogue. We've never been ...") in one sentence. Very short lines
without final punctuation are section headings ("sanctions") and are dropped. A leading dateline
("MOSCOW —") is cut from the sentence text and kept aside, because it says where the story was
filed, not where the event happened.

Everything here is pure and deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "Memo",
    "Sentence",
    "content_stems",
    "content_tokens",
    "fold",
    "iter_sentences",
    "quotes",
    "split_paragraph",
    "split_sentences",
    "stem",
    "word_stems",
    "word_tokens",
]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words that end with a full stop without ending the sentence.
_ABBREVIATIONS = _word_set(
    """
    mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st mt ft jr sr co corp inc ltd
    no vs etc al approx dept univ jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g
    i.e a.m p.m
    """
)

#: A sentence end candidate: terminal punctuation, optional closing quote/bracket, whitespace,
#: then something that can start a sentence; or a full-width full stop, exclamation or question
#: mark (Chinese, Japanese), which ends a sentence with no space after it.
_BOUNDARY = re.compile(
    # The first mark is matched ahead of the alternatives, which read as [.!?]+... and
    # [。！？]+...: a pattern that starts with a character class lets the regex engine skip
    # to the candidates instead of trying both alternatives at every character.
    r"[.!?。！？]"
    r"(?:(?<=[.!?])[.!?]*[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|(?<=[。！？])[。！？]*[”’」』）)]*\s*(?=\S))"
)

#: "MOSCOW —", "ANKARA, Turkey (AP) —", "Paris (AFP) -": a dateline in capitals before a dash.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'/-]{1,40}?)(?:,\s*[A-Z][\w.]*(?:\s[A-Z0-9][\w.]*){0,2})?"
    r"\s*(?:\([^)]{1,30}\))?\s*[—–-]{1,2}\s+"
)

#: Photo captions carry places and names that are not about the event itself.
#: (Two patterns, as the credit in brackets may stand anywhere and the rest only at the start:
#: one pattern with both would be tried at every character.)
_CAPTION_ANYWHERE = re.compile(
    r"\((?:[\w/]+\s+)?(?:file\s+)?(?:photo|picture|image)s?\)", re.IGNORECASE
)
_CAPTION_START = re.compile(
    r"(?:an?\s+|this\s+)?(?:handout\s+|file\s+)?(?:photo(?:graph)?|picture|image)\b"
    r"|^(?:photo|picture|image|caption)\s*:"
    # Wire style: "In this Jan. 5, 2016, file photo, ...", "FILE - In this photo taken ...".
    r"|^(?:file\s*[-–—]+\s*)?in\s+this\s+(?:(?:undated|handout|file|\d{1,4},?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?)\s+){0,5}"
    r"(?:photo(?:graph)?|picture|image)s?\b",
    re.IGNORECASE,
)
#: A photo credit standing after a caption: "(AP Photo/Evan Vucci)", "(Photo: Jane Doe/Ledger)".
_PHOTO_CREDIT = re.compile(
    r"^\((?:[\w.]+\s+)?(?:photo|picture|image)s?\b[^()]{0,60}\)$", re.IGNORECASE
)

_WORD = re.compile(r"\w+(?:['’\-.]\w+)*", re.UNICODE)

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")

#: Function words that carry no topic; kept short on purpose (names and verbs must stay).
STOPWORDS = _word_set(
    """
    a an the and or but if then than so as of at by for from in into on onto to with without
    about over under after before between through during against among within upon via per
    is are was were be been being am do does did doing have has had having will would shall
    should can could may might must this that these those it its it's he she they them their
    theirs his her hers him we us our you your i me my mine who whom whose which what when where
    why how there here also not no nor all any both each few more most other some such only own
    same too very just said says say told tell added adding while however since until because
    one two its itself themselves himself herself s t de la le el al
    """
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article.

    ``index`` is the position among the kept sentences of the article; ``paragraph`` the
    paragraph number; ``caption`` marks photo captions; ``dateline`` the place of a leading
    dateline that was cut from ``text`` (``""`` when none).
    """

    text: str
    index: int
    paragraph: int
    caption: bool = False
    dateline: str = ""


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Çavuşoğlu" and "Cavusoglu" share letters."""
    if text.isascii():
        return text.lower()  # nothing to decompose; most news text is plain ASCII
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def word_tokens(text: str) -> list[str]:
    """Words as written (with inner apostrophes/hyphens/dots), in order."""
    return _WORD.findall(text)


def stem(word: str) -> str:
    """A crude, deterministic English suffix stripper (good enough for overlap scores)."""
    w = fold(word).replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl, min_len in (
        ("ies", "y", 5),
        ("ing", "", 6),
        ("ed", "", 5),
        ("ches", "ch", 6),
        ("shes", "sh", 6),
        ("xes", "x", 5),
        ("s", "", 4),
    ):
        if w.endswith(suffix) and len(w) >= min_len and not w.endswith("ss"):
            w = w[: -len(suffix)] + repl
            break
    # "continue"/"continued" and "appreciate"/"appreciated" should meet: drop a final "e".
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


class Memo(dict):
    """The results of a pure one-argument function, by argument: ``memo[x] == function(x)``.

    Cheaper to consult than ``functools.lru_cache``, which reorders its entries on every hit
    (for word stems, the reordering cost more than the stemming it saved). It forgets
    everything at once when it holds ``limit`` results, so its memory stays bounded.
    """

    def __init__(self, function: Callable, limit: int):
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.function(key)
        return value


def _content_stem(word: str) -> str:
    low = fold(word)
    if low in STOPWORDS or len(low) < 2:
        return ""
    return stem(low)


# Memoised: a story repeats the same few thousand words, and folding is the costly part.
_content_stems = Memo(_content_stem, 200_000)


def content_tokens(text: str) -> list[str]:
    """Stems of the topical words of ``text`` (stopwords and 1-letter words removed)."""
    return word_stems(word_tokens(text))


def word_stems(words: Iterable[str]) -> list[str]:
    """:func:`content_tokens` of words already split by :func:`word_tokens`."""
    return list(filter(None, map(_content_stems.__getitem__, words)))


def content_stems(text: str) -> set[str]:
    """The set of :func:`content_tokens` of ``text``, each distinct word stemmed once."""
    return set(map(_content_stems.__getitem__, set(word_tokens(text)))) - {""}


def _is_abbreviation_end(paragraph: str, dot: int) -> bool:
    """True when the full stop at ``dot`` ends an abbreviation or an initial, not a sentence."""
    start = dot
    while start > 0 and (paragraph[start - 1].isalpha() or paragraph[start - 1] == "."):
        start -= 1
    word = paragraph[start:dot].lower()
    if not word:
        return False
    # Single capital initials ("George W. Bush") and known abbreviations.
    return len(word) == 1 and paragraph[start].isupper() or word in _ABBREVIATIONS


def _quote_depth(text: str) -> int:
    """How many quotations are open at the end of ``text`` (0 when balanced)."""
    curly = text.count("“") - text.count("”")
    straight = text.count('"') % 2
    return max(curly, 0) + straight


def split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph into sentences (quotes that span a full stop stay whole)."""
    paragraph = " ".join(paragraph.split())
    # An unbalanced quote would glue the whole paragraph together: then ignore quotes. (Without
    # an opening quote mark no part of the paragraph can be inside a quotation.)
    respect_quotes = ('"' in paragraph or "“" in paragraph) and _quote_depth(paragraph) == 0
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(paragraph):
        first_punct = match.start()
        if paragraph[first_punct] == "." and _is_abbreviation_end(paragraph, first_punct):
            continue
        end = match.end()
        if respect_quotes and _quote_depth(paragraph[start:end]) != 0:
            continue  # inside a quotation: "... dialogue. We've never ..." is one sentence
        pieces.append(paragraph[start:end].strip())
        start = end
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


_PROSE_END = re.compile(r"[.!?\"”’:)。！？」』）]$")


def _is_heading(paragraph: str) -> bool:
    """Lines without final punctuation: headings, kickers, bylines, leftover chrome.

    Prose sentences end with punctuation; a line of up to 15 words that does not is a title or a
    section heading ("sanctions"), which would otherwise be picked as a "sentence".
    """
    text = paragraph.strip()
    # (Most paragraphs end as prose: test that before counting their words.)
    return not _PROSE_END.search(text, len(text) - 1) and len(text.split()) <= 15


def _cut_dateline(text: str) -> tuple[str, str]:
    match = _DATELINE.match(text)
    # A dateline is in capitals; "A handout photo -" must not be mistaken for one.
    if match and match.group("place").strip().isupper() and len(match.group("place")) > 2:
        return text[match.end() :], match.group("place").strip().title()
    return text, ""


def iter_sentences(text: str) -> Iterator[Sentence]:
    """Sentences of an article body, in order, headings dropped, datelines cut.

    Paragraphs are split only as the caller asks for more, so a caller that needs the lead
    sentences of a long article does not pay for the rest of it.
    """
    index = 0
    paragraphs = (p for p in _PARAGRAPH_BREAK.split(text) if p.strip())
    for para_no, paragraph in enumerate(paragraphs):
        if _is_heading(paragraph):
            continue
        pieces = split_paragraph(paragraph)
        # A photo credit makes its own piece a caption, and the sentence before it.
        credited = [bool(_PHOTO_CREDIT.match(piece)) for piece in pieces]
        for piece_no, piece in enumerate(pieces):
            dateline = ""
            if piece_no == 0:
                piece, dateline = _cut_dateline(piece)
            if not _WORD.search(piece):
                continue
            before_credit = piece_no + 1 < len(pieces) and credited[piece_no + 1]
            yield Sentence(
                text=piece,
                index=index,
                paragraph=para_no,
                caption=credited[piece_no] or before_credit or _is_caption(piece),
                dateline=dateline,
            )
            index += 1


def _is_caption(piece: str) -> bool:
    return bool(_CAPTION_START.match(piece) or _CAPTION_ANYWHERE.search(piece))


def split_sentences(text: str) -> list[Sentence]:
    """All the sentences of an article body (see :func:`iter_sentences`)."""
    return list(iter_sentences(text))


#: Quoted spans: straight double quotes or curly double quotes.
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”")


def quotes(text: str, *, min_words: int = 4, max_words: int = 80) -> list[str]:
    """Quoted passages of ``min_words`` to ``max_words`` words, in order of appearance.

    Single-word scare quotes ("infringe") are not speech worth aligning, hence the minimum; a
    "quote" longer than the maximum is almost always text between two unrelated stray quote
    marks, hence the maximum.
    """
    found = []
    for match in _QUOTE.finditer(text):
        inner = (match.group(1) or match.group(2)).strip().strip(",.;: ")
        if min_words <= len(word_tokens(inner)) <= max_words:
            found.append(inner)
    return found
