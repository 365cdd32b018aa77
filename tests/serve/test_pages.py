"""The pages for people, as HTML: the query page, the partnership frameworks, the timeline image."""

import json
import re

import pytest

from natograph.vocab import PREFIXES

from ..serving import in_process_client

PARTNERS = """PREFIX nato: <https://w3id.org/natograph/ontology#>
SELECT ?framework ?partner WHERE { ?partner nato:partnerIn ?framework . ?framework a nato:PartnershipFramework }"""


@pytest.fixture(scope="module")
def client(project_config, project_store):
    return in_process_client(project_config, project_store)


def test_the_query_page_prefills_every_prefix_and_offers_the_canned_queries(client):
    page = client.get("/query").data.decode()
    settings = json.loads(page.split('id="query-settings">', 1)[1].split("</script>", 1)[0])
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}: <{namespace}>" in settings["defaultQuery"]
    assert "https://w3id.org/natograph/ontology#Operation" in settings["classes"]
    assert "https://w3id.org/natograph/ontology#ledBy" in settings["properties"]
    examples = {e["name"]: e["text"] for e in json.loads(page.split('id="query-examples">', 1)[1].split("</script>", 1)[0])}
    # The examples come with their parameters bound to their defaults, as the canned query runs.
    assert 'VALUES (?date ?date_earliest ?date_latest) { ("2010-06-01"' in examples["operations-active-on"]


def test_the_query_page_loads_nothing_from_elsewhere(client):
    page = client.get("/query").data.decode()
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page)
    assert client.get("/static/query.js").status_code == 200


def test_a_query_given_in_the_address_is_not_written_into_the_page(client):
    # The editor reads it from the address itself, as text (tests/test_pages_browser.py runs it).
    page = client.get("/query", query_string={"query": "</textarea><script>alert(1)</script>"}).data.decode()
    assert "alert(1)" not in page


def test_the_frameworks_page_lists_every_partner_of_every_framework(client, project_store):
    page = client.get("/frameworks").data.decode()
    expected: dict[str, set[str]] = {}
    for framework, partner in project_store.query(PARTNERS).rows:
        expected.setdefault(framework.value.rsplit("/", 1)[-1], set()).add(partner.value.rsplit("/", 1)[-1])
    assert expected, "the project has partnership frameworks"
    for framework, partners in expected.items():
        section = page.split(f'<section class="framework" id="{framework}">', 1)[1].split("</section>", 1)[0]
        assert {m for m in re.findall(r'href="/id/([^"]+)"', section.split("<tbody>", 1)[1])} >= partners


def test_the_timeline_is_an_svg_image(client):
    response = client.get("/timeline.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    assert b'href="/id/kfor"' in response.data


@pytest.mark.parametrize("path", ["/frameworks", "/timeline", "/timeline.svg?page=1"])
def test_a_page_s_etag_changes_with_the_natograph_version_as_its_template_may(client, path, monkeypatch):
    from natograph.serve import pages

    before = client.get(path).headers["ETag"]
    monkeypatch.setattr(pages, "__version__", "0.0.0-next")
    after = client.get(path, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
