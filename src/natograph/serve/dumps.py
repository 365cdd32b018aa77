"""Dumps of the whole dataset (`/dump/`), its VoID and DCAT description (`/void`, `/.well-known/void`) and the JSON-LD context."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request

from ..formats.dump import DATASET_FORMATS, DUMP_FORMATS, GraphSelection, dump_file_name, iter_dump
from ..errors import NotFoundError, ParameterError
from ..formats import EXTENSION_TO_FORMAT, Format, ResultKind, format_named
from ..formats.results import serialize_graph
from ..formats.void import PREFIXES as VOID_PREFIXES
from ..formats.void import void_description
from .links import server_url, term_view
from .memo import serialize_served_graph, served_context, served_statistics
from .negotiation import preferred_media_type
from .representations import REPRESENTATIONS, negotiate
from .responses import is_not_modified, not_modified, representation_etag
from .state import current_state

blueprint = Blueprint("dumps", __name__, template_folder="templates")

FORMAT_LABELS = {Format.TURTLE: "Turtle", Format.N_TRIPLES: "N-Triples", Format.JSON_LD: "JSON-LD",
                 Format.RDF_XML: "RDF/XML", Format.TRIG: "TriG", Format.N_QUADS: "N-Quads"}
# A data document first: a client that accepts anything gets Turtle, a browser (text/html) the page.
VOID_REPRESENTATIONS = (REPRESENTATIONS[1], REPRESENTATIONS[0], *REPRESENTATIONS[2:])


@blueprint.get("/dump/")
def dump_index() -> Response:
    """The dumps on offer: an HTML table for people, JSON for programs."""
    dumps = [
        {"graph": selection.value, "format": fmt.short_name, "media_type": fmt.media_type,
         "url": f"/dump/{dump_file_name(selection, fmt)}", "named_graphs": fmt in DATASET_FORMATS}
        for selection in GraphSelection for fmt in DUMP_FORMATS
    ]
    if preferred_media_type(("text/html", "application/json"), request.headers.get("Accept")) == "application/json":
        response = jsonify({"snapshot": current_state().snapshot_key, "dumps": dumps})
    else:
        page = render_template("dumps.html", dumps=dumps, labels=FORMAT_LABELS, selections=list(GraphSelection),
                               formats=DUMP_FORMATS, file_name=dump_file_name, manifest=current_state().manifest)
        response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/dump/<file_name>")
def dump_file(file_name: str) -> Response:
    """One dump, streamed, e.g. `/dump/natograph-all.ttl` or `/dump/natograph-inferred.nq`."""
    selection, fmt = _parse_dump_name(file_name)
    asked = request.args.get("format")
    if asked and format_named(asked, ResultKind.GRAPH) is not fmt:
        # The file's name says its format: a `format` naming another is a mistake to say, not to ignore.
        raise ParameterError("format", f"{asked!r} contradicts the dump's extension .{file_name.rpartition('.')[2]}",
                             accepts=f"{fmt.short_name}, or the dump of another extension")
    state = current_state()
    etag = representation_etag(state.snapshot_key, fmt, "dump", selection.value)
    if is_not_modified(request, etag):
        return not_modified(etag)
    context = served_context() if fmt is Format.JSON_LD else None
    response = Response(iter_dump(state.snapshot, fmt, selection, context=context), content_type=fmt.content_type)
    response.headers["ETag"] = etag
    response.headers["Content-Disposition"] = f'attachment; filename="{dump_file_name(selection, fmt)}"'
    # Written as it is sent, so a Range is not served (the whole dump is, with 200): said, for download tools.
    response.headers["Accept-Ranges"] = "none"
    return response


@blueprint.get("/void")
@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID and DCAT description of the dataset: Turtle (or another RDF format, JSON-LD compact), or a page for a browser."""
    state = current_state()
    representation = negotiate(request.headers.get("Accept"), request.args.get("format"), VOID_REPRESENTATIONS)
    base = server_url()
    etag = representation_etag(state.snapshot_key, representation.fmt or Format.TURTLE, "void", representation.name, base)
    if is_not_modified(request, etag):
        return not_modified(etag)
    statistics = served_statistics()
    uri_space = state.config.resource_base + "id/"
    triples = void_description(statistics, state.manifest, dataset_iri=state.config.resource_base + "void#dataset",
                               server_url=base, uri_space=uri_space)
    if representation.is_html:
        turtle = serialize_graph(triples, Format.TURTLE, prefixes=VOID_PREFIXES).decode("utf-8")
        body = render_template("void.html", statistics=statistics, manifest=state.manifest, turtle=turtle,
                               uri_space=uri_space, labels=FORMAT_LABELS,
                               sources=[term_view(ox.NamedNode(iri), {iri: label}) for iri, label in statistics.sources], formats=DUMP_FORMATS,
                               file_name=dump_file_name, selections=list(GraphSelection))
    else:
        body = serialize_served_graph(triples, representation.fmt, prefixes=VOID_PREFIXES)
    response = Response(body, content_type=representation.content_type)
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD context natograph's JSON-LD documents refer to: short names for the ontology's terms."""
    state = current_state()
    etag = representation_etag(state.snapshot_key, Format.JSON_LD, "context")
    if is_not_modified(request, etag):
        return not_modified(etag)
    body = json.dumps(served_context().document(), ensure_ascii=False, indent=2)
    response = Response(body, content_type=Format.JSON_LD.content_type)
    response.headers["ETag"] = etag
    return response


def _parse_dump_name(file_name: str) -> tuple[GraphSelection, Format]:
    stem, _, extension = file_name.rpartition(".")
    fmt = EXTENSION_TO_FORMAT.get(extension)
    selection = {f"natograph-{s.value}": s for s in GraphSelection}.get(stem)
    if fmt not in DUMP_FORMATS or selection is None:
        offered = ", ".join(dump_file_name(GraphSelection.ALL, f) for f in DUMP_FORMATS)
        raise NotFoundError(f"no dump named '{file_name}'; dumps are natograph-{{all,asserted,inferred}}.<extension>, "
                            f"e.g. {offered} (GET /dump/ lists them)")
    return selection, fmt

