"""Big JSON Lines files are read in pieces, and the size cap applies to each record.

Reading a file in pieces must not change what comes out: the same articles, the same
skipped lines with the same line numbers, as reading it whole.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclust import load
from newsclust.ingest import load_articles
from newsclust.models import Article, Skipped
from newsclust.settings import Settings

TEXT = "Firefighters in Tilburg battled a blaze at a furniture warehouse for six hours. " * 2


def record(n: int, text: str = TEXT) -> str:
    return json.dumps({"id": f"r{n}", "title": f"Warehouse fire number {n}", "text": text})


def read(path: Path, **settings) -> tuple[list[Article], list[Skipped]]:
    return load_articles([path], Settings(jobs=1, **settings))


# Lines of every kind a feed has: records, blank and whitespace lines (Unicode spaces too),
# broken JSON, records without text, text with line separators JSON may hold unescaped.
LINES = st.one_of(
    st.integers(0, 999).map(record),
    st.sampled_from(["", "   ", "\u00a0", "{broken", "[1, 2]", '{"title": "no text"}']),
    st.integers(0, 999).map(lambda n: record(n, f"Line one\u2028line two of {n}. " + TEXT)),
)
ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LINES, ENDS), min_size=1, max_size=25), st.booleans(), st.booleans())
def test_pieces_give_what_the_whole_file_gives(lines, last_end, bom):
    content = "".join(line + end for line, end in lines)
    if not last_end:
        content = content.rstrip("\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.jsonl"
        path.write_bytes(data)
        whole = read(path)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(load, "JSONL_PIECE_BYTES", 97)
            assert read(path) == whole
            # Pieces over the cap are read line by line; no line is over it here.
            assert read(path, max_file_mb=300 / 1e6) == whole


def test_a_record_over_the_cap_is_skipped_and_the_others_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 1000)
    lines = [record(1), record(2, TEXT * 20), record(3), "", record(4)]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, skipped = read(path, max_file_mb=0.001)  # 1,000 bytes: the file is bigger
    assert [a.id for a in articles] == ["r1", "r3", "r4"]
    assert [(s.path, s.reason) for s in skipped] == [
        (f"{path}:2", "line 2 is 0.0 MB, over the 0.001 MB limit (setting max_file_mb)")
    ]


def test_a_big_feed_of_blank_lines_is_an_empty_file(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 64)
    path = tmp_path / "feed.jsonl"
    path.write_text("\u00a0\n" * 200, encoding="utf-8")
    articles, skipped = read(path)
    assert articles == [] and [(s.path, s.reason) for s in skipped] == [
        (str(path), load.EMPTY_JSONL)
    ]


def test_a_big_file_of_another_kind_is_still_skipped_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 64)
    path = tmp_path / "long.txt"
    path.write_text(TEXT * 100, encoding="utf-8")
    articles, skipped = read(path, max_file_mb=0.001)
    assert articles == [] and len(skipped) == 1
    assert "over the 0.001 MB limit" in skipped[0].reason


def test_a_big_binary_file_named_jsonl_is_one_skip(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 64)
    path = tmp_path / "photo.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    articles, skipped = read(path)
    assert articles == [] and [(s.path, s.reason) for s in skipped] == [
        (str(path), "binary file (PNG image), not text")
    ]


def test_a_feed_that_starts_with_blank_lines_is_still_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 200)
    path = tmp_path / "feed.jsonl"
    path.write_text("\n" * 500 + "\n".join(record(n) for n in range(5)), encoding="utf-8")
    articles, skipped = read(path, max_file_mb=0.001)
    assert [a.path for a in articles] == [f"{path}:{n}" for n in range(501, 506)]
    assert skipped == []


def test_a_big_utf16_feed_is_read_whole(tmp_path, monkeypatch):
    # Its line ends are two bytes: it is not cut on bytes (and here it is under the cap).
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 64)
    path = tmp_path / "feed.jsonl"
    path.write_bytes("\n".join(record(n) for n in range(5)).encode("utf-16"))
    articles, skipped = read(path)
    assert [a.id for a in articles] == [f"r{n}" for n in range(5)] and skipped == []


def test_line_ends_split_between_blocks_count_once(tmp_path, monkeypatch):
    for size in range(40, 60):
        monkeypatch.setattr(load, "JSONL_PIECE_BYTES", size)
        path = tmp_path / "feed.jsonl"
        path.write_bytes(("\r\n".join(record(n) for n in range(6)) + "\r\n").encode())
        articles, skipped = read(path)
        assert [a.path for a in articles] == [f"{path}:{n}" for n in range(1, 7)], size


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_chunks_on_worker_processes_give_what_one_process_gives(tmp_path, monkeypatch):
    # Small chunks and pieces, so that the samples (bad files included) and a big feed with
    # an id used twice and a line repeated across articles spread over several workers.
    monkeypatch.setattr("newsclust.ingest.LOAD_CHUNK", 3)
    monkeypatch.setattr(load, "JSONL_PIECE_BYTES", 300)
    furniture = "Join the conversation at the Tilburg Courier"
    lines = [
        json.dumps({"id": f"r{n % 7}", "text": f"{TEXT}\n{furniture}\nStory number {n}."})
        for n in range(40)
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    inputs = [SAMPLES, tmp_path]
    one = load_articles(inputs, Settings(jobs=1))
    assert load_articles(inputs, Settings(jobs=2)) == one
    assert load_articles(inputs, Settings(jobs=3)) == one
    feed = [a for a in one[0] if a.path.startswith(str(tmp_path))]
    assert len(feed) == 40 and len({a.id for a in feed}) == 40
    assert all(furniture not in a.text for a in feed)  # repeated across the corpus: removed
