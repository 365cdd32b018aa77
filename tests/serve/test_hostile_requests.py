"""A hostile or careless client against a real `natograph serve`, on every route.

Each route gets wrong methods, HEAD, parameters that are not UTF-8, repeated, NUL or huge, absurd Accept headers,
bad paths; the server's own layer (waitress) gets malformed framing, unknown codings and requests that never
finish. Whatever the input: no 5xx for a client's mistake, no traceback, an error naming what is wrong, in the
format the client accepts (a page for a browser, JSON otherwise), and an answer, never a hang.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from natograph.build import build
from natograph.config import Config
from natograph.serve.server import listening_name

from ..serving import TEST_DATA, ServerProcess, built_mini_project, in_process_client

pytestmark = pytest.mark.slow

QUERIES = str(Path(__file__).resolve().parents[2] / "queries")
# Past keep-alive (5 s), so that a request stalled mid-way shows it is answered at its deadline, not closed at 5 s.
READ_TIMEOUT_MS = 6500
MAX_BODY_BYTES = 4000
SERVER_THREADS = 12  # max(8, 2 * max_concurrent_queries + 4), with the default 4 query workers
# Far longer than any answer takes; only a server that hangs reaches it.
PATIENCE_S = 30
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# One address per route of the application (test_every_route_is_swept keeps it complete).
ROUTES = {
    "/": "/",
    "/health": "/health",
    "/sparql": "/sparql?query=ASK%7B%7D",
    "/queries": "/queries",
    "/queries/<name>.rq": "/queries/troop-figures.rq",
    "/queries/<name>": "/queries/troop-figures",
    "/openapi.json": "/openapi.json",
    "/.well-known/sparql-examples": "/.well-known/sparql-examples",
    "/id/<name>": "/id/op-a",
    "/ontology": "/ontology",
    "/ontology.<extension>": "/ontology.ttl",
    "/ontology/<name>": "/ontology/Operation",
    "/graph/<path:name>": "/graph/asserted",
    "/dump/": "/dump/",
    "/dump/<file_name>": "/dump/natograph-all.nt",
    "/void": "/void",
    "/.well-known/void": "/.well-known/void",
    "/context.jsonld": "/context.jsonld",
    "/query": "/query",
    "/query/shape-hints": "/query/shape-hints",
    "/frameworks": "/frameworks",
    "/timeline": "/timeline",
    "/timeline.svg": "/timeline.svg",
    "/search": "/search?q=op",
    "/class/<name>": "/class/Operation",
    "/check": "/check",
    "/explain": "/explain?s=natoid:op-a&p=rdf:type&o=nato:Operation",
    "/static/<path:filename>": "/static/style.css",
}
GET_ROUTES = [path for rule, path in ROUTES.items() if rule != "/query/shape-hints"]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("hostile"), queries_dir=QUERIES)


@pytest.fixture(scope="module")
def server(config, tmp_path_factory):
    process = ServerProcess(config.root, tmp_path_factory.mktemp("logs") / "hostile.log", queries_dir=QUERIES,
                            request_read_timeout_ms=READ_TIMEOUT_MS, max_body_bytes=MAX_BODY_BYTES,
                            queries_per_minute=0, query_seconds_per_minute=0)
    yield process
    process.stop()


class Answer:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def json(self) -> dict:
        # natograph's error shape, or a linked-data resource's JSON-LD (which carries the same members)
        assert self.content_type.split(";")[0] in ("application/json", "application/ld+json"), (
            self.status, self.content_type, self.body[:300])
        return json.loads(self.body)


def send(server: ServerProcess, method: str, target: str, *, headers: dict | None = None,
         body: bytes | None = None) -> Answer:
    """One request, its target sent byte for byte as given (percent escapes and all)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=PATIENCE_S)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def exchange(server: ServerProcess, data: bytes) -> bytes:
    """Raw bytes sent on a connection of their own, and all the server answers until it closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_S) as connection:
        connection.sendall(data)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def assert_client_error(answer: Answer, status: int) -> dict:
    """A client's mistake answered with `status` and natograph's JSON error, with no traceback anywhere."""
    assert answer.status == status, (answer.status, answer.body[:300])
    assert b"Traceback" not in answer.body
    body = answer.json()
    assert body["error"] and body["message"]
    return body


def with_parameter(path: str, parameter: str) -> str:
    return path + ("&" if "?" in path else "?") + parameter


def test_every_route_is_swept(config):
    rules = {rule.rule for rule in in_process_client(config).application.url_map.iter_rules()}
    assert rules == set(ROUTES), "a route was added or removed: give it an address in ROUTES"


@pytest.mark.parametrize("path", GET_ROUTES)
def test_every_route_answers_get_and_head_alike(server, path):
    got = send(server, "GET", path)
    head = send(server, "HEAD", path)
    assert got.status < 400, (got.status, got.body[:300])
    assert head.status == got.status and head.body == b""
    assert head.content_type == got.content_type


@pytest.mark.parametrize("path", list(ROUTES.values()))
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "FROB"])
def test_a_wrong_method_is_a_405_naming_the_allowed_ones(server, path, method):
    body = assert_client_error(send(server, method, path), 405)
    assert method in body["message"] and body["allowed"]


@pytest.mark.parametrize("path", list(ROUTES.values()))
def test_a_parameter_that_is_not_utf_8_is_a_400_naming_it(server, path):
    method = "POST" if path == "/query/shape-hints" else "GET"
    body = assert_client_error(send(server, method, with_parameter(path, "lang=%FF%FE")), 400)
    assert body["parameter"] == "lang" and "UTF-8" in body["message"]


@pytest.mark.parametrize("path", [path for path in ROUTES.values() if not path.startswith("/sparql")])
def test_a_parameter_given_twice_is_a_400_naming_it(server, path):
    # `format` read twice used to answer in the first and drop the second; the endpoint repeats it by the protocol.
    method = "POST" if path == "/query/shape-hints" else "GET"
    body = assert_client_error(send(server, method, with_parameter(path, "format=json&format=html")), 400)
    assert body["parameter"] == "format" and "2 times" in body["message"]


def test_a_form_body_not_utf_8_or_repeating_a_field_is_a_400_naming_it(server):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = assert_client_error(send(server, "POST", "/query/shape-hints", headers=form, body=b"query=%FF"), 400)
    assert body["parameter"] == "query" and "UTF-8" in body["message"]
    body = assert_client_error(send(server, "POST", "/query/shape-hints", headers=form, body=b"query=a&query=b"), 400)
    assert body["parameter"] == "query"


@pytest.mark.parametrize("path", GET_ROUTES)
@pytest.mark.parametrize("parameter", ["q=%00", "format=" + "x" * 5000, "%00=1", "=1", "&&&", "a[]=1", "x=%", "x=%zz"])
def test_odd_parameters_never_break_a_route(server, path, parameter):
    answer = send(server, "GET", with_parameter(path, parameter))
    assert answer.status < 500 and b"Traceback" not in answer.body, (answer.status, answer.body[:300])
    if answer.status >= 400:
        assert_client_error(answer, answer.status)


@pytest.mark.parametrize("path", ["/id/%FF", "/queries/%C3", "/dump/%FFx.nt", "/class/%80", "/graph/%FF/x"])
def test_a_path_that_is_not_utf_8_is_a_400_saying_so(server, path):
    body = assert_client_error(send(server, "GET", path), 400)
    assert "path is not valid UTF-8" in body["message"]


@pytest.mark.parametrize("path", ["/id/..%2F..%2Fetc%2Fpasswd", "/graph/../../manifest.json", "/static/..%2Fserver.py",
                                  "/dump/..%2F..%2FCURRENT", "/page/op-a", "/id/" + "a" * 6000, "/queries/"])
def test_paths_out_of_the_site_are_404s_naming_the_path(server, path):
    answer = send(server, "GET", path, headers={"Accept": "application/json"})
    assert answer.status == 404, (answer.status, answer.body[:300])
    assert b"Traceback" not in answer.body and b"root:" not in answer.body
    body = answer.json()
    assert body["error"] == "not-found" and unquote(path).rstrip("/").rsplit("/", 1)[-1] in body["message"]


def test_an_unknown_address_says_which(server):
    body = assert_client_error(send(server, "GET", "/page/op-a"), 404)
    assert "/page/op-a" in body["message"]


# Accept headers that name no media range a server can read: each is as if the client sent none.
UNREADABLE_ACCEPTS = [", , ,", ";;;", "text/", "/", "text/html;q=2", "text/html;q=-1", "text/html;q=abc",
                      "application/json;q=1e400", "application/json;q=nan"]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_an_accept_header_naming_no_readable_range_is_as_none(server, path):
    plain = send(server, "GET", path)
    for accept in UNREADABLE_ACCEPTS:
        answer = send(server, "GET", path, headers={"Accept": accept})
        assert (answer.status, answer.content_type) == (plain.status, plain.content_type), accept


@pytest.mark.parametrize("path", GET_ROUTES)
def test_a_10_kib_accept_header_is_a_431_naming_the_limit(server, path):
    body = assert_client_error(send(server, "GET", path, headers={"Accept": "text/html;q=0.1, " * 640}), 431)
    assert body["error"] == "request-head-too-large" and body["limit_bytes"] == 8192


def test_an_accept_refusing_everything_is_a_406_listing_what_is_offered(server):
    for path in ["/id/op-a", "/sparql?query=ASK%7B%7D", "/check", "/queries/troop-figures"]:
        body = assert_client_error(send(server, "GET", path, headers={"Accept": "image/png"}), 406)
        assert body["offered"]


@pytest.mark.parametrize("query", ["", "%20%0A", "%23%20only%20a%20comment"])
def test_an_empty_query_is_a_400_naming_it_not_a_refused_update(server, query):
    body = assert_client_error(send(server, "GET", f"/sparql?query={query}"), 400)
    assert body["parameter"] == "query" and "empty" in body["message"]
    posted = send(server, "POST", "/sparql", headers={"Content-Type": "application/sparql-query"},
                  body=query.replace("%20", " ").replace("%0A", "\n").replace("%23", "#").encode())
    assert assert_client_error(posted, 400)["parameter"] == "query"


def test_a_body_with_a_content_coding_is_a_415_naming_it(server):
    answer = send(server, "POST", "/sparql", body=b"ASK {}",
                  headers={"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"})
    body = assert_client_error(answer, 415)
    assert "Content-Encoding gzip" in body["message"]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/sparql-query"])
def test_shape_hints_of_a_body_that_is_not_a_form_is_a_415(server, content_type):
    answer = send(server, "POST", "/query/shape-hints", headers={"Content-Type": content_type}, body=b'{"query": 1}')
    body = assert_client_error(answer, 415)
    assert body["accepted"] == ["application/x-www-form-urlencoded"]


@pytest.mark.parametrize("headers", [{"Range": "bytes=0-10"}, {"Range": "bytes=10-5"}, {"Range": "garbage"},
                                     {"If-None-Match": "garbage"}, {"If-Modified-Since": "garbage"},
                                     {"If-Range": "garbage", "Range": "bytes=0-3"}])
def test_range_and_conditional_garbage_on_a_dump_gets_the_whole_dump(server, headers):
    whole = send(server, "GET", "/dump/natograph-all.nt")
    answer = send(server, "GET", "/dump/natograph-all.nt", headers=headers)
    assert answer.status == 200 and answer.body == whole.body
    assert answer.headers["Accept-Ranges"] == "none"


# What waitress reads before the application: framing, codings, sizes. Each answered in natograph's shape.
HEAD = b"Host: 127.0.0.1\r\nConnection: close\r\n"
SPARQL_POST = b"POST /sparql HTTP/1.1\r\n" + HEAD + b"Content-Type: application/sparql-query\r\n"


def parse(raw: bytes) -> tuple[int, dict, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("request_bytes, status, kind, named", [
    (SPARQL_POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK{}\r\n0\r\n\r\n", 400, "bad-request", b"chunk size"),
    (SPARQL_POST + b"Transfer-Encoding: chunked\r\n\r\n5\r\nASK{}XX0\r\n\r\n", 400, "bad-request", b"Chunk"),
    (SPARQL_POST + b"Content-Length: abc\r\n\r\nASK{}", 400, "bad-request", b"Content-Length"),
    (SPARQL_POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nASK{}", 400, "bad-request", b"Content-Length"),
    (SPARQL_POST + b"Transfer-Encoding: gzip\r\n\r\n", 501, "not-implemented", b"Transfer-Encoding"),
    (SPARQL_POST + b"Content-Length: 99999999999\r\n\r\n", 413, "payload-too-large", b"4000 bytes"),
    (b"GET / HTTP/1.1\r\n" + HEAD + b"X-Big: " + b"x" * 9000 + b"\r\n\r\n", 431, "request-head-too-large", b"8192"),
    (b"get / HTTP/1.1\r\n" + HEAD + b"\r\n", 400, "bad-request", b"method"),
    (b"GET / HTTP/1.1\r\n" + HEAD + b"Bad\x00Header: 1\r\n\r\n", 400, "bad-request", b"header"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "bad-request", b"request line"),
    (b"GET /search?q=a b HTTP/1.1\r\n" + HEAD + b"\r\n", 400, "bad-request", b"%20"),
    ("GET /search?q=\u00e9 HTTP/1.1\r\n".encode() + HEAD + b"\r\n", 400, "bad-request", b"percent-encoded"),
], ids=["chunk-size", "chunk-end", "length-not-a-number", "two-lengths", "unknown-coding", "declared-too-large",
        "head-too-large", "lowercase-method", "nul-in-header", "tls-to-http", "raw-space", "raw-non-ascii"])
def test_malformed_framing_is_answered_in_natograph_s_shape(server, request_bytes, status, kind, named):
    code, headers, body = parse(exchange(server, request_bytes))
    assert code == status and headers["content-type"].startswith("application/json"), body[:300]
    assert f'"error": "{kind}"'.encode() in body and named in body
    assert headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("framing", [b"Content-Length: 99999999999\r\n\r\n",
                                     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"], ids=["too-large", "bad-chunk"])
def test_head_gets_the_error_s_headers_and_no_content(server, framing):
    code, headers, body = parse(exchange(server, b"HEAD /sparql HTTP/1.1\r\n" + HEAD + framing))
    assert code in (400, 413) and int(headers["content-length"]) > 0 and body == b""


def test_a_browser_s_chunked_body_too_large_gets_a_page(server):
    body = b"query=" + b"x" * (MAX_BODY_BYTES + 10)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    request_bytes = (b"POST /sparql HTTP/1.1\r\n" + HEAD + b"Accept: " + BROWSER.encode() + b"\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    code, headers, page = parse(exchange(server, request_bytes))
    assert code == 413 and headers["content-type"].startswith("text/html")
    assert b"413" in page and b"larger than the limit of 4000 bytes" in page


STALLED = {
    "body": SPARQL_POST + b"Content-Length: 1000\r\n\r\nASK {",
    "body-from-a-browser": SPARQL_POST + b"Accept: " + BROWSER.encode() + b"\r\nContent-Length: 1000\r\n\r\nASK {",
    "head": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Unfinished: ",
    "bare-line-feeds": b"GET /health HTTP/1.1\nHost: 127.0.0.1\n\n",
}


def test_a_request_that_stops_mid_way_is_answered_408_at_the_deadline(server):
    answers = {}

    def stall(name: str, opening: bytes) -> None:
        answers[name] = exchange(server, opening)  # sends part of a request, then nothing: the server must answer

    threads = [threading.Thread(target=stall, args=item) for item in STALLED.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, raw in answers.items():
        assert raw, f"{name}: closed without an answer"
        code, headers, body = parse(raw)
        assert code == 408 and headers["connection"] == "close", (name, raw[:300])
        if name == "body-from-a-browser":
            assert headers["content-type"].startswith("text/html") and b"request_read_timeout_ms" in body
        else:
            assert headers["content-type"].startswith("application/json"), name
            assert b'"error": "request-timeout"' in body and b'"limit_ms": 6500' in body
    # Meanwhile, and after, the server answers everyone else.
    assert send(server, "GET", "/health").status == 200


def test_an_idle_connection_is_closed_without_an_answer(server):
    # Between requests there is nothing to answer: keep-alive's end is a close, as everywhere.
    assert exchange(server, b"") == b""


def test_a_pipelined_request_is_answered_after_the_one_before(server):
    two = (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
           b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    raw = exchange(server, two)
    assert raw.count(b"HTTP/1.1 200 OK") == 2 and raw.endswith(b'"boolean":true}')


@pytest.mark.parametrize("path", GET_ROUTES)
@pytest.mark.parametrize("host", [b"a>b", b"127.0.0.1\r\nHost: 127.0.0.2", b"x" * 2000, "例え.jp".encode()],
                         ids=["bad-character", "given-twice", "label-too-long", "not-ascii"])
def test_a_host_header_that_names_no_host_is_a_400_naming_it(server, path, host):
    # RFC 9112, 3.2; werkzeug read such a Host as "" (links and IRIs to http:///…), or failed to render the page.
    for accept in (b"application/json", BROWSER.encode()):
        raw = exchange(server, b"GET %s HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\nConnection: close\r\n\r\n"
                       % (path.encode(), host, accept))
        code, headers, body = parse(raw)
        assert code == 400 and b"Host header" in body and b"Traceback" not in body, (accept, raw[:300])
        # A name werkzeug cannot even encode (IDNA) leaves the request without URLs to build a page with: JSON.
        page = accept.startswith(b"text/html") and len(host) < 64
        assert headers["content-type"].startswith("text/html" if page else "application/json")


def test_http_1_1_without_a_host_is_a_400_and_http_1_0_is_served(server):
    code, _, body = parse(exchange(server, b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert code == 400 and b"no Host header" in body
    code, _, body = parse(exchange(server, b"GET /health HTTP/1.0\r\n\r\n"))
    assert code == 200 and json.loads(body)["status"]


def test_http_1_0_without_a_host_gets_links_to_the_address_the_server_listens_on(server):
    # HTTP/1.0 may leave Host out: links are built from the listening address, not an empty or placeholder host.
    code, _, body = parse(exchange(server, b"GET /openapi.json HTTP/1.0\r\n\r\n"))
    assert code == 200 and json.loads(body)["servers"] == [{"url": server.url}]
    code, _, body = parse(exchange(server, b"GET /sparql HTTP/1.0\r\nAccept: application/n-triples\r\n\r\n"))
    assert code == 200 and f"<{server.url}/sparql>".encode() in body
    assert b"http:///" not in body and b"waitress.invalid" not in body
    code, _, body = parse(exchange(server, b"GET /queries HTTP/1.0\r\nAccept: application/json\r\n\r\n"))
    urls = [query["url"] for query in json.loads(body)["queries"]]
    assert code == 200 and urls and all(url.startswith(server.url + "/queries/") for url in urls)


def test_http_1_0_without_a_host_gets_links_to_the_public_base_when_one_is_set(config, tmp_path_factory):
    public = ServerProcess(config.root, tmp_path_factory.mktemp("logs") / "public.log", queries_dir=QUERIES,
                           public_base="https://natograph.example.org/kg/")
    try:
        code, _, body = parse(exchange(public, b"GET /openapi.json HTTP/1.0\r\n\r\n"))
        assert code == 200 and json.loads(body)["servers"] == [{"url": "https://natograph.example.org/kg"}]
        code, _, body = parse(exchange(public, b"GET /queries HTTP/1.0\r\nAccept: application/json\r\n\r\n"))
        urls = [query["url"] for query in json.loads(body)["queries"]]
        assert code == 200 and urls and all(url.startswith("https://natograph.example.org/kg/queries/") for url in urls)
        # A request with a Host keeps building the links it built before from it.
        code, _, body = parse(exchange(public, b"GET /queries HTTP/1.0\r\nHost: 127.0.0.1:1234\r\n"
                                               b"Accept: application/json\r\n\r\n"))
        assert json.loads(body)["queries"][0]["url"].startswith("http://127.0.0.1:1234/queries/")
    finally:
        public.stop()


def test_the_links_of_a_server_listening_on_every_interface_name_the_machine():
    assert listening_name("127.0.0.1") == "127.0.0.1" and listening_name("::1") == "::1"
    assert listening_name("0.0.0.0") == listening_name("::") == socket.gethostname()


@pytest.mark.parametrize("path", list(ROUTES.values()))
def test_options_answers_with_no_content_type_on_every_route(server, path):
    answer = send(server, "OPTIONS", path, headers={"Origin": "http://example.org",
                                                    "Access-Control-Request-Method": "POST"})
    assert answer.status == 200 and answer.body == b"" and answer.headers["Content-Length"] == "0"
    assert "Content-Type" not in answer.headers, answer.headers["Content-Type"]
    assert "OPTIONS" in answer.headers["Allow"] and answer.headers["Access-Control-Allow-Origin"] == "*"


# A dump far larger than what waitress holds for a connection before its task waits for the client to read
# (`outbuf_high_watermark`, 16 MiB) and what the sockets hold.
BIG_LITERALS, BIG_LITERAL_BYTES = 4, 7 * 1024 * 1024


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("big")
    root = directory / "mini"
    shutil.copytree(TEST_DATA / "mini", root)
    with open(root / "data" / "big.ttl", "w") as turtle:
        turtle.write("@prefix natoid: <https://w3id.org/natograph/id/> .\n"
                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
        for number in range(BIG_LITERALS):
            turtle.write(f'natoid:big rdfs:comment "{number}{"x" * BIG_LITERAL_BYTES}" .\n')
    build(Config.load(root=root))
    process = ServerProcess(root, directory / "big.log")
    yield process
    process.stop()


def test_clients_that_stop_reading_a_large_answer_are_closed_and_free_their_threads(big_server):
    dump = "/dump/natograph-all.nt"
    length = len(send(big_server, "GET", dump).body)
    readers = []
    for number in range(SERVER_THREADS + 2):  # more than the server has threads
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.bind((f"127.0.0.{20 + number}", 0))
        reader.connect(("127.0.0.1", big_server.port))
        reader.sendall(f"GET {dump} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        readers.append(reader)
    try:
        # None of them reads; each is closed once its task has waited for the client a while (the log says so).
        wait_for_log(big_server, "answer not read", len(readers))
        assert send(big_server, "GET", "/health").status == 200
        for reader in readers:
            reader.settimeout(PATIENCE_S)
            received = 0
            try:
                while chunk := reader.recv(1 << 20):
                    received += len(chunk)
            except ConnectionResetError:
                pass
            assert received < length  # cut off, not sent whole
    finally:
        for reader in readers:
            reader.close()


def wait_for_log(server: ServerProcess, text: str, count: int) -> None:
    give_up = time.monotonic() + 3 * PATIENCE_S
    while server.log_path.read_text().count(text) < count:
        assert time.monotonic() < give_up, f"the log never said {text!r} {count} times"
        time.sleep(0.2)


@pytest.mark.parametrize("method, target, status", [
    ("GET", "/search?q=%FF", 400), ("GET", "/timeline?page=1&page=2", 400), ("GET", "/id/%FF", 400),
    ("GET", "/sparql?query=", 400), ("GET", "/page/op-a", 404), ("DELETE", "/sparql", 405),
])
def test_a_browser_gets_each_error_as_a_page_and_a_program_as_json(server, method, target, status):
    page = send(server, method, target, headers={"Accept": BROWSER})
    assert page.status == status and page.content_type.startswith("text/html")
    assert f"<h1>{status} ".encode() in page.body and b"Traceback" not in page.body
    assert_client_error(send(server, method, target, headers={"Accept": "application/json"}), status)


WRONG_VALUES = {"iri": ["<>", "http://", '"a literal"', "_:b0", "x" * 3000],
                "date": ["abc", "2020-13-45", "99999", "2020-02-30", "x" * 3000],
                "enum": ["nonsense", "x" * 3000]}


def test_canned_parameters_of_the_wrong_type_are_400s_naming_a_parameter(server):
    catalogue = json.loads(send(server, "GET", "/queries").body)["queries"]
    tried = 0
    for query in catalogue:
        names = {parameter["name"] for parameter in query["parameters"]}
        for parameter in query["parameters"]:
            for value in WRONG_VALUES.get(parameter["type"], []):
                target = f"/queries/{query['name']}?{parameter['name']}={quote(value)}"
                for accept in ("application/json", BROWSER):
                    answer = send(server, "GET", target, headers={"Accept": accept})
                    # A browser's page too, while another required parameter is still to be filled in.
                    assert answer.status == 400 and b"Traceback" not in answer.body, (target, answer.body[:300])
                    if accept == "application/json":
                        assert answer.json()["parameter"] in names, target
                    else:
                        assert parameter["name"].encode() in answer.body
                    tried += 1
    assert tried > 100


@pytest.mark.parametrize("path", ["/id/op-a.ttl?format=nt", "/ontology.ttl?format=html", "/graph/asserted.nt?format=ttl",
                                  "/ontology/Operation.jsonld?format=ttl", "/dump/natograph-all.nt?format=ttl",
                                  "/id/op-a.ttl?format=nonsense"])
def test_a_format_contradicting_the_address_s_extension_is_a_400_naming_it(server, path):
    # It was ignored: the extension's format was answered, as if the client had not asked for another.
    body = assert_client_error(send(server, "GET", path), 400)
    assert body["parameter"] == "format"


@pytest.mark.parametrize("path", ["/id/op-a.ttl?format=ttl", "/id/op-a.ttl?format=text/turtle",
                                  "/ontology.nt?format=nt", "/dump/natograph-all.nq?format=application/n-quads"])
def test_a_format_agreeing_with_the_extension_is_served(server, path):
    assert send(server, "GET", path).status == 200
