"""The embedded store: the snapshot's own Oxigraph database, and the memory image's graph."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryEvaluationError, QueryRefusedError
from ..snapshot import DEFAULT_GRAPH_FILE, Snapshot
from ..sparql.shapes import rewrite
from ..sparql.engine import engine_call
from ..sparql.text import QueryText
from ..vocab import PREFIXES
from .base import SERVICE_REFUSAL, UPDATE_REFUSAL, Dataset, QueryLimits, QueryResult, collect, parse_error


@dataclass
class EmbeddedStore:
    """The default store: the snapshot's own Oxigraph database, opened read-only in this process.

    The snapshot's default graph is asserted ∪ inferred, stored as one graph, so a query over it scans
    one graph instead of the union of two. With `memory`, an in-memory Oxigraph store holding that graph
    (see `load_default_graph`) answers the queries that cannot read named graphs: 2–4× faster than on disk.

    A user's text is read by the engine alone: `network_isolated` (this process has no network, see
    sandbox.py) lets the store name a SERVICE call the engine tried, instead of refusing by a scan.
    """

    snapshot: Snapshot
    memory: ox.Store | None = field(default=None, repr=False)
    network_isolated: bool = False
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.snapshot.key

    def query(self, sparql, *, bindings=None, dataset=Dataset(), limits=QueryLimits(), base_iri=None) -> QueryResult:
        query = QueryText.of(sparql)
        if not self.network_isolated and query.names_service:
            # No operating-system guard in this process: refuse any text that could call SERVICE at all.
            raise QueryRefusedError(f"{SERVICE_REFUSAL} (the text names SERVICE, and this process has no network guard)")
        deadline = None if limits.timeout_ms is None else time.monotonic() + limits.timeout_ms / 1000
        options = {}
        if dataset.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs]
        if dataset.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs]
        # Bindings come with reviewed texts only (canned queries, natograph's own). Not the engine's
        # `substitutions=`: it refuses a variable the SELECT clause does not project, and most canned queries
        # do not project their parameters (tests/query/test_binding.py shows it, and that where the engine
        # accepts, both give the same rows); nor can it bind a column of many terms.
        text = query.bound(bindings) if bindings else query.text
        store = self.snapshot.store
        # A VALUES block of terms adds no keyword: the unbound text says whether named graphs may be read.
        if self.memory is not None and not options.keys() & {"default_graph", "named_graphs"} \
                and not query.may_read_named_graphs:
            store = self.memory
        try:
            # A known slow shape goes to the engine in an equivalent form; the user's text stays what the
            # cache keys on and what errors point into (sparql/shapes.py says why each rewrite is equivalent).
            return engine_call(text, lambda: collect(
                store.query(rewrite(text), prefixes=PREFIXES, base_iri=base_iri, **options), limits, deadline))
        except SyntaxError as exc:
            if query.is_update:
                raise QueryRefusedError(UPDATE_REFUSAL) from None
            raise parse_error(exc) from None
        except RuntimeError as exc:
            # Oxigraph's evaluation errors are the query's (an unknown function, a bad argument), not the store's.
            raise QueryEvaluationError(str(exc)) from None
        except OSError as exc:
            if self.network_isolated and query.names_service:
                raise QueryRefusedError(f"{SERVICE_REFUSAL} (the engine's call was cut off: {exc})") from None
            raise


def load_default_graph(snapshot_path: Path) -> ox.Store:
    """An in-memory Oxigraph store holding a snapshot's default graph, parsed from its N-Triples file.

    Reads the file only, never the snapshot's database: a process that loads this may fork safely.
    """
    memory = ox.Store()
    # The file was written by the build from valid terms: the parser need not check them again. Parsed, then
    # added, rather than `Store.load`, which names every blank node afresh: its answers would not name a blank
    # node as the snapshot's database does, nor as the last start did (as fast: 0.3-0.4 s for 181k triples).
    memory.extend(ox.parse(path=str(Path(snapshot_path) / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES,
                           lenient=True))
    return memory
