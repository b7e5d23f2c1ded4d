"""Property tests: whatever bytes or text arrive, the input side answers, it never raises.

Hypothesis throws arbitrary and half-structured input (random bytes behind real byte-order
marks and magic numbers, JSON of any shape, broken HTML) at each layer that meets the outside
world: decoding, each file format's parser, cleaning, dates and shingling. The promises are
the product's: every input becomes an Article or a Skipped with a one-line reason, every
JSON item and JSONL line is accounted for once, and everything can be printed.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclust.clean import clean_article, clean_corpus, normalise_text
from newsclust.dates import find_date, parse_date
from newsclust.decode import decode_bytes
from newsclust.html import extract_html
from newsclust.load import MAX_ARTICLE_CHARS, load, split_header
from newsclust.models import Article, Skipped
from newsclust.shingle import fold_text, shingle_batch, tokenize

# A quick pass by default; FUZZ_EXAMPLES=5000 for a long hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

EXTENSIONS = [".txt", ".md", ".html", ".json", ".jsonl"]

# Prefixes that steer the decoder down each of its paths: byte-order marks, magic numbers.
PREFIXES = [
    b"",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    b"\x7fELF",
    b"MZ",
    b"%PDF",
    b"<html><body><p>",
    b'{"text": "',
    b'[{"text": "',
]

SENTENCE = "The council voted on Monday to close the old river bridge after engineers found cracks."

any_bytes = st.binary(max_size=4096)
steered_bytes = st.builds(lambda p, b: p + b, st.sampled_from(PREFIXES), any_bytes)
# Text in every script, and the characters that cause trouble: controls, invisible
# characters, line separators, surrogate escapes as JSON writes them.
awkward_text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("\x00\x85\u2028\u2029\u200b\u202e\ufeff\r\n\t\x0c«»“”—"),
    ),
    max_size=600,
)
# JSON can carry what UTF-8 cannot: lone surrogates, written as "\ud800" escapes.
surrogate_text = st.text(st.characters(categories=["Cs"]) | st.just("a"), max_size=5)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | awkward_text | surrogate_text,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(["id", "text", "title", "date", "body", "x"]), children)
    ),
    max_leaves=20,
)
# Records shaped like articles, with every field possibly of the wrong type.
records = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "text": st.one_of(awkward_text, st.just(SENTENCE), json_values),
        "title": json_values,
        "date": st.one_of(awkward_text, st.sampled_from(["2020-12-29", "Dec 29,2020"])),
        "source": json_values,
        "label": json_values,
    },
)


def printable(value: str | None) -> bool:
    if value is not None:
        value.encode("utf-8")  # raises on lone surrogates, which no output can write
    return True


def check_loaded(items: list, path: Path) -> None:
    """The promises ``load`` makes for any input."""
    for item in items:
        assert isinstance(item, Article | Skipped)
        assert item.path == str(path) or item.path.startswith(f"{path}:")
        assert printable(item.path) and printable(item.id)
        if isinstance(item, Skipped):
            assert item.reason and "\n" not in item.reason
        else:
            assert len(item.text) <= MAX_ARTICLE_CHARS
            for value in (item.text, item.title, item.source, item.url, item.byline):
                assert printable(value)


def load_one(folder: Path, name: str, data: bytes) -> list:
    path = folder / name
    path.write_bytes(data)
    items = list(load([path], max_file_bytes=1_000_000))
    check_loaded(items, path)
    return items


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- bytes → text ---------------------------------------------------------------------------


@FUZZ
@given(data=steered_bytes)
def test_decode_any_bytes_gives_text_or_a_reason(data):
    decoded = decode_bytes(data)
    assert (decoded.text is None) != (decoded.problem is None)
    if decoded.text is not None:
        assert "\x00" not in decoded.text and decoded.text.strip()
        assert printable(decoded.text)
    else:
        assert "\n" not in decoded.problem


@FUZZ
@given(text=awkward_text, encoding=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]))
def test_decode_round_trips_real_text(text, encoding):
    # Whatever the decoder makes of real text, it never raises; UTF-8 without NULs comes back
    # unchanged. (With NULs between characters, UTF-8 can look like UTF-16, and be read so.)
    decoded = decode_bytes(text.encode(encoding, "surrogatepass"))
    if encoding == "utf-8" and "\x00" not in text and decoded.text is not None:
        assert decoded.text == text


# --- each file format ---------------------------------------------------------------------


@FUZZ
@given(extension=st.sampled_from(EXTENSIONS), data=steered_bytes)
def test_load_any_bytes_in_any_format(folder, extension, data):
    load_one(folder, f"input{extension}", data)


@FUZZ
@given(value=json_values, ascii_only=st.booleans())
def test_load_any_json_value(folder, value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    items = load_one(folder, "input.json", text.encode("utf-8", "surrogatepass"))
    whole_file_refused = len(items) == 1 and items[0].path == str(folder / "input.json")
    if isinstance(value, list) and value and not whole_file_refused:
        # Every item of a list is accounted for, once, by its position.
        assert [item.path.rsplit(":", 1)[1] for item in items] == [
            str(n) for n in range(1, len(value) + 1)
        ]


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            records.map(lambda r: json.dumps(r, ensure_ascii=False)),
            awkward_text.filter(lambda line: "\n" not in line),
        ),
        max_size=12,
    )
)
def test_load_jsonl_accounts_for_every_line(folder, lines):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    items = load_one(folder, "input.jsonl", data)
    numbered = [item for item in items if item.path.rpartition(":")[2].isdigit()]
    decoded = decode_bytes(data)
    if decoded.text is not None and decoded.encoding == "utf-8":
        # One result for every line that is not blank, in order, each named by its number.
        # Lines end at \n, \r\n or \r, never at U+2028, U+2029 or U+0085 (legal in JSON).
        lines = re.split(r"\r\n|\r|\n", decoded.text)
        expected = [n for n, line in enumerate(lines, 1) if line.strip()]
        assert [int(item.path.rpartition(":")[2]) for item in numbered] == expected


@FUZZ
@given(record=records)
def test_load_article_shaped_records(folder, record):
    [item] = load_one(folder, "input.json", json.dumps(record).encode())
    if isinstance(record.get("text"), str) and record["text"].strip():
        assert isinstance(item, Article)


@FUZZ
@given(
    html=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "<p>",
                    "</p>",
                    "<div>",
                    "</div>",
                    "<script>",
                    "</script>",
                    "<nav>",
                    "<br>",
                    "<title>",
                    "</title>",
                    "<!--",
                    "-->",
                    "<![CDATA[",
                    "&amp;",
                    "&#0;",
                    "&#xD800;",
                    "<p class='cookie'>",
                    "</",
                    "<",
                    ">",
                    SENTENCE,
                ]
            ),
            awkward_text,
        ),
        max_size=30,
    ).map("".join)
)
def test_extract_html_any_markup(html):
    record = extract_html(html)
    assert record is None or all(isinstance(v, str) for v in record.values())


@FUZZ
@given(text=awkward_text)
def test_split_header_any_text(text):
    header, body = split_header(text)
    assert isinstance(header, dict) and isinstance(body, str)


# --- cleaning -----------------------------------------------------------------------------


@FUZZ
@given(text=awkward_text, title=st.none() | awkward_text)
def test_clean_any_text_gives_an_article_or_a_reason(text, title):
    article = Article(id="a", text=text, path="a.txt", title=title)
    result = clean_article(article)
    assert isinstance(result, Article | Skipped)
    if isinstance(result, Skipped):
        assert result.reason and "\n" not in result.reason and result.path == "a.txt"
    else:
        assert not any(ch in result.text for ch in "\u200b\u202e\ufeff")


@FUZZ
@given(texts=st.lists(st.one_of(awkward_text, st.just(SENTENCE)), max_size=8))
def test_clean_corpus_keeps_one_result_per_article(texts):
    articles = [Article(id=str(n), text=t, path=f"{n}.txt") for n, t in enumerate(texts)]
    results = clean_corpus(articles)
    assert [r.id for r in results] == [a.id for a in articles]


@FUZZ
@given(text=awkward_text)
def test_normalise_text_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@FUZZ
@given(text=awkward_text)
def test_dates_any_text(text):
    for found in (find_date(text), parse_date(text)):
        assert found is None or 1900 <= found.year < 2100


# --- shingling ----------------------------------------------------------------------------


@FUZZ
@given(texts=st.lists(awkward_text, min_size=1, max_size=6), k=st.integers(1, 6))
def test_shingling_any_text(texts, k):
    batch = shingle_batch(texts, k)
    assert len(batch.offsets) == len(texts) + 1
    assert list(batch.token_counts) == [len(tokenize(t)) for t in texts]
    assert all(isinstance(fold_text(text), str) for text in texts)


def test_shingling_an_empty_batch():
    # shingle_batch([]) once returned one token count for no documents.
    batch = shingle_batch([], 3)
    assert len(batch.offsets) == 1 and len(batch.token_counts) == 0
