"""Main text and metadata of an HTML page (navigation, cookie banners and footers dropped).

trafilatura does the extraction; it needs a minimum amount of text, so short pages fall back
to a plain walk over <p> and heading elements outside page furniture.
"""

from __future__ import annotations

import logging
from collections import Counter
from html.parser import HTMLParser

import trafilatura

logger = logging.getLogger(__name__)

_FURNITURE = {"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "button"}
_BLOCKS = {"p", "h1", "h2", "h3", "li", "blockquote"}
_VOID = {"br", "img", "meta", "link", "input", "hr", "source", "wbr", "area", "col", "embed"}


def extract_html(html: str) -> dict[str, str] | None:
    """``{"text", "title", "date", "source", "author"}`` (missing ones absent), or None."""
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception:  # trafilatura raises many lxml types on broken markup
        logger.debug("trafilatura failed, using the fallback extractor", exc_info=True)
        doc = None
    record: dict[str, str] = {}
    if doc is not None:
        for key, attr in (
            ("text", "text"),
            ("title", "title"),
            ("date", "date"),
            ("source", "sitename"),
            ("author", "author"),
            ("url", "url"),
        ):
            value = getattr(doc, attr, None)
            if value:
                record[key] = str(value)
    if not record.get("text"):
        fallback = _FallbackExtractor.run(html)
        if fallback["text"]:
            record = {**fallback, **{k: v for k, v in record.items() if v}}
    return record or None


class _FallbackExtractor(HTMLParser):
    """Paragraph text outside navigation, scripts and footers; the <title> as title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Open elements, each with whether it started a piece of page furniture; and how many
        # of each name are open, so a stray end tag is ignored without scanning the stack.
        self._open: list[tuple[str, bool]] = []
        self._open_names: Counter[str] = Counter()
        self._skip_depth = 0
        self._in_title = False
        self._block: list[str] | None = None
        self.blocks: list[str] = []
        self.title = ""

    @classmethod
    def run(cls, html: str) -> dict[str, str]:
        parser = cls()
        try:
            parser.feed(html)
            parser.close()
        except Exception:  # html.parser is lenient; this is belt and braces for odd input
            logger.debug("fallback HTML parser failed", exc_info=True)
        return {"text": "\n".join(parser.blocks), "title": parser.title.strip()}

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        furniture = tag in _FURNITURE or "cookie" in classes or "consent" in classes
        self._open.append((tag, furniture))
        self._open_names[tag] += 1
        if furniture:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCKS and not self._skip_depth:
            self._block = []

    def handle_endtag(self, tag):
        if not self._open_names[tag]:
            # A stray end tag: ignore it rather than unbalance the stack. (Scanning the stack
            # for it made 30,000 unclosed <div>s and 30,000 stray </span>s take minutes.)
            return
        while self._open:
            name, furniture = self._open.pop()
            self._open_names[name] -= 1
            self._skip_depth -= furniture
            if name == tag:
                break
        if tag == "title":
            self._in_title = False
        elif tag in _BLOCKS and self._block is not None:
            text = " ".join("".join(self._block).split())
            if text:
                self.blocks.append(text)
            self._block = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._block is not None and not self._skip_depth:
            self._block.append(data)
