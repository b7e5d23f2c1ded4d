"""Golden files: the rich (at a fixed width) and Markdown reports of samples/.

A change to the output shows up here as a diff to review. When the change is intended,
regenerate with ``NEWSCLUST_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and commit the files.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from newsclust.pipeline import run
from newsclust.render import render_rich, to_markdown
from newsclust.settings import Settings

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"


@pytest.fixture(scope="module")
def report():
    # Run from the repository with a relative path, so paths in the output do not depend on
    # where the checkout lives.
    here = Path.cwd()
    os.chdir(REPO)
    try:
        return run([Path("samples")], Settings(jobs=1))
    finally:
        os.chdir(here)


def _rich(report) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, legacy_windows=False)
    render_rich(report, console)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make"), [("samples.rich.txt", _rich), ("samples.md", to_markdown)]
)
def test_matches_golden_file(report, name, make):
    text = make(report)
    path = GOLDEN / name
    if os.environ.get("NEWSCLUST_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; review the diff and regenerate with NEWSCLUST_UPDATE_GOLDEN=1"
    )
