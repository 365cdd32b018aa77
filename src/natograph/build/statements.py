"""Statement graphs: every statement about the world in the named graph of the source that states it.

A TriG data file holds graphs named `natoid:statements-source-000-line-9` (what line 9 of document 000
states) and `natoid:statements-ref-nato-isaf` (what a public reference states, which has no lines). The
name is the one place that says which source and line a graph stands for; this module reads it, refuses
a name that points at no declared source or past the end of its document, and derives from the graphs
what the rest of the graph needs:

- each subject's `nato:source`, one per source whose graphs say something about it (never written by
  hand, so it cannot disagree with the graphs), which the reasoner sees as it saw the hand-written ones;
- each graph's description (`nato:StatementGraph`, `prov:wasDerivedFrom`, `nato:source`,
  `nato:sourceLine`), kept in the provenance graph, which queries see and the reasoner does not: how
  provenance is recorded cannot change what is inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox

from ..errors import InputFileError
from ..vocab import NATO, NATOID, PROV
from .load import LoadedFile, line_naming

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
NATO_SOURCE = ox.NamedNode(NATO.source)
NATO_SOURCE_LINE = ox.NamedNode(NATO.sourceLine)
NATO_LINE_COUNT = ox.NamedNode(NATO.lineCount)
NATO_FILE_NAME = ox.NamedNode(NATO.fileName)
SOURCE_CLASS = ox.NamedNode(NATO.Source)
STATEMENT_GRAPH_CLASS = ox.NamedNode(NATO.StatementGraph)
WAS_DERIVED_FROM = ox.NamedNode(PROV.wasDerivedFrom)

_NAME = re.compile(re.escape(str(NATOID)) + r"statements-(?P<source>[a-z0-9][a-z0-9-]*?)(?:-line-(?P<line>[1-9][0-9]*))?")


@dataclass(frozen=True)
class StatementGraph:
    """A named graph of statements: the source that states them and, for a document, the line."""

    iri: ox.NamedNode
    source: ox.NamedNode
    line: int | None

    def description(self) -> list[ox.Triple]:
        """What the provenance graph says of this graph."""
        triples = [ox.Triple(self.iri, RDF_TYPE, STATEMENT_GRAPH_CLASS),
                   ox.Triple(self.iri, WAS_DERIVED_FROM, self.source),
                   ox.Triple(self.iri, NATO_SOURCE, self.source)]
        if self.line is not None:
            triples.append(ox.Triple(self.iri, NATO_SOURCE_LINE, ox.Literal(str(self.line), datatype=XSD_INTEGER)))
        return triples


def statement_graph_iri(source_slug: str, line: int | None = None) -> str:
    """The name of the graph of what a source states (at one line of a document)."""
    return f"{NATOID}statements-{source_slug}" + (f"-line-{line}" if line is not None else "")


@dataclass(frozen=True)
class Statements:
    """The statement graphs of a build, with what the build derives from them."""

    graphs: tuple[StatementGraph, ...]
    quads: tuple[ox.Quad, ...]

    def derived_sources(self) -> list[ox.Triple]:
        """`?subject nato:source ?source` for each source whose graphs say something about the subject."""
        source_of = {graph.iri: graph.source for graph in self.graphs}
        return list(dict.fromkeys(ox.Triple(quad.subject, NATO_SOURCE, source_of[quad.graph_name])
                                  for quad in self.quads))

    def by_source(self) -> list[dict]:
        """For the manifest: each source's statement graphs (in line order) and how many distinct triples they hold."""
        source_of = {graph.iri: graph.source.value for graph in self.graphs}
        graphs: dict[str, list[str]] = {}
        for graph in sorted(self.graphs, key=lambda g: (g.source.value, g.line or 0)):
            graphs.setdefault(graph.source.value, []).append(graph.iri.value)
        triples: dict[str, set] = {source: set() for source in graphs}
        for quad in self.quads:
            triples[source_of[quad.graph_name]].add(quad.triple)
        return [{"source": source, "graphs": iris, "triples": len(triples[source])} for source, iris in graphs.items()]

    def descriptions(self) -> list[ox.Triple]:
        """The provenance graph: one description per statement graph."""
        return [triple for graph in self.graphs for triple in graph.description()]


def read_statements(loaded: Iterable[LoadedFile], asserted: set[ox.Triple] | frozenset) -> Statements:
    """The statement graphs of the loaded files; a name that says no declared source (or line) is refused.

    `asserted` is every asserted triple, where the sources are declared (`nato:Source`, and for a
    document its `nato:fileName` and `nato:lineCount`).
    """
    loaded = list(loaded)
    if not any(file.statements for file in loaded):
        return Statements((), ())
    sources = _DeclaredSources(asserted)
    graphs: dict[ox.NamedNode, StatementGraph] = {}
    quads: list[ox.Quad] = []
    for file in loaded:
        for quad in file.statements:
            if quad.graph_name not in graphs:
                graphs[quad.graph_name] = _statement_graph(quad.graph_name, file, sources)
            quads.append(quad)
    return Statements(tuple(graphs.values()), tuple(quads))


class _DeclaredSources:
    def __init__(self, asserted):
        self.sources = {t.subject for t in asserted if t.predicate == RDF_TYPE and t.object == SOURCE_CLASS}
        self.documents = {t.subject for t in asserted if t.predicate == NATO_FILE_NAME}
        self.line_counts = {t.subject: int(t.object.value) for t in asserted if t.predicate == NATO_LINE_COUNT}


def _statement_graph(name: ox.NamedNode, file: LoadedFile, declared: _DeclaredSources) -> StatementGraph:
    def refuse(reason: str):
        data = file.source.path.read_bytes()
        raise InputFileError(file.source.relative_path, f"graph {name.value}: {reason}", line=line_naming(data, name))

    match = _NAME.fullmatch(name.value)
    if match is None:
        refuse(f"not the name of a statement graph: name it {statement_graph_iri('source-000', 9)} "
               f"(a line of a document) or {statement_graph_iri('ref-…')} (a public reference)")
    source = ox.NamedNode(str(NATOID) + match["source"])
    if source not in declared.sources:
        refuse(f"{source.value} is not a declared source (a nato:Source of data/sources.ttl)")
    is_document = source in declared.documents
    line = int(match["line"]) if match["line"] else None
    if is_document and line is None:
        refuse(f"{source.value} is a document: name the line that states these triples (…-line-N)")
    if not is_document and line is not None:
        refuse(f"{source.value} is a public reference, which has no lines")
    if line is not None and line > declared.line_counts.get(source, line):
        refuse(f"{source.value} has {declared.line_counts[source]} lines, not {line}")
    return StatementGraph(name, source, line)
