"""Query execution: a query job in, response bytes out; in this process, or in worker processes a time limit can stop.

Oxigraph cannot cancel a running query from Python, so the server evaluates each query in a worker
process of its own pool: when the time limit passes, the waiting request kills that worker, answers
503 and a replacement starts in the background. Other requests keep their own workers meanwhile.

An own pool rather than pebble's `ProcessPool`: workers are forked from a memory image process that holds
the graph, each leaves the network before it opens the snapshot and dies with the server, and one worker
is replaced while the others go on; pebble starts workers of its own and offers none of these hooks.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Config
from ..errors import NatographError, QueryFailedError, QueryLimitError, QueryTimeoutError, ServerBusyError, SnapshotError
from ..formats import Format, FormatChoice
from ..formats.jsonld import store_context
from .memory_image import ImageUnavailable, MemoryImage, has_image_file, image_supported
from ..sparql.shapes import slow_shape_hints
from ..sparql.text import QueryText
from ..formats.results import result_kind, serialize_result
from .sandbox import SandboxError, die_with, leave_network, limit_memory, network_guard
from ..sparql.engine import on_deep_stack
from ..snapshot import open_snapshot, read_manifest
from ..store import Dataset, EmbeddedStore, QueryLimits, Store

READY = "ready"
WORKER_START_TIMEOUT_SECONDS = 60
# How long a request waits for a free worker before the server answers 503 (busy).
WAIT_FOR_WORKER_SECONDS = 1.0
# How long the pool waits for the memory image before it starts workers on disk meanwhile.
IMAGE_FIRST_WAIT_SECONDS = 0.3


@dataclass(frozen=True)
class QueryJob:
    """One query to evaluate: its text, the format(s) to answer in, bound variables, dataset, limits and base.

    `query` is the text with what was read from it (a string is read here); the executor, the cache and the
    store use those readings and read the text no more. `base_iri` resolves the query's relative IRIs (the
    SPARQL Protocol's base: the endpoint's URL).
    """

    query: QueryText
    fmt: Format | FormatChoice
    bindings: dict = field(default_factory=dict)
    dataset: Dataset = Dataset()
    limits: QueryLimits = QueryLimits()
    base_iri: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", QueryText.of(self.query))

    @property
    def formats(self) -> FormatChoice:
        return self.fmt if isinstance(self.fmt, FormatChoice) else FormatChoice.of(self.fmt)


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
    """Evaluate a job against a store and serialise the result in the job's format for the result's kind."""
    try:
        result = store.query(job.query, bindings=job.bindings or None, dataset=job.dataset, limits=job.limits,
                             base_iri=job.base_iri)
    except OSError as exc:
        raise QueryFailedError(f"the store could not evaluate the query: {exc}") from None
    fmt = job.formats.for_kind(result_kind(result))
    context = store_context(store) if fmt is Format.JSON_LD else None
    try:
        body = serialize_result(result, fmt, max_rows=job.limits.max_rows, context=context)
    except (OSError, RuntimeError, ValueError) as exc:
        # Oxigraph's serialisers report terms a format cannot express this way; the worker must live on.
        raise QueryFailedError(f"the result could not be written as {fmt.media_type}: {exc}") from None
    limit = job.limits.max_response_bytes
    if limit is not None and len(body) > limit:
        raise QueryLimitError(
            f"the answer is {len(body)} bytes, more than the limit of {limit} bytes (max_response_bytes): "
            "ask for fewer rows (LIMIT) or shorter values", "max_response_bytes", limit)
    return QueryAnswer(body, fmt, result.truncated)


def memory_limit_error(config: Config, *, worker_died: bool = False) -> QueryLimitError:
    """The error for a query that ran out of the memory a query worker may use (or whose worker died)."""
    mib = config.query_memory_mb
    if worker_died:
        message = (f"the query's worker process stopped while evaluating it; the usual cause is the limit of "
                   f"{mib} MiB of memory a query may use (query_memory_mb). The worker has been replaced")
    else:
        message = (f"the query was stopped: it needed more than the {mib} MiB of memory a query may use "
                   "(query_memory_mb). Its worker has been replaced")
    return QueryLimitError(message, "query_memory_mb", mib)


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
    """A query worker process (spawned on disk, or forked from the memory image) and the parent's end of its pipe."""

    def __init__(self, process, connection, *, in_memory: bool):
        self.process = process
        self.connection = connection
        self.in_memory = in_memory
        self.deadline: float | None = None

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class WorkerPool:
    """A fixed number of worker processes, each holding the snapshot open read-only; one query per worker at a time.

    When the snapshot has at most `memory_store_max_triples` triples, its default graph is loaded once into
    a memory image (memory_image.py) and the workers are forked from it. Until the image has loaded, the
    workers read the snapshot on disk, so the server answers from its first second; each is then replaced
    by one forked from the image as soon as it is idle.
    """

    def __init__(self, config: Config, snapshot_key: str, *, size: int, context=None):
        self.config, self.snapshot_key, self.size = config, snapshot_key, size
        self._context = context or default_context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._closed = False
        self.last_start_error: str | None = None
        self.image: MemoryImage | None = None
        self._image_wanted = self._wants_image()
        self.network_guard = network_guard()
        atexit.register(self.close)
        threading.Thread(target=self._start_workers, name="natograph-worker-start", daemon=True).start()

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
            raise QueryTimeoutError(job.limits.timeout_ms, hints=slow_shape_hints(job.query.text))
        try:
            outcome = worker.connection.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise memory_limit_error(self.config, worker_died=True) from None
        if outcome[0] == "error" and getattr(outcome[1], "retire_worker", False):
            self._replace(worker)
        else:
            self._release(worker)
        return _unwrap(outcome)

    def status(self) -> dict:
        with self._lock:
            running = list(self._busy)
        with self._idle.mutex:
            idle = list(self._idle.queue)
        busy, ready = len(running), len(running) + len(idle)
        in_memory = sum(worker.in_memory for worker in running + idle)
        return {"mode": "worker-processes", "store": "memory" if ready and in_memory == ready else "disk",
                "memory_image": self._image_state(), "size": self.size, "ready": ready, "busy": busy,
                "network_guard": self.network_guard.to_dict(), "query_memory_mb": self.config.query_memory_mb}

    def close(self) -> None:
        """Stop every worker and the memory image."""
        with self._lock:
            self._closed = True
            workers = list(self._busy)
            self._busy.clear()
        for worker in workers + self._take_idle():
            worker.stop()
        with self._start_lock:
            image = self.image
        if image is not None:
            image.close()

    def _wants_image(self) -> bool:
        triples = read_manifest(self.config, self.snapshot_key)["counts"]["all"]
        return (triples <= self.config.memory_store_max_triples and image_supported()
                and has_image_file(self.config.snapshots_path / self.snapshot_key))

    def _image_state(self) -> str:
        if self.image is None:
            return "loading" if self._image_wanted and not self._closed else "off"
        if self.image.loaded:
            return "loaded"
        return "failed" if self.image.error else "loading"

    def _start_workers(self) -> None:
        # Started here, not in __init__: the first process started may have to start the fork server first.
        if self._image_wanted:
            with self._start_lock:
                if self._closed:
                    return
                self.image = MemoryImage(self._context, self.config, self.snapshot_key, worker_main=serve_jobs,
                                         cell=self._cell())
        # A small image loads in well under a second: its workers are then forked straight away.
        loaded_at_once = self.image is not None and self.image.wait(IMAGE_FIRST_WAIT_SECONDS)
        for _ in range(self.size):
            self._start_in_background()
        if self.image is None or loaded_at_once:
            return
        if self.image.wait(None):
            # Releasing an idle disk worker replaces it with a fork; busy ones are replaced when they finish.
            for worker in self._take_idle():
                self._release(worker)
        elif not self._closed:
            print(f"natograph: queries stay on disk: {self.image.error}", file=sys.stderr)

    def _take_idle(self) -> list[_Worker]:
        """Every idle worker, taken out of the queue."""
        taken = []
        while True:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                return taken

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
        elif not worker.in_memory and self.image is not None and self.image.loaded:
            self._replace(worker)
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
            worker = self._fork_from_image() or self._spawn_on_disk()
        try:
            ready = worker.connection.poll(WORKER_START_TIMEOUT_SECONDS) and worker.connection.recv()
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

    def _fork_from_image(self) -> _Worker | None:
        if self.image is None or not self.image.loaded:
            return None
        try:
            connection, process = self.image.fork_worker()
        except ImageUnavailable as exc:
            print(f"natograph: queries go back to disk: {exc}", file=sys.stderr)
            return None
        return _Worker(process, connection, in_memory=True)

    def _cell(self) -> "WorkerCell":
        return WorkerCell(server_pid=os.getpid(), isolate=self.network_guard.available)

    def _spawn_on_disk(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=serve_jobs, args=(child_end, self.config, self.snapshot_key, None, self._cell()),
            name="natograph-query", daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end, in_memory=False)


def default_context():
    """A multiprocessing context that never forks the threaded server: forkserver where available, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["natograph.query.executor"])
        return context
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class WorkerCell:
    """How a query worker is confined: the server it dies with, and whether it leaves the network."""

    server_pid: int
    isolate: bool


def serve_jobs(connection, config: Config, snapshot_key: str, memory=None, cell: WorkerCell | None = None) -> None:
    """A worker process's loop: confine itself, open the snapshot (with the memory image's graph, if given), answer jobs.

    A worker forked from the memory image is already outside the network (the image left it for its forks).
    """
    # Ctrl-C reaches the whole process group; the server shuts the workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    isolated = False
    try:
        if cell is not None and cell.isolate:
            if memory is None:
                leave_network()
            isolated = True
        store = EmbeddedStore(open_snapshot(config, snapshot_key), memory=memory, network_isolated=isolated)
    except (SnapshotError, SandboxError) as exc:
        connection.send(_failure(exc if isinstance(exc, NatographError) else SnapshotError(str(exc))))
        return
    if cell is not None:
        # A worker forked from the memory image outlives the image (the pool moves it to disk), not the server.
        die_with(cell.server_pid, and_parent=memory is None)
    on_deep_stack(lambda: _answer_jobs(connection, config, store))


def _answer_jobs(connection, config: Config, store: EmbeddedStore) -> None:
    limit_memory(config.query_memory_mb * 1024 * 1024)
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
        except MemoryError:
            outcome = _failure(memory_limit_error(config))
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
