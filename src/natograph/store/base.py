"""Store step, what every store shares: the Store protocol, datasets, limits, results and engine errors."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Protocol, Union, runtime_checkable

import pyoxigraph as ox

from ..errors import QuerySyntaxError, QueryTimeoutError
from ..snapshot import Snapshot
from ..sparql.text import QueryText

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
    """What every store offers: run one read-only SPARQL query with bound parameters and limits.

    `bindings` is the one way to bind values to a query's variables (the CLI, the canned API, pages, look-ups):
    a variable's name to an RDF term, or to a list of terms (one solution per term). Each store binds them
    at its boundary with a VALUES block opening the query's outermost WHERE group (`QueryText.bound`),
    so a parameter must be used in that group (tests/query/test_canned_queries.py checks the catalogue).

    `sparql` is the text, or its `QueryText` carrying what was read from it already (a request's, a canned
    query's): a store reads a text through it, never again on its own.
    """

    key: str

    def query(
        self,
        sparql: str | QueryText,
        *,
        bindings: dict[str, object | list] | None = None,
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
    """Materialise an Oxigraph result (of a query, or of a server's answer parsed by Oxigraph), honouring the row
    limit and (between rows) the deadline."""
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
        # A solution lists its values in the order of the variables (unbound: None).
        return SelectResult([v.value for v in result.variables], [list(row) for row in items], truncated)
    return GraphResult(items, truncated)
