"""Publishing a snapshot to a SPARQL server, for the remote store to query (`natograph upload`).

The snapshot's graphs go to the server with the Graph Store Protocol (`PUT ?default` and `PUT ?graph=…`,
N-Triples, in chunks), the same graphs the embedded store has; with an update endpoint they go into staging
graphs first, are counted there, and are switched in by one SPARQL Update (`publish_staged`). Credentials
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
from urllib.parse import urlencode

import pyoxigraph as ox

from ..errors import ConfigError, QueryFailedError, SnapshotError
from ..snapshot import Snapshot
from .remote import N_TRIPLES, RESULTS_JSON, RemoteStore

UPLOAD_TIMEOUT_SECONDS = 600
UPLOAD_CHUNK_TRIPLES = 50_000


def upload_snapshot(snapshot: Snapshot, data_url: str, *, query_url: str = "", update_url: str = "",
                    default_graph: str | None = None, user: str | None = None, password: str | None = None,
                    progress=None, chunk_triples: int = UPLOAD_CHUNK_TRIPLES) -> dict[str, int]:
    """Replace the server's graphs with the snapshot's (Graph Store Protocol); returns triples per graph.

    Each graph goes in requests of about `chunk_triples` triples: a PUT of the first, which replaces what the
    graph held (so publishing again never duplicates), then a POST of each other, which adds to it; a blank
    node's triples all go in one request (its label means one node within one request only).
    `default_graph` names the graph that receives the snapshot's default graph where the server has no writable
    default graph of its own (Virtuoso). `user` and `password` answer the server's Basic or Digest challenge.
    With `query_url`, each graph's triples are counted on the server afterwards, and a difference is an error.
    `progress(graph, sent, total)` is called after each request.

    With `update_url` (the server's SPARQL Update endpoint; `query_url` is then needed too) the publish is atomic
    (`publish_staged`): the graphs go into staging graphs, are counted there, and replace the served ones in one
    update request; without it, the served graphs are replaced one request after the other (and, with
    `query_url`, natograph's graphs the snapshot no longer has are removed after them).
    """
    if not data_url:
        raise ConfigError("upload needs store_data_url: the server's Graph Store Protocol endpoint")
    if chunk_triples < 1:
        raise ConfigError(f"the upload's chunk size must be at least 1 triple, not {chunk_triples}")
    if update_url and not query_url:
        raise ConfigError("an atomic upload (store_update_url) needs store_url, to count the staged graphs")
    authorize = _authorizer(data_url, user, password)
    graphs = snapshot_graphs(snapshot, default_graph)
    if update_url:
        return publish_staged(snapshot, graphs, data_url, authorize, query_url, update_url, default_graph,
                              _authorizer(update_url, user, password), progress, chunk_triples)
    uploaded = {}
    for key, name, triples in graphs:
        _put_graph(triples, name, name or "the default graph", data_url, authorize, progress, chunk_triples)
        uploaded[key] = len(triples)
    if query_url:
        # Last, so that no graph the served snapshot needs is missing while the upload runs.
        published = {name for _, name, _ in graphs}
        for graph in natograph_graphs_on(query_url):
            if graph not in published:
                _delete_graph(graph, data_url, authorize)
        verify_upload(RemoteStore(query_url, snapshot, default_graph), uploaded)
    return uploaded


def _delete_graph(name: str, data_url: str, authorize) -> None:
    """Remove a graph of the server (Graph Store Protocol DELETE): an earlier snapshot's, a killed publish's staging."""
    separator = "&" if "?" in data_url else "?"
    request = urllib.request.Request(f"{data_url}{separator}{urlencode({'graph': name})}", method="DELETE")
    _send(request, authorize, data_url, f"the removal of graph {name}")


def snapshot_graphs(snapshot: Snapshot, default_graph: str | None) -> list[tuple[str, str | None, list[ox.Triple]]]:
    """The snapshot's graphs to publish: (key: "default" or the graph's IRI, the server's graph name or None for
    its default graph, the triples), the default graph first."""
    graphs = [("default", default_graph, [quad.triple for quad in
                                          snapshot.store.quads_for_pattern(None, None, None, ox.DefaultGraph())])]
    for graph in sorted(snapshot.store.named_graphs(), key=lambda g: g.value):
        graphs.append((graph.value, graph.value,
                       [quad.triple for quad in snapshot.store.quads_for_pattern(None, None, None, graph)]))
    return graphs


def _put_graph(triples: list[ox.Triple], name: str | None, label: str, data_url: str, authorize, progress,
               chunk_triples: int) -> None:
    """Replace the server's graph `name` (None: its default graph) with the triples, in chunks."""
    target = urlencode({"graph": name}) if name else "default"
    separator = "&" if "?" in data_url else "?"
    sent = 0
    for index, chunk in enumerate(upload_chunks(triples, chunk_triples)):
        request = urllib.request.Request(
            f"{data_url}{separator}{target}", method="PUT" if index == 0 else "POST",
            headers={"Content-Type": N_TRIPLES}, data=ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES),
        )
        _send_upload(request, authorize, data_url, label)
        sent += len(chunk)
        if progress is not None:
            progress(label, sent, len(triples))


# Where an atomic publish puts each graph until it is counted and switched in: this prefix and a digest of the
# served graph's name (the server's default graph: `default`). Nothing else is named so.
STAGING_GRAPH_PREFIX = "https://w3id.org/natograph/graph/staging/"
# Every graph natograph names (its graphs, statement graphs and staging graphs) starts so: an atomic publish
# removes those on the server that the snapshot does not have (an earlier snapshot's, a killed publish's staging).
NATOGRAPH_NAMESPACE = "https://w3id.org/natograph/"
LIST_NATOGRAPH_GRAPHS = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                         f'FILTER(STRSTARTS(STR(?g), "{NATOGRAPH_NAMESPACE}")) }}')


# The SQL state of a transaction rolled back as a deadlock's victim, and how often the switch is tried.
SERIALIZATION_FAILURE = "40001"
SWITCH_ATTEMPTS = 5


def staging_graph(name: str | None) -> str:
    """The staging graph of the server's graph `name` (None: its default graph)."""
    return STAGING_GRAPH_PREFIX + ("default" if name is None else hashlib.sha256(name.encode("utf-8")).hexdigest()[:32])


def publish_staged(snapshot: Snapshot, graphs, data_url: str, authorize, query_url: str, update_url: str,
                   default_graph: str | None, authorize_update, progress, chunk_triples: int) -> dict[str, int]:
    """Publish atomically: staging graphs left by an earlier publish removed, each graph uploaded into its staging
    graph and counted there, then one SPARQL Update request replacing every served graph by its staging graph and
    removing natograph's graphs that the snapshot no longer has (`switch_update`), and the served graphs counted.
    On any failure before the switch the staging graphs are removed and the served graphs are as they were; a
    publish killed meanwhile leaves its staging graphs, which the next one removes."""
    store = RemoteStore(query_url, snapshot, default_graph)
    on_server = natograph_graphs_on(query_url)
    leftovers = [graph for graph in on_server if graph.startswith(STAGING_GRAPH_PREFIX)]
    published = {name for _, name, _ in graphs}
    stale = [graph for graph in on_server if graph not in published and graph not in leftovers]
    if leftovers:
        _send_update(drop_graphs_update(leftovers), update_url, authorize_update,
                     "removing the staging graphs an earlier upload left")
    staged = [staging_graph(name) for _, name, _ in graphs]
    switched = False
    try:
        uploaded = {}
        for (key, name, triples), staging in zip(graphs, staged):
            _put_graph(triples, staging, name or "the default graph", data_url, authorize, progress, chunk_triples)
            uploaded[key] = len(triples)
        differences = []
        for (key, name, triples), staging in zip(graphs, staged):
            found = store.count_triples(staging)
            if found != len(triples):
                differences.append(f"{name or 'the default graph'}: {found} staged on the server, {len(triples)} "
                                   "in the snapshot")
        if differences:
            raise SnapshotError(f"the SPARQL store at {query_url} did not take what was uploaded, and still serves "
                                "what it served (" + "; ".join(differences) + ")")
        switch = switch_update([(name, staging) for (_, name, _), staging in zip(graphs, staged)], stale)
        for attempt in itertools.count(1):
            try:
                _send_update(switch, update_url, authorize_update, "replacing the served graphs by the staged ones")
                break
            except QueryFailedError as error:
                # A server whose readers lock what they read (Virtuoso at repeatable read) may end the switch as a
                # deadlock's victim, rolled back whole (SQL state 40001): it is tried again.
                if SERIALIZATION_FAILURE not in str(error) or attempt == SWITCH_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)
        switched = True
    finally:
        if not switched:
            try:
                _send_update(drop_graphs_update(staged), update_url, authorize_update, "removing the staging graphs")
            except QueryFailedError:
                pass  # the next publish removes them
    verify_upload(store, uploaded)
    return uploaded


def staging_graphs_on(query_url: str) -> list[str]:
    """The staging graphs on the server."""
    return [graph for graph in natograph_graphs_on(query_url) if graph.startswith(STAGING_GRAPH_PREFIX)]


def natograph_graphs_on(query_url: str) -> list[str]:
    """The graphs on the server named in natograph's namespace (asked without a dataset, so that every graph of the
    server is seen)."""
    request = urllib.request.Request(f"{query_url}{'&' if '?' in query_url else '?'}"
                                     + urlencode({"query": LIST_NATOGRAPH_GRAPHS}), headers={"Accept": RESULTS_JSON})
    answer = json.loads(_send(request, None, query_url, "to list its graphs"))
    return sorted(binding["g"]["value"] for binding in answer["results"]["bindings"])


def _graph_ref(name: str | None) -> str:
    return "DEFAULT" if name is None else f"GRAPH {ox.NamedNode(name)}"


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


def drop_graphs_update(names: list[str]) -> str:
    """One SPARQL Update request removing the named graphs."""
    return " ;\n".join(f"DROP SILENT {_graph_ref(name)}" for name in names)


def _send_update(update: str, update_url: str, authorize, purpose: str) -> None:
    """POST a SPARQL Update request (application/sparql-update), answering the server's challenge; `purpose` names
    what it does in an error."""
    request = urllib.request.Request(update_url, method="POST", data=update.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-update"})
    _send(request, authorize, update_url, f"the update {purpose}")


def upload_chunks(triples: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """The triples in requests of about `size` (at least one, empty for no triple), a blank node's all in one.

    Blank nodes linked by a triple are one node group; a group larger than `size` is one request of its own.
    """
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
        for blank in blanks[:1]:
            root(blank)
    groups: dict[ox.BlankNode, list[ox.Triple]] = {}
    units: list[list[ox.Triple]] = []
    for triple in triples:
        blank = next((term for term in (triple.subject, triple.object) if isinstance(term, ox.BlankNode)), None)
        if blank is None:
            units.append([triple])
            continue
        group = groups.get(root(blank))
        if group is None:
            group = groups[root(blank)] = []
            units.append(group)
        group.append(triple)
    chunks: list[list[ox.Triple]] = [[]]
    for unit in units:
        if chunks[-1] and len(chunks[-1]) + len(unit) > size:
            chunks.append([])
        chunks[-1].extend(unit)
    return chunks


def _send_upload(request: urllib.request.Request, authorize, data_url: str, label: str) -> None:
    _send(request, authorize, data_url, f"graph {label}")


def _send(request: urllib.request.Request, authorize, url: str, what: str) -> bytes:
    """Send a publishing request, answering the server's challenge, and return the answer's body; a refusal names
    `what` and the server's answer."""
    try:
        header = authorize(request) if authorize is not None else None
        if header:
            request.add_header("Authorization", header)
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        reason = " ".join(error.read().decode("utf-8", "replace").split())[:500]
        raise QueryFailedError(f"{url} refused {what}: {error.code} {error.reason}"
                               + (f": {reason}" if reason else "")) from None
    except urllib.error.URLError as error:
        raise QueryFailedError(f"the SPARQL store at {url} cannot be reached: {error.reason}") from None


def verify_upload(store: RemoteStore, uploaded: dict[str, int]) -> None:
    """Raise SnapshotError naming each graph whose triple count on the server differs from the snapshot's."""
    differences = []
    for graph, expected in uploaded.items():
        found = store.count_triples(None if graph == "default" else graph)
        if found != expected:
            label = "the default graph" if graph == "default" else graph
            differences.append(f"{label}: {found} on the server, {expected} in the snapshot")
    if differences:
        raise SnapshotError(f"the SPARQL store at {store.url} does not hold what was uploaded ("
                            + "; ".join(differences) + ")")


def _authorizer(data_url: str, user: str | None, password: str | None):
    """A function giving each upload request its Authorization header, after the credentials were tried.

    The server's challenge is fetched, and the credentials tried, with a GET: a server refusing a PUT closes the
    connection before reading its body, which a client answering the challenge only then sees as a broken pipe.
    """
    try:
        with urllib.request.urlopen(urllib.request.Request(data_url, method="GET"), timeout=30):
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
    probe = urllib.request.Request(data_url, method="GET")
    probe.add_header("Authorization", authorize(probe))
    try:
        with urllib.request.urlopen(probe, timeout=30):
            pass
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            reason = " ".join(error.read().decode("utf-8", "replace").split())[:500]
            raise QueryFailedError(f"{data_url} refused the credentials of user {user}: {error.code} "
                                   f"{error.reason}" + (f": {reason}" if reason else "")) from None
    return authorize


def _no_authorization(request) -> None:
    return None
