"""Named entities, name normalisation and dates, by fast heuristics (no downloaded models).

Public interface (stable; the clusterer and the summarizer both use it):

- :class:`Entity` ``(text, kind, key)``: ``kind`` is one of ``"person"``, ``"place"``, ``"org"``,
  ``"number"``, ``"other"``; ``key`` is a normalised form shared by spelling variants
  (``name_key`` for names; ``"age:23"``, ``"money:2.5 billion"``, ``"block:1400"``,
  ``"num:6000"`` for numbers; ``"route:10"`` for a numbered road, kind ``"place"``).
- :func:`extract_entities` ``(text) -> list[Entity]`` in order of appearance (repeats kept, so a
  caller can count mentions); :func:`extract_entities_at` gives each one's offset too;
  :func:`extract_names` only the names (numbered roads included), faster.
- :func:`name_key` ``(name) -> str``: accents folded, lower case, transliteration variants folded.
- :func:`same_name` ``(a, b) -> bool``: equal keys, or the same number of words with every word
  equal or (for words of 5+ letters with the same first letter) one edit apart.
- :func:`extract_dates` ``(text, reference) -> list[date]``: absolute dates written in the text
  ("Feb. 6", "6 February 2014", "2014-02-06"), resolved against the article date.

The extractor finds capitalised word sequences (Unicode-aware), drops sentence-initial common
words, and types each sequence with a small built-in gazetteer (US states, countries, a few big
cities) and suffix rules ("... Street", "... County", "... Department"). It is a heuristic: good
enough to tell one shooting in Toledo from another in Tulsa, not a full NER system.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Entity", "extract_dates", "extract_entities", "extract_entities_at", "extract_names",
    "name_key", "same_name",
]

KINDS = ("person", "place", "org", "number", "other")


@dataclass(frozen=True)
class Entity:
    text: str
    kind: str  # "person" | "place" | "org" | "number" | "other"
    key: str  # normalised key shared by spelling variants


# --------------------------------------------------------------------------- name keys

# Letters NFKD does not decompose into an ASCII base. The Turkish soft g (ğ) is written "g" in
# the usual transliteration (Erdoğan/Erdogan); NFKD would give the same, it is listed for clarity.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ğ": "g", "Ğ": "g", "ı": "i", "ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "œ": "oe", "Œ": "oe",
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "–": "-", "—": "-",
    }
)
_POSSESSIVE = re.compile(r"'s?\b|\b's?$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_APOSTROPHE_S = re.compile(r"'s\b")
_FIRST_GROUP = operator.itemgetter(1)


@lru_cache(maxsize=100_000)
def _fold_token(token: str) -> str:
    # "y" and "i" are the commonest transliteration swap (Sergey/Sergei, Yuri/Iuri); the
    # Turkish "-oğlu" suffix comes out as "oglu", or "olu" when a lossy page drops the silent
    # ğ (Çavuşolu); doubled letters vary too
    # (Mohammed/Mohamed, Phillip/Philip). Folding all of them costs a few false collisions
    # between rare distinct names, which the other evidence in a document outweighs.
    token = token.replace("y", "i").replace("oglu", "olu")
    # The replacement as a C callable: a template string ("\\1") costs a Python-level call on
    # every sub, match or not.
    return _DOUBLED.sub(_FIRST_GROUP, token)


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Normalised key for a name: accents folded, lower case, variants folded.

    >>> name_key("Mevlüt Çavuşoğlu") == name_key("Mevlut Cavusoglu") == name_key("Mevlüt Çavuşolu")
    True
    >>> name_key("Sergey Lavrov") == name_key("Sergei Lavrov")
    True
    """
    if name.isascii():  # the one ASCII letter to translate is "`"; nothing to decompose
        text = name.replace("`", "'").lower()
    else:
        text = unicodedata.normalize("NFKD", name.translate(_SPECIAL_LETTERS))
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    if "'" in text:
        text = _APOSTROPHE_S.sub("", text).replace("'", "")
    if text.isalnum() and text.isascii():  # one plain word (most names are)
        return _fold_token(text)
    tokens = [_fold_token(t) for t in _NON_ALNUM.split(text) if t]
    return " ".join(tokens)


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


#: Words shorter than this must match exactly in :func:`same_name` (Jon/John, Ali/Alia differ).
MIN_FUZZY_LENGTH = 5


def same_name(a: str, b: str) -> bool:
    """Whether two written names are spelling variants of each other.

    Keys equal, or the same number of words where each word pair is equal or, for words of at
    least ``MIN_FUZZY_LENGTH`` letters starting with the same letter, one edit apart
    ("Cavusoglu"/"Cavusolu", "Mevlut"/"Mevlud"). It is about spelling only: "Lavrov" and
    "Sergei Lavrov" are not the same *name*. Known false positive: Johnson/Johnston.
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    ta, tb = ka.split(), kb.split()
    if len(ta) != len(tb):
        return False
    return all(
        x == y
        or (
            min(len(x), len(y)) >= MIN_FUZZY_LENGTH
            and x[0] == y[0]
            and _within_one_edit(x, y)
        )
        for x, y in zip(ta, tb, strict=True)
    )


# --------------------------------------------------------------------------- gazetteer


def _words(text: str) -> list[str]:
    """Whitespace-separated words of a literal block (keeps long word lists readable)."""
    return text.split()


_US_STATES = {
    "Alabama": "Ala.", "Alaska": "Alaska", "Arizona": "Ariz.", "Arkansas": "Ark.",
    "California": "Calif.", "Colorado": "Colo.", "Connecticut": "Conn.", "Delaware": "Del.",
    "Florida": "Fla.", "Georgia": "Ga.", "Hawaii": "Hawaii", "Idaho": "Idaho",
    "Illinois": "Ill.", "Indiana": "Ind.", "Iowa": "Iowa", "Kansas": "Kan.", "Kentucky": "Ky.",
    "Louisiana": "La.", "Maine": "Maine", "Maryland": "Md.", "Massachusetts": "Mass.",
    "Michigan": "Mich.", "Minnesota": "Minn.", "Mississippi": "Miss.", "Missouri": "Mo.",
    "Montana": "Mont.", "Nebraska": "Neb.", "Nevada": "Nev.", "New Hampshire": "N.H.",
    "New Jersey": "N.J.", "New Mexico": "N.M.", "New York": "N.Y.",
    "North Carolina": "N.C.", "North Dakota": "N.D.", "Ohio": "Ohio", "Oklahoma": "Okla.",
    "Oregon": "Ore.", "Pennsylvania": "Pa.", "Rhode Island": "R.I.",
    "South Carolina": "S.C.", "South Dakota": "S.D.", "Tennessee": "Tenn.", "Texas": "Texas",
    "Utah": "Utah", "Vermont": "Vt.", "Virginia": "Va.", "Washington": "Wash.",
    "West Virginia": "W.Va.", "Wisconsin": "Wis.", "Wyoming": "Wyo.",
    "District of Columbia": "D.C.",
}

_COUNTRIES = _words(
    """
    Afghanistan Albania Algeria Andorra Angola Argentina Armenia Australia Austria
    Azerbaijan Bahamas Bahrain Bangladesh Barbados Belarus Belgium Belize Benin Bhutan
    Bolivia Bosnia Botswana Brazil Brunei Bulgaria Burundi Cambodia Cameroon Canada Chad
    Chile China Colombia Congo Croatia Cuba Cyprus Czechia Denmark Djibouti Dominica Ecuador
    Egypt Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia Georgia Germany
    Ghana Greece Grenada Guatemala Guinea Guyana Haiti Honduras Hungary Iceland India
    Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan Jordan Kazakhstan Kenya Kiribati
    Kosovo Kuwait Kyrgyzstan Laos Latvia Lebanon Lesotho Liberia Libya Liechtenstein
    Lithuania Luxembourg Madagascar Malawi Malaysia Maldives Mali Malta Mauritania Mauritius
    Mexico Moldova Monaco Mongolia Montenegro Morocco Mozambique Myanmar Namibia Nauru Nepal
    Netherlands Nicaragua Niger Nigeria Norway Oman Pakistan Palau Palestine Panama Paraguay
    Peru Philippines Poland Portugal Qatar Romania Russia Rwanda Samoa Senegal Serbia
    Seychelles Singapore Slovakia Slovenia Somalia Spain Sudan Suriname Sweden Switzerland
    Syria Taiwan Tajikistan Tanzania Thailand Togo Tonga Tunisia Turkey Turkmenistan Tuvalu
    Uganda Ukraine Uruguay Uzbekistan Vanuatu Venezuela Vietnam Yemen Zambia Zimbabwe Europe
    Africa Asia America Scotland England Wales Britain
    """
) + [
    "United States", "United Kingdom", "United Arab Emirates", "Saudi Arabia", "South Africa",
    "South Korea", "North Korea", "New Zealand", "Sri Lanka", "Costa Rica", "El Salvador",
    "Ivory Coast", "Puerto Rico", "Czech Republic", "Dominican Republic", "Hong Kong",
    "Latin America", "Middle East", "Nagorno Karabakh", "Gaza", "West Bank", "Crimea",
    "U.S.", "U.K.", "U.A.E.",
]

_CITIES = _words(
    """
    Chicago Houston Phoenix Philadelphia Dallas Austin Jacksonville Columbus Charlotte
    Indianapolis Seattle Denver Boston Detroit Nashville Memphis Portland Louisville
    Milwaukee Baltimore Albuquerque Tucson Fresno Sacramento Atlanta Miami Oakland
    Minneapolis Tulsa Cleveland Wichita Arlington Tampa Orlando Pittsburgh Cincinnati Toledo
    Newark Buffalo Stockton Omaha Raleigh Richmond Birmingham Shreveport Baton Rouge
    Savannah Knoxville London Paris Berlin Moscow Madrid Rome Beijing Tokyo Delhi Mumbai
    Istanbul Ankara Sochi Cairo Tehran Baghdad Damascus Kabul Kiev Kyiv Brussels Vienna
    Athens Lisbon Warsaw Prague Dublin Sydney Toronto Montreal Vancouver Shanghai Seoul
    Jerusalem Beirut Dubai Riyadh
    """
) + [
    "New Orleans", "Los Angeles", "San Antonio", "San Diego", "San Jose", "San Francisco",
    "Fort Worth", "El Paso", "Las Vegas", "Oklahoma City", "Kansas City", "St. Louis",
    "Long Beach", "Virginia Beach", "Colorado Springs", "Salt Lake City", "New York City",
    "Washington D.C.", "D.C.", "Hong Kong", "Kuala Lumpur", "Mexico City",
]

_PLACES = {name_key(p) for p in [*_US_STATES, *_COUNTRIES, *_CITIES]}
_STATE_ABBREVIATIONS = {v for v in _US_STATES.values() if v.endswith(".")} | {
    "Calif", "Fla", "Ga", "Ill", "Mich", "Tenn", "Okla", "Penn", "Wisc",
}

_STREET_SUFFIXES = {
    "street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "boulevard", "blvd", "lane",
    "ln", "court", "ct", "place", "pl", "way", "parkway", "pkwy", "highway", "hwy", "terrace",
    "circle", "trail", "expressway", "freeway", "turnpike", "pike", "square", "plaza",
}
_PLACE_SUFFIXES = _STREET_SUFFIXES | {
    "county", "parish", "township", "city", "village", "town", "park", "heights", "valley",
    "beach", "springs", "island", "lake", "river", "mountain", "hills", "district", "borough",
    "province", "region", "state", "airport", "station", "mall", "apartments", "bridge",
}
_ORG_SUFFIXES = {
    "department", "dept", "office", "police", "university", "college", "school", "academy",
    "hospital", "center", "centre", "church", "company", "co", "inc", "corp", "corporation",
    "llc", "ltd", "bank", "ministry", "agency", "association", "council", "court", "party",
    "group", "club", "committee", "commission", "bureau", "service", "services", "foundation",
    "institute", "union", "news", "times", "post", "tribune", "journal", "press", "herald",
    "network", "team", "fc", "league", "army", "forces", "patrol", "administration", "board",
    "authority", "organization", "organisation", "prison", "jail", "sheriff",
}
_PERSON_CUES = {
    "mr", "mrs", "ms", "miss", "dr", "officer", "deputy", "sgt", "sergeant", "det", "detective",
    "lt", "lieutenant", "capt", "captain", "chief", "sheriff", "president", "minister",
    "secretary", "gov", "governor", "sen", "senator", "rep", "mayor", "judge", "prosecutor",
    "attorney", "coach", "pastor", "rev", "prof", "professor", "trooper", "agent", "cpl",
    "spokesman", "spokeswoman", "spokesperson", "suspect", "victim", "son", "daughter",
    "brother", "sister", "mother", "father", "wife", "husband", "friend", "boyfriend",
    "girlfriend", "named", "identified", "king", "queen", "prince", "princess", "pope",
}

# Capitalised words that are not names (sentence starters, calendar words, roles, chrome).
_STOP_CAPS = set(
    _words(
        """
        a an the this that these those there their they them then than he she it its his her
        we our us you your i me my mine if in on at of for to from by with as and or but nor
        not no so yet is are was were be been being has have had do does did will would can
        could should may might must shall after before when while where who whom whose what
        which why how all any each every some many most more much other another such only
        also just even still about above across against along among around because below
        between beyond during except inside into near off onto out outside over past since
        through throughout toward towards under until upon within without according however
        meanwhile although though both either neither here now today tonight tomorrow
        yesterday once again already never always often monday tuesday wednesday thursday
        friday saturday sunday mon tue tues wed thu thur thurs fri sat sun january february
        march april may june july august september october november december jan feb mar apr
        jun jul aug sep sept oct nov dec mr mrs ms dr jr sr st police officer officers
        deputy deputies sheriff chief sgt det lt capt detective detectives sergeant
        lieutenant captain investigators authorities advertisement share tweet email print
        comments comment facebook twitter google pinterest linkedin reddit whatsapp close
        menu home search subscribe login sign log click read more related copyright photo
        video watch updated posted published story page loading next previous news breaking
        report reports update live please follow like view said says told added am pm est
        cst pst et ct pt edt cdt pdt president vice minister ministers secretary spokesman
        spokeswoman governor senator mayor prosecutor prosecutors attorney general director
        commissioner superintendent coach judge former acting foreign prime deputy assistant
        interim senior earlier later first last next new good bad get got let lets we've
        we're i'm i've it's that's there's here's don't can't won't isn't didn't doesn't
        he's she's they're you're tensions officials official residents witnesses neighbors
        family friends
        """
    )
)

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        _words("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen twenty")
    )
}

# --------------------------------------------------------------------------- regexes


def _upper_class() -> str:
    """A regex character class of the upper-case letters of Latin, Greek and Cyrillic."""
    chars = [chr(c) for c in range(0x41, 0x530) if chr(c).isupper() and chr(c).isalpha()]
    return "".join(re.escape(c) for c in chars)


_UP = _upper_class()
# "Holmes", "O'Brien", "S-400", "J."; dotted initials ("U.S.", "D.C.", "J.R.") are one word,
# else "U.S. Geological Survey" reads as "S. Geological Survey".
_WORD = rf"(?:(?:[{_UP}]\.){{2,}}|[{_UP}][\w'’\-]*\w|[{_UP}]\.?)"
_ORDINAL = r"\d+(?:st|nd|rd|th)"
_DOTTED_END = re.compile(rf"(?<!\S)(?:[{_UP}]\.){{2,}}$")
_CONNECTORS = _words("of de da del della der den van von du la le al el bin ibn y")
_CONNECT = rf"(?:{'|'.join(_CONNECTORS)})"
# A capitalised word or an ordinal before one ("5th Avenue"), not inside a word, then more
# words, maybe joined by a connector. The first character is matched before the look-behind
# that checks what precedes it: a pattern that starts with a character class lets the regex
# engine jump from candidate to candidate instead of trying every position of the text (with
# the look-behind first it did, and that was most of the time of the names of a sentence). It
# means (?<![\w'’\-])(?:{_WORD}|{_ORDINAL}(?=\s+[{_UP}])) with the first character taken out
# of each alternative: an upper-case letter starts a _WORD, a digit an ordinal.
_SEQ = re.compile(
    rf"[{_UP}\d](?<![\w'’\-].)"
    rf"(?:(?<=[{_UP}])(?:\.(?:[{_UP}]\.)+|[\w'’\-]*\w|\.?)"
    rf"|(?<=\d)\d*(?:st|nd|rd|th)(?=\s+[{_UP}]))"
    rf"(?:\s(?:{_CONNECT}\s)?(?:{_WORD}|{_ORDINAL}))*"
    rf"(?:\.(?=\s+[{_UP}a-z]))?",
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]['\"”’)]?\s+|\n\s*|[\"“‘(]\s*|[-—–•|]\s+)$")
# "23-year-old", "four years old": find the cheap literal part, then read the number before it
# (one regex with the number alternation first is several times slower on long texts).
_YEAR_OLD = re.compile(r"[\s-](?:year|yr)s?[\s-]+old\b", re.IGNORECASE)
_NUMBER_BEFORE = re.compile(r"(?<![\w-])(\d{1,3}|[A-Za-z]+)[\s-]*$")
_AGE_AFTER_NAME = re.compile(rf"[{_UP}][\w'’\-]+,\s+(\d{{1,3}}),")
_AGE_WORD = re.compile(r"\b(?:aged?|age of)\s+(\d{1,3})\b", re.IGNORECASE)
# Case-blind patterns cannot skip ahead to a letter, and most texts have "old" and "age" in
# them ("told", "page"): these cheap case-sensitive hints, searched in the lower-cased text,
# find every text where _YEAR_OLD or _AGE_WORD can match (each letter of theirs matches only
# itself in either case, but the "s" of "years" also matches the long s, which lower() keeps).
_YEAR_OLD_HINT = re.compile(r"(?:year|yr)[sſ]?[\s-]+old")
_AGE_WORD_HINT = re.compile(r"age(?:d| of)?\s+\d")
_MONEY = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?)(?:\s?(million|billion|thousand|trillion|[mbk]n?)\b)?",
    re.IGNORECASE,
)
# Digit-led like _BIG_NUMBER below: (?<!\d)(\d{2,6}) with the look-behind after the first digit.
_BLOCK = re.compile(r"(\d(?<!\d\d)\d{1,5})\s+[Bb]lock\s+of\b")
# Patterns that may match at any digit start with the digit, and look behind it for what must
# not precede the number: the regex engine then jumps from digit to digit instead of trying
# the look-behind at every character (several times faster on whole articles).
_BIG_NUMBER = re.compile(r"(\d(?<![\w.$,]\d)(?:\d{0,2}(?:,\d{3})+|\d{2,}))(?!\d|[\w.,]\d)")
_ROUTE = re.compile(r"(?:Interstate|Highway|Route|Hwy\.?|I-|US|State Road|SR)[\s-]?(\d{1,4})\b")


_CONNECT_WORDS = frozenset(_CONNECTORS)
_ORDINAL_RE = re.compile(_ORDINAL)
_CITY_STATE = re.compile(r",\s+([A-Z][A-Za-z.]+(?:\s[A-Z][a-z]+)?)")
_AGE_AFTER = re.compile(r",\s+\d{1,3},")
_LOWER_WORDS = re.compile(r"\b[a-z][a-z'’\-]+\b")


# Characters that may end the text before a sentence start (see _SENTENCE_START), besides
# whitespace.
_SENTENCE_MARKS = frozenset(".!?:;'\"”’)“‘(-—–•|")


def _is_sentence_start(text: str, start: int) -> bool:
    if not start:
        return True  # the pattern's "^" (most sentences the summarizer reads start so)
    # Most capitalised words follow a space after a word or a comma: then none of the
    # _SENTENCE_START alternatives can end at ``start`` (each needs a mark, a line break or the
    # start of the text before its spaces), and the slice and regex search are not needed.
    if start >= 2 and text[start - 1] == " ":
        mark = text[start - 2]
        if mark not in _SENTENCE_MARKS and not mark.isspace():
            return False
    return bool(_SENTENCE_START.search(text[max(0, start - 4) : start]))


class _LowerWords:
    """Which of some words a text also writes in lower case (as whole matches of _LOWER_WORDS).

    A text is asked about a dozen words, most of them names that it never writes in lower
    case: finding each with ``str.find`` and reading the lower-case word at each occurrence is
    cheaper than listing every lower-case word of the text. The list is made (once) only when
    an occurrence follows an apostrophe or a hyphen, where a lower-case word may have started
    before it ("re-elect" holds "elect" but not as a word of its own).
    """

    __slots__ = ("text", "words")

    def __init__(self, text: str):
        self.text = text
        self.words: frozenset[str] | None = None

    def among(self, asked: list[str]) -> set[str] | frozenset[str]:
        """Those of ``asked`` that the text also writes in lower case."""
        if self.words is not None:
            return self.words.intersection(asked)
        text = self.text
        found = set()
        for word in asked:
            at = text.find(word)
            while at >= 0:
                if at and text[at - 1] in "'’-":
                    self.words = frozenset(_LOWER_WORDS.findall(text))
                    return self.words.intersection(asked)
                # Any other character before it: no lower-case word runs on through it, so the
                # one that starts here (if any; the pattern's \b looks at that character) is
                # the one the list would have.
                m = _LOWER_WORDS.match(text, at)
                if m and m.end() == at + len(word):
                    found.add(word)
                    break
                at = text.find(word, at + 1)
        return found


def _split_possessives(body: str) -> list[list[str]]:
    """A possessive ends a name: "Russia's S-400" is "Russia" and "S-400"."""
    words = body.split()
    if "'" not in body and "’" not in body:
        return [words] if words else []  # no possessive (most names)
    groups: list[list[str]] = [[]]
    for word in words:
        bare = word
        if word[-1] in "'’":
            bare = word[:-1]
        elif word[-2:] in ("'s", "’s"):
            bare = word[:-2]
        if bare:
            groups[-1].append(bare)
        if bare != word:
            groups.append([])
    return [g for g in groups if g]


def _word_groups(whole: str) -> list[list[str]]:
    """The words of a capitalised match, split at possessives."""
    # A final full stop ends the sentence, except the one of dotted initials ("the U.S.").
    dotted = whole[-1] == "." and _DOTTED_END.search(whole)
    return _split_possessives(whole if dotted else whole.rstrip("."))


def _split_common_words(words: list[str], lower_words: frozenset[str], start_of_sentence: bool):
    """Split a capitalised run where a word is really a common word, keep name-like runs.

    A word is common when it is in the stop list or, for the first word of a sentence and for
    title-case text, when the same word appears in lower case elsewhere in the text
    (``lower_words``: of the words :func:`_text_dependent_words` names, those the text has).
    """
    runs: list[list[str]] = [[]]
    for i, word in enumerate(words):
        lw = word.lower().rstrip(".")
        common = lw in _STOP_CAPS or (
            (i == 0 and start_of_sentence or word.istitle() and len(words) > 4)
            and lw in lower_words
            and not word.isupper()
        )
        if common or lw in {"of", "de", "da", "y"} and not runs[-1]:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(word)
    # A run must not end on a connector ("Bank of").
    cleaned = []
    for run in runs:
        while run and run[-1] in _CONNECT_WORDS:
            run = run[:-1]
        if run:
            cleaned.append(run)
    return cleaned


def _text_dependent_words(groups: list[list[str]]) -> tuple[str, str]:
    """The lower-case forms :func:`_split_common_words` may look up in the text's lower-case
    words, each space-separated: those it looks up when the match starts a sentence (each
    group's first word: the first group's, and a later one's when the groups before it gave no
    run) and those it always looks up (title-case words of a long run). Never stop words
    (always common) or words in capitals (never)."""
    at_start, always = [], []
    for words in groups:
        long_run = len(words) > 4
        for i, word in enumerate(words):
            title = long_run and word.istitle()
            if i == 0 or title:
                lw = word.lower().rstrip(".")
                if lw not in _STOP_CAPS and not word.isupper():
                    (always if title else at_start).append(lw)
    return " ".join(at_start), " ".join(always)


def _kind_of_words(words: list[str], word_keys: list[str], key: str) -> str:
    """The kind the words (with the key of each, and of all) alone tell ("place", "org"), or ""
    when the context must tell."""
    if key in _PLACES or len(words) <= 2 and any(k in _PLACES for k in word_keys[-2:]):
        return "place"
    last = word_keys[-1].replace(" ", "")
    if last in _PLACE_SUFFIX_KEYS or _ORDINAL_RE.match(words[0]):
        return "place"
    if last in _ORG_SUFFIX_KEYS:
        return "org"
    return ""


def _shape_kind(words: list[str]) -> str:
    """The kind the shape of the words suggests when they tell no kind themselves and no state
    follows them: an acronym (FBI, NATO, AFP) is an org, two to four title-case words a
    person; "" when only the words around can tell."""
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
        return "org"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() and not w.isupper() for w in words):
        return "person"
    return ""


# The reading of a capitalised match is one flat tuple of strings: the words asked about at a
# sentence start, the words always asked about (both as :func:`_text_dependent_words`), then
# four strings for each name: surface, key, kind ("" when the context must tell) and the kind
# its shape suggests. Flat, because the garbage collector untracks a tuple of strings at once,
# while a tuple of tuples can stay tracked: a cache full of those made its full collections
# frequent and slow.
_ASKED_AT_START, _ASKED_ALWAYS, _NAMES = 0, 1, 2


def _reading(groups: list[list[str]], starts: bool, lower_words: frozenset[str] | set[str],
             at_start: str = "", always: str = "") -> tuple[str, ...]:
    """The reading of a match's word groups, given whether it starts a sentence and which of
    its :func:`_text_dependent_words` the text writes in lower case."""
    runs: list[list[str]] = []
    for group in groups:
        runs += _split_common_words(group, lower_words, starts and not runs)
    reading = [at_start, always]
    for run in runs:
        # A word's key never depends on its neighbours, so the key of a run is made of the
        # (cached) keys of its words: words repeat far more often than whole names.
        word_keys = [name_key(w) for w in run]
        if len(run) == 1 and (len(run[0].rstrip(".")) < 2 or word_keys[0] in _SUFFIX_KEYS):
            continue  # a lone initial, or "Department" left over from "Police Department"
        key = " ".join([k for k in word_keys if k])  # = name_key(" ".join(run))
        if key and not key.isdigit():
            kind = _kind_of_words(run, word_keys, key)
            reading += (" ".join(run), key, kind, _shape_kind(run))
    return tuple(reading)


_NOTHING = ("", "")


@lru_cache(maxsize=100_000)
def _read_match(whole: str) -> tuple[str, ...]:
    """The reading of a match when none of the words it asks about is a common word (the usual
    case), as far as its own words decide it. Cached: a text names the same people and places
    again and again."""
    if " " not in whole and whole.lower().rstrip(".") in _STOP_CAPS:
        return _NOTHING  # "The", "Police", "He": a third of all matches
    groups = _word_groups(whole)
    return _reading(groups, False, frozenset(), *_text_dependent_words(groups))


def _context_kind(shape_kind: str, text: str, start: int, end: int) -> str:
    """The kind of a name its words leave open, from the text around its match."""
    # Both patterns after the match start with a comma.
    comma = text.startswith(",", end)
    if comma:
        # "Puyallup, Wash." or "Toledo, Ohio": a city before a state.
        m = _CITY_STATE.match(text, end, end + 24)
        if m and (m.group(1) in _STATE_ABBREVIATIONS or name_key(m.group(1)) in _PLACES):
            return "place"
    if shape_kind:
        return shape_kind
    if comma and _AGE_AFTER.match(text, end, end + 8):
        return "person"  # "John Smith, 23,"
    # The word before: "Officer Smith", "said Smith". (The last word of the 24 characters
    # before the match; a longer word is cut.)
    before = text[max(0, start - 24) : start].rsplit(None, 1)
    if before and before[-1].lower().rstrip(".,") in _PERSON_CUES:
        return "person"
    return "other"


_ORG_SUFFIX_KEYS = {_fold_token(s) for s in _ORG_SUFFIXES}
_PLACE_SUFFIX_KEYS = {_fold_token(s) for s in _PLACE_SUFFIXES}
_SUFFIX_KEYS = _ORG_SUFFIX_KEYS | _PLACE_SUFFIX_KEYS


def _name_entities(text: str) -> list[tuple[int, Entity]]:
    lower_words = None  # made when first asked (many sentences never ask)
    found: list[tuple[int, Entity]] = []
    for m in _SEQ.finditer(text):
        reading = _read_match(m.group(0))
        at_start, always = reading[_ASKED_AT_START], reading[_ASKED_ALWAYS]
        if at_start or always:  # the text may make one of the words a common word
            starts = bool(at_start) and _is_sentence_start(text, m.start())
            asked = f"{at_start} {always}" if starts else always
            common = None
            if asked:
                lower_words = lower_words or _LowerWords(text)
                common = lower_words.among(asked.split())
            if common:  # else the usual reading stands
                reading = _reading(_word_groups(m.group(0)), starts, common)
        if len(reading) > _NAMES:
            start, end = m.span()
            for i in range(_NAMES, len(reading), 4):
                surface, key, kind, shape_kind = reading[i : i + 4]
                kind = kind or _context_kind(shape_kind, text, start, end)
                found.append((start, Entity(surface, kind, key)))
    return _promote_surnames(found)


def _promote_surnames(found: list[tuple[int, Entity]]) -> list[tuple[int, Entity]]:
    """A lone word that is the last word of a person named in the same text is that person."""
    surnames = {e.key.rpartition(" ")[2] for _, e in found if e.kind == "person"}
    if not surnames:
        return found
    return [
        (pos, Entity(e.text, "person", e.key))
        if e.kind == "other" and " " not in e.key and e.key in surnames
        else (pos, e)
        for pos, e in found
    ]


def _age_value(raw: str) -> int | None:
    value = _NUMBER_WORDS.get(raw.lower()) if not raw.isdigit() else int(raw)
    if value is None or not 0 < value < 120:
        return None
    return value


def _hinted(pattern: re.Pattern, hint: re.Pattern, text: str, folded: str, back: int = 0):
    """The matches of a case-blind pattern, read only in a text where its hint is found in the
    lower-cased text (``folded``), and from ``back`` characters before the first hint (each
    match of the pattern starts that far before one of the hint) when the offsets of both
    texts are the same (no character changed length in lower case)."""
    first = hint.search(folded)
    if first is None:
        return ()
    return pattern.finditer(text, max(0, first.start() - back) if len(folded) == len(text) else 0)


def _number_entities(text: str) -> list[tuple[int, Entity]]:
    found: list[tuple[int, Entity]] = []
    # Cheap tests first: most texts have no age, block or money phrase, and each pattern
    # would otherwise scan the whole text.
    folded = text.lower()
    for m in _hinted(_YEAR_OLD, _YEAR_OLD_HINT, text, folded, back=1):  # the space before "year"
        start = max(0, m.start() - 12)
        before = _NUMBER_BEFORE.search(text, start, m.start())
        value = _age_value(before.group(1)) if before else None
        if value is not None:
            found.append((before.start(), Entity(text[before.start() : m.end()], "number",
                                                 f"age:{value}")))
    ages = (_AGE_AFTER_NAME.finditer(text) if _AGE_AFTER.search(text) else (),
            _hinted(_AGE_WORD, _AGE_WORD_HINT, text, folded))
    for matches in ages:
        for m in matches:
            value = _age_value(m.group(1))
            if value is not None:
                found.append((m.start(), Entity(m.group(0), "number", f"age:{value}")))
    for m in _MONEY.finditer(text):
        unit = (m.group(2) or "").lower()
        unit = {"m": "million", "mn": "million", "b": "billion", "bn": "billion",
                "k": "thousand"}.get(unit, unit)
        amount = m.group(1).replace(",", "").rstrip(".")
        found.append((m.start(), Entity(m.group(0), "number", f"money:{amount} {unit}".strip())))
    for m in _BLOCK.finditer(text) if "lock" in text else ():
        found.append((m.start(), Entity(m.group(0), "number", f"block:{m.group(1)}")))
    found += _route_entities(text)
    for m in _BIG_NUMBER.finditer(text):
        value = m.group(1).replace(",", "")
        if len(value) == 4 and 1900 <= int(value) <= 2100:
            continue  # a year: dates are handled by extract_dates
        found.append((m.start(), Entity(m.group(0), "number", f"num:{value}")))
    return found


def _route_entities(text: str) -> list[tuple[int, Entity]]:
    found = []
    for m in _ROUTE.finditer(text):
        if m.start() and text[m.start() - 1].isalnum():
            continue
        found.append((m.start(), Entity(m.group(0), "place", f"route:{m.group(1)}")))
    return found


def extract_names(text: str) -> list[Entity]:
    """The entities of :func:`extract_entities` that are not numbers (numbered roads are
    places, so they stay), without the cost of looking for numbers."""
    if not text:
        return []
    if not text.isascii():  # curly quotes are not ASCII
        text = _straight_quotes(text)
    found = _name_entities(text)  # in order of their offsets
    routes = _route_entities(text)
    if routes:  # rare: then merge by offset
        found += routes
        found.sort(key=_OFFSET)
    return [e for _, e in found]


def extract_entities(text: str) -> list[Entity]:
    """Entities in ``text`` in order of appearance (repeats kept).

    Names: capitalised word sequences with sentence-initial common words removed, typed as
    person/place/org/other. Numbers: ages ("23-year-old", "John Smith, 23,"), money, "1400
    block of", route numbers and other numbers of 3+ digits (not years).
    """
    return [e for _, e in extract_entities_at(text)]


def extract_entities_at(text: str) -> list[tuple[int, Entity]]:
    """:func:`extract_entities` with the offset in ``text`` at which each entity starts."""
    if not text:
        return []
    if not text.isascii():  # curly quotes are not ASCII
        text = _straight_quotes(text)  # one character for one: the offsets stay valid
    found = _name_entities(text) + _number_entities(text)
    found.sort(key=_OFFSET)
    return found


_OFFSET = operator.itemgetter(0)


def _straight_quotes(text: str) -> str:
    """Curly quotes made straight. Four str.replace scans are several times faster than one
    str.translate, which looks every character up in its table."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')

# --------------------------------------------------------------------------- dates

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
# Month names are matched capitalised (as news writes them) by their first three letters and
# checked against _MONTHS afterwards: far faster than a case-blind alternation of all names.
_MONTH_WORD = r"((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6})"
_YEAR = r"(?:,?\s*((?:19|20)\d\d)\b)?"
_MONTH_DAY = re.compile(rf"{_MONTH_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b{_YEAR}")
# Digit-led, as _BIG_NUMBER: "(?<!\w\d)" after the first digit is the "\b" before it.
_DAY_MONTH = re.compile(
    rf"(\d(?<!\w\d)\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}\b\.?{_YEAR}"
)
# Hyphen-led: hyphens are far rarer than digits, so the regex engine has fewer candidates to
# try. It finds the matches of (\d(?<!\w\d)\d{3})-(\d{2})-(\d{2})\b (two of which cannot
# overlap) from their first hyphen; the year is the four digits before it.
_ISO_DATE = re.compile(r"-(?<=\d{4}-)(?<!\w\d{4}-)(\d{2})-(\d{2})\b")


def _resolve(year: int | None, month: int, day: int, reference: dt.date) -> dt.date | None:
    """A month-day without a year is the latest such date not far after the reference."""
    try:
        if year is not None:
            return dt.date(year, month, day)
        date = dt.date(reference.year, month, day)
        if date > reference + dt.timedelta(days=60):
            date = dt.date(reference.year - 1, month, day)
        return date
    except ValueError:
        return None


def extract_dates(text: str, reference: dt.date | None) -> list[dt.date]:
    """Absolute dates written in ``text``, resolved against ``reference`` (the article date).

    Finds "Feb. 6", "February 6, 2014", "6 February", "2014-02-06". Without a year the date is
    taken in the reference year, or the year before when that would put it more than 60 days
    after the reference (a January article saying "Dec. 30"). Without a reference, only dates
    with a year are returned. Sorted, without repeats.
    """
    dates: set[dt.date] = set()
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS.get(m.group(1).lower())
        if month is None or (m.start() and text[m.start() - 1].isalnum()):
            continue  # "Marching", "Decatur", "FebJan"
        year = int(m.group(3)) if m.group(3) else None
        if year is None and reference is None:
            continue
        date = _resolve(year, month, int(m.group(2)), reference or dt.date.min)
        if date:
            dates.add(date)
    for m in _DAY_MONTH.finditer(text):
        if m.group(2).lower() not in _MONTHS:
            continue
        year = int(m.group(3)) if m.group(3) else None
        if year is None and reference is None:
            continue
        month = _MONTHS[m.group(2).lower()]
        date = _resolve(year, month, int(m.group(1)), reference or dt.date.min)
        if date:
            dates.add(date)
    for m in _ISO_DATE.finditer(text):
        year = int(text[m.start() - 4 : m.start()])
        date = _resolve(year, int(m.group(1)), int(m.group(2)), dt.date.min)
        if date:
            dates.add(date)
    return sorted(dates)
