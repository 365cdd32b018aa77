"""The remote store: a snapshot's copy in any SPARQL 1.1 server, queried over the SPARQL 1.1 Protocol.

`natograph upload` puts the snapshot's graphs into the server (`store.publish`); `RemoteStore.query` then sends each
query, with natograph's prefixes declared and parameters bound in a VALUES block (a server is sent text only;
the embedded store binds the same way, see `Store`), and reads the answer back into the same result objects.

Engines differ at this boundary, and the store translates: a server without a writable default graph
(Virtuoso) holds the snapshot's default graph under a named graph (`default_graph`), named in
`default-graph-uri` of every query over the default dataset; answers are read whatever their literal
forms (`typed-literal`, numbers as JSON numbers, blank node labels such as `nodeID://b1`); a server's cut
(Virtuoso's `X-SPARQL-MaxRows`) is natograph's truncation flag, and its time-out natograph's.
"""

from __future__ import annotations

import functools
import heapq
import http.client
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from ..errors import (ConfigError, QueryFailedError, QueryRefusedError, QueryTimeoutError, ServerTimeoutError,
                      SnapshotError, StoreUnavailableError)
from ..snapshot import Snapshot
from ..sparql.engine import check_parses
from ..sparql.text import (OPENING_BRACKETS, QueryForm, QueryText, Token, TokenKind, argument_ranges, bracket_levels,
                            values_block)
from ..vocab import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES, PROVENANCE_GRAPH

# Virtuoso answers with one header per graph of the query's dataset, and a snapshot has a statement graph
# per line of each source document (hundreds): http.client's default limit of 100 headers would refuse it.
http.client._MAXHEADERS = max(http.client._MAXHEADERS, 100_000)
from .base import (SERVICE_REFUSAL, UPDATE_REFUSAL, AskResult, Dataset, GraphResult, QueryLimits,
                   QueryResult, SelectResult, collect, parse_error)

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# The header by which Virtuoso says that its ResultSetMaxRows cut the answer.
SERVER_ROW_LIMIT_HEADER = "X-SPARQL-MaxRows"
# Virtuoso's SQL states of a query stopped at its time limit: S1T00, an error (500) at MaxQueryExecutionTime;
# S1TAT, an answer cut short there and sent as if whole (200, "anytime" results, when a `timeout` is asked for).
SERVER_TIMEOUT_STATES = {"S1T00", "S1TAT"}
# How Virtuoso's error pages begin: "Virtuoso S1T00 Error SR171: Transaction timed out".
_VIRTUOSO_ERROR = re.compile(r"Virtuoso (\w{5}) Error (.*)")
# Virtuoso's refusal of a query it estimates longer than MaxQueryCostEstimationTime (SQL state 42000, a 500).
_VIRTUOSO_ESTIMATE_REFUSAL = re.compile(r"The estimated execution time \d+ \(sec\) exceeds the limit")
# On one line, so that the query's own lines keep their numbers in the server's error messages.
PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}> " for prefix, iri in PREFIXES.items())
COUNT_DEFAULT_GRAPH = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
PROBE = "ASK { }"
# 10^6 solutions binding nothing (a few bytes each), of which the first ROW_LIMIT_PROBE_ROWS are asked for.
ROW_LIMIT_PROBE_ROWS = 100_000
ROW_LIMIT_PROBE = ("SELECT ?nothing WHERE { " + " ".join(f"VALUES ?{name} {{ 0 1 2 3 4 5 6 7 8 9 }}" for name in "abcdef")
                   + f" }} LIMIT {ROW_LIMIT_PROBE_ROWS}")
PROBE_TIMEOUT_MS = 2000
_NOT_IN_BLANK_NODE_LABEL = re.compile(r"[^A-Za-z0-9_]")
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
# Lexical forms of xsd:boolean (Virtuoso writes 1 and 0) and their canonical forms, which the embedded store writes.
_CANONICAL_BOOLEANS = {"1": "true", "0": "false", "true": "true", "false": "false"}


@dataclass
class RemoteStore:
    """A snapshot's copy in a SPARQL server at `url` (its query endpoint); `snapshot` is the local original.

    `default_graph`: the named graph holding the snapshot's default graph, for a server whose own default
    graph is not what was uploaded (Virtuoso's is the union of all its graphs, its system graphs included).
    `server_max_rows`: the server's own cut of every answer (Virtuoso's ResultSetMaxRows), learned by
    `learn_row_limit`: an answer that reaches it is reported as truncated, whatever the server says.
    """

    url: str
    snapshot: Snapshot
    default_graph: str | None = None
    server_max_rows: int | None = None
    key: str = field(init=False)
    named_graphs: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.key = self.snapshot.key
        self.named_graphs = tuple(sorted(g.value for g in self.snapshot.store.named_graphs()))
        parts = urlsplit(self.url)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._connections = threading.local()

    def query(self, sparql, *, bindings=None, dataset=Dataset(), limits=QueryLimits(), base_iri=None) -> QueryResult:
        query = QueryText.of(sparql)
        # The server evaluates what it is sent, and natograph cannot confine it: any text that could call
        # SERVICE is refused here (by its letters: see `QueryText.names_service`).
        if query.names_service:
            raise QueryRefusedError(f"{SERVICE_REFUSAL} (the text names SERVICE, and the remote store would call it)")
        deadline = None if limits.timeout_ms is None else time.monotonic() + limits.timeout_ms / 1000
        body, accept = self._request(query, _frozen(bindings), base_iri, dataset)
        return self._post(body, accept, limits, deadline)

    def _request(self, query: QueryText, bindings: tuple, base_iri: str | None, dataset: Dataset) -> tuple[bytes, str]:
        """The body and Accept header of the request asking the server for a query (remembered per short text)."""
        prepare = _prepared_request if len(query.text) <= REMEMBERED_QUERY_CHARS else _prepared_request.__wrapped__
        return prepare(query, bindings, base_iri, dataset, self.default_graph, self.named_graphs)

    def _post(self, body: bytes, accept: str, limits: QueryLimits, deadline: float | None) -> QueryResult:
        """POST a query and read the answer, all of it within the time limit.

        A socket time-out bounds each read only, and a server that sends slowly would outlast it: at the deadline
        the watchdog shuts the connection down, which ends whatever read is waiting, and the query is a time-out.
        Each thread keeps its connection to the server open between queries; one the server has closed since
        is replaced once, before anything of the answer was read.
        """
        timeout = None if limits.timeout_ms is None else limits.timeout_ms / 1000
        cut = threading.Event()
        in_use: list[http.client.HTTPConnection | None] = [None]
        watched = None if deadline is None else WATCHDOG.watch(deadline, in_use, cut)
        keep = False
        try:
            for _ in range(2):
                connection, reused = self._connection(timeout)
                in_use[0] = connection
                try:
                    connection.request("POST", self._path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                                  "Accept": accept})
                    response = connection.getresponse()
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                        ConnectionAbortedError):
                    self._drop_connection()
                    if not reused or cut.is_set():
                        raise
            if response.status >= 400:
                message = response.read().decode("utf-8", "replace").strip()
                if cut.is_set():
                    raise QueryTimeoutError(limits.timeout_ms)
                keep = not response.will_close
                raise self._refusal(response.status, message, limits)
            state = response.headers.get("X-SQL-State")
            if state in SERVER_TIMEOUT_STATES:
                keep = False
                raise self._server_timeout(limits, state, response.headers.get("X-SQL-Message", ""))
            # A server needing store_default_graph is read as Virtuoso is, also behind a proxy hiding its name.
            result = read_answer(response, limits, deadline, self.server_max_rows,
                                 standard=self.default_graph is None)
            if cut.is_set():
                raise QueryTimeoutError(limits.timeout_ms)
            keep = response.isclosed() and not response.will_close
            return result
        except QueryFailedError:
            if cut.is_set():  # a cut answer can look like another fault (no headers, a wrong media type)
                raise QueryTimeoutError(limits.timeout_ms) from None
            raise
        except (SyntaxError, ValueError, KeyError, TypeError) as error:
            if cut.is_set():
                raise QueryTimeoutError(limits.timeout_ms) from None
            raise QueryFailedError(f"the SPARQL store at {self.url} sent an answer that does not parse: {error}") from None
        except (TimeoutError, socket.timeout):
            raise QueryTimeoutError(limits.timeout_ms) from None
        except (ConnectionRefusedError, socket.gaierror) as error:
            raise StoreUnavailableError(f"the SPARQL store at {self.url} cannot be reached: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            if cut.is_set():
                raise QueryTimeoutError(limits.timeout_ms) from None
            raise StoreUnavailableError(f"the SPARQL store at {self.url} broke off its answer: {error}") from None
        finally:
            if watched is not None:
                WATCHDOG.forget(watched)
            if not keep or cut.is_set():
                self._drop_connection()

    def _connection(self, timeout: float | None) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to the server, and whether it served a query before."""
        connection = getattr(self._connections, "connection", None)
        if connection is not None:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            return connection, True
        parts = urlsplit(self.url)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
        self._connections.connection = connection
        return connection, False

    def _drop_connection(self) -> None:
        connection = getattr(self._connections, "connection", None)
        self._connections.connection = None
        if connection is not None:
            connection.close()

    def check_loaded(self) -> None:
        """Raise SnapshotError unless the server's default graph has as many triples as the snapshot's."""
        expected = self.snapshot.manifest["counts"]["all"]
        try:
            found = self.count_triples(None)
        except QueryFailedError as error:
            raise SnapshotError(str(error)) from None
        if found != expected:
            raise SnapshotError(
                f"the SPARQL store at {self.url} holds {found} triples in its default graph, snapshot "
                f"{self.key} has {expected}: run `natograph upload` to load the snapshot into it"
            )

    def learn_row_limit(self) -> int | None:
        """Learn the server's row limit from the header by which it says it cut an answer (Virtuoso's
        X-SPARQL-MaxRows), asking for ROW_LIMIT_PROBE_ROWS rows of nothing; None when it cut none of them.

        Virtuoso says so for SELECT answers only: it cuts a CONSTRUCT or DESCRIBE at the same number of triples
        without a word, which natograph can then see by the number alone.
        """
        result = self.query(ROW_LIMIT_PROBE, limits=QueryLimits(timeout_ms=PROBE_TIMEOUT_MS * 5))
        self.server_max_rows = len(result.rows) if result.truncated else None
        return self.server_max_rows

    def probe(self) -> None:
        """Raise a natograph error unless the server answers a trivial query within PROBE_TIMEOUT_MS."""
        self.query(PROBE, limits=QueryLimits(timeout_ms=PROBE_TIMEOUT_MS))

    def count_triples(self, graph: str | None) -> int:
        """How many triples the server holds in a named graph of the snapshot, or (None) in its default graph."""
        dataset = Dataset() if graph is None else Dataset(default_graphs=(graph,), named_graphs=())
        return int(self.query(COUNT_DEFAULT_GRAPH, dataset=dataset).rows[0][0].value)

    def _server_timeout(self, limits: QueryLimits, state: str, reason: str, *,
                        estimated: bool = False) -> ServerTimeoutError:
        """The server stopped the query at its own time limit (whatever it sent of the answer is not all of it), or,
        `estimated`, refused it before running it, estimating it would run past that limit."""
        reason = " ".join(reason.split())[:300]
        what = ("query refused: the SPARQL store at {url} estimates it would run past" if estimated else
                "query stopped: the SPARQL store at {url} stopped it at").format(url=self.url)
        return ServerTimeoutError(limits.timeout_ms, f"{what} its own time limit ({state}"
                                  + (f": {reason}" if reason else "") + ")")

    def _refusal(self, status: int, message: str, limits: QueryLimits = QueryLimits()):
        message = server_message(message)
        virtuoso = _VIRTUOSO_ERROR.match(message)
        if virtuoso:
            state, reason = virtuoso.group(1), virtuoso.group(2).splitlines()[0]
            if state in SERVER_TIMEOUT_STATES:
                return self._server_timeout(limits, state, reason)
            if _VIRTUOSO_ESTIMATE_REFUSAL.match(reason):
                return self._server_timeout(limits, state, reason, estimated=True)
        if status == 400:
            syntax = parse_error(SyntaxError(message))
            if syntax.line == 1 and syntax.column is not None:
                syntax = type(syntax)(syntax.reason, 1, max(1, syntax.column - len(PROLOGUE)))
            return syntax
        kind = StoreUnavailableError if status in (502, 503, 504) else QueryFailedError
        return kind(f"the SPARQL store at {self.url} answered {status}: {message}")


# Where Virtuoso's error pages start repeating the query they refuse (all of it, however long).
_QUERY_ECHO = re.compile(r"\n\s*SPARQL query:\s*\n")
SERVER_MESSAGE_CHARACTERS = 500


def server_message(message: str) -> str:
    """A server's error page as natograph passes it on: without the query it echoes (Virtuoso sends it whole after
    "SPARQL query:", 60 KB for a long text), cut to SERVER_MESSAGE_CHARACTERS."""
    message = _QUERY_ECHO.split(message, maxsplit=1)[0].strip()
    return message if len(message) <= SERVER_MESSAGE_CHARACTERS else message[:SERVER_MESSAGE_CHARACTERS - 1] + "…"


class Watchdog:
    """One thread for every query's deadline: at a deadline (within WATCHDOG_TICK_SECONDS) it shuts the query's
    connection down (see `_post`).

    A thread of its own per query (threading.Timer) cost about as much as the engine's answer to a small query.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: list[list] = []  # a heap of [deadline, order, connection in use, cut, watched]
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, in_use: list, cut: threading.Event) -> list:
        """Shut the connection in `in_use[0]` down at `deadline` (monotonic seconds), setting `cut`."""
        entry = [deadline, next(self._order), in_use, cut, True]
        with self._condition:
            idle = not self._deadlines
            heapq.heappush(self._deadlines, entry)
            if self._thread is None or not self._thread.is_alive():  # not started, or this is a forked child
                self._thread = threading.Thread(target=self._run, name="natograph-remote-deadlines", daemon=True)
                self._thread.start()
            elif idle:
                self._condition.notify()
        return entry

    def forget(self, entry: list) -> None:
        """The query is over: its deadline no longer applies."""
        with self._condition:
            entry[4] = False

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._deadlines and not self._deadlines[0][4]:
                    heapq.heappop(self._deadlines)
                if not self._deadlines:
                    self._condition.wait()
                    continue
                remaining = self._deadlines[0][0] - time.monotonic()
                if remaining > 0:
                    # Woken by a new deadline only when it had none (each wake-up takes the GIL from the queries):
                    # a later query's earlier deadline is seen within a tick.
                    self._condition.wait(min(remaining, WATCHDOG_TICK_SECONDS))
                    continue
                _, _, in_use, cut, _ = heapq.heappop(self._deadlines)
                _shut_down(in_use, cut)


WATCHDOG_TICK_SECONDS = 0.05
WATCHDOG = Watchdog()


def _shut_down(in_use: list, cut: threading.Event) -> None:
    """End the pending and future reads of the connection in use (the query's time is up)."""
    cut.set()
    sock = in_use[0].sock if in_use[0] is not None else None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# Requests of texts up to this long are remembered (at most 1024 of them): repeated texts (canned queries,
# pages, a user's query run again) skip the parse, the tokenizer and the encoding.
REMEMBERED_QUERY_CHARS = 8192


@functools.lru_cache(maxsize=1024)
def _prepared_request(query: QueryText, bindings: tuple, base_iri: str | None, dataset: Dataset,
                      default_graph: str | None, named_graphs: tuple[str, ...]) -> tuple[bytes, str]:
    """The body and Accept header of a query's request: the text checked by Oxigraph's parser (a malformed query is
    refused here, as on the embedded store), booleans typed, values bound, natograph's prefixes declared, the
    dataset explicit."""
    form = query_form(query, base_iri)
    insertions = boolean_casts(query.tokens)
    if default_graph is not None:  # a server read as Virtuoso is (see `read_answer`)
        insertions += inclusive_comparisons(query.tokens)
    if bindings:
        insertions.append((query.where_offset, values_block(dict(bindings))))
    text = _inserted(query.text, insertions)
    # BASE on the prologue's line, so that the query's own lines keep their numbers in error messages.
    base = f"BASE <{base_iri}> " if base_iri else ""
    # A VALUES block of terms adds no keyword but VALUES: the query's own keywords choose the pragma and dataset.
    pragma = VIRTUOSO_CBD if default_graph is not None and "DESCRIBE" in query.keywords else ""
    parameters = [("query", pragma + base + PROLOGUE + text)]
    default_graphs, named_graphs = explicit_dataset(query.keywords, dataset, default_graph, named_graphs)
    parameters += [("default-graph-uri", iri) for iri in default_graphs]
    parameters += [("named-graph-uri", iri) for iri in named_graphs]
    return urlencode(parameters).encode("utf-8"), N_TRIPLES if form is GraphResult else RESULTS_JSON


def _frozen(bindings: dict | None) -> tuple:
    """Bindings as a key of the request memo: (name, term or tuple of terms) pairs, in the caller's order."""
    if not bindings:
        return ()
    return tuple((name, tuple(value) if isinstance(value, (list, tuple)) else value) for name, value in bindings.items())


def _inserted(text: str, insertions: list[tuple]) -> str:
    """`text` with each (offset, string) inserted, or (offset, string, n) put in place of the n characters there;
    strings at one offset appear in the order given."""
    for _, (offset, inserted, *replaced) in sorted(enumerate(insertions), key=lambda item: (item[1][0], item[0]),
                                                  reverse=True):
        text = text[:offset] + inserted + text[offset + (replaced[0] if replaced else 0):]
    return text


# The graphs whose union is a snapshot's default graph (the snapshot also stores it as one graph); provenance
# since natograph records it.
DEFAULT_GRAPH_PARTS = (ASSERTED_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH)


# Virtuoso describes a resource by its triples in and out, and follows no blank node; the embedded store gives the
# concise bounded description (its triples, and those of the blank nodes they reach), which Virtuoso gives in this
# mode. Asked of the servers that need `store_default_graph`, Virtuoso being the one natograph knows of.
VIRTUOSO_CBD = 'DEFINE sql:describe-mode "CBD" '


def explicit_dataset(keywords: set[str], dataset: Dataset, default_graph: str | None,
                     named_graphs: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The graphs to name in `default-graph-uri` and `named-graph-uri`: the embedded store's dataset, explicit.

    `default_graph` is the named graph holding the snapshot's default graph on a server without one of its own
    (None: the server's), `named_graphs` the snapshot's; `keywords` are the query's words, upper-case. A query
    reading named graphs (GRAPH) is given the snapshot's, never all of the server's (a publish's staging graphs,
    another dataset's); naming them means naming the default graph too, which would be empty otherwise.
    """
    if dataset.default_graphs is None and dataset.named_graphs is None and "FROM" in keywords:
        # The query names its own dataset (FROM, FROM NAMED), which the protocol's parameters would replace.
        return (), ()
    named = dataset.named_graphs if dataset.named_graphs is not None else named_graphs
    if "GRAPH" not in keywords:
        # Named graphs change nothing for a query without the GRAPH keyword, except Virtuoso's DESCRIBE, which
        # describes from them too (the asserted triples again in a description of the inferred graph).
        named = ()
    if dataset.default_graphs is not None:
        return dataset.default_graphs, named
    if default_graph is not None:
        return (default_graph,), named
    if named:
        # The graphs whose union is the snapshot's default graph, as the server holds them.
        return tuple(g for g in named_graphs if g in DEFAULT_GRAPH_PARTS), named
    return (), ()


def read_answer(response, limits: QueryLimits, deadline: float | None, server_max_rows: int | None = None, *,
                standard: bool = True) -> QueryResult:
    """A SPARQL results or N-Triples response as a result object, read only as far as the row limit.

    An answer with as many rows or triples as the server's own limit (`server_max_rows`) may have been cut
    there, and is reported as truncated. SPARQL JSON is read by Oxigraph's parser unless `standard` is false or
    the server names itself as one writing forms of its own (see `read_results`).
    """
    media_type = response.headers.get_content_type()
    server_cut = response.headers.get(SERVER_ROW_LIMIT_HEADER) is not None
    if media_type == RESULTS_JSON:
        result = read_results(response.read(), limits, deadline, standard=standard and not _writes_own_json(response))
        reached = server_max_rows is not None and isinstance(result, SelectResult) and \
            len(result.rows) >= server_max_rows
        result.truncated = result.truncated or server_cut or reached
        return result
    if media_type == N_TRIPLES:
        triples, truncated = [], False
        for index, quad in enumerate(ox.parse(response, format=ox.RdfFormat.N_TRIPLES)):
            if deadline is not None and index % 256 == 0 and time.monotonic() > deadline:
                raise QueryTimeoutError(limits.timeout_ms)
            if limits.max_rows is not None and len(triples) >= limits.max_rows:
                truncated = True
                break
            triples.append(quad.triple)
        reached = server_max_rows is not None and len(triples) >= server_max_rows
        return GraphResult(triples, truncated or server_cut or reached)
    raise QueryFailedError(f"the SPARQL store answered in {media_type}, which natograph does not read")


# Engines whose SPARQL JSON has forms of their own (see `term_from_json`), by the product in their Server header.
OWN_JSON_SERVERS = ("virtuoso",)


def _writes_own_json(response) -> bool:
    return response.headers.get("Server", "").lower().startswith(OWN_JSON_SERVERS)


def read_results(body: bytes, limits: QueryLimits, deadline: float | None, *, standard: bool = True) -> QueryResult:
    """SPARQL JSON results as a result object: read by Oxigraph's parser when the engine writes the standard's
    forms (about a third faster than reading them in Python from a few dozen rows on), else, or if that parser
    refuses them, by `read_results_json`. A boolean written 1 or 0 is the standard's JSON all the same: only
    the caller can say that an engine writes them so (`standard=False`).
    """
    if standard:
        try:
            return read_standard_results(body, limits, deadline)
        except SyntaxError:
            pass
    return read_results_json(json.loads(body), limits, deadline)


def read_standard_results(body: bytes, limits: QueryLimits, deadline: float | None) -> QueryResult:
    """SPARQL JSON results in the standard's forms, read by Oxigraph's parser (SyntaxError for any other form)."""
    return collect(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON), limits, deadline)


def read_results_json(answer: dict, limits: QueryLimits, deadline: float | None) -> QueryResult:
    """SPARQL results in JSON as a result object, whichever of the forms engines write a term in."""
    if "boolean" in answer:
        return AskResult(bool(answer["boolean"]))
    variables = list(answer["head"].get("vars", []))
    rows, truncated = [], False
    for index, binding in enumerate(answer["results"]["bindings"]):
        if deadline is not None and index % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeoutError(limits.timeout_ms)
        if limits.max_rows is not None and len(rows) >= limits.max_rows:
            truncated = True
            break
        rows.append([term_from_json(binding[name]) if name in binding else None for name in variables])
    return SelectResult(variables, rows, truncated)


def term_from_json(value: dict):
    """One RDF term of SPARQL JSON results: the standard's forms, and Virtuoso's `typed-literal`, JSON numbers
    as values and `nodeID://…` blank nodes."""
    kind, text = value["type"], value["value"]
    text = text if isinstance(text, str) else json.dumps(text)
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(_NOT_IN_BLANK_NODE_LABEL.sub("_", text) or "b")
    if kind in ("literal", "typed-literal"):
        language = value.get("xml:lang") or value.get("lang")
        if language:
            return ox.Literal(text, language=language)
        datatype = value.get("datatype")
        if datatype == XSD_BOOLEAN:
            text = _CANONICAL_BOOLEANS.get(text.strip(), text)
        return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)
    raise ValueError(f"a term of type {kind!r}")


# Functions whose value is an xsd:boolean (SPARQL 1.1, 17.4), as the tokenizer reads their names.
BOOLEAN_FUNCTIONS = {"BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "SAMETERM",
                     "LANGMATCHES", "CONTAINS", "STRSTARTS", "STRENDS", "XSD:BOOLEAN", f"<{XSD_BOOLEAN}>"}
_RELATIONAL_OR_LOGICAL = {"=", "<", ">", "&", "|"}
_ARITHMETIC = {"+", "-", "*", "/"}


def boolean_casts(tokens: list[Token]) -> list[tuple[int, str]]:
    """Where to insert text (offset, text) to cast each projected or bound expression of boolean type to xsd:boolean.

    Virtuoso gives the integers 1 and 0 for every boolean expression in a SELECT or BIND (comparisons, `&&`,
    `||`, `!`, IN, EXISTS, BOUND, isIRI, REGEX, CONTAINS…, even the constant `true`), but an xsd:boolean for a
    cast. The cast changes nothing in SPARQL's semantics; `read_results_json` makes its lexical form canonical.
    Each `( expression AS ?v )` is read: of BIND, of a SELECT clause, of GROUP BY, at any depth.
    """
    levels = [level for _, _, level in bracket_levels(tokens)]
    insertions: list[tuple[int, str]] = []
    for index, token in enumerate(tokens[:-2]):
        if not (token.kind is TokenKind.WORD and token.text.upper() == "AS" and tokens[index + 1].kind is
                TokenKind.VARIABLE and tokens[index + 2].text == ")"):
            continue
        # The bracket enclosing AS: the last one opened before it at the level outside it.
        opening = next((position for position in range(index - 1, -1, -1)
                        if levels[position] == levels[index] - 1 and tokens[position].text in OPENING_BRACKETS), None)
        if opening is not None and tokens[opening].text == "(" and opening < index - 1 \
                and is_boolean_expression(tokens[opening + 1:index]):
            insertions += [(tokens[opening].offset + 1, f"<{XSD_BOOLEAN}>("), (token.offset, ") ")]
    return insertions


def inclusive_comparisons(tokens: list[Token]) -> list[tuple[int, str, int]]:
    """Edits (offset, text to insert, characters replaced there) writing each `a <= b` as `!(a > b)` and each
    `a >= b` as `!(a < b)`, where both sides are terms and the comparison stands alone between brackets, commas,
    `&&`, `||` or AS.

    Virtuoso 7.2 answers an inclusive bound it reads from its column-wise index wrongly: `?d <= "2010-06-01"^^xsd:date`
    counted 0 dates of 35 (README, "Found, and translated"); it reads the index when the bound is a term (a
    constant, or a variable bound elsewhere, as a canned query's parameters are). `!(a > b)` has the same value,
    and the same error, as `a <= b` on every pair of terms, and Virtuoso answers it rightly (so it does `a <
    b`, `a > b` and `a >= b` with the variable first, which it was seen to read rightly too, but not after every
    rewrite one could think of: COALESCE around a variable made it compare xsd:gYear values wrongly). A comparison
    with another operand (a call, brackets, arithmetic, a negation binding more tightly) is sent as written.
    """
    spans = _term_spans(tokens)
    starts = {end: start for start, end in spans.items()}
    edits: list[tuple[int, str, int]] = []
    for index in range(1, len(tokens) - 2):
        first, second = tokens[index], tokens[index + 1]
        if not (first.kind is TokenKind.PUNCT and first.text in "<>" and second.kind is TokenKind.PUNCT
                and second.text == "=" and second.offset == first.offset + 1):
            continue
        start, end = starts.get(index - 1), spans.get(index + 2)
        if start is None or end is None or not _stands_alone(tokens, start, end):
            continue
        edits += [(tokens[start].offset, "!(", 0), (first.offset, ">" if first.text == "<" else "<", 2),
                  (tokens[end].offset + len(tokens[end].text), ")", 0)]
    return edits


def _stands_alone(tokens: list[Token], start: int, end: int) -> bool:
    """Whether the tokens start..end are a whole operand of a bracket, a comma, `&&`, `||` or AS (every operator
    binding more loosely than a comparison), on both sides."""
    before = tokens[start - 1] if start >= 1 else None
    after = tokens[end + 1] if end + 1 < len(tokens) else None
    if before is None or after is None:
        return False
    loose_before = before.text in ("(", ",") or (
        before.text in ("&", "|") and start >= 2 and tokens[start - 2].text == before.text
        and tokens[start - 2].offset + 1 == before.offset)
    loose_after = after.text in (")", ",") or (after.kind is TokenKind.WORD and after.text.upper() == "AS") or (
        after.text in ("&", "|") and end + 2 < len(tokens) and tokens[end + 2].text == after.text
        and after.offset + 1 == tokens[end + 2].offset)
    return loose_before and loose_after


def _term_spans(tokens: list[Token]) -> dict[int, int]:
    """The first and last index of each term among the tokens: a variable; a string with its language or its
    `^^` datatype; an IRI, a number, true or false, or a prefixed name, unless it is a function's name (followed
    by `(`)."""
    spans: dict[int, int] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        end = None
        if token.kind is TokenKind.VARIABLE:
            end = index
        elif token.kind is TokenKind.STRING:
            end = index
            if following is not None and following.kind is TokenKind.LANGTAG:
                end = index + 1
            elif following is not None and following.text == "^" and index + 3 < len(tokens) \
                    and tokens[index + 2].text == "^":
                end = index + 3
        elif (token.kind is TokenKind.IRI or _is_term_word(token)) and not (following and following.text == "("):
            end = index
        if end is not None:
            spans[index] = end
        index = index if end is None else end
        index += 1
    return spans


def _is_term_word(token: Token) -> bool:
    # A number, true or false, or a prefixed name: not a keyword such as NOT or IN (which cannot stand there).
    text = token.text
    return token.kind is TokenKind.WORD and (text[0] in "0123456789+-." or ":" in text
                                             or text.lower() in ("true", "false"))


def strict_comparisons(sparql: str | QueryText) -> str:
    """The query with each inclusive comparison of two terms standing alone negated strict (see
    `inclusive_comparisons`), as it is sent to a server read as Virtuoso is."""
    query = QueryText.of(sparql)
    return _inserted(query.text, inclusive_comparisons(query.tokens))


def typed_booleans(sparql: str | QueryText) -> str:
    """The query with each projected or bound expression of boolean type cast to xsd:boolean (see `boolean_casts`)."""
    query = QueryText.of(sparql)
    return _inserted(query.text, boolean_casts(query.tokens))


def is_boolean_expression(tokens: list[Token]) -> bool:
    """Whether an expression (its tokens) is of type xsd:boolean, by the grammar's operator precedence."""
    if not tokens:
        return False
    # The tokens outside every bracket, the outermost brackets among them.
    top = [token for _, token, level in bracket_levels(tokens) if level == 0]
    texts = [token.text.upper() for token in top if token.kind in (TokenKind.PUNCT, TokenKind.WORD)]
    if any(text in _RELATIONAL_OR_LOGICAL or text == "IN" for text in texts):
        return True  # `||`, `&&`, comparisons and IN bind less tightly than anything else
    if any(text in _ARITHMETIC for text in texts[1:]) or (texts and texts[0] in ("+", "-")):
        return False
    first = tokens[0]
    if first.kind is TokenKind.PUNCT and first.text == "!":
        return True
    if first.kind is TokenKind.PUNCT and first.text == "(" and len(top) == 2:
        return is_boolean_expression(tokens[1:-1])
    word = first.text.upper()
    if len(tokens) == 1:
        return first.kind is TokenKind.WORD and word in ("TRUE", "FALSE")
    if first.kind is TokenKind.STRING:
        return len(tokens) == 4 and tokens[1].text == tokens[2].text == "^" and tokens[3].text.upper() in (
            "XSD:BOOLEAN", f"<{XSD_BOOLEAN}>")
    if word in ("EXISTS", "NOT") and len(top) <= 4:
        return True
    if len(top) != 3 or tokens[1].text != "(":
        return False
    if word in BOOLEAN_FUNCTIONS:
        return True
    arguments = [tokens[begin:end] for begin, end in argument_ranges(tokens, 2, len(tokens) - 1)]
    if word == "IF" and len(arguments) == 3:
        return is_boolean_expression(arguments[1]) and is_boolean_expression(arguments[2])
    if word == "COALESCE":
        return bool(arguments) and all(is_boolean_expression(argument) for argument in arguments)
    if word in ("SAMPLE", "MIN", "MAX") and len(arguments) == 1:
        argument = arguments[0]
        distinct = bool(argument) and argument[0].kind is TokenKind.WORD and argument[0].text.upper() == "DISTINCT"
        return is_boolean_expression(argument[1:] if distinct else argument)
    return False


def query_form(query: QueryText, base_iri: str | None = None) -> type:
    """Which result a query gives (SelectResult, AskResult or GraphResult): its keyword, once Oxigraph's parser has
    read the text (so that a malformed query is reported as on the embedded store, whichever the engine).

    Only parsed, never run here: this is the server's process, where nothing limits a query's time (see
    `sparql.engine.check_parses`).
    """
    try:
        check_parses(query, base_iri)
    except SyntaxError as exc:
        if query.is_update:
            raise QueryRefusedError(UPDATE_REFUSAL) from None
        raise parse_error(exc) from None
    form = query.form
    return GraphResult if form.gives_graph else AskResult if form is QueryForm.ASK else SelectResult


def open_remote_store(url: str, snapshot: Snapshot, default_graph: str | None = None) -> RemoteStore:
    """A RemoteStore for the server at `url`, after checking that it holds the snapshot and learning its row limit."""
    if not url:
        raise ConfigError("store = remote needs store_url: the SPARQL query endpoint of the server holding the graph")
    store = RemoteStore(url, snapshot, default_graph or None)
    store.check_loaded()
    store.learn_row_limit()
    return store
