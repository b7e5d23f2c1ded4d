"""Speed, memory and quality of the whole pipeline, run as a user runs it (``newsclust cluster``).

    python benchmarks/bench_pipeline.py                   # 10k and 100k "day" corpora (folders)
    python benchmarks/bench_pipeline.py --sizes 10000     # the quick one
    python benchmarks/bench_pipeline.py --profile 100000  # + py-spy profile of an in-process run
    python benchmarks/bench_pipeline.py --estimate        # short JSONL 100k and 300k -> 1M estimate
    python benchmarks/bench_pipeline.py --million         # the 1,000,000 short-article JSONL run

Corpora come from ``corpus.py`` (seeded, cached under ``benchmarks/data/``, git-ignored). For
each corpus the harness runs ``newsclust cluster DIR --format json -o OUT -v`` in a subprocess
and records:

- wall time, and the CPU seconds of the whole process tree (``os.wait4``: user + sys of the CLI
  and of its worker processes), which suffer less than wall time from other jobs on the machine;
- per-stage seconds from the ``timings: {...}`` line the CLI logs at INFO (load_and_clean,
  dedup, cluster, summarize); "startup" (interpreter and imports, measured separately) and
  "render" (the JSON report, writing it and exiting) make up the rest of the wall time;
- peak memory: the largest single process (``ru_maxrss`` from ``wait4``) and the peak sum of the
  proportional set size (PSS) over the process tree (worker processes
  share pages with their parent, so summing RSS would count those twice), sampled every second;
- quality against the corpus's gold labels (B-cubed and pair F1, ``newsclust.scoring``), so a
  speed change cannot silently wreck the clustering;
- the load average before and during each run. The machine is shared: a run during which the
  load was above ``--max-load`` is repeated (``--retries``) and the faster run kept.

A run whose process tree passes ``--memory-cap-gb`` is stopped (it runs in its own process
group) and reported as over the cap. The harness also checks that ``--jobs 1`` and ``--jobs 2``
give byte-identical JSON on the smallest corpus (and reports the speed-up), fits the growth
between sizes per stage (time ~ n^b; b = 1 is linear), and with ``--profile`` runs
``newsclust.pipeline.run`` in a fresh interpreter under py-spy (all processes) and lists the top
functions by self and by cumulative time. That in-process run also splits load from clean, which
the CLI reports together.

Results are printed and written to ``benchmarks/results/pipeline-<time>.json``.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

VENV_BIN = Path(sys.executable).parent
RESULTS = HERE / "results"
STAGES = ("startup", "load_and_clean", "dedup", "cluster", "summarize", "render")
CPUS = os.cpu_count() or 1
#: The environment of every measured child: --commit puts a snapshot of newsclust first on
#: PYTHONPATH (the editable install would otherwise load the working tree, which others edit).
CHILD_ENV = {**os.environ, "NO_COLOR": "1", "PYTHONHASHSEED": "0"}


# --- machine state ------------------------------------------------------------------------------


def load_average() -> float:
    return os.getloadavg()[0]


def say(message: str) -> None:
    print(message, flush=True)


def say_load(what: str) -> float:
    load = os.getloadavg()
    say(f"-- {what}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({CPUS} CPUs)")
    return load[0]


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids += [int(k) for k in handle.read().split()]
    except OSError:
        pass
    return kids


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += _children(p)
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the process tree's total PSS and the load average while a run goes on."""

    # Reading smaps_rollup of a multi-GB process walks its page tables: at 4 Hz the sampler took
    # ~10% of a core, which on a 2-core machine disturbs the run it measures; 1 Hz is enough for
    # runs of minutes (a peak shorter than a second can be missed; ru_maxrss catches it).
    def __init__(self, pid: int, interval: float = 1.0, cap_mb: float | None = None) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.cap_kb = cap_mb * 1024 if cap_mb else None
        self.killed_after_s: float | None = None
        self.started = time.perf_counter()
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self.loads: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.done.wait(self.interval):
            pids = _tree(self.pid)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(p) for p in pids))
            if self.cap_kb and self.peak_pss_kb > self.cap_kb and self.killed_after_s is None:
                # The machine is shared: a run heading for swap or the OOM killer is stopped (its
                # own process group, started by us) and reported as over the cap.
                self.killed_after_s = round(time.perf_counter() - self.started, 1)
                os.killpg(self.pid, signal.SIGKILL)
            ticks += 1
            if ticks % 5 == 0:  # every 5 s
                self.loads.append(load_average())


# --- one measured run -----------------------------------------------------------------------

_TIMINGS = re.compile(r"timings: (\{.*\})")
# The clusterer's own line: "N articles, N candidate pairs, N stories (features 1.2s, ...)".
_CLUSTER_PARTS = re.compile(r"candidate pairs, \d+ stories \((.*)\)")


def run_measured(
    argv: list[str], *, label: str, env: dict | None = None, cap_mb: float | None = None
) -> dict:
    """Run ``argv``; wall and CPU time, peak memory, load, and the timings line it logs."""
    load_before = say_load(f"before {label}")
    # A child's ru_maxrss starts at the RSS its parent has when it forks (Linux copies the
    # high-water mark at fork and keeps it across exec), so this harness keeps its own memory
    # small (corpus generation and scoring run in child processes) and records it.
    harness_rss = _rss_mb()[0]
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**CHILD_ENV, **(env or {})},
            cwd=ROOT,
            start_new_session=True,  # its own process group, so a memory cap can stop it whole
        )
        sampler = TreeSampler(proc.pid, cap_mb=cap_mb)
        sampler.start()
        # wait4, not wait: its rusage covers the child and the workers it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    loads = sampler.loads or [load_average()]
    result = {
        "label": label,
        "argv": argv,
        "exit_code": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # Blocks read from disk (512 bytes): a run that reads its corpus from disk rather than
        # from the page cache spends its load stage waiting, which says nothing about the code.
        "disk_read_mb": round(usage.ru_inblock * 512 / 1e6, 1),
        "peak_tree_pss_mb": round(sampler.peak_pss_kb / 1024, 1),
        "peak_processes": sampler.peak_processes,
        "harness_rss_mb": harness_rss,
        "load_before": round(load_before, 2),
        "load_during": round(sum(loads) / len(loads), 2),
    }
    found = _TIMINGS.findall(stderr)
    if found:
        result["timings"] = ast.literal_eval(found[-1])
    parts = _CLUSTER_PARTS.findall(stderr)
    if parts:  # where the cluster stage's time goes
        result["cluster_parts_s"] = {
            name: float(seconds.rstrip("s"))
            for name, seconds in (part.split() for part in parts[-1].split(", "))
        }
    if sampler.killed_after_s is not None:
        result["killed_over_memory_cap_mb"] = cap_mb
        result["killed_after_s"] = sampler.killed_after_s
        say(f"   stopped after {sampler.killed_after_s} s: over the memory cap of {cap_mb:.0f} MB")
    if proc.returncode not in (0, 3):  # 3: some inputs skipped (still a report)
        result["stderr_tail"] = stderr[-2000:]
    say(
        f"   {label}: {wall:.1f} s wall, {result['cpu_s']:.1f} s CPU, "
        f"max RSS {result['max_rss_mb']:.0f} MB, tree PSS {result['peak_tree_pss_mb']:.0f} MB, "
        f"read from disk {result['disk_read_mb']:.0f} MB, "
        f"load during {result['load_during']:.1f}, exit {proc.returncode}"
    )
    return result


def run_with_retries(
    argv: list[str],
    *,
    label: str,
    max_load: float,
    retries: int,
    env: dict | None = None,
    cap_mb: float | None = None,
) -> dict:
    """Repeat a run made under high load (up to ``retries`` times); keep the fastest."""
    runs = [run_measured(argv, label=label, env=env, cap_mb=cap_mb)]
    while runs[-1]["load_during"] > max_load and len(runs) <= retries:
        say(f"   load {runs[-1]['load_during']:.1f} > {max_load:.1f}: running {label} again")
        runs.append(run_measured(argv, label=label, env=env, cap_mb=cap_mb))
    best = min(runs, key=lambda r: r["wall_s"])
    best["attempts"] = [
        {k: r[k] for k in ("wall_s", "cpu_s", "load_before", "load_during")} for r in runs
    ]
    return best


def startup_seconds() -> float:
    """Interpreter start plus the imports the cluster command makes before its timer starts."""
    code = "import newsclust.cli, newsclust.pipeline, newsclust.render"
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=CHILD_ENV)
        best = min(best, time.perf_counter() - started)
    return round(best, 2)


def stage_table(run: dict, n: int, startup: float) -> dict:
    """Seconds and docs/s per stage; render = wall - pipeline total - startup."""
    timings = run.get("timings", {})
    seconds = {"startup": startup}
    for stage in ("load_and_clean", "dedup", "cluster", "summarize"):
        seconds[stage] = timings.get(stage)
    if "total" in timings:
        seconds["render"] = round(max(0.0, run["wall_s"] - timings["total"] - startup), 2)
    return {
        stage: {
            "s": value,
            "docs_per_s": round(n / value) if value else None,
            "share": round(value / run["wall_s"], 3) if value is not None else None,
        }
        for stage, value in seconds.items()
    }


# --- quality, determinism, growth ------------------------------------------------------------


def quality(gold: Path, output: Path) -> dict:
    """``newsclust eval GOLD --pred OUTPUT`` in a child process (see ``harness_rss_mb``)."""
    argv = [
        str(VENV_BIN / "newsclust"),
        "eval",
        str(gold),
        "--pred",
        str(output),
        "--format",
        "json",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=CHILD_ENV)
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    result = json.loads(done.stdout)
    return {
        "bcubed_f1": round(result["bcubed"]["f1"], 4),
        "bcubed_p": round(result["bcubed"]["precision"], 4),
        "bcubed_r": round(result["bcubed"]["recall"], 4),
        "pair_f1": round(result["pairs"]["f1"], 4),
        "pair_p": round(result["pairs"]["precision"], 4),
        "pair_r": round(result["pairs"]["recall"], 4),
        "gold_stories": result["gold_clusters"],
        "predicted_stories": result["pred_clusters"],
        "unplaced": result["unplaced"],
    }


def make_corpus(kind: str, n: int, seed: int, form: str) -> Path:
    """Generate (or reuse) a corpus in a child process (see ``harness_rss_mb``)."""
    argv = [
        sys.executable,
        str(HERE / "corpus.py"),
        "--n",
        str(n),
        "--kind",
        kind,
        "--seed",
        str(seed),
        "--forms",
        form,
    ]
    subprocess.run(argv, check=True, cwd=ROOT)
    return corpus.corpus_dir(corpus.DEFAULT_OUT, kind, n, seed)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_difference(a: Path, b: Path) -> str | None:
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        for number, (la, lb) in enumerate(zip(fa, fb, strict=False), start=1):
            if la != lb:
                return f"line {number}: {la.strip()[:120]!r} vs {lb.strip()[:120]!r}"
    return None


def growth(small: dict, big: dict) -> dict:
    """Per stage, b in time ~ n^b between two sizes (1.0 = linear), from the same harness run."""
    ratio = big["n"] / small["n"]
    out = {}
    for stage in (*STAGES, "wall", "cpu", "memory"):
        if stage == "wall":
            a, b = small["cli"]["wall_s"], big["cli"]["wall_s"]
        elif stage == "cpu":
            a, b = small["cli"]["cpu_s"], big["cli"]["cpu_s"]
        elif stage == "memory":
            a, b = small["cli"]["peak_tree_pss_mb"], big["cli"]["peak_tree_pss_mb"]
        else:
            a = small["stages"].get(stage, {}).get("s")
            b = big["stages"].get(stage, {}).get("s")
        if a and b:
            out[stage] = {
                "ratio": round(b / a, 2),
                "exponent": round(math.log(b / a) / math.log(ratio), 2),
            }
    return out


def extrapolate(small: dict, big: dict, target: int) -> dict:
    """Seconds per stage at ``target`` articles along each stage's own measured n^b (b taken as
    at least 1: a b below 1 between two sizes is fixed cost or noise, not a trend), and peak
    memory along the straight line through the two runs (a fixed base plus a cost an article)."""
    g = growth(small, big)
    factor = target / big["n"]
    out: dict = {"startup": big["stages"]["startup"]["s"]}
    for stage, fit in g.items():
        if stage in ("startup", "memory"):
            continue
        exponent = max(1.0, fit["exponent"])
        base = big["cli"][f"{stage}_s"] if stage in ("wall", "cpu") else big["stages"][stage]["s"]
        out[stage] = round(base * factor**exponent, 1)
    m0, m1 = small["cli"]["peak_tree_pss_mb"], big["cli"]["peak_tree_pss_mb"]
    per_article = (m1 - m0) / (big["n"] - small["n"])
    out["memory_mb"] = round(m1 + per_article * (target - big["n"]))
    out["memory_kb_per_article"] = round(per_article * 1024, 1)
    return out


# --- in-process stage timing and profile --------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process and of the reaped workers (pools are closed after each map)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> tuple[float, float]:
    """This process's resident set now and its peak so far, in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    now = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return round(now), round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def stages_child(path: Path, jobs: int, output: Path) -> None:
    """Child mode: ``pipeline.run`` with a progress callback that stamps the start of every stage
    (so load and clean come apart), then the JSON rendering; prints a JSON line of wall and CPU
    seconds per stage."""
    started, started_cpu = time.perf_counter(), _cpu()
    from newsclust import pipeline, render
    from newsclust.settings import Settings

    stamps: dict[str, tuple[float, float]] = {"imports": (started, started_cpu)}
    #: The main process's memory when each stage starts: (now, peak so far) in MB.
    memory: dict[str, tuple[float, float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in stamps:
            stamps[stage] = (time.perf_counter(), _cpu())
            memory[stage] = _rss_mb()

    stamps["run"] = (time.perf_counter(), _cpu())
    report = pipeline.run([path], Settings(jobs=jobs), progress=progress)
    stamps["render"] = (time.perf_counter(), _cpu())
    memory["render"] = _rss_mb()
    with output.open("w", encoding="utf-8", newline="\n") as handle:
        if hasattr(render, "json_pieces"):  # as the CLI writes it: story by story
            handle.writelines(render.json_pieces(report))
        else:  # a --commit from before streaming
            handle.write(render.render(report, "json"))
    stamps["end"] = (time.perf_counter(), _cpu())
    memory["end"] = _rss_mb()
    order = sorted(stamps, key=lambda k: stamps[k][0])
    wall, cpu = {}, {}
    for this, following in zip(order, order[1:], strict=False):
        if this != "run":  # "run" only marks the end of the imports
            wall[this] = round(stamps[following][0] - stamps[this][0], 2)
            cpu[this] = round(stamps[following][1] - stamps[this][1], 2)
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb_at_start": memory}))


def _py_spy() -> str | None:
    return shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")


_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*)\)$")
#: Frames that only carry others (process start-up, pool plumbing, this harness): left out of
#: the cumulative ranking, where they would fill the top rows.
_PLUMBING = ("multiprocessing/", "bench_pipeline.py", "<frozen", "threading.py", "concurrent/")


def _short(file: str) -> str:
    for marker in ("/site-packages/", "/lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file.replace(str(ROOT) + "/", "")


def summarise_profile(raw: Path, rate: int, top: int = 25) -> dict:
    """Self and cumulative seconds per function from py-spy's collapsed stacks (``--nolineno``).

    Samples of all processes are summed, so with worker processes busy the seconds add up to
    more than the wall time: read them as CPU seconds. ``main_s`` and ``workers_s`` split them
    by process (a worker's stack starts with two "process" frames: its parent's and its own).
    """
    self_samples: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    by_process = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = []
        processes = 0
        for frame in stack.split(";"):
            if frame.startswith("process "):
                processes += 1
                continue
            match = _FRAME.match(frame)
            if match is not None:
                frames.append(f"{_short(match['file'])}:{match['func']}")
        if not frames:
            continue
        total += count
        by_process["workers" if processes > 1 else "main"] += count
        self_samples[frames[-1]] += count
        for name in set(frames):
            if not name.startswith(_PLUMBING):
                cumulative[name] += count

    def seconds(counter: Counter[str]) -> list[dict]:
        return [
            {"function": name, "s": round(c / rate, 1), "share": round(c / total, 3)}
            for name, c in counter.most_common(top)
        ]

    return {
        "samples": total,
        "rate_hz": rate,
        "main_s": round(by_process["main"] / rate, 1),
        "workers_s": round(by_process["workers"] / rate, 1),
        "self": seconds(self_samples),
        "cumulative": seconds(cumulative),
    }


def print_profile(profile: dict, rows: int = 20) -> None:
    say(
        f"   profile: {profile['samples']} samples at {profile['rate_hz']} Hz; "
        f"main process {profile['main_s']} s, worker processes {profile['workers_s']} s"
    )
    for kind in ("self", "cumulative"):
        say(f"   top by {kind} time (seconds summed over processes):")
        for row in profile[kind][:rows]:
            say(f"     {row['s']:>8.1f} s {row['share']:>6.1%}  {row['function']}")


def profile_run(path: Path, jobs: int, rate: int) -> dict:
    """The in-process run (``stages_child``) in a fresh interpreter, under py-spy if installed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        child = [
            sys.executable,
            __file__,
            "_stages",
            str(path),
            "--jobs",
            str(jobs),
            "--out",
            str(out),
        ]
        spy = _py_spy()
        raw = Path(tmp) / "profile.txt"
        if spy:
            argv = [
                spy,
                "record",
                "--subprocesses",
                "--nolineno",
                "-r",
                str(rate),
                "-f",
                "raw",
                "-o",
                str(raw),
                "--",
                *child,
            ]
        else:
            say("   py-spy not found (pip install py-spy): timing stages without a profile")
            argv = child
        say_load("before the in-process stage run" + (" under py-spy" if spy else ""))
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=CHILD_ENV)
        wall = time.perf_counter() - started
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"stage run failed: {done.stderr[-2000:]}")
        result: dict = {"stages_s": json.loads(lines[-1]), "wall_s": round(wall, 1)}
        if spy and raw.exists():
            result["profile"] = summarise_profile(raw, rate)
            keep = RESULTS / f"profile-{path.parent.name}.txt"
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(raw, keep)
            result["profile_raw"] = str(keep.relative_to(ROOT))
        return result


# --- the benchmark -------------------------------------------------------------------------------


def snapshot(rev: str) -> tuple[str, Path]:
    """``newsclust/`` as of ``rev``, exported once to benchmarks/data/snapshots/<sha>/ (git
    archive: no worktree, nothing written to .git)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dest = HERE / "data" / "snapshots" / sha[:12]
    if not (dest / "newsclust" / "__init__.py").is_file():
        tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
        tmp.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", sha, "newsclust"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    return sha, dest


def cli_argv(path: Path, output: Path, jobs: int | None) -> list[str]:
    argv = [
        str(VENV_BIN / "newsclust"),
        "cluster",
        str(path),
        "--format",
        "json",
        "-o",
        str(output),
        "-v",
    ]
    return argv + (["--jobs", str(jobs)] if jobs else [])


def measure_corpus(
    kind: str, n: int, form: str, *, jobs: int | None, args: argparse.Namespace, startup: float
) -> dict:
    say(f"\n== {kind} corpus, {n:,} articles, from a {form} ==")
    t = time.perf_counter()
    folder = make_corpus(kind, n, args.seed, form)
    manifest = json.loads((folder / "manifest.json").read_text())
    say(
        f"   corpus {folder.relative_to(ROOT)} ready in {time.perf_counter() - t:.1f} s "
        f"({manifest['events']:,} events, {manifest['copies']:,} copies, "
        f"{manifest['words_mean']} words/article)"
    )
    path = folder / ("articles" if form == "folder" else "corpus.jsonl")
    gold = folder / ("gold.jsonl" if form == "folder" else "corpus.jsonl")
    output = folder.parent / f"{folder.name}.out.json"
    retries = args.retries if n <= args.retry_limit else 0
    # A JSONL file over max_file_mb (64 by default; the 1M short-article file is 862 MB) is
    # read in pieces with the cap applied per record, so no setting is raised here.
    env: dict[str, str] = {}
    cli = run_with_retries(
        cli_argv(path, output, jobs),
        label=f"cluster {n:,}",
        max_load=args.max_load,
        retries=retries,
        env=env,
        cap_mb=args.memory_cap_gb * 1024 if args.memory_cap_gb else None,
    )
    result = {
        "settings_env": env,
        "kind": kind,
        "n": n,
        "form": form,
        "jobs": jobs or CPUS,
        "corpus": manifest,
        "folder": str(folder),
        "cli": cli,
        "stages": stage_table(cli, n, startup),
    }
    if cli["exit_code"] in (0, 3):
        result["quality"] = quality(gold, output)
        q = result["quality"]
        say(
            f"   quality: B-cubed F1 {q['bcubed_f1']:.3f}, pair F1 {q['pair_f1']:.3f} "
            f"({q['predicted_stories']:,} stories for {q['gold_stories']:,} gold)"
        )
    result["output"] = str(output)
    return result


def determinism(result: dict, args: argparse.Namespace) -> dict:
    """--jobs 1 against the --jobs 2 run already made: identical bytes, and the speed-up."""
    folder = Path(result["folder"])
    path = folder / ("articles" if result["form"] == "folder" else "corpus.jsonl")
    output = folder.parent / f"{folder.name}.out-jobs1.json"
    say(f"\n== determinism: --jobs 1 vs --jobs {result['jobs']} on {result['n']:,} articles ==")
    one = run_with_retries(
        cli_argv(path, output, 1),
        label=f"cluster {result['n']:,} --jobs 1",
        max_load=args.max_load,
        retries=args.retries,
    )
    same = digest(output) == digest(Path(result["output"]))
    check = {
        "identical": same,
        "jobs1_wall_s": one["wall_s"],
        "jobs1_cpu_s": one["cpu_s"],
        f"jobs{result['jobs']}_wall_s": result["cli"]["wall_s"],
        "speedup": round(one["wall_s"] / result["cli"]["wall_s"], 2),
        "jobs1_timings": one.get("timings"),
    }
    if not same:
        check["first_difference"] = first_difference(output, Path(result["output"]))
    say(f"   JSON identical: {same}; speed-up with {result['jobs']} jobs: {check['speedup']}x")
    return check


def print_summary(results: list[dict]) -> None:
    say("\n== summary ==")
    head = f"{'corpus':<22}{'wall s':>8}{'CPU s':>8}{'RSS MB':>8}{'PSS MB':>8}{'load':>6}"
    say(head + "".join(f"{s:>16}" for s in STAGES) + f"{'B3 F1':>7}{'pairF1':>7}")
    for r in results:
        cli = r["cli"]
        cells = "".join(
            f"{r['stages'].get(s, {}).get('s') or 0:>7.1f}s"
            f"{r['stages'].get(s, {}).get('docs_per_s') or 0:>7}/s "
            for s in STAGES
        )
        q = r.get("quality", {})
        say(
            f"{r['kind'] + ' ' + format(r['n'], ',') + ' ' + r['form']:<22}"
            f"{cli['wall_s']:>8.1f}{cli['cpu_s']:>8.1f}{cli['max_rss_mb']:>8.0f}"
            f"{cli['peak_tree_pss_mb']:>8.0f}{cli['load_during']:>6.1f}{cells}"
            f"{q.get('bcubed_f1', 0):>7.3f}{q.get('pair_f1', 0):>7.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="day-corpus sizes, run from a folder of files",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="--jobs for the CLI (default: "
        "one per CPU); the determinism check compares it with --jobs 1",
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=None,
        help="profile the in-process run of the N-article day corpus",
    )
    parser.add_argument("--profile-rate", type=int, default=20, help="py-spy samples a second")
    parser.add_argument(
        "--estimate",
        action="store_true",
        help="short JSONL 100k and 300k runs, extrapolated to 1,000,000",
    )
    parser.add_argument(
        "--memory-cap-gb",
        type=float,
        default=16.0,
        help="stop a run whose process tree passes this much memory (0: no cap)",
    )
    parser.add_argument(
        "--estimate-sizes",
        type=int,
        nargs=2,
        default=[100_000, 300_000],
        help="the two short-corpus sizes --estimate runs",
    )
    parser.add_argument(
        "--million", action="store_true", help="the 1,000,000 short-article JSONL run (long)"
    )
    parser.add_argument("--no-determinism", action="store_true")
    parser.add_argument(
        "--max-load",
        type=float,
        default=CPUS + 0.5,
        help="re-run a measurement made under a higher load average",
    )
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument(
        "--retry-limit",
        type=int,
        default=20_000,
        help="only corpora up to this size are re-run (big runs take too long)",
    )
    parser.add_argument(
        "--commit",
        metavar="REV",
        default=None,
        help="measure newsclust as of this commit (default: the working tree)",
    )
    args = parser.parse_args(argv)

    record: dict = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": CPUS,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
        "load_at_start": os.getloadavg(),
    }
    if args.commit:
        sha, path = snapshot(args.commit)
        CHILD_ENV["PYTHONPATH"] = str(path)
        record["commit"], record["measured"] = sha[:12], f"snapshot {path.relative_to(ROOT)}"
    else:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "newsclust"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        record["measured"] = "working tree" + (" (uncommitted changes)" if dirty else "")
    say(
        f"newsclust pipeline benchmark: {record['measured']}, commit {record['commit']}, "
        f"{CPUS} CPUs"
    )
    startup = startup_seconds()
    record["startup_s"] = startup
    say(f"startup (interpreter + imports): {startup:.2f} s")
    jobs = args.jobs or CPUS
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pipeline-{dt.datetime.now():%Y%m%d-%H%M%S}.json"

    def save() -> None:
        # After every measurement: a run of an hour that is cut short keeps what it measured.
        out.write_text(json.dumps(record, indent=2) + "\n")

    results: list[dict] = []
    record["runs"] = results
    short: list[dict] = []
    record["short_runs"] = short
    for n in sorted(args.sizes):
        results.append(measure_corpus("day", n, "folder", jobs=jobs, args=args, startup=startup))
        save()
    if results and not args.no_determinism:
        record["determinism"] = determinism(results[0], args)
        save()
    if len(results) >= 2:
        record["growth"] = growth(results[0], results[-1])
        say(f"\n== growth {results[0]['n']:,} -> {results[-1]['n']:,} (n^b; b = 1 is linear) ==")
        loads = [r["cli"]["load_during"] for r in (results[0], results[-1])]
        say(
            f"   load during the two runs: {loads[0]} and {loads[1]}"
            + (
                "; wall ratios are skewed by the difference, the CPU ratio much less"
                if abs(loads[0] - loads[1]) > 1
                else ""
            )
        )
        for stage, fit in record["growth"].items():
            say(f"   {stage:<15} x{fit['ratio']:<8} b = {fit['exponent']}")
    if args.profile:
        folder = make_corpus("day", args.profile, args.seed, "folder")
        say(f"\n== in-process run of {args.profile:,} articles (stages, profile) ==")
        record["profile"] = profile_run(folder / "articles", jobs, args.profile_rate)
        say(f"   stages: {record['profile']['stages_s']}")
        if "profile" in record["profile"]:
            print_profile(record["profile"]["profile"])
        save()
    if args.estimate:
        for n in args.estimate_sizes:
            short.append(measure_corpus("short", n, "jsonl", jobs=jobs, args=args, startup=startup))
            save()
        record["million_estimate"] = extrapolate(short[0], short[1], 1_000_000)
        say(
            f"\n== 1,000,000 short articles, estimated from {args.estimate_sizes}: "
            f"{record['million_estimate']} =="
        )
    if args.million:
        short.append(
            measure_corpus("short", 1_000_000, "jsonl", jobs=jobs, args=args, startup=startup)
        )
    record["load_at_end"] = os.getloadavg()
    print_summary(results + short)
    save()
    say(f"\nresults: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_summarise":  # a saved py-spy raw file
        print_profile(summarise_profile(Path(sys.argv[2]), int(sys.argv[3])), rows=40)
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "_stages":
        child = argparse.ArgumentParser()
        child.add_argument("path", type=Path)
        child.add_argument("--jobs", type=int, default=0)
        child.add_argument("--out", type=Path, required=True)
        opts = child.parse_args(sys.argv[2:])
        stages_child(opts.path, opts.jobs, opts.out)
        sys.exit(0)
    sys.exit(main())
