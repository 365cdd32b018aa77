"""Checks shared by the JSON-LD tests: a document is compact against its inline context and reads back as its Turtle."""

from __future__ import annotations

import json

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from natograph.rdf.terms import triple_to_rdflib

KEYWORD_KEYS = {"id", "type"}


def node_keys(document: dict) -> set[str]:
    """Every property key of the document's node objects."""
    return {key for node in document["@graph"] for key in node} - KEYWORD_KEYS


def assert_compact(document: dict) -> set[str]:
    """The context is inline, and every key is one of its terms, a compact IRI on one of its prefixes, or an IRI
    no prefix of it covers; returns the keys."""
    context = document["@context"]
    assert isinstance(context, dict), "the context must be inline: a reader should not have to fetch it"
    namespaces = [value for value in context.values() if isinstance(value, str) and value.endswith(("#", "/"))]
    keys = node_keys(document)
    for key in keys:
        prefix, colon, _ = key.partition(":")
        if "://" in key:
            assert not any(key.startswith(namespace) for namespace in namespaces), f"{key!r} could be compact"
        else:
            assert key in context or (colon and prefix in context), f"{key!r} is not a term or compact IRI of the context"
    return keys


def rdflib_graph_of_triples(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    return graph


def assert_reads_as(jsonld: bytes, turtle: bytes) -> None:
    """Oxigraph's and rdflib's JSON-LD parsers both read the document as the graph its Turtle form holds."""
    expected = rdflib.Graph().parse(data=turtle, format="turtle")
    assert len(expected) > 0
    with_oxigraph = rdflib_graph_of_triples(q.triple for q in ox.parse(jsonld, format=ox.RdfFormat.JSON_LD))
    assert isomorphic(with_oxigraph, expected)
    assert isomorphic(rdflib.Graph().parse(data=jsonld, format="json-ld"), expected)


def parse_json(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))
