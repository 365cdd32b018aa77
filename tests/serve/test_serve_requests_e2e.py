"""Slow, large and greedy clients against a real `natograph serve`: none of them can keep others from being served."""

from __future__ import annotations

from pathlib import Path

import shutil
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote, urlencode

import pytest

from ..serving import ServerProcess, built_mini_project

REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

READ_TIMEOUT_MS = 4000  # far above the time /health takes to answer, even on a loaded machine
QUERY_TIMEOUT_MS = 3000
MAX_BODY_BYTES = 2000
# More slow connections than the server has threads (max(8, 2 * 4 + 4) = 12).
SLOW_CLIENTS = 16
# Far longer than any answer takes, so that the tests never depend on timing; only a broken server reaches it.
PATIENCE_S = 25
# Every triple with every triple, four times over: runs until the time limit on any snapshot.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?p }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = built_mini_project(tmp_path_factory.mktemp("requests")).root
    shutil.copytree(REPOSITORY / "queries", project / "queries")  # the canned queries, on the mini data
    process = ServerProcess(project, tmp_path_factory.mktemp("logs") / "requests.log",
                            request_read_timeout_ms=READ_TIMEOUT_MS, query_timeout_ms=QUERY_TIMEOUT_MS,
                            max_body_bytes=MAX_BODY_BYTES, query_seconds_per_minute=1)
    yield process
    process.stop()


def open_slow_connection(server: ServerProcess, opening: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_S,
                                          source_address=("127.0.0.5", 0))
    connection.sendall(opening)
    return connection


class SlowConnection:
    """A connection sending its request slowly, and what the server has answered on it so far."""

    def __init__(self, connection: socket.socket):
        self.connection, self.answer, self.closed = connection, b"", False

    def closed_by_server(self) -> bool:
        """Whether the server has closed this connection, reading what it answered first, without waiting."""
        self.connection.setblocking(False)
        try:
            while not self.closed:
                chunk = self.connection.recv(65536)
                self.answer += chunk
                self.closed = chunk == b""
        except BlockingIOError:
            pass
        except ConnectionResetError:
            self.closed = True
        finally:
            self.connection.setblocking(True)
        return self.closed


SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
SLOW_BODY = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
             b"Content-Length: 1000\r\n\r\nASK {} #")


@pytest.mark.parametrize("opening", [SLOW_HEAD, SLOW_BODY], ids=["head", "body"])
def test_slow_clients_hold_no_thread_and_are_answered_408_at_the_read_deadline(server, opening):
    slow = [SlowConnection(open_slow_connection(server, opening)) for _ in range(SLOW_CLIENTS)]
    stop = threading.Event()

    def trickle():
        while not stop.wait(0.2):
            for client in slow:
                try:
                    client.connection.send(b"x")
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(0.5)  # every slow client has sent part of its request
        health = server.request("GET", "/health", timeout=PATIENCE_S)
        # Answered while every slow client is still connected: none of them holds a thread.
        assert health.status == 200
        assert not any(client.closed_by_server() for client in slow)
        # They keep trickling until the server answers them and closes their connection, at the read deadline.
        give_up = time.monotonic() + PATIENCE_S
        while not all(client.closed_by_server() for client in slow) and time.monotonic() < give_up:
            time.sleep(0.2)
        assert all(client.closed_by_server() for client in slow)
    finally:
        stop.set()
        trickler.join()
        for client in slow:
            client.connection.close()
    for client in slow:
        assert client.answer.split(b"\r\n", 1)[0].endswith(b" 408 Request Timeout"), client.answer[:200]
        assert b'"error": "request-timeout"' in client.answer and b"request_read_timeout_ms" in client.answer
    assert f"request not received within {READ_TIMEOUT_MS / 1000:.3g} s; answered 408" in server.log_path.read_text()


def test_a_request_line_over_8_kib_is_431_naming_the_limit(server):
    answer = server.request("GET", "/sparql?query=" + quote("ASK {} #" + "x" * 9000))
    assert answer.status == 431
    body = answer.json()
    assert body["error"] == "request-head-too-large" and body["limit_bytes"] == 8192
    assert "POST" in body["message"]
    # A query that long still goes by POST.
    posted = server.request("POST", "/sparql", body=urlencode({"query": "ASK {} #" + "x" * 1000}).encode(),
                            headers=FORM)
    assert posted.status == 200


def test_an_unfinished_request_line_past_the_limit_is_refused_at_once(server):
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_S)
    try:
        # 64 KiB of a line that never ends: the server answers without waiting for the rest of it.
        connection.sendall(b"GET /sparql?query=" + b"x" * (64 * 1024))
        answer = read_answer(connection)
    finally:
        connection.close()
    assert answer.split(b"\r\n", 1)[0].endswith(b" 431 Request Header Fields Too Large")
    assert b'"limit_bytes": 8192' in answer


def chunked_post(server: ServerProcess, body: bytes, chunk_size: int = 500) -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + chunk_size]), body[i:i + chunk_size])
                      for i in range(0, len(body), chunk_size))
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE_S) as connection:
        try:
            connection.sendall(head + chunks + b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(connection)


def read_answer(connection: socket.socket) -> bytes:
    """One HTTP answer with a Content-Length, read whole."""
    answer = b""
    while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length and (chunk := connection.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_chunked_body_over_max_body_bytes_is_413(server):
    too_large = chunked_post(server, urlencode({"query": "ASK {} #" + "x" * MAX_BODY_BYTES}).encode())
    assert too_large.startswith(b"HTTP/1.1 413 "), too_large[:200]
    assert b'"limit_bytes": 2000' in too_large
    within = chunked_post(server, urlencode({"query": "ASK {} #" + "x" * 100}).encode())
    assert within.startswith(b"HTTP/1.1 200 "), within[:200]
    assert within.endswith(b'"boolean":true}')


def busy_workers(server: ServerProcess) -> int:
    return server.request("GET", "/health").json()["query_workers"]["busy"]


def wait_until(condition, what: str) -> None:
    give_up = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < give_up, f"never: {what}"
        time.sleep(0.05)


def test_one_client_cannot_hold_every_query_worker(server):
    greedy, other = "127.0.0.2", "127.0.0.3"
    answers = []

    def slow_query():
        answers.append(server.request_from(greedy, "GET", "/sparql?query=" + quote(SLOW_QUERY)))

    running = [threading.Thread(target=slow_query) for _ in range(2)]
    for thread in running:
        thread.start()
    try:
        wait_until(lambda: busy_workers(server) >= 2, "two slow queries running")
        # The greedy client's further queries are refused at once, naming the limit; the workers stay free.
        third = server.request_from(greedy, "GET", "/sparql?query=" + quote(SLOW_QUERY))
        assert third.status == 429 and third.headers["Retry-After"] == "1"
        assert third.json()["limit"] == "concurrent_queries_per_client"
        cheap = server.request_from(other, "GET", "/sparql?query=" + quote("ASK {}"))
        assert cheap.status == 200 and cheap.json()["boolean"] is True
        canned = server.request_from(other, "GET", "/queries/operations-timeline")
        assert canned.status == 200
    finally:
        for thread in running:
            thread.join()
    assert [answer.json()["error"] for answer in answers] == ["query-timeout"] * 2


def test_the_time_budget_charges_query_time(server):
    # One second of query processing a minute (query_seconds_per_minute=1): one slow query spends it.
    spender, other = "127.0.0.4", "127.0.0.6"
    first = server.request_from(spender, "GET", "/sparql?query=" + quote(SLOW_QUERY))
    assert first.status == 503 and first.json()["error"] == "query-timeout"
    refused = server.request_from(spender, "GET", "/sparql?query=" + quote("ASK {}"))
    assert refused.status == 429
    assert refused.json()["limit"] == "query_seconds_per_minute"
    assert "query_seconds_per_minute" in refused.json()["message"]
    # The 3 s query overdrew the 1 s budget by about two seconds: a minute's refill per second of debt.
    assert int(refused.headers["Retry-After"]) > 30
    # The canned queries (and their name look-ups) draw on the same budget.
    assert server.request_from(spender, "GET", "/queries/operations-in-place?place=City").status == 429
    assert server.request_from(other, "GET", "/sparql?query=" + quote("ASK {}")).status == 200


def test_the_access_log_has_a_line_per_request_without_the_query_string(server):
    marker = "accesslogmarker"
    assert server.request("GET", "/sparql?query=" + quote(f"ASK {{}} # {marker}")).status == 200

    def logged() -> bool:  # the line is written once the answer has been sent
        lines = server.log_path.read_text().splitlines()
        return any(line.startswith("127.0.0.1 [") and '"GET /sparql" 200 ' in line for line in lines)

    wait_until(logged, "the request in the access log")
    assert marker not in server.log_path.read_text()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(tmp_path):
    project = built_mini_project(tmp_path).root
    proxied = ServerProcess(project, tmp_path / "proxied.log", proxy_hops=1, queries_per_minute=1)
    try:
        ask = "/sparql?query=" + quote("ASK {}")
        first, second = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
        assert proxied.request("GET", ask, headers=first).status == 200
        assert proxied.request("GET", ask, headers=second).status == 200
        again = proxied.request("GET", ask, headers=first)
        assert again.status == 429 and again.json()["limit"] == "queries_per_minute"
    finally:
        proxied.stop()


@pytest.mark.parametrize("fresh_build", [False, True], ids=["current-snapshot", "after-a-build"])
def test_a_port_in_use_is_a_clear_error(tmp_path, fresh_build):
    project = built_mini_project(tmp_path).root
    if fresh_build:  # the server then runs in a fresh interpreter, after the build
        (project / "data" / "extra.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(
            [sys.executable, "-m", "natograph.cli", "--root", str(project), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=PATIENCE_S * 4)
    assert finished.returncode == 2
    assert f"error: cannot listen on 127.0.0.1 port {port}: Address already in use" in finished.stderr
    assert "Traceback" not in finished.stderr
