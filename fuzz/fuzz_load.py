"""Coverage-guided fuzzing (atheris / libFuzzer) of everything that reads untrusted input.

    python fuzz/fuzz_load.py TARGET [libFuzzer flags] [CORPUS_DIR ...]
    python fuzz/fuzz_load.py decode -max_total_time=60 fuzz/corpus/decode

Targets: decode (bytes → text), text, json, jsonl, html (each format's parser, no file I/O),
load (the whole of load_file on a real file: decoding, format choice, parsing), clean
(clean_article on any text and title). A crash is any exception, or an answer that breaks
the promises checked in ``check``; libFuzzer saves the input that caused it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["newsclust"]):
    from newsclust import load as load_module
    from newsclust.clean import clean_article
    from newsclust.decode import decode_bytes
    from newsclust.discover import InputFile
    from newsclust.load import MAX_ARTICLE_CHARS, load_file
    from newsclust.models import Article, Skipped

MAX_FILE_BYTES = 1_000_000


def check(items: Iterable[object], where: str) -> None:
    """What the input side promises for any input."""
    for item in items:
        if isinstance(item, Skipped):
            assert item.reason and "\n" not in item.reason, item
            assert item.path == where or item.path.startswith(f"{where}:"), item
        elif isinstance(item, Article):
            assert len(item.text) <= MAX_ARTICLE_CHARS
            for value in (item.id, item.path, item.text, item.title, item.source, item.byline):
                if value is not None:
                    value.encode("utf-8")  # lone surrogates cannot be written out
        else:
            raise AssertionError(f"not an Article or Skipped: {item!r}")


def fuzz_decode(data: bytes) -> None:
    decoded = decode_bytes(data)
    assert (decoded.text is None) != (decoded.problem is None)
    if decoded.text is not None:
        assert "\x00" not in decoded.text
        decoded.text.encode("utf-8")


def _parser(suffix: str, parse: Callable) -> Callable[[bytes], None]:
    item = InputFile(Path(f"fuzz{suffix}"), f"fuzz{suffix}", f"fuzz{suffix}")

    def fuzz(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        check(parse(item, text), item.display)

    return fuzz


_WORKDIR = Path(tempfile.mkdtemp(prefix="newsclust-fuzz-"))
_SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")


def fuzz_load(data: bytes) -> None:
    # The first byte picks the format; the rest is the file, read from disk as in a real run.
    if not data:
        return
    path = _WORKDIR / f"input{_SUFFIXES[data[0] % len(_SUFFIXES)]}"
    path.write_bytes(data[1:])
    item = InputFile(path, str(path), path.name)
    check(load_file(item, max_file_bytes=MAX_FILE_BYTES), str(path))


def fuzz_clean(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    title = provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, 80))
    text = provider.ConsumeUnicodeNoSurrogates(len(data))
    article = Article(id="a", text=text, path="a.txt", title=title or None)
    result = clean_article(article)
    assert isinstance(result, Article | Skipped)
    if isinstance(result, Skipped):
        assert result.reason and "\n" not in result.reason


TARGETS: dict[str, Callable[[bytes], None]] = {
    "decode": fuzz_decode,
    "text": _parser(".txt", load_module._parse_text),
    "json": _parser(".json", load_module._parse_json),
    "jsonl": _parser(".jsonl", load_module._parse_jsonl),
    "html": _parser(".html", load_module._parse_html),
    "load": fuzz_load,
    "clean": fuzz_clean,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus]")
    target = TARGETS[sys.argv.pop(1)]
    # Keep libFuzzer's own output readable: the loader logs warnings for odd JSON fields.
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    import logging

    logging.disable(logging.CRITICAL)
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
