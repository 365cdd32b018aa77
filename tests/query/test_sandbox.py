"""The query worker's cell: no network, a memory ceiling, death with the server; and what the server does without it."""

import multiprocessing
import os
import socket
import time

import pytest

from natograph.config import Config
from natograph.query.sandbox import NetworkGuard, die_with, leave_network, limit_memory, network_guard
from natograph.serve import free_sparql_refusal

from ..serving import Listener

needs_namespaces = pytest.mark.skipif(not network_guard().available, reason="no network namespaces here")


def _in_child(target, *args):
    """Run `target(*args)` in a forked child; its return value (a string) comes back."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            result = target(*args)
        except BaseException as exc:  # noqa: BLE001 - the child reports whatever happened
            result = f"{type(exc).__name__}: {exc}"
        os.write(write_end, str(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        answer = reader.read().decode()
    os.waitpid(pid, 0)
    return answer


def _connect_after_leaving(port: int) -> str:
    leave_network()
    with socket.socket() as probe:
        probe.settimeout(2)
        try:
            probe.connect(("127.0.0.1", port))
        except OSError as exc:
            return f"refused: {exc.strerror}; interfaces: {[name for _, name in socket.if_nameindex()]}"
    return "connected"


@needs_namespaces
def test_a_process_that_left_the_network_cannot_reach_a_listener_on_loopback():
    listener = Listener()
    try:
        answer = _in_child(_connect_after_leaving, listener.port)
        assert answer.startswith("refused") and "['lo']" in answer
        assert listener.connections(wait=0.5) == 0
        with socket.create_connection(("127.0.0.1", listener.port)):
            pass
        assert listener.connections(wait=1.0) == 1  # the listener does notice a connection
    finally:
        listener.socket.close()


def _allocate(megabytes: int) -> str:
    limit_memory(64 * 1024 * 1024)
    try:
        block = bytearray(megabytes * 1024 * 1024)
    except MemoryError:
        return "MemoryError"
    return f"allocated {len(block)}"


def test_a_memory_ceiling_stops_an_allocation_past_it_and_allows_one_below():
    assert _in_child(_allocate, 256) == "MemoryError"
    assert _in_child(_allocate, 8).startswith("allocated")


def _watch_then_sleep(server_pid: int) -> None:
    die_with(server_pid, and_parent=False)
    time.sleep(60)


def test_a_process_dies_with_the_server_it_watches_even_when_that_is_not_its_parent():
    context = multiprocessing.get_context("fork")
    server = context.Process(target=time.sleep, args=(60,))
    server.start()
    watcher = context.Process(target=_watch_then_sleep, args=(server.pid,))
    watcher.start()
    time.sleep(0.3)
    assert watcher.is_alive()
    server.kill()
    watcher.join(10)
    assert not watcher.is_alive()
    server.join()


class _PoolWithoutGuard:
    network_guard = NetworkGuard(False, "none", "the kernel refused a network namespace: Operation not permitted")


def test_without_a_network_guard_free_sparql_is_refused_saying_why_unless_allowed():
    refusal = free_sparql_refusal(Config.load(), _PoolWithoutGuard())
    assert "cannot cut query workers off from the network" in refusal and "Operation not permitted" in refusal
    assert free_sparql_refusal(Config.load(allow_unguarded_queries=True), _PoolWithoutGuard()) is None
    assert "turned off" in free_sparql_refusal(Config.load(free_sparql=False), _PoolWithoutGuard())
