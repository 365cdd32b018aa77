"""Check step: OWL-RL clashes in the reasoned graph, each named with its triples and where they are stated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ...rdf.terms import compact_triple
from ...vocab import ASSERTED_GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    from ..provenance import SourceIndex
    from ..reasoner import ReasonerClash

@dataclass
class Clash:
    """One inconsistency: the rule it breaks, the clashing triples and where each was stated."""

    rule: str
    message: str
    triples: list[ox.Triple]
    axiom: ox.Triple | None = None
    origins: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"[{self.rule}] {self.message}"]
        for triple in self.triples:
            text = compact_triple(triple)
            lines.append(f"    {text}    ({', '.join(self.origins.get(text, [])) or 'unknown origin'})")
        if self.axiom is not None:
            axiom = compact_triple(self.axiom)
            where = ", ".join(self.origins.get(axiom, []))
            lines.append(f"    because {axiom}" + (f"    ({where})" if where else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "message": self.message,
            "triples": [
                {"triple": compact_triple(t), "origins": self.origins.get(compact_triple(t), [])}
                for t in self.triples
            ],
            "axiom": compact_triple(self.axiom) if self.axiom is not None else None,
            "axiom_origins": self.origins.get(compact_triple(self.axiom), []) if self.axiom is not None else [],
        }


def find_clashes(
    store: ox.Store, records: list[ReasonerClash], *, sources: SourceIndex | None = None
) -> list[Clash]:
    """The reasoner's clash records as clashes of the reasoned graph in `store`, each triple with where it comes from.

    With `sources`, each clashing triple is traced to the file and line that state it, and named as the store
    keeps it; an ill-typed literal (dt-not-type) is named as written, since the store may have rewritten it
    (e.g. "-5"^^xsd:nonNegativeInteger to xsd:integer).
    """
    clashes = []
    for record in records:
        stated = record.rule == "dt-not-type"
        triples = [t if stated or sources is None or not isinstance(t, ox.Triple) else sources.canonical(t)
                   for t in record.triples]
        axiom = record.axiom
        if axiom is not None and sources is not None and isinstance(axiom, ox.Triple):
            axiom = sources.canonical(axiom)
        traced = triples + ([axiom] if axiom is not None else [])
        origins = _origins(store, traced, sources, stated=stated)
        clashes.append(Clash(record.rule or "reasoner", record.text, triples, axiom, origins))
    return clashes


def _origins(store, triples, sources, *, stated: bool = False) -> dict[str, list[str]]:
    return {compact_triple(t): triple_origins(store, t, sources, stated=stated) for t in triples}


def triple_origins(
    store: ox.Store, triple: ox.Triple, sources: SourceIndex | None = None, *, stated: bool = False
) -> list[str]:
    """Where a triple comes from: `file:line` (or the file) for each statement of it, and/or "inferred".

    `stated` says the triple is as written in a file, not as the store keeps it.
    """
    if not isinstance(triple, ox.Triple):
        return []  # a generalised triple (a literal as subject): in no file and not in the store
    if stated and sources is not None:
        return [str(loc) for loc in sources.locate(sources.canonical(triple), store)]
    origins, files = [], []
    for quad in store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None):
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph.value == ASSERTED_GRAPH:
            continue
        if graph.value == INFERRED_GRAPH:
            origins.append("inferred")
        else:
            files.append(graph.value.rsplit("/graph/", 1)[-1])
    if files and sources is not None:
        located = [str(loc) for loc in sources.locate(triple, store) if loc.file in files]
        files = located or files
    return sorted(set(files)) + origins
