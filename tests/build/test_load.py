"""Load step: every input file becomes a named graph; a broken file is reported with file and line."""

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import to_isomorphic

from natograph.build import build
from natograph.errors import InputFileError
from natograph.build.load import graph_input_files, load_files, parse_file
from natograph.snapshot import DEFAULT_GRAPH_FILE, open_snapshot
from natograph.store import EmbeddedStore
from natograph.rdf.terms import triple_to_rdflib


def test_each_file_becomes_its_own_named_graph(mini_project):
    loaded = load_files(graph_input_files(mini_project))
    graphs = [f.graph.value for f in loaded]
    assert graphs == [
        "https://w3id.org/natograph/graph/ontology/nato.ttl",
        "https://w3id.org/natograph/graph/data/operations.ttl",
        "https://w3id.org/natograph/graph/data/places.ttl",
    ]
    assert all(f.triples for f in loaded)


def test_malformed_turtle_names_file_line_and_reason(mini_project):
    bad = mini_project.data_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n')
    files = [f for f in graph_input_files(mini_project) if f.relative_path == "data/broken.ttl"]
    with pytest.raises(InputFileError) as caught:
        parse_file(files[0])
    error = caught.value
    assert error.path == "data/broken.ttl"
    assert error.line == 3
    assert str(error).startswith("data/broken.ttl:3")
    assert error.reason


def test_missing_object_is_reported_at_its_line(mini_project):
    bad = mini_project.data_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e ex:f ;\n  ex:g .\n")
    source = next(f for f in graph_input_files(mini_project) if f.relative_path == "data/broken.ttl")
    with pytest.raises(InputFileError) as caught:
        parse_file(source)
    assert (caught.value.line, caught.value.column) == (4, 8)
    assert "not a valid RDF object" in caught.value.reason


def test_non_utf8_file_is_reported_with_its_line(mini_project):
    (mini_project.data_path / "latin1.ttl").write_bytes(b'@prefix ex: <http://e/> .\n\nex:a ex:b "Fran\xe7ais" .\n')
    source = next(f for f in graph_input_files(mini_project) if f.relative_path == "data/latin1.ttl")
    with pytest.raises(InputFileError, match="not valid UTF-8") as caught:
        parse_file(source)
    assert caught.value.line == 3


def test_missing_data_directory_is_an_input_error(mini_project):
    with pytest.raises(InputFileError, match="data directory not found"):
        graph_input_files(mini_project.replace(data_dir="nowhere"))


STRENGTH = '''@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
natoid:{operation} nato:strength _:x .
_:x nato:troops {troops} .
'''


def write_strength_files(config) -> None:
    """Two data files that both call their strength node `_:x`."""
    for name, operation, troops in (("strength-a", "op-a", 100), ("strength-b", "op-b", 200)):
        (config.data_path / f"{name}.ttl").write_text(STRENGTH.format(operation=operation, troops=troops),
                                                       encoding="utf-8")


def test_the_same_blank_node_label_in_two_files_is_two_nodes(mini_project):
    write_strength_files(mini_project)
    loaded = {f.source.relative_path: f for f in load_files(graph_input_files(mini_project))}
    node_a = {t.object for t in loaded["data/strength-a.ttl"].triples if t.predicate.value.endswith("#strength")}
    node_b = {t.object for t in loaded["data/strength-b.ttl"].triples if t.predicate.value.endswith("#strength")}
    assert len(node_a) == len(node_b) == 1 and node_a != node_b
    store = EmbeddedStore(open_snapshot(mini_project, build(mini_project).key))
    rows = store.query("SELECT ?operation ?node ?troops WHERE { ?operation nato:strength ?node . "
                       "?node nato:troops ?troops }").rows
    assert sorted((row[0].value.rsplit("/", 1)[1], row[2].value) for row in rows) == [("op-a", "100"), ("op-b", "200")]
    assert len({row[1] for row in rows}) == 2


def test_a_file_s_blank_nodes_are_named_the_same_at_every_parse(mini_project):
    write_strength_files(mini_project)
    source = next(f for f in graph_input_files(mini_project) if f.relative_path == "data/strength-a.ttl")
    assert parse_file(source).triples == parse_file(source).triples


def test_anonymous_blank_nodes_are_named_by_their_order_in_the_file_the_same_at_every_parse(mini_project):
    (mini_project.data_path / "anonymous.ttl").write_text(
        "@prefix nato: <https://w3id.org/natograph/ontology#> .\n"
        "@prefix natoid: <https://w3id.org/natograph/id/> .\n"
        "natoid:op-c nato:strength [ nato:troops 300 ] ; nato:area ( natoid:a natoid:b ) .\n"
        "natoid:op-d nato:strength _:anon0 . _:anon0 nato:troops 400 .\n", encoding="utf-8")
    source = next(f for f in graph_input_files(mini_project) if f.relative_path == "data/anonymous.ttl")
    first, second = parse_file(source).triples, parse_file(source).triples
    assert first == second
    names = {term.value.rsplit("-", 1)[0] for t in first for term in (t.subject, t.object)
             if isinstance(term, ox.BlankNode)}
    # `[ … ]` and the two cells of the list by order; the file's own `_:anon0` keeps its label and is not reused.
    assert names == {"anon0", "anon1", "anon2", "anon3"}
    troops = {t.subject.value: t.object.value for t in first if t.predicate.value.endswith("#troops")}
    assert sorted(troops.values()) == ["300", "400"] and len(troops) == 2


def test_a_rebuild_of_the_same_inputs_writes_the_same_graph_byte_for_byte(mini_project):
    (mini_project.data_path / "anonymous.ttl").write_text(
        "@prefix nato: <https://w3id.org/natograph/ontology#> .\n"
        "<https://w3id.org/natograph/id/op-c> nato:strength [ nato:troops 300 ] .\n", encoding="utf-8")
    first = build(mini_project).key
    written = (mini_project.snapshots_path / first / DEFAULT_GRAPH_FILE).read_bytes()
    quads = set(open_snapshot(mini_project, first).store)
    again = build(mini_project, force=True).key
    assert again == first and b"_:anon" in written
    assert (mini_project.snapshots_path / again / DEFAULT_GRAPH_FILE).read_bytes() == written
    assert set(open_snapshot(mini_project, again).store) == quads


def test_a_rebuild_of_the_same_inputs_has_the_same_key_and_the_same_content(mini_project):
    write_strength_files(mini_project)

    def content(key):
        """Each graph of the snapshot, in a form equal for isomorphic graphs; and the labelled blank nodes' triples."""
        snapshot = open_snapshot(mini_project, key)
        graphs, labelled = {}, set()
        for quad in snapshot.store.quads_for_pattern(None, None, None, None):
            graph = graphs.setdefault(str(quad.graph_name), rdflib.Graph())
            graph.add(triple_to_rdflib(quad.triple))
            if isinstance(quad.subject, ox.BlankNode) and quad.subject.value.startswith("x-"):
                labelled.add(quad)
        return {name: to_isomorphic(graph) for name, graph in graphs.items()}, labelled

    first = build(mini_project).key
    before = content(first)
    again = build(mini_project, force=True).key
    assert again == first
    after = content(again)
    assert len(before[0]) == 3 + 5  # default, asserted, inferred and the graph of each input file
    assert len({quad.subject for quad in before[1]}) == 2
    assert before[1] == after[1]
    assert before[0].keys() == after[0].keys() and all(before[0][g] == after[0][g] for g in before[0])
