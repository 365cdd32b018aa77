"""GET /check serves the check report of the served snapshot; GET /explain says why a triple holds (JSON or HTML)."""

import json
import re
import shutil
import urllib.parse

import pytest
from click.testing import CliRunner

from natograph.build.check.report import run_checks
from natograph.cli import main
from natograph.snapshot import CHECK_REPORT, open_snapshot
from natograph.store import EmbeddedStore

from ..serving import ServerProcess, built_mini_project, in_process_client


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = built_mini_project(tmp_path_factory.mktemp("checks"))
    store = EmbeddedStore(open_snapshot(config))
    return config, in_process_client(config, store)


def test_check_serves_the_report_the_build_wrote_into_the_snapshot_without_natograph_check(served):
    config, client = served
    response = client.get("/check")
    assert response.status_code == 200
    assert response.json["snapshot"] == open_snapshot(config).key and response.json["conforms"] is True


def test_check_serves_the_report_saved_by_natograph_check_as_json_and_html(served):
    config, client = served
    report = run_checks(config)
    response = client.get("/check")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert body["snapshot"] == report.snapshot and body["conforms"] is True
    assert [c["name"] for c in body["checks"]] == ["consistency", "unsatisfiable-classes", "shacl", "entailments", "provenance"]
    etag = response.headers["ETag"]
    assert client.get("/check", headers={"If-None-Match": etag}).status_code == 304
    page = client.get("/check", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    text = page.data.decode()
    assert "every check passes" in text and "unsatisfiable-classes" in text and report.snapshot in text
    assert client.get("/check?format=html").mimetype == "text/html"


def test_check_refuses_an_unknown_format_and_an_unacceptable_accept(served):
    _, client = served
    bad = client.get("/check?format=xml")
    assert bad.status_code == 400 and bad.json["parameter"] == "format"
    assert client.get("/check", headers={"Accept": "image/png"}).status_code == 406


def test_explain_gives_the_rule_and_premises_down_to_the_files_that_state_them(served):
    _, client = served
    response = client.get("/explain", query_string={"s": "natoid:city", "p": "nato:locatedIn", "o": "natoid:country"})
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "inferred" and body["rule"] == "prp-trp"
    asserted = [p for p in body["premises"] if p["status"] == "asserted"]
    assert len(asserted) == 3
    assert {s["file"] for p in asserted for s in p["sources"]} == {"ontology/nato.ttl", "data/places.ttl"}


def test_explain_as_html_shows_the_tree(served):
    _, client = served
    response = client.get("/explain", query_string={"s": "natoid:city", "p": "nato:locatedIn",
                                                    "o": "natoid:country", "format": "html"})
    page = response.data.decode()
    assert response.mimetype == "text/html"
    text = re.sub(r"<[^>]+>", "", page)
    assert "prp-trp" in page and "natoid:city nato:locatedIn natoid:province" in text
    assert "asserted in" in page and '<a href="/graph/data/places.ttl">data/places.ttl' in page
    assert '<a href="/id/city"' in page and '<a href="/ontology/locatedIn"' in page


def test_explain_without_terms_is_a_form_for_a_browser_and_a_400_for_programs(served):
    _, client = served
    page = client.get("/explain", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="explain-form"' in page.data.decode()
    assert client.get("/explain").status_code == 400


def test_a_snapshot_without_a_report_is_a_friendly_page_for_a_browser(tmp_path):
    config = built_mini_project(tmp_path)
    snapshot = open_snapshot(config)
    (snapshot.path / CHECK_REPORT).unlink()  # as in a snapshot written by an older natograph
    store = EmbeddedStore(snapshot)
    client = in_process_client(config, store)
    assert client.get("/check").status_code == 404
    response = client.get("/check", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'id="no-report"' in response.data.decode() and "`" not in response.data.decode()


def test_explain_of_a_triple_not_entailed_says_so(served):
    _, client = served
    response = client.get("/explain", query_string={"s": "natoid:country", "p": "nato:locatedIn", "o": "natoid:city"})
    assert response.status_code == 200 and response.json["status"] == "not-entailed"


@pytest.mark.parametrize("query, parameter", [
    ({"s": "natoid:city", "p": "nato:locatedIn"}, "o"),
    ({"s": "nope:city", "p": "nato:locatedIn", "o": "natoid:country"}, "s"),
    ({"s": "natoid:city", "p": '"located"', "o": "natoid:country"}, "p"),
])
def test_explain_with_a_missing_or_malformed_term_is_400_naming_it(served, query, parameter):
    _, client = served
    response = client.get("/explain", query_string=query)
    assert response.status_code == 400
    assert response.json["error"] == "invalid-parameter" and response.json["parameter"] == parameter


def test_check_page_lists_the_findings_of_a_failing_report(tmp_path):
    config = built_mini_project(tmp_path)
    config.checks_path.mkdir()
    (config.checks_path / "places.trig").write_text(
        "PREFIX check: <https://w3id.org/natograph/check#>\nPREFIX nato: <https://w3id.org/natograph/ontology#>\n"
        "PREFIX natoid: <https://w3id.org/natograph/id/>\n"
        "GRAPH check:must-entail { natoid:country nato:locatedIn natoid:city . }\n")
    report = run_checks(config)
    store = EmbeddedStore(open_snapshot(config))
    client = in_process_client(config, store)
    assert client.get("/check").json["conforms"] is False and report.exit_code == 1
    page = client.get("/check?format=html").data.decode()
    assert "failed" in page and "FAIL" in page
    assert "natoid:country nato:locatedIn natoid:city" in page and "checks/places.trig:4" in page


def asserted_sources(explanation: dict) -> list[tuple[str, list[str]]]:
    """Each asserted triple of an explanation with the places that state it (file:line, or the file alone)."""
    if explanation["status"] == "asserted":
        places = [s["file"] + (f":{s['line']}" if s["line"] else "") for s in explanation["sources"]]
        return [(explanation["triple"], places)]
    return [leaf for premise in explanation["premises"] for leaf in asserted_sources(premise)]


CITY_IN_COUNTRY = {"s": "natoid:city", "p": "nato:locatedIn", "o": "natoid:country"}


def test_explain_names_the_lines_the_build_saved_as_the_cli_does(tmp_path):
    config = built_mini_project(tmp_path)
    store = EmbeddedStore(open_snapshot(config))
    client = in_process_client(config, store)
    after = client.get("/explain", query_string=CITY_IN_COUNTRY)
    assert after.json["source_lines"] == {"available": True, "note": None}
    cli = CliRunner().invoke(main, ["--root", str(config.root), "explain", *CITY_IN_COUNTRY.values(), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    served = asserted_sources(after.json)
    assert served == asserted_sources(json.loads(cli.output))
    assert ("natoid:city nato:locatedIn natoid:province", ["data/places.ttl:5"]) in served
    page = client.get("/explain", query_string={**CITY_IN_COUNTRY, "format": "html"}).data.decode()
    assert "data/places.ttl:5" in page and "natograph check" not in page


@pytest.mark.slow
def test_a_served_explanation_names_lines_without_the_data_files(tmp_path):
    config = built_mini_project(tmp_path)
    server = ServerProcess(config.root, tmp_path / "server.log", max_concurrent_queries=1)
    try:
        query = "/explain?" + urllib.parse.urlencode(CITY_IN_COUNTRY)
        # The server reads only its snapshot: the lines come from there, even with the data files gone.
        shutil.rmtree(config.data_path)
        explained = server.request("GET", query).json()
        assert explained["source_lines"]["available"] is True
        assert ("natoid:province nato:locatedIn natoid:country", ["data/places.ttl:6"]) in asserted_sources(explained)
    finally:
        server.stop()


@pytest.mark.slow
def test_serve_with_check_serves_the_report_and_the_lines_from_its_first_answer(tmp_path):
    config = built_mini_project(tmp_path)
    server = ServerProcess(config.root, tmp_path / "server.log", serve_options=("--check",), max_concurrent_queries=1)
    try:
        report = server.request("GET", "/check")
        assert report.status == 200 and report.json()["snapshot"] == open_snapshot(config).key
        explained = server.request("GET", "/explain?" + urllib.parse.urlencode(CITY_IN_COUNTRY)).json()
        assert explained["source_lines"]["available"] is True
        assert "PASS  consistency" in (tmp_path / "server.log").read_text()
    finally:
        server.stop()
