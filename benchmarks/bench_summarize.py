"""Speed of the merged summary (newsclust.summarize.summarize_story), per story size.

    python benchmarks/bench_summarize.py                  # gva-dev stories + a 50-article story
    python benchmarks/bench_summarize.py --rounds 5       # best and median of 5 rounds
    python benchmarks/bench_summarize.py --against HEAD~3 # A/B against an older commit
    python benchmarks/bench_summarize.py --corpus benchmarks/data/day-10000-s0/corpus.jsonl

Stories are the gold incidents of ``gva-dev.jsonl`` (articles grouped by their ``label``), read
at run time from ``../shared/eval`` (``--data`` to change); nothing is copied into the
repository. ``--corpus`` takes any JSON Lines file with a ``label`` instead, such as a day
corpus of ``benchmarks/corpus.py``; its syndicated copies (``copy_of``) are left out, as the
pipeline summarises canonical articles only.

Each size bucket (1, 2-3, 4-10, 11+ articles) is timed as a whole, ``--rounds`` times, in wall
and CPU seconds, with the loaded stories frozen for the garbage collector as the pipeline's
workers have them; the best round is the least disturbed by other jobs on a shared machine, the
spread between best and median tells how noisy the run was, and CPU seconds are the steadier
figure when the machine is busy.

``--against REF`` extracts ``newsclust/`` of that commit into a temporary folder and runs the
same measurement alternately in child processes, one on each tree, so that both see the same
machine load; it prints the per-bucket ratio of the medians. The stories are loaded and cleaned
once, by the working tree, and handed to both children, so both summarise the same texts.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "eval"
BUCKETS = (("1", 1, 1), ("2-3", 2, 3), ("4-10", 4, 10), ("11+", 11, 10**9))
SYNTHETIC = "synthetic-50"


def gold_stories(corpus: Path) -> list[list]:
    """The articles of a labelled JSONL file, cleaned as the pipeline cleans them, grouped by
    gold label, without the copies the file marks (``copy_of``)."""
    from newsclust.pipeline import load_articles
    from newsclust.settings import Settings

    articles, _ = load_articles([corpus], Settings())
    groups: dict[str, list] = defaultdict(list)
    for article in articles:
        if not article.get_extra("copy_of"):
            groups[article.get_extra("label") or article.id].append(article)
    return [groups[label] for label in sorted(groups)]


def synthetic_story(n_articles: int = 50, seed: int = 7) -> list:
    """One big story: reports sharing some event sentences, each with its own details."""
    from newsclust.models import Article

    rng = random.Random(seed)
    towns = ["Varnell", "Ostby", "Marlow", "Kessington", "Dunmere"]
    people = ["Dana Kowalczyk", "Dana Kowalczik", "Ines Barra", "Tomas Lindqvist", "Amir Haddad"]
    # Sentences several reports share: two wordings of the lead, of a statement and of a quote.
    shared = [
        f"A fire destroyed {n} warehouses near the port of {towns[0]} on Monday, officials said."
        for n in (3, 4)
    ]
    shared += [
        f"{p} said that firefighters worked through the night to stop the flames."
        for p in people[:2]
    ]
    shared += [
        "The cause of the fire is not yet known and an investigation has been opened.",
        '"We are doing everything we can to help the families," the mayor told reporters.',
        '"We do all we can to help the families," the mayor told journalists.',
        "About 40 residents were evacuated from nearby homes as a precaution.",
        "Damage was estimated at $2.5 million by the port authority.",
        "Roads around the harbour stayed closed on Tuesday morning.",
    ]
    articles = []
    for i in range(n_articles):
        text = rng.sample(shared, k=6)
        for j in range(rng.randint(10, 30)):
            town, person = rng.choice(towns), rng.choice(people)
            text.append(
                f"{person} of {town} told report {i} that {rng.randint(2, 90)} workers saw "
                f"smoke over dock {j} and called for help before the roof fell."
            )
        articles.append(Article(id=f"syn{i:02d}", text="\n\n".join(text), path=f"syn{i:02d}.txt"))
    return articles


def measure(stories: list[list], rounds: int, max_sentences: int) -> dict:
    """Seconds per bucket for each round, plus the bucket sizes."""
    from newsclust.summarize import summarize_story

    buckets = {name: [s for s in stories if lo <= len(s) <= hi] for name, lo, hi in BUCKETS}
    buckets[SYNTHETIC] = [synthetic_story()]
    result: dict = {"sizes": {}, "seconds": defaultdict(list), "cpu": defaultdict(list)}
    for name, group in buckets.items():
        result["sizes"][name] = [len(group), sum(len(s) for s in group)]
    # The pipeline's workers inherit the loaded articles frozen (parallel.map_chunks): without
    # this, every full collection would walk the whole corpus, which the pipeline never does.
    gc.freeze()
    for _ in range(rounds):
        for name, group in buckets.items():
            started, cpu = time.perf_counter(), time.process_time()
            for story in group:
                summarize_story(story, max_sentences=max_sentences)
            result["seconds"][name].append(time.perf_counter() - started)
            result["cpu"][name].append(time.process_time() - cpu)
    return result


def report(result: dict, label: str = "") -> None:
    print(
        f"{label}{'bucket':>13} {'stories':>8} {'articles':>9} {'best s':>8} {'median s':>9}"
        f" {'best cpu s':>10} {'stories/s':>10} {'ms/story':>9}"
    )
    total = [0.0, 0.0, 0.0]
    for name, (n_stories, n_articles) in result["sizes"].items():
        times = result["seconds"][name]
        best, median, cpu = min(times), statistics.median(times), min(result["cpu"][name])
        if name != SYNTHETIC:
            total = [total[0] + best, total[1] + median, total[2] + cpu]
        rate = n_stories / best if best else float("inf")
        print(
            f"{label}{name:>13} {n_stories:>8} {n_articles:>9} {best:>8.3f} {median:>9.3f}"
            f" {cpu:>10.3f} {rate:>10.1f} {1000 * best / max(n_stories, 1):>9.2f}"
        )
    print(
        f"{label}{'all stories':>13} {'':>8} {'':>9} {total[0]:>8.3f} {total[1]:>9.3f}"
        f" {total[2]:>10.3f}"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def save_stories(stories: list[list], path: Path) -> None:
    records = [
        [dataclasses.asdict(a) | {"date": a.date and a.date.isoformat()} for a in story]
        for story in stories
    ]
    path.write_text(json.dumps(records), encoding="utf-8")


def read_stories(path: Path) -> list[list]:
    """Stories saved by :func:`save_stories`, as the Article class of this tree (an older one
    may have fewer fields: those are left out)."""
    from newsclust.models import Article

    known = {f.name for f in dataclasses.fields(Article)}
    stories = []
    for story in json.loads(path.read_text(encoding="utf-8")):
        articles = []
        for record in story:
            record["date"] = record["date"] and dt.date.fromisoformat(record["date"])
            record["extra"] = tuple(tuple(pair) for pair in record.get("extra", ()))
            articles.append(Article(**{k: v for k, v in record.items() if k in known}))
        stories.append(articles)
    return stories


def run_child(tree: Path, stories: Path, args: argparse.Namespace) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [
        sys.executable,
        __file__,
        "--child",
        str(stories),
        "--rounds",
        "1",
        "--max-sentences",
        str(args.max_sentences),
    ]
    out = subprocess.run(command, env=env, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def compare(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "tree"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.against, "newsclust"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        stories = Path(tmp) / "stories.json"
        save_stories(gold_stories(args.corpus), stories)
        runs: dict[str, dict] = {}
        for _ in range(args.rounds):
            for name, tree in (("new", REPO), ("old", old)):
                result = run_child(tree, stories, args)
                if name in runs:
                    for measure_name in ("seconds", "cpu"):
                        for bucket, seconds in result[measure_name].items():
                            runs[name][measure_name][bucket] += seconds
                else:
                    runs[name] = result
    for name in ("old", "new"):
        print(f"-- {name} ({args.against if name == 'old' else 'working tree'})")
        report(runs[name])
    print(f"-- old / new {'wall':>8} {'cpu':>8}   (medians)")
    for bucket in runs["new"]["sizes"]:
        ratios = [
            statistics.median(runs["old"][m][bucket]) / statistics.median(runs["new"][m][bucket])
            for m in ("seconds", "cpu")
        ]
        print(f"{bucket:>13} {ratios[0]:>7.2f}x {ratios[1]:>7.2f}x")
    # All stories of the corpus (not the synthetic one), round by round: the rounds alternate
    # the two trees, so each round's totals saw about the same machine load.
    totals = {
        name: {
            m: [
                sum(run[m][b][i] for b in run["sizes"] if b != SYNTHETIC)
                for i in range(len(run[m][SYNTHETIC]))
            ]
            for m in ("seconds", "cpu")
        }
        for name, run in runs.items()
    }
    ratios = [
        statistics.median(totals["old"][m]) / statistics.median(totals["new"][m])
        for m in ("seconds", "cpu")
    ]
    print(f"{'all stories':>13} {ratios[0]:>7.2f}x {ratios[1]:>7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--corpus", type=Path, help="a labelled JSONL file (default: gva-dev)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-sentences", type=int, default=5)
    parser.add_argument("--against", help="a git commit to compare with (A/B, child processes)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stories = read_stories(args.child)
        json.dump(measure(stories, args.rounds, args.max_sentences), sys.stdout)
        return
    args.corpus = args.corpus or args.data / "gva-dev.jsonl"
    if not args.corpus.is_file():
        sys.exit(f"no {args.corpus} (--data, --corpus)")
    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    if args.against:
        compare(args)
    else:
        report(measure(gold_stories(args.corpus), args.rounds, args.max_sentences))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
