"""``newsclust update`` and friends: only new files are read, stories grow under stable ids,
reruns change nothing, the output contract, retention, concurrency, and batch-level quality."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import EVAL, REPO, SAMPLES, require
from typer.testing import CliRunner

from newsclust.cli import app
from newsclust.errors import ExitCode
from newsclust.incremental import UpdateOptions, _LshTables, _signature_matrix, update
from newsclust.settings import Settings
from newsclust.store import open_store

runner = CliRunner()
SETTINGS = Settings(jobs=1)
TODAY = dt.date(2025, 2, 1)


def _copy(folders: list[str], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in folders:
        shutil.copytree(SAMPLES / name, dest / name, dirs_exist_ok=True)
    return dest


def _update(db: Path, inbox: Path, **options):
    store = open_store(db)
    try:
        return update(store, [inbox], SETTINGS, UpdateOptions(today=TODAY, **options), wait=5)
    finally:
        store.close()


def _membership(db: Path) -> dict[str, set[str]]:
    store = open_store(db, readonly=True)
    try:
        found: dict[str, set[str]] = {}
        for sid, article in store.story_members():
            found.setdefault(sid, set()).add(article.article.id)
        return found
    finally:
        store.close()


def test_first_update_stores_stories_and_second_changes_nothing(tmp_path):
    inbox = _copy(["lavrov", "quake"], tmp_path / "in")
    db = tmp_path / "news.db"
    first = _update(db, inbox)
    assert first.stats["articles_added"] == 6
    assert len(first.new_stories) == 2
    stories = _membership(db)
    assert sorted(len(m) for m in stories.values()) == [3, 3]
    mtime = db.stat().st_mtime_ns
    second = _update(db, inbox)
    assert not second.changed
    assert second.stats["files_read"] == 0 and second.stats["files_unchanged"] == 6
    assert _membership(db) == stories
    assert db.stat().st_mtime_ns == mtime  # nothing written at all


def test_a_story_grows_under_its_id_and_a_copy_is_reported(tmp_path):
    inbox = _copy(["lavrov"], tmp_path / "in")
    db = tmp_path / "news.db"
    _update(db, inbox)
    (sid,) = _membership(db)
    copy = (SAMPLES / "lavrov" / "bosphorus-ledger.md").read_text(encoding="utf-8")
    (inbox / "late").mkdir()
    (inbox / "late" / "rerun.md").write_text(copy, encoding="utf-8")
    result = _update(db, inbox)
    assert result.stats["files_read"] == 1
    assert not result.new_stories
    (story, added), = result.grown_stories
    assert story.id == sid and added == ["late/rerun.md"]
    assert [c[2] for c in result.new_copies] == [sid]
    assert {c[0] for c in result.new_copies} | {c[1] for c in result.new_copies} == {
        "late/rerun.md", "lavrov/bosphorus-ledger.md"}


def test_kept_analyses_spare_the_work_and_change_no_story(tmp_path):
    """The second update analyses only its new articles; with the kept analyses thrown away
    it analyses the whole neighbourhood again and ends with the same stories."""
    first = ["lavrov", "quake", "rotterdam", "breach"]
    runs = {}
    for name, forget in (("kept", False), ("forgotten", True)):
        inbox = _copy(first, tmp_path / name / "in")
        db = tmp_path / name / "news.db"
        result = _update(db, inbox)
        assert result.stats["articles_analysed"] == result.stats["articles_reclustered"] - len(
            result.new_copies)
        if forget:
            with sqlite3.connect(db) as conn:
                conn.execute("DELETE FROM analyses")
        _copy(["strike", "tech", "wire-flood"], inbox)
        # A window of ten years: every stored story is in the neighbourhood.
        runs[name] = (_update(db, inbox, window_days=3650).stats, _membership(db))
    kept, forgotten = runs["kept"][0], runs["forgotten"][0]
    assert kept["articles_reclustered"] == forgotten["articles_reclustered"]
    assert kept["articles_analysed"] < forgotten["articles_analysed"]
    assert runs["kept"][1] == runs["forgotten"][1]
    store = open_store(tmp_path / "kept" / "news.db", readonly=True)
    try:  # every stored article that was clustered keeps its analysis
        stored = {a.article.id for _, a in store.story_members() if a.canonical is None}
        assert set(store.analyses(stored)) == stored
    finally:
        store.close()


def _stored_index(db: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The stored LSH tables, and the tables rebuilt from the stored signatures."""
    store = open_store(db, readonly=True)
    try:
        lsh = _LshTables(SETTINGS.dedup_threshold)
        stored = [np.frombuffer(b, dtype="<u8") for b in store.lsh_tables()]
        rows, _, blobs = store.signatures()
        found = lsh.entries(_signature_matrix(blobs), np.asarray(rows, dtype=np.int64))
        return stored, [np.sort(found[:, b]) for b in range(lsh.bands)]
    finally:
        store.close()


def _index_is_exact(db: Path) -> bool:
    stored, rebuilt = _stored_index(db)
    return len(stored) == len(rebuilt) and all(
        np.array_equal(a, b) for a, b in zip(stored, rebuilt, strict=True))


def test_the_stored_index_follows_inserts_replacements_and_retention(tmp_path):
    inbox = _copy(["quake", "lavrov"], tmp_path / "in")
    _write_article(inbox / "old" / "ferry.txt", "Ferry service to Tresco suspended", "2020-03-02",
                   "The island ferry to Tresco was suspended on Monday after gales damaged the "
                   "quay at New Grimsby, the operator said. Repairs will take two weeks.")
    db = tmp_path / "news.db"
    _update(db, inbox)
    assert _index_is_exact(db)
    copy = (SAMPLES / "lavrov" / "bosphorus-ledger.md").read_text(encoding="utf-8")
    (inbox / "late").mkdir()
    (inbox / "late" / "rerun.md").write_text(copy, encoding="utf-8")
    assert len(_update(db, inbox).new_copies) == 1  # found through the stored index
    assert _index_is_exact(db)
    path = inbox / "quake" / "andes-wire.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA late paragraph about aid.\n",
                    encoding="utf-8")
    (inbox / "late" / "again.md").write_text(copy + "\nOne more line.\n", encoding="utf-8")
    result = _update(db, inbox, retain_days=365)
    assert result.stats["articles_replaced"] == 1 and result.stats["expired_stories"] == 1
    assert _index_is_exact(db)


def test_an_index_emptied_by_another_writer_is_rebuilt(tmp_path):
    inbox = _copy(["lavrov"], tmp_path / "in")
    db = tmp_path / "news.db"
    _update(db, inbox)
    store = open_store(db)
    with store.transaction():
        store.put_lsh_tables([])  # as after articles written without the index
    store.close()
    copy = (SAMPLES / "lavrov" / "bosphorus-ledger.md").read_text(encoding="utf-8")
    (inbox / "rerun.md").write_text(copy, encoding="utf-8")
    assert len(_update(db, inbox).new_copies) == 1
    assert _index_is_exact(db)


def test_a_touched_file_is_not_reread_and_a_changed_one_replaces_its_article(tmp_path):
    inbox = _copy(["quake"], tmp_path / "in")
    db = tmp_path / "news.db"
    _update(db, inbox)
    path = inbox / "quake" / "andes-wire.txt"
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    touched = _update(db, inbox)
    assert touched.stats["files_read"] == 0 and not touched.changed
    path.write_text(path.read_text(encoding="utf-8") + "\nA late paragraph about aid.\n",
                    encoding="utf-8")
    changed = _update(db, inbox)
    assert changed.stats["files_read"] == 1
    assert changed.stats["articles_replaced"] == 1 and changed.stats["articles_added"] == 1
    store = open_store(db, readonly=True)
    (row,) = [a for _, a in store.story_members() if a.article.id == "quake/andes-wire.txt"]
    (full,) = store.articles_by_rows([row.row])
    assert "A late paragraph about aid." in full.article.text
    assert store.counts()["articles"] == 3
    store.close()


def test_an_edited_feed_keeps_story_ids_and_reports_a_story_that_lost_its_only_article(
        tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    feed = inbox / "feed.jsonl"
    lines = (SAMPLES / "feeds" / "newsdesk.jsonl").read_text(encoding="utf-8").splitlines()
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "news.db"
    first = _update(db, inbox)
    before = _membership(db)
    dropped = json.loads(lines[0])["id"]
    feed.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    second = _update(db, inbox)
    after = _membership(db)
    assert second.stats["articles_replaced"] == first.stats["articles_added"]
    assert not second.new_stories and not second.grown_stories
    gone = [sid for sid, ids in before.items() if ids == {dropped}]
    assert second.removed_stories == gone and second.changed
    assert {sid: ids - {dropped} for sid, ids in before.items() if sid not in gone} == after


def test_a_full_disk_during_the_write_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    from newsclust.store import SQLiteStore, StoreError

    inbox = _copy(["quake"], tmp_path / "in")
    db = tmp_path / "news.db"
    _update(db, inbox)
    before = _membership(db)
    shutil.copytree(SAMPLES / "lavrov", inbox / "lavrov")
    original = SQLiteStore.relink_articles

    def disk_full(self, links):
        original(self, links)  # some rows are already written in the transaction
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SQLiteStore, "relink_articles", disk_full)
    with pytest.raises(StoreError, match="nothing was changed"):
        _update(db, inbox)
    monkeypatch.undo()
    assert _membership(db) == before
    store = open_store(db, readonly=True)
    assert store.counts() == {"files": 3, "articles": 3, "stories": 1}
    assert store.integrity() == "ok"
    store.close()
    result = _update(db, inbox)  # with room on the disk again, the run is done in full
    assert result.stats["articles_added"] == 3 and len(result.new_stories) == 1


def test_bad_inputs_are_reported_once(tmp_path):
    inbox = _copy(["bad", "quake"], tmp_path / "in")
    db = tmp_path / "news.db"
    first = _update(db, inbox)
    assert {Path(s.path).name for s in first.skipped} >= {"empty.txt", "truncated.json"}
    second = _update(db, inbox)
    assert second.skipped == [] and not second.changed


def _write_article(path: Path, title: str, date: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Title: {title}\nDate: {date}\n\n{body}\n", encoding="utf-8")


def test_retention_drops_old_stories_without_rereading_their_files(tmp_path):
    inbox = _copy(["quake"], tmp_path / "in")  # January 2025
    _write_article(inbox / "old" / "ferry.txt", "Ferry service to Tresco suspended", "2020-03-02",
                   "The island ferry to Tresco was suspended on Monday after gales damaged the "
                   "quay at New Grimsby, the operator said. Repairs will take two weeks.")
    db = tmp_path / "news.db"
    _update(db, inbox)
    assert len(_membership(db)) == 2
    result = _update(db, inbox, retain_days=365)
    assert result.stats["expired_stories"] == 1
    remaining = _membership(db)
    assert [sorted(m)[0].split("/")[0] for m in remaining.values()] == ["quake"]
    again = _update(db, inbox, retain_days=365)
    assert again.stats["files_read"] == 0 and not again.changed


def test_an_id_used_by_another_file_gets_a_suffix(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(SAMPLES / "lavrov", one / "lavrov")
    shutil.copytree(SAMPLES / "quake", two / "lavrov")  # same relative names, other texts
    db = tmp_path / "news.db"
    _update(db, one)
    result = _update(db, two)
    assert result.stats["articles_added"] == 3
    store = open_store(db, readonly=True)
    assert store.counts()["articles"] == 6
    store.close()


def test_a_missing_input_folder_is_an_error_and_stores_nothing(tmp_path):
    db = tmp_path / "news.db"
    result = runner.invoke(app, ["update", str(tmp_path / "nope"), "--db", str(db)])
    assert result.exit_code == ExitCode.USAGE
    assert "No such file or folder" in result.output


# --- the command line ---------------------------------------------------------------------


def test_update_json_shape_and_quiet_rerun(tmp_path):
    inbox = _copy(["lavrov", "rotterdam"], tmp_path / "in")
    db = tmp_path / "news.db"
    result = runner.invoke(app, ["update", str(inbox), "--db", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= {"version", "new_stories", "grown_stories", "new_copies",
                            "skipped", "stats"}
    assert payload["version"] == 1
    assert len(payload["new_stories"]) >= 2
    story = payload["new_stories"][0]
    assert set(story) >= {"id", "title", "articles", "summary", "differences"}
    quiet = runner.invoke(app, ["update", str(inbox), "--db", str(db), "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_stories_prints_the_cluster_contract_and_show_one_story(tmp_path):
    inbox = _copy(["lavrov", "quake"], tmp_path / "in")
    (inbox / "lavrov" / "levant-untitled.txt").unlink()  # undated: counts as stored today
    db = tmp_path / "news.db"
    assert runner.invoke(app, ["update", str(inbox), "--db", str(db), "-q"]).exit_code == 0
    listed = runner.invoke(app, ["stories", "--db", str(db), "-f", "json"])
    assert listed.exit_code == 0, listed.output
    payload = json.loads(listed.stdout)
    batch = json.loads(runner.invoke(app, ["cluster", str(inbox), "-f", "json"]).stdout)
    assert set(payload) == set(batch)
    assert set(payload["stories"][0]) == set(batch["stories"][0])
    assert sorted(len(s["articles"]) for s in payload["stories"]) == [2, 3]
    recent = json.loads(runner.invoke(
        app, ["stories", "--db", str(db), "--since", "2025-01-01", "-f", "json"]).stdout)
    assert [s["title"] for s in recent["stories"]] == [
        s["title"] for s in payload["stories"] if s["last_date"] >= "2025-01-01"]
    sid = payload["stories"][0]["id"]
    shown = runner.invoke(app, ["show", sid[:6], "--db", str(db), "-f", "text"])
    assert shown.exit_code == 0 and sid in shown.stdout
    missing = runner.invoke(app, ["show", "s-nope", "--db", str(db)])
    assert missing.exit_code == ExitCode.USAGE and "No story" in missing.output


def test_update_text_and_markdown_say_what_changed(tmp_path):
    inbox = _copy(["quake"], tmp_path / "in")
    db = tmp_path / "news.db"
    text = runner.invoke(app, ["update", str(inbox), "--db", str(db), "-f", "text"])
    assert text.stdout.startswith("3 new articles from 3 files: 1 new stories")
    shutil.copytree(SAMPLES / "strike", inbox / "strike")
    md = runner.invoke(app, ["update", str(inbox), "--db", str(db), "-f", "markdown"])
    assert md.stdout.startswith("**2 new articles") and "# newsclust report" in md.stdout


# --- real processes -------------------------------------------------------------------------


def _cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsclust", *args], cwd=REPO, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )


def test_a_second_update_waits_then_gives_up_with_its_own_exit_code(tmp_path):
    import fcntl

    db = tmp_path / "news.db"
    inbox = _copy(["quake"], tmp_path / "in")
    open_store(db).close()
    with open(str(db) + ".lock", "a+b") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)  # another update is running
        proc = _cli("update", str(inbox), "--db", str(db), "--wait", "1", "-q")
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.LOCKED == 5
    assert err.strip().count("\n") == 0 and "in use by another update" in err
    assert out == ""
    assert open_store(db, readonly=True).counts()["articles"] == 0


def test_two_concurrent_updates_never_double_insert(tmp_path):
    db = tmp_path / "news.db"
    inbox = _copy(["lavrov", "quake", "rotterdam"], tmp_path / "in")
    procs = [_cli("update", str(inbox), "--db", str(db), "-f", "json", "--wait", "60")
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    added = sorted(json.loads(out)["stats"]["articles_added"] for out, _ in outputs)
    assert added == [0, 10]
    store = open_store(db, readonly=True)
    assert store.counts()["articles"] == 10 and store.integrity() == "ok"
    store.close()


# --- quality: incremental in date-ordered batches vs one batch run --------------------------


def _gva_batches(tmp_path: Path, batches: int) -> tuple[list[Path], dict[str, str]]:
    rows = [json.loads(line) for line in
            (require(EVAL / "gva-dev.jsonl")).read_text(encoding="utf-8").splitlines()]
    gold = {r["id"]: r["label"] for r in rows}
    rows.sort(key=lambda r: (r.get("date") or "9999", r["id"]))
    files = []
    for b in range(batches):
        part = rows[b * len(rows) // batches : (b + 1) * len(rows) // batches]
        path = tmp_path / "batches" / f"batch{b:02d}.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        files.append(path)
    return files, gold


@pytest.mark.slow
def test_ten_date_ordered_batches_score_within_001_of_one_batch_run(tmp_path):
    from newsclust.ingest import load_articles
    from newsclust.pipeline import find_copies, group_stories
    from newsclust.scoring import score_against_gold

    files, gold = _gva_batches(tmp_path, 10)
    inbox, db = tmp_path / "in", tmp_path / "news.db"
    inbox.mkdir()
    for path in files:
        shutil.copy(path, inbox / path.name)
        _update(db, inbox, summarize=False)
    predicted = {a.article.id: sid for sid, a in open_store(db).story_members()}
    incremental = score_against_gold(gold, predicted)

    articles, _ = load_articles([inbox], SETTINGS)
    copies = find_copies(articles, SETTINGS)
    canonical = [a for a in articles if a.id not in copies]
    labels = {a.id: k for k, group in enumerate(group_stories(canonical, SETTINGS))
              for a in group}
    labels.update((c, labels[k]) for c, k in copies.items())
    batch = score_against_gold(gold, labels)
    gap = batch["bcubed"]["f1"] - incremental["bcubed"]["f1"]
    print(f"B-cubed F1 batch {batch['bcubed']['f1']:.4f} incremental "
          f"{incremental['bcubed']['f1']:.4f}; pair F1 batch {batch['pairs']['f1']:.4f} "
          f"incremental {incremental['pairs']['f1']:.4f}")
    assert gap <= 0.01
