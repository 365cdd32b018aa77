"""Two natograph versions side by side over HTTP, to show a change costs nothing beyond noise.

    python bench/versions.py OLD_NATOGRAPH OLD_ROOT NEW_NATOGRAPH NEW_ROOT

OLD_NATOGRAPH and NEW_NATOGRAPH are the `natograph` executables of two checkouts (each in its own
virtualenv), OLD_ROOT and NEW_ROOT project directories holding the same data files. Both servers run at
once; one client alternates requests between them (each query text made new by a counter comment, so that
no cache answers), and the report gives each version's median latency and the median of the per-pair ratios
new/old, which pairing keeps meaningful on a busy machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Iterator

PAIRS = 40
START_TIMEOUT_SECONDS = 120
QUERIES = {
    "aggregate": "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 20",
    "lookup": "SELECT ?p ?o WHERE { <https://w3id.org/natograph/id/kfor> ?p ?o }",
}


# One client sends every request: the per-client limits would refuse some of them (429), so they are off.
ONE_CLIENT_UNLIMITED = {"NATOGRAPH_QUERIES_PER_MINUTE": "0", "NATOGRAPH_CONCURRENT_QUERIES_PER_CLIENT": "0",
                        "NATOGRAPH_QUERY_SECONDS_PER_MINUTE": "0"}


def start(executable: str, root: str, port: int) -> subprocess.Popen:
    return subprocess.Popen([executable, "--root", root, "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, **ONE_CLIENT_UNLIMITED})


def answers_health(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
        return True
    except OSError:
        return False


def timed_query(port: int, text: str) -> float:
    body = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql", data=body, headers={
        "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"})
    started = time.perf_counter()
    urllib.request.urlopen(request, timeout=60).read()
    return time.perf_counter() - started


@contextlib.contextmanager
def two_servers(old_executable: str, old_root: str, new_executable: str, new_root: str,
                ports: dict[str, int]) -> Iterator[None]:
    """Both versions serving at once on `ports` ("old", "new"), answering /health; stopped on leaving."""
    processes = [start(old_executable, old_root, ports["old"]), start(new_executable, new_root, ports["new"])]
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not all(answers_health(port) for port in ports.values()):
            if time.monotonic() > deadline:
                sys.exit("the servers did not answer /health in time")
            time.sleep(0.5)
        yield
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)


def main(old_executable: str, old_root: str, new_executable: str, new_root: str) -> None:
    ports = {"old": 8961, "new": 8962}
    with two_servers(old_executable, old_root, new_executable, new_root, ports):
        for name, text in QUERIES.items():
            times: dict[str, list[float]] = {"old": [], "new": []}
            for run in range(PAIRS):
                for version, port in ports.items():
                    times[version].append(timed_query(port, f"# run {run}\n{text}"))
            ratio = statistics.median(new / old for new, old in zip(times["new"], times["old"]))
            print(f"{name}: old median {statistics.median(times['old']) * 1000:.1f} ms, "
                  f"new median {statistics.median(times['new']) * 1000:.1f} ms, new/old (paired) {ratio:.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
