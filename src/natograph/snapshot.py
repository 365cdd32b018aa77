"""Snapshot step: the reasoned dataset on disk, keyed by a hash of its inputs and the code version."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from . import __version__
from .config import Config
from .errors import SnapshotError

CURRENT_POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHECK_REPORT = "check-report.json"  # written by `natograph check`, served by GET /check
SOURCE_LINES = "source-lines.sqlite"  # written by `natograph check`, read by GET /explain (source_lines.py)
STORE_DIR = "store"
# The default graph (asserted ∪ inferred) as N-Triples: what query workers load into memory without RocksDB.
DEFAULT_GRAPH_FILE = "default-graph.nt"
KEEP_SNAPSHOTS = 3
# The modules whose behaviour shapes a snapshot's content: editing one invalidates snapshots.
PIPELINE_MODULES = ("load.py", "reason.py", "dates.py", "check.py", "snapshot.py", "build.py", "vocab.py", "terms.py",
                    *(f"reasoner/{name}.py" for name in ("__init__", "vocabulary", "datatypes", "store", "schema",
                                                         "engine", "clashes")))


def code_fingerprint() -> str:
    """A hash of the natograph version and the source of every module that shapes a snapshot."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("natograph")
    for name in PIPELINE_MODULES:
        digest.update(name.encode() + b"\0" + package.joinpath(*name.split("/")).read_bytes())
    for entry in sorted(package.joinpath("sparql").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("clash-") and entry.name.endswith(".rq"):  # the build's consistency check
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def snapshot_key(input_hashes: dict[str, str], *, reasoner: str) -> str:
    """The key of the snapshot built from these inputs (relative path → sha256) by this code."""
    digest = hashlib.sha256(code_fingerprint().encode() + reasoner.encode())
    for path in sorted(input_hashes):
        digest.update(f"{path}\0{input_hashes[path]}\n".encode())
    return digest.hexdigest()[:32]


@dataclass
class Snapshot:
    """An opened, read-only snapshot: the store and its manifest."""

    key: str
    path: Path
    manifest: dict
    store: ox.Store


def current_key(config: Config) -> str | None:
    """The key of the snapshot currently in use, if there is a complete one."""
    pointer = config.snapshots_path / CURRENT_POINTER
    try:
        key = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key if (config.snapshots_path / key / MANIFEST).is_file() else None


def read_manifest(config: Config, key: str) -> dict:
    """The manifest of a complete snapshot, without opening its store."""
    try:
        return json.loads((config.snapshots_path / key / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {key} cannot be opened: {exc}") from None


def open_snapshot(config: Config, key: str | None = None) -> Snapshot:
    """Open a snapshot (the current one by default) read-only, without re-parsing anything."""
    key = key or current_key(config)
    if key is None:
        raise SnapshotError(f"no snapshot in {config.snapshots_path}: run `natograph build` first")
    path = config.snapshots_path / key
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        store = ox.Store.read_only(str(path / STORE_DIR))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {key} cannot be opened: {exc}") from None
    return Snapshot(key, path, manifest, store)


class SnapshotWriter:
    """Writes a new snapshot in a temporary directory; only `commit` makes it the current one.

    If anything fails before `commit`, the temporary directory is removed and the previous
    snapshot stays current and intact.
    """

    def __init__(self, config: Config, key: str):
        self.config, self.key = config, key
        config.snapshots_path.mkdir(parents=True, exist_ok=True)
        self.work_dir = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=config.snapshots_path))
        self.store = ox.Store(str(self.work_dir / STORE_DIR))

    def __enter__(self) -> "SnapshotWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self.work_dir.exists():
            self.discard()

    def write_default_graph(self, triples) -> None:
        """Write the default graph's triples as N-Triples beside the store (the query workers' memory image)."""
        ox.serialize(triples, str(self.work_dir / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES)

    def commit(self, manifest: dict) -> Path:
        """Flush, write the manifest, move into place and point CURRENT at the new snapshot."""
        self.store.flush()
        self.store.optimize()
        del self.store
        (self.work_dir / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = self.config.snapshots_path / self.key
        if final.exists():
            shutil.rmtree(final)
        os.replace(self.work_dir, final)
        _write_atomically(self.config.snapshots_path / CURRENT_POINTER, self.key + "\n")
        prune_snapshots(self.config, keep=KEEP_SNAPSHOTS)
        return final

    def discard(self) -> None:
        self.store = None
        shutil.rmtree(self.work_dir, ignore_errors=True)


def prune_snapshots(config: Config, *, keep: int) -> list[str]:
    """Remove all but the `keep` newest snapshots (never the current one); returns removed keys."""
    current = current_key(config)
    snapshots = sorted(
        (p for p in config.snapshots_path.iterdir() if p.is_dir() and (p / MANIFEST).is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = []
    for path in snapshots[keep:]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


@contextmanager
def replacing_atomically(target: Path) -> Iterator[Path]:
    """A new empty file beside `target` to write; when the block succeeds it replaces `target` in one rename.

    If the block fails, the file is removed and `target` stays as it was.
    """
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".tmp", dir=target.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
