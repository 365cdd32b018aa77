"""The endpoint's answer page, against a real `natograph serve`: a browser opening /sparql?query=… reads the answer
(a table, triples or a sentence) or the error, while every SPARQL client keeps exactly the format it got before."""

import html
import json
import re
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from rdflib.plugins.stores.sparqlconnector import SPARQLConnector
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from ..serving import NATO, NATOID, ServerProcess, built_mini_project

pytestmark = pytest.mark.slow

# What Chromium and Firefox send for a page they navigate to.
CHROMIUM = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
            "application/signed-exchange;v=b3;q=0.7")
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MAX_ROWS = 5
TIME_LIMIT_MS = 1500
LABELS = (f"PREFIX nato: <{NATO}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
          "SELECT ?place ?label WHERE { ?place a nato:Place ; rdfs:label ?label } ORDER BY ?label")
LOCATED_IN = f"CONSTRUCT WHERE {{ ?s <{NATO}locatedIn> ?o }}"
ASK_CITY = f"ASK {{ <{NATOID}city> <{NATO}locatedIn> <{NATOID}country> }}"
EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"
# A cross product of the default graph with itself six times, counted: one row, long after any limit.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("page")).root


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    process = ServerProcess(project, tmp_path_factory.mktemp("logs") / "page.log", query_timeout_ms=TIME_LIMIT_MS,
                            max_rows=MAX_ROWS, queries_per_minute=0)
    yield process
    process.stop()


def endpoint(query: str, **extra) -> str:
    return "/sparql?" + urlencode({"query": query, **extra})


def get(server, query: str, accept: str | None = CHROMIUM, **extra):
    return server.request("GET", endpoint(query, **extra), headers={"Accept": accept} if accept is not None else {})


def cells(body: bytes, column: int) -> list[str]:
    """The text of one column of the page's answer table."""
    table = body.decode().split('<table class="results" id="answer-table">')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[column])).strip()
            for row in rows]


def shown_query(body: bytes) -> str:
    """The query text as the page shows it (its lines as the browser displays them)."""
    block = body.decode().split('<pre class="query-text" id="query-text"><code>')[1].split("</code></pre>")[0]
    return html.unescape(re.sub(r"<[^>]+>", "", block)).removesuffix("\n")


def format_links(body: bytes) -> dict[str, tuple[str, str]]:
    """{label: (address, media type)} of the page's links to the same answer in other formats."""
    paragraph = body.decode().split('<p id="formats">')[1].split("</p>")[0]
    return {label: (html.unescape(address), media)
            for address, media, label in re.findall(r'<a href="([^"]+)" type="([^"]+)">([^<]+)</a>', paragraph)}


@pytest.mark.parametrize("accept", [CHROMIUM, FIREFOX, "text/html", "text/html, */*", "text/html;q=0.9, */*;q=0.9",
                                    "application/sparql-results+json;q=0.5, text/html"])
def test_a_browser_gets_a_select_answer_as_a_page(server, accept):
    answer = get(server, LABELS, accept)
    assert answer.status == 200 and answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in answer.headers["Vary"] and answer.headers["Natograph-Truncated"] == "false"
    assert cells(answer.body, 1) == ["City", "Country", "Province"]
    assert cells(answer.body, 0) == ["City", "Country", "Province"]  # the IRIs, shown by their labels
    assert '<a href="/id/city"' in answer.body.decode()
    # The query as sent, escaped, and a link that opens it in the editor.
    assert shown_query(answer.body) == LABELS and "PREFIX nato: &lt;https://" in answer.body.decode()
    editor = re.search(r'<a href="([^"]+)" id="open-in-editor">', answer.body.decode()).group(1)
    assert urlsplit(html.unescape(editor)).path == "/query"
    assert parse_qs(urlsplit(html.unescape(editor)).query)["query"] == [LABELS]


def test_the_page_links_to_the_same_answer_in_every_results_format(server):
    links = format_links(get(server, LABELS).body)
    assert list(links) == ["SPARQL JSON", "SPARQL XML", "CSV", "TSV"]
    for address, media_type in links.values():
        answer = server.request("GET", address, headers={"Accept": CHROMIUM})
        assert answer.status == 200 and answer.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    rows = json.loads(server.request("GET", links["SPARQL JSON"][0]).body)["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["City", "Country", "Province"]


def test_the_format_links_keep_the_dataset_parameters(server):
    page = get(server, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": NATOID.replace("id/", "graph/")
                                                                    + "asserted"})
    address = format_links(page.body)["CSV"][0]
    assert parse_qs(urlsplit(address).query)["default-graph-uri"] == ["https://w3id.org/natograph/graph/asserted"]


def test_a_construct_answers_as_triples_and_an_ask_as_a_sentence(server):
    graph = get(server, LOCATED_IN)
    assert graph.status == 200 and graph.headers["Content-Type"] == "text/html; charset=utf-8"
    page = graph.body.decode()
    assert '<th scope="col">subject</th><th scope="col">predicate</th><th scope="col">object</th>' in page
    assert "3 triples." in page and sorted(cells(graph.body, 0)) == ["City", "City", "Province"]
    assert list(format_links(graph.body)) == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML", "N-Quads", "TriG"]
    ask = get(server, ASK_CITY)
    assert ask.status == 200 and '<p class="boolean">Yes (true)</p>' in ask.body.decode()


def test_a_cut_answer_says_so_on_the_page_and_in_its_headers(server):
    answer = get(server, EVERYTHING)
    assert answer.status == 200 and answer.headers["Natograph-Truncated"] == "true"
    assert answer.headers["Natograph-Max-Rows"] == str(MAX_ROWS)
    assert 'id="truncated"' in answer.body.decode() and f"limit of {MAX_ROWS} rows" in answer.body.decode()
    assert len(cells(answer.body, 0)) == MAX_ROWS


def test_the_query_is_shown_escaped(server):
    query = 'SELECT ?x WHERE { BIND("<img src=x onerror=alert(1)>" AS ?x) } # </pre><script>alert(2)</script>'
    page = get(server, query).body.decode()
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page and shown_query(page.encode()) == query
    assert cells(page.encode(), 0) == ["<img src=x onerror=alert(1)>"]


def test_format_html_asks_for_the_page_whatever_the_accept(server):
    answer = get(server, LABELS, "*/*", format="html")
    assert answer.status == 200 and answer.headers["Content-Type"] == "text/html; charset=utf-8"
    # Without a query, the page to ask one is the editor.
    editor = server.request("GET", "/sparql?format=html")
    assert editor.status == 200 and b'id="yasgui"' in editor.body


def test_a_browser_s_form_post_gets_the_page(server):
    answer = server.request("POST", "/sparql", body=urlencode({"query": LABELS}).encode(),
                            headers={"Accept": CHROMIUM, "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200 and cells(answer.body, 1) == ["City", "Country", "Province"]


# ---- errors: a page with the status a program gets ----

@pytest.mark.parametrize("path, status, kind", [
    (endpoint("SELECT ?x WHERE { ?x ?y }"), 400, "query-syntax-error"),
    (endpoint("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?s = }"), 400, "query-syntax-error"),
    (endpoint("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), 403, "query-refused"),
    (endpoint("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), 403, "query-refused"),
    ("/sparql?update=" + "INSERT%20DATA%20%7B%7D", 403, "query-refused"),
    (endpoint("   "), 400, "invalid-parameter"),
    (endpoint("SELECT (<urn:nofunction>(1) AS ?x) WHERE {}"), 400, "query-evaluation-error"),
    (endpoint(SLOW_QUERY), 503, "query-timeout"),
], ids=["syntax", "syntax-line-3", "service", "update-as-query", "update", "empty", "unknown-function", "timeout"])
def test_an_error_is_a_page_with_the_status_a_program_gets(server, path, status, kind):
    program = server.request("GET", path, headers={"Accept": "application/sparql-results+json"})
    assert program.status == status and program.headers["Content-Type"] == "application/json; charset=utf-8"
    assert program.json()["error"] == kind
    page = server.request("GET", path, headers={"Accept": CHROMIUM})
    assert page.status == status and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in page.headers["Vary"]
    text = html.unescape(page.body.decode())
    assert f"<h1>{status} " in text and program.json()["message"] in text and "Traceback" not in text
    if kind == "query-syntax-error":
        line, column = program.json()["line"], program.json()["column"]
        assert f"line {line}, column {column}" in text
        # The line the parser stopped at is marked in the query shown.
        marked = re.search(r'<span class="line error-line">(.*?)</span>', page.body.decode())
        query = parse_qs(urlsplit(path).query)["query"][0]
        assert marked and html.unescape(marked.group(1)) == query.split("\n")[line - 1]


def test_a_syntax_error_page_opens_the_query_in_the_editor(server):
    query = "SELECT ?x WHERE { ?x ?y }"
    page = get(server, query).body.decode()
    editor = html.unescape(re.search(r'<a href="([^"]+)" id="open-in-editor">', page).group(1))
    assert parse_qs(urlsplit(editor).query)["query"] == [query]


# ---- SPARQL clients: exactly the format and bytes they got before ----

def sparqlwrapper_accept(return_format, query=LABELS) -> str:
    wrapper = SPARQLWrapper("http://127.0.0.1/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    return wrapper._createRequest().get_header("Accept")


CLIENTS = {
    # name: (Accept, query, the format that answers: its short name for format=)
    "sparqlwrapper-json": (sparqlwrapper_accept(JSON), LABELS, "json"),
    "sparqlwrapper-xml": (sparqlwrapper_accept(XML), LABELS, "xml"),
    "yasgui-select": ("application/sparql-results+json,*/*;q=0.9", LABELS, "json"),
    "yasgui-construct": ("application/n-triples,*/*;q=0.9", LOCATED_IN, "nt"),
    "comunica-bindings": ("application/sparql-results+json;q=1.0,application/sparql-results+xml;q=0.7", LABELS, "json"),
    "comunica-quads": ("text/turtle", LOCATED_IN, "ttl"),
    "rdflib-sparqlstore": (SPARQLConnector(query_endpoint="http://127.0.0.1/sparql").response_mime_types(), LABELS,
                           "xml"),
    "sparql-json": ("application/sparql-results+json", LABELS, "json"),
    "any": ("*/*", LABELS, "json"),
    "any-construct": ("*/*", LOCATED_IN, "ttl"),
    "none": (None, LABELS, "json"),
    "none-ask": (None, ASK_CITY, "json"),
    "application-xml": ("application/xml", LABELS, "xml"),
    "html-listed-after-json": ("application/sparql-results+json, text/html", LABELS, "json"),
    "html-tied-with-xml": ("text/html, application/xml", LABELS, "xml"),
    "html-lower": ("text/html;q=0.5, */*", LABELS, "json"),
}
MEDIA_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "nt": "application/n-triples", "ttl": "text/turtle"}


def test_the_clients_headers_are_theirs():
    assert CLIENTS["sparqlwrapper-json"][0].startswith("application/sparql-results+json")
    assert CLIENTS["sparqlwrapper-xml"][0] == "application/sparql-results+xml"
    assert "application/sparql-results+xml" in CLIENTS["rdflib-sparqlstore"][0]
    assert not any("text/html" in (accept or "") for name, (accept, _, _) in CLIENTS.items() if "html" not in name)


@pytest.mark.parametrize("name", list(CLIENTS))
def test_every_sparql_client_gets_the_format_and_bytes_it_got_before(server, name):
    accept, query, short_name = CLIENTS[name]
    answer = get(server, query, accept)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == f"{MEDIA_TYPES[short_name]}; charset=utf-8"
    assert answer.body == get(server, query, None, format=short_name).body
    assert "Accept" in answer.headers["Vary"] and b"<html" not in answer.body


def test_sparqlwrapper_reads_its_answer(server):
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(LABELS)
    wrapper.setReturnFormat(JSON)
    rows = wrapper.query().convert()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["City", "Country", "Province"]


# ---- one result, rendered: the cache, the ETag and the limits are the other formats' ----

def result_cache(server) -> dict:
    return server.request("GET", "/health").json()["query_workers"]["result_cache"]


def test_the_page_renders_the_cached_result_a_client_without_accept_gets(server):
    query = "SELECT ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ORDER BY ?o LIMIT 2"
    before = result_cache(server)
    assert get(server, query, None).status == 200
    between = result_cache(server)
    assert between["misses"] == before["misses"] + 1
    assert get(server, query).headers["Content-Type"] == "text/html; charset=utf-8"
    after = result_cache(server)
    assert after["misses"] == between["misses"] and after["hits"] == between["hits"] + 1


def test_the_page_has_its_own_etag_and_answers_304(server):
    page, data = get(server, LABELS), get(server, LABELS, None)
    assert page.headers["ETag"] != data.headers["ETag"]
    again = server.request("GET", endpoint(LABELS), headers={"Accept": CHROMIUM, "If-None-Match": page.headers["ETag"]})
    assert again.status == 304 and again.headers["ETag"] == page.headers["ETag"]
    # The data's ETag does not validate the page (the same URL, another representation).
    other = server.request("GET", endpoint(LABELS), headers={"Accept": CHROMIUM, "If-None-Match": data.headers["ETag"]})
    assert other.status == 200 and other.headers["Content-Type"] == "text/html; charset=utf-8"


def test_past_the_query_budget_a_browser_gets_the_429_as_a_page(project, tmp_path_factory):
    limited = ServerProcess(project, tmp_path_factory.mktemp("logs") / "budget.log", queries_per_minute=2)
    try:
        assert [get(limited, LABELS).status for _ in range(2)] == [200, 200]
        refused = get(limited, LABELS)
        assert refused.status == 429 and refused.headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(refused.headers["Retry-After"]) >= 1 and b"queries_per_minute" in refused.body
    finally:
        limited.stop()


def test_a_form_s_crlf_lines_are_shown_and_marked_as_the_parser_counts_them(server):
    query = "SELECT * WHERE {\r\n  ?s ?p\r\n}"
    page = server.request("POST", "/sparql", body=urlencode({"query": query}).encode(),
                          headers={"Accept": CHROMIUM, "Content-Type": "application/x-www-form-urlencoded"})
    assert page.status == 400 and "line 3, column 2" in page.body.decode()
    assert shown_query(page.body) == query.replace("\r\n", "\n") and "\r" not in page.body.decode()
    assert re.search(r'<span class="line error-line">(.*?)</span>', page.body.decode()).group(1) == "}"


def test_past_the_concurrency_limit_a_browser_gets_the_503_as_a_page(project, tmp_path_factory):
    busy = ServerProcess(project, tmp_path_factory.mktemp("logs") / "busy.log", max_concurrent_queries=1,
                         query_timeout_ms=5000, queries_per_minute=0)
    try:
        slow = threading.Thread(target=get, args=(busy, SLOW_QUERY, None))
        slow.start()
        while busy.request("GET", "/health").json()["query_workers"]["busy"] < 1:
            assert slow.is_alive(), "the slow query ended before the worker was seen busy"
            time.sleep(0.05)
        refused = get(busy, LABELS)
        slow.join()
        assert refused.status == 503 and refused.headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(refused.headers["Retry-After"]) >= 1 and b"query workers are busy" in refused.body
    finally:
        busy.stop()
