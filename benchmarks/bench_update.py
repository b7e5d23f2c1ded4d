"""Benchmark ``newsclust update``: 1,000 new articles into a story database of 100,000.

Usage::

    .venv/bin/python benchmarks/bench_update.py                 # build (once) and measure
    .venv/bin/python benchmarks/bench_update.py --base 20000    # a smaller database
    .venv/bin/python benchmarks/bench_update.py --windows 2 14 60 --no-summaries

The database is synthesised from the texts of ``../shared/eval`` (collages of real paragraphs
plus syndication copies, ``benchmarks/syndicate.py``), dated over two years; the 1,000 new
articles are dated in the last two days, as in an hourly cron job. Building it goes through
the store API with real MinHash signatures but without clustering 100k articles (that would
take an hour): each base article and its copies form one stored story. It is cached under
``benchmarks/data/`` (gitignored).

Each measured update runs in a child process (a fresh copy of the cached database) of a
process that stays small (the database is built in another child), so the peak RSS printed
is that run's own; CPU seconds include its worker processes. The copy is
marked as integrity-checked, as in every hourly run but the first of the day (the daily
``PRAGMA quick_check`` is timed on its own). The database holds the per-article analyses an
update keeps (see ``_refresh_analyses``). Also measured: rebuilding the LSH index from the stored
signatures against reading a stored copy of the index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from syndicate import load_jsonl, synth_corpus  # noqa: E402

from newsclust.models import Article  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "benchmarks" / "data"
START = dt.date(2023, 1, 1)
DAYS = 730
TODAY = START + dt.timedelta(days=DAYS)
BUILD_VERSION = "5"


def _records(n: int, seed: int) -> list[dict]:
    sources = []
    for name in ("gva-dev.jsonl", "wikiref220.jsonl", "reuters21578.jsonl"):
        if (EVAL / name).exists():
            sources += load_jsonl(EVAL / name)
    if not sources:
        sys.exit(f"no evaluation data in {EVAL}")
    return synth_corpus(sources, n, seed=seed)


def _date_over(rng: random.Random, first: dt.date, days: int) -> str:
    return (first + dt.timedelta(days=rng.randrange(days))).isoformat()


def build(db: Path, n: int) -> None:
    """A database of ``n`` articles (with signatures), one story per base article."""
    from newsclust.dedup import DEFAULT_SHINGLE_SIZE, fingerprint
    from newsclust.incremental import NUM_PERM
    from newsclust.store import FileRecord, StoredArticle, StoredStory, open_store

    started = time.perf_counter()
    rng = random.Random(7)
    records = _records(n, seed=1)
    for r in records:
        r["date"] = _date_over(rng, START, DAYS - 2)
    group_dates: dict[str, str] = {}
    for r in records:  # a copy is dated at most two days after its original
        base = group_dates.setdefault(r["group"], r["date"])
        if r["id"] != r["group"]:
            day = dt.date.fromisoformat(base) + dt.timedelta(days=rng.randrange(3))
            r["date"] = day.isoformat()
    _, signatures = fingerprint([r["text"] for r in records], shingle_size=DEFAULT_SHINGLE_SIZE,
                                num_perm=NUM_PERM, seed=1, jobs=2)
    # Real copy groups (as an update would store them), so a measured run has nothing to mend.
    from newsclust.dedup import NearDuplicateFinder
    from newsclust.settings import Settings

    settings = Settings()
    articles = [Article(id=r["id"], text=r["text"], path=r["id"], title=r["title"],
                        date=dt.date.fromisoformat(r["date"]), source=r.get("source"))
                for r in records]
    duplicate_of = NearDuplicateFinder(threshold=settings.dedup_threshold, seed=1,
                                       jobs=2).fit(articles).result_.duplicate_of
    for r in records:
        r["group"] = duplicate_of.get(r["id"], r["id"])
    db.unlink(missing_ok=True)
    store = open_store(db)
    seen = TODAY - dt.timedelta(days=1)
    with store.transaction():
        meta = {"seed": "1", "num_perm": str(NUM_PERM), "bench_version": BUILD_VERSION,
                "shingle_size": str(DEFAULT_SHINGLE_SIZE)}
        for key, value in meta.items():
            store.set_meta(key, value)
        files = [FileRecord(f"/bench/base/{k:04d}.jsonl", 0, 0, "-") for k in range(n // 1000 + 1)]
        store.put_files(files)
        members: dict[str, list[dict]] = {}
        for r in records:
            members.setdefault(r["group"], []).append(r)
        stories = []
        for group, rows in members.items():
            days = sorted(dt.date.fromisoformat(r["date"]) for r in rows)
            stories.append(StoredStory("s-" + group, rows[0]["title"] or group, days[0],
                                       days[-1], days[0], days[-1], [], {}, "bench", "bench"))
        store.put_stories(stories)
        rows_out = []
        for i, r in enumerate(records):
            article = Article(id=r["id"], text=r["text"], path=r["id"], title=r["title"],
                              date=dt.date.fromisoformat(r["date"]), source=r.get("source"))
            canonical = None if r["id"] == r["group"] else r["group"]
            rows_out.append(StoredArticle(article, files[i // 1000].path, len(r["text"].split()),
                                          signatures[i].tobytes(), canonical, "s-" + r["group"],
                                          seen))
        store.put_articles(rows_out)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    print(f"built {db} ({n} articles, {len(stories)} stories) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def _refresh_analyses(db: Path) -> None:
    """Give the database the kept analyses one built by hourly updates holds: one for every
    canonical article, made by the current code (an edit of the extractor makes them stale,
    as it would for a user's database after an upgrade; that one-off cost is not what the
    benchmark measures). Made through the public API: a fit per week of articles."""
    from newsclust.cluster.analysis import _analysis_key
    from newsclust.incremental.analyses import encode_analyses
    from newsclust.pipeline import make_clusterer
    from newsclust.settings import Settings
    from newsclust.store import open_store

    store = open_store(db)
    canonical = [a for _, a in store.story_members() if a.canonical is None]
    probe = store.articles_by_rows([canonical[0].row])[0].article
    kept = store.analyses([probe.id])
    if probe.id in kept and kept[probe.id][0] == _analysis_key(probe.title, probe.text):
        store.close()
        return
    started = time.perf_counter()
    leaders = sorted((a.article for a in store.articles_by_rows(a.row for a in canonical)),
                     key=lambda a: (a.date, a.id))
    weeks: dict[int, list[Article]] = {}
    for a in leaders:
        weeks.setdefault((a.date - START).days // 7, []).append(a)
    with store.transaction():
        store.conn.execute("DELETE FROM analyses")
        for week in weeks.values():
            fitted = make_clusterer(Settings()).fit(week, analyses={})
            store.put_analyses(encode_analyses(fitted.analyses_))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    print(f"analysed {len(leaders)} canonical articles in {time.perf_counter() - started:.0f} s",
          flush=True)


def _stored_index(db: Path) -> None:
    """Store the LSH index as every update keeps it (a database built through the store API,
    or migrated, has none; the first update would rebuild it)."""
    from newsclust.incremental.lsh import LshTables
    from newsclust.settings import Settings
    from newsclust.store import open_store

    store = open_store(db)
    lsh = LshTables(Settings().dedup_threshold)
    lsh.load(store)
    if lsh.rebuilt:
        with store.transaction():
            lsh.save(store)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def _cached(n: int) -> Path:
    from newsclust.store import open_store

    DATA.mkdir(parents=True, exist_ok=True)
    db = DATA / f"bench-{n}.db"
    if db.exists():
        store = open_store(db, readonly=True)
        from newsclust.dedup import DEFAULT_SHINGLE_SIZE

        ok = store.get_meta("bench_version") == BUILD_VERSION and store.get_meta(
            "shingle_size") == str(DEFAULT_SHINGLE_SIZE)
        store.close()
        if ok:
            _refresh_analyses(db)
            return db
    build(db, n)
    _refresh_analyses(db)
    return db


def write_new(inbox: Path, count: int) -> None:
    """``count`` new articles dated in the last two days, in files of 100 (as a feed drops)."""
    rng = random.Random(11)
    records = _records(count, seed=99)
    inbox.mkdir(parents=True, exist_ok=True)
    for k in range(0, count, 100):
        rows = []
        for r in records[k : k + 100]:
            rows.append({"id": "new-" + r["id"], "title": r["title"], "text": r["text"],
                         "date": _date_over(rng, TODAY - dt.timedelta(days=1), 2),
                         "source": r.get("source")})
        (inbox / f"new-{k:05d}.jsonl").write_text(
            "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def child(db: Path, inbox: Path, window: int, summarize: bool) -> None:
    """One update, in this process; prints its figures as JSON."""
    from newsclust.incremental import UpdateOptions, update
    from newsclust.settings import Settings
    from newsclust.store import open_store

    started = time.perf_counter()
    store = open_store(db)
    opened = time.perf_counter()
    result = update(store, [inbox], Settings(), UpdateOptions(
        window_days=window, summarize=summarize, today=TODAY))
    store.close()
    seconds = time.perf_counter() - started
    # CPU of this process and of the worker processes it waited for (both cores' work).
    cpu = sum(getattr(resource.getrusage(who), f) for who in
              (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
    print(json.dumps({
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "open_seconds": round(opened - started, 3),
        "docs_per_second": round(result.stats["articles_added"] / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "timings": result.timings,
        "stats": result.stats,
    }))


def _checked_now(db: Path) -> None:
    """Mark the copy as integrity-checked just now: the measured run is a typical hourly
    one, not the first of the day (whose check ``measure_index`` times on its own)."""
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('last_check', ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value",
                     (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),))
    conn.close()


def measure_index(db: Path) -> dict:
    """Rebuild the LSH index from stored signatures vs read a stored copy of the index."""
    import numpy as np

    from newsclust.dedup import BandIndex, choose_bands
    from newsclust.incremental.lsh import NUM_PERM, signature_matrix
    from newsclust.store import open_store

    store = open_store(db, readonly=True)
    t = time.perf_counter()
    store.conn.execute("PRAGMA quick_check").fetchone()
    daily_check = time.perf_counter() - t
    t = time.perf_counter()
    rows, _, blobs = store.signatures()
    read = time.perf_counter() - t
    bands, band_rows = choose_bands(0.8, NUM_PERM)
    index = BandIndex(bands, band_rows)
    index.add(signature_matrix(blobs), np.asarray(rows, dtype=np.int64))
    rebuild = time.perf_counter() - t
    store.close()
    # The alternative: the sorted band tables as one blob in the database.
    saved = DATA / "index-copy.db"
    saved.unlink(missing_ok=True)
    import sqlite3

    conn = sqlite3.connect(saved)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE lsh (band INTEGER PRIMARY KEY, keys BLOB)")
    conn.commit()
    t = time.perf_counter()  # what every run would pay to keep a stored index current
    conn.executemany("INSERT OR REPLACE INTO lsh VALUES (?, ?)",
                     [(b, t.tobytes()) for b, t in enumerate(index._tables)])
    conn.commit()
    write = time.perf_counter() - t
    t = time.perf_counter()
    tables = [np.frombuffer(blob, dtype=np.uint64)
              for _, blob in conn.execute("SELECT band, keys FROM lsh ORDER BY band")]
    load = time.perf_counter() - t
    conn.close()
    saved.unlink()
    assert len(tables) == bands
    return {"articles": len(rows), "daily_quick_check_s": round(daily_check, 2),
            "read_signatures_s": round(read, 3),
            "rebuild_index_s": round(rebuild, 3), "load_stored_index_s": round(load, 3),
            "write_stored_index_s": round(write, 3),
            "index_mb": round(index.nbytes / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--windows", type=int, nargs="+", default=[3, 7])
    parser.add_argument("--no-summaries", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("DB", "INBOX", "WINDOW", "SUMMARIZE"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = DATA / "run"
    if args.child:
        db, inbox, window, summarize = args.child
        child(Path(db), Path(inbox), int(window), summarize == "1")
        return
    if args.prepare:
        db = _cached(args.base)
        _stored_index(db)
        print("index:", json.dumps(measure_index(db)), file=sys.stderr, flush=True)
        shutil.rmtree(work, ignore_errors=True)
        write_new(work / "inbox", args.new)
        print(db)
        return
    # Building the database and the new articles takes GBs: done in a child process, so that
    # this one stays small. (A process starts with its parent's peak RSS as its own, so the
    # measured runs would otherwise report this process's peak, not theirs.)
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", "--base", str(args.base), "--new",
         str(args.new)], stdout=subprocess.PIPE, text=True, check=True)
    *notes, last = prepared.stdout.strip().splitlines()
    for note in notes:
        print(note, flush=True)
    db = Path(last)
    modes = [False] if args.no_summaries else [False, True]
    for window in args.windows:
        for summarize in modes:
            copy = work / "news.db"
            shutil.copy(db, copy)
            _checked_now(copy)
            begun = time.perf_counter()
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(copy), str(work / "inbox"),
                 str(window), "1" if summarize else "0"],
                capture_output=True, text=True,
            )
            if run.returncode != 0:
                sys.exit(f"the measured update failed:\n{run.stderr}")
            process = time.perf_counter() - begun
            figures = json.loads(run.stdout)
            stats = figures["stats"]
            load = os.getloadavg()[0]
            print(f"window {window:>3} d, summaries {'on ' if summarize else 'off'}: "
                  f"{figures['seconds']:6.1f} s ({process:.1f} s with interpreter start and "
                  f"imports), CPU {figures['cpu_seconds']:.1f} s, "
                  f"{figures['docs_per_second']:6.1f} docs/s, "
                  f"peak RSS {figures['peak_rss_mb']} MB, re-clustered "
                  f"{stats['stories_reclustered']} stories ({stats['articles_reclustered']} "
                  f"articles, {stats['articles_analysed']} analysed); load average "
                  f"{load:.1f}; {figures['timings']}",
                  flush=True)


if __name__ == "__main__":
    main()
