import os

import pytest

from newsclust import atomic
from newsclust.atomic import write_atomic


def test_writes_with_a_normal_mode(tmp_path):
    target = tmp_path / "report.md"
    write_atomic(target, "hello\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.read_text() == "hello\n"
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.md"]
