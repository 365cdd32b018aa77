"""Reason step: the OWL-RL closure of the asserted triples, minus what is asserted or trivial."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import owlrl
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..rdf.dates import day_range
from ..errors import ConfigError
from .reasoner import Entailment, ReasonerClash, clashes_in, closure as natograph_engine_closure
from ..rdf.terms import to_oxigraph, triple_to_rdflib
from ..vocab import DATE_BOUND_PROPERTIES

Progress = Callable[[str], None]

# owlrl reports clashes in English, without the triples; each is translated into a record here, once, at its
# boundary, and kept only when the clash rules (build/reasoner/clashes.py) find none in owlrl's closure.
OWLRL_MESSAGE_RULES = [
    (re.compile(r"^Lexical value of the literal '(?P<value>.*)' does not match its datatype \((?P<datatype>[^)]*)\)$",
                re.S), "dt-not-type"),
    (re.compile(r"^'sameAs' and 'differentFrom'"), "eq-diff1"),
    (re.compile(r"^'sameAs' and 'AllDifferent'"), "eq-diff2"),
    (re.compile(r"^Irreflexive property"), "prp-irp"),
    (re.compile(r"^Erroneous usage of asymmetric property"), "prp-asyp"),
    (re.compile(r"^Disjoint properties in an 'AllDisjointProperties'"), "prp-adp"),
    (re.compile(r"^Erroneous usage of disjoint properties"), "prp-pdw"),
    (re.compile(r"^Negative \(object\) property assertion"), "prp-npa1"),
    (re.compile(r"^Negative \(datatype\) property assertion"), "prp-npa2"),
    (re.compile(r"is defined of type 'Nothing'$"), "cls-nothing2"),
    (re.compile(r"^Violation of complementarity"), "cls-com"),
    (re.compile(r"^Erroneous usage of maximum cardinality"), "cls-maxc1"),
    (re.compile(r"^Erroneous usage of maximum qualified cardinality"), "cls-maxqc1"),
    (re.compile(r"^Disjoint classes"), "cax-dw"),
]
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
    messages: list[ReasonerClash] = field(default_factory=list)


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


def owlrl_clash(message: str) -> ReasonerClash:
    """An owlrl error message as a record: the rule it is about, and for an ill-typed literal its form and datatype."""
    for pattern, rule in OWLRL_MESSAGE_RULES:
        match = pattern.search(message)
        if match:
            return ReasonerClash(rule, message, (match["value"], match["datatype"]) if rule == "dt-not-type" else None)
    return ReasonerClash("", message)


def owlrl_closure(asserted: list[ox.Triple], *, progress: Progress | None = None) -> Entailment:
    """The OWL-RL closure computed by owlrl (the reference engine), minus the asserted triples.

    The clashes are those the clash rules of natograph's engine find in owlrl's closure, with their triples;
    owlrl's own messages name none. Should owlrl find a clash that the rules do not, its messages are the
    records (rule and words only), so that owlrl's verdict is never lost.
    """
    graph = Graph()
    for triple in asserted:
        graph.add(triple_to_rdflib(triple))
    asserted_set = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    messages = []
    for node in list(graph.subjects(RDF.type, OWLRL_ERROR_CLASS)):
        messages.extend(owlrl_clash(str(text)) for text in graph.objects(node, OWLRL_ERROR_TEXT))
        graph.remove((node, None, None))
    triples = [tuple(map(to_oxigraph, t)) for t in graph if t not in asserted_set]
    clashes = clashes_in(asserted, triples) or [_stating_literal(m, asserted) for m in messages]
    return Entailment(triples, sorted(clashes, key=ReasonerClash.sort_key))


def _stating_literal(record: ReasonerClash, asserted: list[ox.Triple]) -> ReasonerClash:
    """An owlrl record about an ill-typed literal, with the asserted triples that state the literal."""
    if record.literal is None:
        return record
    value, datatype = record.literal
    literal = ox.Literal(value, datatype=ox.NamedNode(datatype))
    return replace(record, triples=tuple(t for t in asserted if t.object == literal))


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
