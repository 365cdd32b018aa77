"""Build: snapshot reuse and invalidation, clash reports, and a failed build leaves the old snapshot intact."""

import pathlib

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from natograph import snapshot as snapshot_module
from natograph.build import build
from natograph.cli import main
from natograph.errors import InconsistencyError, InputFileError
from natograph.snapshot import current_key, open_snapshot

CLASH = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
natoid:city a nato:Operation .
"""


def test_second_build_with_unchanged_inputs_reuses_the_snapshot(mini_project):
    first = build(mini_project)
    second = build(mini_project)
    assert not first.reused and second.reused
    assert first.key == second.key


def test_changing_a_data_file_invalidates_the_snapshot(mini_project):
    first = build(mini_project)
    places = mini_project.data_path / "places.ttl"
    places.write_text(places.read_text() + '\nnatoid:village a nato:Place .\n')
    second = build(mini_project)
    assert not second.reused and second.key != first.key
    assert second.manifest["counts"]["asserted"] == first.manifest["counts"]["asserted"] + 1


def test_adding_a_data_file_invalidates_the_snapshot(mini_project):
    first = build(mini_project)
    (mini_project.data_path / "extra.ttl").write_text("<http://e/a> <http://e/b> <http://e/c> .\n")
    assert build(mini_project).key != first.key


def test_a_code_change_invalidates_the_snapshot(mini_project, monkeypatch):
    first = build(mini_project)
    monkeypatch.setattr(snapshot_module, "code_fingerprint", lambda: "another version of the code")
    assert build(mini_project).key != first.key


def test_snapshot_holds_asserted_inferred_and_file_graphs(mini_project):
    result = build(mini_project)
    snap = open_snapshot(mini_project, result.key)
    graphs = {g.value for g in snap.store.named_graphs()}
    assert {"https://w3id.org/natograph/graph/asserted", "https://w3id.org/natograph/graph/inferred",
            "https://w3id.org/natograph/graph/data/places.ttl"} <= graphs
    inferred = snap.store.query(
        "ASK { GRAPH <https://w3id.org/natograph/graph/inferred> {"
        " <https://w3id.org/natograph/id/city> <https://w3id.org/natograph/ontology#locatedIn>"
        " <https://w3id.org/natograph/id/country> } }")
    assert bool(inferred)
    assert result.manifest["counts"]["inferred"] > 0


def test_inconsistent_graph_fails_naming_the_clashing_triples(mini_project):
    good = build(mini_project)
    (mini_project.data_path / "clash.ttl").write_text(CLASH)
    with pytest.raises(InconsistencyError) as caught:
        build(mini_project)
    report = str(caught.value)
    assert "cax-adc" in report
    assert "natoid:city rdf:type nato:Operation" in report
    assert "data/clash.ttl" in report and "data/places.ttl" in report
    assert current_key(mini_project) == good.key
    assert open_snapshot(mini_project).key == good.key


def test_malformed_file_fails_the_build_and_keeps_the_previous_snapshot(mini_project):
    good = build(mini_project)
    (mini_project.data_path / "broken.ttl").write_text("<http://e/a> <http://e/b> .\n")
    with pytest.raises(InputFileError):
        build(mini_project)
    assert current_key(mini_project) == good.key
    leftovers = [p.name for p in mini_project.snapshots_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_cli_build_prints_summary_and_fails_with_file_and_line(mini_project):
    runner = CliRunner()
    ok = runner.invoke(main, ["--root", str(mini_project.root), "build"])
    assert ok.exit_code == 0, ok.output
    assert "asserted triples" in ok.output and "inferred" in ok.output and "timings" in ok.output
    again = runner.invoke(main, ["--root", str(mini_project.root), "build"])
    assert "reused" in again.output
    (mini_project.data_path / "broken.ttl").write_text("\n\n<http://e/a> <http://e/b> .\n")
    failed = runner.invoke(main, ["--root", str(mini_project.root), "build"])
    assert failed.exit_code == 2
    assert "data/broken.ttl:3" in failed.output


def test_cli_build_exits_1_on_inconsistency(mini_project):
    (mini_project.data_path / "clash.ttl").write_text(CLASH)
    failed = CliRunner().invoke(main, ["--root", str(mini_project.root), "build"])
    assert failed.exit_code == 1
    assert "inconsistent" in failed.output and "natoid:city rdf:type nato:Operation" in failed.output


def test_the_clash_rules_shape_the_snapshot_key_and_the_sparql_files_do_not(monkeypatch):
    before = snapshot_module.code_fingerprint()
    edited = set()
    read_bytes = pathlib.Path.read_bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda path: read_bytes(path) + (b"#" if path.name in edited else b""))
    edited.add("label-of.rq")  # a page's look-up query: no effect on what a build produces
    assert snapshot_module.code_fingerprint() == before
    edited.add("clashes.py")  # the clash rules the build applies (build/reasoner/clashes.py)
    assert snapshot_module.code_fingerprint() != before


def test_the_snapshot_default_graph_is_asserted_and_inferred_once(mini_project):
    from natograph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH

    store = open_snapshot(mini_project, build(mini_project).key).store

    def triples(graph):
        return {quad.triple for quad in store.quads_for_pattern(None, None, None, graph)}

    union = triples(ox.NamedNode(ASSERTED_GRAPH)) | triples(ox.NamedNode(INFERRED_GRAPH))
    assert triples(ox.DefaultGraph()) == union and union


def test_the_default_graph_file_holds_exactly_the_default_graph(mini_project):
    from natograph.snapshot import DEFAULT_GRAPH_FILE

    snapshot = open_snapshot(mini_project, build(mini_project).key)
    written = {quad.triple for quad in ox.parse(path=str(snapshot.path / DEFAULT_GRAPH_FILE), format=ox.RdfFormat.N_TRIPLES)}
    stored = {quad.triple for quad in snapshot.store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert written == stored and len(stored) == snapshot.manifest["counts"]["all"]


def test_a_default_graph_loaded_in_memory_gives_the_same_answers_to_every_kind_of_query(mini_project):
    from natograph.store import Dataset, EmbeddedStore, load_default_graph
    from natograph.vocab import ASSERTED_GRAPH

    snapshot = open_snapshot(mini_project, build(mini_project).key)
    on_disk, in_memory = EmbeddedStore(snapshot), EmbeddedStore(snapshot, memory=load_default_graph(snapshot.path))
    graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    default = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    lowercase_graph = "select ?g (count(*) as ?n) where { graph ?g { ?s ?p ?o } } group by ?g"
    asserted_only = Dataset(default_graphs=(ASSERTED_GRAPH,))
    for text, dataset in ((graphs, Dataset()), (default, Dataset()), (lowercase_graph, Dataset()),
                          (default, asserted_only)):
        expected = on_disk.query(text, dataset=dataset).rows
        # Blank nodes too: the memory image names each as the snapshot's database does (`Store.load` renamed them).
        assert sorted(map(str, in_memory.query(text, dataset=dataset).rows)) == sorted(map(str, expected))
        assert expected
    assert any(isinstance(term, ox.BlankNode) for row in on_disk.query(default).rows for term in row)


@pytest.mark.parametrize("make_unreadable", [
    lambda path: path.symlink_to(path.with_name("nowhere.ttl")),  # a dangling link
    lambda path: path.mkdir(),  # a directory named like a data file
], ids=["dangling-link", "directory"])
def test_an_input_that_cannot_be_read_fails_the_build_naming_it(mini_project, make_unreadable):
    good = build(mini_project)
    make_unreadable(mini_project.data_path / "odd.ttl")
    failed = CliRunner().invoke(main, ["--root", str(mini_project.root), "build"])
    assert failed.exit_code == 2
    assert "data/odd.ttl: cannot read" in failed.output and "Traceback" not in failed.output
    assert current_key(mini_project) == good.key
