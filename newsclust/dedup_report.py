"""Output of ``newsclust dedup``: near-duplicate groups as text, JSON (versioned) or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from .models import Article, DupGroup, Skipped

JSON_VERSION = 1


def _stats(groups: Sequence[DupGroup], articles: Sequence[Article], skipped: Sequence[Skipped]):
    copies = sum(len(g.members) - 1 for g in groups)
    return {
        "inputs": len(articles) + len(skipped),
        "articles": len(articles),
        "skipped": len(skipped),
        "groups": len(groups),
        "copies": copies,
        "unique": len(articles) - copies,
    }


def dedup_json(groups, articles, skipped) -> str:
    payload = {
        "version": JSON_VERSION,
        "groups": [
            {
                "canonical": g.canonical,
                "members": list(g.members),
                "similarity": round(g.similarity, 4),
            }
            for g in groups
        ],
        "skipped": [
            {"path": s.path, "reason": s.reason, **({"id": s.id} if s.id else {})} for s in skipped
        ],
        "stats": _stats(groups, articles, skipped),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def dedup_csv(groups, articles, skipped) -> str:
    """One row per group member: group number, canonical id, member id, group similarity."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["group", "canonical", "member", "similarity"])
    for number, group in enumerate(groups, start=1):
        for member in group.members:
            writer.writerow([number, group.canonical, member, f"{group.similarity:.4f}"])
    return buffer.getvalue()


def dedup_text(groups, articles, skipped) -> str:
    stats = _stats(groups, articles, skipped)
    lines = [
        f"newsclust dedup: {stats['articles']} articles, {stats['groups']} groups of copies "
        f"({stats['copies']} copies); {stats['skipped']} inputs skipped",
        "",
    ]
    for number, group in enumerate(groups, start=1):
        lines.append(f"[{number}] {group.canonical}  (min similarity {group.similarity:.2f})")
        lines += [f"    = {member}" for member in group.members if member != group.canonical]
    if skipped:
        lines += ["", f"Skipped ({len(skipped)}):"]
        lines += [f"  {s.path}: {s.reason}" for s in skipped]
    return "\n".join(lines).rstrip() + "\n"
