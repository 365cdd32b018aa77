"""Settings: defaults, then NATOGRAPH_* environment variables, then explicit overrides."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError

ENV_PREFIX = "NATOGRAPH_"
STORE_KINDS = ("embedded", "remote")


@dataclass(frozen=True)
class Config:
    """Everything a natograph step needs to know about where things are and what limits apply."""

    root: Path = field(default_factory=Path.cwd)
    ontology_file: str = "ontology/nato.ttl"
    shapes_file: str = "ontology/shapes.ttl"
    data_dir: str = "data"
    queries_dir: str = "queries"
    checks_dir: str = "checks"
    snapshot_dir: str = ".natograph/snapshots"
    reasoner: str = "natograph"
    resource_base: str = "https://w3id.org/natograph/"
    public_base: str = ""
    query_timeout_ms: int = 10_000
    max_rows: int = 10_000
    max_query_bytes: int = 64 * 1024
    max_concurrent_queries: int = 4
    # Memory a query worker may map beyond what it holds when it starts (the snapshot, the memory image);
    # a query that needs more is stopped and its worker replaced. 0: no limit.
    query_memory_mb: int = 512
    # The largest answer a query may send, in bytes of its serialisation.
    max_response_bytes: int = 64 * 1024 * 1024
    # Serve free SPARQL even where query workers cannot be cut off from the network (no network namespaces).
    allow_unguarded_queries: bool = False
    queries_per_minute: int = 120
    # How many queries one client may have running at once (a client as for queries_per_minute); 0: no limit.
    concurrent_queries_per_client: int = 2
    # Seconds of query processing each client may use a minute (the budget is charged what each query took,
    # its name look-ups included); 0: no limit.
    query_seconds_per_minute: int = 60
    # How many reverse proxies in front of the server set X-Forwarded-For/-Proto/-Host/-Port/-Prefix; 0 trusts none.
    proxy_hops: int = 0
    free_sparql: bool = True
    max_body_bytes: int = 256 * 1024
    # The request line and headers together, as nginx's 8 KiB: a longer GET is a 431 (long queries go by POST).
    max_request_head_bytes: int = 8 * 1024
    # Time from a request's first byte to its last (line, headers and body); a slower client is disconnected.
    request_read_timeout_ms: int = 10_000
    result_cache_bytes: int = 64 * 1024 * 1024
    # A snapshot of at most this many triples is queried from a memory image (about 300 bytes a triple, loaded
    # once and forked into the query workers); a larger one on disk. 0: always on disk.
    memory_store_max_triples: int = 2_000_000
    # Where queries run: "embedded" (the snapshot's own database) or "remote" (a SPARQL server holding a copy).
    store: str = "embedded"
    store_url: str = ""
    store_data_url: str = ""
    # The server's SPARQL Update endpoint: with it, `natograph upload` publishes atomically (staging graphs, counted,
    # then switched in by one update request). Empty: the served graphs are replaced one request after the other.
    store_update_url: str = ""
    # The named graph holding the snapshot's default graph, for a server without a writable default graph of its
    # own (Virtuoso): uploads go there and queries name it in default-graph-uri. Empty: the server's default graph.
    store_default_graph: str = ""
    # The user `natograph upload` authenticates as (its password: NATOGRAPH_STORE_PASSWORD or --password-file).
    store_user: str = ""
    # How many triples `natograph upload` sends a request (a blank node's triples stay in one).
    store_upload_chunk_triples: int = 50_000

    @classmethod
    def load(cls, **overrides) -> "Config":
        """Defaults, overridden by NATOGRAPH_* environment variables, overridden by `overrides`."""
        values: dict = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        if values.get("store", "embedded") not in STORE_KINDS:
            raise ConfigError(f"store={values['store']!r}: expected one of {', '.join(STORE_KINDS)}")
        if "root" in values:
            values["root"] = Path(values["root"]).resolve()
        return cls(**values)

    def replace(self, **changes) -> "Config":
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    def path(self, relative: str) -> Path:
        """A path below the project root."""
        return self.root / relative

    @property
    def ontology_path(self) -> Path:
        return self.path(self.ontology_file)

    @property
    def shapes_path(self) -> Path:
        return self.path(self.shapes_file)

    @property
    def data_path(self) -> Path:
        return self.path(self.data_dir)

    @property
    def queries_path(self) -> Path:
        return self.path(self.queries_dir)

    @property
    def checks_path(self) -> Path:
        return self.path(self.checks_dir)

    @property
    def snapshots_path(self) -> Path:
        return self.path(self.snapshot_dir)


def _coerce(name: str, kind, raw: str):
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind == "int":
            return int(raw)
        if kind == "bool":
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from None
    return raw
