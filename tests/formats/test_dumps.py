"""Dumps: every format and graph selection parses back into the snapshot's graphs, over HTTP and from the CLI."""

import io
import json
import threading
import time

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from natograph.cli import main
from natograph.formats.dump import DUMP_FORMATS, GraphSelection, dump_graphs, iter_dump, write_dump
from natograph.formats import Format
from natograph.formats.jsonld import context_from_store
from natograph.snapshot import open_snapshot
from natograph.store import EmbeddedStore
from natograph.rdf.terms import triple_to_rdflib

from ..web_fixture import built_web_project

from ..serving import in_process_client

GRAPH = "https://w3id.org/natograph/graph/"
OX_FORMAT = {Format.TURTLE: ox.RdfFormat.TURTLE, Format.N_TRIPLES: ox.RdfFormat.N_TRIPLES,
             Format.JSON_LD: ox.RdfFormat.JSON_LD, Format.RDF_XML: ox.RdfFormat.RDF_XML,
             Format.TRIG: ox.RdfFormat.TRIG, Format.N_QUADS: ox.RdfFormat.N_QUADS}
SELECTIONS = {GraphSelection.ASSERTED: [GRAPH + "asserted"], GraphSelection.INFERRED: [GRAPH + "inferred"],
              GraphSelection.ALL: []}


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return built_web_project(tmp_path_factory.mktemp("dumps"))


@pytest.fixture(scope="module")
def store(config):
    return EmbeddedStore(open_snapshot(config))


@pytest.fixture(scope="module")
def client(config, store):
    return in_process_client(config, store)


def graph_of(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    return graph


def snapshot_graph(store, graph_iri: str) -> rdflib.Graph:
    return graph_of(q.triple for q in store.snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)))


def parsed_quads(body: bytes, fmt: Format) -> list[ox.Quad]:
    return list(ox.parse(body, format=OX_FORMAT[fmt]))


def assert_dump_matches_snapshot(body: bytes, fmt: Format, selection: GraphSelection, store) -> None:
    quads = parsed_quads(body, fmt)
    if fmt in (Format.TRIG, Format.N_QUADS):
        expected_graphs = [g.value for g in dump_graphs(store.snapshot, selection, fmt)]
        assert {q.graph_name.value for q in quads} == set(expected_graphs)
        for graph_iri in expected_graphs:
            in_dump = graph_of(q.triple for q in quads if q.graph_name.value == graph_iri)
            assert isomorphic(in_dump, snapshot_graph(store, graph_iri)), f"graph {graph_iri} differs"
    else:
        assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        expected = rdflib.Graph()
        if selection is GraphSelection.ALL:
            # Everything is the default graph: asserted, inferred and (with statement graphs) their descriptions.
            expected = graph_of(q.triple for q in store.snapshot.store.quads_for_pattern(None, None, None,
                                                                                       ox.DefaultGraph()))
        for graph_iri in SELECTIONS[selection]:
            expected += snapshot_graph(store, graph_iri)
        assert isomorphic(graph_of(q.triple for q in quads), expected)


@pytest.mark.parametrize("selection", list(GraphSelection))
@pytest.mark.parametrize("fmt", DUMP_FORMATS)
def test_every_dump_parses_back_into_the_snapshot_s_graphs(store, fmt, selection):
    output = io.BytesIO()
    write_dump(store.snapshot, fmt, selection, output)
    assert_dump_matches_snapshot(output.getvalue(), fmt, selection, store)


def test_a_dataset_dump_of_everything_holds_every_named_graph(store):
    names = [g.value for g in dump_graphs(store.snapshot, GraphSelection.ALL, Format.N_QUADS)]
    assert names[:2] == [GRAPH + "asserted", GRAPH + "inferred"]
    assert set(names) == {g.value for g in store.snapshot.store.named_graphs()}
    assert GRAPH + "data/injected.ttl" in names


@pytest.mark.parametrize("fmt", DUMP_FORMATS)
def test_the_project_dumps_parse_back(project_store, fmt):
    output = io.BytesIO()
    write_dump(project_store.snapshot, fmt, GraphSelection.ALL, output)
    assert_dump_matches_snapshot(output.getvalue(), fmt, GraphSelection.ALL, project_store)


@pytest.mark.parametrize("fmt", DUMP_FORMATS)
def test_http_dumps_are_attachments_with_the_snapshot_etag(client, store, fmt):
    name = f"natograph-all.{fmt.extension}"
    response = client.get(f"/dump/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert store.key in response.headers["ETag"]
    assert_dump_matches_snapshot(response.data, fmt, GraphSelection.ALL, store)
    assert client.get(f"/dump/{name}", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_http_and_cli_dumps_are_the_same_bytes(client, config, tmp_path):
    target = tmp_path / "inferred.nt"
    result = CliRunner().invoke(main, ["--root", str(config.root), "export", "--format", "nt", "--graph", "inferred",
                                       "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == client.get("/dump/natograph-inferred.nt").data


def test_the_dump_index_lists_every_dump(client):
    listing = client.get("/dump/", headers={"Accept": "application/json"}).get_json()["dumps"]
    assert len(listing) == len(DUMP_FORMATS) * len(GraphSelection)
    for entry in listing:
        assert client.head(entry["url"]).status_code == 200
    page = client.get("/dump/", headers={"Accept": "text/html"}).data.decode()
    assert 'href="/dump/natograph-asserted.trig"' in page


def test_an_unknown_dump_is_404_naming_the_dumps(client):
    response = client.get("/dump/natograph-everything.ttl")
    assert response.status_code == 404
    assert "natograph-all.ttl" in response.get_json()["message"]
    assert client.get("/dump/natograph-all.csv").status_code == 404


def test_export_writes_to_standard_output(config, store):
    result = CliRunner().invoke(main, ["--root", str(config.root), "export", "--format", "trig", "--graph", "all"])
    assert result.exit_code == 0
    assert_dump_matches_snapshot(result.stdout_bytes, Format.TRIG, GraphSelection.ALL, store)


def test_export_json_ld_is_self_contained(config, store):
    result = CliRunner().invoke(main, ["--root", str(config.root), "export", "--format", "jsonld"])
    document = json.loads(result.stdout_bytes)
    assert document["@context"] == context_from_store(store).document()["@context"]


def test_export_to_an_unwritable_place_fails_and_leaves_nothing(config, tmp_path):
    target = tmp_path / "missing-directory" / "dump.ttl"
    result = CliRunner().invoke(main, ["--root", str(config.root), "export", "-o", str(target)])
    assert result.exit_code == 2
    assert str(target) in result.output and "cannot write" in result.output
    assert not target.parent.exists()


def dump_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "natograph-dump"]


def test_a_streamed_dump_comes_in_chunks_and_stops_when_the_reader_does(project_store):
    chunks = iter_dump(project_store.snapshot, Format.N_TRIPLES, GraphSelection.ALL)
    first, second = next(chunks), next(chunks)
    assert first and second
    assert len(dump_threads()) == 1
    chunks.close()
    deadline = time.monotonic() + 5
    while dump_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dump_threads() == []


def test_a_streamed_dump_is_whole(project_store):
    streamed = b"".join(iter_dump(project_store.snapshot, Format.TURTLE, GraphSelection.ALL))
    written = io.BytesIO()
    write_dump(project_store.snapshot, Format.TURTLE, GraphSelection.ALL, written)
    assert streamed == written.getvalue()
