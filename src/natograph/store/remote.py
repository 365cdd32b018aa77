"""The remote store: a snapshot's copy in any SPARQL 1.1 server, queried over the SPARQL 1.1 Protocol.

`natograph upload` puts the snapshot into the server with the Graph Store Protocol (`PUT ?default` and
`PUT ?graph=…`, N-Triples), the same graphs the embedded store has; `RemoteStore.query` then sends each
query, with natograph's prefixes declared and parameters bound in a VALUES block as in the embedded
store, and reads the answer back into the same result objects.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox

from ..errors import ConfigError, QueryFailedError, QueryRefusedError, QueryTimeoutError, SnapshotError
from ..snapshot import Snapshot
from ..sparql.text import bind_values
from ..vocab import PREFIXES
from .base import SERVICE_REFUSAL, Dataset, GraphResult, QueryLimits, QueryResult, collect, mentions_service, parse_error

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
# On one line, so that the query's own lines keep their numbers in the server's error messages.
PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}> " for prefix, iri in PREFIXES.items())
UPLOAD_TIMEOUT_SECONDS = 600
COUNT_DEFAULT_GRAPH = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"


@dataclass
class RemoteStore:
    """A snapshot's copy in a SPARQL server at `url` (its query endpoint); `snapshot` is the local original."""

    url: str
    snapshot: Snapshot
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.snapshot.key

    def query(self, sparql, *, bindings=None, dataset=Dataset(), limits=QueryLimits(), base_iri=None) -> QueryResult:
        # The server evaluates what it is sent, and natograph cannot confine it: any text that could call
        # SERVICE is refused here (see `mentions_service`: it needs no reading of the grammar).
        if mentions_service(sparql):
            raise QueryRefusedError(f"{SERVICE_REFUSAL} (the text names SERVICE, and the remote store would call it)")
        deadline = None if limits.timeout_ms is None else time.monotonic() + limits.timeout_ms / 1000
        if bindings:
            sparql = bind_values(sparql, bindings)
        # BASE on the prologue's line, so that the query's own lines keep their numbers in error messages.
        base = f"BASE <{base_iri}> " if base_iri else ""
        parameters = [("query", base + PROLOGUE + sparql)]
        parameters += [("default-graph-uri", iri) for iri in dataset.default_graphs or ()]
        parameters += [("named-graph-uri", iri) for iri in dataset.named_graphs or ()]
        request = urllib.request.Request(
            self.url, data=urlencode(parameters).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT},
        )
        timeout = None if limits.timeout_ms is None else limits.timeout_ms / 1000
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return read_answer(response, limits, deadline)
        except SyntaxError as error:
            raise QueryFailedError(f"the SPARQL store at {self.url} sent an answer that does not parse: {error}") from None
        except urllib.error.HTTPError as error:
            raise self._refusal(error) from None
        except (TimeoutError, socket.timeout):
            raise QueryTimeoutError(limits.timeout_ms) from None
        except urllib.error.URLError as error:
            raise QueryFailedError(f"the SPARQL store at {self.url} cannot be reached: {error.reason}") from None

    def check_loaded(self) -> None:
        """Raise SnapshotError unless the server's default graph has as many triples as the snapshot's."""
        expected = self.snapshot.manifest["counts"]["all"]
        try:
            found = int(self.query(COUNT_DEFAULT_GRAPH).rows[0][0].value)
        except QueryFailedError as error:
            raise SnapshotError(str(error)) from None
        if found != expected:
            raise SnapshotError(
                f"the SPARQL store at {self.url} holds {found} triples in its default graph, snapshot "
                f"{self.key} has {expected}: run `natograph upload` to load the snapshot into it"
            )

    def _refusal(self, error: urllib.error.HTTPError):
        message = error.read().decode("utf-8", "replace").strip()
        if error.code == 400:
            syntax = parse_error(SyntaxError(message))
            if syntax.line == 1 and syntax.column is not None:
                syntax = type(syntax)(syntax.reason, 1, max(1, syntax.column - len(PROLOGUE)))
            return syntax
        return QueryFailedError(f"the SPARQL store at {self.url} answered {error.code}: {message[:500]}")


def read_answer(response, limits: QueryLimits, deadline: float | None) -> QueryResult:
    """A SPARQL results or N-Triples response as a result object, read only as far as the row limit."""
    media_type = response.headers.get_content_type()
    if media_type == RESULTS_JSON:
        return collect(ox.parse_query_results(response, format=ox.QueryResultsFormat.JSON), limits, deadline)
    if media_type == N_TRIPLES:
        triples, truncated = [], False
        for index, quad in enumerate(ox.parse(response, format=ox.RdfFormat.N_TRIPLES)):
            if deadline is not None and index % 256 == 0 and time.monotonic() > deadline:
                raise QueryTimeoutError(limits.timeout_ms)
            if limits.max_rows is not None and len(triples) >= limits.max_rows:
                truncated = True
                break
            triples.append(quad.triple)
        return GraphResult(triples, truncated)
    raise QueryFailedError(f"the SPARQL store answered in {media_type}, which natograph does not read")


def open_remote_store(url: str, snapshot: Snapshot) -> RemoteStore:
    """A RemoteStore for the server at `url`, after checking that it holds the snapshot."""
    if not url:
        raise ConfigError("store = remote needs store_url: the SPARQL query endpoint of the server holding the graph")
    store = RemoteStore(url, snapshot)
    store.check_loaded()
    return store


def upload_snapshot(snapshot: Snapshot, data_url: str) -> dict[str, int]:
    """Replace the server's graphs with the snapshot's (Graph Store Protocol PUTs); returns triples per graph."""
    if not data_url:
        raise ConfigError("upload needs store_data_url: the server's Graph Store Protocol endpoint")
    graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph(), *sorted(snapshot.store.named_graphs(),
                                                                                  key=lambda g: g.value)]
    uploaded = {}
    for graph in graphs:
        triples = [quad.triple for quad in snapshot.store.quads_for_pattern(None, None, None, graph)]
        target = "default" if isinstance(graph, ox.DefaultGraph) else urlencode({"graph": graph.value})
        separator = "&" if "?" in data_url else "?"
        request = urllib.request.Request(
            f"{data_url}{separator}{target}", method="PUT", headers={"Content-Type": N_TRIPLES},
            data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
        )
        try:
            with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS):
                pass
        except urllib.error.HTTPError as error:
            reason = error.read().decode("utf-8", "replace").strip()[:500]
            raise QueryFailedError(f"{data_url} refused graph {target}: {error.code} {reason}") from None
        except urllib.error.URLError as error:
            raise QueryFailedError(f"the SPARQL store at {data_url} cannot be reached: {error.reason}") from None
        uploaded["default" if isinstance(graph, ox.DefaultGraph) else graph.value] = len(triples)
    return uploaded
