"""Reason step: the OWL-RL closure of the asserted triples, minus what is asserted or trivial."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import owlrl
import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .dates import day_range
from .errors import ConfigError
from .terms import triple_to_oxigraph, triple_to_rdflib
from .vocab import DATE_BOUND_PROPERTIES

OWLRL_ERROR_CLASS = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
OWLRL_ERROR_TEXT = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")

BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE_NOISE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
TOP_CLASSES = {OWL.Thing, RDFS.Resource}
TOP_CLASS_LINKS = {RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range}


@dataclass
class Inference:
    """What reasoning added: inferred triples, the trivial ones it dropped, the reasoner's messages."""

    triples: list[ox.Triple]
    dropped: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)


def trivial_kind(triple: tuple) -> str | None:
    """Why an entailed triple is noise rather than knowledge, or None if it is worth keeping."""
    s, p, o = triple
    if isinstance(s, Literal):
        return "literal as subject (not valid RDF)"
    if s == o and p in REFLEXIVE_NOISE:
        return "reflexive sameAs/equivalence/subsumption"
    if o in TOP_CLASSES and p in TOP_CLASS_LINKS:
        return "owl:Thing / rdfs:Resource as type, superclass, domain or range"
    if p == RDFS.subClassOf and s == OWL.Nothing:
        return "owl:Nothing subsumption"
    if str(s).startswith(BUILT_IN_NAMESPACES):
        return "axioms about the RDF/RDFS/OWL/XSD vocabularies"
    return None


def owlrl_closure(graph: Graph) -> list[str]:
    """Expand `graph` in place to its OWL-RL closure with owlrl; returns owlrl's error messages."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    messages = []
    for node in list(graph.subjects(RDF.type, OWLRL_ERROR_CLASS)):
        messages.extend(str(text) for text in graph.objects(node, OWLRL_ERROR_TEXT))
        graph.remove((node, None, None))
    return sorted(messages)


REASONERS: dict[str, Callable[[Graph], list[str]]] = {"owlrl": owlrl_closure}


def date_bounds(triples: Iterable[tuple]) -> list[tuple]:
    """The earliest/latest-day triples for every date value, so that dates of any precision compare."""
    bounds = []
    for s, p, o in triples:
        names = DATE_BOUND_PROPERTIES.get(p)
        if names is None or not isinstance(o, Literal) or o.datatype is None:
            continue
        span = day_range(str(o), str(o.datatype))
        if span is None:
            continue
        for name, day in zip(names, span):
            bounds.append((s, name, Literal(day.isoformat(), datatype=XSD.date)))
    return bounds


def infer(asserted: Iterable[ox.Triple], *, reasoner: str = "owlrl") -> Inference:
    """Reason over the asserted triples; the result holds only new, non-trivial triples."""
    if reasoner not in REASONERS:
        raise ConfigError(f"unknown reasoner {reasoner!r}; choose one of: {', '.join(REASONERS)}")
    graph = Graph()
    for triple in asserted:
        graph.add(triple_to_rdflib(triple))
    asserted_set = set(graph)
    messages = REASONERS[reasoner](graph)
    kept, dropped = [], Counter()
    for triple in graph:
        if triple in asserted_set:
            continue
        kind = trivial_kind(triple)
        if kind:
            dropped[kind] += 1
        else:
            kept.append(triple)
    seen = asserted_set | set(kept)
    for triple in date_bounds(graph):
        if triple not in seen:
            seen.add(triple)
            kept.append(triple)
    return Inference([triple_to_oxigraph(t) for t in kept], dropped, messages)
