"""Kill a real ``python -m newsclust update`` with SIGKILL at several points of its run: the
database stays consistent, and the next run ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from typer.testing import CliRunner

from newsclust.cli import app
from newsclust.incremental import CRASH_ENV

FIRST = ["quake", "strike"]
SECOND = ["rotterdam", "wire-flood"]  # two stories, and copies of wire copy
# Before any write, inside the write transaction (twice), and just after the commit.
STAGES = ["deduplicated", "writing", "written", "committed"]


def _run(db: Path, inbox: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "newsclust", "update", str(inbox), "--db", str(db), "-q",
         "--wait", "0", "-f", "json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )


def _stories(db: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["stories", "--db", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["stories"]


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _fill(inbox: Path, folders: list[str]) -> None:
    for name in folders:
        shutil.copytree(SAMPLES / name, inbox / name, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, list[dict], Path]:
    """A database holding FIRST, and the stories after an uninterrupted run adding SECOND."""
    base = tmp_path_factory.mktemp("reference")
    inbox, db = base / "in", base / "news.db"
    _fill(inbox, FIRST)
    assert _run(db, inbox).returncode == 0
    first_state = base / "first.db"
    shutil.copy(db, first_state)
    _fill(inbox, SECOND)
    assert _run(db, inbox).returncode == 0
    return first_state, _stories(db), inbox


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_a_killed_update_is_completed_by_the_next_run(tmp_path, reference, stage):
    first_state, expected, reference_inbox = reference
    db = tmp_path / "news.db"
    shutil.copy(first_state, db)
    # The reference run's own inputs, so that file keys and ids are the same.
    inbox = reference_inbox
    killed = _run(db, inbox, crash_at=stage)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _integrity(db) == "ok"
    if stage != "committed":  # nothing of the killed run may be visible
        assert len(_stories(db)) == 2
    rerun = _run(db, inbox)  # --wait 0: the dead run's lock must be gone
    assert rerun.returncode == 0, rerun.stderr
    assert _integrity(db) == "ok"
    assert _stories(db) == expected
    if stage == "committed":
        assert rerun.stdout == ""  # --quiet: the killed run had finished, nothing is new
