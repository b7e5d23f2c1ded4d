"""Score the story clusterer on the labelled evaluation files, with default settings.

Usage::

    .venv/bin/python benchmarks/eval_clusters.py              # gva, wikiref, tgcontest, seeds
    .venv/bin/python benchmarks/eval_clusters.py --baseline   # every article alone
    .venv/bin/python benchmarks/eval_clusters.py --files gva-dev.jsonl --json

Each labelled file runs in its own child process so the peak RSS printed is that file's own.
The evaluation data lives in ``../shared/eval`` beside the repository (never copied in here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsclust.cluster import StoryClusterer  # noqa: E402
from newsclust.evaluate import score  # noqa: E402
from newsclust.models import Article  # noqa: E402

SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
SEEDS = SHARED / "seeds"
DEFAULT_FILES = ["gva-dev.jsonl", "wikiref220.jsonl"]


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def article_from_row(row: dict, path: str, fallback_id: str) -> Article:
    extra = (("label", str(row["label"])),) if "label" in row else ()
    return Article(
        id=str(row.get("id") or fallback_id),
        text=row.get("text") or "",
        path=path,
        title=row.get("title"),
        date=_date(row.get("date")),
        source=row.get("source"),
        url=row.get("url"),
        extra=extra,
    )


def load_labelled(path: Path) -> tuple[list[Article], list[str]]:
    articles, gold = [], []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                continue
            row = json.loads(line)
            articles.append(article_from_row(row, path.name, f"{path.stem}-{i}"))
            gold.append(str(row["label"]))
    return articles, gold


def load_pairs(path: Path) -> tuple[list[Article], list[tuple[int, int, bool]]]:
    """Unique articles of a pairs file (by title+text) and the pairs as index triples."""
    articles: list[Article] = []
    index: dict[tuple[str, str], int] = {}
    pairs = []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            row = json.loads(line)
            ids = []
            for side in ("first", "second"):
                item = row[side]
                key = (item.get("title") or "", item.get("text") or "")
                if key not in index:
                    index[key] = len(articles)
                    articles.append(article_from_row(item, path.name, f"pair{i}-{side}"))
                ids.append(index[key])
            pairs.append((ids[0], ids[1], bool(row["same_story"])))
    return articles, pairs


def load_seeds() -> list[Article]:
    return [
        Article(id=p.stem, text=p.read_text(encoding="utf-8"), path=p.name)
        for p in sorted(SEEDS.glob("*.txt"))
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_CPU: list[float] = []  # CPU seconds of each _cluster call (wall time suffers on a busy machine)


def _cluster(articles: list[Article], baseline: bool) -> tuple[list[int], float]:
    start, cpu = time.perf_counter(), time.process_time()
    labels = list(range(len(articles))) if baseline else StoryClusterer().fit(articles).labels_
    _CPU.append(time.process_time() - cpu)
    return labels, time.perf_counter() - start


def run_one(name: str, baseline: bool) -> dict:
    """Score one evaluation file (or "seeds") in this process."""
    if name == "seeds":
        seeds = load_seeds()
        labels, secs = _cluster(seeds, baseline)
        # Also mixed into an unrelated corpus: corpus statistics must not split them.
        wiki, _ = load_labelled(EVAL / "wikiref220.jsonl")
        mixed, _ = _cluster(seeds + wiki, baseline)
        return {
            "file": name,
            "seeds": len(seeds),
            "one_story_alone": len(set(labels)) == 1,
            "one_story_in_wikiref": len(set(mixed[: len(seeds)])) == 1,
            "seconds": secs,
            "peak_rss_mb": _peak_rss_mb(),
        }
    path = EVAL / name
    if "pairs" in name:
        articles, pairs = load_pairs(path)
        labels, secs = _cluster(articles, baseline)
        hits = [(labels[a] == labels[b]) == same for a, b, same in pairs]
        wrong = [(a, b, same) for (a, b, same), ok in zip(pairs, hits, strict=True) if not ok]
        return {
            "file": name,
            "pairs": len(pairs),
            "pair_accuracy": sum(hits) / len(pairs),
            "wrong": [
                {"same_story": s, "first": articles[a].title, "second": articles[b].title}
                for a, b, s in wrong
            ],
            "seconds": secs,
            "peak_rss_mb": _peak_rss_mb(),
        }
    articles, gold = load_labelled(path)
    labels, secs = _cluster(articles, baseline)
    result = {"file": name, **score(gold, labels)}
    result.update(seconds=secs, peak_rss_mb=_peak_rss_mb())
    return result


def _format(result: dict) -> str:
    name = result["file"]
    tail = (f"{result['seconds']:6.2f}s (cpu {result.get('cpu_seconds', 0):.2f}s)  "
            f"peak RSS {result['peak_rss_mb']:6.0f} MB")
    if "bcubed" in result:
        b3, pc = result["bcubed"], result["pairs"]
        return (
            f"{name:26s} B3 P/R/F1 {b3['precision']:.3f}/{b3['recall']:.3f}/{b3['f1']:.3f}  "
            f"pairs P/R/F1 {pc['precision']:.3f}/{pc['recall']:.3f}/{pc['f1']:.3f}  "
            f"clusters gold {result['gold_clusters']} pred {result['pred_clusters']}  {tail}"
        )
    if "pair_accuracy" in result:
        lines = [f"{name:26s} pair accuracy {result['pair_accuracy']:.3f} "
                 f"({result['pairs']} pairs)  {tail}"]
        for w in result["wrong"]:
            lines.append(f"    wrong (gold same={w['same_story']}): {w['first']!r} | "
                         f"{w['second']!r}")
        return "\n".join(lines)
    return (
        f"{name:26s} one story alone: {result['one_story_alone']}  "
        f"inside wikiref220: {result['one_story_in_wikiref']}  {tail}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--files", nargs="*",
        default=[*DEFAULT_FILES, "tgcontest-en-pairs.jsonl", "seeds"],
        help="eval file names in ../shared/eval, or 'seeds'",
    )
    parser.add_argument("--baseline", action="store_true", help="every article alone")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child-process mode
    args = parser.parse_args(argv)

    if args.one:
        result = run_one(args.one, args.baseline)
        result["cpu_seconds"] = _CPU[0] if _CPU else 0.0
        print(json.dumps(result))
        return 0
    if not EVAL.is_dir():
        print(f"no evaluation data at {EVAL}", file=sys.stderr)
        return 1
    for name in args.files:
        cmd = [sys.executable, __file__, "--one", name] + (["--baseline"] if args.baseline else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr}", file=sys.stderr)
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(result) if args.json else _format(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
