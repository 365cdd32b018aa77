"""HTTP benchmark: requests per second and latency under 16 concurrent keep-alive clients, with errors counted.

Servers, all on 127.0.0.1 and started on the same data (the 10k project's reasoned triples):

- natograph serve with its result cache off (`result_cache_bytes=0`): every query is evaluated;
- natograph serve with its result cache on: a repeated query is answered from the cache;
- Oxigraph server (`oxigraph serve-read-only`) and rdflib-endpoint (on uvicorn);
- a Flask hello-world on the gunicorn settings natograph runs with: the ceiling of a Flask endpoint.

Both natograph servers run without per-client limits (`queries_per_minute`, `concurrent_queries_per_client`
and `query_seconds_per_minute` 0): they would otherwise answer the load generator, one client with 16
connections, with 429. Every other limit applies.

The load comes from `wrk` (Debian's package) when it is installed, else from a Python generator of
threads with keep-alive connections; the table says which. An error is a response that is not 2xx,
a socket error or a time-out (10 s).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from projects import BENCH, ensure_project
from servers import ASK, start_hello_world, start_natograph, start_oxigraph, start_rdflib_endpoint

CONNECTIONS = 16
REQUEST_TIMEOUT_S = 10
JSON_RESULTS = "application/sparql-results+json"
READY_TIMEOUT_S = 120
# The load generator is one client: natograph's per-client limits are off for it.
ONE_CLIENT_UNLIMITED = {"queries_per_minute": 0, "concurrent_queries_per_client": 0, "query_seconds_per_minute": 0}


def _query(name: str) -> str:
    return (BENCH / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def load_generator() -> str:
    """`wrk` if it is installed, else `python`."""
    return "wrk" if shutil.which("wrk") else "python"


def run_wrk(url: str, seconds: float, accept: str) -> dict:
    """One wrk run: requests/s, median latency, and errors (non-2xx/3xx, socket errors, time-outs)."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", f"--timeout={REQUEST_TIMEOUT_S}s", "--latency",
               "-H", f"Accept: {accept}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=seconds + REQUEST_TIMEOUT_S + 30).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _milliseconds(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "requests": requests,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0),
    }


def _milliseconds(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def run_python_load(url: str, seconds: float, accept: str) -> dict:
    """The same measurement without wrk: 16 threads, one keep-alive connection each."""
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S)
        mine, failed = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept": accept})
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests_per_second": len(latencies) / elapsed, "requests": len(latencies) + errors[0],
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None, "errors": errors[0]}


def scenarios(servers: dict) -> list[tuple[str, str, str, str]]:
    """(server, query, URL, Accept) of every measurement."""
    lookup, aggregate = _query("lookup"), _query("aggregate")
    found = []
    hello = servers["hello-world"]
    found.append(("Flask hello-world", "hello", f"http://127.0.0.1:{hello.port}/", "text/html"))
    for label, key, queries in (("natograph (cache off)", "natograph-uncached", (("lookup", lookup), ("aggregate", aggregate))),
                                ("natograph (cache on)", "natograph-cached", (("aggregate, repeated", aggregate),)),
                                ("Oxigraph server", "oxigraph", (("lookup", lookup), ("aggregate", aggregate))),
                                ("rdflib-endpoint", "rdflib-endpoint", (("lookup", lookup), ("aggregate", aggregate)))):
        server = servers[key]
        for name, text in queries:
            found.append((label, name, f"http://127.0.0.1:{server.port}{server.query_path(text)}", JSON_RESULTS))
    return found


def measure_http(size: str, rounds: int, seconds: float, *, log=sys.stderr) -> list[dict]:
    """Median requests/s, p50 latency and total errors per server and query, over `rounds` interleaved rounds."""
    project = ensure_project(size, log=log)
    generator = load_generator()
    run = run_wrk if generator == "wrk" else run_python_load
    servers = {}
    try:
        servers["hello-world"] = start_hello_world()
        servers["natograph-uncached"] = start_natograph(project, result_cache_bytes=0, **ONE_CLIENT_UNLIMITED)
        servers["natograph-cached"] = start_natograph(project, **ONE_CLIENT_UNLIMITED)
        servers["oxigraph"] = start_oxigraph(project)
        servers["rdflib-endpoint"] = start_rdflib_endpoint(project)
        for key, server in servers.items():
            if key.startswith("natograph"):
                server.wait_until("/health", timeout_s=READY_TIMEOUT_S, accept_body=_all_workers_ready)
            elif key == "hello-world":
                server.wait_until("/", timeout_s=READY_TIMEOUT_S)
            else:
                server.wait_until(server.query_path(ASK), timeout_s=READY_TIMEOUT_S)
        plan = scenarios(servers)
        samples: dict[tuple[str, str], list[dict]] = {(label, name): [] for label, name, _, _ in plan}
        for round_number in range(rounds):
            for label, name, url, accept in plan:
                print(f"  http: {label}, {name}, round {round_number + 1} of {rounds} ({generator}, {seconds:.0f} s) …",
                      file=log, flush=True)
                _get(url, accept)  # fills the cache of the cached server; a warm-up for the others
                samples[(label, name)].append(run(url, seconds, accept))
    finally:
        for server in servers.values():
            server.stop()
    rows = []
    for (label, name), runs in samples.items():
        rows.append({"benchmark": "http", "size": size, "engine": label, "measure": name, "generator": generator,
                     "requests_per_second": statistics.median(r["requests_per_second"] for r in runs),
                     "p50_ms": statistics.median(r["p50_ms"] for r in runs if r["p50_ms"] is not None),
                     "errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs),
                     "samples": runs})
    return rows


def _all_workers_ready(body: bytes) -> bool:
    workers = json.loads(body)["query_workers"]
    on_image = workers.get("memory_image") in ("off", "failed") or workers.get("store") == "memory"
    return workers.get("ready") == workers.get("size") and on_image


def _get(url: str, accept: str) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""), headers={"Accept": accept})
        connection.getresponse().read()
    finally:
        connection.close()


if __name__ == "__main__":
    for row in measure_http(sys.argv[1] if len(sys.argv) > 1 else "10k", 1, float(sys.argv[2]) if len(sys.argv) > 2 else 5):
        print(json.dumps({k: v for k, v in row.items() if k != "samples"}))
