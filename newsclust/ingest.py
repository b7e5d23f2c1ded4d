"""Reading the inputs: every file (or piece of a big JSON Lines file) loaded, normalised and
cleaned on worker processes, with ids made unique.

Two passes over the same chunks, the second in the worker that did the first
(``parallel.map_hold_finish``): workers read and normalise the texts and keep them; only each
article's id and the counts of short lines come back, to find the lines repeated across the
corpus (page chrome); then the same workers clean what they hold, and only cleaned articles
travel. Nothing here prints; progress goes through a callback.
"""

from __future__ import annotations

import dataclasses
import logging
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .clean import clean_article, frequent_keys, normalise_text, short_line_keys
from .discover import JSONL_SUFFIXES, InputFile, discover
from .load import EMPTY_JSONL, JsonlPiece, Loaded, jsonl_pieces, load_file, load_piece
from .models import Article, Skipped
from .parallel import map_hold_finish
from .settings import Settings

logger = logging.getLogger(__name__)

#: progress(stage, done, total): called at the start (done=0) and end (done=total) of a stage.
ProgressCallback = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


#: Inputs per loading task: big enough to amortise the inter-process traffic, small enough to
#: balance the workers.
LOAD_CHUNK = 256

#: One unit of loading work: a file, a piece of a big JSON Lines file, or an input already
#: known to be unreadable.
_Work = InputFile | JsonlPiece | Skipped


def _load_chunk(items: Sequence[_Work], max_file_bytes: int) -> list[Loaded]:
    loaded: list[Loaded] = []
    for item in items:
        if isinstance(item, Skipped):
            loaded.append(item)
        elif isinstance(item, JsonlPiece):
            loaded.extend(load_piece(item, max_file_bytes=max_file_bytes))
        else:
            loaded.extend(load_file(item, max_file_bytes=max_file_bytes))
    return loaded


def _load_parts(
    found: Iterable[InputFile | Skipped], max_file_bytes: int
) -> Iterator[list[_Work]]:
    """The chunks of loading work: up to LOAD_CHUNK inputs in a row, and each piece of a big
    JSON Lines file on its own (a piece holds thousands of articles). Lazily, so that workers
    load the first chunks while the folders are still being walked."""
    run: list[_Work] = []
    for item in found:
        pieces = None
        if isinstance(item, InputFile) and item.path.suffix.lower() in JSONL_SUFFIXES:
            pieces = jsonl_pieces(item, max_file_bytes)
        if pieces is None:
            run.append(item)
            if len(run) == LOAD_CHUNK:
                yield run
                run = []
            continue
        if run:
            yield run
            run = []
        yield from ([piece] for piece in pieces)
    if run:
        yield run


@dataclass(frozen=True, slots=True)
class _PieceNote:
    """A piece of a big JSON Lines file was loaded: how many items it gave, and whether it
    was the file's last (a file whose pieces gave nothing is an empty file)."""

    display: str
    items: int
    last: bool


#: What a worker tells the main process about each input of its chunk after loading it: the
#: Skipped, an article's (id, path), or a _PieceNote. The texts stay in the worker.
_LoadNote = Skipped | tuple[str, str] | _PieceNote


@dataclass
class _ChunkNotes:
    notes: list[_LoadNote] = field(default_factory=list)
    #: In how many of the chunk's articles each short line occurs.
    short_lines: Counter[str] = field(default_factory=Counter)


def _load_and_normalise(
    items: Sequence[_Work], max_file_bytes: int
) -> tuple[list[tuple[Article, str]], _ChunkNotes]:
    """First pass, in a worker: read the chunk's inputs and normalise each article's text."""
    held: list[tuple[Article, str]] = []
    chunk = _ChunkNotes()
    notes = chunk.notes
    for work in items:
        loaded = _load_chunk([work], max_file_bytes)
        for item in loaded:
            if isinstance(item, Skipped):
                notes.append(item)
                continue
            text = normalise_text(item.text)
            held.append((item, text))  # most often the very same string: nothing to normalise
            notes.append((item.id, item.path))
            chunk.short_lines.update(short_line_keys(text))
        if isinstance(work, JsonlPiece):
            notes.append(_PieceNote(work.item.display, len(loaded), work.last))
    return held, chunk


@dataclass(frozen=True)
class _CleanContext:
    """What every worker needs from the whole corpus to clean its articles."""

    repeated: frozenset[str]
    #: (chunk, position of the article in the chunk) -> its new id, for ids used twice.
    renames: dict[tuple[int, int], str]


@dataclass
class _CorpusPass:
    """Between the two passes, in the main process: count short lines over the corpus, make
    ids unique, and keep the inputs that loading skipped (in input order)."""

    skipped: list[Skipped] = field(default_factory=list)
    articles: int = 0

    def __call__(self, notes_by_chunk: list[_ChunkNotes]) -> _CleanContext:
        counts: Counter[str] = Counter()
        places: list[tuple[int, int]] = []
        ids: list[str] = []
        paths: list[str] = []
        file_items = 0  # items the pieces of the current big JSON Lines file gave so far
        for chunk, chunk_notes in enumerate(notes_by_chunk):
            counts.update(chunk_notes.short_lines)
            position = 0
            for note in chunk_notes.notes:
                if isinstance(note, Skipped):
                    self.skipped.append(note)
                elif isinstance(note, _PieceNote):
                    file_items += note.items
                    if note.last:
                        if not file_items:
                            self.skipped.append(Skipped(note.display, EMPTY_JSONL))
                        file_items = 0
                else:
                    article_id, path = note
                    places.append((chunk, position))
                    ids.append(article_id)
                    paths.append(path)
                    position += 1
        self.articles = len(ids)
        renames = {
            place: new
            for place, old, new in zip(places, ids, unique_id_list(ids, paths), strict=True)
            if new != old
        }
        return _CleanContext(frequent_keys(counts, len(ids)), renames)


#: An Article as the tuple of its field values: how cleaned articles travel back from the
#: workers (a dataclass with slots pickles through dataclasses.fields() on every object, which
#: made sending one and reading it back ~3x slower).
_article_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Article)))


def _clean_held(
    chunk: int, held: list[tuple[Article, str]], context: _CleanContext
) -> list[Skipped | tuple]:
    """Second pass, in the worker that loaded the chunk."""
    results: list[Skipped | tuple] = []
    for position, (article, text) in enumerate(held):
        new_id = context.renames.get((chunk, position))
        if new_id is not None:
            article = _with_id(article, new_id)
        cleaned = clean_article(article, text, context.repeated)
        results.append(_article_values(cleaned) if isinstance(cleaned, Article) else cleaned)
    return results


def load_articles(
    paths: Iterable[Path], settings: Settings, progress: ProgressCallback = no_progress
) -> tuple[list[Article], list[Skipped]]:
    """Load and clean every input: the articles, and the inputs that gave none.

    One pass of workers reads and normalises the files and keeps the texts; only each
    article's id and the counts of short lines come back, to find the lines repeated across
    the corpus; then the same workers clean what they hold, and only cleaned articles travel.
    """
    max_file_bytes = int(settings.max_file_mb * 1_000_000)
    progress("load", 0, 0)  # the number of inputs is known once the folders are walked
    found: list[InputFile | Skipped] = []

    def walked() -> Iterator[InputFile | Skipped]:
        for item in discover(paths):
            found.append(item)
            yield item

    corpus = _CorpusPass()

    def between(notes_by_chunk: list[_ChunkNotes]) -> _CleanContext:
        context = corpus(notes_by_chunk)
        progress("load", len(found), len(found))
        progress("clean", 0, corpus.articles)
        return context

    results = map_hold_finish(
        partial(_load_and_normalise, max_file_bytes=max_file_bytes),
        between,
        _clean_held,
        _load_parts(walked(), max_file_bytes),
        jobs=settings.effective_jobs,
    )
    cleaned = [Article(*item) for item in results if isinstance(item, tuple)]
    skipped = corpus.skipped + [item for item in results if isinstance(item, Skipped)]
    progress("clean", corpus.articles, corpus.articles)
    return cleaned, skipped


def unique_ids(articles: Sequence[Article]) -> list[Article]:
    """Give a later article that reuses an id a suffix (``id#2``), keeping both articles."""
    new_ids = unique_id_list([a.id for a in articles], [a.path for a in articles])
    return [
        article if new_id == article.id else _with_id(article, new_id)
        for article, new_id in zip(articles, new_ids, strict=True)
    ]


def unique_id_list(ids: Sequence[str], paths: Sequence[str]) -> list[str]:
    """``ids`` with each reuse of an id given a suffix (``id#2``) that no other id has."""
    seen: set[str] = set(ids)
    used: dict[str, int] = {}
    result = []
    for article_id, path in zip(ids, paths, strict=True):
        count = used.get(article_id, 0) + 1
        used[article_id] = count
        if count > 1:
            new_id = f"{article_id}#{count}"
            while new_id in seen:
                count += 1
                new_id = f"{article_id}#{count}"
            seen.add(new_id)
            logger.warning("%s: id %r is used twice; this one becomes %r", path, article_id, new_id)
            article_id = new_id
        result.append(article_id)
    return result


def _with_id(article: Article, new_id: str) -> Article:
    return dataclasses.replace(article, id=new_id)
