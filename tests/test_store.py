"""The story database on its own: schema, migrations, refusals, transactions, the lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from newsclust import store as store_module
from newsclust.models import Article
from newsclust.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    FileRecord,
    StoredArticle,
    StoredStory,
    StoreError,
    StoreLockedError,
    default_db_path,
    open_store,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _story(sid: str = "s-1") -> StoredStory:
    day = dt.date(2024, 5, 1)
    return StoredStory(sid, "A title", day, day, day, day, [], {}, "t0", "t0")


def _article(aid: str, story: str = "s-1", file: str = "/in/a.txt") -> StoredArticle:
    article = Article(id=aid, text="Some text here.", path=file, date=dt.date(2024, 5, 1))
    return StoredArticle(article, file, 3, bytes(512), None, story, dt.date(2024, 5, 2))


def _fill(store) -> None:
    with store.transaction():
        store.put_files([FileRecord("/in/a.txt", 10, 1, "ab")])
        store.put_stories([_story()])
        store.put_articles([_article("a"), _article("b")])


def test_new_database_has_schema_version_wal_and_our_application_id(tmp_path):
    path = tmp_path / "sub" / "news.db"
    store = open_store(path)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert store.integrity() == "ok"
    store.close()


def test_round_trip_of_articles_and_stories(tmp_path):
    store = open_store(tmp_path / "news.db")
    _fill(store)
    (a, b) = store.articles_of_stories(["s-1"])
    assert (a.article.id, b.article.id) == ("a", "b")
    assert a.article.date == dt.date(2024, 5, 1) and a.seen == dt.date(2024, 5, 2)
    assert store.get_stories(["s-1"])[0].title == "A title"
    assert store.file_records()["/in/a.txt"].sha256 == "ab"
    assert store.stories_active(dt.date(2024, 4, 20), dt.date(2024, 5, 1)) == ["s-1"]
    assert store.stories_active(dt.date(2024, 5, 2), dt.date(2024, 6, 1)) == []
    assert store.counts() == {"files": 1, "articles": 2, "stories": 1}
    store.close()


def test_default_location_follows_xdg_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSCLUST_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "newsclust" / "newsclust.db"
    monkeypatch.setenv("NEWSCLUST_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "news.db"
    store = open_store(path)
    with store.transaction():
        store.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    store.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="newer than this newsclust"):
        open_store(path)
    assert _digest(path) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my precious notes\n" * 100)
    before = _digest(path)
    with pytest.raises(StoreError, match="not an SQLite file"):
        open_store(path)
    assert _digest(path) == before


def test_a_database_of_another_program_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert _digest(path) == before


def test_a_damaged_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "news.db"
    store = open_store(path)
    _fill(store)
    with store.transaction():
        store.put_articles([_article(f"x{i}") for i in range(300)])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # scribble over two pages of a b-tree
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(StoreError, match="damaged"):
        open_store(path)
    assert _digest(path) == before


def test_migrations_run_in_order_and_record_the_version(tmp_path, monkeypatch):
    path = tmp_path / "news.db"
    open_store(path).close()
    ran = []
    nxt = SCHEMA_VERSION + 1

    def add_column(conn):
        ran.append(nxt)
        conn.execute("ALTER TABLE stories ADD COLUMN note TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, add_column])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", nxt)
    store = open_store(path)
    assert ran == [nxt]
    assert store.get_meta("schema_version") == str(nxt)
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(stories)")]
    assert "note" in columns
    store.close()
    open_store(path).close()
    assert ran == [nxt]  # not again


def test_a_version_1_database_is_migrated_with_its_term_index_filled(tmp_path, monkeypatch):
    path = tmp_path / "news.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)
    store = open_store(path)
    with store.transaction():
        store.put_files([FileRecord("/in/a.txt", 10, 1, "ab")])
        store.put_stories([_story()])
        store.conn.execute(  # a version-1 insert: no terms table yet
            "INSERT INTO articles (row_id, id, file, story, canonical, words, signature, seen, "
            "text, path, extra) VALUES (1, 'a', '/in/a.txt', 's-1', NULL, 3, x'00', "
            "'2024-05-02', 'Mayor Ortega of Quillota spoke.', 'a.txt', '[]')")
    store.close()
    monkeypatch.undo()
    store = open_store(path)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.term_counts(["ortega", "quillota", "mayor"]) == {
        "ortega": 1, "quillota": 1, "mayor": 1}
    store.close()


def test_a_version_2_database_gets_empty_analyses_and_lsh_tables_and_keeps_its_data(
        tmp_path, monkeypatch):
    path = tmp_path / "news.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:2])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    store = open_store(path)
    with store.transaction():  # version-2 inserts: no analyses, no lsh table yet
        store.put_files([FileRecord("/in/a.txt", 10, 1, "ab")])
        store.put_stories([_story()])
        for row, aid in ((1, "a"), (2, "b")):
            store.conn.execute(
                "INSERT INTO articles (row_id, id, file, story, canonical, words, signature, "
                "seen, text, path, extra) VALUES (?, ?, '/in/a.txt', 's-1', NULL, 3, x'00', "
                "'2024-05-02', 'Some text here.', 'a.txt', '[]')", (row, aid))
    store.close()
    monkeypatch.undo()
    store = open_store(path)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "4"
    assert store.lsh_tables() == []
    assert sorted(a.article.id for a in store.articles_of_stories(["s-1"])) == ["a", "b"]
    assert store.analyses(["a", "b"]) == {}
    with store.transaction():
        store.put_analyses([("a", "k1", b"data")])
    assert store.analyses(["a", "b"]) == {"a": ("k1", b"data")}
    assert store.integrity() == "ok"
    store.close()


def test_analyses_are_replaced_and_leave_with_their_article(tmp_path):
    store = open_store(tmp_path / "news.db")
    _fill(store)
    with store.transaction():
        store.put_analyses([("a", "k1", b"one"), ("b", "k1", b"two")])
    with store.transaction():
        store.put_analyses([("a", "k2", b"three")])
    assert store.analyses(["a", "b", "zz"]) == {"a": ("k2", b"three"), "b": ("k1", b"two")}
    with store.transaction():
        store.delete_articles(["a"])
    assert store.analyses(["a", "b"]) == {"b": ("k1", b"two")}
    with pytest.raises(StoreError), store.transaction():  # never one without its article
        store.put_analyses([("nobody", "k", b"x")])
    assert store.integrity() == "ok"
    store.close()


def test_writing_articles_empties_the_stored_lsh_index(tmp_path):
    """A writer that changes articles without storing the index again leaves none, never a
    stale one (the next update rebuilds it from the signatures)."""
    store = open_store(tmp_path / "news.db")
    _fill(store)
    for write in (lambda: store.put_articles([_article("c")]),
                  lambda: store.delete_articles(["a"])):
        with store.transaction():
            store.put_lsh_tables([b"\x01" * 8, b"\x02" * 8])
        assert len(store.lsh_tables()) == 2
        with store.transaction():
            write()
        assert store.lsh_tables() == []
    store.close()


def test_a_failed_write_rolls_back_everything(tmp_path, monkeypatch):
    path = tmp_path / "news.db"
    store = open_store(path)
    _fill(store)
    before = store.counts()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with pytest.raises(StoreError, match="nothing was changed"), store.transaction():
        store.put_stories([_story("s-2")])
        monkeypatch.setattr(store, "put_articles", disk_full)
        store.put_articles([_article("c", "s-2")])
    assert store.counts() == before
    assert store.integrity() == "ok"
    store.close()


def test_sqlite_full_disk_error_rolls_back(tmp_path):
    path = tmp_path / "news.db"
    store = open_store(path)
    _fill(store)
    before = store.counts()
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # a disk with one page free
    big = [_article(f"big{i}") for i in range(200)]
    with pytest.raises(StoreError, match="full"), store.transaction():
        store.put_articles(big)
    assert store.counts() == before
    store.close()


def test_the_lock_is_exclusive_and_times_out(tmp_path):
    path = tmp_path / "news.db"
    first, second = open_store(path), open_store(path)
    with first.lock(wait=0), pytest.raises(StoreLockedError, match="in use"):  # noqa: SIM117
        with second.lock(wait=0.2):
            pass
    with second.lock(wait=0):  # released when the first block ended
        pass
    first.close()
    second.close()


def test_readers_see_the_last_commit_while_a_write_is_open(tmp_path):
    path = tmp_path / "news.db"
    writer = open_store(path)
    _fill(writer)
    reader = open_store(path, readonly=True)
    with writer.transaction():
        writer.delete_articles(["a"])
        assert reader.counts()["articles"] == 2  # WAL: the old snapshot, no waiting
    assert reader.counts()["articles"] == 1
    reader.close()
    writer.close()


def test_readonly_open_of_a_missing_database_says_how_to_make_one(tmp_path):
    with pytest.raises(StoreError, match="run 'newsclust update"):
        open_store(tmp_path / "none.db", readonly=True)
    assert not (tmp_path / "none.db").exists()


def test_a_large_database_is_integrity_checked_once_a_day(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "CHECK_ALWAYS_BYTES", 0)  # every database is "large"
    path = tmp_path / "news.db"
    open_store(path).close()
    first = open_store(path)
    assert first.checked and first.get_meta("last_check")
    first.close()
    second = open_store(path)
    assert not second.checked  # checked less than a day ago
    with second.transaction():
        second.set_meta("last_check", "2000-01-01T00:00:00+00:00")
    second.close()
    third = open_store(path)
    assert third.checked
    third.close()
