"""The OWL 2 RL rules whose head is false, defined once: each match in a closure is a clash record.

The rules read the closure with every name of equal individuals spelled out (as the snapshot holds it), so
that a record names the clashing triples as they are stated or inferred. They run on natograph's engine's
closure and, with `--reasoner owlrl`, on owlrl's (build/reason.py): one definition for both reasoners.
tests/build/clash_rules/*.rq are the same rules in SPARQL, kept only as the reference of a differential test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Iterable, NamedTuple

import pyoxigraph as ox

from .datatypes import UNTYPED_LITERAL_DATATYPES, cardinality_value, is_valid_lexical_form, same_data_value
from .store import ExpandedFacts, FactStore, TermTable
from .vocabulary import (
    ALL_DIFFERENT, ALL_DISJOINT_CLASSES, ALL_DISJOINT_PROPERTIES, ASSERTION_PROPERTY, ASYMMETRIC_PROPERTY, FIRST,
    COMPLEMENT_OF, DIFFERENT_FROM, DISJOINT_WITH, DISTINCT_MEMBERS, FUNCTIONAL_PROPERTY,
    INVERSE_FUNCTIONAL_PROPERTY, IRREFLEXIVE_PROPERTY, MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY, MEMBERS, NOTHING,
    ON_CLASS, ON_PROPERTY, PROPERTY_DISJOINT_WITH, REST, SAME_AS, SOURCE_INDIVIDUAL, TARGET_INDIVIDUAL, TARGET_VALUE,
    THING, TYPE,
)

# Each way a clash is found: its OWL 2 RL rule id (OWL 2 Profiles, section 4.3) and what it means.
CLASH_KINDS = {
    "cax-adc": ("cax-adc", "an individual is a member of two classes of one owl:AllDisjointClasses axiom"),
    "cax-dw": ("cax-dw", "an individual is a member of two classes declared disjoint (owl:disjointWith)"),
    "cls-com": ("cls-com", "an individual is a member of a class and of its owl:complementOf"),
    "cls-maxc1": ("cls-maxc1",
                  "a member of an owl:maxCardinality 0 restriction has a value for the restricted property"),
    "cls-maxqc1": ("cls-maxqc1",
                   "a member of an owl:maxQualifiedCardinality 0 restriction has a value of the restricted class"),
    "cls-maxqc2": ("cls-maxqc2", "a member of an owl:maxQualifiedCardinality 0 restriction on owl:Thing has a value"
                                 " for the restricted property"),
    "cls-nothing2": ("cls-nothing2", "an individual is a member of owl:Nothing"),
    "dt-not-type": ("dt-not-type", "a literal's lexical form is not a value of its datatype"),
    "eq-diff1-self": ("eq-diff1",
                      "a resource is declared owl:differentFrom itself (every resource is owl:sameAs itself)"),
    "eq-diff1": ("eq-diff1", "two resources are both owl:sameAs and owl:differentFrom each other"),
    "eq-diff2": ("eq-diff2", "two members of one owl:AllDifferent axiom (owl:members) are owl:sameAs each other"),
    "eq-diff3": ("eq-diff3",
                 "two members of one owl:AllDifferent axiom (owl:distinctMembers) are owl:sameAs each other"),
    "prp-adp": ("prp-adp", "two resources are related by two properties of one owl:AllDisjointProperties axiom"),
    "prp-asyp": ("prp-asyp", "an asymmetric property holds in both directions between two resources"),
    "prp-fp-different": ("prp-fp",
                         "a functional property has two values that are declared owl:differentFrom each other"),
    "prp-fp-literal": ("prp-fp", "a functional property has two literal values that are different data values"
                                 " (owlrl would silently make the literals owl:sameAs)"),
    "prp-ifp": ("prp-ifp", "an inverse-functional property has one value for two resources declared"
                           " owl:differentFrom each other"),
    "prp-irp": ("prp-irp", "an irreflexive property relates a resource to itself"),
    "prp-npa1": ("prp-npa1", "a triple holds that an owl:NegativePropertyAssertion (owl:targetIndividual) denies"),
    "prp-npa2": ("prp-npa2", "a triple holds that an owl:NegativePropertyAssertion (owl:targetValue) denies"),
    "prp-pdw": ("prp-pdw",
                "two resources are related by two properties declared disjoint (owl:propertyDisjointWith)"),
}
CLASH_RULES = sorted({rule for rule, _ in CLASH_KINDS.values()})


class GeneralisedTriple(NamedTuple):
    """A triple that RDF does not allow (a literal as subject), which a closure may hold and a clash may name."""

    subject: object
    predicate: object
    object: object


@dataclass(frozen=True)
class ReasonerClash:
    """An inconsistency: the OWL 2 RL rule ("" when not known), its meaning, for an ill-typed literal its lexical
    form and datatype, and the clashing triples and the axiom they break (empty when a reasoner does not say)."""

    rule: str
    text: str
    literal: tuple[str, str] | None = None
    triples: tuple = ()
    axiom: ox.Triple | GeneralisedTriple | None = None

    def __str__(self) -> str:
        return f"[{self.rule}] {self.text}" if self.rule else self.text

    def sort_key(self) -> tuple:
        return self.rule, self.text, [tuple(map(str, t)) for t in self.triples], str(self.axiom)


def triple(s, p, o) -> ox.Triple | GeneralisedTriple:
    """An RDF triple of pyoxigraph terms, or a GeneralisedTriple where RDF allows none."""
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        return GeneralisedTriple(s, p, o)
    return ox.Triple(s, p, o)


def clashes_in(asserted: Iterable[ox.Triple], entailed: Iterable[tuple]) -> list[ReasonerClash]:
    """The clashes of a closure given as its asserted and entailed triples (all names of equal terms spelled out)."""
    table = TermTable()
    stated = set(table.encode(asserted))
    facts = table.encode(entailed)
    store = FactStore(len(table))
    for fact in (*stated, *facts):
        store.insert(*fact)
    return find_clashes(store, table.terms, stated)


def find_clashes(
    closure: FactStore | ExpandedFacts, terms: list, asserted: set[tuple[int, int, int]]
) -> list[ReasonerClash]:
    """Every match of a false-head rule in `closure` (facts of term ids, every name of equal terms), as records.

    `asserted` are the stated facts: owl:differentFrom counts only as stated (its copies to every alias would
    report one conflict again), and dt-not-type looks at stated literals.
    """
    found: set[ReasonerClash] = set()
    objects, subjects, has, pairs = closure.objects, closure.subjects, closure.has, closure.pairs

    def items(head: int) -> set[int]:
        """The members of a list: every rdf:first along rdf:rest* (equal list nodes may have several of each)."""
        members, nodes, seen = set(), [head], set()
        while nodes:
            node = nodes.pop()
            if node not in seen:
                seen.add(node)
                members.update(objects(node, FIRST))
                nodes.extend(objects(node, REST))
        return members

    def text(term: int) -> str:
        return terms[term].value

    def report(kind: str, triples: list[tuple[int, int, int]], axiom: tuple[int, int, int] | None = None) -> None:
        rule, meaning = CLASH_KINDS[kind]
        found.add(ReasonerClash(rule, meaning, triples=tuple(triple(*(terms[t] for t in f)) for f in triples),
                                axiom=triple(*(terms[t] for t in axiom)) if axiom else None))

    # A member of owl:Nothing is in every class; cls-nothing2 reports it once.
    nothing = set(subjects(TYPE, NOTHING))
    for x in nothing:
        report("cls-nothing2", [(x, TYPE, NOTHING)])

    members_of: dict[int, set[int]] = {}

    def common_members(c1: int, c2: int) -> set[int]:
        for c in (c1, c2):
            if c not in members_of:
                members_of[c] = set(subjects(TYPE, c))
        return (members_of[c1] & members_of[c2]) - nothing

    for c1, c2 in pairs(DISJOINT_WITH):
        if c1 != c2:
            for x in common_members(c1, c2):
                report("cax-dw", [(x, TYPE, c1), (x, TYPE, c2)], (c1, DISJOINT_WITH, c2))
    for c1, c2 in pairs(COMPLEMENT_OF):
        for x in common_members(c1, c2):
            report("cls-com", [(x, TYPE, c1), (x, TYPE, c2)], (c1, COMPLEMENT_OF, c2))
    for axiom in subjects(TYPE, ALL_DISJOINT_CLASSES):
        for head in objects(axiom, MEMBERS):
            for c1, c2 in _ordered_pairs(items(head), text):
                for x in common_members(c1, c2):
                    report("cax-adc", [(x, TYPE, c1), (x, TYPE, c2)], (axiom, MEMBERS, head))

    for link in (MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY):
        for r, number in pairs(link):
            term = terms[number]
            if not isinstance(term, ox.Literal) or cardinality_value(term.value, term.datatype.value) != 0:
                continue
            for p in objects(r, ON_PROPERTY):
                for x in subjects(TYPE, r):
                    for y in objects(x, p):
                        premises = [(x, TYPE, r), (x, p, y)]
                        if link == MAX_CARDINALITY:
                            report("cls-maxc1", premises, (r, link, number))
                            continue
                        for c in objects(r, ON_CLASS):
                            if c == THING:
                                report("cls-maxqc2", premises, (r, link, number))
                            elif has(y, TYPE, c):
                                report("cls-maxqc1", [*premises, (y, TYPE, c)], (r, link, number))

    stated_different = [(x, y) for x, p, y in asserted if p == DIFFERENT_FROM]
    for x, y in stated_different:
        if x == y:
            report("eq-diff1-self", [(x, DIFFERENT_FROM, x)])
        elif has(x, SAME_AS, y):
            report("eq-diff1", [(x, SAME_AS, y), (x, DIFFERENT_FROM, y)])
    for link, kind in ((MEMBERS, "eq-diff2"), (DISTINCT_MEMBERS, "eq-diff3")):
        for axiom in subjects(TYPE, ALL_DIFFERENT):
            for head in objects(axiom, link):
                for x, y in _ordered_pairs(items(head), text):
                    if has(x, SAME_AS, y):
                        report(kind, [(x, SAME_AS, y)], (axiom, link, head))

    for p in subjects(TYPE, IRREFLEXIVE_PROPERTY):
        for x in [x for x, y in pairs(p) if x == y]:
            report("prp-irp", [(x, p, x)], (p, TYPE, IRREFLEXIVE_PROPERTY))
    for p in subjects(TYPE, ASYMMETRIC_PROPERTY):
        for x, y in pairs(p):
            if text(x) <= text(y) and has(y, p, x):
                report("prp-asyp", [(x, p, y), (y, p, x)], (p, TYPE, ASYMMETRIC_PROPERTY))
    for q1, q2 in pairs(PROPERTY_DISJOINT_WITH):
        for x, y in pairs(q1):
            if has(x, q2, y):
                report("prp-pdw", [(x, q1, y), (x, q2, y)], (q1, PROPERTY_DISJOINT_WITH, q2))
    for axiom in subjects(TYPE, ALL_DISJOINT_PROPERTIES):
        for head in objects(axiom, MEMBERS):
            for q1, q2 in _ordered_pairs(items(head), text):
                for x, y in pairs(q1):
                    if has(x, q2, y):
                        report("prp-adp", [(x, q1, y), (x, q2, y)], (axiom, MEMBERS, head))
    for link, kind in ((TARGET_INDIVIDUAL, "prp-npa1"), (TARGET_VALUE, "prp-npa2")):
        for npa, target in pairs(link):
            for source in objects(npa, SOURCE_INDIVIDUAL):
                for p in objects(npa, ASSERTION_PROPERTY):
                    if has(source, p, target):
                        report(kind, [(source, p, target)], (npa, link, target))

    different = set(stated_different)

    def stated_difference(a: int, b: int) -> list[tuple[int, int, int]]:
        return [(u, DIFFERENT_FROM, v) for u, v in ((a, b), (b, a)) if (u, v) in different]

    is_literal = [isinstance(term, ox.Literal) for term in terms]

    def literal_order(term: int) -> tuple[str, str, str]:
        literal = terms[term]
        return literal.value, literal.datatype.value, literal.language or ""

    for p in subjects(TYPE, FUNCTIONAL_PROPERTY):
        for x in {x for x, _ in pairs(p)}:
            values = objects(x, p)
            for y1, y2 in _ordered_pairs(values, text):
                for difference in stated_difference(y1, y2):
                    report("prp-fp-different", [(x, p, y1), (x, p, y2), difference], (p, TYPE, FUNCTIONAL_PROPERTY))
            # Two literals of one text may be two values ("1"^^xsd:integer, "1"): ordered by all of the term.
            for y1, y2 in _ordered_pairs([y for y in values if is_literal[y]], literal_order):
                if not same_data_value(terms[y1], terms[y2]):
                    report("prp-fp-literal", [(x, p, y1), (x, p, y2)], (p, TYPE, FUNCTIONAL_PROPERTY))
    for p in subjects(TYPE, INVERSE_FUNCTIONAL_PROPERTY):
        for y in {y for _, y in pairs(p)}:
            for x1, x2 in _ordered_pairs(subjects(p, y), text):
                for difference in stated_difference(x1, x2):
                    report("prp-ifp", [(x1, p, y), (x2, p, y), difference], (p, TYPE, INVERSE_FUNCTIONAL_PROPERTY))

    found.update(_ill_typed_literals(terms, asserted))
    return sorted(found, key=ReasonerClash.sort_key)


def _ordered_pairs(members: Iterable[int], key) -> list[tuple[int, int]]:
    """Each pair of members of different keys once, the one whose key sorts first first (for the key `text`, as
    STR(?a) < STR(?b) in SPARQL)."""
    return [(a, b) for a, b in combinations(sorted(set(members), key=key), 2) if key(a) < key(b)]


def _ill_typed_literals(terms: list, asserted: set[tuple[int, int, int]]) -> list[ReasonerClash]:
    """dt-not-type: one record per stated literal outside its datatype's lexical space, with the triples stating it."""
    stating, valid = defaultdict(list), {}
    for s, p, o in asserted:
        if o not in valid:
            term = terms[o]
            valid[o] = not isinstance(term, ox.Literal) or term.datatype.value in UNTYPED_LITERAL_DATATYPES or \
                is_valid_lexical_form(term.value, term.datatype.value)
        if not valid[o]:
            stating[terms[o]].append(triple(terms[s], terms[p], terms[o]))
    rule, meaning = CLASH_KINDS["dt-not-type"]
    return [ReasonerClash(rule, meaning, (literal.value, literal.datatype.value),
                          tuple(sorted(triples, key=lambda t: tuple(map(str, t)))))
            for literal, triples in stating.items()]
