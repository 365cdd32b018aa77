"""Helpers for the serving tests: a built copy of the mini project, and a real `natograph serve` process."""

from __future__ import annotations

import http.client
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from werkzeug.datastructures import Headers

from natograph.build import build
from natograph.config import Config

TEST_DATA = Path(__file__).resolve().parent / "data"
NATO = "https://w3id.org/natograph/ontology#"
NATOID = "https://w3id.org/natograph/id/"
GRAPH = "https://w3id.org/natograph/graph/"
START_TIMEOUT_SECONDS = 90


def built_mini_project(directory: Path, **settings) -> Config:
    """A copy of tests/data/mini in `directory`, built, with these settings."""
    root = directory / "mini"
    shutil.copytree(TEST_DATA / "mini", root)
    config = Config.load(root=root, **settings)
    build(config)
    return config


def in_process_client(config: Config, store=None):
    """A Flask test client of the app serving `store` (default: `config`'s current snapshot, embedded), each
    query evaluated in the request thread."""
    from natograph.query.executor import InlineExecutor
    from natograph.serve import create_app
    from natograph.snapshot import open_snapshot
    from natograph.store import EmbeddedStore

    store = store if store is not None else EmbeddedStore(open_snapshot(config))
    return create_app(config, store=store, executor=InlineExecutor(store)).test_client()


class Listener:
    """A local socket that counts the connections made to it (accepting and closing each)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    def connections(self, wait: float) -> int:
        self.socket.settimeout(wait)
        count = 0
        while True:
            try:
                connection, _ = self.socket.accept()
            except socket.timeout:
                return count
            connection.close()
            count += 1
            self.socket.settimeout(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class HTTPAnswer:
    status: int
    headers: Headers  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self):
        return json.loads(self.body)


class ServerProcess:
    """`natograph serve` started as a real process on a free local port, with settings from NATOGRAPH_* variables."""

    def __init__(self, root: Path, log_path: Path, *, serve_options: tuple[str, ...] = (), **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, **{f"NATOGRAPH_{k.upper()}": str(v) for k, v in settings.items()}}
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "natograph.cli", "--root", str(root), "serve", "--port", str(self.port),
             *serve_options],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.log_path = log_path
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT_SECONDS:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                health = self.request("GET", "/health").json()
            except OSError:
                time.sleep(0.1)
                continue
            workers = health["query_workers"]
            if workers.get("ready") == workers.get("size"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {START_TIMEOUT_SECONDS} s: {self.log_path.read_text()}")

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 30) -> HTTPAnswer:
        """A raw HTTP request; error statuses are answers, not exceptions."""
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HTTPAnswer(response.status, Headers(list(response.headers.items())), response.read())
        except urllib.error.HTTPError as error:
            return HTTPAnswer(error.code, Headers(list(error.headers.items())), error.read())

    def request_from(self, source: str, method: str, path: str, *, body: bytes | None = None,
                     headers: dict | None = None, timeout: float = 30) -> HTTPAnswer:
        """A request from another loopback address (127.0.0.2, 127.0.0.3 …: on Linux all of 127/8 is local)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(source, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return HTTPAnswer(response.status, Headers(list(response.headers.items())), response.read())
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@contextlib.contextmanager
def started_pool(config: Config, *, size: int = 2, seconds: float = 60):
    """A worker pool on the config's current snapshot, once `size` workers are ready; closed after."""
    from natograph.query.executor import WorkerPool
    from natograph.snapshot import open_snapshot

    pool = WorkerPool(config, open_snapshot(config).key, size=size)
    deadline = time.monotonic() + seconds
    while pool.status()["ready"] < size and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield pool
    finally:
        pool.close()
