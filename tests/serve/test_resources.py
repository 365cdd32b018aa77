"""Dereferenceable IRIs: content negotiation, 303 to documents, extension URLs, 404s in the format asked for, pages."""

import json
from urllib.parse import parse_qs, urlparse

import pyoxigraph as ox
import pytest

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..jsonld_checks import assert_compact, assert_reads_as
from ..web_fixture import INJECTED_LABEL, MEDIA_TYPE, NATO, NATOID, OX_FORMAT, built_web_project

from ..serving import in_process_client

ASSERTED = "https://w3id.org/natograph/graph/asserted"
INFERRED = "https://w3id.org/natograph/graph/inferred"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
LED_BY = (NATOID + "op-a", NATO + "ledBy", NATOID + "org")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = built_web_project(tmp_path_factory.mktemp("resources"))
    store = EmbeddedStore(open_snapshot(config))
    return in_process_client(config, store)


def triples_of(body: bytes, extension: str) -> set[tuple[str, str, str]]:
    """The (s, p, o) values of an RDF body (a JSON-LD one carries its context)."""
    return {(q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(body, format=OX_FORMAT[extension])}


NEGOTIATION = [
    ("text/html", "html"),
    (BROWSER, "html"),
    ("*/*", "html"),
    (None, "html"),
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/trig", "trig"),
    ("application/n-quads", "nq"),
    ("text/turtle;q=0.5, application/rdf+xml", "rdf"),
    ("text/html;q=0.1, text/turtle", "ttl"),
    ("text/*", "html"),
    ("text/html;q=0.2, application/n-triples;q=0.9", "nt"),
    ("text/turtle, text/html;q=0", "ttl"),
]


@pytest.mark.parametrize("accept, extension", NEGOTIATION)
def test_a_resource_iri_answers_303_to_the_document_the_client_prefers(served, accept, extension):
    response = served.get("/id/op-a", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/id/op-a.{extension}"
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("extension", ["ttl", "nt", "jsonld", "rdf", "trig", "nq"])
def test_every_rdf_document_holds_the_resource_s_triples(served, extension):
    response = served.get(f"/id/op-a.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == MEDIA_TYPE[extension]
    assert response.headers["Content-Type"].endswith("charset=utf-8")
    assert LED_BY in triples_of(response.data, extension)


def test_the_html_document_is_a_page_about_the_resource(served):
    response = served.get("/id/op-a.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode()
    assert "<h1>Operation A</h1>" in page and NATOID + "op-a" in page


def test_following_the_303_gives_the_negotiated_document(served):
    response = served.get("/id/op-a", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_format_parameter_overrides_accept(served):
    response = served.get("/id/op-a?format=nt", headers={"Accept": "text/html"})
    assert response.headers["Location"] == "/id/op-a.nt?format=nt"


def test_no_acceptable_representation_is_406(served):
    response = served.get("/id/op-a", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["offered"]


@pytest.mark.parametrize("accept, extension", [("text/html", "html"), ("text/turtle", "ttl"),
                                               ("application/n-triples", "nt"), ("application/ld+json", "jsonld"),
                                               ("application/rdf+xml", "rdf"), ("application/trig", "trig"),
                                               ("application/n-quads", "nq")])
def test_an_unknown_resource_is_404_in_the_format_asked_for(served, accept, extension):
    response = served.get("/id/no-such-thing", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == MEDIA_TYPE[extension]
    assert response.headers["Vary"] == "Accept"
    if extension == "html":
        assert "no resource" in response.data.decode()
    else:
        assert triples_of(response.data, extension) == set()
    assert served.get(f"/id/no-such-thing.{extension}").status_code == 404


@pytest.mark.parametrize("path", ["/id/a%3Eb", "/id/a%20b.ttl", "/ontology/%7Bx%7D", "/id/%22"])
def test_an_address_that_makes_no_valid_iri_is_404(served, path):
    assert served.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_asserted_and_inferred_triples_are_apart_in_trig(served):
    quads = ox.parse(served.get("/id/city.trig").data, format=ox.RdfFormat.TRIG)
    located = {(q.object.value, q.graph_name.value) for q in quads if q.predicate.value == NATO + "locatedIn"
               and q.subject.value == NATOID + "city"}
    assert located == {(NATOID + "province", ASSERTED), (NATOID + "country", INFERRED)}


def test_turtle_lists_the_inferred_triples_under_their_own_heading(served):
    text = served.get("/id/city.ttl").data.decode()
    asserted, _, inferred = text.partition("# inferred")
    assert "natoid:province" in asserted and "natoid:country" not in asserted.split("nato:locatedIn", 1)[1][:40]
    assert "nato:locatedIn natoid:country" in inferred


@pytest.mark.parametrize("graph, expected", [("asserted", {NATOID + "province"}), ("inferred", {NATOID + "country"}),
                                             ("all", {NATOID + "province", NATOID + "country"})])
def test_the_graph_parameter_selects_asserted_or_inferred_triples(served, graph, expected):
    triples = triples_of(served.get(f"/id/city.nt?graph={graph}").data, "nt")
    assert {o for s, p, o in triples if s == NATOID + "city" and p == NATO + "locatedIn"} == expected


def test_an_unknown_graph_parameter_is_refused(served):
    response = served.get("/id/city.ttl?graph=everything")
    assert response.status_code == 400 and response.get_json()["parameter"] == "graph"


def test_json_ld_carries_the_served_context_and_reads_as_plain_json(served):
    document = served.get("/id/op-a.jsonld").get_json()
    assert document["@context"] == served.get("/context.jsonld").get_json()["@context"]
    operation = document["@graph"][0]
    assert operation["id"] == "natoid:op-a" and operation["label"] == "Operation A" and operation["ledBy"] == "natoid:org"
    assert {"label", "ledBy", "startDate"} <= assert_compact(document)


@pytest.mark.parametrize("path", ["/id/op-a", "/id/city", "/ontology/locatedIn", "/ontology"])
def test_json_ld_reads_back_as_the_turtle_of_the_same_document(served, path):
    document = served.get(path, headers={"Accept": "application/ld+json"}, follow_redirects=True)
    assert document.status_code == 200 and document.mimetype == "application/ld+json"
    assert_compact(json.loads(document.data))
    turtle = served.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert_reads_as(document.data, turtle.data)


def test_rdf_keeps_canonical_iris_while_pages_link_to_this_server(served):
    assert (NATOID + "city", NATO + "locatedIn", NATOID + "province") in triples_of(served.get("/id/city.nt").data, "nt")
    page = served.get("/id/city.html").data.decode()
    assert 'href="/id/province"' in page and 'href="/ontology/locatedIn"' in page


def test_the_page_marks_inferred_facts_and_links_their_explanation(served):
    page = served.get("/id/city.html").data.decode()
    row = page.split('href="/ontology/locatedIn"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/id/country"' in row and "inferred" in row
    explain = row.split('class="why" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    terms = parse_qs(urlparse(explain).query)
    assert terms == {"s": [f"<{NATOID}city>"], "p": [f"<{NATO}locatedIn>"], "o": [f"<{NATOID}country>"]}
    explanation = served.get(explain, headers={"Accept": "application/json"}).get_json()
    assert explanation["status"] == "inferred" and explanation["rule"] == "prp-trp"


def test_the_page_lists_incoming_links(served):
    page = served.get("/id/country.html").data.decode()
    incoming = page.split('id="incoming"', 1)[1]
    assert 'href="/id/city"' in incoming and 'href="/id/province"' in incoming


def test_a_label_with_markup_is_escaped(served):
    page = served.get("/id/injected.html").data.decode()
    assert INJECTED_LABEL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page


def test_a_repeated_request_with_the_etag_is_not_modified(served):
    first = served.get("/id/op-a.ttl")
    again = served.get("/id/op-a.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = served.get("/id/op-a.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_documents_link_to_their_other_representations(served):
    link = served.get("/id/op-a.ttl").headers["Link"]
    assert '</id/op-a.jsonld>; rel="alternate"; type="application/ld+json"' in link


def test_the_ontology_is_a_hash_namespace_document_negotiated_in_place(served):
    response = served.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert response.headers["Content-Location"] == "/ontology.ttl" and response.headers["Vary"] == "Accept"
    assert (NATO + "ledBy", "http://www.w3.org/2000/01/rdf-schema#domain", NATO + "Operation") in \
        triples_of(response.data, "ttl")


def test_the_ontology_page_documents_every_term(served):
    page = served.get("/ontology", headers={"Accept": "text/html"}).data.decode()
    for local in ("Operation", "Organisation", "Place", "ledBy", "locatedIn", "startDate"):
        assert f'id="{local}"' in page and f'href="/ontology/{local}"' in page
    assert "transitive" in page


def test_a_term_page_shows_domain_range_and_usage(served):
    response = served.get("/ontology/ledBy", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["Content-Location"] == "/ontology/ledBy.html"
    summary = response.data.decode().split('id="term"', 1)[1].split("</section>", 1)[0]
    assert 'href="/ontology/Operation"' in summary.split("Domain", 1)[1]
    assert 'href="/ontology/Organisation"' in summary.split("Range", 1)[1]
    assert "2 triples" in summary


def test_a_class_page_counts_its_resources(served):
    summary = served.get("/ontology/Operation.html").data.decode().split('id="term"', 1)[1]
    assert "2 resources" in summary


def test_an_unknown_term_is_404(served):
    assert served.get("/ontology/Nothing", headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize("address", ["/id/op-a.ttl", "/ontology/ledBy.ttl"])
def test_a_document_address_answers_its_own_format_whatever_the_accept_header(served, address):
    response = served.get(address, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Vary" not in response.headers and "Content-Location" not in response.headers


def test_the_format_parameter_chooses_a_term_s_representation_in_place(served):
    response = served.get("/ontology/ledBy?format=nt", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "application/n-triples"
    assert response.headers["Content-Location"] == "/ontology/ledBy.nt" and response.headers["Vary"] == "Accept"
    assert (NATO + "ledBy", "http://www.w3.org/2000/01/rdf-schema#range", NATO + "Organisation") in \
        triples_of(response.data, "nt")


@pytest.mark.parametrize("accept, extension", [("text/html", "html"), ("text/turtle", "ttl"),
                                               ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdf")])
def test_an_unknown_term_is_404_in_the_format_asked_for(served, accept, extension):
    response = served.get("/ontology/Nothing", headers={"Accept": accept})
    assert response.status_code == 404 and response.mimetype == MEDIA_TYPE[extension]
    assert response.headers["Vary"] == "Accept" and "Content-Location" not in response.headers
    if extension != "html":
        assert triples_of(response.data, extension) == set()
    fixed = served.get(f"/ontology/Nothing.{extension}")
    assert fixed.status_code == 404 and fixed.mimetype == MEDIA_TYPE[extension] and "Vary" not in fixed.headers
