"""The web pages in a real headless Chromium against a real `natograph serve`: the query page, a resource page, escaping.

Needs Debian's chromium (/usr/bin/chromium) and Playwright for Python (no browser download: Playwright
drives the system's Chromium). Without them the tests skip, except in CI (the CI variable is set),
where a missing browser fails the run.
"""


import pytest

from ..serving import ServerProcess
from .browser import PNG_SIGNATURE, require_browser
from ..web_fixture import EXERCISES, built_many_operations_project
from ..web_fixture import INJECTED_LABEL

pytestmark = pytest.mark.slow

PLACES = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?place ?label WHERE { ?place a nato:Place ; rdfs:label ?label } ORDER BY ?label"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    config = built_many_operations_project(tmp_path_factory.mktemp("browser"))
    process = ServerProcess(config.root, tmp_path_factory.mktemp("logs") / "serve.log", max_concurrent_queries=1,
                            queries_per_minute=0)
    yield process
    process.stop()


def set_query(page, text: str) -> None:
    """Put `text` in the current tab of the editor (YASGUI's YASQE, a CodeMirror editor)."""
    page.wait_for_selector("#yasgui .CodeMirror")
    page.evaluate("text => window.natographEditor.getTab().getYasqe().setValue(text)", text)


def result_cells(page, column: int) -> list[str]:
    """The texts of one column of the editor's result table (column 1 is YASR's row number)."""
    cells = page.locator(f".yasr table tbody tr td:nth-child({column + 1})")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_the_query_page_runs_a_query_and_shows_rows(visit, tmp_path):
    page = visit.open("/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    assert "PREFIX nato: <https://w3id.org/natograph/ontology#>" in \
        page.evaluate("window.natographEditor.getTab().getYasqe().getValue()")
    assert page.locator("#yasgui .cm-keyword").count() > 0  # highlighted
    set_query(page, PLACES)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr")
    assert [text.split('"')[1] for text in result_cells(page, 2)] == ["City", "Country", "Province"]
    assert page.locator(".yasr table tbody tr").first.locator("a.iri").get_attribute("href") == "/id/city"
    assert "3 results" in page.locator(".yasr").inner_text()
    assert visit.screenshot(tmp_path / "query.png").startswith(PNG_SIGNATURE)


def test_the_editor_autocompletes_a_nato_term_from_the_ontology(visit):
    page = visit.open("/query")
    set_query(page, "PREFIX nato: <https://w3id.org/natograph/ontology#>\nSELECT * WHERE { ?x a  }")
    page.evaluate("() => { const y = window.natographEditor.getTab().getYasqe(); y.focus();"
                  " y.setCursor({line: 1, ch: 22}); }")
    page.keyboard.type("nato:Pla")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert "nato:Place" in page.locator(".CodeMirror-hints").inner_text()
    page.keyboard.press("Enter")
    assert "?x a nato:Place" in page.evaluate("window.natographEditor.getTab().getYasqe().getValue()")


def test_a_malformed_query_shows_where_it_fails(visit):
    page = visit.open("/query")
    set_query(page, "SELECT ?x WHERE { ?x ?y }")
    page.wait_for_selector(".parseErrorIcon")  # the editor marks the line before the query runs
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .errorResult")
    assert "line 1" in page.locator(".yasr .errorResult").inner_text()


def test_a_canned_query_opens_in_the_editor_and_runs(visit):
    page = visit.open("/queries")
    page.click('a[href="/queries/places"]')
    page.wait_for_selector("#answer-table tbody tr")
    page.click("#open-in-editor")
    page.wait_for_url("**/query?query=*")
    page.wait_for_selector(".yasr table tbody tr")  # a shared editor link runs as it opens
    assert "SELECT ?place ?label" in page.evaluate("window.natographEditor.getTab().getYasqe().getValue()")
    assert page.locator(".yasr table tbody tr").count() == 3


def test_the_editor_opens_a_canned_query_as_an_example_in_a_new_tab(visit):
    page = visit.open("/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.select_option("#examples", "places")
    page.wait_for_selector(".yasr table tbody tr")
    assert page.locator(".yasr table tbody tr").count() == 3
    assert page.evaluate("Object.keys(window.natographEditor._tabs).length") == 2


def test_a_resource_page_shows_its_inferred_facts(visit, tmp_path):
    page = visit.open("/id/city")
    assert page.url.endswith("/id/city.html")
    assert page.locator("h1").inner_text() == "City"
    row = page.locator("table.facts tr", has=page.locator('a[href="/ontology/locatedIn"]'))
    inferred = row.locator(".value.inferred")
    assert inferred.count() == 1
    assert inferred.locator("a").first.inner_text() == "Country"
    assert row.locator(".value:not(.inferred) a").first.inner_text() == "Province"
    assert visit.screenshot(tmp_path / "resource.png").startswith(PNG_SIGNATURE)
    inferred.locator("a.why").click()
    page.wait_for_load_state()
    assert "prp-trp" in page.locator("main").inner_text()


def test_the_landing_page_links_a_named_graph_to_its_description(visit):
    page = visit.open("/")
    page.click('table.graphs a[href="/graph/data/places.ttl"]')
    page.wait_for_load_state()
    assert page.url.endswith("/graph/data/places.ttl.html")
    assert page.locator("h1").inner_text() == "natograph, triples of data/places.ttl"


def test_an_injected_label_with_markup_stays_text(visit):
    page = visit.open("/id/injected")
    assert page.locator("h1").inner_text() == INJECTED_LABEL
    assert page.locator("main b").count() == 0
    page = visit.open("/")
    assert page.locator("svg.timeline b, svg.timeline script, main b").count() == 0
    page = visit.open("/query")
    set_query(page, "SELECT ?label WHERE { <https://w3id.org/natograph/id/injected> "
                    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr")
    assert INJECTED_LABEL in result_cells(page, 1)[0]
    assert page.locator(".yasr table b, .yasr table script").count() == 0
    # The page's own: two JSON blocks, the vendored YASGUI and query.js.
    assert page.evaluate("document.scripts.length") == 4


def test_the_timeline_links_on_to_its_later_operations(visit):
    page = visit.open("/")
    assert page.locator('svg.timeline a[href="/id/exercise-000"]').count() == 1
    assert page.locator(f'svg.timeline a[href="/id/exercise-{EXERCISES - 1:03d}"]').count() == 0
    page.click("svg.timeline a.later")
    page.wait_for_url("**/timeline?page=2")
    assert page.locator(f'svg.timeline a[href="/id/exercise-{EXERCISES - 1:03d}"]').count() == 1
    assert page.locator('svg.timeline a[href="/id/op-a"]').count() == 0
    page.click('a[rel="prev"]')
    page.wait_for_url("**/timeline")
    assert page.locator('svg.timeline a[href="/id/op-a"]').count() == 1
    assert page.locator("svg.timeline script, svg.timeline b").count() == 0
    page.fill('input[name="from"]', "2015")
    page.click("text=Show these years")
    page.wait_for_url("**/timeline?from=2015&to=")
    assert page.locator('svg.timeline a[href="/id/op-a"]').count() == 0
    assert page.locator('svg.timeline a[href="/id/injected"]').count() == 1


def test_a_query_stopped_at_the_time_limit_names_its_slow_shape_in_the_editor(visit):
    from natograph.sparql.shapes import SLOW_SHAPES

    page = visit.open("/query")
    set_query(page, "SELECT (COUNT(*) AS ?n) WHERE { ?a <http://example.org/p>* ?b . "
                    "?c ?d ?e . ?f ?g ?h . ?i ?j ?k . ?l ?m ?o . ?q ?r ?s }")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .errorResult", timeout=60_000)
    shown = page.locator(".yasr .errorResult").inner_text()
    assert "time limit" in shown and SLOW_SHAPES[1].suggestion in " ".join(shown.split())
