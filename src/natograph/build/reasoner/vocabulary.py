"""The RDF, RDFS, OWL and XSD terms the rules mention, each with a fixed small integer id."""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# The order fixes the ids: TYPE is 0, SUB_CLASS_OF is 1, and so on.
BUILT_IN_IRIS = (
    RDF + "type",
    RDFS + "subClassOf",
    OWL + "equivalentClass",
    RDFS + "subPropertyOf",
    OWL + "equivalentProperty",
    RDFS + "domain",
    RDFS + "range",
    OWL + "inverseOf",
    OWL + "propertyChainAxiom",
    OWL + "hasKey",
    OWL + "intersectionOf",
    OWL + "unionOf",
    OWL + "complementOf",
    OWL + "someValuesFrom",
    OWL + "allValuesFrom",
    OWL + "hasValue",
    OWL + "onProperty",
    OWL + "onClass",
    OWL + "maxCardinality",
    OWL + "maxQualifiedCardinality",
    OWL + "oneOf",
    OWL + "disjointWith",
    OWL + "propertyDisjointWith",
    OWL + "members",
    OWL + "distinctMembers",
    RDF + "first",
    RDF + "rest",
    RDF + "nil",
    OWL + "sourceIndividual",
    OWL + "assertionProperty",
    OWL + "targetIndividual",
    OWL + "targetValue",
    OWL + "sameAs",
    OWL + "differentFrom",
    OWL + "Thing",
    OWL + "Nothing",
    OWL + "Class",
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    RDF + "Property",
    OWL + "FunctionalProperty",
    OWL + "InverseFunctionalProperty",
    OWL + "IrreflexiveProperty",
    OWL + "SymmetricProperty",
    OWL + "AsymmetricProperty",
    OWL + "TransitiveProperty",
    OWL + "AllDisjointProperties",
    OWL + "AllDisjointClasses",
    OWL + "AllDifferent",
)

(
    TYPE, SUB_CLASS_OF, EQUIVALENT_CLASS, SUB_PROPERTY_OF, EQUIVALENT_PROPERTY, DOMAIN, RANGE,
    INVERSE_OF, PROPERTY_CHAIN_AXIOM, HAS_KEY, INTERSECTION_OF, UNION_OF, COMPLEMENT_OF,
    SOME_VALUES_FROM, ALL_VALUES_FROM, HAS_VALUE, ON_PROPERTY, ON_CLASS, MAX_CARDINALITY,
    MAX_QUALIFIED_CARDINALITY, ONE_OF, DISJOINT_WITH, PROPERTY_DISJOINT_WITH, MEMBERS,
    DISTINCT_MEMBERS, FIRST, REST, NIL, SOURCE_INDIVIDUAL, ASSERTION_PROPERTY, TARGET_INDIVIDUAL,
    TARGET_VALUE, SAME_AS, DIFFERENT_FROM, THING, NOTHING, CLASS, OBJECT_PROPERTY,
    DATATYPE_PROPERTY, PROPERTY, FUNCTIONAL_PROPERTY, INVERSE_FUNCTIONAL_PROPERTY,
    IRREFLEXIVE_PROPERTY, SYMMETRIC_PROPERTY, ASYMMETRIC_PROPERTY, TRANSITIVE_PROPERTY,
    ALL_DISJOINT_PROPERTIES, ALL_DISJOINT_CLASSES, ALL_DIFFERENT,
) = range(len(BUILT_IN_IRIS))

# Triples with these predicates, or typing a resource with one of SCHEMA_TYPES, are the
# terminology: the rules read them as axioms rather than as facts about individuals.
SCHEMA_PREDICATES = frozenset({
    SUB_CLASS_OF, EQUIVALENT_CLASS, SUB_PROPERTY_OF, EQUIVALENT_PROPERTY, DOMAIN, RANGE, INVERSE_OF,
    PROPERTY_CHAIN_AXIOM, HAS_KEY, INTERSECTION_OF, UNION_OF, COMPLEMENT_OF, SOME_VALUES_FROM,
    ALL_VALUES_FROM, HAS_VALUE, ON_PROPERTY, ON_CLASS, MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY,
    ONE_OF, DISJOINT_WITH, PROPERTY_DISJOINT_WITH, MEMBERS, DISTINCT_MEMBERS, FIRST, REST,
    SOURCE_INDIVIDUAL, ASSERTION_PROPERTY, TARGET_INDIVIDUAL, TARGET_VALUE,
})
SCHEMA_TYPES = frozenset({
    CLASS, OBJECT_PROPERTY, DATATYPE_PROPERTY, PROPERTY, FUNCTIONAL_PROPERTY,
    INVERSE_FUNCTIONAL_PROPERTY, IRREFLEXIVE_PROPERTY, SYMMETRIC_PROPERTY, ASYMMETRIC_PROPERTY,
    TRANSITIVE_PROPERTY, ALL_DISJOINT_PROPERTIES, ALL_DISJOINT_CLASSES, ALL_DIFFERENT,
})
