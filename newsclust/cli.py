"""The command line: parse options → Settings → pipeline → render → exit code.

This is the only layer that knows argv, exit codes and where output goes. Library errors
(``NewsclustError``) become one-line messages; anything else is an internal error whose
traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from . import __version__
from .atomic import write_atomic_pieces
from .errors import ExitCode, NewsclustError
from .models import Report
from .render import FORMATS, render
from .settings import Settings, describe, resolve

app = typer.Typer(
    name="newsclust",
    help=(
        "Deduplicate news articles and group reports of the same event into stories, "
        "with a merged summary and the differences between sources."
    ),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Markdown: docstring lines join into paragraphs, blank lines separate them.
    rich_markup_mode="markdown",
)

logger = logging.getLogger("newsclust")

# --- options shared by the commands ------------------------------------------------------


def _setting_help(name: str) -> str:
    """A setting's help text with its built-in default (config files may change it)."""
    return f"{dict(describe())[name]} Default: {getattr(Settings(), name)}."


PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Article files and folders (searched recursively; hidden files are ignored). "
        "Formats: .txt/.md, .html/.htm, .json, .jsonl/.ndjson.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="auto = rich on a terminal, plain text when piped or with NO_COLOR "
        "(with -o: chosen from the file extension). Or: " + ", ".join(FORMATS) + ".",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the report to this file (atomically).", dir_okay=False
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML config file (default: ./newsclust.toml, then the user config dir).",
        dir_okay=False,
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no log messages but errors.")
]
VerboseOpt = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More log messages (-vv for debug).")
]
LogFileOpt = Annotated[
    Path | None,
    typer.Option("--log-file", help="Append log messages to this file (for cron).", dir_okay=False),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
DedupThresholdOpt = Annotated[
    float | None,
    typer.Option("--dedup-threshold", help=_setting_help("dedup_threshold"), show_default=False),
]
ClusterThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        "--cluster-threshold",
        help=_setting_help("cluster_threshold"),
        show_default=False,
    ),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", help=_setting_help("jobs"), show_default=False)
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help=_setting_help("seed"), show_default=False)
]

_EXTENSION_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


# --- plumbing ----------------------------------------------------------------------------


def _setup_logging(quiet: bool, verbose: int, log_file: Path | None) -> None:
    root = logging.getLogger("newsclust")
    root.handlers.clear()
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    root.setLevel(min(level, logging.INFO) if log_file else level)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(logging.Formatter("newsclust: %(levelname)s: %(message)s"))
    root.addHandler(stderr)
    if log_file:
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.setLevel(min(level, logging.INFO))
        root.addHandler(handler)


def _fail(message: str, code: ExitCode) -> typer.Exit:
    typer.echo(f"newsclust: error: {message}", err=True)
    return typer.Exit(int(code))


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Map library errors to one-line messages and exit codes; hide tracebacks unless --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.BadParameter, typer.Exit, typer.Abort, KeyboardInterrupt):
            raise  # click reports these itself, with its own exit codes
        except NewsclustError as exc:
            if kwargs.get("debug"):
                raise
            raise _fail(str(exc), exc.exit_code) from None
        except Exception as exc:
            if kwargs.get("debug"):
                raise
            raise _fail(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
                ExitCode.INTERNAL_ERROR,
            ) from None

    return wrapper


def _settings(config: Path | None, **flags: Any) -> Settings:
    settings, _ = resolve(config_file=config, flags=flags)
    return settings


def choose_format(fmt: str, output: Path | None) -> str:
    fmt = fmt.lower()
    if fmt != "auto":
        if fmt not in FORMATS:
            raise typer.BadParameter(
                f"choose one of auto, {', '.join(FORMATS)}", param_hint="--format"
            )
        return fmt
    if output is not None:
        return _EXTENSION_FORMATS.get(output.suffix.lower(), "text")
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return "rich"
    return "text"


def emit(text: str, output: Path | None) -> None:
    emit_pieces((text,), output)


def emit_pieces(pieces: Iterable[str], output: Path | None) -> None:
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
    else:
        write_atomic_pieces(output, pieces)


def emit_report(report: Report, fmt: str, output: Path | None) -> None:
    if fmt == "rich" and output is None:
        from .render import render_rich

        render_rich(report, Console())
        return
    if fmt in ("json", "jsonl"):
        # Written story by story: a big report is never held whole (as text or as a dict).
        from .render import json_pieces, jsonl_pieces

        emit_pieces((json_pieces if fmt == "json" else jsonl_pieces)(report), output)
        return
    emit(render(report, fmt, console=Console(width=100, color_system=None)), output)


def report_exit_code(report: Report) -> ExitCode:
    return ExitCode.SKIPPED_INPUTS if report.skipped else ExitCode.OK


def _progress_callback(quiet: bool):
    """(context, callback): a rich progress bar on a terminal; no context and no callback
    (silence) in cron, in pipes and with --quiet."""
    if quiet or not sys.stderr.isatty():
        return contextlib.nullcontext(), None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None)

    return progress, update


# --- commands ----------------------------------------------------------------------------


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"newsclust {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Deduplicate news articles and group reports of the same event into stories."""


@app.command()
@handle_errors
def cluster(
    paths: PathsArg,
    fmt: FormatOpt = "auto",
    output: OutputOpt = None,
    config: ConfigOpt = None,
    threshold: ClusterThresholdOpt = None,
    dedup_threshold: DedupThresholdOpt = None,
    jobs: JobsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_file: LogFileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Group the articles under PATHS into stories and print each story with its differences.

    Every input ends up in a story, as a copy of another article, or in the skipped list with
    a reason. Exit code 0: all inputs read; 3: some were skipped; 4: none could be read.
    """
    from .gc_pause import garbage_collection_paused
    from .pipeline import run

    _setup_logging(quiet, verbose, log_file)
    fmt = choose_format(fmt, output)
    settings = _settings(
        config, cluster_threshold=threshold, dedup_threshold=dedup_threshold, jobs=jobs, seed=seed
    )
    progress, update = _progress_callback(quiet)
    # Rendering 100,000 articles makes millions of small objects too (see gc_pause).
    with garbage_collection_paused():
        with progress:
            report = run(paths, settings, progress=update)
        logger.info("timings: %s", report.timings)
        emit_report(report, fmt, output)
    raise typer.Exit(int(report_exit_code(report)))


@app.command("config")
@handle_errors
def show_config(
    config: ConfigOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    debug: DebugOpt = False,
) -> None:
    """Print the effective settings and where each value came from.

    Layers, later ones win: defaults → config file (--config, else ./newsclust.toml, else
    $XDG_CONFIG_HOME/newsclust/config.toml) → NEWSCLUST_* environment variables
    (NEWSCLUST_JOBS=2) → flags.
    """
    import json

    settings, origins = resolve(config_file=config)
    rows = [
        (name, getattr(settings, name), origins[name], help_text) for name, help_text in describe()
    ]
    if fmt == "json":
        payload = {name: {"value": value, "from": origin} for name, value, origin, _ in rows}
        typer.echo(json.dumps(payload, indent=2))
        return
    width = max(len(name) for name, *_ in rows)
    for name, value, origin, help_text in rows:
        typer.echo(f"{name:<{width}}  {value!s:<8}  ({origin})  {help_text}")


@app.command("eval")
@handle_errors
def evaluate_command(
    data: Annotated[
        Path,
        typer.Argument(
            help="Labelled JSONL: one article a line with 'id' and a gold label field.",
            show_default=False,
        ),
    ],
    label_field: Annotated[str, typer.Option(help="The field holding the gold label.")] = "label",
    pred: Annotated[
        Path | None,
        typer.Option(
            "--pred",
            help="Score this 'cluster --format json' output instead of clustering DATA.",
            dir_okay=False,
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    config: ConfigOpt = None,
    threshold: ClusterThresholdOpt = None,
    dedup_threshold: DedupThresholdOpt = None,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    debug: DebugOpt = False,
) -> None:
    """Score clustering against gold labels: B-cubed and pair-counting P/R/F1, cluster counts.

    Articles the run skipped (junk pages) or did not place count as stories of their own.
    """
    import json

    from .render import report_dict
    from .scoring import (
        format_scores,
        predicted_labels,
        read_gold,
        read_prediction,
        score_against_gold,
    )

    _setup_logging(quiet, verbose, None)
    gold = read_gold(data, label_field)
    if pred is not None:
        predicted = read_prediction(pred)
    else:
        from .pipeline import run

        settings = _settings(
            config, cluster_threshold=threshold, dedup_threshold=dedup_threshold, jobs=jobs
        )
        progress, update = _progress_callback(quiet)
        with progress:
            report = run([data], settings, progress=update)
        predicted = predicted_labels(report_dict(report))
    result = score_against_gold(gold, predicted)
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2))
    else:
        for line in format_scores(str(data), result):
            typer.echo(line)


@app.command()
@handle_errors
def dedup(
    paths: PathsArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
    output: OutputOpt = None,
    threshold: DedupThresholdOpt = None,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_file: LogFileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Find near-duplicate articles (re-run wire copy) under PATHS, without clustering stories.

    Each group has one canonical article (the fullest text, then the earliest, then the
    smallest id); articles in no group are not listed. Exit codes as for 'cluster'.
    """
    from .dedup_report import dedup_csv, dedup_json, dedup_text
    from .ingest import load_articles
    from .pipeline import find_copy_groups

    _setup_logging(quiet, verbose, log_file)
    settings = _settings(config, dedup_threshold=threshold, jobs=jobs, seed=seed)
    articles, skipped = load_articles(paths, settings)
    if not articles and not skipped:
        raise _fail("no inputs found", ExitCode.NOTHING_READABLE)
    groups = find_copy_groups(articles, settings)
    renderers = {"text": dedup_text, "json": dedup_json, "csv": dedup_csv}
    if fmt not in renderers:
        raise typer.BadParameter("choose one of text, json, csv", param_hint="--format")
    emit(renderers[fmt](groups, articles, skipped), output)
    if not articles:
        raise typer.Exit(int(ExitCode.NOTHING_READABLE))
    raise typer.Exit(int(ExitCode.SKIPPED_INPUTS if skipped else ExitCode.OK))


@app.command()
@handle_errors
def explain(
    first: Annotated[str, typer.Argument(help="An article id or path.", show_default=False)],
    second: Annotated[str, typer.Argument(help="Another article id or path.", show_default=False)],
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--in",
            help="The corpus the two articles belong to (files or folders; repeatable). "
            "Default: the two paths themselves.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    config: ConfigOpt = None,
    threshold: ClusterThresholdOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    debug: DebugOpt = False,
) -> None:
    """Show why two articles were or were not put in the same story.

    Prints every similarity component with its value, weight and contribution, the combined
    similarity and the threshold, and whether the articles are near-duplicate copies.
    """
    import json

    from .explain import explain_pair

    _setup_logging(quiet, verbose, None)
    settings = _settings(config, cluster_threshold=threshold)
    paths = corpus or [Path(first), Path(second)]
    pair = explain_pair(paths, first, second, settings)
    e = pair.explanation
    if fmt == "json":
        payload = {
            "a": pair.a.id,
            "b": pair.b.id,
            "copy_similarity": pair.copy_similarity,
            "components": [vars(c) for c in e.components],
            "similarity": e.similarity,
            "threshold": e.threshold,
            "linked": e.linked,
            "same_story": e.same_story,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"A: {pair.a.id}  ({pair.a.title or 'no title'})")
    typer.echo(f"B: {pair.b.id}  ({pair.b.title or 'no title'})")
    if pair.copy_similarity is not None:
        typer.echo(f"Near-duplicate copies (shingle similarity {pair.copy_similarity:.3f}).")
    typer.echo(f"{'component':<10} {'value':>7} {'weight':>7} {'contrib':>8}  detail")
    for c in e.components:
        typer.echo(
            f"{c.name:<10} {c.value:>7.3f} {c.weight:>7.2f} {c.contribution:>8.3f}  {c.detail}"
        )
    verdict = "at or above" if e.linked else "below"
    typer.echo(f"similarity {e.similarity:.3f} is {verdict} the threshold {e.threshold:.3f}")
    if e.same_story is not None:
        typer.echo(
            "same story: "
            + ("yes" if e.same_story else "no")
            + " (average linkage looks at whole stories, not only this pair)"
        )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="newsclust")


# The cron commands (update, stories, show) live in their own module; importing it registers
# them on ``app``. At the bottom because that module imports the helpers above.
from . import cli_store  # noqa: E402,F401
