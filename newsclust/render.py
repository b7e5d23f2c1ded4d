"""Turn a Report into what people and programs read: rich, plain text, JSON, JSON Lines, Markdown.

This is the only module (with the CLI) that knows rich. The JSON shape is the public contract
documented in the README; it carries a version and only ever gains fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .models import Article, Report, Story

JSON_VERSION = 1
FORMATS = ("rich", "text", "json", "jsonl", "markdown", "html")


# --- the JSON contract -------------------------------------------------------------------


def article_dict(article: Article, duplicate_of: str | None) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "date": article.date.isoformat() if article.date else None,
        "path": article.path,
        "url": article.url,
        "byline": article.byline,
        "agency": article.agency,
        "duplicate_of": duplicate_of,
    }


def story_dict(story: Story, report: Report) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "first_date": story.first_date.isoformat() if story.first_date else None,
        "last_date": story.last_date.isoformat() if story.last_date else None,
        "sources": len(story.article_ids) - len(story.duplicate_of),
        "copies": len(story.duplicate_of),
        "articles": [
            article_dict(report.articles[aid], story.duplicate_of.get(aid))
            for aid in story.article_ids
        ],
        "summary": [{"text": s.text, "sources": list(s.sources)} for s in story.summary],
        "differences": story.differences,
    }


def skipped_dicts(report: Report) -> list[dict[str, Any]]:
    rows = []
    for item in report.skipped:
        row: dict[str, Any] = {"path": item.path, "reason": item.reason}
        if item.id is not None:
            row["id"] = item.id
        rows.append(row)
    return rows


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "stories": [story_dict(story, report) for story in report.stories],
        "skipped": skipped_dicts(report),
        "stats": report.stats,
    }


def to_json(report: Report) -> str:
    return "".join(json_pieces(report))


def json_pieces(report: Report) -> Iterator[str]:
    """The JSON report (``json.dumps(report_dict(report), ensure_ascii=False, indent=2)`` and a
    newline, to the byte) a story at a time, so that a big report is written as it is made
    instead of being held whole: as one dict of dicts, and again as millions of string pieces,
    a 100,000-article report took 3.5 GB on top of the pipeline's peak."""
    yield f'{{\n  "version": {JSON_VERSION},\n  "stories": '
    if not report.stories:
        yield "[]"
    for number, story in enumerate(report.stories):
        pieces: list[str] = ["[\n    " if number == 0 else ",\n    "]
        _indented(story_dict(story, report), 2, pieces.append)
        yield "".join(pieces)
    if report.stories:
        yield "\n  ]"
    for name, value in (("skipped", skipped_dicts(report)), ("stats", report.stats)):
        pieces = [f',\n  "{name}": ']
        _indented(value, 1, pieces.append)
        yield "".join(pieces)
    yield "\n}\n"


def jsonl_pieces(report: Report) -> Iterator[str]:
    """One object a line: every story, then every skipped input, then the stats."""
    for story in report.stories:
        line = {"type": "story", "version": JSON_VERSION, **story_dict(story, report)}
        yield json.dumps(line, ensure_ascii=False) + "\n"
    for row in skipped_dicts(report):
        yield json.dumps({"type": "skipped", "version": JSON_VERSION, **row}, ensure_ascii=False)
        yield "\n"
    stats = {"type": "stats", "version": JSON_VERSION, **report.stats}
    yield json.dumps(stats, ensure_ascii=False) + "\n"


def to_jsonl(report: Report) -> str:
    return "".join(jsonl_pieces(report))


# What ``json.dumps(value, ensure_ascii=False, indent=2)`` writes, without its encoder: with an
# indent, json falls back to a pure-Python encoder that yields every comma, colon and
# indentation as a generator item (26 CPU-s for a 600 MB report). Strings still go through
# json's C string encoder; the rest follows the json module's rules and order of type tests.
_encode_string = json.encoder.encode_basestring
_INDENT = "  "


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _indented(value: Any, level: int, out: Callable[[str], Any]) -> None:
    """Append ``value`` as indented JSON (its first line at ``level``) to ``out``."""
    if type(value) is str:
        out(_encode_string(value))
    elif type(value) is dict:
        _indented_dict(value, level, out)
    elif type(value) is list:
        _indented_list(value, level, out)
    elif isinstance(value, str):
        out(_encode_string(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out(_float_text(value))
    elif isinstance(value, list | tuple):
        _indented_list(value, level, out)
    elif isinstance(value, dict):
        _indented_dict(value, level, out)
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _newline(level: int) -> str:
    return _NEWLINES[level] if level < len(_NEWLINES) else "\n" + _INDENT * level


_NEWLINES = tuple("\n" + _INDENT * level for level in range(16))


def _indented_list(items: list | tuple, level: int, out: Callable[[str], Any]) -> None:
    if not items:
        out("[]")
        return
    inner = _newline(level + 1)
    if all(type(item) is str for item in items):  # lists of ids and sentences: one join
        out("[" + inner + ("," + inner).join(map(_encode_string, items)))
    else:
        separator = "[" + inner
        for item in items:
            out(separator)
            separator = "," + inner
            if type(item) is dict:
                _indented_dict(item, level + 1, out)
            else:
                _indented(item, level + 1, out)
    out(_newline(level) + "]")


#: '"key": ' for the keys seen so far (a report uses a few dozen; article ids, which key
#: ``only_in``, are many, so the cache stops growing at some point).
_KEY_PIECES: dict[str, str] = {}
_KEY_PIECES_MAX = 4096


def _key_piece(key: Any) -> str:
    piece = _KEY_PIECES.get(key) if type(key) is str else None
    if piece is None:
        piece = _encode_string(_key_text(key)) + ": "
        if type(key) is str and len(_KEY_PIECES) < _KEY_PIECES_MAX:
            _KEY_PIECES[key] = piece
    return piece


def _indented_dict(mapping: dict, level: int, out: Callable[[str], Any]) -> None:
    if not mapping:
        out("{}")
        return
    inner = _newline(level + 1)
    # Runs of scalar members are joined into one piece; a nested value is written in place.
    start = "{" + inner
    run: list[str] = []
    for key, value in mapping.items():
        kind = type(value)
        if kind is str:
            run.append(_key_piece(key) + _encode_string(value))
        elif value is None:
            run.append(_key_piece(key) + "null")
        elif kind is int:
            run.append(_key_piece(key) + int.__repr__(value))
        else:
            run.append(_key_piece(key))
            out(start + ("," + inner).join(run))
            _indented(value, level + 1, out)
            start, run = "," + inner, []
    if run:
        out(start + ("," + inner).join(run))
    out(_newline(level) + "}")


# --- shared wording ----------------------------------------------------------------------


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {plural}"


def headline(report: Report) -> str:
    stats = report.stats
    return (
        f"{_count(stats['articles'], 'article')} in {_count(stats['stories'], 'story')} "
        f"({_count(stats['duplicates'], 'copy')}); "
        f"{_count(stats['skipped'], 'input')} skipped"
    )


def _date_range(story: Story) -> str:
    if not story.first_date:
        return "undated"
    if story.first_date == story.last_date:
        return story.first_date.isoformat()
    return f"{story.first_date.isoformat()} to {story.last_date.isoformat()}"


def story_meta(story: Story) -> str:
    sources = len(story.article_ids) - len(story.duplicate_of)
    parts = [story.id, _count(sources, "source")]
    if story.duplicate_of:
        parts.append(_count(len(story.duplicate_of), "copy"))
    parts.append(_date_range(story))
    return " · ".join(parts)


def article_line(article: Article) -> str:
    bits = [article.id]
    for value in (article.source, article.agency, article.date and article.date.isoformat()):
        if value and value not in bits:
            bits.append(str(value))
    title = f" — {article.title}" if article.title else ""
    return " · ".join(bits) + title


def fact_text(fact: Any) -> str:
    """A fact of ``only_in`` as text: facts are strings or ``{"kind", "text"}`` objects."""
    if isinstance(fact, dict):
        return str(fact.get("text", ""))
    return str(fact)


#: Sentences shown per source under "Only in" in the human formats (JSON has them all): a
#: long tail of background sentences buries the names and figures that matter.
ONLY_IN_SENTENCES = 4


def difference_lines(
    differences: dict, *, max_sentences: int = ONLY_IN_SENTENCES
) -> Iterable[tuple[str, str]]:
    """(section, line) pairs describing the differences, in a stable order.

    Sentences only one source carries get a line each (the first ``max_sentences``); the names
    and figures only it mentions are gathered on one line, since a list of single words reads
    badly.
    """
    # Conflicts first: where sources disagree is what a reader looks for.
    for conflict in differences.get("conflicts") or []:
        values = "; ".join(f"{aid}: {value}" for aid, value in conflict["values"].items())
        yield ("Conflicts", f"{conflict['about']}: {values}")
    for article_id, facts in (differences.get("only_in") or {}).items():
        section = "Only in " + article_id
        short: dict[str, list[str]] = {}
        sentences = 0
        for fact in facts:
            kind = fact.get("kind", "sentence") if isinstance(fact, dict) else "sentence"
            if kind != "sentence":
                short.setdefault(kind, []).append(fact_text(fact))
                continue
            sentences += 1
            if sentences <= max_sentences:
                yield (section, fact_text(fact))
        if sentences > max_sentences:
            more = sentences - max_sentences
            yield (
                section,
                f"... and {_count(more, 'more sentence')} (all of them in --format json)",
            )
        for kind, texts in short.items():
            label = {"entity": "names", "figure": "figures"}.get(kind, kind)
            yield (section, f"{label}: " + ", ".join(texts))
    for entity in differences.get("entities") or []:
        if len(entity.get("variants", ())) > 1:
            yield ("Name variants", f"{entity['name']}: " + " / ".join(entity["variants"]))


def _wording(item: dict, same, removed, added) -> str:
    """A word-level diff as one line, with the three kinds of words decorated by the callers."""
    parts = []
    for op in item.get("diff", []):
        if op.get("op") == "equal":
            parts.append(same(op.get("a", "")))
        else:
            if op.get("a"):
                parts.append(removed(op["a"]))
            if op.get("b"):
                parts.append(added(op["b"]))
    return " ".join(p for p in parts if p)


def wording_plain(item: dict) -> str:
    """A word-level diff as plain text: [-removed-] {+added+}."""
    return _wording(item, str, "[-{}-]".format, "{{+{}+}}".format)


# --- plain text --------------------------------------------------------------------------


def to_text(report: Report) -> str:
    out = [f"newsclust: {headline(report)}", ""]
    for number, story in enumerate(report.stories, start=1):
        out.append(f"[{number}] {story.title}")
        out.append(f"    {story_meta(story)}")
        if story.summary and len(story.article_ids) > 1:
            out.append("    Summary:")
            for sentence in story.summary:
                out.append(f"      - {sentence.text}  ({', '.join(sentence.sources)})")
        out.append("    Articles:")
        for aid in story.article_ids:
            copy_of = story.duplicate_of.get(aid)
            marker = f"      = copy of {copy_of}: " if copy_of else "      - "
            out.append(marker + article_line(report.articles[aid]))
        section = None
        for name, line in difference_lines(story.differences):
            if name != section:
                out.append(f"    {name}:")
                section = name
            out.append(f"      * {line}")
        wording = story.differences.get("wording") or []
        if wording:
            out.append("    Worded differently:")
            for item in wording:
                out.append(f"      * {' vs '.join(item['articles'])}: {wording_plain(item)}")
        out.append("")
    if report.skipped:
        out.append(f"Skipped ({len(report.skipped)}):")
        out.extend(f"  {item.path}: {item.reason}" for item in report.skipped)
    return "\n".join(out).rstrip() + "\n"


# --- Markdown ----------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def wording_markdown(item: dict) -> str:
    return _wording(
        item, _md_escape, lambda w: f"~~{_md_escape(w)}~~", lambda w: f"**{_md_escape(w)}**"
    )


def to_markdown(report: Report) -> str:
    out = ["# newsclust report", "", headline(report) + ".", ""]
    for story in report.stories:
        out += [f"## {_md_escape(story.title)}", "", f"*{story_meta(story)}*", ""]
        if story.summary and len(story.article_ids) > 1:
            out += ["**Summary**", ""]
            out += [f"- {_md_escape(s.text)} — _{', '.join(s.sources)}_" for s in story.summary]
            out.append("")
        out += ["**Articles**", ""]
        for aid in story.article_ids:
            copy_of = story.duplicate_of.get(aid)
            suffix = f" (copy of `{copy_of}`)" if copy_of else ""
            out.append(f"- {_md_escape(article_line(report.articles[aid]))}{suffix}")
        out.append("")
        section = None
        for name, line in difference_lines(story.differences):
            if name != section:
                out += ["", f"**{_md_escape(name)}**", ""]
                section = name
            out.append(f"- {_md_escape(line)}")
        wording = story.differences.get("wording") or []
        if wording:
            out += ["", "**Worded differently** (~~first~~ **second**)", ""]
            out += [f"- {' vs '.join(i['articles'])}: {wording_markdown(i)}" for i in wording]
        out.append("")
    if report.skipped:
        out += ["## Skipped inputs", "", "| input | reason |", "| --- | --- |"]
        out += [f"| {_md_escape(s.path)} | {_md_escape(s.reason)} |" for s in report.skipped]
    return "\n".join(out).rstrip() + "\n"


# --- rich --------------------------------------------------------------------------------


def wording_rich(item: dict) -> Text:
    text = Text()
    for op in item.get("diff", []):
        if op.get("op") == "equal":
            text.append(op.get("a", "") + " ")
        else:
            if op.get("a"):
                text.append(op["a"], style="bold red strike")
                text.append(" ")
            if op.get("b"):
                text.append(op["b"], style="bold green")
                text.append(" ")
    return text


def _story_panel(number: int, story: Story, report: Report) -> Panel:
    parts: list[Any] = [Text(story_meta(story), style="dim")]
    if story.summary and len(story.article_ids) > 1:
        summary = Text()
        for sentence in story.summary:
            summary.append("• " + sentence.text)
            summary.append(f"  ({', '.join(sentence.sources)})\n", style="dim")
        parts += [Text("Summary", style="bold"), summary]
    articles = Table.grid(padding=(0, 1))
    for aid in story.article_ids:
        copy_of = story.duplicate_of.get(aid)
        marker = Text("=", style="yellow") if copy_of else Text("•")
        line = Text(article_line(report.articles[aid]))
        if copy_of:
            line.append(f"  copy of {copy_of}", style="yellow")
        articles.add_row(marker, line)
    parts += [Text("Articles", style="bold"), articles]
    section = None
    for name, line in difference_lines(story.differences):
        if name != section:
            parts.append(Text(name, style="bold magenta"))
            section = name
        parts.append(Text("  ◦ " + line))
    wording = story.differences.get("wording") or []
    if wording:
        parts.append(Text("Worded differently", style="bold magenta"))
        for item in wording:
            line = Text("  ◦ " + " vs ".join(item["articles"]) + ": ", style="dim")
            line.append_text(wording_rich(item))
            parts.append(line)
    return Panel(Group(*parts), title=f"[bold][{number}] {story.title}", title_align="left")


def render_rich(report: Report, console: Console) -> None:
    console.print(Text("newsclust: " + headline(report), style="bold"))
    for number, story in enumerate(report.stories, start=1):
        console.print(_story_panel(number, story, report))
    if report.skipped:
        table = Table(title=f"Skipped ({len(report.skipped)})", title_justify="left")
        table.add_column("input", overflow="fold")
        table.add_column("reason", overflow="fold")
        for item in report.skipped:
            table.add_row(item.path, item.reason)
        console.print(table)


def render(report: Report, fmt: str, *, console: Console | None = None) -> str:
    """The report in ``fmt`` as a string (rich output is captured with the console's width)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "jsonl":
        return to_jsonl(report)
    if fmt == "markdown":
        return to_markdown(report)
    if fmt == "text":
        return to_text(report)
    if fmt == "html":
        from .render_html import to_html

        return to_html(report)
    if fmt == "rich":
        console = console or Console()
        with console.capture() as capture:
            render_rich(report, console)
        return capture.get()
    raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
