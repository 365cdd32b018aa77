"""Explanations: an inferred triple is traced by OWL 2 RL rules, premise by premise, down to asserted triples."""

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from natograph.build.reason import infer
from natograph.cli import main
from natograph.config import Config
from natograph.errors import ParameterError
from natograph.sparql.explain import Explainer, derivation_rules, parse_term, parse_triple
from natograph.build.load import InputFile, graph_input_files
from natograph.build.provenance import SourceIndex
from natograph.build.reasoner.datatypes import SUPERTYPES
from natograph.rdf.terms import compact_triple
from natograph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, file_graph_iri

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def explainer(project_config, project_snapshot):
    sources = SourceIndex.from_files(graph_input_files(project_config))
    return Explainer(project_snapshot.store, sources=sources)


def rules_in(explanation) -> list[str]:
    own = [explanation.rule] if explanation.rule else []
    return own + [rule for premise in explanation.premises for rule in rules_in(premise)]


def assert_ends_in_asserted_triples(explanation):
    """Every branch ends in an asserted triple stated at a file and line; every step names its rule."""
    if explanation.status == "asserted":
        assert explanation.premises == []
        assert explanation.sources and all(loc.file and loc.line for loc in explanation.sources), explanation.render()
        return
    assert explanation.status == "inferred" and explanation.rule, explanation.render()
    assert explanation.premises, explanation.render()
    for premise in explanation.premises:
        assert premise.triple != explanation.triple
        assert_ends_in_asserted_triples(premise)


@pytest.mark.parametrize("s, p, o, root_rules, rule_in_tree", [
    # inverse: nato:launched is owl:inverseOf nato:establishedAt (declared both ways)
    ("natoid:summit-2018-brussels", "nato:launched", "natoid:nato-mission-iraq", {"prp-inv1", "prp-inv2"}, None),
    # transitive: Mazar-e-Sharif → Balkh province → Afghanistan
    ("natoid:mazar-e-sharif", "nato:locatedIn", "natoid:afghanistan", {"prp-trp"}, None),
    # sub-property: nato:succeeds rdfs:subPropertyOf nato:hasPredecessor
    ("natoid:resolute-support", "nato:hasPredecessor", "natoid:isaf", {"prp-spo1"}, None),
    # domain: nato:partnerIn rdfs:domain nato:PartnerCountry
    ("natoid:finland", "rdf:type", "nato:PartnerCountry", {"prp-dom"}, None),
    # hasValue: NatoLedOperation ≡ (ledBy hasValue natoid:nato)
    ("natoid:kfor", "a", "nato:NatoLedOperation", {"cax-eqc1", "cax-eqc2"}, "cls-hv2"),
    # chain: nato:area owl:propertyChainAxiom (nato:area nato:locatedIn)
    ("natoid:resolute-support", "nato:area", "natoid:afghanistan", {"prp-spo2"}, None),
    # natograph's date bounds
    ("natoid:kfor", "nato:startDateEarliest", '"1999-01-01"^^xsd:date', {"nato-date-bound"}, None),
])
def test_an_inferred_triple_is_explained_by_its_rule_down_to_asserted_triples(explainer, s, p, o, root_rules,
                                                                              rule_in_tree):
    explanation = explainer.explain(parse_triple(s, p, o))
    assert explanation.status == "inferred"
    assert explanation.rule in root_rules, explanation.render()
    if rule_in_tree:
        assert rule_in_tree in rules_in(explanation)
    assert_ends_in_asserted_triples(explanation)


def test_every_inferred_triple_of_the_project_has_a_derivation(project_snapshot):
    store = project_snapshot.store
    explainer = Explainer(store)
    unexplained = []
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH)):
        explanation = explainer.explain(quad.triple)
        if explanation.rule is None:
            unexplained.append(explanation.render())
    assert unexplained == []


def test_an_asserted_triple_is_explained_by_its_lines_and_the_documents_that_state_it(explainer):
    explanation = explainer.explain(parse_triple("natoid:kfor", "nato:ledBy", "natoid:nato"))
    assert explanation.status == "asserted" and explanation.rule is None
    # Each place in the TriG files that states it, in the graph of a document line (or a reference).
    text = {path: (REPO / path).read_text(encoding="utf-8") for path in {loc.file for loc in explanation.sources}}
    for loc in explanation.sources:
        assert loc.file.startswith("data/") and loc.file.endswith(".trig")
        assert "natoid:kfor" in text[loc.file].splitlines()[loc.line - 1] or \
            "nato:ledBy natoid:nato" in text[loc.file].splitlines()[loc.line - 1]
    stated = {(s.source.rsplit("/", 1)[-1], s.line) for s in explanation.stated_by}
    assert ("source-000", 5) in stated and any(source == "source-001" for source, _ in stated)
    assert "stated by source-000 (line 5)" in explanation.render()


def test_a_triple_that_is_not_entailed_says_so(explainer):
    explanation = explainer.explain(parse_triple("natoid:eulex", "a", "nato:NatoLedOperation"))
    assert explanation.status == "not-entailed" and explanation.premises == [] and explanation.rule is None


def test_the_json_shape_nests_premises(explainer):
    data = explainer.explain(parse_triple("natoid:kfor", "a", "nato:NatoLedOperation")).to_dict()
    assert {"triple", "status", "rule", "premises", "sources"} <= set(data)
    assert data["triple"] == "natoid:kfor rdf:type nato:NatoLedOperation"
    leaf = data["premises"][0]
    while leaf["premises"]:
        leaf = leaf["premises"][0]
    assert leaf["status"] == "asserted" and leaf["sources"][0]["file"].endswith(".ttl")


def closure_store(sources) -> ox.Store:
    """The asserted triples of `sources` and their closure, laid out in memory as a snapshot lays them out."""
    asserted = list(dict.fromkeys(sources.triples()))
    store = ox.Store()
    store.extend(ox.Quad(*lt.triple, ox.NamedNode(file_graph_iri(lt.location.file))) for lt in sources.located)
    store.extend(ox.Quad(*t, ox.NamedNode(ASSERTED_GRAPH)) for t in asserted)
    store.extend(ox.Quad(*t, ox.NamedNode(INFERRED_GRAPH)) for t in infer(asserted, reasoner="natograph").triples)
    return store


def test_derivations_through_cycles_end(tmp_path):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "nato.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<http://e/p> owl:inverseOf <http://e/q> . <http://e/q> owl:inverseOf <http://e/p> .\n")
    data = tmp_path / "data.ttl"
    data.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                    "<http://e/a> owl:sameAs <http://e/b> .\n<http://e/b> owl:sameAs <http://e/c> .\n"
                    "<http://e/a> <http://e/p> <http://e/z> .\n")
    sources = SourceIndex.from_files([InputFile("ontology/nato.ttl", tmp_path / "ontology" / "nato.ttl"),
                                      InputFile("data.ttl", data)])
    store = closure_store(sources)
    explainer = Explainer(store, sources=sources)
    for s, p, o in [("c", "owl:sameAs", "a"), ("z", "q", "c"), ("c", "p", "z")]:
        predicate = p if ":" in p else f"<http://e/{p}>"
        explanation = explainer.explain(parse_triple(f"<http://e/{s}>", predicate, f"<http://e/{o}>"))
        assert_ends_in_asserted_triples(explanation)


def test_the_search_gives_up_with_a_note_when_its_budget_is_spent(project_snapshot):
    explanation = Explainer(project_snapshot.store, max_examined=1).explain(
        parse_triple("natoid:kfor", "a", "nato:NatoLedOperation"))
    assert explanation.status == "inferred" and explanation.rule is None
    assert "stopped after examining 1 triples" in explanation.note


def test_every_rule_file_names_its_owl2rl_rule_and_premises():
    for rule in derivation_rules():
        assert re.fullmatch(r"(prp|cax|cls|scm|eq|dt)-[a-z0-9-]+", rule.name)
        assert rule.description
        assert "?s1 ?p1 ?o1" in rule.query


# --- intersections, keys and datatypes (tests/data/explain) -----------------------------------------

@pytest.fixture(scope="module")
def keyed_graph():
    """The closure of tests/data/explain: classes defined by owl:intersectionOf, owl:hasKey, derived datatypes."""
    sources = SourceIndex.from_files(graph_input_files(Config.load(root=REPO / "tests" / "data" / "explain")))
    store = closure_store(sources)
    return store, Explainer(store, sources=sources)


def premises_of(explanation) -> list[tuple[str, str]]:
    """Each premise as (its triple, where it is stated or the rule that infers it); list nodes shown as _:list."""
    shown = []
    for premise in explanation.premises:
        text = re.sub(r"_:\S+", "_:list", compact_triple(premise.triple))
        shown.append((text, premise.rule or ", ".join(str(s) for s in premise.sources)))
    return shown


def test_cls_int1_a_member_of_every_class_of_an_intersection_is_a_member_of_it(keyed_graph):
    _, explainer = keyed_graph
    explanation = explainer.explain(parse_triple("natoid:kfor", "a", "nato:NatoLedOperation"))
    assert explanation.rule == "cls-int1", explanation.render()
    assert premises_of(explanation) == [
        ("nato:NatoLedOperation owl:intersectionOf _:list", "ontology/nato.ttl:9"),
        ("natoid:kfor rdf:type nato:Operation", "data/operations.ttl:13"),
        ("natoid:kfor rdf:type nato:NatoLed", "data/operations.ttl:13"),
    ]


def test_cls_int1_through_an_anonymous_intersection_of_three_classes(keyed_graph):
    _, explainer = keyed_graph
    explanation = explainer.explain(parse_triple("natoid:sea-guardian", "a", "nato:NatoMaritimeOperation"))
    assert explanation.rule in {"cax-eqc1", "cax-eqc2"}, explanation.render()
    (intersection,) = [p for p in explanation.premises if p.rule == "cls-int1"]
    assert [text for text, _ in premises_of(intersection)] == [
        "_:list owl:intersectionOf _:list", "natoid:sea-guardian rdf:type nato:Operation",
        "natoid:sea-guardian rdf:type nato:NatoLed", "natoid:sea-guardian rdf:type nato:Maritime",
    ]
    assert_ends_in_asserted_triples(explanation)


def test_prp_key_two_members_sharing_the_value_of_a_one_property_key_are_the_same(keyed_graph):
    _, explainer = keyed_graph
    explanation = explainer.explain(parse_triple("natoid:sea-guardian", "owl:sameAs", "natoid:operation-sea-guardian"))
    assert explanation.rule == "prp-key", explanation.render()
    assert premises_of(explanation) == [
        ("nato:Operation owl:hasKey _:list", "ontology/nato.ttl:18"),
        ("natoid:sea-guardian rdf:type nato:Operation", "data/operations.ttl:6"),
        ("natoid:operation-sea-guardian rdf:type nato:Operation", "data/operations.ttl:10"),
        ('natoid:sea-guardian nato:code "OSG"', "data/operations.ttl:6"),
        ('natoid:operation-sea-guardian nato:code "OSG"', "data/operations.ttl:10"),
    ]


def test_prp_key_of_two_properties_needs_both_values_shared(keyed_graph):
    _, explainer = keyed_graph
    same = explainer.explain(parse_triple("natoid:summit-brussels-2018", "owl:sameAs", "natoid:brussels-summit-2018"))
    assert same.rule == "prp-key", same.render()
    assert premises_of(same)[0] == ("nato:Summit owl:hasKey _:list", "ontology/nato.ttl:19")
    assert [text for text, _ in premises_of(same)[3:]] == [
        "natoid:summit-brussels-2018 nato:city natoid:brussels", "natoid:brussels-summit-2018 nato:city natoid:brussels",
        'natoid:summit-brussels-2018 nato:year "2018"^^xsd:integer',
        'natoid:brussels-summit-2018 nato:year "2018"^^xsd:integer',
    ]
    other_year = explainer.explain(parse_triple("natoid:summit-brussels-2018", "owl:sameAs", "natoid:summit-brussels-2021"))
    assert other_year.status == "not-entailed"


def test_what_prp_key_equates_is_explained_through_eq_rep(keyed_graph):
    _, explainer = keyed_graph
    explanation = explainer.explain(parse_triple("natoid:operation-sea-guardian", "a", "nato:NatoMaritimeOperation"))
    assert explanation.status == "inferred" and "prp-key" in rules_in(explanation), explanation.render()
    assert_ends_in_asserted_triples(explanation)


@pytest.mark.parametrize("s, o, premise", [
    # "50000"^^xsd:int, which the store keeps as xsd:integer: in the range of xsd:int, not of xsd:short
    ("natoid:kfor-troops-1999", "xsd:int", 'natoid:kfor-troops-1999 owl:sameAs "50000"^^xsd:integer'),
    ("natoid:kfor-troops-1999", "xsd:long", 'natoid:kfor-troops-1999 owl:sameAs "50000"^^xsd:integer'),
    ("natoid:kfor-code-value", "xsd:Name", "natoid:kfor-code-value rdf:type xsd:NCName"),
    ("natoid:kfor-code-value", "xsd:token", "natoid:kfor-code-value rdf:type xsd:Name"),
])
def test_dt_type2_a_value_is_a_value_of_the_datatypes_that_hold_it(keyed_graph, s, o, premise):
    _, explainer = keyed_graph
    explanation = explainer.explain(parse_triple(s, "a", o))
    assert explanation.rule == "dt-type2", explanation.render()
    assert [text for text, _ in premises_of(explanation)] == [premise]
    assert_ends_in_asserted_triples(explanation)


@pytest.mark.parametrize("datatype, holds", [("int", True), ("unsignedShort", True), ("short", False),
                                              ("negativeInteger", False), ("dateTimeStamp", False)])
def test_dt_type2_holds_an_integer_only_in_the_datatypes_whose_range_holds_it(keyed_graph, datatype, holds):
    store, _ = keyed_graph
    rule = next(r for r in derivation_rules() if r.name == "dt-type2")
    bindings = {ox.Variable("subject"): ox.NamedNode("https://w3id.org/natograph/id/kfor-troops-1999"),
                ox.Variable("predicate"): ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.Variable("object"): ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + datatype)}
    solutions = list(store.query(rule.query, substitutions=bindings, use_default_graph_as_union=True))
    assert bool(solutions) is holds


def test_dt_type2_follows_the_xsd_hierarchy_of_the_reasoner():
    rule = next(r for r in derivation_rules() if r.name == "dt-type2")
    listed = re.findall(r"\(xsd:(\w+) xsd:(\w+)\)", rule.query)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert {(xsd + sub, xsd + parent) for sub, parent in listed} == {(d, chain[0]) for d, chain in SUPERTYPES.items()}


def test_every_inferred_triple_of_intersections_keys_and_datatypes_has_a_derivation(keyed_graph):
    store, explainer = keyed_graph
    inferred = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))]
    kinds = {explainer.explain(t).rule for t in inferred}
    assert {"cls-int1", "prp-key", "dt-type2"} <= kinds
    unexplained = [explainer.explain(t).render() for t in inferred if explainer.explain(t).rule is None]
    assert unexplained == []


# --- terms as users write them ------------------------------------------------------------------

@pytest.mark.parametrize("text, parameter, expected", [
    ("natoid:kfor", "s", ox.NamedNode("https://w3id.org/natograph/id/kfor")),
    ("<https://w3id.org/natograph/id/kfor>", "s", ox.NamedNode("https://w3id.org/natograph/id/kfor")),
    ("https://w3id.org/natograph/id/kfor", "o", ox.NamedNode("https://w3id.org/natograph/id/kfor")),
    ("a", "p", ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")),
    ('"1999"^^xsd:gYear', "o", ox.Literal("1999", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))),
    ('"Kosovo Force"@en', "o", ox.Literal("Kosovo Force", language="en")),
    ("1244", "o", ox.Literal("1244", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    ("_:b42", "s", ox.BlankNode("b42")),
])
def test_terms_are_prefixed_names_iris_or_turtle_literals(text, parameter, expected):
    assert parse_term(text, parameter) == expected


@pytest.mark.parametrize("text, parameter, problem", [
    ("", "s", "missing"),
    ("foo:bar", "s", "not an RDF term"),
    ('"Kosovo Force"@en', "s", "not an RDF term"),
    ("natoid:kfor natoid:isaf", "o", "not an RDF term"),
    ("a", "o", "only be the predicate"),
    ("natoid:kfor . <http://e/x> <http://e/y>", "o", "not an RDF term"),
])
def test_a_malformed_term_is_a_parameter_error_naming_s_p_or_o(text, parameter, problem):
    with pytest.raises(ParameterError) as caught:
        parse_term(text, parameter)
    assert caught.value.parameter == parameter and problem in str(caught.value)
    assert caught.value.http_status == 400


# --- natograph explain ------------------------------------------------------------------------------

def test_cli_prints_an_indented_tree_down_to_asserted_lines(project_config, project_snapshot):
    root = ["--root", str(project_config.root)]
    result = CliRunner(env={"NATOGRAPH_SNAPSHOT_DIR": project_config.snapshot_dir}).invoke(
        main, root + ["explain", "natoid:kfor", "a", "nato:NatoLedOperation"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("natoid:kfor rdf:type nato:NatoLedOperation    [cax-eqc")
    assert any(line.startswith("    natoid:kfor nato:ledBy natoid:nato    [asserted in data/documents/source-000.trig:")
               and "stated by source-000 (line 5)" in line for line in lines)


def test_cli_exits_1_for_a_triple_not_entailed_and_2_for_a_malformed_term(project_config, project_snapshot):
    runner = CliRunner(env={"NATOGRAPH_SNAPSHOT_DIR": project_config.snapshot_dir})
    root = ["--root", str(project_config.root)]
    missing = runner.invoke(main, root + ["explain", "natoid:eulex", "a", "nato:NatoLedOperation"])
    assert missing.exit_code == 1 and "not-entailed" in missing.output
    bad = runner.invoke(main, root + ["explain", "natoid:kfor", "a", "foo:bar"])
    assert bad.exit_code == 2 and "parameter 'o'" in bad.output
