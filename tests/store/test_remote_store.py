"""The remote store gives the same answers as the embedded one: every canned query, on a real Oxigraph server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from natograph.query.canned import bind_parameters, load_catalogue
from natograph.config import Config
from natograph.errors import ConfigError, QueryFailedError, QuerySyntaxError, SnapshotError
from natograph.store.remote import RemoteStore, open_remote_store, upload_snapshot
from natograph.serve import create_app
from natograph.store import Dataset, GraphResult, QueryLimits, SelectResult, open_store
from natograph.vocab import ASSERTED_GRAPH

from ..conftest import REPO_ROOT
from ..serving import free_port

CATALOGUE = load_catalogue(REPO_ROOT / "queries")
START_TIMEOUT_SECONDS = 30


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def start_oxigraph(location: Path) -> tuple[subprocess.Popen, str]:
    """A real Oxigraph server (read-write, so that it can be uploaded to) on a free local port, once it answers."""
    binary = oxigraph_binary()
    if binary is None:
        # The test extra installs it: in CI a missing binary is a failure, elsewhere a reason to skip.
        message = "the oxigraph server binary is not installed (pip install '.[test]' installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
            return process, base
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() - started > START_TIMEOUT_SECONDS:
                process.kill()
                raise RuntimeError("the oxigraph server did not start") from None
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    process, base = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield base
    stop(process)


@pytest.fixture(scope="module")
def remote_store(oxigraph_server, project_snapshot) -> RemoteStore:
    upload_snapshot(project_snapshot, oxigraph_server + "/store")
    return open_remote_store(oxigraph_server + "/query", project_snapshot)


def _term(term) -> str:
    return "_:blank" if isinstance(term, ox.BlankNode) else ("" if term is None else str(term))


def answers(result) -> Counter:
    """A result as a multiset of rows of N-Triples terms (blank node labels aside)."""
    if isinstance(result, SelectResult):
        return Counter(tuple(_term(term) for term in row) for row in result.rows)
    if isinstance(result, GraphResult):
        return Counter((_term(t.subject), _term(t.predicate), _term(t.object)) for t in result.triples)
    return Counter([result.value])


def _runs() -> list[tuple[str, dict]]:
    runs = []
    for query in CATALOGUE.values():
        runs.append((query.name, {p.name: p.example or p.default for p in query.parameters
                                  if p.example or p.default}))
        if query.parameters and not any(p.required for p in query.parameters):
            runs.append((query.name, {}))
    return runs


@pytest.mark.parametrize(("name", "parameters"), _runs(), ids=lambda value: str(value) if value else "defaults")
def test_every_canned_query_answers_the_same_on_the_embedded_and_the_remote_store(
        project_store, remote_store, name, parameters):
    query = CATALOGUE[name]
    embedded = project_store.query(query.text, bindings=bind_parameters(query, parameters, project_store))
    remote = remote_store.query(query.text, bindings=bind_parameters(query, parameters, remote_store))
    assert answers(remote) == answers(embedded)
    assert answers(embedded), f"{name} with {parameters} has no answer to compare"


def test_the_dataset_parameters_choose_the_same_graphs(project_store, remote_store):
    text = "SELECT ?class (COUNT(*) AS ?n) WHERE { ?x a ?class } GROUP BY ?class"
    asserted_only = Dataset(default_graphs=(ASSERTED_GRAPH,))
    embedded = project_store.query(text, dataset=asserted_only)
    assert answers(remote_store.query(text, dataset=asserted_only)) == answers(embedded)
    assert answers(remote_store.query(text)) != answers(embedded)


def test_graph_results_and_the_row_limit(project_store, remote_store):
    text = "CONSTRUCT { ?op a nato:Operation } WHERE { ?op a nato:Operation }"
    assert answers(remote_store.query(text)) == answers(project_store.query(text))
    cut = remote_store.query("SELECT ?s WHERE { ?s ?p ?o }", limits=QueryLimits(max_rows=5))
    assert len(cut.rows) == 5 and cut.truncated


def test_a_malformed_query_is_reported_at_the_same_line_and_column(project_store, remote_store):
    text = "SELECT ?x WHERE {\n  ?x a nato:Operation . FILTER( }"
    with pytest.raises(QuerySyntaxError) as embedded:
        project_store.query(text)
    with pytest.raises(QuerySyntaxError) as remote:
        remote_store.query(text)
    assert embedded.value.line == 2
    assert (remote.value.line, remote.value.column) == (embedded.value.line, embedded.value.column)


def test_a_server_without_the_snapshot_is_refused_naming_the_upload(project_snapshot, tmp_path):
    process, base = start_oxigraph(tmp_path / "empty")
    try:
        with pytest.raises(SnapshotError, match="natograph upload"):
            open_remote_store(base + "/query", project_snapshot)
    finally:
        stop(process)


def test_an_unreachable_server_is_a_query_failure(project_snapshot):
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", project_snapshot)
    with pytest.raises(QueryFailedError, match="cannot be reached"):
        store.query("ASK { }")


def test_the_endpoint_serves_canned_and_free_queries_from_the_remote_store(project_config, project_snapshot,
                                                                           remote_store, oxigraph_server):
    config = project_config.replace(store="remote", store_url=oxigraph_server + "/query", queries_per_minute=0)
    app = create_app(config)
    client = app.test_client()
    health = client.get("/health").get_json()
    assert health["status"] == "ok" and health["query_workers"]["mode"] == "in-process"
    canned = client.get("/queries/successors?operation=isaf", headers={"Accept": "application/sparql-results+json"})
    assert canned.status_code == 200
    assert [b["successor"]["value"] for b in canned.get_json()["results"]["bindings"]] == [
        "https://w3id.org/natograph/id/resolute-support"]
    free = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"})
    count = int(free.get_json()["results"]["bindings"][0]["n"]["value"])
    assert count == project_snapshot.manifest["counts"]["all"]


def test_the_store_setting_is_checked(project_snapshot):
    with pytest.raises(ConfigError, match="embedded, remote"):
        Config.load(store="elsewhere")
    with pytest.raises(ConfigError, match="store_url"):
        open_store(Config.load(store="remote"), project_snapshot)
