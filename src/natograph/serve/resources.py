"""Dereferenceable IRIs: every resource (`/id/…`), ontology term (`/ontology/…`) and the ontology (`/ontology`), as HTML or RDF.

Following the W3C note "Cool URIs for the Semantic Web": `/id/kfor` names a thing, not a document,
so it answers 303 See Other to the document the client's Accept header prefers (`/id/kfor.html`,
`/id/kfor.ttl`, …). `/ontology` is the document of the hash IRIs `…/ontology#Operation`; it and the
term pages `/ontology/Operation` answer the negotiated representation directly, naming it in
Content-Location. Every negotiated answer carries `Vary: Accept`; an unknown resource is a 404 in
the representation asked for.
"""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request

from .. import __version__
from ..query.describe import (ASSERTED, INFERRED, PROVENANCE, Description, describe_resource, graph_statements,
                              labels_of, statement_quads)
from ..errors import NotFoundError, ParameterError
from ..formats import OXIGRAPH_RDF_FORMAT, Format
from ..formats.results import serialize_graph
from ..sparql import read_query
from ..sparql.text import text_for_display
from ..store import Dataset
from ..vocab import PREFIXES, file_graph_iri
from .checks import explain_url
from .links import page_path, resource_base
from .memo import served_context, served_statistics
from .representations import REPRESENTATIONS, Representation, addressed, split_extension
from .responses import is_not_modified, not_modified
from .state import current_state
from .views import ontology_page, resource_page, term_summary

blueprint = Blueprint("resources", __name__, template_folder="templates")

GRAPH_CHOICES = {"asserted": ASSERTED, "inferred": INFERRED}


@blueprint.get("/id/<name>")
def resource(name: str) -> Response:
    """A resource of the graph: 303 to its negotiated document, or the document itself (`/id/kfor.ttl`)."""
    return _describe_resource(name, iri_prefix="id/", path_prefix="/id/", in_place=False)


@blueprint.get("/ontology/<name>")
def term(name: str) -> Response:
    """The page (or RDF description) of one ontology term, `…/ontology#name`."""
    return _describe_resource(name, iri_prefix="ontology#", path_prefix="/ontology/", in_place=True)


@blueprint.get("/ontology")
@blueprint.get("/ontology.<extension>")
def ontology(extension: str | None = None) -> Response:
    """The ontology: a documentation page, or the ontology file's triples in an RDF format."""
    fixed = None
    if extension is not None:
        _, fixed = split_extension("ontology." + extension)
        if fixed is None:
            raise NotFoundError(f"no representation '.{extension}' of the ontology; "
                                f"offered: {', '.join(r.extension for r in REPRESENTATIONS)}")
    representation = addressed(fixed, request.headers.get("Accept"), request.args.get("format"))
    state = current_state()
    etag = document_etag("ontology", representation.name)
    if is_not_modified(request, etag):
        return not_modified(etag)
    graph = file_graph_iri(state.config.ontology_file)
    if representation.is_html:
        rows = state.store.query(read_query("ontology-triples.rq"), dataset=Dataset(default_graphs=(graph,))).rows
        page = ontology_page(rows, _ontology_metadata(), _usage_counts())
        body = render_template("ontology.html", page=page, alternates=alternates("/ontology"))
    else:
        triples = state.store.query(read_query("graph-triples.rq"), dataset=Dataset(default_graphs=(graph,))).triples
        body = _serialize([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples],
                          representation.fmt, sectioned=False)
    response = Response(body, content_type=representation.content_type)
    response.headers["ETag"] = etag
    link_alternates(response, "/ontology")
    if fixed is None:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/ontology.{representation.extension}"
    return response


def _describe_resource(name: str, *, iri_prefix: str, path_prefix: str, in_place: bool) -> Response:
    """The answer for `path_prefix + name`, about the IRI `resource_base + iri_prefix + name` without its extension.

    With an extension (`kfor.ttl`), the document in that representation. Without one, the representation
    negotiated by `format` or Accept: a 303 to its document, or (`in_place`) the document itself, naming its
    address in Content-Location. An IRI the graph does not mention is a 404 in the representation asked for.
    """
    stem, fixed = split_extension(name)
    iri = resource_base() + iri_prefix + stem
    representation = addressed(fixed, request.headers.get("Accept"), request.args.get("format"))
    description = _describe(iri)
    if description is None:
        return not_found(representation, iri, negotiated=fixed is None)
    if fixed is not None:
        return _document(description, representation, negotiated=False)
    document_path = f"{path_prefix}{stem}.{representation.extension}"
    if not in_place:
        return see_other(document_path)
    response = _document(description, representation, negotiated=True)
    response.headers["Content-Location"] = document_path
    return response


def _describe(iri: str) -> Description | None:
    """The description of `iri`, or None if the graph does not mention it (or the address makes no valid IRI)."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    description = describe_resource(current_state().store, iri)
    return description if description.found else None


def _document(description: Description, representation: Representation, *, negotiated: bool) -> Response:
    graph = _graph_parameter()
    path = page_path(description.resource.value) or request.path
    etag = document_etag("resource", representation.name, description.resource.value, graph or "both")
    if is_not_modified(request, etag):
        return not_modified(etag)
    if representation.is_html:
        body = _html(description)
    else:
        quads = [q for q in description.quads if graph is None or q.graph_name == GRAPH_CHOICES[graph]]
        if graph is None and OXIGRAPH_RDF_FORMAT[representation.fmt].supports_datasets \
                and representation.fmt is not Format.JSON_LD:
            # A dataset format carries who states each fact: its statement graphs and their descriptions; a
            # statement graph's own document, the statements it holds.
            quads += statement_quads(current_state().store, description)
            quads += graph_statements(current_state().store, description)
        body = _serialize(quads, representation.fmt, sectioned=True)
    response = Response(body, content_type=representation.content_type)
    response.headers["ETag"] = etag
    link_alternates(response, path)
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


def _html(description: Description) -> str:
    state = current_state()
    iri = description.resource.value
    figure_rows = state.store.query(read_query("figures-of.rq"), bindings={"resource": description.resource}).rows
    held = graph_statements(state.store, description)
    mentioned = {term for q in held for term in (q.subject, q.predicate, q.object) if isinstance(term, ox.NamedNode)}
    page = resource_page(description, explain=explain_url, figure_rows=figure_rows, graph_statements=held,
                         statement_labels=labels_of(state.store, mentioned) if mentioned else {})
    path = page_path(iri) or request.path
    if iri.startswith(resource_base() + "ontology#"):
        usage = _usage_counts().get(iri, 0)
        summary = term_summary(description, explain=explain_url, usage=usage)
        usage_query = text_for_display(read_query("instances-of.rq" if summary.is_class else "uses-of.rq"),
                                        {"class" if summary.is_class else "property": description.resource})
        return render_template("term.html", page=page, summary=summary, usage_query=usage_query,
                               alternates=alternates(path))
    return render_template("resource.html", page=page, alternates=alternates(path))


def _serialize(quads: list[ox.Quad], fmt: Format, *, sectioned: bool) -> bytes:
    """Quads in an RDF format: dataset formats keep the graphs; `sectioned` Turtle and N-Triples list the asserted
    and the inferred triples under a comment each."""
    rdf_format = OXIGRAPH_RDF_FORMAT[fmt]
    if rdf_format.supports_datasets and fmt is not Format.JSON_LD:
        return ox.serialize(quads, format=rdf_format, prefixes=PREFIXES)
    if fmt is Format.JSON_LD:
        return serialize_graph([q.triple for q in quads], fmt, context=served_context())
    if fmt is Format.RDF_XML or not sectioned:
        return ox.serialize([q.triple for q in quads], format=rdf_format, prefixes=PREFIXES)
    sections = []
    for graph, heading in ((ASSERTED, "asserted"), (INFERRED, "inferred by the OWL 2 RL reasoner"),
                           (PROVENANCE, "a statement graph's description, by the build")):
        triples = [q.triple for q in quads if q.graph_name == graph]
        if triples:
            text = ox.serialize(triples, format=rdf_format, prefixes=PREFIXES).decode("utf-8")
            if sections:
                text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("@prefix "))
            sections.append(f"# {heading} (graph <{graph.value}>)\n{text}")
    return "\n".join(sections).encode("utf-8")


def not_found(representation: Representation, iri: str, *, negotiated: bool, kind: str = "resource") -> Response:
    """A 404 in the representation asked for: a page, or an RDF document holding no triples and saying why."""
    message = f"natograph has no {kind} <{iri}>"
    if representation.is_html:
        body = render_template("not_found.html", message=message, iri=iri)
    elif representation.fmt is Format.JSON_LD:
        body = json.dumps({**served_context().document(), "@graph": [], "error": "not-found", "message": message},
                          ensure_ascii=False) + "\n"
    elif representation.fmt is Format.RDF_XML:
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- 404: ' + message.replace("--", "- -") + " -->\n"
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    else:
        body = f"# 404: {message}\n"
    response = Response(body, status=404, content_type=representation.content_type)
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


def see_other(location: str) -> Response:
    """303 See Other to the document `location`, keeping the request's query string."""
    if request.query_string:
        location += "?" + request.query_string.decode("utf-8", "replace")
    response = redirect(location, code=303)
    response.headers["Vary"] = "Accept"
    return response


def _graph_parameter() -> str | None:
    graph = request.args.get("graph")
    if graph in (None, "", "all"):
        return None
    if graph not in GRAPH_CHOICES:
        raise ParameterError("graph", f"unknown graph {graph!r}", accepts="asserted, inferred, all")
    return graph


def alternates(path: str) -> list[tuple[str, str, str]]:
    """(label, address, media type) of every representation of the page at `path`."""
    labels = {"html": "HTML", "ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdf": "RDF/XML",
              "trig": "TriG", "nq": "N-Quads"}
    return [(labels[r.extension], f"{path}.{r.extension}", r.media_types[0]) for r in REPRESENTATIONS]


def link_alternates(response: Response, path: str) -> None:
    """Link headers to every representation of the page at `path`."""
    response.headers["Link"] = ", ".join(
        f'<{address}>; rel="alternate"; type="{media_type}"' for _, address, media_type in alternates(path))


def _usage_counts() -> dict[str, int]:
    """How many resources each class has and how many triples use each property (computed once)."""
    statistics = served_statistics()
    return {**dict(statistics.properties), **dict(statistics.classes)}


def _ontology_metadata() -> dict:
    return served_statistics().metadata


def document_etag(*parts: str) -> str:
    """A weak ETag of the served snapshot, this version and `parts`."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]
    return f'W/"{current_state().snapshot_key}-{__version__}-{digest}"'

