"""Word tokens, word shingles and MinHash signatures, vectorised over many documents at once.

Near-duplicate detection spends nearly all of its time here, so this module avoids creating one
Python object per word: a batch of documents is folded to a canonical form, encoded to UTF-8 and
joined into one byte array, and everything after that is numpy over the whole batch:

1. token boundaries come from a byte lookup table (word bytes vs separators);
2. each token is hashed from its first 24 bytes (read as three little-endian uint64 words,
   masked to the token's length) and its length, mixed with the MurmurHash3 finaliser; two
   tokens longer than 24 bytes that agree on their first 24 bytes and length hash alike, which
   for words is harmless (and a shingle needs four words to agree);
3. a shingle of ``k`` consecutive tokens of one document is a polynomial of their hashes,
   avalanched again and cut to 32 bits (the input width of datasketch's ``affine32`` scheme);
4. MinHash applies datasketch's ``affine32`` permutations ``a * fmix32(h) + b (mod 2**32)`` one
   permutation at a time over all shingles of the batch and takes per-document minima with
   ``np.minimum.reduceat``. One permutation at a time keeps the temporaries in cache (a
   shingles x permutations matrix is ten times slower here).
5. Shingles stay in text order, repeats included; only documents that must be compared exactly
   (LSH candidates) get sorted sets, in newsclust.dedup: sorting every document's shingles was
   the largest single cost of fingerprinting.

The signatures are bit-for-bit what ``datasketch.MinHash(num_perm, seed).update_batch(hashes)``
gives with an identity ``hashfunc`` on the same 32-bit shingle hashes (tests check this), so they
can go into ``datasketch.MinHashLSH`` or be compared with ``MinHash.jaccard``.

What counts as a word: after NFKC, case folding and mapping typographic quotes and dashes to
ASCII, a word is a maximal run of ``\\w`` characters (letters, digits, underscore, in any
script). Punctuation and whitespace only separate words, so curly vs straight quotes, dashes and
re-wrapped lines do not change the tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_U32 = np.uint32
_U64 = np.uint64

#: Characters that are common in news text and are not word characters. Replacing them with
#: ASCII first keeps most documents on the fast ASCII path (``str.replace`` is ~10x faster than a
#: regular expression over the whole text).
_TYPOGRAPHY = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u2014", "-"),
    ("\u2013", "-"),
    ("\u00a0", " "),
    ("\u2026", "..."),
    ("\u00a9", " "),  # ©
    ("\u2022", " "),  # •
    ("\u00d7", " "),  # ×
    ("\u200b", " "),  # zero-width space
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

#: Bytes that belong to words after folding: ASCII letters, digits, underscore, and every
#: byte of a multi-byte UTF-8 sequence (non-ASCII separators were replaced by spaces).
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _WORD_BYTE[_c] = True
_WORD_BYTE[0x80:] = True

_SHINGLE_BASE = _U64(0x9E3779B97F4A7C15)  # odd; golden-ratio constant
_WORD_KEYS = (_U64(0x87C37B91114253D5), _U64(0x4CF5AD432745937F), _U64(0x52DCE729DA3ED7B5))
_SEQUENCE_SALT = _U64(0x8CB92BA72F3D8DD7)
#: MASKS[n] keeps the low n bytes of a little-endian uint64.
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=_U64)
_TOKEN_BYTES = 24  # bytes of a token that its hash reads
#: Documents are joined with this byte; it is a separator, so no token spans two documents.
_DOC_SEPARATOR = b"\n"


def fold_text(text: str) -> str:
    """Return ``text`` in the canonical form that tokens are read from.

    NFKC, case folding, typographic quotes and dashes mapped to ASCII, and every non-ASCII
    character that is not a word character replaced by a space.
    """
    for old, new in _TYPOGRAPHY:
        if old in text:
            text = text.replace(old, new)
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    # Non-ASCII characters that are not word characters (``\w``) separate words. A plain range
    # pattern with a callback is 2x faster than a ``[^\x00-\x7f\w]`` class over the whole text.
    return _NON_ASCII.sub(_keep_word_characters, text.casefold())


def _keep_word_characters(match: re.Match) -> str:
    return "".join(ch if ch.isalnum() else " " for ch in match.group())


def tokenize(text: str) -> list[str]:
    """The words of ``text`` as the vectorised code sees them (for tests and debugging)."""
    return re.findall(r"\w+", fold_text(text))


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (the pre-mix of datasketch's ``affine32`` scheme)."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit."""
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


@dataclass(frozen=True, slots=True)
class ShingleBatch:
    """Shingles of a batch of documents, in CSR layout.

    ``shingles[offsets[i]:offsets[i + 1]]`` are the 32-bit shingle hashes of document ``i`` in
    text order, repeats included.
    ``token_counts[i]`` is its number of words; ``exact[i]`` a 64-bit hash of its word
    sequence (equal word sequences, equal hashes; compare ``token_counts`` too).
    """

    shingles: np.ndarray  # uint32
    offsets: np.ndarray  # int64, len n + 1
    token_counts: np.ndarray  # int64
    exact: np.ndarray  # uint64

    def __len__(self) -> int:
        return len(self.token_counts)

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def of(self, i: int) -> np.ndarray:
        return self.shingles[self.offsets[i] : self.offsets[i + 1]]


_WORD_TABLE = bytes(_WORD_BYTE.astype(np.uint8))  # for bytes.translate: word byte -> 1, else 0


def _token_spans(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of every maximal run of word bytes."""
    is_word = np.frombuffer(raw.translate(_WORD_TABLE), dtype=np.int8)  # C speed, no LUT gather
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if len(is_word) and is_word[0]:
        edges = np.concatenate(([0], edges))
    if len(is_word) and is_word[-1]:
        edges = np.concatenate((edges, [len(is_word)]))
    return edges[0::2], edges[1::2]  # runs open and close alternately


def _token_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token from its first 24 bytes and its length."""
    padded = np.concatenate([data, np.zeros(_TOKEN_BYTES, dtype=np.uint8)])
    # Every byte offset as the start of a little-endian uint64 (an unaligned, overlapping view).
    words = np.ndarray(shape=(len(data) + 16,), dtype="<u8", buffer=padded, strides=(1,))
    length = (ends - starts).astype(np.int64)
    first = words[starts] & _MASKS[np.minimum(length, 8)]
    mixed = fmix64(length.astype(_U64) ^ (first * _WORD_KEYS[0]))
    longer = np.flatnonzero(length > 8)  # most words fit in 8 bytes: mix the rest only for these
    for i, key in enumerate(_WORD_KEYS[1:], start=1):
        part = words[starts[longer] + 8 * i] & _MASKS[np.clip(length[longer] - 8 * i, 0, 8)]
        mixed[longer] = fmix64(mixed[longer] ^ (part * key))
    return mixed


def _sequence_hashes(
    token_hashes: np.ndarray, token_doc: np.ndarray, token_counts: np.ndarray
) -> np.ndarray:
    """A 64-bit hash of each document's word sequence: a sum of position-salted token hashes."""
    out = np.zeros(len(token_counts), dtype=_U64)
    if len(token_hashes) == 0:
        return out
    first = np.concatenate(([0], np.cumsum(token_counts)[:-1]))
    position = (np.arange(len(token_hashes)) - first[token_doc]).astype(_U64)
    mixed = fmix64(token_hashes ^ (position * _SEQUENCE_SALT))
    nonempty = token_counts > 0
    out[nonempty] = np.add.reduceat(mixed, first[nonempty])
    return out


def _combine(token_hashes: np.ndarray, start: int, length: int, count: int) -> np.ndarray:
    """Polynomial combination of ``length`` consecutive token hashes, for ``count`` windows."""
    acc = token_hashes[start : start + count].copy()
    for t in range(1, length):
        acc *= _SHINGLE_BASE
        acc += token_hashes[start + t : start + t + count]
    return acc


def _shingle_hashes(
    token_hashes: np.ndarray, token_doc: np.ndarray, token_counts: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of all k-word shingles, and the document of each.

    A document with fewer than ``k`` words (but at least one) gets a single shingle of all its
    words, so a short text still has a fingerprint.
    """
    n_windows = len(token_hashes) - k + 1
    if n_windows > 0:
        values = _combine(token_hashes, 0, k, n_windows)
        inside = token_doc[:n_windows] == token_doc[k - 1 :]  # window within one document
        values, docs = values[inside], token_doc[:n_windows][inside]
    else:
        values, docs = np.empty(0, _U64), np.empty(0, np.int64)
    short = np.flatnonzero((token_counts > 0) & (token_counts < k))
    if len(short):
        first = np.concatenate(([0], np.cumsum(token_counts)[:-1]))
        extra = [_combine(token_hashes, first[d], token_counts[d], 1) for d in short]
        values = np.concatenate([values, *extra])
        docs = np.concatenate([docs, short])
    return (fmix64(values) >> _U64(32)).astype(_U32), docs


def _csr(values: np.ndarray, docs: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Group shingles by document (stable, so each document keeps text order)."""
    order = np.argsort(docs, kind="stable")
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=n_docs), out=offsets[1:])
    return values[order], offsets


def shingle_batch(texts: Sequence[str], k: int) -> ShingleBatch:
    """Tokenise ``texts`` once and return their shingles and word-sequence hashes."""
    encoded = [fold_text(t).encode("utf-8") for t in texts]
    n = len(encoded)
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return ShingleBatch(np.empty(0, _U32), np.zeros(1, np.int64), empty, empty.astype(_U64))
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=n)
    doc_starts = np.concatenate(([0], np.cumsum(lengths + len(_DOC_SEPARATOR))[:-1]))
    raw = _DOC_SEPARATOR.join(encoded)
    data = np.frombuffer(raw, dtype=np.uint8)
    starts, ends = _token_spans(raw)
    # n searches among the tokens rather than one per token among the documents
    first_token = np.searchsorted(starts, doc_starts)
    token_counts = np.diff(np.append(first_token, len(starts))).astype(np.int64)
    token_doc = np.repeat(np.arange(n), token_counts)
    hashes = _token_hashes(data, starts, ends)
    values, docs = _shingle_hashes(hashes, token_doc, token_counts, k)
    if len(docs) and np.any(docs[1:] < docs[:-1]):  # short documents were appended at the end
        values, offsets = _csr(values, docs, n)
    else:
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs, minlength=n), out=offsets[1:])
    exact = _sequence_hashes(hashes, token_doc, token_counts)
    return ShingleBatch(values, offsets, token_counts, exact)


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``.

    Generated exactly as ``datasketch.MinHash._init_permutations`` does, without building a
    MinHash; tests compare them with ``MinHash(num_perm, seed, scheme='affine32').permutations``.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    return a, b


EMPTY_HASH = np.iinfo(np.uint32).max  # datasketch's value for "no element seen"


def minhash_signatures(
    shingles: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """MinHash signatures (n x num_perm, uint32) of the CSR shingle sets.

    Rows of empty documents are all ``EMPTY_HASH``, as for an empty datasketch MinHash.
    """
    n = len(offsets) - 1
    signatures = np.full((n, len(a)), EMPTY_HASH, dtype=_U32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if len(nonempty) == 0:
        return signatures
    premixed = fmix32(shingles)
    starts = offsets[nonempty]
    permuted = np.empty_like(premixed)
    for k in range(len(a)):
        np.multiply(premixed, a[k], out=permuted)
        permuted += b[k]
        signatures[nonempty, k] = np.minimum.reduceat(permuted, starts)
    return signatures
