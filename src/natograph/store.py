"""Store step: one small query interface over a snapshot, whatever engine holds it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Union, runtime_checkable

import pyoxigraph as ox

from .errors import QuerySyntaxError, QueryTimeoutError
from .snapshot import DEFAULT_GRAPH_FILE, Snapshot
from .sparqltext import bind_values
from .vocab import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES

# The graphs whose union is a snapshot's default graph (which the snapshot also stores as one graph).
DEFAULT_DATASET = (ASSERTED_GRAPH, INFERRED_GRAPH)
_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


@dataclass
class SelectResult:
    """Rows of a SELECT query; `truncated` says the row limit cut it short."""

    variables: list[str]
    rows: list[list]
    truncated: bool = False


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool
    truncated: bool = False


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query; `truncated` says the row limit cut it short."""

    triples: list[ox.Triple]
    truncated: bool = False


QueryResult = Union[SelectResult, AskResult, GraphResult]


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of one query: default-graph IRIs (None: asserted ∪ inferred) and named graphs (None: all).

    `from_query` keeps the dataset the query declares with FROM / FROM NAMED instead.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    from_query: bool = False


@dataclass(frozen=True)
class QueryLimits:
    """Limits applied while a query's results are collected."""

    timeout_ms: int | None = None
    max_rows: int | None = None


class Store(Protocol):
    """What every store offers: run one read-only SPARQL query with bound parameters and limits."""

    key: str

    def query(
        self,
        sparql: str,
        *,
        bindings: dict[str, object] | None = None,
        dataset: Dataset = Dataset(),
        limits: QueryLimits = QueryLimits(),
    ) -> QueryResult: ...


@runtime_checkable
class ServedStore(Store, Protocol):
    """A store with the local snapshot it answers for: its own database (embedded), or the original of a copy (remote).

    Queries go to the store; the manifest, dumps, check report and explanations read the local snapshot.
    """

    snapshot: Snapshot


@dataclass
class EmbeddedStore:
    """The default store: the snapshot's own Oxigraph database, opened read-only in this process.

    The snapshot's default graph is asserted ∪ inferred, stored as one graph, so a query over it scans
    one graph instead of the union of two. With `memory`, an in-memory Oxigraph store holding that graph
    (see `load_default_graph`) answers the queries that read the default graph only (no `GRAPH` in the
    text, no dataset): 2–4× faster than on disk; every other query reads the database on disk.
    """

    snapshot: Snapshot
    memory: ox.Store | None = field(default=None, repr=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.snapshot.key

    def query(self, sparql, *, bindings=None, dataset=Dataset(), limits=QueryLimits()) -> QueryResult:
        deadline = None if limits.timeout_ms is None else time.monotonic() + limits.timeout_ms / 1000
        options = {}
        if dataset.default_graphs is not None and not dataset.from_query:
            options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs]
        if dataset.named_graphs is not None and not dataset.from_query:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs]
        if bindings:
            sparql = bind_values(sparql, bindings)
        store = self.snapshot.store
        if self.memory is not None and dataset == Dataset() and not may_read_named_graphs(sparql):
            store = self.memory
        try:
            result = store.query(sparql, prefixes=PREFIXES, **options)
        except SyntaxError as exc:
            raise parse_error(exc) from None
        return collect(result, limits, deadline)


def load_default_graph(snapshot_path: Path) -> ox.Store:
    """An in-memory Oxigraph store holding a snapshot's default graph, parsed from its N-Triples file.

    Reads the file only, never the snapshot's database: a process that loads this may fork safely.
    """
    memory = ox.Store()
    # The file was written by the build from valid terms: the parser need not check them again.
    memory.load(path=str(Path(snapshot_path) / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return memory


_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_FULL_LINE_COMMENT = re.compile(r"^[ \t]*#.*$", re.M)


def may_read_named_graphs(sparql: str) -> bool:
    """Whether a query over the default dataset may read named graphs: the word GRAPH outside IRIs and comments.

    Only a GRAPH pattern reads them. The word in a string or a name is a false alarm, which costs speed only.
    """
    return "GRAPH" in _FULL_LINE_COMMENT.sub("", _IRI_REF.sub(" ", sparql)).upper()


def open_store(config, snapshot: Snapshot) -> ServedStore:
    """The store the settings choose for a snapshot: embedded, or the remote SPARQL server holding its copy."""
    if config.store == "remote":
        from .remote import open_remote_store

        return open_remote_store(config.store_url, snapshot)
    return EmbeddedStore(snapshot)


def parse_error(exc: SyntaxError) -> QuerySyntaxError:
    """A QuerySyntaxError with the line and column of Oxigraph's parser message."""
    message = str(exc.msg or exc)
    match = _POSITION.search(message)
    if match:
        return QuerySyntaxError(readable_reason(match.group(3)), int(match.group(1)), int(match.group(2)))
    return QuerySyntaxError(message)


_CHARACTER_CLASS = re.compile(r"\[[^\]]*\]")


def readable_reason(reason: str) -> str:
    """Oxigraph's parser reason without its lists of character ranges, which read as noise to a person."""
    head, sep, alternatives = reason.strip().partition("expected one of ")
    if not sep:
        return reason.strip()
    words = [w.strip() for w in _CHARACTER_CLASS.sub("", alternatives).replace("\n", " ").split(",")]
    words = [w for w in words if w]
    explanations = [w for w in words if " " in w and not w.startswith(('"', "'"))]
    if explanations:
        return head + explanations[0][0].lower() + explanations[0][1:]
    shown = ", ".join(words[:12]) + (", …" if len(words) > 12 else "")
    return f"{head}expected one of {shown}" if words else head + "unexpected input"


def collect(result, limits: QueryLimits, deadline: float | None) -> QueryResult:
    """Materialise an Oxigraph result, honouring the row limit and (between rows) the deadline."""
    if isinstance(result, ox.QueryBoolean):
        return AskResult(bool(result))
    items = []
    truncated = False
    for index, item in enumerate(result):
        if deadline is not None and index % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeoutError(limits.timeout_ms)
        if limits.max_rows is not None and len(items) >= limits.max_rows:
            truncated = True
            break
        items.append(item)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return SelectResult(variables, [[row[v] for v in variables] for row in items], truncated)
    return GraphResult(items, truncated)
