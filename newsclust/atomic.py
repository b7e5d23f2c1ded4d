"""Write output files atomically, so a reader never sees half a report."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, fsync it, then rename it into place.

    On any failure (a full disk, say) the temporary file is removed and ``path`` is untouched.
    """
    write_atomic_pieces(path, (text,))


def write_atomic_pieces(path: Path, pieces: Iterable[str]) -> None:
    """``write_atomic`` for text that comes in pieces (a big report, written as it is made)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp creates the file readable by its owner only; give it the mode a plain open()
        # would (or the mode of the file it replaces), so a shared report stays readable.
        os.fchmod(fd, _target_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for piece in pieces:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
