"""Named-graph IRIs dereference: 303 to a description (HTML or RDF) of the graph, 404 in the format asked for."""

import http.client
import json
from urllib.parse import urlparse

import pyoxigraph as ox
import pytest

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..jsonld_checks import assert_compact, assert_reads_as, parse_json
from ..serving import ServerProcess, built_mini_project, in_process_client
from ..web_fixture import MEDIA_TYPE, OX_FORMAT, built_web_project

GRAPH = "https://w3id.org/natograph/graph/"
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
DCTERMS = "http://purl.org/dc/terms/"
GRAPH_NAMES = ["asserted", "inferred", "data/places.ttl", "ontology/nato.ttl"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = built_web_project(tmp_path_factory.mktemp("graphs"))
    store = EmbeddedStore(open_snapshot(config))
    return store, in_process_client(config, store)


def stored_triples(store, iri: str) -> int:
    return sum(1 for _ in store.snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def described(body: bytes, extension: str) -> ox.Store:
    graph = ox.Store()
    graph.load(body, format=OX_FORMAT[extension])
    return graph


def value(graph: ox.Store, subject: str, predicate: str) -> list[str]:
    return [q.object.value for q in graph.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)]


@pytest.mark.parametrize("name", GRAPH_NAMES)
@pytest.mark.parametrize("accept, extension", [("text/html", "html"), ("text/turtle", "ttl"), (None, "html"),
                                               ("application/ld+json", "jsonld"), ("application/n-quads", "nq")])
def test_a_graph_iri_answers_303_to_the_description_the_client_prefers(served, name, accept, extension):
    _, client = served
    response = client.get(f"/graph/{name}", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303 and response.headers["Vary"] == "Accept"
    assert response.headers["Location"] == f"/graph/{name}.{extension}"


@pytest.mark.parametrize("name", GRAPH_NAMES)
@pytest.mark.parametrize("extension", ["ttl", "nt", "jsonld", "rdf", "trig", "nq"])
def test_every_rdf_description_counts_the_graph_s_stored_triples(served, name, extension):
    store, client = served
    response = client.get(f"/graph/{name}.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == MEDIA_TYPE[extension]
    description = described(response.data, extension)
    iri = GRAPH + name
    assert value(description, iri, VOID + "triples") == [str(stored_triples(store, iri))]
    assert len(description) < 30, "a description, not the graph's content"


def test_a_file_graph_s_description_names_its_source_file(served):
    _, client = served
    description = described(client.get("/graph/data/places.ttl.ttl").data, "ttl")
    assert value(description, GRAPH + "data/places.ttl", DCTERMS + "source") == ["data/places.ttl"]


def test_the_asserted_and_inferred_descriptions_link_dumps_that_hold_exactly_their_triples(served):
    store, client = served
    for name in ("asserted", "inferred"):
        description = described(client.get(f"/graph/{name}.ttl").data, "ttl")
        dumps = value(description, GRAPH + name, VOID + "dataDump")
        n_triples = next(url for url in dumps if url.endswith(".nt"))
        dump = client.get(urlparse(n_triples).path)
        assert dump.status_code == 200
        assert len(described(dump.data, "nt")) == stored_triples(store, GRAPH + name)


def test_the_page_says_what_the_graph_is_how_big_and_from_which_file(served):
    store, client = served
    page = client.get("/graph/data/places.ttl.html").data.decode()
    assert "<h1>natograph, triples of data/places.ttl</h1>" in page
    assert f'<dd id="triples">{stored_triples(store, GRAPH + "data/places.ttl")}</dd>' in page
    assert "<code>data/places.ttl</code>" in page.split('id="source"', 1)[1]
    assert 'href="/dump/natograph-all.trig"' in page and 'href="/dump/natograph-asserted.ttl"' not in page


def test_the_asserted_page_links_its_dumps_and_the_file_graphs_it_is_made_of(served):
    _, client = served
    page = client.get("/graph/asserted.html").data.decode()
    assert 'href="/dump/natograph-asserted.ttl"' in page and 'href="/dump/natograph-asserted.nq"' in page
    subsets = page.split('id="subsets"', 1)[1]
    for name in ("ontology/nato.ttl", "data/operations.ttl", "data/places.ttl", "data/injected.ttl"):
        assert f'href="/graph/{name}"' in subsets


@pytest.mark.parametrize("accept, extension", [("text/html", "html"), ("text/turtle", "ttl"),
                                               ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdf"),
                                               ("application/n-quads", "nq")])
@pytest.mark.parametrize("name", ["nothing", "data/nowhere.ttl", "data/places.ttl.ttl/more", "asserted.x"])
def test_an_unknown_graph_is_404_in_the_format_asked_for(served, accept, extension, name):
    _, client = served
    response = client.get(f"/graph/{name}", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == MEDIA_TYPE[extension]
    assert response.headers["Vary"] == "Accept"
    if extension == "html":
        assert "no named graph" in response.data.decode()
    elif extension == "jsonld":
        assert json.loads(response.data)["@graph"] == []
    else:
        assert len(described(response.data, extension)) == 0


def test_a_repeated_request_with_the_etag_is_not_modified(served):
    _, client = served
    first = client.get("/graph/inferred.ttl")
    assert client.get("/graph/inferred.ttl", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/graph/asserted.ttl", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_the_void_and_the_service_description_name_the_graphs_by_these_dereferenceable_iris(served):
    store, client = served
    void = described(client.get("/void", headers={"Accept": "text/turtle"}).data, "ttl")
    assert set(value(void, "https://w3id.org/natograph/void#dataset", VOID + "subset")) == {
        GRAPH + "asserted", GRAPH + "inferred"}
    service = described(client.get("/sparql", headers={"Accept": "text/turtle"}).data, "ttl")
    names = [q.object.value for q in service.quads_for_pattern(None, ox.NamedNode(SD + "name"), None)]
    assert set(names) == {g.value for g in store.snapshot.store.named_graphs()}
    for iri in names:
        document = client.get("/graph/" + iri.removeprefix(GRAPH), headers={"Accept": "text/turtle"},
                              follow_redirects=True)
        assert document.status_code == 200
        assert value(described(document.data, "ttl"), iri, VOID + "triples") == value(void, iri, VOID + "triples")


@pytest.mark.slow
def test_a_real_server_dereferences_a_graph_iri(tmp_path_factory):
    root = built_mini_project(tmp_path_factory.mktemp("graphs-e2e")).root
    server = ServerProcess(root, tmp_path_factory.mktemp("logs") / "graphs.log", queries_per_minute=0)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/graph/inferred", headers={"Accept": "text/turtle"})
        redirect = connection.getresponse()
        redirect.read()
        connection.close()
        assert redirect.status == 303 and redirect.getheader("Location") == "/graph/inferred.ttl"
        document = server.request("GET", redirect.getheader("Location"))
        assert document.status == 200 and document.headers["Content-Type"].startswith("text/turtle")
        counts = server.request("GET", "/health").json()["counts"]
        assert value(described(document.body, "ttl"), GRAPH + "inferred", VOID + "triples") == [str(counts["inferred"])]
        missing = server.request("GET", "/graph/data/nowhere.ttl", headers={"Accept": "text/html"})
        assert missing.status == 404 and missing.headers["Content-Type"].startswith("text/html")
    finally:
        server.stop()


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_the_json_ld_description_is_compact_against_the_served_context(served, name):
    store, client = served
    body = client.get(f"/graph/{name}.jsonld").data
    document = parse_json(body)
    assert document["@context"] == client.get("/context.jsonld").get_json()["@context"]
    assert {"title", "void:triples", "void:sparqlEndpoint", "void:dataDump" if "/" not in name else "dcterms:source"} \
        <= assert_compact(document)
    (graph,) = document["@graph"]
    assert graph["id"] == "https://w3id.org/natograph/graph/" + name
    assert sorted(graph["type"]) == ["sd:Graph", "void:Dataset"]
    assert graph["void:triples"] == stored_triples(store, GRAPH + name)
    assert_reads_as(body, client.get(f"/graph/{name}.ttl").data)
