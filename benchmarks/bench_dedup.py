"""Quality and speed of near-duplicate detection (newsclust.dedup).

    python benchmarks/bench_dedup.py quality --seeds 0 1 2 3 4   # pair P/R/F1, and Reuters
    python benchmarks/bench_dedup.py quality --raw               # without newsclust.clean
    python benchmarks/bench_dedup.py speed            # docs/s and peak RSS, 10k and 100k docs
    python benchmarks/bench_dedup.py speed --sizes 10000 --jobs 2
    python benchmarks/bench_dedup.py all

Data is read at run time from ``../shared/eval`` (``--data`` to change); nothing is copied into
the repository. Quality: gva-dev plus syndication copies of its articles (``syndicate.py``),
cleaned first as the pipeline does; pages the cleaner finds no article text in are skipped and
counted, not scored. Speed: each measurement runs in a fresh interpreter so that its peak RSS
(``ru_maxrss`` after one fit, which includes the corpus texts in memory) is its own; the time is
the fastest of ``--repeat`` fits, wall clock and CPU seconds (threads included) from raw text to
groups; the plain-datasketch reference runs in the same benchmark run on a smaller sample and
the ratios of the two are printed. The load average is printed because other work on a shared
machine slows wall times (CPU seconds much less).
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import gc
import json
import os
import re
import resource
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndicate import load_jsonl, syndicate, synth_corpus  # noqa: E402

from newsclust.dedup import NearDuplicateFinder  # noqa: E402
from newsclust.evaluate import pair_counting  # noqa: E402
from newsclust.models import Article  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "eval"


# --- helpers ----------------------------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d-%b-%Y"):
        try:
            return dt.datetime.strptime(value.split()[0], fmt).date()
        except ValueError:
            continue
    return None


def to_articles(records: list[dict]) -> list[Article]:
    return [
        Article(id=r["id"], text=r["text"] or "", path="", title=r.get("title"),
                date=_date(r.get("date")), source=r.get("source"))
        for r in records
    ]


def predicted_labels(ids: list[str], duplicate_of: dict[str, str]) -> list[str]:
    return [duplicate_of.get(i, i) for i in ids]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def pairs_of(labels: list[str], ids: list[str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for i, label in zip(ids, labels, strict=True):
        groups[label].append(i)
    return {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- independent criterion for real copies among the originals ---------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def real_copies(records: list[dict], ratio: float = 0.9, min_words: int = 50) -> list[tuple]:
    """Pairs of records that are copies by a criterion independent of newsclust's method:
    equal word sequences, or difflib's word-sequence alignment matches M words with
    ``2M / (|a| + |b|) >= ratio``, or ``M / min(|a|, |b|) >= ratio`` with the shorter text
    having at least ``min_words`` words (a cut copy). Alignment is only run on pairs sharing an
    8-word sequence (any such copy pair of >= 8 words shares many) that pass difflib's bag
    upper bound. Returns (id_a, id_b, ratio, contained)."""
    words = [_words(r["text"] or "") for r in records]
    by_gram: dict[tuple, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        for gram in {tuple(w[j : j + 8]) for j in range(max(len(w) - 7, 0))}:
            by_gram[gram].append(i)
    candidates = {p for docs in by_gram.values() for p in combinations(docs, 2)}
    exact: dict[tuple, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        if w:
            exact[tuple(w)].append(i)
    candidates |= {p for docs in exact.values() for p in combinations(docs, 2)}
    found = []
    for a, b in sorted(candidates):
        wa, wb = words[a], words[b]
        shorter = min(len(wa), len(wb))
        bag = sum((Counter(wa) & Counter(wb)).values())
        if bag < ratio * min(shorter, (len(wa) + len(wb)) / 2):
            continue
        matched = sum(m.size for m in difflib.SequenceMatcher(
            None, wa, wb, autojunk=False).get_matching_blocks())
        r = 2 * matched / (len(wa) + len(wb))
        c = matched / shorter
        if wa == wb or r >= ratio or (c >= ratio and shorter >= min_words):
            found.append((records[a]["id"], records[b]["id"], r, c))
    return found


# --- quality ----------------------------------------------------------------------------------


def junk_ids(records: list[dict]) -> set[str]:
    """Ids of the records that newsclust.clean finds no article text in (skipped, or kept as a
    title-only item): paywall, captcha, notification pages."""
    from newsclust.clean import clean_corpus

    cleaned = clean_corpus(to_articles(records))
    return {r["id"] for r, c in zip(records, cleaned, strict=True)
            if not isinstance(c, Article) or not c.text}


def quality_gva(data: Path, seed: int, params: dict, show: int, clean: bool = True) -> dict:
    """Pair scores on gva-dev plus syndication copies of its articles (not of its junk pages).

    With ``clean`` (what the pipeline does), articles first go through newsclust.clean; the pages
    it finds no article text in are skipped, reported in ``skipped_as_junk`` and left out of the
    pair counts (they are never grouped). Gold pairs: a copy with its original and the other
    copies of it, plus the real copies among the originals by an independent criterion
    (``real_copies``), joined transitively."""
    originals = load_jsonl(data / "gva-dev.jsonl")
    junk_originals = junk_ids(originals)
    records = syndicate(originals, seed=seed, junk=junk_originals)
    started = time.perf_counter()
    real = real_copies(originals)
    criterion_s = time.perf_counter() - started
    uf = _UnionFind()
    for r in records:
        uf.union(r["id"], r["group"])
    for a, b, _, _ in real:
        uf.union(a, b)
    articles = to_articles(records)
    skipped: set[str] = set()
    if clean:
        skipped = junk_ids(records)
        articles = [a for a in articles if a.id not in skipped]
        from newsclust.clean import clean_corpus

        articles = [a for a in clean_corpus(articles) if isinstance(a, Article)]
    ids = [a.id for a in articles]
    gold = [uf.find(i) for i in ids]
    finder = NearDuplicateFinder(**params).fit(articles)
    pred = predicted_labels(ids, finder.result_.duplicate_of)
    scores = pair_counting(gold, pred)
    by_id = {a.id: {"text": a.text} for a in articles}
    gold_pairs, pred_pairs = pairs_of(gold, ids), pairs_of(pred, ids)
    false_pos = sorted(pred_pairs - gold_pairs)
    false_neg = sorted(gold_pairs - pred_pairs)
    kept = set(ids)
    pred_of = dict(zip(ids, pred, strict=True))
    copy_records = [r for r in records if r["id"] != r["group"] and r["id"] in kept]
    copies = len(copy_records)
    joined = sum(1 for r in copy_records if pred_of[r["id"]] == pred_of.get(r["group"]))
    is_copy = {r["id"] for r in records if r["id"] != r["group"]}
    out = {
        "seed": seed, "cleaned_first": clean, "articles": len(ids),
        "skipped_as_junk": len(skipped), "junk_originals_not_copied": len(junk_originals),
        "synthetic_copies": copies,
        "copies_joined_to_original": round(joined / max(copies, 1), 4),
        "real_copy_pairs": len(real), "gold_pairs": len(gold_pairs),
        "predicted_pairs": len(pred_pairs), "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4), "f1": round(scores.f1, 4),
        "false_pos_pairs": len(false_pos),
        # joins of two originals that the criterion does not call copies, and the pairs that
        # their synthetic copies add to the count
        "false_pos_between_originals": sum(1 for a, b in false_pos
                                           if a not in is_copy and b not in is_copy),
        "false_neg_pairs": len(false_neg),
        "criterion_seconds": round(criterion_s, 1),
    }
    _show_pairs("false positive", false_pos, by_id, show)
    _show_pairs("false negative", false_neg, by_id, show)
    return out


def _show_pairs(kind: str, pairs: list, by_id: dict, show: int) -> None:
    """Print a few pairs for inspection (to the terminal only; nothing is stored)."""
    for a, b in pairs[:show]:
        ta, tb = by_id[a]["text"] or "", by_id[b]["text"] or ""
        wa, wb = _words(ta), _words(tb)
        matched = sum(m.size for m in difflib.SequenceMatcher(
            None, wa, wb, autojunk=False).get_matching_blocks())
        print(f"  {kind}: {a} ({len(wa)} w) / {b} ({len(wb)} w) aligned "
              f"{2 * matched / max(len(wa) + len(wb), 1):.2f} | {ta[:70]!r} | {tb[:70]!r}")


def quality_reuters(data: Path, params: dict, show: int) -> dict:
    records = load_jsonl(data / "reuters21578.jsonl")
    ids = [r["id"] for r in records]
    gold = [r["label"] for r in records]
    started = time.perf_counter()
    finder = NearDuplicateFinder(**params).fit(to_articles(records))
    seconds = time.perf_counter() - started
    pred = predicted_labels(ids, finder.result_.duplicate_of)
    gold_groups: dict[str, set] = defaultdict(set)
    for i, g in zip(ids, gold, strict=True):
        gold_groups[g].add(i)
    gold_groups = {g: m for g, m in gold_groups.items() if len(m) > 1}
    pred_of = dict(zip(ids, pred, strict=True))
    found = sum(1 for m in gold_groups.values() if len({pred_of[i] for i in m}) == 1)
    gold_pairs, pred_pairs = pairs_of(gold, ids), pairs_of(pred, ids)
    extra = sorted(pred_pairs - gold_pairs)
    by_id = {r["id"]: r for r in records}
    _show_pairs("extra join", extra[:: max(len(extra) // max(show, 1), 1)], by_id, show)
    return {
        "articles": len(records), "exact_groups_gold": len(gold_groups),
        "exact_groups_found": found, "exact_pairs_missed": len(gold_pairs - pred_pairs),
        "extra_pairs_beyond_exact": len(extra), "groups_predicted": len(finder.result_.groups),
        "seconds": round(seconds, 2),
    }


# --- speed ------------------------------------------------------------------------------------


def _speed_child(args: tuple) -> dict:
    """One measurement in a fresh process: ours (jobs) or plain datasketch. Ours is run
    ``repeat`` times and the fastest run is reported (other work on a shared machine only ever
    slows a run down); plain datasketch, much slower, is run once."""
    data, n, jobs, seed, mode, repeat = args
    records = synth_corpus(load_jsonl(data / "gva-dev.jsonl"), n, seed=seed)
    articles = to_articles(records)
    del records
    gc.collect()
    words = sum(len(a.text.split()) for a in articles) / len(articles)
    base_rss = rss_mb()
    runs = []
    for _ in range(repeat if mode != "plain" else 1):
        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        if mode in ("ours", "ours_minhashlsh"):
            # ours_minhashlsh: the same finder with datasketch's MinHashLSH (dict storage)
            storage = {"type": "dict"} if mode == "ours_minhashlsh" else None
            finder = NearDuplicateFinder(jobs=jobs, storage_config=storage).fit(articles)
            groups = len(finder.result_.groups)
            index_bytes = finder.index_nbytes_ / len(articles)
            if storage is not None:  # MinHashLSH's own memory is not in index_nbytes_: use RSS
                index_bytes = (rss_mb() - base_rss) * 2**20 / len(articles)
            del finder
        else:
            groups, index_bytes = _plain_datasketch(articles)
        runs.append((time.perf_counter() - started, _cpu_seconds() - cpu_started))
        if len(runs) == 1:  # the peak of one fit: later runs add allocator fragmentation
            peak_rss = rss_mb()
        gc.collect()
    seconds, cpu = min(runs)
    return {
        "mode": mode, "docs": n, "jobs": jobs, "words_per_doc": round(words),
        "runs": len(runs), "seconds": round(seconds, 3), "docs_per_s": round(n / seconds),
        "cpu_seconds": round(cpu, 3), "docs_per_cpu_s": round(n / cpu),
        "median_seconds": round(sorted(r[0] for r in runs)[len(runs) // 2], 3),
        "peak_rss_mb": round(peak_rss), "rss_before_mb": round(base_rss), "groups": groups,
        "index_bytes_per_article": round(index_bytes),
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the fingerprinting workers): what
    the run would cost on an idle machine, whatever the load when it was measured."""
    own, children = (resource.getrusage(who) for who in
                     (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _plain_datasketch(articles: list[Article]) -> tuple[int, float]:
    """The textbook path: per-shingle ``MinHash.update`` (SHA-1), default ``MinHashLSH`` at 0.5,
    candidates checked with the MinHash estimate. Its "index bytes" is RSS growth while the
    MinHashes and the index are built, per article."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    minhashes = {}
    before = rss_mb()
    for a in articles:
        words = re.findall(r"\w+", a.text.lower())
        m = MinHash(num_perm=128)
        for j in range(max(len(words) - 4, 1)):
            m.update(" ".join(words[j : j + 5]).encode("utf-8"))
        minhashes[a.id] = m
        lsh.insert(a.id, m)
    index_bytes = (rss_mb() - before) * 2**20 / len(articles)
    uf = _UnionFind()
    for key, m in minhashes.items():
        for other in lsh.query(m):
            if other != key and m.jaccard(minhashes[other]) >= 0.5:
                uf.union(key, other)
    roots = Counter(uf.find(k) for k in list(uf.parent))
    return sum(1 for size in roots.values() if size > 1), index_bytes


def index_comparison(n: int = 20_000, seed: int = 0) -> dict:
    """Insert + all-pairs query of ``n`` random signatures: numpy BandIndex vs MinHashLSH."""
    import tracemalloc

    import numpy as np

    from newsclust.dedup import BandIndex, DatasketchIndex, choose_bands

    bands, rows = choose_bands(0.5, 128)
    signatures = np.random.default_rng(seed).integers(0, 2**32, (n, 128), dtype=np.uint32)
    ids = np.arange(n)
    out = {"signatures": n, "bands": bands, "rows": rows}
    makers = {
        "numpy": lambda: BandIndex(bands, rows),
        "minhashlsh": lambda: DatasketchIndex(bands, rows, 128, 1, {"type": "dict"}),
    }
    for name, make in makers.items():
        started = time.perf_counter()
        index = make()
        index.add(signatures, ids)
        inserted = time.perf_counter()
        index.self_pairs(signatures, ids)
        paired = time.perf_counter()
        del index
        tracemalloc.start()  # separately: tracing slows allocation-heavy code many times over
        index = make()
        index.add(signatures, ids)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del index
        out[name] = {"insert_s": round(inserted - started, 2),
                     "pairs_s": round(paired - inserted, 2),
                     "bytes_per_article": round(size / n)}
    print(json.dumps({"index_comparison": out}), flush=True)
    return out


def _measure(data: Path, n: int, jobs: int, seed: int, mode: str, repeat: int = 3) -> dict:
    """Run one measurement in a fresh interpreter, so that its peak RSS is its own."""
    args = json.dumps([str(data), n, jobs, seed, mode, repeat])
    out = subprocess.run([sys.executable, __file__, "_child", args], check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def speed(data: Path, sizes: list[int], jobs_list: list[int], reference: int, seed: int,
          repeat: int = 3) -> list:
    print(json.dumps({"load_average_at_start": os.getloadavg(), "cpus": os.cpu_count()}))
    results = [_measure(data, n, jobs, seed, "ours", repeat) for n in sizes for jobs in jobs_list]
    if reference:
        ours = _measure(data, reference, 1, seed, "ours")
        _measure(data, reference, 1, seed, "ours_minhashlsh")
        plain = _measure(data, reference, 1, seed, "plain")
        ratio = plain["seconds"] / ours["seconds"]
        cpu_ratio = plain["cpu_seconds"] / ours["cpu_seconds"]  # steadier on a shared machine
        print(json.dumps({"reference_docs": reference,
                          "speedup_vs_plain_datasketch_jobs1": round(ratio, 1),
                          "cpu_speedup_vs_plain_datasketch_jobs1": round(cpu_ratio, 1)}),
              flush=True)
        results += [ours, plain]
    index_comparison()
    print(json.dumps({"load_average_at_end": os.getloadavg()}))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("quality", "speed", "all"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", help="quality: several seeds in one run")
    parser.add_argument("--raw", action="store_true",
                        help="quality: skip newsclust.clean (raw page text, junk included)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reference", type=int, default=2000,
                        help="docs for the plain-datasketch reference (0: skip)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per speed measurement of ours; the fastest is reported")
    parser.add_argument("--show", type=int, default=5, help="pairs to print for inspection")
    parser.add_argument("--param", action="append", default=[],
                        help="finder parameter, e.g. --param threshold=0.6")
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "_child":
        data, n, jobs, seed, mode, repeat = json.loads(sys.argv[2])
        print(json.dumps(_speed_child((Path(data), n, jobs, seed, mode, repeat))))
        return
    args = parser.parse_args(argv)
    params = {k: json.loads(v) for k, v in (p.split("=", 1) for p in args.param)}
    if args.what in ("quality", "all"):
        for seed in args.seeds or [args.seed]:
            result = quality_gva(args.data, seed, params, args.show, clean=not args.raw)
            print(json.dumps({"gva_synthetic": result}), flush=True)
        print(json.dumps({"reuters": quality_reuters(args.data, params, args.show)}), flush=True)
    if args.what in ("speed", "all"):
        speed(args.data, args.sizes, args.jobs, args.reference, args.seed, args.repeat)


if __name__ == "__main__":
    main()
