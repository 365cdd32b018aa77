"""Query execution: a query job in, response bytes out; in this process, or in worker processes a time limit can stop.

Oxigraph cannot cancel a running query from Python, so the server evaluates each query in a worker
process of its own pool: when the time limit passes, the waiting request kills that worker, answers
503 and a replacement starts in the background. Other requests keep their own workers meanwhile.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from .config import Config
from .errors import NatographError, QueryFailedError, QueryTimeoutError, ServerBusyError, SnapshotError
from .export import FORMATS_BY_KIND, Format
from .results import result_kind, serialize_result
from .snapshot import open_snapshot, read_manifest
from .store import Dataset, EmbeddedStore, QueryLimits, Store

READY = "ready"
WORKER_START_TIMEOUT_SECONDS = 60
# How long a request waits for a free worker before the server answers 503 (busy).
WAIT_FOR_WORKER_SECONDS = 1.0


@dataclass(frozen=True)
class QueryJob:
    """One query to evaluate: its text, the format to answer in, bound variables, dataset and limits."""

    sparql: str
    fmt: Format
    bindings: dict = field(default_factory=dict)
    dataset: Dataset = Dataset()
    limits: QueryLimits = QueryLimits()


@dataclass(frozen=True)
class QueryAnswer:
    """A serialised query result: the body, its format, and whether the row limit cut it."""

    body: bytes
    fmt: Format
    truncated: bool


class QueryExecutor(Protocol):
    """Evaluates query jobs; the in-process and the worker-pool executors share this signature."""

    def run(self, job: QueryJob) -> QueryAnswer: ...

    def status(self) -> dict: ...

    def close(self) -> None: ...


def answer(store: Store, job: QueryJob) -> QueryAnswer:
    """Evaluate a job against a store and serialise the result (in the job's format if it fits the result)."""
    try:
        result = store.query(job.sparql, bindings=job.bindings or None, dataset=job.dataset, limits=job.limits)
    except (OSError, RuntimeError) as exc:
        raise QueryFailedError(f"the query could not be evaluated: {exc}") from None
    kind = result_kind(result)
    fmt = job.fmt if job.fmt.kind is kind else FORMATS_BY_KIND[kind][0]
    return QueryAnswer(serialize_result(result, fmt, max_rows=job.limits.max_rows), fmt, result.truncated)


class InlineExecutor:
    """Runs queries in the calling thread: for the CLI, tests and the remote store. The time limit is the store's.

    With `max_concurrent`, at most that many run at once; a request that waits a second for its turn
    gets ServerBusyError, as with the worker pool.
    """

    def __init__(self, store: Store, *, max_concurrent: int | None = None):
        self.store = store
        self.max_concurrent = max_concurrent
        self._turns = threading.BoundedSemaphore(max_concurrent) if max_concurrent else None

    def run(self, job: QueryJob) -> QueryAnswer:
        if self._turns is None:
            return answer(self.store, job)
        if not self._turns.acquire(timeout=WAIT_FOR_WORKER_SECONDS):
            raise ServerBusyError(f"{self.max_concurrent} queries are running; try again shortly", 1)
        try:
            return answer(self.store, job)
        finally:
            self._turns.release()

    def status(self) -> dict:
        return {"mode": "in-process", **({"size": self.max_concurrent} if self.max_concurrent else {})}

    def close(self) -> None:
        pass


def default_executor(config: Config, store: Store) -> QueryExecutor:
    """Worker processes for the embedded store (Oxigraph cannot stop a query); in-process calls for a remote one."""
    if isinstance(store, EmbeddedStore):
        return WorkerPool(config, store.key, size=config.max_concurrent_queries)
    return InlineExecutor(store, max_concurrent=config.max_concurrent_queries)


class _Worker:
    """A worker process and the parent's end of its pipe."""

    def __init__(self, process, connection):
        self.process = process
        self.connection = connection
        self.deadline: float | None = None

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class WorkerPool:
    """A fixed number of worker processes, each holding the snapshot open read-only; one query per worker at a time."""

    def __init__(self, config: Config, snapshot_key: str, *, size: int, context=None):
        self.config, self.snapshot_key, self.size = config, snapshot_key, size
        triples = read_manifest(config, snapshot_key)["counts"]["all"]
        # A small snapshot's default graph is copied into each worker's memory (queries 2–4× faster); a large one
        # is read on disk, where it opens in milliseconds.
        self.in_memory = triples <= config.memory_store_max_triples
        self._context = context or default_context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._closed = False
        self.last_start_error: str | None = None
        atexit.register(self.close)
        for _ in range(size):
            self._start_in_background()

    def run(self, job: QueryJob) -> QueryAnswer:
        """Evaluate a job in a free worker; stop it and raise QueryTimeoutError when the time limit passes."""
        worker = self._acquire()
        timeout = None if job.limits.timeout_ms is None else job.limits.timeout_ms / 1000
        worker.deadline = None if timeout is None else time.monotonic() + timeout
        try:
            worker.connection.send(job)
            finished = worker.connection.poll(timeout)
        except OSError:
            self._replace(worker)
            raise QueryFailedError("the query's worker process could not be reached; try again") from None
        if not finished:
            self._replace(worker)
            raise QueryTimeoutError(job.limits.timeout_ms)
        try:
            outcome = worker.connection.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryFailedError("the query's worker process stopped while evaluating it") from None
        self._release(worker)
        return _unwrap(outcome)

    def status(self) -> dict:
        with self._lock:
            busy = len(self._busy)
        return {"mode": "worker-processes", "store": "memory" if self.in_memory else "disk", "size": self.size,
                "ready": busy + self._idle.qsize(), "busy": busy}

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._busy)
            self._busy.clear()
        while True:
            try:
                workers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in workers:
            worker.stop()

    def _acquire(self) -> _Worker:
        give_up = time.monotonic() + WAIT_FOR_WORKER_SECONDS
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, give_up - time.monotonic()))
            except queue.Empty:
                raise ServerBusyError(
                    f"all {self.size} query workers are busy; try again shortly", self._retry_after()
                ) from None
            if worker.process.is_alive():
                with self._lock:
                    self._busy.add(worker)
                return worker
            self._replace(worker)

    def _release(self, worker: _Worker) -> None:
        worker.deadline = None
        with self._lock:
            self._busy.discard(worker)
            closed = self._closed
        if closed:
            worker.stop()
        else:
            self._idle.put(worker)

    def _retry_after(self) -> int:
        now = time.monotonic()
        with self._lock:
            remaining = [w.deadline - now for w in self._busy if w.deadline is not None]
        return max(1, math.ceil(min(remaining))) if remaining else 1

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
        threading.Thread(target=worker.stop, daemon=True).start()
        self._start_in_background()

    def _start_in_background(self) -> None:
        threading.Thread(target=self._start_worker, name="natograph-worker-start", daemon=True).start()

    def _start_worker(self) -> None:
        with self._start_lock:
            if self._closed:
                return
            parent_end, child_end = self._context.Pipe()
            process = self._context.Process(
                target=serve_jobs, args=(child_end, self.config, self.snapshot_key, self.in_memory),
                name="natograph-query", daemon=True,
            )
            process.start()
            child_end.close()
        worker = _Worker(process, parent_end)
        try:
            ready = parent_end.poll(WORKER_START_TIMEOUT_SECONDS) and parent_end.recv()
        except (EOFError, OSError):
            ready = False
        if ready == READY:
            self.last_start_error = None
            self._release(worker)
            return
        worker.stop()
        if self._closed:
            return
        self.last_start_error = str(_unwrap_error(ready)) if isinstance(ready, tuple) else "worker did not start"
        print(f"natograph: a query worker failed to start: {self.last_start_error}", file=sys.stderr)


def default_context():
    """A multiprocessing context that never forks the threaded server: forkserver where available, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["natograph.executor"])
        return context
    return multiprocessing.get_context("spawn")


def serve_jobs(connection, config: Config, snapshot_key: str, copy_in_memory: bool = False) -> None:
    """A worker process's loop: open the snapshot (and copy its default graph into memory), then answer jobs."""
    # Ctrl-C reaches the whole process group; the server shuts the workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = EmbeddedStore(open_snapshot(config, snapshot_key), default_graph_in_memory=copy_in_memory)
    except SnapshotError as exc:
        connection.send(_failure(exc))
        return
    connection.send(READY)
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        try:
            outcome = ("answer", answer(store, job))
        except NatographError as exc:
            outcome = _failure(exc)
        connection.send(outcome)


def _failure(error: NatographError) -> tuple:
    # Errors cross the pipe as class, attributes and message: their constructors take other arguments.
    return ("error", type(error), dict(vars(error)), str(error))


def _unwrap_error(outcome: tuple) -> NatographError:
    _, cls, state, message = outcome
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


def _unwrap(outcome: tuple) -> QueryAnswer:
    if outcome[0] == "answer":
        return outcome[1]
    raise _unwrap_error(outcome)
