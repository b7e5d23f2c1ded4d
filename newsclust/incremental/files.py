"""Which input files are new or changed since the last run (step 1 of an update).

A file is read only when it is new, or its size or mtime changed *and* its SHA-256 changed: a
touched file (same bytes, new mtime) is recorded again but not read. An input that cannot be
read is reported once, not on every run (unless it changes).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..discover import InputFile, discover
from ..models import Skipped
from ..store import FileRecord


@dataclass
class Scan:
    """What :func:`scan` found. Each file to read comes with the record to store for it."""

    to_read: list[tuple[InputFile, FileRecord]] = field(default_factory=list)
    touched: list[FileRecord] = field(default_factory=list)  # same bytes, new mtime
    skipped: list[tuple[Skipped, FileRecord | None]] = field(default_factory=list)
    seen: int = 0
    unchanged: int = 0


def file_key(path: Path) -> str:
    """The key of a file's record: absolute and resolved, because cron runs from $HOME and a
    user from the folder itself, and both must see one file."""
    return str(path.resolve())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan(paths: Iterable[Path], known: dict[str, FileRecord]) -> Scan:
    """Which inputs are new or changed since the records in ``known``."""
    result = Scan()
    for item in discover(paths):
        result.seen += 1
        if isinstance(item, Skipped):
            _scan_skipped(item, known, result)
            continue
        try:
            st = item.path.stat()  # before reading: a later write shows as a new mtime
            key = file_key(item.path)
            old = known.get(key)
            if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
                result.unchanged += 1
                continue
            digest = _sha256(item.path)
        except OSError as exc:
            result.skipped.append((Skipped(item.display, f"cannot read: {exc.strerror}"), None))
            continue
        record = FileRecord(key, st.st_size, st.st_mtime_ns, digest)
        if old and old.sha256 == digest:
            result.touched.append(dataclasses.replace(record, status=old.status))
            result.unchanged += 1
        else:
            result.to_read.append((item, record))
    return result


def _scan_skipped(item: Skipped, known: dict[str, FileRecord], result: Scan) -> None:
    """Report an input that cannot be read once, not on every run (unless it changes)."""
    path = Path(item.path)
    try:
        st = path.stat()
        key = file_key(path)
    except OSError:
        result.skipped.append((item, None))  # vanished or a broken link: say so every time
        return
    old = known.get(key)
    if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
        result.unchanged += 1
        return
    result.skipped.append((item, FileRecord(key, st.st_size, st.st_mtime_ns, "", item.reason)))
