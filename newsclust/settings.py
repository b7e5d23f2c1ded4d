"""Settings: one typed object, layered defaults → config file → environment → flags.

Each layer may set any field; later layers win. ``resolve`` also records where each value came
from, which ``newsclust config`` prints so a user can see why a value is what it is.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

ENV_PREFIX = "NEWSCLUST_"
CONFIG_FILENAME = "newsclust.toml"


def _setting(default: Any, help: str, low: float | None = None, high: float | None = None):
    return field(default=default, metadata={"help": help, "low": low, "high": high})


@dataclass(frozen=True)
class Settings:
    """Everything that changes what newsclust computes. Output options live in the CLI."""

    dedup_threshold: float = _setting(
        0.5, "Shingle Jaccard (or containment) at which two texts count as copies.", 0.0, 1.0
    )
    cluster_threshold: float = _setting(
        0.14, "Combined similarity at which two articles report the same story.", 0.0, 1.0
    )
    summary_sentences: int = _setting(5, "Sentences in each story's merged summary.", 1, 20)
    max_file_mb: float = _setting(
        64.0,
        "Inputs larger than this are skipped, so one huge file cannot exhaust memory "
        "(in a JSON Lines file: each line).",
        0.001,
    )
    jobs: int = _setting(0, "Worker processes for the heavy stages; 0 means one per core.", 0)
    seed: int = _setting(1, "Seed for MinHash permutations (same seed, same output).", 0)

    @property
    def effective_jobs(self) -> int:
        return self.jobs or (os.cpu_count() or 1)


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "newsclust" / "config.toml"


def find_config_file(explicit: Path | None) -> Path | None:
    """The config file in force: --config, else ./newsclust.toml, else the user config file."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"Config file not found: {explicit}")
        return explicit
    for candidate in (Path.cwd() / CONFIG_FILENAME, user_config_path()):
        if candidate.is_file():
            return candidate
    return None


_KIND_NAMES = {int: "an integer", float: "a number", str: "text"}


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Convert ``value`` to the field's type and check its range, naming the culprit on error."""
    spec = next(f for f in fields(Settings) if f.name == name)
    kind = type(spec.default)
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float)):
            raise ValueError
        converted = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"The '{name}' setting ({origin}) must be {_KIND_NAMES[kind]}. Got {value!r} instead."
        ) from None
    low, high = spec.metadata["low"], spec.metadata["high"]
    if (low is not None and converted < low) or (high is not None and converted > high):
        bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigError(
            f"The '{name}' setting ({origin}) must be {bounds}. Got {value!r} instead."
        )
    return converted


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc}") from None
    # Accept both a flat file and one with a [newsclust] table.
    data = data.get("newsclust", data)
    unknown = sorted(set(data) - set(SETTING_NAMES))
    if unknown:
        raise ConfigError(
            f"Unknown setting(s) in {path}: {', '.join(unknown)}. "
            f"Known: {', '.join(SETTING_NAMES)}."
        )
    return data


def resolve(
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Build the effective settings and, for each field, the layer it came from."""
    values: dict[str, Any] = {}
    origins = {name: "default" for name in SETTING_NAMES}

    path = find_config_file(config_file)
    if path is not None:
        for name, value in _read_config_file(path).items():
            values[name] = _coerce(name, value, f"config file {path}")
            origins[name] = f"config file {path}"

    env = os.environ if env is None else env
    for name in SETTING_NAMES:
        key = ENV_PREFIX + name.upper()
        if key in env:
            values[name] = _coerce(name, env[key], f"environment {key}")
            origins[name] = f"environment {key}"

    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"option --{name.replace('_', '-')}")
            origins[name] = "command line"

    return dataclasses.replace(Settings(), **values), origins


def describe() -> list[tuple[str, str]]:
    """(name, help) for every setting, for help texts and the README."""
    return [(f.name, f.metadata["help"]) for f in fields(Settings)]
