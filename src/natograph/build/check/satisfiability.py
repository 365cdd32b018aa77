"""Unsatisfiable classes: a class is unsatisfiable when OWL-RL reasoning over a fresh instance of it clashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox

from .clashes import Clash, find_clashes
from ..reason import infer
from ...rdf.terms import compact
from ...vocab import ASSERTED_GRAPH, INFERRED_GRAPH

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CLASS_TYPES = {ox.NamedNode("http://www.w3.org/2002/07/owl#Class"),
               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#Class")}
NOT_TESTED = {ox.NamedNode("http://www.w3.org/2002/07/owl#Nothing"),
              ox.NamedNode("http://www.w3.org/2002/07/owl#Thing")}
FRESH_INSTANCE_PREFIX = "urn:natograph:an-instance-of:"


@dataclass
class Unsatisfiable:
    """A class no individual can belong to, with the clashes a fresh instance of it causes."""

    cls: ox.NamedNode
    clashes: list[Clash]

    def describe(self) -> str:
        lines = [f"{compact(self.cls)} is unsatisfiable: a fresh instance of it clashes"]
        lines += ["  " + line for clash in self.clashes for line in clash.describe().splitlines()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"class": compact(self.cls), "clashes": [clash.to_dict() for clash in self.clashes]}


@dataclass
class SatisfiabilityResult:
    """What the test found: the classes tested, the unsatisfiable ones, and clashes of the ontology alone."""

    classes: list[ox.NamedNode]
    unsatisfiable: list[Unsatisfiable]
    ontology_clashes: list[Clash]
    closures: int


def named_classes(ontology: Iterable[ox.Triple]) -> list[ox.NamedNode]:
    """The classes the ontology declares by IRI (owl:Class or rdfs:Class), except owl:Thing and owl:Nothing."""
    classes = {
        t.subject for t in ontology
        if t.predicate == RDF_TYPE and t.object in CLASS_TYPES and isinstance(t.subject, ox.NamedNode)
    }
    return sorted(classes - NOT_TESTED, key=lambda c: c.value)


def fresh_instance(cls: ox.NamedNode) -> ox.NamedNode:
    """The IRI of the made-up individual that stands for "some member of `cls`"."""
    return ox.NamedNode(FRESH_INSTANCE_PREFIX + cls.value)


def find_unsatisfiable(ontology: list[ox.Triple], *, reasoner: str = "owlrl") -> SatisfiabilityResult:
    """Test every named class of the ontology for satisfiability under OWL-RL.

    OWL-RL entailment is monotonic: adding fresh instances can only add clashes. So if one closure
    with a fresh instance of every class in a group is clash-free, each class of the group is
    satisfiable; if it clashes, the group is narrowed down to single classes, whose clash is their
    own. Instances may interact (through sameAs or shared values), so a clash of a group says
    nothing until it is narrowed to one class. Narrowing first tests alone the classes whose
    instances the clashing triples name, and the rest of the group together; when no instance is
    named, it halves the group. With every class satisfiable this costs one closure beyond the
    ontology's own.
    """
    classes = named_classes(ontology)
    closures = 1
    ontology_clashes = clashes_with_instances(ontology, [], reasoner)
    if ontology_clashes:
        return SatisfiabilityResult(classes, [], ontology_clashes, closures)
    unsatisfiable = []
    groups = [classes] if classes else []
    while groups:
        group = groups.pop(0)
        clashes = clashes_with_instances(ontology, group, reasoner)
        closures += 1
        if not clashes:
            continue
        if len(group) == 1:
            unsatisfiable.append(Unsatisfiable(group[0], clashes))
            continue
        named = _named_in(clashes)
        suspects = [c for c in group if fresh_instance(c) in named]
        if 0 < len(suspects) < len(group):
            groups[:0] = [[c] for c in suspects] + [[c for c in group if c not in suspects]]
        else:
            middle = len(group) // 2
            groups[:0] = [group[:middle], group[middle:]]
    unsatisfiable.sort(key=lambda u: u.cls.value)
    return SatisfiabilityResult(classes, unsatisfiable, [], closures)


def _named_in(clashes: list[Clash]) -> set:
    return {term for clash in clashes for t in clash.triples for term in (t.subject, t.object)}


def clashes_with_instances(ontology: list[ox.Triple], classes: list[ox.NamedNode], reasoner: str) -> list[Clash]:
    """The clashes of the ontology's OWL-RL closure with one fresh instance of each class added."""
    asserted = list(ontology) + [ox.Triple(fresh_instance(c), RDF_TYPE, c) for c in classes]
    inference = infer(asserted, reasoner=reasoner)
    store = ox.Store()
    store.extend(ox.Quad(*t, ox.NamedNode(ASSERTED_GRAPH)) for t in asserted)
    store.extend(ox.Quad(*t, ox.NamedNode(INFERRED_GRAPH)) for t in inference.triples)
    return find_clashes(store, inference.messages)
