"""The canned-query API: the catalogue (JSON, HTML), runs with content negotiation, texts, OpenAPI, examples."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from ..query.canned import CannedQuery, bind_parameters, load_catalogue
from .catalogue_docs import EXAMPLE_PREFIXES, openapi_document, sparql_examples
from ..errors import NotFoundError, ParameterError
from ..query.executor import QueryJob
from ..formats import ResultKind
from .limits import client_key
from .memo import serialize_served_graph
from .negotiation import choose_format, preferred_media_type
from .responses import answer_response, is_not_modified, not_modified, representation_etag
from .state import current_state

blueprint = Blueprint("canned", __name__, template_folder="templates")
CATALOGUE_KEY = "natograph.catalogue"
RESERVED_PARAMETERS = {"format"}
PAGE_TYPES = ("application/json", "text/html")


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
        return render_template("queries.html", queries=catalogue().values(), editor_link=editor_link)
    return jsonify({"queries": [describe(query) for query in catalogue().values()]})


@blueprint.route("/queries/<name>.rq")
def query_text(name: str) -> Response:
    """The reviewed SPARQL text of one canned query, as it runs in any SPARQL editor."""
    query = _find(name)
    return Response(query.text, content_type="application/sparql-query; charset=utf-8")


@blueprint.route("/queries/<name>")
def run_query(name: str) -> Response:
    """Run a canned query with its parameters, answering in the negotiated format."""
    state = current_state()
    query = _find(name)
    kind = ResultKind.GRAPH if query.form in ("CONSTRUCT", "DESCRIBE") else ResultKind.SOLUTIONS
    fmt = choose_format(kind, accept=request.headers.get("Accept"), format_name=request.args.get("format"))
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
        answer = state.executor.run(QueryJob(query.text, fmt, bindings=bindings, limits=state.query_limits))
    return answer_response(answer, max_rows=state.config.max_rows, etag=etag)


def given_parameters() -> dict[str, str]:
    """The canned query's parameters in the URL, each given once (a repeated one is a 400 naming it)."""
    given = {}
    for key, values in request.args.lists():
        if key in RESERVED_PARAMETERS:
            continue
        if len(values) > 1:
            raise ParameterError(key, f"given {len(values)} times; give it once")
        given[key] = values[0]
    return given


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
        "form": query.form,
        "url": url_for("canned.run_query", name=query.name, _external=True),
        "text": url_for("canned.query_text", name=query.name, _external=True),
        "parameters": [
            {"name": p.name, "type": p.type, "required": p.required, "default": p.default, "example": p.example,
             "description": p.description, "accepts": p.accepts(), **({"values": list(p.values)} if p.values else {})}
            for p in query.parameters
        ],
    }


def editor_link(query: CannedQuery) -> str:
    """A link that opens the query's text in the query page's editor."""
    return "/query?" + urlencode({"query": query.text})


def _find(name: str) -> CannedQuery:
    query = catalogue().get(name)
    if query is None:
        raise NotFoundError(f"no canned query '{name}'; GET /queries lists them")
    return query


def _base_url() -> str:
    public_base = current_state().config.public_base
    return public_base.rstrip("/") if public_base else request.host_url.rstrip("/")
