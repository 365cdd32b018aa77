"""JSON-LD that reads as plain JSON and still parses back into exactly the triples written."""

import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from natograph.config import Config
from natograph.errors import NotAcceptableError
from natograph.formats.jsonld import (DESCRIPTION_PREFIXES, JsonLdContext, TermDefinition, context_from_store,
                              serialize_document, store_context)
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore
from natograph.rdf.terms import triple_to_rdflib

from ..web_fixture import NATO, NATOID, built_web_project

from ..serving import in_process_client

XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return EmbeddedStore(open_snapshot(built_web_project(tmp_path_factory.mktemp("jsonld"))))


@pytest.fixture(scope="module")
def served_client(store):

    config = Config.load(root=store.snapshot.path.parents[2])
    return in_process_client(config, store)


def all_triples(store):
    graphs = ("https://w3id.org/natograph/graph/asserted", "https://w3id.org/natograph/graph/inferred")
    return [q.triple for g in graphs for q in store.snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(g))]


def as_rdflib(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    return graph


def assert_parses_back(document: bytes, triples):
    with_oxigraph = [q.triple for q in ox.parse(document, format=ox.RdfFormat.JSON_LD)]
    assert isomorphic(as_rdflib(with_oxigraph), as_rdflib(triples))
    assert isomorphic(rdflib.Graph().parse(data=document, format="json-ld"), as_rdflib(triples))


def test_the_context_names_ontology_terms_by_their_local_names(store):
    context = context_from_store(store).document()["@context"]
    assert context["ledBy"] == {"@id": "nato:ledBy", "@type": "@id"}
    assert context["Operation"] == "nato:Operation"
    assert context["label"] == {"@id": "rdfs:label", "@language": "en"}
    assert context["natoid"] == NATOID and context["type"] == "@type"


def test_a_document_parses_back_into_the_same_triples(store):
    triples = all_triples(store)
    assert_parses_back(serialize_document(context_from_store(store), triples), triples)


def test_the_project_data_parses_back_into_the_same_triples(project_store):
    triples = all_triples(project_store)
    assert_parses_back(serialize_document(context_from_store(project_store), triples), triples)


def test_values_read_as_plain_json(store):
    document = json.loads(serialize_document(context_from_store(store), all_triples(store)))
    operation = next(n for n in document["@graph"] if n["id"] == "natoid:op-a")
    assert operation["label"] == "Operation A"
    assert operation["ledBy"] == "natoid:org"
    assert operation["type"] == "Operation"
    assert operation["startDate"] == {"@value": "2001", "@type": "xsd:gYear"}


def test_literals_that_do_not_fit_the_context_keep_their_type_or_language():
    subject = ox.NamedNode(NATOID + "x")
    triples = [
        ox.Triple(subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Kosovo", language="de")),
        ox.Triple(subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("plain")),
        ox.Triple(subject, ox.NamedNode(NATO + "troops"), ox.Literal("0500", datatype=ox.NamedNode(XSD + "integer"))),
        ox.Triple(subject, ox.NamedNode(NATO + "troops"), ox.Literal("12", datatype=ox.NamedNode(XSD + "integer"))),
        ox.Triple(subject, ox.NamedNode(NATO + "accepted"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ox.Triple(subject, ox.NamedNode(NATO + "ledBy"), ox.Literal("not an IRI")),
    ]
    context = JsonLdContext([
        TermDefinition("label", "http://www.w3.org/2000/01/rdf-schema#label", language="en"),
        TermDefinition("troops", NATO + "troops"), TermDefinition("accepted", NATO + "accepted"),
        TermDefinition("ledBy", NATO + "ledBy", points_at_resources=True),
    ])
    document = serialize_document(context, triples)
    node = json.loads(document)["@graph"][0]
    assert node["troops"] == [{"@value": "0500", "@type": "xsd:integer"}, 12]
    assert node["accepted"] is True
    assert node["ledBy"] == {"@value": "not an IRI"}
    assert_parses_back(document, triples)


def test_the_context_carries_the_prefixes_of_natographs_own_descriptions(store):
    context = context_from_store(store).document()["@context"]
    for prefix, namespace in DESCRIPTION_PREFIXES.items():
        assert context[prefix] == namespace
    assert context["void"] == "http://rdfs.org/ns/void#"


def test_a_document_carries_its_context_inline(store):
    context = context_from_store(store)
    document = json.loads(serialize_document(context, all_triples(store)[:5]))
    assert document["@context"] == context.document()["@context"]


def test_added_prefixes_never_replace_the_contexts_own():
    context = JsonLdContext([TermDefinition("label", RDFS_LABEL, language="en")], {"nato": NATO})
    assert context.with_prefixes({"nato": "http://elsewhere/"}) is context
    extended = context.with_prefixes({"ex": "http://example.org/", "label": "http://elsewhere/"})
    assert extended.prefixes == {"nato": NATO, "ex": "http://example.org/"}
    assert extended.document()["@context"]["label"] == {"@id": RDFS_LABEL, "@language": "en"}


@pytest.mark.parametrize("prefixes, name", [({"nato": NATO}, "nato"), ({}, "id"), ({"type": NATO}, "ledBy")])
def test_a_name_used_twice_in_a_context_is_refused(prefixes, name):
    definitions = [TermDefinition(name, NATO + "x"), TermDefinition("label", RDFS_LABEL)]
    with pytest.raises(ValueError, match="cannot use these names twice"):
        JsonLdContext(definitions, prefixes)


def test_a_triple_term_is_refused_naming_the_formats_that_can_hold_it():
    subject = ox.NamedNode(NATOID + "x")
    quoted = ox.Triple(subject, ox.NamedNode(NATO + "ledBy"), ox.NamedNode(NATOID + "y"))
    with pytest.raises(NotAcceptableError, match="triple term") as refused:
        serialize_document(JsonLdContext([]), [ox.Triple(subject, ox.NamedNode(NATO + "claims"), quoted)])
    assert refused.value.http_status == 406
    assert "text/turtle" in refused.value.to_dict()["offered"]


def test_an_iri_whose_scheme_is_a_prefix_is_refused_rather_than_misread():
    triple = ox.Triple(ox.NamedNode(NATOID + "x"), ox.NamedNode("nato:label"), ox.Literal("v"))
    with pytest.raises(NotAcceptableError, match="prefix nato"):
        serialize_document(JsonLdContext([]), [triple])
    allowed = ox.Triple(ox.NamedNode("nato://host/x"), ox.NamedNode(RDFS_LABEL), ox.Literal("v"))
    assert json.loads(serialize_document(JsonLdContext([]), [allowed]))["@graph"][0]["id"] == "nato://host/x"


def test_a_directional_literal_keeps_its_direction():
    triple = ox.Triple(ox.NamedNode(NATOID + "x"), ox.NamedNode(RDFS_LABEL),
                       ox.Literal("Kosovo", language="en", direction=ox.BaseDirection.LTR))
    context = JsonLdContext([TermDefinition("label", RDFS_LABEL, language="en")])
    document = serialize_document(context, [triple])
    assert json.loads(document)["@graph"][0]["label"] == {"@value": "Kosovo", "@language": "en", "@direction": "ltr"}
    assert [q.triple for q in ox.parse(document, format=ox.RdfFormat.JSON_LD)] == [triple]


def test_a_stores_context_is_computed_once_per_snapshot(store):
    assert store_context(store) is store_context(store)
    assert store_context(store).document() == context_from_store(store).document()


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/sparql-examples"])
def test_the_service_description_and_the_examples_are_compact_against_the_served_context(path, served_client):
    from ..jsonld_checks import assert_compact, assert_reads_as, parse_json

    document = served_client.get(path, headers={"Accept": "application/ld+json"})
    assert document.status_code == 200
    parsed = parse_json(document.data)
    served = served_client.get("/context.jsonld").get_json()["@context"]
    # The served context, plus the prefixes of the description's own vocabularies.
    assert {name: value for name, value in parsed["@context"].items() if name in served} == served
    keys = assert_compact(parsed)
    assert not any("://" in key for key in keys)
    assert_reads_as(document.data, served_client.get(path, headers={"Accept": "text/turtle"}).data)
