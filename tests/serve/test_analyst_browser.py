"""An analyst's visit in a real headless Chromium against a real `natograph serve` of the project's own data.

The canned queries as pages, their downloads, search, a crawl of every link two clicks from the landing page,
and the landing page on a phone's width. Screenshots of each page go to tests/artefacts/ (not committed),
to be looked at.
"""

from pathlib import Path
from urllib.parse import urldefrag, urlencode, urlparse

import pytest

from ..serving import ServerProcess
from .browser import PNG_SIGNATURE, require_browser

pytestmark = pytest.mark.slow

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(project_config, project_snapshot, tmp_path_factory):
    require_browser()
    process = ServerProcess(project_config.root, tmp_path_factory.mktemp("logs") / "serve.log",
                            snapshot_dir=project_config.snapshot_dir, max_concurrent_queries=1, queries_per_minute=0)
    yield process
    process.stop()


def screenshot(visit, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    assert visit.screenshot(ARTEFACTS / f"{name}.png").startswith(PNG_SIGNATURE)


def column(page, name: str) -> list[str]:
    """The text of each row's cell under the heading `name` of the answer table."""
    index = page.locator("#answer-table thead th").all_inner_texts().index(name) + 1
    cells = page.locator(f"#answer-table tbody tr td:nth-child({index})")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_a_canned_querys_page_shows_its_table_for_the_default_and_a_chosen_parameter(visit):
    page = visit.open("/queries")
    screenshot(visit, "queries")
    page.fill("#query-filter", "member")
    assert page.locator('tr#members-of').is_visible() and not page.locator('tr#operations-timeline').is_visible()
    page.click('a[href="/queries/members-of"]')
    page.wait_for_selector("#answer-table tbody tr")
    assert page.locator("h1").inner_text() == "Members of an organisation or coalition, with accession dates"
    default = column(page, "label")
    assert default.count("France") == 1  # its accession date's one source, not every document naming France
    assert column(page, "source")[default.index("France")] == "NATO website: NATO member countries"
    assert page.locator("#answer-table tbody a[href='/id/france']").count() >= 1
    screenshot(visit, "canned-members-of")
    page.fill("#p-organisation", "global-coalition-against-daesh")
    page.click("#run-canned")
    page.wait_for_url("**/queries/members-of?organisation=global-coalition-against-daesh")
    page.wait_for_selector("#answer-table tbody tr")
    chosen = column(page, "label")
    assert chosen and chosen != default
    france = chosen.index("France")  # known as a member as of the commentary's date, stated on its line 5
    assert column(page, "asOf")[france].startswith("2017-05-25") and column(page, "line")[france] == "5"
    assert page.locator("#empty-columns").inner_text().startswith("No row has a value for until, untilSource")
    assert page.locator("#share").input_value() == \
        visit.server.url + "/queries/members-of?organisation=global-coalition-against-daesh"
    screenshot(visit, "canned-members-of-coalition")


def test_a_canned_querys_csv_link_downloads_a_file_named_after_the_query(visit, tmp_path):
    context = visit.context
    page = visit.open("/queries/operations-active-on?date=2010-06-01")
    page.wait_for_selector("#answer-table tbody tr")
    rows = page.locator("#answer-table tbody tr").count()
    with page.expect_download() as download_info:
        page.click("#downloads a:text-is('CSV')")
    download = download_info.value
    assert download.suggested_filename == "operations-active-on.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[0] == "operation" and len(lines) == rows + 1
    assert context is visit.context


def test_the_editor_runs_a_canned_query_with_its_parameters_bound_and_gets_its_rows(visit):
    page = visit.open("/queries/operations-active-on?date=2010-06-01")
    page.wait_for_selector("#answer-table tbody tr")
    canned = sorted(column(page, "label"))
    page.click("#open-in-editor")
    page.wait_for_url("**/query?query=*")
    page.wait_for_selector(".yasr table tbody tr")
    headers = page.locator(".yasr table thead th")
    header = [headers.nth(i).inner_text().strip() for i in range(headers.count())]
    labels = page.locator(f".yasr table tbody tr td:nth-child({header.index('label') + 1})")
    assert sorted(labels.nth(i).inner_text().split('"')[1] for i in range(labels.count())) == canned
    screenshot(visit, "editor-operations-active-on")


def test_the_editor_loads_everything_from_this_server(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(server.url + "/query")
        page.wait_for_selector("#yasgui .CodeMirror")
        page.click(".yasqe_queryButton")
        page.wait_for_selector(".yasr table tbody tr")
        page.wait_for_load_state("networkidle")
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "editor.png"), full_page=True)
    finally:
        context.close()
    assert server.url + "/static/vendor/yasgui/yasgui.min.js" in requested
    assert server.url + "/sparql" in requested
    assert [url for url in requested if urlparse(url).hostname != "127.0.0.1"] == []


@pytest.mark.parametrize("text", ["KFOR", "kosovo for"])
def test_search_finds_kfor_by_acronym_and_by_part_of_its_name(visit, text):
    page = visit.open("/ontology")
    page.fill("header.site input[name=q]", text)
    page.press("header.site input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator("ol.search-results li").first.locator("a").first.inner_text() == "Kosovo Force"
    assert "NATO-led operation" in page.locator("ol.search-results li").first.inner_text()
    screenshot(visit, "search-" + text.replace(" ", "-").lower())
    page.click("ol.search-results li >> nth=0 >> a >> nth=0")
    page.wait_for_url("**/id/kfor.html")


def links_on(page, origin: str) -> set[str]:
    """The addresses on this server that the page's links (HTML and SVG) lead to, without fragments."""
    found = page.evaluate("""() => Array.from(document.querySelectorAll('a')).map(a =>
        new URL(a.getAttribute('href') || a.getAttribute('xlink:href') || '', document.baseURI).href)""")
    return {urldefrag(url)[0] for url in found if url.startswith(origin)}


def test_every_link_two_clicks_from_the_landing_page_answers_200(visit):
    origin = visit.server.url
    page = visit.open("/")
    screenshot(visit, "landing")
    first = links_on(page, origin)
    assert len(first) > 30
    second: set[str] = set()
    failures = []
    for url in sorted(first):
        response = page.goto(url)
        if response.status != 200:
            failures.append((url, response.status, "/"))
            continue
        if response.headers.get("content-type", "").startswith("text/html"):
            second |= links_on(page, origin)
    answers = page.context.request
    for url in sorted(second - first):
        response = answers.get(url, headers={"Accept": BROWSER_ACCEPT}, max_redirects=5)
        if response.status != 200:
            failures.append((url, response.status, "two clicks"))
    assert failures == [], failures
    assert len(first | second) > 300  # resources, classes, canned queries, terms: the crawl went wide
    external = [u for u in visit.outside]
    assert external == []


def test_the_landing_page_and_the_others_fit_a_phone_without_horizontal_scrolling(browser, server):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        for path, name in [("/", "phone-landing"), ("/queries", "phone-queries"),
                           ("/queries/members-of", "phone-canned"), ("/search?q=kosovo", "phone-search"),
                           ("/query", "phone-editor"), ("/ontology", "phone-ontology"), ("/id/kfor", "phone-kfor"),
                           ("/timeline", "phone-timeline"), ("/frameworks", "phone-frameworks"),
                           ("/dump/", "phone-dumps"), ("/void", "phone-void"), ("/check", "phone-check"),
                           ("/class/Operation", "phone-class"), ("/explain", "phone-explain"),
                           ("/sparql?" + urlencode({"query": ENDPOINT_SELECT}), "phone-endpoint")]:
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
            assert width <= PHONE["width"], f"{path} is {width} px wide at {PHONE['width']} px"
    finally:
        context.close()


def test_the_editor_completes_a_resource_by_part_of_its_name(visit):
    page = visit.open("/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.evaluate("text => window.natographEditor.getTab().getYasqe().setValue(text)",
                  "PREFIX natoid: <https://w3id.org/natograph/id/>\nSELECT * WHERE {  ?p ?o }")
    page.evaluate("() => { const y = window.natographEditor.getTab().getYasqe(); y.focus();"
                  " y.setCursor({line: 1, ch: 17}); }")
    page.keyboard.type("natoid:kosovo-for")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert page.locator(".CodeMirror-hints li").first.inner_text() == "natoid:kfor — Kosovo Force"
    page.keyboard.press("Enter")
    assert "{ natoid:kfor ?p ?o }" in page.evaluate("window.natographEditor.getTab().getYasqe().getValue()")


def test_an_example_in_the_editor_runs_with_its_parameters_bound_and_gets_the_canned_rows(visit):
    page = visit.open("/queries/operations-active-on")  # its default date, 2010-06-01
    page.wait_for_selector("#answer-table tbody tr")
    canned = sorted(column(page, "label"))
    page = visit.open("/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.select_option("#examples", "operations-active-on")
    page.wait_for_selector(".yasr table tbody tr")
    headers = page.locator(".yasr table thead th")
    header = [headers.nth(i).inner_text().strip() for i in range(headers.count())]
    labels = page.locator(f".yasr table tbody tr td:nth-child({header.index('label') + 1})")
    assert sorted(labels.nth(i).inner_text().split('"')[1] for i in range(labels.count())) == canned
    assert len(canned) >= 3


def test_the_editor_names_a_slow_shape_and_its_fast_form_as_it_is_typed_before_it_runs(visit):
    page = visit.open("/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.evaluate("text => window.natographEditor.getTab().getYasqe().setValue(text)",
                  "PREFIX nato: <https://w3id.org/natograph/ontology#>\nSELECT * WHERE { ?p nato:locatedIn+ ?r }")
    page.wait_for_selector("#shape-hints:not([hidden])")
    hint = page.locator("#shape-hints").inner_text()
    assert "both unbound variables" in hint and "bind one end first" in hint
    assert page.locator(".yasr table tbody tr").count() == 0, "the hint came before any run"
    screenshot(visit, "editor-slow-shape-hint")
    # Bound at one end, the shape is fast: the warning goes away as the text changes.
    page.evaluate("text => window.natographEditor.getTab().getYasqe().setValue(text)",
                  "PREFIX nato: <https://w3id.org/natograph/ontology#>\n"
                  "PREFIX natoid: <https://w3id.org/natograph/id/>\nSELECT * WHERE { natoid:kabul nato:locatedIn+ ?r }")
    page.wait_for_selector("#shape-hints[hidden]", state="attached")
    assert visit.errors == [] and visit.outside == []


def test_a_values_source_leads_to_the_line_of_the_document_that_states_it(visit):
    page = visit.open("/id/isaf")
    badge = page.locator('a.stated-by[href="/queries/document-statements?document=source-001#line-77"]').first
    assert badge.inner_text() == "001:77"
    screenshot(visit, "resource-isaf-sources")
    badge.click()
    page.wait_for_url("**/queries/document-statements?document=source-001#line-77")
    page.wait_for_selector("#answer-table tbody tr")
    row = page.locator("tr#line-77")
    assert row.count() == 1 and "ISAF" in row.inner_text() or "International Security" in row.inner_text()
    assert page.evaluate("() => document.querySelector('tr#line-77').getBoundingClientRect().top") < 900
    screenshot(visit, "document-statements-001-line-77")
    # An inferred value's why? ends in the statements it rests on, each with its documents and lines.
    page = visit.open("/id/isaf")
    page.locator("a.why").first.click()
    page.wait_for_selector(".explanation .summary")
    assert "stated by source-" in page.locator(".explanation .summary").inner_text()
    screenshot(visit, "explain-with-sources")
    assert visit.errors == [] and visit.outside == []


ENDPOINT_SELECT = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?operation ?label ?start WHERE {
  ?operation a nato:Operation ; rdfs:label ?label .
  OPTIONAL { ?operation nato:startDate ?start }
}
ORDER BY ?start ?label
LIMIT 8"""
ENDPOINT_MALFORMED = """PREFIX nato: <https://w3id.org/natograph/ontology#>
SELECT ?operation WHERE {
  ?operation a nato:Operation
  FILTER(?operation = )
}"""


def test_a_browser_opening_the_endpoint_reads_the_answer_as_a_table_and_opens_it_in_the_editor(visit):
    # Chromium's own Accept (text/html first, application/xml;q=0.9) asks for the page.
    response = visit.page.goto(visit.server.url + "/sparql?" + urlencode({"query": ENDPOINT_SELECT}))
    assert response.status == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    page = visit.page
    page.wait_for_selector("#answer-table tbody tr")
    assert len(column(page, "label")) == 8 and all(column(page, "label"))
    assert page.locator("#answer-summary").inner_text() == "8 rows."
    assert page.locator("#query-text").inner_text().rstrip("\n") == ENDPOINT_SELECT
    assert page.locator("#formats a").all_inner_texts() == ["SPARQL JSON", "SPARQL XML", "CSV", "TSV"]
    screenshot(visit, "endpoint-select")
    page.click("#open-in-editor")
    page.wait_for_url("**/query?query=**")  # `**`: the query's IRIs keep their slashes in the link
    page.wait_for_selector(".yasr table tbody tr")
    assert page.evaluate("window.natographEditor.getTab().getYasqe().getValue()") == ENDPOINT_SELECT
    assert page.locator(".yasr table tbody tr").count() == 8


def test_a_browser_opening_a_malformed_query_reads_where_it_fails(visit):
    response = visit.page.goto(visit.server.url + "/sparql?" + urlencode({"query": ENDPOINT_MALFORMED}))
    assert response.status == 400 and response.headers["content-type"] == "text/html; charset=utf-8"
    page = visit.page
    assert page.locator("h1").inner_text() == "400 Bad Request"
    # Oxigraph names the furthest point its parser reached (here the closing brace after the empty comparison).
    assert page.locator("#error-position").inner_text() == "line 5, column 2 (marked below)"
    assert page.locator(".error-line").inner_text() == "}"
    assert "line 5, column 2" in page.locator(".error-message").inner_text()
    screenshot(visit, "endpoint-error")
