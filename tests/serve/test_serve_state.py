"""The server's state reads the snapshot's manifest and key the same way whichever store answers the queries."""

import pyoxigraph as ox
import pytest

from natograph.query.executor import InlineExecutor
from natograph.store.remote import RemoteStore
from natograph.serve.limits import RateLimiter
from natograph.serve.state import ServerState
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore, ServedStore

from ..serving import built_mini_project, free_port, in_process_client


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    config = built_mini_project(tmp_path_factory.mktemp("state"), queries_per_minute=0, result_cache_bytes=0)
    return config, open_snapshot(config)


def unreachable_remote_store(snapshot) -> RemoteStore:
    """A remote store whose server is not running: anything that reaches it fails."""
    return RemoteStore(f"http://127.0.0.1:{free_port()}/query", snapshot)


@pytest.mark.parametrize("kind", ["embedded", "remote"])
def test_the_state_gives_the_snapshot_manifest_and_key_of_either_store(mini, kind):
    config, snapshot = mini
    store = EmbeddedStore(snapshot) if kind == "embedded" else unreachable_remote_store(snapshot)
    state = ServerState(config, store, InlineExecutor(store), RateLimiter(0))
    assert isinstance(store, ServedStore)
    assert state.snapshot is snapshot
    assert state.manifest == snapshot.manifest and state.manifest["key"] == snapshot.key
    assert state.snapshot_key == snapshot.key


def test_a_server_on_a_remote_store_reads_its_manifest_and_dumps_from_the_local_snapshot(mini):
    config, snapshot = mini
    store = unreachable_remote_store(snapshot)
    client = in_process_client(config, store)
    assert client.get("/health").get_json()["counts"] == snapshot.manifest["counts"]
    description = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert description.status_code == 200 and snapshot.key in description.data.decode()
    dump = client.get("/dump/natograph-asserted.nt")
    assert dump.status_code == 200
    assert len(list(ox.parse(dump.data, format=ox.RdfFormat.N_TRIPLES))) == snapshot.manifest["counts"]["asserted"]
    query = client.get("/sparql", query_string={"query": "ASK {}"})
    # The store, not the request, is at fault, and may come back: a 503 to be retried, which /health explains.
    assert query.status_code == 503 and "cannot be reached" in query.get_json()["message"]
    assert client.get("/health").get_json()["status"] == "store-unavailable"
