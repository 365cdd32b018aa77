"""Input file hashes, remembered by file status, so that an unchanged input is not read again to learn its hash.

A file's status (device, inode, size, modification and change times in nanoseconds) changes with every
write, and its change time cannot be set back. A write within the same clock tick as an earlier one can
keep the times, though, so a hash is remembered only for a file whose last change was at least
`settle_seconds` old when its status was taken (the "racy" case of git's index, handled the same way).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..errors import InputFileError
from .load import InputFile

CACHE_FILE = "input-hashes.json"
SETTLE_SECONDS = 2.0


def file_status(path: Path) -> list[int]:
    """What changes whenever the file's content does: device, inode, size, modification and change times (ns)."""
    status = path.stat()
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def input_hashes(files: list[InputFile], cache_dir: Path, *, settle_seconds: float = SETTLE_SECONDS) -> dict[str, str]:
    """The sha256 of each file by relative path; a file whose status is unchanged since it was hashed is not read.

    A file that cannot be read is an InputFileError naming it.
    """
    cache_path = cache_dir / CACHE_FILE
    remembered = _read_cache(cache_path)
    hashes: dict[str, str] = {}
    keep: dict[str, dict] = {}
    for source in files:
        try:
            status = file_status(source.path)
            entry = remembered.get(source.relative_path)
            digest = entry["sha256"] if entry and entry.get("status") == status else source.sha256()
        except OSError as exc:  # a dangling link, a directory named *.ttl, a file removed meanwhile
            raise InputFileError(source.relative_path, f"cannot read: {exc.strerror or exc}") from None
        hashes[source.relative_path] = digest
        if time.time_ns() - status[4] >= settle_seconds * 1e9:
            keep[source.relative_path] = {"status": status, "sha256": digest}
    if keep != remembered:
        _write_cache(cache_path, keep)
    return hashes


def _read_cache(path: Path) -> dict:
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _write_cache(path: Path, entries: dict) -> None:
    # The cache only saves time: a directory that cannot be written means hashing again next time.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(entries, indent=1), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass
