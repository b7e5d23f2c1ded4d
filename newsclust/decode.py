"""Bytes → text, with the encoding detected and binary data refused.

The rule is "never silently mangled": we decode only when we know the encoding (a BOM, valid
UTF-8, a UTF-16 byte pattern, or charset-normalizer's confident guess); otherwise the input is
skipped with a reason instead of being turned into mojibake.
"""

from __future__ import annotations

import codecs
import re
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
# Every byte but those: deleting them from a text's UTF-8 leaves its control characters alone
# (bytes under 0x80 never occur inside a multi-byte UTF-8 sequence).
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_SNIFF = 8192
# CJK punctuation, kana, CJK ideographs (and extension A), Hangul, full-width forms.
_EAST_ASIAN = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str | None
    encoding: str | None = None
    #: Why ``text`` is None: a one-line reason for the skipped list.
    problem: str | None = None


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text with mostly ASCII characters has a NUL in every other byte.

    So has text in an alphabet of one 256-character block (Cyrillic, Greek, Hebrew, Arabic):
    its high bytes are that block's number for letters and NUL for spaces, digits and
    punctuation. (Chinese, Japanese and Korean: see ``_east_asian_utf16``.)
    """
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 16:  # b"0\x00\xc2\x80" is UTF-8 "0", NUL, U+0080: too short to tell
        return None
    if b"\x00" not in sample:
        return None  # both tests below need NULs (a quick answer for nearly every file)
    units = len(sample) / 2
    for encoding, high, low in (
        ("utf-16-le", sample[1::2], sample[0::2]),
        ("utf-16-be", sample[0::2], sample[1::2]),
    ):
        if low.count(0) / units >= 0.05:
            continue
        nuls = high.count(0)
        if nuls / units > 0.4:
            return encoding
        if nuls / units >= 0.05:
            block = max(high.replace(b"\x00", b"").count(bytes([b])) for b in set(high) - {0})
            if (nuls + block) / units >= 0.95:
                return encoding
    return None


def _east_asian_utf16(sample: bytes) -> str | None:
    """UTF-16 (no byte-order mark) of Chinese, Japanese or Korean: nearly every character
    decodes to East Asian script, ASCII or a space. Only asked once UTF-8 has failed, since
    pairs of ASCII letters read as UTF-16 are CJK ideographs too ("Bush hid the facts")."""
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 32:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:  # random bytes hold lone surrogates: not UTF-16
            continue
        east_asian = len(_EAST_ASIAN.findall(text))
        plain = sum(1 for ch in text if " " <= ch <= "~" or ch in "\n\r\t")
        # Bytes of the other byte order, or of a binary file, give ~30% of such characters.
        if east_asian >= 0.3 * len(text) and east_asian + plain >= 0.9 * len(text):
            return encoding
    return None


def _looks_binary(text_sample: str) -> bool:
    if not text_sample:
        return False
    controls = len(text_sample.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL))
    return controls / len(text_sample) > 0.02


def _decode_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A file cut in the middle of its last character is still good text: keep what is whole.
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return _decode_utf8(data[: exc.start])
        return None


def _stray_as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    stray = exc.object[exc.start : exc.end]
    return "".join(_cp1252_char(b) for b in stray), exc.end


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return bytes([byte]).decode("latin-1")


codecs.register_error("newsclust-stray-cp1252", _stray_as_cp1252)


def _utf8_with_strays(data: bytes) -> str | None:
    """UTF-8 with a few bytes of another encoding in it (a Latin-1 line pasted into UTF-8, a
    file cut and appended to): those bytes are read as cp1252, the rest as UTF-8.

    Only when the UTF-8 characters outnumber the strays; otherwise the whole file decoded
    as one code page would turn every UTF-8 "é" into "Ã©", which is what this prevents.
    """
    replaced = data.decode("utf-8", "replace")
    strays = replaced.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = len(replaced) - len(replaced.encode("ascii", "ignore")) - strays
    if multibyte <= strays:
        return None
    return data.decode("utf-8", "newsclust-stray-cp1252")


def decode_bytes(data: bytes) -> Decoded:
    """Decode an input file's bytes, or say why it is not text."""
    if not data.strip():
        return Decoded(None, problem="empty file")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return Decoded(None, problem=f"binary file ({kind}), not text")

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if encoding == "utf-8":
                text = _decode_utf8(body)
                if text is None:
                    text = _utf8_with_strays(body)
                if text is None:
                    return Decoded(None, problem="invalid utf-8 after its byte-order mark")
                return _checked(text, encoding)
            try:
                return _checked(_whole_units(body, encoding).decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                return Decoded(None, problem=f"invalid {encoding} after its byte-order mark: {exc}")

    # Before UTF-8: UTF-16 of ASCII or Cyrillic is valid UTF-8 too, full of NULs and controls.
    utf16 = utf16_without_bom(data[:_SNIFF])
    if utf16:
        try:
            return _checked(_whole_units(data, utf16).decode(utf16), utf16)
        except UnicodeDecodeError:
            pass

    text = _decode_utf8(data)
    if text is not None:
        return _checked(text, "utf-8")

    utf16 = _east_asian_utf16(data[:_SNIFF])
    if utf16:
        try:
            return _checked(_whole_units(data, utf16).decode(utf16), utf16)
        except UnicodeDecodeError:
            pass

    text = _utf8_with_strays(data)
    if text is not None:
        return _checked(text, "utf-8")

    if data[:_SNIFF].count(0) > 0:
        return Decoded(None, problem="binary file (contains NUL bytes), not text")
    encoding = _guess_code_page(data[: 1 << 20])
    if encoding is None:
        return Decoded(None, problem="unknown text encoding (not UTF-8, UTF-16 or a code page)")
    try:
        return _checked(data.decode(encoding), encoding)
    except (UnicodeDecodeError, LookupError):
        return Decoded(None, problem=f"text does not decode as its guessed encoding {encoding}")


def _whole_units(data: bytes, encoding: str) -> bytes:
    """Drop a last character cut in half (a truncated UTF-16 or UTF-32 file)."""
    unit = 4 if "32" in encoding else 2
    return data[: len(data) - len(data) % unit]


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
