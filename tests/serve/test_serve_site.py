"""The landing page and /health."""

import pytest

from natograph.serve import BLUEPRINTS
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore

from ..serving import GRAPH, built_mini_project, in_process_client


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = built_mini_project(tmp_path_factory.mktemp("site"))
    store = EmbeddedStore(open_snapshot(config))
    return store, in_process_client(config, store)


def test_landing_page_says_what_is_served_and_links_everything(served):
    store, client = served
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode()
    counts = store.snapshot.manifest["counts"]
    assert store.key in page
    for number in (counts["asserted"], counts["inferred"], counts["all"]):
        assert f"<td>{number}</td>" in page
    for link in ('href="/query"', 'href="/queries"', 'href="/dump/"', 'href="/void"', 'href="/health"',
                 'href="/timeline"', 'href="/class/Operation"', 'action="/search"'):
        assert link in page
    # The endpoint is named for programs; a browser's links and the "Try it" form lead to the editor.
    assert "<code>/sparql</code>" in page and 'href="/sparql"' not in page
    assert '<form action="/query" method="get">' in page
    assert GRAPH + "data/places.ttl" in page


def test_landing_page_links_every_named_graph_to_its_description(served):
    store, client = served
    page = client.get("/").data.decode()
    graphs = {g.value for g in store.snapshot.store.named_graphs()}
    for iri in graphs:
        path = "/graph/" + iri.removeprefix(GRAPH)
        assert f'<a href="{path}"><code>{iri}</code></a>' in page
        redirect = client.get(path, headers={"Accept": "text/html"})
        assert redirect.status_code == 303
        document = client.get(redirect.headers["Location"])
        assert document.status_code == 200 and document.mimetype == "text/html"
        assert f"<code>{iri}</code>" in document.data.decode()


def test_landing_page_stylesheet_is_served_locally(served):
    _, client = served
    page = client.get("/").data.decode()
    assert "https://" not in page.split("<main>")[0]
    assert client.get("/static/style.css").status_code == 200


def test_health_reports_status_snapshot_and_counts(served):
    store, client = served
    health = client.get("/health").get_json()
    assert health["status"] == "ok"
    assert health["snapshot"] == store.key
    assert health["counts"] == store.snapshot.manifest["counts"]


def test_blueprints_are_registered_from_one_list():
    assert "sparql:blueprint" in BLUEPRINTS and "site:blueprint" in BLUEPRINTS
