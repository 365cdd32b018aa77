"""Per-client limits: how many queries a minute (`RateLimiter`), and a fair share of the query workers (`FairShare`):
how many queries at once and how many seconds of query processing a minute.

A client is an IPv4 address, or an IPv6 /64 network (one host usually holds a whole /64, and could
otherwise take a fresh budget with each of its addresses). Behind reverse proxies (`proxy_hops`), the
address is the one the proxies forwarded. How many queries run at once in all is the size of the
executor's worker pool; `FairShare` keeps one client from holding all of it.

Not Flask-Limiter: it counts requests in time windows per key, which covers `RateLimiter` alone; the fair share
(queries at once, and seconds of query processing a minute, charged after the query) has no counterpart there,
and one module keeps both keyed the same way (the /64 grouping, the proxy hops).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import threading
import time
from typing import Callable

from ..errors import RateLimitError

# Forget clients whose bucket is full again once this many are tracked.
PRUNE_ABOVE_CLIENTS = 10_000


@functools.lru_cache(maxsize=4096)
def client_key(address: str | None) -> str:
    """The budget an address draws on: the IPv4 address itself, the /64 network of an IPv6 one."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


class RateLimiter:
    """Allows each client `per_minute` queries a minute, in bursts of up to `per_minute`; 0 means no limit."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def charge(self, client: str) -> None:
        """Spend one query of this client's budget, or raise RateLimitError saying when to retry."""
        if self.per_minute <= 0:
            return
        refill_per_second = self.per_minute / 60
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * refill_per_second)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1 - tokens) / refill_per_second)
                raise RateLimitError(
                    f"query budget spent: {self.per_minute} queries a minute per client (setting queries_per_minute);"
                    f" retry in {wait} s", wait, "queries_per_minute"
                )
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > PRUNE_ABOVE_CLIENTS:
                self._prune(now, refill_per_second)

    def _prune(self, now: float, refill_per_second: float) -> None:
        full = [
            client
            for client, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * refill_per_second >= self.per_minute
        ]
        for client in full:
            del self._buckets[client]


class FairShare:
    """Admits a client's query while it has fewer than `concurrent` running and time left in its budget.

    The budget is `seconds_per_minute` seconds of query processing, refilled continuously; each query is
    charged the time it took when it ends (a query may overdraw, and the client then waits until the
    budget is positive again). 0 turns either limit off.
    """

    def __init__(self, concurrent: int, seconds_per_minute: float, *, clock: Callable[[], float] = time.monotonic):
        self.concurrent, self.seconds_per_minute = concurrent, seconds_per_minute
        self._clock = clock
        self._running: dict[str, int] = {}
        self._budgets: dict[str, tuple[float, float]] = {}  # client -> (seconds left, when counted)
        self._lock = threading.Lock()

    def admit(self, client: str) -> "Admission":
        """`with admit(client):` runs the body as one of the client's queries, charging its time; RateLimitError
        (on entering) if a limit is reached."""
        return Admission(self, client)

    def _enter(self, client: str) -> None:
        with self._lock:
            self._check_budget(client)
            running = self._running.get(client, 0)
            if self.concurrent > 0 and running >= self.concurrent:
                raise RateLimitError(
                    f"{self.concurrent} queries of this client are running (setting concurrent_queries_per_client);"
                    " retry when one has finished", 1, "concurrent_queries_per_client")
            self._running[client] = running + 1

    def _leave(self, client: str, seconds: float) -> None:
        with self._lock:
            self._charge(client, seconds)
            left = self._running[client] - 1
            if left:
                self._running[client] = left
            else:
                del self._running[client]

    def running(self, client: str) -> int:
        """How many queries of this client are running."""
        with self._lock:
            return self._running.get(client, 0)

    def _seconds_left(self, client: str, now: float) -> float:
        left, counted = self._budgets.get(client, (float(self.seconds_per_minute), now))
        return min(float(self.seconds_per_minute), left + (now - counted) * self.seconds_per_minute / 60)

    def _check_budget(self, client: str) -> None:
        if self.seconds_per_minute <= 0:
            return
        debt = -round(self._seconds_left(client, self._clock()), 6)  # rounded: float sums of refills and charges
        if debt > 0:
            wait = max(1, math.ceil(round(debt * 60 / self.seconds_per_minute, 6)))
            raise RateLimitError(
                f"query time budget spent: {self.seconds_per_minute:g} s of query processing a minute per client"
                f" (setting query_seconds_per_minute); retry in {wait} s", wait, "query_seconds_per_minute")

    def _charge(self, client: str, seconds: float) -> None:
        if self.seconds_per_minute <= 0:
            return
        now = self._clock()
        self._budgets[client] = (self._seconds_left(client, now) - seconds, now)
        if len(self._budgets) > PRUNE_ABOVE_CLIENTS:
            full = [c for c in self._budgets if c not in self._running
                    and self._seconds_left(c, now) >= self.seconds_per_minute]
            for c in full:
                del self._budgets[c]


class Admission:
    """One query of a client inside `FairShare.admit` (a class rather than a generator: every query enters one)."""

    __slots__ = ("share", "client", "started")

    def __init__(self, share: FairShare, client: str):
        self.share, self.client = share, client

    def __enter__(self) -> None:
        self.share._enter(self.client)
        self.started = self.share._clock()

    def __exit__(self, *exc_info) -> None:
        self.share._leave(self.client, self.share._clock() - self.started)
