"""Provenance: every asserted triple is traced to the file and line of the statement that states it."""

import hashlib

import pyoxigraph as ox
import pytest

from natograph.build import build
from natograph.errors import InputFileError
from natograph.sparql.explain import explain
from natograph.build.load import InputFile, graph_input_files
from natograph.build.provenance import SourceIndex, locate_file, split_statements
from natograph.snapshot import open_snapshot

NATOID = "https://w3id.org/natograph/id/"
NATO = "https://w3id.org/natograph/ontology#"

TRICKY_TURTLE = '''@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
# a comment with a full stop. And "quotes".
natoid:kfor nato:comment "Ends with a dot. Then more." ;
    nato:troops 3.5e3 ;
    nato:ratio 0.5 ;
    nato:link <http://example.org/a.b#c.> .
natoid:a.b nato:note """A long string.
It spans lines. "Quoted." ""\\" .""" .
natoid:isaf nato:area [ nato:name 'Kabul. Province' ] ;
    nato:list ( natoid:x natoid:y ) .
'''


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return InputFile(name, path)


def test_statements_end_only_at_a_final_full_stop_outside_strings_iris_numbers_and_names():
    statements = split_statements(TRICKY_TURTLE)
    texts = [TRICKY_TURTLE[s.start:s.end] for s in statements if not s.directive]
    assert [t.split()[0] for t in texts] == ["natoid:kfor", "natoid:a.b", "natoid:isaf"]
    assert sum(s.directive for s in statements) == 3


def test_each_triple_gets_the_line_its_statement_starts_on(tmp_path):
    located = locate_file(_file(tmp_path, "data.ttl", TRICKY_TURTLE))
    lines = {(lt.triple.subject.value if isinstance(lt.triple.subject, ox.NamedNode) else "_",
              lt.triple.predicate.value.rsplit("#", 1)[-1]): lt.location.line for lt in located}
    assert lines[(NATOID + "kfor", "troops")] == 5
    assert lines[(NATOID + "a.b", "note")] == 9
    assert lines[(NATOID + "isaf", "area")] == 11
    assert lines[("_", "name")] == 11
    assert {str(lt.location) for lt in located if lt.triple.subject == ox.NamedNode(NATOID + "kfor")} == {"data.ttl:5"}


def test_trig_statements_inside_graph_blocks_keep_their_graph_and_line(tmp_path):
    text = ("PREFIX ex: <http://example.org/>\n"
            "GRAPH ex:g1 {\n  ex:a ex:p ex:b .\n  ex:c ex:p ex:d\n}\n"
            "GRAPH ex:g2 { ex:e ex:p ex:f }\n")
    located = locate_file(_file(tmp_path, "checks.trig", text))
    found = {(lt.triple.subject.value[-1], lt.graph.value[-2:], lt.location.line) for lt in located}
    assert found == {("a", "g1", 3), ("c", "g1", 4), ("e", "g2", 6)}


def test_a_triple_of_the_store_is_found_although_the_store_normalised_its_literal(tmp_path):
    source = _file(tmp_path, "figures.ttl",
                   '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n'
                   '<http://e/kfor> <http://e/troops> "03500"^^xsd:integer .\n')
    index = SourceIndex.from_files([source])
    store = ox.Store()
    store.extend(ox.Quad(*lt.triple) for lt in index.located)
    stored = next(iter(store.quads_for_pattern(None, None, None))).triple
    assert stored.object.value == "3500"
    assert [str(loc) for loc in index.locate(stored)] == ["figures.ttl:3"]


def test_blank_nodes_of_another_parse_are_matched_by_their_triples(tmp_path):
    text = ("@prefix nato: <https://w3id.org/natograph/ontology#> .\n"
            "<http://e/kfor> nato:strength [ nato:troops 3500 ; nato:asOf 2020 ] .\n"
            "<http://e/isaf> nato:strength [ nato:troops 9000 ; nato:asOf 2010 ] .\n")
    index = SourceIndex.from_files([_file(tmp_path, "nodes.ttl", text)])
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/natograph/graph/asserted")
    store.extend(ox.Quad(*q.triple, graph) for q in ox.parse(text, format=ox.RdfFormat.TURTLE))
    isaf_node = next(iter(store.quads_for_pattern(ox.NamedNode("http://e/isaf"), None, None, graph))).object
    troops = ox.Triple(isaf_node, ox.NamedNode(NATO + "troops"), ox.Literal("9000", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")))
    assert [str(loc) for loc in index.locate(troops, store)] == ["nodes.ttl:3"]
    assert index.locate(troops) == []
    assert [str(loc) for loc in index.subject_locations(isaf_node, store)] == ["nodes.ttl:3"]


def test_a_blank_node_triple_of_a_build_is_traced_to_its_own_file_although_two_files_use_its_label(mini_project):
    strength = ("@prefix nato: <https://w3id.org/natograph/ontology#> .\n"
                "@prefix natoid: <https://w3id.org/natograph/id/> .\n"
                "natoid:{operation} nato:strength _:x .\n"
                "_:x nato:troops {troops} .\n")
    for name, operation, troops in (("strength-a", "op-a", 100), ("strength-b", "op-b", 200)):
        (mini_project.data_path / f"{name}.ttl").write_text(strength.format(operation=operation, troops=troops),
                                                             encoding="utf-8")
    store = open_snapshot(mini_project, build(mini_project).key).store
    index = SourceIndex.from_files(graph_input_files(mini_project))
    asserted = ox.NamedNode("https://w3id.org/natograph/graph/asserted")
    for operation, troops, file in (("op-a", "100", "data/strength-a.ttl"), ("op-b", "200", "data/strength-b.ttl")):
        (link,) = store.quads_for_pattern(ox.NamedNode(NATOID + operation), ox.NamedNode(NATO + "strength"), None,
                                          asserted)
        (figure,) = store.quads_for_pattern(link.object, ox.NamedNode(NATO + "troops"), None, asserted)
        assert figure.object.value == troops
        assert [str(loc) for loc in index.locate(link.triple, store)] == [f"{file}:3"]
        assert [str(loc) for loc in index.locate(figure.triple, store)] == [f"{file}:4"]
        explanation = explain(store, figure.triple, sources=index)
        assert explanation.status == "asserted" and [str(loc) for loc in explanation.sources] == [f"{file}:4"]


def test_runs_of_one_triple_statements_and_longer_statements_each_get_their_own_line(tmp_path):
    text = ("<http://e/a> <http://e/p> <http://e/b> .\n"
            "<http://e/a> <http://e/p> <http://e/c> .\n"
            "<http://e/a> <http://e/q> <http://e/d> ; <http://e/r> <http://e/e> , <http://e/f> .\n"
            "\n<http://e/a> <http://e/p> \"semi; colon, comma\" .\n"
            "<http://e/a> <http://e/s> <http://e/g> .\n")
    located = locate_file(_file(tmp_path, "runs.ttl", text))
    lines = [(str(lt.triple.object).strip('<>"').rsplit("/", 1)[-1], lt.location.line) for lt in located]
    assert lines == [("b", 1), ("c", 2), ("d", 3), ("e", 3), ("f", 3), ("semi; colon, comma", 5), ("g", 6)]


def test_a_file_whose_last_statement_has_no_full_stop_is_malformed(tmp_path):
    source = _file(tmp_path, "cut.ttl", "<http://e/a> <http://e/p> <http://e/b> .\n<http://e/a> <http://e/p> <http://e/c>\n")
    with pytest.raises(InputFileError) as caught:
        locate_file(source)
    assert caught.value.path == "cut.ttl"


def test_sparql_style_and_version_directives_are_not_statements(tmp_path):
    text = ('VERSION "1.2"\nPREFIX ex: <http://e/>\nBASE <http://e/>\n'
            "ex:a ex:p ex:b .\n<c> ex:p ex:d .\n")
    located = locate_file(_file(tmp_path, "directives.ttl", text))
    assert [(lt.triple.subject.value, lt.location.line) for lt in located] == [("http://e/a", 4), ("http://e/c", 5)]


def test_the_index_records_the_sha256_of_each_file_it_read(tmp_path):
    source = _file(tmp_path, "data.ttl", TRICKY_TURTLE)
    index = SourceIndex.from_files([source])
    assert index.input_hashes == {"data.ttl": hashlib.sha256(TRICKY_TURTLE.encode("utf-8")).hexdigest()}
