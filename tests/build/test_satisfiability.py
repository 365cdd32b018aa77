"""Unsatisfiable classes: a class is unsatisfiable when OWL-RL reasoning over a fresh instance of it clashes."""

import pyoxigraph as ox

from natograph.build.check.satisfiability import fresh_instance, find_unsatisfiable, named_classes

PREFIXES = """@prefix nato: <https://w3id.org/natograph/ontology#> .
@prefix natoid: <https://w3id.org/natograph/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def ontology(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(PREFIXES + text, format=ox.RdfFormat.TURTLE)]


def names(classes) -> list[str]:
    return [c.value.rsplit("#", 1)[1] for c in classes]


def test_a_subclass_of_two_disjoint_classes_is_unsatisfiable_and_so_are_its_subclasses():
    result = find_unsatisfiable(ontology("""
        nato:Operation a owl:Class . nato:Place a owl:Class .
        nato:Operation owl:disjointWith nato:Place .
        nato:Hybrid a owl:Class ; rdfs:subClassOf nato:Operation, nato:Place .
        nato:WorseHybrid a owl:Class ; rdfs:subClassOf nato:Hybrid .
    """))
    assert names(u.cls for u in result.unsatisfiable) == ["Hybrid", "WorseHybrid"]
    (clash,) = result.unsatisfiable[0].clashes
    assert clash.rule == "cax-dw"
    assert clash.triples[0].subject == fresh_instance(result.unsatisfiable[0].cls)


def test_every_class_of_a_sound_ontology_is_satisfiable_in_two_closures():
    result = find_unsatisfiable(ontology("""
        nato:Operation a owl:Class . nato:Place a owl:Class . nato:Country a owl:Class ;
            rdfs:subClassOf nato:Place .
        nato:Operation owl:disjointWith nato:Place .
    """))
    assert names(result.classes) == ["Country", "Operation", "Place"]
    assert result.unsatisfiable == [] and result.ontology_clashes == []
    assert result.closures == 2


def test_classes_that_clash_only_together_are_each_satisfiable():
    # Fresh instances of A and B share the value natoid:v of an inverse-functional property, so in one
    # closure they become owl:sameAs and clash with A disjointWith B; tested apart, neither clashes.
    result = find_unsatisfiable(ontology("""
        nato:key a owl:ObjectProperty, owl:InverseFunctionalProperty .
        nato:A a owl:Class ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty nato:key ; owl:hasValue natoid:v ] .
        nato:B a owl:Class ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty nato:key ; owl:hasValue natoid:v ] .
        nato:A owl:disjointWith nato:B .
        nato:C a owl:Class ; rdfs:subClassOf nato:A, nato:B .
    """))
    assert names(u.cls for u in result.unsatisfiable) == ["C"]


def test_an_ontology_that_is_inconsistent_by_itself_is_reported_as_such():
    result = find_unsatisfiable(ontology("""
        nato:Operation a owl:Class . nato:Place a owl:Class .
        nato:Operation owl:disjointWith nato:Place .
        natoid:kfor a nato:Operation, nato:Place .
    """))
    assert result.unsatisfiable == []
    assert [c.rule for c in result.ontology_clashes] == ["cax-dw"]


def test_named_classes_are_the_declared_iri_classes_without_thing_and_nothing():
    classes = named_classes(ontology("""
        nato:A a owl:Class . nato:B a rdfs:Class . owl:Thing a owl:Class . [] a owl:Class .
    """))
    assert names(classes) == ["A", "B"]
