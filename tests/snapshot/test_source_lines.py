"""Source lines saved with a snapshot: `natograph check` records where each asserted triple is stated, so that
explanations name files and lines without parsing a data file again."""

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from natograph.build.check.report import run_checks
from natograph.config import Config
from natograph.build.load import graph_input_files
from natograph.build.provenance import SourceIndex
from natograph.snapshot.source_lines import Location
from natograph.snapshot import SOURCE_LINES, open_snapshot, replacing_atomically
from natograph.snapshot.source_lines import (MISSING_NOTE, STALE_NOTE, open_source_lines, save_source_lines,
                                    write_source_lines)
from natograph.vocab import ASSERTED_GRAPH

TEST_DATA = Path(__file__).parent.parent / "data"
NATO = "https://w3id.org/natograph/ontology#"
NATOID = "https://w3id.org/natograph/id/"

# Anonymous blank nodes (named afresh at every parse), two of them alike, a list, a labelled blank node,
# and a literal the store keeps in another form.
FIGURES = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

natoid:op-a nato:strength [ nato:troops 3500 ; nato:asOf "2020"^^xsd:gYear ] .
natoid:op-a nato:strength [ nato:troops 900 ;
    nato:asOf "2021"^^xsd:gYear ] .
natoid:op-a nato:note [ nato:text "alike" ] .
natoid:op-a nato:note [ nato:text "alike" ] .
natoid:op-a nato:area ( natoid:city natoid:province ) .
natoid:org nato:note _:n .
_:n nato:text "a labelled blank node" .
natoid:op-a nato:troops "03500"^^xsd:integer .
"""


def mini_with_figures(root: Path) -> Config:
    shutil.copytree(TEST_DATA / "mini", root)
    (root / "data" / "figures.ttl").write_text(FIGURES, encoding="utf-8")
    return Config.load(root=root)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    config = mini_with_figures(tmp_path_factory.mktemp("lines") / "mini")
    assert run_checks(config).conforms
    return config, open_snapshot(config)


def test_natograph_check_saves_the_line_of_every_asserted_triple_as_parsing_the_files_gives_it(checked):
    config, snapshot = checked
    saved, note = open_source_lines(snapshot)
    assert note is None
    parsed = SourceIndex.from_files(graph_input_files(config))
    asserted = [q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(ASSERTED_GRAPH))]
    assert len(asserted) > 30
    for triple in asserted:
        expected = parsed.locate(triple, snapshot.store)
        assert expected and all(loc.line for loc in expected), triple
        found = saved.locate(triple)
        if len(expected) > 1 and ox.BlankNode in (type(triple.subject), type(triple.object)):
            # Two alike anonymous nodes: another parse tells them apart by their triples only, so it gives
            # both lines; the build's index, made by the parse whose nodes the store holds, gives each its own.
            assert len(found) == 1 and found[0] in expected, triple
        else:
            assert found == expected, triple
    saved.close()


def test_two_alike_anonymous_nodes_are_each_found_at_their_own_line(checked):
    _, snapshot = checked
    saved, _ = open_source_lines(snapshot)
    notes = [q.triple for q in snapshot.store.quads_for_pattern(ox.NamedNode(NATOID + "op-a"), ox.NamedNode(NATO + "note"),
                                                                None, ox.NamedNode(ASSERTED_GRAPH))]
    assert sorted(line for note in notes for _, line in saved.locate(note)) == [8, 9]
    saved.close()


def test_a_blank_node_of_the_store_is_found_at_its_statement(checked):
    _, snapshot = checked
    saved, _ = open_source_lines(snapshot)
    troops = ox.NamedNode(NATO + "troops")
    (figure,) = [q for q in snapshot.store.quads_for_pattern(None, troops, None, ox.NamedNode(ASSERTED_GRAPH))
                 if q.object.value == "900"]
    assert isinstance(figure.subject, ox.BlankNode)
    assert saved.locate(figure.triple) == [Location("data/figures.ttl", 6)]
    kept = ox.Triple(ox.NamedNode(NATOID + "op-a"), troops, ox.Literal("3500", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")))
    assert saved.locate(kept) == [Location("data/figures.ttl", 13)]
    assert saved.locate(ox.Triple(ox.NamedNode(NATOID + "op-a"), troops, ox.NamedNode(NATOID + "x"))) == []
    saved.close()


def test_every_build_saves_the_lines_in_the_snapshot_and_one_without_them_says_so(tmp_path):
    config = mini_with_figures(tmp_path / "mini")
    from natograph.build import build
    snapshot = open_snapshot(config, build(config).key)
    lines, note = open_source_lines(snapshot)
    assert lines is not None and note is None
    lines.close()
    (snapshot.path / SOURCE_LINES).unlink()  # as in a snapshot written by an older natograph
    assert open_source_lines(snapshot) == (None, MISSING_NOTE)


def test_lines_parsed_from_changed_files_are_not_saved_and_the_previous_ones_stay(checked, tmp_path):
    config, snapshot = checked
    before = (snapshot.path / SOURCE_LINES).read_bytes()
    changed = mini_with_figures(tmp_path / "changed")
    (changed.data_path / "figures.ttl").write_text("\n" + FIGURES, encoding="utf-8")
    sources = SourceIndex.from_files(graph_input_files(changed))
    assert save_source_lines(snapshot, sources) is False
    assert (snapshot.path / SOURCE_LINES).read_bytes() == before
    assert not [p for p in snapshot.path.iterdir() if p.name.endswith(".tmp")]


def test_saved_lines_of_other_inputs_are_ignored_with_a_note(tmp_path):
    config = mini_with_figures(tmp_path / "mini")
    run_checks(config)
    snapshot = open_snapshot(config)
    (config.data_path / "figures.ttl").write_text("\n" + FIGURES, encoding="utf-8")
    other = SourceIndex.from_files(graph_input_files(config))
    with replacing_atomically(snapshot.path / SOURCE_LINES) as temporary:
        write_source_lines(temporary, other, snapshot.store, snapshot_key=snapshot.key)
    assert open_source_lines(snapshot) == (None, STALE_NOTE)


def test_a_file_replaced_atomically_is_either_the_old_one_or_the_new_one(tmp_path):
    target = tmp_path / "lines.sqlite"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with replacing_atomically(target) as temporary:
            temporary.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["lines.sqlite"]
    with replacing_atomically(target) as temporary:
        temporary.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new" and [p.name for p in tmp_path.iterdir()] == ["lines.sqlite"]
