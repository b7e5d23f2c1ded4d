"""Cron mode: add what is new under the input folders to the story database.

One ``update``:

1. **Scan** the inputs; a file is read only when it is new, or its size or mtime changed *and*
   its SHA-256 changed (a touched file is not re-read). A changed file replaces its articles.
2. **Load and clean** the files read (the batch pipeline's own functions).
3. **Deduplicate** against everything stored: the MinHash signatures of stored articles are
   rebuilt into the LSH index (:class:`newsclust.dedup.BandIndex`) and queried with the new
   signatures; the candidates, their whole copy groups and the new articles are then grouped by
   :class:`NearDuplicateFinder` exactly as in a batch run. (Rebuilding the index from the
   stored signatures was measured against storing the index; see benchmarks/bench_update.py.)
4. **Cluster the neighbourhood** with the batch algorithm: the new articles, every story with an
   article within ``window_days`` of one of theirs, every story of a stored article that shares
   the rarest names with one of them (the ``terms`` index, however old the story: a follow-up
   on a trial weeks later), and every story whose copy group they change, are clustered again
   together (average linkage needs the whole neighbourhood; assigning each new article to its
   best story alone drifts from batch quality). Stories outside the neighbourhood stay as
   they are. What the clusterer extracts from each article (``cluster.Analysis``: entity
   mentions by line) is kept in the database, so only new articles are analysed; each fit
   still drops the lines its own neighbourhood shows to be chrome. On gva-dev in 10
   date-ordered batches this ends within 0.01 B-cubed F1 of one batch run
   (tests/test_update.py; 0.9307 against 0.9367).
5. **Keep story ids stable**: a new cluster inherits the id of the stored story it holds most
   articles of; other clusters get a fresh id from their first article (``pipeline.story_id``).
6. **Summarise** only the stories whose articles changed (on ``jobs`` processes, as batch
   does), then **write** everything (new and re-made analyses included) in one transaction,
   with the file records last, so a run killed before its commit is redone in full by the
   next run.

Nothing here prints or imports typer/rich; the CLI renders :class:`UpdateResult`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import signal
import struct
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from .clean import clean_corpus
from .cluster import Analysis
from .discover import InputFile, discover
from .errors import InputError
from .load import load_file
from .models import Article, Report, Skipped, Story, SummarySentence
from .parallel import map_chunks
from .pipeline import (
    SUMMARIZE_CHUNK,
    build_story,
    chronological,
    make_clusterer,
    story_layout,
    unique_ids,
)
from .settings import Settings
from .store import FileRecord, StoredArticle, StoredStory, StoreError, StoryStore

logger = logging.getLogger(__name__)

#: Test hook: ``NEWSCLUST_CRASH_AT=<stage>`` makes the process SIGKILL itself at that stage,
#: so the crash tests can kill a real run at a chosen point. Stages: see ``CRASH_STAGES``.
CRASH_ENV = "NEWSCLUST_CRASH_AT"
CRASH_STAGES = ("locked", "loaded", "deduplicated", "clustered", "summarized", "writing",
                "written", "committed")

#: MinHash parameters the stored signatures depend on (a mismatch would compare apples and
#: pears, so the store refuses it). The numbers are NearDuplicateFinder's defaults.
NUM_PERM = 128
DEFAULT_WINDOW_DAYS = 3

ProgressCallback = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _checkpoint(stage: str) -> None:
    if os.environ.get(CRASH_ENV) == stage:
        logger.warning("test hook %s=%s: killing this process", CRASH_ENV, stage)
        os.kill(os.getpid(), signal.SIGKILL)


# --- options and results ------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateOptions:
    """How an update runs (Settings hold what it computes).

    window_days: stories with an article this close in time to a new one are clustered again
        with it. retain_days: drop stories whose last article is older than this (None: keep).
    today: the date used for undated articles and retention (None: the local date).
    summarize: False skips merged summaries (for quality measurements and benchmarks).
    """

    window_days: int = DEFAULT_WINDOW_DAYS
    retain_days: int | None = None
    today: dt.date | None = None
    summarize: bool = True


@dataclass
class UpdateResult:
    """What one update changed. Stories are complete (all members), ready to render."""

    new_stories: list[Story] = field(default_factory=list)
    #: (story, ids of the articles it gained in this run)
    grown_stories: list[tuple[Story, list[str]]] = field(default_factory=list)
    #: (copy id, canonical id, story id) for every copy among this run's articles
    new_copies: list[tuple[str, str, str]] = field(default_factory=list)
    #: stored stories that no longer exist: merged into another, or expired
    removed_stories: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    articles: dict[str, Article] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Anything a cron user should hear about (new, grown or removed stories, copies,
        skipped inputs)."""
        return bool(self.new_stories or self.grown_stories or self.new_copies or self.skipped
                    or self.removed_stories)

    def report(self) -> Report:
        """The new and grown stories as a batch Report, for the batch renderers."""
        stories = tuple(self.new_stories) + tuple(s for s, _ in self.grown_stories)
        return Report(
            stories=tuple(sorted(stories, key=story_order)),
            articles=self.articles,
            skipped=tuple(self.skipped),
            stats=self.stats,
            timings=self.timings,
        )


# --- scanning -----------------------------------------------------------------------------


@dataclass
class _Scan:
    to_read: list[tuple[InputFile, FileRecord]] = field(default_factory=list)
    touched: list[FileRecord] = field(default_factory=list)  # same bytes, new mtime
    skipped: list[tuple[Skipped, FileRecord | None]] = field(default_factory=list)
    seen: int = 0
    unchanged: int = 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_key(path: Path) -> str:
    # Absolute and resolved: cron runs from $HOME, a user from the folder itself; both must
    # see one file.
    return str(path.resolve())


def scan(paths: Iterable[Path], known: dict[str, FileRecord]) -> _Scan:
    """Which inputs are new or changed since the records in ``known``."""
    result = _Scan()
    for item in discover(paths):
        result.seen += 1
        if isinstance(item, Skipped):
            _scan_skipped(item, known, result)
            continue
        try:
            st = item.path.stat()  # before reading: a later write shows as a new mtime
            key = _file_key(item.path)
            old = known.get(key)
            if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
                result.unchanged += 1
                continue
            digest = _sha256(item.path)
        except OSError as exc:
            result.skipped.append((Skipped(item.display, f"cannot read: {exc.strerror}"), None))
            continue
        record = FileRecord(key, st.st_size, st.st_mtime_ns, digest)
        if old and old.sha256 == digest:
            result.touched.append(dataclasses.replace(record, status=old.status))
            result.unchanged += 1
        else:
            result.to_read.append((item, record))
    return result


def _scan_skipped(item: Skipped, known: dict[str, FileRecord], result: _Scan) -> None:
    """Report an input that cannot be read once, not on every run (unless it changes)."""
    path = Path(item.path)
    try:
        st = path.stat()
        key = _file_key(path)
    except OSError:
        result.skipped.append((item, None))  # vanished or a broken link: say so every time
        return
    old = known.get(key)
    if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
        result.unchanged += 1
        return
    result.skipped.append((item, FileRecord(key, st.st_size, st.st_mtime_ns, "", item.reason)))


# --- loading ------------------------------------------------------------------------------


def _load(
    scanned: _Scan, store: StoryStore, settings: Settings
) -> tuple[list[Article], dict[str, str], list[Skipped], list[FileRecord], list[StoredArticle]]:
    """Read and clean the new or changed files.

    Returns the cleaned articles, article id → file key, the inputs skipped, the file records
    to store, and the stored articles the changed files replace.
    """
    raw: list[Article] = []
    file_of_raw: list[str] = []
    skipped = [s for s, _ in scanned.skipped]
    records = list(scanned.touched) + [r for _, r in scanned.skipped if r is not None]
    max_bytes = int(settings.max_file_mb * 1_000_000)
    reasons: dict[str, str] = {}
    for item, record in scanned.to_read:
        for loaded in load_file(item, max_file_bytes=max_bytes):
            if isinstance(loaded, Article):
                raw.append(loaded)
                file_of_raw.append(record.path)
            else:
                skipped.append(loaded)
                reasons.setdefault(record.path, loaded.reason)
    replaced = store.articles_of_files([r.path for _, r in scanned.to_read])
    raw = _unique_ids(raw, store, {a.article.id for a in replaced})
    file_of = {a.id: f for a, f in zip(raw, file_of_raw, strict=True)}
    articles = []
    for item in clean_corpus(raw):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
            reasons.setdefault(file_of[item.id or ""], item.reason)
    kept_files = {file_of[a.id] for a in articles}
    for _, record in scanned.to_read:
        status = "ok" if record.path in kept_files else reasons.get(record.path, "no articles")
        records.append(dataclasses.replace(record, status=status))
    return articles, file_of, skipped, records, replaced


def _unique_ids(raw: list[Article], store: StoryStore, freed: set[str]) -> list[Article]:
    """Ids unique within the run (as in batch) and against the stored articles of other files
    (a stored id of a replaced file is free again)."""
    raw = unique_ids(raw)
    taken = store.article_ids(a.id for a in raw) - freed
    if not taken:
        return raw
    used = {a.id for a in raw} | taken
    out = []
    for article in raw:
        if article.id in taken:
            number = 2
            while f"{article.id}#{number}" in used:
                number += 1
            new_id = f"{article.id}#{number}"
            used.add(new_id)
            logger.warning("%s: id %r is already stored; this one becomes %r",
                           article.path, article.id, new_id)
            article = dataclasses.replace(article, id=new_id)
        out.append(article)
    return out


# --- near duplicates ----------------------------------------------------------------------


@dataclass
class _Dedup:
    signatures: dict[str, bytes]  # new article id → signature
    words: dict[str, int]  # new article id → word count
    canonical: dict[str, str | None]  # for every article regrouped: its canonical (None: itself)
    old: list[StoredArticle]  # stored articles whose groups were regrouped
    touched: set[str]  # ids of those whose copy group changed (their stories are affected)


def _finder(settings: Settings):
    from .dedup import NearDuplicateFinder

    return NearDuplicateFinder(threshold=settings.dedup_threshold, seed=settings.seed,
                               num_perm=NUM_PERM, jobs=settings.effective_jobs)


def _signature_matrix(blobs: Sequence[bytes]) -> np.ndarray:
    if not blobs:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return np.frombuffer(b"".join(blobs), dtype=np.uint32).reshape(len(blobs), NUM_PERM)


class _LshTables:
    """The near-duplicate (LSH) index of one run: the stored band tables, or, when none are
    stored (a new or migrated database, or one whose articles changed outside an update),
    tables rebuilt from every stored signature. The run keeps them exact through its inserts
    and deletions and stores them with its other writes. One sorted uint64 array per band of
    ``band key << 32 | row key``, as :class:`newsclust.dedup.BandIndex` keeps them."""

    def __init__(self, threshold: float):
        from .dedup import choose_bands

        self.bands, self.band_rows = choose_bands(threshold, NUM_PERM)
        self.shape = f"{NUM_PERM}/{self.bands}x{self.band_rows}"
        self.tables: list[np.ndarray] | None = None
        self.rebuilt = False

    def entries(self, signatures: np.ndarray, rows: np.ndarray) -> np.ndarray:
        from .dedup import band_keys

        keys = band_keys(signatures, self.bands, self.band_rows).astype(np.uint64)
        return (keys << np.uint64(32)) | rows.astype(np.uint64)[:, None]

    def load(self, store: StoryStore) -> list[np.ndarray]:
        if self.tables is None:
            blobs = store.lsh_tables()
            if len(blobs) == self.bands and store.get_meta("lsh_shape") == self.shape:
                self.tables = [np.frombuffer(b, dtype="<u8").astype(np.uint64) for b in blobs]
            else:
                rows, _, sigs = store.signatures()
                found = self.entries(_signature_matrix(sigs), np.asarray(rows, dtype=np.int64))
                self.tables = [np.sort(found[:, b]) for b in range(self.bands)]
                self.rebuilt = True
        return self.tables

    def matches(self, signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, stored row) of every pair sharing a band, each pair once."""
        low = np.uint64(0xFFFFFFFF)
        queries, rows = [], []
        for band, keys in enumerate(self.entries(signatures, np.zeros(len(signatures))).T):
            table = self.tables[band]
            start = np.searchsorted(table, keys)
            count = np.searchsorted(table, keys | low, side="right") - start
            queries.append(np.repeat(np.arange(len(keys)), count))
            at = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(count.sum())
            rows.append((table[at] & low).astype(np.int64))
        if not queries:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        pairs = np.unique(np.stack([np.concatenate(queries), np.concatenate(rows)]), axis=1)
        return pairs[0], pairs[1]

    def update(self, inserted: Sequence[StoredArticle], deleted: set[int]) -> None:
        """Follow the run's writes: ``inserted`` (with their row keys) and ``deleted`` rows."""
        low = np.uint64(0xFFFFFFFF)
        gone = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
        added = [a for a in inserted if a.words > 0]
        new = self.entries(_signature_matrix([a.signature for a in added]),
                           np.array([a.row for a in added], dtype=np.int64))
        self.tables = [
            np.sort(np.concatenate([
                t[~np.isin((t & low).astype(np.int64), gone)] if len(gone) else t, new[:, b]]))
            for b, t in enumerate(self.tables or [])
        ]

    def save(self, store: StoryStore) -> None:
        store.set_meta("lsh_shape", self.shape)
        store.put_lsh_tables([t.astype("<u8").tobytes() for t in self.tables or []])


def _candidates(store: StoryStore, signatures: np.ndarray, words: np.ndarray, finder,
                lsh: _LshTables) -> list[int]:
    """Stored rows that may be copies of one of the new articles (``signatures``, ``words``):
    they share an LSH band with it and their MinHash estimate leaves a chance of a match."""
    if not len(signatures):
        return []
    lsh.load(store)
    query, rows = lsh.matches(signatures)
    stored = store.signatures_of(np.unique(rows).tolist()) if len(rows) else {}
    known = np.array([r in stored for r in rows.tolist()], dtype=bool)
    query, rows = query[known], rows[known]
    if not len(rows):
        return []
    old = _signature_matrix([stored[r][1] for r in rows.tolist()])
    old_words = np.array([stored[r][0] for r in rows.tolist()])
    keep = _plausible(old, signatures[query], old_words, words[query], finder)
    return sorted(set(rows[keep].tolist()))


def _plausible(a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray,
               finder) -> np.ndarray:
    """Mask of pairs whose MinHash estimate is within 5 sigma of what joining needs.

    A looser form of the finder's own prefilter (word counts stand in for shingle counts and
    containment needs no minimum size), so no pair the finder would join is dropped here; it
    only saves loading and re-shingling stored texts that cannot match.
    """
    estimate = (a == b).mean(axis=1)
    small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
    c = finder.containment
    via_containment = c * small / np.maximum(small + large - c * small, 1)
    need = np.minimum(finder.threshold, via_containment)
    margin = 5.0 * np.sqrt(need * (1 - need) / a.shape[1])
    return estimate >= need - margin


def _dedup(store: StoryStore, articles: Sequence[Article], replaced: Sequence[StoredArticle],
           settings: Settings, lsh: _LshTables) -> _Dedup:
    from .dedup import fingerprint

    finder = _finder(settings)
    batch, signatures = fingerprint(
        [a.text for a in articles], shingle_size=finder.shingle_size, num_perm=NUM_PERM,
        seed=settings.seed, jobs=finder.jobs,
    )
    signatures = np.ascontiguousarray(signatures, dtype=np.uint32)
    words = batch.token_counts
    result = _Dedup(
        signatures={a.id: signatures[i].tobytes() for i, a in enumerate(articles)},
        words={a.id: int(words[i]) for i, a in enumerate(articles)},
        canonical={}, old=[], touched=set(),
    )
    with_text = [i for i, a in enumerate(articles) if a.text]
    hits = store.articles_by_rows(
        _candidates(store, signatures[with_text], words[with_text], finder, lsh))
    # Whole copy groups: the candidates' own, and those that lose a member to a changed file.
    leaders = {a.canonical or a.article.id for a in hits}
    leaders |= {a.canonical or a.article.id for a in replaced}
    gone = {a.article.id for a in replaced}
    result.old = [a for a in store.copy_groups(leaders) if a.article.id not in gone]
    pool = [a.article for a in result.old if a.article.text]
    pool += [articles[i] for i in with_text]
    found = finder.fit(pool).result_.duplicate_of if len(pool) > 1 else {}
    for article in [a.article for a in result.old] + list(articles):
        result.canonical[article.id] = found.get(article.id)
    # Stored articles whose copy group changed (a new member, another canonical, a member
    # gone), with every member of the groups before and after: they all move together.
    changed_leaders = {found.get(a.id, a.id) for a in articles}
    changed_leaders |= {a.canonical or a.article.id for a in replaced}
    for a in result.old:
        before, after = a.canonical or a.article.id, result.canonical[a.article.id]
        if a.canonical != after:
            changed_leaders |= {before, after or a.article.id}
    result.touched = {
        a.article.id for a in result.old
        if (a.canonical or a.article.id) in changed_leaders
        or (result.canonical[a.article.id] or a.article.id) in changed_leaders
    }
    logger.info("dedup: %d new articles, %d stored candidates, %d stored articles regrouped, "
                "%d changed group", len(articles), len(hits), len(result.old),
                len(result.touched))
    return result


# --- stories ------------------------------------------------------------------------------

#: Stored articles (per new article) whose stories join the neighbourhood for shared names.
NEIGHBOURS = 5
#: A term in more than this share of the stored articles (or more than 5) finds nobody.
MAX_TERM_SHARE = 0.0005
#: Only the rarest terms of each new article are looked up (bounds the postings fetched).
QUERY_TERMS = 16
#: At least this many shared rare terms make a neighbour ...
MIN_SHARED_TERMS = 3
#: ... carrying at least this share of the new article's rare-term weight.
MIN_SHARED_WEIGHT = 0.25


def _lexical_neighbours(store: StoryStore, articles: Sequence[Article]) -> list[int]:
    """Stored rows sharing the rarest names with a new article, however old.

    The time window cannot see a follow-up weeks later (charges filed, a trial); those share
    the names of the people and places, which are rare terms in the whole database.
    """
    from .store import index_terms

    terms = {a.id: index_terms(a.title, a.text) for a in articles}
    counts = store.term_counts({t for ts in terms.values() for t in ts})
    total = max(store.counts()["articles"], 1)
    cap = max(5, MAX_TERM_SHARE * total)
    rare = {t: c for t, c in counts.items() if c <= cap}
    for aid, ts in terms.items():
        terms[aid] = sorted((t for t in ts if t in rare), key=lambda t: (rare[t], t))[:QUERY_TERMS]
    rare = {t: rare[t] for ts in terms.values() for t in ts}
    postings: dict[str, list[int]] = defaultdict(list)
    for term, row in store.term_postings(rare):
        postings[term].append(row)
    found: set[int] = set()
    for ts in terms.values():
        score: dict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for term in ts:
            weight = np.log(total / rare[term]) if term in rare else 0.0
            for row in postings.get(term, ()):
                score[row] += weight
                shared[row] += 1
        # A neighbour shares a good part of what is distinctive about the new article, not
        # just a few names that happen to recur (a city, a governor).
        own = sum(np.log(total / rare[t]) for t in ts)
        ranked = sorted((r for r in score if shared[r] >= MIN_SHARED_TERMS
                         and score[r] >= MIN_SHARED_WEIGHT * own),
                        key=lambda r: (-score[r], r))
        found.update(ranked[:NEIGHBOURS])
    return sorted(found)





def _encode_analyses(analyses: dict[str, Analysis]) -> list[tuple[str, str, bytes]]:
    """(article id, key, data), in id order. data: the length of the compressed JSON of
    [mentions, keys per unit] (4 bytes), that JSON, then the unit keys as int64."""
    out = []
    for aid, an in sorted(analyses.items()):
        head = zlib.compress(json.dumps(
            [an.mentions, [len(keys) for keys in an.unit_keys]], ensure_ascii=False,
            separators=(",", ":")).encode("utf-8"))
        keys = np.fromiter((k for unit in an.unit_keys for k in unit), dtype="<i8")
        out.append((aid, an.key, struct.pack("<I", len(head)) + head + keys.tobytes()))
    return out


def _decode_analyses(rows: dict[str, tuple[str, bytes]]) -> dict[str, Analysis]:
    out = {}
    for aid, (key, data) in rows.items():
        try:
            (size,) = struct.unpack_from("<I", data)
            mentions, sizes = json.loads(zlib.decompress(data[4 : 4 + size]))
            flat = np.frombuffer(data, dtype="<i8", offset=4 + size).tolist()
        except (struct.error, zlib.error, ValueError):
            continue  # another layout (an older version): analysed again, then replaced
        ends = np.cumsum(sizes).tolist()
        units = tuple(tuple(flat[end - n : end]) for n, end in zip(sizes, ends, strict=True))
        out[aid] = Analysis(key, tuple(map(tuple, mentions)), units)
    return out


def story_order(story: Story) -> tuple:
    """The batch report's order: biggest stories first, then the earliest, then the id."""
    return (-len(story.article_ids), story.first_date is None,
            story.first_date or dt.date.min, story.id)


def _effective(article: Article, seen: dt.date) -> dt.date:
    return article.date or seen


def _windows(days: Iterable[dt.date], width: int) -> list[tuple[dt.date, dt.date]]:
    """Merged intervals [day - width, day + width] around ``days``."""
    spans: list[tuple[dt.date, dt.date]] = []
    delta = dt.timedelta(days=width)
    for day in sorted(set(days)):
        start, end = day - delta, day + delta
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def _fresh_id(members: Sequence[Article], taken: set[str]) -> str:
    """``pipeline.story_id`` (hash of the first article), or of the next one when taken."""
    for article in sorted(members, key=chronological):
        sid = "s-" + hashlib.sha1(article.id.encode("utf-8")).hexdigest()[:10]
        if sid not in taken:
            return sid
    first = min(members, key=chronological).id
    number = 2
    while True:
        sid = "s-" + hashlib.sha1(f"{first}#{number}".encode()).hexdigest()[:10]
        if sid not in taken:
            return sid
        number += 1


def _stable_ids(clusters: list[list[str]], story_of: dict[str, str],
                members: dict[str, Article], taken: set[str]) -> list[str]:
    """An id per cluster: the stored story it holds most articles of, each id used once.

    Greedy over (most shared articles, stored id): a story that only grew keeps its id; when
    stories merge, the merged one keeps the id of the one it holds most of.
    """
    votes = []
    for index, cluster in enumerate(clusters):
        counts = Counter(story_of[a] for a in cluster if a in story_of)
        votes += [(-count, sid, index) for sid, count in counts.items()]
    votes.sort()
    ids: list[str | None] = [None] * len(clusters)
    used: set[str] = set()
    for _, sid, index in votes:
        if ids[index] is None and sid not in used:
            ids[index] = sid
            used.add(sid)
    taken = taken | used
    for index, cluster in enumerate(clusters):
        if ids[index] is None:
            ids[index] = _fresh_id([members[a] for a in cluster], taken)
            taken.add(ids[index])
    return [sid for sid in ids if sid is not None]


def _build_stories(tasks: Sequence[tuple[list[Article], dict[str, list[Article]]]],
                   settings: Settings) -> list[Story]:
    """Summarised stories of (canonical articles, their copies) tasks (a worker's chunk)."""
    return [build_story(leaders, copies, settings) for leaders, copies in tasks]


def story_from_stored(stored: StoredStory, members: Sequence[StoredArticle]) -> Story:
    """A Story from its stored row and articles, in ``build_story``'s display order."""
    canonical = [m.article for m in members if m.canonical is None]
    copies: dict[str, list[Article]] = defaultdict(list)
    for m in members:
        if m.canonical is not None:
            copies[m.canonical].append(m.article)
    layout = story_layout(canonical, copies)
    summary = tuple(SummarySentence(s["text"], tuple(s["sources"])) for s in stored.summary)
    return Story(id=stored.id, title=stored.title, article_ids=layout.article_ids,
                 duplicate_of=layout.duplicate_of, summary=summary, differences=stored.differences,
                 first_date=stored.first_date, last_date=stored.last_date)


def _placeholder_story(sid: str, canonical: Sequence[Article],
                       copies_of: dict[str, list[Article]]) -> Story:
    """A Story without summary (``summarize=False``): title from the first article."""
    first = min(canonical, key=chronological)
    layout = story_layout(canonical, copies_of)
    return Story(id=sid, title=first.title or first.id, article_ids=layout.article_ids,
                 duplicate_of=layout.duplicate_of, first_date=layout.first_date,
                 last_date=layout.last_date)


# --- the update ---------------------------------------------------------------------------


def check_settings(store: StoryStore, settings: Settings) -> dict[str, str]:
    """The settings stored signatures depend on must not change under them."""
    wanted = {"seed": str(settings.seed), "num_perm": str(NUM_PERM),
              "shingle_size": str(_finder(settings).shingle_size)}
    for key, value in wanted.items():
        stored = store.get_meta(key)
        if stored is not None and stored != value:
            raise StoreError(
                f"The database was built with {key} {stored}, this run uses {value}: the "
                f"stored fingerprints would not compare. Use {key} {stored} or another --db."
            )
    return wanted


def update(store: StoryStore, paths: Sequence[Path], settings: Settings,
           options: UpdateOptions | None = None, *, wait: float = 60.0,
           progress: ProgressCallback | None = None) -> UpdateResult:
    """Add what is new under ``paths`` to ``store`` and say what changed (see module doc)."""
    options = options or UpdateOptions()
    progress = progress or _no_progress
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        # In cron a missing folder is an unmounted disk or a typo: fail loudly, store nothing.
        raise InputError(f"No such file or folder: {', '.join(missing)}")
    with store.lock(wait):
        _checkpoint("locked")
        return _Update(store, settings, options, progress).run(paths)


class _Update:
    """One update run; a class only to share its state between the small steps."""

    def __init__(self, store: StoryStore, settings: Settings, options: UpdateOptions,
                 progress: ProgressCallback):
        self.store, self.settings, self.options, self.progress = store, settings, options, progress
        self.today = options.today or dt.date.today()
        self.timings: dict[str, float] = {}
        self.result = UpdateResult()
        self.analyses: dict[str, Analysis] = {}  # to keep: new or recomputed analyses
        self.analysed = 0  # articles analysed in this run (the others had a kept analysis)
        self.lsh = _LshTables(settings.dedup_threshold)
        self.deleted_rows: set[int] = set()  # row keys of the articles this run deletes

    def _time(self, stage: str, started: float) -> None:
        self.timings[stage] = round(time.perf_counter() - started, 4)

    def run(self, paths: Sequence[Path]) -> UpdateResult:
        started = time.perf_counter()
        meta = check_settings(self.store, self.settings)
        t = time.perf_counter()
        self.progress("scan", 0, 0)
        scanned = scan(paths, self.store.file_records())
        new, self.file_of, skipped, records, replaced = _load(scanned, self.store, self.settings)
        self.result.skipped = skipped
        self._time("scan_and_load", t)
        _checkpoint("loaded")

        t = time.perf_counter()
        self.progress("dedup", 0, len(new))
        dedup = (_dedup(self.store, new, replaced, self.settings, self.lsh)
                 if new or replaced else None)
        self._time("dedup", t)
        _checkpoint("deduplicated")

        plan = self._plan(new, replaced, dedup) if dedup else None
        _checkpoint("clustered")
        if plan:
            self._summarize(plan)
        _checkpoint("summarized")

        t = time.perf_counter()
        self._write(plan, records, replaced, meta)
        self._time("write", t)
        _checkpoint("committed")
        self.timings["total"] = round(time.perf_counter() - started, 4)
        self._stats(scanned, new, replaced, plan)
        self.result.timings = self.timings
        return self.result

    # -- clustering ------------------------------------------------------------------------

    def _plan(self, new: list[Article], replaced: list[StoredArticle], dedup: _Dedup) -> _Plan:
        t = time.perf_counter()
        today = self.today
        gone = {a.article.id for a in replaced}
        days = [_effective(a, today) for a in new]
        affected = {a.story for a in dedup.old if a.article.id in dedup.touched}
        affected |= {a.story for a in replaced}
        for start, end in _windows(days, self.options.window_days):
            affected.update(self.store.stories_active(start, end))
        affected |= self.store.stories_of_rows(_lexical_neighbours(self.store, new))
        stored = [a for a in self.store.articles_of_stories(affected) if a.article.id not in gone]
        canonical_of = {a.article.id: a.canonical for a in stored}
        # Regrouped articles outside the neighbourhood kept their group (else it would hold
        # them): their links stay as stored.
        inside = set(canonical_of) | {a.id for a in new}
        canonical_of.update((k, v) for k, v in dedup.canonical.items() if k in inside)
        seen = {a.article.id: a.seen for a in stored}
        seen.update((a.id, today) for a in new)
        members = {a.article.id: a.article for a in stored}
        members.update((a.id, a) for a in new)
        self.progress("cluster", 0, len(members))
        leaders = [members[i] for i in sorted(members) if canonical_of.get(i) is None]
        clusters = self._cluster(leaders)
        story_of_leader = {aid: k for k, group in enumerate(clusters) for aid in group}
        for aid, canonical in canonical_of.items():
            if canonical is not None:
                clusters[story_of_leader[canonical]].append(aid)
        old_story = {a.article.id: a.story for a in stored}
        # A re-read article (its file changed) votes for the story it was in, so that a story
        # keeps its id when one of its files is edited.
        prior_story = {a.article.id: a.story for a in replaced}
        old_ids = sorted(affected)
        taken = set(old_ids) | self._existing_ids(clusters, members)
        ids = _stable_ids(clusters, {**prior_story, **old_story}, members, taken)
        self._time("cluster", t)
        logger.info("cluster: %d articles in %d stories re-clustered with %d new articles "
                    "into %d stories", len(stored), len(affected), len(new), len(clusters))
        return _Plan(dict(zip(ids, clusters, strict=True)), members, canonical_of, seen,
                     old_story, {a.article.id: a for a in stored}, set(old_ids),
                     {a.id for a in new}, dedup, prior_story)

    def _cluster(self, leaders: list[Article]) -> list[list[str]]:
        """Story clusters of the canonical articles (ids, in input order), as batch's
        ``group_stories`` makes them, analysing only the articles without a kept analysis."""
        if not leaders:
            self.analyses = {}
            return []
        kept = _decode_analyses(self.store.analyses(a.id for a in leaders))
        clusterer = make_clusterer(self.settings).fit(leaders, analyses=kept)
        # Only what changed is written back: new articles and stored ones analysed again.
        self.analyses = {aid: an for aid, an in clusterer.analyses_.items()
                         if aid not in kept or kept[aid].key != an.key}
        self.analysed = clusterer.analysed_
        logger.info("cluster: %d of %d articles analysed (%d kept analyses used)",
                    clusterer.analysed_, len(leaders), len(leaders) - clusterer.analysed_)
        groups: dict[int, list[str]] = defaultdict(list)
        for article, label in zip(leaders, clusterer.labels_, strict=True):
            groups[label].append(article.id)
        return list(groups.values())

    def _existing_ids(self, clusters: list[list[str]], members: dict[str, Article]) -> set[str]:
        """Stored story ids a fresh id might collide with (the ids fresh ids are made of)."""
        possible = {"s-" + hashlib.sha1(aid.encode("utf-8")).hexdigest()[:10]
                    for cluster in clusters for aid in cluster}
        return {s.id for s in self.store.get_stories(possible)}

    # -- summaries -------------------------------------------------------------------------

    def _summarize(self, plan: _Plan) -> None:
        t = time.perf_counter()
        changed = plan.changed_stories()
        self.progress("summarize", 0, len(changed))
        tasks = []
        for sid in changed:
            ids = plan.clusters[sid]
            leaders = [plan.members[a] for a in ids if plan.canonical_of.get(a) is None]
            copies_of: dict[str, list[Article]] = defaultdict(list)
            for aid in ids:
                if plan.canonical_of.get(aid) is not None:
                    copies_of[plan.canonical_of[aid]].append(plan.members[aid])
            tasks.append((leaders, dict(copies_of)))
        if self.options.summarize:  # on several processes, as in batch (same stories)
            built = map_chunks(partial(_build_stories, settings=self.settings), tasks,
                               jobs=self.settings.effective_jobs, chunk_size=SUMMARIZE_CHUNK)
            stories = [dataclasses.replace(story, id=sid)
                       for sid, story in zip(changed, built, strict=True)]
        else:
            stories = [_placeholder_story(sid, leaders, copies_of)
                       for sid, (leaders, copies_of) in zip(changed, tasks, strict=True)]
        plan.stories.update(zip(changed, stories, strict=True))
        self.progress("summarize", len(changed), len(changed))
        self._time("summarize", t)

    # -- writing ---------------------------------------------------------------------------

    def _write(self, plan: _Plan | None, records: list[FileRecord],
               replaced: list[StoredArticle], meta: dict[str, str]) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        store = self.store
        if not plan and not records and self.options.retain_days is None:
            return  # nothing new: leave the database file untouched (idempotent reruns)
        with store.transaction():
            for key, value in meta.items():
                store.set_meta(key, value)
            if plan:
                removed = sorted(plan.old_ids - set(plan.clusters))
                store.delete_articles(a.article.id for a in replaced)
                store.delete_stories(removed)
                store.put_stories(self._stored_story(plan, sid, now) for sid in plan.stories)
                _checkpoint("writing")
                inserted = store.put_articles(self._new_rows(plan))
                self.deleted_rows.update(a.row for a in replaced if a.row is not None)
                store.relink_articles(plan.relinks())
                store.put_analyses(_encode_analyses(self.analyses))
                self._report(plan, removed)
            # File records last: until they are in, the next run reads these files again.
            store.put_files(records)
            if self.options.retain_days is not None:
                self._expire(now)
            if plan and self.lsh.tables is not None:
                # The writes above emptied the stored index; store it again, updated.
                self.lsh.update(inserted, self.deleted_rows)
                self.lsh.save(store)
            store.set_meta("last_update", now)
            _checkpoint("written")

    def _stored_story(self, plan: _Plan, sid: str, now: str) -> StoredStory:
        story = plan.stories[sid]
        days = [_effective(plan.members[a], plan.seen[a]) for a in plan.clusters[sid]]
        return StoredStory(
            id=sid, title=story.title, first_date=story.first_date, last_date=story.last_date,
            active_from=min(days), active_to=max(days),
            summary=[{"text": s.text, "sources": list(s.sources)} for s in story.summary],
            differences=story.differences, created=now, updated=now,  # created kept on update
        )

    def _new_rows(self, plan: _Plan) -> list[StoredArticle]:
        rows = []
        for aid in sorted(plan.new_ids):
            article = plan.members[aid]
            rows.append(StoredArticle(
                article=article, file=self.file_of[aid], words=plan.dedup.words[aid],
                signature=plan.dedup.signatures[aid], canonical=plan.canonical_of.get(aid),
                story=plan.story_of(aid), seen=self.today,
            ))
        return rows

    def _expire(self, now: str) -> None:
        cutoff = self.today - dt.timedelta(days=self.options.retain_days or 0)
        expired = self.store.stories_inactive_since(cutoff)
        if not expired:
            return
        members = self.store.articles_of_stories(expired)
        self.deleted_rows.update(a.row for a in members if a.row is not None)
        self.store.delete_articles(a.article.id for a in members)
        self.store.delete_stories(expired)
        self.result.stats["expired_stories"] = len(expired)
        self.result.stats["expired_articles"] = len(members)
        # A story that expires in the run that created it is not news.
        gone = set(expired)
        self.result.new_stories = [s for s in self.result.new_stories if s.id not in gone]
        self.result.grown_stories = [g for g in self.result.grown_stories if g[0].id not in gone]
        self.result.new_copies = [c for c in self.result.new_copies if c[2] not in gone]
        self.result.removed_stories += sorted(gone)
        logger.info("retention: dropped %d stories (%d articles) with no article since %s",
                    len(expired), len(members), cutoff)

    def _report(self, plan: _Plan, removed: list[str]) -> None:
        result = self.result
        for sid in sorted(plan.stories):
            story = plan.stories[sid]
            added = sorted(a for a in plan.clusters[sid]
                           if plan.prior_story.get(a) != sid and plan.old_story.get(a) != sid)
            if sid not in plan.old_ids:
                result.new_stories.append(story)
            elif added:
                result.grown_stories.append((story, added))
        for aid, canonical in sorted(plan.canonical_of.items()):
            # New copy relations: a new article that copies another, or a stored canonical
            # article that a fuller new one displaced (re-pointed old copies are not news).
            was_canonical = aid in plan.old_rows and plan.old_rows[aid].canonical is None
            if canonical is not None and (aid in plan.new_ids or was_canonical):
                result.new_copies.append((aid, canonical, plan.story_of(aid)))
        result.removed_stories = removed
        result.articles = {a: plan.members[a] for s in plan.stories for a in plan.clusters[s]}
        result.new_stories.sort(key=story_order)
        result.grown_stories.sort(key=lambda g: story_order(g[0]))

    def _stats(self, scanned: _Scan, new: list[Article], replaced: list[StoredArticle],
               plan: _Plan | None) -> None:
        counts = self.store.counts()
        self.result.stats = {
            "files_seen": scanned.seen,
            "files_read": len(scanned.to_read),
            "files_unchanged": scanned.unchanged,
            "articles_added": len(new),
            "articles_replaced": len(replaced),
            "new_stories": len(self.result.new_stories),
            "grown_stories": len(self.result.grown_stories),
            "new_copies": len(self.result.new_copies),
            "removed_stories": len(self.result.removed_stories),
            "stories_reclustered": len(plan.old_ids) if plan else 0,
            "articles_reclustered": len(plan.members) if plan else 0,
            "articles_analysed": self.analysed,
            "skipped": len(self.result.skipped),
            **{k: v for k, v in self.result.stats.items() if k.startswith("expired")},
            # the totals render.headline expects, over the whole database
            "articles": counts["articles"],
            "stories": counts["stories"],
            "duplicates": len(self.result.new_copies),
        }


@dataclass
class _Plan:
    """The outcome of re-clustering the neighbourhood, before anything is written."""

    clusters: dict[str, list[str]]  # story id → article ids
    members: dict[str, Article]
    canonical_of: dict[str, str | None]
    seen: dict[str, dt.date]
    old_story: dict[str, str]  # stored article id → its stored story
    old_rows: dict[str, StoredArticle]
    old_ids: set[str]  # the stored stories re-clustered
    new_ids: set[str]  # this run's article ids
    dedup: _Dedup
    prior_story: dict[str, str]  # re-read article id → the story it was in before
    stories: dict[str, Story] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._story_of = {a: sid for sid, ids in self.clusters.items() for a in ids}

    def story_of(self, aid: str) -> str:
        return self._story_of[aid]

    def changed_stories(self) -> list[str]:
        """Stories whose articles, copies or texts changed (they need a new summary)."""
        changed = []
        before: dict[str, set[str]] = defaultdict(set)
        for aid, sid in self.old_story.items():
            before[sid].add(aid)
        for sid, ids in sorted(self.clusters.items()):
            same = set(ids) == before.get(sid, set()) and all(
                self.canonical_of.get(a) == self.old_rows[a].canonical for a in ids
            )
            if not same:
                changed.append(sid)
        return changed

    def relinks(self) -> list[tuple[str, str | None, str]]:
        """(id, canonical, story) of stored articles whose copy link or story changed."""
        out = []
        for aid, row in sorted(self.old_rows.items()):
            canonical, story = self.canonical_of.get(aid), self._story_of[aid]
            if canonical != row.canonical or story != row.story:
                out.append((aid, canonical, story))
        return out


__all__ = [
    "CRASH_ENV",
    "CRASH_STAGES",
    "UpdateOptions",
    "UpdateResult",
    "scan",
    "story_from_stored",
    "story_order",
    "update",
]
