"""Speed of the merged summary (newsclust.summarize.summarize_story), per story size.

    python benchmarks/bench_summarize.py                  # gva-dev stories + a 50-article story
    python benchmarks/bench_summarize.py --rounds 5       # best and median of 5 rounds
    python benchmarks/bench_summarize.py --against HEAD~3 # A/B against an older commit

Stories are the gold incidents of ``gva-dev.jsonl`` (articles grouped by their ``label``), read
at run time from ``../shared/eval`` (``--data`` to change); nothing is copied into the
repository. Each size bucket (1, 2-3, 4-10, 11+ articles) is timed as a whole, ``--rounds``
times; the best round is the least disturbed by other jobs on a shared machine, and the spread
between best and median tells how noisy the run was.

``--against REF`` extracts ``newsclust/`` of that commit into a temporary folder and runs the
same measurement alternately in child processes, one on each tree, so that both see the same
machine load; it prints the per-bucket ratio of the medians. The stories are loaded and cleaned
once, by the working tree, and handed to both children, so both summarise the same texts.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
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


def gold_stories(data: Path) -> list[list]:
    """The articles of gva-dev, cleaned as the pipeline cleans them, grouped by gold label."""
    from newsclust.pipeline import load_articles
    from newsclust.settings import Settings

    articles, _ = load_articles([data / "gva-dev.jsonl"], Settings())
    groups: dict[str, list] = defaultdict(list)
    for article in articles:
        groups[article.get_extra("label") or article.id].append(article)
    return [groups[label] for label in sorted(groups)]


def synthetic_story(n_articles: int = 50, seed: int = 7) -> list:
    """One big story: reports sharing some event sentences, each with its own details."""
    from newsclust.models import Article

    rng = random.Random(seed)
    towns = ["Varnell", "Ostby", "Marlow", "Kessington", "Dunmere"]
    people = ["Dana Kowalczyk", "Dana Kowalczik", "Ines Barra", "Tomas Lindqvist", "Amir Haddad"]
    shared = [
        f"A fire destroyed {n} warehouses near the port of {towns[0]} on Monday, officials said."
        for n in (3, 4)
    ] + [
        f"{p} said that firefighters worked through the night to stop the flames."
        for p in people[:2]
    ] + [
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
        articles.append(
            Article(id=f"syn{i:02d}", text="\n\n".join(text), path=f"syn{i:02d}.txt")
        )
    return articles


def measure(stories: list[list], rounds: int, max_sentences: int) -> dict:
    """Seconds per bucket for each round, plus the bucket sizes."""
    from newsclust.summarize import summarize_story

    buckets = {name: [s for s in stories if lo <= len(s) <= hi] for name, lo, hi in BUCKETS}
    buckets[SYNTHETIC] = [synthetic_story()]
    result: dict = {"sizes": {}, "seconds": defaultdict(list)}
    for name, group in buckets.items():
        result["sizes"][name] = [len(group), sum(len(s) for s in group)]
    for _ in range(rounds):
        for name, group in buckets.items():
            started = time.perf_counter()
            for story in group:
                summarize_story(story, max_sentences=max_sentences)
            result["seconds"][name].append(time.perf_counter() - started)
    return result


def report(result: dict, label: str = "") -> None:
    print(f"{label}{'bucket':>13} {'stories':>8} {'articles':>9} {'best s':>8} {'median s':>9}"
          f" {'stories/s':>10} {'ms/story':>9}")
    gva_best = gva_median = 0.0
    for name, (n_stories, n_articles) in result["sizes"].items():
        times = result["seconds"][name]
        best, median = min(times), statistics.median(times)
        if name != SYNTHETIC:
            gva_best, gva_median = gva_best + best, gva_median + median
        rate = n_stories / best if best else float("inf")
        print(f"{label}{name:>13} {n_stories:>8} {n_articles:>9} {best:>8.3f} {median:>9.3f}"
              f" {rate:>10.1f} {1000 * best / max(n_stories, 1):>9.2f}")
    print(f"{label}{'gva-dev all':>13} {'':>8} {'':>9} {gva_best:>8.3f} {gva_median:>9.3f}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def save_stories(stories: list[list], path: Path) -> None:
    records = [[dataclasses.asdict(a) | {"date": a.date and a.date.isoformat()} for a in story]
               for story in stories]
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
    command = [sys.executable, __file__, "--child", str(stories), "--rounds", "1",
               "--max-sentences", str(args.max_sentences)]
    out = subprocess.run(command, env=env, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def compare(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "tree"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.against, "newsclust"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        stories = Path(tmp) / "stories.json"
        save_stories(gold_stories(args.data), stories)
        runs: dict[str, dict] = {}
        for _ in range(args.rounds):
            for name, tree in (("new", REPO), ("old", old)):
                result = run_child(tree, stories, args)
                if name in runs:
                    for bucket, seconds in result["seconds"].items():
                        runs[name]["seconds"][bucket] += seconds
                else:
                    runs[name] = result
    for name in ("old", "new"):
        print(f"-- {name} ({args.against if name == 'old' else 'working tree'})")
        report(runs[name])
    print("-- median old / median new")
    for bucket in runs["new"]["sizes"]:
        old_s = statistics.median(runs["old"]["seconds"][bucket])
        new_s = statistics.median(runs["new"]["seconds"][bucket])
        print(f"{bucket:>13} {old_s / new_s:>8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-sentences", type=int, default=5)
    parser.add_argument("--against", help="a git commit to compare with (A/B, child processes)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stories = read_stories(args.child)
        json.dump(measure(stories, args.rounds, args.max_sentences), sys.stdout)
        return
    if not (args.data / "gva-dev.jsonl").is_file():
        sys.exit(f"no gva-dev.jsonl under {args.data} (--data)")
    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    if args.against:
        compare(args)
    else:
        report(measure(gold_stories(args.data), args.rounds, args.max_sentences))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
