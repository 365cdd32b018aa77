"""Start benchmark: seconds from launching a server on an existing database until it answers.

- natograph: `natograph serve` on a built snapshot, until GET /health answers 200 (the goal: within 1 s),
  until /health says `ok` (a query worker is ready), and until a first query is answered;
- Oxigraph server (`oxigraph serve-read-only` on a loaded database) and rdflib-endpoint (which parses
  the file at every start) until a first query is answered.

Each start is a fresh process, polled every 10 ms on a fresh connection.
"""

from __future__ import annotations

import json
import statistics
import sys

from projects import SIZES, ensure_project
from servers import ASK, start_natograph, start_oxigraph, start_rdflib_endpoint

START_TIMEOUT_S = 300
# rdflib-endpoint parses the whole file at every start: minutes at 1M triples.
RDFLIB_ENDPOINT_MAX_TRIPLES = 100_000


def _health_ok(body: bytes) -> bool:
    return json.loads(body).get("status") == "ok"


def start_natograph_once(project) -> dict:
    server = start_natograph(project)
    try:
        health = server.wait_until("/health", timeout_s=START_TIMEOUT_S)
        ready = server.wait_until("/health", timeout_s=START_TIMEOUT_S, accept_body=_health_ok)
        first_query = server.wait_until(server.query_path(ASK), timeout_s=START_TIMEOUT_S)
    finally:
        server.stop()
    return {"health": health, "ready": ready, "first query": first_query}


def start_peer_once(start, project) -> dict:
    server = start(project)
    try:
        return {"first query": server.wait_until(server.query_path(ASK), timeout_s=START_TIMEOUT_S)}
    finally:
        server.stop()


def measure_start(sizes: list[str], runs: int, *, log=sys.stderr) -> list[dict]:
    """Median seconds to each milestone, per size and server."""
    rows = []
    for size in sizes:
        project = ensure_project(size, log=log)
        engines = [("natograph", lambda: start_natograph_once(project)),
                   ("Oxigraph server", lambda: start_peer_once(start_oxigraph, project))]
        if SIZES[size] <= RDFLIB_ENDPOINT_MAX_TRIPLES:
            engines.append(("rdflib-endpoint", lambda: start_peer_once(start_rdflib_endpoint, project)))
        for engine, once in engines:
            n = 1 if engine == "rdflib-endpoint" and SIZES[size] > 10_000 else runs
            print(f"  start: {engine} at {size} triples, {n} run(s) …", file=log, flush=True)
            samples = [once() for _ in range(n)]
            for milestone in samples[0]:
                rows.append({"benchmark": "start", "size": size, "engine": engine, "measure": milestone,
                             "seconds": statistics.median(s[milestone] for s in samples), "runs": n,
                             "samples": [s[milestone] for s in samples]})
        if SIZES[size] > RDFLIB_ENDPOINT_MAX_TRIPLES:
            rows.append({"benchmark": "start", "size": size, "engine": "rdflib-endpoint", "measure": "first query",
                         "status": f"not run above {RDFLIB_ENDPOINT_MAX_TRIPLES:,} triples (parses the file at start)"})
    return rows


if __name__ == "__main__":
    for row in measure_start(sys.argv[1:] or ["1k"], 3):
        print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
