"""natograph's OWL 2 RL engine, rule by rule: each case names the rule (OWL 2 Profiles, tables 4–9) it exercises."""

import pyoxigraph as ox
import pytest

from natograph.build.reasoner import closure

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def parse(turtle: str) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE)]


def entailed(turtle: str) -> set[tuple]:
    """The closure of the Turtle, as (s, p, o) tuples of N-Triples strings, asserted triples included."""
    triples = parse(turtle)
    result = closure(triples)
    return {tuple(str(term) for term in t) for t in [*triples, *result.triples]}


def expect(turtle: str) -> tuple:
    (triple,) = parse(turtle)
    return tuple(str(term) for term in triple)


DERIVATIONS = [
    ("eq-sym", "ex:a owl:sameAs ex:b .", "ex:b owl:sameAs ex:a ."),
    ("eq-trans", "ex:a owl:sameAs ex:b . ex:b owl:sameAs ex:c .", "ex:a owl:sameAs ex:c ."),
    ("eq-rep-s", "ex:a owl:sameAs ex:b . ex:a ex:p ex:x .", "ex:b ex:p ex:x ."),
    ("eq-rep-p", "ex:p owl:sameAs ex:q . ex:a ex:p ex:x .", "ex:a ex:q ex:x ."),
    ("eq-rep-o", "ex:a owl:sameAs ex:b . ex:x ex:p ex:a .", "ex:x ex:p ex:b ."),
    ("prp-dom", "ex:p rdfs:domain ex:C . ex:a ex:p ex:b .", "ex:a a ex:C ."),
    ("prp-rng", "ex:p rdfs:range ex:C . ex:a ex:p ex:b .", "ex:b a ex:C ."),
    ("prp-fp", "ex:p a owl:FunctionalProperty . ex:a ex:p ex:b, ex:c .", "ex:b owl:sameAs ex:c ."),
    ("prp-ifp", "ex:p a owl:InverseFunctionalProperty . ex:a ex:p ex:c . ex:b ex:p ex:c .", "ex:a owl:sameAs ex:b ."),
    ("prp-symp", "ex:p a owl:SymmetricProperty . ex:a ex:p ex:b .", "ex:b ex:p ex:a ."),
    ("prp-trp", "ex:p a owl:TransitiveProperty . ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:p ex:d .", "ex:a ex:p ex:d ."),
    ("prp-spo1", "ex:p rdfs:subPropertyOf ex:q . ex:a ex:p ex:b .", "ex:a ex:q ex:b ."),
    ("prp-spo2", "ex:r owl:propertyChainAxiom (ex:p ex:q ex:s) . ex:a ex:p ex:b . ex:b ex:q ex:c . ex:c ex:s ex:d .",
     "ex:a ex:r ex:d ."),
    ("prp-eqp1", "ex:p owl:equivalentProperty ex:q . ex:a ex:p ex:b .", "ex:a ex:q ex:b ."),
    ("prp-eqp2", "ex:p owl:equivalentProperty ex:q . ex:a ex:q ex:b .", "ex:a ex:p ex:b ."),
    ("prp-inv1", "ex:p owl:inverseOf ex:q . ex:a ex:p ex:b .", "ex:b ex:q ex:a ."),
    ("prp-inv2", "ex:p owl:inverseOf ex:q . ex:a ex:q ex:b .", "ex:b ex:p ex:a ."),
    ("prp-key", "ex:C owl:hasKey (ex:k ex:l) . ex:a a ex:C ; ex:k 1 ; ex:l 2 . ex:b a ex:C ; ex:k 1 ; ex:l 2 .",
     "ex:a owl:sameAs ex:b ."),
    ("cls-thing", "ex:a ex:p ex:b .", "owl:Thing a owl:Class ."),
    ("cls-nothing1", "ex:a ex:p ex:b .", "owl:Nothing a owl:Class ."),
    ("cls-int1", "ex:I owl:intersectionOf (ex:A ex:B) . ex:x a ex:A, ex:B .", "ex:x a ex:I ."),
    ("cls-int2", "ex:I owl:intersectionOf (ex:A ex:B) . ex:x a ex:I .", "ex:x a ex:B ."),
    ("cls-uni", "ex:U owl:unionOf (ex:A ex:B) . ex:x a ex:B .", "ex:x a ex:U ."),
    ("cls-svf1", "ex:R owl:someValuesFrom ex:C ; owl:onProperty ex:p . ex:x ex:p ex:y . ex:y a ex:C .", "ex:x a ex:R ."),
    ("cls-svf2", "ex:R owl:someValuesFrom owl:Thing ; owl:onProperty ex:p . ex:x ex:p ex:y .", "ex:x a ex:R ."),
    ("cls-avf", "ex:R owl:allValuesFrom ex:C ; owl:onProperty ex:p . ex:x a ex:R ; ex:p ex:y .", "ex:y a ex:C ."),
    ("cls-hv1", "ex:R owl:hasValue ex:v ; owl:onProperty ex:p . ex:x a ex:R .", "ex:x ex:p ex:v ."),
    ("cls-hv2", "ex:R owl:hasValue ex:v ; owl:onProperty ex:p . ex:x ex:p ex:v .", "ex:x a ex:R ."),
    ("cls-maxc2", 'ex:R owl:maxCardinality "1"^^xsd:nonNegativeInteger ; owl:onProperty ex:p . ex:x a ex:R ; ex:p ex:y, ex:z .',
     "ex:y owl:sameAs ex:z ."),
    ("cls-maxqc3", 'ex:R owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ; owl:onProperty ex:p ; owl:onClass ex:C .'
     " ex:x a ex:R ; ex:p ex:y, ex:z . ex:y a ex:C . ex:z a ex:C .", "ex:y owl:sameAs ex:z ."),
    ("cls-maxqc4", 'ex:R owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ; owl:onProperty ex:p ; owl:onClass owl:Thing .'
     " ex:x a ex:R ; ex:p ex:y, ex:z .", "ex:y owl:sameAs ex:z ."),
    ("cls-oo", "ex:C owl:oneOf (ex:a ex:b) .", "ex:b a ex:C ."),
    ("cax-sco", "ex:A rdfs:subClassOf ex:B . ex:x a ex:A .", "ex:x a ex:B ."),
    ("cax-eqc1", "ex:A owl:equivalentClass ex:B . ex:x a ex:A .", "ex:x a ex:B ."),
    ("cax-eqc2", "ex:A owl:equivalentClass ex:B . ex:x a ex:B .", "ex:x a ex:A ."),
    ("scm-cls", "ex:C a owl:Class .", "ex:C rdfs:subClassOf owl:Thing ."),
    ("scm-sco", "ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C .", "ex:A rdfs:subClassOf ex:C ."),
    ("scm-eqc1", "ex:A owl:equivalentClass ex:B .", "ex:B rdfs:subClassOf ex:A ."),
    ("scm-eqc2", "ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:A .", "ex:A owl:equivalentClass ex:B ."),
    ("scm-op", "ex:p a owl:ObjectProperty .", "ex:p owl:equivalentProperty ex:p ."),
    ("scm-dp", "ex:p a owl:DatatypeProperty .", "ex:p rdfs:subPropertyOf ex:p ."),
    ("scm-spo", "ex:p rdfs:subPropertyOf ex:q . ex:q rdfs:subPropertyOf ex:r .", "ex:p rdfs:subPropertyOf ex:r ."),
    ("scm-eqp1", "ex:p owl:equivalentProperty ex:q .", "ex:q rdfs:subPropertyOf ex:p ."),
    ("scm-eqp2", "ex:p rdfs:subPropertyOf ex:q . ex:q rdfs:subPropertyOf ex:p .", "ex:p owl:equivalentProperty ex:q ."),
    ("scm-dom1", "ex:p rdfs:domain ex:A . ex:A rdfs:subClassOf ex:B .", "ex:p rdfs:domain ex:B ."),
    ("scm-dom2", "ex:q rdfs:domain ex:A . ex:p rdfs:subPropertyOf ex:q .", "ex:p rdfs:domain ex:A ."),
    ("scm-rng1", "ex:p rdfs:range ex:A . ex:A rdfs:subClassOf ex:B .", "ex:p rdfs:range ex:B ."),
    ("scm-rng2", "ex:q rdfs:range ex:A . ex:p rdfs:subPropertyOf ex:q .", "ex:p rdfs:range ex:A ."),
    ("scm-hv", "ex:R1 owl:hasValue ex:v ; owl:onProperty ex:p . ex:R2 owl:hasValue ex:v ; owl:onProperty ex:q ."
     " ex:p rdfs:subPropertyOf ex:q .", "ex:R1 rdfs:subClassOf ex:R2 ."),
    ("scm-svf1", "ex:R1 owl:someValuesFrom ex:A ; owl:onProperty ex:p . ex:R2 owl:someValuesFrom ex:B ; owl:onProperty ex:p ."
     " ex:A rdfs:subClassOf ex:B .", "ex:R1 rdfs:subClassOf ex:R2 ."),
    ("scm-svf2", "ex:R1 owl:someValuesFrom ex:A ; owl:onProperty ex:p . ex:R2 owl:someValuesFrom ex:A ; owl:onProperty ex:q ."
     " ex:p rdfs:subPropertyOf ex:q .", "ex:R1 rdfs:subClassOf ex:R2 ."),
    ("scm-avf1", "ex:R1 owl:allValuesFrom ex:A ; owl:onProperty ex:p . ex:R2 owl:allValuesFrom ex:B ; owl:onProperty ex:p ."
     " ex:A rdfs:subClassOf ex:B .", "ex:R1 rdfs:subClassOf ex:R2 ."),
    ("scm-avf2", "ex:R1 owl:allValuesFrom ex:A ; owl:onProperty ex:p . ex:R2 owl:allValuesFrom ex:A ; owl:onProperty ex:q ."
     " ex:p rdfs:subPropertyOf ex:q .", "ex:R2 rdfs:subClassOf ex:R1 ."),
    ("scm-int", "ex:I owl:intersectionOf (ex:A ex:B) .", "ex:I rdfs:subClassOf ex:B ."),
    ("scm-uni", "ex:U owl:unionOf (ex:A ex:B) .", "ex:A rdfs:subClassOf ex:U ."),
]


@pytest.mark.parametrize("rule, turtle, conclusion", DERIVATIONS, ids=[case[0] for case in DERIVATIONS])
def test_rule_derives_its_conclusion(rule, turtle, conclusion):
    assert expect(conclusion) in entailed(turtle)


NON_DERIVATIONS = [
    ("prp-key needs every key value shared", "ex:C owl:hasKey (ex:k ex:l) . ex:a a ex:C ; ex:k 1 ; ex:l 2 ."
     " ex:b a ex:C ; ex:k 1 ; ex:l 3 .", "ex:a owl:sameAs ex:b ."),
    ("cls-svf1 needs a value of the filler class", "ex:R owl:someValuesFrom ex:C ; owl:onProperty ex:p . ex:x ex:p ex:y .",
     "ex:x a ex:R ."),
    ("cls-int1 needs every member class", "ex:I owl:intersectionOf (ex:A ex:B) . ex:x a ex:A .", "ex:x a ex:I ."),
    ("cls-maxqc3 merges only values of the class", 'ex:R owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ;'
     " owl:onProperty ex:p ; owl:onClass ex:C . ex:x a ex:R ; ex:p ex:y, ex:z . ex:y a ex:C .", "ex:y owl:sameAs ex:z ."),
]


@pytest.mark.parametrize("case, turtle, conclusion", NON_DERIVATIONS, ids=[case[0] for case in NON_DERIVATIONS])
def test_rule_does_not_overreach(case, turtle, conclusion):
    assert expect(conclusion) not in entailed(turtle)


INCONSISTENCIES = [
    ("eq-diff1", "ex:a owl:sameAs ex:b . ex:a owl:differentFrom ex:b ."),
    ("eq-diff2", "[] a owl:AllDifferent ; owl:members (ex:a ex:b ex:c) . ex:c owl:sameAs ex:a ."),
    ("prp-irp", "ex:p a owl:IrreflexiveProperty . ex:a ex:p ex:a ."),
    ("prp-asyp", "ex:p a owl:AsymmetricProperty . ex:a ex:p ex:b . ex:b ex:p ex:a ."),
    ("prp-pdw", "ex:p owl:propertyDisjointWith ex:q . ex:a ex:p ex:b ; ex:q ex:b ."),
    ("prp-adp", "[] a owl:AllDisjointProperties ; owl:members (ex:p ex:q ex:r) . ex:a ex:p ex:b ; ex:r ex:b ."),
    ("prp-npa1", "[] owl:sourceIndividual ex:a ; owl:assertionProperty ex:p ; owl:targetIndividual ex:b . ex:a ex:p ex:b ."),
    ("cls-nothing2", "ex:a a owl:Nothing ."),
    ("cls-com", "ex:A owl:complementOf ex:B . ex:x a ex:A, ex:B ."),
    ("cls-maxc1", 'ex:R owl:maxCardinality "0"^^xsd:nonNegativeInteger ; owl:onProperty ex:p . ex:x a ex:R ; ex:p ex:y .'),
    ("cls-maxqc1", 'ex:R owl:maxQualifiedCardinality "0"^^xsd:nonNegativeInteger ; owl:onProperty ex:p ; owl:onClass ex:C .'
     " ex:x a ex:R ; ex:p ex:y . ex:y a ex:C ."),
    ("cax-dw", "ex:A owl:disjointWith ex:B . ex:x a ex:A, ex:B ."),
    ("cax-adc", "[] a owl:AllDisjointClasses ; owl:members (ex:A ex:B ex:C) . ex:x a ex:A, ex:C ."),
    ("dt-not-type", 'ex:x ex:p "twelve"^^xsd:integer .'),
    ("cax-dw", 'ex:p rdfs:range xsd:string . ex:x ex:p "5"^^xsd:integer . ex:y ex:q "abc"^^xsd:token .'),
]


@pytest.mark.parametrize("rule, turtle", INCONSISTENCIES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(INCONSISTENCIES)])
def test_false_head_rule_reports_inconsistency(rule, turtle):
    messages = closure(parse(turtle)).messages
    assert any(message.rule == rule for message in messages), messages


def test_dt_type2_types_literals_with_their_datatype_and_its_supertypes():
    five, text = ox.Literal("5", datatype=ox.NamedNode(XSD + "int")), ox.Literal("text")
    result = set(closure(parse('ex:x ex:p "5"^^xsd:int ; ex:q "text" .')).triples)
    for datatype in ("int", "long", "integer", "decimal"):
        assert (five, RDF_TYPE, ox.NamedNode(XSD + datatype)) in result
    assert not any(t[0] == text for t in result)  # plain strings stay untyped, as owlrl leaves them


def test_consistent_graph_has_no_messages():
    turtle = "ex:A owl:disjointWith ex:B . ex:x a ex:A . ex:y a ex:B . ex:p a owl:IrreflexiveProperty . ex:x ex:p ex:y ."
    assert closure(parse(turtle)).messages == []


def test_equal_terms_are_expanded_into_every_name():
    """eq-rep-s/o over a merged group: each fact holds for each name, and every pair of names is owl:sameAs."""
    names = " ".join(f"ex:v{i}" for i in range(30))
    turtle = f"ex:p a owl:FunctionalProperty . ex:x ex:p {', '.join(names.split())} . ex:v0 ex:q ex:z ."
    closed = entailed(turtle)
    same_as = {t for t in closed if t[1] == "<http://www.w3.org/2002/07/owl#sameAs>" and t[0] != t[2]}
    assert len(same_as) == 30 * 29
    assert all(expect(f"ex:v{i} ex:q ex:z .") in closed for i in range(30))


def test_terminology_derived_from_facts_is_applied():
    """A sub-property of rdfs:subClassOf yields a subsumption, which cax-sco then applies (the rules re-run)."""
    turtle = "ex:isA rdfs:subPropertyOf rdfs:subClassOf . ex:A ex:isA ex:B . ex:x a ex:A ."
    assert expect("ex:x a ex:B .") in entailed(turtle)


def test_merging_a_term_of_the_terminology_reapplies_the_rules():
    """A hasValue individual made equal to another (prp-fp) makes cls-hv2 apply to the other's facts."""
    turtle = """ex:R owl:hasValue ex:nato ; owl:onProperty ex:ledBy .
                ex:name a owl:FunctionalProperty . ex:nato ex:name "NATO" . ex:otan ex:name "NATO" .
                ex:name a owl:InverseFunctionalProperty . ex:op ex:ledBy ex:otan ."""
    assert expect("ex:op a ex:R .") in entailed(turtle)


def test_closure_leaves_out_asserted_and_reflexive_sameas():
    turtle = "ex:a ex:p ex:b . ex:a owl:sameAs ex:c ."
    result = {tuple(map(str, t)) for t in closure(parse(turtle)).triples}
    assert expect("ex:a ex:p ex:b .") not in result
    assert expect("ex:c ex:p ex:b .") in result
    assert not any(t[1].endswith("#sameAs>") and t[0] == t[2] for t in result)


def test_progress_is_reported():
    seen = []
    triples = parse(" ".join(f"ex:a{i} ex:p ex:b{i} ." for i in range(10)) + " ex:p rdfs:domain ex:C .")
    closure(triples, progress=seen.append)
    assert any("facts processed" in message for message in seen)
    assert seen[-1].startswith("reading out the closure")
