"""The source lines saved with a snapshot: where each asserted triple is stated, looked up without reading a data file.

The build writes them into the snapshot directory (an SQLite database: one row per triple, file
and line, keyed by a 16-byte digest of the triple as the store keeps it), so that `GET /explain` can
name the file and line of each asserted triple as `natograph explain` does, while the server reads
nothing but the snapshot. They are valid only for the inputs they were computed from: the database
records the sha256 of each file, and is ignored unless those are the snapshot's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from .. import __version__
from ..errors import SnapshotError
from . import SOURCE_LINES, Snapshot, replacing_atomically

if TYPE_CHECKING:
    from ..build.provenance import SourceIndex

FORMAT = "natograph-source-lines/1"
DIGEST_BYTES = 16
# SQLite has no NULL in a WITHOUT ROWID primary key: line 0 stands for "the file, line unknown".
NO_LINE = 0
MISSING_NOTE = ("this snapshot has no file:line locations (an older natograph built it): "
                "`natograph build --force` writes them")
STALE_NOTE = ("the saved file:line locations were computed from other inputs than this snapshot's: "
              "`natograph build --force` writes them again")
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE statements (
    triple BLOB NOT NULL,
    file INTEGER NOT NULL REFERENCES files (id),
    line INTEGER NOT NULL,
    PRIMARY KEY (triple, file, line)
) WITHOUT ROWID;
"""


class Location(NamedTuple):
    """A file and, when known, the line of the statement that states a triple."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line}


def triple_digest(triple: ox.Triple) -> bytes:
    """The key of a triple (as the store keeps it) in the saved source lines."""
    return hashlib.blake2b(str(triple).encode("utf-8"), digest_size=DIGEST_BYTES).digest()


def write_source_lines(path: Path, sources: SourceIndex, store: ox.Store, *, snapshot_key: str) -> int:
    """Write every asserted triple of `store` that `sources` locates, with its files and lines; returns the rows.

    `path` must be a new, empty file (the caller moves it into place once it is complete).
    """
    files: dict[str, int] = {}
    rows = set()
    for triple, locations in sources.stored_triples(store):
        key = triple_digest(triple)
        for location in locations:
            file_id = files.setdefault(location.file, len(files) + 1)
            rows.add((key, file_id, location.line or NO_LINE))
    meta = {"format": FORMAT, "natograph_version": __version__, "snapshot": snapshot_key,
            "input_hashes": json.dumps(sources.input_hashes, sort_keys=True),
            "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")}
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        connection.executemany("INSERT INTO files VALUES (?, ?)", [(i, p) for p, i in files.items()])
        connection.executemany("INSERT INTO statements VALUES (?, ?, ?)", sorted(rows))
        connection.commit()
    finally:
        connection.close()
    return len(rows)


class SavedSourceLines:
    """Saved source lines opened read-only: `locate` answers where a triple of the snapshot's store is stated."""

    def __init__(self, path: Path):
        self._connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                           check_same_thread=False)
        self.meta = dict(self._connection.execute("SELECT name, value FROM meta"))
        self.input_hashes = json.loads(self.meta.get("input_hashes", "{}"))
        # Which writing of the lines this is (for ETags): each `natograph check` writes them anew.
        self.version = hashlib.sha256(json.dumps(self.meta, sort_keys=True).encode()).hexdigest()[:16]

    def matches(self, manifest: dict) -> bool:
        """Whether these lines were computed from exactly the graph files the manifest's snapshot was built from."""
        return self.meta.get("format") == FORMAT and self.input_hashes == _graph_inputs(manifest)

    def locate(self, triple: ox.Triple, store: ox.Store | None = None) -> list[Location]:
        """The files and lines that state this triple of the store (empty if it is not an asserted triple)."""
        rows = self._connection.execute(
            "SELECT files.path, statements.line FROM statements JOIN files ON files.id = statements.file "
            "WHERE statements.triple = ? ORDER BY files.path, statements.line", (triple_digest(triple),))
        return [Location(file, line or None) for file, line in rows]

    def close(self) -> None:
        self._connection.close()


def save_source_lines(snapshot: Snapshot, sources: SourceIndex) -> bool:
    """Save in the snapshot where each of its asserted triples is stated, atomically; False (nothing written)
    if `sources` were not read from the snapshot's inputs (a file changed since it was built)."""
    if sources.input_hashes != _graph_inputs(snapshot.manifest):
        return False
    try:
        with replacing_atomically(snapshot.path / SOURCE_LINES) as temporary:
            write_source_lines(temporary, sources, snapshot.store, snapshot_key=snapshot.key)
    except (OSError, sqlite3.Error) as exc:
        raise SnapshotError(f"the source lines of snapshot {snapshot.key} cannot be written: {exc}") from None
    return True


def open_source_lines(snapshot: Snapshot) -> tuple[SavedSourceLines | None, str | None]:
    """The snapshot's saved source lines if they match its inputs; else None and a note saying why."""
    path = snapshot.path / SOURCE_LINES
    if not path.is_file():
        return None, MISSING_NOTE
    try:
        lines = SavedSourceLines(path)
    except (sqlite3.Error, ValueError):
        return None, MISSING_NOTE
    if not lines.matches(snapshot.manifest):
        lines.close()
        return None, STALE_NOTE
    return lines, None


def _graph_inputs(manifest: dict) -> dict[str, str]:
    return {entry["path"]: entry["sha256"] for entry in manifest.get("inputs", [])}
