"""Who states which fact, asked over HTTP in plain SPARQL 1.1 of a real `natograph serve` process.

For each of the five documents, statements a reviewer read on the document's line are found with that
document and line; a statement two documents make lists both; a value only a public reference gives says
so; the per-source graphs survive an N-Quads and a TriG dump.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from tests.serving import ServerProcess

pytestmark = pytest.mark.slow


# (subject, predicate, object in Turtle, document, line): read on the line of the document by its reviewer.
SAMPLES = [
    ("nato", "skos:altLabel", '"NATO"@en', "000", 3),
    ("global-coalition-against-daesh", "a", "nato:Coalition", "000", 4),
    ("isil", "skos:altLabel", '"Daesh"@en', "000", 4),
    ("kfor", "nato:ledBy", "natoid:nato", "000", 5),
    ("resolute-support", "nato:startDate", '"2015-01"^^xsd:gYearMonth', "000", 7),
    ("figure-resolute-support-troops-2020", "nato:troops", "11900", "000", 7),
    ("resolute-support-northern-spoke", "nato:leadNation", "natoid:germany", "000", 7),
    ("kfor", "nato:startDate", '"1999"^^xsd:gYear', "000", 9),
    ("figure-kfor-troops-2020", "nato:troops", "3500", "000", 9),
    ("operation-sea-guardian", "nato:succeeds", "natoid:operation-active-endeavour", "000", 11),
    ("nato-mission-iraq", "rdfs:label", '"NATO Mission Iraq"@en', "000", 12),
    ("figure-nato-mission-iraq-troops-2020", "nato:troops", "580", "000", 13),

    ("kfor", "a", "nato:PeaceSupportOperation", "001", 53),
    ("kfor", "rdfs:label", '"Kosovo Force"@en', "001", 53),
    ("kfor", "nato:startDate", '"1999"^^xsd:gYear', "001", 61),
    ("kfor", "nato:hasMandate", "natoid:unscr-1244", "001", 63),
    ("unscr-1244", "nato:resolutionNumber", "1244", "001", 63),
    ("leadership-nato-kfor", "a", "nato:Leadership", "001", 61),
    ("claim-nato-mission-iraq-start-source-001", "nato:claimValue", '"2004"^^xsd:gYear', "001", 55),
    ("nato-training-mission-iraq", "nato:startDate", '"2004"^^xsd:gYear', "001", 71),
    ("nato-peacekeeping-bosnia-and-herzegovina", "nato:ledBy", "natoid:nato", "001", 13),
    ("resolute-support", "nato:succeeds", "natoid:isaf", "001", 89),
    ("saceur", "skos:altLabel", '"SACEUR"@en', "001", 93),
    ("claim-isaf-start-source-001", "nato:claimValue", '"2001"^^xsd:gYear', "001", 77),

    ("isil", "rdfs:label", '"Islamic State of Iraq and the Levant"@en', "002", 3),
    ("turkey", "a", "nato:Country", "002", 7),
    ("summit-2018-brussels", "nato:date", '"2018-07-11"^^xsd:date', "002", 81),
    ("summit-2018-brussels", "nato:date", '"2018-07-11"^^xsd:date', "002", 162),
    ("figure-coe-dat-activities-2020", "nato:count", "217", "002", 56),
    ("figure-coe-dat-participant-countries-2020", "nato:count", "108", "002", 58),
    ("coe-dat", "nato:basedIn", "natoid:ankara", "002", 52),
    ("policy-guidelines-on-counter-terrorism", "dcterms:issued", '"2016"^^xsd:gYear', "002", 62),
    ("figure-iraq-core-team-2017-01", "nato:count", "8", "002", 159),
    ("operational-partnership-finland-nato-mission-iraq", "nato:partner", "natoid:finland", "002", 180),
    ("nato-mission-iraq", "nato:underCommandOf", "natoid:jfc-naples", "002", 174),
    ("summit-2016-warsaw", "nato:date", '"2016-07-08"^^xsd:date', "002", 145),

    ("nato", "skos:altLabel", '"the Alliance"@en', "003", 12),
    ("figure-nato-partners-2016", "nato:count", "40", "003", 12),
    ("eapc", "nato:startDate", '"1997"^^xsd:gYear', "003", 14),
    ("figure-eapc-partner-countries-2016", "nato:count", "24", "003", 14),
    ("partnership-switzerland-eapc", "nato:partner", "natoid:switzerland", "003", 14),
    ("mediterranean-dialogue", "skos:altLabel", '"MD"@en', "003", 15),
    ("qatar", "nato:partnerIn", "natoid:istanbul-cooperation-initiative", "003", 16),
    ("south-korea", "skos:altLabel", '"Korea"@en', "003", 17),
    ("partnership-russia-nato-russia-council", "nato:suspendedSince", '"2014-04"^^xsd:gYearMonth', "003", 19),
    ("nato-georgia-commission", "nato:startDate", '"2008"^^xsd:gYear', "003", 19),
    ("summit-2016-warsaw", "nato:date", '"2016-07-08"^^xsd:date', "003", 21),
    ("claim-nato-russia-council-start-source-003", "nato:claimValue", '"1997"^^xsd:gYear', "003", 19),

    ("figure-global-coalition-members-2017", "nato:count", "68", "004", 15),
    ("figure-nato-members-2017", "nato:count", "28", "004", 5),
    ("membership-nato-global-coalition-against-daesh", "nato:combatRole", "false", "004", 7),
    ("membership-nato-global-coalition-against-daesh", "nato:basis", "natoid:nac-decision-2017-05-global-coalition",
     "004", 11),
    ("nac-decision-2017-05-global-coalition", "nato:issuedBy", "natoid:north-atlantic-council", "004", 11),
    ("global-coalition-against-daesh", "nato:leadNation", "natoid:united-states", "004", 7),
    ("isil", "skos:altLabel", '"ISIS"@en', "004", 7),
    ("nato", "rdfs:label", '"North Atlantic Treaty Organization"@en', "004", 9),
    ("united-kingdom", "skos:altLabel", '"U.K."@en', "004", 5),
    ("isaf", "nato:opposes", "natoid:taliban", "004", 3),
    ("manchester-attack-2017", "nato:occurredIn", "natoid:manchester", "004", 21),
    ("meeting-2017-05-25-brussels", "nato:context", "natoid:manchester-attack-2017", "004", 21),
]
PREFIXES = """PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX natoid: <https://w3id.org/natograph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def server(project_config, project_snapshot, tmp_path_factory):
    process = ServerProcess(project_config.root, tmp_path_factory.mktemp("logs") / "serve.log",
                            snapshot_dir=project_config.snapshot_dir, queries_per_minute=0)
    yield process
    process.stop()


def sparql(server, text: str) -> list[dict]:
    answer = server.request("POST", "/sparql", body=urlencode({"query": text}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Accept": "application/sparql-results+json"})
    assert answer.status == 200, answer.body[:500]
    return [{name: cell["value"] for name, cell in row.items()} for row in answer.json()["results"]["bindings"]]


def who_states_query(statement: str, *, descriptions_in: str = "") -> str:
    """Plain SPARQL 1.1: the sources (and lines) of the statement graphs holding `statement`. The descriptions
    are in the default graph of the endpoint; in a dump loaded elsewhere, in the graph `descriptions_in`."""
    description = "?g a nato:StatementGraph ; nato:source ?source . OPTIONAL { ?g nato:sourceLine ?line }"
    if descriptions_in:
        description = f"GRAPH {descriptions_in} {{ {description} }}"
    return PREFIXES + f"SELECT DISTINCT ?source ?line WHERE {{ GRAPH ?g {{ {statement} }} {description} }}"


def who_states(server, subject: str, predicate: str, obj: str) -> set[tuple[str, int | None]]:
    rows = sparql(server, who_states_query(f"natoid:{subject} {predicate} {obj}"))
    return {(row["source"].rsplit("/", 1)[-1], int(row["line"]) if "line" in row else None) for row in rows}


def who_states_in_download(server, path: str, rdf_format: ox.RdfFormat, statement: str) -> set:
    """The sources (and lines) of a statement, read from a dataset document downloaded from the server."""
    answer = server.request("GET", path)
    assert answer.status == 200
    store = ox.Store()
    store.load(answer.body, format=rdf_format)
    rows = store.query(who_states_query(statement, descriptions_in="<https://w3id.org/natograph/graph/provenance>"))
    return {(row["source"].value.rsplit("/", 1)[-1], int(row["line"].value) if row["line"] else None) for row in rows}


def test_the_samples_cover_every_document_ten_times_over():
    documents = [document for *_, document, _ in SAMPLES]
    assert {document: documents.count(document) >= 10 for document in set(documents)} == {
        "000": True, "001": True, "002": True, "003": True, "004": True}


@pytest.mark.parametrize("subject, predicate, obj, document, line", SAMPLES,
                         ids=[f"{d}:{l} {s} {p}" for s, p, o, d, l in SAMPLES])
def test_a_statement_is_found_with_the_document_and_line_that_state_it(server, subject, predicate, obj, document,
                                                                        line):
    assert (f"source-{document}", line) in who_states(server, subject, predicate, obj)


def test_a_statement_two_documents_make_lists_both(server):
    stated = who_states(server, "summit-2016-warsaw", "nato:date", '"2016-07-08"^^xsd:date')
    assert {("source-002", 145), ("source-003", 21)} <= stated
    kfor = {source for source, _ in who_states(server, "kfor", "nato:startDate", '"1999"^^xsd:gYear')}
    assert {"source-000", "source-001"} <= kfor


def test_a_value_only_a_reference_gives_says_so_without_a_line(server):
    assert who_states(server, "summit-2014-wales", "nato:date", '"2014-09-04"^^xsd:date') == {("ref-nato-summits", None)}
    assert who_states(server, "germany", "nato:isoAlpha2Code", '"DE"') == {("ref-iso-3166-1", None)}


def test_an_inferred_triple_is_stated_by_no_source(server):
    assert who_states(server, "kfor", "a", "nato:NatoLedOperation") == set()


def test_the_default_graph_is_still_the_union_queries_see(server):
    rows = sparql(server, PREFIXES + "SELECT ?type WHERE { natoid:kfor a ?type }")
    types = {row["type"].rsplit("#", 1)[-1] for row in rows}
    assert {"PeaceSupportOperation", "NatoLedOperation", "Operation"} <= types


@pytest.mark.parametrize("extension, rdf_format", [("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)])
def test_the_dumps_keep_the_statement_graphs_and_their_descriptions(server, extension, rdf_format):
    found = who_states_in_download(server, f"/dump/natograph-all.{extension}", rdf_format,
                                   'natoid:summit-2016-warsaw nato:date "2016-07-08"^^xsd:date')
    assert found == who_states(server, "summit-2016-warsaw", "nato:date", '"2016-07-08"^^xsd:date')


def test_the_sources_query_counts_each_documents_statements_and_lines(server):
    answer = server.request("GET", "/queries/sources", headers={"Accept": "application/sparql-results+json"})
    rows = {row["source"]["value"].rsplit("/", 1)[-1]: row for row in answer.json()["results"]["bindings"]}
    for document in ("source-000", "source-001", "source-002", "source-003", "source-004"):
        row = rows[document]
        assert int(row["statements"]["value"]) >= 10
        assert 0 < int(row["statedLines"]["value"]) <= int(row["lines"]["value"])
    assert "statedLines" not in rows["ref-nato-isaf"] and int(rows["ref-nato-isaf"]["statements"]["value"]) > 0


def test_the_resource_page_shows_each_values_sources_and_why_names_the_premises_sources(server):
    page = server.request("GET", "/id/isaf", headers={"Accept": "text/html"})
    if page.status == 303:
        page = server.request("GET", page.headers["Location"].removeprefix(server.url), headers={"Accept": "text/html"})
    html = page.body.decode()
    assert 'href="/queries/document-statements?document=source-001#line-77"' in html
    assert 'class="stated-by"' in html
    # The "why?" of an inferred value explains it down to the stated premises and their documents' lines.
    answer = server.request("GET", "/explain?" + urlencode({
        "s": "natoid:isaf", "p": "nato:succeededBy", "o": "natoid:resolute-support", "format": "json"}))
    assert answer.status == 200
    summary = answer.json()["summary"]
    assert summary.startswith("inferred by prp-inv1 from natoid:resolute-support nato:succeeds natoid:isaf, stated by ")
    assert "source-000 (line 7)" in summary and "source-001 (line 89)" in summary
    (leaf,) = [p for p in answer.json()["premises"] if p["triple"] == "natoid:resolute-support nato:succeeds natoid:isaf"]
    assert {"source": "https://w3id.org/natograph/id/source-000", "line": 7} in leaf["stated_by"]


@pytest.mark.parametrize("extension, rdf_format", [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)])
def test_a_resources_dataset_document_carries_who_states_each_of_its_facts(server, extension, rdf_format):
    found = who_states_in_download(server, f"/id/kfor.{extension}", rdf_format,
                                   'natoid:kfor nato:startDate "1999"^^xsd:gYear')
    assert found == who_states(server, "kfor", "nato:startDate", '"1999"^^xsd:gYear')
    assert {("source-000", 9)} <= found
    # The Turtle of the same resource stays the asserted and inferred triples, one graph.
    turtle = server.request("GET", "/id/kfor.ttl").body.decode()
    assert "statements-source" not in turtle
