"""One ``newsclust update`` run: the steps of the package doc, in order, under the lock."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..gc_pause import garbage_collection_paused
from ..settings import Settings
from ..store import StoreError, StoryStore
from .copies import find_copies, make_finder
from .crash import checkpoint
from .files import scan
from .intake import read_changed
from .lsh import NUM_PERM, LshTables
from .model import ProgressCallback, UpdateOptions, UpdateResult, no_progress
from .neighbourhood import affected_stories
from .plan import plan_update
from .report import record_changes, record_expired, record_stats
from .summaries import summarize_changed
from .write import write_update


def update(store: StoryStore, paths: Sequence[Path], settings: Settings,
           options: UpdateOptions | None = None, *, wait: float = 60.0,
           progress: ProgressCallback | None = None) -> UpdateResult:
    """Add what is new under ``paths`` to ``store`` and say what changed (see the package
    doc)."""
    options = options or UpdateOptions()
    progress = progress or no_progress
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        # In cron a missing folder is an unmounted disk or a typo: fail loudly, store nothing.
        raise InputError(f"No such file or folder: {', '.join(missing)}")
    with store.lock(wait), garbage_collection_paused():
        checkpoint("locked")
        return _run(store, paths, settings, options, progress)


def check_settings(store: StoryStore, settings: Settings) -> dict[str, str]:
    """The settings stored signatures depend on must not change under them."""
    wanted = {"seed": str(settings.seed), "num_perm": str(NUM_PERM),
              "shingle_size": str(make_finder(settings).shingle_size)}
    for key, value in wanted.items():
        stored = store.get_meta(key)
        if stored is not None and stored != value:
            raise StoreError(
                f"The database was built with {key} {stored}, this run uses {value}: the "
                f"stored fingerprints would not compare. Use {key} {stored} or another --db."
            )
    return wanted


def _run(store: StoryStore, paths: Sequence[Path], settings: Settings, options: UpdateOptions,
         progress: ProgressCallback) -> UpdateResult:
    started = time.perf_counter()
    today = options.today or dt.date.today()
    timings: dict[str, float] = {}
    result = UpdateResult(timings=timings)

    def lap(stage: str, since: float) -> None:
        timings[stage] = round(time.perf_counter() - since, 4)

    meta = check_settings(store, settings)
    t = time.perf_counter()
    progress("scan", 0, 0)
    scanned = scan(paths, store.file_records())
    intake = read_changed(scanned, store, settings)
    new, replaced = intake.articles, intake.replaced
    result.skipped = intake.skipped
    lap("scan_and_load", t)
    checkpoint("loaded")

    t = time.perf_counter()
    progress("dedup", 0, len(new))
    lsh = LshTables(settings.dedup_threshold)
    copies = find_copies(store, new, replaced, settings, lsh) if new or replaced else None
    lap("dedup", t)
    checkpoint("deduplicated")

    plan = None
    if copies is not None:
        t = time.perf_counter()
        affected = affected_stories(store, new, replaced, copies, options.window_days, today)
        plan = plan_update(store, settings, new, replaced, copies, affected, today, progress)
        lap("cluster", t)
    checkpoint("clustered")
    if plan is not None:
        t = time.perf_counter()
        summarize_changed(plan, settings, options.summarize, progress)
        lap("summarize", t)
        record_changes(result, plan)
    checkpoint("summarized")

    t = time.perf_counter()
    expired = write_update(store, plan, intake, meta, lsh, today, options.retain_days)
    if expired:
        record_expired(result, expired)
    lap("write", t)
    checkpoint("committed")
    timings["total"] = round(time.perf_counter() - started, 4)
    record_stats(result, store, scanned, new, replaced, plan)
    return result
