"""The story database: persistent state for ``newsclust update`` (cron mode).

What is kept
------------
- ``files``: every input file seen (absolute path, size, mtime, SHA-256 of the bytes), so a run
  reads only files that are new or changed. Files that gave no article are kept too (with the
  reason), so a bad file is reported once, not every hour.
- ``articles``: the cleaned articles, their MinHash signature (the near-duplicate index is
  rebuilt from these at open), word count, canonical article (for copies) and story.
- ``lsh``: the near-duplicate index over the stored signatures (sorted band tables), kept
  exact by every update or emptied (then rebuilt from the signatures).
- ``analyses``: per article, what the clusterer extracted from it (entity mentions, dates in
  the text) and the key it is valid for, so an update does not analyse stored articles again.
- ``stories``: id, title, dates, and the merged summary and differences as JSON, so
  ``newsclust stories`` prints without recomputing anything.
- ``meta``: the schema version, the program that owns the file, and the settings the stored
  signatures depend on (seed, shingle size, permutations).

Safety
------
- Every change of a run is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a run killed at
  any point, or a write that fails (a full disk), leaves the database as it was before; the
  next run redoes the work, because the files it did not record are still new.
- WAL journal, so ``stories``/``show`` read a consistent snapshot while ``update`` writes.
- ``update`` holds an exclusive ``flock`` on ``<db>.lock`` for the whole run (reading old state,
  computing, writing), so two runs never interleave; ``busy_timeout`` covers other writers.
- A file that is not SQLite, a SQLite file of another program, a damaged file or a database
  from a newer newsclust is refused with a clear error and never written to.

Portability
-----------
The update logic talks to :class:`StoryStore` (a Protocol), not to SQLite, so a PostgreSQL
store shared by several cron hosts can be added later. The SQL here is plain: ``INSERT``,
``UPDATE``, ``DELETE``, ``SELECT`` with ``?`` parameters (a driver with ``%s`` needs a
one-line translation), TEXT/INTEGER/BLOB columns (BYTEA in PostgreSQL), the schema version in
the ``meta`` table rather than ``PRAGMA user_version``, upserts as ``INSERT ... ON CONFLICT
(key) DO UPDATE`` (the same in PostgreSQL), foreign keys ``DEFERRABLE INITIALLY DEFERRED``.
SQLite-only statements stay in :class:`SQLiteStore`'s opening, checking and transaction code
(``PRAGMA`` journal mode, synchronous, foreign keys, application id, quick_check;
``BEGIN IMMEDIATE``); the lock file would become a PostgreSQL advisory lock, and new article
row keys (``MAX(row_id) + 1`` under the lock) a sequence. The LSH index is one blob per band
(``lsh_tables``/``put_lsh_tables``), rewritten by each update in its transaction; several
hosts could keep it in the same table, or in Redis through datasketch's storage layer
(``dedup.DatasketchIndex``) if its per-article cost is acceptable there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import ExitCode, NewsclustError
from .models import Article

logger = logging.getLogger(__name__)

#: Marks our SQLite files (``PRAGMA application_id``): "NCLS".
APPLICATION_ID = 0x4E434C53
APPLICATION_NAME = "newsclust"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Default seconds a second ``update`` waits for the database lock.
DEFAULT_WAIT = 60.0
DB_FILENAME = "newsclust.db"
#: Databases smaller than this get an integrity check at every open; larger ones once a day.
CHECK_ALWAYS_BYTES = 64 << 20
CHECK_EVERY = dt.timedelta(days=1)


class StoreError(NewsclustError):
    """The database cannot be used (not ours, damaged, too new, or a write failed)."""

    exit_code = ExitCode.DATABASE


class StoreLockedError(NewsclustError):
    """Another update holds the database for longer than we were asked to wait."""

    exit_code = ExitCode.LOCKED


def default_db_path() -> Path:
    """``$NEWSCLUST_DB``, else ``$XDG_DATA_HOME/newsclust/newsclust.db``
    (``~/.local/share/newsclust/newsclust.db``).

    Not the current folder: cron starts jobs in ``$HOME`` and a run from another folder would
    silently start a second, empty database. XDG data dir is where per-user state belongs.
    """
    explicit = os.environ.get("NEWSCLUST_DB")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsclust" / DB_FILENAME


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRecord:
    """An input file as last seen. ``status`` is 'ok' or the reason it gave no article."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    status: str = "ok"


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article with what the store keeps beside it.

    ``row`` is a stable integer key (the LSH index refers to articles by it); ``file`` is the
    input file (key of ``files``); ``canonical`` is the id of the article this one is a copy of
    (None for a canonical article); ``seen`` is the day it was stored (the date of an undated
    article for the time window and ``--retain-days``).
    """

    article: Article
    file: str
    words: int
    signature: bytes
    canonical: str | None
    story: str
    seen: dt.date
    row: int | None = None


@dataclass(frozen=True, slots=True)
class StoredStory:
    """A story as stored. ``active_from``/``active_to`` span its articles' dates (the day an
    undated article was stored stands in for its date)."""

    id: str
    title: str
    first_date: dt.date | None
    last_date: dt.date | None
    active_from: dt.date
    active_to: dt.date
    summary: list
    differences: dict
    created: str
    updated: str


# --- the interface the update needs ----------------------------------------------------------


class StoryStore(Protocol):
    """What ``incremental.update`` needs from a store (SQLite now; PostgreSQL later)."""

    def lock(self, wait: float) -> contextlib.AbstractContextManager[None]: ...
    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def file_records(self) -> dict[str, FileRecord]: ...
    def put_files(self, records: Iterable[FileRecord]) -> None: ...
    def signatures(self) -> tuple[list[int], list[int], list[bytes]]: ...
    def signatures_of(self, rows: Iterable[int]) -> dict[int, tuple[int, bytes]]: ...
    def lsh_tables(self) -> list[bytes]: ...
    def put_lsh_tables(self, tables: Sequence[bytes]) -> None: ...
    def articles_by_rows(self, rows: Iterable[int]) -> list[StoredArticle]: ...
    def articles_of_files(self, files: Iterable[str]) -> list[StoredArticle]: ...
    def articles_of_stories(self, story_ids: Iterable[str]) -> list[StoredArticle]: ...
    def copy_groups(self, canonical_ids: Iterable[str]) -> list[StoredArticle]: ...
    def article_ids(self, ids: Iterable[str]) -> set[str]: ...
    def analyses(self, ids: Iterable[str]) -> dict[str, tuple[str, bytes]]: ...
    def put_analyses(self, items: Iterable[tuple[str, str, bytes]]) -> None: ...
    def term_counts(self, terms: Iterable[str]) -> dict[str, int]: ...
    def term_postings(self, terms: Iterable[str]) -> list[tuple[str, int]]: ...
    def stories_of_rows(self, rows: Iterable[int]) -> set[str]: ...
    def stories_active(self, start: dt.date, end: dt.date) -> list[str]: ...
    def stories_inactive_since(self, day: dt.date) -> list[str]: ...
    def get_stories(self, ids: Iterable[str] | None = None,
                    since: dt.date | None = None) -> list[StoredStory]: ...
    def delete_articles(self, ids: Iterable[str]) -> None: ...
    def delete_stories(self, ids: Iterable[str]) -> None: ...
    def put_articles(self, articles: Iterable[StoredArticle]) -> list[StoredArticle]: ...
    def relink_articles(self, links: Iterable[tuple[str, str | None, str]]) -> None: ...
    def put_stories(self, stories: Iterable[StoredStory]) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...


# --- schema and migrations ----------------------------------------------------------------


def _migration_1(conn: sqlite3.Connection) -> None:
    """The first schema. Plain SQL types, so the same DDL runs on PostgreSQL (BLOB -> BYTEA)."""
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
        "mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT NOT NULL, first_date TEXT, "
        "last_date TEXT, active_from TEXT NOT NULL, active_to TEXT NOT NULL, "
        "summary TEXT NOT NULL, differences TEXT NOT NULL, created TEXT NOT NULL, "
        "updated TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE articles (row_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "file TEXT NOT NULL REFERENCES files(path) DEFERRABLE INITIALLY DEFERRED, "
        "story TEXT NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED, "
        "canonical TEXT, words INTEGER NOT NULL, signature BLOB NOT NULL, seen TEXT NOT NULL, "
        "title TEXT, text TEXT NOT NULL, date TEXT, source TEXT, url TEXT, byline TEXT, "
        "agency TEXT, path TEXT NOT NULL, extra TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX articles_file ON articles(file)")
    conn.execute("CREATE INDEX articles_story ON articles(story)")
    conn.execute("CREATE INDEX articles_canonical ON articles(canonical)")
    conn.execute("CREATE INDEX stories_active ON stories(active_to, active_from)")


_TERM = re.compile(r"\b[A-Z][\w'’-]{2,}")
#: Terms kept per article: names come early in news copy, and a cap bounds the index.
MAX_TERMS = 64


def index_terms(title: str | None, text: str) -> list[str]:
    """The words that find an article's story again: capitalised words (names, places,
    organisations) of title and body, lowercased, in order of first appearance.

    Common ones ("The", "Police") are kept too; the update ignores terms found in many
    articles. Deliberately simple and independent of the clusterer, so that the stored index
    never has to be rebuilt when the clusterer changes.
    """
    found = dict.fromkeys(map(str.lower, _TERM.findall(f"{title or ''}\n{text}")))
    return list(found)[:MAX_TERMS]


def _migration_2(conn: sqlite3.Connection) -> None:
    """A term index (term -> article) to find old stories that share rare names with new
    articles, however long ago they ran; filled from the stored articles."""
    conn.execute("CREATE TABLE terms (term TEXT NOT NULL, row_id INTEGER NOT NULL)")
    rows = conn.execute("SELECT row_id, title, text FROM articles").fetchall()
    conn.executemany("INSERT INTO terms (term, row_id) VALUES (?, ?)",
                     [(t, r) for r, title, text in rows for t in index_terms(title, text)])
    conn.execute("CREATE INDEX terms_term ON terms(term)")
    conn.execute("CREATE INDEX terms_row ON terms(row_id)")


def _migration_3(conn: sqlite3.Connection) -> None:
    """Kept per-article analyses (entity mentions, text dates; an opaque blob with the key it
    was made under), so an update analyses only what is new. Starts empty: the first update
    on a migrated database analyses its neighbourhood as before and keeps the results."""
    conn.execute(
        "CREATE TABLE analyses (id TEXT PRIMARY KEY "
        "REFERENCES articles(id) DEFERRABLE INITIALLY DEFERRED, "
        "key TEXT NOT NULL, data BLOB NOT NULL)"
    )


def _migration_4(conn: sqlite3.Connection) -> None:
    """The near-duplicate (LSH) index as stored tables, one blob per band, so a run reads it
    instead of rebuilding it from every stored signature. Absent (empty) until an update
    stores it; any write of articles that does not store it again empties it."""
    conn.execute("CREATE TABLE lsh (band INTEGER PRIMARY KEY, entries BLOB NOT NULL)")


#: Migration i (1-based) brings the schema from version i - 1 to i. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migration_1, _migration_2,
                                                          _migration_3, _migration_4]
SCHEMA_VERSION = len(MIGRATIONS)


# --- helpers ------------------------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _chunks(items: Sequence, size: int = 500) -> Iterator[Sequence]:
    """Slices small enough for an ``IN (?, ?, ...)`` list on every database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ARTICLE_COLUMNS = (
    "row_id, id, file, story, canonical, words, signature, seen, title, text, date, source, url, "
    "byline, agency, path, extra"
)


def _article_row(a: StoredArticle) -> tuple:
    art = a.article
    return (
        a.row, art.id, a.file, a.story, a.canonical, a.words, a.signature, a.seen.isoformat(),
        art.title, art.text, _iso(art.date), art.source, art.url, art.byline, art.agency,
        art.path, json.dumps(list(art.extra)),
    )


def _article_from_row(row: sqlite3.Row | tuple) -> StoredArticle:
    (row_id, aid, file, story, canonical, words, signature, seen, title, text, date, source,
     url, byline, agency, path, extra) = row
    article = Article(
        id=aid, text=text, path=path, title=title, date=_date(date), source=source, url=url,
        byline=byline, agency=agency,
        extra=tuple(tuple(kv) for kv in json.loads(extra)) if extra != "[]" else (),
    )
    return StoredArticle(article, file, words, bytes(signature), canonical, story,
                         dt.date.fromisoformat(seen), row_id)


_STORY_COLUMNS = (
    "id, title, first_date, last_date, active_from, active_to, summary, differences, created, "
    "updated"
)


def _story_from_row(row: tuple) -> StoredStory:
    sid, title, first, last, a_from, a_to, summary, differences, created, updated = row
    return StoredStory(sid, title, _date(first), _date(last), dt.date.fromisoformat(a_from),
                       dt.date.fromisoformat(a_to), json.loads(summary), json.loads(differences),
                       created, updated)


def _check_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database before SQLite touches it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a newsclust database.") from None
    except OSError as exc:
        raise StoreError(f"Cannot read the database {path}: {exc.strerror or exc}") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a newsclust database (not an SQLite file); it was left untouched. "
            "Pass another --db."
        )


# --- the SQLite store ---------------------------------------------------------------------


class SQLiteStore:
    """:class:`StoryStore` on one SQLite file (stdlib ``sqlite3``)."""

    def __init__(self, path: Path | str, *, readonly: bool = False, busy_timeout: float = 60.0):
        self.path = Path(path)
        self.readonly = readonly
        self._lock_handle = None
        self._in_transaction = False
        self.checked = False  # whether this open ran a passing integrity check
        self.conn = self._connect(busy_timeout)

    # -- opening --

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists:
            _check_file(self.path)
            self._inspect()  # read-only checks first: a refused file is never modified
        elif self.readonly:
            raise StoreError(
                f"No story database at {self.path}: run 'newsclust update PATH --db "
                f"{self.path}' first."
            )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{self.path}?mode={'ro' if self.readonly else 'rwc'}"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout,
                               check_same_thread=False)
        try:
            if not self.readonly:
                # WAL: readers see the last commit while a run writes. FULL: a commit survives
                # power loss too (a few fsyncs per run; cron runs commit once).
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
                self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _inspect(self) -> None:
        """Check an existing file read-only: ours, not damaged, not from a newer version."""
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the database {self.path}: {exc}") from None
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            version, checked = None, None
            if "meta" in tables:
                meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                                         "('schema_version', 'last_check')"))
                version = int(meta["schema_version"]) if "schema_version" in meta else None
                checked = meta.get("last_check")
            check = "ok"
            if self._check_due(checked):
                check = conn.execute("PRAGMA quick_check").fetchone()[0]
                self.checked = check == "ok"
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"The database {self.path} is damaged ({exc}); it was left untouched. Move it "
                "away and run update again to rebuild the stories from the input files."
            ) from None
        finally:
            conn.close()
        if app_id != APPLICATION_ID and tables:
            raise StoreError(
                f"{self.path} is an SQLite database of another program, not a newsclust "
                "database; it was left untouched. Pass another --db."
            )
        if check != "ok":
            raise StoreError(
                f"The database {self.path} is damaged (integrity check: {check}); it was left "
                "untouched. Move it away and run update again to rebuild it from the inputs."
            )
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"The database {self.path} has schema version {version}, newer than this "
                f"newsclust understands ({SCHEMA_VERSION}); it was left untouched. Upgrade "
                "newsclust."
            )

    def _check_due(self, last_check: str | None) -> bool:
        """Whether to run the integrity check at this open.

        ``PRAGMA quick_check`` reads every page (3 s for a 100k-article, 800 MB database), so
        a large database is checked once a day, a small one at every open. Between checks,
        SQLite still refuses pages it cannot parse ("malformed"), and a run's transaction then
        rolls back.
        """
        if self.path.stat().st_size < CHECK_ALWAYS_BYTES or not last_check:
            return True
        try:
            last = dt.datetime.fromisoformat(last_check)
        except ValueError:
            return True
        return dt.datetime.now(dt.UTC) - last > CHECK_EVERY

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the schema up to SCHEMA_VERSION, each migration in its own transaction."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = 0
            if "meta" in tables:
                row = conn.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:  # another process upgraded it since _inspect
                raise StoreError(
                    f"The database {self.path} has schema version {version}, newer than this "
                    f"newsclust understands ({SCHEMA_VERSION}). Upgrade newsclust."
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                logger.info("database %s: migrating schema to version %d", self.path, number)
                MIGRATIONS[number - 1](conn)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(number),)
                )
            if version == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("INSERT INTO meta (key, value) VALUES ('application', ?)",
                             (APPLICATION_NAME,))
            if self.checked and self.path.stat().st_size >= CHECK_ALWAYS_BYTES:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('last_check', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- locking and transactions --

    @contextlib.contextmanager
    def lock(self, wait: float = DEFAULT_WAIT) -> Iterator[None]:
        """Hold the exclusive update lock (``<db>.lock``), waiting up to ``wait`` seconds.

        flock, not SQLite's own lock, because an update reads the old state long before it
        writes: the lock must cover the whole run, and readers must not be blocked meanwhile.
        The kernel releases it when the process dies, so a killed run never leaves it stuck.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        handle = open(lock_path, "a+b")  # noqa: SIM115 - held until the block ends
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreLockedError(
                            f"The database {self.path} is in use by another update "
                            f"(waited {wait:g} s); try again later or raise --wait."
                        ) from None
                    time.sleep(0.05)
            logger.debug("locked %s", lock_path)
            yield
        finally:
            handle.close()  # releases the lock

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements in the block commit together or not at all.

        Errors from SQLite (a full disk, say) are reported as StoreError; the rollback leaves
        the database as it was.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error | OSError):
                raise StoreError(
                    f"Writing the database {self.path} failed ({exc}); nothing was changed."
                ) from exc
            raise
        finally:
            self._in_transaction = False

    def close(self) -> None:
        self.conn.close()

    # -- meta --

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value)
        )

    # -- files --

    def file_records(self) -> dict[str, FileRecord]:
        rows = self.conn.execute("SELECT path, size, mtime_ns, sha256, status FROM files")
        return {r[0]: FileRecord(*r) for r in rows}

    def put_files(self, records: Iterable[FileRecord]) -> None:
        self.conn.executemany(
            "INSERT INTO files (path, size, mtime_ns, sha256, status) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, status = excluded.status",
            [(r.path, r.size, r.mtime_ns, r.sha256, r.status) for r in records],
        )

    # -- articles --

    def signatures(self) -> tuple[list[int], list[int], list[bytes]]:
        """Row keys, word counts and MinHash signatures of every stored article with text
        (to rebuild the LSH index)."""
        rows = self.conn.execute(
            "SELECT row_id, words, signature FROM articles WHERE words > 0 ORDER BY row_id"
        ).fetchall()
        if not rows:
            return [], [], []
        keys, words, blobs = map(list, zip(*rows, strict=True))
        return keys, words, blobs

    def signatures_of(self, rows: Iterable[int]) -> dict[int, tuple[int, bytes]]:
        """Row key -> (word count, MinHash signature) of the stored articles ``rows``."""
        rows = sorted(set(rows))
        out: dict[int, tuple[int, bytes]] = {}
        for part in _chunks(rows):
            marks = ", ".join("?" * len(part))
            out.update((r, (w, sig)) for r, w, sig in self.conn.execute(
                f"SELECT row_id, words, signature FROM articles WHERE row_id IN ({marks})", part))
        return out

    def lsh_tables(self) -> list[bytes]:
        """The stored LSH tables in band order ([] when none are stored)."""
        return [bytes(b) for (b,) in self.conn.execute(
            "SELECT entries FROM lsh ORDER BY band")]

    def put_lsh_tables(self, tables: Sequence[bytes]) -> None:
        """Store the LSH tables (they must index exactly the stored articles with text)."""
        self.conn.execute("DELETE FROM lsh")
        self.conn.executemany("INSERT INTO lsh (band, entries) VALUES (?, ?)",
                              list(enumerate(tables)))

    def _select_articles(self, column: str, values: Iterable) -> list[StoredArticle]:
        values = list(dict.fromkeys(values))
        found = []
        for part in _chunks(values):
            marks = ", ".join("?" * len(part))
            found += self.conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE {column} IN ({marks})", part
            ).fetchall()
        found.sort(key=lambda r: r[0])  # row order: the same whatever the chunking
        return [_article_from_row(r) for r in found]

    def articles_by_rows(self, rows: Iterable[int]) -> list[StoredArticle]:
        return self._select_articles("row_id", rows)

    def articles_of_files(self, files: Iterable[str]) -> list[StoredArticle]:
        return self._select_articles("file", files)

    def articles_of_stories(self, story_ids: Iterable[str]) -> list[StoredArticle]:
        return self._select_articles("story", story_ids)

    def copy_groups(self, canonical_ids: Iterable[str]) -> list[StoredArticle]:
        """Every article of the copy groups led by ``canonical_ids`` (the leaders included)."""
        ids = list(dict.fromkeys(canonical_ids))
        found = {a.article.id: a for a in self._select_articles("id", ids)}
        found.update((a.article.id, a) for a in self._select_articles("canonical", ids))
        return sorted(found.values(), key=lambda a: a.row or 0)

    def article_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        found: set[str] = set()
        ids = list(dict.fromkeys(ids))
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            found.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM articles WHERE id IN ({marks})", part))
        return found

    def put_articles(self, articles: Iterable[StoredArticle]) -> list[StoredArticle]:
        """Insert articles (and their index terms); returns them with their row keys. Rows
        without a key get the next ones. The stored LSH index no longer matches: it is
        emptied (a caller that updated it stores it again)."""
        articles = list(articles)
        top = self.conn.execute("SELECT COALESCE(MAX(row_id), 0) FROM articles").fetchone()[0]
        keyed = []
        for a in articles:
            if a.row is None:
                top += 1
                a = dataclasses.replace(a, row=top)
            keyed.append(a)
        marks = ", ".join("?" * len(_ARTICLE_COLUMNS.split(",")))
        self.conn.executemany(
            f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES ({marks})",
            [_article_row(a) for a in keyed],
        )
        self.conn.executemany(
            "INSERT INTO terms (term, row_id) VALUES (?, ?)",
            [(t, a.row) for a in keyed for t in index_terms(a.article.title, a.article.text)],
        )
        if keyed:
            self.conn.execute("DELETE FROM lsh")
        return keyed

    def analyses(self, ids: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """Article id -> (key, data) of the kept analyses of ``ids`` (absent ones left out)."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, tuple[str, bytes]] = {}
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            out.update((aid, (key, bytes(data))) for aid, key, data in self.conn.execute(
                f"SELECT id, key, data FROM analyses WHERE id IN ({marks})", part))
        return out

    def put_analyses(self, items: Iterable[tuple[str, str, bytes]]) -> None:
        """Keep (article id, key, data), replacing what an article had."""
        self.conn.executemany(
            "INSERT INTO analyses (id, key, data) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET key = excluded.key, data = excluded.data",
            list(items),
        )

    def term_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """How many stored articles carry each of ``terms`` (absent terms are left out)."""
        terms = sorted(set(terms))
        out: dict[str, int] = {}
        for part in _chunks(terms):
            marks = ", ".join("?" * len(part))
            out.update(self.conn.execute(
                f"SELECT term, COUNT(*) FROM terms WHERE term IN ({marks}) GROUP BY term", part))
        return out

    def term_postings(self, terms: Iterable[str]) -> list[tuple[str, int]]:
        """(term, row key) of every stored article carrying one of ``terms``."""
        terms = sorted(set(terms))
        out: list[tuple[str, int]] = []
        for part in _chunks(terms):
            marks = ", ".join("?" * len(part))
            out += self.conn.execute(
                f"SELECT term, row_id FROM terms WHERE term IN ({marks})", part).fetchall()
        return out

    def stories_of_rows(self, rows: Iterable[int]) -> set[str]:
        rows = sorted(set(rows))
        out: set[str] = set()
        for part in _chunks(rows):
            marks = ", ".join("?" * len(part))
            out.update(r[0] for r in self.conn.execute(
                f"SELECT story FROM articles WHERE row_id IN ({marks})", part))
        return out

    def relink_articles(self, links: Iterable[tuple[str, str | None, str]]) -> None:
        """Set (article id, canonical id or None, story id) of stored articles."""
        self.conn.executemany(
            "UPDATE articles SET canonical = ?, story = ? WHERE id = ?",
            [(canonical, story, aid) for aid, canonical, story in links],
        )

    def delete_articles(self, ids: Iterable[str]) -> None:
        """Delete articles with their terms and analyses (and empty the stored LSH index,
        which no longer matches)."""
        ids = list(ids)
        if ids:
            self.conn.execute("DELETE FROM lsh")
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            self.conn.execute(
                f"DELETE FROM terms WHERE row_id IN (SELECT row_id FROM articles "
                f"WHERE id IN ({marks}))", part)
            self.conn.execute(f"DELETE FROM analyses WHERE id IN ({marks})", part)
            self.conn.execute(f"DELETE FROM articles WHERE id IN ({marks})", part)

    # -- stories --

    def stories_active(self, start: dt.date, end: dt.date) -> list[str]:
        """Ids of stories with an article dated (or, undated, stored) in [start, end]."""
        rows = self.conn.execute(
            "SELECT id FROM stories WHERE active_to >= ? AND active_from <= ? ORDER BY id",
            (start.isoformat(), end.isoformat()),
        )
        return [r[0] for r in rows]

    def stories_inactive_since(self, day: dt.date) -> list[str]:
        """Ids of stories whose last article is older than ``day``."""
        rows = self.conn.execute(
            "SELECT id FROM stories WHERE active_to < ? ORDER BY id", (day.isoformat(),))
        return [r[0] for r in rows]

    def get_stories(self, ids: Iterable[str] | None = None,
                    since: dt.date | None = None) -> list[StoredStory]:
        if ids is None:
            sql = f"SELECT {_STORY_COLUMNS} FROM stories"
            params: tuple = ()
            if since is not None:
                sql += " WHERE active_to >= ?"
                params = (since.isoformat(),)
            return [_story_from_row(r) for r in self.conn.execute(sql + " ORDER BY id", params)]
        found = []
        ids = list(dict.fromkeys(ids))
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            found += self.conn.execute(
                f"SELECT {_STORY_COLUMNS} FROM stories WHERE id IN ({marks})", part).fetchall()
        return sorted((_story_from_row(r) for r in found), key=lambda s: s.id)

    def put_stories(self, stories: Iterable[StoredStory]) -> None:
        self.conn.executemany(
            f"INSERT INTO stories ({_STORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
            "first_date = excluded.first_date, last_date = excluded.last_date, "
            "active_from = excluded.active_from, active_to = excluded.active_to, "
            "summary = excluded.summary, differences = excluded.differences, "
            "updated = excluded.updated",
            [
                (s.id, s.title, _iso(s.first_date), _iso(s.last_date), s.active_from.isoformat(),
                 s.active_to.isoformat(), json.dumps(s.summary, ensure_ascii=False),
                 json.dumps(s.differences, ensure_ascii=False), s.created, s.updated)
                for s in stories
            ],
        )

    def delete_stories(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            self.conn.execute(f"DELETE FROM stories WHERE id IN ({marks})", part)

    def story_members(self, since: dt.date | None = None) -> list[tuple[str, StoredArticle]]:
        """(story id, article without its text) for listing stories cheaply."""
        columns = _ARTICLE_COLUMNS.replace(" text,", " '' AS text,")
        sql = f"SELECT {columns} FROM articles"
        params: tuple = ()
        if since is not None:
            sql += " WHERE story IN (SELECT id FROM stories WHERE active_to >= ?)"
            params = (since.isoformat(),)
        rows = self.conn.execute(sql + " ORDER BY row_id", params).fetchall()
        return [(r[3], _article_from_row(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("files", "articles", "stories"):
            out[table] = self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return out

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


def open_store(path: Path | str, *, readonly: bool = False) -> SQLiteStore:
    """Open (creating and migrating when needed) the story database at ``path``."""
    return SQLiteStore(path, readonly=readonly)
