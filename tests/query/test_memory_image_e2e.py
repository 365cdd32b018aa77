"""The memory image in a real `natograph serve`: workers forked from it answer, and nothing outlives the server."""

import json
import subprocess
import time
from urllib.parse import urlencode

import pytest

from natograph.query.executor import InlineExecutor, QueryJob
from natograph.formats import Format
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..serving import ServerProcess, built_mini_project

pytestmark = pytest.mark.slow

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("image"))


def wait_for_memory_workers(server, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        workers = server.request("GET", "/health").json()["query_workers"]
        if workers["store"] == "memory" and workers["ready"] == workers["size"]:
            return workers
        time.sleep(0.05)
    raise AssertionError(f"the workers never all came from the memory image: {workers}")


def descendants(pid):
    listing = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children = {}
    for child, parent in (map(int, line.split()) for line in listing.splitlines()):
        children.setdefault(parent, []).append(child)
    found, pending = [], list(children.get(pid, []))
    while pending:
        found.append(pending.pop())
        pending += children.get(found[-1], [])
    return found


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def query(server, text):
    return server.request("GET", "/sparql?" + urlencode({"query": text}), headers={"Accept": "text/csv"})


def test_the_server_answers_from_workers_forked_from_the_memory_image(project, tmp_path):
    server = ServerProcess(project.root, tmp_path / "server.log", result_cache_bytes=0)
    try:
        workers = wait_for_memory_workers(server)
        assert workers["memory_image"] == "loaded"
        on_disk = InlineExecutor(EmbeddedStore(open_snapshot(project)))
        for text in (LABELS, GRAPH_COUNTS):
            answer = query(server, text)
            assert answer.status == 200
            assert answer.body == on_disk.run(QueryJob(text, Format.CSV)).body
    finally:
        server.stop()


def test_a_query_stopped_at_the_time_limit_gets_a_forked_replacement(project, tmp_path):
    server = ServerProcess(project.root, tmp_path / "server.log", query_timeout_ms=500, result_cache_bytes=0)
    try:
        wait_for_memory_workers(server)
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
        assert query(server, slow).status == 503
        wait_for_memory_workers(server, seconds=5)
        assert query(server, LABELS).status == 200
    finally:
        server.stop()


def test_stopping_the_server_stops_the_image_and_every_worker(project, tmp_path):
    server = ServerProcess(project.root, tmp_path / "server.log")
    try:
        wait_for_memory_workers(server)
        processes = [pid for pid in descendants(server.process.pid) if running(pid)]
        # At least the image and its four forked workers, beside the fork server.
        assert len(processes) >= 1 + 4
    finally:
        server.stop()
    deadline = time.monotonic() + 15
    while any(running(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in processes if running(pid)]
    assert not left, json.dumps({pid: open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace") for pid in left})
