"""Load step: every input file becomes a named graph; a broken file is reported with file and line."""

import pytest

from natograph.errors import InputFileError
from natograph.load import graph_input_files, load_files, parse_file


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
