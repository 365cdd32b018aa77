"""SHACL: ontology/shapes.ttl says what a good record needs; an incomplete one is reported, readably and located."""

import logging
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from natograph.errors import InputFileError
from natograph.build.load import InputFile
from natograph.build.provenance import SourceIndex
from natograph.build.check.shacl import load_shapes, validate_data

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent.parent / "data" / "shacl"


def validate_fixture(name, ontology, shapes):
    index = SourceIndex.from_files([InputFile(f"data/{name}.ttl", FIXTURES / f"{name}.ttl")])
    return validate_data(index.triples(), ontology, shapes, sources=index)


@pytest.fixture(scope="module")
def incomplete(ontology, shapes):
    outcome = validate_fixture("incomplete", ontology, shapes)
    return {(r.focus, r.path, r.shape): r for r in outcome.results}, outcome


def test_a_complete_record_conforms(ontology, shapes):
    outcome = validate_fixture("complete", ontology, shapes)
    assert outcome.conforms, "\n".join(r.describe() for r in outcome.results)
    assert outcome.results == []


@pytest.mark.parametrize("focus, path, shape, words, line", [
    ("natoid:test-operation", "nato:ledBy", "natosh:Operation", "needs a leader", 12),
    ("natoid:test-operation", "nato:startDate", "natosh:Operation", "needs a start date", 12),
    ("natoid:test-operation", None, "natosh:DescribedResource", "has no nato:source", 12),
    ("natoid:test-country", "rdfs:label", "natosh:DescribedResource", "exactly one English rdfs:label", 17),
    ("natoid:test-country", "nato:locatedIn", "natosh:DescribedReferences", "natoid:test-regoin", 17),
    ("natoid:test-country", "nato:capital", "natosh:DeclaredProperties", "uses property nato:capital", 17),
    ("natoid:test-figure", "nato:asOf", "natosh:Figure", "exactly one as-of date", 24),
    ("natoid:test-figure", None, "natosh:Figure", "exactly one number", 24),
    ("natoid:test-programme", "nato:startDate", "natosh:Dated", "well-formed", 31),
    ("natoid:test-mission", None, "natosh:EndsAfterStart", "ends (2010) before it starts", 37),
    ("natoid:test-organisation", None, "natosh:DeclaredClasses", "has type nato:Alliance", 44),
])
def test_each_gap_of_an_incomplete_record_is_reported_with_its_file_and_line(incomplete, focus, path, shape,
                                                                             words, line):
    results, _ = incomplete
    result = results.get((focus, path, shape))
    assert result is not None, "\n".join(r.describe() for r in results.values())
    assert words in result.message
    assert result.severity == "violation"
    assert [str(loc) for loc in result.locations] == [f"data/incomplete.ttl:{line}"]


def test_every_result_of_the_incomplete_record_is_one_of_the_expected_gaps(incomplete):
    results, outcome = incomplete
    assert not outcome.conforms
    assert len(outcome.results) == 11, "\n".join(r.describe() for r in outcome.results)


def test_a_result_reads_as_focus_path_message_and_location(incomplete):
    results, _ = incomplete
    text = results[("natoid:test-programme", "nato:startDate", "natosh:Dated")].describe()
    assert text.startswith("[violation] natoid:test-programme nato:startDate: nato:startDate must be")
    assert '(value "2015-13"^^xsd:gYearMonth)' in text and "data/incomplete.ttl:31" in text


def test_a_malformed_shapes_file_names_its_line(tmp_path):
    broken = tmp_path / "shapes.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<http://e/s> a sh:NodeShape , .\n")
    with pytest.raises(InputFileError) as caught:
        load_shapes(broken, "ontology/shapes.ttl")
    assert caught.value.path == "ontology/shapes.ttl" and caught.value.line == 3


def test_every_result_on_the_real_data_names_a_data_file_line(ontology, shapes):
    index = SourceIndex.from_files(
        [InputFile(p.relative_to(REPO).as_posix(), p) for p in sorted((REPO / "data").glob("*.ttl"))])
    outcome = validate_data(index.triples(), ontology, shapes, sources=index)
    for result in outcome.results:
        assert result.locations and all(loc.file.startswith("data/") and loc.line for loc in result.locations)


ILL_TYPED_RECORD = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

natoid:test-source a nato:Source ;
    rdfs:label "A test source"@en .

natoid:test-programme a nato:Programme ;
    rdfs:label "Test programme"@en ;
    nato:startDate "2001-02-30"^^xsd:date ;
    nato:source natoid:test-source .
"""


@pytest.mark.parametrize("engine", ["pyshacl", "auto"])
def test_an_ill_typed_literal_is_reported_without_a_traceback_from_rdflib(tmp_path, ontology, shapes, engine, caplog):
    data = tmp_path / "ill-typed.ttl"
    data.write_text(ILL_TYPED_RECORD, encoding="utf-8")
    index = SourceIndex.from_files([InputFile("data/ill-typed.ttl", data)])
    with caplog.at_level(logging.WARNING):
        outcome = validate_data(index.triples(), ontology, shapes, sources=index, engine=engine)
    (dated,) = [r for r in outcome.results if r.shape == "natosh:Dated"]
    assert dated.value == '"2001-02-30"^^xsd:date' and [str(loc) for loc in dated.locations] == ["data/ill-typed.ttl:9"]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("rdflib")] == []
    # Only the validation is quiet: rdflib still warns elsewhere.
    with caplog.at_level(logging.WARNING):
        Literal("2001-02-30", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert any(r.name == "rdflib.term" and r.exc_info for r in caplog.records)
