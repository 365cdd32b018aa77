"""Query execution: inline and in worker processes, the same answers; a worker past the time limit is stopped."""

import threading
import time

import pytest

from natograph.errors import QuerySyntaxError, QueryTimeoutError, ServerBusyError
from natograph.query.executor import InlineExecutor, QueryJob, WorkerPool
from natograph.formats import Format
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore, QueryLimits

from ..serving import built_mini_project, started_pool

pytestmark = pytest.mark.slow  # query worker processes

# A cross product of the default graph with itself six times, counted: one row, long after any limit.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
LABELS = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("executor"))


@pytest.fixture(scope="module")
def pool(config):
    with started_pool(config) as workers:
        yield workers


def wait_until_ready(pool, count, seconds=30):
    deadline = time.monotonic() + seconds
    while pool.status()["ready"] < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.status()["ready"] >= count


def test_worker_processes_answer_like_the_inline_executor(config, pool):
    inline = InlineExecutor(EmbeddedStore(open_snapshot(config)))
    for fmt in (Format.SPARQL_JSON, Format.CSV, Format.SPARQL_XML):
        job = QueryJob(LABELS, fmt, limits=QueryLimits(timeout_ms=5000, max_rows=100))
        assert pool.run(job) == inline.run(job)


def test_errors_keep_their_details_across_the_process_boundary(pool):
    with pytest.raises(QuerySyntaxError) as caught:
        pool.run(QueryJob("SELECT * WHERE {\n ?s ?p }", Format.SPARQL_JSON))
    assert caught.value.line == 2 and caught.value.to_dict()["error"] == "query-syntax-error"


def test_a_query_past_the_time_limit_is_stopped_and_its_worker_replaced(pool):
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError) as caught:
        pool.run(QueryJob(SLOW_QUERY, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=500)))
    assert time.monotonic() - started < 0.5 + 1.0
    assert caught.value.limit_ms == 500
    wait_until_ready(pool, 2)
    assert pool.run(QueryJob("ASK {}", Format.SPARQL_JSON)).body == b'{"head":{},"boolean":true}'


def test_other_queries_run_while_one_is_slow(pool):
    wait_until_ready(pool, 2)
    outcomes = []
    slow = threading.Thread(target=_run_slow, args=(pool, 2000, outcomes))
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    pool.run(QueryJob(LABELS, Format.SPARQL_JSON))
    assert time.monotonic() - started < 0.5
    slow.join()
    assert outcomes == [QueryTimeoutError]


def test_when_every_worker_is_busy_the_pool_answers_busy_with_a_retry_time(pool):
    wait_until_ready(pool, 2)
    outcomes = []
    slow = [threading.Thread(target=_run_slow, args=(pool, 3000, outcomes)) for _ in range(2)]
    for thread in slow:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(ServerBusyError) as busy:
        pool.run(QueryJob("ASK {}", Format.SPARQL_JSON))
    assert 0.9 < time.monotonic() - started < 1.5
    assert 1 <= busy.value.retry_after <= 3
    for thread in slow:
        thread.join()
    assert outcomes == [QueryTimeoutError, QueryTimeoutError]


def _run_slow(pool, timeout_ms, outcomes):
    try:
        pool.run(QueryJob(SLOW_QUERY, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=timeout_ms)))
        outcomes.append(None)
    except (QueryTimeoutError, ServerBusyError) as exc:
        outcomes.append(type(exc))


class HeldStore:
    """A store whose queries wait until released: it holds the executor's turns for as long as a test needs."""

    key = "held"

    def __init__(self, answer_from: EmbeddedStore):
        self.release = threading.Event()
        self.answer_from = answer_from

    def query(self, sparql, **options):
        self.release.wait(10)
        return self.answer_from.query(sparql, **options)


def test_an_inline_executor_runs_at_most_max_concurrent_queries_and_then_answers_busy(config):
    store = HeldStore(EmbeddedStore(open_snapshot(config)))
    executor = InlineExecutor(store, max_concurrent=1)
    answers = []
    running = threading.Thread(target=lambda: answers.append(executor.run(QueryJob(LABELS, Format.CSV))))
    running.start()
    time.sleep(0.1)
    with pytest.raises(ServerBusyError):
        executor.run(QueryJob(LABELS, Format.CSV))
    store.release.set()
    running.join(10)
    assert answers and answers[0].body.startswith(b"label")
    assert executor.run(QueryJob(LABELS, Format.CSV)).body == answers[0].body
    assert executor.status() == {"mode": "in-process", "size": 1}


def test_a_snapshot_under_the_memory_limit_is_queried_from_the_memory_image_and_a_larger_one_on_disk(config):
    key = open_snapshot(config).key
    small = WorkerPool(config, key, size=1)
    large = WorkerPool(config.replace(memory_store_max_triples=0), key, size=1)
    try:
        wait_until_ready(small, 1)
        wait_until_ready(large, 1)
        assert small.status()["store"] == "memory" and small.status()["memory_image"] == "loaded"
        assert large.status()["store"] == "disk" and large.status()["memory_image"] == "off"
        job = QueryJob(LABELS, Format.CSV)
        assert small.run(job).body == large.run(job).body == InlineExecutor(EmbeddedStore(open_snapshot(config))).run(job).body
    finally:
        small.close()
        large.close()


def test_workers_forked_from_the_image_still_read_named_graphs_on_disk(config, pool):
    wait_until_ready(pool, 2)
    assert pool.status()["store"] == "memory"
    graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    job = QueryJob(graphs, Format.CSV)
    answer = pool.run(job)
    assert answer.body == InlineExecutor(EmbeddedStore(open_snapshot(config))).run(job).body
    assert b"graph/asserted" in answer.body and b"graph/inferred" in answer.body


def test_a_worker_killed_at_the_time_limit_is_replaced_from_the_image_at_once(pool):
    wait_until_ready(pool, 2)
    with pytest.raises(QueryTimeoutError):
        pool.run(QueryJob(SLOW_QUERY, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=300)))
    started = time.monotonic()
    wait_until_ready(pool, 2)
    # A fork of the loaded image, not a fresh process that opens and loads the snapshot.
    assert time.monotonic() - started < 2
    assert pool.status()["store"] == "memory"


def test_when_the_image_process_dies_new_workers_read_the_disk_and_queries_go_on(config):
    pool = WorkerPool(config, open_snapshot(config).key, size=1)
    try:
        wait_until_ready(pool, 1)
        assert pool.status()["store"] == "memory"
        pool.image._process.kill()
        pool.image._process.join(5)
        with pytest.raises(QueryTimeoutError):
            pool.run(QueryJob(SLOW_QUERY, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=200)))
        wait_until_ready(pool, 1)
        assert pool.status()["store"] == "disk" and pool.status()["memory_image"] == "failed"
        assert pool.run(QueryJob(LABELS, Format.CSV)).body.startswith(b"label")
    finally:
        pool.close()


def test_while_a_large_image_loads_the_disk_workers_answer_and_are_then_replaced(config, monkeypatch):
    import natograph.query.executor as executor_module

    # No wait before the disk workers start: as with an image that takes seconds to load.
    monkeypatch.setattr(executor_module, "IMAGE_FIRST_WAIT_SECONDS", 0)
    pool = WorkerPool(config, open_snapshot(config).key, size=2)
    try:
        wait_until_ready(pool, 1)
        deadline = time.monotonic() + 30
        while pool.status()["store"] != "memory" and time.monotonic() < deadline:
            assert pool.run(QueryJob(LABELS, Format.CSV)).body.startswith(b"label")
            time.sleep(0.02)
        wait_until_ready(pool, 2)
        assert pool.status()["store"] == "memory" and pool.status()["memory_image"] == "loaded"
    finally:
        pool.close()


def test_closing_the_pool_stops_the_image_and_every_forked_worker(config):
    pool = WorkerPool(config, open_snapshot(config).key, size=2)
    wait_until_ready(pool, 2)
    with pool._idle.mutex:
        processes = [worker.process for worker in pool._idle.queue]
    image = pool.image._process
    pool.close()
    assert not image.is_alive()
    assert all(not process.is_alive() for process in processes)


def test_where_the_kernel_refuses_pidfd_the_workers_read_the_disk(config, monkeypatch):
    import os

    def refused(pid, flags=0):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", refused)
    pool = WorkerPool(config, open_snapshot(config).key, size=1)
    try:
        wait_until_ready(pool, 1)
        assert pool.status()["memory_image"] == "off" and pool.status()["store"] == "disk"
        assert pool.run(QueryJob(LABELS, Format.CSV)).body.startswith(b"label")
    finally:
        pool.close()


def test_a_time_out_names_the_slow_shape_of_the_query_and_its_fast_form(pool):
    from natograph.sparql.shapes import SLOW_SHAPES

    path_with_free_ends = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://example.org/p>* ?b . "
                           "?c ?d ?e . ?f ?g ?h . ?i ?j ?k . ?l ?m ?o . ?q ?r ?s }")
    with pytest.raises(QueryTimeoutError) as caught:
        pool.run(QueryJob(path_with_free_ends, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=300)))
    assert caught.value.to_dict()["hints"][0]["shape"] == SLOW_SHAPES[1].shape
    assert SLOW_SHAPES[1].suggestion in str(caught.value)
    with pytest.raises(QueryTimeoutError) as plain:
        pool.run(QueryJob(SLOW_QUERY, Format.SPARQL_JSON, limits=QueryLimits(timeout_ms=300)))
    assert "hints" not in plain.value.to_dict()
