"""What page chrome and junk pages look like, as general rules (not a list of known lines).

Chrome is the furniture around an article: breadcrumbs ("You are here"), vote and share
counters, newsletter prompts, social buttons, copyright and credit lines, "Advertisement".
A junk page has no article at all: a paywall, a captcha, a cookie wall, a sign-in form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Whole lines that are chrome, because no news sentence reads like this. Anchored at both ends,
# so a long line of prose fails at once instead of backtracking through every alternative.
_CHROME_LINE = re.compile(
    r"""^(?:
        you\ are\ here\b.*
      | (?:get|receive|have)\b.{0,60}\b(?:emailed|delivered)\s+to\s+(?:you|your\ inbox).*
      | (?:copyright|\(c\)|©).{0,80}
      | (?:this|our)\ (?:web\ ?)?site\ uses\ cookies.*
      | we\ use\ cookies.*
      | (?:please\ )?enable\ javascript.*
      | (?:advertisement|advert|sponsored(?:\ content)?|ad)\s*:?
      | (?:facebook|twitter|whatsapp|linkedin|pinterest|reddit|google\+?|instagram|youtube)
            (?:\s*[|,/•·]?\s*(?:facebook|twitter|whatsapp|linkedin|pinterest|reddit|google\+?|
            instagram|youtube|e-?mail|print))*
      | (?:read|see)\ (?:more|also)\b.{0,80}
      | related(?:\ (?:stories|articles|coverage|content|links))?\s*:?.{0,80}
      | click\ here\b.{0,80}
      | (?:skip\ to|jump\ to)\ (?:main\ )?content
      | back\ to\ top
      | (?:log|sign)\ ?(?:in|out)\b.{0,60}
      | like\ this:.*
      | loading\.{0,3}
      | (?:close|menu|home|more|search|next|previous|prev|top|toggle\ navigation)
      | (?:photo|image|video|file\ photo|credit)\s*:.{0,60}
      | (?:watch|listen):?\ .{0,60}
      | \d+\ of\ \d+\ .{0,40}\ used\ this\ month
      | (?:updated|posted|published|last\ updated)\b.{0,60}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Phrases that make a short line chrome wherever they stand in it ("56 users have voted.",
# "Sign up for our newsletter", "All rights reserved").
_CHROME_PHRASE = re.compile(
    r"""\b\d[\d,.]*\s+(?:users?|people|readers|persons|visitors)\s+(?:have\s+|has\s+)?
            (?:voted|liked|shared|commented|recommended|read\ this)
      | \b(?:sign\ up|subscribe|register)\b.{0,80}
            \b(?:newsletters?|e-?mails?|alerts|inbox|briefing|digest|bulletin)\b
      | \bnewsletters?\b.{0,40}\b(?:sign\ up|subscribe|inbox)\b
      | \ball\ rights\ reserved
      | \bmay\ not\ be\ (?:published|reproduced),?\ broadcast""",
    re.IGNORECASE | re.VERBOSE,
)

# Words without which _CHROME_PHRASE cannot match, as an ASCII line in lower case holds them
# (a cheap test that spares most lines the regex; other lines always get the regex).
_PHRASE_WORDS = (
    "voted", "liked", "shared", "commented", "recommended", "read this", "sign up",
    "subscribe", "register", "newsletter", "all rights reserved", "may not be",
)

# Lines made only of punctuation, symbols and digits ("___", "•••", "3:01", "× ×").
_NO_LETTERS = re.compile(r"^[\W\d_]*$")

# Rows of sharing and utility buttons: "Print  Email  Comments (14)", "Share: Facebook, X".
_BUTTON_WORDS = frozenset(
    [
        "share",
        "shares",
        "tweet",
        "email",
        "e-mail",
        "print",
        "save",
        "comment",
        "comments",
        "like",
        "follow",
        "copy",
        "link",
        "this",
        "article",
        "story",
        "us",
        "on",
        "facebook",
        "twitter",
        "x",
        "whatsapp",
        "linkedin",
        "pinterest",
        "reddit",
        "google",
        "telegram",
        "messenger",
        "flipboard",
    ]
)
_BUTTON_TOKEN = re.compile(r"[\w+-]+")

# Breadcrumbs and section paths: "Home » Region & World", "Business › Technology",
# "Americas | Peru", "Home / Lisbon / Transport", "Local News > Chester".
_CRUMB_SEPARATOR = re.compile(r"\s*[»›>|/]\s*")
_CRUMB_MAX_WORDS = 4

# Phrases that mark a whole page as something other than an article, when the page is short.
_JUNK_PAGE = (
    (
        "paywall page",
        re.compile(
            r"already\ a\ subscriber|subscribe\ (?:now\ )?to\ (?:continue|keep)\ reading|"
            r"(?:reached|used)\ (?:your|all\ your)\ (?:free\ )?(?:article|story|premium)|"
            r"full\ access\ subscriber|enjoyed\ your\ preview|to\ continue\ reading|"
            r"subscription\ service|premium\ clicks|digital\ access|home\ delivery",
            re.IGNORECASE | re.VERBOSE,
        ),
    ),
    (
        "captcha page",
        re.compile(
            r"captcha|are\ you\ a\ (?:human|robot)|verify\ (?:that\ )?you\ are\ (?:a\ )?human|"
            r"unusual\ traffic|verification\ email",
            re.IGNORECASE | re.VERBOSE,
        ),
    ),
    (
        "cookie wall",
        re.compile(
            r"(?:accept|allow)\ (?:all\ )?cookies|cookie\ (?:policy|settings|preferences)|"
            r"uses\ cookies",
            re.IGNORECASE | re.VERBOSE,
        ),
    ),
    (
        "site notice, not an article",
        re.compile(
            r"you\ are\ the\ owner\ of\ this\ article|page\ (?:not\ found|cannot\ be\ found)|"
            r"\b404\b|access\ denied|enable\ javascript|notification\ has\ been\ saved|"
            r"add\ a\ location\ to\ your\ tweets|haven't\ selected\ any\ newsletters|"
            r"not\ in\ our\ deliverable\ area|thank\ you\ for\ registering",
            re.IGNORECASE | re.VERBOSE,
        ),
    ),
)

# The same patterns without IGNORECASE, for ASCII text in lower case: the same matches (the
# patterns are written in lower case), found 3-5x faster than case-insensitively.
_JUNK_PAGE_LOWER = tuple(
    (kind, re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE))
    for kind, pattern in _JUNK_PAGE
)

#: A page with fewer words than this, once chrome is gone, is judged by its junk phrases.
JUNK_PAGE_MAX_WORDS = 150
#: A text with fewer words than this is no article (titles still count for title-only items).
MIN_ARTICLE_WORDS = 8


def is_chrome_line(line: str) -> bool:
    """True for a line that is page furniture rather than article text."""
    stripped = line.strip().strip("×·•|").strip()
    if not stripped:
        return True
    if _NO_LETTERS.match(stripped):
        return True
    if len(stripped) > 160:  # real furniture is short; long lines are prose
        return False
    return bool(
        _CHROME_LINE.match(stripped)
        or (_may_have_phrase(stripped) and _CHROME_PHRASE.search(stripped))
        or _is_button_row(stripped)
        or is_breadcrumb(stripped)
    )


# A video playlist entry: a clip's running time and its title ("0:47 Driver shot to death on
# Blackstone and Saginaw Pause"; "Pause" labels the clip playing). Live coverage starts lines
# with a clock time ("10:52 p.m.: Authorities said ..."), so a time followed by a.m. or p.m. is
# not a running time, and only a run of entries makes a playlist.
_PLAYLIST_ENTRY = re.compile(r"\d{1,2}:[0-5]\d\s+(?![AaPp]\.?[Mm]\b)\S")
PLAYLIST_MIN_ENTRIES = 3
_PLAYLIST_ENTRY_MAX_WORDS = 30


def playlist_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of the lines that are a video playlist: runs of at least
    ``PLAYLIST_MIN_ENTRIES`` consecutive entries of a running time and a short title."""
    found: set[int] = set()
    run: list[int] = []
    for index, line in enumerate([*lines, ""]):
        if (line[:1].isdigit() and _PLAYLIST_ENTRY.match(line)
                and len(line.split(None, _PLAYLIST_ENTRY_MAX_WORDS)) <= _PLAYLIST_ENTRY_MAX_WORDS):
            run.append(index)
            continue
        if len(run) >= PLAYLIST_MIN_ENTRIES:
            found.update(run)
        run = []
    return found


def _may_have_phrase(line: str) -> bool:
    if not line.isascii():
        return True  # case-insensitive matching of non-ASCII letters is not str.lower()
    lower = line.lower()
    return any(word in lower for word in _PHRASE_WORDS)


def _is_button_row(line: str) -> bool:
    words = 0
    # Token by token, so that prose stops at its first word that is no button.
    for match in _BUTTON_TOKEN.finditer(line.lower()):
        token = match.group()
        if token.isdigit():
            continue
        if token not in _BUTTON_WORDS:
            return False
        words += 1
    return words > 0


def is_breadcrumb(line: str) -> bool:
    """Two or more short, unpunctuated segments joined by », ›, >, | or /."""
    if not any(separator in line for separator in "»›>|/"):
        return False
    segments = [s for s in _CRUMB_SEPARATOR.split(line) if s]
    if len(segments) < 2 or line.rstrip().endswith((".", "?", "!", '"', "”")):
        return False
    return all(
        1 <= len(s.split()) <= _CRUMB_MAX_WORDS and not any(ch.isdigit() for ch in s)
        for s in segments
    )


# Chinese and Japanese write no spaces between words: a paragraph is one "word" to str.split.
_UNSPACED_SCRIPT = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words in ``text``; in Chinese and Japanese, about two characters make a word."""
    return len(text.split()) + len(_UNSPACED_SCRIPT.findall(text)) // 2


def junk_reason(text: str) -> str | None:
    """Why a (chrome-free) page is not an article, or None when it may be one."""
    if len(text.split(None, JUNK_PAGE_MAX_WORDS)) > JUNK_PAGE_MAX_WORDS:
        return None  # enough words already (splitting stops there): most articles end here
    words = word_count(text)
    if words < MIN_ARTICLE_WORDS:
        return "no article text" if words == 0 else f"no article text (only {words} words)"
    if words >= JUNK_PAGE_MAX_WORDS:
        return None
    if text.isascii():
        text, patterns = text.lower(), _JUNK_PAGE_LOWER
    else:
        patterns = _JUNK_PAGE
    for kind, pattern in patterns:
        if pattern.search(text):
            return f"no article text ({kind})"
    return None
