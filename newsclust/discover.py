"""Find the input files under the paths a user names, safely and in a stable order.

Folders are walked recursively in sorted order (so runs are deterministic), hidden entries are
ignored, symbolic-link loops are detected, and anything that is not a regular file (a FIFO, a
socket, a device) is reported instead of opened, because opening a FIFO would hang the run.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .models import Skipped

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

# Documentation that lives beside articles in real folders; reported, never read as news.
_DOC_STEMS = ("readme", "license", "licence", "changelog")


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    #: How the user sees the file: the path as given, joined with the walk below it.
    display: str
    #: The default article id: the path relative to the folder given (or the file as given).
    relative: str


# Control characters (a newline, an escape that drives the terminal) and bidirectional
# overrides (which make "report\u202etxt.exe" read as "reportexe.txt") in file names.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(path: Path | str) -> str:
    """A path as text that can be printed on one line as it is: bytes that are not UTF-8 in
    a file name (Python keeps them as lone surrogates, which no output can encode) are
    written as ``\\xe9``, control and bidirectional characters as ``\\n`` or ``\\u202e``."""
    text = str(path)
    if not text.isascii():
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _UNSHOWABLE.sub(lambda m: repr(m.group())[1:-1], text)


def _stat_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:  # links that point at each other, directly or in a ring
        return "symbolic link loop: the links point at each other"
    return f"cannot read: {exc.strerror or exc}"


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _classify(path: Path, st: os.stat_result) -> str | None:
    """The reason a file cannot be an input, or None when it can."""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (FIFO, socket or device): not opened"
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (
            f"unsupported file type '{suffix}' "
            "(newsclust reads .txt, .md, .html, .htm, .json, .jsonl, .ndjson)"
        )
    if path.stem.lower().startswith(_DOC_STEMS):
        return "documentation file (README, LICENSE, CHANGELOG), not an article"
    return None


def discover(paths: Iterable[Path]) -> Iterator[InputFile | Skipped]:
    """Yield every candidate input file, or a Skipped for paths that cannot be inputs."""
    for root in paths:
        shown = _shown(root)
        try:
            st = root.stat()
        except FileNotFoundError:
            reason = "broken symbolic link" if root.is_symlink() else "no such file or folder"
            yield Skipped(shown, reason)
            continue
        except OSError as exc:
            yield Skipped(shown, _stat_problem(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(root)
            continue
        reason = _classify(root, st)
        if (
            reason is not None
            and root.suffix.lower() in SUPPORTED_SUFFIXES
            and stat.S_ISREG(st.st_mode)
        ):
            # A file named explicitly is read even if it is called README.
            reason = None
        if reason:
            yield Skipped(shown, reason)
        else:
            yield InputFile(root, shown, _shown(root.name))


def _walk(top: Path) -> Iterator[InputFile | Skipped]:
    # Iterative depth-first walk: no recursion limit on deep trees, and (device, inode) pairs of
    # the folders on the current branch stop symbolic-link loops.
    stack: list[tuple[Path, str, frozenset[tuple[int, int]]]] = [(top, "", frozenset())]
    while stack:
        folder, rel, ancestors = stack.pop()
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Skipped(_shown(folder), f"cannot list folder: {exc.strerror or exc}")
            continue
        if key in ancestors:
            yield Skipped(_shown(folder), "symbolic link loop: folder already visited")
            continue
        ancestors = ancestors | {key}
        subfolders = []
        for entry in entries:
            if _is_hidden(entry.name):
                continue
            path = folder / entry.name  # the same Path as Path(entry.path), made for less
            relative = f"{rel}{_shown(entry.name)}"
            try:
                st = path.stat()
            except FileNotFoundError:
                reason = "broken symbolic link" if path.is_symlink() else "vanished during the run"
                yield Skipped(_shown(path), reason)
                continue
            except OSError as exc:
                yield Skipped(_shown(path), _stat_problem(exc))
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders.append((path, relative + "/", ancestors))
                continue
            reason = _classify(path, st)
            if reason:
                yield Skipped(_shown(path), reason)
            else:
                yield InputFile(path, _shown(path), relative)
        # Reverse so the stack pops folders in sorted order.
        stack.extend(reversed(subfolders))
