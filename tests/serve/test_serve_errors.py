"""Errors as a browser sees them: a small HTML page when Accept prefers HTML, the JSON shape for everyone else."""

import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from natograph.store import EmbeddedStore

from ..serving import ServerProcess, in_process_client

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class PageText(HTMLParser):
    """The visible text of a page and the addresses it links to; fails on a <script> element."""

    def __init__(self, html: str):
        super().__init__()
        self.text, self.links = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        assert tag != "script", "a script element reached the page"
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def client_with(project_config, project_snapshot, **settings):
    config = project_config.replace(**settings)
    store = EmbeddedStore(project_snapshot)
    return in_process_client(config, store)


@pytest.fixture(scope="module")
def client(project_config, project_snapshot):
    return client_with(project_config, project_snapshot, queries_per_minute=0)


def page_of(response) -> PageText:
    assert response.mimetype == "text/html"
    return PageText(response.get_data(as_text=True))


def test_a_browser_following_a_bad_timeline_link_gets_a_page_naming_the_parameter(client):
    response = client.get("/timeline?page=99", headers={"Accept": BROWSER})
    assert response.status_code == 400 and "Accept" in response.vary
    page = page_of(response)
    assert "400 Bad Request" in page.words
    assert "parameter 'page': page 99 is past the last page" in page.words
    assert "Parameter page" in page.words and "Accepts a page from 1 to 1" in page.words
    assert "/" in page.links


def test_a_malformed_year_is_a_400_page_too(client):
    page = page_of(client.get("/timeline?from=abc", headers={"Accept": BROWSER}))
    assert "'abc' is not a whole number" in page.words and "Accepts a year, 1 to 9999" in page.words


def test_user_input_echoed_by_a_message_stays_text(client):
    hostile = "<script>alert(1)</script>"
    response = client.get("/timeline?from=" + quote(hostile), headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)
    assert hostile in page_of(response).words


@pytest.mark.parametrize("accept", [None, "*/*", "application/sparql-results+json", "application/json",
                                    "application/json, text/html", "text/html;q=0, */*", "text/turtle"])
def test_every_other_client_gets_the_json_error_as_before(client, accept):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/timeline?page=99", headers=headers)
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.get_json() == {"error": "invalid-parameter", "message":
                                   "parameter 'page': page 99 is past the last page, 1 (accepts a page from 1 to 1)",
                                   "parameter": "page", "accepts": "a page from 1 to 1"}


def test_a_canned_query_form_with_a_bad_value_answers_a_page(client):
    response = client.get("/queries/operations-active-on?date=2010-13", headers={"Accept": BROWSER})
    assert response.status_code == 400
    page = page_of(response)
    # The query's own page, the message above its form, the form filled as it was sent.
    assert "parameter 'date'" in page.words and "Accepts: a year (2014)" in page.words
    assert 'value="2010-13"' in response.get_data(as_text=True)


def test_an_ambiguous_name_lists_the_candidates_on_the_page(client):
    page = page_of(client.get("/queries/resource-facts?resource=Source", headers={"Accept": BROWSER}))
    assert "Did you mean" in page.words
    assert "nato:Source" in page.words and "nato:source" in page.words


def test_an_unknown_address_is_a_404_page_for_a_browser_and_json_otherwise(client):
    page = page_of(client.get("/no/such/address", headers={"Accept": BROWSER}))
    assert "404 Not Found" in page.words
    assert client.get("/queries/no-such-query", headers={"Accept": BROWSER}).status_code == 404
    assert client.get("/no/such/address").get_json()["error"] == "not-found"


def test_a_wrong_method_page_keeps_the_allow_header(client):
    response = client.delete("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 405 and response.headers["Allow"]
    page = page_of(response)
    assert "405 Method Not Allowed" in page.words and "method DELETE is not allowed on /sparql" in page.words


def test_a_spent_budget_page_keeps_retry_after(project_config, project_snapshot):
    limited = client_with(project_config, project_snapshot, queries_per_minute=1)
    address = "/sparql?query=" + quote("ASK {}")
    assert limited.get(address, headers={"Accept": BROWSER}).status_code == 200
    response = limited.get(address, headers={"Accept": BROWSER})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "429 Too Many Requests" in page_of(response).words


@pytest.mark.slow
def test_a_real_server_answers_a_browser_with_a_page_and_a_client_with_json(project_config, tmp_path):
    server = ServerProcess(project_config.root, tmp_path / "server.log", snapshot_dir=project_config.snapshot_dir)
    try:
        browser = server.request("GET", "/timeline?from=abc", headers={"Accept": BROWSER})
        assert browser.status == 400 and browser.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "'abc' is not a whole number" in PageText(browser.body.decode("utf-8")).words
        client = server.request("GET", "/timeline?from=abc", headers={"Accept": "*/*"})
        assert client.status == 400 and json.loads(client.body)["parameter"] == "from"
    finally:
        server.stop()


@pytest.mark.parametrize(("path", "offers_a_page"), [
    ("/sparql?query=ASK%7B%7D&format=nope", True),
    ("/sparql?format=nope", True),
    ("/queries/members-of?format=nope", True),
    ("/.well-known/sparql-examples?format=nope", False),
])
def test_an_unknown_format_is_a_400_listing_every_name_the_route_answers(client, path, offers_a_page):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = response.get_json()
    assert error["parameter"] == "format" and error["message"].startswith("parameter 'format': unknown format 'nope'")
    accepted = error["accepts"].split(", ")
    assert {"json", "ttl", "csv"} <= set(accepted)
    assert ("html" in accepted) == offers_a_page
