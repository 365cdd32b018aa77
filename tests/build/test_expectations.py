"""Entailment expectations: checks/*.trig files of triples the closure must, and must not, entail."""

import pytest

from natograph.build import ensure_snapshot
from natograph.build.check.report import check_entailments
from natograph.errors import InputFileError
from natograph.build.check.expectations import evaluate, expectation_files, load_expectations

HEADER = """PREFIX check: <https://w3id.org/natograph/check#>
PREFIX nato: <https://w3id.org/natograph/ontology#>
PREFIX natoid: <https://w3id.org/natograph/id/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def write_checks(config, text, name="reasoning.trig"):
    config.checks_path.mkdir(exist_ok=True)
    (config.checks_path / name).write_text(HEADER + text, encoding="utf-8")


def results_of(config):
    store = ensure_snapshot(config).store
    return evaluate(store, load_expectations(expectation_files(config.checks_path, config.root)))


def test_entailed_and_not_entailed_triples_pass(mini_project):
    write_checks(mini_project, """
GRAPH check:must-entail {
    natoid:city nato:locatedIn natoid:country .
    natoid:op-a nato:startDateEarliest "2001-01-01"^^xsd:date .
    natoid:op-a a nato:Operation .
}
GRAPH check:must-not-entail {
    natoid:country nato:locatedIn natoid:city .
}
""")
    results = results_of(mini_project)
    assert [(r.expectation.kind, r.passed) for r in results] == [("must-entail", True)] * 3 + [("must-not-entail", True)]


def test_a_failing_expectation_names_its_file_line_and_problem(mini_project):
    write_checks(mini_project, """
GRAPH check:must-entail {
    natoid:country nato:locatedIn natoid:city .
}
GRAPH check:must-not-entail {
    natoid:city nato:locatedIn natoid:country .
}
""")
    failed = [r for r in results_of(mini_project) if not r.passed]
    assert [(r.expectation.kind, str(r.expectation.location)) for r in failed] == [
        ("must-entail", "checks/reasoning.trig:7"), ("must-not-entail", "checks/reasoning.trig:10")]
    assert "not in the closure" in failed[0].problem
    assert failed[1].problem == "entailed, but must not be"
    assert failed[0].describe().startswith("[must-entail] natoid:country nato:locatedIn natoid:city")


def test_blank_nodes_stand_for_some_resource_shared_by_their_triples(mini_project):
    write_checks(mini_project, """
GRAPH check:must-entail {
    natoid:city nato:locatedIn [ nato:locatedIn natoid:country ] .
}
GRAPH check:must-not-entail {
    natoid:country nato:locatedIn [ a nato:Place ] .
}
""")
    results = results_of(mini_project)
    assert [len(r.expectation.triples) for r in results] == [2, 2]
    assert all(r.passed for r in results)


def test_a_misspelt_iri_fails_even_a_must_not_entail_expectation(mini_project):
    write_checks(mini_project, """
GRAPH check:must-not-entail {
    natoid:citty nato:locatedIn natoid:country .
}
""")
    (result,) = results_of(mini_project)
    assert not result.passed
    assert result.problem.startswith("natoid:citty occurs nowhere in the graph")


def test_a_triple_outside_the_two_graphs_is_an_input_error_with_its_line(mini_project):
    write_checks(mini_project, "\nnatoid:city nato:locatedIn natoid:country .\n")
    with pytest.raises(InputFileError) as caught:
        results_of(mini_project)
    assert caught.value.path == "checks/reasoning.trig" and caught.value.line == 6


def test_the_entailments_check_summarises_and_lists_only_failures(mini_project):
    write_checks(mini_project, """
GRAPH check:must-entail { natoid:city nato:locatedIn natoid:country . natoid:country nato:locatedIn natoid:city . }
""")
    result = check_entailments(mini_project, ensure_snapshot(mini_project).store)
    assert not result.passed
    assert result.summary == "1 of 2 expectations in 1 file(s) fail"
    assert len(result.findings) == 1


def test_without_expectation_files_the_check_is_skipped(mini_project):
    result = check_entailments(mini_project, ensure_snapshot(mini_project).store)
    assert result.passed and result.summary.startswith("skipped")


def test_the_projects_own_expectations_hold(project_config, project_snapshot):
    result = check_entailments(project_config, project_snapshot.store)
    assert result.passed, "\n".join(f.describe() for f in result.findings)
    assert "expectations" in result.summary
