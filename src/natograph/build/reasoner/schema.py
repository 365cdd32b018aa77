"""The terminology: the scm-* rules saturate it, then it is compiled into per-property and per-class plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from .datatypes import cardinality_value
from .store import FactStore
from .vocabulary import (
    ALL_VALUES_FROM, CLASS, DATATYPE_PROPERTY, DOMAIN, EQUIVALENT_CLASS,
    EQUIVALENT_PROPERTY, FUNCTIONAL_PROPERTY, HAS_KEY, HAS_VALUE, INTERSECTION_OF, INVERSE_FUNCTIONAL_PROPERTY,
    INVERSE_OF, MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY, NOTHING, OBJECT_PROPERTY, ON_CLASS, ON_PROPERTY,
    PROPERTY, PROPERTY_CHAIN_AXIOM, RANGE, SOME_VALUES_FROM, SUB_CLASS_OF, SUB_PROPERTY_OF, SYMMETRIC_PROPERTY,
    THING, TRANSITIVE_PROPERTY, TYPE, UNION_OF,
)

Fact = tuple[int, int, int]


def schema_consequences(store: FactStore) -> Iterator[Fact]:
    """One naive round of the scm-* rules (table 9) over the terminology in the store."""
    objects, subjects, has, pairs = store.objects, store.subjects, store.has, store.pairs

    def distinct(a: int, b: int) -> bool:
        # The rules' "c1 ≠ c2" conditions compare names: two names of one representative differ.
        return a != b or len(store.members(a)) > 1

    for c in list(subjects(TYPE, CLASS)):  # scm-cls
        yield c, SUB_CLASS_OF, c
        yield c, EQUIVALENT_CLASS, c
        yield c, SUB_CLASS_OF, THING
        yield NOTHING, SUB_CLASS_OF, c
    for kind in (OBJECT_PROPERTY, DATATYPE_PROPERTY, PROPERTY):  # scm-op, scm-dp
        for p in list(subjects(TYPE, kind)):
            yield p, SUB_PROPERTY_OF, p
            yield p, EQUIVALENT_PROPERTY, p
    # The same three rules for classes and for properties.
    for sub, equivalent in ((SUB_CLASS_OF, EQUIVALENT_CLASS), (SUB_PROPERTY_OF, EQUIVALENT_PROPERTY)):
        for x1, x2 in pairs(sub):
            if distinct(x1, x2):  # scm-sco, scm-spo
                for x3 in list(objects(x2, sub)):
                    if distinct(x1, x3):
                        yield x1, sub, x3
            if has(x2, sub, x1):  # scm-eqc2, scm-eqp2
                yield x1, equivalent, x2
        for x1, x2 in pairs(equivalent):
            if distinct(x1, x2):  # scm-eqc1, scm-eqp1
                yield x1, sub, x2
                yield x2, sub, x1
    for axis in (DOMAIN, RANGE):
        for p, c1 in pairs(axis):
            for c2 in list(objects(c1, SUB_CLASS_OF)):  # scm-dom1, scm-rng1
                if distinct(c1, c2):
                    yield p, axis, c2
            for p1 in list(subjects(SUB_PROPERTY_OF, p)):  # scm-dom2, scm-rng2
                if distinct(p1, p):
                    yield p1, axis, c1
    yield from _restriction_subsumptions(store)
    for c, head in pairs(INTERSECTION_OF):  # scm-int
        for ci in store.list_items(head):
            yield c, SUB_CLASS_OF, ci
    for c, head in pairs(UNION_OF):  # scm-uni
        for ci in store.list_items(head):
            yield ci, SUB_CLASS_OF, c


def _restriction_subsumptions(store: FactStore) -> Iterator[Fact]:
    """scm-hv, scm-svf1/2, scm-avf1/2: subsumption between restrictions on related properties and fillers."""
    objects, has = store.objects, store.has
    for link, by_filler, by_property in (
        (HAS_VALUE, None, "scm-hv"),
        (SOME_VALUES_FROM, "scm-svf1", "scm-svf2"),
        (ALL_VALUES_FROM, "scm-avf1", "scm-avf2"),
    ):
        restrictions = [(c, filler, p) for c, filler in store.pairs(link) for p in list(objects(c, ON_PROPERTY))]
        for c1, y1, p1 in restrictions:
            for c2, y2, p2 in restrictions:
                if by_filler and p1 == p2 and has(y1, SUB_CLASS_OF, y2):
                    yield c1, SUB_CLASS_OF, c2
                if y1 == y2 and has(p1, SUB_PROPERTY_OF, p2):
                    yield (c2, SUB_CLASS_OF, c1) if link == ALL_VALUES_FROM else (c1, SUB_CLASS_OF, c2)


def saturate(store: FactStore, add: Callable[[int, int, int], bool]) -> None:
    """Apply the scm-* rules until they add nothing new."""
    while True:
        new = [fact for fact in set(schema_consequences(store)) if add(*fact)]
        if not new:
            return


@dataclass(slots=True)
class PropertyPlan:
    """What a fact `x p y` triggers, for one property p."""

    domains: tuple = ()
    ranges: tuple = ()
    supers: tuple = ()
    inverses: tuple = ()
    symmetric: bool = False
    transitive: bool = False
    functional: bool = False
    inverse_functional: bool = False
    chains: tuple = ()            # (result property, chain, position of p)
    has_value: tuple = ()         # (restriction, value): x p value → x a restriction
    some_values: tuple = ()       # (restriction, filler or None for owl:Thing)
    all_values: tuple = ()        # (restriction, filler)
    max_one: tuple = ()           # (restriction, class or None): at most one value (of that class)
    keys: tuple = ()              # (class, key properties)


@dataclass(slots=True)
class ClassPlan:
    """What a fact `x a c` triggers, for one class c."""

    supers: tuple = ()
    intersections: tuple = ()     # (intersection class, its members) having c as a member
    has_value: tuple = ()         # (property, value): x a c → x property value
    all_values: tuple = ()        # (property, filler)
    filler_of: tuple = ()         # (restriction, property): c is its someValuesFrom filler
    max_one: tuple = ()           # (property, class or None) of a max-1 restriction c
    max_one_filler: tuple = ()    # (restriction, property): c is the onClass of a max-1 restriction
    keys: tuple = ()              # key properties of c


@dataclass
class Terminology:
    """The compiled plans, built on demand from the saturated terminology in the store."""

    store: FactStore
    literal_text: Callable[[int], tuple[str, str] | None]
    properties: dict[int, PropertyPlan | None] = field(default_factory=dict)
    classes: dict[int, ClassPlan] = field(default_factory=dict)

    def __post_init__(self):
        store = self.store
        self.chains = []
        for q, head in store.pairs(PROPERTY_CHAIN_AXIOM):
            chain = tuple(store.list_items(head))
            if chain:
                self.chains.append((q, chain))
        self.intersections = [(c, tuple(store.list_items(head))) for c, head in store.pairs(INTERSECTION_OF)]
        self.keys = [(c, tuple(store.list_items(head))) for c, head in store.pairs(HAS_KEY)]
        self.max_one = []
        for link in (MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY):
            for c, number in store.pairs(link):
                if self._number(number) != 1:
                    continue
                on_classes = list(store.objects(c, ON_CLASS)) if link == MAX_QUALIFIED_CARDINALITY else [None]
                for p in store.objects(c, ON_PROPERTY):
                    for cc in on_classes:
                        self.max_one.append((c, p, None if cc == THING else cc))

    def _number(self, term: int) -> int | None:
        text = self.literal_text(term)
        return None if text is None else cardinality_value(*text)

    def property_plan(self, p: int) -> PropertyPlan | None:
        """The plan for facts with predicate p, or None if no rule is triggered by them."""
        if p in self.properties:
            return self.properties[p]
        plan = self._compile_property(p)
        if not any(getattr(plan, name) for name in PropertyPlan.__slots__):
            plan = None
        self.properties[p] = plan
        return plan

    def class_plan(self, c: int) -> ClassPlan:
        plan = self.classes.get(c)
        if plan is None:
            plan = self.classes[c] = self._compile_class(c)
        return plan

    def _compile_property(self, p: int) -> PropertyPlan:
        store = self.store
        objects, subjects, has = store.objects, store.subjects, store.has
        restrictions = subjects(ON_PROPERTY, p)
        supers = set(objects(p, SUB_PROPERTY_OF)) | set(objects(p, EQUIVALENT_PROPERTY))
        supers |= set(subjects(EQUIVALENT_PROPERTY, p))
        supers.discard(p)
        return PropertyPlan(
            domains=tuple(objects(p, DOMAIN)),
            ranges=tuple(objects(p, RANGE)),
            supers=tuple(supers),
            inverses=tuple(set(objects(p, INVERSE_OF)) | set(subjects(INVERSE_OF, p))),
            symmetric=has(p, TYPE, SYMMETRIC_PROPERTY),
            transitive=has(p, TYPE, TRANSITIVE_PROPERTY),
            functional=has(p, TYPE, FUNCTIONAL_PROPERTY),
            inverse_functional=has(p, TYPE, INVERSE_FUNCTIONAL_PROPERTY),
            chains=tuple((q, chain, i) for q, chain in self.chains for i, link in enumerate(chain) if link == p),
            has_value=tuple((c, v) for c in restrictions for v in objects(c, HAS_VALUE)),
            some_values=tuple((c, None if y == THING else y) for c in restrictions for y in objects(c, SOME_VALUES_FROM)),
            all_values=tuple((c, y) for c in restrictions for y in objects(c, ALL_VALUES_FROM)),
            max_one=tuple((c, cc) for c, q, cc in self.max_one if q == p),
            keys=tuple((c, props) for c, props in self.keys if p in props),
        )

    def _compile_class(self, c: int) -> ClassPlan:
        store = self.store
        objects, subjects = store.objects, store.subjects
        supers = set(objects(c, SUB_CLASS_OF)) | set(objects(c, EQUIVALENT_CLASS)) | set(subjects(EQUIVALENT_CLASS, c))
        supers.discard(c)
        on = list(objects(c, ON_PROPERTY))
        return ClassPlan(
            supers=tuple(supers),
            intersections=tuple((i, members) for i, members in self.intersections if c in members),
            has_value=tuple((p, v) for p in on for v in objects(c, HAS_VALUE)),
            all_values=tuple((p, y) for p in on for y in objects(c, ALL_VALUES_FROM)),
            filler_of=tuple((r, p) for r in subjects(SOME_VALUES_FROM, c) for p in objects(r, ON_PROPERTY)) if c != THING else (),
            max_one=tuple((p, cc) for r, p, cc in self.max_one if r == c),
            max_one_filler=tuple((r, p) for r, p, cc in self.max_one if cc == c),
            keys=tuple(props for k, props in self.keys if k == c),
        )


def schema_terms(store: FactStore, schema_predicates, schema_types) -> set[int]:
    """Every term that occurs in a terminology fact (merging one of them changes the plans)."""
    terms = set()
    for p in schema_predicates:
        for s, o in store.pairs(p):
            terms.add(s)
            terms.add(o)
    for t in schema_types:
        terms.update(store.subjects(TYPE, t))
    return terms

