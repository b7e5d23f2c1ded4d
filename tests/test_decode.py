import codecs

import pytest

from newsclust.decode import decode_bytes

TEXT = "Café owners in Zürich said the “new rules” would cost them — and soon.\n" * 5


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"],
)
def test_encodings_decode_to_the_same_text(data):
    decoded = decode_bytes(data)
    assert decoded.problem is None
    assert decoded.text.strip() == TEXT.strip()


def test_latin1_accents_survive():
    text = "La señora Müller visitó el café de la estación el lunes por la mañana.\n" * 3
    assert decode_bytes(text.encode("latin-1")).text.strip() == text.strip()


def test_truncated_utf8_keeps_the_whole_characters():
    data = "Çavuşoğlu arrived in Sochi on Tuesday".encode() + "ğ".encode()[:1]
    assert decode_bytes(data).text == "Çavuşoğlu arrived in Sochi on Tuesday"


def test_nul_bytes_inside_text_are_dropped():
    decoded = decode_bytes(b"The council met\x00 on Monday and voted to close the bridge.")
    assert decoded.text == "The council met on Monday and voted to close the bridge."


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        (b"\x7fELF\x02\x01\x01" + bytes(200), "executable"),
        (bytes((i * 37 + 11) % 256 for i in range(3000)), "binary"),
    ],
)
def test_non_text_is_refused_with_a_reason(data, words):
    decoded = decode_bytes(data)
    assert decoded.text is None
    assert words in decoded.problem
