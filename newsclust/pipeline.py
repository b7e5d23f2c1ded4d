"""The batch pipeline: paths → load → clean → dedup → cluster → summarize → Report.

``run`` never prints; it reports progress through an optional callback so the CLI can show a
progress bar on a terminal and stay silent in cron.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import operator
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .clean import clean_article, frequent_keys, normalise_text, short_line_keys
from .cluster import StoryClusterer
from .dedup import NearDuplicateFinder
from .discover import JSONL_SUFFIXES, InputFile, discover
from .errors import NothingReadableError
from .load import EMPTY_JSONL, JsonlPiece, Loaded, jsonl_pieces, load_file, load_piece
from .models import Article, DupGroup, Report, Skipped, Story
from .parallel import map_chunks, map_hold_finish
from .settings import Settings
from .summarize import summarize_story

logger = logging.getLogger(__name__)

#: progress(stage, done, total): called at the start (done=0) and end (done=total) of a stage.
ProgressCallback = Callable[[str, int, int], None]

STAGES = ("load", "clean", "dedup", "cluster", "summarize")


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class _Timer:
    seconds: dict[str, float] = field(default_factory=dict)

    def time(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(time.perf_counter() - started, 4)


#: Work items per process task: big enough to amortise pickling, small enough to balance.
LOAD_CHUNK = 256
SUMMARIZE_CHUNK = 128


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
    paths: Iterable[Path], settings: Settings, progress: ProgressCallback = _no_progress
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


def find_copy_groups(articles: Sequence[Article], settings: Settings) -> list[DupGroup]:
    """Near-duplicate groups among the articles that have body text (title-only items have
    nothing to compare)."""
    with_text = [a for a in articles if a.text]
    if not with_text:
        return []
    finder = NearDuplicateFinder(
        threshold=settings.dedup_threshold, seed=settings.seed, jobs=settings.effective_jobs
    )
    return list(finder.fit(with_text).result_.groups)


def find_copies(articles: Sequence[Article], settings: Settings) -> dict[str, str]:
    """Copy id → canonical id."""
    return {
        member: group.canonical
        for group in find_copy_groups(articles, settings)
        for member in group.members
        if member != group.canonical
    }


def make_clusterer(settings: Settings) -> StoryClusterer:
    return StoryClusterer(threshold=settings.cluster_threshold, jobs=settings.effective_jobs)


def group_stories(articles: Sequence[Article], settings: Settings) -> list[list[Article]]:
    """Cluster canonical articles into stories (each a list, in input order)."""
    if not articles:
        return []
    labels = make_clusterer(settings).fit(articles).labels_
    groups: dict[int, list[Article]] = defaultdict(list)
    for article, label in zip(articles, labels, strict=True):
        groups[label].append(article)
    return list(groups.values())


def chronological(article: Article) -> tuple:
    """Sort key: undated articles after dated ones; ids break ties so the order is total."""
    return (article.date is None, article.date or dt.date.min, article.id)


@dataclass(frozen=True)
class StoryLayout:
    """How a story lists its articles: each canonical article (earliest first) followed by its
    copies, which copy belongs to which, and the dates the story spans."""

    article_ids: tuple[str, ...]
    duplicate_of: dict[str, str]
    first_date: dt.date | None
    last_date: dt.date | None


def story_layout(
    canonical: Sequence[Article], copies_of: Mapping[str, Sequence[Article]]
) -> StoryLayout:
    ordered: list[str] = []
    duplicate_of: dict[str, str] = {}
    dates: list[dt.date] = []
    for article in sorted(canonical, key=chronological):
        ordered.append(article.id)
        dates += [article.date] if article.date else []
        for copy in sorted(copies_of.get(article.id, ()), key=chronological):
            ordered.append(copy.id)
            duplicate_of[copy.id] = article.id
            dates += [copy.date] if copy.date else []
    return StoryLayout(tuple(ordered), duplicate_of, min(dates, default=None),
                       max(dates, default=None))


def story_id(members: Sequence[Article]) -> str:
    """A stable id: a hash of the story's first article, so a growing story keeps its id."""
    first = min(members, key=chronological)
    return "s-" + hashlib.sha1(first.id.encode("utf-8")).hexdigest()[:10]


def build_story(
    members: Sequence[Article], copies_of: Mapping[str, Sequence[Article]], settings: Settings
) -> Story:
    canonical = sorted(members, key=chronological)
    summary = summarize_story(canonical, max_sentences=settings.summary_sentences)
    layout = story_layout(canonical, copies_of)
    return Story(
        id=story_id(canonical),
        title=summary.title,
        article_ids=layout.article_ids,
        duplicate_of=layout.duplicate_of,
        summary=summary.summary,
        differences=summary.differences,
        first_date=layout.first_date,
        last_date=layout.last_date,
    )


#: The articles that summarize tasks name, set in each worker by ``_share_articles``: workers
#: forked after loading read them from memory they share with this process, so only ids are
#: sent (pickling every article to the workers cost the main process seconds per 100,000).
_articles: Mapping[str, Article] = {}


def _share_articles(articles: Mapping[str, Article]) -> None:
    global _articles
    _articles = articles


#: A story to build: its canonical article ids, and each one's copies.
_StoryTask = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]


def _build_chunk(tasks: Sequence[_StoryTask], settings: Settings) -> list[Story]:
    get = _articles.__getitem__
    return [
        build_story([get(i) for i in members],
                    {i: [get(c) for c in copies] for i, copies in copies_of.items()}, settings)
        for members, copies_of in tasks
    ]


def _story_order(story: Story) -> tuple:
    # Biggest stories first; then the earliest; then the id, so the order is total.
    return (-len(story.article_ids), story.first_date is None, story.first_date or 0, story.id)


def run(
    paths: Iterable[Path], settings: Settings, *, progress: ProgressCallback | None = None
) -> Report:
    """Run the whole batch pipeline over the inputs under ``paths``."""
    progress = progress or _no_progress
    timer = _Timer()
    started = time.perf_counter()

    t = time.perf_counter()
    articles, skipped = load_articles(paths, settings, progress)
    timer.time("load_and_clean", t)
    if not articles:
        raise NothingReadableError(
            f"No input could be read as an article ({len(skipped)} skipped)."
        )

    t = time.perf_counter()
    progress("dedup", 0, len(articles))
    duplicate_of = find_copies(articles, settings)
    progress("dedup", len(articles), len(articles))
    timer.time("dedup", t)

    by_id = {a.id: a for a in articles}
    copies_of: dict[str, list[Article]] = defaultdict(list)
    for copy_id, canonical_id in duplicate_of.items():
        copies_of[canonical_id].append(by_id[copy_id])
    canonical = [a for a in articles if a.id not in duplicate_of]

    t = time.perf_counter()
    progress("cluster", 0, len(canonical))
    groups = group_stories(canonical, settings)
    progress("cluster", len(canonical), len(canonical))
    timer.time("cluster", t)

    t = time.perf_counter()
    progress("summarize", 0, len(groups))
    tasks: list[_StoryTask] = [
        (tuple(a.id for a in members),
         {a.id: tuple(c.id for c in copies_of[a.id]) for a in members if a.id in copies_of})
        for members in groups
    ]
    try:
        stories = map_chunks(
            partial(_build_chunk, settings=settings),
            tasks,
            jobs=settings.effective_jobs,
            chunk_size=SUMMARIZE_CHUNK,
            initializer=_share_articles,
            initargs=(by_id,),
        )
    finally:
        _share_articles({})
    progress("summarize", len(groups), len(groups))
    timer.time("summarize", t)
    stories.sort(key=_story_order)

    elapsed = time.perf_counter() - started
    stats = {
        "inputs": len(articles) + len(skipped),
        "articles": len(articles),
        "skipped": len(skipped),
        "duplicates": len(duplicate_of),
        "stories": len(stories),
    }
    timer.seconds["total"] = round(elapsed, 4)
    return Report(
        stories=tuple(stories),
        articles=by_id,
        skipped=tuple(skipped),
        stats=stats,
        timings=timer.seconds,
    )
