"""CPU of entity extraction (newsclust.entities), A/B against an older commit in one process.

    python benchmarks/bench_entities.py                      # against main, 5 rounds
    python benchmarks/bench_entities.py --against HEAD~1 --rounds 3
    python benchmarks/bench_entities.py --check ../shared/eval/gva-dev.jsonl   # more identity

Three workloads, as the pipeline has them: ``extract_entities_at`` on every whole text (title
and body, cut at the clusterer's ``ENTITY_CHARS``), as the clusterer's worker pass calls it,
``extract_names`` on every sentence of every text (``newsclust.sentences.iter_sentences``), as
the summarizer calls it, and ``extract_dates`` on every whole text. The corpus defaults to the
10k day corpus of ``benchmarks/corpus.py`` (``benchmarks/data/day-10000-s0/corpus.jsonl``;
made by ``make bench``, git-ignored).

The old code is ``newsclust/entities.py`` of ``--against`` (``git show``), imported from a
temporary file into the same process; the rounds alternate old and new so both see the same
machine load. Each round starts with every ``lru_cache`` of both modules cleared, as a fresh
worker process would. CPU seconds (``time.process_time``) are printed per round, then the
ratio of the medians; the load average is printed with them, because CPU time still grows a
little on a busy machine (shared caches). The cyclic garbage collector is paused while timing,
as the pipeline pauses it (``newsclust.gc_pause``); ``--collector`` leaves it running.

Before timing, the outputs of both modules are compared on every text and sentence (same
entities, offsets and order; same dates): the speed figures are only worth anything if the
output is identical. ``--check FILE`` adds more JSON Lines files to that comparison (``text``
and ``title`` fields, or records of such articles), e.g. the sets of ``../shared/eval``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsclust import entities as new  # noqa: E402
from newsclust.cluster.analysis import ENTITY_CHARS  # noqa: E402
from newsclust.sentences import iter_sentences  # noqa: E402

DEFAULT_CORPUS = REPO / "benchmarks" / "data" / "day-10000-s0" / "corpus.jsonl"


def old_module(ref: str, folder: Path):
    """``newsclust/entities.py`` of commit ``ref``, imported under another name."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{ref}:newsclust/entities.py"],
        check=True, capture_output=True, text=True,
    ).stdout
    path = folder / "entities_old.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("entities_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["entities_old"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def read_texts(path: Path) -> list[str]:
    """Title and body of each record (or of each article a record holds, as the pairs of
    tgcontest do), as the clusterer joins them, cut at ENTITY_CHARS."""
    texts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            articles = [record] if "text" in record else [
                v for v in record.values() if isinstance(v, dict) and "text" in v]
            for article in articles:
                title = article.get("title") or ""
                text = article.get("text") or ""
                texts.append((f"{title}\n{text}" if title else text)[:ENTITY_CHARS])
    return texts


def sentences_of(texts: list[str]) -> list[str]:
    return [s.text for text in texts for s in iter_sentences(text)]


def clear_caches(module) -> None:
    """Empty every lru_cache of a module: each round starts cold, like a new worker."""
    for value in vars(module).values():
        if isinstance(value, functools._lru_cache_wrapper):
            value.cache_clear()


def differences(old, new_, texts: list[str], sentences: list[str]) -> tuple[int, int]:
    """Texts whose extract_entities_at or extract_dates (without a reference date, and with
    one) differs, sentences whose extract_names differs."""
    def same(a, b) -> bool:  # Entity classes differ between the modules: compare fields
        return [(at, e.text, e.kind, e.key) for at, e in a] == [
            (at, e.text, e.kind, e.key) for at, e in b]

    reference = dt.date(2014, 6, 1)
    text_diffs = sum(
        not same(old.extract_entities_at(t), new_.extract_entities_at(t))
        or old.extract_dates(t, None) != new_.extract_dates(t, None)
        or old.extract_dates(t, reference) != new_.extract_dates(t, reference)
        for t in texts)
    sentence_diffs = sum(
        not same(enumerate(old.extract_names(s)), enumerate(new_.extract_names(s)))
        for s in sentences)
    return text_diffs, sentence_diffs


def cpu_seconds(module, texts: list[str], sentences: list[str]) -> tuple[float, float, float]:
    """CPU seconds of extract_entities_at over the texts, extract_names over the sentences
    (each from cold caches) and extract_dates over the texts."""
    clear_caches(module)
    start = time.process_time()
    for text in texts:
        module.extract_entities_at(text)
    whole = time.process_time() - start
    clear_caches(module)
    start = time.process_time()
    for sentence in sentences:
        module.extract_names(sentence)
    names = time.process_time() - start
    reference = dt.date(2014, 6, 1)
    start = time.process_time()
    for text in texts:
        module.extract_dates(text, reference)
    return whole, names, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--against", default="main", help="git commit of the old code")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--check", type=Path, action="append", default=[],
                        help="more JSONL files for the identity check (repeatable)")
    parser.add_argument("--no-timing", action="store_true", help="identity check only")
    parser.add_argument("--collector", action="store_true",
                        help="time with the cyclic garbage collector running")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        old = old_module(args.against, Path(folder))
        files = ([args.corpus] if args.corpus.exists() else []) + args.check
        corpus_texts: list[str] = []
        corpus_sentences: list[str] = []
        identical = True
        for path in files:
            texts = read_texts(path)
            sentences = sentences_of(texts)
            text_diffs, sentence_diffs = differences(old, new, texts, sentences)
            identical &= not text_diffs and not sentence_diffs
            print(f"{path.name}: {len(texts):,} texts, {text_diffs} differ; "
                  f"{len(sentences):,} sentences, {sentence_diffs} differ", flush=True)
            if path == args.corpus:
                corpus_texts, corpus_sentences = texts, sentences
        if args.no_timing or not corpus_texts:
            sys.exit(0 if identical else 1)

        print(f"CPU seconds, {args.against} vs working tree "
              f"({len(corpus_texts):,} texts, {len(corpus_sentences):,} sentences)")
        times: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
        if not args.collector:
            gc.disable()
        for round_no in range(args.rounds):
            # Alternate which goes first, so neither always runs on a warmer machine.
            order = (("old", old), ("new", new)) if round_no % 2 == 0 else (
                ("new", new), ("old", old))
            for label, module in order:
                times[label].append(cpu_seconds(module, corpus_texts, corpus_sentences))
            print(f"  round {round_no + 1}: "
                  + "  ".join(f"{label} texts {times[label][-1][0]:.2f} sentences "
                              f"{times[label][-1][1]:.2f} dates {times[label][-1][2]:.2f}"
                              for label in ("old", "new"))
                  + f"  (load {os.getloadavg()[0]:.2f})", flush=True)
        for index, what in enumerate(("extract_entities_at, texts", "extract_names, sentences",
                                      "extract_dates, texts")):
            old_median = statistics.median(t[index] for t in times["old"])
            new_median = statistics.median(t[index] for t in times["new"])
            print(f"{what}: median {old_median:.2f} -> {new_median:.2f} CPU s "
                  f"({1 - new_median / old_median:.0%} less)")
        sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
