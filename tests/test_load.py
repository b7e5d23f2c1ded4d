import json
import os
from pathlib import Path

import pytest

from newsclust.load import load, split_header
from newsclust.models import Article, Skipped

BODY = (
    "The city council voted on Monday to close the old river bridge after engineers found "
    "cracks in two of its supports, the mayor said."
)


def run_load(*paths: Path, max_file_bytes: int = 10**7) -> list:
    return list(load(list(paths), max_file_bytes=max_file_bytes))


def test_text_with_header_block(tmp_path):
    (tmp_path / "a.txt").write_text(
        f"Title: Bridge closed\nDate: 2025-03-03\nSource: Daily Post\nURL: http://x/1\n\n{BODY}\n"
    )
    [article] = run_load(tmp_path)
    assert article.id == "a.txt"
    assert article.title == "Bridge closed"
    assert article.date.isoformat() == "2025-03-03"
    assert article.source == "Daily Post"
    assert article.url == "http://x/1"
    assert article.text.strip() == BODY


def test_header_like_first_line_without_blank_line_is_body():
    text = "Date: the council met again\nand voted to close the bridge."
    assert split_header(text) == ({}, text)


def test_markdown_heading_is_the_title(tmp_path):
    (tmp_path / "b.md").write_text(f"# Bridge closed\n\n{BODY}\n")
    [article] = run_load(tmp_path)
    assert article.title == "Bridge closed"
    assert "Bridge closed" not in article.text


def test_jsonl_ids_fields_and_a_broken_line(tmp_path):
    lines = [
        json.dumps({"id": "r1", "title": "One", "text": BODY, "date": "2025-03-03"}),
        "{not json",
        json.dumps({"body": BODY, "source": "Wire"}),
        json.dumps({"id": 7, "content": BODY, "title": 12}),
        json.dumps({"id": "r4", "text": 5}),
        json.dumps(["a list"]),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    items = run_load(tmp_path)
    articles = [i for i in items if isinstance(i, Article)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [a.id for a in articles] == ["r1", "feed.jsonl:3", "7"]
    assert articles[1].source == "Wire"
    assert articles[2].title is None  # a title of the wrong type is dropped, not fatal
    assert [s.path.rsplit(":", 1)[1] for s in skipped] == ["2", "5", "6"]
    assert "malformed JSON" in skipped[0].reason
    assert "must be a string" in skipped[1].reason


def test_json_object_and_list(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"title": "One", "text": BODY}))
    (tmp_path / "many.json").write_text(json.dumps([{"text": BODY}, {"id": "x", "text": BODY}]))
    ids = [a.id for a in run_load(tmp_path)]
    assert ids == ["many.json:1", "x", "one.json"]


def test_extra_fields_are_kept(tmp_path):
    (tmp_path / "l.jsonl").write_text(json.dumps({"id": "a", "text": BODY, "label": "e1"}))
    [article] = run_load(tmp_path)
    assert article.get_extra("label") == "e1"


def test_html_page_drops_furniture(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><head><title>Bridge closed | Daily Post</title></head><body>"
        "<nav><a href='/'>Home</a><a href='/news'>News</a></nav>"
        "<div class='cookie-banner'>We use cookies. Accept all cookies</div>"
        f"<article><h1>Bridge closed</h1><p>{BODY}</p><p>{BODY.upper()}</p></article>"
        "<footer>Copyright 2025 Daily Post</footer></body></html>"
    )
    [article] = run_load(tmp_path)
    assert BODY in article.text
    assert "cookies" not in article.text and "Home" not in article.text
    assert "Copyright" not in article.text


def test_html_without_text_is_skipped(tmp_path):
    (tmp_path / "s.html").write_text("<html><body><script>var a = 1;</script></body></html>")
    [item] = run_load(tmp_path)
    assert isinstance(item, Skipped) and "no article text" in item.reason


def test_hidden_files_ignored_and_unsupported_reported(tmp_path):
    (tmp_path / ".hidden.txt").write_text(BODY)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(BODY)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    [item] = run_load(tmp_path)
    assert isinstance(item, Skipped) and "unsupported file type '.jpg'" in item.reason


def test_folder_named_like_a_file_and_deep_nesting(tmp_path):
    deep = tmp_path / "x.txt"
    for level in range(20):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "a.txt").write_text(BODY)
    [article] = run_load(tmp_path)
    assert article.id.startswith("x.txt/d0/d1/") and article.id.endswith("/a.txt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_symlink_loop_and_dangling_link(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "a.txt").write_text(BODY)
    items = run_load(tmp_path)
    reasons = {Path(i.path).name: i.reason for i in items if isinstance(i, Skipped)}
    assert "not a regular file" in reasons["pipe.txt"]
    assert reasons["gone.txt"] == "broken symbolic link"
    assert "loop" in reasons["loop"]
    assert [i.id for i in items if isinstance(i, Article)] == ["a.txt"]


def test_missing_path_and_size_cap(tmp_path):
    (tmp_path / "big.txt").write_text(BODY * 100)
    items = run_load(tmp_path / "nope", tmp_path / "big.txt", max_file_bytes=1000)
    assert [i.reason for i in items][0] == "no such file or folder"
    assert "over the 0.001 MB limit" in items[1].reason


def test_binary_and_empty_files_are_skipped(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "scan.txt").write_bytes(bytes((i * 89 + 3) % 256 for i in range(4096)))
    reasons = sorted(i.reason for i in run_load(tmp_path))
    assert reasons[0].startswith("binary") and reasons[1] == "empty file"
