"""What a running server holds: settings, the opened snapshot, the query executor, the per-client limits, staleness."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from flask import current_app

from ..config import Config
from ..query.executor import QueryExecutor
from ..snapshot.failed_build import FailedBuild
from ..snapshot import Snapshot
from ..store import QueryLimits, ServedStore
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
    # Set when the last build failed on its inputs: the snapshot served is the last good one, older than the inputs.
    stale: FailedBuild | None = None
    # Why free SPARQL is not served here (turned off, or no network guard for the query workers); None: served.
    free_sparql_refusal: str | None = None
    # The SPARQL endpoint's external URL by the (scheme, host, script root) of the requests that asked (sparql.py).
    endpoint_urls: dict = field(default_factory=dict)

    @cached_property
    def query_limits(self) -> QueryLimits:
        """The limits every query of a request runs under (made once: the settings of a state do not change)."""
        config = self.config
        return QueryLimits(timeout_ms=config.query_timeout_ms, max_rows=config.max_rows,
                           max_response_bytes=config.max_response_bytes)

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
