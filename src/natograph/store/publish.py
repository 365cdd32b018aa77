"""Publishing a snapshot to a SPARQL server, for the remote store to query (`natograph upload`).

The snapshot's graphs go to the server with the Graph Store Protocol (`PUT ?default` and `PUT ?graph=…`,
N-Triples, in chunks), the same graphs the embedded store has; with an update endpoint they go into staging
graphs first, are counted there, and are switched in by one SPARQL Update (`publish_staged`). On Oxigraph
server the staging graphs go to its bulk loader instead (N-Quads, `no_transaction`), and the switch writes only
the triples that change (`difference_switch_update`): its updates are transactions held in memory. Credentials
answer the server's Basic or Digest challenge. Serving never imports this module: only the command line does.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pyoxigraph as ox

from ..errors import ConfigError, QueryFailedError, SnapshotError
from ..snapshot import Snapshot
from ..sparql import read_query
from ..sparql.text import QueryText, values_block
from .remote import (COUNT_DEFAULT_GRAPH, N_TRIPLES, RESULTS_JSON, SERVER_ROW_LIMIT_HEADER, SERVER_TIMEOUT_STATES,
                     RemoteStore, server_message)

N_QUADS = "application/n-quads"

UPLOAD_TIMEOUT_SECONDS = 600
UPLOAD_CHUNK_TRIPLES = 50_000


# Triples a step of removing a staging graph from Oxigraph server deletes (one transaction, held in its memory).
REMOVAL_STEP_TRIPLES = 200_000


def upload_snapshot(snapshot: Snapshot, data_url: str, *, query_url: str = "", update_url: str = "",
                    default_graph: str | None = None, user: str | None = None, password: str | None = None,
                    progress=None, chunk_triples: int = UPLOAD_CHUNK_TRIPLES, bulk: bool | None = None,
                    note=None) -> dict[str, int]:
    """Replace the server's graphs with the snapshot's (Graph Store Protocol); returns triples per graph.

    Each graph goes in requests of about `chunk_triples` triples: a PUT of the first, which replaces what the
    graph held (so publishing again never duplicates), then a POST of each other, which adds to it; a blank
    node's triples all go in one request (its label means one node within one request only).
    `default_graph` names the graph that receives the snapshot's default graph where the server has no writable
    default graph of its own (Virtuoso). `user` and `password` answer the server's Basic or Digest challenge.
    With `query_url`, the triples of every graph are counted on the server afterwards (in one query), and a
    difference is an error. `progress(graph, sent, total)` is called after each request.

    With `update_url` (the server's SPARQL Update endpoint; `query_url` is then needed too) the publish is atomic
    (`publish_staged`): the graphs go into staging graphs, are counted there, and replace the served ones in one
    update request; without it, the served graphs are replaced one request after the other (and, with
    `query_url`, natograph's graphs the snapshot no longer has are removed after them). `bulk` (None: when the
    server says it is Oxigraph server) sends the staging graphs to `data_url` as a dataset for the server's bulk
    loader, Oxigraph server's `POST /store?no_transaction`, and switches in only the triples that change. When
    the server serves nothing of natograph's, the graphs are loaded straight into place (`publish_staged`), and
    `note(sentence)` is told so.
    """
    if not data_url:
        raise ConfigError("upload needs store_data_url: the server's Graph Store Protocol endpoint")
    if chunk_triples < 1:
        raise ConfigError(f"the upload's chunk size must be at least 1 triple, not {chunk_triples}")
    if update_url and not query_url:
        raise ConfigError("an atomic upload (store_update_url) needs store_url, to count the staged graphs")
    if bulk and not update_url:
        raise ConfigError("a bulk load goes into staging graphs switched in by one update: it needs store_update_url")
    authorize = _authorizer(data_url, user, password)
    graphs = snapshot_graphs(snapshot, default_graph)
    if update_url:
        oxigraph = is_oxigraph_server(data_url)
        if bulk and not oxigraph:
            raise ConfigError(f"{data_url} does not say it is Oxigraph server (its Server header): natograph's bulk "
                              "load is Oxigraph server's /store with no_transaction; publish without --bulk")
        bulk = oxigraph if bulk is None else bulk
        return publish_staged(snapshot, graphs, data_url, authorize, query_url, update_url, default_graph,
                              _authorizer(update_url, user, password), progress, chunk_triples, bulk, note)
    _load(graphs, [graph.name for graph in graphs], data_url, authorize, progress, chunk_triples, bulk=False)
    uploaded = {graph.key: graph.triples for graph in graphs}
    if query_url:
        # Last, so that no graph the served snapshot needs is missing while the upload runs.
        published = {graph.name for graph in graphs}
        for name in natograph_graphs_on(query_url):
            if name not in published:
                _delete_graph(name, data_url, authorize)
        verify_upload(RemoteStore(query_url, snapshot, default_graph), uploaded)
    return uploaded


def is_oxigraph_server(url: str) -> bool:
    """Whether the server at `url` says it is Oxigraph server (its Server header), asked with a HEAD request."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as response:
            server = response.headers.get("Server", "")
    except urllib.error.HTTPError as error:
        server = error.headers.get("Server", "")
    except urllib.error.URLError as error:
        raise QueryFailedError(f"the SPARQL store at {url} cannot be reached: {error.reason}") from None
    return server.lower().startswith("oxigraph")


def _delete_graph(name: str, data_url: str, authorize) -> None:
    """Remove a graph of the server (Graph Store Protocol DELETE): an earlier snapshot's, a killed publish's staging."""
    separator = "&" if "?" in data_url else "?"
    request = urllib.request.Request(f"{data_url}{separator}{urlencode({'graph': name})}", method="DELETE")
    _send(request, authorize, data_url, f"the removal of graph {name}")


class SnapshotGraph:
    """One graph of the snapshot to publish: `key` ("default" or the graph's IRI), `name` (the server's graph, None
    for its default graph), its `triples` count; `chunks(size)` reads its triples from the snapshot, a request's
    worth at a time."""

    def __init__(self, snapshot: Snapshot, key: str, name: str | None, graph):
        self.snapshot, self.key, self.name, self.graph = snapshot, key, name, graph
        self.triples = int(next(iter(snapshot.store.query(COUNT_DEFAULT_GRAPH, default_graph=graph)))[0].value)
        self.label = name or "the default graph"

    def _triples(self) -> Iterator[ox.Triple]:
        return (quad.triple for quad in self.snapshot.store.quads_for_pattern(None, None, None, self.graph))

    def chunks(self, size: int) -> Iterator[list[ox.Triple]]:
        return stream_chunks(self._triples(), size)


def snapshot_graphs(snapshot: Snapshot, default_graph: str | None) -> list[SnapshotGraph]:
    """The snapshot's graphs to publish, the default graph first."""
    graphs = [SnapshotGraph(snapshot, "default", default_graph, ox.DefaultGraph())]
    for graph in sorted(snapshot.store.named_graphs(), key=lambda g: g.value):
        graphs.append(SnapshotGraph(snapshot, graph.value, graph.value, graph))
    return graphs


def _put_graph(graph: SnapshotGraph, name: str | None, data_url: str, authorize, progress, chunk_triples: int) -> None:
    """Replace the server's graph `name` (None: its default graph) with the graph's triples, in chunks."""
    target = urlencode({"graph": name}) if name else "default"
    separator = "&" if "?" in data_url else "?"
    sent = 0
    for index, chunk in enumerate(graph.chunks(chunk_triples)):
        request = urllib.request.Request(
            f"{data_url}{separator}{target}", method="PUT" if index == 0 else "POST",
            headers={"Content-Type": N_TRIPLES}, data=ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES),
        )
        _send_upload(request, authorize, data_url, graph.label)
        sent += len(chunk)
        if progress is not None:
            progress(graph.label, sent, graph.triples)


def _load(graphs: list[SnapshotGraph], names: list[str | None], data_url: str, authorize, progress, chunk_triples: int,
          *, bulk: bool) -> None:
    """Put each graph's triples into the server's graph of the same place in `names` (None: its default graph):
    through Oxigraph server's bulk loader (`_bulk_load`, which adds), or graph by graph with the Graph Store
    Protocol (`_put_graph`, which replaces)."""
    if bulk:
        _bulk_load(graphs, names, data_url, authorize, progress, chunk_triples)
    else:
        for graph, name in zip(graphs, names):
            _put_graph(graph, name, data_url, authorize, progress, chunk_triples)


def _bulk_load(graphs: list[SnapshotGraph], names: list[str | None], data_url: str, authorize, progress,
               chunk_triples: int) -> None:
    """Add each graph's triples to the server's graph of the same place in `names` (None: its default graph)
    through Oxigraph server's bulk loader: N-Quads POSTed to its dataset endpoint with `no_transaction` (no
    transaction held in its memory; a request broken off may leave part of its triples, which the staged graphs'
    counts then show) and `lenient` (natograph wrote them). A request holds about `chunk_triples` quads of one
    graph or more (the loader's work per request is the same for one quad or thousands, and a snapshot has a
    statement graph per source line). The next request is read from the snapshot while the server loads one."""
    separator = "&" if "?" in data_url else "?"
    url = f"{data_url}{separator}no_transaction&lenient"
    sent = {graph.label: 0 for graph in graphs}
    pending: list[tuple[SnapshotGraph, bytes, list[ox.Triple]]] = []
    in_flight = None

    def send(body: bytes, pieces: list[tuple[SnapshotGraph, int]]) -> None:
        request = urllib.request.Request(url, method="POST", headers={"Content-Type": N_QUADS}, data=body)
        _send_upload(request, authorize, data_url, " and ".join(dict.fromkeys(graph.label for graph, _ in pieces)))
        for graph, triples in pieces:
            sent[graph.label] += triples
            if progress is not None:
                progress(graph.label, sent[graph.label], graph.triples)

    def flush(pool: ThreadPoolExecutor) -> None:
        nonlocal in_flight
        # N-Triples lines, each ended by " .\n" (a literal's line break is escaped), become N-Quads of the graph.
        body = b"".join(ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).replace(b" .\n", ending)
                        for _, ending, chunk in pending)
        pieces = [(graph, len(chunk)) for graph, _, chunk in pending]
        pending.clear()
        if in_flight is not None:
            in_flight.result()
        in_flight = pool.submit(send, body, pieces)

    with ThreadPoolExecutor(max_workers=1) as pool:
        for graph, name in zip(graphs, names):
            ending = b" .\n" if name is None else f" {ox.NamedNode(name)} .\n".encode("utf-8")
            for chunk in graph.chunks(chunk_triples):
                if pending and sum(len(part) for _, _, part in pending) + len(chunk) > chunk_triples:
                    flush(pool)
                pending.append((graph, ending, chunk))
        if pending:
            flush(pool)
        if in_flight is not None:
            in_flight.result()


# Where an atomic publish puts each graph until it is counted and switched in: this prefix and a digest of the
# served graph's name (the server's default graph: `default`). Nothing else is named so.
STAGING_GRAPH_PREFIX = "https://w3id.org/natograph/graph/staging/"
# Every graph natograph names (its graphs, statement graphs and staging graphs) starts so (publish-graph-counts.rq
# lists the graphs of this namespace on the server): an atomic publish
# removes those on the server that the snapshot does not have (an earlier snapshot's, a killed publish's staging).
NATOGRAPH_NAMESPACE = "https://w3id.org/natograph/"


# The SQL state of a transaction rolled back as a deadlock's victim, and how often the switch is tried.
SERIALIZATION_FAILURE = "40001"
SWITCH_ATTEMPTS = 5
# Virtuoso's SQL states of a transaction stopped at its limits: its log's size (TransactionAfterImageLimit, 40005), its
# time (MaxQueryExecutionTime). The switch is then rolled back whole; what the publisher can do about it:
TRANSACTION_LIMIT_STATES = ("40005", *SERVER_TIMEOUT_STATES)
SWITCH_TOO_LARGE = ("The switch is one transaction holding every graph's triples, and the server stopped it at its "
                    "limit on a transaction's size or time (Virtuoso: TransactionAfterImageLimit, "
                    "MaxQueryExecutionTime); it was rolled back, and the server serves what it served. Raise the "
                    "limit while publishing, or publish graph by graph (without an update URL) to a server that "
                    "is not serving")


def staging_graph(name: str | None) -> str:
    """The staging graph of the server's graph `name` (None: its default graph)."""
    return STAGING_GRAPH_PREFIX + ("default" if name is None else hashlib.sha256(name.encode("utf-8")).hexdigest()[:32])


def publish_staged(snapshot: Snapshot, graphs: list[SnapshotGraph], data_url: str, authorize, query_url: str,
                   update_url: str, default_graph: str | None, authorize_update, progress, chunk_triples: int,
                   bulk: bool = False, note=None) -> dict[str, int]:
    """Publish atomically: staging graphs left by an earlier publish removed, each graph uploaded into its staging
    graph, all counted there (one query), then one SPARQL Update request replacing every served graph by its
    staging graph and removing natograph's graphs that the snapshot no longer has, and the served graphs counted.
    On any failure before the switch the staging graphs are removed and the served graphs are as they were; a
    publish killed meanwhile leaves its staging graphs, which the next one removes.

    Graph Store Protocol (`bulk` false): the switch copies each staging graph (`switch_update`). Bulk (Oxigraph
    server): the staging graphs go to its bulk loader, the switch deletes and inserts only the triples that differ
    (`difference_switch_update`), and the staging graphs are removed after it in steps (`remove_graphs_in_steps`):
    Oxigraph server holds an update's writes in memory until it commits, and a copy of the whole snapshot there took
    gigabytes at 100k triples. For the same reason (and Virtuoso's limit on a transaction's log, which a copy of
    the 1M snapshot passed), when the server serves nothing of natograph's (no graph of its namespace but staging
    graphs, and an empty default graph) the graphs are loaded straight into the served graphs, the default
    graph last: natograph refuses to serve a default graph whose count is not the snapshot's, so
    until the load is whole nothing is served, and a load killed midway leaves graphs the next publish replaces
    (through the staging graphs, since the server then holds natograph's graphs).
    """
    store = RemoteStore(query_url, snapshot, default_graph)
    uploaded = {graph.key: graph.triples for graph in graphs}
    on_server, _ = graph_counts_on(query_url)
    leftovers = [graph for graph in on_server if graph.startswith(STAGING_GRAPH_PREFIX)]
    published = {graph.name for graph in graphs}
    stale = [graph for graph in on_server if graph not in published and graph not in leftovers]

    def remove(names: list[str], purpose: str) -> None:
        if bulk:
            remove_graphs_in_steps(names, update_url, authorize_update, query_url)
        else:
            _send_update(drop_graphs_update(names), update_url, authorize_update, purpose)

    if leftovers:
        remove(leftovers, "removing the staging graphs an earlier upload left")
    if not stale and not published & set(on_server) and store.count_triples(None) == 0:
        in_place = [graph for graph in graphs if graph.key != "default"] + [graphs[0]]
        _load(in_place, [graph.name for graph in in_place], data_url, authorize, progress, chunk_triples, bulk=bulk)
        verify_upload(store, uploaded)
        if note is not None:
            note("loaded straight into the served graphs (the server served none of natograph's), the default graph last")
        return uploaded
    staged = [staging_graph(graph.name) for graph in graphs]
    switched = False
    try:
        _load(graphs, staged, data_url, authorize, progress, chunk_triples, bulk=bulk)
        differences = count_differences(store, [(staging, graph.label, graph.triples)
                                                for graph, staging in zip(graphs, staged)], "staged on the server")
        if differences:
            raise SnapshotError(f"the SPARQL store at {query_url} did not take what was uploaded, and still serves "
                                f"what it served ({_listed(differences)})")
        pairs = [(graph.name, staging) for graph, staging in zip(graphs, staged)]
        switch = difference_switch_update(pairs, stale) if bulk else switch_update(pairs, stale)
        for attempt in itertools.count(1):
            try:
                _send_update(switch, update_url, authorize_update, "replacing the served graphs by the staged ones")
                break
            except QueryFailedError as error:
                if any(state in str(error) for state in TRANSACTION_LIMIT_STATES):
                    raise QueryFailedError(f"{error}. {SWITCH_TOO_LARGE}") from None
                # A server whose readers lock what they read (Virtuoso at repeatable read) may end the switch as a
                # deadlock's victim, rolled back whole (SQL state 40001): it is tried again.
                if SERIALIZATION_FAILURE not in str(error) or attempt == SWITCH_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)
        switched = True
    finally:
        if not switched:
            try:
                remove(staged, "removing the staging graphs")
            except QueryFailedError:
                pass  # the next publish removes them
    if bulk:
        remove(staged, "removing the staging graphs")
    verify_upload(store, uploaded)
    return uploaded


def graph_counts_on(query_url: str, graphs: list[str] | None = None) -> tuple[dict[str, int], bool]:
    """Triples per graph of the server named in natograph's namespace (or of the `graphs` only), in one query (asked
    without a dataset, so that every graph of the server is seen), and whether the answer is whole (a server may
    cut it at its row limit: Virtuoso's `ResultSetMaxRows`, which it then says in a header)."""
    if graphs is None:
        query = read_query("publish-graph-counts.rq")
    else:
        query = QueryText(read_query("publish-counts-of-graphs.rq")).bound({"g": [ox.NamedNode(g) for g in graphs]})
    headers: dict = {}
    answer = _ask(query_url, query, "to count its graphs' triples", headers)
    counts = {binding["g"]["value"]: int(binding["triples"]["value"]) for binding in answer["results"]["bindings"]}
    return counts, SERVER_ROW_LIMIT_HEADER.lower() not in headers


def _ask(query_url: str, query: str, what: str, headers: dict | None = None) -> dict:
    """The server's SPARQL JSON answer to a query of natograph's own (POSTed: it may name many graphs), asked without
    a dataset."""
    request = urllib.request.Request(query_url, method="POST", data=urlencode({"query": query}).encode("ascii"),
                                     headers={"Accept": RESULTS_JSON,
                                              "Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(_send(request, None, query_url, what, headers))


def staging_graphs_on(query_url: str) -> list[str]:
    """The staging graphs on the server."""
    return [graph for graph in natograph_graphs_on(query_url) if graph.startswith(STAGING_GRAPH_PREFIX)]


def natograph_graphs_on(query_url: str) -> list[str]:
    """The graphs on the server named in natograph's namespace."""
    return sorted(graph_counts_on(query_url)[0])


def _graph_ref(name: str | None) -> str:
    return "DEFAULT" if name is None else f"GRAPH {ox.NamedNode(name)}"


def _graph_pattern(name: str | None) -> str:
    return "{ ?s ?p ?o }" if name is None else f"{{ GRAPH {ox.NamedNode(name)} {{ ?s ?p ?o }} }}"


def switch_update(pairs: list[tuple[str | None, str]], stale: list[str] = ()) -> str:
    """One SPARQL Update request replacing each served graph (None: the default graph) by its staging graph, and
    removing the `stale` graphs.

    DROP, ADD and DROP rather than MOVE: a staging graph the server never created (an empty graph) leaves its
    served graph empty, where a MOVE SILENT from a graph that does not exist may leave it as it was.
    """
    operations = []
    for name, staging in pairs:
        operations += [f"DROP SILENT {_graph_ref(name)}", f"ADD SILENT {_graph_ref(staging)} TO {_graph_ref(name)}",
                       f"DROP SILENT {_graph_ref(staging)}"]
    operations += [f"DROP SILENT {_graph_ref(name)}" for name in stale]
    return " ;\n".join(operations)


def difference_switch_update(pairs: list[tuple[str | None, str]], stale: list[str] = ()) -> str:
    """One SPARQL Update request making each served graph (None: the default graph) hold what its staging graph
    holds, writing only the triples that differ: those of the served graph not in the staging graph deleted, those
    of the staging graph not in the served graph inserted; and removing the `stale` graphs. The staging graphs are
    left as they are. (A blank node is never the same node in two uploads: its triples are always replaced.)"""
    operations = []
    for name, staging in pairs:
        served, staged = _graph_pattern(name), _graph_pattern(staging)
        operations += [f"DELETE {served} WHERE {{ {served[2:-2]} FILTER NOT EXISTS {staged} }}",
                       f"INSERT {served} WHERE {{ {staged[2:-2]} FILTER NOT EXISTS {served} }}"]
    operations += [f"DROP SILENT {_graph_ref(name)}" for name in stale]
    return " ;\n".join(operations)


def drop_graphs_update(names: list[str]) -> str:
    """One SPARQL Update request removing the named graphs."""
    return " ;\n".join(f"DROP SILENT {_graph_ref(name)}" for name in names)


def remove_graphs_in_steps(names: list[str], update_url: str, authorize, query_url: str,
                           step: int = REMOVAL_STEP_TRIPLES) -> None:
    """Remove the named graphs, `step` triples per update request, so that no request holds the whole removal
    (Oxigraph server keeps an update's writes in memory until it commits)."""
    if not names:
        return
    graphs = values_block({"g": [ox.NamedNode(name) for name in names]}) + " GRAPH ?g { ?s ?p ?o }"
    while _ask(query_url, f"ASK {{ {graphs} }}", "to say whether the graphs to remove are empty")["boolean"]:
        _send_update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT ?g ?s ?p ?o WHERE {{ {graphs} }} "
                     f"LIMIT {step} }} }}", update_url, authorize, f"removing {len(names)} graphs")
    _send_update(drop_graphs_update(names), update_url, authorize, "removing the emptied graphs")


def _send_update(update: str, update_url: str, authorize, purpose: str) -> None:
    """POST a SPARQL Update request (application/sparql-update), answering the server's challenge; `purpose` names
    what it does in an error."""
    request = urllib.request.Request(update_url, method="POST", data=update.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-update"})
    _send(request, authorize, update_url, f"the update {purpose}")


def stream_chunks(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """The triples in requests of about `size`, read as they come: at least one request (empty for no triple); the
    triples without a blank node in the order they come, then those with one, a blank node's all in one request.

    Blank nodes linked by a triple are one node group; a group larger than `size` is one request of its own.
    Only the triples with a blank node are held until the end (a snapshot has few).
    """
    chunk: list[ox.Triple] = []
    with_blank_nodes: list[ox.Triple] = []
    sent_any = False
    for triple in triples:
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            with_blank_nodes.append(triple)
            continue
        chunk.append(triple)
        if len(chunk) >= size:
            yield chunk
            sent_any, chunk = True, []
    for unit in _blank_node_groups(with_blank_nodes):
        if chunk and len(chunk) + len(unit) > size:
            yield chunk
            sent_any, chunk = True, []
        chunk.extend(unit)
    if chunk or not sent_any:
        yield chunk


def _blank_node_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """The triples (each with a blank node) grouped by node group: blank nodes linked by a triple are one group."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for triple in triples:
        blanks = [term for term in (triple.subject, triple.object) if isinstance(term, ox.BlankNode)]
        for blank in blanks[1:]:
            parent[root(blank)] = root(blanks[0])
        root(blanks[0])
    groups: dict[ox.BlankNode, list[ox.Triple]] = {}
    for triple in triples:
        blank = next(term for term in (triple.subject, triple.object) if isinstance(term, ox.BlankNode))
        groups.setdefault(root(blank), []).append(triple)
    return list(groups.values())


def _send_upload(request: urllib.request.Request, authorize, data_url: str, label: str) -> None:
    _send(request, authorize, data_url, f"graph {label}")


def _send(request: urllib.request.Request, authorize, url: str, what: str, headers: dict | None = None) -> bytes:
    """Send a publishing request, answering the server's challenge, and return the answer's body (its headers, in
    lower case, into `headers`); a refusal names `what` and the server's answer."""
    try:
        header = authorize(request) if authorize is not None else None
        if header:
            request.add_header("Authorization", header)
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
            if headers is not None:
                headers.update((name.lower(), value) for name, value in response.headers.items())
            return response.read()
    except urllib.error.HTTPError as error:
        reason = " ".join(server_message(error.read().decode("utf-8", "replace")).split())
        raise QueryFailedError(f"{url} refused {what}: {error.code} {error.reason}"
                               + (f": {reason}" if reason else "")) from None
    except urllib.error.URLError as error:
        raise QueryFailedError(f"the SPARQL store at {url} cannot be reached: {error.reason}") from None


def verify_upload(store: RemoteStore, uploaded: dict[str, int]) -> None:
    """Raise SnapshotError naming each graph whose triple count on the server differs from the snapshot's (counted as
    `count_differences` counts)."""
    differences = count_differences(store, [(None, "the default graph", expected) if key == "default" else
                                            (key, key, expected) for key, expected in uploaded.items()], "on the server")
    if differences:
        raise SnapshotError(f"the SPARQL store at {store.url} does not hold what was uploaded ({_listed(differences)})")


def count_differences(store: RemoteStore, expected: list[tuple[str | None, str, int]], where: str) -> list[str]:
    """"label: N {where}, M in the snapshot" for each (the server's graph, None for the default graph as natograph's
    queries see it; its label; its triples in the snapshot) whose count on the server differs. The named graphs are
    counted in one query (`graph_counts_on`); a graph the server's answer may have left out (an answer cut at its
    row limit) is counted alone."""
    counts, complete = graph_counts_on(store.url, [name for name, _, _ in expected if name is not None])
    differences = []
    for name, label, triples in expected:
        if name is None:
            found = store.count_triples(None)
        elif name in counts or complete:
            found = counts.get(name, 0)
        else:
            found = store.count_triples(name)
        if found != triples:
            differences.append(f"{label}: {found} {where}, {triples} in the snapshot")
    return differences


# How many graphs' differences an error names (a snapshot has a graph per source line).
LISTED_DIFFERENCES = 5


def _listed(differences: list[str]) -> str:
    more = len(differences) - LISTED_DIFFERENCES
    return "; ".join(differences[:LISTED_DIFFERENCES]) + (f"; and {more} graphs more" if more > 0 else "")


def _authorizer(data_url: str, user: str | None, password: str | None):
    """A function giving each upload request its Authorization header, after the credentials were tried.

    The server's challenge is fetched, and the credentials tried, with a HEAD: a server refusing a PUT closes the
    connection before reading its body, which a client answering the challenge only then sees as a broken pipe;
    and a GET of a store's endpoint may answer with the whole store (Oxigraph server's /store).
    """
    try:
        with urllib.request.urlopen(urllib.request.Request(data_url, method="HEAD"), timeout=30):
            return _no_authorization
    except urllib.error.HTTPError as error:
        if error.code != 401:
            return _no_authorization
        challenge = error.headers.get("WWW-Authenticate", "")
    except urllib.error.URLError as error:
        raise QueryFailedError(f"the SPARQL store at {data_url} cannot be reached: {error.reason}") from None
    scheme, _, parameters = challenge.partition(" ")
    if not user:
        raise QueryFailedError(f"{data_url} asks for {scheme or 'its'} authentication: name the user (--user, "
                               "or the store_user setting) and give its password")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{user}:{password or ''}".encode("utf-8")).decode("ascii")
        authorize = lambda request: f"Basic {token}"  # noqa: E731
    elif scheme.lower() == "digest":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, data_url, user, password or "")
        digest = urllib.request.HTTPDigestAuthHandler(passwords)
        fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(parameters)))
        authorize = lambda request: "Digest " + digest.get_authorization(request, fields)  # noqa: E731
    else:
        raise QueryFailedError(f"{data_url} asks for {scheme or 'an unknown'} authentication, which natograph "
                               "does not offer (Basic and Digest only)")
    probe = urllib.request.Request(data_url, method="HEAD")
    probe.add_header("Authorization", authorize(probe))
    try:
        with urllib.request.urlopen(probe, timeout=30):
            pass
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            reason = " ".join(server_message(error.read().decode("utf-8", "replace")).split())
            raise QueryFailedError(f"{data_url} refused the credentials of user {user}: {error.code} "
                                   f"{error.reason}" + (f": {reason}" if reason else "")) from None
    return authorize


def _no_authorization(request) -> None:
    return None
