"""The provenance check: every statement about the world in a statement graph, and how much of each document the graph covers."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..provenance import SourceIndex
from ...rdf.terms import compact_triple
from ...sparql import read_query
from ...vocab import NATO

STATEMENT_GRAPH = ox.NamedNode(NATO.StatementGraph)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@dataclass
class DocumentCoverage:
    """How much of one source document the recorded statements cover."""

    document: str
    file_name: str
    statements: int
    stated_lines: int
    lines: int | None

    def describe(self) -> str:
        of = f" of {self.lines}" if self.lines is not None else ""
        return f"{self.file_name}: {self.statements} statements from {self.stated_lines}{of} lines"

    def to_dict(self) -> dict:
        return {"kind": "coverage", "document": self.document, "file": self.file_name,
                "statements": self.statements, "stated_lines": self.stated_lines, "lines": self.lines}


@dataclass
class UnstatedTriple:
    """An asserted triple about the world that no source's statement graph holds."""

    triple: ox.Triple
    locations: list

    def describe(self) -> str:
        where = f"    ({', '.join(map(str, self.locations))})" if self.locations else ""
        return f"stated by no source: {compact_triple(self.triple)}: put it in the statement graph of the " \
               f"document line or reference that states it{where}"

    def to_dict(self) -> dict:
        return {"kind": "unstated", "triple": compact_triple(self.triple),
                "locations": [str(location) for location in self.locations]}


def provenance_findings(store: ox.Store, sources: SourceIndex) -> tuple[list[UnstatedTriple], list[DocumentCoverage]] | None:
    """The triples no source states and each document's coverage; None when the data has no statement graphs."""
    if not any(True for _ in store.quads_for_pattern(None, RDF_TYPE, STATEMENT_GRAPH, None)):
        return None
    unstated = [UnstatedTriple(triple, sources.locate(triple, store))
                for triple in (ox.Triple(*row) for row in store.query(read_query("unstated-triples.rq")))]
    coverage = [DocumentCoverage(row["document"].value, row["fileName"].value, int(row["statements"].value),
                                 int(row["statedLines"].value), int(row["lines"].value) if row["lines"] else None)
                for row in store.query(read_query("source-coverage.rq"))]
    return unstated, coverage
