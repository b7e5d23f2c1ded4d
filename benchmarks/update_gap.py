"""Quality of ``newsclust update`` against one batch run of the same articles.

Usage::

    .venv/bin/python benchmarks/update_gap.py                  # gva-dev, 10 batches, window 3
    .venv/bin/python benchmarks/update_gap.py --batch-clean    # updates clean as batch does
    .venv/bin/python benchmarks/update_gap.py --batches 5 --window 7

The labelled file is cut into date-ordered batches, each added by one update to a fresh
database (summaries off); the same files then go through one batch run. Prints B-cubed and
pair-counting scores of both, and how many articles the two cleaned differently.

``--batch-clean`` makes every update clean its articles with the lines repeated across all
the batches (what the batch cleaner counts), instead of across its own files only: it tells
how much of the difference comes from cleaning. (tests/test_update.py holds the gap to 0.01.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsclust.clean import clean_article, normalise_text, repeated_lines  # noqa: E402
from newsclust.incremental import UpdateOptions, intake, update  # noqa: E402
from newsclust.load import load  # noqa: E402
from newsclust.models import Article  # noqa: E402
from newsclust.pipeline import find_copies, group_stories, load_articles  # noqa: E402
from newsclust.scoring import score_against_gold  # noqa: E402
from newsclust.settings import Settings  # noqa: E402
from newsclust.store import open_store  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "gva-dev.jsonl"


def write_batches(source: Path, folder: Path, batches: int) -> tuple[list[Path], dict[str, str]]:
    """The records of ``source`` in date order, cut into ``batches`` JSONL files."""
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    gold = {r["id"]: r["label"] for r in rows}
    rows.sort(key=lambda r: (r.get("date") or "9999", r["id"]))
    folder.mkdir(parents=True)
    files = []
    for b in range(batches):
        part = rows[b * len(rows) // batches : (b + 1) * len(rows) // batches]
        path = folder / f"batch{b:02d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        files.append(path)
    return files, gold


def clean_with_whole_corpus(folder: Path, settings: Settings) -> None:
    """Make every update clean with the repeated lines of all files in ``folder``."""
    raw = [a for a in load([folder], max_file_bytes=int(settings.max_file_mb * 1_000_000))
           if isinstance(a, Article)]
    repeated = repeated_lines([normalise_text(a.text) for a in raw])
    intake.clean_corpus = lambda articles: [
        clean_article(a, normalise_text(a.text), repeated) for a in articles]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--window", type=int, default=3)
    parser.add_argument("--batch-clean", action="store_true")
    # The run's date (undated articles are dated by it), as in tests/test_update.py.
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2025, 2, 1))
    args = parser.parse_args()
    if not args.eval.exists():
        sys.exit(f"no evaluation data at {args.eval}")
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        files, gold = write_batches(args.eval, Path(tmp) / "batches", args.batches)
        if args.batch_clean:
            clean_with_whole_corpus(Path(tmp) / "batches", settings)
        inbox, db = Path(tmp) / "in", Path(tmp) / "news.db"
        inbox.mkdir()
        for path in files:
            (inbox / path.name).write_bytes(path.read_bytes())
            store = open_store(db)
            try:
                update(store, [inbox], settings, UpdateOptions(
                    window_days=args.window, today=args.today, summarize=False))
            finally:
                store.close()
        store = open_store(db, readonly=True)
        stored = {aid: (title, text) for aid, title, text in
                  store.conn.execute("SELECT id, title, text FROM articles")}
        incremental = {a.article.id: sid for sid, a in store.story_members()}
        store.close()

        articles, _ = load_articles([inbox], settings)
    copies = find_copies(articles, settings)
    canonical = [a for a in articles if a.id not in copies]
    batch = {a.id: f"b{k}" for k, group in enumerate(group_stories(canonical, settings))
             for a in group}
    batch.update((c, batch[k]) for c, k in copies.items())
    differ = sum(1 for a in articles if a.id in stored and stored[a.id] != (a.title, a.text))
    print(f"{args.eval.name}: {args.batches} date-ordered batches, window {args.window} d"
          f"{', updates clean as batch does' if args.batch_clean else ''}")
    scores = {}
    for name, labels in (("incremental", incremental), ("batch", batch)):
        s = scores[name] = score_against_gold(gold, labels)
        b3, pairs = s["bcubed"], s["pairs"]
        print(f"  {name:<11}  B-cubed P {b3['precision']:.4f} R {b3['recall']:.4f} "
              f"F1 {b3['f1']:.4f}   pairs P {pairs['precision']:.4f} R {pairs['recall']:.4f} "
              f"F1 {pairs['f1']:.4f}   {s['pred_clusters']} stories")
    print(f"  gap (batch - incremental): B-cubed F1 "
          f"{scores['batch']['bcubed']['f1'] - scores['incremental']['bcubed']['f1']:.4f}, "
          f"pair F1 {scores['batch']['pairs']['f1'] - scores['incremental']['pairs']['f1']:.4f}")
    print(f"  articles kept: batch {len(articles)}, incremental {len(stored)}; "
          f"cleaned differently: {differ}")


if __name__ == "__main__":
    main()
