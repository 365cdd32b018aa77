"""The only module that knows the order of the steps: load → reason → check → commit the snapshot.

The check report and the source-line index are written into the snapshot before it becomes current.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from .. import __version__
from .check.expectations import expectation_files
from ..config import Config
from ..errors import InconsistencyError, InputFileError
from ..snapshot.failed_build import clear_failed_build, record_failed_build
from .input_hashes import input_hashes
from .load import InputFile, graph_input_files, load_files
from .progress import StepTimer
from .provenance import SourceIndex
from .reason import infer
from .statements import read_statements
from ..snapshot.source_lines import write_source_lines
from ..snapshot import (SOURCE_LINES, Snapshot, SnapshotWriter, current_key, has_leftovers, make_current, open_snapshot, read_manifest,
                       remove_leftovers, snapshot_key, snapshots_locked)
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH


@dataclass
class BuildResult:
    """What a build did: the snapshot's key and manifest, and whether an existing one was reused."""

    key: str
    manifest: dict
    reused: bool
    # The check report the build wrote into the snapshot (None when an existing snapshot was reused).
    report: object = None


def input_files(config: Config) -> list[InputFile]:
    """Every file a snapshot depends on: the graph's files, the SHACL shapes and the entailment expectations.

    The snapshot carries its check report, so what the checks read is an input of it too.
    """
    files = graph_input_files(config)
    if config.shapes_path.is_file():
        files.append(InputFile(config.shapes_file, config.shapes_path))
    return files + expectation_files(config.checks_path, config.root)


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

    # Imported only when a build runs: the checks load pySHACL (a tenth of a second), which every command that
    # reuses a snapshot (`natograph query`, `serve`) would otherwise pay at start.
    from .check.report import check_graph, write_report
    from .check.shacl import quiet_ill_typed_literals

    graph_files = graph_input_files(config)
    with timer.step("load"):
        loaded = load_files(graph_files)
        stated = list(dict.fromkeys(t for f in loaded for t in f.triples))
        statements = read_statements(loaded, frozenset(stated))
        asserted = list(dict.fromkeys((*stated, *statements.derived_sources())))
        provenance = statements.descriptions()
    # owlrl reads literals with rdflib, which logs a traceback for each ill-typed one: the check names them.
    with timer.step("reason") as report, quiet_ill_typed_literals():
        inference = infer(asserted, reasoner=config.reasoner, progress=report)
    with SnapshotWriter(config, key, replace=force) as writer:
        with timer.step("write"):
            store = writer.store
            asserted_graph, inferred_graph = ox.NamedNode(ASSERTED_GRAPH), ox.NamedNode(INFERRED_GRAPH)
            store.bulk_extend(ox.Quad(*t, f.graph) for f in loaded for t in f.triples)
            store.bulk_extend(statements.quads)
            store.bulk_extend(ox.Quad(*t, asserted_graph) for t in asserted)
            store.bulk_extend(ox.Quad(*t, inferred_graph) for t in inference.triples)
            store.bulk_extend(ox.Quad(*t, ox.NamedNode(PROVENANCE_GRAPH)) for t in provenance)
            # The default graph holds asserted ∪ inferred ∪ provenance once more: queries over it scan one graph.
            default_graph = (*asserted, *inference.triples, *provenance)
            store.bulk_extend(ox.Quad(*t, ox.DefaultGraph()) for t in default_graph)
            writer.write_default_graph(default_graph)
        with timer.step("check"):
            sources = SourceIndex.from_loaded(loaded)
            report = check_graph(config, store, sources, clash_records=inference.messages, snapshot_key=key)
        if report.clashes:
            del store  # closed before the writer removes its directory: a store closed after that can take a second
            raise InconsistencyError(report.clashes, report=report)
        with timer.step("source lines"):
            # Part of the snapshot before it becomes current: GET /check and /explain read them, and nothing
            # writes into a committed snapshot.
            write_report(writer.work_dir, report)
            write_source_lines(writer.work_dir / SOURCE_LINES, sources, store, snapshot_key=key)
        manifest = _manifest(config, key, loaded, hashes, asserted, inference, provenance, timer.timings)
        manifest["statements"] = statements.by_source()
        del store  # the writer's reference must be the last: committing closes the database before moving it
        committed = writer.commit(manifest, inputs_key=lambda: inputs_key(config))
    if writer.superseded_by is not None:
        # The inputs changed while this build ran, and a later build already made their snapshot current.
        return BuildResult(writer.superseded_by, read_manifest(config, writer.superseded_by), reused=True)
    # Another build of the same inputs finished first, or (with force) the snapshot is open in a running server.
    return BuildResult(key, committed, reused=committed is not manifest, report=report)


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


def _manifest(config, key, loaded, hashes, asserted, inference, provenance, timings) -> dict:
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
            "provenance": len(provenance),
            "all": len(asserted) + len(inference.triples) + len(provenance),
        },
        "dropped_trivial": dict(Counter(inference.dropped).most_common()),
        "timings_seconds": {name: round(seconds, 4) for name, seconds in timings.items()},
    }
