"""The /sparql blueprint in process (Flask test client, queries evaluated inline): protocol, dataset, errors."""

import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import rdflib

from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..serving import GRAPH, NATO, NATOID, built_mini_project, in_process_client

INFERRED_TRIPLE = f"<{NATOID}city> <{NATO}locatedIn> <{NATOID}country>"
ASSERTED_TRIPLE = f"<{NATOID}city> <{NATO}locatedIn> <{NATOID}province>"
SELECT_LABELS = f"SELECT ?place ?label WHERE {{ ?place a <{NATO}Place> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?label"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def mini_config(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("serve"), max_rows=20, queries_per_minute=0)


def client_for(config, **settings):
    config = config.replace(**settings)
    store = EmbeddedStore(open_snapshot(config))
    return in_process_client(config, store)


@pytest.fixture(scope="module")
def client(mini_config):
    return client_for(mini_config)


def get(client, query, **params):
    headers = params.pop("headers", {})
    return client.get("/sparql?" + urlencode({"query": query, **params}), headers=headers)


def labels(response) -> list[str]:
    return [row["label"]["value"] for row in response.get_json(force=True)["results"]["bindings"]]


def ask(client, query, **params) -> bool:
    response = get(client, query, **params)
    assert response.status_code == 200, response.data
    return response.get_json(force=True)["boolean"]


def test_get_query_answers_sparql_json_with_charset(client):
    response = get(client, SELECT_LABELS)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert labels(response) == ["City", "Country", "Province"]
    assert response.headers["Natograph-Truncated"] == "false"


def test_post_form_and_post_direct_answer_the_same(client):
    expected = labels(get(client, SELECT_LABELS))
    form = client.post("/sparql", data=urlencode({"query": SELECT_LABELS}),
                       content_type="application/x-www-form-urlencoded")
    direct = client.post("/sparql", data=SELECT_LABELS.encode(), content_type="application/sparql-query")
    assert labels(form) == labels(direct) == expected


def test_head_answers_headers_without_a_body(client):
    response = client.head("/sparql?" + urlencode({"query": SELECT_LABELS}))
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")


def test_default_graph_is_asserted_and_inferred(client):
    assert ask(client, f"ASK {{ {INFERRED_TRIPLE} }}")
    assert ask(client, f"ASK {{ {ASSERTED_TRIPLE} }}")


def test_default_graph_uri_selects_the_asserted_graph_only(client):
    assert not ask(client, f"ASK {{ {INFERRED_TRIPLE} }}", **{"default-graph-uri": GRAPH + "asserted"})
    assert ask(client, f"ASK {{ {ASSERTED_TRIPLE} }}", **{"default-graph-uri": GRAPH + "asserted"})


def test_named_graphs_are_reachable_with_graph(client):
    assert ask(client, f"ASK {{ GRAPH <{GRAPH}inferred> {{ {INFERRED_TRIPLE} }} }}")
    assert not ask(client, f"ASK {{ GRAPH <{GRAPH}asserted> {{ {INFERRED_TRIPLE} }} }}")
    assert ask(client, f"ASK {{ GRAPH <{GRAPH}data/places.ttl> {{ {ASSERTED_TRIPLE} }} }}")
    assert not ask(client, f"ASK {{ GRAPH <{GRAPH}data/operations.ttl> {{ {ASSERTED_TRIPLE} }} }}")


def test_named_graph_uri_limits_the_graphs_graph_can_see(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql?" + urlencode([("query", query), ("named-graph-uri", GRAPH + "inferred"),
                                                   ("named-graph-uri", GRAPH + "data/places.ttl")]))
    graphs = {row["g"]["value"] for row in response.get_json(force=True)["results"]["bindings"]}
    assert graphs == {GRAPH + "inferred", GRAPH + "data/places.ttl"}


def test_from_in_the_query_is_honoured_unless_the_protocol_names_a_dataset(client):
    query = f"ASK FROM <{GRAPH}asserted> {{ {INFERRED_TRIPLE} }}"
    assert not ask(client, query)
    assert ask(client, query, **{"default-graph-uri": GRAPH + "inferred"})


def test_row_limit_cuts_the_result_and_says_so(client):
    response = get(client, "SELECT * WHERE { ?s ?p ?o }")
    document = response.get_json(force=True)
    assert len(document["results"]["bindings"]) == 20
    assert document["natograph"] == {"truncated": True, "max_rows": 20}
    assert response.headers["Natograph-Truncated"] == "true" and response.headers["Natograph-Max-Rows"] == "20"
    csv_response = get(client, "SELECT * WHERE { ?s ?p ?o }", format="csv")
    assert csv_response.headers["Natograph-Truncated"] == "true"
    assert len(csv_response.data.decode().strip().split("\r\n")) == 21


def test_construct_is_turtle_by_default_and_negotiated(client):
    query = f"CONSTRUCT WHERE {{ ?s <{NATO}locatedIn> ?o }}"
    turtle = get(client, query)
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert len(list(ox.parse(turtle.data, format=ox.RdfFormat.TURTLE))) == 3
    ntriples = get(client, query, headers={"Accept": "application/n-triples"})
    assert ntriples.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert len(ntriples.data.decode().strip().splitlines()) == 3


def test_etag_comes_from_the_snapshot_and_a_conditional_get_answers_304(client, mini_config):
    url = "/sparql?" + urlencode({"query": SELECT_LABELS})
    first = client.get(url)
    etag = first.headers["ETag"]
    assert open_snapshot(mini_config).key in etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_format = client.get(url, headers={"Accept": "text/csv"})
    assert other_format.headers["ETag"] != etag and other_format.status_code == 200


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_headers(mini_config):
    fresh = client_for(mini_config)
    first, again = get(fresh, "SELECT * WHERE { ?s ?p ?o }"), get(fresh, "SELECT * WHERE { ?s ?p ?o }")
    assert fresh.get("/health").get_json()["query_workers"]["result_cache"]["hits"] == 1
    assert again.data == first.data and again.headers == first.headers
    assert again.headers["Natograph-Truncated"] == "true" and again.headers["Access-Control-Allow-Origin"] == "*"
    not_modified = get(fresh, "SELECT * WHERE { ?s ?p ?o }", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.headers["ETag"] == first.headers["ETag"]


def test_a_query_answered_before_is_still_refused_by_a_server_that_refuses_it(client, mini_config):
    assert get(client, SELECT_LABELS).status_code == 200
    closed = client_for(mini_config, free_sparql=False)
    small = client_for(mini_config, max_query_bytes=50)
    for _ in range(2):
        assert "free_sparql" in error(get(closed, SELECT_LABELS), 403)["message"]
        assert error(get(small, SELECT_LABELS), 413)["limit_bytes"] == 50
        error(get(client, SELECT_LABELS, headers={"Accept": "image/png"}), 406)


def test_a_refused_query_is_refused_every_time_it_is_sent(client):
    for _ in range(2):
        error(get(client, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), 403)
        error(get(client, "CLEAR ALL"), 403)
        error(client.get("/sparql?" + urlencode({"update": "CLEAR ALL"})), 403)
        error(get(client, "SELECT * WHERE {\n  ?s ?p }"), 400)


def test_service_description_lists_formats_entailment_and_named_graphs(client):
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert graph.value(service, SD.defaultEntailmentRegime) == rdflib.URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")
    formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in formats and len(formats) == 10
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == {GRAPH + "asserted", GRAPH + "inferred", GRAPH + "ontology/nato.ttl",
                     GRAPH + "data/operations.ttl", GRAPH + "data/places.ttl"}
    assert len(list(graph.objects(service, SD.feature))) >= 3


def test_service_description_is_negotiated(client):
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert len(rdflib.Graph().parse(data=jsonld.data, format="json-ld")) > 20
    assert client.get("/sparql?format=nt").headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


def error(response, status):
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.get_json()
    assert set(body) >= {"error", "message"}
    return body


def test_malformed_query_is_400_with_the_parsers_position(client):
    body = error(get(client, "SELECT * WHERE {\n  ?s ?p }"), 400)
    assert body["error"] == "query-syntax-error"
    assert body["line"] == 2 and body["column"] > 0


def test_several_query_parameters_are_400(client):
    body = error(client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400)
    assert body["parameter"] == "query"
    both = client.post("/sparql?query=ASK%7B%7D", data=b"ASK {}", content_type="application/sparql-query")
    error(both, 400)


def test_other_methods_are_405_naming_the_allowed_ones(client):
    body = error(client.put("/sparql", data=b"ASK {}"), 405)
    assert "GET" in body["allowed"] and "POST" in body["allowed"]
    assert error(client.delete("/sparql"), 405)


def test_post_of_another_content_type_is_415(client):
    body = error(client.post("/sparql", data=b"ASK {}", content_type="text/plain"), 415)
    assert "application/sparql-query" in body["accepted"]
    error(client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query; charset=latin-1"), 415)


def test_non_utf8_is_400(client):
    error(client.get("/sparql?query=ASK%7B%22%FF%22%7D"), 400)
    error(client.post("/sparql", data=b"query=ASK%7B%22%FF%22%7D", content_type="application/x-www-form-urlencoded"), 400)
    error(client.post("/sparql", data=b'ASK {"\xff"}', content_type="application/sparql-query"), 400)


def test_unsupported_accept_is_406(client):
    body = error(get(client, SELECT_LABELS, headers={"Accept": "image/png"}), 406)
    assert "application/sparql-results+json" in body["offered"]


def test_too_long_query_and_too_large_body_are_413(mini_config):
    small = client_for(mini_config, max_query_bytes=100, max_body_bytes=1000)
    long_query = "ASK {} " + "#" * 200
    assert error(get(small, long_query), 413)["limit_bytes"] == 100
    big_body = b"ASK {} " + b"#" * 2000
    assert error(small.post("/sparql", data=big_body, content_type="application/sparql-query"), 413)["limit_bytes"] == 1000


def test_updates_are_403(client):
    for response in [
        client.get("/sparql?" + urlencode({"update": "CLEAR ALL"})),
        client.post("/sparql", data=urlencode({"update": "CLEAR ALL"}), content_type="application/x-www-form-urlencoded"),
        client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update"),
        get(client, "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"),
    ]:
        body = error(response, 403)
        assert body["error"] == "query-refused" and "Turtle files" in body["message"]
    assert not ask(client, "ASK { <http://e/a> ?p ?o }")


def test_service_is_403(client):
    body = error(get(client, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), 403)
    assert "SERVICE" in body["message"]


def test_post_without_a_query_is_400(client):
    error(client.post("/sparql", data=b"", content_type="application/x-www-form-urlencoded"), 400)


def test_free_sparql_off_refuses_queries_but_describes_the_service(mini_config):
    closed = client_for(mini_config, free_sparql=False)
    body = error(get(closed, SELECT_LABELS), 403)
    assert "free_sparql" in body["message"] and "/queries" in body["message"]
    assert closed.get("/sparql").status_code == 200


def test_query_budget_is_429_with_retry_after(mini_config):
    limited = client_for(mini_config, queries_per_minute=2)
    assert get(limited, "ASK {}").status_code == 200
    assert get(limited, "ASK {}").status_code == 200
    response = get(limited, "ASK {}")
    body = error(response, 429)
    assert int(response.headers["Retry-After"]) == body["retry_after"] == 30


def test_cors_allows_any_origin_and_preflight(client):
    assert get(client, "ASK {}").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://example.org",
                                                   "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Natograph-Truncated" in preflight.headers["Access-Control-Expose-Headers"]


def test_unknown_paths_are_404_in_the_same_shape(client):
    assert error(client.get("/no-such-page"), 404)["error"] == "not-found"


def test_percent_encoded_plus_and_spaces_decode_like_a_form(client):
    query = 'SELECT ?x WHERE { BIND("a+b c" AS ?x) }'
    response = client.get("/sparql?query=" + quote(query, safe=""))
    assert response.get_json(force=True)["results"]["bindings"][0]["x"]["value"] == "a+b c"
    assert json.loads(client.get("/sparql?query=ASK+%7B%7D").data)["boolean"] is True


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_following_a_link_to_the_endpoint_is_sent_to_the_query_editor(client):
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "text/html;q=0.5, text/turtle"])
def test_every_other_client_still_gets_the_service_description(client, accept):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert client.get("/sparql?format=ttl", headers={"Accept": BROWSER_ACCEPT}).status_code == 200


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_the_answer_as_a_page_and_a_client_without_accept_the_json(client):
    page = get(client, SELECT_LABELS, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Vary"] == "Accept" and 'id="answer-table"' in page.get_data(as_text=True)
    data = get(client, SELECT_LABELS)
    assert data.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert labels(data) == ["City", "Country", "Province"]


def test_a_browser_gets_a_malformed_query_as_a_page_naming_the_position(client):
    page = get(client, "SELECT ?x WHERE { ?x ?y }", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 400 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "line 1, column" in page.get_data(as_text=True) and 'class="line error-line"' in page.get_data(as_text=True)


def test_the_page_and_the_json_share_one_cached_result(mini_config):
    fresh = client_for(mini_config)
    get(fresh, SELECT_LABELS)
    get(fresh, SELECT_LABELS, headers={"Accept": BROWSER_ACCEPT})
    cache = fresh.get("/health").get_json()["query_workers"]["result_cache"]
    assert cache["misses"] == 1 and cache["hits"] == 1


def test_relative_iris_resolve_against_the_endpoint_each_request_reached_on_one_server(mini_config):
    # The endpoint's URL (the query's base) is remembered per scheme, host and script root: one server reached under
    # several names, and behind a proxy's path prefix, resolves each request against its own.
    server = client_for(mini_config, proxy_hops=1)
    query = "SELECT ?iri WHERE { BIND(<relative> AS ?iri) }"

    def resolved(headers):
        response = get(server, query, headers=headers)
        assert response.status_code == 200
        return response.get_json(force=True)["results"]["bindings"][0]["iri"]["value"]

    for _ in range(2):
        assert resolved({"Host": "one.example"}) == "http://one.example/relative"
        assert resolved({"Host": "two.example:8080"}) == "http://two.example:8080/relative"
        assert resolved({"Host": "one.example", "X-Forwarded-Proto": "https"}) == "https://one.example/relative"
        assert resolved({"Host": "one.example", "X-Forwarded-Prefix": "/kb"}) == "http://one.example/kb/relative"
