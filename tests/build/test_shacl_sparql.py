"""The shapes compiled to SPARQL on Oxigraph report what pySHACL, the reference, reports; else pySHACL runs.

The 10k case takes about 10 s (pySHACL's share); deselect it with `-m "not differential"`.
"""

import importlib.util
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from natograph.build.load import InputFile, parse_file
from natograph.build.provenance import SourceIndex
from natograph.build.check.shacl import quiet_ill_typed_literals, validate_data
from natograph.build.check.shacl_sparql import CONSTRAINT_PARAMETERS, CompiledShapes, UnsupportedShapes, literals_kept, scratch_store

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent.parent / "data" / "shacl"
NATO_PREFIXES = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""


@pytest.fixture(autouse=True)
def quiet_rdflib():
    """rdflib logs a traceback for each ill-typed literal it converts; the fixtures hold some on purpose."""
    with quiet_ill_typed_literals():
        yield


def both_engines(data, ontology, shapes, sources=None) -> tuple[list[dict], list[dict]]:
    """The results of the compiled engine and of pySHACL, as dictionaries (file:line locations included)."""
    compiled = validate_data(data, ontology, shapes, sources=sources, engine="sparql")
    reference = validate_data(data, ontology, shapes, sources=sources, engine="pyshacl")
    assert compiled.conforms == reference.conforms
    return [r.to_dict() for r in compiled.results], [r.to_dict() for r in reference.results]


def fixture_index(name: str) -> SourceIndex:
    return SourceIndex.from_files([InputFile(f"data/{name}.ttl", FIXTURES / f"{name}.ttl")])


@pytest.mark.parametrize("name", ["complete", "incomplete", "every-constraint"])
def test_the_compiled_shapes_report_what_pyshacl_reports_on_each_fixture(name, ontology, shapes):
    index = fixture_index(name)
    compiled, reference = both_engines(index.triples(), ontology, shapes, sources=index)
    assert compiled == reference


def test_the_fixture_breaks_every_kind_of_constraint_the_shapes_use(ontology, shapes):
    used = {str(p).removeprefix(str(SH)) for p in set(shapes.predicates()) & CONSTRAINT_PARAMETERS}
    assert used == {"minCount", "maxCount", "class", "datatype", "minInclusive", "pattern", "languageIn", "or",
                    "xone", "node", "property", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
                    "sparql"}, "a new kind of constraint needs a record breaking it in every-constraint.ttl"
    index = fixture_index("every-constraint")
    outcome = validate_data(index.triples(), ontology, shapes, sources=index, engine="sparql")
    reported = {r.constraint.removesuffix("ConstraintComponent") for r in outcome.results}
    # sh:pattern and sh:languageIn are nested (in natosh:DateLiteral, and in the qualified value shape),
    # so they are reported as the sh:node and sh:qualifiedMinCount results they cause.
    assert reported == {"MinCount", "MaxCount", "Class", "Datatype", "MinInclusive", "Or", "Xone", "Node",
                        "QualifiedMinCount", "QualifiedMaxCount", "SPARQL"}
    shapes_reported = {r.shape for r in outcome.results if r.constraint == "SPARQLConstraintComponent"}
    assert shapes_reported == {"natosh:DeclaredProperties", "natosh:DeclaredClasses", "natosh:DescribedReferences",
                               "natosh:DeclaredOntologyTerms", "natosh:EndsAfterStart"}
    assert any(r.focus.startswith("_:") for r in outcome.results), "a blank node is a focus node too"
    assert any(r.value == '"-0044"^^xsd:gYear' for r in outcome.results), "a valid year the pattern refuses"


def test_the_compiled_shapes_report_what_pyshacl_reports_on_the_project_data(ontology, shapes):
    index = SourceIndex.from_files(
        [InputFile(p.relative_to(REPO).as_posix(), p) for p in sorted((REPO / "data").glob("*.ttl"))])
    data = [lt.triple for lt in index.located]
    compiled, reference = both_engines(data, ontology, shapes, sources=index)
    assert compiled == reference


@pytest.mark.differential
def test_the_compiled_shapes_report_what_pyshacl_reports_on_generated_data_10k(ontology, shapes):
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    data = generator.generate(10_000)[len(generator.ontology_triples()):]
    compiled, reference = both_engines(data, ontology, shapes)
    assert compiled == reference
    assert len(compiled) > 5, "the generated data has gaps (the aliases, the figure cut at 10k)"


def test_the_projects_shapes_and_data_are_validated_by_the_compiled_engine(ontology, shapes):
    CompiledShapes(shapes)
    data = [t for path in sorted((REPO / "data").glob("*.ttl"))
            for t in parse_file(InputFile(path.name, path)).triples]
    assert literals_kept(data + ontology, scratch_store(data, ontology))


@pytest.mark.parametrize("shape, reason", [
    ("sh:targetClass nato:Operation ; sh:property [ sh:path nato:ledBy ; sh:hasValue natoid:nato ]", "hasValue"),
    ("sh:targetClass nato:Operation ; sh:property [ sh:path [ sh:inversePath nato:ledBy ] ; sh:minCount 1 ; "
     'sh:message "m" ]', "complex path"),
    ("sh:targetClass nato:Operation ; sh:property [ sh:path nato:ledBy ; sh:minCount 1 ]", "sh:message"),
    ("sh:targetClass nato:Operation ; sh:node <urn:shape>", "recursive"),
    ('sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this ?p }" ]', "error at 1:"),
    ('sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { SERVICE <http://127.0.0.1:9/> '
     '{ ?this ?p ?o } }" ]', "service"),
])
def test_shapes_outside_the_compiled_subset_are_refused_by_the_compiler(shape, reason):
    shapes = Graph().parse(data=NATO_PREFIXES + f"<urn:shape> a sh:NodeShape ; {shape} .", format="turtle")
    with pytest.raises(UnsupportedShapes, match=reason):
        CompiledShapes(shapes)


def test_shapes_outside_the_compiled_subset_are_validated_by_pyshacl(ontology):
    shapes = Graph().parse(data=NATO_PREFIXES + """
        <urn:shape> a sh:NodeShape ; sh:targetClass nato:Operation ;
            sh:property [ sh:path nato:ledBy ; sh:hasValue natoid:nato ; sh:message "led by NATO"@en ] .
    """, format="turtle")
    data = parse_turtle("natoid:op a nato:Operation ; nato:ledBy natoid:un .")
    with pytest.raises(UnsupportedShapes, match="hasValue"):
        CompiledShapes(shapes)
    outcome = validate_data(data, ontology, shapes)
    assert [(r.focus, r.constraint, r.message) for r in outcome.results] == [
        ("natoid:op", "HasValueConstraintComponent", "led by NATO")]


@pytest.mark.parametrize("literals, rewritten_by", [
    ('"5"^^xsd:nonNegativeInteger, "5"^^xsd:integer', "Oxigraph: one xsd:integer"),
    ('"2004-06-28Z"^^xsd:date', "rdflib: the time zone dropped"),
])
def test_a_literal_either_library_rewrites_sends_the_validation_to_pyshacl(literals, rewritten_by, ontology, shapes):
    data = parse_turtle(f"""natoid:fig a nato:Figure ; rdfs:label "Figure"@en ; nato:source natoid:fig ;
        nato:figureOf natoid:fig ; nato:asOf {literals.split(",")[0]} ; nato:troops {literals} .""")
    compiled, reference = both_engines(data, ontology, shapes)
    assert compiled != reference, rewritten_by
    assert not literals_kept(data + ontology, scratch_store(data, ontology))
    assert [r.to_dict() for r in validate_data(data, ontology, shapes).results] == reference


def test_an_unknown_engine_is_refused(ontology, shapes):
    with pytest.raises(ValueError, match="unknown SHACL engine 'fast'"):
        validate_data([], ontology, shapes, engine="fast")


def parse_turtle(text: str) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(NATO_PREFIXES + text, format=ox.RdfFormat.TURTLE)]
