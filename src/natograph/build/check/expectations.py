"""Entailment expectations: checks/*.trig files of triples the closure must, or must not, entail.

Each file is TriG with two graphs:

    GRAPH check:must-entail     { natoid:kfor a nato:NatoLedOperation . }
    GRAPH check:must-not-entail { natoid:eulex a nato:NatoLedOperation . }

(`check:` is https://w3id.org/natograph/check#). Every triple of must-entail must be in the closure
(asserted ∪ inferred); no triple of must-not-entail may be. Blank nodes stand for "some resource":
the triples linked by blank nodes form one expectation, met when one resource (or value) fits all
of them. An IRI that occurs nowhere in the graph fails the expectation, so that a misspelt name
cannot make a must-not-entail expectation pass by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ...errors import InputFileError
from ..load import InputFile
from ...snapshot.source_lines import Location
from ..provenance import SourceIndex, locate_file
from ...rdf.terms import compact, compact_triple
from ...vocab import ASSERTED_GRAPH, INFERRED_GRAPH

CHECK_NAMESPACE = "https://w3id.org/natograph/check#"
MUST_ENTAIL = ox.NamedNode(CHECK_NAMESPACE + "must-entail")
MUST_NOT_ENTAIL = ox.NamedNode(CHECK_NAMESPACE + "must-not-entail")
KINDS = {MUST_ENTAIL: "must-entail", MUST_NOT_ENTAIL: "must-not-entail"}
STANDARD_NAMESPACES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)
CLOSURE_GRAPHS = (ox.NamedNode(ASSERTED_GRAPH), ox.NamedNode(INFERRED_GRAPH))


@dataclass
class Expectation:
    """Triples (blank nodes as unknowns) that the closure must, or must not, entail, and where they are written."""

    kind: str
    triples: list[ox.Triple]
    location: Location

    def describe(self) -> str:
        return " . ".join(compact_triple(t) for t in self.triples)


@dataclass
class ExpectationResult:
    """Whether one expectation holds, and why not."""

    expectation: Expectation
    passed: bool
    problem: str = ""

    def describe(self) -> str:
        e = self.expectation
        return f"[{e.kind}] {e.describe()}    ({e.location}): {self.problem}"

    def to_dict(self) -> dict:
        e = self.expectation
        return {
            "kind": e.kind,
            "triples": [compact_triple(t) for t in e.triples],
            "location": e.location.to_dict(),
            "passed": self.passed,
            "problem": self.problem,
        }


def expectation_files(checks_dir: Path, root: Path) -> list[InputFile]:
    """The checks/*.trig files, by name (none if the directory does not exist)."""
    if not checks_dir.is_dir():
        return []
    return [InputFile(p.relative_to(root).as_posix(), p) for p in sorted(checks_dir.glob("*.trig"))]


def load_expectations(files: list[InputFile]) -> list[Expectation]:
    """The expectations of every file; a triple outside the two graphs is an InputFileError."""
    expectations = []
    for source in files:
        located = locate_file(source)
        for lt in located:
            if lt.graph not in KINDS:
                raise InputFileError(
                    source.relative_path,
                    f"triple {compact_triple(lt.triple)} is outside GRAPH check:must-entail and "
                    "GRAPH check:must-not-entail",
                    line=lt.location.line,
                )
        index = SourceIndex(located)
        for graph, kind in KINDS.items():
            in_graph = [lt for lt in located if lt.graph == graph]
            for group in _linked_by_blank_nodes(in_graph):
                triples = [index.canonical(lt.triple) for lt in group]
                first = min(group, key=lambda lt: lt.location.line or 0).location
                expectations.append(Expectation(kind, triples, first))
    return expectations


def _linked_by_blank_nodes(located: list) -> list[list]:
    """Split triples into groups that share blank nodes; a triple without blank nodes is its own group."""
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for lt in located:
        nodes = [t for t in (lt.triple.subject, lt.triple.object) if isinstance(t, ox.BlankNode)]
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    groups: dict = {}
    for i, lt in enumerate(located):
        blank = next((t for t in (lt.triple.subject, lt.triple.object) if isinstance(t, ox.BlankNode)), None)
        groups.setdefault(find(blank) if blank is not None else ("triple", i), []).append(lt)
    return list(groups.values())


def evaluate(store: ox.Store, expectations: list[Expectation]) -> list[ExpectationResult]:
    """Run every expectation against the closure (asserted ∪ inferred) in the store."""
    return [_evaluate_one(store, e) for e in expectations]


def _evaluate_one(store: ox.Store, expectation: Expectation) -> ExpectationResult:
    unknown = sorted({compact(term) for t in expectation.triples for term in (t.subject, t.predicate, t.object)
                      if isinstance(term, ox.NamedNode) and not _occurs(store, term)})
    if unknown:
        return ExpectationResult(expectation, False, f"{', '.join(unknown)} occurs nowhere in the graph (misspelt?)")
    entailed = is_entailed(store, expectation.triples)
    if expectation.kind == "must-entail" and not entailed:
        missing = [compact_triple(t) for t in expectation.triples if not _has_blank(t) and not is_entailed(store, [t])]
        detail = f": {'; '.join(missing)} not in the closure" if missing else ""
        return ExpectationResult(expectation, False, "not entailed" + detail)
    if expectation.kind == "must-not-entail" and entailed:
        return ExpectationResult(expectation, False, "entailed, but must not be")
    return ExpectationResult(expectation, True)


def is_entailed(store: ox.Store, triples: list[ox.Triple], binding: dict | None = None) -> bool:
    """Whether the closure holds all the triples, for some value of each blank node."""
    binding = binding or {}
    if not triples:
        return True
    triple, rest = triples[0], triples[1:]
    subject = binding.get(triple.subject, triple.subject)
    obj = binding.get(triple.object, triple.object)
    pattern = (
        None if isinstance(subject, ox.BlankNode) else subject,
        triple.predicate,
        None if isinstance(obj, ox.BlankNode) else obj,
    )
    for graph in CLOSURE_GRAPHS:
        for quad in store.quads_for_pattern(*pattern, graph):
            extended = dict(binding)
            if isinstance(subject, ox.BlankNode):
                extended[subject] = quad.subject
            if isinstance(obj, ox.BlankNode):
                if obj in extended and extended[obj] != quad.object:
                    continue
                extended[obj] = quad.object
            if is_entailed(store, rest, extended):
                return True
    return False


def _occurs(store: ox.Store, term: ox.NamedNode) -> bool:
    if term.value.startswith(STANDARD_NAMESPACES):
        return True
    for pattern in ((term, None, None), (None, term, None), (None, None, term)):
        for graph in CLOSURE_GRAPHS:
            if next(iter(store.quads_for_pattern(*pattern, graph)), None) is not None:
                return True
    return False


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
