"""Read and clean the new or changed files (step 2 of an update), with the batch pipeline's
own functions, and account for every input: article, or skipped with a reason."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from ..clean import clean_corpus
from ..ingest import unique_ids
from ..load import load_file
from ..models import Article, Skipped
from ..settings import Settings
from ..store import FileRecord, StoredArticle, StoryStore
from .files import Scan

logger = logging.getLogger(__name__)


@dataclass
class Intake:
    """What this run read."""

    articles: list[Article]  # cleaned, with ids unique in the run and in the database
    file_of: dict[str, str]  # article id -> key of its file record
    skipped: list[Skipped]
    records: list[FileRecord]  # file records to store (last, at commit)
    replaced: list[StoredArticle]  # stored articles of the changed files (they go)


def read_changed(scanned: Scan, store: StoryStore, settings: Settings) -> Intake:
    """Load and clean the files ``scanned`` found new or changed."""
    raw: list[Article] = []
    file_of_raw: list[str] = []
    skipped = [s for s, _ in scanned.skipped]
    records = list(scanned.touched) + [r for _, r in scanned.skipped if r is not None]
    max_bytes = int(settings.max_file_mb * 1_000_000)
    reasons: dict[str, str] = {}
    for item, record in scanned.to_read:
        for loaded in load_file(item, max_file_bytes=max_bytes):
            if isinstance(loaded, Article):
                raw.append(loaded)
                file_of_raw.append(record.path)
            else:
                skipped.append(loaded)
                reasons.setdefault(record.path, loaded.reason)
    replaced = store.articles_of_files([r.path for _, r in scanned.to_read])
    raw = _unique_ids(raw, store, {a.article.id for a in replaced})
    file_of = {a.id: f for a, f in zip(raw, file_of_raw, strict=True)}
    articles = []
    for item in clean_corpus(raw):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
            reasons.setdefault(file_of[item.id or ""], item.reason)
    kept_files = {file_of[a.id] for a in articles}
    for _, record in scanned.to_read:
        status = "ok" if record.path in kept_files else reasons.get(record.path, "no articles")
        records.append(dataclasses.replace(record, status=status))
    return Intake(articles, file_of, skipped, records, replaced)


def _unique_ids(raw: list[Article], store: StoryStore, freed: set[str]) -> list[Article]:
    """Ids unique within the run (as in batch) and against the stored articles of other files
    (a stored id of a replaced file is free again)."""
    raw = unique_ids(raw)
    taken = store.article_ids(a.id for a in raw) - freed
    if not taken:
        return raw
    used = {a.id for a in raw} | taken
    out = []
    for article in raw:
        if article.id in taken:
            number = 2
            while f"{article.id}#{number}" in used:
                number += 1
            new_id = f"{article.id}#{number}"
            used.add(new_id)
            logger.warning("%s: id %r is already stored; this one becomes %r",
                           article.path, article.id, new_id)
            article = dataclasses.replace(article, id=new_id)
        out.append(article)
    return out
