"""The HTTP servers the benchmarks start on 127.0.0.1: natograph serve, Oxigraph server, rdflib-endpoint, hello-world.

Each is a real process started with the command its users run; `Server.stop` ends it (SIGTERM, then SIGKILL)
and every benchmark stops what it started, also when it fails.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from projects import BENCH, BenchProject, tool

LOGS = BENCH / "out" / "logs"
POLL_SECONDS = 0.01
ASK = "ASK { }"


def _cpu_stat(pid: int | str) -> tuple[int, int]:
    """A process's group and the user and system CPU ticks it used so far (Linux /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return int(fields[2]), int(fields[11]) + int(fields[12])  # pgrp; utime, stime


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds one process used so far."""
    return _cpu_stat(pid)[1] / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(group: int) -> float:
    """User and system CPU seconds the live processes of a process group used so far."""
    total = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                pgrp, ticks = _cpu_stat(entry.name)
            except OSError:
                continue
            total += ticks if pgrp == group else 0
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A started server: its process, where it listens, the path its SPARQL endpoint answers at."""

    name: str
    process: subprocess.Popen
    port: int
    sparql_path: str
    started: float
    log: Path

    def get(self, path: str, *, timeout: float = 5.0, accept: str = "application/sparql-results+json"):
        """One GET on a fresh connection: (status, body); OSError while nothing listens yet."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def query_path(self, sparql: str) -> str:
        """The GET path of a SPARQL query at this server's endpoint."""
        return f"{self.sparql_path}?{urlencode({'query': sparql})}"

    def wait_until(self, path: str, *, timeout_s: float, accept_body=lambda body: True) -> float:
        """Seconds from start until GET `path` answers 200 with an acceptable body (polled every 10 ms)."""
        while True:
            elapsed = time.perf_counter() - self.started
            if elapsed > timeout_s:
                raise TimeoutError(f"{self.name} did not answer {path} within {timeout_s:.0f} s (log: {self.log})")
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} (log: {self.log})")
            try:
                status, body = self.get(path, timeout=max(0.5, timeout_s - elapsed))
            except OSError:
                status, body = None, b""
            if status == 200 and accept_body(body):
                return time.perf_counter() - self.started
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; the whole process group, so children (workers) go too."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # leftovers of the group, if any
        except ProcessLookupError:
            pass


def _start(name: str, command: list[str], *, port: int, sparql_path: str, env: dict | None = None) -> Server:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}-{port}.log"
    started = time.perf_counter()
    process = subprocess.Popen([str(c) for c in command], stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    return Server(name, process, port, sparql_path, started, log)


def start_natograph(project: BenchProject, *, pythonpath: str | None = None, **settings) -> Server:
    """`natograph serve` on the project's existing snapshot, with NATOGRAPH_* settings (and, with `pythonpath`,
    natograph's code from another checkout's src/)."""
    port = free_port()
    env = {f"NATOGRAPH_{name.upper()}": str(value) for name, value in settings.items()}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "natograph.cli", "--root", project.root, "serve", "--port", port]
    return _start("natograph", command, port=port, sparql_path="/sparql", env=env)


def start_oxigraph(project: BenchProject) -> Server:
    """Oxigraph server, read-only, on a database of the project's reasoned triples."""
    port = free_port()
    command = [tool("oxigraph"), "serve-read-only", "--location", project.oxigraph_location,
               "--bind", f"127.0.0.1:{port}"]
    return _start("oxigraph", command, port=port, sparql_path="/query")


def start_rdflib_endpoint(project: BenchProject) -> Server:
    """rdflib-endpoint (FastAPI on uvicorn) over the project's reasoned triples, as its CLI serves a file."""
    port = free_port()
    command = [tool("rdflib-endpoint"), "serve", project.reasoned, "--host", "127.0.0.1", "--port", port]
    return _start("rdflib-endpoint", command, port=port, sparql_path="/")


def start_hello_world() -> Server:
    """A Flask hello-world on the server and settings natograph serves with: the ceiling of any Flask endpoint."""
    port = free_port()
    return _start("hello-world", [sys.executable, BENCH / "hello.py", "--port", port], port=port, sparql_path="/")
