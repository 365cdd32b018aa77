"""End to end: `natograph serve` as a real process on a free port, queried with SPARQLWrapper and raw HTTP."""

import csv
import io
import socket
import threading
import time
import uuid
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML
from SPARQLWrapper import SPARQLWrapper

from ..serving import GRAPH, NATO, NATOID, Listener, ServerProcess, built_mini_project

pytestmark = pytest.mark.slow

TIME_LIMIT_MS = 1500
# A cross product of the default graph with itself six times, counted: one row, long after any limit.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
LABELS = ("SELECT ?label WHERE { ?place a <%sPlace> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
          " ORDER BY ?label" % NATO)
EXPECTED_LABELS = ["City", "Country", "Province"]
LOCATED_IN = f"CONSTRUCT WHERE {{ ?s <{NATO}locatedIn> ?o }}"
INFERRED_TRIPLE = f"<{NATOID}city> <{NATO}locatedIn> <{NATOID}country>"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("e2e")).root


def start(project, tmp_path_factory, name, **settings):
    return ServerProcess(project, tmp_path_factory.mktemp("logs") / f"{name}.log", **settings)


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    process = start(project, tmp_path_factory, "main", query_timeout_ms=TIME_LIMIT_MS, max_rows=20,
                    max_concurrent_queries=2, queries_per_minute=0)
    yield process
    process.stop()


def query_params(query: str, **extra) -> str:
    return "/sparql?" + urlencode({"query": query, **extra})


# ---- happy paths with a standard client ----

def client(server, query, return_format, method=GET, request_method=URLENCODED):
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    wrapper.setMethod(method)
    wrapper.setRequestMethod(request_method)
    return wrapper


METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.mark.parametrize("method, request_method", METHODS)
def test_select_in_every_results_format_parses_back(server, method, request_method):
    def run(fmt):
        return client(server, LABELS, fmt, method, request_method).query().convert()

    from_json = [row["label"]["value"] for row in run(JSON)["results"]["bindings"]]
    from_xml = [node.firstChild.data for node in run(XML).getElementsByTagName("literal")]
    from_csv = [row["label"] for row in csv.DictReader(io.StringIO(run(CSV).decode("utf-8")))]
    from_tsv = [row["label"].value for row in ox.parse_query_results(run(TSV), format=ox.QueryResultsFormat.TSV)]
    assert from_json == from_xml == from_csv == from_tsv == EXPECTED_LABELS


@pytest.mark.parametrize("method, request_method", METHODS)
def test_ask_in_json_and_xml(server, method, request_method):
    query = f"ASK {{ {INFERRED_TRIPLE} }}"
    assert client(server, query, JSON, method, request_method).query().convert()["boolean"] is True
    xml = client(server, query, XML, method, request_method).query().convert()
    assert xml.getElementsByTagName("boolean")[0].firstChild.data == "true"


def located_in(graph: rdflib.Graph) -> set:
    return {(str(s), str(o)) for s, _, o in graph}


EXPECTED_LOCATED_IN = {
    (NATOID + "city", NATOID + "province"), (NATOID + "province", NATOID + "country"),
    (NATOID + "city", NATOID + "country"),
}


@pytest.mark.parametrize("method, request_method", METHODS)
def test_construct_in_turtle_rdfxml_jsonld_and_n3_parses_back(server, method, request_method):
    turtle = client(server, LOCATED_IN, TURTLE, method, request_method).query().convert()
    assert located_in(rdflib.Graph().parse(data=turtle, format="turtle")) == EXPECTED_LOCATED_IN
    n3 = client(server, LOCATED_IN, N3, method, request_method).query().convert()
    assert located_in(rdflib.Graph().parse(data=n3, format="turtle")) == EXPECTED_LOCATED_IN
    assert located_in(client(server, LOCATED_IN, RDFXML, method, request_method).query().convert()) == EXPECTED_LOCATED_IN
    assert located_in(client(server, LOCATED_IN, JSONLD, method, request_method).query().convert()) == EXPECTED_LOCATED_IN


@pytest.mark.parametrize("media_type, rdf_format", [
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("application/trig", ox.RdfFormat.TRIG),
])
def test_construct_in_ntriples_nquads_and_trig_by_accept(server, media_type, rdf_format):
    answer = server.request("GET", query_params(LOCATED_IN), headers={"Accept": media_type})
    assert answer.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    parsed = {(q.subject.value, q.object.value) for q in ox.parse(answer.body, format=rdf_format)}
    assert parsed == EXPECTED_LOCATED_IN


def test_describe_answers_a_graph(server):
    graph = rdflib.Graph().parse(
        data=client(server, f"DESCRIBE <{NATOID}city>", TURTLE).query().convert(), format="turtle")
    assert (rdflib.URIRef(NATOID + "city"), rdflib.RDFS.label, rdflib.Literal("City", lang="en")) in graph


def test_dataset_parameters_through_the_client(server):
    wrapper = client(server, f"ASK {{ {INFERRED_TRIPLE} }}", JSON)
    wrapper.addDefaultGraph(GRAPH + "asserted")
    assert wrapper.query().convert()["boolean"] is False
    wrapper = client(server, f"ASK {{ {INFERRED_TRIPLE} }}", JSON)
    wrapper.addDefaultGraph(GRAPH + "inferred")
    assert wrapper.query().convert()["boolean"] is True
    wrapper = client(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", JSON)
    wrapper.addNamedGraph(GRAPH + "data/places.ttl")
    rows = wrapper.query().convert()["results"]["bindings"]
    assert [row["g"]["value"] for row in rows] == [GRAPH + "data/places.ttl"]


def test_every_named_graph_is_reachable_with_graph(server):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    rows = client(server, query, JSON).query().convert()["results"]["bindings"]
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    health = server.request("GET", "/health").json()
    assert counts[GRAPH + "asserted"] == health["counts"]["asserted"]
    assert counts[GRAPH + "inferred"] == health["counts"]["inferred"]
    assert {GRAPH + "data/places.ttl", GRAPH + "data/operations.ttl", GRAPH + "ontology/nato.ttl"} <= set(counts)


def test_truncated_results_say_so_in_a_header_and_in_json(server):
    answer = server.request("GET", query_params("SELECT * WHERE { ?s ?p ?o }"))
    assert answer.headers["Natograph-Truncated"] == "true" and answer.headers["Natograph-Max-Rows"] == "20"
    document = answer.json()
    assert document["natograph"] == {"truncated": True, "max_rows": 20}
    assert len(document["results"]["bindings"]) == 20


def test_service_description_in_turtle_and_by_negotiation(server):
    turtle = server.request("GET", "/sparql")
    assert turtle.status == 200 and turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=turtle.body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(server.url + "/sparql")) in graph
    assert {str(n) for n in graph.objects(None, sd.name)} >= {GRAPH + "asserted", GRAPH + "inferred"}
    rdfxml = server.request("GET", "/sparql", headers={"Accept": "application/rdf+xml"})
    assert rdfxml.headers["Content-Type"] == "application/rdf+xml; charset=utf-8"
    assert len(rdflib.Graph().parse(data=rdfxml.body, format="xml")) == len(graph)


def test_conditional_get_answers_304_with_the_snapshot_etag(server):
    first = server.request("GET", query_params(LABELS))
    snapshot = server.request("GET", "/health").json()["snapshot"]
    assert snapshot in first.headers["ETag"]
    again = server.request("GET", query_params(LABELS), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.body == b""


def test_landing_page_and_health(server):
    page = server.request("GET", "/")
    assert page.status == 200 and b"/sparql" in page.body
    assert server.request("GET", "/health").json()["status"] == "ok"


# ---- errors, over raw HTTP ----

def error(answer, status):
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert {"error", "message"} <= set(body)
    return body


def test_malformed_query_is_400_with_position(server):
    body = error(server.request("GET", query_params("SELECT * WHERE {\n ?s ?p }")), 400)
    assert body["line"] == 2 and "line 2" in body["message"]


def test_several_query_parameters_are_400(server):
    error(server.request("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400)


def test_wrong_method_is_405(server):
    answer = server.request("PUT", "/sparql", body=b"ASK {}")
    error(answer, 405)
    assert "POST" in answer.headers["Allow"]


def test_wrong_content_type_is_415(server):
    error(server.request("POST", "/sparql", body=b"ASK {}", headers={"Content-Type": "text/plain"}), 415)


def test_unsupported_accept_is_406(server):
    body = error(server.request("GET", query_params("ASK {}"), headers={"Accept": "image/png"}), 406)
    assert "application/sparql-results+json" in body["offered"]


def test_query_and_body_too_large_are_413(server):
    long_query = "ASK {} #" + "x" * (64 * 1024)
    answer = server.request("POST", "/sparql", body=urlencode({"query": long_query}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error(answer, 413)["limit_bytes"] == 64 * 1024
    big_body = urlencode({"query": "ASK {} #" + "x" * (300 * 1024)}).encode()
    answer = server.request("POST", "/sparql", body=big_body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error(answer, 413)["limit_bytes"] == 256 * 1024


def test_non_utf8_is_400(server):
    error(server.request("GET", "/sparql?query=ASK%7B%22%FF%22%7D"), 400)
    error(server.request("POST", "/sparql", body=b'ASK {"\xff"}', headers={"Content-Type": "application/sparql-query"}), 400)


def triple_count(server) -> int:
    return int(server.request("GET", query_params(COUNT_ALL)).json()["results"]["bindings"][0]["n"]["value"])


def test_updates_are_403_and_change_nothing(server, tmp_path):
    before = triple_count(server)
    data = tmp_path / "more.ttl"
    data.write_text("<http://e/a> <http://e/b> <http://e/c> .\n")
    update = "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = [
        server.request("GET", "/sparql?" + urlencode({"update": update})),
        server.request("POST", "/sparql", body=urlencode({"update": update}).encode(), headers=form),
        server.request("POST", "/sparql", body=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        server.request("POST", "/sparql", body=f"LOAD <{data.as_uri()}>".encode(),
                       headers={"Content-Type": "application/sparql-update"}),
        server.request("GET", query_params(update)),
        server.request("GET", query_params(f"LOAD <{data.as_uri()}>")),
        server.request("GET", query_params("CLEAR ALL")),
    ]
    for answer in answers:
        assert "Turtle files" in error(answer, 403)["message"]
    assert triple_count(server) == before
    assert server.request("GET", query_params("ASK { <http://e/a> ?p ?o }")).json()["boolean"] is False


# ---- time limit, concurrency and budget ----

def timed(server, path, results, **kwargs):
    started = time.monotonic()
    answer = server.request("GET", path, **kwargs)
    results.append((answer, time.monotonic() - started))


def test_a_slow_query_is_stopped_at_the_limit_and_others_are_served_meanwhile(server):
    slow = []
    thread = threading.Thread(target=timed, args=(server, query_params(SLOW_QUERY), slow))
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = server.request("GET", query_params(LABELS))
    quick_seconds = time.monotonic() - started
    thread.join()
    assert quick.status == 200 and quick_seconds < 1.0
    answer, seconds = slow[0]
    assert error(answer, 503)["error"] == "query-timeout"
    assert TIME_LIMIT_MS / 1000 <= seconds < TIME_LIMIT_MS / 1000 + 1.0
    assert f"{TIME_LIMIT_MS} ms" in answer.json()["message"]


def test_past_the_concurrency_limit_the_server_answers_503_with_retry_after(project, tmp_path_factory):
    busy = start(project, tmp_path_factory, "busy", max_concurrent_queries=1, query_timeout_ms=3000,
                 queries_per_minute=0)
    try:
        slow = []
        thread = threading.Thread(target=timed, args=(busy, query_params(SLOW_QUERY), slow))
        thread.start()
        time.sleep(0.5)
        answer = busy.request("GET", query_params("ASK {}"))
        thread.join()
        assert error(answer, 503)["error"] == "server-busy"
        assert int(answer.headers["Retry-After"]) >= 1
        assert slow[0][0].status == 503
    finally:
        busy.stop()


def test_past_the_query_budget_the_server_answers_429_with_retry_after(project, tmp_path_factory):
    limited = start(project, tmp_path_factory, "budget", queries_per_minute=3)
    try:
        statuses = [limited.request("GET", query_params("ASK {}")).status for _ in range(3)]
        answer = limited.request("GET", query_params("ASK {}"))
        assert statuses == [200, 200, 200]
        assert error(answer, 429)["retry_after"] == int(answer.headers["Retry-After"]) == 20
        assert limited.request("GET", "/health").status == 200
    finally:
        limited.stop()


# ---- no request reads a file or opens a connection ----

def service_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{\n# a comment line\nSERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
    ]


def test_service_queries_are_403_and_open_no_connection(server):
    listener = Listener()
    try:
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for query in service_queries(listener.port):
            for answer in (
                server.request("GET", query_params(query)),
                server.request("POST", "/sparql", body=urlencode({"query": query}).encode(), headers=form),
                server.request("POST", "/sparql", body=query.encode(), headers={"Content-Type": "application/sparql-query"}),
            ):
                assert "SERVICE" in error(answer, 403)["message"]
        # SILENT: the engine's call fails inside the worker's network namespace and it answers without its rows.
        silent = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        assert server.request("GET", query_params(silent)).status == 200
        assert listener.connections(wait=1.0) == 0
        # The listener does notice a connection when one is made.
        with socket.create_connection(("127.0.0.1", listener.port)):
            pass
        assert listener.connections(wait=1.0) == 1
    finally:
        listener.socket.close()


def test_the_word_service_inside_a_string_is_not_refused(server):
    answer = server.request("GET", query_params('SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> {}" AS ?x) }'))
    assert answer.status == 200
    assert answer.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_no_query_reads_a_local_file(server, tmp_path):
    secret = f"secret-{uuid.uuid4()}"
    local = tmp_path / "local.ttl"
    local.write_text(f'<urn:natograph-test:thing> <urn:natograph-test:says> "{secret}" .\n')
    iri = local.as_uri()
    queries = [
        (f"SELECT ?o FROM <{iri}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT ?o FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"SELECT ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}", {}),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM <{iri}> WHERE {{ ?s ?p ?o }}", {}),
        (f"DESCRIBE <{iri}>", {}),
        ("SELECT ?o WHERE { ?s ?p ?o }", {"default-graph-uri": iri}),
        ("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": iri}),
    ]
    control = ox.Store()
    control.load(path=str(local), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(iri))
    for query, dataset in queries:
        if not query.startswith("DESCRIBE"):
            # Had the server read the file into a graph of that name, this query would show the secret.
            graphs = [ox.NamedNode(iri)]
            options = {"default_graph": graphs} if "default-graph-uri" in dataset else {}
            options.update({"named_graphs": graphs} if "named-graph-uri" in dataset else {})
            assert secret in str(list(control.query(query, **options)))
        answer = server.request("GET", query_params(query, **dataset))
        assert answer.status == 200, answer.body
        assert secret not in answer.body.decode("utf-8")
    refused = server.request("GET", query_params(f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"))
    assert secret not in error(refused, 403)["message"]


def test_static_files_cannot_reach_outside_their_folder(server):
    for path in ("/static/../__init__.py", "/static/..%2F__init__.py", "/static/%2e%2e/%2e%2e/config.py"):
        answer = server.request("GET", path)
        assert answer.status == 404, path
        assert b"create_app" not in answer.body and b"Config" not in answer.body
