"""Consistency: every OWL 2 RL clash is detected and reported with its triples and the file and line of each.

Each fixture in tests/data/clashes/broken/ breaks one axiom of tests/data/clashes/ontology/nato.ttl;
the tests copy it into a project as data/broken.ttl next to the consistent data/base.ttl.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from natograph.build import build
from natograph.build.reason import owlrl_clash
from natograph.build.reasoner import ReasonerClash, closure
from natograph.build.check.report import run_checks
from natograph.cli import main
from natograph.config import Config
from natograph.errors import InconsistencyError

CLASHES = Path(__file__).parent.parent / "data" / "clashes"
REASONERS = ["natograph", "owlrl"]

# fixture → (OWL 2 RL rule, clashing triples with where each is stated, clashes the one mistake causes)
EXPECTED = {
    "cax-dw": ("cax-dw", [("natoid:kosovo rdf:type nato:Operation", "data/broken.ttl:4"),
                          ("natoid:kosovo rdf:type nato:Place", "data/base.ttl:5")], 1),
    "cax-adc": ("cax-adc", [("natoid:nato rdf:type nato:Organisation", "data/base.ttl:4"),
                            ("natoid:nato rdf:type nato:Summit", "data/broken.ttl:4")], 1),
    "cls-nothing2": ("cls-nothing2", [("natoid:ghost rdf:type owl:Nothing", "data/broken.ttl:4")], 1),
    "cls-com": ("cls-com", [("natoid:kfor rdf:type nato:Civilian", "data/broken.ttl:4"),
                            ("natoid:kfor rdf:type nato:Military", "data/broken.ttl:4")], 1),
    "eq-diff1": ("eq-diff1", [("natoid:kfor owl:sameAs natoid:kosovo-force", "data/broken.ttl:4"),
                              ("natoid:kfor owl:differentFrom natoid:kosovo-force", "data/broken.ttl:5")], 1),
    "eq-diff2": ("eq-diff2", [("natoid:isaf owl:sameAs natoid:resolute-support", "data/broken.ttl:5")], 1),
    "eq-diff3": ("eq-diff3", [("natoid:isaf owl:sameAs natoid:resolute-support", "data/broken.ttl:5")], 1),
    # prp-fp and prp-ifp: the cause, and its consequence (eq-diff1 on the inferred owl:sameAs).
    "prp-fp": ("prp-fp", [("natoid:kfor nato:commandedBy natoid:jfc-naples", "data/broken.ttl:5"),
                          ("natoid:kfor nato:commandedBy natoid:jfc-brunssum", "data/broken.ttl:6"),
                          ("natoid:jfc-naples owl:differentFrom natoid:jfc-brunssum", "data/broken.ttl:7")], 2),
    "prp-fp-literal": ("prp-fp", [('natoid:kfor nato:startDate "1999"^^xsd:gYear', "data/broken.ttl:5"),
                                  ('natoid:kfor nato:startDate "2000"^^xsd:gYear', "data/broken.ttl:6")], 1),
    # Two literals of one text but two datatypes, or two language tags, are two values.
    "prp-fp-literal-datatypes": ("prp-fp", [('natoid:kfor nato:troopCeiling "1"^^xsd:integer', "data/broken.ttl:5"),
                                            ('natoid:kfor nato:troopCeiling "1"', "data/broken.ttl:6")], 1),
    "prp-fp-literal-language": ("prp-fp", [('natoid:kfor nato:name "KFOR"@en', "data/broken.ttl:4"),
                                           ('natoid:kfor nato:name "KFOR"@fr', "data/broken.ttl:5")], 1),
    "prp-ifp": ("prp-ifp", [("natoid:kfor nato:callSign natoid:call-sign-k", "data/broken.ttl:5"),
                            ("natoid:eulex nato:callSign natoid:call-sign-k", "data/broken.ttl:6"),
                            ("natoid:kfor owl:differentFrom natoid:eulex", "data/broken.ttl:7")], 2),
    "prp-irp": ("prp-irp", [("natoid:kosovo nato:locatedIn natoid:kosovo", "data/broken.ttl:4")], 1),
    "prp-asyp": ("prp-asyp", [("natoid:resolute-support nato:succeeds natoid:isaf", "data/broken.ttl:4"),
                              ("natoid:isaf nato:succeeds natoid:resolute-support", "data/broken.ttl:5")], 1),
    "prp-pdw": ("prp-pdw", [("natoid:kfor nato:supports natoid:eulex", "data/broken.ttl:4"),
                            ("natoid:kfor nato:opposes natoid:eulex", "data/broken.ttl:4")], 1),
    "prp-adp": ("prp-adp", [("natoid:kfor nato:trains natoid:kosovo-police", "data/broken.ttl:4"),
                            ("natoid:kfor nato:advises natoid:kosovo-police", "data/broken.ttl:5")], 1),
    "prp-npa1": ("prp-npa1", [("natoid:kfor nato:opposes natoid:eulex", "data/broken.ttl:9")], 1),
    "prp-npa2": ("prp-npa2", [('natoid:kfor nato:troops "50000"^^xsd:integer', "data/broken.ttl:9")], 1),
    "cls-maxc1": ("cls-maxc1", [("natoid:observer-mission nato:weapon natoid:rifle", "data/broken.ttl:5")], 1),
    "cls-maxqc1": ("cls-maxqc1", [("natoid:observer-mission nato:weapon natoid:tank", "data/broken.ttl:5"),
                                  ("natoid:tank rdf:type nato:HeavyWeapon", "data/broken.ttl:6")], 1),
    "cls-maxqc2": ("cls-maxqc2", [("natoid:lone-mission nato:ally natoid:friend", "data/broken.ttl:5")], 1),
    "dt-not-type-derived": ("dt-not-type", [('natoid:kfor nato:troops "-5"^^xsd:nonNegativeInteger',
                                             "data/broken.ttl:5")], 1),
}


def clash_project(root: Path, fixture: str, folder: str = "broken", **settings) -> Config:
    """A project: the clash ontology, the consistent base data and one fixture of `folder` as data/broken.ttl."""
    shutil.copytree(CLASHES / "ontology", root / "ontology")
    shutil.copytree(CLASHES / "data", root / "data")
    shutil.copy(CLASHES / folder / f"{fixture}.ttl", root / "data" / "broken.ttl")
    return Config.load(root=root, **settings)


def consistency_of(config: Config):
    """The consistency check of the build's own report (the inputs are inconsistent: the build fails with it)."""
    return next(check for check in run_checks(config).checks if check.name == "consistency")


def _pairs(clash) -> set:
    return {(item["triple"], origin) for item in clash.to_dict()["triples"] for origin in item["origins"]}


@pytest.mark.parametrize("reasoner", REASONERS)
@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_clash_rule_reports_the_clashing_triples_with_file_and_line(tmp_path, fixture, reasoner):
    rule, stated, _ = EXPECTED[fixture]
    result = consistency_of(clash_project(tmp_path, fixture, reasoner=reasoner))
    assert not result.passed
    matching = [c for c in result.findings if c.rule == rule and set(stated) <= _pairs(c)]
    assert matching, "\n".join(c.describe() for c in result.findings)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_one_mistake_is_reported_once(tmp_path, fixture):
    _, _, count = EXPECTED[fixture]
    result = consistency_of(clash_project(tmp_path, fixture))
    assert len(result.findings) == count, "\n".join(c.describe() for c in result.findings)


def test_dt_not_type_finds_literals_outside_their_datatypes_lexical_space(tmp_path):
    result = consistency_of(clash_project(tmp_path, "dt-not-type"))
    found = {pair for clash in result.findings if clash.rule == "dt-not-type" for pair in _pairs(clash)}
    assert found == {('natoid:kfor nato:troops "about 4000"^^xsd:integer', "data/broken.ttl:5"),
                     ('natoid:eulex nato:startDate "2008-13"^^xsd:gYearMonth', "data/broken.ttl:6"),
                     ('natoid:isaf nato:startDate "2001-02-30"^^xsd:date', "data/broken.ttl:7")}
    assert len(result.findings) == 3


def test_an_inferred_clashing_triple_is_traced_to_the_rule_and_the_statements_it_follows_from(tmp_path):
    result = consistency_of(clash_project(tmp_path, "cls-maxc1"))
    (clash,) = result.findings
    membership = next(item for item in clash.to_dict()["triples"] if "rdf:type" in item["triple"])
    (origin,) = membership["origins"]
    assert origin.startswith("inferred by cax-eqc")
    assert "data/broken.ttl:4" in origin and "ontology/nato.ttl:32" in origin


def test_the_axiom_behind_a_clash_is_located_too(tmp_path):
    result = consistency_of(clash_project(tmp_path, "cax-dw"))
    (clash,) = result.findings
    assert clash.to_dict()["axiom"] == "nato:Operation owl:disjointWith nato:Place"
    assert clash.to_dict()["axiom_origins"] == ["ontology/nato.ttl:16"]


def test_the_consistent_base_has_no_clash(tmp_path):
    shutil.copytree(CLASHES / "ontology", tmp_path / "ontology")
    shutil.copytree(CLASHES / "data", tmp_path / "data")
    result = consistency_of(Config.load(root=tmp_path))
    assert result.passed and result.findings == []


# --- prp-fp on literals: two values clash only if they are two data values --------------------------------------

@pytest.mark.parametrize("reasoner", REASONERS)
def test_a_functional_data_property_given_1_and_01_has_one_value_and_no_clash(tmp_path, reasoner):
    result = consistency_of(clash_project(tmp_path, "prp-fp-same-integer", folder="consistent", reasoner=reasoner))
    assert result.passed and result.findings == []


@pytest.mark.parametrize("reasoner", REASONERS)
def test_one_value_written_in_two_lexical_forms_or_two_datatypes_of_its_value_space_is_no_clash(tmp_path, reasoner):
    """1, 1.0 and +1; one date in UTC written Z and +00:00; one instant in two zones; a language tag in two cases."""
    result = consistency_of(clash_project(tmp_path, "prp-fp-same-values", folder="consistent", reasoner=reasoner))
    assert result.passed and result.findings == []


@pytest.mark.parametrize("reasoner", REASONERS)
def test_the_integer_1_and_the_string_1_as_values_of_a_functional_property_clash_naming_both(tmp_path, reasoner):
    result = consistency_of(clash_project(tmp_path, "prp-fp-literal-datatypes", reasoner=reasoner))
    (clash,) = result.findings
    assert clash.rule == "prp-fp" and "different data values" in clash.message
    assert _pairs(clash) == {('natoid:kfor nato:troopCeiling "1"^^xsd:integer', "data/broken.ttl:5"),
                             ('natoid:kfor nato:troopCeiling "1"', "data/broken.ttl:6")}


def test_reasoners_report_clashes_as_records_naming_the_rule_and_the_ill_typed_literal():
    negative = ox.Literal("-5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger"))
    (ours,) = closure([ox.Triple(ox.NamedNode("http://e/x"), ox.NamedNode("http://e/p"), negative)]).messages
    assert (ours.rule, ours.literal) == ("dt-not-type", ("-5", "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"))
    # owlrl's English is translated once, where owlrl is called.
    assert owlrl_clash("Lexical value of the literal 'abc' does not match its datatype "
                       "(http://www.w3.org/2001/XMLSchema#integer)").literal == (
        "abc", "http://www.w3.org/2001/XMLSchema#integer")
    assert owlrl_clash("Disjoint classes http://e/A and http://e/B have a common individual http://e/x").rule == "cax-dw"
    assert owlrl_clash("something new") == ReasonerClash("", "something new")


def test_the_build_names_the_line_of_each_clashing_triple(tmp_path):
    config = clash_project(tmp_path, "prp-asyp")
    with pytest.raises(InconsistencyError) as caught:
        build(config)
    assert "data/broken.ttl:4" in str(caught.value) and "data/broken.ttl:5" in str(caught.value)


# --- natograph check: the whole report ---------------------------------------------------------------

def test_check_of_inconsistent_inputs_reports_the_clashes_and_still_runs_the_other_checks(tmp_path):
    report = run_checks(clash_project(tmp_path, "cax-dw"))
    by_name = {c.name: c for c in report.checks}
    assert list(by_name) == ["consistency", "unsatisfiable-classes", "shacl", "entailments", "provenance"]
    assert report.snapshot is None and not report.conforms and report.exit_code == 1
    assert not by_name["consistency"].passed
    assert by_name["unsatisfiable-classes"].passed


def test_check_cli_json_has_one_entry_per_check_and_exits_1_on_findings(tmp_path):
    config = clash_project(tmp_path, "prp-irp")
    result = CliRunner().invoke(main, ["--root", str(config.root), "check", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["conforms"] is False
    assert [set(c) for c in report["checks"]] == [{"name", "passed", "summary", "findings"}] * 5
    consistency = report["checks"][0]
    assert consistency["name"] == "consistency" and not consistency["passed"]
    assert consistency["findings"][0]["rule"] == "prp-irp"
    assert consistency["findings"][0]["triples"][0]["origins"] == ["data/broken.ttl:4"]


def test_check_cli_exits_0_when_every_check_passes_and_saves_the_report_with_the_snapshot(mini_project):
    result = CliRunner().invoke(main, ["--root", str(mini_project.root), "check"])
    assert result.exit_code == 0, result.output
    assert "every check passes" in result.output
    assert "PASS  consistency" in result.output
    saved = list(mini_project.snapshots_path.glob("*/check-report.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["conforms"] is True


def test_check_cli_exits_2_on_a_malformed_file(mini_project):
    (mini_project.data_path / "broken.ttl").write_text("\n<http://e/a> <http://e/b> .\n")
    result = CliRunner().invoke(main, ["--root", str(mini_project.root), "check"])
    assert result.exit_code == 2
    assert "data/broken.ttl:2" in result.output


def test_check_text_report_has_a_summary_line_per_check_then_the_findings(tmp_path):
    config = clash_project(tmp_path, "prp-irp")
    result = CliRunner().invoke(main, ["--root", str(config.root), "check"])
    lines = result.output.splitlines()
    assert lines[0].endswith("FAILED")
    assert [line.split()[:2] for line in lines[1:5]] == [
        ["FAIL", "consistency"], ["PASS", "unsatisfiable-classes"], ["PASS", "shacl"], ["PASS", "entailments"]]
    assert "natoid:kosovo nato:locatedIn natoid:kosovo    (data/broken.ttl:4)" in result.output


@pytest.mark.parametrize("reasoner", REASONERS)
def test_check_cli_reports_ill_typed_literals_without_printing_tracebacks(tmp_path, reasoner):
    config = clash_project(tmp_path, "dt-not-type")
    shutil.copy(Path(__file__).resolve().parents[2] / "ontology" / "shapes.ttl", config.root / "ontology" / "shapes.ttl")
    result = subprocess.run([sys.executable, "-m", "natograph.cli", "--root", str(config.root), "check"],
                            capture_output=True, text=True, env={**os.environ, "NATOGRAPH_REASONER": reasoner},
                            timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr and result.stderr == ""
    assert 'natoid:isaf nato:startDate "2001-02-30"^^xsd:date    (data/broken.ttl:7)' in result.stdout
    assert "FAIL  shacl" in result.stdout
    assert '(value "2001-02-30"^^xsd:date)    (data/broken.ttl:7; shape natosh:Dated)' in result.stdout


def test_owlrl_s_verdict_is_kept_where_the_clash_rules_find_nothing_in_its_closure(tmp_path):
    """owlrl (through Python's datetime) rejects "24:00:00"^^xsd:time, which XSD allows: its message is the record."""
    shutil.copytree(CLASHES / "ontology", tmp_path / "ontology")
    shutil.copytree(CLASHES / "data", tmp_path / "data")
    (tmp_path / "data" / "broken.ttl").write_text(
        "@prefix natoid: <https://w3id.org/natograph/id/> .\n@prefix nato: <https://w3id.org/natograph/ontology#> .\n"
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\nnatoid:kfor nato:reportedAt "24:00:00"^^xsd:time .\n')
    assert consistency_of(Config.load(root=tmp_path)).passed
    (clash,) = consistency_of(Config.load(root=tmp_path, reasoner="owlrl")).findings
    assert clash.rule == "dt-not-type" and "does not match its datatype" in clash.message
    assert _pairs(clash) == {('natoid:kfor nato:reportedAt "24:00:00"^^xsd:time', "data/broken.ttl:5")}
