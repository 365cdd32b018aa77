"""The SPARQL 1.1 Protocol endpoint at /sparql: queries by GET and POST, the service description, no updates.

The query text goes to the engine as it came. The engine says what kind of query it is (and so which
negotiated format answers it), whether it parses, and, in a worker cut off from the network, whether it is
an update or calls SERVICE (see store/ and query/sandbox.py); natograph reads only what `QueryText` says,
once, where the request is read.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from ..errors import ParameterError, PayloadTooLargeError, QueryRefusedError
from ..query.executor import QueryJob
from ..formats import ResultKind
from ..sparql.text import tokenize
from ..store import UPDATE_REFUSAL
from .description import PREFIXES as DESCRIPTION_PREFIXES
from .description import service_description
from .limits import client_key
from .memo import serialize_served_graph
from .negotiation import choose_format, choose_formats, prefers_html
from .protocol import read_protocol_request
from .responses import answer_response, is_not_modified, not_modified, representation_etag
from .state import current_state

blueprint = Blueprint("sparql", __name__)


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query, refuse an update, or describe the service when no query is given."""
    state = current_state()
    config = state.config
    protocol = read_protocol_request(request)
    if protocol.has_update:
        raise QueryRefusedError(UPDATE_REFUSAL)
    if protocol.query is None:
        if request.method == "POST":
            raise ParameterError("query", "missing: a POST to /sparql must carry a query")
        if not protocol.formats and prefers_html(ResultKind.GRAPH, request.headers.get("Accept")):
            # A person following a link to the endpoint: the query editor, which queries it.
            return redirect(url_for("pages.query_page"), code=303)
        return describe_service(protocol.formats)
    if next(tokenize(protocol.query.text), None) is None:
        # The engine reads an empty text as an (empty) update, which a client sending no query did not mean.
        raise ParameterError("query", "is empty (no SPARQL, only white space or comments)",
                             accepts="a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if state.free_sparql_refusal:
        raise QueryRefusedError(state.free_sparql_refusal)
    size = len(protocol.query.text.encode("utf-8"))
    if size > config.max_query_bytes:
        raise PayloadTooLargeError(
            f"the query is {size} bytes, more than the limit of {config.max_query_bytes} bytes", config.max_query_bytes)
    formats = choose_formats(accept=request.headers.get("Accept"), format_names=protocol.formats)
    state.rate_limiter.charge(client_key(request.remote_addr))
    job = QueryJob(protocol.query, formats, dataset=protocol.dataset(), limits=state.query_limits,
                   base_iri=endpoint_url())
    with state.fair_share.admit(client_key(request.remote_addr)):
        answer = state.executor.run(job)
    # Only an answer that was computed (so the text parsed) and may be kept is validated by its ETag.
    etag = None
    if request.method != "POST" and job.query.repeatable:
        etag = representation_etag(state.snapshot_key, answer.fmt, config.max_rows)
        if is_not_modified(request, etag):
            return not_modified(etag)
    return answer_response(answer, max_rows=config.max_rows, etag=etag)


def endpoint_url() -> str:
    """The endpoint's public URL: the base of relative IRIs in queries, and the service description's subject."""
    public_base = current_state().config.public_base
    return public_base.rstrip("/") + "/sparql" if public_base else url_for("sparql.endpoint", _external=True)


def describe_service(format_names: tuple[str, ...]) -> Response:
    """The SPARQL 1.1 Service Description, Turtle unless the client asks for another RDF format."""
    state = current_state()
    fmt = choose_format(ResultKind.GRAPH, accept=request.headers.get("Accept"), format_names=format_names)
    etag = representation_etag(state.snapshot_key, fmt, "service-description")
    if is_not_modified(request, etag):
        return not_modified(etag)
    description = service_description(state.config, state.manifest, endpoint_url())
    body = serialize_served_graph(description, fmt, prefixes=DESCRIPTION_PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response
