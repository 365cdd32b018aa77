"""Start benchmark: seconds from launching a server on an existing database until it answers.

- natograph: `natograph serve` on a built snapshot, until GET /health answers 200 (the goal: within 1 s),
  until /health says `ok` (a query worker is ready), until a first query is answered, and until every
  query worker has been forked from the memory image (the workers read the disk until then);
- Oxigraph server (`oxigraph serve-read-only` on a loaded database) and rdflib-endpoint (which parses
  the file at every start) until a first query is answered.

Each start is a fresh process, polled every 10 ms on a fresh connection.

Once per size, natograph's memory is measured too: the proportional set size (PSS, so that pages the
forked workers share with the memory image count once) of the server and all its descendants, when every
worker is on the image, and again after each benchmark query has run on every worker.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor

from projects import SIZES, ensure_project
from query import benchmark_queries
from servers import ASK, start_natograph, start_oxigraph, start_rdflib_endpoint

START_TIMEOUT_S = 300
# rdflib-endpoint parses the whole file at every start: minutes at 1M triples.
RDFLIB_ENDPOINT_MAX_TRIPLES = 100_000


def _health_ok(body: bytes) -> bool:
    return json.loads(body).get("status") == "ok"


def _every_worker_in_memory(body: bytes) -> bool:
    workers = json.loads(body)["query_workers"]
    return workers.get("store") == "memory" and workers.get("ready") == workers.get("size")


def start_natograph_once(project) -> dict:
    server = start_natograph(project)
    try:
        health = server.wait_until("/health", timeout_s=START_TIMEOUT_S)
        ready = server.wait_until("/health", timeout_s=START_TIMEOUT_S, accept_body=_health_ok)
        first_query = server.wait_until(server.query_path(ASK), timeout_s=START_TIMEOUT_S)
        in_memory = server.wait_until("/health", timeout_s=START_TIMEOUT_S, accept_body=_every_worker_in_memory)
    finally:
        server.stop()
    return {"health": health, "ready": ready, "first query": first_query, "memory image": in_memory}


def natograph_memory(project, *, workers: int = 4) -> dict:
    """PSS in megabytes of natograph's whole process tree on the memory image: idle, and after queries."""
    # One client sends every request: per-client limits off, as in the throughput benchmark.
    server = start_natograph(project, queries_per_minute=0, concurrent_queries_per_client=0, query_seconds_per_minute=0,
                             result_cache_bytes=0, max_concurrent_queries=workers)
    try:
        server.wait_until("/health", timeout_s=START_TIMEOUT_S, accept_body=_every_worker_in_memory)
        idle = process_tree_pss_mb(server.process.pid)
        paths = [server.query_path(text) for text in benchmark_queries().values()]
        with ThreadPoolExecutor(workers) as pool:
            for path in paths:
                statuses = list(pool.map(lambda p: server.get(p, timeout=120)[0], [path] * workers * 2))
                if set(statuses) != {200}:
                    raise RuntimeError(f"natograph answered {statuses} to {path[:80]} (log: {server.log})")
        return {"memory idle": idle, "memory after queries": process_tree_pss_mb(server.process.pid)}
    finally:
        server.stop()


def process_tree_pss_mb(root_pid: int) -> float:
    """The summed PSS of a process and all its descendants, in megabytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total_kb, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total_kb += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


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
        print(f"  start: natograph's memory at {size} triples …", file=log, flush=True)
        for measure, megabytes in natograph_memory(project).items():
            rows.append({"benchmark": "start", "size": size, "engine": "natograph", "measure": measure,
                         "megabytes": megabytes})
        if SIZES[size] > RDFLIB_ENDPOINT_MAX_TRIPLES:
            rows.append({"benchmark": "start", "size": size, "engine": "rdflib-endpoint", "measure": "first query",
                         "status": f"not run above {RDFLIB_ENDPOINT_MAX_TRIPLES:,} triples (parses the file at start)"})
    return rows


if __name__ == "__main__":
    for row in measure_start(sys.argv[1:] or ["1k"], 3):
        print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
