"""The memory image: a snapshot's default graph loaded once, in a process of its own, and forked into query workers.

Loading a large default graph into an in-memory Oxigraph store takes seconds (3.5 s at 1.7M triples)
and hundreds of megabytes. The image process loads it once, from the snapshot's N-Triples file (never
from the RocksDB database, whose threads would not survive a fork), and then forks a query worker
whenever the pool asks for one: the worker starts in milliseconds with the graph already in memory,
sharing its pages with the image until it touches them. A worker killed at the time limit is replaced
as quickly.

Linux only (the workers are tracked by pidfd, so that a reused process id is never signalled);
elsewhere the pool keeps every query worker on disk.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
import traceback
from multiprocessing import reduction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from ..config import Config
from .sandbox import die_with, leave_network
from ..snapshot import DEFAULT_GRAPH_FILE
from ..store import load_default_graph

READY = "ready"
FORK = "fork"


class ImageUnavailable(RuntimeError):
    """The memory image could not be loaded, or can no longer fork workers."""


def image_supported() -> bool:
    """Whether this platform can fork workers from an image and track them safely (Linux with pidfd)."""
    if not (hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal") and hasattr(os, "fork")):
        return False
    try:
        # Python may have the call where the kernel (before 5.3) or a container's seccomp profile refuses it.
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


def has_image_file(snapshot_path: Path) -> bool:
    """Whether a snapshot carries the N-Triples file an image loads (snapshots built before it do not)."""
    return (Path(snapshot_path) / DEFAULT_GRAPH_FILE).is_file()


class ForkedProcess:
    """A query worker forked by the image process, with the subset of `multiprocessing.Process` the pool uses."""

    def __init__(self, pid: int, pidfd: int):
        self.pid, self._pidfd = pid, pidfd
        self._lock = threading.Lock()

    def is_alive(self) -> bool:
        with self._lock:
            if self._pidfd < 0:
                return False
            exited, _, _ = select.select([self._pidfd], [], [], 0)
            return not exited

    def kill(self) -> None:
        with self._lock:
            if self._pidfd < 0:
                return
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def join(self, timeout: float | None = None) -> None:
        """Wait until the process has exited (the image process reaps it), then release its pidfd."""
        with self._lock:
            if self._pidfd < 0:
                return
            select.select([self._pidfd], [], [], timeout)
            os.close(self._pidfd)
            self._pidfd = -1


class MemoryImage:
    """The pool's handle on the image process: start it, wait until it is loaded, fork workers from it."""

    def __init__(self, context, config: Config, snapshot_key: str, worker_main: Callable, cell=None):
        self._control, child_end = context.Pipe(duplex=True)
        self._process = context.Process(
            target=run_image, args=(child_end, config, snapshot_key, worker_main, cell),
            name="natograph-memory-image", daemon=True,
        )
        self._process.start()
        child_end.close()
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self.error: str | None = None

    def wait(self, timeout: float | None) -> bool:
        """Wait up to `timeout` seconds for the image to load; True once it has. Only one thread may call this."""
        if self._loaded.is_set():
            return True
        if self.error is not None:
            return False
        with self._lock:
            try:
                if not self._control.poll(timeout):
                    return False
                message = self._control.recv()
            except (EOFError, OSError):
                message = ("error", "the memory image process stopped while loading")
        if message == READY:
            self._loaded.set()
            return True
        self.error = message[1]
        return False

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def fork_worker(self) -> tuple[Connection, ForkedProcess]:
        """A new query worker with the image in memory: its connection and its process."""
        if not self._loaded.is_set():
            raise ImageUnavailable(self.error or "the memory image is not loaded")
        with self._lock:
            try:
                self._control.send(FORK)
                reply = self._control.recv()
                if reply[0] != "forked":
                    raise ImageUnavailable(reply[1])
                with socket.fromfd(self._control.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as channel:
                    connection_fd, pidfd = reduction.recvfds(channel, 2)
            except (EOFError, OSError) as exc:
                self.error = f"the memory image process stopped ({exc or 'no answer'})"
                self._loaded.clear()
                raise ImageUnavailable(self.error) from None
        return Connection(connection_fd), ForkedProcess(reply[1], pidfd)

    def close(self) -> None:
        """Stop the image process (the workers it forked are the pool's to stop)."""
        self._loaded.clear()
        self.error = self.error or "closed"
        self._control.close()
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)


def run_image(control: Connection, config: Config, snapshot_key: str, worker_main: Callable, cell=None) -> None:
    """The image process: leave the network (for its forks too), load the default graph, fork a worker per request.

    `cell` (executor.WorkerCell) says whether to leave the network and which server process to die with.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The kernel reaps the forked workers; the pool holds a pidfd for each, so their ids are never reused under it.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        if cell is not None and cell.isolate:
            leave_network()
        memory = load_default_graph(config.snapshots_path / snapshot_key)
    except (OSError, SyntaxError, ValueError) as exc:
        control.send(("error", f"the memory image could not be loaded: {exc}"))
        return
    if cell is not None:
        die_with(cell.server_pid)
    control.send(READY)
    while True:
        try:
            control.recv()
        except EOFError:
            return
        _fork_worker(control, memory, config, snapshot_key, worker_main, cell)


def _fork_worker(control: Connection, memory, config: Config, snapshot_key: str, worker_main: Callable,
                 cell) -> None:
    parent_end, child_end = socket.socketpair()
    try:
        pid = os.fork()
    except OSError as exc:
        parent_end.close()
        child_end.close()
        control.send(("error", f"the memory image could not fork a worker: {exc}"))
        return
    if pid == 0:
        status = 1
        try:
            control.close()
            parent_end.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            worker_main(Connection(child_end.detach()), config, snapshot_key, memory, cell)
            status = 0
        except BaseException:  # noqa: BLE001 - the forked child reports any error, and never returns to the image's loop
            traceback.print_exc()
        finally:
            os._exit(status)
    child_end.close()
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        parent_end.close()
        control.send(("error", "the forked worker exited at once"))
        return
    control.send(("forked", pid))
    with socket.fromfd(control.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as channel:
        reduction.sendfds(channel, [parent_end.fileno(), pidfd])
    parent_end.close()
    os.close(pidfd)
