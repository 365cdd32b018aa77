"""Statement graphs: each statement in the named graph of the source (and line) that states it.

The graph's name says the source and line; a name that says neither, a source that is not declared, or a
line past the end of its document is refused with the file and line of the graph. nato:source is derived
from the graphs, and how statements are grouped into graphs cannot change what the reasoner infers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import to_isomorphic

from click.testing import CliRunner

from natograph.build import build
from natograph.cli import main
from natograph.build.check.coverage import provenance_findings
from natograph.build.load import graph_input_files, load_files
from natograph.build.provenance import SourceIndex
from natograph.config import Config
from natograph.errors import InputFileError
from natograph.rdf.terms import triple_to_rdflib
from natograph.snapshot import open_snapshot
from natograph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH

REPO = Path(__file__).resolve().parents[2]
PREFIXES = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
# Two documents and a reference, declared as data/sources.ttl declares the real ones.
SOURCES = PREFIXES + """
natoid:source-000 a nato:Source ; nato:fileName "000_a.txt" ; nato:lineCount 12 .
natoid:source-001 a nato:Source ; nato:fileName "001_b.txt" ; nato:lineCount 40 .
natoid:ref-nato-isaf a nato:Source .
"""
FACTS = {
    "natoid:statements-source-000-line-9": """natoid:kfor a nato:PeaceSupportOperation ; nato:ledBy natoid:nato ;
        nato:startDate "1999"^^xsd:gYear .""",
    "natoid:statements-source-001-line-33": """natoid:kfor a nato:PeaceSupportOperation ; nato:area natoid:kosovo .
        natoid:kosovo a nato:Country .""",
    "natoid:statements-ref-nato-isaf": """natoid:isaf a nato:PeaceSupportOperation ; nato:ledBy natoid:nato ;
        nato:area natoid:afghanistan .""",
}


def project(tmp_path: Path, files: dict[str, str]) -> Config:
    """A project with the real ontology and these data files (path under data/ → text)."""
    root = tmp_path / "project"
    (root / "ontology").mkdir(parents=True)
    shutil.copy(REPO / "ontology" / "nato.ttl", root / "ontology" / "nato.ttl")
    for name, text in {"sources.ttl": SOURCES, **files}.items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Config.load(root=root, snapshot_dir=str(tmp_path / "snapshots"))


def as_trig(graphs: dict[str, str]) -> str:
    return PREFIXES + "".join(f"\n{name} {{\n{body}\n}}\n" for name, body in graphs.items())


def graph_triples(snapshot, graph: str) -> set[ox.Triple]:
    return {q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def same_graph(a, b, graph: str) -> bool:
    """Whether two snapshots hold the same graph, up to the names of blank nodes (new at every parse)."""
    def canonical(snapshot):
        g = rdflib.Graph()
        for triple in graph_triples(snapshot, graph):
            g.add(triple_to_rdflib(triple))
        return to_isomorphic(g)
    return canonical(a) == canonical(b)


def sources_of(snapshot, subject: str) -> set[str]:
    nato_source = ox.NamedNode("https://w3id.org/natograph/ontology#source")
    return {q.object.value.rsplit("/", 1)[-1] for q in snapshot.store.quads_for_pattern(
        ox.NamedNode("https://w3id.org/natograph/id/" + subject), nato_source, None, ox.NamedNode(ASSERTED_GRAPH))}


def test_each_graph_holds_what_its_source_states_and_is_described_by_its_name(tmp_path):
    config = project(tmp_path, {"documents/facts.trig": as_trig(FACTS)})
    snapshot = open_snapshot(config, build(config).key)
    store = snapshot.store
    rows = store.query("""PREFIX nato: <https://w3id.org/natograph/ontology#>
        SELECT ?source ?line WHERE {
          GRAPH ?g { <https://w3id.org/natograph/id/kfor> a nato:PeaceSupportOperation }
          ?g a nato:StatementGraph ; nato:source ?source . OPTIONAL { ?g nato:sourceLine ?line } }
        ORDER BY ?source""")
    assert [(r["source"].value.rsplit("/", 1)[-1], int(r["line"].value)) for r in rows] == [
        ("source-000", 9), ("source-001", 33)]
    assert sources_of(snapshot, "kfor") == {"source-000", "source-001"}
    assert sources_of(snapshot, "isaf") == {"ref-nato-isaf"}
    assert sources_of(snapshot, "kosovo") == {"source-001"}
    # The descriptions are in the provenance graph and the default graph, not among the asserted triples.
    provenance = graph_triples(snapshot, PROVENANCE_GRAPH)
    assert len(provenance) == 3 + 4 + 4
    assert not provenance & graph_triples(snapshot, ASSERTED_GRAPH)
    assert not provenance & graph_triples(snapshot, INFERRED_GRAPH)
    assert snapshot.manifest["counts"]["provenance"] == len(provenance)


def test_recording_provenance_in_graphs_does_not_change_the_closure(tmp_path):
    """The same statements, as plain Turtle with hand-written nato:source or in statement graphs (one of them
    recorded by two documents), give the same asserted and inferred graphs."""
    plain = PREFIXES + "\n".join(body for body in FACTS.values()) + """
        natoid:kfor nato:source natoid:source-000, natoid:source-001 .
        natoid:kosovo nato:source natoid:source-001 .
        natoid:isaf nato:source natoid:ref-nato-isaf ."""
    as_turtle = project(tmp_path / "turtle", {"facts.ttl": plain})
    in_graphs = project(tmp_path / "graphs", {"documents/facts.trig": as_trig(FACTS)})
    turtle_snapshot = open_snapshot(as_turtle, build(as_turtle).key)
    graphs_snapshot = open_snapshot(in_graphs, build(in_graphs).key)
    assert same_graph(graphs_snapshot, turtle_snapshot, INFERRED_GRAPH)
    assert same_graph(graphs_snapshot, turtle_snapshot, ASSERTED_GRAPH)
    assert graph_triples(graphs_snapshot, PROVENANCE_GRAPH) and not graph_triples(turtle_snapshot, PROVENANCE_GRAPH)


def test_moving_a_statement_to_another_line_changes_its_provenance_only(tmp_path):
    moved = dict(FACTS)
    moved["natoid:statements-source-000-line-10"] = moved.pop("natoid:statements-source-000-line-9")
    first = project(tmp_path / "first", {"documents/facts.trig": as_trig(FACTS)})
    second = project(tmp_path / "second", {"documents/facts.trig": as_trig(moved)})
    a, b = (open_snapshot(c, build(c).key) for c in (first, second))
    assert same_graph(a, b, INFERRED_GRAPH)
    assert graph_triples(a, PROVENANCE_GRAPH) != graph_triples(b, PROVENANCE_GRAPH)


@pytest.mark.parametrize("graphs, line, reason", [
    ({"natoid:statements-source-000-line-13": "natoid:kfor nato:ledBy natoid:nato ."}, 6,
     "source-000 has 12 lines, not 13"),
    ({"natoid:statements-source-000": "natoid:kfor nato:ledBy natoid:nato ."}, 6,
     "is a document: name the line"),
    ({"natoid:statements-ref-nato-isaf-line-2": "natoid:kfor nato:ledBy natoid:nato ."}, 6,
     "is a public reference, which has no lines"),
    ({"natoid:statements-source-009-line-1": "natoid:kfor nato:ledBy natoid:nato ."}, 6,
     "source-009 is not a declared source"),
    ({"natoid:kfor-facts": "natoid:kfor nato:ledBy natoid:nato ."}, 6, "not the name of a statement graph"),
])
def test_a_graph_name_that_says_no_declared_source_or_line_is_refused_at_its_line(tmp_path, graphs, line, reason):
    config = project(tmp_path, {"documents/facts.trig": as_trig(graphs)})
    with pytest.raises(InputFileError) as caught:
        build(config)
    assert caught.value.path == "data/documents/facts.trig"
    assert caught.value.line == line
    assert reason in str(caught.value)


def test_a_triple_outside_every_graph_of_a_trig_file_is_refused_at_its_line(tmp_path):
    text = as_trig(FACTS) + "\nnatoid:unsourced nato:ledBy natoid:nato .\n"
    config = project(tmp_path, {"documents/facts.trig": text})
    with pytest.raises(InputFileError) as caught:
        load_files(graph_input_files(config))
    assert caught.value.path == "data/documents/facts.trig"
    assert caught.value.line == text.count("\n", 0, text.index("natoid:unsourced")) + 1
    assert "outside a statement graph" in str(caught.value)


def test_the_projects_data_states_every_statement_through_a_source(project_config, project_snapshot):
    """Every triple of a data file other than the sources' descriptions and our own prose is in a statement graph,
    and every document has statements."""
    sources = SourceIndex.from_files(graph_input_files(project_config))
    unstated, coverage = provenance_findings(project_snapshot.store, sources)
    assert unstated == []
    assert sorted(c.file_name[:3] for c in coverage) == ["000", "001", "002", "003", "004"]
    assert all(c.statements >= 10 and 0 < c.stated_lines <= c.lines for c in coverage)


def test_check_fails_on_a_statement_no_source_states_and_names_its_line(tmp_path):
    unsourced = PREFIXES + "\n# stated by nobody\nnatoid:kfor nato:beneficiary natoid:kosovo ;\n" \
        "    rdfs:comment \"Our own words are not a statement about the world.\"@en .\n"
    config = project(tmp_path, {"documents/facts.trig": as_trig(FACTS), "editorial.ttl": unsourced})
    result = CliRunner().invoke(main, ["--root", str(config.root), "check", "--format", "json"],
                                env={"NATOGRAPH_SNAPSHOT_DIR": config.snapshot_dir})
    assert result.exit_code == 1, result.output
    check = next(c for c in json.loads(result.output)["checks"] if c["name"] == "provenance")
    assert not check["passed"]
    unstated = [f for f in check["findings"] if f["kind"] == "unstated"]
    assert unstated == [{"kind": "unstated", "triple": "natoid:kfor nato:beneficiary natoid:kosovo",
                         "locations": ["data/editorial.ttl:7"]}]


def test_check_reports_each_documents_coverage_in_text_and_json(tmp_path):
    config = project(tmp_path, {"documents/facts.trig": as_trig(FACTS)})
    env = {"NATOGRAPH_SNAPSHOT_DIR": config.snapshot_dir}
    result = CliRunner().invoke(main, ["--root", str(config.root), "check", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    check = next(c for c in json.loads(result.output)["checks"] if c["name"] == "provenance")
    coverage = {f["file"]: (f["statements"], f["stated_lines"], f["lines"]) for f in check["findings"]}
    assert coverage == {"000_a.txt": (3, 1, 12), "001_b.txt": (3, 1, 40)}
    text = CliRunner().invoke(main, ["--root", str(config.root), "check"], env=env).output
    assert "000_a.txt: 3 statements from 1 of 12 lines" in text
