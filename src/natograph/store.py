"""Store step: one small query interface over a snapshot, whatever engine holds it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Union, runtime_checkable

import pyoxigraph as ox

from .errors import QueryEvaluationError, QueryRefusedError, QuerySyntaxError, QueryTimeoutError
from .query_shapes import rewrite
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
    """The RDF dataset of one query from the protocol's parameters, which override the query's FROM clauses.

    `default_graphs` None: the query's FROM if it has one, else asserted ∪ inferred; `named_graphs` None: the
    query's FROM NAMED if it has one, else all.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueryLimits:
    """Limits applied while a query's results are collected and written."""

    timeout_ms: int | None = None
    max_rows: int | None = None
    max_response_bytes: int | None = None


UPDATE_REFUSAL = (
    "SPARQL Update is not accepted here: the graph is built from the project's Turtle files, "
    "which are its only source of truth; edit them and rebuild"
)
SERVICE_REFUSAL = (
    "federated queries (SERVICE) are not accepted: this endpoint never opens network connections"
)


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
        base_iri: str | None = None,
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
    (see `load_default_graph`) answers the queries that cannot read named graphs: 2–4× faster than on disk.

    A user's text is read by the engine alone: `network_isolated` (this process has no network, see
    sandbox.py) lets the store ask the engine itself whether a text is an update, and name a SERVICE call the
    engine tried, instead of refusing by a scan.
    """

    snapshot: Snapshot
    memory: ox.Store | None = field(default=None, repr=False)
    network_isolated: bool = False
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.snapshot.key

    def query(self, sparql, *, bindings=None, dataset=Dataset(), limits=QueryLimits(), base_iri=None) -> QueryResult:
        if not self.network_isolated and mentions_service(sparql):
            # No operating-system guard in this process: refuse any text that could call SERVICE at all.
            raise QueryRefusedError(f"{SERVICE_REFUSAL} (the text names SERVICE, and this process has no network guard)")
        deadline = None if limits.timeout_ms is None else time.monotonic() + limits.timeout_ms / 1000
        options = {}
        if dataset.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs]
        if dataset.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs]
        if bindings:
            # Bindings come with reviewed texts only (canned queries, natograph's own); Oxigraph's substitution
            # would need each bound variable in the SELECT clause, which the canned queries do not all have.
            sparql = bind_values(sparql, bindings)
        store = self.snapshot.store
        if self.memory is not None and not options.keys() & {"default_graph", "named_graphs"} \
                and not may_read_named_graphs(sparql):
            store = self.memory
        try:
            # A known slow shape goes to the engine in an equivalent form; the user's text stays what the
            # cache keys on and what errors point into (query_shapes.py says why each rewrite is equivalent).
            result = store.query(rewrite(sparql), prefixes=PREFIXES, base_iri=base_iri, **options)
            return collect(result, limits, deadline)
        except SyntaxError as exc:
            if is_update(sparql, network_isolated=self.network_isolated):
                raise QueryRefusedError(UPDATE_REFUSAL) from None
            raise parse_error(exc) from None
        except RuntimeError as exc:
            # Oxigraph's evaluation errors are the query's (an unknown function, a bad argument), not the store's.
            raise QueryEvaluationError(str(exc)) from None
        except OSError as exc:
            if self.network_isolated and mentions_service(sparql):
                raise QueryRefusedError(f"{SERVICE_REFUSAL} (the engine's call was cut off: {exc})") from None
            raise


def is_update(sparql: str, *, network_isolated: bool) -> bool:
    """Whether Oxigraph reads the text as a SPARQL Update: it runs it on an empty store of its own.

    Outside a network namespace, only a text that can neither LOAD nor call SERVICE is run (their letters
    are absent); another is not asked about, and stays a syntax error of a query.
    """
    upper = sparql.upper()
    if not network_isolated and ("LOAD" in upper or "SERVICE" in upper):
        return False
    try:
        ox.Store().update(sparql, prefixes=PREFIXES)
    except SyntaxError:
        return False
    except (OSError, RuntimeError):
        return True
    return True


def mentions_service(sparql: str) -> bool:
    """Whether the text could call SERVICE: the engine cannot read the keyword unless its letters are there.

    An over-approximation needing no grammar (a string or IRI holding the word also counts).
    """
    return "SERVICE" in sparql.upper()


def load_default_graph(snapshot_path: Path) -> ox.Store:
    """An in-memory Oxigraph store holding a snapshot's default graph, parsed from its N-Triples file.

    Reads the file only, never the snapshot's database: a process that loads this may fork safely.
    """
    memory = ox.Store()
    # The file was written by the build from valid terms: the parser need not check them again.
    memory.load(path=str(Path(snapshot_path) / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return memory


_GRAPH_KEYWORD_LETTERS = re.compile(r"GRAPH(?!/)")


def may_read_named_graphs(sparql: str) -> bool:
    """Whether a query over the default dataset may read named graphs (GRAPH) or name its dataset (FROM).

    An over-approximation needing no grammar: the engine cannot read either keyword unless its letters are in
    the text, and never reads GRAPH followed by "/" as the keyword (no variable, IRI or name starts with "/"),
    which keeps natograph's own IRIs (…/natograph/…, …/graph/…) off the slow path. The word elsewhere in a
    string, an IRI or a comment is a false alarm, which costs speed only.
    """
    upper = sparql.upper()
    return _GRAPH_KEYWORD_LETTERS.search(upper) is not None or "FROM" in upper


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
