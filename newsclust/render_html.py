"""The report as one self-contained HTML page: a timeline of the stories, then each story with its
merged summary, its articles and the differences between sources highlighted.

The page must open anywhere, offline and years later (attached to an e-mail, archived by a cron
job), so it loads nothing: CSS is inline, there is no script, no web font and no image. The only
external references are plain ``<a href>`` links to the articles themselves.

Article text is untrusted input (scraped pages), so every value from the report goes through
``_esc`` and links are kept only for http(s) URLs: an escaped ``javascript:`` URL still runs.
The output is deterministic (no timestamps, no random ids) so reports can be diffed and cached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .models import Article, Report, Story
from .render import fact_text, headline, story_meta

__all__ = ["to_html"]

_FONT = (
    'system-ui, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Noto Sans", "DejaVu Sans", sans-serif'
)
_SERIF = 'Charter, "Bitstream Charter", Georgia, Cambria, "Times New Roman", "DejaVu Serif", serif'

_CSS = """
:root {
  --ink: #1b1f24; --muted: #586069; --rule: #d8dde3; --paper: #ffffff; --wash: #f5f6f8;
  --accent: #0b4f8a; --accent-soft: #dbe8f5;
  --del-bg: #fde2e1; --del-ink: #8e1b1b; --ins-bg: #d7f2df; --ins-ink: #0f5028;
  --warn-bg: #fff3cd; --warn-ink: #6b4e00;
}
/* Screens only: a printout is always dark ink on white paper. */
@media screen and (prefers-color-scheme: dark) {
  :root {
    --ink: #e6e8eb; --muted: #a4adb8; --rule: #39414a; --paper: #15191e; --wash: #1d232a;
    --accent: #8cc0f0; --accent-soft: #20364d;
    --del-bg: #4a1f22; --del-ink: #ffc9c6; --ins-bg: #173b26; --ins-ink: #b7f0c8;
    --warn-bg: #43380f; --warn-ink: #ffe08a;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.55 FONT; overflow-wrap: break-word;
}
a { color: var(--accent); }
a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.wrap { max-width: 56rem; margin: 0 auto; padding: 0 1rem; }
.masthead {
  background: var(--paper); border-bottom: 3px solid var(--ink); padding: 1.25rem 0 1rem;
}
.brand {
  margin: 0; font-size: .78rem; font-weight: 700; letter-spacing: .12em;
  text-transform: uppercase; color: var(--muted);
}
h1 { margin: .2rem 0 .6rem; font: 700 clamp(1.35rem, 4.5vw, 2rem)/1.2 SERIF; }
h2 { font: 700 1.15rem/1.3 FONT; margin: 0 0 .75rem; }
h3 {
  margin: 1.25rem 0 .5rem; font-size: .78rem; font-weight: 700; letter-spacing: .08em;
  text-transform: uppercase; color: var(--muted);
}
h4 { margin: 1rem 0 .35rem; font-size: .95rem; }
.legend { margin: 0; font-size: .85rem; color: var(--muted); }
.legend del, .legend ins { margin: 0 .15rem; }
main { padding: 1.25rem 0 2rem; }
.panel {
  background: var(--paper); border: 1px solid var(--rule); border-radius: 8px;
  padding: 1rem 1.1rem; margin: 0 0 1.25rem;
}
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.plain { list-style: none; margin: 0; padding: 0; }
/* Timeline: one row per story on a shared date axis. */
.tl-axis .axis {
  position: relative; height: 1.5rem; font-size: .78rem; color: var(--muted);
  border-bottom: 1px solid var(--rule);
}
.axis .tick {
  position: absolute; top: 0; white-space: nowrap; font-variant-numeric: tabular-nums;
  transform: translateX(-50%);
}
.axis .tick.first { left: 0; transform: none; }
.axis .tick.near-start { transform: none; }
.axis .tick.last { right: 0; left: auto; transform: none; }
/* Percentages of the track less one bar's minimum width, so a one-day story on the last day
   ends at the track's end instead of past it. */
.tl-bar, .tl-gap, .tl-cut, .axis .tick {
  left: calc((100% - .75rem) * var(--l) / 100); width: calc((100% - .75rem) * var(--w) / 100);
}
.axis .tick { width: auto; }
.axis .tl-cut { position: absolute; bottom: -2px; height: 3px; background: var(--paper); }
.tl-row {
  display: grid; grid-template-columns: 1fr; gap: .15rem .75rem; padding: .3rem 0;
  border-bottom: 1px dotted var(--rule);
}
.tl-row:last-child { border-bottom: 0; }
.tl-label { font-size: .92rem; font-weight: 600; text-decoration: none; }
.tl-label:hover { text-decoration: underline; }
.tl-track {
  position: relative; height: .75rem; background: var(--wash); border-radius: 3px;
  align-self: center;
}
.tl-bar {
  position: absolute; top: 0; bottom: 0; min-width: .75rem; border-radius: 3px;
  background: var(--accent); print-color-adjust: exact; -webkit-print-color-adjust: exact;
}
.tl-gap {
  position: absolute; top: 0; bottom: 0;
  background: repeating-linear-gradient(135deg, transparent 0 3px, var(--rule) 3px 5px);
}
.tl-dates { font-size: .78rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.undated { margin: .75rem 0 0; font-size: .9rem; }
@media (min-width: 44rem) {
  .tl-row { grid-template-columns: minmax(10rem, 18rem) 1fr 12.5rem; align-items: center; }
  .tl-dates { text-align: right; white-space: nowrap; }
}
.tl-axis { border-bottom: 0; padding-bottom: 0; }
@media (max-width: 43.99rem) { .tl-axis > :empty { display: none; } }
/* Stories */
.story { padding-top: 1.1rem; }
.kicker { margin: 0; font-size: .78rem; font-weight: 700; color: var(--accent); }
.story h2 { font: 700 clamp(1.2rem, 3.6vw, 1.55rem)/1.25 SERIF; margin: .15rem 0 .3rem; }
.meta { margin: 0; font-size: .85rem; color: var(--muted); }
.summary { margin: 0; padding-left: 1.1rem; }
.summary li { margin: 0 0 .55rem; }
.summary li::marker { color: var(--muted); }
.src {
  display: inline-block; margin: 0 .25rem .1rem 0; padding: 0 .45rem; border-radius: 999px;
  background: var(--accent-soft); color: var(--ink); font-size: .74rem; line-height: 1.6;
  text-decoration: none; white-space: nowrap; vertical-align: 1px;
}
.srcs { margin-left: .2rem; }
.articles li { padding: .45rem 0; border-top: 1px solid var(--rule); }
.articles li:first-child { border-top: 0; }
.art-title { font-weight: 600; }
.badge {
  display: inline-block; padding: 0 .45rem; border-radius: 4px; font-size: .74rem;
  background: var(--warn-bg); color: var(--warn-ink); font-weight: 600;
}
code, .id { font: .8rem/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; color: var(--muted); }
/* Differences */
.diffs { border-top: 2px solid var(--ink); margin-top: 1.25rem; }
table { border-collapse: collapse; font-size: .9rem; }
caption { text-align: left; font-weight: 600; font-size: .9rem; padding: .3rem 0; }
caption::first-letter { text-transform: uppercase; }
thead th { font-size: .75rem; font-weight: 600; color: var(--muted); text-transform: uppercase;
  letter-spacing: .06em; }
th, td { text-align: left; padding: .3rem .75rem .3rem 0; border-bottom: 1px solid var(--rule);
  vertical-align: top; }
th { font-weight: 600; }
.conflict { margin: 0 0 .75rem; min-width: min(100%, 22rem); }
.conflict td.odd { background: var(--warn-bg); color: var(--warn-ink); font-weight: 700;
  padding-left: .4rem; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.conflict td.val { padding-left: .4rem; }
.wording { margin: 0 0 .9rem; }
.wording .pair { margin: 0 0 .2rem; font-size: .8rem; color: var(--muted); }
.wording .diff {
  margin: 0; padding: .5rem .7rem; background: var(--wash); border-left: 3px solid var(--rule);
  border-radius: 0 4px 4px 0; line-height: 1.75;
}
del, ins { padding: .05rem .2rem; border-radius: 3px; print-color-adjust: exact;
  -webkit-print-color-adjust: exact; }
del { background: var(--del-bg); color: var(--del-ink); text-decoration: line-through; }
ins { background: var(--ins-bg); color: var(--ins-ink); text-decoration: underline;
  text-underline-offset: .15em; }
.only { padding-left: 1.1rem; font-size: .95rem; }
.only li { margin: 0 0 .35rem; }
.facts { margin: .35rem 0 .5rem; }
.fact {
  display: inline-block; margin: 0 .3rem .3rem 0; padding: .05rem .5rem; border-radius: 4px;
  border: 1px solid var(--rule); font-size: .85rem; background: var(--paper);
}
.fact.figure { font-weight: 700; font-variant-numeric: tabular-nums; }
.fact small { color: var(--muted); }
.variants b { font-weight: 600; }
.skipped td:first-child { overflow-wrap: anywhere; }
.skipped table { width: 100%; }
footer { padding: 0 0 2rem; font-size: .8rem; color: var(--muted); }
@media (max-width: 30rem) {
  body { font-size: 15px; }
  .wrap { padding: 0 .75rem; }
  .panel { padding: .85rem .8rem; border-radius: 6px; }
}
@media print {
  @page { margin: 14mm 12mm; }
  :root { --paper: #fff; --wash: #fff; --ink: #000; --muted: #444; }
  body { background: #fff; font-size: 10.5pt; }
  .wrap { max-width: none; padding: 0; }
  .masthead { padding-top: 0; }
  .panel { border: 0; border-radius: 0; padding: 0; margin-bottom: 1rem; }
  .story { border-top: 1px solid #999; padding-top: .6rem; }
  h1, h2, h3, h4, caption, .pair { break-after: avoid; page-break-after: avoid; }
  .story > header, .summary li, .articles li, .conflict, .wording, .only li, .tl-row, tr {
    break-inside: avoid; page-break-inside: avoid;
  }
  .articles a[href^="http"]::after { content: " <" attr(href) ">"; font-size: .8em;
    font-weight: 400; color: #444; overflow-wrap: anywhere; }
  a { color: inherit; text-decoration: none; }
  footer { display: none; }
  /* Browsers drop backgrounds when printing; these carry meaning, so keep them. */
  .tl-track, .tl-gap, .src, .badge, .diff { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
  .tl-track { background: #eceef1; }
  .src { background: #e3ebf4; }
  .wording .diff { background: #f6f7f8; }
  .tl-row { grid-template-columns: 12rem 1fr 12.5rem; }
}
""".replace("SERIF", _SERIF).replace("FONT", _FONT)


# --- small helpers -------------------------------------------------------------------------


def _esc(value: Any) -> str:
    """Every value from the report goes through here: article text is untrusted input."""
    return html.escape("" if value is None else str(value), quote=True)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: an escaped ``javascript:`` or ``data:`` URL would still run."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _safe_headline(report: Report) -> str:
    # A hand-built Report may lack stats; derive them rather than fail on a KeyError.
    try:
        return headline(report)
    except KeyError:
        stats = {
            "articles": report.article_count,
            "stories": len(report.stories),
            "duplicates": sum(len(s.duplicate_of) for s in report.stories),
            "skipped": len(report.skipped),
            **report.stats,
        }
        return headline(dataclasses.replace(report, stats=stats))


class _Labels:
    """How one story names its articles in chips: the outlet (or the wire) when that is unique in
    the story, else the file name, else the full id. The id is always in the chip's tooltip."""

    def __init__(self, story: Story, report: Report, anchor: str) -> None:
        self.anchor = anchor
        self.index = {aid: n for n, aid in enumerate(story.article_ids, start=1)}
        self.names: dict[str, str] = {}
        for pick in (self._outlet, self._basename):
            wanted = {
                aid: pick(aid, report.articles.get(aid))
                for aid in story.article_ids
                if aid not in self.names
            }
            counts = Counter(wanted.values())
            self.names.update({aid: n for aid, n in wanted.items() if n and counts[n] == 1})
        for aid in story.article_ids:
            self.names.setdefault(aid, aid)
        # One source only: every summary sentence is from it, chips would just repeat it.
        self.single_source = len(story.article_ids) - len(story.duplicate_of) <= 1

    @staticmethod
    def _outlet(aid: str, article: Article | None) -> str | None:
        return (article.source or article.agency) if article else None

    @staticmethod
    def _basename(aid: str, article: Article | None) -> str | None:
        return aid.rstrip("/").rsplit("/", 1)[-1] or None

    def name(self, aid: str) -> str:
        return self.names.get(aid, aid)

    def href(self, aid: str) -> str | None:
        number = self.index.get(aid)
        return f"#{self.anchor}-a{number}" if number else None

    def chip(self, aid: str) -> str:
        href = self.href(aid)
        label = _esc(self.name(aid))
        if href is None:
            return f'<span class="src">{label}</span>'
        return f'<a class="src" href="{href}" title="{_esc(aid)}">{label}</a>'


# --- header and timeline -------------------------------------------------------------------


def _masthead(report: Report) -> str:
    return (
        '<header class="masthead"><div class="wrap">'
        '<p class="brand">newsclust report</p>'
        f"<h1>{_esc(_safe_headline(report))}</h1>"
        '<p class="legend">In the differences: <del>words only in the first source</del> '
        "<ins>words only in the second source</ins>; "
        '<span class="badge">highlighted</span> values disagree with most sources.</p>'
        "</div></header>"
    )


def _story_anchor(number: int) -> str:
    # Index-based, not story.id: ids are data, and an anchor must be a safe token.
    return f"story-{number}"


def _date_span(story: Story) -> tuple[dt.date, dt.date] | None:
    if story.first_date is None:
        return None
    return story.first_date, story.last_date or story.first_date


class _DateScale:
    """Dates → percent of the timeline's width, on one axis shared by every story.

    A long quiet stretch (no story at all for more than ``GAP_DAYS`` and more than ``GAP_SHARE``
    of the whole span) is cut out of the axis and drawn as a break: otherwise one story from
    years ago squeezes all the others into a sliver. Shorter lulls stay, so the axis is linear
    wherever it can be. Days count whole and inclusive, so a one-day story still gets a visible
    share of the axis.
    """

    GAP_DAYS = 30
    GAP_SHARE = 0.15
    #: A break's width, as a share of the days that are drawn.
    BREAK_SHARE = 0.06
    #: Axis labels closer than this (percent of the width) to the previous one are left out.
    LABEL_SPACING = 22.0

    def __init__(self, spans: Iterable[tuple[dt.date, dt.date]]) -> None:
        spans = sorted(spans)
        whole = (max(last for _, last in spans) - spans[0][0]).days + 1
        longest_lull = max(self.GAP_DAYS, self.GAP_SHARE * whole)
        segments: list[list[dt.date]] = []
        for first, last in spans:
            if segments and (first - segments[-1][1]).days <= longest_lull:
                segments[-1][1] = max(segments[-1][1], last)
            else:
                segments.append([first, last])
        drawn = sum((end - start).days + 1 for start, end in segments)
        self.break_days = max(1.0, drawn * self.BREAK_SHARE) if len(segments) > 1 else 0.0
        self.segments: list[tuple[dt.date, dt.date, float]] = []
        offset = 0.0
        for start, end in segments:
            self.segments.append((start, end, offset))
            offset += (end - start).days + 1 + self.break_days
        self.total = offset - self.break_days

    def left(self, day: dt.date) -> float:
        """Where ``day`` starts, in percent."""
        for start, end, offset in self.segments:
            if start <= day <= end:
                return 100 * (offset + (day - start).days) / self.total
        raise ValueError(f"{day} is outside the timeline")

    def width(self, first: dt.date, last: dt.date) -> float:
        # One story's span never crosses a break: breaks are cut only where no story is.
        return self.left(last) + 100 / self.total - self.left(first)

    def breaks(self) -> list[tuple[float, float]]:
        """(left, width) in percent of every break."""
        width = 100 * self.break_days / self.total
        ends = [offset + (end - start).days + 1 for start, end, offset in self.segments[:-1]]
        return [(100 * end / self.total, width) for end in ends]

    def labels(self) -> list[tuple[float, str]]:
        """(left, date) for the axis: the first day, each day after a break, the last day.

        Labels too close together are thinned from the right: the later, denser part of the
        axis matters most, and an early outlier still has its dates in its own row.
        """
        wanted = [(self.left(start), start.isoformat()) for start, _, _ in self.segments]
        if self.segments[-1][1] != self.segments[0][0]:
            wanted.append((100.0, self.segments[-1][1].isoformat()))
        kept: list[tuple[float, str]] = []
        for left, text in reversed(wanted):
            if not kept or kept[-1][0] - left >= self.LABEL_SPACING:
                kept.append((left, text))
        return kept[::-1]


def _range_text(first: dt.date, last: dt.date) -> str:
    if first == last:
        return first.isoformat()
    # Same year: "2025-03-10 – 03-11" keeps the column narrow.
    end = last.isoformat()[5:] if first.year == last.year else last.isoformat()
    return f"{first.isoformat()} – {end}"


def _place(left: float, width: float) -> str:
    """Position on the timeline as CSS variables; the CSS keeps the last bar's minimum width
    inside the track (see .tl-bar)."""
    return f'style="--l:{left:.2f};--w:{width:.2f}"'


def _gaps(scale: _DateScale) -> str:
    return "".join(
        f'<span class="tl-gap" {_place(left, width)}></span>'
        for left, width in scale.breaks()
    )


def _timeline_row(number: int, story: Story, scale: _DateScale) -> str:
    first, last = _date_span(story)  # type: ignore[misc]  # only dated stories come here
    left, width = scale.left(first), scale.width(first, last)
    dates = _range_text(first, last)
    return (
        '<li class="tl-row">'
        f'<a class="tl-label" href="#{_story_anchor(number)}">{_esc(story.title)}</a>'
        f'<span class="tl-track" aria-hidden="true">{_gaps(scale)}<span class="tl-bar" '
        f'{_place(left, width)} title="{_esc(dates)}"></span></span>'
        f'<span class="tl-dates">{_esc(dates)} · {_plural(len(story.article_ids), "article")}'
        "</span></li>"
    )


def _timeline_axis(scale: _DateScale) -> str:
    # A row of its own, in the same grid as the stories, so the axis lines up with the bars.
    ticks = []
    for left, text in scale.labels():
        if left == 0:
            ticks.append(f'<span class="tick first">{text}</span>')
        elif left == 100:
            ticks.append(f'<span class="tick last">{text}</span>')
        else:
            # Centred on its day, except near the left end, where centring would spill over.
            edge = " near-start" if left < _DateScale.LABEL_SPACING / 2 else ""
            ticks.append(f'<span class="tick{edge}" {_place(left, 0)}>{text}</span>')
    # Drawn as a cut in the axis line: the days in it are left out, not just empty.
    breaks = "".join(
        f'<span class="tl-cut" {_place(left, width)}></span>'
        for left, width in scale.breaks()
    )
    return (
        '<li class="tl-row tl-axis" aria-hidden="true">'
        f'<span></span><span class="axis">{"".join(ticks)}{breaks}</span><span></span></li>'
    )


def _timeline(report: Report) -> str:
    if not report.stories:
        return ""
    dated = [(n, s) for n, s in enumerate(report.stories, start=1) if _date_span(s)]
    undated = [(n, s) for n, s in enumerate(report.stories, start=1) if not _date_span(s)]
    out = ['<section class="panel timeline" aria-labelledby="timeline-h">']
    out.append('<h2 id="timeline-h">Timeline</h2>')
    if dated:
        # Chronological here, even though the stories below are listed biggest first.
        dated.sort(key=lambda item: (item[1].first_date, item[0]))
        scale = _DateScale(_date_span(s) for _, s in dated)  # type: ignore[misc]
        out.append('<ol class="plain tl">')
        out.append(_timeline_axis(scale))
        out += [_timeline_row(n, s, scale) for n, s in dated]
        out.append("</ol>")
    if undated:
        links = ", ".join(
            f'<a href="#{_story_anchor(n)}">{_esc(s.title)}</a>' for n, s in undated
        )
        out.append(f'<p class="undated"><span class="muted">Undated:</span> {links}</p>')
    out.append("</section>")
    return "\n".join(out)


# --- one story -----------------------------------------------------------------------------


def _summary(story: Story, labels: _Labels) -> str:
    if not story.summary:
        return ""
    items = []
    for sentence in story.summary:
        chips = "" if labels.single_source else "".join(map(labels.chip, sentence.sources))
        items.append(f'<li>{_esc(sentence.text)} <span class="srcs">{chips}</span></li>')
    return "<h3>Summary</h3>\n<ul class=\"summary\">" + "\n".join(items) + "</ul>"


def _article_item(number: int, aid: str, story: Story, report: Report, labels: _Labels) -> str:
    article = report.articles.get(aid)
    title = _esc(article.title) if article and article.title else '<i class="muted">untitled</i>'
    url = _safe_url(article.url) if article else None
    if url:
        title = f'<a href="{_esc(url)}" rel="noopener noreferrer">{title}</a>'
    bits = []
    if article:
        for value in (article.source, article.agency, article.byline):
            if value and _esc(value) not in bits:
                bits.append(_esc(value))
        if article.date:
            bits.append(f"<time>{article.date.isoformat()}</time>")
    copy_of = story.duplicate_of.get(aid)
    badge = ""
    if copy_of:
        badge = f' <span class="badge">copy of {_esc(labels.name(copy_of))}</span>'
    meta = " · ".join(bits)
    return (
        f'<li id="{labels.anchor}-a{number}"><span class="art-title">{title}</span>{badge}<br>'
        f'<span class="small muted">{meta}{" · " if meta else ""}</span>'
        f'<span class="id">{_esc(aid)}</span></li>'
    )


def _articles(story: Story, report: Report, labels: _Labels) -> str:
    items = [
        _article_item(n, aid, story, report, labels)
        for n, aid in enumerate(story.article_ids, start=1)
    ]
    return '<h3>Articles</h3>\n<ul class="plain articles">' + "\n".join(items) + "</ul>"


def _conflicts(conflicts: list[dict], labels: _Labels) -> str:
    if not conflicts:
        return ""
    out = ["<h4>Sources disagree</h4>"]
    for conflict in conflicts:
        values = conflict.get("values") or {}
        counts = Counter(str(v) for v in values.values())
        top = max(counts.values(), default=0)
        rows = []
        for aid, value in values.items():
            # Mark the odd ones out; on a tie nobody is the odd one, so nothing is marked.
            odd = counts[str(value)] < top
            css = "odd" if odd else "val"
            rows.append(
                f'<tr><th scope="row">{labels.chip(aid)}</th>'
                f'<td class="{css}">{_esc(value)}</td></tr>'
            )
        out.append(
            f'<table class="conflict"><caption>{_esc(conflict.get("about", ""))}</caption>'
            f'<thead><tr><th scope="col">source</th><th scope="col">says</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return "\n".join(out)


def _diff_html(ops: Iterable[dict]) -> str:
    """Word ops as inline HTML: deletions struck in red, insertions underlined in green."""
    parts: list[str] = []
    for op in ops:
        kind, a, b = op.get("op"), op.get("a") or "", op.get("b") or ""
        if kind == "equal":
            parts.append(_esc(a))
            continue
        if a:
            parts.append(f"<del>{_esc(a)}</del>")
        if b:
            parts.append(f"<ins>{_esc(b)}</ins>")
    out = ""
    for part in parts:
        # No space before closing punctuation, as in the article's own text.
        bare = part.split(">", 1)[-1] if part.startswith("<") else part
        if out and bare[:1] not in (",", ".", ";", ":", "!", "?", ")"):
            out += " "
        out += part
    return out


def _wording(items: list[dict], labels: _Labels) -> str:
    if not items:
        return ""
    out = ["<h4>Worded differently</h4>"]
    for item in items:
        pair = list(item.get("articles") or [])[:2]
        texts = list(item.get("texts") or ["", ""]) + ["", ""]
        # Without a word diff, the two wordings whole still show the difference.
        ops = item.get("diff") or [{"op": "replace", "a": texts[0], "b": texts[1]}]
        first = labels.chip(pair[0]) if pair else ""
        second = labels.chip(pair[1]) if len(pair) > 1 else ""
        out.append(
            '<div class="wording">'
            f'<p class="pair"><del>struck</del> {first} <span class="vs">vs</span> '
            f"<ins>underlined</ins> {second}</p>"
            f'<p class="diff">{_diff_html(ops)}</p></div>'
        )
    return "\n".join(out)


def _fact_html(fact: Any) -> tuple[bool, str]:
    """(is_sentence, html): sentences read as a list, entities and figures as compact tags."""
    text = _esc(fact_text(fact))
    if not isinstance(fact, dict) or fact.get("kind", "sentence") == "sentence":
        return True, text
    kind = str(fact.get("kind"))
    detail = fact.get("type") or kind
    return False, (
        f'<span class="fact {_esc(kind)}">{text} <small>{_esc(detail)}</small></span>'
    )


def _only_in(only_in: dict, labels: _Labels) -> str:
    if not only_in:
        return ""
    out = []
    for aid, facts in only_in.items():
        if not facts:
            continue
        rendered = [_fact_html(f) for f in facts]
        sentences = [h for is_sentence, h in rendered if is_sentence]
        tags = [h for is_sentence, h in rendered if not is_sentence]
        out.append(f'<h4 class="only-h">Only in {labels.chip(aid)}</h4>')
        if sentences:
            out.append('<ul class="only">' + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>")
        if tags:
            out.append(f'<p class="facts">{"".join(tags)}</p>')
    return "\n".join(out)


def _entities(entities: list[dict]) -> str:
    variants = [e for e in entities if len(e.get("variants") or ()) > 1]
    shared = [e for e in entities if len(e.get("variants") or ()) <= 1]
    out = []
    if variants:
        out.append('<h4>Names spelled differently</h4><ul class="variants">')
        for entity in variants:
            spellings = " / ".join(f"<b>{_esc(v)}</b>" for v in entity["variants"])
            sources = len(entity.get("articles") or ())
            out.append(
                f"<li>{spellings} <span class=\"muted small\">{_esc(entity.get('kind', ''))}"
                f" · {_plural(sources, 'source')}</span></li>"
            )
        out.append("</ul>")
    if shared:
        names = ", ".join(_esc(e.get("name", "")) for e in shared)
        label = '<span class="muted">Named by several sources:</span>'
        out.append(f'<p class="small">{label} {names}</p>')
    return "\n".join(out)


def _differences(story: Story, labels: _Labels) -> str:
    diffs = story.differences or {}
    body = [
        _conflicts(diffs.get("conflicts") or [], labels),
        _wording(diffs.get("wording") or [], labels),
        _only_in(diffs.get("only_in") or {}, labels),
        _entities(diffs.get("entities") or []),
    ]
    body = [part for part in body if part]
    if not body:
        return ""
    return '<section class="diffs"><h3>Differences between sources</h3>\n' + "\n".join(body) + (
        "</section>"
    )


def _story(number: int, story: Story, report: Report) -> str:
    anchor = _story_anchor(number)
    labels = _Labels(story, report, anchor)
    parts = [
        f'<article class="panel story" id="{anchor}">',
        f'<header><p class="kicker">Story {number}</p><h2>{_esc(story.title)}</h2>'
        f'<p class="meta">{_esc(story_meta(story))}</p></header>',
        _summary(story, labels),
        _articles(story, report, labels),
        _differences(story, labels),
        "</article>",
    ]
    return "\n".join(part for part in parts if part)


# --- skipped inputs and the page -----------------------------------------------------------


def _skipped(report: Report) -> str:
    if not report.skipped:
        return ""
    rows = "".join(
        f"<tr><td><code>{_esc(item.path)}</code></td><td>{_esc(item.reason)}</td></tr>"
        for item in report.skipped
    )
    return (
        '<section class="panel skipped" aria-labelledby="skipped-h">'
        f'<h2 id="skipped-h">Skipped inputs ({len(report.skipped)})</h2>'
        '<table><thead><tr><th scope="col">input</th><th scope="col">reason</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def to_html(report: Report) -> str:
    """The whole report as one self-contained HTML document."""
    title = _esc("newsclust: " + _safe_headline(report))
    stories = [_story(n, s, report) for n, s in enumerate(report.stories, start=1)]
    body = [
        _masthead(report),
        '<main class="wrap">',
        _timeline(report),
        *stories,
        _skipped(report),
        "</main>",
        '<footer class="wrap">Generated by newsclust. Links lead to the original articles; '
        "nothing else on this page is loaded from the network.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="generator" content="newsclust">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
