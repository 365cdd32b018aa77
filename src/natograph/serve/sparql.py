"""The SPARQL 1.1 Protocol endpoint at /sparql: queries by GET and POST, the service description, no updates.

A browser (an Accept that ranks text/html above every result format, or `format=html`) gets the answer as a page:
the same job, answered in the formats the page's table reads, through the same limits and result cache.

The query text goes to the engine as it came. The engine says what kind of query it is (and so which
negotiated format answers it), whether it parses, and, in a worker cut off from the network, whether it is
an update or calls SERVICE (see store/ and query/sandbox.py); natograph reads only what `QueryText` says,
once, where the request is read.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask.globals import request_ctx
from werkzeug.http import HTTP_STATUS_CODES

from ..errors import NatographError, ParameterError, PayloadTooLargeError, QueryRefusedError
from ..query.executor import QueryAnswer, QueryJob
from ..formats import FORMATS_BY_KIND, Format, FormatChoice, ResultKind
from ..store import UPDATE_REFUSAL
from .description import PREFIXES as DESCRIPTION_PREFIXES
from .description import service_description
from .answer_table import answer_table
from .limits import client_key
from .memo import serialize_served_graph
from .negotiation import choose_format, choose_formats, prefers_html, prefers_html_to_results
from .protocol import ProtocolRequest, read_protocol_request
from .responses import (add_answer_headers, add_retry_after, answer_response, error_response, is_not_modified,
                        not_modified, representation_etag)
from .state import ServerState, current_state

blueprint = Blueprint("sparql", __name__, template_folder="templates")
# The formats the answer page's table reads (answer_table.py): the default ones, so that a page is one more rendering
# of the answer a client sending no Accept gets, one entry of the result cache for both.
PAGE_FORMATS = FormatChoice.of(Format.SPARQL_JSON)
PAGE_FORMAT_NAMES = ("html", "text/html")
# The page's name that an unknown format's error lists beside the data formats (its short name).
PAGE_NAMES = PAGE_FORMAT_NAMES[:1]
# The endpoint's external URL for each (scheme, host, script root) requests came with, at most this many.
REMEMBERED_ENDPOINT_URLS = 64
# What the answer page calls each format it links to.
FORMAT_LABELS = {Format.SPARQL_JSON: "SPARQL JSON", Format.SPARQL_XML: "SPARQL XML", Format.CSV: "CSV",
                 Format.TSV: "TSV", Format.TURTLE: "Turtle", Format.N_TRIPLES: "N-Triples", Format.JSON_LD: "JSON-LD",
                 Format.RDF_XML: "RDF/XML", Format.N_QUADS: "N-Quads", Format.TRIG: "TriG"}


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query, refuse an update, or describe the service when no query is given."""
    state = current_state()
    config = state.config
    # The request object itself, not the `request` proxy: it is read a dozen times on every query.
    http_request = request_ctx.request
    # From the environ, as werkzeug's header lookup reads it.
    accept = http_request.environ.get("HTTP_ACCEPT")
    protocol = read_protocol_request(http_request)
    if protocol.has_update:
        raise QueryRefusedError(UPDATE_REFUSAL)
    if protocol.query is None:
        if http_request.method == "POST":
            raise ParameterError("query", "missing: a POST to /sparql must carry a query")
        if names_page(protocol.formats) or not protocol.formats and prefers_html(ResultKind.GRAPH, accept):
            # A person following a link to the endpoint: the query editor, which queries it.
            return redirect(url_for("pages.query_page"), code=303)
        return describe_service(protocol.formats)
    page = wants_answer_page(protocol, accept)
    if protocol.query.is_blank:
        # The engine reads an empty text as an (empty) update, which a client sending no query did not mean.
        raise ParameterError("query", "is empty (no SPARQL, only white space or comments)",
                             accepts="a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if state.free_sparql_refusal:
        raise QueryRefusedError(state.free_sparql_refusal)
    size = len(protocol.query.text.encode("utf-8"))
    if size > config.max_query_bytes:
        raise PayloadTooLargeError(
            f"the query is {size} bytes, more than the limit of {config.max_query_bytes} bytes", config.max_query_bytes)
    formats = PAGE_FORMATS if page else choose_formats(accept=accept, format_names=protocol.formats,
                                                        pages=PAGE_NAMES)
    client = client_key(http_request.remote_addr)
    state.rate_limiter.charge(client)
    job = QueryJob(protocol.query, formats, dataset=protocol.dataset(), limits=state.query_limits,
                   base_iri=endpoint_url(state))
    with state.fair_share.admit(client):
        answer = state.executor.run(job)
    # Only an answer that was computed (so the text parsed) and may be kept is validated by its ETag.
    etag = None
    if http_request.method != "POST" and job.query.repeatable:
        etag = representation_etag(state.snapshot_key, answer.fmt, config.max_rows, *(("html",) if page else ()))
        if is_not_modified(http_request, etag):
            return not_modified(etag)
    if page:
        return answer_page(protocol, answer, etag=etag)
    return answer_response(answer, max_rows=config.max_rows, etag=etag)


def wants_answer_page(protocol: ProtocolRequest, accept: str | None) -> bool:
    """Whether to answer with the page of the answer: `format=html` first among the format names, or no format
    name and an Accept that ranks text/html above every result format (a browser's). Remembered for the errors."""
    wanted = names_page(protocol.formats) if protocol.formats else prefers_html_to_results(accept)
    g.sparql_page_for = protocol if wanted else None
    return wanted


def names_page(format_names: tuple[str, ...]) -> bool:
    """Whether the first `format` given names the page (`html`, `text/html`)."""
    return bool(format_names) and format_names[0].lower() in PAGE_FORMAT_NAMES


def answer_page(protocol: ProtocolRequest, answer: QueryAnswer, *, etag: str | None) -> Response:
    """The answer as a page: the query text, the table (triples for a graph, a sentence for ASK), the truncation,
    links to the same answer in each format and to the query in the editor."""
    max_rows = current_state().config.max_rows
    page = render_page(protocol, table=answer_table(answer.body, answer.fmt), truncated=answer.truncated,
                       max_rows=max_rows, formats=format_links(protocol, answer.fmt.kind))
    response = Response(page, content_type="text/html; charset=utf-8")
    return add_answer_headers(response, truncated=answer.truncated, max_rows=max_rows, etag=etag)


@blueprint.errorhandler(NatographError)
def endpoint_error(error: NatographError) -> Response:
    """A query's error as the answer page says it (same status), to a request that asked for the page; else as
    every route answers errors."""
    protocol = g.get("sparql_page_for")
    if protocol is None:
        return error_response(error)
    status = error.http_status
    page = render_page(protocol, error=error.to_dict(), status=status,
                       reason=HTTP_STATUS_CODES.get(status, "Error"))
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return add_retry_after(response, error)


def render_page(protocol: ProtocolRequest, **values) -> str:
    """The answer page (sparql_answer.html) of this request's query, with the answer or the error in `values`."""
    text = protocol.query.text
    error = values.get("error") or {}
    # Lines as the parser counts them (at line feeds); a form's CRLF keeps no CR, which HTML would show as a break.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return render_template("sparql_answer.html", query_lines=lines, error_line=error.get("line"),
                           editor=url_for("pages.query_page", query=text), **values)


def format_links(protocol: ProtocolRequest, kind: ResultKind) -> list[tuple[str, str, str]]:
    """(label, address, media type) of the same request answered in each format of this kind of result."""
    base = [("query", protocol.query.text),
            *(("default-graph-uri", iri) for iri in protocol.default_graph_uris),
            *(("named-graph-uri", iri) for iri in protocol.named_graph_uris)]
    endpoint_path = url_for("sparql.endpoint")
    return [(FORMAT_LABELS[fmt], endpoint_path + "?" + urlencode([*base, ("format", fmt.short_name)]), fmt.media_type)
            for fmt in FORMATS_BY_KIND[kind]]


def endpoint_url(state: ServerState) -> str:
    """The endpoint's public URL: the base of relative IRIs in queries, and the service description's subject."""
    public_base = state.config.public_base
    if public_base:
        return public_base.rstrip("/") + "/sparql"
    # An external URL is built from the scheme, host and script root the request's URL adapter was bound to, and
    # nothing else of the request: one built URL answers every request with the same three (it is part of the
    # result cache's key, so building it anew is work before every cache hit).
    adapter = request_ctx.url_adapter
    if adapter is None:
        return url_for("sparql.endpoint", _external=True)
    remembered = state.endpoint_urls
    key = (adapter.url_scheme, adapter.server_name, adapter.script_name)
    url = remembered.get(key)
    if url is None:
        url = url_for("sparql.endpoint", _external=True)
        if len(remembered) >= REMEMBERED_ENDPOINT_URLS:
            remembered.clear()  # hosts are few; a client naming ever new ones gets no more than this many kept
        remembered[key] = url
    return url


def describe_service(format_names: tuple[str, ...]) -> Response:
    """The SPARQL 1.1 Service Description, Turtle unless the client asks for another RDF format."""
    state = current_state()
    fmt = choose_format(ResultKind.GRAPH, accept=request.headers.get("Accept"), format_names=format_names,
                        pages=PAGE_NAMES)
    etag = representation_etag(state.snapshot_key, fmt, "service-description")
    if is_not_modified(request, etag):
        return not_modified(etag)
    description = service_description(state.config, state.manifest, endpoint_url(state))
    body = serialize_served_graph(description, fmt, prefixes=DESCRIPTION_PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response
