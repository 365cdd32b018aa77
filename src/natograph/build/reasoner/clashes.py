"""The OWL 2 RL rules whose head is false: each match is an inconsistency, reported as a record."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Callable

from .datatypes import cardinality_value
from .store import FactStore
from .vocabulary import (
    ALL_DIFFERENT, ALL_DISJOINT_CLASSES, ALL_DISJOINT_PROPERTIES, ASSERTION_PROPERTY, ASYMMETRIC_PROPERTY,
    COMPLEMENT_OF, DIFFERENT_FROM, DISJOINT_WITH, DISTINCT_MEMBERS, IRREFLEXIVE_PROPERTY, MAX_CARDINALITY,
    MAX_QUALIFIED_CARDINALITY, MEMBERS, NOTHING, ON_CLASS, ON_PROPERTY, PROPERTY_DISJOINT_WITH,
    SOURCE_INDIVIDUAL, TARGET_INDIVIDUAL, TARGET_VALUE, THING, TYPE,
)

@dataclass(frozen=True, order=True)
class ReasonerClash:
    """An inconsistency a reasoner reports: the OWL 2 RL rule ("" when not known), its words, and for an ill-typed
    literal its lexical form and datatype."""

    rule: str
    text: str
    literal: tuple[str, str] | None = None

    def __str__(self) -> str:
        return f"[{self.rule}] {self.text}" if self.rule else self.text


Describe = Callable[[int], str]
LiteralText = Callable[[int], "tuple[str, str] | None"]


def find_violations(store: FactStore, describe: Describe, literal_text: LiteralText) -> list[ReasonerClash]:
    """One record per violated eq-diff*, prp-irp/asyp/pdw/adp/npa*, cls-nothing2/com/maxc1/maxqc1-2, cax-dw/adc match."""
    found: list[ReasonerClash] = []

    def report(rule: str, text: str, *terms: int) -> None:
        found.append(ReasonerClash(rule, text.format(*(describe(t) for t in terms))))

    objects, subjects, has, pairs = store.objects, store.subjects, store.has, store.pairs
    for x, y in pairs(DIFFERENT_FROM):
        if x == y:
            report("eq-diff1", "{} is owl:differentFrom an individual it is owl:sameAs", x)
    for x in list(subjects(TYPE, ALL_DIFFERENT)):
        for head in [*objects(x, MEMBERS), *objects(x, DISTINCT_MEMBERS)]:
            items = store.list_items(head)
            for a, b in combinations(items, 2):
                if a == b:
                    report("eq-diff2", "{} is listed in owl:AllDifferent {} with an equal individual", a, x)
    for p in list(subjects(TYPE, IRREFLEXIVE_PROPERTY)):
        for x, y in pairs(p):
            if x == y:
                report("prp-irp", "irreflexive property {} relates {} to itself", p, x)
    for p in list(subjects(TYPE, ASYMMETRIC_PROPERTY)):
        for x, y in pairs(p):
            if x <= y and has(y, p, x):
                report("prp-asyp", "asymmetric property {} holds both ways between {} and {}", p, x, y)
    for p1, p2 in pairs(PROPERTY_DISJOINT_WITH):
        for x, y in pairs(p1):
            if has(x, p2, y):
                report("prp-pdw", "disjoint properties {} and {} both relate {} to {}", p1, p2, x, y)
    for axiom in list(subjects(TYPE, ALL_DISJOINT_PROPERTIES)):
        for head in list(objects(axiom, MEMBERS)):
            for p1, p2 in combinations(store.list_items(head), 2):
                for x, y in pairs(p1):
                    if has(x, p2, y):
                        report("prp-adp", "disjoint properties {} and {} both relate {} to {}", p1, p2, x, y)
    for axiom, i1 in pairs(SOURCE_INDIVIDUAL):
        for p in list(objects(axiom, ASSERTION_PROPERTY)):
            for i2 in [*objects(axiom, TARGET_INDIVIDUAL), *objects(axiom, TARGET_VALUE)]:
                if has(i1, p, i2):
                    report("prp-npa", "negative property assertion {} {} {} is stated", i1, p, i2)
    for x in list(subjects(TYPE, NOTHING)):
        report("cls-nothing2", "{} is a member of owl:Nothing", x)
    for c1, c2 in pairs(COMPLEMENT_OF):
        for x in list(subjects(TYPE, c1)):
            if has(x, TYPE, c2):
                report("cls-com", "{} is a member of {} and of its complement {}", x, c1, c2)
    for link in (MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY):
        for r, number in pairs(link):
            text = literal_text(number)
            if text is None or cardinality_value(*text) != 0:
                continue
            on_classes = list(objects(r, ON_CLASS)) if link == MAX_QUALIFIED_CARDINALITY else [THING]
            for p in list(objects(r, ON_PROPERTY)):
                for u in list(subjects(TYPE, r)):
                    for y in list(objects(u, p)):
                        if any(cc == THING or has(y, TYPE, cc) for cc in on_classes):
                            rule = "cls-maxc1" if link == MAX_CARDINALITY else "cls-maxqc1"
                            report(rule, "{} has a value {} of {}, which restriction {} forbids", u, y, p, r)
    for c1, c2 in pairs(DISJOINT_WITH):
        for x in list(subjects(TYPE, c1)):
            if has(x, TYPE, c2):
                report("cax-dw", "{} is a member of the disjoint classes {} and {}", x, c1, c2)
    for axiom in list(subjects(TYPE, ALL_DISJOINT_CLASSES)):
        for head in list(objects(axiom, MEMBERS)):
            for c1, c2 in combinations(store.list_items(head), 2):
                for x in list(subjects(TYPE, c1)):
                    if has(x, TYPE, c2):
                        report("cax-adc", "{} is a member of the disjoint classes {} and {}", x, c1, c2)
    return sorted(set(found))

