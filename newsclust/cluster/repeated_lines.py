"""Chrome found by repetition: lines and title segments repeated across the corpus over time.

:mod:`newsclust.chrome` judges one line by what it says ("Sign up for our newsletter"); this
module finds the rest of a site's template by what no single line shows: the same line (or
title segment, such as "| KCBD NewsChannel 11") in many articles spread over many days.

An article is cut into *units*, the pieces the filter keeps or drops whole: its title segments
and its non-empty body lines. Each unit is recognised by its *keys* (:func:`_line_keys`, held
as 64-bit digests), and a key is chrome when :func:`_repeated_chrome` finds it in enough
documents over a long enough time.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

import numpy as np

from .days import _NO_DATE

# --------------------------------------------------------------------------- line keys

_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def _norm_line(line: str) -> str:
    return " ".join(line.lower().split()).translate(_DIGITS_TO_ZERO)


_SKELETON_WORD = re.compile(r"(?<![\w'’])[a-z][a-z'’]*")
#: Lines with at least this many lower-case words are also compared by those words alone.
SKELETON_WORDS = 8


def _line_keys(line: str) -> list[str]:
    """How a line is recognised when repeated: its folded text and, for long lines, its
    skeleton of lower-case words, which catches templates that differ only in names and
    numbers ("Whenever Jane Doe posts new content, you'll get an email ...").
    """
    keys = [_norm_line(line)]
    words = _SKELETON_WORD.findall(line)
    if len(words) >= SKELETON_WORDS:
        keys.append("~" + " ".join(words))
    return keys


_TITLE_SPLIT = re.compile(r"\s+[|–—:-]\s+|\s+::\s+")


def _title_segments(title: str | None) -> list[str]:
    return [s for s in _TITLE_SPLIT.split(title or "") if s.strip()]


def _key_hash(key: str) -> int:
    """A 64-bit digest of a line key. Line keys travel between processes and are counted over
    the whole corpus as digests: a fraction of the memory and pickling of the strings.
    (``hash()`` would be faster but is salted per interpreter.) Two keys share a digest with a
    probability of about 1e-12 per pair of distinct lines."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# --------------------------------------------------------------------------- units
# Module-level functions so that worker processes can run them (``jobs`` > 1).


def _units(title: str | None, text: str) -> tuple[list[str], list[str]]:
    """What the chrome filter keeps or drops whole: title segments, non-empty body lines."""
    return _title_segments(title), [line for line in text.splitlines() if line.strip()]


def _join_units(segments: list[str], lines: list[str]) -> str:
    """The text :func:`_strip_chrome` makes of the units it keeps."""
    head, body = " - ".join(segments), "\n".join(lines)
    return head + ".\n" + body if head else body


def _has_body(cleaned: str) -> bool:
    """Whether a text made by :func:`_join_units` kept any body line (not just the title):
    the head ends with ".\n", a kept body line never ends with a line break."""
    return bool(cleaned) and not cleaned.endswith("\n")


def _unit_starts(segments: list[str], lines: list[str]) -> list[int]:
    """Offset of each unit in ``_join_units(segments, lines)``."""
    starts, at = [], 0
    for segment in segments:
        starts.append(at)
        at += len(segment) + 3  # " - "
    at = at - 3 + 2 if segments else 0  # the head ends with ".\n"
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return starts


def _unit_keys(unit: str) -> tuple[int, ...]:
    """The keys (as :func:`_key_hash`) by which a title segment or line could be chrome."""
    return tuple(_key_hash(k) for k in _line_keys(unit))


class UnitKeys(NamedTuple):
    """The keys of one document's units, in unit order (title segments, then lines):
    ``keys[:per_unit[0]]`` are the first unit's, and so on. Made once per fit, in the pass
    that counts keys over the corpus, and used again to drop the units that are chrome."""

    keys: np.ndarray  # int64, as _key_hash
    per_unit: np.ndarray  # uint8: how many keys each unit has (1 or 2)

    @classmethod
    def of_units(cls, unit_keys: Iterable[tuple[int, ...]]) -> UnitKeys:
        unit_keys = list(unit_keys)
        return cls(np.fromiter(itertools.chain.from_iterable(unit_keys), dtype=np.int64),
                   np.fromiter(map(len, unit_keys), dtype=np.uint8, count=len(unit_keys)))


def _document_keys(doc: tuple[str | None, str]) -> UnitKeys:
    """The keys of each unit of one (title, text)."""
    segments, lines = _units(*doc)
    return UnitKeys.of_units(_unit_keys(unit) for unit in segments + lines)


def _strip_chrome(title: str | None, text: str, dropped: Collection[int]) -> str:
    """The text of the units that are kept (all but the positions in ``dropped``), joined:
    "title.\nbody"."""
    segments, lines = _units(title, text)
    if dropped:
        drop, k = set(dropped), len(segments)
        segments = [u for i, u in enumerate(segments) if i not in drop]
        lines = [u for i, u in enumerate(lines, start=k) if i not in drop]
    return _join_units(segments, lines)


# --------------------------------------------------------------------------- over the corpus


def _repeated_chrome(docs: Sequence[np.ndarray], days: np.ndarray, min_docs: int,
                     min_span: int) -> frozenset[int]:
    """Keys occurring in >= min_docs documents spread over more than min_span days.

    ``docs`` holds each document's keys (a key repeated within a document counts once).
    Without dates, syndication cannot be told from chrome by time, so a key is chrome when it
    occurs in twice as many documents: the few copies of one report that survive
    deduplication stay content, a site's template (repeated on every page) does not.
    """
    if not docs:
        return frozenset()
    keys = np.concatenate(docs)
    owner = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    if not len(keys):
        return frozenset()
    # The stable sort leaves each key's owners in document order: a repeat within a document
    # is next to its first occurrence.
    once = np.r_[True, (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])]
    keys, owner = keys[once], owner[once]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    n_docs = np.diff(np.r_[starts, len(keys)])
    day = days[owner].astype(np.float64)
    dated = day != _NO_DATE
    first = np.minimum.reduceat(np.where(dated, day, np.inf), starts)
    last = np.maximum.reduceat(np.where(dated, day, -np.inf), starts)
    spread = np.isfinite(first) & (last - first > min_span)
    chrome = (n_docs >= min_docs) & (spread | (n_docs >= 2 * min_docs))
    return frozenset(keys[starts[chrome]].tolist())


def _chrome_units(keys: Sequence[UnitKeys], chrome: frozenset[int]) -> list[tuple[int, ...]]:
    """For each document, the positions of its units that are chrome (any of their keys is),
    from the keys counted for :func:`_repeated_chrome`: no key is computed twice."""
    dropped: list[tuple[int, ...]] = [() for _ in keys]
    if not chrome or not keys:
        return dropped
    flat = np.concatenate([k.keys for k in keys])
    per_unit = np.concatenate([k.per_unit for k in keys])
    unit_of_key = np.repeat(np.arange(len(per_unit)), per_unit)
    hit = np.isin(flat, np.fromiter(chrome, dtype=np.int64, count=len(chrome)))
    chrome_unit = np.zeros(len(per_unit), dtype=bool)
    chrome_unit[unit_of_key[hit]] = True
    first_unit = np.cumsum([0] + [len(k.per_unit) for k in keys])
    units = np.flatnonzero(chrome_unit)
    owners = np.searchsorted(first_unit, units, side="right") - 1
    docs, starts = np.unique(owners, return_index=True)
    for doc, positions in zip(docs.tolist(), np.split(units - first_unit[owners], starts[1:]),
                              strict=True):
        dropped[doc] = tuple(positions.tolist())
    return dropped
