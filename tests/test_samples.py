"""End to end on samples/: the expected stories, copies and skipped inputs, every input once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclust.pipeline import run
from newsclust.render import report_dict
from newsclust.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

EXPECTED = json.loads((REPO / "tests" / "samples_expected.json").read_text())


@pytest.fixture(scope="module")
def report():
    return report_dict(run([SAMPLES], Settings(jobs=1)))


def _relative(path: str) -> str:
    return Path(path).relative_to(SAMPLES).as_posix() if path.startswith("/") else path


def test_expected_stories(report):
    got = sorted(sorted(a["id"] for a in s["articles"]) for s in report["stories"])
    want = sorted(sorted(s["articles"]) for s in EXPECTED["stories"])
    assert got == want


def test_expected_copies(report):
    got = {
        a["id"]: a["duplicate_of"]
        for s in report["stories"]
        for a in s["articles"]
        if a["duplicate_of"]
    }
    want = {k: v for s in EXPECTED["stories"] for k, v in s["copies"].items()}
    assert got == want


def test_expected_skipped(report):
    got = sorted(_relative(s["path"]).removeprefix(str(SAMPLES) + "/") for s in report["skipped"])
    assert got == sorted(EXPECTED["skipped"])
    assert all(s["reason"] for s in report["skipped"])


def test_every_input_once(report):
    ids = [a["id"] for s in report["stories"] for a in s["articles"]]
    assert len(ids) == len(set(ids))
    assert report["stats"]["inputs"] == len(ids) + len(report["skipped"])


def test_metadata_read_from_the_afp_sample(report):
    articles = {a["id"]: a for s in report["stories"] for a in s["articles"]}
    afp = articles["lavrov/afp-jordan.txt"]
    assert afp["agency"] == "AFP" and afp["date"] == "2020-12-29"
    assert articles["lavrov/levant-untitled.txt"]["title"] is None


def test_output_does_not_depend_on_jobs(report):
    # Chunks are cut by size, not by worker count, so any --jobs gives byte-identical output.
    assert report_dict(run([SAMPLES], Settings(jobs=2))) == report
