"""Values computed once per application from its snapshot (the snapshot never changes while it is served)."""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

from flask import current_app

from ..formats import Format
from ..formats.jsonld import JsonLdContext, store_context
from ..formats.results import serialize_graph
from ..formats.void import DatasetStatistics, dataset_statistics
from .state import current_state

MEMO_KEY = "natograph.memo"
_LOCK = threading.RLock()  # values may be computed from other remembered values
T = TypeVar("T")


def remember(name: str, compute: Callable[[], T]) -> T:
    """The value `compute()` returned the first time `name` was asked for in this application."""
    memo = current_app.extensions.setdefault(MEMO_KEY, {})
    if name not in memo:
        with _LOCK:
            if name not in memo:
                memo[name] = compute()
    return memo[name]


def served_context() -> JsonLdContext:
    """The JSON-LD context of the served snapshot (computed once per process, as the query workers do)."""
    return store_context(current_state().store)


def serialize_served_graph(triples, fmt: Format, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples of a served document in an RDF format; JSON-LD compact against the served context.

    The context is computed only for JSON-LD: it is read from the store, which other formats never need.
    """
    return serialize_graph(triples, fmt, prefixes=prefixes, context=served_context() if fmt is Format.JSON_LD else None)


def served_statistics() -> DatasetStatistics:
    """The dataset statistics of the served snapshot (class and property counts, sources, license)."""
    state = current_state()
    return remember("dataset-statistics",
                    lambda: dataset_statistics(state.store, uri_space=state.config.resource_base + "id/"))
