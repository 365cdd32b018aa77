"""Reason step: the OWL-RL closure of the asserted triples, minus what is asserted or trivial."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import owlrl
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..rdf.dates import day_range
from ..errors import ConfigError
from .reasoner import Entailment, closure as natograph_engine_closure
from ..rdf.terms import to_oxigraph, triple_to_rdflib
from ..vocab import DATE_BOUND_PROPERTIES

Progress = Callable[[str], None]

OWLRL_ERROR_CLASS = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
OWLRL_ERROR_TEXT = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")

BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE_NOISE = {ox.NamedNode(str(t)) for t in (OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty,
                                                  RDFS.subClassOf, RDFS.subPropertyOf)}
TOP_CLASSES = {ox.NamedNode(str(OWL.Thing)), ox.NamedNode(str(RDFS.Resource))}
TOP_CLASS_LINKS = {ox.NamedNode(str(t)) for t in (RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range)}
SUB_CLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
NOTHING = ox.NamedNode(str(OWL.Nothing))
XSD_DATE = ox.NamedNode(str(XSD.date))
_DATE_BOUND_PROPERTIES = {ox.NamedNode(str(p)): tuple(ox.NamedNode(str(n)) for n in names)
                          for p, names in DATE_BOUND_PROPERTIES.items()}


@dataclass
class Inference:
    """What reasoning added: inferred triples, the trivial ones it dropped, the reasoner's messages."""

    triples: list[ox.Triple]
    dropped: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)


def trivial_kind(triple: tuple) -> str | None:
    """Why an entailed triple (of pyoxigraph terms) is noise rather than knowledge, or None if it is worth keeping."""
    s, p, o = triple
    if isinstance(s, ox.Literal):
        return "literal as subject (not valid RDF)"
    if s == o and p in REFLEXIVE_NOISE:
        return "reflexive sameAs/equivalence/subsumption"
    if o in TOP_CLASSES and p in TOP_CLASS_LINKS:
        return "owl:Thing / rdfs:Resource as type, superclass, domain or range"
    if p == SUB_CLASS_OF and s == NOTHING:
        return "owl:Nothing subsumption"
    if isinstance(s, ox.NamedNode) and s.value.startswith(BUILT_IN_NAMESPACES):
        return "axioms about the RDF/RDFS/OWL/XSD vocabularies"
    return None


def owlrl_closure(asserted: list[ox.Triple], *, progress: Progress | None = None) -> Entailment:
    """The OWL-RL closure computed by owlrl (the reference engine), minus the asserted triples."""
    graph = Graph()
    for triple in asserted:
        graph.add(triple_to_rdflib(triple))
    asserted_set = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    messages = []
    for node in list(graph.subjects(RDF.type, OWLRL_ERROR_CLASS)):
        messages.extend(str(text) for text in graph.objects(node, OWLRL_ERROR_TEXT))
        graph.remove((node, None, None))
    triples = [tuple(map(to_oxigraph, t)) for t in graph if t not in asserted_set]
    return Entailment(triples, sorted(messages))


def natograph_closure(asserted: list[ox.Triple], *, progress: Progress | None = None) -> Entailment:
    """The OWL-RL closure computed by natograph's own engine (natograph.build.reasoner), minus the asserted triples."""
    return natograph_engine_closure(asserted, progress=progress)


REASONERS: dict[str, Callable[..., Entailment]] = {"owlrl": owlrl_closure, "natograph": natograph_closure}


def date_bounds(triples: Iterable[tuple]) -> list[ox.Triple]:
    """The earliest/latest-day triples for every date value, so that dates of any precision compare."""
    bounds = []
    for s, p, o in triples:
        names = _DATE_BOUND_PROPERTIES.get(p)
        if names is None or not isinstance(o, ox.Literal):
            continue
        span = day_range(o.value, o.datatype.value)
        if span is None:
            continue
        for name, day in zip(names, span):
            bounds.append(ox.Triple(s, name, ox.Literal(day.isoformat(), datatype=XSD_DATE)))
    return bounds


def infer(asserted: Iterable[ox.Triple], *, reasoner: str = "natograph", progress: Progress | None = None) -> Inference:
    """Reason over the asserted triples; the result holds only new, non-trivial triples."""
    if reasoner not in REASONERS:
        raise ConfigError(f"unknown reasoner {reasoner!r}; choose one of: {', '.join(REASONERS)}")
    asserted = list(dict.fromkeys(asserted))
    entailment = REASONERS[reasoner](asserted, progress=progress)
    kept, dropped = [], Counter()
    for triple in entailment.triples:
        kind = trivial_kind(triple)
        if kind:
            dropped[kind] += 1
        else:
            kept.append(ox.Triple(*triple))
    seen = set(asserted) | set(kept)
    for triple in date_bounds(asserted + kept):
        if triple not in seen:
            seen.add(triple)
            kept.append(triple)
    return Inference(kept, dropped, entailment.messages)
