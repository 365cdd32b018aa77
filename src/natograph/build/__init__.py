"""The only module that knows the order of the steps: load → reason → check → snapshot."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from .. import __version__
from .check.clashes import find_clashes
from ..config import Config
from ..errors import InconsistencyError, InputFileError
from ..snapshot.failed_build import clear_failed_build, record_failed_build
from .input_hashes import input_hashes
from .load import InputFile, graph_input_files, load_files
from .progress import StepTimer
from .provenance import SourceIndex
from .reason import infer
from ..snapshot import (Snapshot, SnapshotWriter, current_key, has_leftovers, make_current, open_snapshot, read_manifest,
                       remove_leftovers, snapshot_key, snapshots_locked)
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH


@dataclass
class BuildResult:
    """What a build did: the snapshot's key and manifest, and whether an existing one was reused."""

    key: str
    manifest: dict
    reused: bool


def input_files(config: Config) -> list[InputFile]:
    """Every file a snapshot depends on: the graph's files, plus the SHACL shapes if present."""
    files = graph_input_files(config)
    if config.shapes_path.is_file():
        files.append(InputFile(config.shapes_file, config.shapes_path))
    return files


def build(config: Config, *, force: bool = False, timer: StepTimer | None = None) -> BuildResult:
    """Build the reasoned snapshot, or reuse a kept one built from the same inputs (making it current).

    A build that fails on its inputs (a malformed file, an inconsistent graph) is recorded (failed_build.py),
    so that a server of the last good snapshot can say why it is stale; a successful build clears the record.
    """
    timer = timer or StepTimer(quiet=True)
    try:
        result = _build(config, force=force, timer=timer)
    except (InputFileError, InconsistencyError) as exc:
        record_failed_build(config, exc)
        raise
    clear_failed_build(config)
    return result


def _build(config: Config, *, force: bool, timer: StepTimer) -> BuildResult:
    with timer.step("hash inputs"):
        every_input = input_files(config)
        hashes = input_hashes(every_input, config.snapshots_path)
        key = snapshot_key(hashes, reasoner=config.reasoner)
    if has_leftovers(config):
        with snapshots_locked(config):
            remove_leftovers(config)
    # The manifest only: opening the store would start RocksDB threads that `natograph serve` must not fork.
    if not force and current_key(config) == key:
        return BuildResult(key, read_manifest(config, key), reused=True)
    if not force and make_current(config, key):
        # A kept snapshot of these very inputs (an edit undone, or a build killed before it made it current).
        return BuildResult(key, read_manifest(config, key), reused=True)

    graph_files = graph_input_files(config)
    with timer.step("load"):
        loaded = load_files(graph_files)
    asserted = list(dict.fromkeys(t for f in loaded for t in f.triples))
    with timer.step("reason") as report:
        inference = infer(asserted, reasoner=config.reasoner, progress=report)
    with SnapshotWriter(config, key, replace=force) as writer:
        with timer.step("write"):
            store = writer.store
            asserted_graph, inferred_graph = ox.NamedNode(ASSERTED_GRAPH), ox.NamedNode(INFERRED_GRAPH)
            store.bulk_extend(ox.Quad(*t, f.graph) for f in loaded for t in f.triples)
            store.bulk_extend(ox.Quad(*t, asserted_graph) for t in asserted)
            store.bulk_extend(ox.Quad(*t, inferred_graph) for t in inference.triples)
            # The default graph holds asserted ∪ inferred once more: queries over it scan one graph, not two.
            default_graph = (*asserted, *inference.triples)
            store.bulk_extend(ox.Quad(*t, ox.DefaultGraph()) for t in default_graph)
            writer.write_default_graph(default_graph)
        with timer.step("check"):
            clashes = find_clashes(store, reasoner_messages=inference.messages)
        if clashes:
            # Trace each clashing triple to its line only now: it means parsing the files again.
            sources = SourceIndex.from_files(graph_files)
            raise InconsistencyError(find_clashes(store, reasoner_messages=inference.messages, sources=sources))
        manifest = _manifest(config, key, loaded, hashes, asserted, inference, timer.timings)
        del store  # the writer's reference must be the last: committing closes the database before moving it
        committed = writer.commit(manifest, inputs_key=lambda: inputs_key(config))
    if writer.superseded_by is not None:
        # The inputs changed while this build ran, and a later build already made their snapshot current.
        return BuildResult(writer.superseded_by, read_manifest(config, writer.superseded_by), reused=True)
    # Another build of the same inputs finished first, or (with force) the snapshot is open in a running server.
    return BuildResult(key, committed, reused=committed is not manifest)


def inputs_key(config: Config) -> str | None:
    """The snapshot key of the inputs as they are now; None if they cannot be read."""
    try:
        return snapshot_key(input_hashes(input_files(config), config.snapshots_path), reasoner=config.reasoner)
    except (InputFileError, OSError):
        return None


def ensure_snapshot(config: Config) -> Snapshot:
    """Open a snapshot that matches the current inputs, building it first if needed."""
    result = build(config)
    return open_snapshot(config, result.key)


def _manifest(config, key, loaded, hashes, asserted, inference, timings) -> dict:
    return {
        "key": key,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "natograph_version": __version__,
        "reasoner": config.reasoner,
        "inputs": [
            {
                "path": f.source.relative_path,
                "graph": f.source.graph_iri,
                "sha256": hashes[f.source.relative_path],
                "triples": len(f.triples),
            }
            for f in loaded
        ],
        "input_hashes": hashes,
        "counts": {
            "asserted": len(asserted),
            "inferred": len(inference.triples),
            "all": len(asserted) + len(inference.triples),
        },
        "dropped_trivial": dict(Counter(inference.dropped).most_common()),
        "timings_seconds": {name: round(seconds, 4) for name, seconds in timings.items()},
    }
