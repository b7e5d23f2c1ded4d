"""A hostile folder never crashes newsclust and never loses an article.

Real article folders hold anything: half-written files, binaries named .txt, other encodings,
links that loop, pipes. newsclust must finish, report each problem in one line, and account for
every input: each file (and each JSON list item or JSONL line) is either an article in a story
or in the skipped list with a reason.

Every case below builds its inputs in a temporary folder (nothing binary is committed) and
returns what it expects of each input. The per-case tests read them through ``load`` and
``clean`` (fast, in process); the last tests run the real CLI in a subprocess over all the
cases at once and check the accounting, the exit code and that no traceback escapes.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsclust import load as load_module
from newsclust.clean import clean_corpus
from newsclust.discover import InputFile, discover
from newsclust.load import load, load_file
from newsclust.models import Article, Skipped

needs_posix = pytest.mark.skipif(
    not hasattr(os, "mkfifo") or sys.platform == "win32", reason="needs POSIX FIFOs and symlinks"
)

MAX_FILE_BYTES = 64_000_000  # the default max_file_mb


# --- texts -------------------------------------------------------------------------------

# Short English reports of unrelated events; each paragraph is one long line, because short
# lines that repeat across many files are (rightly) removed as site furniture.
ENGLISH = [
    "The Dorrington council voted on Monday to close the Old Mill bridge after engineers found "
    "cracks in two of its supports, Mayor Helen Burke said.\n\n"
    "Repairs are expected to take six months and cost about 2.4 million pounds, and a "
    "temporary ferry will carry foot passengers across the Avon in the meantime.",
    "Dock workers at the port of Kestrel Bay began a 48-hour strike on Tuesday over pay, "
    "leaving more than thirty container ships waiting at anchor outside the harbour.\n\n"
    "The union, Harbour Workers United, said talks with the operator Baymark Logistics had "
    "broken down after the company offered a rise of 3 percent.",
    "A fire badly damaged the Fenwick Street public library in Lowmoor early on Sunday, "
    "destroying an estimated 40,000 books, according to the county fire service.\n\n"
    "Nobody was hurt. Chief librarian Amara Okafor said the local history archive in the "
    "basement had survived and that a temporary branch would open within weeks.",
    "Kenyan runner Daniel Rotich won the Port Ellery marathon on Saturday in 2 hours 4 minutes "
    "and 51 seconds, breaking the course record set in 2019 by almost a minute.\n\n"
    "Rotich pulled away from the leading group at the 35-kilometre mark and crossed the line "
    "well ahead of the Ethiopian Tesfaye Bekele, who finished second.",
    "Northline Railways will cut evening services between Granford and Holby from next month "
    "because of a shortage of trained drivers, the operator announced on Wednesday.\n\n"
    "Passenger groups called the decision a disgrace and said hundreds of shift workers at "
    "the Holby hospital relied on the last trains home.",
    "The Museum of Coastal History in Saltmarsh reopened on Friday after a three-year "
    "renovation that cost 18 million euros and doubled its exhibition space.\n\n"
    "Director Pieter de Wolf said the new galleries would show the wreck of the merchant ship "
    "Margaretha, which divers raised from the estuary in 2021.",
]

# Written for these tests: a metro station reopening in Novosibirsk, a desalination plant in
# Alexandria, a library opening in Hangzhou. They must be read, and stay out of English stories.
RUSSIAN = (
    "Новосибирский метрополитен в понедельник открыл после ремонта станцию «Октябрьская». "
    "Работы продолжались четырнадцать месяцев и обошлись городу в 1,2 миллиарда рублей. "
    "По словам начальника метрополитена Игоря Петрова, пассажиропоток на линии вырастет на треть."
)
ARABIC = (
    "افتتحت بلدية الإسكندرية يوم الأحد محطة جديدة لتحلية مياه البحر في حي العجمي. "
    "وقال المحافظ إن المحطة ستوفر المياه لأكثر من مئتي ألف نسمة. "
    "وبلغت تكلفة المشروع نحو ثلاثين مليون دولار بتمويل من البنك الدولي."
)
CHINESE = (
    "杭州市图书馆新馆于周六正式向公众开放。新馆藏书超过三百万册，并设有专门的儿童阅读区。"
    "馆长王丽表示，图书馆每天将开放十二个小时，预计每年接待读者两百万人次。"
)

# Western European text with the characters code pages get wrong.
CAFE = (
    "Café owners in Zürich said on Thursday that the “new rules” on terraces would cost them "
    "dearly — and that the city’s façade inspectors had not consulted a single señor or Müller."
)


def english(number: int) -> str:
    return ENGLISH[number % len(ENGLISH)]


def first_line(text: str) -> str:
    return text.split("\n")[0]


# --- cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What should become of one input: ``key`` is its path below the case folder."""

    key: str
    outcome: str  # "article" or "skipped"
    reason: str | None = None  # a words the skip reason must contain
    language: str = "en"


def article(key: str, language: str = "en") -> Expected:
    return Expected(key, "article", language=language)


def skipped(key: str, reason: str) -> Expected:
    return Expected(key, "skipped", reason)


Case = Callable[[Path], list[Expected]]
CASES: dict[str, Case] = {}


def case(builder: Case) -> Case:
    CASES[builder.__name__.removeprefix("make_")] = builder
    return builder


@case
def make_binaries(folder: Path) -> list[Expected]:
    """Binary files and executables named .txt are refused by their content, not name."""
    rng = random.Random(7)
    (folder / "random.txt").write_bytes(rng.randbytes(64 * 1024))
    (folder / "program.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(4096))
    (folder / "setup.txt").write_bytes(b"MZ\x90\x00\x03\x00" + rng.randbytes(4096))
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(2048))
    (folder / "notes.html").write_bytes(b"%PDF-1.7\n" + rng.randbytes(2048))
    # Bytes with no NUL and no magic number: only the control characters give it away.
    (folder / "noise.md").write_bytes(bytes(rng.choice(range(1, 32)) for _ in range(4096)))
    return [
        skipped("random.txt", "binary"),
        skipped("program.txt", "executable (ELF)"),
        skipped("setup.txt", "executable (Windows)"),
        skipped("photo.txt", "PNG image"),
        skipped("notes.html", "PDF document"),
        skipped("noise.md", "binary"),
    ]


@case
def make_truncated_utf8(folder: Path) -> list[Expected]:
    """A download cut off mid-character keeps its whole characters."""
    data = (english(0) + " Çavuşoğlu").encode()
    (folder / "cut-at-end.txt").write_bytes(data + "ğ".encode()[:1])
    # A file cut in the middle and appended to: one broken character, the rest intact.
    (folder / "cut-in-middle.txt").write_bytes(
        CAFE.encode()[:40] + "ğ".encode()[:1] + b" " + CAFE.encode()
    )
    return [article("cut-at-end.txt"), article("cut-in-middle.txt")]


@case
def make_utf16(folder: Path) -> list[Expected]:
    """UTF-16 with and without a byte-order mark, in both byte orders, in three scripts."""
    text = CAFE + "\n\n" + english(1)
    (folder / "le-bom.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (folder / "be-bom.txt").write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    (folder / "le.txt").write_bytes(text.encode("utf-16-le"))
    (folder / "be.txt").write_bytes(text.encode("utf-16-be"))
    (folder / "truncated.txt").write_bytes(text.encode("utf-16-le")[:-1])  # odd length
    (folder / "russian.txt").write_bytes(RUSSIAN.encode("utf-16-le"))
    (folder / "chinese.txt").write_bytes(CHINESE.encode("utf-16-be"))
    (folder / "records.jsonl").write_bytes(
        codecs.BOM_UTF16_LE + (json.dumps({"text": english(2)}) + "\n").encode("utf-16-le")
    )
    return [
        article("le-bom.txt"),
        article("be-bom.txt"),
        article("le.txt"),
        article("be.txt"),
        article("truncated.txt"),
        article("russian.txt", "ru"),
        article("chinese.txt", "zh"),
        article("records.jsonl:1"),
    ]


@case
def make_code_pages(folder: Path) -> list[Expected]:
    """Latin-1 and cp1252 (smart quotes, dashes) are read without mojibake."""
    latin1 = CAFE.replace("“", '"').replace("”", '"').replace("—", "-").replace("’", "'")
    (folder / "latin1.txt").write_bytes(latin1.encode("latin-1"))
    (folder / "cp1252.txt").write_bytes(CAFE.encode("cp1252"))
    page = f"<html><body><p>{CAFE}</p></body></html>"
    (folder / "cp1252.html").write_bytes(page.encode("cp1252"))
    return [article("latin1.txt"), article("cp1252.txt"), article("cp1252.html")]


@case
def make_nul_bytes(folder: Path) -> list[Expected]:
    """Stray NULs inside otherwise good text (an export bug) are dropped."""
    text = english(3).encode()
    (folder / "nuls.txt").write_bytes(text[:50] + b"\x00" + text[50:90] + b"\x00\x00" + text[90:])
    return [article("nuls.txt")]


@case
def make_one_megabyte_line(folder: Path) -> list[Expected]:
    """A 1 MB text on one line (a minified export) is read; it is under the article cap."""
    sentences = [english(n).replace("\n\n", " ") for n in range(len(ENGLISH))]
    line = " ".join(sentences)
    (folder / "one-line.txt").write_text((line + " ") * (1_000_000 // (len(line) + 1)))
    return [article("one-line.txt")]


@case
def make_deep_folders(folder: Path) -> list[Expected]:
    deep = folder
    for level in range(20):
        deep = deep / f"level{level}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(english(4))
    return [article("/".join(f"level{n}" for n in range(20)) + "/deep.txt")]


@case
def make_links(folder: Path) -> list[Expected]:
    """A folder link back up the tree, a pair of file links to each other, a dangling link."""
    (folder / "inner").mkdir()
    (folder / "inner" / "report.txt").write_text(english(5))
    (folder / "inner" / "up").symlink_to(folder)  # inner/up/inner/up/... for ever
    (folder / "ping.txt").symlink_to(folder / "pong.txt")
    (folder / "pong.txt").symlink_to(folder / "ping.txt")
    (folder / "gone.txt").symlink_to(folder / "deleted.txt")
    return [
        article("inner/report.txt"),
        skipped("inner/up", "symbolic link loop"),
        skipped("ping.txt", "symbolic link loop"),
        skipped("pong.txt", "symbolic link loop"),
        skipped("gone.txt", "broken symbolic link"),
    ]


@case
def make_special_files(folder: Path) -> list[Expected]:
    """A named pipe is never opened (reading one blocks until someone writes), nor is a
    socket or a device, even behind a link with a .txt name."""
    os.mkfifo(folder / "pipe.txt")
    (folder / "null.txt").symlink_to("/dev/null")
    (folder / "zero.txt").symlink_to("/dev/zero")  # endless: would fill memory if read
    expected = [
        skipped("pipe.txt", "not a regular file"),
        skipped("null.txt", "not a regular file"),
        skipped("zero.txt", "not a regular file"),
    ]
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.bind(str(folder / "socket.txt"))
        except OSError:  # a socket path has ~108 bytes at most: a deep TMPDIR is too long
            return expected
    return [*expected, skipped("socket.txt", "not a regular file")]


@case
def make_folder_named_like_a_file(folder: Path) -> list[Expected]:
    (folder / "x.txt").mkdir()
    (folder / "x.txt" / "inside.txt").write_text(english(0))
    return [article("x.txt/inside.txt")]


@case
def make_json_wrong_types(folder: Path) -> list[Expected]:
    """Every JSON item that is not an article with a text string is skipped on its own."""
    items = [
        {"id": "good-1", "title": "Port strike", "text": english(1)},
        {"id": "int-text", "text": 42},
        {"id": "list-text", "body": ["a", "b"]},
        {"title": ["not", "a", "string"], "date": 2020, "source": {"x": 1}, "text": english(2)},
        {"id": True, "text": english(3)},
        {"id": 3.5, "content": english(4)},
        {"headline": "no text field at all"},
        "just a string",
        None,
        [english(5)],
        {"text": "   ", "title": ""},
    ]
    (folder / "mixed.json").write_text(json.dumps(items))
    (folder / "string.json").write_text(json.dumps("an article?"))
    (folder / "number.json").write_text("12345")
    (folder / "articles-not-a-list.json").write_text(json.dumps({"articles": "none today"}))
    (folder / "empty-list.json").write_text("[]")
    (folder / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "huge-number.json").write_text('{"text": "x", "views": ' + "9" * 5000 + "}")
    (folder / "surrogates.json").write_text(
        json.dumps({"id": "s\ud800", "title": "Lone \udc00 surrogates", "text": english(5)})
    )
    return [
        article("mixed.json:1"),
        skipped("mixed.json:2", "must be a string, got int"),
        skipped("mixed.json:3", "must be a string, got list"),
        article("mixed.json:4"),
        article("mixed.json:5"),
        article("mixed.json:6"),
        skipped("mixed.json:7", "no 'text'"),
        skipped("mixed.json:8", "str is not an article object"),
        skipped("mixed.json:9", "NoneType is not an article object"),
        skipped("mixed.json:10", "list is not an article object"),
        skipped("mixed.json:11", "empty text"),
        skipped("string.json", "not an article object or list"),
        skipped("number.json", "not an article object or list"),
        skipped("articles-not-a-list.json", "no 'text'"),
        skipped("empty-list.json", "no articles"),
        skipped("nested.json", "nested too deeply"),
        skipped("huge-number.json", "4300 digits"),
        article("surrogates.json"),
    ]


@case
def make_jsonl_broken_line(folder: Path) -> list[Expected]:
    """A broken line in the middle of a feed costs that line only."""
    lines = [
        json.dumps({"id": "feed-1", "text": english(0)}),
        '{"id": "feed-2", "text": "cut off in the midd',
        json.dumps({"id": "feed-3", "text": english(1)}),
        "",
        # Unescaped U+2028 and U+0085 are legal inside JSON strings: not line breaks here.
        json.dumps(
            {"id": "feed-5", "text": english(2) + "\u2028Line\u0085two."}, ensure_ascii=False
        ),
        "[" * 50_000,
        json.dumps({"id": "feed-7", "text": english(3)}),
    ]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "blank.jsonl").write_text("\n\n  \n")
    # Windows and old Mac line ends: \r\n and a lone \r end a line too.
    records = [json.dumps({"text": english(n)}) for n in range(3)]
    (folder / "windows.jsonl").write_bytes("\r\n".join(records).encode())
    (folder / "mac.ndjson").write_bytes("\r".join(records).encode())
    return [
        *(article(f"windows.jsonl:{n}") for n in (1, 2, 3)),
        *(article(f"mac.ndjson:{n}") for n in (1, 2, 3)),
        article("feed.jsonl:1"),
        skipped("feed.jsonl:2", "malformed JSON on line 2"),
        article("feed.jsonl:3"),
        article("feed.jsonl:5"),
        skipped("feed.jsonl:6", "nested too deeply"),
        article("feed.jsonl:7"),
        skipped("blank.jsonl", "empty"),
    ]


@case
def make_html_without_article(folder: Path) -> list[Expected]:
    (folder / "head-only.html").write_text("<html><head><title>Breaking</title></head></html>")
    (folder / "scripts.html").write_text(
        "<html><body><script>var a = 1;</script><script src='x.js'></script>"
        "<noscript>Enable JavaScript</noscript><style>p {}</style></body></html>"
    )
    (folder / "broken.htm").write_text(f"<html><body><p>{english(5)}<div><p><b>unclosed")
    # Tag soup: thousands of unclosed <div>s and stray </span>s around one paragraph.
    (folder / "tag-soup.html").write_text(
        "<html><body>" + "<div>" * 30_000 + f"<p>{english(4)}</p>" + "</span>" * 30_000
    )
    return [
        skipped("head-only.html", "no article text"),
        skipped("scripts.html", "no article text"),
        article("broken.htm"),
        article("tag-soup.html"),
    ]


@case
def make_only_chrome(folder: Path) -> list[Expected]:
    """A page of site furniture and nothing else is no article."""
    (folder / "chrome.txt").write_text(
        "You are here: Home » News\nShare: Facebook Twitter WhatsApp\nAdvertisement\n"
        "56 users have voted.\nSign up for our newsletter\n© 2024 Daily Post. All rights "
        "reserved.\nRead more\nBack to top\n"
    )
    return [skipped("chrome.txt", "no article text")]


@case
def make_other_scripts(folder: Path) -> list[Expected]:
    (folder / "russian.txt").write_text(RUSSIAN)
    (folder / "arabic.txt").write_text(ARABIC)
    (folder / "chinese.txt").write_text(CHINESE)
    (folder / "russian-cp1251.txt").write_bytes(
        RUSSIAN.replace("«", '"').replace("»", '"').encode("cp1251")
    )
    return [
        article("russian.txt", "ru"),
        article("arabic.txt", "ar"),
        article("chinese.txt", "zh"),
        article("russian-cp1251.txt", "ru"),
    ]


@case
def make_invisible_characters(folder: Path) -> list[Expected]:
    """Zero-width and right-to-left controls are dropped, so words still match."""
    text = (
        "Foreign ministers Lav\u200brov and Çavuş\u200coğlu met in So\u2060chi on Tuesday, "
        "the \u202eministry\u202c said, \u2067adding\u2069 that talks\u200d lasted three hours "
        "\ufeffand covered trade.\u200e"
    )
    (folder / "invisible.txt").write_text(text)
    return [article("invisible.txt")]


@case
def make_same_id_twice(folder: Path) -> list[Expected]:
    """Two files that reuse an id are both kept; the second gets a new id."""
    (folder / "a.json").write_text(json.dumps({"id": "wire-1", "text": english(2)}))
    (folder / "b.json").write_text(json.dumps({"id": "wire-1", "text": english(3)}))
    return [article("a.json"), article("b.json")]


@case
def make_awkward_names(folder: Path) -> list[Expected]:
    (folder / "city council vote.txt").write_text(english(0))
    (folder / "Zürich – café.txt").write_text(CAFE)
    (folder / "报道.txt").write_text(english(1))
    # A Latin-1 file name: bytes that are not UTF-8 (Python sees lone surrogates).
    (folder / os.fsdecode(b"caf\xe9 report.txt")).write_text(english(2))
    # Control characters and a right-to-left override in a name: shown escaped, on one line,
    # so "report\u202etxt.md" cannot pass for "reportdm.txt" nor an escape drive the terminal.
    (folder / "tab\tand\nnewline.txt").write_text(english(3))
    (folder / "colour\x1b[31m.txt").write_text(english(4))
    (folder / "report\u202etxt.md").write_text(english(5))
    return [
        article("city council vote.txt"),
        article("Zürich – café.txt"),
        article("报道.txt"),
        article("caf\\xe9 report.txt"),  # shown with a backslash escape
        article("tab\\tand\\nnewline.txt"),
        article("colour\\x1b[31m.txt"),
        article("report\\u202etxt.md"),
    ]


@case
def make_empty_and_unsupported(folder: Path) -> list[Expected]:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\n\t\n")
    (folder / "bom-only.txt").write_bytes(codecs.BOM_UTF8)
    (folder / "image.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (folder / "archive.tar.gz").write_bytes(b"\x1f\x8b")
    (folder / "README.txt").write_text("How this folder is organised.")
    # Hidden files and folders are not inputs at all (.DS_Store, .git): never listed.
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text(english(0))
    return [
        skipped("empty.txt", "empty"),
        skipped("blank.md", "empty"),
        skipped("bom-only.txt", "empty"),
        skipped("image.jpg", "unsupported file type '.jpg'"),
        skipped("archive.tar.gz", "unsupported file type '.gz'"),
        skipped("README.txt", "documentation file"),
    ]


# --- reading a case in process ------------------------------------------------------------


def build(builder: Case, root: Path) -> list[Expected]:
    root.mkdir(parents=True, exist_ok=True)
    return builder(root)


def read(root: Path) -> dict[str, Article | Skipped]:
    """Every input under ``root`` after load and clean, by its path relative to ``root``."""
    loaded = list(load([root], max_file_bytes=MAX_FILE_BYTES))
    articles = [item for item in loaded if isinstance(item, Article)]
    outcome = [item for item in loaded if isinstance(item, Skipped)] + clean_corpus(articles)
    found: dict[str, Article | Skipped] = {}
    for item in outcome:
        key = relative(item.path, root)
        assert key not in found, f"{key} is reported twice"
        found[key] = item
    return found


def relative(path: str, root: Path) -> str:
    prefix = str(root) + os.sep
    assert path.startswith(prefix), f"{path!r} is not under {root}"
    return path[len(prefix) :]


def assert_outcomes(found: dict[str, Article | Skipped], expected: list[Expected]) -> None:
    assert sorted(found) == sorted(e.key for e in expected), "inputs lost or invented"
    for want in expected:
        item = found[want.key]
        if want.outcome == "article":
            assert isinstance(item, Article), f"{want.key} was skipped: {item}"
        else:
            assert isinstance(item, Skipped), f"{want.key} should be skipped"
            assert want.reason in item.reason, f"{want.key}: {item.reason!r}"
            assert "\n" not in item.reason, "a reason is one line"


def read_case(builder: Case, tmp_path: Path) -> dict[str, Article | Skipped]:
    expected = build(builder, tmp_path / "in")
    found = read(tmp_path / "in")
    assert_outcomes(found, expected)
    return found


# --- one test per case --------------------------------------------------------------------


def test_binary_files_named_txt_are_skipped_by_content(tmp_path):
    read_case(make_binaries, tmp_path)


def test_truncated_utf8_keeps_its_whole_characters(tmp_path):
    found = read_case(make_truncated_utf8, tmp_path)
    assert found["cut-at-end.txt"].text.endswith("Çavuşoğlu")
    # The stray byte is read alone; every other accent is still right (no "Ã©").
    middle = found["cut-in-middle.txt"].text
    assert "Café owners in Zürich" in middle and "Ã" not in middle.replace("Ä", "")


def test_utf16_with_and_without_byte_order_mark(tmp_path):
    found = read_case(make_utf16, tmp_path)
    for name in ("le-bom.txt", "be-bom.txt", "le.txt", "be.txt", "truncated.txt"):
        assert "“new rules”" in found[name].text, name
        assert "Kestrel Bay" in found[name].text, name
    assert "Новосибирский" in found["russian.txt"].text
    assert "杭州市图书馆" in found["chinese.txt"].text


def test_latin1_and_cp1252_smart_quotes_are_not_mangled(tmp_path):
    found = read_case(make_code_pages, tmp_path)
    assert "Café owners in Zürich" in found["latin1.txt"].text
    for name in ("cp1252.txt", "cp1252.html"):
        assert "“new rules”" in found[name].text and "city’s façade" in found[name].text


def test_nul_bytes_inside_text_are_dropped(tmp_path):
    found = read_case(make_nul_bytes, tmp_path)
    assert "\x00" not in found["nuls.txt"].text
    assert "Daniel Rotich won" in found["nuls.txt"].text


def test_one_megabyte_single_line_is_read(tmp_path):
    found = read_case(make_one_megabyte_line, tmp_path)
    assert len(found["one-line.txt"].text) > 900_000


def test_folder_nested_twenty_deep(tmp_path):
    found = read_case(make_deep_folders, tmp_path)
    [item] = found.values()
    assert item.id.count("/") == 20


@needs_posix
def test_symlink_loops_and_dangling_links_are_reported_once(tmp_path):
    read_case(make_links, tmp_path)


@needs_posix
def test_named_pipe_socket_and_devices_are_reported_not_opened(tmp_path):
    read_case(make_special_files, tmp_path)


def test_folder_named_like_a_text_file_is_walked(tmp_path):
    read_case(make_folder_named_like_a_file, tmp_path)


def test_json_items_of_the_wrong_type_are_skipped_one_by_one(tmp_path):
    found = read_case(make_json_wrong_types, tmp_path)
    assert found["mixed.json:4"].title is None  # a title that is a list is dropped
    assert found["mixed.json:5"].id == "mixed.json:5"  # id true is no id
    assert found["mixed.json:6"].id == "mixed.json:6"  # nor is 3.5
    # Lone surrogates cannot be written to any output: they become U+FFFD.
    surrogates = found["surrogates.json"]
    assert surrogates.id == "s\ufffd" and surrogates.title == "Lone \ufffd surrogates"


def test_jsonl_broken_line_in_the_middle_keeps_the_good_lines(tmp_path):
    found = read_case(make_jsonl_broken_line, tmp_path)
    assert [found[f"feed.jsonl:{n}"].id for n in (1, 3, 5, 7)] == [
        "feed-1",
        "feed-3",
        "feed-5",
        "feed-7",
    ]


def test_html_with_no_body_or_only_scripts_is_skipped(tmp_path):
    started = time.perf_counter()
    found = read_case(make_html_without_article, tmp_path)
    assert "Museum of Coastal History" in found["broken.htm"].text
    assert "Northline Railways" in found["tag-soup.html"].text
    # The fallback extractor once scanned its whole stack for every stray end tag: minutes.
    assert time.perf_counter() - started < 20


def test_page_that_is_only_chrome_is_skipped(tmp_path):
    read_case(make_only_chrome, tmp_path)


def test_cyrillic_arabic_and_chinese_articles_are_read(tmp_path):
    found = read_case(make_other_scripts, tmp_path)
    assert found["russian.txt"].text == found["russian-cp1251.txt"].text.replace('"', "") or (
        "Новосибирский метрополитен" in found["russian-cp1251.txt"].text
    )
    assert "الإسكندرية" in found["arabic.txt"].text
    assert "杭州市图书馆" in found["chinese.txt"].text


def test_zero_width_and_right_to_left_controls_are_dropped(tmp_path):
    found = read_case(make_invisible_characters, tmp_path)
    text = found["invisible.txt"].text
    assert "Lavrov and Çavuşoğlu met in Sochi" in text
    assert not any(0x200B <= ord(c) <= 0x206F or c == "\ufeff" for c in text)


def test_same_id_in_two_files_keeps_both_with_unique_ids(tmp_path):
    from newsclust.ingest import unique_ids  # the pipeline step that makes ids unique

    found = read_case(make_same_id_twice, tmp_path)
    ids = [a.id for a in unique_ids([found["a.json"], found["b.json"]])]
    assert ids[0] == "wire-1" and ids[1] != "wire-1" and ids[1].startswith("wire-1")


def test_file_names_with_spaces_non_ascii_and_non_utf8_bytes(tmp_path):
    found = read_case(make_awkward_names, tmp_path)
    for item in found.values():
        item.path.encode("utf-8")  # every path can be printed
        item.id.encode("utf-8")


def test_empty_unsupported_and_hidden_files(tmp_path):
    read_case(make_empty_and_unsupported, tmp_path)


# --- files that vanish or change during the run -------------------------------------------


def discovered(root: Path) -> dict[str, InputFile]:
    return {item.path.name: item for item in discover([root]) if isinstance(item, InputFile)}


def test_file_deleted_between_discovery_and_reading(tmp_path):
    (tmp_path / "a.txt").write_text(english(0))
    (tmp_path / "b.txt").write_text(english(1))
    files = discovered(tmp_path)
    (tmp_path / "a.txt").unlink()
    [gone] = load_file(files["a.txt"], max_file_bytes=MAX_FILE_BYTES)
    [kept] = load_file(files["b.txt"], max_file_bytes=MAX_FILE_BYTES)
    assert isinstance(gone, Skipped) and gone.reason == "vanished during the run"
    assert isinstance(kept, Article)


def test_file_vanishing_while_the_folder_is_walked(tmp_path, monkeypatch):
    # The walk lists the folder, then stats each entry: a file removed in between.
    (tmp_path / "a.txt").write_text(english(0))
    (tmp_path / "b.txt").write_text(english(1))
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if self.name == "a.txt":
            raise FileNotFoundError(2, "No such file or directory")
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    items = list(load([tmp_path], max_file_bytes=MAX_FILE_BYTES))
    assert [type(i).__name__ for i in items] == ["Skipped", "Article"]
    assert items[0].reason == "vanished during the run"


def test_read_error_on_one_file_does_not_stop_the_others(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(english(0))
    (tmp_path / "b.txt").write_text(english(1))
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        if str(path).endswith("a.txt"):
            raise OSError(5, "Input/output error")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(load_module.os, "open", failing_open)
    items = list(load([tmp_path], max_file_bytes=MAX_FILE_BYTES))
    assert items[0] == Skipped(str(tmp_path / "a.txt"), "cannot read: Input/output error")
    assert isinstance(items[1], Article)


def test_folder_that_cannot_be_listed_is_reported_and_the_rest_read(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_text(english(0))
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "b.txt").write_text(english(1))
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # as root, chmod 000 would not stop us
    found = read(tmp_path)
    assert found["locked"].reason == "cannot list folder: Permission denied"
    assert isinstance(found["open/b.txt"], Article)


def test_file_emptied_between_discovery_and_reading(tmp_path):
    (tmp_path / "a.txt").write_text(english(0))
    files = discovered(tmp_path)
    (tmp_path / "a.txt").write_text("")
    [item] = load_file(files["a.txt"], max_file_bytes=MAX_FILE_BYTES)
    assert isinstance(item, Skipped) and item.reason == "empty file"


def test_file_that_grew_past_the_limit_after_discovery_is_capped(tmp_path):
    (tmp_path / "log.txt").write_text(english(0))
    files = discovered(tmp_path)
    with open(tmp_path / "log.txt", "a") as grow:
        grow.write(english(1) * 100)
    [item] = load_file(files["log.txt"], max_file_bytes=2000)
    assert isinstance(item, Skipped) and "over the 0.002 MB limit" in item.reason


def test_file_replaced_by_a_folder_after_discovery(tmp_path):
    (tmp_path / "a.txt").write_text(english(0))
    files = discovered(tmp_path)
    (tmp_path / "a.txt").unlink()
    (tmp_path / "a.txt").mkdir()
    [item] = load_file(files["a.txt"], max_file_bytes=MAX_FILE_BYTES)
    assert isinstance(item, Skipped) and "no longer a regular file" in item.reason


@needs_posix
def test_file_replaced_by_a_fifo_after_discovery_does_not_hang(tmp_path):
    # Opening a FIFO for reading blocks until a writer appears: the loader must not open it
    # blocking. Run in a thread so that a regression fails the test instead of hanging it.
    (tmp_path / "a.txt").write_text(english(0))
    files = discovered(tmp_path)
    (tmp_path / "a.txt").unlink()
    os.mkfifo(tmp_path / "a.txt")
    result: list = []
    reader = threading.Thread(
        target=lambda: result.extend(load_file(files["a.txt"], max_file_bytes=MAX_FILE_BYTES)),
        daemon=True,
    )
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO hung"
    [item] = result
    assert isinstance(item, Skipped) and "no longer a regular file" in item.reason


def test_article_over_the_size_cap_is_skipped_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "MAX_ARTICLE_CHARS", 1000)
    (tmp_path / "long.txt").write_text(english(0) * 10)
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"text": english(1)}) + "\n" + json.dumps({"text": english(2) * 10}) + "\n"
    )
    found = read(tmp_path)
    assert "over the 0.001 million an article may have" in found["long.txt"].reason
    assert isinstance(found["feed.jsonl:1"], Article)  # the cap is per article, not per file
    assert "million characters" in found["feed.jsonl:2"].reason


# --- the real command line over everything at once ----------------------------------------


def run_cli(
    *args: str | Path, cwd: Path, timeout: float = 180, fmt: str = "json"
) -> subprocess.CompletedProcess:
    """``python -m newsclust cluster ARGS --format FMT`` with no config but the defaults."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(cwd / "no-config"), "NO_COLOR": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("NEWSCLUST_")}
    return subprocess.run(
        [sys.executable, "-m", "newsclust", "cluster", *map(str, args), "--format", fmt],
        capture_output=True,
        encoding="utf-8",
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def hostile_corpus(root: Path) -> dict[str, Expected]:
    """Every case in its own folder under ``root``; expectations keyed by path below root."""
    expected: dict[str, Expected] = {}
    for name, builder in CASES.items():
        if name in ("links", "special_files") and not hasattr(os, "mkfifo"):
            continue
        for want in build(builder, root / name):
            expected[f"{name}/{want.key}"] = want
    return expected


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, Expected]]:
    root = tmp_path_factory.mktemp("hostile") / "corpus"
    return root, hostile_corpus(root)


@pytest.fixture(scope="module")
def corpus_run(corpus):
    root, expected = corpus
    return root, expected, run_cli(root, cwd=root.parent)


def test_cli_over_the_hostile_corpus_accounts_for_every_input(corpus_run):
    root, expected, result = corpus_run
    assert "Traceback" not in result.stderr
    assert result.returncode == 3, result.stderr  # done, with skipped inputs
    report = json.loads(result.stdout)

    seen: dict[str, str] = {}  # input → "article" or "skipped"
    for story in report["stories"]:
        for item in story["articles"]:
            key = relative(item["path"], root)
            assert key not in seen, f"{key} appears twice"
            seen[key] = "article"
    for item in report["skipped"]:
        key = relative(item["path"], root)
        assert key not in seen, f"{key} appears twice"
        seen[key] = "skipped"
        want = expected.get(key)
        if want is not None and want.outcome == "skipped":
            assert want.reason in item["reason"], (key, item["reason"])

    assert sorted(seen) == sorted(expected), "inputs lost or invented"
    wrong = {k: v for k, v in seen.items() if v != expected[k].outcome}
    assert not wrong, wrong
    assert report["stats"]["inputs"] == len(expected)
    assert report["stats"]["skipped"] == len(report["skipped"])


def test_cli_warnings_are_one_line_each_and_name_their_input(corpus_run):
    root, _, result = corpus_run
    warnings = result.stderr.splitlines()
    assert warnings, "a reused id and fields of the wrong type are worth a warning"
    for line in warnings:
        assert line.startswith("newsclust: WARNING: ") and str(root) in line, line


def test_cli_gives_every_article_a_unique_id(corpus_run):
    _, _, result = corpus_run
    report = json.loads(result.stdout)
    ids = [item["id"] for story in report["stories"] for item in story["articles"]]
    assert len(ids) == len(set(ids))
    same = [i for i in ids if i.startswith("wire-1")]
    assert len(same) == 2


def test_cli_keeps_other_languages_out_of_english_stories(corpus_run):
    root, expected, result = corpus_run
    report = json.loads(result.stdout)
    for story in report["stories"]:
        languages = {expected[relative(a["path"], root)].language for a in story["articles"]}
        assert "en" not in languages or languages == {"en"}, story["title"]


def test_cli_gives_a_chinese_story_a_title_and_summary(corpus_run):
    root, _, result = corpus_run
    report = json.loads(result.stdout)
    [story] = [
        s
        for s in report["stories"]
        if any(a["path"].endswith("other_scripts/chinese.txt") for a in s["articles"])
    ]
    assert story["title"] and story["summary"]


def test_cli_stderr_holds_only_newsclust_lines_for_an_article_without_names(tmp_path):
    # cluster.py once divided by zero here and numpy printed a RuntimeWarning on stderr.
    (tmp_path / "lower.txt").write_text(
        "dock workers began a strike on tuesday over pay, leaving more than thirty ships "
        "waiting outside the harbour for days."
    )
    result = run_cli(tmp_path / "lower.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("newsclust: ") for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_output_format_survives_the_hostile_corpus(corpus, fmt):
    root, expected = corpus
    result = run_cli(root, cwd=root.parent, fmt=fmt)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    if fmt == "text":
        # The skipped list: one line per input, whatever its file name holds.
        lines = result.stdout.split("Skipped (", 1)[1].splitlines()[1:]
        skipped_count = sum(1 for want in expected.values() if want.outcome == "skipped")
        assert len([line for line in lines if line.startswith(f"  {root}")]) == skipped_count


@needs_posix
def test_cli_does_not_hang_on_a_fifo_given_by_name(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "a.txt").write_text(english(0))
    result = run_cli(tmp_path / "pipe.txt", tmp_path / "a.txt", cwd=tmp_path, timeout=60)
    assert result.returncode == 3, result.stderr
    [item] = json.loads(result.stdout)["skipped"]
    assert "not a regular file" in item["reason"]


def test_cli_with_nothing_readable_exits_4_without_traceback(tmp_path):
    build(make_binaries, tmp_path / "in")
    result = run_cli(tmp_path / "in", cwd=tmp_path)
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1  # one clear line


# --- a 60 MB file, in bounded memory -------------------------------------------------------

PEAK_RSS_LIMIT_MB = 2048

# Runs the CLI as its only child, so RUSAGE_CHILDREN is that run's peak alone (the test
# process's own children, from other tests, would otherwise count too).
_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as report:
    done = subprocess.run(sys.argv[2:], stdout=report)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, peak_kb)
"""


# ~5 s here (the file is read once, then skipped as no article), so not marked slow.
def test_sixty_megabyte_file_is_capped_in_bounded_memory(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    paragraph = (english(0) + "\n\n").encode()
    with open(folder / "huge.txt", "wb") as huge:
        for _ in range(60_000_000 // len(paragraph) + 1):
            huge.write(paragraph)
    (folder / "normal.txt").write_text(english(1))
    started = time.perf_counter()
    report_file = tmp_path / "report.json"
    command = [sys.executable, "-m", "newsclust", "cluster", str(folder), "--format", "json"]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report_file), *command, "-q"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    seconds = time.perf_counter() - started
    returncode, peak_kb = map(int, measured.stdout.split())
    peak_mb = peak_kb / 1024
    print(f"60 MB file: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB")
    assert "Traceback" not in measured.stderr
    assert returncode == 3, measured.stderr  # the normal article is read; the huge one skipped
    [item] = json.loads(report_file.read_text())["skipped"]
    assert item["path"].endswith("huge.txt") and "million characters" in item["reason"]
    assert peak_mb <= PEAK_RSS_LIMIT_MB
