"""Dumps: the whole snapshot (asserted, inferred or all triples) in one RDF format, written to a file or streamed.

Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) hold the chosen graphs merged into one; the
dataset formats (TriG, N-Quads) keep each triple in its named graph, and "all" is then every named
graph of the snapshot: asserted, inferred and one per input file. Dumps read the snapshot's Oxigraph
database directly, in index order, so that nothing but the current chunk is held in memory; they need
the snapshot only, whichever store answers the server's queries.
"""

from __future__ import annotations

import os
import queue
import threading
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Iterator

import pyoxigraph as ox

from . import OXIGRAPH_RDF_FORMAT, Format
from .jsonld import JsonLdContext, iter_document, store_context
from ..snapshot import Snapshot
from ..store import EmbeddedStore
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES, PROVENANCE_GRAPH

DUMP_FORMATS = (Format.TURTLE, Format.N_TRIPLES, Format.JSON_LD, Format.RDF_XML, Format.TRIG, Format.N_QUADS)
DATASET_FORMATS = (Format.TRIG, Format.N_QUADS)
# How many serialised chunks (about 8 KiB each) may wait for a slow client before the writer pauses.
PIPE_CHUNKS = 64
JSON_LD_CHUNK_BYTES = 64 * 1024


class GraphSelection(Enum):
    """Which triples a dump holds."""

    ASSERTED = "asserted"
    INFERRED = "inferred"
    ALL = "all"


class DumpInterrupted(RuntimeError):
    """The serialiser stopped before the end of a streamed dump (the response is then cut off)."""


def dump_graphs(snapshot: Snapshot, selection: GraphSelection, fmt: Format) -> list[ox.NamedNode]:
    """The named graphs a dump reads, in the order it writes them."""
    named = {g.value for g in snapshot.store.named_graphs()}
    # "all" is the default graph: the asserted and inferred triples and (data with statement graphs) their descriptions.
    chosen = {GraphSelection.ASSERTED: [ASSERTED_GRAPH], GraphSelection.INFERRED: [INFERRED_GRAPH],
              GraphSelection.ALL: [ASSERTED_GRAPH, INFERRED_GRAPH]
                                  + ([PROVENANCE_GRAPH] if PROVENANCE_GRAPH in named else [])}[selection]
    if fmt in DATASET_FORMATS and selection is GraphSelection.ALL:
        others = sorted(iri for iri in named if iri not in chosen)
        chosen = chosen + others
    return [ox.NamedNode(iri) for iri in chosen]


def dump_file_name(selection: GraphSelection, fmt: Format) -> str:
    """The file name a dump is offered under, e.g. `natograph-all.ttl`."""
    return f"natograph-{selection.value}.{fmt.extension}"


def write_dump(snapshot: Snapshot, fmt: Format, selection: GraphSelection, output: BinaryIO, *,
               context: JsonLdContext | None = None) -> None:
    """Write a dump to a binary file object (JSON-LD with `context`, by default the snapshot's)."""
    if fmt not in DUMP_FORMATS:
        raise ValueError(f"{fmt.name} is not an RDF format")
    graphs = dump_graphs(snapshot, selection, fmt)
    if fmt is Format.JSON_LD:
        for chunk in _json_ld_chunks(snapshot, graphs, context or _snapshot_context(snapshot)):
            output.write(chunk)
        return
    quads = _quads(snapshot, graphs)
    items = quads if fmt in DATASET_FORMATS else (quad.triple for quad in quads)
    ox.serialize(items, output, format=OXIGRAPH_RDF_FORMAT[fmt], prefixes=PREFIXES)


def write_dump_file(snapshot: Snapshot, fmt: Format, selection: GraphSelection, path: Path, *,
                    context: JsonLdContext | None = None) -> None:
    """Write a dump to `path` through a temporary file, so that a failure never leaves a partial file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(temporary, "wb") as output:
            write_dump(snapshot, fmt, selection, output, context=context)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def iter_dump(snapshot: Snapshot, fmt: Format, selection: GraphSelection, *,
              context: JsonLdContext | None = None) -> Iterator[bytes]:
    """A dump as a stream of byte chunks, for an HTTP response; nothing starts until the first chunk is asked for."""
    graphs = dump_graphs(snapshot, selection, fmt)
    if fmt is Format.JSON_LD:
        yield from _json_ld_chunks(snapshot, graphs, context or _snapshot_context(snapshot))
        return
    yield from _serialised_in_thread(lambda output: write_dump(snapshot, fmt, selection, output))


def _snapshot_context(snapshot: Snapshot) -> JsonLdContext:
    return store_context(EmbeddedStore(snapshot))


def _quads(snapshot: Snapshot, graphs: list[ox.NamedNode]) -> Iterator[ox.Quad]:
    for graph in graphs:
        yield from snapshot.store.quads_for_pattern(None, None, None, graph)


def _json_ld_chunks(snapshot: Snapshot, graphs: list[ox.NamedNode], context: JsonLdContext) -> Iterator[bytes]:
    triples = (quad.triple for quad in _quads(snapshot, graphs))
    pending: list[bytes] = []
    size = 0
    for piece in iter_document(context, triples):
        encoded = piece.encode("utf-8")
        pending.append(encoded)
        size += len(encoded)
        if size >= JSON_LD_CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


class _ReaderGone(Exception):
    """The response stopped reading (the client went away): the writer thread ends."""


_END = object()


class _Pipe:
    """A file-like object a serialiser writes into in one thread while the response reads its chunks in another."""

    def __init__(self):
        self.chunks: queue.Queue = queue.Queue(maxsize=PIPE_CHUNKS)
        self.reader_gone = threading.Event()
        self.finished = False

    def write(self, data) -> int:
        self.put(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Chunks are handed over as they are written: nothing to flush."""

    def put(self, item) -> None:
        while not self.reader_gone.is_set():
            try:
                self.chunks.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _ReaderGone()


def _serialised_in_thread(write) -> Iterator[bytes]:
    """Run `write(file_object)` in a thread and yield what it writes, as it writes it."""
    pipe = _Pipe()

    def produce() -> None:
        try:
            write(pipe)
            pipe.finished = True
        except _ReaderGone:
            return
        finally:
            if not pipe.reader_gone.is_set():
                try:
                    pipe.put(_END)
                except _ReaderGone:
                    pass

    threading.Thread(target=produce, name="natograph-dump", daemon=True).start()
    try:
        while (chunk := pipe.chunks.get()) is not _END:
            yield chunk
    finally:
        pipe.reader_gone.set()
    if not pipe.finished:
        raise DumpInterrupted("the dump's serialiser stopped before the end (see the server log)")
