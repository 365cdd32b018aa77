"""The canned-query API over HTTP: catalogue, runs with negotiation, parameter errors, texts, OpenAPI, examples."""

import csv
import io
import json

import pyoxigraph as ox
import pytest
from openapi_spec_validator import validate

from natograph.store import EmbeddedStore

from ..serving import NATOID, ServerProcess, in_process_client


@pytest.fixture(scope="module")
def client(project_config, project_snapshot):
    config = project_config.replace(queries_per_minute=0)
    store = EmbeddedStore(project_snapshot)
    return in_process_client(config, store)


def rows(response):
    return response.get_json()["results"]["bindings"]


def test_catalogue_lists_every_query_with_typed_parameters(client):
    response = client.get("/queries", headers={"Accept": "application/json"})
    assert response.status_code == 200
    queries = {q["name"]: q for q in response.get_json()["queries"]}
    assert len(queries) >= 20
    date = queries["operations-active-on"]["parameters"][0]
    assert (date["name"], date["type"], date["default"]) == ("date", "date", "2010-06-01")
    assert queries["operations-by-mandate-type"]["parameters"][0]["values"][0] == "UNSecurityCouncilResolution"


def test_catalogue_page_is_an_index_linking_each_query_page(client):
    page = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert page.count('<tr id="') >= 20
    assert '<a href="/queries/operations-in-place">' in page
    assert 'id="query-filter"' in page


def test_running_a_query_negotiates_like_the_endpoint(client):
    response = client.get("/queries/operations-active-on?date=2010-06-01")
    assert response.content_type == "application/sparql-results+json; charset=utf-8"
    names = {row["operation"]["value"].removeprefix(NATOID) for row in rows(response)}
    assert {"isaf", "kfor"} <= names and "resolute-support" not in names
    as_csv = client.get("/queries/operations-active-on?date=2010-06-01", headers={"Accept": "text/csv"})
    assert as_csv.content_type == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert {row["operation"].removeprefix(NATOID) for row in table} == names
    as_xml = client.get("/queries/operations-active-on?date=2010&format=xml")
    assert as_xml.content_type.startswith("application/sparql-results+xml")


def test_labels_and_acronyms_name_resources(client):
    response = client.get("/queries/operational-partners?operation=NMI")
    assert {row["partner"]["value"].removeprefix(NATOID) for row in rows(response)} == {"australia", "finland", "sweden"}


def test_parameter_errors_are_400_naming_the_parameter(client):
    for url, parameter in [("/queries/operations-active-on?date=2010-13", "date"),
                           ("/queries/predecessors", "operation"),
                           ("/queries/predecessors?operation=nowhere-at-all", "operation"),
                           ("/queries/operations-by-mandate-type?kind=Treaty", "kind"),
                           ("/queries/operations-active-on?colour=red", "colour")]:
        response = client.get(url)
        assert response.status_code == 400, url
        body = response.get_json()
        assert body["error"] == "invalid-parameter" and body["parameter"] == parameter, url


def test_ambiguous_names_list_the_candidates(client):
    response = client.get("/queries/resource-facts?resource=Source")
    body = response.get_json()
    assert response.status_code == 400 and body["parameter"] == "resource"
    assert "ambiguous" in body["message"]
    assert {c["name"] for c in body["candidates"]} == {"nato:Source", "nato:source"}


def test_unknown_query_is_404(client):
    response = client.get("/queries/no-such-query")
    assert response.status_code == 404 and response.get_json()["error"] == "not-found"


def test_query_text_is_served_as_sparql(client):
    response = client.get("/queries/operations-timeline.rq")
    assert response.content_type == "application/sparql-query; charset=utf-8"
    assert b"#+ summary: Timeline of all operations" in response.data
    ox.Store().query(response.get_data(as_text=True))


def test_etag_covers_the_parameters(client):
    first = client.get("/queries/operations-active-on?date=2010")
    other = client.get("/queries/operations-active-on?date=2011")
    assert first.headers["ETag"] != other.headers["ETag"]
    again = client.get("/queries/operations-active-on?date=2010", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_openapi_is_generated_from_the_catalogue_and_validates(client):
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert "/queries/troop-figures" in document["paths"]


def test_sparql_examples_are_shacl_executables(client):
    response = client.get("/.well-known/sparql-examples", headers={"Accept": "application/n-triples"})
    store = ox.Store()
    store.load(response.data, format=ox.RdfFormat.N_TRIPLES)
    count = store.query("ASK { ?q a <http://www.w3.org/ns/shacl#SPARQLSelectExecutable> ;"
                        " <https://schema.org/target> ?endpoint FILTER(STRENDS(STR(?endpoint), '/sparql')) }")
    assert bool(count)


@pytest.mark.slow
def test_canned_queries_through_a_real_server(project_config, tmp_path):
    server = ServerProcess(project_config.root, tmp_path / "server.log", snapshot_dir=project_config.snapshot_dir)
    try:
        answer = server.request("GET", "/queries/partners-by-framework?framework=Istanbul%20Cooperation%20Initiative",
                                headers={"Accept": "application/sparql-results+json"})
        assert answer.status == 200
        partners = {b["partner"]["value"].removeprefix(NATOID) for b in answer.json()["results"]["bindings"]}
        assert partners == {"bahrain", "kuwait", "qatar", "united-arab-emirates"}
        bad = server.request("GET", "/queries/operations-active-on?date=yesterday")
        assert bad.status == 400 and json.loads(bad.body)["parameter"] == "date"
    finally:
        server.stop()


@pytest.mark.parametrize("accept, expected", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("*/*", "application/json"), ("", "application/json"), ("text/html;q=0.5, application/json", "application/json"),
    ("application/json;q=0.1, text/html", "text/html"), ("image/png", "application/json"),
])
def test_the_catalogue_is_a_page_for_browsers_and_json_for_everyone_else(client, accept, expected):
    response = client.get("/queries", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == expected
