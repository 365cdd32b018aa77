"""The landing page (what is served, and where) and /health for monitors."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from .. import __version__
from ..errors import NatographError
from ..store.remote import RemoteStore
from .description import named_graphs
from .links import page_path
from .state import current_state

blueprint = Blueprint("site", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")

EXAMPLE_QUERY = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?operation ?label WHERE {
  ?operation a nato:Operation ; rdfs:label ?label .
} ORDER BY ?label LIMIT 20"""


@blueprint.route("/")
def landing_page() -> str:
    """What is served: counts, snapshot, named graphs (linked to their descriptions) and links to the endpoint, queries and dumps."""
    state = current_state()
    manifest = state.manifest
    graphs = [(iri, count, page_path(iri)) for iri, count in named_graphs(manifest)]
    return render_template(
        "index.html", manifest=manifest, graphs=graphs, config=state.config, version=__version__,
        example_query=EXAMPLE_QUERY, stale=state.stale,
    )


def store_status(store) -> dict:
    """Where queries run, and whether a remote store answers now (with the reason when it does not)."""
    if not isinstance(store, RemoteStore):
        return {"kind": "embedded", "available": True}
    try:
        store.probe()
    except NatographError as error:
        return {"kind": "remote", "url": store.url, "available": False, "reason": str(error)}
    return {"kind": "remote", "url": store.url, "available": True}


@blueprint.route("/health")
def health() -> Response:
    """Status, store, snapshot and triple counts; `starting` until a query worker is ready.

    `store-unavailable` while a remote store does not answer (`store.reason` says why); `ok` again once it does.

    `stale` is null, or (the last build failed on its inputs, so the snapshot served is older than them) its
    kind, reason, file, line, column and time; the status does not change: the snapshot still answers.
    """
    state = current_state()
    workers = state.executor.status()
    ready = workers.get("ready", 1) > 0
    store = store_status(state.store)
    response = jsonify({
        "status": ("ok" if store["available"] else "store-unavailable") if ready else "starting",
        "store": store,
        "snapshot": state.snapshot_key,
        "created": state.manifest.get("created"),
        "version": __version__,
        "counts": state.manifest["counts"],
        "query_workers": workers,
        "stale": state.stale.to_dict() if state.stale else None,
    })
    response.headers["Cache-Control"] = "no-store"
    return response
