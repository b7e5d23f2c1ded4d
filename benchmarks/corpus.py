"""Seeded generator of realistic news corpora with gold story labels (for bench_pipeline).

    python benchmarks/corpus.py --n 100000                  # "day" corpus, ~400 words an article
    python benchmarks/corpus.py --n 1000000 --kind short --forms jsonl   # ~80 words, JSONL only

Text comes from REAL articles read at run time (``../shared/eval/gva-dev.jsonl``: US local
crime news; ``reuters21578.jsonl``: business wire); no article text is stored in the
repository. Real sentences are needed because the pipeline's cost and quality depend on real
vocabulary, sentence lengths, names and figures; random words would make every stage too easy.

How a corpus is built (all draws from one ``random.Random(seed)``):

- **Events.** Each synthetic event takes a *primary* seed article (seeds are used in a shuffled
  cycle, so two events share a primary only once the pool is exhausted) and a *background* seed
  from the same source file. Every capitalised name that the real corpus never writes in lower
  case (people, places, organisations) is swapped for a generated pseudo-name, every figure for a
  random one of the same shape, every "Feb. 6" for a date near the event: consistently within the
  event, differently between events. So two events from one seed share words but not names,
  figures or dates: what separates real events too.
- **Reports.** A story has 1 to 20 reports, P(k) ~ k^-2 (63% singletons, a few big stories).
  Each report is an outlet's own write-up: the event's lead sentence (or a reworded one), a
  random subset of the primary's sentences in mostly the original order, background sentences,
  then filler from a report-specific seed until the report reaches its length (log-normal: mean
  ~400 words for "day", ~80 for "short"). Some reports carry a different figure (a conflicting
  death toll) or a name spelt differently, as real sources do. Reports are dated within days of
  the event (a few follow-ups come a week later); events spread over six weeks.
- **Copies.** Some reports are re-run by other outlets (syndication): a new headline, a
  dateline, credit / copyright / newsletter lines, sometimes the last paragraph cut.
- **Chrome.** Each outlet has its own furniture line (share prompt, footer) on some of its pages.

Output (under ``benchmarks/data/<kind>-<n>-s<seed>/``, git-ignored):

- ``articles/``: a folder as a newsroom has it: ``<outlet>/<date>/<id>.txt`` with a header block
  (Title/Date/Source/URL; some files carry only a byline line or no header), and for the outlets
  that deliver feeds ``feeds/<outlet>-<date>.jsonl``.
- ``gold.jsonl``: ``{"id", "article", "label", "copy_of"}``: ``id`` is the id the pipeline gives
  each article of ``articles/`` (its relative path, or the feed record's id), ``article`` the
  generator's id (as in ``corpus.jsonl`` and ``copy_of``); ``newsclust eval --pred``-ready.
- ``corpus.jsonl``: the same articles as one JSON Lines file, carrying ``label`` and ``copy_of``.
- ``manifest.json``: parameters, counts and the generator version; a corpus whose manifest
  matches is reused, not rebuilt.

Determinism: the same seed, kind and generator version give byte-identical files, whatever the
forms written; and a corpus of n articles is a prefix (up to the last event) of a bigger one with
the same seed, so a 10k and a 100k corpus have the same make-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import pickle
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Bump when the output for a given seed changes, so stale corpora are rebuilt.
GENERATOR_VERSION = 3

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
DEFAULT_SOURCES = (
    HERE.parents[1] / "shared" / "eval" / "gva-dev.jsonl",
    HERE.parents[1] / "shared" / "eval" / "reuters21578.jsonl",
)


@dataclass(frozen=True)
class Kind:
    """The length profile of a corpus."""

    mean_words: int
    sigma: float  # of the log-normal article length
    min_words: int
    max_words: int
    span_days: int  # events start on days spread over this many days
    #: Bumped when this kind's output changes (the corpus version is GENERATOR_VERSION.revision).
    revision: int = 0


KINDS = {
    "day": Kind(mean_words=400, sigma=0.5, min_words=80, max_words=2000, span_days=42),
    # A report ends with the sentence that reaches its target length, which adds about half a
    # sentence: targets of 68 give articles of ~80 words.
    "short": Kind(mean_words=68, sigma=0.4, min_words=25, max_words=250, span_days=42, revision=1),
}

START = dt.date(2024, 1, 8)
MAX_STORY = 20
STORY_WEIGHTS = [k**-2.0 for k in range(1, MAX_STORY + 1)]
#: A report is re-run by 1..3 other outlets with this probability (about 12% of all articles
#: end up copies, as in newsroom intake where wire copy is re-posted).
COPY_PROBABILITY = 0.11
#: Articles generated together and shuffled before writing, so a JSONL file interleaves events
#: the way a feed does; fixed, so the output does not depend on n.
BLOCK = 4096

# --- the real text: seed articles cut into sentence templates ------------------------------

# A sentence ends at . ! ? (maybe followed by a closing quote) before a capital or a quote.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘']?[A-Z])")


def _words(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _word_set(words: str, suffix: str = "") -> frozenset[str]:
    return frozenset(word + suffix for word in words.split())


_ABBREVIATIONS = _word_set(
    """Mr Mrs Ms Dr St Jr Sr Gov Sen Rep Lt Sgt Capt Det Gen Col No Inc Corp Co Ltd Ave
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec U.S""",
    ".",
)
_MONTH_NAMES = _words(
    "January February March April May June July August September October November December"
)
_MONTH_ABBREVIATIONS = _words("Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec")
_MONTH_PATTERN = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept\.|Sep\.|Oct\.|Nov\.|Dec\.)"
)
# One pass finds the three kinds of slot a template has: dates, figures and capitalised words.
_SLOT = re.compile(
    r"(?P<date>\b" + _MONTH_PATTERN + r" \d{1,2}\b)"
    r"|(?P<num>(?<![\w.])\d+(?:[.,]\d+)*(?![\w]))"
    r"|(?P<word>\b[A-Z][A-Za-z]*[a-z][A-Za-z]*\b)"
)
_SLOT_KINDS = {"date": "d", "num": "f", "word": "n"}
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
#: Capitalised words that are never names, though the corpus never writes them in lower case.
_NOT_NAMES = _word_set(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct
    Nov Dec Mr Mrs Ms Dr St Jr Sr Gov Sen Rep Lt Sgt Capt Det Gen Col Inc Corp Co Ltd Ave Rd Blvd
    Christmas Easter Thanksgiving God English American Americans Reuter Reuters"""
)
#: Sentences with these (in lower case) are page chrome or wire furniture, not news.
_JUNK = (
    "http:",
    "https:",
    "www.",
    "@",
    "©",
    "&#",
    "copyright",
    "subscribe",
    "newsletter",
    "click",
    "cookie",
    "javascript",
    "all rights reserved",
    "advertisement",
    "sign up",
    "log in",
    "share this",
    " reuter",
)

#: A template part: a literal string, or a slot (kind, key): kind "n" name, "f" figure, "d" date.
Part = str | tuple[str, str]


@dataclass
class Seed:
    source: int  # index of the source file: background and filler come from the same one
    sentences: list[tuple[Part, ...]]
    words: list[int]


_UPPER_BYTES = bytes(range(ord("A"), ord("Z") + 1))
_LETTER_BYTES = _UPPER_BYTES + _UPPER_BYTES.lower()
_DIGIT_BYTES = b"0123456789"


def _good_sentence(sentence: str) -> bool:
    words = sentence.count(" ") + 1
    if not 5 <= words <= 60:
        return False
    lower = sentence.lower()
    if any(junk in lower for junk in _JUNK):
        return False
    # All-caps TV transcripts and Reuters figure tables are not prose. Counted with
    # bytes.translate (in C): a per-character Python loop was the generator's slowest step.
    raw = sentence.encode()
    letters = len(raw) - len(raw.translate(None, _LETTER_BYTES))
    upper = len(raw) - len(raw.translate(None, _UPPER_BYTES))
    digits = len(raw) - len(raw.translate(None, _DIGIT_BYTES))
    return letters > 0 and upper < 0.25 * letters and digits < 0.12 * len(raw)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, whitespace folded; abbreviations ("Mr.", "Feb.") do not end one."""
    pieces = _SENTENCE_END.split(" ".join(text.split()))
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _is_abbreviation(sentences[-1][sentences[-1].rfind(" ") + 1 :]):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def _is_abbreviation(word: str) -> bool:
    # "Mr." or an initial ("J.") does not end a sentence.
    return word in _ABBREVIATIONS or (len(word) == 2 and word[0].isupper() and word[1] == ".")


def _template(sentence: str, lower_words: frozenset[str]) -> tuple[Part, ...]:
    parts: list[Part] = []
    at = 0
    for match in _SLOT.finditer(sentence):
        kind = match.lastgroup
        value = match.group()
        if kind == "word" and (value in _NOT_NAMES or value.lower() in lower_words):
            continue
        if kind == "num" and _YEAR.fullmatch(value):
            continue  # years stay: a changed year would move the event out of its weeks
        parts.append(sentence[at : match.start()])
        parts.append((_SLOT_KINDS[kind], value))
        at = match.end()
    parts.append(sentence[at:])
    return tuple(p for p in parts if p != "")


def load_seeds(paths: Sequence[Path] = DEFAULT_SOURCES, cache: Path | None = None) -> list[Seed]:
    """Seed articles (deduplicated, with at least two prose sentences) as sentence templates.

    Cutting 22k real articles into templates takes several seconds, so the result is kept in
    ``cache`` (a folder), keyed by the generator version and the source files' sizes and times.
    """
    if cache is None:
        return _build_seeds(paths)
    key = hashlib.sha256(
        repr(
            [GENERATOR_VERSION] + [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
        ).encode()
    ).hexdigest()
    cached = cache / f".seeds-{key[:16]}.pickle"
    try:
        with open(cached, "rb") as handle:
            return [Seed(*fields) for fields in pickle.load(handle)]
    except (OSError, pickle.UnpicklingError, EOFError, TypeError):
        pass
    seeds = _build_seeds(paths)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    # Plain tuples, not Seed objects: the class is __main__.Seed when this file runs as a script.
    with open(tmp, "wb") as handle:
        pickle.dump(
            [(s.source, s.sentences, s.words) for s in seeds],
            handle,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    tmp.replace(cached)
    return seeds


def _build_seeds(paths: Sequence[Path]) -> list[Seed]:
    texts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for source, path in enumerate(paths):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                text = (json.loads(line).get("text") or "").strip()
                key = " ".join(text.split())
                if text and key not in seen:
                    seen.add(key)
                    texts.append((source, text))
    # Words the corpus writes in lower case at least twice are common words, not names.
    counts = Counter(w for _, text in texts for w in _LOWER_WORD.findall(text))
    lower_words = frozenset(w for w, c in counts.items() if c >= 2)
    seeds = []
    for source, text in texts:
        sentences = [s for s in split_sentences(text) if _good_sentence(s)]
        if len(sentences) >= 2:
            seeds.append(
                Seed(
                    source,
                    [_template(s, lower_words) for s in sentences],
                    [s.count(" ") + 1 for s in sentences],
                )
            )
    return seeds


# --- generated names, outlets and chrome (our own wording) ---------------------------------

# The empty onset: names that start with a vowel ("Ostrav").
_ONSETS = (*_words("b br c ch d dr f g gr h j k kl l m n p pr r s sh st t tr v w z"), "")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "io", "ou", "y")
_CODAS = ("", "", "", "n", "r", "l", "s", "th", "nd", "rk", "m", "x", "ck", "lt", "ss")


def pseudo_name(rng: random.Random) -> str:
    """A pronounceable word no dictionary has ("Brolentha"): a name no other event shares."""
    syllables = 2 + (rng.random() < 0.45)
    word = "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
    )
    return word.capitalize()


_OUTLET_FORMS = (
    "The {} Herald",
    "The {} Courier",
    "{} Daily News",
    "The {} Tribune",
    "{} Public Radio",
    "The {} Observer",
    "{} Gazette",
    "The {} Post",
    "{} Business Wire",
    "{} Evening Standard",
)
_FURNITURE = (
    "Share this article on Facebook, Twitter or by email.",
    "Read more local news from {name}.",
    "Stay informed: get {name} alerts on your phone.",
    "Follow {name} for the latest updates.",
    "Comments on this story are closed.",
    "Report a typo or an error to {name}.",
)
_NEWSLETTER = (
    "Get the top stories delivered to your inbox every morning with our free newsletter.",
    "Want more news like this? Sign up for our daily briefing.",
)
_HEADLINE_PREFIXES = ("UPDATE: ", "BREAKING: ", "WATCH: ", "", "", "")
_AGENCIES = ("AP", "Reuters", "AFP", "UPI", "NewsWire")
_REWORD = {
    "said": "says",
    "says": "said",
    "police": "officers",
    "officers": "police",
    "killed": "slain",
    "man": "male",
    "woman": "female",
    "home": "house",
    "told": "informed",
    "rose": "climbed",
    "fell": "dropped",
    "company": "firm",
    "shares": "stock",
    "about": "around",
    "expected": "forecast",
    "reported": "said",
    "after": "following",
    "during": "in",
    "near": "close to",
    "percent": "pct",
    "pct": "percent",
    "announced": "said",
    "authorities": "officials",
    "officials": "authorities",
    "shooting": "gunfire",
    "suspect": "gunman",
    "vehicle": "car",
    "investigation": "inquiry",
    "billion": "bln",
    "million": "mln",
    "mln": "million",
    "dlrs": "dollars",
    "year": "twelve months",
    "week": "seven days",
}


@dataclass(frozen=True)
class Outlet:
    name: str
    slug: str
    feed: bool  # delivers a JSONL feed instead of one file an article
    furniture: str | None  # a line this outlet puts on some of its pages


def make_outlets(rng: random.Random, count: int = 120) -> list[Outlet]:
    outlets: list[Outlet] = []
    used: set[str] = set()
    while len(outlets) < count:
        name = rng.choice(_OUTLET_FORMS).format(pseudo_name(rng))
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if slug in used:
            continue
        used.add(slug)
        furniture = rng.choice(_FURNITURE).format(name=name) if rng.random() < 0.6 else None
        outlets.append(Outlet(name, slug, feed=len(outlets) % 8 == 7, furniture=furniture))
    return outlets


# --- events and reports ---------------------------------------------------------------------


@dataclass
class Article:
    id: str
    label: str
    title: str
    paragraphs: list[str]
    date: dt.date
    outlet: Outlet
    header_style: int  # 0..99: how a .txt file shows its metadata
    date_style: int
    copy_of: str | None = None
    extra_lines: list[str] = field(default_factory=list)


def _vary_figure(rng: random.Random, value: str) -> str:
    # Same shape, new digits (the first never 0): "2.5" -> "7.1", "155,221" -> "604,318".
    digits = [rng.choice("0123456789") if c.isdigit() else c for c in value]
    first = next(i for i, c in enumerate(digits) if c.isdigit())
    if len(value) > 1 and digits[first] == "0":
        digits[first] = rng.choice("123456789")
    return "".join(digits)


def _vary_name(rng: random.Random, name: str) -> str:
    """A spelling variant, as transliterations and typos make them (Sergei / Sergey)."""
    swaps = [("y", "i"), ("i", "y"), ("c", "k"), ("k", "c"), ("ou", "u"), ("ea", "ee")]
    rng.shuffle(swaps)
    for old, new in swaps:
        if old in name[1:]:
            return name[0] + name[1:].replace(old, new, 1)
    return name + name[-1]


class _Event:
    """One event: its slot mapping (names, figures, dates) and its rendered sentences."""

    def __init__(self, rng: random.Random, day: dt.date) -> None:
        self.rng = rng
        self.day = day
        self.mapping: dict[tuple[str, str], str] = {}
        self.cache: dict[int, str] = {}

    def value(self, slot: tuple[str, str]) -> str:
        found = self.mapping.get(slot)
        if found is None:
            kind, original = slot
            if kind == "n":
                found = pseudo_name(self.rng)
                if original.isupper():
                    found = found.upper()
            elif kind == "f":
                found = _vary_figure(self.rng, original)
            else:
                found = _format_month_day(original, self.day - dt.timedelta(self.rng.randrange(6)))
            self.mapping[slot] = found
        return found

    def render(self, template: tuple[Part, ...], overrides: dict | None = None) -> str:
        if not overrides:
            key = id(template)
            text = self.cache.get(key)
            if text is None:
                text = self.cache[key] = "".join(
                    p if isinstance(p, str) else self.value(p) for p in template
                )
            return text
        return "".join(
            p if isinstance(p, str) else overrides.get(p) or self.value(p) for p in template
        )


def _format_month_day(original: str, day: dt.date) -> str:
    if "." in original or original.split()[0] in _MONTH_ABBREVIATIONS:
        month = _MONTH_ABBREVIATIONS[day.month - 1]
        return f"{month}{'.' if month != 'May' else ''} {day.day}"
    return f"{_MONTH_NAMES[day.month - 1]} {day.day}"


def _reword(rng: random.Random, sentence: str) -> str:
    """A light rewrite: words swapped for near-synonyms, maybe a clause dropped or the sentence
    cut at a comma (an outlet's shorter version of the same fact)."""
    words = sentence.split(" ")
    for i in rng.sample(range(len(words)), min(len(words), 6)):
        words[i] = _REWORD.get(words[i], words[i])
    text = " ".join(words)
    commas = text.count(",")
    if commas >= 2 and rng.random() < 0.5:
        a = text.index(",")
        b = text.index(",", a + 1)
        text = text[:a] + text[b:]
    elif commas and rng.random() < 0.3:
        head = text[: text.index(",")]
        if head.count(" ") >= 5:
            text = head + "."
    return text


def _headline(rng: random.Random, lead: str) -> str:
    words = lead.rstrip('.!?"”').split()
    cut = min(len(words), rng.randint(6, 12))
    return rng.choice(_HEADLINE_PREFIXES) + " ".join(words[:cut])


def _paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    paras: list[str] = []
    i = 0
    while i < len(sentences):
        take = rng.choice((1, 2, 2, 3))
        paras.append(" ".join(sentences[i : i + take]))
        i += take
    return paras


class Generator:
    """Yields Articles for one (kind, seed); the sequence does not depend on how many are taken."""

    def __init__(self, seeds: Sequence[Seed], kind: Kind, seed: int) -> None:
        self.kind = kind
        self.rng = random.Random(seed)
        self.seeds = seeds
        self.outlets = make_outlets(random.Random(f"outlets-{seed}"))
        self.by_source: dict[int, list[int]] = {}
        for i, s in enumerate(seeds):
            self.by_source.setdefault(s.source, []).append(i)
        # Primaries need a few sentences to give several reports something to share.
        self.primaries = [i for i, s in enumerate(seeds) if len(s.sentences) >= 3]
        self.order: list[int] = []
        self.events = 0
        self.articles = 0
        self.mu = math.log(kind.mean_words) - kind.sigma**2 / 2

    def _next_primary(self) -> Seed:
        if not self.order:  # a new shuffled cycle through all primaries
            self.order = self.primaries[:]
            self.rng.shuffle(self.order)
        return self.seeds[self.order.pop()]

    def _length(self) -> int:
        words = round(self.rng.lognormvariate(self.mu, self.kind.sigma))
        return max(self.kind.min_words, min(self.kind.max_words, words))

    def _new_id(self) -> str:
        self.articles += 1
        return f"a{self.articles:07d}"

    def __iter__(self) -> Iterator[Article]:
        while True:
            yield from self._event()

    def _event(self) -> list[Article]:
        rng = self.rng
        self.events += 1
        label = f"e{self.events:07d}"
        day = START + dt.timedelta(rng.randrange(self.kind.span_days))
        event = _Event(rng, day)
        primary = self._next_primary()
        same_source = self.by_source[primary.source]
        # Background: context every report of the event may draw on (two articles' worth).
        backgrounds = [self.seeds[rng.choice(same_source)] for _ in range(2)]
        size = rng.choices(range(1, MAX_STORY + 1), weights=STORY_WEIGHTS)[0]
        outlets = rng.sample(self.outlets, size)
        # Slots of this event that a report may state differently (a conflict or a variant).
        variable = [p for t in primary.sentences for p in t if not isinstance(p, str)]
        out: list[Article] = []
        for r in range(size):
            overrides: dict[tuple[str, str], str] = {}
            if variable and rng.random() < 0.2:
                slot = rng.choice(variable)
                base = event.value(slot)
                overrides[slot] = (
                    _vary_name(rng, base)
                    if slot[0] == "n"
                    else _vary_figure(rng, slot[1])
                    if slot[0] == "f"
                    else base
                )
            sentences = self._report_sentences(
                event, primary, backgrounds, same_source, self._length(), overrides, first=r == 0
            )
            offset = rng.choices((0, 1, 2, 3), weights=(55, 25, 10, 10))[0]
            if offset == 3:
                offset = rng.randint(3, 10)  # a follow-up: an arrest, a trial, results
            report = Article(
                id=self._new_id(),
                label=label,
                title=_headline(rng, sentences[0]),
                paragraphs=_paragraphs(rng, sentences),
                date=day + dt.timedelta(offset),
                outlet=outlets[r],
                header_style=rng.randrange(100),
                date_style=rng.randrange(4),
            )
            if report.outlet.furniture and rng.random() < 0.5:
                report.extra_lines.append(report.outlet.furniture)
            out.append(report)
            if rng.random() < COPY_PROBABILITY:
                for _ in range(rng.choices((1, 2, 3), weights=(70, 20, 10))[0]):
                    out.append(self._copy(report))
        return out

    def _report_sentences(
        self,
        event: _Event,
        primary: Seed,
        backgrounds: list[Seed],
        same_source: list[int],
        target: int,
        overrides: dict,
        *,
        first: bool,
    ) -> list[str]:
        rng = self.rng
        render = event.render
        core = primary.sentences
        # The lead states the event; later reports often open differently.
        lead_index = 0 if first or rng.random() < 0.6 else 1
        lead = render(core[lead_index], overrides)
        if not first and rng.random() < 0.5:
            lead = _reword(rng, lead)
        chosen = [lead]
        words = lead.count(" ") + 1
        # Reports share facts, not text: each keeps part of the event's sentences and rewords
        # some, so most reports of an event are not near-duplicates of each other (copies are
        # made separately) and clustering, not dedup, has to join them.
        keep = rng.uniform(0.3, 0.8)
        body = [t for i, t in enumerate(core) if i != lead_index and rng.random() < keep]
        if len(body) > 2 and rng.random() < 0.5:  # one pair of sentences told the other way
            i = rng.randrange(len(body) - 1)
            body[i], body[i + 1] = body[i + 1], body[i]
        extra = [t for seed in backgrounds for t in seed.sentences if rng.random() < 0.35]
        templates = body + extra
        reword = 0.35
        # Filler from other articles of the same source file until the report is long enough:
        # an outlet's own context, which no other report of the event shares.
        for _ in range(12):
            for template in templates:
                if words >= target:
                    return chosen
                sentence = render(template, overrides)
                if rng.random() < reword:
                    sentence = _reword(rng, sentence)
                chosen.append(sentence)
                words += sentence.count(" ") + 1
            reword = 0.1
            templates = self.seeds[rng.choice(same_source)].sentences
        return chosen

    def _copy(self, original: Article) -> Article:
        """A syndicated re-run: new headline and outlet, dateline, credits, last paragraph cut."""
        rng = self.rng
        paras = list(original.paragraphs)
        if len(paras) >= 3 and rng.random() < 0.5:
            paras.pop()
        if rng.random() < 0.6:
            place = pseudo_name(rng).upper()
            paras[0] = f"{place} ({rng.choice(_AGENCIES)}) — {paras[0]}"
        tail: list[str] = []
        if rng.random() < 0.5:
            tail.append(f"{pseudo_name(rng)} {pseudo_name(rng)} contributed to this report.")
        if rng.random() < 0.4:
            tail.append(rng.choice(_NEWSLETTER))
        if rng.random() < 0.4:
            tail.append(
                f"Copyright {original.date.year} {rng.choice(self.outlets).name}. "
                "All rights reserved."
            )
        words = original.title.split()
        title = rng.choice(_HEADLINE_PREFIXES) + " ".join(words[: rng.randint(4, 12)])
        return Article(
            id=self._new_id(),
            label=original.label,
            title=title,
            paragraphs=paras + tail,
            date=original.date + dt.timedelta(rng.randrange(2)),
            outlet=rng.choice(self.outlets),
            header_style=rng.randrange(100),
            date_style=rng.randrange(4),
            copy_of=original.id,
        )


# --- writing -----------------------------------------------------------------------------------


def _date_text(article: Article) -> str:
    d = article.date
    return (
        d.isoformat(),
        f"{_MONTH_NAMES[d.month - 1]} {d.day}, {d.year}",
        d.strftime("%a, %d %b %Y 09:%M:00 +0000").replace(":%M", f":{d.day:02d}"),
        f"{d.isoformat()}T{6 + d.day % 12:02d}:30:00Z",
    )[article.date_style]


def _url(article: Article) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", article.title.lower()).strip("-")[:60]
    return f"https://www.{article.outlet.slug}.example/{article.date:%Y/%m/%d}/{slug}-{article.id}"


def body_text(article: Article) -> str:
    return "\n\n".join(article.paragraphs + article.extra_lines)


def txt_file(article: Article) -> str:
    """A .txt file: mostly a header block; some carry a byline line instead; a few only text."""
    body = body_text(article)
    style = article.header_style
    if style < 85:
        lines = [f"Title: {article.title}"]
        if style >= 3:  # 3% undated
            lines.append(f"Date: {_date_text(article)}")
        lines.append(f"Source: {article.outlet.name}")
        if style % 3:
            lines.append(f"URL: {_url(article)}")
        return "\n".join(lines) + "\n\n" + body + "\n"
    d = article.date
    if style < 95:
        byline = f"By {article.outlet.name} - {_MONTH_ABBREVIATIONS[d.month - 1]} {d.day}, {d.year}"
        return f"{article.title}\n{byline}\n\n{body}\n"
    return f"{article.title}\n\n{body}\n"


def record(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "text": body_text(article),
        "date": _date_text(article) if article.header_style >= 3 else None,
        "source": article.outlet.name,
        "url": _url(article),
    }


@dataclass
class Manifest:
    kind: str
    n: int
    seed: int
    forms: list[str]
    version: int | str = GENERATOR_VERSION
    events: int = 0
    copies: int = 0
    words_mean: float = 0.0
    size_histogram: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def corpus_dir(out: Path, kind: str, n: int, seed: int) -> Path:
    return out / f"{kind}-{n}-s{seed}"


def _same_corpus(folder: Path, kind: str, n: int, seed: int, forms: Sequence[str]) -> bool:
    try:
        old = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    same = (old.get("kind"), old.get("n"), old.get("seed"), old.get("version"))
    return same == (kind, n, seed, version(kind)) and set(forms) <= set(old.get("forms", ()))


def version(kind: str) -> int | str:
    revision = KINDS[kind].revision
    return f"{GENERATOR_VERSION}.{revision}" if revision else GENERATOR_VERSION


def generate(
    n: int,
    *,
    kind: str = "day",
    seed: int = 0,
    forms: Sequence[str] = ("folder", "jsonl"),
    out: Path = DEFAULT_OUT,
    sources: Sequence[Path] = DEFAULT_SOURCES,
    force: bool = False,
    cache: Path | None = None,
) -> Path:
    """Write a corpus of ``n`` articles (unless an identical one is there); return its folder.

    ``cache``: where the seed templates are kept between runs (default: ``out``).
    """
    folder = corpus_dir(out, kind, n, seed)
    if not force and _same_corpus(folder, kind, n, seed, forms):
        return folder
    if not force and _same_corpus(folder, kind, n, seed, ()):
        # The same corpus in other forms: write them all (the text is the same either way).
        forms = sorted({*forms, *json.loads((folder / "manifest.json").read_text())["forms"]})
    started = time.perf_counter()
    # Build in a temporary folder and rename at the end: an interrupted run leaves no corpus
    # that looks complete.
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    manifest = Manifest(kind=kind, n=n, seed=seed, forms=sorted(forms), version=version(kind))
    seeds = load_seeds(sources, cache=cache or out)
    write_articles(Generator(seeds, KINDS[kind], seed), n, tmp, forms, manifest)
    manifest.seconds = round(time.perf_counter() - started, 2)
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def write_articles(
    generator: Generator, n: int, folder: Path, forms: Sequence[str], manifest: Manifest
) -> None:
    folder_form, jsonl_form = "folder" in forms, "jsonl" in forms
    articles_dir = folder / "articles"
    made_dirs: set[Path] = set()
    feeds: dict[str, list[str]] = {}
    story_sizes: Counter[str] = Counter()
    words = 0
    shuffler = random.Random(f"order-{manifest.seed}")
    with (
        open(folder / "gold.jsonl", "w", encoding="utf-8") as gold,
        open(
            folder / "corpus.jsonl" if jsonl_form else os.devnull, "w", encoding="utf-8"
        ) as corpus,
    ):
        it = iter(generator)
        made = 0
        while made < n:
            block = [next(it) for _ in range(min(BLOCK, n - made))]
            made += len(block)
            shuffler.shuffle(block)
            for article in block:
                story_sizes[article.label] += 1
                words += sum(p.count(" ") + 1 for p in article.paragraphs)
                rec = record(article)
                if jsonl_form:
                    corpus.write(
                        json.dumps(
                            {**rec, "label": article.label, "copy_of": article.copy_of},
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                if article.outlet.feed:
                    path_id = article.id
                    key = f"feeds/{article.outlet.slug}-{article.date.isoformat()}.jsonl"
                    feeds.setdefault(key, []).append(json.dumps(rec, ensure_ascii=False))
                else:
                    path_id = f"{article.outlet.slug}/{article.date.isoformat()}/{article.id}.txt"
                    if folder_form:
                        path = articles_dir / path_id
                        if path.parent not in made_dirs:
                            path.parent.mkdir(parents=True, exist_ok=True)
                            made_dirs.add(path.parent)
                        with open(path, "w", encoding="utf-8") as handle:
                            handle.write(txt_file(article))
                gold.write(
                    json.dumps(
                        {
                            "id": path_id,
                            "article": article.id,
                            "label": article.label,
                            "copy_of": article.copy_of,
                        }
                    )
                    + "\n"
                )
                if article.copy_of:
                    manifest.copies += 1
    if folder_form:
        (articles_dir / "feeds").mkdir(parents=True, exist_ok=True)
        for key in sorted(feeds):
            (articles_dir / key).write_text("\n".join(feeds[key]) + "\n", encoding="utf-8")
    manifest.events = len(story_sizes)
    manifest.words_mean = round(words / max(n, 1), 1)
    histogram = Counter(min(size, 21) for size in story_sizes.values())
    manifest.size_histogram = {
        ("21+" if k == 21 else str(k)): v for k, v in sorted(histogram.items())
    }


def file_digest(folder: Path) -> str:
    """One SHA-256 over every file's relative path and bytes (for determinism checks)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles (default 10000)")
    parser.add_argument("--kind", choices=sorted(KINDS), default="day")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--forms", default="folder,jsonl", help="folder, jsonl or both")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    forms = [f for f in args.forms.split(",") if f]
    if not set(forms) <= {"folder", "jsonl"}:
        parser.error("--forms takes folder, jsonl or folder,jsonl")
    started = time.perf_counter()
    folder = generate(
        args.n, kind=args.kind, seed=args.seed, forms=forms, out=args.out, force=args.force
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    print(
        f"{folder}: {manifest['n']} articles, {manifest['events']} events, "
        f"{manifest['copies']} copies, {manifest['words_mean']} words/article "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
