"""Explanations: why the closure holds a triple — the OWL 2 RL rule, its premises, down to asserted triples."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import pyoxigraph as ox

from ..rdf.dates import day_range
from ..errors import ParameterError
from ..snapshot.source_lines import Location
from . import rule_files
from ..rdf.terms import compact_triple
from ..vocab import ASSERTED_GRAPH, DATE_BOUND_PROPERTIES, GRAPH_BASE, INFERRED_GRAPH, NATO, PREFIXES, PROVENANCE_GRAPH

MAX_DEPTH = 24
MAX_INSTANCES_PER_RULE = 16
# How many triples one explanation may look up rule instances for, so that a request stays short.
MAX_EXAMINED = 3000
DATE_BOUND_RULE = "nato-date-bound"
DATE_BOUND_DESCRIPTION = "the earliest or latest day a date at its source's precision allows (natograph's build)"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ASSERTED = ox.NamedNode(ASSERTED_GRAPH)
INFERRED = ox.NamedNode(INFERRED_GRAPH)
CLOSURE = [ASSERTED, INFERRED]
PROVENANCE = ox.NamedNode(PROVENANCE_GRAPH)
NATO_SOURCE = ox.NamedNode(str(NATO.source))
NATO_SOURCE_LINE = ox.NamedNode(str(NATO.sourceLine))
# Earliest/latest property → (the date property it bounds, 0 for the first day or 1 for the last).
DATE_BOUND_SOURCES = {
    str(bound): (ox.NamedNode(str(date_property)), position)
    for date_property, bounds in DATE_BOUND_PROPERTIES.items()
    for position, bound in enumerate(bounds)
}
TERM_FORMS = ('a prefixed name (natoid:kfor, rdf:type), a resource\'s slug as canned parameters take it (kfor), an IRI '
              'in <…>, "a" for rdf:type, or a literal in Turtle syntax ("2001"^^xsd:gYear, "Kosovo Force"@en, 1244)')
# A bare slug names a natograph resource (natoid:), as canned queries' resource parameters read it.
SLUG = re.compile(r"^[a-z][a-z0-9-]*$")


class SourceLocator(Protocol):
    """Where asserted triples are stated: a SourceIndex parsed from the files, or the lines saved in a snapshot."""

    def locate(self, triple: ox.Triple, store: ox.Store | None = None) -> list[Location]:
        """The files and lines that state a triple of the store."""


@dataclass(frozen=True)
class DerivationRule:
    """An OWL 2 RL rule as a query from a conclusion (?subject ?predicate ?object) to its premises."""

    name: str
    description: str
    conclusion: str | None
    query: str


@dataclass(frozen=True)
class StatedBy:
    """A source that states a triple: a document with its line, or a public reference."""

    source: str
    line: int | None = None
    # The statement graph that records it (natoid:statements-…).
    graph: str | None = None

    def __str__(self) -> str:
        name = self.source.rsplit("/", 1)[-1]
        return f"{name} (line {self.line})" if self.line is not None else name

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line}


def stated_by(store: ox.Store, triple: ox.Triple) -> list[StatedBy]:
    """The sources whose statement graphs hold `triple`, as the provenance graph describes those graphs."""
    found = set()
    for quad in store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None):
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph.value.startswith(GRAPH_BASE):
            continue
        for source in store.quads_for_pattern(graph, NATO_SOURCE, None, PROVENANCE):
            lines = [int(q.object.value) for q in store.quads_for_pattern(graph, NATO_SOURCE_LINE, None, PROVENANCE)]
            found |= {StatedBy(source.object.value, line, graph.value) for line in lines or [None]}
    return sorted(found, key=lambda s: (s.source, s.line or 0))


@dataclass
class Explanation:
    """Why a triple is (or is not) in the closure."""

    triple: ox.Triple
    status: str
    rule: str | None = None
    description: str | None = None
    premises: list["Explanation"] = field(default_factory=list)
    sources: list[Location] = field(default_factory=list)
    note: str | None = None
    height: int = 0
    # For an asserted triple: the documents (and lines) and references that state it.
    stated_by: list[StatedBy] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "triple": compact_triple(self.triple),
            "terms": {"s": str(self.triple.subject), "p": str(self.triple.predicate), "o": str(self.triple.object)},
            "status": self.status,
            "rule": self.rule,
            "description": self.description,
            "premises": [p.to_dict() for p in self.premises],
            "sources": [s.to_dict() for s in self.sources],
            "stated_by": [s.to_dict() for s in self.stated_by],
            "summary": self.summary(),
            "note": self.note,
        }

    def render(self, indent: str = "") -> str:
        """An indented tree, one triple a line, for the terminal."""
        if self.status == "asserted":
            tail = "asserted in " + (", ".join(str(s) for s in self.sources) or "the asserted graph")
            if self.stated_by:
                tail += "; stated by " + ", ".join(str(s) for s in self.stated_by)
        elif self.status == "inferred" and self.rule:
            tail = f"{self.rule}: {self.description}"
        else:
            tail = self.status
        lines = [f"{indent}{compact_triple(self.triple)}    [{tail}]"]
        if self.note:
            lines.append(f"{indent}  ({self.note})")
        lines += [premise.render(indent + "  ") for premise in self.premises]
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: the rules an inferred triple follows from, and the stated premises with the sources stating them."""
        if self.status == "asserted":
            return "stated by " + ", ".join(map(str, self.stated_by)) if self.stated_by else "asserted"
        if self.status != "inferred" or not self.rule:
            return self.status
        rules = list(dict.fromkeys(node.rule for node in self._nodes() if node.rule))
        stated = [leaf for leaf in self.leaves() if leaf.stated_by]
        text = f"inferred by {', '.join(rules)}"
        if stated:
            sources = dict.fromkeys(str(s) for leaf in stated for s in leaf.stated_by)
            text += f" from {'; '.join(compact_triple(leaf.triple) for leaf in stated)}, stated by {', '.join(sources)}"
        return text

    def _nodes(self) -> list["Explanation"]:
        return [self, *(node for premise in self.premises for node in premise._nodes())]

    def leaves(self) -> list["Explanation"]:
        """The asserted triples at the bottom of the tree."""
        if not self.premises:
            return [self] if self.status == "asserted" else []
        return [leaf for premise in self.premises for leaf in premise.leaves()]


@lru_cache(maxsize=1)
def derivation_rules() -> tuple[DerivationRule, ...]:
    """The rule queries shipped in natograph/sparql/rules/derive-*.rq, with their headers."""
    rules = []
    for header, text in rule_files("derive-"):
        conclusion = header["conclusion"]
        rules.append(DerivationRule(
            header["rule"], header["description"],
            None if conclusion == "any" else _expand(conclusion), text,
        ))
    return tuple(rules)


def _expand(prefixed: str) -> str:
    prefix, _, local = prefixed.partition(":")
    return PREFIXES[prefix] + local


def parse_term(text: str, parameter: str):
    """An RDF term from user text (prefixed name, <IRI>, literal, `a`); ParameterError names the parameter."""
    raw = (text or "").strip()
    if not raw:
        raise ParameterError(parameter, "missing", accepts=TERM_FORMS)
    if "://" in raw and not raw.startswith(("<", '"', "'")) and " " not in raw:
        raw = f"<{raw}>"
    if raw == "a" and parameter != "p":
        raise ParameterError(parameter, '"a" (rdf:type) can only be the predicate', accepts=TERM_FORMS)
    if parameter != "p" and SLUG.match(raw) and raw not in ("a", "true", "false"):
        raw = f"natoid:{raw}"
    slots = {"s": f"{raw} <urn:x:p> <urn:x:o> .", "p": f"<urn:x:s> {raw} <urn:x:o> .",
             "o": f"<urn:x:s> <urn:x:p> {raw} ."}
    document = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + slots[parameter]
    try:
        triples = [q.triple for q in ox.parse(document, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        reason = str(exc.msg or exc).split(": ", 1)[-1]
        raise ParameterError(parameter, f"not an RDF term: {reason}", accepts=TERM_FORMS) from None
    if len(triples) != 1:
        raise ParameterError(parameter, "must be exactly one RDF term", accepts=TERM_FORMS)
    return {"s": triples[0].subject, "p": triples[0].predicate, "o": triples[0].object}[parameter]


def parse_triple(s: str, p: str, o: str) -> ox.Triple:
    """The triple named by three terms as a user writes them."""
    return ox.Triple(parse_term(s, "s"), parse_term(p, "p"), parse_term(o, "o"))


class _BudgetSpent(Exception):
    """The explainer examined as many triples as it may."""


class Explainer:
    """Backward chaining over a reasoned store: finds, for a triple, the shallowest derivation from asserted triples.

    Iterative deepening: a derivation of height d is looked for only when none of height d-1
    exists, so the first one found is a shallowest one. Results are memoised per triple (a proof
    of some height, or the greatest height known to fail), so each triple is examined at most
    once per depth and cycles (x p y because y p⁻ x because x p y …) end when the depth runs out.
    """

    def __init__(self, store: ox.Store, *, sources: SourceLocator | None = None, max_depth: int = MAX_DEPTH,
                 max_examined: int = MAX_EXAMINED):
        self.store, self.sources = store, sources
        self.max_depth, self.max_examined = max_depth, max_examined
        self.rules = derivation_rules()
        self._instances: dict[ox.Triple, list] = {}
        self._proved: dict[ox.Triple, tuple[int, Explanation]] = {}
        self._failed: dict[ox.Triple, int] = {}

    def explain(self, triple: ox.Triple) -> Explanation:
        """Why the closure holds `triple`: asserted (with its sources), inferred (rule and premises), or not entailed."""
        if self._asserted(triple):
            return self._leaf(triple)
        if not self._in_closure(triple):
            return Explanation(triple, "not-entailed", note="neither asserted nor inferred: the closure does not hold it")
        for depth in range(1, self.max_depth + 1):
            try:
                found = self._prove(triple, depth)
            except _BudgetSpent:
                return Explanation(
                    triple, "inferred",
                    note=f"inferred; the search for a derivation stopped after examining {self.max_examined} triples",
                )
            if found is not None:
                return found
        return Explanation(
            triple, "inferred",
            note=f"inferred, but no derivation within {self.max_depth} steps by the rules natograph explains",
        )

    def _prove(self, triple: ox.Triple, depth: int) -> Explanation | None:
        proved = self._proved.get(triple)
        if proved is not None and proved[0] <= depth:
            return proved[1]
        if self._failed.get(triple, -1) >= depth:
            return None
        if self._asserted(triple):
            leaf = self._leaf(triple)
            self._proved[triple] = (0, leaf)
            return leaf
        if depth > 0:
            for rule, premises in self._rule_instances(triple):
                if triple in premises:
                    continue
                proofs = []
                for premise in premises:
                    proof = self._prove(premise, depth - 1)
                    if proof is None:
                        break
                    proofs.append(proof)
                else:
                    height = 1 + max(p.height for p in proofs)
                    found = Explanation(triple, "inferred", rule.name, rule.description, proofs, height=height)
                    self._proved[triple] = (height, found)
                    return found
        self._failed[triple] = depth
        return None

    def _rule_instances(self, triple: ox.Triple) -> list:
        """Every (rule, premises) whose conclusion is this triple and whose premises are in the closure."""
        if triple in self._instances:
            return self._instances[triple]
        if len(self._instances) >= self.max_examined:
            raise _BudgetSpent
        bindings = {ox.Variable("subject"): triple.subject, ox.Variable("predicate"): triple.predicate,
                    ox.Variable("object"): triple.object}
        instances = []
        for rule in self.rules:
            if rule.conclusion is not None and rule.conclusion != triple.predicate.value:
                continue
            if isinstance(triple.subject, ox.Literal):
                continue
            # The engine's own store, not a natograph Store: each rule projects ?subject ?predicate ?object and
            # never asks BOUND of them, the two cases where substitution and a store's VALUES differ (test_binding.py).
            solutions = self.store.query(rule.query, default_graph=CLOSURE, substitutions=bindings)
            count = sum(v.value.startswith("s") and v.value[1:].isdigit() for v in solutions.variables)
            for number, row in enumerate(solutions):
                if number >= MAX_INSTANCES_PER_RULE:
                    break
                premises = [ox.Triple(row[f"s{i}"], row[f"p{i}"], row[f"o{i}"]) for i in range(1, count + 1)]
                instances.append((rule, premises))
        instances += self._date_bound_instances(triple)
        # Instances whose premises are all asserted first: they give the shallowest derivations.
        instances.sort(key=lambda instance: sum(not self._asserted(p) for p in instance[1]))
        self._instances[triple] = instances
        return instances

    def _date_bound_instances(self, triple: ox.Triple) -> list:
        bounded = DATE_BOUND_SOURCES.get(triple.predicate.value)
        if bounded is None or not isinstance(triple.object, ox.Literal):
            return []
        date_property, position = bounded
        rule = DerivationRule(DATE_BOUND_RULE, DATE_BOUND_DESCRIPTION, None, "")
        instances = []
        for graph in CLOSURE:
            for quad in self.store.quads_for_pattern(triple.subject, date_property, None, graph):
                value = quad.object
                if not isinstance(value, ox.Literal):
                    continue
                span = day_range(value.value, value.datatype.value)
                if span is not None and span[position].isoformat() == triple.object.value:
                    instances.append((rule, [quad.triple]))
        return instances

    def _asserted(self, triple: ox.Triple) -> bool:
        return ox.Quad(triple.subject, triple.predicate, triple.object, ASSERTED) in self.store

    def _in_closure(self, triple: ox.Triple) -> bool:
        return self._asserted(triple) or ox.Quad(triple.subject, triple.predicate, triple.object, INFERRED) in self.store

    def _leaf(self, triple: ox.Triple) -> Explanation:
        return Explanation(triple, "asserted", sources=self.source_locations(triple),
                           stated_by=stated_by(self.store, triple))

    def source_locations(self, triple: ox.Triple) -> list[Location]:
        """The files (and lines, when the sources are known) that state an asserted triple."""
        files = []
        for quad in self.store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph not in CLOSURE and graph != PROVENANCE \
                    and graph.value.startswith(GRAPH_BASE):
                files.append(graph.value[len(GRAPH_BASE):])
        if self.sources is not None:
            located = [loc for loc in self.sources.locate(triple, self.store) if loc.file in files]
            if located:
                return located
        return [Location(f) for f in sorted(set(files))]


def explain(store: ox.Store, triple: ox.Triple, *, sources: SourceLocator | None = None) -> Explanation:
    """Why the closure in `store` holds `triple` (see Explainer)."""
    return Explainer(store, sources=sources).explain(triple)
