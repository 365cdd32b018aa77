"""Input hashes are remembered by file status: an unchanged file is not read again, a changed one always is."""

import hashlib
import os
import time

from natograph.build.input_hashes import CACHE_FILE, input_hashes
from natograph.build.load import InputFile


def _input(tmp_path, name, content: bytes) -> InputFile:
    path = tmp_path / name
    path.write_bytes(content)
    return InputFile(name, path)


def _count_reads(monkeypatch) -> list[str]:
    reads = []
    original = InputFile.sha256

    def counting(self):
        reads.append(self.relative_path)
        return original(self)

    monkeypatch.setattr(InputFile, "sha256", counting)
    return reads


def test_hashes_are_the_sha256_of_each_file(tmp_path):
    files = [_input(tmp_path, "a.ttl", b"alpha"), _input(tmp_path, "b.ttl", b"beta")]
    hashes = input_hashes(files, tmp_path / "cache")
    assert hashes == {"a.ttl": hashlib.sha256(b"alpha").hexdigest(), "b.ttl": hashlib.sha256(b"beta").hexdigest()}


def test_a_settled_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    files = [_input(tmp_path, "a.ttl", b"alpha")]
    time.sleep(0.1)
    first = input_hashes(files, tmp_path / "cache", settle_seconds=0.05)
    reads = _count_reads(monkeypatch)
    assert input_hashes(files, tmp_path / "cache", settle_seconds=0.05) == first
    assert reads == []


def test_a_file_rewritten_with_the_same_size_and_modification_time_is_hashed_again(tmp_path):
    source = _input(tmp_path, "a.ttl", b"alpha")
    before = source.path.stat()
    time.sleep(0.1)
    input_hashes([source], tmp_path / "cache", settle_seconds=0.05)
    time.sleep(0.1)
    source.path.write_bytes(b"ALPHA")
    os.utime(source.path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert input_hashes([source], tmp_path / "cache", settle_seconds=0.05) == {
        "a.ttl": hashlib.sha256(b"ALPHA").hexdigest()}


def test_a_file_changed_within_the_settle_time_is_not_remembered(tmp_path, monkeypatch):
    files = [_input(tmp_path, "a.ttl", b"alpha")]
    input_hashes(files, tmp_path / "cache", settle_seconds=60)
    reads = _count_reads(monkeypatch)
    input_hashes(files, tmp_path / "cache", settle_seconds=60)
    assert reads == ["a.ttl"]


def test_an_unreadable_cache_means_hashing_again(tmp_path):
    files = [_input(tmp_path, "a.ttl", b"alpha")]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / CACHE_FILE).write_text("{not json")
    assert input_hashes(files, tmp_path / "cache") == {"a.ttl": hashlib.sha256(b"alpha").hexdigest()}
