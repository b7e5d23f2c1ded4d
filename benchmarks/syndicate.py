"""Seeded generator of syndication-style copies of real news texts (for measuring dedup).

Reads article texts at run time (e.g. ``../shared/eval/gva-dev.jsonl``); no article text is
stored in the repository. All chrome below (datelines, credits, copyright lines, newsletter
prompts) is our own wording.

A copy imitates what outlets do when they re-run wire copy: a new headline (sometimes printed
at the top of the body too), a dateline, credit and copyright lines, a newsletter prompt, the
last paragraph cut, two paragraphs merged, a few swapped words, replaced words and typos, and
curly instead of straight quotes (or the reverse). Each copy applies a random subset.

Gold: every record carries ``group``: the id of the original it was copied from (originals
carry their own id).

``synth_corpus`` builds a large corpus for speed tests: "base" articles of about 500 words made
of paragraphs drawn from many real articles, plus syndication copies of some of them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

CITIES = (
    "CHICAGO", "HOUSTON", "DENVER", "ATLANTA", "PHOENIX", "MIAMI", "SEATTLE", "BOSTON",
    "NEW ORLEANS", "ST. LOUIS", "MEMPHIS", "BALTIMORE", "CLEVELAND", "TAMPA, Fla.",
    "COLUMBUS, Ohio", "LITTLE ROCK, Ark.", "RALEIGH, N.C.", "OMAHA, Neb.",
)
AGENCIES = ("AP", "Reuters", "CNN", "WGN", "KSDK", "WKRN", "The Daily Ledger", "NewsWire")
DASHES = ("—", "-", "--", "–")
NAMES = (
    "Jordan Ellis", "Maria Santos", "Tom Becker", "Priya Raman", "Alex Novak", "Dana Whitfield",
    "Chris Ogden", "Lena Park", "Sam Delgado", "Rita Moreau",
)
OUTLETS = (
    "The Associated Press", "The Daily Ledger", "Metro News Network", "Channel 7 News",
    "Lakeside Media Group", "The Morning Courier", "Riverside Broadcasting",
)
NEWSLETTER = (
    "Sign up for our Breaking News newsletter to get the latest stories in your inbox.",
    "Get the day's top headlines delivered to your inbox every morning. Subscribe now.",
    "Want more local news? Download our free app and turn on alerts.",
    "Follow us on Facebook and Twitter for updates on this developing story.",
    "Never miss a story: sign up for our free daily email.",
)
HEADLINE_PREFIXES = ("UPDATE: ", "Police: ", "BREAKING: ", "Officials: ", "")
SUBSTITUTES = {
    "said": "says", "says": "said", "police": "officers", "officers": "police",
    "man": "male", "woman": "female", "shot": "wounded", "killed": "slain",
    "Monday": "Tuesday", "night": "evening", "early": "late", "home": "house",
}


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def word_count(text: str) -> int:
    return len(text.split())


# --- chrome ------------------------------------------------------------------------------


def _dateline(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)} ({rng.choice(AGENCIES)}) {rng.choice(DASHES)} "


def _credit(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    return rng.choice(
        (
            f"{name} contributed to this report.",
            f"Associated Press writer {name} in {rng.choice(CITIES).title()} contributed.",
            f"Story by {name}; editing by {rng.choice(NAMES)}.",
            f"Photo: {name} / {rng.choice(OUTLETS)}",
        )
    )


def _copyright(rng: random.Random, year: int) -> str:
    outlet = rng.choice(OUTLETS)
    return rng.choice(
        (
            f"Copyright {year} {outlet}. All rights reserved. This material may not be "
            "published, broadcast, rewritten or redistributed.",
            f"© {year} {outlet}. All rights reserved.",
            f"Copyright © {year} by {outlet}. Used with permission.",
        )
    )


def _headline(rng: random.Random, title: str | None, first_paragraph: str) -> str:
    words = (title or first_paragraph).split()[:12]
    if len(words) > 4 and rng.random() < 0.5:
        cut = rng.randint(4, len(words))
        words = words[:cut]
    return rng.choice(HEADLINE_PREFIXES) + " ".join(words)


# --- edits of the body ------------------------------------------------------------------


def _cut_last_paragraph(rng: random.Random, paras: list[str]) -> list[str]:
    """Drop the last paragraph, as an editor trims for space: only when at least three remain
    and the cut is at most a third of the words (a "copy" keeping a tenth of a story whose
    body is one long last paragraph would be an excerpt, not a copy)."""
    if len(paras) < 3 or 3 * word_count(paras[-1]) > sum(word_count(p) for p in paras):
        return paras
    return paras[:-1]


def _merge_paragraphs(rng: random.Random, paras: list[str]) -> list[str]:
    if len(paras) < 2:
        return paras
    i = rng.randrange(len(paras) - 1)
    return [*paras[:i], paras[i] + " " + paras[i + 1], *paras[i + 2 :]]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:  # transpose two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double a letter


def _edit_words(rng: random.Random, paras: list[str], edits: int) -> list[str]:
    """Apply ``edits`` word swaps, substitutions or typos at random places."""
    paras = list(paras)
    for _ in range(edits):
        p = rng.randrange(len(paras))
        words = paras[p].split(" ")
        if len(words) < 3:
            continue
        i = rng.randrange(len(words) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            words[i], words[i + 1] = words[i + 1], words[i]
        elif kind == 1 and words[i] in SUBSTITUTES:
            words[i] = SUBSTITUTES[words[i]]
        else:
            words[i] = _typo(rng, words[i]) if words[i] else words[i]
        paras[p] = " ".join(words)
    return paras


def _requote(rng: random.Random, text: str) -> str:
    """Straight quotes to curly ones, or curly ones to straight (and dashes alike)."""
    if rng.random() < 0.5:
        text = re.sub(r'"(\S)', "“\\1", text)
        text = text.replace('"', "”").replace("'", "’").replace(" - ", " — ")
        return text
    for curly, straight in (("“", '"'), ("”", '"'), ("’", "'"), ("‘", "'"), ("—", "--")):
        text = text.replace(curly, straight)
    return text


def make_copy(rng: random.Random, record: dict, copy_no: int) -> dict:
    """One syndication-style copy of ``record`` (a dict with at least id, text, title)."""
    paras = paragraphs(record["text"]) or [record["text"]]
    if rng.random() < 0.5:
        paras = _cut_last_paragraph(rng, paras)
    if rng.random() < 0.5:
        paras = _merge_paragraphs(rng, paras)
    if rng.random() < 0.7:
        paras = _edit_words(rng, paras, rng.randint(1, 4))
    if rng.random() < 0.6:
        paras[0] = _dateline(rng) + paras[0]
    date = _parse_date(record.get("date"))
    year = date.year if date else 2016
    headline = _headline(rng, record.get("title"), paras[0])
    head: list[str] = [headline] if rng.random() < 0.25 else []
    tail: list[str] = []
    if rng.random() < 0.5:
        tail.append(_credit(rng))
    if rng.random() < 0.5:
        tail.append(rng.choice(NEWSLETTER))
    if rng.random() < 0.5:
        tail.append(_copyright(rng, year))
    text = "\n\n".join(head + paras + tail)
    if rng.random() < 0.5:
        text = _requote(rng, text)
    if date is not None:
        date = date + dt.timedelta(days=rng.randint(0, 2))
    return {
        "id": f"{record['id']}~copy{copy_no}",
        "title": headline,
        "text": text,
        "date": date.isoformat() if date else None,
        "url": None,
        "source": rng.choice(OUTLETS),
        "group": record.get("group", record["id"]),
    }


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- data sets ----------------------------------------------------------------------------


def syndicate(
    records: Sequence[dict],
    *,
    fraction: float = 0.3,
    min_words: int = 50,
    max_copies: int = 4,
    seed: int = 0,
    junk: Collection[str] = (),
) -> list[dict]:
    """The originals (each with ``group`` = own id) plus 1..max_copies copies of a random
    ``fraction`` of the originals that have at least ``min_words`` words and whose id is not in
    ``junk`` (pages with no article text: outlets re-run articles, not paywall or notification
    pages; junk originals stay in the output, uncopied)."""
    rng = random.Random(seed)
    out = [{**r, "group": r["id"]} for r in records]
    eligible = [r for r in out if word_count(r["text"]) >= min_words and r["id"] not in junk]
    chosen = rng.sample(eligible, round(fraction * len(eligible)))
    for record in chosen:
        for copy_no in range(1, rng.randint(1, max_copies) + 1):
            out.append(make_copy(rng, record, copy_no))
    rng.shuffle(out)
    return out


def _paragraph_pool(records: Iterable[dict], min_words: int = 8) -> list[str]:
    return [p for r in records for p in paragraphs(r["text"]) if word_count(p) >= min_words]


def synth_corpus(
    records: Sequence[dict],
    n: int,
    *,
    copy_fraction: float = 0.2,
    target_words: int = 500,
    seed: int = 0,
) -> list[dict]:
    """``n`` documents of about ``target_words`` words: new "base" articles collaged from
    paragraphs of ``records`` and syndication copies of some bases (``copy_fraction`` of n).

    Bases share paragraphs with one another now and then (the pool is finite), which is what
    makes LSH produce candidates that verification has to reject.
    """
    rng = random.Random(seed)
    pool = _paragraph_pool(records)
    n_bases = n - round(copy_fraction * n)
    bases = [_collage(rng, pool, target_words, i) for i in range(n_bases)]
    out = list(bases)
    copy_no = 0
    while len(out) < n:
        copy_no += 1
        out.append(make_copy(rng, rng.choice(bases), copy_no))
    return out


def _collage(rng: random.Random, pool: Sequence[str], target_words: int, i: int) -> dict:
    chosen: list[str] = []
    words = 0
    while words < target_words:
        paragraph = rng.choice(pool)
        chosen.append(paragraph)
        words += word_count(paragraph)
    day = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(366))
    doc_id = f"synth-{i:07d}"
    return {
        "id": doc_id,
        "title": " ".join(chosen[0].split()[:8]),
        "text": "\n\n".join(chosen),
        "date": day.isoformat(),
        "url": None,
        "source": rng.choice(OUTLETS),
        "group": doc_id,
    }
