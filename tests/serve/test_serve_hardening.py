"""The attacks of issue 11 against a real `natograph serve`: each answered correctly, none a 500, none lasting.

Memory, answer size, nesting depth, bad dataset IRIs, unknown functions, non-deterministic functions, conditional
requests for texts that do not parse, relative IRIs, repeated canned parameters, and a server killed with SIGKILL
in the middle of a query.
"""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from natograph.query.sandbox import network_guard

from ..serving import ServerProcess, built_mini_project

pytestmark = pytest.mark.slow

MEMORY_MB = 256
QUERIES = str(Path(__file__).resolve().parents[2] / "queries")


def doubling(times: int) -> str:
    """A query whose one value doubles `times` times: 16 bytes × 2^times."""
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return f"SELECT (STRLEN(?s{times}) AS ?n) WHERE {{ BIND('0123456789abcdef' AS ?s0) {binds} }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hardening")
    config = built_mini_project(directory)
    process = ServerProcess(config.root, directory / "server.log", query_memory_mb=MEMORY_MB, queries_dir=QUERIES,
                            max_response_bytes=1 << 20, queries_per_minute=0, max_concurrent_queries=2)
    yield process
    process.stop()


def get(server, query: str, **extra):
    return server.request("GET", "/sparql?" + urlencode({"query": query, **extra}),
                          headers={"Accept": "application/sparql-results+json"})


def error(answer, status):
    assert answer.status == status, answer.body
    return answer.json()


def test_a_query_past_the_memory_limit_is_stopped_with_its_reason_and_the_server_goes_on(server):
    answer = error(get(server, doubling(27)), 503)  # 2 GiB of string
    assert answer["error"] == "query-limit" and answer["setting"] == "query_memory_mb"
    assert str(MEMORY_MB) in answer["message"]
    assert get(server, doubling(10)).json()["results"]["bindings"][0]["n"]["value"] == str(16 << 10)
    deadline = time.monotonic() + 30
    while server.request("GET", "/health").json()["query_workers"]["ready"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.request("GET", "/health").json()["query_workers"]["ready"] == 2


def test_an_answer_past_max_response_bytes_is_refused_naming_the_setting(server):
    query = doubling(17).replace("(STRLEN(?s17) AS ?n)", "?s17")  # one value of 2 MiB
    answer = error(get(server, query), 503)
    assert answer["setting"] == "max_response_bytes" and answer["limit"] == 1 << 20


@pytest.mark.parametrize("depth", [5000, 30000])
def test_deeply_nested_groups_are_answered_not_a_crash(server, depth):
    query = "SELECT * WHERE " + "{" * depth + "}" * depth
    answer = server.request("POST", "/sparql", body=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert answer.status == 200, answer.body
    assert server.request("GET", "/sparql?" + urlencode({"query": "ASK {}"})).status == 200


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["x", "http://a b/", ""])
def test_a_dataset_parameter_that_is_not_an_iri_is_a_400_naming_it(server, parameter, value):
    answer = error(get(server, "ASK { ?s ?p ?o }", **{parameter: value}), 400)
    assert answer["parameter"] == parameter and "IRI" in answer["message"]


def test_an_unknown_function_is_a_400_with_the_engine_s_reason(server):
    answer = error(get(server, "SELECT (<http://example.org/f>(1) AS ?x) WHERE {}"), 400)
    assert answer["error"] == "query-evaluation-error" and "http://example.org/f" in answer["message"]


@pytest.mark.parametrize("function", ["STRUUID()", "UUID()", "RAND()", "BNODE()", "NOW()"])
def test_non_deterministic_answers_are_computed_each_time_and_carry_no_etag(server, function):
    query = f"SELECT ({function} AS ?v) (STRUUID() AS ?u) WHERE {{}}"
    first, second = get(server, query), get(server, query)
    assert first.body != second.body
    assert "ETag" not in first.headers


def test_a_conditional_request_for_a_text_that_does_not_parse_is_a_400_not_a_304(server):
    good = get(server, "ASK { ?s ?p ?o }")
    etag = good.headers["ETag"]
    for query in ("ASK { ?s ?p ", "SELEKT * {}"):
        answer = server.request("GET", "/sparql?" + urlencode({"query": query}),
                                headers={"If-None-Match": etag, "Accept": "application/sparql-results+json"})
        error(answer, 400)
        answer = server.request("GET", "/sparql?" + urlencode({"query": query}), headers={"If-None-Match": "*"})
        error(answer, 400)
    again = server.request("GET", "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}),
                           headers={"If-None-Match": etag, "Accept": "application/sparql-results+json"})
    assert again.status == 304


def test_relative_iris_resolve_against_the_endpoint_url(server):
    answer = server.request("POST", "/sparql", body=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                            headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert answer.status == 200, answer.body
    assert answer.body.decode().startswith(f"<{server.url}/s> <{server.url}/p> ")


def test_a_canned_parameter_given_twice_is_a_400_naming_it(server):
    answer = error(server.request("GET", "/queries/operations-led-by?org=org&org=org",
                                  headers={"Accept": "application/json"}), 400)
    assert answer["parameter"] == "org" and "2 times" in answer["message"]


def test_the_health_report_says_how_queries_are_confined(server):
    workers = server.request("GET", "/health").json()["query_workers"]
    assert workers["network_guard"] == network_guard().to_dict()
    assert workers["query_memory_mb"] == MEMORY_MB


def process_table() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, state)."""
    listing = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,stat="], capture_output=True, text=True).stdout
    rows = (line.split()[:3] for line in listing.splitlines())
    return {int(pid): (int(ppid), stat) for pid, ppid, stat in rows}


def still_running(pids) -> set[int]:
    table = process_table()
    return {pid for pid in pids if pid in table and not table[pid][1].startswith("Z")}


def cpu_ticks(pids) -> int:
    """User and system CPU time of these processes, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def descendants(root: int, table: dict) -> set[int]:
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


def test_after_kill_9_of_the_serving_process_its_query_workers_and_helpers_end(tmp_path):
    config = built_mini_project(tmp_path)
    server = ServerProcess(config.root, tmp_path / "server.log", queries_per_minute=0, query_timeout_ms=60000)
    try:
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
        def ask_and_lose_the_server() -> None:
            try:
                server.request("GET", "/sparql?query=" + quote(slow), timeout=5)
            except (ConnectionError, OSError):
                pass  # the server is killed while it answers: the request ends without an answer

        threading.Thread(target=ask_and_lose_the_server, daemon=True).start()
        time.sleep(1.0)
        table = process_table()
        serving = server.process.pid  # waitress serves in the process `natograph serve` became
        helpers = descendants(serving, table)  # fork server, resource tracker, memory image, query workers
        assert len(helpers) >= 4
        before = cpu_ticks(helpers)
        time.sleep(0.5)
        assert cpu_ticks(helpers) > before  # the slow query is running in one of them
        os.kill(serving, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (alive := still_running(helpers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive == set()
    finally:
        server.stop()


SLOW_TO_EVALUATE = ("ASK { " + " ".join(f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(100))} }}" for i in range(6))
                    + " FILTER(?v0 + ?v1 + ?v2 + ?v3 + ?v4 + ?v5 < 0)"
                    + " FILTER NOT EXISTS { ?v0 <http://e/p> ?y . ?y <http://e/q>* ?v1 } }")
DEEPLY_NESTED = ("SELECT * WHERE {" + "{" * 3900 + "?s ?p ?o FILTER EXISTS { ?s a ?t . ?t <http://e/sub>* ?c }"
                 + "}" * 3900 + "}")


@pytest.mark.parametrize("text", [SLOW_TO_EVALUATE, DEEPLY_NESTED], ids=["10^12-rows", "3900-levels"])
def test_the_editors_hints_read_a_hostile_text_without_running_it_or_crashing(server, text):
    """Hints are read in the server's own process: 10^12 rows were evaluated there (no time limit), and 7.9 KB of
    nested groups overflowed its stack (the whole server died)."""
    answer = server.request("POST", "/query/shape-hints", body=urlencode({"query": text}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60)
    assert answer.status == 200 and "hints" in answer.json()
    assert server.request("GET", "/health").json()["status"] == "ok"
