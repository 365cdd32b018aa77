"""Snapshot step: the reasoned dataset on disk, keyed by a hash of its inputs and the code version."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from .. import __version__
from ..config import Config
from ..errors import SnapshotError

CURRENT_POINTER = "CURRENT"
MANIFEST = "manifest.json"
CHECK_REPORT = "check-report.json"  # written by the build before it commits, served by GET /check
SOURCE_LINES = "source-lines.sqlite"  # written by the build before it commits, read by GET /explain
STORE_DIR = "store"
# The default graph (asserted ∪ inferred) as N-Triples: what query workers load into memory without RocksDB.
DEFAULT_GRAPH_FILE = "default-graph.nt"
KEEP_SNAPSHOTS = 3
# Held for a moment by a build creating its work directory, committing, pruning or cleaning up.
LOCK_FILE = "snapshots.lock"
# One file per snapshot key, share-locked by each process that has that snapshot open: pruning skips those.
PINS_DIR = "pins"
# A snapshot being removed is first renamed to this prefix, so that its key never names half a snapshot.
TRASH_PREFIX = ".trash-"
_WORK_DIR = re.compile(r"\.[0-9a-f]{32}-")  # a build's work directory, .KEY-random (see SnapshotWriter)
_CURRENT_TEMP = re.compile(r"\.CURRENT-.*\.tmp")  # CURRENT being replaced (_point_current)
# The input-hash cache or the failed-build record being written by the process of this pid.
_PARTIAL_RECORD = re.compile(r"\.(?:input-hashes|failed-build)\.json\.(\d+)")
# What shapes a snapshot's content: every module of these packages and files (the build step, the snapshot
# itself, the shared RDF helpers); editing one invalidates snapshots.
PIPELINE_SOURCES = ("build", "snapshot", "rdf", "vocab.py")


def code_fingerprint() -> str:
    """A hash of the natograph version and the source of every module that shapes a snapshot."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("natograph")
    for relative, source in sorted(_python_sources(package, PIPELINE_SOURCES)):
        digest.update(relative.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _python_sources(package, names) -> list:
    found = []
    for name in names:
        entry = package.joinpath(name)
        if entry.is_file():
            found.append((name, entry))
        elif entry.is_dir():
            found += [(f"{name}/{relative}", source) for relative, source in _python_sources(
                entry, [child.name for child in entry.iterdir() if child.is_dir() or child.name.endswith(".py")])]
    return found


def snapshot_key(input_hashes: dict[str, str], *, reasoner: str) -> str:
    """The key of the snapshot built from these inputs (relative path → sha256) by this code."""
    digest = hashlib.sha256(code_fingerprint().encode() + reasoner.encode())
    for path in sorted(input_hashes):
        digest.update(f"{path}\0{input_hashes[path]}\n".encode())
    return digest.hexdigest()[:32]


@dataclass
class Snapshot:
    """An opened, read-only snapshot: the store and its manifest.

    `pin` keeps the snapshot from being pruned while this process has it open (see `pin_snapshot`).
    """

    key: str
    path: Path
    manifest: dict
    store: ox.Store
    pin: "SnapshotPin | None" = field(default=None, repr=False, compare=False)


def current_key(config: Config) -> str | None:
    """The key of the snapshot currently in use, if there is a complete one."""
    pointer = config.snapshots_path / CURRENT_POINTER
    try:
        key = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key if is_complete(config, key) else None


def is_complete(config: Config, key: str) -> bool:
    """Whether a finished snapshot of this key is on disk (its manifest is written last, before it is moved in)."""
    return bool(key) and (config.snapshots_path / key / MANIFEST).is_file()


def read_manifest(config: Config, key: str) -> dict:
    """The manifest of a complete snapshot, without opening its store."""
    try:
        return json.loads((config.snapshots_path / key / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {key} cannot be opened: {exc}") from None


def open_snapshot(config: Config, key: str | None = None) -> Snapshot:
    """Open a snapshot (the current one by default) read-only, without re-parsing anything.

    The snapshot stays pinned (never pruned) while the returned object lives in this process.
    """
    for _ in range(3):
        chosen = key or current_key(config)
        if chosen is None:
            raise SnapshotError(f"no snapshot in {config.snapshots_path}: run `natograph build` first")
        pin = pin_snapshot(config, chosen)
        if key is None and not is_complete(config, chosen):
            # Pruned between reading CURRENT and pinning it, so a newer one is current: take that one.
            _release(pin)
            continue
        path = config.snapshots_path / chosen
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            store = ox.Store.read_only(str(path / STORE_DIR))
        except (OSError, ValueError) as exc:
            _release(pin)
            raise SnapshotError(f"snapshot {chosen} cannot be opened: {exc}") from None
        return Snapshot(chosen, path, manifest, store, pin)
    raise SnapshotError(f"the current snapshot in {config.snapshots_path} keeps changing; try again")


class SnapshotPin:
    """A shared lock on a snapshot's pin file: while any process holds one, pruning leaves that snapshot alone.

    The kernel releases the lock when the process ends, however it ends (even `kill -9`), so a pin never
    outlives its process and never keeps a snapshot forever.
    """

    def __init__(self, descriptor: int):
        self._descriptor: int | None = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __del__(self) -> None:
        self.release()


def pin_snapshot(config: Config, key: str) -> SnapshotPin | None:
    """Pin a snapshot for the life of the returned object (None where the snapshot directory is read-only)."""
    pins = config.snapshots_path / PINS_DIR
    path = pins / key
    while True:
        try:
            pins.mkdir(exist_ok=True)
            descriptor = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None  # a directory this process cannot write, so it cannot prune it either
        # Waits only while a pruner holds the pin file: it is removing this snapshot, or just found it pinned.
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        if _still_linked(descriptor, path):
            return SnapshotPin(descriptor)
        os.close(descriptor)  # a pruner removed the file meanwhile: take a fresh one (and find the snapshot gone)


def _still_linked(descriptor: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def _release(pin: SnapshotPin | None) -> None:
    if pin is not None:
        pin.release()


@contextmanager
def _unless_pinned(config: Config, key: str) -> Iterator[bool]:
    """Hold a snapshot's pin file exclusively if no process has the snapshot pinned; yields whether it could.

    Call it only under `snapshots_locked`: pin files are removed under that lock and nowhere else.
    """
    pins = config.snapshots_path / PINS_DIR
    pins.mkdir(exist_ok=True)
    descriptor = os.open(pins / key, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


@contextmanager
def snapshots_locked(config: Config) -> Iterator[None]:
    """Hold the snapshot directory's lock: builds create work directories, commit, prune and clean up under it.

    Each holds it for a moment (never while loading or reasoning), so concurrent builds only take turns there.
    """
    config.snapshots_path.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(config.snapshots_path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def make_current(config: Config, key: str) -> bool:
    """Point CURRENT at a complete snapshot already on disk; False if there is none of this key."""
    with snapshots_locked(config):
        if not is_complete(config, key):
            return False
        _point_current(config, key)
        remove_leftovers(config)
    return True


def _point_current(config: Config, key: str) -> None:
    # Written beside it and renamed over it; under the directory lock, so one writer at a time. (A file made
    # by open, unlike mkstemp's, gets the permissions the umask gives: readable by a server of another user.)
    pointer = config.snapshots_path / CURRENT_POINTER
    temporary = pointer.with_name(f".{CURRENT_POINTER}-{secrets.token_hex(4)}.tmp")
    try:
        temporary.write_text(key + "\n", encoding="utf-8")
        os.replace(temporary, pointer)
    finally:
        temporary.unlink(missing_ok=True)


def _claim_directory(path: Path) -> int:
    """An exclusive lock on a build's work directory, held until the build ends (or dies: the kernel drops it)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


class SnapshotWriter:
    """Writes a new snapshot in a temporary directory; only `commit` makes it the current one.

    If anything fails before `commit`, the temporary directory is removed and the previous
    snapshot stays current and intact. The directory is locked by this process while it lives, so
    that a later build can tell it from the leftover of a killed one, which it removes.
    """

    def __init__(self, config: Config, key: str, *, replace: bool = False):
        self.config, self.key, self.replace = config, key, replace
        self.superseded_by: str | None = None  # set by commit: the key left current instead of this one
        with snapshots_locked(config):
            remove_leftovers(config)
            # Created and locked under the directory lock: a cleanup never sees it unlocked.
            self.work_dir = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=config.snapshots_path))
            self._claim: int | None = _claim_directory(self.work_dir)
        try:
            self.store = ox.Store(str(self.work_dir / STORE_DIR))
        except BaseException:
            self.discard()
            raise

    def __enter__(self) -> "SnapshotWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self.work_dir.exists():
            self.discard()

    def write_default_graph(self, triples) -> None:
        """Write the default graph's triples as N-Triples beside the store (the query workers' memory image)."""
        ox.serialize(triples, str(self.work_dir / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES)

    def commit(self, manifest: dict, *, inputs_key: Callable[[], str | None] | None = None) -> dict:
        """Flush, write the manifest, move into place and point CURRENT at the new snapshot; prune old ones.

        Returns the manifest of the snapshot moved in (or kept). A complete snapshot of the same key already
        on disk (another build of the same inputs finished first) is kept, unless `replace` is set and no
        process has it open: the same inputs and code make the same graph, and a served one is never
        replaced under its server. `inputs_key` gives the key of the inputs as they are now (None if
        unknown): when they changed during this build and a later build already made their snapshot
        current, that one stays current.
        """
        inputs_now = inputs_key() if inputs_key is not None else None
        self.store.flush()
        self.store.optimize()
        self.store = None
        (self.work_dir / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = self.config.snapshots_path / self.key
        with snapshots_locked(self.config):
            if not is_complete(self.config, self.key):
                if final.exists():
                    _remove_directory(final)
                os.replace(self.work_dir, final)
            elif not (self.replace and self._swap_into(final)):
                manifest = read_manifest(self.config, self.key)
                self.discard()
            edited_meanwhile = inputs_now not in (None, self.key)
            if edited_meanwhile and current_key(self.config) == inputs_now:
                self.superseded_by = inputs_now
            else:
                _point_current(self.config, self.key)
            _prune(self.config, keep=KEEP_SNAPSHOTS)
            remove_leftovers(self.config)
        self._unclaim()
        return manifest

    def _swap_into(self, final: Path) -> bool:
        with _unless_pinned(self.config, self.key) as free:
            if not free:
                return False
            retired = _trash_name(self.config, self.key)
            # Openers of this key wait on its pin file meanwhile, so none sees the moment without it.
            os.replace(final, retired)
            os.replace(self.work_dir, final)
        shutil.rmtree(retired, ignore_errors=True)
        return True

    def discard(self) -> None:
        self.store = None
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self._unclaim()

    def _unclaim(self) -> None:
        if self._claim is not None:
            os.close(self._claim)
            self._claim = None


def prune_snapshots(config: Config, *, keep: int) -> list[str]:
    """Remove all but the `keep` newest snapshots, never the current one nor one a live process has open.

    Returns the removed keys.
    """
    with snapshots_locked(config):
        return _prune(config, keep=keep)


def _prune(config: Config, *, keep: int) -> list[str]:
    current = current_key(config)
    snapshots = sorted(
        (p for p in config.snapshots_path.iterdir() if p.is_dir() and is_complete(config, p.name)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = []
    for path in snapshots[keep:]:
        if path.name != current and _remove_unless_pinned(config, path.name):
            removed.append(path.name)
    return removed


def _remove_unless_pinned(config: Config, key: str) -> bool:
    with _unless_pinned(config, key) as free:
        if not free:
            return False
        retired = _trash_name(config, key)
        os.replace(config.snapshots_path / key, retired)  # one step: never a half-removed snapshot under its key
        (config.snapshots_path / PINS_DIR / key).unlink(missing_ok=True)
    shutil.rmtree(retired, ignore_errors=True)
    return True


def _trash_name(config: Config, key: str) -> Path:
    return config.snapshots_path / f"{TRASH_PREFIX}{key}-{secrets.token_hex(4)}"


def _remove_directory(path: Path) -> None:
    retired = path.with_name(f"{TRASH_PREFIX}{path.name}-{secrets.token_hex(4)}")
    os.replace(path, retired)
    shutil.rmtree(retired, ignore_errors=True)


def has_leftovers(config: Config) -> bool:
    """Whether the snapshot directory holds anything `remove_leftovers` may have to remove (a quick look, no lock)."""
    try:
        names = os.listdir(config.snapshots_path)
    except OSError:
        return False
    return any(_leftover_kind(name) for name in names)


def remove_leftovers(config: Config) -> list[str]:
    """Tidy what dead builds and prunes left (call it under `snapshots_locked`); returns the names tidied.

    A build's work directory is tidied only when no live process holds its lock (see `_tidy_abandoned`);
    the temporary files of CURRENT, of the input-hash cache and of the failed-build record are removed
    only when the process that wrote them is gone.
    """
    removed = []
    for entry in os.scandir(config.snapshots_path):
        kind = _leftover_kind(entry.name)
        if kind == "work" and entry.is_dir(follow_symlinks=False):
            if _tidy_abandoned(config, Path(entry.path)):
                removed.append(entry.name)
        elif kind == "trash":
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
        elif kind == "current":  # CURRENT is written under the lock this caller holds: nobody writes it now
            Path(entry.path).unlink(missing_ok=True)
            removed.append(entry.name)
        elif kind == "partial" and not process_alive(int(_PARTIAL_RECORD.fullmatch(entry.name).group(1))):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(entry.name)
    pins = config.snapshots_path / PINS_DIR
    for pin in pins.iterdir() if pins.is_dir() else ():
        if not (config.snapshots_path / pin.name).exists():
            with _unless_pinned(config, pin.name) as free:
                if free:
                    pin.unlink(missing_ok=True)
    return removed


def _leftover_kind(name: str) -> str | None:
    if _WORK_DIR.match(name):
        return "work"
    if name.startswith(TRASH_PREFIX):
        return "trash"
    if _CURRENT_TEMP.fullmatch(name):
        return "current"
    if _PARTIAL_RECORD.fullmatch(name):
        return "partial"
    return None


def _tidy_abandoned(config: Config, path: Path) -> bool:
    """If the build that locked this work directory is gone, tidy it away; whether it did.

    A finished one (its manifest written, the last step before the move) whose key has no snapshot is
    moved into place, where a build of the same inputs finds it; any other is removed.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its build is still running
        final = config.snapshots_path / path.name[1:].split("-", 1)[0]
        if (path / MANIFEST).is_file() and not final.exists():
            os.replace(path, final)
        else:
            _remove_directory(path)
        return True
    finally:
        os.close(descriptor)


def process_alive(pid: int) -> bool:
    """Whether a process of this id exists (it may be another's, if the id was reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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

