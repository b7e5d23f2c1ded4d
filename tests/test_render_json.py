"""The JSON report written story by story is, to the byte, what ``json.dumps`` writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclust import atomic, render
from newsclust.models import Report
from newsclust.pipeline import run
from newsclust.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: json writes NaN / Infinity
    | st.text(max_size=12)
)
keys = st.text(max_size=6) | st.integers() | st.floats() | st.booleans() | st.none()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)


def _indented(value, level=0):
    pieces: list[str] = []
    render._indented(value, level, pieces.append)
    return "".join(pieces)


@settings(max_examples=500, deadline=None)
@given(values)
def test_the_encoder_writes_what_json_dumps_writes(value):
    expected = json.dumps(value, ensure_ascii=False, indent=2)
    assert _indented(value) == expected


def test_values_json_cannot_write_are_refused_alike():
    for value in ({1j: 1}, {"a": {1, 2}}, [object()]):
        with pytest.raises(TypeError):
            json.dumps(value, indent=2)
        with pytest.raises(TypeError):
            _indented(value)


def test_special_floats():
    value = {"a": [math.nan, math.inf, -math.inf, 0.1, -0.0, 1e300], math.inf: 2}
    assert _indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.fixture(scope="module")
def report():
    return run([SAMPLES], Settings(jobs=1))


def test_json_report_is_json_dumps_of_the_report_dict(report):
    expected = json.dumps(render.report_dict(report), ensure_ascii=False, indent=2) + "\n"
    assert render.to_json(report) == expected
    # Written a story at a time: no piece holds more than one story.
    assert len(list(render.json_pieces(report))) >= len(report.stories)


def test_a_report_without_stories(report):
    empty = Report(stories=(), articles={}, skipped=report.skipped, stats=report.stats)
    expected = json.dumps(render.report_dict(empty), ensure_ascii=False, indent=2) + "\n"
    assert render.to_json(empty) == expected


def test_jsonl_report_is_one_json_dumps_a_line(report):
    lines = [
        {"type": "story", "version": render.JSON_VERSION, **render.story_dict(s, report)}
        for s in report.stories
    ]
    lines += [
        {"type": "skipped", "version": render.JSON_VERSION, **row}
        for row in render.skipped_dicts(report)
    ]
    lines.append({"type": "stats", "version": render.JSON_VERSION, **report.stats})
    expected = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    assert render.to_jsonl(report) == expected


def test_a_report_that_fails_half_way_leaves_the_old_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")

    def pieces():
        yield "{\n"
        raise TypeError("Object of type set is not JSON serializable")

    with pytest.raises(TypeError):
        atomic.write_atomic_pieces(target, pieces())
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
