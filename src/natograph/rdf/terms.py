"""Conversions between pyoxigraph terms (the store's) and rdflib terms (owlrl's and pySHACL's)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD = str(XSD)
_XSD_STRING = str(XSD.string)


def to_rdflib(term):
    """An rdflib term for a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term):
    """A pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def triple_to_rdflib(triple: ox.Triple) -> tuple:
    return (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))


def triple_to_oxigraph(triple: tuple) -> ox.Triple:
    s, p, o = triple
    return ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))


def compact(term) -> str:
    """A term as a reader would write it: prefixed names where a prefix fits, N-Triples otherwise."""
    from ..vocab import PREFIXES

    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            local = term.value[len(namespace):]
            if term.value.startswith(namespace) and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal) and term.datatype.value != _XSD_STRING and not term.language:
        return f'"{term.value}"^^{compact(term.datatype)}'
    return str(term)


def compact_triple(triple: ox.Triple) -> str:
    return f"{compact(triple.subject)} {compact(triple.predicate)} {compact(triple.object)}"


def statement(subject, predicate: str, obj) -> ox.Triple:
    """A triple whose predicate is given as an IRI string."""
    return ox.Triple(subject, ox.NamedNode(predicate), obj)


def named_node(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def integer_literal(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))


def boolean_literal(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(_XSD + "boolean"))
