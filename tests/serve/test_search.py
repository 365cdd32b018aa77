"""Finding things: /search by label, acronym or part of a name, ranked, with classes; /class/<Name> lists a class."""

import pytest

from natograph.query.executor import InlineExecutor
from natograph.serve import create_app
from natograph.store import EmbeddedStore

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(project_config, project_snapshot):
    store = EmbeddedStore(project_snapshot)
    return create_app(project_config.replace(queries_per_minute=0), store=store,
                      executor=InlineExecutor(store)).test_client()


def results(client, text):
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()["results"]


def test_an_acronym_finds_its_resource_first_with_its_class(client):
    first = results(client, "kfor")[0]
    assert first["iri"].endswith("/id/kfor") and first["label"] == "Kosovo Force"
    assert first["matched"] == "KFOR" and first["match"] == "name"
    assert "NATO-led operation" in first["classes"]


def test_part_of_a_name_finds_it_and_whole_words_rank_before_parts(client):
    found = [r["iri"].rsplit("/", 1)[1] for r in results(client, "Sea Guard")]
    assert "operation-sea-guardian" in found
    assert "kfor" in [r["iri"].rsplit("/", 1)[1] for r in results(client, "kosovo")]
    ranks = [r["match"] for r in results(client, "kosovo")]
    order = ["name", "start of a name", "start of a word", "part of a word"]
    assert ranks == sorted(ranks, key=order.index)


def test_nothing_found_is_an_empty_list_and_a_missing_text_a_400(client):
    assert results(client, "no such thing anywhere") == []
    response = client.get("/search")
    assert response.status_code == 400 and response.get_json()["parameter"] == "q"
    assert client.get("/search", query_string={"q": "x" * 201}).status_code == 400


def test_the_search_page_for_a_browser_links_the_resources_and_their_classes(client):
    page = client.get("/search?q=KFOR", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert '<a href="/id/kfor">Kosovo Force</a>' in page
    assert '<a class="tag" href="/class/NatoLedOperation">' in page
    assert 'value="KFOR"' in page  # the search box keeps the text
    empty = client.get("/search", headers={"Accept": BROWSER})
    assert empty.status_code == 200 and 'href="/search?q=KFOR"' in empty.get_data(as_text=True)


def test_a_class_page_lists_its_resources_stated_and_inferred(client):
    page = client.get("/class/Operation", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert '<a href="/id/kfor">Kosovo Force</a>' in page  # a PeaceSupportOperation, an Operation by inference
    data = client.get("/class/Operation").get_json()
    assert data["class"] == "https://w3id.org/natograph/ontology#Operation"
    assert any(r["iri"].endswith("/id/kfor") for r in data["resources"])
    assert client.get("/class/NoSuchClass").status_code == 404
    assert client.get("/class/No Such", headers={"Accept": BROWSER}).status_code == 404


def test_the_ontology_page_links_each_class_to_its_resources_and_spells_properties(client):
    page = client.get("/ontology", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert 'href="/class/Operation"' in page
    assert "propertys" not in page and "Object properties" in page
