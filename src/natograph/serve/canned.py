"""The canned-query API: the catalogue (JSON, HTML), runs with content negotiation, texts, OpenAPI, examples."""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from ..query.canned import CannedQuery, bind_parameters, load_catalogue
from .catalogue_docs import EXAMPLE_PREFIXES, openapi_document, sparql_examples
from ..errors import NotFoundError, ParameterError
from ..query.executor import QueryJob
from ..query.form import result_kind_of
from ..formats import Format, ResultKind
from ..sparql import read_query
from ..sparql.text import text_for_display
from ..vocab import NATOID
from .answer_table import ANSWER_FORMATS, answer_table
from .limits import client_key
from .markup import render_inline, render_markdown
from .memo import serialize_served_graph
from .negotiation import choose_format, names_html, preferred_media_type, prefers_html
from .responses import answer_response, is_not_modified, not_modified, representation_etag
from .state import current_state

blueprint = Blueprint("canned", __name__, template_folder="templates")
CATALOGUE_KEY = "natograph.catalogue"
RESERVED_PARAMETERS = {"format"}
PAGE_TYPES = ("application/json", "text/html")
# The downloads a canned query's page offers, by kind of result, in this order.
DOWNLOADS = {ResultKind.SOLUTIONS: (Format.SPARQL_JSON, Format.CSV, Format.TSV, Format.SPARQL_XML),
             ResultKind.GRAPH: (Format.TURTLE, Format.N_TRIPLES, Format.JSON_LD, Format.RDF_XML)}
# File extensions of downloads where the registered one (.srj, .srx) would puzzle a desktop.
FILE_EXTENSIONS = {Format.SPARQL_JSON: "json", Format.SPARQL_XML: "xml"}
# Suggestions offered for a resource parameter (its class's resources by slug and label), at most.
MAX_SUGGESTIONS = 500


@blueprint.record_once
def _load_catalogue(setup) -> None:
    directory = setup.app.extensions["natograph"].config.queries_path
    setup.app.extensions[CATALOGUE_KEY] = load_catalogue(directory) if directory.is_dir() else {}


def catalogue() -> dict[str, CannedQuery]:
    """The canned queries of the running application, loaded once at start-up."""
    return current_app.extensions[CATALOGUE_KEY]


@blueprint.route("/queries")
def list_queries():
    """The catalogue: JSON for programs, an HTML page with a form per query for people."""
    wants = (request.args.get("format") or preferred_media_type(PAGE_TYPES, request.headers.get("Accept"))
             or PAGE_TYPES[0])
    if wants in ("html", "text/html"):
        tags = sorted({tag for query in catalogue().values() for tag in query.tags})
        return render_template("queries.html", queries=catalogue().values(), tags=tags, render_inline=render_inline)
    return jsonify({"queries": [describe(query) for query in catalogue().values()]})


@blueprint.route("/queries/<name>.rq")
def query_text(name: str) -> Response:
    """The reviewed SPARQL text of one canned query, as it runs in any SPARQL editor (as plain text to a browser)."""
    query = _find(name)
    media_type = "text/plain" if names_html(request.headers.get("Accept")) else "application/sparql-query"
    response = Response(query.text, content_type=f"{media_type}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/queries/<name>")
def run_query(name: str) -> Response:
    """Run a canned query with its parameters, answering in the negotiated format; a browser gets the query's page."""
    state = current_state()
    query = _find(name)
    kind = result_kind_of(query.form)
    if wants_page(kind):
        return query_page(query, kind)
    fmt = choose_format(kind, accept=request.headers.get("Accept"), format_name=request.args.get("format"),
                        pages=("html",))
    given = given_parameters()
    client = client_key(request.remote_addr)
    # The parameters' name look-ups are queries too: they count against the client's share.
    with state.fair_share.admit(client):
        bindings = bind_parameters(query, given, state.store)
        etag = representation_etag(state.snapshot_key, fmt, name, urlencode(sorted(given.items())),
                                   state.config.max_rows)
        if is_not_modified(request, etag):
            return not_modified(etag)
        state.rate_limiter.charge(client)
        answer = state.executor.run(QueryJob(query.query, fmt, bindings=bindings, limits=state.query_limits))
    response = answer_response(answer, max_rows=state.config.max_rows, etag=etag)
    response.headers.set("Content-Disposition", "inline", filename=file_name(query, answer.fmt))
    return response


def wants_page(kind: ResultKind) -> bool:
    """Whether the request asks for the query's HTML page: `format=html`, or an Accept that names text/html and
    prefers it to every format of the answer (a browser's); `*/*` and other clients keep the data formats."""
    name = request.args.get("format")
    if name is not None:
        return name == "html"
    return prefers_html(kind, request.headers.get("Accept"))


def file_name(query: CannedQuery, fmt: Format) -> str:
    """The name a download of this query's answer is saved under: the query's name and the format's extension."""
    return f"{query.name}.{FILE_EXTENSIONS.get(fmt, fmt.extension)}"


def query_page(query: CannedQuery, kind: ResultKind) -> Response:
    """The query's own page: its description, a form of typed inputs, the answer as a table, downloads and links.

    A parameter the server cannot read is shown above the form (400), with the form filled as it was sent.
    """
    state = current_state()
    given = given_parameters()
    values = {p.name: given.get(p.name, p.default or "") for p in query.parameters}
    table = answer = error = bindings = None
    status = 200
    # A required parameter not yet filled in is what the form is for, not a mistake: the page asks for it.
    missing = [p.name for p in query.parameters if p.required and p.default is None and not given.get(p.name)]
    try:
        if not missing:
            bindings = bind_parameters(query, given, state.store)
        else:
            # The values given so far are read all the same: a bad one is said now, not once the form is complete.
            bind_parameters(query, given, state.store, allow_missing=True)
    except ParameterError as refused:
        error, status = refused.to_dict(), refused.http_status
    if bindings is not None:
        state.rate_limiter.charge(client_key(request.remote_addr))
        fmt = ANSWER_FORMATS[kind.value]
        answer = state.executor.run(QueryJob(query.query, fmt, bindings=bindings, limits=state.query_limits))
        table = answer_table(answer.body, answer.fmt)
    arguments = sorted((k, v) for k, v in given.items() if v != "")
    downloads = [(fmt.short_name.upper(), url_for("canned.run_query", name=query.name, **dict(arguments),
                                                  format=fmt.short_name), file_name(query, fmt), fmt.media_type)
                 for fmt in DOWNLOADS[kind]]
    page = render_template(
        "canned_query.html", query=query, values=values, table=table, error=error, missing=missing,
        truncated=answer is not None and answer.truncated, max_rows=state.config.max_rows,
        description=render_markdown(query.description), render_inline=render_inline, downloads=downloads,
        suggestions={p.name: suggestions(p) for p in query.parameters if p.type == "iri"},
        editor=editor_link(query, bindings or {}),
        share=url_for("canned.run_query", name=query.name, **dict(arguments), _external=True))
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def suggestions(parameter) -> list[tuple[str, str]]:
    """(value, label) of the resources a resource parameter accepts: the slug of natograph's, else the IRI."""
    store = current_state().store
    found: dict[str, str] = {}
    for cls in parameter.classes:
        rows = store.query(read_query("instances-of.rq"), bindings={"class": ox.NamedNode(cls)}).rows
        for resource, label in rows:
            iri = resource.value
            value = iri[len(str(NATOID)):] if iri.startswith(str(NATOID)) else iri
            found.setdefault(value, label.value if label is not None else "")
            if len(found) >= MAX_SUGGESTIONS:
                return sorted(found.items(), key=lambda item: item[1].lower())
    return sorted(found.items(), key=lambda item: item[1].lower())


def given_parameters() -> dict[str, str]:
    """The canned query's parameters in the URL (each given once: request_checks refuses a repeated one)."""
    return {key: value for key, value in request.args.items() if key not in RESERVED_PARAMETERS}


@blueprint.route("/openapi.json")
def openapi() -> Response:
    """An OpenAPI 3 description of the canned-query API, generated from the catalogue."""
    return jsonify(openapi_document(catalogue(), server_url=_base_url()))


@blueprint.route("/.well-known/sparql-examples")
def examples() -> Response:
    """The catalogue as SPARQL examples (SHACL executables) that query editors can offer."""
    state = current_state()
    fmt = choose_format(ResultKind.GRAPH, accept=request.headers.get("Accept"), format_name=request.args.get("format"))
    etag = representation_etag(state.snapshot_key, fmt, "sparql-examples")
    if is_not_modified(request, etag):
        return not_modified(etag)
    quads = sparql_examples(catalogue(), base_url=_base_url(), endpoint_url=_base_url() + "/sparql")
    body = serialize_served_graph([q.triple for q in quads], fmt, prefixes=EXAMPLE_PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response


def describe(query: CannedQuery) -> dict:
    """The JSON description of one canned query."""
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form.value,
        "url": url_for("canned.run_query", name=query.name, _external=True),
        "text": url_for("canned.query_text", name=query.name, _external=True),
        "parameters": [
            {"name": p.name, "type": p.type, "required": p.required, "default": p.default, "example": p.example,
             "description": p.description, "accepts": p.accepts(), **({"values": list(p.values)} if p.values else {})}
            for p in query.parameters
        ],
    }


def editor_link(query: CannedQuery, bindings: dict | None = None) -> str:
    """A link that opens the query's text in the query page's editor, its parameters bound by a VALUES block.

    The values are the RDF terms the parameters were read as (serialised by pyoxigraph), as a remote store
    binds them, so the editor answers with the canned query's rows.
    """
    return "/query?" + urlencode({"query": editor_text(query, bindings or {})})


def editor_text(query: CannedQuery, bindings: dict) -> str:
    """The query's text with a VALUES block of these bindings opening its WHERE group (the text alone if none)."""
    return text_for_display(query.text, bindings)


def _find(name: str) -> CannedQuery:
    query = catalogue().get(name)
    if query is None:
        raise NotFoundError(f"no canned query '{name}'; GET /queries lists them")
    return query


def _base_url() -> str:
    public_base = current_state().config.public_base
    return public_base.rstrip("/") if public_base else request.host_url.rstrip("/")
