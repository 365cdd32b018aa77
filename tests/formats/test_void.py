"""The VoID and DCAT description: counts that match the snapshot, partitions, license, sources, endpoint and dumps."""

import pyoxigraph as ox
import pytest

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore
from natograph.formats.void import dataset_statistics, void_description

from ..jsonld_checks import assert_compact, assert_reads_as, parse_json
from ..web_fixture import NATO, NATOID, built_web_project

from ..serving import in_process_client

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
DATASET = "https://w3id.org/natograph/void#dataset"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = built_web_project(tmp_path_factory.mktemp("void"))
    store = EmbeddedStore(open_snapshot(config))
    return store, in_process_client(config, store)


def description_store(body: bytes, fmt=ox.RdfFormat.TURTLE) -> ox.Store:
    store = ox.Store()
    store.load(body, format=fmt)
    return store


def values(store: ox.Store, subject, predicate: str) -> list:
    subject = ox.NamedNode(subject) if isinstance(subject, str) else subject
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def integer(store, subject, predicate) -> int:
    (value,) = values(store, subject, predicate)
    return int(value.value)


def test_void_counts_match_the_snapshot(served):
    store, client = served
    description = description_store(client.get("/void", headers={"Accept": "text/turtle"}).data)
    counts = store.snapshot.manifest["counts"]
    assert integer(description, DATASET, VOID + "triples") == counts["all"]
    subsets = {v.value: v for v in values(description, DATASET, VOID + "subset")}
    assert integer(description, subsets["https://w3id.org/natograph/graph/asserted"], VOID + "triples") == counts["asserted"]
    assert integer(description, subsets["https://w3id.org/natograph/graph/inferred"], VOID + "triples") == counts["inferred"]
    (distinct,) = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }").rows
    assert integer(description, DATASET, VOID + "distinctSubjects") == int(distinct[0].value)


def test_property_partitions_add_up_to_the_triple_count(served):
    store, client = served
    description = description_store(client.get("/void", headers={"Accept": "text/turtle"}).data)
    partitions = values(description, DATASET, VOID + "propertyPartition")
    assert sum(integer(description, p, VOID + "triples") for p in partitions) == store.snapshot.manifest["counts"]["all"]
    assert integer(description, DATASET, VOID + "properties") == len(partitions)


def test_class_partitions_count_inferred_members(served):
    _, client = served
    description = description_store(client.get("/void", headers={"Accept": "text/turtle"}).data)
    by_class = {values(description, p, VOID + "class")[0].value: integer(description, p, VOID + "entities")
                for p in values(description, DATASET, VOID + "classPartition")}
    assert by_class[NATO + "Organisation"] == 1  # natoid:org, typed only by the range of nato:ledBy
    assert by_class[NATO + "Operation"] == 2


def test_void_names_endpoint_dumps_and_vocabularies(served):
    _, client = served
    description = description_store(client.get("/void", headers={"Accept": "text/turtle"}).data)
    assert values(description, DATASET, VOID + "sparqlEndpoint") == [ox.NamedNode("http://localhost/sparql")]
    dumps = [d.value for d in values(description, DATASET, VOID + "dataDump")]
    assert "http://localhost/dump/natograph-all.nt" in dumps and len(dumps) == 6
    for url in dumps:
        assert client.head(url.removeprefix("http://localhost")).status_code == 200
    vocabularies = {v.value for v in values(description, DATASET, VOID + "vocabulary")}
    assert {NATO, "http://www.w3.org/2000/01/rdf-schema#"} <= vocabularies
    assert values(description, DATASET, VOID + "uriSpace") == [ox.Literal(NATOID)]
    distributions = values(description, DATASET, DCAT + "distribution")
    assert len(distributions) == 6
    assert all(values(description, d, DCAT + "downloadURL") for d in distributions)


def test_the_well_known_address_serves_the_same_description(served):
    _, client = served
    first = client.get("/void", headers={"Accept": "application/n-triples"})
    second = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert first.data == second.data and first.mimetype == "application/n-triples"


def test_a_browser_gets_a_page_and_a_data_client_gets_turtle(served):
    _, client = served
    assert client.get("/void", headers={"Accept": "text/html"}).mimetype == "text/html"
    assert client.get("/void", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    assert client.get("/void").mimetype == "text/turtle"


def test_license_title_and_sources_come_from_the_graph(project_store):
    statistics = dataset_statistics(project_store, uri_space=NATOID)
    manifest = project_store.snapshot.manifest
    triples = void_description(statistics, manifest, dataset_iri=DATASET, server_url="https://example.org",
                               uri_space=NATOID)
    description = ox.Store()
    description.extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    (license_,) = values(description, DATASET, DCTERMS + "license")
    (declared,) = project_store.query(
        "SELECT ?l WHERE { ?o a <http://www.w3.org/2002/07/owl#Ontology> ; <http://purl.org/dc/terms/license> ?l }").rows
    assert license_ == declared[0]
    sources = {v.value for v in values(description, DATASET, DCTERMS + "source")}
    assert NATOID + "source-000" in sources
    assert values(description, DATASET, VOID + "sparqlEndpoint") == [ox.NamedNode("https://example.org/sparql")]


def test_the_json_ld_description_is_compact_against_the_served_context(served):
    _, client = served
    body = client.get("/void", headers={"Accept": "application/ld+json"}).data
    document = parse_json(body)
    assert document["@context"] == client.get("/context.jsonld").get_json()["@context"]
    keys = assert_compact(document)
    assert {"title", "void:triples", "void:subset", "dcat:distribution", "dcterms:modified"} <= keys
    dataset = next(node for node in document["@graph"] if node["id"] == "https://w3id.org/natograph/void#dataset")
    assert sorted(dataset["type"]) == ["dcat:Dataset", "void:Dataset"]
    assert dataset["void:sparqlEndpoint"] == {"@id": "http://localhost/sparql"}
    assert isinstance(dataset["void:triples"], int)
    assert_reads_as(body, client.get("/void", headers={"Accept": "text/turtle"}).data)


def test_each_source_is_a_subset_holding_its_statement_graphs_with_their_triple_count(project_config, project_store):
    client = in_process_client(project_config, project_store)
    description = description_store(client.get("/void", headers={"Accept": "text/turtle"}).data)
    subset = "https://w3id.org/natograph/void#statements-source-002"
    assert ox.NamedNode(subset) in values(description, DATASET, VOID + "subset")
    assert values(description, subset, DCTERMS + "source") == [ox.NamedNode(NATOID + "source-002")]
    graphs = {g.value for g in values(description, subset, VOID + "subset")}
    stored = project_store.snapshot.store
    described = {q.subject.value for q in stored.quads_for_pattern(
        None, ox.NamedNode(NATO + "source"), ox.NamedNode(NATOID + "source-002"),
        ox.NamedNode("https://w3id.org/natograph/graph/provenance"))}
    assert graphs == described and len(graphs) > 50
    distinct = {q.triple for graph in graphs for q in stored.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
    assert integer(description, subset, VOID + "triples") == len(distinct)
