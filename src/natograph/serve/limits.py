"""Per-client query budget: a token bucket per client, refilled at `queries_per_minute`.

A client is an IPv4 address, or an IPv6 /64 network (one host usually holds a whole /64, and could
otherwise take a fresh budget with each of its addresses). Behind reverse proxies (`proxy_hops`), the
address is the one the proxies forwarded. The other limit, how many queries run at once, is the size
of the executor's worker pool.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from typing import Callable

from ..errors import RateLimitError

# Forget clients whose bucket is full again once this many are tracked.
PRUNE_ABOVE_CLIENTS = 10_000


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
                    f"query budget spent: {self.per_minute} queries a minute per client; retry in {wait} s", wait
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
