"""Check step: OWL-RL clashes in the reasoned graph, each named with its triples and where they are stated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ...sparql import rule_files
from ...rdf.terms import compact_triple
from ...vocab import ASSERTED_GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    from ..provenance import SourceIndex
    from ..reasoner import ReasonerClash

REASONED_DEFAULT_GRAPH = [ox.NamedNode(ASSERTED_GRAPH), ox.NamedNode(INFERRED_GRAPH)]
MAX_PREMISES = 4

# Rules that report the same kind of clash, so that either one covers a reasoner's message.
RULE_FAMILIES = {"eq-diff3": "eq-diff2", "cax-adc": "cax-dw", "cls-maxqc2": "cls-maxqc1",
                 "prp-npa": "prp-npa1", "prp-npa2": "prp-npa1"}


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


def clash_rules() -> list[ClashRule]:
    """The clash queries shipped in natograph/sparql/rules/clash-*.rq, with their `# rule:` and `# message:` headers."""
    return [ClashRule(header["rule"], header["message"], text) for header, text in rule_files("clash-")]


def find_clashes(
    store: ox.Store, *, reasoner_messages: list[ReasonerClash] = (), sources: SourceIndex | None = None
) -> list[Clash]:
    """Every clash the OWL-RL rules detect in asserted ∪ inferred, plus the reasoner's own messages.

    With `sources`, each clashing triple is traced to the file and line that state it.
    """
    clashes = []
    for rule in clash_rules():
        solutions = store.query(rule.query, default_graph=REASONED_DEFAULT_GRAPH)
        names = {variable.value for variable in solutions.variables}
        for row in solutions:
            triples = [
                ox.Triple(row[f"s{i}"], row[f"p{i}"], row[f"o{i}"])
                for i in range(1, MAX_PREMISES + 1)
                if f"s{i}" in names
            ]
            axiom = ox.Triple(row["as"], row["ap"], row["ao"]) if "as" in names else None
            traced = triples + ([axiom] if axiom is not None else [])
            clashes.append(Clash(rule.name, rule.message, triples, axiom, _origins(store, traced, sources)))
    return clashes + reasoner_clashes(store, reasoner_messages, clashes, sources)


def reasoner_clashes(
    store: ox.Store, messages: list[ReasonerClash], found: list[Clash], sources: SourceIndex | None
) -> list[Clash]:
    """The reasoner's clashes that no SPARQL rule already reported, with their triples where they name a literal.

    A message about an ill-typed literal becomes a dt-not-type clash with the triples that hold the
    literal as written (the store may have rewritten it, e.g. "-5"^^xsd:nonNegativeInteger to xsd:integer).
    """
    reported_rules = {RULE_FAMILIES.get(c.rule, c.rule) for c in found}
    reported_literals = {(t.object.value, t.object.datatype.value) for c in found if c.rule == "dt-not-type"
                         for t in c.triples}
    # A member of owl:Nothing is in every class: the reasoner's other clashes about it add nothing.
    nothing = {t.subject.value for c in found if c.rule == "cls-nothing2" for t in c.triples}
    extra = []
    for message in messages:
        rule, literal = message.rule or None, message.literal
        if rule == "dt-not-type" and literal is not None:
            if literal in reported_literals:
                continue
            reported_literals.add(literal)
            triples = _triples_with_literal(sources, *literal)
            if triples:
                extra.append(Clash(rule, "a literal's lexical form is not a value of its datatype", triples,
                                   origins=_origins(store, triples, sources, stated=True)))
                continue
        elif RULE_FAMILIES.get(rule, rule) in reported_rules or any(iri in message.text for iri in nothing):
            continue
        extra.append(Clash(rule or "reasoner", message.text, []))
    return extra


def _triples_with_literal(sources: SourceIndex | None, value: str, datatype: str) -> list[ox.Triple]:
    if sources is None:
        return []
    return [
        t for t in dict.fromkeys(sources.triples())
        if isinstance(t.object, ox.Literal) and t.object.value == value and t.object.datatype.value == datatype
    ]


def _origins(store, triples, sources, *, stated: bool = False) -> dict[str, list[str]]:
    return {compact_triple(t): triple_origins(store, t, sources, stated=stated) for t in triples}


def triple_origins(
    store: ox.Store, triple: ox.Triple, sources: SourceIndex | None = None, *, stated: bool = False
) -> list[str]:
    """Where a triple comes from: `file:line` (or the file) for each statement of it, and/or "inferred".

    `stated` says the triple is as written in a file, not as the store keeps it.
    """
    if stated and sources is not None:
        return [str(loc) for loc in sources.locate(sources.canonical(triple))]
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
