"""The RDF description of a resource: its triples with asserted and inferred apart, incoming links, labels."""

import pyoxigraph as ox
import pytest

from natograph.query.describe import ASSERTED, INFERRED, describe_resource, is_inferred
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..web_fixture import NATO, NATOID, built_web_project

LOCATED_IN = ox.NamedNode(NATO + "locatedIn")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return EmbeddedStore(open_snapshot(built_web_project(tmp_path_factory.mktemp("describe"))))


def node(local: str) -> ox.NamedNode:
    return ox.NamedNode(NATOID + local)


def test_asserted_and_inferred_triples_are_told_apart(store):
    description = describe_resource(store, NATOID + "city")
    located = {(q.object.value, q.graph_name) for q in description.outgoing() if q.predicate == LOCATED_IN}
    assert located == {(NATOID + "province", ASSERTED), (NATOID + "country", INFERRED)}


def test_every_triple_of_the_description_is_in_the_graph_it_claims(store):
    description = describe_resource(store, NATOID + "op-a")
    for quad in description.quads:
        found = list(store.snapshot.store.quads_for_pattern(quad.subject, quad.predicate, quad.object, quad.graph_name))
        assert found, f"{quad} is not in its graph"


def test_incoming_links_are_included(store):
    description = describe_resource(store, NATOID + "country")
    incoming = {(q.subject.value, is_inferred(q)) for q in description.incoming()}
    assert incoming == {(NATOID + "province", False), (NATOID + "city", True)}


def test_labels_of_every_mentioned_resource_are_included(store):
    description = describe_resource(store, NATOID + "city")
    labels = description.labels()
    assert labels[NATOID + "province"] == "Province" and labels[NATOID + "country"] == "Country"
    assert labels[NATO + "Place"] == "Place"
    assert ox.Quad(node("country"), RDFS_LABEL, ox.Literal("Country", language="en"), ASSERTED) in description.quads


def test_the_inferred_type_of_a_range_is_in_the_description(store):
    description = describe_resource(store, NATOID + "org")
    assert ox.Quad(node("org"), RDF_TYPE, ox.NamedNode(NATO + "Organisation"), INFERRED) in description.quads


def test_an_unknown_resource_has_an_empty_description(store):
    description = describe_resource(store, NATOID + "nowhere")
    assert not description.found and description.quads == []


def test_incoming_links_are_cut_at_the_limit(store):
    description = describe_resource(store, NATOID + "country", max_incoming=1)
    assert len(description.incoming()) == 1 and description.incoming_truncated
