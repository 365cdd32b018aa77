"""Store step: one small query interface over a snapshot, whatever engine holds it (embedded, or a remote server)."""

from __future__ import annotations

from ..snapshot import Snapshot
from .base import (SERVICE_REFUSAL, UPDATE_REFUSAL, AskResult, Dataset, GraphResult, QueryLimits,
                   QueryResult, SelectResult, ServedStore, Store, collect, parse_error, readable_reason)
from .embedded import EmbeddedStore, load_default_graph
from .remote import RemoteStore, open_remote_store

__all__ = [
    "SERVICE_REFUSAL", "UPDATE_REFUSAL", "AskResult", "Dataset", "EmbeddedStore", "GraphResult",
    "QueryLimits", "QueryResult", "RemoteStore", "SelectResult", "ServedStore", "Store", "collect",
    "load_default_graph", "open_store", "parse_error", "readable_reason",
]


def open_store(config, snapshot: Snapshot) -> ServedStore:
    """The store the settings choose for a snapshot: embedded, or the remote SPARQL server holding its copy."""
    if config.store == "remote":
        return open_remote_store(config.store_url, snapshot, config.store_default_graph)
    return EmbeddedStore(snapshot)
