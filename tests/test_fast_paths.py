"""The fast paths of the input side give exactly what the plain rules give.

Loading and cleaning skip work when a cheap test shows it cannot change anything (an ASCII
text has no invisible characters; a line without "newsletter" and the like cannot match the
chrome phrases). Each such shortcut is checked here against the rule it stands for, on text
drawn from the characters and words that steer it.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust import chrome, clean, decode

EXAMPLES = settings(max_examples=400, deadline=None)

# Spaces of every kind, line breaks, invisible characters, letters with and without accents.
PIECES = [" ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\n", "\r", "\r\n", "\u200b", "\ufeff"]
PIECES += ["a", "Bo", "é", "e\u0301", "\x0b", "\x1f", "中"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
ascii_texts = st.lists(st.sampled_from([p for p in PIECES if p.isascii()]), max_size=30).map(
    "".join
)


def plain_normalise(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = clean._INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    spaces = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
    return re.sub(r" ?\n ?", "\n", spaces.sub(" ", text)).strip(" ")


@EXAMPLES
@given(texts)
def test_normalise_text_is_the_plain_rule(text):
    assert clean.normalise_text(text) == plain_normalise(text)


@EXAMPLES
@given(ascii_texts)
def test_the_ascii_path_is_the_plain_rule(text):
    assert clean._normalise_ascii(text) == plain_normalise(text)


@EXAMPLES
@given(st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=60))
def test_control_characters_are_counted_exactly(text):
    controls = sum(1 for ch in text if ord(ch) in decode._CONTROL)
    assert decode._looks_binary(text) == (bool(text) and controls / len(text) > 0.02)


# Words of chrome and of prose, in both cases, with the separators breadcrumbs use.
WORDS = ["Share", "facebook", "EMAIL", "print", "12", "users", "have", "voted", "Sign", "up"]
WORDS += ["for", "our", "newsletter", "All", "rights", "reserved", "may", "not", "be"]
WORDS += ["published", "Subscribe", "alerts", "Home", "»", ">", "|", "/", "World", "News"]
WORDS += ["police", "said", "the", "fire.", "read", "this", "ſubscribe", "K", "İ", "·"]
lines = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


def plain_is_chrome_line(line: str) -> bool:
    stripped = line.strip().strip("×·•|").strip()
    if not stripped or chrome._NO_LETTERS.match(stripped):
        return True
    if len(stripped) > 160:
        return False
    tokens = [t for t in chrome._BUTTON_TOKEN.findall(stripped.lower()) if not t.isdigit()]
    segments = [s for s in chrome._CRUMB_SEPARATOR.split(stripped) if s]
    crumb = (
        len(segments) >= 2
        and not stripped.rstrip().endswith((".", "?", "!", '"', "”"))
        and all(
            1 <= len(s.split()) <= chrome._CRUMB_MAX_WORDS and not any(c.isdigit() for c in s)
            for s in segments
        )
    )
    return bool(
        chrome._CHROME_LINE.match(stripped)
        or chrome._CHROME_PHRASE.search(stripped)
        or (tokens and all(t in chrome._BUTTON_WORDS for t in tokens))
        or crumb
    )


@EXAMPLES
@given(lines)
def test_is_chrome_line_is_the_plain_rule(line):
    assert chrome.is_chrome_line(line) == plain_is_chrome_line(line)


JUNK = ["Already a SUBSCRIBER", "to continue Reading", "CAPTCHA", "Are you a robot", "404"]
JUNK += ["Accept all Cookies", "Access Denied", "haven't selected any NEWSLETTERS", "ſ", "K"]
prose = st.lists(st.sampled_from(["word", "中文", "\n\n", "  ", *JUNK]), max_size=400)


def test_junk_patterns_are_written_in_lower_case():
    # The ASCII path searches lower-cased text with these patterns made case-sensitive.
    for _, pattern in chrome._JUNK_PAGE:
        assert pattern.pattern == pattern.pattern.lower()


def plain_junk_reason(text: str) -> str | None:
    words = chrome.word_count(text)
    if words < chrome.MIN_ARTICLE_WORDS:
        return "no article text" if words == 0 else f"no article text (only {words} words)"
    if words >= chrome.JUNK_PAGE_MAX_WORDS:
        return None
    for kind, pattern in chrome._JUNK_PAGE:
        if pattern.search(text):
            return f"no article text ({kind})"
    return None


@EXAMPLES
@given(prose.map(" ".join))
def test_junk_reason_is_the_plain_rule(text):
    assert chrome.junk_reason(text) == plain_junk_reason(text)


LINES = ["a", "b c", "d e f g h i j k l m n o", "\u00a0", "x"]


@EXAMPLES
@given(st.lists(st.sampled_from(LINES), max_size=8))
def test_short_line_keys_are_the_short_lines(parts):
    text = "\n".join(parts)
    expected = {
        clean._line_key(line)
        for line in clean._lines(text)
        if len(line.split()) <= clean.REPEATED_LINE_MAX_WORDS
    }
    assert clean.short_line_keys(text) == expected
