"""What a running server holds: settings, the opened snapshot, the query executor and the per-client limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ..config import Config
from ..executor import QueryExecutor
from ..snapshot import Snapshot
from ..store import ServedStore
from .limits import FairShare, RateLimiter

EXTENSION_KEY = "natograph"


@dataclass
class ServerState:
    """The state of one application, kept in `app.extensions["natograph"]`."""

    config: Config
    store: ServedStore
    executor: QueryExecutor
    rate_limiter: RateLimiter
    fair_share: FairShare = field(default_factory=lambda: FairShare(0, 0))

    @property
    def snapshot(self) -> Snapshot:
        """The served snapshot on this machine, whichever store answers the queries."""
        return self.store.snapshot

    @property
    def snapshot_key(self) -> str:
        return self.store.key

    @property
    def manifest(self) -> dict:
        return self.snapshot.manifest


def current_state() -> ServerState:
    """The state of the application handling the current request."""
    return current_app.extensions[EXTENSION_KEY]
