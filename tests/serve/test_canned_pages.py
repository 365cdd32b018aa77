"""A canned query's own page for a browser (form, answer table, downloads, editor link), and what other clients keep."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from natograph.serve.markup import render_markdown
from natograph.store import EmbeddedStore

from ..serving import in_process_client

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(project_config, project_snapshot):
    config = project_config.replace(queries_per_minute=0)
    store = EmbeddedStore(project_snapshot)
    return in_process_client(config, store)


def cells(page: str, column: str) -> list[str]:
    """The text of each row's cell under the heading `column` of the answer table."""
    head = page.split('<thead>', 1)[1].split("</thead>", 1)[0]
    position = re.findall(r"<th[^>]*>(.*?)</th>", head, re.S).index(column)
    body = page.split('<tbody>', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)  # a row with a line has its anchor, <tr id="line-5">
    return [re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[position]).strip() for row in rows]


def test_a_browser_gets_the_query_page_with_its_answer_as_a_table(client):
    response = client.get("/queries/members-of", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.content_type == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert "<h1>Members of an organisation or coalition, with accession dates</h1>" in page
    labels = cells(page, "label")
    # One row per member: France's accession date is stated by NATO's list of members only (the news commentary
    # that says France is a member gives no date, so it is not a source of the row).
    assert labels.count("France") == 1 and len(labels) == len(set(labels)) >= 6
    france = labels.index("France")
    assert cells(page, "source")[france] == "NATO website: NATO member countries"
    # A public reference has no lines, and every accession date comes from one: no `line` column is shown.
    assert "<code>line</code>" in page.split('id="empty-columns">', 1)[1].split("</p>", 1)[0]
    assert '<a href="/id/france"' in page  # IRIs are links to their pages, shown by label
    assert 'download="members-of.csv"' in page


def test_a_chosen_parameter_changes_the_answer(client):
    default = cells(client.get("/queries/members-of", headers={"Accept": BROWSER}).get_data(as_text=True), "label")
    chosen = client.get("/queries/members-of?organisation=global-coalition-against-daesh", headers={"Accept": BROWSER})
    page = chosen.get_data(as_text=True)
    assert chosen.status_code == 200
    assert cells(page, "label") != default
    # A coalition membership known only as of a date shows that date, and the line of the document stating it.
    france = cells(page, "label").index("France")
    assert (cells(page, "joined")[france], cells(page, "asOf")[france].split()[0], cells(page, "line")[france]) == \
        ("", "2017-05-25", "5")
    assert cells(page, "label").count("North Atlantic Treaty Organization") == 3  # joining stated on 3 lines
    # The line is a link to where that line of the document is listed, and that page has the line's anchor.
    link = '<a class="literal" href="/queries/document-statements?document=source-004#line-5"'
    assert link in page
    listed = client.get("/queries/document-statements?document=source-004", headers={"Accept": BROWSER})
    assert 'id="line-5"' in listed.get_data(as_text=True)
    # No coalition member has left: the three columns of leaving are named under the table, not shown empty.
    assert "until" not in re.findall(r"<th[^>]*>(.*?)</th>", page)
    assert re.sub(r"<[^>]+>", "", page.split('id="empty-columns">', 1)[1].split("</p>", 1)[0]).split() == \
        "No row has a value for until, untilSource, untilLine (the downloads keep these columns).".split()
    assert "untilSource" in client.get("/queries/members-of?organisation=global-coalition-against-daesh&format=csv",
                                       headers={"Accept": BROWSER}).get_data(as_text=True).splitlines()[0]
    assert 'value="global-coalition-against-daesh"' in page
    assert "organisation=global-coalition-against-daesh&amp;format=csv" in page


def test_a_bad_parameter_is_shown_above_the_form_with_candidates(client):
    response = client.get("/queries/operational-partners?operation=operation", headers={"Accept": BROWSER})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="answer-error"' in page and "names no known nato:Operation" in page
    assert 'id="answer-table"' not in page and 'id="downloads"' not in page
    assert page.count('<li><a href="?operation=') >= 2


def test_the_dates_show_their_precision(client):
    page = client.get("/queries/operations-timeline", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "(to the year)" in page or "(to the month)" in page


def test_other_clients_keep_their_negotiation(client):
    for accept, media in [(None, "application/sparql-results+json"), ("*/*", "application/sparql-results+json"),
                          ("text/csv", "text/csv"), ("application/xml", "application/sparql-results+xml"),
                          ("text/html;q=0.5, text/csv", "text/csv")]:
        response = client.get("/queries/members-of", headers={"Accept": accept} if accept else {})
        assert response.content_type.startswith(media), accept
    response = client.get("/queries/members-of?format=csv", headers={"Accept": BROWSER})
    assert response.content_type.startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'inline; filename=members-of.csv'
    json_download = client.get("/queries/members-of?format=json")
    assert json_download.headers["Content-Disposition"] == "inline; filename=members-of.json"


def test_open_in_editor_binds_the_parameters_and_answers_the_same_rows(client):
    page = client.get("/queries/operations-active-on?date=2010-06-01", headers={"Accept": BROWSER}).get_data(as_text=True)
    editor = re.search(r'<a href="([^"]+)" id="open-in-editor">', page).group(1).replace("&amp;", "&")
    text = parse_qs(urlparse(editor).query)["query"][0]
    assert 'VALUES (?date ?date_earliest ?date_latest) { ("2010-06-01"^^' in text
    from_editor = client.post("/sparql", data={"query": text}, headers={"Accept": "text/csv"}).get_data(as_text=True)
    canned = client.get("/queries/operations-active-on?date=2010-06-01", headers={"Accept": "text/csv"})
    assert sorted(from_editor.splitlines()) == sorted(canned.get_data(as_text=True).splitlines())
    assert len(from_editor.splitlines()) > 3


def test_the_query_text_is_plain_text_to_a_browser_and_sparql_to_others(client):
    assert client.get("/queries/members-of.rq", headers={"Accept": BROWSER}).content_type == "text/plain; charset=utf-8"
    assert client.get("/queries/members-of.rq").content_type == "application/sparql-query; charset=utf-8"


def test_descriptions_render_a_safe_subset_of_markdown():
    html = str(render_markdown("Use `nato:Operation` and **this** [page](/queries).\n\n<script>x</script> [bad](javascript:alert(1))"))
    assert html == ('<p>Use <code>nato:Operation</code> and <strong>this</strong> <a href="/queries">page</a>.</p>'
                    '<p>&lt;script&gt;x&lt;/script&gt; [bad](javascript:alert(1))</p>')


def test_a_required_parameter_not_yet_given_is_asked_for_not_an_error(client):
    response = client.get("/queries/resource-facts", headers={"Accept": BROWSER})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="answer-missing"' in page and "Fill in resource" in page and 'id="answer-table"' not in page
    assert client.get("/queries/resource-facts").status_code == 400  # programs still learn it is required


GRAPH_QUERY = """#+ summary: Where places lie
#+ description: Each place and what it is *located in*.
PREFIX nato: <https://w3id.org/natograph/ontology#>
CONSTRUCT { ?place nato:locatedIn ?where } WHERE { ?place nato:locatedIn ?where }
"""
ASK_QUERY = """#+ summary: Is there a place?
PREFIX nato: <https://w3id.org/natograph/ontology#>
ASK { ?x a nato:Place }
"""


def test_a_graph_answers_as_a_table_of_triples_and_a_yes_no_answer_as_a_sentence(tmp_path):
    from ..serving import built_mini_project
    from natograph.snapshot import open_snapshot

    config = built_mini_project(tmp_path)
    (config.root / "queries").mkdir()
    (config.root / "queries" / "located.rq").write_text(GRAPH_QUERY, encoding="utf-8")
    (config.root / "queries" / "any-city.rq").write_text(ASK_QUERY, encoding="utf-8")
    store = EmbeddedStore(open_snapshot(config))
    client = in_process_client(config.replace(queries_per_minute=0), store)
    page = client.get("/queries/located", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "<th scope=\"col\">subject</th><th scope=\"col\">predicate</th><th scope=\"col\">object</th>" in page
    assert '<a href="/id/city"' in page and '<a href="/ontology/locatedIn"' in page
    assert "<em>located in</em>" in page
    assert 'download="located.ttl"' in page
    assert client.get("/queries/located?format=ttl").headers["Content-Disposition"] == "inline; filename=located.ttl"
    ask = client.get("/queries/any-city", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert '<p class="boolean">Yes (true)</p>' in ask and 'download="any-city.json"' in ask
