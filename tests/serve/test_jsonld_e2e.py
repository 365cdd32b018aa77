"""End to end: every JSON-LD document a real `natograph serve` answers is compact, self-contained, and reads as its Turtle."""

from urllib.parse import urlencode

import pytest

from ..jsonld_checks import assert_compact, assert_reads_as, parse_json
from ..serving import NATO, ServerProcess
from ..web_fixture import built_web_project

pytestmark = pytest.mark.slow

JSON_LD = {"Accept": "application/ld+json"}
TURTLE = {"Accept": "text/turtle"}
LOCATED_IN = f"CONSTRUCT {{ ?s <{NATO}locatedIn> ?o ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }} " \
             f"WHERE {{ ?s <{NATO}locatedIn> ?o ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = built_web_project(tmp_path_factory.mktemp("jsonld-e2e"))
    process = ServerProcess(config.root, tmp_path_factory.mktemp("logs") / "serve.log", queries_per_minute=0)
    yield process
    process.stop()


@pytest.mark.parametrize("path, keys", [
    ("/void", {"title", "void:triples", "void:subset", "dcat:distribution"}),
    ("/graph/asserted", {"title", "void:triples", "void:subset", "void:dataDump"}),
    ("/id/op-a", {"label", "ledBy", "startDate"}),
    ("/ontology", {"label", "domain", "range"}),
])
def test_a_document_carries_the_served_context_and_reads_as_its_turtle(server, path, keys):
    answer = server.request("GET", path, headers=JSON_LD)
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    document = parse_json(answer.body)
    assert document["@context"] == server.request("GET", "/context.jsonld").json()["@context"]
    assert keys <= assert_compact(document)
    assert_reads_as(answer.body, server.request("GET", path, headers=TURTLE).body)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_construct_result_is_compact_with_its_context_inline(server, method):
    form = urlencode({"query": LOCATED_IN})
    if method == "GET":
        answer = server.request("GET", "/sparql?" + form, headers=JSON_LD)
    else:
        answer = server.request("POST", "/sparql", body=form.encode(),
                                headers={**JSON_LD, "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    document = parse_json(answer.body)
    assert document["@context"] == server.request("GET", "/context.jsonld").json()["@context"]
    assert assert_compact(document) == {"locatedIn", "label"}
    city = next(node for node in document["@graph"] if node["id"] == "natoid:city")
    assert sorted(city["locatedIn"]) == ["natoid:country", "natoid:province"] and city["label"] == "City"
    turtle = server.request("GET", "/sparql?" + form, headers=TURTLE).body
    assert_reads_as(answer.body, turtle)
