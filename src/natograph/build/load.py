"""Load step: the ontology and every data file, each parsed into its own named graph.

A blank node label is local to its file, as in RDF's merge of graphs: `_:x` in two files is two nodes.
Each label gets a suffix made from its file's path, the same at every parse, so that a statement parsed
again on its own (provenance) gives the very blank nodes the build stored, and a rebuild the same ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..config import Config
from ..errors import InputFileError
from ..vocab import file_graph_iri

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
    """An input file parsed into triples."""

    source: InputFile
    triples: list[ox.Triple]

    @property
    def graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.source.graph_iri)


def graph_input_files(config: Config) -> list[InputFile]:
    """The files whose triples make up the graph: the ontology first, then data/*.ttl by name."""
    if not config.ontology_path.is_file():
        raise InputFileError(config.ontology_file, "ontology file not found")
    if not config.data_path.is_dir():
        raise InputFileError(config.data_dir, "data directory not found")
    files = [InputFile(config.ontology_file, config.ontology_path)]
    for path in sorted(config.data_path.glob("*.ttl")):
        files.append(InputFile(path.relative_to(config.root).as_posix(), path))
    if len(files) == 1:
        raise InputFileError(config.data_dir, "no *.ttl data files found")
    return files


def parse_file(source: InputFile) -> LoadedFile:
    """Parse one Turtle file; a malformed file raises InputFileError with its line and reason."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise InputFileError(source.relative_path, f"cannot read: {exc.strerror}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(source.relative_path, "not valid UTF-8", line=line) from None
    try:
        suffix = source.blank_node_suffix
        triples = [in_file_scope(quad.triple, suffix) for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise InputFileError(
            source.relative_path, _parser_reason(exc), line=exc.lineno, column=exc.offset
        ) from None
    return LoadedFile(source, triples)


def in_file_scope(triple: ox.Triple, suffix: str) -> ox.Triple:
    """The triple with each blank node renamed into one file's scope (`suffix` is the file's `blank_node_suffix`)."""
    subject, obj = triple.subject, triple.object
    if not isinstance(subject, ox.BlankNode) and not isinstance(obj, ox.BlankNode):
        return triple
    return ox.Triple(scoped_term(subject, suffix), triple.predicate, scoped_term(obj, suffix))


def scoped_term(term, suffix: str):
    """A blank node renamed into one file's scope; any other term as it is."""
    return ox.BlankNode(term.value + suffix) if isinstance(term, ox.BlankNode) else term


def load_files(files: list[InputFile]) -> list[LoadedFile]:
    """Parse every input file; stops at the first malformed one."""
    return [parse_file(source) for source in files]


def _parser_reason(exc: SyntaxError) -> str:
    message = str(exc.msg or exc)
    # pyoxigraph prefixes the reason with the position, which InputFileError reports itself.
    return message.split(": ", 1)[1] if message.startswith("Parser error") else message
