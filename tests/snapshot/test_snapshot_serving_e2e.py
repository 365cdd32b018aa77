"""A real `natograph serve` across rebuilds and bad edits: it keeps its snapshot, and serves the last good one stale."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from natograph.build import build
from natograph.config import Config
from natograph.snapshot import KEEP_SNAPSHOTS, MANIFEST

from ..serving import ServerProcess, built_mini_project

pytestmark = pytest.mark.slow

# A cross product of the default graph with itself six times, counted: one row, long after any limit.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
LABELS = ("SELECT ?label WHERE { ?place a <https://w3id.org/natograph/ontology#Place> ; "
          "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label")
MALFORMED = "@prefix natoid: <https://w3id.org/natograph/id/> .\n\nnatoid:a natoid:b .\n"
CLASH = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
natoid:city a nato:Operation .
"""
READY_WAIT_SECONDS = 60


def change_inputs(config: Config, number: int) -> None:
    places = config.data_path / "places.ttl"
    places.write_text(places.read_text() + f"\nnatoid:village{number} a nato:Place .\n")


def labels(server: ServerProcess) -> list[str]:
    answer = server.request("GET", "/sparql?" + urlencode({"query": LABELS}),
                            headers={"Accept": "application/sparql-results+json"})
    assert answer.status == 200, answer.body
    return [row["label"]["value"] for row in answer.json()["results"]["bindings"]]


def wait_for_ready_workers(server: ServerProcess) -> dict:
    """/health once every query worker is ready again (or the last answer, if they never are)."""
    give_up = time.monotonic() + READY_WAIT_SECONDS
    while True:
        health = server.request("GET", "/health").json()
        workers = health["query_workers"]
        if workers["ready"] == workers["size"] or time.monotonic() > give_up:
            return health
        time.sleep(0.1)


def test_a_running_server_keeps_its_snapshot_through_rebuilds_and_replaces_a_timed_out_worker(tmp_path):
    config = built_mini_project(tmp_path)
    server = ServerProcess(config.root, tmp_path / "server.log", max_concurrent_queries=1, query_timeout_ms=500,
                           queries_per_minute=0)
    try:
        served = server.request("GET", "/health").json()["snapshot"]
        for number in range(KEEP_SNAPSHOTS + 1):
            change_inputs(config, number)
            assert build(config).key != served
        assert (config.snapshots_path / served / MANIFEST).is_file()

        # The only worker runs past the time limit and is killed: its replacement opens the served snapshot.
        timed_out = server.request("GET", "/sparql?" + urlencode({"query": SLOW_QUERY}))
        assert timed_out.status == 503 and timed_out.json()["error"] == "query-timeout"
        health = wait_for_ready_workers(server)
        assert health["status"] == "ok" and health["snapshot"] == served, health
        assert labels(server) == ["City", "Country", "Province"]
    finally:
        server.stop()
    assert "failed to start" not in server.log_path.read_text()

    change_inputs(config, 99)
    build(config)
    remaining = {p.name for p in config.snapshots_path.iterdir() if (p / MANIFEST).is_file()}
    assert served not in remaining and len(remaining) == KEEP_SNAPSHOTS


def test_serve_with_a_malformed_input_serves_the_last_good_snapshot_and_says_it_is_stale(tmp_path):
    config = built_mini_project(tmp_path)
    good = build(config).key
    (config.data_path / "broken.ttl").write_text(MALFORMED)
    server = ServerProcess(config.root, tmp_path / "stale.log", queries_per_minute=0)
    try:
        health = server.request("GET", "/health").json()
        assert health["status"] == "ok" and health["snapshot"] == good
        stale = health["stale"]
        assert stale["kind"] == "input-file-error" and stale["file"] == "data/broken.ttl" and stale["line"] == 3
        assert stale["reason"]
        landing = server.request("GET", "/", headers={"Accept": "text/html"}).body.decode()
        assert 'class="stale-notice"' in landing and "data/broken.ttl:3" in landing
        assert labels(server) == ["City", "Country", "Province"]
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "data/broken.ttl:3" in log and "STALE" in log

    # Fixed: the next start builds and is no longer stale.
    (config.data_path / "broken.ttl").write_text(MALFORMED.replace("natoid:b .", "natoid:b natoid:c ."))
    server = ServerProcess(config.root, tmp_path / "fixed.log", queries_per_minute=0)
    try:
        health = server.request("GET", "/health").json()
        assert health["stale"] is None and health["snapshot"] != good
        assert 'class="stale-notice"' not in server.request("GET", "/").body.decode()
    finally:
        server.stop()


def test_serve_with_an_inconsistent_input_serves_the_last_good_snapshot_naming_the_clash(tmp_path):
    config = built_mini_project(tmp_path)
    good = build(config).key
    (config.data_path / "clash.ttl").write_text(CLASH)
    server = ServerProcess(config.root, tmp_path / "clash.log", queries_per_minute=0)
    try:
        health = server.request("GET", "/health").json()
        assert health["status"] == "ok" and health["snapshot"] == good
        assert health["stale"]["kind"] == "inconsistent-graph"
        assert health["stale"]["file"] in {"data/clash.ttl", "data/places.ttl"}
        assert "cax-" in health["stale"]["reason"]
    finally:
        server.stop()


def test_serve_with_a_malformed_input_and_no_good_snapshot_fails_naming_file_and_line(mini_project):
    (mini_project.data_path / "broken.ttl").write_text(MALFORMED)
    finished = subprocess.run(
        [sys.executable, "-m", "natograph.cli", "--root", str(mini_project.root), "serve", "--port", "0"],
        capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2
    assert "data/broken.ttl:3" in finished.stderr
    assert "STALE" not in finished.stderr


def test_build_still_fails_on_a_malformed_input_when_a_good_snapshot_exists(mini_project):
    build(mini_project)
    (mini_project.data_path / "broken.ttl").write_text(MALFORMED)
    finished = subprocess.run([sys.executable, "-m", "natograph.cli", "--root", str(mini_project.root), "build"],
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2 and "data/broken.ttl:3" in finished.stderr
