"""Commands over the story database (cron mode): update, stories, show.

Imported at the bottom of cli.py; the commands register themselves on its ``app``. This module
is shell only: it parses options, opens the store, calls ``incremental`` and renders.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .cli import (
    ClusterThresholdOpt,
    ConfigOpt,
    DebugOpt,
    DedupThresholdOpt,
    FormatOpt,
    JobsOpt,
    LogFileOpt,
    OutputOpt,
    PathsArg,
    SeedOpt,
    VerboseOpt,
    _progress_callback,
    _settings,
    _setup_logging,
    app,
    choose_format,
    emit,
    emit_report,
    handle_errors,
    logger,
)
from .errors import ExitCode
from .incremental import DEFAULT_WINDOW_DAYS
from .models import Report, Story
from .render import JSON_VERSION, article_dict, render, skipped_dicts, story_dict
from .store import DEFAULT_WAIT, default_db_path

UPDATE_JSON_VERSION = JSON_VERSION

DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The story database. Default: $NEWSCLUST_DB, else "
        "$XDG_DATA_HOME/newsclust/newsclust.db (~/.local/share/newsclust/newsclust.db).",
        dir_okay=False,
        show_default=False,
    ),
]


def _db(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


# --- update -----------------------------------------------------------------------------


def update_dict(result) -> dict[str, Any]:
    """The versioned JSON of an update (documented in the README)."""
    report = result.report()
    copies = []
    for copy_id, canonical_id, story_id in result.new_copies:
        row = article_dict(result.articles[copy_id], canonical_id)
        copies.append({**row, "story": story_id})
    return {
        "version": UPDATE_JSON_VERSION,
        "new_stories": [story_dict(s, report) for s in result.new_stories],
        "grown_stories": [
            {**story_dict(s, report), "added": added} for s, added in result.grown_stories
        ],
        "new_copies": copies,
        "removed_stories": result.removed_stories,
        "skipped": skipped_dicts(report),
        "stats": result.stats,
    }


def _update_jsonl(payload: dict[str, Any]) -> str:
    kinds = (
        ("new_stories", "new_story"),
        ("grown_stories", "grown_story"),
        ("new_copies", "new_copy"),
        ("skipped", "skipped"),
    )
    lines = [
        {"type": kind, "version": UPDATE_JSON_VERSION, **row}
        for key, kind in kinds
        for row in payload[key]
    ]
    lines += [
        {"type": "removed_story", "version": UPDATE_JSON_VERSION, "id": sid}
        for sid in payload["removed_stories"]
    ]
    lines.append({"type": "stats", "version": UPDATE_JSON_VERSION, **payload["stats"]})
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def update_headline(result) -> str:
    s = result.stats
    return (
        f"{s['articles_added']} new articles from {s['files_read']} files: "
        f"{s['new_stories']} new stories, {s['grown_stories']} grown, "
        f"{s['new_copies']} new copies; {s['skipped']} inputs skipped "
        f"(database: {s['articles']} articles in {s['stories']} stories)"
    )


def _changes_text(result, markdown: bool) -> str:
    """The lines above the story report: what grew, which copies arrived."""
    bullet = "- " if markdown else "  "
    lines = [("**" + update_headline(result) + "**") if markdown else update_headline(result)]
    for story, added in result.grown_stories:
        lines.append(f"{bullet}grown: {story.id} ({story.title}) + {', '.join(added)}")
    for copy_id, canonical_id, story_id in result.new_copies:
        lines.append(f"{bullet}copy: {copy_id} = {canonical_id} (story {story_id})")
    for story_id in result.removed_stories:
        lines.append(f"{bullet}removed: {story_id} (merged or expired)")
    return "\n".join(lines) + "\n\n"


def render_update(result, fmt: str, output: Path | None) -> None:
    if fmt in ("json", "jsonl"):
        payload = update_dict(result)
        if fmt == "json":
            text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        else:
            text = _update_jsonl(payload)
        emit(text, output)
        return
    report = result.report()
    if fmt == "rich" and output is None:
        from .render import render_rich

        console = Console()
        console.print(_changes_text(result, markdown=False).rstrip(), style="bold")
        if report.stories or report.skipped:
            render_rich(report, console)
        return
    body = render(report, fmt, console=Console(width=100, color_system=None))
    if fmt in ("text", "markdown"):
        body = _changes_text(result, markdown=fmt == "markdown") + body
    emit(body, output)


@app.command()
@handle_errors
def update(
    paths: PathsArg,
    db: DbOpt = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            help="Seconds to wait while another update holds the "
            f"database; then exit with code {int(ExitCode.LOCKED)}.",
            min=0,
        ),
    ] = DEFAULT_WAIT,
    window_days: Annotated[
        int,
        typer.Option(
            "--window-days",
            help="Stories with an article this many days from a new "
            "one are clustered again together with it.",
            min=0,
        ),
    ] = DEFAULT_WINDOW_DAYS,
    retain_days: Annotated[
        int | None,
        typer.Option(
            "--retain-days",
            help="Drop stories whose last article is older than this "
            "many days (with their articles). Default: keep everything.",
            min=1,
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "auto",
    output: OutputOpt = None,
    config: ConfigOpt = None,
    threshold: ClusterThresholdOpt = None,
    dedup_threshold: DedupThresholdOpt = None,
    jobs: JobsOpt = None,
    seed: SeedOpt = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print nothing unless something is new or wrong (for cron)."
        ),
    ] = False,
    verbose: VerboseOpt = 0,
    log_file: LogFileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Add the files under PATHS that are new or changed since the last run to the story
    database, and report the new stories, the stories that grew and the new copies.

    Safe to run from cron: a run reads only new files, a killed run leaves the database as it
    was (the next run redoes its work), and a second run waits for the first. Exit code 0 also
    when some inputs were skipped (they are reported once); 5 when the database stayed locked
    longer than --wait; 6 when the database is not usable; 2 for a bad option.
    """
    from .incremental import UpdateOptions
    from .incremental import update as run_update
    from .store import open_store

    _setup_logging(quiet, verbose, log_file)
    fmt = choose_format(fmt, output)
    settings = _settings(
        config, cluster_threshold=threshold, dedup_threshold=dedup_threshold, jobs=jobs, seed=seed
    )
    options = UpdateOptions(window_days=window_days, retain_days=retain_days)
    store = open_store(_db(db))
    try:
        progress, callback = _progress_callback(quiet)
        with progress:
            result = run_update(store, paths, settings, options, wait=wait, progress=callback)
    finally:
        store.close()
    logger.info("update: %s", update_headline(result))
    logger.info("timings: %s", result.timings)
    for item in result.skipped:
        logger.warning("skipped %s: %s", item.path, item.reason)
    if output is not None or not quiet or result.changed:
        render_update(result, fmt, output)


# --- stories and show ---------------------------------------------------------------------


def _stored_report(db: Path, since: dt.date | None = None, story_id: str | None = None) -> Report:
    """Stories of the database as a batch Report (the JSON contract of 'cluster')."""
    from collections import defaultdict

    from .errors import InputError
    from .incremental import story_from_stored, story_order
    from .store import open_store

    store = open_store(db, readonly=True)
    try:
        if story_id is not None:
            stored = _find_story(store, story_id)
            if not stored:
                raise InputError(f"No story {story_id!r} in {db}.")
            members = {stored[0].id: store.articles_of_stories([stored[0].id])}
        else:
            stored = store.get_stories(since=since)
            members = defaultdict(list)
            for sid, article in store.story_members(since):
                members[sid].append(article)
    finally:
        store.close()
    stories: list[Story] = sorted(
        (story_from_stored(s, members.get(s.id, [])) for s in stored), key=story_order
    )
    articles = {a.article.id: a.article for group in members.values() for a in group}
    stats = {
        "articles": len(articles),
        "stories": len(stories),
        "duplicates": sum(len(s.duplicate_of) for s in stories),
        "skipped": 0,
    }
    return Report(stories=tuple(stories), articles=articles, skipped=(), stats=stats)


def _find_story(store, story_id: str) -> list:
    """The story with this id, or the only one whose id starts with it."""
    from .errors import InputError

    found = store.get_stories([story_id])
    if found:
        return found
    matches = [s for s in store.get_stories() if s.id.startswith(story_id)]
    if len(matches) > 1:
        raise InputError(f"{story_id!r} matches {len(matches)} stories; give more of the id.")
    return matches


def _parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--since"
        ) from None


@app.command()
@handle_errors
def stories(
    db: DbOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only stories with an article on or after this date "
            "(YYYY-MM-DD; undated articles count from the day they were stored).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "auto",
    output: OutputOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print the stories in the database, in the same formats and JSON shape as 'cluster'."""
    report = _stored_report(_db(db), since=_parse_day(since))
    emit_report(report, choose_format(fmt, output), output)


@app.command()
@handle_errors
def show(
    story_id: Annotated[
        str,
        typer.Argument(help="A story id (or a prefix that names one story).", show_default=False),
    ],
    db: DbOpt = None,
    fmt: FormatOpt = "auto",
    output: OutputOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print one story of the database in full: summary, articles, copies and differences."""
    report = _stored_report(_db(db), story_id=story_id)
    emit_report(report, choose_format(fmt, output), output)
