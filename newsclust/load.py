"""Read input files into raw Articles.

``load`` never raises for one bad input: every file or record becomes an Article or a Skipped
with a one-line reason. Cleaning (chrome removal, byline and date extraction) happens later.
"""

from __future__ import annotations

import codecs
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
from .decode import decode_bytes, utf16_without_bom
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
        # Ask for what the file holds, not for the limit: read(n) sets n bytes aside first,
        # which fails for a limit raised far above the memory (NEWSCLUST_MAX_FILE_MB=1e6).
        data = _read_fd(fd, min(max_file_bytes, st.st_size) + 1)
        if st.st_size < len(data) <= max_file_bytes:  # it grew since fstat
            data += _read_fd(fd, max_file_bytes + 1 - len(data))
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


def _read_fd(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes (fewer at the end of the file), in reads of at most 16 MB. Plain
    os.read: a file object around the descriptor costs more than reading a news article."""
    parts = []
    while size > 0:
        part = os.read(fd, min(size, 1 << 24))
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


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


def _parse_jsonl(
    item: InputFile, text: str, *, first_line: int = 1, whole_file: bool = True
) -> Iterator[Loaded]:
    seen_any = False
    # Lines end at \n, \r\n or \r (none can occur raw inside a JSON string). Not at U+2028,
    # U+2029 or U+0085 as str.splitlines would: JSON strings may hold those unescaped.
    for number, line in enumerate(_JSON_LINE_END.split(text), start=first_line):
        loaded = _jsonl_record(item, line, number)
        if loaded is not None:
            seen_any = True
            yield loaded
    if whole_file and not seen_any:
        yield Skipped(item.display, EMPTY_JSONL)


EMPTY_JSONL = "empty file (no JSON lines)"


def _jsonl_record(item: InputFile, line: str, number: int) -> Loaded | None:
    """Line ``number`` of a JSON Lines file as an Article or a Skipped; None for a blank line."""
    if not line.strip():
        return None
    where = f"{item.display}:{number}"
    record = _json_or_problem(line)
    if isinstance(record, _Problem):
        return Skipped(where, f"malformed JSON on line {number}: {record.reason}")
    return _record_or_skip(record, item, where, default_id=f"{item.relative}:{number}")


# --- big JSON Lines files, in pieces -------------------------------------------------------

#: A JSON Lines file bigger than this is read in pieces of about this size, cut at line ends,
#: each loaded (and cleaned) on whichever process takes it: a feed of a million articles is
#: not one process's work, nor one message of a gigabyte. The size cap then applies to each
#: line (each record), not to the file.
JSONL_PIECE_BYTES = 4_000_000
_READ_BLOCK = 1 << 20
_BYTE_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class JsonlPiece:
    """Bytes ``start``..``end`` of a JSON Lines file: whole lines, the first numbered
    ``first_line`` (as numbered in the whole file)."""

    item: InputFile
    start: int
    end: int
    first_line: int
    last_line: int
    #: Pieces of the same file share ``item``; the last one says so, for the empty-file check.
    last: bool


def jsonl_pieces(item: InputFile, max_file_bytes: int) -> list[JsonlPiece] | None:
    """The pieces a big JSON Lines file is read in, or None to read it whole: a small file,
    one that cannot be split on its bytes (UTF-16 or UTF-32: its line ends are two or four
    bytes), one that starts as no text does, one that is blank or no regular file. Reads the
    file once, to number its lines."""
    try:
        fd = os.open(item.path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None  # the whole-file read says why
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size <= JSONL_PIECE_BYTES:
            return None
        with open(fd, "rb", closefd=False) as file:
            head = file.read(_SNIFF_BYTES)
            if _not_split_on_bytes(head):
                return None
            file.seek(0)
            pieces = _cut_pieces(item, file)
    except OSError:
        return None
    finally:
        os.close(fd)
    if pieces is None or (len(pieces) == 1 and st.st_size <= max_file_bytes):
        return None
    return pieces


_SNIFF_BYTES = 8192


def _not_split_on_bytes(head: bytes) -> bool:
    problem = decode_bytes(head).problem or ""
    if problem and not problem.startswith("empty file"):
        return True  # binary (an image named .jsonl): one skip for the file, not one a piece
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return utf16_without_bom(head) is not None


def _cut_pieces(item: InputFile, file: Any) -> list[JsonlPiece] | None:
    """Cut after the last line end of each block of JSONL_PIECE_BYTES, counting line ends as
    the parser does (\r\n, \r or \n: a \r\n split between two blocks counts once)."""
    bounds: list[tuple[int, int, int, int]] = []  # start, end, first line, line ends inside
    start = offset = 0
    ends_before = ends_in_piece = 0
    carried_cr = False
    any_text = False
    while block := file.read(JSONL_PIECE_BYTES):
        any_text = any_text or bool(block.strip())
        cut = block.rfind(b"\n") + 1
        ends_in_piece += _line_ends(block, 0, cut, carried_cr)
        if cut:
            bounds.append((start, offset + cut, ends_before + 1, ends_in_piece))
            ends_before += ends_in_piece
            start, ends_in_piece, carried_cr = offset + cut, 0, False
        ends_in_piece += _line_ends(block, cut, len(block), carried_cr)
        if len(block) > cut:
            carried_cr = block[-1:] == b"\r"
        offset += len(block)
    if not any_text:
        return None
    if offset > start:
        bounds.append((start, offset, ends_before + 1, ends_in_piece))
    return [
        JsonlPiece(item, lo, hi, first, first + ends, last=number == len(bounds) - 1)
        for number, (lo, hi, first, ends) in enumerate(bounds)
    ]


def _line_ends(block: bytes, lo: int, hi: int, carried_cr: bool) -> int:
    if hi <= lo:
        return 0
    ends = block.count(b"\n", lo, hi) + block.count(b"\r", lo, hi) - block.count(b"\r\n", lo, hi)
    if carried_cr and block[lo] == 0x0A:
        ends -= 1  # the \n of a \r\n whose \r ended the previous block
    return ends


def load_piece(piece: JsonlPiece, *, max_file_bytes: int) -> Iterator[Loaded]:
    """The articles of one piece of a big JSON Lines file (see ``jsonl_pieces``)."""
    item = piece.item
    try:
        with open(item.path, "rb") as file:
            file.seek(piece.start)
            if piece.end - piece.start <= max_file_bytes:
                yield from _piece_whole(piece, file.read(piece.end - piece.start))
            else:
                yield from _piece_by_line(piece, file, max_file_bytes)
    except OSError as exc:
        where = f"{item.display}:{piece.first_line}-{piece.last_line}"
        yield Skipped(where, f"cannot read lines {piece.first_line}-{piece.last_line}: {exc}")


def _piece_whole(piece: JsonlPiece, data: bytes) -> Iterator[Loaded]:
    decoded = decode_bytes(data)
    if decoded.text is None:
        lines = f"{piece.first_line}-{piece.last_line}"
        if decoded.problem and decoded.problem.startswith("empty file"):
            return  # blank lines only
        yield Skipped(f"{piece.item.display}:{lines}", f"lines {lines}: {decoded.problem}")
        return
    yield from _parse_jsonl(piece.item, decoded.text, first_line=piece.first_line, whole_file=False)


def _piece_by_line(piece: JsonlPiece, file: Any, max_file_bytes: int) -> Iterator[Loaded]:
    """A piece bigger than the size cap (it holds a line that long): line by line, a line over
    the cap skipped without being kept in memory."""
    item = piece.item
    lines = _bounded_lines(file, piece.end - piece.start, max_file_bytes)
    for number, line in enumerate(lines, start=piece.first_line):
        if isinstance(line, int):
            yield Skipped(
                f"{item.display}:{number}",
                f"line {number} is {line / 1e6:.1f} MB, over the {max_file_bytes / 1e6:g} MB "
                "limit (setting max_file_mb)",
            )
            continue
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        text = _line_text(line)
        if isinstance(text, _Problem):
            yield Skipped(f"{item.display}:{number}", f"line {number}: {text.reason}")
            continue
        loaded = _jsonl_record(item, text, number)
        if loaded is not None:
            yield loaded


def _line_text(line: bytes) -> str | _Problem:
    """One line's bytes as text: UTF-8 as JSON Lines should be, else whatever decode_bytes
    makes of it; NULs dropped, as from a whole file."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        decoded = decode_bytes(line)
        if decoded.text is None:
            problem = decoded.problem or "not text"
            return "" if problem.startswith("empty file") else _Problem(problem)
        text = decoded.text
    return text.replace("\x00", "") if "\x00" in text else text


def _bounded_lines(file: Any, size: int, limit: int) -> Iterator[bytes | int]:
    """The next ``size`` bytes of ``file`` as lines (ends: \r\n, \r, \n), each the line's
    bytes, or its length when it is over ``limit`` bytes (then it is not kept)."""
    kept = bytearray()
    length = 0
    skip_lf = False  # the block before ended in \r: a \n starting this one ends nothing
    while size > 0:
        block = file.read(min(_READ_BLOCK, size))
        if not block:
            break
        size -= len(block)
        position = 1 if skip_lf and block[:1] == b"\n" else 0
        skip_lf = False
        for end in _BYTE_LINE_END.finditer(block, position):
            length += end.start() - position
            if length <= limit:
                kept += block[position : end.start()]
            yield bytes(kept) if length <= limit else length
            kept, length = bytearray(), 0
            position = end.end()
            skip_lf = end.group() == b"\r" and position == len(block)
        length += len(block) - position
        if length <= limit:
            kept += block[position:]
        else:
            kept = bytearray()
    yield bytes(kept) if length <= limit else length


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
