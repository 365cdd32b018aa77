"""The command line as a reader meets it: candidates and "did you mean", readable tables, enum values in --list,
what export wrote, and a busy port named in one line."""

import socket

import pytest
from click.testing import CliRunner

from natograph.cli import main


@pytest.fixture(scope="module")
def run(project_config, project_snapshot):
    runner = CliRunner()
    environment = {"NATOGRAPH_SNAPSHOT_DIR": str(project_config.snapshot_dir)}

    def invoke(*arguments):
        return runner.invoke(main, ["--root", str(project_config.root), *arguments], env=environment)
    return invoke


def test_a_name_naming_no_resource_lists_the_candidates_as_http_does(run):
    result = run("query", "operational-partners", "-p", "operation=mission")
    assert result.exit_code != 0
    assert "did you mean:" in result.output
    assert "natoid:nato-mission-iraq — NATO Mission Iraq" in result.output


def test_an_unknown_query_name_gets_a_did_you_mean(run):
    result = run("query", "member-of")
    assert result.exit_code != 0 and "did you mean 'members-of'" in result.output


def test_tables_show_values_and_labels_and_raw_shows_terms(run):
    readable = run("query", "troop-figures").output
    assert " 3500 " in readable and '"3500"^^xsd:integer' not in readable
    assert "natoid:source-" not in readable and "Kosovo Force" in readable
    raw = run("query", "troop-figures", "--raw").output
    assert '"3500"^^xsd:integer' in raw and "natoid:kfor" in raw


def test_the_list_shows_the_values_of_an_enum(run):
    listed = run("query", "--list").output
    assert "(one of: UNSecurityCouncilResolution, HostNationRequest, CouncilDecision, Mandate)" in listed


def test_export_says_what_it_wrote(run, tmp_path):
    target = tmp_path / "graph.nt"
    result = run("export", "--format", "nt", "--graph", "inferred", "-o", str(target))
    assert result.exit_code == 0
    assert f"wrote {target}: the inferred triples of snapshot" in result.output
    assert f"({target.stat().st_size:,} bytes)" in result.output


def test_a_busy_port_is_one_line_naming_the_port_option(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 2
    # The build summary comes first; the error is one line, with no traceback.
    assert result.output.strip().splitlines()[-1] == (
        f"error: cannot listen on 127.0.0.1 port {port}: Address already in use "
        f"(another server?); choose another with --port, e.g. --port {port + 1}")
    assert "Traceback" not in result.output


def test_explain_takes_a_slug_as_canned_parameters_do(run):
    by_slug = run("explain", "kfor", "a", "nato:Operation")
    by_name = run("explain", "natoid:kfor", "a", "nato:Operation")
    assert by_slug.exit_code == 0 and by_slug.output == by_name.output
    assert by_slug.output.startswith("natoid:kfor rdf:type nato:Operation")
