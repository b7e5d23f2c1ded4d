"""Bytes → text, with the encoding detected and binary data refused.

The rule is "never silently mangled": we decode only when we know the encoding (a BOM, valid
UTF-8, a UTF-16 byte pattern, or charset-normalizer's confident guess); otherwise the input is
skipped with a reason instead of being turned into mojibake.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Magic numbers of formats people drop into article folders by mistake.
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x7fELF", "executable (ELF)"),
    (b"MZ", "executable (Windows)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"SQLite format 3\x00", "SQLite database"),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters that never occur in real text (tab, newlines and form feed excluded).
_CONTROL = {c for c in range(32) if c not in (9, 10, 12, 13)} | {127}
_SNIFF = 8192
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str | None
    encoding: str | None = None
    #: Why ``text`` is None: a one-line reason for the skipped list.
    problem: str | None = None


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text with mostly ASCII characters has a NUL in every other byte."""
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _looks_binary(text_sample: str) -> bool:
    if not text_sample:
        return False
    controls = sum(1 for ch in text_sample if ord(ch) in _CONTROL)
    return controls / len(text_sample) > 0.02


def _decode_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A file cut in the middle of its last character is still good text: keep what is whole.
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")
        return None


def decode_bytes(data: bytes) -> Decoded:
    """Decode an input file's bytes, or say why it is not text."""
    if not data.strip():
        return Decoded(None, problem="empty file")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return Decoded(None, problem=f"binary file ({kind}), not text")

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                return Decoded(None, problem=f"invalid {encoding} after its byte-order mark: {exc}")

    text = _decode_utf8(data)
    if text is not None:
        return _checked(text, "utf-8")

    utf16 = _utf16_without_bom(data[:_SNIFF])
    if utf16:
        try:
            return _checked(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass

    if data[:_SNIFF].count(0) > 0:
        return Decoded(None, problem="binary file (contains NUL bytes), not text")
    encoding = _guess_code_page(data[: 1 << 20])
    if encoding is None:
        return Decoded(None, problem="unknown text encoding (not UTF-8, UTF-16 or a code page)")
    try:
        return _checked(data.decode(encoding), encoding)
    except (UnicodeDecodeError, LookupError):
        return Decoded(None, problem=f"text does not decode as its guessed encoding {encoding}")


def _guess_code_page(sample: bytes) -> str | None:
    """charset-normalizer's guess, preferring Western European code pages on a tie.

    Latin-1 and cp1252 bytes of Western text decode equally well as cp1250 or iso8859-10, and
    charset-normalizer then picks one of those tied candidates; for news in Western languages
    cp1252 is by far the likelier, so it wins ties (Cyrillic or Greek text has no such tie).
    """
    matches = list(from_bytes(sample))
    if not matches:
        return None
    best = matches[0]
    tied = {
        m.encoding
        for m in matches
        if m.chaos <= best.chaos + 1e-9 and m.coherence >= best.coherence - 0.01
    }
    for preferred in _WESTERN:
        if preferred in tied:
            return preferred
    return best.encoding


def _checked(text: str, encoding: str) -> Decoded:
    # Stray NULs inside otherwise good text (a known export bug) are dropped, not fatal.
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _looks_binary(text[:_SNIFF]):
        return Decoded(None, problem="binary data (control characters), not text")
    if not text.strip():
        return Decoded(None, problem="empty file (only whitespace)")
    return Decoded(text, encoding)
