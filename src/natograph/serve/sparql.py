"""The SPARQL 1.1 Protocol endpoint at /sparql: queries by GET and POST, the service description, no updates."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, request, url_for

from ..errors import ParameterError, QueryRefusedError
from ..executor import QueryJob
from ..export import ResultKind
from ..query import inspect_query, refuse_update
from ..store import QueryLimits
from .description import PREFIXES as DESCRIPTION_PREFIXES
from .description import service_description
from .limits import client_key
from .memo import serialize_served_graph
from .negotiation import choose_format
from .protocol import read_protocol_request
from .responses import answer_response, is_not_modified, not_modified, representation_etag
from .state import current_state

blueprint = Blueprint("sparql", __name__)

# Query texts whose inspection is remembered: inspecting is a pure function of the text and the size limit,
# and a repeated query (answered from the result cache) should not be tokenized again.
INSPECTED_TEXTS = 256
inspect_free_query = lru_cache(maxsize=INSPECTED_TEXTS)(inspect_query)

FREE_SPARQL_OFF = (
    "free SPARQL is turned off on this server (setting free_sparql); the canned queries at /queries are public"
)


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query, refuse an update, or describe the service when no query is given."""
    state = current_state()
    config = state.config
    protocol = read_protocol_request(request)
    if protocol.has_update:
        raise refuse_update()
    if protocol.query is None:
        if request.method == "POST":
            raise ParameterError("query", "missing: a POST to /sparql must carry a query")
        return describe_service(protocol.formats)
    if not config.free_sparql:
        raise QueryRefusedError(FREE_SPARQL_OFF)
    free = inspect_free_query(protocol.query, max_bytes=config.max_query_bytes)
    fmt = choose_format(free.form.result_kind, accept=request.headers.get("Accept"), format_names=protocol.formats)
    etag = representation_etag(state.snapshot_key, fmt, config.max_rows) if request.method != "POST" else None
    if etag and is_not_modified(request, etag):
        return not_modified(etag)
    state.rate_limiter.charge(client_key(request.remote_addr))
    job = QueryJob(
        free.text,
        fmt,
        dataset=protocol.dataset(query_declares_dataset=free.declares_dataset),
        limits=QueryLimits(timeout_ms=config.query_timeout_ms, max_rows=config.max_rows),
    )
    with state.fair_share.admit(client_key(request.remote_addr)):
        answer = state.executor.run(job)
    return answer_response(answer, max_rows=config.max_rows, etag=etag)


def describe_service(format_names: tuple[str, ...]) -> Response:
    """The SPARQL 1.1 Service Description, Turtle unless the client asks for another RDF format."""
    state = current_state()
    fmt = choose_format(ResultKind.GRAPH, accept=request.headers.get("Accept"), format_names=format_names)
    etag = representation_etag(state.snapshot_key, fmt, "service-description")
    if is_not_modified(request, etag):
        return not_modified(etag)
    public_base = state.config.public_base
    endpoint_url = public_base.rstrip("/") + "/sparql" if public_base else url_for("sparql.endpoint", _external=True)
    description = service_description(state.config, state.manifest, endpoint_url)
    body = serialize_served_graph(description, fmt, prefixes=DESCRIPTION_PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response
