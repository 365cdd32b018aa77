"""Load step: the ontology and every data file, each parsed into its own named graph.

A blank node label is local to its file, as in RDF's merge of graphs: `_:x` in two files is two nodes.
Each label gets a suffix made from its file's path, and an anonymous node a name by its order in the file
(BlankNodeScope), the same at every parse, so that a file parsed again on its own (provenance) gives the very
blank nodes the build stored, and a rebuild the same ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..config import Config
from ..errors import InputFileError
from ..vocab import file_graph_iri
from .provenance import LocatedTriple, located_parse, read_input

BLANK_NODE_SUFFIX_HEX = 12


@dataclass(frozen=True)
class InputFile:
    """One file the build reads, with the named graph it becomes."""

    relative_path: str
    path: Path

    @property
    def graph_iri(self) -> str:
        return file_graph_iri(self.relative_path)

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def blank_node_suffix(self) -> str:
        """What this file's blank node labels end with in the graph (`_:x` → `_:x-3f2a…`)."""
        return "-" + hashlib.sha256(self.relative_path.encode("utf-8")).hexdigest()[:BLANK_NODE_SUFFIX_HEX]


@dataclass(frozen=True)
class LoadedFile:
    """An input file parsed into triples; a TriG file's triples each with the statement graph that holds it."""

    source: InputFile
    triples: list[ox.Triple]
    statements: tuple[ox.Quad, ...] = ()
    # The same triples, each with where it is stated (provenance.SourceIndex.from_loaded), and the file's sha256.
    located: tuple[LocatedTriple, ...] = field(default=(), repr=False)
    sha256: str = ""

    @property
    def graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.source.graph_iri)


def graph_input_files(config: Config) -> list[InputFile]:
    """The files whose triples make up the graph: the ontology first, then data's Turtle and TriG files by path."""
    if not config.ontology_path.is_file():
        raise InputFileError(config.ontology_file, "ontology file not found")
    if not config.data_path.is_dir():
        raise InputFileError(config.data_dir, "data directory not found")
    files = [InputFile(config.ontology_file, config.ontology_path)]
    data_files = [*config.data_path.rglob("*.ttl"), *config.data_path.rglob("*.trig")]
    for path in sorted(data_files, key=lambda p: p.relative_to(config.data_path).as_posix()):
        files.append(InputFile(path.relative_to(config.root).as_posix(), path))
    if len(files) == 1:
        raise InputFileError(config.data_dir, "no *.ttl or *.trig data files found")
    return files


def parse_file(source: InputFile) -> LoadedFile:
    """Parse one Turtle or TriG file; a malformed file raises InputFileError with its line and reason.

    The one parse of the file also says where each triple is stated (provenance.located_parse), which the
    source index of the build takes from here. In a TriG file every triple is in a named graph (statements.py
    says what the graph's name means); a triple in its default graph is refused, naming its line, for it
    would be a statement that nothing states.
    """
    data = read_input(source)
    located = tuple(located_parse(source, data))
    digest = hashlib.sha256(data).hexdigest()
    if not source.relative_path.endswith(".trig"):
        return LoadedFile(source, [lt.triple for lt in located], located=located, sha256=digest)
    for triple, location, graph in located:
        if not isinstance(graph, ox.NamedNode):
            raise InputFileError(source.relative_path,
                                 f"{triple.subject} {triple.predicate} {triple.object} is outside a statement graph: "
                                 "in a TriG file every triple is in the graph of what states it",
                                 line=line_naming(data, triple.subject))
    quads = tuple(ox.Quad(*lt.triple, lt.graph) for lt in located)
    return LoadedFile(source, list(dict.fromkeys(lt.triple for lt in located)), quads, located=located,
                      sha256=digest)


def line_naming(data: bytes, term) -> int | None:
    """The first line of a file that names `term` (an IRI, by its full or prefixed form's local part)."""
    if not isinstance(term, ox.NamedNode):
        return None
    local = term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1].encode("utf-8")
    at = data.find(term.value.encode("utf-8"))
    if at < 0 and local:
        at = data.find(local)
    return data[:at].count(b"\n") + 1 if at >= 0 else None


class BlankNodeScope:
    """Renames one parse's blank nodes into their file's scope, the same at every parse of the same text.

    A label the file writes (`_:x`) keeps its name, with the file's suffix (`_:x-3f2a…`); a node the file leaves
    anonymous (`[ … ]`, a collection), which the parser names at random at each parse, is named by its order of
    appearance (`_:anon3-3f2a…`), so that a rebuild of the same inputs gives the same graph, byte for byte.
    """

    def __init__(self, text: str, suffix: str):
        self.text, self.suffix = text, suffix
        self._names: dict[str, str] = {}
        self._anonymous = 0

    def term(self, term):
        """A blank node renamed into the file's scope; any other term as it is."""
        if not isinstance(term, ox.BlankNode):
            return term
        name = self._names.get(term.value)
        if name is None:
            name = term.value if f"_:{term.value}" in self.text else self._anonymous_name()
            self._names[term.value] = name
        return ox.BlankNode(name + self.suffix)

    def triple(self, triple: ox.Triple) -> ox.Triple:
        """The triple with each blank node renamed into the file's scope."""
        subject, obj = triple.subject, triple.object
        if not isinstance(subject, ox.BlankNode) and not isinstance(obj, ox.BlankNode):
            return triple
        return ox.Triple(self.term(subject), triple.predicate, self.term(obj))

    def _anonymous_name(self) -> str:
        while f"_:anon{self._anonymous}" in self.text:  # a label the file writes itself
            self._anonymous += 1
        self._anonymous += 1
        return f"anon{self._anonymous - 1}"


def load_files(files: list[InputFile]) -> list[LoadedFile]:
    """Parse every input file; stops at the first malformed one."""
    return [parse_file(source) for source in files]
