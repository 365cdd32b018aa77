"""Descriptions generated from the canned-query catalogue: OpenAPI 3 and SPARQL-examples RDF."""

from __future__ import annotations

import pyoxigraph as ox

from .. import __version__
from ..query.canned import CannedQuery
from ..vocab import PREFIXES

SELECT_MEDIA_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                      "text/tab-separated-values")
GRAPH_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
# The prefixes the examples are written with: natograph's, and the two vocabularies examples are made of.
EXAMPLE_PREFIXES = {**PREFIXES, "sh": SH, "schema": SCHEMA}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
EXECUTABLE_KIND = {"SELECT": "SPARQLSelectExecutable", "ASK": "SPARQLAskExecutable",
                   "CONSTRUCT": "SPARQLConstructExecutable", "DESCRIBE": "SPARQLDescribeExecutable"}
TEXT_PROPERTY = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}

_SCHEMA_OF_TYPE = {
    "iri": {"type": "string", "description": "an IRI, a slug, or a label/acronym naming exactly one resource"},
    "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
    "integer": {"type": "integer"},
    "string": {"type": "string"},
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "the kind of error, e.g. invalid-parameter"},
        "message": {"type": "string"},
        "parameter": {"type": "string", "description": "the parameter at fault"},
        "accepts": {"type": "string"},
        "candidates": {"type": "array", "items": {"type": "object"}},
    },
}


def openapi_document(catalogue: dict[str, CannedQuery], *, server_url: str) -> dict:
    """An OpenAPI 3.0 description of GET /queries/{name} for every canned query."""
    paths = {}
    for query in catalogue.values():
        media = GRAPH_MEDIA_TYPES if query.form.gives_graph else SELECT_MEDIA_TYPES
        paths[f"/queries/{query.name}"] = {
            "get": {
                "operationId": query.name.replace("-", "_"),
                "summary": query.summary,
                "description": query.description or query.summary,
                "tags": list(query.tags),
                "parameters": [_openapi_parameter(p) for p in query.parameters] + [_format_parameter(media)],
                "responses": {
                    "200": {"description": f"the {query.form.value} result",
                            "content": {m: {"schema": {"type": "string"}} for m in media}},
                    "400": _error_response("a parameter is missing or invalid"),
                    "406": _error_response("none of the accepted media types is offered"),
                    "429": _error_response("the client reached one of its limits (named in `limit`); see Retry-After"),
                    "503": _error_response("the query ran past the time limit, or the server is busy"),
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "natograph canned queries",
            "version": __version__,
            "description": "Reviewed, parameterised SPARQL queries over the natograph knowledge graph.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }


def _openapi_parameter(parameter) -> dict:
    schema = dict(_SCHEMA_OF_TYPE.get(parameter.type, {"type": "string"}))
    if parameter.type == "enum":
        schema = {"type": "string", "enum": list(parameter.values)}
    if parameter.default is not None:
        schema["default"] = int(parameter.default) if parameter.type == "integer" else parameter.default
    spec = {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required and parameter.default is None,
        "description": (parameter.description + " — " if parameter.description else "") + f"accepts {parameter.accepts()}",
        "schema": schema,
    }
    if parameter.example is not None:
        spec["example"] = int(parameter.example) if parameter.type == "integer" else parameter.example
    return spec


def _format_parameter(media: tuple[str, ...]) -> dict:
    return {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "a result format overriding the Accept header: " + ", ".join(media),
        "schema": {"type": "string"},
    }


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def sparql_examples(catalogue: dict[str, CannedQuery], *, base_url: str, endpoint_url: str) -> list[ox.Quad]:
    """The catalogue as SHACL SPARQL executables (the SPARQL-examples convention) for query editors."""
    quads = []
    for query in catalogue.values():
        node = ox.NamedNode(f"{base_url}/queries/{query.name}")
        statements = [
            (RDF_TYPE, ox.NamedNode(SH + "SPARQLExecutable")),
            (RDF_TYPE, ox.NamedNode(SH + EXECUTABLE_KIND[query.form.value])),
            (RDFS_LABEL, ox.Literal(query.summary, language="en")),
            (RDFS_COMMENT, ox.Literal(query.description or query.summary, language="en")),
            (ox.NamedNode(SH + TEXT_PROPERTY[query.form.value]), ox.Literal(query.text)),
            (ox.NamedNode(SCHEMA + "target"), ox.NamedNode(endpoint_url)),
        ]
        statements += [(ox.NamedNode(SCHEMA + "keywords"), ox.Literal(tag)) for tag in query.tags]
        quads += [ox.Quad(node, p, o) for p, o in statements]
    return quads
