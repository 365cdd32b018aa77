"""The query worker's cell: no network, a memory ceiling, and no life after the server's (its deep stack: sparql/engine.py).

The guard against a query reaching the network (a SPARQL `SERVICE` call, which Oxigraph would make) is the
operating system's, not a reading of the query text: each query worker enters a network namespace of its own
before it opens the snapshot. The namespace has one interface, loopback, and it is down, so every `connect`
fails whatever the query says. An unprivileged process gets one through a user namespace as well; both need
Linux, and a kernel that allows them (containers may not). `network_guard()` says whether this machine can,
and the server refuses free SPARQL where it cannot, unless the operator allows it.

Written here rather than taken from a library: the whole mechanism is two system calls (`unshare`, `prctl`)
and a resource limit, which neither the standard library of Python 3.11 nor a maintained package offers
together; libseccomp's bindings would filter system calls, which a namespace makes unnecessary.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import select
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from ..snapshot import process_alive

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
NETWORK_NAMESPACE = "network-namespace"


class SandboxError(OSError):
    """This process could not be isolated from the network."""


@dataclass(frozen=True)
class NetworkGuard:
    """Whether query workers can be cut off from the network on this machine, and how (or why not)."""

    available: bool
    mechanism: str
    reason: str = ""

    def to_dict(self) -> dict:
        return {"available": self.available, "mechanism": self.mechanism,
                **({"reason": self.reason} if self.reason else {})}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def leave_network() -> None:
    """Move this process into a new, empty network namespace; raises SandboxError if the kernel refuses.

    Must be called while the process has one thread (a user namespace demands it), before the snapshot is opened.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxError(errno.ENOSYS, "network namespaces exist on Linux only")
    libc = _libc()
    if libc.unshare(CLONE_NEWNET) != 0:
        # Without CAP_SYS_ADMIN, a new user namespace grants it within itself.
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            code = ctypes.get_errno()
            raise SandboxError(code, f"the kernel refused a network namespace: {os.strerror(code)}")
    verify_no_network()


def verify_no_network() -> None:
    """Raise SandboxError unless this process sees no interface but loopback, and cannot connect to loopback."""
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        raise SandboxError(errno.EEXIST, f"the network namespace has interfaces {names}")
    with socket.socket() as probe:
        try:
            probe.connect(("127.0.0.1", 9))
        except OSError as exc:
            if exc.errno in (errno.ENETUNREACH, errno.EACCES, errno.EPERM):
                return
            raise SandboxError(errno.EEXIST, f"loopback answers in the namespace ({exc})") from None
    raise SandboxError(errno.EEXIST, "a connection succeeded from inside the namespace")


def die_with(server_pid: int, *, and_parent: bool = True) -> None:
    """End this process as soon as the server process ends, however it ends (even by SIGKILL).

    A query worker's parent is a fork server (or the memory image), not the server, so a watcher thread waits
    on a pidfd of the server itself; `and_parent` also ends it with its parent (PR_SET_PDEATHSIG).
    """
    if and_parent and sys.platform.startswith("linux"):
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        pidfd = os.pidfd_open(server_pid)
    except (AttributeError, OSError):
        # Gone already (or no pidfd): exit rather than run unwatched.
        if not process_alive(server_pid):
            os._exit(1)
        threading.Thread(target=_poll_for_exit, args=(server_pid,), name="natograph-watch", daemon=True).start()
        return
    threading.Thread(target=_wait_for_exit, args=(pidfd,), name="natograph-watch", daemon=True).start()


def _wait_for_exit(pidfd: int) -> None:
    select.select([pidfd], [], [])
    os._exit(1)


def _poll_for_exit(pid: int) -> None:
    while process_alive(pid):
        threading.Event().wait(1.0)
    os._exit(1)


def limit_memory(extra_bytes: int) -> None:
    """Let this process map at most `extra_bytes` more address space than it has now (0: no limit).

    Relative to what is mapped already, so that a worker forked from the memory image keeps the image.
    No core files: a worker past its limit aborts, and its memory is not worth writing to disk.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if extra_bytes <= 0:
        return
    ceiling = mapped_bytes() + extra_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def mapped_bytes() -> int:
    """The address space this process has mapped (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise SandboxError(errno.ENOENT, "VmSize is not in /proc/self/status")


@lru_cache(maxsize=1)
def network_guard() -> NetworkGuard:
    """Whether this machine lets a query worker leave the network: tried once, in a child process."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return NetworkGuard(False, "none", "network namespaces exist on Linux only")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            leave_network()
            message = b"ok"
        except BaseException as exc:  # noqa: BLE001 - the child reports whatever stopped it, and never returns
            message = str(exc).encode("utf-8", "replace") or b"failed"
        os.write(write_end, message[:4000])
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    message = b"".join(chunks).decode("utf-8", "replace")
    if message == "ok":
        return NetworkGuard(True, NETWORK_NAMESPACE)
    return NetworkGuard(False, "none", message or "the probe process failed")
