"""The snapshot's named graphs, read from its manifest, and their VoID descriptions."""

import pyoxigraph as ox
import pytest

from natograph.formats.dump import GraphSelection
from natograph.formats.named_graphs import find_graph, graph_description, snapshot_graphs
from natograph.snapshot import open_snapshot

from ..serving import built_mini_project

GRAPH = "https://w3id.org/natograph/graph/"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return open_snapshot(built_mini_project(tmp_path_factory.mktemp("named-graphs")))


def stored_triples(snapshot, iri: str) -> int:
    return sum(1 for _ in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def objects(triples, predicate: str) -> list[str]:
    return [t.object.value for t in triples if t.predicate.value == predicate]


def test_every_named_graph_of_the_store_is_listed_with_its_stored_triple_count(snapshot):
    graphs = snapshot_graphs(snapshot.manifest)
    assert {g.iri for g in graphs} == {g.value for g in snapshot.store.named_graphs()}
    assert [g.iri for g in graphs[:2]] == [GRAPH + "asserted", GRAPH + "inferred"]
    for graph in graphs:
        assert graph.triples == stored_triples(snapshot, graph.iri), graph.iri


def test_a_file_graph_names_its_source_file_and_the_asserted_graph_is_made_of_them(snapshot):
    places = find_graph(snapshot.manifest, GRAPH + "data/places.ttl")
    assert places.source_file == "data/places.ttl" and len(places.source_sha256) == 64
    asserted = find_graph(snapshot.manifest, GRAPH + "asserted")
    assert set(asserted.subsets) == {GRAPH + "ontology/nato.ttl", GRAPH + "data/operations.ttl", places.iri}
    assert asserted.source_file is None and asserted.dump is GraphSelection.ASSERTED
    assert find_graph(snapshot.manifest, GRAPH + "data/nowhere.ttl") is None


def test_a_description_counts_the_graph_and_links_its_dumps_without_holding_its_triples(snapshot):
    asserted = find_graph(snapshot.manifest, GRAPH + "asserted")
    triples = graph_description(asserted, server_url="https://example.org/")
    assert {t.subject.value for t in triples} == {asserted.iri}
    assert objects(triples, VOID + "triples") == [str(stored_triples(snapshot, asserted.iri))]
    assert "https://example.org/dump/natograph-asserted.nt" in objects(triples, VOID + "dataDump")
    assert objects(triples, VOID + "sparqlEndpoint") == ["https://example.org/sparql"]
    stored = {q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(asserted.iri))}
    assert not stored & set(triples)


def test_a_file_graph_s_description_names_its_file_and_no_dump_of_its_own(snapshot):
    places = find_graph(snapshot.manifest, GRAPH + "data/places.ttl")
    triples = graph_description(places, server_url="https://example.org")
    assert objects(triples, DCTERMS + "source") == ["data/places.ttl"]
    assert objects(triples, VOID + "dataDump") == []
    inferred = graph_description(find_graph(snapshot.manifest, GRAPH + "inferred"), server_url="https://example.org")
    assert objects(inferred, "http://www.w3.org/ns/prov#wasDerivedFrom") == [GRAPH + "asserted"]
