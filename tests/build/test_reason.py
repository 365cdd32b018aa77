"""Reason step: the closure keeps what is entailed and new, and drops what is trivial."""

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from natograph.build.reason import date_bounds, infer, trivial_kind
from natograph.rdf.terms import triple_to_oxigraph
from natograph.vocab import NATO

EX = "http://example.org/"


def _triples(*triples):
    return [triple_to_oxigraph(t) for t in triples]


def test_closure_returns_only_new_triples():
    a, b, c = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")
    inference = infer(_triples((NATO.locatedIn, RDF.type, OWL.TransitiveProperty),
                               (a, NATO.locatedIn, b), (b, NATO.locatedIn, c)))
    texts = {(t.subject.value, t.predicate.value, t.object.value) for t in inference.triples}
    assert (EX + "a", str(NATO.locatedIn), EX + "c") in texts   # prp-trp
    assert (EX + "a", str(NATO.locatedIn), EX + "b") not in texts  # asserted, so not "inferred"


def test_trivial_triples_are_dropped_and_counted():
    a = URIRef(EX + "a")
    inference = infer(_triples((a, RDF.type, URIRef(EX + "C"))))
    kinds = set(inference.dropped)
    assert "reflexive sameAs/equivalence/subsumption" in kinds
    assert not any(t.subject == t.object and t.predicate.value == str(OWL.sameAs) for t in inference.triples)
    assert not any(t.object.value == str(OWL.Thing) for t in inference.triples)


def test_trivial_kinds():
    x, y = ox.NamedNode(EX + "x"), ox.NamedNode(EX + "y")
    rdf_type, same_as = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(OWL.sameAs))
    thing = ox.NamedNode(str(OWL.Thing))
    assert trivial_kind((ox.Literal("10", datatype=ox.NamedNode(str(XSD.integer))), rdf_type,
                         ox.NamedNode(str(XSD.decimal)))) == "literal as subject (not valid RDF)"
    assert trivial_kind((x, same_as, x)).startswith("reflexive")
    assert trivial_kind((x, rdf_type, thing)).startswith("owl:Thing")
    assert trivial_kind((x, ox.NamedNode(str(RDFS.domain)), thing)).startswith("owl:Thing")
    assert trivial_kind((thing, rdf_type, ox.NamedNode(str(OWL.Class)))).startswith("axioms about")
    assert trivial_kind((x, same_as, y)) is None
    assert trivial_kind((ox.BlankNode(), rdf_type, ox.NamedNode(EX + "C"))) is None


def test_date_bounds_cover_every_precision():
    op = URIRef(EX + "op")
    triples = [triple_to_oxigraph(t) for t in ((op, NATO.startDate, Literal("2001", datatype=XSD.gYear)),
                                               (op, NATO.endDate, Literal("2014-12", datatype=XSD.gYearMonth)))]
    bounds = set(date_bounds(triples))
    assert triple_to_oxigraph((op, NATO.startDateEarliest, Literal("2001-01-01", datatype=XSD.date))) in bounds
    assert triple_to_oxigraph((op, NATO.startDateLatest, Literal("2001-12-31", datatype=XSD.date))) in bounds
    assert triple_to_oxigraph((op, NATO.endDateLatest, Literal("2014-12-31", datatype=XSD.date))) in bounds
