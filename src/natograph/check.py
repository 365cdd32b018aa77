"""Check step: OWL-RL clashes in the reasoned graph, each named with its triples and their origin."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from .terms import compact_triple
from .vocab import ASSERTED_GRAPH, INFERRED_GRAPH

REASONED_DEFAULT_GRAPH = [ox.NamedNode(ASSERTED_GRAPH), ox.NamedNode(INFERRED_GRAPH)]


@dataclass(frozen=True)
class ClashRule:
    """A SPARQL query that finds violations of one OWL 2 RL rule whose head is false."""

    name: str
    message: str
    query: str


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
            lines.append(f"    because {compact_triple(self.axiom)}")
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
        }


def clash_rules() -> list[ClashRule]:
    """The clash queries shipped in natograph/sparql/clash-*.rq, with their `# rule:` headers."""
    rules = []
    for entry in sorted(resources.files("natograph.sparql").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("clash-") and entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            header = dict(
                line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("# ") and ": " in line
            )
            rules.append(ClashRule(header["rule"], header["message"], text))
    return rules


def find_clashes(store: ox.Store, *, reasoner_messages: list[str] = ()) -> list[Clash]:
    """Every clash the OWL-RL rules detect in asserted ∪ inferred, plus the reasoner's own messages."""
    clashes = []
    for rule in clash_rules():
        solutions = store.query(rule.query, default_graph=REASONED_DEFAULT_GRAPH)
        names = {variable.value for variable in solutions.variables}
        for row in solutions:
            triples = [ox.Triple(row[f"s{i}"], row[f"p{i}"], row[f"o{i}"]) for i in (1, 2) if f"s{i}" in names]
            axiom = ox.Triple(row["as"], row["ap"], row["ao"]) if "as" in names else None
            origins = {compact_triple(t): triple_origins(store, t) for t in triples}
            clashes.append(Clash(rule.name, rule.message, triples, axiom, origins))
    clashes += [Clash("owlrl", message, []) for message in reasoner_messages]
    return clashes


def triple_origins(store: ox.Store, triple: ox.Triple) -> list[str]:
    """The input files (or the inferred graph) a triple is stated in."""
    origins = []
    for quad in store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value != ASSERTED_GRAPH:
            origins.append(_graph_label(graph.value))
    return sorted(origins)


def _graph_label(graph_iri: str) -> str:
    if graph_iri == INFERRED_GRAPH:
        return "inferred"
    return graph_iri.rsplit("/graph/", 1)[-1]
