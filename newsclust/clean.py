"""Clean raw articles: normalise text, drop page chrome and junk pages, read title/byline/date.

Two kinds of chrome are removed: lines that look like furniture by general rules
(``chrome.is_chrome_line``), and short lines that repeat across many documents of the corpus,
which is how site-specific furniture ("Join the conversation on our Facebook page") shows
itself without us listing every site.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from .chrome import is_chrome_line, junk_reason, playlist_lines
from .dates import find_date
from .models import Article, Skipped

# Zero-width characters, bidirectional controls and soft hyphens: invisible, and they break
# word matching ("Lav\u200brov" must still be Lavrov).
_INVISIBLE_CHARS = "\u00ad\u180e\ufeff\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d"
_INVISIBLE_CHARS += "\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Runs of spaces folded to one " ". A lone " " (nearly every match in prose) is left out of
# the pattern: it would be replaced by itself, and each replacement costs.
_SPACE_CHARS = "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACE_CHARS += "\u202f\u205f\u3000"  # all but " " itself
_SPACE = f"[ {_SPACE_CHARS}]"
_SPACES = re.compile(f"[{_SPACE_CHARS}]{_SPACE}*| {_SPACE}+")
# A space at either side of a line break (after _SPACES there is at most one); bare "\n" is
# left out for the same reason.
_LINE_EDGES = re.compile(r" \n ?|\n ")

AGENCIES = {
    "afp": "AFP",
    "agence france-presse": "AFP",
    "ap": "AP",
    "associated press": "AP",
    "reuters": "Reuters",
    "bloomberg": "Bloomberg",
    "dpa": "dpa",
    "xinhua": "Xinhua",
    "tass": "TASS",
    "anadolu": "Anadolu",
    "anadolu agency": "Anadolu",
    "upi": "UPI",
    "efe": "EFE",
    "ansa": "ANSA",
    "pa": "PA",
    "press association": "PA",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "ria novosti": "RIA Novosti",
    "interfax": "Interfax",
}
_AGENCY_NAMES = "|".join(sorted((re.escape(k) for k in AGENCIES), key=len, reverse=True))
_AGENCY_WORD = re.compile(rf"\b({_AGENCY_NAMES})\b", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(?P<who>.+)$", re.IGNORECASE)
_BYLINE_SEPARATOR = re.compile(r"\s+[-–—|]\s+|\s*\|\s*")
# "CHICAGO (AP) —" or "MOSCOW, Dec 29 (Reuters) -" at the start of a paragraph.
_DATELINE = re.compile(
    rf"^[A-Z][A-Za-z .,'’-]{{1,40}}?(?:,[^()]{{1,30}})?\s*\((?P<agency>{_AGENCY_NAMES})\)\s*[-–—]",
    re.IGNORECASE,
)
_BYLINE_MAX_WORDS = 30
#: Bylines, date lines and datelines are looked for in the first lines of the body only.
_HEADER_ZONE = 3
_DATE_LINE_MAX_WORDS = 10
_TITLE_MAX_WORDS = 22
#: A short line seen in at least this many documents (and this share of them) is furniture.
REPEATED_LINE_MIN_DOCS = 4
REPEATED_LINE_MIN_SHARE = 0.001
REPEATED_LINE_MAX_WORDS = 10


def normalise_text(text: str) -> str:
    """NFC, invisible characters dropped, spaces folded; paragraphs kept as blank-line breaks."""
    return _normalise_ascii(text) if text.isascii() else _normalise_any(text)


def _normalise_ascii(text: str) -> str:
    # Nothing to compose, no invisible characters or Unicode spaces: each substitution of
    # ``_normalise_any`` runs only if its pattern can match (a regex scan of a 3 KB article
    # costs ~20-50 us even when nothing matches).
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text or "  " in text:
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    return text.strip(" ")


def _normalise_any(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # Whole-text substitutions: one pass in C instead of a Python loop over lines; each only
    # when one of its characters is there (``in`` finds a character faster than a regex scan).
    if any(char in text for char in _INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "  " in text or any(char in text for char in _SPACE_CHARS):
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    return text.strip(" ")


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def _line_key(line: str) -> str:
    return " ".join(line.lower().split())


def short_line_keys(text: str) -> set[str]:
    """The keys of a (normalised) text's short lines: what ``repeated_lines`` counts."""
    return {_line_key(line) for line in _lines(text) if _is_short(line)}


def _is_short(line: str) -> bool:
    """At most REPEATED_LINE_MAX_WORDS words (splitting stops once there are more)."""
    return len(line.split(None, REPEATED_LINE_MAX_WORDS)) <= REPEATED_LINE_MAX_WORDS


def repeated_lines(texts: Sequence[str]) -> frozenset[str]:
    """Keys of short lines that occur in many documents of the corpus."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(short_line_keys(text))
    return frequent_keys(counts, len(texts))


def frequent_keys(counts: Counter[str], documents: int) -> frozenset[str]:
    """The keys seen in enough of the corpus's ``documents`` to be furniture."""
    floor = max(REPEATED_LINE_MIN_DOCS, int(REPEATED_LINE_MIN_SHARE * documents))
    return frozenset(key for key, count in counts.items() if count >= floor)


def clean_corpus(articles: Sequence[Article]) -> list[Article | Skipped]:
    """Clean every article; pages with no article text become Skipped (title-only items stay).

    In one process: ``newsclust update`` cleans its new files with it. The batch pipeline
    does the same steps on its load workers (``ingest.load_articles``).
    """
    normalised = [normalise_text(article.text) for article in articles]
    repeated = repeated_lines(normalised)
    return [clean_article(a, text, repeated) for a, text in zip(articles, normalised, strict=True)]


def clean_article(
    article: Article, text: str | None = None, repeated: frozenset[str] = frozenset()
) -> Article | Skipped:
    """Clean one article (``text`` is its normalised body when the caller already has it)."""
    text = normalise_text(article.text) if text is None else text
    title = _clean_title(article.title)
    byline, agency, date = article.byline, article.agency, article.date
    body: list[str] = []
    # Lines only the corpus-wide rule removed: a junk page must still be judged with them,
    # since its tell-tale lines ("Your notification has been saved.") repeat across the corpus.
    repeated_only: list[str] = []
    lines = _lines(text)
    playlist = playlist_lines(lines)
    for index, line in enumerate(lines):
        if index in playlist:
            continue
        in_header = len(body) < _HEADER_ZONE
        if in_header and len(line.split()) <= _DATE_LINE_MAX_WORDS and find_date(line):
            # "Published 30 August 2025", "January 22, 2025 · 5 min read": metadata, not news.
            date = date or find_date(line)
            if not _BYLINE.match(line):
                continue
        if is_chrome_line(line):
            continue
        if repeated and _is_short(line) and _line_key(line) in repeated:
            repeated_only.append(line)
            continue
        if not body and title is None and _is_section_label(line):
            continue  # "WORLD NEWS", "PORTUGAL TODAY": a section or site name above the headline
        if not body and title is None and _looks_like_title(line):
            title = _clean_title(line)
            continue
        if title and not body and _line_key(line) == _line_key(title):
            continue  # the headline repeated at the top of the body
        match = _BYLINE.match(line)
        if match and len(line.split()) <= _BYLINE_MAX_WORDS and in_header:
            byline = byline or _BYLINE_SEPARATOR.split(match.group("who"))[0].strip()
            agency = agency or _agency_in(line)
            date = date or find_date(line)
            continue
        if in_header:
            agency = agency or _dateline_agency(line)
        body.append(line)

    if agency is None and byline:
        agency = _agency_in(byline)
    cleaned = "\n\n".join(body)
    problem = junk_reason(cleaned) or (
        junk_reason("\n\n".join(body + repeated_only)) if repeated_only else None
    )
    if problem is not None:
        if title and len(title.split()) >= 4:
            cleaned = ""  # keep a title-only item, like an RSS headline: it can still cluster
        else:
            return Skipped(article.path, problem, article.id)
    return dataclasses.replace(
        article, text=cleaned, title=title, byline=byline, agency=agency, date=date
    )


def _looks_like_title(line: str) -> bool:
    words = len(line.split())
    return 2 <= words <= _TITLE_MAX_WORDS and not line.rstrip("\"'”’)").endswith(
        (".", "?", "!", ":")
    )


def _is_section_label(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(line.split()) <= 5 and bool(letters) and all(ch.isupper() for ch in letters)


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = normalise_text(title).replace("\n", " ").strip().strip("×·•|").strip()
    return title or None


def _agency_in(line: str) -> str | None:
    match = _AGENCY_WORD.search(line)
    return AGENCIES[match.group(1).lower()] if match else None


def _dateline_agency(line: str) -> str | None:
    match = _DATELINE.match(line)
    return AGENCIES[match.group("agency").lower()] if match else None
