"""Read input files into raw Articles.

``load`` never raises for one bad input: every file or record becomes an Article or a Skipped
with a one-line reason. Cleaning (chrome removal, byline and date extraction) happens later.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dates import parse_date
from .decode import decode_bytes
from .discover import HTML_SUFFIXES, JSON_SUFFIXES, JSONL_SUFFIXES, InputFile, discover
from .models import Article, Skipped

logger = logging.getLogger(__name__)

Loaded = Article | Skipped

_HEADER_LINE = re.compile(r"^(title|date|source|url|author|byline|id)\s*:\s*(.*)$", re.IGNORECASE)
_TEXT_FIELDS = ("text", "body", "content")
_META_FIELDS = ("title", "date", "source", "url", "author", "byline")
#: Longer article texts are skipped: no news article is this long (a long read is ~0.2 MB), and
#: a 60 MB "article" would take minutes and gigabytes in dedup, clustering and summaries.
#: Files may still be larger (a JSONL feed of many articles): the cap is per article.
MAX_ARTICLE_CHARS = 2_000_000
_JSON_LINE_END = re.compile(r"\r\n|\r|\n")
# JSON strings may carry lone surrogates ("\ud800"), which no output encoding can write.
_SURROGATE = re.compile("[\ud800-\udfff]")


def load(paths: Iterable[Path], *, max_file_bytes: int) -> Iterator[Loaded]:
    """Yield an Article or a Skipped for every input found under ``paths``, in a stable order."""
    for item in discover(paths):
        if isinstance(item, Skipped):
            yield item
        else:
            yield from load_file(item, max_file_bytes=max_file_bytes)


def load_file(item: InputFile, *, max_file_bytes: int) -> Iterator[Loaded]:
    data = _read_input(item.path, max_file_bytes)
    if isinstance(data, str):
        yield Skipped(item.display, data)
        return

    decoded = decode_bytes(data)
    if decoded.text is None:
        yield Skipped(item.display, decoded.problem or "not text")
        return
    if decoded.encoding not in ("utf-8", "ascii"):
        logger.info("%s: decoded as %s", item.display, decoded.encoding)

    suffix = item.path.suffix.lower()
    parser: Callable[[InputFile, str], Iterator[Loaded]]
    if suffix in JSONL_SUFFIXES:
        parser = _parse_jsonl
    elif suffix in JSON_SUFFIXES:
        parser = _parse_json
    elif suffix in HTML_SUFFIXES:
        parser = _parse_html
    else:
        parser = _parse_text
    yield from parser(item, decoded.text)


def _read_input(path: Path, max_file_bytes: int) -> bytes | str:
    """The file's bytes, or why it cannot be read.

    The file may have changed since discovery: it may be gone, have become a FIFO (opening one
    for reading blocks until a writer comes, so it is opened non-blocking and checked after
    opening), or have grown past the limit (so at most one byte over the limit is read).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return "vanished during the run"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "no longer a regular file (now a folder, FIFO, socket or device): not read"
        with open(fd, "rb", closefd=False) as file:
            data = file.read(max_file_bytes + 1)
    except FileNotFoundError:
        return "vanished during the run"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)
    if len(data) > max_file_bytes:
        size = max(st.st_size, len(data))
        return (
            f"file is {size / 1e6:.1f} MB, over the {max_file_bytes / 1e6:g} MB limit "
            "(setting max_file_mb)"
        )
    return data


# --- plain text and Markdown -------------------------------------------------------------


def _parse_text(item: InputFile, text: str) -> Iterator[Loaded]:
    header, body = split_header(text)
    record: dict[str, Any] = {**header, "text": body}
    if item.path.suffix.lower() in (".md", ".markdown"):
        record = _markdown_title(record)
    yield _article_from_record(record, item, default_id=item.relative)


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split an optional ``Title:`` / ``Date:`` / ``Source:`` / ``URL:`` block off the body.

    The block must start on the first non-blank line and end at a blank line; a body that merely
    begins with "Date: ..." and has no blank line after its header-like lines is left alone.
    """
    lines = text.lstrip("\ufeff").splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    header: dict[str, str] = {}
    index = start
    while index < len(lines):
        match = _HEADER_LINE.match(lines[index].strip())
        if not match:
            break
        header[match.group(1).lower()] = match.group(2).strip()
        index += 1
    if not header or (index < len(lines) and lines[index].strip()):
        return {}, text
    return header, "\n".join(lines[index + 1 :])


def _markdown_title(record: dict[str, Any]) -> dict[str, Any]:
    """Use a leading ``# Heading`` as the title when the header gave none."""
    lines = record["text"].lstrip().splitlines()
    if lines and lines[0].startswith("# "):
        if not record.get("title"):
            record["title"] = lines[0][2:].strip()
        record["text"] = "\n".join(lines[1:])
    return record


# --- HTML --------------------------------------------------------------------------------


def _parse_html(item: InputFile, text: str) -> Iterator[Loaded]:
    from .html import extract_html  # lazy: trafilatura and lxml take a while to import

    extracted = extract_html(text)
    if extracted is None or not extracted.get("text", "").strip():
        yield Skipped(item.display, "HTML page with no article text")
        return
    yield _article_from_record(extracted, item, default_id=item.relative)


# --- JSON and JSON Lines -----------------------------------------------------------------


def _parse_json(item: InputFile, text: str) -> Iterator[Loaded]:
    data = _json_or_problem(text)
    if isinstance(data, _Problem):
        yield Skipped(item.display, f"malformed JSON: {data.reason}")
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        yield _record_or_skip(data, item, item.display, default_id=item.relative)
    elif isinstance(data, list):
        if not data:
            yield Skipped(item.display, "JSON list with no articles")
        for number, record in enumerate(data, start=1):
            where = f"{item.display}:{number}"
            yield _record_or_skip(record, item, where, default_id=f"{item.relative}:{number}")
    else:
        yield Skipped(item.display, f"JSON {type(data).__name__} is not an article object or list")


def _parse_jsonl(item: InputFile, text: str) -> Iterator[Loaded]:
    seen_any = False
    # Lines end at \n, \r\n or \r (none can occur raw inside a JSON string). Not at U+2028,
    # U+2029 or U+0085 as str.splitlines would: JSON strings may hold those unescaped.
    for number, line in enumerate(_JSON_LINE_END.split(text), start=1):
        if not line.strip():
            continue
        seen_any = True
        where = f"{item.display}:{number}"
        record = _json_or_problem(line)
        if isinstance(record, _Problem):
            yield Skipped(where, f"malformed JSON on line {number}: {record.reason}")
            continue
        yield _record_or_skip(record, item, where, default_id=f"{item.relative}:{number}")
    if not seen_any:
        yield Skipped(item.display, "empty file (no JSON lines)")


@dataclass(frozen=True, slots=True)
class _Problem:
    reason: str


def _json_or_problem(text: str) -> Any:
    """The parsed JSON value, or a _Problem: never an exception, whatever the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return _Problem(f"{exc.msg} (line {exc.lineno})")
    except RecursionError:  # [[[[... thousands deep: json recurses once per level
        return _Problem("nested too deeply")
    except ValueError as exc:  # an integer of over 4300 digits (int_max_str_digits)
        return _Problem(str(exc).split(";")[0])


def _record_or_skip(record: Any, item: InputFile, where: str, *, default_id: str) -> Loaded:
    if not isinstance(record, dict):
        return Skipped(where, f"JSON {type(record).__name__} is not an article object")
    text_field = next((f for f in _TEXT_FIELDS if f in record), None)
    if text_field is None:
        return Skipped(where, "article has no 'text' (or 'body' / 'content') field", _id(record))
    if not isinstance(record[text_field], str):
        kind = type(record[text_field]).__name__
        return Skipped(where, f"field '{text_field}' must be a string, got {kind}", _id(record))
    if not record[text_field].strip() and not _str_field(record, "title", where):
        return Skipped(where, "article with empty text and no title", _id(record))
    fields = {name: _str_field(record, name, where) for name in _META_FIELDS}
    fields["text"] = record[text_field]
    fields["extra"] = {
        key: value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for key, value in record.items()
        if key not in (*_TEXT_FIELDS, *_META_FIELDS, "id") and value is not None
    }
    return _article_from_record(fields, item, default_id=_id(record) or default_id, where=where)


def _id(record: dict[str, Any]) -> str | None:
    value = record.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return _printable(str(value).strip()) or None


def _str_field(record: dict[str, Any], name: str, where: str) -> str | None:
    """A metadata field as text; wrong types are dropped (logged), never fatal for the article."""
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    logger.warning(
        "%s: ignoring field %r: %s is not text", _printable(where), name, type(value).__name__
    )
    return None


# --- common ------------------------------------------------------------------------------


def _article_from_record(
    record: dict[str, Any], item: InputFile, *, default_id: str, where: str | None = None
) -> Loaded:
    text = _printable(record.get("text") or "")
    article_id = _printable(str(record.get("id") or default_id))
    if len(text) > MAX_ARTICLE_CHARS:
        return Skipped(
            where or item.display,
            f"article text is {len(text) / 1e6:.1f} million characters, over the "
            f"{MAX_ARTICLE_CHARS / 1e6:g} million an article may have",
            article_id,
        )
    date_text = record.get("date")
    return Article(
        id=article_id,
        text=text,
        path=where or item.display,
        title=_printable(record.get("title")) or None,
        date=parse_date(date_text) if date_text else None,
        source=_printable(record.get("source")) or None,
        url=_printable(record.get("url")) or None,
        byline=_printable(record.get("author") or record.get("byline")) or None,
        extra=tuple(
            sorted((_printable(k), _printable(v)) for k, v in record.get("extra", {}).items())
        ),
    )


def _printable(value: str | None) -> str | None:
    """``value`` with lone surrogates (only JSON escapes make them) replaced by U+FFFD."""
    if value and not value.isascii() and _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value
