"""Errors newsclust raises on purpose, and the one table that maps outcomes to exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (listed in the README; change both together)."""

    OK = 0
    #: Something unexpected went wrong inside newsclust (a bug): rerun with --debug.
    INTERNAL_ERROR = 1
    #: Bad command line, option value or config file.
    USAGE = 2
    #: The run finished, but some inputs were skipped (they are listed with reasons).
    SKIPPED_INPUTS = 3
    #: Not one input could be read as an article.
    NOTHING_READABLE = 4
    #: Another 'newsclust update' held the story database longer than --wait seconds.
    LOCKED = 5
    #: The story database cannot be used: not a newsclust database, damaged, from a newer
    #: version, or a write failed (it is left as it was before the run).
    DATABASE = 6


class NewsclustError(Exception):
    """Base class: an error with a message fit for a user, and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR


class ConfigError(NewsclustError):
    """A setting is missing, malformed or out of range (config file, environment, flag)."""

    exit_code = ExitCode.USAGE


class InputError(NewsclustError):
    """The inputs named on the command line cannot be used at all (e.g. a path that is missing)."""

    exit_code = ExitCode.USAGE


class NothingReadableError(NewsclustError):
    """No input produced an article."""

    exit_code = ExitCode.NOTHING_READABLE
