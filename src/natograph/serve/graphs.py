"""Dereferenceable named graphs: `/graph/asserted`, `/graph/inferred`, `/graph/data/operations.ttl`, …

As `/id/…`, a graph IRI names a thing: it answers 303 See Other to the document the client prefers,
`<name>.<extension>` (`/graph/asserted.ttl`, `/graph/data/operations.ttl.html`). The document describes
the graph (VoID: title, triple count, source file, dumps), read from the snapshot's manifest; the
graph's triples are in the dumps, which stream them. An unknown graph is a 404 in the representation
the Accept header asks for.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..formats.dump import DATASET_FORMATS, DUMP_FORMATS, GraphSelection, dump_file_name
from ..formats.named_graphs import PREFIXES, NamedGraph, find_graph, graph_description, snapshot_graphs
from .dumps import FORMAT_LABELS
from .links import page_path, resource_base, server_url
from .memo import serialize_served_graph
from .representations import Representation, addressed, negotiate, split_extension
from .resources import alternates, document_etag, link_alternates, not_found, see_other
from .responses import is_not_modified, not_modified
from .state import current_state

blueprint = Blueprint("graphs", __name__, template_folder="templates")


@blueprint.get("/graph/<path:name>")
def graph(name: str) -> Response:
    """A named graph of the snapshot: 303 to its negotiated description, or the description (`/graph/asserted.ttl`)."""
    manifest = current_state().manifest
    base = resource_base() + "graph/"
    # A graph's own name may end in an extension (`data/operations.ttl`): the whole name wins.
    found = find_graph(manifest, base + name)
    stem, fixed = (name, None) if found is not None else split_extension(name)
    if found is None and fixed is not None:
        found = find_graph(manifest, base + stem)
    if found is None:
        # `nope.ttl` may be a missing graph's name as well as a document's: the Accept header decides.
        representation = negotiate(request.headers.get("Accept"), request.args.get("format"))
        return not_found(representation, base + name, negotiated=True, kind="named graph")
    representation = addressed(fixed, request.headers.get("Accept"), request.args.get("format"))
    if fixed is None:
        return see_other(f"/graph/{stem}.{representation.extension}")
    return _document(found, f"/graph/{stem}", representation, manifest)


def _document(graph: NamedGraph, path: str, representation: Representation, manifest: dict) -> Response:
    base = server_url()
    etag = document_etag("graph", representation.name, graph.iri, base)
    if is_not_modified(request, etag):
        return not_modified(etag)
    if representation.is_html:
        graphs = {other.iri: other for other in snapshot_graphs(manifest)}
        body = render_template(
            "graph.html", graph=graph, alternates=alternates(path), page_path=page_path,
            subsets=[graphs[iri] for iri in graph.subsets], derived_from=[graphs[iri] for iri in graph.derived_from],
            dumps=_dumps(graph), labels=FORMAT_LABELS,
        )
    else:
        body = serialize_served_graph(graph_description(graph, server_url=base), representation.fmt, prefixes=PREFIXES)
    response = Response(body, content_type=representation.content_type)
    response.headers["ETag"] = etag
    link_alternates(response, path)
    return response


def _dumps(graph: NamedGraph) -> list[tuple[str, str, bool]]:
    """(format, address, whether the file holds other graphs too) of each dump holding the graph."""
    if graph.dump is not None:
        return [(FORMAT_LABELS[fmt], f"/dump/{dump_file_name(graph.dump, fmt)}", False) for fmt in DUMP_FORMATS]
    return [(FORMAT_LABELS[fmt], f"/dump/{dump_file_name(GraphSelection.ALL, fmt)}", True) for fmt in DATASET_FORMATS]
